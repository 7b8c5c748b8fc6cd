//! Where a caller stands: the account → application (→ environment) it acts in. Resolved once
//! per request by the caller extractors (`web::callers`) or a credential (`auth`).

use crate::store::{Account, Application, Environment};

/// An environment the caller may manage, with the objects above it.
#[derive(Debug, Clone)]
pub struct EnvironmentScope {
    pub account: Account,
    pub application: Application,
    pub environment: Environment,
}

/// Where identities live: an application of an account.
#[derive(Debug, Clone)]
pub struct ApplicationScope {
    pub account: Account,
    pub application: Application,
}

impl From<&EnvironmentScope> for ApplicationScope {
    fn from(scope: &EnvironmentScope) -> Self {
        Self { account: scope.account.clone(), application: scope.application.clone() }
    }
}

impl ApplicationScope {
    /// This application's `environment`, as the scope of an environment-level call.
    pub fn with_environment(&self, environment: Environment) -> EnvironmentScope {
        EnvironmentScope { account: self.account.clone(), application: self.application.clone(), environment }
    }
}
