//! Every example response of the API reference that the project keeps as a fixture decodes
//! into its generated type and is written back with nothing lost, through the same path as
//! `defender decode`.

use std::path::{Path, PathBuf};

use defender_cli::decode::decode;

/// Fixtures whose `@odata.context` is missing or names a type by a name the metadata does not
/// use (the service's internal DTO names), with the type to decode them as.
const EXPLICIT: &[(&str, &str)] = &[
    ("alerts.response.json", "Alert"),
    ("get-alert-related-machine-info.response.json", "Machine"),
    ("import-ti-indicators.response.json", "Collection(ImportIndicatorResult)"),
    ("investigation.representation.json", "Investigation"),
    ("run-advanced-query-api.response.json", "AdvancedQueryResponse"),
    ("ti-indicator.representation.json", "Indicator"),
    // The page wraps its single agent in a `value` array under a `/$entity` context.
    ("Get-agent-details.response.json", "Collection(ScanAgent)"),
    ("Get-scan-history-by-definition.response.json", "Collection(ScanHistoryByDefinition)"),
    ("Get-scan-history-by-definition.top-response.json", "Collection(ScanHistoryByDefinition)"),
    ("Get-scan-history-by-session.response.json", "Collection(ScanHistoryBySession)"),
    ("files.resource.json", "File"),
    ("get-all-vulnerabilities-by-machines.response.json", "Collection(MachineVulnerability)"),
    ("get-machines-by-software.response.json", "Collection(MachineReference)"),
    ("get-machines-by-vulnerability.response.json", "Collection(MachineReference)"),
    ("get-recommendation-machines.response.json", "Collection(MachineReference)"),
    ("get-remediation-exposed-devices-activities.response.json", "Collection(MachineReference)"),
    ("get-missing-kbs-software.response.json", "Collection(ProductFix)"),
    ("get-missing-kbs-machine.response.json", "Collection(ProductFix)"),
    ("get-recommendation-vulnerabilities.response.json", "Collection(Vulnerability)"),
    ("get-vuln-by-software.response.json", "Collection(Vulnerability)"),
    ("get-discovered-vulnerabilities.response.json", "Collection(Vulnerability)"),
    ("get-security-baselines-assessment-profiles.response.json", "Collection(BaselineProfile)"),
    ("get-software-ver-distribution.response.json", "Collection(Distribution)"),
    ("list-recommendation-software.response.json", "Software"),
    ("get-live-response-result.result-file.json", "LiveResponseScriptResult"),
    ("machineaction.example.json", "MachineAction"),
    ("get-browser-extensions-permission-info.response.json", "Collection(BrowserExtensionPermissionInfo)"),
];

/// Bodies that are not entities: a primitive result and an error document, which the endpoint
/// tests check instead.
const NOT_ENTITIES: &[&str] = &[
    "get-live-response-result.response.json",
    "get-package-sas-uri.response.json",
    "common-errors.resource-not-found.json",
];

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut files = Vec::new();
    for dir in ["responses", "api/machines", "api/machineactions", "api/alerts", "api/entities"] {
        let entries = std::fs::read_dir(root.join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}"));
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if name.ends_with(".json") && !name.contains("request") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_response_fixture_decodes_without_loss() {
    let mut decoded = 0;
    let mut failures = Vec::new();
    for path in fixtures() {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if NOT_ENTITIES.contains(&name.as_str()) {
            continue;
        }
        let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let explicit = EXPLICIT.iter().find(|(file, _)| *file == name).map(|(_, ty)| *ty);
        match decode(&body, explicit) {
            Ok(_) => decoded += 1,
            Err(failure) => failures.push(format!("{name}: {failure}")),
        }
    }
    assert!(failures.is_empty(), "{} fixture(s) failed:\n{}", failures.len(), failures.join("\n"));
    assert!(decoded >= 90, "only {decoded} fixtures decoded; were fixtures lost?");
}

#[test]
fn a_loss_names_the_json_path() {
    // A property whose value the decoder cannot keep as sent: an object where a number belongs
    // is a decode error; a member the type drops would be a loss. Both name where.
    let body = br#"{"@odata.context": "https://x/api/$metadata#ExposureScore/$entity", "time": "2019-12-03T07:23:53Z", "score": {"high": 1}}"#;
    let failure = decode(body, None).err().map(|f| f.to_string()).unwrap_or_default();
    assert!(failure.contains("at score"), "{failure}");
}
