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

/// One JSON scalar as the deserializer handed it over.
///
/// Every lenient primitive and every enumeration reads its value through [`read_scalar`]: one
/// `deserialize_any` with one visitor type, which hands the scalar to the caller's conversion.
/// A deserializer's `deserialize_any` is large, and a visitor per type (twice for primitives,
/// with and without `null`) compiled it dozens of times in every crate that decodes.
pub(crate) enum Scalar<'de> {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(Cow<'de, str>),
}

impl Scalar<'_> {
    /// What the value was, for an error message.
    fn unexpected(&self) -> de::Unexpected<'_> {
        match self {
            Scalar::Null => de::Unexpected::Unit,
            Scalar::Bool(v) => de::Unexpected::Bool(*v),
            Scalar::I64(v) => de::Unexpected::Signed(*v),
            Scalar::U64(v) => de::Unexpected::Unsigned(*v),
            Scalar::F64(v) => de::Unexpected::Float(*v),
            Scalar::Str(v) => de::Unexpected::Str(v),
        }
    }
}

/// Why a conversion refused a scalar.
pub(crate) enum ScalarRefusal<'de> {
    /// A value of the wrong kind (a boolean where a number belongs).
    Kind(Scalar<'de>),
    /// A value of the right kind that does not fit (`300` for a `u8`).
    Value(Scalar<'de>),
    /// A text that does not parse, with the parser's reason.
    Message(String),
}

impl ScalarRefusal<'_> {
    fn into_error<E: de::Error>(self, expecting: &'static str) -> E {
        match self {
            ScalarRefusal::Kind(scalar) => E::invalid_type(scalar.unexpected(), &expecting),
            ScalarRefusal::Value(scalar) => E::invalid_value(scalar.unexpected(), &expecting),
            ScalarRefusal::Message(message) => E::custom(message),
        }
    }
}

/// Hands any scalar to `accept`. A refusal becomes an error inside the visitor, where the
/// deserializer gives it the line and column that the error's JSON path is found from.
struct ScalarVisitor<'a, 'de> {
    expecting: &'static str,
    or_null: bool,
    accept: &'a mut dyn FnMut(Scalar<'de>) -> Result<(), ScalarRefusal<'de>>,
}

impl<'de> ScalarVisitor<'_, 'de> {
    fn take<E: de::Error>(self, scalar: Scalar<'de>) -> Result<(), E> {
        let expecting = self.expecting;
        (self.accept)(scalar).map_err(|refused| refused.into_error(expecting))
    }
}

impl<'de> Visitor<'de> for ScalarVisitor<'_, 'de> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expecting)?;
        if self.or_null { f.write_str(" or null") } else { Ok(()) }
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.take(Scalar::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.take(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.take(Scalar::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.take(Scalar::I64(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.take(Scalar::U64(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.take(Scalar::F64(v))
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<(), E> {
        self.take(Scalar::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.take(Scalar::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<(), E> {
        self.take(Scalar::Str(Cow::Owned(v)))
    }
}

/// Reads one scalar and converts it; `None` for `null` when `or_null`, which is otherwise
/// refused like any value of the wrong kind.
pub(crate) fn read_scalar<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    expecting: &'static str,
    or_null: bool,
    convert: impl Fn(Scalar<'de>) -> Result<T, ScalarRefusal<'de>>,
) -> Result<Option<T>, D::Error> {
    let mut decoded = None;
    let mut accept = |scalar: Scalar<'de>| match scalar {
        Scalar::Null if or_null => Ok(()),
        Scalar::Null => Err(ScalarRefusal::Kind(Scalar::Null)),
        scalar => convert(scalar).map(|value| decoded = Some(value)),
    };
    deserializer.deserialize_any(ScalarVisitor { expecting, or_null, accept: &mut accept })?;
    Ok(decoded)
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

/// Decodes an enumeration member from its name or its integer value, through the one scalar
/// reader; `from_name` keeps a name it does not know, and an integer too large for `i64` is
/// kept as its text.
pub fn decode_enum_member<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    expecting: &'static str,
    from_name: fn(&str) -> T,
    from_value: fn(i64) -> T,
) -> Result<T, D::Error> {
    let decoded = read_scalar(deserializer, expecting, false, |scalar| match scalar {
        Scalar::Str(name) => Ok(from_name(&name)),
        Scalar::I64(value) => Ok(from_value(value)),
        Scalar::U64(value) => {
            Ok(i64::try_from(value).map_or_else(|_| from_name(&value.to_string()), from_value))
        }
        other => Err(ScalarRefusal::Kind(other)),
    })?;
    decoded.ok_or_else(|| de::Error::invalid_type(de::Unexpected::Unit, &expecting))
}

/// Implements [`WireValue`] for a type converted from a [`Scalar`] by `$convert`.
macro_rules! from_scalar {
    ($ty:ty, $expecting:expr, $convert:expr) => {
        impl WireValue for $ty {
            fn deserialize_wire<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let convert: fn(Scalar<'de>) -> Result<$ty, ScalarRefusal<'de>> = $convert;
                read_scalar(deserializer, $expecting, false, convert)?
                    .ok_or_else(|| de::Error::invalid_type(de::Unexpected::Unit, &$expecting))
            }
            fn deserialize_optional_wire<'de, D: Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Option<Self>, D::Error> {
                let convert: fn(Scalar<'de>) -> Result<$ty, ScalarRefusal<'de>> = $convert;
                read_scalar(deserializer, $expecting, true, convert)
            }
        }
    };
}

// A string, and also a number or a boolean, kept as the text JSON would write.
from_scalar!(String, "a string", |scalar| match scalar {
    Scalar::Str(text) => Ok(text.into_owned()),
    Scalar::I64(v) => Ok(v.to_string()),
    Scalar::U64(v) => Ok(v.to_string()),
    Scalar::F64(v) => Ok(v.to_string()),
    Scalar::Bool(v) => Ok(v.to_string()),
    other => Err(ScalarRefusal::Kind(other)),
});

// `true`/`false` and their string forms.
from_scalar!(bool, "a boolean", |scalar| match scalar {
    Scalar::Bool(v) => Ok(v),
    Scalar::Str(text) => match &*text {
        "true" | "True" => Ok(true),
        "false" | "False" => Ok(false),
        _ => Err(ScalarRefusal::Value(Scalar::Str(text))),
    },
    other => Err(ScalarRefusal::Kind(other)),
});

macro_rules! integer_wire_value {
    ($($ty:ty),*) => {$(
        // A JSON integer, or a string holding one (OData `IEEE754Compatible`); `3.0` is an
        // integer written loosely, `3.5` is not.
        from_scalar!($ty, concat!("an integer that fits ", stringify!($ty)), |scalar| match scalar {
            Scalar::I64(v) => <$ty>::try_from(v).map_err(|_| ScalarRefusal::Value(scalar)),
            Scalar::U64(v) => <$ty>::try_from(v).map_err(|_| ScalarRefusal::Value(scalar)),
            Scalar::F64(v) if v.fract() == 0.0 && v >= <$ty>::MIN as f64 && v <= <$ty>::MAX as f64 => {
                Ok(v as $ty)
            }
            Scalar::F64(_) => Err(ScalarRefusal::Value(scalar)),
            Scalar::Str(ref text) => text.trim().parse().map_err(|_| ScalarRefusal::Value(scalar)),
            other => Err(ScalarRefusal::Kind(other)),
        });
    )*};
}
integer_wire_value!(u8, i8, i16, i32, i64);

macro_rules! float_wire_value {
    ($($ty:ty),*) => {$(
        // A JSON number, or a string holding one, including OData's `NaN`, `INF` and `-INF`.
        from_scalar!($ty, "a number", |scalar| match scalar {
            Scalar::I64(v) => Ok(v as $ty),
            Scalar::U64(v) => Ok(v as $ty),
            Scalar::F64(v) => Ok(v as $ty),
            Scalar::Str(ref text) => match text.trim() {
                "INF" | "Infinity" => Ok(<$ty>::INFINITY),
                "-INF" | "-Infinity" => Ok(<$ty>::NEG_INFINITY),
                "NaN" => Ok(<$ty>::NAN),
                other => other.parse().map_err(|_| ScalarRefusal::Value(scalar)),
            },
            other => Err(ScalarRefusal::Kind(other)),
        });
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
    }

    #[test]
    fn floats_accept_the_ieee754_compatible_strings() {
        assert_eq!(wire::<f64>("\"INF\"").ok(), Some(f64::INFINITY));
        assert_eq!(wire::<f64>("340").ok(), Some(340.0));
        assert!(wire::<f64>("\"NaN\"").is_ok_and(f64::is_nan));
        assert_eq!(wire::<Vec<f64>>("[1, \"2.5\"]").ok(), Some(vec![1.0, 2.5]));
    }
}
