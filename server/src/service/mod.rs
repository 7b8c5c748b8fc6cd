//! Business rules, written once above the storage trait: who may see what, what makes a write
//! valid, and the audit trail every write leaves.

pub mod access;
pub mod assignments;
pub mod audit;
pub mod directory;
pub mod provisioning;
pub mod sessions;
pub mod tenancy;
