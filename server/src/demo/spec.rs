//! What a dataset is: tenants (an account, its admin, one application with its identities, and
//! environments each with a node tree and assignments), the catalogue every environment gets
//! (resources, permissions, roles), the names identities are drawn from, and a seed. The demo's
//! two tenants are [`demo`]; the benchmarks ask for one tenant of a given size with [`bench`].
//! [`super::generator`] turns a spec into rows.

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

/// Roles every generated environment has, in this order; only the last one is a system role.
pub const DEMO_ROLES: [&str; 4] = ["viewer", "editor", "billing-admin", "platform-admin"];
/// The system role (reserved for platform administration; never assigned).
pub const DEMO_SYSTEM_ROLE: &str = "platform-admin";

/// The benchmarks' tenant: account, application and environment slugs.
pub const BENCH_ACCOUNT: &str = "bench";
pub const BENCH_APPLICATION: &str = "app";
pub const BENCH_ENVIRONMENT: &str = "production";

const DEMO_SEED: u64 = 0xCA70_9EED_D3E0_2024;
const BENCH_SEED: u64 = 0xBE4C_A551_6E00_2026;

/// A whole dataset: what [`super::generator::generate`] builds.
pub struct DatasetSpec {
    /// Seeds the one random sequence every choice is drawn from.
    pub seed: u64,
    pub ids: IdStyle,
    pub tenants: Vec<TenantSpec>,
}

/// How rows are identified, and in which order assignments come out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdStyle {
    /// UUID-v4-shaped ids; rows in the order they were drawn (the demo).
    Random,
    /// UUIDv7 of each row's `created_at`, as the server makes them, and each environment's
    /// assignments in creation order, as the server would have written them (the benchmarks:
    /// indexes and table order look like production's).
    TimeOrdered,
}

pub struct TenantSpec {
    pub account_slug: &'static str,
    pub account_name: &'static str,
    /// The account's owner; `None` leaves the account without admins.
    pub admin: Option<AdminSpec>,
    pub app_slug: &'static str,
    pub app_name: &'static str,
    pub email_domain: &'static str,
    /// How long ago the account was created.
    pub age_days: i64,
    /// The name of every environment's root node.
    pub org_name: &'static str,
    pub tree: NodeTree,
    pub identities: usize,
    /// How many of the identities are inactive (a deterministic, shuffled subset).
    pub inactive: usize,
    /// In creation order.
    pub environments: Vec<EnvSpec>,
}

pub struct AdminSpec {
    pub email: &'static str,
    pub name: &'static str,
}

pub struct EnvSpec {
    pub slug: &'static str,
    pub name: &'static str,
    /// How many identities (a deterministic subset) hold assignments here.
    pub identity_pool: usize,
    pub assignments: usize,
    /// Active assignments whose `effective_to` falls within the next 7 days.
    pub expiring_soon: usize,
}

/// Region → teams → projects under the org root.
pub type Tree = &'static [(&'static str, &'static [(&'static str, &'static [&'static str])])];

/// Every environment's node tree: org → region → team → project.
#[derive(Clone, Copy)]
pub enum NodeTree {
    /// These names.
    Named(Tree),
    /// This many nodes in all (at least 4): up to 10 regions and 100 teams, the rest projects,
    /// spread evenly over their parents.
    Sized(usize),
}

/// Node kinds by depth.
pub const NODE_KINDS: [&str; 4] = ["org", "region", "team", "project"];

impl NodeTree {
    /// The tree parents first, depth first: each node's parent (an earlier index; `None` for
    /// the root, named `org_name`) and name.
    pub fn layout(&self, org_name: &str) -> Vec<(Option<usize>, String)> {
        let mut nodes = vec![(None, org_name.to_owned())];
        let mut add = |parent: usize, name: String| {
            nodes.push((Some(parent), name));
            nodes.len() - 1
        };
        match *self {
            NodeTree::Named(tree) => {
                for (region_name, teams) in tree {
                    let region = add(0, (*region_name).to_owned());
                    for (team_name, projects) in *teams {
                        let team = add(region, (*team_name).to_owned());
                        for project_name in *projects {
                            add(team, (*project_name).to_owned());
                        }
                    }
                }
            }
            NodeTree::Sized(total) => {
                let total = total.max(4);
                let regions = (total / 200).clamp(1, 10);
                let teams = (total / 20).clamp(1, 100).min(total - 1 - regions - 1);
                let projects = total - 1 - regions - teams;
                for r in 0..regions {
                    let region = add(0, format!("Region {:02}", r + 1));
                    for t in (r..teams).step_by(regions) {
                        let team = add(region, format!("Team {:03}", t + 1));
                        for p in (t..projects).step_by(teams) {
                            add(team, format!("Project {:04}", p + 1));
                        }
                    }
                }
            }
        }
        nodes
    }
}

/// The demo: `acme` (large, the one the demo admin signs in to) and `globex` (small, there to
/// make tenant isolation visible and testable).
pub fn demo() -> DatasetSpec {
    DatasetSpec { seed: DEMO_SEED, ids: IdStyle::Random, tenants: vec![acme(), globex()] }
}

fn acme() -> TenantSpec {
    TenantSpec {
        account_slug: DEMO_ACCOUNT,
        account_name: "Acme Corporation",
        admin: Some(AdminSpec { email: DEMO_ADMIN_EMAIL, name: DEMO_ADMIN_NAME }),
        app_slug: DEMO_APPLICATION,
        app_name: "Billing",
        email_domain: "acme.example",
        age_days: 200,
        org_name: "Acme",
        tree: NodeTree::Named(ACME_TREE),
        identities: 300,
        inactive: 15,
        environments: vec![
            EnvSpec { slug: "development", name: "Development", identity_pool: 100, assignments: 250, expiring_soon: 6 },
            EnvSpec { slug: "production", name: "Production", identity_pool: 300, assignments: 1000, expiring_soon: 20 },
        ],
    }
}

fn globex() -> TenantSpec {
    TenantSpec {
        account_slug: OTHER_ACCOUNT,
        account_name: "Globex Inc.",
        admin: Some(AdminSpec { email: OTHER_ADMIN_EMAIL, name: "Gale Globex" }),
        app_slug: OTHER_APPLICATION,
        app_name: "Portal",
        email_domain: "globex.example",
        age_days: 120,
        org_name: "Globex",
        tree: NodeTree::Named(GLOBEX_TREE),
        identities: 20,
        inactive: 1,
        environments: vec![EnvSpec {
            slug: "production",
            name: "Production",
            identity_pool: 20,
            assignments: 40,
            expiring_soon: 2,
        }],
    }
}

/// The sizes a benchmark asks for.
#[derive(Debug, Clone, Copy)]
pub struct BenchSizes {
    pub identities: usize,
    /// At least 4 (a tree four levels deep).
    pub nodes: usize,
    pub assignments: usize,
}

/// One tenant (`bench` / `app` / `production`) of the given size, without admins: every
/// identity may hold assignments, 2% of identities are inactive, and the demo's status mix
/// (12% scheduled, 13% expired, 2% of all expiring within the week, the rest active). Ids and
/// row order are the server's ([`IdStyle::TimeOrdered`]).
pub fn bench(sizes: BenchSizes) -> DatasetSpec {
    let tenant = TenantSpec {
        account_slug: BENCH_ACCOUNT,
        account_name: "Bench Corp",
        admin: None,
        app_slug: BENCH_APPLICATION,
        app_name: "Bench App",
        email_domain: "bench.example",
        age_days: 400,
        org_name: "Bench Org",
        tree: NodeTree::Sized(sizes.nodes),
        identities: sizes.identities,
        inactive: sizes.identities / 50,
        environments: vec![EnvSpec {
            slug: BENCH_ENVIRONMENT,
            name: "Production",
            identity_pool: sizes.identities,
            assignments: sizes.assignments,
            expiring_soon: sizes.assignments / 50,
        }],
    };
    DatasetSpec { seed: BENCH_SEED, ids: IdStyle::TimeOrdered, tenants: vec![tenant] }
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

/// Resource, description, actions.
pub const RESOURCES: [(&str, &str, &[&str]); 4] = [
    (
        "invoices",
        "Invoices sent to customers, with their line items",
        &["create", "read", "update", "delete", "approve", "send"],
    ),
    ("customers", "Billing accounts and their contacts", &["create", "read", "update", "delete"]),
    ("reports", "Revenue, ageing and tax reports", &["read", "export", "schedule"]),
    ("payments", "Incoming payments and refunds", &["read", "refund", "capture", "void"]),
];

/// Role ([`DEMO_ROLES`]), description, is_system, which actions it grants.
pub const ROLES: [(&str, &str, bool, Grants); 4] = [
    ("viewer", "Read-only access to invoices, customers, reports and payments.", false, Grants::ReadOnly),
    ("editor", "Reads everything; creates and updates invoices and customers.", false, Grants::ReadWrite),
    ("billing-admin", "Full control of billing: approvals, refunds, exports and deletions.", false, Grants::All),
    ("platform-admin", "Reserved for platform administration; not assignable to identities.", true, Grants::All),
];

/// Relative weights of viewer, editor and billing-admin among assignments.
pub const ROLE_WEIGHTS: [u64; 3] = [50, 33, 17];
/// Relative weights of node depths 0..=3 among assignments.
pub const DEPTH_WEIGHTS: [u64; 4] = [4, 12, 34, 50];

#[derive(Clone, Copy)]
pub enum Grants {
    ReadOnly,
    ReadWrite,
    All,
}

impl Grants {
    pub fn includes(self, action: &str) -> bool {
        match self {
            Grants::ReadOnly => action == "read",
            Grants::ReadWrite => matches!(action, "read" | "create" | "update"),
            Grants::All => true,
        }
    }
}

pub const FIRST_NAMES: &[&str] = &[
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

pub const LAST_NAMES: &[&str] = &[
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
