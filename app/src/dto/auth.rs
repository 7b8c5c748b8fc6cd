//! Admin sign-in and the signed-in admin's view of the accounts it can manage.

use serde::{Deserialize, Serialize};

use super::{EmailAddress, FieldErrors, MembershipRole, Timestamp, Validate};

pub const PASSWORD_MIN_LEN: usize = 8;
pub const PASSWORD_MAX_LEN: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[cfg_attr(feature = "ssr", schema(format = Email, max_length = 254))]
    pub email: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 256))]
    pub password: String,
}

impl Validate for LoginRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if let Err(message) = EmailAddress::parse(&self.email) {
            errors.add("email", message);
        }
        if self.password.is_empty() {
            errors.add("password", "Password is required.");
        } else if self.password.chars().count() > PASSWORD_MAX_LEN {
            errors.add("password", "Password is too long.");
        }
        errors.into_result()
    }
}

/// Returned by login and refresh. The portal also receives the token as an HttpOnly cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AdminProfile {
    pub id: String,
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EnvironmentSummary {
    pub id: String,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApplicationSummary {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub environments: Vec<EnvironmentSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccountSummary {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// The admin's role in this account.
    pub role: MembershipRole,
    pub applications: Vec<ApplicationSummary>,
}

/// `GET /portal/v1/me`: who is signed in and everything the switcher can offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MeResponse {
    pub admin: AdminProfile,
    pub accounts: Vec<AccountSummary>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_request_names_each_bad_field() {
        let errors = LoginRequest { email: "nope".into(), password: String::new() }.validate().unwrap_err();
        assert!(errors.get("email").is_some());
        assert_eq!(errors.get("password"), Some("Password is required."));
        assert!(LoginRequest { email: "a@b.example".into(), password: "x".into() }.validate().is_ok());
    }

    #[test]
    fn login_request_rejects_unknown_fields() {
        let parsed: Result<LoginRequest, _> =
            serde_json::from_str(r#"{"email":"a@b.example","password":"x","admin":true}"#);
        assert!(parsed.is_err());
    }
}
