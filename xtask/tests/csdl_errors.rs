//! Malformed and invalid CSDL: every problem is an error naming the line and column, never a
//! panic.

use xtask::csdl;

fn error(source: &str) -> String {
    match csdl::parse(source) {
        Ok(_) => panic!("accepted invalid CSDL:\n{source}"),
        Err(e) => e.to_string(),
    }
}

fn document(schema_body: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n  <edmx:DataServices>\n    <Schema Namespace=\"Test\" xmlns=\"http://docs.oasis-open.org/odata/ns/edm\">\n{schema_body}\n    </Schema>\n  </edmx:DataServices>\n</edmx:Edmx>\n"
    )
}

#[test]
fn a_mismatched_closing_tag_names_its_position() {
    let source = document(
        "      <EntityType Name=\"A\">\n        <Property Name=\"x\" Type=\"Edm.String\"/>\n      </ComplexType>",
    );
    let message = error(&source);
    assert!(message.starts_with("7:"), "{message}");
    assert!(message.contains("malformed XML"), "{message}");
}

#[test]
fn a_truncated_document_says_what_is_left_open() {
    let message = error(
        "<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\">\n  <edmx:DataServices>\n",
    );
    assert!(message.contains("DataServices"), "{message}");
    assert!(message.starts_with("3:1:") || message.starts_with("2:"), "{message}");
}

#[test]
fn a_missing_attribute_says_what_was_expected_where() {
    let message = error(&document(
        "      <EntityType Name=\"A\">\n        <Property Name=\"x\"/>\n      </EntityType>",
    ));
    assert_eq!(message, "6:9: expected attribute `Type` on <Property>, found no such attribute");
}

#[test]
fn an_undefined_type_is_reported_at_its_reference() {
    let message = error(&document(
        "      <ComplexType Name=\"A\">\n        <Property Name=\"x\" Type=\"Test.Missing\"/>\n      </ComplexType>",
    ));
    assert!(message.starts_with("6:9: undefined type `Test.Missing`"), "{message}");
}

#[test]
fn duplicate_names_and_inheritance_cycles_are_errors() {
    let message = error(&document("      <ComplexType Name=\"A\"/>\n      <EnumType Name=\"A\"/>"));
    assert!(message.starts_with("6:7: `Test.A` is declared twice (first at 5:7)"), "{message}");
    let message = error(&document(
        "      <ComplexType Name=\"A\" BaseType=\"Test.B\"/>\n      <ComplexType Name=\"B\" BaseType=\"Test.A\"/>",
    ));
    assert!(message.contains("inherits from itself"), "{message}");
}

#[test]
fn bad_values_are_named() {
    let message = error(&document("      <ComplexType Name=\"A\" Abstract=\"yes\"/>"));
    assert_eq!(message, "5:7: expected `true` or `false` for Abstract on <ComplexType>, found \"yes\"");
    let message =
        error(&document("      <EnumType Name=\"E\"><Member Name=\"a\" Value=\"one\"/></EnumType>"));
    assert!(message.contains("expected an integer Value"), "{message}");
}

#[test]
fn the_wrong_root_or_version_is_rejected() {
    assert!(error("<Schema Namespace=\"x\"/>").contains("expected an <edmx:Edmx> root element"));
    assert!(
        error("<edmx:Edmx Version=\"3.0\" xmlns:edmx=\"x\"/>").contains("unsupported CSDL version \"3.0\"")
    );
    assert!(error("").contains("no root element"));
    assert!(
        error("not xml at all").contains("no root element") || error("not xml at all").contains("malformed")
    );
}

#[test]
fn errors_from_a_file_name_the_file() {
    let path = std::env::temp_dir().join(format!("csdl-error-{}.xml", std::process::id()));
    std::fs::write(&path, "<edmx:Edmx Version=\"4.0\" xmlns:edmx=\"x\">\n<unclosed>\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let message = csdl::load(&path).err().map(|e| e.to_string()).unwrap_or_default();
    let _ = std::fs::remove_file(&path);
    assert!(message.starts_with(&format!("{}:", path.display())), "{message}");
}
