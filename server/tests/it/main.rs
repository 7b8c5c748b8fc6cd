//! One integration-test binary (one link, one run) over the real router and storage. It runs on
//! SQLite, or on PostgreSQL when `TEST_DATABASE_URL` is set (scripts/test.sh does both).

mod app;
mod assets;
mod audit;
mod assignments;
mod auth;
mod backup;
mod changes;
mod cli;
mod common;
mod concurrency;
mod crash;
mod demo;
mod directory;
mod export;
mod fail_closed;
mod fuzz_regressions;
mod index;
mod index_property;
mod limits;
mod matrix;
mod node_usage;
mod openapi;
mod pages;
mod pg_cluster;
mod portable_schema;
mod process;
mod replicas;
mod security;
mod store_contract;
mod throttle;
