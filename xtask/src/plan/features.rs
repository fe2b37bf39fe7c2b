//! Cargo features: one per endpoint root (entity set, singleton, operation import), so that a
//! crate user compiles only the endpoints and types they use.
//!
//! A type is compiled when any feature that reaches it is on. Reaching follows what a root's
//! endpoints can send or return: the root's entity type, the operations bound to it, and from
//! there every property, base type, parameter and return type.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use heck::ToKebabCase;
use proc_macro2::TokenStream;
use quote::quote;

use crate::csdl::Model;
use crate::csdl::model::Operation;
use crate::csdl::resolve::Resolved;

/// Which feature each root and type belongs to. Empty when features are off.
#[derive(Debug, Default)]
pub struct Features {
    of_root: BTreeMap<String, String>,
    of_type: HashMap<String, BTreeSet<String>>,
    all: BTreeSet<String>,
}

impl Features {
    /// Features for `model`'s container, or none when `enabled` is false.
    pub fn new(model: &Model, enabled: bool) -> Self {
        let mut features = Features::default();
        let Some((schema, container)) = model.container().filter(|_| enabled) else {
            return features;
        };
        let mut roots: Vec<(String, String, Vec<String>)> = Vec::new();
        for singleton in &container.singletons {
            roots.push((
                singleton.name.clone(),
                singleton.name.to_kebab_case(),
                bound_types(model, &singleton.ty),
            ));
        }
        for set in &container.entity_sets {
            roots.push((set.name.clone(), set.name.to_kebab_case(), bound_types(model, &set.entity_type)));
        }
        for import in &container.imports {
            let path = model.import_path(schema, container, import);
            let feature = path.split('/').next().unwrap_or(&import.name).to_kebab_case();
            let types = model
                .operations(&import.operation)
                .into_iter()
                .flat_map(|(_, op)| operation_types(op))
                .collect();
            roots.push((import.name.clone(), feature, types));
        }
        for (root, feature, types) in roots {
            for ty in closure(model, types) {
                features.of_type.entry(ty).or_default().insert(feature.clone());
            }
            features.of_root.insert(root, feature.clone());
            features.all.insert(feature);
        }
        // A type no feature reaches is always compiled, and so must be everything it uses.
        let declared: Vec<String> = model.types().map(|(name, _)| name.to_owned()).collect();
        let orphans: Vec<String> =
            declared.into_iter().filter(|t| !features.of_type.contains_key(t)).collect();
        for ty in closure(model, orphans) {
            features.of_type.insert(ty, features.all.clone());
        }
        features
    }

    /// Every feature, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.all.iter().map(String::as_str)
    }

    /// The feature of a container child (entity set, singleton or import).
    pub fn of_root(&self, name: &str) -> Option<&str> {
        self.of_root.get(name).map(String::as_str)
    }

    /// The features that reach a type.
    pub fn of_type(&self, qualified: &str) -> BTreeSet<String> {
        self.of_type.get(qualified).cloned().unwrap_or_else(|| self.all.clone())
    }

    /// `#[cfg(…)]` for code that any of `features` needs; nothing when every feature needs it.
    pub fn cfg(&self, features: &BTreeSet<String>) -> TokenStream {
        if self.all.is_empty() || features.is_empty() || *features == self.all {
            return quote!();
        }
        let names = features.iter();
        if features.len() == 1 {
            quote!(#[cfg(feature = #(#names)*)])
        } else {
            quote!(#[cfg(any(#(feature = #names),*))])
        }
    }

    /// Whether some code is compiled only under some features, so imports may go unused.
    pub fn gates_anything(&self) -> bool {
        self.all.len() > 1
    }
}

/// An entity type and everything the operations bound to it (or to its collection) take and
/// return.
fn bound_types(model: &Model, entity_type: &str) -> Vec<String> {
    let qualified = model.qualify(entity_type);
    let mut types = vec![qualified.clone()];
    for (_, operation) in model.bound_operations(&qualified) {
        types.extend(operation_types(operation));
    }
    types
}

fn operation_types(operation: &Operation) -> Vec<String> {
    operation
        .parameters
        .iter()
        .map(|p| p.ty.name.clone())
        .chain(operation.return_type.iter().map(|r| r.ty.name.clone()))
        .collect()
}

/// Every declared type reachable from `start`, qualified.
fn closure(model: &Model, start: Vec<String>) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut stack = start;
    while let Some(name) = stack.pop() {
        let qualified = model.qualify(&name);
        if name.starts_with("Edm.") || !seen.insert(qualified.clone()) {
            continue;
        }
        if let Some(Resolved::Structured(schema, ty)) = model.resolve(&qualified) {
            // A value of a base type may arrive as any derived type.
            stack.extend(model.derived(&qualified));
            let properties = model.all_properties(schema, ty);
            stack.extend(properties.iter().map(|p| p.ty.name.clone()));
            stack.extend(ty.navigation_properties.iter().map(|n| n.ty.name.clone()));
            stack.extend(ty.base_type.iter().cloned());
        }
    }
    seen.retain(|name| {
        model.resolve(name).is_some_and(|r| !matches!(r, Resolved::Edm(_) | Resolved::External))
    });
    seen
}
