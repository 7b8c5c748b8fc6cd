//! Pieces shared by the portal's pages.

pub mod icons;
pub mod shell;
pub mod states;
pub mod switcher;
