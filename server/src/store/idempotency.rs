//! Idempotency records of keyed bulk requests (see `web/idempotency.rs`).

use super::{sql, *};

impl Store {
    /// The record of `key` in `scope` if it was made at or after `since` (ms).
    #[tracing::instrument(skip_all)]
    pub async fn idempotency_record(&self, scope: &str, key: &str, since: i64) -> StoreResult<Option<IdempotencyRecord>> {
        sql::idempotency::idempotency_record(self.db(), scope, key, since).await
    }

    /// Saves a record, first deleting every record older than [`IDEMPOTENCY_TTL_MS`] before it
    /// (an expired one with the same scope and key among them).
    #[tracing::instrument(skip_all)]
    pub async fn save_idempotency_record(&self, record: &IdempotencyRecord) -> StoreResult<()> {
        sql::idempotency::save_idempotency_record(self.db(), record).await
    }
}
