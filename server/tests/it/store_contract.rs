//! The storage contract: the same behaviour from the SQLite and the PostgreSQL store.

use serde_json::json;
use server::store::{
    Account, Admin, AdminSession, ApiKey, Application, Assignment, AuditEvent, Environment, Identity, InsertBatch,
    Membership, Node, Permission, Resource, Role, RolePermission, StoreError,
};

use crate::common::test_store;

const T0: i64 = 1_776_686_400_000; // 2026-04-20T12:00:00Z

/// A small tenant touching every table: account, admin, application, environment, a two-level
/// node tree, an identity, a resource with a permission, a role granting it, an assignment, a key.
fn tenant(tag: &str) -> InsertBatch {
    let id = |what: &str| format!("{tag}-{what}");
    let mut batch = InsertBatch::default();
    batch.accounts.push(Account { id: id("acct"), slug: format!("{tag}-co"), name: format!("{tag} Co"), created_at: T0 });
    batch.admins.push(Admin {
        id: id("admin"),
        email: format!("Boss@{tag}.example"),
        email_normalized: format!("boss@{tag}.example"),
        name: "Boss".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: T0,
    });
    batch.memberships.push(Membership { account_id: id("acct"), admin_id: id("admin"), role: "owner".into(), created_at: T0 });
    batch.applications.push(Application { id: id("app"), account_id: id("acct"), slug: "billing".into(), name: "Billing".into(), created_at: T0 });
    batch.environments.push(Environment { id: id("env"), application_id: id("app"), slug: "production".into(), name: "Production".into(), created_at: T0 });
    // Child listed before its parent: the store must order the insert itself.
    batch.nodes.push(Node {
        id: id("team"),
        environment_id: id("env"),
        parent_id: Some(id("org")),
        name: "Payments".into(),
        kind: "team".into(),
        id_path: format!("/{}/{}/", id("org"), id("team")),
        path: "Acme / Payments".into(),
        depth: 1,
        created_at: T0,
        updated_at: T0 + 1,
    });
    batch.nodes.push(Node {
        id: id("org"),
        environment_id: id("env"),
        parent_id: None,
        name: "Acme".into(),
        kind: "org".into(),
        id_path: format!("/{}/", id("org")),
        path: "Acme".into(),
        depth: 0,
        created_at: T0,
        updated_at: T0,
    });
    batch.identities.push(Identity {
        id: id("ada"),
        application_id: id("app"),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        name: "Ada Lovelace".into(),
        email: "Ada@Example.com".into(),
        email_normalized: "ada@example.com".into(),
        avatar_url: Some("https://avatars.example/ada.png".into()),
        status: "active".into(),
        created_at: T0,
        updated_at: T0,
    });
    batch.resources.push(Resource { id: id("invoices"), environment_id: id("env"), name: "invoices".into(), description: None, created_at: T0 });
    batch.permissions.push(Permission {
        id: id("invoices.read"),
        environment_id: id("env"),
        resource_id: id("invoices"),
        action: "read".into(),
        key: "invoices.read".into(),
        created_at: T0,
    });
    batch.roles.push(Role {
        id: id("viewer"),
        environment_id: id("env"),
        name: "viewer".into(),
        description: Some("Reads".into()),
        is_system: false,
        created_at: T0,
        updated_at: T0,
    });
    batch.roles.push(Role {
        id: id("platform"),
        environment_id: id("env"),
        name: "platform-admin".into(),
        description: None,
        is_system: true,
        created_at: T0,
        updated_at: T0,
    });
    batch.role_permissions.push(RolePermission { role_id: id("viewer"), permission_id: id("invoices.read") });
    batch.assignments.push(Assignment {
        id: id("asg"),
        environment_id: id("env"),
        identity_id: id("ada"),
        node_id: id("team"),
        role_id: id("viewer"),
        effective_from: Some(T0 - 1000),
        effective_to: None,
        created_at: T0,
        updated_at: T0,
    });
    batch.api_keys.push(ApiKey {
        id: id("key"),
        environment_id: id("env"),
        name: "ci".into(),
        prefix: format!("cnp_{tag}"),
        secret_hash: "ab".repeat(32),
        created_at: T0,
        last_used_at: None,
        revoked_at: None,
    });
    batch.audit_events.push(audit(&id("acct"), "tenant.create", T0, Some(json!({ "slug": format!("{tag}-co"), "nested": { "n": 1 } }))));
    batch
}

fn audit(account_id: &str, action: &str, at: i64, after: Option<serde_json::Value>) -> AuditEvent {
    AuditEvent {
        id: uuid::Uuid::now_v7().to_string(),
        account_id: account_id.into(),
        environment_id: None,
        actor_type: "system".into(),
        actor_id: None,
        action: action.into(),
        target_type: "account".into(),
        target_id: Some(account_id.into()),
        before: None,
        after,
        request_id: Some("req-1".into()),
        created_at: at,
    }
}

#[tokio::test]
async fn a_batch_over_every_table_reads_back_field_by_field() {
    let store = test_store().await;
    let batch = tenant("t1");
    store.insert_batch(&batch).await.unwrap();

    assert_eq!(store.account_by_slug("t1-co").await.unwrap().as_ref(), batch.accounts.first());
    assert_eq!(store.admin_by_email("boss@t1.example").await.unwrap().as_ref(), batch.admins.first());
    assert_eq!(store.admin_by_id("t1-admin").await.unwrap().as_ref(), batch.admins.first());
    assert_eq!(store.application_by_slug("t1-acct", "billing").await.unwrap().as_ref(), batch.applications.first());
    assert_eq!(store.environment_by_slug("t1-app", "production").await.unwrap().as_ref(), batch.environments.first());
    assert_eq!(store.identity_by_email("t1-app", "ada@example.com").await.unwrap().as_ref(), batch.identities.first());
    assert_eq!(store.api_key_by_prefix("cnp_t1").await.unwrap().as_ref(), batch.api_keys.first());
    assert_eq!(store.assignments_for_identity("t1-ada").await.unwrap(), batch.assignments);

    let nodes = store.nodes("t1-env").await.unwrap();
    assert_eq!(nodes.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), ["t1-org", "t1-team"], "ordered by id_path");
    assert_eq!(nodes[1], batch.nodes[0]);

    let roles = store.roles("t1-env").await.unwrap();
    assert_eq!(roles.iter().map(|r| (r.name.as_str(), r.is_system)).collect::<Vec<_>>(), [("platform-admin", true), ("viewer", false)]);

    let events = store.recent_audit_events("t1-acct", 10).await.unwrap();
    assert_eq!(events, batch.audit_events);

    let counts = store.counts().await.unwrap();
    assert_eq!((counts.accounts, counts.nodes, counts.roles, counts.role_permissions, counts.assignments), (1, 2, 2, 1, 1));
}

#[tokio::test]
async fn insert_batch_is_all_or_nothing_when_a_row_conflicts() {
    let store = test_store().await;
    store.insert_batch(&tenant("t1")).await.unwrap();
    let before = store.counts().await.unwrap();

    // A whole second tenant whose last assignment duplicates the first's (identity, node, role).
    let mut second = tenant("t2");
    let mut duplicate = second.assignments[0].clone();
    duplicate.id = "t2-asg-dup".into();
    second.assignments.push(duplicate);
    assert!(matches!(store.insert_batch(&second).await, Err(StoreError::Conflict)));
    assert_eq!(store.counts().await.unwrap(), before, "nothing of the failed batch is kept");
    assert!(store.account_by_slug("t2-co").await.unwrap().is_none());
}

#[tokio::test]
async fn unique_constraints_map_to_conflict() {
    let store = test_store().await;
    store.insert_batch(&tenant("t1")).await.unwrap();

    let mut same_slug = tenant("t3");
    same_slug.accounts[0].slug = "t1-co".into();
    assert!(matches!(store.insert_batch(&same_slug).await, Err(StoreError::Conflict)));

    // Emails are unique per application on the normalised (lowercase) form.
    let mut shouting = tenant("t1").identities[0].clone();
    shouting.id = "t1-ada-2".into();
    shouting.email = "ADA@EXAMPLE.COM".into();
    let batch = InsertBatch { identities: vec![shouting], ..Default::default() };
    assert!(matches!(store.insert_batch(&batch).await, Err(StoreError::Conflict)));

    let mut role = tenant("t1").roles[0].clone();
    role.id = "t1-viewer-2".into();
    let batch = InsertBatch { roles: vec![role], ..Default::default() };
    assert!(matches!(store.insert_batch(&batch).await, Err(StoreError::Conflict)));
}

#[tokio::test]
async fn dangling_references_and_bad_values_map_to_constraint() {
    let store = test_store().await;
    store.insert_batch(&tenant("t1")).await.unwrap();

    let mut orphan = tenant("t1").assignments[0].clone();
    orphan.id = "orphan".into();
    orphan.role_id = "no-such-role".into();
    let batch = InsertBatch { assignments: vec![orphan], ..Default::default() };
    assert!(matches!(store.insert_batch(&batch).await, Err(StoreError::Constraint)));

    let mut backwards = tenant("t1").assignments[0].clone();
    backwards.id = "backwards".into();
    backwards.node_id = "t1-org".into();
    backwards.effective_from = Some(T0);
    backwards.effective_to = Some(T0);
    let batch = InsertBatch { assignments: vec![backwards], ..Default::default() };
    assert!(matches!(store.insert_batch(&batch).await, Err(StoreError::Constraint)), "effective_to must be after effective_from");

    let mut status = tenant("t1").identities[0].clone();
    status.id = "odd".into();
    status.email_normalized = "odd@example.com".into();
    status.status = "sleeping".into();
    let batch = InsertBatch { identities: vec![status], ..Default::default() };
    assert!(matches!(store.insert_batch(&batch).await, Err(StoreError::Constraint)));
}

#[tokio::test]
async fn memberships_are_ordered_by_account_name_and_scoped_to_the_admin() {
    let store = test_store().await;
    let mut zeta = tenant("z");
    zeta.accounts[0].name = "Zeta".into();
    let mut alpha = tenant("a");
    alpha.accounts[0].name = "Alpha".into();
    store.insert_batch(&zeta).await.unwrap();
    store.insert_batch(&alpha).await.unwrap();
    // The zeta admin also joins alpha.
    let join = Membership { account_id: "a-acct".into(), admin_id: "z-admin".into(), role: "admin".into(), created_at: T0 };
    store.insert_batch(&InsertBatch { memberships: vec![join], ..Default::default() }).await.unwrap();

    let memberships = store.admin_memberships("z-admin").await.unwrap();
    let names: Vec<(&str, &str)> = memberships.iter().map(|(a, m)| (a.name.as_str(), m.role.as_str())).collect();
    assert_eq!(names, [("Alpha", "admin"), ("Zeta", "owner")]);
    assert!(store.membership("z-acct", "a-admin").await.unwrap().is_none());
    assert_eq!(store.membership("a-acct", "a-admin").await.unwrap().unwrap().role, "owner");
}

#[tokio::test]
async fn environments_come_in_creation_order() {
    let store = test_store().await;
    let mut batch = tenant("t1");
    batch.environments.push(Environment {
        id: "t1-dev".into(),
        application_id: "t1-app".into(),
        slug: "development".into(),
        name: "Development".into(),
        created_at: T0 - 1,
    });
    store.insert_batch(&batch).await.unwrap();
    let slugs: Vec<String> = store.environments("t1-app").await.unwrap().into_iter().map(|e| e.slug).collect();
    assert_eq!(slugs, ["development", "production"]);
    assert_eq!(store.applications("t1-acct").await.unwrap().len(), 1);
}

#[tokio::test]
async fn sessions_are_created_read_and_revoked_with_their_audit_events() {
    let store = test_store().await;
    store.insert_batch(&tenant("t1")).await.unwrap();
    let session = AdminSession { id: "s1".into(), admin_id: "t1-admin".into(), created_at: T0, expires_at: T0 + 60_000, revoked_at: None };
    store.create_session(&session, &[audit("t1-acct", "admin.login", T0 + 1, None)]).await.unwrap();
    assert_eq!(store.session_by_id("s1").await.unwrap(), Some(session.clone()));

    store.revoke_session("s1", T0 + 5, &[audit("t1-acct", "admin.logout", T0 + 5, None)]).await.unwrap();
    store.revoke_session("s1", T0 + 9, &[]).await.unwrap();
    assert_eq!(store.session_by_id("s1").await.unwrap().unwrap().revoked_at, Some(T0 + 5), "the first revocation time stays");

    let actions: Vec<String> = store.recent_audit_events("t1-acct", 2).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["admin.logout", "admin.login"], "newest first, limited");
}

#[tokio::test]
async fn environment_stats_follow_the_status_rules_at_their_boundaries() {
    let store = test_store().await;
    let mut batch = tenant("t1");
    let base = batch.assignments[0].clone();
    let day = 24 * 60 * 60 * 1000;
    let windows = [
        ("from-now", Some(T0), None),                 // from == now: active
        ("from-later", Some(T0 + 1), None),           // scheduled
        ("to-now", None, Some(T0)),                   // to == now: expired
        ("to-later", None, Some(T0 + 1)),             // active, expiring within 7 days
        ("to-week", Some(T0 - day), Some(T0 + 7 * day)), // active, expiring exactly at 7 days
        ("to-far", None, Some(T0 + 8 * day)),         // active, not expiring soon
    ];
    batch.assignments.clear();
    for (i, (name, from, to)) in windows.iter().enumerate() {
        let mut assignment = base.clone();
        assignment.id = (*name).into();
        assignment.role_id = if i % 2 == 0 { "t1-viewer".into() } else { "t1-platform".into() };
        assignment.node_id = if i < 2 { "t1-org".into() } else if i < 4 { "t1-team".into() } else { "t1-org".into() };
        assignment.identity_id = "t1-ada".into();
        assignment.effective_from = *from;
        assignment.effective_to = *to;
        batch.assignments.push(assignment);
    }
    // (identity, node, role) must stay unique: spread the last two over a second identity.
    let mut grace = batch.identities[0].clone();
    grace.id = "t1-grace".into();
    grace.email_normalized = "grace@example.com".into();
    batch.identities.push(grace);
    batch.assignments[4].identity_id = "t1-grace".into();
    batch.assignments[5].identity_id = "t1-grace".into();
    batch.assignments[5].node_id = "t1-team".into();
    store.insert_batch(&batch).await.unwrap();

    let env = store.environment_by_slug("t1-app", "production").await.unwrap().unwrap();
    let stats = store.environment_stats(&env, T0).await.unwrap();
    assert_eq!(stats.assignments_scheduled, 1);
    assert_eq!(stats.assignments_expired, 1);
    assert_eq!(stats.assignments_active, 4);
    assert_eq!(stats.assignments_expiring_7d, 2);
    assert_eq!((stats.nodes, stats.identities, stats.roles, stats.permissions), (2, 2, 2, 1));
}

#[tokio::test]
async fn ten_thousand_assignments_insert_in_one_batch() {
    let store = test_store().await;
    let mut batch = tenant("big");
    let template = batch.assignments.remove(0);
    let identities: Vec<Identity> = (0..1000)
        .map(|i| {
            let mut identity = batch.identities[0].clone();
            identity.id = format!("big-identity-{i}");
            identity.email_normalized = format!("person{i}@example.com");
            identity
        })
        .collect();
    let nodes: Vec<Node> = (0..10)
        .map(|i| {
            let mut node = batch.nodes[0].clone();
            node.id = format!("big-node-{i}");
            node
        })
        .collect();
    batch.identities = identities;
    batch.nodes.extend(nodes);
    for i in 0..10_000 {
        let mut assignment = template.clone();
        assignment.id = format!("big-asg-{i}");
        assignment.identity_id = format!("big-identity-{}", i % 1000);
        assignment.node_id = format!("big-node-{}", i / 1000);
        batch.assignments.push(assignment);
    }
    let started = std::time::Instant::now();
    store.insert_batch(&batch).await.unwrap();
    eprintln!("insert_batch: 10,000 assignments + 1,000 identities in {:?} ({})", started.elapsed(), crate::common::backend_name());
    assert_eq!(store.counts().await.unwrap().assignments, 10_000);
    assert_eq!(store.assignments_for_identity("big-identity-7").await.unwrap().len(), 10);
}

#[tokio::test]
async fn migrate_twice_is_harmless_and_ping_answers() {
    let store = test_store().await;
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
    assert_eq!(store.backend().name(), crate::common::backend_name());
}
