//! A typed async client for the Microsoft Defender for Endpoint API.
//!
//! Entity types and endpoint methods are generated from the API's OData metadata
//! (`specs/defender-endpoint.xml`); this file is the hand-written front door around them.
//!
//! ```no_run
//! use defender_sdk::{ClientSecretCredential, DefenderClient};
//!
//! # async fn run() -> defender_sdk::Result<()> {
//! let client = DefenderClient::builder()
//!     .credential(ClientSecretCredential::new("tenant-id", "client-id", "client-secret"))
//!     .build()?;
//!
//! let exposure = client.exposure_score().await?;
//! println!("exposure score {:?} at {:?}", exposure.score, exposure.time);
//!
//! let groups = client.exposure_score().by_machine_groups().collect_all().await?;
//! for group in groups {
//!     println!("{:?}: {:?}", group.rbac_group_name.or(group.rbac_group_id.map(|id| id.to_string())), group.score);
//! }
//! # Ok(()) }
//! ```
//!
//! # Endpoints as data
//!
//! [`catalog::CATALOG`] describes every endpoint the client calls (verb, path template,
//! parameters, permissions and the method that sends it) and every type, for tools that work
//! with endpoints named at run time:
//!
//! ```
//! use defender_sdk::catalog::CATALOG;
//!
//! let isolate = CATALOG.endpoint("machines.isolate").unwrap();
//! assert_eq!(isolate.display(CATALOG.root), "POST /api/machines/{id}/isolate");
//! assert_eq!(isolate.sdk, "machines().get(id).isolate(comment, isolation_type)");
//! ```
//!
//! # Where the documentation disagrees
//!
//! The reference pages the metadata was written from differ in places; the SDK accepts every
//! variant:
//!
//! - Device group scores carry `rbacGroupName` in the current example and `rbacGroupId` (a JSON
//!   number, though the resource page types it as a string) in an earlier one. Both fields
//!   exist on [`ExposureScore`] and both may be `None`.
//! - Examples use the hosts `api.security.microsoft.com`, `api.securitycenter.microsoft.com`,
//!   `api.securitycenter.windows.com` and `api-us.securitycenter.windows.com`; all are
//!   [`ApiHost`] values, and `@odata.context` from any of them is kept as sent.
//! - One page spells the permission `Score.Read.Alll`; it is `Score.Read.All`.
//! - One page's description of the device group scores was copied from an alerts page; the
//!   generated documentation says what the endpoint returns.
//! - Timestamps arrive with 6 or 7 fractional digits; [`edm::DateTimeOffset`] keeps both exactly.

// Generated code is formatted by the generator (prettyplease), not by rustfmt, so that
// `cargo xtask codegen --check` and `cargo fmt --check` agree.
#[rustfmt::skip]
mod generated;

#[cfg(feature = "libraryfiles")]
mod library;

use std::sync::Arc;

/// The URL type of [`ClientSecretCredential::with_authority_host`] and similar settings,
/// re-exported so that callers need no `url` dependency of their own.
pub use defender_runtime::Url;
pub use defender_runtime::{
    AccessToken, Annotations, ApiHost, ClientCertificateCredential, ClientSecretCredential, Cloud,
    CollectionRequest, EntityRequest, EnvironmentCredential, Error, ErrorKind, ODataClient, Page,
    QueryOptions, RateLimiter, RawMembers, Region, Result, RetryPolicy, StaticTokenCredential,
    TokenCredential, edm, error, transport,
};
pub use generated::*;
#[cfg(feature = "libraryfiles")]
pub use library::LibraryUpload;

/// The Defender for Endpoint API client. Endpoint methods (`exposure_score`,
/// `configuration_score`, …) are generated on it.
///
/// Cheap to clone; clones share connections and the token cache.
#[derive(Debug, Clone)]
pub struct DefenderClient {
    runtime: ODataClient,
}

impl DefenderClient {
    /// Starts configuring a client: cloud, host, credential, retries, limits.
    pub fn builder() -> DefenderClientBuilder {
        DefenderClientBuilder { inner: ODataClient::builder() }
    }

    /// Wraps a runtime client configured elsewhere.
    pub fn from_runtime(runtime: ODataClient) -> Self {
        Self { runtime }
    }

    /// The runtime client the endpoints call through, for requests the SDK does not cover yet.
    pub fn runtime(&self) -> &ODataClient {
        &self.runtime
    }
}

/// Configures a [`DefenderClient`]; see [`defender_runtime::ClientBuilder`] for the details.
#[derive(Debug)]
pub struct DefenderClientBuilder {
    inner: defender_runtime::ClientBuilder,
}

impl DefenderClientBuilder {
    /// The cloud: picks the default host, the sign-in authority's scope. Commercial by default.
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.inner = self.inner.cloud(cloud);
        self
    }

    /// One of the documented API hosts.
    pub fn api_host(mut self, host: ApiHost) -> Self {
        self.inner = self.inner.api_host(host);
        self
    }

    /// A custom base URL, such as a local emulator.
    pub fn base_url(mut self, url: &str) -> Result<Self> {
        self.inner = self.inner.base_url(url)?;
        Ok(self)
    }

    /// The credential that provides access tokens.
    pub fn credential(mut self, credential: impl TokenCredential + 'static) -> Self {
        self.inner = self.inner.credential(credential);
        self
    }

    /// A credential shared with other clients.
    pub fn shared_credential(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.inner = self.inner.shared_credential(credential);
        self
    }

    /// The OAuth2 scope, instead of the cloud's.
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.inner = self.inner.scope(scope);
        self
    }

    /// How failed requests are retried.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.inner = self.inner.retry_policy(retry);
        self
    }

    /// How long one attempt waits for the service to start answering (60 s by default); see
    /// [`defender_runtime::ClientBuilder::timeout`].
    pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
        self.inner = self.inner.timeout(timeout);
        self
    }

    /// How long a response body may go without sending a byte (30 s by default).
    pub fn read_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.inner = self.inner.read_timeout(timeout);
        self
    }

    /// The largest response body accepted.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.inner = self.inner.max_body_bytes(bytes);
        self
    }

    /// Keeps the client under per-API call rates; see [`RateLimiter::defender`].
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.inner = self.inner.rate_limiter(limiter);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<DefenderClient> {
        Ok(DefenderClient { runtime: self.inner.build()? })
    }
}

// Compiles the README's usage example as a doctest, so that the front page stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
mod readme {}
