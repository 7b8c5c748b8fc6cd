//! What every handler can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::{
    auth::{PrincipalCache, TokenKeys, throttle::Throttles},
    config::ServerConfig,
    features::health::monitor::DatabaseHealth,
    feed::Feed,
    index::Indexes,
    store::Store,
    web::export::Exports,
};

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub tokens: Arc<TokenKeys>,
    pub config: Arc<ServerConfig>,
    pub leptos: LeptosOptions,
    /// The in-memory index over `store` (lists and checks), used only while current.
    pub index: Arc<Indexes>,
    /// Verified API keys and management tokens, valid while no write has happened since.
    pub principals: Arc<PrincipalCache>,
    /// Whether the database answered a moment ago (pinged in the background); the index is
    /// trusted only while it did, and checks answer 503 while it is down.
    pub database: Arc<DatabaseHealth>,
    /// Failed sign-ins and key exchanges, per subject and per client address (in memory).
    pub throttles: Arc<Throttles>,
    /// The change feed's follower: memory (index, verified keys) answers only while it is fresh,
    /// so writes through other processes are seen within its bound.
    pub feed: Arc<Feed>,
    /// The permits of concurrent CSV exports (each streams one statement).
    pub exports: Arc<Exports>,
}

impl AppState {
    pub fn new(store: Arc<Store>, tokens: TokenKeys, config: ServerConfig, leptos: LeptosOptions) -> Self {
        let database = DatabaseHealth::start(&store);
        let feed = Arc::new(Feed::default());
        let index = Arc::new(Indexes::new(store.clone(), config.index_enabled, database.clone(), feed.clone()));
        feed.start(&store, &database, &index);
        index.start_loading();
        Self {
            store,
            tokens: Arc::new(tokens),
            config: Arc::new(config),
            leptos,
            index,
            principals: Arc::default(),
            database,
            throttles: Arc::default(),
            feed,
            exports: Arc::default(),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos.clone()
    }
}
