//! Whether the process can serve: its database answers.

use super::monitor::DatabaseHealth;
use crate::store::Store;

/// The database's name (`sqlite`, `postgres`) and, when it did not answer, why.
pub struct Probe {
    pub database: &'static str,
    pub failure: Option<String>,
}

/// A fresh probe (bounded like the monitor's own, and recorded by it, so a readiness request
/// also refreshes what checks rely on).
pub async fn probe(store: &Store, health: &DatabaseHealth) -> Probe {
    let database = store.backend().name();
    match health.probe(store).await {
        Ok(()) => Probe { database, failure: None },
        Err(reason) => {
            tracing::warn!(%reason, "readiness check failed");
            Probe { database, failure: Some(reason) }
        }
    }
}
