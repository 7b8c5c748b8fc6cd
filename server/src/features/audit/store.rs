//! The audit log: the dashboard's recent events and the filtered pages.
//!
//! This feature's part of the one [`Store`]: an `impl Store` block, so the feature's reads and
//! writes are declared next to the service that uses them, while the statements stay in
//! `store/sql/` (written once for both backends) and the backend is still chosen once, at
//! start-up.

use crate::store::{sql, *};

impl Store {
    /// Newest first.
    #[tracing::instrument(skip_all)]
    pub async fn recent_audit_events(&self, account_id: &str, limit: i64) -> StoreResult<Vec<AuditEvent>> {
        sql::audit::recent_audit_events(self.db(), account_id, limit).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn audit_page(&self, filter: &AuditFilter, limit: i64, offset: i64) -> StoreResult<(Vec<AuditEvent>, i64)> {
        sql::audit::audit_page(self.db(), filter, limit, offset).await
    }

    /// Every event of `filter`, newest first, sent to `rows` as the statement reads them.
    #[tracing::instrument(skip_all)]
    pub async fn stream_audit_events(&self, filter: &AuditFilter, rows: &tokio::sync::mpsc::Sender<AuditEvent>) -> StoreResult<()> {
        sql::audit::stream_audit_events(self.db(), filter, rows).await
    }
}
