//! Checks, effective permissions, identity tokens, API keys and the audit log.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ActorType, FieldErrors, PageQuery, PageRequest, Timestamp, Validate};

/// Most checks one batch may carry.
pub const MAX_BATCH_CHECKS: usize = 1_000;

/// `POST /api/v1/check`, and one item of `check/batch` (with its `correlation_id`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    pub identity_id: String,
    /// `resource.action`
    #[cfg_attr(feature = "ssr", schema(max_length = 129, pattern = r"^[a-z][a-z0-9_-]{0,63}\.[a-z][a-z0-9_-]{0,63}$", example = "invoices.read"))]
    pub permission: String,
    pub node_id: String,
    /// Evaluate at this instant instead of now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

/// Why a check was allowed: the assignment that grants the permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CheckReason {
    pub assignment_id: String,
    pub role_id: String,
    pub source_node_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CheckResponse {
    pub allowed: bool,
    pub reason: Option<CheckReason>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchCheckRequest {
    #[cfg_attr(feature = "ssr", schema(max_items = 1000))]
    pub checks: Vec<CheckRequest>,
    /// A `Canopy-Revision` token (as the header would carry it): every check is answered at
    /// least that fresh. The header works too; when both are sent, the body's wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BatchCheckResponse {
    /// In request order.
    pub results: Vec<CheckResponse>,
}

/// `POST /api/v1/me/check`: the identity is the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MeCheckRequest {
    #[cfg_attr(feature = "ssr", schema(max_length = 129, pattern = r"^[a-z][a-z0-9_-]{0,63}\.[a-z][a-z0-9_-]{0,63}$", example = "invoices.read"))]
    pub permission: String,
    pub node_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct EffectivePermissionsQuery {
    /// Environment slug (portal); the management and identity APIs use their own environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", param(required = true, min_length = 1))]
    pub environment: Option<String>,
    /// Permissions that apply at this node (through it and its ancestors); every node when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_id: Option<String>,
    /// Evaluate at this instant instead of now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Timestamp>,
}

/// One assignment granting a permission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PermissionGrant {
    pub assignment_id: String,
    pub role_id: String,
    pub role_name: String,
    pub source_node_id: String,
    pub source_node_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EffectivePermission {
    pub key: String,
    pub granted_by: Vec<PermissionGrant>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct EffectivePermissionsResponse {
    pub identity_id: String,
    pub environment_id: String,
    pub node_id: Option<String>,
    pub at: Timestamp,
    /// Alphabetically by key.
    pub permissions: Vec<EffectivePermission>,
}

/// `POST /api/v1/identities/{id}/tokens`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentityTokenRequest {
    /// Lifetime in seconds, 60–86,400 (default 3,600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(minimum = 60, maximum = 86400))]
    #[serde(deserialize_with = "super::whole_number::optional")]
    pub expires_in: Option<i64>,
}

impl Validate for IdentityTokenRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.expires_in.is_some_and(|secs| !(60..=86_400).contains(&secs)) {
            errors.add("expires_in", "expires_in must be between 60 and 86400 seconds.");
        }
        errors.into_result()
    }
}

// ------------------------------------------------------------------------------------------------
// API keys
// ------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiKeyResponse {
    pub id: String,
    pub name: String,
    /// The key's first characters, enough to recognise it; the secret is never shown again.
    pub prefix: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"\S"))]
    pub name: String,
}

impl Validate for CreateApiKeyRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.add("name", "Name is required.");
        } else if name.chars().count() > 100 {
            errors.add("name", "Name is at most 100 characters.");
        }
        errors.into_result()
    }
}

/// The only response that ever contains the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKeyResponse,
    pub secret: String,
}

// ------------------------------------------------------------------------------------------------
// Audit
// ------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditEventResponse {
    pub id: String,
    pub environment_id: Option<String>,
    pub actor_type: ActorType,
    pub actor_id: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: Option<String>,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub request_id: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// 1-based page number, 1–4294967295 (default 1); out of range is a 400, never clamped.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 4294967295.0, default = 1))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 20); out of range is a 400, never clamped.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 100, default = 20))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take: Option<i64>,
    /// Environment slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Actor id (admin, API key or identity id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Target id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// An action (`assignment.create`), or a family of actions: `assignment` matches every
    /// `assignment.*`, `role.permissions` every `role.permissions.*`. Lowercase words of letters,
    /// digits and `_`, joined by dots; anything else is a 400. Empty, like an absent one, is
    /// every action.
    #[cfg_attr(feature = "ssr", param(max_length = 100, pattern = r"^([a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*)?$", example = "assignment.create"))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Events at or after this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Timestamp>,
    /// Events before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Timestamp>,
}

/// Whether `action` names an action or a family of actions as the audit log writes them:
/// lowercase words (`a-z`, digits, `_`, starting with a letter) joined by dots, at most 100
/// characters.
pub fn is_audit_action(action: &str) -> bool {
    action.len() <= 100
        && action.split('.').all(|word| {
            let mut chars = word.chars();
            chars.next().is_some_and(|c| c.is_ascii_lowercase())
                && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

/// The actions the audit log records, by family, for pickers: `(action, label)`.
pub const AUDIT_ACTIONS: &[(&str, &str)] = &[
    ("assignment", "Assignments: any change"),
    ("assignment.create", "Assignment created"),
    ("assignment.update", "Assignment changed"),
    ("assignment.delete", "Assignment removed"),
    ("identity", "Identities: any change"),
    ("identity.create", "Identity created"),
    ("identity.update", "Identity changed"),
    ("identity.activate", "Identity activated"),
    ("identity.deactivate", "Identity deactivated"),
    ("identity.delete", "Identity deleted"),
    ("bulk_import.record", "Bulk import recorded"),
    ("node", "Nodes: any change"),
    ("node.create", "Node created"),
    ("node.update", "Node renamed"),
    ("node.move", "Node moved"),
    ("node.delete", "Node deleted"),
    ("role", "Roles: any change"),
    ("role.create", "Role created"),
    ("role.update", "Role changed"),
    ("role.permissions.set", "Role permissions set"),
    ("role.permissions.grant", "Role permissions granted"),
    ("role.delete", "Role deleted"),
    ("resource.create", "Resource created"),
    ("permission.create", "Permission created"),
    ("api_key", "API keys: any change"),
    ("api_key.create", "API key created"),
    ("api_key.revoke", "API key revoked"),
    ("api_key.exchange_throttled", "API key exchange throttled"),
    ("environment", "Environments: any change"),
    ("environment.create", "Environment created"),
    ("environment.update", "Environment changed"),
    ("environment.delete", "Environment deleted"),
    ("admin", "Admins: any event"),
    ("admin.create", "Admin created"),
    ("admin.login", "Admin signed in"),
    ("admin.logout", "Admin signed out"),
    ("admin.login_throttled", "Sign-in throttled"),
    ("demo.seed", "Demo data loaded"),
];

impl AuditQuery {
    /// The page asked for, once the whole query is valid: `to` not before `from`, `action` of
    /// the audit log's form ([`is_audit_action`]). The portal runs this on the URL's filters
    /// before it asks, and the server on every request.
    pub fn page_request(&self) -> Result<PageRequest, FieldErrors> {
        let mut errors = PageQuery { page: self.page, take: self.take }.parse().err().unwrap_or_default();
        if let (Some(from), Some(to)) = (self.from, self.to)
            && to < from
        {
            errors.add("to", "to must not be before from.");
        }
        if let Some(action) = self.action.as_deref().filter(|a| !a.is_empty())
            && !is_audit_action(action)
        {
            errors.add("action", "action must be an action such as assignment.create, or a family such as assignment.");
        }
        errors.into_result()?;
        PageQuery { page: self.page, take: self.take }.parse()
    }
}
