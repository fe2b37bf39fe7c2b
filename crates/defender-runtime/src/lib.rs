//! The runtime under the generated Microsoft Defender for Endpoint SDK.
//!
//! Generated endpoint code in `defender-sdk` stands on this crate; applications normally use it
//! through `defender-sdk`, which re-exports what they need. It provides:
//!
//! - [`auth`]: access tokens from Entra ID ([`ClientSecretCredential`]) or elsewhere
//!   ([`TokenCredential`]), cached and refreshed by [`TokenCache`];
//! - [`cloud`]: the commercial and US Government clouds and every documented API host;
//! - [`transport`], [`retry`] and [`limit`]: attempts, `Retry-After`, backoff, deadlines, body
//!   limits, and an optional client-side rate limiter;
//! - [`odata`] and [`request`]: collection pages, `@odata.nextLink` paging, query options and
//!   the OData error document;
//! - [`edm`] and [`members`]: OData primitive values that round-trip without loss, decoded
//!   leniently, and the members a generated type keeps beside its properties;
//! - [`error`]: the one [`Error`] type, whose [`ErrorKind`] callers match on.
//!
//! The crate has three faces. The modules above are the application API, which `defender-sdk`
//! re-exports. `codegen` (hidden from the documentation) is what generated code stands on and
//! changes with the generator. `catalog` and `lossless` (feature `tools`) describe endpoints and
//! types as data and check saved responses, for the `defender` command and the emulator; a plain
//! SDK user does not compile them.

// The application API.
pub mod auth;
pub mod cloud;
pub mod edm;
pub mod error;
#[cfg(feature = "exports")]
pub mod export;
pub mod filter;
pub mod limit;
pub mod members;
pub mod odata;
pub mod patch;
pub mod request;
pub mod retry;
pub mod storage;
pub mod transport;

// Generated-code support, reached through `codegen`.
mod client;
#[doc(hidden)]
pub mod codegen;
mod json_path;
mod literal;
mod member_write;
mod multipart;
mod polymorphic;
mod wire;

// The tools' part.
#[cfg(feature = "tools")]
pub mod catalog;
#[cfg(feature = "tools")]
pub mod lossless;

#[cfg(feature = "azure-core")]
pub use auth::AzureCoreCredential;
pub use auth::{
    AccessToken, ClientCertificateCredential, ClientSecretCredential, EnvironmentCredential,
    StaticTokenCredential, TokenCache, TokenCredential,
};
pub use client::{ClientBuilder, ODataClient};
pub use cloud::{ApiHost, Cloud, GraphEndpoint, Region};
pub use error::{ActionRefusal, Error, ErrorKind, Result};
pub use limit::RateLimiter;
pub use members::{Annotations, RawMembers};
pub use odata::Page;
pub use patch::Patch;
pub use request::{ActionBody, CollectionRequest, EntityRequest, QueryOptions};
pub use reqwest::{Method, StatusCode};
pub use retry::RetryPolicy;
/// URLs, as the builders and credentials take them.
pub use url::Url;
