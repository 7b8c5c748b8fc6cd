//! The in-memory index answers exactly what SQL answers, and follows writes in place.

use app::dto::{AssignmentSort, AssignmentStatus, SortOrder, Timestamp};
use serde_json::json;
use server::{
    domain::tenancy::EnvironmentTenancy,
    index::{Decision, EnvIndex},
    store::{AssignmentFilter, Slice},
};

use crate::app::TestApp;

#[tokio::test]
async fn index_lists_and_checks_agree_with_sql_on_the_demo_data() {
    let app = TestApp::with_demo().await;
    let store = app.store.as_ref();
    let account = store.account_by_slug("acme").await.unwrap().unwrap();
    let application = store.application_by_slug(&account.id, "billing").await.unwrap().unwrap();
    let env = store.environment_by_slug(&application.id, "production").await.unwrap().unwrap();
    let index = EnvIndex::load(store, &env.id, &application.id).await.unwrap();
    assert_eq!(index.assignment_count(), 1000);

    let nodes = store.nodes(&env.id).await.unwrap();
    let roles = store.roles(&env.id).await.unwrap();
    let deep = nodes.iter().find(|n| n.depth == 3).unwrap();
    let lineage: Vec<String> = deep.id_path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let now = Timestamp::now().as_millis();
    let base = AssignmentFilter { environment_id: env.id.clone(), now_ms: now, ..Default::default() };
    let filters = vec![
        base.clone(),
        AssignmentFilter { status: Some(AssignmentStatus::Active), ..base.clone() },
        AssignmentFilter { status: Some(AssignmentStatus::Expired), role_id: Some(roles[0].id.clone()), ..base.clone() },
        AssignmentFilter { source_node_id: Some(nodes[1].id.clone()), ..base.clone() },
        AssignmentFilter { on_nodes: Some(lineage), ..base.clone() },
        AssignmentFilter { search: Some("an".into()), ..base.clone() },
        AssignmentFilter { search: Some("EDITOR".into()), status: Some(AssignmentStatus::Scheduled), ..base.clone() },
        AssignmentFilter { role_id: Some("unknown".into()), ..base.clone() },
    ];
    let mut compared = 0;
    for filter in &filters {
        for sort in [AssignmentSort::CreatedAt, AssignmentSort::Name, AssignmentSort::Role] {
            for order in [SortOrder::Asc, SortOrder::Desc] {
                for (limit, offset) in [(20, 0), (100, 100), (7, 993), (20, 5000)] {
                    let slice = Slice { sort, order, limit, offset };
                    let from_sql = store.assignment_views(filter, slice).await.unwrap();
                    let from_index = index.views(filter, slice);
                    assert_eq!(from_index.1, from_sql.1, "count for {filter:?} {slice:?}");
                    assert_eq!(from_index.0, from_sql.0, "rows for {filter:?} {slice:?}");
                    compared += from_sql.0.len();
                }
            }
        }
    }
    assert!(compared > 2_000, "compared {compared} rows");

    // Checks: every identity with an assignment × a spread of permissions and nodes.
    let permissions = store.permissions(&env.id).await.unwrap();
    let (views, _) = store.assignment_views(&base, Slice { sort: AssignmentSort::CreatedAt, order: SortOrder::Asc, limit: 1000, offset: 0 }).await.unwrap();
    let mut allowed = 0;
    for (n, view) in views.iter().enumerate().step_by(3) {
        let identity = &view.assignment.identity_id;
        let permission = &permissions[n % permissions.len()].key;
        let node = &nodes[n % nodes.len()];
        let path: Vec<String> = node.id_path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
        let identity_active = store.identity_by_id(&application.id, identity).await.unwrap().unwrap().status.is_active();
        let sql = if identity_active { store.grants(&env.id, &[identity], Some(&path), Some(permission), now).await.unwrap() } else { Vec::new() };
        match index.check(identity, permission, &node.id, now) {
            Decision::Allowed(grant) => {
                allowed += 1;
                assert_eq!(sql.first().map(|g| g.assignment_id.as_str()), Some(grant.assignment_id.as_str()), "check {n}");
            }
            Decision::Denied => assert!(sql.is_empty(), "check {n}: SQL allows"),
            Decision::Unknown => panic!("check {n}: known identity and node"),
        }
    }
    assert!(allowed > 10, "{allowed} allowed");
    assert_eq!(index.check("ghost", &permissions[0].key, &nodes[0].id, now), Decision::Unknown);
}

#[tokio::test]
async fn a_write_is_applied_to_the_index_in_place_and_touches_no_other_environment() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let store = app.store.clone();
    let account = store.account_by_slug("acme").await.unwrap().unwrap();
    let application = store.application_by_slug(&account.id, "billing").await.unwrap().unwrap();
    let production = store.environment_by_slug(&application.id, "production").await.unwrap().unwrap();
    let development = store.environment_by_slug(&application.id, "development").await.unwrap().unwrap();
    let tenancy = EnvironmentTenancy { account: account.clone(), application: application.clone(), environment: production.clone() };
    let other = EnvironmentTenancy { account, application: application.clone(), environment: development.clone() };
    let built = app.state.index.rebuild(&production.id, &application.id).await.expect("loads");
    let untouched = app.state.index.rebuild(&development.id, &application.id).await.expect("loads");
    let development_rows = untouched.read().assignment_count();
    assert_eq!(built.read().assignment_count(), 1000);

    // A delete through the API: the same index, changed in place, answers the next read.
    let rows = app.get("/portal/v1/accounts/acme/applications/billing/environments/production/assignments/app-wide?take=1", Some(&token)).await;
    let id = rows.body["items"][0]["assignment"]["id"].as_str().unwrap().to_owned();
    let deleted = app.delete(&format!("/portal/v1/accounts/acme/applications/billing/environments/production/assignments/{id}"), Some(&token)).await;
    assert_eq!(deleted.status, axum::http::StatusCode::NO_CONTENT);
    assert!(deleted.headers.get("canopy-revision").is_some(), "a write answers with its revision");
    let current = app.state.index.current(&tenancy, None).await.expect("memory answers right after this process's own write");
    assert!(std::sync::Arc::ptr_eq(&current, &built), "the index was not reloaded");
    assert_eq!(current.read().assignment_count(), 999);
    let listed = app.get("/portal/v1/accounts/acme/applications/billing/environments/production/assignments/app-wide", Some(&token)).await;
    assert_eq!(listed.body["pagination"]["item_count"], json!(999));
    let filter = AssignmentFilter { environment_id: production.id.clone(), now_ms: Timestamp::now().as_millis(), ..Default::default() };
    let slice = Slice { sort: AssignmentSort::Name, order: SortOrder::Desc, limit: 50, offset: 0 };
    assert_eq!(current.read().views(&filter, slice), store.assignment_views(&filter, slice).await.unwrap(), "and agrees with SQL");

    // The other environment's index is the same object with the same rows.
    let other_now = app.state.index.current(&other, None).await.expect("current");
    assert!(std::sync::Arc::ptr_eq(&other_now, &untouched));
    assert_eq!(other_now.read().assignment_count(), development_rows);
}
