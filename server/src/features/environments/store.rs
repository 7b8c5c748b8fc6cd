//! The environment dashboard's counts.
//!
//! This feature's part of the one [`Store`]: an `impl Store` block, so the feature's reads and
//! writes are declared next to the service that uses them, while the statements stay in
//! `store/sql/` (written once for both backends) and the backend is still chosen once, at
//! start-up.

use crate::store::{sql, *};

impl Store {
    /// Counts for the dashboard. Status follows the contract: scheduled when `effective_from >
    /// now_ms`, expired when `effective_to <= now_ms`, otherwise active.
    #[tracing::instrument(skip_all)]
    pub async fn environment_stats(&self, environment: &Environment, now_ms: i64) -> StoreResult<EnvironmentStats> {
        sql::tenants::environment_stats(self.db(), environment, now_ms).await
    }

    /// Active assignments ending in each of the next `days` days, as `(day, count)`: day 0 ends
    /// within 24 hours of `now_ms`.
    #[tracing::instrument(skip_all)]
    pub async fn expiring_by_day(&self, environment_id: &str, now_ms: i64, days: i64) -> StoreResult<Vec<(i64, i64)>> {
        sql::tenants::expiring_by_day(self.db(), environment_id, now_ms, days).await
    }
}
