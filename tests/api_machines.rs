//! Endpoints of the `machines` area against a loopback server, with the reference pages' examples.

use defender_e2e::{TOKEN, assert_lossless, defender_client, mount_token_endpoint};
use defender_sdk::{
    AlertSeverity, AlertStatus, AnyAssetVulnerability, AssetVulnerability, AvScanResult, AvUpToDateStatus,
    BrowserExtensionRisk, DeviceValue, ExploitabilityLevel, MachineExposureLevel, MachineHealthStatus,
    MachineInput, MachineRiskScore, MachineTagAction, RecommendationCategory, RecommendationStatus,
    RemediationType, VulnerabilityChangeStatus, VulnerabilitySeverity, edm,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

/// The device id the reference pages' examples use.
const DEVICE: &str = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07";
/// The device id the vulnerability management pages' examples use.
const TVM_DEVICE: &str = "ac233fa6208e1579620bf44207c4006ed7cc4501";

fn fixture(name: &str) -> String {
    let path = format!("{}/{name}", concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/api/machines"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn reserialized(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| panic!("serialize: {e}"))
}

fn text(value: Option<edm::DateTimeOffset>) -> Option<String> {
    value.map(|v| v.to_string())
}

/// A loopback server with the token endpoint mounted.
async fn start() -> MockServer {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    server
}

/// Mounts `mock` (method, path and whatever else it matches) with the bearer token and JSON
/// accept header required, answering `status` with `body`, expected exactly once.
async fn serve(server: &MockServer, mock: MockBuilder, status: u16, body: Option<String>) {
    let response = match body {
        Some(body) => ResponseTemplate::new(status).set_body_raw(body, "application/json"),
        None => ResponseTemplate::new(status),
    };
    mock.and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("accept", "application/json"))
        .respond_with(response)
        .expect(1)
        .mount(server)
        .await;
}

/// A `GET` of `api_path` answered with 200 and `body`.
async fn serve_get(server: &MockServer, api_path: &str, body: String) {
    serve(server, Mock::given(method("GET")).and(path(api_path)), 200, Some(body)).await;
}

/// The query string of the one API request the server received (token requests aside).
async fn api_query(server: &MockServer) -> Option<String> {
    let requests = server.received_requests().await.unwrap_or_default();
    let api: Vec<_> = requests.iter().filter(|r| r.url.path().starts_with("/api/")).collect();
    assert_eq!(api.len(), 1, "one API request");
    api[0].url.query().map(str::to_owned)
}

/// `get-machine-by-id.response.json` with some members replaced, as the write endpoints answer
/// with the updated device (their pages show no response body).
fn updated_machine(changes: Value) -> Value {
    let mut machine = fixture_json("get-machine-by-id.response.json");
    if let (Some(machine), Some(changes)) = (machine.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            machine.insert(key.clone(), value.clone());
        }
    }
    machine
}

// ---------------------------------------------------------------------------------------------
// Devices
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_machines_decodes_the_documented_device() {
    let server = start().await;
    serve_get(&server, "/api/machines", fixture("get-machines.response.json")).await;

    let page =
        defender_client(&server).machines().list().first_page().await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.context.as_deref(), Some("https://api.security.microsoft.com/api/$metadata#Machines"));
    assert!(page.next_link.is_none());
    assert_eq!(page.items.len(), 1);
    let machine = &page.items[0];
    assert_eq!(machine.id, DEVICE);
    assert_eq!(machine.computer_dns_name.as_deref(), Some("mymachine1.contoso.com"));
    assert_eq!(text(machine.first_seen).as_deref(), Some("2018-08-02T14:55:03.7791856Z"));
    assert_eq!(text(machine.last_seen).as_deref(), Some("2018-08-02T14:55:03.7791856Z"));
    assert_eq!(machine.os_platform.as_deref(), Some("Windows10"));
    assert_eq!(machine.os_build, Some(18209));
    assert_eq!(machine.health_status, Some(MachineHealthStatus::Active));
    assert_eq!(machine.risk_score, Some(MachineRiskScore::Low));
    assert_eq!(machine.exposure_level, Some(MachineExposureLevel::Medium));
    assert_eq!(machine.rbac_group_id, Some(140));
    assert_eq!(machine.rbac_group_name.as_deref(), Some("The-A-Team"));
    assert_eq!(machine.is_aad_joined, Some(true));
    assert_eq!(
        machine.aad_device_id.as_ref().map(|g| g.to_string()).as_deref(),
        Some("80fe8ff8-2624-418e-9591-41f0491218f9")
    );
    assert_eq!(
        machine.machine_tags.as_deref(),
        Some(&["test tag 1".to_owned(), "test tag 2".to_owned()][..])
    );
    assert!(machine.additional_properties.is_empty(), "{:?}", machine.additional_properties);
    assert_lossless(&fixture_json("get-machines.response.json"), &reserialized(&page));
}

#[tokio::test]
async fn list_machines_sends_the_filter_as_a_query_option() {
    let server = start().await;
    let mock = Mock::given(method("GET"))
        .and(path("/api/machines"))
        .and(query_param("$filter", "healthStatus eq 'Active'"))
        .and(query_param("$top", "100"));
    serve(&server, mock, 200, Some(fixture("get-machines.response.json"))).await;

    let machines = defender_client(&server)
        .machines()
        .list()
        .filter("healthStatus eq 'Active'")
        .top(100)
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let ids: Vec<_> = machines.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, [DEVICE]);
}

#[tokio::test]
async fn get_machine_by_id_decodes_the_documented_device() {
    let server = start().await;
    serve_get(&server, &format!("/api/machines/{DEVICE}"), fixture("get-machine-by-id.response.json")).await;

    let machine = defender_client(&server).machines().get(DEVICE).await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(machine.id, DEVICE);
    assert_eq!(machine.version.as_deref(), Some("1709"));
    assert_eq!(machine.os_processor.as_deref(), Some("x64"));
    assert_eq!(machine.last_ip_address.as_deref(), Some("172.17.230.209"));
    assert_eq!(machine.last_external_ip_address.as_deref(), Some("167.220.196.71"));
    assert_eq!(machine.health_status, Some(MachineHealthStatus::Active));
    assert_eq!(machine.device_value, None);
    assert_eq!(
        machine.annotations.get("@odata.context"),
        Some(&Value::from("https://api.security.microsoft.com/api/$metadata#Machine"))
    );
    assert_lossless(&fixture_json("get-machine-by-id.response.json"), &reserialized(&machine));
}

#[tokio::test]
async fn update_machine_patches_exactly_the_documented_body() {
    let server = start().await;
    let request = fixture_json("update-machine-method.request.json");
    let answer = updated_machine(
        json!({"deviceValue": request["deviceValue"], "machineTags": request["machineTags"]}),
    );
    let mock =
        Mock::given(method("PATCH")).and(path(format!("/api/machines/{DEVICE}"))).and(body_json(&request));
    serve(&server, mock, 200, Some(answer.to_string())).await;

    let tags =
        ["Demo Device", "Generic User Machine - Attack Source", "Windows 10", "Windows Insider - Fast"];
    let changes = MachineInput {
        device_value: DeviceValue::Normal.into(),
        machine_tags: tags.map(str::to_owned).to_vec().into(),
        ..Default::default()
    };
    let machine = defender_client(&server)
        .machines()
        .get(DEVICE)
        .update(&changes)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the updated machine was not returned"));

    assert_eq!(machine.id, DEVICE);
    assert_eq!(machine.device_value, Some(DeviceValue::Normal));
    assert_eq!(machine.machine_tags.as_deref().map(<[String]>::len), Some(4));
    assert_eq!(
        machine.machine_tags.as_ref().and_then(|t| t.get(3)).map(String::as_str),
        Some("Windows Insider - Fast")
    );
    assert_lossless(&answer, &reserialized(&machine));
}

#[tokio::test]
async fn update_machine_accepts_an_empty_answer() {
    let server = start().await;
    let request = fixture_json("update-machine-method.request.json");
    let mock =
        Mock::given(method("PATCH")).and(path(format!("/api/machines/{DEVICE}"))).and(body_json(&request));
    serve(&server, mock, 204, None).await;

    let tags =
        ["Demo Device", "Generic User Machine - Attack Source", "Windows 10", "Windows Insider - Fast"];
    let changes = MachineInput {
        device_value: DeviceValue::Normal.into(),
        machine_tags: tags.map(str::to_owned).to_vec().into(),
        ..Default::default()
    };
    let answer = defender_client(&server)
        .machines()
        .get(DEVICE)
        .update(&changes)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(answer, None);
}

#[tokio::test]
async fn add_machine_tag_posts_value_and_action() {
    let server = start().await;
    let answer = updated_machine(json!({"machineTags": ["test tag 1", "test tag 2", "test Tag 2"]}));
    let mock = Mock::given(method("POST"))
        .and(path(format!("/api/machines/{DEVICE}/tags")))
        .and(body_json(fixture_json("add-or-remove-machine-tags.request.json")));
    serve(&server, mock, 200, Some(answer.to_string())).await;

    let machine = defender_client(&server)
        .machines()
        .get(DEVICE)
        .tags("test Tag 2", MachineTagAction::Add)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(machine.id, DEVICE);
    assert_eq!(machine.machine_tags.as_ref().and_then(|t| t.last()).map(String::as_str), Some("test Tag 2"));
    assert_lossless(&answer, &reserialized(&machine));
}

#[tokio::test]
async fn add_tag_to_multiple_machines_posts_the_device_ids() {
    let server = start().await;
    let mock = Mock::given(method("POST"))
        .and(path("/api/machines/AddOrRemoveTagForMultipleMachines"))
        .and(body_json(fixture_json("add-or-remove-multiple-machine-tags.request.json")));
    serve(&server, mock, 200, Some(fixture("get-machines.response.json"))).await;

    let ids = [
        "34e83ca3feea4dae2353006ba389262c033a025e",
        "2a398439b4975924e87a65943972bc702469b329",
        "a610c00c65fdf79960cc0077d9d8c569d23f09a5",
    ];
    let machines = defender_client(&server)
        .machines()
        .add_or_remove_tag_for_multiple_machines(
            "Tag",
            MachineTagAction::Add,
            ids.map(str::to_owned).to_vec(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(machines.len(), 1);
    assert_eq!(machines[0].id, DEVICE);
    assert_eq!(machines[0].risk_score, Some(MachineRiskScore::Low));
    assert_lossless(&fixture_json("get-machines.response.json")["value"], &reserialized(&machines));
}

#[tokio::test]
async fn find_machines_by_ip_writes_the_parameters_in_parentheses() {
    let server = start().await;
    serve_get(
        &server,
        "/api/machines/findbyip(ip='10.248.240.38',timestamp=2019-09-22T08:44:05Z)",
        fixture("get-machines.response.json"),
    )
    .await;

    let timestamp = edm::DateTimeOffset::parse("2019-09-22T08:44:05Z").unwrap_or_else(|e| panic!("{e}"));
    let page = defender_client(&server)
        .machines()
        .findbyip("10.248.240.38", timestamp)
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, DEVICE);
    assert_eq!(page.items[0].last_ip_address.as_deref(), Some("172.17.230.209"));
    assert_eq!(api_query(&server).await, None);
}

#[tokio::test]
async fn find_machine_info_by_ip_decodes_the_documented_device() {
    let server = start().await;
    serve_get(
        &server,
        "/api/machines/find(timestamp=2018-06-19T10:00:00Z,key='10.166.93.61')",
        fixture("find-machine-info-by-ip.response.json"),
    )
    .await;

    let timestamp = edm::DateTimeOffset::parse("2018-06-19T10:00:00Z").unwrap_or_else(|e| panic!("{e}"));
    let page = defender_client(&server)
        .machines()
        .find(timestamp, "10.166.93.61")
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(
        page.context.as_deref(),
        Some("https://graph.microsoft.com/testwdatppreview/$metadata#Machines")
    );
    assert_eq!(page.items.len(), 1);
    let machine = &page.items[0];
    assert_eq!(machine.id, "04c99d46599f078f1c3da3783cf5b95f01ac61bb");
    assert_eq!(machine.computer_dns_name.as_deref(), Some(""));
    assert_eq!(text(machine.first_seen).as_deref(), Some("2017-07-06T01:25:04.9480498Z"));
    assert_eq!(machine.os_platform.as_deref(), Some("Windows10"));
    assert_eq!(machine.health_status, None);
    assert_lossless(&fixture_json("find-machine-info-by-ip.response.json"), &reserialized(&page));
}

#[tokio::test]
async fn find_machines_by_tag_sends_tag_and_starts_with_filter_as_query_options() {
    let server = start().await;
    let mock = Mock::given(method("GET"))
        .and(path("/api/machines/findbytag"))
        .and(query_param("tag", "testTag"))
        .and(query_param("useStartsWithFilter", "true"));
    serve(&server, mock, 200, Some(fixture("get-machines.response.json"))).await;

    let machines = defender_client(&server)
        .machines()
        .findbytag("testTag", Some(true))
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(machines.len(), 1);
    assert_eq!(machines[0].machine_tags.as_ref().map(Vec::len), Some(2));
    assert_eq!(api_query(&server).await.as_deref(), Some("tag=testTag&useStartsWithFilter=true"));
}

#[tokio::test]
async fn find_machines_by_tag_leaves_out_an_omitted_starts_with_filter() {
    let server = start().await;
    let mock = Mock::given(method("GET"))
        .and(path("/api/machines/findbytag"))
        .and(query_param("tag", "Finance & Ops"))
        .and(query_param_is_missing("useStartsWithFilter"));
    serve(&server, mock, 200, Some(fixture("get-machines.response.json"))).await;

    let page = defender_client(&server)
        .machines()
        .findbytag("Finance & Ops", None)
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items[0].id, DEVICE);
    assert_eq!(api_query(&server).await.as_deref(), Some("tag=Finance%20%26%20Ops"));
}

#[tokio::test]
async fn machine_logon_users_decode_the_documented_user() {
    let server = start().await;
    serve_get(
        &server,
        &format!("/api/machines/{DEVICE}/logonusers"),
        fixture("get-machine-log-on-users.response.json"),
    )
    .await;

    let page = defender_client(&server)
        .machines()
        .get(DEVICE)
        .logonusers()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let user = &page.items[0];
    assert_eq!(user.id, "contoso\\user1");
    assert_eq!(user.account_name.as_deref(), Some("user1"));
    assert_eq!(user.account_domain.as_deref(), Some("contoso"));
    assert_eq!(text(user.first_seen).as_deref(), Some("2019-12-18T08:02:54Z"));
    assert_eq!(text(user.last_seen).as_deref(), Some("2020-01-06T08:01:48Z"));
    assert_eq!(user.logon_types.as_deref(), Some("Interactive"));
    assert_eq!(user.is_domain_admin, Some(true));
    assert_eq!(user.is_only_network_user, Some(false));
    assert_lossless(&fixture_json("get-machine-log-on-users.response.json"), &reserialized(&page));
}

#[tokio::test]
async fn machine_alerts_decode_the_alerts_of_the_device() {
    // The page shows no response body; this is an alert as the alert resource page describes it.
    let body = json!({
        "@odata.context": "https://api.security.microsoft.com/api/$metadata#Alerts",
        "value": [{
            "id": "da637308392288907382_-880718168",
            "incidentId": 7587,
            "severity": "Low",
            "status": "New",
            "detectionSource": "WindowsDefenderAv",
            "title": "Suspicious 'Meterpreter' behavior was detected",
            "alertCreationTime": "2020-07-20T10:53:48.7657932Z",
            "machineId": DEVICE,
            "computerDnsName": "mymachine1.contoso.com",
            "mitreTechniques": ["T1059.001"],
            "comments": [],
            "evidence": []
        }]
    });
    let server = start().await;
    serve_get(&server, &format!("/api/machines/{DEVICE}/alerts"), body.to_string()).await;

    let alerts = defender_client(&server)
        .machines()
        .get(DEVICE)
        .alerts()
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(alerts.len(), 1);
    let alert = &alerts[0];
    assert_eq!(alert.id, "da637308392288907382_-880718168");
    assert_eq!(alert.incident_id, Some(7587));
    assert_eq!(alert.severity, Some(AlertSeverity::Low));
    assert_eq!(alert.status, Some(AlertStatus::New));
    assert_eq!(alert.machine_id.as_deref(), Some(DEVICE));
    assert_eq!(text(alert.alert_creation_time).as_deref(), Some("2020-07-20T10:53:48.7657932Z"));
    assert_lossless(&body["value"], &reserialized(&alerts));
}

#[tokio::test]
async fn machine_software_decodes_the_documented_product() {
    let server = start().await;
    serve_get(
        &server,
        &format!("/api/machines/{TVM_DEVICE}/software"),
        fixture("get-installed-software.response.json"),
    )
    .await;

    let page = defender_client(&server)
        .machines()
        .get(TVM_DEVICE)
        .software()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let software = &page.items[0];
    assert_eq!(software.id, "microsoft-_-internet_explorer");
    assert_eq!(software.name.as_deref(), Some("internet_explorer"));
    assert_eq!(software.vendor.as_deref(), Some("microsoft"));
    assert_eq!(software.weaknesses, Some(67));
    assert_eq!(software.public_exploit, Some(true));
    assert_eq!(software.active_alert, Some(false));
    assert_eq!(software.exposed_machines, Some(42115));
    assert_eq!(software.impact_score, Some(46.2037163));
    assert_lossless(&fixture_json("get-installed-software.response.json"), &reserialized(&page));
}

#[tokio::test]
async fn machine_vulnerabilities_decode_the_documented_cve() {
    let server = start().await;
    serve_get(
        &server,
        &format!("/api/machines/{TVM_DEVICE}/vulnerabilities"),
        fixture("get-discovered-vulnerabilities.response.json"),
    )
    .await;

    let page = defender_client(&server)
        .machines()
        .get(TVM_DEVICE)
        .vulnerabilities()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let cve = &page.items[0];
    assert_eq!(cve.id, "CVE-2019-1348");
    assert_eq!(cve.severity, Some(VulnerabilitySeverity::Medium));
    assert_eq!(cve.cvss_v3, Some(4.3));
    assert_eq!(cve.exposed_machines, Some(1));
    assert_eq!(text(cve.published_on).as_deref(), Some("2019-12-13T00:00:00Z"));
    assert_eq!(cve.exploit_types.as_deref(), Some(&[][..]));
    assert_lossless(&fixture_json("get-discovered-vulnerabilities.response.json"), &reserialized(&page));
}

#[tokio::test]
async fn machine_recommendations_decode_the_documented_recommendation() {
    let server = start().await;
    serve_get(
        &server,
        &format!("/api/machines/{TVM_DEVICE}/recommendations"),
        fixture("get-security-recommendations.response.json"),
    )
    .await;

    let page = defender_client(&server)
        .machines()
        .get(TVM_DEVICE)
        .recommendations()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let recommendation = &page.items[0];
    assert_eq!(recommendation.id, "va-_-git-scm-_-git");
    assert_eq!(recommendation.recommendation_name.as_deref(), Some("Update Git to version 2.24.1.2"));
    assert_eq!(recommendation.weaknesses, Some(3));
    assert_eq!(recommendation.recommendation_category, Some(RecommendationCategory::Application));
    assert_eq!(recommendation.remediation_type, Some(RemediationType::Update));
    assert_eq!(recommendation.status, Some(RecommendationStatus::Active));
    assert_eq!(recommendation.severity_score, Some(0.0));
    assert_eq!(recommendation.exposed_machines_count, Some(1));
    assert_eq!(recommendation.related_component.as_deref(), Some("Git"));
    let original = fixture_json("get-security-recommendations.response.json");
    assert_lossless(&original, &reserialized(&page));
}

#[tokio::test]
async fn machine_missing_kbs_decode_the_documented_update() {
    let device = "2339ad14a01bd0299216cfe6b8ac2b1c7ff2ad4f";
    let server = start().await;
    serve_get(
        &server,
        &format!("/api/machines/{device}/getmissingkbs"),
        fixture("get-missing-kbs-machine.response.json"),
    )
    .await;

    let page = defender_client(&server)
        .machines()
        .get(device)
        .getmissingkbs()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let fix = &page.items[0];
    assert_eq!(fix.id, "4540673");
    assert_eq!(fix.name.as_deref(), Some("March 2020 Security Updates"));
    assert_eq!(fix.products_names.as_ref().map(Vec::len), Some(3));
    assert_eq!(
        fix.url.as_deref(),
        Some("https://catalog.update.microsoft.com/v7/site/Search.aspx?q=KB4540673")
    );
    assert_eq!(fix.machine_missed_on, Some(1));
    assert_eq!(fix.cve_addressed, Some(97));
    assert_lossless(&fixture_json("get-missing-kbs-machine.response.json"), &reserialized(&page));
}

#[tokio::test]
async fn set_device_value_posts_the_documented_body() {
    let server = start().await;
    let answer = updated_machine(json!({"deviceValue": "High"}));
    let mock = Mock::given(method("POST"))
        .and(path(format!("/api/machines/{DEVICE}/setDeviceValue")))
        .and(body_json(fixture_json("set-device-value.request.json")));
    serve(&server, mock, 200, Some(answer.to_string())).await;

    let machine = defender_client(&server)
        .machines()
        .get(DEVICE)
        .set_device_value(DeviceValue::High)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(machine.id, DEVICE);
    assert_eq!(machine.device_value, Some(DeviceValue::High));
    assert_lossless(&answer, &reserialized(&machine));
}

// ---------------------------------------------------------------------------------------------
// Vulnerability management assessments, JSON responses
// ---------------------------------------------------------------------------------------------

/// A `GET /api/machines/{function}?pageSize={page_size}` answered with `fixture_name`.
async fn serve_assessment(server: &MockServer, function: &str, page_size: Option<&str>, fixture_name: &str) {
    let mut mock = Mock::given(method("GET")).and(path(format!("/api/machines/{function}")));
    mock = match page_size {
        Some(size) => mock.and(query_param("pageSize", size)),
        None => mock.and(query_param_is_missing("pageSize")),
    };
    serve(server, mock, 200, Some(fixture(fixture_name))).await;
}

#[tokio::test]
async fn secure_configurations_by_machine_decode_every_row() {
    let name = "get-assessment-secure-config.by-machine.response.json";
    let server = start().await;
    serve_assessment(&server, "SecureConfigurationsAssessmentByMachine", Some("5"), name).await;

    let page = defender_client(&server)
        .machines()
        .secure_configurations_assessment_by_machine(Some(5))
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 5);
    let ids: Vec<_> = page.items.iter().map(|r| r.configuration_id.as_deref()).collect();
    assert_eq!(
        ids,
        [Some("scid-10000"), Some("scid-20000"), Some("scid-10000"), Some("scid-39"), Some("scid-6093")]
    );
    let first = &page.items[0];
    assert_eq!(first.device_id.as_deref(), Some("00013ee62c6b12345b10214e1801b217b50ab455c293d"));
    assert_eq!(first.os_version.as_deref(), Some("NT kernel 6.x"));
    assert_eq!(first.timestamp.as_deref(), Some("2021-01-11 09:47:58.854"));
    assert_eq!(first.configuration_impact, Some(5.0));
    assert_eq!(first.is_compliant, Some(true));
    assert_eq!(page.items[1].device_name, None);
    assert_eq!(page.items[1].configuration_subcategory.as_deref(), Some("Onboard Devices"));
    assert_eq!(page.items[4].is_applicable, Some(false));
    assert_eq!(page.items[4].recommendation_reference.as_deref(), Some("sca-_-scid-6093"));
    assert!(
        page.next_link
            .as_deref()
            .is_some_and(|l| l.contains("SecureConfigurationsAssessmentByMachine?pagesize=5"))
    );
    assert_eq!(api_query(&server).await.as_deref(), Some("pageSize=5"));
    assert_lossless(&fixture_json(name), &reserialized(&page));
}

#[tokio::test]
async fn software_inventory_by_machine_decodes_every_row() {
    let name = "get-assessment-software-inventory.by-machine.response.json";
    let server = start().await;
    serve_assessment(&server, "SoftwareInventoryByMachine", Some("5"), name).await;

    let page = defender_client(&server)
        .machines()
        .software_inventory_by_machine(Some(5))
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 5);
    let first = &page.items[0];
    assert_eq!(first.software_name.as_deref(), Some("windows_10"));
    assert_eq!(first.software_version.as_deref(), Some("10.0.17763.1637"));
    assert_eq!(first.number_of_weaknesses, Some(58));
    assert_eq!(first.disk_paths.as_deref(), Some(&[][..]));
    assert_eq!(first.software_first_seen_timestamp.as_deref(), Some("2020-12-30 11:07:15"));
    assert_eq!(first.end_of_support_status.as_deref(), Some("Upcoming EOS Version"));
    assert_eq!(first.end_of_support_date.as_deref(), Some("2021-05-11T00:00:00+00:00"));
    assert_eq!(page.items[1].end_of_support_date, None);
    assert_eq!(
        page.items[1].registry_paths.as_ref().and_then(|p| p.first()).map(String::as_str),
        Some("SOFTWARE\\Microsoft\\NET Framework Setup\\NDP\\v4.0\\Client\\Install")
    );
    assert!(page.next_link.is_some());
    assert_lossless(&fixture_json(name), &reserialized(&page));
}

#[tokio::test]
async fn non_cpe_software_inventory_by_machine_decodes_every_row() {
    let name = "get-assessment-non-cpe-software-inventory.by-machine.response.json";
    let server = start().await;
    serve_assessment(&server, "SoftwareInventoryNoProductCodeByMachine", Some("3"), name).await;

    let page = defender_client(&server)
        .machines()
        .software_inventory_no_product_code_by_machine(Some(3))
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let devices: Vec<_> = page.items.iter().map(|r| r.device_name.as_deref()).collect();
    assert_eq!(devices, [Some("Device1"), Some("Device23"), Some("Device56")]);
    let groups: Vec<_> = page.items.iter().map(|r| r.rbac_group_id).collect();
    assert_eq!(groups, [Some(11), Some(23), Some(65)]);
    assert_eq!(page.items[1].software_name.as_deref(), Some("intel®_software_installer"));
    assert_eq!(page.items[0].software_last_seen_timestamp.as_deref(), Some("2021-01-30 11:31:12.271"));
    assert!(page.next_link.as_deref().is_some_and(|l| l.contains("SoftwareInventoryNoProductCodeByMachine")));
    assert_lossless(&fixture_json(name), &reserialized(&page));
}

#[tokio::test]
async fn software_vulnerabilities_by_machine_decode_every_row() {
    let name = "get-assessment-software-vulnerabilities.by-machine.response.json";
    let server = start().await;
    serve_assessment(&server, "SoftwareVulnerabilitiesByMachine", None, name).await;

    let page = defender_client(&server)
        .machines()
        .software_vulnerabilities_by_machine(None)
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 5);
    // Rows without `@odata.type` are the base type itself, not a derived change row.
    let rows: Vec<&AssetVulnerability> = page
        .items
        .iter()
        .map(|row| match row {
            AnyAssetVulnerability::AssetVulnerability(row) => row,
            other => panic!("expected a full-export row, got {other:?}"),
        })
        .collect();
    let first = rows[0];
    assert_eq!(first.id.as_deref(), Some("00044f612345baf759462dbe6db733b6a9c59ab4_edge_10.0.17763.1637__"));
    assert_eq!(first.software_name.as_deref(), Some("edge"));
    assert_eq!(first.os_architecture.as_deref(), Some("x64"));
    assert_eq!(first.cve_id, None);
    assert_eq!(first.exploitability_level, Some(ExploitabilityLevel::NoExploit));
    assert_eq!(first.security_update_available, Some(true));
    assert_eq!(first.last_seen_timestamp.as_deref(), Some("2020-12-30 14:17:26"));
    assert!(rows.iter().all(|r| r.exploitability_level.is_some()));
    assert_eq!(api_query(&server).await, None);
    assert_lossless(&fixture_json(name), &reserialized(&page));
}

#[tokio::test]
async fn software_vulnerability_changes_by_machine_send_since_time_and_decode_the_changes() {
    let name = "get-assessment-software-vulnerabilities.changes-by-machine.response.json";
    let server = start().await;
    let mock = Mock::given(method("GET"))
        .and(path("/api/machines/SoftwareVulnerabilityChangesByMachine"))
        .and(query_param("sinceTime", "2021-05-19T18:35:49.924Z"))
        .and(query_param("pageSize", "5"));
    serve(&server, mock, 200, Some(fixture(name))).await;

    let since = edm::DateTimeOffset::parse("2021-05-19T18:35:49.924Z").unwrap_or_else(|e| panic!("{e}"));
    let page = defender_client(&server)
        .machines()
        .software_vulnerability_changes_by_machine(since, Some(5))
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 5);
    assert!(page.items.iter().all(|r| r.status == Some(VulnerabilityChangeStatus::Fixed)));
    assert!(page.items.iter().all(|r| r.event_timestamp.as_deref() == Some("2020-11-03 10:13:34.8476880")));
    let chrome = &page.items[4];
    assert_eq!(chrome.cve_id.as_deref(), Some("CVE-2020-16011"));
    assert_eq!(chrome.vulnerability_severity_level.as_deref(), Some("High"));
    assert_eq!(chrome.recommended_security_update.as_deref(), Some("ADV 200002"));
    assert_eq!(chrome.software_version.as_deref(), Some("81.0.4044.138"));
    assert_eq!(api_query(&server).await.as_deref(), Some("sinceTime=2021-05-19T18:35:49.924Z&pageSize=5"));
    assert_lossless(&fixture_json(name), &reserialized(&page));
}

#[tokio::test]
async fn browser_extensions_by_machine_decode_extension_and_permissions() {
    let name = "get-assessment-browser-extensions.by-machine.response.json";
    let server = start().await;
    // The page writes `/api/Machines/…`; the SDK sends the entity set's name, `machines`.
    serve_assessment(&server, "BrowserExtensionsInventoryByMachine", Some("5"), name).await;

    let page = defender_client(&server)
        .machines()
        .browser_extensions_inventory_by_machine(Some(5))
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let extension = &page.items[0];
    assert_eq!(extension.device_id.as_deref(), Some("1c32162b42e9efa1f5de42f951775f22f435c997"));
    assert_eq!(extension.rbac_group_id, Some(86));
    assert_eq!(extension.browser_name.as_deref(), Some("chrome"));
    assert_eq!(extension.extension_id.as_deref(), Some("dkpejdfnpdkhifgbancbammdijojoffk"));
    assert_eq!(extension.extension_name.as_deref(), Some("Logitech Smooth Scrolling"));
    assert_eq!(extension.extension_risk, Some(BrowserExtensionRisk::High));
    assert_eq!(extension.is_activated, Some(true));
    assert_eq!(extension.installation_time.as_deref(), Some("2022-05-26T18:46:27.000Z"));
    let permissions = extension.permissions.as_deref().unwrap_or_default();
    let ids: Vec<_> = permissions.iter().map(|p| p.id.as_deref()).collect();
    assert_eq!(ids, [Some("tabs"), Some("http://*/*"), Some("https://*/*")]);
    assert!(
        permissions.iter().all(|p| p.is_required == Some(true) && p.risk == Some(BrowserExtensionRisk::High))
    );
    assert_lossless(&fixture_json(name), &reserialized(&page));
}

#[tokio::test]
async fn certificate_assessment_by_machine_decodes_the_certificate() {
    let name = "export-certificate-inventory-assessment.by-machine.response.json";
    let server = start().await;
    serve_assessment(&server, "certificateAssessmentByMachine", Some("1"), name).await;

    let page = defender_client(&server)
        .machines()
        .certificate_assessment_by_machine(Some(1))
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let certificate = &page.items[0];
    assert_eq!(certificate.device_name.as_deref(), Some("testmachine5"));
    assert_eq!(certificate.thumbprint.as_deref(), Some("A4B37F4F6DE956922273D5CB8E7E0AAFB7033B90"));
    assert_eq!(certificate.signature_algorithm.as_deref(), Some("sha384ECDSA"));
    assert_eq!(certificate.key_length, Some(0));
    assert_eq!(certificate.not_after.as_deref(), Some("0001-01-01T00:00:00Z"));
    assert_eq!(certificate.subject_type.as_deref(), Some("CA"));
    assert_eq!(certificate.serial_number.as_deref(), Some("6086A185EAFA2B9943B4671603F40323"));
    assert_eq!(certificate.subject_object, None);
    assert_eq!(certificate.key_usage_array, None);
    assert_eq!(certificate.is_self_signed, Some(false));
    assert_eq!(certificate.rbac_group_id, Some(4226));
    assert!(
        page.next_link.as_deref().is_some_and(|l| l.contains("CertificateAssessmentByMachine?pagesize=1"))
    );
    assert_lossless(&fixture_json(name), &reserialized(&page));
}

#[tokio::test]
async fn hardware_firmware_by_machine_decodes_the_component() {
    let name = "export-firmware-hardware-assessment.by-machine.response.json";
    let server = start().await;
    serve_assessment(&server, "HardwareFirmwareInventoryByMachine", Some("100"), name).await;

    let page = defender_client(&server)
        .machines()
        .hardware_firmware_inventory_by_machine(Some(100))
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    assert!(page.next_link.is_none());
    let component = &page.items[0];
    assert_eq!(component.rbac_group_id, Some(39));
    assert_eq!(component.component_type.as_deref(), Some("Hardware"));
    assert_eq!(component.manufacturer.as_deref(), Some("razer"));
    assert_eq!(component.component_name.as_deref(), Some("blade_15_advanced_model_(mid_2021)_-_rz09-0409"));
    assert_eq!(component.component_version.as_deref(), Some("7.04"));
    let extra: Value = serde_json::from_str(component.additional_fields.as_deref().unwrap_or_default())
        .unwrap_or_else(|e| panic!("additionalFields: {e}"));
    assert_eq!(extra["SystemSKU"], "RZ09-0409CE53");
    assert_lossless(&fixture_json(name), &reserialized(&page));
}

#[tokio::test]
async fn baseline_compliance_by_machine_decodes_values_as_lists() {
    let name = "export-security-baseline-assessment.by-machine.response.json";
    let server = start().await;
    serve_assessment(&server, "baselineComplianceAssessmentByMachine", Some("1"), name).await;

    let page = defender_client(&server)
        .machines()
        .baseline_compliance_assessment_by_machine(Some(1))
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let row = &page.items[0];
    assert_eq!(row.configuration_id.as_deref(), Some("1.1.1"));
    assert_eq!(row.profile_id.as_deref(), Some("9e1b90be-e83e-485b-a5ec-4a429412e734"));
    assert_eq!(row.os_platform.as_deref(), Some("WindowsServer2019"));
    assert_eq!(row.rbac_group_id, Some(86));
    assert_eq!(row.is_compliant, Some(false));
    assert_eq!(text(row.data_collection_time_offset).as_deref(), Some("2021-12-22T00:08:02.478Z"));
    assert_eq!(row.compliance_calculation_time_offset, None);
    assert_eq!(row.recommended_value.as_deref(), Some(&["Greater than or equal '24'".to_owned()][..]));
    assert_eq!(row.current_value.as_deref(), Some(&["24".to_owned()][..]));
    assert_eq!(row.source.as_deref(), Some(&["password_hist_len".to_owned()][..]));
    assert_lossless(&fixture_json(name), &reserialized(&page));
}

// ---------------------------------------------------------------------------------------------
// Vulnerability management exports via files
// ---------------------------------------------------------------------------------------------

/// Calls one export function through `call`, against `GET /api/machines/{function}` with
/// `sasValidHours` as given, and checks the documented file list.
async fn check_export<F, Fut>(function: &str, sas_valid_hours: Option<i32>, fixture_name: &str, call: F)
where
    F: FnOnce(defender_sdk::DefenderClient) -> Fut,
    Fut: std::future::Future<Output = defender_sdk::Result<defender_sdk::ExportFilesResponse>>,
{
    let server = start().await;
    let mut mock = Mock::given(method("GET")).and(path(format!("/api/machines/{function}")));
    mock = match sas_valid_hours {
        Some(hours) => mock.and(query_param("sasValidHours", hours.to_string().as_str())),
        None => mock.and(query_param_is_missing("sasValidHours")),
    };
    serve(&server, mock, 200, Some(fixture(fixture_name))).await;

    let export = call(defender_client(&server)).await.unwrap_or_else(|e| panic!("{function}: {e}"));

    let original = fixture_json(fixture_name);
    let files = original["exportFiles"].as_array().map(Vec::len).unwrap_or_default();
    assert!(files >= 2, "{fixture_name}: the fixture lists files");
    assert_eq!(export.export_files.as_ref().map(Vec::len), Some(files), "{function}");
    assert_eq!(
        export.export_files.as_ref().and_then(|f| f.first()).map(String::as_str),
        original["exportFiles"][0].as_str(),
        "{function}"
    );
    assert_eq!(text(export.generated_time).as_deref(), original["generatedTime"].as_str(), "{function}");
    assert_eq!(export.annotations.get("@odata.context"), Some(&original["@odata.context"]), "{function}");
    assert_eq!(api_query(&server).await, sas_valid_hours.map(|h| format!("sasValidHours={h}")), "{function}");
    assert_lossless(&original, &reserialized(&export));
}

#[tokio::test]
async fn secure_configurations_export_lists_the_files() {
    check_export(
        "SecureConfigurationsAssessmentExport",
        Some(1),
        "get-assessment-secure-config.export.response.json",
        |c| async move { c.machines().secure_configurations_assessment_export(Some(1)).await },
    )
    .await;
}

#[tokio::test]
async fn software_inventory_export_lists_the_files() {
    check_export(
        "SoftwareInventoryExport",
        None,
        "get-assessment-software-inventory.export.response.json",
        |c| async move { c.machines().software_inventory_export(None).await },
    )
    .await;
}

#[tokio::test]
async fn non_cpe_software_inventory_export_lists_the_files() {
    check_export(
        "SoftwareInventoryNonCpeExport",
        Some(6),
        "get-assessment-non-cpe-software-inventory.export.response.json",
        |c| async move { c.machines().software_inventory_non_cpe_export(Some(6)).await },
    )
    .await;
}

#[tokio::test]
async fn software_vulnerabilities_export_lists_the_files() {
    check_export(
        "SoftwareVulnerabilitiesExport",
        Some(3),
        "get-assessment-software-vulnerabilities.export.response.json",
        |c| async move { c.machines().software_vulnerabilities_export(Some(3)).await },
    )
    .await;
}

#[tokio::test]
async fn browser_extensions_export_lists_the_files() {
    check_export(
        "browserextensionsinventoryExport",
        None,
        "get-assessment-browser-extensions.export.response.json",
        |c| async move { c.machines().browserextensionsinventory_export(None).await },
    )
    .await;
}

#[tokio::test]
async fn certificate_assessment_export_lists_the_files() {
    check_export(
        "certificateAssessmentExport",
        Some(24),
        "export-certificate-inventory-assessment.export.response.json",
        |c| async move { c.machines().certificate_assessment_export(Some(24)).await },
    )
    .await;
}

#[tokio::test]
async fn hardware_firmware_export_lists_the_files() {
    check_export(
        "HardwareFirmwareInventoryExport",
        Some(2),
        "export-firmware-hardware-assessment.export.response.json",
        |c| async move { c.machines().hardware_firmware_inventory_export(Some(2)).await },
    )
    .await;
}

#[tokio::test]
async fn baseline_compliance_export_lists_the_files() {
    check_export(
        "BaselineComplianceAssessmentExport",
        None,
        "export-security-baseline-assessment.export.response.json",
        |c| async move { c.machines().baseline_compliance_assessment_export(None).await },
    )
    .await;
}

#[tokio::test]
async fn info_gathering_export_lists_the_files() {
    // The information gathering page writes `/api/Machines/InfoGatheringExport?$sasValidHours=1`.
    check_export(
        "InfoGatheringExport",
        Some(1),
        "get-assessment-information-gathering.export.response.json",
        |c| async move { c.machines().info_gathering_export(Some(1)).await },
    )
    .await;
}

#[tokio::test]
async fn antivirus_health_export_lists_the_files() {
    check_export(
        "InfoGatheringExport",
        None,
        "device-health-export-antivirus-health-report-api.export.response.json",
        |c| async move { c.machines().info_gathering_export(None).await },
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Antivirus health report and browser extension permissions
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn antivirus_health_report_decodes_the_documented_entry() {
    let name = "device-health-export-antivirus-health-report-api.deviceavinfo.response.json";
    let server = start().await;
    serve_get(&server, "/api/deviceavinfo", fixture(name)).await;

    let page =
        defender_client(&server).deviceavinfo().list().first_page().await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(
        page.context.as_deref(),
        Some("https://api.securitycenter.microsoft.com/api/$metadata#DeviceAvInfo")
    );
    assert_eq!(page.items.len(), 1);
    let report = &page.items[0];
    assert_eq!(report.id, "Sample Guid");
    assert_eq!(report.machine_id.as_deref(), Some("Sample Machine Guid"));
    assert_eq!(report.computer_dns_name.as_deref(), Some("appblockstg1"));
    assert_eq!(report.os_kind.as_deref(), Some("windows"));
    assert_eq!(report.av_mode.as_deref(), Some("0"));
    assert_eq!(report.av_signature_version.as_deref(), Some("1.371.1279.0"));
    assert_eq!(text(report.last_seen_time).as_deref(), Some("2022-08-02T19:40:45Z"));
    assert_eq!(report.quick_scan_result, Some(AvScanResult::Completed));
    assert_eq!(text(report.quick_scan_time).as_deref(), Some("2022-08-02T18:40:15.882Z"));
    assert_eq!(report.quick_scan_error.as_deref(), Some(""));
    // The example sends an empty string where the page lists Completed, Canceled or Failed.
    assert_eq!(report.full_scan_result, Some(AvScanResult::Unrecognized(String::new())));
    assert_eq!(report.full_scan_time, None);
    assert_eq!(report.av_is_signature_up_to_date, Some(AvUpToDateStatus::True));
    assert_eq!(report.av_is_engine_up_to_date, Some(AvUpToDateStatus::True));
    assert_eq!(report.av_is_platform_up_to_date, Some(AvUpToDateStatus::True));
    assert_eq!(text(report.av_platform_update_time).as_deref(), Some("2022-06-20T16:59:35Z"));
    assert_eq!(report.rbac_group_id, Some(4415));
    assert_eq!(report.rbac_group_name.as_deref(), Some("TVM1"));
    assert!(report.additional_properties.is_empty(), "{:?}", report.additional_properties);
    assert_lossless(&fixture_json(name), &reserialized(&page));
}

#[tokio::test]
async fn browser_extension_permissions_info_keeps_the_documented_example() {
    let name = "get-browser-extensions-permission-info.response.json";
    let server = start().await;
    serve_get(&server, "/api/browserextensions/permissionsinfo", fixture(name)).await;

    let page =
        defender_client(&server).permissionsinfo().first_page().await.unwrap_or_else(|e| panic!("{e}"));

    // The page's example nests a second `{"value": [...]}` inside `value`: the one item has
    // none of the declared members, and the four permissions are kept under `value`.
    assert_eq!(page.items.len(), 1);
    let item = &page.items[0];
    assert_eq!((item.key.as_deref(), item.permission_name.as_deref()), (None, None));
    let nested: Vec<Value> =
        item.additional_properties.get_as("value").and_then(Result::ok).unwrap_or_default();
    let keys: Vec<_> = nested.iter().map(|p| p["key"].as_str()).collect();
    assert_eq!(
        keys,
        [
            Some("audioCapture"),
            Some("app.window.fullscreen.overrideEsc"),
            Some("browsingData"),
            Some("content_security_policy")
        ]
    );
    assert_lossless(&fixture_json(name), &reserialized(&page));
}

#[tokio::test]
async fn browser_extension_permissions_info_decodes_the_modelled_rows() {
    // The rows of the page's example in the plain collection shape the spec models.
    let original = fixture_json("get-browser-extensions-permission-info.response.json");
    let body = json!({"@odata.context": original["@odata.context"], "value": original["value"][0]["value"]});
    let server = start().await;
    let mock = Mock::given(method("GET"))
        .and(path("/api/browserextensions/permissionsinfo"))
        .and(query_param("$top", "4"));
    serve(&server, mock, 200, Some(body.to_string())).await;

    let permissions = defender_client(&server)
        .permissionsinfo()
        .top(4)
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(permissions.len(), 4);
    assert_eq!(permissions[0].key.as_deref(), Some("audioCapture"));
    assert_eq!(permissions[0].permission_name.as_deref(), Some("Capture audio from attached mic or webcam"));
    assert_eq!(
        permissions[2].description.as_deref(),
        Some("Clears browsing data which could result in a forensics/logging issues.")
    );
    assert!(permissions.iter().all(|p| p.additional_properties.is_empty()));
    assert_lossless(&body["value"], &reserialized(&permissions));
}

/// `$select` without the key still gets the key, which a `Machine` needs to decode.
#[tokio::test]
async fn select_asks_for_the_key_too_so_selected_machines_decode() {
    let server = start().await;
    let body = json!({"value": [{"id": DEVICE, "computerDnsName": "mymachine1.contoso.com"}]});
    serve(
        &server,
        Mock::given(method("GET"))
            .and(path("/api/machines"))
            .and(query_param("$select", "computerDnsName,id")),
        200,
        Some(body.to_string()),
    )
    .await;
    let one = json!({"id": DEVICE, "healthStatus": "Active"});
    serve(
        &server,
        Mock::given(method("GET"))
            .and(path(format!("/api/machines/{DEVICE}")))
            .and(query_param("$select", "healthStatus,id")),
        200,
        Some(one.to_string()),
    )
    .await;
    let client = defender_client(&server);
    let machines = client
        .machines()
        .list()
        .select([defender_sdk::Machine::COMPUTER_DNS_NAME.name()])
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(machines[0].id, DEVICE);
    assert_eq!(machines[0].computer_dns_name.as_deref(), Some("mymachine1.contoso.com"));
    let machine = client
        .machines()
        .get(DEVICE)
        .get()
        .select(["healthStatus", "id"])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(machine.health_status, Some(MachineHealthStatus::Active));
}
