//! An environment's management API keys.
//!
//! This feature's part of the one [`Store`]: an `impl Store` block, so the feature's reads and
//! writes are declared next to the service that uses them, while the statements stay in
//! `store/sql/` (written once for both backends) and the backend is still chosen once, at
//! start-up.

use crate::store::{sql, *};

impl Store {
    #[tracing::instrument(skip_all)]
    pub async fn api_keys(&self, environment_id: &str) -> StoreResult<Vec<ApiKey>> {
        sql::api_keys::api_keys(self.db(), environment_id).await
    }
}
