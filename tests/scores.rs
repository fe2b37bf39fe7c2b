//! The score endpoints against a loopback server, with every documented example body.

use defender_e2e::{TOKEN, defender_client, fixture, mount_token_endpoint};
use futures_util::TryStreamExt;
use serde_json::Value;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn serve(server: &MockServer, api_path: &str, body: String) {
    Mock::given(method("GET"))
        .and(path(api_path))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("accept", "application/json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(server)
        .await;
}

fn reserialized(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| panic!("serialize: {e}"))
}

#[tokio::test]
async fn exposure_score_decodes_every_documented_example() {
    for (name, host) in [
        ("get-exposure-score.json", "https://api.security.microsoft.com"),
        ("get-exposure-score.securitycenter.json", "https://api.securitycenter.microsoft.com"),
    ] {
        let server = MockServer::start().await;
        mount_token_endpoint(&server).await;
        serve(&server, "/api/exposureScore", fixture(name)).await;

        let score = defender_client(&server).exposure_score().await.unwrap_or_else(|e| panic!("{name}: {e}"));

        assert_eq!(score.score, Some(33.491554051195706), "{name}");
        assert_eq!(score.time.map(|t| t.to_string()).as_deref(), Some("2019-12-03T07:23:53.280499Z"));
        assert_eq!(score.rbac_group_id, None);
        let context = format!("{host}/api/$metadata#ExposureScore/$entity");
        assert_eq!(score.annotations.get("@odata.context"), Some(&Value::from(context)), "{name}");
        // Nothing the service sent is lost when the value is written back.
        let original: Value = serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{e}"));
        defender_e2e::assert_lossless(&original, &reserialized(&score));
    }
}

#[tokio::test]
async fn device_secure_score_decodes_both_documented_examples() {
    for name in ["get-device-secure-score.json", "get-device-secure-score.windows-us.json"] {
        let server = MockServer::start().await;
        mount_token_endpoint(&server).await;
        serve(&server, "/api/configurationScore", fixture(name)).await;

        let score =
            defender_client(&server).configuration_score().await.unwrap_or_else(|e| panic!("{name}: {e}"));

        assert_eq!(score.score, Some(340.0), "{name}");
        // Seven fractional digits: 100 ns precision, written back exactly as sent.
        let time = score.time.unwrap_or_else(|| panic!("{name}: no time"));
        assert_eq!(time.to_string(), "2019-12-03T09:15:58.1665846Z");
        assert_eq!(time.as_offset_date_time().nanosecond(), 166_584_600);
    }
}

#[tokio::test]
async fn scores_by_device_group_decode_with_group_names() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    serve(&server, "/api/exposureScore/ByMachineGroups", fixture("get-machine-group-exposure-score.json"))
        .await;

    let groups = defender_client(&server)
        .exposure_score()
        .by_machine_groups()
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let names: Vec<_> = groups.iter().map(|g| g.rbac_group_name.as_deref()).collect();
    assert_eq!(names, [Some("GroupOne"), Some("GroupTwo")]);
    assert!(groups.iter().all(|g| g.rbac_group_id.is_none()));
    assert_eq!(groups[1].time.map(|t| t.to_string()).as_deref(), Some("2019-12-03T09:51:28.2143399Z"));
}

#[tokio::test]
async fn scores_by_device_group_decode_with_group_ids() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let body = fixture("get-machine-group-exposure-score.rbac-group-id.json");
    serve(&server, "/api/exposureScore/ByMachineGroups", body).await;

    let page = defender_client(&server)
        .exposure_score()
        .by_machine_groups()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let ids: Vec<_> = page.items.iter().map(|g| g.rbac_group_id).collect();
    assert_eq!(ids, [Some(10), Some(11), Some(9), Some(5)]);
    assert_eq!(page.items[3].score, Some(23.58823563070858));
    assert_eq!(
        page.context.as_deref(),
        Some("https://api-us.securitycenter.windows.com/api/$metadata#ExposureScore")
    );
    assert!(page.next_link.is_none());
}

#[tokio::test]
async fn a_paged_collection_is_followed_to_the_last_page_exactly_once_each() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let item =
        |n: u32| serde_json::json!({"time": "2019-12-03T09:51:28.214338Z", "score": n, "rbacGroupId": n});
    let pages = [(None, vec![1, 2, 3]), (Some("2"), vec![4, 5, 6]), (Some("3"), vec![7])];
    for (index, (page, items)) in pages.iter().enumerate() {
        let mut body = serde_json::json!({
            "@odata.context": format!("{}/api/$metadata#ExposureScore", server.uri()),
            "value": items.iter().map(|n| item(*n)).collect::<Vec<_>>(),
        });
        if index + 1 < pages.len() {
            body["@odata.nextLink"] =
                Value::from(format!("{}/api/exposureScore/ByMachineGroups?page={}", server.uri(), index + 2));
        }
        let mut mock = Mock::given(method("GET")).and(path("/api/exposureScore/ByMachineGroups"));
        mock = match page {
            Some(page) => mock.and(query_param("page", *page)),
            None => mock.and(wiremock::matchers::query_param_is_missing("page")),
        };
        mock.respond_with(ResponseTemplate::new(200).set_body_json(body)).expect(1).mount(&server).await;
    }

    let client = defender_client(&server);
    let ids: Vec<i64> = client
        .exposure_score()
        .by_machine_groups()
        .items()
        .map_ok(|g| g.rbac_group_id.unwrap_or_default())
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ids, [1, 2, 3, 4, 5, 6, 7]);
    // `expect(1)` on every page mock is verified when the server drops: no page twice.
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let body = serde_json::json!({
        "value": [{"time": "2019-12-03T09:51:28.214338Z", "score": 1.0}],
        "@odata.nextLink": "https://attacker.example/api/exposureScore/ByMachineGroups?page=2",
    });
    Mock::given(method("GET"))
        .and(path("/api/exposureScore/ByMachineGroups"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;

    let result = defender_client(&server).exposure_score().by_machine_groups().collect_all().await;
    let error = result.err().unwrap_or_else(|| panic!("followed a foreign nextLink"));
    assert!(matches!(error.kind(), defender_sdk::ErrorKind::Config(_)), "{error:?}");
    assert!(error.to_string().contains("attacker.example"), "{error}");
}
