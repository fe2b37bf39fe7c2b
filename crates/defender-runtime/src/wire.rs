//! Lenient decoding of primitive values as real services send them.
//!
//! The Defender API does not always send what its metadata promises: group ids that are strings
//! in one response and numbers in the next, `Int64` and `Decimal` values as strings (OData's
//! `IEEE754Compatible` form), `null` where a value is declared. Generated types decode every
//! primitive property through [`Wire`], which accepts all of these and never routes an integer
//! through `f64`.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::edm;

/// A value decoded leniently; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Wire<T>(pub T);

impl<T> Wire<T> {
    /// The decoded value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

/// A type [`Wire`] knows how to decode leniently.
pub trait WireValue: Sized {
    /// Decodes `Self` from any of the shapes the service is known to send for it.
    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error>;

    /// Decodes `Self` or `null`. Types read through `deserialize_any` override this to take
    /// `null` in the same dispatch, instead of asking the deserializer twice.
    fn deserialize_optional_wire<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Self>, D::Error> {
        Ok(Option::<Wire<Self>>::deserialize(deserializer)?.map(Wire::into_inner))
    }
}

/// Wraps a primitive's visitor so that `null` decodes to `None` and every other form to what
/// the inner visitor makes of it.
pub(crate) struct OrNull<V>(pub(crate) V);

macro_rules! forward_or_null {
    ($($method:ident($ty:ty)),*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            self.0.$method(v).map(Some)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for OrNull<V> {
    type Value = Option<V::Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)?;
        f.write_str(" or null")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        self.0.visit_borrowed_str(v).map(Some)
    }
    forward_or_null!(
        visit_bool(bool),
        visit_i64(i64),
        visit_u64(u64),
        visit_f64(f64),
        visit_str(&str),
        visit_string(String)
    );
}

impl<'de, T: WireValue> Deserialize<'de> for Wire<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_wire(deserializer).map(Wire)
    }
}

impl<T: Serialize> Serialize for Wire<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<T: WireValue> WireValue for Option<T> {
    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::deserialize_optional_wire(deserializer)
    }
}

impl<T: WireValue> WireValue for Vec<T> {
    fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SeqVisitor<T>(PhantomData<fn() -> T>);
        impl<'de, T: WireValue> Visitor<'de> for SeqVisitor<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(Wire(item)) = seq.next_element::<Wire<T>>()? {
                    items.push(item);
                }
                Ok(items)
            }
        }
        deserializer.deserialize_seq(SeqVisitor(PhantomData))
    }
}

/// Implements [`WireValue`] for a type read through `deserialize_any` with a unit visitor, so
/// that `null` is taken in the same dispatch when the value is optional.
macro_rules! through_any {
    ($ty:ty, $visitor:ident) => {
        impl WireValue for $ty {
            fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any($visitor)
            }
            fn deserialize_optional_wire<'de, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Option<Self>, D::Error> {
                deserializer.deserialize_any(OrNull($visitor))
            }
        }
    };
}

/// Accepts a string, and also a number or a boolean, kept as the text JSON would write.
struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
}
through_any!(String, TextVisitor);

/// Accepts `true`/`false` and their string forms.
struct BoolVisitor;

impl Visitor<'_> for BoolVisitor {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v {
            "true" | "True" => Ok(true),
            "false" | "False" => Ok(false),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}
through_any!(bool, BoolVisitor);

macro_rules! integer_wire_value {
    ($($ty:ty),*) => {$(
        // Each integer type gets its own visitor, scoped to this block.
        const _: () = {
            /// Accepts a JSON integer, or a string holding one (OData `IEEE754Compatible`).
            struct IntVisitor;

            impl Visitor<'_> for IntVisitor {
                type Value = $ty;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    write!(f, "an integer that fits {}", stringify!($ty))
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                    <$ty>::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                    <$ty>::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<$ty, E> {
                    // `3.0` is an integer written loosely; `3.5` is not.
                    if v.fract() == 0.0 && v >= <$ty>::MIN as f64 && v <= <$ty>::MAX as f64 {
                        Ok(v as $ty)
                    } else {
                        Err(E::invalid_value(de::Unexpected::Float(v), &self))
                    }
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                    v.trim().parse().map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
                }
            }
            through_any!($ty, IntVisitor);
        };
    )*};
}
integer_wire_value!(u8, i8, i16, i32, i64);

macro_rules! float_wire_value {
    ($($ty:ty),*) => {$(
        const _: () = {
            /// Accepts a JSON number, or a string holding one, including OData's `NaN`, `INF`
            /// and `-INF`.
            struct FloatVisitor;

            impl Visitor<'_> for FloatVisitor {
                type Value = $ty;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a number")
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                    Ok(v as $ty)
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                    Ok(v as $ty)
                }
                fn visit_f64<E: de::Error>(self, v: f64) -> Result<$ty, E> {
                    Ok(v as $ty)
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                    match v.trim() {
                        "INF" | "Infinity" => Ok(<$ty>::INFINITY),
                        "-INF" | "-Infinity" => Ok(<$ty>::NEG_INFINITY),
                        "NaN" => Ok(<$ty>::NAN),
                        other => other.parse().map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self)),
                    }
                }
            }
            through_any!($ty, FloatVisitor);
        };
    )*};
}
float_wire_value!(f32, f64);

macro_rules! strict_wire_value {
    ($($ty:ty),*) => {$(
        /// Decoded by its own `Deserialize`, which already accepts every form the wire uses.
        impl WireValue for $ty {
            fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <$ty>::deserialize(deserializer)
            }
        }
    )*};
}
strict_wire_value!(serde_json::Value, edm::Decimal, edm::Guid);

/// An enumeration member as it arrives: its name, or its integer value.
enum EnumMember<'de> {
    Name(Cow<'de, str>),
    Value(i64),
}

/// Reads an enumeration member for every generated enumeration: one visitor, so that a
/// deserializer's `deserialize_any` is compiled once rather than once per enumeration.
struct EnumMemberVisitor {
    expecting: &'static str,
}

impl<'de> Visitor<'de> for EnumMemberVisitor {
    type Value = EnumMember<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(EnumMember::Name(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(EnumMember::Name(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(EnumMember::Name(Cow::Owned(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(EnumMember::Value(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        // Too large for any member's value: kept as its text, like an unknown name.
        Ok(i64::try_from(v).map_or_else(|_| EnumMember::Name(Cow::Owned(v.to_string())), EnumMember::Value))
    }
}

/// Decodes an enumeration member from its name or its integer value (generated enumerations'
/// `Deserialize`); `from_name` keeps a name it does not know.
pub fn decode_enum_member<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    expecting: &'static str,
    from_name: fn(&str) -> T,
    from_value: fn(i64) -> T,
) -> Result<T, D::Error> {
    Ok(match deserializer.deserialize_any(EnumMemberVisitor { expecting })? {
        EnumMember::Name(name) => from_name(&name),
        EnumMember::Value(value) => from_value(value),
    })
}

/// A JSON object key, borrowed from the input when the input allows.
///
/// Generated decoders match keys against the properties they know; borrowing avoids an
/// allocation per key, and only unknown keys are copied into the type's extra map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldKey<'de>(Cow<'de, str>);

impl<'de> FieldKey<'de> {
    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as an owned string.
    pub fn into_owned(self) -> String {
        self.0.into_owned()
    }
}

impl<'de> Deserialize<'de> for FieldKey<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = FieldKey<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(FieldKey(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(FieldKey(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(FieldKey(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// `key` in ASCII lowercase, written into `buffer`; empty when it is longer than the buffer.
/// Generated decoders of export rows match a member again with it when it matched no property
/// exactly (files spell `CveId` where responses spell `cveId`), without allocating.
pub fn fold_member_case<'b>(key: &str, buffer: &'b mut [u8; 64]) -> &'b str {
    let Some(target) = buffer.get_mut(..key.len()) else { return "" };
    target.copy_from_slice(key.as_bytes());
    target.make_ascii_lowercase();
    std::str::from_utf8(target).unwrap_or_default()
}

/// The type an object names in `@odata.type`, without the leading `#`
/// (`#microsoft.windowsDefenderATP.api.WindowsAuthParams` → `microsoft.windowsDefenderATP.api.WindowsAuthParams`).
pub fn odata_type_name(value: &serde_json::Value) -> Option<&str> {
    let name = value.get("@odata.type")?.as_str()?;
    Some(name.strip_prefix('#').unwrap_or(name))
}

/// Serializes `value` as a JSON object that names its type in `@odata.type`, adding the
/// member when the value does not already carry it: a derived type sent to the service must
/// say which it is.
pub fn serialize_typed<T: Serialize, S: serde::Serializer>(
    value: &T,
    odata_type: &str,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut json = serde_json::to_value(value).map_err(serde::ser::Error::custom)?;
    if let serde_json::Value::Object(object) = &mut json
        && !object.contains_key("@odata.type")
    {
        object.insert("@odata.type".to_owned(), serde_json::Value::from(odata_type));
    }
    json.serialize(serializer)
}

/// Whether a JSON member is an instance or property annotation (`@odata.type`,
/// `score@odata.type`, `@vendor.term`) rather than a property.
pub fn is_annotation(key: &str) -> bool {
    key.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire<T: WireValue>(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str::<Wire<T>>(json).map(Wire::into_inner)
    }

    #[test]
    fn integers_arrive_as_numbers_or_strings_without_passing_through_f64() {
        assert_eq!(wire::<i64>("9007199254740993").ok(), Some(9_007_199_254_740_993));
        assert_eq!(wire::<i64>("\"9007199254740993\"").ok(), Some(9_007_199_254_740_993));
        assert_eq!(wire::<i32>("10.0").ok(), Some(10));
        assert!(wire::<i32>("10.5").is_err());
        assert!(wire::<u8>("300").is_err());
        assert!(wire::<i64>("\"ten\"").is_err());
    }

    #[test]
    fn strings_accept_numbers_and_keep_their_text() {
        assert_eq!(wire::<String>("10").ok().as_deref(), Some("10"));
        assert_eq!(wire::<String>("\"GroupOne\"").ok().as_deref(), Some("GroupOne"));
        assert_eq!(wire::<Option<String>>("null").ok(), Some(None));
    }

    #[test]
    fn a_refused_value_is_reported_where_it_stands() {
        // The JSON path of a decoding error is found from this line and column.
        let error = serde_json::from_str::<Vec<Wire<Option<u8>>>>("[1,\n null,\n   300]").err();
        assert_eq!(error.as_ref().map(|e| (e.line(), e.column())), Some((3, 6)), "{error:?}");
        let error = serde_json::from_str::<Wire<bool>>(" {}").err().map(|e| e.to_string());
        assert_eq!(error.as_deref(), Some("invalid type: map, expected a boolean at line 1 column 3"));
        let error = serde_json::from_str::<Wire<Option<i32>>>("true").err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some("invalid type: boolean `true`, expected an integer that fits i32 at line 1 column 4")
        );
    }

    #[test]
    fn enumeration_members_arrive_as_names_or_numbers() {
        let decode = |json: &str| {
            let mut deserializer = serde_json::Deserializer::from_str(json);
            decode_enum_member(
                &mut deserializer,
                "a member",
                |name| format!("name {name}"),
                |value| format!("value {value}"),
            )
        };
        assert_eq!(decode("\"Active\"").ok().as_deref(), Some("name Active"));
        assert_eq!(decode("2").ok().as_deref(), Some("value 2"));
        assert_eq!(decode("18446744073709551615").ok().as_deref(), Some("name 18446744073709551615"));
        assert!(decode("null").is_err());
        assert!(decode("1.5").is_err());
        assert!(decode("true").is_err());
    }

    #[test]
    fn floats_accept_the_ieee754_compatible_strings() {
        assert_eq!(wire::<f64>("\"INF\"").ok(), Some(f64::INFINITY));
        assert_eq!(wire::<f64>("340").ok(), Some(340.0));
        assert!(wire::<f64>("\"NaN\"").is_ok_and(f64::is_nan));
        assert_eq!(wire::<Vec<f64>>("[1, \"2.5\"]").ok(), Some(vec![1.0, 2.5]));
    }
}
