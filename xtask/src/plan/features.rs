//! Cargo features: one per endpoint root (entity set, singleton, operation import), so that a
//! crate user compiles only the endpoints and types they use.
//!
//! A type is compiled when any feature that reaches it is on. Reaching follows what a root's
//! endpoints can send or return: the root's entity type, the operations bound to it, and from
//! there every property, base type, parameter and return type.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use heck::ToKebabCase;
use proc_macro2::TokenStream;

use crate::csdl::Model;
use crate::csdl::model::Operation;
use crate::csdl::resolve::Resolved;

/// Which feature each root and type belongs to. Empty when features are off.
#[derive(Debug, Default)]
pub struct Features {
    of_root: BTreeMap<String, String>,
    /// Each type's index into `sets`: types reached by the same features share one set.
    of_type: HashMap<String, usize>,
    sets: Vec<BTreeSet<String>>,
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
        let graph = TypeGraph::new(model);
        // Which roots' features reach each type, as feature names.
        let mut reached_by: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); graph.names.len()];
        for (root, feature, types) in &roots {
            for at in graph.closure(model, types) {
                reached_by[at].insert(feature);
            }
            features.of_root.insert(root.clone(), feature.clone());
            features.all.insert(feature.clone());
        }
        // A type no feature reaches is always compiled, and so must be everything it uses.
        let orphans: Vec<String> = reached_by
            .iter()
            .zip(&graph.names)
            .filter(|(reached, _)| reached.is_empty())
            .map(|(_, name)| name.clone())
            .collect();
        let all: BTreeSet<&str> = features.all.iter().map(String::as_str).collect();
        for at in graph.closure(model, &orphans) {
            reached_by[at] = all.clone();
        }
        let mut interned: HashMap<BTreeSet<&str>, usize> = HashMap::new();
        for (name, reached) in graph.names.iter().zip(reached_by) {
            if reached.is_empty() {
                continue;
            }
            let next = interned.len();
            let id = *interned.entry(reached.clone()).or_insert(next);
            if id == next {
                features.sets.push(reached.iter().map(|f| (*f).to_owned()).collect());
            }
            features.of_type.insert(name.clone(), id);
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
    pub fn of_type(&self, qualified: &str) -> &BTreeSet<String> {
        self.of_type.get(qualified).map_or(&self.all, |&id| &self.sets[id])
    }

    /// `#[cfg(…)]` for code that any of `features` needs; nothing when every feature needs it.
    /// The tokens of [`Features::cfg_text`], so that both renderings say one thing.
    pub fn cfg(&self, features: &BTreeSet<String>) -> TokenStream {
        self.cfg_text(features).parse().unwrap_or_default()
    }

    /// `#[cfg(feature = "a")]` or `#[cfg(any(feature = "a", feature = "b"))]` for code that any of
    /// `features` needs, as text; empty when nothing gates it or every feature needs it.
    pub fn cfg_text(&self, features: &BTreeSet<String>) -> String {
        if self.all.is_empty() || features.is_empty() || *features == self.all {
            return String::new();
        }
        let names: Vec<String> = features.iter().map(|f| format!("feature = {f:?}")).collect();
        match names.as_slice() {
            [one] => format!("#[cfg({one})]"),
            _ => format!("#[cfg(any({}))]", names.join(", ")),
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

/// What a value of each declared type can hold: its derived types (a value of a base type may
/// arrive as any of them), the types of its properties and navigation properties (inherited
/// ones too) and its base type. Built once, so that the reach of every endpoint root is a walk
/// over indexes: Graph's roots each reach most of its 3,000 types through `entity`.
struct TypeGraph {
    names: Vec<String>,
    index: HashMap<String, usize>,
    edges: Vec<Vec<usize>>,
}

impl TypeGraph {
    fn new(model: &Model) -> Self {
        let names: Vec<String> = model.types().map(|(name, _)| name.to_owned()).collect();
        let index: HashMap<String, usize> = names.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
        let find = |name: &str| index.get(&model.qualify(name)).copied();
        let edges = names
            .iter()
            .map(|qualified| {
                let Some(Resolved::Structured(schema, ty)) = model.resolve(qualified) else {
                    return Vec::new();
                };
                let derived = model.derived(qualified);
                let properties = model.all_properties(schema, ty);
                derived
                    .iter()
                    .map(String::as_str)
                    .chain(properties.iter().map(|p| p.ty.name.as_str()))
                    .chain(ty.navigation_properties.iter().map(|n| n.ty.name.as_str()))
                    .chain(ty.base_type.as_deref())
                    .filter_map(find)
                    .collect()
            })
            .collect();
        Self { names, index, edges }
    }

    /// The indexes of every declared type reachable from `start` (names as written); Edm and
    /// external names reach nothing.
    fn closure(&self, model: &Model, start: &[String]) -> Vec<usize> {
        let mut seen = vec![false; self.names.len()];
        let mut stack: Vec<usize> =
            start.iter().filter_map(|name| self.index.get(&model.qualify(name)).copied()).collect();
        while let Some(at) = stack.pop() {
            if std::mem::replace(&mut seen[at], true) {
                continue;
            }
            stack.extend(self.edges[at].iter().copied().filter(|&next| !seen[next]));
        }
        seen.iter().enumerate().filter(|(_, seen)| **seen).map(|(at, _)| at).collect()
    }
}
