//! What generated code stands on: lenient primitive decoding, OData URL literals, envelopes and
//! bodies. Not part of the API an application uses, and free to change with the generator;
//! generated modules import from here and nowhere else in this crate's private parts.

pub use crate::client::{decode, decode_body};
pub use crate::literal::{
    ODataLiteral, QueryString, enum_literal, json_alias_value, key_segment, quote_string,
};
pub use crate::multipart::MultipartForm;
pub use crate::odata::ValueEnvelope;
pub use crate::request::ActionBody;
pub use crate::wire::{FieldKey, Wire, WireValue, is_annotation, odata_type_name, serialize_typed};
