//! Roles, resources and permissions of an environment.
//!
//! This feature's part of the one [`Store`]: an `impl Store` block, so the feature's reads and
//! writes are declared next to the service that uses them, while the statements stay in
//! `store/sql/` (written once for both backends) and the backend is still chosen once, at
//! start-up.

use crate::store::{sql, *};

impl Store {
    #[tracing::instrument(skip_all)]
    pub async fn roles(&self, environment_id: &str) -> StoreResult<Vec<Role>> {
        sql::roles::roles(self.db(), environment_id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn role_by_id(&self, environment_id: &str, id: &str) -> StoreResult<Option<Role>> {
        sql::roles::role_by_id(self.db(), environment_id, id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn role_page(&self, environment_id: &str, spec: &PageSpec) -> StoreResult<(Vec<Role>, i64)> {
        sql::roles::role_page(self.db(), environment_id, spec).await
    }

    /// `(role_id, permission key)` for these roles, by key.
    #[tracing::instrument(skip_all)]
    pub async fn role_permission_keys(&self, role_ids: &[&str]) -> StoreResult<Vec<(String, String)>> {
        sql::roles::role_permission_keys(self.db(), role_ids).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn role_assignment_count(&self, role_id: &str) -> StoreResult<i64> {
        sql::roles::role_assignment_count(self.db(), role_id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn resources(&self, environment_id: &str) -> StoreResult<Vec<Resource>> {
        sql::roles::resources(self.db(), environment_id).await
    }

    #[tracing::instrument(skip_all)]
    pub async fn permissions(&self, environment_id: &str) -> StoreResult<Vec<Permission>> {
        sql::roles::permissions(self.db(), environment_id).await
    }
}
