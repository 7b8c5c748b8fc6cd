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
use rand::Rng;
use server::{
    auth::TokenKeys,
    domain::tenancy::EnvironmentTenancy,
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

    // The key is a write: make it before the server starts, so its start-up load serves the run.
    let (_key, secret) = api_keys::service::create_api_key(store.as_ref(), "bench", "app", "production", "bench", Actor::System).await.unwrap();
    let leptos = leptos::config::LeptosOptions::builder().output_name("canopy").site_root("target/site").build();
    let rss_before_index = support::rss_mib();
    let started = Instant::now();
    // Start-up loads every environment's index (what /readyz waits for).
    let state = AppState::new(store.clone(), TokenKeys::new(b"bench-secret-bench-secret-bench-secret"), ServerConfig::new(Mode::Development), leptos);
    while !state.index.loaded() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let load = started.elapsed();
    let rss_with_index = support::rss_mib();
    let path = store.environment_path(&data.environment_id).await.unwrap().unwrap();
    let tenancy = EnvironmentTenancy { account: path.account, application: path.application, environment: path.environment };
    let index = state.index.current(&tenancy, None).await.expect("the start-up load installed the index");
    let indexed = index.read().assignment_count();
    println!(
        "full load at start-up: {indexed} assignments in {:.2} s; RSS {rss_start:.0} MiB at start, {rss_before_index:.0} MiB before the index, {rss_with_index:.0} MiB with it: {:.0} bytes per assignment",
        load.as_secs_f64(),
        (rss_with_index - rss_before_index) * 1024.0 * 1024.0 / indexed as f64
    );

    // 1. In-process single checks: index, then SQL.
    let mut rng = StdRng::seed_from_u64(7);
    let now = Timestamp::now().as_millis();
    let mut samples = Vec::with_capacity(200_000);
    let mut allowed = 0usize;
    {
        let index = index.read();
        for _ in 0..200_000 {
            let (identity, permission, node) = data.random_check(&mut rng);
            let t = Instant::now();
            let decision = index.check(identity, permission, node, now);
            samples.push(t.elapsed());
            allowed += usize::from(matches!(decision, Decision::Allowed(_)));
        }
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

    // 2-4. Over HTTP, quiet and while writes arrive at 10 per second.
    let router = server::app_router(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let data = Arc::new(data);
    let mut client = support::Client::connect(addr).await;
    for writing in [false, true] {
        let phase = if writing { "10 writes/s" } else { "quiet" };
        let writer = writing.then(|| tokio::spawn(write_steadily(addr, data.clone(), secret.clone(), Duration::from_secs(seconds * 2 + 20))));
        if writing {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        for connections in [8, 32] {
            let (rate, mut latencies) = single_checks(addr, &data, &secret, connections, seconds).await;
            println!("HTTP single checks, {phase}, {connections} connections: {rate:.0} checks/s, {}", support::summary(&mut latencies));
        }
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
        println!("HTTP batch of 1,000, {phase}: {} → {:.0} checks/s at the median", support::summary(&mut batch_times), 1_000.0 / median.as_secs_f64());
        if let Some(writer) = writer {
            writer.abort();
            let same = state.index.current(&tenancy, None).await.expect("current");
            println!("after the writes: the same index object: {}", Arc::ptr_eq(&same, &index));
        }
    }

    // 5. A 10,000-item bulk-create, and how long until the index has it.
    let mut items = Vec::with_capacity(10_000);
    for _ in 0..10_000 {
        let (identity, _, node) = data.random_check(&mut rng);
        let role = &data.roles[rng.gen_range(0..data.roles.len())];
        items.push(format!(r#"{{"identity_id":"{identity}","node_id":"{node}","role_id":"{role}"}}"#));
    }
    let body = format!(r#"{{"assignments":[{}]}}"#, items.join(","));
    let t = Instant::now();
    let (status, head, response) = client.send_with_head("POST", "/api/v1/assignments/bulk-create?mode=partial", &[("x-api-key", &secret)], Some(&body)).await;
    let answered = t.elapsed();
    assert!(status == 200 || status == 207, "{status}: {}", String::from_utf8_lossy(&response));
    let revision = response_revision(head.as_bytes());
    let token = revision.expect("a bulk write answers with its revision");
    let wanted = server::store::Revision::from_token(&token, store.identity().unwrap()).unwrap();
    let t = Instant::now();
    while state.index.current(&tenancy, Some(&wanted)).await.is_none() {}
    let caught_up = t.elapsed();
    let refreshed = state.index.last_refresh().expect("a batch was applied");
    println!(
        "bulk-create of 10,000 over HTTP: answered in {:.0} ms; the index had it {:.0} ms later (the follower read {} events, read the rows in {:.1} ms, applied them in {:.1} ms)",
        answered.as_secs_f64() * 1e3,
        caught_up.as_secs_f64() * 1e3,
        refreshed.events,
        refreshed.read.as_secs_f64() * 1e3,
        refreshed.apply.as_secs_f64() * 1e3
    );

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

/// Single checks over `connections` keep-alive connections for `seconds`: checks per second and
/// every request's latency.
async fn single_checks(addr: std::net::SocketAddr, data: &Arc<support::Data>, secret: &str, connections: usize, seconds: u64) -> (f64, Vec<Duration>) {
    let count = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for c in 0..connections {
        let (data, count, secret) = (data.clone(), count.clone(), secret.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut client = support::Client::connect(addr).await;
            let mut rng = StdRng::seed_from_u64(c as u64);
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let (identity, permission, node) = data.random_check(&mut rng);
                let body = format!(r#"{{"identity_id":"{identity}","permission":"{permission}","node_id":"{node}"}}"#);
                let t = Instant::now();
                let (status, _) = client.post("/api/v1/check", &[("x-api-key", &secret)], &body).await;
                latencies.push(t.elapsed());
                assert_eq!(status, 200);
                count.fetch_add(1, Ordering::Relaxed);
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    (count.load(Ordering::Relaxed) as f64 / seconds as f64, all)
}

/// Ten writes a second through the API (an assignment created, then removed), for `length`.
async fn write_steadily(addr: std::net::SocketAddr, data: Arc<support::Data>, secret: String, length: Duration) {
    let mut client = support::Client::connect(addr).await;
    let mut rng = StdRng::seed_from_u64(99);
    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    let until = Instant::now() + length;
    let mut created: Option<String> = None;
    while Instant::now() < until {
        ticker.tick().await;
        match created.take() {
            Some(id) => {
                let (status, _) = client.send("DELETE", &format!("/api/v1/assignments/{id}"), &[("x-api-key", &secret)], None).await;
                assert_eq!(status, 204);
            }
            None => {
                let (identity, _, node) = data.random_check(&mut rng);
                let role = &data.roles[rng.gen_range(0..data.roles.len())];
                let body = format!(r#"{{"identity_id":"{identity}","node_id":"{node}","role_id":"{role}"}}"#);
                let (status, answer) = client.post("/api/v1/assignments", &[("x-api-key", &secret)], &body).await;
                if status == 201 {
                    let answer: serde_json::Value = serde_json::from_slice(&answer).unwrap();
                    created = answer["id"].as_str().map(str::to_owned);
                }
            }
        }
    }
}

/// The `Canopy-Revision` of a response head, as `send_with_head` returns it.
fn response_revision(headers: &[u8]) -> Option<String> {
    String::from_utf8_lossy(headers).lines().find_map(|line| line.to_lowercase().strip_prefix("canopy-revision:").map(|v| v.trim().to_owned()))
}
