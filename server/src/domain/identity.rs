//! An identity's status as stored (`identities.status`, `active` or `inactive`): the one place
//! that reads the column's text. Inactive identities get no roles, no tokens and no permissions.

use app::dto::IdentityStatus;

/// The status a stored value stands for; anything but `active` is treated as inactive, so an
/// unexpected value never grants access.
pub fn status(stored: &str) -> IdentityStatus {
    if stored == IdentityStatus::Active.as_str() { IdentityStatus::Active } else { IdentityStatus::Inactive }
}

pub fn is_active(stored: &str) -> bool {
    status(stored) == IdentityStatus::Active
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_active_is_active() {
        assert_eq!(status("active"), IdentityStatus::Active);
        assert_eq!(status("inactive"), IdentityStatus::Inactive);
        assert!(!is_active("suspended"));
    }
}
