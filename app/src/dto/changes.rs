//! The change feed for API clients: `GET /api/v1/changes`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{ActorType, FieldErrors, Timestamp};

/// Changes per answer at most, and by default.
pub const MAX_CHANGES: u32 = 1_000;
pub const DEFAULT_CHANGES: u32 = 100;
/// The longest long-poll, in seconds.
pub const MAX_CHANGES_WAIT_SECS: u32 = 25;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(deny_unknown_fields)]
pub struct ChangesQuery {
    /// Resume after this revision (a `next_revision`, or any `Canopy-Revision` a write
    /// answered with). Without it the feed starts now: the answer has no changes and the
    /// revision to follow from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Changes per answer, 1–1000 (default 100).
    #[cfg_attr(feature = "ssr", param(minimum = 1, maximum = 1000, default = 100))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// When there is nothing after `after`, wait up to this many seconds (0–25, default 0) for
    /// a change before answering (long-poll).
    #[cfg_attr(feature = "ssr", param(minimum = 0, maximum = 25, default = 0))]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait: Option<u32>,
}

impl ChangesQuery {
    /// The limit and the wait, each checked against its range (a 400 names the bad ones).
    pub fn bounds(&self) -> Result<(u32, u32), FieldErrors> {
        let mut errors = FieldErrors::new();
        let limit = self.limit.unwrap_or(DEFAULT_CHANGES);
        if !(1..=MAX_CHANGES).contains(&limit) {
            errors.add("limit", format!("must be between 1 and {MAX_CHANGES}"));
        }
        let wait = self.wait.unwrap_or(0);
        if wait > MAX_CHANGES_WAIT_SECS {
            errors.add("wait", format!("must be between 0 and {MAX_CHANGES_WAIT_SECS} seconds"));
        }
        errors.into_result().map(|()| (limit, wait))
    }
}

/// One committed change to an assignment, identity, node or role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangeEvent {
    /// The revision of the write this change belongs to: send it as `Canopy-Revision` to read
    /// at least that fresh. Changes of one write share it.
    pub revision: String,
    /// Dotted verb: `assignment.create`, `identity.deactivate`, `node.move`, ...
    pub action: String,
    /// `assignment`, `identity`, `node` or `role`.
    pub target_type: String,
    pub target_id: String,
    pub actor_type: ActorType,
    pub actor_id: Option<String>,
    /// The object before the change (`null` for a create).
    pub before: Option<Value>,
    /// The object after the change (`null` for a delete).
    pub after: Option<Value>,
    pub request_id: Option<String>,
    pub occurred_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ChangesResponse {
    /// In commit order.
    pub changes: Vec<ChangeEvent>,
    /// Where to resume: pass it as `after` next time.
    pub next_revision: String,
    /// More changes are already waiting after `next_revision`.
    pub has_more: bool,
}
