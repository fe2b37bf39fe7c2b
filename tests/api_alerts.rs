//! Endpoints of the `alerts` area against a loopback server, with the reference pages' examples.

use defender_e2e::{TOKEN, assert_lossless, defender_client, mount_token_endpoint};
use defender_sdk::edm;
use defender_sdk::{
    AlertCategory, AlertClassification, AlertDetermination, AlertInput, AlertSeverity, AlertStatus,
    BatchUpdateBody, CreateAlertByReferenceBody, IndicatorAction, IndicatorInput, IndicatorSeverity,
    IndicatorSourceType, IndicatorType, InvestigationState, MachineHealthStatus,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/api/alerts/");

/// The text of a fixture of this area, as the page prints it.
fn fixture_text(name: &str) -> String {
    let path = format!("{FIXTURES}{name}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

/// A fixture of this area, parsed.
fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn to_json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| panic!("serialize: {e}"))
}

fn timestamp(text: &str) -> edm::DateTimeOffset {
    edm::DateTimeOffset::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn text_of(time: Option<edm::DateTimeOffset>) -> Option<String> {
    time.map(|t| t.to_string())
}

/// One expected call: the HTTP method, the path, every query option (no others may be sent)
/// and, for POST and PATCH, the exact JSON body.
struct Call<'a> {
    method: &'a str,
    path: &'a str,
    query: &'a [(&'a str, &'a str)],
    body: Option<Value>,
}

impl<'a> Call<'a> {
    fn new(method: &'a str, path: &'a str) -> Self {
        Self { method, path, query: &[], body: None }
    }

    fn query(mut self, query: &'a [(&'a str, &'a str)]) -> Self {
        self.query = query;
        self
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Mounts the call once on `server`, answering with `response`.
    async fn mount(self, server: &MockServer, response: ResponseTemplate) {
        let mut expected: Vec<(String, String)> =
            self.query.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
        expected.sort();
        let only_these_options = move |request: &Request| {
            let mut sent: Vec<(String, String)> = request.url.query_pairs().into_owned().collect();
            sent.sort();
            sent == expected
        };
        let mut mock = Mock::given(method(self.method))
            .and(path(self.path))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .and(only_these_options);
        for (name, value) in self.query {
            mock = mock.and(query_param(*name, *value));
        }
        if let Some(body) = self.body {
            mock = mock.and(header("content-type", "application/json")).and(body_json(body));
        }
        mock.respond_with(response).expect(1).mount(server).await;
    }
}

/// A 200 answer with a fixture's text as its JSON body.
fn ok_with(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture_text(name), "application/json")
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    server
}

// ---------------------------------------------------------------------------------------------
// Alerts
// ---------------------------------------------------------------------------------------------

/// The Process evidence of the reference alert, as `alerts.md` and `get-alerts.md` print it.
fn assert_reference_evidence(alert: &defender_sdk::Alert) {
    let evidence = alert.evidence.as_deref().unwrap_or_else(|| panic!("no evidence"));
    let kinds: Vec<_> = evidence.iter().map(|e| e.entity_type.as_deref()).collect();
    assert_eq!(kinds, [Some("User"), Some("Process"), Some("File")]);
    assert_eq!(evidence[0].user_sid.as_deref(), Some("S-1-5-21-11111607-1111760036-109187956-75141"));
    assert_eq!(evidence[0].detection_status, None);
    let process = &evidence[1];
    assert_eq!(process.process_id, Some(3276));
    assert_eq!(process.parent_process_id, Some(8420));
    assert_eq!(process.file_path.as_deref(), Some("C:\\Windows\\SysWOW64"));
    assert_eq!(
        process.process_command_line.as_deref(),
        Some("rundll32.exe  c:\\temp\\suspicious.dll,RepeatAfterMe")
    );
    assert_eq!(text_of(process.process_creation_time).as_deref(), Some("2021-01-26T20:31:32.9581596Z"));
    assert_eq!(process.parent_process_file_path.as_deref(), Some("C:\\Windows\\System32"));
    assert_eq!(process.detection_status.as_deref(), Some("Detected"));
    assert_eq!(evidence[2].file_name.as_deref(), Some("suspicious.dll"));
    assert_eq!(text_of(evidence[2].evidence_creation_time).as_deref(), Some("2021-01-26T20:33:58.42Z"));
}

/// The alert `da637472900382838869_1364969609` every alert page shows.
fn assert_reference_alert(alert: &defender_sdk::Alert) {
    assert_eq!(alert.id, "da637472900382838869_1364969609");
    assert_eq!(alert.incident_id, Some(1126093));
    assert_eq!(alert.investigation_id, None);
    assert_eq!(alert.assigned_to, None);
    assert_eq!(alert.severity, Some(AlertSeverity::Low));
    assert_eq!(alert.status, Some(AlertStatus::New));
    assert_eq!(alert.classification, None);
    assert_eq!(alert.determination, None);
    assert_eq!(alert.investigation_state, Some(InvestigationState::Queued));
    assert_eq!(alert.detection_source.as_deref(), Some("WindowsDefenderAtp"));
    assert_eq!(alert.detector_id.as_deref(), Some("17e10bbc-3a68-474a-8aad-faef14d43952"));
    assert_eq!(alert.category.as_deref(), Some("Execution"));
    assert_eq!(alert.title.as_deref(), Some("Low-reputation arbitrary code executed by signed executable"));
    assert_eq!(text_of(alert.alert_creation_time).as_deref(), Some("2021-01-26T20:33:57.7220239Z"));
    assert_eq!(text_of(alert.first_event_time).as_deref(), Some("2021-01-26T20:31:32.9562661Z"));
    assert_eq!(text_of(alert.last_event_time).as_deref(), Some("2021-01-26T20:31:33.0577322Z"));
    assert_eq!(text_of(alert.last_update_time).as_deref(), Some("2021-01-26T20:33:59.2Z"));
    assert_eq!(alert.resolved_time, None);
    assert_eq!(alert.machine_id.as_deref(), Some("111e6dd8c833c8a052ea231ec1b19adaf497b625"));
    assert_eq!(alert.computer_dns_name.as_deref(), Some("temp123.middleeast.corp.microsoft.com"));
    assert_eq!(alert.rbac_group_name.as_deref(), Some("A"));
    assert_eq!(alert.aad_tenant_id.as_deref(), Some("a839b112-1253-6432-9bf6-94542403f21c"));
    assert_eq!(
        alert.mitre_techniques.as_deref(),
        Some(&["T1064".to_owned(), "T1085".into(), "T1220".into()][..])
    );
    let user = alert.related_user.as_ref().unwrap_or_else(|| panic!("no related user"));
    assert_eq!((user.user_name.as_deref(), user.domain_name.as_deref()), (Some("temp123"), Some("DOMAIN")));
    let comments = alert.comments.as_deref().unwrap_or_default();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].comment.as_deref(), Some("test comment for docs"));
    assert_eq!(comments[0].created_by.as_deref(), Some("secop123@contoso.com"));
    assert_eq!(text_of(comments[0].created_time).as_deref(), Some("2021-01-26T01:00:37.8404534Z"));
    assert_reference_evidence(alert);
    assert!(alert.additional_properties.is_empty(), "undeclared: {:?}", alert.additional_properties);
}

/// The alert `da637308392288907382_-880718168` of the filtered examples, sent without evidence.
fn assert_meterpreter_alert(alert: &defender_sdk::Alert) {
    assert_eq!(alert.id, "da637308392288907382_-880718168");
    assert_eq!(alert.incident_id, Some(7587));
    assert_eq!(alert.investigation_id, Some(723156));
    assert_eq!(alert.assigned_to.as_deref(), Some("secop123@contoso.com"));
    assert_eq!(alert.classification, Some(AlertClassification::TruePositive));
    assert_eq!(alert.determination, None);
    assert_eq!(alert.detection_source.as_deref(), Some("WindowsDefenderAv"));
    assert_eq!(alert.category.as_deref(), Some("SuspiciousActivity"));
    assert_eq!(alert.threat_family_name.as_deref(), Some("Meterpreter"));
    assert_eq!(alert.detector_id, None);
    assert_eq!(text_of(alert.last_update_time).as_deref(), Some("2020-07-20T10:53:50.19Z"));
    assert_eq!(alert.rbac_group_name.as_deref(), Some("MiddleEast"));
    assert_eq!(alert.evidence.as_deref().map(<[_]>::len), Some(0));
}

#[tokio::test]
async fn list_alerts_decodes_the_first_get_alerts_example() {
    let name = "get-alerts.example-1.response.json";
    let server = server().await;
    Call::new("GET", "/api/alerts").mount(&server, ok_with(name)).await;

    let page = defender_client(&server).alerts().list().first_page().await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(
        page.context.as_deref(),
        Some("https://api.securitycenter.microsoft.com/api/$metadata#Alerts")
    );
    assert!(page.next_link.is_none());
    assert_eq!(page.items.len(), 1);
    assert_meterpreter_alert(&page.items[0]);
    assert_eq!(page.items[0].severity, Some(AlertSeverity::Low));
    assert_eq!(page.items[0].status, Some(AlertStatus::New));
    assert_lossless(&fixture_json(name), &to_json(&page));
}

#[tokio::test]
async fn list_alerts_with_top_and_expanded_evidence_decodes_the_second_get_alerts_example() {
    let name = "get-alerts.example-2.response.json";
    let server = server().await;
    Call::new("GET", "/api/alerts")
        .query(&[("$top", "10"), ("$expand", "evidence")])
        .mount(&server, ok_with(name))
        .await;

    let alerts = defender_client(&server)
        .alerts()
        .list()
        .top(10)
        .expand(["evidence"])
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(alerts.len(), 1);
    assert_reference_alert(&alerts[0]);
    assert_lossless(&fixture_json(name)["value"], &to_json(&alerts));
}

#[tokio::test]
async fn list_alerts_with_expanded_evidence_decodes_the_odata_samples_first_example() {
    let name = "exposed-apis-odata-samples.example-1.response.json";
    let server = server().await;
    Call::new("GET", "/api/alerts")
        .query(&[("$top", "10"), ("$expand", "evidence")])
        .mount(&server, ok_with(name))
        .await;

    let page = defender_client(&server)
        .alerts()
        .list()
        .top(10)
        .expand(["evidence"])
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    assert_reference_alert(&page.items[0]);
    assert_lossless(&fixture_json(name), &to_json(&page));
}

#[tokio::test]
async fn list_alerts_filtered_by_last_update_time_decodes_the_odata_samples_second_example() {
    let name = "exposed-apis-odata-samples.example-2.response.json";
    let server = server().await;
    Call::new("GET", "/api/alerts")
        .query(&[("$filter", "lastUpdateTime ge 2019-11-22T00:00:00Z")])
        .mount(&server, ok_with(name))
        .await;

    let page = defender_client(&server)
        .alerts()
        .list()
        .filter("lastUpdateTime ge 2019-11-22T00:00:00Z")
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    assert_meterpreter_alert(&page.items[0]);
    let comments = page.items[0].comments.as_deref().unwrap_or_default();
    assert_eq!(text_of(comments[0].created_time).as_deref(), Some("2020-07-21T01:00:37.8404534Z"));
    assert_lossless(&fixture_json(name), &to_json(&page));
}

#[tokio::test]
async fn get_alert_by_id_decodes_the_alert_with_its_evidence() {
    let name = "alerts.response.json";
    let server = server().await;
    Call::new("GET", "/api/alerts/da637472900382838869_1364969609").mount(&server, ok_with(name)).await;

    let alert = defender_client(&server)
        .alerts()
        .get("da637472900382838869_1364969609")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_reference_alert(&alert);
    assert!(alert.annotations.is_empty());
    assert_lossless(&fixture_json(name), &to_json(&alert));
}

#[tokio::test]
async fn update_alert_patches_exactly_the_documented_body_and_decodes_the_updated_alert() {
    let server = server().await;
    let id = "121688558380765161_2136280442";
    // The page has no response example: the service answers with the alert, updated.
    let mut updated = fixture_json("alerts.response.json");
    updated["id"] = json!(id);
    updated["status"] = json!("Resolved");
    updated["assignedTo"] = json!("secop2@contoso.com");
    updated["classification"] = json!("FalsePositive");
    updated["determination"] = json!("Malware");
    Call::new("PATCH", &format!("/api/alerts/{id}"))
        .body(fixture_json("update-alert.request.json"))
        .mount(&server, ResponseTemplate::new(200).set_body_raw(updated.to_string(), "application/json"))
        .await;

    let mut changes = AlertInput {
        status: AlertStatus::Resolved.into(),
        assigned_to: "secop2@contoso.com".to_owned().into(),
        classification: AlertClassification::FalsePositive.into(),
        determination: AlertDetermination::Malware.into(),
        ..Default::default()
    };
    // `comment` is write-only and not an alert property: it goes through the open members.
    changes.additional_properties.insert("comment".into(), json!("Resolve my alert and assign to secop2"));
    let alert = defender_client(&server)
        .alerts()
        .get(id)
        .update(&changes)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the updated alert was not returned"));

    assert_eq!(alert.id, id);
    assert_eq!(alert.status, Some(AlertStatus::Resolved));
    assert_eq!(alert.assigned_to.as_deref(), Some("secop2@contoso.com"));
    assert_eq!(alert.classification, Some(AlertClassification::FalsePositive));
    assert_eq!(alert.determination, Some(AlertDetermination::Malware));
    assert_eq!(alert.severity, Some(AlertSeverity::Low));
    assert_lossless(&updated, &to_json(&alert));
}

#[tokio::test]
async fn batch_update_alerts_posts_the_documented_body_and_accepts_an_empty_answer() {
    let server = server().await;
    Call::new("POST", "/api/alerts/batchUpdate")
        .body(fixture_json("batch-update-alerts.request.json"))
        .mount(&server, ResponseTemplate::new(200))
        .await;

    let body = BatchUpdateBody {
        alert_ids: vec!["da637399794050273582_760707377".into(), "da637399989469816469_51697947354".into()],
        status: Some(AlertStatus::Resolved),
        assigned_to: Some("secop2@contoso.com".into()),
        classification: Some(AlertClassification::FalsePositive),
        determination: Some(AlertDetermination::Malware),
        comment: Some("Resolve my alert and assign to secop2".into()),
    };
    let result = defender_client(&server).alerts().batch_update(&body).await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn batch_update_alerts_leaves_out_the_members_not_set() {
    let server = server().await;
    let ids = ["da637399794050273582_760707377", "da637399989469816469_51697947354"];
    Call::new("POST", "/api/alerts/batchUpdate")
        .body(json!({"alertIds": ids, "status": "InProgress"}))
        .mount(&server, ResponseTemplate::new(200))
        .await;

    let body = BatchUpdateBody {
        alert_ids: ids.iter().map(|id| (*id).to_owned()).collect(),
        status: Some(AlertStatus::InProgress),
        assigned_to: None,
        classification: None,
        determination: None,
        comment: None,
    };
    let result = defender_client(&server).alerts().batch_update(&body).await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn create_alert_by_reference_posts_the_documented_body_and_decodes_the_new_alert() {
    let server = server().await;
    // The page has no response example: the service answers with an alert, as alerts.md shows one.
    Call::new("POST", "/api/alerts/CreateAlertByReference")
        .body(fixture_json("create-alert-by-reference.request.json"))
        .mount(&server, ok_with("alerts.response.json"))
        .await;

    let body = CreateAlertByReferenceBody {
        event_time: timestamp("2018-08-03T16:45:21.7115183Z"),
        report_id: "20776".into(),
        machine_id: "1e5bc9d7e413ddd7902c2932e418702b84d0cc07".into(),
        severity: AlertSeverity::Low,
        title: "example".into(),
        description: "example alert".into(),
        recommended_action: "nothing".into(),
        category: AlertCategory::Exploit,
    };
    let alert = defender_client(&server)
        .alerts()
        .create_alert_by_reference(&body)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_reference_alert(&alert);
    assert_lossless(&fixture_json("alerts.response.json"), &to_json(&alert));
}

// ---------------------------------------------------------------------------------------------
// Entities related to an alert
// ---------------------------------------------------------------------------------------------

const PAGE_ALERT_ID: &str = "636688558380765161_2136280442";

#[tokio::test]
async fn alert_related_domains_are_listed_by_host() {
    let name = "get-alert-related-domain-info.response.json";
    let server = server().await;
    Call::new("GET", &format!("/api/alerts/{PAGE_ALERT_ID}/domains")).mount(&server, ok_with(name)).await;

    let page = defender_client(&server)
        .alerts()
        .get(PAGE_ALERT_ID)
        .domains()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let hosts: Vec<_> = page.items.iter().map(|d| d.host.as_str()).collect();
    assert_eq!(hosts, ["www.example.com", "www.example2.com"]);
    assert_eq!(page.context.as_deref(), Some("https://api.securitycenter.microsoft.com/$metadata#Domains"));
    assert_lossless(&fixture_json(name), &to_json(&page));
}

#[tokio::test]
async fn alert_related_files_decode_with_their_hashes_and_signer() {
    let name = "get-alert-related-files-info.response.json";
    let server = server().await;
    Call::new("GET", &format!("/api/alerts/{PAGE_ALERT_ID}/files")).mount(&server, ok_with(name)).await;

    let files = defender_client(&server)
        .alerts()
        .get(PAGE_ALERT_ID)
        .files()
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(files.len(), 1);
    let file = &files[0];
    assert_eq!(file.sha1, "f2a00fd2f2de1be0214b8529f1e9f67096c1aa70");
    assert_eq!(
        file.sha256.as_deref(),
        Some("dcd71ef5fff4362a9f64cf3f96f14f2b11d6f428f3badbedcb9ff3361e7079aa")
    );
    assert_eq!(file.md5.as_deref(), Some("8d5b7cc9a832e21d22503057e1fec8e9"));
    assert_eq!(file.global_prevalence, Some(29));
    assert_eq!(file.size, Some(113984));
    assert_eq!(file.is_pe_file, Some(true));
    assert_eq!(file.is_valid_certificate, Some(true));
    assert_eq!(file.signer.as_deref(), Some("Microsoft Corporation"));
    assert_eq!(file.determination_type.as_deref(), Some("Unknown"));
    assert_eq!(text_of(file.global_first_observed).as_deref(), Some("2019-03-23T23:54:06.0135204Z"));
    assert_lossless(&fixture_json(name)["value"], &to_json(&files));
}

#[tokio::test]
async fn alert_related_ips_are_listed_by_address() {
    let name = "get-alert-related-ip-info.response.json";
    let server = server().await;
    Call::new("GET", &format!("/api/alerts/{PAGE_ALERT_ID}/ips")).mount(&server, ok_with(name)).await;

    let page = defender_client(&server)
        .alerts()
        .get(PAGE_ALERT_ID)
        .ips()
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let ids: Vec<_> = page.items.iter().map(|ip| ip.id.as_str()).collect();
    assert_eq!(ids, ["104.80.104.128", "23.203.232.228"]);
    assert_lossless(&fixture_json(name), &to_json(&page));
}

#[tokio::test]
async fn alert_related_machine_decodes_as_one_machine() {
    let name = "get-alert-related-machine-info.response.json";
    let server = server().await;
    Call::new("GET", &format!("/api/alerts/{PAGE_ALERT_ID}/machine")).mount(&server, ok_with(name)).await;

    let machine = defender_client(&server)
        .alerts()
        .get(PAGE_ALERT_ID)
        .machine()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(machine.id, "1e5bc9d7e413ddd7902c2932e418702b84d0cc07");
    assert_eq!(machine.computer_dns_name.as_deref(), Some("mymachine1.contoso.com"));
    assert_eq!(machine.os_platform.as_deref(), Some("Windows10"));
    assert_eq!(machine.os_build, Some(19042));
    assert_eq!(machine.health_status, Some(MachineHealthStatus::Active));
    assert_eq!(machine.rbac_group_name.as_deref(), Some("The-A-Team"));
    assert_eq!(text_of(machine.last_seen).as_deref(), Some("2021-01-25T07:27:36.052313Z"));
    assert_eq!(machine.machine_tags.as_deref(), Some(&["Tag1".to_owned(), "Tag2".into()][..]));
    let addresses = machine.ip_addresses.as_deref().unwrap_or_default();
    assert_eq!(addresses.len(), 2);
    assert_lossless(&fixture_json(name), &to_json(&machine));
}

#[tokio::test]
async fn alert_related_user_decodes_as_one_user() {
    let name = "get-alert-related-user-info.response.json";
    let server = server().await;
    Call::new("GET", &format!("/api/alerts/{PAGE_ALERT_ID}/user")).mount(&server, ok_with(name)).await;

    let user =
        defender_client(&server).alerts().get(PAGE_ALERT_ID).user().await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(user.id, "contoso\\user1");
    assert_eq!(user.account_name.as_deref(), Some("user1"));
    assert_eq!(user.account_domain.as_deref(), Some("contoso"));
    assert_eq!(user.log_on_machines_count, Some(1));
    assert_eq!(user.is_domain_admin, Some(false));
    assert_eq!(user.logon_types.as_deref(), Some("Network"));
    assert_eq!(text_of(user.first_seen).as_deref(), Some("2019-12-08T06:33:39Z"));
    assert_eq!(
        user.annotations.get("@odata.context"),
        Some(&json!("https://api.securitycenter.microsoft.com/api/$metadata#Users/$entity"))
    );
    assert_lossless(&fixture_json(name), &to_json(&user));
}

// ---------------------------------------------------------------------------------------------
// Indicators
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_indicators_decodes_the_first_example() {
    let name = "get-ti-indicators-collection.example-1.response.json";
    let server = server().await;
    Call::new("GET", "/api/indicators").mount(&server, ok_with(name)).await;

    let page =
        defender_client(&server).indicators().list().first_page().await.unwrap_or_else(|e| panic!("{e}"));

    let ids: Vec<_> = page.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["995", "996"]);
    let ip = &page.items[0];
    assert_eq!(ip.indicator_value.as_deref(), Some("12.13.14.15"));
    assert_eq!(ip.indicator_type, Some(IndicatorType::IpAddress));
    assert_eq!(ip.action, Some(IndicatorAction::Alert));
    assert_eq!(ip.application.as_deref(), Some("demo-test"));
    assert_eq!(ip.source_type, Some(IndicatorSourceType::AadApp));
    assert_eq!(ip.severity, Some(IndicatorSeverity::Informational));
    assert_eq!(ip.last_updated_by.as_deref(), Some("TestPrdApp"));
    assert_eq!(text_of(ip.creation_time_date_time_utc).as_deref(), Some("2018-10-24T11:15:35.3688259Z"));
    assert_eq!(text_of(ip.expiration_time).as_deref(), Some("2020-12-12T00:00:00Z"));
    assert_eq!(ip.rbac_group_names.as_deref().map(<[_]>::len), Some(0));
    let file = &page.items[1];
    assert_eq!(file.indicator_type, Some(IndicatorType::FileSha1));
    assert_eq!(file.action, Some(IndicatorAction::AlertAndBlock));
    assert_eq!(file.application, None);
    assert_eq!(file.rbac_group_names.as_deref(), Some(&["Group1".to_owned(), "Group2".into()][..]));
    assert_lossless(&fixture_json(name), &to_json(&page));
}

#[tokio::test]
async fn list_indicators_filtered_by_action_decodes_the_second_example() {
    let name = "get-ti-indicators-collection.example-2.response.json";
    let server = server().await;
    Call::new("GET", "/api/indicators")
        .query(&[("$filter", "action eq 'AlertAndBlock'")])
        .mount(&server, ok_with(name))
        .await;

    let indicators = defender_client(&server)
        .indicators()
        .list()
        .filter("action eq 'AlertAndBlock'")
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(indicators.len(), 1);
    assert_eq!(indicators[0].id, "997");
    assert_eq!(indicators[0].indicator_value.as_deref(), Some("111e7d15b0b3d7fac48f2bd61114db1022197f7f"));
    assert_eq!(indicators[0].action, Some(IndicatorAction::AlertAndBlock));
    assert_eq!(indicators[0].recommended_actions.as_deref(), Some("TEST"));
    assert_lossless(&fixture_json(name)["value"], &to_json(&indicators));
}

#[tokio::test]
async fn submit_indicator_posts_the_documented_body_without_an_id() {
    let server = server().await;
    // The page has no response example: the service answers with the indicator, as
    // ti-indicator.md represents one.
    let name = "ti-indicator.representation.json";
    Call::new("POST", "/api/indicators")
        .body(fixture_json("post-ti-indicator.request.json"))
        .mount(&server, ok_with(name))
        .await;

    let input = IndicatorInput {
        indicator_value: "220e7d15b011d7fac48f2bd61114db1022197f7f".to_owned().into(),
        indicator_type: IndicatorType::FileSha1.into(),
        title: "test".to_owned().into(),
        application: "demo-test".to_owned().into(),
        expiration_time: timestamp("2020-12-12T00:00:00Z").into(),
        action: IndicatorAction::AlertAndBlock.into(),
        severity: IndicatorSeverity::Informational.into(),
        description: "test".to_owned().into(),
        recommended_actions: "nothing".to_owned().into(),
        rbac_group_names: vec!["group1".to_owned(), "group2".into()].into(),
        ..Default::default()
    };
    let indicator = defender_client(&server)
        .indicators()
        .create(&input)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("the indicator was not returned"));

    assert_eq!(indicator.id, "994");
    assert_eq!(indicator.indicator_type, Some(IndicatorType::FileSha256));
    assert_eq!(indicator.action, Some(IndicatorAction::AlertAndBlock));
    assert_eq!(indicator.source_type, Some(IndicatorSourceType::User));
    assert_eq!(indicator.title.as_deref(), Some("Michael test"));
    assert_eq!(indicator.expiration_time, None);
    assert_eq!(text_of(indicator.last_update_time).as_deref(), Some("2019-12-19T09:09:47.3358111Z"));
    assert_eq!(indicator.rbac_group_names.as_deref(), Some(&["team1".to_owned()][..]));
    assert_lossless(&fixture_json(name), &to_json(&indicator));
}

/// One item of the import page's request example.
fn submission(
    value: &str,
    kind: IndicatorType,
    (title, application): (&str, &str),
    severity: IndicatorSeverity,
    groups: &[&str],
) -> IndicatorInput {
    IndicatorInput {
        indicator_value: value.to_owned().into(),
        indicator_type: kind.into(),
        title: title.to_owned().into(),
        application: application.to_owned().into(),
        expiration_time: timestamp("2021-12-12T00:00:00Z").into(),
        action: IndicatorAction::Alert.into(),
        severity: severity.into(),
        description: "demo2".to_owned().into(),
        recommended_actions: "nothing".to_owned().into(),
        rbac_group_names: groups.iter().map(|g| (*g).to_owned()).collect::<Vec<_>>().into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn import_indicators_posts_the_documented_batch_and_decodes_each_outcome() {
    let name = "import-ti-indicators.response.json";
    let server = server().await;
    Call::new("POST", "/api/indicators/import")
        .body(fixture_json("import-ti-indicators.request.json"))
        .mount(&server, ok_with(name))
        .await;

    let indicators = vec![
        submission(
            "220e7d15b011d7fac48f2bd61114db1022197f7f",
            IndicatorType::FileSha1,
            ("demo", "demo-test"),
            IndicatorSeverity::Informational,
            &["group1", "group2"],
        ),
        submission(
            "2233223322332233223322332233223322332233223322332233223322332222",
            IndicatorType::FileSha256,
            ("demo2", "demo-test2"),
            IndicatorSeverity::Medium,
            &[],
        ),
    ];
    let results =
        defender_client(&server).indicators().import(indicators).await.unwrap_or_else(|e| panic!("{e}"));

    let ids: Vec<_> = results.iter().map(|r| r.id.as_deref()).collect();
    assert_eq!(ids, [Some("2841"), Some("2842")]);
    assert_eq!(results[0].indicator.as_deref(), Some("220e7d15b011d7fac48f2bd61114db1022197f7f"));
    assert!(results.iter().all(|r| r.is_failed == Some(false) && r.failure_reason.is_none()));
    assert_lossless(&fixture_json(name)["value"], &to_json(&results));
}

#[tokio::test]
async fn delete_indicator_sends_delete_and_accepts_no_content() {
    let server = server().await;
    Call::new("DELETE", "/api/indicators/995").mount(&server, ResponseTemplate::new(204)).await;

    let result = defender_client(&server).indicators().get("995").delete().await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn batch_delete_indicators_posts_the_documented_ids_and_accepts_no_content() {
    let server = server().await;
    Call::new("POST", "/api/indicators/BatchDelete")
        .body(fixture_json("batch-delete-ti-indicators.request.json"))
        .mount(&server, ResponseTemplate::new(204))
        .await;

    let ids = vec!["1".to_owned(), "2".into(), "5".into()];
    let result = defender_client(&server).indicators().batch_delete(ids).await;

    assert!(result.is_ok(), "{result:?}");
}

// ---------------------------------------------------------------------------------------------
// Investigations
// ---------------------------------------------------------------------------------------------

fn assert_investigation_63004(investigation: &defender_sdk::Investigation) {
    assert_eq!(investigation.id, "63004");
    assert_eq!(investigation.state, Some(InvestigationState::Running));
    assert_eq!(text_of(investigation.start_time).as_deref(), Some("2020-01-06T13:05:15Z"));
    assert_eq!(investigation.end_time, None);
    assert_eq!(investigation.cancelled_by, None);
    assert_eq!(investigation.machine_id.as_deref(), Some("e828a0624ed33f919db541065190d2f75e50a071"));
    assert_eq!(investigation.computer_dns_name.as_deref(), Some("desktop-test123"));
    assert_eq!(investigation.triggering_alert_id.as_deref(), Some("da637139127150012465_1011995739"));
}

#[tokio::test]
async fn list_investigations_decodes_the_documented_example() {
    let name = "get-investigation-collection.response.json";
    let server = server().await;
    Call::new("GET", "/api/investigations").mount(&server, ok_with(name)).await;

    let page =
        defender_client(&server).investigations().list().first_page().await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(page.items.len(), 1);
    let investigation = &page.items[0];
    assert_eq!(investigation.id, "63017");
    assert_eq!(investigation.state, Some(InvestigationState::Running));
    assert_eq!(text_of(investigation.start_time).as_deref(), Some("2020-01-06T14:11:34Z"));
    assert_eq!(investigation.machine_id.as_deref(), Some("a69a22debe5f274d8765ea3c368d00762e057b30"));
    assert_eq!(investigation.triggering_alert_id.as_deref(), Some("da637139166940871892_-598649278"));
    assert_eq!(
        page.context.as_deref(),
        Some("https://api.securitycenter.microsoft.com/api/$metadata#Investigations")
    );
    assert_lossless(&fixture_json(name), &to_json(&page));
}

#[tokio::test]
async fn get_investigation_by_id_decodes_the_documented_representation() {
    let name = "investigation.representation.json";
    let server = server().await;
    Call::new("GET", "/api/investigations/63004").mount(&server, ok_with(name)).await;

    let investigation =
        defender_client(&server).investigations().get("63004").await.unwrap_or_else(|e| panic!("{e}"));

    assert_investigation_63004(&investigation);
    assert_lossless(&fixture_json(name), &to_json(&investigation));
}

#[tokio::test]
async fn get_investigation_by_triggering_alert_id_uses_the_alert_id_as_key() {
    let name = "investigation.representation.json";
    let server = server().await;
    Call::new("GET", "/api/investigations/da637139127150012465_1011995739")
        .mount(&server, ok_with(name))
        .await;

    let investigation = defender_client(&server)
        .investigations()
        .get("da637139127150012465_1011995739")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_investigation_63004(&investigation);
}

#[tokio::test]
async fn start_investigation_posts_the_comment_and_decodes_the_created_investigation() {
    let server = server().await;
    // The page answers 201 Created with an investigation but prints none: investigation.md's is used.
    let name = "investigation.representation.json";
    Call::new("POST", "/api/machines/1e5bc9d7e413ddd7902c2932e418702b84d0cc07/startInvestigation")
        .body(fixture_json("initiate-autoir-investigation.request.json"))
        .mount(&server, ResponseTemplate::new(201).set_body_raw(fixture_text(name), "application/json"))
        .await;

    let investigation = defender_client(&server)
        .machines()
        .get("1e5bc9d7e413ddd7902c2932e418702b84d0cc07")
        .start_investigation("Test investigation")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_investigation_63004(&investigation);
    assert_lossless(&fixture_json(name), &to_json(&investigation));
}

// ---------------------------------------------------------------------------------------------
// Advanced hunting
// ---------------------------------------------------------------------------------------------

fn assert_hunting_result(response: &defender_sdk::AdvancedQueryResponse) {
    let schema = response.schema.as_deref().unwrap_or_default();
    let columns: Vec<_> = schema.iter().map(|c| (c.name.as_deref(), c.r#type.as_deref())).collect();
    assert_eq!(
        columns,
        [
            (Some("Timestamp"), Some("DateTime")),
            (Some("FileName"), Some("String")),
            (Some("InitiatingProcessFileName"), Some("String")),
            (Some("DeviceId"), Some("String")),
        ]
    );
    let rows = response.results.as_deref().unwrap_or_default();
    assert_eq!(rows.len(), 2);
    let column = |row: &defender_sdk::AdvancedQueryResultRow, name: &str| {
        row.additional_properties.get(name).map(|raw| raw.get().to_owned())
    };
    assert_eq!(column(&rows[0], "Timestamp").as_deref(), Some("\"2020-02-05T01:10:26.2648757Z\""));
    assert_eq!(column(&rows[1], "Timestamp").as_deref(), Some("\"2020-02-05T01:10:26.5614772Z\""));
    assert!(rows.iter().all(|row| column(row, "FileName").as_deref() == Some("\"csc.exe\"")));
    assert!(rows.iter().all(|row| {
        row.additional_properties.get_as::<String>("DeviceId").and_then(Result::ok).as_deref()
            == Some("10cbf9182d4e95660362f65cfa67c7731f62fdb3")
    }));
    assert!(rows.iter().all(|row| row.annotations.is_empty()));
}

/// The KQL text of the run page's request example.
fn hunting_query() -> String {
    let request = fixture_json("run-advanced-query-api.request.json");
    request["Query"].as_str().unwrap_or_else(|| panic!("no Query in the request fixture")).to_owned()
}

#[tokio::test]
async fn run_advanced_query_posts_the_query_and_decodes_schema_and_rows() {
    let name = "run-advanced-query-api.response.json";
    let server = server().await;
    Call::new("POST", "/api/advancedqueries/run")
        .body(fixture_json("run-advanced-query-api.request.json"))
        .mount(&server, ok_with(name))
        .await;

    let response = defender_client(&server).run(&hunting_query()).await.unwrap_or_else(|e| panic!("{e}"));

    assert_hunting_result(&response);
    assert_lossless(&fixture_json(name), &to_json(&response));
}

#[tokio::test]
async fn advanced_query_by_url_sends_the_query_as_the_key_option() {
    // The Power BI page prints no answer; it reads the same Schema and Results shape.
    let name = "run-advanced-query-api.response.json";
    let query = hunting_query();
    let server = server().await;
    Call::new("GET", "/api/advancedqueries").query(&[("key", &query)]).mount(&server, ok_with(name)).await;

    let response = defender_client(&server).advancedqueries(&query).await.unwrap_or_else(|e| panic!("{e}"));

    assert_hunting_result(&response);
    assert_lossless(&fixture_json(name), &to_json(&response));
}

#[tokio::test]
async fn advanced_query_by_url_escapes_plus_ampersand_and_hash_in_the_key() {
    let query = "DeviceInfo | where DeviceName has 'a+b&c=d#e' | take 1";
    let server = server().await;
    Call::new("GET", "/api/advancedqueries")
        .query(&[("key", query)])
        .mount(&server, ResponseTemplate::new(200).set_body_json(json!({"Schema": [], "Results": []})))
        .await;

    let response = defender_client(&server).advancedqueries(query).await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(response.schema.as_deref().map(<[_]>::len), Some(0));
    assert_eq!(response.results.as_deref().map(<[_]>::len), Some(0));
}
