//! Admin sign-in, refresh and sign-out, and what the signed-in admin may open (`/me`).

use std::{net::IpAddr, time::Duration};

use app::dto::{AccountSummary, AdminProfile, ApplicationSummary, EmailAddress, EnvironmentSummary, LoginRequest, MeResponse, Timestamp, TokenResponse, Validate};

use crate::{
    auth::{
        AdminAuth, Claims, PrincipalKind, TokenKeys, password,
        throttle::{Locked, SignInThrottle, address_key},
    },
    config::SessionLifetimes,
    domain::audit::{Actor, AuditContext, Change},
    ids::new_id,
    store::{AdminSession, AuditEvent, InsertBatch, Store},
    web::error::{AppError, AppResult},
};

/// A fresh admin token for a session.
pub struct IssuedToken {
    pub response: TokenResponse,
    pub max_age: Duration,
}

fn invalid_credentials() -> AppError {
    AppError::Unauthorized { code: "invalid_credentials", message: "Email or password is incorrect.".into() }
}

/// What a sign-in attempt comes with besides its body.
pub struct LoginAttempt<'a> {
    pub throttle: &'a SignInThrottle,
    pub client: Option<IpAddr>,
    pub request_id: Option<String>,
}

/// The audit action of a lock-out of an admin's email (one event per lock-out, in every account
/// the admin belongs to; refused attempts during it are logged, not audited, so that hammering
/// a locked email costs no writes).
pub const LOGIN_THROTTLED: &str = "admin.login_throttled";

/// 429 `too_many_attempts`: the same for every email, existing or not.
pub fn too_many_attempts(locked: Locked) -> AppError {
    let minutes = locked.retry_after_secs().div_ceil(60);
    let wait = if minutes <= 1 { "a minute".to_owned() } else { format!("{minutes} minutes") };
    AppError::TooManyRequests {
        code: "too_many_attempts",
        message: format!("Too many failed sign-ins. Try again in {wait}."),
        retry_after_secs: locked.retry_after_secs(),
    }
}

/// Checks the credentials (the same work and the same answer for an unknown email as for a wrong
/// password), opens a session and returns its token. The sign-in is audited in every account
/// the admin belongs to. Failures are throttled per normalized email and per client address
/// (`auth::throttle`): while either is locked the answer is a 429 before any look-up.
pub async fn login(
    store: &Store,
    keys: &TokenKeys,
    lifetimes: &SessionLifetimes,
    request: LoginRequest,
    attempt: LoginAttempt<'_>,
) -> AppResult<IssuedToken> {
    request.validate()?;
    let email = EmailAddress::parse(&request.email).map_err(|message| AppError::invalid_field("email", message))?;
    let email = email.normalized();
    let address = address_key(attempt.client);
    if let Err(locked) = attempt.throttle.check(Some(&email), &address) {
        tracing::warn!(%email, client = %address, retry_after_secs = locked.retry_after_secs(), "sign-in refused: throttled");
        return Err(too_many_attempts(locked));
    }
    let admin = store.admin_by_email(&email).await?;
    let verified = password::verify_blocking(request.password, admin.as_ref().map(|a| a.password_hash.clone())).await?;
    let admin = match admin {
        Some(admin) if verified => admin,
        admin => {
            let failure = attempt.throttle.fail(Some(&email), &address);
            if let Some(locked) = failure.address_locked {
                tracing::warn!(client = %address, locked_secs = locked.retry_after_secs(), "sign-ins from this address locked after repeated failures");
            }
            if let Some(locked) = failure.subject_locked {
                let failures = attempt.throttle.subject_failures(&email);
                match admin {
                    Some(admin) => {
                        audit_lockout(store, &admin.id, &address, failures, locked, attempt.request_id).await?;
                    }
                    None => tracing::warn!(%email, client = %address, failures, locked_secs = locked.retry_after_secs(), "sign-ins for an unknown email locked after repeated failures"),
                }
            }
            return Err(invalid_credentials());
        }
    };
    attempt.throttle.succeed(&email);

    let now = Timestamp::now();
    let session = AdminSession {
        id: new_id(),
        admin_id: admin.id.clone(),
        created_at: now.as_millis(),
        expires_at: now.as_millis() + lifetimes.session.as_millis() as i64,
        revoked_at: None,
    };
    let audit = session_audit(store, &admin.id, &session.id, "admin.login", attempt.request_id, now.as_millis()).await?;
    store.create_session(&session, &audit).await?;
    issue(keys, &admin.id, &session.id, now, lifetimes.token, session.expires_at)
}

/// `admin.login_throttled` in each of the admin's accounts: by the server (`system`), on the
/// admin, with the failures so far, the lock-out and the client address.
async fn audit_lockout(
    store: &Store,
    admin_id: &str,
    address: &str,
    failures: u32,
    locked: Locked,
    request_id: Option<String>,
) -> AppResult<()> {
    tracing::warn!(admin_id, client = %address, failures, locked_secs = locked.retry_after_secs(), "sign-ins for an admin locked after repeated failures");
    let context = AuditContext::new(Actor::System, request_id, Timestamp::now().as_millis());
    let after = serde_json::json!({ "failures": failures, "locked_seconds": locked.retry_after_secs(), "client_address": address });
    let audit_events = per_account_events(store, admin_id, &context, LOGIN_THROTTLED, ("admin", admin_id), Some(after)).await?;
    if !audit_events.is_empty() {
        store.insert_batch(&InsertBatch { audit_events, ..Default::default() }).await?;
    }
    Ok(())
}

/// A new token for the caller's live session. Tokens never outlive their session, so an admin
/// signs in again once a session's lifetime is over however often it refreshes.
pub fn refresh(keys: &TokenKeys, lifetimes: &SessionLifetimes, admin: &AdminAuth) -> AppResult<IssuedToken> {
    issue(keys, &admin.admin_id, &admin.session_id, Timestamp::now(), lifetimes.token, admin.session_expires_at)
}

/// Ends the session: its token stops working at once, wherever it was copied.
pub async fn logout(store: &Store, admin: &AdminAuth, request_id: Option<String>) -> AppResult<()> {
    let now = Timestamp::now().as_millis();
    let audit = session_audit(store, &admin.admin_id, &admin.session_id, "admin.logout", request_id, now).await?;
    store.revoke_session(&admin.session_id, now, &audit).await?;
    Ok(())
}

fn issue(
    keys: &TokenKeys,
    admin_id: &str,
    session_id: &str,
    now: Timestamp,
    ttl: Duration,
    session_expires_at: i64,
) -> AppResult<IssuedToken> {
    let iat = now.as_millis() / 1000;
    let exp = (iat + ttl.as_secs() as i64).min(session_expires_at / 1000);
    let claims = Claims { sid: Some(session_id.to_owned()), ..Claims::new(PrincipalKind::Admin, admin_id.to_owned(), iat, exp) };
    let response = keys.bearer(&claims)?;
    let max_age = Duration::from_secs(response.expires_in.unsigned_abs());
    Ok(IssuedToken { response, max_age })
}

async fn session_audit(
    store: &Store,
    admin_id: &str,
    session_id: &str,
    action: &'static str,
    request_id: Option<String>,
    at: i64,
) -> AppResult<Vec<AuditEvent>> {
    let context = AuditContext::new(Actor::Admin(admin_id.to_owned()), request_id, at);
    per_account_events(store, admin_id, &context, action, ("admin_session", session_id), None).await
}

/// One event in each account the admin belongs to.
async fn per_account_events(
    store: &Store,
    admin_id: &str,
    context: &AuditContext,
    action: &'static str,
    (target_type, target_id): (&'static str, &str),
    after: Option<serde_json::Value>,
) -> AppResult<Vec<AuditEvent>> {
    Ok(store
        .admin_memberships(admin_id)
        .await?
        .iter()
        .map(|(account, _)| {
            context.event(Change {
                account_id: &account.id,
                environment_id: None,
                action,
                target_type,
                target_id: Some(target_id),
                before: None,
                after: after.clone(),
            })
        })
        .collect())
}

/// The signed-in admin and every account → application → environment it can open.
pub async fn me(store: &Store, admin: &AdminAuth) -> AppResult<MeResponse> {
    let profile = store.admin_by_id(&admin.admin_id).await?.ok_or_else(|| AppError::unauthorized("The session has ended."))?;
    let mut accounts = Vec::new();
    for (account, membership) in store.admin_memberships(&admin.admin_id).await? {
        let mut applications = Vec::new();
        for application in store.applications(&account.id).await? {
            let environments = store
                .environments(&application.id)
                .await?
                .into_iter()
                .map(|env| EnvironmentSummary { id: env.id, slug: env.slug, name: env.name })
                .collect();
            applications.push(ApplicationSummary {
                id: application.id,
                slug: application.slug,
                name: application.name,
                environments,
            });
        }
        accounts.push(AccountSummary {
            id: account.id,
            slug: account.slug,
            name: account.name,
            role: membership.role,
            applications,
        });
    }
    Ok(MeResponse {
        admin: AdminProfile { id: profile.id, email: profile.email, name: profile.name },
        accounts,
    })
}
