//! `cargo xtask metadata subset`: the part of a document that a few URL paths reach, as a valid
//! CSDL document of its own, so that five endpoints of Graph do not cost 600,000 generated lines.
//!
//! A path is an entity container child (entity set, singleton, action or function import)
//! followed by navigation property or bound operation segments; `*` stands for any one segment
//! and `**` for any depth (`security/incidents/**`, `security/runHuntingQuery`). What is kept:
//!
//! - the types that an included property, navigation property, parameter or return type names,
//!   and the types derived from each of those (a polymorphic slot can hold any of them);
//! - the base types of every kept type, but not the types derived from a type kept only as a
//!   base (otherwise `entity` would pull in all of Graph);
//! - the bound operations a path names (`**` names every one below it), and the operations the
//!   included imports call;
//! - of each kept type, its structural properties and only the navigation properties that a path
//!   includes; of the container, the included children and the bindings between them;
//! - annotations whose target is kept, and references and terms as they are.
//!
//! Selection works on the checked model; the output is the input's element tree with what is
//! not kept left out, written in the canonical form of `metadata normalize`, and checked by
//! reading it back.

use std::collections::{BTreeSet, HashSet};

use crate::csdl::model::{Operation, StructuredType, TypeRef};
use crate::csdl::resolve::{AnnotationTarget, Resolved};
use crate::csdl::xml::Element;
use crate::csdl::{self, Model};

/// The Defender part of Microsoft Graph: incidents and alerts with what lies below them,
/// advanced hunting, and Secure Score.
pub const GRAPH_DEFENDER_PATHS: &[&str] = &[
    "security/incidents/**",
    "security/alerts_v2/**",
    "security/runHuntingQuery",
    "security/secureScores",
    "security/secureScoreControlProfiles",
];

/// What a set of paths reaches, by qualified name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Entity, complex, enumeration and type definition types.
    pub types: BTreeSet<String>,
    /// Navigation properties kept, as `Namespace.Type/name`.
    pub navigation: BTreeSet<String>,
    /// Operations kept, by where they are declared (overloads are told apart by position).
    pub operations: BTreeSet<(u32, u32)>,
    /// Entity sets, singletons and imports kept, by name.
    pub container: BTreeSet<String>,
}

/// Where a path stands: an entity type, in a collection or alone.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Position {
    ty: String,
    collection: bool,
}

/// Selects what `paths` reach in `model`; a path that matches nothing is an error, so that a
/// typo does not silently give an empty subset.
pub fn select(model: &Model, paths: &[String]) -> Result<Selection, String> {
    let (_, container) = model.container().ok_or("the document has no entity container")?;
    let mut walk = Walk {
        model,
        selection: Selection::default(),
        slots: Vec::new(),
        visited: HashSet::new(),
        unmatched: Vec::new(),
    };
    for path in paths {
        let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let Some((first, rest)) = segments.split_first() else { return Err(format!("empty path {path:?}")) };
        let mut matched = false;
        for set in &container.entity_sets {
            if matches(first, &set.name) {
                matched = true;
                walk.selection.container.insert(set.name.clone());
                walk.from(Position { ty: model.qualify(&set.entity_type), collection: true }, rest);
            }
        }
        for singleton in &container.singletons {
            if matches(first, &singleton.name) {
                matched = true;
                walk.selection.container.insert(singleton.name.clone());
                walk.from(Position { ty: model.qualify(&singleton.ty), collection: false }, rest);
            }
        }
        for import in &container.imports {
            if matches(first, &import.name) {
                matched = true;
                walk.selection.container.insert(import.name.clone());
                for (_, operation) in model.operations(&import.operation) {
                    if !operation.is_bound {
                        walk.operation(operation);
                    }
                }
            }
        }
        if !matched {
            return Err(format!("`{first}` of path {path:?} is no entity set, singleton or import"));
        }
        if let Some(segment) = walk.unmatched.pop() {
            return Err(format!(
                "`{segment}` of path {path:?} is no navigation property or bound operation there"
            ));
        }
    }
    walk.close();
    Ok(walk.selection)
}

fn matches(pattern: &str, name: &str) -> bool {
    pattern == "*" || pattern == "**" || pattern == name
}

struct Walk<'a> {
    model: &'a Model,
    selection: Selection,
    /// Types named by a kept property, parameter or return type: kept with their derived types.
    slots: Vec<String>,
    /// Positions already expanded by `**`, so that cycles of navigation end.
    visited: HashSet<Position>,
    /// Named segments that matched nothing where the path put them.
    unmatched: Vec<String>,
}

impl<'a> Walk<'a> {
    /// Follows `rest` from `at`, which is kept.
    fn from(&mut self, at: Position, rest: &[&str]) {
        self.slots.push(at.ty.clone());
        let Some((segment, rest)) = rest.split_first() else { return };
        if *segment == "**" {
            if !self.visited.insert(at.clone()) {
                return;
            }
            // Everything below, at any depth: each child, then `**` again from it.
            for next in self.children(&at, "*") {
                self.from(next, &["**"]);
            }
            return;
        }
        let operations = self.selection.operations.len();
        let children = self.children(&at, segment);
        if children.is_empty() && self.selection.operations.len() == operations && *segment != "*" {
            self.unmatched.push((*segment).to_owned());
        }
        for next in children {
            self.from(next, rest);
        }
    }

    /// The navigation properties and bound operations of `at` that `segment` names, keeping
    /// them; where each navigation property leads.
    fn children(&mut self, at: &Position, segment: &str) -> Vec<Position> {
        let mut next = Vec::new();
        let chain = self.base_chain(&at.ty);
        for ty in &chain {
            let Some(Resolved::Structured(schema, structured)) = self.model.resolve(ty) else { continue };
            for navigation in &structured.navigation_properties {
                if matches(segment, &navigation.name) {
                    self.selection
                        .navigation
                        .insert(format!("{}.{}/{}", schema.namespace, structured.name, navigation.name));
                    next.push(Position {
                        ty: self.model.qualify(&navigation.ty.name),
                        collection: navigation.ty.collection,
                    });
                }
            }
        }
        let bound: Vec<&'a Operation> = self
            .model
            .document
            .schemas
            .iter()
            .flat_map(|schema| schema.operations.iter().map(move |op| (schema, op)))
            .filter(|(schema, op)| {
                let qualified = format!("{}.{}", schema.namespace, op.name);
                op.is_bound && (matches(segment, &op.name) || segment == qualified)
            })
            // Paths carry no keys, so below a collection both the operations bound to the
            // collection and those bound to one of its entities are named.
            .filter(|(_, op)| {
                op.parameters.first().is_some_and(|binding| {
                    (at.collection || !binding.ty.collection)
                        && chain.contains(&self.model.qualify(&binding.ty.name))
                })
            })
            .map(|(_, op)| op)
            .collect();
        for operation in bound {
            self.operation(operation);
        }
        next
    }

    /// `ty` and the types it derives from.
    fn base_chain(&self, ty: &str) -> Vec<String> {
        let mut chain = vec![ty.to_owned()];
        let mut current = ty.to_owned();
        while let Some(Resolved::Structured(_, structured)) = self.model.resolve(&current) {
            match &structured.base_type {
                Some(base) if chain.len() < 64 => {
                    current = self.model.qualify(base);
                    chain.push(current.clone());
                }
                _ => break,
            }
        }
        chain
    }

    /// Keeps an operation and the types of its parameters and result.
    fn operation(&mut self, operation: &Operation) {
        self.selection.operations.insert((operation.pos.line, operation.pos.column));
        let types =
            operation.parameters.iter().map(|p| &p.ty).chain(operation.return_type.as_ref().map(|r| &r.ty));
        let names: Vec<String> = types.map(|ty: &TypeRef| self.model.qualify(&ty.name)).collect();
        self.slots.extend(names);
    }

    /// Keeps every slot type with its derived types, what their properties name, and their
    /// base types (without the bases' other derived types), until nothing new is reached.
    fn close(&mut self) {
        let mut bases: Vec<String> = Vec::new();
        loop {
            if let Some(slot) = self.slots.pop() {
                let derived = self.model.derived(&slot);
                for ty in std::iter::once(slot).chain(derived) {
                    self.keep(ty, &mut bases);
                }
            } else if let Some(base) = bases.pop() {
                self.keep(base, &mut bases);
            } else {
                break;
            }
        }
    }

    /// Keeps one type: its properties' types become slots, its base type a base.
    fn keep(&mut self, ty: String, bases: &mut Vec<String>) {
        let Some(resolved) = self.model.resolve(&ty) else { return };
        if matches!(resolved, Resolved::Edm(_) | Resolved::External) || self.selection.types.contains(&ty) {
            return;
        }
        self.selection.types.insert(ty.clone());
        if let Resolved::Structured(_, structured) = resolved {
            self.keep_members(structured, bases);
        }
    }

    fn keep_members(&mut self, structured: &StructuredType, bases: &mut Vec<String>) {
        for property in &structured.properties {
            self.slots.push(self.model.qualify(&property.ty.name));
        }
        if let Some(base) = &structured.base_type {
            bases.push(self.model.qualify(base));
        }
    }
}

/// The subset of `source` that `paths` reach, without annotations of the terms in `drop_terms`
/// (qualified or by alias, such as `Org.OData.Core.V1.Description`), as a canonical document
/// that has been read back and checked.
pub fn subset(source: &str, paths: &[String], drop_terms: &[String]) -> Result<String, String> {
    subset_with(source, paths, drop_terms, &[])
}

/// [`subset`], with the entity container tagged with each term of `container_tags` (a Boolean
/// term set to `true`, such as `Org.OData.Capabilities.V1.KeyAsSegmentSupported`): how a spec
/// states a convention that the service follows but its published metadata does not declare.
pub fn subset_with(
    source: &str,
    paths: &[String],
    drop_terms: &[String],
    container_tags: &[String],
) -> Result<String, String> {
    let model = csdl::parse(source).map_err(|e| e.to_string())?;
    let selection = select(&model, paths)?;
    let (mut root, _) = csdl::xml::parse(source).map_err(|e| e.to_string())?;
    let drop: Vec<String> = drop_terms.iter().map(|t| model.qualify(t)).collect();
    let keep = Keep { model: &model, selection: &selection, drop: &drop };
    keep.filter(&mut root, None);
    if !container_tags.is_empty() {
        let container =
            find_mut(&mut root, "EntityContainer").ok_or("the document has no entity container to tag")?;
        for term in container_tags {
            let pos = container.pos;
            container.children.push(csdl::xml::Element {
                name: "Annotation".to_owned(),
                qualified_name: "Annotation".to_owned(),
                attributes: vec![("Term".to_owned(), term.clone()), ("Bool".to_owned(), "true".to_owned())],
                children: Vec::new(),
                text: String::new(),
                pos,
            });
        }
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    super::normalize::write(&mut out, &root, 0);
    csdl::parse(&out)
        .map_err(|e| format!("the subset is not a valid document (a bug in the subset): {e}"))?;
    Ok(out)
}

/// The first element called `name`, depth first.
fn find_mut<'e>(element: &'e mut csdl::xml::Element, name: &str) -> Option<&'e mut csdl::xml::Element> {
    if element.name == name {
        return Some(element);
    }
    element.children.iter_mut().find_map(|child| find_mut(child, name))
}

/// Decides, element by element, what the output keeps.
struct Keep<'a> {
    model: &'a Model,
    selection: &'a Selection,
    drop: &'a [String],
}

impl Keep<'_> {
    /// Filters `element`'s children; `namespace` is the enclosing schema's.
    fn filter(&self, element: &mut Element, namespace: Option<&str>) {
        let namespace = element
            .attr("Namespace")
            .filter(|_| element.name == "Schema")
            .map(str::to_owned)
            .or(namespace.map(str::to_owned));
        let owner = match (element.name.as_str(), &namespace, element.attr("Name")) {
            ("EntityType" | "ComplexType", Some(ns), Some(name)) => Some(format!("{ns}.{name}")),
            _ => None,
        };
        element.children.retain(|child| self.keeps(child, namespace.as_deref(), owner.as_deref()));
        for child in &mut element.children {
            self.filter(child, namespace.as_deref());
        }
        // A schema left with nothing in it says nothing.
        element.children.retain(|child| child.name != "Schema" || !child.children.is_empty());
    }

    fn keeps(&self, child: &Element, namespace: Option<&str>, owner: Option<&str>) -> bool {
        let qualified = |name: &str| namespace.map_or_else(|| name.to_owned(), |ns| format!("{ns}.{name}"));
        let name = child.attr("Name").unwrap_or_default();
        match child.name.as_str() {
            "EntityType" | "ComplexType" | "EnumType" | "TypeDefinition" => {
                self.selection.types.contains(&qualified(name))
            }
            "Function" | "Action" => self.selection.operations.contains(&(child.pos.line, child.pos.column)),
            "NavigationProperty" => {
                owner.is_some_and(|o| self.selection.navigation.contains(&format!("{o}/{name}")))
            }
            "EntitySet" | "Singleton" | "ActionImport" | "FunctionImport" => {
                self.selection.container.contains(name)
            }
            "NavigationPropertyBinding" => {
                let target = child.attr("Target").unwrap_or_default();
                let set = target.rsplit('/').next().unwrap_or(target);
                self.selection.container.contains(set)
            }
            "Term" => {
                let ty = TypeRef::parse(child.attr("Type").unwrap_or_default());
                matches!(self.model.resolve(&ty.name), Some(Resolved::Edm(_) | Resolved::External))
                    || self.selection.types.contains(&self.model.qualify(&ty.name))
            }
            "Annotations" => self.target_kept(child.attr("Target").unwrap_or_default()),
            "Annotation" => {
                let term = self.model.qualify(child.attr("Term").unwrap_or_default());
                !self.drop.contains(&term)
            }
            _ => true,
        }
    }

    /// Whether an `Annotations` target is still in the subset.
    fn target_kept(&self, target: &str) -> bool {
        match self.model.annotation_target(target) {
            AnnotationTarget::Type { name, member } => {
                self.selection.types.contains(&name)
                    && member.is_none_or(|member| match self.model.resolve(&name) {
                        Some(Resolved::Structured(schema, ty)) => {
                            self.model.all_properties(schema, ty).iter().any(|p| p.name == member)
                                || self.selection.navigation.contains(&format!("{name}/{member}"))
                        }
                        _ => true,
                    })
            }
            AnnotationTarget::Operation(name) => self
                .model
                .operations(&name)
                .iter()
                .any(|(_, op)| self.selection.operations.contains(&(op.pos.line, op.pos.column))),
            AnnotationTarget::ContainerChild(member) => {
                member.is_none_or(|member| self.selection.container.contains(&member))
            }
            AnnotationTarget::Elsewhere | AnnotationTarget::Missing => false,
        }
    }
}
