//! Who is calling, and in which tenant: the look-ups of accounts, admins, memberships,
//! applications, environments, sessions and API keys that authentication and the callers'
//! tenancy resolution need, beneath every feature.

use super::{sql, *};

impl Store {
    #[tracing::instrument(skip_all)]
    pub async fn account_by_slug(&self, slug: &str) -> StoreResult<Option<Account>> {
        sql::tenants::account_by_slug(self.db(), slug).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn admin_by_id(&self, id: &str) -> StoreResult<Option<Admin>> {
        sql::tenants::admin_by_id(self.db(), id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn admin_by_email(&self, email_normalized: &str) -> StoreResult<Option<Admin>> {
        sql::tenants::admin_by_email(self.db(), email_normalized).await
    }

    /// Accounts the admin is a member of, with its role there, ordered by account name.
    #[tracing::instrument(skip_all)]
    pub async fn admin_memberships(&self, admin_id: &str) -> StoreResult<Vec<(Account, Membership)>> {
        sql::tenants::admin_memberships(self.db(), admin_id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn membership(&self, account_id: &str, admin_id: &str) -> StoreResult<Option<Membership>> {
        sql::tenants::membership(self.db(), account_id, admin_id).await
    }

    /// Ordered by name.
    #[tracing::instrument(skip_all)]
    pub async fn applications(&self, account_id: &str) -> StoreResult<Vec<Application>> {
        sql::tenants::applications(self.db(), account_id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn application_by_slug(&self, account_id: &str, slug: &str) -> StoreResult<Option<Application>> {
        sql::tenants::application_by_slug(self.db(), account_id, slug).await
    }

    /// Ordered by creation time (development before production in the demo).
    #[tracing::instrument(skip_all)]
    pub async fn environments(&self, application_id: &str) -> StoreResult<Vec<Environment>> {
        sql::tenants::environments(self.db(), application_id).await
    }

    /// Every environment of every account: `(environment id, application id, account id)`.
    #[tracing::instrument(skip_all)]
    pub async fn all_environments(&self) -> StoreResult<Vec<(String, String, String)>> {
        sql::tenants::all_environments(self.db()).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn environment_by_slug(&self, application_id: &str, slug: &str) -> StoreResult<Option<Environment>> {
        sql::tenants::environment_by_slug(self.db(), application_id, slug).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn environment_path(&self, environment_id: &str) -> StoreResult<Option<EnvironmentPath>> {
        sql::tenants::environment_path(self.db(), environment_id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn api_key_by_prefix(&self, prefix: &str) -> StoreResult<Option<ApiKey>> {
        sql::api_keys::api_key_by_prefix(self.db(), prefix).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn api_key_by_id(&self, id: &str) -> StoreResult<Option<ApiKey>> {
        sql::api_keys::api_key_by_id(self.db(), id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn session_by_id(&self, id: &str) -> StoreResult<Option<AdminSession>> {
        sql::tenants::session_by_id(self.db(), id).await
    }
}
