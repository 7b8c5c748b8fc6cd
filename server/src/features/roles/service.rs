//! Roles (made of permissions), and the resources and actions that make permissions
//! (`invoices.read`), with the one-call set-up of both. System roles are listed but reserved
//! (`domain::role`).

use std::collections::{HashMap, HashSet};

use app::dto::{
    CreateRoleRequest, ListQuery, Paginated, PermissionResponse, ResourceResponse, RoleResponse, SetRolePermissionsRequest,
    SetupResourcePermissionsRequest, SetupResourcePermissionsResponse, UpdateRoleRequest, Validate, page_of,
};
use serde_json::{Value, json};

use crate::{
    domain::{audit::AuditContext, role, tenancy::EnvironmentTenancy, time::timestamp, version},
    features::assignments,
    ids::new_id,
    store::{AssignmentFilter, ChangeSet, InsertBatch, Permission, Resource, Role, RolePermission, Store, Versioned, WriteOp},
    web::{
        conditional::Precondition,
        error::{AppError, AppResult},
        paging::page_spec,
    },
};

pub async fn list_resources(store: &Store, tenancy: &EnvironmentTenancy) -> AppResult<Vec<ResourceResponse>> {
    let permissions = store.permissions(&tenancy.environment.id).await?;
    Ok(store
        .resources(&tenancy.environment.id)
        .await?
        .into_iter()
        .map(|r| {
            let mut actions: Vec<String> = permissions.iter().filter(|p| p.resource_id == r.id).map(|p| p.action.clone()).collect();
            actions.sort();
            ResourceResponse { id: r.id, name: r.name, description: r.description, actions, created_at: timestamp(r.created_at) }
        })
        .collect())
}

pub async fn list_permissions(store: &Store, tenancy: &EnvironmentTenancy) -> AppResult<Vec<PermissionResponse>> {
    Ok(store
        .permissions(&tenancy.environment.id)
        .await?
        .into_iter()
        .map(|p| PermissionResponse { id: p.id, resource_id: p.resource_id, action: p.action, key: p.key, created_at: timestamp(p.created_at) })
        .collect())
}

async fn role_responses(store: &Store, roles: Vec<Role>) -> AppResult<Vec<RoleResponse>> {
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

async fn role_response(store: &Store, role: Role) -> AppResult<RoleResponse> {
    Ok(role_responses(store, vec![role]).await?.remove(0))
}

pub async fn list_roles(store: &Store, tenancy: &EnvironmentTenancy, query: &ListQuery) -> AppResult<Paginated<RoleResponse>> {
    let (page, spec) = page_spec(query)?;
    let (roles, total) = store.role_page(&tenancy.environment.id, &spec).await?;
    Ok(page_of(role_responses(store, roles).await?, page, total as u64))
}

async fn find_role(store: &Store, tenancy: &EnvironmentTenancy, id: &str) -> AppResult<Role> {
    store.role_by_id(&tenancy.environment.id, id).await?.ok_or(AppError::NotFound { what: "role" })
}

pub async fn get_role(store: &Store, tenancy: &EnvironmentTenancy, id: &str) -> AppResult<RoleResponse> {
    role_response(store, find_role(store, tenancy, id).await?).await
}

/// A role that may be changed: system roles are visible but reserved (400 `system_role`, saying
/// what was refused: not an assignment, an edit).
async fn editable_role(store: &Store, tenancy: &EnvironmentTenancy, id: &str) -> AppResult<Role> {
    let role = find_role(store, tenancy, id).await?;
    role::editable(&role)?;
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

pub async fn create_role(store: &Store, tenancy: &EnvironmentTenancy, context: &AuditContext, request: CreateRoleRequest) -> AppResult<RoleResponse> {
    request.validate()?;
    let existing = store.permissions(&tenancy.environment.id).await?;
    let ids = permission_ids("permissions", &request.permissions, &existing)?;
    let role = Role {
        id: new_id(),
        environment_id: tenancy.environment.id.clone(),
        name: request.name.trim().to_owned(),
        description: request.description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
        is_system: false,
        created_at: context.at,
        updated_at: context.at,
    };
    let batch = InsertBatch {
        role_permissions: ids.iter().map(|p| RolePermission { role_id: role.id.clone(), permission_id: p.clone() }).collect(),
        audit_events: vec![context.record(&tenancy.account, Some(&tenancy.environment.id), "role.create", ("role", &role.id), None, Some(role_state(&role, &request.permissions)))],
        roles: vec![role.clone()],
        ..Default::default()
    };
    store.insert_batch(&batch).await?;
    role_response(store, role).await
}

pub async fn update_role(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    id: &str,
    request: UpdateRoleRequest,
    precondition: &Precondition,
) -> AppResult<RoleResponse> {
    request.validate()?;
    let current = editable_role(store, tenancy, id).await?;
    let expect = precondition.check(Versioned::Role, id, current.updated_at)?;
    let updated = Role {
        name: request.name.map(|n| n.trim().to_owned()).unwrap_or_else(|| current.name.clone()),
        description: match request.description {
            None => current.description.clone(),
            Some(d) => d.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
        },
        updated_at: version::next(current.updated_at, context.at),
        ..current.clone()
    };
    if (&updated.name, &updated.description) == (&current.name, &current.description) {
        return role_response(store, current).await;
    }
    let keys: Vec<String> = store.role_permission_keys(&[id]).await?.into_iter().map(|(_, k)| k).collect();
    let changes = ChangeSet {
        ops: vec![WriteOp::UpdateRole(updated.clone())],
        inserts: InsertBatch {
            audit_events: vec![context.record(&tenancy.account, Some(&tenancy.environment.id), "role.update", ("role", id), Some(role_state(&current, &keys)), Some(role_state(&updated, &keys)))],
            ..Default::default()
        },
    }
    .expecting(expect);
    store.apply_changes(&changes).await?;
    role_response(store, updated).await
}

/// Refused (409) while assignments use the role, unless `cascade`.
pub async fn delete_role(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    id: &str,
    cascade: bool,
    precondition: &Precondition,
) -> AppResult<()> {
    let role = editable_role(store, tenancy, id).await?;
    let expect = precondition.check(Versioned::Role, id, role.updated_at)?;
    let in_use = store.role_assignment_count(id).await?;
    if in_use > 0 && !cascade {
        return Err(AppError::Conflict {
            code: "role_in_use",
            message: format!("{in_use} assignment(s) use this role; change or remove them first, or pass cascade=true."),
        });
    }
    let env = Some(tenancy.environment.id.as_str());
    let mut audit = Vec::new();
    if in_use > 0 {
        let filter = AssignmentFilter { role_id: Some(id.to_owned()), ..Default::default() };
        audit = assignments::service::deletion_audit(store, tenancy, context, filter).await?;
    }
    let keys: Vec<String> = store.role_permission_keys(&[id]).await?.into_iter().map(|(_, k)| k).collect();
    audit.push(context.record(&tenancy.account, env, "role.delete", ("role", id), Some(role_state(&role, &keys)), None));
    let changes = ChangeSet { ops: vec![WriteOp::DeleteRole(id.to_owned())], inserts: InsertBatch { audit_events: audit, ..Default::default() } }
        .expecting(expect);
    store.apply_changes(&changes).await?;
    Ok(())
}

pub async fn set_role_permissions(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    id: &str,
    request: SetRolePermissionsRequest,
    precondition: &Precondition,
) -> AppResult<RoleResponse> {
    request.validate()?;
    let role = editable_role(store, tenancy, id).await?;
    let expect = precondition.check(Versioned::Role, id, role.updated_at)?;
    let existing = store.permissions(&tenancy.environment.id).await?;
    let ids = permission_ids("permissions", &request.permissions, &existing)?;
    let before: Vec<String> = store.role_permission_keys(&[id]).await?.into_iter().map(|(_, k)| k).collect();
    let mut after: Vec<String> = request.permissions.clone();
    after.sort();
    after.dedup();
    if before == after {
        return role_response(store, role).await;
    }
    // The permissions are part of the role: a new set is a new version of it.
    let updated = Role { updated_at: version::next(role.updated_at, context.at), ..role.clone() };
    let changes = ChangeSet {
        ops: vec![WriteOp::UpdateRole(updated.clone()), WriteOp::ClearRolePermissions(id.to_owned())],
        inserts: InsertBatch {
            role_permissions: ids.into_iter().map(|p| RolePermission { role_id: id.to_owned(), permission_id: p }).collect(),
            audit_events: vec![context.record(&tenancy.account, Some(&tenancy.environment.id), "role.permissions.set", ("role", id), Some(role_state(&role, &before)), Some(role_state(&role, &after)))],
            ..Default::default()
        },
    }
    .expecting(expect);
    store.apply_changes(&changes).await?;
    role_response(store, updated).await
}

/// `setup/resource-permissions` (seed page): creates missing resources and permissions, skips
/// keys that exist, and grants keys to existing roles, in one transaction.
pub async fn setup_resource_permissions(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    request: SetupResourcePermissionsRequest,
) -> AppResult<SetupResourcePermissionsResponse> {
    request.validate()?;
    let env_id = &tenancy.environment.id;
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
                batch.audit_events.push(context.record(&tenancy.account, env, "resource.create", ("resource", &new.id), None, Some(json!({ "name": new.name }))));
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
            batch.audit_events.push(context.record(&tenancy.account, env, "permission.create", ("permission", &permission.id), None, Some(json!({ "key": key }))));
            permissions.insert(key, permission.id.clone());
            batch.permissions.push(permission);
        }
    }
    let permissions_created = batch.permissions.len();

    // Role bindings: every role must exist here and not be a system role; every key must exist
    // now (created above or before).
    let role_ids: Vec<&str> = request.role_permissions.iter().map(|b| b.role_id.as_str()).collect();
    let held: HashSet<(String, String)> = store.role_permission_keys(&role_ids).await?.into_iter().collect();
    let mut updated_roles: Vec<Role> = Vec::new();
    let mut granted: HashSet<(String, String)> = HashSet::new();
    for (index, binding) in request.role_permissions.iter().enumerate() {
        let role = find_role(store, tenancy, &binding.role_id).await?;
        role::editable(&role)?;
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
            if !updated_roles.iter().any(|r| r.id == role.id) {
                // New permissions are a new version of the role.
                updated_roles.push(Role { updated_at: version::next(role.updated_at, context.at), ..role.clone() });
            }
            batch.audit_events.push(context.record(&tenancy.account, env, "role.permissions.grant", ("role", &role.id), None, Some(json!({ "granted": added }))));
        }
    }
    let roles_updated = updated_roles.len();
    let changes = ChangeSet { ops: updated_roles.into_iter().map(WriteOp::UpdateRole).collect(), inserts: batch };
    store.apply_changes(&changes).await?;
    Ok(SetupResourcePermissionsResponse { permissions_created, skipped_permissions: skipped, roles_updated })
}
