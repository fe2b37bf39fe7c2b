//! Endpoints of the `entities` area against a loopback server, with the reference pages' examples.

use defender_e2e::{TOKEN, assert_lossless, defender_client, mount_token_endpoint};
use defender_sdk::{
    AlertSeverity, AlertStatus, AnyScanAuthenticationParams, AnyScanAuthenticationParamsInput, File,
    MachineHealthStatus, Page, RecommendationCategory, RecommendationStatus, RemediationActivityPriority,
    RemediationActivityStatus, RemediationType, ScanAuthenticationType, ScanDefinition, ScanDefinitionInput,
    ScanType, ScannerAgentInput, VulnerabilitySeverity, WindowsAuthParamsInput,
};
use serde_json::Value;
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/api/entities/");

/// The pages of this area show no response for the alerts and devices related to a file, IP,
/// domain or user: those calls answer with the alerts area's and machines area's list examples.
const ALERTS_PAGE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/api/alerts/get-alerts.example-1.response.json");
const MACHINES_PAGE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/api/machines/get-machines.response.json");

fn read(file: &str) -> String {
    std::fs::read_to_string(file).unwrap_or_else(|e| panic!("fixture {file}: {e}"))
}

fn fixture(name: &str) -> String {
    read(&format!("{FIXTURES}{name}"))
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("fixture is not JSON: {e}"))
}

fn written(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| panic!("serialize: {e}"))
}

fn text(time: Option<defender_sdk::edm::DateTimeOffset>) -> Option<String> {
    time.map(|t| t.to_string())
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    server
}

fn signed(verb: &str, api_path: &str) -> MockBuilder {
    Mock::given(method(verb))
        .and(path(api_path))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("accept", "application/json"))
}

/// Mounts `GET api_path` with these query options (and no `lookBackHours` unless given),
/// answering `body` once.
async fn serve_get(server: &MockServer, api_path: &str, query: &[(&str, &str)], body: &str) {
    let mut mock = signed("GET", api_path);
    for (name, value) in query {
        mock = mock.and(query_param(*name, *value));
    }
    if !query.iter().any(|(name, _)| *name == "lookBackHours") {
        mock = mock.and(query_param_is_missing("lookBackHours"));
    }
    mock.respond_with(ResponseTemplate::new(200).set_body_raw(body.to_owned(), "application/json"))
        .expect(1)
        .mount(server)
        .await;
}

/// Mounts `POST api_path` expecting exactly `request` as its JSON body, answering `status` with
/// `body` once.
async fn serve_post(server: &MockServer, api_path: &str, request: &str, status: u16, body: &str) {
    signed("POST", api_path)
        .and(header("content-type", "application/json"))
        .and(body_json(json(request)))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body.to_owned(), "application/json"))
        .expect(1)
        .mount(server)
        .await;
}

fn context(annotations: &serde_json::Map<String, Value>) -> Option<&str> {
    annotations.get("@odata.context").and_then(Value::as_str)
}

/// The alerts example answered for every "related alerts" call: one alert, decoded and lossless.
fn assert_alerts_page(page: &Page<defender_sdk::Alert>) {
    assert_eq!(page.items.len(), 1);
    let alert = &page.items[0];
    assert_eq!(alert.id, "da637308392288907382_-880718168");
    assert_eq!(alert.severity, Some(AlertSeverity::Low));
    assert_eq!(alert.status, Some(AlertStatus::New));
    assert_eq!(alert.machine_id.as_deref(), Some("12ee6dd8c833c8a052ea231ec1b19adaf497b625"));
    assert_eq!(
        page.context.as_deref(),
        Some("https://api.securitycenter.microsoft.com/api/$metadata#Alerts")
    );
    assert_lossless(&json(&read(ALERTS_PAGE)), &written(page));
}

/// The devices example answered for every "related machines" call: one device, decoded and lossless.
fn assert_machines_page(page: &Page<defender_sdk::Machine>) {
    assert_eq!(page.items.len(), 1);
    let machine = &page.items[0];
    assert_eq!(machine.id, "1e5bc9d7e413ddd7902c2932e418702b84d0cc07");
    assert_eq!(machine.computer_dns_name.as_deref(), Some("mymachine1.contoso.com"));
    assert_eq!(machine.health_status, Some(MachineHealthStatus::Active));
    assert_eq!(text(machine.last_seen).as_deref(), Some("2018-08-02T14:55:03.7791856Z"));
    assert_lossless(&json(&read(MACHINES_PAGE)), &written(page));
}

// Files

#[tokio::test]
async fn a_file_is_read_by_its_sha1() {
    let server = server().await;
    let body = fixture("get-file-information.response.json");
    serve_get(&server, "/api/files/4388963aaa83afe2042a46a3c017ad50bdcdafb3", &[], &body).await;

    let file = defender_client(&server)
        .files()
        .get("4388963aaa83afe2042a46a3c017ad50bdcdafb3")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(file.sha1, "4388963aaa83afe2042a46a3c017ad50bdcdafb3");
    assert_eq!(
        file.sha256.as_deref(),
        Some("413c58c8267d2c8648d8f6384bacc2ae9c929b2b96578b6860b5087cd1bd6462")
    );
    assert_eq!(file.md5, None);
    assert_eq!(file.global_prevalence, Some(180_022));
    assert_eq!(text(file.global_first_observed).as_deref(), Some("2017-09-19T03:51:27.6785431Z"));
    assert_eq!(text(file.global_last_observed).as_deref(), Some("2020-01-06T03:59:21.3229314Z"));
    assert_eq!(file.size, Some(22_139_496));
    assert_eq!(file.is_pe_file, Some(true));
    assert_eq!(file.is_valid_certificate, Some(false));
    assert_eq!(file.determination_type.as_deref(), Some("Pua"));
    assert_eq!(file.determination_value.as_deref(), Some("PUA:Win32/FusionCore"));
    assert_eq!(
        context(&file.annotations),
        Some("https://api.security.microsoft.com/api/$metadata#Files/$entity")
    );
    assert!(file.additional_properties.is_empty(), "{:?}", file.additional_properties);
    assert_lossless(&json(&body), &written(&file));
}

#[test]
fn the_file_resource_example_decodes_without_loss() {
    let body = fixture("files.resource.json");
    let file: File = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.sha1, "4388963aaa83afe2042a46a3c017ad50bdcdafb3");
    assert_eq!(file.file_type.as_deref(), Some("APP"));
    assert_eq!(file.signer_hash.as_deref(), Some("6c3245d4a9bc0244d99dff27af259cbbae2e2d16"));
    assert!(file.annotations.is_empty());
    assert!(file.additional_properties.is_empty(), "{:?}", file.additional_properties);
    assert_lossless(&json(&body), &written(&file));
}

#[tokio::test]
async fn the_alerts_related_to_a_file_are_listed() {
    let server = server().await;
    serve_get(&server, "/api/files/6532ec91d513acc05f43ee0aa3002599729fd3e1/alerts", &[], &read(ALERTS_PAGE))
        .await;

    let page = defender_client(&server)
        .files()
        .get("6532ec91d513acc05f43ee0aa3002599729fd3e1")
        .alerts()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_alerts_page(&page);
}

#[tokio::test]
async fn the_machines_related_to_a_file_are_listed() {
    let server = server().await;
    let api_path = "/api/files/1e5bc9d7e413ddd7902c2932e418702b84d0cc07/machines";
    serve_get(&server, api_path, &[], &read(MACHINES_PAGE)).await;

    let page = defender_client(&server)
        .files()
        .get("1e5bc9d7e413ddd7902c2932e418702b84d0cc07")
        .machines()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_machines_page(&page);
}

#[tokio::test]
async fn file_statistics_send_look_back_hours_as_a_query_option() {
    let server = server().await;
    let body = fixture("get-file-statistics.response.json");
    let api_path = "/api/files/0991a395da64e1c5fbe8732ed11e6be064081d9f/stats";
    serve_get(&server, api_path, &[("lookBackHours", "48")], &body).await;

    let stats = defender_client(&server)
        .files()
        .get("0991a395da64e1c5fbe8732ed11e6be064081d9f")
        .stats(Some(48))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(stats.sha1.as_deref(), Some("0991a395da64e1c5fbe8732ed11e6be064081d9f"));
    assert_eq!(stats.organization_prevalence, Some(14_850));
    assert_eq!(stats.globally_prevalence, Some(705_012));
    assert_eq!(text(stats.org_first_seen).as_deref(), Some("2019-12-07T13:44:16Z"));
    assert_eq!(text(stats.global_first_observed).as_deref(), Some("2015-03-19T12:20:07.3432441Z"));
    assert_eq!(stats.top_file_names, Some(vec!["MREC.exe".to_owned()]));
    assert_lossless(&json(&body), &written(&stats));

    let requests = server.received_requests().await.unwrap_or_default();
    let api_request = requests.iter().find(|r| r.url.path().starts_with("/api/"));
    let url = api_request.map(|r| format!("{}?{}", r.url.path(), r.url.query().unwrap_or_default()));
    assert_eq!(
        url.as_deref(),
        Some("/api/files/0991a395da64e1c5fbe8732ed11e6be064081d9f/stats?lookBackHours=48")
    );
}

#[tokio::test]
async fn file_statistics_without_look_back_hours_send_no_query() {
    let server = server().await;
    let body = fixture("get-file-statistics.response.json");
    serve_get(&server, "/api/files/0991a395da64e1c5fbe8732ed11e6be064081d9f/stats", &[], &body).await;

    let stats = defender_client(&server)
        .files()
        .get("0991a395da64e1c5fbe8732ed11e6be064081d9f")
        .stats(None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(stats.organization_prevalence, Some(14_850));
    let requests = server.received_requests().await.unwrap_or_default();
    let api_request = requests.iter().find(|r| r.url.path().starts_with("/api/"));
    assert_eq!(api_request.map(|r| r.url.query()), Some(None), "no query string at all");
}

// IP addresses

#[tokio::test]
async fn the_alerts_related_to_an_ip_are_listed() {
    let server = server().await;
    serve_get(&server, "/api/ips/10.209.67.177/alerts", &[], &read(ALERTS_PAGE)).await;

    let page = defender_client(&server)
        .ips()
        .get("10.209.67.177")
        .alerts()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_alerts_page(&page);
}

#[tokio::test]
async fn ip_statistics_send_look_back_hours_as_a_query_option() {
    let server = server().await;
    let body = fixture("get-ip-statistics.response.json");
    serve_get(&server, "/api/ips/10.209.67.177/stats", &[("lookBackHours", "48")], &body).await;

    let stats = defender_client(&server)
        .ips()
        .get("10.209.67.177")
        .stats(Some(48))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(stats.ip_address.as_deref(), Some("10.209.67.177"));
    assert_eq!(stats.organization_prevalence, Some(63_515));
    assert_eq!(text(stats.org_first_seen).as_deref(), Some("2017-07-30T13:36:06Z"));
    assert_eq!(text(stats.org_last_seen).as_deref(), Some("2017-08-29T13:32:59Z"));
    assert_eq!(
        context(&stats.annotations),
        Some(
            "https://api.security.microsoft.com/api/$metadata#microsoft.windowsDefenderATP.api.InOrgIPStats"
        )
    );
    assert_lossless(&json(&body), &written(&stats));
}

// Domains

#[tokio::test]
async fn the_alerts_related_to_a_domain_are_listed() {
    let server = server().await;
    serve_get(&server, "/api/domains/client.wns.windows.com/alerts", &[], &read(ALERTS_PAGE)).await;

    let page = defender_client(&server)
        .domains()
        .get("client.wns.windows.com")
        .alerts()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_alerts_page(&page);
}

#[tokio::test]
async fn the_machines_related_to_a_domain_are_listed() {
    let server = server().await;
    serve_get(&server, "/api/domains/api.securitycenter.microsoft.com/machines", &[], &read(MACHINES_PAGE))
        .await;

    let page = defender_client(&server)
        .domains()
        .get("api.securitycenter.microsoft.com")
        .machines()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_machines_page(&page);
}

#[tokio::test]
async fn domain_statistics_send_look_back_hours_as_a_query_option() {
    let server = server().await;
    let body = fixture("get-domain-statistics.response.json");
    serve_get(&server, "/api/domains/example.com/stats", &[("lookBackHours", "48")], &body).await;

    let stats = defender_client(&server)
        .domains()
        .get("example.com")
        .stats(Some(48))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(stats.host.as_deref(), Some("example.com"));
    assert_eq!(stats.organization_prevalence, Some(4_070));
    assert_eq!(text(stats.org_first_seen).as_deref(), Some("2017-07-30T13:23:48Z"));
    assert_eq!(text(stats.org_last_seen).as_deref(), Some("2017-08-29T13:09:05Z"));
    assert_lossless(&json(&body), &written(&stats));
}

// Users

#[tokio::test]
async fn the_alerts_related_to_a_user_are_listed_by_account_name() {
    let server = server().await;
    serve_get(&server, "/api/users/user1/alerts", &[], &read(ALERTS_PAGE)).await;

    let page = defender_client(&server)
        .users()
        .get("user1")
        .alerts()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_alerts_page(&page);
}

#[tokio::test]
async fn the_machines_related_to_a_user_are_listed_by_account_name() {
    let server = server().await;
    serve_get(&server, "/api/users/user1/machines", &[], &read(MACHINES_PAGE)).await;

    let page = defender_client(&server)
        .users()
        .get("user1")
        .machines()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_machines_page(&page);
}

// Vulnerabilities

#[tokio::test]
async fn vulnerabilities_are_listed() {
    let server = server().await;
    let body = fixture("get-all-vulnerabilities.response.json");
    serve_get(&server, "/api/vulnerabilities", &[], &body).await;

    let page = defender_client(&server)
        .vulnerabilities()
        .list()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let cve = &page.items[0];
    assert_eq!(cve.id, "CVE-2024-7256");
    assert_eq!(cve.severity, Some(VulnerabilitySeverity::High));
    assert_eq!(cve.cvss_v3, Some(8.0));
    assert_eq!(
        cve.cvss_vector.as_deref(),
        Some("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C")
    );
    assert_eq!(cve.exposed_machines, Some(23));
    assert_eq!(text(cve.published_on).as_deref(), Some("2024-07-30T00:00:00Z"));
    assert_eq!(text(cve.first_detected).as_deref(), Some("2024-07-31T01:55:47Z"));
    assert_eq!(cve.public_exploit, Some(false));
    assert_eq!(cve.exploit_types, Some(vec![]));
    assert_eq!(cve.cve_supportability.as_deref(), Some("Supported"));
    assert_eq!(cve.tags, Some(vec![]));
    assert_eq!(cve.epss, Some(0.632));
    assert!(cve.additional_properties.is_empty(), "{:?}", cve.additional_properties);
    assert_eq!(
        page.context.as_deref(),
        Some("https://api.securitycenter.microsoft.com/api/$metadata#Vulnerabilities")
    );
    assert!(page.next_link.is_none());
    assert_lossless(&json(&body), &written(&page));
}

#[tokio::test]
async fn a_vulnerability_is_read_by_its_cve_id() {
    let server = server().await;
    let body = fixture("get-vulnerability-by-id.response.json");
    serve_get(&server, "/api/vulnerabilities/CVE-2019-0608", &[], &body).await;

    let cve = defender_client(&server)
        .vulnerabilities()
        .get("CVE-2019-0608")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(cve.id, "CVE-2019-0608");
    assert_eq!(cve.name.as_deref(), Some("CVE-2019-0608"));
    assert_eq!(cve.severity, Some(VulnerabilitySeverity::Medium));
    assert_eq!(cve.cvss_v3, Some(4.3));
    assert_eq!(cve.exposed_machines, Some(4));
    assert_eq!(text(cve.updated_on).as_deref(), Some("2019-12-16T16:20:00Z"));
    assert_eq!(cve.exploit_uris, Some(vec![]));
    assert_eq!(cve.first_detected, None);
    assert_eq!(
        context(&cve.annotations),
        Some("https://api.securitycenter.microsoft.com/api/$metadata#Vulnerabilities/$entity")
    );
    assert_lossless(&json(&body), &written(&cve));
}

#[tokio::test]
async fn the_machines_exposed_to_a_vulnerability_are_listed() {
    let server = server().await;
    let body = fixture("get-machines-by-vulnerability.response.json");
    serve_get(&server, "/api/vulnerabilities/CVE-2019-0608/machineReferences", &[], &body).await;

    let page = defender_client(&server)
        .vulnerabilities()
        .get("CVE-2019-0608")
        .machine_references()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let ids: Vec<_> = page.items.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["235a2e6278c63fcf85bab9c370396972c58843de", "afb3f807d1a185ac66668f493af028385bfca184"]);
    // The trailing space is the service's.
    assert_eq!(page.items[1].computer_dns_name.as_deref(), Some("chat_Desk "));
    assert!(page.items.iter().all(|m| m.os_platform.as_deref() == Some("Windows10")));
    assert!(page.items.iter().all(|m| m.rbac_group_name.as_deref() == Some("GroupTwo")));
    assert_lossless(&json(&body), &written(&page));
}

#[tokio::test]
async fn vulnerabilities_per_machine_are_listed() {
    let server = server().await;
    let body = fixture("get-all-vulnerabilities-by-machines.response.json");
    serve_get(&server, "/api/vulnerabilities/machinesVulnerabilities", &[], &body).await;

    let page = defender_client(&server)
        .vulnerabilities()
        .machines_vulnerabilities()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 2);
    let [first, second] = [&page.items[0], &page.items[1]];
    assert_eq!(
        first.id,
        "5afa3afc92a7c63d4b70129e0a6f33f63a427e21-_-CVE-2020-6494-_-microsoft-_-edge_chromium-based-_-81.0.416.77-_-"
    );
    assert_eq!(first.cve_id.as_deref(), Some("CVE-2020-6494"));
    assert_eq!(first.machine_id.as_deref(), Some("5afa3afc92a7c63d4b70129e0a6f33f63a427e21"));
    assert_eq!(first.fixing_kb_id, None);
    assert_eq!(first.product_version.as_deref(), Some("81.0.416.77"));
    assert_eq!(second.fixing_kb_id.as_deref(), Some("3185911"));
    assert_eq!(second.product_name.as_deref(), Some("windows_server_2012_r2"));
    assert!(page.items.iter().all(|v| v.severity == Some(VulnerabilitySeverity::Low)));
    assert_lossless(&json(&body), &written(&page));
}

#[tokio::test]
async fn vulnerabilities_per_machine_take_filter_and_top() {
    let server = server().await;
    let body = fixture("get-all-vulnerabilities-by-machines.response.json");
    let query = [("$filter", "productVendor eq 'microsoft'"), ("$top", "10000")];
    serve_get(&server, "/api/vulnerabilities/machinesVulnerabilities", &query, &body).await;

    let items = defender_client(&server)
        .vulnerabilities()
        .machines_vulnerabilities()
        .filter("productVendor eq 'microsoft'")
        .top(10_000)
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|v| v.product_vendor.as_deref() == Some("microsoft")));
}

// Software

#[tokio::test]
async fn the_software_inventory_is_listed() {
    let server = server().await;
    let body = fixture("get-software.response.json");
    serve_get(&server, "/api/Software", &[], &body).await;

    let page =
        defender_client(&server).software().list().first_page().await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let edge = &page.items[0];
    assert_eq!(edge.id, "microsoft-_-edge");
    assert_eq!(edge.name.as_deref(), Some("edge"));
    assert_eq!(edge.vendor.as_deref(), Some("microsoft"));
    assert_eq!(edge.weaknesses, Some(467));
    assert_eq!(edge.public_exploit, Some(true));
    assert_eq!(edge.active_alert, Some(false));
    assert_eq!(edge.exposed_machines, Some(172));
    assert_eq!(edge.impact_score, Some(2.39947438));
    assert_eq!(page.context.as_deref(), Some("https://api.security.microsoft.com/api/$metadata#Software"));
    assert_lossless(&json(&body), &written(&page));
}

#[tokio::test]
async fn a_software_product_is_read_by_id() {
    let server = server().await;
    let body = fixture("get-software-by-id.response.json");
    serve_get(&server, "/api/Software/microsoft-_-edge", &[], &body).await;

    let edge =
        defender_client(&server).software().get("microsoft-_-edge").await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(edge.id, "microsoft-_-edge");
    assert_eq!(edge.weaknesses, Some(467));
    assert_eq!(edge.impact_score, Some(2.39947438));
    assert_eq!(
        context(&edge.annotations),
        Some("https://api.security.microsoft.com/api/$metadata#Software/$entity")
    );
    assert_lossless(&json(&body), &written(&edge));
}

#[tokio::test]
async fn the_version_distribution_of_a_software_product_is_listed() {
    let server = server().await;
    let body = fixture("get-software-ver-distribution.response.json");
    serve_get(&server, "/api/Software/microsoft-_-edge/distributions", &[], &body).await;

    let page = defender_client(&server)
        .software()
        .get("microsoft-_-edge")
        .distributions()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let rows: Vec<_> =
        page.items.iter().map(|d| (d.version.as_deref(), d.installations, d.vulnerabilities)).collect();
    assert_eq!(
        rows,
        [(Some("11.0.17134.1039"), Some(1), Some(11)), (Some("11.0.18363.535"), Some(750), Some(0))]
    );
    assert_lossless(&json(&body), &written(&page));
}

#[tokio::test]
async fn the_machines_with_a_software_product_are_listed() {
    let server = server().await;
    let body = fixture("get-machines-by-software.response.json");
    serve_get(&server, "/api/Software/microsoft-_-edge/machineReferences", &[], &body).await;

    let page = defender_client(&server)
        .software()
        .get("microsoft-_-edge")
        .machine_references()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let names: Vec<_> = page.items.iter().map(|m| m.computer_dns_name.as_deref()).collect();
    assert_eq!(names, [Some("dave_desktop"), Some("jane_PC")]);
    assert_eq!(page.items[0].id, "7c7e1896fa39efb0a32a2cf421d837af1b9bf762");
    assert_lossless(&json(&body), &written(&page));
}

#[tokio::test]
async fn the_vulnerabilities_of_a_software_product_are_listed() {
    let server = server().await;
    let body = fixture("get-vuln-by-software.response.json");
    serve_get(&server, "/api/Software/microsoft-_-edge/vulnerabilities", &[], &body).await;

    let page = defender_client(&server)
        .software()
        .get("microsoft-_-edge")
        .vulnerabilities()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let cve = &page.items[0];
    assert_eq!(cve.id, "CVE-2017-0140");
    assert_eq!(cve.severity, Some(VulnerabilitySeverity::Medium));
    assert_eq!(cve.cvss_v3, Some(4.2));
    assert_eq!(text(cve.updated_on).as_deref(), Some("2019-10-03T00:03:00Z"));
    assert_eq!(
        page.context.as_deref(),
        Some(
            "https://api.securitycenter.microsoft.com/api/$metadata#Collection(Analytics.Contracts.PublicAPI.PublicVulnerabilityDto)"
        )
    );
    assert_lossless(&json(&body), &written(&page));
}

#[tokio::test]
async fn the_missing_updates_of_a_software_product_are_listed() {
    let server = server().await;
    let body = fixture("get-missing-kbs-software.response.json");
    serve_get(&server, "/api/Software/microsoft-_-edge/getmissingkbs", &[], &body).await;

    let page = defender_client(&server)
        .software()
        .get("microsoft-_-edge")
        .getmissingkbs()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let kb = &page.items[0];
    assert_eq!(kb.id, "4540673");
    assert_eq!(kb.name.as_deref(), Some("March 2020 Security Updates"));
    assert_eq!(kb.products_names, Some(vec!["edge".to_owned()]));
    assert_eq!(
        kb.url.as_deref(),
        Some("https://catalog.update.microsoft.com/v7/site/Search.aspx?q=KB4540673")
    );
    assert_eq!(kb.machine_missed_on, Some(240));
    assert_eq!(kb.cve_addressed, Some(14));
    assert_lossless(&json(&body), &written(&page));
}

// Security recommendations

#[tokio::test]
async fn security_recommendations_are_listed() {
    let server = server().await;
    let body = fixture("get-all-recommendations.response.json");
    serve_get(&server, "/api/recommendations", &[], &body).await;

    let page = defender_client(&server)
        .recommendations()
        .list()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let rec = &page.items[0];
    assert_eq!(rec.id, "va-_-microsoft-_-edge_chromium-based");
    assert_eq!(
        rec.recommendation_name.as_deref(),
        Some("Update Microsoft Edge Chromium-based to version 127.0.2651.74")
    );
    assert_eq!(rec.weaknesses, Some(762));
    assert_eq!(rec.recommendation_category, Some(RecommendationCategory::Application));
    assert_eq!(rec.remediation_type, Some(RemediationType::Update));
    assert_eq!(rec.status, Some(RecommendationStatus::Active));
    assert_eq!(rec.severity_score, Some(0.0));
    assert_eq!(rec.exposure_impact, Some(1.1744086343876479), "17 significant digits, exactly");
    assert_eq!(rec.associated_threats, Some(vec!["71d9120e-7eea-4058-889a-1a60bbf7e312".to_owned()]));
    assert_eq!(rec.total_machine_count, Some(261));
    assert_eq!(rec.exposed_machines_count, Some(193));
    assert_eq!(rec.has_unpatchable_cve, Some(false));
    assert_eq!(rec.tags, Some(vec!["internetFacing".to_owned()]));
    assert_eq!(rec.exposed_critical_devices, Some(116));
    assert!(rec.additional_properties.is_empty(), "{:?}", rec.additional_properties);
    assert_lossless(&json(&body), &written(&page));
}

#[tokio::test]
async fn a_security_recommendation_is_read_by_id() {
    let server = server().await;
    let body = fixture("get-recommendation-by-id.response.json");
    serve_get(&server, "/api/recommendations/va-_-google-_-chrome", &[], &body).await;

    let rec = defender_client(&server)
        .recommendations()
        .get("va-_-google-_-chrome")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(rec.id, "va-_-google-_-chrome");
    assert_eq!(rec.product_name.as_deref(), Some("chrome"));
    assert_eq!(rec.recommended_version.as_deref(), Some(""));
    assert_eq!(rec.recommended_vendor, None);
    assert_eq!(rec.associated_threats, Some(vec![]));
    assert_eq!(rec.exposure_impact, Some(3.9441860465116285), "17 significant digits, exactly");
    assert_eq!(rec.exposed_machines_count, Some(5));
    assert_eq!(rec.related_component.as_deref(), Some("Chrome"));
    assert_eq!(
        context(&rec.annotations),
        Some("https://api.securitycenter.microsoft.com/api/$metadata#Recommendations/$entity")
    );
    assert_lossless(&json(&body), &written(&rec));
}

#[tokio::test]
async fn the_software_of_a_security_recommendation_is_read() {
    let server = server().await;
    let body = fixture("list-recommendation-software.response.json");
    serve_get(&server, "/api/recommendations/va-_-google-_-chrome/software", &[], &body).await;

    let software = defender_client(&server)
        .recommendations()
        .get("va-_-google-_-chrome")
        .software()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(software.id, "google-_-chrome");
    assert_eq!(software.vendor.as_deref(), Some("google"));
    assert_eq!(software.weaknesses, Some(38));
    assert_eq!(software.exposed_machines, Some(5));
    assert_eq!(software.impact_score, Some(3.94418621));
    assert_lossless(&json(&body), &written(&software));
}

#[tokio::test]
async fn the_machines_of_a_security_recommendation_are_listed() {
    let server = server().await;
    let body = fixture("get-recommendation-machines.response.json");
    serve_get(&server, "/api/recommendations/va-_-google-_-chrome/machineReferences", &[], &body).await;

    let page = defender_client(&server)
        .recommendations()
        .get("va-_-google-_-chrome")
        .machine_references()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, "e058770379bc199a9c179ce52a23e16fd44fd2ee");
    assert_eq!(page.items[0].computer_dns_name.as_deref(), Some("niw_pc"));
    assert_eq!(
        page.context.as_deref(),
        Some("https://api.securitycenter.microsoft.com/api/$metadata#MachineReferences")
    );
    assert_lossless(&json(&body), &written(&page));
}

#[tokio::test]
async fn the_vulnerabilities_of_a_security_recommendation_are_listed() {
    let server = server().await;
    let body = fixture("get-recommendation-vulnerabilities.response.json");
    serve_get(&server, "/api/recommendations/va-_-google-_-chrome/vulnerabilities", &[], &body).await;

    let page = defender_client(&server)
        .recommendations()
        .get("va-_-google-_-chrome")
        .vulnerabilities()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let cve = &page.items[0];
    assert_eq!(cve.id, "CVE-2019-13748");
    assert_eq!(cve.severity, Some(VulnerabilitySeverity::Medium));
    assert_eq!(cve.cvss_v3, Some(6.5));
    assert_eq!(cve.exposed_machines, Some(0));
    assert_eq!(text(cve.published_on).as_deref(), Some("2019-12-10T00:00:00Z"));
    assert_lossless(&json(&body), &written(&page));
}

// Remediation activities

#[tokio::test]
async fn remediation_activities_are_listed() {
    let server = server().await;
    let body = fixture("get-remediation-all-activities.response.json");
    serve_get(&server, "/api/remediationTasks", &[], &body).await;

    let page = defender_client(&server)
        .remediation_tasks()
        .list()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let task = &page.items[0];
    assert_eq!(task.id, "03942ef5-aewb-4w6e-b555-d6a97013844w");
    assert_eq!(task.title.as_deref(), Some("Update Microsoft Silverlight"));
    assert_eq!(task.status, Some(RemediationActivityStatus::Active));
    assert_eq!(task.priority, Some(RemediationActivityPriority::Medium));
    assert_eq!(task.r#type, Some(RemediationType::Update));
    assert_eq!(task.target_devices, Some(18_511));
    assert_eq!(task.fixed_devices, Some(2_866));
    assert_eq!(task.rbac_group_names, Some(vec!["UnassignedGroup".to_owned(), "hhh".to_owned()]));
    assert_eq!(text(task.created_on).as_deref(), Some("2021-02-10T13:20:36.4718166Z"));
    assert_eq!(text(task.due_on).as_deref(), Some("2021-02-11T00:00:00Z"));
    assert_eq!(task.category.as_deref(), Some("Software"));
    assert_eq!(task.completion_method, None);
    assert_eq!(
        page.context.as_deref(),
        Some("https://api.securitycenter.windows.com/api/$metadata#RemediationTasks")
    );
    assert_lossless(&json(&body), &written(&page));
}

#[tokio::test]
async fn a_remediation_activity_is_read_by_id() {
    let server = server().await;
    let body = fixture("get-remediation-one-activity.response.json");
    serve_get(&server, "/api/remediationTasks/03942ef5-aecb-4c6e-b555-d6a97013844c", &[], &body).await;

    let task = defender_client(&server)
        .remediation_tasks()
        .get("03942ef5-aecb-4c6e-b555-d6a97013844c")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(task.id, "03942ef5-aecb-4c6e-b555-d6a97013844c");
    assert_eq!(task.requester_email.as_deref(), Some("user1@contoso.com"));
    assert_eq!(task.status, Some(RemediationActivityStatus::Active));
    assert_eq!(text(task.status_last_modified_on).as_deref(), Some("2021-02-10T13:20:36.4719698Z"));
    assert_eq!(task.product_id.as_deref(), Some("microsoft-_-silverlight"));
    assert_eq!(task.name_id.as_deref(), Some("silverlight"));
    assert_eq!(task.scid, None);
    assert_lossless(&json(&body), &written(&task));
}

#[tokio::test]
async fn the_exposed_machines_of_a_remediation_activity_are_listed() {
    let server = server().await;
    let body = fixture("get-remediation-exposed-devices-activities.response.json");
    let api_path = "/api/remediationTasks/03942ef5-aecb-4c6e-b555-d6a97013844c/machineReferences";
    serve_get(&server, api_path, &[], &body).await;

    let page = defender_client(&server)
        .remediation_tasks()
        .get("03942ef5-aecb-4c6e-b555-d6a97013844c")
        .machine_references()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let platforms: Vec<_> = page.items.iter().map(|m| m.os_platform.as_deref()).collect();
    assert_eq!(
        platforms,
        [
            Some("WindowsServer2016"),
            Some("WindowsServer2012R2"),
            Some("WindowsServer2016"),
            Some("WindowsServer2012R2")
        ]
    );
    assert_eq!(page.items[3].id, "3bad326dcda5b53fab47408cd4a7080f3f3cc8ab");
    assert!(page.items.iter().all(|m| m.rbac_group_name.as_deref() == Some("UnassignedGroup")));
    assert_lossless(&json(&body), &written(&page));
}

// Security baselines assessment

#[tokio::test]
async fn baseline_profiles_are_listed() {
    let server = server().await;
    let body = fixture("get-security-baselines-assessment-profiles.response.json");
    serve_get(&server, "/api/baselineProfiles", &[], &body).await;

    let page = defender_client(&server)
        .baseline_profiles()
        .list()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let profile = &page.items[0];
    assert_eq!(profile.id, "02bcbb9d-d197-479e-811e-1cd5a6f9f8fa");
    assert_eq!(profile.name.as_deref(), Some("Windows 10 build 1909 CIS profile"));
    assert_eq!(profile.benchmark.as_deref(), Some("CIS"));
    assert_eq!(profile.operating_system_version.as_deref(), Some("1909"));
    assert_eq!(profile.status, Some(true));
    assert_eq!(profile.settings_number, Some(51));
    assert_eq!(profile.last_updated_by, None);
    assert_eq!(text(profile.created_on_timestamp_utc).as_deref(), Some("0001-01-01T00:00:00Z"));
    assert_eq!(text(profile.last_update_timestamp_utc).as_deref(), Some("0001-01-01T00:00:00Z"));
    assert_eq!(profile.passed_devices, Some(0));
    assert_eq!(profile.total_devices, Some(10));
    assert!(profile.additional_properties.is_empty(), "{:?}", profile.additional_properties);
    assert_lossless(&json(&body), &written(&page));
}

#[tokio::test]
async fn baseline_configurations_are_listed() {
    let server = server().await;
    let body = fixture("get-security-baselines-assessment-configurations.response.json");
    serve_get(&server, "/api/baselineConfigurations", &[], &body).await;

    let page = defender_client(&server)
        .baseline_configurations()
        .list()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let config = &page.items[0];
    assert_eq!(config.unique_id, "CIS_1.4.0-windows_server_2016_9.3.9");
    assert_eq!(config.id.as_deref(), Some("9.3.9"));
    assert_eq!(config.benchmark_version.as_deref(), Some("1.4.0-windows_server_2016"));
    assert_eq!(config.category.as_deref(), Some("Public Profile"));
    assert_eq!(config.compliance_levels.as_ref().map(Vec::len), Some(4));
    assert_eq!(config.cce.as_deref(), Some("CCE-35116-3"));
    assert_eq!(config.recommended_value, Some(vec!["Equals '1'".to_owned()]));
    assert_eq!(
        config.source,
        Some(vec![
            "hkey_local_machine\\software\\policies\\microsoft\\windowsfirewall\\publicprofile\\logging\\logdroppedpackets"
                .to_owned()
        ])
    );
    assert_eq!(config.is_custom, Some(false));
    // The page's context has surrounding spaces; they are kept.
    assert_eq!(
        page.context.as_deref(),
        Some(" https://api-df.securitycenter.microsoft.com/api/$metadata#BaselineConfigurations ")
    );
    assert_lossless(&json(&body), &written(&page));
}

// Authenticated scans

#[tokio::test]
async fn scan_definitions_are_listed_with_their_authentication_parameters() {
    let server = server().await;
    let body = fixture("get-all-scan-definitions.response.json");
    serve_get(&server, "/api/DeviceAuthenticatedScanDefinitions", &[], &body).await;

    let page = defender_client(&server)
        .device_authenticated_scan_definitions()
        .list()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 2);
    let [windows, network] = [&page.items[0], &page.items[1]];
    assert_eq!(windows.id, "60c4vv57-asdf-3454-a456-2e45t9d79ec9d");
    assert_eq!(windows.scan_type, Some(ScanType::Windows));
    assert_eq!(windows.scan_name.as_deref(), Some("Test Windows scan"));
    assert_eq!(windows.interval_in_hours, Some(1));
    assert_eq!(windows.target_type.as_deref(), Some("Ip"));
    // `@odata.type` picks the derived type, with the members only it declares.
    let Some(AnyScanAuthenticationParams::WindowsAuthParams(auth)) =
        windows.scan_authentication_params.as_ref()
    else {
        panic!("expected WindowsAuthParams: {:?}", windows.scan_authentication_params)
    };
    assert_eq!(auth.r#type, Some(ScanAuthenticationType::Kerberos));
    assert_eq!(auth.username.as_deref(), Some("username"));
    let agent = windows.scanner_agent.as_ref();
    assert_eq!(agent.and_then(|a| a.machine_name.as_deref()), Some("DESKTOP-TEST"));
    assert_eq!(text(agent.and_then(|a| a.last_seen)).as_deref(), Some("2021-12-19T20:29:04.8242449Z"));
    let latest = windows.latest_scan.as_ref();
    assert_eq!(latest.and_then(|l| l.status.as_deref()), Some("Fail"));
    assert_eq!(
        text(latest.and_then(|l| l.execution_date_time)).as_deref(),
        Some("2021-12-19T20:06:55.2295854Z")
    );

    assert_eq!(network.scan_type, Some(ScanType::Network));
    let Some(AnyScanAuthenticationParams::SnmpAuthParams(auth)) = network.scan_authentication_params.as_ref()
    else {
        panic!("expected SnmpAuthParams: {:?}", network.scan_authentication_params)
    };
    assert_eq!(auth.r#type, Some(ScanAuthenticationType::AuthPriv));
    assert_eq!(
        auth.annotations.get("@odata.type"),
        Some(&Value::from("#microsoft.windowsDefenderATP.api.SnmpAuthParams"))
    );
    assert_lossless(&json(&body), &written(&page));
}

#[tokio::test]
async fn scan_definitions_are_deleted_in_a_batch() {
    let server = server().await;
    let request = fixture("add-a-new-scan-definition.batch-delete-request.json");
    serve_post(&server, "/api/DeviceAuthenticatedScanDefinitions/BatchDelete", &request, 200, "").await;

    defender_client(&server)
        .device_authenticated_scan_definitions()
        .batch_delete(vec![
            "td32f17af-5cc2-4e4e-964a-4c4ef7d216e2".to_owned(),
            "ab32g20af-5dd2-4a5e-954a-4c4ef7d216e2".to_owned(),
        ])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // `expect(1)` with `body_json` is verified when the server drops: the exact body was sent.
}

#[tokio::test]
async fn scan_history_is_listed_by_scan_definition() {
    let server = server().await;
    let request = fixture("Get-scan-history-by-definition.request.json");
    let body = fixture("Get-scan-history-by-definition.response.json");
    let api_path = "/api/DeviceAuthenticatedScanDefinitions/GetScanHistoryByScanDefinitionId";
    serve_post(&server, api_path, &request, 200, &body).await;

    let history = defender_client(&server)
        .device_authenticated_scan_definitions()
        .get_scan_history_by_scan_definition_id(vec![
            "4ad8d463-6b3a-4894-b42a-a2de9ea0a8ae".to_owned(),
            "60c4aa57-c573-4488-8d18-230914792a92".to_owned(),
            "c6220f67-2cad-4ba3-a2fa-7ded6384da56".to_owned(),
        ])
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let ids: Vec<_> = history.iter().map(|h| h.scan_definition_ids.as_deref()).collect();
    assert_eq!(
        ids,
        [
            Some("4ad8d463-6b3a-4894-b42a-a2de9ea0a8ae"),
            Some("60c4aa57-c573-4488-8d18-230914792a92"),
            Some("c6220f67-2cad-4ba3-a2fa-7ded6384da56")
        ]
    );
    assert!(history.iter().all(|h| h.scan_status.as_deref() == Some("Partial Success")));
    assert!(
        history.iter().all(|h| h.scanner_id.as_deref() == Some("625431694b7d2ca9d07e77ca1b029ef216bebb6d"))
    );
    assert_eq!(text(history[0].last_scanned).as_deref(), Some("2022-12-20T11:14:24.5561791Z"));
    let original = json(&body);
    assert_lossless(&original["value"], &written(&history));
}

#[tokio::test]
async fn scan_history_is_listed_by_session() {
    let server = server().await;
    let request = fixture("Get-scan-history-by-session.request.json");
    let body = fixture("Get-scan-history-by-session.response.json");
    let api_path = "/api/DeviceAuthenticatedScanDefinitions/GetScanHistoryBySessionId";
    serve_post(&server, api_path, &request, 200, &body).await;

    let history = defender_client(&server)
        .device_authenticated_scan_definitions()
        .get_scan_history_by_session_id(vec!["01decc497f4b4ec49a5fc4e12597f8c8".to_owned()])
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(history.len(), 1);
    let session = &history[0];
    assert_eq!(session.org_id.as_deref(), Some("asdf781a0c-792d-46d3-bbea-a93dbc0bfcaa"));
    assert_eq!(session.session_ids.as_deref(), Some("01decc497f4b4ec49a5fc4e12597f8c8"));
    assert_eq!(session.scan_definition_ids.as_deref(), Some("4ad8d463-6b3a-4894-b42a-a2de9ea0a8ae"));
    assert_eq!(session.number_of_successfully_scanned_targets, Some(3));
    assert_eq!(session.number_of_targets, Some(3));
    assert_eq!(session.scan_status.as_deref(), Some("Success"));
    assert_eq!(text(session.last_scanned).as_deref(), Some("2022-12-19T15:14:24.5561791Z"));
    let targets = session.list_scanned_targets.as_deref().unwrap_or_default();
    let rows: Vec<_> = targets
        .iter()
        .map(|t| (t.ip.as_deref(), t.hostname.as_deref(), t.scan_duration.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            (Some("127.0.0.1"), Some("DESKTOP-Test"), Some("00:08:30")),
            (Some("127.0.0.2"), Some("DESKTOP-Test2"), Some("00:08:00")),
            (Some("127.0.0.3"), Some("DESKTOP-Test3"), Some("00:08:50")),
        ]
    );
    assert_eq!(targets[0].error_message.as_deref(), Some(""));
    let original = json(&body);
    assert_lossless(&original["value"], &written(&history));
}

#[tokio::test]
async fn scan_agents_are_listed() {
    let server = server().await;
    let body = fixture("get-all-scan-agents.response.json");
    serve_get(&server, "/api/DeviceAuthenticatedScanAgents", &[], &body).await;

    let page = defender_client(&server)
        .device_authenticated_scan_agents()
        .list()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 2);
    let agent = &page.items[1];
    assert_eq!(agent.id, "47d41a0c-1dfd-46d3-bbea-a93dbc0bfcaa_eb663a27ae9d032f61bc268oiu4c4b90f77");
    assert_eq!(agent.machine_id.as_deref(), Some("eb663a27ae9d032sdf9dfd79eedf14c4b90f77"));
    assert_eq!(agent.computer_dns_name.as_deref(), Some("TEST_DOMAIN2"));
    assert_eq!(text(agent.last_seen).as_deref(), Some("2022-12-19T20:29:04.8242449Z"));
    assert_eq!(agent.assigned_application_id.as_deref(), Some("9E0FA0EB-0A51-4357-9C87-C21BFBE07571"));
    assert_eq!(agent.scanner_software_version.as_deref(), Some("7.1.1"));
    assert_eq!(text(agent.last_command_execution_timestamp).as_deref(), Some("2022-12-19T20:29:04.8242449Z"));
    assert_eq!(agent.mde_client_version.as_deref(), Some("10.8295.22621.1010"));
    assert!(page.items.iter().all(|a| a.additional_properties.is_empty()));
    assert_eq!(
        page.context.as_deref(),
        Some("https://api-us.securitycenter.microsoft.com/api/$metadata#DeviceAuthenticatedScanAgents")
    );
    assert_lossless(&json(&body), &written(&page));
}

#[test]
fn the_scan_definitions_create_and_update_answer_decode_without_loss() {
    for (name, scan_name, active) in [
        ("add-a-new-scan-definition.add-response.json", "Test Windows scan", true),
        ("add-a-new-scan-definition.update-response.json", "Test Update Windows scan", false),
    ] {
        let body = fixture(name);
        let definition: ScanDefinition =
            serde_json::from_str(&body).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(definition.id, "289224fb-1686-472c-9751-5555960854ca", "{name}");
        assert_eq!(definition.scan_name.as_deref(), Some(scan_name), "{name}");
        assert_eq!(definition.is_active, Some(active), "{name}");
        assert_eq!(definition.scan_authentication_params, None, "{name}");
        let agent = definition.scanner_agent.as_ref();
        assert_eq!(
            agent.and_then(|a| a.assigned_application_id.as_deref()),
            Some("ae4a5cde-b4a1-4b76-8635-458b2cf15752")
        );
        assert_eq!(
            text(agent.and_then(|a| a.last_command_execution_timestamp)).as_deref(),
            Some("2023-01-04T09:33:16Z")
        );
        assert_eq!(definition.latest_scan.as_ref().and_then(|l| l.status.as_deref()), None, "{name}");
        assert_lossless(&json(&body), &written(&definition));
    }
}

/// The Windows authentication parameters both scan definition pages send.
fn windows_auth() -> AnyScanAuthenticationParamsInput {
    AnyScanAuthenticationParamsInput::WindowsAuthParams(WindowsAuthParamsInput {
        r#type: ScanAuthenticationType::Kerberos.into(),
        username: "username".to_owned().into(),
        domain: "password".to_owned().into(),
        is_gmsa_user: true.into(),
        ..Default::default()
    })
}

#[tokio::test]
async fn a_scan_definition_is_created_with_typed_authentication_parameters() {
    let server = server().await;
    let request = fixture("add-a-new-scan-definition.add-request.json");
    let response = fixture("add-a-new-scan-definition.add-response.json");
    serve_post(&server, "/api/DeviceAuthenticatedScanDefinitions", &request, 200, &response).await;

    let input = ScanDefinitionInput {
        scan_type: ScanType::Windows.into(),
        scan_name: "Test Windows scan".to_owned().into(),
        is_active: true.into(),
        target: "127.0.0.1".to_owned().into(),
        interval_in_hours: 1.into(),
        target_type: "Ip".to_owned().into(),
        scanner_agent: ScannerAgentInput {
            machine_id: "eb663a27ae9d032f61bc268a79eedf14c4b90f77".to_owned().into(),
            ..Default::default()
        }
        .into(),
        scan_authentication_params: windows_auth().into(),
        ..Default::default()
    };
    let created = defender_client(&server)
        .device_authenticated_scan_definitions()
        .create(&input)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no definition in the answer"));

    assert_eq!(created.scan_name.as_deref(), Some("Test Windows scan"));
    assert_lossless(&json(&response), &written(&created));
    // `body_json` with `expect(1)` verified the exact body, `@odata.type` included.
}

#[tokio::test]
async fn a_scan_definition_is_updated_with_only_the_fields_set() {
    let server = server().await;
    let request = fixture("add-a-new-scan-definition.update-request.json");
    let response = fixture("add-a-new-scan-definition.update-response.json");
    signed("PATCH", "/api/DeviceAuthenticatedScanDefinitions/289224fb-1686-472c-9751-5555960854ca")
        .and(header("content-type", "application/json"))
        .and(body_json(json(&request)))
        .respond_with(ResponseTemplate::new(200).set_body_raw(response.clone(), "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    let changes = ScanDefinitionInput {
        scan_name: "Test Update Windows scan".to_owned().into(),
        is_active: false.into(),
        target: "127.0.0.2,127.0.0.3".to_owned().into(),
        interval_in_hours: 1.into(),
        target_type: "Ip".to_owned().into(),
        scan_authentication_params: windows_auth().into(),
        ..Default::default()
    };
    let updated = defender_client(&server)
        .device_authenticated_scan_definitions()
        .get("289224fb-1686-472c-9751-5555960854ca")
        .update(&changes)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no definition in the answer"));

    assert_eq!(updated.is_active, Some(false));
    assert_lossless(&json(&response), &written(&updated));
}

#[tokio::test]
async fn a_scan_agent_is_read_by_id_even_wrapped_in_a_one_item_value() {
    let server = server().await;
    // `Get-agent-details.md` answers the read by key with the agent inside `"value": [ … ]`.
    let body = fixture("Get-agent-details.response.json");
    let id = "47df41a0c-asad-4fd6d3-bbea-a93dbc0bfcaa_4edd75b2407a5b64d704b4e53d74f15";
    serve_get(&server, &format!("/api/DeviceAuthenticatedScanAgents/{id}"), &[], &body).await;

    let agent = defender_client(&server)
        .device_authenticated_scan_agents()
        .get(id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(agent.id, id);
    assert_eq!(
        context(&agent.annotations),
        Some("https://api.security.microsoft.com/api/$metadata#DeviceAuthenticatedScanAgents/$entity"),
        "the envelope's context moves onto the entity"
    );
    let original = json(&body);
    assert_lossless(&original["value"][0], &written(&agent));
}
