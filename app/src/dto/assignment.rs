//! Role assignments: the seed pages' shapes, letter for letter, and the rules that make a
//! request valid. The portal's dialogs and bulk upload run these same `validate` functions
//! before they send anything, and the server runs them again before it writes.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::{ApiErrorBody, FieldErrors, PageMeta, PageQuery, PageRequest, Timestamp, Validate};

/// Most items one bulk request may carry; more is a 413.
pub const MAX_BULK_ITEMS: usize = 10_000;
/// Longest search term accepted by list endpoints.
pub const MAX_SEARCH_LEN: usize = 200;

/// Computed at read time from the window and the current instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    Active,
    Scheduled,
    Expired,
}

impl AssignmentStatus {
    /// `scheduled` when `from > now`, `expired` when `to <= now`, otherwise `active`.
    pub fn at(effective_from: Option<i64>, effective_to: Option<i64>, now_ms: i64) -> Self {
        match (effective_from, effective_to) {
            (Some(from), _) if from > now_ms => AssignmentStatus::Scheduled,
            (_, Some(to)) if to <= now_ms => AssignmentStatus::Expired,
            _ => AssignmentStatus::Active,
        }
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            AssignmentStatus::Active => "active",
            AssignmentStatus::Scheduled => "scheduled",
            AssignmentStatus::Expired => "expired",
        }
    }

    pub const ALL: [AssignmentStatus; 3] = [AssignmentStatus::Active, AssignmentStatus::Scheduled, AssignmentStatus::Expired];
}

/// Whether the assignment lives on the node the list is about, or on one of its ancestors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AccessType {
    Direct,
    Inherited,
}

impl AccessType {
    pub fn as_str(&self) -> &'static str {
        match self {
            AccessType::Direct => "direct",
            AccessType::Inherited => "inherited",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssignmentSort {
    /// The identity's name.
    Name,
    /// The role's name.
    Role,
    #[default]
    CreatedAt,
}

impl AssignmentSort {
    pub fn as_str(&self) -> &'static str {
        match self {
            AssignmentSort::Name => "name",
            AssignmentSort::Role => "role",
            AssignmentSort::CreatedAt => "created_at",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    Asc,
    #[default]
    Desc,
}

impl SortOrder {
    pub fn as_str(&self) -> &'static str {
        match self {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        }
    }
}

/// The query of the app-wide list (seed page) and of `nodes/{id}/assignments`. Unknown enum
/// values are a 400; `page`/`take` out of range a 400 naming the parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct AssignmentListQuery {
    /// 1-based page number, 1–4294967295 (default 1); out of range is a 400, never clamped.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 4294967295.0, default = 1))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 20); out of range is a 400, never clamped.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 100, default = 20))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take: Option<i64>,
    /// Case-insensitive search over the identity's name and email, the role's and the node's name (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", param(max_length = 200))]
    pub q: Option<String>,
    /// Sort key (default `created_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", param(inline))]
    pub sort_by: Option<AssignmentSort>,
    /// Sort direction (default `desc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", param(inline))]
    pub order: Option<SortOrder>,
    /// Only assignments of this role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
    /// Only assignments with this computed status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", param(inline))]
    pub status: Option<AssignmentStatus>,
    /// Only assignments that live on this node.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_node_id: Option<String>,
}

impl AssignmentListQuery {
    pub fn page_request(&self) -> Result<PageRequest, FieldErrors> {
        page_and_search(self.page, self.take, self.q.as_deref())
    }

    /// The search term, trimmed; `None` when empty.
    pub fn search(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }
}

fn check_search(q: Option<&str>, errors: &mut FieldErrors) {
    if q.is_some_and(|q| q.chars().count() > MAX_SEARCH_LEN) {
        errors.add("q", format!("Search terms are at most {MAX_SEARCH_LEN} characters."));
    }
}

/// Paging plus the search term's length, every problem reported at once.
fn page_and_search(page: Option<i64>, take: Option<i64>, q: Option<&str>) -> Result<PageRequest, FieldErrors> {
    let parsed = PageQuery { page, take }.parse();
    let mut errors = parsed.clone().err().unwrap_or_default();
    check_search(q, &mut errors);
    errors.into_result()?;
    parsed
}

/// `identities/{id}/assignments` (seed page): `sort_by` is one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdentityAssignmentSort {
    #[default]
    CreatedAt,
    UpdatedAt,
    EffectiveFrom,
    EffectiveTo,
    /// The role's name.
    Role,
    /// The node's name.
    Node,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct IdentityAssignmentsQuery {
    /// 1-based page number, 1–4294967295 (default 1); out of range is a 400, never clamped.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 4294967295.0, default = 1))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<i64>,
    /// Items per page, 1–100 (default 20); out of range is a 400, never clamped.
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 100, default = 20))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub take: Option<i64>,
    /// Matches the role's or the node's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", param(max_length = 200))]
    pub q: Option<String>,
    /// Sort key (default `created_at`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", param(inline))]
    pub sort_by: Option<IdentityAssignmentSort>,
    /// Sort direction (default `desc`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", param(inline))]
    pub order: Option<SortOrder>,
    /// Only this environment's assignments (slug); all environments of the application when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

impl IdentityAssignmentsQuery {
    pub fn page_request(&self) -> Result<PageRequest, FieldErrors> {
        page_and_search(self.page, self.take, self.q.as_deref())
    }

    pub fn search(&self) -> Option<&str> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty())
    }
}

/// An assignment as stored (seed: `AssignmentResponseDto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssignmentResponse {
    pub id: String,
    pub identity_id: String,
    pub application_node_id: String,
    pub role_id: String,
    pub effective_from: Option<Timestamp>,
    pub effective_to: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssignmentIdentity {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub name: String,
    pub email: String,
    pub avatar_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssignmentRole {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssignmentDetail {
    pub id: String,
    pub source_node_id: String,
    pub source_node_name: String,
    pub access_type: AccessType,
    pub effective_from: Option<Timestamp>,
    pub effective_to: Option<Timestamp>,
    pub status: AssignmentStatus,
    pub created_at: Timestamp,
}

/// One row of the app-wide list (seed: `IdentityAssignmentRowDto`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssignmentRow {
    pub identity: AssignmentIdentity,
    pub role: AssignmentRole,
    pub assignment: AssignmentDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RoleCount {
    pub role_id: String,
    pub role_name: String,
    pub count: i64,
}

/// `.../assignments/app-wide/summary`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssignmentSummary {
    pub total: i64,
    pub by_status: super::AssignmentStatusCounts,
    /// Every role of the environment, most assignments first.
    pub by_role: Vec<RoleCount>,
    /// Active assignments whose `effective_to` falls within the next 7 days.
    pub expiring_within_7_days: i64,
    /// Active assignments whose `effective_to` falls within the next 30 days (the 7 included).
    pub expiring_within_30_days: i64,
    /// The 30 days' count day by day: entry 0 ends within 24 hours of now, entry 29 in the
    /// 24 hours up to now + 30 days. Sums to `expiring_within_30_days`.
    pub expiring_by_day: Vec<i64>,
}

/// Deserialises a field that may be absent (outer `None`), `null` (`Some(None)`) or a value.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// The validity window of a request: each bound optional, `to` after `from`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

fn parse_bound(field: &str, raw: Option<&str>, errors: &mut FieldErrors) -> Option<Timestamp> {
    let raw = raw?;
    match Timestamp::parse(raw) {
        Ok(ts) => Some(ts),
        Err(message) => {
            errors.add(field, message);
            None
        }
    }
}

fn check_window(window: Window, errors: &mut FieldErrors) {
    if let (Some(from), Some(to)) = (window.from, window.to)
        && to <= from
    {
        errors.add("effective_to", "effective_to must be after effective_from.");
    }
}

fn check_id(field: &str, value: &str, errors: &mut FieldErrors) {
    if value.trim().is_empty() {
        errors.add(field, format!("{field} is required."));
    } else if value.chars().count() > 100 {
        errors.add(field, format!("{field} is too long."));
    }
}

/// `POST .../assignments`: assign a role to an identity at a node. Also one item of
/// `bulk-create` (seed: `BulkCreateAssignmentItemDto`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAssignmentRequest {
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"\S"))]
    pub identity_id: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"\S"))]
    pub node_id: String,
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"\S"))]
    pub role_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = DateTime, example = "2026-04-20T12:00:00Z"))]
    pub effective_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = DateTime, example = "2027-04-20T12:00:00Z"))]
    pub effective_to: Option<String>,
}

impl CreateAssignmentRequest {
    /// The parsed window, or every field problem at once.
    pub fn parse(&self) -> Result<Window, FieldErrors> {
        let mut errors = FieldErrors::new();
        check_id("identity_id", &self.identity_id, &mut errors);
        check_id("node_id", &self.node_id, &mut errors);
        check_id("role_id", &self.role_id, &mut errors);
        let window = Window {
            from: parse_bound("effective_from", self.effective_from.as_deref(), &mut errors),
            to: parse_bound("effective_to", self.effective_to.as_deref(), &mut errors),
        };
        check_window(window, &mut errors);
        errors.into_result().map(|()| window)
    }
}

impl Validate for CreateAssignmentRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        self.parse().map(|_| ())
    }
}

/// `PATCH .../assignments/{id}` (seed page): `role_id` required; a date left out keeps its value,
/// `null` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateAssignmentRequest {
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"\S"))]
    pub role_id: String,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = DateTime, example = "2026-04-20T12:00:00Z"))]
    pub effective_from: Option<Option<String>>,
    #[serde(default, deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ssr", schema(format = DateTime, example = "2027-04-20T12:00:00Z"))]
    pub effective_to: Option<Option<String>>,
}

/// What a PATCH asks for, parsed: `None` keeps the stored bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowChange {
    pub from: Option<Option<Timestamp>>,
    pub to: Option<Option<Timestamp>>,
}

impl WindowChange {
    /// The window after applying this change to the stored one.
    pub fn apply(&self, current: Window) -> Window {
        Window { from: self.from.unwrap_or(current.from), to: self.to.unwrap_or(current.to) }
    }
}

impl UpdateAssignmentRequest {
    /// Field problems of the request on its own (the window is checked again against the
    /// stored bounds by [`UpdateAssignmentRequest::check_against`]).
    pub fn parse(&self) -> Result<WindowChange, FieldErrors> {
        let mut errors = FieldErrors::new();
        check_id("role_id", &self.role_id, &mut errors);
        let bound = |field: &str, value: &Option<Option<String>>, errors: &mut FieldErrors| match value {
            None => None,
            Some(None) => Some(None),
            Some(Some(raw)) => Some(parse_bound(field, Some(raw), errors)),
        };
        let change = WindowChange {
            from: bound("effective_from", &self.effective_from, &mut errors),
            to: bound("effective_to", &self.effective_to, &mut errors),
        };
        check_window(change.apply(Window::default()), &mut errors);
        errors.into_result().map(|()| change)
    }

    /// The window the assignment would have, or a 422-worthy error when `to` is not after `from`.
    pub fn check_against(change: WindowChange, current: Window) -> Result<Window, FieldErrors> {
        let window = change.apply(current);
        let mut errors = FieldErrors::new();
        check_window(window, &mut errors);
        errors.into_result().map(|()| window)
    }
}

impl Validate for UpdateAssignmentRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        self.parse().map(|_| ())
    }
}

/// `POST .../assignments/bulk-create` (seed page).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkCreateAssignmentsRequest {
    #[cfg_attr(feature = "ssr", schema(min_items = 1))]
    pub assignments: Vec<CreateAssignmentRequest>,
}

/// `POST .../assignments/bulk-remove`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkRemoveAssignmentsRequest {
    #[cfg_attr(feature = "ssr", schema(min_items = 1))]
    pub ids: Vec<String>,
}

/// `POST .../assignments/bulk-change-role`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkChangeRoleRequest {
    #[cfg_attr(feature = "ssr", schema(min_items = 1))]
    pub ids: Vec<String>,
    #[cfg_attr(feature = "ssr", schema(min_length = 1, max_length = 100, pattern = r"\S"))]
    pub role_id: String,
}

impl Validate for BulkChangeRoleRequest {
    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        check_id("role_id", &self.role_id, &mut errors);
        errors.into_result()
    }
}

/// `?mode=` of bulk endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BulkMode {
    /// All-or-nothing (the default).
    #[default]
    Atomic,
    /// Valid items are committed, failures reported (207).
    Partial,
}

impl BulkMode {
    pub fn as_str(&self) -> &'static str {
        match self {
            BulkMode::Atomic => "atomic",
            BulkMode::Partial => "partial",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct BulkQuery {
    /// `atomic` (default): all or nothing, 422 when any item fails. `partial`: valid items are committed, 207 with mixed results.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", param(inline))]
    pub mode: Option<BulkMode>,
    /// Validate and report exactly as a real call would, but write nothing.
    #[serde(default)]
    pub dry_run: Option<bool>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkSummary {
    pub total: usize,
    pub succeeded: usize,
    pub failed: usize,
}

/// `results[i].status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BulkItemStatus {
    Success,
    Error,
}

/// One item's outcome: `data` on success; `input` and `error` on failure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct BulkItemResult<T> {
    pub index: usize,
    pub status: BulkItemStatus,
    /// HTTP-style status of this item: 201 created, 200 changed, 404, 409, 422, 424 rolled back...
    pub code: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiErrorBody>,
}

impl<T> BulkItemResult<T> {
    pub fn success(index: usize, code: u16, data: T) -> Self {
        Self { index, status: BulkItemStatus::Success, code, data: Some(data), input: None, error: None }
    }

    pub fn failure(index: usize, code: u16, input: Value, error: ApiErrorBody) -> Self {
        Self { index, status: BulkItemStatus::Error, code, data: None, input: Some(input), error: Some(error) }
    }

    pub fn is_success(&self) -> bool {
        self.status == BulkItemStatus::Success
    }
}

/// The body of every bulk endpoint: 200 all succeeded, 207 mixed (partial), 422 rolled back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct BulkResponse<T> {
    pub summary: BulkSummary,
    pub results: Vec<BulkItemResult<T>>,
}

impl<T> BulkResponse<T> {
    pub fn new(results: Vec<BulkItemResult<T>>) -> Self {
        let succeeded = results.iter().filter(|r| r.is_success()).count();
        Self { summary: BulkSummary { total: results.len(), succeeded, failed: results.len() - succeeded }, results }
    }
}

/// A page of the app-wide list.
pub type AssignmentPage = super::Paginated<AssignmentRow>;

/// Builds a page from rows already cut to the page.
pub fn page_of<T>(items: Vec<T>, request: PageRequest, item_count: u64) -> super::Paginated<T> {
    super::Paginated { items, pagination: PageMeta::new(request, item_count) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_boundaries_follow_the_contract() {
        let now = 1_000;
        assert_eq!(AssignmentStatus::at(None, None, now), AssignmentStatus::Active);
        assert_eq!(AssignmentStatus::at(Some(now), None, now), AssignmentStatus::Active);
        assert_eq!(AssignmentStatus::at(Some(now + 1), None, now), AssignmentStatus::Scheduled);
        assert_eq!(AssignmentStatus::at(None, Some(now), now), AssignmentStatus::Expired);
        assert_eq!(AssignmentStatus::at(None, Some(now + 1), now), AssignmentStatus::Active);
    }

    #[test]
    fn create_request_names_every_bad_field() {
        let request = CreateAssignmentRequest {
            identity_id: " ".into(),
            node_id: "n".into(),
            role_id: "r".into(),
            effective_from: Some("tomorrow".into()),
            effective_to: None,
        };
        let errors = request.validate().unwrap_err();
        assert_eq!(errors.get("identity_id"), Some("identity_id is required."));
        assert!(errors.get("effective_from").unwrap().contains("RFC 3339"));
    }

    #[test]
    fn window_must_move_forward() {
        let request = CreateAssignmentRequest {
            identity_id: "i".into(),
            node_id: "n".into(),
            role_id: "r".into(),
            effective_from: Some("2026-05-01T00:00:00Z".into()),
            effective_to: Some("2026-05-01T02:00:00+02:00".into()),
        };
        assert_eq!(request.validate().unwrap_err().get("effective_to"), Some("effective_to must be after effective_from."));
    }

    #[test]
    fn patch_distinguishes_absent_from_null() {
        let absent: UpdateAssignmentRequest = serde_json::from_str(r#"{"role_id":"r"}"#).unwrap();
        assert_eq!(absent.effective_from, None);
        let cleared: UpdateAssignmentRequest = serde_json::from_str(r#"{"role_id":"r","effective_to":null}"#).unwrap();
        assert_eq!(cleared.effective_to, Some(None));
        let change = cleared.parse().unwrap();
        let stored = Window { from: Timestamp::from_millis(5), to: Timestamp::from_millis(10) };
        assert_eq!(change.apply(stored), Window { from: Timestamp::from_millis(5), to: None });
        assert!(serde_json::from_str::<UpdateAssignmentRequest>(r#"{"effective_to":null}"#).is_err(), "role_id is required");
    }

    #[test]
    fn patch_window_is_checked_against_the_stored_bounds() {
        let request: UpdateAssignmentRequest =
            serde_json::from_str(r#"{"role_id":"r","effective_to":"2026-01-01T00:00:00Z"}"#).unwrap();
        let change = request.parse().unwrap();
        let stored = Window { from: Some(Timestamp::parse("2026-06-01T00:00:00Z").unwrap()), to: None };
        assert!(UpdateAssignmentRequest::check_against(change, stored).is_err());
    }

    #[test]
    fn bulk_summary_counts_outcomes() {
        let results = vec![
            BulkItemResult::success(0, 201, ()),
            BulkItemResult::failure(1, 404, Value::Null, ApiErrorBody::new("not_found", "x")),
        ];
        let response = BulkResponse::new(results);
        assert_eq!(response.summary, BulkSummary { total: 2, succeeded: 1, failed: 1 });
        let json = serde_json::to_value(&response).unwrap();
        assert_eq!(json["results"][0]["status"], "success");
        assert!(json["results"][0].get("error").is_none());
        assert_eq!(json["results"][1]["error"]["code"], "not_found");
    }

    #[test]
    fn list_query_rejects_out_of_range_paging_and_long_searches() {
        let query = AssignmentListQuery { take: Some(101), q: Some("x".repeat(300)), ..Default::default() };
        let errors = query.page_request().unwrap_err();
        assert!(errors.get("take").is_some() && errors.get("q").is_some());
        assert_eq!(AssignmentListQuery::default().page_request().unwrap(), PageRequest { page: 1, take: 20 });
    }
}
