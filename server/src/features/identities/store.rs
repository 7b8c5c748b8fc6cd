//! An application's identities: look-ups, pages, counts and the email checks of bulk writes.
//!
//! This feature's part of the one [`Store`]: an `impl Store` block, so the feature's reads and
//! writes are declared next to the service that uses them, while the statements stay in
//! `store/sql/` (written once for both backends) and the backend is still chosen once, at
//! start-up.

use crate::store::{sql, *};

impl Store {
    #[tracing::instrument(skip_all)]
    pub async fn identity_by_email(&self, application_id: &str, email_normalized: &str) -> StoreResult<Option<Identity>> {
        sql::identities::identity_by_email(self.db(), application_id, email_normalized).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn identity_by_id(&self, application_id: &str, id: &str) -> StoreResult<Option<Identity>> {
        sql::identities::identity_by_id(self.db(), application_id, id).await
    }

    /// Those of `ids` that exist in the application.
    #[tracing::instrument(skip_all, fields(ids = ids.len()))]
    pub async fn identities_by_ids(&self, application_id: &str, ids: &[&str]) -> StoreResult<Vec<Identity>> {
        sql::identities::identities_by_ids(self.db(), application_id, ids).await
    }

    /// `(id, status)` of those of `ids` that exist in the application: what a bulk write needs
    /// to know about 10,000 identities, without reading and decoding whole rows (and, when all
    /// of them are active, with a count instead of a row per id). Duplicates in `ids` are ignored.
    #[tracing::instrument(skip_all, fields(ids = ids.len()))]
    pub async fn identity_statuses(&self, application_id: &str, ids: &[&str]) -> StoreResult<Vec<(String, app::dto::IdentityStatus)>> {
        sql::identities::identity_statuses(self.db(), application_id, ids).await
    }

    /// Every identity of the list under `spec` (its bounds unused), sent to `rows` as read.
    #[tracing::instrument(skip_all)]
    pub async fn stream_identities(&self, application_id: &str, spec: &IdentityPageSpec, rows: &tokio::sync::mpsc::Sender<Identity>) -> StoreResult<()> {
        sql::identities::stream_identities(self.db(), application_id, spec, rows).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn identity_page(&self, application_id: &str, spec: &IdentityPageSpec) -> StoreResult<(Vec<Identity>, i64)> {
        sql::identities::identity_page(self.db(), application_id, spec).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn identity_counts(&self, application_id: &str) -> StoreResult<IdentityCounts> {
        sql::identities::identity_counts(self.db(), application_id).await
    }

    /// Which of these normalized emails an identity of the application already has.
    #[tracing::instrument(skip_all, fields(emails = emails.len()))]
    pub async fn identity_emails_taken(&self, application_id: &str, emails: &[String]) -> StoreResult<Vec<String>> {
        sql::identities::identity_emails_taken(self.db(), application_id, emails).await
    }

    /// Identities of the application with these normalized emails.
    #[tracing::instrument(skip_all, fields(emails = emails.len()))]
    pub async fn identities_by_emails(&self, application_id: &str, emails: &[String]) -> StoreResult<Vec<Identity>> {
        sql::identities::identities_by_emails(self.db(), application_id, emails).await
    }
}
