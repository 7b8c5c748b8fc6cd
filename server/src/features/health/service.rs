//! Whether the process can serve: its database answers.

use crate::store::Store;

/// The database's name (`sqlite`, `postgres`) and whether it answered a ping.
pub struct Probe {
    pub database: &'static str,
    pub ready: bool,
}

pub async fn probe(store: &Store) -> Probe {
    let database = store.backend().name();
    match store.ping().await {
        Ok(()) => Probe { database, ready: true },
        Err(err) => {
            tracing::warn!(%err, "readiness check failed");
            Probe { database, ready: false }
        }
    }
}
