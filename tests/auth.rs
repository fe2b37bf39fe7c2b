//! Signing in: the token request, the cache, refresh on 401, and secrets kept out of sight.

use std::time::{Duration, SystemTime};

use defender_e2e::{
    CLIENT_ID, CLIENT_SECRET, TENANT, TOKEN, credential, defender_client, fixture, mount_token_endpoint,
    quick_retries,
};
use defender_sdk::{DefenderClient, ErrorKind, StaticTokenCredential};
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn serve_exposure_score(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("get-exposure-score.json"), "application/json"),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn the_token_request_is_a_client_credentials_grant_for_the_default_scope() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    serve_exposure_score(&server).await;

    defender_client(&server).exposure_score().await.unwrap_or_else(|e| panic!("{e}"));

    let requests = server.received_requests().await.unwrap_or_default();
    let token_request = requests
        .iter()
        .find(|r| r.url.path() == format!("/{TENANT}/oauth2/v2.0/token"))
        .unwrap_or_else(|| panic!("no token request"));
    assert_eq!(
        token_request.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/x-www-form-urlencoded")
    );
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&token_request.body).into_owned().collect();
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    assert_eq!(field("grant_type"), Some("client_credentials"));
    assert_eq!(field("client_id"), Some(CLIENT_ID));
    assert_eq!(field("client_secret"), Some(CLIENT_SECRET));
    assert_eq!(field("scope"), Some("https://api.securitycenter.microsoft.com/.default"));
}

#[tokio::test]
async fn a_token_is_reused_and_concurrent_callers_share_one_refresh() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(
                    serde_json::json!({"token_type": "Bearer", "expires_in": "3599", "access_token": TOKEN}),
                )
                .set_delay(Duration::from_millis(50)),
        )
        .expect(1)
        .mount(&server)
        .await;
    serve_exposure_score(&server).await;

    let client = defender_client(&server);
    let calls = (0..100).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.exposure_score().await })
    });
    for call in calls.collect::<Vec<_>>() {
        let score = call.await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|e| panic!("{e}"));
        assert!(score.score.is_some());
    }
    // A later call reuses the cached token too; `expect(1)` on the token endpoint is verified
    // when the server drops.
    client.exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_once_and_the_call_retried() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"expires_in": 3599, "access_token": TOKEN})),
        )
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": {"code": "Unauthorized", "message": "Unauthorized (invalid or expired authorization header).", "target": "a1b2"}
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    serve_exposure_score(&server).await;

    let score = defender_client(&server).exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(score.score, Some(33.491554051195706));
}

#[tokio::test]
async fn a_token_the_api_keeps_refusing_is_an_auth_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": {"code": "Unauthorized", "message": "Unauthorized (invalid or expired authorization header).", "target": "43f4"}
        })))
        .expect(2)
        .mount(&server)
        .await;
    let client = DefenderClient::builder()
        .base_url(&server.uri())
        .map(|b| {
            b.credential(StaticTokenCredential::new("expired", SystemTime::now() + Duration::from_secs(3600)))
        })
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));

    let error = client.exposure_score().await.err().unwrap_or_else(|| panic!("401 accepted"));
    match error.kind() {
        ErrorKind::Auth(auth) => {
            assert_eq!(auth.status.map(|s| s.as_u16()), Some(401));
            assert_eq!(auth.code.as_deref(), Some("Unauthorized"));
            assert_eq!(auth.request_id.as_deref(), Some("43f4"));
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_refused_sign_in_is_an_auth_error_that_does_not_show_the_secret() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .and(body_string_contains("client_credentials"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "invalid_client",
            "error_description": "AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x\r\nCorrelation ID: y",
            "correlation_id": "c0ffee",
        })))
        .mount(&server)
        .await;

    let client = defender_client(&server);
    let error = client.exposure_score().await.err().unwrap_or_else(|| panic!("signed in"));
    match error.kind() {
        ErrorKind::Auth(auth) => {
            assert_eq!(auth.code.as_deref(), Some("invalid_client"));
            assert_eq!(auth.request_id.as_deref(), Some("c0ffee"));
        }
        other => panic!("expected an auth error, got {other:?}"),
    }
    for shown in
        [error.to_string(), format!("{error:?}"), format!("{client:?}"), format!("{:?}", credential(&server))]
    {
        assert!(!shown.contains(CLIENT_SECRET), "secret leaked: {shown}");
    }
    assert_eq!(
        error.to_string(),
        "authentication failed: HTTP 401 Unauthorized invalid_client: AADSTS7000215: Invalid client secret provided. (request id c0ffee)"
    );
}

#[tokio::test]
async fn plain_http_is_refused_except_to_loopback() {
    let refused = DefenderClient::builder().base_url("http://api.example.com").and_then(|b| b.build());
    let error = refused.err().unwrap_or_else(|| panic!("http to a remote host accepted"));
    assert!(matches!(error.kind(), ErrorKind::Config(_)), "{error:?}");

    let loopback = DefenderClient::builder()
        .base_url("http://127.0.0.1:9")
        .and_then(|b| b.retry_policy(quick_retries()).build());
    assert!(loopback.is_ok());
}

#[tokio::test]
async fn a_short_lived_token_is_reused_for_half_its_life() {
    let server = MockServer::start().await;
    // Five minutes: with a fixed five-minute margin it was never reused, and 30 concurrent
    // calls made 30 token requests.
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"expires_in": 300, "access_token": TOKEN})),
        )
        .expect(1)
        .mount(&server)
        .await;
    serve_exposure_score(&server).await;

    let client = defender_client(&server);
    let calls = (0..30).map(|_| client.exposure_score().get().send());
    for result in futures_util::future::join_all(calls).await {
        result.unwrap_or_else(|e| panic!("{e}"));
    }
}

#[tokio::test]
async fn a_token_past_half_its_life_is_replaced_before_use() {
    let server = MockServer::start().await;
    // Two seconds: due for refresh after one.
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"expires_in": 2, "access_token": TOKEN})),
        )
        .expect(2)
        .mount(&server)
        .await;
    serve_exposure_score(&server).await;

    let client = defender_client(&server);
    client.exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
    client.exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    client.exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
}
