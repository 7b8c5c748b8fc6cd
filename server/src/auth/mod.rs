//! Who is calling: tokens, passwords and one extractor per principal type.
//!
//! A handler's signature names the principal it accepts (`AdminAuth`, `ManagementAuth`,
//! `IdentityAuth`); a valid token of another principal type is a 403
//! `wrong_principal_type`, anything missing, malformed, badly signed or expired a 401.

pub mod admin;
pub mod api_key;
pub mod credentials;
mod environment;
pub mod identity;
pub mod management;
pub mod password;
pub mod throttle;
pub mod tokens;

pub use admin::{AdminAuth, SESSION_COOKIE, clear_session_cookie, session_cookie};
pub use credentials::API_KEY_HEADER;
pub use identity::IdentityAuth;
pub use management::{ManagementAuth, PrincipalCache};
pub use tokens::{Claims, PrincipalKind, TokenKeys};
