//! Management API keys (stored as SHA-256; revoked, never deleted).

use crate::store::{
    ApiKey, StoreResult,
    db::{Db, map_db_error, on_db},
};

pub async fn api_key_by_prefix(db: &Db, prefix: &str) -> StoreResult<Option<ApiKey>> {
    on_db!(db, |pool| sqlx::query_as("SELECT * FROM api_keys WHERE prefix = $1").bind(prefix).fetch_optional(pool).await).map_err(map_db_error)
}

pub async fn api_key_by_id(db: &Db, id: &str) -> StoreResult<Option<ApiKey>> {
    on_db!(db, |pool| sqlx::query_as("SELECT * FROM api_keys WHERE id = $1").bind(id).fetch_optional(pool).await).map_err(map_db_error)
}

pub async fn api_keys(db: &Db, environment_id: &str) -> StoreResult<Vec<ApiKey>> {
    on_db!(db, |pool| sqlx::query_as("SELECT * FROM api_keys WHERE environment_id = $1 ORDER BY created_at DESC, id DESC")
        .bind(environment_id)
        .fetch_all(pool)
        .await)
    .map_err(map_db_error)
}
