//! Following the change feed: what lets this process keep memory (the index, verified API keys)
//! up to date with every write, its own and those of other processes on the same database
//! (several replicas on one PostgreSQL, or a second `canopy` on the same SQLite file).
//!
//! Every data write commits audit events in its own transaction; they are the feed
//! (`Store::feed_since`, ordered by commit visibility on PostgreSQL and by rowid on SQLite). The
//! follower reads what was committed since its last position every [`POLL_EVERY`], and at once
//! when this process commits a write; it applies the events to the indexes
//! ([`Indexes::apply`]) and, for writes that change who may call (API keys, environments,
//! accounts), marks verified keys stale ([`Store::note_foreign_write`]). Memory is trusted only
//! while the follower is [`fresh`](Feed::fresh): its last applied read began at most
//! [`FRESH_FOR`] ago, so a write committed through another process is seen here within that
//! bound, and a follower that cannot read (the database gone, the process starved) sends every
//! read to SQL instead of answering from memory.

use std::{
    sync::{
        Arc, RwLock, Weak,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{
    features::health::monitor::{DatabaseHealth, PROBE_TIMEOUT},
    index::Indexes,
    store::{FeedEvent, Revision, Store, StoreError},
    web::error::AppError,
};

/// How often the follower reads the feed when nothing wakes it.
pub const POLL_EVERY: Duration = Duration::from_millis(50);
/// How old the follower's last applied read may be for memory to answer.
pub const FRESH_FOR: Duration = Duration::from_millis(100);

/// Where this process is in the change feed.
pub struct Feed {
    origin: Instant,
    /// Milliseconds after `origin` at which the last applied read began, plus one (0: never).
    caught_up_at: AtomicU64,
    /// How many of this process's commits the last applied read includes (at least).
    applied_commits: AtomicU64,
    /// The position the last applied read reached.
    applied: RwLock<Option<Revision>>,
    /// Bumped after every applied read, for readers waiting to catch up.
    cycles: tokio::sync::watch::Sender<u64>,
    /// Wakes the follower before its next poll (PostgreSQL's notification of a commit).
    wake: tokio::sync::Notify,
}

impl Default for Feed {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
            caught_up_at: AtomicU64::new(0),
            applied_commits: AtomicU64::new(0),
            applied: RwLock::new(None),
            cycles: tokio::sync::watch::Sender::new(0),
            wake: tokio::sync::Notify::new(),
        }
    }
}

impl Feed {
    /// Starts following `store`'s feed into `indexes` on the current Tokio runtime (none outside
    /// one: then it is never fresh and memory never answers). The follower holds none of them
    /// alive. Each read is a round trip: one that succeeds confirms the database to `database`,
    /// one that finds it unreachable marks it down (checks fail closed at once).
    pub fn start(self: &Arc<Self>, store: &Arc<Store>, database: &Arc<DatabaseHealth>, indexes: &Arc<Indexes>) {
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(follow(Arc::downgrade(self), Arc::downgrade(store), Arc::downgrade(database), Arc::downgrade(indexes)));
                runtime.spawn(listen(Arc::downgrade(self), Arc::downgrade(store)));
            }
            Err(_) => tracing::warn!("no async runtime: the change feed is not followed"),
        }
    }

    /// Whether everything committed before [`FRESH_FOR`] ago has been applied.
    pub fn fresh(&self) -> bool {
        let at = self.caught_up_at.load(Ordering::SeqCst);
        at != 0 && self.millis() + 1 - at <= FRESH_FOR.as_millis() as u64
    }

    /// Whether the follower has read the feed at least once (a process is not ready before).
    pub fn started(&self) -> bool {
        self.caught_up_at.load(Ordering::SeqCst) != 0
    }

    /// The position the follower has applied, if it has read the feed.
    pub fn applied(&self) -> Option<Revision> {
        self.applied.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Whether the follower has applied `revision` (a write's, or a reader's position).
    pub fn covers(&self, revision: &Revision) -> bool {
        self.applied.read().unwrap_or_else(|poisoned| poisoned.into_inner()).as_ref().is_some_and(|at| at.covers(revision))
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

    /// Waits (at most `patience`) until memory may answer a read that begins now: the follower
    /// is fresh, has applied every write this process committed so far, and covers `wanted`.
    /// Whether it came to that.
    pub async fn wait_current(&self, store: &Store, wanted: Option<&Revision>, patience: Duration) -> bool {
        let commits = store.local_commits();
        let ready = || self.fresh() && self.applied_commits.load(Ordering::SeqCst) >= commits && wanted.is_none_or(|w| self.covers(w));
        if ready() {
            return true;
        }
        // Read the feed now rather than at the next poll.
        self.wake.notify_one();
        let deadline = tokio::time::Instant::now() + patience;
        let mut cycles = self.cycles.subscribe();
        loop {
            if ready() {
                return true;
            }
            if tokio::time::timeout_at(deadline, cycles.changed()).await.is_err() {
                return ready();
            }
        }
    }

    fn millis(&self) -> u64 {
        self.origin.elapsed().as_millis() as u64
    }

    fn caught_up(&self, read_began: u64, commits: u64, position: Revision) {
        *self.applied.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(position);
        self.applied_commits.fetch_max(commits, Ordering::SeqCst);
        self.caught_up_at.fetch_max(read_began + 1, Ordering::SeqCst);
        self.cycles.send_modify(|n| *n += 1);
    }
}

/// Whether an event can change who may call (so cached verified keys must be checked again):
/// everything the index does not hold.
fn touches_principals(event: &FeedEvent) -> bool {
    !matches!(event.target_type.as_str(), "assignment" | "identity" | "node" | "role" | "permission" | "resource" | "bulk_import")
}

async fn follow(feed: Weak<Feed>, store: Weak<Store>, database: Weak<DatabaseHealth>, indexes: Weak<Indexes>) {
    let mut ticker = tokio::time::interval(POLL_EVERY);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut position: Option<Revision> = None;
    loop {
        let feed = {
            let Some(store) = store.upgrade() else { return };
            let Some(feed) = feed.upgrade() else { return };
            // A commit of this process, or another's notification, wakes the follower at once.
            tokio::select! {
                _ = ticker.tick() => {}
                _ = store.next_local_commit() => {}
                _ = feed.wake.notified() => {}
            }
            feed
        };
        let (Some(store), Some(database), Some(indexes)) = (store.upgrade(), database.upgrade(), indexes.upgrade()) else {
            return;
        };
        // Taken before the read: every commit counted now is in what the read sees.
        let commits = store.local_commits();
        let began = feed.millis();
        let cycle = async {
            let _applying = indexes.applying().await;
            match &position {
                // Nothing is derived from the data before this first read (indexes load after
                // it, and verified keys are cached only once it happened), so nothing can predate
                // a write the feed will not report.
                None => Ok(bounded(PROBE_TIMEOUT, store.feed_position()).await?),
                Some(since) => {
                    let (events, next) = bounded(PROBE_TIMEOUT, store.feed_since(since)).await?;
                    if events.iter().any(touches_principals) {
                        store.note_foreign_write();
                    }
                    // Reading what the events name can take longer than a probe (a 10,000-row
                    // bulk write); meanwhile the follower is not fresh, and reads use SQL.
                    bounded(APPLY_TIMEOUT, indexes.apply(&events)).await?;
                    Ok(next)
                }
            }
        };
        match cycle.await {
            Ok(next) => {
                database.confirmed();
                position = Some(next.clone());
                feed.caught_up(began, commits, next);
            }
            Err(Missed::Failed(err)) => {
                tracing::debug!(%err, "the change feed could not be read; memory is not trusted until it is");
                if unreachable(err) {
                    database.failed("the change feed could not be read: the database is unreachable");
                }
            }
            Err(Missed::TimedOut) => tracing::debug!("the change feed did not answer in time; memory is not trusted until it does"),
        }
    }
}

/// Wakes the follower when another process commits (PostgreSQL's `LISTEN`): only a wake-up, the
/// poll stays the backstop. When the listener's connection is lost, `try_recv` says so (and
/// reconnects on the next call): the follower is woken then too, a catch-up read for whatever was
/// notified while nobody listened.
async fn listen(feed: Weak<Feed>, store: Weak<Store>) {
    let mut listener = None;
    loop {
        let Some(live) = store.upgrade() else { return };
        if listener.is_none() {
            match live.change_listener().await {
                Ok(Some(connected)) => listener = Some(connected),
                Ok(None) => return,
                Err(err) => tracing::debug!(%err, "could not listen for other processes' writes; polling meanwhile"),
            }
        }
        drop(live);
        let Some(connected) = listener.as_mut() else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let received = connected.try_recv().await;
        let Some(feed) = feed.upgrade() else { return };
        match received {
            Ok(Some(_)) => feed.wake.notify_one(),
            Ok(None) => {
                tracing::debug!("the change listener's connection was lost; catching up");
                feed.wake.notify_one();
            }
            Err(err) => {
                tracing::debug!(%err, "the change listener failed; polling until it is back");
                listener = None;
                feed.wake.notify_one();
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// How long applying one read may take before the follower tries again.
const APPLY_TIMEOUT: Duration = Duration::from_secs(30);

enum Missed {
    Failed(StoreError),
    TimedOut,
}

impl From<StoreError> for Missed {
    fn from(err: StoreError) -> Self {
        Missed::Failed(err)
    }
}

async fn bounded<T>(limit: Duration, work: impl Future<Output = Result<T, StoreError>>) -> Result<T, Missed> {
    tokio::time::timeout(limit, work).await.map_err(|_| Missed::TimedOut)?.map_err(Missed::Failed)
}

/// Whether a failed read says the database cannot be reached (the API's 503), rather than that
/// a statement failed.
fn unreachable(err: StoreError) -> bool {
    AppError::from(err).status() == axum::http::StatusCode::SERVICE_UNAVAILABLE
}
