//! The Edm primitive and abstract types as one enum: the generator's type mapping, the
//! catalog's type references, text arguments and the emulator's values all match on it, so
//! that a new Edm type is a change the compiler walks through.

/// An Edm type a document may name without declaring it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)] // Each variant is the Edm type of its name.
pub enum Primitive {
    Binary,
    Boolean,
    Byte,
    Date,
    DateTimeOffset,
    Decimal,
    Double,
    Duration,
    Guid,
    Int16,
    Int32,
    Int64,
    SByte,
    Single,
    Stream,
    String,
    TimeOfDay,
    /// Any value (CSDL 4.01).
    Untyped,
    /// Any primitive value.
    PrimitiveType,
    /// Any complex value: a vocabulary's slot, or a departure in a service's metadata.
    ComplexType,
    /// Any entity: a vocabulary's slot, or a departure in a service's metadata.
    EntityType,
    AnnotationPath,
    PropertyPath,
    NavigationPropertyPath,
    AnyPropertyPath,
    ModelElementPath,
    Geography,
    GeographyPoint,
    GeographyLineString,
    GeographyPolygon,
    GeographyMultiPoint,
    GeographyMultiLineString,
    GeographyMultiPolygon,
    GeographyCollection,
    Geometry,
    GeometryPoint,
    GeometryLineString,
    GeometryPolygon,
    GeometryMultiPoint,
    GeometryMultiLineString,
    GeometryMultiPolygon,
    GeometryCollection,
}

/// How a value of a primitive type is written in JSON, and so how text becomes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonForm {
    /// `true` or `false`.
    Boolean,
    /// An integer.
    Integer,
    /// A number (`Decimal` too, which the SDK keeps as text but services send as a number).
    Number,
    /// A string: text, timestamps, GUIDs, durations, base64.
    String,
    /// Any JSON: untyped, abstract, spatial and path values.
    Any,
}

impl Primitive {
    /// Every Edm type, in the order of the enum.
    pub const ALL: &'static [Primitive] = &[
        Primitive::Binary,
        Primitive::Boolean,
        Primitive::Byte,
        Primitive::Date,
        Primitive::DateTimeOffset,
        Primitive::Decimal,
        Primitive::Double,
        Primitive::Duration,
        Primitive::Guid,
        Primitive::Int16,
        Primitive::Int32,
        Primitive::Int64,
        Primitive::SByte,
        Primitive::Single,
        Primitive::Stream,
        Primitive::String,
        Primitive::TimeOfDay,
        Primitive::Untyped,
        Primitive::PrimitiveType,
        Primitive::ComplexType,
        Primitive::EntityType,
        Primitive::AnnotationPath,
        Primitive::PropertyPath,
        Primitive::NavigationPropertyPath,
        Primitive::AnyPropertyPath,
        Primitive::ModelElementPath,
        Primitive::Geography,
        Primitive::GeographyPoint,
        Primitive::GeographyLineString,
        Primitive::GeographyPolygon,
        Primitive::GeographyMultiPoint,
        Primitive::GeographyMultiLineString,
        Primitive::GeographyMultiPolygon,
        Primitive::GeographyCollection,
        Primitive::Geometry,
        Primitive::GeometryPoint,
        Primitive::GeometryLineString,
        Primitive::GeometryPolygon,
        Primitive::GeometryMultiPoint,
        Primitive::GeometryMultiLineString,
        Primitive::GeometryMultiPolygon,
        Primitive::GeometryCollection,
    ];

    /// The qualified name, `Edm.Int32`.
    pub const fn name(self) -> &'static str {
        match self {
            Primitive::Binary => "Edm.Binary",
            Primitive::Boolean => "Edm.Boolean",
            Primitive::Byte => "Edm.Byte",
            Primitive::Date => "Edm.Date",
            Primitive::DateTimeOffset => "Edm.DateTimeOffset",
            Primitive::Decimal => "Edm.Decimal",
            Primitive::Double => "Edm.Double",
            Primitive::Duration => "Edm.Duration",
            Primitive::Guid => "Edm.Guid",
            Primitive::Int16 => "Edm.Int16",
            Primitive::Int32 => "Edm.Int32",
            Primitive::Int64 => "Edm.Int64",
            Primitive::SByte => "Edm.SByte",
            Primitive::Single => "Edm.Single",
            Primitive::Stream => "Edm.Stream",
            Primitive::String => "Edm.String",
            Primitive::TimeOfDay => "Edm.TimeOfDay",
            Primitive::Untyped => "Edm.Untyped",
            Primitive::PrimitiveType => "Edm.PrimitiveType",
            Primitive::ComplexType => "Edm.ComplexType",
            Primitive::EntityType => "Edm.EntityType",
            Primitive::AnnotationPath => "Edm.AnnotationPath",
            Primitive::PropertyPath => "Edm.PropertyPath",
            Primitive::NavigationPropertyPath => "Edm.NavigationPropertyPath",
            Primitive::AnyPropertyPath => "Edm.AnyPropertyPath",
            Primitive::ModelElementPath => "Edm.ModelElementPath",
            Primitive::Geography => "Edm.Geography",
            Primitive::GeographyPoint => "Edm.GeographyPoint",
            Primitive::GeographyLineString => "Edm.GeographyLineString",
            Primitive::GeographyPolygon => "Edm.GeographyPolygon",
            Primitive::GeographyMultiPoint => "Edm.GeographyMultiPoint",
            Primitive::GeographyMultiLineString => "Edm.GeographyMultiLineString",
            Primitive::GeographyMultiPolygon => "Edm.GeographyMultiPolygon",
            Primitive::GeographyCollection => "Edm.GeographyCollection",
            Primitive::Geometry => "Edm.Geometry",
            Primitive::GeometryPoint => "Edm.GeometryPoint",
            Primitive::GeometryLineString => "Edm.GeometryLineString",
            Primitive::GeometryPolygon => "Edm.GeometryPolygon",
            Primitive::GeometryMultiPoint => "Edm.GeometryMultiPoint",
            Primitive::GeometryMultiLineString => "Edm.GeometryMultiLineString",
            Primitive::GeometryMultiPolygon => "Edm.GeometryMultiPolygon",
            Primitive::GeometryCollection => "Edm.GeometryCollection",
        }
    }

    /// The Edm type called `name` (`Edm.Int32`), if there is one.
    pub fn from_name(name: &str) -> Option<Primitive> {
        Primitive::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// How its values are written in JSON.
    pub const fn json_form(self) -> JsonForm {
        match self {
            Primitive::Boolean => JsonForm::Boolean,
            Primitive::Byte | Primitive::SByte | Primitive::Int16 | Primitive::Int32 | Primitive::Int64 => {
                JsonForm::Integer
            }
            Primitive::Single | Primitive::Double | Primitive::Decimal => JsonForm::Number,
            Primitive::Binary
            | Primitive::Date
            | Primitive::DateTimeOffset
            | Primitive::Duration
            | Primitive::Guid
            | Primitive::String
            | Primitive::TimeOfDay => JsonForm::String,
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
            | Primitive::GeometryCollection => JsonForm::Any,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_reads_back_as_its_type() {
        for primitive in Primitive::ALL {
            assert_eq!(Primitive::from_name(primitive.name()), Some(*primitive));
        }
        assert_eq!(Primitive::ALL.len(), 42);
        assert_eq!(Primitive::from_name("Edm.Nothing"), None);
        assert_eq!(Primitive::from_name("Int32"), None);
    }
}
