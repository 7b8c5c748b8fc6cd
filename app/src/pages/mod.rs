//! One module per page (or family of pages) of the portal.

pub mod api_keys;
pub mod assignments;
pub mod audit;
pub mod overview;
pub mod home;
pub mod identities;
pub mod list_query;
pub mod login;
pub mod nodes;
pub mod not_found;
pub mod roles;
