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

use app::dto::{AssignmentSort, AssignmentStatus, SortOrder};

use crate::store::{
    Assignment, AssignmentFilter, AssignmentView, IdentityPageSpec, PageSpec, Slice, Store, StoreResult,
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
    name_lower: String,
    email_lower: String,
}

struct NodeEntry {
    id: String,
    name: String,
    path: String,
    name_lower: String,
    /// The node and its ancestors.
    lineage: Vec<u32>,
}

struct RoleEntry {
    id: String,
    name: String,
    name_lower: String,
    permissions: HashSet<u32>,
}

struct Row {
    assignment: Assignment,
    identity: u32,
    node: u32,
    role: u32,
}

/// One environment's data at one store generation.
pub struct EnvIndex {
    generation: u64,
    identities: Vec<IdentityEntry>,
    identity_by_id: HashMap<String, u32>,
    nodes: Vec<NodeEntry>,
    node_by_id: HashMap<String, u32>,
    roles: Vec<RoleEntry>,
    role_by_id: HashMap<String, u32>,
    permission_by_key: HashMap<String, u32>,
    rows: Vec<Row>,
    /// Rows of each identity (by identity index).
    by_identity: Vec<Vec<u32>>,
    by_created: Vec<u32>,
    by_name: Vec<u32>,
    by_role: Vec<u32>,
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

impl EnvIndex {
    /// Loads everything of the environment at the store's current generation.
    pub async fn load(store: &dyn Store, environment_id: &str, application_id: &str) -> StoreResult<Option<Self>> {
        let generation = store.generation();
        let assignments = store.assignments_in_environment(environment_id).await?;
        if assignments.len() > MAX_INDEXED_ASSIGNMENTS {
            return Ok(None);
        }
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
                name_lower: i.name.to_lowercase(),
                email_lower: i.email.to_lowercase(),
                active: i.status == "active",
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
                lineage: node.id_path.split('/').filter_map(|id| node_by_id.get(id).copied()).collect(),
                name_lower: node.name.to_lowercase(),
                id: node.id,
                name: node.name,
                path: node.path,
            })
            .collect();
        let permission_by_key: HashMap<String, u32> = permissions.iter().enumerate().map(|(n, p)| (p.key.clone(), n as u32)).collect();
        let role_by_id: HashMap<String, u32> = roles.iter().enumerate().map(|(n, r)| (r.id.clone(), n as u32)).collect();
        let mut roles: Vec<RoleEntry> = roles
            .into_iter()
            .map(|r| RoleEntry { name_lower: r.name.to_lowercase(), id: r.id, name: r.name, permissions: HashSet::new() })
            .collect();
        for (role_id, key) in role_keys {
            if let (Some(role), Some(permission)) = (role_by_id.get(&role_id), permission_by_key.get(&key)) {
                roles[*role as usize].permissions.insert(*permission);
            }
        }

        let mut rows = Vec::with_capacity(assignments.len());
        for assignment in assignments {
            let (Some(identity), Some(node), Some(role)) = (
                identity_by_id.get(&assignment.identity_id).copied(),
                node_by_id.get(&assignment.node_id).copied(),
                role_by_id.get(&assignment.role_id).copied(),
            ) else {
                // Written between the look-ups above: this index is already stale.
                return Ok(None);
            };
            rows.push(Row { assignment, identity, node, role });
        }
        let mut by_identity = vec![Vec::new(); identities.len()];
        for (n, row) in rows.iter().enumerate() {
            by_identity[row.identity as usize].push(n as u32);
        }
        for slots in &mut by_identity {
            slots.sort_by(|a, b| rows[*a as usize].assignment.id.cmp(&rows[*b as usize].assignment.id));
        }

        // Ascending orders with the SQL tie-breakers: key, then (for names) the exact name, then id.
        let all: Vec<u32> = (0..rows.len() as u32).collect();
        let id = |n: &u32| rows[*n as usize].assignment.id.as_str();
        let mut by_created = all.clone();
        by_created.sort_unstable_by(|a, b| rows[*a as usize].assignment.created_at.cmp(&rows[*b as usize].assignment.created_at).then_with(|| id(a).cmp(id(b))));
        let mut by_name = all.clone();
        by_name.sort_unstable_by(|a, b| {
            let (x, y) = (&identities[rows[*a as usize].identity as usize], &identities[rows[*b as usize].identity as usize]);
            x.name_lower.cmp(&y.name_lower).then_with(|| x.name.cmp(&y.name)).then_with(|| id(a).cmp(id(b)))
        });
        let mut by_role = all;
        by_role.sort_unstable_by(|a, b| {
            let (x, y) = (&roles[rows[*a as usize].role as usize], &roles[rows[*b as usize].role as usize]);
            x.name_lower.cmp(&y.name_lower).then_with(|| x.name.cmp(&y.name)).then_with(|| id(a).cmp(id(b)))
        });

        Ok(Some(Self {
            generation,
            identities,
            identity_by_id,
            nodes,
            node_by_id,
            roles,
            role_by_id,
            permission_by_key,
            rows,
            by_identity,
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
        let on_nodes: Option<HashSet<u32>> =
            filter.on_nodes.as_ref().map(|ids| ids.iter().filter_map(|id| self.node_by_id.get(id).copied()).collect());
        // A search matches identities, roles or nodes; decide each once, not once per row.
        let search = filter.search.as_deref().map(str::to_lowercase);
        let matches_search = search.as_ref().map(|q| {
            let identities: Vec<bool> = self.identities.iter().map(|i| i.name_lower.contains(q.as_str()) || i.email_lower.contains(q.as_str())).collect();
            let roles: Vec<bool> = self.roles.iter().map(|r| r.name_lower.contains(q.as_str())).collect();
            let nodes: Vec<bool> = self.nodes.iter().map(|n| n.name_lower.contains(q.as_str())).collect();
            (identities, roles, nodes)
        });
        let keep = |row: &Row| -> bool {
            role.is_none_or(|r| row.role == r)
                && source_node.is_none_or(|n| row.node == n)
                && on_nodes.as_ref().is_none_or(|set| set.contains(&row.node))
                && filter.status.is_none_or(|s| AssignmentStatus::at(row.assignment.effective_from, row.assignment.effective_to, filter.now_ms) == s)
                && matches_search.as_ref().is_none_or(|(i, r, n)| i[row.identity as usize] || r[row.role as usize] || n[row.node as usize])
        };
        let order = match slice.sort {
            AssignmentSort::CreatedAt => &self.by_created,
            AssignmentSort::Name => &self.by_name,
            AssignmentSort::Role => &self.by_role,
        };
        let (start, end) = (slice.offset.max(0) as u64, slice.offset.max(0).saturating_add(slice.limit.max(0)) as u64);
        let mut total: u64 = 0;
        let mut page = Vec::new();
        let mut visit = |slot: &u32| {
            let row = &self.rows[*slot as usize];
            if keep(row) {
                if total >= start && total < end {
                    page.push(self.view(row));
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
        AssignmentView {
            assignment: row.assignment.clone(),
            identity_first_name: identity.first_name.clone(),
            identity_last_name: identity.last_name.clone(),
            identity_name: identity.name.clone(),
            identity_email: identity.email.clone(),
            identity_avatar_url: identity.avatar_url.clone(),
            role_name: self.roles[row.role as usize].name.clone(),
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
        let granted = self.by_identity[*identity as usize].iter().map(|slot| &self.rows[*slot as usize]).find(|row| {
            let a = &row.assignment;
            a.effective_from.is_none_or(|from| from <= at_ms)
                && a.effective_to.is_none_or(|to| to > at_ms)
                && lineage.contains(&row.node)
                && self.roles[row.role as usize].permissions.contains(permission)
        });
        match granted {
            Some(row) => Decision::Allowed(IndexedGrant {
                assignment_id: row.assignment.id.clone(),
                role_id: self.roles[row.role as usize].id.clone(),
                node_id: self.nodes[row.node as usize].id.clone(),
            }),
            None => Decision::Denied,
        }
    }
}

/// The indexes of every environment, with at most one rebuild in flight per environment.
pub struct Indexes {
    store: Arc<dyn Store>,
    enabled: bool,
    slots: Mutex<HashMap<String, Slot>>,
}

#[derive(Default)]
struct Slot {
    current: Option<Arc<EnvIndex>>,
    building: bool,
}

impl Indexes {
    pub fn new(store: Arc<dyn Store>, enabled: bool) -> Self {
        Self { store, enabled, slots: Mutex::new(HashMap::new()) }
    }

    /// The environment's index if it is current; otherwise `None` (use SQL) and a rebuild is
    /// started in the background unless one is running.
    pub fn current(self: &Arc<Self>, environment_id: &str, application_id: &str) -> Option<Arc<EnvIndex>> {
        if !self.enabled {
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
        let loaded = match EnvIndex::load(self.store.as_ref(), environment_id, application_id).await {
            Ok(index) => index.map(Arc::new),
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
