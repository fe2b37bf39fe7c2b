//! The OAuth2 client-credentials grant with a certificate: a JWT client assertion signed with
//! the certificate's private key.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_core::future::BoxFuture;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use url::Url;

use super::token_endpoint::TokenEndpoint;
use super::{AccessToken, TokenCredential};
use crate::cloud::Cloud;
use crate::error::{AuthError, Error, ErrorKind, Result};
use crate::transport::Transport;

/// How long a client assertion is valid. Entra ID only needs it for the one token request.
const ASSERTION_LIFETIME_SECS: u64 = 600;

/// Signs in as an application with a certificate registered on it.
///
/// Each token request carries a client assertion: a JWT (`RS256`) whose header names the
/// certificate by its SHA-1 thumbprint (`x5t`), whose audience is the token endpoint, and whose
/// issuer and subject are the client id, signed with the certificate's RSA private key. The key
/// is never shown by `Debug` or in errors.
#[derive(Clone)]
pub struct ClientCertificateCredential {
    endpoint: TokenEndpoint,
    client_id: String,
    key: Arc<RsaKeyPair>,
    thumbprint: String,
}

impl ClientCertificateCredential {
    /// A credential from PEM text holding the certificate and its RSA private key (PKCS#8
    /// `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`), in one string or two concatenated.
    pub fn from_pem(tenant_id: impl Into<String>, client_id: impl Into<String>, pem: &[u8]) -> Result<Self> {
        let certificate = CertificateDer::pem_slice_iter(pem)
            .next()
            .ok_or_else(|| invalid("the PEM has no CERTIFICATE block"))?
            .map_err(|e| invalid(&format!("the certificate PEM is malformed: {e}")))?;
        let key = PrivateKeyDer::from_pem_slice(pem)
            .map_err(|_| invalid("the PEM has no readable PRIVATE KEY or RSA PRIVATE KEY block"))?;
        let key = match &key {
            PrivateKeyDer::Pkcs8(der) => RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()),
            PrivateKeyDer::Pkcs1(der) => RsaKeyPair::from_der(der.secret_pkcs1_der()),
            _ => return Err(invalid("only RSA private keys are supported")),
        }
        .map_err(|_| invalid("the private key is not a usable RSA key"))?;
        let thumbprint =
            URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &certificate));
        Ok(Self {
            endpoint: TokenEndpoint::new(tenant_id.into()),
            client_id: client_id.into(),
            key: Arc::new(key),
            thumbprint,
        })
    }

    /// A credential from a PEM file holding the certificate and its private key.
    pub fn from_pem_file(
        tenant_id: impl Into<String>,
        client_id: impl Into<String>,
        path: impl AsRef<Path>,
    ) -> Result<Self> {
        let path = path.as_ref();
        let pem = std::fs::read(path)
            .map_err(|e| Error::config(format!("cannot read the certificate {}: {e}", path.display())))?;
        Self::from_pem(tenant_id, client_id, &pem)
    }

    /// Signs in at the authority of `cloud`.
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

    /// The certificate's SHA-1 thumbprint, base64url, as the assertion's `x5t` header carries it.
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A signed client assertion for the token endpoint `audience`.
    fn assertion(&self, audience: &str) -> Result<String> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "x5t": self.thumbprint});
        let claims = serde_json::json!({
            "aud": audience,
            "iss": self.client_id,
            "sub": self.client_id,
            "jti": random_uuid()?.to_string(),
            "nbf": now,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECS,
        });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut signature = vec![0; self.key.public_modulus_len()];
        self.key
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), signing_input.as_bytes(), &mut signature)
            .map_err(|_| invalid("signing the client assertion failed"))?;
        Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    async fn request_token(&self, scope: &str) -> Result<AccessToken> {
        let endpoint = self.endpoint.url()?;
        let assertion = self.assertion(endpoint.as_str())?;
        self.endpoint
            .request(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.client_id.as_str()),
                ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                ("client_assertion", assertion.as_str()),
                ("scope", scope),
            ])
            .await
    }
}

fn invalid(message: &str) -> Error {
    Error::new(ErrorKind::Auth(AuthError {
        status: None,
        code: None,
        message: format!("client certificate: {message}"),
        request_id: None,
    }))
}

impl fmt::Debug for ClientCertificateCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificateCredential")
            .field("tenant_id", &self.endpoint.tenant_id)
            .field("client_id", &self.client_id)
            .field("thumbprint", &self.thumbprint)
            .field("private_key", &"[redacted]")
            .field("authority_host", &self.endpoint.authority_host.as_str())
            .finish()
    }
}

impl TokenCredential for ClientCertificateCredential {
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.request_token(scope))
    }
}

/// A version 4 UUID from the system's secure random source, for an assertion's unique `jti`.
fn random_uuid() -> Result<uuid::Uuid> {
    use aws_lc_rs::rand::SecureRandom as _;
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::config("the system's random source failed"))?;
    Ok(uuid::Builder::from_random_bytes(bytes).into_uuid())
}
