//! The audit log of an account, as admins read it (each write records its own events through
//! `domain::audit`).

use app::dto::{AuditEventResponse, AuditQuery, Paginated, page_of};

use crate::{
    domain::{tenancy::ApplicationTenancy, time::timestamp},
    store::{AuditEvent, AuditFilter, Store},
    web::error::{AppError, AppResult},
};

/// What the query selects, checked: `environment` is a slug of this application (another's, or
/// an unknown one, is a 404), the other filters as given, empty ones left out.
pub async fn filter_of(store: &Store, tenancy: &ApplicationTenancy, query: &AuditQuery) -> AppResult<AuditFilter> {
    let environment_id = match query.environment.as_deref().filter(|s| !s.is_empty()) {
        Some(slug) => Some(
            store.environment_by_slug(&tenancy.application.id, slug).await?.ok_or(AppError::NotFound { what: "environment" })?.id,
        ),
        None => None,
    };
    let given = |value: &Option<String>| value.clone().filter(|s| !s.is_empty());
    Ok(AuditFilter {
        account_id: tenancy.account.id.clone(),
        environment_id,
        actor_id: given(&query.actor),
        target_id: given(&query.target),
        action: given(&query.action),
        from: query.from.map(|t| t.as_millis()),
        to: query.to.map(|t| t.as_millis()),
    })
}

/// The account's events, narrowed by the query, one page of them.
pub async fn audit_events(store: &Store, tenancy: &ApplicationTenancy, query: &AuditQuery) -> AppResult<Paginated<AuditEventResponse>> {
    let page = query.page_request().map_err(AppError::invalid_query)?;
    let filter = filter_of(store, tenancy, query).await?;
    let (events, total) = store.audit_page(&filter, i64::from(page.take), page.offset() as i64).await?;
    Ok(page_of(events.into_iter().map(response).collect(), page, total as u64))
}

pub fn response(e: AuditEvent) -> AuditEventResponse {
    AuditEventResponse {
        id: e.id,
        environment_id: e.environment_id,
        actor_type: e.actor_type,
        actor_id: e.actor_id,
        action: e.action,
        target_type: e.target_type,
        target_id: e.target_id,
        before: e.before,
        after: e.after,
        request_id: e.request_id,
        created_at: timestamp(e.created_at),
    }
}
