//! The `registry` module: decoding a JSON body as a type named at run time, for tools that
//! check saved responses (`defender decode`).

use proc_macro2::TokenStream;
use quote::quote;

use crate::csdl::Model;
use crate::csdl::model::StructuredKind;
use crate::csdl::resolve::Resolved;
use crate::plan::{Features, Layout};

/// The `registry` module for every entity and complex type, or nothing when there is none.
pub fn registry_module(model: &Model, layout: &Layout, features: &Features) -> Option<TokenStream> {
    let mut arms = Vec::new();
    let mut names = Vec::new();
    // A bare name is only a spelling of a type when no other namespace declares it too.
    let mut bare_counts = std::collections::HashMap::new();
    for ty in model.document.schemas.iter().flat_map(|s| &s.structured_types) {
        *bare_counts.entry(ty.name.as_str()).or_insert(0) += 1;
    }
    for schema in &model.document.schemas {
        for ty in &schema.structured_types {
            let qualified = format!("{}.{}", schema.namespace, ty.name);
            let path = layout.path(&schema.namespace, &ty.name, crate::plan::REGISTRY_MODULE);
            let cfg = features.cfg(features.of_type(&qualified));
            let mut spellings = vec![qualified.clone()];
            if bare_counts.get(ty.name.as_str()) == Some(&1) {
                spellings.push(ty.name.clone());
            }
            if let Some(alias) = &schema.alias {
                spellings.push(format!("{alias}.{}", ty.name));
            }
            arms.push(quote!(#cfg #(#spellings)|* => Some(round_trip::<#path>(body, collection)),));
            let kind = match ty.kind {
                StructuredKind::Entity => "entity",
                StructuredKind::Complex => "complex",
            };
            names.push(quote!(#cfg (#qualified, #kind),));
        }
    }
    if arms.is_empty() {
        return None;
    }
    // Entity sets and singletons, by the names `@odata.context` uses for them.
    let roots = model.container().into_iter().flat_map(|(_, container)| {
        let sets = container.entity_sets.iter().map(|s| (s.name.clone(), s.entity_type.clone()));
        let singletons = container.singletons.iter().map(|s| (s.name.clone(), s.ty.clone()));
        sets.chain(singletons).collect::<Vec<_>>()
    });
    let roots: Vec<TokenStream> = roots
        .filter_map(|(name, ty)| match model.resolve(&ty) {
            Some(Resolved::Structured(schema, structured)) => {
                let qualified = format!("{}.{}", schema.namespace, structured.name);
                Some(quote!((#name, #qualified),))
            }
            _ => None,
        })
        .collect();
    let prelude = super::prelude();
    Some(quote! {
        #prelude

        /// Every entity and complex type this crate decodes: qualified CSDL name and kind.
        pub const TYPES: &[(&str, &str)] = &[#(#names)*];

        /// Entity sets and singletons with the qualified name of their entity type, for reading
        /// `@odata.context` (`…/$metadata#machines/$entity`).
        pub const ROOTS: &[(&str, &str)] = &[#(#roots)*];

        /// Decodes `body` as the type named `name` (qualified, aliased or bare CSDL name), or as a
        /// collection page of it, and writes the decoded value back as JSON. `None` when no type
        /// has that name (or its feature is off).
        pub fn decode_as(name: &str, collection: bool, body: &[u8]) -> Option<defender_runtime::Result<Value>> {
            match name {
                #(#arms)*
                _ => None,
            }
        }

        #[allow(dead_code)]
        fn round_trip<T: DeserializeOwned + Serialize>(body: &[u8], collection: bool) -> defender_runtime::Result<Value> {
            let written = if collection {
                serde_json::to_value(decode_body::<defender_runtime::Page<T>>(body, None)?)
            } else {
                serde_json::to_value(decode_body::<T>(body, None)?)
            };
            written.map_err(|e| defender_runtime::Error::config(format!("cannot write the decoded value back: {e}")))
        }
    })
}
