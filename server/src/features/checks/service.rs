//! Checks ("may this identity do invoices.read here?"), effective permissions, and the identity
//! tokens that let an identity ask for itself (`/api/v1/me/*`).
//!
//! A check reads the database directly, so it sees every committed write at once. A batch is
//! answered with two queries whatever its size: the environment's nodes, and every grant of the
//! batch's identities at each distinct instant, evaluated in memory. The in-memory index answers
//! instead while it is current and the database was confirmed reachable a moment ago; while the
//! database is down every check is a 503 (`features::health::monitor`), never an answer from
//! memory that the database can no longer confirm.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::Arc,
};

use app::dto::{
    CheckReason, CheckRequest, CheckResponse, EffectivePermission, EffectivePermissionsResponse, FieldErrors,
    IdentityTokenRequest, MAX_BATCH_CHECKS, PermissionGrant, Timestamp, TokenResponse, Validate, check_permission_key,
};

use crate::{
    auth::{Claims, PrincipalKind, TokenKeys},
    domain::{
        node_path,
        tenancy::{ApplicationTenancy, EnvironmentTenancy},
    },
    index::{Decision, Indexes},
    store::{Grant, Node, Revision, Store},
    web::error::{AppError, AppResult},
};

fn check_key(permission: &str) -> AppResult<()> {
    let mut errors = FieldErrors::new();
    check_permission_key("permission", permission, &mut errors);
    errors.into_result().map_err(AppError::from)
}

/// The first grant (by key, then assignment id) of `permission` on the node or an ancestor.
fn decide<'g>(grants: &'g [Grant], node: &Node, permission: &str) -> Option<&'g Grant> {
    let path: HashSet<&str> = node_path::lineage(&node.id_path).collect();
    grants.iter().find(|g| g.permission_key == permission && path.contains(g.node_id.as_str()))
}

fn reason(grant: Option<&Grant>) -> CheckResponse {
    CheckResponse {
        allowed: grant.is_some(),
        reason: grant.map(|g| CheckReason { assignment_id: g.assignment_id.clone(), role_id: g.role_id.clone(), source_node_id: g.node_id.clone() }),
        correlation_id: None,
    }
}

/// `POST /api/v1/check`: unknown identity or node is a 404; an inactive identity is never allowed.
/// Fails closed: 503 while the database is unreachable, whatever the index holds.
pub async fn check(
    store: &Store,
    indexes: &Arc<Indexes>,
    tenancy: &EnvironmentTenancy,
    request: &CheckRequest,
    wanted: Option<&Revision>,
) -> AppResult<CheckResponse> {
    check_key(&request.permission)?;
    let database = indexes.database();
    database.refuse_when_down()?;
    if let Some(index) = indexes.current(tenancy, wanted).await {
        let at = request.at.unwrap_or_else(Timestamp::now).as_millis();
        let decision = index.read().check(&request.identity_id, &request.permission, &request.node_id, at);
        // Unknown here may be new elsewhere (written through another process a moment ago):
        // SQL says which, or answers.
        if decision != Decision::Unknown {
            return Ok(CheckResponse { correlation_id: request.correlation_id.clone(), ..indexed(decision) });
        }
    }
    database.watch(check_in_sql(store, tenancy, request)).await
}

async fn check_in_sql(store: &Store, tenancy: &EnvironmentTenancy, request: &CheckRequest) -> AppResult<CheckResponse> {
    let identity = store.identity_by_id(&tenancy.application.id, &request.identity_id).await?.ok_or(AppError::NotFound { what: "identity" })?;
    let node = store.node_by_id(&tenancy.environment.id, &request.node_id).await?.ok_or(AppError::NotFound { what: "node" })?;
    let mut response = if !identity.status.is_active() {
        reason(None)
    } else {
        let at = request.at.unwrap_or_else(Timestamp::now).as_millis();
        let path: Vec<String> = node_path::lineage(&node.id_path).map(str::to_owned).collect();
        let grants = store.grants(&tenancy.environment.id, &[&identity.id], Some(&path), Some(&request.permission), at).await?;
        reason(grants.first())
    };
    response.correlation_id = request.correlation_id.clone();
    Ok(response)
}

fn indexed(decision: Decision) -> CheckResponse {
    match decision {
        Decision::Allowed(grant) => CheckResponse {
            allowed: true,
            reason: Some(CheckReason { assignment_id: grant.assignment_id, role_id: grant.role_id, source_node_id: grant.node_id }),
            correlation_id: None,
        },
        Decision::Denied | Decision::Unknown => reason(None),
    }
}


/// `POST /api/v1/check/batch`: up to 1,000 checks, answered in request order. An unknown
/// identity or node, or an inactive identity, is `allowed: false` there (one bad item does not
/// fail the batch); a malformed permission key fails the request (422 naming the item).
pub async fn check_batch(
    store: &Store,
    indexes: &Arc<Indexes>,
    tenancy: &EnvironmentTenancy,
    checks: &[CheckRequest],
    wanted: Option<&Revision>,
) -> AppResult<Vec<CheckResponse>> {
    if checks.len() > MAX_BATCH_CHECKS {
        return Err(AppError::PayloadTooLarge { message: format!("A batch takes at most {MAX_BATCH_CHECKS} checks; this one has {}.", checks.len()) });
    }
    let mut errors = FieldErrors::new();
    for (index, item) in checks.iter().enumerate() {
        check_permission_key(&format!("checks[{index}].permission"), &item.permission, &mut errors);
    }
    errors.into_result()?;

    let database = indexes.database();
    database.refuse_when_down()?;
    if let Some(index) = indexes.current(tenancy, wanted).await {
        let now = Timestamp::now().as_millis();
        let index = index.read();
        return Ok(checks
            .iter()
            .map(|item| {
                let at = item.at.map_or(now, |t| t.as_millis());
                CheckResponse { correlation_id: item.correlation_id.clone(), ..indexed(index.check(&item.identity_id, &item.permission, &item.node_id, at)) }
            })
            .collect());
    }
    database.watch(check_batch_in_sql(store, tenancy, checks)).await
}

async fn check_batch_in_sql(store: &Store, tenancy: &EnvironmentTenancy, checks: &[CheckRequest]) -> AppResult<Vec<CheckResponse>> {
    let nodes: HashMap<String, Node> = store.nodes(&tenancy.environment.id).await?.into_iter().map(|n| (n.id.clone(), n)).collect();
    let identity_ids: Vec<&str> = {
        let mut seen = HashSet::new();
        checks.iter().map(|c| c.identity_id.as_str()).filter(|id| seen.insert(*id)).collect()
    };
    let active: HashSet<String> = store
        .identities_by_ids(&tenancy.application.id, &identity_ids)
        .await?
        .into_iter()
        .filter(|i| i.status.is_active())
        .map(|i| i.id)
        .collect();
    let now = Timestamp::now().as_millis();
    // One grant query per distinct instant (almost always just "now").
    let mut by_instant: BTreeMap<i64, HashMap<String, Vec<Grant>>> = BTreeMap::new();
    for at in checks.iter().map(|c| c.at.map_or(now, |t| t.as_millis())).collect::<HashSet<_>>() {
        let ids: Vec<&str> = active.iter().map(String::as_str).collect();
        let mut grouped: HashMap<String, Vec<Grant>> = HashMap::new();
        for grant in store.grants(&tenancy.environment.id, &ids, None, None, at).await? {
            grouped.entry(grant.identity_id.clone()).or_default().push(grant);
        }
        by_instant.insert(at, grouped);
    }
    Ok(checks
        .iter()
        .map(|item| {
            let at = item.at.map_or(now, |t| t.as_millis());
            let grant = match (active.contains(&item.identity_id), nodes.get(&item.node_id)) {
                (true, Some(node)) => by_instant[&at].get(&item.identity_id).and_then(|grants| decide(grants, node, &item.permission)),
                _ => None,
            };
            CheckResponse { correlation_id: item.correlation_id.clone(), ..reason(grant) }
        })
        .collect())
}

/// Each permission the identity holds in the environment (at a node and its ancestors, or
/// anywhere), with every assignment that grants it. An inactive identity holds none.
pub async fn effective_permissions(
    store: &Store,
    tenancy: &EnvironmentTenancy,
    identity_id: &str,
    node_id: Option<&str>,
    at: Option<Timestamp>,
) -> AppResult<EffectivePermissionsResponse> {
    let identity = store.identity_by_id(&tenancy.application.id, identity_id).await?.ok_or(AppError::NotFound { what: "identity" })?;
    let node = match node_id.filter(|id| !id.is_empty()) {
        Some(id) => Some(store.node_by_id(&tenancy.environment.id, id).await?.ok_or(AppError::NotFound { what: "node" })?),
        None => None,
    };
    let at = at.unwrap_or_else(Timestamp::now);
    let grants = if identity.status.is_active() {
        let path: Option<Vec<String>> = node.as_ref().map(|n| node_path::lineage(&n.id_path).map(str::to_owned).collect());
        store.grants(&tenancy.environment.id, &[identity_id], path.as_deref(), None, at.as_millis()).await?
    } else {
        Vec::new()
    };
    let mut permissions: Vec<EffectivePermission> = Vec::new();
    for grant in grants {
        let entry = PermissionGrant {
            assignment_id: grant.assignment_id,
            role_id: grant.role_id,
            role_name: grant.role_name,
            source_node_id: grant.node_id,
            source_node_name: grant.node_name,
        };
        match permissions.last_mut() {
            Some(last) if last.key == grant.permission_key => last.granted_by.push(entry),
            _ => permissions.push(EffectivePermission { key: grant.permission_key, granted_by: vec![entry] }),
        }
    }
    Ok(EffectivePermissionsResponse {
        identity_id: identity.id,
        environment_id: tenancy.environment.id.clone(),
        node_id: node.map(|n| n.id),
        at,
        permissions,
    })
}

/// The portal's effective permissions: `?environment=<slug>` names the application's
/// environment (400 without it, 404 when it is not one).
pub async fn effective_permissions_in(
    store: &Store,
    tenancy: &ApplicationTenancy,
    environment: Option<&str>,
    identity_id: &str,
    node_id: Option<&str>,
    at: Option<Timestamp>,
) -> AppResult<EffectivePermissionsResponse> {
    let slug = environment
        .filter(|s| !s.is_empty())
        .ok_or_else(|| AppError::bad_request("invalid_query", "Name the environment: ?environment=<slug>."))?;
    let environment = store.environment_by_slug(&tenancy.application.id, slug).await?.ok_or(AppError::NotFound { what: "environment" })?;
    effective_permissions(store, &tenancy.with_environment(environment), identity_id, node_id, at).await
}

/// `POST /api/v1/identities/{id}/tokens`: a Bearer token for the identity-only endpoints of
/// this environment.
pub async fn mint_identity_token(
    store: &Store,
    tokens: &TokenKeys,
    tenancy: &EnvironmentTenancy,
    identity_id: &str,
    request: IdentityTokenRequest,
) -> AppResult<TokenResponse> {
    request.validate()?;
    let identity = store.identity_by_id(&tenancy.application.id, identity_id).await?.ok_or(AppError::NotFound { what: "identity" })?;
    if !identity.status.is_active() {
        return Err(AppError::Item {
            status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            body: app::dto::ApiErrorBody::new("identity_inactive", "Inactive identities cannot get tokens; activate the identity first."),
        });
    }
    let lifetime = request.expires_in.unwrap_or(3_600);
    let now = Timestamp::now().as_millis() / 1000;
    let claims = Claims { env: Some(tenancy.environment.id.clone()), ..Claims::new(PrincipalKind::Identity, identity.id, now, now + lifetime) };
    tokens.bearer(&claims)
}
