//! Identities, nodes, roles, resources and permissions: the objects assignments are made of.
//! Request types validate themselves here, for the portal's forms and for the server.

use serde::{Deserialize, Deserializer, Serialize};

use super::{EmailAddress, FieldErrors, PageQuery, PageRequest, SortOrder, Timestamp, Validate};

pub const MAX_NAME_LEN: usize = 100;

fn check_name(field: &str, value: &str, errors: &mut FieldErrors) {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        errors.add(field, format!("{} is required.", label(field)));
    } else if trimmed.chars().count() > MAX_NAME_LEN {
        errors.add(field, format!("{} is at most {MAX_NAME_LEN} characters.", label(field)));
    } else if trimmed.chars().any(char::is_control) {
        errors.add(field, format!("{} cannot contain control characters.", label(field)));
    }
}

fn label(field: &str) -> String {
    let mut text = field.replace('_', " ");
    if let Some(first) = text.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    text
}

/// Deserialises a field that may be absent (outer `None`), `null` (`Some(None)`) or a value.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Paging plus a search term and sort, the query of the simple lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// 1-based page number, 1–4294967295 (default 1); out of range is a 400, never clamped.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 4294967295.0, default = 1))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 20); out of range is a 400, never clamped.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 100, default = 20))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take: Option<i64>,
    /// Case-insensitive search by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Sort direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", param(inline))]
    pub order: Option<SortOrder>,
}

impl ListQuery {
    pub fn page_request(&self) -> Result<PageRequest, FieldErrors> {
        PageQuery { page: self.page, take: self.take }.parse()
    }

    pub fn search(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }
}

// ------------------------------------------------------------------------------------------------
// Nodes
// ------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NodeResponse {
    pub id: String,
    pub parent_id: Option<String>,
    pub name: String,
    /// Level name: `org`, `region`, `team`, `project`, ...
    pub kind: String,
    /// 0 for a root.
    pub depth: i32,
    /// Names from the root, ` / `-separated (`Acme / EMEA / Payments`).
    pub path: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateNodeRequest {
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"))]
    pub name: String,
    #[serde(default)]
    pub parent_id: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"))]
    pub kind: Option<String>,
}

impl Validate for CreateNodeRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        check_name("name", &self.name, &mut errors);
        if let Some(kind) = &self.kind {
            check_name("kind", kind, &mut errors);
        }
        errors.into_result()
    }
}

/// Rename and/or move. `parent_id: null` makes the node a root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateNodeRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"))]
    pub kind: Option<String>,
}

impl Validate for UpdateNodeRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if let Some(name) = &self.name {
            check_name("name", name, &mut errors);
        }
        if let Some(kind) = &self.kind {
            check_name("kind", kind, &mut errors);
        }
        errors.into_result()
    }
}

/// `POST nodes/lookup`: the environment's nodes with these ids, up to
/// [`super::MAX_BULK_ITEMS`]; how the assignments table shows the paths of a page's nodes in
/// one request, whatever the size of the tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NodeLookupRequest {
    pub ids: Vec<String>,
}

impl Validate for NodeLookupRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.ids.len() > super::MAX_BULK_ITEMS {
            errors.add("ids", format!("At most {} values per request.", super::MAX_BULK_ITEMS));
        }
        errors.into_result()
    }
}

/// The nodes found, in the order of the request's ids, each once; ids that match nothing in the
/// environment are simply absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NodeLookupResponse {
    pub items: Vec<NodeResponse>,
}

/// `GET nodes/{id}/usage`: what stands in the way of deleting the node, and what a delete with
/// `cascade=true` removes besides the node itself. The portal's delete dialog shows these counts
/// before the admin decides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NodeUsageResponse {
    /// Direct children of the node.
    pub children: i64,
    /// Every node below it, at any depth: what a cascade deletes with it.
    pub descendants: i64,
    /// Assignments on the node and its descendants: what a cascade deletes with it.
    pub assignments: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct DeleteNodeQuery {
    /// Also delete the node's descendants and every assignment on them; without it a node with children or assignments is a 409.
    #[serde(default)]
    pub cascade: Option<bool>,
}

// ------------------------------------------------------------------------------------------------
// Resources, permissions, roles
// ------------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ResourceResponse {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// The actions that have a permission, alphabetically.
    pub actions: Vec<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PermissionResponse {
    pub id: String,
    pub resource_id: String,
    pub action: String,
    /// `resource.action`
    pub key: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleResponse {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub is_system: bool,
    /// Permission keys the role grants, alphabetically.
    pub permissions: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// Resource and action names: lowercase letters, digits, `_` and `-`, starting with a letter.
pub fn check_identifier(field: &str, value: &str, errors: &mut FieldErrors) {
    let valid = !value.is_empty()
        && value.len() <= 64
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if !valid {
        errors.add(field, "Use 1–64 lowercase letters, digits, '_' or '-', starting with a letter.");
    }
}

/// A permission key, `resource.action`.
pub fn check_permission_key(field: &str, key: &str, errors: &mut FieldErrors) {
    match key.split_once('.') {
        Some((resource, action)) => {
            let mut inner = FieldErrors::new();
            check_identifier(field, resource, &mut inner);
            check_identifier(field, action, &mut inner);
            if !inner.is_empty() {
                errors.add(field, format!("\"{key}\" is not a permission key like invoices.read."));
            }
        }
        None => errors.add(field, format!("\"{key}\" is not a permission key like invoices.read.")),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateRoleRequest {
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"))]
    pub name: String,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 500))]
    pub description: Option<String>,
    /// Permission keys to grant; each must exist in the environment.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(schema_with = super::schemas::permission_keys))]
    pub permissions: Vec<String>,
}

fn check_role_name(value: &str, errors: &mut FieldErrors) {
    check_name("name", value, errors);
}

fn check_description(value: Option<&str>, errors: &mut FieldErrors) {
    if value.is_some_and(|d| d.chars().count() > 500) {
        errors.add("description", "Description is at most 500 characters.");
    }
}

fn check_keys(field: &str, keys: &[String], errors: &mut FieldErrors) {
    for (index, key) in keys.iter().enumerate() {
        check_permission_key(&format!("{field}[{index}]"), key, errors);
    }
}

impl Validate for CreateRoleRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        check_role_name(&self.name, &mut errors);
        check_description(self.description.as_deref(), &mut errors);
        check_keys("permissions", &self.permissions, &mut errors);
        errors.into_result()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateRoleRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(max_length = 500))]
    pub description: Option<Option<String>>,
}

impl Validate for UpdateRoleRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if let Some(name) = &self.name {
            check_role_name(name, &mut errors);
        }
        check_description(self.description.clone().flatten().as_deref(), &mut errors);
        errors.into_result()
    }
}

/// `PUT roles/{id}/permissions`: the role's whole permission set, replaced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetRolePermissionsRequest {
    #[cfg_attr(feature = "ssr", schema(schema_with = super::schemas::permission_keys))]
    pub permissions: Vec<String>,
}

impl Validate for SetRolePermissionsRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        check_keys("permissions", &self.permissions, &mut errors);
        errors.into_result()
    }
}

/// Seed: `BootstrapResourceDto`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BootstrapResource {
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 64, pattern = r"^[a-z][a-z0-9_-]{0,63}$"))]
    pub name: String,
    #[cfg_attr(feature = "ssr", schema(schema_with = super::schemas::identifiers))]
    pub actions: Vec<String>,
}

/// Seed: `ResourcePermissionRoleDto`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResourcePermissionRole {
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"\S"))]
    pub role_id: String,
    #[cfg_attr(feature = "ssr", schema(schema_with = super::schemas::permission_keys))]
    pub permission_keys: Vec<String>,
}

/// `POST setup/resource-permissions` (seed page).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetupResourcePermissionsRequest {
    pub resources: Vec<BootstrapResource>,
    pub role_permissions: Vec<ResourcePermissionRole>,
}

impl Validate for SetupResourcePermissionsRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        for (index, resource) in self.resources.iter().enumerate() {
            check_identifier(&format!("resources[{index}].name"), &resource.name, &mut errors);
            if resource.actions.is_empty() {
                errors.add(format!("resources[{index}].actions"), "List at least one action.");
            }
            for (a, action) in resource.actions.iter().enumerate() {
                check_identifier(&format!("resources[{index}].actions[{a}]"), action, &mut errors);
            }
        }
        for (index, binding) in self.role_permissions.iter().enumerate() {
            if binding.role_id.trim().is_empty() {
                errors.add(format!("role_permissions[{index}].role_id"), "role_id is required.");
            }
            check_keys(&format!("role_permissions[{index}].permission_keys"), &binding.permission_keys, &mut errors);
        }
        errors.into_result()
    }
}

/// Seed: the 201 body.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SetupResourcePermissionsResponse {
    pub permissions_created: usize,
    pub skipped_permissions: usize,
    pub roles_updated: usize,
}

// ------------------------------------------------------------------------------------------------
// Identities
// ------------------------------------------------------------------------------------------------

use super::stored::IdentityStatus;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IdentityResponse {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub name: String,
    pub email: String,
    pub avatar_url: Option<String>,
    pub status: IdentityStatus,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdentitySort {
    #[default]
    Name,
    Email,
    CreatedAt,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct IdentityListQuery {
    /// 1-based page number, 1–4294967295 (default 1); out of range is a 400, never clamped.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 4294967295.0, default = 1))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 20); out of range is a 400, never clamped.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 100, default = 20))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take: Option<i64>,
    /// Name or email contains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    /// Sort key (default `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", param(inline))]
    pub sort_by: Option<IdentitySort>,
    /// Sort direction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", param(inline))]
    pub order: Option<SortOrder>,
    /// Only identities with this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", param(inline))]
    pub status: Option<IdentityStatus>,
}

impl IdentityListQuery {
    pub fn page_request(&self) -> Result<PageRequest, FieldErrors> {
        PageQuery { page: self.page, take: self.take }.parse()
    }

    pub fn search(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }
}

fn check_avatar(value: Option<&str>, errors: &mut FieldErrors) {
    if let Some(url) = value
        && (!(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2048 || url.contains(char::is_whitespace))
    {
        errors.add("avatar_url", "Use an http(s) URL.");
    }
}

/// `POST identities` and one item of `identities/bulk-create`. `name` defaults to
/// "first last".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateIdentityRequest {
    #[cfg_attr(feature = "ssr", schema(format = Email, max_length = 254))]
    pub email: String,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 100))]
    pub first_name: String,
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(max_length = 100))]
    pub last_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(max_length = 100))]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(max_length = 2048, pattern = r"^https?://[!-~]*$"))]
    pub avatar_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<IdentityStatus>,
}

impl CreateIdentityRequest {
    /// The display name: as given, else "first last", else the email's local part.
    pub fn display_name(&self) -> String {
        if let Some(name) = self.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            return name.to_owned();
        }
        let joined = format!("{} {}", self.first_name.trim(), self.last_name.trim()).trim().to_owned();
        if joined.is_empty() { self.email.trim().split('@').next().unwrap_or_default().to_owned() } else { joined }
    }
}

fn check_optional_name(field: &str, value: &str, errors: &mut FieldErrors) {
    if value.chars().count() > MAX_NAME_LEN {
        errors.add(field, format!("{} is at most {MAX_NAME_LEN} characters.", label(field)));
    }
}

impl Validate for CreateIdentityRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if let Err(message) = EmailAddress::parse(&self.email) {
            errors.add("email", message);
        }
        check_optional_name("first_name", &self.first_name, &mut errors);
        check_optional_name("last_name", &self.last_name, &mut errors);
        if let Some(name) = &self.name {
            check_optional_name("name", name, &mut errors);
        }
        check_avatar(self.avatar_url.as_deref(), &mut errors);
        errors.into_result()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateIdentityRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = Email, max_length = 254))]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(max_length = 100))]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(max_length = 100))]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(max_length = 2048, pattern = r"^https?://[!-~]*$"))]
    pub avatar_url: Option<Option<String>>,
}

impl Validate for UpdateIdentityRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if let Some(email) = &self.email
            && let Err(message) = EmailAddress::parse(email)
        {
            errors.add("email", message);
        }
        for (field, value) in [("first_name", &self.first_name), ("last_name", &self.last_name)] {
            if let Some(value) = value {
                check_optional_name(field, value, &mut errors);
            }
        }
        if let Some(name) = &self.name {
            check_name("name", name, &mut errors);
        }
        check_avatar(self.avatar_url.clone().flatten().as_deref(), &mut errors);
        errors.into_result()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkCreateIdentitiesRequest {
    #[cfg_attr(feature = "ssr", schema(min_items = 1))]
    pub identities: Vec<CreateIdentityRequest>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IdentitySummary {
    pub total: i64,
    pub active: i64,
    pub inactive: i64,
    /// Identities with at least one assignment in any environment of the application.
    pub with_assignments: i64,
    pub without_assignments: i64,
}

/// An identity with its assignments (`identities/{id}/detail`, `identities/with-assignments`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IdentityWithAssignments {
    #[serde(flatten)]
    pub identity: IdentityResponse,
    pub assignments: Vec<IdentityAssignment>,
}

/// One assignment as an identity's detail shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IdentityAssignment {
    pub id: String,
    pub environment_id: String,
    pub environment_slug: String,
    pub role_id: String,
    pub role_name: String,
    pub node_id: String,
    pub node_name: String,
    pub node_path: String,
    pub effective_from: Option<Timestamp>,
    pub effective_to: Option<Timestamp>,
    pub status: super::AssignmentStatus,
    pub created_at: Timestamp,
}

/// `POST identities/lookup`: find identities by email (case-insensitively) or id, up to
/// [`super::MAX_BULK_ITEMS`] of each; how a bulk upload turns a file's emails into ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IdentityLookupRequest {
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub ids: Vec<String>,
}

impl Validate for IdentityLookupRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        for (field, values) in [("emails", &self.emails), ("ids", &self.ids)] {
            if values.len() > super::MAX_BULK_ITEMS {
                errors.add(field, format!("At most {} values per request.", super::MAX_BULK_ITEMS));
            }
        }
        errors.into_result()
    }
}

/// The identities found; values that match nothing are simply absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct IdentityLookupResponse {
    pub items: Vec<IdentityResponse>,
}

/// `POST identities/bulk-imports`: the portal records a finished bulk-import wizard run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RecordBulkImportRequest {
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"))]
    pub file_name: String,
    /// Environment slug the rows went to, when the import was of assignments.
    #[serde(default)]
    pub environment: Option<String>,
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 2147483647))]
    #[serde(deserialize_with = "super::whole_number::required")]
    pub total_rows: i64,
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 2147483647))]
    #[serde(deserialize_with = "super::whole_number::required")]
    pub succeeded: i64,
    #[cfg_attr(feature = "ssr", schema(minimum = 0, maximum = 2147483647))]
    #[serde(deserialize_with = "super::whole_number::required")]
    pub failed: i64,
    pub mode: super::BulkMode,
}

impl Validate for RecordBulkImportRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        check_name("file_name", &self.file_name, &mut errors);
        for (field, value) in [("total_rows", self.total_rows), ("succeeded", self.succeeded), ("failed", self.failed)] {
            if value < 0 {
                errors.add(field, "Counts cannot be negative.");
            } else if value > i64::from(i32::MAX) {
                // What a 32-bit INTEGER column holds (PostgreSQL's); beyond, the write failed
                // with a misleading "refers to something that does not exist".
                errors.add(field, format!("Counts are at most {}.", i32::MAX));
            }
        }
        if self.succeeded + self.failed > self.total_rows {
            errors.add("total_rows", "succeeded + failed cannot exceed total_rows.");
        }
        errors.into_result()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkImportResponse {
    pub id: String,
    pub file_name: String,
    pub environment_id: Option<String>,
    pub total_rows: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub mode: super::BulkMode,
    pub created_by_admin_id: Option<String>,
    pub created_at: Timestamp,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_display_name_falls_back_sensibly() {
        let mut request = CreateIdentityRequest { email: "ada@acme.example".into(), ..Default::default() };
        assert_eq!(request.display_name(), "ada");
        request.first_name = "Ada".into();
        request.last_name = "Lovelace".into();
        assert_eq!(request.display_name(), "Ada Lovelace");
        request.name = Some("Countess".into());
        assert_eq!(request.display_name(), "Countess");
    }

    #[test]
    fn permission_keys_are_resource_dot_action() {
        let mut errors = FieldErrors::new();
        check_permission_key("k", "invoices.read", &mut errors);
        assert!(errors.is_empty());
        for bad in ["invoices", "Invoices.read", "invoices.", ".read", "in voices.read", "a.b.c"] {
            let mut errors = FieldErrors::new();
            check_permission_key("k", bad, &mut errors);
            assert!(!errors.is_empty(), "{bad}");
        }
    }

    #[test]
    fn setup_request_names_each_bad_entry() {
        let request = SetupResourcePermissionsRequest {
            resources: vec![BootstrapResource { name: "Notes".into(), actions: vec!["read".into(), "".into()] }],
            role_permissions: vec![ResourcePermissionRole { role_id: "r".into(), permission_keys: vec!["notes".into()] }],
        };
        let errors = request.validate().unwrap_err();
        assert!(errors.get("resources[0].name").is_some());
        assert!(errors.get("resources[0].actions[1]").is_some());
        assert!(errors.get("role_permissions[0].permission_keys[0]").is_some());
    }

    #[test]
    fn node_names_are_required_and_bounded() {
        assert!(CreateNodeRequest { name: " ".into(), ..Default::default() }.validate().is_err());
        assert!(CreateNodeRequest { name: "x".repeat(101), ..Default::default() }.validate().is_err());
        assert!(CreateNodeRequest { name: "EMEA".into(), ..Default::default() }.validate().is_ok());
        let moved: UpdateNodeRequest = serde_json::from_str(r#"{"parent_id":null}"#).unwrap();
        assert_eq!(moved.parent_id, Some(None));
    }
}
