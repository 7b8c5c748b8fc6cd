//! The permission grants that checks and effective permissions read.
//!
//! This feature's part of the one [`Store`]: an `impl Store` block, so the feature's reads and
//! writes are declared next to the service that uses them, while the statements stay in
//! `store/sql/` (written once for both backends) and the backend is still chosen once, at
//! start-up.

use crate::store::{sql, *};

impl Store {
    /// Permission grants of identities in an environment, active at `at_ms`, on `nodes` (all
    /// nodes when `None`), optionally for one permission key. Ordered by identity, key, assignment.
    #[tracing::instrument(skip_all)]
    pub async fn grants(&self, environment_id: &str, identity_ids: &[&str], nodes: Option<&[String]>, permission_key: Option<&str>, at_ms: i64) -> StoreResult<Vec<Grant>> {
        sql::assignments::grants(self.db(), environment_id, identity_ids, nodes, permission_key, at_ms).await
    }
}
