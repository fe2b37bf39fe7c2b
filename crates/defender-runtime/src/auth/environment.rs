//! A credential configured by environment variables, as azure-identity's reads them.

use std::fmt;
use std::sync::Arc;

use futures_core::future::BoxFuture;
use url::Url;

use super::{AccessToken, ClientCertificateCredential, ClientSecretCredential, TokenCredential};
use crate::error::{Error, Result};

/// Signs in with a client secret or certificate named by environment variables:
///
/// | variable | meaning |
/// |---|---|
/// | `AZURE_TENANT_ID` | the tenant (required) |
/// | `AZURE_CLIENT_ID` | the application's client id (required) |
/// | `AZURE_CLIENT_SECRET` | a client secret, or |
/// | `AZURE_CLIENT_CERTIFICATE_PATH` | a PEM file with the certificate and its private key |
/// | `AZURE_AUTHORITY_HOST` | optional: another authority, such as `https://login.microsoftonline.us` |
///
/// A secret wins over a certificate when both are set, as in azure-identity.
#[derive(Clone)]
pub struct EnvironmentCredential {
    inner: Arc<dyn TokenCredential>,
    description: String,
}

impl EnvironmentCredential {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup`, so that configuration can come from elsewhere
    /// (and tests need not change the process environment).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let tenant = get("AZURE_TENANT_ID").ok_or_else(|| missing("AZURE_TENANT_ID"))?;
        let client = get("AZURE_CLIENT_ID").ok_or_else(|| missing("AZURE_CLIENT_ID"))?;
        let authority = get("AZURE_AUTHORITY_HOST")
            .map(|host| {
                Url::parse(&host)
                    .map_err(|e| Error::config(format!("AZURE_AUTHORITY_HOST is not a URL: {e}")))
            })
            .transpose()?;
        if let Some(secret) = get("AZURE_CLIENT_SECRET") {
            let mut credential = ClientSecretCredential::new(tenant, client.clone(), secret);
            if let Some(authority) = authority {
                credential = credential.with_authority_host(authority);
            }
            return Ok(Self {
                inner: Arc::new(credential),
                description: format!("client secret of {client}"),
            });
        }
        if let Some(path) = get("AZURE_CLIENT_CERTIFICATE_PATH") {
            let mut credential = ClientCertificateCredential::from_pem_file(tenant, client.clone(), &path)?;
            if let Some(authority) = authority {
                credential = credential.with_authority_host(authority);
            }
            return Ok(Self {
                inner: Arc::new(credential),
                description: format!("certificate {path} of {client}"),
            });
        }
        Err(Error::config(
            "set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH to sign in from the environment",
        ))
    }
}

fn missing(name: &str) -> Error {
    Error::config(format!("{name} is not set"))
}

impl fmt::Debug for EnvironmentCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnvironmentCredential").field("using", &self.description).finish()
    }
}

impl TokenCredential for EnvironmentCredential {
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        self.inner.get_token(scope)
    }
}
