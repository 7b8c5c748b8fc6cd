//! Fills the folded search columns (migration 0004) of rows written before them, in Rust,
//! because no SQL `LOWER()` folds the way [`fold_case`] does. Runs after every migration, reads
//! only rows whose folded column is still NULL (none after the first run), and writes each
//! table's fill in one transaction.

use app::dto::fold_case;

use crate::store::{
    StoreResult,
    db::{Db, map_db_error, on_tx},
};

/// `(table, source column, folded column)`.
const FOLDED: [(&str, &str, &str); 4] = [
    ("identities", "name", "name_folded"),
    ("nodes", "name", "name_folded"),
    ("nodes", "path", "path_folded"),
    ("roles", "name", "name_folded"),
];

/// How many rows were filled.
pub async fn backfill(db: &Db) -> StoreResult<u64> {
    let mut filled = 0;
    for (table, source, folded) in FOLDED {
        let select = format!("SELECT id, {source} FROM {table} WHERE {folded} IS NULL");
        let update = format!("UPDATE {table} SET {folded} = $1 WHERE id = $2");
        let mut tx = db.begin().await?;
        filled += on_tx!(&mut tx, |conn| {
            let rows: Vec<(String, String)> =
                sqlx::query_as(sqlx::AssertSqlSafe(select.clone())).fetch_all(&mut *conn).await.map_err(map_db_error)?;
            for (id, text) in &rows {
                sqlx::query(sqlx::AssertSqlSafe(update.clone())).bind(fold_case(text)).bind(id).execute(&mut *conn).await.map_err(map_db_error)?;
            }
            Ok::<u64, crate::store::StoreError>(rows.len() as u64)
        })?;
        tx.commit().await?;
    }
    Ok(filled)
}
