//! Download links the API hands out (storage SAS URLs), as the runtime follows them: no token
//! on them, redirects only within the link's own origin, and Azure Storage's XML refusal read as
//! a typed error. (The emulator's storage listener covers exports, faults and resumption.)

use defender_e2e::defender_client;
use defender_sdk::ErrorKind;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_redirect_to_another_origin_is_not_followed_and_one_within_it_is() {
    let api = MockServer::start().await;
    let storage = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/c/away.json.gz"))
        .respond_with(
            ResponseTemplate::new(302).insert_header("location", format!("{}/stolen", elsewhere.uri())),
        )
        .mount(&storage)
        .await;
    Mock::given(method("GET"))
        .and(path("/c/moved.json.gz"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "/c/here.json.gz?sig=x"))
        .mount(&storage)
        .await;
    Mock::given(method("GET"))
        .and(path("/c/here.json.gz"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"file".to_vec()))
        .mount(&storage)
        .await;
    let client = defender_client(&api);

    let mut away = client
        .runtime()
        .download(&format!("{}/c/away.json.gz?sig=x", storage.uri()))
        .unwrap_or_else(|e| panic!("{e}"));
    let error =
        away.chunk().await.err().unwrap_or_else(|| panic!("followed a redirect off the storage host"));
    assert!(matches!(error.kind(), ErrorKind::Storage(s) if s.status.as_u16() == 302), "{error:?}");
    assert_eq!(elsewhere.received_requests().await.map(|r| r.len()), Some(0));

    let mut moved = client
        .runtime()
        .download(&format!("{}/c/moved.json.gz?sig=x", storage.uri()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(moved.chunk().await.unwrap_or_else(|e| panic!("{e}")).as_deref(), Some(&b"file"[..]));
    assert_eq!(moved.chunk().await.unwrap_or_else(|e| panic!("{e}")), None);

    // Nothing that went to storage carried the API's token.
    for request in storage.received_requests().await.unwrap_or_default() {
        assert!(!request.headers.contains_key("authorization"), "{request:?}");
    }
}

#[tokio::test]
async fn an_expired_link_is_a_storage_error_never_a_decode_error() {
    let api = MockServer::start().await;
    let storage = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_raw(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request.\nRequestId:1</Message><AuthenticationErrorDetail>Signed expiry time [Mon, 01 Jan 2024 00:00:00 GMT] must be after signed start time</AuthenticationErrorDetail></Error>",
            "application/xml",
        ))
        .mount(&storage)
        .await;
    let client = defender_client(&api);
    let mut download = client
        .runtime()
        .download(&format!("{}/c/f.json.gz?se=2024&sig=secret", storage.uri()))
        .unwrap_or_else(|e| panic!("{e}"));
    let error = download.chunk().await.err().unwrap_or_else(|| panic!("an expired link downloaded"));
    let ErrorKind::Storage(refused) = error.kind() else { panic!("{error:?}") };
    assert!(refused.link_expired);
    assert_eq!(refused.code.as_deref(), Some("AuthenticationFailed"));
    assert_eq!(refused.message.as_deref(), Some("Server failed to authenticate the request."));
    assert!(!error.to_string().contains("secret"), "the SAS stays out of messages: {error}");
}
