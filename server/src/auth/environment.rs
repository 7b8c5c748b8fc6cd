//! The environment a management key, or an identity token, is bound to.

use crate::{domain::tenancy::EnvironmentTenancy, state::AppState, web::error::AppError};

pub(super) async fn environment_tenancy(state: &AppState, environment_id: &str) -> Result<EnvironmentTenancy, AppError> {
    let path = state
        .store
        .environment_path(environment_id)
        .await?
        .ok_or_else(|| AppError::unauthorized("The API key's environment no longer exists."))?;
    Ok(EnvironmentTenancy { account: path.account, application: path.application, environment: path.environment })
}
