//! Following the change feed: what lets this process trust what it keeps in memory when other
//! processes write to the same database (several replicas on one PostgreSQL, or a second
//! `canopy` on the same SQLite file).
//!
//! Every data write commits audit events in its own transaction; they are the feed
//! (`Store::feed_since`, ordered by commit visibility on PostgreSQL and by rowid on SQLite). A
//! follower reads what was committed since its last position every [`POLL_EVERY`]; when
//! anything was, it marks the store's data as changed ([`Store::note_foreign_write`]), which
//! retires the in-memory index and the cache of verified API keys exactly as a write of this
//! process does. Memory is trusted only while the follower is [`fresh`](Feed::fresh): its last
//! completed read began at most [`FRESH_FOR`] ago, so a write committed through another process
//! is seen here within that bound, and a follower that cannot read (the database gone, the
//! process starved) sends every check to SQL instead of answering from memory.

use std::{
    sync::{
        Arc, Weak,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{
    features::health::monitor::{DatabaseHealth, PROBE_TIMEOUT},
    store::{Store, StoreError},
    web::error::AppError,
};

/// How often the follower reads the feed.
pub const POLL_EVERY: Duration = Duration::from_millis(50);
/// How old the follower's last completed read may be for memory to answer.
pub const FRESH_FOR: Duration = Duration::from_millis(100);

pub struct Feed {
    origin: Instant,
    /// Milliseconds after `origin` at which the last completed read began, plus one (0: never).
    caught_up_at: AtomicU64,
}

impl Default for Feed {
    fn default() -> Self {
        Self { origin: Instant::now(), caught_up_at: AtomicU64::new(0) }
    }
}

impl Feed {
    /// A follower of `store`'s feed, running on the current Tokio runtime (none outside one:
    /// then it is never fresh and memory never answers). It holds neither itself nor the store
    /// alive.
    /// Each read is a round trip: one that succeeds confirms the database to `database`, one
    /// that finds it unreachable marks it down (checks fail closed at once).
    pub fn start(store: &Arc<Store>, database: &Arc<DatabaseHealth>) -> Arc<Self> {
        let feed = Arc::new(Self::default());
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(follow(Arc::downgrade(&feed), Arc::downgrade(store), Arc::downgrade(database)));
            }
            Err(_) => tracing::warn!("no async runtime: the change feed is not followed"),
        }
        feed
    }

    /// Whether everything committed before [`FRESH_FOR`] ago has been seen.
    pub fn fresh(&self) -> bool {
        let at = self.caught_up_at.load(Ordering::SeqCst);
        at != 0 && self.millis() + 1 - at <= FRESH_FOR.as_millis() as u64
    }

    /// Whether the follower has read the feed at least once (a process is not ready before).
    pub fn started(&self) -> bool {
        self.caught_up_at.load(Ordering::SeqCst) != 0
    }

    /// Waits (at most `patience`) for the follower's first read; whether it happened.
    pub async fn wait_started(&self, patience: Duration) -> bool {
        let deadline = Instant::now() + patience;
        while !self.started() {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        true
    }

    fn millis(&self) -> u64 {
        self.origin.elapsed().as_millis() as u64
    }

    fn caught_up(&self, read_began: u64) {
        self.caught_up_at.fetch_max(read_began + 1, Ordering::SeqCst);
    }
}

async fn follow(feed: Weak<Feed>, store: Weak<Store>, database: Weak<DatabaseHealth>) {
    let mut ticker = tokio::time::interval(POLL_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut position = None;
    loop {
        ticker.tick().await;
        let (Some(feed), Some(store), Some(database)) = (feed.upgrade(), store.upgrade(), database.upgrade()) else { return };
        let began = feed.millis();
        let read = async {
            match &position {
                // Nothing is derived from the data before this first read (the index waits for
                // it, and verified keys are cached only once it happened), so nothing can predate
                // a write the feed will not report.
                None => store.feed_position().await.map(|now| (0, now)),
                Some(since) => store.feed_since(since).await,
            }
        };
        match tokio::time::timeout(PROBE_TIMEOUT, read).await {
            Ok(Ok((changes, next))) => {
                database.confirmed();
                if changes > 0 {
                    store.note_foreign_write();
                }
                position = Some(next);
                // Only after the data is marked changed: memory is never fresh and stale.
                feed.caught_up(began);
            }
            Ok(Err(err)) => {
                tracing::debug!(%err, "the change feed could not be read; memory is not trusted until it is");
                if unreachable(err) {
                    database.failed("the change feed could not be read: the database is unreachable");
                }
            }
            Err(_) => tracing::debug!("the change feed did not answer in time; memory is not trusted until it does"),
        }
    }
}

/// Whether a failed read says the database cannot be reached (the API's 503), rather than that
/// a statement failed.
fn unreachable(err: StoreError) -> bool {
    AppError::from(err).status() == axum::http::StatusCode::SERVICE_UNAVAILABLE
}
