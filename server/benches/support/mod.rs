//! What the benchmarks share: a generated tenant of any size written through the real store, a
//! minimal keep-alive HTTP/1.1 client (cheap, so the load generator steals little CPU from the
//! server on the same cores), latency summaries and the process's resident memory.

#![allow(dead_code)]

use std::{net::SocketAddr, sync::Arc, time::Duration};

use app::dto::Timestamp;
use rand::{Rng, SeedableRng, rngs::StdRng};
use server::{
    ids::new_id,
    store::{
        self, Account, Application, Assignment, Environment, Identity, InsertBatch, Node, Permission, Resource, Role,
        RolePermission, Store,
    },
};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

pub struct Spec {
    pub assignments: usize,
    pub identities: usize,
    pub nodes: usize,
}

/// A database for the run: SQLite in a temporary directory, or a fresh database on the
/// PostgreSQL server named by `TEST_DATABASE_URL`. The returned guard removes the SQLite file.
pub async fn open_store() -> (Arc<dyn Store>, &'static str, Option<tempfile::TempDir>) {
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

const RESOURCES: [(&str, &[&str]); 4] = [
    ("invoices", &["read", "create", "update", "delete", "approve", "send"]),
    ("payments", &["read", "capture", "refund", "void"]),
    ("customers", &["read", "create", "update", "delete"]),
    ("reports", &["read", "export", "schedule"]),
];

/// Account `bench`, application `app`, environment `production`: a tree of `nodes` nodes four
/// levels deep, `identities` identities (2% inactive), roles viewer / editor / admin / a system
/// role, and `assignments` assignments with unique (identity, node, role), 80% active, 10%
/// scheduled, 10% expired, created over the past year. Deterministic (fixed seed).
pub async fn generate(store: &dyn Store, spec: &Spec) -> Data {
    const DAY: i64 = 86_400_000;
    let mut rng = StdRng::seed_from_u64(42);
    let now = Timestamp::now().as_millis();
    let account = Account { id: new_id(), slug: "bench".into(), name: "Bench".into(), created_at: now - 400 * DAY };
    let application = Application { id: new_id(), account_id: account.id.clone(), slug: "app".into(), name: "App".into(), created_at: account.created_at };
    let env = Environment { id: new_id(), application_id: application.id.clone(), slug: "production".into(), name: "Production".into(), created_at: account.created_at };
    let mut head = InsertBatch { accounts: vec![account], applications: vec![application.clone()], environments: vec![env.clone()], ..Default::default() };

    // Tree: 1 root, then levels of growing width until `nodes` is reached.
    let mut nodes: Vec<Node> = Vec::with_capacity(spec.nodes);
    let kinds = ["org", "region", "team", "project"];
    let root_id = new_id();
    nodes.push(Node {
        id: root_id.clone(),
        environment_id: env.id.clone(),
        parent_id: None,
        name: "Root".into(),
        kind: "org".into(),
        id_path: format!("/{root_id}/"),
        path: "Root".into(),
        depth: 0,
        created_at: env.created_at,
        updated_at: env.created_at,
    });
    let widths = [1usize, 10, 200];
    while nodes.len() < spec.nodes {
        let n = nodes.len();
        // Parent: nodes of the previous level, spread evenly.
        let depth = if n <= widths[1] { 1 } else if n <= widths[1] + widths[2] { 2 } else { 3 };
        let candidates: Vec<&Node> = nodes.iter().filter(|p| p.depth == depth - 1).collect();
        let parent = candidates[n % candidates.len()].clone();
        let id = new_id();
        let name = format!("{} {n}", kinds[depth as usize]);
        nodes.push(Node {
            id_path: format!("{}{id}/", parent.id_path),
            path: format!("{} / {name}", parent.path),
            id,
            environment_id: env.id.clone(),
            parent_id: Some(parent.id.clone()),
            name,
            kind: kinds[depth as usize].into(),
            depth,
            created_at: env.created_at,
            updated_at: env.created_at,
        });
    }
    head.nodes = nodes.clone();

    let mut permission_keys = Vec::new();
    for (name, actions) in RESOURCES {
        let resource = Resource { id: new_id(), environment_id: env.id.clone(), name: name.into(), description: None, created_at: env.created_at };
        for action in actions {
            let key = format!("{name}.{action}");
            head.permissions.push(Permission { id: new_id(), environment_id: env.id.clone(), resource_id: resource.id.clone(), action: (*action).into(), key: key.clone(), created_at: env.created_at });
            permission_keys.push(key);
        }
        head.resources.push(resource);
    }
    /// Name, is it a system role, which permission keys it grants.
    type RoleSpec<'a> = (&'a str, bool, &'a dyn Fn(&str) -> bool);
    let role_specs: [RoleSpec; 4] = [
        ("viewer", false, &|key| key.ends_with(".read")),
        ("editor", false, &|key| !key.ends_with(".delete") && !key.ends_with(".refund")),
        ("admin", false, &|_| true),
        ("platform-admin", true, &|_| true),
    ];
    let mut role_ids = Vec::new();
    for (name, is_system, grants) in role_specs {
        let role = Role { id: new_id(), environment_id: env.id.clone(), name: name.into(), description: None, is_system, created_at: env.created_at, updated_at: env.created_at };
        for permission in &head.permissions {
            if grants(&permission.key) {
                head.role_permissions.push(RolePermission { role_id: role.id.clone(), permission_id: permission.id.clone() });
            }
        }
        if !is_system {
            role_ids.push(role.id.clone());
        }
        head.roles.push(role);
    }
    store.insert_batch(&head).await.expect("tenant");

    let mut identities = Vec::with_capacity(spec.identities);
    for chunk_start in (0..spec.identities).step_by(20_000) {
        let mut batch = InsertBatch::default();
        for n in chunk_start..(chunk_start + 20_000).min(spec.identities) {
            let email = format!("person{n}@bench.example");
            let identity = Identity {
                id: new_id(),
                application_id: application.id.clone(),
                first_name: format!("First{}", n % 997),
                last_name: format!("Last{n}"),
                name: format!("First{} Last{n}", n % 997),
                email_normalized: email.clone(),
                email,
                avatar_url: None,
                status: if n % 50 == 0 { "inactive" } else { "active" }.into(),
                created_at: now - 300 * DAY,
                updated_at: now - 300 * DAY,
            };
            identities.push(identity.id.clone());
            batch.identities.push(identity);
        }
        store.insert_batch(&batch).await.expect("identities");
    }

    // Assignments: identity n gets ~assignments/identities rows at distinct (node, role) pairs.
    let per_identity = spec.assignments.div_ceil(spec.identities.max(1));
    let mut written = 0;
    let mut batch = InsertBatch::default();
    'outer: for (i, identity) in identities.iter().enumerate() {
        let mut used = std::collections::HashSet::new();
        for k in 0..per_identity {
            if written == spec.assignments {
                break 'outer;
            }
            let node = &nodes[(i * 31 + k * 97 + rng.gen_range(0..nodes.len())) % nodes.len()];
            let role = &role_ids[(i + k) % role_ids.len()];
            if !used.insert((node.id.as_str(), role.as_str())) {
                continue;
            }
            let created_at = now - rng.gen_range(1..365) * DAY;
            let (from, to) = match rng.gen_range(0..10) {
                0 => (Some(now + rng.gen_range(1..60) * DAY), None),
                1 => (Some(created_at), Some(now - rng.gen_range(1..30) * DAY)),
                2 => (Some(created_at), Some(now + rng.gen_range(1..90) * DAY)),
                _ => (None, None),
            };
            batch.assignments.push(Assignment {
                id: new_id(),
                environment_id: env.id.clone(),
                identity_id: identity.clone(),
                node_id: node.id.clone(),
                role_id: role.clone(),
                effective_from: from,
                effective_to: to.filter(|t| from.is_none_or(|f| *t > f)),
                created_at,
                updated_at: created_at,
            });
            written += 1;
            if batch.assignments.len() == 50_000 {
                store.insert_batch(&std::mem::take(&mut batch)).await.expect("assignments");
            }
        }
    }
    store.insert_batch(&batch).await.expect("assignments");

    Data { environment_id: env.id, application_id: application.id, identities, nodes, permissions: permission_keys, roles: role_ids }
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
                return (status, body);
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
pub async fn admin_token(client: &mut Client, store: &dyn Store) -> String {
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
