//! Deterministic demo data: two tenants, `acme` (large, the one the demo admin signs in to) and
//! `globex` (small, there to make tenant isolation visible and testable).
//!
//! [`demo_data`] is a pure function of `now_ms`: the same instant gives the same rows, ids
//! included (a seeded SplitMix64 drives every choice; ids are UUID-v4-shaped strings built from
//! its output). Every date is relative to `now_ms`, so the status mix (active / scheduled /
//! expired, expiring within a week) is the same whenever the data is seeded. Rows are listed
//! parents first (a node after its parent), ready for one [`InsertBatch`] transaction.

use std::collections::{BTreeMap, HashSet};

use serde_json::json;

use crate::store::{
    Account, Admin, Application, Assignment, AuditEvent, Environment, Identity, InsertBatch, Membership, Node,
    Permission, Resource, Role, RolePermission,
};

/// The demo admin's sign-in (printed by `canopy --demo`).
pub const DEMO_ADMIN_EMAIL: &str = "admin@acme.example";
pub const DEMO_ADMIN_PASSWORD: &str = "canopy-demo";
pub const DEMO_ADMIN_NAME: &str = "Avery Admin";
/// The tenant the demo admin owns.
pub const DEMO_ACCOUNT: &str = "acme";
pub const DEMO_APPLICATION: &str = "billing";
/// The demo application's environments, in creation order.
pub const DEMO_ENVIRONMENTS: [&str; 2] = ["development", "production"];

/// The second, small tenant. Its admin has the same password; the demo admin is not a member.
pub const OTHER_ACCOUNT: &str = "globex";
pub const OTHER_ADMIN_EMAIL: &str = "admin@globex.example";
pub const OTHER_APPLICATION: &str = "portal";

/// Roles every demo environment has, in this order; only the last one is a system role.
pub const DEMO_ROLES: [&str; 4] = ["viewer", "editor", "billing-admin", "platform-admin"];
/// The system role (reserved for platform administration; never assigned).
pub const DEMO_SYSTEM_ROLE: &str = "platform-admin";

const SEED: u64 = 0xCA70_9EED_D3E0_2024;

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

// ---------------------------------------------------------------------------------------------
// What the tenants hold.
// ---------------------------------------------------------------------------------------------

/// Region → teams → projects under the org root.
type Tree = &'static [(&'static str, &'static [(&'static str, &'static [&'static str])])];

struct EnvSpec {
    slug: &'static str,
    name: &'static str,
    /// How many identities (a deterministic subset) hold assignments here.
    identity_pool: usize,
    assignments: usize,
    /// Active assignments whose `effective_to` falls within the next 7 days.
    expiring_soon: usize,
}

struct TenantSpec {
    account_slug: &'static str,
    account_name: &'static str,
    admin_email: &'static str,
    admin_name: &'static str,
    app_slug: &'static str,
    app_name: &'static str,
    email_domain: &'static str,
    /// How long ago the account was created.
    age_days: i64,
    org_name: &'static str,
    tree: Tree,
    identities: usize,
    inactive: usize,
    environments: &'static [EnvSpec],
}

const ACME_TREE: Tree = &[
    (
        "North America",
        &[
            ("Payments", &["Card Processing", "ACH Transfers", "Payment Gateway"]),
            ("Invoicing", &["Invoice Templates", "Dunning Automation", "Tax Engine"]),
            ("Risk", &["Fraud Detection", "Chargeback Review", "Dispute Analytics"]),
            ("Support", &["Customer Portal", "Billing Helpdesk", "Knowledge Base"]),
        ],
    ),
    (
        "EMEA",
        &[
            ("Payments", &["SEPA Direct Debit", "Card Processing", "Open Banking"]),
            ("Invoicing", &["E-Invoicing Compliance", "VAT Reporting", "Ledger Migration"]),
            ("Finance Ops", &["Month-End Close", "Revenue Recognition"]),
            ("Support", &["Billing Helpdesk", "Partner Onboarding"]),
        ],
    ),
    (
        "APAC",
        &[
            ("Payments", &["Wallet Integrations", "Card Processing"]),
            ("Invoicing", &["Consolidated Billing", "GST Filing"]),
            ("Finance Ops", &["Treasury", "Accounts Receivable", "Expense Audit"]),
            ("Risk", &["Credit Scoring", "Sanctions Screening"]),
            ("Support", &["Localization", "Billing Helpdesk"]),
        ],
    ),
];

const GLOBEX_TREE: Tree = &[("Americas", &[("Customer Portal", &[])]), ("Europe", &[("Partner Portal", &[])])];

const ACME: TenantSpec = TenantSpec {
    account_slug: DEMO_ACCOUNT,
    account_name: "Acme Corporation",
    admin_email: DEMO_ADMIN_EMAIL,
    admin_name: DEMO_ADMIN_NAME,
    app_slug: DEMO_APPLICATION,
    app_name: "Billing",
    email_domain: "acme.example",
    age_days: 200,
    org_name: "Acme",
    tree: ACME_TREE,
    identities: 300,
    inactive: 15,
    environments: &[
        EnvSpec { slug: "development", name: "Development", identity_pool: 100, assignments: 250, expiring_soon: 6 },
        EnvSpec { slug: "production", name: "Production", identity_pool: 300, assignments: 1000, expiring_soon: 20 },
    ],
};

const GLOBEX: TenantSpec = TenantSpec {
    account_slug: OTHER_ACCOUNT,
    account_name: "Globex Inc.",
    admin_email: OTHER_ADMIN_EMAIL,
    admin_name: "Gale Globex",
    app_slug: OTHER_APPLICATION,
    app_name: "Portal",
    email_domain: "globex.example",
    age_days: 120,
    org_name: "Globex",
    tree: GLOBEX_TREE,
    identities: 20,
    inactive: 1,
    environments: &[EnvSpec {
        slug: "production",
        name: "Production",
        identity_pool: 20,
        assignments: 40,
        expiring_soon: 2,
    }],
};

/// Resource, description, actions.
const RESOURCES: [(&str, &str, &[&str]); 4] = [
    (
        "invoices",
        "Invoices sent to customers, with their line items",
        &["create", "read", "update", "delete", "approve", "send"],
    ),
    ("customers", "Billing accounts and their contacts", &["create", "read", "update", "delete"]),
    ("reports", "Revenue, ageing and tax reports", &["read", "export", "schedule"]),
    ("payments", "Incoming payments and refunds", &["read", "refund", "capture", "void"]),
];

/// Role, description, is_system, which actions it grants.
const ROLES: [(&str, &str, bool, Grants); 4] = [
    ("viewer", "Read-only access to invoices, customers, reports and payments.", false, Grants::ReadOnly),
    ("editor", "Reads everything; creates and updates invoices and customers.", false, Grants::ReadWrite),
    ("billing-admin", "Full control of billing: approvals, refunds, exports and deletions.", false, Grants::All),
    ("platform-admin", "Reserved for platform administration; not assignable to identities.", true, Grants::All),
];

/// Relative weights of viewer, editor and billing-admin among assignments.
const ROLE_WEIGHTS: [u64; 3] = [50, 33, 17];
/// Relative weights of node depths 0..=3 among assignments.
const DEPTH_WEIGHTS: [u64; 4] = [4, 12, 34, 50];

#[derive(Clone, Copy)]
enum Grants {
    ReadOnly,
    ReadWrite,
    All,
}

impl Grants {
    fn includes(self, action: &str) -> bool {
        match self {
            Grants::ReadOnly => action == "read",
            Grants::ReadWrite => matches!(action, "read" | "create" | "update"),
            Grants::All => true,
        }
    }
}

const FIRST_NAMES: &[&str] = &[
    "Aaliyah", "Adebayo", "Agnieszka", "Aiko", "Alejandro", "Amara", "Ana", "Anders", "Anika", "Arjun", "Astrid",
    "Ayşe", "Aylin", "Bao", "Beatriz", "Bjørn", "Camila", "Chen", "Chiara", "Chinedu", "Chloe", "Dana", "Daniel",
    "Diego", "Dmitri", "Elena", "Emeka", "Emma", "Ethan", "Fatima", "Felipe", "Freya", "Gabriel", "Giulia", "Grace",
    "Hamza", "Hana", "Hannah", "Hiroshi", "Ibrahim", "Ingrid", "Isabela", "Ivan", "Jae-won", "James", "Jasmine",
    "Javier", "Ji-woo", "João", "Kai", "Kavya", "Kenji", "Kofi", "Krzysztof", "Lars", "Leila", "Lena", "Liam",
    "Luca", "Lucía", "Mai", "Malik", "Marcus", "María", "Mateo", "Matteo", "Mehmet", "Mei", "Mohammed", "Nadia",
    "Naveen", "Nia", "Nikolai", "Noah", "Nour", "Olga", "Olivia", "Oluwaseun", "Omar", "Pedro", "Priya", "Rafael",
    "Rania", "Ravi", "Rin", "Rosa", "Sakura", "Samir", "Santiago", "Sara", "Sebastián", "Siddharth", "Sofia",
    "Søren", "Tariq", "Thabo", "Thomas", "Tomás", "Valentina", "Vikram", "Wei", "Xin", "Yara", "Yasmin", "Yusuf",
    "Zainab", "Zanele", "Zoë",
];

const LAST_NAMES: &[&str] = &[
    "Abara", "Adeyemi", "Almeida", "Andersson", "Bakker", "Banerjee", "Becker", "Bianchi", "Boateng", "Brown",
    "Castillo", "Chatterjee", "Chen", "Cohen", "Costa", "Cruz", "Da Silva", "Dang", "Dubois", "Eriksen", "Fernández",
    "Fischer", "García", "Gonzalez", "Gupta", "Haas", "Haddad", "Hansen", "Hernández", "Hoang", "Horvat", "Ibrahim",
    "Ito", "Ivanova", "Jansen", "Johansson", "Jones", "Kaur", "Khan", "Kim", "Kovač", "Kowalski", "Kumar", "Larsen",
    "Lee", "Li", "Lindqvist", "Lopez", "Mahlangu", "Martin", "Mendoza", "Mensah", "Moreau", "Müller", "Murphy",
    "Nakamura", "Ndlovu", "Nguyen", "Nilsson", "Novak", "Nowak", "O'Brien", "Okafor", "Okonkwo", "Olsen", "Öztürk",
    "Park", "Patel", "Pereira", "Petrov", "Popescu", "Quispe", "Rahman", "Ramirez", "Reyes", "Rodríguez", "Rossi",
    "Said", "Santos", "Sato", "Schmidt", "Sharma", "Silva", "Singh", "Smith", "Sokolov", "Suzuki", "Takahashi",
    "Tanaka", "Taylor", "Teo", "Thompson", "Tran", "Van der Berg", "Vargas", "Volkov", "Walsh", "Wang", "Watanabe",
    "Weber", "Williams", "Wong", "Wu", "Yamamoto", "Yilmaz", "Zhang", "Zhou",
];

// ---------------------------------------------------------------------------------------------
// Generation.
// ---------------------------------------------------------------------------------------------

/// The whole demo data set as of `now_ms`, ready for [`crate::store::Store::insert_batch`].
/// `admin_password_hash` (argon2id PHC string) is used for both tenants' admins.
pub fn demo_data(now_ms: i64, admin_password_hash: &str) -> InsertBatch {
    let mut generator = Generator { rng: SplitMix64(SEED), now: now_ms, batch: InsertBatch::default() };
    generator.tenant(&ACME, admin_password_hash);
    generator.tenant(&GLOBEX, admin_password_hash);
    generator.batch
}

/// A small, fast, well-mixed PRNG (SplitMix64): enough for demo data, no dependency.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..hi` (`lo < hi`).
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo) as u64) as i64
    }

    /// True with probability `percent`/100.
    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    fn weighted(&mut self, weights: &[u64]) -> usize {
        let mut roll = self.below(weights.iter().sum());
        for (i, &w) in weights.iter().enumerate() {
            if roll < w {
                return i;
            }
            roll -= w;
        }
        weights.len() - 1
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }

    /// A UUID-v4-shaped id.
    fn id(&mut self) -> String {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
    }
}

/// The three statuses an assignment's dates can give, as the demo plans them.
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
    now: i64,
    batch: InsertBatch,
}

/// What one environment's catalogue produced, for assignment generation.
struct EnvRows {
    environment_id: String,
    /// Node ids grouped by depth.
    nodes_by_depth: Vec<Vec<String>>,
    /// Assignable role ids (the system role left out), in [`ROLE_WEIGHTS`] order.
    assignable_roles: Vec<String>,
    created_at: i64,
}

impl Generator {
    fn tenant(&mut self, spec: &TenantSpec, password_hash: &str) {
        let now = self.now;
        let account_created = now - spec.age_days * DAY;
        let account = Account {
            id: self.rng.id(),
            slug: spec.account_slug.to_owned(),
            name: spec.account_name.to_owned(),
            created_at: account_created,
        };
        let admin = Admin {
            id: self.rng.id(),
            email: spec.admin_email.to_owned(),
            email_normalized: spec.admin_email.to_lowercase(),
            name: spec.admin_name.to_owned(),
            password_hash: password_hash.to_owned(),
            created_at: account_created,
        };
        let membership = Membership {
            account_id: account.id.clone(),
            admin_id: admin.id.clone(),
            role: "owner".to_owned(),
            created_at: account_created,
        };
        let application = Application {
            id: self.rng.id(),
            account_id: account.id.clone(),
            slug: spec.app_slug.to_owned(),
            name: spec.app_name.to_owned(),
            created_at: account_created + HOUR,
        };

        let identities_start = self.batch.identities.len();
        let identity_ids = self.identities(spec, &application.id, account_created + 10 * DAY);
        let identity_created: Vec<i64> =
            self.batch.identities[identities_start..].iter().map(|identity| identity.created_at).collect();

        let nodes_start = self.batch.nodes.len();
        let assignments_start = self.batch.assignments.len();
        let mut environments = Vec::new();
        for (index, env_spec) in spec.environments.iter().enumerate() {
            let environment = Environment {
                id: self.rng.id(),
                application_id: application.id.clone(),
                slug: env_spec.slug.to_owned(),
                name: env_spec.name.to_owned(),
                created_at: application.created_at + (index as i64 + 1) * DAY,
            };
            let rows = self.catalogue(spec, &environment);
            self.assignments(env_spec, &rows, &identity_ids, &identity_created);
            environments.push(environment);
        }

        let summary = json!({
            "applications": 1,
            "environments": environments.len(),
            "nodes": self.batch.nodes.len() - nodes_start,
            "identities": identity_ids.len(),
            "resources": RESOURCES.len() * environments.len(),
            "permissions": RESOURCES.iter().map(|(_, _, actions)| actions.len()).sum::<usize>() * environments.len(),
            "roles": ROLES.len() * environments.len(),
            "assignments": self.batch.assignments.len() - assignments_start,
        });
        let audit = AuditEvent {
            id: self.rng.id(),
            account_id: account.id.clone(),
            environment_id: None,
            actor_type: "system".to_owned(),
            actor_id: None,
            action: "demo.seed".to_owned(),
            target_type: "account".to_owned(),
            target_id: Some(account.id.clone()),
            before: None,
            after: Some(summary),
            request_id: None,
            created_at: now,
        };

        self.batch.accounts.push(account);
        self.batch.admins.push(admin);
        self.batch.memberships.push(membership);
        self.batch.applications.push(application);
        self.batch.environments.extend(environments);
        self.batch.audit_events.push(audit);
    }

    /// The application's identities; returns their ids in order.
    fn identities(&mut self, spec: &TenantSpec, application_id: &str, earliest: i64) -> Vec<String> {
        let now = self.now;
        let mut taken: HashSet<String> = HashSet::new();
        let mut inactive: Vec<bool> = (0..spec.identities).map(|i| i < spec.inactive).collect();
        self.rng.shuffle(&mut inactive);

        let mut ids = Vec::with_capacity(spec.identities);
        for is_inactive in inactive {
            let first = FIRST_NAMES[self.rng.index(FIRST_NAMES.len())];
            let last = LAST_NAMES[self.rng.index(LAST_NAMES.len())];
            let base = format!("{}.{}", email_part(first), email_part(last));
            let mut local = base.clone();
            let mut n = 2;
            while taken.contains(&format!("{local}@{}", spec.email_domain)) {
                local = format!("{base}{n}");
                n += 1;
            }
            let email = format!("{local}@{}", spec.email_domain);
            taken.insert(email.clone());

            let created_at = self.rng.between(earliest, now - 20 * DAY);
            let updated_at =
                if is_inactive || self.rng.percent(25) { self.rng.between(created_at, now - HOUR) } else { created_at };
            let id = self.rng.id();
            ids.push(id.clone());
            self.batch.identities.push(Identity {
                id,
                application_id: application_id.to_owned(),
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                name: format!("{first} {last}"),
                email_normalized: email.to_lowercase(),
                email,
                avatar_url: None,
                status: if is_inactive { "inactive" } else { "active" }.to_owned(),
                created_at,
                updated_at,
            });
        }
        ids
    }

    /// Nodes, resources, permissions, roles and role permissions of one environment.
    fn catalogue(&mut self, spec: &TenantSpec, environment: &Environment) -> EnvRows {
        let env_id = &environment.id;
        let mut clock = environment.created_at + 5 * MINUTE;
        let mut nodes_by_depth: Vec<Vec<String>> = vec![Vec::new(); 4];

        let root = self.node(env_id, None, spec.org_name, "org", &mut clock);
        nodes_by_depth[0].push(root.id.clone());
        self.batch.nodes.push(root.clone());
        for (region_name, teams) in spec.tree {
            let region = self.node(env_id, Some(&root), region_name, "region", &mut clock);
            nodes_by_depth[1].push(region.id.clone());
            self.batch.nodes.push(region.clone());
            for (team_name, projects) in *teams {
                let team = self.node(env_id, Some(&region), team_name, "team", &mut clock);
                nodes_by_depth[2].push(team.id.clone());
                self.batch.nodes.push(team.clone());
                for project_name in *projects {
                    let project = self.node(env_id, Some(&team), project_name, "project", &mut clock);
                    nodes_by_depth[3].push(project.id.clone());
                    self.batch.nodes.push(project);
                }
            }
        }
        nodes_by_depth.retain(|ids| !ids.is_empty());

        let mut permissions: Vec<(String, &'static str)> = Vec::new();
        for (name, description, actions) in RESOURCES {
            let created_at = clock;
            clock += MINUTE;
            let resource = Resource {
                id: self.rng.id(),
                environment_id: env_id.clone(),
                name: name.to_owned(),
                description: Some(description.to_owned()),
                created_at,
            };
            for action in actions {
                let permission = Permission {
                    id: self.rng.id(),
                    environment_id: env_id.clone(),
                    resource_id: resource.id.clone(),
                    action: (*action).to_owned(),
                    key: format!("{name}.{action}"),
                    created_at,
                };
                permissions.push((permission.id.clone(), action));
                self.batch.permissions.push(permission);
            }
            self.batch.resources.push(resource);
        }

        let mut assignable_roles = Vec::new();
        for (name, description, is_system, grants) in ROLES {
            let created_at = clock;
            clock += MINUTE;
            let updated_at =
                if self.rng.percent(50) { self.rng.between(created_at, self.now - DAY) } else { created_at };
            let role = Role {
                id: self.rng.id(),
                environment_id: env_id.clone(),
                name: name.to_owned(),
                description: Some(description.to_owned()),
                is_system,
                created_at,
                updated_at,
            };
            for (permission_id, action) in &permissions {
                if grants.includes(action) {
                    self.batch
                        .role_permissions
                        .push(RolePermission { role_id: role.id.clone(), permission_id: permission_id.clone() });
                }
            }
            if !is_system {
                assignable_roles.push(role.id.clone());
            }
            self.batch.roles.push(role);
        }

        EnvRows { environment_id: env_id.clone(), nodes_by_depth, assignable_roles, created_at: clock }
    }

    fn node(&mut self, environment_id: &str, parent: Option<&Node>, name: &str, kind: &str, clock: &mut i64) -> Node {
        let id = self.rng.id();
        let created_at = *clock;
        *clock += MINUTE;
        let updated_at = if self.rng.percent(20) { self.rng.between(created_at, self.now - DAY) } else { created_at };
        let (id_path, path, depth) = match parent {
            Some(parent) => (format!("{}{id}/", parent.id_path), format!("{} / {name}", parent.path), parent.depth + 1),
            None => (format!("/{id}/"), name.to_owned(), 0),
        };
        Node {
            id,
            environment_id: environment_id.to_owned(),
            parent_id: parent.map(|p| p.id.clone()),
            name: name.to_owned(),
            kind: kind.to_owned(),
            id_path,
            path,
            depth,
            created_at,
            updated_at,
        }
    }

    fn assignments(&mut self, spec: &EnvSpec, rows: &EnvRows, identity_ids: &[String], identity_created: &[i64]) {
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

        let mut pool: Vec<usize> = (0..identity_ids.len()).collect();
        self.rng.shuffle(&mut pool);
        pool.truncate(spec.identity_pool.min(identity_ids.len()));
        pool.sort_unstable();

        let depth_weights = &DEPTH_WEIGHTS[..rows.nodes_by_depth.len()];
        let mut seen: HashSet<(usize, String, usize)> = HashSet::new();
        for plan in plans {
            let (identity, node_id, role) = loop {
                let identity = pool[self.rng.index(pool.len())];
                let depth = self.rng.weighted(depth_weights);
                let nodes = &rows.nodes_by_depth[depth];
                let node_id = nodes[self.rng.index(nodes.len())].clone();
                let role = self.rng.weighted(&ROLE_WEIGHTS);
                if seen.insert((identity, node_id.clone(), role)) {
                    break (identity, node_id, role);
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

            self.batch.assignments.push(Assignment {
                id: self.rng.id(),
                environment_id: rows.environment_id.clone(),
                identity_id: identity_ids[identity].clone(),
                node_id,
                role_id: rows.assignable_roles[role].clone(),
                effective_from,
                effective_to,
                created_at,
                updated_at,
            });
        }
    }
}

/// The ASCII form of a name for an email's local part: accents folded, spaces and punctuation
/// dropped (`Søren` → `soren`, `O'Brien` → `obrien`, `Da Silva` → `dasilva`).
fn email_part(name: &str) -> String {
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

/// Counts of assignments per status at `now_ms` (scheduled, expired, active), by environment id.
/// Uses the contract's rule: scheduled when `effective_from > now`, expired when
/// `effective_to <= now`, otherwise active.
pub fn status_counts(batch: &InsertBatch, now_ms: i64) -> BTreeMap<String, StatusCounts> {
    let mut counts: BTreeMap<String, StatusCounts> = BTreeMap::new();
    for assignment in &batch.assignments {
        let entry = counts.entry(assignment.environment_id.clone()).or_default();
        if assignment.effective_from.is_some_and(|from| from > now_ms) {
            entry.scheduled += 1;
        } else if assignment.effective_to.is_some_and(|to| to <= now_ms) {
            entry.expired += 1;
        } else {
            entry.active += 1;
            if assignment.effective_to.is_some_and(|to| to <= now_ms + 7 * DAY) {
                entry.expiring_7d += 1;
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// 2025-06-01T12:00:00Z.
    const NOW: i64 = 1_748_779_200_000;
    const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";

    fn data() -> InsertBatch {
        demo_data(NOW, HASH)
    }

    fn account<'a>(batch: &'a InsertBatch, slug: &str) -> &'a Account {
        batch.accounts.iter().find(|a| a.slug == slug).expect("account")
    }

    fn application<'a>(batch: &'a InsertBatch, account_slug: &str) -> &'a Application {
        let account = account(batch, account_slug);
        batch.applications.iter().find(|a| a.account_id == account.id).expect("application")
    }

    fn environment<'a>(batch: &'a InsertBatch, account_slug: &str, slug: &str) -> &'a Environment {
        let app = application(batch, account_slug);
        batch.environments.iter().find(|e| e.application_id == app.id && e.slug == slug).expect("environment")
    }

    fn in_env<'a, T>(rows: &'a [T], env: &Environment, env_of: impl Fn(&T) -> &str) -> Vec<&'a T> {
        rows.iter().filter(|row| env_of(row) == env.id).collect()
    }

    #[test]
    fn the_same_instant_gives_identical_data() {
        let (a, b) = (data(), data());
        assert_eq!(a.accounts, b.accounts);
        assert_eq!(a.admins, b.admins);
        assert_eq!(a.memberships, b.memberships);
        assert_eq!(a.applications, b.applications);
        assert_eq!(a.environments, b.environments);
        assert_eq!(a.nodes, b.nodes);
        assert_eq!(a.identities, b.identities);
        assert_eq!(a.resources, b.resources);
        assert_eq!(a.permissions, b.permissions);
        assert_eq!(a.roles, b.roles);
        assert_eq!(a.role_permissions, b.role_permissions);
        assert_eq!(a.assignments, b.assignments);
        assert_eq!(a.api_keys, b.api_keys);
        assert_eq!(a.audit_events, b.audit_events);
    }

    #[test]
    fn another_instant_shifts_every_date_but_keeps_the_shape_and_status_mix() {
        let later = NOW + 37 * DAY + 5 * HOUR + 123;
        let (a, b) = (data(), demo_data(later, HASH));
        assert_eq!(a.assignments.len(), b.assignments.len());
        for (x, y) in a.assignments.iter().zip(&b.assignments) {
            assert_eq!(x.created_at + (later - NOW), y.created_at);
            assert_eq!(x.effective_from.map(|t| t + (later - NOW)), y.effective_from);
            assert_eq!(x.effective_to.map(|t| t + (later - NOW)), y.effective_to);
        }
        let statuses = |batch: &InsertBatch, now| status_counts(batch, now).into_values().collect::<Vec<_>>();
        let (sa, sb) = (status_counts(&a, NOW), status_counts(&b, later));
        assert_eq!(sa.len(), 3);
        // Environment ids are the same too (the seed is fixed), so the maps compare directly.
        assert_eq!(sa, sb);
        assert_eq!(statuses(&a, NOW), statuses(&b, later));
    }

    #[test]
    fn ids_are_unique_uuid_v4_strings() {
        let batch = data();
        let mut ids: Vec<&str> = Vec::new();
        ids.extend(batch.accounts.iter().map(|r| r.id.as_str()));
        ids.extend(batch.admins.iter().map(|r| r.id.as_str()));
        ids.extend(batch.applications.iter().map(|r| r.id.as_str()));
        ids.extend(batch.environments.iter().map(|r| r.id.as_str()));
        ids.extend(batch.nodes.iter().map(|r| r.id.as_str()));
        ids.extend(batch.identities.iter().map(|r| r.id.as_str()));
        ids.extend(batch.resources.iter().map(|r| r.id.as_str()));
        ids.extend(batch.permissions.iter().map(|r| r.id.as_str()));
        ids.extend(batch.roles.iter().map(|r| r.id.as_str()));
        ids.extend(batch.assignments.iter().map(|r| r.id.as_str()));
        ids.extend(batch.audit_events.iter().map(|r| r.id.as_str()));
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(unique.len(), ids.len());
        for id in ids {
            let parsed = uuid::Uuid::parse_str(id).expect("uuid");
            assert_eq!(parsed.get_version_num(), 4, "{id}");
            assert_eq!(parsed.to_string(), id, "lowercase hyphenated form");
        }
    }

    #[test]
    fn tenants_admins_and_memberships_are_as_documented() {
        let batch = data();
        let slugs: Vec<&str> = batch.accounts.iter().map(|a| a.slug.as_str()).collect();
        assert_eq!(slugs, ["acme", "globex"]);
        assert_eq!(account(&batch, "acme").name, "Acme Corporation");
        assert_eq!(account(&batch, "globex").name, "Globex Inc.");

        let acme_admin = batch.admins.iter().find(|a| a.email == DEMO_ADMIN_EMAIL).expect("demo admin");
        assert_eq!(acme_admin.email_normalized, "admin@acme.example");
        assert_eq!(acme_admin.name, DEMO_ADMIN_NAME);
        assert_eq!(acme_admin.password_hash, HASH);
        let globex_admin = batch.admins.iter().find(|a| a.email == OTHER_ADMIN_EMAIL).expect("globex admin");
        assert_eq!(globex_admin.password_hash, HASH);
        assert_eq!(batch.admins.len(), 2);

        let memberships: Vec<(&str, &str, &str)> = batch
            .memberships
            .iter()
            .map(|m| {
                let account = batch.accounts.iter().find(|a| a.id == m.account_id).unwrap();
                let admin = batch.admins.iter().find(|a| a.id == m.admin_id).unwrap();
                (account.slug.as_str(), admin.email.as_str(), m.role.as_str())
            })
            .collect();
        assert_eq!(memberships, [("acme", DEMO_ADMIN_EMAIL, "owner"), ("globex", OTHER_ADMIN_EMAIL, "owner")]);
    }

    #[test]
    fn billing_has_development_created_before_production_and_portal_has_production() {
        let batch = data();
        let billing = application(&batch, "acme");
        assert_eq!((billing.slug.as_str(), billing.name.as_str()), ("billing", "Billing"));
        let portal = application(&batch, "globex");
        assert_eq!(portal.slug, "portal");

        let development = environment(&batch, "acme", "development");
        let production = environment(&batch, "acme", "production");
        assert!(development.created_at < production.created_at);
        assert_eq!(environment(&batch, "globex", "production").application_id, portal.id);
        assert_eq!(batch.environments.len(), 3);
        for env in &batch.environments {
            let app = batch.applications.iter().find(|a| a.id == env.application_id).unwrap();
            assert!(app.created_at < env.created_at && env.created_at < NOW);
        }
    }

    #[test]
    fn node_trees_have_four_levels_with_consistent_paths() {
        let batch = data();
        let by_id: HashMap<&str, &Node> = batch.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
        for (slug, env_slug) in [("acme", "development"), ("acme", "production"), ("globex", "production")] {
            let env = environment(&batch, slug, env_slug);
            let nodes = in_env(&batch.nodes, env, |n| &n.environment_id);
            let roots: Vec<_> = nodes.iter().filter(|n| n.parent_id.is_none()).collect();
            assert_eq!(roots.len(), 1, "{slug}/{env_slug} has one root");
            assert_eq!(roots[0].kind, "org");
            if slug == "acme" {
                assert!((45..=60).contains(&nodes.len()), "{} nodes", nodes.len());
                let depths: HashSet<i32> = nodes.iter().map(|n| n.depth).collect();
                assert_eq!(depths, HashSet::from([0, 1, 2, 3]));
                assert_eq!(roots[0].path, "Acme");
                let regions: Vec<&str> = nodes.iter().filter(|n| n.depth == 1).map(|n| n.name.as_str()).collect();
                assert_eq!(regions, ["North America", "EMEA", "APAC"]);
            } else {
                assert_eq!(nodes.len(), 5);
            }

            let mut seen: HashSet<&str> = HashSet::new();
            for node in &nodes {
                let expected_kind = ["org", "region", "team", "project"][node.depth as usize];
                assert_eq!(node.kind, expected_kind, "{}", node.path);
                assert!(node.updated_at >= node.created_at && node.updated_at <= NOW);
                match &node.parent_id {
                    None => {
                        assert_eq!(node.depth, 0);
                        assert_eq!(node.id_path, format!("/{}/", node.id));
                        assert_eq!(node.path, node.name);
                    }
                    Some(parent_id) => {
                        let parent = by_id.get(parent_id.as_str()).expect("parent exists");
                        assert_eq!(parent.environment_id, node.environment_id, "parent in the same environment");
                        assert!(seen.contains(parent.id.as_str()), "parent listed before child");
                        assert_eq!(node.depth, parent.depth + 1);
                        assert_eq!(node.id_path, format!("{}{}/", parent.id_path, node.id));
                        assert_eq!(node.path, format!("{} / {}", parent.path, node.name));
                        assert!(node.created_at > parent.created_at);
                    }
                }
                assert_eq!(node.id_path.trim_matches('/').split('/').count(), node.depth as usize + 1);
                seen.insert(node.id.as_str());
            }
        }
        assert!(batch.nodes.iter().any(|n| n.path == "Acme / EMEA / Payments / SEPA Direct Debit"));
    }

    #[test]
    fn counts_fall_in_the_stated_ranges() {
        let batch = data();
        let billing = application(&batch, "acme");
        let portal = application(&batch, "globex");
        let count_identities =
            |app: &Application| batch.identities.iter().filter(|i| i.application_id == app.id).count();
        assert_eq!(count_identities(billing), 300);
        assert_eq!(count_identities(portal), 20);
        let inactive =
            batch.identities.iter().filter(|i| i.application_id == billing.id && i.status == "inactive").count();
        assert_eq!(inactive, 15);
        assert!(batch.identities.iter().all(|i| i.status == "active" || i.status == "inactive"));

        let assignments_in = |slug, env_slug| {
            let env = environment(&batch, slug, env_slug);
            batch.assignments.iter().filter(|a| a.environment_id == env.id).count()
        };
        assert_eq!(assignments_in("acme", "production"), 1000);
        assert_eq!(assignments_in("acme", "development"), 250);
        assert_eq!(assignments_in("globex", "production"), 40);

        for env in &batch.environments {
            assert_eq!(in_env(&batch.resources, env, |r| &r.environment_id).len(), 4);
            assert_eq!(in_env(&batch.permissions, env, |p| &p.environment_id).len(), 17);
            assert_eq!(in_env(&batch.roles, env, |r| &r.environment_id).len(), 4);
        }
        assert!(batch.api_keys.is_empty());
    }

    #[test]
    fn permissions_are_keyed_resource_dot_action_and_unique_per_environment() {
        let batch = data();
        for env in &batch.environments {
            let resources = in_env(&batch.resources, env, |r| &r.environment_id);
            let names: Vec<&str> = resources.iter().map(|r| r.name.as_str()).collect();
            assert_eq!(names, ["invoices", "customers", "reports", "payments"]);
            let mut keys = HashSet::new();
            for permission in in_env(&batch.permissions, env, |p| &p.environment_id) {
                let resource = resources.iter().find(|r| r.id == permission.resource_id).expect("same-env resource");
                assert_eq!(permission.key, format!("{}.{}", resource.name, permission.action));
                assert!(keys.insert(permission.key.clone()), "duplicate {}", permission.key);
            }
            for key in ["invoices.approve", "customers.delete", "reports.export", "payments.refund", "payments.void"] {
                assert!(keys.contains(key), "{key}");
            }
        }
    }

    #[test]
    fn roles_grant_what_their_names_say() {
        let batch = data();
        let env = environment(&batch, "acme", "production");
        let keys_of = |role_name: &str| -> HashSet<String> {
            let role = batch.roles.iter().find(|r| r.environment_id == env.id && r.name == role_name).unwrap();
            batch
                .role_permissions
                .iter()
                .filter(|rp| rp.role_id == role.id)
                .map(|rp| batch.permissions.iter().find(|p| p.id == rp.permission_id).unwrap())
                .inspect(|p| assert_eq!(p.environment_id, env.id))
                .map(|p| p.key.clone())
                .collect()
        };
        let all: HashSet<String> =
            batch.permissions.iter().filter(|p| p.environment_id == env.id).map(|p| p.key.clone()).collect();
        assert_eq!(
            keys_of("viewer"),
            HashSet::from(["invoices.read", "customers.read", "reports.read", "payments.read"].map(String::from))
        );
        let editor = keys_of("editor");
        assert_eq!(editor.len(), 8);
        assert!(editor.contains("invoices.create") && editor.contains("customers.update"));
        assert!(!editor.contains("invoices.delete") && !editor.contains("payments.refund"));
        assert_eq!(keys_of("billing-admin"), all);
        assert_eq!(keys_of("platform-admin"), all);

        for role in &batch.roles {
            assert_eq!(role.is_system, role.name == DEMO_SYSTEM_ROLE, "{}", role.name);
            assert!(role.description.as_deref().is_some_and(|d| !d.is_empty()));
            assert!(role.updated_at >= role.created_at);
        }
    }

    #[test]
    fn assignments_reference_rows_of_their_own_environment_and_application() {
        let batch = data();
        let nodes: HashMap<&str, &Node> = batch.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
        let roles: HashMap<&str, &Role> = batch.roles.iter().map(|r| (r.id.as_str(), r)).collect();
        let identities: HashMap<&str, &Identity> = batch.identities.iter().map(|i| (i.id.as_str(), i)).collect();
        let envs: HashMap<&str, &Environment> = batch.environments.iter().map(|e| (e.id.as_str(), e)).collect();
        for a in &batch.assignments {
            let env = envs[a.environment_id.as_str()];
            assert_eq!(nodes[a.node_id.as_str()].environment_id, env.id);
            assert_eq!(roles[a.role_id.as_str()].environment_id, env.id);
            let identity = identities[a.identity_id.as_str()];
            assert_eq!(identity.application_id, env.application_id);
            assert!(a.created_at >= identity.created_at, "assignment made after its identity");
        }
    }

    #[test]
    fn the_system_role_is_never_assigned() {
        let batch = data();
        let system: HashSet<&str> = batch.roles.iter().filter(|r| r.is_system).map(|r| r.id.as_str()).collect();
        assert_eq!(system.len(), 3, "one system role per environment");
        assert!(batch.assignments.iter().all(|a| !system.contains(a.role_id.as_str())));
        let used: HashSet<&str> = batch.assignments.iter().map(|a| a.role_id.as_str()).collect();
        assert_eq!(used.len(), 9, "viewer, editor and billing-admin are all used in every environment");
    }

    #[test]
    fn no_identity_holds_the_same_role_twice_at_one_node() {
        let batch = data();
        let mut triples = HashSet::new();
        for a in &batch.assignments {
            assert!(triples.insert((&a.identity_id, &a.node_id, &a.role_id)), "duplicate {a:?}");
        }
    }

    #[test]
    fn identity_emails_are_unique_case_insensitively_per_application_and_well_formed() {
        let batch = data();
        let mut emails: HashSet<(String, String)> = HashSet::new();
        let mut disambiguated = 0;
        for identity in &batch.identities {
            assert_eq!(identity.email_normalized, identity.email.to_lowercase());
            assert!(
                emails.insert((identity.application_id.clone(), identity.email.to_lowercase())),
                "duplicate {}",
                identity.email
            );
            assert!(app::dto::validation::EmailAddress::parse(&identity.email).is_ok(), "{}", identity.email);
            assert!(identity.email.is_ascii());
            assert_eq!(identity.name, format!("{} {}", identity.first_name, identity.last_name));
            assert!(identity.avatar_url.is_none());
            assert!(identity.created_at <= identity.updated_at && identity.updated_at <= NOW);
            let (local, domain) = identity.email.split_once('@').unwrap();
            let expected_domain = if identity.application_id == application(&batch, "acme").id {
                "acme.example"
            } else {
                "globex.example"
            };
            assert_eq!(domain, expected_domain);
            let base = format!("{}.{}", email_part(&identity.first_name), email_part(&identity.last_name));
            if local != base {
                disambiguated += 1;
                assert!(local.strip_prefix(&base).is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n >= 2)), "{local}");
            }
        }
        assert!(disambiguated >= 1, "name collisions get a digit");
        let first_names: HashSet<&str> = batch.identities.iter().map(|i| i.first_name.as_str()).collect();
        let last_names: HashSet<&str> = batch.identities.iter().map(|i| i.last_name.as_str()).collect();
        assert!(first_names.len() >= 80 && last_names.len() >= 80, "names are varied");
    }

    #[test]
    fn email_parts_are_folded_to_ascii() {
        assert_eq!(email_part("Søren"), "soren");
        assert_eq!(email_part("O'Brien"), "obrien");
        assert_eq!(email_part("Van der Berg"), "vanderberg");
        assert_eq!(email_part("Jae-won"), "jaewon");
        assert_eq!(email_part("Öztürk"), "ozturk");
        assert_eq!(email_part("Ayşe"), "ayse");
        for name in FIRST_NAMES.iter().chain(LAST_NAMES) {
            let part = email_part(name);
            assert!(!part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase()), "{name} → {part}");
        }
    }

    #[test]
    fn status_mix_is_mostly_active_with_scheduled_and_expired() {
        let batch = data();
        let counts = status_counts(&batch, NOW);
        let of = |slug, env_slug| counts[&environment(&batch, slug, env_slug).id];

        let production = of("acme", "production");
        assert_eq!(production, StatusCounts { active: 750, scheduled: 120, expired: 130, expiring_7d: 20 });
        let development = of("acme", "development");
        assert_eq!(development, StatusCounts { active: 187, scheduled: 30, expired: 33, expiring_7d: 6 });
        let globex = of("globex", "production");
        assert_eq!(globex, StatusCounts { active: 30, scheduled: 5, expired: 5, expiring_7d: 2 });

        for c in [production, development, globex] {
            let total = (c.active + c.scheduled + c.expired) as f64;
            assert!((0.70..=0.80).contains(&(c.active as f64 / total)));
            assert!((0.09..=0.15).contains(&(c.scheduled as f64 / total)));
            assert!((0.10..=0.16).contains(&(c.expired as f64 / total)));
        }
    }

    #[test]
    fn at_least_ten_active_assignments_expire_within_seven_days() {
        let batch = data();
        let env = environment(&batch, "acme", "production");
        let expiring = batch
            .assignments
            .iter()
            .filter(|a| a.environment_id == env.id)
            .filter(|a| a.effective_from.is_none_or(|from| from <= NOW))
            .filter(|a| a.effective_to.is_some_and(|to| to > NOW && to <= NOW + 7 * DAY))
            .count();
        assert!(expiring >= 10, "{expiring}");
        // Still within the week an hour later (tests read stats at a later `now`).
        assert_eq!(status_counts(&batch, NOW + HOUR)[&env.id].expiring_7d, expiring);
    }

    #[test]
    fn dates_are_ordered_and_relative_to_now() {
        let batch = data();
        for a in &batch.assignments {
            assert!(a.created_at <= a.updated_at && a.updated_at <= NOW, "{a:?}");
            assert!(a.created_at >= NOW - 200 * DAY, "{a:?}");
            if let (Some(from), Some(to)) = (a.effective_from, a.effective_to) {
                assert!(to > from, "{a:?}");
            }
            if let Some(from) = a.effective_from.filter(|&from| from > NOW) {
                assert!((NOW + DAY..=NOW + 60 * DAY).contains(&from), "scheduled 1–60 days ahead: {a:?}");
            }
        }
        let env = environment(&batch, "acme", "production");
        let created: Vec<i64> =
            batch.assignments.iter().filter(|a| a.environment_id == env.id).map(|a| a.created_at).collect();
        let oldest = created.iter().min().unwrap();
        assert!(*oldest < NOW - 120 * DAY, "spread over months, oldest {} days ago", (NOW - oldest) / DAY);
        assert!(created.iter().filter(|&&c| c > NOW - 30 * DAY).count() > 50, "and recent ones");
        assert!(batch.accounts.iter().all(|a| a.created_at < NOW));
        assert!(batch.audit_events.iter().all(|e| e.created_at == NOW));
    }

    #[test]
    fn assignments_spread_across_depths_and_roles() {
        let batch = data();
        let env = environment(&batch, "acme", "production");
        let nodes: HashMap<&str, &Node> = batch.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
        let roles: HashMap<&str, &Role> = batch.roles.iter().map(|r| (r.id.as_str(), r)).collect();
        let mut by_depth = [0usize; 4];
        let mut by_role: HashMap<&str, usize> = HashMap::new();
        let mut holders = HashSet::new();
        for a in batch.assignments.iter().filter(|a| a.environment_id == env.id) {
            by_depth[nodes[a.node_id.as_str()].depth as usize] += 1;
            *by_role.entry(roles[a.role_id.as_str()].name.as_str()).or_default() += 1;
            holders.insert(&a.identity_id);
        }
        assert!(by_depth.iter().all(|&n| n >= 20), "{by_depth:?}");
        assert!(by_depth[3] > by_depth[2] && by_depth[2] > by_depth[1] && by_depth[1] > by_depth[0], "{by_depth:?}");
        for role in ["viewer", "editor", "billing-admin"] {
            assert!(by_role.get(role).copied().unwrap_or(0) >= 100, "{by_role:?}");
        }
        assert!(holders.len() >= 250, "most identities hold something: {}", holders.len());
    }

    #[test]
    fn globex_is_isolated_with_its_own_ids() {
        let batch = data();
        let acme = account(&batch, "acme");
        let globex = account(&batch, "globex");
        assert_ne!(acme.id, globex.id);
        let acme_admin = batch.admins.iter().find(|a| a.email == DEMO_ADMIN_EMAIL).unwrap();
        assert!(!batch.memberships.iter().any(|m| m.account_id == globex.id && m.admin_id == acme_admin.id));
        assert!(batch.memberships.iter().filter(|m| m.admin_id == acme_admin.id).all(|m| m.account_id == acme.id));

        let portal = application(&batch, "globex");
        let billing = application(&batch, "acme");
        let globex_env = environment(&batch, "globex", "production");
        let acme_env_ids: HashSet<&str> =
            batch.environments.iter().filter(|e| e.application_id == billing.id).map(|e| e.id.as_str()).collect();
        assert_eq!(acme_env_ids.len(), 2);
        assert!(!acme_env_ids.contains(globex_env.id.as_str()));

        let globex_nodes: HashSet<&str> =
            batch.nodes.iter().filter(|n| n.environment_id == globex_env.id).map(|n| n.id.as_str()).collect();
        let globex_identities: HashSet<&str> =
            batch.identities.iter().filter(|i| i.application_id == portal.id).map(|i| i.id.as_str()).collect();
        for a in &batch.assignments {
            let in_globex = a.environment_id == globex_env.id;
            assert_eq!(globex_nodes.contains(a.node_id.as_str()), in_globex);
            assert_eq!(globex_identities.contains(a.identity_id.as_str()), in_globex);
        }
        let portal_identities = batch.identities.iter().filter(|i| i.application_id == portal.id);
        assert!(portal_identities.clone().all(|i| i.email.ends_with("@globex.example")));
        assert_eq!(portal_identities.count(), 20);
        let globex_roles: Vec<&str> =
            batch.roles.iter().filter(|r| r.environment_id == globex_env.id).map(|r| r.name.as_str()).collect();
        assert_eq!(globex_roles, DEMO_ROLES);
    }

    #[test]
    fn each_account_gets_one_seed_audit_event_summarising_its_counts() {
        let batch = data();
        assert_eq!(batch.audit_events.len(), 2);
        for (slug, nodes, identities, assignments, environments) in
            [("acme", 100, 300, 1250, 2), ("globex", 5, 20, 40, 1)]
        {
            let account = account(&batch, slug);
            let events: Vec<_> = batch.audit_events.iter().filter(|e| e.account_id == account.id).collect();
            assert_eq!(events.len(), 1);
            let event = events[0];
            assert_eq!(event.action, "demo.seed");
            assert_eq!(event.actor_type, "system");
            assert_eq!(event.actor_id, None);
            assert_eq!(event.target_type, "account");
            assert_eq!(event.target_id.as_deref(), Some(account.id.as_str()));
            assert_eq!(event.environment_id, None);
            let after = event.after.as_ref().unwrap();
            assert_eq!(after["nodes"], nodes);
            assert_eq!(after["identities"], identities);
            assert_eq!(after["assignments"], assignments);
            assert_eq!(after["environments"], environments);
            assert_eq!(after["roles"], 4 * environments);
        }
    }
}
