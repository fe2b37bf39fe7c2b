//! Downloads from the links the service hands out: export files, live response results and
//! investigation packages live in Azure Storage, behind a URL whose query (a SAS) is the
//! credential.
//!
//! What this module promises, since the storage host is not the API host:
//! - no `Authorization` header is ever sent (the SAS is the credential; the API token stays
//!   with the API), and a redirect is followed only within the link's own origin;
//! - only `https` is accepted (plain `http` to loopback, for tests and emulators);
//! - every byte of the file is delivered once, in order: a download that breaks (a reset, a
//!   body cut short, a silent connection) goes on from the byte it stopped at with a `Range`
//!   request, or skips what was delivered when the server ignores the range;
//! - a `200` with an empty body and `x-ms-copy-status: pending` (the file is still being copied
//!   into place) is waited for, and 408, 429 and 5xx answers are retried with backoff, both
//!   within the client's retry policy;
//! - a link that expired or was refused (`403`, Azure Storage's XML `AuthenticationFailed`) is
//!   [`ErrorKind::Storage`] with [`StorageError::link_expired`] set, never a decode error.
//!
//! There is no deadline for the whole download, which takes as long as the file needs; each
//! attempt waits for an answer for the client's response timeout, and the body may go silent
//! for at most its read timeout.

use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{CONTENT_LENGTH, CONTENT_RANGE, RANGE};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::cloud::is_allowed_url;
use crate::error::{Error, ErrorKind, Result, TransportError};
use crate::retry::{Failure, RetryPolicy, retry_after};
use crate::transport::redact_query;

/// How much of an error body from storage is read, to find its error code.
const ERROR_BODY_BYTES: usize = 16 * 1024;

/// Storage refused a download, or its file is gone.
#[derive(Debug, Clone)]
pub struct StorageError {
    /// The storage host (never the link's query, which is a credential).
    pub host: String,
    /// The HTTP status.
    pub status: StatusCode,
    /// Azure Storage's error code (`AuthenticationFailed`, `BlobNotFound`), when its XML body
    /// had one.
    pub code: Option<String>,
    /// Its message, on one line.
    pub message: Option<String>,
    /// Whether the link expired or was not accepted: ask the API for a new one (a new export,
    /// a new result link) and download again.
    pub link_expired: bool,
}

impl std::fmt::Display for StorageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "storage at {} answered HTTP {}", self.host, self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        if self.link_expired {
            f.write_str(
                "; the download link has expired or is not valid: ask for a new one and download again",
            )?;
        }
        Ok(())
    }
}

/// A download of one file from a storage link, read chunk by chunk (see the module docs).
#[derive(Debug)]
pub struct Download {
    http: reqwest::Client,
    retry: RetryPolicy,
    response_timeout: Duration,
    read_timeout: Duration,
    url: Url,
    /// Bytes delivered to the caller so far.
    delivered: u64,
    /// The file's size, once an answer said.
    total: Option<u64>,
    response: Option<reqwest::Response>,
    /// Bytes of the current response still to skip: what was delivered before a server that
    /// ignored `Range` started again from the beginning.
    skip: u64,
    /// Failed attempts in a row; reset by every chunk that arrives.
    failures: u32,
}

impl Download {
    pub(crate) fn new(
        http: reqwest::Client,
        retry: RetryPolicy,
        response_timeout: Duration,
        read_timeout: Duration,
        link: &str,
    ) -> Result<Self> {
        let url =
            Url::parse(link).map_err(|e| Error::config(format!("the download link is not a URL: {e}")))?;
        if !is_allowed_url(&url) {
            return Err(Error::config(format!(
                "refusing to download from {}: only https, or http to loopback, is allowed",
                redact_query(&url)
            )));
        }
        Ok(Self {
            http,
            retry,
            response_timeout,
            read_timeout,
            url,
            delivered: 0,
            total: None,
            response: None,
            skip: 0,
            failures: 0,
        })
    }

    /// The link, without its query (the SAS), for messages.
    pub fn display_url(&self) -> String {
        redact_query(&self.url)
    }

    /// Bytes delivered so far.
    pub fn bytes_read(&self) -> u64 {
        self.delivered
    }

    /// The file's size, once storage has said.
    pub fn total_bytes(&self) -> Option<u64> {
        self.total
    }

    /// The next chunk of the file, or `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        loop {
            if self.response.is_none() {
                if self.total.is_some_and(|total| self.delivered >= total) {
                    return Ok(None);
                }
                self.open().await?;
            }
            let Some(response) = self.response.as_mut() else { continue };
            let read = tokio::time::timeout(self.read_timeout, response.chunk()).await;
            match read {
                Ok(Ok(Some(mut chunk))) => {
                    if self.skip > 0 {
                        let skipped = self.skip.min(chunk.len() as u64);
                        self.skip -= skipped;
                        chunk = chunk.slice(skipped as usize..);
                        if chunk.is_empty() {
                            continue;
                        }
                    }
                    self.failures = 0;
                    self.delivered += chunk.len() as u64;
                    return Ok(Some(chunk));
                }
                Ok(Ok(None)) => {
                    self.response = None;
                    match self.total {
                        // Cut short without an error: go on from where it stopped.
                        Some(total) if self.delivered < total => {
                            self.broke(
                                format!("the body ended after {} of {total} bytes", self.delivered),
                                None,
                            )
                            .await?;
                        }
                        _ => return Ok(None),
                    }
                }
                Ok(Err(error)) => {
                    self.response = None;
                    let said = format!("the connection broke after {} bytes", self.delivered);
                    self.broke(said, Some(Box::new(error.without_url()))).await?;
                }
                Err(_) => {
                    self.response = None;
                    let silent = self.read_timeout.as_secs_f64();
                    self.broke(
                        format!("nothing arrived for {silent} s after {} bytes", self.delivered),
                        None,
                    )
                    .await?;
                }
            }
        }
    }

    /// Reads the whole file into `writer`, chunk by chunk; memory holds one chunk at a time.
    pub async fn write_to<W: std::io::Write + Send>(&mut self, writer: &mut W) -> Result<u64> {
        while let Some(chunk) = self.chunk().await? {
            writer.write_all(&chunk).map_err(|e| {
                Error::config(format!("cannot write the download of {}: {e}", self.display_url()))
            })?;
        }
        writer.flush().map_err(|e| Error::config(format!("cannot write the download: {e}")))?;
        Ok(self.delivered)
    }

    /// Records a failed attempt, and waits before the next one, or gives up when the retry
    /// policy has no attempt left.
    async fn broke(
        &mut self,
        said: String,
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Result<()> {
        self.failures += 1;
        if self.failures >= self.retry.attempts() {
            let context = format!("downloading {}: {said}", self.display_url());
            return Err(Error::new(ErrorKind::Transport(TransportError {
                context,
                timed_out: false,
                source,
            }))
            .with_attempts(self.failures));
        }
        let delay = self.retry.delay(self.failures, None).unwrap_or(Duration::from_millis(100));
        tracing::warn!(url = %self.display_url(), delivered = self.delivered, %said, "download broke; resuming");
        tokio::time::sleep(delay).await;
        Ok(())
    }

    /// Sends one request for the rest of the file and keeps its response, waiting out a copy
    /// still in progress and retrying what storage says may pass.
    async fn open(&mut self) -> Result<()> {
        loop {
            let mut request = reqwest::Request::new(Method::GET, self.url.clone());
            if self.delivered > 0 {
                let range = format!("bytes={}-", self.delivered);
                request.headers_mut().insert(RANGE, range.parse().map_err(|_| Error::config("bad range"))?);
            }
            let sent = tokio::time::timeout(self.response_timeout, self.http.execute(request)).await;
            let response = match sent {
                Ok(Ok(response)) => response,
                Ok(Err(error)) => {
                    let said = format!("the request failed after {} bytes", self.delivered);
                    self.broke(said, Some(Box::new(error.without_url()))).await?;
                    continue;
                }
                Err(_) => {
                    let waited = self.response_timeout.as_secs_f64();
                    self.broke(format!("storage did not answer within {waited} s"), None).await?;
                    continue;
                }
            };
            let status = response.status();
            let length = response
                .headers()
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            let copying = response
                .headers()
                .get("x-ms-copy-status")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.eq_ignore_ascii_case("pending"));
            match status {
                StatusCode::OK if copying && length.unwrap_or(0) == 0 => {
                    let asked = retry_after(response.headers());
                    self.wait_for_copy(asked).await?;
                }
                StatusCode::OK => {
                    // A whole file: what was delivered before is skipped again.
                    self.skip = self.delivered;
                    self.total = length;
                    self.response = Some(response);
                    return Ok(());
                }
                StatusCode::PARTIAL_CONTENT => {
                    let (start, total) = content_range(&response).unwrap_or((self.delivered, None));
                    if start > self.delivered {
                        return Err(Error::config(format!(
                            "storage answered {} from byte {start}, asked from {}",
                            self.display_url(),
                            self.delivered
                        )));
                    }
                    self.skip = self.delivered - start;
                    self.total = total.or(self.total);
                    self.response = Some(response);
                    return Ok(());
                }
                StatusCode::RANGE_NOT_SATISFIABLE
                    if self.total.is_none_or(|total| self.delivered >= total) =>
                {
                    // Everything was delivered before the connection broke.
                    self.total = Some(self.delivered);
                    return Ok(());
                }
                status if RetryPolicy::is_retryable(Failure::Status(status), true) => {
                    let asked = retry_after(response.headers());
                    self.failures += 1;
                    if self.failures >= self.retry.attempts() {
                        return Err(self.refused(response).await);
                    }
                    let delay = self.retry.delay(self.failures, asked).unwrap_or(Duration::from_secs(1));
                    tokio::time::sleep(delay).await;
                }
                _ => return Err(self.refused(response).await),
            }
        }
    }

    /// Waits for a copy into place to finish; its waits count as attempts.
    async fn wait_for_copy(&mut self, asked: Option<Duration>) -> Result<()> {
        self.failures += 1;
        if self.failures >= self.retry.attempts() {
            let context = format!(
                "downloading {}: the file was still being copied into place after {} looks",
                self.display_url(),
                self.failures
            );
            return Err(Error::new(ErrorKind::Transport(TransportError {
                context,
                timed_out: true,
                source: None,
            })));
        }
        let delay = self.retry.delay(self.failures, asked).unwrap_or(Duration::from_secs(1));
        tokio::time::sleep(delay).await;
        Ok(())
    }

    /// The error for a refusal, read from Azure Storage's XML error body.
    async fn refused(&self, response: reqwest::Response) -> Error {
        let status = response.status();
        let mut body = Vec::new();
        let mut response = response;
        while body.len() < ERROR_BODY_BYTES {
            match tokio::time::timeout(self.read_timeout, response.chunk()).await {
                Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
                _ => break,
            }
        }
        let text = String::from_utf8_lossy(&body);
        let code = xml_element(&text, "Code");
        let message =
            xml_element(&text, "Message").map(|m| m.lines().next().unwrap_or_default().trim().to_owned());
        let link_expired = status == StatusCode::FORBIDDEN
            || code.as_deref().is_some_and(|c| {
                c.starts_with("AuthenticationFailed") || c.starts_with("AuthorizationFailure")
            });
        Error::new(ErrorKind::Storage(StorageError {
            host: self.url.host_str().unwrap_or_default().to_owned(),
            status,
            code,
            message,
            link_expired,
        }))
        .with_attempts(self.failures.max(1))
    }
}

/// The first byte and the total size a `206`'s `Content-Range` names (`bytes 100-199/1000`).
fn content_range(response: &reqwest::Response) -> Option<(u64, Option<u64>)> {
    let value = response.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let start = range.split_once('-')?.0.trim().parse().ok()?;
    Some((start, total.trim().parse().ok()))
}

/// The text of the first `<name>…</name>` element.
fn xml_element(text: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let start = text.find(&open)? + open.len();
    let end = text[start..].find(&format!("</{name}>"))? + start;
    Some(text[start..end].trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn azure_storage_error_bodies_are_read_for_their_code_and_message() {
        let body = "\u{feff}<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>AuthenticationFailed</Code><Message>Server failed to authenticate the request.\nRequestId:1\nTime:2026</Message><AuthenticationErrorDetail>Signed expiry time has to be after signed start time</AuthenticationErrorDetail></Error>";
        assert_eq!(xml_element(body, "Code").as_deref(), Some("AuthenticationFailed"));
        assert!(xml_element(body, "Message").is_some_and(|m| m.starts_with("Server failed")));
        assert_eq!(xml_element("<html>Forbidden</html>", "Code"), None);
    }

    #[test]
    fn only_https_or_loopback_links_are_downloaded() {
        let make = |link: &str| {
            Download::new(
                reqwest::Client::new(),
                RetryPolicy::default(),
                Duration::from_secs(1),
                Duration::from_secs(1),
                link,
            )
        };
        assert!(make("https://account.blob.core.windows.net/c/f.json.gz?sig=x").is_ok());
        assert!(make("http://127.0.0.1:9/f.gz").is_ok());
        let refused =
            make("http://account.blob.core.windows.net/c/f.json.gz?sig=secret").err().map(|e| e.to_string());
        let refused = refused.unwrap_or_default();
        assert!(refused.contains("only https") && !refused.contains("secret"), "{refused}");
        assert!(make("not a url").is_err());
    }
}
