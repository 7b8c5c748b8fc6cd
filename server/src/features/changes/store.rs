//! The change feed as API clients read it.
//!
//! This feature's part of the one [`Store`]: an `impl Store` block over the statements of
//! `store/sql/feed.rs`, which the change-feed follower reads too.

use crate::store::{
    sql::{
        self,
        feed::{ChangePage, ChangeScope},
    },
    *,
};

impl Store {
    /// The scope's changes after `after`, at most `limit` (see [`sql::feed::changes`]).
    #[tracing::instrument(skip_all)]
    pub async fn changes(&self, scope: &ChangeScope<'_>, after: &Revision, limit: i64, kept_since: i64) -> StoreResult<ChangePage> {
        sql::feed::changes(self.db(), scope, after, limit, kept_since).await
    }
}
