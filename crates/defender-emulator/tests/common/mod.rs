//! What the emulator's test files share: an SDK client signed in to an emulator.

use std::time::Duration;

use defender_emulator::Emulator;
use defender_sdk::{ClientSecretCredential, DefenderClient, RetryPolicy};

/// A client of `emulator` with its registered application's secret and a quick retry policy
/// of `attempts` attempts (milliseconds apart, so that a test with faults stays fast).
pub fn client(emulator: &Emulator, attempts: u32) -> DefenderClient {
    let config = emulator.config();
    let authority = url::Url::parse(&emulator.authority()).unwrap_or_else(|e| panic!("{e}"));
    let credential = ClientSecretCredential::new(&config.tenant_id, &config.client_id, &config.client_secret)
        .with_authority_host(authority);
    let retry = RetryPolicy::default()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20));
    DefenderClient::builder()
        .base_url(&emulator.base_url())
        .map(|b| b.credential(credential).retry_policy(retry))
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"))
}
