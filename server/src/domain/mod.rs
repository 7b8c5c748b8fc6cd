//! Rules that do no I/O: who a write is by (audit), where a caller stands (tenancy), the node
//! tree's id paths, which roles may be used, API key formats, time, and
//! the versions optimistic concurrency compares.
//! Every feature calls these instead of restating them; the rules the browser shares live in
//! the `app` crate (`app::dto`), e.g. [`app::dto::AssignmentStatus::at`].

pub mod api_key;
pub mod audit;
pub mod node_path;
pub mod proxies;
pub mod role;
pub mod tenancy;
pub mod time;
pub mod version;
