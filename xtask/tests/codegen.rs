//! The generator end to end: snapshots of what it writes, byte-identical output, and the
//! checked-in code kept current.

use xtask::codegen::{self, TARGETS};
use xtask::csdl;
use xtask::emit::{self, Options};

fn options() -> Options {
    Options {
        source_label: "specs/test.xml".into(),
        client_type: "crate::Client".into(),
        root_path: "/api".into(),
        features: true,
        tools_feature: true,
    }
}

#[test]
fn generated_code_snapshots() {
    let root = codegen::workspace_root();
    for target in TARGETS {
        let files = codegen::generate_target(&root, target).unwrap_or_else(|e| panic!("{e}")).files;
        let stem = std::path::Path::new(target.spec)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        for file in files {
            insta::assert_snapshot!(format!("{stem}__{}", file.path.trim_end_matches(".rs")), file.contents);
        }
    }
}

#[test]
fn the_same_spec_gives_byte_identical_output() {
    let root = codegen::workspace_root();
    for target in TARGETS {
        let first = codegen::generate_target(&root, target).unwrap_or_else(|e| panic!("{e}"));
        let second = codegen::generate_target(&root, target).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first, second, "{}", target.spec);
    }
}

#[test]
fn the_checked_in_generated_code_is_current() {
    let root = codegen::workspace_root();
    for target in TARGETS {
        let generated = codegen::generate_target(&root, target).unwrap_or_else(|e| panic!("{e}"));
        let stale = codegen::stale_target(&root, target, &generated).unwrap_or_else(|e| panic!("{e}"));
        assert!(stale.is_empty(), "stale generated files, run `cargo xtask codegen`: {stale:?}");
    }
}

#[test]
fn changing_a_property_in_the_spec_changes_only_its_lines() {
    let root = codegen::workspace_root();
    let spec =
        std::fs::read_to_string(root.join("specs/defender-endpoint.xml")).unwrap_or_else(|e| panic!("{e}"));
    let changed = spec.replacen(
        r#"<Property Name="rbacGroupName" Type="Edm.String">"#,
        r#"<Property Name="rbacGroupLabel" Type="Edm.String">"#,
        1,
    );
    assert_ne!(spec, changed, "the spec no longer has rbacGroupName");
    let generate = |text: &str| {
        let model = csdl::parse(text).unwrap_or_else(|e| panic!("{e}"));
        let files = emit::generate(&model, &options()).unwrap_or_else(|e| panic!("{e}")).files;
        files.into_iter().find(|f| f.path == "api.rs").map(|f| f.contents).unwrap_or_default()
    };
    let before = generate(&spec);
    let after = generate(&changed);
    let removed: Vec<&str> = before.lines().filter(|l| !after.lines().any(|a| a == *l)).collect();
    let added: Vec<&str> = after.lines().filter(|l| !before.lines().any(|b| b == *l)).collect();
    assert!(!added.is_empty());
    for line in removed.iter().chain(added.iter()) {
        let lower = line.to_lowercase();
        assert!(
            lower.contains("rbacgroup") || lower.contains("rbac_group"),
            "unrelated line changed: {line:?}"
        );
    }
    assert!(added.iter().any(|l| l.contains("pub rbac_group_label: Option<String>")), "{added:#?}");
}

/// The lines a change to the spec inserts and deletes in the generated files, hunk by hunk.
fn hunks(spec: &str, changed: &str) -> (Vec<String>, usize) {
    let generate = |text: &str| {
        let model = csdl::parse(text).unwrap_or_else(|e| panic!("{e}"));
        emit::generate(&model, &options()).unwrap_or_else(|e| panic!("{e}")).files
    };
    let (before, after) = (generate(spec), generate(changed));
    let mut inserted_hunks = Vec::new();
    let mut deleted = 0;
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(old.path, new.path);
        let diff = similar::TextDiff::from_lines(&old.contents, &new.contents);
        for group in diff.grouped_ops(0) {
            let mut hunk = String::new();
            for op in group {
                for change in diff.iter_changes(&op) {
                    match change.tag() {
                        similar::ChangeTag::Insert => hunk.push_str(change.value()),
                        similar::ChangeTag::Delete => deleted += 1,
                        similar::ChangeTag::Equal => {}
                    }
                }
            }
            inserted_hunks.push(hunk);
        }
    }
    (inserted_hunks, deleted)
}

fn spec() -> String {
    std::fs::read_to_string(codegen::workspace_root().join("specs/defender-endpoint.xml"))
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn adding_a_property_only_inserts_the_lines_for_it() {
    let spec = spec();
    let anchor = r#"<Property Name="rbacGroupName" Type="Edm.String">"#;
    let changed =
        spec.replacen(anchor, &format!(r#"<Property Name="rbacGroupTier" Type="Edm.Int32"/>{anchor}"#), 1);
    let (hunks, deleted) = hunks(&spec, &changed);
    assert_eq!(deleted, 0, "adding a property deleted lines");
    assert!(!hunks.is_empty());
    for hunk in &hunks {
        assert!(
            hunk.contains("rbacGroupTier") || hunk.contains("rbac_group_tier"),
            "unrelated hunk:\n{hunk}"
        );
    }
}

#[test]
fn adding_an_operation_only_inserts_the_lines_for_it() {
    let spec = spec();
    let anchor = r#"<Function Name="ByMachineGroups" IsBound="true">"#;
    let operation = r#"<Function Name="Trend" IsBound="true"><Parameter Name="bindingParameter" Type="microsoft.windowsDefenderATP.api.ExposureScore"/><Parameter Name="days" Type="Edm.Int32" Nullable="false"/><ReturnType Type="Collection(microsoft.windowsDefenderATP.api.ExposureScore)"/></Function>"#;
    let changed = spec.replacen(anchor, &format!("{operation}{anchor}"), 1);
    let (hunks, deleted) = hunks(&spec, &changed);
    assert_eq!(deleted, 0, "adding an operation deleted lines");
    // The method on the builder, and its entry in the catalog.
    assert_eq!(hunks.len(), 2, "one method and one catalog entry: {hunks:#?}");
    assert!(hunks.iter().any(|h| h.contains("pub fn trend(&self, days: i32)")), "{hunks:#?}");
    assert!(hunks.iter().any(|h| h.contains(r#"path: "exposureScore/Trend(days={days})""#)), "{hunks:#?}");
}

/// Graph's entity types inherit their key (`id`) from `entity`: the key is worked out once, in
/// the model, so the set gets `get(key)`, the entity builder is reachable and the catalog knows
/// the key (before, the builder had key fields but the set no `get`).
#[test]
fn a_set_whose_type_inherits_its_key_gets_a_read_by_key() {
    let spec = r#"<?xml version="1.0"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Test" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="entity" Abstract="true">
        <Key><PropertyRef Name="id"/></Key>
        <Property Name="id" Type="Edm.String" Nullable="false"/>
      </EntityType>
      <EntityType Name="incident" BaseType="Test.entity">
        <Property Name="title" Type="Edm.String"/>
      </EntityType>
      <EntityContainer Name="Service">
        <EntitySet Name="incidents" EntityType="Test.incident"/>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;
    let model = csdl::parse(spec).unwrap_or_else(|e| panic!("{e}"));
    let files = emit::generate(&model, &options()).unwrap_or_else(|e| panic!("{e}")).files;
    let file =
        |name: &str| files.iter().find(|f| f.path == name).map(|f| f.contents.clone()).unwrap_or_default();
    let client = file("client.rs");
    assert!(client.contains("pub fn get(&self, id: &str) -> IncidentRequest"), "{client}");
    assert!(file("catalog.rs").contains("key: &[\"id\"]"), "{}", file("catalog.rs"));
}
