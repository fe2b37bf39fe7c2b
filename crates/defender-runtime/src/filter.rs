//! Typed `$filter`, `$select` and `$orderby`: expressions built from the property constants the
//! generated types carry, with literals written as OData writes them.
//!
//! ```
//! use defender_runtime::filter::Property;
//!
//! const HEALTH: Property<String> = Property::new("healthStatus");
//! const GROUP: Property<i64> = Property::new("rbacGroupId");
//! const TAGS: Property<Vec<String>> = Property::new("machineTags");
//!
//! let filter = HEALTH.eq("Active").and(GROUP.is_in([10, 11]).or(TAGS.any(|tag| tag.eq("vip"))));
//! assert_eq!(
//!     filter.to_string(),
//!     "healthStatus eq 'Active' and (rbacGroupId in (10,11) or machineTags/any(t0: t0 eq 'vip'))"
//! );
//! ```

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use crate::edm;

/// A value written as an OData literal inside `$filter` (the query string is encoded as a
/// whole afterwards, so nothing is percent-encoded here).
pub trait FilterValue {
    /// The literal: `'text'` with quotes doubled, `42`, `true`, `null`, `2024-01-01T00:00:00Z`.
    fn filter_literal(&self) -> String;
}

impl FilterValue for str {
    fn filter_literal(&self) -> String {
        format!("'{}'", self.replace('\'', "''"))
    }
}

impl FilterValue for String {
    fn filter_literal(&self) -> String {
        self.as_str().filter_literal()
    }
}

impl<T: FilterValue + ?Sized> FilterValue for &T {
    fn filter_literal(&self) -> String {
        (**self).filter_literal()
    }
}

impl<T: FilterValue> FilterValue for Option<T> {
    fn filter_literal(&self) -> String {
        self.as_ref().map_or_else(|| "null".to_owned(), FilterValue::filter_literal)
    }
}

macro_rules! display_value {
    ($($ty:ty),*) => {$(
        impl FilterValue for $ty {
            fn filter_literal(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
display_value!(
    bool,
    u8,
    i8,
    i16,
    i32,
    i64,
    edm::DateTimeOffset,
    edm::Date,
    edm::TimeOfDay,
    edm::Decimal,
    edm::Guid
);

macro_rules! float_value {
    ($($ty:ty),*) => {$(
        impl FilterValue for $ty {
            fn filter_literal(&self) -> String {
                if self.is_nan() {
                    "NaN".to_owned()
                } else if self.is_infinite() {
                    if *self > 0.0 { "INF".to_owned() } else { "-INF".to_owned() }
                } else {
                    self.to_string()
                }
            }
        }
    )*};
}
float_value!(f32, f64);

impl FilterValue for edm::Duration {
    fn filter_literal(&self) -> String {
        format!("duration'{self}'")
    }
}

impl FilterValue for edm::Binary {
    fn filter_literal(&self) -> String {
        format!("binary'{self}'")
    }
}

/// A value that can be compared with a property of type `T`: a `T` itself, a reference to one,
/// or a `&str` for a string property.
pub trait IntoFilterValue<T: ?Sized> {
    /// The literal.
    fn into_literal(self) -> String;
}

impl<T: FilterValue> IntoFilterValue<T> for T {
    fn into_literal(self) -> String {
        self.filter_literal()
    }
}

impl<T: FilterValue + ?Sized> IntoFilterValue<T> for &T {
    fn into_literal(self) -> String {
        self.filter_literal()
    }
}

impl IntoFilterValue<String> for &str {
    fn into_literal(self) -> String {
        self.filter_literal()
    }
}

/// Writes an enumeration member as OData 4.01 allows and the Defender API expects: the member
/// name quoted, without the type's name.
pub fn enum_filter_literal(member: &str) -> String {
    member.filter_literal()
}

/// A property of type `T`, by its path from the entity (`healthStatus`, `ipAddresses/ipAddress`).
#[derive(Debug)]
pub struct Property<T: ?Sized> {
    path: Cow<'static, str>,
    _type: PhantomData<fn() -> Box<T>>,
}

impl<T: ?Sized> Clone for Property<T> {
    fn clone(&self) -> Self {
        Self { path: self.path.clone(), _type: PhantomData }
    }
}

/// A `$filter` expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    text: String,
    /// 0 for `or`, 1 for `and`, 2 for anything that needs no parentheses.
    precedence: u8,
}

impl<T: ?Sized> Property<T> {
    /// The property at `path`, for the generated constants.
    pub const fn new(path: &'static str) -> Self {
        Self { path: Cow::Borrowed(path), _type: PhantomData }
    }

    fn at(path: String) -> Self {
        Self { path: Cow::Owned(path), _type: PhantomData }
    }

    /// The property's path, for `$select`.
    pub fn name(&self) -> &str {
        &self.path
    }

    /// A property of this (complex) property: `location/city`.
    pub fn get<U: ?Sized>(&self, inner: Property<U>) -> Property<U> {
        Property::at(format!("{}/{}", self.path, inner.path))
    }

    /// `$orderby` ascending.
    pub fn asc(&self) -> String {
        format!("{} asc", self.path)
    }

    /// `$orderby` descending.
    pub fn desc(&self) -> String {
        format!("{} desc", self.path)
    }

    fn compare(&self, operator: &str, literal: String) -> Filter {
        Filter { text: format!("{} {operator} {literal}", self.path), precedence: 2 }
    }

    /// `path eq null`.
    pub fn is_null(&self) -> Filter {
        self.compare("eq", "null".into())
    }

    /// `path ne null`.
    pub fn is_not_null(&self) -> Filter {
        self.compare("ne", "null".into())
    }
}

impl<T: FilterValue + ?Sized> Property<T> {
    /// `path eq value`.
    pub fn eq(&self, value: impl IntoFilterValue<T>) -> Filter {
        self.compare("eq", value.into_literal())
    }

    /// `path ne value`.
    pub fn ne(&self, value: impl IntoFilterValue<T>) -> Filter {
        self.compare("ne", value.into_literal())
    }

    /// `path gt value`.
    pub fn gt(&self, value: impl IntoFilterValue<T>) -> Filter {
        self.compare("gt", value.into_literal())
    }

    /// `path ge value`.
    pub fn ge(&self, value: impl IntoFilterValue<T>) -> Filter {
        self.compare("ge", value.into_literal())
    }

    /// `path lt value`.
    pub fn lt(&self, value: impl IntoFilterValue<T>) -> Filter {
        self.compare("lt", value.into_literal())
    }

    /// `path le value`.
    pub fn le(&self, value: impl IntoFilterValue<T>) -> Filter {
        self.compare("le", value.into_literal())
    }

    /// `path in (a,b,…)`.
    pub fn is_in<V: IntoFilterValue<T>>(&self, values: impl IntoIterator<Item = V>) -> Filter {
        let list: Vec<String> = values.into_iter().map(IntoFilterValue::into_literal).collect();
        self.compare("in", format!("({})", list.join(",")))
    }
}

impl Property<String> {
    /// `startswith(path,'prefix')`.
    pub fn starts_with(&self, prefix: &str) -> Filter {
        Filter { text: format!("startswith({},{})", self.path, prefix.filter_literal()), precedence: 2 }
    }
}

impl<T> Property<Vec<T>> {
    /// `path/any(x: predicate)`, the predicate built from the element `x`.
    pub fn any(&self, predicate: impl FnOnce(Property<T>) -> Filter) -> Filter {
        let depth = self.path.matches("/any(").count() + self.path.matches("/all(").count();
        let variable = format!("t{depth}");
        let inner = predicate(Property::at(variable.clone()));
        Filter { text: format!("{}/any({variable}: {})", self.path, inner.text), precedence: 2 }
    }
}

impl Filter {
    /// Both must hold.
    pub fn and(self, other: Filter) -> Filter {
        Filter { text: format!("{} and {}", self.wrapped(1), other.wrapped(1)), precedence: 1 }
    }

    /// Either must hold.
    pub fn or(self, other: Filter) -> Filter {
        Filter { text: format!("{} or {}", self.wrapped(0), other.wrapped(0)), precedence: 0 }
    }

    fn wrapped(&self, context: u8) -> Cow<'_, str> {
        if self.precedence < context {
            Cow::Owned(format!("({})", self.text))
        } else {
            Cow::Borrowed(&self.text)
        }
    }
}

/// `!filter`: it must not hold.
impl std::ops::Not for Filter {
    type Output = Filter;

    fn not(self) -> Filter {
        Filter { text: format!("not ({})", self.text), precedence: 2 }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<Filter> for String {
    fn from(filter: Filter) -> String {
        filter.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: Property<String> = Property::new("Name");
    const PRICE: Property<f64> = Property::new("Price");
    const RATING: Property<i32> = Property::new("Rating");
    const RELEASED: Property<edm::DateTimeOffset> = Property::new("ReleaseDate");
    const TAGS: Property<Vec<String>> = Property::new("Tags");
    const ADDRESS: Property<()> = Property::new("Address");
    const CITY: Property<String> = Property::new("City");

    /// Cases in the form of the OData URL conventions' and ABNF test cases' `$filter` examples.
    #[test]
    fn expressions_render_as_the_odata_abnf_writes_them() {
        let when = edm::DateTimeOffset::parse("2012-12-03T07:16:23Z").unwrap_or_else(|e| panic!("{e}"));
        let cases = [
            (NAME.eq("Milk"), "Name eq 'Milk'"),
            (NAME.ne("O'Neil"), "Name ne 'O''Neil'"),
            (PRICE.lt(2.55), "Price lt 2.55"),
            (RATING.ge(4).and(PRICE.le(3.5)), "Rating ge 4 and Price le 3.5"),
            (
                RATING.gt(4).or(PRICE.lt(1.0)).and(NAME.eq("Milk")),
                "(Rating gt 4 or Price lt 1) and Name eq 'Milk'",
            ),
            (NAME.eq("a").and(NAME.eq("b")).or(NAME.eq("c")), "Name eq 'a' and Name eq 'b' or Name eq 'c'"),
            (!NAME.eq("Milk"), "not (Name eq 'Milk')"),
            (RELEASED.gt(when), "ReleaseDate gt 2012-12-03T07:16:23Z"),
            (NAME.is_null(), "Name eq null"),
            (NAME.is_in(["Milk", "Cheese"]), "Name in ('Milk','Cheese')"),
            (NAME.starts_with("Mi"), "startswith(Name,'Mi')"),
            (TAGS.any(|t| t.eq("new")), "Tags/any(t0: t0 eq 'new')"),
            (ADDRESS.get(CITY).eq("Redmond"), "Address/City eq 'Redmond'"),
            (PRICE.eq(f64::INFINITY), "Price eq INF"),
        ];
        for (filter, expected) in cases {
            assert_eq!(filter.to_string(), expected);
        }
        assert_eq!(PRICE.desc(), "Price desc");
        assert_eq!(ADDRESS.get(CITY).name(), "Address/City");
    }
}
