//! From the element tree to the typed model, checking what each element must carry.

use super::CsdlError;
use super::model::*;
use super::xml::Element;

/// Reads a document from its root element.
pub fn document(root: &Element) -> Result<Document, CsdlError> {
    if root.name != "Edmx" {
        return Err(CsdlError::expected(root, "an <edmx:Edmx> root element", &format!("<{}>", root.name)));
    }
    let version = required(root, "Version")?.to_owned();
    if version != "4.0" && version != "4.01" {
        return Err(CsdlError::at(
            root.pos,
            format!("unsupported CSDL version {version:?}: expected 4.0 or 4.01"),
        ));
    }
    let mut document = Document { version, ..Document::default() };
    for child in &root.children {
        match child.name.as_str() {
            "Reference" => document.references.push(reference(child)?),
            "DataServices" => {
                for schema_element in child.children_named("Schema") {
                    document.schemas.push(schema(schema_element)?);
                }
            }
            _ => {}
        }
    }
    if document.schemas.is_empty() {
        return Err(CsdlError::expected(root, "<edmx:DataServices> with at least one <Schema>", "none"));
    }
    Ok(document)
}

fn reference(element: &Element) -> Result<Reference, CsdlError> {
    let includes = element
        .children_named("Include")
        .map(|include| {
            Ok(Include {
                namespace: required(include, "Namespace")?.to_owned(),
                alias: include.attr("Alias").map(str::to_owned),
            })
        })
        .collect::<Result<_, CsdlError>>()?;
    Ok(Reference { uri: required(element, "Uri")?.to_owned(), includes })
}

fn schema(element: &Element) -> Result<Schema, CsdlError> {
    let mut schema = Schema {
        namespace: required(element, "Namespace")?.to_owned(),
        alias: element.attr("Alias").map(str::to_owned),
        pos: element.pos,
        ..Schema::default()
    };
    for child in &element.children {
        match child.name.as_str() {
            "EntityType" => schema.structured_types.push(structured(child, StructuredKind::Entity)?),
            "ComplexType" => schema.structured_types.push(structured(child, StructuredKind::Complex)?),
            "EnumType" => schema.enum_types.push(enum_type(child)?),
            "TypeDefinition" => schema.type_definitions.push(TypeDefinition {
                name: name(child)?,
                underlying_type: required(child, "UnderlyingType")?.to_owned(),
                annotations: annotations(child)?,
                pos: child.pos,
            }),
            "Function" => schema.operations.push(operation(child, OperationKind::Function)?),
            "Action" => schema.operations.push(operation(child, OperationKind::Action)?),
            "Term" => schema.terms.push(Term {
                name: name(child)?,
                ty: TypeRef::parse(required(child, "Type")?),
                applies_to: child
                    .attr("AppliesTo")
                    .map(|a| a.split_whitespace().map(str::to_owned).collect())
                    .unwrap_or_default(),
                annotations: annotations(child)?,
                pos: child.pos,
            }),
            "EntityContainer" => {
                if schema.container.is_some() {
                    return Err(CsdlError::at(child.pos, "a schema may have only one <EntityContainer>"));
                }
                schema.container = Some(container(child)?);
            }
            "Annotations" => schema.annotation_blocks.push(AnnotationBlock {
                target: required(child, "Target")?.to_owned(),
                qualifier: child.attr("Qualifier").map(str::to_owned),
                annotations: annotations(child)?,
                pos: child.pos,
            }),
            "Annotation" => schema.annotations.push(annotation(child)?),
            _ => {}
        }
    }
    Ok(schema)
}

fn structured(element: &Element, kind: StructuredKind) -> Result<StructuredType, CsdlError> {
    let mut ty = StructuredType {
        kind,
        name: name(element)?,
        base_type: element.attr("BaseType").map(str::to_owned),
        is_abstract: flag(element, "Abstract", false)?,
        open_type: flag(element, "OpenType", false)?,
        has_stream: flag(element, "HasStream", false)?,
        key: Vec::new(),
        properties: Vec::new(),
        navigation_properties: Vec::new(),
        annotations: annotations(element)?,
        pos: element.pos,
    };
    for child in &element.children {
        match child.name.as_str() {
            "Key" => {
                for property_ref in child.children_named("PropertyRef") {
                    ty.key.push(required(property_ref, "Name")?.to_owned());
                }
            }
            "Property" => ty.properties.push(Property {
                name: name(child)?,
                ty: TypeRef::parse(required(child, "Type")?),
                nullable: flag(child, "Nullable", true)?,
                default_value: child.attr("DefaultValue").map(str::to_owned),
                facets: Facets {
                    max_length: child.attr("MaxLength").map(str::to_owned),
                    precision: child.attr("Precision").map(str::to_owned),
                    scale: child.attr("Scale").map(str::to_owned),
                    srid: child.attr("SRID").map(str::to_owned),
                },
                annotations: annotations(child)?,
                pos: child.pos,
            }),
            "NavigationProperty" => ty.navigation_properties.push(NavigationProperty {
                name: name(child)?,
                ty: TypeRef::parse(required(child, "Type")?),
                nullable: flag(child, "Nullable", true)?,
                partner: child.attr("Partner").map(str::to_owned),
                contains_target: flag(child, "ContainsTarget", false)?,
                annotations: annotations(child)?,
                pos: child.pos,
            }),
            _ => {}
        }
    }
    Ok(ty)
}

fn enum_type(element: &Element) -> Result<EnumType, CsdlError> {
    let is_flags = flag(element, "IsFlags", false)?;
    let mut members = Vec::new();
    for (index, member) in element.children_named("Member").enumerate() {
        let value = match member.attr("Value") {
            Some(text) => text
                .trim()
                .parse::<i64>()
                .map_err(|_| CsdlError::expected(member, "an integer Value", &format!("{text:?}")))?,
            None if is_flags => {
                return Err(CsdlError::at(
                    member.pos,
                    "members of a flags enumeration need an explicit Value",
                ));
            }
            None => i64::try_from(index).unwrap_or(i64::MAX),
        };
        members.push(EnumMember { name: name(member)?, value, annotations: annotations(member)? });
    }
    Ok(EnumType {
        name: name(element)?,
        underlying_type: element.attr("UnderlyingType").unwrap_or("Edm.Int32").to_owned(),
        is_flags,
        members,
        annotations: annotations(element)?,
        pos: element.pos,
    })
}

fn operation(element: &Element, kind: OperationKind) -> Result<Operation, CsdlError> {
    let mut parameters = Vec::new();
    let mut return_type = None;
    for child in &element.children {
        match child.name.as_str() {
            "Parameter" => parameters.push(Parameter {
                name: name(child)?,
                ty: TypeRef::parse(required(child, "Type")?),
                nullable: flag(child, "Nullable", true)?,
                annotations: annotations(child)?,
                pos: child.pos,
            }),
            "ReturnType" => {
                return_type = Some(ReturnType {
                    ty: TypeRef::parse(required(child, "Type")?),
                    nullable: flag(child, "Nullable", true)?,
                });
            }
            _ => {}
        }
    }
    let is_bound = flag(element, "IsBound", false)?;
    if is_bound && parameters.is_empty() {
        return Err(CsdlError::expected(
            element,
            "a binding parameter on a bound operation",
            "no <Parameter>",
        ));
    }
    if kind == OperationKind::Function && return_type.is_none() {
        return Err(CsdlError::expected(element, "a <ReturnType> on a function", "none"));
    }
    Ok(Operation {
        kind,
        name: name(element)?,
        is_bound,
        is_composable: flag(element, "IsComposable", false)?,
        entity_set_path: element.attr("EntitySetPath").map(str::to_owned),
        parameters,
        return_type,
        annotations: annotations(element)?,
        pos: element.pos,
    })
}

fn container(element: &Element) -> Result<EntityContainer, CsdlError> {
    let mut container = EntityContainer {
        name: name(element)?,
        entity_sets: Vec::new(),
        singletons: Vec::new(),
        imports: Vec::new(),
        annotations: annotations(element)?,
        pos: element.pos,
    };
    for child in &element.children {
        match child.name.as_str() {
            "EntitySet" => container.entity_sets.push(EntitySet {
                name: name(child)?,
                entity_type: required(child, "EntityType")?.to_owned(),
                annotations: annotations(child)?,
                pos: child.pos,
            }),
            "Singleton" => container.singletons.push(Singleton {
                name: name(child)?,
                ty: required(child, "Type")?.to_owned(),
                annotations: annotations(child)?,
                pos: child.pos,
            }),
            "FunctionImport" | "ActionImport" => {
                let (kind, attribute) = if child.name == "FunctionImport" {
                    (OperationKind::Function, "Function")
                } else {
                    (OperationKind::Action, "Action")
                };
                container.imports.push(OperationImport {
                    kind,
                    name: name(child)?,
                    operation: required(child, attribute)?.to_owned(),
                    entity_set: child.attr("EntitySet").map(str::to_owned),
                    annotations: annotations(child)?,
                    pos: child.pos,
                });
            }
            _ => {}
        }
    }
    Ok(container)
}

fn annotations(element: &Element) -> Result<Vec<Annotation>, CsdlError> {
    element.children_named("Annotation").map(annotation).collect()
}

fn annotation(element: &Element) -> Result<Annotation, CsdlError> {
    let value = match constant_attribute(element) {
        Some(value) => value,
        None => element
            .children
            .iter()
            .find(|c| c.name != "Annotation")
            .map(expression)
            .transpose()?
            // A term applied without a value is a tag: it means true.
            .unwrap_or(Expr::Bool(true)),
    };
    Ok(Annotation {
        term: required(element, "Term")?.to_owned(),
        qualifier: element.attr("Qualifier").map(str::to_owned),
        value,
        pos: element.pos,
    })
}

const CONSTANT_KINDS: [&str; 11] = [
    "Binary",
    "Date",
    "DateTimeOffset",
    "Decimal",
    "Duration",
    "Float",
    "Guid",
    "TimeOfDay",
    "String",
    "Bool",
    "Int",
];
const PATH_KINDS: [&str; 6] =
    ["Path", "PropertyPath", "NavigationPropertyPath", "AnnotationPath", "ModelElementPath", "UrlRef"];

/// The attribute notation: `<Annotation Term="…" String="…"/>`, `<PropertyValue Bool="true"/>`.
fn constant_attribute(element: &Element) -> Option<Expr> {
    for kind in CONSTANT_KINDS.iter().chain(PATH_KINDS.iter()).chain(["EnumMember"].iter()) {
        if let Some(text) = element.attr(kind) {
            return Some(constant(kind, text));
        }
    }
    None
}

fn constant(kind: &str, text: &str) -> Expr {
    match kind {
        "String" => Expr::String(text.to_owned()),
        "Bool" => Expr::Bool(text.trim() == "true"),
        "Int" => text
            .trim()
            .parse()
            .map_or_else(|_| Expr::Constant { kind: kind.to_owned(), text: text.to_owned() }, Expr::Int),
        "EnumMember" => Expr::EnumMember(text.trim().to_owned()),
        _ if PATH_KINDS.contains(&kind) => Expr::Path { kind: kind.to_owned(), path: text.trim().to_owned() },
        _ => Expr::Constant { kind: kind.to_owned(), text: text.trim().to_owned() },
    }
}

/// The element notation: `<String>…</String>`, `<Record>`, `<Collection>`, dynamic expressions.
fn expression(element: &Element) -> Result<Expr, CsdlError> {
    let kind = element.name.as_str();
    Ok(match kind {
        "Null" => Expr::Null,
        "Record" => {
            let mut properties = Vec::new();
            for value in element.children_named("PropertyValue") {
                let expr = match constant_attribute(value) {
                    Some(expr) => expr,
                    None => match value.children.iter().find(|c| c.name != "Annotation") {
                        Some(child) => expression(child)?,
                        None => Expr::Bool(true),
                    },
                };
                properties.push((required(value, "Property")?.to_owned(), expr));
            }
            Expr::Record { ty: element.attr("Type").map(str::to_owned), properties }
        }
        "Collection" => Expr::Collection(
            element
                .children
                .iter()
                .filter(|c| c.name != "Annotation")
                .map(expression)
                .collect::<Result<_, _>>()?,
        ),
        _ if CONSTANT_KINDS.contains(&kind) || PATH_KINDS.contains(&kind) || kind == "EnumMember" => {
            constant(kind, &element.text)
        }
        _ => Expr::Dynamic(kind.to_owned()),
    })
}

fn name(element: &Element) -> Result<String, CsdlError> {
    let name = required(element, "Name")?;
    if name.is_empty() {
        return Err(CsdlError::expected(element, "a non-empty Name", "\"\""));
    }
    Ok(name.to_owned())
}

fn required<'a>(element: &'a Element, attribute: &str) -> Result<&'a str, CsdlError> {
    element.attr(attribute).ok_or_else(|| {
        CsdlError::expected(
            element,
            &format!("attribute `{attribute}` on <{}>", element.name),
            "no such attribute",
        )
    })
}

fn flag(element: &Element, attribute: &str, default: bool) -> Result<bool, CsdlError> {
    match element.attr(attribute).map(str::trim) {
        None => Ok(default),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(CsdlError::expected(
            element,
            &format!("`true` or `false` for {attribute} on <{}>", element.name),
            &format!("{other:?}"),
        )),
    }
}
