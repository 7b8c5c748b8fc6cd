//! Whether the process can serve: its database answers, and it has read the change feed.

use super::monitor::DatabaseHealth;
use crate::{feed::Feed, index::Indexes, store::Store};

/// The database's name (`sqlite`, `postgres`) and, when it did not answer, why.
pub struct Probe {
    pub database: &'static str,
    pub failure: Option<String>,
}

/// A fresh probe (bounded like the monitor's own, and recorded by it, so a readiness request
/// also refreshes what checks rely on).
pub async fn probe(store: &Store, health: &DatabaseHealth, feed: &Feed, indexes: &Indexes) -> Probe {
    let database = store.backend().name();
    match health.probe(store).await {
        // Just started: the follower's first read is one round trip away.
        Ok(()) if !feed.wait_started(super::monitor::PROBE_TIMEOUT).await => {
            Probe { database, failure: Some("the change feed has not been read yet".into()) }
        }
        // Start-up loads every environment's index before the process takes traffic.
        Ok(()) if !indexes.loaded() => Probe { database, failure: Some("the in-memory index is still loading".into()) },
        Ok(()) => Probe { database, failure: None },
        Err(reason) => {
            tracing::warn!(%reason, "readiness check failed");
            Probe { database, failure: Some(reason) }
        }
    }
}
