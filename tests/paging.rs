//! Paging by `$top`/`$skip` where the service sends no `@odata.nextLink`, as many Defender
//! endpoints do: every item once, stopping at the first short or empty page.

use defender_e2e::{defender_client, mount_token_endpoint};
use futures_util::TryStreamExt;
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Serves `total` scores, answering `$top`/`$skip` exactly as the service does: a page past
/// the end is `200` with an empty `value`.
async fn serve(server: &MockServer, total: u64, page: u64) {
    let mut skip = 0;
    loop {
        let ids: Vec<u64> = (skip..(skip + page).min(total)).collect();
        let items: Vec<_> = ids.iter().map(|id| json!({"rbacGroupId": id, "score": 1.0})).collect();
        Mock::given(method("GET"))
            .and(path("/api/exposureScore/ByMachineGroups"))
            .and(query_param("$top", page.to_string()))
            .and(query_param("$skip", skip.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": items})))
            .expect(1)
            .mount(server)
            .await;
        if ids.len() < page as usize {
            break;
        }
        skip += page;
    }
}

async fn ids(server: &MockServer, page: u64) -> Vec<i64> {
    defender_client(server)
        .exposure_score()
        .by_machine_groups()
        .page_size(page)
        .items()
        .map_ok(|g| g.rbac_group_id.unwrap_or(-1))
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn a_short_page_ends_the_collection() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    serve(&server, 7, 3).await;
    assert_eq!(ids(&server, 3).await, (0..7).collect::<Vec<_>>());
    // Three requests (0, 3, 6), each `expect(1)`, checked when the server drops.
}

#[tokio::test]
async fn an_empty_page_past_the_end_ends_the_collection() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    serve(&server, 6, 3).await;
    assert_eq!(ids(&server, 3).await, (0..6).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_next_link_is_preferred_to_the_next_offset() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    Mock::given(method("GET"))
        .and(path("/api/exposureScore/ByMachineGroups"))
        .and(query_param("$skip", "0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "value": [{"rbacGroupId": 0}, {"rbacGroupId": 1}],
            "@odata.nextLink": format!("{}/api/exposureScore/ByMachineGroups?cursor=abc", server.uri()),
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/exposureScore/ByMachineGroups"))
        .and(query_param("cursor", "abc"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"rbacGroupId": 2}]})))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(ids(&server, 2).await, [0, 1, 2]);
}
