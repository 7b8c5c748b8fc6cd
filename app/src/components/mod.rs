//! Pieces shared by the portal's pages.

pub mod badges;
pub mod chart;
pub mod copy;
pub mod dialog;
pub mod export;
pub mod field_diff;
pub mod form;
pub mod icons;
pub mod node_picker;
pub mod notice;
pub mod page_owned;
pub mod picker;
pub mod shell;
pub mod states;
pub mod switcher;
pub mod table;
pub mod toolbar;
pub mod tree;
pub mod tree_view;
pub mod upload;
pub mod when;
