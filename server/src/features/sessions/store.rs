//! Admin sessions: what signing in and out writes.
//!
//! This feature's part of the one [`Store`]: an `impl Store` block, so the feature's reads and
//! writes are declared next to the service that uses them, while the statements stay in
//! `store/sql/` (written once for both backends) and the backend is still chosen once, at
//! start-up.

use crate::store::{sql, *};

impl Store {
    /// Inserts the session and, in the same transaction, its audit events (`admin.login`, one
    /// per account the admin belongs to, so each tenant's log shows its admins' sign-ins).
    #[tracing::instrument(skip_all)]
    pub async fn create_session(&self, session: &AdminSession, audit: &[AuditEvent]) -> StoreResult<()> {
        sql::tenants::create_session(self.db(), session, audit).await
    }

    /// Sets `revoked_at` (no-op when already revoked) and writes the audit events.
    #[tracing::instrument(skip_all)]
    pub async fn revoke_session(&self, id: &str, at: i64, audit: &[AuditEvent]) -> StoreResult<()> {
        sql::tenants::revoke_session(self.db(), id, at, audit).await
    }
}
