//! Environments: the operations of this feature in the OpenAPI document, next to the
//! handlers they describe, mounted under each prefix that serves them (`web::openapi` builds).

use app::dto::{CreateEnvironmentRequest, EnvironmentResponse, PageQuery, UpdateEnvironmentRequest};

use super::routes::EnvironmentDeleteQuery;
use crate::web::openapi::{Document, Op, PORTAL_APP, component, page};

pub fn portal(doc: &mut Document) {
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
}
