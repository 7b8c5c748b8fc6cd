//! The storage contract: the same behaviour from the SQLite and the PostgreSQL store. Every test
//! runs unchanged on the backend `common::test_store` picks (PostgreSQL when `TEST_DATABASE_URL`
//! is set, SQLite otherwise).

use app::dto::{ActorType, AssignmentSort, AssignmentStatus, IdentityStatus, MembershipRole, SortOrder};
use serde_json::json;
use server::store::{
    Account, Admin, AdminSession, ApiKey, Application, Assignment, AssignmentFilter, AuditEvent, Environment, Identity, InsertBatch,
    IDEMPOTENCY_TTL_MS, IdempotencyRecord, Membership, Node, Permission, Resource, Role, RolePermission, Slice, Store, StoreError,
    TableCounts, UNIQUE_CONSTRAINTS, Unique,
};

use crate::common::{backend_name, execute_raw, test_store, test_store_and_url};

const T0: i64 = 1_776_686_400_000; // 2026-04-20T12:00:00Z

/// A small tenant touching every table: account, admin, application, environment, a two-level
/// node tree, an identity, a resource with a permission, two roles (one granting it), an
/// assignment, two API keys (one used and revoked) and an audit event with before and after.
/// Optional fields are set on some rows and empty on others.
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
    batch.memberships.push(Membership { account_id: id("acct"), admin_id: id("admin"), role: MembershipRole::Owner, created_at: T0 });
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
        status: IdentityStatus::Active,
        created_at: T0,
        updated_at: T0 + 2,
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
        updated_at: T0 + 3,
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
        effective_to: Some(T0 + 86_400_000),
        created_at: T0,
        updated_at: T0 + 4,
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
    batch.api_keys.push(ApiKey {
        id: id("old-key"),
        environment_id: id("env"),
        name: "retired".into(),
        prefix: format!("cnp_{tag}_old"),
        secret_hash: "cd".repeat(32),
        created_at: T0 - 10,
        last_used_at: Some(T0 - 5),
        revoked_at: Some(T0 - 1),
    });
    let mut created = audit(&id("acct"), "tenant.create", T0);
    created.environment_id = Some(id("env"));
    created.actor_type = ActorType::Admin;
    created.actor_id = Some(id("admin"));
    created.before = Some(json!({ "slug": null, "tags": [] }));
    created.after = Some(json!({ "slug": format!("{tag}-co"), "nested": { "n": 1, "ok": true, "x": 1.5 }, "name": "Zoë ✓" }));
    batch.audit_events.push(created);
    batch
}

/// A bare audit event by the system; tests fill in what they need.
fn audit(account_id: &str, action: &str, at: i64) -> AuditEvent {
    AuditEvent {
        id: uuid::Uuid::now_v7().to_string(),
        account_id: account_id.into(),
        environment_id: None,
        application_id: None,
        actor_type: ActorType::System,
        actor_id: None,
        action: action.into(),
        target_type: "account".into(),
        target_id: Some(account_id.into()),
        before: None,
        after: None,
        request_id: Some("req-1".into()),
        created_at: at,
    }
}

/// Inserts a batch the store must refuse, checks that nothing of it was written, and returns
/// the error.
async fn refused(store: &Store, batch: InsertBatch) -> StoreError {
    let before = store.counts().await.unwrap();
    let err = store.insert_batch(&batch).await.expect_err("the store must refuse this batch");
    assert_eq!(store.counts().await.unwrap(), before, "a refused batch writes nothing");
    err
}

#[tokio::test]
async fn a_batch_over_every_table_reads_back_field_by_field() {
    let store = test_store().await;
    let batch = tenant("t1");
    store.insert_batch(&batch).await.unwrap();

    assert_eq!(store.account_by_slug("t1-co").await.unwrap().as_ref(), batch.accounts.first());
    assert_eq!(store.admin_by_email("boss@t1.example").await.unwrap().as_ref(), batch.admins.first());
    assert_eq!(store.admin_by_id("t1-admin").await.unwrap().as_ref(), batch.admins.first());
    assert_eq!(store.membership("t1-acct", "t1-admin").await.unwrap().as_ref(), batch.memberships.first());
    assert_eq!(store.applications("t1-acct").await.unwrap(), batch.applications);
    assert_eq!(store.application_by_slug("t1-acct", "billing").await.unwrap().as_ref(), batch.applications.first());
    assert_eq!(store.environments("t1-app").await.unwrap(), batch.environments);
    assert_eq!(store.environment_by_slug("t1-app", "production").await.unwrap().as_ref(), batch.environments.first());
    assert_eq!(store.identity_by_email("t1-app", "ada@example.com").await.unwrap().as_ref(), batch.identities.first());
    assert_eq!(store.assignments_for_identity("t1-ada").await.unwrap(), batch.assignments);
    // Both keys: one with every optional timestamp empty, one with them set.
    assert_eq!(store.api_key_by_prefix("cnp_t1").await.unwrap().as_ref(), batch.api_keys.first());
    assert_eq!(store.api_key_by_prefix("cnp_t1_old").await.unwrap().as_ref(), batch.api_keys.get(1));

    // Ordered by id_path: the root first, although the batch listed the child first.
    assert_eq!(store.nodes("t1-env").await.unwrap(), [batch.nodes[1].clone(), batch.nodes[0].clone()]);
    // Ordered by name; booleans and optional descriptions both ways.
    assert_eq!(store.roles("t1-env").await.unwrap(), [batch.roles[1].clone(), batch.roles[0].clone()]);
    // JSON before/after (null, arrays, nested objects, floats, non-ASCII) and every optional field.
    assert_eq!(store.recent_audit_events("t1-acct", 10).await.unwrap(), batch.audit_events);

    assert_eq!(
        store.counts().await.unwrap(),
        TableCounts {
            accounts: 1,
            admins: 1,
            applications: 1,
            environments: 1,
            nodes: 2,
            identities: 1,
            resources: 1,
            permissions: 1,
            roles: 2,
            role_permissions: 1,
            assignments: 1,
            api_keys: 2,
            audit_events: 1,
        }
    );
}

#[tokio::test]
async fn reads_of_missing_rows_are_none_or_empty() {
    let store = test_store().await;
    store.insert_batch(&tenant("t1")).await.unwrap();

    assert_eq!(store.account_by_slug("nope").await.unwrap(), None);
    assert_eq!(store.admin_by_id("nope").await.unwrap(), None);
    assert_eq!(store.admin_by_email("Boss@t1.example").await.unwrap(), None, "look-ups take the normalised email");
    assert_eq!(store.session_by_id("nope").await.unwrap(), None);
    assert_eq!(store.application_by_slug("t1-acct", "nope").await.unwrap(), None);
    assert_eq!(store.environment_by_slug("t1-app", "staging").await.unwrap(), None);
    assert_eq!(store.identity_by_email("other-app", "ada@example.com").await.unwrap(), None);
    assert_eq!(store.api_key_by_prefix("cnp_t").await.unwrap(), None, "a prefix matches exactly, not as a prefix");
    assert!(store.admin_memberships("nope").await.unwrap().is_empty());
    assert!(store.applications("nope").await.unwrap().is_empty());
    assert!(store.environments("nope").await.unwrap().is_empty());
    assert!(store.nodes("nope").await.unwrap().is_empty());
    assert!(store.roles("nope").await.unwrap().is_empty());
    assert!(store.assignments_for_identity("nope").await.unwrap().is_empty());
    assert!(store.recent_audit_events("nope", 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn idempotency_records_expire_after_a_day_and_the_next_save_deletes_them() {
    let store = test_store().await;
    let record = |scope: &str, key: &str, hash: &str, created_at: i64| IdempotencyRecord {
        id: format!("{scope}-{key}-{created_at}"),
        scope: scope.into(),
        key: key.into(),
        request_hash: hash.into(),
        status_code: 200,
        response_body: format!("{{\"hash\":\"{hash}\"}}"),
        created_at,
    };
    let now = T0 + 10 * IDEMPOTENCY_TTL_MS;
    let fresh_since = now - IDEMPOTENCY_TTL_MS;
    let old = record("admin:a:env:bulk", "k", "first", now - IDEMPOTENCY_TTL_MS - 1);
    let other_old = record("api_key:b:env:bulk", "k2", "other", now - 2 * IDEMPOTENCY_TTL_MS);
    let young = record("api_key:b:env:bulk", "k3", "young", now - IDEMPOTENCY_TTL_MS + 1);
    for r in [&old, &other_old, &young] {
        store.save_idempotency_record(r).await.unwrap();
    }
    assert_eq!(store.idempotency_record("admin:a:env:bulk", "k", fresh_since).await.unwrap(), None, "older than a day: not replayed");
    assert_eq!(store.idempotency_record("admin:a:env:bulk", "k", 0).await.unwrap(), Some(old.clone()), "kept until the next save");
    assert_eq!(store.idempotency_record("api_key:b:env:bulk", "k3", fresh_since).await.unwrap(), Some(young.clone()));

    // The same scope and key again: the expired record makes way instead of a unique violation,
    // and every other expired record goes with it; a young one stays.
    let again = record("admin:a:env:bulk", "k", "second", now);
    store.save_idempotency_record(&again).await.unwrap();
    assert_eq!(store.idempotency_record("admin:a:env:bulk", "k", fresh_since).await.unwrap(), Some(again));
    assert_eq!(store.idempotency_record("admin:a:env:bulk", "k", 0).await.unwrap().unwrap().request_hash, "second");
    assert_eq!(store.idempotency_record("api_key:b:env:bulk", "k2", 0).await.unwrap(), None, "deleted");
    assert_eq!(store.idempotency_record("api_key:b:env:bulk", "k3", fresh_since).await.unwrap(), Some(young));

    // Two live records for one scope and key: the second save is refused by the constraint that
    // makes a racing second request a 409 (`idempotency_in_progress`), never a second write.
    let racer = IdempotencyRecord { id: "racer".into(), ..record("api_key:b:env:bulk", "k3", "young", now) };
    match store.save_idempotency_record(&racer).await {
        Err(StoreError::Conflict(unique)) => assert_eq!(unique, Unique::IdempotencyKey),
        other => panic!("{other:?}"),
    }
    // A live key is still unique within its scope.
    assert!(store.save_idempotency_record(&record("admin:a:env:bulk", "k", "third", now + 1)).await.is_err());
}

#[tokio::test]
async fn an_empty_batch_is_accepted_and_writes_nothing() {
    let store = test_store().await;
    store.insert_batch(&InsertBatch::default()).await.unwrap();
    assert_eq!(store.counts().await.unwrap(), TableCounts::default());
}

#[tokio::test]
async fn insert_batch_is_all_or_nothing_when_a_row_conflicts() {
    let store = test_store().await;
    store.insert_batch(&tenant("t1")).await.unwrap();

    // A whole second tenant whose last assignment repeats its first's (identity, node, role):
    // every earlier table of the batch was already written when the conflict came.
    let mut second = tenant("t2");
    let mut duplicate = second.assignments[0].clone();
    duplicate.id = "t2-asg-dup".into();
    second.assignments.push(duplicate);
    assert!(matches!(refused(store.as_ref(), second).await, StoreError::Conflict(Unique::AssignmentTriple)));
    assert_eq!(store.account_by_slug("t2-co").await.unwrap(), None);

    // The store is still usable, and the same tenant goes in once the conflict is gone.
    store.insert_batch(&tenant("t2")).await.unwrap();
    assert_eq!(store.counts().await.unwrap().accounts, 2);
}

#[tokio::test]
async fn unique_constraints_map_to_conflict_naming_the_constraint() {
    let store = test_store().await;
    let first = tenant("t1");
    store.insert_batch(&first).await.unwrap();

    // Each case: a fresh tenant "t3" with one value repeated that must be unique, either one of
    // "t1" (already stored) or one of its own rows (earlier in the same batch).
    type Change = fn(&mut InsertBatch);
    let cases: [(Unique, Change); 9] = [
        (Unique::AccountSlug, |b| b.accounts[0].slug = "t1-co".into()),
        (Unique::AdminEmail, |b| b.admins[0].email_normalized = "boss@t1.example".into()),
        (Unique::ApiKeyPrefix, |b| b.api_keys[0].prefix = "cnp_t1".into()),
        (Unique::ApplicationSlug, |b| {
            let mut app = b.applications[0].clone();
            app.id = "t3-app-2".into();
            b.applications.push(app);
        }),
        (Unique::EnvironmentSlug, |b| {
            let mut env = b.environments[0].clone();
            env.id = "t3-env-2".into();
            b.environments.push(env);
        }),
        (Unique::RoleName, |b| b.roles[1].name = "viewer".into()),
        (Unique::PermissionKey, |b| {
            let mut permission = b.permissions[0].clone();
            permission.id = "t3-invoices.read-2".into();
            b.permissions.push(permission);
        }),
        (Unique::ResourceName, |b| {
            let mut resource = b.resources[0].clone();
            resource.id = "t3-invoices-2".into();
            b.resources.push(resource);
        }),
        (Unique::IdentityEmail, |b| {
            let mut twin = b.identities[0].clone();
            twin.id = "t3-twin".into();
            b.identities.push(twin);
        }),
    ];
    for (expected, change) in &cases {
        let mut batch = tenant("t3");
        change(&mut batch);
        match refused(store.as_ref(), batch).await {
            StoreError::Conflict(unique) => assert_eq!(&unique, expected),
            other => panic!("{expected:?}: {other:?}"),
        }
    }
    // Every named constraint of the schema is among the cases above or tested elsewhere
    // (assignments' triple: `insert_batch_is_all_or_nothing_when_a_row_conflicts`; idempotency
    // keys: `idempotency_records_expire_after_a_day_and_the_next_save_deletes_them`).
    let tested = [Unique::AssignmentTriple, Unique::IdempotencyKey];
    for (unique, ..) in UNIQUE_CONSTRAINTS {
        assert!(cases.iter().any(|(u, _)| u == unique) || tested.contains(unique), "{unique:?} untested");
    }

    // Primary keys, including the composite ones, too.
    let repeats = [
        InsertBatch { accounts: first.accounts.clone(), ..Default::default() },
        InsertBatch { memberships: first.memberships.clone(), ..Default::default() },
        InsertBatch { role_permissions: first.role_permissions.clone(), ..Default::default() },
    ];
    // A repeated row breaks its primary key and, for accounts, the slug too: which one a
    // database names first is its choice.
    for batch in repeats {
        assert!(matches!(refused(store.as_ref(), batch).await, StoreError::Conflict(_)));
    }
}

#[tokio::test]
async fn identity_email_is_unique_per_application_case_insensitively() {
    let store = test_store().await;
    let mut batch = tenant("t1");
    // A second application of the same account.
    let mut other_app = batch.applications[0].clone();
    other_app.id = "t1-app-2".into();
    other_app.slug = "shop".into();
    other_app.name = "Shop".into();
    batch.applications.push(other_app);
    store.insert_batch(&batch).await.unwrap();

    // The service stores the lowercase form; the same address in other letters is the same person.
    let mut shouting = batch.identities[0].clone();
    shouting.id = "t1-ada-2".into();
    shouting.email = "ADA@EXAMPLE.COM".into();
    let err = refused(store.as_ref(), InsertBatch { identities: vec![shouting.clone()], ..Default::default() }).await;
    assert!(matches!(err, StoreError::Conflict(Unique::IdentityEmail)));

    // The same address in another application is another identity.
    shouting.application_id = "t1-app-2".into();
    store.insert_batch(&InsertBatch { identities: vec![shouting.clone()], ..Default::default() }).await.unwrap();
    assert_eq!(store.identity_by_email("t1-app-2", "ada@example.com").await.unwrap(), Some(shouting));
    assert_eq!(store.identity_by_email("t1-app", "ada@example.com").await.unwrap().map(|i| i.id), Some("t1-ada".into()));
}

#[tokio::test]
async fn dangling_references_and_invalid_values_map_to_constraint() {
    let store = test_store().await;
    let base = tenant("t1");
    store.insert_batch(&base).await.unwrap();

    let assignment = |change: fn(&mut Assignment)| {
        let mut row = base.assignments[0].clone();
        row.id = "t1-asg-2".into();
        row.node_id = "t1-org".into();
        change(&mut row);
        InsertBatch { assignments: vec![row], ..Default::default() }
    };
    let node = |change: fn(&mut Node)| {
        let mut row = base.nodes[0].clone();
        row.id = "t1-team-2".into();
        change(&mut row);
        InsertBatch { nodes: vec![row], ..Default::default() }
    };
    let cases = [
        ("assignment of a missing role", assignment(|a| a.role_id = "no-such-role".into())),
        ("assignment of a missing identity", assignment(|a| a.identity_id = "no-such-identity".into())),
        ("assignment at a missing node", assignment(|a| a.node_id = "no-such-node".into())),
        ("assignment ending when it starts", assignment(|a| a.effective_to = a.effective_from)),
        ("assignment ending before it starts", assignment(|a| (a.effective_from, a.effective_to) = (Some(T0), Some(T0 - 1)))),
        ("node under a missing parent", node(|n| n.parent_id = Some("no-such-node".into()))),
        ("node in a missing environment", node(|n| n.environment_id = "no-such-env".into())),
        ("node at a negative depth", node(|n| n.depth = -1)),
        ("membership of a missing admin", {
            let mut batch = tenant("t2");
            batch.memberships[0].admin_id = "no-such-admin".into();
            batch
        }),
    ];
    for (what, batch) in cases {
        assert!(matches!(refused(store.as_ref(), batch).await, StoreError::Constraint), "{what}");
    }
    // A valid window still goes in.
    store.insert_batch(&assignment(|a| a.effective_to = Some(T0 + 1))).await.unwrap();
}

/// Status, membership role and actor type are enums at the store's boundary, so the server
/// cannot write another word; the schema's CHECKs still refuse one written behind its back.
#[tokio::test]
async fn the_schema_refuses_words_outside_the_stored_enums() {
    let (store, url) = test_store_and_url().await;
    store.insert_batch(&tenant("t1")).await.unwrap();
    let statements = [
        ("identity status", "INSERT INTO identities (id, application_id, first_name, last_name, name, email, email_normalized, status, created_at, updated_at) \
          VALUES ('odd', 't1-app', 'O', 'D', 'O D', 'odd@example.com', 'odd@example.com', 'sleeping', 0, 0)"),
        ("membership role", "UPDATE account_members SET role = 'guest' WHERE account_id = 't1-acct'"),
        ("actor type", "INSERT INTO audit_events (id, account_id, actor_type, action, target_type, created_at) VALUES ('odd', 't1-acct', 'robot', 'odd.thing', 'thing', 0)"),
    ];
    for (what, statement) in statements {
        let err = execute_raw(&url, statement).await.expect_err(what);
        let kind = err.as_database_error().map(|db| db.kind());
        assert!(matches!(kind, Some(sqlx::error::ErrorKind::CheckViolation)), "{what}: {err}");
    }
    // The same rows with words of the enums go in.
    execute_raw(&url, &statements[0].1.replace("'sleeping'", &format!("'{}'", IdentityStatus::Inactive))).await.unwrap();
    execute_raw(&url, &statements[1].1.replace("'guest'", &format!("'{}'", MembershipRole::Admin))).await.unwrap();
    execute_raw(&url, &statements[2].1.replace("'robot'", &format!("'{}'", ActorType::ApiKey))).await.unwrap();
    let odd = store.identity_by_id("t1-app", "odd").await.unwrap().unwrap();
    assert_eq!(odd.status, IdentityStatus::Inactive);
    assert_eq!(store.membership("t1-acct", "t1-admin").await.unwrap().map(|m| m.role), Some(MembershipRole::Admin));
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
    let join = Membership { account_id: "a-acct".into(), admin_id: "z-admin".into(), role: MembershipRole::Admin, created_at: T0 + 7 };
    store.insert_batch(&InsertBatch { memberships: vec![join.clone()], ..Default::default() }).await.unwrap();

    let memberships = store.admin_memberships("z-admin").await.unwrap();
    assert_eq!(memberships, [(alpha.accounts[0].clone(), join), (zeta.accounts[0].clone(), zeta.memberships[0].clone())]);
    assert_eq!(store.membership("z-acct", "a-admin").await.unwrap(), None);
    assert_eq!(store.membership("a-acct", "a-admin").await.unwrap().map(|m| m.role), Some(MembershipRole::Owner));
}

#[tokio::test]
async fn environments_come_in_creation_order_and_applications_by_name() {
    let store = test_store().await;
    let mut batch = tenant("t1");
    batch.environments.push(Environment {
        id: "t1-dev".into(),
        application_id: "t1-app".into(),
        slug: "development".into(),
        name: "Development".into(),
        created_at: T0 - 1,
    });
    batch.applications.push(Application { id: "t1-app-2".into(), account_id: "t1-acct".into(), slug: "accounting".into(), name: "Accounting".into(), created_at: T0 + 1 });
    store.insert_batch(&batch).await.unwrap();

    let slugs: Vec<String> = store.environments("t1-app").await.unwrap().into_iter().map(|e| e.slug).collect();
    assert_eq!(slugs, ["development", "production"]);
    let names: Vec<String> = store.applications("t1-acct").await.unwrap().into_iter().map(|a| a.name).collect();
    assert_eq!(names, ["Accounting", "Billing"]);
}

#[tokio::test]
async fn sessions_are_created_read_and_revoked_with_their_audit_events() {
    let store = test_store().await;
    store.insert_batch(&tenant("t1")).await.unwrap();
    let session = AdminSession { id: "s1".into(), admin_id: "t1-admin".into(), created_at: T0, expires_at: T0 + 60_000, revoked_at: None };
    store.create_session(&session, &[audit("t1-acct", "admin.login", T0 + 1)]).await.unwrap();
    assert_eq!(store.session_by_id("s1").await.unwrap(), Some(session.clone()));

    store.revoke_session("s1", T0 + 5, &[audit("t1-acct", "admin.logout", T0 + 5)]).await.unwrap();
    assert_eq!(store.session_by_id("s1").await.unwrap(), Some(AdminSession { revoked_at: Some(T0 + 5), ..session.clone() }));
    store.revoke_session("s1", T0 + 9, &[]).await.unwrap();
    assert_eq!(store.session_by_id("s1").await.unwrap().and_then(|s| s.revoked_at), Some(T0 + 5), "the first revocation time stays");

    let actions: Vec<String> = store.recent_audit_events("t1-acct", 2).await.unwrap().into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["admin.logout", "admin.login"], "newest first, limited");
}

#[tokio::test]
async fn a_session_write_is_one_transaction_with_its_audit_events() {
    let store = test_store().await;
    store.insert_batch(&tenant("t1")).await.unwrap();
    let before = store.counts().await.unwrap();

    // The audit event is fine, the session is not (unknown admin): neither is written.
    let orphan = AdminSession { id: "s1".into(), admin_id: "no-such-admin".into(), created_at: T0, expires_at: T0 + 1, revoked_at: None };
    let err = store.create_session(&orphan, &[audit("t1-acct", "admin.login", T0)]).await.unwrap_err();
    assert!(matches!(err, StoreError::Constraint));
    assert_eq!(store.session_by_id("s1").await.unwrap(), None);

    // The session is fine, its audit event is not (unknown account): neither is written.
    let session = AdminSession { admin_id: "t1-admin".into(), ..orphan };
    let err = store.create_session(&session, &[audit("no-such-account", "admin.login", T0)]).await.unwrap_err();
    assert!(matches!(err, StoreError::Constraint));
    assert_eq!(store.session_by_id("s1").await.unwrap(), None);

    // Same for a revocation.
    store.create_session(&session, &[]).await.unwrap();
    let err = store.revoke_session("s1", T0 + 1, &[audit("no-such-account", "admin.logout", T0 + 1)]).await.unwrap_err();
    assert!(matches!(err, StoreError::Constraint));
    assert_eq!(store.session_by_id("s1").await.unwrap().and_then(|s| s.revoked_at), None);

    // A second session with the same id is a conflict.
    assert!(matches!(store.create_session(&session, &[]).await, Err(StoreError::Conflict(Unique::Other(_)))));
    assert_eq!(store.counts().await.unwrap(), before, "no audit event of a failed write was kept");
}

#[tokio::test]
async fn recent_audit_events_are_newest_first_limited_and_per_account() {
    let store = test_store().await;
    let mut batch = tenant("t1");
    batch.audit_events.clear();
    let other = tenant("t2");
    batch.accounts.extend(other.accounts);
    // Inserted out of order; two share a millisecond (their UUIDv7 ids order them).
    for (action, at) in [("b", T0 + 2), ("a", T0 + 1), ("c1", T0 + 3), ("c2", T0 + 3), ("z", T0 - 1)] {
        batch.audit_events.push(audit("t1-acct", action, at));
    }
    batch.audit_events.push(audit("t2-acct", "elsewhere", T0 + 100));
    store.insert_batch(&batch).await.unwrap();

    let actions = |events: Vec<AuditEvent>| events.into_iter().map(|e| e.action).collect::<Vec<_>>();
    assert_eq!(actions(store.recent_audit_events("t1-acct", 100).await.unwrap()), ["c2", "c1", "b", "a", "z"]);
    assert_eq!(actions(store.recent_audit_events("t1-acct", 2).await.unwrap()), ["c2", "c1"]);
    assert_eq!(actions(store.recent_audit_events("t2-acct", 100).await.unwrap()), ["elsewhere"]);
    assert!(store.recent_audit_events("t1-acct", 0).await.unwrap().is_empty());
}

#[tokio::test]
async fn environment_stats_follow_the_status_rules_at_their_boundaries() {
    let store = test_store().await;
    let mut batch = tenant("t1");
    let base = batch.assignments[0].clone();
    let day = 24 * 60 * 60 * 1000;
    let windows = [
        ("from-now", Some(T0), None),                    // from == now: active
        ("from-later", Some(T0 + 1), None),              // scheduled
        ("to-now", None, Some(T0)),                      // to == now: expired
        ("to-later", None, Some(T0 + 1)),                // active, expiring within 7 days
        ("to-week", Some(T0 - day), Some(T0 + 7 * day)), // active, expiring exactly at 7 days
        ("to-far", None, Some(T0 + 8 * day)),            // active, not expiring soon
    ];
    // (identity, node, role) must stay unique: spread them over two identities, two nodes, two roles.
    let mut grace = batch.identities[0].clone();
    grace.id = "t1-grace".into();
    grace.email_normalized = "grace@example.com".into();
    batch.identities.push(grace);
    batch.assignments = windows
        .iter()
        .enumerate()
        .map(|(i, (name, from, to))| Assignment {
            id: (*name).into(),
            identity_id: if i < 4 { "t1-ada" } else { "t1-grace" }.into(),
            node_id: if i % 4 < 2 { "t1-org" } else { "t1-team" }.into(),
            role_id: if i % 2 == 0 { "t1-viewer" } else { "t1-platform" }.into(),
            effective_from: *from,
            effective_to: *to,
            ..base.clone()
        })
        .collect();
    store.insert_batch(&batch).await.unwrap();

    let env = store.environment_by_slug("t1-app", "production").await.unwrap().unwrap();
    let stats = store.environment_stats(&env, T0).await.unwrap();
    assert_eq!(stats.assignments_scheduled, 1);
    assert_eq!(stats.assignments_expired, 1);
    assert_eq!(stats.assignments_active, 4);
    assert_eq!(stats.assignments_expiring_7d, 2);
    assert_eq!((stats.nodes, stats.identities, stats.roles, stats.permissions), (2, 2, 2, 1));

    // The SQL behind the counts and the list's status filter agrees with the one rule,
    // `AssignmentStatus::at`, at every edge above.
    let by_rule = |status: AssignmentStatus| -> Vec<String> {
        let mut ids: Vec<String> =
            batch.assignments.iter().filter(|a| AssignmentStatus::at(a.effective_from, a.effective_to, T0) == status).map(|a| a.id.clone()).collect();
        ids.sort();
        ids
    };
    assert_eq!(stats.assignments_scheduled as usize, by_rule(AssignmentStatus::Scheduled).len());
    assert_eq!(stats.assignments_expired as usize, by_rule(AssignmentStatus::Expired).len());
    assert_eq!(stats.assignments_active as usize, by_rule(AssignmentStatus::Active).len());
    let slice = Slice { sort: AssignmentSort::CreatedAt, order: SortOrder::Asc, limit: 100, offset: 0 };
    for status in [AssignmentStatus::Active, AssignmentStatus::Scheduled, AssignmentStatus::Expired] {
        let filter = AssignmentFilter { environment_id: env.id.clone(), status: Some(status), now_ms: T0, ..Default::default() };
        let (views, total) = store.assignment_views(&filter, slice).await.unwrap();
        let mut listed: Vec<String> = views.into_iter().map(|v| v.assignment.id).collect();
        listed.sort();
        assert_eq!(listed, by_rule(status), "{}: the SQL filter and the rule disagree", status.as_str());
        assert_eq!(total as usize, listed.len());
    }
}

#[tokio::test]
async fn ten_thousand_assignments_insert_in_one_batch() {
    let store = test_store().await;
    let mut batch = tenant("big");
    let template = batch.assignments.remove(0);
    batch.identities = (0..1000)
        .map(|i| Identity { id: format!("big-identity-{i}"), email_normalized: format!("person{i}@example.com"), ..batch.identities[0].clone() })
        .collect();
    let root = batch.nodes[1].clone();
    batch.nodes.extend((0..10).map(|i| Node { id: format!("big-node-{i}"), ..root.clone() }));
    batch.assignments = (0..10_000)
        .map(|i| Assignment {
            id: format!("big-asg-{i:05}"),
            identity_id: format!("big-identity-{}", i % 1000),
            node_id: format!("big-node-{}", i / 1000),
            ..template.clone()
        })
        .collect();

    let started = std::time::Instant::now();
    store.insert_batch(&batch).await.unwrap();
    // A figure for the log, not an assertion: timings on shared CI machines vary too much.
    eprintln!("insert_batch: 10,000 assignments + 1,000 identities in {:?} ({})", started.elapsed(), backend_name());

    assert_eq!(store.counts().await.unwrap().assignments, 10_000);
    let of_one = store.assignments_for_identity("big-identity-7").await.unwrap();
    assert_eq!(of_one.len(), 10);
    assert_eq!(of_one[0], batch.assignments[7]);
}

#[tokio::test]
async fn migrate_twice_is_harmless_and_ping_answers() {
    let store = test_store().await;
    store.insert_batch(&tenant("t1")).await.unwrap();
    store.migrate().await.unwrap();
    store.migrate().await.unwrap();
    store.ping().await.unwrap();
    assert_eq!(store.counts().await.unwrap().accounts, 1, "migrating again keeps the data");
    assert_eq!(store.backend().name(), backend_name());
}

/// Rows written before migration 0004 have no folded names; the next `migrate` fills them (in
/// Rust: no SQL `LOWER()` folds like `fold_case`), and search finds them again.
#[tokio::test]
async fn migrate_fills_the_folded_names_of_rows_written_before_them() {
    let (store, url) = test_store_and_url().await;
    let mut batch = tenant("t1");
    batch.identities[0].name = "Émile Zola".into();
    batch.nodes[0].name = "Zürich".into();
    batch.nodes[0].path = "Zürich".into();
    batch.roles[0].name = "Éditeur".into();
    store.insert_batch(&batch).await.unwrap();
    let application = &batch.applications[0].id;
    let environment = &batch.environments[0].id;
    let search = |term: &str| server::store::PageSpec { search: Some(term.into()), limit: 10, ..Default::default() };
    let identities = |term: &str| server::store::IdentityPageSpec { page: search(term), ..Default::default() };
    assert_eq!(store.identity_page(application, &identities("ÉMILE")).await.unwrap().1, 1);

    for statement in ["UPDATE identities SET name_folded = NULL", "UPDATE nodes SET name_folded = NULL, path_folded = NULL", "UPDATE roles SET name_folded = NULL"] {
        execute_raw(&url, statement).await.unwrap();
    }
    assert_eq!(store.identity_page(application, &identities("émile")).await.unwrap().1, 0, "as an old row");
    store.migrate().await.unwrap();
    assert_eq!(store.identity_page(application, &identities("émile")).await.unwrap().1, 1);
    assert_eq!(store.node_page(environment, &search("ZÜRICH")).await.unwrap().1, 1);
    assert_eq!(store.role_page(environment, &search("éditeur")).await.unwrap().1, 1);
}
