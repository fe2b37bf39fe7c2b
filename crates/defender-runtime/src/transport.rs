//! Sending one logical request: attempts, waits, timeouts and a bounded body.
//!
//! Everything above this module (the token credential, the OData client) hands it a finished
//! `reqwest::Request` and gets back a status, headers and a body that is complete and no larger
//! than the configured cap, or a typed transport error. Retrying lives here so that the token
//! endpoint and the API share one behaviour.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use reqwest::header::{CONTENT_LENGTH, HeaderMap};
use reqwest::{Request, StatusCode};
use tokio::time::Instant;

use crate::cloud::is_allowed_url;
use crate::error::{Error, ErrorKind, Result, TransportError};
use crate::limit::{RateLimiter, api_of};
use crate::retry::{Failure, RetryPolicy, retry_after};

/// The HTTP client type the transport drives (reqwest's), re-exported so that applications can
/// pass their own without depending on reqwest directly.
pub type HttpClient = reqwest::Client;

/// The largest response body read by default: 256 MiB. Export pages are large, but a body past
/// this is a fault (or an attack) rather than data.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024 * 1024;

/// How long an attempt waits for the service to start answering (its status and headers) by
/// default. Azure SDKs allow 100 s for a whole attempt; Defender answers most calls within a
/// second, and an advanced hunting query that runs longer than a minute is better retried.
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a response body may go without sending a byte, by default. A large page keeps
/// arriving for as long as it takes; a connection that goes silent fails after this.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// How long opening a connection (DNS, TCP, TLS) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A complete HTTP response.
#[derive(Debug, Clone)]
pub struct RawResponse {
    /// The status of the last attempt.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its whole body.
    pub body: Bytes,
    /// How many attempts the call made; 1 when the first was answered.
    pub attempts: u32,
}

impl RawResponse {
    /// A response header as text, when present and valid.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name)?.to_str().ok().map(str::to_owned)
    }

    /// The delay the service asked for before trying again: its `Retry-After`, or for a 429
    /// without one, the quota window its body names (advanced hunting's "45 per 00:01:00").
    /// The retry loop waits this long, and a throttling error reports it.
    pub fn asked_delay(&self) -> Option<Duration> {
        retry_after(&self.headers).or_else(|| {
            (self.status == StatusCode::TOO_MANY_REQUESTS)
                .then(|| crate::retry::quota_window(&self.body))
                .flatten()
        })
    }
}

/// An HTTP client with a retry policy, per-attempt timeouts and a body cap.
#[derive(Debug, Clone)]
pub struct Transport {
    http: reqwest::Client,
    retry: RetryPolicy,
    max_body_bytes: usize,
    limiter: Option<RateLimiter>,
    response_timeout: Duration,
    read_timeout: Duration,
}

impl Transport {
    /// Wraps a `reqwest::Client`, with the default timeouts ([`DEFAULT_RESPONSE_TIMEOUT`],
    /// [`DEFAULT_READ_TIMEOUT`]).
    pub fn new(http: reqwest::Client, retry: RetryPolicy, max_body_bytes: usize) -> Self {
        Self {
            http,
            retry,
            max_body_bytes,
            limiter: None,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
        }
    }

    /// How long each attempt waits for the status and headers, and how long its body may go
    /// without sending a byte. The retry policy's deadline bounds the whole call on top.
    pub fn with_timeouts(mut self, response: Duration, read: Duration) -> Self {
        self.response_timeout = response;
        self.read_timeout = read;
        self
    }

    /// Delays every attempt until it fits `limiter`'s windows for its API.
    pub fn with_rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Drops the rate limiter: another API has limits of its own.
    pub fn clear_rate_limiter(&mut self) {
        self.limiter = None;
    }

    /// A client with this crate's defaults: rustls, [`CONNECT_TIMEOUT`], redirects followed
    /// only within the same origin (so that a bearer token never leaves its host). The
    /// response and read timeouts are the transport's ([`with_timeouts`](Self::with_timeouts)),
    /// so that they apply to a client of the caller's too.
    pub fn default_http_client() -> Result<reqwest::Client> {
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            let same_origin =
                attempt.previous().last().is_some_and(|previous| previous.origin() == attempt.url().origin());
            if attempt.previous().len() >= 5 || !same_origin { attempt.stop() } else { attempt.follow() }
        });
        reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(redirects)
            .user_agent(concat!("defender-sdk-rust/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// A download of a storage link with this transport's connections, retry policy and
    /// timeouts, and no credential (see [`crate::storage`]).
    pub fn download(&self, link: &str) -> Result<crate::storage::Download> {
        crate::storage::Download::new(
            self.http.clone(),
            self.retry.clone(),
            self.response_timeout,
            self.read_timeout,
            link,
        )
    }

    /// Sends `request`, retrying as the policy allows, and returns the last response, whatever
    /// its status. `idempotent` says whether the request may be repeated after the server may
    /// have seen it.
    pub async fn send(&self, request: Request, idempotent: bool) -> Result<RawResponse> {
        if !is_allowed_url(request.url()) {
            return Err(Error::config(format!(
                "refusing to send to {}: only https, or http to loopback, is allowed",
                redact_query(request.url())
            )));
        }
        let started = Instant::now();
        let deadline = self.retry.call_deadline();
        let what = format!("{} {}", request.method(), redact_query(request.url()));
        let mut attempt = 1;
        loop {
            let Some(this_try) = request.try_clone() else {
                return Err(Error::config("a streaming request body cannot be retried"));
            };
            if let Some(limiter) = &self.limiter {
                limiter.acquire(&api_of(request.url())).await;
            }
            let remaining = deadline.saturating_sub(started.elapsed());
            let outcome = match tokio::time::timeout(remaining, self.attempt(this_try)).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    let deadline = self.retry.call_deadline().as_secs_f64();
                    Err(AttemptError::timed_out(format!(
                        "sending {what}: the call's deadline of {deadline} s passed"
                    )))
                }
            };
            let outcome = outcome.map(|response| RawResponse { attempts: attempt, ..response });
            let (failure, retry_after) = match &outcome {
                Ok(response) if response.status.is_success() => {
                    return outcome.map_err(|e| e.error);
                }
                Ok(response) => (Failure::Status(response.status), response.asked_delay()),
                Err(e) => (e.failure, None),
            };
            let retryable = RetryPolicy::is_retryable(failure, idempotent) && attempt < self.retry.attempts();
            let delay = retryable.then(|| self.retry.delay(attempt, retry_after)).flatten();
            let fits = delay.is_some_and(|d| started.elapsed() + d < deadline);
            tracing::debug!(
                request = %what,
                attempt,
                status = outcome.as_ref().ok().map(|r| r.status.as_u16()),
                delay_ms = delay.filter(|_| fits).map(|d| d.as_millis() as u64),
                "attempt finished"
            );
            match (delay, fits) {
                (Some(delay), true) => {
                    tracing::warn!(request = %what, attempt, ?failure, delay_ms = delay.as_millis() as u64, "retrying");
                    tokio::time::sleep(delay).await;
                    attempt += 1;
                }
                _ => return outcome.map_err(|e| e.error.with_attempts(attempt)),
            }
        }
    }

    async fn attempt(&self, request: Request) -> std::result::Result<RawResponse, AttemptError> {
        let what = format!("{} {}", request.method(), redact_query(request.url()));
        let host = request.url().host_str().unwrap_or_default().to_owned();
        let sent = tokio::time::timeout(self.response_timeout, self.http.execute(request));
        let mut response = match sent.await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) if e.is_connect() => {
                return Err(AttemptError::reqwest(
                    Failure::ConnectFailed,
                    format!("connecting to {host} for {what}"),
                    e,
                ));
            }
            Ok(Err(e)) => return Err(AttemptError::reqwest(Failure::InFlight, format!("sending {what}"), e)),
            Err(_) => {
                let waited = self.response_timeout.as_secs_f64();
                return Err(AttemptError::timed_out(format!(
                    "sending {what}: {host} did not answer within {waited} s"
                )));
            }
        };
        let status = response.status();
        let headers = response.headers().clone();
        let declared =
            headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > self.max_body_bytes as u64) {
            return Err(self.too_large(&what));
        }
        let mut body = BytesMut::with_capacity(declared.map_or(8 * 1024, |n| n as usize));
        let received = |body: &BytesMut| match declared {
            Some(declared) => format!("{} of {declared} bytes", body.len()),
            None => format!("{} bytes", body.len()),
        };
        loop {
            match tokio::time::timeout(self.read_timeout, response.chunk()).await {
                Ok(Ok(Some(chunk))) => {
                    if body.len() + chunk.len() > self.max_body_bytes {
                        return Err(self.too_large(&what));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(Ok(None)) => break,
                Ok(Err(e)) => {
                    let context = format!(
                        "reading the body of {what}: the connection closed after {}",
                        received(&body)
                    );
                    return Err(AttemptError::reqwest(Failure::InFlight, context, e));
                }
                Err(_) => {
                    let silent = self.read_timeout.as_secs_f64();
                    let context = format!(
                        "reading the body of {what}: nothing arrived for {silent} s after {}",
                        received(&body)
                    );
                    return Err(AttemptError::timed_out(context));
                }
            }
        }
        Ok(RawResponse { status, headers, body: body.freeze(), attempts: 1 })
    }

    fn too_large(&self, what: &str) -> AttemptError {
        AttemptError {
            // Not worth retrying: the same request gets the same oversized answer.
            failure: Failure::Status(StatusCode::PAYLOAD_TOO_LARGE),
            error: Error::new(ErrorKind::Transport(TransportError {
                context: format!(
                    "reading {what}: the body is larger than the {} byte limit",
                    self.max_body_bytes
                ),
                timed_out: false,
                source: None,
            })),
        }
    }
}

struct AttemptError {
    failure: Failure,
    error: Error,
}

impl AttemptError {
    /// reqwest failed while doing what `context` says.
    fn reqwest(failure: Failure, context: String, error: reqwest::Error) -> Self {
        let timed_out = error.is_timeout();
        Self { failure, error: transport_error(context, timed_out, Some(Box::new(error.without_url()))) }
    }

    /// One of the transport's own timeouts ran out while doing what `context` says.
    fn timed_out(context: String) -> Self {
        Self { failure: Failure::InFlight, error: transport_error(context, true, None) }
    }
}

fn transport_error(
    context: String,
    timed_out: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
) -> Error {
    Error::new(ErrorKind::Transport(TransportError { context, timed_out, source }))
}

/// The URL without its query, which may carry filter values a user would rather not log.
pub(crate) fn redact_query(url: &url::Url) -> String {
    let mut url = url.clone();
    if url.query().is_some() {
        url.set_query(Some("…"));
    }
    url.to_string()
}
