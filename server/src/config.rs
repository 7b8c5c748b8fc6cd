//! Run-time configuration, from the command line or the environment.
//!
//! | setting | flag | variable | default |
//! |---|---|---|---|
//! | database | `--database-url` | `DATABASE_URL` | `sqlite://data/canopy.db` |
//! | listen address | `--addr` | `LEPTOS_SITE_ADDR` | `127.0.0.1:3000` |
//! | JWT signing secret | — | `CANOPY_JWT_SECRET` | required in production; in development generated once and kept in `<data dir>/jwt-secret` |
//! | mode | `--mode` | `CANOPY_ENV` | `development` |
//! | data directory | `--data-dir` | `CANOPY_DATA_DIR` | `data` |
//! | log filter | `--log` | `RUST_LOG` | `info` |
//! | request time limit (seconds) | `--request-timeout` | `CANOPY_REQUEST_TIMEOUT` | `30` |
//! | header read time limit (seconds) | `--header-read-timeout` | `CANOPY_HEADER_READ_TIMEOUT` | `10` |
//! | proxies whose `X-Forwarded-For` is believed | `--trusted-proxies` | `CANOPY_TRUSTED_PROXIES` | none |

use std::{io::Write, net::SocketAddr, path::{Path, PathBuf}, time::Duration};

use clap::{Args, ValueEnum};

use crate::domain::proxies::TrustedProxies;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    Development,
    Production,
}

/// Settings every subcommand shares.
#[derive(Debug, Clone, Args)]
pub struct CommonArgs {
    /// Database: sqlite://path/to/file.db or postgres://user:pass@host/db.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/canopy.db", global = true)]
    pub database_url: String,

    /// development generates a JWT secret on first run; production requires CANOPY_JWT_SECRET.
    #[arg(long, env = "CANOPY_ENV", value_enum, default_value = "development", global = true)]
    pub mode: Mode,

    /// Where the development JWT secret is kept (and the default SQLite file lives).
    #[arg(long, env = "CANOPY_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Log filter, e.g. `info`, `debug`, `info,sqlx=debug`.
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub log: String,
}

/// Settings of `canopy serve`.
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LEPTOS_SITE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Directory of the built site (the WASM bundle, CSS and public assets).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: String,

    /// Seed the demo data on start when the database holds none yet.
    #[arg(long, env = "CANOPY_DEMO")]
    pub demo: bool,

    /// Seconds a request may take, body included, before it is answered 503 `request_timeout`.
    #[arg(long, env = "CANOPY_REQUEST_TIMEOUT", default_value_t = DEFAULT_REQUEST_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,

    /// Seconds a client has to send a request's headers (also how long an idle connection is
    /// kept open); then the connection is closed.
    #[arg(long, env = "CANOPY_HEADER_READ_TIMEOUT", default_value_t = DEFAULT_HEADER_READ_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout: u64,

    /// Comma-separated addresses or networks of reverse proxies whose X-Forwarded-For names the
    /// client (for the sign-in throttles); empty: the TCP peer is the client.
    #[arg(long, env = "CANOPY_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: TrustedProxies,
}

pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a session lasts from sign-in, and each token issued for it.
#[derive(Debug, Clone, Copy)]
pub struct SessionLifetimes {
    pub session: Duration,
    pub token: Duration,
}

/// What the running server needs beyond the database.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub mode: Mode,
    pub sessions: SessionLifetimes,
    /// `Secure` on the session cookie; on in production (served behind HTTPS).
    pub secure_cookies: bool,
    /// Serve lists and checks from the in-memory index when it is current (`CANOPY_INDEX=off`
    /// turns it off, e.g. to compare with plain SQL).
    pub index_enabled: bool,
    /// How long one request may take (`TimeoutLayer`-like; see `web::limits`).
    pub request_timeout: Duration,
    /// How long a connection may take to send a request's headers (`web::serve`).
    pub header_read_timeout: Duration,
    /// Reverse proxies whose `X-Forwarded-For` is believed (`web::client`).
    pub trusted_proxies: TrustedProxies,
    /// `Strict-Transport-Security` on every response; on in production (served behind HTTPS).
    pub hsts: bool,
    /// How far back `GET /api/v1/changes` resumes (`CANOPY_CHANGES_RETENTION_HOURS`, default 7
    /// days); a revision older than that is a 410 with the oldest one it can resume from.
    pub changes_retention: Duration,
}

/// The change feed's default retention for API clients.
pub const DEFAULT_CHANGES_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

impl ServerConfig {
    pub fn new(mode: Mode) -> Self {
        Self {
            mode,
            sessions: SessionLifetimes { session: Duration::from_secs(7 * 24 * 60 * 60), token: Duration::from_secs(12 * 60 * 60) },
            secure_cookies: mode == Mode::Production,
            index_enabled: std::env::var("CANOPY_INDEX").map_or(true, |v| v != "off"),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            trusted_proxies: TrustedProxies::default(),
            hsts: mode == Mode::Production,
            changes_retention: std::env::var("CANOPY_CHANGES_RETENTION_HOURS")
                .ok()
                .and_then(|hours| hours.parse::<u64>().ok())
                .map_or(DEFAULT_CHANGES_RETENTION, |hours| Duration::from_secs(hours * 60 * 60)),
        }
    }

    /// The defaults with the settings of `canopy serve`.
    pub fn serving(mode: Mode, args: &ServeArgs) -> Self {
        Self {
            request_timeout: Duration::from_secs(args.request_timeout),
            header_read_timeout: Duration::from_secs(args.header_read_timeout),
            trusted_proxies: args.trusted_proxies.clone(),
            ..Self::new(mode)
        }
    }
}

const MIN_SECRET_LEN: usize = 32;

/// The JWT signing secret: `CANOPY_JWT_SECRET`, or in development a random one generated on
/// first run and kept (mode 0600) under the data directory so sessions survive restarts.
pub fn jwt_secret(common: &CommonArgs) -> Result<Vec<u8>, String> {
    if let Ok(secret) = std::env::var("CANOPY_JWT_SECRET") {
        if secret.len() < MIN_SECRET_LEN {
            return Err(format!("CANOPY_JWT_SECRET must be at least {MIN_SECRET_LEN} characters"));
        }
        return Ok(secret.into_bytes());
    }
    if common.mode == Mode::Production {
        return Err("CANOPY_JWT_SECRET is required when CANOPY_ENV=production".into());
    }
    let path = common.data_dir.join("jwt-secret");
    match std::fs::read_to_string(&path) {
        Ok(existing) if existing.trim().len() >= MIN_SECRET_LEN => Ok(existing.trim().as_bytes().to_vec()),
        Ok(_) | Err(_) if !path.exists() => create_secret_file(&path),
        Ok(_) => Err(format!("{} is too short; delete it to generate a new one", path.display())),
        Err(err) => Err(format!("cannot read {}: {err}", path.display())),
    }
}

fn create_secret_file(path: &Path) -> Result<Vec<u8>, String> {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|err| format!("cannot create {}: {err}", path.display()))?;
    file.write_all(secret.as_bytes()).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    Ok(secret.into_bytes())
}
