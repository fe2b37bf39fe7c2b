//! Access tokens for the API: where they come from and how long they are reused.
//!
//! A [`TokenCredential`] obtains tokens (from Entra ID with a client secret or a certificate,
//! from the environment, or a fixed token);
//! the client wraps it in a [`TokenCache`] that reuses each token until shortly before it
//! expires and lets only one refresh run at a time.

#[cfg(feature = "azure-core")]
mod azure;
mod cache;
mod client_certificate;
mod client_secret;
mod environment;
mod token_endpoint;

use std::fmt;
use std::time::{Duration, SystemTime};

use futures_core::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};

#[cfg(feature = "azure-core")]
pub use azure::AzureCoreCredential;
pub use cache::TokenCache;
pub use client_certificate::ClientCertificateCredential;
pub use client_secret::ClientSecretCredential;
pub use environment::EnvironmentCredential;

use crate::error::Result;

/// A bearer token and the moment it stops being valid.
///
/// `Debug` shows the expiry but never the token.
#[derive(Clone)]
pub struct AccessToken {
    token: SecretString,
    expires_on: SystemTime,
}

impl AccessToken {
    /// A token valid until `expires_on`.
    pub fn new(token: impl Into<String>, expires_on: SystemTime) -> Self {
        Self { token: SecretString::from(token.into()), expires_on }
    }

    /// The token, to put in an `Authorization: Bearer` header.
    pub fn secret(&self) -> &str {
        self.token.expose_secret()
    }

    /// When the token expires.
    pub fn expires_on(&self) -> SystemTime {
        self.expires_on
    }

    /// Whether the token is still valid `margin` from now.
    pub fn is_valid_for(&self, margin: Duration) -> bool {
        SystemTime::now() + margin < self.expires_on
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("token", &"[redacted]")
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

/// A source of access tokens for a scope.
///
/// Implement it to plug in any other way of signing in; the client caches what it returns.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use defender_runtime::{AccessToken, Result, TokenCredential};
/// use futures_core::future::BoxFuture;
///
/// #[derive(Debug)]
/// struct FromVault;
///
/// impl TokenCredential for FromVault {
///     fn get_token<'a>(&'a self, _scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
///         Box::pin(async {
///             Ok(AccessToken::new("token-from-vault", SystemTime::now() + Duration::from_secs(3600)))
///         })
///     }
/// }
/// ```
pub trait TokenCredential: Send + Sync + fmt::Debug {
    /// Obtains a new token for `scope` (for example `https://api.securitycenter.microsoft.com/.default`).
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>>;
}

/// A token obtained elsewhere, used as it is until it expires.
#[derive(Clone)]
pub struct StaticTokenCredential {
    token: AccessToken,
}

impl StaticTokenCredential {
    /// Uses `token` for every request until `expires_on`.
    pub fn new(token: impl Into<String>, expires_on: SystemTime) -> Self {
        Self { token: AccessToken::new(token, expires_on) }
    }
}

impl fmt::Debug for StaticTokenCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticTokenCredential").field("token", &self.token).finish()
    }
}

impl TokenCredential for StaticTokenCredential {
    fn get_token<'a>(&'a self, _scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move { Ok(self.token.clone()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let credential = StaticTokenCredential::new("eyJ0eXAiOiJKV1Qi.secret", SystemTime::now());
        let shown = format!("{credential:?}");
        assert!(!shown.contains("eyJ0eXAiOiJKV1Qi"), "{shown}");
        assert!(shown.contains("[redacted]"), "{shown}");
    }
}
