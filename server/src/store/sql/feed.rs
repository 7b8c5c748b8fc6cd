//! The change feed's statements: where the feed is now, and what was committed after a place in
//! it (see `migrations/*/0005_change_feed.sql` for why each backend orders events as it does).

use sqlx::AssertSqlSafe;

use super::audit::AUDIT_COLUMNS;
use crate::store::{
    AuditEvent, StoreError, StoreResult,
    db::{Db, map_db_error, on_db},
    revision::{Revision, Snapshot},
};

/// What the follower needs of one event: which object of which account and environment changed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FeedEvent {
    pub account_id: String,
    pub environment_id: Option<String>,
    pub application_id: Option<String>,
    pub target_type: String,
    pub target_id: Option<String>,
    pub action: String,
}

/// The columns of a [`FeedEvent`].
macro_rules! event_columns {
    () => {
        "account_id, environment_id, application_id, target_type, target_id, action"
    };
}

fn snapshot(text: &str) -> StoreResult<Snapshot> {
    Snapshot::parse(text).ok_or_else(|| StoreError::Config(format!("PostgreSQL answered a snapshot Canopy cannot read: {text:?}")))
}

/// The feed's position now: everything committed so far is before it.
pub async fn position(db: &Db) -> StoreResult<Revision> {
    match db {
        Db::Sqlite(pool, ..) => sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM audit_events")
            .fetch_one(pool)
            .await
            .map(Revision::Rowid)
            .map_err(map_db_error),
        Db::Postgres(pool, _) => {
            let text: String = sqlx::query_scalar("SELECT pg_current_snapshot()::text").fetch_one(pool).await.map_err(map_db_error)?;
            Ok(Revision::Snapshot(snapshot(&text)?))
        }
    }
}

/// Every event committed after `since`, in feed order, and the position after them.
pub async fn since(db: &Db, since: &Revision) -> StoreResult<(Vec<FeedEvent>, Revision)> {
    match (db, since) {
        (Db::Sqlite(pool, ..), Revision::Rowid(after)) => {
            let sql = concat!("SELECT rowid AS position, ", event_columns!(), " FROM audit_events WHERE rowid > $1 ORDER BY rowid");
            let rows: Vec<(i64, FeedEvent)> = sqlx::query_as::<_, Positioned>(sql)
                .bind(after)
                .fetch_all(pool)
                .await
                .map_err(map_db_error)?
                .into_iter()
                .map(|p| (p.position, p.event))
                .collect();
            let last = rows.last().map_or(*after, |(position, _)| *position);
            Ok((rows.into_iter().map(|(_, event)| event).collect(), Revision::Rowid(last)))
        }
        (Db::Postgres(pool, _), Revision::Snapshot(snapshot_then)) => {
            // One snapshot for both statements: the new position is exactly what was read.
            let mut tx = pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await.map_err(map_db_error)?;
            let now: String = sqlx::query_scalar("SELECT pg_current_snapshot()::text").fetch_one(&mut *tx).await.map_err(map_db_error)?;
            let sql = concat!(
                "SELECT ",
                event_columns!(),
                " FROM audit_events \
                 WHERE xact_id >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(xact_id, $1::pg_snapshot) \
                 ORDER BY xact_id, created_at, id"
            );
            let events: Vec<FeedEvent> =
                sqlx::query_as(sql).bind(snapshot_then.to_string()).fetch_all(&mut *tx).await.map_err(map_db_error)?;
            tx.commit().await.map_err(map_db_error)?;
            Ok((events, Revision::Snapshot(snapshot(&now)?)))
        }
        _ => Err(StoreError::Config("a feed position of the other backend".into())),
    }
}

#[derive(sqlx::FromRow)]
struct Positioned {
    position: i64,
    #[sqlx(flatten)]
    event: FeedEvent,
}

/// This database's identity (see `migrations/*/0006_database_identity.sql`), made on first use.
pub async fn database_identity(db: &Db, new_id: &str, now: i64) -> StoreResult<String> {
    let insert = "INSERT INTO database_identity (one, id, created_at) VALUES (1, $1, $2) ON CONFLICT (one) DO NOTHING";
    let select = "SELECT id FROM database_identity WHERE one = 1";
    on_db!(db, |pool| {
        sqlx::query(insert).bind(new_id).bind(now).execute(pool).await?;
        sqlx::query_scalar(select).fetch_one(pool).await
    })
    .map_err(map_db_error)
}

/// Whose changes `GET /api/v1/changes` answers with: an environment's assignments, nodes and
/// roles, and its application's identities.
pub struct ChangeScope<'a> {
    pub environment_id: &'a str,
    pub application_id: &'a str,
}

/// A page of the change feed.
pub enum ChangePage {
    /// Each change with the revision to resume after it, in feed order; the revision after the
    /// page; whether more changes are already there.
    Changes { changes: Vec<(Revision, AuditEvent)>, next: Revision, has_more: bool },
    /// Changes after the revision asked for are older than the feed keeps; the oldest place it
    /// can resume from.
    Expired { oldest: Revision },
}

/// What a [`ChangeScope`] selects, after the feed's own conditions (binds `$env`, `$app` given).
fn scope_condition(env: &str, app: &str) -> String {
    format!("((environment_id = {env} AND target_type IN ('assignment', 'node', 'role')) OR (target_type = 'identity' AND application_id = {app}))")
}

#[derive(sqlx::FromRow)]
struct FedEvent {
    position: i64,
    #[sqlx(flatten)]
    event: AuditEvent,
}

#[derive(sqlx::FromRow)]
struct FedPgEvent {
    xact: i64,
    #[sqlx(flatten)]
    event: AuditEvent,
}

/// The changes of `scope` after `after`, at most `limit`; events created before `kept_since`
/// (epoch ms) are past the feed's retention.
pub async fn changes(db: &Db, scope: &ChangeScope<'_>, after: &Revision, limit: i64, kept_since: i64) -> StoreResult<ChangePage> {
    let columns = AUDIT_COLUMNS.join(", ");
    match (db, after) {
        (Db::Sqlite(pool, ..), Revision::Rowid(after)) => {
            // One read transaction: the page and the position after it are one snapshot.
            let mut tx = pool.begin().await.map_err(map_db_error)?;
            let now: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM audit_events").fetch_one(&mut *tx).await.map_err(map_db_error)?;
            let first: Option<i64> = sqlx::query_scalar("SELECT created_at FROM audit_events WHERE rowid > $1 ORDER BY rowid LIMIT 1")
                .bind(after)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_db_error)?;
            if first.is_some_and(|at| at < kept_since) {
                let oldest: i64 = sqlx::query_scalar("SELECT COALESCE(MIN(rowid), $2 + 1) - 1 FROM audit_events WHERE created_at >= $1")
                    .bind(kept_since)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_db_error)?;
                return Ok(ChangePage::Expired { oldest: Revision::Rowid(oldest) });
            }
            let sql = format!(
                "SELECT rowid AS position, {columns} FROM audit_events WHERE rowid > $1 AND rowid <= $2 AND {} ORDER BY rowid LIMIT $5",
                scope_condition("$3", "$4")
            );
            let mut rows: Vec<FedEvent> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(after)
                .bind(now)
                .bind(scope.environment_id)
                .bind(scope.application_id)
                .bind(limit + 1)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_db_error)?;
            tx.commit().await.map_err(map_db_error)?;
            let has_more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let next = match (has_more, rows.last()) {
                (true, Some(last)) => last.position,
                _ => now,
            };
            Ok(ChangePage::Changes { changes: rows.into_iter().map(|r| (Revision::Rowid(r.position), r.event)).collect(), next: Revision::Rowid(next), has_more })
        }
        (Db::Postgres(pool, _), Revision::Snapshot(_) | Revision::Cursor { .. }) => {
            let (seen, cursor) = match after {
                Revision::Snapshot(seen) => (seen, None),
                Revision::Cursor { seen, upto, through } => (seen, Some((upto, through))),
                Revision::Rowid(_) => unreachable!("matched above"),
            };
            let unseen = "xact_id >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(xact_id, $1::pg_snapshot) \
                 AND NOT (pg_visible_in_snapshot(xact_id, $2::pg_snapshot) AND (xact_id, id) <= ($3::text::xid8, $4))";
            // Without a cursor, nothing is excluded by its second half: an empty snapshot sees nothing.
            let (upto, through_xact, through_id) = match &cursor {
                Some((upto, (xact, id))) => (upto.to_string(), xact.to_string(), id.clone()),
                None => ("1:1:".to_owned(), "0".to_owned(), String::new()),
            };
            let mut tx = pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await.map_err(map_db_error)?;
            let now: String = sqlx::query_scalar("SELECT pg_current_snapshot()::text").fetch_one(&mut *tx).await.map_err(map_db_error)?;
            let now = snapshot(&now)?;
            let first: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!("SELECT MIN(created_at) FROM audit_events WHERE {unseen}")))
                .bind(seen.to_string())
                .bind(&upto)
                .bind(&through_xact)
                .bind(&through_id)
                .fetch_one(&mut *tx)
                .await
                .map_err(map_db_error)?;
            if first.is_some_and(|at| at < kept_since) {
                let oldest: Option<i64> =
                    sqlx::query_scalar("SELECT MIN(xact_id::text::bigint) FROM audit_events WHERE created_at >= $1").bind(kept_since).fetch_one(&mut *tx).await.map_err(map_db_error)?;
                let from = oldest.map_or(now.xmin, |x| x as u64);
                return Ok(ChangePage::Expired { oldest: Revision::Snapshot(Snapshot { xmin: from, xmax: from, in_progress: Vec::new() }) });
            }
            let sql = format!(
                "SELECT xact_id::text::bigint AS xact, {columns} FROM audit_events WHERE {unseen} AND {} ORDER BY xact_id, id LIMIT $7",
                scope_condition("$5", "$6")
            );
            let mut rows: Vec<FedPgEvent> = sqlx::query_as(AssertSqlSafe(sql))
                .bind(seen.to_string())
                .bind(&upto)
                .bind(&through_xact)
                .bind(&through_id)
                .bind(scope.environment_id)
                .bind(scope.application_id)
                .bind(limit + 1)
                .fetch_all(&mut *tx)
                .await
                .map_err(map_db_error)?;
            tx.commit().await.map_err(map_db_error)?;
            let has_more = rows.len() as i64 > limit;
            rows.truncate(limit as usize);
            let at = |row: &FedPgEvent| Revision::Cursor { seen: seen.clone(), upto: now.clone(), through: (row.xact as u64, row.event.id.clone()) };
            let next = match (has_more, rows.last()) {
                (true, Some(last)) => at(last),
                _ => Revision::Snapshot(now.clone()),
            };
            Ok(ChangePage::Changes { changes: rows.iter().map(|row| (at(row), row.event.clone())).collect(), next, has_more })
        }
        _ => Err(StoreError::Config("a feed position of the other backend".into())),
    }
}
