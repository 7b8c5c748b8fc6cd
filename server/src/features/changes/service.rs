//! `GET /api/v1/changes`: the assignment, identity, node and role changes of the caller's
//! environment, in commit order, with who made them and the object before and after; a long-poll
//! waits for the next one. Its revisions are the `Canopy-Revision` tokens of writes (a reader
//! can ask for "at least as fresh as this change").

use std::time::Duration;

use app::dto::{ChangeEvent, ChangesQuery, ChangesResponse, Timestamp};
use axum::http::StatusCode;
use serde_json::Value;

use crate::{
    domain::{tenancy::EnvironmentTenancy, time::timestamp},
    store::{
        Revision, Store,
        sql::feed::{ChangePage, ChangeScope},
    },
    web::{
        error::{AppError, AppResult},
        revision,
    },
};

/// How often a long-poll looks again.
const LOOK_EVERY: Duration = Duration::from_millis(50);

pub async fn changes(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    query: &ChangesQuery,
    retention: Duration,
    after: Option<Revision>,
) -> AppResult<ChangesResponse> {
    let (limit, wait) = query.bounds().map_err(AppError::invalid_query)?;
    let database = store.identity().unwrap_or_default().to_owned();
    let scope = ChangeScope { environment_id: &tenancy.environment.id, application_id: &tenancy.application.id };
    let Some(after) = after else {
        // No place yet: the feed starts now.
        let now = store.feed_position().await?;
        return Ok(ChangesResponse { changes: Vec::new(), next_revision: now.token(&database), has_more: false });
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(wait));
    loop {
        let kept_since = Timestamp::now().as_millis() - retention.as_millis() as i64;
        match store.changes(&scope, &after, i64::from(limit), kept_since).await? {
            ChangePage::Expired { oldest } => return Err(expired(&oldest.token(&database))),
            ChangePage::Changes { changes, next, has_more } => {
                if !changes.is_empty() || tokio::time::Instant::now() >= deadline {
                    let changes = changes
                        .into_iter()
                        .map(|(at, e)| ChangeEvent {
                            revision: at.token(&database),
                            action: e.action,
                            target_type: e.target_type,
                            target_id: e.target_id.unwrap_or_default(),
                            actor_type: e.actor_type,
                            actor_id: e.actor_id,
                            before: e.before,
                            after: e.after,
                            request_id: e.request_id,
                            occurred_at: timestamp(e.created_at),
                        })
                        .collect();
                    return Ok(ChangesResponse { changes, next_revision: next.token(&database), has_more });
                }
            }
        }
        tokio::time::sleep(LOOK_EVERY.min(deadline.saturating_duration_since(tokio::time::Instant::now()))).await;
    }
}

/// 410 `revision_expired`: the feed no longer holds everything after the revision.
fn expired(oldest: &str) -> AppError {
    let mut body = app::dto::ApiErrorBody::new(
        "revision_expired",
        "Changes after this revision are older than the change feed keeps. Read the current state again, then follow the feed from `details.oldest_revision` or from now.",
    );
    body.details.insert("oldest_revision".into(), Value::String(oldest.to_owned()));
    AppError::Item { status: StatusCode::GONE, body }
}

/// The `after` of a query: a token of this database that it has reached.
pub async fn after(state: &crate::state::AppState, query: &ChangesQuery) -> AppResult<Option<Revision>> {
    match &query.after {
        Some(token) => Ok(Some(revision::from_body(state, token).await.map_err(|err| match err {
            AppError::BadRequest { code, message, mut details } => {
                details.remove("header");
                details.insert("after".into(), Value::String(message.clone()));
                AppError::BadRequest { code, message, details }
            }
            other => other,
        })?)),
        None => Ok(None),
    }
}
