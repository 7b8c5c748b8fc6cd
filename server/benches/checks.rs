//! Checks benchmark (issue 4): on a generated environment with 1,000,000 assignments,
//! 100,000 identities and 2,000 nodes,
//! - a single check in-process (the in-memory index, and the SQL path for comparison): p50/p99;
//! - single checks over HTTP (`POST /api/v1/check`, keep-alive connections, the load generator in
//!   this same process on the same 2 cores): checks per second;
//! - batch checks over HTTP (`POST /api/v1/check/batch`, 1,000 per request): checks per second;
//! - effective permissions over HTTP (portal endpoint): p50/p99;
//! - the process's resident memory before and after the dataset is indexed.
//!
//! `cargo bench -p server --bench checks -- [--assignments N] [--identities N] [--nodes N] [--seconds S]`
//! (`--help` lists them), on the dataset `server::demo::spec::bench` generates; SQLite by default,
//! PostgreSQL when `TEST_DATABASE_URL` names a server (scripts/with-postgres.sh sets it).

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use app::dto::Timestamp;
use rand::{SeedableRng, rngs::StdRng};
use server::{
    auth::TokenKeys,
    config::{Mode, ServerConfig},
    demo::BenchSizes,
    index::Decision,
    domain::audit::Actor,
    features::api_keys,
    state::AppState,
};

mod support;

const USAGE: &str = "\
cargo bench -p server --bench checks -- [options]

  --assignments N    dataset size (default 1000000)
  --identities N     (default 100000)
  --nodes N          node tree size, depth 4, at least 4 (default 2000)
  --seconds S        how long each HTTP single-check run lasts (default 10)";

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        return;
    }
    let arg = |name: &str, default: usize| {
        args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
    };
    let spec = BenchSizes { assignments: arg("--assignments", 1_000_000), identities: arg("--identities", 100_000), nodes: arg("--nodes", 2_000) };
    let seconds = arg("--seconds", 10) as u64;

    let rss_start = support::rss_mib();
    let (store, backend, _scratch) = support::open_store().await;
    let started = Instant::now();
    let data = support::generate(store.as_ref(), spec).await;
    println!("dataset on {backend}: {} assignments, {} identities, {} nodes generated in {:.1} s", spec.assignments, spec.identities, spec.nodes, started.elapsed().as_secs_f64());

    let leptos = leptos::config::LeptosOptions::builder().output_name("canopy").site_root("target/site").build();
    let state = AppState::new(store.clone(), TokenKeys::new(b"bench-secret-bench-secret-bench-secret"), ServerConfig::new(Mode::Development), leptos);
    // The key is a write: make it before the index is built, so one build serves the whole run.
    let (_key, secret) = api_keys::service::create_api_key(store.as_ref(), "bench", "app", "production", "bench", Actor::System).await.unwrap();
    let rss_before_index = support::rss_mib();
    let started = Instant::now();
    let index = state.index.rebuild(&data.environment_id, &data.application_id).await.expect("index builds");
    println!("index built in {:.2} s; RSS {rss_start:.0} MiB at start, {rss_before_index:.0} MiB before the index, {:.0} MiB with it", started.elapsed().as_secs_f64(), support::rss_mib());

    // 1. In-process single checks: index, then SQL.
    let mut rng = StdRng::seed_from_u64(7);
    let now = Timestamp::now().as_millis();
    let mut samples = Vec::with_capacity(200_000);
    let mut allowed = 0usize;
    for _ in 0..200_000 {
        let (identity, permission, node) = data.random_check(&mut rng);
        let t = Instant::now();
        let decision = index.check(identity, permission, node, now);
        samples.push(t.elapsed());
        allowed += usize::from(matches!(decision, Decision::Allowed(_)));
    }
    println!("in-process check (index): {} ({allowed} of 200000 allowed)", support::summary(&mut samples));
    let mut sql = Vec::new();
    for _ in 0..2_000 {
        let (identity, permission, node) = data.random_check(&mut rng);
        let path = data.lineage(node);
        let t = Instant::now();
        let _ = store.grants(&data.environment_id, &[identity], Some(&path), Some(permission), now).await.unwrap();
        sql.push(t.elapsed());
    }
    println!("in-process check (SQL, for comparison): {}", support::summary(&mut sql));

    // 2-4. Over HTTP.
    assert!(state.index.current(&data.environment_id, &data.application_id).is_some(), "the index is still current");
    let router = server::app_router(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let data = Arc::new(data);
    for connections in [8, 32] {
        let count = Arc::new(AtomicU64::new(0));
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let mut tasks = Vec::new();
        for c in 0..connections {
            let (data, count, secret) = (data.clone(), count.clone(), secret.clone());
            tasks.push(tokio::spawn(async move {
                let mut client = support::Client::connect(addr).await;
                let mut rng = StdRng::seed_from_u64(c as u64);
                while Instant::now() < deadline {
                    let (identity, permission, node) = data.random_check(&mut rng);
                    let body = format!(r#"{{"identity_id":"{identity}","permission":"{permission}","node_id":"{node}"}}"#);
                    let (status, _) = client.post("/api/v1/check", &[("x-api-key", &secret)], &body).await;
                    assert_eq!(status, 200);
                    count.fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let total = count.load(Ordering::Relaxed);
        println!("HTTP single checks, {connections} connections: {:.0} checks/s ({total} in {seconds} s)", total as f64 / seconds as f64);
    }

    let mut client = support::Client::connect(addr).await;
    let mut batch_times = Vec::new();
    for round in 0..30 {
        let mut checks = Vec::with_capacity(1_000);
        for n in 0..1_000 {
            let (identity, permission, node) = data.random_check(&mut rng);
            checks.push(format!(r#"{{"identity_id":"{identity}","permission":"{permission}","node_id":"{node}","correlation_id":"{round}-{n}"}}"#));
        }
        let body = format!(r#"{{"checks":[{}]}}"#, checks.join(","));
        let t = Instant::now();
        let (status, response) = client.post("/api/v1/check/batch", &[("x-api-key", &secret)], &body).await;
        batch_times.push(t.elapsed());
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&response));
    }
    let median = support::percentile(&mut batch_times, 50.0);
    println!("HTTP batch of 1,000: {} → {:.0} checks/s at the median", support::summary(&mut batch_times), 1_000.0 / median.as_secs_f64());

    let token = support::admin_token(&mut client, store.as_ref()).await;
    let mut effective = Vec::new();
    for _ in 0..500 {
        let (identity, _, node) = data.random_check(&mut rng);
        let path = format!("/portal/v1/accounts/bench/applications/app/identities/{identity}/effective-permissions?environment=production&node_id={node}");
        let t = Instant::now();
        let (status, _) = client.get(&path, &[("authorization", &format!("Bearer {token}"))]).await;
        effective.push(t.elapsed());
        assert_eq!(status, 200);
    }
    println!("HTTP effective permissions: {}", support::summary(&mut effective));
    println!("RSS at the end: {:.0} MiB", support::rss_mib());
}

