//! The configured client every generated endpoint calls through.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::auth::{TokenCache, TokenCredential};
use crate::cloud::{ApiHost, Cloud, GraphEndpoint, is_allowed_url};
use crate::error::{DecodeError, Error, ErrorKind, Result, body_excerpt};
use crate::limit::RateLimiter;
use crate::multipart::MultipartForm;
use crate::odata::error_from_response;
use crate::retry::RetryPolicy;
use crate::transport::{
    DEFAULT_MAX_BODY_BYTES, DEFAULT_READ_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT, RawResponse, Transport,
};

/// A client for one Defender for Endpoint API host, with its credential, retry policy and limits.
///
/// Cheap to clone: clones share the HTTP connection pool and the token cache.
///
/// ```no_run
/// use defender_runtime::{ClientSecretCredential, Cloud, ODataClient};
///
/// # fn main() -> defender_runtime::Result<()> {
/// let client = ODataClient::builder()
///     .cloud(Cloud::Commercial)
///     .credential(ClientSecretCredential::new("tenant-id", "client-id", "client-secret"))
///     .build()?;
/// assert_eq!(client.service_root().as_str(), "https://api.security.microsoft.com/api/");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct ODataClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    transport: Transport,
    service_root: Url,
    tokens: Option<TokenCache>,
    /// The credential, to sign in to the other APIs of the same tenant.
    credential: Option<Arc<dyn TokenCredential>>,
    /// Headers sent with every request (`Prefer` for Graph).
    headers: Vec<(HeaderName, HeaderValue)>,
    /// Microsoft Graph for this client's cloud, and its client once asked for: one per client,
    /// so that its tokens are cached once, beside this client's.
    graph: GraphEndpoint,
    graph_client: std::sync::OnceLock<ODataClient>,
}

/// Builds an [`ODataClient`], or a client that wraps one (`C`), such as the SDK's
/// `DefenderClient`: one builder, so that a wrapper need not forward each setting.
pub struct ClientBuilder<C = ODataClient> {
    cloud: Cloud,
    api_host: Option<ApiHost>,
    credential: Option<Arc<dyn TokenCredential>>,
    scope: Option<String>,
    retry: RetryPolicy,
    timeout: Duration,
    read_timeout: Duration,
    max_body_bytes: usize,
    http: Option<reqwest::Client>,
    limiter: Option<RateLimiter>,
    graph: Option<GraphEndpoint>,
    _builds: std::marker::PhantomData<fn() -> C>,
}

impl<C> std::fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("cloud", &self.cloud)
            .field("api_host", &self.api_host)
            .field("credential", &self.credential)
            .field("scope", &self.scope)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .field("read_timeout", &self.read_timeout)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("limiter", &self.limiter)
            .field("graph", &self.graph)
            .finish_non_exhaustive()
    }
}

impl<C> Default for ClientBuilder<C> {
    fn default() -> Self {
        Self {
            cloud: Cloud::Commercial,
            api_host: None,
            credential: None,
            scope: None,
            retry: RetryPolicy::default(),
            timeout: DEFAULT_RESPONSE_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            http: None,
            limiter: None,
            graph: None,
            _builds: std::marker::PhantomData,
        }
    }
}

impl<C: From<ODataClient>> ClientBuilder<C> {
    /// The cloud, which picks the default API host and the token scope. Commercial by default.
    pub fn cloud(mut self, cloud: Cloud) -> Self {
        self.cloud = cloud;
        self
    }

    /// One of the documented API hosts, instead of the cloud's default.
    pub fn api_host(mut self, host: ApiHost) -> Self {
        self.api_host = Some(host);
        self
    }

    /// A custom base URL, such as a local emulator. `/api/` is added unless the URL ends in it.
    /// Microsoft Graph is then expected under `/v1.0/` on the same host, unless
    /// [`graph_endpoint`](Self::graph_endpoint) says otherwise.
    pub fn base_url(mut self, url: &str) -> Result<Self> {
        let url = Url::parse(url).map_err(|e| Error::config(format!("invalid base URL {url:?}: {e}")))?;
        self.api_host = Some(ApiHost::Custom(url));
        Ok(self)
    }

    /// The credential that provides access tokens. Without one, requests carry no
    /// `Authorization` header (for a proxy that adds it).
    pub fn credential(mut self, credential: impl TokenCredential + 'static) -> Self {
        self.credential = Some(Arc::new(credential));
        self
    }

    /// A credential already shared elsewhere.
    pub fn shared_credential(mut self, credential: Arc<dyn TokenCredential>) -> Self {
        self.credential = Some(credential);
        self
    }

    /// The OAuth2 scope, instead of the cloud's (`https://api.securitycenter.microsoft.com/.default`).
    pub fn scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// How failed requests are retried.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How long one attempt waits for the service to start answering: 60 s by default. The
    /// attempt then fails and is retried, within the retry policy's deadline for the whole call
    /// (120 s by default; see [`RetryPolicy::deadline`]).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long a response body may go without sending a byte: 30 s by default. A large body
    /// keeps arriving for as long as it takes, within the call's deadline.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// The largest response body accepted; a larger one is an error. 256 MiB by default.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// A `reqwest::Client` of your own (proxy, root certificates). Its timeout and redirect
    /// policy are yours to set.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Keeps the client under per-API call rates, waiting before a request that would exceed
    /// them. [`RateLimiter::defender`] has the documented limits; share one limiter between
    /// clients to keep a whole process under them. Off by default.
    pub fn rate_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Where Microsoft Graph is, instead of the cloud's ([`Cloud::graph`]): a test server's
    /// URL (`/v1.0/` is added unless it ends in it) and the scope to request for it.
    pub fn graph_endpoint(mut self, host: &str, scope: impl Into<String>) -> Result<Self> {
        let url = Url::parse(host).map_err(|e| Error::config(format!("invalid Graph URL {host:?}: {e}")))?;
        self.graph = Some(GraphEndpoint::new(&url, scope));
        Ok(self)
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<C> {
        let host = self.api_host.clone().unwrap_or_else(|| self.cloud.default_api_host());
        let service_root = host.service_root();
        if !is_allowed_url(&service_root) {
            return Err(Error::config(format!(
                "the API URL {service_root} is not https (plain http is allowed only to loopback)"
            )));
        }
        let http = match self.http {
            Some(http) => http,
            None => Transport::default_http_client()?,
        };
        let scope = self.scope.unwrap_or_else(|| self.cloud.scope());
        let graph = self.graph.unwrap_or_else(|| match (&self.cloud, &self.api_host) {
            // A custom API host (an emulator) serves Graph too.
            (Cloud::Commercial, Some(ApiHost::Custom(url))) => {
                GraphEndpoint::new(url, self.cloud.graph().scope)
            }
            _ => self.cloud.graph(),
        });
        if !is_allowed_url(&graph.service_root) {
            return Err(Error::config(format!(
                "the Graph URL {} is not https (plain http is allowed only to loopback)",
                graph.service_root
            )));
        }
        let mut transport = Transport::new(http, self.retry, self.max_body_bytes)
            .with_timeouts(self.timeout, self.read_timeout);
        if let Some(limiter) = self.limiter {
            transport = transport.with_rate_limiter(limiter);
        }
        Ok(C::from(ODataClient {
            inner: Arc::new(Inner {
                transport,
                service_root,
                tokens: self.credential.clone().map(|credential| TokenCache::new(credential, scope)),
                credential: self.credential,
                headers: Vec::new(),
                graph,
                graph_client: std::sync::OnceLock::new(),
            }),
        }))
    }
}

impl ODataClient {
    /// Starts configuring a client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client for Microsoft Graph (`https://graph.microsoft.com/v1.0/` in the commercial
    /// cloud, see [`Cloud::graph`]) with the same credential, HTTP connection pool, retry policy
    /// and timeouts, and tokens for Graph's audience cached on their own: each API gets a token
    /// for itself, refreshed on its own schedule, one request at a time. Built on first use and
    /// shared by every clone of this client. It sends `Prefer: include-unknown-enum-members`,
    /// so that members Graph adds to an evolvable enumeration arrive by name rather than as
    /// `unknownFutureValue`. Defender's rate limiter, if one is set, does not apply to it.
    pub fn graph(&self) -> &ODataClient {
        self.inner.graph_client.get_or_init(|| {
            let graph = &self.inner.graph;
            let mut transport = self.inner.transport.clone();
            transport.clear_rate_limiter();
            ODataClient {
                inner: Arc::new(Inner {
                    transport,
                    service_root: graph.service_root.clone(),
                    tokens: self
                        .inner
                        .credential
                        .clone()
                        .map(|credential| TokenCache::new(credential, graph.scope.clone())),
                    credential: self.inner.credential.clone(),
                    headers: vec![(
                        HeaderName::from_static("prefer"),
                        HeaderValue::from_static("include-unknown-enum-members"),
                    )],
                    graph: graph.clone(),
                    graph_client: std::sync::OnceLock::new(),
                }),
            }
        })
    }

    /// Opens a download of a link the service handed out (an export file, a live response
    /// result, an investigation package): with this client's connections, retry policy and
    /// timeouts, and without its credential, which stays with the API (see
    /// [`storage`](crate::storage) for what the download promises).
    pub fn download(&self, link: &str) -> Result<crate::storage::Download> {
        self.inner.transport.download(link)
    }

    /// The scope this client's tokens are requested for, when it has a credential.
    pub fn scope(&self) -> Option<&str> {
        self.inner.tokens.as_ref().map(TokenCache::scope)
    }

    /// The OData service root, for example `https://api.security.microsoft.com/api/`.
    pub fn service_root(&self) -> &Url {
        &self.inner.service_root
    }

    /// The absolute URL of a path relative to the service root (`exposureScore`).
    pub fn url(&self, path: &str) -> Result<Url> {
        self.inner
            .service_root
            .join(path.trim_start_matches('/'))
            .map_err(|e| Error::config(format!("invalid request path {path:?}: {e}")))
    }

    /// Whether `url` is on the API host, the only host the token may be sent to.
    pub fn is_same_origin(&self, url: &Url) -> bool {
        url.origin() == self.inner.service_root.origin()
    }

    /// `GET`s `url` and decodes the JSON body as `T`.
    pub async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T> {
        let response = self.send(Method::GET, url, None).await?;
        decode(&response)
    }

    /// Sends `body` as JSON with `method` and decodes the answer as `T`. A `204 No Content`
    /// (or an empty body) decodes as JSON `null`, so `T = ()` or `Option<_>` suits actions
    /// without a result.
    pub async fn send_json<B, T>(&self, method: Method, url: Url, body: &B) -> Result<T>
    where
        B: Serialize + ?Sized,
        T: DeserializeOwned,
    {
        let body = serde_json::to_vec(body)
            .map_err(|e| Error::config(format!("cannot serialize the request body: {e}")))?;
        let response = self.send(method, url, Some(body)).await?;
        decode(&response)
    }

    /// Sends `DELETE` to `url`; any successful status is success.
    pub async fn delete(&self, url: Url) -> Result<()> {
        self.send(Method::DELETE, url, None).await.map(|_| ())
    }

    /// Sends one request with the bearer token, retrying as the policy allows, and returns the
    /// successful response or the error the service answered with.
    ///
    /// `GET`, `PUT` and `DELETE` are retried after transient failures; other methods only when
    /// the server cannot have acted on them. A 401 causes one token refresh and one more try.
    pub async fn send(&self, method: Method, url: Url, body: Option<Vec<u8>>) -> Result<RawResponse> {
        let body = body.map(|bytes| (HeaderValue::from_static("application/json"), bytes));
        self.send_with_type(method, url, body, HeaderValue::from_static("application/json")).await
    }

    /// `GET`s a document that is not JSON, such as `$metadata` (`accept` = `application/xml`).
    pub async fn get_document(&self, url: Url, accept: &'static str) -> Result<RawResponse> {
        self.send_with_type(Method::GET, url, None, HeaderValue::from_static(accept)).await
    }

    /// Sends a `multipart/form-data` body (a file upload) with `POST` and decodes the answer.
    pub async fn send_multipart<T: DeserializeOwned>(&self, url: Url, form: MultipartForm) -> Result<T> {
        let content_type = HeaderValue::from_str(&form.content_type())
            .map_err(|_| Error::config("the multipart boundary is not a valid header value"))?;
        let body = Some((content_type, form.into_body()));
        let response = self
            .send_with_type(Method::POST, url, body, HeaderValue::from_static("application/json"))
            .await?;
        decode(&response)
    }

    async fn send_with_type(
        &self,
        method: Method,
        url: Url,
        body: Option<(HeaderValue, Vec<u8>)>,
        accept: HeaderValue,
    ) -> Result<RawResponse> {
        if !self.is_same_origin(&url) {
            return Err(Error::config(format!(
                "refusing to send the access token to {}, which is not the API host {}",
                url.origin().ascii_serialization(),
                self.inner.service_root.origin().ascii_serialization()
            )));
        }
        let idempotent = matches!(method, Method::GET | Method::HEAD | Method::PUT | Method::DELETE);
        let mut refreshed = false;
        loop {
            let token = match &self.inner.tokens {
                Some(tokens) => Some(tokens.token().await?),
                None => None,
            };
            let mut request = reqwest::Request::new(method.clone(), url.clone());
            let headers = request.headers_mut();
            headers.insert(ACCEPT, accept.clone());
            for (name, value) in &self.inner.headers {
                headers.insert(name.clone(), value.clone());
            }
            if let Some(token) = &token {
                let mut value = HeaderValue::from_str(&format!("Bearer {}", token.secret()))
                    .map_err(|_| Error::config("the access token is not a valid header value"))?;
                value.set_sensitive(true);
                headers.insert(AUTHORIZATION, value);
            }
            if let Some((content_type, bytes)) = &body {
                headers.insert(CONTENT_TYPE, content_type.clone());
                *request.body_mut() = Some(bytes.clone().into());
            }
            let response = self.inner.transport.send(request, idempotent).await?;
            if response.status.is_success() {
                return Ok(response);
            }
            if response.status == StatusCode::UNAUTHORIZED
                && !refreshed
                && let (Some(tokens), Some(token)) = (&self.inner.tokens, &token)
            {
                tracing::debug!("the API refused the access token; refreshing it once");
                tokens.invalidate(token);
                refreshed = true;
                continue;
            }
            return Err(error_from_response(&response));
        }
    }
}

/// Decodes a response body as `T`, naming the JSON path of the first value that does not fit.
pub fn decode<T: DeserializeOwned>(response: &RawResponse) -> Result<T> {
    decode_body(&response.body, Some(response.status))
}

/// Decodes a JSON body as `T`, naming the JSON path of the first value that does not fit; an
/// empty body decodes as `null`.
pub fn decode_body<T: DeserializeOwned>(body: &[u8], status: Option<StatusCode>) -> Result<T> {
    let json: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"null" } else { body };
    let decode_error = |path: String, message: String| {
        Error::new(ErrorKind::Decode(DecodeError {
            type_name: std::any::type_name::<T>(),
            path,
            message,
            body_excerpt: body_excerpt(body),
            status,
        }))
    };
    // The path is found after a failure, from where the error stands in the body, so that
    // neither the happy path nor the compiled decoders pay for tracking it.
    serde_json::from_slice::<T>(json).map_err(|error| {
        decode_error(crate::json_path::path_at(json, error.line(), error.column()), error.to_string())
    })
}
