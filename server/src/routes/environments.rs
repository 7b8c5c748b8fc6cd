//! Environments of an application: list, create, the overview with counts, rename, delete.

use app::dto::{
    AssignmentStatusCounts, CreateEnvironmentRequest, EnvironmentCounts, EnvironmentResponse, PageQuery, Paginated,
    Timestamp, UpdateEnvironmentRequest, Validate, page_of,
};
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Deserialize;
use serde_json::json;
use utoipa::IntoParams;

use super::{
    directory::{ApplicationCaller, PortalApplicationCaller},
    registry::ApiRoutes,
};
use crate::{
    auth::AdminAuth,
    error::{AppError, AppResult},
    extract::{AppJson, AppQuery, RequestId},
    ids::new_id,
    service::{
        audit::{AuditContext, Change},
        tenancy,
    },
    state::AppState,
    store::{ChangeSet, Environment, InsertBatch, Store, StoreError, WriteOp},
};

const APPLICATION: &str = "/accounts/{account_slug}/applications/{app_slug}";

pub fn routes() -> ApiRoutes {
    let environments = format!("{APPLICATION}/environments");
    let environment = format!("{APPLICATION}/environments/{{env_slug}}");
    ApiRoutes::new()
        .get(&environments, list)
        .post(&environments, create)
        .get(&environment, get_environment)
        .patch(&environment, update)
        .delete(&environment, delete)
}

async fn response(store: &dyn Store, env: Environment) -> AppResult<EnvironmentResponse> {
    let stats = store.environment_stats(&env, Timestamp::now().as_millis()).await?;
    Ok(EnvironmentResponse {
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
    })
}

async fn list(State(state): State<AppState>, caller: PortalApplicationCaller, AppQuery(query): AppQuery<PageQuery>) -> AppResult<Json<Paginated<EnvironmentResponse>>> {
    let page = query.parse().map_err(|errors| {
        let details = errors.0.into_iter().map(|(f, m)| (f, serde_json::Value::String(m))).collect();
        AppError::BadRequest { code: "invalid_query", message: "The query string is invalid.".into(), details }
    })?;
    let store = state.store.as_ref();
    let environments = store.environments(&caller.application().application.id).await?;
    let total = environments.len() as u64;
    let mut items = Vec::new();
    for env in environments.into_iter().skip(page.offset() as usize).take(page.take as usize) {
        items.push(response(store, env).await?);
    }
    Ok(Json(page_of(items, page, total)))
}

fn slug_conflict(err: StoreError) -> AppError {
    match err {
        StoreError::Conflict => AppError::Conflict { code: "slug_taken", message: "Another environment of this application has this slug.".into() },
        other => other.into(),
    }
}

async fn create(
    State(state): State<AppState>,
    caller: PortalApplicationCaller,
    request_id: RequestId,
    AppJson(body): AppJson<CreateEnvironmentRequest>,
) -> AppResult<(StatusCode, Json<EnvironmentResponse>)> {
    body.validate()?;
    let scope = caller.application();
    let context = AuditContext::new(caller.actor(), request_id.0, Timestamp::now().as_millis());
    let env = Environment {
        id: new_id(),
        application_id: scope.application.id.clone(),
        slug: body.slug.clone(),
        name: body.name.trim().to_owned(),
        created_at: context.at,
    };
    let audit = context.event(Change {
        account_id: &scope.account.id,
        environment_id: Some(&env.id),
        action: "environment.create",
        target_type: "environment",
        target_id: Some(&env.id),
        before: None,
        after: Some(json!({ "slug": env.slug, "name": env.name })),
    });
    let store = state.store.as_ref();
    store.insert_batch(&InsertBatch { environments: vec![env.clone()], audit_events: vec![audit], ..Default::default() }).await.map_err(slug_conflict)?;
    Ok((StatusCode::CREATED, Json(response(store, env).await?)))
}

async fn get_environment(
    State(state): State<AppState>,
    admin: AdminAuth,
    Path((account_slug, app_slug, env_slug)): Path<(String, String, String)>,
) -> AppResult<Json<EnvironmentResponse>> {
    let store = state.store.as_ref();
    let scope = tenancy::environment_for_admin(store, &admin, &account_slug, &app_slug, &env_slug).await?;
    Ok(Json(response(store, scope.environment).await?))
}

async fn update(
    State(state): State<AppState>,
    admin: AdminAuth,
    Path((account_slug, app_slug, env_slug)): Path<(String, String, String)>,
    request_id: RequestId,
    AppJson(body): AppJson<UpdateEnvironmentRequest>,
) -> AppResult<Json<EnvironmentResponse>> {
    body.validate()?;
    let store = state.store.as_ref();
    let scope = tenancy::environment_for_admin(store, &admin, &account_slug, &app_slug, &env_slug).await?;
    let current = scope.environment.clone();
    let updated = Environment {
        slug: body.slug.unwrap_or_else(|| current.slug.clone()),
        name: body.name.map(|n| n.trim().to_owned()).unwrap_or_else(|| current.name.clone()),
        ..current.clone()
    };
    if updated != current {
        let context = AuditContext::new(crate::service::audit::Actor::Admin(admin.admin_id.clone()), request_id.0, Timestamp::now().as_millis());
        let audit = context.event(Change {
            account_id: &scope.account.id,
            environment_id: Some(&current.id),
            action: "environment.update",
            target_type: "environment",
            target_id: Some(&current.id),
            before: Some(json!({ "slug": current.slug, "name": current.name })),
            after: Some(json!({ "slug": updated.slug, "name": updated.name })),
        });
        let changes = ChangeSet { ops: vec![WriteOp::UpdateEnvironment(updated.clone())], inserts: InsertBatch { audit_events: vec![audit], ..Default::default() } };
        store.apply_changes(&changes).await.map_err(slug_conflict)?;
    }
    Ok(Json(response(store, updated).await?))
}

#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentDeleteQuery {
    /// Also delete every node, role and assignment in the environment; without it an environment
    /// that holds any is a 409.
    #[serde(default)]
    cascade: Option<bool>,
}

/// Refused (409) while the environment holds nodes, roles or assignments, unless `cascade`:
/// then everything in it goes. The audit log keeps one event for the environment.
async fn delete(
    State(state): State<AppState>,
    admin: AdminAuth,
    Path((account_slug, app_slug, env_slug)): Path<(String, String, String)>,
    request_id: RequestId,
    AppQuery(query): AppQuery<EnvironmentDeleteQuery>,
) -> AppResult<StatusCode> {
    let store = state.store.as_ref();
    let scope = tenancy::environment_for_admin(store, &admin, &account_slug, &app_slug, &env_slug).await?;
    let stats = store.environment_stats(&scope.environment, Timestamp::now().as_millis()).await?;
    let assignments = stats.assignments_active + stats.assignments_scheduled + stats.assignments_expired;
    if !query.cascade.unwrap_or(false) && (stats.nodes > 0 || stats.roles > 0 || assignments > 0) {
        return Err(AppError::Conflict {
            code: "environment_in_use",
            message: format!(
                "This environment has {} node(s), {} role(s) and {assignments} assignment(s); pass cascade=true to delete it with everything in it.",
                stats.nodes, stats.roles
            ),
        });
    }
    let context = AuditContext::new(crate::service::audit::Actor::Admin(admin.admin_id.clone()), request_id.0, Timestamp::now().as_millis());
    let env = &scope.environment;
    let audit = context.event(Change {
        account_id: &scope.account.id,
        environment_id: Some(&env.id),
        action: "environment.delete",
        target_type: "environment",
        target_id: Some(&env.id),
        before: Some(json!({ "slug": env.slug, "name": env.name, "nodes": stats.nodes, "roles": stats.roles, "assignments": assignments })),
        after: None,
    });
    let changes = ChangeSet { ops: vec![WriteOp::DeleteEnvironment(env.id.clone())], inserts: InsertBatch { audit_events: vec![audit], ..Default::default() } };
    store.apply_changes(&changes).await?;
    Ok(StatusCode::NO_CONTENT)
}
