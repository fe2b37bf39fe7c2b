//! Bodies for create and update requests, where leaving a field out, sending `null` and
//! sending a value are three different requests.

use serde::{Serialize, Serializer};

/// One field of a create or update body.
///
/// `Absent` fields are not sent at all (the service keeps the current value), `Null` sends
/// `null` (the service clears the value), `Value` sends the value.
///
/// ```
/// use defender_runtime::Patch;
///
/// #[derive(serde::Serialize, Default)]
/// struct AlertChanges {
///     #[serde(skip_serializing_if = "Patch::is_absent")]
///     status: Patch<String>,
///     #[serde(rename = "assignedTo", skip_serializing_if = "Patch::is_absent")]
///     assigned_to: Patch<String>,
///     #[serde(skip_serializing_if = "Patch::is_absent")]
///     comment: Patch<String>,
/// }
///
/// let changes = AlertChanges {
///     status: "Resolved".to_owned().into(),
///     assigned_to: Patch::Null,
///     ..Default::default()
/// };
/// assert_eq!(serde_json::to_string(&changes).unwrap(), r#"{"status":"Resolved","assignedTo":null}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Patch<T> {
    /// Not sent.
    #[default]
    Absent,
    /// Sent as `null`.
    Null,
    /// Sent as the value.
    Value(T),
}

impl<T> Patch<T> {
    /// Whether the field is left out of the body.
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }

    /// The value, if one is set.
    pub fn as_value(&self) -> Option<&T> {
        match self {
            Patch::Value(value) => Some(value),
            _ => None,
        }
    }
}

impl<T> From<T> for Patch<T> {
    fn from(value: T) -> Self {
        Patch::Value(value)
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// `Some` sends the value, `None` sends `null`.
    fn from(value: Option<T>) -> Self {
        value.map_or(Patch::Null, Patch::Value)
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // Only reached when the field is not skipped (inside a collection, say), where
            // leaving it out is impossible: `null` is the nearest meaning.
            Patch::Absent | Patch::Null => serializer.serialize_none(),
            Patch::Value(value) => value.serialize(serializer),
        }
    }
}
