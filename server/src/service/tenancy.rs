//! Tenancy: an admin sees the accounts it is a member of and nothing else. Anything outside them
//! is a 404, exactly like something that does not exist.

use app::dto::{AccountSummary, AdminProfile, ApplicationSummary, EnvironmentSummary, MeResponse};

use crate::{
    auth::AdminAuth,
    error::{AppError, AppResult},
    store::{Account, Application, Environment, Store},
};

/// An environment the caller may manage, with the objects above it.
#[derive(Debug, Clone)]
pub struct EnvironmentScope {
    pub account: Account,
    pub application: Application,
    pub environment: Environment,
}

pub async fn account_for_admin(store: &dyn Store, admin: &AdminAuth, account_slug: &str) -> AppResult<Account> {
    let not_found = || AppError::NotFound { what: "account" };
    let account = store.account_by_slug(account_slug).await?.ok_or_else(not_found)?;
    store.membership(&account.id, &admin.admin_id).await?.ok_or_else(not_found)?;
    Ok(account)
}

pub async fn environment_for_admin(
    store: &dyn Store,
    admin: &AdminAuth,
    account_slug: &str,
    application_slug: &str,
    environment_slug: &str,
) -> AppResult<EnvironmentScope> {
    let account = account_for_admin(store, admin, account_slug).await?;
    environment_in_account(store, account, application_slug, environment_slug).await
}

/// An application of one of the admin's accounts (identities live at this level).
pub async fn application_for_admin(
    store: &dyn Store,
    admin: &AdminAuth,
    account_slug: &str,
    application_slug: &str,
) -> AppResult<Application> {
    let account = account_for_admin(store, admin, account_slug).await?;
    store.application_by_slug(&account.id, application_slug).await?.ok_or(AppError::NotFound { what: "application" })
}

/// Any account's environment by slugs, for callers with no admin (the command line).
pub async fn environment_by_slugs(
    store: &dyn Store,
    account_slug: &str,
    application_slug: &str,
    environment_slug: &str,
) -> AppResult<EnvironmentScope> {
    let account = store.account_by_slug(account_slug).await?.ok_or(AppError::NotFound { what: "account" })?;
    environment_in_account(store, account, application_slug, environment_slug).await
}

async fn environment_in_account(
    store: &dyn Store,
    account: Account,
    application_slug: &str,
    environment_slug: &str,
) -> AppResult<EnvironmentScope> {
    let application = store
        .application_by_slug(&account.id, application_slug)
        .await?
        .ok_or(AppError::NotFound { what: "application" })?;
    let environment = store
        .environment_by_slug(&application.id, environment_slug)
        .await?
        .ok_or(AppError::NotFound { what: "environment" })?;
    Ok(EnvironmentScope { account, application, environment })
}

/// The signed-in admin and every account → application → environment it can open.
pub async fn me(store: &dyn Store, admin: &AdminAuth) -> AppResult<MeResponse> {
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
