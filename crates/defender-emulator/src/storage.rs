//! A second loopback listener standing in for Azure Storage, where the API's download links
//! point: export files (gzip-compressed JSON lines) and other files the API hands out.
//!
//! Like Azure Storage behind a SAS link, it wants the link's `sig` and nothing else: a request
//! that carries an `Authorization` header is refused, and every request's headers are recorded,
//! so that a test can show the API token never reached it. It honours `Range` (`206`), answers
//! errors as Azure Storage's XML documents, and injects on demand what storage does in
//! practice: a copy still pending, an expired link, a reset mid-file, 503s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// Faults the storage listener injects. All off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StorageFaults {
    /// Answer the first N requests for each file `200` with an empty body and
    /// `x-ms-copy-status: pending`, as while the file is still being copied into place.
    pub pending_copies: u32,
    /// Every link has expired: `403` with an `AuthenticationFailed` XML body.
    pub expired: bool,
    /// Close the connection after this many bytes of the first answer for each file.
    pub reset_after_bytes: Option<u64>,
    /// Answer the first N requests for each file `503`.
    pub server_errors: u32,
    /// Ignore `Range` and answer the whole file.
    pub ignore_range: bool,
}

/// One request the listener received: what a test asserts about headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorageRequest {
    /// The path, without the query (the SAS).
    pub path: String,
    /// The `Authorization` header, if the client sent one.
    pub authorization: Option<String>,
    /// The `Range` header, if any.
    pub range: Option<String>,
    /// The status answered.
    pub status: u16,
}

/// The files, the faults and the record of requests.
#[derive(Debug, Default)]
pub struct Storage {
    files: Mutex<HashMap<String, Bytes>>,
    requests_per_file: Mutex<HashMap<String, u32>>,
    faults: Mutex<StorageFaults>,
    log: Mutex<Vec<StorageRequest>>,
}

impl Storage {
    /// Puts a file at `path` (below the listener's root, without a leading slash).
    pub fn put(&self, path: &str, contents: Bytes) {
        lock(&self.files).insert(path.to_owned(), contents);
    }

    /// Sets the faults (and forgets how often each file was asked for).
    pub fn set_faults(&self, faults: StorageFaults) {
        *lock(&self.faults) = faults;
        lock(&self.requests_per_file).clear();
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<StorageRequest> {
        lock(&self.log).clone()
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The listener's routes.
pub fn router(storage: Arc<Storage>) -> Router {
    Router::new().route("/{*path}", get(serve)).with_state(storage)
}

async fn serve(State(storage): State<Arc<Storage>>, request: Request) -> Response {
    let path = request.uri().path().trim_start_matches('/').to_owned();
    let query = request.uri().query().unwrap_or_default().to_owned();
    let headers = request.headers().clone();
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (authorization, range) = (text(header::AUTHORIZATION), text(header::RANGE));
    let response = answer(&storage, &path, &query, &headers);
    lock(&storage.log).push(StorageRequest {
        path,
        authorization,
        range,
        status: response.status().as_u16(),
    });
    response
}

fn answer(storage: &Storage, path: &str, query: &str, headers: &HeaderMap) -> Response {
    if headers.contains_key(header::AUTHORIZATION) {
        // A SAS link is its own credential; a bearer token has no business here.
        return storage_error(
            StatusCode::BAD_REQUEST,
            "InvalidAuthenticationInfo",
            "Authentication information is not given in the correct format. Check the value of Authorization header.",
        );
    }
    let faults = lock(&storage.faults).clone();
    if faults.expired || !query.split('&').any(|pair| pair.starts_with("sig=")) {
        return storage_error(
            StatusCode::FORBIDDEN,
            "AuthenticationFailed",
            "Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.",
        );
    }
    let Some(contents) = lock(&storage.files).get(path).cloned() else {
        return storage_error(StatusCode::NOT_FOUND, "BlobNotFound", "The specified blob does not exist.");
    };
    let asked = {
        let mut counts = lock(&storage.requests_per_file);
        let count = counts.entry(path.to_owned()).or_default();
        *count += 1;
        *count
    };
    if asked <= faults.server_errors {
        return storage_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServerBusy",
            "The server is currently unable to receive requests. Please retry your request.",
        );
    }
    if asked <= faults.server_errors + faults.pending_copies {
        return (StatusCode::OK, [("x-ms-copy-status", "pending"), ("content-length", "0")], Body::empty())
            .into_response();
    }
    let total = contents.len() as u64;
    let start = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(range) if !faults.ignore_range => {
            match range
                .strip_prefix("bytes=")
                .and_then(|r| r.strip_suffix('-'))
                .and_then(|s| s.parse::<u64>().ok())
            {
                Some(start) if start < total => Some(start),
                Some(_) => {
                    return (
                        StatusCode::RANGE_NOT_SATISFIABLE,
                        [("content-range", format!("bytes */{total}"))],
                    )
                        .into_response();
                }
                None => None,
            }
        }
        _ => None,
    };
    let body = contents.slice(start.unwrap_or(0) as usize..);
    let length = body.len();
    // The first answer for the file breaks after the bytes the fault says.
    let first_answer = asked == faults.server_errors + faults.pending_copies + 1;
    let body = match faults.reset_after_bytes.filter(|_| first_answer) {
        Some(cut) if (cut as usize) < length => {
            // The bytes before the cut go out (a pause lets them leave the server's buffer),
            // then the connection breaks with the rest still owed.
            let sent = body.slice(..cut as usize);
            let parts = futures_util::stream::unfold(Some(sent), |state| async move {
                match state {
                    Some(sent) => Some((Ok(sent), None)),
                    None => {
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        let reset =
                            std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by the emulator");
                        Some((Err(reset), None))
                    }
                }
            });
            Body::from_stream(parts)
        }
        _ => Body::from(body),
    };
    let mut response = Response::new(body);
    response.headers_mut().insert(header::CONTENT_LENGTH, length.into());
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/octet-stream"));
    match start {
        Some(start) => {
            *response.status_mut() = StatusCode::PARTIAL_CONTENT;
            let range = format!("bytes {start}-{}/{total}", total.saturating_sub(1));
            if let Ok(value) = range.parse() {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
        }
        None => {
            response.headers_mut().insert(header::ACCEPT_RANGES, header::HeaderValue::from_static("bytes"));
        }
    }
    response
}

/// An error as Azure Storage writes one: XML with a code and a message.
fn storage_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}\nRequestId:00000000-0000-0000-0000-000000000000\nTime:2026-01-01T00:00:00.0000000Z</Message></Error>"
    );
    (status, [("content-type", "application/xml"), ("x-ms-error-code", code)], body).into_response()
}
