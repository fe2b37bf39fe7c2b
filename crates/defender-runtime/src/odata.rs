//! The OData JSON envelopes around the data: collection pages and error documents.

/// Decoding a response's JSON body, naming the JSON path of a value that does not fit.
pub use crate::client::{decode, decode_body};
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::{ActionRefusal, AuthError, Error, ErrorKind, HttpError, body_excerpt};
use crate::transport::RawResponse;
use crate::wire::{FieldKey, Wire};

/// One page of a collection: its items and the control information around them.
///
/// ```
/// use defender_runtime::Page;
///
/// let page: Page<serde_json::Value> = serde_json::from_str(r#"{
///     "@odata.context": "https://api.security.microsoft.com/api/$metadata#Machines",
///     "@odata.nextLink": "https://api.security.microsoft.com/api/machines?$skip=2",
///     "value": [{"id": "a"}, {"id": "b"}]
/// }"#).unwrap();
/// assert_eq!(page.items.len(), 2);
/// assert!(page.next_link.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page<T> {
    /// `@odata.context`: the metadata URL describing what the page holds.
    #[serde(rename = "@odata.context", skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// `@odata.count`: the size of the whole collection, when the service sent it.
    #[serde(rename = "@odata.count", skip_serializing_if = "Option::is_none")]
    pub count: Option<i64>,
    /// `@odata.nextLink`: where the next page is, absent on the last page.
    #[serde(rename = "@odata.nextLink", skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
    /// The items of this page.
    #[serde(rename = "value")]
    pub items: Vec<T>,
    /// Any other member of the envelope, kept as sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PageVisitor<T>(PhantomData<fn() -> T>);

        impl<'de, T: DeserializeOwned> Visitor<'de> for PageVisitor<T> {
            type Value = Page<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an OData collection object with a `value` array")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page<T>, A::Error> {
                let mut page = Page {
                    context: None,
                    count: None,
                    next_link: None,
                    items: Vec::new(),
                    other: Map::new(),
                };
                let mut saw_value = false;
                while let Some(key) = map.next_key::<FieldKey<'de>>()? {
                    match key.as_str() {
                        "value" => {
                            page.items = map.next_value::<Option<Vec<T>>>()?.unwrap_or_default();
                            saw_value = true;
                        }
                        "@odata.context" | "odata.context" => page.context = map.next_value()?,
                        "@odata.nextLink" | "odata.nextLink" => page.next_link = map.next_value()?,
                        "@odata.count" | "odata.count" => {
                            page.count = map.next_value::<Wire<Option<i64>>>()?.into_inner();
                        }
                        _ => {
                            let value = map.next_value()?;
                            page.other.insert(key.into_owned(), value);
                        }
                    }
                }
                if !saw_value {
                    return Err(de::Error::missing_field("value"));
                }
                Ok(page)
            }
        }

        deserializer.deserialize_map(PageVisitor(PhantomData))
    }
}

/// The body of a response whose result is not an entity: `{"value": …}`, the form OData uses
/// for primitive values and for collections returned by actions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueEnvelope<T> {
    /// The result.
    pub value: T,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ValueEnvelope<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Envelope<T> {
            value: T,
        }
        Envelope::deserialize(deserializer).map(|e| ValueEnvelope { value: e.value })
    }
}

/// The OData JSON error document: `{"error": {"code", "message", "target", "details"}}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ODataErrorBody {
    /// The error object.
    pub error: ODataError,
}

/// The `error` object of an OData error document.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ODataError {
    /// A service-defined code such as `ResourceNotFound`.
    #[serde(default, deserialize_with = "lenient_string")]
    pub code: Option<String>,
    /// A human-readable message.
    #[serde(default, deserialize_with = "lenient_string")]
    pub message: Option<String>,
    /// What the error is about; Defender sends a correlation id here.
    #[serde(default, deserialize_with = "lenient_string")]
    pub target: Option<String>,
    /// Further errors.
    #[serde(default)]
    pub details: Vec<ODataErrorDetail>,
}

/// One entry of an OData error's `details`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ODataErrorDetail {
    /// A service-defined code.
    #[serde(default, deserialize_with = "lenient_string")]
    pub code: Option<String>,
    /// A human-readable message.
    #[serde(default, deserialize_with = "lenient_string")]
    pub message: Option<String>,
    /// What the detail is about.
    #[serde(default, deserialize_with = "lenient_string")]
    pub target: Option<String>,
}

fn lenient_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(Wire::<Option<String>>::deserialize(deserializer)?.into_inner())
}

/// Turns an unsuccessful response into the matching error kind.
///
/// 401 and 403 become [`ErrorKind::Auth`], 429 (and 503 with `Retry-After`) become
/// [`ErrorKind::Throttled`], a 400 refusing a device action for a documented reason
/// [`ErrorKind::ActionRefused`], everything else [`ErrorKind::Http`]. Bodies that are not OData
/// error documents (HTML pages from a gateway, plain text, nothing) keep a short excerpt.
pub fn error_from_response(response: &RawResponse) -> Error {
    let parsed = serde_json::from_slice::<ODataErrorBody>(&response.body).ok();
    let excerpt = match &parsed {
        Some(_) => None,
        None if response.body.iter().all(u8::is_ascii_whitespace) => None,
        None => Some(body_excerpt(&response.body)),
    };
    let error = parsed.map(|b| b.error).unwrap_or_default();
    let http = HttpError {
        status: response.status,
        code: error.code,
        message: error.message,
        target: error.target,
        details: error.details,
        request_id: response.header("request-id").or_else(|| response.header("x-ms-request-id")),
        client_request_id: response.header("client-request-id"),
        body_excerpt: excerpt,
    };
    let delay = response.asked_delay();
    let refusal = ActionRefusal::of(http.code.as_deref(), http.message.as_deref());
    let error = match (response.status.as_u16(), refusal) {
        (401 | 403, _) => Error::new(ErrorKind::Auth(AuthError {
            status: Some(http.status),
            message: http
                .message
                .clone()
                .or(http.body_excerpt.clone())
                .unwrap_or_else(|| http.status.to_string()),
            code: http.code,
            request_id: http.request_id.or(http.target),
        })),
        (400, Some(reason)) => Error::new(ErrorKind::ActionRefused { reason, error: http }),
        (429, _) => Error::new(ErrorKind::Throttled { error: http, retry_after: delay }),
        (503, _) if delay.is_some() => Error::new(ErrorKind::Throttled { error: http, retry_after: delay }),
        _ => Error::new(ErrorKind::Http(http)),
    };
    error.with_attempts(response.attempts)
}

#[cfg(test)]
mod tests {
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;

    use super::*;

    #[test]
    fn a_page_keeps_its_control_information_and_unknown_members() {
        let page: Page<Value> = serde_json::from_str(
            r#"{"@odata.context":"ctx","@odata.count":"12","value":[1,2],"@vendor.note":"x"}"#,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.context.as_deref(), Some("ctx"));
        assert_eq!(page.count, Some(12));
        assert_eq!(page.items, vec![Value::from(1), Value::from(2)]);
        assert_eq!(page.other.get("@vendor.note"), Some(&Value::from("x")));
        assert!(page.next_link.is_none());
    }

    #[test]
    fn a_body_without_value_is_not_a_page() {
        let error = serde_json::from_str::<Page<Value>>(r#"{"id": 1}"#)
            .err()
            .unwrap_or_else(|| panic!("decoded a non-page"));
        assert!(error.to_string().contains("missing field `value`"), "{error}");
    }

    fn error_for(status: u16, body: &str) -> Error {
        error_from_response(&RawResponse {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            headers: HeaderMap::new(),
            body: bytes::Bytes::from(body.to_owned()),
            attempts: 1,
        })
    }

    /// `run-live-response.md` names the code; the device action pages only the message.
    #[test]
    fn an_action_already_in_progress_is_a_refusal_by_code_or_by_message() {
        for body in [
            r#"{"error": {"code": "ActiveRequestAlreadyExists", "message": "Action is already in progress"}}"#,
            r#"{"error": {"code": "BadRequest", "message": "Action is already in progress"}}"#,
        ] {
            let error = error_for(400, body);
            assert!(
                matches!(
                    error.kind(),
                    ErrorKind::ActionRefused { reason: ActionRefusal::ActiveRequestAlreadyExists, .. }
                ),
                "{body}: {error:?}"
            );
            assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
            assert!(error.to_string().starts_with("action refused: an action of the same kind"), "{error}");
        }
        // Another 400 stays an HTTP error, and the same code on another status is not a refusal.
        let other = error_for(
            400,
            r#"{"error": {"code": "InvalidRequestBody", "message": "Request body is incorrect"}}"#,
        );
        assert!(matches!(other.kind(), ErrorKind::Http(_)), "{other:?}");
        let server = error_for(500, r#"{"error": {"code": "ActiveRequestAlreadyExists"}}"#);
        assert!(matches!(server.kind(), ErrorKind::Http(_)), "{server:?}");
    }
}
