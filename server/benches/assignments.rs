//! The assignments benchmark: a large generated dataset, then the two things the issue sets goals
//! for, measured end to end over HTTP against the real router on SQLite and on PostgreSQL.
//!
//! ```text
//! cargo bench -p server --bench assignments -- [--backend sqlite|postgres|both] [--assignments N]
//! bash scripts/with-postgres.sh cargo bench -p server --bench assignments -- --backend both
//! ```
//!
//! Per backend:
//! 1. Dataset: `server::demo::spec::bench`, made by the demo's generator: one account /
//!    application / environment, a node tree of depth 4 (2,000 nodes), 100,000 identities, the
//!    demo's roles (one a system role, never assigned) and 1,000,000 assignments with unique
//!    (identity, node, role), created over the past year, 75% active, 12% scheduled, 13%
//!    expired, ids and row order as the server makes them. Written with `Store::insert_batch`
//!    in 50,000-row batches.
//!    PostgreSQL then gets a `VACUUM ANALYZE` (what autovacuum does shortly after a load);
//!    SQLite gets nothing, because the server never runs `ANALYZE` either.
//! 2. bulk-create: `POST /api/v1/assignments/bulk-create` of 10,000 new, valid items (atomic),
//!    timed from sending the request to having read the whole response body, over a keep-alive
//!    TCP connection to `axum::serve` in this process (as `canopy serve` does it). In the same
//!    run, the same rows go in as a plain multi-row INSERT (same columns, 3,333 rows a statement
//!    like the store, one transaction) through a separate pool, and the store calls the endpoint
//!    makes are timed on their own (look-ups, the write with its audit rows, and the duplicate
//!    check it makes only when the write's unique constraint refuses a row),
//!    and the plans of its two large reads printed. Rows written by a run are deleted before
//!    the next, so every run starts from the dataset.
//! 3. The app-wide list: `GET /api/v1/assignments` with `take=20`, each sort (`name`, `role`,
//!    `created_at`, default order `desc`) × a filter (`status=active`, `role_id=<viewer>`) ×
//!    page 1 and page 2,000, sequential requests after a warm-up; p50/p95/p99/max. A case
//!    takes `--samples` requests (200) unless `--case-budget` (60 s) runs out first, and at
//!    least `--min-samples` (10) whatever the budget: seconds-long requests get 10, and their
//!    "p99" is then the maximum (the table marks such cases). Then, to say where the time goes,
//!    the two statements the store issues (the count and the page, from the store's own
//!    builders in `store::builders`) are timed directly and their plans printed; on SQLite
//!    again after an `ANALYZE`, to show what statistics would change.
//!
//! Results are printed as tables and written as JSON (`--out`, default
//! `$CARGO_TARGET_DIR/bench-assignments.json` or `target/bench-assignments.json`).

use std::{
    collections::HashSet,
    net::SocketAddr,
    path::PathBuf,
    str::FromStr,
    sync::Arc,
    time::{Duration, Instant},
};

use app::dto::{AssignmentResponse, AssignmentSort, AssignmentStatus, SortOrder, Timestamp};
use axum::body::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode, client::conn::http1::SendRequest, header};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use server::{
    auth::TokenKeys,
    config::{Mode, ServerConfig},
    domain::audit::{Actor, AuditContext, Change},
    features::api_keys,
    state::AppState,
    store::{
        self, Account, Application, Assignment, AssignmentFilter, AssignmentWrite, Backend, Environment, Role, Slice, Store,
        builders::{MAX_BINDS_PER_STATEMENT, Selecting, assignment_view_order, push_assignment_view_query, push_page, sort_collation},
    },
};
use server::demo::{self, BenchSizes, Generated, SplitMix64 as Rng, Triples};
use sqlx::{
    AssertSqlSafe, Connection, Database, Encode, QueryBuilder, Row, Type,
    postgres::{PgPool, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous},
};

/// The allocator `canopy serve` runs with (see main.rs), so the figures are the server's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const DAY: i64 = 86_400_000;

/// Rows per `insert_batch` call while generating.
const GENERATION_BATCH: usize = 50_000;
const ASSIGNMENT_COLUMNS: [&str; 9] =
    ["id", "environment_id", "identity_id", "node_id", "role_id", "effective_from", "effective_to", "created_at", "updated_at"];
const TAKE: u32 = 20;

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BackendKind {
    Sqlite,
    Postgres,
}

impl BackendKind {
    fn name(self) -> &'static str {
        match self {
            BackendKind::Sqlite => "sqlite",
            BackendKind::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone)]
struct Args {
    backends: Vec<BackendKind>,
    assignments: usize,
    identities: usize,
    nodes: usize,
    bulk_size: usize,
    bulk_runs: usize,
    samples: usize,
    min_samples: usize,
    case_budget: Duration,
    deep_page: u32,
    /// Measure bulk-create only (no index build, list cases or list statements).
    skip_list: bool,
    out: PathBuf,
}

const USAGE: &str = "\
cargo bench -p server --bench assignments -- [options]

  --backend sqlite|postgres|both   default: sqlite, or both when TEST_DATABASE_URL is set
                                   (postgres needs TEST_DATABASE_URL, e.g. scripts/with-postgres.sh)
  --assignments N                  dataset size (default 1000000)
  --identities N                   (default 100000)
  --nodes N                        node tree size, depth 4 (default 2000)
  --bulk-size N                    items per bulk-create request (default 10000)
  --bulk-runs N                    measured bulk-create runs, after one warm-up (default 5)
  --samples N                      requests per list case after warm-up (default 200)
  --min-samples N                  fewest requests per list case, whatever the budget (default 10)
  --case-budget SECONDS            stop a list case early after this long (default 60)
  --deep-page N                    the deep page (default 2000)
  --skip-list                      bulk-create only: no list phase (faster when iterating on writes)
  --out PATH                       JSON results (default $CARGO_TARGET_DIR/bench-assignments.json)";

fn parse_args() -> BenchResult<Args> {
    let server_url = std::env::var("TEST_DATABASE_URL").ok().filter(|url| !url.is_empty());
    let default_out = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir).join("bench-assignments.json"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-assignments.json"),
    };
    let mut args = Args {
        backends: if server_url.is_some() { vec![BackendKind::Sqlite, BackendKind::Postgres] } else { vec![BackendKind::Sqlite] },
        assignments: 1_000_000,
        identities: 100_000,
        nodes: 2_000,
        bulk_size: 10_000,
        bulk_runs: 5,
        samples: 200,
        min_samples: 10,
        case_budget: Duration::from_secs(60),
        deep_page: 2_000,
        skip_list: false,
        out: default_out,
    };
    let mut raw = std::env::args().skip(1).peekable();
    while let Some(arg) = raw.next() {
        // `cargo bench` passes `--bench` to every bench target.
        if arg == "--bench" {
            continue;
        }
        if arg == "--skip-list" {
            args.skip_list = true;
            continue;
        }
        if arg == "--help" || arg == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) => (name.to_owned(), Some(value.to_owned())),
            None => (arg.clone(), None),
        };
        let mut value = || inline.clone().or_else(|| raw.next()).ok_or_else(|| format!("{name} needs a value"));
        let number = |text: String| text.replace('_', "").parse::<usize>().map_err(|_| format!("{name}: not a number: {text}"));
        match name.as_str() {
            "--backend" => {
                args.backends = match value()?.as_str() {
                    "sqlite" => vec![BackendKind::Sqlite],
                    "postgres" => vec![BackendKind::Postgres],
                    "both" => vec![BackendKind::Sqlite, BackendKind::Postgres],
                    other => return Err(format!("--backend: sqlite, postgres or both, not {other}").into()),
                }
            }
            "--assignments" => args.assignments = number(value()?)?,
            "--identities" => args.identities = number(value()?)?,
            "--nodes" => args.nodes = number(value()?)?,
            "--bulk-size" => args.bulk_size = number(value()?)?,
            "--bulk-runs" => args.bulk_runs = number(value()?)?.max(1),
            "--samples" => args.samples = number(value()?)?.max(1),
            "--min-samples" => args.min_samples = number(value()?)?.max(1),
            "--case-budget" => args.case_budget = Duration::from_secs_f64(value()?.parse().map_err(|_| "--case-budget: seconds")?),
            "--deep-page" => args.deep_page = number(value()?)?.max(2) as u32,
            "--out" => args.out = PathBuf::from(value()?),
            other => return Err(format!("unknown option {other}\n\n{USAGE}").into()),
        }
    }
    if args.nodes < 4 || args.identities < 1 || args.bulk_size < 1 {
        return Err("--nodes must be at least 4 and --identities, --bulk-size at least 1".into());
    }
    if args.backends.contains(&BackendKind::Postgres) && server_url.is_none() {
        return Err("the postgres backend needs TEST_DATABASE_URL (run under scripts/with-postgres.sh)".into());
    }
    Ok(args)
}

// ---------------------------------------------------------------------------------------------
// The dataset
// ---------------------------------------------------------------------------------------------

/// What the measurements need to know about the generated data.
struct Dataset {
    now: i64,
    account: Account,
    application: Application,
    environment: Environment,
    identity_ids: Vec<String>,
    identity_active: Vec<bool>,
    node_ids: Vec<String>,
    /// Non-system roles, in `demo::spec::ROLES` order.
    roles: Vec<Role>,
    /// Every (identity, node, role) index triple in use or handed out.
    taken: Triples,
    assignments: usize,
    statuses: [usize; 3],
    generation: Duration,
}

/// The benchmarks' tenant (`demo::spec::bench`), written in batches of [`GENERATION_BATCH`].
async fn generate(store: &Store, args: &Args) -> BenchResult<Dataset> {
    let started = Instant::now();
    let now = Timestamp::now().as_millis();
    let sizes = BenchSizes { identities: args.identities, nodes: args.nodes, assignments: args.assignments };
    let generated = demo::generate(&demo::spec::bench(sizes), now, "");
    let mut statuses = [0; 3];
    generated
        .insert(store, GENERATION_BATCH, |written, batch| {
            for counts in demo::status_counts(batch, now).values() {
                statuses[0] += counts.active;
                statuses[1] += counts.scheduled;
                statuses[2] += counts.expired;
            }
            if written.is_multiple_of(200_000) {
                eprintln!("  {written} assignments written ({:.0} s)", started.elapsed().as_secs_f64());
            }
        })
        .await?;
    let Generated { batch, mut environments, .. } = generated;
    Ok(Dataset {
        now,
        account: batch.accounts[0].clone(),
        application: batch.applications[0].clone(),
        environment: batch.environments[0].clone(),
        identity_ids: batch.identities.iter().map(|identity| identity.id.clone()).collect(),
        identity_active: batch.identities.iter().map(|identity| identity.status.is_active()).collect(),
        node_ids: batch.nodes.iter().map(|node| node.id.clone()).collect(),
        roles: batch.roles.iter().filter(|role| !role.is_system).cloned().collect(),
        taken: environments.remove(0).taken,
        assignments: args.assignments,
        statuses,
        generation: started.elapsed(),
    })
}

// ---------------------------------------------------------------------------------------------
// A second pool on the same database, for the plain INSERT, clean-up and plans
// ---------------------------------------------------------------------------------------------

enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the pool and `$DB` to its database type.
macro_rules! on_pool {
    ($db:expr, $pool:ident, $DB:ident => $body:expr) => {
        match $db {
            Db::Sqlite($pool) => {
                #[allow(dead_code)]
                type $DB = sqlx::Sqlite;
                $body
            }
            Db::Postgres($pool) => {
                #[allow(dead_code)]
                type $DB = sqlx::Postgres;
                $body
            }
        }
    };
}

impl Db {
    async fn open(kind: BackendKind, url: &str) -> BenchResult<Self> {
        Ok(match kind {
            // The store's own settings, so the plain INSERT pays for the same foreign-key checks
            // and, like the store's writes, leaves checkpoints to the background.
            BackendKind::Sqlite => Db::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(2)
                    .connect_with(
                        SqliteConnectOptions::from_str(url)?
                            .journal_mode(SqliteJournalMode::Wal)
                            .synchronous(SqliteSynchronous::Normal)
                            .busy_timeout(Duration::from_secs(30))
                            .foreign_keys(true)
                            .pragma("cache_size", "-32768")
                            .pragma("temp_store", "memory")
                            .pragma("wal_autocheckpoint", "0"),
                    )
                    .await?,
            ),
            BackendKind::Postgres => Db::Postgres(PgPoolOptions::new().max_connections(2).connect(url).await?),
        })
    }

    async fn execute(&self, sql: String) -> BenchResult<u64> {
        Ok(on_pool!(self, pool, DB => sqlx::raw_sql(AssertSqlSafe(sql)).execute(pool).await?.rows_affected()))
    }

    /// Deletes what a bulk run wrote and, on SQLite, copies the WAL into the database file, so
    /// that every timed write starts from a checkpointed WAL (as after the store's background
    /// checkpointer has caught up).
    async fn clean_up(&self, sql: &str) -> BenchResult<u64> {
        let deleted = self.execute(sql.to_owned()).await?;
        if self.kind() == BackendKind::Sqlite {
            self.execute("PRAGMA wal_checkpoint(PASSIVE)".into()).await?;
        }
        Ok(deleted)
    }

    async fn scalar(&self, sql: String) -> BenchResult<i64> {
        Ok(on_pool!(self, pool, DB => sqlx::query(AssertSqlSafe(sql)).fetch_one(pool).await?.try_get::<i64, _>(0)?))
    }

    fn kind(&self) -> BackendKind {
        match self {
            Db::Sqlite(_) => BackendKind::Sqlite,
            Db::Postgres(_) => BackendKind::Postgres,
        }
    }

    /// Runs `stmt` (after `prefix`) with its binds, as the store would (not cached), and
    /// returns every row.
    async fn rows(&self, stmt: Statement<'_>, prefix: &str) -> BenchResult<Vec<Vec<String>>> {
        let backend = match self.kind() {
            BackendKind::Sqlite => Backend::Sqlite,
            BackendKind::Postgres => Backend::Postgres,
        };
        on_pool!(self, pool, DB => {
            let mut builder = QueryBuilder::<DB>::new(prefix);
            stmt.push_to(&mut builder, backend);
            let rows = builder.build().persistent(false).fetch_all(pool).await?;
            // Only plans are read as text; other callers need the row count.
            Ok(rows
                .iter()
                .map(|row| {
                    (0..row.len())
                        .map(|i| {
                            row.try_get::<String, _>(i)
                                .or_else(|_| row.try_get::<i64, _>(i).map(|v| v.to_string()))
                                .unwrap_or_default()
                        })
                        .collect()
                })
                .collect())
        })
    }

    async fn count(&self, stmt: Statement<'_>) -> BenchResult<i64> {
        let rows = self.rows(stmt, "").await?;
        Ok(rows.first().and_then(|row| row.first()).and_then(|v| v.parse().ok()).unwrap_or_default())
    }

    async fn fetch_all(&self, stmt: Statement<'_>) -> BenchResult<usize> {
        Ok(self.rows(stmt, "").await?.len())
    }

    /// The plan, one line a step.
    async fn plan(&self, stmt: Statement<'_>) -> BenchResult<Vec<String>> {
        Ok(match self.kind() {
            BackendKind::Sqlite => {
                // (id, parent, notused, detail): indent children under their parents.
                let mut depth_of: Vec<(String, usize)> = Vec::new();
                self.rows(stmt, "EXPLAIN QUERY PLAN ")
                    .await?
                    .into_iter()
                    .map(|row| {
                        let depth = depth_of.iter().find(|(id, _)| *id == row[1]).map_or(0, |(_, d)| d + 1);
                        depth_of.push((row[0].clone(), depth));
                        format!("{}{}", "  ".repeat(depth), row[3])
                    })
                    .collect()
            }
            BackendKind::Postgres => {
                self.rows(stmt, "EXPLAIN (ANALYZE, BUFFERS) ").await?.into_iter().map(|mut row| row.swap_remove(0)).collect()
            }
        })
    }

    /// A multi-row INSERT of `rows` into `assignments`, chunked like the store, in one
    /// transaction begun as the store begins a write; the time from BEGIN to COMMIT.
    async fn plain_insert(&self, rows: &[Assignment]) -> BenchResult<Duration> {
        let per_statement = MAX_BINDS_PER_STATEMENT / ASSIGNMENT_COLUMNS.len();
        on_pool!(self, pool, DB => {
            let started = Instant::now();
            let begin = match self { Db::Sqlite(_) => "BEGIN IMMEDIATE", Db::Postgres(_) => "BEGIN" };
            let mut tx = pool.begin_with(begin).await?;
            for chunk in rows.chunks(per_statement) {
                let mut builder = QueryBuilder::<DB>::new(format!("INSERT INTO assignments ({}) ", ASSIGNMENT_COLUMNS.join(", ")));
                builder.push_values(chunk, |mut row, a| {
                    row.push_bind(a.id.as_str())
                        .push_bind(a.environment_id.as_str())
                        .push_bind(a.identity_id.as_str())
                        .push_bind(a.node_id.as_str())
                        .push_bind(a.role_id.as_str())
                        .push_bind(a.effective_from)
                        .push_bind(a.effective_to)
                        .push_bind(a.created_at)
                        .push_bind(a.updated_at);
                });
                builder.build().persistent(false).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(started.elapsed())
        })
    }

    async fn close(&self) {
        on_pool!(self, pool, DB => pool.close().await)
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP: the real router on a real socket, and a keep-alive client
// ---------------------------------------------------------------------------------------------

async fn serve(store: Arc<Store>) -> BenchResult<(SocketAddr, tokio::task::JoinHandle<()>, AppState)> {
    let leptos = leptos::config::LeptosOptions::builder().output_name("canopy").site_root("target/site").site_pkg_dir("pkg").build();
    let state = AppState::new(store, TokenKeys::new(b"bench-secret-bench-secret-bench-secret!"), ServerConfig::new(Mode::Development), leptos);
    let router = server::app_router(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    // As `canopy serve` does it.
    let handle = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((addr, handle, state))
}

struct Client {
    addr: SocketAddr,
    api_key: String,
    sender: SendRequest<Full<Bytes>>,
}

struct Response {
    status: StatusCode,
    body: Bytes,
    elapsed: Duration,
}

impl Client {
    async fn connect(addr: SocketAddr, api_key: String) -> BenchResult<Self> {
        let sender = Self::open(addr).await?;
        Ok(Self { addr, api_key, sender })
    }

    async fn open(addr: SocketAddr) -> BenchResult<SendRequest<Full<Bytes>>> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(sender)
    }

    /// One request; the time runs from handing it to the connection to having the whole body.
    async fn send(&mut self, method: Method, path: &str, body: Option<Bytes>) -> BenchResult<Response> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.addr.to_string())
            .header("x-api-key", self.api_key.as_str());
        if body.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/json");
        }
        let request = request.body(Full::new(body.unwrap_or_default()))?;
        if self.sender.ready().await.is_err() {
            self.sender = Self::open(self.addr).await?;
        }
        let started = Instant::now();
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        Ok(Response { status, body, elapsed: started.elapsed() })
    }
}

// ---------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Nearest-rank percentile of sorted samples.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn sorted(mut samples: Vec<f64>) -> Vec<f64> {
    samples.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    samples
}

fn median(samples: &[f64]) -> f64 {
    percentile(&sorted(samples.to_vec()), 50.0)
}

fn verdict(pass: bool) -> &'static str {
    if pass { "PASS" } else { "MISS" }
}

// ---------------------------------------------------------------------------------------------
// bulk-create
// ---------------------------------------------------------------------------------------------

/// `count` triples no assignment uses yet: active identities, any node, non-system roles.
fn fresh_triples(dataset: &mut Dataset, rng: &mut Rng, count: usize) -> Vec<(usize, usize, usize)> {
    let mut triples = Vec::with_capacity(count);
    while triples.len() < count {
        let identity = rng.index(dataset.identity_ids.len());
        if !dataset.identity_active[identity] {
            continue;
        }
        let node = rng.index(dataset.node_ids.len());
        let role = rng.index(dataset.roles.len());
        if dataset.taken.insert(identity, node, role) {
            triples.push((identity, node, role));
        }
    }
    triples
}

/// A window for a bulk item: most open-ended, some fixed-term, some scheduled.
fn item_window(rng: &mut Rng, now: i64) -> (Option<i64>, Option<i64>) {
    match rng.below(10) {
        0..=5 => (None, None),
        6..=8 => (None, Some(now + rng.between(30 * DAY, 365 * DAY))),
        _ => {
            let from = now + rng.between(DAY, 30 * DAY);
            (Some(from), Some(from + rng.between(30 * DAY, 365 * DAY)))
        }
    }
}

struct BulkRun {
    http: f64,
    plain: f64,
    lookups: f64,
    existing: f64,
    write: f64,
}

async fn bench_bulk(
    dataset: &mut Dataset,
    store: &Store,
    db: &Db,
    client: &mut Client,
    args: &Args,
) -> BenchResult<(Vec<BulkRun>, usize, usize, Vec<(String, Vec<String>)>)> {
    let mut rng = Rng(0x5EED_B01C_0000_0001);
    let mut runs = Vec::new();
    let (mut request_bytes, mut response_bytes) = (0, 0);
    let environment_id = dataset.environment.id.clone();
    let clean_up = format!("DELETE FROM assignments WHERE environment_id = '{environment_id}' AND created_at >= {}", dataset.now);
    for run in 0..=args.bulk_runs {
        let triples = fresh_triples(dataset, &mut rng, args.bulk_size);
        let windows: Vec<(Option<i64>, Option<i64>)> = triples.iter().map(|_| item_window(&mut rng, dataset.now)).collect();
        let items: Vec<Value> = triples
            .iter()
            .zip(&windows)
            .map(|(&(identity, node, role), &(from, to))| {
                let mut item = json!({
                    "identity_id": dataset.identity_ids[identity],
                    "node_id": dataset.node_ids[node],
                    "role_id": dataset.roles[role].id,
                });
                let rfc3339 = |ms: i64| Timestamp::from_millis(ms).expect("in range").to_rfc3339();
                if let Some(from) = from {
                    item["effective_from"] = Value::String(rfc3339(from));
                }
                if let Some(to) = to {
                    item["effective_to"] = Value::String(rfc3339(to));
                }
                item
            })
            .collect();
        let body = Bytes::from(serde_json::to_vec(&json!({ "assignments": items }))?);
        request_bytes = body.len();

        // 1. The endpoint, end to end.
        let response = client.send(Method::POST, "/api/v1/assignments/bulk-create", Some(body)).await?;
        response_bytes = response.body.len();
        let parsed: Value = serde_json::from_slice(&response.body)?;
        if response.status != StatusCode::OK || parsed["summary"]["succeeded"].as_u64() != Some(args.bulk_size as u64) {
            return Err(format!("bulk-create answered {}: {}", response.status, String::from_utf8_lossy(&response.body[..response.body.len().min(600)])).into());
        }
        let http = ms(response.elapsed);
        let deleted = db.clean_up(&clean_up).await?;
        if deleted != args.bulk_size as u64 {
            return Err(format!("clean-up removed {deleted} rows, expected {}", args.bulk_size).into());
        }

        // 2. The same rows as one plain multi-row INSERT.
        let now = Timestamp::now().as_millis();
        let rows: Vec<Assignment> = triples
            .iter()
            .zip(&windows)
            .map(|(&(identity, node, role), &(from, to))| Assignment {
                id: rng.uuid_v7(now),
                environment_id: environment_id.clone(),
                identity_id: dataset.identity_ids[identity].clone(),
                node_id: dataset.node_ids[node].clone(),
                role_id: dataset.roles[role].id.clone(),
                effective_from: from,
                effective_to: to,
                created_at: now,
                updated_at: now,
            })
            .collect();
        let plain = ms(db.plain_insert(&rows).await?);
        db.clean_up(&clean_up).await?;

        // 3. The store calls bulk-create makes, on their own.
        let started = Instant::now();
        let unique: HashSet<&str> = rows.iter().map(|row| row.identity_id.as_str()).collect();
        let unique: Vec<&str> = unique.into_iter().collect();
        store.identity_statuses(&dataset.application.id, &unique).await?;
        let identities_ms = ms(started.elapsed());
        store.node_ids(&environment_id).await?;
        store.roles(&environment_id).await?;
        let lookups = ms(started.elapsed());
        let triple_refs: Vec<(&str, &str, &str)> =
            rows.iter().map(|row| (row.identity_id.as_str(), row.node_id.as_str(), row.role_id.as_str())).collect();
        let started = Instant::now();
        let found = store.existing_triples(&triple_refs).await?;
        let existing = ms(started.elapsed());
        if !found.is_empty() {
            return Err("fresh triples were found stored".into());
        }
        let context = AuditContext::new(Actor::System, Some("bench".into()), now);
        let audit = rows
            .iter()
            .map(|row| {
                let after = AssignmentResponse {
                    id: row.id.clone(),
                    identity_id: row.identity_id.clone(),
                    application_node_id: row.node_id.clone(),
                    role_id: row.role_id.clone(),
                    effective_from: row.effective_from.and_then(Timestamp::from_millis),
                    effective_to: row.effective_to.and_then(Timestamp::from_millis),
                    created_at: Timestamp::from_millis(row.created_at).expect("in range"),
                    updated_at: Timestamp::from_millis(row.updated_at).expect("in range"),
                };
                context.event(Change {
                    account_id: &dataset.account.id,
                    environment_id: Some(&environment_id),
                    action: "assignment.create",
                    target_type: "assignment",
                    target_id: Some(&row.id),
                    before: None,
                    after: serde_json::to_value(after).ok(),
                })
            })
            .collect();
        let write = AssignmentWrite { inserts: rows, audit, ..AssignmentWrite::default() };
        let started = Instant::now();
        store.write_assignments(&write).await?;
        let write_ms = ms(started.elapsed());
        db.clean_up(&clean_up).await?;

        let label = if run == 0 { "warm-up".to_owned() } else { format!("run {run}") };
        eprintln!(
            "  bulk-create {label}: HTTP {http:.1} ms, plain INSERT {plain:.1} ms, look-ups {lookups:.1} ms (identities {identities_ms:.1}), duplicate check {existing:.1} ms, write with audit {write_ms:.1} ms"
        );
        if run > 0 {
            runs.push(BulkRun { http, plain, lookups, existing, write: write_ms });
        }
    }
    let plans = bulk_read_plans(dataset, db, &mut rng).await?;
    Ok((runs, request_bytes, response_bytes, plans))
}

/// The plans of bulk-create's two big reads, as the store issues them: `identity_statuses`
/// (5,000 ids a statement) and `existing_triples` (1,666 triples a statement).
async fn bulk_read_plans(dataset: &mut Dataset, db: &Db, rng: &mut Rng) -> BenchResult<Vec<(String, Vec<String>)>> {
    let triples = fresh_triples(dataset, rng, 1_666);
    let mut identities = Stmt::default();
    identities.push("SELECT id, application_id, status FROM identities WHERE id IN (");
    for index in 0..5_000 {
        if index > 0 {
            identities.push(", ");
        }
        identities.bind_text(&dataset.identity_ids[rng.index(dataset.identity_ids.len())]);
    }
    identities.push(")");
    let mut existing = Stmt::default();
    existing.push("SELECT identity_id, node_id, role_id FROM assignments WHERE (identity_id, node_id, role_id) IN (VALUES ");
    for (index, &(identity, node, role)) in triples.iter().enumerate() {
        if index > 0 {
            existing.push(", ");
        }
        existing.push("(").bind_text(&dataset.identity_ids[identity]).push(", ").bind_text(&dataset.node_ids[node]);
        existing.push(", ").bind_text(&dataset.roles[role].id).push(")");
    }
    existing.push(")");
    // PostgreSQL's plans spell out every value of the lists: keep each line short.
    let short = |plan: Vec<String>| {
        plan.into_iter()
            .map(|line| match line.char_indices().nth(160) {
                Some((cut, _)) => format!("{}...", &line[..cut]),
                None => line,
            })
            .collect()
    };
    Ok(vec![
        ("identity_statuses, 5,000 ids".to_owned(), short(db.plan(Statement::Own(&identities)).await?)),
        ("existing_triples, 1,666 triples".to_owned(), short(db.plan(Statement::Own(&existing)).await?)),
    ])
}

// ---------------------------------------------------------------------------------------------
// The app-wide list
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Sort {
    Name,
    Role,
    CreatedAt,
}

impl Sort {
    const ALL: [Sort; 3] = [Sort::Name, Sort::Role, Sort::CreatedAt];

    fn param(self) -> &'static str {
        match self {
            Sort::Name => "name",
            Sort::Role => "role",
            Sort::CreatedAt => "created_at",
        }
    }
}

#[derive(Clone, Copy)]
enum Filter {
    Active,
    Viewer,
}

impl Filter {
    const ALL: [Filter; 2] = [Filter::Active, Filter::Viewer];

    fn label(self) -> &'static str {
        match self {
            Filter::Active => "status=active",
            Filter::Viewer => "role_id=viewer",
        }
    }

    fn query(self, dataset: &Dataset) -> String {
        match self {
            Filter::Active => "status=active".to_owned(),
            Filter::Viewer => format!("role_id={}", dataset.roles[0].id),
        }
    }

    /// The store's filter for this case.
    fn store_filter(self, dataset: &Dataset, now: i64) -> AssignmentFilter {
        let filter = AssignmentFilter { environment_id: dataset.environment.id.clone(), now_ms: now, ..AssignmentFilter::default() };
        match self {
            Filter::Active => AssignmentFilter { status: Some(AssignmentStatus::Active), ..filter },
            Filter::Viewer => AssignmentFilter { role_id: Some(dataset.roles[0].id.clone()), ..filter },
        }
    }
}


/// A statement of the bench's own with bound parameters, written once for both databases.
#[derive(Default)]
struct Stmt {
    /// SQL with `\u{1}` where each parameter goes.
    sql: String,
    params: Vec<String>,
}

impl Stmt {
    const MARK: char = '\u{1}';

    fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    fn bind_text(&mut self, value: &str) -> &mut Self {
        self.sql.push(Self::MARK);
        self.params.push(value.to_owned());
        self
    }
}

/// One of the two statements `assignment_views` issues for a page, built by the store's own
/// builders (so the bench cannot time SQL the server no longer runs).
struct ListStatement {
    filter: AssignmentFilter,
    slice: Slice,
    selecting: Selecting,
}

/// A statement the bench runs on its own pool.
#[derive(Clone, Copy)]
enum Statement<'a> {
    Own(&'a Stmt),
    List(&'a ListStatement),
}

impl Statement<'_> {
    /// Appends the statement to a builder of the pool's database.
    fn push_to<DB>(&self, builder: &mut QueryBuilder<DB>, backend: Backend)
    where
        DB: Database,
        for<'t> &'t str: Encode<'t, DB> + Type<DB>,
        for<'t> i64: Encode<'t, DB> + Type<DB>,
    {
        match self {
            Statement::Own(stmt) => {
                let mut params = stmt.params.iter();
                for (index, piece) in stmt.sql.split(Stmt::MARK).enumerate() {
                    if index > 0 {
                        builder.push_bind(params.next().expect("a parameter per mark").as_str());
                    }
                    builder.push(piece);
                }
            }
            Statement::List(list) => {
                push_assignment_view_query(builder, &list.filter, None, list.selecting);
                if list.selecting == Selecting::Rows {
                    push_page(builder, &assignment_view_order(&list.slice, sort_collation(backend)), list.slice.limit, list.slice.offset);
                }
            }
        }
    }
}

/// The count and the page statement of a list case.
fn list_statements(dataset: &Dataset, filter: Filter, sort: Sort, page: u32, now: i64) -> (ListStatement, ListStatement) {
    let sort = match sort {
        Sort::Name => AssignmentSort::Name,
        Sort::Role => AssignmentSort::Role,
        Sort::CreatedAt => AssignmentSort::CreatedAt,
    };
    let slice = Slice { sort, order: SortOrder::Desc, limit: i64::from(TAKE), offset: i64::from(page - 1) * i64::from(TAKE) };
    let statement = |selecting| ListStatement { filter: filter.store_filter(dataset, now), slice, selecting };
    (statement(Selecting::Count), statement(Selecting::Rows))
}

struct Case {
    sort: Sort,
    filter: Filter,
    page: u32,
    samples: Vec<f64>,
    matched: u64,
    budget_hit: bool,
}

impl Case {
    fn stats(&self) -> (f64, f64, f64, f64) {
        let s = sorted(self.samples.clone());
        (percentile(&s, 50.0), percentile(&s, 95.0), percentile(&s, 99.0), *s.last().unwrap_or(&f64::NAN))
    }
}

async fn bench_list(dataset: &Dataset, client: &mut Client, args: &Args) -> BenchResult<Vec<Case>> {
    let mut cases = Vec::new();
    for sort in Sort::ALL {
        for filter in Filter::ALL {
            for page in [1, args.deep_page] {
                let path = format!(
                    "/api/v1/assignments?page={page}&take={TAKE}&sort_by={}&order=desc&{}",
                    sort.param(),
                    filter.query(dataset)
                );
                let case_started = Instant::now();
                // Warm-up: two requests (one when a request is slow), and a check of the answer.
                let first = client.send(Method::GET, &path, None).await?;
                let parsed: Value = serde_json::from_slice(&first.body)?;
                if first.status != StatusCode::OK || parsed["items"].as_array().map(Vec::len) != Some(TAKE as usize) {
                    return Err(format!("{path} answered {}: {}", first.status, String::from_utf8_lossy(&first.body[..first.body.len().min(400)])).into());
                }
                let matched = parsed["pagination"]["item_count"].as_u64().unwrap_or_default();
                if first.elapsed < Duration::from_millis(200) {
                    client.send(Method::GET, &path, None).await?;
                }
                let budget_start = Instant::now();
                let mut samples = Vec::with_capacity(args.samples);
                let mut budget_hit = false;
                while samples.len() < args.samples {
                    if samples.len() >= args.min_samples && budget_start.elapsed() > args.case_budget {
                        budget_hit = true;
                        break;
                    }
                    let response = client.send(Method::GET, &path, None).await?;
                    if response.status != StatusCode::OK {
                        return Err(format!("{path} answered {}", response.status).into());
                    }
                    samples.push(ms(response.elapsed));
                }
                let case = Case { sort, filter, page, samples, matched, budget_hit };
                let (p50, _, p99, _) = case.stats();
                eprintln!(
                    "  list sort={} {} page {page}: n={} p50 {p50:.1} ms p99 {p99:.1} ms ({:.0} s)",
                    sort.param(),
                    filter.label(),
                    case.samples.len(),
                    case_started.elapsed().as_secs_f64()
                );
                cases.push(case);
            }
        }
    }
    Ok(cases)
}

/// Where a list request's time goes: each of the store's two statements timed on its own
/// (median of a few runs, rows fetched), and their plans.
struct Anatomy {
    sort: Sort,
    filter: Filter,
    page: u32,
    count_ms: f64,
    page_ms: f64,
    count_plan: Vec<String>,
    page_plan: Vec<String>,
}

async fn list_anatomy(dataset: &Dataset, db: &Db, args: &Args) -> BenchResult<Vec<Anatomy>> {
    let now = Timestamp::now().as_millis();
    let mut out = Vec::new();
    for sort in Sort::ALL {
        for filter in Filter::ALL {
            for page in [1, args.deep_page] {
                let (count_stmt, page_stmt) = list_statements(dataset, filter, sort, page, now);
                let mut count_times = Vec::new();
                let mut page_times = Vec::new();
                for _ in 0..3 {
                    let started = Instant::now();
                    db.count(Statement::List(&count_stmt)).await?;
                    count_times.push(ms(started.elapsed()));
                    let started = Instant::now();
                    let rows = db.fetch_all(Statement::List(&page_stmt)).await?;
                    page_times.push(ms(started.elapsed()));
                    if rows != TAKE as usize {
                        return Err(format!("the page statement returned {rows} rows").into());
                    }
                }
                out.push(Anatomy {
                    sort,
                    filter,
                    page,
                    count_ms: median(&count_times),
                    page_ms: median(&page_times),
                    count_plan: db.plan(Statement::List(&count_stmt)).await?,
                    page_plan: db.plan(Statement::List(&page_stmt)).await?,
                });
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// One backend, start to finish
// ---------------------------------------------------------------------------------------------

/// Where the database lives, removed at the end.
enum Scratch {
    Sqlite { _dir: tempfile::TempDir, file: PathBuf },
    Postgres { server_url: String, name: String },
}

async fn prepare(kind: BackendKind) -> BenchResult<(String, Scratch)> {
    Ok(match kind {
        BackendKind::Sqlite => {
            let dir = tempfile::Builder::new().prefix("canopy-bench-").tempdir()?;
            let file = dir.path().join("canopy.db");
            (format!("sqlite://{}", file.display()), Scratch::Sqlite { _dir: dir, file })
        }
        BackendKind::Postgres => {
            let server_url = std::env::var("TEST_DATABASE_URL")?;
            let name = format!("canopy_bench_{}", uuid::Uuid::new_v4().simple());
            let mut admin = sqlx::PgConnection::connect(&server_url).await?;
            sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await?;
            admin.close().await?;
            let (base, _) = server_url.rsplit_once('/').ok_or("TEST_DATABASE_URL ends with /<database>")?;
            (format!("{base}/{name}"), Scratch::Postgres { server_url, name })
        }
    })
}

async fn discard(scratch: Scratch) {
    if let Scratch::Postgres { server_url, name } = scratch {
        let result: BenchResult<()> = async {
            let mut admin = sqlx::PgConnection::connect(&server_url).await?;
            sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut admin).await?;
            admin.close().await?;
            Ok(())
        }
        .await;
        if let Err(err) = result {
            eprintln!("could not drop database {name}: {err}");
        }
    }
}

fn file_size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

async fn run_backend(kind: BackendKind, args: &Args) -> BenchResult<Value> {
    let (url, scratch) = prepare(kind).await?;
    let result = measure(kind, &url, &scratch, args).await;
    discard(scratch).await;
    result
}

async fn measure(kind: BackendKind, url: &str, scratch: &Scratch, args: &Args) -> BenchResult<Value> {
    let store = store::connect(url).await?;
    store.migrate().await?;
    eprintln!(
        "[{}] generating {} assignments, {} identities, {} nodes ...",
        kind.name(),
        args.assignments,
        args.identities,
        args.nodes
    );
    let mut dataset = generate(store.as_ref(), args).await?;
    let db = Db::open(kind, url).await?;
    let stored = db.scalar("SELECT COUNT(*) FROM assignments".into()).await?;
    let after_load = Instant::now();
    let (database_bytes, settle_note) = match (kind, scratch) {
        (BackendKind::Postgres, _) => {
            db.execute("VACUUM ANALYZE".into()).await?;
            let bytes = db.scalar("SELECT pg_database_size(current_database())".into()).await?;
            (bytes as u64, "VACUUM ANALYZE")
        }
        (BackendKind::Sqlite, Scratch::Sqlite { file, .. }) => {
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)".into()).await?;
            (file_size(file), "WAL checkpoint, no ANALYZE")
        }
        _ => unreachable!(),
    };
    let settle = after_load.elapsed();
    eprintln!(
        "[{}] dataset ready: {stored} assignments in {:.1} s, {:.1} MB ({settle_note}: {:.1} s)",
        kind.name(),
        dataset.generation.as_secs_f64(),
        database_bytes as f64 / 1e6,
        settle.as_secs_f64()
    );

    let (_, api_key) =
        api_keys::service::create_api_key(store.as_ref(), &dataset.account.slug, &dataset.application.slug, &dataset.environment.slug, "bench", Actor::System)
            .await
            .map_err(|err| format!("create_api_key: {err:?}"))?;
    let (addr, server, state) = serve(store.clone()).await?;
    let mut client = Client::connect(addr, api_key.clone()).await?;

    eprintln!("[{}] bulk-create ...", kind.name());
    let (bulk, request_bytes, response_bytes, bulk_plans) = bench_bulk(&mut dataset, store.as_ref(), &db, &mut client, args).await?;
    let (cases, anatomy, analyzed) = if args.skip_list {
        (Vec::new(), Vec::new(), None)
    } else {
        list_phase(kind, &dataset, &state, &db, &mut client, args).await?
    };
    eprintln!("[{}] CSV export of every assignment ...", kind.name());
    let export = bench_export(addr, &api_key).await?;
    let load = load_average();

    server.abort();
    db.close().await;
    drop(client);

    let measured =
        Measured { stored, database_bytes, settle, settle_note, bulk, request_bytes, response_bytes, bulk_plans, cases, anatomy, analyzed, load };
    let mut report = report(kind, args, &dataset, &measured);
    report["export"] = export;
    Ok(report)
}

/// `GET /api/v1/assignments/export` of every assignment, read as it streams: time to the first
/// byte and to the last, rows and bytes, the process's resident memory before and at its peak
/// (sampled every 5 ms), and, on a second connection meanwhile, the latency of list requests
/// (does the server stay responsive?) against the same requests on a quiet server.
async fn bench_export(addr: SocketAddr, api_key: &str) -> BenchResult<Value> {
    let list = "/api/v1/assignments?take=20&sort_by=name&order=asc";
    let mut probe = Client::connect(addr, api_key.to_owned()).await?;
    let mut quiet = Vec::new();
    for _ in 0..50 {
        quiet.push(ms(probe.send(Method::GET, list, None).await?.elapsed));
    }
    let rss_before = resident_bytes();
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(rss_before));
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                peak.fetch_max(resident_bytes(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let reading = {
        let api_key = api_key.to_owned();
        tokio::spawn(async move {
            let mut sender = Client::open(addr).await?;
            let request = Request::builder()
                .uri("/api/v1/assignments/export")
                .header(header::HOST, addr.to_string())
                .header("x-api-key", api_key.as_str())
                .body(Full::new(Bytes::new()))?;
            let started = Instant::now();
            let response = sender.send_request(request).await?;
            if response.status() != StatusCode::OK {
                return Err(format!("export: {}", response.status()).into());
            }
            let mut body = response.into_body();
            let (mut first, mut bytes, mut lines) = (None, 0usize, 0usize);
            while let Some(frame) = body.frame().await {
                if let Ok(data) = frame?.into_data() {
                    first.get_or_insert_with(|| started.elapsed());
                    bytes += data.len();
                    lines += data.iter().filter(|b| **b == b'\n').count();
                }
            }
            BenchResult::Ok((first.unwrap_or_default(), started.elapsed(), bytes, lines.saturating_sub(1)))
        })
    };
    let mut during = Vec::new();
    while !reading.is_finished() {
        during.push(ms(probe.send(Method::GET, list, None).await?.elapsed));
    }
    let (first_byte, total, bytes, rows) = reading.await??;
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    sampler.await?;
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    let (quiet, during) = (sorted(quiet), sorted(during));
    println!();
    println!(
        "CSV export: {rows} rows, {:.1} MB in {:.2} s (first byte after {:.0} ms, {:.0} rows/s); RSS {:.0} MB before, peak {:.0} MB (+{:.1} MB)",
        bytes as f64 / 1e6,
        total.as_secs_f64(),
        ms(first_byte),
        rows as f64 / total.as_secs_f64(),
        rss_before as f64 / 1e6,
        peak as f64 / 1e6,
        (peak.saturating_sub(rss_before)) as f64 / 1e6
    );
    println!(
        "  list requests meanwhile: {} requests, p50 {:.2} ms, p99 {:.2} ms (quiet: p50 {:.2} ms, p99 {:.2} ms)",
        during.len(),
        percentile(&during, 50.0),
        percentile(&during, 99.0),
        percentile(&quiet, 50.0),
        percentile(&quiet, 99.0)
    );
    Ok(json!({
        "rows": rows, "bytes": bytes, "seconds": total.as_secs_f64(), "first_byte_ms": ms(first_byte),
        "rss_before_bytes": rss_before, "rss_peak_bytes": peak,
        "list_during": { "requests": during.len(), "p50_ms": percentile(&during, 50.0), "p99_ms": percentile(&during, 99.0) },
        "list_quiet": { "p50_ms": percentile(&quiet, 50.0), "p99_ms": percentile(&quiet, 99.0) },
    }))
}

/// This process's resident set size (`VmRSS` of /proc/self/status), in bytes; 0 where unknown.
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| status.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()))
        .map_or(0, |kb| kb * 1024)
}

/// The in-memory index build, the list cases, and the list statements on their own (and, on
/// SQLite, again after ANALYZE).
async fn list_phase(
    kind: BackendKind,
    dataset: &Dataset,
    state: &AppState,
    db: &Db,
    client: &mut Client,
    args: &Args,
) -> BenchResult<(Vec<Case>, Vec<Anatomy>, Option<(Duration, Vec<Anatomy>)>)> {
    // The bulk runs wrote (and removed) rows, so the in-memory index is stale: the server would
    // answer from SQL while it rebuilds in the background. Build it now, as a quiet server has.
    let started = Instant::now();
    let index = state.index.rebuild(&dataset.environment.id, &dataset.application.id).await.ok_or("the index did not build")?;
    eprintln!("[{}] in-memory index of {} assignments built in {:.1} s", kind.name(), index.read().assignment_count(), started.elapsed().as_secs_f64());
    drop(index);
    eprintln!("[{}] app-wide list ...", kind.name());
    let cases = bench_list(dataset, client, args).await?;
    eprintln!("[{}] list statements on their own, and their plans ...", kind.name());
    let anatomy = list_anatomy(dataset, db, args).await?;
    // The server never runs ANALYZE on SQLite, so the planner has no statistics above. What
    // would statistics change? The same statements again after an ANALYZE.
    let analyzed = if kind == BackendKind::Sqlite {
        eprintln!("[{}] ANALYZE, then the list statements again ...", kind.name());
        let started = Instant::now();
        db.execute("ANALYZE".into()).await?;
        let took = started.elapsed();
        Some((took, list_anatomy(dataset, db, args).await?))
    } else {
        None
    };
    Ok((cases, anatomy, analyzed))
}

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

/// The 1, 5 and 15 minute load averages: other work on the machine skews every figure.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_default()
}

/// Everything one backend's run measured.
struct Measured {
    stored: i64,
    database_bytes: u64,
    settle: Duration,
    settle_note: &'static str,
    bulk: Vec<BulkRun>,
    /// The plans of bulk-create's look-up and duplicate-check statements.
    bulk_plans: Vec<(String, Vec<String>)>,
    request_bytes: usize,
    response_bytes: usize,
    cases: Vec<Case>,
    anatomy: Vec<Anatomy>,
    /// SQLite only: how long ANALYZE took and the statements again after it.
    analyzed: Option<(Duration, Vec<Anatomy>)>,
    /// At the end of the run.
    load: String,
}

fn print_anatomy(anatomy: &[Anatomy], cases: &[Case]) -> Vec<Value> {
    println!("  {:<10} {:<15} {:>5} {:>10} {:>10}   (HTTP p50)", "sort", "filter", "page", "COUNT ms", "page ms");
    let mut rows = Vec::new();
    for (part, case) in anatomy.iter().zip(cases) {
        let (p50, ..) = case.stats();
        println!(
            "  {:<10} {:<15} {:>5} {:>10.1} {:>10.1}   ({p50:.1})",
            part.sort.param(),
            part.filter.label(),
            part.page,
            part.count_ms,
            part.page_ms
        );
        rows.push(json!({
            "sort": part.sort.param(), "filter": part.filter.label(), "page": part.page,
            "count_ms": part.count_ms, "page_ms": part.page_ms,
            "count_plan": part.count_plan, "page_plan": part.page_plan,
        }));
    }
    rows
}

/// SQLite: each distinct plan once. PostgreSQL: EXPLAIN ANALYZE of each count (per filter)
/// and of each page statement at the deep page, where the work is.
fn print_plans(kind: BackendKind, anatomy: &[Anatomy]) {
    let plan_kind = if kind == BackendKind::Sqlite { "EXPLAIN QUERY PLAN" } else { "EXPLAIN (ANALYZE, BUFFERS)" };
    let mut shown: HashSet<String> = HashSet::new();
    for part in anatomy {
        let show_count = match kind {
            BackendKind::Sqlite => shown.insert(format!("count {} {}", part.filter.label(), part.count_plan.join("\n"))),
            BackendKind::Postgres => matches!(part.sort, Sort::Name) && part.page == 1,
        };
        if show_count {
            println!("{plan_kind}: COUNT with {}", part.filter.label());
            for line in &part.count_plan {
                println!("    {line}");
            }
        }
        let show_page = match kind {
            BackendKind::Sqlite => shown.insert(format!("page {} {} {}", part.sort.param(), part.filter.label(), part.page_plan.join("\n"))),
            BackendKind::Postgres => part.page != 1,
        };
        if show_page {
            println!("{plan_kind}: page statement, sort={} {} page {}", part.sort.param(), part.filter.label(), part.page);
            for line in &part.page_plan {
                println!("    {line}");
            }
        }
    }
}

fn report(kind: BackendKind, args: &Args, dataset: &Dataset, measured: &Measured) -> Value {
    let Measured { stored, database_bytes, settle, settle_note, bulk, request_bytes, response_bytes, bulk_plans, cases, anatomy, analyzed, load } =
        measured;
    let (stored, database_bytes, settle, request_bytes, response_bytes) = (*stored, *database_bytes, *settle, *request_bytes, *response_bytes);
    let backend = kind.name();
    println!();
    println!("=== {backend}: {stored} assignments, {} identities, {} nodes, {} assignable roles ===", dataset.identity_ids.len(), dataset.node_ids.len(), dataset.roles.len());
    println!(
        "dataset: generated and written in {:.1} s ({:.0} assignments/s); status mix active {} / scheduled {} / expired {}",
        dataset.generation.as_secs_f64(),
        dataset.assignments as f64 / dataset.generation.as_secs_f64(),
        dataset.statuses[0],
        dataset.statuses[1],
        dataset.statuses[2]
    );
    let size_label = if kind == BackendKind::Sqlite { "database file" } else { "pg_database_size" };
    println!("{size_label}: {:.1} MB; then {settle_note} in {:.1} s", database_bytes as f64 / 1e6, settle.as_secs_f64());

    let column = |pick: fn(&BulkRun) -> f64| -> (f64, f64, f64) {
        let s = sorted(bulk.iter().map(pick).collect());
        (s[0], percentile(&s, 50.0), s[s.len() - 1])
    };
    let http = column(|r| r.http);
    let plain = column(|r| r.plain);
    let lookups = column(|r| r.lookups);
    let existing = column(|r| r.existing);
    let write = column(|r| r.write);
    let ratios = sorted(bulk.iter().map(|r| r.http / r.plain).collect());
    let ratio = percentile(&ratios, 50.0);
    println!();
    println!(
        "bulk-create, {} items in one atomic request ({} runs after a warm-up; request {:.2} MB, response {:.2} MB):",
        args.bulk_size,
        bulk.len(),
        request_bytes as f64 / 1e6,
        response_bytes as f64 / 1e6
    );
    println!("  {:<44} {:>9} {:>9} {:>9}", "", "min ms", "median", "max");
    let line = |label: &str, (min, med, max): (f64, f64, f64)| println!("  {label:<44} {min:>9.1} {med:>9.1} {max:>9.1}");
    line("HTTP bulk-create, end to end", http);
    line("plain multi-row INSERT of the same rows", plain);
    line("  store: look-ups (identities, nodes, roles)", lookups);
    line("  store: duplicate check (after a conflict only)", existing);
    line("  store: write_assignments (rows + audit)", write);
    println!("  {:<44} {:>9.2} {:>9.2} {:>9.2}", "ratio HTTP / plain INSERT", ratios[0], ratio, ratios[ratios.len() - 1]);
    let latency_goal = (kind == BackendKind::Sqlite).then_some(http.1 <= 250.0);
    if let Some(pass) = latency_goal {
        println!("  goal: median <= 250 ms on SQLite ............ {} ({:.1} ms)", verdict(pass), http.1);
    }
    println!("  goal: within 3x of the plain INSERT ......... {} ({ratio:.2}x, median of per-run ratios)", verdict(ratio <= 3.0));
    for (label, plan) in bulk_plans {
        println!("  plan of {label}:");
        for line in plan {
            println!("      {line}");
        }
    }

    println!();
    println!(
        "app-wide list, take={TAKE}, order=desc, sequential requests on one keep-alive connection \
         (up to {} per case after warm-up, at least {}, {:.0} s budget):",
        args.samples,
        args.min_samples,
        args.case_budget.as_secs_f64()
    );
    println!(
        "  {:<10} {:<15} {:>5} {:>8} {:>5} {:>9} {:>9} {:>9} {:>9} {:>11} {:>10}  goal",
        "sort", "filter", "page", "matched", "n", "p50 ms", "p95 ms", "p99 ms", "max ms", "deep/first", "(p50)"
    );
    let mut list_json = Vec::new();
    for pair in cases.chunks(2) {
        let (first, deep) = (&pair[0], &pair[1]);
        let (f50, _, f99, _) = first.stats();
        let (d50, _, d99, _) = deep.stats();
        let ratio99 = d99 / f99;
        let ratio50 = d50 / f50;
        for case in pair {
            let (p50, p95, p99, max) = case.stats();
            let is_deep = case.page != 1;
            let goal = if is_deep {
                format!("p99<=20 {}, deep<=2x {}", verdict(p99 <= 20.0), verdict(ratio99 <= 2.0))
            } else {
                format!("p99<=20 {}", verdict(p99 <= 20.0))
            };
            let (r99, r50) = if is_deep { (format!("{ratio99:.2}"), format!("{ratio50:.2}")) } else { (String::new(), String::new()) };
            println!(
                "  {:<10} {:<15} {:>5} {:>8} {:>5} {p50:>9.1} {p95:>9.1} {p99:>9.1} {max:>9.1} {r99:>11} {r50:>10}  {goal}{}",
                case.sort.param(),
                case.filter.label(),
                case.page,
                case.matched,
                case.samples.len(),
                if case.budget_hit { " (budget)" } else { "" }
            );
            list_json.push(json!({
                "sort": case.sort.param(), "filter": case.filter.label(), "page": case.page, "matched": case.matched,
                "n": case.samples.len(), "budget_hit": case.budget_hit,
                "p50_ms": p50, "p95_ms": p95, "p99_ms": p99, "max_ms": max,
                "deep_over_first_p99": if is_deep { json!(ratio99) } else { Value::Null },
                "deep_over_first_p50": if is_deep { json!(ratio50) } else { Value::Null },
                "goal_p99_20ms": p99 <= 20.0,
                "goal_deep_2x": if is_deep { json!(ratio99 <= 2.0) } else { Value::Null },
            }));
        }
    }
    println!("  (deep/first = page {} over page 1, at p99 and at p50; the deep-page goal is judged at p99)", args.deep_page);

    println!();
    println!("where a list request goes: the store's two statements timed alone (median of 3, rows fetched):");
    let plans_json = print_anatomy(anatomy, cases);
    println!();
    print_plans(kind, anatomy);
    let analyzed_json = analyzed.as_ref().map(|(took, after)| {
        println!();
        println!("the same statements after ANALYZE ({:.1} s; the server never runs it, so the figures above have no statistics):", took.as_secs_f64());
        let rows = print_anatomy(after, cases);
        println!();
        print_plans(kind, after);
        json!({ "analyze_s": took.as_secs_f64(), "list_statements": rows })
    });
    println!();
    println!("load average at the end of the {backend} run: {load}");

    json!({
        "backend": backend,
        "dataset": {
            "assignments": stored, "identities": dataset.identity_ids.len(), "nodes": dataset.node_ids.len(),
            "assignable_roles": dataset.roles.len(),
            "active": dataset.statuses[0], "scheduled": dataset.statuses[1], "expired": dataset.statuses[2],
            "generation_s": dataset.generation.as_secs_f64(),
            "database_bytes": database_bytes,
            "after_load": settle_note, "after_load_s": settle.as_secs_f64(),
        },
        "bulk_create": {
            "items": args.bulk_size, "runs": bulk.len(),
            "request_bytes": request_bytes, "response_bytes": response_bytes,
            "http_ms": bulk.iter().map(|r| r.http).collect::<Vec<_>>(),
            "plain_insert_ms": bulk.iter().map(|r| r.plain).collect::<Vec<_>>(),
            "store_lookups_ms": bulk.iter().map(|r| r.lookups).collect::<Vec<_>>(),
            "store_existing_triples_ms": bulk.iter().map(|r| r.existing).collect::<Vec<_>>(),
            "store_write_with_audit_ms": bulk.iter().map(|r| r.write).collect::<Vec<_>>(),
            "http_median_ms": http.1, "plain_median_ms": plain.1, "ratio_median": ratio,
            "goal_250ms": latency_goal, "goal_3x": ratio <= 3.0,
            "read_plans": bulk_plans.iter().map(|(label, plan)| json!({ "statement": label, "plan": plan })).collect::<Vec<_>>(),
        },
        "list": list_json,
        "list_statements": plans_json,
        "list_statements_after_analyze": analyzed_json,
        "load_average_at_end": load,
    })
}

#[tokio::main]
async fn main() {
    let args = match parse_args() {
        Ok(args) => args,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(2);
        }
    };
    let mut results = Vec::new();
    let mut failed = false;
    for &kind in &args.backends {
        match run_backend(kind, &args).await {
            Ok(result) => results.push(result),
            Err(err) => {
                eprintln!("[{}] failed: {err}", kind.name());
                failed = true;
            }
        }
    }
    let document = json!({
        "bench": "assignments",
        "at": Timestamp::now().to_rfc3339(),
        "machine": { "cpus": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0) },
        "args": {
            "assignments": args.assignments, "identities": args.identities, "nodes": args.nodes,
            "bulk_size": args.bulk_size, "bulk_runs": args.bulk_runs, "samples": args.samples,
            "min_samples": args.min_samples, "case_budget_s": args.case_budget.as_secs_f64(), "deep_page": args.deep_page,
        },
        "results": results,
    });
    if let Some(dir) = args.out.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    match std::fs::write(&args.out, serde_json::to_string_pretty(&document).expect("serialises")) {
        Ok(()) => println!("\nresults written to {}", args.out.display()),
        Err(err) => eprintln!("could not write {}: {err}", args.out.display()),
    }
    if failed {
        std::process::exit(1);
    }
}
