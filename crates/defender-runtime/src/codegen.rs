//! What generated code stands on: lenient primitive decoding, OData URL literals, envelopes and
//! bodies. Not part of the API an application uses, and free to change with the generator;
//! generated modules import from here and nowhere else in this crate's private parts.

pub use crate::client::{decode, decode_body};
pub use crate::literal::{
    ODataLiteral, QueryString, enum_literal, json_alias_value, key_segment, quote_string,
};
pub use crate::member_write::MemberWriter;
pub use crate::multipart::MultipartForm;
pub use crate::odata::ValueEnvelope;
pub use crate::polymorphic::{BufferedMembers, DecodeMembers, TypeFirst, read_type_first};
pub use crate::request::ActionBody;
pub use crate::wire::{
    FieldKey, Wire, WireValue, decode_enum_member, fold_member_case, is_annotation, odata_type_name,
    serialize_typed,
};

/// Everything generated modules name without a path: each generated module starts with
/// `use defender_runtime::codegen::prelude::*;` and imports nothing else, so no generator has to
/// guess from its output what to import. The generator reserves these names, so that no
/// generated type shadows one of them.
pub mod prelude {
    pub use std::fmt;
    pub use std::future::IntoFuture;

    pub use serde::de::{self, DeserializeOwned, MapAccess, Visitor};
    pub use serde::{Deserialize, Deserializer, Serialize};
    pub use serde_json::value::RawValue;
    pub use serde_json::{Map, Value};

    pub use super::{
        ActionBody, DecodeMembers, FieldKey, MemberWriter, ODataLiteral, QueryString, TypeFirst,
        ValueEnvelope, Wire, decode_body, is_annotation, json_alias_value, key_segment, odata_type_name,
        read_type_first, serialize_typed,
    };
    pub use crate::request::{CollectionRequest, EntityRequest};
    pub use crate::{Annotations, ODataClient, Patch, RawMembers, Result, edm};
}
