//! Values written into URLs as OData literals: function parameters and entity keys.
//!
//! Strings are quoted with `'` and embedded quotes doubled; other primitives are written as the
//! OData ABNF spells them. Characters that would end a path segment or start a query are
//! percent-encoded so that a value can never change the shape of the URL.

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use crate::edm;
use crate::filter::FilterValue;

/// Characters escaped inside a literal placed in a path: those with meaning in a URL path or
/// query, plus `%` itself and space.
const IN_PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'?')
    .add(b'<')
    .add(b'>')
    .add(b'\\')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'&')
    .add(b'+');

/// A value that can be written as an OData URL literal.
pub trait ODataLiteral {
    /// The literal, ready to be placed in a URL path (`'it''s'`, `42`, `2024-01-01T00:00:00Z`).
    fn to_literal(&self) -> String;
}

/// Quotes and escapes a string literal.
///
/// ```
/// use defender_runtime::codegen::quote_string;
/// assert_eq!(quote_string("O'Neil/1 #2"), "'O''Neil%2F1%20%232'");
/// ```
pub fn quote_string(value: &str) -> String {
    value.to_literal()
}

/// An enumeration member as a literal: `Namespace.EnumType'Member'` (members of a flags value
/// separated by commas inside the quotes).
///
/// ```
/// use defender_runtime::codegen::enum_literal;
/// assert_eq!(enum_literal("ns.Color", "Red"), "ns.Color'Red'");
/// ```
pub fn enum_literal(qualified_type: &str, member: &str) -> String {
    format!("{qualified_type}{}", quote_string(member))
}

/// A complex or collection parameter value as JSON, percent-encoded for a parameter alias in
/// the query (`?@p={json}`): the URL conventions pass such values by alias, not inline.
///
/// ```
/// use defender_runtime::codegen::json_alias_value;
/// assert_eq!(json_alias_value(&vec!["a b", "c"]), "%5B%22a%20b%22,%22c%22%5D");
/// ```
pub fn json_alias_value<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // Serializing the SDK's own types (maps with string keys, no custom failing impls) cannot
    // fail; `null` is what OData reads for a value that cannot be written.
    let json = serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned());
    utf8_percent_encode(&json, ALIAS_VALUE).to_string()
}

/// Characters escaped in a parameter alias value in the query.
const ALIAS_VALUE: &AsciiSet = &IN_PATH.add(b'[').add(b']').add(b'=').add(b';');

/// Parameters a service takes as plain query options (`stats?lookBackHours=48`), rather than
/// as OData literals in parentheses: values are written as text, percent-encoded, unquoted.
///
/// ```
/// use defender_runtime::codegen::QueryString;
///
/// let mut query = QueryString::default();
/// query.push("tag", "Finance & Ops");
/// query.push_opt("useStartsWithFilter", Some(&true));
/// query.push_opt::<u32>("pageSize", None);
/// assert_eq!(query.to_string(), "?tag=Finance%20%26%20Ops&useStartsWithFilter=true");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryString(Vec<(String, String)>);

impl QueryString {
    /// Adds `name=value`.
    pub fn push<T: std::fmt::Display + ?Sized>(&mut self, name: &str, value: &T) {
        self.0.push((name.to_owned(), value.to_string()));
    }

    /// Adds `name=value` when there is a value; an omitted optional parameter is left out.
    pub fn push_opt<T: std::fmt::Display + ?Sized>(&mut self, name: &str, value: Option<&T>) {
        if let Some(value) = value {
            self.push(name, value);
        }
    }
}

impl std::fmt::Display for QueryString {
    /// `?a=1&b=2`, or nothing when empty.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (index, (name, value)) in self.0.iter().enumerate() {
            let separator = if index == 0 { '?' } else { '&' };
            write!(
                f,
                "{separator}{}={}",
                utf8_percent_encode(name, ALIAS_VALUE),
                utf8_percent_encode(value, ALIAS_VALUE)
            )?;
        }
        Ok(())
    }
}

/// An entity key written as a path segment (`machines/{id}`): the raw value, percent-encoded.
pub fn key_segment(value: &str) -> String {
    in_path(value)
}

/// `text` with every character that has a meaning in a URL path or query percent-encoded.
fn in_path(text: &str) -> String {
    utf8_percent_encode(text, IN_PATH).to_string()
}

impl<T: ODataLiteral + ?Sized> ODataLiteral for &T {
    fn to_literal(&self) -> String {
        (**self).to_literal()
    }
}

impl<T: ODataLiteral> ODataLiteral for Option<T> {
    fn to_literal(&self) -> String {
        self.as_ref().map_or_else(|| "null".to_owned(), ODataLiteral::to_literal)
    }
}

/// A primitive is spelled as in `$filter` ([`FilterValue`]) and percent-encoded for the path:
/// one spelling of each value for both places.
macro_rules! path_encoded_literal {
    ($($ty:ty),*) => {$(
        impl ODataLiteral for $ty {
            fn to_literal(&self) -> String {
                in_path(&self.filter_literal())
            }
        }
    )*};
}
path_encoded_literal!(
    str,
    String,
    bool,
    u8,
    i8,
    i16,
    i32,
    i64,
    f32,
    f64,
    edm::DateTimeOffset,
    edm::Date,
    edm::TimeOfDay,
    edm::Decimal,
    edm::Guid,
    edm::Duration,
    edm::Binary
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_follow_the_odata_abnf() {
        assert_eq!("it's".to_literal(), "'it''s'");
        assert_eq!(42i64.to_literal(), "42");
        assert_eq!(f64::NEG_INFINITY.to_literal(), "-INF");
        assert_eq!(true.to_literal(), "true");
        assert_eq!(Option::<i32>::None.to_literal(), "null");
        let when = edm::DateTimeOffset::parse("2024-01-01T10:00:00+02:00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(when.to_literal(), "2024-01-01T10:00:00%2B02:00");
        let span = edm::Duration::parse("P1DT2H").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(span.to_literal(), "duration'P1DT2H'");
        assert_eq!(edm::Binary::from(vec![1, 2, 3, 255]).to_literal(), "binary'AQID_w=='");
    }

    /// A path literal is the `$filter` literal, percent-encoded: the two never spell a value
    /// differently.
    #[test]
    fn path_literals_are_filter_literals_percent_encoded() {
        use crate::filter::FilterValue;

        assert_eq!("a b/c'd".filter_literal(), "'a b/c''d'");
        assert_eq!("a b/c'd".to_literal(), "'a%20b%2Fc''d'");
        let when = edm::DateTimeOffset::parse("2024-01-01T10:00:00+02:00").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(when.filter_literal(), "2024-01-01T10:00:00+02:00");
        assert_eq!(f64::NAN.filter_literal(), f64::NAN.to_literal());
        assert_eq!(edm::Binary::from(vec![1, 2, 3, 255]).filter_literal(), "binary'AQID_w=='");
    }

    #[test]
    fn a_value_cannot_change_the_shape_of_the_url() {
        assert_eq!(key_segment("a/b?c#d e"), "a%2Fb%3Fc%23d%20e");
        assert_eq!(quote_string("x')/evil?$top=1"), "'x'')%2Fevil%3F$top=1'");
    }
}
