//! `Edm.Guid`, kept as the service spelled it, and kept even when it is not a GUID.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use uuid::Uuid;

use super::EdmParseError;

/// `Edm.Guid`.
///
/// Real tenants send values that their metadata types as `Edm.Guid` but that are not GUIDs
/// (an `aadDeviceId` of a device in a half-finished join, say). One such value must not cost
/// the caller the whole entity, so a `Guid` decodes from any JSON string: a GUID is parsed
/// ([`as_uuid`](Self::as_uuid)), anything else is kept as it was sent and said to be so
/// ([`unparsed`](Self::unparsed), [`is_valid`](Self::is_valid)), as an enum keeps a member it
/// does not know. Either way the value is written back exactly as it arrived, uppercase or
/// braced spellings included.
///
/// Parsing with [`FromStr`] is strict: a `Guid` built by the caller is always a GUID.
///
/// ```
/// use defender_runtime::edm::Guid;
///
/// let sent: Guid = serde_json::from_str("\"not-a-guid\"").unwrap();
/// assert!(!sent.is_valid());
/// assert_eq!(sent.unparsed(), Some("not-a-guid"));
/// assert_eq!(serde_json::to_string(&sent).unwrap(), "\"not-a-guid\"");
///
/// let id: Guid = "5BA3B2D5-7B4E-4B52-9A4F-2F3B0A9E7C11".parse().unwrap();
/// assert_eq!(id.as_uuid().unwrap().to_string(), "5ba3b2d5-7b4e-4b52-9a4f-2f3b0a9e7c11");
/// assert_eq!(id.to_string(), "5BA3B2D5-7B4E-4B52-9A4F-2F3B0A9E7C11");
/// ```
#[derive(Clone)]
pub struct Guid(Repr);

#[derive(Clone)]
enum Repr {
    /// A GUID sent in the canonical form (lowercase, hyphenated): no text to keep.
    Canonical(Uuid),
    /// A GUID sent in another form (uppercase, braced, without hyphens), with that text.
    Spelled(Uuid, Box<str>),
    /// Text that is not a GUID, kept as sent.
    Unparsed(Box<str>),
}

impl Guid {
    /// A GUID, written in the canonical form.
    pub const fn from_uuid(uuid: Uuid) -> Self {
        Self(Repr::Canonical(uuid))
    }

    /// `text` as a `Guid`, keeping it as it is when it is not a GUID (what decoding does).
    pub fn lenient(text: &str) -> Self {
        match Uuid::try_parse(text) {
            Ok(uuid) if is_canonical(text) => Self(Repr::Canonical(uuid)),
            Ok(uuid) => Self(Repr::Spelled(uuid, text.into())),
            Err(_) => Self(Repr::Unparsed(text.into())),
        }
    }

    /// The GUID, unless the service sent something else.
    pub fn as_uuid(&self) -> Option<Uuid> {
        match &self.0 {
            Repr::Canonical(uuid) | Repr::Spelled(uuid, _) => Some(*uuid),
            Repr::Unparsed(_) => None,
        }
    }

    /// Whether the value is a GUID.
    pub fn is_valid(&self) -> bool {
        !matches!(self.0, Repr::Unparsed(_))
    }

    /// The text as sent, when it is not a GUID.
    pub fn unparsed(&self) -> Option<&str> {
        match &self.0 {
            Repr::Unparsed(text) => Some(text),
            _ => None,
        }
    }

    /// What equality, ordering and hashing use: the GUID, or the text of a value that is not one.
    fn identity(&self) -> Result<Uuid, &str> {
        self.as_uuid().ok_or_else(|| self.unparsed().unwrap_or_default())
    }
}

fn is_canonical(text: &str) -> bool {
    text.len() == 36 && !text.bytes().any(|b| b.is_ascii_uppercase())
}

impl From<Uuid> for Guid {
    fn from(uuid: Uuid) -> Self {
        Self::from_uuid(uuid)
    }
}

impl FromStr for Guid {
    type Err = EdmParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match Self::lenient(text) {
            guid if guid.is_valid() => Ok(guid),
            _ => Err(EdmParseError::new("Edm.Guid", text, "not a GUID")),
        }
    }
}

impl PartialEq for Guid {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}

impl Eq for Guid {}

impl PartialOrd for Guid {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Guid {
    fn cmp(&self, other: &Self) -> Ordering {
        self.identity().cmp(&other.identity())
    }
}

impl Hash for Guid {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.identity().hash(state);
    }
}

impl fmt::Display for Guid {
    /// The value as the service sent it (the canonical form for a GUID made here).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Canonical(uuid) => fmt::Display::fmt(&uuid.hyphenated(), f),
            Repr::Spelled(_, text) | Repr::Unparsed(text) => f.write_str(text),
        }
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Repr::Unparsed(text) => write!(f, "Guid(not a GUID: {text:?})"),
            _ => write!(f, "Guid({self})"),
        }
    }
}

impl Serialize for Guid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Repr::Canonical(uuid) => {
                let mut buffer = Uuid::encode_buffer();
                serializer.serialize_str(uuid.hyphenated().encode_lower(&mut buffer))
            }
            Repr::Spelled(_, text) | Repr::Unparsed(text) => serializer.serialize_str(text),
        }
    }
}

impl<'de> Deserialize<'de> for Guid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GuidVisitor;

        impl Visitor<'_> for GuidVisitor {
            type Value = Guid;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an Edm.Guid string")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Guid, E> {
                let guid = Guid::lenient(text);
                if !guid.is_valid() {
                    tracing::debug!(value = %text, "kept an Edm.Guid value that is not a GUID");
                }
                Ok(guid)
            }
        }

        deserializer.deserialize_str(GuidVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(json: &str) -> Guid {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn every_string_decodes_and_writes_back_as_sent() {
        for text in [
            "5ba3b2d5-7b4e-4b52-9a4f-2f3b0a9e7c11",
            "5BA3B2D5-7B4E-4B52-9A4F-2F3B0A9E7C11",
            "{5ba3b2d5-7b4e-4b52-9a4f-2f3b0a9e7c11}",
            "5ba3b2d57b4e4b529a4f2f3b0a9e7c11",
            "not-a-guid",
            "",
            "00000000-0000-0000-0000-00000000000g",
        ] {
            let json = serde_json::to_string(text).unwrap_or_default();
            let guid = decode(&json);
            assert_eq!(serde_json::to_string(&guid).unwrap_or_default(), json);
            assert_eq!(guid.to_string(), text);
        }
    }

    #[test]
    fn a_value_that_is_not_a_guid_is_kept_and_says_so() {
        let odd = decode("\"device-7\"");
        assert!(!odd.is_valid());
        assert_eq!(odd.as_uuid(), None);
        assert_eq!(odd.unparsed(), Some("device-7"));
        assert_eq!(format!("{odd:?}"), "Guid(not a GUID: \"device-7\")");
        assert!("device-7".parse::<Guid>().is_err());
    }

    #[test]
    fn spellings_of_one_guid_are_equal() {
        let lower = decode("\"5ba3b2d5-7b4e-4b52-9a4f-2f3b0a9e7c11\"");
        let upper = decode("\"5BA3B2D5-7B4E-4B52-9A4F-2F3B0A9E7C11\"");
        assert!(lower.is_valid() && upper.is_valid());
        assert_eq!(lower, upper);
        assert_ne!(lower, decode("\"device-7\""));
        assert!(serde_json::from_str::<Guid>("12").is_err());
    }
}
