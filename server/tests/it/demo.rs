//! The generated data (`server::demo`): the demo's, deterministic and as documented (tenants,
//! sign-in, trees, catalogue, counts and status mix, tenants kept apart), and the benchmarks'
//! datasets of any size from the same generator.

use std::collections::{HashMap, HashSet};

use app::dto::{IdentityStatus, Timestamp};
use server::{
    demo::{
        BENCH_ACCOUNT, BENCH_APPLICATION, BENCH_ENVIRONMENT, BenchSizes, DEMO_ADMIN_EMAIL, DEMO_ADMIN_NAME, DEMO_ROLES,
        DEMO_SYSTEM_ROLE, FIRST_NAMES, LAST_NAMES, OTHER_ADMIN_EMAIL, StatusCounts, demo_data, email_part, generate,
        spec::{self, NodeTree},
        status_counts,
    },
    store::{Account, Application, Environment, Identity, InsertBatch, Node, Role},
};

const HOUR: i64 = 3_600_000;
const DAY: i64 = 24 * HOUR;

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
        batch.identities.iter().filter(|i| i.application_id == billing.id && i.status == IdentityStatus::Inactive).count();
    assert_eq!(inactive, 15);

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
        assert_eq!(event.actor_type, app::dto::ActorType::System);
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

// The benchmarks' datasets come from the same generator.

fn bench_sizes() -> BenchSizes {
    BenchSizes { identities: 500, nodes: 60, assignments: 3_000 }
}

#[test]
fn a_bench_dataset_has_the_sizes_asked_for_and_the_demo_status_mix() {
    let generated = generate(&spec::bench(bench_sizes()), NOW, HASH);
    assert_eq!(generated.environments.len(), 1);
    assert_eq!(generated.environments[0].taken.len(), 3_000, "every assignment's triple is recorded");
    let batch = generated.into_batch();
    assert_eq!(batch.accounts.iter().map(|a| a.slug.as_str()).collect::<Vec<_>>(), [BENCH_ACCOUNT]);
    assert_eq!(batch.applications[0].slug, BENCH_APPLICATION);
    assert_eq!(batch.environments.iter().map(|e| e.slug.as_str()).collect::<Vec<_>>(), [BENCH_ENVIRONMENT]);
    assert!(batch.admins.is_empty() && batch.memberships.is_empty(), "benchmarks sign their own admin in");

    assert_eq!(batch.identities.len(), 500);
    assert_eq!(batch.identities.iter().filter(|i| i.status == IdentityStatus::Inactive).count(), 10);
    let emails: HashSet<&str> = batch.identities.iter().map(|i| i.email_normalized.as_str()).collect();
    assert_eq!(emails.len(), 500, "emails are unique");

    assert_eq!(batch.nodes.len(), 60);
    let depths: HashSet<i32> = batch.nodes.iter().map(|n| n.depth).collect();
    assert_eq!(depths, HashSet::from([0, 1, 2, 3]));
    assert_eq!(batch.nodes[0].path, "Bench Org");
    assert_eq!(batch.roles.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), DEMO_ROLES);
    assert_eq!(batch.permissions.len(), 17);

    assert_eq!(batch.assignments.len(), 3_000);
    let counts = status_counts(&batch, NOW)[&batch.environments[0].id];
    assert_eq!((counts.scheduled, counts.expired, counts.expiring_7d), (360, 390, 60));
    assert_eq!(counts.active, 3_000 - 360 - 390);
    let mut triples = HashSet::new();
    assert!(batch.assignments.iter().all(|a| triples.insert((&a.identity_id, &a.node_id, &a.role_id))));
}

#[test]
fn a_bench_dataset_has_the_servers_ids_and_assignments_in_creation_order() {
    let batch = generate(&spec::bench(bench_sizes()), NOW, HASH).into_batch();
    let v7_at = |id: &str, created_at: i64| {
        let uuid = uuid::Uuid::parse_str(id).expect("uuid");
        assert_eq!(uuid.get_version_num(), 7, "{id}");
        let (seconds, nanos) = uuid.get_timestamp().expect("v7 has a time").to_unix();
        assert_eq!(seconds as i64 * 1_000 + i64::from(nanos / 1_000_000), created_at, "{id}");
    };
    for a in &batch.assignments {
        v7_at(&a.id, a.created_at);
    }
    for n in &batch.nodes {
        v7_at(&n.id, n.created_at);
    }
    for i in &batch.identities {
        v7_at(&i.id, i.created_at);
    }
    assert!(batch.assignments.windows(2).all(|w| w[0].created_at <= w[1].created_at));
    let again = generate(&spec::bench(bench_sizes()), NOW, HASH).into_batch();
    assert_eq!(batch.assignments, again.assignments, "deterministic");
}

#[test]
fn sized_trees_are_four_levels_spread_evenly_over_their_parents() {
    let layout = NodeTree::Sized(2_000).layout("Org");
    assert_eq!(layout.len(), 2_000);
    let mut depth = vec![0usize; layout.len()];
    let mut children = vec![0usize; layout.len()];
    for (index, (parent, _)) in layout.iter().enumerate() {
        if let Some(parent) = *parent {
            assert!(parent < index, "parents first");
            depth[index] = depth[parent] + 1;
            children[parent] += 1;
        }
    }
    let at = |d: usize| (0..layout.len()).filter(|&i| depth[i] == d).count();
    assert_eq!((at(0), at(1), at(2), at(3)), (1, 10, 100, 1_889));
    let teams_per_region: HashSet<usize> = (0..layout.len()).filter(|&i| depth[i] == 1).map(|i| children[i]).collect();
    assert_eq!(teams_per_region, HashSet::from([10]));
    let projects_per_team: HashSet<usize> = (0..layout.len()).filter(|&i| depth[i] == 2).map(|i| children[i]).collect();
    assert_eq!(projects_per_team, HashSet::from([18, 19]));
    assert_eq!(NodeTree::Sized(4).layout("Org").len(), 4, "the smallest tree still has four levels");
}

#[tokio::test]
async fn a_generated_dataset_is_written_in_batches_of_assignments() {
    let store = crate::common::test_store().await;
    let generated = generate(&spec::bench(bench_sizes()), Timestamp::now().as_millis(), HASH);
    let mut calls = Vec::new();
    generated.insert(store.as_ref(), 1_000, |written, batch| calls.push((written, batch.assignments.len()))).await.unwrap();
    assert_eq!(calls, [(1_000, 1_000), (2_000, 1_000), (3_000, 1_000)]);
    let counts = store.counts().await.unwrap();
    assert_eq!((counts.identities, counts.nodes, counts.roles, counts.assignments), (500, 60, 4, 3_000));
}
