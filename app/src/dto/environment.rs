//! An environment as the dashboard shows it.

use serde::{Deserialize, Serialize};

use super::Timestamp;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentStatusCounts {
    pub active: i64,
    pub scheduled: i64,
    pub expired: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentCounts {
    pub nodes: i64,
    /// Identities belong to the application; every environment shares them.
    pub identities: i64,
    pub roles: i64,
    pub permissions: i64,
    pub assignments: AssignmentStatusCounts,
    /// Active assignments whose `effective_to` falls within the next 7 days.
    pub expiring_within_7_days: i64,
}

/// `GET /portal/v1/accounts/{accountSlug}/applications/{appSlug}/environments/{envSlug}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentResponse {
    pub id: String,
    pub application_id: String,
    pub slug: String,
    pub name: String,
    pub created_at: Timestamp,
    pub counts: EnvironmentCounts,
}
