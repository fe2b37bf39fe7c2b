//! The `registry` module: decoding a JSON body as a type named at run time, for tools that
//! check saved responses (`defender decode`).
//!
//! Written as text: two tables and a `match` of fixed shape (see `catalog.rs` for why).

use std::fmt::Write;

use crate::csdl::Model;
use crate::csdl::model::StructuredKind;
use crate::csdl::resolve::Resolved;
use crate::plan::{Features, Layout};

/// The `registry` module for every entity and complex type, or nothing when there is none.
pub fn registry_module(model: &Model, layout: &Layout, features: &Features) -> Option<String> {
    let mut arms = String::new();
    let mut names = String::new();
    // A bare name is only a spelling of a type when no other namespace declares it too.
    let mut bare_counts = std::collections::HashMap::new();
    for ty in model.document.schemas.iter().flat_map(|s| &s.structured_types) {
        *bare_counts.entry(ty.name.as_str()).or_insert(0) += 1;
    }
    for schema in &model.document.schemas {
        for ty in &schema.structured_types {
            let qualified = format!("{}.{}", schema.namespace, ty.name);
            let path =
                super::tokens_text(layout.path(&schema.namespace, &ty.name, crate::plan::REGISTRY_MODULE));
            let cfg = features.cfg_text(features.of_type(&qualified));
            let mut spellings = vec![format!("{qualified:?}")];
            if bare_counts.get(ty.name.as_str()) == Some(&1) {
                spellings.push(format!("{:?}", ty.name));
            }
            if let Some(alias) = &schema.alias {
                spellings.push(format!("{:?}", format!("{alias}.{}", ty.name)));
            }
            let kind = match ty.kind {
                StructuredKind::Entity => "entity",
                StructuredKind::Complex => "complex",
            };
            if !cfg.is_empty() {
                let _ = writeln!(arms, "        {cfg}");
                let _ = writeln!(names, "    {cfg}");
            }
            let _ = writeln!(
                arms,
                "        {} => Some(round_trip::<{path}>(body, collection)),",
                spellings.join(" | ")
            );
            let _ = writeln!(names, "    ({qualified:?}, {kind:?}),");
        }
    }
    if arms.is_empty() {
        return None;
    }
    // Entity sets and singletons, by the names `@odata.context` uses for them.
    let mut roots = String::new();
    if let Some((_, container)) = model.container() {
        let sets = container.entity_sets.iter().map(|s| (&s.name, &s.entity_type));
        let singletons = container.singletons.iter().map(|s| (&s.name, &s.ty));
        for (name, ty) in sets.chain(singletons) {
            if let Some(Resolved::Structured(schema, structured)) = model.resolve(ty) {
                let qualified = format!("{}.{}", schema.namespace, structured.name);
                let _ = writeln!(roots, "    ({name:?}, {qualified:?}),");
            }
        }
    }
    let mut out = String::new();
    out.push_str("#[allow(unused_imports)]\nuse defender_runtime::codegen::prelude::*;\n\n");
    out.push_str("/// Every entity and complex type this crate decodes: qualified CSDL name and kind.\n");
    let _ = writeln!(out, "pub const TYPES: &[(&str, &str)] = &[\n{names}];\n");
    out.push_str(
        "/// Entity sets and singletons with the qualified name of their entity type, for reading\n\
         /// `@odata.context` (`…/$metadata#machines/$entity`).\n",
    );
    let _ = writeln!(out, "pub const ROOTS: &[(&str, &str)] = &[\n{roots}];\n");
    out.push_str(
        "/// Decodes `body` as the type named `name` (qualified, aliased or bare CSDL name), or as a\n\
         /// collection page of it, and writes the decoded value back as JSON. `None` when no type\n\
         /// has that name (or its feature is off).\n\
         pub fn decode_as(name: &str, collection: bool, body: &[u8]) -> Option<defender_runtime::Result<Value>> {\n    match name {\n",
    );
    out.push_str(&arms);
    out.push_str("        _ => None,\n    }\n}\n\n");
    out.push_str(
        "#[allow(dead_code)]\n\
         fn round_trip<T: DeserializeOwned + Serialize>(body: &[u8], collection: bool) -> defender_runtime::Result<Value> {\n    \
         let written = if collection {\n        \
         serde_json::to_value(decode_body::<defender_runtime::Page<T>>(body, None)?)\n    \
         } else {\n        \
         serde_json::to_value(decode_body::<T>(body, None)?)\n    \
         };\n    \
         written.map_err(|e| defender_runtime::Error::config(format!(\"cannot write the decoded value back: {e}\")))\n\
         }\n",
    );
    Some(out)
}
