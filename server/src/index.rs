//! The in-memory index: a read-only copy of one environment's authorization data, laid out for
//! the two hot reads, the assignment lists and checks.
//!
//! It is an accelerator, never a source of truth. Each index remembers the store's write
//! [generation](crate::store::Store::generation) from before it was loaded, and is used only while
//! the store still reports that generation; the store bumps it before and after every data
//! write. So a read either sees an index that contains every committed write, or falls back to
//! SQL (and schedules one rebuild in the background). Nothing is ever served stale.
//!
//! Lists filter and page over precomputed sort orders (by creation time, identity name, role
//! name; descending is the same order read backwards), so a deep page costs about what the first
//! does. Checks look up the identity's few assignments and walk the target node's ancestors.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use app::dto::{AssignmentSort, AssignmentStatus, SortOrder, fold_case};

use crate::{
    domain::node_path,
    features::health::monitor::DatabaseHealth,
    feed::Feed,
    store::{Assignment, AssignmentFilter, AssignmentView, IdentityPageSpec, PageSpec, Slice, Store, StoreResult},
};

/// Rows over this count are not indexed (the SQL path serves them); keeps memory bounded.
const MAX_INDEXED_ASSIGNMENTS: usize = 5_000_000;

struct IdentityEntry {
    id: String,
    first_name: String,
    last_name: String,
    name: String,
    email: String,
    avatar_url: Option<String>,
    active: bool,
    name_folded: String,
    email_folded: String,
}

struct NodeEntry {
    id: String,
    name: String,
    path: String,
    name_folded: String,
    /// The node and its ancestors.
    lineage: Vec<u32>,
}

struct RoleEntry {
    id: String,
    name: String,
    name_folded: String,
    permissions: HashSet<u32>,
}

/// One assignment, compact: the other ids are indexes into the tables above.
struct Row {
    id: Box<str>,
    identity: u32,
    node: u32,
    role: u32,
    window: Window,
    created_at: i64,
    updated_at: i64,
}

/// A validity window in 16 bytes: an open start is `i64::MIN`, an open end `i64::MAX`.
#[derive(Clone, Copy)]
struct Window {
    from: i64,
    to: i64,
}

impl Window {
    fn new(from: Option<i64>, to: Option<i64>) -> Self {
        Self { from: from.unwrap_or(i64::MIN), to: to.unwrap_or(i64::MAX) }
    }

    fn from(&self) -> Option<i64> {
        (self.from != i64::MIN).then_some(self.from)
    }

    fn to(&self) -> Option<i64> {
        (self.to != i64::MAX).then_some(self.to)
    }

    /// The contract's status rule, from its one home ([`AssignmentStatus::at`]).
    fn status(&self, now: i64) -> AssignmentStatus {
        AssignmentStatus::at(self.from(), self.to(), now)
    }

    fn contains(&self, at: i64) -> bool {
        self.from <= at && at < self.to
    }
}

/// What a list filters on, copied in sort order so a scan reads memory sequentially.
#[derive(Clone, Copy)]
struct Packed {
    row: u32,
    identity: u32,
    node: u32,
    role: u32,
    window: Window,
}

/// One environment's data at one store generation.
pub struct EnvIndex {
    generation: u64,
    environment_id: String,
    identities: Vec<IdentityEntry>,
    identity_by_id: HashMap<String, u32>,
    nodes: Vec<NodeEntry>,
    node_by_id: HashMap<String, u32>,
    roles: Vec<RoleEntry>,
    role_by_id: HashMap<String, u32>,
    permission_by_key: HashMap<String, u32>,
    /// Sorted by identity, then assignment id: an identity's rows are
    /// `rows[identity_start[i]..identity_start[i + 1]]`.
    rows: Vec<Row>,
    identity_start: Vec<u32>,
    by_created: Vec<Packed>,
    by_name: Vec<Packed>,
    by_role: Vec<Packed>,
}

/// What a check found: the granting assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexedGrant {
    pub assignment_id: String,
    pub role_id: String,
    pub node_id: String,
}

/// The answer to a check the index can give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The identity is unknown to the application or the node to the environment.
    Unknown,
    Denied,
    Allowed(IndexedGrant),
}

/// Assignments read per query while loading.
const LOAD_CHUNK: i64 = 100_000;

impl EnvIndex {
    /// Loads everything of the environment at the store's current generation; `None` when the
    /// data changed while loading or there is too much of it.
    pub async fn load(store: &Store, environment_id: &str, application_id: &str) -> StoreResult<Option<Self>> {
        let generation = store.generation();
        let spec = IdentityPageSpec { page: PageSpec { limit: i64::MAX / 2, ..Default::default() }, ..Default::default() };
        let (identities, _) = store.identity_page(application_id, &spec).await?;
        let nodes = store.nodes(environment_id).await?;
        let roles = store.roles(environment_id).await?;
        let role_ids: Vec<&str> = roles.iter().map(|r| r.id.as_str()).collect();
        let role_keys = store.role_permission_keys(&role_ids).await?;
        let permissions = store.permissions(environment_id).await?;

        let identities: Vec<IdentityEntry> = identities
            .into_iter()
            .map(|i| IdentityEntry {
                name_folded: fold_case(&i.name),
                email_folded: i.email_normalized.clone(),
                active: i.status.is_active(),
                id: i.id,
                first_name: i.first_name,
                last_name: i.last_name,
                name: i.name,
                email: i.email,
                avatar_url: i.avatar_url,
            })
            .collect();
        let identity_by_id: HashMap<String, u32> = identities.iter().enumerate().map(|(n, i)| (i.id.clone(), n as u32)).collect();
        let node_by_id: HashMap<String, u32> = nodes.iter().enumerate().map(|(n, node)| (node.id.clone(), n as u32)).collect();
        let nodes: Vec<NodeEntry> = nodes
            .into_iter()
            .map(|node| NodeEntry {
                lineage: node_path::lineage(&node.id_path).filter_map(|id| node_by_id.get(id).copied()).collect(),
                name_folded: fold_case(&node.name),
                id: node.id,
                name: node.name,
                path: node.path,
            })
            .collect();
        let permission_by_key: HashMap<String, u32> = permissions.iter().enumerate().map(|(n, p)| (p.key.clone(), n as u32)).collect();
        let role_by_id: HashMap<String, u32> = roles.iter().enumerate().map(|(n, r)| (r.id.clone(), n as u32)).collect();
        let mut roles: Vec<RoleEntry> = roles
            .into_iter()
            .map(|r| RoleEntry { name_folded: fold_case(&r.name), id: r.id, name: r.name, permissions: HashSet::new() })
            .collect();
        for (role_id, key) in role_keys {
            if let (Some(role), Some(permission)) = (role_by_id.get(&role_id), permission_by_key.get(&key)) {
                roles[*role as usize].permissions.insert(*permission);
            }
        }

        // Assignments in chunks, so the decoded rows never all exist at once.
        let mut rows: Vec<Row> = Vec::new();
        let mut after: Option<(i64, String)> = None;
        loop {
            let chunk = store.assignments_in_environment(environment_id, after.as_ref().map(|(at, id)| (*at, id.as_str())), LOAD_CHUNK).await?;
            let done = (chunk.len() as i64) < LOAD_CHUNK;
            after = chunk.last().map(|a| (a.created_at, a.id.clone()));
            for a in chunk {
                let (Some(identity), Some(node), Some(role)) =
                    (identity_by_id.get(&a.identity_id).copied(), node_by_id.get(&a.node_id).copied(), role_by_id.get(&a.role_id).copied())
                else {
                    // Written between the look-ups above: this index is already stale.
                    return Ok(None);
                };
                rows.push(Row {
                    id: a.id.into_boxed_str(),
                    identity,
                    node,
                    role,
                    window: Window::new(a.effective_from, a.effective_to),
                    created_at: a.created_at,
                    updated_at: a.updated_at,
                });
            }
            if rows.len() > MAX_INDEXED_ASSIGNMENTS {
                return Ok(None);
            }
            if done {
                break;
            }
        }
        rows.sort_unstable_by(|a, b| a.identity.cmp(&b.identity).then_with(|| a.id.cmp(&b.id)));
        let mut identity_start = vec![0u32; identities.len() + 1];
        for row in &rows {
            identity_start[row.identity as usize + 1] += 1;
        }
        for n in 1..identity_start.len() {
            identity_start[n] += identity_start[n - 1];
        }

        // Ranks of identity and role names, so sorting compares integers: the SQL order is
        // the lowercase name, then the exact name, then the assignment id.
        let rank = |keys: Vec<(&str, &str)>| -> Vec<u32> {
            let mut order: Vec<usize> = (0..keys.len()).collect();
            order.sort_unstable_by(|a, b| keys[*a].cmp(&keys[*b]));
            // Equal names share a rank, so their rows interleave by assignment id as in SQL.
            let mut ranks = vec![0u32; keys.len()];
            let mut rank = 0u32;
            for (position, n) in order.iter().enumerate() {
                if position > 0 && keys[order[position - 1]] != keys[*n] {
                    rank += 1;
                }
                ranks[*n] = rank;
            }
            ranks
        };
        let identity_rank = rank(identities.iter().map(|i| (i.name_folded.as_str(), i.name.as_str())).collect());
        let role_rank = rank(roles.iter().map(|r| (r.name_folded.as_str(), r.name.as_str())).collect());
        let packed = |order: &[u32]| -> Vec<Packed> {
            order
                .iter()
                .map(|n| {
                    let row = &rows[*n as usize];
                    Packed { row: *n, identity: row.identity, node: row.node, role: row.role, window: row.window }
                })
                .collect()
        };
        let all: Vec<u32> = (0..rows.len() as u32).collect();
        let mut order = all.clone();
        order.sort_unstable_by(|a, b| {
            let (x, y) = (&rows[*a as usize], &rows[*b as usize]);
            x.created_at.cmp(&y.created_at).then_with(|| x.id.cmp(&y.id))
        });
        let by_created = packed(&order);
        order.sort_unstable_by(|a, b| {
            let (x, y) = (&rows[*a as usize], &rows[*b as usize]);
            identity_rank[x.identity as usize].cmp(&identity_rank[y.identity as usize]).then_with(|| x.id.cmp(&y.id))
        });
        let by_name = packed(&order);
        order.sort_unstable_by(|a, b| {
            let (x, y) = (&rows[*a as usize], &rows[*b as usize]);
            role_rank[x.role as usize].cmp(&role_rank[y.role as usize]).then_with(|| x.id.cmp(&y.id))
        });
        let by_role = packed(&order);
        drop(all);

        Ok(Some(Self {
            generation,
            environment_id: environment_id.to_owned(),
            identities,
            identity_by_id,
            nodes,
            node_by_id,
            roles,
            role_by_id,
            permission_by_key,
            rows,
            identity_start,
            by_created,
            by_name,
            by_role,
        }))
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn assignment_count(&self) -> usize {
        self.rows.len()
    }

    /// Exactly what [`Store::assignment_views`] answers, from memory.
    pub fn views(&self, filter: &AssignmentFilter, slice: Slice) -> (Vec<AssignmentView>, i64) {
        // Resolve the filter's ids; an unknown one matches nothing.
        let lookup = |map: &HashMap<String, u32>, id: &Option<String>| -> Result<Option<u32>, ()> {
            match id {
                None => Ok(None),
                Some(id) => map.get(id).copied().map(Some).ok_or(()),
            }
        };
        let (Ok(role), Ok(source_node)) = (lookup(&self.role_by_id, &filter.role_id), lookup(&self.node_by_id, &filter.source_node_id)) else {
            return (Vec::new(), 0);
        };
        let on_nodes: Option<Vec<bool>> = filter.on_nodes.as_ref().map(|ids| {
            let mut set = vec![false; self.nodes.len()];
            for id in ids {
                if let Some(n) = self.node_by_id.get(id) {
                    set[*n as usize] = true;
                }
            }
            set
        });
        // A search matches identities, roles or nodes; decide each once, not once per row.
        let search = filter.search.as_deref().map(fold_case);
        let matches_search = search.as_ref().map(|q| {
            let identities: Vec<bool> = self.identities.iter().map(|i| i.name_folded.contains(q.as_str()) || i.email_folded.contains(q.as_str())).collect();
            let roles: Vec<bool> = self.roles.iter().map(|r| r.name_folded.contains(q.as_str())).collect();
            let nodes: Vec<bool> = self.nodes.iter().map(|n| n.name_folded.contains(q.as_str())).collect();
            (identities, roles, nodes)
        });
        let now = filter.now_ms;
        let keep = |p: &Packed| -> bool {
            role.is_none_or(|r| p.role == r)
                && source_node.is_none_or(|n| p.node == n)
                && on_nodes.as_ref().is_none_or(|set| set[p.node as usize])
                && filter.status.is_none_or(|s| p.window.status(now) == s)
                && matches_search.as_ref().is_none_or(|(i, r, n)| i[p.identity as usize] || r[p.role as usize] || n[p.node as usize])
        };
        let order = match slice.sort {
            AssignmentSort::CreatedAt => &self.by_created,
            AssignmentSort::Name => &self.by_name,
            AssignmentSort::Role => &self.by_role,
        };
        let (start, end) = (slice.offset.max(0) as u64, slice.offset.max(0).saturating_add(slice.limit.max(0)) as u64);
        let mut total: u64 = 0;
        let mut page = Vec::new();
        let mut visit = |p: &Packed| {
            if keep(p) {
                if total >= start && total < end {
                    page.push(self.view(&self.rows[p.row as usize]));
                }
                total += 1;
            }
        };
        match slice.order {
            SortOrder::Asc => order.iter().for_each(&mut visit),
            SortOrder::Desc => order.iter().rev().for_each(&mut visit),
        }
        (page, total as i64)
    }

    fn view(&self, row: &Row) -> AssignmentView {
        let identity = &self.identities[row.identity as usize];
        let node = &self.nodes[row.node as usize];
        let role = &self.roles[row.role as usize];
        AssignmentView {
            assignment: Assignment {
                id: row.id.to_string(),
                environment_id: self.environment_id.clone(),
                identity_id: identity.id.clone(),
                node_id: node.id.clone(),
                role_id: role.id.clone(),
                effective_from: row.window.from(),
                effective_to: row.window.to(),
                created_at: row.created_at,
                updated_at: row.updated_at,
            },
            identity_first_name: identity.first_name.clone(),
            identity_last_name: identity.last_name.clone(),
            identity_name: identity.name.clone(),
            identity_email: identity.email.clone(),
            identity_avatar_url: identity.avatar_url.clone(),
            role_name: role.name.clone(),
            node_name: node.name.clone(),
            node_path: node.path.clone(),
        }
    }

    /// May the identity do `permission` at the node, at `at_ms`? The granting assignment is the
    /// one with the smallest id, as the SQL path picks it.
    pub fn check(&self, identity_id: &str, permission: &str, node_id: &str, at_ms: i64) -> Decision {
        let (Some(identity), Some(node)) = (self.identity_by_id.get(identity_id), self.node_by_id.get(node_id)) else {
            return Decision::Unknown;
        };
        if !self.identities[*identity as usize].active {
            return Decision::Denied;
        }
        let Some(permission) = self.permission_by_key.get(permission) else { return Decision::Denied };
        let lineage = &self.nodes[*node as usize].lineage;
        let (start, end) = (self.identity_start[*identity as usize] as usize, self.identity_start[*identity as usize + 1] as usize);
        let granted = self.rows[start..end].iter().find(|row| {
            row.window.contains(at_ms)
                && lineage.contains(&row.node)
                && self.roles[row.role as usize].permissions.contains(permission)
        });
        match granted {
            Some(row) => Decision::Allowed(IndexedGrant {
                assignment_id: row.id.to_string(),
                role_id: self.roles[row.role as usize].id.clone(),
                node_id: self.nodes[row.node as usize].id.clone(),
            }),
            None => Decision::Denied,
        }
    }
}

/// The indexes of every environment, with at most one rebuild in flight per environment.
pub struct Indexes {
    store: Arc<Store>,
    enabled: bool,
    /// An index is trusted only while the database was confirmed reachable a moment ago...
    database: Arc<DatabaseHealth>,
    /// ...and the change feed was read a moment ago (writes of other processes are seen).
    feed: Arc<Feed>,
    slots: Mutex<HashMap<String, Slot>>,
}

#[derive(Default)]
struct Slot {
    current: Option<Arc<EnvIndex>>,
    building: bool,
}

impl Indexes {
    pub fn new(store: Arc<Store>, enabled: bool, database: Arc<DatabaseHealth>, feed: Arc<Feed>) -> Self {
        Self { store, enabled, database, feed, slots: Mutex::new(HashMap::new()) }
    }

    /// What is known about the database the indexes copy.
    pub fn database(&self) -> &DatabaseHealth {
        &self.database
    }

    /// The environment's index if it is current and the database was confirmed reachable
    /// within [`TRUST_FOR`](crate::features::health::monitor::TRUST_FOR); otherwise `None` (use
    /// SQL, which fails while the database is gone) and a rebuild is started in the background
    /// unless one is running.
    pub fn current(self: &Arc<Self>, environment_id: &str, application_id: &str) -> Option<Arc<EnvIndex>> {
        if !self.enabled || !self.database.trusted() || !self.feed.fresh() {
            return None;
        }
        let generation = self.store.generation();
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let slot = slots.entry(environment_id.to_owned()).or_default();
        if let Some(index) = &slot.current
            && index.generation == generation
        {
            return Some(index.clone());
        }
        if !slot.building {
            slot.building = true;
            let this = self.clone();
            let (environment_id, application_id) = (environment_id.to_owned(), application_id.to_owned());
            tokio::spawn(async move { this.rebuild(&environment_id, &application_id).await });
        }
        None
    }

    /// Loads the environment's index now (start-up warm-up, tests, the benchmark).
    pub async fn rebuild(&self, environment_id: &str, application_id: &str) -> Option<Arc<EnvIndex>> {
        let started = std::time::Instant::now();
        // A load must begin after the feed's first read: the feed reports only what was
        // committed after that, so an earlier load could miss another process's write for good.
        if !self.feed.wait_started(std::time::Duration::from_secs(5)).await {
            let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            slots.entry(environment_id.to_owned()).or_default().building = false;
            tracing::warn!(environment_id, "the change feed has not been read: the index is not built, lists and checks use SQL");
            return None;
        }
        let loaded = match EnvIndex::load(self.store.as_ref(), environment_id, application_id).await {
            Ok(index) => {
                // Its queries were round trips that succeeded.
                self.database.confirmed();
                index.map(Arc::new)
            }
            Err(err) => {
                tracing::warn!(%err, environment_id, "index rebuild failed; lists and checks use SQL");
                None
            }
        };
        let mut slots = self.slots.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let slot = slots.entry(environment_id.to_owned()).or_default();
        slot.building = false;
        if let Some(index) = &loaded {
            tracing::debug!(environment_id, assignments = index.assignment_count(), elapsed_ms = started.elapsed().as_millis() as u64, "index built");
            slot.current = Some(index.clone());
        }
        loaded.filter(|index| index.generation == self.store.generation())
    }
}
