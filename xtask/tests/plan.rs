//! The plan stage: the API is decided once, as plain data, and the client module, the catalog,
//! the features table and the conformance summary are printed from that one record.

use std::collections::BTreeSet;

use xtask::codegen;
use xtask::csdl;
use xtask::emit::{self, Options};
use xtask::plan::{ApiPlan, ClientMethod, EndpointKind, Features, Layout};

/// A service with a set the metadata says cannot be listed, a set of a type that inherits its
/// key, and an updatable, deletable set.
const SERVICE: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
  <edmx:Reference Uri="https://oasis-tcs.github.io/odata-vocabularies/vocabularies/Org.OData.Capabilities.V1.xml">
    <edmx:Include Namespace="Org.OData.Capabilities.V1" Alias="Capabilities"/>
  </edmx:Reference>
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="plan.test">
      <EntityType Name="base" Abstract="true">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.String" Nullable="false"/>
      </EntityType>
      <EntityType Name="file" BaseType="plan.test.base">
        <Property Name="name" Type="Edm.String"/>
      </EntityType>
      <EntityType Name="note" BaseType="plan.test.base">
        <Property Name="text" Type="Edm.String"/>
      </EntityType>
      <Action Name="quarantine" IsBound="true">
        <Parameter Name="bindingParameter" Type="plan.test.file"/>
        <Parameter Name="comment" Type="Edm.String"/>
      </Action>
      <EntityContainer Name="Service">
        <EntitySet Name="files" EntityType="plan.test.file">
          <Annotation Term="Capabilities.ReadRestrictions">
            <Record><PropertyValue Property="Readable" Bool="false"/></Record>
          </Annotation>
        </EntitySet>
        <EntitySet Name="notes" EntityType="plan.test.note">
          <Annotation Term="Capabilities.UpdateRestrictions">
            <Record><PropertyValue Property="Updatable" Bool="true"/></Record>
          </Annotation>
          <Annotation Term="Capabilities.DeleteRestrictions">
            <Record><PropertyValue Property="Deletable" Bool="true"/></Record>
          </Annotation>
        </EntitySet>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"#;

fn options() -> Options {
    Options {
        source_label: "plan-test.xml".into(),
        client_type: "crate::Client".into(),
        root_path: "/api".into(),
        features: true,
        tools_feature: true,
    }
}

fn plan_of(source: &str) -> ApiPlan {
    let model = csdl::parse(source).unwrap_or_else(|e| panic!("{e}"));
    let layout = Layout::new(&model);
    let features = Features::new(&model, true);
    ApiPlan::new(&model, &layout, &features, "/api").unwrap_or_else(|| panic!("no container"))
}

fn file<'a>(generated: &'a emit::Generated, path: &str) -> &'a str {
    generated
        .files
        .iter()
        .find(|f| f.path == path)
        .map(|f| f.contents.as_str())
        .unwrap_or_else(|| panic!("no {path}"))
}

#[test]
fn the_plan_is_plain_data_that_can_cross_threads() {
    fn send_and_sync<T: Send + Sync + Clone + PartialEq + std::fmt::Debug>() {}
    send_and_sync::<ApiPlan>();
    // Planned twice, the same plan: nothing in it depends on the order of a hash map.
    assert_eq!(plan_of(SERVICE), plan_of(SERVICE));
}

#[test]
fn a_set_the_metadata_says_cannot_be_listed_has_no_list_and_no_list_endpoint() {
    let plan = plan_of(SERVICE);
    let files = plan.builders.iter().find(|b| b.entity == "plan.test.file").unwrap_or_else(|| panic!("file"));
    assert!(files.listed && !files.readable);
    let notes = plan.builders.iter().find(|b| b.entity == "plan.test.note").unwrap_or_else(|| panic!("note"));
    assert!(notes.readable);
    let kinds = |root: &str| -> Vec<EndpointKind> {
        plan.endpoints.iter().filter(|e| e.root == root).map(|e| e.kind).collect()
    };
    assert_eq!(kinds("files"), [EndpointKind::Get, EndpointKind::Action]);
    assert_eq!(
        kinds("notes"),
        [EndpointKind::List, EndpointKind::Get, EndpointKind::Update, EndpointKind::Delete]
    );

    let model = csdl::parse(SERVICE).unwrap_or_else(|e| panic!("{e}"));
    let generated = emit::generate(&model, &options()).unwrap_or_else(|e| panic!("{e}"));
    let client = file(&generated, "client.rs");
    let file_set = client.split("impl FileSetRequest").nth(1).unwrap_or_else(|| panic!("{client}"));
    let file_set = file_set.split("\n}\n").next().unwrap_or_default();
    assert!(!file_set.contains("pub fn list("), "{file_set}");
    assert!(file_set.contains("pub fn get(&self, id: &str) -> FileRequest"), "{file_set}");
    assert!(client.contains("the metadata says the set cannot be listed"));
    let catalog = file(&generated, "catalog.rs");
    assert!(!catalog.contains("\"files.list\""), "{catalog}");
    assert!(catalog.contains("\"notes.list\""));
}

#[test]
fn a_key_inherited_from_an_abstract_base_still_gives_get_by_key() {
    let plan = plan_of(SERVICE);
    for builder in &plan.builders {
        let key = builder.key.as_ref().unwrap_or_else(|| panic!("{} has no key lookup", builder.entity));
        let wire: Vec<&str> = key.parts.iter().map(|p| p.wire.as_str()).collect();
        assert_eq!(wire, ["id"], "{}", builder.entity);
    }
}

#[test]
fn the_catalog_and_the_client_agree_on_every_method_for_the_defender_spec() {
    let root = codegen::workspace_root();
    let model = csdl::load(&root.join("specs/defender-endpoint.xml")).unwrap_or_else(|e| panic!("{e}"));
    let layout = Layout::new(&model);
    let features = Features::new(&model, true);
    let plan = ApiPlan::new(&model, &layout, &features, "/api").unwrap_or_else(|| panic!("no container"));
    let generated = codegen::generate_target(&root, &codegen::TARGETS[0]).unwrap_or_else(|e| panic!("{e}"));
    let client = file(&generated, "client.rs");
    let catalog = file(&generated, "catalog.rs");

    // Every client method the plan names is written, and every catalog entry starts from one.
    let methods: BTreeSet<&str> = plan
        .methods
        .iter()
        .map(|m| match m {
            ClientMethod::Root { method, .. } => method.as_str(),
            ClientMethod::Operation { operation, .. } => operation.method.as_str(),
        })
        .collect();
    for method in &methods {
        assert!(
            client.contains(&format!("pub fn {method}("))
                || client.contains(&format!("pub async fn {method}("))
        );
    }
    for endpoint in &plan.endpoints {
        let first = endpoint.sdk.split('(').next().unwrap_or_default();
        assert!(methods.contains(first), "{} starts from `{first}`, which the client lacks", endpoint.name);
        assert!(
            catalog.contains(&format!("name: {:?},", endpoint.name)),
            "{} is not in the catalog",
            endpoint.name
        );
        assert!(catalog.contains(&format!("sdk: {:?},", endpoint.sdk)), "{}", endpoint.sdk);
    }
    // Names are unique ignoring case, and the catalog holds exactly the plan's endpoints.
    let names: BTreeSet<String> = plan.endpoints.iter().map(|e| e.name.to_ascii_lowercase()).collect();
    assert_eq!(names.len(), plan.endpoints.len());
    assert_eq!(catalog.matches("    Endpoint {").count(), plan.endpoints.len());
    // The features table is the plan's.
    assert_eq!(generated.features, plan.features);
    // The summary counts the same endpoints and names the same client methods.
    let summary = emit::summary(&model);
    assert!(summary.contains(&format!("endpoints {}", plan.endpoints.len())), "{summary}");
    for method in &methods {
        assert!(summary.contains(&format!("-> {method}(")), "the summary lacks {method}");
    }
}

#[test]
fn a_contained_collection_gets_builders_like_an_entity_set_below_its_container() {
    let root = codegen::workspace_root();
    let model = csdl::load(&root.join("specs/graph-security.xml")).unwrap_or_else(|e| panic!("{e}"));
    let layout = Layout::new(&model);
    let plan = ApiPlan::new(&model, &layout, &Features::default(), "/v1.0")
        .unwrap_or_else(|| panic!("no container"));
    let endpoint = |name: &str| {
        plan.endpoints.iter().find(|e| e.name == name).unwrap_or_else(|| panic!("no endpoint {name}"))
    };
    // `security` is a singleton; `incidents` a collection it contains, keyed as a segment.
    let get = endpoint("security.incidents.get");
    assert_eq!((get.kind, get.path.as_str()), (EndpointKind::Get, "security/incidents/{id}"));
    assert_eq!(get.sdk, "security().incidents().get(id)");
    let list = endpoint("security.incidents");
    assert_eq!((list.kind, list.path.as_str()), (EndpointKind::Navigation, "security/incidents"));
    let alerts = endpoint("security.incidents.alerts");
    assert_eq!(alerts.path, "security/incidents/{id}/alerts");
    assert_eq!(alerts.sdk, "security().incidents().get(id).alerts()");
    let hunting = endpoint("security.runHuntingQuery");
    assert_eq!(hunting.sdk, "security().run_hunting_query(query, timespan)", "no `query_2`");

    let generated = emit::generate(&model, &options()).unwrap_or_else(|e| panic!("{e}"));
    let client = file(&generated, "client.rs");
    assert!(client.contains("pub fn incidents(&self) -> IncidentSetRequest"), "{client}");
    assert!(client.contains("pub fn alerts_v2(&self) -> AlertSetRequest"));
    let incident_set = client.split("impl IncidentSetRequest").nth(1).unwrap_or_default();
    assert!(incident_set.contains("pub fn list(&self) -> CollectionRequest<super::security::Incident>"));
    assert!(incident_set.contains("key_segment(id)"), "{incident_set}");
}

#[test]
fn a_contained_key_named_like_its_containers_gets_a_placeholder_of_its_own() {
    // `folders/{id}/items/{id}` would give both keys one placeholder and the call one value.
    const NESTED: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="nested">
      <EntityType Name="folder">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.String" Nullable="false"/>
        <NavigationProperty Name="items" Type="Collection(nested.item)" ContainsTarget="true"/>
      </EntityType>
      <EntityType Name="item">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.String" Nullable="false"/>
      </EntityType>
      <EntityContainer Name="Service">
        <EntitySet Name="folders" EntityType="nested.folder"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
"#;
    let plan = plan_of(NESTED);
    let get = plan
        .endpoints
        .iter()
        .find(|e| e.name == "folders.items.get")
        .unwrap_or_else(|| panic!("{:?}", plan.endpoints.iter().map(|e| &e.name).collect::<Vec<_>>()));
    assert_eq!(get.path, "folders('{id}')/items('{items_id}')".replace('\'', ""));
    let names: Vec<&str> = get.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["id", "items_id"]);
    assert_eq!(get.sdk, "folders().get(id).items().get(items_id)");
}

/// A function annotated as an export "via files" whose answer has `exportFiles`, one whose
/// answer lacks it, and the row type.
const EXPORTS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" Version="4.0">
  <edmx:DataServices>
    <Schema xmlns="http://docs.oasis-open.org/odata/ns/edm" Namespace="export.test">
      <EntityType Name="device">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.String" Nullable="false"/>
      </EntityType>
      <ComplexType Name="row">
        <Property Name="deviceId" Type="Edm.String"/>
        <Property Name="cveId" Type="Edm.String"/>
      </ComplexType>
      <ComplexType Name="files">
        <Property Name="exportFiles" Type="Collection(Edm.String)"/>
      </ComplexType>
      <ComplexType Name="notFiles">
        <Property Name="links" Type="Collection(Edm.String)"/>
      </ComplexType>
      <Function Name="VulnerabilitiesExport" IsBound="true">
        <Annotation Term="RustSdk.UrlConventions.V1.ExportFileRows" String="export.test.row"/>
        <Parameter Name="bindingParameter" Type="Collection(export.test.device)"/>
        <ReturnType Type="export.test.files"/>
      </Function>
      <Function Name="OtherExport" IsBound="true">
        <Annotation Term="RustSdk.UrlConventions.V1.ExportFileRows" String="export.test.row"/>
        <Parameter Name="bindingParameter" Type="Collection(export.test.device)"/>
        <ReturnType Type="export.test.notFiles"/>
      </Function>
      <EntityContainer Name="Service">
        <EntitySet Name="devices" EntityType="export.test.device"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;

#[test]
fn an_export_via_files_gets_a_rows_method_and_its_row_type_matches_members_in_any_case() {
    let plan = plan_of(EXPORTS);
    let operations: Vec<_> = plan.builders.iter().flat_map(|b| &b.operations).map(|o| &o.operation).collect();
    let rows: Vec<(&str, Option<&str>)> = operations
        .iter()
        .map(|o| (o.name.as_str(), o.export_rows.as_ref().map(|r| r.method.as_str())))
        .collect();
    // Only the function whose answer lists `exportFiles` streams rows.
    assert_eq!(rows, [("VulnerabilitiesExport", Some("vulnerabilities_export_rows")), ("OtherExport", None)]);
    let export = plan.endpoints.iter().find(|e| e.name.ends_with("VulnerabilitiesExport"));
    assert_eq!(export.and_then(|e| e.file_rows.as_deref()), Some("export.test.row"));

    let model = csdl::parse(EXPORTS).unwrap_or_else(|e| panic!("{e}"));
    let generated = emit::generate(&model, &options()).unwrap_or_else(|e| panic!("{e}"));
    assert!(generated.exports, "the manifest gets the exports feature");
    let client = file(&generated, "client.rs");
    assert!(client.contains("#[cfg(feature = \"exports\")]"), "{client}");
    assert!(client.contains("ExportRows<super::test::Row>"), "{client}");
    // The row type matches `CveId` as `cveId`; the answer type does not fold.
    let types = file(&generated, "test.rs");
    let folds = types.matches("fold_member_case").count();
    assert_eq!(folds, 1, "{types}");
    let manifest = codegen::manifest_with_features("[package]\nname = \"x\"\n", &generated);
    assert!(manifest.contains("exports = [\"defender-runtime/exports\"]"), "{manifest}");
}
