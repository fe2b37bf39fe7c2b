//! An adapter from `azure_core`'s token credentials, so that everything `azure_identity` offers
//! (managed identity, workload identity, Azure CLI, developer tools) signs in the SDK.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_core::future::BoxFuture;

use super::{AccessToken, TokenCredential};
use crate::error::{AuthError, Error, ErrorKind, Result};

/// Any `azure_core::credentials::TokenCredential`, used as this SDK's [`TokenCredential`].
///
/// ```ignore
/// let azure = azure_identity::ManagedIdentityCredential::new(None)?;
/// let client = defender_runtime::ODataClient::builder()
///     .credential(defender_runtime::AzureCoreCredential::new(azure))
///     .build()?;
/// ```
#[derive(Clone)]
pub struct AzureCoreCredential {
    inner: Arc<dyn azure_core::credentials::TokenCredential>,
}

impl AzureCoreCredential {
    /// Wraps an `azure_core` credential.
    pub fn new(credential: Arc<dyn azure_core::credentials::TokenCredential>) -> Self {
        Self { inner: credential }
    }
}

impl fmt::Debug for AzureCoreCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // azure_core's credentials redact their own secrets in Debug.
        f.debug_struct("AzureCoreCredential").field("inner", &self.inner).finish()
    }
}

impl TokenCredential for AzureCoreCredential {
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(async move {
            let token = self.inner.get_token(&[scope], None).await.map_err(|e| {
                Error::new(ErrorKind::Auth(AuthError {
                    status: None,
                    code: None,
                    message: format!("azure_core credential: {e}"),
                    request_id: None,
                }))
            })?;
            let seconds = token.expires_on.unix_timestamp();
            let expires_on = match u64::try_from(seconds) {
                Ok(seconds) => SystemTime::UNIX_EPOCH + Duration::from_secs(seconds),
                Err(_) => SystemTime::UNIX_EPOCH,
            };
            Ok(AccessToken::new(token.token.secret(), expires_on))
        })
    }
}
