//! The OAuth2 client-credentials grant against the Entra ID v2.0 token endpoint.

use std::fmt;
use std::time::{Duration, SystemTime};

use futures_core::future::BoxFuture;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use url::Url;

use super::{AccessToken, TokenCredential};
use crate::cloud::Cloud;
use crate::error::{AuthError, Error, ErrorKind, Result, body_excerpt};
use crate::retry::RetryPolicy;
use crate::transport::{DEFAULT_MAX_BODY_BYTES, Transport};

/// Signs in as an application with its client secret.
///
/// Sends `grant_type=client_credentials`, `client_id`, `client_secret` and `scope` to
/// `{authority}/{tenant}/oauth2/v2.0/token`. The secret is held in a redacting type: it never
/// appears in `Debug`, in logs or in errors.
///
/// ```
/// use defender_runtime::{ClientSecretCredential, Cloud};
///
/// let credential = ClientSecretCredential::new("contoso.onmicrosoft.com", "app-id", "app-secret")
///     .with_cloud(&Cloud::UsGovGccHigh);
/// assert!(!format!("{credential:?}").contains("app-secret"));
/// ```
#[derive(Clone)]
pub struct ClientSecretCredential {
    tenant_id: String,
    client_id: String,
    client_secret: SecretString,
    authority_host: Url,
    transport: Option<Transport>,
}

impl ClientSecretCredential {
    /// A credential for the commercial cloud's authority.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            tenant_id: tenant_id.into(),
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            authority_host: Cloud::Commercial.authority_host(),
            transport: None,
        }
    }

    /// Signs in at the authority of `cloud` (`login.microsoftonline.us` for GCC High and DoD).
    pub fn with_cloud(self, cloud: &Cloud) -> Self {
        self.with_authority_host(cloud.authority_host())
    }

    /// Signs in at another authority host, such as a local token server in tests.
    pub fn with_authority_host(mut self, authority_host: Url) -> Self {
        self.authority_host = authority_host;
        self
    }

    /// Uses this transport (HTTP client and retry policy) for token requests.
    pub fn with_transport(mut self, transport: Transport) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The token endpoint this credential posts to.
    pub fn token_endpoint(&self) -> Result<Url> {
        self.authority_host
            .join(&format!("{}/oauth2/v2.0/token", self.tenant_id))
            .map_err(|e| Error::config(format!("invalid authority host or tenant id: {e}")))
    }

    async fn request_token(&self, scope: &str) -> Result<AccessToken> {
        let endpoint = self.token_endpoint()?;
        let transport = match &self.transport {
            Some(transport) => transport.clone(),
            None => Transport::new(
                Transport::default_http_client(Duration::from_secs(60))?,
                RetryPolicy::default(),
                DEFAULT_MAX_BODY_BYTES,
            ),
        };
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("scope", scope),
        ];
        let request = reqwest::Client::new()
            .request(Method::POST, endpoint)
            .form(&form)
            .header("accept", "application/json")
            .build()
            .map_err(|e| Error::config(format!("cannot build the token request: {e}")))?;
        let requested_at = SystemTime::now();
        // A token request changes nothing on the server, so it is safe to repeat.
        let response = transport.send(request, true).await?;
        if !response.status.is_success() {
            let error: TokenErrorBody = serde_json::from_slice(&response.body).unwrap_or_default();
            return Err(Error::new(ErrorKind::Auth(AuthError {
                status: Some(response.status),
                code: error.error,
                message: error
                    .error_description
                    .map(|d| first_line(&d))
                    .unwrap_or_else(|| format!("token endpoint answered {}", body_excerpt(&response.body))),
                request_id: error.correlation_id.or(error.trace_id),
            })));
        }
        let body: TokenResponse = serde_json::from_slice(&response.body).map_err(|e| {
            Error::new(ErrorKind::Auth(AuthError {
                status: Some(response.status),
                code: None,
                message: format!("the token response is not valid JSON: {e}"),
                request_id: None,
            }))
        })?;
        let lifetime = body.expires_in.seconds().ok_or_else(|| {
            Error::new(ErrorKind::Auth(AuthError {
                status: Some(response.status),
                code: None,
                message: "the token response has no usable expires_in".into(),
                request_id: None,
            }))
        })?;
        Ok(AccessToken::new(body.access_token, requested_at + Duration::from_secs(lifetime)))
    }
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("authority_host", &self.authority_host.as_str())
            .finish()
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.request_token(scope))
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
// fields we already keep; the first line is the human part.
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().trim().to_owned()
}
