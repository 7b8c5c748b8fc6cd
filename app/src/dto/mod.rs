//! Request and response types shared by the browser and the server.
//!
//! Every type here is serialised exactly as the published API reference shows it, and its
//! validation runs unchanged in the WASM bundle (before a form is sent) and on the server
//! (before anything is written), so the two can never disagree about what is valid.

pub mod access;
pub mod assignment;
pub mod auth;
pub mod changes;
pub mod directory;
pub mod environment;
pub mod error;
pub mod pagination;
pub mod stored;
pub mod timestamp;
pub mod validation;

pub use access::*;
pub use assignment::*;
pub use auth::*;
pub use changes::*;
pub use directory::*;
pub use environment::*;
pub use error::*;
pub use pagination::*;
pub use stored::{ActorType, IdentityStatus, MembershipRole, UnknownWord};
pub use timestamp::Timestamp;
pub use validation::*;
