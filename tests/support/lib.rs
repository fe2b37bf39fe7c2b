//! Shared pieces of the end-to-end tests: the fixture service's generated client, fixtures and
//! a local Entra ID token endpoint.

// Generated code is formatted by the generator (prettyplease), not by rustfmt, so that
// `cargo xtask codegen --check` and `cargo fmt --check` agree.
#[rustfmt::skip]
pub mod generated;

use defender_runtime::catalog::{Catalog, Shape, TypeRef};
use defender_sdk::ODataClient;

/// The client of the fixture service (`tests/fixtures/csdl/edm-types.xml`).
#[derive(Debug, Clone)]
pub struct FixtureClient {
    runtime: ODataClient,
}

impl FixtureClient {
    /// Wraps a runtime client.
    pub fn new(runtime: ODataClient) -> Self {
        Self { runtime }
    }

    /// The runtime client the generated endpoints call through.
    pub fn runtime(&self) -> &ODataClient {
        &self.runtime
    }
}

use std::time::Duration;

use defender_sdk::{ClientSecretCredential, DefenderClient, RetryPolicy};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The tenant id the local token endpoint serves.
pub const TENANT: &str = "contoso-tenant";
/// The application id the tests sign in with.
pub const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
/// The client secret the tests sign in with; tests assert it never leaks.
pub const CLIENT_SECRET: &str = "s3cr3t~value-that-must-not-leak";
/// The token the local token endpoint issues.
pub const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.test-token";

/// A response fixture from `tests/fixtures/responses`, named after the reference page.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/fixtures/responses/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// Mounts an Entra ID v2.0 token endpoint for [`TENANT`] that issues [`TOKEN`] for an hour.
pub async fn mount_token_endpoint(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "token_type": "Bearer",
            "expires_in": 3599,
            "ext_expires_in": 3599,
            "access_token": TOKEN,
        })))
        .mount(server)
        .await;
}

/// A client secret credential that signs in at `server`.
pub fn credential(server: &MockServer) -> ClientSecretCredential {
    let authority = url::Url::parse(&server.uri()).unwrap_or_else(|e| panic!("{e}"));
    ClientSecretCredential::new(TENANT, CLIENT_ID, CLIENT_SECRET).with_authority_host(authority)
}

/// Fast retries, so that fault tests take milliseconds.
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(3)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
        .deadline(Duration::from_secs(10))
}

/// A Defender client whose API and token endpoint are both `server`.
pub fn defender_client(server: &MockServer) -> DefenderClient {
    DefenderClient::builder()
        .base_url(&server.uri())
        .and_then(|b| b.credential(credential(server)).retry_policy(quick_retries()).build())
        .unwrap_or_else(|e| panic!("client: {e}"))
}

/// Asserts that `written` keeps everything in `original` (see
/// [`defender_runtime::lossless::first_loss`] for what counts as kept).
pub fn assert_lossless(original: &serde_json::Value, written: &serde_json::Value) {
    if let Some(loss) = defender_runtime::lossless::first_loss(original, written) {
        panic!("lost: {loss}");
    }
}

/// A value of `ty` as a command line would give it: strings with a quote, a comma and a slash
/// (to exercise escaping), enumerations as their first member, structured values as `{}`.
pub fn sample_argument(catalog: &Catalog, ty: TypeRef) -> String {
    if ty.collection {
        return match catalog.type_info(ty.name).map(|t| t.shape) {
            Some(Shape::Entity(_) | Shape::Complex(_)) => "[{}]".to_owned(),
            _ => format!(
                "{},{}",
                sample_argument(catalog, TypeRef::single(ty.name)),
                sample_argument(catalog, TypeRef::single(ty.name))
            ),
        };
    }
    match ty.name {
        "Edm.String" => "O'Neil, J/1".to_owned(),
        "Edm.Boolean" => "true".to_owned(),
        "Edm.Byte" | "Edm.SByte" | "Edm.Int16" | "Edm.Int32" | "Edm.Int64" => "48".to_owned(),
        "Edm.Double" | "Edm.Single" | "Edm.Decimal" => "1.5".to_owned(),
        "Edm.DateTimeOffset" => "2024-03-04T05:06:07.1234567Z".to_owned(),
        "Edm.Guid" => "6b3cb6b7-c8c9-4d39-8e88-54e4e1f1d1d2".to_owned(),
        name => match catalog.type_info(name).map(|t| t.shape) {
            Some(Shape::Enum(enumeration)) => enumeration.members[0].0.to_owned(),
            Some(Shape::Definition { underlying }) => sample_argument(catalog, TypeRef::single(underlying)),
            _ => "{}".to_owned(),
        },
    }
}

/// Reads a request's head from a raw connection, so that a hand-written answer comes after the
/// request, as it would from a server.
pub fn read_request_head(stream: &mut std::net::TcpStream) {
    use std::io::Read;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
        head.push(byte[0]);
    }
}
