//! A description of a service's endpoints and types that programs can read at run time,
//! generated from the same CSDL as the typed SDK.
//!
//! Each [`Endpoint`] says which HTTP request one SDK method sends (verb, path template,
//! parameters and where they go), what it returns, which permissions it needs and which SDK
//! method sends it. Each [`TypeInfo`] lists a type's properties, key, base type or enumeration
//! members. Tools use it where a typed call cannot be written ahead of time: a command line
//! that calls any endpoint by name, an emulator that answers every endpoint, documentation
//! that maps the reference's URLs to SDK methods.
//!
//! ```
//! use defender_runtime::catalog::{Catalog, Endpoint, EndpointKind, Verb};
//!
//! static ENDPOINTS: &[Endpoint] = &[Endpoint {
//!     name: "machines.get",
//!     root: "machines",
//!     kind: EndpointKind::Get,
//!     verb: Verb::Get,
//!     path: "machines/{id}",
//!     parameters: &[],
//!     returns: None,
//!     file_rows: None,
//!     permissions: &[],
//!     summary: "",
//!     sdk: "machines().get(id)",
//! }];
//! let catalog = Catalog { root: "/api", endpoints: ENDPOINTS, types: &[] };
//! let found = catalog.resolve(Verb::Get, "machines/1e5bc9d7").unwrap();
//! assert_eq!(found.endpoint.name, "machines.get");
//! assert_eq!(found.values, [("id", "1e5bc9d7".to_owned())]);
//! ```

mod path;
mod prepare;

pub use prepare::PreparedRequest;

/// The HTTP method of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verb {
    /// `GET`: reads, and function calls.
    Get,
    /// `POST`: creates, and action calls.
    Post,
    /// `PATCH`: updates.
    Patch,
    /// `DELETE`.
    Delete,
}

impl Verb {
    /// The method as `reqwest` spells it.
    pub fn method(self) -> crate::Method {
        match self {
            Verb::Get => crate::Method::GET,
            Verb::Post => crate::Method::POST,
            Verb::Patch => crate::Method::PATCH,
            Verb::Delete => crate::Method::DELETE,
        }
    }

    /// The verb of an HTTP method, when it is one an endpoint can have.
    pub fn from_method(method: &crate::Method) -> Option<Self> {
        [Verb::Get, Verb::Post, Verb::Patch, Verb::Delete].into_iter().find(|verb| verb.method() == method)
    }

    /// Whether a request with this verb changes something on the service.
    pub fn changes_state(self) -> bool {
        self != Verb::Get
    }
}

impl std::fmt::Display for Verb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.method().as_str())
    }
}

/// What an endpoint does, in OData terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EndpointKind {
    /// Reads a singleton.
    Singleton,
    /// Lists an entity set, page by page.
    List,
    /// Reads one entity of a set by key.
    Get,
    /// Creates an entity in a set.
    Create,
    /// Updates an entity (`PATCH`, only the members sent change).
    Update,
    /// Deletes an entity.
    Delete,
    /// Reads the entity or entities a navigation property leads to.
    Navigation,
    /// Calls a function (`GET`, no side effects).
    Function,
    /// Calls an action (`POST` with a JSON body).
    Action,
}

/// Where a parameter's value goes in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParameterLocation {
    /// A whole path segment, its raw value percent-encoded (a key as a segment:
    /// `machines/{id}`).
    Segment,
    /// An OData literal inside the path (a key in parentheses or a function parameter:
    /// `find(ip={ip})`, strings quoted).
    Literal,
    /// A JSON value passed by parameter alias (`f(p=@p)?@p=[1,2]`).
    Alias,
    /// A plain query option (`stats?lookBackHours=48`); a collection is comma-separated.
    Query,
    /// A member of the JSON body.
    Body,
    /// The whole JSON body: the entity of a create or update.
    Entity,
}

/// A type by qualified CSDL name, or a collection of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeRef {
    /// The qualified name: `Edm.String`, `microsoft.windowsDefenderATP.api.Machine`.
    pub name: &'static str,
    /// Whether it is `Collection(name)`.
    pub collection: bool,
}

impl TypeRef {
    /// A single value of the type called `name`.
    pub const fn single(name: &'static str) -> Self {
        Self { name, collection: false }
    }

    /// A collection of the type called `name`.
    pub const fn collection_of(name: &'static str) -> Self {
        Self { name, collection: true }
    }

    /// The Edm type it names, when it names one.
    pub fn primitive(&self) -> Option<crate::edm::Primitive> {
        crate::edm::Primitive::from_name(self.name)
    }
}

impl std::fmt::Display for TypeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.collection { write!(f, "Collection({})", self.name) } else { f.write_str(self.name) }
    }
}

/// One parameter of an endpoint: a key part, a function or action parameter, or an entity body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Parameter {
    /// The name: the key property's name, the parameter's wire name, or `entity`. Path
    /// templates use it as `{name}`.
    pub name: &'static str,
    /// Its type.
    pub ty: TypeRef,
    /// Whether the request may leave it out.
    pub optional: bool,
    /// Where its value goes.
    pub location: ParameterLocation,
}

impl Parameter {
    /// A parameter the request must carry.
    pub const fn required(name: &'static str, ty: TypeRef, location: ParameterLocation) -> Self {
        Self { name, ty, optional: false, location }
    }

    /// A parameter the request may leave out.
    pub const fn optional(name: &'static str, ty: TypeRef, location: ParameterLocation) -> Self {
        Self { name, ty, optional: true, location }
    }
}

/// A permission that allows calling an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Permission {
    /// The permission type (`Application`, `Delegated (work or school account)`).
    pub kind: &'static str,
    /// The permission (`Machine.Isolate`).
    pub name: &'static str,
}

impl Permission {
    /// The permission `name` of type `kind`.
    pub const fn new(kind: &'static str, name: &'static str) -> Self {
        Self { kind, name }
    }
}

/// One request the SDK can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    /// A stable name: the entity set, singleton or import it starts from, a dot, and what it does
    /// (`machines.list`, `machines.isolate`, `exposureScore.get`).
    pub name: &'static str,
    /// The entity set, singleton or import the URL starts from.
    pub root: &'static str,
    /// What it does.
    pub kind: EndpointKind,
    /// The HTTP method.
    pub verb: Verb,
    /// The path relative to the service root, with `{parameter}` placeholders for
    /// [`ParameterLocation::Segment`] and [`ParameterLocation::Literal`] parameters
    /// (`machines/{id}/isolate`).
    pub path: &'static str,
    /// Every parameter, in the order the SDK method takes them.
    pub parameters: &'static [Parameter],
    /// What a successful response carries, if anything.
    pub returns: Option<TypeRef>,
    /// For an export "via files": the qualified type of its files' rows (`returns` is then
    /// the list of file links).
    pub file_rows: Option<&'static str>,
    /// The permissions that allow the call (any one of them).
    pub permissions: &'static [Permission],
    /// The first line of its description.
    pub summary: &'static str,
    /// The SDK call that sends it, from the client (`machines().get(id).isolate(comment,
    /// isolation_type)`).
    pub sdk: &'static str,
}

impl Endpoint {
    /// The parameter called `name`.
    pub fn parameter(&self, name: &str) -> Option<&'static Parameter> {
        self.parameters.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The request as the reference documentation writes it: `POST /api/machines/{id}/isolate`,
    /// with query-option parameters shown as `?name={name}`.
    pub fn display(&self, root: &str) -> String {
        let query: Vec<String> = self
            .parameters
            .iter()
            .filter(|p| p.location == ParameterLocation::Query)
            .map(|p| format!("{0}={{{0}}}", p.name))
            .collect();
        let query = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
        format!("{} {}/{}{query}", self.verb, root.trim_end_matches('/'), self.path)
    }
}

/// The shape of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// An entity type.
    Entity(Structure),
    /// A complex type.
    Complex(Structure),
    /// An enumeration.
    Enum(Enumeration),
    /// A type definition over a primitive type.
    Definition {
        /// The primitive type it renames (`Edm.String`).
        underlying: &'static str,
    },
}

/// The members of an entity or complex type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Structure {
    /// The base type's qualified name, if it derives from one.
    pub base: Option<&'static str>,
    /// Whether it is abstract (only derived types are instantiated).
    pub is_abstract: bool,
    /// Whether instances may carry properties the metadata does not declare.
    pub open: bool,
    /// The key properties (entity types; empty for complex types and keyless entities).
    pub key: &'static [&'static str],
    /// Structural properties declared on this type (not its base's).
    pub properties: &'static [Property],
    /// Navigation properties declared on this type.
    pub navigation: &'static [Property],
}

/// The members of an enumeration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Enumeration {
    /// Member names and values, in declaration order.
    pub members: &'static [(&'static str, i64)],
    /// Whether values combine members (`IsFlags`).
    pub flags: bool,
}

/// A property of an entity or complex type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Property {
    /// The wire name.
    pub name: &'static str,
    /// Its type.
    pub ty: TypeRef,
    /// Whether the metadata allows `null` (real tenants send `null` or omit more than it says).
    pub nullable: bool,
}

impl Property {
    /// A property called `name` of type `ty`.
    pub const fn new(name: &'static str, ty: TypeRef, nullable: bool) -> Self {
        Self { name, ty, nullable }
    }
}

/// A declared type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TypeInfo {
    /// The qualified name.
    pub name: &'static str,
    /// What it is.
    pub shape: Shape,
}

impl TypeInfo {
    /// The entity or complex structure, if it is one.
    pub fn structure(&self) -> Option<&Structure> {
        match &self.shape {
            Shape::Entity(structure) | Shape::Complex(structure) => Some(structure),
            Shape::Enum(_) | Shape::Definition { .. } => None,
        }
    }

    /// The name without its namespace.
    pub fn short_name(&self) -> &'static str {
        self.name.rsplit('.').next().unwrap_or(self.name)
    }
}

/// A service's endpoints and types.
#[derive(Debug, Clone, Copy)]
pub struct Catalog {
    /// The service root's path (`/api`), as the documentation writes URLs.
    pub root: &'static str,
    /// Every endpoint, in the order of the metadata.
    pub endpoints: &'static [Endpoint],
    /// Every entity, complex, enumeration and type definition type.
    pub types: &'static [TypeInfo],
}

/// An endpoint a request matched, with the values its path carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The endpoint.
    pub endpoint: &'static Endpoint,
    /// Values of the path's parameters by name, decoded: percent-decoding undone, string
    /// literals unquoted, enumeration literals reduced to the member name.
    pub values: Vec<(&'static str, String)>,
}

impl Catalog {
    /// The endpoint called `name` (ASCII case-insensitive).
    pub fn endpoint(&self, name: &str) -> Option<&'static Endpoint> {
        self.endpoints.iter().find(|e| e.name.eq_ignore_ascii_case(name))
    }

    /// The type called `name`: qualified, or its short name when only one namespace declares it.
    pub fn type_info(&self, name: &str) -> Option<&'static TypeInfo> {
        if let Some(found) = self.types.iter().find(|t| t.name == name) {
            return Some(found);
        }
        let mut short = self.types.iter().filter(|t| t.short_name() == name);
        match (short.next(), short.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }

    /// The structural properties of `ty` including those it inherits, base type's first.
    pub fn properties(&self, ty: &TypeInfo) -> Vec<&'static Property> {
        let mut chain = Vec::new();
        let mut next = ty.structure().copied();
        // A base chain is finite in a valid document; the bound keeps a malformed one finite.
        while let Some(structure) = next.take() {
            chain.push(structure);
            if chain.len() > self.types.len() {
                break;
            }
            next = structure.base.and_then(|base| self.type_info(base)).and_then(|t| t.structure().copied());
        }
        chain.iter().rev().flat_map(|s| s.properties.iter()).collect()
    }

    /// The key of an entity type, including an inherited one.
    pub fn key(&self, ty: &TypeInfo) -> &'static [&'static str] {
        let mut next = ty.structure().copied();
        let mut steps = 0;
        while let Some(structure) = next.take() {
            if !structure.key.is_empty() || steps > self.types.len() {
                return structure.key;
            }
            steps += 1;
            next = structure.base.and_then(|base| self.type_info(base)).and_then(|t| t.structure().copied());
        }
        &[]
    }

    /// The types that derive from `name`, directly or not.
    pub fn derived(&self, name: &str) -> Vec<&'static TypeInfo> {
        let mut found: Vec<&'static TypeInfo> = Vec::new();
        let mut frontier = vec![name];
        while let Some(base) = frontier.pop() {
            for ty in self.types {
                let derives = ty.structure().and_then(|s| s.base).is_some_and(|b| b == base);
                if derives && !found.iter().any(|f| f.name == ty.name) {
                    found.push(ty);
                    frontier.push(ty.name);
                }
            }
        }
        found
    }

    /// The endpoint a request for `path` (relative to the service root, without the query)
    /// with `verb` addresses, and the values its path carries.
    ///
    /// Literal text compares ASCII case-insensitively, as the Defender service does. When more
    /// than one endpoint matches, the most specific wins: the one with more literal segments,
    /// then more literal characters (`machines/findbyip(…)` over `machines/{id}`).
    pub fn resolve(&self, verb: Verb, path: &str) -> Option<Match> {
        let path = path.trim_matches('/');
        self.endpoints
            .iter()
            .filter(|endpoint| endpoint.verb == verb)
            .filter_map(|endpoint| {
                let template = path::Template::parse(endpoint.path);
                template.matches(path).map(|values| (template.specificity(), endpoint, values))
            })
            .max_by_key(|(specificity, ..)| *specificity)
            .map(|(_, endpoint, values)| Match { endpoint, values })
    }
}
