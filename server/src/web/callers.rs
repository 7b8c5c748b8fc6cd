//! Who is calling, and where: the caller extractors. Tenancy is resolved here and only here: an
//! admin sees the accounts it is a member of and nothing else, and anything outside them is a
//! 404, exactly like something that does not exist. Management clients and identities are bound
//! to the environment of their credential (`auth`).
//!
//! Handlers shared by both prefixes are generic over [`EnvironmentCaller`] or
//! [`ApplicationCaller`], so the portal and the management API cannot drift apart.

use axum::{extract::FromRequestParts, http::request::Parts};

use crate::{
    auth::{AdminAuth, ManagementAuth},
    domain::{
        audit::{Actor, AuditContext},
        tenancy::{ApplicationTenancy, EnvironmentTenancy},
    },
    state::AppState,
    store::Store,
    web::{
        error::{AppError, AppResult},
        extract::{PathParams, RequestId},
    },
};

/// Who is calling: the actor its writes are audited as.
pub trait Caller: FromRequestParts<AppState, Rejection = AppError> + Send + Sync + 'static {
    fn actor(&self) -> Actor;

    /// The audit context of a write this caller makes now.
    fn context(&self, request_id: RequestId) -> AuditContext {
        AuditContext::new(self.actor(), request_id.0, app::dto::Timestamp::now().as_millis())
    }
}

/// Who is calling, and in which environment.
pub trait EnvironmentCaller: Caller {
    fn tenancy(&self) -> &EnvironmentTenancy;
}

/// Who is calling, for what belongs to an application (identities, the audit log).
pub trait ApplicationCaller: Caller {
    fn application(&self) -> &ApplicationTenancy;
}

/// An admin in an application named by the path's `{account_slug}` and `{app_slug}`.
pub struct PortalApplicationCaller {
    pub admin: AdminAuth,
    tenancy: ApplicationTenancy,
}

impl FromRequestParts<AppState> for PortalApplicationCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let admin = AdminAuth::from_request_parts(parts, state).await?;
        let params = PathParams::from_request_parts(parts, state).await?;
        let tenancy = application_for_admin(state.store.as_ref(), &admin, params.get("account_slug"), params.get("app_slug")).await?;
        Ok(Self { admin, tenancy })
    }
}

impl Caller for PortalApplicationCaller {
    fn actor(&self) -> Actor {
        Actor::Admin(self.admin.admin_id.clone())
    }
}

impl ApplicationCaller for PortalApplicationCaller {
    fn application(&self) -> &ApplicationTenancy {
        &self.tenancy
    }
}

/// An admin in an environment named by the path's slugs (`{env_slug}` under the application).
pub struct PortalCaller {
    pub admin: AdminAuth,
    tenancy: EnvironmentTenancy,
}

impl FromRequestParts<AppState> for PortalCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let admin = AdminAuth::from_request_parts(parts, state).await?;
        let params = PathParams::from_request_parts(parts, state).await?;
        let store = state.store.as_ref();
        let application = application_for_admin(store, &admin, params.get("account_slug"), params.get("app_slug")).await?;
        let environment = store
            .environment_by_slug(&application.application.id, params.get("env_slug"))
            .await?
            .ok_or(AppError::NotFound { what: "environment" })?;
        Ok(PortalCaller { admin, tenancy: application.with_environment(environment) })
    }
}

impl Caller for PortalCaller {
    fn actor(&self) -> Actor {
        Actor::Admin(self.admin.admin_id.clone())
    }
}

impl EnvironmentCaller for PortalCaller {
    fn tenancy(&self) -> &EnvironmentTenancy {
        &self.tenancy
    }
}

impl Caller for ManagementAuth {
    fn actor(&self) -> Actor {
        ManagementAuth::actor(self)
    }
}

impl EnvironmentCaller for ManagementAuth {
    fn tenancy(&self) -> &EnvironmentTenancy {
        &self.tenancy
    }
}

/// A management client reaches the identities of its environment's application.
pub struct ManagementApplicationCaller {
    auth: ManagementAuth,
    tenancy: ApplicationTenancy,
}

impl FromRequestParts<AppState> for ManagementApplicationCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let auth = ManagementAuth::from_request_parts(parts, state).await?;
        let tenancy = ApplicationTenancy::from(&auth.tenancy);
        Ok(Self { auth, tenancy })
    }
}

impl Caller for ManagementApplicationCaller {
    fn actor(&self) -> Actor {
        self.auth.actor()
    }
}

impl ApplicationCaller for ManagementApplicationCaller {
    fn application(&self) -> &ApplicationTenancy {
        &self.tenancy
    }
}

/// The one tenancy rule: the account must exist and the admin be a member, then the
/// application must be the account's; each miss is a 404 naming what was not found.
async fn application_for_admin(
    store: &Store,
    admin: &AdminAuth,
    account_slug: &str,
    application_slug: &str,
) -> AppResult<ApplicationTenancy> {
    let not_found = || AppError::NotFound { what: "account" };
    let account = store.account_by_slug(account_slug).await?.ok_or_else(not_found)?;
    store.membership(&account.id, &admin.admin_id).await?.ok_or_else(not_found)?;
    let application =
        store.application_by_slug(&account.id, application_slug).await?.ok_or(AppError::NotFound { what: "application" })?;
    Ok(ApplicationTenancy { account, application })
}
