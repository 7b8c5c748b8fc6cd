//! The environment a management key, or an identity token, is bound to.

use crate::{domain::tenancy::EnvironmentScope, state::AppState, web::error::AppError};

pub(super) async fn environment_scope(state: &AppState, environment_id: &str) -> Result<EnvironmentScope, AppError> {
    let path = state
        .store
        .environment_path(environment_id)
        .await?
        .ok_or_else(|| AppError::unauthorized("The API key's environment no longer exists."))?;
    Ok(EnvironmentScope { account: path.account, application: path.application, environment: path.environment })
}
