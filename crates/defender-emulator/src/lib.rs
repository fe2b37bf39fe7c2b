//! A local Microsoft Defender for Endpoint API, for demos and tests without a tenant.
//!
//! It serves every endpoint of the SDK's catalog from a tenant generated from a seed (the
//! scores from the documentation's examples, 25,000 machines, their alerts and machine
//! actions, and plausible entities of every other set); issues and checks bearer tokens like Entra ID (a v2.0
//! token endpoint, signed tokens, 401 in the API's error shape); answers the OData query
//! options the Defender documentation shows, with server-driven paging; and injects faults on
//! demand (throttling at a rate or past the documented limits, 503s, latency, dropped
//! connections), set at start or through `PUT /emulator/faults`.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! let emulator = defender_emulator::Emulator::start(defender_emulator::Config::default()).await?;
//! println!("API at {}, token endpoint under {}", emulator.base_url(), emulator.authority());
//! # Ok(()) }
//! ```

mod auth;
mod data;
mod engine;
pub mod faults;
pub mod filter;
mod graph;
mod operations;
mod query;
mod server;
pub mod storage;
mod synth;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub use faults::FaultConfig;
pub use storage::{StorageFaults, StorageRequest};

/// How to start an emulator.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free one.
    pub address: SocketAddr,
    /// The seed of the generated tenant: the same seed gives the same data.
    pub seed: u64,
    /// How many machines the tenant has.
    pub machines: usize,
    /// The tenant id the token endpoint serves.
    pub tenant_id: String,
    /// The registered application's client id.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: String,
    /// How long issued tokens live.
    pub token_lifetime_secs: u64,
    /// The largest page a list returns.
    pub max_page: usize,
    /// Faults to inject from the start.
    pub faults: FaultConfig,
    /// How many rows each export "via files" has.
    pub export_rows: usize,
    /// How many files an export's rows are split into.
    pub export_files: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed: 42,
            machines: 25_000,
            tenant_id: "00000000-0000-0000-0000-00000000e301".into(),
            client_id: "emulator-client".into(),
            client_secret: "emulator-secret".into(),
            token_lifetime_secs: 3_599,
            max_page: query::MAX_PAGE,
            faults: FaultConfig::default(),
            export_rows: 1_000,
            export_files: 2,
        }
    }
}

/// A running emulator; it stops when dropped.
pub struct Emulator {
    address: SocketAddr,
    config: Config,
    shared: Arc<server::Shared>,
    task: tokio::task::JoinHandle<()>,
    storage_task: tokio::task::JoinHandle<()>,
}

impl Emulator {
    /// Generates the tenant and starts serving on `config.address`.
    pub async fn start(config: Config) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(config.address).await?;
        let address = listener.local_addr()?;
        // Storage on a host of its own (another port), as Azure Storage is not the API's host.
        let storage_listener =
            tokio::net::TcpListener::bind(std::net::SocketAddr::new(address.ip(), 0)).await?;
        let storage_address = storage_listener.local_addr()?;
        let storage = Arc::new(storage::Storage::default());
        let tenant = data::Tenant::generate(config.seed, config.machines);
        let graph = graph::GraphData::from_tenant(tenant.set("alerts"), tenant.set("machines"));
        let shared = Arc::new(server::Shared {
            base: format!("http://{address}"),
            client_id: config.client_id.clone(),
            client_secret: config.client_secret.clone(),
            issuer: auth::Issuer::new(&config.tenant_id, config.token_lifetime_secs),
            tenant: Mutex::new(tenant),
            graph,
            faults: faults::Faults::new(config.faults.clone()),
            max_page: config.max_page.max(1),
            storage: storage.clone(),
            storage_base: format!("http://{storage_address}"),
            export_rows: config.export_rows,
            export_files: config.export_files.max(1),
            exports_made: std::sync::atomic::AtomicU64::new(0),
        });
        let storage_app = storage::router(storage);
        let storage_task = tokio::spawn(async move {
            if let Err(error) = axum::serve(storage_listener, storage_app).await {
                eprintln!("defender-emulator storage: {error}");
            }
        });
        let app = server::router(shared.clone());
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                eprintln!("defender-emulator: {error}");
            }
        });
        Ok(Self { address, config, shared, task, storage_task })
    }

    /// The API's base URL (`http://127.0.0.1:port`; the service root is `/api/` below it).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The authority host whose `/{tenant}/oauth2/v2.0/token` issues tokens.
    pub fn authority(&self) -> String {
        self.base_url()
    }

    /// The base URL of the storage listener the API's download links point at.
    pub fn storage_url(&self) -> &str {
        &self.shared.storage_base
    }

    /// Sets the faults the storage listener injects.
    pub fn set_storage_faults(&self, faults: StorageFaults) {
        self.shared.storage.set_faults(faults);
    }

    /// The requests the storage listener received, with the headers a test asserts on.
    pub fn storage_requests(&self) -> Vec<StorageRequest> {
        self.shared.storage.requests()
    }

    /// The configuration it runs with (tenant, client id and secret to sign in with).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The entities the emulated tenant holds in the entity set `set` now, as the API sends
    /// them; empty for a set it does not know. Some sets cannot be listed through the API (the
    /// spec marks them `Readable=false`, as the service documents), so this is how a test
    /// finds a key of one.
    pub fn entities(&self, set: &str) -> Vec<serde_json::Value> {
        let tenant = self.shared.tenant.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        tenant.set(set).to_vec()
    }
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("address", &self.address)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.task.abort();
        self.storage_task.abort();
    }
}
