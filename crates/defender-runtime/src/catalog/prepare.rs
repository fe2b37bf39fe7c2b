//! Building a request for an endpoint from parameter values given as text, the way a command
//! line or a configuration file has them: each value checked against the parameter's type
//! and written where the endpoint takes it.

use serde_json::{Map, Value};

use crate::edm::{JsonForm, Primitive};

use super::{Catalog, Endpoint, ParameterLocation, Shape, TypeRef, Verb};
use crate::literal::{QueryString, enum_literal, key_segment, quote_string};
use crate::{Error, Result};

/// A request ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedRequest {
    /// The HTTP method.
    pub verb: Verb,
    /// The path relative to the service root, with its query (`machines/findbyip(ip='10.1.1.1')`).
    pub path: String,
    /// The JSON body, for actions, creates and updates.
    pub body: Option<Value>,
}

impl Catalog {
    /// A request for `endpoint` with `arguments` (parameter name and value as text).
    ///
    /// Strings are taken as they are; numbers, booleans and enumeration members are checked;
    /// collections are JSON arrays or comma-separated values; complex values and entities are
    /// JSON. An unknown parameter, a missing required one, or a value of the wrong type is an
    /// [`ErrorKind::Config`](crate::ErrorKind::Config) error naming the parameter.
    ///
    /// ```
    /// use defender_runtime::catalog::*;
    ///
    /// static ENDPOINTS: &[Endpoint] = &[Endpoint {
    ///     name: "machines.findbyip",
    ///     root: "machines",
    ///     kind: EndpointKind::Function,
    ///     verb: Verb::Get,
    ///     path: "machines/findbyip(ip={ip})",
    ///     parameters: &[Parameter {
    ///         name: "ip",
    ///         ty: TypeRef { name: "Edm.String", collection: false },
    ///         optional: false,
    ///         location: ParameterLocation::Literal,
    ///     }],
    ///     returns: None,
    ///     file_rows: None,
    ///     permissions: &[],
    ///     summary: "",
    ///     sdk: "",
    /// }];
    /// let catalog = Catalog { root: "/api", endpoints: ENDPOINTS, types: &[] };
    /// let request = catalog.prepare(&ENDPOINTS[0], &[("ip", "10.1.1.1")]).unwrap();
    /// assert_eq!(request.path, "machines/findbyip(ip='10.1.1.1')");
    /// ```
    pub fn prepare(&self, endpoint: &Endpoint, arguments: &[(&str, &str)]) -> Result<PreparedRequest> {
        for (index, (name, _)) in arguments.iter().enumerate() {
            if endpoint.parameter(name).is_none() {
                let known: Vec<&str> = endpoint.parameters.iter().map(|p| p.name).collect();
                let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
                return Err(Error::config(format!(
                    "`{}` has no parameter `{name}` (parameters: {known})",
                    endpoint.name
                )));
            }
            if arguments[..index].iter().any(|(earlier, _)| earlier.eq_ignore_ascii_case(name)) {
                return Err(Error::config(format!("parameter `{name}` is given twice")));
            }
        }
        let mut path = endpoint.path.to_owned();
        let mut query = QueryString::default();
        let mut members = Map::new();
        let mut entity = None;
        for parameter in endpoint.parameters {
            let given =
                arguments.iter().find(|(name, _)| name.eq_ignore_ascii_case(parameter.name)).map(|(_, v)| *v);
            let placeholder = format!("{{{}}}", parameter.name);
            let Some(text) = given else {
                if !parameter.optional {
                    return Err(Error::config(format!(
                        "`{}` needs parameter `{}` ({})",
                        endpoint.name, parameter.name, parameter.ty
                    )));
                }
                // An optional value inside the path is written as null; elsewhere it is left out.
                match parameter.location {
                    ParameterLocation::Literal => path = path.replace(&placeholder, "null"),
                    ParameterLocation::Alias => query.push(&format!("@{}", parameter.name), "null"),
                    _ => {}
                }
                continue;
            };
            let context = |e: Error| {
                Error::config(format!(
                    "parameter `{}` ({}): {}",
                    parameter.name,
                    parameter.ty,
                    message_of(&e)
                ))
            };
            match parameter.location {
                ParameterLocation::Segment => path = path.replace(&placeholder, &key_segment(text)),
                ParameterLocation::Literal => {
                    path = path.replace(&placeholder, &self.literal(text, parameter.ty).map_err(context)?)
                }
                ParameterLocation::Alias => {
                    let value = self.json(text, parameter.ty).map_err(context)?;
                    query.push(&format!("@{}", parameter.name), &value.to_string());
                }
                ParameterLocation::Query => {
                    // Checked as the type, sent as the text (comma-separated for collections).
                    self.json(text, parameter.ty).map_err(context)?;
                    query.push(parameter.name, text);
                }
                ParameterLocation::Body => {
                    members
                        .insert(parameter.name.to_owned(), self.json(text, parameter.ty).map_err(context)?);
                }
                ParameterLocation::Entity => match serde_json::from_str::<Value>(text) {
                    Ok(value @ Value::Object(_)) => entity = Some(value),
                    _ => {
                        return Err(Error::config(format!(
                            "parameter `{}` must be a JSON object",
                            parameter.name
                        )));
                    }
                },
            }
        }
        let body = match (entity, endpoint.verb) {
            (Some(entity), _) => Some(entity),
            (None, Verb::Post | Verb::Patch) => Some(Value::Object(members)),
            (None, _) => None,
        };
        Ok(PreparedRequest { verb: endpoint.verb, path: format!("{path}{query}"), body })
    }

    /// `text` as an OData literal of type `ty`, for a value inside the path.
    fn literal(&self, text: &str, ty: TypeRef) -> Result<String> {
        if ty.collection {
            return Err(Error::config("a collection cannot be written inside a path"));
        }
        match self.primitive(ty.name).map(|p| (p, p.json_form())) {
            Some((Primitive::String, _)) => Ok(quote_string(text)),
            Some((primitive, JsonForm::Boolean | JsonForm::Integer | JsonForm::Number)) => {
                scalar(text, primitive)?;
                Ok(text.trim().to_owned())
            }
            Some((_, JsonForm::String | JsonForm::Any)) => Ok(key_segment(text)),
            None => match self.type_info(ty.name).map(|t| t.shape) {
                Some(Shape::Enum(_)) => {
                    let member = self.member(text, ty.name)?;
                    Ok(enum_literal(ty.name, &member))
                }
                _ => Err(Error::config(format!("a {} value cannot be written inside a path", ty.name))),
            },
        }
    }

    /// `text` as a JSON value of type `ty`.
    fn json(&self, text: &str, ty: TypeRef) -> Result<Value> {
        if ty.collection {
            let element = TypeRef { name: ty.name, collection: false };
            if text.trim_start().starts_with('[') {
                return match serde_json::from_str::<Value>(text) {
                    Ok(Value::Array(items)) => items
                        .into_iter()
                        .map(|item| self.check_json(item, element))
                        .collect::<Result<_>>()
                        .map(Value::Array),
                    _ => Err(Error::config("expected a JSON array")),
                };
            }
            if text.trim().is_empty() {
                return Ok(Value::Array(Vec::new()));
            }
            return text
                .split(',')
                .map(|item| self.json(item.trim(), element))
                .collect::<Result<_>>()
                .map(Value::Array);
        }
        match self.primitive(ty.name) {
            Some(name) => scalar(text, name),
            None => match self.type_info(ty.name).map(|t| t.shape) {
                Some(Shape::Enum(_)) => self.member(text, ty.name).map(Value::String),
                _ => serde_json::from_str::<Value>(text)
                    .map_err(|e| Error::config(format!("expected JSON for {}: {e}", ty.name))),
            },
        }
    }

    /// A JSON value given inside an array, checked against the element type.
    fn check_json(&self, value: Value, ty: TypeRef) -> Result<Value> {
        match (&value, self.primitive(ty.name)) {
            (Value::String(text), Some(_)) => self.json(text, ty),
            (Value::String(text), None)
                if matches!(self.type_info(ty.name).map(|t| t.shape), Some(Shape::Enum(_))) =>
            {
                self.json(text, ty)
            }
            _ => Ok(value),
        }
    }

    /// The primitive type `name` is, through type definitions; `None` for other types.
    fn primitive(&self, name: &'static str) -> Option<Primitive> {
        if let Some(primitive) = Primitive::from_name(name) {
            return Some(primitive);
        }
        match self.type_info(name).map(|t| t.shape) {
            Some(Shape::Definition { underlying }) => Primitive::from_name(underlying),
            _ => None,
        }
    }

    /// The enumeration member `text` names (case-insensitively), in its declared spelling;
    /// members of a flags value are comma-separated.
    fn member(&self, text: &str, enum_name: &str) -> Result<String> {
        let Some(Shape::Enum(enumeration)) = self.type_info(enum_name).map(|t| t.shape) else {
            return Err(Error::config(format!("unknown enumeration {enum_name}")));
        };
        let names: Vec<&str> =
            if enumeration.flags { text.split(',').map(str::trim).collect() } else { vec![text.trim()] };
        let mut found = Vec::new();
        for name in names {
            match enumeration.members.iter().find(|(member, _)| member.eq_ignore_ascii_case(name)) {
                Some((member, _)) => found.push(*member),
                None => {
                    let members: Vec<&str> = enumeration.members.iter().map(|(m, _)| *m).collect();
                    return Err(Error::config(format!("`{name}` is not one of {}", members.join(", "))));
                }
            }
        }
        Ok(found.join(","))
    }
}

/// A primitive value from text, checked: JSON numbers and booleans, strings for the rest.
fn scalar(text: &str, primitive: Primitive) -> Result<Value> {
    let trimmed = text.trim();
    match primitive.json_form() {
        JsonForm::Boolean => match trimmed.to_ascii_lowercase().as_str() {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(Error::config(format!("`{text}` is not true or false"))),
        },
        JsonForm::Integer => trimmed
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| Error::config(format!("`{text}` is not an integer"))),
        JsonForm::Number => match serde_json::from_str::<Value>(trimmed) {
            Ok(number @ Value::Number(_)) => Ok(number),
            _ => Err(Error::config(format!("`{text}` is not a number"))),
        },
        JsonForm::String | JsonForm::Any => Ok(Value::String(text.to_owned())),
    }
}

/// The message of a configuration error without its kind's prefix, for wrapping.
fn message_of(error: &Error) -> String {
    match error.kind() {
        crate::ErrorKind::Config(message) => message.clone(),
        _ => error.to_string(),
    }
}
