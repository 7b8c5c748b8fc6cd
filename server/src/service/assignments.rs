//! Role assignments: lists, single writes and bulk writes, for admins and management clients
//! alike (the routes only decide who is calling and in which environment).
//!
//! Every write is planned first (all validation, with a handful of set-based look-ups however
//! many items there are) and then committed as one [`AssignmentWrite`]: one transaction with
//! multi-row statements and one audit event per changed assignment.

use std::collections::{HashMap, HashSet};

use app::dto::{
    AccessType, ApiErrorBody, AssignmentDetail, AssignmentIdentity, AssignmentListQuery, AssignmentPage,
    AssignmentResponse, AssignmentRole, AssignmentRow, AssignmentStatus, AssignmentStatusCounts, AssignmentSummary,
    BulkChangeRoleRequest, BulkItemResult, BulkMode, BulkResponse, CreateAssignmentRequest, FieldErrors,
    IdentityAssignmentsQuery, MAX_BULK_ITEMS, Paginated, RoleCount, Timestamp, UpdateAssignmentRequest, Validate,
    Window, page_of,
};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    error::{AppError, AppResult},
    ids::new_id,
    service::{
        audit::{AuditContext, Change},
        tenancy::EnvironmentScope,
    },
    store::{
        Application, Assignment, AssignmentFilter, AssignmentView, AssignmentWrite, IdentityAssignmentFilter, Node,
        Role, Slice, Store,
    },
};

/// The seed page's sentence for assigning a system role.
pub const SYSTEM_ROLE_MESSAGE: &str =
    "System roles cannot be assigned to identities — they are reserved for platform administration";

pub fn timestamp(millis: i64) -> Timestamp {
    Timestamp::from_millis(millis).unwrap_or_else(|| Timestamp::from_millis(0).expect("the epoch is representable"))
}

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

fn audit_event(
    scope: &EnvironmentScope,
    context: &AuditContext,
    action: &'static str,
    id: &str,
    before: Option<&Assignment>,
    after: Option<&Assignment>,
) -> crate::store::AuditEvent {
    context.event(Change {
        account_id: &scope.account.id,
        environment_id: Some(&scope.environment.id),
        action,
        target_type: "assignment",
        target_id: Some(id),
        before: before.map(audit_state),
        after: after.map(audit_state),
    })
}

// -------------------------------------------------------------------------------------------------
// Reads
// -------------------------------------------------------------------------------------------------

/// What a list is about: the whole environment, or everyone with access at one node.
pub enum ListTarget {
    Environment,
    Node(Node),
}

fn bad_query(errors: FieldErrors) -> AppError {
    let details = errors.0.into_iter().map(|(field, message)| (field, Value::String(message))).collect();
    AppError::BadRequest { code: "invalid_query", message: "The query string is invalid.".into(), details }
}

/// The app-wide list (seed page) and `nodes/{id}/assignments`.
pub async fn list(
    store: &dyn Store,
    indexes: &std::sync::Arc<crate::index::Indexes>,
    scope: &EnvironmentScope,
    query: &AssignmentListQuery,
    target: ListTarget,
) -> AppResult<AssignmentPage> {
    let page = query.page_request().map_err(bad_query)?;
    let now = Timestamp::now().as_millis();
    let (on_nodes, at_node) = match &target {
        ListTarget::Environment => (None, None),
        ListTarget::Node(node) => (Some(ancestors_and_self(node)), Some(node.id.as_str())),
    };
    let filter = AssignmentFilter {
        environment_id: scope.environment.id.clone(),
        on_nodes,
        role_id: query.role_id.clone().filter(|id| !id.is_empty()),
        source_node_id: query.source_node_id.clone().filter(|id| !id.is_empty()),
        status: query.status,
        search: query.search().map(str::to_owned),
        now_ms: now,
    };
    let slice = Slice {
        sort: query.sort_by.unwrap_or_default(),
        order: query.order.unwrap_or_default(),
        limit: i64::from(page.take),
        offset: page.offset() as i64,
    };
    let (views, total) = match indexes.current(&scope.environment.id, &scope.application.id) {
        Some(index) => index.views(&filter, slice),
        None => store.assignment_views(&filter, slice).await?,
    };
    let items = views.into_iter().map(|view| row(view, at_node, now)).collect();
    Ok(page_of(items, page, total as u64))
}

/// The node's ancestors and itself, from its id path (`/root/emea/payments/`).
fn ancestors_and_self(node: &Node) -> Vec<String> {
    node.id_path.split('/').filter(|id| !id.is_empty()).map(str::to_owned).collect()
}

fn row(view: AssignmentView, at_node: Option<&str>, now: i64) -> AssignmentRow {
    let a = view.assignment;
    let access_type = match at_node {
        Some(node) if node != a.node_id => AccessType::Inherited,
        _ => AccessType::Direct,
    };
    AssignmentRow {
        identity: AssignmentIdentity {
            id: a.identity_id.clone(),
            first_name: view.identity_first_name,
            last_name: view.identity_last_name,
            name: view.identity_name,
            email: view.identity_email,
            avatar_url: view.identity_avatar_url,
        },
        role: AssignmentRole { id: a.role_id.clone(), name: view.role_name },
        assignment: AssignmentDetail {
            status: AssignmentStatus::at(a.effective_from, a.effective_to, now),
            id: a.id,
            source_node_id: a.node_id,
            source_node_name: view.node_name,
            access_type,
            effective_from: a.effective_from.map(timestamp),
            effective_to: a.effective_to.map(timestamp),
            created_at: timestamp(a.created_at),
        },
    }
}

pub async fn node_in(store: &dyn Store, scope: &EnvironmentScope, node_id: &str) -> AppResult<Node> {
    store.node_by_id(&scope.environment.id, node_id).await?.ok_or(AppError::NotFound { what: "node" })
}

pub async fn summary(store: &dyn Store, scope: &EnvironmentScope) -> AppResult<AssignmentSummary> {
    let stats = store.environment_stats(&scope.environment, Timestamp::now().as_millis()).await?;
    let by_role = store
        .role_usage(&scope.environment.id)
        .await?
        .into_iter()
        .map(|usage| RoleCount { role_id: usage.role_id, role_name: usage.role_name, count: usage.assignments })
        .collect();
    Ok(AssignmentSummary {
        total: stats.assignments_active + stats.assignments_scheduled + stats.assignments_expired,
        by_status: AssignmentStatusCounts {
            active: stats.assignments_active,
            scheduled: stats.assignments_scheduled,
            expired: stats.assignments_expired,
        },
        by_role,
        expiring_within_7_days: stats.assignments_expiring_7d,
    })
}

pub async fn get(store: &dyn Store, scope: &EnvironmentScope, id: &str) -> AppResult<AssignmentResponse> {
    Ok(response(&find(store, scope, id).await?))
}

async fn find(store: &dyn Store, scope: &EnvironmentScope, id: &str) -> AppResult<Assignment> {
    store.assignment_by_id(&scope.environment.id, id).await?.ok_or(AppError::NotFound { what: "assignment" })
}

/// `identities/{id}/assignments` (seed page): the identity's assignments in the application's
/// environments (or the one named by `?environment=`).
pub async fn for_identity(
    store: &dyn Store,
    application: &Application,
    identity_id: &str,
    query: &IdentityAssignmentsQuery,
) -> AppResult<Paginated<AssignmentResponse>> {
    let page = query.page_request().map_err(bad_query)?;
    store.identity_by_id(&application.id, identity_id).await?.ok_or(AppError::NotFound { what: "identity" })?;
    let environment_ids = match query.environment.as_deref().filter(|slug| !slug.is_empty()) {
        Some(slug) => vec![
            store.environment_by_slug(&application.id, slug).await?.ok_or(AppError::NotFound { what: "environment" })?.id,
        ],
        None => store.environments(&application.id).await?.into_iter().map(|env| env.id).collect(),
    };
    let filter = IdentityAssignmentFilter {
        identity_id: identity_id.to_owned(),
        environment_ids,
        search: query.search().map(str::to_owned),
        sort: query.sort_by.unwrap_or_default(),
        order: query.order.unwrap_or_default(),
        limit: i64::from(page.take),
        offset: page.offset() as i64,
    };
    let (rows, total) = store.identity_assignments(&filter).await?;
    Ok(page_of(rows.iter().map(response).collect(), page, total as u64))
}

// -------------------------------------------------------------------------------------------------
// Item errors (one shape for single writes and bulk items)
// -------------------------------------------------------------------------------------------------

/// Why one item (or a single write) was refused: its HTTP status and the error body.
#[derive(Debug, Clone)]
pub struct ItemError {
    pub status: StatusCode,
    pub body: ApiErrorBody,
}

impl ItemError {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self { status, body: ApiErrorBody::new(code, message) }
    }

    fn detail(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.body.details.insert(key.into(), value.into());
        self
    }

    fn not_found(what: &str, field: &str, id: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, &format!("{what}_not_found"), format!("No {what} with this id in this environment."))
            .detail(field, id)
    }

    fn invalid(errors: FieldErrors) -> Self {
        let mut error = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "Some fields are invalid.");
        error.body.details = errors.0.into_iter().map(|(field, message)| (field, Value::String(message))).collect();
        error
    }

    fn system_role(role_id: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "system_role", SYSTEM_ROLE_MESSAGE).detail("role_id", role_id)
    }

    fn exists(identity_id: &str, node_id: &str, role_id: &str) -> Self {
        Self::new(StatusCode::CONFLICT, "assignment_exists", "This identity already has this role at this node.")
            .detail("identity_id", identity_id)
            .detail("node_id", node_id)
            .detail("role_id", role_id)
    }

    fn duplicate(first_index: usize) -> Self {
        Self::new(StatusCode::CONFLICT, "duplicate_item", "The same item appears earlier in this request.")
            .detail("duplicate_of", first_index)
    }

    fn rolled_back() -> Self {
        Self::new(
            StatusCode::FAILED_DEPENDENCY,
            "batch_rolled_back",
            "Not written: another item of this all-or-nothing batch failed.",
        )
    }
}

impl From<ItemError> for AppError {
    fn from(error: ItemError) -> Self {
        AppError::Item { status: error.status, body: error.body }
    }
}

/// The environment's roles and the identities and nodes a request mentions, loaded once.
struct Lookups {
    /// Status (`active` / `inactive`) of each mentioned identity of the application.
    identities: HashMap<String, String>,
    nodes: HashSet<String>,
    roles: HashMap<String, Role>,
}

impl Lookups {
    async fn load(store: &dyn Store, scope: &EnvironmentScope, identity_ids: &[&str], node_ids: &[&str]) -> AppResult<Self> {
        let identities = store.identity_statuses(&scope.application.id, &unique(identity_ids)).await?.into_iter().collect();
        let wanted: HashSet<&str> = node_ids.iter().copied().collect();
        let nodes = store.node_ids(&scope.environment.id).await?.into_iter().filter(|id| wanted.contains(id.as_str())).collect();
        let roles = store.roles(&scope.environment.id).await?.into_iter().map(|role| (role.id.clone(), role)).collect();
        Ok(Self { identities, nodes, roles })
    }

    /// The role for a write, or why it cannot be used.
    fn assignable_role(&self, role_id: &str) -> Result<&Role, ItemError> {
        let role = self.roles.get(role_id).ok_or_else(|| ItemError::not_found("role", "role_id", role_id))?;
        if role.is_system {
            return Err(ItemError::system_role(role_id));
        }
        Ok(role)
    }

    fn check(&self, item: &CreateAssignmentRequest) -> Result<(), ItemError> {
        let status = self
            .identities
            .get(&item.identity_id)
            .ok_or_else(|| ItemError::not_found("identity", "identity_id", &item.identity_id))?;
        if status != "active" {
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

// -------------------------------------------------------------------------------------------------
// Writes
// -------------------------------------------------------------------------------------------------

/// A planned bulk call: what to answer and what to write (nothing for a dry run or a rolled-back
/// batch).
pub struct BulkPlan {
    pub status: StatusCode,
    pub body: BulkResponse<AssignmentResponse>,
    pub write: AssignmentWrite,
    /// The plan did not look for stored duplicates ([`StoredDuplicates::Constraint`]): if the
    /// write fails on a unique constraint, plan again with [`StoredDuplicates::Query`].
    pub unchecked: bool,
}

/// How `bulk-create` finds items whose (identity, node, role) is already stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredDuplicates {
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

/// Options every bulk endpoint takes.
#[derive(Debug, Clone, Copy)]
pub struct BulkOptions {
    pub mode: BulkMode,
    pub dry_run: bool,
}

fn check_batch_size(len: usize, field: &str) -> AppResult<()> {
    if len > MAX_BULK_ITEMS {
        return Err(AppError::PayloadTooLarge {
            message: format!("A bulk request takes at most {MAX_BULK_ITEMS} items; this one has {len}."),
        });
    }
    if len == 0 {
        return Err(AppError::invalid_field(field, format!("Send between 1 and {MAX_BULK_ITEMS} items.")));
    }
    Ok(())
}

/// Turns per-item outcomes into the response: all good 200; otherwise partial mode commits the
/// good ones (207) and atomic mode writes nothing (422, the good ones reported as rolled back).
fn finish(
    outcomes: Vec<Result<AssignmentResponse, (ItemError, Value)>>,
    inputs_for_rollback: impl Fn(usize) -> Value,
    options: BulkOptions,
    mut write: AssignmentWrite,
    success_code: StatusCode,
) -> BulkPlan {
    let failed = outcomes.iter().any(Result::is_err);
    let rolled_back = failed && options.mode == BulkMode::Atomic;
    let code = if options.dry_run { StatusCode::OK } else { success_code };
    let results = outcomes
        .into_iter()
        .enumerate()
        .map(|(index, outcome)| match outcome {
            Ok(_) if rolled_back => {
                let error = ItemError::rolled_back();
                BulkItemResult::failure(index, error.status.as_u16(), inputs_for_rollback(index), error.body)
            }
            Ok(data) => BulkItemResult::success(index, code.as_u16(), data),
            Err((error, input)) => BulkItemResult::failure(index, error.status.as_u16(), input, error.body),
        })
        .collect();
    let status = match (failed, options.mode) {
        (false, _) => StatusCode::OK,
        (true, BulkMode::Partial) => StatusCode::MULTI_STATUS,
        (true, BulkMode::Atomic) => StatusCode::UNPROCESSABLE_ENTITY,
    };
    if rolled_back || options.dry_run {
        write = AssignmentWrite::default();
    }
    BulkPlan { status, body: BulkResponse::new(results), write, unchecked: false }
}

/// `bulk-create` (seed page). Items arrive as raw JSON so that one malformed item is that
/// item's error, not the whole request's.
pub async fn plan_bulk_create(
    store: &dyn Store,
    scope: &EnvironmentScope,
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
            let item = CreateAssignmentRequest::deserialize(raw).map_err(|err| {
                ItemError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "This item is malformed.")
                    .detail("body", err.to_string())
            })?;
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
    let lookups = Lookups::load(store, scope, &identity_ids, &node_ids).await?;
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
                    Err(ItemError::exists(key.0, key.1, key.2))
                } else {
                    first_seen.insert(key, index);
                    let row = Assignment {
                        id: new_id(),
                        environment_id: scope.environment.id.clone(),
                        identity_id: item.identity_id.clone(),
                        node_id: item.node_id.clone(),
                        role_id: item.role_id.clone(),
                        effective_from: window.from.map(|ts| ts.as_millis()),
                        effective_to: window.to.map(|ts| ts.as_millis()),
                        created_at: now,
                        updated_at: now,
                    };
                    let data = response(&row);
                    write.audit.push(audit_event(scope, context, "assignment.create", &row.id, None, Some(&row)));
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

/// `POST .../assignments`: one item through the bulk rules, so the two can never disagree.
pub async fn create(
    store: &dyn Store,
    scope: &EnvironmentScope,
    context: &AuditContext,
    request: CreateAssignmentRequest,
) -> AppResult<AssignmentResponse> {
    request.validate()?;
    let raw = serde_json::to_value(&request).map_err(AppError::internal)?;
    let options = BulkOptions { mode: BulkMode::Atomic, dry_run: false };
    let plan = plan_bulk_create(store, scope, context, &[raw], options, StoredDuplicates::Query).await?;
    let result = plan.body.results.into_iter().next().ok_or_else(|| AppError::internal("empty plan"))?;
    match (result.data, result.error) {
        (Some(data), _) => {
            store.write_assignments(&plan.write).await?;
            Ok(data)
        }
        (None, Some(body)) => Err(AppError::Item {
            status: StatusCode::from_u16(result.code).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY),
            body,
        }),
        (None, None) => Err(AppError::internal("item without outcome")),
    }
}

/// The role a write moves assignments to: 404 when unknown here, 400 for a system role.
async fn assignable_role(store: &dyn Store, scope: &EnvironmentScope, role_id: &str) -> AppResult<Role> {
    let role = store
        .role_by_id(&scope.environment.id, role_id)
        .await?
        .ok_or_else(|| ItemError::not_found("role", "role_id", role_id))?;
    if role.is_system {
        return Err(ItemError::system_role(&role.id).into());
    }
    Ok(role)
}

/// `PATCH .../assignments/{id}` (seed page).
pub async fn update(
    store: &dyn Store,
    scope: &EnvironmentScope,
    context: &AuditContext,
    id: &str,
    request: UpdateAssignmentRequest,
) -> AppResult<AssignmentResponse> {
    let current = find(store, scope, id).await?;
    let change = request.parse()?;
    let role = assignable_role(store, scope, &request.role_id).await?;
    let stored = Window { from: current.effective_from.and_then(Timestamp::from_millis), to: current.effective_to.and_then(Timestamp::from_millis) };
    let window = UpdateAssignmentRequest::check_against(change, stored)?;
    if role.id != current.role_id
        && !store.existing_triples(&[(&current.identity_id, &current.node_id, &role.id)]).await?.is_empty()
    {
        return Err(ItemError::exists(&current.identity_id, &current.node_id, &role.id).into());
    }
    let updated = Assignment {
        role_id: role.id,
        effective_from: window.from.map(|ts| ts.as_millis()),
        effective_to: window.to.map(|ts| ts.as_millis()),
        updated_at: Timestamp::now().as_millis(),
        ..current.clone()
    };
    if (updated.role_id.as_str(), updated.effective_from, updated.effective_to) == (current.role_id.as_str(), current.effective_from, current.effective_to) {
        // Nothing changed: no write, no audit event.
        return Ok(response(&current));
    }
    let write = AssignmentWrite {
        audit: vec![audit_event(scope, context, "assignment.update", id, Some(&current), Some(&updated))],
        updates: vec![updated.clone()],
        ..Default::default()
    };
    store.write_assignments(&write).await?;
    Ok(response(&updated))
}

pub async fn delete(store: &dyn Store, scope: &EnvironmentScope, context: &AuditContext, id: &str) -> AppResult<()> {
    let current = find(store, scope, id).await?;
    let write = AssignmentWrite {
        deletes: vec![current.id.clone()],
        audit: vec![audit_event(scope, context, "assignment.delete", id, Some(&current), None)],
        ..Default::default()
    };
    store.write_assignments(&write).await?;
    Ok(())
}

/// Resolves `ids` to stored assignments: each one found, unknown (404) or repeated (409).
async fn resolve_ids(store: &dyn Store, scope: &EnvironmentScope, ids: &[String]) -> AppResult<Vec<Result<Assignment, ItemError>>> {
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let found: HashMap<String, Assignment> = store
        .assignments_by_ids(&scope.environment.id, &unique(&refs))
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
pub async fn plan_bulk_remove(
    store: &dyn Store,
    scope: &EnvironmentScope,
    context: &AuditContext,
    ids: &[String],
    options: BulkOptions,
) -> AppResult<BulkPlan> {
    check_batch_size(ids.len(), "ids")?;
    let resolved = resolve_ids(store, scope, ids).await?;
    let mut write = AssignmentWrite::default();
    let outcomes = resolved
        .into_iter()
        .enumerate()
        .map(|(index, row)| match row {
            Ok(row) => {
                write.audit.push(audit_event(scope, context, "assignment.delete", &row.id, Some(&row), None));
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
pub async fn plan_bulk_change_role(
    store: &dyn Store,
    scope: &EnvironmentScope,
    context: &AuditContext,
    request: &BulkChangeRoleRequest,
    options: BulkOptions,
) -> AppResult<BulkPlan> {
    request.validate()?;
    check_batch_size(request.ids.len(), "ids")?;
    let role = assignable_role(store, scope, &request.role_id).await?;
    let resolved = resolve_ids(store, scope, &request.ids).await?;
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
                return Err(ItemError::exists(&row.identity_id, &row.node_id, &role.id));
            }
            if let Some(first) = claimed.get(&pair) {
                return Err(ItemError::duplicate(*first)
                    .detail("reason", "Another item of this request gives the same identity this role at this node."));
            }
            claimed.insert(pair, index);
            let updated = Assignment { role_id: role.id.clone(), updated_at: now, ..row.clone() };
            write.audit.push(audit_event(scope, context, "assignment.update", &row.id, Some(&row), Some(&updated)));
            changed_ids.push(row.id.clone());
            Ok(response(&updated))
        });
        outcomes.push(outcome.map_err(|error| (error, input)));
    }
    if !changed_ids.is_empty() {
        write.role_change = Some((changed_ids, role.id.clone(), now));
    }
    Ok(finish(outcomes, |index| json!({ "id": request.ids[index] }), options, write, StatusCode::OK))
}
