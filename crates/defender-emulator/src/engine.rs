//! Answers every endpoint of the catalog: the request's path is resolved to its endpoint, and
//! the endpoint's kind says what to do with the tenant: read a singleton, list, read, create,
//! update or delete entities of a set, or call a function or action.
//!
//! Operations whose effect matters to a demo (device actions, tags, alert and indicator batch
//! changes, finding machines) have hand-written handlers in [`crate::operations`]; every other
//! one answers from its return type: related entities of the tenant where there are some,
//! generated values otherwise, stable under the seed.

use std::collections::HashMap;

use defender_runtime::catalog::{Endpoint, EndpointKind, ParameterLocation, Shape, Verb};
use defender_runtime::edm::Primitive;
use defender_sdk::catalog::CATALOG;
use serde_json::{Map, Value};

use crate::data::{Tenant, anchor_of, new_key, stable_hash};
use crate::query::page;
use crate::server::Shared;
use crate::synth::Synth;

/// A successful answer: a status and a JSON body, or no body.
#[derive(Debug)]
pub struct Reply {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: Option<Value>,
}

impl Reply {
    fn ok(body: Value) -> Self {
        Self { status: 200, body: Some(body) }
    }
}

/// An error answer in the service's OData error shape.
#[derive(Debug)]
pub struct Failure {
    /// The HTTP status.
    pub status: u16,
    /// The OData error code.
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl Failure {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into() }
    }

    /// `400 InvalidRequestBody`.
    pub fn bad_body(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidRequestBody", message)
    }

    fn not_found(what: &str, key: &str) -> Self {
        Self::new(404, "ResourceNotFound", format!("{what} {key} was not found"))
    }
}

/// One API request, after the service root (`/api/`) is taken off its path.
pub struct Request<'a> {
    /// The method.
    pub verb: Verb,
    /// The path below the service root.
    pub path: &'a str,
    /// Query options, decoded.
    pub query: &'a HashMap<String, String>,
    /// The body as sent.
    pub body: &'a [u8],
}

/// What a handler of an operation gets.
pub struct Call<'a> {
    /// The endpoint.
    pub endpoint: &'static Endpoint,
    /// The values of the path's parameters.
    pub values: &'a [(&'static str, String)],
    /// Query options (and query-option parameters).
    pub query: &'a HashMap<String, String>,
    /// The JSON body's members (empty for a request without a body).
    pub body: &'a Map<String, Value>,
    /// The index, in its set, of the entity the operation is bound to.
    pub source: Option<usize>,
}

/// Answers `request`.
pub fn answer(shared: &Shared, request: &Request<'_>) -> Result<Reply, Failure> {
    let Some(found) = CATALOG.resolve(request.verb, request.path) else {
        let other_verb = [Verb::Get, Verb::Post, Verb::Patch, Verb::Delete]
            .into_iter()
            .any(|verb| verb != request.verb && CATALOG.resolve(verb, request.path).is_some());
        return Err(if other_verb {
            Failure::new(
                405,
                "MethodNotAllowed",
                format!("The requested resource does not support http method '{}'.", request.verb),
            )
        } else {
            Failure::new(404, "NotFound", "General Not Found error message.")
        });
    };
    let body = match request.verb {
        Verb::Post | Verb::Patch if !request.body.iter().all(u8::is_ascii_whitespace) => {
            match serde_json::from_slice::<Value>(request.body) {
                Ok(Value::Object(members)) => members,
                _ => return Err(Failure::bad_body("Request body is incorrect")),
            }
        }
        _ => Map::new(),
    };
    let endpoint = found.endpoint;
    check_parameters(endpoint, request.query, &body)?;
    let mut tenant = shared.tenant.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let source = match entity_set_type(endpoint.root) {
        Some(ty) if endpoint.kind != EndpointKind::List && endpoint.kind != EndpointKind::Create => {
            let keys = CATALOG.key(ty);
            let key_values: Vec<&(&str, String)> =
                found.values.iter().filter(|(name, _)| keys.contains(name)).collect();
            if key_values.is_empty() {
                None
            } else {
                let position = tenant.set(endpoint.root).iter().position(|item| has_key(item, &key_values));
                let key = key_values.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>().join(",");
                Some(position.ok_or_else(|| Failure::not_found(ty.short_name(), &key))?)
            }
        }
        _ => None,
    };
    let context = Context { shared, endpoint, path: request.path };
    let call = Call { endpoint, values: &found.values, query: request.query, body: &body, source };
    match endpoint.kind {
        EndpointKind::Singleton => {
            let value = tenant.singletons.get(endpoint.root).cloned().unwrap_or_default();
            Ok(Reply::ok(context.entity(&format!("{}/$entity", endpoint.root), value)))
        }
        EndpointKind::List => context.list(tenant.set(endpoint.root), request.query, None),
        EndpointKind::Get => {
            if let Some(index) = source.filter(|_| endpoint.root == "machineactions") {
                crate::operations::advance_action(&mut tenant, index);
            }
            let item = source.map(|i| tenant.set(endpoint.root)[i].clone()).unwrap_or_default();
            Ok(Reply::ok(context.entity(&format!("{}/$entity", endpoint.root), item)))
        }
        EndpointKind::Create => create(&context, &mut tenant, &body),
        EndpointKind::Update => {
            let index = source.unwrap_or_default();
            let item = &mut tenant.set_mut(endpoint.root)[index];
            if let Value::Object(object) = item {
                object.extend(body.clone());
            }
            let item = item.clone();
            Ok(Reply::ok(context.entity(&format!("{}/$entity", endpoint.root), item)))
        }
        EndpointKind::Delete => {
            tenant.set_mut(endpoint.root).remove(source.unwrap_or_default());
            Ok(Reply { status: 204, body: None })
        }
        EndpointKind::Navigation | EndpointKind::Function | EndpointKind::Action => {
            match crate::operations::handle(&context, &mut tenant, &call) {
                Some(reply) => reply,
                None => generic_operation(&context, &mut tenant, &call),
            }
        }
    }
}

/// Required parameters are present and enumeration values are members, as the service checks.
fn check_parameters(
    endpoint: &Endpoint,
    query: &HashMap<String, String>,
    body: &Map<String, Value>,
) -> Result<(), Failure> {
    for parameter in endpoint.parameters {
        let given = match parameter.location {
            ParameterLocation::Body => member(body, parameter.name).filter(|v| !v.is_null()).cloned(),
            ParameterLocation::Query => query
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(parameter.name))
                .map(|(_, v)| Value::from(v.as_str())),
            _ => continue,
        };
        let Some(given) = given else {
            if parameter.optional {
                continue;
            }
            return Err(Failure::new(
                400,
                "MissingRequiredParameter",
                format!("Parameter {} is missing.", parameter.name),
            ));
        };
        if let Some(Shape::Enum(enumeration)) = CATALOG.type_info(parameter.ty.name).map(|t| t.shape) {
            let texts: Vec<&str> = match &given {
                Value::String(text) => vec![text.as_str()],
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if let Some(bad) = texts
                .iter()
                .find(|text| !enumeration.members.iter().any(|(m, _)| m.eq_ignore_ascii_case(text)))
            {
                return Err(Failure::bad_body(format!("{bad} is not a valid value for {}", parameter.name)));
            }
        }
        if parameter.location == ParameterLocation::Query
            && matches!(parameter.ty.primitive(), Some(Primitive::Int32 | Primitive::Int64))
            && given.as_str().is_some_and(|text| text.parse::<i64>().is_err())
        {
            return Err(Failure::new(
                400,
                "InvalidParameterValue",
                format!("Parameter {} must be an integer.", parameter.name),
            ));
        }
    }
    Ok(())
}

/// A body member by name, compared ASCII case-insensitively as the service does.
pub fn member<'m>(body: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    body.get(name).or_else(|| body.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

/// The entity type of the set called `root`, if `root` is a set.
pub fn entity_set_type(root: &str) -> Option<&'static defender_runtime::catalog::TypeInfo> {
    CATALOG
        .endpoints
        .iter()
        .find(|e| reads_a_set(e) && e.root == root)
        .and_then(|e| e.returns)
        .and_then(|ty| CATALOG.type_info(ty.name))
}

/// Whether an endpoint lists an entity set or reads one of its entities by key: between them
/// they name every set, including those the spec says cannot be listed.
pub fn reads_a_set(endpoint: &defender_runtime::catalog::Endpoint) -> bool {
    matches!(endpoint.kind, EndpointKind::List | EndpointKind::Get)
}

/// The set whose entities have type `type_name`.
pub fn set_of(type_name: &str) -> Option<&'static str> {
    CATALOG
        .endpoints
        .iter()
        .find(|e| reads_a_set(e) && e.returns.is_some_and(|r| r.name == type_name))
        .map(|e| e.root)
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn has_key(item: &Value, key: &[&(&str, String)]) -> bool {
    key.iter().all(|(name, wanted)| {
        item.get(*name).and_then(text_of).is_some_and(|actual| actual.eq_ignore_ascii_case(wanted))
    })
}

/// Response shapes for one endpoint.
pub struct Context<'a> {
    /// What the routes share.
    pub shared: &'a Shared,
    /// The endpoint being answered.
    pub endpoint: &'static Endpoint,
    /// The request's path below the service root, which next links repeat.
    pub path: &'a str,
}

impl Context<'_> {
    /// `value` with `@odata.context` pointing at `fragment`.
    pub fn entity(&self, fragment: &str, value: Value) -> Value {
        let mut value = value;
        if let Value::Object(object) = &mut value {
            object.insert("@odata.context".into(), Value::from(self.context_url(fragment)));
        }
        value
    }

    fn context_url(&self, fragment: &str) -> String {
        format!("{}/api/$metadata#{fragment}", self.shared.base)
    }

    /// A page of `items` under the request's query options, linked to the next page; `page_size`
    /// caps the page below the emulator's maximum.
    pub fn list(
        &self,
        items: &[Value],
        query: &HashMap<String, String>,
        page_size: Option<usize>,
    ) -> Result<Reply, Failure> {
        let fragment = match self.endpoint.returns {
            Some(_) if self.endpoint.kind == EndpointKind::List => self.endpoint.root.to_owned(),
            Some(returns) => match set_of(returns.name) {
                Some(set) => set.to_owned(),
                None => format!("Collection({})", returns.name),
            },
            None => self.endpoint.root.to_owned(),
        };
        let next = format!("{}/api/{}", self.shared.base, self.path);
        let max = page_size.unwrap_or(self.shared.max_page).clamp(1, self.shared.max_page);
        page(items, query, &self.context_url(&fragment), &next, max)
            .map(Reply::ok)
            .map_err(|message| Failure::new(400, "InvalidRequestBody", message))
    }

    /// A seeded generator for this call, so the same request gets the same generated answer.
    pub fn synth(&self, tenant: &Tenant, call: &Call<'_>) -> Synth<'static> {
        let mut salt = self.endpoint.name.to_owned();
        for (_, value) in call.values {
            salt.push('/');
            salt.push_str(value);
        }
        Synth::new(&CATALOG, tenant.seed ^ stable_hash(&salt))
    }
}

/// Creates an entity from the body: generated values under the members sent, and a new key
/// unless the body brings one.
fn create(context: &Context<'_>, tenant: &mut Tenant, body: &Map<String, Value>) -> Result<Reply, Failure> {
    let root = context.endpoint.root;
    let Some(ty) = entity_set_type(root) else { return Err(Failure::bad_body("Not a collection")) };
    let anchor = tenant.set("machines").first().map(anchor_of).unwrap_or_default();
    let mut synth = Synth::new(&CATALOG, tenant.seed ^ stable_hash(root) ^ tenant.set(root).len() as u64);
    let mut entity = synth.structured(ty.name, tenant.set(root).len(), &anchor);
    let keys = CATALOG.key(ty);
    let brought: Vec<(&str, String)> =
        keys.iter().filter_map(|k| member(body, k).and_then(text_of).map(|v| (*k, v))).collect();
    if brought.len() == keys.len() && !keys.is_empty() {
        let refs: Vec<&(&str, String)> = brought.iter().collect();
        if tenant.set(root).iter().any(|item| has_key(item, &refs)) {
            return Err(Failure::new(409, "Conflict", "An entity with this key already exists."));
        }
    } else {
        new_key(&mut synth, tenant, root, ty.name, &mut entity);
    }
    overlay(&mut entity, body);
    tenant.set_mut(root).push(entity.clone());
    Ok(Reply::ok(context.entity(&format!("{root}/$entity"), entity)))
}

/// Writes the body's members that name a property of `entity` over it, under the property's
/// declared spelling; other members (an action's parameters) are not properties.
pub fn overlay(entity: &mut Value, body: &Map<String, Value>) {
    let Value::Object(object) = entity else { return };
    for (name, value) in body {
        if let Some(declared) = object.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned() {
            object.insert(declared, value.clone());
        }
    }
}

/// An operation without a hand-written handler, answered from its return type.
fn generic_operation(context: &Context<'_>, tenant: &mut Tenant, call: &Call<'_>) -> Result<Reply, Failure> {
    let endpoint = call.endpoint;
    let Some(returns) = endpoint.returns else {
        return Ok(Reply { status: 200, body: None });
    };
    let source_item = call.source.map(|i| tenant.set(endpoint.root)[i].clone());
    let mut synth = context.synth(tenant, call);
    let anchor = source_item
        .as_ref()
        .filter(|_| endpoint.root == "machines")
        .map(anchor_of)
        .or_else(|| {
            tenant.set("machines").get(synth.rng.usize(..tenant.set("machines").len().max(1))).map(anchor_of)
        })
        .unwrap_or_default();
    let shape = CATALOG.type_info(returns.name).map(|t| t.shape);
    let target_set = set_of(returns.name);
    match (shape, target_set, returns.collection) {
        // Entities the tenant has: those that refer to the source, or a stable sample.
        (Some(Shape::Entity(_)), Some(set), true) => {
            let related = related_items(tenant.set(set), source_item.as_ref(), call, &mut synth);
            context.list(&related, call.query, page_size(call))
        }
        (Some(Shape::Entity(_)), Some(set), false) if endpoint.verb == Verb::Get => {
            let items = tenant.set(set);
            let referenced = source_item.as_ref().and_then(|source| {
                let texts: Vec<String> =
                    source.as_object().into_iter().flatten().filter_map(|(_, v)| text_of(v)).collect();
                let ty = CATALOG.type_info(returns.name)?;
                let keys = CATALOG.key(ty);
                items.iter().find(|item| {
                    keys.iter().all(|k| item.get(*k).and_then(text_of).is_some_and(|v| texts.contains(&v)))
                })
            });
            let item = match referenced {
                Some(item) => item.clone(),
                None if items.is_empty() => return Err(Failure::not_found(returns.name, "")),
                None => items[synth.rng.usize(..items.len())].clone(),
            };
            Ok(Reply::ok(context.entity(&format!("{set}/$entity"), item)))
        }
        // An action that makes a new entity of a set: generated, with the members sent.
        (Some(Shape::Entity(_)), Some(set), false) => {
            let mut entity = synth.structured(returns.name, tenant.set(set).len(), &anchor);
            new_key(&mut synth, tenant, set, returns.name, &mut entity);
            overlay(&mut entity, call.body);
            tenant.set_mut(set).push(entity.clone());
            let status = if call.source.is_some() { 201 } else { 200 };
            Ok(Reply { status, body: Some(context.entity(&format!("{set}/$entity"), entity)) })
        }
        (Some(Shape::Entity(_) | Shape::Complex(_)), _, true) => {
            let count = if page_size(call).is_some() { 120 } else { 25 };
            let items: Vec<Value> = (0..count).map(|n| synth.structured(returns.name, n, &anchor)).collect();
            context.list(&items, call.query, page_size(call))
        }
        (Some(Shape::Entity(_) | Shape::Complex(_)), _, false) => {
            let mut value = synth.structured(returns.name, 0, &anchor);
            overlay(&mut value, call.body);
            Ok(Reply::ok(context.entity(returns.name, value)))
        }
        _ => {
            // A primitive or enumeration: `{"value": …}`, named for what the operation is about.
            let lower = endpoint.name.to_ascii_lowercase();
            let hint = if ["link", "uri", "url", "export"].iter().any(|w| lower.contains(w)) {
                "url"
            } else {
                "value"
            };
            let value = synth.value(returns, hint, 0, &anchor);
            let fragment = if returns.collection {
                format!("Collection({})", returns.name)
            } else {
                returns.name.to_owned()
            };
            let mut body = Map::new();
            body.insert("@odata.context".into(), Value::from(context.context_url(&fragment)));
            body.insert("value".into(), value);
            Ok(Reply::ok(Value::Object(body)))
        }
    }
}

/// The page size a `pageSize` parameter asks for.
fn page_size(call: &Call<'_>) -> Option<usize> {
    call.endpoint.parameter("pageSize")?;
    call.query
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("pageSize"))
        .and_then(|(_, v)| v.parse().ok())
        .or(Some(50))
}

/// Items of a set that refer to the source entity (a top-level member equal to one of its key
/// values), or a stable sample of the set when none does.
fn related_items(
    items: &[Value],
    source: Option<&Value>,
    call: &Call<'_>,
    synth: &mut Synth<'_>,
) -> Vec<Value> {
    if source.is_some() {
        let keys: Vec<&str> = call.values.iter().map(|(_, v)| v.as_str()).collect();
        let related: Vec<Value> = items
            .iter()
            .filter(|item| {
                item.as_object().into_iter().flatten().any(|(_, v)| {
                    text_of(v).is_some_and(|text| keys.iter().any(|k| k.eq_ignore_ascii_case(&text)))
                })
            })
            .cloned()
            .collect();
        if !related.is_empty() {
            return related;
        }
    }
    let count = items.len().min(10);
    let mut picked: Vec<usize> = (0..count).map(|_| synth.rng.usize(..items.len())).collect();
    picked.sort_unstable();
    picked.dedup();
    picked.into_iter().map(|i| items[i].clone()).collect()
}
