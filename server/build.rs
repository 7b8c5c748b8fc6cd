//! `sqlx::migrate!` embeds migrations/ at compile time, but cargo does not know that: without
//! this, adding a migration file would leave a stale binary that never applies it.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
