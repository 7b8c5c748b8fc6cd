//! `canopy`: the server and its administration commands.

use std::{path::PathBuf, process::ExitCode, sync::Arc, time::Instant};

use clap::{Parser, Subcommand};
use leptos::config::{Env, LeptosOptions};
use server::{
    auth::TokenKeys,
    config::{CommonArgs, ServeArgs, ServerConfig, jwt_secret},
    demo,
    domain::audit::Actor,
    features::{api_keys, install},
    state::AppState,
    store::{self, Store},
};

/// mimalloc instead of glibc's allocator: a 10,000-item bulk call allocates and frees a few
/// hundred thousand small strings (JSON values, SQL arguments, audit rows), and glibc spends a
/// tenth of that request consolidating its free lists.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "canopy", version, about = "Canopy: manage who may do what in your applications.")]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default): migrate, optionally seed the demo data, serve.
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the demo data (account `acme`) unless it is already there.
    Seed,
    /// Create an admin who owns an account (the account is created when missing).
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        /// Account slug.
        #[arg(long)]
        account: String,
    },
    /// Create a management API key for an environment; prints the secret alone on stdout.
    CreateApiKey {
        #[arg(long)]
        account: String,
        #[arg(long)]
        application: String,
        #[arg(long)]
        environment: String,
        /// A label to recognise the key by.
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// Copy the SQLite database to FILE, consistently, while the server may be serving it
    /// (PostgreSQL: use pg_dump).
    Backup {
        /// Where the copy goes; an existing file there is replaced once the copy is checked.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Replace the SQLite database with a backup made by `canopy backup`; stop the server first
    /// (PostgreSQL: use pg_restore).
    Restore {
        /// The backup to restore.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
}

/// `canopy` with no subcommand serves with the defaults (and the environment's settings).
#[derive(Debug, Parser)]
struct ServeDefaults {
    #[command(flatten)]
    args: ServeArgs,
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(&cli.common.log);
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("canopy: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    let command = cli.command.unwrap_or_else(|| Command::Serve(ServeDefaults::parse_from(["canopy"]).args));
    // These two work on the database file, without opening (or migrating) it as a store.
    match &command {
        Command::Backup { to } => return store::backup::backup(&cli.common.database_url, to).await.map(|done| println!("{done}")),
        Command::Restore { from } => return store::backup::restore(&cli.common.database_url, from).await.map(|done| println!("{done}")),
        _ => {}
    }
    let store = open_store(&cli.common.database_url).await?;
    match command {
        Command::Serve(args) => serve(cli.common, args, store).await,
        Command::Migrate => {
            println!("Database is up to date ({}).", store.backend().name());
            Ok(())
        }
        Command::Seed => {
            let outcome = install::service::seed_demo(store.as_ref()).await.map_err(|err| format!("seeding failed: {err}"))?;
            match outcome {
                install::service::SeedOutcome::Seeded => println!("Demo data loaded."),
                install::service::SeedOutcome::AlreadyPresent => println!("Demo data is already present; nothing to do."),
            }
            Ok(())
        }
        Command::CreateAdmin { email, password, account } => {
            let admin = install::service::create_admin(store.as_ref(), &email, &password, &account)
                .await
                .map_err(|err| describe(&err))?;
            println!("Created admin {} (owner of account {account}).", admin.email);
            Ok(())
        }
        Command::CreateApiKey { account, application, environment, name } => {
            let (_, secret) =
                api_keys::service::create_api_key(store.as_ref(), &account, &application, &environment, &name, Actor::System)
                    .await
                    .map_err(|err| describe(&err))?;
            println!("{secret}");
            Ok(())
        }
        Command::Backup { .. } | Command::Restore { .. } => unreachable!("handled before the store is opened"),
    }
}

/// Connects and migrates; every failure is one line naming the cause.
async fn open_store(url: &str) -> Result<Arc<Store>, String> {
    let shown = redact(url);
    let store = store::connect(url).await.map_err(|err| format!("cannot open the database {shown}: {err}"))?;
    store.migrate().await.map_err(|err| format!("cannot migrate the database {shown}: {err}"))?;
    Ok(store)
}

async fn serve(common: CommonArgs, args: ServeArgs, store: Arc<Store>) -> Result<(), String> {
    let started = Instant::now();
    if args.demo {
        let outcome = install::service::seed_demo(store.as_ref()).await.map_err(|err| format!("seeding failed: {err}"))?;
        if outcome == install::service::SeedOutcome::Seeded {
            tracing::info!("demo data loaded");
        }
    }
    let secret = jwt_secret(&common)?;
    let leptos = server::web::assets::with_hashed_names(
        LeptosOptions::builder()
            .output_name("canopy")
            .site_root(args.site_root.as_str())
            .site_pkg_dir("pkg")
            .site_addr(args.addr)
            .env(Env::PROD)
            .build(),
    );
    let config = ServerConfig::serving(common.mode, &args);
    let header_read_timeout = config.header_read_timeout;
    let state = AppState::new(store, TokenKeys::new(&secret), config, leptos);
    let router = server::app_router(state);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|err| format!("cannot listen on {}: {err}", args.addr))?;

    println!("Canopy is running at http://{} (ready in {} ms)", args.addr, started.elapsed().as_millis());
    if args.demo {
        println!("Demo sign-in: {} / {}", demo::DEMO_ADMIN_EMAIL, demo::DEMO_ADMIN_PASSWORD);
    }
    server::serve(listener, router, header_read_timeout, shutdown_signal())
        .await
        .map_err(|err| format!("server stopped: {err}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}

fn init_tracing(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

/// A command-line error as a sentence: the client-facing message plus the fields it names.
fn describe(err: &server::web::error::AppError) -> String {
    let body = err.body();
    if let server::web::error::AppError::Internal(cause) = err {
        return cause.clone();
    }
    let details: Vec<String> = body.details.iter().map(|(k, v)| format!("{k}: {}", v.as_str().unwrap_or_default())).collect();
    if details.is_empty() { body.message } else { format!("{} ({})", body.message, details.join("; ")) }
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}
