//! Limits and slow clients: body size on every operation that takes one, JSON nesting, query and
//! header sizes, the per-request time limit, and a slowloris against the real served stack
//! (`server::serve` on a loopback port, as `main` runs it), which must keep answering others.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::oneshot,
    task::JoinHandle,
};

use crate::app::TestApp;

const PROD: &str = "/portal/v1/accounts/acme/applications/billing/environments/production";

/// The router served on a loopback port until dropped (or stopped).
struct Served {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
}

impl Served {
    async fn start(app: &TestApp, header_read_timeout: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server::serve(listener, app.router.clone(), header_read_timeout, async {
            let _ = stopped.await;
        }));
        Served { addr, stop: Some(stop), task }
    }

    /// One request on a fresh connection (`Connection: close`): status line and body.
    async fn raw(&self, head: &str, body: &[u8]) -> (String, String) {
        let mut stream = TcpStream::connect(self.addr).await.unwrap();
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body).await.unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await.unwrap();
        let response = String::from_utf8_lossy(&response).into_owned();
        let status = response.lines().next().unwrap_or_default().to_owned();
        let body = response.split_once("\r\n\r\n").map(|(_, body)| body.to_owned()).unwrap_or_default();
        (status, body)
    }

    async fn get(&self, target: &str, extra_headers: &str) -> (String, String) {
        self.raw(&format!("GET {target} HTTP/1.1\r\nHost: canopy.test\r\n{extra_headers}Connection: close\r\n\r\n"), b"").await
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The JSON of a chunked-or-not body (our responses to these requests are small and whole).
fn json_of(body: &str) -> Value {
    let start = body.find('{').unwrap_or(0);
    let end = body.rfind('}').map_or(body.len(), |end| end + 1);
    serde_json::from_str(&body[start..end]).unwrap_or(Value::Null)
}

#[tokio::test]
async fn every_operation_with_a_body_answers_an_oversized_one_with_413() {
    let app = TestApp::with_demo().await;
    let admin = app.demo_token().await;
    let key = app.api_key("production").await;
    let document = app.get("/api/openapi.json", None).await.body;
    let oversized = format!("{{\"pad\":\"{}\"}}", "x".repeat(server::MAX_BODY_BYTES));
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(content) = operation.get("requestBody").map(|body| &body["content"]) else { continue };
            let content_type = if content.get("application/json").is_some() { "application/json" } else { "application/x-www-form-urlencoded" };
            let target = path
                .replace("{account_slug}", "acme")
                .replace("{app_slug}", "billing")
                .replace("{env_slug}", "production")
                .replace("{id}", "00000000-0000-0000-0000-000000000000");
            let security = operation["security"].to_string();
            let bearer = format!("Bearer {admin}");
            let mut headers = vec![("content-type", content_type)];
            if target.starts_with("/portal/v1") && security.contains("bearer") {
                headers.push(("authorization", bearer.as_str()));
            } else if security.contains("api_key") {
                headers.push(("x-api-key", key.as_str()));
            } else if security.contains("bearer") {
                // Identity-only operations: their 401 comes before the body is read.
                continue;
            }
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut request = axum::http::Request::builder().method(method.clone()).uri(&target);
            for (name, value) in &headers {
                request = request.header(*name, *value);
            }
            let response = app.send(request.body(axum::body::Body::from(oversized.clone())).unwrap()).await;
            assert_eq!(response.status, StatusCode::PAYLOAD_TOO_LARGE, "{method} {path}: {}", response.body);
            assert_eq!(response.body["code"], "payload_too_large", "{method} {path}");
            assert_eq!(response.body["message"], "The request body is too large.");
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} operations with a body");
}

#[tokio::test]
async fn deeply_nested_json_is_a_400_that_says_so_never_a_crash() {
    let app = TestApp::with_demo().await;
    let token = app.demo_token().await;
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    // Where the body holds free JSON (bulk items are read as values first), the limit speaks.
    for (path, field) in [
        (format!("{PROD}/assignments/bulk-create"), "assignments"),
        ("/portal/v1/accounts/acme/applications/billing/identities/bulk-create".to_owned(), "identities"),
    ] {
        for body in [format!("{{\"{field}\":[{nested}]}}"), format!("{{\"{field}\":{nested}}}")] {
            let request = axum::http::Request::builder()
                .method(Method::POST)
                .uri(&path)
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body))
                .unwrap();
            let response = app.send(request).await;
            assert_eq!(response.status, StatusCode::BAD_REQUEST, "{path}: {}", response.body);
            assert_eq!(response.body["code"], "malformed_json");
            assert_eq!(response.body["message"], "The body nests arrays or objects too deeply (more than 128 levels).");
        }
    }
    // A typed body stops at the first value of the wrong type, long before any depth.
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri("/portal/v1/auth/login")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(format!("{{\"email\":{nested}}}")))
        .unwrap();
    let typed = app.send(request).await;
    assert_eq!(typed.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", typed.body);
    assert_eq!(typed.body["code"], "validation_failed");
    // The server is fine afterwards.
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
}

#[tokio::test]
async fn long_query_strings_and_headers_get_414_and_431() {
    let app = TestApp::with_demo().await;
    let served = Served::start(&app, Duration::from_secs(10)).await;
    let allowed = format!("/healthz?q={}", "a".repeat(server::web::limits::MAX_QUERY_BYTES - 2));
    assert_eq!(served.get(&allowed, "").await.0, "HTTP/1.1 200 OK");

    let (status, body) = served.get(&format!("/healthz?q={}", "a".repeat(server::web::limits::MAX_QUERY_BYTES)), "").await;
    assert_eq!(status, "HTTP/1.1 414 URI Too Long");
    assert_eq!(json_of(&body), json!({ "code": "uri_too_long", "message": "The query string is longer than 8 KiB.", "details": {} }));

    let (status, body) = served.get("/healthz", &format!("X-Padding: {}\r\n", "b".repeat(40 * 1024))).await;
    assert_eq!(status, "HTTP/1.1 431 Request Header Fields Too Large");
    assert_eq!(json_of(&body), json!({ "code": "headers_too_large", "message": "The request headers are larger than 32 KiB together.", "details": {} }));

    // Beyond 64 KiB of request head hyper refuses before any handler: 431 with no body.
    let (status, body) = served.get(&format!("/healthz?q={}", "a".repeat(100 * 1024)), "").await;
    assert_eq!(status, "HTTP/1.1 431 Request Header Fields Too Large");
    assert!(body.is_empty());
    let (status, _) = served.get("/healthz", &format!("X-Padding: {}\r\n", "b".repeat(100 * 1024))).await;
    assert_eq!(status, "HTTP/1.1 431 Request Header Fields Too Large");
    // And the server still answers.
    assert_eq!(served.get("/healthz", "").await.0, "HTTP/1.1 200 OK");
}

#[tokio::test]
async fn a_request_over_the_time_limit_is_a_503_in_the_error_shape() {
    let mut app = TestApp::with_demo().await;
    let mut config = (*app.state.config).clone();
    config.request_timeout = Duration::from_millis(500);
    app.state.config = Arc::new(config);
    app.router = server::app_router(app.state.clone());
    let served = Served::start(&app, Duration::from_secs(10)).await;
    // A body announced and never sent: the handler waits for it until the limit.
    let started = Instant::now();
    let (status, body) = served
        .raw(
            "POST /portal/v1/auth/login HTTP/1.1\r\nHost: canopy.test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
            b"{\"email\":",
        )
        .await;
    let took = started.elapsed();
    assert_eq!(status, "HTTP/1.1 503 Service Unavailable");
    assert_eq!(
        json_of(&body),
        json!({ "code": "request_timeout", "message": "The request took longer than 500 ms and was stopped.", "details": {} })
    );
    assert!(took >= Duration::from_millis(500) && took < Duration::from_secs(3), "answered after {took:?}");
}

#[tokio::test]
async fn ten_thousand_item_bulk_create_finishes_well_inside_the_default_time_limit() {
    let app = TestApp::with_demo().await;
    assert_eq!(app.state.config.request_timeout, Duration::from_secs(30));
    let token = app.demo_token().await;
    let listed = |path: String| {
        let app = &app;
        let token = &token;
        async move {
            let response = app.get(&path, Some(token)).await;
            assert_eq!(response.status, StatusCode::OK, "{}", response.body);
            response.body["items"].as_array().unwrap().clone()
        }
    };
    let roles: Vec<Value> = listed(format!("{PROD}/roles?take=100")).await.into_iter().filter(|role| role["name"] == "viewer" || role["name"] == "editor").collect();
    let nodes: Vec<Value> = listed(format!("{PROD}/nodes?take=100")).await.into_iter().filter(|node| node["depth"] == 2).take(2).collect();
    assert_eq!((roles.len(), nodes.len()), (2, 2));
    let identities: Vec<Value> = (0..2_500).map(|n| json!({ "first_name": "Bulk", "last_name": format!("Person {n}"), "email": format!("bulk-{n}@limits.example") })).collect();
    let created = app.post("/portal/v1/accounts/acme/applications/billing/identities/bulk-create", Some(&token), json!({ "identities": identities })).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let ids: Vec<String> = created.body["results"].as_array().unwrap().iter().map(|result| result["data"]["id"].as_str().unwrap().to_owned()).collect();
    let mut batch = Vec::new();
    for id in &ids {
        for role in &roles {
            for node in &nodes {
                batch.push(json!({ "identity_id": id, "node_id": node["id"], "role_id": role["id"] }));
            }
        }
    }
    assert_eq!(batch.len(), 10_000);
    let body = json!({ "assignments": batch }).to_string();
    let served = Served::start(&app, Duration::from_secs(10)).await;
    let started = Instant::now();
    let (status, response) = served
        .raw(
            &format!(
                "POST {PROD}/assignments/bulk-create HTTP/1.1\r\nHost: canopy.test\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            ),
            body.as_bytes(),
        )
        .await;
    let took = started.elapsed();
    assert_eq!(status, "HTTP/1.1 200 OK", "{}", &response[..response.len().min(500)]);
    eprintln!("10,000-item bulk-create over TCP: {} ms ({} KiB body)", took.as_millis(), body.len() / 1024);
    assert!(took < Duration::from_secs(15), "took {took:?}, half the 30 s limit is the margin");
}

/// One slowloris connection: sends `GET /healthz ...` one byte every 100 ms, never finishing the
/// headers. Returns how long the server let it live, or `None` if it was not cut off in 10 s.
async fn slowloris(addr: SocketAddr) -> Option<Duration> {
    let stream = TcpStream::connect(addr).await.ok()?;
    let started = Instant::now();
    let (mut read, mut write) = stream.into_split();
    let bytes = b"GET /healthz HTTP/1.1\r\nHost: canopy.test\r\nX-Slow: ".iter().copied().chain(std::iter::repeat(b'a'));
    let mut bytes = bytes.into_iter();
    let mut tick = tokio::time::interval(Duration::from_millis(100));
    let mut buffer = [0u8; 256];
    while started.elapsed() < Duration::from_secs(10) {
        tokio::select! {
            read = read.read(&mut buffer) => return match read {
                Ok(0) | Err(_) => Some(started.elapsed()),
                Ok(_) => None,
            },
            _ = tick.tick() => {
                if write.write_all(&[bytes.next().unwrap()]).await.is_err() {
                    return Some(started.elapsed());
                }
            }
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_is_cut_off_at_the_header_timeout_while_others_are_served() {
    let app = TestApp::with_demo().await;
    let header_timeout = Duration::from_secs(1);
    let served = Served::start(&app, header_timeout).await;
    let attackers: Vec<_> = (0..200).map(|_| tokio::spawn(slowloris(served.addr))).collect();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // During the attack: ordinary requests, each on a new connection.
    let mut latencies = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let (status, _) = served.get("/healthz", "").await;
        latencies.push(started.elapsed());
        assert_eq!(status, "HTTP/1.1 200 OK");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let slowest = *latencies.iter().max().unwrap();

    let mut lifetimes = Vec::new();
    for attacker in attackers {
        lifetimes.push(attacker.await.unwrap().expect("every slow connection is closed by the server"));
    }
    lifetimes.sort();
    let (first, last) = (lifetimes[0], lifetimes[lifetimes.len() - 1]);
    eprintln!(
        "slowloris, 200 connections, header timeout {header_timeout:?}: closed after {} to {} ms; 20 requests meanwhile, slowest {} ms",
        first.as_millis(),
        last.as_millis(),
        slowest.as_millis()
    );
    assert!(slowest < Duration::from_millis(1000), "a normal request took {slowest:?} during the attack");
    assert!(first >= header_timeout / 2, "closed too early: {first:?}");
    assert!(last < header_timeout + Duration::from_secs(2), "closed too late: {last:?}");
    assert_eq!(served.get("/healthz", "").await.0, "HTTP/1.1 200 OK");
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_and_closes_idle_connections() {
    let app = TestApp::with_demo().await;
    let mut served = Served::start(&app, Duration::from_secs(10)).await;
    // An idle keep-alive connection, after one answered request.
    let mut idle = TcpStream::connect(served.addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: canopy.test\r\n\r\n").await.unwrap();
    let mut buffer = [0u8; 1024];
    let read = idle.read(&mut buffer).await.unwrap();
    assert!(String::from_utf8_lossy(&buffer[..read]).starts_with("HTTP/1.1 200 OK"));
    // A request whose body is still coming when the signal arrives.
    let mut in_flight = TcpStream::connect(served.addr).await.unwrap();
    in_flight
        .write_all(b"POST /portal/v1/auth/login HTTP/1.1\r\nHost: canopy.test\r\nContent-Type: application/json\r\nContent-Length: 53\r\n\r\n{\"email\":\"admin@acme.example\",")
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = Instant::now();
    served.stop.take().unwrap().send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(TcpStream::connect(served.addr).await.is_err(), "the listener is closed");
    in_flight.write_all(b"\"password\":\"nope-nope\"}").await.unwrap();
    let mut answer = Vec::new();
    in_flight.read_to_end(&mut answer).await.unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 401 Unauthorized"), "{}", String::from_utf8_lossy(&answer));
    assert_eq!(idle.read(&mut buffer).await.unwrap(), 0, "the idle connection is closed");
    let task = &mut served.task;
    let result = tokio::time::timeout(Duration::from_secs(5), task).await.expect("serve returns").unwrap();
    assert!(result.is_ok());
    assert!(started.elapsed() < Duration::from_secs(5));
}
