//! Canopy's server: REST API, authentication, services, storage and server-side rendering.

pub mod demo;
pub mod store;
