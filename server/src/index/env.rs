//! One environment's index: a copy of its authorization data laid out for the two hot reads, the
//! assignment lists and checks, kept up to date change by change (`apply.rs`).
//!
//! Assignments live in two layers. The **base** is sorted once: rows by identity (checks read an
//! identity's few rows), and three precomputed list orders (creation time, identity name, role
//! name; descending reads them backwards), so a deep page costs about what the first does. The
//! **delta** holds what changed since the base was built, small and re-sorted after each batch;
//! a base row that changed is marked dead there and lives on in the delta. Lists merge the two
//! orders; when the delta grows past a share of the base the two are compacted into a new base,
//! from memory. Identities, nodes and roles are small tables updated in place.

use std::collections::{HashMap, HashSet};

use app::dto::{AssignmentSort, AssignmentStatus, SortOrder, fold_case};

use crate::{
    domain::node_path,
    store::{Assignment, AssignmentFilter, AssignmentView, Identity, IdentityPageSpec, Node, PageSpec, Permission, Role, Slice, Store, StoreResult},
};

pub(super) struct IdentityEntry {
    pub(super) id: String,
    pub(super) first_name: String,
    pub(super) last_name: String,
    pub(super) name: String,
    pub(super) email: String,
    pub(super) avatar_url: Option<String>,
    pub(super) active: bool,
    /// False once deleted (the slot stays, so row numbers stay valid).
    pub(super) present: bool,
    pub(super) name_folded: String,
    pub(super) email_folded: String,
}

impl IdentityEntry {
    pub(super) fn new(i: &Identity) -> Self {
        Self {
            id: i.id.clone(),
            first_name: i.first_name.clone(),
            last_name: i.last_name.clone(),
            name: i.name.clone(),
            email: i.email.clone(),
            avatar_url: i.avatar_url.clone(),
            active: i.status.is_active(),
            present: true,
            name_folded: fold_case(&i.name),
            email_folded: i.email_normalized.clone(),
        }
    }
}

pub(super) struct NodeEntry {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) path: String,
    pub(super) name_folded: String,
    /// The node and its ancestors.
    pub(super) lineage: Vec<u32>,
    pub(super) present: bool,
}

pub(super) struct RoleEntry {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) name_folded: String,
    pub(super) permissions: HashSet<u32>,
}

/// One assignment, compact: the other ids are indexes into the tables.
#[derive(Clone)]
pub(super) struct Row {
    pub(super) id: Box<str>,
    pub(super) identity: u32,
    pub(super) node: u32,
    pub(super) role: u32,
    pub(super) window: Window,
    pub(super) created_at: i64,
    pub(super) updated_at: i64,
}

/// A validity window in 16 bytes: an open start is `i64::MIN`, an open end `i64::MAX`.
#[derive(Clone, Copy)]
pub(super) struct Window {
    from: i64,
    to: i64,
}

impl Window {
    pub(super) fn new(from: Option<i64>, to: Option<i64>) -> Self {
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
pub(super) struct Packed {
    row: u32,
    identity: u32,
    node: u32,
    role: u32,
    window: Window,
}

impl Packed {
    fn of(row: &Row, n: u32) -> Self {
        Self { row: n, identity: row.identity, node: row.node, role: row.role, window: row.window }
    }
}

/// The sorted layer.
#[derive(Default)]
pub(super) struct Base {
    /// Sorted by identity, then assignment id: an identity's rows are
    /// `rows[identity_start[i]..identity_start[i + 1]]` (identities added later have none).
    pub(super) rows: Vec<Row>,
    identity_start: Vec<u32>,
    by_created: Vec<Packed>,
    by_name: Vec<Packed>,
    by_role: Vec<Packed>,
    /// Row numbers by assignment id.
    by_id: Vec<u32>,
    /// Rows deleted or superseded by the delta since the base was built.
    pub(super) dead: Vec<bool>,
    pub(super) dead_count: usize,
}

/// What changed since the base was built.
#[derive(Default)]
pub(super) struct Delta {
    pub(super) rows: Vec<Row>,
    pub(super) by_id: HashMap<Box<str>, u32>,
    by_identity: HashMap<u32, Vec<u32>>,
    by_created: Vec<u32>,
    by_name: Vec<u32>,
    by_role: Vec<u32>,
}

/// One environment's data, as of the change-feed position its [`Indexes`](super::Indexes) has
/// applied.
pub struct EnvIndex {
    pub(super) environment_id: String,
    pub(super) identities: Vec<IdentityEntry>,
    pub(super) identity_by_id: HashMap<String, u32>,
    pub(super) nodes: Vec<NodeEntry>,
    pub(super) node_by_id: HashMap<String, u32>,
    pub(super) roles: Vec<RoleEntry>,
    pub(super) role_by_id: HashMap<String, u32>,
    pub(super) permission_by_key: HashMap<String, u32>,
    pub(super) base: Base,
    pub(super) delta: Delta,
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

/// A row of either layer.
#[derive(Clone, Copy)]
enum At {
    Base(u32),
    Delta(u32),
}

impl EnvIndex {
    /// An empty index of the environment (tables filled by `apply.rs`).
    pub(super) fn empty(environment_id: &str) -> Self {
        Self {
            environment_id: environment_id.to_owned(),
            identities: Vec::new(),
            identity_by_id: HashMap::new(),
            nodes: Vec::new(),
            node_by_id: HashMap::new(),
            roles: Vec::new(),
            role_by_id: HashMap::new(),
            permission_by_key: HashMap::new(),
            base: Base::default(),
            delta: Delta::default(),
        }
    }

    /// Loads everything of the environment. The queries are not one snapshot: whoever loads
    /// replays the change feed from a position taken before the first of them, which brings
    /// every row written meanwhile to its committed state (see [`super::Indexes`]).
    pub async fn load(store: &Store, environment_id: &str, application_id: &str) -> StoreResult<Self> {
        let mut index = Self::empty(environment_id);
        let spec = IdentityPageSpec { page: PageSpec { limit: i64::MAX / 2, ..Default::default() }, ..Default::default() };
        let (identities, _) = store.identity_page(application_id, &spec).await?;
        for identity in &identities {
            index.put_identity(identity);
        }
        drop(identities);
        index.put_nodes(&store.nodes(environment_id).await?);
        let roles: Vec<Role> = store.roles(environment_id).await?;
        let role_ids: Vec<&str> = roles.iter().map(|r| r.id.as_str()).collect();
        let keys = store.role_permission_keys(&role_ids).await?;
        let permissions: Vec<Permission> = store.permissions(environment_id).await?;
        index.put_roles(&roles, &keys, &permissions);

        // Assignments in chunks, so the decoded rows never all exist at once.
        let mut rows: Vec<Row> = Vec::new();
        let mut after: Option<(i64, String)> = None;
        loop {
            let chunk = store.assignments_in_environment(environment_id, after.as_ref().map(|(at, id)| (*at, id.as_str())), LOAD_CHUNK).await?;
            let done = (chunk.len() as i64) < LOAD_CHUNK;
            after = chunk.last().map(|a| (a.created_at, a.id.clone()));
            // A row whose identity, node or role was written after the look-ups above is left
            // to the replay, which brings both.
            rows.extend(chunk.iter().filter_map(|a| index.row(a)));
            if done {
                break;
            }
        }
        index.base = index.build_base(rows);
        Ok(index)
    }

    /// The compact row of an assignment, if its identity, node and role are known.
    pub(super) fn row(&self, a: &Assignment) -> Option<Row> {
        Some(Row {
            id: a.id.as_str().into(),
            identity: *self.identity_by_id.get(&a.identity_id)?,
            node: *self.node_by_id.get(&a.node_id)?,
            role: *self.role_by_id.get(&a.role_id)?,
            window: Window::new(a.effective_from, a.effective_to),
            created_at: a.created_at,
            updated_at: a.updated_at,
        })
    }

    /// Sorts `rows` into a base layer.
    pub(super) fn build_base(&self, mut rows: Vec<Row>) -> Base {
        rows.sort_unstable_by(|a, b| a.identity.cmp(&b.identity).then_with(|| a.id.cmp(&b.id)));
        let mut identity_start = vec![0u32; self.identities.len() + 1];
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
        let identity_rank = rank(self.identities.iter().map(|i| (i.name_folded.as_str(), i.name.as_str())).collect());
        let role_rank = rank(self.roles.iter().map(|r| (r.name_folded.as_str(), r.name.as_str())).collect());
        let packed = |order: &[u32]| -> Vec<Packed> { order.iter().map(|n| Packed::of(&rows[*n as usize], *n)).collect() };
        let mut order: Vec<u32> = (0..rows.len() as u32).collect();
        order.sort_unstable_by(|a, b| rows[*a as usize].id.cmp(&rows[*b as usize].id));
        let by_id = order.clone();
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
        let dead = vec![false; rows.len()];
        Base { rows, identity_start, by_created, by_name, by_role, by_id, dead, dead_count: 0 }
    }

    /// Re-sorts the delta's orders after a batch of changes.
    pub(super) fn sort_delta(&mut self) {
        let delta = &self.delta;
        let mut by_identity: HashMap<u32, Vec<u32>> = HashMap::new();
        for (n, row) in delta.rows.iter().enumerate() {
            by_identity.entry(row.identity).or_default().push(n as u32);
        }
        for rows in by_identity.values_mut() {
            rows.sort_unstable_by(|a, b| delta.rows[*a as usize].id.cmp(&delta.rows[*b as usize].id));
        }
        let all: Vec<u32> = (0..delta.rows.len() as u32).collect();
        let sorted = |key: &dyn Fn(&Row, &Row) -> std::cmp::Ordering| {
            let mut order = all.clone();
            order.sort_unstable_by(|a, b| key(&delta.rows[*a as usize], &delta.rows[*b as usize]));
            order
        };
        let by_created = sorted(&|x, y| self.compare(AssignmentSort::CreatedAt, x, y));
        let by_name = sorted(&|x, y| self.compare(AssignmentSort::Name, x, y));
        let by_role = sorted(&|x, y| self.compare(AssignmentSort::Role, x, y));
        let delta = &mut self.delta;
        (delta.by_identity, delta.by_created, delta.by_name, delta.by_role) = (by_identity, by_created, by_name, by_role);
    }

    /// The list order of two rows, as SQL sorts them.
    fn compare(&self, sort: AssignmentSort, x: &Row, y: &Row) -> std::cmp::Ordering {
        match sort {
            AssignmentSort::CreatedAt => x.created_at.cmp(&y.created_at),
            AssignmentSort::Name => {
                let (a, b) = (&self.identities[x.identity as usize], &self.identities[y.identity as usize]);
                (a.name_folded.as_str(), a.name.as_str()).cmp(&(b.name_folded.as_str(), b.name.as_str()))
            }
            AssignmentSort::Role => {
                let (a, b) = (&self.roles[x.role as usize], &self.roles[y.role as usize]);
                (a.name_folded.as_str(), a.name.as_str()).cmp(&(b.name_folded.as_str(), b.name.as_str()))
            }
        }
        .then_with(|| x.id.cmp(&y.id))
    }

    /// The base row with this assignment id, dead or alive.
    pub(super) fn base_row(&self, id: &str) -> Option<u32> {
        let base = &self.base;
        base.by_id.binary_search_by(|n| (*base.rows[*n as usize].id).cmp(id)).ok().map(|at| base.by_id[at])
    }

    /// The live base rows of an identity.
    pub(super) fn base_rows_of(&self, identity: u32) -> impl Iterator<Item = u32> + '_ {
        let starts = &self.base.identity_start;
        let range = match (starts.get(identity as usize), starts.get(identity as usize + 1)) {
            (Some(start), Some(end)) => *start..*end,
            _ => 0..0,
        };
        range.filter(|n| !self.base.dead[*n as usize])
    }

    pub fn assignment_count(&self) -> usize {
        self.base.rows.len() - self.base.dead_count + self.delta.rows.len()
    }

    fn at(&self, at: At) -> &Row {
        match at {
            At::Base(n) => &self.base.rows[n as usize],
            At::Delta(n) => &self.delta.rows[n as usize],
        }
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
        let (base_order, delta_order) = match slice.sort {
            AssignmentSort::CreatedAt => (&self.base.by_created, &self.delta.by_created),
            AssignmentSort::Name => (&self.base.by_name, &self.delta.by_name),
            AssignmentSort::Role => (&self.base.by_role, &self.delta.by_role),
        };
        let (start, end) = (slice.offset.max(0) as u64, slice.offset.max(0).saturating_add(slice.limit.max(0)) as u64);
        let mut total: u64 = 0;
        let mut page = Vec::new();
        let mut visit = |p: &Packed, at: At| {
            if keep(p) {
                if total >= start && total < end {
                    page.push(self.view(self.at(at)));
                }
                total += 1;
            }
        };
        let dead = &self.base.dead;
        let base = |p: &Packed| (*p, At::Base(p.row));
        let delta = |n: &u32| (Packed::of(&self.delta.rows[*n as usize], *n), At::Delta(*n));
        let before = |first: std::cmp::Ordering| move |x: At, y: At| self.compare(slice.sort, self.at(x), self.at(y)) == first;
        match slice.order {
            SortOrder::Asc => merge(
                base_order.iter().filter(|p| !dead[p.row as usize]).map(base),
                delta_order.iter().map(delta),
                before(std::cmp::Ordering::Less),
                &mut visit,
            ),
            SortOrder::Desc => merge(
                base_order.iter().rev().filter(|p| !dead[p.row as usize]).map(base),
                delta_order.iter().rev().map(delta),
                before(std::cmp::Ordering::Greater),
                &mut visit,
            ),
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
        let (entry, node_entry) = (&self.identities[*identity as usize], &self.nodes[*node as usize]);
        if !entry.present || !node_entry.present {
            return Decision::Unknown;
        }
        if !entry.active {
            return Decision::Denied;
        }
        let Some(permission) = self.permission_by_key.get(permission) else { return Decision::Denied };
        let lineage = &node_entry.lineage;
        let grants = |row: &Row| row.window.contains(at_ms) && lineage.contains(&row.node) && self.roles[row.role as usize].permissions.contains(permission);
        // Each layer's rows of the identity are in id order: the first grant of each, then the
        // smaller of the two.
        let in_base = self.base_rows_of(*identity).map(|n| &self.base.rows[n as usize]).find(|row| grants(row));
        let in_delta = self.delta.by_identity.get(identity).and_then(|rows| rows.iter().map(|n| &self.delta.rows[*n as usize]).find(|row| grants(row)));
        let granted = match (in_base, in_delta) {
            (Some(a), Some(b)) => Some(if a.id <= b.id { a } else { b }),
            (a, b) => a.or(b),
        };
        match granted {
            Some(row) => Decision::Allowed(IndexedGrant {
                assignment_id: row.id.to_string(),
                role_id: self.roles[row.role as usize].id.clone(),
                node_id: self.nodes[row.node as usize].id.clone(),
            }),
            None => Decision::Denied,
        }
    }

    /// The lineage of a node from its stored `id_path`, as table indexes.
    pub(super) fn lineage_of(&self, node: &Node) -> Vec<u32> {
        node_path::lineage(&node.id_path).filter_map(|id| self.node_by_id.get(id).copied()).collect()
    }
}

/// Visits two sorted sequences as one: `first(x, y)` says whether `x` comes before `y`.
fn merge(
    mut a: impl Iterator<Item = (Packed, At)>,
    mut b: impl Iterator<Item = (Packed, At)>,
    first: impl Fn(At, At) -> bool,
    visit: &mut impl FnMut(&Packed, At),
) {
    let (mut x, mut y) = (a.next(), b.next());
    loop {
        match (x, y) {
            (Some((p, at)), Some((_, other))) if first(at, other) => {
                visit(&p, at);
                x = a.next();
            }
            (_, Some((p, at))) => {
                visit(&p, at);
                y = b.next();
            }
            (Some((p, at)), None) => {
                visit(&p, at);
                x = a.next();
            }
            (None, None) => return,
        }
    }
}
