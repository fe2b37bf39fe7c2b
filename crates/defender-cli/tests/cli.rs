//! The `defender` binary, run as a user runs it.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// An empty configuration directory, so that a user's own configuration file never reaches a
/// test.
fn empty_config_home() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("defender-cli-test-home-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    dir
}

/// The `defender` command with nothing from the user's environment that could choose a tenant.
fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_defender"));
    command.env("XDG_CONFIG_HOME", empty_config_home()).env("HOME", empty_config_home());
    for variable in [
        "DEFENDER_CONFIG",
        "DEFENDER_PROFILE",
        "DEFENDER_BASE_URL",
        "DEFENDER_CLOUD",
        "DEFENDER_REGION",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_AUTHORITY_HOST",
    ] {
        command.env_remove(variable);
    }
    command
}

fn defender(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = command()
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
fn decode_reports_members_kept_without_a_typed_field_and_strict_fails_on_them() {
    let output = defender(&["decode", "-"], SCORES.as_bytes());
    assert!(output.status.success());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("kept value[*].newField: no typed field: kept as raw JSON"), "{said}");

    let strict = defender(&["decode", "--strict", "-"], SCORES.as_bytes());
    assert_eq!(strict.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&strict.stderr).contains("1 member(s) have no typed field (--strict)"));

    let typed = r#"{"@odata.context": "https://x/api/$metadata#ExposureScore", "value": [{"score": 1.5}]}"#;
    let clean = defender(&["decode", "--strict", "-"], typed.as_bytes());
    assert!(clean.status.success(), "{}", String::from_utf8_lossy(&clean.stderr));
    assert!(!String::from_utf8_lossy(&clean.stderr).contains("kept"));
}

#[test]
fn decode_takes_alerts_selected_without_their_key() {
    // A page another tool fetched with `$select=title,severity`: no `id`.
    let page = r#"{
        "@odata.context": "https://api.security.microsoft.com/api/$metadata#Alerts(title,severity)",
        "value": [{"title": "Suspicious PowerShell", "severity": "High"}, {"title": "Ransomware", "severity": "High"}]
    }"#;
    let output = defender(&["decode", "--strict", "-"], page.as_bytes());
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(printed["value"][1]["title"], "Ransomware");
    assert_eq!(printed["value"][0].get("id"), None, "no key is made up");
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
fn scores_honour_the_output_format() {
    let json = defender(&["--emulator", "scores", "-o", "json"], b"");
    assert!(json.status.success(), "{}", String::from_utf8_lossy(&json.stderr));
    let report: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap_or_else(|e| panic!("{e}"));
    // Unrounded, and the timestamp with the digits the service sent.
    assert_eq!(report["exposureScore"]["score"], serde_json::json!(33.491554051195706));
    assert_eq!(report["exposureScore"]["time"], "2019-12-03T07:23:53.280499Z");
    assert_eq!(report["deviceSecureScore"]["score"], serde_json::json!(340.0));
    let groups = report["exposureByDeviceGroup"].as_array().cloned().unwrap_or_default();
    assert_eq!(groups.len(), 4);
    assert!(groups.iter().all(|g| g["score"].is_f64() && g["rbacGroupName"].is_string()), "{groups:?}");
    // Microsoft Secure Score from Graph: the newest of the emulator's daily entries (412 of
    // 697), and the change since the day before (408.5).
    let microsoft = &report["microsoftSecureScore"];
    assert_eq!(microsoft["currentScore"], serde_json::json!(412.0));
    assert_eq!(microsoft["maxScore"], serde_json::json!(697.0));
    assert_eq!(microsoft["changeSincePreviousDay"], serde_json::json!(3.5));
    let percentage = microsoft["percentage"].as_f64().unwrap_or_default();
    assert!((percentage - 412.0 / 697.0 * 100.0).abs() < 1e-9, "{percentage}");

    let csv = defender(&["--emulator", "scores", "-o", "csv"], b"");
    assert!(csv.status.success(), "{}", String::from_utf8_lossy(&csv.stderr));
    let text = stdout(&csv);
    assert_eq!(text.lines().next(), Some("score,deviceGroup,value,band,time"));
    // A header, the two organization scores, four groups, and four Secure Score rows.
    assert_eq!(text.lines().count(), 1 + 2 + 4 + 4, "{text}");
    insta::assert_snapshot!("scores_csv", text);
}

#[test]
fn an_empty_secret_in_the_environment_counts_as_missing() {
    let output = command()
        .args(["--tenant-id", "t", "--client-id", "c", "scores"])
        .env("AZURE_CLIENT_SECRET", "")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(2), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no credentials"));
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

    // A selection without the key still decodes: the key is asked for, and not shown.
    for command in [&["machines", "list"][..], &["list", "machines"][..]] {
        let names = defender(
            &[&["--emulator"][..], command, &["--select", "computerDnsName", "--top", "2", "-o", "json"]]
                .concat(),
            b"",
        );
        assert!(names.status.success(), "{command:?}: {}", String::from_utf8_lossy(&names.stderr));
        assert_eq!(stdout(&names).lines().next(), Some(r#"{"computerDnsName":"device-00000.contoso.com"}"#));
    }

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
    let missing = command().args(["scores"]).output().unwrap_or_else(|e| panic!("{e}"));
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
    let output = command()
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

#[test]
fn api_lists_the_endpoints_with_permissions_and_sdk_calls() {
    let output = defender(&["api", "findbyip", "-o", "json"], b"");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let rows: Vec<serde_json::Value> =
        stdout(&output).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}"))).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["request"], "GET /api/machines/findbyip(ip={ip},timestamp={timestamp})");
    assert_eq!(rows[0]["sdk"], "client.machines().findbyip(ip, timestamp)");
    assert!(rows[0]["permissions"].as_array().is_some_and(|p| !p.is_empty()));
    let all = defender(&["api"], b"");
    assert!(stdout(&all).lines().count() > 120, "every endpoint, with a header");
}

#[test]
fn any_set_is_listed_and_read_against_the_emulator() {
    let table = defender(&["--emulator", "list", "vulnerabilities", "--top", "3", "--orderby", "id"], b"");
    assert!(table.status.success(), "{}", String::from_utf8_lossy(&table.stderr));
    insta::assert_snapshot!("vulnerabilities_table", stdout(&table));

    let one = defender(&["--emulator", "get", "vulnerabilities", "CVE-2021-20001", "-o", "json"], b"");
    assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
    let value: serde_json::Value = serde_json::from_str(&stdout(&one)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(value["id"], "CVE-2021-20001");

    let missing = defender(&["--emulator", "get", "vulnerabilities", "CVE-1999-0001"], b"");
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("404"));
}

#[test]
fn call_runs_functions_and_asks_before_changing_anything() {
    let first = defender(
        &["--emulator", "list", "machines", "--top", "1", "--select", "id,lastIpAddress", "-o", "json"],
        b"",
    );
    let machine: serde_json::Value =
        serde_json::from_str(stdout(&first).trim()).unwrap_or_else(|e| panic!("{e}"));
    let ip = format!("ip={}", machine["lastIpAddress"].as_str().unwrap_or_default());
    let found = defender(
        &["--emulator", "call", "machines.findbyip", &ip, "timestamp=2025-01-01T00:00:00Z", "-o", "json"],
        b"",
    );
    assert!(found.status.success(), "{}", String::from_utf8_lossy(&found.stderr));
    assert!(
        stdout(&found).lines().any(|l| l.contains(machine["id"].as_str().unwrap_or("?"))),
        "{}",
        stdout(&found)
    );

    let entity =
        r#"entity={"indicatorValue": "evil.example", "indicatorType": "DomainName", "action": "Block"}"#;
    let refused = defender(&["--emulator", "call", "indicators.create", entity], b"y\n");
    assert_eq!(refused.status.code(), Some(5), "no terminal to confirm on: nothing is done");
    let created = defender(&["--emulator", "call", "indicators.create", entity, "--yes", "-o", "json"], b"");
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let indicator: serde_json::Value =
        serde_json::from_str(&stdout(&created)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(indicator["indicatorValue"], "evil.example");
    assert_eq!(indicator["action"], "Block");

    // A package exists for a collection that succeeded; its link points at storage.
    let collected = "type eq 'CollectInvestigationPackage' and status eq 'Succeeded'";
    let link = defender(
        &[
            "--emulator",
            "call",
            "machineactions.list",
            "--filter",
            collected,
            "--top",
            "1",
            "--select",
            "id",
            "-o",
            "csv",
        ],
        b"",
    );
    let action_id = stdout(&link).lines().nth(1).unwrap_or_default().to_owned();
    assert!(!action_id.is_empty(), "{}", stdout(&link));
    let uri =
        defender(&["--emulator", "call", "machineactions.getPackageUri", &format!("id={action_id}")], b"");
    assert!(uri.status.success(), "{}", String::from_utf8_lossy(&uri.stderr));
    assert!(
        stdout(&uri).contains("/investigation-packages/") && stdout(&uri).contains("sig="),
        "{}",
        stdout(&uri)
    );
}

#[test]
fn usage_mistakes_are_reported_before_signing_in() {
    let cases: [(&[&str], &str); 5] = [
        (&["call", "machines.isolat"], "did you mean machines.isolate"),
        (&["call", "machines.isolate", "id=1"], "needs parameter `Comment`"),
        (&["call", "files.stats", "sha1=a", "lookBackHours=soon"], "not an integer"),
        (&["call", "machines.get", "id"], "expected NAME=VALUE"),
        (&["list", "gadgets"], "no entity set `gadgets`"),
    ];
    for (args, expected) in cases {
        let output = defender(args, b"");
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let said = String::from_utf8_lossy(&output.stderr);
        assert!(said.contains(expected), "{args:?}: {said}");
        assert_eq!(said.lines().count(), 1, "{said}");
    }
    let query_on_a_single = defender(&["--emulator", "get", "machines", "x", "--top", "1"], b"");
    assert_eq!(query_on_a_single.status.code(), Some(2));
}

/// A configuration file whose `local` profile reaches an emulator running in this test; the
/// top level has a wrong secret.
#[test]
fn a_configuration_file_profile_connects_and_its_secret_stays_hidden() {
    let runtime = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let emulator = runtime
        .block_on(defender_emulator::Emulator::start(defender_emulator::Config {
            machines: 50,
            ..defender_emulator::Config::default()
        }))
        .unwrap_or_else(|e| panic!("{e}"));
    let config = emulator.config();
    let path = std::env::temp_dir().join(format!("defender-cli-config-{}.toml", std::process::id()));
    let text = format!(
        "tenant_id = \"{tenant}\"\nclient_id = \"{client}\"\nclient_secret = \"top-level-wrong-secret\"\n\
         base_url = \"{base}\"\nauthority_host = \"{base}\"\n\n[profiles.local]\nclient_secret = \"{secret}\"\n",
        tenant = config.tenant_id,
        client = config.client_id,
        secret = config.client_secret,
        base = emulator.base_url(),
    );
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let file = path.to_string_lossy().into_owned();

    let scores = defender(&["--config", &file, "--profile", "local", "scores"], b"");
    assert!(scores.status.success(), "{}", String::from_utf8_lossy(&scores.stderr));
    assert!(stdout(&scores).contains("GroupOne"), "{}", stdout(&scores));

    let refused = defender(&["--config", &file, "scores"], b"");
    assert_eq!(refused.status.code(), Some(3), "{}", String::from_utf8_lossy(&refused.stderr));

    let shown = defender(&["--config", &file, "--profile", "local", "config", "-o", "json"], b"");
    let text = stdout(&shown);
    assert!(text.contains(r#""from":"profile""#) && text.contains(r#""value":"(set, not shown)""#), "{text}");

    let no_profile = defender(&["--config", &file, "--profile", "prod", "scores"], b"");
    assert_eq!(no_profile.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_profile.stderr).contains("no profile `prod`"));

    for output in [&scores, &refused, &shown, &no_profile] {
        let all = format!("{}{}", stdout(output), String::from_utf8_lossy(&output.stderr));
        assert!(!all.contains(&config.client_secret) && !all.contains("top-level-wrong-secret"), "{all}");
    }
    let _ = std::fs::remove_file(&path);
    drop(emulator);
}

#[test]
fn completions_cover_subcommands_flags_sets_and_endpoint_names() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = defender(&["completions", shell], b"");
        assert!(output.status.success(), "{shell}: {}", String::from_utf8_lossy(&output.stderr));
        let script = stdout(&output);
        for word in ["scores", "decode", "emulator", "filter", "strict"] {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    for shell in ["bash", "zsh"] {
        let script = stdout(&defender(&["completions", shell], b""));
        // `call`'s endpoint names and `list`'s entity sets come from the catalog.
        for word in
            ["machines.isolate", "indicators.create", "vulnerabilities", "exposureScore.ByMachineGroups"]
        {
            assert!(script.contains(word), "{shell} lacks {word}");
        }
    }
    let refused = defender(&["completions", "tcsh"], b"");
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn man_prints_the_manual_page() {
    let output = defender(&["man"], b"");
    assert!(output.status.success());
    let page = stdout(&output);
    assert!(page.contains(".TH defender 1"), "{page}");
    assert!(page.contains("scores") && page.contains("completions"), "{page}");
}

/// A token endpoint for tenant `t` on `server`, issuing the token `token` for any scope.
async fn mount_token_endpoint(server: &wiremock::MockServer) {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    Mock::given(method("POST"))
        .and(path("/t/oauth2/v2.0/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"token_type": "Bearer", "expires_in": 3599, "access_token": "token"}),
        ))
        .mount(server)
        .await;
}

/// A Graph-shaped server on loopback: a token endpoint for tenant `t` that issues a token only
/// for Graph's audience, and the security endpoints the Graph commands call.
async fn graph_server() -> wiremock::MockServer {
    use wiremock::matchers::{body_string_contains, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/t/oauth2/v2.0/token"))
        .and(body_string_contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"token_type": "Bearer", "expires_in": 3599, "access_token": "graph-token"}),
        ))
        .mount(&server)
        .await;
    let authorized = || header("authorization", "Bearer graph-token");
    let incident = serde_json::json!({"id": "29", "displayName": "Multi-stage incident", "status": "active", "severity": "high"});
    let alert = serde_json::json!({"id": "da1", "title": "Suspicious execution", "status": "new", "severity": "medium", "incidentId": "29"});
    // One incident is asked for with its alerts expanded, in one request.
    let mut expanded = incident.clone();
    expanded["alerts"] = serde_json::json!([alert.clone()]);
    Mock::given(method("GET"))
        .and(path("/v1.0/security/incidents/29"))
        .and(wiremock::matchers::query_param("$expand", "alerts"))
        .and(authorized())
        .respond_with(ResponseTemplate::new(200).set_body_json(expanded))
        .mount(&server)
        .await;
    for (at, body) in [
        ("/v1.0/security/incidents", serde_json::json!({"value": [incident]})),
        ("/v1.0/security/alerts_v2", serde_json::json!({"value": [alert]})),
    ] {
        Mock::given(method("GET"))
            .and(path(at))
            .and(authorized())
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/v1.0/security/microsoft.graph.security.runHuntingQuery"))
        .and(authorized())
        .and(body_string_contains("DeviceProcessEvents"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "schema": [{"name": "DeviceName", "type": "String"}, {"name": "FileName", "type": "String"}],
            "results": [{"DeviceName": "dev-1", "FileName": "powershell.exe"}]
        })))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn incidents_graph_alerts_and_graph_hunting_from_the_command_line() {
    let server = graph_server().await;
    let uri = server.uri();
    let run = |args: Vec<&'static str>| {
        let uri = uri.clone();
        tokio::task::spawn_blocking(move || {
            command()
                .args(["--base-url", &uri, "--authority-host", &uri, "--tenant-id", "t", "--client-id", "c"])
                .args(args)
                .env("AZURE_CLIENT_SECRET", "s")
                .output()
                .unwrap_or_else(|e| panic!("{e}"))
        })
    };
    let listed = run(vec!["incidents", "list", "--top", "5"]).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    assert!(stdout(&listed).contains("Multi-stage incident"), "{}", stdout(&listed));

    let one = run(vec!["incidents", "get", "29", "-o", "json"]).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
    let value: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(value["id"], "29");
    assert_eq!(value["alerts"][0]["title"], "Suspicious execution");
    let table = run(vec!["incidents", "get", "29"]).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(table.status.success(), "{}", String::from_utf8_lossy(&table.stderr));
    assert!(stdout(&table).contains("Multi-stage incident"), "{}", stdout(&table));
    assert!(
        stdout(&table).contains("da1") && stdout(&table).contains("Suspicious execution"),
        "{}",
        stdout(&table)
    );

    let alerts = run(vec!["alerts", "list", "--graph", "-o", "csv"]).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(alerts.status.success(), "{}", String::from_utf8_lossy(&alerts.stderr));
    assert!(
        stdout(&alerts).starts_with("id,severity,status,title,incidentId,createdDateTime"),
        "{}",
        stdout(&alerts)
    );
    assert!(stdout(&alerts).contains("da1,medium,new,Suspicious execution,29,"), "{}", stdout(&alerts));

    let hunted = run(vec!["hunt", "--graph", "DeviceProcessEvents | take 1", "-o", "csv"])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(hunted.status.success(), "{}", String::from_utf8_lossy(&hunted.stderr));
    assert_eq!(stdout(&hunted), "DeviceName,FileName\ndev-1,powershell.exe\n");
}

#[test]
fn graph_commands_run_against_the_emulator() {
    let listed = defender(&["--emulator", "incidents", "list", "--top", "3", "-o", "json"], b"");
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    assert_eq!(stdout(&listed).lines().count(), 3);
    let first: serde_json::Value = serde_json::from_str(stdout(&listed).lines().next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    let id = first["id"].as_str().unwrap_or_default().to_owned();
    let one = defender(&["--emulator", "incidents", "get", &id, "-o", "json"], b"");
    assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
    let incident: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert!(!incident["alerts"].as_array().map(Vec::is_empty).unwrap_or(true), "{incident}");
    let hunted =
        defender(&["--emulator", "hunt", "--graph", "DeviceProcessEvents | take 2", "-o", "csv"], b"");
    assert!(hunted.status.success(), "{}", String::from_utf8_lossy(&hunted.stderr));
    assert_eq!(stdout(&hunted).lines().count(), 3, "a header and two rows: {}", stdout(&hunted));
    assert!(stdout(&hunted).starts_with("Timestamp,DeviceId,DeviceName,FileName,ProcessCommandLine"));
}

#[test]
fn hunt_prints_the_rows_of_a_defender_advanced_query_under_its_schema() {
    let output = defender(&["--emulator", "hunt", "DeviceProcessEvents | take 2", "-o", "json"], b"");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // JSON lines: one object per row.
    let rows: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(serde_json::Value::is_object));
}

#[tokio::test(flavor = "multi_thread")]
async fn scores_without_a_graph_permission_still_print_the_defender_scores() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let score = serde_json::json!({"time": "2019-12-03T07:23:53.280499Z", "score": 33.5});
    for (at, body) in [
        ("/api/exposureScore", score.clone()),
        ("/api/configurationScore", score.clone()),
        ("/api/exposureScore/ByMachineGroups", serde_json::json!({"value": [score]})),
    ] {
        Mock::given(method("GET"))
            .and(path(at))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    // Graph refuses: the application has no Graph permission.
    Mock::given(method("GET"))
        .and(path("/v1.0/security/secureScores"))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "error": {"code": "Authorization_RequestDenied", "message": "Insufficient privileges to complete the operation."}
        })))
        .mount(&server)
        .await;
    let uri = server.uri();
    let output = tokio::task::spawn_blocking(move || {
        command()
            .args([
                "--base-url",
                &uri,
                "--authority-host",
                &uri,
                "--tenant-id",
                "t",
                "--client-id",
                "c",
                "scores",
                "-o",
                "json",
            ])
            .env("AZURE_CLIENT_SECRET", "s")
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report["exposureScore"]["score"], serde_json::json!(33.5));
    assert!(report["microsoftSecureScore"].is_null());
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("Microsoft Secure Score is not shown") && said.contains("Insufficient privileges"),
        "{said}"
    );
}

#[test]
fn api_and_call_reach_the_graph_endpoints_too() {
    let found = defender(&["api", "security.incidents", "-o", "json"], b"");
    assert!(found.status.success(), "{}", String::from_utf8_lossy(&found.stderr));
    assert!(
        stdout(&found).contains("\"request\":\"GET /v1.0/security/incidents/{id}\""),
        "{}",
        stdout(&found)
    );
    let listed = defender(&["--emulator", "call", "security.incidents", "--top", "2", "-o", "json"], b"");
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    assert_eq!(stdout(&listed).lines().count(), 2);
    let one = defender(
        &["--emulator", "call", "security.secureScoreControlProfiles.get", "id=AdminMFAV2", "-o", "json"],
        b"",
    );
    assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
    assert!(stdout(&one).contains("\"id\": \"AdminMFAV2\""), "{}", stdout(&one));
}

fn first_machine_id() -> String {
    let first =
        defender(&["--emulator", "machines", "list", "--top", "1", "--select", "id", "-o", "json"], b"");
    let line: serde_json::Value =
        serde_json::from_str(stdout(&first).trim()).unwrap_or_else(|e| panic!("{e}"));
    line["id"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn device_actions_wait_for_their_end_and_exit_by_its_outcome() {
    let id = first_machine_id();
    let fast = ["--wait", "--poll-interval", "0.01", "-o", "json"];
    let run = |action: &[&str], comment: &str, extra: &[&str]| {
        let mut args = vec!["--emulator", "machines"];
        args.extend_from_slice(action);
        args.extend_from_slice(&[id.as_str(), "--comment", comment]);
        args.extend_from_slice(extra);
        defender(&args, b"")
    };

    let isolated = run(&["isolate", "--yes"], "Contain", &fast);
    assert!(isolated.status.success(), "{}", String::from_utf8_lossy(&isolated.stderr));
    let action: serde_json::Value =
        serde_json::from_str(&stdout(&isolated)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((action["type"].as_str(), action["status"].as_str()), (Some("Isolate"), Some("Succeeded")));

    let failed = run(&["collect-package"], "[emulator:fail]", &fast);
    assert_eq!(failed.status.code(), Some(6), "{}", String::from_utf8_lossy(&failed.stderr));
    let said = String::from_utf8_lossy(&failed.stderr);
    assert!(
        said.contains("CollectInvestigationPackage action") && said.contains("failed: The device could not"),
        "{said}"
    );

    let timed_out = run(&["scan", "--scan", "full"], "[emulator:timeout]", &fast);
    assert_eq!(timed_out.status.code(), Some(6));
    assert!(
        String::from_utf8_lossy(&timed_out.stderr).contains("timed out"),
        "{}",
        String::from_utf8_lossy(&timed_out.stderr)
    );

    // A deadline before the action ends: exit 7, and the message says how to follow it.
    let still = run(&["unisolate"], "Release", &["--wait", "--timeout", "0", "--poll-interval", "5"]);
    assert_eq!(still.status.code(), Some(7), "{}", String::from_utf8_lossy(&still.stderr));
    assert!(String::from_utf8_lossy(&still.stderr).contains("defender machines wait "));

    // Without --wait: the recorded action, as before.
    let recorded = run(&["restrict"], "Restrict", &["-o", "json"]);
    assert!(recorded.status.success());
    let action: serde_json::Value =
        serde_json::from_str(&stdout(&recorded)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(action["status"], "Pending");
}

/// A second action while one runs: the service's refusal does not say which action it waits
/// behind, so the command looks it up and names it.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_action_names_the_action_it_waits_behind() {
    use wiremock::matchers::{method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    Mock::given(method("POST"))
        .and(path("/api/machines/m1/isolate"))
        .respond_with(ResponseTemplate::new(400).set_body_json(serde_json::json!({
            "error": {"code": "ActiveRequestAlreadyExists", "message": "Action is already in progress", "target": "c1"}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/machineactions"))
        .and(query_param("$filter", "machineId eq 'm1' and (status eq 'Pending' or status eq 'InProgress')"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"value": [
            {"id": "a-pending", "type": "Isolate", "status": "InProgress", "machineId": "m1"}
        ]})))
        .mount(&server)
        .await;
    let uri = server.uri();
    let output = tokio::task::spawn_blocking(move || {
        command()
            .args(["--base-url", &uri, "--authority-host", &uri, "--tenant-id", "t", "--client-id", "c"])
            .args(["machines", "isolate", "m1", "--comment", "again", "--yes"])
            .env("AZURE_CLIENT_SECRET", "s")
            .output()
            .unwrap_or_else(|e| panic!("{e}"))
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(output.status.code(), Some(1));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("action refused") && said.contains("Isolate a-pending (InProgress)"), "{said}");
}

#[test]
fn hunting_prints_rows_and_says_what_a_hunting_failure_means() {
    let rows = defender(&["--emulator", "hunt", "DeviceProcessEvents | take 3", "-o", "csv"], b"");
    assert!(rows.status.success(), "{}", String::from_utf8_lossy(&rows.stderr));
    let text = stdout(&rows);
    assert_eq!(text.lines().count(), 4, "a header and three rows: {text}");
    assert!(text.starts_with("Timestamp,DeviceId,DeviceName,FileName,ProcessCommandLine"), "{text}");

    let json = defender(&["--emulator", "hunt", "DeviceProcessEvents | take 2", "-o", "json"], b"");
    let first: serde_json::Value = serde_json::from_str(stdout(&json).lines().next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(first["FileName"], "powershell.exe");

    for (query, said) in [
        ("DeviceProcessEvents [emulator:preempted]", "too many resources"),
        ("DeviceProcessEvents [emulator:too-large]", "larger than 124 MB"),
        ("DeviceProcesEvents | take 1", "the query is not valid"),
    ] {
        let failed = defender(&["--emulator", "hunt", query], b"");
        assert_eq!(failed.status.code(), Some(1), "{query}");
        let stderr = String::from_utf8_lossy(&failed.stderr);
        assert!(stderr.contains(said) && stderr.lines().count() == 1, "{query}: {stderr}");
    }
}

#[test]
fn exports_stream_their_rows_as_json_lines_or_csv() {
    let listed = defender(&["export", "--list"], b"");
    assert!(listed.status.success());
    let names: Vec<String> =
        stdout(&listed).lines().map(|l| l.split('\t').next().unwrap_or_default().to_owned()).collect();
    for name in [
        "software-vulnerabilities",
        "software-inventory",
        "secure-configurations-assessment",
        "browser-extensions-inventory",
        "info-gathering",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} not in {names:?}");
    }

    // JSON lines, members as the API spells them although the files spell them in PascalCase.
    let rows = defender(&["--emulator", "export", "software-vulnerabilities"], b"");
    assert!(rows.status.success(), "{}", String::from_utf8_lossy(&rows.stderr));
    let lines: Vec<serde_json::Value> = stdout(&rows)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    assert_eq!(lines.len(), 1_000);
    assert!(lines.iter().all(|row| row.get("cveId").is_some() && row.get("CveId").is_none()), "{}", lines[0]);

    // CSV into a file: a header from the row type, then a record per row.
    let dir = std::env::temp_dir().join(format!("defender-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.join("inventory.csv");
    let out_text = out.to_string_lossy().into_owned();
    let written =
        defender(&["--emulator", "export", "software-inventory", "-o", "csv", "--out", &out_text], b"");
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    assert!(stdout(&written).is_empty());
    let text = std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("{e}"));
    assert!(text.starts_with("deviceId,deviceName,osPlatform"), "{}", &text[..text.len().min(200)]);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(reader.records().count(), 1_000);
    let _ = std::fs::remove_dir_all(&dir);

    let unknown = defender(&["--emulator", "export", "software-vulns"], b"");
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("software-vulnerabilities"));
}

#[test]
fn live_response_prints_each_result_and_a_package_lands_in_a_file() {
    let id = first_machine_id();
    let session = defender(
        &[
            "--emulator",
            "machines",
            "live-response",
            &id,
            "--command",
            "RunScript collect.ps1 -Days 7",
            "--command",
            "GetFile C:\\trace.log",
            "--wait",
            "--poll-interval",
            "0.01",
        ],
        b"",
    );
    assert!(session.status.success(), "{}", String::from_utf8_lossy(&session.stderr));
    let text = stdout(&session);
    assert!(text.contains("[0] RunScript collect.ps1: exit code 0") && text.contains("-Days 7"), "{text}");
    assert!(text.contains("[1] GetFile:"), "{text}");

    let wrong = defender(&["--emulator", "machines", "live-response", &id, "--command", "Reboot now"], b"");
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("RunScript NAME"));

    let out = std::env::temp_dir().join(format!("defender-package-{}.zip", std::process::id()));
    let out_text = out.to_string_lossy().into_owned();
    let collected = defender(
        &[
            "--emulator",
            "machines",
            "collect-package",
            &id,
            "--comment",
            "Collect",
            "--wait",
            "--poll-interval",
            "0.01",
            "--out",
            &out_text,
        ],
        b"",
    );
    assert!(collected.status.success(), "{}", String::from_utf8_lossy(&collected.stderr));
    let bytes = std::fs::read(&out).unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_file(&out);
    assert!(bytes.starts_with(b"PK"), "a zip");
    assert!(String::from_utf8_lossy(&collected.stderr).contains("wrote the investigation package"));
}

/// `--parquet`: a column per property of the row type, typed from the metadata, every row.
#[cfg(feature = "parquet")]
#[test]
fn an_export_lands_in_parquet_with_a_schema_from_the_row_type() {
    use parquet::arrow::arrow_reader::ArrowReaderBuilder;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let out = std::env::temp_dir().join(format!("defender-export-{}.parquet", std::process::id()));
    let out_text = out.to_string_lossy().into_owned();
    let written =
        defender(&["--emulator", "export", "software-vulnerabilities", "--parquet", &out_text], b"");
    assert!(written.status.success(), "{}", String::from_utf8_lossy(&written.stderr));
    let file = std::fs::File::open(&out).unwrap_or_else(|e| panic!("{e}"));
    let builder: ArrowReaderBuilder<_> =
        ParquetRecordBatchReaderBuilder::try_new(file).unwrap_or_else(|e| panic!("{e}"));
    let schema = builder.schema().clone();
    let field = |name: &str| {
        schema.field_with_name(name).map(|f| f.data_type().to_string()).unwrap_or_else(|e| panic!("{e}"))
    };
    assert_eq!(field("deviceId"), "Utf8");
    assert_eq!(field("cvssScore"), "Float64");
    assert_eq!(field("diskPaths"), "List(Utf8)", "{schema:?}");
    let reader = builder.build().unwrap_or_else(|e| panic!("{e}"));
    let rows: usize = reader.map(|batch| batch.map(|b| b.num_rows()).unwrap_or_else(|e| panic!("{e}"))).sum();
    let _ = std::fs::remove_file(&out);
    assert_eq!(rows, 1_000);
}
