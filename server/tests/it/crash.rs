//! Crash safety: the `canopy` process killed with SIGKILL at random moments of 10,000-item
//! atomic bulk-creates, and started again on the same database, round after round. Each batch
//! is wholly there or wholly absent, with exactly one audit event per row it wrote; a batch the
//! server acknowledged (200) is there; SQLite's own `integrity_check` (Debian's `sqlite3`, as an
//! operator would run it on the file the crash left) says ok; and the server starts again every
//! time. On the suite's backend: SQLite, or PostgreSQL when `TEST_DATABASE_URL` is set.
//!
//! Kill moments: the first round runs a batch to its end to time it (D), and is killed only
//! after the answer. Each further round `r` of [`ROUNDS`] is killed at a moment drawn uniformly
//! from its own stretch `[(r-1)/R, r/R) × 1.2 D` after the request was sent, so the kills cover
//! the upload, the validation, the write and the commit, and a little after it.

use std::{process::Command, time::Instant};

use app::dto::Timestamp;
use rand::{Rng, SeedableRng, rngs::StdRng};
use serde_json::{Value, json};
use server::{
    demo::{self, BenchSizes},
    domain::audit::Actor,
    features::api_keys,
    store,
};

use crate::{common::{self, Inspector}, process::ServerProcess};

/// Killed rounds after the timed one.
const ROUNDS: usize = 10;
const BATCH: usize = 10_000;

const ROWS_AT_NODE: &str = "SELECT count(*) FROM assignments WHERE node_id = $1";
/// The batch's events, found by what they recorded (`->>` reads JSON text on both databases),
/// not through the rows: an event without its row counts too.
const EVENTS_AT_NODE: &str = "SELECT count(*) FROM audit_events WHERE action = 'assignment.create' AND after_state ->> 'application_node_id' = $1";
const ALL_ROWS: &str = "SELECT count(*) FROM assignments";
const ALL_CREATE_EVENTS: &str = "SELECT count(*) FROM audit_events WHERE action = 'assignment.create'";

/// What one round saw.
struct Round {
    kill_after_ms: u128,
    answer: String,
    present: bool,
}

#[tokio::test]
async fn sigkill_during_atomic_bulk_creates_leaves_each_batch_whole_or_absent() {
    let url = common::test_database_url().await;
    let data_dir = tempfile::tempdir().expect("data dir");

    // A tenant of 10,000+ active identities and enough nodes for a batch per round, written
    // before any server runs; the batches differ by node, so each round's rows are its own.
    let (api_key, identities, role, nodes) = {
        let store = store::connect(&url).await.expect("database opens");
        store.migrate().await.expect("migrations apply");
        let sizes = BenchSizes { identities: BATCH + BATCH / 20, nodes: 40, assignments: 0 };
        let generated = demo::generate(&demo::spec::bench(sizes), Timestamp::now().as_millis(), "");
        generated.insert(store.as_ref(), 50_000, |_, _| {}).await.expect("the tenant is written");
        let batch = &generated.batch;
        let identities: Vec<String> = batch.identities.iter().filter(|i| i.status.is_active()).map(|i| i.id.clone()).take(BATCH).collect();
        assert_eq!(identities.len(), BATCH);
        let role = batch.roles.iter().find(|r| !r.is_system).expect("a role").id.clone();
        let nodes: Vec<String> = batch.nodes.iter().map(|n| n.id.clone()).take(ROUNDS + 1).collect();
        let (_, key) = api_keys::service::create_api_key(store.as_ref(), "bench", "app", "production", "crash", Actor::System)
            .await
            .expect("api key");
        (key, identities, role, nodes)
    };
    let body = |node: &str| -> String {
        let items: Vec<Value> = identities.iter().map(|id| json!({ "identity_id": id, "node_id": node, "role_id": role })).collect();
        json!({ "assignments": items }).to_string()
    };

    let seed: u64 = rand::random();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut rounds: Vec<Round> = Vec::new();
    let mut timed_ms = 0u128;
    for (round, node) in nodes.iter().enumerate() {
        let mut server = ServerProcess::start(&url, data_dir.path()).await;
        let (addr, body, key) = (server.addr, body(node), api_key.clone());
        let sent = Instant::now();
        let call = tokio::spawn(async move {
            crate::process::request(addr, "POST", "/api/v1/assignments/bulk-create", &[("x-api-key", &key)], Some(body)).await
        });
        let kill_after_ms = if round == 0 {
            let answer = call.await.expect("the request task");
            let (status, _) = answer.as_ref().expect("the timed round is answered");
            assert_eq!(*status, 200, "the timed batch is accepted");
            timed_ms = sent.elapsed().as_millis();
            server.kill();
            rounds.push(Round { kill_after_ms: timed_ms, answer: "200".into(), present: false });
            timed_ms
        } else {
            let stretch = timed_ms * 12 / 10 / ROUNDS as u128;
            let at = stretch * (round as u128 - 1) + rng.gen_range(0..stretch.max(1));
            tokio::time::sleep(std::time::Duration::from_millis(at as u64).saturating_sub(sent.elapsed())).await;
            server.kill();
            let answer = match call.await.expect("the request task") {
                Ok((status, _)) => status.to_string(),
                Err(_) => "none".to_owned(),
            };
            rounds.push(Round { kill_after_ms: at, answer, present: false });
            at
        };
        drop(server);

        // The file the crash left, as the operator's own sqlite3 sees it.
        if let Some(file) = url.strip_prefix("sqlite://") {
            assert_eq!(system_integrity_check(file), "ok", "round {round} (killed after {kill_after_ms} ms)");
        }
        let mut db = Inspector::open(&url).await;
        let rows = db.count(ROWS_AT_NODE, &[node]).await;
        let audited = db.count(EVENTS_AT_NODE, &[node]).await;
        db.close().await;
        let seen = rounds.last_mut().expect("this round");
        assert!(rows == 0 || rows == BATCH as i64, "round {round}: {rows} of {BATCH} rows (killed after {kill_after_ms} ms)");
        assert_eq!(audited, rows, "round {round}: one assignment.create event per row written");
        if seen.answer == "200" {
            assert_eq!(rows, BATCH as i64, "round {round}: an acknowledged batch is durable");
        } else {
            assert_eq!(seen.answer, "none", "round {round}: a killed request gets no other answer");
        }
        seen.present = rows == BATCH as i64;
    }

    // Nothing else was written: every row and every event belongs to a whole batch.
    let present = rounds.iter().filter(|r| r.present).count() as i64;
    let mut db = Inspector::open(&url).await;
    assert_eq!(db.count(ALL_ROWS, &[]).await, present * BATCH as i64);
    assert_eq!(db.count(ALL_CREATE_EVENTS, &[]).await, present * BATCH as i64);
    db.close().await;
    // And the server starts on what the last kill left.
    ServerProcess::start(&url, data_dir.path()).await;

    eprintln!("crash rounds on {} (seed {seed}, timed batch {timed_ms} ms):", common::backend_name());
    for (round, seen) in rounds.iter().enumerate() {
        eprintln!("  round {round:2}: killed after {:5} ms, answer {:4}, batch {}", seen.kill_after_ms, seen.answer, if seen.present { "present" } else { "absent" });
    }
    let killed_mid_request = rounds.iter().skip(1).filter(|r| r.answer == "none").count();
    assert!(killed_mid_request >= ROUNDS / 2, "most kills land inside the request ({killed_mid_request} of {ROUNDS})");
    assert!(rounds.iter().any(|r| !r.present), "at least one batch was cut off before its commit");
}

fn system_integrity_check(file: &str) -> String {
    let output = Command::new("/usr/bin/sqlite3")
        .args(["-init", "/dev/null", file, "PRAGMA integrity_check;"])
        .output()
        .expect("/usr/bin/sqlite3 runs (install Debian's sqlite3: bash scripts/setup.sh test)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}
