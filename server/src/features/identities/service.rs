//! Identities of an application (the people and services roles are given to): list, look-up,
//! create (one or in bulk), change, activate / deactivate, delete (with their assignments), and
//! the record of a finished bulk import.

use std::collections::{HashMap, HashSet};

use app::dto::{
    BulkImportResponse, CreateIdentityRequest, EmailAddress, IdentityListQuery, IdentityLookupRequest,
    IdentityLookupResponse, IdentityResponse, IdentityStatus, IdentitySummary, IdentityWithAssignments, Paginated,
    RecordBulkImportRequest, Timestamp, UpdateIdentityRequest, Validate, page_of,
};
use axum::http::StatusCode;
use serde_json::Value;

use crate::{
    domain::{audit::AuditContext, tenancy::ApplicationTenancy, time::timestamp, version},
    features::assignments,
    ids::new_id,
    store::{
        AuditEvent, BulkImport, ChangeSet, Expected, Identity, IdentityPageSpec, InsertBatch, PageSpec, Store, Unique, Versioned,
        WriteOp,
    },
    web::{
        bulk::{self, BulkOptions, ItemError, check_batch_size},
        conditional::Precondition,
        error::{AppError, AppResult},
        idempotency::{Idempotency, Reply},
    },
};

pub fn identity_response(identity: &Identity) -> IdentityResponse {
    IdentityResponse {
        id: identity.id.clone(),
        first_name: identity.first_name.clone(),
        last_name: identity.last_name.clone(),
        name: identity.name.clone(),
        email: identity.email.clone(),
        avatar_url: identity.avatar_url.clone(),
        status: identity.status,
        created_at: timestamp(identity.created_at),
        updated_at: timestamp(identity.updated_at),
    }
}

fn identity_state(identity: &Identity) -> Value {
    serde_json::to_value(identity_response(identity)).unwrap_or(Value::Null)
}

pub async fn list_identities(store: &Store, tenancy: &ApplicationTenancy, query: &IdentityListQuery) -> AppResult<Paginated<IdentityResponse>> {
    let page = query.page_request().map_err(AppError::invalid_query)?;
    let mut spec = list_spec(query);
    (spec.page.limit, spec.page.offset) = (i64::from(page.take), page.offset() as i64);
    let (identities, total) = store.identity_page(&tenancy.application.id, &spec).await?;
    Ok(page_of(identities.iter().map(identity_response).collect(), page, total as u64))
}

/// The list's search, filter and order under `query`, without bounds (the caller sets them).
pub fn list_spec(query: &IdentityListQuery) -> IdentityPageSpec {
    IdentityPageSpec {
        page: PageSpec { search: query.search().map(str::to_owned), order: query.order.unwrap_or(app::dto::SortOrder::Asc), limit: 0, offset: 0 },
        sort: query.sort_by.unwrap_or_default(),
        status: query.status,
    }
}

pub async fn identities_with_assignments(
    store: &Store,
    tenancy: &ApplicationTenancy,
    query: &IdentityListQuery,
) -> AppResult<Paginated<IdentityWithAssignments>> {
    let page = list_identities(store, tenancy, query).await?;
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

pub async fn identity_summary(store: &Store, tenancy: &ApplicationTenancy) -> AppResult<IdentitySummary> {
    let counts = store.identity_counts(&tenancy.application.id).await?;
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
pub async fn lookup_identities(store: &Store, tenancy: &ApplicationTenancy, request: &IdentityLookupRequest) -> AppResult<IdentityLookupResponse> {
    request.validate()?;
    let emails: Vec<String> = request.emails.iter().filter_map(|e| EmailAddress::parse(e).ok()).map(|e| e.normalized()).collect();
    let ids: Vec<&str> = request.ids.iter().map(String::as_str).collect();
    let mut by_email: HashMap<String, Identity> = HashMap::new();
    if !emails.is_empty() {
        for identity in store.identities_by_emails(&tenancy.application.id, &emails).await? {
            by_email.insert(identity.email_normalized.clone(), identity);
        }
    }
    let mut by_id: HashMap<String, Identity> = HashMap::new();
    if !ids.is_empty() {
        for identity in store.identities_by_ids(&tenancy.application.id, &ids).await? {
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

pub async fn find_identity(store: &Store, tenancy: &ApplicationTenancy, id: &str) -> AppResult<Identity> {
    store.identity_by_id(&tenancy.application.id, id).await?.ok_or(AppError::NotFound { what: "identity" })
}

pub async fn identity_detail(store: &Store, tenancy: &ApplicationTenancy, id: &str) -> AppResult<IdentityWithAssignments> {
    let identity = find_identity(store, tenancy, id).await?;
    let now = Timestamp::now().as_millis();
    let assignments = store.assignment_places(&[id]).await?.into_iter().map(|p| identity_assignment(p, now)).collect();
    Ok(IdentityWithAssignments { identity: identity_response(&identity), assignments })
}

/// A new identity from a validated request.
fn new_identity(tenancy: &ApplicationTenancy, request: &CreateIdentityRequest, at: i64) -> AppResult<Identity> {
    let email = EmailAddress::parse(&request.email).map_err(|m| AppError::invalid_field("email", m))?;
    Ok(Identity {
        id: new_id(),
        application_id: tenancy.application.id.clone(),
        first_name: request.first_name.trim().to_owned(),
        last_name: request.last_name.trim().to_owned(),
        name: request.display_name(),
        email_normalized: email.normalized(),
        email: email.as_str().to_owned(),
        avatar_url: request.avatar_url.clone(),
        status: request.status.unwrap_or(IdentityStatus::Active),
        created_at: at,
        updated_at: at,
    })
}

pub async fn create_identity(store: &Store, tenancy: &ApplicationTenancy, context: &AuditContext, request: CreateIdentityRequest) -> AppResult<IdentityResponse> {
    request.validate()?;
    let identity = new_identity(tenancy, &request, context.at)?;
    let audit = context.record(&tenancy.account, None, "identity.create", ("identity", &identity.id), None, Some(identity_state(&identity))).in_application(&tenancy.application.id);
    store
        .insert_batch(&InsertBatch { identities: vec![identity.clone()], audit_events: vec![audit], ..Default::default() })
        .await?;
    Ok(identity_response(&identity))
}

/// `identities/bulk-create`: the bulk rules (atomic / partial / dry run), one result per item;
/// emails must be new to the application and unique within the request. Under an
/// `Idempotency-Key`, a retry gets the first answer and writes nothing; the answer is stored with
/// the identities it created.
pub async fn bulk_create(
    store: &Store,
    tenancy: &ApplicationTenancy,
    context: &AuditContext,
    idempotency: &Idempotency,
    items: &[Value],
    options: BulkOptions,
) -> AppResult<Reply> {
    check_batch_size(items.len(), "identities")?;
    if let Some(reply) = idempotency.earlier_reply(store).await? {
        return Ok(reply);
    }
    let parsed: Vec<Result<CreateIdentityRequest, ItemError>> = items
        .iter()
        .map(|raw| {
            let item = serde_json::from_value::<CreateIdentityRequest>(raw.clone()).map_err(ItemError::malformed)?;
            item.validate().map_err(ItemError::invalid)?;
            Ok(item)
        })
        .collect();
    // Emails already taken, in one look-up per chunk.
    let emails: Vec<String> = parsed.iter().filter_map(|i| i.as_ref().ok()).filter_map(|i| EmailAddress::parse(&i.email).ok()).map(|e| e.normalized()).collect();
    let taken: HashSet<String> = store.identity_emails_taken(&tenancy.application.id, &emails).await?.into_iter().collect();
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let mut batch = InsertBatch::default();
    let mut outcomes = Vec::with_capacity(items.len());
    for (index, item) in parsed.into_iter().enumerate() {
        let outcome = item.and_then(|item| {
            let identity = new_identity(tenancy, &item, context.at)
                .map_err(|_| ItemError::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "The email is invalid."))?;
            if taken.contains(&identity.email_normalized) {
                return Err(ItemError::taken(&Unique::IdentityEmail));
            }
            if let Some(first) = first_seen.get(&identity.email_normalized) {
                return Err(ItemError::new(StatusCode::CONFLICT, "duplicate_item", "The same email appears earlier in this request.")
                    .detail("duplicate_of", *first));
            }
            first_seen.insert(identity.email_normalized.clone(), index);
            batch.audit_events.push(
                context.record(&tenancy.account, None, "identity.create", ("identity", &identity.id), None, Some(identity_state(&identity))).in_application(&tenancy.application.id),
            );
            let response = identity_response(&identity);
            batch.identities.push(identity);
            Ok(response)
        });
        outcomes.push(outcome.map_err(|error| (error, items[index].clone())));
    }
    let outcome = bulk::finish(outcomes, |index| items[index].clone(), options, StatusCode::CREATED);
    let body = serde_json::to_string(&outcome.body).map_err(AppError::internal)?;
    if outcome.commit && !batch.identities.is_empty() {
        batch.idempotency = idempotency.record(outcome.status, &body);
        if let Err(refused) = store.insert_batch(&batch).await {
            return idempotency.settle(store, refused).await;
        }
        return Ok(Reply { status: outcome.status, body, replayed: false });
    }
    idempotency.unwritten(store, outcome.status, body).await
}

pub async fn update_identity(
    store: &Store,
    tenancy: &ApplicationTenancy,
    context: &AuditContext,
    id: &str,
    request: UpdateIdentityRequest,
    precondition: &Precondition,
) -> AppResult<IdentityResponse> {
    request.validate()?;
    let current = find_identity(store, tenancy, id).await?;
    let expect = precondition.check(Versioned::Identity, id, current.updated_at)?;
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
    write_identity(store, tenancy, context, current, updated, "identity.update", expect).await
}

async fn write_identity(
    store: &Store,
    tenancy: &ApplicationTenancy,
    context: &AuditContext,
    current: Identity,
    mut updated: Identity,
    action: &'static str,
    expect: Option<Expected>,
) -> AppResult<IdentityResponse> {
    if updated == current {
        return Ok(identity_response(&current));
    }
    updated.updated_at = version::next(current.updated_at, context.at);
    let changes = ChangeSet {
        ops: vec![WriteOp::UpdateIdentity(updated.clone())],
        inserts: InsertBatch {
            audit_events: vec![
                context.record(&tenancy.account, None, action, ("identity", &updated.id), Some(identity_state(&current)), Some(identity_state(&updated))).in_application(&tenancy.application.id),
            ],
            ..Default::default()
        },
    }
    .expecting(expect);
    store.apply_changes(&changes).await?;
    Ok(identity_response(&updated))
}

pub async fn set_identity_status(
    store: &Store,
    tenancy: &ApplicationTenancy,
    context: &AuditContext,
    id: &str,
    status: IdentityStatus,
    precondition: &Precondition,
) -> AppResult<IdentityResponse> {
    let current = find_identity(store, tenancy, id).await?;
    let expect = precondition.check(Versioned::Identity, id, current.updated_at)?;
    let updated = Identity { status, ..current.clone() };
    let action = match status {
        IdentityStatus::Active => "identity.activate",
        IdentityStatus::Inactive => "identity.deactivate",
    };
    write_identity(store, tenancy, context, current, updated, action, expect).await
}

/// Deleting an identity deletes its assignments in every environment (each audited): an
/// assignment cannot outlive the person it is for.
pub async fn delete_identity(
    store: &Store,
    tenancy: &ApplicationTenancy,
    context: &AuditContext,
    id: &str,
    precondition: &Precondition,
) -> AppResult<()> {
    let identity = find_identity(store, tenancy, id).await?;
    let expect = precondition.check(Versioned::Identity, id, identity.updated_at)?;
    let mut audit: Vec<AuditEvent> = store
        .assignments_for_identity(id)
        .await?
        .iter()
        .map(|a| {
            let before = serde_json::to_value(assignments::service::response(a)).ok();
            context.record(&tenancy.account, Some(&a.environment_id), "assignment.delete", ("assignment", &a.id), before, None)
        })
        .collect();
    audit.push(context.record(&tenancy.account, None, "identity.delete", ("identity", id), Some(identity_state(&identity)), None).in_application(&tenancy.application.id));
    let changes = ChangeSet { ops: vec![WriteOp::DeleteIdentity(id.to_owned())], inserts: InsertBatch { audit_events: audit, ..Default::default() } }
        .expecting(expect);
    store.apply_changes(&changes).await?;
    Ok(())
}

pub async fn record_bulk_import(
    store: &Store,
    tenancy: &ApplicationTenancy,
    context: &AuditContext,
    admin_id: Option<&str>,
    request: RecordBulkImportRequest,
) -> AppResult<BulkImportResponse> {
    request.validate()?;
    let environment_id = match request.environment.as_deref().filter(|s| !s.is_empty()) {
        Some(slug) => Some(
            store
                .environment_by_slug(&tenancy.application.id, slug)
                .await?
                .ok_or_else(|| AppError::invalid_field("environment", "No environment with this slug in this application."))?
                .id,
        ),
        None => None,
    };
    let import = BulkImport {
        id: new_id(),
        application_id: tenancy.application.id.clone(),
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
    let audit = context.record(
        &tenancy.account,
        import.environment_id.as_deref(),
        "bulk_import.record",
        ("bulk_import", &import.id),
        None,
        serde_json::to_value(&response).ok(),
    );
    store.insert_bulk_import(&import, &[audit]).await?;
    Ok(response)
}
