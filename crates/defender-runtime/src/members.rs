//! The members of a JSON object that a generated type keeps beside its declared properties:
//! instance annotations ([`Annotations`]) and members the metadata does not declare
//! ([`RawMembers`]).
//!
//! Microsoft adds fields to Defender's responses without notice. Generated types keep each one
//! as its raw JSON text rather than as a parsed [`Value`]: keeping costs one copy of the text
//! instead of a tree of maps and strings per member, numbers keep their exact digits (an
//! integer past 2^53 or a `1.10` is written back unchanged), and members keep the order they
//! arrived in. Callers parse a member when they read it, into whatever type they expect.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::LazyLock;

use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use thin_vec::ThinVec;

/// Undeclared members of a JSON object, in the order they arrived, each as raw JSON text.
///
/// Serializes as the members of an object (generated types write them into their own), writing
/// each value back byte for byte. One pointer wide, with its length and capacity kept beside
/// the members (a [`ThinVec`]): a page holds one per item, and nearly all are empty.
///
/// ```
/// use defender_runtime::members::RawMembers;
///
/// let members: RawMembers = serde_json::from_str(r#"{"managedBy": "Intune", "big": 12345678901234567890123}"#)?;
/// assert_eq!(members.get("big").map(|raw| raw.get()), Some("12345678901234567890123"));
/// assert_eq!(members.get_as::<String>("managedBy").transpose()?, Some("Intune".to_owned()));
/// assert_eq!(serde_json::to_string(&members)?, r#"{"managedBy":"Intune","big":12345678901234567890123}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Default)]
pub struct RawMembers(ThinVec<Member>);

type Member = (String, Box<RawValue>);

impl RawMembers {
    /// No members.
    pub const fn new() -> Self {
        Self(ThinVec::new())
    }

    fn members(&self) -> &[Member] {
        &self.0
    }

    fn members_mut(&mut self) -> &mut ThinVec<Member> {
        &mut self.0
    }

    /// How many members there are.
    pub fn len(&self) -> usize {
        self.members().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.members().is_empty()
    }

    /// Whether a member has this name.
    pub fn contains_key(&self, name: &str) -> bool {
        self.position(name).is_some()
    }

    /// The raw JSON text of a member.
    pub fn get(&self, name: &str) -> Option<&RawValue> {
        self.position(name).map(|at| &*self.members()[at].1)
    }

    /// A member parsed as `T`, or `None` when there is no such member.
    ///
    /// ```
    /// # use defender_runtime::members::RawMembers;
    /// # let members: RawMembers = serde_json::from_str(r#"{"vmMetadata": {"vmId": "a"}}"#)?;
    /// let metadata: Option<serde_json::Value> = members.get_as("vmMetadata").transpose()?;
    /// assert_eq!(metadata, Some(serde_json::json!({"vmId": "a"})));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn get_as<T: DeserializeOwned>(&self, name: &str) -> Option<serde_json::Result<T>> {
        self.get(name).map(|raw| serde_json::from_str(raw.get()))
    }

    /// Adds or replaces a member with raw JSON text, returning the text it replaced.
    pub fn insert_raw(&mut self, name: String, value: Box<RawValue>) -> Option<Box<RawValue>> {
        match self.position(&name) {
            Some(at) => Some(std::mem::replace(&mut self.members_mut()[at].1, value)),
            None => {
                self.members_mut().push((name, value));
                None
            }
        }
    }

    /// Adds or replaces a member with any serializable value, returning the text it replaced.
    ///
    /// # Errors
    ///
    /// When `value` cannot be written as JSON (a map with non-string keys, for example).
    pub fn insert<T: Serialize + ?Sized>(
        &mut self,
        name: impl Into<String>,
        value: &T,
    ) -> serde_json::Result<Option<Box<RawValue>>> {
        Ok(self.insert_raw(name.into(), serde_json::value::to_raw_value(value)?))
    }

    /// Removes a member, returning its text.
    pub fn remove(&mut self, name: &str) -> Option<Box<RawValue>> {
        self.position(name).map(|at| self.members_mut().remove(at).1)
    }

    /// The members in the order they arrived.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.members().iter())
    }

    /// The members' names in the order they arrived.
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &str> {
        self.members().iter().map(|(name, _)| name.as_str())
    }

    /// The members parsed into a JSON map.
    ///
    /// # Errors
    ///
    /// Only when a member's text is not JSON, which decoding never produces.
    pub fn to_map(&self) -> serde_json::Result<Map<String, Value>> {
        self.members()
            .iter()
            .map(|(name, value)| Ok((name.clone(), serde_json::from_str(value.get())?)))
            .collect()
    }

    /// Appends a member as decoding reads it. Generated decoders push every undeclared member
    /// and call [`Self::keep_last_duplicates`] once at the end, so that reading an object of n
    /// members is not n² comparisons.
    #[doc(hidden)]
    pub fn push_raw(&mut self, name: String, value: Box<RawValue>) {
        self.members_mut().push((name, value));
    }

    /// Drops every member that a later member of the same name replaces: a JSON object that
    /// repeats a name means its last value, as in `serde_json::Map`.
    #[doc(hidden)]
    #[inline]
    pub fn keep_last_duplicates(&mut self) {
        // Nearly every object has no undeclared member, or one.
        if self.0.len() > 1 {
            self.drop_replaced();
        }
    }

    fn drop_replaced(&mut self) {
        let members = &mut self.0;
        let replaced: Vec<bool> = if members.len() <= 16 {
            // Few members (the usual case): comparing each with the later ones allocates nothing
            // unless a name repeats.
            let repeats = |at: usize| members[at + 1..].iter().any(|(later, _)| *later == members[at].0);
            if !(0..members.len()).any(repeats) {
                return;
            }
            (0..members.len()).map(repeats).collect()
        } else {
            let mut seen = std::collections::HashSet::with_capacity(members.len());
            let mut replaced: Vec<bool> =
                members.iter().rev().map(|(name, _)| !seen.insert(name.as_str())).collect();
            replaced.reverse();
            replaced
        };
        let mut replaced = replaced.into_iter();
        members.retain(|_| !replaced.next().unwrap_or(false));
    }

    fn position(&self, name: &str) -> Option<usize> {
        // The last of several members with one name is the one JSON means.
        self.members().iter().rposition(|(key, _)| key == name)
    }
}

impl fmt::Debug for RawMembers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        /// The text as it is, not as a quoted string.
        struct Text<'a>(&'a str);
        impl fmt::Debug for Text<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0)
            }
        }
        f.debug_map().entries(self.members().iter().map(|(name, value)| (name, Text(value.get())))).finish()
    }
}

/// Members are equal when they have the same names with equal JSON values, in any order and
/// whatever the whitespace or number spelling of their text.
impl PartialEq for RawMembers {
    fn eq(&self, other: &Self) -> bool {
        fn same(a: &RawValue, b: &RawValue) -> bool {
            a.get() == b.get()
                || matches!(
                    (serde_json::from_str::<Value>(a.get()), serde_json::from_str::<Value>(b.get())),
                    (Ok(a), Ok(b)) if a == b
                )
        }
        self.len() == other.len()
            && self.iter().all(|(name, value)| other.get(name).is_some_and(|theirs| same(value, theirs)))
    }
}

impl Serialize for RawMembers {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (name, value) in self.members() {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for RawMembers {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = RawMembers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawMembers, A::Error> {
                let mut members = RawMembers::new();
                while let Some((name, value)) = map.next_entry::<String, Box<RawValue>>()? {
                    members.push_raw(name, value);
                }
                members.keep_last_duplicates();
                Ok(members)
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

impl<'a> IntoIterator for &'a RawMembers {
    type Item = (&'a str, &'a RawValue);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The members of a [`RawMembers`] in the order they arrived, as names and raw JSON text.
#[derive(Clone, Debug)]
pub struct Iter<'a>(std::slice::Iter<'a, Member>);

fn borrow_member(member: &Member) -> (&str, &RawValue) {
    (member.0.as_str(), &member.1)
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, &'a RawValue);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(borrow_member)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(borrow_member)
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl std::iter::FusedIterator for Iter<'_> {}

impl TryFrom<Map<String, Value>> for RawMembers {
    type Error = serde_json::Error;
    fn try_from(map: Map<String, Value>) -> serde_json::Result<Self> {
        let members: ThinVec<Member> = map
            .into_iter()
            .map(|(name, value)| Ok((name, serde_json::value::to_raw_value(&value)?)))
            .collect::<serde_json::Result<_>>()?;
        Ok(Self(members))
    }
}

/// The instance annotations of a value (`@odata.context`, `@odata.type`, `score@odata.type`):
/// a JSON map, read and changed through [`Deref`] to [`Map`].
///
/// It takes one pointer while empty, as it nearly always is for the items of a collection, so a
/// 10,000-item page does not carry 10,000 empty maps.
///
/// ```
/// use defender_runtime::members::Annotations;
/// use serde_json::json;
///
/// let mut annotations = Annotations::default();
/// assert!(annotations.is_empty());
/// annotations.insert("@odata.type".into(), json!("#microsoft.windowsDefenderATP.api.Machine"));
/// assert_eq!(annotations.get("@odata.type"), Some(&json!("#microsoft.windowsDefenderATP.api.Machine")));
/// ```
#[derive(Clone, Default)]
pub struct Annotations(Option<Box<Map<String, Value>>>);

/// What an empty [`Annotations`] reads as.
static NO_ANNOTATIONS: LazyLock<Map<String, Value>> = LazyLock::new(Map::new);

impl Annotations {
    /// No annotations.
    pub const fn new() -> Self {
        Self(None)
    }

    /// The annotations as a map.
    pub fn into_map(self) -> Map<String, Value> {
        self.0.map(|map| *map).unwrap_or_default()
    }
}

impl Deref for Annotations {
    type Target = Map<String, Value>;
    fn deref(&self) -> &Map<String, Value> {
        self.0.as_deref().unwrap_or(&NO_ANNOTATIONS)
    }
}

impl DerefMut for Annotations {
    fn deref_mut(&mut self) -> &mut Map<String, Value> {
        self.0.get_or_insert_with(Box::default)
    }
}

impl From<Map<String, Value>> for Annotations {
    fn from(map: Map<String, Value>) -> Self {
        Self((!map.is_empty()).then(|| Box::new(map)))
    }
}

impl PartialEq for Annotations {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl fmt::Debug for Annotations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl Serialize for Annotations {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Annotations {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn members(json: &str) -> RawMembers {
        serde_json::from_str(json).expect(json)
    }

    /// Every item of a page carries both, nearly always empty: each costs one pointer.
    #[test]
    fn both_are_one_pointer_wide() {
        assert_eq!(std::mem::size_of::<RawMembers>(), std::mem::size_of::<usize>());
        assert_eq!(std::mem::size_of::<Annotations>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn iterating_by_reference_walks_both_ways_in_arrival_order() {
        let kept = members(r#"{"b": 1, "a": [2], "c": "3"}"#);
        let forward: Vec<(&str, &str)> = (&kept).into_iter().map(|(name, raw)| (name, raw.get())).collect();
        assert_eq!(forward, [("b", "1"), ("a", "[2]"), ("c", "\"3\"")]);
        let backward: Vec<&str> = kept.iter().rev().map(|(name, _)| name).collect();
        assert_eq!(backward, ["c", "a", "b"]);
        assert_eq!(kept.iter().len(), 3);
    }

    #[test]
    fn values_are_written_back_byte_for_byte_in_arrival_order() {
        let text = r#"{"z":1.10,"a":{"b" : [1, 2]},"big":123456789012345678901234567890,"n":null}"#;
        let kept = members(text);
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["z", "a", "big", "n"]);
        assert_eq!(serde_json::to_string(&kept).ok().as_deref(), Some(text));
    }

    #[test]
    fn a_repeated_name_means_its_last_value() {
        let kept = members(r#"{"a": 1, "b": 2, "a": 3}"#);
        assert_eq!(kept.len(), 2);
        assert_eq!(kept.get("a").map(RawValue::get), Some("3"));
        assert_eq!(serde_json::to_string(&kept).ok().as_deref(), Some(r#"{"b":2,"a":3}"#));
    }

    #[test]
    fn equality_is_by_json_value_not_by_spelling_or_order() {
        assert_eq!(members(r#"{"a": {"x": 1}, "b": 2}"#), members(r#"{"b":2,"a":{"x":1}}"#));
        assert_ne!(members(r#"{"a": 1}"#), members(r#"{"a": 2}"#));
        assert_ne!(members(r#"{"a": 1}"#), members(r#"{"a": 1, "b": 1}"#));
    }

    #[test]
    fn members_are_read_parsed_inserted_and_removed() {
        let mut kept = members(r#"{"managedBy": "Intune"}"#);
        assert_eq!(kept.get_as::<String>("managedBy").and_then(Result::ok).as_deref(), Some("Intune"));
        assert!(kept.get_as::<u32>("managedBy").is_some_and(|r| r.is_err()));
        assert!(kept.get_as::<String>("absent").is_none());
        assert!(kept.insert("comment", &json!("resolved")).is_ok_and(|old| old.is_none()));
        assert_eq!(
            kept.to_map().ok(),
            Some(
                json!({"managedBy": "Intune", "comment": "resolved"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default()
            )
        );
        assert_eq!(kept.remove("managedBy").map(|raw| raw.get().to_owned()).as_deref(), Some("\"Intune\""));
        assert!(!kept.contains_key("managedBy"));
        assert_eq!(format!("{kept:?}"), r#"{"comment": "resolved"}"#);
    }

    #[test]
    fn annotations_read_as_a_map_and_allocate_only_when_written() {
        let mut annotations = Annotations::new();
        assert_eq!(std::mem::size_of::<Annotations>(), std::mem::size_of::<usize>());
        assert!(annotations.is_empty() && annotations.get("@odata.type").is_none());
        assert_eq!(annotations, Annotations::from(Map::new()));
        annotations.insert("@odata.etag".into(), json!("W/\"1\""));
        assert_ne!(annotations, Annotations::new());
        assert_eq!(serde_json::to_value(&annotations).ok(), Some(json!({"@odata.etag": "W/\"1\""})));
        assert_eq!(format!("{annotations:?}"), r#"{"@odata.etag": String("W/\"1\"")}"#);
        assert_eq!(annotations.into_map().len(), 1);
    }

    #[test]
    fn members_decode_from_a_json_value_too() {
        // Derived types are dispatched on `@odata.type` from a buffered `Value`.
        let kept: RawMembers = serde_json::from_value(json!({"a": [1, {"b": null}]})).expect("from a Value");
        assert_eq!(kept.get("a").map(RawValue::get), Some(r#"[1,{"b":null}]"#));
    }
}
