//! The typed model of a CSDL document, as written: names are kept as the document spells them
//! (aliases included); [`super::resolve`] turns references into declarations.

use super::xml::Pos;

/// A whole `edmx:Edmx` document.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// `Version`: `4.0` or `4.01`.
    pub version: String,
    /// `edmx:Reference` elements.
    pub references: Vec<Reference>,
    /// Every `Schema` under `edmx:DataServices`.
    pub schemas: Vec<Schema>,
}

/// An `edmx:Reference` to another document, with the namespaces it includes.
#[derive(Debug, Clone)]
pub struct Reference {
    /// `Uri`.
    pub uri: String,
    /// `edmx:Include` children.
    pub includes: Vec<Include>,
}

/// An `edmx:Include`: a namespace of a referenced document, optionally under an alias.
#[derive(Debug, Clone)]
pub struct Include {
    /// `Namespace`.
    pub namespace: String,
    /// `Alias`.
    pub alias: Option<String>,
}

/// A `Schema`.
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// `Namespace`.
    pub namespace: String,
    /// `Alias`.
    pub alias: Option<String>,
    /// Entity and complex types.
    pub structured_types: Vec<StructuredType>,
    /// Enumeration types.
    pub enum_types: Vec<EnumType>,
    /// Type definitions.
    pub type_definitions: Vec<TypeDefinition>,
    /// Functions and actions, every overload.
    pub operations: Vec<Operation>,
    /// Terms.
    pub terms: Vec<Term>,
    /// The entity container, at most one per schema.
    pub container: Option<EntityContainer>,
    /// `Annotations` blocks that annotate other elements by target path.
    pub annotation_blocks: Vec<AnnotationBlock>,
    /// Annotations on the schema itself.
    pub annotations: Vec<Annotation>,
    /// Where the schema starts.
    pub pos: Pos,
}

/// Entity or complex.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructuredKind {
    /// `EntityType`.
    Entity,
    /// `ComplexType`.
    Complex,
}

/// An `EntityType` or a `ComplexType`.
#[derive(Debug, Clone)]
pub struct StructuredType {
    /// Entity or complex.
    pub kind: StructuredKind,
    /// `Name`.
    pub name: String,
    /// `BaseType`, as written.
    pub base_type: Option<String>,
    /// `Abstract`.
    pub is_abstract: bool,
    /// `OpenType`.
    pub open_type: bool,
    /// `HasStream` (entities only).
    pub has_stream: bool,
    /// `Key/PropertyRef/@Name`, in order (entities only).
    pub key: Vec<String>,
    /// Structural properties.
    pub properties: Vec<Property>,
    /// Navigation properties.
    pub navigation_properties: Vec<NavigationProperty>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where the type starts.
    pub pos: Pos,
}

/// A reference to a type: `Edm.String`, `ns.Type`, `Collection(alias.Type)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeRef {
    /// Whether it is `Collection(…)`.
    pub collection: bool,
    /// The element type's qualified name as written.
    pub name: String,
}

impl TypeRef {
    /// Parses the `Type` attribute syntax.
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        match text.strip_prefix("Collection(").and_then(|t| t.strip_suffix(')')) {
            Some(inner) => Self { collection: true, name: inner.trim().to_owned() },
            None => Self { collection: false, name: text.to_owned() },
        }
    }
}

/// Facets that refine a primitive type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facets {
    /// `MaxLength`.
    pub max_length: Option<String>,
    /// `Precision`.
    pub precision: Option<String>,
    /// `Scale`.
    pub scale: Option<String>,
    /// `SRID`.
    pub srid: Option<String>,
}

/// A structural `Property`.
#[derive(Debug, Clone)]
pub struct Property {
    /// `Name`.
    pub name: String,
    /// `Type`.
    pub ty: TypeRef,
    /// `Nullable` (default true).
    pub nullable: bool,
    /// `DefaultValue`.
    pub default_value: Option<String>,
    /// Facets.
    pub facets: Facets,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where it starts.
    pub pos: Pos,
}

/// A `NavigationProperty`.
#[derive(Debug, Clone)]
pub struct NavigationProperty {
    /// `Name`.
    pub name: String,
    /// `Type`.
    pub ty: TypeRef,
    /// `Nullable` (default true).
    pub nullable: bool,
    /// `Partner`.
    pub partner: Option<String>,
    /// `ContainsTarget`.
    pub contains_target: bool,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where it starts.
    pub pos: Pos,
}

/// An `EnumType`.
#[derive(Debug, Clone)]
pub struct EnumType {
    /// `Name`.
    pub name: String,
    /// `UnderlyingType` (default `Edm.Int32`).
    pub underlying_type: String,
    /// `IsFlags`.
    pub is_flags: bool,
    /// Members with their values, implicit values filled in.
    pub members: Vec<EnumMember>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where it starts.
    pub pos: Pos,
}

/// An enumeration `Member`.
#[derive(Debug, Clone)]
pub struct EnumMember {
    /// `Name`.
    pub name: String,
    /// `Value`, or its position when the document leaves it implicit.
    pub value: i64,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
}

/// A `TypeDefinition`.
#[derive(Debug, Clone)]
pub struct TypeDefinition {
    /// `Name`.
    pub name: String,
    /// `UnderlyingType`.
    pub underlying_type: String,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where it starts.
    pub pos: Pos,
}

/// Function or action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    /// `Function`: no side effects, called with `GET`.
    Function,
    /// `Action`: may have side effects, called with `POST`.
    Action,
}

/// A `Function` or `Action` overload.
#[derive(Debug, Clone)]
pub struct Operation {
    /// Function or action.
    pub kind: OperationKind,
    /// `Name`.
    pub name: String,
    /// `IsBound`: the first parameter is the binding parameter.
    pub is_bound: bool,
    /// `IsComposable`.
    pub is_composable: bool,
    /// `EntitySetPath`.
    pub entity_set_path: Option<String>,
    /// `Parameter`s, the binding parameter first when bound.
    pub parameters: Vec<Parameter>,
    /// `ReturnType`.
    pub return_type: Option<ReturnType>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where it starts.
    pub pos: Pos,
}

/// An operation `Parameter`.
#[derive(Debug, Clone)]
pub struct Parameter {
    /// `Name`.
    pub name: String,
    /// `Type`.
    pub ty: TypeRef,
    /// `Nullable` (default true).
    pub nullable: bool,
    /// Inline annotations (`Core.OptionalParameter`, descriptions).
    pub annotations: Vec<Annotation>,
    /// Where it starts.
    pub pos: Pos,
}

/// An operation's `ReturnType`.
#[derive(Debug, Clone)]
pub struct ReturnType {
    /// `Type`.
    pub ty: TypeRef,
    /// `Nullable` (default true).
    pub nullable: bool,
}

/// A `Term` declaration.
#[derive(Debug, Clone)]
pub struct Term {
    /// `Name`.
    pub name: String,
    /// `Type`.
    pub ty: TypeRef,
    /// `AppliesTo`, split on spaces.
    pub applies_to: Vec<String>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where it starts.
    pub pos: Pos,
}

/// The `EntityContainer`.
#[derive(Debug, Clone)]
pub struct EntityContainer {
    /// `Name`.
    pub name: String,
    /// `EntitySet`s.
    pub entity_sets: Vec<EntitySet>,
    /// `Singleton`s.
    pub singletons: Vec<Singleton>,
    /// `FunctionImport`s and `ActionImport`s.
    pub imports: Vec<OperationImport>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where it starts.
    pub pos: Pos,
}

/// An `EntitySet`.
#[derive(Debug, Clone)]
pub struct EntitySet {
    /// `Name`, the URL segment.
    pub name: String,
    /// `EntityType`.
    pub entity_type: String,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where it starts.
    pub pos: Pos,
}

/// A `Singleton`.
#[derive(Debug, Clone)]
pub struct Singleton {
    /// `Name`, the URL segment.
    pub name: String,
    /// `Type`.
    pub ty: String,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where it starts.
    pub pos: Pos,
}

/// A `FunctionImport` or `ActionImport`.
#[derive(Debug, Clone)]
pub struct OperationImport {
    /// Which kind of operation it imports.
    pub kind: OperationKind,
    /// `Name`, the URL segment.
    pub name: String,
    /// `Function` or `Action`: the imported operation's qualified name.
    pub operation: String,
    /// `EntitySet`.
    pub entity_set: Option<String>,
    /// Inline annotations.
    pub annotations: Vec<Annotation>,
    /// Where it starts.
    pub pos: Pos,
}

/// An `Annotations` block applying annotations to `Target`.
#[derive(Debug, Clone)]
pub struct AnnotationBlock {
    /// `Target`, a path such as `ns.Type/Property` or `ns.Container/Set`.
    pub target: String,
    /// `Qualifier`.
    pub qualifier: Option<String>,
    /// The annotations.
    pub annotations: Vec<Annotation>,
    /// Where it starts.
    pub pos: Pos,
}

/// An `Annotation`: a term applied with a value.
#[derive(Debug, Clone)]
pub struct Annotation {
    /// `Term`, as written (alias or namespace).
    pub term: String,
    /// `Qualifier`.
    pub qualifier: Option<String>,
    /// The value expression; a tag without a value is `Bool(true)`.
    pub value: Expr,
    /// Where it starts.
    pub pos: Pos,
}

/// A constant or dynamic annotation expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `Null`.
    Null,
    /// `String`.
    String(String),
    /// `Bool`.
    Bool(bool),
    /// `Int`.
    Int(i64),
    /// Any other constant (`Float`, `Decimal`, `Date`, `Guid`, …): its kind and text.
    Constant {
        /// The expression kind, such as `Decimal`.
        kind: String,
        /// The literal text.
        text: String,
    },
    /// `EnumMember`: `ns.Enum/Member`, several separated by spaces for flags.
    EnumMember(String),
    /// `Path`, `PropertyPath`, `NavigationPropertyPath`, `AnnotationPath`, …: kind and path.
    Path {
        /// The expression kind.
        kind: String,
        /// The path.
        path: String,
    },
    /// `Record`.
    Record {
        /// `Type`, when given.
        ty: Option<String>,
        /// `PropertyValue`s in order.
        properties: Vec<(String, Expr)>,
    },
    /// `Collection`.
    Collection(Vec<Expr>),
    /// A dynamic expression (`Apply`, `If`, `Eq`, …), kept by name only.
    Dynamic(String),
}

impl Expr {
    /// The text of a string constant.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::String(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a record property.
    pub fn field(&self, name: &str) -> Option<&Expr> {
        match self {
            Expr::Record { properties, .. } => properties.iter().find(|(n, _)| n == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The items of a collection (empty for anything else).
    pub fn items(&self) -> &[Expr] {
        match self {
            Expr::Collection(items) => items,
            _ => &[],
        }
    }
}
