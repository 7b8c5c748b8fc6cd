//! Deterministic demo data (being written).
