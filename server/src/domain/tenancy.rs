//! Where a caller stands: the account → application (→ environment) it acts in. Resolved once
//! per request by the caller extractors (`web::callers`) or a credential (`auth`).

use crate::store::{Account, Application, Environment};

/// An environment the caller may manage, with the objects above it.
#[derive(Debug, Clone)]
pub struct EnvironmentTenancy {
    pub account: Account,
    pub application: Application,
    pub environment: Environment,
}

/// Where identities live: an application of an account.
#[derive(Debug, Clone)]
pub struct ApplicationTenancy {
    pub account: Account,
    pub application: Application,
}

impl From<&EnvironmentTenancy> for ApplicationTenancy {
    fn from(tenancy: &EnvironmentTenancy) -> Self {
        Self { account: tenancy.account.clone(), application: tenancy.application.clone() }
    }
}

impl ApplicationTenancy {
    /// This application's `environment`, as the tenancy of an environment-level call.
    pub fn with_environment(&self, environment: Environment) -> EnvironmentTenancy {
        EnvironmentTenancy { account: self.account.clone(), application: self.application.clone(), environment }
    }
}
