//! An environment as the dashboard shows it.

use serde::{Deserialize, Serialize};

use super::Timestamp;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssignmentStatusCounts {
    pub active: i64,
    pub scheduled: i64,
    pub expired: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EnvironmentCounts {
    pub nodes: i64,
    /// Identities belong to the application; every environment shares them.
    pub identities: i64,
    pub roles: i64,
    pub permissions: i64,
    pub assignments: AssignmentStatusCounts,
    /// Active assignments whose `effective_to` falls within the next 7 days.
    pub expiring_within_7_days: i64,
    /// Active assignments whose `effective_to` falls within the next 30 days.
    pub expiring_within_30_days: i64,
}

/// `GET /portal/v1/accounts/{accountSlug}/applications/{appSlug}/environments/{envSlug}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EnvironmentResponse {
    pub id: String,
    pub application_id: String,
    pub slug: String,
    pub name: String,
    pub created_at: Timestamp,
    pub counts: EnvironmentCounts,
}

/// `POST .../environments`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateEnvironmentRequest {
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 63, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub slug: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"\S"))]
    pub name: String,
}

fn check_environment_name(name: &str, errors: &mut super::FieldErrors) {
    let name = name.trim();
    if name.is_empty() {
        errors.add("name", "Name is required.");
    } else if name.chars().count() > 100 {
        errors.add("name", "Name is at most 100 characters.");
    }
}

impl super::Validate for CreateEnvironmentRequest {
    fn validate(&self) -> Result<(), super::FieldErrors> {
        let mut errors = super::FieldErrors::new();
        if let Err(message) = super::check_slug(&self.slug) {
            errors.add("slug", message);
        }
        check_environment_name(&self.name, &mut errors);
        errors.into_result()
    }
}

/// `PATCH .../environments/{envSlug}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateEnvironmentRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 63, pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"))]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"\S"))]
    pub name: Option<String>,
}

impl super::Validate for UpdateEnvironmentRequest {
    fn validate(&self) -> Result<(), super::FieldErrors> {
        let mut errors = super::FieldErrors::new();
        if let Some(slug) = &self.slug
            && let Err(message) = super::check_slug(slug)
        {
            errors.add("slug", message);
        }
        if let Some(name) = &self.name {
            check_environment_name(name, &mut errors);
        }
        errors.into_result()
    }
}
