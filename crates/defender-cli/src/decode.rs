//! `defender decode`: check that the SDK decodes a saved response body without losing anything.
//!
//! The type comes from `--type` (a CSDL name, `Machine` or `Collection(Machine)`) or from the
//! body's `@odata.context`. The body is decoded into the generated type, written back as JSON,
//! and compared with the input: every member of the input must be in the output with the same
//! value.

use std::fmt;

use defender_runtime::catalog::TypeInfo;
use defender_runtime::edm::Primitive;
use defender_runtime::lossless::{Loss, first_loss};
use defender_sdk::catalog::CATALOG;
use defender_sdk::registry::{ROOTS, TYPES, decode_as};
use serde_json::Value;

/// Why a body did not pass.
#[derive(Debug)]
pub enum Failure {
    /// The input is not JSON.
    NotJson(String),
    /// No type was given and `@odata.context` names none this SDK knows.
    UnknownType(String),
    /// The body does not decode as the type.
    Decode(String),
    /// Something in the input is missing from, or changed in, the output.
    Lost(Loss),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::NotJson(why) => write!(f, "the input is not JSON: {why}"),
            Failure::UnknownType(why) => write!(f, "{why}"),
            Failure::Decode(why) => write!(f, "does not decode: {why}"),
            Failure::Lost(loss) => write!(f, "lost in decoding: {loss}"),
        }
    }
}

/// What was decoded, and the value written back.
#[derive(Debug)]
pub struct Decoded {
    /// The qualified CSDL type the body was decoded as.
    pub type_name: String,
    /// Whether it was decoded as a collection page.
    pub collection: bool,
    /// The decoded value written back as JSON.
    pub output: Value,
    /// What the SDK kept without a typed field, or kept though it does not fit its type.
    pub kept: Vec<Kept>,
}

/// Members of a body that decoded without loss but not into typed fields: where the spec lags
/// behind the service. Paths are grouped over collection items (`value[*].newField`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// The JSON path, with `[*]` for array indices.
    pub path: String,
    /// Why it is kept as it was sent.
    pub why: &'static str,
    /// In how many places (items of a page, elements of arrays) it occurred.
    pub count: usize,
}

/// Why a member is [`Kept`]: the type declares no such property.
pub const UNDECLARED: &str = "no typed field: kept as raw JSON";
/// Why a member is [`Kept`]: an `Edm.Guid` value that is not a GUID.
pub const NOT_A_GUID: &str = "not a GUID: kept as sent in edm::Guid";

/// Decodes `body` as `type_name` (or the type its `@odata.context` names) and checks that the
/// result keeps everything.
pub fn decode(body: &[u8], type_name: Option<&str>) -> Result<Decoded, Failure> {
    let input: Value = serde_json::from_slice(body).map_err(|e| Failure::NotJson(e.to_string()))?;
    let has_value_array = input.get("value").is_some_and(Value::is_array);
    let (name, collection) = match type_name {
        Some(name) => match name.trim().strip_prefix("Collection(").and_then(|n| n.strip_suffix(')')) {
            Some(inner) => (resolve_type(inner)?, true),
            None => (resolve_type(name.trim())?, false),
        },
        None => from_context(&input, has_value_array)?,
    };
    let output = match decode_as(&name, collection, body) {
        Some(Ok(output)) => output,
        Some(Err(error)) => return Err(Failure::Decode(error.to_string())),
        None => return Err(Failure::UnknownType(format!("no type named {name}"))),
    };
    match first_loss(&input, &output) {
        Some(loss) => Err(Failure::Lost(loss)),
        None => {
            let kept = kept_members(&input, &name, collection);
            Ok(Decoded { type_name: name, collection, output, kept })
        }
    }
}

/// Walks `input` beside the catalog's description of `type_name`, collecting the members that
/// no typed field holds.
pub fn kept_members(input: &Value, type_name: &str, collection: bool) -> Vec<Kept> {
    let mut found: Vec<Kept> = Vec::new();
    let mut note =
        |path: String, why: &'static str| match found.iter_mut().find(|k| k.path == path && k.why == why) {
            Some(kept) => kept.count += 1,
            None => found.push(Kept { path, why, count: 1 }),
        };
    let Some(ty) = CATALOG.type_info(type_name) else { return Vec::new() };
    match (collection, input.get("value")) {
        (true, Some(Value::Array(items))) => {
            for item in items {
                walk(item, ty, "value[*]", &mut note);
            }
        }
        _ => walk(input, ty, "", &mut note),
    }
    found
}

fn walk(value: &Value, declared: &'static TypeInfo, path: &str, note: &mut dyn FnMut(String, &'static str)) {
    let Value::Object(members) = value else { return };
    // A derived type named by `@odata.type` declares more than the slot's type.
    let ty = members
        .get("@odata.type")
        .and_then(Value::as_str)
        .and_then(|name| CATALOG.type_info(name.trim_start_matches('#')))
        .unwrap_or(declared);
    let properties = CATALOG.properties(ty);
    for (name, member) in members {
        if name.contains('@') {
            continue;
        }
        let member_path = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
        let Some(property) = properties.iter().find(|p| p.name == name) else {
            note(member_path, UNDECLARED);
            continue;
        };
        let elements: Vec<(&Value, String)> = match (property.ty.collection, member) {
            (true, Value::Array(items)) => {
                items.iter().map(|item| (item, format!("{member_path}[*]"))).collect()
            }
            _ => vec![(member, member_path)],
        };
        for (element, element_path) in elements {
            if property.ty.primitive() == Some(Primitive::Guid)
                && let Value::String(text) = element
                && !text.parse::<defender_sdk::edm::Guid>().is_ok_and(|g| g.is_valid())
            {
                note(element_path, NOT_A_GUID);
            } else if let Some(inner) =
                CATALOG.type_info(property.ty.name).filter(|t| t.structure().is_some())
            {
                walk(element, inner, &element_path, note);
            }
        }
    }
}

/// The qualified name of a type given by its qualified or bare name, any case.
fn resolve_type(name: &str) -> Result<String, Failure> {
    let bare = name.rsplit('.').next().unwrap_or(name);
    TYPES
        .iter()
        .find(|(qualified, _)| qualified.eq_ignore_ascii_case(name))
        .or_else(|| {
            TYPES.iter().find(|(qualified, _)| {
                qualified.rsplit('.').next().is_some_and(|b| b.eq_ignore_ascii_case(bare))
            })
        })
        .map(|(qualified, _)| (*qualified).to_owned())
        .ok_or_else(|| {
            Failure::UnknownType(format!("no type named {name}; `defender decode --list-types` lists them"))
        })
}

/// The type and shape an `@odata.context` names: `#machines`, `#machines/$entity`,
/// `#machines('id')`, `#Collection(ns.Type)`, `#ns.Type`, or an entity set followed by a
/// type-cast segment.
fn from_context(input: &Value, has_value_array: bool) -> Result<(String, bool), Failure> {
    let context = input
        .get("@odata.context")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::UnknownType("no --type given and the body has no @odata.context".into()))?;
    let fragment = context.trim().rsplit_once('#').map_or(context.trim(), |(_, f)| f);
    let single_marker = fragment.ends_with("/$entity");
    let fragment = fragment.trim_end_matches("/$entity");
    if let Some(inner) = fragment.strip_prefix("Collection(").and_then(|f| f.strip_suffix(')')) {
        return Ok((resolve_type(inner)?, true));
    }
    let mut segments = fragment.split('/');
    let first = segments.next().unwrap_or_default();
    // `Machines('1e5b')` addresses one entity by key; `Alerts(title,severity)` is a `$select`
    // projection of the set, still a collection.
    let keyed = first.split_once('(').is_some_and(|(_, inside)| {
        inside.starts_with(|c: char| c == '\'' || c.is_ascii_digit()) || inside.contains('=')
    });
    let root = first.split('(').next().unwrap_or(first);
    // A type-cast segment after the set names the type more precisely.
    let cast = segments.find(|s| s.contains('.')).map(str::to_owned);
    let type_name = match cast {
        Some(cast) => resolve_type(&cast)?,
        None => match ROOTS.iter().find(|(name, _)| name.eq_ignore_ascii_case(root)) {
            Some((_, ty)) => (*ty).to_owned(),
            None => resolve_type(root).map_err(|_| {
                Failure::UnknownType(format!("@odata.context {context:?} names no type this SDK knows"))
            })?,
        },
    };
    let collection = !single_marker && !keyed && has_value_array;
    Ok((type_name, collection))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_without_a_typed_field_are_found_by_path_and_counted() {
        let page = serde_json::json!({
            "@odata.context": "https://x/api/$metadata#Machines",
            "value": [
                {"id": "a", "newField": 1, "aadDeviceId": "not-a-guid", "ipAddresses": [{"ipAddress": "10.0.0.1", "vendorExtra": true}]},
                {"id": "b", "newField": 2, "aadDeviceId": "5ba3b2d5-7b4e-4b52-9a4f-2f3b0a9e7c11", "@odata.etag": "W/1"}
            ]
        });
        let kept = kept_members(&page, "microsoft.windowsDefenderATP.api.Machine", true);
        assert_eq!(
            kept,
            vec![
                Kept { path: "value[*].aadDeviceId".into(), why: NOT_A_GUID, count: 1 },
                Kept { path: "value[*].ipAddresses[*].vendorExtra".into(), why: UNDECLARED, count: 1 },
                Kept { path: "value[*].newField".into(), why: UNDECLARED, count: 2 },
            ]
        );
        assert!(kept_members(&serde_json::json!({"id": "a"}), "Machine", false).is_empty());
    }

    #[test]
    fn context_forms_name_the_type_and_shape() {
        let cases = [
            ("https://api.security.microsoft.com/api/$metadata#Machines/$entity", false, "Machine", false),
            ("https://x/api/$metadata#Machines", true, "Machine", true),
            ("https://x/api/$metadata#Machines('1e5b')", false, "Machine", false),
            ("https://x/api/$metadata#Alerts(title,severity)", true, "Alert", true),
            (
                "https://x/api/$metadata#Collection(microsoft.windowsDefenderATP.api.Alert)",
                true,
                "Alert",
                true,
            ),
            ("https://x/api/$metadata#ExposureScore/$entity", false, "ExposureScore", false),
            (
                "https://api-us.securitycenter.windows.com/api/$metadata#ExposureScore",
                true,
                "ExposureScore",
                true,
            ),
        ];
        for (context, has_value, expected, collection) in cases {
            let input = serde_json::json!({"@odata.context": context});
            let (name, is_collection) =
                from_context(&input, has_value).unwrap_or_else(|e| panic!("{context}: {e}"));
            assert!(name.ends_with(&format!(".{expected}")), "{context}: {name}");
            assert_eq!(is_collection, collection, "{context}");
        }
    }
}
