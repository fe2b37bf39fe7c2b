//! The plan: what the generator will write, decided before anything is rendered.
//!
//! Between the checked model ([`crate::csdl`]) and the renderers ([`crate::emit`]) every decision
//! is made once and kept as plain data: the Rust name of each type and module ([`Layout`]), the
//! Cargo feature of each endpoint root ([`Features`]), and the API itself ([`ApiPlan`]): every
//! request with its claimed method name, path template, verb, parameters and where each goes,
//! return type, permissions and features. The client module, the catalog, the features table
//! and the conformance summary are all printed from one [`ApiPlan`], so they agree by
//! construction.

pub mod docs;
pub mod features;
pub mod layout;
pub mod names;
mod requests;

use std::collections::BTreeSet;

pub use docs::Doc;
pub use features::Features;
pub use layout::{CATALOG_MODULE, CLIENT_MODULE, Layout, REGISTRY_MODULE};

use crate::csdl::Model;
use crate::csdl::model::{OperationKind, TypeRef};

/// The document's API: the client's methods, the request builders they return, and every
/// endpoint they can call. Plain data: it can be sent to the threads that render, compared and
/// printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPlan {
    /// The service root's path as documentation shows URLs (`/api`).
    pub root: String,
    /// The client type's methods, in the container's order: singletons, entity sets, imports.
    pub methods: Vec<ClientMethod>,
    /// A pair of request builders per entity type a singleton or entity set exposes, in order
    /// of the type's qualified name.
    pub builders: Vec<BuilderPlan>,
    /// Every endpoint, grouped by the root it starts from in the container's order; names are
    /// unique ignoring case.
    pub endpoints: Vec<Endpoint>,
    /// The Cargo features the code is gated by, sorted; empty when features are off.
    pub features: Vec<String>,
}

impl ApiPlan {
    /// Plans the API of `model`'s entity container; `None` when it has none.
    pub fn new(model: &Model, layout: &Layout, features: &Features, root: &str) -> Option<Self> {
        requests::plan(model, layout, features, root)
    }
}

/// A method on the client type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientMethod {
    /// A singleton or entity set: returns its request builder.
    Root {
        /// The method's name.
        method: String,
        /// Its rustdoc.
        doc: Doc,
        /// The features that compile it.
        features: BTreeSet<String>,
        /// The builder it returns.
        builder: String,
        /// The singleton's or set's path relative to the service root.
        path: String,
    },
    /// An operation import: calls the operation.
    Operation {
        /// The features that compile it.
        features: BTreeSet<String>,
        /// The call.
        operation: OperationPlan,
    },
}

/// The request builders of one entity type: one for a single entity (awaitable), one for a
/// collection of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuilderPlan {
    /// The entity type's qualified name.
    pub entity: String,
    /// Its schema's namespace.
    pub namespace: String,
    /// Its name in the document.
    pub entity_name: String,
    /// A rustdoc link to the entity type from the client module.
    pub link: String,
    /// The single-entity builder's name (`MachineRequest`).
    pub single: String,
    /// The collection builder's name (`MachineSetRequest`).
    pub set: String,
    /// Whether some entity set holds this type, so the collection builder is written.
    pub listed: bool,
    /// Whether a set of this type can be listed (`list()`): no `ReadRestrictions/Readable`
    /// of `false`.
    pub readable: bool,
    /// The features of the roots that reach this type.
    pub features: BTreeSet<String>,
    /// `get(key)` on the collection builder, when the type has a key.
    pub key: Option<KeyLookup>,
    /// Operations bound to the type or to a collection of it, in document order.
    pub operations: Vec<BoundOperation>,
    /// Navigation properties, in document order.
    pub navigations: Vec<Navigation>,
    /// `update(&changes)`, when a set of this type is updatable and the type has a body type.
    pub update: Option<Doc>,
    /// `delete()`, when a set of this type is deletable.
    pub delete: Option<Doc>,
    /// `create(&input)`, when a set of this type is insertable and the type has a body type.
    pub create: Option<Doc>,
}

/// `get(key)`: the entity of a collection with this key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyLookup {
    /// The key properties, in key order.
    pub parts: Vec<KeyPart>,
    /// How the key is written after the collection's path.
    pub form: KeyForm,
    /// Its rustdoc.
    pub doc: Doc,
}

/// One key property of a [`KeyLookup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPart {
    /// The argument's name.
    pub argument: String,
    /// The property's name on the wire.
    pub wire: String,
    /// Its type.
    pub ty: TypeRef,
}

impl KeyPart {
    /// Whether the key is an `Edm.String`, taken as `&str`.
    pub fn is_string(&self) -> bool {
        is_string(&self.ty)
    }
}

/// How a key is written in a URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyForm {
    /// `set/{key}` (`Capabilities.KeyAsSegmentSupported`, one key property).
    Segment,
    /// `set({literal})`: one key property.
    Parenthesized,
    /// `set(a={literal},b={literal})`: several key properties.
    Named,
}

/// An operation bound to a builder's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundOperation {
    /// Bound to a collection of the type, so a method of the collection builder.
    pub on_collection: bool,
    /// The call.
    pub operation: OperationPlan,
}

/// A navigation property: a method that addresses the related entity or collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Navigation {
    /// The method's name.
    pub method: String,
    /// The URL segment (the property's name).
    pub segment: String,
    /// Its type.
    pub ty: TypeRef,
    /// The builder it returns, for a contained collection or entity (`security/incidents`),
    /// rather than a plain request.
    pub builder: Option<String>,
    /// Its rustdoc.
    pub doc: Doc,
}

/// A method that calls a function (`GET`) or an action (`POST`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationPlan {
    /// The method's name.
    pub method: String,
    /// The operation's name in the document.
    pub name: String,
    /// Its qualified name (`namespace.name`).
    pub qualified_name: String,
    /// Function or action.
    pub kind: OperationKind,
    /// It extends a builder's path (bound) rather than starting at the service root.
    pub bound: bool,
    /// The URL segment(s) after the base (`Microsoft.WindowsDefenderATP.isolate`).
    pub segment: String,
    /// The parameters after the binding parameter, in order, with where each goes.
    pub arguments: Vec<Argument>,
    /// A function with parameters written as query options (`?name=value`).
    pub query_options: bool,
    /// Functions without parameters are called without `()`.
    pub omit_empty_parentheses: bool,
    /// The body struct an action with many parameters takes instead of arguments.
    pub body: Option<BodyStruct>,
    /// What the call returns.
    pub returns: Option<TypeRef>,
    /// For an export "via files": the method that streams its rows.
    pub export_rows: Option<ExportRowsPlan>,
    /// Its rustdoc.
    pub doc: Doc,
}

/// The Cargo feature a generated crate gates export rows behind (it adds the decompressor); a
/// crate generated from a spec with `RustSdk.UrlConventions.V1.ExportFileRows` defines it as
/// `["defender-runtime/exports"]`.
pub const EXPORTS_FEATURE: &str = "exports";

/// The method streaming the rows of an export "via files".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRowsPlan {
    /// The method's name (`software_vulnerabilities_export_rows`).
    pub method: String,
    /// The qualified name of the row type.
    pub row_type: String,
}

impl OperationPlan {
    /// A function's parameters in URL-convention form, `(a=…,b=@b)`: `inline` writes the
    /// value of a parameter placed in the path, and one passed by alias is named. Empty when
    /// the conventions drop the parentheses of a call without parameters. The catalog's
    /// templates and the generated methods' format strings both come from here, so they
    /// cannot disagree.
    pub fn parameter_list(&self, inline: impl Fn(&str) -> String) -> String {
        if self.arguments.is_empty() && self.omit_empty_parentheses {
            return String::new();
        }
        let list: Vec<String> = self
            .arguments
            .iter()
            .map(|a| {
                let name = &a.wire;
                if a.location == ParamLocation::Alias {
                    format!("{name}=@{name}")
                } else {
                    format!("{name}={}", inline(name))
                }
            })
            .collect();
        format!("({})", list.join(","))
    }

    /// How the method is called, for the catalog: `isolate(comment, isolation_type)`.
    pub fn call(&self) -> String {
        match &self.body {
            Some(body) => format!("{}(&{} {{ .. }})", self.method, body.name),
            None => {
                let names: Vec<&str> = self.arguments.iter().map(|a| a.name.as_str()).collect();
                format!("{}({})", self.method, names.join(", "))
            }
        }
    }
}

/// One parameter of an operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Argument {
    /// The Rust argument's (or body field's) name.
    pub name: String,
    /// The parameter's name on the wire.
    pub wire: String,
    /// Its type.
    pub ty: TypeRef,
    /// A call may leave it out.
    pub optional: bool,
    /// Where the request carries it.
    pub location: ParamLocation,
    /// What it is, from the metadata; may be empty.
    pub description: String,
}

impl Argument {
    /// Whether it is one `Edm.String`, taken as `&str`.
    pub fn is_str(&self) -> bool {
        is_string(&self.ty)
    }
}

/// The body struct of an action with many parameters: its fields are the action's
/// [`Argument`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyStruct {
    /// The struct's name.
    pub name: String,
}

/// One request the SDK can send, as the run-time catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `root.action`, unique ignoring case.
    pub name: String,
    /// The entity set, singleton or import the path starts from.
    pub root: String,
    /// What kind of request it is.
    pub kind: EndpointKind,
    /// Its HTTP method.
    pub verb: Verb,
    /// The path template relative to the service root.
    pub path: String,
    /// Parameters, in the SDK method's order (key parts first).
    pub parameters: Vec<Param>,
    /// Qualified return type, and whether it is a collection.
    pub returns: Option<(String, bool)>,
    /// For an export "via files", the qualified type of its files' rows.
    pub file_rows: Option<String>,
    /// Permission type and permission.
    pub permissions: Vec<(String, String)>,
    /// First line of the description.
    pub summary: String,
    /// The SDK call from the client.
    pub sdk: String,
    /// The features that compile the SDK method.
    pub features: BTreeSet<String>,
}

/// One parameter of an [`Endpoint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Wire name (placeholder name in the path).
    pub name: String,
    /// Qualified type name.
    pub ty: String,
    /// `Collection(…)`.
    pub collection: bool,
    /// May be left out.
    pub optional: bool,
    /// Where the request carries it.
    pub location: ParamLocation,
}

// What kind of request an endpoint is, its HTTP method, and where a parameter goes: the
// run-time catalog's own enums, so that the plan and the catalog it is printed into cannot
// name different things.
pub use defender_runtime::catalog::{EndpointKind, ParameterLocation as ParamLocation, Verb};

/// Whether a type is one `Edm.String`.
fn is_string(ty: &TypeRef) -> bool {
    !ty.collection && ty.name == defender_runtime::edm::Primitive::String.name()
}
