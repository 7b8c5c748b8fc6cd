//! Roles, resources and permissions: the operations of this feature in the OpenAPI document, next to the
//! handlers they describe, mounted under each prefix that serves them (`web::openapi` builds).

use app::dto::{CreateRoleRequest, ListQuery, PermissionResponse, ResourceResponse, RoleResponse, SetRolePermissionsRequest, SetupResourcePermissionsRequest, SetupResourcePermissionsResponse, UpdateRoleRequest};

use super::routes::RoleDeleteQuery;
use crate::web::openapi::{Document, Mount, Op, PORTAL_ENV, MANAGEMENT_API, component, page, list};

/// Role routes every environment caller has.
pub fn environment(doc: &mut Document, mount: Mount) {
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
            .tagged(201)
            .error(409, "Another role in this environment has this name (`name_taken`).")
            .error(422, "A permission key does not exist in this environment."),
    );
}

pub fn portal(doc: &mut Document) {
    environment(doc, PORTAL_ENV);
    doc.mount(
        PORTAL_ENV,
        Op::get("/roles/{id}", "get_role", "Roles", "Get a role")
            .id_is("The role's id.")
            .ok(200, "The role with its permission keys.", component::<RoleResponse>)
            .tagged(200)
            .error(404, "No role with this id in this environment."),
    );
    doc.mount(
        PORTAL_ENV,
        Op::patch("/roles/{id}", "update_role", "Roles", "Rename a role or change its description")
            .id_is("The role's id.")
            .json_body(component::<UpdateRoleRequest>)
            .ok(200, "The role as it is now.", component::<RoleResponse>)
            .tagged(200)
            .conditional("role")
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
            .conditional("role")
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
            .tagged(200)
            .conditional("role")
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
}

pub fn management(doc: &mut Document) {
    environment(doc, MANAGEMENT_API);
}
