//! When to try a request again, and how long to wait first.
//!
//! Throttling (429, and 503 with `Retry-After`) waits as long as the service asks. Transient
//! failures (500, 502, 503, 504, connection failures, timeouts) back off exponentially with full
//! jitter so that many clients that failed together do not retry together. Attempts are capped,
//! and so is the whole call's time.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How a client retries failed requests.
///
/// ```
/// use std::time::Duration;
/// use defender_runtime::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_attempts(5)
///     .initial_backoff(Duration::from_millis(500))
///     .deadline(Duration::from_secs(120));
/// assert_eq!(policy.attempts(), 5);
/// ```
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    deadline: Duration,
}

impl Default for RetryPolicy {
    /// Four attempts, backoff from 800 ms up to 30 s, `Retry-After` honoured up to 5 minutes
    /// (within the deadline), and 120 s for the whole call, retries and waits included.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(800),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
            deadline: Duration::from_secs(120),
        }
    }
}

/// Why an attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The server answered with this status.
    Status(StatusCode),
    /// The connection could not be opened, so the server cannot have seen the request.
    ConnectFailed,
    /// The request may have reached the server: reset mid-flight, timed out, body cut short.
    InFlight,
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// The most attempts a call makes, the first included. At least one.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The backoff before the first retry; it doubles for each further retry.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest backoff between two attempts when the server gave no `Retry-After`.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest `Retry-After` the client is willing to wait; a longer one ends the call.
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay;
        self
    }

    /// The longest a whole call may take, all attempts and waits included.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The most attempts a call makes.
    pub fn attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The time budget of a whole call.
    pub fn call_deadline(&self) -> Duration {
        self.deadline
    }

    /// Whether a failure is worth another attempt. `idempotent` is false for requests that may
    /// have changed state on the server (a POST action): those are retried only when the server
    /// certainly did not act on them (429, or a connection that never opened).
    pub fn is_retryable(failure: Failure, idempotent: bool) -> bool {
        match failure {
            Failure::Status(StatusCode::TOO_MANY_REQUESTS) | Failure::ConnectFailed => true,
            Failure::Status(status) => {
                idempotent
                    && matches!(
                        status,
                        StatusCode::INTERNAL_SERVER_ERROR
                            | StatusCode::BAD_GATEWAY
                            | StatusCode::SERVICE_UNAVAILABLE
                            | StatusCode::GATEWAY_TIMEOUT
                    )
            }
            Failure::InFlight => idempotent,
        }
    }

    /// How long to wait before attempt number `attempt + 1` (the first retry has `attempt == 1`),
    /// or `None` when the server asked for more than [`max_retry_after`](Self::max_retry_after).
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if let Some(asked) = retry_after {
            return (asked <= self.max_retry_after).then_some(asked);
        }
        let exponent = attempt.saturating_sub(1).min(16);
        let ceiling = self.initial_backoff.saturating_mul(1 << exponent).min(self.max_backoff);
        // Full jitter: anywhere between half the ceiling and the ceiling keeps the expected wait
        // close to the exponential schedule while spreading clients out.
        let half = ceiling / 2;
        let spread = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        Some(half + Duration::from_millis(fastrand::u64(0..=spread)))
    }
}

/// Reads `Retry-After` as seconds or as an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

/// The quota window a 429 body names when it has no `Retry-After` header: advanced hunting
/// answers `"code": "429"` with a message such as "…Maximum allowed: 45 per 00:01:00…", and a
/// call may be made again once that window has passed. The longest window named wins.
pub fn quota_window(body: &[u8]) -> Option<Duration> {
    let text = std::str::from_utf8(body).ok()?;
    text.match_indices("per ")
        .filter_map(|(at, _)| {
            let rest = text.get(at + 4..)?;
            let clock: String =
                rest.chars().take_while(|c| c.is_ascii_digit() || *c == ':' || *c == '.').collect();
            let parts: Vec<f64> = clock.split(':').map(str::parse).collect::<Result<_, _>>().ok()?;
            match parts.as_slice() {
                [hours, minutes, seconds] => Some(hours * 3_600.0 + minutes * 60.0 + seconds),
                [days, hours, minutes, seconds] => {
                    Some(days * 86_400.0 + hours * 3_600.0 + minutes * 60.0 + seconds)
                }
                _ => None,
            }
        })
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
        .map(Duration::from_secs_f64)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn a_quota_window_is_read_from_a_throttled_body() {
        let body = br#"{"error": {"code": "429", "message": "API calls quota exceeded! Maximum allowed: 45 per 00:01:00 ..."}}"#;
        assert_eq!(quota_window(body), Some(Duration::from_secs(60)));
        let two = br#"{"error": {"message": "Maximum allowed 1500 per 01:00:00, 45 per 00:01:00"}}"#;
        assert_eq!(quota_window(two), Some(Duration::from_secs(3_600)));
        assert_eq!(quota_window(br#"{"error": {"message": "one per customer"}}"#), None);
        assert_eq!(quota_window(b"\xff not text"), None);
    }

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap_or_else(|e| panic!("{e}")));
        headers
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(retry_after(&headers("7")), Some(Duration::from_secs(7)));
        let in_a_minute = SystemTime::now() + Duration::from_secs(60);
        let delay = retry_after(&headers(&httpdate::fmt_http_date(in_a_minute)))
            .unwrap_or_else(|| panic!("HTTP date not understood"));
        assert!(delay > Duration::from_secs(55) && delay <= Duration::from_secs(60), "{delay:?}");
        assert_eq!(retry_after(&headers("Wed, 21 Oct 2015 07:28:00 GMT")), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers("soon")), None);
    }

    #[test]
    fn backoff_grows_and_stays_under_the_cap() {
        let policy = RetryPolicy::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(1000));
        for attempt in 1..=10 {
            let delay = policy.delay(attempt, None).unwrap_or_default();
            let ceiling = Duration::from_millis((100u64 << (attempt - 1)).min(1000));
            assert!(delay >= ceiling / 2 && delay <= ceiling, "attempt {attempt}: {delay:?}");
        }
        assert_eq!(policy.delay(1, Some(Duration::from_secs(3))), Some(Duration::from_secs(3)));
        assert_eq!(policy.delay(1, Some(Duration::from_secs(3600))), None);
    }

    #[test]
    fn actions_are_not_retried_once_the_server_may_have_acted() {
        let bad_gateway = Failure::Status(StatusCode::BAD_GATEWAY);
        assert!(RetryPolicy::is_retryable(bad_gateway, true));
        assert!(!RetryPolicy::is_retryable(bad_gateway, false));
        assert!(!RetryPolicy::is_retryable(Failure::InFlight, false));
        assert!(RetryPolicy::is_retryable(Failure::Status(StatusCode::TOO_MANY_REQUESTS), false));
        assert!(RetryPolicy::is_retryable(Failure::ConnectFailed, false));
        assert!(!RetryPolicy::is_retryable(Failure::Status(StatusCode::NOT_FOUND), true));
    }
}
