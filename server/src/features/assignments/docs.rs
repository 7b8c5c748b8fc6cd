//! Assignments: the operations of this feature in the OpenAPI document, next to the
//! handlers they describe, mounted under each prefix that serves them (`web::openapi` builds).

use app::dto::{AssignmentListQuery, AssignmentResponse, AssignmentRow, AssignmentSummary, BulkChangeRoleRequest, BulkQuery, BulkRemoveAssignmentsRequest, CreateAssignmentRequest, IdentityAssignmentsQuery, MAX_BULK_ITEMS, UpdateAssignmentRequest};

use super::service::BulkCreateAssignmentsBody;
use crate::web::{
    export,
    idempotency,
    openapi::{Document, Mount, Op, PORTAL_APP, PORTAL_ENV, MANAGEMENT_API, component, page, bulk},
};

/// Assignment routes every environment caller has (`environment_routes` in routes.rs).
pub fn environment(doc: &mut Document, mount: Mount) {
    doc.mount(
        mount,
        Op::post("/assignments", "create_assignment", "Assignments", "Assign a role to an identity at a node")
            .describe("The assignment applies to the node's whole subtree. `effective_from` / `effective_to` bound it in time.")
            .json_body(component::<CreateAssignmentRequest>)
            .ok(201, "Created.", component::<AssignmentResponse>)
            .tagged(201)
            .error(400, "The role is a system role (`system_role`).")
            .error(404, "No identity, node or role with this id in the environment (`identity_not_found`, `node_not_found`, `role_not_found`).")
            .error(409, "The identity already has this role at this node (`assignment_exists`).")
            .error(422, "The identity is inactive (`identity_inactive`), or `effective_to` is not after `effective_from`."),
    );
    let idempotent_bulk = |op: Op| {
        idempotency::documented(op.query::<BulkQuery>().bulk(bulk::<AssignmentResponse>))
            .error(413, &format!("The request has more than {MAX_BULK_ITEMS} items."))
            .error(422, "The list is empty.")
    };
    doc.mount(
        mount,
        idempotent_bulk(
            Op::post("/assignments/bulk-create", "bulk_create_assignments", "Assignments", "Create many assignments")
                .describe("Each item is validated like a single create (identity, node and role exist here, identity active, role not a system role, window moves forward, no duplicate of an existing or earlier item).")
                .json_body(component::<BulkCreateAssignmentsBody>),
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
            .tagged(200)
            .error(404, "No assignment with this id in the environment."),
    );
    doc.mount(
        mount,
        Op::patch("/assignments/{id}", "update_assignment", "Assignments", "Change an assignment's role or window")
            .id_is("The assignment's id.")
            .describe("`role_id` is required; a date left out keeps its value, `null` clears it.")
            .json_body(component::<UpdateAssignmentRequest>)
            .ok(200, "The assignment as it is now.", component::<AssignmentResponse>)
            .tagged(200)
            .conditional("assignment")
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
            .conditional("assignment")
            .error(404, "No assignment with this id in the environment."),
    );
    doc.mount(
        mount,
        Op::get("/nodes/{id}/assignments", "list_node_assignments", "Assignments", "Everyone with access at a node")
            .id_is("The node's id.")
            .describe("Assignments on the node itself (`access_type: direct`) and on its ancestors (`inherited`, with `source_node_id` / `source_node_name`); same filters as the environment-wide list.")
            .query::<AssignmentListQuery>()
            .fresh()
            .ok(200, "A page of assignment rows.", page::<AssignmentRow>)
            .error(404, "No node with this id in the environment."),
    );
    doc.mount(
        mount,
        export(Op::get("/nodes/{id}/assignments/export", "export_node_assignments", "Assignments", "Export everyone with access at a node as CSV"))
            .id_is("The node's id.")
            .error(404, "No node with this id in the environment."),
    );
}

/// An export of the assignment list: its filters and order, every page, as CSV.
fn export(op: Op) -> Op {
    export::documented(op, EXPORT).query_of_every_page::<AssignmentListQuery>()
}

const EXPORT: &str = "The list's filters and sort (`page` and `take` are refused: every page is included), as a CSV file (UTF-8 with a byte-order mark, CRLF, RFC 4180 quoting; a cell a spreadsheet would run as a formula starts with `'`). Columns: `assignment_id, identity_id, identity_name, identity_email, role_id, role, node_id, node, node_path, access_type, status, effective_from, effective_to, created_at`; the bulk upload reads them back. Rows are read by one statement (one snapshot) and streamed as read.";

pub fn portal(doc: &mut Document) {
    environment(doc, PORTAL_ENV);
    doc.mount(
        PORTAL_ENV,
        Op::get("/assignments/app-wide", "list_assignments", "Assignments", "List assignments in the environment")
            .describe("Every assignment of the environment as identity + role + assignment rows, with search, filters and sorting.")
            .query::<AssignmentListQuery>()
            .fresh()
            .ok(200, "A page of assignment rows.", page::<AssignmentRow>),
    );
    doc.mount(
        PORTAL_ENV,
        Op::get("/assignments/app-wide/summary", "assignment_summary", "Assignments", "Assignment counts")
            .ok(200, "Counts by status and by role, and how many expire within 7 days.", component::<AssignmentSummary>),
    );
    doc.mount(PORTAL_ENV, export(Op::get("/assignments/app-wide/export", "export_assignments", "Assignments", "Export the environment's assignments as CSV")));
    doc.mount(
        PORTAL_APP,
        Op::get("/identities/{id}/assignments", "list_identity_assignments", "Assignments", "An identity's assignments")
            .id_is("The identity's id.")
            .query::<IdentityAssignmentsQuery>()
            .ok(200, "A page of the identity's assignments, in every environment unless `environment` is given.", page::<AssignmentResponse>)
            .error(404, "No identity with this id, or no environment with the `environment` slug."),
    );
}

pub fn management(doc: &mut Document) {
    environment(doc, MANAGEMENT_API);
    doc.mount(
        MANAGEMENT_API,
        Op::get("/assignments", "list_assignments", "Assignments", "List assignments in the environment")
            .describe("Every assignment of the key's environment as identity + role + assignment rows, with search, filters and sorting.")
            .query::<AssignmentListQuery>()
            .fresh()
            .ok(200, "A page of assignment rows.", page::<AssignmentRow>),
    );
    doc.mount(MANAGEMENT_API, export(Op::get("/assignments/export", "export_assignments", "Assignments", "Export the environment's assignments as CSV")));
}
