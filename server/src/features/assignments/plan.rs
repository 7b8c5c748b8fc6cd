//! Planning assignment writes: every rule a write must pass (identity, node and role exist
//! here, identity active, role not a system role, window moves forward, no duplicate), checked
//! with a handful of set-based look-ups however many items there are, into one
//! [`AssignmentWrite`] (one transaction, multi-row statements, one audit event per changed
//! assignment). The service commits the plans; nothing here writes.

use std::collections::{HashMap, HashSet};

use app::dto::{AssignmentResponse, BulkChangeRoleRequest, BulkResponse, CreateAssignmentRequest, IdentityStatus, Timestamp, Validate, Window};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    store::Unique,
    domain::{
        audit::{AuditContext, Change},
        role,
        tenancy::EnvironmentTenancy,
        time::timestamp,
        version,
    },
    ids::new_id,
    store::{Assignment, AssignmentWrite, AuditEvent, Role, Store},
    web::{
        bulk::{self, BulkOptions, ItemError, check_batch_size},
        error::AppResult,
    },
};

pub fn response(row: &Assignment) -> AssignmentResponse {
    AssignmentResponse {
        id: row.id.clone(),
        identity_id: row.identity_id.clone(),
        application_node_id: row.node_id.clone(),
        role_id: row.role_id.clone(),
        effective_from: row.effective_from.map(timestamp),
        effective_to: row.effective_to.map(timestamp),
        created_at: timestamp(row.created_at),
        updated_at: timestamp(row.updated_at),
    }
}

fn audit_state(row: &Assignment) -> Value {
    serde_json::to_value(response(row)).unwrap_or(Value::Null)
}

pub(super) fn audit_event(
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    action: &'static str,
    id: &str,
    before: Option<&Assignment>,
    after: Option<&Assignment>,
) -> AuditEvent {
    context.event(Change {
        account_id: &tenancy.account.id,
        environment_id: Some(&tenancy.environment.id),
        action,
        target_type: "assignment",
        target_id: Some(id),
        before: before.map(audit_state),
        after: after.map(audit_state),
    })
}


/// 409 for an (identity, node, role) that is already stored.
pub(super) fn exists(identity_id: &str, node_id: &str, role_id: &str) -> ItemError {
    ItemError::taken(&Unique::AssignmentTriple)
        .detail("identity_id", identity_id)
        .detail("node_id", node_id)
        .detail("role_id", role_id)
}

/// The environment's roles and the identities and nodes a request mentions, loaded once.
struct Lookups {
    /// Status (`active` / `inactive`) of each mentioned identity of the application.
    identities: HashMap<String, IdentityStatus>,
    nodes: HashSet<String>,
    roles: HashMap<String, Role>,
}

impl Lookups {
    async fn load(store: &Store, tenancy: &EnvironmentTenancy, identity_ids: &[&str], node_ids: &[&str]) -> AppResult<Self> {
        let identities = store.identity_statuses(&tenancy.application.id, &unique(identity_ids)).await?.into_iter().collect();
        let wanted: HashSet<&str> = node_ids.iter().copied().collect();
        let nodes = store.node_ids(&tenancy.environment.id).await?.into_iter().filter(|id| wanted.contains(id.as_str())).collect();
        let roles = store.roles(&tenancy.environment.id).await?.into_iter().map(|role| (role.id.clone(), role)).collect();
        Ok(Self { identities, nodes, roles })
    }

    /// The role for a write, or why it cannot be used.
    fn assignable_role(&self, role_id: &str) -> Result<&Role, ItemError> {
        let role = self.roles.get(role_id).ok_or_else(|| ItemError::not_found("role", "role_id", role_id))?;
        Ok(role::usable(role)?)
    }

    fn check(&self, item: &CreateAssignmentRequest) -> Result<(), ItemError> {
        let status = self
            .identities
            .get(&item.identity_id)
            .ok_or_else(|| ItemError::not_found("identity", "identity_id", &item.identity_id))?;
        if !status.is_active() {
            return Err(ItemError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "identity_inactive",
                "Inactive identities cannot be given roles; activate the identity first.",
            )
            .detail("identity_id", item.identity_id.as_str()));
        }
        if !self.nodes.contains(&item.node_id) {
            return Err(ItemError::not_found("node", "node_id", &item.node_id));
        }
        self.assignable_role(&item.role_id)?;
        Ok(())
    }
}

fn unique<'a>(ids: &[&'a str]) -> Vec<&'a str> {
    let mut seen = HashSet::with_capacity(ids.len());
    ids.iter().copied().filter(|id| seen.insert(*id)).collect()
}

/// A planned bulk call: what to answer and what to write (nothing for a dry run or a rolled-back
/// batch).
pub(super) struct BulkPlan {
    pub status: StatusCode,
    pub body: BulkResponse<AssignmentResponse>,
    pub write: AssignmentWrite,
    /// The plan did not look for stored duplicates ([`StoredDuplicates::Constraint`]): if the
    /// write fails on a unique constraint, plan again with [`StoredDuplicates::Query`].
    pub unchecked: bool,
}

/// How `bulk-create` finds items whose (identity, node, role) is already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StoredDuplicates {
    /// Look them up before planning: every such item gets its own 409.
    Query,
    /// Skip the look-up and let the write's unique constraint refuse them. The look-up probes
    /// the same (identity, node, role) index the INSERT probes anyway, so in the usual case,
    /// no duplicates, this does that work once instead of twice; when the constraint does
    /// refuse, the transaction rolls back and the caller plans again with `Query`, so the
    /// answer is the same as if the look-up had run. Dry runs always use `Query`.
    Constraint,
}

impl BulkPlan {
    pub fn writes_anything(&self) -> bool {
        let w = &self.write;
        !(w.inserts.is_empty() && w.updates.is_empty() && w.deletes.is_empty() && w.role_change.is_none())
    }
}

/// Per-item outcomes into the plan (see [`bulk::finish`]); nothing is written unless committed.
fn finish(
    outcomes: Vec<Result<AssignmentResponse, (ItemError, Value)>>,
    input_of: impl Fn(usize) -> Value,
    options: BulkOptions,
    write: AssignmentWrite,
    success_code: StatusCode,
) -> BulkPlan {
    let outcome = bulk::finish(outcomes, input_of, options, success_code);
    let write = if outcome.commit { write } else { AssignmentWrite::default() };
    BulkPlan { status: outcome.status, body: outcome.body, write, unchecked: false }
}

/// `bulk-create` (seed page). Items arrive as raw JSON so that one malformed item is that
/// item's error, not the whole request's.
pub(super) async fn plan_bulk_create(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    items: &[Value],
    options: BulkOptions,
    duplicates: StoredDuplicates,
) -> AppResult<BulkPlan> {
    let duplicates = if options.dry_run { StoredDuplicates::Query } else { duplicates };
    check_batch_size(items.len(), "assignments")?;

    // 1. Shape and field rules, item by item.
    let parsed: Vec<Result<(CreateAssignmentRequest, Window), ItemError>> = items
        .iter()
        .map(|raw| {
            let item = CreateAssignmentRequest::deserialize(raw).map_err(ItemError::malformed)?;
            let window = item.parse().map_err(ItemError::invalid)?;
            Ok((item, window))
        })
        .collect();

    // 2. Everything the items refer to, in a few set-based queries.
    let (identity_ids, node_ids): (Vec<&str>, Vec<&str>) = parsed
        .iter()
        .filter_map(|item| item.as_ref().ok())
        .map(|(item, _)| (item.identity_id.as_str(), item.node_id.as_str()))
        .unzip();
    let lookups = Lookups::load(store, tenancy, &identity_ids, &node_ids).await?;
    let checked: Vec<Result<(CreateAssignmentRequest, Window), ItemError>> = parsed
        .into_iter()
        .map(|item| item.and_then(|(item, window)| lookups.check(&item).map(|()| (item, window))))
        .collect();
    let existing: HashSet<(String, String, String)> = match duplicates {
        StoredDuplicates::Constraint => HashSet::new(),
        StoredDuplicates::Query => {
            let triples: Vec<(&str, &str, &str)> = checked
                .iter()
                .filter_map(|item| item.as_ref().ok())
                .map(|(item, _)| (item.identity_id.as_str(), item.node_id.as_str(), item.role_id.as_str()))
                .collect();
            store.existing_triples(&unique_triples(&triples)).await?.into_iter().collect()
        }
    };

    // 3. Duplicates (stored or earlier in the request), then the rows to insert.
    let now = Timestamp::now().as_millis();
    let mut first_seen: HashMap<(&str, &str, &str), usize> = HashMap::new();
    let mut write = AssignmentWrite::default();
    let mut outcomes = Vec::with_capacity(checked.len());
    for (index, item) in checked.iter().enumerate() {
        let outcome = match item {
            Err(error) => Err(error.clone()),
            Ok((item, window)) => {
                let key = (item.identity_id.as_str(), item.node_id.as_str(), item.role_id.as_str());
                if let Some(first) = first_seen.get(&key) {
                    Err(ItemError::duplicate(*first))
                } else if existing.contains(&(key.0.to_owned(), key.1.to_owned(), key.2.to_owned())) {
                    Err(exists(key.0, key.1, key.2))
                } else {
                    first_seen.insert(key, index);
                    let row = Assignment {
                        id: new_id(),
                        environment_id: tenancy.environment.id.clone(),
                        identity_id: item.identity_id.clone(),
                        node_id: item.node_id.clone(),
                        role_id: item.role_id.clone(),
                        effective_from: window.from.map(|ts| ts.as_millis()),
                        effective_to: window.to.map(|ts| ts.as_millis()),
                        created_at: now,
                        updated_at: now,
                    };
                    let data = response(&row);
                    write.audit.push(audit_event(tenancy, context, "assignment.create", &row.id, None, Some(&row)));
                    write.inserts.push(row);
                    Ok(data)
                }
            }
        };
        outcomes.push(outcome.map_err(|error| (error, items[index].clone())));
    }
    let mut plan = finish(outcomes, |index| items[index].clone(), options, write, StatusCode::CREATED);
    plan.unchecked = duplicates == StoredDuplicates::Constraint;
    Ok(plan)
}

fn unique_triples<'a>(triples: &[(&'a str, &'a str, &'a str)]) -> Vec<(&'a str, &'a str, &'a str)> {
    let mut seen = HashSet::with_capacity(triples.len());
    triples.iter().copied().filter(|triple| seen.insert(*triple)).collect()
}

/// The role a write moves assignments to: 404 when unknown here, 400 for a system role.
pub(super) async fn assignable_role(store: &Store, tenancy: &EnvironmentTenancy, role_id: &str) -> AppResult<Role> {
    let role = store
        .role_by_id(&tenancy.environment.id, role_id)
        .await?
        .ok_or_else(|| ItemError::not_found("role", "role_id", role_id))?;
    role::usable(&role)?;
    Ok(role)
}

/// Resolves `ids` to stored assignments: each one found, unknown (404) or repeated (409).
async fn resolve_ids(store: &Store, tenancy: &EnvironmentTenancy, ids: &[String]) -> AppResult<Vec<Result<Assignment, ItemError>>> {
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let found: HashMap<String, Assignment> = store
        .assignments_by_ids(&tenancy.environment.id, &unique(&refs))
        .await?
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect();
    let mut first_seen: HashMap<&str, usize> = HashMap::new();
    Ok(ids
        .iter()
        .enumerate()
        .map(|(index, id)| {
            if let Some(first) = first_seen.get(id.as_str()) {
                return Err(ItemError::duplicate(*first));
            }
            first_seen.insert(id, index);
            found.get(id).cloned().ok_or_else(|| ItemError::not_found("assignment", "id", id))
        })
        .collect())
}

/// `bulk-remove`: results carry the removed assignments.
pub(super) async fn plan_bulk_remove(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    ids: &[String],
    options: BulkOptions,
) -> AppResult<BulkPlan> {
    check_batch_size(ids.len(), "ids")?;
    let resolved = resolve_ids(store, tenancy, ids).await?;
    let mut write = AssignmentWrite::default();
    let outcomes = resolved
        .into_iter()
        .enumerate()
        .map(|(index, row)| match row {
            Ok(row) => {
                write.audit.push(audit_event(tenancy, context, "assignment.delete", &row.id, Some(&row), None));
                write.deletes.push(row.id.clone());
                Ok(response(&row))
            }
            Err(error) => Err((error, json!({ "id": ids[index] }))),
        })
        .collect();
    Ok(finish(outcomes, |index| json!({ "id": ids[index] }), options, write, StatusCode::OK))
}

/// `bulk-change-role`: the role is checked once for the whole request (404 / 400 for a system
/// role); each id may still fail on its own (unknown, repeated, or the identity already holds the
/// new role at that node).
pub(super) async fn plan_bulk_change_role(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    request: &BulkChangeRoleRequest,
    options: BulkOptions,
) -> AppResult<BulkPlan> {
    request.validate()?;
    check_batch_size(request.ids.len(), "ids")?;
    let role = assignable_role(store, tenancy, &request.role_id).await?;
    let resolved = resolve_ids(store, tenancy, &request.ids).await?;
    let moving: Vec<(&str, &str, &str)> = resolved
        .iter()
        .filter_map(|row| row.as_ref().ok())
        .filter(|row| row.role_id != role.id)
        .map(|row| (row.identity_id.as_str(), row.node_id.as_str(), role.id.as_str()))
        .collect();
    let taken: HashSet<(String, String, String)> = store.existing_triples(&unique_triples(&moving)).await?.into_iter().collect();

    let now = Timestamp::now().as_millis();
    let mut write = AssignmentWrite::default();
    let mut changed_ids = Vec::new();
    let mut claimed: HashMap<(String, String), usize> = HashMap::new();
    let mut outcomes = Vec::with_capacity(resolved.len());
    for (index, row) in resolved.into_iter().enumerate() {
        let input = json!({ "id": request.ids[index] });
        let outcome = row.and_then(|row| {
            if row.role_id == role.id {
                return Ok(response(&row));
            }
            let pair = (row.identity_id.clone(), row.node_id.clone());
            if taken.contains(&(pair.0.clone(), pair.1.clone(), role.id.clone())) {
                return Err(exists(&row.identity_id, &row.node_id, &role.id));
            }
            if let Some(first) = claimed.get(&pair) {
                return Err(ItemError::duplicate(*first)
                    .detail("reason", "Another item of this request gives the same identity this role at this node."));
            }
            claimed.insert(pair, index);
            let updated = Assignment { role_id: role.id.clone(), updated_at: version::next(row.updated_at, now), ..row.clone() };
            write.audit.push(audit_event(tenancy, context, "assignment.update", &row.id, Some(&row), Some(&updated)));
            // One statement moves the rows whose new version is `now`; a row already written
            // this millisecond gets its own, later version.
            if updated.updated_at == now {
                changed_ids.push(row.id.clone());
            } else {
                write.updates.push(updated.clone());
            }
            Ok(response(&updated))
        });
        outcomes.push(outcome.map_err(|error| (error, input)));
    }
    if !changed_ids.is_empty() {
        write.role_change = Some((changed_ids, role.id.clone(), now));
    }
    Ok(finish(outcomes, |index| json!({ "id": request.ids[index] }), options, write, StatusCode::OK))
}
