//! The one `Store` implementation, over whichever backend `DATABASE_URL` names.
//!
//! Each method runs in a `tracing` span named after it and calls the function of `sql/` that
//! holds its statements; the three data-write methods bump the generation around the write.

use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;

use super::{
    db::{Bump, Db},
    postgres, sql, sqlite, *,
};

pub struct SqlStore {
    db: Db,
    /// Bumped around every write; see [`Store::generation`].
    generation: AtomicU64,
    /// SQLite's background WAL checkpoints; stopped when the store is dropped.
    _checkpointer: Option<sqlite::Checkpointer>,
    /// The SQLite file as opened, which [`Store::ping`] holds the path to.
    file: Option<sqlite::DatabaseFile>,
}

impl SqlStore {
    /// Opens `url` (`sqlite:...`, `postgres://...` or `postgresql://...`).
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let (db, checkpointer, file) = if url.starts_with("sqlite:") {
            let (pool, checkpointer) = sqlite::connect(url).await?;
            (Db::Sqlite(pool), Some(checkpointer), sqlite::DatabaseFile::opened(url)?)
        } else {
            (Db::Postgres(postgres::connect(url).await?), None, None)
        };
        Ok(Self { db, generation: AtomicU64::new(0), _checkpointer: checkpointer, file })
    }

    fn bump(&self) -> Bump<'_> {
        Bump::start(&self.generation)
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.db.backend()
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    #[tracing::instrument(skip_all)]
    async fn migrate(&self) -> StoreResult<()> {
        self.db.migrate().await
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> StoreResult<()> {
        // An open SQLite connection keeps working on a file that was removed or renamed: the
        // round trip alone would say yes, so the path is checked first.
        if let Some(file) = &self.file {
            file.check()?;
        }
        sql::batch::ping(&self.db).await
    }

    #[tracing::instrument(skip_all, fields(identities = batch.identities.len(), assignments = batch.assignments.len()))]
    async fn insert_batch(&self, batch: &InsertBatch) -> StoreResult<()> {
        let _bump = self.bump();
        sql::batch::insert_batch(&self.db, batch).await
    }

    #[tracing::instrument(skip_all)]
    async fn counts(&self) -> StoreResult<TableCounts> {
        sql::batch::counts(&self.db).await
    }

    #[tracing::instrument(skip_all)]
    async fn account_by_slug(&self, slug: &str) -> StoreResult<Option<Account>> {
        sql::tenants::account_by_slug(&self.db, slug).await
    }

    #[tracing::instrument(skip_all)]
    async fn admin_by_id(&self, id: &str) -> StoreResult<Option<Admin>> {
        sql::tenants::admin_by_id(&self.db, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn admin_by_email(&self, email_normalized: &str) -> StoreResult<Option<Admin>> {
        sql::tenants::admin_by_email(&self.db, email_normalized).await
    }

    #[tracing::instrument(skip_all)]
    async fn admin_memberships(&self, admin_id: &str) -> StoreResult<Vec<(Account, Membership)>> {
        sql::tenants::admin_memberships(&self.db, admin_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn membership(&self, account_id: &str, admin_id: &str) -> StoreResult<Option<Membership>> {
        sql::tenants::membership(&self.db, account_id, admin_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn create_session(&self, session: &AdminSession, audit: &[AuditEvent]) -> StoreResult<()> {
        sql::tenants::create_session(&self.db, session, audit).await
    }

    #[tracing::instrument(skip_all)]
    async fn session_by_id(&self, id: &str) -> StoreResult<Option<AdminSession>> {
        sql::tenants::session_by_id(&self.db, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn revoke_session(&self, id: &str, at: i64, audit: &[AuditEvent]) -> StoreResult<()> {
        sql::tenants::revoke_session(&self.db, id, at, audit).await
    }

    #[tracing::instrument(skip_all)]
    async fn applications(&self, account_id: &str) -> StoreResult<Vec<Application>> {
        sql::tenants::applications(&self.db, account_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn application_by_slug(&self, account_id: &str, slug: &str) -> StoreResult<Option<Application>> {
        sql::tenants::application_by_slug(&self.db, account_id, slug).await
    }

    #[tracing::instrument(skip_all)]
    async fn environments(&self, application_id: &str) -> StoreResult<Vec<Environment>> {
        sql::tenants::environments(&self.db, application_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn environment_by_slug(&self, application_id: &str, slug: &str) -> StoreResult<Option<Environment>> {
        sql::tenants::environment_by_slug(&self.db, application_id, slug).await
    }

    #[tracing::instrument(skip_all)]
    async fn environment_stats(&self, environment: &Environment, now_ms: i64) -> StoreResult<EnvironmentStats> {
        sql::tenants::environment_stats(&self.db, environment, now_ms).await
    }

    #[tracing::instrument(skip_all)]
    async fn api_key_by_prefix(&self, prefix: &str) -> StoreResult<Option<ApiKey>> {
        sql::api_keys::api_key_by_prefix(&self.db, prefix).await
    }

    #[tracing::instrument(skip_all)]
    async fn nodes(&self, environment_id: &str) -> StoreResult<Vec<Node>> {
        sql::nodes::nodes(&self.db, environment_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn identity_by_email(&self, application_id: &str, email_normalized: &str) -> StoreResult<Option<Identity>> {
        sql::identities::identity_by_email(&self.db, application_id, email_normalized).await
    }

    #[tracing::instrument(skip_all)]
    async fn roles(&self, environment_id: &str) -> StoreResult<Vec<Role>> {
        sql::roles::roles(&self.db, environment_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn assignments_for_identity(&self, identity_id: &str) -> StoreResult<Vec<Assignment>> {
        sql::assignments::assignments_for_identity(&self.db, identity_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn assignments_in_environment(&self, environment_id: &str, after: Option<(i64, &str)>, limit: i64) -> StoreResult<Vec<Assignment>> {
        sql::assignments::assignments_in_environment(&self.db, environment_id, after, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn recent_audit_events(&self, account_id: &str, limit: i64) -> StoreResult<Vec<AuditEvent>> {
        sql::audit::recent_audit_events(&self.db, account_id, limit).await
    }

    #[tracing::instrument(skip_all)]
    async fn api_key_by_id(&self, id: &str) -> StoreResult<Option<ApiKey>> {
        sql::api_keys::api_key_by_id(&self.db, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn environment_path(&self, environment_id: &str) -> StoreResult<Option<EnvironmentPath>> {
        sql::tenants::environment_path(&self.db, environment_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn identity_by_id(&self, application_id: &str, id: &str) -> StoreResult<Option<Identity>> {
        sql::identities::identity_by_id(&self.db, application_id, id).await
    }

    #[tracing::instrument(skip_all, fields(ids = ids.len()))]
    async fn identities_by_ids(&self, application_id: &str, ids: &[&str]) -> StoreResult<Vec<Identity>> {
        sql::identities::identities_by_ids(&self.db, application_id, ids).await
    }

    #[tracing::instrument(skip_all, fields(ids = ids.len()))]
    async fn identity_statuses(&self, application_id: &str, ids: &[&str]) -> StoreResult<Vec<(String, String)>> {
        sql::identities::identity_statuses(&self.db, application_id, ids).await
    }

    #[tracing::instrument(skip_all, fields(ids = ids.len()))]
    async fn nodes_by_ids(&self, environment_id: &str, ids: &[&str]) -> StoreResult<Vec<Node>> {
        sql::nodes::nodes_by_ids(&self.db, environment_id, ids).await
    }

    #[tracing::instrument(skip_all)]
    async fn node_ids(&self, environment_id: &str) -> StoreResult<Vec<String>> {
        sql::nodes::node_ids(&self.db, environment_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn node_by_id(&self, environment_id: &str, id: &str) -> StoreResult<Option<Node>> {
        sql::nodes::node_by_id(&self.db, environment_id, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn role_by_id(&self, environment_id: &str, id: &str) -> StoreResult<Option<Role>> {
        sql::roles::role_by_id(&self.db, environment_id, id).await
    }

    #[tracing::instrument(skip_all)]
    async fn assignment_by_id(&self, environment_id: &str, id: &str) -> StoreResult<Option<Assignment>> {
        sql::assignments::assignment_by_id(&self.db, environment_id, id).await
    }

    #[tracing::instrument(skip_all, fields(ids = ids.len()))]
    async fn assignments_by_ids(&self, environment_id: &str, ids: &[&str]) -> StoreResult<Vec<Assignment>> {
        sql::assignments::assignments_by_ids(&self.db, environment_id, ids).await
    }

    #[tracing::instrument(skip_all, fields(triples = triples.len()))]
    async fn existing_triples(&self, triples: &[(&str, &str, &str)]) -> StoreResult<Vec<(String, String, String)>> {
        sql::assignments::existing_triples(&self.db, triples).await
    }

    #[tracing::instrument(skip_all, fields(offset = slice.offset, limit = slice.limit))]
    async fn assignment_views(&self, filter: &AssignmentFilter, slice: Slice) -> StoreResult<(Vec<AssignmentView>, i64)> {
        sql::assignment_lists::assignment_views(&self.db, filter, slice).await
    }

    #[tracing::instrument(skip_all)]
    async fn role_usage(&self, environment_id: &str) -> StoreResult<Vec<RoleUsage>> {
        sql::roles::role_usage(&self.db, environment_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn identity_assignments(&self, filter: &IdentityAssignmentFilter) -> StoreResult<(Vec<Assignment>, i64)> {
        sql::assignment_lists::identity_assignments(&self.db, filter).await
    }

    #[tracing::instrument(skip_all, fields(inserts = write.inserts.len(), updates = write.updates.len(), deletes = write.deletes.len()))]
    async fn write_assignments(&self, write: &AssignmentWrite) -> StoreResult<()> {
        let _bump = self.bump();
        sql::assignments::write_assignments(&self.db, write).await
    }

    #[tracing::instrument(skip_all)]
    async fn node_page(&self, environment_id: &str, spec: &PageSpec) -> StoreResult<(Vec<Node>, i64)> {
        sql::nodes::node_page(&self.db, environment_id, spec).await
    }

    #[tracing::instrument(skip_all)]
    async fn node_usage(&self, node: &Node) -> StoreResult<(i64, i64)> {
        sql::nodes::node_usage(&self.db, node).await
    }

    #[tracing::instrument(skip_all)]
    async fn subtree(&self, node: &Node) -> StoreResult<Vec<Node>> {
        sql::nodes::subtree(&self.db, node).await
    }

    #[tracing::instrument(skip_all)]
    async fn role_page(&self, environment_id: &str, spec: &PageSpec) -> StoreResult<(Vec<Role>, i64)> {
        sql::roles::role_page(&self.db, environment_id, spec).await
    }

    #[tracing::instrument(skip_all)]
    async fn role_permission_keys(&self, role_ids: &[&str]) -> StoreResult<Vec<(String, String)>> {
        sql::roles::role_permission_keys(&self.db, role_ids).await
    }

    #[tracing::instrument(skip_all)]
    async fn role_assignment_count(&self, role_id: &str) -> StoreResult<i64> {
        sql::roles::role_assignment_count(&self.db, role_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn resources(&self, environment_id: &str) -> StoreResult<Vec<Resource>> {
        sql::roles::resources(&self.db, environment_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn permissions(&self, environment_id: &str) -> StoreResult<Vec<Permission>> {
        sql::roles::permissions(&self.db, environment_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn identity_page(&self, application_id: &str, spec: &IdentityPageSpec) -> StoreResult<(Vec<Identity>, i64)> {
        sql::identities::identity_page(&self.db, application_id, spec).await
    }

    #[tracing::instrument(skip_all)]
    async fn identity_counts(&self, application_id: &str) -> StoreResult<IdentityCounts> {
        sql::identities::identity_counts(&self.db, application_id).await
    }

    #[tracing::instrument(skip_all, fields(emails = emails.len()))]
    async fn identity_emails_taken(&self, application_id: &str, emails: &[String]) -> StoreResult<Vec<String>> {
        sql::identities::identity_emails_taken(&self.db, application_id, emails).await
    }

    #[tracing::instrument(skip_all, fields(emails = emails.len()))]
    async fn identities_by_emails(&self, application_id: &str, emails: &[String]) -> StoreResult<Vec<Identity>> {
        sql::identities::identities_by_emails(&self.db, application_id, emails).await
    }

    #[tracing::instrument(skip_all, fields(identities = identity_ids.len()))]
    async fn assignment_places(&self, identity_ids: &[&str]) -> StoreResult<Vec<AssignmentPlace>> {
        sql::assignments::assignment_places(&self.db, identity_ids).await
    }

    #[tracing::instrument(skip_all)]
    async fn grants(&self, environment_id: &str, identity_ids: &[&str], nodes: Option<&[String]>, permission_key: Option<&str>, at_ms: i64) -> StoreResult<Vec<Grant>> {
        sql::assignments::grants(&self.db, environment_id, identity_ids, nodes, permission_key, at_ms).await
    }

    #[tracing::instrument(skip_all, fields(ops = changes.ops.len()))]
    async fn apply_changes(&self, changes: &ChangeSet) -> StoreResult<()> {
        let _bump = self.bump();
        sql::changes::apply_changes(&self.db, changes).await
    }

    #[tracing::instrument(skip_all)]
    async fn insert_bulk_import(&self, import: &BulkImport, audit: &[AuditEvent]) -> StoreResult<()> {
        sql::identities::insert_bulk_import(&self.db, import, audit).await
    }

    #[tracing::instrument(skip_all)]
    async fn api_keys(&self, environment_id: &str) -> StoreResult<Vec<ApiKey>> {
        sql::api_keys::api_keys(&self.db, environment_id).await
    }

    #[tracing::instrument(skip_all)]
    async fn audit_page(&self, filter: &AuditFilter) -> StoreResult<(Vec<AuditEvent>, i64)> {
        sql::audit::audit_page(&self.db, filter).await
    }

    #[tracing::instrument(skip_all)]
    async fn idempotency_record(&self, scope: &str, key: &str, since: i64) -> StoreResult<Option<IdempotencyRecord>> {
        sql::idempotency::idempotency_record(&self.db, scope, key, since).await
    }

    #[tracing::instrument(skip_all)]
    async fn save_idempotency_record(&self, record: &IdempotencyRecord) -> StoreResult<()> {
        sql::idempotency::save_idempotency_record(&self.db, record).await
    }
}
