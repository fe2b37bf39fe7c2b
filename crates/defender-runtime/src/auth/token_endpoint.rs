//! The Entra ID v2.0 token endpoint, shared by every credential that signs in with a grant.

use std::time::{Duration, SystemTime};

use reqwest::Method;
use serde::Deserialize;
use url::Url;

use super::AccessToken;
use crate::cloud::Cloud;
use crate::error::{AuthError, Error, ErrorKind, Result, body_excerpt};
use crate::retry::RetryPolicy;
use crate::transport::{DEFAULT_MAX_BODY_BYTES, Transport};

/// Where a tenant's tokens come from: `{authority}/{tenant}/oauth2/v2.0/token`.
#[derive(Debug, Clone)]
pub(crate) struct TokenEndpoint {
    pub(crate) tenant_id: String,
    pub(crate) authority_host: Url,
    pub(crate) transport: Option<Transport>,
}

impl TokenEndpoint {
    pub(crate) fn new(tenant_id: String) -> Self {
        Self { tenant_id, authority_host: Cloud::Commercial.authority_host(), transport: None }
    }

    /// The token URL below the authority. An authority with a path (`https://host/custom`) keeps
    /// it, with or without a trailing slash: `Url::join` would replace its last segment.
    pub(crate) fn url(&self) -> Result<Url> {
        let mut authority = self.authority_host.clone();
        if !authority.path().ends_with('/') {
            authority.set_path(&format!("{}/", authority.path()));
        }
        authority
            .join(&format!("{}/oauth2/v2.0/token", self.tenant_id))
            .map_err(|e| Error::config(format!("invalid authority host or tenant id: {e}")))
    }

    /// Posts a grant (form fields) and reads the token out of the answer.
    pub(crate) async fn request(&self, form: &[(&str, &str)]) -> Result<AccessToken> {
        let transport = match &self.transport {
            Some(transport) => transport.clone(),
            None => Transport::new(
                Transport::default_http_client()?,
                RetryPolicy::default(),
                DEFAULT_MAX_BODY_BYTES,
            ),
        };
        let request = reqwest::Client::new()
            .request(Method::POST, self.url()?)
            .form(form)
            .header("accept", "application/json")
            .build()
            .map_err(|e| Error::config(format!("cannot build the token request: {e}")))?;
        let requested_at = SystemTime::now();
        // A token request changes nothing on the server, so it is safe to repeat.
        let response = transport.send(request, true).await?;
        let auth_error = |code: Option<String>, message: String, request_id: Option<String>| {
            Error::new(ErrorKind::Auth(AuthError {
                status: Some(response.status),
                code,
                message,
                request_id,
            }))
        };
        if !response.status.is_success() {
            let error: TokenErrorBody = serde_json::from_slice(&response.body).unwrap_or_default();
            let message = error
                .error_description
                .map(|d| first_line(&d))
                .unwrap_or_else(|| format!("token endpoint answered {}", body_excerpt(&response.body)));
            return Err(auth_error(error.error, message, error.correlation_id.or(error.trace_id)));
        }
        let body: TokenResponse = serde_json::from_slice(&response.body)
            .map_err(|e| auth_error(None, format!("the token response is not valid JSON: {e}"), None))?;
        let lifetime = body
            .expires_in
            .seconds()
            .ok_or_else(|| auth_error(None, "the token response has no usable expires_in".into(), None))?;
        Ok(AccessToken::new(body.access_token, requested_at + Duration::from_secs(lifetime)))
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Seconds,
}

/// The v2.0 endpoint sends `expires_in` as a number, the v1.0 endpoint as a string.
#[derive(Deserialize)]
#[serde(untagged)]
enum Seconds {
    Number(u64),
    Text(String),
}

impl Seconds {
    fn seconds(&self) -> Option<u64> {
        match self {
            Seconds::Number(n) => Some(*n),
            Seconds::Text(text) => text.trim().parse().ok(),
        }
    }
}

#[derive(Deserialize, Default)]
struct TokenErrorBody {
    error: Option<String>,
    error_description: Option<String>,
    trace_id: Option<String>,
    correlation_id: Option<String>,
}

// Entra ID descriptions run over several lines with trace and timestamp details that repeat
// fields kept elsewhere; the first line is the human part.
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}
