//! Decoding a value of a type with derived types in one pass: read `@odata.type`, then hand the
//! rest of the object to the decoder of the type it names.
//!
//! OData services write `@odata.type` first (the JSON format requires control information to
//! precede the properties it describes), so a polymorphic value is nearly always decoded
//! straight from the input. Only an object that names its type later, or not at all, is read
//! into JSON first and then decoded from that.

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess};
use serde_json::Value;

use crate::members::Annotations;
use crate::wire::FieldKey;

/// The annotation that names a value's type.
const ODATA_TYPE: &str = "@odata.type";

/// A generated structured type that decodes the members of an object from a map another
/// decoder has begun: what lets a polymorphic value read `@odata.type` itself and go on.
pub trait DecodeMembers: Sized {
    /// Reads the rest of `map` into the type; `annotations` holds what was read before.
    fn decode_members<'de, A: MapAccess<'de>>(map: A, annotations: Annotations) -> Result<Self, A::Error>;
}

/// How an object of a polymorphic type began.
pub enum TypeFirst {
    /// `@odata.type` was its first member: the type it names (without `#`) and the annotations
    /// read so far. The rest of the object is still in the map the caller passed.
    Streamed {
        /// The named type, as `ns.Type` or a bare `Type`.
        name: String,
        /// `@odata.type` as sent.
        annotations: Annotations,
    },
    /// It named its type later, or not at all: the whole object was read, and its members
    /// other than `@odata.type` are to be decoded from `members`.
    Buffered {
        /// The named type, when the object names one.
        name: Option<String>,
        /// `@odata.type` as sent, when the object has it.
        annotations: Annotations,
        /// The other members, in the order they were read.
        members: BufferedMembers,
    },
}

/// Reads the first member of a polymorphic object: see [`TypeFirst`].
pub fn read_type_first<'de, A: MapAccess<'de>>(map: &mut A) -> Result<TypeFirst, A::Error> {
    let mut members = Vec::new();
    if let Some(first) = map.next_key::<FieldKey<'de>>()? {
        let value: Value = map.next_value()?;
        if first.as_str() == ODATA_TYPE
            && let Value::String(name) = &value
        {
            let name = name.strip_prefix('#').unwrap_or(name).to_owned();
            let mut annotations = Annotations::new();
            annotations.insert(ODATA_TYPE.to_owned(), value);
            return Ok(TypeFirst::Streamed { name, annotations });
        }
        members.push((first.into_owned(), value));
    }
    while let Some(key) = map.next_key::<String>()? {
        members.push((key, map.next_value()?));
    }
    let mut annotations = Annotations::new();
    let mut name = None;
    // The last `@odata.type` wins, as the last of any duplicated member does.
    if let Some(index) = members.iter().rposition(|(key, _)| key == ODATA_TYPE) {
        let (key, value) = members.remove(index);
        name = value.as_str().map(|text| text.strip_prefix('#').unwrap_or(text).to_owned());
        annotations.insert(key, value);
        members.retain(|(key, _)| key != ODATA_TYPE);
    }
    Ok(TypeFirst::Buffered {
        name,
        annotations,
        members: BufferedMembers { members: members.into_iter(), value: None },
    })
}

/// The members of an object already read as JSON, decoded again as a map.
pub struct BufferedMembers {
    members: std::vec::IntoIter<(String, Value)>,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for BufferedMembers {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        let Some((key, value)) = self.members.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Self::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value),
            None => Err(de::Error::custom("a value was asked for before its key")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.members.len())
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde::de::{Deserializer, Visitor};
    use serde_json::{Map, json};

    use super::*;

    /// What a caller sees: the named type (or none), the annotations, and the other members in
    /// order, whichever way the object was read.
    #[derive(Debug, PartialEq)]
    struct Seen {
        name: Option<String>,
        streamed: bool,
        annotations: Map<String, Value>,
        rest: Vec<(String, Value)>,
    }

    fn rest<'de, A: MapAccess<'de>>(mut map: A) -> Result<Vec<(String, Value)>, A::Error> {
        let mut rest = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            rest.push((key, map.next_value()?));
        }
        Ok(rest)
    }

    impl<'de> Deserialize<'de> for Seen {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct SeenVisitor;
            impl<'de> Visitor<'de> for SeenVisitor {
                type Value = Seen;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Seen, A::Error> {
                    Ok(match read_type_first(&mut map)? {
                        TypeFirst::Streamed { name, annotations } => Seen {
                            name: Some(name),
                            streamed: true,
                            annotations: annotations.into_map(),
                            rest: rest(map)?,
                        },
                        TypeFirst::Buffered { name, annotations, members } => Seen {
                            name,
                            streamed: false,
                            annotations: annotations.into_map(),
                            rest: rest(members).map_err(de::Error::custom)?,
                        },
                    })
                }
            }
            deserializer.deserialize_map(SeenVisitor)
        }
    }

    fn seen(text: &str) -> Seen {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn a_leading_type_is_read_and_the_rest_left_to_the_type_it_names() {
        let seen = seen(r##"{"@odata.type": "#ns.deviceEvidence", "b": 2, "a": [1]}"##);
        assert_eq!(seen.name.as_deref(), Some("ns.deviceEvidence"));
        assert!(seen.streamed);
        assert_eq!(seen.annotations.get(ODATA_TYPE), Some(&json!("#ns.deviceEvidence")));
        assert_eq!(seen.rest, [("b".to_owned(), json!(2)), ("a".to_owned(), json!([1]))]);
    }

    #[test]
    fn a_type_named_later_or_not_at_all_is_found_after_reading_the_object() {
        let later = seen(r##"{"b": 2, "@odata.type": "#ns.userEvidence", "a": null}"##);
        assert_eq!(later.name.as_deref(), Some("ns.userEvidence"));
        assert!(!later.streamed);
        assert_eq!(later.annotations.get(ODATA_TYPE), Some(&json!("#ns.userEvidence")));
        assert_eq!(later.rest, [("b".to_owned(), json!(2)), ("a".to_owned(), Value::Null)]);

        let untyped = seen(r#"{"b": 2}"#);
        assert_eq!(untyped.name, None);
        assert!(untyped.annotations.is_empty());
        assert_eq!(untyped.rest, [("b".to_owned(), json!(2))]);

        let empty = seen("{}");
        assert_eq!((empty.name, empty.rest.len()), (None, 0));
    }

    #[test]
    fn a_type_that_is_not_a_string_names_nothing_and_is_kept() {
        let odd = seen(r#"{"@odata.type": 7, "b": 2}"#);
        assert_eq!(odd.name, None);
        assert_eq!(odd.annotations.get(ODATA_TYPE), Some(&json!(7)));
        assert_eq!(odd.rest, [("b".to_owned(), json!(2))]);
    }

    #[test]
    fn buffered_members_decode_through_serde_as_a_map() {
        let Seen { rest, .. } = seen(r#"{"x": {"deep": [1, 2]}, "y": "z"}"#);
        assert_eq!(rest[0].1, json!({"deep": [1, 2]}));
        assert!(serde_json::from_str::<Seen>("[1]").is_err(), "an array is not an object");
    }
}
