//! Management API keys (stored as SHA-256; revoked, never deleted).

use crate::store::{
    ApiKey, StoreResult,
    db::Db,
};

pub async fn api_key_by_prefix(db: &Db, prefix: &str) -> StoreResult<Option<ApiKey>> {
    db.fetch_optional("SELECT * FROM api_keys WHERE prefix = $1", &[prefix]).await
}

pub async fn api_key_by_id(db: &Db, id: &str) -> StoreResult<Option<ApiKey>> {
    db.fetch_optional("SELECT * FROM api_keys WHERE id = $1", &[id]).await
}

pub async fn api_keys(db: &Db, environment_id: &str) -> StoreResult<Vec<ApiKey>> {
    db.fetch_all("SELECT * FROM api_keys WHERE environment_id = $1 ORDER BY created_at DESC, id DESC", &[environment_id]).await
}
