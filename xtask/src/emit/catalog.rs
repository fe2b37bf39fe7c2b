//! The `catalog` module: every endpoint and type as data a program can read at run time
//! (`defender_runtime::catalog`), for tools that call endpoints by name or answer them.
//!
//! Its endpoints are the [`ApiPlan`]'s, the same record the client module is printed from, so
//! the catalog names exactly the requests the SDK sends and the methods that send them.

use proc_macro2::TokenStream;
use quote::quote;

use super::client::ident;
use crate::csdl::Model;
use crate::csdl::model::StructuredKind;
use crate::plan::{ApiPlan, Features};

/// The `catalog` module.
pub fn catalog_module(model: &Model, features: &Features, plan: &ApiPlan) -> TokenStream {
    let endpoints = plan.endpoints.iter().map(|entry| {
        let name = &entry.name;
        // The plan's enums are named as the runtime's.
        let kind = ident(&format!("{:?}", entry.kind));
        let verb = ident(&format!("{:?}", entry.verb));
        let parameters = entry.parameters.iter().map(|p| {
            let (name, ty, collection, optional) = (&p.name, &p.ty, p.collection, p.optional);
            let location = ident(&format!("{:?}", p.location));
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
    let root = &plan.root;
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
    .map(|name| ident(name))
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
