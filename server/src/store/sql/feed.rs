//! The change feed's statements: where the feed is now, and how many events other processes
//! committed since a position (see `migrations/*/0005_change_feed.sql` for why each backend
//! orders them as it does, and `store/own_writes.rs` for how this process's own are told apart).

use crate::store::{
    FeedPosition, StoreResult,
    db::{Db, map_db_error},
};

/// The feed's position now: everything committed so far is before it.
pub async fn position(db: &Db) -> StoreResult<FeedPosition> {
    match db {
        Db::Sqlite(pool, ..) => sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM audit_events")
            .fetch_one(pool)
            .await
            .map(FeedPosition::Sqlite),
        Db::Postgres(pool, _) => sqlx::query_scalar("SELECT pg_current_snapshot()::text").fetch_one(pool).await.map(FeedPosition::Postgres),
    }
    .map_err(map_db_error)
}

/// The events another process committed after `since`, counted, and the position after them.
pub async fn since(db: &Db, since: &FeedPosition) -> StoreResult<(i64, FeedPosition)> {
    match (db, since) {
        (Db::Sqlite(pool, _, own), FeedPosition::Sqlite(after)) => {
            let (count, last): (i64, i64) =
                sqlx::query_as("SELECT COUNT(*), COALESCE(MAX(rowid), $1) FROM audit_events WHERE rowid > $1")
                    .bind(after)
                    .fetch_one(pool)
                    .await
                    .map_err(map_db_error)?;
            Ok((own.foreign_rowids(*after, last, count), FeedPosition::Sqlite(last)))
        }
        (Db::Postgres(pool, own), FeedPosition::Postgres(snapshot)) => {
            // One snapshot for both statements: the new position is exactly what was counted.
            let mut tx = pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").await.map_err(map_db_error)?;
            let now: String = sqlx::query_scalar("SELECT pg_current_snapshot()::text").fetch_one(&mut *tx).await.map_err(map_db_error)?;
            let counted: Vec<(String, i64)> = sqlx::query_as(
                "SELECT xact_id::text, COUNT(*) FROM audit_events \
                 WHERE xact_id >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(xact_id, $1::pg_snapshot) \
                 GROUP BY xact_id",
            )
            .bind(snapshot)
            .fetch_all(&mut *tx)
            .await
            .map_err(map_db_error)?;
            tx.commit().await.map_err(map_db_error)?;
            Ok((own.foreign_xacts(&counted), FeedPosition::Postgres(now)))
        }
        _ => Err(crate::store::StoreError::Config("a feed position of the other backend".into())),
    }
}
