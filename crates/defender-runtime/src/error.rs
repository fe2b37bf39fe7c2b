//! The one error type every SDK call returns.
//!
//! Callers match on [`Error::kind`] (or the [`ErrorKind`] variants directly) to decide what to do:
//! retry later on [`ErrorKind::Throttled`], re-authenticate on [`ErrorKind::Auth`], report the
//! OData code on [`ErrorKind::Http`]. Every message fits on one line and never contains a secret:
//! bodies are cut to a short excerpt and tokens are never part of any error.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

/// The result type of every fallible SDK call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How many characters of a response body an error keeps. Enough to recognise an HTML error
/// page or a truncated document, small enough to log.
pub const BODY_EXCERPT_CHARS: usize = 256;

/// An error from the Defender API, the token endpoint, the network or the client's configuration.
///
/// The kind is boxed so that `Result<T, Error>` stays one pointer wide on the happy path.
#[derive(Debug)]
pub struct Error {
    inner: Box<Inner>,
}

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    /// How many attempts the call made before it gave up; 1 when it was not retried.
    attempts: u32,
}

/// What went wrong, with the details a caller can act on.
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The token endpoint refused the credentials, or the API answered 401/403.
    Auth(AuthError),
    /// The API answered with an error status (other than throttling).
    Http(HttpError),
    /// The API asked us to slow down (429, or 503 with `Retry-After`) and retries ran out.
    Throttled {
        /// The error the service sent with the throttling status.
        error: HttpError,
        /// The delay the service asked for, when it said.
        retry_after: Option<Duration>,
    },
    /// The service refused a device response action for a reason it documents (400), such as
    /// an action of the same kind already pending on the device.
    ActionRefused {
        /// Why.
        reason: ActionRefusal,
        /// The error the service sent.
        error: HttpError,
    },
    /// Storage refused a download link (it expired, or was not accepted), or the file is gone.
    Storage(crate::storage::StorageError),
    /// A response arrived but its body is not what the type expects.
    Decode(DecodeError),
    /// The request never completed: DNS, TLS, connection reset, timeout, body cut short.
    Transport(TransportError),
    /// The client was configured in a way that cannot work (bad URL, `http://` to a remote host…).
    Config(String),
}

/// Why the service refused a device response action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActionRefusal {
    /// `ActiveRequestAlreadyExists` ("Action is already in progress"): an action of the same
    /// kind is pending or in progress on the device (for live response, any live response
    /// session). Wait for that action to end, or cancel it, then ask again.
    ActiveRequestAlreadyExists,
}

impl ActionRefusal {
    /// The refusal a 400 error body describes, if it is one the service documents.
    pub fn of(code: Option<&str>, message: Option<&str>) -> Option<Self> {
        let in_progress = message.is_some_and(|m| m.to_ascii_lowercase().contains("already in progress"));
        match code {
            Some(code) if code.eq_ignore_ascii_case("ActiveRequestAlreadyExists") => {
                Some(Self::ActiveRequestAlreadyExists)
            }
            _ if in_progress => Some(Self::ActiveRequestAlreadyExists),
            _ => None,
        }
    }
}

impl fmt::Display for ActionRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ActiveRequestAlreadyExists => f.write_str(
                "an action of the same kind is already pending or in progress on this device; wait for it \
                 to end or cancel it, then ask again",
            ),
        }
    }
}

/// An error status from the API, with the OData error body when the service sent one.
#[derive(Debug, Clone)]
pub struct HttpError {
    /// The HTTP status of the response.
    pub status: StatusCode,
    /// The OData error `code` (for example `ResourceNotFound`), when the body had one.
    pub code: Option<String>,
    /// The OData error `message`, when the body had one.
    pub message: Option<String>,
    /// The OData error `target`. Defender puts a correlation id here rather than a property path.
    pub target: Option<String>,
    /// Nested OData error `details`, as sent.
    pub details: Vec<crate::odata::ODataErrorDetail>,
    /// The `request-id` response header, the id Microsoft support asks for.
    pub request_id: Option<String>,
    /// The `client-request-id` response header, echoing the id this client sent.
    pub client_request_id: Option<String>,
    /// The start of the body when it was not an OData error document (an HTML page, plain text).
    pub body_excerpt: Option<String>,
}

/// A failure to obtain or use an access token.
#[derive(Debug, Clone)]
pub struct AuthError {
    /// The HTTP status, when a server answered.
    pub status: Option<StatusCode>,
    /// The OAuth2 `error` code (`invalid_client`, …) or the API's OData error code.
    pub code: Option<String>,
    /// A human-readable description, never containing a secret.
    pub message: String,
    /// The correlation or request id, when the server gave one.
    pub request_id: Option<String>,
}

/// A response body that could not be decoded into the expected type.
#[derive(Debug, Clone)]
pub struct DecodeError {
    /// The Rust type that was being decoded.
    pub type_name: &'static str,
    /// The JSON path of the failing value (`value[3].time`), or `.` for the document itself.
    pub path: String,
    /// What the decoder said.
    pub message: String,
    /// The start of the body, so that an HTML page or a truncated document can be recognised.
    pub body_excerpt: String,
    /// The HTTP status of the response that carried the body, when there was one.
    pub status: Option<StatusCode>,
}

/// A request that did not complete.
#[derive(Debug)]
pub struct TransportError {
    /// What the client was doing (`sending GET https://…/api/alerts`).
    pub context: String,
    /// Whether the failure was the per-attempt or whole-call timeout.
    pub timed_out: bool,
    /// The underlying error.
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// Creates an error of the given kind.
    pub fn new(kind: ErrorKind) -> Self {
        Self { inner: Box::new(Inner { kind, attempts: 1 }) }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.inner.kind
    }

    /// Consumes the error, giving its kind by value.
    pub fn into_kind(self) -> ErrorKind {
        self.inner.kind
    }

    /// How many attempts the call made before it gave up: 1 when the failure was not retried.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The same error, recording that the call made `attempts` attempts.
    pub fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts.max(1);
        self
    }

    /// A configuration error: the client cannot work as configured.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config(message.into()))
    }

    /// The HTTP status the service answered with, if any.
    pub fn status(&self) -> Option<StatusCode> {
        match &self.inner.kind {
            ErrorKind::Http(e)
            | ErrorKind::Throttled { error: e, .. }
            | ErrorKind::ActionRefused { error: e, .. } => Some(e.status),
            ErrorKind::Auth(e) => e.status,
            ErrorKind::Decode(e) => e.status,
            ErrorKind::Storage(e) => Some(e.status),
            ErrorKind::Transport(_) | ErrorKind::Config(_) => None,
        }
    }

    /// The OData error code (`ResourceNotFound`, `InvalidRequestBody`, …), if the service sent one.
    pub fn odata_code(&self) -> Option<&str> {
        match &self.inner.kind {
            ErrorKind::Http(e)
            | ErrorKind::Throttled { error: e, .. }
            | ErrorKind::ActionRefused { error: e, .. } => e.code.as_deref(),
            ErrorKind::Auth(e) => e.code.as_deref(),
            _ => None,
        }
    }

    /// The id to quote to Microsoft support: the `request-id` header, else the error `target`.
    pub fn request_id(&self) -> Option<&str> {
        match &self.inner.kind {
            ErrorKind::Http(e)
            | ErrorKind::Throttled { error: e, .. }
            | ErrorKind::ActionRefused { error: e, .. } => e.request_id.as_deref().or(e.target.as_deref()),
            ErrorKind::Auth(e) => e.request_id.as_deref(),
            _ => None,
        }
    }

    /// True for failures that may succeed if the same call is made again later.
    pub fn is_transient(&self) -> bool {
        match &self.inner.kind {
            ErrorKind::Throttled { .. } | ErrorKind::Transport(_) => true,
            ErrorKind::Http(e) => e.status.is_server_error(),
            _ => false,
        }
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Self::new(kind)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.kind {
            ErrorKind::Auth(e) => write!(f, "authentication failed: {e}"),
            ErrorKind::Http(e) => write!(f, "{e}"),
            ErrorKind::ActionRefused { reason, error } => write!(f, "action refused: {reason} ({error})"),
            ErrorKind::Throttled { error, retry_after } => {
                write!(f, "throttled: {error}")?;
                if let Some(delay) = retry_after {
                    write!(f, " (retry after {}s)", delay.as_secs_f64())?;
                }
                Ok(())
            }
            ErrorKind::Decode(e) => write!(f, "{e}"),
            ErrorKind::Storage(e) => write!(f, "{e}"),
            ErrorKind::Transport(e) => write!(f, "{e}"),
            ErrorKind::Config(message) => write!(f, "invalid configuration: {message}"),
        }?;
        match self.inner.attempts {
            0 | 1 => Ok(()),
            attempts => write!(f, " (gave up after {attempts} attempts)"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.kind {
            ErrorKind::Transport(e) => e.source.as_deref().map(|s| s as _),
            _ => None,
        }
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {}", one_line(message))?;
        }
        if let Some(excerpt) = &self.body_excerpt {
            write!(f, ": body {excerpt:?}")?;
        }
        if let Some(id) = self.request_id.as_ref().or(self.target.as_ref()) {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(status) = self.status {
            write!(f, "HTTP {status} ")?;
        }
        if let Some(code) = &self.code {
            write!(f, "{code}: ")?;
        }
        write!(f, "{}", one_line(&self.message))?;
        if let Some(id) = &self.request_id {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "could not decode {} at {}: {}", self.type_name, self.path, one_line(&self.message))?;
        if let Some(status) = self.status {
            write!(f, " (HTTP {status})")?;
        }
        write!(f, "; body starts {:?}", self.body_excerpt)
    }
}

impl fmt::Display for TransportError {
    /// The context, then every cause down the source chain that adds something, so that the
    /// reason (`Connection refused`, `connection closed before message completed`) is in the
    /// message and not only in `Debug`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.timed_out {
            write!(f, "timed out {}", self.context)?;
        } else {
            write!(f, "failed {}", self.context)?;
        }
        let mut said: Vec<String> = Vec::new();
        let mut cause: Option<&(dyn std::error::Error + 'static)> = self.source.as_deref().map(|s| s as _);
        while let Some(error) = cause {
            let text = one_line(&error.to_string());
            // Wrappers often repeat their source's text; say each thing once.
            if !text.is_empty() && !said.iter().any(|s| s.contains(&text)) {
                said.push(text);
            }
            cause = error.source();
        }
        for text in said {
            write!(f, ": {text}")?;
        }
        Ok(())
    }
}

/// The first [`BODY_EXCERPT_CHARS`] characters of a body, lossily decoded, on one line.
pub fn body_excerpt(body: &[u8]) -> String {
    let head = &body[..body.len().min(BODY_EXCERPT_CHARS * 4)];
    let text = String::from_utf8_lossy(head);
    let mut excerpt: String = text.chars().take(BODY_EXCERPT_CHARS).collect();
    if text.chars().count() > BODY_EXCERPT_CHARS || head.len() < body.len() {
        excerpt.push('…');
    }
    one_line(&excerpt)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_error_reads_on_one_line_with_code_and_request_id() {
        let error = Error::new(ErrorKind::Http(HttpError {
            status: StatusCode::NOT_FOUND,
            code: Some("ResourceNotFound".into()),
            message: Some("Machine 123\nwas not found".into()),
            target: Some("43f4cb08".into()),
            details: Vec::new(),
            request_id: None,
            client_request_id: None,
            body_excerpt: None,
        }));
        assert_eq!(
            error.to_string(),
            "HTTP 404 Not Found ResourceNotFound: Machine 123 was not found (request id 43f4cb08)"
        );
        assert_eq!(error.request_id(), Some("43f4cb08"));
        assert!(!error.is_transient());
    }

    #[test]
    fn body_excerpt_is_bounded_and_single_line() {
        let body = format!("<html>\n<body>{}</body></html>", "x".repeat(10_000));
        let excerpt = body_excerpt(body.as_bytes());
        assert!(excerpt.starts_with("<html> <body>xxx"));
        assert!(excerpt.chars().count() <= BODY_EXCERPT_CHARS + 1);
        assert!(excerpt.ends_with('…'));
        assert!(!excerpt.contains('\n'));
    }
}
