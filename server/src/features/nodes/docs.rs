//! Nodes: the operations of this feature in the OpenAPI document, next to the
//! handlers they describe, mounted under each prefix that serves them (`web::openapi` builds).

use app::dto::{CreateNodeRequest, DeleteNodeQuery, ListQuery, NodeLookupRequest, NodeLookupResponse, NodeResponse, NodeUsageResponse, UpdateNodeRequest};

use crate::web::openapi::{Document, Mount, Op, PORTAL_ENV, MANAGEMENT_API, component, page};

/// Node routes every environment caller has.
pub fn environment(doc: &mut Document, mount: Mount) {
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
            .tagged(201)
            .error(422, "No node with `parent_id` in the environment."),
    );
}

pub fn portal(doc: &mut Document) {
    environment(doc, PORTAL_ENV);
    doc.mount(
        PORTAL_ENV,
        Op::get("/nodes/{id}", "get_node", "Nodes", "Get a node")
            .id_is("The node's id.")
            .ok(200, "The node.", component::<NodeResponse>)
            .tagged(200)
            .error(404, "No node with this id in this environment."),
    );
    doc.mount(
        PORTAL_ENV,
        Op::patch("/nodes/{id}", "update_node", "Nodes", "Rename or move a node")
            .id_is("The node's id.")
            .describe("`parent_id: null` makes the node a root; moving a node under itself or one of its descendants is a 422.")
            .json_body(component::<UpdateNodeRequest>)
            .ok(200, "The node as it is now.", component::<NodeResponse>)
            .tagged(200)
            .conditional("node")
            .error(404, "No node with this id in this environment.")
            .error(422, "No node with `parent_id` in the environment, or it is the node itself or one of its descendants."),
    );
    doc.mount(
        PORTAL_ENV,
        Op::delete("/nodes/{id}", "delete_node", "Nodes", "Delete a node")
            .id_is("The node's id.")
            .query::<DeleteNodeQuery>()
            .empty(204, "Deleted (with its subtree and their assignments when `cascade=true`).")
            .conditional("node")
            .error(404, "No node with this id in this environment.")
            .error(409, "The node has children or assignments and `cascade` is not set (`node_in_use`)."),
    );
    doc.mount(
        PORTAL_ENV,
        Op::get("/nodes/{id}/usage", "get_node_usage", "Nodes", "What deleting a node would remove")
            .id_is("The node's id.")
            .describe("Its direct children, every node below it, and the assignments on it and below it: a delete is refused (409 `node_in_use`) while there are children or assignments, and with `cascade=true` removes the descendants and those assignments too.")
            .ok(200, "The counts.", component::<NodeUsageResponse>)
            .error(404, "No node with this id in this environment."),
    );
}

pub fn management(doc: &mut Document) {
    environment(doc, MANAGEMENT_API);
}
