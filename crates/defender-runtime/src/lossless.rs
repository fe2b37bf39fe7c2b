//! Checking that a decoded value, written back, still holds everything the service sent.

use std::fmt;

use serde_json::Value;

/// Where a value lost something, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loss {
    /// The JSON path of the member (`$.value[3].machineTags`).
    pub path: String,
    /// What happened to it.
    pub what: String,
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.what)
    }
}

/// The first thing in `original` that `written` does not keep: a member of any object missing,
/// or a value changed. Members `written` adds (declared properties the input left out, written
/// as `null`) are not losses, and neither is a number written in the declared form when it
/// arrived as a string (or the reverse) with the same text, nor a member written under the
/// declared spelling of the property it was matched to ignoring case (`DeviceId` as `deviceId`).
///
/// ```
/// use defender_runtime::lossless::first_loss;
/// use serde_json::json;
///
/// let sent = json!({"id": "a", "tags": ["x"], "newField": 1});
/// assert_eq!(first_loss(&sent, &json!({"id": "a", "tags": ["x"], "newField": 1, "other": null})), None);
/// let loss = first_loss(&sent, &json!({"id": "a", "tags": ["x"]})).unwrap();
/// assert_eq!(loss.to_string(), "$.newField: missing from the output");
/// ```
pub fn first_loss(original: &Value, written: &Value) -> Option<Loss> {
    walk(original, written, "$")
}

fn walk(original: &Value, written: &Value, path: &str) -> Option<Loss> {
    let loss = |what: String| Some(Loss { path: path.to_owned(), what });
    match (original, written) {
        (Value::Object(original), Value::Object(written)) => original.iter().find_map(|(key, value)| {
            let path = format!("{path}.{key}");
            // A member matched to a declared property ignoring case (export rows spell
            // `DeviceId` where the API spells `deviceId`) is written under the declared spelling.
            let respelled =
                || written.iter().find(|(other, _)| other.eq_ignore_ascii_case(key)).map(|(_, v)| v);
            match written.get(key).or_else(respelled) {
                Some(found) => walk(value, found, &path),
                None => Some(Loss { path, what: "missing from the output".into() }),
            }
        }),
        (Value::Array(original), Value::Array(written)) => {
            if original.len() != written.len() {
                return loss(format!("{} items became {}", original.len(), written.len()));
            }
            original
                .iter()
                .zip(written)
                .enumerate()
                .find_map(|(i, (o, w))| walk(o, w, &format!("{path}[{i}]")))
        }
        (Value::String(text), Value::Number(number)) | (Value::Number(number), Value::String(text))
            if *text == number.to_string() =>
        {
            None
        }
        (Value::Number(a), Value::Number(b)) if a.as_f64().is_some() && a.as_f64() == b.as_f64() => None,
        _ if original == written => None,
        _ => loss(format!("{original} became {written}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_respelled_in_the_declared_case_is_kept_but_a_dropped_one_is_not() {
        let sent = serde_json::json!({"DeviceId": "d1", "Extra": 1});
        assert_eq!(first_loss(&sent, &serde_json::json!({"deviceId": "d1", "Extra": 1})), None);
        let changed = first_loss(&sent, &serde_json::json!({"deviceId": "d2", "Extra": 1}));
        assert_eq!(changed.map(|l| l.path), Some("$.DeviceId".to_owned()));
        let dropped = first_loss(&sent, &serde_json::json!({"deviceId": "d1"}));
        assert_eq!(dropped.map(|l| l.to_string()), Some("$.Extra: missing from the output".to_owned()));
    }
}
