//! One read model: on generated data, changed write by write through the API, the in-memory
//! index (kept up to date by the change feed) answers every list and check exactly as SQL does,
//! and exactly as an index loaded afresh. The data is made to hit the edges: non-ASCII names and
//! searches in other cases, validity windows that start or end exactly at the instant asked
//! about, nodes moved under other nodes, identities deactivated and renamed, roles renamed and
//! their permissions replaced, assignments edited and deleted.

use app::dto::{AssignmentSort, AssignmentStatus, SortOrder, Timestamp};
use axum::http::StatusCode;
use serde_json::{Value, json};
use server::{
    domain::tenancy::EnvironmentTenancy,
    index::{Decision, EnvIndex},
    store::{AssignmentFilter, Revision, Slice},
};

use crate::app::{TestApp, TestResponse};

const APP: &str = "/portal/v1/accounts/acme/applications/billing";
const PROD: &str = "/portal/v1/accounts/acme/applications/billing/environments/production";
const SEEDS: u64 = 3;

/// xorshift64*: the same data for the same seed, on every run and both databases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const FIRST: &[&str] = &["Émile", "Zoë", "Ωmega", "Ärne", "İlkay", "Øyvind", "Straße", "Łukasz", "Ǆemal", "Ĳsbrand", "Chloé", "anne", "Anne", "ANNE"];
const LAST: &[&str] = &["Zola", "Müller", "Ångström", "Δημήτρης", "Øster", "Nuñez", "Dvořák", "Smith", "smith", "O'Neil"];
const PLACES: &[&str] = &["Zürich Büro", "Åland", "São Paulo", "Kraków", "Reykjavík", "東京", "Ωmega Lab", "north", "North"];

fn iso(ms: i64) -> String {
    Timestamp::from_millis(ms).unwrap().to_string()
}

fn ok(response: &TestResponse, what: &str) -> Value {
    assert!(response.status.is_success(), "{what}: {} {}", response.status, response.body);
    response.body.clone()
}

struct World {
    app: TestApp,
    token: String,
    tenancy: EnvironmentTenancy,
    /// Instant the lists and checks are compared at; windows start and end exactly here too.
    at: i64,
    identities: Vec<String>,
    nodes: Vec<String>,
    roles: Vec<String>,
    assignments: Vec<String>,
    permissions: Vec<String>,
    last: Option<String>,
}

impl World {
    fn remember(&mut self, response: &TestResponse) {
        if let Some(revision) = response.headers.get("canopy-revision") {
            self.last = Some(revision.to_str().unwrap().to_owned());
        }
    }

    async fn send(&mut self, method: &str, path: &str, body: Option<Value>, what: &str) -> Option<Value> {
        let method = axum::http::Method::from_bytes(method.as_bytes()).unwrap();
        let response = self.app.request(method, path, Some(&self.token), body).await;
        self.remember(&response);
        // Some generated writes are refused by the API's rules (a move under a descendant, a
        // duplicate assignment): those write nothing, which is fine here.
        match response.status {
            status if status.is_success() => Some(response.body),
            StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY => None,
            _ => panic!("{what}: {} {}", response.status, response.body),
        }
    }

    fn window(&self, rng: &mut Rng) -> (Option<i64>, Option<i64>) {
        let day = 86_400_000;
        let edges = [None, Some(self.at - day), Some(self.at - 1), Some(self.at), Some(self.at + 1), Some(self.at + day)];
        loop {
            let (from, to) = (*rng.pick(&edges), *rng.pick(&edges));
            if let (Some(f), Some(t)) = (from, to)
                && f >= t
            {
                continue;
            }
            return (from, to);
        }
    }

    async fn assign(&mut self, rng: &mut Rng) {
        let (from, to) = self.window(rng);
        let body = json!({
            "identity_id": rng.pick(&self.identities),
            "node_id": rng.pick(&self.nodes),
            "role_id": rng.pick(&self.roles),
            "effective_from": from.map(iso),
            "effective_to": to.map(iso),
        });
        if let Some(created) = self.send("POST", &format!("{PROD}/assignments"), Some(body), "assign").await {
            self.assignments.push(created["id"].as_str().unwrap().to_owned());
        }
    }

    /// One random change of any kind the index follows.
    async fn mutate(&mut self, rng: &mut Rng) {
        match rng.below(10) {
            0 | 1 => self.assign(rng).await,
            2 if !self.assignments.is_empty() => {
                let id = self.assignments.remove(rng.below(self.assignments.len()));
                self.send("DELETE", &format!("{PROD}/assignments/{id}"), None, "unassign").await;
            }
            3 if !self.assignments.is_empty() => {
                let id = rng.pick(&self.assignments).clone();
                let (from, to) = self.window(rng);
                let body = json!({ "effective_from": from.map(iso), "effective_to": to.map(iso) });
                self.send("PATCH", &format!("{PROD}/assignments/{id}"), Some(body), "edit window").await;
            }
            4 => {
                let (node, parent) = (rng.pick(&self.nodes).clone(), rng.pick(&self.nodes).clone());
                self.send("PATCH", &format!("{PROD}/nodes/{node}"), Some(json!({ "parent_id": parent })), "move").await;
            }
            5 => {
                let node = rng.pick(&self.nodes).clone();
                let name = format!("{} {}", rng.pick(PLACES), rng.below(100));
                self.send("PATCH", &format!("{PROD}/nodes/{node}"), Some(json!({ "name": name })), "rename node").await;
            }
            6 => {
                let id = rng.pick(&self.identities).clone();
                let action = if rng.below(2) == 0 { "deactivate" } else { "activate" };
                self.send("POST", &format!("{APP}/identities/{id}/{action}"), None, action).await;
            }
            7 => {
                let id = rng.pick(&self.identities).clone();
                self.send("PATCH", &format!("{APP}/identities/{id}"), Some(json!({ "first_name": rng.pick(FIRST) })), "rename identity").await;
            }
            8 => {
                let role = rng.pick(&self.roles).clone();
                let keys: Vec<&String> = self.permissions.iter().filter(|_| rng.below(3) == 0).collect();
                let keys: Vec<String> = keys.into_iter().cloned().collect();
                self.send("PUT", &format!("{PROD}/roles/{role}/permissions"), Some(json!({ "permissions": keys })), "permissions").await;
            }
            _ => {
                let role = rng.pick(&self.roles).clone();
                let name = format!("{} rôle {}", rng.pick(LAST), rng.below(1000));
                self.send("PATCH", &format!("{PROD}/roles/{role}"), Some(json!({ "name": name })), "rename role").await;
            }
        }
    }

    /// Waits for the index to have applied the last write; compares it with SQL and with an
    /// index loaded now; how many rows and checks were compared.
    async fn compare(&self, rng: &mut Rng, round: usize) -> usize {
        let store = self.app.store.as_ref();
        let wanted = self.last.as_deref().map(|token| Revision::from_token(token, store.identity().unwrap()).unwrap());
        let live = self.app.state.index.current(&self.tenancy, wanted.as_ref()).await.expect("the index catches up with the last write");
        let fresh = EnvIndex::load(store, &self.tenancy.environment.id, &self.tenancy.application.id).await.unwrap();
        let index = live.read();
        let environment_id = self.tenancy.environment.id.clone();
        let base = AssignmentFilter { environment_id: environment_id.clone(), now_ms: self.at, ..Default::default() };
        let mut searches: Vec<String> = vec!["ÉMILE".into(), "zoë".into(), "ΩMEGA".into(), "strasse".into(), "STRASSE".into(), "zürich".into(), "Rôle".into(), "東".into(), "smith".into()];
        searches.push(rng.pick(FIRST).to_uppercase());
        let mut filters = vec![base.clone()];
        for status in [AssignmentStatus::Active, AssignmentStatus::Scheduled, AssignmentStatus::Expired] {
            filters.push(AssignmentFilter { status: Some(status), ..base.clone() });
        }
        for search in searches {
            filters.push(AssignmentFilter { search: Some(search), ..base.clone() });
        }
        filters.push(AssignmentFilter { role_id: Some(rng.pick(&self.roles).clone()), ..base.clone() });
        filters.push(AssignmentFilter { source_node_id: Some(rng.pick(&self.nodes).clone()), ..base.clone() });
        let nodes = store.nodes(&environment_id).await.unwrap();
        let node = &nodes[rng.below(nodes.len())];
        let lineage: Vec<String> = node.id_path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
        filters.push(AssignmentFilter { on_nodes: Some(lineage), status: Some(AssignmentStatus::Active), ..base.clone() });

        let mut compared = 0;
        for filter in &filters {
            for sort in [AssignmentSort::CreatedAt, AssignmentSort::Name, AssignmentSort::Role] {
                for order in [SortOrder::Asc, SortOrder::Desc] {
                    for (limit, offset) in [(10, 7), (100, 0)] {
                        let slice = Slice { sort, order, limit, offset };
                        let sql = store.assignment_views(filter, slice).await.unwrap();
                        same(&index.views(filter, slice), &sql, &format!("round {round}: the live index and SQL for {filter:?} {slice:?}"));
                        same(&fresh.views(filter, slice), &sql, &format!("round {round}: a fresh load and SQL for {filter:?} {slice:?}"));
                        compared += sql.0.len();
                    }
                }
            }
        }
        // Checks at the instant windows start and end, a millisecond either side, and later.
        for _ in 0..40 {
            let identity = rng.pick(&self.identities);
            let permission = rng.pick(&self.permissions);
            let node = &nodes[rng.below(nodes.len())];
            let at = *rng.pick(&[self.at - 1, self.at, self.at + 1, self.at + 86_400_000]);
            let path: Vec<String> = node.id_path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
            let active = store.identity_by_id(&self.tenancy.application.id, identity).await.unwrap().unwrap().status.is_active();
            let grants = if active { store.grants(&environment_id, &[identity.as_str()], Some(&path), Some(permission), at).await.unwrap() } else { Vec::new() };
            let sql = grants.first().map(|g| g.assignment_id.clone());
            for (which, decision) in [("live", index.check(identity, permission, &node.id, at)), ("fresh", fresh.check(identity, permission, &node.id, at))] {
                let answer = match decision {
                    Decision::Allowed(grant) => Some(grant.assignment_id),
                    Decision::Denied => None,
                    Decision::Unknown => panic!("round {round}: the {which} index does not know {identity} or {}", node.id),
                };
                assert_eq!(answer, sql, "round {round}: the {which} index and SQL differ for {identity} {permission} at {} {at}", node.id);
            }
            compared += 1;
        }
        compared
    }
}

/// Equal pages, or a failure naming the first row that differs (not two pages in full).
fn same(index: &(Vec<server::store::AssignmentView>, i64), sql: &(Vec<server::store::AssignmentView>, i64), what: &str) {
    assert_eq!(index.1, sql.1, "{what}: counts differ");
    if let Some(at) = (0..index.0.len().max(sql.0.len())).find(|n| index.0.get(*n) != sql.0.get(*n)) {
        panic!("{what}: row {at} differs:\n index {:?}\n   sql {:?}", index.0.get(at), sql.0.get(at));
    }
}

#[tokio::test]
async fn the_index_answers_lists_and_checks_as_sql_does_through_generated_writes() {
    let mut compared = 0;
    for seed in 1..=SEEDS {
        let app = TestApp::with_demo().await;
        let token = app.demo_token().await;
        let store = app.store.clone();
        let account = store.account_by_slug("acme").await.unwrap().unwrap();
        let application = store.application_by_slug(&account.id, "billing").await.unwrap().unwrap();
        let environment = store.environment_by_slug(&application.id, "production").await.unwrap().unwrap();
        let permissions: Vec<String> = store.permissions(&environment.id).await.unwrap().into_iter().map(|p| p.key).collect();
        let at = (Timestamp::now().as_millis() / 1000) * 1000 + 3_600_000;
        let tenancy = EnvironmentTenancy { account, application, environment };
        let mut world = World { app, token, tenancy, at, identities: Vec::new(), nodes: Vec::new(), roles: Vec::new(), assignments: Vec::new(), permissions, last: None };
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed);

        // A small world of its own, beside the demo's.
        for n in 0..12 {
            let body = json!({ "first_name": rng.pick(FIRST), "last_name": rng.pick(LAST), "email": format!("gen{seed}-{n}@acme.example") });
            let created = world.send("POST", &format!("{APP}/identities"), Some(body), "identity").await.expect("identity");
            world.identities.push(created["id"].as_str().unwrap().to_owned());
        }
        for n in 0..10 {
            let parent = (n > 0).then(|| world.nodes[rng.below(world.nodes.len())].clone());
            let body = json!({ "name": format!("{} {n}", rng.pick(PLACES)), "parent_id": parent });
            let created = world.send("POST", &format!("{PROD}/nodes"), Some(body), "node").await.expect("node");
            world.nodes.push(created["id"].as_str().unwrap().to_owned());
        }
        for n in 0..4 {
            let keys: Vec<String> = world.permissions.iter().filter(|_| rng.below(2) == 0).cloned().collect();
            let body = json!({ "name": format!("{} rôle {seed}{n}", rng.pick(LAST)), "permissions": keys });
            let created = world.send("POST", &format!("{PROD}/roles"), Some(body), "role").await.expect("role");
            world.roles.push(created["id"].as_str().unwrap().to_owned());
        }
        for _ in 0..40 {
            world.assign(&mut rng).await;
        }
        // Some of the demo's identities too, whose assignments are many.
        let demo = ok(&world.app.get(&format!("{APP}/identities?take=5"), Some(&world.token)).await, "demo identities");
        world.identities.extend(demo["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap().to_owned()));
        // The index is loaded now, with all of the above in its sorted base; every change after
        // reaches it through the feed.
        let tenancy = &world.tenancy;
        world.app.state.index.rebuild(&tenancy.environment.id, &tenancy.application.id).await.expect("loads");
        for round in 0..6 {
            for _ in 0..12 {
                world.mutate(&mut rng).await;
            }
            compared += world.compare(&mut rng, round).await;
        }
    }
    eprintln!("index vs SQL on {}: {compared} rows and checks compared over {SEEDS} seeds", crate::common::backend_name());
    assert!(compared > 3_000, "compared {compared}");
}
