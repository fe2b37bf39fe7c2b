//! A loopback server with pre-rendered bodies, so that the server's cost is the same small
//! constant for the SDK and the baseline.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;

struct Bodies {
    single: Vec<u8>,
    pages: Vec<Vec<u8>>,
}

#[derive(serde::Deserialize)]
struct PageQuery {
    page: Option<usize>,
}

/// One page of per-group scores, `@odata.nextLink` pointing at the next page except on the last.
pub fn page_body(base: &str, items: usize, page: usize, pages: usize) -> Vec<u8> {
    let value: Vec<serde_json::Value> = (0..items)
        .map(|i| {
            let n = (page - 1) * items + i;
            serde_json::json!({
                "time": format!("2019-12-03T09:51:28.{:07}Z", n % 10_000_000),
                "score": 10.0 + (n % 9000) as f64 / 100.0,
                "rbacGroupId": n,
                "rbacGroupName": format!("Group {n}"),
            })
        })
        .collect();
    let mut body = serde_json::json!({
        "@odata.context": format!("{base}/api/$metadata#ExposureScore"),
        "value": value,
    });
    if page < pages {
        body["@odata.nextLink"] =
            serde_json::Value::from(format!("{base}/api/exposureScore/ByMachineGroups?page={}", page + 1));
    }
    serde_json::to_vec(&body).unwrap_or_default()
}

/// Starts the server on a free loopback port and returns its base URL.
pub async fn start(items: usize, pages: usize) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let single = serde_json::to_vec(&serde_json::json!({
        "@odata.context": format!("{base}/api/$metadata#ExposureScore/$entity"),
        "time": "2019-12-03T07:23:53.280499Z",
        "score": 33.491554051195706,
    }))
    .unwrap_or_default();
    let pages = (1..=pages).map(|p| page_body(&base, items, p, pages)).collect();
    let bodies = Arc::new(Bodies { single, pages });
    let app = Router::new()
        .route(
            "/api/exposureScore",
            get(|State(b): State<Arc<Bodies>>| async move { json(b.single.clone()) }),
        )
        .route(
            "/api/exposureScore/ByMachineGroups",
            get(|State(b): State<Arc<Bodies>>, Query(q): Query<PageQuery>| async move {
                let index = q.page.unwrap_or(1).clamp(1, b.pages.len()) - 1;
                json(b.pages[index].clone())
            }),
        )
        .with_state(bodies);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(base)
}

fn json(body: Vec<u8>) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], body)
}
