//! The OAuth2 client-credentials grant with a client secret.

use std::fmt;

use futures_core::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::token_endpoint::TokenEndpoint;
use super::{AccessToken, TokenCredential};
use crate::cloud::Cloud;
use crate::error::Result;
use crate::transport::Transport;

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
    endpoint: TokenEndpoint,
    client_id: String,
    client_secret: SecretString,
}

impl ClientSecretCredential {
    /// A credential for the commercial cloud's authority.
    pub fn new(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            endpoint: TokenEndpoint::new(tenant_id.into()),
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        }
    }

    /// Signs in at the authority of `cloud` (`login.microsoftonline.us` for GCC High and DoD).
    pub fn with_cloud(self, cloud: &Cloud) -> Self {
        self.with_authority_host(cloud.authority_host())
    }

    /// Signs in at another authority host, such as a local token server in tests.
    pub fn with_authority_host(mut self, authority_host: Url) -> Self {
        self.endpoint.authority_host = authority_host;
        self
    }

    /// Uses this transport (HTTP client and retry policy) for token requests.
    pub fn with_transport(mut self, transport: Transport) -> Self {
        self.endpoint.transport = Some(transport);
        self
    }

    /// The token endpoint this credential posts to.
    pub fn token_endpoint(&self) -> Result<Url> {
        self.endpoint.url()
    }
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("tenant_id", &self.endpoint.tenant_id)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("authority_host", &self.endpoint.authority_host.as_str())
            .finish()
    }
}

impl TokenCredential for ClientSecretCredential {
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let form = [
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.expose_secret()),
                ("scope", scope),
            ];
            self.endpoint.request(&form).await
        })
    }
}
