//! Name resolution and checks: every reference points at a declaration, names are unique,
//! inheritance has no cycles, and annotations are found wherever the document put them.

use std::collections::{BTreeMap, HashMap, HashSet};

use defender_runtime::edm::Primitive;

use super::CsdlError;
use super::diagnostics::{Departure, Warning, is_simple_identifier};
use super::model::*;
use super::vocab::Term;
use super::xml::Pos;

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
    /// An Edm primitive or abstract type.
    Edm(Primitive),
    /// An entity or complex type.
    Structured(&'a Schema, &'a StructuredType),
    /// An enumeration type.
    Enum(&'a Schema, &'a EnumType),
    /// A type definition.
    Definition(&'a Schema, &'a TypeDefinition),
    /// A type in a referenced document that is not part of this one (a vocabulary's type).
    External,
}

/// What an `Annotations` block's target names ([`Model::annotation_target`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnnotationTarget {
    /// An operation, by qualified name (all its overloads).
    Operation(String),
    /// A declared type, by qualified name, or one of its properties or enum members.
    Type {
        /// The type's qualified name.
        name: String,
        /// The member, for `ns.Type/member`.
        member: Option<String>,
    },
    /// The entity container, or one of its children by name.
    ContainerChild(Option<String>),
    /// A term of the document, an Edm type, or something of a namespace it only references.
    Elsewhere,
    /// Nothing the document declares.
    Missing,
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
    /// Bound operations by the qualified name of their binding parameter's type (element type
    /// for a collection), in document order, computed once.
    bound: HashMap<String, Vec<(usize, usize)>>,
    /// What the document does that the specification does not allow but the generator accepts,
    /// in document order.
    pub warnings: Vec<Warning>,
}

impl Model {
    /// Indexes and checks `document`, adding the departures it finds to `warnings` (those the
    /// XML reader found). Every error is reported, not only the first.
    pub fn new(document: Document, warnings: Vec<Warning>) -> Result<Self, CsdlError> {
        let mut model = Self {
            aliases: HashMap::new(),
            external: HashSet::new(),
            types: BTreeMap::new(),
            operations: BTreeMap::new(),
            targeted: HashMap::new(),
            derived: HashMap::new(),
            bound: HashMap::new(),
            warnings,
            document,
        };
        let mut errors = Vec::new();
        let mut warnings = Vec::new();
        model.index(&mut errors, &mut warnings);
        model.check(&mut errors, &mut warnings);
        if let Some(error) = CsdlError::all(errors) {
            return Err(error);
        }
        warnings.sort_by_key(|w| (w.pos.line, w.pos.column));
        model.warnings.extend(warnings);
        model.derived = model.derived_types();
        model.bound = model.bound_by_type();
        Ok(model)
    }

    fn index(&mut self, errors: &mut Vec<CsdlError>, warnings: &mut Vec<Warning>) {
        for reference in &self.document.references {
            for include in &reference.includes {
                self.external.insert(include.namespace.clone());
                if let Some(alias) = &include.alias {
                    self.aliases.insert(alias.clone(), include.namespace.clone());
                }
            }
        }
        // Types, terms and containers share one namespace per schema; so do operations in the
        // specification, but real metadata gives operations the names of types, and the two
        // never meet in generated code (a type and a method), so that is a warning.
        let mut declared: HashMap<String, Pos> = HashMap::new();
        for (s, schema) in self.document.schemas.iter().enumerate() {
            if let Some(alias) = &schema.alias {
                self.aliases.insert(alias.clone(), schema.namespace.clone());
            }
            let mut declare =
                |name: &str, pos: Pos, loc: Option<TypeLoc>, types: &mut BTreeMap<String, TypeLoc>| {
                    let qualified = format!("{}.{name}", schema.namespace);
                    if let Some(first) = declared.insert(qualified.clone(), pos) {
                        declared.insert(qualified.clone(), first);
                        errors.push(CsdlError::at(
                            pos,
                            format!("`{qualified}` is declared twice (first at {first})"),
                        ));
                    } else if let Some(loc) = loc {
                        types.insert(qualified, loc);
                    }
                };
            for (i, ty) in schema.structured_types.iter().enumerate() {
                declare(&ty.name, ty.pos, Some(TypeLoc::Structured(s, i)), &mut self.types);
            }
            for (i, ty) in schema.enum_types.iter().enumerate() {
                declare(&ty.name, ty.pos, Some(TypeLoc::Enum(s, i)), &mut self.types);
            }
            for (i, ty) in schema.type_definitions.iter().enumerate() {
                declare(&ty.name, ty.pos, Some(TypeLoc::Definition(s, i)), &mut self.types);
            }
            for term in &schema.terms {
                declare(&term.name, term.pos, None, &mut self.types);
            }
            if let Some(container) = &schema.container {
                declare(&container.name, container.pos, None, &mut self.types);
            }
            // Overloads share a name, so the first of each name is what a clash is reported at.
            let mut operation_names = HashSet::new();
            for (i, operation) in schema.operations.iter().enumerate() {
                let qualified = format!("{}.{}", schema.namespace, operation.name);
                if operation_names.insert(operation.name.clone())
                    && let Some(first) = declared.get(&qualified)
                {
                    warnings.push(Warning::at(
                        operation.pos,
                        Departure::OperationNamedLikeType,
                        format!("operation `{qualified}` has the name of the type declared at {first}; both are kept"),
                    ));
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
    }

    fn check(&self, errors: &mut Vec<CsdlError>, warnings: &mut Vec<Warning>) {
        for schema in &self.document.schemas {
            for ty in &schema.structured_types {
                if let Some(base) = &ty.base_type {
                    match self.resolve(base) {
                        Some(Resolved::Structured(_, base_ty)) if base_ty.kind == ty.kind => {
                            if let Err(e) = self.check_no_cycle(schema, ty) {
                                errors.push(e);
                            }
                        }
                        Some(_) => errors.push(CsdlError::at(
                            ty.pos,
                            format!("the base type `{base}` of `{}` is not a type of the same kind", ty.name),
                        )),
                        None => errors.push(undefined(ty.pos, base)),
                    }
                }
                let mut names: HashMap<String, &str> = HashMap::new();
                for property in &ty.properties {
                    self.check_value_type(
                        &property.ty,
                        property.pos,
                        &format!("property `{}`", property.name),
                        errors,
                        warnings,
                    );
                    self.check_property_name(&property.name, property.pos, &mut names, warnings);
                }
                for navigation in &ty.navigation_properties {
                    self.check_property_name(&navigation.name, navigation.pos, &mut names, warnings);
                    match self.resolve(&navigation.ty.name) {
                        Some(Resolved::Structured(_, target)) if target.kind == StructuredKind::Entity => {}
                        Some(Resolved::Edm(Primitive::EntityType)) => warnings.push(Warning::at(
                            navigation.pos,
                            Departure::AbstractType,
                            format!(
                                "navigation property `{}` has the abstract type `Edm.EntityType`: any entity, kept as JSON",
                                navigation.name
                            ),
                        )),
                        Some(_) => errors.push(CsdlError::at(
                            navigation.pos,
                            format!("navigation property `{}` must have an entity type", navigation.name),
                        )),
                        None => errors.push(undefined(navigation.pos, &navigation.ty.name)),
                    }
                }
                let all = self.all_properties(schema, ty);
                for key in &ty.key {
                    let first = key.split('/').next().unwrap_or(key);
                    if !all.iter().any(|p| p.name == first) {
                        errors.push(CsdlError::at(
                            ty.pos,
                            format!("the key of `{}` names `{key}`, which is not a property", ty.name),
                        ));
                    }
                }
                self.check_repeated(&ty.annotations, warnings);
            }
            for ty in &schema.enum_types {
                if ty.members.is_empty() {
                    warnings.push(Warning::at(
                        ty.pos,
                        Departure::EnumWithoutMembers,
                        format!("enumeration `{}` declares no member: every value it meets is kept as unrecognized", ty.name),
                    ));
                }
            }
            for definition in &schema.type_definitions {
                if !matches!(self.resolve(&definition.underlying_type), Some(Resolved::Edm(_))) {
                    errors.push(CsdlError::at(
                        definition.pos,
                        format!("the underlying type of `{}` must be an Edm primitive type", definition.name),
                    ));
                }
            }
            for operation in &schema.operations {
                for parameter in &operation.parameters {
                    let what = format!("parameter `{}` of `{}`", parameter.name, operation.name);
                    self.check_value_type(&parameter.ty, parameter.pos, &what, errors, warnings);
                }
                if let Some(returns) = &operation.return_type {
                    let what = format!("the return type of `{}`", operation.name);
                    self.check_value_type(&returns.ty, operation.pos, &what, errors, warnings);
                }
            }
            for term in &schema.terms {
                if let Err(e) = self.check_type(&term.ty, term.pos) {
                    errors.push(e);
                }
            }
            for block in &schema.annotation_blocks {
                if self.annotation_target(&block.target) == AnnotationTarget::Missing {
                    warnings.push(Warning::at(
                        block.pos,
                        Departure::MissingAnnotationTarget,
                        format!(
                            "annotations target `{}`, which the document does not declare; they are ignored",
                            block.target
                        ),
                    ));
                }
                self.check_repeated(&block.annotations, warnings);
            }
            if let Some(container) = &schema.container {
                for set in &container.entity_sets {
                    if let Err(e) = self.check_entity(&set.entity_type, set.pos) {
                        errors.push(e);
                    }
                }
                for singleton in &container.singletons {
                    if let Err(e) = self.check_entity(&singleton.ty, singleton.pos) {
                        errors.push(e);
                    }
                }
                for import in &container.imports {
                    let kind_matches = self
                        .operations(&import.operation)
                        .iter()
                        .any(|(_, op)| op.kind == import.kind && !op.is_bound);
                    if !kind_matches {
                        errors.push(CsdlError::at(
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
    }

    /// A property's, parameter's or return type: declared, and not `Edm.EntityType` or
    /// `Edm.ComplexType` (accepted with a warning and kept as JSON).
    fn check_value_type(
        &self,
        ty: &TypeRef,
        pos: Pos,
        what: &str,
        errors: &mut Vec<CsdlError>,
        warnings: &mut Vec<Warning>,
    ) {
        match self.resolve(&ty.name) {
            None => errors.push(undefined(pos, &ty.name)),
            // CSDL 4.01 allows `Edm.PrimitiveType` and `Edm.Untyped` here; the structured
            // abstract types belong to vocabularies' terms.
            Some(Resolved::Edm(abstract_type @ (Primitive::EntityType | Primitive::ComplexType))) => {
                warnings.push(Warning::at(
                    pos,
                    Departure::AbstractType,
                    format!("{what} has the abstract type `{}`: kept as JSON", abstract_type.name()),
                ));
            }
            Some(_) => {}
        }
    }

    /// A property name that is no simple identifier, or that differs from another of the same
    /// type only in case; `names` holds the type's names so far, lowercased.
    fn check_property_name<'a>(
        &self,
        name: &'a str,
        pos: Pos,
        names: &mut HashMap<String, &'a str>,
        warnings: &mut Vec<Warning>,
    ) {
        if !is_simple_identifier(name) {
            warnings.push(Warning::at(
                pos,
                Departure::PropertyName,
                format!("property name `{name}` is not an identifier; its Rust name is made from it and it keeps its wire name"),
            ));
        }
        if let Some(other) = names.insert(name.to_lowercase(), name)
            && other != name
        {
            warnings.push(Warning::at(
                pos,
                Departure::PropertyName,
                format!("property `{name}` differs from `{other}` only in case; each gets its own Rust name"),
            ));
        }
    }

    /// Annotations of one element that repeat a term with the same qualifier; the first one is
    /// the one read.
    fn check_repeated(&self, annotations: &[Annotation], warnings: &mut Vec<Warning>) {
        let mut seen: HashMap<(String, Option<&str>), Pos> = HashMap::new();
        for annotation in annotations {
            let key = (self.qualify(&annotation.term), annotation.qualifier.as_deref());
            if let Some(first) = seen.get(&key) {
                warnings.push(Warning::at(
                    annotation.pos,
                    Departure::RepeatedAnnotation,
                    format!(
                        "term `{}` is applied again (first at {first}); the first is used",
                        annotation.term
                    ),
                ));
            } else {
                seen.insert(key, annotation.pos);
            }
        }
    }

    /// What an `Annotations` target names, aliases resolved: a schema element, a member of a
    /// type or of the container, or an operation (overload parameters are not checked). The
    /// reader warns about a [`AnnotationTarget::Missing`] one; `metadata subset` keeps the
    /// annotations of what it keeps.
    pub fn annotation_target(&self, target: &str) -> AnnotationTarget {
        let target = self.qualify_path(target);
        let (head, member) = target.split_once('/').map_or((target.as_str(), None), |(h, m)| (h, Some(m)));
        let name = head.split('(').next().unwrap_or(head);
        let member = member.map(|m| m.split('/').next().unwrap_or(m).to_owned());
        // `ns.f(…)` names an operation; a bare name is a type first, where an operation has the
        // name of a type (Graph's `image`).
        let is_operation = !self.operations(name).is_empty();
        if is_operation && (head.contains('(') || self.resolve(name).is_none()) {
            return AnnotationTarget::Operation(name.to_owned());
        }
        if let Some(resolved) = self.resolve(name) {
            let exists = match (resolved, member.as_deref()) {
                (_, None) | (Resolved::External | Resolved::Edm(_), _) => true,
                (Resolved::Structured(_, ty), Some(member)) => self.member_of(ty, member),
                (Resolved::Enum(_, ty), Some(member)) => ty.members.iter().any(|m| m.name == member),
                (Resolved::Definition(..), Some(_)) => false,
            };
            return match (exists, resolved) {
                (false, _) => AnnotationTarget::Missing,
                (true, Resolved::External | Resolved::Edm(_)) => AnnotationTarget::Elsewhere,
                (true, _) => AnnotationTarget::Type { name: name.to_owned(), member },
            };
        }
        if let Some((schema, container)) = self.container()
            && format!("{}.{}", schema.namespace, container.name) == name
        {
            let exists = member.as_deref().is_none_or(|m| {
                container.entity_sets.iter().any(|e| e.name == m)
                    || container.singletons.iter().any(|e| e.name == m)
                    || container.imports.iter().any(|e| e.name == m)
            });
            return if exists { AnnotationTarget::ContainerChild(member) } else { AnnotationTarget::Missing };
        }
        // A term of this document, or anything of a namespace it only references.
        let namespace = name.rsplit_once('.').map_or("", |(ns, _)| ns);
        let term =
            self.document.schemas.iter().any(|schema| {
                schema.terms.iter().any(|t| format!("{}.{}", schema.namespace, t.name) == name)
            });
        if self.external.contains(namespace) || term {
            AnnotationTarget::Elsewhere
        } else {
            AnnotationTarget::Missing
        }
    }

    /// Whether `member` is a property or navigation property of `ty` or a type it derives from.
    fn member_of(&self, ty: &StructuredType, member: &str) -> bool {
        let mut current = Some(ty);
        let mut steps = 0;
        while let Some(ty) = current {
            if ty.properties.iter().any(|p| p.name == member)
                || ty.navigation_properties.iter().any(|n| n.name == member)
            {
                return true;
            }
            steps += 1;
            current = match ty.base_type.as_deref().and_then(|b| self.resolve(b)) {
                Some(Resolved::Structured(_, base)) if steps < 64 => Some(base),
                _ => None,
            };
        }
        false
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
        if name.starts_with("Edm.") {
            return Primitive::from_name(name).map(Resolved::Edm);
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
        self.operations_at(self.operations.get(&self.qualify(name)))
    }

    /// The operations at `locs` (schema index, index in its operations), with their schemas.
    fn operations_at(&self, locs: Option<&Vec<(usize, usize)>>) -> Vec<(&Schema, &Operation)> {
        locs.into_iter()
            .flatten()
            .map(|(s, i)| {
                let schema = &self.document.schemas[*s];
                (schema, &schema.operations[*i])
            })
            .collect()
    }

    /// The key of an entity type: its own, or the one it inherits (Graph's entity types inherit
    /// `id` from `entity`). Empty for a complex type, or an entity type without a key. The one
    /// place keys are worked out: the types, the request builders and the catalog ask here.
    pub fn key<'a>(&'a self, ty: &'a StructuredType) -> Vec<&'a str> {
        let mut current = ty;
        for _ in 0..64 {
            if !current.key.is_empty() || current.kind == StructuredKind::Complex {
                return current.key.iter().map(String::as_str).collect();
            }
            match current.base_type.as_deref().and_then(|b| self.resolve(b)) {
                Some(Resolved::Structured(_, base)) => current = base,
                _ => break,
            }
        }
        Vec::new()
    }

    /// A type's properties, inherited ones first.
    pub fn all_properties<'a>(&'a self, _schema: &'a Schema, ty: &'a StructuredType) -> Vec<&'a Property> {
        self.inheritance_chain(ty).iter().rev().flat_map(|t| t.properties.iter()).collect()
    }

    /// A type's navigation properties, inherited ones first.
    pub fn all_navigation_properties<'a>(&'a self, ty: &'a StructuredType) -> Vec<&'a NavigationProperty> {
        self.inheritance_chain(ty).iter().rev().flat_map(|t| t.navigation_properties.iter()).collect()
    }

    /// The type and its base types, the type first; a cycle of base types ends the chain.
    fn inheritance_chain<'a>(&'a self, ty: &'a StructuredType) -> Vec<&'a StructuredType> {
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
        chain
    }

    /// The qualified names of the structured types derived from `qualified`, directly or
    /// through other derived types, in document order.
    pub fn derived(&self, qualified: &str) -> Vec<String> {
        self.derived.get(&self.qualify(qualified)).cloned().unwrap_or_default()
    }

    /// The operations bound to the type `qualified` or to a collection of it, in document
    /// order, each with its schema.
    pub fn bound_operations(&self, qualified: &str) -> Vec<(&Schema, &Operation)> {
        self.operations_at(self.bound.get(&self.qualify(qualified)))
    }

    fn bound_by_type(&self) -> HashMap<String, Vec<(usize, usize)>> {
        let mut bound: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
        for (s, schema) in self.document.schemas.iter().enumerate() {
            for (i, operation) in schema.operations.iter().enumerate().filter(|(_, op)| op.is_bound) {
                if let Some(binding) = operation.parameters.first() {
                    bound.entry(self.qualify(&binding.ty.name)).or_default().push((s, i));
                }
            }
        }
        bound
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
    pub(super) fn annotations<'a>(&'a self, inline: &'a [Annotation], target: &str) -> Vec<&'a Annotation> {
        let mut all: Vec<&Annotation> = inline.iter().collect();
        if let Some(targeted) = self.targeted.get(target) {
            all.extend(targeted.iter());
        }
        all
    }

    /// The value of the unqualified annotation of term `term` (full namespace, for example
    /// `Org.OData.Core.V1.Description`) among `inline` and those targeting `target`.
    pub(super) fn annotation<'a>(
        &'a self,
        inline: &'a [Annotation],
        target: &str,
        term: Term,
    ) -> Option<&'a Expr> {
        self.annotations(inline, target)
            .into_iter()
            .find(|a| a.qualifier.is_none() && self.qualify(&a.term) == term.name())
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
