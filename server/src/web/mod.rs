//! The HTTP edge every feature shares: route registration that remembers what it registered,
//! the caller extractors (who is calling, and where), the JSON/query extractors and the one
//! error type, ETags and `If-Match`, `Canopy-Revision` tokens, idempotency keys, bulk result assembly, the OpenAPI document builder, and how the
//! built site (hashed, pre-compressed assets) and unrouted page addresses are served.

pub mod assets;
pub mod bulk;
pub mod callers;
pub mod client;
pub mod conditional;
pub mod error;
pub mod export;
pub mod extract;
pub mod idempotency;
pub mod limits;
pub mod openapi;
pub mod paging;
pub mod registry;
pub mod revision;
pub mod security;
pub mod serve;
