//! The node tree of an environment (org → region → team → project): list, look-up, create,
//! rename and move (descendants follow in the same transaction), delete (with `cascade`, the
//! whole subtree and its assignments, each audited).

use std::collections::{BTreeMap, HashMap, HashSet};

use app::dto::{
    CreateNodeRequest, ListQuery, NodeLookupRequest, NodeLookupResponse, NodeResponse, NodeUsageResponse, Paginated, UpdateNodeRequest, Validate, page_of,
};
use serde_json::Value;

use crate::{
    domain::{audit::AuditContext, node_path, tenancy::EnvironmentTenancy, time::timestamp, version},
    features::assignments,
    ids::new_id,
    store::{AssignmentFilter, ChangeSet, InsertBatch, Node, Store, Versioned, WriteOp},
    web::{
        conditional::Precondition,
        error::{AppError, AppResult},
        paging::page_spec,
    },
};

pub fn node_response(node: &Node) -> NodeResponse {
    NodeResponse {
        id: node.id.clone(),
        parent_id: node.parent_id.clone(),
        name: node.name.clone(),
        kind: node.kind.clone(),
        depth: node.depth,
        path: node.path.clone(),
        created_at: timestamp(node.created_at),
        updated_at: timestamp(node.updated_at),
    }
}

fn node_state(node: &Node) -> Value {
    serde_json::to_value(node_response(node)).unwrap_or(Value::Null)
}

pub async fn list_nodes(store: &Store, tenancy: &EnvironmentTenancy, query: &ListQuery) -> AppResult<Paginated<NodeResponse>> {
    let (page, spec) = page_spec(query)?;
    let (nodes, total) = store.node_page(&tenancy.environment.id, &spec).await?;
    Ok(page_of(nodes.iter().map(node_response).collect(), page, total as u64))
}

/// The environment's nodes with the request's ids, in its order, each once; unknown ids (and
/// other environments' nodes) match nothing.
pub async fn lookup_nodes(store: &Store, tenancy: &EnvironmentTenancy, request: &NodeLookupRequest) -> AppResult<NodeLookupResponse> {
    request.validate()?;
    let mut seen = HashSet::new();
    let ids: Vec<&str> = request.ids.iter().map(String::as_str).filter(|id| seen.insert(*id)).collect();
    if ids.is_empty() {
        return Ok(NodeLookupResponse::default());
    }
    let mut by_id: HashMap<String, Node> = store.nodes_by_ids(&tenancy.environment.id, &ids).await?.into_iter().map(|node| (node.id.clone(), node)).collect();
    let items = ids.iter().filter_map(|id| by_id.remove(*id)).map(|node| node_response(&node)).collect();
    Ok(NodeLookupResponse { items })
}

pub async fn get_node(store: &Store, tenancy: &EnvironmentTenancy, id: &str) -> AppResult<Node> {
    store.node_by_id(&tenancy.environment.id, id).await?.ok_or(AppError::NotFound { what: "node" })
}

/// The counts behind [`delete_node`]'s rule: a node with children or assignments in its subtree
/// is refused without `cascade`, and a cascade removes its descendants and those assignments.
pub async fn node_usage(store: &Store, tenancy: &EnvironmentTenancy, id: &str) -> AppResult<NodeUsageResponse> {
    let node = get_node(store, tenancy, id).await?;
    let (children, assignments) = store.node_usage(&node).await?;
    // The subtree includes the node itself.
    let descendants = (store.subtree(&node).await?.len() as i64 - 1).max(0);
    Ok(NodeUsageResponse { children, descendants, assignments })
}

/// The parent named in a request body: 422 when it is not a node of this environment.
async fn parent_node(store: &Store, tenancy: &EnvironmentTenancy, id: &str) -> AppResult<Node> {
    store
        .node_by_id(&tenancy.environment.id, id)
        .await?
        .ok_or_else(|| AppError::invalid_field("parent_id", "No node with this id in this environment."))
}

const DEFAULT_KINDS: [&str; 4] = ["org", "region", "team", "project"];

pub async fn create_node(store: &Store, tenancy: &EnvironmentTenancy, context: &AuditContext, request: CreateNodeRequest) -> AppResult<NodeResponse> {
    request.validate()?;
    let parent = match request.parent_id.as_deref() {
        Some(id) => Some(parent_node(store, tenancy, id).await?),
        None => None,
    };
    let id = new_id();
    let name = request.name.trim().to_owned();
    let depth = parent.as_ref().map_or(0, |p| p.depth + 1);
    let kind = request
        .kind
        .map(|k| k.trim().to_owned())
        .unwrap_or_else(|| DEFAULT_KINDS.get(depth as usize).copied().unwrap_or("node").to_owned());
    let node = Node {
        id_path: node_path::child(parent.as_ref().map(|p| p.id_path.as_str()), &id),
        path: node_path::child_path(parent.as_ref().map(|p| p.path.as_str()), &name),
        id,
        environment_id: tenancy.environment.id.clone(),
        parent_id: parent.map(|p| p.id),
        name,
        kind,
        depth,
        created_at: context.at,
        updated_at: context.at,
    };
    let audit = context.record(&tenancy.account, Some(&tenancy.environment.id), "node.create", ("node", &node.id), None, Some(node_state(&node)));
    store.insert_batch(&InsertBatch { nodes: vec![node.clone()], audit_events: vec![audit], ..Default::default() }).await?;
    Ok(node_response(&node))
}

/// Rename and/or move. Descendants follow in the same statement set, so inheritance follows the
/// move at once.
pub async fn update_node(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    id: &str,
    request: UpdateNodeRequest,
    precondition: &Precondition,
) -> AppResult<NodeResponse> {
    request.validate()?;
    let current = get_node(store, tenancy, id).await?;
    let expect = precondition.check(Versioned::Node, id, current.updated_at)?;
    let name = request.name.as_deref().map(str::trim).unwrap_or(&current.name).to_owned();
    let kind = request.kind.as_deref().map(str::trim).unwrap_or(&current.kind).to_owned();
    let parent = match &request.parent_id {
        None => match &current.parent_id {
            Some(parent_id) => Some(get_node(store, tenancy, parent_id).await?),
            None => None,
        },
        Some(None) => None,
        Some(Some(parent_id)) => {
            let parent = parent_node(store, tenancy, parent_id).await?;
            if node_path::is_within(&parent.id_path, &current.id_path) {
                return Err(AppError::invalid_field("parent_id", "A node cannot move under itself or its own descendants."));
            }
            Some(parent)
        }
    };
    let depth = parent.as_ref().map_or(0, |p| p.depth + 1);
    let updated = Node {
        parent_id: parent.as_ref().map(|p| p.id.clone()),
        id_path: node_path::child(parent.as_ref().map(|p| p.id_path.as_str()), &current.id),
        path: node_path::child_path(parent.as_ref().map(|p| p.path.as_str()), &name),
        name,
        kind,
        depth,
        updated_at: version::next(current.updated_at, context.at),
        ..current.clone()
    };
    if (&updated.name, &updated.kind, &updated.parent_id) == (&current.name, &current.kind, &current.parent_id) {
        return Ok(node_response(&current));
    }
    let action = if updated.parent_id != current.parent_id { "node.move" } else { "node.update" };
    let changes = ChangeSet {
        ops: vec![WriteOp::RewriteSubtree {
            node: updated.clone(),
            old_id_path: current.id_path.clone(),
            old_path: current.path.clone(),
            depth_delta: updated.depth - current.depth,
        }],
        inserts: InsertBatch {
            audit_events: vec![context.record(&tenancy.account, Some(&tenancy.environment.id), action, ("node", id), Some(node_state(&current)), Some(node_state(&updated)))],
            ..Default::default()
        },
    }
    .expecting(expect);
    store.apply_changes(&changes).await?;
    Ok(node_response(&updated))
}

/// Refused (409) while the node has children or assignments in its subtree, unless `cascade`:
/// then the whole subtree goes, with its assignments, each audited.
pub async fn delete_node(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    id: &str,
    cascade: bool,
    precondition: &Precondition,
) -> AppResult<()> {
    let node = get_node(store, tenancy, id).await?;
    let expect = precondition.check(Versioned::Node, id, node.updated_at)?;
    let (children, assignments) = store.node_usage(&node).await?;
    if !cascade && (children > 0 || assignments > 0) {
        return Err(AppError::Conflict {
            code: "node_in_use",
            message: format!(
                "This node has {children} child node(s) and {assignments} assignment(s) in its subtree; delete them first or pass cascade=true."
            ),
        });
    }
    let subtree = store.subtree(&node).await?;
    let env = Some(tenancy.environment.id.as_str());
    let mut audit = Vec::new();
    if assignments > 0 {
        let node_ids: Vec<String> = subtree.iter().map(|n| n.id.clone()).collect();
        let filter = AssignmentFilter { on_nodes: Some(node_ids), ..Default::default() };
        audit = assignments::service::deletion_audit(store, tenancy, context, filter).await?;
    }
    let mut levels: BTreeMap<std::cmp::Reverse<i32>, Vec<String>> = BTreeMap::new();
    for n in &subtree {
        audit.push(context.record(&tenancy.account, env, "node.delete", ("node", &n.id), Some(node_state(n)), None));
        levels.entry(std::cmp::Reverse(n.depth)).or_default().push(n.id.clone());
    }
    let changes = ChangeSet {
        ops: vec![WriteOp::DeleteNodes(levels.into_values().collect())],
        inserts: InsertBatch { audit_events: audit, ..Default::default() },
    }
    .expecting(expect);
    store.apply_changes(&changes).await?;
    Ok(())
}
