//! The tenant and principal matrix, generated from the router's own table of routes: every
//! operation it serves is called as each wrong principal (another account's admin, another
//! environment's API key, an identity, an expired, an unsigned (`alg: none`) or a tampered token,
//! a revoked key), with the victim tenant's real ids in its path, query and body. Each must
//! answer what the contract says (another tenant's object 404, the wrong principal type 403,
//! a bad credential 401), a status the OpenAPI document lists for that operation, and change
//! nothing: the table counts are the same after a refused call, and the victim's data is the
//! same after a call that acts in the caller's own tenant.
//!
//! A new route is covered without anyone listing it: the matrix iterates
//! `server::api_routes()`, and a route it has no expectation for fails the test.

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use server::{
    auth::{Claims, PrincipalKind, TokenKeys},
    demo::spec::{DEMO_ADMIN_PASSWORD, OTHER_ADMIN_EMAIL},
    features::api_keys,
    web::registry::Endpoint,
};

use crate::app::{SECRET, TestApp, TestResponse};

/// Open to anyone by design; everything else is in the matrix.
const PUBLIC: [(&str, &str); 5] = [
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
    ("POST", "/portal/v1/auth/login"),
];

/// The admin's own session: another account's admin gets its own session's answers there.
const ADMIN_SESSION: [&str; 3] = ["/portal/v1/me", "/portal/v1/auth/refresh", "/portal/v1/auth/logout"];

const VICTIM_ENV: &str = "/portal/v1/accounts/acme/applications/billing/environments/production";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Principal {
    /// The admin of `globex`, calling `acme`'s paths.
    OtherAccountAdmin,
    /// A management key of `globex/portal/production`, with `acme` ids.
    OtherEnvironmentKey,
    /// A token minted for an identity of `globex`, with `acme` ids.
    IdentityToken,
    /// The right kind of token for the operation, for the victim's principal, expired.
    ExpiredToken,
    /// The same, unsigned: `alg: none`.
    UnsignedToken,
    /// A valid token of the victim's with its claims rewritten and the signature kept.
    TamperedToken,
    /// The victim environment's management key, revoked.
    RevokedKey,
}

const PRINCIPALS: [Principal; 7] = [
    Principal::OtherAccountAdmin,
    Principal::OtherEnvironmentKey,
    Principal::IdentityToken,
    Principal::ExpiredToken,
    Principal::UnsignedToken,
    Principal::TamperedToken,
    Principal::RevokedKey,
];

/// What an operation must answer one principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Refused with this status; nothing in the database changes.
    Refused(u16),
    /// The caller acts in its own tenant (its own session, its own environment's lists and
    /// creations): 2xx, nothing of the victim's in the answer, the victim's data unchanged.
    OwnTenant,
    /// A bulk call whose every item names the victim's objects: 422, no item succeeded, nothing
    /// written.
    EveryItemRefused,
}

/// Management operations without an `{id}` in the path, for another environment's key: they
/// act in the key's own environment, or refuse the victim's ids in their bodies.
fn other_environment_collection(method: &str, path: &str) -> Option<Expect> {
    Some(match (method, path) {
        ("GET", "/api/v1/assignments" | "/api/v1/nodes" | "/api/v1/roles" | "/api/v1/identities" | "/api/v1/changes") => Expect::OwnTenant,
        ("GET", "/api/v1/assignments/export" | "/api/v1/identities/export") => Expect::OwnTenant,
        ("POST", "/api/v1/nodes" | "/api/v1/roles" | "/api/v1/identities") => Expect::OwnTenant,
        ("POST", "/api/v1/nodes/lookup" | "/api/v1/identities/lookup" | "/api/v1/check/batch") => Expect::OwnTenant,
        ("POST", "/api/v1/auth/token") => Expect::OwnTenant,
        ("POST", "/api/v1/assignments" | "/api/v1/check") => Expect::Refused(404),
        ("POST", "/api/v1/assignments/bulk-change-role") => Expect::Refused(404),
        ("POST", "/api/v1/assignments/bulk-create" | "/api/v1/assignments/bulk-remove") => Expect::EveryItemRefused,
        _ => return None,
    })
}

/// The contract's answer, or `None` when the matrix does not know the operation (a new route
/// that needs a decision: the test fails and names it).
fn expectation(endpoint: &Endpoint, principal: Principal) -> Option<Expect> {
    let (method, path) = (endpoint.method.as_str(), endpoint.path.as_str());
    let tenant_portal = path.starts_with("/portal/v1/accounts/{account_slug}/applications/{app_slug}/");
    let session = ADMIN_SESSION.contains(&path);
    let portal = tenant_portal || session;
    let exchange = (method, path) == ("POST", "/api/v1/auth/token");
    let me = path.starts_with("/api/v1/me/");
    let management = path.starts_with("/api/v1/") && !me && !exchange;
    if !(portal || exchange || me || management) {
        return None;
    }
    Some(match principal {
        Principal::ExpiredToken | Principal::UnsignedToken | Principal::TamperedToken | Principal::RevokedKey => Expect::Refused(401),
        Principal::OtherAccountAdmin if tenant_portal => Expect::Refused(404),
        Principal::OtherAccountAdmin if session => Expect::OwnTenant,
        // The exchange reads X-API-Key alone: a Bearer token is no credential there.
        Principal::OtherAccountAdmin | Principal::IdentityToken if exchange => Expect::Refused(401),
        Principal::OtherAccountAdmin => Expect::Refused(403),
        Principal::OtherEnvironmentKey if portal || me => Expect::Refused(403),
        Principal::OtherEnvironmentKey if path.contains("{id}") => Expect::Refused(404),
        Principal::OtherEnvironmentKey => other_environment_collection(method, path)?,
        Principal::IdentityToken if me => Expect::Refused(404),
        Principal::IdentityToken => Expect::Refused(403),
    })
}

/// The victim (`acme/billing/production`) and the credentials of everyone else.
struct World {
    app: TestApp,
    document: Value,
    /// The victim's own admin, who reads the victim's data before and after each call.
    victim_admin: String,
    /// `{name}` of a path → the victim's id for it, by the collection the path names.
    assignment: String,
    identity: String,
    node: String,
    role: String,
    api_key: String,
    /// Strings that must not appear in an answer to someone else (ids, an email).
    victim_marks: Vec<String>,
    other_admin: String,
    other_key: String,
    identity_token: String,
    revoked_key: String,
    /// Forged from the victim's own tokens, per kind of principal.
    expired: BTreeMap<&'static str, String>,
    unsigned: BTreeMap<&'static str, String>,
    tampered: BTreeMap<&'static str, String>,
}

/// `{"alg":"none","typ":"JWT"}`, base64url-encoded: a header that asks for no signature.
const NONE_HEADER: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0";

/// The claims segment of a JWT.
fn payload(token: &str) -> &str {
    token.split('.').nth(1).expect("a JWT has three segments")
}

/// The three forgeries of a valid token: expired (well signed), unsigned, and tampered (claims
/// rewritten to last a year, the original signature kept).
fn forgeries(keys: &TokenKeys, token: &str, kind: PrincipalKind) -> (String, String, String) {
    let claims = keys.verify(token, kind).expect("the victim's token is valid");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let expired = keys.issue(&Claims { iat: now - 7200, exp: now - 3600, ..claims.clone() }).expect("token");
    // The claims encoded by any key: only the middle segment is used.
    let elsewhere = TokenKeys::new(b"any-other-key-any-other-key-any-other");
    let unsigned = format!("{NONE_HEADER}.{}.", payload(&elsewhere.issue(&claims).expect("token")));
    let mut parts = token.split('.');
    let (header, _, signature) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
    let longer = elsewhere.issue(&Claims { exp: now + 365 * 86_400, ..claims }).expect("token");
    let longer = payload(&longer);
    (expired, unsigned, format!("{header}.{longer}.{signature}"))
}

impl World {
    async fn new() -> Self {
        let app = TestApp::with_demo().await;
        let document = app.get("/api/openapi.json", None).await.body;
        let victim_admin = app.demo_token().await;
        let row = app.get(&format!("{VICTIM_ENV}/assignments/app-wide?take=1&status=active"), Some(&victim_admin)).await;
        let row = &row.body["items"][0];
        let text = |value: &Value| value.as_str().expect("a string id").to_owned();
        let (assignment, identity, role) = (text(&row["assignment"]["id"]), text(&row["identity"]["id"]), text(&row["role"]["id"]));
        let node = text(&row["assignment"]["source_node_id"]);
        let email = text(&row["identity"]["email"]);

        let victim_key = app.api_key("production").await;
        let keys_page = app.get(&format!("{VICTIM_ENV}/api-keys"), Some(&victim_admin)).await;
        let api_key = text(&keys_page.body["items"][0]["id"]);
        let revoked_key = app.api_key("production").await;
        let revoked_id = app.store.api_key_by_prefix(server::domain::api_key::prefix(&revoked_key).unwrap()).await.unwrap().unwrap().id;
        let revoke = app.delete(&format!("{VICTIM_ENV}/api-keys/{revoked_id}"), Some(&victim_admin)).await;
        assert_eq!(revoke.status, StatusCode::NO_CONTENT);

        let other_admin = app.login(OTHER_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
        let (_, other_key) =
            api_keys::service::create_api_key(app.store.as_ref(), "globex", "portal", "production", "matrix", server::domain::audit::Actor::System)
                .await
                .expect("globex key");
        let headers = [("x-api-key", other_key.as_str())];
        let theirs = app.request_with(Method::GET, "/api/v1/identities?status=active&take=1", &headers, None).await;
        let their_identity = text(&theirs.body["items"][0]["id"]);
        let minted = app.request_with(Method::POST, &format!("/api/v1/identities/{their_identity}/tokens"), &headers, None).await;
        assert_eq!(minted.status, StatusCode::CREATED, "{}", minted.body);
        let identity_token = text(&minted.body["access_token"]);

        // The victim's own tokens of each kind, to forge from.
        let victim_headers = [("x-api-key", victim_key.as_str())];
        let management = app.request_with(Method::POST, "/api/v1/auth/token", &victim_headers, None).await;
        let victim_identity_token = app.request_with(Method::POST, &format!("/api/v1/identities/{identity}/tokens"), &victim_headers, None).await;
        let keys = TokenKeys::new(SECRET);
        let (mut expired, mut unsigned, mut tampered) = (BTreeMap::new(), BTreeMap::new(), BTreeMap::new());
        for (name, token, kind) in [
            ("admin", victim_admin.clone(), PrincipalKind::Admin),
            ("management", text(&management.body["access_token"]), PrincipalKind::Management),
            ("identity", text(&victim_identity_token.body["access_token"]), PrincipalKind::Identity),
        ] {
            let (e, u, t) = forgeries(&keys, &token, kind);
            expired.insert(name, e);
            unsigned.insert(name, u);
            tampered.insert(name, t);
        }
        let victim_marks: Vec<String> = vec![assignment.clone(), identity.clone(), node.clone(), role.clone(), api_key.clone(), email, "acme".into()];
        World {
            app,
            document,
            victim_admin,
            assignment,
            identity,
            node,
            role,
            api_key,
            victim_marks,
            other_admin,
            other_key,
            identity_token,
            revoked_key,
            expired,
            unsigned,
            tampered,
        }
    }

    /// The victim's id for a path parameter, by the collection before it.
    fn id_for(&self, path: &str) -> &str {
        let before = path.split("/{id}").next().unwrap_or_default();
        match before.rsplit('/').next().unwrap_or_default() {
            "assignments" => &self.assignment,
            "identities" => &self.identity,
            "nodes" => &self.node,
            "roles" => &self.role,
            "api-keys" => &self.api_key,
            other => panic!("{path}: the matrix has no victim id for `{other}/{{id}}`; add one to World::id_for"),
        }
    }

    fn uri(&self, endpoint: &Endpoint) -> String {
        let path = endpoint.path.split('/').map(|segment| match segment {
            "{account_slug}" => "acme",
            "{app_slug}" => "billing",
            "{env_slug}" => "production",
            "{id}" => self.id_for(&endpoint.path),
            other if other.starts_with('{') => panic!("{endpoint}: no victim value for {other}"),
            other => other,
        });
        let path = path.collect::<Vec<_>>().join("/");
        let operation = self.operation(endpoint);
        let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
        // Query parameters that name the victim's objects.
        let query: Vec<String> = parameters
            .iter()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| match p["name"].as_str()? {
                "node_id" => Some(format!("node_id={}", self.node)),
                "environment" => Some("environment=production".to_owned()),
                _ => None,
            })
            .collect();
        if query.is_empty() { path } else { format!("{path}?{}", query.join("&")) }
    }

    fn operation(&self, endpoint: &Endpoint) -> &Value {
        let operation = &self.document["paths"][&endpoint.path][endpoint.method.as_str().to_lowercase()];
        assert!(operation.is_object(), "{endpoint} is not in the OpenAPI document");
        operation
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str() {
            Some(target) => self.resolve(self.document.pointer(target.trim_start_matches('#')).expect("the $ref resolves")),
            None => schema,
        }
    }

    /// A minimal valid value of `schema` (required properties only), with the victim's ids
    /// wherever a field names one. `collection` says which ids a bare `ids` list holds.
    fn minimal(&self, schema: &Value, field: &str, collection: &str) -> Value {
        let schema = self.resolve(schema);
        if let Some(options) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
            let option = options.iter().find(|o| self.resolve(o)["type"] != "null").unwrap_or(&options[0]);
            return self.minimal(option, field, collection);
        }
        let types: Vec<&str> = match &schema["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(all) => all.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let kind = types.iter().copied().find(|t| *t != "null").unwrap_or("object");
        if let Some(first) = schema["enum"].as_array().and_then(|values| values.first()) {
            return first.clone();
        }
        match kind {
            "object" => {
                let properties = schema["properties"].as_object().cloned().unwrap_or_default();
                let required = schema["required"].as_array().cloned().unwrap_or_default();
                let mut object = serde_json::Map::new();
                for name in required.iter().filter_map(Value::as_str) {
                    object.insert(name.to_owned(), self.minimal(&properties[name], name, collection));
                }
                Value::Object(object)
            }
            "array" => {
                let items = self.minimal(&schema["items"], field, collection);
                let count = schema["minItems"].as_u64().unwrap_or(1).max(1);
                Value::Array(vec![items; count as usize])
            }
            "integer" | "number" => schema["minimum"].as_i64().map_or(json!(1), |m| json!(m)),
            "boolean" => json!(false),
            _ => json!(match field {
                "identity_id" => self.identity.as_str(),
                "node_id" | "parent_id" => self.node.as_str(),
                "role_id" => self.role.as_str(),
                "ids" => match collection {
                    "nodes" => self.node.as_str(),
                    "identities" => self.identity.as_str(),
                    _ => self.assignment.as_str(),
                },
                "email" | "emails" => "matrix@globex.example",
                "permission" => "invoices.read",
                "slug" => "matrix",
                _ if schema["format"] == "date-time" => "2026-04-20T12:00:00Z",
                _ => "matrix",
            }),
        }
    }

    fn body(&self, endpoint: &Endpoint) -> Option<Value> {
        let schema = &self.operation(endpoint)["requestBody"]["content"]["application/json"]["schema"];
        if schema.is_null() {
            return None;
        }
        let collection = endpoint.path.trim_start_matches("/api/v1/").split('/').next().unwrap_or_default();
        let collection = endpoint.path.split("/environments/{env_slug}/").nth(1).or(endpoint.path.split("/applications/{app_slug}/").nth(1)).map_or(collection, |rest| rest.split('/').next().unwrap_or_default());
        Some(self.minimal(schema, "", collection))
    }

    fn credentials(&self, endpoint: &Endpoint, principal: Principal) -> Vec<(&'static str, String)> {
        let kind = if endpoint.path.starts_with("/portal/") {
            "admin"
        } else if endpoint.path.starts_with("/api/v1/me/") {
            "identity"
        } else {
            "management"
        };
        let bearer = |token: &str| vec![("authorization", format!("Bearer {token}"))];
        match principal {
            Principal::OtherAccountAdmin => bearer(&self.other_admin),
            Principal::OtherEnvironmentKey => vec![("x-api-key", self.other_key.clone())],
            Principal::IdentityToken => bearer(&self.identity_token),
            Principal::ExpiredToken => bearer(&self.expired[kind]),
            Principal::UnsignedToken => bearer(&self.unsigned[kind]),
            Principal::TamperedToken => bearer(&self.tampered[kind]),
            Principal::RevokedKey => vec![("x-api-key", self.revoked_key.clone())],
        }
    }

    async fn call(&self, endpoint: &Endpoint, principal: Principal) -> TestResponse {
        let credentials = self.credentials(endpoint, principal);
        let headers: Vec<(&str, &str)> = credentials.iter().map(|(name, value)| (*name, value.as_str())).collect();
        self.app.request_with(endpoint.method.clone(), &self.uri(endpoint), &headers, self.body(endpoint)).await
    }

    /// What the victim has: its environment's counts, its application's identities, its
    /// account's latest audit event.
    async fn victim_state(&self) -> String {
        let store = self.app.store.as_ref();
        let acme = store.account_by_slug("acme").await.unwrap().unwrap();
        let billing = store.application_by_slug(&acme.id, "billing").await.unwrap().unwrap();
        let production = store.environment_by_slug(&billing.id, "production").await.unwrap().unwrap();
        let stats = store.environment_stats(&production, 0).await.unwrap();
        let identities = store.identity_counts(&billing.id).await.unwrap();
        let audit: Vec<String> = store.recent_audit_events(&acme.id, 1).await.unwrap().into_iter().map(|e| e.id).collect();
        let assignment = self.app.get(&format!("{VICTIM_ENV}/assignments/{}", self.assignment), Some(&self.victim_admin)).await;
        format!("{stats:?} {identities:?} {audit:?} {}", assignment.body)
    }
}

/// Every operation but the public ones, the admin session's sign-out last (it ends the session
/// the other calls use).
fn operations() -> Vec<Endpoint> {
    let mut endpoints: Vec<Endpoint> = server::api_routes()
        .endpoints()
        .iter()
        .filter(|e| !PUBLIC.contains(&(e.method.as_str(), e.path.as_str())))
        .cloned()
        .collect();
    endpoints.sort_by_key(|e| e.path == "/portal/v1/auth/logout");
    endpoints
}

fn documented(world: &World, endpoint: &Endpoint, status: StatusCode) -> bool {
    world.operation(endpoint)["responses"].get(status.as_str()).is_some()
}

#[tokio::test]
async fn every_operation_refuses_every_wrong_principal_and_changes_nothing() {
    let world = World::new().await;
    let operations = operations();
    let mut unknown = Vec::new();
    let mut problems = Vec::new();
    let mut calls = 0;
    let mut tally: BTreeMap<(Principal, String), usize> = BTreeMap::new();
    for principal in PRINCIPALS {
        for endpoint in &operations {
            let Some(expect) = expectation(endpoint, principal) else {
                unknown.push(format!("{endpoint} as {principal:?}"));
                continue;
            };
            let counts_before = world.app.store.counts().await.unwrap();
            let victim_before = world.victim_state().await;
            let response = world.call(endpoint, principal).await;
            calls += 1;
            let counts_after = world.app.store.counts().await.unwrap();
            let victim_after = world.victim_state().await;
            let answer = format!("{} {}", response.status, response.body);
            let mut fail = |what: String| problems.push(format!("{endpoint} as {principal:?}: {what}; answered {answer:.300}"));
            if !documented(&world, endpoint, response.status) {
                fail(format!("{} is not a documented status of this operation", response.status));
            }
            if victim_after != victim_before {
                fail("the victim's data changed".into());
            }
            match expect {
                Expect::Refused(status) => {
                    if response.status.as_u16() != status {
                        fail(format!("expected {status}"));
                    }
                    let code = response.body["code"].as_str().unwrap_or_default();
                    let expected_code = match status {
                        401 => "unauthorized",
                        403 => "wrong_principal_type",
                        _ => "",
                    };
                    if !expected_code.is_empty() && code != expected_code {
                        fail(format!("expected code {expected_code}"));
                    }
                    if status == 404 && !code.ends_with("not_found") {
                        fail("expected a not_found code".into());
                    }
                    if counts_after != counts_before {
                        fail(format!("a refused call changed the tables: {counts_before:?} → {counts_after:?}"));
                    }
                }
                Expect::OwnTenant => {
                    if !response.status.is_success() {
                        fail("expected 2xx in the caller's own tenant".into());
                    }
                    let text = response.body.to_string();
                    if let Some(mark) = world.victim_marks.iter().find(|mark| text.contains(mark.as_str())) {
                        fail(format!("the answer shows the victim's {mark}"));
                    }
                    if text.contains("\"allowed\":true") {
                        fail("a check of the victim's objects was allowed".into());
                    }
                }
                Expect::EveryItemRefused => {
                    if response.status != StatusCode::UNPROCESSABLE_ENTITY || response.body["summary"]["succeeded"] != 0 {
                        fail("expected 422 with no item succeeded".into());
                    }
                    let results = response.body["results"].as_array().cloned().unwrap_or_default();
                    if results.is_empty() || results.iter().any(|r| !matches!(r["code"].as_u64(), Some(404 | 424))) {
                        fail("expected every item 404 (or 424 rolled back)".into());
                    }
                    if counts_after != counts_before {
                        fail(format!("a refused bulk call changed the tables: {counts_before:?} → {counts_after:?}"));
                    }
                }
            }
            *tally.entry((principal, response.status.as_str().to_owned())).or_default() += 1;
        }
    }
    assert!(unknown.is_empty(), "operations the matrix has no expectation for (decide what each must answer):\n  {}", unknown.join("\n  "));
    assert!(problems.is_empty(), "{} of {calls} calls broke the contract:\n  {}", problems.len(), problems.join("\n  "));
    // Not vacuous: every served operation but the public ones, as all seven principals.
    let served = server::api_routes().endpoints().len();
    assert_eq!(operations.len(), served - PUBLIC.len());
    assert!(operations.len() >= 75, "only {} operations", operations.len());
    assert_eq!(calls, operations.len() * PRINCIPALS.len());
    for principal in [Principal::ExpiredToken, Principal::UnsignedToken, Principal::TamperedToken, Principal::RevokedKey] {
        assert_eq!(tally.get(&(principal, "401".to_owned())), Some(&operations.len()), "{principal:?}: {tally:?}");
    }
}

/// The exemptions are exactly the operations the document says need no credentials.
#[tokio::test]
async fn the_public_operations_are_exactly_the_documented_open_ones() {
    let app = TestApp::empty().await;
    let document = app.get("/api/openapi.json", None).await.body;
    let mut open = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if operation.get("security").is_none() {
                open.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    open.sort();
    let mut public: Vec<(String, String)> = PUBLIC.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
    public.sort();
    assert_eq!(open, public);
}

/// The matrix itself catches what it is for: a route it has no rule for is reported, and a
/// leaking answer would fail (checked on the rules, without a broken server).
#[test]
fn a_route_without_an_expectation_is_reported() {
    let new_route = Endpoint { method: Method::POST, path: "/api/v1/reports".into(), body: None };
    assert_eq!(expectation(&new_route, Principal::OtherEnvironmentKey), None);
    let elsewhere = Endpoint { method: Method::GET, path: "/internal/stats".into(), body: None };
    assert_eq!(expectation(&elsewhere, Principal::ExpiredToken), None);
    let object = Endpoint { method: Method::GET, path: "/api/v1/reports/{id}".into(), body: None };
    assert_eq!(expectation(&object, Principal::OtherEnvironmentKey), Some(Expect::Refused(404)));
}
