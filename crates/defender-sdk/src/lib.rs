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
//! With the `tools` feature (off by default), `catalog::CATALOG` describes every endpoint the
//! client calls (verb, path template, parameters, permissions and the method that sends it) and
//! every type, and `registry` decodes by type name, for tools that work with endpoints named at
//! run time, such as the `defender` command:
//!
//! ```
//! # #[cfg(feature = "tools")] {
//! use defender_sdk::catalog::CATALOG;
//!
//! let isolate = CATALOG.endpoint("machines.isolate").unwrap();
//! assert_eq!(isolate.display(CATALOG.root), "POST /api/machines/{id}/isolate");
//! assert_eq!(isolate.sdk, "machines().get(id).isolate(comment, isolation_type)");
//! # }
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

#[cfg(feature = "graph")]
pub mod graph;

#[cfg(feature = "libraryfiles")]
mod library;

#[cfg(feature = "machineactions")]
mod actions;

#[cfg(feature = "machineactions")]
mod live_response;

#[cfg(feature = "advancedqueries")]
mod hunting;

#[cfg(feature = "machineactions")]
pub use actions::{ActionOutcome, ActionWait, FinishedAction};
/// The URL type of [`ClientSecretCredential::with_authority_host`] and similar settings,
/// re-exported so that callers need no `url` dependency of their own.
pub use defender_runtime::Url;
pub use defender_runtime::{
    AccessToken, ActionRefusal, Annotations, ApiHost, ClientBuilder, ClientCertificateCredential,
    ClientSecretCredential, Cloud, CollectionRequest, EntityRequest, EnvironmentCredential, Error, ErrorKind,
    ODataClient, Page, QueryOptions, RateLimiter, RawMembers, Region, Result, RetryPolicy,
    StaticTokenCredential, TokenCredential, edm, error, transport,
};
pub use generated::*;
#[cfg(feature = "advancedqueries")]
pub use hunting::{HuntingError, HuntingRows};
#[cfg(feature = "libraryfiles")]
pub use library::LibraryUpload;
#[cfg(feature = "machineactions")]
pub use live_response::{LiveResponseResult, MAX_RESULT_BYTES, ScriptTranscript, live_response_command};

/// The Defender for Endpoint API client. Endpoint methods (`exposure_score`,
/// `configuration_score`, …) are generated on it.
///
/// Cheap to clone; clones share connections and the token cache.
#[derive(Debug, Clone)]
pub struct DefenderClient {
    runtime: ODataClient,
}

impl DefenderClient {
    /// Starts configuring a client: cloud, host, credential, retries, timeouts, limits. See
    /// [`ClientBuilder`] for every setting and its default.
    pub fn builder() -> DefenderClientBuilder {
        DefenderClientBuilder::default()
    }

    /// Wraps a runtime client configured elsewhere.
    pub fn from_runtime(runtime: ODataClient) -> Self {
        Self { runtime }
    }

    /// The runtime client the endpoints call through, for requests the SDK does not cover yet.
    pub fn runtime(&self) -> &ODataClient {
        &self.runtime
    }

    /// Defender in Microsoft Graph (incidents, alerts, advanced hunting, Secure Score), with
    /// this client's credential and settings and a token for Graph's audience, cached apart
    /// from the Defender token (see [`ODataClient::graph`] for the host per cloud).
    #[cfg(feature = "graph")]
    pub fn graph(&self) -> graph::GraphClient {
        graph::GraphClient::from_runtime(self.runtime.graph().clone())
    }
}

impl From<ODataClient> for DefenderClient {
    fn from(runtime: ODataClient) -> Self {
        Self { runtime }
    }
}

/// Hunting rows kept as sent (both hunting APIs' open row types), each decoded into the
/// caller's `T`; a row that does not fit is a decode error naming the column.
#[cfg(any(feature = "graph", feature = "advancedqueries"))]
fn rows_as<'a, R, T>(rows: impl IntoIterator<Item = &'a R>) -> Result<Vec<T>>
where
    R: serde::Serialize + 'a,
    T: serde::de::DeserializeOwned,
{
    rows.into_iter()
        .map(|row| {
            let json = serde_json::to_vec(row)
                .map_err(|e| Error::config(format!("a hunting row could not be written back: {e}")))?;
            defender_runtime::odata::decode_body(&json, None)
        })
        .collect()
}

/// Configures a [`DefenderClient`]: the runtime's [`ClientBuilder`], building this client.
pub type DefenderClientBuilder = ClientBuilder<DefenderClient>;

// Compiles the README's usage example as a doctest, so that the front page stays true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
mod readme {}
