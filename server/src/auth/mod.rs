//! Who is calling: tokens, passwords and one extractor per principal type.
//!
//! A handler's signature names the principal it accepts (`AdminAuth`, `ManagementAuth`,
//! `IdentityAuth`); a valid token of another principal type is a 403
//! `wrong_principal_type`, anything missing, malformed, badly signed or expired a 401.

pub mod password;
pub mod tokens;

mod admin;
mod management;

pub use admin::{AdminAuth, SESSION_COOKIE, clear_session_cookie, session_cookie};
pub use management::{
    API_KEY_HEADER, IdentityAuth, ManagementAuth, PrincipalCache, api_key_header as management_api_key,
    verify_api_key as verify_management_key,
};
pub use tokens::{Claims, PrincipalKind, TokenKeys};
