//! Who is calling: tokens, passwords and one extractor per principal type.
//!
//! A handler's signature names the principal it accepts (`AdminAuth`, later `ManagementAuth`
//! and `IdentityAuth`); a valid token of another principal type is a 403
//! `wrong_principal_type`, anything missing, malformed, badly signed or expired a 401.

pub mod password;
pub mod tokens;

mod admin;

pub use admin::{AdminAuth, SESSION_COOKIE, session_cookie, clear_session_cookie};
pub use tokens::{Claims, PrincipalKind, TokenKeys};
