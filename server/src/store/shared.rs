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
    ($store:ty, $db:ty, $backend:expr, begin = $begin:literal, sort_collation = $collate:literal) => {
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


        /// `LIKE` pattern for a case-insensitive substring match (`\` escapes the wildcards).
        fn like_pattern(term: &str) -> String {
            let escaped = term.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            format!("%{escaped}%")
        }

        /// Appends ` ($1, $2, ...)` for `values`.
        fn push_in_list(builder: &mut QueryBuilder<$db>, values: &[&str]) {
            builder.push(" (");
            let mut separated = builder.separated(", ");
            for value in values {
                separated.push_bind(*value);
            }
            separated.push_unseparated(")");
        }

        /// The WHERE clause of the assignment lists (tables `a`, and `i`, `r`, `n` when searching).
        fn push_assignment_filter(builder: &mut QueryBuilder<$db>, filter: &AssignmentFilter, search: Option<&str>) {
            builder.push(" WHERE a.environment_id = ").push_bind(filter.environment_id.as_str());
            if let Some(nodes) = &filter.on_nodes {
                let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
                if nodes.is_empty() {
                    builder.push(" AND 1 = 0");
                } else {
                    builder.push(" AND a.node_id IN");
                    push_in_list(builder, &nodes);
                }
            }
            if let Some(role_id) = &filter.role_id {
                builder.push(" AND a.role_id = ").push_bind(role_id.as_str());
            }
            if let Some(node_id) = &filter.source_node_id {
                builder.push(" AND a.node_id = ").push_bind(node_id.as_str());
            }
            let now = filter.now_ms;
            match filter.status {
                None => {}
                Some(AssignmentStatus::Scheduled) => {
                    builder.push(" AND a.effective_from > ").push_bind(now);
                }
                Some(AssignmentStatus::Expired) => {
                    builder.push(" AND (a.effective_from IS NULL OR a.effective_from <= ").push_bind(now);
                    builder.push(") AND a.effective_to <= ").push_bind(now);
                }
                Some(AssignmentStatus::Active) => {
                    builder.push(" AND (a.effective_from IS NULL OR a.effective_from <= ").push_bind(now);
                    builder.push(") AND (a.effective_to IS NULL OR a.effective_to > ").push_bind(now).push(")");
                }
            }
            if let Some(pattern) = search {
                builder.push(" AND (LOWER(i.name) LIKE ").push_bind(pattern).push(" ESCAPE '\\'");
                builder.push(" OR LOWER(i.email) LIKE ").push_bind(pattern).push(" ESCAPE '\\'");
                builder.push(" OR LOWER(r.name) LIKE ").push_bind(pattern).push(" ESCAPE '\\'");
                builder.push(" OR LOWER(n.name) LIKE ").push_bind(pattern).push(" ESCAPE '\\')");
            }
        }

        fn sort_direction(order: SortOrder) -> &'static str {
            match order {
                SortOrder::Asc => "ASC",
                SortOrder::Desc => "DESC",
            }
        }

        fn idempotency(row: &DbRow) -> sqlx::Result<IdempotencyRecord> {
            Ok(IdempotencyRecord {
                id: row.try_get("id")?,
                scope: row.try_get("scope")?,
                key: row.try_get("key")?,
                request_hash: row.try_get("request_hash")?,
                status_code: row.try_get("status_code")?,
                response_body: row.try_get("response_body")?,
                created_at: row.try_get("created_at")?,
            })
        }

        /// Deletes the expired records (by the created_at index), then inserts `record`.
        async fn insert_idempotency(tx: &mut sqlx::Transaction<'_, $db>, record: &IdempotencyRecord) -> StoreResult<()> {
            sqlx::query("DELETE FROM idempotency_records WHERE created_at < $1")
                .bind(record.created_at - IDEMPOTENCY_TTL_MS)
                .execute(&mut **tx)
                .await
                .map_err(map_db_error)?;
            sqlx::query(
                "INSERT INTO idempotency_records (id, scope, key, request_hash, status_code, response_body, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&record.id)
            .bind(&record.scope)
            .bind(&record.key)
            .bind(&record.request_hash)
            .bind(record.status_code)
            .bind(&record.response_body)
            .bind(record.created_at)
            .execute(&mut **tx)
            .await
            .map_err(map_db_error)?;
            Ok(())
        }

        /// Binds per statement for `IN (...)` lists of ids.
        const IDS_PER_STATEMENT: usize = 5_000;

        /// `columns` of the rows of `table` whose `id` is one of `ids`, decoded, that `belongs` to
        /// the caller's tenant. By primary key alone (on a table without statistics a tenant
        /// condition in the WHERE clause would lead the planner to walk the tenant's index
        /// instead); the tenant is checked on the rows found.
        async fn rows_by_ids<T>(
            pool: &sqlx::Pool<$db>,
            columns: &str,
            table: &str,
            ids: &[&str],
            decode: fn(&DbRow) -> sqlx::Result<T>,
            belongs: impl Fn(&T) -> bool,
        ) -> StoreResult<Vec<T>> {
            let mut found = Vec::with_capacity(ids.len());
            for chunk in ids.chunks(IDS_PER_STATEMENT) {
                let mut builder = QueryBuilder::<$db>::new(format!("SELECT {columns} FROM {table} WHERE id IN"));
                push_in_list(&mut builder, chunk);
                for row in builder.build().persistent(false).fetch_all(pool).await.map_err(map_db_error)? {
                    let item = decode(&row)?;
                    if belongs(&item) {
                        found.push(item);
                    }
                }
            }
            Ok(found)
        }

        async fn insert_assignment_rows(tx: &mut sqlx::Transaction<'_, $db>, rows: &[Assignment]) -> StoreResult<()> {
            insert_rows(
                tx,
                "assignments",
                &["id", "environment_id", "identity_id", "node_id", "role_id", "effective_from", "effective_to", "created_at", "updated_at"],
                rows,
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
            .await
        }

        /// Every row of the batch, in foreign-key order, inside the caller's transaction.
        async fn insert_all(tx: &mut sqlx::Transaction<'_, $db>, batch: &InsertBatch) -> StoreResult<()> {
            insert_rows(tx, "accounts", &["id", "slug", "name", "created_at"], &batch.accounts, |mut row, a| {
                row.push_bind(a.id.as_str()).push_bind(a.slug.as_str()).push_bind(a.name.as_str()).push_bind(a.created_at);
            })
            .await?;
            insert_rows(
                tx,
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
            insert_rows(tx, "account_members", &["account_id", "admin_id", "role", "created_at"], &batch.memberships, |mut row, m| {
                row.push_bind(m.account_id.as_str()).push_bind(m.admin_id.as_str()).push_bind(m.role.as_str()).push_bind(m.created_at);
            })
            .await?;
            insert_rows(tx, "applications", &["id", "account_id", "slug", "name", "created_at"], &batch.applications, |mut row, a| {
                row.push_bind(a.id.as_str()).push_bind(a.account_id.as_str()).push_bind(a.slug.as_str()).push_bind(a.name.as_str()).push_bind(a.created_at);
            })
            .await?;
            insert_rows(tx, "environments", &["id", "application_id", "slug", "name", "created_at"], &batch.environments, |mut row, e| {
                row.push_bind(e.id.as_str()).push_bind(e.application_id.as_str()).push_bind(e.slug.as_str()).push_bind(e.name.as_str()).push_bind(e.created_at);
            })
            .await?;
            // Parents before children, so the self-referencing foreign key holds row by row.
            let mut nodes: Vec<&Node> = batch.nodes.iter().collect();
            nodes.sort_by_key(|node| node.depth);
            insert_rows(
                tx,
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
                tx,
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
            insert_rows(tx, "resources", &["id", "environment_id", "name", "description", "created_at"], &batch.resources, |mut row, r| {
                row.push_bind(r.id.as_str()).push_bind(r.environment_id.as_str()).push_bind(r.name.as_str()).push_bind(r.description.as_deref()).push_bind(r.created_at);
            })
            .await?;
            insert_rows(
                tx,
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
                tx,
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
            insert_rows(tx, "role_permissions", &["role_id", "permission_id"], &batch.role_permissions, |mut row, rp| {
                row.push_bind(rp.role_id.as_str()).push_bind(rp.permission_id.as_str());
            })
            .await?;
            insert_assignment_rows(tx, &batch.assignments).await?;
            insert_rows(
                tx,
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
            insert_audit_events(tx, &batch.audit_events).await
        }

        /// Bumps the write generation now and again when dropped, i.e. after the write has
        /// committed or failed: a derivation that overlaps the write in any way sees a change.
        struct Bump<'a>(&'a std::sync::atomic::AtomicU64);

        impl Drop for Bump<'_> {
            fn drop(&mut self) {
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        }

        impl $store {
            fn bump(&self) -> Bump<'_> {
                self.generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Bump(&self.generation)
            }
        }

        const MEMBERSHIP_COLUMNS: &str = "a.id, a.slug, a.name, a.created_at, m.account_id, m.admin_id, m.role, m.created_at AS member_since";

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            fn generation(&self) -> u64 {
                self.generation.load(std::sync::atomic::Ordering::SeqCst)
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
                let _bump = self.bump();
                let mut tx = self.pool.begin_with($begin).await.map_err(map_db_error)?;
                insert_all(&mut tx, batch).await?;
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
            async fn assignments_in_environment(&self, environment_id: &str, after: Option<(i64, &str)>, limit: i64) -> StoreResult<Vec<Assignment>> {
                let (created_at, id) = after.unwrap_or((i64::MIN, ""));
                let rows = sqlx::query(
                    "SELECT * FROM assignments WHERE environment_id = $1 AND created_at >= $2 AND (created_at > $2 OR id > $3) \
                     ORDER BY created_at, id LIMIT $4",
                )
                .bind(environment_id)
                .bind(created_at)
                .bind(id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await
                .map_err(map_db_error)?;
                Ok(rows.iter().map(assignment).collect::<sqlx::Result<_>>()?)
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
            #[tracing::instrument(skip_all)]
            async fn api_key_by_id(&self, id: &str) -> StoreResult<Option<ApiKey>> {
                let row = sqlx::query("SELECT * FROM api_keys WHERE id = $1").bind(id).fetch_optional(&self.pool).await.map_err(map_db_error)?;
                Ok(row.as_ref().map(api_key).transpose()?)
            }

            #[tracing::instrument(skip_all)]
            async fn environment_path(&self, environment_id: &str) -> StoreResult<Option<EnvironmentPath>> {
                let row = sqlx::query(
                    "SELECT e.id AS e_id, e.application_id AS e_application_id, e.slug AS e_slug, e.name AS e_name, e.created_at AS e_created_at, \
                            p.id AS p_id, p.account_id AS p_account_id, p.slug AS p_slug, p.name AS p_name, p.created_at AS p_created_at, \
                            c.id AS c_id, c.slug AS c_slug, c.name AS c_name, c.created_at AS c_created_at \
                     FROM environments e JOIN applications p ON p.id = e.application_id JOIN accounts c ON c.id = p.account_id \
                     WHERE e.id = $1",
                )
                .bind(environment_id)
                .fetch_optional(&self.pool)
                .await
                .map_err(map_db_error)?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some(EnvironmentPath {
                    account: Account { id: row.try_get("c_id")?, slug: row.try_get("c_slug")?, name: row.try_get("c_name")?, created_at: row.try_get("c_created_at")? },
                    application: Application {
                        id: row.try_get("p_id")?,
                        account_id: row.try_get("p_account_id")?,
                        slug: row.try_get("p_slug")?,
                        name: row.try_get("p_name")?,
                        created_at: row.try_get("p_created_at")?,
                    },
                    environment: Environment {
                        id: row.try_get("e_id")?,
                        application_id: row.try_get("e_application_id")?,
                        slug: row.try_get("e_slug")?,
                        name: row.try_get("e_name")?,
                        created_at: row.try_get("e_created_at")?,
                    },
                }))
            }

            #[tracing::instrument(skip_all)]
            async fn identity_by_id(&self, application_id: &str, id: &str) -> StoreResult<Option<Identity>> {
                let row = sqlx::query("SELECT * FROM identities WHERE application_id = $1 AND id = $2")
                    .bind(application_id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(row.as_ref().map(identity).transpose()?)
            }

            #[tracing::instrument(skip_all, fields(ids = ids.len()))]
            async fn identities_by_ids(&self, application_id: &str, ids: &[&str]) -> StoreResult<Vec<Identity>> {
                rows_by_ids(&self.pool, "*", "identities", ids, identity, |found| found.application_id == application_id).await
            }

            #[tracing::instrument(skip_all, fields(ids = ids.len()))]
            async fn identity_statuses(&self, application_id: &str, ids: &[&str]) -> StoreResult<Vec<(String, String)>> {
                // The usual case is that every identity exists and is active: count them first,
                // one row back instead of one row per id. (Ids are primary keys, so a count equal
                // to the number of distinct ids means each of them matched.)
                let distinct: std::collections::HashSet<&str> = ids.iter().copied().collect();
                let ids: Vec<&str> = distinct.into_iter().collect();
                let mut active: i64 = 0;
                for chunk in ids.chunks(IDS_PER_STATEMENT) {
                    // The tenant and status are tested on the rows the primary key finds; in the
                    // WHERE clause they would lead a planner without statistics to the
                    // application's index and a walk over all its identities.
                    let mut builder = QueryBuilder::<$db>::new("SELECT COALESCE(SUM(CASE WHEN application_id = ");
                    builder.push_bind(application_id).push(" AND status = 'active' THEN 1 ELSE 0 END), 0) FROM identities WHERE id IN");
                    push_in_list(&mut builder, chunk);
                    let row = builder.build().persistent(false).fetch_one(&self.pool).await.map_err(map_db_error)?;
                    active += row.try_get::<i64, _>(0)?;
                }
                if active == ids.len() as i64 {
                    return Ok(ids.iter().map(|id| ((*id).to_owned(), "active".to_owned())).collect());
                }
                let decode = |row: &DbRow| -> sqlx::Result<(String, String, String)> { Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)) };
                let found = rows_by_ids(&self.pool, "id, application_id, status", "identities", &ids, decode, |(_, application, _)| application == application_id).await?;
                Ok(found.into_iter().map(|(id, _, status)| (id, status)).collect())
            }

            #[tracing::instrument(skip_all, fields(ids = ids.len()))]
            async fn nodes_by_ids(&self, environment_id: &str, ids: &[&str]) -> StoreResult<Vec<Node>> {
                rows_by_ids(&self.pool, "*", "nodes", ids, node, |found| found.environment_id == environment_id).await
            }

            #[tracing::instrument(skip_all)]
            async fn node_ids(&self, environment_id: &str) -> StoreResult<Vec<String>> {
                let rows = sqlx::query("SELECT id FROM nodes WHERE environment_id = $1").bind(environment_id).fetch_all(&self.pool).await.map_err(map_db_error)?;
                Ok(rows.iter().map(|row| row.try_get(0)).collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all)]
            async fn node_by_id(&self, environment_id: &str, id: &str) -> StoreResult<Option<Node>> {
                let row = sqlx::query("SELECT * FROM nodes WHERE environment_id = $1 AND id = $2")
                    .bind(environment_id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(row.as_ref().map(node).transpose()?)
            }

            #[tracing::instrument(skip_all)]
            async fn role_by_id(&self, environment_id: &str, id: &str) -> StoreResult<Option<Role>> {
                let row = sqlx::query("SELECT * FROM roles WHERE environment_id = $1 AND id = $2")
                    .bind(environment_id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(row.as_ref().map(role).transpose()?)
            }

            #[tracing::instrument(skip_all)]
            async fn assignment_by_id(&self, environment_id: &str, id: &str) -> StoreResult<Option<Assignment>> {
                let row = sqlx::query("SELECT * FROM assignments WHERE environment_id = $1 AND id = $2")
                    .bind(environment_id)
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(row.as_ref().map(assignment).transpose()?)
            }

            #[tracing::instrument(skip_all, fields(ids = ids.len()))]
            async fn assignments_by_ids(&self, environment_id: &str, ids: &[&str]) -> StoreResult<Vec<Assignment>> {
                let mut found = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(IDS_PER_STATEMENT) {
                    let mut builder = QueryBuilder::<$db>::new("SELECT * FROM assignments WHERE environment_id = ");
                    builder.push_bind(environment_id).push(" AND id IN");
                    push_in_list(&mut builder, chunk);
                    let rows = builder.build().persistent(false).fetch_all(&self.pool).await.map_err(map_db_error)?;
                    for row in &rows {
                        found.push(assignment(row)?);
                    }
                }
                Ok(found)
            }

            #[tracing::instrument(skip_all, fields(triples = triples.len()))]
            async fn existing_triples(&self, triples: &[(&str, &str, &str)]) -> StoreResult<Vec<(String, String, String)>> {
                let mut found = Vec::new();
                for chunk in triples.chunks(IDS_PER_STATEMENT / 3) {
                    let mut builder = QueryBuilder::<$db>::new(
                        "SELECT identity_id, node_id, role_id FROM assignments WHERE (identity_id, node_id, role_id) IN (VALUES ",
                    );
                    let mut separated = builder.separated(", ");
                    for (identity_id, node_id, role_id) in chunk {
                        separated.push("(");
                        separated.push_bind_unseparated(*identity_id);
                        separated.push_unseparated(", ");
                        separated.push_bind_unseparated(*node_id);
                        separated.push_unseparated(", ");
                        separated.push_bind_unseparated(*role_id);
                        separated.push_unseparated(")");
                    }
                    builder.push(")");
                    let rows = builder.build().persistent(false).fetch_all(&self.pool).await.map_err(map_db_error)?;
                    for row in &rows {
                        found.push((row.try_get("identity_id")?, row.try_get("node_id")?, row.try_get("role_id")?));
                    }
                }
                Ok(found)
            }

            #[tracing::instrument(skip_all, fields(offset = slice.offset, limit = slice.limit))]
            async fn assignment_views(&self, filter: &AssignmentFilter, slice: Slice) -> StoreResult<(Vec<AssignmentView>, i64)> {
                let pattern = filter.search.as_deref().map(like_pattern);
                let search = pattern.as_deref();
                // The count joins the other tables only when the search needs their names.
                let mut count = QueryBuilder::<$db>::new("SELECT COUNT(*) AS total FROM assignments a");
                if search.is_some() {
                    count.push(" JOIN identities i ON i.id = a.identity_id JOIN roles r ON r.id = a.role_id JOIN nodes n ON n.id = a.node_id");
                }
                push_assignment_filter(&mut count, filter, search);
                let total: i64 = count.build().persistent(false).fetch_one(&self.pool).await.map_err(map_db_error)?.try_get("total")?;
                if total == 0 || slice.offset >= total {
                    return Ok((Vec::new(), total));
                }

                let mut page = QueryBuilder::<$db>::new(
                    "SELECT a.*, i.first_name, i.last_name, i.name AS identity_name, i.email AS identity_email, i.avatar_url, \
                            r.name AS role_name, n.name AS node_name, n.path AS node_path \
                     FROM assignments a JOIN identities i ON i.id = a.identity_id JOIN roles r ON r.id = a.role_id JOIN nodes n ON n.id = a.node_id",
                );
                push_assignment_filter(&mut page, filter, search);
                let direction = sort_direction(slice.order);
                let key = match slice.sort {
                    AssignmentSort::Name => concat!("LOWER(i.name) ", $collate, " {dir}, i.name ", $collate, " {dir}, "),
                    AssignmentSort::Role => concat!("LOWER(r.name) ", $collate, " {dir}, r.name ", $collate, " {dir}, "),
                    AssignmentSort::CreatedAt => "a.created_at {dir}, ",
                };
                page.push(" ORDER BY ").push(key.replace("{dir}", direction)).push("a.id ").push(direction);
                page.push(" LIMIT ").push_bind(slice.limit).push(" OFFSET ").push_bind(slice.offset);
                let rows = page.build().persistent(false).fetch_all(&self.pool).await.map_err(map_db_error)?;
                let views = rows
                    .iter()
                    .map(|row| {
                        Ok(AssignmentView {
                            assignment: assignment(row)?,
                            identity_first_name: row.try_get("first_name")?,
                            identity_last_name: row.try_get("last_name")?,
                            identity_name: row.try_get("identity_name")?,
                            identity_email: row.try_get("identity_email")?,
                            identity_avatar_url: row.try_get("avatar_url")?,
                            role_name: row.try_get("role_name")?,
                            node_name: row.try_get("node_name")?,
                            node_path: row.try_get("node_path")?,
                        })
                    })
                    .collect::<sqlx::Result<_>>()?;
                Ok((views, total))
            }

            #[tracing::instrument(skip_all)]
            async fn role_usage(&self, environment_id: &str) -> StoreResult<Vec<RoleUsage>> {
                let rows = sqlx::query(
                    "SELECT r.id, r.name, COUNT(a.id) AS assignments FROM roles r LEFT JOIN assignments a ON a.role_id = r.id \
                     WHERE r.environment_id = $1 GROUP BY r.id, r.name ORDER BY COUNT(a.id) DESC, r.name, r.id",
                )
                .bind(environment_id)
                .fetch_all(&self.pool)
                .await
                .map_err(map_db_error)?;
                Ok(rows
                    .iter()
                    .map(|row| Ok(RoleUsage { role_id: row.try_get("id")?, role_name: row.try_get("name")?, assignments: row.try_get("assignments")? }))
                    .collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all)]
            async fn identity_assignments(&self, filter: &IdentityAssignmentFilter) -> StoreResult<(Vec<Assignment>, i64)> {
                if filter.environment_ids.is_empty() {
                    return Ok((Vec::new(), 0));
                }
                let pattern = filter.search.as_deref().map(like_pattern);
                let environments: Vec<&str> = filter.environment_ids.iter().map(String::as_str).collect();
                let build = |select: &'static str| {
                    let mut builder = QueryBuilder::<$db>::new(select);
                    builder.push(" FROM assignments a JOIN roles r ON r.id = a.role_id JOIN nodes n ON n.id = a.node_id WHERE a.identity_id = ");
                    builder.push_bind(filter.identity_id.as_str()).push(" AND a.environment_id IN");
                    push_in_list(&mut builder, &environments);
                    if let Some(pattern) = pattern.as_deref() {
                        builder.push(" AND (LOWER(r.name) LIKE ").push_bind(pattern.to_owned()).push(" ESCAPE '\\'");
                        builder.push(" OR LOWER(n.name) LIKE ").push_bind(pattern.to_owned()).push(" ESCAPE '\\')");
                    }
                    builder
                };
                let total: i64 = build("SELECT COUNT(*) AS total")
                    .build()
                    .persistent(false)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map_db_error)?
                    .try_get("total")?;
                let direction = sort_direction(filter.order);
                // NULL bounds sort as "open": first for `from`, last for `to`, on both databases.
                let key = match filter.sort {
                    IdentityAssignmentSort::CreatedAt => "a.created_at {dir}".to_owned(),
                    IdentityAssignmentSort::UpdatedAt => "a.updated_at {dir}".to_owned(),
                    IdentityAssignmentSort::EffectiveFrom => "COALESCE(a.effective_from, -9223372036854775807) {dir}".to_owned(),
                    IdentityAssignmentSort::EffectiveTo => "COALESCE(a.effective_to, 9223372036854775807) {dir}".to_owned(),
                    IdentityAssignmentSort::Role => concat!("LOWER(r.name) ", $collate, " {dir}").to_owned(),
                    IdentityAssignmentSort::Node => concat!("LOWER(n.name) ", $collate, " {dir}").to_owned(),
                };
                let mut page = build("SELECT a.*");
                page.push(" ORDER BY ").push(key.replace("{dir}", direction)).push(", a.id ").push(direction);
                page.push(" LIMIT ").push_bind(filter.limit).push(" OFFSET ").push_bind(filter.offset);
                let rows = page.build().persistent(false).fetch_all(&self.pool).await.map_err(map_db_error)?;
                Ok((rows.iter().map(assignment).collect::<sqlx::Result<_>>()?, total))
            }

            #[tracing::instrument(skip_all, fields(inserts = write.inserts.len(), updates = write.updates.len(), deletes = write.deletes.len()))]
            async fn write_assignments(&self, write: &AssignmentWrite) -> StoreResult<()> {
                let _bump = self.bump();
                let mut tx = self.pool.begin_with($begin).await.map_err(map_db_error)?;
                for chunk in write.deletes.chunks(IDS_PER_STATEMENT) {
                    let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
                    let mut builder = QueryBuilder::<$db>::new("DELETE FROM assignments WHERE id IN");
                    push_in_list(&mut builder, &ids);
                    builder.build().persistent(false).execute(&mut *tx).await.map_err(map_db_error)?;
                }
                for row in &write.updates {
                    sqlx::query("UPDATE assignments SET role_id = $1, effective_from = $2, effective_to = $3, updated_at = $4 WHERE id = $5")
                        .bind(&row.role_id)
                        .bind(row.effective_from)
                        .bind(row.effective_to)
                        .bind(row.updated_at)
                        .bind(&row.id)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_db_error)?;
                }
                if let Some((ids, role_id, updated_at)) = &write.role_change {
                    for chunk in ids.chunks(IDS_PER_STATEMENT) {
                        let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
                        let mut builder = QueryBuilder::<$db>::new("UPDATE assignments SET role_id = ");
                        builder.push_bind(role_id.as_str()).push(", updated_at = ").push_bind(*updated_at).push(" WHERE id IN");
                        push_in_list(&mut builder, &ids);
                        builder.build().persistent(false).execute(&mut *tx).await.map_err(map_db_error)?;
                    }
                }
                insert_assignment_rows(&mut tx, &write.inserts).await?;
                insert_audit_events(&mut tx, &write.audit).await?;
                if let Some(record) = &write.idempotency {
                    insert_idempotency(&mut tx, record).await?;
                }
                tx.commit().await.map_err(map_db_error)
            }

            #[tracing::instrument(skip_all)]
            async fn node_page(&self, environment_id: &str, spec: &PageSpec) -> StoreResult<(Vec<Node>, i64)> {
                let pattern = spec.search.as_deref().map(like_pattern);
                let build = |select: &str| {
                    let mut builder = QueryBuilder::<$db>::new(format!("SELECT {select} FROM nodes WHERE environment_id = "));
                    builder.push_bind(environment_id.to_owned());
                    if let Some(pattern) = &pattern {
                        builder.push(" AND (LOWER(name) LIKE ").push_bind(pattern.clone()).push(" ESCAPE '\\'");
                        builder.push(" OR LOWER(path) LIKE ").push_bind(pattern.clone()).push(" ESCAPE '\\')");
                    }
                    builder
                };
                let total: i64 = build("COUNT(*) AS total").build().persistent(false).fetch_one(&self.pool).await.map_err(map_db_error)?.try_get("total")?;
                let mut page = build("*");
                // Paths sort parents before their children (" / " sorts before any name character).
                page.push(concat!(" ORDER BY path ", $collate, " ")).push(sort_direction(spec.order)).push(", id");
                page.push(" LIMIT ").push_bind(spec.limit).push(" OFFSET ").push_bind(spec.offset);
                let rows = page.build().persistent(false).fetch_all(&self.pool).await.map_err(map_db_error)?;
                Ok((rows.iter().map(node).collect::<sqlx::Result<_>>()?, total))
            }

            #[tracing::instrument(skip_all)]
            async fn node_usage(&self, target: &Node) -> StoreResult<(i64, i64)> {
                let row = sqlx::query(
                    "SELECT (SELECT COUNT(*) FROM nodes WHERE parent_id = $1) AS children, \
                            (SELECT COUNT(*) FROM assignments a JOIN nodes n ON n.id = a.node_id \
                             WHERE n.environment_id = $2 AND n.id_path LIKE $3) AS assignments",
                )
                .bind(&target.id)
                .bind(&target.environment_id)
                .bind(format!("{}%", target.id_path))
                .fetch_one(&self.pool)
                .await
                .map_err(map_db_error)?;
                Ok((row.try_get("children")?, row.try_get("assignments")?))
            }

            #[tracing::instrument(skip_all)]
            async fn subtree(&self, target: &Node) -> StoreResult<Vec<Node>> {
                let rows = sqlx::query("SELECT * FROM nodes WHERE environment_id = $1 AND id_path LIKE $2 ORDER BY depth DESC, id")
                    .bind(&target.environment_id)
                    .bind(format!("{}%", target.id_path))
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(rows.iter().map(node).collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all)]
            async fn role_page(&self, environment_id: &str, spec: &PageSpec) -> StoreResult<(Vec<Role>, i64)> {
                let pattern = spec.search.as_deref().map(like_pattern);
                let build = |select: &str| {
                    let mut builder = QueryBuilder::<$db>::new(format!("SELECT {select} FROM roles WHERE environment_id = "));
                    builder.push_bind(environment_id.to_owned());
                    if let Some(pattern) = &pattern {
                        builder.push(" AND LOWER(name) LIKE ").push_bind(pattern.clone()).push(" ESCAPE '\\'");
                    }
                    builder
                };
                let total: i64 = build("COUNT(*) AS total").build().persistent(false).fetch_one(&self.pool).await.map_err(map_db_error)?.try_get("total")?;
                let mut page = build("*");
                page.push(concat!(" ORDER BY LOWER(name) ", $collate, " ")).push(sort_direction(spec.order)).push(", id");
                page.push(" LIMIT ").push_bind(spec.limit).push(" OFFSET ").push_bind(spec.offset);
                let rows = page.build().persistent(false).fetch_all(&self.pool).await.map_err(map_db_error)?;
                Ok((rows.iter().map(role).collect::<sqlx::Result<_>>()?, total))
            }

            #[tracing::instrument(skip_all)]
            async fn role_permission_keys(&self, role_ids: &[&str]) -> StoreResult<Vec<(String, String)>> {
                if role_ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut builder = QueryBuilder::<$db>::new(
                    "SELECT rp.role_id, p.key FROM role_permissions rp JOIN permissions p ON p.id = rp.permission_id WHERE rp.role_id IN",
                );
                push_in_list(&mut builder, role_ids);
                builder.push(concat!(" ORDER BY p.key ", $collate));
                let rows = builder.build().persistent(false).fetch_all(&self.pool).await.map_err(map_db_error)?;
                Ok(rows.iter().map(|row| Ok((row.try_get("role_id")?, row.try_get("key")?))).collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all)]
            async fn role_assignment_count(&self, role_id: &str) -> StoreResult<i64> {
                let row = sqlx::query("SELECT COUNT(*) AS total FROM assignments WHERE role_id = $1")
                    .bind(role_id)
                    .fetch_one(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(row.try_get("total")?)
            }

            #[tracing::instrument(skip_all)]
            async fn resources(&self, environment_id: &str) -> StoreResult<Vec<Resource>> {
                let rows = sqlx::query(concat!("SELECT * FROM resources WHERE environment_id = $1 ORDER BY name ", $collate))
                    .bind(environment_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(rows
                    .iter()
                    .map(|row| {
                        Ok(Resource {
                            id: row.try_get("id")?,
                            environment_id: row.try_get("environment_id")?,
                            name: row.try_get("name")?,
                            description: row.try_get("description")?,
                            created_at: row.try_get("created_at")?,
                        })
                    })
                    .collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all)]
            async fn permissions(&self, environment_id: &str) -> StoreResult<Vec<Permission>> {
                let rows = sqlx::query(concat!("SELECT * FROM permissions WHERE environment_id = $1 ORDER BY key ", $collate))
                    .bind(environment_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(rows
                    .iter()
                    .map(|row| {
                        Ok(Permission {
                            id: row.try_get("id")?,
                            environment_id: row.try_get("environment_id")?,
                            resource_id: row.try_get("resource_id")?,
                            action: row.try_get("action")?,
                            key: row.try_get("key")?,
                            created_at: row.try_get("created_at")?,
                        })
                    })
                    .collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all)]
            async fn identity_page(&self, application_id: &str, spec: &IdentityPageSpec) -> StoreResult<(Vec<Identity>, i64)> {
                let pattern = spec.page.search.as_deref().map(like_pattern);
                let build = |select: &str| {
                    let mut builder = QueryBuilder::<$db>::new(format!("SELECT {select} FROM identities WHERE application_id = "));
                    builder.push_bind(application_id.to_owned());
                    if let Some(pattern) = &pattern {
                        builder.push(" AND (LOWER(name) LIKE ").push_bind(pattern.clone()).push(" ESCAPE '\\'");
                        builder.push(" OR email_normalized LIKE ").push_bind(pattern.clone()).push(" ESCAPE '\\')");
                    }
                    if let Some(status) = spec.status {
                        builder.push(" AND status = ").push_bind(status.as_str());
                    }
                    builder
                };
                let total: i64 = build("COUNT(*) AS total").build().persistent(false).fetch_one(&self.pool).await.map_err(map_db_error)?.try_get("total")?;
                let key = match spec.sort {
                    IdentitySort::Name => concat!("LOWER(name) ", $collate),
                    IdentitySort::Email => concat!("email_normalized ", $collate),
                    IdentitySort::CreatedAt => "created_at",
                };
                let direction = sort_direction(spec.page.order);
                let mut page = build("*");
                page.push(" ORDER BY ").push(key).push(" ").push(direction).push(", id ").push(direction);
                page.push(" LIMIT ").push_bind(spec.page.limit).push(" OFFSET ").push_bind(spec.page.offset);
                let rows = page.build().persistent(false).fetch_all(&self.pool).await.map_err(map_db_error)?;
                Ok((rows.iter().map(identity).collect::<sqlx::Result<_>>()?, total))
            }

            #[tracing::instrument(skip_all)]
            async fn identity_counts(&self, application_id: &str) -> StoreResult<IdentityCounts> {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS total, COUNT(CASE WHEN status = 'active' THEN 1 END) AS active, \
                            COUNT(CASE WHEN EXISTS (SELECT 1 FROM assignments a WHERE a.identity_id = i.id) THEN 1 END) AS with_assignments \
                     FROM identities i WHERE application_id = $1",
                )
                .bind(application_id)
                .fetch_one(&self.pool)
                .await
                .map_err(map_db_error)?;
                Ok(IdentityCounts { total: row.try_get("total")?, active: row.try_get("active")?, with_assignments: row.try_get("with_assignments")? })
            }

            #[tracing::instrument(skip_all, fields(emails = emails.len()))]
            async fn identity_emails_taken(&self, application_id: &str, emails: &[String]) -> StoreResult<Vec<String>> {
                let mut found = Vec::new();
                let emails: Vec<&str> = emails.iter().map(String::as_str).collect();
                for chunk in emails.chunks(IDS_PER_STATEMENT) {
                    let mut builder = QueryBuilder::<$db>::new("SELECT email_normalized FROM identities WHERE application_id = ");
                    builder.push_bind(application_id).push(" AND email_normalized IN");
                    push_in_list(&mut builder, chunk);
                    let rows = builder.build().persistent(false).fetch_all(&self.pool).await.map_err(map_db_error)?;
                    for row in &rows {
                        found.push(row.try_get("email_normalized")?);
                    }
                }
                Ok(found)
            }

            #[tracing::instrument(skip_all, fields(emails = emails.len()))]
            async fn identities_by_emails(&self, application_id: &str, emails: &[String]) -> StoreResult<Vec<Identity>> {
                let mut found = Vec::new();
                let emails: Vec<&str> = emails.iter().map(String::as_str).collect();
                for chunk in emails.chunks(IDS_PER_STATEMENT) {
                    let mut builder = QueryBuilder::<$db>::new("SELECT * FROM identities WHERE application_id = ");
                    builder.push_bind(application_id).push(" AND email_normalized IN");
                    push_in_list(&mut builder, chunk);
                    let rows = builder.build().persistent(false).fetch_all(&self.pool).await.map_err(map_db_error)?;
                    for row in &rows {
                        found.push(identity(row)?);
                    }
                }
                Ok(found)
            }

            #[tracing::instrument(skip_all, fields(identities = identity_ids.len()))]
            async fn assignment_places(&self, identity_ids: &[&str]) -> StoreResult<Vec<AssignmentPlace>> {
                let mut found = Vec::new();
                for chunk in identity_ids.chunks(IDS_PER_STATEMENT) {
                    let mut builder = QueryBuilder::<$db>::new(
                        "SELECT a.*, e.slug AS environment_slug, r.name AS role_name, n.name AS node_name, n.path AS node_path \
                         FROM assignments a JOIN environments e ON e.id = a.environment_id JOIN roles r ON r.id = a.role_id \
                         JOIN nodes n ON n.id = a.node_id WHERE a.identity_id IN",
                    );
                    push_in_list(&mut builder, chunk);
                    builder.push(" ORDER BY a.created_at DESC, a.id DESC");
                    let rows = builder.build().persistent(false).fetch_all(&self.pool).await.map_err(map_db_error)?;
                    for row in &rows {
                        found.push(AssignmentPlace {
                            assignment: assignment(row)?,
                            environment_slug: row.try_get("environment_slug")?,
                            role_name: row.try_get("role_name")?,
                            node_name: row.try_get("node_name")?,
                            node_path: row.try_get("node_path")?,
                        });
                    }
                }
                Ok(found)
            }

            #[tracing::instrument(skip_all)]
            async fn grants(
                &self,
                environment_id: &str,
                identity_ids: &[&str],
                nodes: Option<&[String]>,
                permission_key: Option<&str>,
                at_ms: i64,
            ) -> StoreResult<Vec<Grant>> {
                let mut builder = QueryBuilder::<$db>::new(
                    "SELECT a.identity_id, p.key, a.id AS assignment_id, a.role_id, r.name AS role_name, a.node_id, n.name AS node_name \
                     FROM assignments a JOIN roles r ON r.id = a.role_id JOIN role_permissions rp ON rp.role_id = a.role_id \
                     JOIN permissions p ON p.id = rp.permission_id JOIN nodes n ON n.id = a.node_id WHERE a.environment_id = ",
                );
                if identity_ids.is_empty() {
                    return Ok(Vec::new());
                }
                builder.push_bind(environment_id).push(" AND a.identity_id IN");
                push_in_list(&mut builder, identity_ids);
                builder.push(" AND (a.effective_from IS NULL OR a.effective_from <= ").push_bind(at_ms);
                builder.push(") AND (a.effective_to IS NULL OR a.effective_to > ").push_bind(at_ms).push(")");
                if let Some(nodes) = nodes {
                    if nodes.is_empty() {
                        return Ok(Vec::new());
                    }
                    let nodes: Vec<&str> = nodes.iter().map(String::as_str).collect();
                    builder.push(" AND a.node_id IN");
                    push_in_list(&mut builder, &nodes);
                }
                if let Some(key) = permission_key {
                    builder.push(" AND p.key = ").push_bind(key);
                }
                builder.push(concat!(" ORDER BY a.identity_id, p.key ", $collate, ", a.id"));
                let rows = builder.build().persistent(false).fetch_all(&self.pool).await.map_err(map_db_error)?;
                Ok(rows
                    .iter()
                    .map(|row| {
                        Ok(Grant {
                            identity_id: row.try_get("identity_id")?,
                            permission_key: row.try_get("key")?,
                            assignment_id: row.try_get("assignment_id")?,
                            role_id: row.try_get("role_id")?,
                            role_name: row.try_get("role_name")?,
                            node_id: row.try_get("node_id")?,
                            node_name: row.try_get("node_name")?,
                        })
                    })
                    .collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all, fields(ops = changes.ops.len()))]
            async fn apply_changes(&self, changes: &ChangeSet) -> StoreResult<()> {
                let _bump = self.bump();
                let mut tx = self.pool.begin_with($begin).await.map_err(map_db_error)?;
                for op in &changes.ops {
                    match op {
                        WriteOp::UpdateIdentity(i) => {
                            sqlx::query(
                                "UPDATE identities SET first_name = $1, last_name = $2, name = $3, email = $4, email_normalized = $5, \
                                 avatar_url = $6, status = $7, updated_at = $8 WHERE id = $9",
                            )
                            .bind(&i.first_name)
                            .bind(&i.last_name)
                            .bind(&i.name)
                            .bind(&i.email)
                            .bind(&i.email_normalized)
                            .bind(&i.avatar_url)
                            .bind(&i.status)
                            .bind(i.updated_at)
                            .bind(&i.id)
                            .execute(&mut *tx)
                            .await
                            .map_err(map_db_error)?;
                        }
                        WriteOp::DeleteIdentity(id) => {
                            sqlx::query("DELETE FROM identities WHERE id = $1").bind(id).execute(&mut *tx).await.map_err(map_db_error)?;
                        }
                        WriteOp::UpdateRole(r) => {
                            sqlx::query("UPDATE roles SET name = $1, description = $2, updated_at = $3 WHERE id = $4")
                                .bind(&r.name)
                                .bind(&r.description)
                                .bind(r.updated_at)
                                .bind(&r.id)
                                .execute(&mut *tx)
                                .await
                                .map_err(map_db_error)?;
                        }
                        WriteOp::DeleteRole(id) => {
                            sqlx::query("DELETE FROM roles WHERE id = $1").bind(id).execute(&mut *tx).await.map_err(map_db_error)?;
                        }
                        WriteOp::ClearRolePermissions(role_id) => {
                            sqlx::query("DELETE FROM role_permissions WHERE role_id = $1").bind(role_id).execute(&mut *tx).await.map_err(map_db_error)?;
                        }
                        WriteOp::RewriteSubtree { node: n, old_id_path, old_path, depth_delta } => {
                            sqlx::query("UPDATE nodes SET name = $1, kind = $2, parent_id = $3, updated_at = $4 WHERE id = $5")
                                .bind(&n.name)
                                .bind(&n.kind)
                                .bind(&n.parent_id)
                                .bind(n.updated_at)
                                .bind(&n.id)
                                .execute(&mut *tx)
                                .await
                                .map_err(map_db_error)?;
                            // The node and its descendants: new prefixes, shifted depth.
                            sqlx::query(
                                "UPDATE nodes SET id_path = $1 || SUBSTR(id_path, $2), path = $3 || SUBSTR(path, $4), \
                                 depth = depth + $5, updated_at = $6 WHERE environment_id = $7 AND id_path LIKE $8",
                            )
                            .bind(&n.id_path)
                            .bind(old_id_path.chars().count() as i32 + 1)
                            .bind(&n.path)
                            .bind(old_path.chars().count() as i32 + 1)
                            .bind(*depth_delta)
                            .bind(n.updated_at)
                            .bind(&n.environment_id)
                            .bind(format!("{old_id_path}%"))
                            .execute(&mut *tx)
                            .await
                            .map_err(map_db_error)?;
                        }
                        WriteOp::DeleteNodes(levels) => {
                            for level in levels {
                                for chunk in level.chunks(IDS_PER_STATEMENT) {
                                    let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
                                    let mut builder = QueryBuilder::<$db>::new("DELETE FROM nodes WHERE id IN");
                                    push_in_list(&mut builder, &ids);
                                    builder.build().persistent(false).execute(&mut *tx).await.map_err(map_db_error)?;
                                }
                            }
                        }
                        WriteOp::UpdateEnvironment(e) => {
                            sqlx::query("UPDATE environments SET slug = $1, name = $2 WHERE id = $3")
                                .bind(&e.slug)
                                .bind(&e.name)
                                .bind(&e.id)
                                .execute(&mut *tx)
                                .await
                                .map_err(map_db_error)?;
                        }
                        WriteOp::DeleteEnvironment(id) => {
                            // Nodes reference their parents with RESTRICT: clear the tree first.
                            sqlx::query("UPDATE nodes SET parent_id = NULL WHERE environment_id = $1").bind(id).execute(&mut *tx).await.map_err(map_db_error)?;
                            sqlx::query("DELETE FROM environments WHERE id = $1").bind(id).execute(&mut *tx).await.map_err(map_db_error)?;
                        }
                        WriteOp::RevokeApiKey { id, at } => {
                            sqlx::query("UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2")
                                .bind(*at)
                                .bind(id)
                                .execute(&mut *tx)
                                .await
                                .map_err(map_db_error)?;
                        }
                    }
                }
                insert_all(&mut tx, &changes.inserts).await?;
                tx.commit().await.map_err(map_db_error)
            }

            #[tracing::instrument(skip_all)]
            async fn insert_bulk_import(&self, import: &BulkImport, audit: &[AuditEvent]) -> StoreResult<()> {
                let mut tx = self.pool.begin_with($begin).await.map_err(map_db_error)?;
                sqlx::query(
                    "INSERT INTO bulk_imports (id, application_id, environment_id, file_name, total_rows, succeeded, failed, mode, \
                     created_by_admin_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(&import.id)
                .bind(&import.application_id)
                .bind(&import.environment_id)
                .bind(&import.file_name)
                .bind(import.total_rows as i32)
                .bind(import.succeeded as i32)
                .bind(import.failed as i32)
                .bind(&import.mode)
                .bind(&import.created_by_admin_id)
                .bind(import.created_at)
                .execute(&mut *tx)
                .await
                .map_err(map_db_error)?;
                insert_audit_events(&mut tx, audit).await?;
                tx.commit().await.map_err(map_db_error)
            }

            #[tracing::instrument(skip_all)]
            async fn api_keys(&self, environment_id: &str) -> StoreResult<Vec<ApiKey>> {
                let rows = sqlx::query("SELECT * FROM api_keys WHERE environment_id = $1 ORDER BY created_at DESC, id DESC")
                    .bind(environment_id)
                    .fetch_all(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(rows.iter().map(api_key).collect::<sqlx::Result<_>>()?)
            }

            #[tracing::instrument(skip_all)]
            async fn audit_page(&self, filter: &AuditFilter) -> StoreResult<(Vec<AuditEvent>, i64)> {
                let build = |select: &str| {
                    let mut builder = QueryBuilder::<$db>::new(format!("SELECT {select} FROM audit_events WHERE account_id = "));
                    builder.push_bind(filter.account_id.clone());
                    if let Some(env) = &filter.environment_id {
                        builder.push(" AND environment_id = ").push_bind(env.clone());
                    }
                    if let Some(actor) = &filter.actor_id {
                        builder.push(" AND actor_id = ").push_bind(actor.clone());
                    }
                    if let Some(target) = &filter.target_id {
                        builder.push(" AND target_id = ").push_bind(target.clone());
                    }
                    if let Some(from) = filter.from {
                        builder.push(" AND created_at >= ").push_bind(from);
                    }
                    if let Some(to) = filter.to {
                        builder.push(" AND created_at < ").push_bind(to);
                    }
                    builder
                };
                let total: i64 = build("COUNT(*) AS total").build().persistent(false).fetch_one(&self.pool).await.map_err(map_db_error)?.try_get("total")?;
                let mut page = build("*");
                page.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(filter.limit).push(" OFFSET ").push_bind(filter.offset);
                let rows = page.build().persistent(false).fetch_all(&self.pool).await.map_err(map_db_error)?;
                Ok((rows.iter().map(audit_event).collect::<sqlx::Result<_>>()?, total))
            }

            #[tracing::instrument(skip_all)]
            async fn idempotency_record(&self, scope: &str, key: &str, since: i64) -> StoreResult<Option<IdempotencyRecord>> {
                let row = sqlx::query("SELECT * FROM idempotency_records WHERE scope = $1 AND key = $2 AND created_at >= $3")
                    .bind(scope)
                    .bind(key)
                    .bind(since)
                    .fetch_optional(&self.pool)
                    .await
                    .map_err(map_db_error)?;
                Ok(row.as_ref().map(idempotency).transpose()?)
            }

            #[tracing::instrument(skip_all)]
            async fn save_idempotency_record(&self, record: &IdempotencyRecord) -> StoreResult<()> {
                let mut tx = self.pool.begin_with($begin).await.map_err(map_db_error)?;
                insert_idempotency(&mut tx, record).await?;
                tx.commit().await.map_err(map_db_error)
            }
        }
    };
}

pub(super) use impl_store;
