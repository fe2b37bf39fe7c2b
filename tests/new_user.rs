//! What a new user tripped on: `top` that did not stop, messages that did not say what happened,
//! an authority whose path was dropped, and the defaults of a silent server.

use std::io::Write;
use std::net::TcpListener;
use std::time::{Duration, SystemTime};

use defender_e2e::{
    CLIENT_ID, CLIENT_SECRET, TENANT, TOKEN, defender_client, mount_token_endpoint, read_request_head,
};
use defender_sdk::{
    ClientSecretCredential, DefenderClient, ErrorKind, RetryPolicy, StaticTokenCredential, Url,
};
use futures_util::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// A service that keeps `$top` as a page size: every page holds `$top` machines and links to
/// the next, without end.
struct EndlessPages {
    root: String,
}

impl Respond for EndlessPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let query = |name: &str| {
            request.url.query_pairs().find(|(k, _)| k == name).and_then(|(_, v)| v.parse::<u64>().ok())
        };
        let (top, skip) = (query("$top").unwrap_or(100), query("$skip").unwrap_or(0));
        let items: Vec<_> = (skip..skip + top).map(|n| json!({"id": format!("machine-{n}")})).collect();
        let next = format!("{}/api/machines?$top={top}&$skip={}", self.root, skip + top);
        ResponseTemplate::new(200).set_body_json(json!({"value": items, "@odata.nextLink": next}))
    }
}

async fn requests(server: &MockServer) -> usize {
    let received = server.received_requests().await.unwrap_or_default();
    received.iter().filter(|r| r.url.path() == "/api/machines").count()
}

#[tokio::test]
async fn top_yields_at_most_that_many_items_and_stops_asking() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/machines"))
        .respond_with(EndlessPages { root: server.uri() })
        .mount(&server)
        .await;
    let client = defender_client(&server);

    let hundred = client.machines().list().top(100).collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(hundred.len(), 100);
    assert_eq!(requests(&server).await, 1, "one page holds the 100 asked for");

    // With a page size below `top`, pages continue until `top` items, the last one cut.
    let ids: Vec<String> = client
        .machines()
        .list()
        .top(250)
        .page_size(100)
        .items()
        .map_ok(|m| m.id)
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ids.len(), 250);
    assert_eq!(ids.first().map(String::as_str), Some("machine-0"));
    assert_eq!(ids.last().map(String::as_str), Some("machine-249"));
    assert_eq!(requests(&server).await, 1 + 3);

    let nothing = client.machines().list().top(0).collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(nothing.is_empty());
    assert_eq!(requests(&server).await, 4, "top(0) sends nothing");
}

#[tokio::test]
async fn an_authority_with_a_path_keeps_it_with_or_without_a_trailing_slash() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/custom/{TENANT}/oauth2/v2.0/token")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"expires_in": 3600, "access_token": TOKEN})),
        )
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"score": 1.5})))
        .mount(&server)
        .await;
    for authority in [format!("{}/custom", server.uri()), format!("{}/custom/", server.uri())] {
        let authority = Url::parse(&authority).unwrap_or_else(|e| panic!("{e}"));
        let credential =
            ClientSecretCredential::new(TENANT, CLIENT_ID, CLIENT_SECRET).with_authority_host(authority);
        let client = DefenderClient::builder()
            .base_url(&server.uri())
            .map(|b| b.credential(credential))
            .and_then(|b| b.build())
            .unwrap_or_else(|e| panic!("{e}"));
        let score = client.exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(score.score, Some(1.5));
    }
}

#[tokio::test]
async fn a_refused_token_connection_names_the_host_and_the_cause() {
    // A port nothing listens on.
    let closed =
        TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).unwrap_or_else(|e| panic!("{e}"));
    let authority = Url::parse(&format!("http://{closed}/")).unwrap_or_else(|e| panic!("{e}"));
    let credential =
        ClientSecretCredential::new(TENANT, CLIENT_ID, CLIENT_SECRET).with_authority_host(authority);
    let client = DefenderClient::builder()
        .base_url("http://127.0.0.1:9")
        .map(|b| b.credential(credential).retry_policy(RetryPolicy::none()))
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));

    let error = client.exposure_score().await.err().unwrap_or_else(|| panic!("signed in without a server"));
    let message = error.to_string();
    assert!(
        message.contains(&format!(
            "connecting to 127.0.0.1 for POST http://{closed}/{TENANT}/oauth2/v2.0/token"
        )),
        "{message}"
    );
    assert!(message.to_lowercase().contains("connection refused"), "{message}");
}

#[tokio::test]
async fn a_silent_server_fails_each_attempt_after_the_response_timeout() {
    // Accepts connections and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    std::thread::spawn(move || {
        let held: Vec<_> = listener.incoming().take(2).flatten().collect();
        std::thread::sleep(Duration::from_secs(5));
        drop(held);
    });
    let client = DefenderClient::builder()
        .base_url(&format!("http://{address}"))
        .map(|b| {
            b.credential(StaticTokenCredential::new("t", SystemTime::now() + Duration::from_secs(3600)))
                .timeout(Duration::from_millis(300))
                .retry_policy(
                    RetryPolicy::default().max_attempts(2).initial_backoff(Duration::from_millis(1)),
                )
        })
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));

    let error = client.exposure_score().await.err().unwrap_or_else(|| panic!("silence accepted"));
    let ErrorKind::Transport(transport) = error.kind() else { panic!("{error:?}") };
    assert!(transport.timed_out);
    let message = error.to_string();
    assert!(message.contains("127.0.0.1 did not answer within 0.3 s"), "{message}");
    assert!(message.ends_with("(gave up after 2 attempts)"), "{message}");
}

#[tokio::test]
async fn a_body_that_goes_silent_fails_after_the_read_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let address = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut stream in listener.incoming().take(1).flatten() {
            read_request_head(&mut stream);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{\"score\":");
            held.push(stream);
        }
        std::thread::sleep(Duration::from_secs(5));
    });
    let client = DefenderClient::builder()
        .base_url(&format!("http://{address}"))
        .map(|b| {
            b.credential(StaticTokenCredential::new("t", SystemTime::now() + Duration::from_secs(3600)))
                .read_timeout(Duration::from_millis(300))
                .retry_policy(RetryPolicy::none())
        })
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));

    let error = client.exposure_score().await.err().unwrap_or_else(|| panic!("silence accepted"));
    let message = error.to_string();
    assert!(message.contains("nothing arrived for 0.3 s after 9 of 100 bytes"), "{message}");
}
