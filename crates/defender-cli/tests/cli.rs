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
