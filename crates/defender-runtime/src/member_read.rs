//! How a generated `DecodeMembers` reads the value of one member, once it has matched the key.
//!
//! Each match arm of a generated decoder is one call to a function here and its `?`. Written out
//! in every arm, the same reads (`next_value`, the unwrapping, the assignment) were more for the
//! compiler to check for every member of every type; this keeps the generated code short without
//! changing what is decoded.
//!
//! Two measured choices keep the optimized decoder as fast as the written-out arms were
//! (`decode_10k_lossless_ratio` in `defender-bench`, a page of machines): the functions are
//! `#[inline(always)]` (with a plain `#[inline]` some stayed calls: 1.17 against 1.06), and each
//! arm keeps its own `?` (one `?` after the whole match measured 1.09 to 1.14).

use serde::Deserialize;
use serde::de::MapAccess;
use serde_json::Value;
use serde_json::value::RawValue;

use crate::wire::{FieldKey, Wire, WireValue, is_annotation};
use crate::{Annotations, RawMembers};

/// Reads a primitive member leniently, through [`Wire`], into `slot`.
#[inline(always)]
pub fn read_wire<'de, A, T>(map: &mut A, slot: &mut Option<T>) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    Option<T>: WireValue,
{
    *slot = map.next_value::<Wire<Option<T>>>()?.0;
    Ok(())
}

/// Reads a member whose type decodes itself (a structured value, an enumeration, a collection
/// of them) into `slot`.
#[inline(always)]
pub fn read_own<'de, A, T>(map: &mut A, slot: &mut Option<T>) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    *slot = map.next_value::<Option<T>>()?;
    Ok(())
}

/// Reads a single related entity, which the type holds boxed, into `slot`.
#[inline(always)]
pub fn read_boxed<'de, A, T>(map: &mut A, slot: &mut Option<Box<T>>) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    *slot = map.next_value::<Option<T>>()?.map(Box::new);
    Ok(())
}

/// Keeps a member the type does not declare: an annotation (`@odata.etag`, `score@odata.type`)
/// in `annotations`, anything else as it was sent in `unknown`.
#[inline(always)]
pub fn keep_unknown<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: FieldKey<'de>,
    annotations: &mut Annotations,
    unknown: &mut RawMembers,
) -> Result<(), A::Error> {
    let key = key.into_owned();
    if is_annotation(&key) {
        annotations.insert(key, map.next_value::<Value>()?);
    } else {
        unknown.push_raw(key, map.next_value::<Box<RawValue>>()?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde::de::{Deserializer, Visitor};

    use super::*;

    /// The members a small decoder written with these functions read, as a generated one is.
    #[derive(Debug, Default)]
    struct Read {
        build: Option<i64>,
        tags: Option<Vec<String>>,
        child: Option<Box<Read>>,
        annotations: Annotations,
        unknown: RawMembers,
    }

    impl<'de> Deserialize<'de> for Read {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            struct ReadVisitor;
            impl<'de> Visitor<'de> for ReadVisitor {
                type Value = Read;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Read, A::Error> {
                    let mut read = Read::default();
                    while let Some(key) = map.next_key::<FieldKey<'de>>()? {
                        match key.as_str() {
                            "build" => read_wire(&mut map, &mut read.build)?,
                            "tags" => read_own(&mut map, &mut read.tags)?,
                            "child" => read_boxed(&mut map, &mut read.child)?,
                            _ => keep_unknown(&mut map, key, &mut read.annotations, &mut read.unknown)?,
                        }
                    }
                    read.unknown.keep_last_duplicates();
                    Ok(read)
                }
            }
            deserializer.deserialize_map(ReadVisitor)
        }
    }

    #[test]
    fn each_reader_fills_its_slot_and_the_rest_is_kept() {
        let body = r##"{"build":"19045","tags":["a","b"],"child":{"build":7},
            "@odata.etag":"W/\"1\"","newMember":{"x":[1,2]},"tags@odata.type":"#Collection(String)"}"##;
        let read: Read = serde_json::from_str(body).expect("the body decodes");
        assert_eq!(read.build, Some(19045), "an Int64 sent as a string is read leniently");
        assert_eq!(read.tags.as_deref(), Some(&["a".to_owned(), "b".to_owned()][..]));
        assert_eq!(read.child.as_ref().and_then(|child| child.build), Some(7));
        assert_eq!(read.annotations.get("@odata.etag"), Some(&Value::from("W/\"1\"")));
        assert_eq!(read.annotations.get("tags@odata.type"), Some(&Value::from("#Collection(String)")));
        assert_eq!(read.unknown.get("newMember").map(RawValue::get), Some(r#"{"x":[1,2]}"#));
    }

    #[test]
    fn null_empties_a_slot_and_a_bad_value_is_an_error_at_its_member() {
        let read: Read =
            serde_json::from_str(r#"{"build":null,"tags":null,"child":null}"#).expect("nulls decode");
        assert_eq!((read.build, read.tags, read.child.is_none()), (None, None, true));
        let error = serde_json::from_str::<Read>(r#"{"build":"nineteen"}"#).expect_err("not an integer");
        assert!(error.to_string().contains("line 1 column 19"), "{error}");
    }
}
