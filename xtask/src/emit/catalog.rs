//! The `catalog` module: every endpoint and type as data a program can read at run time
//! (`defender_runtime::catalog`), for tools that call endpoints by name or answer them.
//!
//! Its endpoints are the [`ApiPlan`]'s, the same record the client module is printed from, so
//! the catalog names exactly the requests the SDK sends and the methods that send them.
//!
//! The module is one long table of literals, so it is written as text directly rather than
//! built as tokens, parsed back and pretty-printed: on Graph's metadata that round trip was a
//! seventh of the generator's time, for 3 MB of lines whose layout is fixed.

use std::fmt::Write;

use crate::csdl::Model;
use crate::csdl::model::StructuredKind;
use crate::plan::{ApiPlan, Features};

/// A Rust string literal for `text` (`Debug` escapes exactly what a literal must).
fn lit(text: &str) -> String {
    format!("{text:?}")
}

/// `TypeRef::single("…")` or `TypeRef::collection_of("…")`.
fn type_ref(name: &str, collection: bool) -> String {
    if collection {
        format!("TypeRef::collection_of({})", lit(name))
    } else {
        format!("TypeRef::single({})", lit(name))
    }
}

/// `&[…]` with one item per line at `indent`, or `&[]`.
fn list(out: &mut String, indent: &str, items: impl IntoIterator<Item = String>) {
    let mut items = items.into_iter().peekable();
    if items.peek().is_none() {
        out.push_str("&[],\n");
        return;
    }
    out.push_str("&[\n");
    for item in items {
        let _ = writeln!(out, "{indent}    {item},");
    }
    let _ = writeln!(out, "{indent}],");
}

/// `#[cfg(…)]` on its own line, when the item is behind features.
fn cfg(out: &mut String, indent: &str, features: &Features, set: &std::collections::BTreeSet<String>) {
    let cfg = features.cfg_text(set);
    if !cfg.is_empty() {
        let _ = writeln!(out, "{indent}{cfg}");
    }
}

/// The `catalog` module's items.
pub fn catalog_module(model: &Model, features: &Features, plan: &ApiPlan) -> String {
    let mut out = String::with_capacity(plan.endpoints.len() * 600);
    // A document without enumerations, parameters or properties leaves some names unused, and
    // features may compile out the rest.
    out.push_str("#[allow(unused_imports)]\n");
    out.push_str(
        "use defender_runtime::catalog::{\n    Catalog, Endpoint, EndpointKind, Enumeration, Parameter, ParameterLocation, Permission,\n    Property, Shape, Structure, TypeInfo, TypeRef, Verb,\n};\n\n",
    );
    out.push_str("/// Every endpoint the SDK sends requests to, grouped by the entity set, singleton or\n/// import it starts from.\npub static ENDPOINTS: &[Endpoint] = &[\n");
    for entry in &plan.endpoints {
        cfg(&mut out, "    ", features, &entry.features);
        out.push_str("    Endpoint {\n");
        let _ = writeln!(out, "        name: {},", lit(&entry.name));
        let _ = writeln!(out, "        root: {},", lit(&entry.root));
        // The plan's enums are named as the runtime's.
        let _ = writeln!(out, "        kind: EndpointKind::{:?},", entry.kind);
        let _ = writeln!(out, "        verb: Verb::{:?},", entry.verb);
        let _ = writeln!(out, "        path: {},", lit(&entry.path));
        out.push_str("        parameters: ");
        list(
            &mut out,
            "        ",
            entry.parameters.iter().map(|p| {
                let constructor = if p.optional { "optional" } else { "required" };
                format!(
                    "Parameter::{constructor}({}, {}, ParameterLocation::{:?})",
                    lit(&p.name),
                    type_ref(&p.ty, p.collection),
                    p.location
                )
            }),
        );
        let returns = match &entry.returns {
            Some((ty, collection)) => format!("Some({})", type_ref(ty, *collection)),
            None => "None".to_owned(),
        };
        let _ = writeln!(out, "        returns: {returns},");
        let file_rows = match &entry.file_rows {
            Some(row) => format!("Some({})", lit(row)),
            None => "None".to_owned(),
        };
        let _ = writeln!(out, "        file_rows: {file_rows},");
        out.push_str("        permissions: ");
        list(
            &mut out,
            "        ",
            entry
                .permissions
                .iter()
                .map(|(kind, name)| format!("Permission::new({}, {})", lit(kind), lit(name))),
        );
        let _ = writeln!(out, "        summary: {},", lit(&entry.summary));
        let _ = writeln!(out, "        sdk: {},", lit(&entry.sdk));
        out.push_str("    },\n");
    }
    out.push_str("];\n\n/// Every type the metadata declares.\npub static TYPES: &[TypeInfo] = &[\n");
    type_entries(&mut out, model, features);
    out.push_str("];\n\n/// The endpoints and types together.\n");
    let _ = writeln!(
        out,
        "pub static CATALOG: Catalog = Catalog {{ root: {}, endpoints: ENDPOINTS, types: TYPES }};",
        lit(&plan.root)
    );
    out
}

fn type_entries(out: &mut String, model: &Model, features: &Features) {
    for schema in &model.document.schemas {
        for ty in &schema.structured_types {
            let qualified = format!("{}.{}", schema.namespace, ty.name);
            cfg(out, "    ", features, features.of_type(&qualified));
            let shape = match ty.kind {
                StructuredKind::Entity => "Entity",
                StructuredKind::Complex => "Complex",
            };
            let _ = writeln!(out, "    TypeInfo {{\n        name: {},", lit(&qualified));
            let _ = writeln!(out, "        shape: Shape::{shape}(Structure {{");
            let base = ty
                .base_type
                .as_ref()
                .map_or("None".to_owned(), |b| format!("Some({})", lit(&model.qualify(b))));
            let _ = writeln!(out, "            base: {base},");
            let _ = writeln!(out, "            is_abstract: {},", ty.is_abstract);
            let _ = writeln!(out, "            open: {},", ty.open_type);
            let key: Vec<String> = model.key(ty).iter().map(|k| lit(k)).collect();
            let _ = writeln!(out, "            key: &[{}],", key.join(", "));
            let property = |name: &str, ty: &crate::csdl::model::TypeRef, nullable: bool| {
                format!(
                    "Property::new({}, {}, {nullable})",
                    lit(name),
                    type_ref(&model.qualify(&ty.name), ty.collection)
                )
            };
            out.push_str("            properties: ");
            list(out, "            ", ty.properties.iter().map(|p| property(&p.name, &p.ty, p.nullable)));
            out.push_str("            navigation: ");
            list(
                out,
                "            ",
                ty.navigation_properties.iter().map(|n| property(&n.name, &n.ty, n.nullable)),
            );
            out.push_str("        }),\n    },\n");
        }
        for ty in &schema.enum_types {
            let qualified = format!("{}.{}", schema.namespace, ty.name);
            cfg(out, "    ", features, features.of_type(&qualified));
            let _ = writeln!(out, "    TypeInfo {{\n        name: {},", lit(&qualified));
            out.push_str("        shape: Shape::Enum(Enumeration {\n            members: ");
            list(
                out,
                "            ",
                ty.members.iter().map(|m| format!("({}, {}i64)", lit(&m.name), m.value)),
            );
            let _ = writeln!(out, "            flags: {},\n        }}),\n    }},", ty.is_flags);
        }
        for ty in &schema.type_definitions {
            let qualified = format!("{}.{}", schema.namespace, ty.name);
            cfg(out, "    ", features, features.of_type(&qualified));
            let _ = writeln!(
                out,
                "    TypeInfo {{\n        name: {},\n        shape: Shape::Definition {{ underlying: {} }},\n    }},",
                lit(&qualified),
                lit(&model.qualify(&ty.underlying_type))
            );
        }
    }
}
