//! Faults on demand: throttling (at a rate, or past the documented per-API limits), server
//! errors, latency and dropped connections, for demos and tests of clients' resilience.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// Which faults to inject. All off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct FaultConfig {
    /// Answer every Nth API request with 429.
    pub throttle_every: Option<u64>,
    /// Answer 429 past Defender's documented limits: 100 calls a minute, 1,500 an hour, per API.
    pub enforce_limits: bool,
    /// The `Retry-After` seconds sent with a 429.
    pub retry_after_secs: u64,
    /// Answer every Nth API request with 503.
    pub error_every: Option<u64>,
    /// Close the connection without answering every Nth API request.
    pub drop_every: Option<u64>,
    /// Wait this long before answering every API request.
    pub latency_ms: u64,
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer 429 with this `Retry-After`.
    Throttle(u64),
    /// Answer 503.
    Unavailable,
    /// Close the connection.
    Drop,
}

/// The running fault state: counters and the per-API call log for the documented limits.
#[derive(Debug, Default)]
pub struct Faults {
    config: Mutex<FaultConfig>,
    requests: AtomicU64,
    calls: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl Faults {
    /// Faults as configured.
    pub fn new(config: FaultConfig) -> Self {
        Self { config: Mutex::new(config), ..Self::default() }
    }

    /// The current configuration.
    pub fn config(&self) -> FaultConfig {
        self.config.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// Replaces the configuration (and restarts the counters).
    pub fn set(&self, config: FaultConfig) {
        if let Ok(mut current) = self.config.lock() {
            *current = config;
        }
        self.requests.store(0, Ordering::SeqCst);
        if let Ok(mut calls) = self.calls.lock() {
            calls.clear();
        }
    }

    /// The latency to add and the fault, if any, for the next request to `api`.
    pub fn next(&self, api: &str) -> (Duration, Option<Fault>) {
        let config = self.config();
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        let every = |k: Option<u64>| k.is_some_and(|k| k > 0 && n.is_multiple_of(k));
        let latency = Duration::from_millis(config.latency_ms);
        let fault = if every(config.drop_every) {
            Some(Fault::Drop)
        } else if every(config.error_every) {
            Some(Fault::Unavailable)
        } else if every(config.throttle_every) || (config.enforce_limits && self.over_limit(api)) {
            Some(Fault::Throttle(config.retry_after_secs))
        } else {
            None
        };
        (latency, fault)
    }

    fn over_limit(&self, api: &str) -> bool {
        let now = Instant::now();
        let Ok(mut calls) = self.calls.lock() else { return false };
        let log = calls.entry(api.to_owned()).or_default();
        while log.front().is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(3_600)) {
            log.pop_front();
        }
        let last_minute = log.iter().filter(|t| now.duration_since(**t) < Duration::from_secs(60)).count();
        if last_minute >= 100 || log.len() >= 1_500 {
            return true;
        }
        log.push_back(now);
        false
    }
}
