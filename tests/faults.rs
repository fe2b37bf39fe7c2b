//! Faults injected between the client and a loopback server: throttling storms, 5xx, slow
//! answers, a failing token endpoint, faults between pages, redirects to other hosts.

use std::time::Duration;

use defender_e2e::{
    TENANT, TOKEN, credential, defender_client, fixture, mount_token_endpoint, quick_retries,
};
use defender_sdk::{DefenderClient, ErrorKind, RetryPolicy};
use futures_util::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn exposure_score() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture("get-exposure-score.json"), "application/json")
}

async fn fail_then_succeed(server: &MockServer, failure: ResponseTemplate, failures: u64) {
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .respond_with(failure)
        .up_to_n_times(failures)
        .expect(failures)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .respond_with(exposure_score())
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_storm_of_429s_is_ridden_out_by_every_caller() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let storm = ResponseTemplate::new(429).insert_header("retry-after", "0");
    fail_then_succeed(&server, storm, 40).await;
    let client = DefenderClient::builder()
        .base_url(&server.uri())
        .map(|b| b.credential(credential(&server)).retry_policy(quick_retries().max_attempts(10)))
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));

    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.exposure_score().await })
        })
        .collect();
    for call in calls {
        let score = call.await.unwrap_or_else(|e| panic!("{e}")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(score.score, Some(33.491554051195706));
    }
    let api_calls = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/api/exposureScore")
        .count();
    assert_eq!(api_calls, 60, "20 successes after exactly 40 throttled attempts");
}

#[tokio::test]
async fn service_unavailable_is_retried_until_it_recovers() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    fail_then_succeed(&server, ResponseTemplate::new(503), 2).await;
    let score = defender_client(&server).exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(score.score.is_some());
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_is_a_timed_out_transport_error() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .respond_with(exposure_score().set_delay(Duration::from_secs(5)))
        .expect(2)
        .mount(&server)
        .await;
    let client = DefenderClient::builder()
        .base_url(&server.uri())
        .map(|b| {
            b.credential(credential(&server))
                .timeout(Duration::from_millis(200))
                .retry_policy(quick_retries().max_attempts(2))
        })
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));

    let started = std::time::Instant::now();
    let error = client.exposure_score().await.err().unwrap_or_else(|| panic!("slow answer accepted"));
    let ErrorKind::Transport(transport) = error.kind() else { panic!("{error:?}") };
    assert!(transport.timed_out, "{error}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[tokio::test]
async fn the_whole_call_deadline_caps_waiting_for_retry_after() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .respond_with(ResponseTemplate::new(503).insert_header("retry-after", "30"))
        .expect(1)
        .mount(&server)
        .await;
    let client = DefenderClient::builder()
        .base_url(&server.uri())
        .map(|b| {
            b.credential(credential(&server))
                .retry_policy(RetryPolicy::default().deadline(Duration::from_secs(2)))
        })
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));

    let started = std::time::Instant::now();
    let error = client.exposure_score().await.err().unwrap_or_else(|| panic!("503 accepted"));
    assert!(
        matches!(error.kind(), ErrorKind::Throttled { retry_after: Some(d), .. } if d.as_secs() == 30),
        "{error:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(1), "waited although the wait cannot fit the deadline");
}

#[tokio::test]
async fn a_token_endpoint_that_fails_twice_then_recovers() {
    let server = MockServer::start().await;
    let token_path = format!("/{TENANT}/oauth2/v2.0/token");
    Mock::given(method("POST"))
        .and(path(token_path.as_str()))
        .respond_with(ResponseTemplate::new(500).set_body_raw("<html>busy</html>", "text/html"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(token_path.as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"expires_in": 3599, "access_token": TOKEN})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .respond_with(exposure_score())
        .mount(&server)
        .await;
    let credential = credential(&server).with_transport(defender_sdk::transport::Transport::new(
        reqwest_client(),
        quick_retries(),
        1024 * 1024,
    ));
    let client = DefenderClient::builder()
        .base_url(&server.uri())
        .map(|b| b.credential(credential))
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));

    let score = client.exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(score.score.is_some());
}

fn reqwest_client() -> defender_sdk::transport::HttpClient {
    defender_sdk::transport::Transport::default_http_client().unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn faults_between_pages_lose_and_repeat_nothing() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let per_page = 20;
    let pages = 5;
    for page in 1..=pages {
        let items: Vec<_> = ((page - 1) * per_page..page * per_page)
            .map(|n| json!({"time": "2019-12-03T09:51:28.214338Z", "score": 1.5, "rbacGroupId": n}))
            .collect();
        let mut body = json!({"value": items});
        if page < pages {
            body["@odata.nextLink"] =
                json!(format!("{}/api/exposureScore/ByMachineGroups?page={}", server.uri(), page + 1));
        }
        let matcher = || {
            let mock = Mock::given(method("GET")).and(path("/api/exposureScore/ByMachineGroups"));
            if page == 1 {
                mock.and(wiremock::matchers::query_param_is_missing("page"))
            } else {
                mock.and(query_param("page", page.to_string()))
            }
        };
        // Every page after the first fails once (alternating 503 and 500) before it is served.
        if page > 1 {
            let status = if page % 2 == 0 { 503 } else { 500 };
            matcher()
                .respond_with(ResponseTemplate::new(status))
                .up_to_n_times(1)
                .expect(1)
                .mount(&server)
                .await;
        }
        matcher().respond_with(ResponseTemplate::new(200).set_body_json(body)).expect(1).mount(&server).await;
    }

    let ids: Vec<i64> = defender_client(&server)
        .exposure_score()
        .by_machine_groups()
        .items()
        .map_ok(|g| g.rbac_group_id.unwrap_or(-1))
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(ids.len(), (per_page * pages) as usize);
    assert_eq!(ids, (0..per_page * pages).collect::<Vec<_>>(), "every item once, in order");
}

#[tokio::test]
async fn a_redirect_to_another_host_never_carries_the_token() {
    let elsewhere = MockServer::start().await;
    Mock::given(method("GET")).respond_with(exposure_score()).expect(0).mount(&elsewhere).await;
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/api/exposureScore", elsewhere.uri())),
        )
        .mount(&server)
        .await;

    let error = defender_client(&server)
        .exposure_score()
        .await
        .err()
        .unwrap_or_else(|| panic!("followed the redirect"));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(302), "{error:?}");
    let leaked = elsewhere.received_requests().await.unwrap_or_default();
    assert!(leaked.is_empty(), "the other host was contacted");
    // And a same-host redirect is followed, with the token.
    let same = MockServer::start().await;
    mount_token_endpoint(&same).await;
    Mock::given(method("GET"))
        .and(path("/api/exposureScore"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/api/v1.0/exposureScore"))
        .mount(&same)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1.0/exposureScore"))
        .and(header_exists("authorization"))
        .respond_with(exposure_score())
        .expect(1)
        .mount(&same)
        .await;
    defender_client(&same).exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn a_shared_rate_limiter_counts_every_attempt_of_every_clone() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    fail_then_succeed(&server, ResponseTemplate::new(503), 1).await;
    let limiter = defender_sdk::RateLimiter::defender();
    let client = DefenderClient::builder()
        .base_url(&server.uri())
        .map(|b| {
            b.credential(credential(&server)).retry_policy(quick_retries()).rate_limiter(limiter.clone())
        })
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));
    let clone = client.clone();

    client.exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
    clone.exposure_score().await.unwrap_or_else(|e| panic!("{e}"));

    // Two calls, one of which needed a second attempt after the 503.
    assert_eq!(limiter.recent_calls("exposurescore", Duration::from_secs(60)), 3);
}
