//! System roles are visible in every environment but reserved for platform administration:
//! they can be neither assigned nor changed. One refusal, one message, wherever it applies
//! (single and bulk assignment writes, role edits, permission set-up).

use app::dto::ApiErrorBody;
use axum::http::StatusCode;

use crate::store::Role;

/// The seed page's sentence for using a system role.
pub const SYSTEM_ROLE_MESSAGE: &str =
    "System roles cannot be assigned to identities — they are reserved for platform administration";

/// The sentence for changing or deleting a system role (or granting it permissions).
pub const SYSTEM_ROLE_EDIT_MESSAGE: &str = "System roles cannot be changed or deleted — they are reserved for platform administration";

/// Why a role cannot be used: it is a system role (400 `system_role`, `details.role_id`).
#[derive(Debug, Clone)]
pub struct SystemRoleRefused {
    pub role_id: String,
    /// The seed's sentence for an assignment, or the edit's.
    pub message: &'static str,
}

impl SystemRoleRefused {
    pub const STATUS: StatusCode = StatusCode::BAD_REQUEST;

    pub fn body(&self) -> ApiErrorBody {
        let mut body = ApiErrorBody::new("system_role", self.message);
        body.details.insert("role_id".into(), self.role_id.clone().into());
        body
    }
}

/// `Ok` for a role that assignments and edits may use.
pub fn usable(role: &Role) -> Result<&Role, SystemRoleRefused> {
    if role.is_system { Err(SystemRoleRefused { role_id: role.id.clone(), message: SYSTEM_ROLE_MESSAGE }) } else { Ok(role) }
}

/// `Ok` for a role that may be changed, deleted or granted permissions.
pub fn editable(role: &Role) -> Result<&Role, SystemRoleRefused> {
    if role.is_system { Err(SystemRoleRefused { role_id: role.id.clone(), message: SYSTEM_ROLE_EDIT_MESSAGE }) } else { Ok(role) }
}
