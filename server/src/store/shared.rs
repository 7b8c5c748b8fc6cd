//! The `Store` implementation both backends share.
//!
//! SQLite and PostgreSQL agree on every statement Canopy issues (numbered `$n` placeholders,
//! `RETURNING`-free inserts, integer timestamps), so the SQL and the row decoding are written once
//! here and instantiated per backend by [`impl_store!`]: a macro rather than generics because
//! sqlx's executor bounds over an abstract `Database` would drown the SQL they carry. The backend
//! files keep what differs: connection options, migrations and how a write transaction begins.
//! Booleans and JSON need no per-backend code: sqlx encodes `bool` and `Json<T>` as what each
//! schema declares (INTEGER 0/1 and TEXT on SQLite, BOOLEAN and JSONB on PostgreSQL).
//!
//! Every trait method runs in a `tracing` span named after it; the span's target
//! (`server::store::sqlite` / `server::store::postgres`) names the backend.

/// Multi-row inserts are chunked so one statement stays under SQLite's 32,766 bind parameters
/// (PostgreSQL allows 65,535).
pub(super) const MAX_BINDS_PER_STATEMENT: usize = 30_000;

pub(super) fn map_db_error(err: sqlx::Error) -> super::StoreError {
    use sqlx::error::ErrorKind;
    match err.as_database_error().map(|db| db.kind()) {
        Some(ErrorKind::UniqueViolation) => super::StoreError::Conflict,
        Some(ErrorKind::ForeignKeyViolation | ErrorKind::CheckViolation | ErrorKind::NotNullViolation) => {
            super::StoreError::Constraint
        }
        _ => super::StoreError::Database(err),
    }
}

macro_rules! impl_store {
    ($store:ty, $db:ty, $backend:expr, begin = $begin:literal) => {
        use async_trait::async_trait;
        use sqlx::{QueryBuilder, Row};

        use super::shared::{MAX_BINDS_PER_STATEMENT, map_db_error};
        use super::*;

        type DbRow = <$db as sqlx::Database>::Row;

        fn account(row: &DbRow) -> sqlx::Result<Account> {
            Ok(Account { id: row.try_get("id")?, slug: row.try_get("slug")?, name: row.try_get("name")?, created_at: row.try_get("created_at")? })
        }

        fn admin(row: &DbRow) -> sqlx::Result<Admin> {
            Ok(Admin {
                id: row.try_get("id")?,
                email: row.try_get("email")?,
                email_normalized: row.try_get("email_normalized")?,
                name: row.try_get("name")?,
                password_hash: row.try_get("password_hash")?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn membership(row: &DbRow) -> sqlx::Result<Membership> {
            Ok(Membership {
                account_id: row.try_get("account_id")?,
                admin_id: row.try_get("admin_id")?,
                role: row.try_get("role")?,
                created_at: row.try_get("member_since")?,
            })
        }

        fn session(row: &DbRow) -> sqlx::Result<AdminSession> {
            Ok(AdminSession {
                id: row.try_get("id")?,
                admin_id: row.try_get("admin_id")?,
                created_at: row.try_get("created_at")?,
                expires_at: row.try_get("expires_at")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        }

        fn application(row: &DbRow) -> sqlx::Result<Application> {
            Ok(Application {
                id: row.try_get("id")?,
                account_id: row.try_get("account_id")?,
                slug: row.try_get("slug")?,
                name: row.try_get("name")?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn environment(row: &DbRow) -> sqlx::Result<Environment> {
            Ok(Environment {
                id: row.try_get("id")?,
                application_id: row.try_get("application_id")?,
                slug: row.try_get("slug")?,
                name: row.try_get("name")?,
                created_at: row.try_get("created_at")?,
            })
        }

        fn node(row: &DbRow) -> sqlx::Result<Node> {
            Ok(Node {
                id: row.try_get("id")?,
                environment_id: row.try_get("environment_id")?,
                parent_id: row.try_get("parent_id")?,
                name: row.try_get("name")?,
                kind: row.try_get("kind")?,
                id_path: row.try_get("id_path")?,
                path: row.try_get("path")?,
                depth: row.try_get("depth")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        }

        fn identity(row: &DbRow) -> sqlx::Result<Identity> {
            Ok(Identity {
                id: row.try_get("id")?,
                application_id: row.try_get("application_id")?,
                first_name: row.try_get("first_name")?,
                last_name: row.try_get("last_name")?,
                name: row.try_get("name")?,
                email: row.try_get("email")?,
                email_normalized: row.try_get("email_normalized")?,
                avatar_url: row.try_get("avatar_url")?,
                status: row.try_get("status")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        }

        fn role(row: &DbRow) -> sqlx::Result<Role> {
            Ok(Role {
                id: row.try_get("id")?,
                environment_id: row.try_get("environment_id")?,
                name: row.try_get("name")?,
                description: row.try_get("description")?,
                is_system: row.try_get("is_system")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        }

        fn assignment(row: &DbRow) -> sqlx::Result<Assignment> {
            Ok(Assignment {
                id: row.try_get("id")?,
                environment_id: row.try_get("environment_id")?,
                identity_id: row.try_get("identity_id")?,
                node_id: row.try_get("node_id")?,
                role_id: row.try_get("role_id")?,
                effective_from: row.try_get("effective_from")?,
                effective_to: row.try_get("effective_to")?,
                created_at: row.try_get("created_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        }

        fn api_key(row: &DbRow) -> sqlx::Result<ApiKey> {
            Ok(ApiKey {
                id: row.try_get("id")?,
                environment_id: row.try_get("environment_id")?,
                name: row.try_get("name")?,
                prefix: row.try_get("prefix")?,
                secret_hash: row.try_get("secret_hash")?,
                created_at: row.try_get("created_at")?,
                last_used_at: row.try_get("last_used_at")?,
                revoked_at: row.try_get("revoked_at")?,
            })
        }

        fn audit_event(row: &DbRow) -> sqlx::Result<AuditEvent> {
            let before: Option<sqlx::types::Json<serde_json::Value>> = row.try_get("before_state")?;
            let after: Option<sqlx::types::Json<serde_json::Value>> = row.try_get("after_state")?;
            Ok(AuditEvent {
                id: row.try_get("id")?,
                account_id: row.try_get("account_id")?,
                environment_id: row.try_get("environment_id")?,
                actor_type: row.try_get("actor_type")?,
                actor_id: row.try_get("actor_id")?,
                action: row.try_get("action")?,
                target_type: row.try_get("target_type")?,
                target_id: row.try_get("target_id")?,
                before: before.map(|json| json.0),
                after: after.map(|json| json.0),
                request_id: row.try_get("request_id")?,
                created_at: row.try_get("created_at")?,
            })
        }

        /// `INSERT INTO <table> (<columns>) VALUES (...), (...)` for `rows`, in chunks.
        async fn insert_rows<T>(
            tx: &mut sqlx::Transaction<'_, $db>,
            table: &str,
            columns: &[&str],
            rows: &[T],
            bind: impl Fn(sqlx::query_builder::Separated<'_, $db, &'static str>, &T) + Copy,
        ) -> StoreResult<()> {
            let per_statement = (MAX_BINDS_PER_STATEMENT / columns.len()).max(1);
            for chunk in rows.chunks(per_statement) {
                let mut builder = QueryBuilder::<$db>::new(format!("INSERT INTO {table} ({}) ", columns.join(", ")));
                builder.push_values(chunk, |separated, row| bind(separated, row));
                // Not cached: each chunk size is a different statement, used once per batch.
                builder.build().persistent(false).execute(&mut **tx).await.map_err(map_db_error)?;
            }
            Ok(())
        }

        async fn insert_audit_events(tx: &mut sqlx::Transaction<'_, $db>, events: &[AuditEvent]) -> StoreResult<()> {
            insert_rows(
                tx,
                "audit_events",
                &["id", "account_id", "environment_id", "actor_type", "actor_id", "action", "target_type", "target_id", "before_state", "after_state", "request_id", "created_at"],
                events,
                |mut row, e| {
                    row.push_bind(e.id.as_str())
                        .push_bind(e.account_id.as_str())
                        .push_bind(e.environment_id.as_deref())
                        .push_bind(e.actor_type.as_str())
                        .push_bind(e.actor_id.as_deref())
                        .push_bind(e.action.as_str())
                        .push_bind(e.target_type.as_str())
                        .push_bind(e.target_id.as_deref())
                        .push_bind(e.before.as_ref().map(sqlx::types::Json))
                        .push_bind(e.after.as_ref().map(sqlx::types::Json))
                        .push_bind(e.request_id.as_deref())
                        .push_bind(e.created_at);
                },
            )
            .await
        }

        const MEMBERSHIP_COLUMNS: &str = "a.id, a.slug, a.name, a.created_at, m.account_id, m.admin_id, m.role, m.created_at AS member_since";

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            #[tracing::instrument(skip_all)]
            async fn migrate(&self) -> StoreResult<()> {
                self.run_migrations().await
            }

            #[tracing::instrument(skip_all)]
            async fn ping(&self) -> StoreResult<()> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err(map_db_error)?;
                Ok(())
            }

            #[tracing::instrument(skip_all, fields(identities = batch.identities.len(), assignments = batch.assignments.len()))]
            async fn insert_batch(&self, batch: &InsertBatch) -> StoreResult<()> {
                let mut tx = self.pool.begin_with($begin).await.map_err(map_db_error)?;
                insert_rows(&mut tx, "accounts", &["id", "slug", "name", "created_at"], &batch.accounts, |mut row, a| {
                    row.push_bind(a.id.as_str()).push_bind(a.slug.as_str()).push_bind(a.name.as_str()).push_bind(a.created_at);
                })
                .await?;
                insert_rows(
                    &mut tx,
                    "admins",
                    &["id", "email", "email_normalized", "name", "password_hash", "created_at"],
                    &batch.admins,
                    |mut row, a| {
                        row.push_bind(a.id.as_str())
                            .push_bind(a.email.as_str())
                            .push_bind(a.email_normalized.as_str())
                            .push_bind(a.name.as_str())
                            .push_bind(a.password_hash.as_str())
                            .push_bind(a.created_at);
                    },
                )
                .await?;
                insert_rows(&mut tx, "account_members", &["account_id", "admin_id", "role", "created_at"], &batch.memberships, |mut row, m| {
                    row.push_bind(m.account_id.as_str()).push_bind(m.admin_id.as_str()).push_bind(m.role.as_str()).push_bind(m.created_at);
                })
                .await?;
                insert_rows(&mut tx, "applications", &["id", "account_id", "slug", "name", "created_at"], &batch.applications, |mut row, a| {
                    row.push_bind(a.id.as_str()).push_bind(a.account_id.as_str()).push_bind(a.slug.as_str()).push_bind(a.name.as_str()).push_bind(a.created_at);
                })
                .await?;
                insert_rows(&mut tx, "environments", &["id", "application_id", "slug", "name", "created_at"], &batch.environments, |mut row, e| {
                    row.push_bind(e.id.as_str()).push_bind(e.application_id.as_str()).push_bind(e.slug.as_str()).push_bind(e.name.as_str()).push_bind(e.created_at);
                })
                .await?;
                // Parents before children, so the self-referencing foreign key holds row by row.
                let mut nodes: Vec<&Node> = batch.nodes.iter().collect();
                nodes.sort_by_key(|node| node.depth);
                insert_rows(
                    &mut tx,
                    "nodes",
                    &["id", "environment_id", "parent_id", "name", "kind", "id_path", "path", "depth", "created_at", "updated_at"],
                    &nodes,
                    |mut row, n| {
                        row.push_bind(n.id.as_str())
                            .push_bind(n.environment_id.as_str())
                            .push_bind(n.parent_id.as_deref())
                            .push_bind(n.name.as_str())
                            .push_bind(n.kind.as_str())
                            .push_bind(n.id_path.as_str())
                            .push_bind(n.path.as_str())
                            .push_bind(n.depth)
                            .push_bind(n.created_at)
                            .push_bind(n.updated_at);
                    },
                )
                .await?;
                insert_rows(
                    &mut tx,
                    "identities",
                    &["id", "application_id", "first_name", "last_name", "name", "email", "email_normalized", "avatar_url", "status", "created_at", "updated_at"],
                    &batch.identities,
                    |mut row, i| {
                        row.push_bind(i.id.as_str())
                            .push_bind(i.application_id.as_str())
                            .push_bind(i.first_name.as_str())
                            .push_bind(i.last_name.as_str())
                            .push_bind(i.name.as_str())
                            .push_bind(i.email.as_str())
                            .push_bind(i.email_normalized.as_str())
                            .push_bind(i.avatar_url.as_deref())
                            .push_bind(i.status.as_str())
                            .push_bind(i.created_at)
                            .push_bind(i.updated_at);
                    },
                )
                .await?;
                insert_rows(&mut tx, "resources", &["id", "environment_id", "name", "description", "created_at"], &batch.resources, |mut row, r| {
                    row.push_bind(r.id.as_str()).push_bind(r.environment_id.as_str()).push_bind(r.name.as_str()).push_bind(r.description.as_deref()).push_bind(r.created_at);
                })
                .await?;
                insert_rows(
                    &mut tx,
                    "permissions",
                    &["id", "environment_id", "resource_id", "action", "key", "created_at"],
                    &batch.permissions,
                    |mut row, p| {
                        row.push_bind(p.id.as_str())
                            .push_bind(p.environment_id.as_str())
                            .push_bind(p.resource_id.as_str())
                            .push_bind(p.action.as_str())
                            .push_bind(p.key.as_str())
                            .push_bind(p.created_at);
                    },
                )
                .await?;
                insert_rows(
                    &mut tx,
                    "roles",
                    &["id", "environment_id", "name", "description", "is_system", "created_at", "updated_at"],
                    &batch.roles,
                    |mut row, r| {
                        row.push_bind(r.id.as_str())
                            .push_bind(r.environment_id.as_str())
                            .push_bind(r.name.as_str())
                            .push_bind(r.description.as_deref())
                            .push_bind(r.is_system)
                            .push_bind(r.created_at)
                            .push_bind(r.updated_at);
                    },
                )
                .await?;
                insert_rows(&mut tx, "role_permissions", &["role_id", "permission_id"], &batch.role_permissions, |mut row, rp| {
                    row.push_bind(rp.role_id.as_str()).push_bind(rp.permission_id.as_str());
                })
                .await?;
                insert_rows(
                    &mut tx,
                    "assignments",
                    &["id", "environment_id", "identity_id", "node_id", "role_id", "effective_from", "effective_to", "created_at", "updated_at"],
                    &batch.assignments,
                    |mut row, a| {
                        row.push_bind(a.id.as_str())
                            .push_bind(a.environment_id.as_str())
                            .push_bind(a.identity_id.as_str())
                            .push_bind(a.node_id.as_str())
                            .push_bind(a.role_id.as_str())
                            .push_bind(a.effective_from)
                            .push_bind(a.effective_to)
                            .push_bind(a.created_at)
                            .push_bind(a.updated_at);
                    },
                )
                .await?;
                insert_rows(
                    &mut tx,
                    "api_keys",
                    &["id", "environment_id", "name", "prefix", "secret_hash", "created_at", "last_used_at", "revoked_at"],
                    &batch.api_keys,
                    |mut row, k| {
                        row.push_bind(k.id.as_str())
                            .push_bind(k.environment_id.as_str())
                            .push_bind(k.name.as_str())
                            .push_bind(k.prefix.as_str())
                            .push_bind(k.secret_hash.as_str())
                            .push_bind(k.created_at)
                            .push_bind(k.last_used_at)
                            .push_bind(k.revoked_at);
                    },
                )
                .await?;
                insert_audit_events(&mut tx, &batch.audit_events).await?;
                tx.commit().await.map_err(map_db_error)
            }

            #[tracing::instrument(skip_all)]
            async fn counts(&self) -> StoreResult<TableCounts> {
                let row = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM accounts) AS accounts, (SELECT COUNT(*) FROM admins) AS admins, \
                     (SELECT COUNT(*) FROM applications) AS applications, (SELECT COUNT(*) FROM environments) AS environments, \
                     (SELECT COUNT(*) FROM nodes) AS nodes, (SELECT COUNT(*) FROM identities) AS identities, \
                     (SELECT COUNT(*) FROM resources) AS resources, (SELECT COUNT(*) FROM permissions) AS permissions, \
                     (SELECT COUNT(*) FROM roles) AS roles, (SELECT COUNT(*) FROM role_permissions) AS role_permissions, \
                     (SELECT COUNT(*) FROM assignments) AS assignments, (SELECT COUNT(*) FROM api_keys) AS api_keys, \
                     (SELECT COUNT(*) FROM audit_events) AS audit_events",
                )
                .fetch_one(&self.pool)
                .await
                .map_err(map_db_error)?;
                let get = |name: &str| row.try_get::<i64, _>(name);
                Ok(TableCounts {
                    accounts: get("accounts")?,
                    admins: get("admins")?,
                    applications: get("applications")?,
                    environments: get("environments")?,
                    nodes: get("nodes")?,
                    identities: get("identities")?,
                    resources: get("resources")?,
                    permissions: get("permissions")?,
                    roles: get("roles")?,
                    role_permissions: get("role_permissions")?,
                    assignments: get("assignments")?,
                    api_keys: get("api_keys")?,
                    audit_events: get("audit_events")?,
                })
            }

            #[tracing::instrument(skip_all)]
            async fn account_by_slug(&self, slug: &str) -> StoreResult<Option<Account>> {
                let row = sqlx::query("SELECT id, slug, name, created_at FROM accounts WHERE slug = $1")
                    .bind(slug)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(row.as_ref().map(account).transpose()?)
            }

            #[tracing::instrument(skip_all)]
            async fn admin_by_id(&self, id: &str) -> StoreResult<Option<Admin>> {
                let row = sqlx::query("SELECT * FROM admins WHERE id = $1").bind(id).fetch_optional(&self.pool).await.map_err(map_db_error)?;
                Ok(row.as_ref().map(admin).transpose()?)
            }

            #[tracing::instrument(skip_all)]
            async fn admin_by_email(&self, email_normalized: &str) -> StoreResult<Option<Admin>> {
                let row = sqlx::query("SELECT * FROM admins WHERE email_normalized = $1")
                    .bind(email_normalized)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(row.as_ref().map(admin).transpose()?)
            }

            #[tracing::instrument(skip_all)]
            async fn admin_memberships(&self, admin_id: &str) -> StoreResult<Vec<(Account, Membership)>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {MEMBERSHIP_COLUMNS} FROM account_members m JOIN accounts a ON a.id = m.account_id \
                     WHERE m.admin_id = $1 ORDER BY a.name, a.id"
                )))
                .bind(admin_id)
                .fetch_all(&self.pool)
                .await
                .map_err(map_db_error)?;
                Ok(rows.iter().map(|row| Ok((account(row)?, membership(row)?))).collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all)]
            async fn membership(&self, account_id: &str, admin_id: &str) -> StoreResult<Option<Membership>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {MEMBERSHIP_COLUMNS} FROM account_members m JOIN accounts a ON a.id = m.account_id \
                     WHERE m.account_id = $1 AND m.admin_id = $2"
                )))
                .bind(account_id)
                .bind(admin_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_db_error)?;
                Ok(row.as_ref().map(membership).transpose()?)
            }

            #[tracing::instrument(skip_all)]
            async fn create_session(&self, new: &AdminSession, audit: &[AuditEvent]) -> StoreResult<()> {
                let mut tx = self.pool.begin_with($begin).await.map_err(map_db_error)?;
                sqlx::query("INSERT INTO admin_sessions (id, admin_id, created_at, expires_at, revoked_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&new.id)
                    .bind(&new.admin_id)
                    .bind(new.created_at)
                    .bind(new.expires_at)
                    .bind(new.revoked_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_db_error)?;
                insert_audit_events(&mut tx, audit).await?;
                tx.commit().await.map_err(map_db_error)
            }

            #[tracing::instrument(skip_all)]
            async fn session_by_id(&self, id: &str) -> StoreResult<Option<AdminSession>> {
                let row = sqlx::query("SELECT * FROM admin_sessions WHERE id = $1").bind(id).fetch_optional(&self.pool).await.map_err(map_db_error)?;
                Ok(row.as_ref().map(session).transpose()?)
            }

            #[tracing::instrument(skip_all)]
            async fn revoke_session(&self, id: &str, at: i64, audit: &[AuditEvent]) -> StoreResult<()> {
                let mut tx = self.pool.begin_with($begin).await.map_err(map_db_error)?;
                sqlx::query("UPDATE admin_sessions SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                    .bind(at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_db_error)?;
                insert_audit_events(&mut tx, audit).await?;
                tx.commit().await.map_err(map_db_error)
            }

            #[tracing::instrument(skip_all)]
            async fn applications(&self, account_id: &str) -> StoreResult<Vec<Application>> {
                let rows = sqlx::query("SELECT * FROM applications WHERE account_id = $1 ORDER BY name, id")
                    .bind(account_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(rows.iter().map(application).collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all)]
            async fn application_by_slug(&self, account_id: &str, slug: &str) -> StoreResult<Option<Application>> {
                let row = sqlx::query("SELECT * FROM applications WHERE account_id = $1 AND slug = $2")
                    .bind(account_id)
                    .bind(slug)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(row.as_ref().map(application).transpose()?)
            }

            #[tracing::instrument(skip_all)]
            async fn environments(&self, application_id: &str) -> StoreResult<Vec<Environment>> {
                let rows = sqlx::query("SELECT * FROM environments WHERE application_id = $1 ORDER BY created_at, id")
                    .bind(application_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(rows.iter().map(environment).collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all)]
            async fn environment_by_slug(&self, application_id: &str, slug: &str) -> StoreResult<Option<Environment>> {
                let row = sqlx::query("SELECT * FROM environments WHERE application_id = $1 AND slug = $2")
                    .bind(application_id)
                    .bind(slug)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(row.as_ref().map(environment).transpose()?)
            }

            #[tracing::instrument(skip_all)]
            async fn environment_stats(&self, env: &Environment, now_ms: i64) -> StoreResult<EnvironmentStats> {
                const WEEK_MS: i64 = 7 * 24 * 60 * 60 * 1000;
                let row = sqlx::query(
                    "SELECT \
                       (SELECT COUNT(*) FROM nodes WHERE environment_id = $1) AS nodes, \
                       (SELECT COUNT(*) FROM identities WHERE application_id = $2) AS identities, \
                       (SELECT COUNT(*) FROM roles WHERE environment_id = $1) AS roles, \
                       (SELECT COUNT(*) FROM permissions WHERE environment_id = $1) AS permissions, \
                       COUNT(CASE WHEN a.effective_from > $3 THEN 1 END) AS scheduled, \
                       COUNT(CASE WHEN (a.effective_from IS NULL OR a.effective_from <= $3) AND a.effective_to <= $3 THEN 1 END) AS expired, \
                       COUNT(CASE WHEN (a.effective_from IS NULL OR a.effective_from <= $3) AND (a.effective_to IS NULL OR a.effective_to > $3) THEN 1 END) AS active, \
                       COUNT(CASE WHEN (a.effective_from IS NULL OR a.effective_from <= $3) AND a.effective_to > $3 AND a.effective_to <= $4 THEN 1 END) AS expiring \
                     FROM assignments a WHERE a.environment_id = $1",
                )
                .bind(&env.id)
                .bind(&env.application_id)
                .bind(now_ms)
                .bind(now_ms + WEEK_MS)
                .fetch_one(&self.pool)
                .await
                .map_err(map_db_error)?;
                Ok(EnvironmentStats {
                    nodes: row.try_get("nodes")?,
                    identities: row.try_get("identities")?,
                    roles: row.try_get("roles")?,
                    permissions: row.try_get("permissions")?,
                    assignments_scheduled: row.try_get("scheduled")?,
                    assignments_expired: row.try_get("expired")?,
                    assignments_active: row.try_get("active")?,
                    assignments_expiring_7d: row.try_get("expiring")?,
                })
            }

            #[tracing::instrument(skip_all)]
            async fn api_key_by_prefix(&self, prefix: &str) -> StoreResult<Option<ApiKey>> {
                let row = sqlx::query("SELECT * FROM api_keys WHERE prefix = $1").bind(prefix).fetch_optional(&self.pool).await.map_err(map_db_error)?;
                Ok(row.as_ref().map(api_key).transpose()?)
            }

            #[tracing::instrument(skip_all)]
            async fn nodes(&self, environment_id: &str) -> StoreResult<Vec<Node>> {
                let rows = sqlx::query("SELECT * FROM nodes WHERE environment_id = $1 ORDER BY id_path")
                    .bind(environment_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(rows.iter().map(node).collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all)]
            async fn identity_by_email(&self, application_id: &str, email_normalized: &str) -> StoreResult<Option<Identity>> {
                let row = sqlx::query("SELECT * FROM identities WHERE application_id = $1 AND email_normalized = $2")
                    .bind(application_id)
                    .bind(email_normalized)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(row.as_ref().map(identity).transpose()?)
            }

            #[tracing::instrument(skip_all)]
            async fn roles(&self, environment_id: &str) -> StoreResult<Vec<Role>> {
                let rows = sqlx::query("SELECT * FROM roles WHERE environment_id = $1 ORDER BY name")
                    .bind(environment_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(rows.iter().map(role).collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all)]
            async fn assignments_for_identity(&self, identity_id: &str) -> StoreResult<Vec<Assignment>> {
                let rows = sqlx::query("SELECT * FROM assignments WHERE identity_id = $1 ORDER BY created_at, id")
                    .bind(identity_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(rows.iter().map(assignment).collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all)]
            async fn recent_audit_events(&self, account_id: &str, limit: i64) -> StoreResult<Vec<AuditEvent>> {
                // Events of one write share a millisecond; the UUIDv7 id keeps their order.
                let rows = sqlx::query("SELECT * FROM audit_events WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2")
                    .bind(account_id)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(rows.iter().map(audit_event).collect::<sqlx::Result<_>>()?)
            }
        }
    };
}

pub(super) use impl_store;
