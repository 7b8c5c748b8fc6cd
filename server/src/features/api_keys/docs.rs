//! API keys: the operations of this feature in the OpenAPI document, next to the
//! handlers they describe, mounted under each prefix that serves them (`web::openapi` builds).

use app::dto::{ApiKeyResponse, CreateApiKeyRequest, CreatedApiKey, PageQuery, TokenResponse};

use crate::web::openapi::{Document, Op, PORTAL_ENV, MANAGEMENT_API, component, page};

pub fn portal(doc: &mut Document) {
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
}

pub fn management(doc: &mut Document) {
    doc.mount(
        MANAGEMENT_API,
        Op::post("/auth/token", "exchange_api_key", "Auth", "Exchange the API key for a Bearer token")
            .api_key_only()
            .ok(200, "A management token for the key's environment, valid for an hour.", component::<TokenResponse>)
            .error(429, "Too many failed exchanges for this key prefix or from this address (`too_many_attempts`; 5 per prefix, 20 per address, then 1, 2, 4 ... up to 15 minutes).")
            .header(429, "Retry-After", "Seconds until another attempt is taken."),
    );
}
