//! A client-side limiter that keeps a client under the service's documented call rates.
//!
//! Defender for Endpoint allows each API (`machines`, `alerts`, …) 100 calls a minute and 1,500
//! an hour per tenant, and answers 429 past that. Waiting before sending is cheaper than being
//! throttled: the limiter delays a request until it fits every window. It is shared by clones
//! of the client (and may be shared across clients), so a whole process stays under the limit.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

/// Sliding-window call limits per API.
///
/// ```
/// use std::time::Duration;
/// use defender_runtime::RateLimiter;
///
/// let limiter = RateLimiter::defender();
/// let strict = RateLimiter::new(&[(10, Duration::from_secs(1))]);
/// # let _ = (limiter, strict);
/// ```
#[derive(Debug, Clone)]
pub struct RateLimiter {
    limits: Arc<[(usize, Duration)]>,
    sent: Arc<Mutex<HashMap<String, VecDeque<Instant>>>>,
}

impl RateLimiter {
    /// Defender's documented limits: 100 calls a minute and 1,500 an hour, per API.
    pub fn defender() -> Self {
        Self::new(&[(100, Duration::from_secs(60)), (1_500, Duration::from_secs(3_600))])
    }

    /// At most `calls` per `window`, for every pair, per API.
    pub fn new(limits: &[(u32, Duration)]) -> Self {
        let limits: Vec<(usize, Duration)> =
            limits.iter().filter(|(calls, _)| *calls > 0).map(|(c, w)| (*c as usize, *w)).collect();
        Self { limits: limits.into(), sent: Arc::new(Mutex::new(HashMap::new())) }
    }

    /// Waits until a call to `api` fits every window, then counts it.
    pub async fn acquire(&self, api: &str) {
        loop {
            let wait = match self.try_acquire(api, Instant::now()) {
                None => return,
                Some(wait) => wait,
            };
            tracing::debug!(api, wait_ms = wait.as_millis() as u64, "client-side rate limit: waiting");
            tokio::time::sleep(wait).await;
        }
    }

    /// Counts a call now if it fits, or says how long to wait before trying again.
    fn try_acquire(&self, api: &str, now: Instant) -> Option<Duration> {
        let longest = self.limits.iter().map(|(_, w)| *w).max()?;
        let mut sent = self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let calls = sent.entry(api.to_owned()).or_default();
        while calls.front().is_some_and(|t| now.duration_since(*t) >= longest) {
            calls.pop_front();
        }
        let mut wait = Duration::ZERO;
        for (limit, window) in self.limits.iter() {
            let in_window: Vec<&Instant> =
                calls.iter().filter(|t| now.duration_since(**t) < *window).collect();
            if in_window.len() >= *limit {
                // The window frees a slot when its oldest call in the window leaves it.
                let oldest = in_window[in_window.len() - limit];
                wait = wait.max(*window - now.duration_since(*oldest));
            }
        }
        if wait.is_zero() {
            calls.push_back(now);
            None
        } else {
            Some(wait)
        }
    }

    /// How many calls to `api` were counted in the last `window`.
    pub fn recent_calls(&self, api: &str, window: Duration) -> usize {
        let now = Instant::now();
        let sent = self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        sent.get(api).map_or(0, |calls| calls.iter().filter(|t| now.duration_since(**t) < window).count())
    }
}

/// The API a URL belongs to, for rate limiting: the first path segment after `/api/`
/// (`machines` for `/api/machines/{id}/isolate`), lowercased, ignoring a version segment.
pub fn api_of(url: &Url) -> String {
    let mut segments = url.path_segments().into_iter().flatten().filter(|s| !s.is_empty());
    let mut first = segments.next().unwrap_or_default();
    if first.eq_ignore_ascii_case("api") {
        first = segments.next().unwrap_or_default();
    }
    if first.starts_with('v') && first[1..].chars().all(|c| c.is_ascii_digit() || c == '.') && first.len() > 1
    {
        first = segments.next().unwrap_or_default();
    }
    let name = first.split('(').next().unwrap_or_default();
    name.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn apis_are_the_first_segment_after_api() {
        assert_eq!(api_of(&url("https://h/api/machines/abc/isolate")), "machines");
        assert_eq!(api_of(&url("https://h/api/v1.0/Alerts?$top=1")), "alerts");
        assert_eq!(api_of(&url("https://h/api/machines/findbyip(ip='1',timestamp=2)")), "machines");
        assert_eq!(api_of(&url("https://h/api/exposureScore/ByMachineGroups")), "exposurescore");
    }

    #[tokio::test(start_paused = true)]
    async fn calls_wait_for_the_tightest_window() {
        let limiter = RateLimiter::new(&[(2, Duration::from_secs(1)), (3, Duration::from_secs(10))]);
        let start = Instant::now();
        limiter.acquire("machines").await;
        limiter.acquire("machines").await;
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.acquire("machines").await;
        assert_eq!(start.elapsed(), Duration::from_secs(1), "the per-second window");
        limiter.acquire("machines").await;
        assert_eq!(start.elapsed(), Duration::from_secs(10), "the ten-second window");
        // Another API has its own windows.
        limiter.acquire("alerts").await;
        assert_eq!(start.elapsed(), Duration::from_secs(10));
    }

    #[tokio::test(start_paused = true)]
    async fn clones_share_the_count() {
        let limiter = RateLimiter::new(&[(3, Duration::from_secs(60))]);
        let clone = limiter.clone();
        let start = Instant::now();
        for _ in 0..3 {
            clone.acquire("alerts").await;
        }
        assert_eq!(limiter.recent_calls("alerts", Duration::from_secs(60)), 3);
        limiter.acquire("alerts").await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn the_documented_limits_allow_100_calls_a_minute() {
        let limiter = RateLimiter::defender();
        let start = Instant::now();
        for _ in 0..100 {
            limiter.acquire("machines").await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        limiter.acquire("machines").await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
    }
}
