//! Environments of an application: the list and overview with counts, create, rename / re-slug,
//! delete (refused while the environment holds anything, unless `cascade`).

use app::dto::{
    AssignmentStatusCounts, CreateEnvironmentRequest, EnvironmentCounts, EnvironmentResponse, PageQuery, Paginated,
    UpdateEnvironmentRequest, Validate, page_of,
};
use serde_json::json;

use crate::{
    domain::{
        audit::AuditContext,
        tenancy::{ApplicationTenancy, EnvironmentTenancy},
    },
    ids::new_id,
    store::{ChangeSet, Environment, InsertBatch, Store, WriteOp},
    web::error::{AppError, AppResult},
};

async fn response(store: &Store, env: Environment, now: i64) -> AppResult<EnvironmentResponse> {
    let stats = store.environment_stats(&env, now).await?;
    Ok(EnvironmentResponse {
        created_at: app::dto::Timestamp::from_millis(env.created_at).ok_or_else(|| AppError::internal("created_at out of range"))?,
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
            expiring_within_30_days: stats.assignments_expiring_30d,
        },
    })
}

fn now() -> i64 {
    app::dto::Timestamp::now().as_millis()
}

fn state(env: &Environment) -> serde_json::Value {
    json!({ "slug": env.slug, "name": env.name })
}

pub async fn list(store: &Store, tenancy: &ApplicationTenancy, query: &PageQuery) -> AppResult<Paginated<EnvironmentResponse>> {
    let page = query.parse().map_err(AppError::invalid_query)?;
    let environments = store.environments(&tenancy.application.id).await?;
    let total = environments.len() as u64;
    let mut items = Vec::new();
    for env in environments.into_iter().skip(page.offset() as usize).take(page.take as usize) {
        items.push(response(store, env, now()).await?);
    }
    Ok(page_of(items, page, total))
}

pub async fn get(store: &Store, tenancy: &EnvironmentTenancy) -> AppResult<EnvironmentResponse> {
    response(store, tenancy.environment.clone(), now()).await
}

pub async fn create(
    store: &Store,
    tenancy: &ApplicationTenancy,
    context: &AuditContext,
    request: CreateEnvironmentRequest,
) -> AppResult<EnvironmentResponse> {
    request.validate()?;
    let env = Environment {
        id: new_id(),
        application_id: tenancy.application.id.clone(),
        slug: request.slug.clone(),
        name: request.name.trim().to_owned(),
        created_at: context.at,
    };
    let audit = context.record(&tenancy.account, Some(&env.id), "environment.create", ("environment", &env.id), None, Some(state(&env)));
    store
        .insert_batch(&InsertBatch { environments: vec![env.clone()], audit_events: vec![audit], ..Default::default() })
        .await
        ?;
    response(store, env, now()).await
}

pub async fn update(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    context: &AuditContext,
    request: UpdateEnvironmentRequest,
) -> AppResult<EnvironmentResponse> {
    request.validate()?;
    let current = tenancy.environment.clone();
    let updated = Environment {
        slug: request.slug.unwrap_or_else(|| current.slug.clone()),
        name: request.name.map(|n| n.trim().to_owned()).unwrap_or_else(|| current.name.clone()),
        ..current.clone()
    };
    if updated != current {
        let audit = context.record(
            &tenancy.account,
            Some(&current.id),
            "environment.update",
            ("environment", &current.id),
            Some(state(&current)),
            Some(state(&updated)),
        );
        let changes = ChangeSet {
            ops: vec![WriteOp::UpdateEnvironment(updated.clone())],
            inserts: InsertBatch { audit_events: vec![audit], ..Default::default() },
        };
        store.apply_changes(&changes).await?;
    }
    response(store, updated, now()).await
}

/// Refused (409) while the environment holds nodes, roles or assignments, unless `cascade`:
/// then everything in it goes. The audit log keeps one event for the environment.
pub async fn delete(store: &Store, tenancy: &EnvironmentTenancy, context: &AuditContext, cascade: bool) -> AppResult<()> {
    let stats = store.environment_stats(&tenancy.environment, now()).await?;
    let assignments = stats.assignments_active + stats.assignments_scheduled + stats.assignments_expired;
    if !cascade && (stats.nodes > 0 || stats.roles > 0 || assignments > 0) {
        return Err(AppError::Conflict {
            code: "environment_in_use",
            message: format!(
                "This environment has {} node(s), {} role(s) and {assignments} assignment(s); pass cascade=true to delete it with everything in it.",
                stats.nodes, stats.roles
            ),
        });
    }
    let env = &tenancy.environment;
    let before = json!({ "slug": env.slug, "name": env.name, "nodes": stats.nodes, "roles": stats.roles, "assignments": assignments });
    let audit = context.record(&tenancy.account, Some(&env.id), "environment.delete", ("environment", &env.id), Some(before), None);
    let changes = ChangeSet {
        ops: vec![WriteOp::DeleteEnvironment(env.id.clone())],
        inserts: InsertBatch { audit_events: vec![audit], ..Default::default() },
    };
    store.apply_changes(&changes).await?;
    Ok(())
}
