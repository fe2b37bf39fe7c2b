//! `azure_core` credentials (what `azure_identity` provides) signing in the SDK.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use defender_runtime::AzureCoreCredential;
use defender_sdk::{DefenderClient, ErrorKind};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Stands in for a managed identity: hands out a fixed token and counts the scopes asked for.
#[derive(Debug, Default)]
struct FixedIdentity {
    scopes: std::sync::Mutex<Vec<String>>,
    calls: AtomicUsize,
    fail: bool,
}

#[async_trait::async_trait]
impl TokenCredential for FixedIdentity {
    async fn get_token(
        &self,
        scopes: &[&str],
        _options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut seen) = self.scopes.lock() {
            seen.extend(scopes.iter().map(|s| (*s).to_owned()));
        }
        if self.fail {
            return Err(azure_core::Error::with_message(
                azure_core::error::ErrorKind::Credential,
                "no identity endpoint",
            ));
        }
        let expires_on = azure_core::time::OffsetDateTime::now_utc() + azure_core::time::Duration::hours(1);
        Ok(AccessToken::new("managed-identity-token", expires_on))
    }
}

#[tokio::test]
async fn an_azure_core_credential_signs_in_and_is_cached() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .and(header("authorization", "Bearer managed-identity-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(defender_e2e::fixture("get-exposure-score.json"), "application/json"),
        )
        .expect(2)
        .mount(&server)
        .await;
    let identity = Arc::new(FixedIdentity::default());
    let client = DefenderClient::builder()
        .base_url(&server.uri())
        .map(|b| b.credential(AzureCoreCredential::new(identity.clone())))
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));

    client.exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
    client.exposure_score().await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(identity.calls.load(Ordering::SeqCst), 1, "the token is cached");
    let scopes = identity.scopes.lock().map(|s| s.clone()).unwrap_or_default();
    assert_eq!(scopes, ["https://api.securitycenter.microsoft.com/.default"]);
}

#[tokio::test]
async fn an_azure_core_failure_is_an_auth_error() {
    let identity = Arc::new(FixedIdentity { fail: true, ..FixedIdentity::default() });
    let client = DefenderClient::builder()
        .base_url("http://127.0.0.1:9")
        .map(|b| b.credential(AzureCoreCredential::new(identity)))
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));
    let error = client.exposure_score().await.err().unwrap_or_else(|| panic!("signed in"));
    assert!(matches!(error.kind(), ErrorKind::Auth(_)), "{error:?}");
    assert!(error.to_string().contains("no identity endpoint"), "{error}");
}
