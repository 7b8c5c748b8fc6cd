//! First responses of requests sent with an `Idempotency-Key`.

use crate::store::{
    IDEMPOTENCY_TTL_MS, IdempotencyRecord, StoreResult,
    db::{Db, Tx, map_db_error, on_db, on_tx},
};

pub async fn idempotency_record(db: &Db, scope: &str, key: &str, since: i64) -> StoreResult<Option<IdempotencyRecord>> {
    on_db!(db, |pool| sqlx::query_as("SELECT * FROM idempotency_records WHERE scope = $1 AND key = $2 AND created_at >= $3")
        .bind(scope)
        .bind(key)
        .bind(since)
        .fetch_optional(pool)
        .await)
    .map_err(map_db_error)
}

pub async fn save_idempotency_record(db: &Db, record: &IdempotencyRecord) -> StoreResult<()> {
    let mut tx = db.begin().await?;
    insert_idempotency(&mut tx, record).await?;
    tx.commit().await
}

/// Deletes the expired records (by the created_at index), then inserts `record`, in the
/// caller's transaction.
pub(in crate::store) async fn insert_idempotency(tx: &mut Tx, record: &IdempotencyRecord) -> StoreResult<()> {
    on_tx!(tx, |conn| {
        sqlx::query("DELETE FROM idempotency_records WHERE created_at < $1")
            .bind(record.created_at - IDEMPOTENCY_TTL_MS)
            .execute(&mut *conn)
            .await?;
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
        .execute(&mut *conn)
        .await
        .map(drop)
    })
    .map_err(map_db_error)
}
