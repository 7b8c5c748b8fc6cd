//! One integration-test binary (one link, one run) over the real router and storage. It runs on
//! SQLite, or on PostgreSQL when `TEST_DATABASE_URL` is set (scripts/test.sh does both).

mod app;
mod assets;
mod assignments;
mod auth;
mod cli;
mod common;
mod demo;
mod directory;
mod fuzz_regressions;
mod index;
mod matrix;
mod openapi;
mod pages;
mod portable_schema;
mod store_contract;
