//! Name resolution and checks: every reference points at a declaration, names are unique,
//! inheritance has no cycles, and annotations are found wherever the document put them.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::CsdlError;
use super::model::*;
use super::xml::Pos;

/// The Edm primitive and abstract types a document may name without declaring them.
const EDM_TYPES: &[&str] = &[
    "Binary",
    "Boolean",
    "Byte",
    "Date",
    "DateTimeOffset",
    "Decimal",
    "Double",
    "Duration",
    "Guid",
    "Int16",
    "Int32",
    "Int64",
    "SByte",
    "Single",
    "Stream",
    "String",
    "TimeOfDay",
    "Untyped",
    "PrimitiveType",
    "ComplexType",
    "EntityType",
    "AnnotationPath",
    "PropertyPath",
    "NavigationPropertyPath",
    "AnyPropertyPath",
    "ModelElementPath",
    "Geography",
    "GeographyPoint",
    "GeographyLineString",
    "GeographyPolygon",
    "GeographyMultiPoint",
    "GeographyMultiLineString",
    "GeographyMultiPolygon",
    "GeographyCollection",
    "Geometry",
    "GeometryPoint",
    "GeometryLineString",
    "GeometryPolygon",
    "GeometryMultiPoint",
    "GeometryMultiLineString",
    "GeometryMultiPolygon",
    "GeometryCollection",
];

/// Where a named type is declared: schema index and index within its list.
#[derive(Debug, Clone, Copy)]
enum TypeLoc {
    Structured(usize, usize),
    Enum(usize, usize),
    Definition(usize, usize),
}

/// What a type reference resolves to.
#[derive(Debug, Clone, Copy)]
pub enum Resolved<'a> {
    /// An Edm primitive or abstract type, by its name without `Edm.`.
    Edm(&'a str),
    /// An entity or complex type.
    Structured(&'a Schema, &'a StructuredType),
    /// An enumeration type.
    Enum(&'a Schema, &'a EnumType),
    /// A type definition.
    Definition(&'a Schema, &'a TypeDefinition),
    /// A type in a referenced document that is not part of this one (a vocabulary's type).
    External,
}

/// A checked document with its lookup tables.
#[derive(Debug)]
pub struct Model {
    /// The document as read.
    pub document: Document,
    aliases: HashMap<String, String>,
    external: HashSet<String>,
    types: BTreeMap<String, TypeLoc>,
    operations: BTreeMap<String, Vec<(usize, usize)>>,
    targeted: HashMap<String, Vec<Annotation>>,
    /// Derived types by base type, transitively, computed once: generation asks for every type.
    derived: HashMap<String, Vec<String>>,
}

impl Model {
    /// Indexes and checks `document`.
    pub fn new(document: Document) -> Result<Self, CsdlError> {
        let mut model = Self {
            aliases: HashMap::new(),
            external: HashSet::new(),
            types: BTreeMap::new(),
            operations: BTreeMap::new(),
            targeted: HashMap::new(),
            derived: HashMap::new(),
            document,
        };
        model.index()?;
        model.check()?;
        model.derived = model.derived_types();
        Ok(model)
    }

    fn index(&mut self) -> Result<(), CsdlError> {
        for reference in &self.document.references {
            for include in &reference.includes {
                self.external.insert(include.namespace.clone());
                if let Some(alias) = &include.alias {
                    self.aliases.insert(alias.clone(), include.namespace.clone());
                }
            }
        }
        let mut declared: HashMap<String, Pos> = HashMap::new();
        for (s, schema) in self.document.schemas.iter().enumerate() {
            if let Some(alias) = &schema.alias {
                self.aliases.insert(alias.clone(), schema.namespace.clone());
            }
            let mut declare =
                |name: &str, pos: Pos, loc: Option<TypeLoc>, types: &mut BTreeMap<String, TypeLoc>| {
                    let qualified = format!("{}.{name}", schema.namespace);
                    if let Some(first) = declared.insert(qualified.clone(), pos) {
                        return Err(CsdlError::at(
                            pos,
                            format!("`{qualified}` is declared twice (first at {first})"),
                        ));
                    }
                    if let Some(loc) = loc {
                        types.insert(qualified, loc);
                    }
                    Ok(())
                };
            for (i, ty) in schema.structured_types.iter().enumerate() {
                declare(&ty.name, ty.pos, Some(TypeLoc::Structured(s, i)), &mut self.types)?;
            }
            for (i, ty) in schema.enum_types.iter().enumerate() {
                declare(&ty.name, ty.pos, Some(TypeLoc::Enum(s, i)), &mut self.types)?;
            }
            for (i, ty) in schema.type_definitions.iter().enumerate() {
                declare(&ty.name, ty.pos, Some(TypeLoc::Definition(s, i)), &mut self.types)?;
            }
            for term in &schema.terms {
                declare(&term.name, term.pos, None, &mut self.types)?;
            }
            if let Some(container) = &schema.container {
                declare(&container.name, container.pos, None, &mut self.types)?;
            }
            // Overloads share a name, so operations are declared once per name.
            let mut operation_names = HashSet::new();
            for (i, operation) in schema.operations.iter().enumerate() {
                let qualified = format!("{}.{}", schema.namespace, operation.name);
                if operation_names.insert(operation.name.clone()) {
                    declare(&operation.name, operation.pos, None, &mut self.types)?;
                }
                self.operations.entry(qualified).or_default().push((s, i));
            }
        }
        for schema in &self.document.schemas {
            for block in &schema.annotation_blocks {
                let target = self.qualify_path(&block.target);
                let entry = self.targeted.entry(target).or_default();
                // A block's qualifier applies to every annotation in it.
                entry.extend(block.annotations.iter().cloned().map(|mut a| {
                    a.qualifier = a.qualifier.or_else(|| block.qualifier.clone());
                    a
                }));
            }
        }
        Ok(())
    }

    fn check(&self) -> Result<(), CsdlError> {
        for schema in &self.document.schemas {
            for ty in &schema.structured_types {
                if let Some(base) = &ty.base_type {
                    match self.resolve(base) {
                        Some(Resolved::Structured(_, base_ty)) if base_ty.kind == ty.kind => {}
                        Some(_) => {
                            return Err(CsdlError::at(
                                ty.pos,
                                format!(
                                    "the base type `{base}` of `{}` is not a type of the same kind",
                                    ty.name
                                ),
                            ));
                        }
                        None => return Err(undefined(ty.pos, base)),
                    }
                    self.check_no_cycle(schema, ty)?;
                }
                for property in &ty.properties {
                    self.check_type(&property.ty, property.pos)?;
                }
                for navigation in &ty.navigation_properties {
                    match self.resolve(&navigation.ty.name) {
                        Some(Resolved::Structured(_, target)) if target.kind == StructuredKind::Entity => {}
                        Some(_) => {
                            return Err(CsdlError::at(
                                navigation.pos,
                                format!("navigation property `{}` must have an entity type", navigation.name),
                            ));
                        }
                        None => return Err(undefined(navigation.pos, &navigation.ty.name)),
                    }
                }
                let all = self.all_properties(schema, ty);
                for key in &ty.key {
                    let first = key.split('/').next().unwrap_or(key);
                    if !all.iter().any(|p| p.name == first) {
                        return Err(CsdlError::at(
                            ty.pos,
                            format!("the key of `{}` names `{key}`, which is not a property", ty.name),
                        ));
                    }
                }
            }
            for definition in &schema.type_definitions {
                match self.resolve(&definition.underlying_type) {
                    Some(Resolved::Edm(_)) => {}
                    _ => {
                        return Err(CsdlError::at(
                            definition.pos,
                            format!(
                                "the underlying type of `{}` must be an Edm primitive type",
                                definition.name
                            ),
                        ));
                    }
                }
            }
            for operation in &schema.operations {
                for parameter in &operation.parameters {
                    self.check_type(&parameter.ty, parameter.pos)?;
                }
                if let Some(returns) = &operation.return_type {
                    self.check_type(&returns.ty, operation.pos)?;
                }
            }
            for term in &schema.terms {
                self.check_type(&term.ty, term.pos)?;
            }
            if let Some(container) = &schema.container {
                for set in &container.entity_sets {
                    self.check_entity(&set.entity_type, set.pos)?;
                }
                for singleton in &container.singletons {
                    self.check_entity(&singleton.ty, singleton.pos)?;
                }
                for import in &container.imports {
                    let kind_matches = self
                        .operations(&import.operation)
                        .iter()
                        .any(|(_, op)| op.kind == import.kind && !op.is_bound);
                    if !kind_matches {
                        return Err(CsdlError::at(
                            import.pos,
                            format!(
                                "import `{}` names `{}`, which is no unbound {:?}",
                                import.name, import.operation, import.kind
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    fn check_type(&self, ty: &TypeRef, pos: Pos) -> Result<(), CsdlError> {
        self.resolve(&ty.name).map(|_| ()).ok_or_else(|| undefined(pos, &ty.name))
    }

    fn check_entity(&self, name: &str, pos: Pos) -> Result<(), CsdlError> {
        match self.resolve(name) {
            Some(Resolved::Structured(_, ty)) if ty.kind == StructuredKind::Entity => Ok(()),
            Some(_) => Err(CsdlError::at(pos, format!("`{name}` is not an entity type"))),
            None => Err(undefined(pos, name)),
        }
    }

    fn check_no_cycle(&self, schema: &Schema, ty: &StructuredType) -> Result<(), CsdlError> {
        let mut seen = HashSet::from([format!("{}.{}", schema.namespace, ty.name)]);
        let mut current = ty;
        while let Some(base) = &current.base_type {
            let qualified = self.qualify(base);
            if !seen.insert(qualified.clone()) {
                return Err(CsdlError::at(
                    ty.pos,
                    format!("`{}` inherits from itself through `{qualified}`", ty.name),
                ));
            }
            match self.resolve(base) {
                Some(Resolved::Structured(_, next)) => current = next,
                _ => break,
            }
        }
        Ok(())
    }

    /// `name` with a leading alias replaced by its namespace.
    pub fn qualify(&self, name: &str) -> String {
        if let Some((prefix, local)) = name.rsplit_once('.')
            && let Some(namespace) = self.aliases.get(prefix)
        {
            return format!("{namespace}.{local}");
        }
        name.to_owned()
    }

    /// A target path (`Alias.Type/Property`, `ns.Op(Alias.T)`) with every alias replaced.
    pub fn qualify_path(&self, path: &str) -> String {
        let (head, rest) = path.split_once('/').map_or((path, None), |(h, r)| (h, Some(r)));
        let head = match head.split_once('(') {
            Some((name, params)) => {
                let params = params.trim_end_matches(')');
                let params: Vec<String> = params
                    .split(',')
                    .map(|p| {
                        let ty = TypeRef::parse(p);
                        if ty.collection {
                            format!("Collection({})", self.qualify(&ty.name))
                        } else {
                            self.qualify(&ty.name)
                        }
                    })
                    .collect();
                format!("{}({})", self.qualify(name), params.join(","))
            }
            None => self.qualify(head),
        };
        match rest {
            Some(rest) => format!("{head}/{rest}"),
            None => head,
        }
    }

    /// The declaration a type name refers to, or `None` when nothing declares it.
    pub fn resolve<'a>(&'a self, name: &'a str) -> Option<Resolved<'a>> {
        if let Some(edm) = name.strip_prefix("Edm.") {
            return EDM_TYPES.contains(&edm).then_some(Resolved::Edm(edm));
        }
        let qualified = self.qualify(name);
        match self.types.get(&qualified) {
            Some(TypeLoc::Structured(s, i)) => {
                let schema = &self.document.schemas[*s];
                Some(Resolved::Structured(schema, &schema.structured_types[*i]))
            }
            Some(TypeLoc::Enum(s, i)) => {
                let schema = &self.document.schemas[*s];
                Some(Resolved::Enum(schema, &schema.enum_types[*i]))
            }
            Some(TypeLoc::Definition(s, i)) => {
                let schema = &self.document.schemas[*s];
                Some(Resolved::Definition(schema, &schema.type_definitions[*i]))
            }
            None => {
                let namespace = qualified.rsplit_once('.').map(|(ns, _)| ns)?;
                self.external.contains(namespace).then_some(Resolved::External)
            }
        }
    }

    /// Every overload of the operation `name`, with its schema.
    pub fn operations(&self, name: &str) -> Vec<(&Schema, &Operation)> {
        self.operations
            .get(&self.qualify(name))
            .map(|locs| {
                locs.iter()
                    .map(|(s, i)| {
                        let schema = &self.document.schemas[*s];
                        (schema, &schema.operations[*i])
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A type's properties, inherited ones first.
    pub fn all_properties<'a>(&'a self, _schema: &'a Schema, ty: &'a StructuredType) -> Vec<&'a Property> {
        let mut chain = vec![ty];
        let mut seen = HashSet::new();
        let mut current = ty;
        while let Some(base) = &current.base_type {
            match self.resolve(base) {
                Some(Resolved::Structured(_, next)) if seen.insert(self.qualify(base)) => {
                    chain.push(next);
                    current = next;
                }
                _ => break,
            }
        }
        chain.iter().rev().flat_map(|t| t.properties.iter()).collect()
    }

    /// The qualified names of the structured types derived from `qualified`, directly or
    /// through other derived types, in document order.
    pub fn derived(&self, qualified: &str) -> Vec<String> {
        self.derived.get(&self.qualify(qualified)).cloned().unwrap_or_default()
    }

    fn derived_types(&self) -> HashMap<String, Vec<String>> {
        let mut derived: HashMap<String, Vec<String>> = HashMap::new();
        for schema in &self.document.schemas {
            for ty in &schema.structured_types {
                let name = format!("{}.{}", schema.namespace, ty.name);
                let mut base = ty.base_type.as_deref().map(|b| self.qualify(b));
                let mut seen = HashSet::new();
                while let Some(current) = base {
                    if !seen.insert(current.clone()) {
                        break;
                    }
                    derived.entry(current.clone()).or_default().push(name.clone());
                    base = match self.resolve(&current) {
                        Some(Resolved::Structured(_, parent)) => {
                            parent.base_type.as_deref().map(|b| self.qualify(b))
                        }
                        _ => None,
                    };
                }
            }
        }
        derived
    }

    /// The inline annotations plus those an `Annotations` block applies to `target`.
    pub fn annotations<'a>(&'a self, inline: &'a [Annotation], target: &str) -> Vec<&'a Annotation> {
        let mut all: Vec<&Annotation> = inline.iter().collect();
        if let Some(targeted) = self.targeted.get(target) {
            all.extend(targeted.iter());
        }
        all
    }

    /// The value of the unqualified annotation of term `term` (full namespace, for example
    /// `Org.OData.Core.V1.Description`) among `inline` and those targeting `target`.
    pub fn annotation<'a>(&'a self, inline: &'a [Annotation], target: &str, term: &str) -> Option<&'a Expr> {
        self.annotations(inline, target)
            .into_iter()
            .find(|a| a.qualifier.is_none() && self.qualify(&a.term) == term)
            .map(|a| &a.value)
    }

    /// The entity container and its schema, if the document has one.
    pub fn container(&self) -> Option<(&Schema, &EntityContainer)> {
        self.document.schemas.iter().find_map(|s| s.container.as_ref().map(|c| (s, c)))
    }

    /// Every declared type, as `(qualified name, declaration)`, in name order.
    pub fn types(&self) -> impl Iterator<Item = (&str, Resolved<'_>)> {
        self.types.keys().filter_map(|name| Some((name.as_str(), self.resolve(name)?)))
    }
}

fn undefined(pos: Pos, name: &str) -> CsdlError {
    CsdlError::at(
        pos,
        format!("undefined type `{name}`: expected an Edm type or a type declared in this document"),
    )
}
