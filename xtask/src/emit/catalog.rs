//! The `catalog` module: every endpoint and type as data a program can read at run time
//! (`defender_runtime::catalog`), for tools that call endpoints by name or answer them.
//!
//! Endpoints are recorded by the code that writes the endpoint methods (`endpoints.rs` and
//! `calls.rs`), so the catalog names exactly the requests the SDK sends and the methods that
//! send them.

use crate::csdl::vocab::Term;
use std::collections::{BTreeSet, HashSet};

use proc_macro2::TokenStream;
use quote::quote;

use super::features::Features;
use crate::csdl::Model;
use crate::csdl::model::{Annotation, Expr, StructuredKind};

/// The module's name.
pub const MODULE: &str = "catalog";

/// One endpoint, recorded while its method is generated.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `root.action`, made unique when the catalog is written.
    pub name: String,
    /// The entity set, singleton or import the path starts from.
    pub root: String,
    /// The `EndpointKind` variant.
    pub kind: &'static str,
    /// The `Verb` variant.
    pub verb: &'static str,
    /// The path template relative to the service root.
    pub path: String,
    /// Parameters, in the SDK method's order (key parts first).
    pub parameters: Vec<Param>,
    /// Qualified return type, and whether it is a collection.
    pub returns: Option<(String, bool)>,
    /// Permission type and permission.
    pub permissions: Vec<(String, String)>,
    /// First line of the description.
    pub summary: String,
    /// The SDK call from the client.
    pub sdk: String,
    /// The features that compile the SDK method.
    pub features: BTreeSet<String>,
}

/// One parameter of an [`Entry`].
#[derive(Debug, Clone)]
pub struct Param {
    /// Wire name (placeholder name in the path).
    pub name: String,
    /// Qualified type name.
    pub ty: String,
    /// `Collection(…)`.
    pub collection: bool,
    /// May be left out.
    pub optional: bool,
    /// The `ParameterLocation` variant.
    pub location: &'static str,
}

/// Where an endpoint starts: an entity set or singleton path, with the key parts that address
/// one entity of it and the SDK call that reaches it.
#[derive(Debug, Clone)]
pub struct Base {
    /// The set or singleton's name.
    pub root: String,
    /// Path template relative to the service root (`machines/{id}`, `exposureScore`).
    pub path: String,
    /// Key parts in the path.
    pub keys: Vec<Param>,
    /// The SDK call that reaches it (`machines().get(id)`).
    pub sdk: String,
    /// Features that compile it.
    pub features: BTreeSet<String>,
}

/// The permissions a restrictions annotation lists, as (permission type, permission) pairs.
pub fn permissions(model: &Model, inline: &[Annotation], target: &str, term: Term) -> Vec<(String, String)> {
    let Some(permissions) = model.annotation(inline, target, term).and_then(|r| r.field("Permissions"))
    else {
        return Vec::new();
    };
    permissions
        .items()
        .iter()
        .flat_map(|permission| {
            let scheme = permission.field("SchemeName").and_then(Expr::as_str).unwrap_or("").to_owned();
            permission
                .field("Scopes")
                .map(Expr::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|scope| scope.field("Scope").and_then(Expr::as_str))
                .map(|scope| (scheme.clone(), scope.to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The first line of an element's `Core.Description`.
pub fn summary(model: &Model, inline: &[Annotation], target: &str) -> String {
    model
        .annotation(inline, target, Term::CoreDescription)
        .and_then(Expr::as_str)
        .and_then(|text| text.lines().map(str::trim).find(|line| !line.is_empty()))
        .unwrap_or("")
        .to_owned()
}

/// The `catalog` module.
pub fn catalog_module(model: &Model, features: &Features, entries: &[Entry], root: &str) -> TokenStream {
    let mut taken = HashSet::new();
    let endpoints = entries.iter().map(|entry| {
        let mut name = entry.name.clone();
        let mut n = 2;
        while !taken.insert(name.to_ascii_lowercase()) {
            name = format!("{}_{n}", entry.name);
            n += 1;
        }
        let kind = super::calls::ident(entry.kind);
        let verb = super::calls::ident(entry.verb);
        let parameters = entry.parameters.iter().map(|p| {
            let (name, ty, collection, optional) = (&p.name, &p.ty, p.collection, p.optional);
            let location = super::calls::ident(p.location);
            let ty =
                if collection { quote!(TypeRef::collection_of(#ty)) } else { quote!(TypeRef::single(#ty)) };
            if optional {
                quote!(Parameter::optional(#name, #ty, ParameterLocation::#location),)
            } else {
                quote!(Parameter::required(#name, #ty, ParameterLocation::#location),)
            }
        });
        let returns = match &entry.returns {
            Some((ty, true)) => quote!(Some(TypeRef::collection_of(#ty))),
            Some((ty, false)) => quote!(Some(TypeRef::single(#ty))),
            None => quote!(None),
        };
        let permissions = entry.permissions.iter().map(|(kind, name)| quote!(Permission::new(#kind, #name),));
        let (root, path, summary, sdk) = (&entry.root, &entry.path, &entry.summary, &entry.sdk);
        let cfg = features.cfg(&entry.features);
        quote! {
            #cfg
            Endpoint {
                name: #name,
                root: #root,
                kind: EndpointKind::#kind,
                verb: Verb::#verb,
                path: #path,
                parameters: &[#(#parameters)*],
                returns: #returns,
                permissions: &[#(#permissions)*],
                summary: #summary,
                sdk: #sdk,
            },
        }
    });
    let endpoints: Vec<TokenStream> = endpoints.collect();
    let types = type_entries(model, features);
    let body = quote! {
        /// Every endpoint the SDK sends requests to, grouped by the entity set, singleton or
        /// import it starts from.
        pub static ENDPOINTS: &[Endpoint] = &[#(#endpoints)*];

        /// Every type the metadata declares.
        pub static TYPES: &[TypeInfo] = &[#(#types)*];

        /// The endpoints and types together.
        pub static CATALOG: Catalog = Catalog { root: #root, endpoints: ENDPOINTS, types: TYPES };
    };
    let text = body.to_string();
    let used: Vec<proc_macro2::Ident> = [
        "Catalog",
        "Endpoint",
        "EndpointKind",
        "Enumeration",
        "Parameter",
        "ParameterLocation",
        "Permission",
        "Property",
        "Shape",
        "Structure",
        "TypeInfo",
        "TypeRef",
        "Verb",
    ]
    .iter()
    .filter(|name| text.split(|c: char| !c.is_alphanumeric() && c != '_').any(|word| word == **name))
    .map(|name| super::calls::ident(name))
    .collect();
    // With some endpoints compiled out by features, an import may have no user left.
    let allow = features.gates_anything().then(|| quote!(#[allow(unused_imports)]));
    quote! {
        #allow
        use defender_runtime::catalog::{#(#used),*};

        #body
    }
}

fn type_ref(model: &Model, ty: &crate::csdl::model::TypeRef) -> TokenStream {
    let name = model.qualify(&ty.name);
    if ty.collection { quote!(TypeRef::collection_of(#name)) } else { quote!(TypeRef::single(#name)) }
}

fn type_entries(model: &Model, features: &Features) -> Vec<TokenStream> {
    let mut types = Vec::new();
    for schema in &model.document.schemas {
        for ty in &schema.structured_types {
            let qualified = format!("{}.{}", schema.namespace, ty.name);
            let cfg = features.cfg(&features.of_type(&qualified));
            let base = match &ty.base_type {
                Some(base) => {
                    let base = model.qualify(base);
                    quote!(Some(#base))
                }
                None => quote!(None),
            };
            let property = |name: &str, ty: &crate::csdl::model::TypeRef, nullable: bool| {
                let ty = type_ref(model, ty);
                quote!(Property::new(#name, #ty, #nullable),)
            };
            let properties = ty.properties.iter().map(|p| property(&p.name, &p.ty, p.nullable));
            let navigation = ty.navigation_properties.iter().map(|n| property(&n.name, &n.ty, n.nullable));
            let (is_abstract, open, key) = (ty.is_abstract, ty.open_type, model.key(ty));
            let structure = quote! {
                Structure {
                    base: #base,
                    is_abstract: #is_abstract,
                    open: #open,
                    key: &[#(#key),*],
                    properties: &[#(#properties)*],
                    navigation: &[#(#navigation)*],
                }
            };
            let shape = match ty.kind {
                StructuredKind::Entity => quote!(Shape::Entity(#structure)),
                StructuredKind::Complex => quote!(Shape::Complex(#structure)),
            };
            types.push(quote!(#cfg TypeInfo { name: #qualified, shape: #shape },));
        }
        for ty in &schema.enum_types {
            let qualified = format!("{}.{}", schema.namespace, ty.name);
            let cfg = features.cfg(&features.of_type(&qualified));
            let members = ty.members.iter().map(|m| {
                let (name, value) = (&m.name, m.value);
                quote!((#name, #value),)
            });
            let flags = ty.is_flags;
            types.push(quote! {
                #cfg
                TypeInfo {
                    name: #qualified,
                    shape: Shape::Enum(Enumeration { members: &[#(#members)*], flags: #flags }),
                },
            });
        }
        for ty in &schema.type_definitions {
            let qualified = format!("{}.{}", schema.namespace, ty.name);
            let cfg = features.cfg(&features.of_type(&qualified));
            let underlying = model.qualify(&ty.underlying_type);
            types.push(quote! {
                #cfg
                TypeInfo { name: #qualified, shape: Shape::Definition { underlying: #underlying } },
            });
        }
    }
    types
}
