//! Checks ("may this identity do invoices.read here?"), effective permissions, identity tokens,
//! API keys and the audit log.
//!
//! A check reads the database directly, so it sees every committed write at once. A batch is
//! answered with two queries whatever its size: the environment's nodes, and every grant of the
//! batch's identities at each distinct instant, evaluated in memory.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::Arc,
};

use app::dto::{
    ApiKeyResponse, AuditEventResponse, AuditQuery, CheckReason, CheckRequest, CheckResponse, CreateApiKeyRequest,
    CreatedApiKey, EffectivePermission, EffectivePermissionsResponse, FieldErrors, IdentityTokenRequest,
    MAX_BATCH_CHECKS, Paginated, PermissionGrant, Timestamp, TokenResponse, Validate, check_permission_key, page_of,
};
use serde_json::json;

use crate::{
    auth::{Claims, PrincipalKind, TokenKeys, tokens::ISSUER},
    error::{AppError, AppResult},
    index::{Decision, Indexes},
    service::{
        assignments::timestamp,
        audit::{AuditContext, Change},
        directory::ApplicationScope,
        provisioning,
        tenancy::EnvironmentScope,
    },
    store::{Account, ApiKey, AuditFilter, ChangeSet, Grant, InsertBatch, Node, Store, WriteOp},
};

fn ancestors_and_self(node: &Node) -> impl Iterator<Item = &str> {
    node.id_path.split('/').filter(|id| !id.is_empty())
}

fn check_key(permission: &str) -> AppResult<()> {
    let mut errors = FieldErrors::new();
    check_permission_key("permission", permission, &mut errors);
    errors.into_result().map_err(AppError::from)
}

/// The first grant (by key, then assignment id) of `permission` on the node or an ancestor.
fn decide<'g>(grants: &'g [Grant], node: &Node, permission: &str) -> Option<&'g Grant> {
    let path: HashSet<&str> = ancestors_and_self(node).collect();
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
pub async fn check(store: &dyn Store, indexes: &Arc<Indexes>, scope: &EnvironmentScope, request: &CheckRequest) -> AppResult<CheckResponse> {
    check_key(&request.permission)?;
    if let Some(index) = indexes.current(&scope.environment.id, &scope.application.id) {
        let at = request.at.unwrap_or_else(Timestamp::now).as_millis();
        return match index.check(&request.identity_id, &request.permission, &request.node_id, at) {
            Decision::Unknown => Err(unknown_identity_or_node(store, scope, request).await),
            decision => Ok(CheckResponse { correlation_id: request.correlation_id.clone(), ..indexed(decision) }),
        };
    }
    let identity = store.identity_by_id(&scope.application.id, &request.identity_id).await?.ok_or(AppError::NotFound { what: "identity" })?;
    let node = store.node_by_id(&scope.environment.id, &request.node_id).await?.ok_or(AppError::NotFound { what: "node" })?;
    let mut response = if identity.status != "active" {
        reason(None)
    } else {
        let at = request.at.unwrap_or_else(Timestamp::now).as_millis();
        let path: Vec<String> = ancestors_and_self(&node).map(str::to_owned).collect();
        let grants = store.grants(&scope.environment.id, &[&identity.id], Some(&path), Some(&request.permission), at).await?;
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

/// The 404 for a check the index could not place: which of the two is missing.
async fn unknown_identity_or_node(store: &dyn Store, scope: &EnvironmentScope, request: &CheckRequest) -> AppError {
    match store.identity_by_id(&scope.application.id, &request.identity_id).await {
        Ok(Some(_)) => AppError::NotFound { what: "node" },
        Ok(None) => AppError::NotFound { what: "identity" },
        Err(err) => err.into(),
    }
}

/// `POST /api/v1/check/batch`: up to 1,000 checks, answered in request order. An unknown
/// identity or node, or an inactive identity, is `allowed: false` there (one bad item does not
/// fail the batch); a malformed permission key fails the request (422 naming the item).
pub async fn check_batch(store: &dyn Store, indexes: &Arc<Indexes>, scope: &EnvironmentScope, checks: &[CheckRequest]) -> AppResult<Vec<CheckResponse>> {
    if checks.len() > MAX_BATCH_CHECKS {
        return Err(AppError::PayloadTooLarge { message: format!("A batch takes at most {MAX_BATCH_CHECKS} checks; this one has {}.", checks.len()) });
    }
    let mut errors = FieldErrors::new();
    for (index, item) in checks.iter().enumerate() {
        check_permission_key(&format!("checks[{index}].permission"), &item.permission, &mut errors);
    }
    errors.into_result()?;

    if let Some(index) = indexes.current(&scope.environment.id, &scope.application.id) {
        let now = Timestamp::now().as_millis();
        return Ok(checks
            .iter()
            .map(|item| {
                let at = item.at.map_or(now, |t| t.as_millis());
                CheckResponse { correlation_id: item.correlation_id.clone(), ..indexed(index.check(&item.identity_id, &item.permission, &item.node_id, at)) }
            })
            .collect());
    }

    let nodes: HashMap<String, Node> = store.nodes(&scope.environment.id).await?.into_iter().map(|n| (n.id.clone(), n)).collect();
    let identity_ids: Vec<&str> = {
        let mut seen = HashSet::new();
        checks.iter().map(|c| c.identity_id.as_str()).filter(|id| seen.insert(*id)).collect()
    };
    let active: HashSet<String> = store
        .identities_by_ids(&scope.application.id, &identity_ids)
        .await?
        .into_iter()
        .filter(|i| i.status == "active")
        .map(|i| i.id)
        .collect();
    let now = Timestamp::now().as_millis();
    // One grant query per distinct instant (almost always just "now").
    let mut by_instant: BTreeMap<i64, HashMap<String, Vec<Grant>>> = BTreeMap::new();
    for at in checks.iter().map(|c| c.at.map_or(now, |t| t.as_millis())).collect::<HashSet<_>>() {
        let ids: Vec<&str> = active.iter().map(String::as_str).collect();
        let mut grouped: HashMap<String, Vec<Grant>> = HashMap::new();
        for grant in store.grants(&scope.environment.id, &ids, None, None, at).await? {
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
    store: &dyn Store,
    scope: &EnvironmentScope,
    identity_id: &str,
    node_id: Option<&str>,
    at: Option<Timestamp>,
) -> AppResult<EffectivePermissionsResponse> {
    let identity = store.identity_by_id(&scope.application.id, identity_id).await?.ok_or(AppError::NotFound { what: "identity" })?;
    let node = match node_id.filter(|id| !id.is_empty()) {
        Some(id) => Some(store.node_by_id(&scope.environment.id, id).await?.ok_or(AppError::NotFound { what: "node" })?),
        None => None,
    };
    let at = at.unwrap_or_else(Timestamp::now);
    let grants = if identity.status == "active" {
        let path: Option<Vec<String>> = node.as_ref().map(|n| ancestors_and_self(n).map(str::to_owned).collect());
        store.grants(&scope.environment.id, &[identity_id], path.as_deref(), None, at.as_millis()).await?
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
        environment_id: scope.environment.id.clone(),
        node_id: node.map(|n| n.id),
        at,
        permissions,
    })
}

/// `POST /api/v1/identities/{id}/tokens`: a Bearer token for the identity-only endpoints of
/// this environment.
pub async fn mint_identity_token(
    store: &dyn Store,
    tokens: &TokenKeys,
    scope: &EnvironmentScope,
    identity_id: &str,
    request: IdentityTokenRequest,
) -> AppResult<TokenResponse> {
    request.validate()?;
    let identity = store.identity_by_id(&scope.application.id, identity_id).await?.ok_or(AppError::NotFound { what: "identity" })?;
    if identity.status != "active" {
        return Err(AppError::Item {
            status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            body: app::dto::ApiErrorBody::new("identity_inactive", "Inactive identities cannot get tokens; activate the identity first."),
        });
    }
    let lifetime = request.expires_in.unwrap_or(3_600);
    let now = Timestamp::now().as_millis() / 1000;
    let claims = Claims {
        iss: ISSUER.into(),
        aud: PrincipalKind::Identity,
        sub: identity.id,
        iat: now,
        exp: now + lifetime,
        sid: None,
        env: Some(scope.environment.id.clone()),
    };
    Ok(TokenResponse {
        access_token: tokens.issue(&claims)?,
        token_type: "Bearer".into(),
        expires_in: lifetime,
        expires_at: timestamp((now + lifetime) * 1000),
    })
}

// -------------------------------------------------------------------------------------------------
// API keys
// -------------------------------------------------------------------------------------------------

fn api_key_response(key: &ApiKey) -> ApiKeyResponse {
    ApiKeyResponse {
        id: key.id.clone(),
        name: key.name.clone(),
        prefix: key.prefix.clone(),
        created_at: timestamp(key.created_at),
        last_used_at: key.last_used_at.map(timestamp),
        revoked_at: key.revoked_at.map(timestamp),
    }
}

pub async fn list_api_keys(store: &dyn Store, scope: &EnvironmentScope, page: &app::dto::PageQuery) -> AppResult<Paginated<ApiKeyResponse>> {
    let page = page.parse().map_err(|errors| {
        let details = errors.0.into_iter().map(|(f, m)| (f, serde_json::Value::String(m))).collect();
        AppError::BadRequest { code: "invalid_query", message: "The query string is invalid.".into(), details }
    })?;
    let keys = store.api_keys(&scope.environment.id).await?;
    let total = keys.len() as u64;
    let items = keys.iter().skip(page.offset() as usize).take(page.take as usize).map(api_key_response).collect();
    Ok(page_of(items, page, total))
}

pub async fn create_api_key(store: &dyn Store, scope: &EnvironmentScope, context: &AuditContext, request: CreateApiKeyRequest) -> AppResult<CreatedApiKey> {
    request.validate()?;
    let (key, secret) = provisioning::create_api_key(
        store,
        &scope.account.slug,
        &scope.application.slug,
        &scope.environment.slug,
        request.name.trim(),
        context.actor.clone(),
    )
    .await?;
    Ok(CreatedApiKey { key: api_key_response(&key), secret })
}

/// Revokes at once: the key, and every token exchanged for it, is a 401 from now on.
pub async fn revoke_api_key(store: &dyn Store, scope: &EnvironmentScope, context: &AuditContext, id: &str) -> AppResult<()> {
    let key = store
        .api_key_by_id(id)
        .await?
        .filter(|key| key.environment_id == scope.environment.id)
        .ok_or(AppError::NotFound { what: "API key" })?;
    if key.revoked_at.is_some() {
        return Ok(());
    }
    let audit = context.event(Change {
        account_id: &scope.account.id,
        environment_id: Some(&scope.environment.id),
        action: "api_key.revoke",
        target_type: "api_key",
        target_id: Some(id),
        before: Some(json!({ "name": key.name, "prefix": key.prefix })),
        after: Some(json!({ "name": key.name, "prefix": key.prefix, "revoked_at": timestamp(context.at) })),
    });
    let changes = ChangeSet {
        ops: vec![WriteOp::RevokeApiKey { id: id.to_owned(), at: context.at }],
        inserts: InsertBatch { audit_events: vec![audit], ..Default::default() },
    };
    store.apply_changes(&changes).await?;
    Ok(())
}

// -------------------------------------------------------------------------------------------------
// Audit
// -------------------------------------------------------------------------------------------------

pub async fn audit_events(store: &dyn Store, account: &Account, applications: &ApplicationScopeLookup<'_>, query: &AuditQuery) -> AppResult<Paginated<AuditEventResponse>> {
    let page = query.page_request().map_err(|errors| {
        let details = errors.0.into_iter().map(|(f, m)| (f, serde_json::Value::String(m))).collect();
        AppError::BadRequest { code: "invalid_query", message: "The query string is invalid.".into(), details }
    })?;
    let environment_id = match query.environment.as_deref().filter(|s| !s.is_empty()) {
        Some(slug) => Some(applications.environment_id(store, slug).await?),
        None => None,
    };
    let filter = AuditFilter {
        account_id: account.id.clone(),
        environment_id,
        actor_id: query.actor.clone().filter(|s| !s.is_empty()),
        target_id: query.target.clone().filter(|s| !s.is_empty()),
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

/// Resolves `?environment=<slug>` for the audit log: environments of the account's
/// applications (`application` narrows it when the route names one).
pub struct ApplicationScopeLookup<'a> {
    pub account: &'a Account,
    pub application: Option<&'a ApplicationScope>,
}

impl ApplicationScopeLookup<'_> {
    async fn environment_id(&self, store: &dyn Store, slug: &str) -> AppResult<String> {
        let applications = match self.application {
            Some(scope) => vec![scope.application.clone()],
            None => store.applications(&self.account.id).await?,
        };
        for application in applications {
            if let Some(env) = store.environment_by_slug(&application.id, slug).await? {
                return Ok(env.id);
            }
        }
        Err(AppError::NotFound { what: "environment" })
    }
}
