//! Admin sign-in, refresh and sign-out, and what the signed-in admin may open (`/me`).

use std::time::Duration;

use app::dto::{AccountSummary, AdminProfile, ApplicationSummary, EmailAddress, EnvironmentSummary, LoginRequest, MeResponse, Timestamp, TokenResponse, Validate};

use crate::{
    auth::{AdminAuth, Claims, PrincipalKind, TokenKeys, password},
    config::SessionLifetimes,
    domain::audit::{Actor, AuditContext, Change},
    ids::new_id,
    store::{AdminSession, AuditEvent, Store},
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

/// Checks the credentials (the same work and the same answer for an unknown email as for a wrong
/// password), opens a session and returns its token. The sign-in is audited in every account
/// the admin belongs to.
pub async fn login(
    store: &Store,
    keys: &TokenKeys,
    lifetimes: &SessionLifetimes,
    request: LoginRequest,
    request_id: Option<String>,
) -> AppResult<IssuedToken> {
    request.validate()?;
    let email = EmailAddress::parse(&request.email).map_err(|message| AppError::invalid_field("email", message))?;
    let admin = store.admin_by_email(&email.normalized()).await?;
    let verified = password::verify_blocking(request.password, admin.as_ref().map(|a| a.password_hash.clone())).await?;
    let admin = match admin {
        Some(admin) if verified => admin,
        _ => return Err(invalid_credentials()),
    };

    let now = Timestamp::now();
    let session = AdminSession {
        id: new_id(),
        admin_id: admin.id.clone(),
        created_at: now.as_millis(),
        expires_at: now.as_millis() + lifetimes.session.as_millis() as i64,
        revoked_at: None,
    };
    let audit = session_audit(store, &admin.id, &session.id, "admin.login", request_id, now.as_millis()).await?;
    store.create_session(&session, &audit).await?;
    issue(keys, &admin.id, &session.id, now, lifetimes.token, session.expires_at)
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
    Ok(store
        .admin_memberships(admin_id)
        .await?
        .iter()
        .map(|(account, _)| {
            context.event(Change {
                account_id: &account.id,
                environment_id: None,
                action,
                target_type: "admin_session",
                target_id: Some(session_id),
                before: None,
                after: None,
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
