//! `cargo xtask metadata subset`: what paths reach, and nothing else, as a valid document.

use std::collections::BTreeSet;
use std::path::PathBuf;

use xtask::csdl;
use xtask::metadata::subset::{select, subset};

fn source() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/csdl/subset/service.xml");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"))
}

fn types(paths: &[&str]) -> BTreeSet<String> {
    let model = csdl::parse(&source()).unwrap_or_else(|e| panic!("{e}"));
    let paths: Vec<String> = paths.iter().map(|p| (*p).to_owned()).collect();
    let selection = select(&model, &paths).unwrap_or_else(|e| panic!("{e}"));
    selection.types.into_iter().map(|t| t.trim_start_matches("Shop.").to_owned()).collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

#[test]
fn a_path_keeps_its_types_their_derived_types_and_their_bases_only() {
    // `order` names `money`, the polymorphic `payment` (so both kinds of payment) and the enum;
    // `entity` is kept as a base, but not the other types derived from it.
    assert_eq!(
        types(&["shop/orders"]),
        set(&["cardPayment", "entity", "money", "order", "orderStatus", "payment", "root", "voucherPayment"])
    );
}

#[test]
fn double_star_follows_navigation_at_any_depth_and_star_one_level() {
    let below = types(&["shop/orders/**"]);
    for reached in ["orderLine", "product", "customer", "address"] {
        assert!(below.contains(reached), "{reached} not in {below:?}");
    }
    assert!(!below.contains("auditRecord"));
    let one_level = types(&["shop/orders/*"]);
    assert!(one_level.contains("orderLine") && one_level.contains("customer"));
    assert!(!one_level.contains("product"), "two levels down: {one_level:?}");
}

#[test]
fn bound_operations_are_kept_when_a_path_names_them() {
    let model = csdl::parse(&source()).unwrap_or_else(|e| panic!("{e}"));
    let named = select(&model, &["shop/orders/cancel".to_owned()]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(named.operations.len(), 1);
    let unnamed = select(&model, &["shop/orders".to_owned()]).unwrap_or_else(|e| panic!("{e}"));
    assert!(unnamed.operations.is_empty());
    let everything = select(&model, &["shop/**".to_owned()]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(everything.operations.len(), 2, "cancel and archive below shop");
    let import = select(&model, &["report".to_owned()]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(import.operations.len(), 1);
    assert!(import.types.contains("Shop.money"));
}

#[test]
fn the_subset_is_a_valid_document_without_what_was_left_out() {
    let text = subset(&source(), &["shop/orders/**".to_owned()], &["Core.Description".to_owned()])
        .unwrap_or_else(|e| panic!("{e}"));
    let model = csdl::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert!(model.resolve("Shop.order").is_some());
    assert!(model.resolve("Shop.auditRecord").is_none());
    assert!(!text.contains("Name=\"audit\""), "a navigation property no path includes is left out");
    assert!(!text.contains("Name=\"products\""), "an entity set no path includes is left out");
    assert!(!text.contains("Description"), "the dropped term's annotations are gone");
    // Without dropping the term, an annotation whose target is kept stays; one whose target
    // is gone does not.
    let with_descriptions =
        subset(&source(), &["shop/orders".to_owned()], &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(with_descriptions.contains("What the order costs."));
    assert!(!with_descriptions.contains("Not kept."));
}

#[test]
fn a_path_that_matches_nothing_is_an_error() {
    let model = csdl::parse(&source()).unwrap_or_else(|e| panic!("{e}"));
    let error = select(&model, &["shops/orders".to_owned()]).err().unwrap_or_default();
    assert!(error.contains("`shops`"), "{error}");
    let error = select(&model, &["shop/orderz/**".to_owned()]).err().unwrap_or_default();
    assert!(
        error.contains("`orderz`") && error.contains("no navigation property or bound operation"),
        "{error}"
    );
}

#[test]
fn graph_defender_paths_reach_the_defender_part_only() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/metadata/microsoft-graph-v1.0-2025-08.xml");
    let Ok(source) = std::fs::read_to_string(&path) else { return };
    let paths: Vec<String> =
        xtask::metadata::subset::GRAPH_DEFENDER_PATHS.iter().map(|p| (*p).to_owned()).collect();
    let text = subset(&source, &paths, &["Org.OData.Core.V1.Description".to_owned()])
        .unwrap_or_else(|e| panic!("{e}"));
    let count = |element: &str| text.matches(&format!("<{element} ")).count();
    // Of Graph's 1,031 entity, 1,195 complex and 737 enum types.
    assert!((4..=10).contains(&count("EntityType")), "{}", count("EntityType"));
    assert!((40..=120).contains(&count("ComplexType")), "{}", count("ComplexType"));
    assert!((15..=60).contains(&count("EnumType")), "{}", count("EnumType"));
    for wanted in ["Name=\"incident\"", "Name=\"alert\"", "Name=\"runHuntingQuery\"", "Name=\"secureScore\""]
    {
        assert!(text.contains(wanted), "{wanted}");
    }
    assert!(!text.contains("Org.OData.Core.V1.Description") && !text.contains("Core.Description\""));
}
