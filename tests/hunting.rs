//! Advanced hunting (`advancedqueries/run`) as a job: rows decoded into the caller's own type,
//! and hunting's own failures (quota, preemption, result size) told apart from a broken query.
//! Bodies: the request and response examples of `run-advanced-query-api.md`, and the failure
//! messages that page and public reports quote.

use std::time::Duration;

use defender_e2e::{defender_client, mount_token_endpoint};
use defender_sdk::{ErrorKind, HuntingError};
use serde::Deserialize;
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(name: &str) -> String {
    let at = format!("{}/fixtures/api/alerts/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&at).unwrap_or_else(|e| panic!("{at}: {e}"))
}

/// The row a caller writes for the page's example query: its own names, a typed timestamp.
#[derive(Debug, Deserialize, PartialEq)]
struct Compilation {
    #[serde(rename = "Timestamp")]
    at: defender_sdk::edm::DateTimeOffset,
    #[serde(rename = "FileName")]
    file: String,
    #[serde(rename = "DeviceId")]
    device: String,
}

async fn answering(status: u16, body: Value) -> MockServer {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/advancedqueries/run"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn rows_decode_into_the_callers_own_type_with_the_schema_beside_them() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let request: Value =
        serde_json::from_str(&fixture("run-advanced-query-api.request.json")).unwrap_or_default();
    Mock::given(method("POST"))
        .and(path("/api/advancedqueries/run"))
        .and(body_json(&request))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(fixture("run-advanced-query-api.response.json"), "application/json"),
        )
        .mount(&server)
        .await;
    let query = request["Query"].as_str().unwrap_or_default();
    let client = defender_client(&server);

    let found = client.run_as::<Compilation>(query).await.unwrap_or_else(|e| panic!("{e}"));
    let columns: Vec<_> = found.schema.iter().filter_map(|c| c.name.as_deref()).collect();
    assert_eq!(columns, ["Timestamp", "FileName", "InitiatingProcessFileName", "DeviceId"]);
    assert!(found.rows.len() >= 2, "{:?}", found.rows);
    assert_eq!(found.rows[0].file, "csc.exe");
    assert_eq!(found.rows[0].device, "10cbf9182d4e95660362f65cfa67c7731f62fdb3");
    assert_eq!(found.rows[0].at.to_string(), "2020-02-05T01:10:26.2648757Z");

    // The same rows through `run`, which keeps every column, then decoded.
    let kept = client.run(query).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(kept.rows::<Compilation>().unwrap_or_else(|e| panic!("{e}")), found.rows);

    // A row that does not fit the caller's type names the row and the column.
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        #[serde(rename = "FileName")]
        file: u32,
    }
    let error = client.run_as::<Wrong>(query).await.err().unwrap_or_else(|| panic!("decoded"));
    let ErrorKind::Decode(decode) = error.kind() else { panic!("{error:?}") };
    assert_eq!(decode.path, "Results[0].FileName", "{error}");
}

#[tokio::test]
async fn a_quota_429_is_throttling_with_the_window_it_names_as_the_delay() {
    let server = answering(
        429,
        json!({"error": {"code": "429", "message": "API calls quota exceeded! Maximum allowed: 45 per 00:01:00"}}),
    )
    .await;
    let error =
        defender_client(&server).run_as::<Value>("DeviceInfo").await.err().unwrap_or_else(|| panic!("ok"));
    // The window is longer than the call's deadline allows, so the client gives up at once
    // rather than waiting a minute, and says how long to wait.
    assert!(
        matches!(error.kind(), ErrorKind::Throttled { retry_after: Some(d), .. } if *d == Duration::from_secs(60)),
        "{error:?}"
    );
    assert_eq!(
        HuntingError::of(&error),
        Some(HuntingError::Throttled { retry_after: Some(Duration::from_secs(60)) })
    );
    assert!(
        HuntingError::of(&error).map(|h| h.to_string()).unwrap_or_default().contains("try again in 60 s")
    );
    assert_eq!(server.received_requests().await.map(|r| r.len()), Some(2), "a token and one attempt");
}

#[tokio::test]
async fn preemption_result_size_and_a_broken_query_are_told_apart() {
    let cases = [
        (
            "Query execution has exceeded the allowed limits. The query execution was preempted. This could possibly be due to high CPU and/or memory resource consumption.",
            HuntingError::Preempted,
        ),
        (
            "Query execution has exceeded the allowed result size. Optimize your query by limiting the number of results and try again",
            HuntingError::ResultTooLarge,
        ),
        (
            "Failed to resolve table or column expression named 'DeviceProcesEvents'",
            HuntingError::InvalidQuery,
        ),
    ];
    for (message, expected) in cases {
        let server = answering(400, json!({"error": {"code": "BadRequest", "message": message}})).await;
        let error = defender_client(&server)
            .run_as::<Value>("DeviceInfo")
            .await
            .err()
            .unwrap_or_else(|| panic!("ok"));
        assert_eq!(HuntingError::of(&error), Some(expected), "{message}");
    }
    // Not hunting's own: a server error is left to the caller's usual handling.
    let server = answering(500, json!({"error": {"code": "InternalError", "message": "boom"}})).await;
    let error =
        defender_client(&server).run_as::<Value>("DeviceInfo").await.err().unwrap_or_else(|| panic!("ok"));
    assert_eq!(HuntingError::of(&error), None);
}
