//! Rust types for CSDL types: structs for entity and complex types, enums for enumerations,
//! aliases for type definitions, and the mapping of every Edm primitive.

use std::collections::{BTreeSet, HashSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};

use crate::plan::names;
use crate::plan::{Doc, Features, Layout};
use defender_runtime::edm::{JsonForm, Primitive};

use crate::csdl::Model;
use crate::csdl::model::{
    Annotation, EnumType, NavigationProperty, Property, Schema, StructuredKind, StructuredType,
    TypeDefinition, TypeRef,
};
use crate::csdl::resolve::Resolved;

/// How a Rust type is decoded from the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decode {
    /// Through `Wire<…>`, which accepts the loose forms services send.
    Wire,
    /// Through the type's own `Deserialize`.
    Own,
}

/// A CSDL type reference as Rust.
pub struct RustType {
    /// The element type (no `Vec`, no `Option`).
    pub element: TokenStream,
    /// Whether the reference is a collection.
    pub collection: bool,
    /// How it decodes.
    pub decode: Decode,
    /// Whether the element is a structured type (so a cycle through it needs a `Box`).
    pub structured: Option<String>,
}

impl RustType {
    /// `T` or `Vec<T>`.
    pub fn value(&self) -> TokenStream {
        let element = &self.element;
        if self.collection { quote!(Vec<#element>) } else { element.clone() }
    }
}

/// The Rust type of an Edm type. Streams, spatial values, untyped and abstract types have no
/// fixed shape: their JSON is kept.
pub fn edm_type(primitive: Primitive) -> TokenStream {
    match primitive {
        Primitive::String => quote!(String),
        Primitive::Boolean => quote!(bool),
        Primitive::Byte => quote!(u8),
        Primitive::SByte => quote!(i8),
        Primitive::Int16 => quote!(i16),
        Primitive::Int32 => quote!(i32),
        Primitive::Int64 => quote!(i64),
        Primitive::Single => quote!(f32),
        Primitive::Double => quote!(f64),
        Primitive::Decimal => quote!(edm::Decimal),
        Primitive::DateTimeOffset => quote!(edm::DateTimeOffset),
        Primitive::Date => quote!(edm::Date),
        Primitive::TimeOfDay => quote!(edm::TimeOfDay),
        Primitive::Duration => quote!(edm::Duration),
        Primitive::Guid => quote!(edm::Guid),
        Primitive::Binary => quote!(edm::Binary),
        Primitive::Stream
        | Primitive::Untyped
        | Primitive::PrimitiveType
        | Primitive::ComplexType
        | Primitive::EntityType
        | Primitive::AnnotationPath
        | Primitive::PropertyPath
        | Primitive::NavigationPropertyPath
        | Primitive::AnyPropertyPath
        | Primitive::ModelElementPath
        | Primitive::Geography
        | Primitive::GeographyPoint
        | Primitive::GeographyLineString
        | Primitive::GeographyPolygon
        | Primitive::GeographyMultiPoint
        | Primitive::GeographyMultiLineString
        | Primitive::GeographyMultiPolygon
        | Primitive::GeographyCollection
        | Primitive::Geometry
        | Primitive::GeometryPoint
        | Primitive::GeometryLineString
        | Primitive::GeometryPolygon
        | Primitive::GeometryMultiPoint
        | Primitive::GeometryMultiLineString
        | Primitive::GeometryMultiPolygon
        | Primitive::GeometryCollection => quote!(Value),
    }
}

/// How an Edm value is decoded: strings, booleans and numbers leniently through `Wire`
/// (services send numbers as strings and back), and the text-only `edm` types through `Wire`
/// too, which reads an optional value and `null` in one pass over the input. `Decimal`, `Guid`
/// and JSON values use their own `Deserialize`, which already accepts every form.
fn edm_decode(primitive: Primitive) -> Decode {
    match (primitive, primitive.json_form()) {
        (Primitive::Decimal | Primitive::Guid, _) | (_, JsonForm::Any) => Decode::Own,
        (_, JsonForm::Boolean | JsonForm::Integer | JsonForm::Number | JsonForm::String) => Decode::Wire,
    }
}

/// The Rust type of a type reference seen from module `from`.
pub fn rust_type(model: &Model, layout: &Layout, ty: &TypeRef, from: &str) -> RustType {
    let (element, decode, structured) = match model.resolve(&ty.name) {
        Some(Resolved::Edm(name)) => (edm_type(name), edm_decode(name), None),
        Some(Resolved::Definition(schema, definition)) => {
            (layout.path(&schema.namespace, &definition.name, from), Decode::Wire, None)
        }
        Some(Resolved::Enum(schema, enumeration)) => {
            // A flags property holds a combination of members: the enumeration's set type.
            let qualified = format!("{}.{}", schema.namespace, enumeration.name);
            let path = layout
                .flag_set_path(&qualified, from)
                .unwrap_or_else(|| layout.path(&schema.namespace, &enumeration.name, from));
            (path, Decode::Own, None)
        }
        Some(Resolved::Structured(schema, structured)) => {
            let qualified = format!("{}.{}", schema.namespace, structured.name);
            (layout.value_path(&qualified, from), Decode::Own, Some(qualified))
        }
        Some(Resolved::External) | None => (quote!(Value), Decode::Wire, None),
    };
    RustType { element, collection: ty.collection, decode, structured }
}

/// The type of a property in a create or update body: a structured value is its body type
/// (`…Input`, or `Any…Input`), so that nested objects also send only the fields set.
pub fn input_type(model: &Model, layout: &Layout, ty: &TypeRef, from: &str) -> TokenStream {
    let rust = rust_type(model, layout, ty, from);
    let input = rust.structured.as_deref().and_then(|qualified| layout.input_value_path(qualified, from));
    match input {
        Some(input) if ty.collection => quote!(Vec<#input>),
        Some(input) => input,
        None => rust.value(),
    }
}

/// The structured types a field of type `qualified` holds by value: the type, and every type
/// derived from it, since such a field is the `Any…` enum whose variants hold them.
fn held_by_value(model: &Model, qualified: String) -> impl Iterator<Item = String> + '_ {
    let derived = model.derived(&qualified);
    std::iter::once(qualified).chain(derived)
}

/// Qualified names of the structured types a value of `qualified` contains directly (not
/// through a collection), used to find the cycles that need a `Box`.
fn direct_children(model: &Model, qualified: &str) -> Vec<String> {
    let Some(Resolved::Structured(schema, ty)) = model.resolve(qualified) else {
        return Vec::new();
    };
    model
        .all_properties(schema, ty)
        .into_iter()
        .filter(|p| !p.ty.collection)
        .filter_map(|p| match model.resolve(&p.ty.name) {
            Some(Resolved::Structured(s, t)) => Some(format!("{}.{}", s.namespace, t.name)),
            _ => None,
        })
        .flat_map(|child| held_by_value(model, child))
        .collect()
}

/// Whether a field of type `from` (the type or its `Any…` enum) can contain a value of `to`
/// without going through a collection: then the field needs a `Box`, or the type would have
/// infinite size.
fn reaches(model: &Model, from: &str, to: &str) -> bool {
    let mut seen = HashSet::new();
    let mut stack: Vec<String> = held_by_value(model, from.to_owned()).collect();
    while let Some(current) = stack.pop() {
        if current == to {
            return true;
        }
        if seen.insert(current.clone()) {
            stack.extend(direct_children(model, &current));
        }
    }
    false
}

/// The fields every generated struct has besides its properties.
const RESERVED_FIELDS: &[&str] = &["annotations", "additional_properties"];

/// A member of a structured type that becomes a struct field.
#[derive(Debug, Clone, Copy)]
pub enum Member<'a> {
    /// A structural property: part of the value whenever the service sends it.
    Structural(&'a Property),
    /// A navigation property: a related entity or collection, which a response carries only when
    /// `$expand` asked for it.
    Navigation(&'a NavigationProperty),
}

impl<'a> Member<'a> {
    /// The member's name on the wire.
    pub fn name(self) -> &'a str {
        match self {
            Self::Structural(property) => &property.name,
            Self::Navigation(navigation) => &navigation.name,
        }
    }

    fn ty(self) -> &'a TypeRef {
        match self {
            Self::Structural(property) => &property.ty,
            Self::Navigation(navigation) => &navigation.ty,
        }
    }

    fn annotations(self) -> &'a [Annotation] {
        match self {
            Self::Structural(property) => &property.annotations,
            Self::Navigation(navigation) => &navigation.annotations,
        }
    }

    /// The structural property, when the member is one.
    pub fn structural(self) -> Option<&'a Property> {
        match self {
            Self::Structural(property) => Some(property),
            Self::Navigation(_) => None,
        }
    }

    /// Whether the member is declared by `ty` itself rather than inherited.
    pub fn declared_by(self, ty: &StructuredType) -> bool {
        match self {
            Self::Structural(property) => ty.properties.iter().any(|own| std::ptr::eq(own, property)),
            Self::Navigation(navigation) => {
                ty.navigation_properties.iter().any(|own| std::ptr::eq(own, navigation))
            }
        }
    }
}

struct Field<'a> {
    member: Member<'a>,
    ident: TokenStream,
    ty: RustType,
    boxed: bool,
    key: bool,
}

impl Field<'_> {
    /// A string key that a body may leave out: a `$select` made by another tool need not ask
    /// for it. It decodes as the empty string and is left out again when written, so that
    /// such a body still decodes and round-trips. Other key types stay required, since their
    /// default (`0`) is a real key value.
    fn omissible_key(&self) -> bool {
        self.key && !self.member.ty().collection && self.member.ty().name == "Edm.String"
    }

    fn navigation(&self) -> bool {
        matches!(self.member, Member::Navigation(_))
    }
}

/// The Rust field name of each member of `ty`: structural properties, inherited ones first,
/// then navigation properties, claimed in one scope (so `Name` beside `name` is `name_2`). The
/// struct and the conformance summary both ask here.
pub fn field_names<'a>(
    model: &'a Model,
    schema: &'a Schema,
    ty: &'a StructuredType,
) -> Vec<(Member<'a>, String)> {
    let mut scope = names::Scope::with_reserved(RESERVED_FIELDS);
    let structural = model.all_properties(schema, ty).into_iter().map(Member::Structural);
    let navigation = model.all_navigation_properties(ty).into_iter().map(Member::Navigation);
    structural.chain(navigation).map(|member| (member, scope.claim(&names::snake(member.name())))).collect()
}

/// A struct for an entity or complex type, with its lossless `Deserialize` implementation.
pub fn structured(
    model: &Model,
    layout: &Layout,
    features: &Features,
    schema: &Schema,
    ty: &StructuredType,
    module: &str,
) -> Vec<Chunk> {
    let qualified = format!("{}.{}", schema.namespace, ty.name);
    let name = layout.ident(&schema.namespace, &ty.name);
    let kind = match ty.kind {
        StructuredKind::Entity => "entity type",
        StructuredKind::Complex => "complex type",
    };
    let mut doc = Doc::described(
        &model.documentation(&ty.annotations, &qualified),
        &format!("The `{}` {kind}.", ty.name),
    );
    doc.paragraph(&format!("CSDL: {kind} `{qualified}`."));
    if let Some(base) = &ty.base_type {
        doc.line(format!("Derived from `{}`; its properties are included.", model.qualify(base)));
    }
    let key: BTreeSet<&str> = model.key(ty).into_iter().collect();
    let fields: Vec<Field<'_>> = field_names(model, schema, ty)
        .into_iter()
        .map(|(member, name)| {
            let rust = rust_type(model, layout, member.ty(), module);
            // A single related entity is always boxed: navigation often leads back (an alert's
            // incident, the incident's alerts), and an unexpanded one costs a pointer, not a value.
            let boxed = !rust.collection
                && match member {
                    Member::Navigation(_) => rust.structured.is_some(),
                    Member::Structural(_) => {
                        rust.structured.as_deref().is_some_and(|child| reaches(model, child, &qualified))
                    }
                };
            let ident: TokenStream = name.parse().unwrap_or_default();
            let key = member.structural().is_some_and(|p| key.contains(p.name.as_str()));
            Field { member, ident, ty: rust, boxed, key }
        })
        .collect();

    let field_defs = fields.iter().map(|field| {
        let wire = field.member.name();
        let ident = &field.ident;
        let mut value = field.ty.value();
        if field.boxed {
            value = quote!(Box<#value>);
        }
        let ty = if field.key { value } else { quote!(Option<#value>) };
        let owner = format!("{qualified}/{wire}");
        let fallback = match field.member {
            Member::Structural(_) => format!("The `{wire}` property."),
            Member::Navigation(_) => format!("The `{wire}` navigation property."),
        };
        let mut doc = Doc::described(&model.documentation(field.member.annotations(), &owner), &fallback);
        doc.paragraph(&property_contract(field));
        let doc = doc.tokens();
        quote! {
            #doc
            pub #ident: #ty,
        }
    });
    // What `Serialize` writes for each field: a key sent only when it is not empty, a navigation
    // property only when it was expanded.
    let writes = fields.iter().map(|field| {
        let (wire, ident) = (field.member.name(), &field.ident);
        if field.omissible_key() {
            quote!(writer.key_unless_empty(#wire, &self.#ident);)
        } else if field.navigation() {
            quote!(writer.expanded(#wire, &self.#ident);)
        } else {
            quote!(writer.member(#wire, &self.#ident);)
        }
    });

    let doc = doc.tokens();
    let derive_default = if fields.iter().any(|f| f.key) { quote!() } else { quote!(Default,) };
    let cfg = features.cfg(features.of_type(&qualified));
    let deserialize = deserialize_impl(&name, &ty.name, &fields, &cfg, layout.folds_member_case(&qualified));
    let input = layout
        .input_ident(&schema.namespace, &ty.name)
        .map(|input| input_struct(model, layout, module, &input, &qualified, &fields, &cfg));
    let any = layout
        .any_ident(&qualified)
        .map(|any| polymorphic(model, layout, module, &any, &qualified, &cfg, false));
    let any_input = layout
        .any_input_ident(&qualified)
        .map(|any| polymorphic(model, layout, module, &any, &qualified, &cfg, true));
    let paths = property_paths(&name, &fields, &features.cfg_text(features.of_type(&qualified)));
    let keys = model.key(ty);
    let keyed = quote! {
        #cfg
        impl defender_runtime::request::Keyed for #name {
            const KEY_PROPERTIES: &'static [&'static str] = &[#(#keys),*];
        }
    };
    let declaration = quote! {
        #doc
        #cfg
        #[derive(Debug, Clone, PartialEq, #derive_default)]
        pub struct #name {
            /// Instance annotations sent with the value, such as `@odata.context` and `@odata.type`.
            pub annotations: Annotations,
            #(#field_defs)*
            /// Properties the metadata does not declare, kept as the JSON text the service sent,
            /// in the order it sent them, and written back unchanged when the value is serialized.
            pub additional_properties: RawMembers,
        }

        #cfg
        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut writer = MemberWriter::begin(serializer)?;
                writer.annotations(&self.annotations);
                #(#writes)*
                writer.unknown(&self.additional_properties);
                writer.end()
            }
        }

        #deserialize
        #keyed
    };
    let rest = quote! {
        #input
        #any
        #any_input
    };
    vec![Chunk::Tokens(declaration), Chunk::Text(paths), Chunk::Tokens(rest)]
}

/// A piece of a types module: items built as tokens (parsed back and pretty-printed), or items
/// whose layout is fixed, written as formatted text directly.
pub enum Chunk {
    /// Items to format.
    Tokens(TokenStream),
    /// Formatted items, each line ending in `\n`.
    Text(String),
}

/// Constants naming each property, for typed `$filter`, `$select` and `$orderby`
/// (`Machine::HEALTH_STATUS.eq(MachineHealthStatus::Active)`).
fn property_paths(name: &Ident, fields: &[Field<'_>], cfg: &str) -> String {
    use std::fmt::Write;
    // Related entities are asked for with `$expand`, not filtered or selected as values.
    let fields: Vec<&Field<'_>> = fields.iter().filter(|field| !field.navigation()).collect();
    if fields.is_empty() {
        return String::new();
    }
    let mut out = String::new();
    if !cfg.is_empty() {
        let _ = writeln!(out, "{cfg}");
    }
    let _ = writeln!(out, "impl {name} {{");
    let mut scope = names::Scope::default();
    for field in fields {
        let wire = field.member.name();
        let constant = scope.claim(&names::shouty(wire));
        let value = super::tokens_text(field.ty.value());
        let _ = writeln!(out, "    /// The `{wire}` property, for typed query options.");
        let _ = writeln!(out, "    pub const {constant}: defender_runtime::filter::Property<{value}> =");
        let _ = writeln!(out, "        defender_runtime::filter::Property::new({wire:?});");
    }
    out.push_str("}\n");
    out
}

/// `Any…` (or `Any…Input`): a value of `qualified` or of any type derived from it, told apart by
/// `@odata.type`. The base type's variant also takes derived types this SDK does not know, whose
/// extra members it keeps.
fn polymorphic(
    model: &Model,
    layout: &Layout,
    module: &str,
    name: &Ident,
    qualified: &str,
    cfg: &TokenStream,
    input: bool,
) -> TokenStream {
    let base_name = qualified.rsplit('.').next().unwrap_or(qualified);
    let path = |q: &str| {
        if input {
            layout.input_value_path_exact(q, module).unwrap_or_else(|| layout.value_path(q, module))
        } else {
            layout.exact_path(q, module)
        }
    };
    let mut variants = Vec::new();
    let mut scope = names::Scope::default();
    for derived in model.derived(qualified) {
        let short = derived.rsplit('.').next().unwrap_or(&derived).to_owned();
        let variant = Ident::new(&scope.claim(&names::camel(&short)), Span::call_site());
        variants.push((variant, derived.clone(), short, path(&derived)));
    }
    let base_variant = Ident::new(&scope.claim(&names::camel(base_name)), Span::call_site());
    let base_path = path(qualified);
    let defs = variants.iter().map(|(variant, derived, _, path)| {
        let doc = format!(" A `{derived}`.");
        quote!(#[doc = #doc] #variant(#path),)
    });
    let serialize_arms = variants.iter().map(|(variant, derived, _, _)| {
        let odata_type = format!("#{derived}");
        quote!(Self::#variant(value) => serialize_typed(value, #odata_type, serializer),)
    });
    // A bare `@odata.type` (`#participant`) names a type of the base type's namespace; two
    // derived types of one bare name in different namespaces are told apart by the qualified
    // name only, the one in the base's namespace keeping the bare name.
    let base_namespace = qualified.rsplit_once('.').map_or("", |(ns, _)| ns);
    let bare_name_of = |derived: &str, short: &str| {
        let ambiguous = variants.iter().filter(|(_, _, other, _)| other == short).count() > 1;
        let home = derived.rsplit_once('.').is_some_and(|(ns, _)| ns == base_namespace);
        (!ambiguous || home).then(|| short.to_owned())
    };
    let deserialize_arms = variants.iter().map(|(variant, derived, short, path)| {
        let names = match bare_name_of(derived, short) {
            Some(short) => quote!(#derived | #short),
            None => quote!(#derived),
        };
        quote!(#names => #path::decode_members(map, annotations).map(#name::#variant),)
    });
    let base_doc = format!(" A `{qualified}`, or a type derived from it that this SDK does not know.");
    let doc = format!(" A `{base_name}` or a type derived from it, told apart by `@odata.type`.");
    let expecting = format!("a JSON object for `{base_name}` or a type derived from it");
    let keys: Vec<&str> = match model.resolve(qualified) {
        Some(Resolved::Structured(_, ty)) => model.key(ty),
        _ => Vec::new(),
    };
    let deserialize = (!input).then(|| {
        quote! {
            #cfg
            impl defender_runtime::request::Keyed for #name {
                const KEY_PROPERTIES: &'static [&'static str] = &[#(#keys),*];
            }

            // One pass over the input when `@odata.type` comes first, as services write it; an
            // object that names its type later is read whole first (see `read_type_first`).
            #cfg
            impl<'de> Deserialize<'de> for #name {
                fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                    fn dispatch<'de, M: MapAccess<'de>>(name: &str, map: M, annotations: Annotations) -> Result<#name, M::Error> {
                        match name {
                            #(#deserialize_arms)*
                            _ => #base_path::decode_members(map, annotations).map(#name::#base_variant),
                        }
                    }

                    struct PolymorphicVisitor;

                    impl<'de> Visitor<'de> for PolymorphicVisitor {
                        type Value = #name;

                        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                            f.write_str(#expecting)
                        }

                        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<#name, A::Error> {
                            match read_type_first(&mut map)? {
                                TypeFirst::Streamed { name, annotations } => dispatch(&name, map, annotations),
                                TypeFirst::Buffered { name, annotations, members } => {
                                    dispatch(name.as_deref().unwrap_or_default(), members, annotations)
                                        .map_err(de::Error::custom)
                                }
                            }
                        }
                    }

                    deserializer.deserialize_map(PolymorphicVisitor)
                }
            }
        }
    });
    // Variants hold their values inline: boxing the large ones would make every match and
    // construction in user code go through a `Box` for the sake of the enum's size, and a
    // value of a type with many derived types is decoded once and read in place.
    quote! {
        #[doc = #doc]
        #cfg
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum #name {
            #(#defs)*
            #[doc = #base_doc]
            #base_variant(#base_path),
        }

        #cfg
        impl Serialize for #name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    #(#serialize_arms)*
                    Self::#base_variant(value) => value.serialize(serializer),
                }
            }
        }

        #deserialize
    }
}

/// The body of a create or update request for an entity type: every property a three-state
/// [`Patch`](defender_runtime::Patch), so that a request sends exactly the fields set.
fn input_struct(
    model: &Model,
    layout: &Layout,
    module: &str,
    input: &Ident,
    qualified: &str,
    fields: &[Field<'_>],
    cfg: &TokenStream,
) -> TokenStream {
    let name = qualified.rsplit('.').next().unwrap_or(qualified);
    let doc = format!(
        " The fields of a create or update request for [`{name}`]: each is sent only when it is not\n [`Patch::Absent`](defender_runtime::Patch::Absent), as `null` for `Patch::Null`.\n\n Build it with struct update syntax: `{input} {{ field: value.into(), ..Default::default() }}`."
    );
    // Related entities are created and linked by their own requests, not inside this body.
    let defs = fields.iter().filter_map(|field| field.member.structural().map(|property| (field, property)));
    let defs = defs.map(|(field, property)| {
        let wire = &property.name;
        let ident = &field.ident;
        let value = input_type(model, layout, &property.ty, module);
        let value = if field.boxed { quote!(Box<#value>) } else { value };
        let owner = format!("{qualified}/{wire}");
        let text = model.documentation(&property.annotations, &owner).description.unwrap_or_default();
        let doc = format!(" `{wire}`: {text}");
        quote! {
            #[doc = #doc]
            pub #ident: Patch<#value>,
        }
    });
    // Each field is sent unless it is `Patch::Absent`.
    let writes = fields.iter().filter_map(|field| {
        let (property, ident) = (field.member.structural()?, &field.ident);
        let wire = &property.name;
        Some(quote!(writer.patch(#wire, &self.#ident);))
    });
    quote! {
        #[doc = #doc]
        #cfg
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct #input {
            #(#defs)*
            /// Members the metadata does not declare, sent as they are.
            pub additional_properties: Map<String, Value>,
        }

        #cfg
        impl Serialize for #input {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut writer = MemberWriter::begin(serializer)?;
                #(#writes)*
                writer.json_members(&self.additional_properties);
                writer.end()
            }
        }
    }
}

/// What the metadata says about a property, for its rustdoc.
fn property_contract(field: &Field<'_>) -> String {
    let type_ref = field.member.ty();
    let ty =
        if type_ref.collection { format!("Collection({})", type_ref.name) } else { type_ref.name.clone() };
    let mut text = format!("`{ty}`");
    let property = match field.member {
        Member::Structural(property) => property,
        Member::Navigation(_) => {
            text.push_str(
                ", a navigation property: present when the request asked for it with `$expand`, \
                 `None` otherwise, and left out when the value is written.",
            );
            return text;
        }
    };
    if field.omissible_key() {
        text.push_str(
            ", part of the key: present in every full body. A body selected without it (`$select` \
             made by another tool) decodes with an empty string here, left out again when written.",
        );
    } else if field.key {
        text.push_str(", part of the key: always present.");
    } else if property.nullable {
        text.push_str(", nullable.");
    } else {
        text.push_str(
            ", not nullable in the metadata: the service is expected to send it, but `None` is kept \
             for responses that leave it out.",
        );
    }
    if let Some(default) = &property.default_value {
        text.push_str(&format!(" Default `{default}`."));
    }
    text
}

/// The type's `DecodeMembers` and `Deserialize`; with `fold_case`, a member that matches no
/// property exactly is matched again ignoring ASCII case before it is kept as unknown.
fn deserialize_impl(
    name: &Ident,
    wire_name: &str,
    fields: &[Field<'_>],
    cfg: &TokenStream,
    fold_case: bool,
) -> TokenStream {
    let visitor = format_ident!("{}Visitor", name.to_string().trim_start_matches("r#"));
    let expecting = format!("a JSON object for `{wire_name}`");
    let names = locals(fields);
    // Typed where they are declared, so that each arm is checked without inference.
    let locals = fields.iter().zip(&names).map(|(f, ident)| {
        let value = f.ty.value();
        if f.boxed {
            quote!(let mut #ident: Option<Box<#value>> = None;)
        } else {
            quote!(let mut #ident: Option<#value> = None;)
        }
    });
    let decoders: Vec<(String, TokenStream)> = fields
        .iter()
        .zip(&names)
        .map(|(f, ident)| {
            let value = f.ty.value();
            let decoded = match (f.ty.decode, f.boxed) {
                (Decode::Wire, _) => quote!(map.next_value::<Wire<Option<#value>>>()?.into_inner()),
                (Decode::Own, false) => quote!(map.next_value::<Option<#value>>()?),
                (Decode::Own, true) => quote!(map.next_value::<Option<#value>>()?.map(Box::new)),
            };
            (f.member.name().to_owned(), quote!(#ident = #decoded))
        })
        .collect();
    let arms = decoders.iter().map(|(wire, decode)| quote!(#wire => #decode,));
    // The same decoders under the members' lowercase names, each name once.
    let mut folded_names = HashSet::new();
    let folded_arms: Vec<TokenStream> = decoders
        .iter()
        .filter(|(wire, _)| folded_names.insert(wire.to_ascii_lowercase()))
        .map(|(wire, decode)| {
            let folded = wire.to_ascii_lowercase();
            quote!(#folded => #decode,)
        })
        .collect();
    let inits = fields.iter().zip(&names).map(|(f, ident)| {
        let field = &f.ident;
        if f.omissible_key() {
            quote!(#field: #ident.unwrap_or_default(),)
        } else if f.key {
            let wire = f.member.name();
            quote!(#field: #ident.ok_or_else(|| de::Error::missing_field(#wire))?,)
        } else {
            quote!(#field: #ident,)
        }
    });
    let keep = quote! {
        let key = key.into_owned();
        if is_annotation(&key) {
            annotations.insert(key, map.next_value::<Value>()?);
        } else {
            additional_properties.push_raw(key, map.next_value::<Box<RawValue>>()?);
        }
    };
    // A type that declares no property (an open type) keeps every member. A type whose
    // members may come in any case (export rows) is matched once, on the key in lowercase.
    let dispatch = if fields.is_empty() {
        keep
    } else if fold_case {
        quote! {
            let mut folded = [0u8; 64];
            match defender_runtime::codegen::fold_member_case(key.as_str(), &mut folded) {
                #(#folded_arms)*
                _ => { #keep }
            }
        }
    } else {
        quote! {
            match key.as_str() {
                #(#arms)*
                _ => { #keep }
            }
        }
    };
    // The members are read by `DecodeMembers`, so that a polymorphic value that has read
    // `@odata.type` can hand the rest of the object to the type it names.
    quote! {
        #cfg
        impl DecodeMembers for #name {
            fn decode_members<'de, A: MapAccess<'de>>(mut map: A, mut annotations: Annotations) -> Result<Self, A::Error> {
                let mut additional_properties = RawMembers::new();
                #(#locals)*
                while let Some(key) = map.next_key::<FieldKey<'de>>()? {
                    #dispatch
                }
                additional_properties.keep_last_duplicates();
                Ok(#name {
                    annotations,
                    #(#inits)*
                    additional_properties,
                })
            }
        }

        #cfg
        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct #visitor;

                impl<'de> Visitor<'de> for #visitor {
                    type Value = #name;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str(#expecting)
                    }

                    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<#name, A::Error> {
                        #name::decode_members(map, Annotations::new())
                    }
                }

                deserializer.deserialize_map(#visitor)
            }
        }
    }
}

/// The local variable that collects a field while decoding; prefixed so it cannot clash with
/// the visitor's own variables.
/// The decoder's local variable of each field: `field_` and the field's name, without a raw
/// prefix or the underscore a name that starts with a digit gets (`field_2nd_attempt`, not the
/// non-snake-case `field__2nd_attempt`), claimed in one scope so that they stay distinct.
fn locals(fields: &[Field<'_>]) -> Vec<Ident> {
    let mut scope = names::Scope::default();
    fields
        .iter()
        .map(|field| {
            let name = field.ident.to_string();
            let bare = name.trim_start_matches("r#").trim_start_matches('_');
            Ident::new(&scope.claim(&format!("field_{bare}")), Span::call_site())
        })
        .collect()
}

/// An enum for an enumeration type, with a variant that keeps values this version does not know.
pub fn enumeration(
    model: &Model,
    layout: &Layout,
    features: &Features,
    schema: &Schema,
    ty: &EnumType,
) -> Vec<Chunk> {
    use std::fmt::Write;
    let qualified = format!("{}.{}", schema.namespace, ty.name);
    let name = layout.ident(&schema.namespace, &ty.name);
    let mut doc = Doc::described(
        &model.documentation(&ty.annotations, &qualified),
        &format!("The `{}` enumeration.", ty.name),
    );
    doc.paragraph(&format!(
        "CSDL: enumeration `{qualified}`. Values this version of the SDK does not know decode as \
         [`{name}::Unrecognized`] instead of failing, and are written back unchanged. The enum is \
         `#[non_exhaustive]`: members the service adds become variants in a minor release."
    ));
    if ty.is_flags {
        doc.paragraph("A flags enumeration: the wire may combine members, as `A,B`; a combination decodes as `Unrecognized` with the text as sent.");
    }
    let mut scope = names::Scope::with_reserved(&["Unrecognized"]);
    // (variant, wire name, literal of the wire name, numeric value, rustdoc)
    let variants: Vec<(String, &str, String, i64, Doc)> = ty
        .members
        .iter()
        .map(|member| {
            let variant = scope.claim(&names::camel(&member.name));
            let target = format!("{qualified}/{}", member.name);
            let mut doc = Doc::described(
                &model.documentation(&member.annotations, &target),
                &format!("`{}`", member.name),
            );
            doc.paragraph(&format!("Wire value `{}`, numeric value {}.", member.name, member.value));
            (variant, member.name.as_str(), format!("{:?}", member.name), member.value, doc)
        })
        .collect();
    let cfg_text = features.cfg_text(features.of_type(&qualified));
    let cfg = if cfg_text.is_empty() { String::new() } else { format!("{cfg_text}\n") };
    let expecting = format!("{:?}", format!("a `{}` member name or value", ty.name));
    // The enum and its methods: a fixed shape, written as text (see `Chunk`).
    let mut out = doc.text("");
    let _ = write!(
        out,
        "{cfg}#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]\n#[non_exhaustive]\npub enum {name} {{\n"
    );
    for (variant, _, _, _, doc) in &variants {
        out.push_str(&doc.text("    "));
        let _ = writeln!(out, "    {variant},");
    }
    out.push_str("    /// A value the metadata this SDK was generated from does not list, as sent.\n    Unrecognized(String),\n}\n\n");
    let _ =
        writeln!(out, "{cfg}impl {name} {{\n    /// Every member the metadata lists, in declaration order.");
    out.push_str("    pub const KNOWN: &'static [Self] = &[");
    if !variants.is_empty() {
        out.push('\n');
        for (variant, ..) in &variants {
            let _ = writeln!(out, "        Self::{variant},");
        }
        out.push_str("    ");
    }
    out.push_str("];\n\n    /// The member's name as the service spells it.\n    pub fn as_str(&self) -> &str {\n        match self {\n");
    for (variant, _, wire, ..) in &variants {
        let _ = writeln!(out, "            Self::{variant} => {wire},");
    }
    out.push_str("            Self::Unrecognized(value) => value,\n        }\n    }\n\n");
    out.push_str("    /// The member's numeric value, when it is a listed member.\n    pub fn value(&self) -> Option<i64> {\n        match self {\n");
    for (variant, _, _, value, _) in &variants {
        let _ = writeln!(out, "            Self::{variant} => Some({value}i64),");
    }
    out.push_str("            Self::Unrecognized(_) => None,\n        }\n    }\n\n");
    out.push_str("    /// The member with this numeric value, or `Unrecognized` with the number as text.\n    pub fn from_value(value: i64) -> Self {\n        match value {\n");
    let mut seen_values = HashSet::new();
    for (variant, _, _, value, _) in &variants {
        // Two members with one value: the first is the one a number decodes as.
        if seen_values.insert(*value) {
            let _ = writeln!(out, "            {value}i64 => Self::{variant},");
        }
    }
    out.push_str("            other => Self::Unrecognized(other.to_string()),\n        }\n    }\n}\n\n");
    let _ = write!(
        out,
        "{cfg}impl From<&str> for {name} {{\n    fn from(value: &str) -> Self {{\n        match value {{\n"
    );
    for (variant, _, wire, ..) in &variants {
        let _ = writeln!(out, "            {wire} => Self::{variant},");
    }
    out.push_str("            other => Self::Unrecognized(other.to_owned()),\n        }\n    }\n}\n\n");
    let _ = write!(
        out,
        "{cfg}impl std::str::FromStr for {name} {{\n    type Err = std::convert::Infallible;\n    fn from_str(value: &str) -> Result<Self, Self::Err> {{\n        Ok(Self::from(value))\n    }}\n}}\n\n\
         {cfg}impl fmt::Display for {name} {{\n    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{\n        f.write_str(self.as_str())\n    }}\n}}\n\n\
         {cfg}impl defender_runtime::codegen::ODataLiteral for {name} {{\n    fn to_literal(&self) -> String {{\n        defender_runtime::codegen::enum_literal({qualified:?}, self.as_str())\n    }}\n}}\n\n\
         {cfg}impl defender_runtime::filter::FilterValue for {name} {{\n    fn filter_literal(&self) -> String {{\n        defender_runtime::filter::enum_filter_literal(self.as_str())\n    }}\n}}\n"
    );
    let mut chunks = vec![Chunk::Text(out)];
    if let Some(set) = layout.flag_set_ident(&qualified) {
        chunks.push(Chunk::Tokens(flags(
            &name,
            &set,
            &qualified,
            &features.cfg(features.of_type(&qualified)),
        )));
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "{cfg}impl Serialize for {name} {{\n    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\n        serializer.serialize_str(self.as_str())\n    }}\n}}\n\n\
         {cfg}impl<'de> Deserialize<'de> for {name} {{\n    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n        defender_runtime::codegen::decode_enum_member(deserializer, {expecting}, |name| Self::from(name), Self::from_value)\n    }}\n}}\n"
    );
    chunks.push(Chunk::Text(out));
    chunks
}

/// A type alias for a type definition.
pub fn definition(
    model: &Model,
    layout: &Layout,
    features: &Features,
    schema: &Schema,
    ty: &TypeDefinition,
) -> TokenStream {
    let qualified = format!("{}.{}", schema.namespace, ty.name);
    let name = layout.ident(&schema.namespace, &ty.name);
    let mut doc = Doc::described(
        &model.documentation(&ty.annotations, &qualified),
        &format!("The `{}` type definition.", ty.name),
    );
    doc.paragraph(&format!("CSDL: type definition `{qualified}` over `{}`.", ty.underlying_type));
    let underlying =
        Primitive::from_name(&model.qualify(&ty.underlying_type)).map_or_else(|| quote!(Value), edm_type);
    let doc = doc.tokens();
    let cfg = features.cfg(features.of_type(&qualified));
    quote! {
        #doc
        #cfg
        pub type #name = #underlying;
    }
}

/// The set type of a flags enumeration: any combination of members, written on the wire as
/// `A,B` (or as the number of the combined values, which is read too). Members this version
/// does not know are kept as `Unrecognized`.
fn flags(member: &Ident, set: &Ident, qualified: &str, cfg: &TokenStream) -> TokenStream {
    let doc = format!(
        " A combination of [`{member}`] members: the flags enumeration `{qualified}` as the wire carries it."
    );
    quote! {
        #[doc = #doc]
        #cfg
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
        pub struct #set(pub std::collections::BTreeSet<#member>);

        #cfg
        impl #set {
            /// The set of these members.
            pub fn of(members: impl IntoIterator<Item = #member>) -> Self {
                Self(members.into_iter().collect())
            }

            /// Whether `member` is in the set.
            pub fn contains(&self, member: &#member) -> bool {
                self.0.contains(member)
            }

            fn from_number(mut value: i64) -> Self {
                let mut members = std::collections::BTreeSet::new();
                for known in #member::KNOWN {
                    if let Some(bits) = known.value().filter(|bits| *bits != 0 && value & bits == *bits) {
                        members.insert(known.clone());
                        value &= !bits;
                    }
                }
                if value != 0 {
                    members.insert(#member::Unrecognized(value.to_string()));
                }
                Self(members)
            }
        }

        #cfg
        impl fmt::Display for #set {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let names: Vec<&str> = self.0.iter().map(#member::as_str).collect();
                f.write_str(&names.join(","))
            }
        }

        #cfg
        impl Serialize for #set {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        #cfg
        impl<'de> Deserialize<'de> for #set {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct SetVisitor;

                impl Visitor<'_> for SetVisitor {
                    type Value = #set;

                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("comma-separated member names, or their combined value")
                    }

                    fn visit_str<E: de::Error>(self, value: &str) -> Result<#set, E> {
                        Ok(#set(value.split(',').map(str::trim).filter(|m| !m.is_empty()).map(#member::from).collect()))
                    }

                    fn visit_i64<E: de::Error>(self, value: i64) -> Result<#set, E> {
                        Ok(#set::from_number(value))
                    }

                    fn visit_u64<E: de::Error>(self, value: u64) -> Result<#set, E> {
                        Ok(#set::from_number(i64::try_from(value).unwrap_or(i64::MAX)))
                    }
                }

                deserializer.deserialize_any(SetVisitor)
            }
        }

        #cfg
        impl defender_runtime::codegen::ODataLiteral for #set {
            fn to_literal(&self) -> String {
                defender_runtime::codegen::enum_literal(#qualified, &self.to_string())
            }
        }

        #cfg
        impl defender_runtime::filter::FilterValue for #set {
            fn filter_literal(&self) -> String {
                defender_runtime::filter::enum_filter_literal(&self.to_string())
            }
        }
    }
}
