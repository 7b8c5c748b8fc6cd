//! Environments of an application, as the portal shows them.

use app::dto::{AssignmentStatusCounts, EnvironmentCounts, EnvironmentResponse, Timestamp};
use axum::{Json, Router, extract::{Path, State}, routing::get};

use crate::{auth::AdminAuth, error::{AppError, AppResult}, service::tenancy, state::AppState};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/accounts/{account_slug}/applications/{app_slug}/environments/{env_slug}",
        get(get_environment),
    )
}

async fn get_environment(
    State(state): State<AppState>,
    admin: AdminAuth,
    Path((account_slug, app_slug, env_slug)): Path<(String, String, String)>,
) -> AppResult<Json<EnvironmentResponse>> {
    let scope = tenancy::environment_for_admin(state.store.as_ref(), &admin, &account_slug, &app_slug, &env_slug).await?;
    let stats = state.store.environment_stats(&scope.environment, Timestamp::now().as_millis()).await?;
    let env = scope.environment;
    Ok(Json(EnvironmentResponse {
        created_at: Timestamp::from_millis(env.created_at).ok_or_else(|| AppError::internal("created_at out of range"))?,
        id: env.id,
        application_id: env.application_id,
        slug: env.slug,
        name: env.name,
        counts: EnvironmentCounts {
            nodes: stats.nodes,
            identities: stats.identities,
            roles: stats.roles,
            permissions: stats.permissions,
            assignments: AssignmentStatusCounts {
                active: stats.assignments_active,
                scheduled: stats.assignments_scheduled,
                expired: stats.assignments_expired,
            },
            expiring_within_7_days: stats.assignments_expiring_7d,
        },
    }))
}
