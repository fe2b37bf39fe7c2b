//! The `defender` binary, run as a user runs it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn defender(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_defender"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin).unwrap_or_else(|e| panic!("{e}"));
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
}

const SCORES: &str = r#"{
    "@odata.context": "https://api-us.securitycenter.windows.com/api/$metadata#ExposureScore",
    "value": [
        {"time": "2019-12-03T09:51:28.214338Z", "score": 41.38041766305988, "rbacGroupId": 10, "newField": {"a": 1}}
    ]
}"#;

#[test]
fn decode_prints_the_value_and_exits_zero_when_nothing_is_lost() {
    let output = defender(&["decode", "-"], SCORES.as_bytes());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(printed["value"][0]["rbacGroupId"], 10);
    assert_eq!(printed["value"][0]["newField"], serde_json::json!({"a": 1}));
    assert_eq!(printed["value"][0]["time"], "2019-12-03T09:51:28.214338Z");
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("a collection of microsoft.windowsDefenderATP.api.ExposureScore"), "{said}");
}

#[test]
fn decode_takes_a_type_and_a_file() {
    let path = std::env::temp_dir().join(format!("defender-decode-{}.json", std::process::id()));
    std::fs::write(&path, r#"{"time": "2019-12-03T09:15:58.1665846Z", "score": 340}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let output = defender(&["decode", "--type", "ConfigurationScore", &path.to_string_lossy()], b"");
    let _ = std::fs::remove_file(&path);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(printed["time"], "2019-12-03T09:15:58.1665846Z");
}

#[test]
fn decode_fails_with_the_json_path_and_a_nonzero_exit() {
    let output = defender(&["decode", "--type", "ExposureScore"], br#"{"score": [1, 2]}"#);
    assert_eq!(output.status.code(), Some(1));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("at score"), "{said}");

    let output = defender(&["decode"], b"<html>not json</html>");
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not JSON"));

    let output = defender(&["decode", "--type", "NoSuchType"], b"{}");
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn decode_lists_the_types_it_knows() {
    let output = defender(&["decode", "--list-types"], b"");
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(listed.lines().any(|l| l == "microsoft.windowsDefenderATP.api.Machine (entity)"), "{listed}");
    assert!(listed.lines().count() > 50);
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn scores_against_the_emulator_print_the_report() {
    let output = defender(&["--emulator", "scores"], b"");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    insta::assert_snapshot!("scores_table", stdout(&output));
}

#[test]
fn machines_list_in_every_output_format() {
    let table = defender(&["--emulator", "machines", "list", "--top", "3"], b"");
    assert!(table.status.success(), "{}", String::from_utf8_lossy(&table.stderr));
    insta::assert_snapshot!("machines_table", stdout(&table));

    let args = [
        "--emulator",
        "machines",
        "list",
        "--filter",
        "riskScore eq 'High'",
        "--select",
        "id,riskScore",
        "--top",
        "4",
    ];
    let json = defender(&[&args[..], &["--output", "json"]].concat(), b"");
    let lines: Vec<serde_json::Value> = stdout(&json)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 4);
    assert!(lines.iter().all(|l| l["riskScore"] == "High" && l.as_object().is_some_and(|o| o.len() == 2)));

    let csv = defender(&[&args[..], &["--output", "csv"]].concat(), b"");
    let text = stdout(&csv);
    let mut rows = text.lines();
    assert_eq!(rows.next(), Some("id,riskScore"));
    assert_eq!(rows.filter(|r| r.ends_with(",High")).count(), 4);
}

#[test]
fn an_action_on_a_device_needs_confirmation() {
    let first =
        defender(&["--emulator", "machines", "list", "--top", "1", "--select", "id", "-o", "json"], b"");
    let line: serde_json::Value =
        serde_json::from_str(stdout(&first).trim()).unwrap_or_else(|e| panic!("{e}"));
    let id = line["id"].as_str().unwrap_or_default().to_owned();

    let refused = defender(&["--emulator", "machines", "isolate", &id, "--comment", "test"], b"y\n");
    assert_eq!(refused.status.code(), Some(5), "no terminal to confirm on: nothing is done");

    let done = defender(
        &["--emulator", "machines", "isolate", &id, "--comment", "test", "--yes", "-o", "json"],
        b"",
    );
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let action: serde_json::Value = serde_json::from_str(&stdout(&done)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(action["type"], "Isolate");
    assert_eq!(action["machineId"], serde_json::Value::from(id));
}

#[test]
fn errors_are_one_line_with_meaningful_exit_codes() {
    let missing = Command::new(env!("CARGO_BIN_EXE_defender"))
        .args(["scores"])
        .env_remove("AZURE_TENANT_ID")
        .env_remove("AZURE_CLIENT_ID")
        .env_remove("AZURE_CLIENT_SECRET")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(missing.status.code(), Some(2));
    let said = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(said.lines().count(), 1, "{said}");

    let not_found = defender(&["--emulator", "machines", "get", "no-such-device"], b"");
    assert_eq!(not_found.status.code(), Some(1));
    let said = String::from_utf8_lossy(&not_found.stderr);
    assert!(said.starts_with("defender: HTTP 404 Not Found ResourceNotFound"), "{said}");
    assert_eq!(said.lines().count(), 1);

    let bad_filter = defender(&["--emulator", "alerts", "list", "--filter", "severity eq"], b"");
    assert_eq!(bad_filter.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad_filter.stderr).contains("InvalidRequestBody"));
}

#[test]
fn the_secret_is_never_echoed() {
    let output = Command::new(env!("CARGO_BIN_EXE_defender"))
        .args(["--base-url", "http://127.0.0.1:9", "--tenant-id", "t", "--client-id", "c", "scores"])
        .env("AZURE_CLIENT_SECRET", "very-secret-value")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let all =
        format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(!all.contains("very-secret-value"), "{all}");
    let help = defender(&["--help"], b"");
    assert!(!stdout(&help).contains("very-secret-value"));
}
