//! Defender in Microsoft Graph: incidents and alerts of Defender XDR, advanced hunting and
//! Microsoft Secure Score, under Graph's `security` singleton (feature `graph`).
//!
//! Generated from `specs/graph-security.xml`, the Defender part of Graph's published v1.0
//! metadata. Reach it from the client you already build: [`DefenderClient::graph`]. One
//! credential serves both APIs; each gets a token for its own audience.
//!
//! ```no_run
//! # async fn run(client: defender_sdk::DefenderClient) -> defender_sdk::Result<()> {
//! let graph = client.graph();
//! let incidents = graph.security().incidents().list().top(50).collect_all().await?;
//! for incident in &incidents {
//!     let alerts = graph.security().incidents().get(&incident.id).alerts().collect_all().await?;
//!     println!("{:?}: {} alerts", incident.display_name, alerts.len());
//! }
//! # Ok(()) }
//! ```
//!
//! [`DefenderClient::graph`]: crate::DefenderClient::graph

// Generated code is formatted by the generator (prettyplease), not by rustfmt, so that
// `cargo xtask codegen --check` and `cargo fmt --check` agree.
#[rustfmt::skip]
mod generated;

pub use generated::*;

use defender_runtime::ODataClient;

/// The Microsoft Graph client for Defender's part of Graph. Endpoint methods (`security`) are
/// generated on it.
///
/// Cheap to clone; clones share connections and Graph's token cache.
#[derive(Debug, Clone)]
pub struct GraphClient {
    runtime: ODataClient,
}

impl GraphClient {
    /// Wraps a runtime client whose service root is Graph's (`…/v1.0/`).
    pub fn from_runtime(runtime: ODataClient) -> Self {
        Self { runtime }
    }

    /// The runtime client the endpoints call through, for Graph requests the SDK does not
    /// cover yet.
    pub fn runtime(&self) -> &ODataClient {
        &self.runtime
    }
}

impl HuntingQueryResults {
    /// The rows of the hunting query, each decoded into `T`, your own `serde::Deserialize`
    /// type with the columns you need (name fields as the query's columns, or use
    /// `#[serde(rename = "…")]`); columns `T` does not name are ignored unless it says
    /// otherwise. A row that does not fit `T` is an [`ErrorKind::Decode`](crate::ErrorKind)
    /// naming the column.
    ///
    /// Rows arrive as open JSON objects (Graph types them as `huntingRowResult`, with no
    /// declared members), so [`HuntingQueryResults::results`] keeps each column as sent.
    pub fn rows<T: serde::de::DeserializeOwned>(&self) -> crate::Result<Vec<T>> {
        crate::rows_as(self.results.iter().flatten())
    }
}
