//! Conditional writes: the version check that runs inside a write's own transaction (see
//! `web::conditional` for the HTTP side, `domain::version` for how versions move).

use crate::store::{
    Expected, StoreError, StoreResult, Versioned,
    db::{Tx, map_db_error, on_tx},
};

/// A conditional write's precondition, in the write's transaction: takes the object's row if it
/// is still at the version the caller read, else [`StoreError::Stale`] and the transaction is
/// dropped. The no-op UPDATE takes the row lock on PostgreSQL, so a concurrent writer that
/// commits first is seen (READ COMMITTED re-reads the row after the wait); SQLite's
/// `BEGIN IMMEDIATE` already holds the only write lock.
pub(in crate::store) async fn expect_version(tx: &mut Tx, expected: &Expected) -> StoreResult<()> {
    let statement = match expected.kind {
        Versioned::Assignment => "UPDATE assignments SET updated_at = updated_at WHERE id = $1 AND updated_at = $2",
        Versioned::Identity => "UPDATE identities SET updated_at = updated_at WHERE id = $1 AND updated_at = $2",
        Versioned::Node => "UPDATE nodes SET updated_at = updated_at WHERE id = $1 AND updated_at = $2",
        Versioned::Role => "UPDATE roles SET updated_at = updated_at WHERE id = $1 AND updated_at = $2",
    };
    let taken = on_tx!(tx, |conn| sqlx::query(statement)
        .bind(&expected.id)
        .bind(expected.updated_at)
        .execute(&mut *conn)
        .await
        .map(|done| done.rows_affected()))
    .map_err(map_db_error)?;
    if taken == 1 { Ok(()) } else { Err(StoreError::Stale(expected.kind.noun())) }
}
