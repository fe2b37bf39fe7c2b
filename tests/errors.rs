//! What callers get when the service or the network fails: typed errors, never panics.

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, SystemTime};

use defender_e2e::{defender_client, fixture, mount_token_endpoint, quick_retries, read_request_head};
use defender_sdk::{DefenderClient, ErrorKind, StaticTokenCredential};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn answer(server: &MockServer, response: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .respond_with(response)
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn an_odata_error_body_becomes_a_typed_http_error() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let response = ResponseTemplate::new(404)
        .set_body_raw(fixture("common-errors.resource-not-found.json"), "application/json")
        .insert_header("request-id", "req-42");
    answer(&server, response, 1).await;

    let error =
        defender_client(&server).exposure_score().await.err().unwrap_or_else(|| panic!("404 accepted"));
    let ErrorKind::Http(http) = error.kind() else { panic!("expected an HTTP error, got {error:?}") };
    assert_eq!(http.status.as_u16(), 404);
    assert_eq!(http.code.as_deref(), Some("ResourceNotFound"));
    assert_eq!(http.message.as_deref(), Some("Machine 123123123 was not found"));
    assert_eq!(http.target.as_deref(), Some("43f4cb08-8fac-4b65-9db1-745c2ae65f3a"));
    assert_eq!(http.request_id.as_deref(), Some("req-42"));
    assert_eq!(
        error.to_string(),
        "HTTP 404 Not Found ResourceNotFound: Machine 123123123 was not found (request id req-42)"
    );
}

#[tokio::test]
async fn an_html_502_page_is_retried_then_reported_with_an_excerpt() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let page =
        format!("<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>", "x".repeat(5000));
    answer(&server, ResponseTemplate::new(502).set_body_raw(page, "text/html"), 3).await;

    let error =
        defender_client(&server).exposure_score().await.err().unwrap_or_else(|| panic!("502 accepted"));
    let ErrorKind::Http(http) = error.kind() else { panic!("expected an HTTP error, got {error:?}") };
    assert_eq!(http.status.as_u16(), 502);
    assert_eq!(http.code, None);
    let excerpt = http.body_excerpt.as_deref().unwrap_or_default();
    assert!(excerpt.starts_with("<html><head><title>502 Bad Gateway"), "{excerpt}");
    assert!(excerpt.chars().count() <= 257, "excerpt not bounded: {} chars", excerpt.chars().count());
    assert!(error.is_transient());
}

#[tokio::test]
async fn throttling_waits_for_retry_after_and_then_succeeds() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    answer(
        &server,
        ResponseTemplate::new(200).set_body_raw(fixture("get-exposure-score.json"), "application/json"),
        1,
    )
    .await;

    let started = std::time::Instant::now();
    let score = defender_client(&server).exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(score.score, Some(33.491554051195706));
    // The client waited as asked rather than its own 5 ms backoff.
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
}

#[tokio::test]
async fn persistent_throttling_is_a_throttled_error_with_the_delay() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    answer(&server, ResponseTemplate::new(429).insert_header("retry-after", "0"), 3).await;

    let error =
        defender_client(&server).exposure_score().await.err().unwrap_or_else(|| panic!("429 accepted"));
    let ErrorKind::Throttled { error: http, retry_after } = error.kind() else { panic!("{error:?}") };
    assert_eq!(http.status.as_u16(), 429);
    assert_eq!(*retry_after, Some(Duration::ZERO));
}

#[tokio::test]
async fn malformed_json_is_a_decode_error_naming_the_path() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    answer(
        &server,
        ResponseTemplate::new(200)
            .set_body_raw(r#"{"time": "2019-12-03T07:23:53Z", "score": "high"}"#, "application/json"),
        1,
    )
    .await;

    let error = defender_client(&server).exposure_score().await.err().unwrap_or_else(|| panic!("decoded"));
    let ErrorKind::Decode(decode) = error.kind() else { panic!("{error:?}") };
    assert_eq!(decode.path, "score");
    assert!(decode.body_excerpt.contains("\"high\""), "{}", decode.body_excerpt);

    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    answer(
        &server,
        ResponseTemplate::new(200)
            .set_body_raw(r#"{"time": "2019-12-03T07:23:53Z", "sco"#, "application/json"),
        1,
    )
    .await;
    let error = defender_client(&server).exposure_score().await.err().unwrap_or_else(|| panic!("decoded"));
    assert!(matches!(error.kind(), ErrorKind::Decode(_)), "{error:?}");
}

#[tokio::test]
async fn a_body_over_the_limit_is_an_error_not_an_allocation() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let huge = format!("{{\"score\": 1, \"padding\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    answer(&server, ResponseTemplate::new(200).set_body_raw(huge, "application/json"), 1).await;
    let client = DefenderClient::builder()
        .base_url(&server.uri())
        .map(|b| b.credential(defender_e2e::credential(&server)).max_body_bytes(1024 * 1024))
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));

    let error = client.exposure_score().await.err().unwrap_or_else(|| panic!("huge body accepted"));
    assert!(matches!(error.kind(), ErrorKind::Transport(_)), "{error:?}");
    assert!(error.to_string().contains("larger than the 1048576 byte limit"), "{error}");
}

#[tokio::test]
async fn a_lost_connection_is_a_transport_error_after_retries() {
    // A server that accepts connections and closes them without answering.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    let accepted = std::thread::spawn(move || {
        let mut count = 0;
        for mut stream in listener.incoming().take(3).flatten() {
            read_request_head(&mut stream);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"sc");
            count += 1;
        }
        count
    });
    let client = DefenderClient::builder()
        .base_url(&format!("http://{address}"))
        .map(|b| {
            b.credential(StaticTokenCredential::new("t", SystemTime::now() + Duration::from_secs(3600)))
                .retry_policy(quick_retries())
        })
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));

    let error = client.exposure_score().await.err().unwrap_or_else(|| panic!("a cut body decoded"));
    assert!(matches!(error.kind(), ErrorKind::Transport(_)), "{error:?}");
    assert_eq!(accepted.join().unwrap_or_default(), 3, "each attempt reconnects");
    // The message says what happened, not only "error decoding response body".
    let message = error.to_string();
    assert!(message.starts_with("failed reading the body of GET http://127.0.0.1:"), "{message}");
    assert!(message.contains("the connection closed after 4 of 100 bytes"), "{message}");
    assert!(message.ends_with("(gave up after 3 attempts)"), "{message}");
    assert_eq!(error.attempts(), 3);
}

#[tokio::test]
async fn empty_and_plain_text_error_bodies_are_typed_errors() {
    for (status, body, excerpt) in
        [(400, "", None), (404, "Resource not found\n", Some("Resource not found")), (409, "   ", None)]
    {
        let server = MockServer::start().await;
        mount_token_endpoint(&server).await;
        answer(&server, ResponseTemplate::new(status).set_body_raw(body, "text/plain"), 1).await;
        let error = defender_client(&server)
            .exposure_score()
            .await
            .err()
            .unwrap_or_else(|| panic!("{status} accepted"));
        let ErrorKind::Http(http) = error.kind() else { panic!("{error:?}") };
        assert_eq!(http.status.as_u16(), status);
        assert_eq!(http.code, None);
        assert_eq!(http.body_excerpt.as_deref(), excerpt, "{status}");
        assert!(!error.to_string().contains('\n'), "{error}");
    }
}

#[tokio::test]
async fn an_odata_error_whose_target_is_a_request_id_is_reported_as_one() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let body = r#"{"error":{"code":"InvalidRequestBody","message":"Request body is incorrect","target":"1fa66c0f-18bd-4133-b378-36d76f3a2ba0"}}"#;
    answer(&server, ResponseTemplate::new(400).set_body_raw(body, "application/json"), 1).await;
    let error =
        defender_client(&server).exposure_score().await.err().unwrap_or_else(|| panic!("400 accepted"));
    assert_eq!(error.odata_code(), Some("InvalidRequestBody"));
    assert_eq!(error.request_id(), Some("1fa66c0f-18bd-4133-b378-36d76f3a2ba0"));
}
