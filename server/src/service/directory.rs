//! Nodes, roles, permissions and identities: validation, tenancy and audit for each write, one
//! [`ChangeSet`] (one transaction) per request.

use std::collections::{BTreeMap, HashMap, HashSet};

use app::dto::{
    BulkImportResponse, CreateIdentityRequest, CreateNodeRequest, CreateRoleRequest, EmailAddress, IdentityListQuery,
    IdentityLookupRequest, IdentityLookupResponse, IdentityResponse, IdentityStatus, IdentitySummary, IdentityWithAssignments, ListQuery, NodeLookupRequest, NodeLookupResponse, NodeResponse, Paginated,
    PermissionResponse, RecordBulkImportRequest, ResourceResponse, RoleResponse, SetRolePermissionsRequest,
    SetupResourcePermissionsRequest, SetupResourcePermissionsResponse, Timestamp, UpdateIdentityRequest,
    UpdateNodeRequest, UpdateRoleRequest, Validate, page_of,
};
use serde_json::{Value, json};

use crate::{
    error::{AppError, AppResult},
    ids::new_id,
    service::{
        assignments::timestamp,
        audit::{AuditContext, Change},
        tenancy::EnvironmentScope,
    },
    store::{
        Account, Application, AuditEvent, BulkImport, ChangeSet, Identity, IdentityPageSpec, InsertBatch, Node,
        PageSpec, Permission, Resource, Role, RolePermission, Store, WriteOp,
    },
};

fn bad_query(errors: app::dto::FieldErrors) -> AppError {
    let details = errors.0.into_iter().map(|(field, message)| (field, Value::String(message))).collect();
    AppError::BadRequest { code: "invalid_query", message: "The query string is invalid.".into(), details }
}

fn page_spec(query: &ListQuery) -> AppResult<(app::dto::PageRequest, PageSpec)> {
    let page = query.page_request().map_err(bad_query)?;
    let spec = PageSpec {
        search: query.search().map(str::to_owned),
        order: query.order.unwrap_or(app::dto::SortOrder::Asc),
        limit: i64::from(page.take),
        offset: page.offset() as i64,
    };
    Ok((page, spec))
}

/// An audit event of this module's writes; `target` is `(type, id)`.
fn event(
    context: &AuditContext,
    account: &Account,
    environment_id: Option<&str>,
    action: &'static str,
    (target_type, target_id): (&'static str, &str),
    before: Option<Value>,
    after: Option<Value>,
) -> AuditEvent {
    context.event(Change { account_id: &account.id, environment_id, action, target_type, target_id: Some(target_id), before, after })
}

// -------------------------------------------------------------------------------------------------
// Nodes
// -------------------------------------------------------------------------------------------------

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

pub async fn list_nodes(store: &dyn Store, scope: &EnvironmentScope, query: &ListQuery) -> AppResult<Paginated<NodeResponse>> {
    let (page, spec) = page_spec(query)?;
    let (nodes, total) = store.node_page(&scope.environment.id, &spec).await?;
    Ok(page_of(nodes.iter().map(node_response).collect(), page, total as u64))
}

/// The environment's nodes with the request's ids, in its order, each once; unknown ids (and
/// other environments' nodes) match nothing.
pub async fn lookup_nodes(store: &dyn Store, scope: &EnvironmentScope, request: &NodeLookupRequest) -> AppResult<NodeLookupResponse> {
    request.validate()?;
    let mut seen = HashSet::new();
    let ids: Vec<&str> = request.ids.iter().map(String::as_str).filter(|id| seen.insert(*id)).collect();
    if ids.is_empty() {
        return Ok(NodeLookupResponse::default());
    }
    let mut by_id: HashMap<String, Node> = store.nodes_by_ids(&scope.environment.id, &ids).await?.into_iter().map(|node| (node.id.clone(), node)).collect();
    let items = ids.iter().filter_map(|id| by_id.remove(*id)).map(|node| node_response(&node)).collect();
    Ok(NodeLookupResponse { items })
}

pub async fn get_node(store: &dyn Store, scope: &EnvironmentScope, id: &str) -> AppResult<Node> {
    store.node_by_id(&scope.environment.id, id).await?.ok_or(AppError::NotFound { what: "node" })
}

/// The parent named in a request body: 422 when it is not a node of this environment.
async fn parent_node(store: &dyn Store, scope: &EnvironmentScope, id: &str) -> AppResult<Node> {
    store
        .node_by_id(&scope.environment.id, id)
        .await?
        .ok_or_else(|| AppError::invalid_field("parent_id", "No node with this id in this environment."))
}

const DEFAULT_KINDS: [&str; 4] = ["org", "region", "team", "project"];

pub async fn create_node(store: &dyn Store, scope: &EnvironmentScope, context: &AuditContext, request: CreateNodeRequest) -> AppResult<NodeResponse> {
    request.validate()?;
    let parent = match request.parent_id.as_deref() {
        Some(id) => Some(parent_node(store, scope, id).await?),
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
        id_path: format!("{}{id}/", parent.as_ref().map_or("/", |p| p.id_path.as_str())),
        path: match &parent {
            Some(p) => format!("{} / {name}", p.path),
            None => name.clone(),
        },
        id,
        environment_id: scope.environment.id.clone(),
        parent_id: parent.map(|p| p.id),
        name,
        kind,
        depth,
        created_at: context.at,
        updated_at: context.at,
    };
    let audit = event(context, &scope.account, Some(&scope.environment.id), "node.create", ("node", &node.id), None, Some(node_state(&node)));
    store.insert_batch(&InsertBatch { nodes: vec![node.clone()], audit_events: vec![audit], ..Default::default() }).await?;
    Ok(node_response(&node))
}

/// Rename and/or move. Descendants follow in the same statement set, so inheritance follows the
/// move at once.
pub async fn update_node(
    store: &dyn Store,
    scope: &EnvironmentScope,
    context: &AuditContext,
    id: &str,
    request: UpdateNodeRequest,
) -> AppResult<NodeResponse> {
    request.validate()?;
    let current = get_node(store, scope, id).await?;
    let name = request.name.as_deref().map(str::trim).unwrap_or(&current.name).to_owned();
    let kind = request.kind.as_deref().map(str::trim).unwrap_or(&current.kind).to_owned();
    let parent = match &request.parent_id {
        None => match &current.parent_id {
            Some(parent_id) => Some(get_node(store, scope, parent_id).await?),
            None => None,
        },
        Some(None) => None,
        Some(Some(parent_id)) => {
            let parent = parent_node(store, scope, parent_id).await?;
            if parent.id_path.starts_with(&current.id_path) {
                return Err(AppError::invalid_field("parent_id", "A node cannot move under itself or its own descendants."));
            }
            Some(parent)
        }
    };
    let depth = parent.as_ref().map_or(0, |p| p.depth + 1);
    let updated = Node {
        parent_id: parent.as_ref().map(|p| p.id.clone()),
        id_path: format!("{}{}/", parent.as_ref().map_or("/", |p| p.id_path.as_str()), current.id),
        path: match &parent {
            Some(p) => format!("{} / {name}", p.path),
            None => name.clone(),
        },
        name,
        kind,
        depth,
        updated_at: context.at,
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
            audit_events: vec![event(context, &scope.account, Some(&scope.environment.id), action, ("node", id), Some(node_state(&current)), Some(node_state(&updated)))],
            ..Default::default()
        },
    };
    store.apply_changes(&changes).await?;
    Ok(node_response(&updated))
}

/// Refused (409) while the node has children or assignments in its subtree, unless `cascade`:
/// then the whole subtree goes, with its assignments, each audited.
pub async fn delete_node(store: &dyn Store, scope: &EnvironmentScope, context: &AuditContext, id: &str, cascade: bool) -> AppResult<()> {
    let node = get_node(store, scope, id).await?;
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
    let env = Some(scope.environment.id.as_str());
    let mut audit = Vec::new();
    if assignments > 0 {
        let node_ids: Vec<String> = subtree.iter().map(|n| n.id.clone()).collect();
        let filter = crate::store::AssignmentFilter {
            environment_id: scope.environment.id.clone(),
            on_nodes: Some(node_ids),
            now_ms: context.at,
            ..Default::default()
        };
        let slice = crate::store::Slice {
            sort: app::dto::AssignmentSort::CreatedAt,
            order: app::dto::SortOrder::Asc,
            limit: i64::MAX / 2,
            offset: 0,
        };
        for view in store.assignment_views(&filter, slice).await?.0 {
            let before = serde_json::to_value(super::assignments::response(&view.assignment)).ok();
            audit.push(event(context, &scope.account, env, "assignment.delete", ("assignment", &view.assignment.id), before, None));
        }
    }
    let mut levels: BTreeMap<std::cmp::Reverse<i32>, Vec<String>> = BTreeMap::new();
    for n in &subtree {
        audit.push(event(context, &scope.account, env, "node.delete", ("node", &n.id), Some(node_state(n)), None));
        levels.entry(std::cmp::Reverse(n.depth)).or_default().push(n.id.clone());
    }
    let changes = ChangeSet {
        ops: vec![WriteOp::DeleteNodes(levels.into_values().collect())],
        inserts: InsertBatch { audit_events: audit, ..Default::default() },
    };
    store.apply_changes(&changes).await?;
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Resources, permissions, roles
// -------------------------------------------------------------------------------------------------

pub async fn list_resources(store: &dyn Store, scope: &EnvironmentScope) -> AppResult<Vec<ResourceResponse>> {
    let permissions = store.permissions(&scope.environment.id).await?;
    Ok(store
        .resources(&scope.environment.id)
        .await?
        .into_iter()
        .map(|r| {
            let mut actions: Vec<String> = permissions.iter().filter(|p| p.resource_id == r.id).map(|p| p.action.clone()).collect();
            actions.sort();
            ResourceResponse { id: r.id, name: r.name, description: r.description, actions, created_at: timestamp(r.created_at) }
        })
        .collect())
}

pub async fn list_permissions(store: &dyn Store, scope: &EnvironmentScope) -> AppResult<Vec<PermissionResponse>> {
    Ok(store
        .permissions(&scope.environment.id)
        .await?
        .into_iter()
        .map(|p| PermissionResponse { id: p.id, resource_id: p.resource_id, action: p.action, key: p.key, created_at: timestamp(p.created_at) })
        .collect())
}

async fn role_responses(store: &dyn Store, roles: Vec<Role>) -> AppResult<Vec<RoleResponse>> {
    let ids: Vec<&str> = roles.iter().map(|r| r.id.as_str()).collect();
    let mut keys: HashMap<String, Vec<String>> = HashMap::new();
    for (role_id, key) in store.role_permission_keys(&ids).await? {
        keys.entry(role_id).or_default().push(key);
    }
    Ok(roles
        .into_iter()
        .map(|r| RoleResponse {
            permissions: keys.remove(&r.id).unwrap_or_default(),
            id: r.id,
            name: r.name,
            description: r.description,
            is_system: r.is_system,
            created_at: timestamp(r.created_at),
            updated_at: timestamp(r.updated_at),
        })
        .collect())
}

async fn role_response(store: &dyn Store, role: Role) -> AppResult<RoleResponse> {
    Ok(role_responses(store, vec![role]).await?.remove(0))
}

pub async fn list_roles(store: &dyn Store, scope: &EnvironmentScope, query: &ListQuery) -> AppResult<Paginated<RoleResponse>> {
    let (page, spec) = page_spec(query)?;
    let (roles, total) = store.role_page(&scope.environment.id, &spec).await?;
    Ok(page_of(role_responses(store, roles).await?, page, total as u64))
}

async fn find_role(store: &dyn Store, scope: &EnvironmentScope, id: &str) -> AppResult<Role> {
    store.role_by_id(&scope.environment.id, id).await?.ok_or(AppError::NotFound { what: "role" })
}

pub async fn get_role(store: &dyn Store, scope: &EnvironmentScope, id: &str) -> AppResult<RoleResponse> {
    role_response(store, find_role(store, scope, id).await?).await
}

/// A role that may be changed: system roles are visible but reserved (400).
async fn editable_role(store: &dyn Store, scope: &EnvironmentScope, id: &str) -> AppResult<Role> {
    let role = find_role(store, scope, id).await?;
    if role.is_system {
        return Err(AppError::bad_request("system_role", "System roles are reserved for platform administration and cannot be changed."));
    }
    Ok(role)
}

/// Permission ids for keys; every key must exist here (422 naming the unknown ones).
fn permission_ids(field: &str, keys: &[String], existing: &[Permission]) -> AppResult<Vec<String>> {
    let by_key: HashMap<&str, &str> = existing.iter().map(|p| (p.key.as_str(), p.id.as_str())).collect();
    let unknown: Vec<&str> = keys.iter().map(String::as_str).filter(|k| !by_key.contains_key(k)).collect();
    if !unknown.is_empty() {
        return Err(AppError::invalid_field(field, format!("Unknown permission key(s): {}.", unknown.join(", "))));
    }
    let mut seen = HashSet::new();
    Ok(keys.iter().filter(|k| seen.insert(k.as_str())).map(|k| by_key[k.as_str()].to_owned()).collect())
}

fn role_state(role: &Role, permissions: &[String]) -> Value {
    json!({ "id": role.id, "name": role.name, "description": role.description, "permissions": permissions })
}

pub async fn create_role(store: &dyn Store, scope: &EnvironmentScope, context: &AuditContext, request: CreateRoleRequest) -> AppResult<RoleResponse> {
    request.validate()?;
    let existing = store.permissions(&scope.environment.id).await?;
    let ids = permission_ids("permissions", &request.permissions, &existing)?;
    let role = Role {
        id: new_id(),
        environment_id: scope.environment.id.clone(),
        name: request.name.trim().to_owned(),
        description: request.description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
        is_system: false,
        created_at: context.at,
        updated_at: context.at,
    };
    let batch = InsertBatch {
        role_permissions: ids.iter().map(|p| RolePermission { role_id: role.id.clone(), permission_id: p.clone() }).collect(),
        audit_events: vec![event(context, &scope.account, Some(&scope.environment.id), "role.create", ("role", &role.id), None, Some(role_state(&role, &request.permissions)))],
        roles: vec![role.clone()],
        ..Default::default()
    };
    store.insert_batch(&batch).await.map_err(|err| name_conflict(err, "role"))?;
    role_response(store, role).await
}

fn name_conflict(err: crate::store::StoreError, what: &str) -> AppError {
    match err {
        crate::store::StoreError::Conflict => {
            AppError::Conflict { code: "name_taken", message: format!("Another {what} in this environment already has this name.") }
        }
        other => other.into(),
    }
}

pub async fn update_role(store: &dyn Store, scope: &EnvironmentScope, context: &AuditContext, id: &str, request: UpdateRoleRequest) -> AppResult<RoleResponse> {
    request.validate()?;
    let current = editable_role(store, scope, id).await?;
    let updated = Role {
        name: request.name.map(|n| n.trim().to_owned()).unwrap_or_else(|| current.name.clone()),
        description: match request.description {
            None => current.description.clone(),
            Some(d) => d.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
        },
        updated_at: context.at,
        ..current.clone()
    };
    if (&updated.name, &updated.description) == (&current.name, &current.description) {
        return role_response(store, current).await;
    }
    let keys: Vec<String> = store.role_permission_keys(&[id]).await?.into_iter().map(|(_, k)| k).collect();
    let changes = ChangeSet {
        ops: vec![WriteOp::UpdateRole(updated.clone())],
        inserts: InsertBatch {
            audit_events: vec![event(context, &scope.account, Some(&scope.environment.id), "role.update", ("role", id), Some(role_state(&current, &keys)), Some(role_state(&updated, &keys)))],
            ..Default::default()
        },
    };
    store.apply_changes(&changes).await.map_err(|err| name_conflict(err, "role"))?;
    role_response(store, updated).await
}

/// Refused (409) while assignments use the role, unless `cascade`.
pub async fn delete_role(store: &dyn Store, scope: &EnvironmentScope, context: &AuditContext, id: &str, cascade: bool) -> AppResult<()> {
    let role = editable_role(store, scope, id).await?;
    let in_use = store.role_assignment_count(id).await?;
    if in_use > 0 && !cascade {
        return Err(AppError::Conflict {
            code: "role_in_use",
            message: format!("{in_use} assignment(s) use this role; change or remove them first, or pass cascade=true."),
        });
    }
    let env = Some(scope.environment.id.as_str());
    let mut audit = Vec::new();
    if in_use > 0 {
        let filter = crate::store::AssignmentFilter {
            environment_id: scope.environment.id.clone(),
            role_id: Some(id.to_owned()),
            now_ms: context.at,
            ..Default::default()
        };
        let slice = crate::store::Slice { sort: app::dto::AssignmentSort::CreatedAt, order: app::dto::SortOrder::Asc, limit: i64::MAX / 2, offset: 0 };
        for view in store.assignment_views(&filter, slice).await?.0 {
            let before = serde_json::to_value(super::assignments::response(&view.assignment)).ok();
            audit.push(event(context, &scope.account, env, "assignment.delete", ("assignment", &view.assignment.id), before, None));
        }
    }
    let keys: Vec<String> = store.role_permission_keys(&[id]).await?.into_iter().map(|(_, k)| k).collect();
    audit.push(event(context, &scope.account, env, "role.delete", ("role", id), Some(role_state(&role, &keys)), None));
    let changes = ChangeSet { ops: vec![WriteOp::DeleteRole(id.to_owned())], inserts: InsertBatch { audit_events: audit, ..Default::default() } };
    store.apply_changes(&changes).await?;
    Ok(())
}

pub async fn set_role_permissions(
    store: &dyn Store,
    scope: &EnvironmentScope,
    context: &AuditContext,
    id: &str,
    request: SetRolePermissionsRequest,
) -> AppResult<RoleResponse> {
    request.validate()?;
    let role = editable_role(store, scope, id).await?;
    let existing = store.permissions(&scope.environment.id).await?;
    let ids = permission_ids("permissions", &request.permissions, &existing)?;
    let before: Vec<String> = store.role_permission_keys(&[id]).await?.into_iter().map(|(_, k)| k).collect();
    let mut after: Vec<String> = request.permissions.clone();
    after.sort();
    after.dedup();
    if before == after {
        return role_response(store, role).await;
    }
    let changes = ChangeSet {
        ops: vec![WriteOp::ClearRolePermissions(id.to_owned())],
        inserts: InsertBatch {
            role_permissions: ids.into_iter().map(|p| RolePermission { role_id: id.to_owned(), permission_id: p }).collect(),
            audit_events: vec![event(context, &scope.account, Some(&scope.environment.id), "role.permissions.set", ("role", id), Some(role_state(&role, &before)), Some(role_state(&role, &after)))],
            ..Default::default()
        },
    };
    store.apply_changes(&changes).await?;
    role_response(store, role).await
}

/// `setup/resource-permissions` (seed page): creates missing resources and permissions, skips
/// keys that exist, and grants keys to existing roles, in one transaction.
pub async fn setup_resource_permissions(
    store: &dyn Store,
    scope: &EnvironmentScope,
    context: &AuditContext,
    request: SetupResourcePermissionsRequest,
) -> AppResult<SetupResourcePermissionsResponse> {
    request.validate()?;
    let env_id = &scope.environment.id;
    let env = Some(env_id.as_str());
    let mut resources: HashMap<String, String> = store.resources(env_id).await?.into_iter().map(|r| (r.name, r.id)).collect();
    let mut permissions: HashMap<String, String> = store.permissions(env_id).await?.into_iter().map(|p| (p.key, p.id)).collect();
    let mut batch = InsertBatch::default();
    let mut skipped = 0;
    for resource in &request.resources {
        let resource_id = match resources.get(&resource.name) {
            Some(id) => id.clone(),
            None => {
                let new = Resource { id: new_id(), environment_id: env_id.clone(), name: resource.name.clone(), description: None, created_at: context.at };
                batch.audit_events.push(event(context, &scope.account, env, "resource.create", ("resource", &new.id), None, Some(json!({ "name": new.name }))));
                resources.insert(new.name.clone(), new.id.clone());
                let id = new.id.clone();
                batch.resources.push(new);
                id
            }
        };
        for action in &resource.actions {
            let key = format!("{}.{action}", resource.name);
            if permissions.contains_key(&key) {
                skipped += 1;
                continue;
            }
            let permission = Permission { id: new_id(), environment_id: env_id.clone(), resource_id: resource_id.clone(), action: action.clone(), key: key.clone(), created_at: context.at };
            batch.audit_events.push(event(context, &scope.account, env, "permission.create", ("permission", &permission.id), None, Some(json!({ "key": key }))));
            permissions.insert(key, permission.id.clone());
            batch.permissions.push(permission);
        }
    }
    let permissions_created = batch.permissions.len();

    // Role bindings: every role must exist here and not be a system role; every key must exist
    // now (created above or before).
    let role_ids: Vec<&str> = request.role_permissions.iter().map(|b| b.role_id.as_str()).collect();
    let held: HashSet<(String, String)> = store.role_permission_keys(&role_ids).await?.into_iter().collect();
    let mut roles_updated = 0;
    let mut granted: HashSet<(String, String)> = HashSet::new();
    for (index, binding) in request.role_permissions.iter().enumerate() {
        let role = find_role(store, scope, &binding.role_id).await?;
        if role.is_system {
            return Err(AppError::bad_request("system_role", "System roles are reserved for platform administration and cannot be changed."));
        }
        let unknown: Vec<&str> = binding.permission_keys.iter().map(String::as_str).filter(|k| !permissions.contains_key(*k)).collect();
        if !unknown.is_empty() {
            return Err(AppError::invalid_field(
                &format!("role_permissions[{index}].permission_keys"),
                format!("Unknown permission key(s): {}.", unknown.join(", ")),
            ));
        }
        let mut added = Vec::new();
        for key in &binding.permission_keys {
            let pair = (role.id.clone(), key.clone());
            if held.contains(&pair) || !granted.insert(pair) {
                continue;
            }
            batch.role_permissions.push(RolePermission { role_id: role.id.clone(), permission_id: permissions[key].clone() });
            added.push(key.clone());
        }
        if !added.is_empty() {
            roles_updated += 1;
            batch.audit_events.push(event(context, &scope.account, env, "role.permissions.grant", ("role", &role.id), None, Some(json!({ "granted": added }))));
        }
    }
    store.insert_batch(&batch).await?;
    Ok(SetupResourcePermissionsResponse { permissions_created, skipped_permissions: skipped, roles_updated })
}

// -------------------------------------------------------------------------------------------------
// Identities
// -------------------------------------------------------------------------------------------------

/// Where identities live: an application of an account.
#[derive(Debug, Clone)]
pub struct ApplicationScope {
    pub account: Account,
    pub application: Application,
}

impl From<&EnvironmentScope> for ApplicationScope {
    fn from(scope: &EnvironmentScope) -> Self {
        Self { account: scope.account.clone(), application: scope.application.clone() }
    }
}

pub fn identity_response(identity: &Identity) -> IdentityResponse {
    IdentityResponse {
        id: identity.id.clone(),
        first_name: identity.first_name.clone(),
        last_name: identity.last_name.clone(),
        name: identity.name.clone(),
        email: identity.email.clone(),
        avatar_url: identity.avatar_url.clone(),
        status: if identity.status == "inactive" { IdentityStatus::Inactive } else { IdentityStatus::Active },
        created_at: timestamp(identity.created_at),
        updated_at: timestamp(identity.updated_at),
    }
}

fn identity_state(identity: &Identity) -> Value {
    serde_json::to_value(identity_response(identity)).unwrap_or(Value::Null)
}

pub async fn list_identities(store: &dyn Store, scope: &ApplicationScope, query: &IdentityListQuery) -> AppResult<Paginated<IdentityResponse>> {
    let page = query.page_request().map_err(bad_query)?;
    let spec = IdentityPageSpec {
        page: PageSpec {
            search: query.search().map(str::to_owned),
            order: query.order.unwrap_or(app::dto::SortOrder::Asc),
            limit: i64::from(page.take),
            offset: page.offset() as i64,
        },
        sort: query.sort_by.unwrap_or_default(),
        status: query.status,
    };
    let (identities, total) = store.identity_page(&scope.application.id, &spec).await?;
    Ok(page_of(identities.iter().map(identity_response).collect(), page, total as u64))
}

pub async fn identities_with_assignments(
    store: &dyn Store,
    scope: &ApplicationScope,
    query: &IdentityListQuery,
) -> AppResult<Paginated<IdentityWithAssignments>> {
    let page = list_identities(store, scope, query).await?;
    let ids: Vec<&str> = page.items.iter().map(|i| i.id.as_str()).collect();
    let mut by_identity: HashMap<String, Vec<app::dto::IdentityAssignment>> = HashMap::new();
    let now = Timestamp::now().as_millis();
    for place in store.assignment_places(&ids).await? {
        by_identity.entry(place.assignment.identity_id.clone()).or_default().push(identity_assignment(place, now));
    }
    let items = page
        .items
        .into_iter()
        .map(|identity| IdentityWithAssignments { assignments: by_identity.remove(&identity.id).unwrap_or_default(), identity })
        .collect();
    Ok(Paginated { items, pagination: page.pagination })
}

fn identity_assignment(place: crate::store::AssignmentPlace, now: i64) -> app::dto::IdentityAssignment {
    let a = place.assignment;
    app::dto::IdentityAssignment {
        status: app::dto::AssignmentStatus::at(a.effective_from, a.effective_to, now),
        id: a.id,
        environment_id: a.environment_id,
        environment_slug: place.environment_slug,
        role_id: a.role_id,
        role_name: place.role_name,
        node_id: a.node_id,
        node_name: place.node_name,
        node_path: place.node_path,
        effective_from: a.effective_from.map(timestamp),
        effective_to: a.effective_to.map(timestamp),
        created_at: timestamp(a.created_at),
    }
}

pub async fn identity_summary(store: &dyn Store, scope: &ApplicationScope) -> AppResult<IdentitySummary> {
    let counts = store.identity_counts(&scope.application.id).await?;
    Ok(IdentitySummary {
        total: counts.total,
        active: counts.active,
        inactive: counts.total - counts.active,
        with_assignments: counts.with_assignments,
        without_assignments: counts.total - counts.with_assignments,
    })
}

/// Identities by email (compared as stored: normalized) or id. Malformed emails and unknown ids
/// match nothing; each identity is listed once, in the order of the request's emails then ids.
pub async fn lookup_identities(store: &dyn Store, scope: &ApplicationScope, request: &IdentityLookupRequest) -> AppResult<IdentityLookupResponse> {
    request.validate()?;
    let emails: Vec<String> = request.emails.iter().filter_map(|e| EmailAddress::parse(e).ok()).map(|e| e.normalized()).collect();
    let ids: Vec<&str> = request.ids.iter().map(String::as_str).collect();
    let mut by_email: HashMap<String, Identity> = HashMap::new();
    if !emails.is_empty() {
        for identity in store.identities_by_emails(&scope.application.id, &emails).await? {
            by_email.insert(identity.email_normalized.clone(), identity);
        }
    }
    let mut by_id: HashMap<String, Identity> = HashMap::new();
    if !ids.is_empty() {
        for identity in store.identities_by_ids(&scope.application.id, &ids).await? {
            by_id.insert(identity.id.clone(), identity);
        }
    }
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    let ordered = emails.iter().filter_map(|e| by_email.get(e)).chain(ids.iter().filter_map(|id| by_id.get(*id)));
    for identity in ordered {
        if seen.insert(identity.id.clone()) {
            items.push(identity_response(identity));
        }
    }
    Ok(IdentityLookupResponse { items })
}

pub async fn find_identity(store: &dyn Store, scope: &ApplicationScope, id: &str) -> AppResult<Identity> {
    store.identity_by_id(&scope.application.id, id).await?.ok_or(AppError::NotFound { what: "identity" })
}

pub async fn identity_detail(store: &dyn Store, scope: &ApplicationScope, id: &str) -> AppResult<IdentityWithAssignments> {
    let identity = find_identity(store, scope, id).await?;
    let now = Timestamp::now().as_millis();
    let assignments = store.assignment_places(&[id]).await?.into_iter().map(|p| identity_assignment(p, now)).collect();
    Ok(IdentityWithAssignments { identity: identity_response(&identity), assignments })
}

fn email_conflict() -> AppError {
    AppError::Conflict { code: "email_taken", message: "Another identity of this application already has this email.".into() }
}

/// A new identity from a validated request.
fn new_identity(scope: &ApplicationScope, request: &CreateIdentityRequest, at: i64) -> AppResult<Identity> {
    let email = EmailAddress::parse(&request.email).map_err(|m| AppError::invalid_field("email", m))?;
    Ok(Identity {
        id: new_id(),
        application_id: scope.application.id.clone(),
        first_name: request.first_name.trim().to_owned(),
        last_name: request.last_name.trim().to_owned(),
        name: request.display_name(),
        email_normalized: email.normalized(),
        email: email.as_str().to_owned(),
        avatar_url: request.avatar_url.clone(),
        status: request.status.unwrap_or(IdentityStatus::Active).as_str().to_owned(),
        created_at: at,
        updated_at: at,
    })
}

pub async fn create_identity(store: &dyn Store, scope: &ApplicationScope, context: &AuditContext, request: CreateIdentityRequest) -> AppResult<IdentityResponse> {
    request.validate()?;
    let identity = new_identity(scope, &request, context.at)?;
    let audit = event(context, &scope.account, None, "identity.create", ("identity", &identity.id), None, Some(identity_state(&identity)));
    store
        .insert_batch(&InsertBatch { identities: vec![identity.clone()], audit_events: vec![audit], ..Default::default() })
        .await
        .map_err(|err| match err {
            crate::store::StoreError::Conflict => email_conflict(),
            other => other.into(),
        })?;
    Ok(identity_response(&identity))
}

/// `identities/bulk-create`: the assignment bulk rules (atomic / partial / dry run), one result
/// per item; emails must be new to the application and unique within the request.
pub async fn plan_bulk_create_identities(
    store: &dyn Store,
    scope: &ApplicationScope,
    context: &AuditContext,
    items: Vec<Value>,
    options: super::assignments::BulkOptions,
) -> AppResult<(axum::http::StatusCode, app::dto::BulkResponse<IdentityResponse>, InsertBatch)> {
    use app::dto::{ApiErrorBody, BulkItemResult, BulkMode, BulkResponse, MAX_BULK_ITEMS};
    use axum::http::StatusCode;
    if items.len() > MAX_BULK_ITEMS {
        return Err(AppError::PayloadTooLarge { message: format!("A bulk request takes at most {MAX_BULK_ITEMS} items; this one has {}.", items.len()) });
    }
    if items.is_empty() {
        return Err(AppError::invalid_field("identities", format!("Send between 1 and {MAX_BULK_ITEMS} items.")));
    }
    let failure = |status: StatusCode, code: &str, message: &str| (status, ApiErrorBody::new(code, message));
    let mut parsed = Vec::with_capacity(items.len());
    for raw in &items {
        let item = serde_json::from_value::<CreateIdentityRequest>(raw.clone())
            .map_err(|err| {
                let mut body = ApiErrorBody::new("validation_failed", "This item is malformed.");
                body.details.insert("body".into(), Value::String(err.to_string()));
                (StatusCode::UNPROCESSABLE_ENTITY, body)
            })
            .and_then(|item| match item.validate() {
                Ok(()) => Ok(item),
                Err(errors) => {
                    let mut body = ApiErrorBody::new("validation_failed", "Some fields are invalid.");
                    body.details = errors.0.into_iter().map(|(f, m)| (f, Value::String(m))).collect();
                    Err((StatusCode::UNPROCESSABLE_ENTITY, body))
                }
            });
        parsed.push(item);
    }
    // Emails already taken, in one look-up per chunk.
    let emails: Vec<String> = parsed.iter().filter_map(|i| i.as_ref().ok()).filter_map(|i| EmailAddress::parse(&i.email).ok()).map(|e| e.normalized()).collect();
    let taken: HashSet<String> = store.identity_emails_taken(&scope.application.id, &emails).await?.into_iter().collect();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let mut batch = InsertBatch::default();
    let mut outcomes = Vec::with_capacity(items.len());
    for (index, item) in parsed.into_iter().enumerate() {
        let outcome = item.and_then(|item| {
            let identity = new_identity(scope, &item, context.at).map_err(|_| failure(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "The email is invalid."))?;
            if taken.contains(&identity.email_normalized) {
                return Err(failure(StatusCode::CONFLICT, "email_taken", "Another identity of this application already has this email."));
            }
            if let Some(first) = first_seen.get(&identity.email_normalized) {
                let mut error = failure(StatusCode::CONFLICT, "duplicate_item", "The same email appears earlier in this request.");
                error.1.details.insert("duplicate_of".into(), json!(first));
                return Err(error);
            }
            first_seen.insert(identity.email_normalized.clone(), index);
            batch.audit_events.push(event(context, &scope.account, None, "identity.create", ("identity", &identity.id), None, Some(identity_state(&identity))));
            let response = identity_response(&identity);
            batch.identities.push(identity);
            Ok(response)
        });
        outcomes.push(outcome);
    }
    let failed = outcomes.iter().any(Result::is_err);
    let rolled_back = failed && options.mode == BulkMode::Atomic;
    let success_code = if options.dry_run { 200 } else { 201 };
    let results = outcomes
        .into_iter()
        .enumerate()
        .map(|(index, outcome)| match outcome {
            Ok(_) if rolled_back => BulkItemResult::failure(
                index,
                424,
                items[index].clone(),
                ApiErrorBody::new("batch_rolled_back", "Not written: another item of this all-or-nothing batch failed."),
            ),
            Ok(data) => BulkItemResult::success(index, success_code, data),
            Err((status, body)) => BulkItemResult::failure(index, status.as_u16(), items[index].clone(), body),
        })
        .collect();
    let status = match (failed, options.mode) {
        (false, _) => StatusCode::OK,
        (true, BulkMode::Partial) => StatusCode::MULTI_STATUS,
        (true, BulkMode::Atomic) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    if rolled_back || options.dry_run {
        batch = InsertBatch::default();
    }
    Ok((status, BulkResponse::new(results), batch))
}

pub async fn update_identity(
    store: &dyn Store,
    scope: &ApplicationScope,
    context: &AuditContext,
    id: &str,
    request: UpdateIdentityRequest,
) -> AppResult<IdentityResponse> {
    request.validate()?;
    let current = find_identity(store, scope, id).await?;
    let mut updated = current.clone();
    if let Some(email) = &request.email {
        let email = EmailAddress::parse(email).map_err(|m| AppError::invalid_field("email", m))?;
        updated.email_normalized = email.normalized();
        updated.email = email.as_str().to_owned();
    }
    if let Some(first) = &request.first_name {
        updated.first_name = first.trim().to_owned();
    }
    if let Some(last) = &request.last_name {
        updated.last_name = last.trim().to_owned();
    }
    match &request.name {
        Some(name) => updated.name = name.trim().to_owned(),
        // A derived name follows the first and last names when they change.
        None if request.first_name.is_some() || request.last_name.is_some() => {
            let derived = format!("{} {}", current.first_name, current.last_name).trim().to_owned();
            if current.name == derived {
                let next = format!("{} {}", updated.first_name, updated.last_name).trim().to_owned();
                if !next.is_empty() {
                    updated.name = next;
                }
            }
        }
        None => {}
    }
    if let Some(avatar) = &request.avatar_url {
        updated.avatar_url = avatar.clone();
    }
    write_identity(store, scope, context, current, updated, "identity.update").await
}

async fn write_identity(
    store: &dyn Store,
    scope: &ApplicationScope,
    context: &AuditContext,
    current: Identity,
    mut updated: Identity,
    action: &'static str,
) -> AppResult<IdentityResponse> {
    if updated == current {
        return Ok(identity_response(&current));
    }
    updated.updated_at = context.at;
    let changes = ChangeSet {
        ops: vec![WriteOp::UpdateIdentity(updated.clone())],
        inserts: InsertBatch {
            audit_events: vec![event(context, &scope.account, None, action, ("identity", &updated.id), Some(identity_state(&current)), Some(identity_state(&updated)))],
            ..Default::default()
        },
    };
    store.apply_changes(&changes).await.map_err(|err| match err {
        crate::store::StoreError::Conflict => email_conflict(),
        other => other.into(),
    })?;
    Ok(identity_response(&updated))
}

pub async fn set_identity_status(
    store: &dyn Store,
    scope: &ApplicationScope,
    context: &AuditContext,
    id: &str,
    status: IdentityStatus,
) -> AppResult<IdentityResponse> {
    let current = find_identity(store, scope, id).await?;
    let updated = Identity { status: status.as_str().to_owned(), ..current.clone() };
    let action = match status {
        IdentityStatus::Active => "identity.activate",
        IdentityStatus::Inactive => "identity.deactivate",
    };
    write_identity(store, scope, context, current, updated, action).await
}

/// Deleting an identity deletes its assignments in every environment (each audited): an
/// assignment cannot outlive the person it is for.
pub async fn delete_identity(store: &dyn Store, scope: &ApplicationScope, context: &AuditContext, id: &str) -> AppResult<()> {
    let identity = find_identity(store, scope, id).await?;
    let mut audit: Vec<AuditEvent> = store
        .assignments_for_identity(id)
        .await?
        .iter()
        .map(|a| {
            let before = serde_json::to_value(super::assignments::response(a)).ok();
            event(context, &scope.account, Some(&a.environment_id), "assignment.delete", ("assignment", &a.id), before, None)
        })
        .collect();
    audit.push(event(context, &scope.account, None, "identity.delete", ("identity", id), Some(identity_state(&identity)), None));
    let changes = ChangeSet { ops: vec![WriteOp::DeleteIdentity(id.to_owned())], inserts: InsertBatch { audit_events: audit, ..Default::default() } };
    store.apply_changes(&changes).await?;
    Ok(())
}

pub async fn record_bulk_import(
    store: &dyn Store,
    scope: &ApplicationScope,
    context: &AuditContext,
    admin_id: Option<&str>,
    request: RecordBulkImportRequest,
) -> AppResult<BulkImportResponse> {
    request.validate()?;
    let environment_id = match request.environment.as_deref().filter(|s| !s.is_empty()) {
        Some(slug) => Some(
            store
                .environment_by_slug(&scope.application.id, slug)
                .await?
                .ok_or_else(|| AppError::invalid_field("environment", "No environment with this slug in this application."))?
                .id,
        ),
        None => None,
    };
    let import = BulkImport {
        id: new_id(),
        application_id: scope.application.id.clone(),
        environment_id,
        file_name: request.file_name.trim().to_owned(),
        total_rows: request.total_rows,
        succeeded: request.succeeded,
        failed: request.failed,
        mode: request.mode.as_str().to_owned(),
        created_by_admin_id: admin_id.map(str::to_owned),
        created_at: context.at,
    };
    let response = BulkImportResponse {
        id: import.id.clone(),
        file_name: import.file_name.clone(),
        environment_id: import.environment_id.clone(),
        total_rows: import.total_rows,
        succeeded: import.succeeded,
        failed: import.failed,
        mode: request.mode,
        created_by_admin_id: import.created_by_admin_id.clone(),
        created_at: timestamp(import.created_at),
    };
    let audit = event(
        context,
        &scope.account,
        import.environment_id.as_deref(),
        "bulk_import.record",
        ("bulk_import", &import.id),
        None,
        serde_json::to_value(&response).ok(),
    );
    store.insert_bulk_import(&import, &[audit]).await?;
    Ok(response)
}
