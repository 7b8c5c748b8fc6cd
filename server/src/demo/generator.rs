//! Rows from a [`DatasetSpec`], deterministically: one seeded SplitMix64 drives every choice and
//! every id, and every date is relative to `now_ms`, so the same spec and instant give the same
//! rows, and another instant the same rows shifted (the status mix — active, scheduled, expired,
//! expiring within a week — is the same whenever the data is generated). Rows are listed
//! parents first (a node after its parent), ready for [`crate::store::Store::insert_batch`].

use std::collections::{BTreeMap, HashMap, HashSet};

use app::dto::{ActorType, AssignmentStatus, IdentityStatus, MembershipRole};
use serde_json::json;

use super::rng::SplitMix64;
use super::spec::{
    DEPTH_WEIGHTS, DatasetSpec, EnvSpec, FIRST_NAMES, IdStyle, LAST_NAMES, NODE_KINDS, RESOURCES, ROLE_WEIGHTS, ROLES,
    TenantSpec,
};
use crate::domain::node_path;
use crate::store::{
    Account, Admin, Application, Assignment, AuditEvent, Environment, Identity, InsertBatch, Membership, Node,
    Permission, Resource, Role, RolePermission, Store, StoreResult,
};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// A generated dataset: every row but the assignments in [`Generated::batch`], and each
/// environment's assignments planned compactly and turned into rows on demand (a million of
/// them need not be held as rows at once).
pub struct Generated {
    /// Every row but the assignments (`batch.assignments` is empty).
    pub batch: InsertBatch,
    /// One per environment, in `batch.environments` order.
    pub environments: Vec<GeneratedEnvironment>,
    ids: IdStyle,
}

/// One environment's assignments, and which (identity, node, role) triples they use.
pub struct GeneratedEnvironment {
    pub environment_id: String,
    /// The (identity, node, role) triples in use, by index: the identity among its
    /// application's identities, the node among the environment's nodes, the role among the
    /// assignable roles (in [`ROLES`] order), all in `batch` order.
    pub taken: Triples,
    /// Where this environment's application's identities and this environment's nodes start in
    /// `batch.identities` and `batch.nodes`.
    identity_offset: usize,
    node_offset: usize,
    /// Assignable role ids, in [`ROLE_WEIGHTS`] order.
    roles: Vec<String>,
    planned: Vec<Planned>,
}

/// A set of (identity, node, role) index triples.
pub struct Triples {
    nodes: usize,
    roles: usize,
    set: HashSet<u64>,
}

impl Triples {
    fn new(nodes: usize, roles: usize, capacity: usize) -> Self {
        Self { nodes, roles, set: HashSet::with_capacity(capacity) }
    }

    /// Adds the triple; false when it was already there.
    pub fn insert(&mut self, identity: usize, node: usize, role: usize) -> bool {
        self.set.insert(((identity * self.nodes + node) * self.roles + role) as u64)
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }
}

/// An assignment before its row: indices instead of ids, and the random bits of its id.
struct Planned {
    identity: u32,
    node: u32,
    role: u8,
    effective_from: Option<i64>,
    effective_to: Option<i64>,
    created_at: i64,
    updated_at: i64,
    id_bits: [u64; 2],
}

impl Generated {
    /// Every environment's assignments as rows, environment by environment.
    pub fn assignments(&self) -> impl Iterator<Item = Assignment> + '_ {
        self.environments.iter().flat_map(move |env| {
            env.planned.iter().map(move |plan| Assignment {
                id: self.ids.make(plan.created_at, plan.id_bits),
                environment_id: env.environment_id.clone(),
                identity_id: self.batch.identities[env.identity_offset + plan.identity as usize].id.clone(),
                node_id: self.batch.nodes[env.node_offset + plan.node as usize].id.clone(),
                role_id: env.roles[usize::from(plan.role)].clone(),
                effective_from: plan.effective_from,
                effective_to: plan.effective_to,
                created_at: plan.created_at,
                updated_at: plan.updated_at,
            })
        })
    }

    /// Everything in one batch (the demo: one transaction).
    pub fn into_batch(self) -> InsertBatch {
        let assignments = self.assignments().collect();
        InsertBatch { assignments, ..self.batch }
    }

    /// Writes the dataset: every row but the assignments in one batch, then the assignments
    /// `per_batch` at a time (each batch is one transaction), calling `progress` after each with
    /// the number written so far and the batch.
    pub async fn insert(
        &self,
        store: &Store,
        per_batch: usize,
        mut progress: impl FnMut(usize, &InsertBatch),
    ) -> StoreResult<()> {
        store.insert_batch(&self.batch).await?;
        let mut rows = self.assignments().peekable();
        let mut written = 0;
        while rows.peek().is_some() {
            let batch = InsertBatch { assignments: rows.by_ref().take(per_batch.max(1)).collect(), ..InsertBatch::default() };
            written += batch.assignments.len();
            store.insert_batch(&batch).await?;
            progress(written, &batch);
        }
        Ok(())
    }
}

impl IdStyle {
    pub(super) fn make(self, created_at: i64, bits: [u64; 2]) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&bits[0].to_le_bytes());
        bytes[8..].copy_from_slice(&bits[1].to_le_bytes());
        match self {
            IdStyle::Random => uuid::Builder::from_random_bytes(bytes).into_uuid().to_string(),
            IdStyle::TimeOrdered => {
                let random: [u8; 10] = bytes[..10].try_into().expect("ten bytes");
                uuid::Builder::from_unix_timestamp_millis(created_at as u64, &random).into_uuid().to_string()
            }
        }
    }
}

/// The dataset `spec` describes as of `now_ms`. `admin_password_hash` (an argon2id PHC string)
/// is every admin's.
pub fn generate(spec: &DatasetSpec, now_ms: i64, admin_password_hash: &str) -> Generated {
    let mut generator = Generator {
        rng: SplitMix64(spec.seed),
        ids: spec.ids,
        now: now_ms,
        generated: Generated { batch: InsertBatch::default(), environments: Vec::new(), ids: spec.ids },
    };
    for tenant in &spec.tenants {
        generator.tenant(tenant, admin_password_hash);
    }
    generator.generated
}

/// The three statuses an assignment's dates can give, as the generator plans them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// Active with no end within the next week.
    Active,
    /// Active, ending within the next 7 days.
    ExpiringSoon,
    Scheduled,
    Expired,
}

struct Generator {
    rng: SplitMix64,
    ids: IdStyle,
    now: i64,
    generated: Generated,
}

/// What one environment's catalogue produced, for assignment generation.
struct EnvRows {
    environment_id: String,
    node_offset: usize,
    /// Node indices (within the environment) grouped by depth.
    nodes_by_depth: Vec<Vec<usize>>,
    node_count: usize,
    /// Assignable role ids (the system role left out), in [`ROLE_WEIGHTS`] order.
    assignable_roles: Vec<String>,
    created_at: i64,
}

impl Generator {
    fn batch(&mut self) -> &mut InsertBatch {
        &mut self.generated.batch
    }

    /// An id for a row created at `created_at`.
    fn id(&mut self, created_at: i64) -> String {
        let bits = self.rng.id_bits();
        self.ids.make(created_at, bits)
    }

    fn tenant(&mut self, spec: &TenantSpec, password_hash: &str) {
        let now = self.now;
        let account_created = now - spec.age_days * DAY;
        let account = Account {
            id: self.id(account_created),
            slug: spec.account_slug.to_owned(),
            name: spec.account_name.to_owned(),
            created_at: account_created,
        };
        let admin = spec.admin.as_ref().map(|admin| Admin {
            id: self.id(account_created),
            email: admin.email.to_owned(),
            email_normalized: admin.email.to_lowercase(),
            name: admin.name.to_owned(),
            password_hash: password_hash.to_owned(),
            created_at: account_created,
        });
        let membership = admin.as_ref().map(|admin| Membership {
            account_id: account.id.clone(),
            admin_id: admin.id.clone(),
            role: MembershipRole::Owner,
            created_at: account_created,
        });
        let application = Application {
            id: self.id(account_created + HOUR),
            account_id: account.id.clone(),
            slug: spec.app_slug.to_owned(),
            name: spec.app_name.to_owned(),
            created_at: account_created + HOUR,
        };

        let identity_offset = self.batch().identities.len();
        self.identities(spec, &application.id, account_created + 10 * DAY);
        let identity_created: Vec<i64> =
            self.batch().identities[identity_offset..].iter().map(|identity| identity.created_at).collect();

        let nodes_start = self.batch().nodes.len();
        let mut assignments = 0;
        let mut environments = Vec::new();
        for (index, env_spec) in spec.environments.iter().enumerate() {
            let created_at = application.created_at + (index as i64 + 1) * DAY;
            let environment = Environment {
                id: self.id(created_at),
                application_id: application.id.clone(),
                slug: env_spec.slug.to_owned(),
                name: env_spec.name.to_owned(),
                created_at,
            };
            let rows = self.catalogue(spec, &environment);
            let generated = self.assignments(env_spec, rows, identity_offset, &identity_created);
            assignments += generated.planned.len();
            self.generated.environments.push(generated);
            environments.push(environment);
        }

        let summary = json!({
            "applications": 1,
            "environments": environments.len(),
            "nodes": self.batch().nodes.len() - nodes_start,
            "identities": identity_created.len(),
            "resources": RESOURCES.len() * environments.len(),
            "permissions": RESOURCES.iter().map(|(_, _, actions)| actions.len()).sum::<usize>() * environments.len(),
            "roles": ROLES.len() * environments.len(),
            "assignments": assignments,
        });
        let audit = AuditEvent {
            id: self.id(now),
            account_id: account.id.clone(),
            environment_id: None,
            application_id: None,
            actor_type: ActorType::System,
            actor_id: None,
            action: "demo.seed".to_owned(),
            target_type: "account".to_owned(),
            target_id: Some(account.id.clone()),
            before: None,
            after: Some(summary),
            request_id: None,
            created_at: now,
        };

        let batch = self.batch();
        batch.accounts.push(account);
        batch.admins.extend(admin);
        batch.memberships.extend(membership);
        batch.applications.push(application);
        batch.environments.extend(environments);
        batch.audit_events.push(audit);
    }

    /// The application's identities, appended to the batch.
    fn identities(&mut self, spec: &TenantSpec, application_id: &str, earliest: i64) {
        let now = self.now;
        // How often each local part has been drawn: the second `ana.li` is `ana.li2`, and so on.
        let mut taken: HashMap<String, usize> = HashMap::new();
        let mut inactive: Vec<bool> = (0..spec.identities).map(|i| i < spec.inactive).collect();
        self.rng.shuffle(&mut inactive);

        self.batch().identities.reserve(spec.identities);
        for is_inactive in inactive {
            let first = FIRST_NAMES[self.rng.index(FIRST_NAMES.len())];
            let last = LAST_NAMES[self.rng.index(LAST_NAMES.len())];
            let base = format!("{}.{}", email_part(first), email_part(last));
            let seen = taken.entry(base.clone()).or_insert(0);
            *seen += 1;
            let email = match *seen {
                1 => format!("{base}@{}", spec.email_domain),
                n => format!("{base}{n}@{}", spec.email_domain),
            };

            let created_at = self.rng.between(earliest, now - 20 * DAY);
            let updated_at =
                if is_inactive || self.rng.percent(25) { self.rng.between(created_at, now - HOUR) } else { created_at };
            let id = self.id(created_at);
            self.batch().identities.push(Identity {
                id,
                application_id: application_id.to_owned(),
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                name: format!("{first} {last}"),
                email_normalized: email.to_lowercase(),
                email,
                avatar_url: None,
                status: if is_inactive { IdentityStatus::Inactive } else { IdentityStatus::Active },
                created_at,
                updated_at,
            });
        }
    }

    /// Nodes, resources, permissions, roles and role permissions of one environment.
    fn catalogue(&mut self, spec: &TenantSpec, environment: &Environment) -> EnvRows {
        let env_id = &environment.id;
        let mut clock = environment.created_at + 5 * MINUTE;
        let node_offset = self.batch().nodes.len();
        let mut nodes_by_depth: Vec<Vec<usize>> = vec![Vec::new(); NODE_KINDS.len()];
        let layout = spec.tree.layout(spec.org_name);
        for (index, (parent, name)) in layout.iter().enumerate() {
            let parent = parent.map(|parent| self.generated.batch.nodes[node_offset + parent].clone());
            let node = self.node(env_id, parent.as_ref(), name, &mut clock);
            nodes_by_depth[node.depth as usize].push(index);
            self.batch().nodes.push(node);
        }
        nodes_by_depth.retain(|ids| !ids.is_empty());

        let mut permissions: Vec<(String, &'static str)> = Vec::new();
        for (name, description, actions) in RESOURCES {
            let created_at = clock;
            clock += MINUTE;
            let resource = Resource {
                id: self.id(created_at),
                environment_id: env_id.clone(),
                name: name.to_owned(),
                description: Some(description.to_owned()),
                created_at,
            };
            for action in actions {
                let permission = Permission {
                    id: self.id(created_at),
                    environment_id: env_id.clone(),
                    resource_id: resource.id.clone(),
                    action: (*action).to_owned(),
                    key: format!("{name}.{action}"),
                    created_at,
                };
                permissions.push((permission.id.clone(), action));
                self.batch().permissions.push(permission);
            }
            self.batch().resources.push(resource);
        }

        let mut assignable_roles = Vec::new();
        for (name, description, is_system, grants) in ROLES {
            let created_at = clock;
            clock += MINUTE;
            let updated_at =
                if self.rng.percent(50) { self.rng.between(created_at, self.now - DAY) } else { created_at };
            let role = Role {
                id: self.id(created_at),
                environment_id: env_id.clone(),
                name: name.to_owned(),
                description: Some(description.to_owned()),
                is_system,
                created_at,
                updated_at,
            };
            for (permission_id, action) in &permissions {
                if grants.includes(action) {
                    self.batch()
                        .role_permissions
                        .push(RolePermission { role_id: role.id.clone(), permission_id: permission_id.clone() });
                }
            }
            if !is_system {
                assignable_roles.push(role.id.clone());
            }
            self.batch().roles.push(role);
        }

        EnvRows {
            environment_id: env_id.clone(),
            node_offset,
            nodes_by_depth,
            node_count: layout.len(),
            assignable_roles,
            created_at: clock,
        }
    }

    fn node(&mut self, environment_id: &str, parent: Option<&Node>, name: &str, clock: &mut i64) -> Node {
        let created_at = *clock;
        let id = self.id(created_at);
        *clock += MINUTE;
        let updated_at = if self.rng.percent(20) { self.rng.between(created_at, self.now - DAY) } else { created_at };
        let id_path = node_path::child(parent.map(|p| p.id_path.as_str()), &id);
        let path = node_path::child_path(parent.map(|p| p.path.as_str()), name);
        let depth = parent.map_or(0, |p| p.depth + 1);
        Node {
            id,
            environment_id: environment_id.to_owned(),
            parent_id: parent.map(|p| p.id.clone()),
            name: name.to_owned(),
            kind: NODE_KINDS[depth as usize].to_owned(),
            id_path,
            path,
            depth,
            created_at,
            updated_at,
        }
    }

    fn assignments(
        &mut self,
        spec: &EnvSpec,
        rows: EnvRows,
        identity_offset: usize,
        identity_created: &[i64],
    ) -> GeneratedEnvironment {
        let now = self.now;
        let total = spec.assignments;
        let scheduled = (total * 12 + 50) / 100;
        let expired = (total * 13 + 50) / 100;
        let mut plans: Vec<Plan> = Vec::with_capacity(total);
        plans.extend(std::iter::repeat_n(Plan::Scheduled, scheduled));
        plans.extend(std::iter::repeat_n(Plan::Expired, expired));
        plans.extend(std::iter::repeat_n(Plan::ExpiringSoon, spec.expiring_soon));
        plans.resize(total, Plan::Active);
        self.rng.shuffle(&mut plans);

        let mut pool: Vec<usize> = (0..identity_created.len()).collect();
        self.rng.shuffle(&mut pool);
        pool.truncate(spec.identity_pool.min(identity_created.len()));
        pool.sort_unstable();

        let depth_weights = &DEPTH_WEIGHTS[..rows.nodes_by_depth.len()];
        let mut taken = Triples::new(rows.node_count, rows.assignable_roles.len(), total);
        let mut planned = Vec::with_capacity(total);
        for plan in plans {
            let (identity, node, role) = loop {
                let identity = pool[self.rng.index(pool.len())];
                let depth = self.rng.weighted(depth_weights);
                let nodes = &rows.nodes_by_depth[depth];
                let node = nodes[self.rng.index(nodes.len())];
                let role = self.rng.weighted(&ROLE_WEIGHTS);
                if taken.insert(identity, node, role) {
                    break (identity, node, role);
                }
            };

            // Created after both the identity and the environment's catalogue, before now.
            let earliest = identity_created[identity].max(rows.created_at);
            let (created_at, effective_from, effective_to) = match plan {
                Plan::Active => {
                    let created_at = self.rng.between(earliest, now - HOUR);
                    match self.rng.below(10) {
                        // Open-ended, in force since it was made.
                        0..=4 => (created_at, None, None),
                        // Started on a date in the past.
                        5..=6 => (created_at, Some(self.rng.between(created_at - 14 * DAY, now - HOUR)), None),
                        // A fixed term that ends more than a week from now.
                        _ => {
                            let from = self.rng.between(created_at - 14 * DAY, now - HOUR);
                            (created_at, Some(from), Some(now + self.rng.between(8 * DAY, 365 * DAY)))
                        }
                    }
                }
                Plan::ExpiringSoon => {
                    let created_at = self.rng.between(earliest, now - HOUR);
                    let from = self.rng.percent(60).then(|| self.rng.between(created_at - 14 * DAY, now - HOUR));
                    (created_at, from, Some(now + self.rng.between(6 * HOUR, 6 * DAY + 12 * HOUR)))
                }
                Plan::Scheduled => {
                    let created_at = self.rng.between(earliest, now - HOUR);
                    let from = now + self.rng.between(DAY, 60 * DAY);
                    let to = self.rng.percent(40).then(|| from + self.rng.between(30 * DAY, 365 * DAY));
                    (created_at, Some(from), to)
                }
                Plan::Expired => {
                    let to = self.rng.between(earliest + DAY, now - DAY);
                    let created_at = self.rng.between(earliest, to);
                    let from = self.rng.percent(50).then(|| self.rng.between(created_at - 30 * DAY, to));
                    (created_at, from, Some(to))
                }
            };
            let updated_at = if self.rng.percent(30) { self.rng.between(created_at, now) } else { created_at };
            planned.push(Planned {
                identity: identity as u32,
                node: node as u32,
                role: role as u8,
                effective_from,
                effective_to,
                created_at,
                updated_at,
                id_bits: self.rng.id_bits(),
            });
        }
        if self.ids == IdStyle::TimeOrdered {
            planned.sort_by_key(|plan| plan.created_at);
        }
        GeneratedEnvironment {
            environment_id: rows.environment_id,
            taken,
            identity_offset,
            node_offset: rows.node_offset,
            roles: rows.assignable_roles,
            planned,
        }
    }
}

/// The ASCII form of a name for an email's local part: accents folded, spaces and punctuation
/// dropped (`Søren` → `soren`, `O'Brien` → `obrien`, `Da Silva` → `dasilva`).
pub fn email_part(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.to_lowercase().chars() {
        let folded = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => "a",
            'ç' | 'č' | 'ć' => "c",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'í' | 'ì' | 'î' | 'ï' | 'ı' => "i",
            'ñ' => "n",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'ő' => "o",
            'ú' | 'ù' | 'û' | 'ü' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ş' | 'š' => "s",
            'ğ' => "g",
            'ł' => "l",
            'ž' => "z",
            'ß' => "ss",
            'æ' => "ae",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => "",
        };
        out.push_str(folded);
    }
    out
}

/// Counts of assignments per status at `now_ms` (scheduled, expired, active), by environment
/// id, by the contract's rule ([`AssignmentStatus::at`]).
pub fn status_counts(batch: &InsertBatch, now_ms: i64) -> BTreeMap<String, StatusCounts> {
    let mut counts: BTreeMap<String, StatusCounts> = BTreeMap::new();
    for assignment in &batch.assignments {
        let entry = counts.entry(assignment.environment_id.clone()).or_default();
        match AssignmentStatus::at(assignment.effective_from, assignment.effective_to, now_ms) {
            AssignmentStatus::Scheduled => entry.scheduled += 1,
            AssignmentStatus::Expired => entry.expired += 1,
            AssignmentStatus::Active => {
                entry.active += 1;
                if assignment.effective_to.is_some_and(|to| to <= now_ms + 7 * DAY) {
                    entry.expiring_7d += 1;
                }
            }
        }
    }
    counts
}

/// Assignment statuses of one environment (see [`status_counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub active: usize,
    pub scheduled: usize,
    pub expired: usize,
    /// Active with `effective_to` in `(now, now + 7 days]`.
    pub expiring_7d: usize,
}
