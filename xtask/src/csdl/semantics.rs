//! What the annotations mean, read in one place.
//!
//! The generator's later stages ask these questions (is this set readable, which permissions
//! does this call need, how are keys written in URLs, which operations are bound to this type,
//! what is this element) and never read an annotation themselves, so a vocabulary term is
//! interpreted once, here, and a change to its reading is one change.

use std::collections::HashSet;

use super::Model;
use super::model::{Annotation, EntityContainer, Expr, Operation, OperationImport, Parameter, Schema};
use super::resolve::Resolved;
use super::vocab::Term;

/// An element's documentation: `Core.Description` and `Core.LongDescription`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Documentation {
    /// What the element is, as the metadata says.
    pub description: Option<String>,
    /// More about it.
    pub long_description: Option<String>,
}

impl Documentation {
    /// The first non-empty line of the description, or `""`.
    pub fn summary(&self) -> &str {
        self.description
            .as_deref()
            .and_then(|text| text.lines().map(str::trim).find(|line| !line.is_empty()))
            .unwrap_or("")
    }
}

/// One way to be authorized for a request: a permission type (`Application`, `Delegated`) and
/// the scopes that grant it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// `SchemeName`, when the metadata names it.
    pub scheme: Option<String>,
    /// `Scopes/Scope`, in document order.
    pub scopes: Vec<String>,
}

/// A `Capabilities.…Restrictions` record: whether the request is allowed, whether it takes a
/// JSON body, and the permissions it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restriction {
    /// The record's flag (`Readable`, `Insertable`, …) is not `false`.
    pub allowed: bool,
    /// No required `Content-Type` header asks for a media type other than JSON (a
    /// `multipart/form-data` upload is left to hand-written code, since CSDL cannot describe it).
    pub json_body: bool,
    /// `Permissions`, in document order.
    pub permissions: Vec<Permission>,
}

impl Restriction {
    /// Allowed, with a JSON body.
    pub fn allows_json(&self) -> bool {
        self.allowed && self.json_body
    }
}

/// What an entity set or singleton lets a client do. Reading is allowed unless the metadata
/// says otherwise; creating, updating and deleting only when it says so.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// `ReadRestrictions`.
    pub read: Option<Restriction>,
    /// `InsertRestrictions`.
    pub insert: Option<Restriction>,
    /// `UpdateRestrictions`.
    pub update: Option<Restriction>,
    /// `DeleteRestrictions`.
    pub delete: Option<Restriction>,
}

impl Capabilities {
    /// The collection can be listed: no `ReadRestrictions/Readable` of `false`.
    pub fn readable(&self) -> bool {
        self.read.as_ref().is_none_or(|r| r.allowed)
    }

    /// Entities can be created with a JSON body.
    pub fn insertable(&self) -> bool {
        self.insert.as_ref().is_some_and(Restriction::allows_json)
    }

    /// Entities can be updated with a JSON body.
    pub fn updatable(&self) -> bool {
        self.update.as_ref().is_some_and(Restriction::allows_json)
    }

    /// Entities can be deleted.
    pub fn deletable(&self) -> bool {
        self.delete.as_ref().is_some_and(Restriction::allows_json)
    }

    /// The permissions reading needs.
    pub fn read_permissions(&self) -> &[Permission] {
        self.read.as_ref().map_or(&[], |r| &r.permissions)
    }
}

/// How the service departs from the OData URL conventions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Conventions {
    /// Keys are path segments (`Capabilities.KeyAsSegmentSupported`).
    pub key_as_segment: bool,
    /// Namespaces whose operations are called by bare name (`Core.DefaultNamespace`).
    pub unqualified: HashSet<String>,
    /// Functions without parameters are called without `()`
    /// (`RustSdk.UrlConventions.V1.EmptyParameterListOmitted`).
    pub omit_empty_parentheses: bool,
}

impl Conventions {
    /// The URL segment that calls an operation of `namespace` bound to a path.
    pub fn bound_segment(&self, namespace: &str, operation: &str) -> String {
        if self.unqualified.contains(namespace) {
            operation.to_owned()
        } else {
            format!("{namespace}.{operation}")
        }
    }
}

impl Model {
    /// The documentation of the element `target`, with `inline` its own annotations.
    pub fn documentation(&self, inline: &[Annotation], target: &str) -> Documentation {
        let text = |term| self.annotation(inline, target, term).and_then(Expr::as_str).map(str::to_owned);
        Documentation {
            description: text(Term::CoreDescription),
            long_description: text(Term::CoreLongDescription),
        }
    }

    /// What the entity set or singleton `target` allows.
    pub fn capabilities(&self, inline: &[Annotation], target: &str) -> Capabilities {
        let restriction = |term, flag| self.restriction(inline, target, term, flag);
        Capabilities {
            read: restriction(Term::ReadRestrictions, "Readable"),
            insert: restriction(Term::InsertRestrictions, "Insertable"),
            update: restriction(Term::UpdateRestrictions, "Updatable"),
            delete: restriction(Term::DeleteRestrictions, "Deletable"),
        }
    }

    /// The permissions calling the operation `target` needs (`OperationRestrictions`).
    pub fn operation_permissions(&self, operation: &Operation, target: &str) -> Vec<Permission> {
        self.annotation(&operation.annotations, target, Term::OperationRestrictions)
            .map(permissions)
            .unwrap_or_default()
    }

    /// Whether the function `target` takes its parameters as query options (`?name=value`)
    /// rather than in parentheses (`RustSdk.UrlConventions.V1.ParametersAsQueryOptions`).
    pub fn parameters_as_query_options(&self, operation: &Operation, target: &str) -> bool {
        is_tag(self.annotation(&operation.annotations, target, Term::ParametersAsQueryOptions))
    }

    /// The row type of an export "via files" (`RustSdk.UrlConventions.V1.ExportFileRows`), as a
    /// qualified name, when the function answers with file links whose lines are of that type.
    /// Only a function returning a structured type with an `exportFiles` collection of strings
    /// qualifies: the runtime reads the links from that member.
    pub fn export_file_rows(&self, operation: &Operation, target: &str) -> Option<String> {
        let row = self.annotation(&operation.annotations, target, Term::ExportFileRows)?.as_str()?;
        let returns = operation.return_type.as_ref()?;
        let Some(Resolved::Structured(schema, ty)) = self.resolve(&returns.ty.name) else { return None };
        let lists_files = self
            .all_properties(schema, ty)
            .iter()
            .any(|p| p.name == "exportFiles" && p.ty.collection && self.qualify(&p.ty.name) == "Edm.String");
        let row = self.qualify(row);
        (lists_files
            && !returns.ty.collection
            && matches!(self.resolve(&row), Some(Resolved::Structured(..))))
        .then_some(row)
    }

    /// Every row type of an export "via files" in the document, as qualified names: their
    /// files spell members in PascalCase, so their decoders also match members ignoring case.
    pub fn export_row_types(&self) -> std::collections::BTreeSet<String> {
        self.document
            .schemas
            .iter()
            .flat_map(|schema| schema.operations.iter().map(move |op| (schema, op)))
            .filter_map(|(schema, op)| {
                self.export_file_rows(op, &format!("{}.{}", schema.namespace, op.name))
            })
            .collect()
    }

    /// Whether a call may leave the parameter out: nullable, or `Core.OptionalParameter`.
    /// `operation_target` is the operation's qualified name.
    pub fn optional_parameter(&self, parameter: &Parameter, operation_target: &str) -> bool {
        let target = format!("{operation_target}/{}", parameter.name);
        parameter.nullable
            || self.annotation(&parameter.annotations, &target, Term::CoreOptionalParameter).is_some()
    }

    /// The path an operation import is called at, relative to the service root, without
    /// surrounding slashes: `RustSdk.UrlConventions.V1.Path`, or the import's name.
    pub fn import_path(
        &self,
        schema: &Schema,
        container: &EntityContainer,
        import: &OperationImport,
    ) -> String {
        let target = format!("{}.{}/{}", schema.namespace, container.name, import.name);
        self.annotation(&import.annotations, &target, Term::UrlPath)
            .and_then(Expr::as_str)
            .unwrap_or(&import.name)
            .trim_matches('/')
            .to_owned()
    }

    /// The URL conventions of the document's container and schemas.
    pub fn conventions(&self) -> Conventions {
        let Some((schema, container)) = self.container() else { return Conventions::default() };
        let target = format!("{}.{}", schema.namespace, container.name);
        let tag = |term| is_tag(self.annotation(&container.annotations, &target, term));
        Conventions {
            key_as_segment: tag(Term::KeyAsSegmentSupported),
            omit_empty_parentheses: tag(Term::EmptyParameterListOmitted),
            unqualified: self
                .document
                .schemas
                .iter()
                .filter(|s| is_tag(self.annotation(&s.annotations, &s.namespace, Term::CoreDefaultNamespace)))
                .map(|s| s.namespace.clone())
                .collect(),
        }
    }

    fn restriction(
        &self,
        inline: &[Annotation],
        target: &str,
        term: Term,
        flag: &str,
    ) -> Option<Restriction> {
        let record = self.annotation(inline, target, term)?;
        Some(Restriction {
            allowed: !matches!(record.field(flag), Some(Expr::Bool(false))),
            json_body: sends_json(record),
            permissions: permissions(record),
        })
    }
}

/// Whether an annotation value is a tag that is set.
fn is_tag(value: Option<&Expr>) -> bool {
    matches!(value, Some(Expr::Bool(true)))
}

/// A restrictions record's `Permissions`.
fn permissions(record: &Expr) -> Vec<Permission> {
    let Some(permissions) = record.field("Permissions") else { return Vec::new() };
    permissions
        .items()
        .iter()
        .map(|permission| Permission {
            scheme: permission.field("SchemeName").and_then(Expr::as_str).map(str::to_owned),
            scopes: permission
                .field("Scopes")
                .map(Expr::items)
                .unwrap_or_default()
                .iter()
                .filter_map(|scope| scope.field("Scope").and_then(Expr::as_str))
                .map(str::to_owned)
                .collect(),
        })
        .collect()
}

/// No required `Content-Type` header in a restrictions record asks for a media type other
/// than JSON.
fn sends_json(record: &Expr) -> bool {
    let headers = record.field("CustomHeaders").map(Expr::items).unwrap_or_default();
    !headers.iter().any(|header| {
        let is_content_type = header
            .field("Name")
            .and_then(Expr::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case("content-type"));
        let examples = header.field("ExampleValues").map(Expr::items).unwrap_or_default();
        is_content_type
            && examples
                .iter()
                .filter_map(|e| e.field("Value").and_then(Expr::as_str))
                .any(|v| !v.contains("json"))
    })
}
