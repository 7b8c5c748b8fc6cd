//! Canopy's shared crate: DTOs and validation used by browser and server, and the Leptos portal.

pub mod dto;
