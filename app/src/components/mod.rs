//! Pieces shared by the portal's pages.

pub mod dialog;
pub mod icons;
pub mod picker;
pub mod shell;
pub mod states;
pub mod switcher;
pub mod when;
