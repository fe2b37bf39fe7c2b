//! The routes: the token endpoint, the API (every endpoint of the catalog, answered by
//! [`crate::engine`], and the library upload, which is multipart), and an admin route that sets
//! faults. Every API request passes the bearer-token check and the fault injector first.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Form, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use defender_runtime::catalog::Verb;
use serde_json::{Value, json};

use crate::auth::{AUDIENCE, GRAPH_AUDIENCE, Issuer};
use crate::data::Tenant;
use crate::engine;
use crate::faults::{Fault, FaultConfig, Faults};

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
    /// What the Graph root serves.
    pub graph: crate::graph::GraphData,
    /// The storage listener's files.
    pub storage: Arc<crate::storage::Storage>,
    /// The storage listener's base URL.
    pub storage_base: String,
    /// Rows per export "via files".
    pub export_rows: usize,
    /// Files per export.
    pub export_files: usize,
    /// Exports made so far, to give each its own files.
    pub exports_made: std::sync::atomic::AtomicU64,
}

type AppState = Arc<Shared>;

/// The whole application.
pub fn router(shared: AppState) -> Router {
    let api = Router::new()
        .route("/api/libraryfiles", post(upload_library_file).fallback(api))
        .route("/api/{*path}", any(api))
        .layer(middleware::from_fn_with_state(shared.clone(), guard));
    let graph = Router::new()
        .route("/v1.0/{*path}", any(graph_api))
        .layer(middleware::from_fn_with_state(shared.clone(), graph_guard));
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/emulator/faults", get(get_faults).put(set_faults))
        .merge(api)
        .merge(graph)
        .fallback(not_found)
        .with_state(shared)
}

pub(crate) fn odata_error(status: StatusCode, code: &str, message: &str) -> Response {
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

/// A 401 for a refused token, saying why in `WWW-Authenticate` as Entra-protected APIs do.
fn unauthorized(why: &str) -> Response {
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
    response
}

/// Checks that a Graph request carries a token for Graph's audience (a Defender token is
/// refused, as Graph refuses it).
async fn graph_guard(State(shared): State<AppState>, request: Request, next: Next) -> Response {
    let authorization = request.headers().get("authorization").and_then(|v| v.to_str().ok());
    match shared.issuer.refuse(authorization, GRAPH_AUDIENCE) {
        Some(why) => unauthorized(why),
        None => next.run(request).await,
    }
}

/// A request's query options, decoded here rather than by an extractor, whose rejection would
/// not be an OData error.
fn query_options(uri: &axum::http::Uri) -> HashMap<String, String> {
    url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// Microsoft Graph's Defender part (see [`crate::graph`]).
async fn graph_api(
    State(shared): State<AppState>,
    method: axum::http::Method,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    body: axum::body::Bytes,
) -> Response {
    let query = query_options(&uri);
    let unknown_enum_members = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case("include-unknown-enum-members")));
    let request = crate::graph::GraphRequest {
        method: &method,
        path: uri.path().strip_prefix("/v1.0/").unwrap_or_default(),
        query: &query,
        body: &body,
        unknown_enum_members,
        base: &shared.base,
    };
    match crate::graph::answer(&shared.graph, &request) {
        Ok(value) => json_response(value),
        Err(failure) => odata_error(
            StatusCode::from_u16(failure.status).unwrap_or(StatusCode::BAD_REQUEST),
            failure.code,
            &failure.message,
        ),
    }
}

/// Checks the bearer token and applies faults to every API request.
async fn guard(State(shared): State<AppState>, request: Request, next: Next) -> Response {
    let authorization = request.headers().get("authorization").and_then(|v| v.to_str().ok());
    if let Some(why) = shared.issuer.refuse(authorization, AUDIENCE) {
        return unauthorized(why);
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
    let Some(audience) = field("scope").and_then(|s| s.strip_suffix("/.default")) else {
        return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "invalid_scope", "error_description": "AADSTS1002012: The provided value for scope is not valid."}))).into_response();
    };
    // A token is for the resource its scope names, as Entra ID's are.
    let (access_token, expires_in) = shared.issuer.issue(&shared.client_id, audience);
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

/// Every API endpoint of the catalog.
async fn api(
    State(shared): State<AppState>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    body: axum::body::Bytes,
) -> Response {
    let query = query_options(&uri);
    let Some(verb) = Verb::from_method(&method) else {
        return odata_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "The method is not supported.",
        );
    };
    // Each segment is decoded once, by the catalog's matcher.
    let path = uri.path().strip_prefix("/api/").unwrap_or_default();
    let request = engine::Request { verb, path, query: &query, body: &body };
    match engine::answer(&shared, &request) {
        Ok(reply) => {
            let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::OK);
            match reply.body {
                Some(body) => (status, axum::Json(body)).into_response(),
                None => status.into_response(),
            }
        }
        Err(failure) => odata_error(
            StatusCode::from_u16(failure.status).unwrap_or(StatusCode::BAD_REQUEST),
            failure.code,
            &failure.message,
        ),
    }
}

/// `POST /api/libraryfiles`: a multipart upload of a live response library file.
async fn upload_library_file(State(shared): State<AppState>, mut form: axum::extract::Multipart) -> Response {
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut fields: HashMap<String, String> = HashMap::new();
    loop {
        match form.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let file_name = field.file_name().map(str::to_owned);
                let Ok(bytes) = field.bytes().await else {
                    return odata_error(
                        StatusCode::BAD_REQUEST,
                        "InvalidRequestBody",
                        "The upload was cut short.",
                    );
                };
                match file_name {
                    Some(file_name) if name.eq_ignore_ascii_case("file") => {
                        file = Some((file_name, bytes.to_vec()))
                    }
                    _ => {
                        fields
                            .insert(name.to_ascii_lowercase(), String::from_utf8_lossy(&bytes).into_owned());
                    }
                }
            }
            Ok(None) => break,
            Err(_) => {
                return odata_error(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequestBody",
                    "Request body is incorrect",
                );
            }
        }
    }
    let Some((file_name, bytes)) = file else {
        return odata_error(
            StatusCode::BAD_REQUEST,
            "MissingRequiredParameter",
            "Parameter file is missing.",
        );
    };
    let flag = |name: &str| fields.get(name).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let mut tenant = tenant(&shared);
    let files = tenant.set_mut("libraryfiles");
    let existing =
        files.iter().position(|f| f["fileName"].as_str().is_some_and(|n| n.eq_ignore_ascii_case(&file_name)));
    if existing.is_some() && !flag("overrideifexists") {
        return odata_error(
            StatusCode::CONFLICT,
            "Conflict",
            &format!("File {file_name} already exists in the library."),
        );
    }
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, &bytes);
    let sha256: String = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let entry = json!({
        "fileName": file_name,
        "sha256": sha256,
        "description": fields.get("description"),
        "creationTime": "2025-06-01T12:00:00.0000000Z",
        "lastUpdatedTime": "2025-06-01T12:00:00.0000000Z",
        "createdBy": shared.client_id,
        "hasParameters": flag("hasparameters"),
        "parametersDescription": fields.get("parametersdescription"),
    });
    match existing {
        Some(index) => files[index] = entry.clone(),
        None => files.push(entry.clone()),
    }
    drop(tenant);
    json_response(with_context(&shared, "LibraryFiles/$entity", &entry))
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

async fn not_found() -> Response {
    odata_error(StatusCode::NOT_FOUND, "NotFound", "General Not Found error message.")
}
