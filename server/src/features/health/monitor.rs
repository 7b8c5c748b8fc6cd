//! Whether the database was confirmed reachable a moment ago: what lets a check be answered
//! from memory at all.
//!
//! The in-memory index is exact while the store's write generation is unchanged, but an
//! unchanged generation says nothing about the database still being there: with PostgreSQL
//! stopped, or the SQLite file removed, the index would go on answering `allowed: true` from
//! memory. So the index is trusted only while a round trip to the database succeeded within
//! [`TRUST_FOR`]; a prober pings every [`PROBE_EVERY`] (each ping bounded by [`PROBE_TIMEOUT`]).
//! A failed probe, or a check whose SQL found the database unreachable, marks it down, and only
//! a successful probe clears that: checks answer 503 meanwhile, and `/readyz` says why. When
//! the database is back, the next probe (at most [`PROBE_EVERY`] later) resumes service; nothing
//! restarts.

use std::{
    sync::{
        Arc, Mutex, Weak,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{store::Store, web::error::AppError};

/// How often the prober pings.
pub const PROBE_EVERY: Duration = Duration::from_millis(250);
/// A ping that has not answered by then counts as failed (a stopped PostgreSQL otherwise makes
/// the pool wait its whole acquire timeout).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long a confirmed round trip lets the index answer from memory.
pub const TRUST_FOR: Duration = Duration::from_secs(1);


/// What is known about the database right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseState {
    /// A round trip succeeded within [`TRUST_FOR`] and nothing failed since.
    Confirmed,
    /// Nothing failed, but no round trip is recent enough to vouch for memory: ask SQL.
    Unconfirmed,
    /// The last probe (or a check's SQL) found it unreachable, for this reason.
    Down(String),
}

pub struct DatabaseHealth {
    origin: Instant,
    /// Milliseconds after `origin` of the last successful round trip, plus one (0: never).
    confirmed_at: AtomicU64,
    /// Why the database was last found unreachable; cleared by a successful probe only.
    down: Mutex<Option<String>>,
}

impl Default for DatabaseHealth {
    fn default() -> Self {
        Self { origin: Instant::now(), confirmed_at: AtomicU64::new(0), down: Mutex::new(None) }
    }
}

impl DatabaseHealth {
    /// A monitor of `store`, with its prober running on the current Tokio runtime (none outside
    /// one: then nothing is ever confirmed, and checks go to SQL). The prober holds neither the
    /// monitor nor the store alive; it ends with them.
    pub fn start(store: &Arc<Store>) -> Arc<Self> {
        let health = Arc::new(Self::default());
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(probe_forever(Arc::downgrade(&health), Arc::downgrade(store)));
            }
            Err(_) => tracing::warn!("no async runtime: the database health prober is not running"),
        }
        health
    }

    /// One ping now, bounded by [`PROBE_TIMEOUT`], recorded; the reason when it failed.
    pub async fn probe(&self, store: &Store) -> Result<(), String> {
        let outcome = match tokio::time::timeout(PROBE_TIMEOUT, store.ping()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err(format!("the database did not answer within {} ms", PROBE_TIMEOUT.as_millis())),
        };
        match &outcome {
            Ok(()) => {
                self.lock_down().take();
                self.confirmed();
            }
            Err(reason) => self.failed(reason),
        }
        outcome
    }

    /// A round trip succeeded (a probe, or an index load's queries).
    pub fn confirmed(&self) {
        let now = self.origin.elapsed().as_millis() as u64 + 1;
        self.confirmed_at.fetch_max(now, Ordering::SeqCst);
    }

    /// The database was found unreachable; checks fail closed until a probe succeeds.
    pub fn failed(&self, reason: &str) {
        let mut down = self.lock_down();
        if down.is_none() {
            tracing::warn!(reason, "the database is unreachable: checks answer 503 until it is back");
        }
        *down = Some(reason.to_owned());
    }

    pub fn state(&self) -> DatabaseState {
        if let Some(reason) = self.lock_down().clone() {
            return DatabaseState::Down(reason);
        }
        let confirmed_at = self.confirmed_at.load(Ordering::SeqCst);
        let now = self.origin.elapsed().as_millis() as u64 + 1;
        if confirmed_at != 0 && now.saturating_sub(confirmed_at) <= TRUST_FOR.as_millis() as u64 {
            DatabaseState::Confirmed
        } else {
            DatabaseState::Unconfirmed
        }
    }

    /// Whether memory may answer for the database now.
    pub fn trusted(&self) -> bool {
        self.state() == DatabaseState::Confirmed
    }

    /// 503 while the database is known to be unreachable: the SQL path is not even tried, since
    /// on SQLite an open connection still reads a file that was removed from its path.
    pub fn refuse_when_down(&self) -> Result<(), AppError> {
        match self.state() {
            DatabaseState::Down(reason) => Err(AppError::database_unavailable(&reason)),
            _ => Ok(()),
        }
    }

    /// Runs an answer that reads the database; a 503 from it (the database became unreachable
    /// while answering) marks the database down for the checks that follow. Every such answer gets [`PROBE_TIMEOUT`], like a probe, rather than the pool's connect
    /// timeout: the database may have gone a moment ago, whatever the last confirmation says
    /// (memory stops answering as soon as the change feed is not fresh), and a stopped
    /// PostgreSQL is then a prompt 503, not a check that hangs for seconds. A check that a
    /// reachable database cannot answer within that second fails closed the same way.
    pub async fn watch<T>(&self, answer: impl Future<Output = Result<T, AppError>>) -> Result<T, AppError> {
        let Ok(result) = tokio::time::timeout(PROBE_TIMEOUT, answer).await else {
            // Slow is not gone: the prober and the feed's follower tell which it is.
            return Err(AppError::database_unavailable(&format!("the database did not answer within {} ms", PROBE_TIMEOUT.as_millis())));
        };
        if let Err(err) = &result
            && err.status() == axum::http::StatusCode::SERVICE_UNAVAILABLE
        {
            self.failed("a check found the database unreachable");
        }
        result
    }

    fn lock_down(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.down.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn probe_forever(health: Weak<DatabaseHealth>, store: Weak<Store>) {
    let mut ticker = tokio::time::interval(PROBE_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let (Some(health), Some(store)) = (health.upgrade(), store.upgrade()) else { return };
        let _ = health.probe(store.as_ref()).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_needs_a_recent_round_trip_and_no_failure_since_the_last_probe() {
        let health = DatabaseHealth::default();
        assert_eq!(health.state(), DatabaseState::Unconfirmed, "nothing confirmed yet");
        health.confirmed();
        assert_eq!(health.state(), DatabaseState::Confirmed);
        health.failed("connection refused");
        assert_eq!(health.state(), DatabaseState::Down("connection refused".into()));
        health.confirmed();
        assert!(matches!(health.state(), DatabaseState::Down(_)), "only a probe clears a failure");
        assert!(health.refuse_when_down().is_err_and(|err| err.status() == axum::http::StatusCode::SERVICE_UNAVAILABLE));
        health.lock_down().take();
        assert!(health.trusted());
        // A confirmation older than TRUST_FOR vouches for nothing.
        let aged = DatabaseHealth { origin: Instant::now() - TRUST_FOR - Duration::from_millis(50), ..DatabaseHealth::default() };
        aged.confirmed_at.store(1, Ordering::SeqCst);
        assert_eq!(aged.state(), DatabaseState::Unconfirmed);
    }
}
