//! One credential, two APIs: Microsoft Graph beside Defender for Endpoint, each with a token
//! for its own audience, cached and refreshed on its own; and Graph's host per cloud.

use std::time::Duration;

use defender_e2e::{CLIENT_ID, TENANT, credential, quick_retries};
use defender_sdk::{Cloud, DefenderClient};
use futures_util::future::join_all;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const DEFENDER_TOKEN: &str = "token-for-defender";
const GRAPH_TOKEN: &str = "token-for-graph";

/// A token endpoint that issues a different token per requested scope, slowly, so that
/// concurrent callers overlap while the first request is in flight.
async fn mount_token_endpoint_per_scope(server: &MockServer) {
    for (scope, token) in [
        ("https%3A%2F%2Fapi.securitycenter.microsoft.com%2F.default", DEFENDER_TOKEN),
        ("https%3A%2F%2Fgraph.microsoft.com%2F.default", GRAPH_TOKEN),
    ] {
        Mock::given(method("POST"))
            .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
            .and(body_string_contains(format!("scope={scope}")))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({
                        "token_type": "Bearer", "expires_in": 3599, "access_token": token,
                    }))
                    .set_delay(Duration::from_millis(50)),
            )
            .mount(server)
            .await;
    }
}

fn client(server: &MockServer) -> DefenderClient {
    DefenderClient::builder()
        .base_url(&server.uri())
        .and_then(|b| b.credential(credential(server)).retry_policy(quick_retries()).build())
        .unwrap_or_else(|e| panic!("client: {e}"))
}

#[tokio::test]
async fn each_api_gets_a_token_for_its_audience_one_request_each_across_concurrent_calls() {
    let server = MockServer::start().await;
    mount_token_endpoint_per_scope(&server).await;
    // Each API answers only with its own token: a token for the other audience gets 401.
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .and(header("authorization", format!("Bearer {DEFENDER_TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"time": "2019-12-03T07:23:53.280499Z", "score": 33.4})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/security/incidents"))
        .and(header("authorization", format!("Bearer {GRAPH_TOKEN}").as_str()))
        .and(header("prefer", "include-unknown-enum-members"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"value": []})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            serde_json::json!({"error": {"code": "InvalidAuthenticationToken", "message": "wrong audience"}}),
        ))
        .with_priority(10)
        .mount(&server)
        .await;

    let client = client(&server);
    let graph = client.runtime().graph();
    assert_eq!(graph.service_root().as_str(), format!("{}/v1.0/", server.uri()));
    assert_eq!(graph.scope(), Some("https://graph.microsoft.com/.default"));
    let defender_calls = (0..20).map(|_| async { client.exposure_score().await.map(|_| ()) });
    let graph_calls = (0..20).map(|_| async {
        let url = graph.url("security/incidents")?;
        graph.get::<serde_json::Value>(url).await.map(|_| ())
    });
    let (defender, graph_results) = futures_util::join!(join_all(defender_calls), join_all(graph_calls));
    for result in defender.into_iter().chain(graph_results) {
        result.unwrap_or_else(|e| panic!("{e}"));
    }

    let requests = server.received_requests().await.unwrap_or_default();
    let scopes: Vec<String> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/oauth2/v2.0/token"))
        .map(|r| {
            let form: Vec<(String, String)> = url::form_urlencoded::parse(&r.body).into_owned().collect();
            assert!(form.iter().any(|(k, v)| k == "client_id" && v == CLIENT_ID));
            form.into_iter().find(|(k, _)| k == "scope").map(|(_, v)| v).unwrap_or_default()
        })
        .collect();
    let mut sorted = scopes.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["https://api.securitycenter.microsoft.com/.default", "https://graph.microsoft.com/.default"],
        "one token request per audience: {scopes:?}"
    );
    // The Defender API never sees Graph's `Prefer` header.
    assert!(
        requests
            .iter()
            .filter(|r| r.url.path().starts_with("/api/"))
            .all(|r| !r.headers.contains_key("prefer"))
    );
    // Clones share the Graph client and its token: no third token request.
    let again = client.clone();
    let url = again.runtime().graph().url("security/incidents").unwrap_or_else(|e| panic!("{e}"));
    again.runtime().graph().get::<serde_json::Value>(url).await.unwrap_or_else(|e| panic!("{e}"));
    let token_requests = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().ends_with("/oauth2/v2.0/token"))
        .count();
    assert_eq!(token_requests, 2);
}

#[tokio::test]
async fn the_graph_client_refuses_to_send_its_token_to_another_host() {
    let server = MockServer::start().await;
    mount_token_endpoint_per_scope(&server).await;
    let client = client(&server);
    let elsewhere = url::Url::parse("https://graph.example.net/v1.0/security/incidents")
        .unwrap_or_else(|e| panic!("{e}"));
    let error = client.runtime().graph().get::<serde_json::Value>(elsewhere).await.err();
    let message = error.map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("refusing to send the access token"), "{message}");
    assert!(
        server.received_requests().await.unwrap_or_default().is_empty(),
        "nothing was sent, not even a token request"
    );
}

#[test]
fn graph_has_its_host_and_audience_in_every_cloud() {
    let cases = [
        (
            Cloud::Commercial,
            "https://graph.microsoft.com/v1.0/",
            "https://graph.microsoft.com/.default",
            "https://login.microsoftonline.com/",
        ),
        (
            Cloud::UsGovGcc,
            "https://graph.microsoft.com/v1.0/",
            "https://graph.microsoft.com/.default",
            "https://login.microsoftonline.com/",
        ),
        (
            Cloud::UsGovGccHigh,
            "https://graph.microsoft.us/v1.0/",
            "https://graph.microsoft.us/.default",
            "https://login.microsoftonline.us/",
        ),
        (
            Cloud::UsGovDod,
            "https://dod-graph.microsoft.us/v1.0/",
            "https://dod-graph.microsoft.us/.default",
            "https://login.microsoftonline.us/",
        ),
    ];
    for (cloud, root, scope, authority) in cases {
        let graph = cloud.graph();
        assert_eq!(graph.service_root.as_str(), root, "{cloud:?}");
        assert_eq!(graph.scope, scope, "{cloud:?}");
        assert_eq!(cloud.authority_host().as_str(), authority, "{cloud:?}");
        // The client built for the cloud reaches the same Graph root.
        let client = DefenderClient::builder().cloud(cloud.clone()).build().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(client.runtime().graph().service_root().as_str(), root, "{cloud:?}");
    }
}

#[test]
fn a_graph_endpoint_can_be_set_and_must_be_https_off_loopback() {
    let client = DefenderClient::builder()
        .graph_endpoint("http://127.0.0.1:9/", "api://graph-test/.default")
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(client.runtime().graph().service_root().as_str(), "http://127.0.0.1:9/v1.0/");
    let refused =
        DefenderClient::builder().graph_endpoint("http://graph.example.net", "s").and_then(|b| b.build());
    let message = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(message.contains("not https"), "{message}");
}
