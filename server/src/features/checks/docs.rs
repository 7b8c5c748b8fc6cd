//! Checks, effective permissions, identity tokens and `/api/v1/me/*`: the operations of this feature in the OpenAPI document, next to the
//! handlers they describe, mounted under each prefix that serves them (`web::openapi` builds).

use app::dto::{BatchCheckRequest, BatchCheckResponse, CheckRequest, CheckResponse, EffectivePermissionsQuery, EffectivePermissionsResponse, IdentityTokenRequest, MAX_BATCH_CHECKS, MeCheckRequest, TokenResponse};

use super::routes::MePermissionsQuery;
use crate::web::openapi::{Document, Op, PORTAL_APP, MANAGEMENT_API, IDENTITY_API, component};

/// Checks fail closed: never an answer the database cannot confirm.
const UNAVAILABLE: &str = "The database is not reachable (`database_unavailable`); nothing is answered from memory meanwhile.";

pub fn portal(doc: &mut Document) {
    doc.mount(
        PORTAL_APP,
        Op::get("/identities/{id}/effective-permissions", "effective_permissions", "Access", "An identity's effective permissions")
            .id_is("The identity's id.")
            .query::<EffectivePermissionsQuery>()
            .ok(200, "Each permission the identity holds, with the assignments that grant it.", component::<EffectivePermissionsResponse>)
            .error(400, "`environment` is missing.")
            .error(404, "No identity with this id, no environment with this slug, or no node with `node_id`.")
            .error(503, UNAVAILABLE),
    );
}

pub fn management(doc: &mut Document) {
    doc.mount(
        MANAGEMENT_API,
        Op::post("/check", "check", "Checks", "May an identity do this at this node?")
            .describe("Only assignments active at `at` (default now) on the node or its ancestors count; inactive identities are never allowed.")
            .json_body(component::<CheckRequest>)
            .fresh()
            .ok(200, "The decision, with the granting assignment when allowed.", component::<CheckResponse>)
            .error(404, "No identity or node with this id in the environment.")
            .error(503, UNAVAILABLE),
    );
    doc.mount(
        MANAGEMENT_API,
        Op::post("/check/batch", "check_batch", "Checks", "Many checks at once")
            .describe("Results come in request order. An unknown identity or node, or an inactive identity, is `allowed: false` for that item; a malformed permission key fails the request.")
            .json_body(component::<BatchCheckRequest>)
            .fresh()
            .ok(200, "One result per check, in request order.", component::<BatchCheckResponse>)
            .error(413, &format!("The request has more than {MAX_BATCH_CHECKS} checks."))
            .error(503, UNAVAILABLE),
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
            .error(404, "No node with `node_id` in the environment, or the identity no longer exists.")
            .error(503, UNAVAILABLE),
    );
    doc.mount(
        IDENTITY_API,
        Op::post("/me/check", "my_check", "Me", "May I do this at this node?")
            .json_body(component::<MeCheckRequest>)
            .fresh()
            .ok(200, "The decision, with the granting assignment when allowed.", component::<CheckResponse>)
            .error(404, "No node with this id in the environment, or the identity no longer exists.")
            .error(503, UNAVAILABLE),
    );
}
