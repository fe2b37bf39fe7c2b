//! The routes: the token endpoint, the API (scores, machines and their actions, machine
//! actions, alerts), an admin route that sets faults, and OData errors for everything else.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Form, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::auth::Issuer;
use crate::data::Tenant;
use crate::faults::{Fault, FaultConfig, Faults};
use crate::query::page;

/// What the routes share.
pub struct Shared {
    /// The base URL clients reach the emulator at (`http://127.0.0.1:port`).
    pub base: String,
    /// The one registered application.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// Signs and checks tokens.
    pub issuer: Issuer,
    /// The data, mutable by actions and updates.
    pub tenant: Mutex<Tenant>,
    /// Injected faults.
    pub faults: Faults,
    /// The largest page a list returns.
    pub max_page: usize,
}

type AppState = Arc<Shared>;

/// The whole application.
pub fn router(shared: AppState) -> Router {
    let api = Router::new()
        .route("/api/exposureScore", get(exposure_score))
        .route("/api/exposureScore/ByMachineGroups", get(scores_by_group))
        .route("/api/configurationScore", get(configuration_score))
        .route("/api/machines", get(list_machines))
        .route("/api/machines/{id}", get(get_machine))
        .route("/api/machines/{id}/{action}", post(machine_action))
        .route("/api/machineactions", get(list_machine_actions))
        .route("/api/alerts", get(list_alerts))
        .route("/api/alerts/{id}", get(get_alert).patch(update_alert))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(shared.clone(), guard));
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/emulator/faults", get(get_faults).put(set_faults))
        .merge(api)
        .with_state(shared)
}

fn odata_error(status: StatusCode, code: &str, message: &str) -> Response {
    let target = format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        fastrand::u32(..),
        fastrand::u16(..),
        fastrand::u16(..0xfff),
        fastrand::u16(..0xfff),
        fastrand::u64(..1 << 48)
    );
    (status, axum::Json(json!({"error": {"code": code, "message": message, "target": target}})))
        .into_response()
}

fn json_response(value: Value) -> Response {
    axum::Json(value).into_response()
}

/// Checks the bearer token and applies faults to every API request.
async fn guard(State(shared): State<AppState>, request: Request, next: Next) -> Response {
    let authorization = request.headers().get("authorization").and_then(|v| v.to_str().ok());
    if let Some(why) = shared.issuer.refuse(authorization) {
        let mut response = odata_error(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Unauthorized (invalid or expired authorization header).",
        );
        if let Ok(value) =
            HeaderValue::from_str(&format!("Bearer error=\"invalid_token\", error_description=\"{why}\""))
        {
            response.headers_mut().insert("www-authenticate", value);
        }
        return response;
    }
    let api = request
        .uri()
        .path()
        .trim_start_matches("/api/")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let (latency, fault) = shared.faults.next(&api);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        Some(Fault::Throttle(seconds)) => {
            let mut response = odata_error(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                "Response represents reaching quota limit either by number of requests or by CPU.",
            );
            response.headers_mut().insert("retry-after", HeaderValue::from(seconds));
            response
        }
        Some(Fault::Unavailable) => {
            odata_error(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable", "The service is unavailable.")
        }
        Some(Fault::Drop) => {
            // A body that fails after the headers: the client sees the connection cut.
            let broken = futures_util::stream::once(async {
                Err::<Vec<u8>, std::io::Error>(std::io::ErrorKind::ConnectionReset.into())
            });
            Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/json")
                .body(Body::from_stream(broken))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
        None => next.run(request).await,
    }
}

async fn token(State(shared): State<AppState>, Form(form): Form<HashMap<String, String>>) -> Response {
    let field = |name: &str| form.get(name).map(String::as_str);
    if field("grant_type") != Some("client_credentials") {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "unsupported_grant_type", "error_description": "AADSTS70003: only client_credentials is supported."}))).into_response();
    }
    if field("client_id") != Some(shared.client_id.as_str())
        || field("client_secret") != Some(shared.client_secret.as_str())
    {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."}))).into_response();
    }
    if !field("scope").is_some_and(|s| s.ends_with("/.default")) {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "invalid_scope", "error_description": "AADSTS1002012: The provided value for scope is not valid."}))).into_response();
    }
    let (access_token, expires_in) = shared.issuer.issue(&shared.client_id);
    json_response(
        json!({"token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": expires_in, "access_token": access_token}),
    )
}

async fn get_faults(State(shared): State<AppState>) -> Response {
    json_response(serde_json::to_value(shared.faults.config()).unwrap_or_default())
}

async fn set_faults(State(shared): State<AppState>, axum::Json(config): axum::Json<FaultConfig>) -> Response {
    shared.faults.set(config);
    StatusCode::NO_CONTENT.into_response()
}

fn with_context(shared: &Shared, fragment: &str, value: &Value) -> Value {
    let mut value = value.clone();
    if let Value::Object(object) = &mut value {
        object.insert(
            "@odata.context".into(),
            Value::from(format!("{}/api/$metadata#{fragment}", shared.base)),
        );
    }
    value
}

fn tenant(shared: &Shared) -> std::sync::MutexGuard<'_, Tenant> {
    shared.tenant.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn exposure_score(State(shared): State<AppState>) -> Response {
    let score = tenant(&shared).exposure_score.clone();
    json_response(with_context(&shared, "ExposureScore/$entity", &score))
}

async fn configuration_score(State(shared): State<AppState>) -> Response {
    let score = tenant(&shared).configuration_score.clone();
    json_response(with_context(&shared, "ConfigurationScore/$entity", &score))
}

fn list(
    shared: &Shared,
    items: &[Value],
    params: &HashMap<String, String>,
    set: &str,
    path: &str,
) -> Response {
    let context = format!("{}/api/$metadata#{set}", shared.base);
    let next = format!("{}/api/{path}", shared.base);
    match page(items, params, &context, &next, shared.max_page) {
        Ok(body) => json_response(body),
        Err(message) => odata_error(StatusCode::BAD_REQUEST, "InvalidRequestBody", &message),
    }
}

async fn scores_by_group(
    State(shared): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let scores = tenant(&shared).scores_by_group.clone();
    list(&shared, &scores, &params, "ExposureScore", "exposureScore/ByMachineGroups")
}

async fn list_machines(
    State(shared): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let machines = tenant(&shared).machines.clone();
    list(&shared, &machines, &params, "Machines", "machines")
}

async fn list_alerts(
    State(shared): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let alerts = tenant(&shared).alerts.clone();
    list(&shared, &alerts, &params, "Alerts", "alerts")
}

async fn list_machine_actions(
    State(shared): State<AppState>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let actions = tenant(&shared).machine_actions.clone();
    list(&shared, &actions, &params, "MachineActions", "machineactions")
}

fn find(items: &[Value], id: &str) -> Option<Value> {
    items.iter().find(|item| item.get("id").and_then(Value::as_str) == Some(id)).cloned()
}

async fn get_machine(State(shared): State<AppState>, Path(id): Path<String>) -> Response {
    match find(&tenant(&shared).machines, &id) {
        Some(machine) => json_response(with_context(&shared, "Machines/$entity", &machine)),
        None => {
            odata_error(StatusCode::NOT_FOUND, "ResourceNotFound", &format!("Machine {id} was not found"))
        }
    }
}

async fn get_alert(State(shared): State<AppState>, Path(id): Path<String>) -> Response {
    match find(&tenant(&shared).alerts, &id) {
        Some(alert) => json_response(with_context(&shared, "Alerts/$entity", &alert)),
        None => odata_error(StatusCode::NOT_FOUND, "ResourceNotFound", &format!("Alert {id} was not found")),
    }
}

async fn update_alert(
    State(shared): State<AppState>,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let Ok(Value::Object(changes)) = serde_json::from_slice::<Value>(&body) else {
        return odata_error(StatusCode::BAD_REQUEST, "InvalidRequestBody", "Request body is incorrect");
    };
    let mut tenant = tenant(&shared);
    let Some(alert) =
        tenant.alerts.iter_mut().find(|a| a.get("id").and_then(Value::as_str) == Some(id.as_str()))
    else {
        return odata_error(StatusCode::NOT_FOUND, "ResourceNotFound", &format!("Alert {id} was not found"));
    };
    if let Value::Object(alert) = alert {
        for (key, value) in changes {
            alert.insert(key, value);
        }
    }
    let updated = alert.clone();
    drop(tenant);
    json_response(with_context(&shared, "Alerts/$entity", &updated))
}

/// The device response actions, by the URL segment the service uses and the action type the
/// resulting machine action records.
const ACTIONS: &[(&str, &str)] = &[
    ("isolate", "Isolate"),
    ("unisolate", "Unisolate"),
    ("restrictCodeExecution", "RestrictCodeExecution"),
    ("unrestrictCodeExecution", "UnrestrictCodeExecution"),
    ("runAntiVirusScan", "RunAntiVirusScan"),
    ("collectInvestigationPackage", "CollectInvestigationPackage"),
    ("offboard", "Offboard"),
];

async fn machine_action(
    State(shared): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let Some((_, action_type)) = ACTIONS.iter().find(|(segment, _)| segment.eq_ignore_ascii_case(&action))
    else {
        return not_found().await;
    };
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let Some(Value::Object(request)) = is_json.then(|| serde_json::from_slice::<Value>(&body).ok()).flatten()
    else {
        return odata_error(StatusCode::BAD_REQUEST, "InvalidRequestBody", "Request body is incorrect");
    };
    let Some(comment) = request.get("Comment").and_then(Value::as_str) else {
        return odata_error(
            StatusCode::BAD_REQUEST,
            "MissingRequiredParameter",
            "Parameter Comment is missing.",
        );
    };
    let mut tenant = tenant(&shared);
    let Some(machine) = find(&tenant.machines, &id) else {
        return odata_error(
            StatusCode::NOT_FOUND,
            "ResourceNotFound",
            &format!("Machine {id} was not found"),
        );
    };
    let action = json!({
        "id": format!("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}", fastrand::u32(..), fastrand::u16(..), fastrand::u16(..0xfff), fastrand::u16(..0xfff), fastrand::u64(..1 << 48)),
        "type": action_type,
        "scope": request.get("IsolationType").or_else(|| request.get("ScanType")).or_else(|| request.get("RestrictionType")).cloned().unwrap_or(Value::Null),
        "requestor": shared.client_id,
        "requestorComment": comment,
        "status": "Pending",
        "machineId": id,
        "computerDnsName": machine.get("computerDnsName").cloned().unwrap_or(Value::Null),
        "creationDateTimeUtc": "2025-06-01T12:00:00.0000000Z",
        "lastUpdateDateTimeUtc": "2025-06-01T12:00:00.0000000Z",
    });
    tenant.machine_actions.push(action.clone());
    drop(tenant);
    (StatusCode::CREATED, axum::Json(with_context(&shared, "MachineActions/$entity", &action)))
        .into_response()
}

async fn not_found() -> Response {
    odata_error(StatusCode::NOT_FOUND, "NotFound", "General Not Found error message.")
}
