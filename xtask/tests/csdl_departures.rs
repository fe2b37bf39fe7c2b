//! Real-world CSDL: each departure from the specification that published metadata makes is
//! accepted with a warning at its line and column, and its document still generates; each real
//! error still fails, with every error of the document reported at once.
//!
//! The documents are `tests/fixtures/csdl/{departures,errors}/*.xml`. That their generated
//! crates compile with warnings denied is checked by `cargo xtask conformance --corpus
//! xtask/tests/fixtures/csdl/departures` in CI.

use std::path::PathBuf;

use xtask::csdl::{self, Departure};
use xtask::emit::{self, Options};

fn fixture(kind: &str, name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csdl").join(kind).join(name)
}

/// The warnings of a departure fixture as `(line, column, departure)`, after checking that the
/// document generates.
fn warnings(name: &str) -> Vec<(u32, u32, Departure)> {
    let path = fixture("departures", name);
    let model = csdl::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let options = Options {
        source_label: name.into(),
        client_type: "crate::Client".into(),
        root_path: "/api".into(),
        features: false,
        tools_feature: false,
    };
    emit::generate(&model, &options).unwrap_or_else(|e| panic!("{name}: {e}"));
    for warning in &model.warnings {
        assert!(warning.to_string().starts_with(&format!("{}:", path.display())), "{warning}");
    }
    model.warnings.iter().map(|w| (w.pos.line, w.pos.column, w.departure)).collect()
}

fn error(name: &str) -> String {
    let path = fixture("errors", name);
    let message = csdl::load(&path).err().map(|e| e.to_string()).unwrap_or_else(|| panic!("{name} accepted"));
    message.replace(&format!("{}:", path.display()), "")
}

#[test]
fn a_byte_order_mark_and_a_missing_declaration_are_warnings() {
    assert_eq!(warnings("byte-order-mark.xml"), [(1, 1, Departure::ByteOrderMark)]);
    assert_eq!(warnings("no-xml-declaration.xml"), [(1, 1, Departure::NoXmlDeclaration)]);
}

#[test]
fn an_operation_named_like_a_type_is_kept_beside_it() {
    // Graph's four bound functions `image` beside its complex type `image`: one warning, at the
    // first overload.
    assert_eq!(warnings("operation-named-like-type.xml"), [(12, 7, Departure::OperationNamedLikeType)]);
    let model =
        csdl::load(&fixture("departures", "operation-named-like-type.xml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(model.operations("Test.image").len(), 2);
    assert!(model.resolve("Test.image").is_some());
}

#[test]
fn abstract_structured_types_are_kept_as_json() {
    // `Edm.Untyped` (line 8) and `Edm.PrimitiveType` (line 10) are valid CSDL 4.01 property
    // types: no warning.
    assert_eq!(
        warnings("abstract-types.xml"),
        [
            (9, 9, Departure::AbstractType),
            (11, 9, Departure::AbstractType),
            (12, 9, Departure::AbstractType),
            (14, 7, Departure::AbstractType),
            (16, 9, Departure::AbstractType),
        ]
    );
}

#[test]
fn an_enumeration_without_members_is_a_warning() {
    assert_eq!(warnings("enum-without-members.xml"), [(5, 7, Departure::EnumWithoutMembers)]);
}

#[test]
fn property_names_that_are_not_identifiers_or_clash_in_case_are_warnings() {
    assert_eq!(
        warnings("property-names.xml"),
        [(6, 9, Departure::PropertyName), (7, 9, Departure::PropertyName), (9, 9, Departure::PropertyName)]
    );
}

#[test]
fn annotations_of_missing_targets_and_repeated_terms_are_warnings() {
    assert_eq!(
        warnings("missing-annotation-target.xml"),
        [(8, 7, Departure::MissingAnnotationTarget), (11, 7, Departure::MissingAnnotationTarget)]
    );
    assert_eq!(warnings("repeated-annotation.xml"), [(7, 9, Departure::RepeatedAnnotation)]);
}

#[test]
fn the_summary_counts_the_departures_of_a_document() {
    let model = csdl::load(&fixture("departures", "abstract-types.xml")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        csdl::diagnostics::summary(&model.warnings).as_deref(),
        Some(
            "accepted 5 departures from CSDL: 5 × abstract structured Edm type where a concrete one belongs"
        )
    );
}

#[test]
fn real_errors_still_fail_at_their_line_and_column() {
    assert!(error("malformed.xml").starts_with("7:7: malformed XML"), "{}", error("malformed.xml"));
    assert!(
        error("undefined-type.xml").starts_with("6:9: undefined type `Test.missing`"),
        "{}",
        error("undefined-type.xml")
    );
    assert_eq!(error("duplicate-type.xml"), "6:7: `Test.thing` is declared twice (first at 5:7)");
    assert_eq!(
        error("navigation-to-primitive.xml"),
        "8:9: navigation property `owner` must have an entity type"
    );
}

#[test]
fn every_error_of_a_document_is_reported_together() {
    let message = error("several-errors.xml");
    let lines: Vec<&str> = message.lines().collect();
    assert_eq!(lines.len(), 4, "{message}");
    assert!(lines[0].starts_with("6:9: undefined type `Test.missingOne`"), "{message}");
    assert!(lines[1].starts_with("9:9: undefined type `Test.missingTwo`"), "{message}");
    assert!(lines[2].starts_with("11:7: `Test.first` is declared twice (first at 5:7)"), "{message}");
    assert_eq!(lines[3], "3 errors");
}

#[test]
fn graph_v1_metadata_reads_with_warnings_when_it_is_beside_the_repository() {
    // Microsoft Graph's published v1.0 metadata (../shared/metadata, not in the repository): it
    // read only up to its first departure before.
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/metadata/microsoft-graph-v1.0-2025-08.xml");
    let Ok(model) = csdl::load(&path) else {
        assert!(!path.exists(), "{:?}", csdl::load(&path).err());
        return;
    };
    let operation_clash = model.warnings.iter().find(|w| w.departure == Departure::OperationNamedLikeType);
    let clash = operation_clash.unwrap_or_else(|| panic!("no warning for `image`"));
    assert_eq!((clash.pos.line, clash.pos.column), (26473, 7));
    assert!(model.warnings.iter().any(|w| w.departure == Departure::ByteOrderMark));
}
