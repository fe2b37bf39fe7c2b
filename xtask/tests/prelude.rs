//! The generator's `PRELUDE_NAMES` and the runtime's `codegen::prelude` name the same items: this
//! file does not compile when the prelude lacks a name, and the test fails when the list and
//! the names imported here differ.

#[allow(unused_imports)]
use defender_runtime::codegen::prelude::{
    ActionBody, Annotations, CollectionRequest, DecodeMembers, Deserialize, DeserializeOwned, Deserializer,
    EntityRequest, FieldKey, IntoFuture, Map, MapAccess, MemberWriter, ODataClient, ODataLiteral, Patch,
    QueryString, RawMembers, RawValue, Result, Serialize, TypeFirst, Value, ValueEnvelope, Visitor, Wire, de,
    decode_body, edm, fmt, is_annotation, json_alias_value, key_segment, odata_type_name, read_type_first,
    serialize_typed,
};

const IMPORTED: &[&str] = &[
    "ActionBody",
    "Annotations",
    "CollectionRequest",
    "DecodeMembers",
    "Deserialize",
    "DeserializeOwned",
    "Deserializer",
    "EntityRequest",
    "FieldKey",
    "IntoFuture",
    "Map",
    "MapAccess",
    "MemberWriter",
    "ODataClient",
    "ODataLiteral",
    "Patch",
    "QueryString",
    "RawMembers",
    "RawValue",
    "Result",
    "Serialize",
    "TypeFirst",
    "Value",
    "ValueEnvelope",
    "Visitor",
    "Wire",
    "de",
    "decode_body",
    "is_annotation",
    "edm",
    "fmt",
    "json_alias_value",
    "key_segment",
    "odata_type_name",
    "read_type_first",
    "serialize_typed",
];

#[test]
fn the_generator_reserves_exactly_what_the_prelude_brings() {
    let mut reserved = xtask::emit::PRELUDE_NAMES.to_vec();
    reserved.sort_unstable();
    let mut imported = IMPORTED.to_vec();
    imported.sort_unstable();
    assert_eq!(reserved, imported);
}
