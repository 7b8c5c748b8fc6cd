//! What the benchmarks share: the generated tenant of any size (`server::demo`) written through
//! the real store, a minimal keep-alive HTTP/1.1 client (cheap, so the load generator steals
//! little CPU from the server on the same cores), latency summaries and the process's resident
//! memory.

#![allow(dead_code)]

use std::{net::SocketAddr, sync::Arc, time::Duration};

use app::dto::Timestamp;
use rand::{Rng, rngs::StdRng};
use server::{
    demo::{self, BenchSizes},
    store::{self, Node, Store},
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// A database for the run: SQLite in a temporary directory, or a fresh database on the
/// PostgreSQL server named by `TEST_DATABASE_URL`. The returned guard removes the SQLite file.
pub async fn open_store() -> (Arc<Store>, &'static str, Option<tempfile::TempDir>) {
    match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        Some(server_url) => {
            use sqlx::Connection;
            let name = format!("canopy_bench_{}", uuid::Uuid::new_v4().simple());
            let mut admin = sqlx::PgConnection::connect(&server_url).await.expect("TEST_DATABASE_URL reachable");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await.unwrap();
            let (base, _) = server_url.rsplit_once('/').unwrap();
            let store = store::connect(&format!("{base}/{name}")).await.unwrap();
            store.migrate().await.unwrap();
            (store, "postgres", None)
        }
        None => {
            let dir = tempfile::tempdir().unwrap();
            let store = store::connect(&format!("sqlite://{}/bench.db", dir.path().display())).await.unwrap();
            store.migrate().await.unwrap();
            (store, "sqlite", Some(dir))
        }
    }
}

/// The generated tenant's ids, for building requests.
pub struct Data {
    pub environment_id: String,
    pub application_id: String,
    pub identities: Vec<String>,
    pub nodes: Vec<Node>,
    pub permissions: Vec<String>,
    /// Non-system roles.
    pub roles: Vec<String>,
}

impl Data {
    /// A random (identity, permission, node) triple.
    pub fn random_check(&self, rng: &mut StdRng) -> (&str, &str, &str) {
        (
            &self.identities[rng.gen_range(0..self.identities.len())],
            &self.permissions[rng.gen_range(0..self.permissions.len())],
            &self.nodes[rng.gen_range(0..self.nodes.len())].id,
        )
    }

    pub fn lineage(&self, node_id: &str) -> Vec<String> {
        let node = self.nodes.iter().find(|n| n.id == node_id).expect("a generated node");
        node.id_path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect()
    }
}

/// The benchmarks' tenant (`demo::spec::bench`: account `bench`, application `app`,
/// environment `production`) of the given size, written in batches of 50,000 assignments.
pub async fn generate(store: &Store, sizes: BenchSizes) -> Data {
    let generated = demo::generate(&demo::spec::bench(sizes), Timestamp::now().as_millis(), "");
    generated.insert(store, 50_000, |_, _| {}).await.expect("the dataset is written");
    let batch = &generated.batch;
    Data {
        environment_id: batch.environments[0].id.clone(),
        application_id: batch.applications[0].id.clone(),
        identities: batch.identities.iter().map(|identity| identity.id.clone()).collect(),
        nodes: batch.nodes.clone(),
        permissions: batch.permissions.iter().map(|permission| permission.key.clone()).collect(),
        roles: batch.roles.iter().filter(|role| !role.is_system).map(|role| role.id.clone()).collect(),
    }
}

/// A keep-alive HTTP/1.1 connection that reads `Content-Length` bodies (what axum sends for JSON).
pub struct Client {
    stream: TcpStream,
    addr: SocketAddr,
    buffer: Vec<u8>,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.expect("server reachable");
        stream.set_nodelay(true).unwrap();
        Self { stream, addr, buffer: Vec::with_capacity(64 * 1024) }
    }

    pub async fn get(&mut self, path: &str, headers: &[(&str, &str)]) -> (u16, Vec<u8>) {
        self.send("GET", path, headers, None).await
    }

    pub async fn post(&mut self, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, Vec<u8>) {
        self.send("POST", path, headers, Some(body)).await
    }

    pub async fn send(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> (u16, Vec<u8>) {
        let (status, _, body) = self.send_with_head(method, path, headers, body).await;
        (status, body)
    }

    /// [`Client::send`], with the response's head (status line and headers, lowercased).
    pub async fn send_with_head(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&str>) -> (u16, String, Vec<u8>) {
        let mut request = format!("{method} {path} HTTP/1.1\r\nhost: {}\r\n", self.addr);
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = body {
            request.push_str(&format!("content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len()));
        } else {
            request.push_str("\r\n");
        }
        self.stream.write_all(request.as_bytes()).await.unwrap();
        self.buffer.clear();
        loop {
            if let Some(end) = find(&self.buffer, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buffer[..end]).to_lowercase();
                let status: u16 = head[9..12].parse().unwrap();
                let length: usize = head
                    .lines()
                    .find_map(|line| line.strip_prefix("content-length:"))
                    .map(|v| v.trim().parse().unwrap())
                    .unwrap_or(0);
                while self.buffer.len() < end + 4 + length {
                    self.read_more().await;
                }
                let body = self.buffer[end + 4..end + 4 + length].to_vec();
                return (status, head, body);
            }
            self.read_more().await;
        }
    }

    async fn read_more(&mut self) {
        let mut chunk = [0u8; 64 * 1024];
        let read = self.stream.read(&mut chunk).await.unwrap();
        assert!(read > 0, "connection closed");
        self.buffer.extend_from_slice(&chunk[..read]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// An admin of the `bench` account, signed in.
pub async fn admin_token(client: &mut Client, store: &Store) -> String {
    server::features::install::service::create_admin(store, "bench@bench.example", "bench-password", "bench").await.expect("admin");
    let (status, body) = client.post("/portal/v1/auth/login", &[], r#"{"email":"bench@bench.example","password":"bench-password"}"#).await;
    assert_eq!(status, 200);
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    json["access_token"].as_str().unwrap().to_owned()
}

pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let rank = ((p / 100.0) * (samples.len() as f64 - 1.0)).round() as usize;
    samples[rank.min(samples.len() - 1)]
}

/// `p50 … p95 … p99 … max` in milliseconds.
pub fn summary(samples: &mut [Duration]) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1_000.0;
    let (p50, p95, p99) = (percentile(samples, 50.0), percentile(samples, 95.0), percentile(samples, 99.0));
    format!(
        "p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms (n = {})",
        ms(p50),
        ms(p95),
        ms(p99),
        ms(*samples.last().unwrap()),
        samples.len()
    )
}

/// Resident memory of this process, from /proc.
pub fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| status.lines().find_map(|l| l.strip_prefix("VmRSS:")).map(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().unwrap_or(0.0)))
        .unwrap_or(0.0)
        / 1024.0
}
