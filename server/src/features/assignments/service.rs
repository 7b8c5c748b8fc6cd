//! Role assignments: lists, single writes and bulk writes, for admins and management clients
//! alike (the routes only decide who is calling and in which environment). Writes are planned
//! by [`super::plan`] and committed here, bulk ones under their `Idempotency-Key`.

use app::dto::{
    AccessType, AssignmentDetail, AssignmentIdentity, AssignmentListQuery, AssignmentPage, AssignmentResponse,
    AssignmentRole, AssignmentRow, AssignmentSort, AssignmentStatus, AssignmentStatusCounts, AssignmentSummary,
    BulkChangeRoleRequest, BulkMode, CreateAssignmentRequest, IdentityAssignmentsQuery, Paginated, RoleCount,
    SortOrder, Timestamp, UpdateAssignmentRequest, Validate, Window, page_of,
};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

pub use super::plan::response;
use super::plan::{
    BulkPlan, StoredDuplicates, assignable_role, audit_event, exists, plan_bulk_change_role, plan_bulk_create,
    plan_bulk_remove,
};
use crate::{
    store::Unique,
    domain::{
        audit::AuditContext,
        node_path,
        tenancy::{ApplicationTenancy, EnvironmentTenancy},
        time::timestamp,
        version,
    },
    store::{
        Assignment, AssignmentFilter, AssignmentView, AssignmentWrite, AuditEvent, IdentityAssignmentFilter,
        Slice, Store, StoreError, Versioned,
    },
    web::{
        bulk::BulkOptions,
        conditional::Precondition,
        error::{AppError, AppResult},
        idempotency::{Idempotency, Reply},
    },
};

// -------------------------------------------------------------------------------------------------
// Reads
// -------------------------------------------------------------------------------------------------

/// What a list is about: the whole environment, or everyone with access at one node (by id:
/// 404 when it is not a node of the environment).
pub enum ListTarget {
    Environment,
    Node(String),
}

/// The app-wide list (seed page) and `nodes/{id}/assignments`.
pub async fn list(
    store: &Store,
    indexes: &std::sync::Arc<crate::index::Indexes>,
    tenancy: &EnvironmentTenancy,
    query: &AssignmentListQuery,
    target: ListTarget,
    wanted: Option<&crate::store::Revision>,
) -> AppResult<AssignmentPage> {
    let page = query.page_request().map_err(AppError::invalid_query)?;
    let selection = Selection::of(store, tenancy, query, target).await?;
    let slice = Slice { limit: i64::from(page.take), offset: page.offset() as i64, ..selection.order };
    let (views, total) = match indexes.current(tenancy, wanted).await {
        Some(index) => index.read().views(&selection.filter, slice),
        None => store.assignment_views(&selection.filter, slice).await?,
    };
    let items = views.into_iter().map(|view| selection.row(view)).collect();
    Ok(page_of(items, page, total as u64))
}

/// What a list (or its export) selects: the filter, the order, and the node whose access list
/// it is, if any, read once from the query.
pub struct Selection {
    pub filter: AssignmentFilter,
    /// The order; its bounds are the caller's to set.
    pub order: Slice,
    at_node: Option<String>,
}

impl Selection {
    /// The selection of `query` for `target`: 404 when the node is not in the environment.
    pub async fn of(store: &Store, tenancy: &EnvironmentTenancy, query: &AssignmentListQuery, target: ListTarget) -> AppResult<Self> {
        let node = match &target {
            ListTarget::Environment => None,
            ListTarget::Node(id) => {
                Some(store.node_by_id(&tenancy.environment.id, id).await?.ok_or(AppError::NotFound { what: "node" })?)
            }
        };
        let filter = AssignmentFilter {
            environment_id: tenancy.environment.id.clone(),
            on_nodes: node.as_ref().map(|node| node_path::lineage(&node.id_path).map(str::to_owned).collect()),
            role_id: query.role_id.clone().filter(|id| !id.is_empty()),
            source_node_id: query.source_node_id.clone().filter(|id| !id.is_empty()),
            status: query.status,
            search: query.search().map(str::to_owned),
            now_ms: Timestamp::now().as_millis(),
        };
        let order = Slice { sort: query.sort_by.unwrap_or_default(), order: query.order.unwrap_or_default(), limit: 0, offset: 0 };
        Ok(Self { filter, order, at_node: node.map(|node| node.id) })
    }

    /// One selected assignment as the list shows it, its status at the selection's `now`.
    pub fn row(&self, view: AssignmentView) -> AssignmentRow {
        row(view, self.at_node.as_deref(), self.filter.now_ms)
    }
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

/// Days of the summary's expiry chart.
const EXPIRY_DAYS: i64 = 30;

pub async fn summary(store: &Store, tenancy: &EnvironmentTenancy) -> AppResult<AssignmentSummary> {
    let now = Timestamp::now().as_millis();
    let stats = store.environment_stats(&tenancy.environment, now).await?;
    let mut expiring_by_day = vec![0; EXPIRY_DAYS as usize];
    for (day, count) in store.expiring_by_day(&tenancy.environment.id, now, EXPIRY_DAYS).await? {
        if let Some(slot) = usize::try_from(day).ok().and_then(|day| expiring_by_day.get_mut(day)) {
            *slot = count;
        }
    }
    let by_role = store
        .role_usage(&tenancy.environment.id)
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
        expiring_within_30_days: stats.assignments_expiring_30d,
        expiring_by_day,
    })
}

pub async fn get(store: &Store, tenancy: &EnvironmentTenancy, id: &str) -> AppResult<AssignmentResponse> {
    Ok(response(&find(store, tenancy, id).await?))
}

async fn find(store: &Store, tenancy: &EnvironmentTenancy, id: &str) -> AppResult<Assignment> {
    store.assignment_by_id(&tenancy.environment.id, id).await?.ok_or(AppError::NotFound { what: "assignment" })
}

/// `identities/{id}/assignments` (seed page): the identity's assignments in the application's
/// environments (or the one named by `?environment=`).
pub async fn for_identity(
    store: &Store,
    tenancy: &ApplicationTenancy,
    identity_id: &str,
    query: &IdentityAssignmentsQuery,
) -> AppResult<Paginated<AssignmentResponse>> {
    let application = &tenancy.application;
    let page = query.page_request().map_err(AppError::invalid_query)?;
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

/// `POST .../assignments`: one item through the bulk rules, so the two can never disagree.
pub async fn create(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    request: CreateAssignmentRequest,
) -> AppResult<AssignmentResponse> {
    request.validate()?;
    let raw = serde_json::to_value(&request).map_err(AppError::internal)?;
    let options = BulkOptions { mode: BulkMode::Atomic, dry_run: false };
    let plan = plan_bulk_create(store, tenancy, context, &[raw], options, StoredDuplicates::Query).await?;
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

/// `PATCH .../assignments/{id}` (seed page).
pub async fn update(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    id: &str,
    request: UpdateAssignmentRequest,
    precondition: &Precondition,
) -> AppResult<AssignmentResponse> {
    let current = find(store, tenancy, id).await?;
    let expect = precondition.check(Versioned::Assignment, id, current.updated_at)?;
    let change = request.parse()?;
    let role = assignable_role(store, tenancy, &request.role_id).await?;
    let stored = Window { from: current.effective_from.and_then(Timestamp::from_millis), to: current.effective_to.and_then(Timestamp::from_millis) };
    let window = UpdateAssignmentRequest::check_against(change, stored)?;
    if role.id != current.role_id
        && !store.existing_triples(&[(&current.identity_id, &current.node_id, &role.id)]).await?.is_empty()
    {
        return Err(exists(&current.identity_id, &current.node_id, &role.id).into());
    }
    let updated = Assignment {
        role_id: role.id,
        effective_from: window.from.map(|ts| ts.as_millis()),
        effective_to: window.to.map(|ts| ts.as_millis()),
        updated_at: version::next(current.updated_at, context.at),
        ..current.clone()
    };
    if (updated.role_id.as_str(), updated.effective_from, updated.effective_to) == (current.role_id.as_str(), current.effective_from, current.effective_to) {
        // Nothing changed: no write, no audit event.
        return Ok(response(&current));
    }
    let write = AssignmentWrite {
        audit: vec![audit_event(tenancy, context, "assignment.update", id, Some(&current), Some(&updated))],
        updates: vec![updated.clone()],
        expect,
        ..Default::default()
    };
    store.write_assignments(&write).await?;
    Ok(response(&updated))
}

pub async fn delete(store: &Store, tenancy: &EnvironmentTenancy, context: &AuditContext, id: &str, precondition: &Precondition) -> AppResult<()> {
    let current = find(store, tenancy, id).await?;
    let write = AssignmentWrite {
        expect: precondition.check(Versioned::Assignment, id, current.updated_at)?,
        deletes: vec![current.id.clone()],
        audit: vec![audit_event(tenancy, context, "assignment.delete", id, Some(&current), None)],
        ..Default::default()
    };
    store.write_assignments(&write).await?;
    Ok(())
}

/// `bulk-create`'s body as the handler reads it: items stay raw JSON so each is validated (and
/// reported) on its own; documented as items of `CreateAssignmentRequest`.
#[derive(Debug, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkCreateAssignmentsBody {
    /// Each item is read as a `CreateAssignmentRequest`; one that is not is that item's 422.
    #[schema(value_type = Vec<CreateAssignmentRequest>, min_items = 1)]
    pub assignments: Vec<Value>,
}

/// `POST .../assignments/bulk-create`, under the request's `Idempotency-Key` if any.
pub async fn bulk_create(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    idempotency: &Idempotency,
    items: &[Value],
    options: BulkOptions,
) -> AppResult<Reply> {
    idempotent(store, idempotency, options, |duplicates| plan_bulk_create(store, tenancy, context, items, options, duplicates)).await
}

/// `POST .../assignments/bulk-remove`.
pub async fn bulk_remove(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    idempotency: &Idempotency,
    ids: &[String],
    options: BulkOptions,
) -> AppResult<Reply> {
    idempotent(store, idempotency, options, |_| plan_bulk_remove(store, tenancy, context, ids, options)).await
}

/// `POST .../assignments/bulk-change-role`.
pub async fn bulk_change_role(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    idempotency: &Idempotency,
    request: &BulkChangeRoleRequest,
    options: BulkOptions,
) -> AppResult<Reply> {
    idempotent(store, idempotency, options, |_| plan_bulk_change_role(store, tenancy, context, request, options)).await
}

/// Runs a bulk plan under the request's `Idempotency-Key`, if any: a retry with the same key and
/// request gets the first response again and writes nothing; the same key with another request
/// is a 422. The first response is stored in the write's own transaction. Dry runs and batches
/// that wrote nothing are not recorded: retrying them is harmless. Two identical keyed requests
/// at once write once: the one that collides with the other's rows, or plans after they are
/// stored, answers with the other's response ([`Idempotency::settle`], [`Idempotency::unwritten`]).
///
/// `plan` is called once with [`StoredDuplicates::Constraint`], and once more with
/// [`StoredDuplicates::Query`] only when that plan was [unchecked](BulkPlan::unchecked) and its
/// write was refused by a unique constraint (nothing was written: the transaction rolled back).
async fn idempotent<F: Future<Output = AppResult<BulkPlan>>>(
    store: &Store,
    idempotency: &Idempotency,
    options: BulkOptions,
    mut plan: impl FnMut(StoredDuplicates) -> F,
) -> AppResult<Reply> {
    if let Some(reply) = idempotency.earlier_reply(store).await? {
        return Ok(reply);
    }
    let mut duplicates = StoredDuplicates::Constraint;
    loop {
        let mut plan = plan(duplicates).await?;
        let body = serde_json::to_string(&plan.body).map_err(AppError::internal)?;
        if plan.writes_anything() {
            if !options.dry_run {
                plan.write.idempotency = idempotency.record(plan.status, &body);
            }
            if let Err(refused) = store.write_assignments(&plan.write).await {
                let stored_since_planned = plan.unchecked && matches!(refused, StoreError::Conflict(Unique::AssignmentTriple));
                match idempotency.settle(store, refused).await {
                    // A racing request with the same key committed first: its answer.
                    Ok(reply) => return Ok(reply),
                    // Triples stored since the plan was made: plan again, reading them.
                    Err(_) if stored_since_planned => {
                        duplicates = StoredDuplicates::Query;
                        continue;
                    }
                    Err(refused) => return Err(refused),
                }
            }
            return Ok(Reply { status: plan.status, body, replayed: false });
        }
        return idempotency.unwritten(store, plan.status, body).await;
    }
}

/// One `assignment.delete` event per stored assignment of the environment that `filter`
/// matches (oldest first), for a write that removes them with what they hang on (a node's
/// subtree, a role).
pub async fn deletion_audit(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    filter: AssignmentFilter,
) -> AppResult<Vec<AuditEvent>> {
    let filter = AssignmentFilter { environment_id: tenancy.environment.id.clone(), now_ms: context.at, ..filter };
    let slice = Slice { sort: AssignmentSort::CreatedAt, order: SortOrder::Asc, limit: i64::MAX / 2, offset: 0 };
    let environment_id = Some(tenancy.environment.id.as_str());
    let (views, _) = store.assignment_views(&filter, slice).await?;
    Ok(views
        .iter()
        .map(|view| {
            let before = serde_json::to_value(response(&view.assignment)).ok();
            context.record(&tenancy.account, environment_id, "assignment.delete", ("assignment", &view.assignment.id), before, None)
        })
        .collect())
}
