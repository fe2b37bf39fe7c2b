//! `cargo xtask metadata`: the diff classifies every kind of change, normalizing is stable,
//! and fetching reads `$metadata` with the bearer token.

use xtask::csdl;
use xtask::metadata::diff::{Impact, diff};
use xtask::metadata::normalize::normalize;

const OLD: &str = r#"<edmx:Edmx Version="4.01" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="T" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="Health"><Member Name="Active" Value="0"/><Member Name="Inactive" Value="1"/><Member Name="Gone" Value="2"/></EnumType>
      <ComplexType Name="Tag"><Property Name="value" Type="Edm.String"/></ComplexType>
      <ComplexType Name="Old"><Property Name="x" Type="Edm.String"/></ComplexType>
      <EntityType Name="Base"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.String" Nullable="false"/></EntityType>
      <EntityType Name="Machine">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.String" Nullable="false"/>
        <Property Name="name" Type="Edm.String"/>
        <Property Name="build" Type="Edm.Int32"/>
        <Property Name="health" Type="T.Health"/>
        <Property Name="seen" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="dropped" Type="Edm.String"/>
        <NavigationProperty Name="alerts" Type="Collection(T.Machine)"/>
      </EntityType>
      <Action Name="isolate" IsBound="true">
        <Parameter Name="m" Type="T.Machine"/><Parameter Name="Comment" Type="Edm.String"/><Parameter Name="Kind" Type="Edm.String"/>
        <ReturnType Type="T.Machine"/>
      </Action>
      <Function Name="gone" IsBound="true"><Parameter Name="m" Type="T.Machine"/><ReturnType Type="Edm.String"/></Function>
      <Function Name="count"><Parameter Name="since" Type="Edm.DateTimeOffset"/><ReturnType Type="Edm.Int32"/></Function>
      <EntityContainer Name="C">
        <EntitySet Name="machines" EntityType="T.Machine"/>
        <EntitySet Name="old" EntityType="T.Base"/>
        <EntitySet Name="retyped" EntityType="T.Base"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;

const NEW: &str = r#"<edmx:Edmx Version="4.01" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="T" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EnumType Name="Health"><Member Name="Active" Value="0"/><Member Name="Inactive" Value="3"/><Member Name="Unknown" Value="4"/></EnumType>
      <ComplexType Name="Tag"><Property Name="value" Type="Edm.String"/></ComplexType>
      <ComplexType Name="New"><Property Name="y" Type="Edm.String"/></ComplexType>
      <EntityType Name="Base"><Key><PropertyRef Name="id"/></Key><Property Name="id" Type="Edm.String" Nullable="false"/></EntityType>
      <EntityType Name="Machine" BaseType="T.Base">
        <Property Name="name" Type="Edm.String"/>
        <Property Name="build" Type="Edm.Int64"/>
        <Property Name="health" Type="T.Health"/>
        <Property Name="seen" Type="Edm.DateTimeOffset"/>
        <Property Name="tags" Type="Collection(T.Tag)"/>
        <NavigationProperty Name="related" Type="Collection(T.Machine)"/>
      </EntityType>
      <Action Name="isolate" IsBound="true">
        <Parameter Name="m" Type="T.Machine"/><Parameter Name="Comment" Type="Edm.String"/><Parameter Name="Kind" Type="Edm.Int32"/><Parameter Name="Extra" Type="Edm.String"/>
        <ReturnType Type="Collection(T.Machine)"/>
      </Action>
      <Function Name="count"><Parameter Name="since" Type="Edm.DateTimeOffset" Nullable="false"/><ReturnType Type="Edm.Int32"/></Function>
      <Function Name="fresh"><ReturnType Type="Edm.Int32"/></Function>
      <EntityContainer Name="C">
        <EntitySet Name="machines" EntityType="T.Machine"/>
        <EntitySet Name="retyped" EntityType="T.Machine"/>
        <EntitySet Name="added" EntityType="T.Base"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;

fn model(text: &str) -> csdl::Model {
    csdl::parse(text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_kind_of_change_is_found_and_classified() {
    let report = diff(&model(OLD), &model(NEW));
    let found: Vec<(Impact, &str, &str)> =
        report.changes.iter().map(|c| (c.impact, c.kind, c.target.as_str())).collect();
    let expected = [
        (Impact::Breaking, "type removed", "T.Old"),
        (Impact::Additive, "type added", "T.New"),
        (Impact::Breaking, "property type changed", "T.Machine/build"),
        (Impact::Breaking, "property removed", "T.Machine/dropped"),
        (Impact::Additive, "property added", "T.Machine/tags"),
        (Impact::Patch, "nullability changed", "T.Machine/seen"),
        (Impact::Breaking, "navigation removed", "T.Machine/alerts"),
        (Impact::Additive, "navigation added", "T.Machine/related"),
        (Impact::Breaking, "base type changed", "T.Machine"),
        (Impact::Breaking, "enum member removed", "T.Health/Gone"),
        (Impact::Breaking, "enum value changed", "T.Health/Inactive"),
        (Impact::Additive, "enum member added", "T.Health/Unknown"),
        (Impact::Breaking, "parameter type changed", "T.isolate bound to T.Machine/Kind"),
        (Impact::Breaking, "parameter added", "T.isolate bound to T.Machine/Extra"),
        (Impact::Breaking, "return type changed", "T.isolate bound to T.Machine"),
        (Impact::Breaking, "operation removed", "T.gone bound to T.Machine"),
        (Impact::Additive, "operation added", "T.fresh"),
        (Impact::Breaking, "parameter nullability changed", "T.count/since"),
        (Impact::Breaking, "endpoint removed", "old"),
        (Impact::Additive, "endpoint added", "added"),
        (Impact::Breaking, "endpoint type changed", "retyped"),
    ];
    for change in expected {
        assert!(found.contains(&change), "missing {change:?} in\n{report}");
    }
    assert_eq!(found.len(), expected.len(), "unexpected changes in\n{report}");
    assert_eq!(report.bump(), "major");
}

#[test]
fn additions_alone_need_a_minor_release_and_nothing_needs_none() {
    let added = OLD.replace(
        r#"<Property Name="dropped" Type="Edm.String"/>"#,
        r#"<Property Name="dropped" Type="Edm.String"/><Property Name="extra" Type="Edm.Boolean"/>"#,
    );
    let report = diff(&model(OLD), &model(&added));
    assert_eq!(report.bump(), "minor", "{report}");
    assert_eq!(
        report.to_string().lines().next(),
        Some("additive  property added             T.Machine/extra (Edm.Boolean)")
    );
    assert_eq!(diff(&model(OLD), &model(OLD)).bump(), "none");
}

#[test]
fn the_report_is_json_and_changelog_too() {
    let report = diff(&model(OLD), &model(NEW));
    let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(json["bump"], "major");
    assert_eq!(json["changes"].as_array().map(Vec::len), Some(report.changes.len()));
    let changelog = report.to_changelog();
    assert!(changelog.contains("- type added `T.New`: complex type\n"), "{changelog}");
    assert!(changelog.starts_with("### Added\n\n"), "{changelog}");
    assert!(
        changelog.contains("- property removed `T.Machine/dropped`: Edm.String **(breaking)**"),
        "{changelog}"
    );
}

#[test]
fn normalizing_is_stable_and_keeps_the_meaning() {
    let shuffled = NEW.replace(
        r#"<EntitySet Name="machines" EntityType="T.Machine"/>
        <EntitySet Name="retyped" EntityType="T.Machine"/>"#,
        r#"<EntitySet EntityType="T.Machine" Name="retyped"/>
        <EntitySet Name="machines" EntityType="T.Machine"/>"#,
    );
    assert_ne!(shuffled, NEW);
    let a = normalize(NEW).unwrap_or_else(|e| panic!("{e}"));
    let b = normalize(&shuffled).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a, b, "declaration order and attribute order do not matter");
    assert_eq!(normalize(&a).unwrap_or_else(|e| panic!("{e}")), a, "idempotent");
    assert_eq!(diff(&model(NEW), &model(&a)).changes, Vec::new(), "same meaning");
    // Property order carries meaning and is kept.
    let name = a.find(r#"Property Name="name""#).unwrap_or(0);
    let build = a.find(r#"Property Name="build""#).unwrap_or(0);
    assert!(name < build);
    assert!(normalize("<notcsdl/>").is_err());
}

#[tokio::test]
async fn fetch_reads_metadata_with_the_token_and_normalizes_it() {
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/$metadata"))
        .and(header("authorization", "Bearer metadata-token"))
        .and(header("accept", "application/xml"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(NEW, "application/xml"))
        .expect(1)
        .mount(&server)
        .await;
    let token = defender_runtime::StaticTokenCredential::new(
        "metadata-token",
        std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
    );
    let client = defender_runtime::ODataClient::builder()
        .base_url(&server.uri())
        .map(|b| b.credential(token))
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));
    let fetched = xtask::metadata::fetch::fetch(&client).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(fetched, normalize(NEW).unwrap_or_else(|e| panic!("{e}")));
}

/// Microsoft Graph's published metadata against an edited copy of itself (when ../shared is
/// beside the repository): its departures no longer stop the diff, and the edits are found.
#[test]
fn graph_metadata_diffs_against_an_edited_copy_of_itself() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/metadata/microsoft-graph-v1.0-2025-08.xml");
    let Ok(old) = std::fs::read_to_string(&path) else { return };
    // The first `assignedTo` of the document, renamed.
    let property = r#"<Property Name="assignedTo" Type="Edm.String" />"#;
    assert!(old.contains(property), "the document no longer has the edited property");
    let new = old.replacen(property, r#"<Property Name="assignedToName" Type="Edm.String" />"#, 1);
    let parse = |text: &str| csdl::parse(text).unwrap_or_else(|e| panic!("{e}"));
    let same = diff(&parse(&old), &parse(&old));
    assert!(same.changes.is_empty(), "{same:?}");
    let report = diff(&parse(&old), &parse(&new));
    assert_eq!(report.bump(), "major", "{report:?}");
    assert!(
        report.changes.iter().any(|c| c.target.ends_with("/assignedTo") && c.impact == Impact::Breaking),
        "{report:?}"
    );
    assert!(report.changes.iter().any(|c| c.target.ends_with("/assignedToName")), "{report:?}");
}
