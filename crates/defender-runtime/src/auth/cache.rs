//! Reusing a token until shortly before it expires, with one refresh at a time.

use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use super::{AccessToken, TokenCredential};
use crate::error::Result;

/// How long before expiry a token is replaced at most. Entra ID tokens live 60–90 minutes; five
/// minutes leaves room for clock skew and for a request that starts just before the refresh.
const REFRESH_MARGIN: Duration = Duration::from_secs(300);

/// When a token that arrived at `obtained` should be replaced: [`REFRESH_MARGIN`] before it
/// expires, or halfway through its life when it lives less than twice that, so that a short-lived
/// token (a proxy's, a test's) is still reused for half its life rather than never.
fn refresh_at(obtained: SystemTime, expires_on: SystemTime) -> SystemTime {
    let lifetime = expires_on.duration_since(obtained).unwrap_or_default();
    expires_on - REFRESH_MARGIN.min(lifetime / 2)
}

/// A [`TokenCredential`] with a cache in front of it.
///
/// Concurrent callers that find no valid token wait for a single refresh: a hundred requests
/// that start together cause one token request, not a hundred.
#[derive(Debug)]
pub struct TokenCache {
    credential: Arc<dyn TokenCredential>,
    scope: String,
    /// The token and when to replace it.
    current: RwLock<Option<(AccessToken, SystemTime)>>,
    refresh: tokio::sync::Mutex<()>,
}

impl TokenCache {
    /// Caches tokens from `credential` for `scope`.
    pub fn new(credential: Arc<dyn TokenCredential>, scope: impl Into<String>) -> Self {
        Self {
            credential,
            scope: scope.into(),
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    /// The scope tokens are requested for.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// A token that is not due for refresh (five minutes before expiry, or halfway through the
    /// life of a token that lives less than ten minutes), fetching one if needed.
    pub async fn token(&self) -> Result<AccessToken> {
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let _only_one_refresh = self.refresh.lock().await;
        // Another caller may have refreshed while this one waited for the lock.
        if let Some(token) = self.cached() {
            return Ok(token);
        }
        let token = self.credential.get_token(&self.scope).await?;
        let due = refresh_at(SystemTime::now(), token.expires_on());
        if let Ok(mut current) = self.current.write() {
            *current = Some((token.clone(), due));
        }
        tracing::debug!(scope = %self.scope, expires_on = ?token.expires_on(), "obtained an access token");
        Ok(token)
    }

    /// Forgets `rejected` after the API refused it, so that the next call fetches a new token.
    /// A newer token that another caller already fetched is kept.
    pub fn invalidate(&self, rejected: &AccessToken) {
        if let Ok(mut current) = self.current.write()
            && current.as_ref().is_some_and(|(t, _)| t.secret() == rejected.secret())
        {
            *current = None;
        }
    }

    fn cached(&self) -> Option<AccessToken> {
        let current = self.current.read().ok()?;
        let now = SystemTime::now();
        current.as_ref().filter(|(_, due)| now < *due).map(|(token, _)| token.clone())
    }
}
