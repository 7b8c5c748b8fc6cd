//! The in-memory index: per environment, a copy of its authorization data for the two hot reads,
//! the assignment lists and checks (`env.rs`), kept up to date by the change feed (`apply.rs`).
//!
//! It is an accelerator, never a source of truth. Every write of every process commits audit
//! events, and the feed follower ([`crate::feed`]) applies them here: each event names an object,
//! and the follower reads that object as stored now and puts it in the index of its environment
//! (an identity in every index of its application). So a write changes only what it touched, and
//! nothing in another environment. An index answers only while the follower is fresh (it read
//! the feed a moment ago), has applied every write this process committed before the read began,
//! and covers the caller's `Canopy-Revision` if one was sent; it waits a little for that
//! ([`CATCH_UP_WAIT`]), then the read goes to SQL. While the database is down, nothing answers
//! from memory.
//!
//! A full load happens when an environment is first read, or for every environment at start-up
//! (`/readyz` says not ready until it is done). Its queries are not one snapshot; the load takes
//! the feed's position first and replays every event after it before the index is used, which
//! brings each row written meanwhile to its committed state.

mod apply;
mod env;

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, RwLock, RwLockReadGuard},
    time::Duration,
};

pub use env::{Decision, EnvIndex, IndexedGrant};

use crate::{
    domain::tenancy::EnvironmentTenancy,
    features::health::monitor::DatabaseHealth,
    feed::Feed,
    store::{FeedEvent, Revision, Store, StoreResult},
};

/// How long a read waits for this process to catch up (with its own writes, or the caller's
/// revision) before it asks SQL instead.
pub const CATCH_UP_WAIT: Duration = Duration::from_millis(50);

/// One environment's index, shared by readers and the follower that applies the feed to it.
pub struct LiveIndex {
    pub environment_id: String,
    pub application_id: String,
    pub account_id: String,
    data: RwLock<EnvIndex>,
}

impl LiveIndex {
    pub fn read(&self) -> RwLockReadGuard<'_, EnvIndex> {
        self.data.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, EnvIndex> {
        self.data.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The indexes of every environment, with at most one load in flight per environment.
pub struct Indexes {
    store: Arc<Store>,
    enabled: bool,
    /// An index is trusted only while the database was confirmed reachable a moment ago...
    database: Arc<DatabaseHealth>,
    /// ...and the change feed was applied a moment ago.
    feed: Arc<Feed>,
    slots: Mutex<HashMap<String, Slot>>,
    /// Whether the start-up load of every environment is done (or was not wanted).
    loaded: std::sync::atomic::AtomicBool,
    /// Held while the feed is applied: by the follower's cycle, or by a load bringing its new
    /// index up to the follower's position before installing it.
    applying: tokio::sync::Mutex<()>,
    /// How the last batch of changes was applied (for the benchmark and the logs).
    last_refresh: Mutex<Option<Refreshed>>,
}

/// How one batch of feed events was applied: how many, the time reading what they name from
/// SQL, and the time changing the indexes in memory.
#[derive(Debug, Clone, Copy)]
pub struct Refreshed {
    pub events: usize,
    pub read: Duration,
    pub apply: Duration,
}

#[derive(Default)]
struct Slot {
    current: Option<Arc<LiveIndex>>,
    loading: bool,
}

impl Indexes {
    pub fn new(store: Arc<Store>, enabled: bool, database: Arc<DatabaseHealth>, feed: Arc<Feed>) -> Self {
        Self { store, enabled, database, feed, slots: Mutex::new(HashMap::new()), loaded: (!enabled).into(), applying: tokio::sync::Mutex::new(()), last_refresh: Mutex::new(None) }
    }

    /// What is known about the database the indexes copy.
    pub fn database(&self) -> &DatabaseHealth {
        &self.database
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<String, Slot>> {
        self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The environment's index if memory may answer this read (see the module's rules); `None`
    /// means "use SQL", and starts a load in the background when the environment has none.
    pub async fn current(self: &Arc<Self>, tenancy: &EnvironmentTenancy, wanted: Option<&Revision>) -> Option<Arc<LiveIndex>> {
        if !self.enabled || !self.database.trusted() {
            return None;
        }
        let (environment_id, application_id) = (&tenancy.environment.id, &tenancy.application.id);
        let index = {
            let mut slots = self.slots();
            let slot = slots.entry(environment_id.clone()).or_default();
            if slot.current.is_none() && !slot.loading {
                slot.loading = true;
                let this = self.clone();
                let (environment_id, application_id) = (environment_id.clone(), application_id.clone());
                tokio::spawn(async move { this.load(&environment_id, &application_id).await });
            }
            slot.current.clone()?
        };
        self.feed.wait_current(&self.store, wanted, CATCH_UP_WAIT).await.then_some(index)
    }

    /// Loads the environment's index now and installs it, up to date with the feed (start-up,
    /// tests, the benchmark).
    pub async fn rebuild(&self, environment_id: &str, application_id: &str) -> Option<Arc<LiveIndex>> {
        {
            let mut slots = self.slots();
            slots.entry(environment_id.to_owned()).or_default().loading = true;
        }
        self.load(environment_id, application_id).await
    }

    async fn load(&self, environment_id: &str, application_id: &str) -> Option<Arc<LiveIndex>> {
        let started = std::time::Instant::now();
        let loaded = self.try_load(environment_id, application_id).await;
        let mut slots = self.slots();
        let slot = slots.entry(environment_id.to_owned()).or_default();
        slot.loading = false;
        match loaded {
            Ok(Some(index)) => {
                tracing::debug!(environment_id, assignments = index.read().assignment_count(), elapsed_ms = started.elapsed().as_millis() as u64, "index loaded");
                slot.current = Some(index.clone());
                Some(index)
            }
            Ok(None) => None,
            Err(err) => {
                tracing::warn!(%err, environment_id, "index load failed; lists and checks use SQL");
                None
            }
        }
    }

    async fn try_load(&self, environment_id: &str, application_id: &str) -> StoreResult<Option<Arc<LiveIndex>>> {
        // The follower must be running first: once installed, the index gets only what the
        // follower reads.
        if !self.feed.wait_started(Duration::from_secs(5)).await {
            tracing::warn!(environment_id, "the change feed has not been read: the index is not built, lists and checks use SQL");
            return Ok(None);
        }
        let from = self.store.feed_position().await?;
        let Some(path) = self.store.environment_path(environment_id).await? else { return Ok(None) };
        let index = EnvIndex::load(self.store.as_ref(), environment_id, application_id).await?;
        // Its queries were round trips that succeeded.
        self.database.confirmed();
        let live = Arc::new(LiveIndex {
            environment_id: environment_id.to_owned(),
            application_id: application_id.to_owned(),
            account_id: path.account.id,
            data: RwLock::new(index),
        });
        // Up to the follower's position (and maybe past it: applying again is harmless), with
        // the follower waiting, so it applies everything after to this index too.
        let _applying = self.applying.lock().await;
        let (events, _) = self.store.feed_since(&from).await?;
        self.refresh(&events, std::slice::from_ref(&live)).await?;
        Ok(Some(live))
    }

    /// Starts loading the index of every environment in the background (on the current
    /// runtime; none outside one), after which [`Indexes::loaded`] says so.
    pub fn start_loading(self: &Arc<Self>) {
        if !self.enabled {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
        let this = Arc::downgrade(self);
        runtime.spawn(async move {
            let started = std::time::Instant::now();
            loop {
                let Some(indexes) = this.upgrade() else { return };
                match indexes.load_all().await {
                    Ok(count) => {
                        tracing::info!(environments = count, elapsed_ms = started.elapsed().as_millis() as u64, "in-memory indexes loaded");
                        indexes.loaded.store(true, std::sync::atomic::Ordering::SeqCst);
                        return;
                    }
                    Err(err) => tracing::warn!(%err, "loading the in-memory indexes failed; trying again"),
                }
                drop(indexes);
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
    }

    /// Whether the start-up load is done; `/readyz` waits for it.
    pub fn loaded(&self) -> bool {
        self.loaded.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Loads the index of every environment.
    async fn load_all(&self) -> StoreResult<usize> {
        let environments = self.store.all_environments().await?;
        let mut loaded = 0;
        for (environment_id, application_id, _) in &environments {
            if self.rebuild(environment_id, application_id).await.is_some() {
                loaded += 1;
            } else {
                return Err(crate::store::StoreError::Config(format!("the index of environment {environment_id} did not load")));
            }
        }
        Ok(loaded)
    }

    /// Applies events the follower read to every installed index (the follower holds
    /// [`Indexes::applying`] through its cycle via [`Indexes::applying`]).
    pub(crate) async fn apply(&self, events: &[FeedEvent]) -> StoreResult<()> {
        // A deleted environment's index goes; an account-wide write the index cannot follow
        // row by row (the demo seeding one) retires the account's indexes, to be loaded again.
        let environments: HashSet<&str> =
            events.iter().filter(|e| e.target_type == "environment" && e.action.ends_with("delete")).filter_map(|e| e.target_id.as_deref()).collect();
        let accounts: HashSet<&str> = events.iter().filter(|e| e.target_type == "account").map(|e| e.account_id.as_str()).collect();
        let installed: Vec<Arc<LiveIndex>> = {
            let mut slots = self.slots();
            slots.retain(|id, slot| {
                !environments.contains(id.as_str()) && slot.current.as_ref().is_none_or(|live| !accounts.contains(live.account_id.as_str()))
            });
            slots.values().filter_map(|slot| slot.current.clone()).collect()
        };
        self.refresh(events, &installed).await
    }

    /// How the last batch of changes that touched an index was applied.
    pub fn last_refresh(&self) -> Option<Refreshed> {
        *self.last_refresh.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Held while applying the feed.
    pub(crate) async fn applying(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.applying.lock().await
    }

    /// Reads what `events` name as stored now, and puts it into `indexes`.
    async fn refresh(&self, events: &[FeedEvent], indexes: &[Arc<LiveIndex>]) -> StoreResult<()> {
        let mut assignments: HashMap<&str, HashSet<&str>> = HashMap::new();
        let mut identities: HashMap<&str, HashSet<&str>> = HashMap::new();
        let mut nodes: HashSet<&str> = HashSet::new();
        let mut roles: HashSet<&str> = HashSet::new();
        for event in events {
            let (Some(target), environment) = (event.target_id.as_deref(), event.environment_id.as_deref()) else { continue };
            match (event.target_type.as_str(), environment) {
                ("assignment", Some(environment)) => {
                    assignments.entry(environment).or_default().insert(target);
                }
                ("identity", _) => {
                    // Events from before the application was recorded with them name none:
                    // those are read in every application (an id belongs to one).
                    identities.entry(event.application_id.as_deref().unwrap_or("")).or_default().insert(target);
                }
                ("node", Some(environment)) => {
                    nodes.insert(environment);
                }
                ("role" | "permission" | "resource", Some(environment)) => {
                    roles.insert(environment);
                }
                _ => {}
            }
        }
        if assignments.is_empty() && identities.is_empty() && nodes.is_empty() && roles.is_empty() {
            return Ok(());
        }
        let mut identities_of_application: HashMap<&str, (Vec<&str>, Vec<crate::store::Identity>)> = HashMap::new();
        let (mut read, mut apply) = (Duration::ZERO, Duration::ZERO);
        for live in indexes {
            let reading = std::time::Instant::now();
            let environment = live.environment_id.as_str();
            let application = live.application_id.as_str();
            let ids: Vec<&str> = identities.get(application).into_iter().chain(identities.get("")).flatten().copied().collect();
            if !ids.is_empty() && !identities_of_application.contains_key(application) {
                let found = self.store.identities_by_ids(application, &ids).await?;
                identities_of_application.insert(application, (ids, found));
            }
            let node_table = match nodes.contains(environment) {
                true => Some(self.store.nodes(environment).await?),
                false => None,
            };
            let role_table = match roles.contains(environment) {
                true => {
                    let roles = self.store.roles(environment).await?;
                    let ids: Vec<&str> = roles.iter().map(|r| r.id.as_str()).collect();
                    let keys = self.store.role_permission_keys(&ids).await?;
                    Some((roles, keys, self.store.permissions(environment).await?))
                }
                false => None,
            };
            let (changed_ids, changed_rows) = match assignments.get(environment) {
                Some(ids) => {
                    let ids: Vec<&str> = ids.iter().copied().collect();
                    let rows = self.store.assignments_by_ids(environment, &ids).await?;
                    (ids, rows)
                }
                None => (Vec::new(), Vec::new()),
            };

            read += reading.elapsed();
            let applying = std::time::Instant::now();
            let mut index = live.write();
            if let Some((ids, found)) = identities_of_application.get(application) {
                let present: HashSet<&str> = found.iter().map(|i| i.id.as_str()).collect();
                for identity in found {
                    index.put_identity(identity);
                }
                let gone: Vec<String> = ids.iter().filter(|id| !present.contains(**id)).map(|id| (*id).to_owned()).collect();
                for id in gone {
                    index.remove_identity(&id);
                }
            }
            if let Some(nodes) = &node_table {
                index.put_nodes(nodes);
            }
            if let Some((roles, keys, permissions)) = &role_table {
                index.put_roles(roles, keys, permissions);
            }
            let stored: HashSet<&str> = changed_rows.iter().map(|a| a.id.as_str()).collect();
            for id in changed_ids.iter().filter(|id| !stored.contains(**id)) {
                index.remove_assignment(id);
            }
            for row in &changed_rows {
                index.upsert_assignment(row);
            }
            index.settle();
            drop(index);
            apply += applying.elapsed();
        }
        *self.last_refresh.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Refreshed { events: events.len(), read, apply });
        Ok(())
    }
}
