//! `multipart/form-data` bodies, for the few endpoints that take a file upload.
//!
//! The body is built in memory rather than streamed so that it can be sent again if the
//! request must be retried (a 429, or a connection that never opened); uploads the service
//! accepts are small (the live response library takes at most 20 MB).

use std::fmt::Write as _;

/// A `multipart/form-data` body.
///
/// ```
/// use defender_runtime::codegen::MultipartForm;
///
/// let form = MultipartForm::new()
///     .text("Description", "collects logs")
///     .file("file", "collect.ps1", "application/octet-stream", b"Get-EventLog".to_vec());
/// assert!(form.content_type().starts_with("multipart/form-data; boundary="));
/// ```
#[derive(Debug, Clone)]
pub struct MultipartForm {
    boundary: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone)]
enum Part {
    Text { name: String, value: String },
    File { name: String, file_name: String, content_type: String, bytes: Vec<u8> },
}

impl Default for MultipartForm {
    fn default() -> Self {
        Self::new()
    }
}

impl MultipartForm {
    /// An empty form with a random boundary.
    pub fn new() -> Self {
        Self { boundary: format!("defender-sdk-{}", fastrand_boundary()), parts: Vec::new() }
    }

    /// Adds a text field.
    pub fn text(mut self, name: &str, value: impl Into<String>) -> Self {
        self.parts.push(Part::Text { name: name.to_owned(), value: value.into() });
        self
    }

    /// Adds a file field.
    pub fn file(mut self, name: &str, file_name: &str, content_type: &str, bytes: Vec<u8>) -> Self {
        self.parts.push(Part::File {
            name: name.to_owned(),
            file_name: file_name.to_owned(),
            content_type: content_type.to_owned(),
            bytes,
        });
        self
    }

    /// The `Content-Type` header value, with the boundary.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// The encoded body.
    pub fn into_body(self) -> Vec<u8> {
        let mut body = Vec::new();
        for part in self.parts {
            let mut head = format!("--{}\r\n", self.boundary);
            match &part {
                Part::Text { name, .. } => {
                    let _ = write!(head, "Content-Disposition: form-data; name=\"{}\"\r\n\r\n", quoted(name));
                }
                Part::File { name, file_name, content_type, .. } => {
                    let _ = write!(
                        head,
                        "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {content_type}\r\n\r\n",
                        quoted(name),
                        quoted(file_name)
                    );
                }
            }
            body.extend_from_slice(head.as_bytes());
            match part {
                Part::Text { value, .. } => body.extend_from_slice(value.as_bytes()),
                Part::File { bytes, .. } => body.extend_from_slice(&bytes),
            }
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{}--\r\n", self.boundary).as_bytes());
        body
    }
}

/// Escapes a name for a quoted header parameter, as browsers do: quotes and line breaks
/// percent-encoded so that a file name cannot end the header.
fn quoted(name: &str) -> String {
    name.replace('"', "%22").replace('\r', "%0D").replace('\n', "%0A")
}

/// 32 random hexadecimal digits: a boundary that a file's content is as good as sure not to
/// contain (it need not be secret).
fn fastrand_boundary() -> String {
    format!("{:032x}", fastrand::u128(..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_framed_by_the_boundary() {
        let form = MultipartForm::new().text("Description", "a\"b").file(
            "file",
            "x\".ps1",
            "text/plain",
            b"body".to_vec(),
        );
        let boundary = form.boundary.clone();
        let body = String::from_utf8(form.into_body()).unwrap_or_default();
        assert_eq!(
            body,
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"Description\"\r\n\r\na\"b\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x%22.ps1\"\r\nContent-Type: text/plain\r\n\r\nbody\r\n\
                 --{boundary}--\r\n"
            )
        );
    }
}
