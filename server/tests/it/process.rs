//! The real `canopy` binary as a process on a free loopback port, and a one-request HTTP client
//! for it: what a test needs to kill a server mid-request and start it again.

use std::{
    net::SocketAddr,
    path::Path,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

pub const JWT_SECRET: &str = "process-test-secret-process-test-secret";

/// A `canopy serve` process; killed (SIGKILL) when dropped.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
}

impl ServerProcess {
    /// Starts `canopy serve` over `database_url` on a free port and waits until `/readyz` is 200.
    pub async fn start(database_url: &str, data_dir: &Path) -> Self {
        let addr = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_canopy"))
            .args(["serve", "--addr", &addr.to_string()])
            .env("DATABASE_URL", database_url)
            .env("CANOPY_JWT_SECRET", JWT_SECRET)
            .env("CANOPY_DATA_DIR", data_dir)
            .env("RUST_LOG", "error")
            .env_remove("CANOPY_DEMO")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("canopy starts");
        let mut server = Self { child, addr };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok((200, _)) = request(addr, "GET", "/readyz", &[], None).await {
                return server;
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("canopy exited before it was ready: {status}");
            }
            assert!(Instant::now() < deadline, "canopy was not ready within 60 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A port nothing listens on right now.
fn free_port() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("its address")
}

/// One request on a new connection: `(status, body)`, or why there was no answer (the server
/// died, refused the connection, ...).
pub async fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)], body: Option<String>) -> Result<(u16, Bytes), String> {
    answer(addr, method, path, headers, body).await.map(|(status, _, bytes)| (status, bytes))
}

/// [`request`], with the answer's headers.
pub async fn answer(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> Result<(u16, hyper::HeaderMap, Bytes), String> {
    let stream = tokio::net::TcpStream::connect(addr).await.map_err(|err| format!("connect: {err}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|err| format!("handshake: {err}"))?;
    tokio::spawn(connection);
    let mut builder = hyper::Request::builder().method(method).uri(path).header("host", addr.to_string());
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    if body.is_some() {
        builder = builder.header("content-type", "application/json");
    }
    let request = builder.body(Full::new(Bytes::from(body.unwrap_or_default()))).map_err(|err| err.to_string())?;
    let response = sender.send_request(request).await.map_err(|err| format!("no response: {err}"))?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.map_err(|err| format!("body cut off: {err}"))?.to_bytes();
    Ok((status, headers, bytes))
}
