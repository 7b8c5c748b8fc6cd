//! The audit log of an account, as admins read it (each write records its own events through
//! `domain::audit`).

use app::dto::{AuditEventResponse, AuditQuery, Paginated, page_of};

use crate::{
    domain::{tenancy::ApplicationTenancy, time::timestamp},
    store::{AuditFilter, Store},
    web::error::{AppError, AppResult},
};

/// The account's events, narrowed by the query (`environment` is a slug of this application).
pub async fn audit_events(store: &Store, tenancy: &ApplicationTenancy, query: &AuditQuery) -> AppResult<Paginated<AuditEventResponse>> {
    let account = &tenancy.account;
    let page = query.page_request().map_err(AppError::invalid_query)?;
    let environment_id = match query.environment.as_deref().filter(|s| !s.is_empty()) {
        Some(slug) => Some(
            store.environment_by_slug(&tenancy.application.id, slug).await?.ok_or(AppError::NotFound { what: "environment" })?.id,
        ),
        None => None,
    };
    let filter = AuditFilter {
        account_id: account.id.clone(),
        environment_id,
        actor_id: query.actor.clone().filter(|s| !s.is_empty()),
        target_id: query.target.clone().filter(|s| !s.is_empty()),
        action: query.action.clone().filter(|s| !s.is_empty()),
        from: query.from.map(|t| t.as_millis()),
        to: query.to.map(|t| t.as_millis()),
        limit: i64::from(page.take),
        offset: page.offset() as i64,
    };
    let (events, total) = store.audit_page(&filter).await?;
    let items = events
        .into_iter()
        .map(|e| AuditEventResponse {
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
        })
        .collect();
    Ok(page_of(items, page, total as u64))
}
