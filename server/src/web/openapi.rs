//! The OpenAPI 3.1 document of the whole REST surface, served at `/api/openapi.json`, and the
//! Scalar reference page over it at `/api/docs`.
//!
//! Schemas and query parameters come from the Rust types themselves: the DTOs derive
//! `utoipa::ToSchema` / `IntoParams` (in `app`, under `ssr` only). Operations are described here
//! once and mounted under every prefix that serves them, because one generic handler
//! (`create::<C: EnvironmentCaller>`) serves both `/portal/v1/.../environments/{env_slug}/...` and
//! `/api/v1/...`. A [`Mount`] adds what its prefix brings: the security requirement and the
//! errors its extractors answer with (401/403 from the auth extractors, 404 for slugs that are not
//! the admin's, 400/413/422 from the JSON and query extractors), so those are never forgotten.
//!
//! The integration tests compare this document with the router's own table of routes
//! ([`crate::web::registry::ApiRoutes`]) in both directions.

use std::{
    collections::{BTreeMap, HashSet},
    sync::LazyLock,
};

use app::dto::{
    ApiErrorBody, ApiKeyResponse, AssignmentListQuery, AssignmentResponse, AssignmentRow, AssignmentSummary,
    AuditEventResponse, AuditQuery, BatchCheckRequest, BatchCheckResponse, BulkChangeRoleRequest,
    BulkCreateAssignmentsRequest, BulkCreateIdentitiesRequest, BulkImportResponse, BulkQuery,
    BulkRemoveAssignmentsRequest, BulkResponse, CheckRequest, CheckResponse, CreateApiKeyRequest,
    CreateAssignmentRequest, CreateEnvironmentRequest, CreateIdentityRequest, CreateNodeRequest, CreateRoleRequest,
    CreatedApiKey, DeleteNodeQuery, EffectivePermissionsQuery, EffectivePermissionsResponse, EnvironmentResponse,
    IdentityAssignmentsQuery, IdentityListQuery, IdentityLookupRequest, IdentityLookupResponse, IdentityResponse, IdentitySummary, IdentityTokenRequest,
    IdentityWithAssignments, ListQuery, LoginRequest, MAX_BATCH_CHECKS, MAX_BULK_ITEMS, MeCheckRequest, MeResponse,
    NodeLookupRequest, NodeLookupResponse, NodeResponse, PageQuery, Paginated, PermissionResponse, RecordBulkImportRequest, ResourceResponse, RoleResponse,
    SetRolePermissionsRequest, SetupResourcePermissionsRequest, SetupResourcePermissionsResponse, Timestamp,
    TokenResponse, UpdateAssignmentRequest, UpdateEnvironmentRequest, UpdateIdentityRequest, UpdateNodeRequest,
    UpdateRoleRequest,
};
use axum::{
    http::header,
    response::{Html, IntoResponse, Response},
};
use utoipa::{
    IntoParams, PartialSchema, ToSchema,
    openapi::{
        Components, HttpMethod, InfoBuilder, LicenseBuilder, OpenApi, OpenApiBuilder, Paths, Ref, RefOr, Required,
        Schema,
        content::ContentBuilder,
        header::HeaderBuilder,
        path::{OperationBuilder, Parameter, ParameterBuilder, ParameterIn},
        request_body::{RequestBody, RequestBodyBuilder},
        response::{Response as ApiResponse, ResponseBuilder},
        schema::{ArrayBuilder, ArrayItems, ObjectBuilder, OneOfBuilder, Type},
        security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme},
        tag::Tag,
    },
};

use crate::{
    MAX_BODY_BYTES,
    features::{
        checks::routes::MePermissionsQuery,
        environments::routes::EnvironmentDeleteQuery,
        health::routes::{Liveness, Readiness},
        roles::routes::RoleDeleteQuery,
        sessions::routes::LoginForm,
    },
};

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/openapi.json";
/// Where the browsable reference is served.
pub const REFERENCE_PATH: &str = "/api/docs";

/// Built once: the document is a pure function of the code.
static DOCUMENT_JSON: LazyLock<String> =
    LazyLock::new(|| serde_json::to_string(&document()).expect("an OpenAPI document always serialises to JSON"));

static REFERENCE_HTML: LazyLock<String> =
    LazyLock::new(|| utoipa_scalar::Scalar::new(document()).custom_html(REFERENCE_TEMPLATE).to_html());

/// utoipa-scalar's page with our title. The Scalar script is loaded by the reader's browser;
/// nothing is downloaded at build time.
const REFERENCE_TEMPLATE: &str = r#"<!doctype html>
<html lang="en">
<head>
    <title>Canopy API reference</title>
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1"/>
</head>
<body>
<script id="api-reference" type="application/json">
    $spec
</script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
</body>
</html>
"#;

/// `GET /api/openapi.json`
pub async fn document_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT_JSON.as_str()).into_response()
}

/// `GET /api/docs`
pub async fn reference_page() -> Html<&'static str> {
    Html(REFERENCE_HTML.as_str())
}

const DESCRIPTION: &str = "\
Canopy's REST API: the admin API under `/portal/v1` (what the portal itself calls) and the management \
API under `/api/v1` (environment-scoped, for your backend).

**Principals.** An admin sends `Authorization: Bearer <JWT>` from `POST /portal/v1/auth/login` (the \
portal keeps the same token in an HttpOnly cookie). A management client sends its environment's \
`X-API-Key`, or a Bearer JWT from `POST /api/v1/auth/token`. An identity sends a Bearer JWT minted \
by `POST /api/v1/identities/{id}/tokens`, and may call only `/api/v1/me/*`. Missing, malformed, badly \
signed or expired credentials are a 401; a valid token of the wrong principal type a 403 \
`wrong_principal_type`; another account's or environment's objects a 404.

**Errors.** Every non-2xx response is `{ \"code\", \"message\", \"details\" }` (`ApiErrorBody`); \
`details` names the offending fields.

**Lists.** `page` (1-based, default 1) and `take` (1-100, default 20); out-of-range values are a 400, \
never clamped. Responses are `{ \"items\": [...], \"pagination\": {...} }`.

**Timestamps.** UTC, RFC 3339 with milliseconds (`2026-04-20T12:00:00.000Z`); inputs accept any \
RFC 3339 offset.

**Bulk writes.** `?mode=atomic` (default, all or nothing: 422 with every item's outcome) or \
`?mode=partial` (207 with mixed results); `?dry_run=true` validates without writing; at most 10,000 \
items (413 beyond). Assignment bulk endpoints honour an `Idempotency-Key` header.";

/// The whole document.
pub fn document() -> OpenApi {
    let mut doc = Document::default();
    service(&mut doc);
    portal(&mut doc);
    management(&mut doc);
    doc.finish()
}

// -------------------------------------------------------------------------------------------------
// The operations, in the order the router registers them
// -------------------------------------------------------------------------------------------------

fn service(doc: &mut Document) {
    doc.mount(
        ROOT,
        Op::get("/healthz", "healthz", "Service", "Liveness").ok(200, "The process is up.", component::<Liveness>),
    );
    doc.mount(
        ROOT,
        Op::get("/readyz", "readyz", "Service", "Readiness")
            .ok(200, "The database answers.", component::<Readiness>)
            .error(503, "The database is not reachable (`not_ready`)."),
    );
    doc.mount(
        ROOT,
        Op::get(DOCUMENT_PATH, "openapi_document", "Reference", "This OpenAPI document").ok(
            200,
            "The OpenAPI 3.1 document.",
            |_| ObjectBuilder::new().schema_type(Type::Object).into(),
        ),
    );
    doc.mount(ROOT, Op::get(REFERENCE_PATH, "api_reference", "Reference", "Browsable API reference").html(200, "The Scalar reference page."));
}

fn portal(doc: &mut Document) {
    // Session (routes/auth.rs)
    doc.mount(
        PORTAL,
        Op::post("/auth/login", "login", "Session", "Sign in")
            .anyone()
            .describe("API clients send JSON and get the token in the body; the portal's sign-in form posts `application/x-www-form-urlencoded` and is redirected. Both get the HttpOnly session cookie.")
            .json_body(component::<LoginRequest>)
            .form_body(component::<LoginForm>)
            .ok(200, "Signed in (JSON request).", component::<TokenResponse>)
            .header(200, "Set-Cookie", "The HttpOnly session cookie holding the same token.")
            .redirect(303, "Form request: to `next` when signed in, else back to `/login?error=...`.")
            .error(401, "Email or password is incorrect (`invalid_credentials`)."),
    );
    doc.mount(
        PORTAL,
        Op::post("/auth/refresh", "refresh_session", "Session", "Refresh the session token")
            .ok(200, "A fresh token for the same session.", component::<TokenResponse>)
            .header(200, "Set-Cookie", "The session cookie with the fresh token."),
    );
    doc.mount(
        PORTAL,
        Op::post("/auth/logout", "logout", "Session", "Sign out")
            .describe("Ends the session; later requests with its token are a 401.")
            .empty(204, "Signed out (API clients).")
            .header(204, "Set-Cookie", "Clears the session cookie.")
            .redirect(303, "Form posts (the portal's sign-out button) are sent to `/login`."),
    );
    doc.mount(
        PORTAL,
        Op::get("/me", "me", "Session", "The signed-in admin and the accounts it can manage")
            .ok(200, "The admin, its accounts, their applications and environments.", component::<MeResponse>),
    );

    // Environments (routes/environments.rs)
    let environments = "/environments";
    let environment = "/environments/{env_slug}";
    doc.mount(
        PORTAL_APP,
        Op::get(environments, "list_environments", "Environments", "List environments")
            .query::<PageQuery>()
            .ok(200, "A page of environments with their counts.", page::<EnvironmentResponse>),
    );
    doc.mount(
        PORTAL_APP,
        Op::post(environments, "create_environment", "Environments", "Create an environment")
            .json_body(component::<CreateEnvironmentRequest>)
            .ok(201, "Created.", component::<EnvironmentResponse>)
            .error(409, "Another environment of this application has this slug (`slug_taken`)."),
    );
    doc.mount(
        PORTAL_APP,
        Op::get(environment, "get_environment", "Environments", "Get an environment with its counts")
            .ok(200, "The environment.", component::<EnvironmentResponse>),
    );
    doc.mount(
        PORTAL_APP,
        Op::patch(environment, "update_environment", "Environments", "Rename or re-slug an environment")
            .json_body(component::<UpdateEnvironmentRequest>)
            .ok(200, "The environment as it is now.", component::<EnvironmentResponse>)
            .error(409, "Another environment of this application has this slug (`slug_taken`)."),
    );
    doc.mount(
        PORTAL_APP,
        Op::delete(environment, "delete_environment", "Environments", "Delete an environment")
            .query::<EnvironmentDeleteQuery>()
            .empty(204, "Deleted, with everything in it when `cascade=true`.")
            .error(409, "The environment still has nodes, roles or assignments and `cascade` is not set (`environment_in_use`)."),
    );

    // Assignments (routes/assignments.rs): shared with the management API, then the portal's own.
    environment_assignments(doc, PORTAL_ENV);
    doc.mount(
        PORTAL_ENV,
        Op::get("/assignments/app-wide", "list_assignments", "Assignments", "List assignments in the environment")
            .describe("Every assignment of the environment as identity + role + assignment rows, with search, filters and sorting.")
            .query::<AssignmentListQuery>()
            .ok(200, "A page of assignment rows.", page::<AssignmentRow>),
    );
    doc.mount(
        PORTAL_ENV,
        Op::get("/assignments/app-wide/summary", "assignment_summary", "Assignments", "Assignment counts")
            .ok(200, "Counts by status and by role, and how many expire within 7 days.", component::<AssignmentSummary>),
    );
    doc.mount(
        PORTAL_APP,
        Op::get("/identities/{id}/assignments", "list_identity_assignments", "Assignments", "An identity's assignments")
            .id_is("The identity's id.")
            .query::<IdentityAssignmentsQuery>()
            .ok(200, "A page of the identity's assignments, in every environment unless `environment` is given.", page::<AssignmentResponse>)
            .error(404, "No identity with this id, or no environment with the `environment` slug."),
    );

    // Nodes, roles, resources, permissions, identities (routes/directory.rs)
    environment_directory(doc, PORTAL_ENV);
    doc.mount(
        PORTAL_ENV,
        Op::get("/nodes/{id}", "get_node", "Nodes", "Get a node")
            .id_is("The node's id.")
            .ok(200, "The node.", component::<NodeResponse>)
            .error(404, "No node with this id in this environment."),
    );
    doc.mount(
        PORTAL_ENV,
        Op::patch("/nodes/{id}", "update_node", "Nodes", "Rename or move a node")
            .id_is("The node's id.")
            .describe("`parent_id: null` makes the node a root; moving a node under itself or one of its descendants is a 422.")
            .json_body(component::<UpdateNodeRequest>)
            .ok(200, "The node as it is now.", component::<NodeResponse>)
            .error(404, "No node with this id in this environment."),
    );
    doc.mount(
        PORTAL_ENV,
        Op::delete("/nodes/{id}", "delete_node", "Nodes", "Delete a node")
            .id_is("The node's id.")
            .query::<DeleteNodeQuery>()
            .empty(204, "Deleted (with its subtree and their assignments when `cascade=true`).")
            .error(404, "No node with this id in this environment.")
            .error(409, "The node has children or assignments and `cascade` is not set (`node_in_use`)."),
    );
    doc.mount(
        PORTAL_ENV,
        Op::get("/roles/{id}", "get_role", "Roles", "Get a role")
            .id_is("The role's id.")
            .ok(200, "The role with its permission keys.", component::<RoleResponse>)
            .error(404, "No role with this id in this environment."),
    );
    doc.mount(
        PORTAL_ENV,
        Op::patch("/roles/{id}", "update_role", "Roles", "Rename a role or change its description")
            .id_is("The role's id.")
            .json_body(component::<UpdateRoleRequest>)
            .ok(200, "The role as it is now.", component::<RoleResponse>)
            .error(400, "System roles cannot be changed (`system_role`).")
            .error(404, "No role with this id in this environment.")
            .error(409, "Another role in this environment has this name (`name_taken`)."),
    );
    doc.mount(
        PORTAL_ENV,
        Op::delete("/roles/{id}", "delete_role", "Roles", "Delete a role")
            .id_is("The role's id.")
            .query::<RoleDeleteQuery>()
            .empty(204, "Deleted (with its assignments when `cascade=true`).")
            .error(400, "System roles cannot be deleted (`system_role`).")
            .error(404, "No role with this id in this environment.")
            .error(409, "Assignments use the role and `cascade` is not set (`role_in_use`)."),
    );
    doc.mount(
        PORTAL_ENV,
        Op::put("/roles/{id}/permissions", "set_role_permissions", "Roles", "Replace a role's permissions")
            .id_is("The role's id.")
            .json_body(component::<SetRolePermissionsRequest>)
            .ok(200, "The role with its new permission set.", component::<RoleResponse>)
            .error(400, "System roles cannot be changed (`system_role`).")
            .error(404, "No role with this id in this environment.")
            .error(422, "A permission key does not exist in this environment."),
    );
    doc.mount(
        PORTAL_ENV,
        Op::get("/resources", "list_resources", "Resources and permissions", "List resources")
            .ok(200, "Every resource with its actions.", list::<ResourceResponse>),
    );
    doc.mount(
        PORTAL_ENV,
        Op::get("/permissions", "list_permissions", "Resources and permissions", "List permissions")
            .ok(200, "Every permission (`resource.action`).", list::<PermissionResponse>),
    );
    doc.mount(
        PORTAL_ENV,
        Op::post("/setup/resource-permissions", "setup_resource_permissions", "Resources and permissions", "Create resources, permissions and role grants at once")
            .describe("Creates the resources and actions that do not exist yet (existing ones are skipped) and adds the listed permission keys to the listed roles, in one transaction.")
            .json_body(component::<SetupResourcePermissionsRequest>)
            .ok(201, "What was created and updated.", component::<SetupResourcePermissionsResponse>)
            .error(400, "A listed role is a system role (`system_role`).")
            .error(422, "A listed role or permission key does not exist in this environment."),
    );
    application_identities(doc, PORTAL_APP);
    doc.mount(
        PORTAL_APP,
        Op::get("/identities/with-assignments", "list_identities_with_assignments", "Identities", "List identities with their assignments")
            .query::<IdentityListQuery>()
            .ok(200, "A page of identities, each with its assignments in every environment.", page::<IdentityWithAssignments>),
    );
    doc.mount(
        PORTAL_APP,
        Op::get("/identities/summary", "identity_summary", "Identities", "Identity counts")
            .ok(200, "Counts by status and by whether they hold any assignment.", component::<IdentitySummary>),
    );
    doc.mount(
        PORTAL_APP,
        Op::post("/identities/bulk-create", "bulk_create_identities", "Identities", "Create many identities")
            .query::<BulkQuery>()
            .json_body(component::<BulkCreateIdentitiesRequest>)
            .bulk(bulk::<IdentityResponse>)
            .error(413, &format!("The request has more than {MAX_BULK_ITEMS} items.")),
    );
    doc.mount(
        PORTAL_APP,
        Op::post("/identities/bulk-imports", "record_bulk_import", "Identities", "Record a finished bulk import")
            .describe("The portal's bulk-import wizard records what it imported: file name, counts, mode, who and when.")
            .json_body(component::<RecordBulkImportRequest>)
            .ok(201, "Recorded.", component::<BulkImportResponse>)
            .error(422, "No environment with the `environment` slug in this application, or the counts do not add up."),
    );
    doc.mount(
        PORTAL_APP,
        Op::get("/identities/{id}/detail", "identity_detail", "Identities", "An identity with its assignments")
            .id_is("The identity's id.")
            .ok(200, "The identity and its assignments in every environment.", component::<IdentityWithAssignments>)
            .error(404, "No identity with this id in this application."),
    );
    for (path, id, summary, outcome) in [
        ("/identities/{id}/activate", "activate_identity", "Activate an identity", "The identity, now active."),
        ("/identities/{id}/deactivate", "deactivate_identity", "Deactivate an identity", "The identity, now inactive: checks for it are never allowed."),
    ] {
        doc.mount(
            PORTAL_APP,
            Op::post(path, id, "Identities", summary)
                .id_is("The identity's id.")
                .ok(200, outcome, component::<IdentityResponse>)
                .error(404, "No identity with this id in this application."),
        );
    }

    // API keys, effective permissions, audit (routes/access.rs)
    doc.mount(
        PORTAL_ENV,
        Op::get("/api-keys", "list_api_keys", "API keys", "List the environment's API keys")
            .query::<PageQuery>()
            .ok(200, "A page of API keys (never their secrets).", page::<ApiKeyResponse>),
    );
    doc.mount(
        PORTAL_ENV,
        Op::post("/api-keys", "create_api_key", "API keys", "Create a management API key")
            .json_body(component::<CreateApiKeyRequest>)
            .ok(201, "The key and its secret; the secret is shown this once and stored hashed.", component::<CreatedApiKey>),
    );
    doc.mount(
        PORTAL_ENV,
        Op::delete("/api-keys/{id}", "revoke_api_key", "API keys", "Revoke an API key")
            .id_is("The API key's id.")
            .describe("Takes effect immediately, also for tokens already exchanged for the key.")
            .empty(204, "Revoked.")
            .error(404, "No API key with this id in this environment."),
    );
    doc.mount(
        PORTAL_APP,
        Op::get("/identities/{id}/effective-permissions", "effective_permissions", "Access", "An identity's effective permissions")
            .id_is("The identity's id.")
            .query::<EffectivePermissionsQuery>()
            .ok(200, "Each permission the identity holds, with the assignments that grant it.", component::<EffectivePermissionsResponse>)
            .error(400, "`environment` is missing.")
            .error(404, "No identity with this id, no environment with this slug, or no node with `node_id`."),
    );
    doc.mount(
        PORTAL_APP,
        Op::get("/audit-events", "list_audit_events", "Audit", "The audit log")
            .query::<AuditQuery>()
            .ok(200, "A page of audit events, newest first.", page::<AuditEventResponse>)
            .error(400, "`to` is before `from`.")
            .error(404, "No environment with the `environment` slug in this application."),
    );
}

fn management(doc: &mut Document) {
    doc.mount(
        MANAGEMENT_API,
        Op::post("/auth/token", "exchange_api_key", "Auth", "Exchange the API key for a Bearer token")
            .api_key_only()
            .ok(200, "A management token for the key's environment, valid for an hour.", component::<TokenResponse>),
    );
    environment_assignments(doc, MANAGEMENT_API);
    doc.mount(
        MANAGEMENT_API,
        Op::get("/assignments", "list_assignments", "Assignments", "List assignments in the environment")
            .describe("Every assignment of the key's environment as identity + role + assignment rows, with search, filters and sorting.")
            .query::<AssignmentListQuery>()
            .ok(200, "A page of assignment rows.", page::<AssignmentRow>),
    );
    environment_directory(doc, MANAGEMENT_API);
    application_identities(doc, MANAGEMENT_API);
    doc.mount(
        MANAGEMENT_API,
        Op::post("/check", "check", "Checks", "May an identity do this at this node?")
            .describe("Only assignments active at `at` (default now) on the node or its ancestors count; inactive identities are never allowed.")
            .json_body(component::<CheckRequest>)
            .ok(200, "The decision, with the granting assignment when allowed.", component::<CheckResponse>)
            .error(404, "No identity or node with this id in the environment."),
    );
    doc.mount(
        MANAGEMENT_API,
        Op::post("/check/batch", "check_batch", "Checks", "Many checks at once")
            .describe("Results come in request order. An unknown identity or node, or an inactive identity, is `allowed: false` for that item; a malformed permission key fails the request.")
            .json_body(component::<BatchCheckRequest>)
            .ok(200, "One result per check, in request order.", component::<BatchCheckResponse>)
            .error(413, &format!("The request has more than {MAX_BATCH_CHECKS} checks.")),
    );
    doc.mount(
        MANAGEMENT_API,
        Op::post("/identities/{id}/tokens", "mint_identity_token", "Identities", "Mint a token for an identity")
            .id_is("The identity's id.")
            .describe("The token lets the identity call `/api/v1/me/*`. The body is optional; without one the token lives an hour.")
            .optional_json_body(component::<IdentityTokenRequest>)
            .ok(201, "The identity's Bearer token.", component::<TokenResponse>)
            .error(404, "No identity with this id in this application.")
            .error(422, "`expires_in` is out of range, or the identity is inactive."),
    );
    doc.mount(
        IDENTITY_API,
        Op::get("/me/permissions", "my_permissions", "Me", "The caller's effective permissions")
            .query::<MePermissionsQuery>()
            .ok(200, "Each permission the identity holds, with the assignments that grant it.", component::<EffectivePermissionsResponse>)
            .error(404, "No node with `node_id` in the environment, or the identity no longer exists."),
    );
    doc.mount(
        IDENTITY_API,
        Op::post("/me/check", "my_check", "Me", "May I do this at this node?")
            .json_body(component::<MeCheckRequest>)
            .ok(200, "The decision, with the granting assignment when allowed.", component::<CheckResponse>)
            .error(404, "No node with this id in the environment, or the identity no longer exists."),
    );
}

/// Assignment routes every environment caller has (`environment_routes` in routes/assignments.rs).
fn environment_assignments(doc: &mut Document, mount: Mount) {
    doc.mount(
        mount,
        Op::post("/assignments", "create_assignment", "Assignments", "Assign a role to an identity at a node")
            .describe("The assignment applies to the node's whole subtree. `effective_from` / `effective_to` bound it in time.")
            .json_body(component::<CreateAssignmentRequest>)
            .ok(201, "Created.", component::<AssignmentResponse>)
            .error(400, "The role is a system role (`system_role`).")
            .error(404, "No identity, node or role with this id in the environment (`identity_not_found`, `node_not_found`, `role_not_found`).")
            .error(409, "The identity already has this role at this node (`assignment_exists`).")
            .error(422, "The identity is inactive (`identity_inactive`), or `effective_to` is not after `effective_from`."),
    );
    let idempotent_bulk = |op: Op| {
        op.query::<BulkQuery>()
            .header_param("Idempotency-Key", "1-255 visible characters. A retry with the same key and request within 24 hours returns the first response (with `Idempotent-Replayed: true`) and writes nothing; the same key with another request is a 422 `idempotency_key_reused`.")
            .bulk(bulk::<AssignmentResponse>)
            .header(200, "Idempotent-Replayed", "`true` when this is the stored response of an earlier request with the same Idempotency-Key.")
            .header(207, "Idempotent-Replayed", "`true` when this is the stored response of an earlier request with the same Idempotency-Key.")
            .error(400, "The Idempotency-Key header is empty or too long (`invalid_idempotency_key`).")
            .error(413, &format!("The request has more than {MAX_BULK_ITEMS} items."))
            .error(422, "The Idempotency-Key was used with a different request (`idempotency_key_reused`), or the list is empty.")
    };
    doc.mount(
        mount,
        idempotent_bulk(
            Op::post("/assignments/bulk-create", "bulk_create_assignments", "Assignments", "Create many assignments")
                .describe("Each item is validated like a single create (identity, node and role exist here, identity active, role not a system role, window moves forward, no duplicate of an existing or earlier item).")
                .json_body(component::<BulkCreateAssignmentsRequest>),
        ),
    );
    doc.mount(
        mount,
        idempotent_bulk(
            Op::post("/assignments/bulk-remove", "bulk_remove_assignments", "Assignments", "Remove many assignments")
                .json_body(component::<BulkRemoveAssignmentsRequest>),
        ),
    );
    doc.mount(
        mount,
        idempotent_bulk(
            Op::post("/assignments/bulk-change-role", "bulk_change_assignment_role", "Assignments", "Move many assignments to another role")
                .json_body(component::<BulkChangeRoleRequest>)
                .error(400, "The new role is a system role (`system_role`).")
                .error(404, "No role with `role_id` in the environment (`role_not_found`)."),
        ),
    );
    doc.mount(
        mount,
        Op::get("/assignments/{id}", "get_assignment", "Assignments", "Get an assignment")
            .id_is("The assignment's id.")
            .ok(200, "The assignment.", component::<AssignmentResponse>)
            .error(404, "No assignment with this id in the environment."),
    );
    doc.mount(
        mount,
        Op::patch("/assignments/{id}", "update_assignment", "Assignments", "Change an assignment's role or window")
            .id_is("The assignment's id.")
            .describe("`role_id` is required; a date left out keeps its value, `null` clears it.")
            .json_body(component::<UpdateAssignmentRequest>)
            .ok(200, "The assignment as it is now.", component::<AssignmentResponse>)
            .error(400, "The role is a system role (`system_role`).")
            .error(404, "No assignment with this id, or no role with `role_id`, in the environment.")
            .error(409, "The identity already has the new role at this node (`assignment_exists`).")
            .error(422, "`effective_to` would not be after `effective_from`."),
    );
    doc.mount(
        mount,
        Op::delete("/assignments/{id}", "delete_assignment", "Assignments", "Remove an assignment")
            .id_is("The assignment's id.")
            .empty(204, "Removed.")
            .error(404, "No assignment with this id in the environment."),
    );
    doc.mount(
        mount,
        Op::get("/nodes/{id}/assignments", "list_node_assignments", "Assignments", "Everyone with access at a node")
            .id_is("The node's id.")
            .describe("Assignments on the node itself (`access_type: direct`) and on its ancestors (`inherited`, with `source_node_id` / `source_node_name`); same filters as the environment-wide list.")
            .query::<AssignmentListQuery>()
            .ok(200, "A page of assignment rows.", page::<AssignmentRow>)
            .error(404, "No node with this id in the environment."),
    );
}

/// Node and role routes every environment caller has (`environment_routes` in routes/directory.rs).
fn environment_directory(doc: &mut Document, mount: Mount) {
    doc.mount(
        mount,
        Op::get("/nodes", "list_nodes", "Nodes", "List nodes")
            .describe("The environment's tree, flat, with `parent_id`, `depth` and `path`.")
            .query::<ListQuery>()
            .ok(200, "A page of nodes.", page::<NodeResponse>),
    );
    doc.mount(
        mount,
        Op::post("/nodes/lookup", "lookup_nodes", "Nodes", "Find nodes by id")
            .describe("Up to 10,000 ids; the environment's nodes among them, in the request's order, each once (ids that match nothing are left out). The assignments table shows a page's node paths with it.")
            .json_body(component::<NodeLookupRequest>)
            .ok(200, "The nodes found.", component::<NodeLookupResponse>)
            .error(422, "More than 10,000 ids."),
    );
    doc.mount(
        mount,
        Op::post("/nodes", "create_node", "Nodes", "Create a node")
            .json_body(component::<CreateNodeRequest>)
            .ok(201, "Created.", component::<NodeResponse>)
            .error(422, "No node with `parent_id` in the environment."),
    );
    doc.mount(
        mount,
        Op::get("/roles", "list_roles", "Roles", "List roles")
            .query::<ListQuery>()
            .ok(200, "A page of roles with their permission keys.", page::<RoleResponse>),
    );
    doc.mount(
        mount,
        Op::post("/roles", "create_role", "Roles", "Create a role")
            .json_body(component::<CreateRoleRequest>)
            .ok(201, "Created.", component::<RoleResponse>)
            .error(409, "Another role in this environment has this name (`name_taken`).")
            .error(422, "A permission key does not exist in this environment."),
    );
}

/// Identity routes every application caller has (`identity_routes` in routes/directory.rs).
fn application_identities(doc: &mut Document, mount: Mount) {
    doc.mount(
        mount,
        Op::get("/identities", "list_identities", "Identities", "List identities")
            .query::<IdentityListQuery>()
            .ok(200, "A page of identities.", page::<IdentityResponse>),
    );
    doc.mount(
        mount,
        Op::post("/identities", "create_identity", "Identities", "Create an identity")
            .describe("`name` defaults to \"first last\". Emails are unique per application, case-insensitively.")
            .json_body(component::<CreateIdentityRequest>)
            .ok(201, "Created.", component::<IdentityResponse>)
            .error(409, "Another identity of this application has this email (`email_taken`)."),
    );
    doc.mount(
        mount,
        Op::post("/identities/lookup", "lookup_identities", "Identities", "Find identities by email or id")
            .describe("Up to 10,000 emails (compared case-insensitively) and 10,000 ids; values that match nothing are left out. The bulk-upload page resolves a file's emails with it.")
            .json_body(component::<IdentityLookupRequest>)
            .ok(200, "The identities found.", component::<IdentityLookupResponse>)
            .error(422, "More than 10,000 emails or ids."),
    );
    doc.mount(
        mount,
        Op::get("/identities/{id}", "get_identity", "Identities", "Get an identity")
            .id_is("The identity's id.")
            .ok(200, "The identity.", component::<IdentityResponse>)
            .error(404, "No identity with this id in this application."),
    );
    doc.mount(
        mount,
        Op::patch("/identities/{id}", "update_identity", "Identities", "Change an identity")
            .id_is("The identity's id.")
            .json_body(component::<UpdateIdentityRequest>)
            .ok(200, "The identity as it is now.", component::<IdentityResponse>)
            .error(404, "No identity with this id in this application.")
            .error(409, "Another identity of this application has this email (`email_taken`)."),
    );
    doc.mount(
        mount,
        Op::delete("/identities/{id}", "delete_identity", "Identities", "Delete an identity")
            .id_is("The identity's id.")
            .describe("Its assignments in every environment go with it.")
            .empty(204, "Deleted.")
            .error(404, "No identity with this id in this application."),
    );
}

// -------------------------------------------------------------------------------------------------
// Building blocks
// -------------------------------------------------------------------------------------------------

/// Who may call an operation: its security requirement and the auth errors it can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Anyone,
    Admin,
    /// `X-API-Key` or a management Bearer token.
    Management,
    /// An identity's Bearer token.
    Identity,
    /// `X-API-Key` only (the exchange for a token).
    ApiKey,
}

/// A prefix operations are mounted under, with who may call them there.
#[derive(Debug, Clone, Copy)]
struct Mount {
    prefix: &'static str,
    /// Tag group and operationId prefix (`portal`, `management`, ...).
    audience: &'static str,
    caller: Caller,
}

const ROOT: Mount = Mount { prefix: "", audience: "", caller: Caller::Anyone };
const PORTAL: Mount = Mount { prefix: "/portal/v1", audience: "Portal", caller: Caller::Admin };
const PORTAL_APP: Mount =
    Mount { prefix: "/portal/v1/accounts/{account_slug}/applications/{app_slug}", audience: "Portal", caller: Caller::Admin };
const PORTAL_ENV: Mount = Mount {
    prefix: "/portal/v1/accounts/{account_slug}/applications/{app_slug}/environments/{env_slug}",
    audience: "Portal",
    caller: Caller::Admin,
};
const MANAGEMENT_API: Mount = Mount { prefix: "/api/v1", audience: "Management", caller: Caller::Management };
const IDENTITY_API: Mount = Mount { prefix: "/api/v1", audience: "Identity", caller: Caller::Identity };

/// Collected component schemas, name → schema.
type Schemas = Vec<(String, RefOr<Schema>)>;
/// Registers what a body refers to and returns the schema (usually a `$ref`) to use.
type SchemaFn = fn(&mut Schemas) -> RefOr<Schema>;

/// `T` as a named component (with everything it refers to); returns its `$ref`.
fn component<T: ToSchema>(schemas: &mut Schemas) -> RefOr<Schema> {
    named::<T>(T::name().into_owned(), schemas)
}

/// Generic types share one `ToSchema::name` (`Paginated`), so each instance is named here.
fn named<T: ToSchema>(name: String, schemas: &mut Schemas) -> RefOr<Schema> {
    schemas.push((name.clone(), T::schema()));
    T::schemas(schemas);
    Ref::from_schema_name(name).into()
}

/// `Paginated<T>` as `{T}Page`. A generic's `schemas()` leaves out its type argument, which
/// its schema refers to, so `T` is registered here too.
fn page<T: ToSchema>(schemas: &mut Schemas) -> RefOr<Schema> {
    component::<T>(schemas);
    named::<Paginated<T>>(format!("{}Page", T::name()), schemas)
}

/// `BulkResponse<T>` as `Bulk{T}` (see [`page`]).
fn bulk<T: ToSchema>(schemas: &mut Schemas) -> RefOr<Schema> {
    component::<T>(schemas);
    named::<BulkResponse<T>>(format!("Bulk{}", T::name()), schemas)
}

/// A JSON array of `T`.
fn list<T: ToSchema>(schemas: &mut Schemas) -> RefOr<Schema> {
    let item = component::<T>(schemas);
    ArrayBuilder::new().items(ArrayItems::RefOrSchema(Box::new(item))).into()
}

/// What one status of one operation means, before it becomes a response object.
#[derive(Default)]
struct Outcome {
    reasons: Vec<String>,
    json: Vec<RefOr<Schema>>,
    html: bool,
    headers: Vec<(String, String)>,
}

/// One operation, relative to the [`Mount`] it is put under.
struct Op {
    method: HttpMethod,
    path: &'static str,
    id: &'static str,
    tag: &'static str,
    summary: &'static str,
    description: Option<&'static str>,
    caller: Option<Caller>,
    id_description: &'static str,
    query: Vec<Parameter>,
    headers: Vec<Parameter>,
    body: Option<RequestBody>,
    outcomes: BTreeMap<u16, Outcome>,
    schemas: Schemas,
}

impl Op {
    fn new(method: HttpMethod, path: &'static str, id: &'static str, tag: &'static str, summary: &'static str) -> Self {
        Self {
            method,
            path,
            id,
            tag,
            summary,
            description: None,
            caller: None,
            id_description: "The object's id.",
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            outcomes: BTreeMap::new(),
            schemas: Vec::new(),
        }
    }

    fn get(path: &'static str, id: &'static str, tag: &'static str, summary: &'static str) -> Self {
        Self::new(HttpMethod::Get, path, id, tag, summary)
    }

    fn post(path: &'static str, id: &'static str, tag: &'static str, summary: &'static str) -> Self {
        Self::new(HttpMethod::Post, path, id, tag, summary)
    }

    fn put(path: &'static str, id: &'static str, tag: &'static str, summary: &'static str) -> Self {
        Self::new(HttpMethod::Put, path, id, tag, summary)
    }

    fn patch(path: &'static str, id: &'static str, tag: &'static str, summary: &'static str) -> Self {
        Self::new(HttpMethod::Patch, path, id, tag, summary)
    }

    fn delete(path: &'static str, id: &'static str, tag: &'static str, summary: &'static str) -> Self {
        Self::new(HttpMethod::Delete, path, id, tag, summary)
    }

    fn describe(mut self, description: &'static str) -> Self {
        self.description = Some(description);
        self
    }

    /// Callable without credentials, whatever the mount.
    fn anyone(mut self) -> Self {
        self.caller = Some(Caller::Anyone);
        self
    }

    fn api_key_only(mut self) -> Self {
        self.caller = Some(Caller::ApiKey);
        self
    }

    fn id_is(mut self, description: &'static str) -> Self {
        self.id_description = description;
        self
    }

    /// Query parameters from the type the handler extracts; a bad query string is a 400.
    fn query<Q: IntoParams>(mut self) -> Self {
        self.query.extend(Q::into_params(|| Some(ParameterIn::Query)));
        self.error(400, "The query string is invalid: an unknown parameter, a wrong type or value, or `page` / `take` out of range (`invalid_query`).")
    }

    fn header_param(mut self, name: &str, description: &str) -> Self {
        self.headers.push(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String).min_length(Some(1)).max_length(Some(255))))
                .build(),
        );
        self
    }

    fn json_body(self, schema: SchemaFn) -> Self {
        self.body_with("application/json", schema, true).body_errors()
    }

    fn optional_json_body(self, schema: SchemaFn) -> Self {
        self.body_with("application/json", schema, false).body_errors()
    }

    fn form_body(self, schema: SchemaFn) -> Self {
        self.body_with("application/x-www-form-urlencoded", schema, true)
    }

    /// Adds a media type to the request body (login takes JSON or a form).
    fn body_with(mut self, media_type: &str, schema: SchemaFn, required: bool) -> Self {
        let schema = schema(&mut self.schemas);
        let required = if required { Required::True } else { Required::False };
        let body = self.body.get_or_insert_with(|| RequestBodyBuilder::new().required(Some(required)).build());
        body.content.insert(media_type.to_owned(), ContentBuilder::new().schema(Some(schema)).build());
        self
    }

    /// What the JSON extractor answers for a body it cannot take.
    fn body_errors(self) -> Self {
        self.error(400, "The body is not valid JSON, or is sent without `Content-Type: application/json`.")
            .error(413, &format!("The body is larger than {} MiB.", MAX_BODY_BYTES / (1024 * 1024)))
            .error(422, "The body has unknown or missing fields, wrong types or invalid values; `details` names them.")
    }

    fn ok(mut self, status: u16, description: &str, schema: SchemaFn) -> Self {
        let schema = schema(&mut self.schemas);
        let outcome = self.outcomes.entry(status).or_default();
        outcome.reasons.push(description.to_owned());
        outcome.json.push(schema);
        self
    }

    fn empty(mut self, status: u16, description: &str) -> Self {
        self.outcomes.entry(status).or_default().reasons.push(description.to_owned());
        self
    }

    fn html(mut self, status: u16, description: &str) -> Self {
        let outcome = self.outcomes.entry(status).or_default();
        outcome.reasons.push(description.to_owned());
        outcome.html = true;
        self
    }

    fn redirect(self, status: u16, description: &str) -> Self {
        self.empty(status, description).header(status, "Location", "Where to go next.")
    }

    fn header(mut self, status: u16, name: &str, description: &str) -> Self {
        self.outcomes.entry(status).or_default().headers.push((name.to_owned(), description.to_owned()));
        self
    }

    /// The bulk contract: 200 all succeeded, 207 mixed (partial mode), 422 rolled back (atomic
    /// mode), each with every item's outcome.
    fn bulk(self, schema: SchemaFn) -> Self {
        self.ok(200, "Every item succeeded (or, with `dry_run`, would).", schema)
            .ok(207, "`mode=partial` with failures: the valid items were committed; each result says how its item fared.", schema)
            .ok(422, "`mode=atomic` with failures: nothing was written; failing items carry their error, the others `code: 424` `batch_rolled_back`.", schema)
    }

    /// An error status with the contract's error body.
    fn error(mut self, status: u16, description: &str) -> Self {
        let error_body = component::<ApiErrorBody>(&mut self.schemas);
        let outcome = self.outcomes.entry(status).or_default();
        if !outcome.reasons.iter().any(|reason| reason == description) {
            outcome.reasons.push(description.to_owned());
        }
        outcome.json.push(error_body);
        self
    }
}

#[derive(Default)]
struct Document {
    paths: Paths,
    schemas: BTreeMap<String, RefOr<Schema>>,
    tags: Vec<String>,
}

impl Document {
    fn mount(&mut self, mount: Mount, op: Op) {
        let caller = op.caller.unwrap_or(mount.caller);
        let path = format!("{}{}", mount.prefix, op.path);
        let mut op = match caller {
            Caller::Anyone => op,
            Caller::ApiKey => op.error(401, "The X-API-Key header is missing, unknown or revoked (`unauthorized`)."),
            _ => op
                .error(401, "Credentials are missing, malformed, badly signed or expired (`unauthorized`).")
                .error(403, "A valid token of another principal type (`wrong_principal_type`)."),
        };
        if path.contains("{account_slug}") {
            op = op.error(404, "The account, application or environment in the path does not exist or is not this admin's.");
        }
        let tag = if mount.audience.is_empty() { op.tag.to_owned() } else { format!("{}: {}", mount.audience, op.tag) };
        if !self.tags.contains(&tag) {
            self.tags.push(tag.clone());
        }
        let operation_id =
            if mount.audience.is_empty() { op.id.to_owned() } else { format!("{}_{}", mount.audience.to_lowercase(), op.id) };

        let mut parameters = path_parameters(&path, op.id_description);
        parameters.extend(op.headers);
        parameters.extend(op.query);
        let mut operation = OperationBuilder::new()
            .tag(tag)
            .summary(Some(op.summary))
            .description(op.description)
            .operation_id(Some(operation_id))
            .parameters(Some(parameters))
            .request_body(op.body)
            .securities(security(caller));
        for (status, outcome) in op.outcomes {
            operation = operation.response(status.to_string(), response(outcome));
        }
        self.paths.add_path_operation(path, vec![op.method], operation.build());

        for (name, schema) in op.schemas {
            let previous = self.schemas.insert(name.clone(), schema.clone());
            debug_assert!(
                previous.as_ref().is_none_or(|previous| same_schema(previous, &schema)),
                "two different schemas are named {name}"
            );
        }
    }

    fn finish(self) -> OpenApi {
        let mut components = Components::new();
        components.schemas = self.schemas;
        let timestamp = Timestamp::name().into_owned();
        components.schemas.entry(timestamp).or_insert_with(Timestamp::schema);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "On /portal/v1: an admin token from POST /portal/v1/auth/login. On /api/v1: a management token from \
                         POST /api/v1/auth/token, or, for /api/v1/me/*, an identity token from POST /api/v1/identities/{id}/tokens.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-API-Key",
                "A management API key of one environment (created in the portal, shown once, stored hashed).",
            ))),
        );
        OpenApiBuilder::new()
            .info(
                InfoBuilder::new()
                    .title("Canopy API")
                    .version(env!("CARGO_PKG_VERSION"))
                    .description(Some(DESCRIPTION))
                    .license(Some(LicenseBuilder::new().name("MIT").identifier(Some("MIT")).build())),
            )
            .paths(self.paths)
            .components(Some(components))
            .tags(Some(self.tags.into_iter().map(Tag::new)))
            .build()
    }
}

fn same_schema(a: &RefOr<Schema>, b: &RefOr<Schema>) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

fn security(caller: Caller) -> Option<Vec<SecurityRequirement>> {
    let bearer = || SecurityRequirement::new("bearer", Vec::<String>::new());
    let api_key = || SecurityRequirement::new("api_key", Vec::<String>::new());
    match caller {
        Caller::Anyone => None,
        Caller::Admin | Caller::Identity => Some(vec![bearer()]),
        Caller::Management => Some(vec![api_key(), bearer()]),
        Caller::ApiKey => Some(vec![api_key()]),
    }
}

/// One parameter per `{name}` in the path template, in order.
fn path_parameters(path: &str, id_description: &str) -> Vec<Parameter> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| {
            let (description, example) = match name {
                "account_slug" => ("The account's slug.", Some("acme")),
                "app_slug" => ("The application's slug.", Some("billing")),
                "env_slug" => ("The environment's slug.", Some("production")),
                _ => (id_description, None),
            };
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .example(example.map(Into::into))
                .build()
        })
        .collect()
}

fn response(outcome: Outcome) -> ApiResponse {
    let mut builder = ResponseBuilder::new().description(outcome.reasons.join(" "));
    let mut seen = HashSet::new();
    let schemas: Vec<RefOr<Schema>> = outcome
        .json
        .into_iter()
        .filter(|schema| seen.insert(serde_json::to_string(schema).unwrap_or_default()))
        .collect();
    let schema: Option<RefOr<Schema>> = match schemas.len() {
        0 => None,
        1 => schemas.into_iter().next(),
        _ => Some(schemas.into_iter().fold(OneOfBuilder::new(), OneOfBuilder::item).into()),
    };
    if let Some(schema) = schema {
        builder = builder.content("application/json", ContentBuilder::new().schema(Some(schema)).build());
    }
    if outcome.html {
        builder = builder.content("text/html", ContentBuilder::new().schema(Some(ObjectBuilder::new().schema_type(Type::String))).build());
    }
    for (name, description) in outcome.headers {
        builder = builder.header(name, HeaderBuilder::new().schema(ObjectBuilder::new().schema_type(Type::String)).description(Some(description)).build());
    }
    builder.build()
}
