//! The whole OpenAPI document: every feature's operations, in the order the router registers
//! them, through the builder of `web::openapi`.

use utoipa::openapi::OpenApi;

use crate::{
    features::{api_keys, assignments, audit, changes, checks, environments, health, identities, nodes, reference, roles, sessions},
    web::openapi::Document,
};

pub fn document() -> OpenApi {
    let mut doc = Document::default();
    health::docs::root(&mut doc);
    reference::docs::root(&mut doc);

    sessions::docs::portal(&mut doc);
    environments::docs::portal(&mut doc);
    assignments::docs::portal(&mut doc);
    nodes::docs::portal(&mut doc);
    roles::docs::portal(&mut doc);
    identities::docs::portal(&mut doc);
    api_keys::docs::portal(&mut doc);
    checks::docs::portal(&mut doc);
    audit::docs::portal(&mut doc);

    api_keys::docs::management(&mut doc);
    assignments::docs::management(&mut doc);
    nodes::docs::management(&mut doc);
    roles::docs::management(&mut doc);
    identities::docs::management(&mut doc);
    checks::docs::management(&mut doc);
    changes::docs::management(&mut doc);
    doc.finish()
}
