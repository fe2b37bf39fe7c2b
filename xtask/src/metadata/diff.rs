//! What changed between two versions of a CSDL document, and what each change means for the
//! generated Rust API: breaking (callers' code may stop compiling or decoding), additive (new
//! API only), or documentation only.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::csdl::Model;
use crate::csdl::model::{Operation, StructuredType, TypeRef};
use crate::csdl::resolve::Resolved;

/// How a change affects users of the generated crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Impact {
    /// Documentation or metadata only: the generated API is the same.
    Patch,
    /// New API only: existing code keeps compiling and decoding.
    Additive,
    /// Existing code may stop compiling, or responses may stop decoding as before.
    Breaking,
}

impl Impact {
    fn label(self) -> &'static str {
        match self {
            Impact::Patch => "patch",
            Impact::Additive => "additive",
            Impact::Breaking => "breaking",
        }
    }
}

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change {
    /// Its effect on the generated API.
    pub impact: Impact,
    /// What kind of change (`property added`, `key changed`, …).
    pub kind: &'static str,
    /// The element (`ns.Machine/osBuild`, `ns.isolate`, `container/machines`).
    pub target: String,
    /// Before and after, where that helps.
    pub detail: String,
}

/// The changes between two documents, sorted by target.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Every change.
    pub changes: Vec<Change>,
}

impl Report {
    /// The semver bump the changes need: `major`, `minor`, `patch`, or `none`.
    pub fn bump(&self) -> &'static str {
        match self.changes.iter().map(|c| c.impact).max() {
            Some(Impact::Breaking) => "major",
            Some(Impact::Additive) => "minor",
            Some(Impact::Patch) => "patch",
            None => "none",
        }
    }

    /// The report as JSON.
    pub fn to_json(&self) -> String {
        let escape = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let changes: Vec<String> = self
            .changes
            .iter()
            .map(|c| {
                format!(
                    "    {{\"impact\": \"{}\", \"kind\": \"{}\", \"target\": \"{}\", \"detail\": \"{}\"}}",
                    c.impact.label(),
                    c.kind,
                    escape(&c.target),
                    escape(&c.detail)
                )
            })
            .collect();
        format!("{{\n  \"bump\": \"{}\",\n  \"changes\": [\n{}\n  ]\n}}\n", self.bump(), changes.join(",\n"))
    }

    /// Lines for a Keep a Changelog section: breaking changes under "Changed" with a marker,
    /// additions under "Added", removals under "Removed".
    pub fn to_changelog(&self) -> String {
        let mut sections: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for change in &self.changes {
            let section = if change.kind.ends_with("added") {
                "Added"
            } else if change.kind.ends_with("removed") {
                "Removed"
            } else {
                "Changed"
            };
            let marker = if change.impact == Impact::Breaking { " **(breaking)**" } else { "" };
            let detail =
                if change.detail.is_empty() { String::new() } else { format!(": {}", change.detail) };
            sections
                .entry(section)
                .or_default()
                .push(format!("- {} `{}`{detail}{marker}", change.kind, change.target));
        }
        let mut out = String::new();
        for section in ["Added", "Changed", "Removed"] {
            if let Some(lines) = sections.get(section) {
                out.push_str(&format!("### {section}\n\n{}\n\n", lines.join("\n")));
            }
        }
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for change in &self.changes {
            write!(f, "{:<9} {:<26} {}", change.impact.label(), change.kind, change.target)?;
            if !change.detail.is_empty() {
                write!(f, " ({})", change.detail)?;
            }
            writeln!(f)?;
        }
        let count = |impact| self.changes.iter().filter(|c| c.impact == impact).count();
        writeln!(
            f,
            "{} change(s): {} breaking, {} additive, {} documentation only; semver bump: {}",
            self.changes.len(),
            count(Impact::Breaking),
            count(Impact::Additive),
            count(Impact::Patch),
            self.bump()
        )
    }
}

/// Compares two checked documents.
pub fn diff(old: &Model, new: &Model) -> Report {
    let mut changes = Vec::new();
    let mut add =
        |impact, kind, target: String, detail: String| changes.push(Change { impact, kind, target, detail });

    let old_types = declared_types(old);
    let new_types = declared_types(new);
    for (name, kind) in &old_types {
        match new_types.get(name) {
            None => add(Impact::Breaking, "type removed", name.clone(), kind.to_string()),
            Some(new_kind) if new_kind != kind => {
                add(Impact::Breaking, "type kind changed", name.clone(), format!("{kind} → {new_kind}"))
            }
            Some(_) => compare_type(old, new, name, &mut add),
        }
    }
    for (name, kind) in &new_types {
        if !old_types.contains_key(name) {
            add(Impact::Additive, "type added", name.clone(), kind.to_string());
        }
    }

    let old_ops = operations(old);
    let new_ops = operations(new);
    for (signature, op) in &old_ops {
        match new_ops.get(signature) {
            None => add(Impact::Breaking, "operation removed", signature.clone(), String::new()),
            Some(new_op) => compare_operation(old, new, signature, op, new_op, &mut add),
        }
    }
    for signature in new_ops.keys().filter(|s| !old_ops.contains_key(*s)) {
        add(Impact::Additive, "operation added", signature.clone(), String::new());
    }

    let old_roots = roots(old);
    let new_roots = roots(new);
    for (name, (kind, ty)) in &old_roots {
        match new_roots.get(name) {
            None => add(Impact::Breaking, "endpoint removed", name.clone(), format!("{kind} of {ty}")),
            Some((_, new_ty)) if new_ty != ty => {
                add(Impact::Breaking, "endpoint type changed", name.clone(), format!("{ty} → {new_ty}"))
            }
            Some(_) => {}
        }
    }
    for (name, (kind, ty)) in &new_roots {
        if !old_roots.contains_key(name) {
            add(Impact::Additive, "endpoint added", name.clone(), format!("{kind} of {ty}"));
        }
    }
    changes.sort();
    Report { changes }
}

type Add<'a> = dyn FnMut(Impact, &'static str, String, String) + 'a;

fn declared_types(model: &Model) -> BTreeMap<String, &'static str> {
    model
        .types()
        .map(|(name, resolved)| {
            let kind = match resolved {
                Resolved::Structured(_, ty) if ty.kind == crate::csdl::model::StructuredKind::Entity => {
                    "entity type"
                }
                Resolved::Structured(..) => "complex type",
                Resolved::Enum(..) => "enum type",
                Resolved::Definition(..) => "type definition",
                Resolved::Edm(_) | Resolved::External => "type",
            };
            (name.to_owned(), kind)
        })
        .collect()
}

fn type_text(model: &Model, ty: &TypeRef) -> String {
    let name = model.qualify(&ty.name);
    if ty.collection { format!("Collection({name})") } else { name }
}

fn compare_type(old: &Model, new: &Model, name: &str, add: &mut Add<'_>) {
    match (old.resolve(name), new.resolve(name)) {
        (Some(Resolved::Structured(os, ot)), Some(Resolved::Structured(ns, nt))) => {
            compare_structured(old, new, name, (os, ot), (ns, nt), add)
        }
        (Some(Resolved::Enum(_, oe)), Some(Resolved::Enum(_, ne))) => {
            let old_members: BTreeMap<&str, i64> =
                oe.members.iter().map(|m| (m.name.as_str(), m.value)).collect();
            let new_members: BTreeMap<&str, i64> =
                ne.members.iter().map(|m| (m.name.as_str(), m.value)).collect();
            for (member, value) in &old_members {
                match new_members.get(member) {
                    None => add(
                        Impact::Breaking,
                        "enum member removed",
                        format!("{name}/{member}"),
                        String::new(),
                    ),
                    Some(new_value) if new_value != value => add(
                        Impact::Breaking,
                        "enum value changed",
                        format!("{name}/{member}"),
                        format!("{value} → {new_value}"),
                    ),
                    Some(_) => {}
                }
            }
            for member in new_members.keys().filter(|m| !old_members.contains_key(*m)) {
                // Generated enums are non-exhaustive, with a variant for unknown values.
                add(Impact::Additive, "enum member added", format!("{name}/{member}"), String::new());
            }
            if oe.is_flags != ne.is_flags {
                add(
                    Impact::Breaking,
                    "enum flags changed",
                    name.to_owned(),
                    format!("{} → {}", oe.is_flags, ne.is_flags),
                );
            }
        }
        (Some(Resolved::Definition(_, od)), Some(Resolved::Definition(_, nd)))
            if od.underlying_type != nd.underlying_type =>
        {
            add(
                Impact::Breaking,
                "underlying type changed",
                name.to_owned(),
                format!("{} → {}", od.underlying_type, nd.underlying_type),
            )
        }
        _ => {}
    }
}

fn compare_structured(
    old: &Model,
    new: &Model,
    name: &str,
    (os, ot): (&crate::csdl::model::Schema, &StructuredType),
    (ns, nt): (&crate::csdl::model::Schema, &StructuredType),
    add: &mut Add<'_>,
) {
    let old_props: BTreeMap<&str, _> =
        old.all_properties(os, ot).into_iter().map(|p| (p.name.as_str(), p)).collect();
    let new_props: BTreeMap<&str, _> =
        new.all_properties(ns, nt).into_iter().map(|p| (p.name.as_str(), p)).collect();
    for (property, op) in &old_props {
        let target = format!("{name}/{property}");
        match new_props.get(property) {
            None => add(Impact::Breaking, "property removed", target, type_text(old, &op.ty)),
            Some(np) => {
                let (before, after) = (type_text(old, &op.ty), type_text(new, &np.ty));
                if before != after {
                    add(
                        Impact::Breaking,
                        "property type changed",
                        target.clone(),
                        format!("{before} → {after}"),
                    );
                }
                if op.nullable != np.nullable {
                    // Generated properties are `Option` either way (keys excepted, and keys
                    // are compared below), so only the documentation changes.
                    let detail = format!("Nullable {} → {}", op.nullable, np.nullable);
                    add(Impact::Patch, "nullability changed", target, detail);
                }
            }
        }
    }
    for property in new_props.keys().filter(|p| !old_props.contains_key(*p)) {
        let detail = new_props.get(property).map(|p| type_text(new, &p.ty)).unwrap_or_default();
        add(Impact::Additive, "property added", format!("{name}/{property}"), detail);
    }
    let old_nav: BTreeSet<&str> = ot.navigation_properties.iter().map(|n| n.name.as_str()).collect();
    let new_nav: BTreeSet<&str> = nt.navigation_properties.iter().map(|n| n.name.as_str()).collect();
    for navigation in old_nav.difference(&new_nav) {
        add(Impact::Breaking, "navigation removed", format!("{name}/{navigation}"), String::new());
    }
    for navigation in new_nav.difference(&old_nav) {
        add(Impact::Additive, "navigation added", format!("{name}/{navigation}"), String::new());
    }
    if key_of(old, ot) != key_of(new, nt) {
        add(
            Impact::Breaking,
            "key changed",
            name.to_owned(),
            format!("{:?} → {:?}", key_of(old, ot), key_of(new, nt)),
        );
    }
    let (old_base, new_base) =
        (ot.base_type.as_deref().map(|b| old.qualify(b)), nt.base_type.as_deref().map(|b| new.qualify(b)));
    if old_base != new_base {
        add(Impact::Breaking, "base type changed", name.to_owned(), format!("{old_base:?} → {new_base:?}"));
    }
    let description =
        |model: &Model, ty: &StructuredType| model.documentation(&ty.annotations, name).description;
    if description(old, ot) != description(new, nt) {
        add(Impact::Patch, "description changed", name.to_owned(), String::new());
    }
}

fn key_of(model: &Model, ty: &StructuredType) -> Vec<String> {
    let mut current = ty;
    loop {
        if !current.key.is_empty() {
            return current.key.clone();
        }
        match current.base_type.as_deref().and_then(|b| model.resolve(b)) {
            Some(Resolved::Structured(_, base)) => current = base,
            _ => return Vec::new(),
        }
    }
}

/// Operations by a signature that tells overloads apart: name and binding type.
fn operations(model: &Model) -> BTreeMap<String, &Operation> {
    let mut operations = BTreeMap::new();
    for schema in &model.document.schemas {
        for op in &schema.operations {
            let binding = if op.is_bound {
                op.parameters
                    .first()
                    .map(|p| format!(" bound to {}", type_text(model, &p.ty)))
                    .unwrap_or_default()
            } else {
                String::new()
            };
            operations.insert(format!("{}.{}{binding}", schema.namespace, op.name), op);
        }
    }
    operations
}

fn compare_operation(
    old: &Model,
    new: &Model,
    signature: &str,
    op: &Operation,
    new_op: &Operation,
    add: &mut Add<'_>,
) {
    let skip = usize::from(op.is_bound);
    let old_params: BTreeMap<&str, _> =
        op.parameters.iter().skip(skip).map(|p| (p.name.as_str(), p)).collect();
    let new_params: BTreeMap<&str, _> =
        new_op.parameters.iter().skip(skip).map(|p| (p.name.as_str(), p)).collect();
    for (name, p) in &old_params {
        match new_params.get(name) {
            None => add(Impact::Breaking, "parameter removed", format!("{signature}/{name}"), String::new()),
            Some(np) => {
                let (before, after) = (type_text(old, &p.ty), type_text(new, &np.ty));
                if before != after {
                    add(
                        Impact::Breaking,
                        "parameter type changed",
                        format!("{signature}/{name}"),
                        format!("{before} → {after}"),
                    );
                }
                if p.nullable != np.nullable {
                    // An optional parameter is an `Option` argument: the signature changes.
                    let detail = format!("Nullable {} → {}", p.nullable, np.nullable);
                    add(
                        Impact::Breaking,
                        "parameter nullability changed",
                        format!("{signature}/{name}"),
                        detail,
                    );
                }
            }
        }
    }
    for name in new_params.keys().filter(|n| !old_params.contains_key(*n)) {
        // A new argument changes every call of the method.
        add(Impact::Breaking, "parameter added", format!("{signature}/{name}"), String::new());
    }
    let returns = |model: &Model, op: &Operation| op.return_type.as_ref().map(|r| type_text(model, &r.ty));
    if returns(old, op) != returns(new, new_op) {
        add(
            Impact::Breaking,
            "return type changed",
            signature.to_owned(),
            format!("{:?} → {:?}", returns(old, op), returns(new, new_op)),
        );
    }
}

/// Entity sets, singletons and imports by name, with their kind and type.
fn roots(model: &Model) -> BTreeMap<String, (&'static str, String)> {
    let mut roots = BTreeMap::new();
    if let Some((_, container)) = model.container() {
        for set in &container.entity_sets {
            roots.insert(set.name.clone(), ("entity set", model.qualify(&set.entity_type)));
        }
        for singleton in &container.singletons {
            roots.insert(singleton.name.clone(), ("singleton", model.qualify(&singleton.ty)));
        }
        for import in &container.imports {
            roots.insert(import.name.clone(), ("operation import", model.qualify(&import.operation)));
        }
    }
    roots
}
