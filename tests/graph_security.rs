//! Defender in Microsoft Graph through the SDK (`defender_sdk::graph`), against a loopback
//! server shaped like Graph: `/v1.0/security/…`, `$skiptoken` next links, polymorphic evidence,
//! evolvable enums and advanced hunting. Bodies are built from the members
//! `specs/graph-security.xml` declares for each type (Graph's "incident", "alert" and
//! "runHuntingQuery" reference pages show the same shapes).

use std::collections::HashSet;

use defender_e2e::{TENANT, credential, quick_retries};
use defender_sdk::DefenderClient;
use defender_sdk::graph::{AlertStatus, AnyAlertEvidence, GraphClient, IncidentStatus};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

async fn graph(server: &MockServer) -> GraphClient {
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "Bearer", "expires_in": 3599, "access_token": "graph-token",
        })))
        .mount(server)
        .await;
    DefenderClient::builder()
        .base_url(&server.uri())
        .and_then(|b| b.credential(credential(server)).retry_policy(quick_retries()).build())
        .unwrap_or_else(|e| panic!("client: {e}"))
        .graph()
}

fn incident(id: usize) -> Value {
    json!({
        "id": id.to_string(),
        "displayName": format!("Multi-stage incident {id}"),
        "status": "active",
        "severity": "high",
        "createdDateTime": "2026-11-30T08:15:02.3173448Z",
        "incidentWebUrl": format!("https://security.microsoft.com/incidents/{id}?tid={TENANT}"),
    })
}

/// Pages of `total` incidents, `page` at a time, linked by `$skiptoken` as Graph links them.
struct IncidentPages {
    base: String,
    total: usize,
    page: usize,
}

impl Respond for IncidentPages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let skip: usize = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "$skiptoken")
            .and_then(|(_, v)| v.strip_prefix("skip-").and_then(|n| n.parse().ok()))
            .unwrap_or(0);
        let end = self.total.min(skip + self.page);
        let mut body = json!({
            "@odata.context": format!("{}/v1.0/$metadata#security/incidents", self.base),
            "value": (skip..end).map(incident).collect::<Vec<_>>(),
        });
        if end < self.total {
            body["@odata.nextLink"] = json!(format!(
                "{}/v1.0/security/incidents?$top={}&$skiptoken=skip-{end}",
                self.base, self.page
            ));
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

#[tokio::test]
async fn incidents_page_through_skiptoken_links_every_item_once() {
    let server = MockServer::start().await;
    let graph = graph(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1.0/security/incidents"))
        .and(header("authorization", "Bearer graph-token"))
        .respond_with(IncidentPages { base: server.uri(), total: 25, page: 10 })
        .mount(&server)
        .await;

    let incidents = graph.security().incidents().list().collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(incidents.len(), 25);
    let ids: HashSet<&str> = incidents.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), 25, "every incident exactly once");
    assert_eq!(incidents[3].status, Some(IncidentStatus::Active));
    let pages = server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == "/v1.0/security/incidents")
        .count();
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn top_caps_what_a_graph_stream_yields_and_stops_asking() {
    let server = MockServer::start().await;
    let graph = graph(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1.0/security/incidents"))
        .and(query_param("$top", "7"))
        .respond_with(IncidentPages { base: server.uri(), total: 100, page: 10 })
        .mount(&server)
        .await;

    let incidents =
        graph.security().incidents().list().top(7).collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(incidents.len(), 7);
    assert_eq!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path().starts_with("/v1.0/"))
            .count(),
        1
    );
}

#[tokio::test]
async fn an_incident_by_id_and_its_alerts_with_their_evidence() {
    let server = MockServer::start().await;
    let graph = graph(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1.0/security/incidents/29"))
        .respond_with(ResponseTemplate::new(200).set_body_json(incident(29)))
        .mount(&server)
        .await;
    let alert = json!({
        "id": "da637578995287051192_756343937",
        "incidentId": "29",
        "title": "Suspicious execution of hidden file",
        "status": "someStatusAddedLater",
        "severity": "medium",
        "evidence": [
            {
                "@odata.type": "#microsoft.graph.security.deviceEvidence",
                "createdDateTime": "2026-11-30T08:15:02.3173448Z",
                "verdict": "suspicious",
                "remediationStatus": "none",
                "deviceDnsName": "tempDns",
                "azureAdDeviceId": "f18bd540-d5e4-46e0-8ddd-3d03a59e4e14",
                "roles": ["compromised"]
            },
            {
                "@odata.type": "#microsoft.graph.security.userEvidence",
                "verdict": "unknown",
                "userAccount": {"accountName": "user1", "domainName": "contoso"}
            },
            {
                "@odata.type": "#microsoft.graph.security.quantumStateEvidence",
                "verdict": "malicious",
                "qubits": 12
            }
        ]
    });
    Mock::given(method("GET"))
        .and(path("/v1.0/security/incidents/29/alerts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [alert.clone()]})))
        .mount(&server)
        .await;

    let read = graph.security().incidents().get("29").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.id, "29");
    let alerts =
        graph.security().incidents().get("29").alerts().collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    let [alert_read] = alerts.as_slice() else { panic!("{alerts:?}") };
    // A status Graph added after this SDK was generated is kept by name.
    assert_eq!(alert_read.status, Some(AlertStatus::Unrecognized("someStatusAddedLater".to_owned())));
    let evidence = alert_read.evidence.as_deref().unwrap_or_default();
    assert!(
        matches!(&evidence[0], AnyAlertEvidence::DeviceEvidence(device) if device.device_dns_name.as_deref() == Some("tempDns"))
    );
    assert!(matches!(&evidence[1], AnyAlertEvidence::UserEvidence(_)));
    // A subtype this SDK does not know decodes as the base type, its members kept.
    match &evidence[2] {
        AnyAlertEvidence::AlertEvidence(base) => {
            assert_eq!(base.additional_properties.get("qubits").map(|raw| raw.get()), Some("12"));
            assert_eq!(
                base.annotations.get("@odata.type"),
                Some(&json!("#microsoft.graph.security.quantumStateEvidence"))
            );
        }
        other => panic!("unknown evidence decoded as {other:?}"),
    }
    // Nothing is lost: written back, the alert is what was sent.
    let written = serde_json::to_value(alert_read).unwrap_or_else(|e| panic!("{e}"));
    defender_e2e::assert_lossless(&alert, &written);
}

/// `$expand=alerts` (Graph's "Get incident" reference page shows this request): the alerts arrive
/// inside the incident and decode into its typed `alerts` field, evidence and all. Without
/// `$expand` the field is `None` and is left out when the incident is written back.
#[tokio::test]
async fn expanded_alerts_land_in_the_incidents_typed_field() {
    let server = MockServer::start().await;
    let graph = graph(&server).await;
    let mut expanded = incident(31);
    expanded["alerts"] = json!([{
        "id": "da638000000000000000_1",
        "incidentId": "31",
        "title": "Suspicious PowerShell command line",
        "status": "new",
        "severity": "high",
        "evidence": [{
            "@odata.type": "#microsoft.graph.security.processEvidence",
            "verdict": "malicious",
            "processId": 4780,
            "processCommandLine": "powershell.exe -enc ..."
        }]
    }]);
    Mock::given(method("GET"))
        .and(path("/v1.0/security/incidents/31"))
        .and(query_param("$expand", "alerts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(expanded.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/security/incidents"))
        .and(query_param("$expand", "alerts"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"value": [expanded.clone(), incident(32)]})),
        )
        .expect(1)
        .mount(&server)
        .await;

    let read = graph
        .security()
        .incidents()
        .get("31")
        .get()
        .expand(["alerts"])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let alerts = read.alerts.as_deref().unwrap_or_else(|| panic!("alerts not typed: {read:?}"));
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].severity, Some(defender_sdk::graph::AlertSeverity::High));
    let evidence = alerts[0].evidence.as_deref().unwrap_or_default();
    assert!(
        matches!(&evidence[0], AnyAlertEvidence::ProcessEvidence(process) if process.process_id == Some(4780)),
        "{evidence:?}"
    );
    assert!(read.additional_properties.is_empty(), "kept untyped: {:?}", read.additional_properties);
    let written = serde_json::to_value(&read).unwrap_or_else(|e| panic!("{e}"));
    defender_e2e::assert_lossless(&expanded, &written);

    let listed = graph
        .security()
        .incidents()
        .list()
        .expand(["alerts"])
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].alerts.as_ref().map(Vec::len), Some(1));
    // Not expanded: no alerts, and none written.
    assert_eq!(listed[1].alerts, None);
    let written = serde_json::to_value(&listed[1]).unwrap_or_else(|e| panic!("{e}"));
    assert!(written.get("alerts").is_none(), "{written}");
    defender_e2e::assert_lossless(&incident(32), &written);
}

#[tokio::test]
async fn the_unknown_future_value_sentinel_is_a_variant_of_its_own() {
    let server = MockServer::start().await;
    let graph = graph(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1.0/security/alerts_v2/a1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "a1", "status": "unknownFutureValue"})),
        )
        .mount(&server)
        .await;
    let alert = graph.security().alerts_v2().get("a1").await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(alert.status, Some(AlertStatus::UnknownFutureValue));
}

#[derive(Debug, serde::Deserialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct ProcessRow {
    timestamp: String,
    device_name: String,
    file_name: String,
}

#[tokio::test]
async fn hunting_rows_decode_into_the_callers_own_type() {
    let server = MockServer::start().await;
    let graph = graph(&server).await;
    let query = "DeviceProcessEvents | where FileName == 'powershell.exe' | take 2";
    Mock::given(method("POST"))
        .and(path("/v1.0/security/microsoft.graph.security.runHuntingQuery"))
        .and(body_json(json!({"query": query})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults",
            "schema": [
                {"name": "Timestamp", "type": "DateTime"},
                {"name": "DeviceName", "type": "String"},
                {"name": "FileName", "type": "String"}
            ],
            "results": [
                {"Timestamp": "2026-11-30T08:15:02.3173448Z", "DeviceName": "dev-1", "FileName": "powershell.exe", "ProcessId": 4242},
                {"Timestamp": "2026-11-30T09:01:44.000Z", "DeviceName": "dev-2", "FileName": "powershell.exe", "ProcessId": 77}
            ]
        })))
        .mount(&server)
        .await;

    let results =
        graph.security().run_hunting_query(Some(query), None).await.unwrap_or_else(|e| panic!("{e}"));
    let columns: Vec<_> = results.schema.iter().flatten().filter_map(|c| c.name.as_deref()).collect();
    assert_eq!(columns, ["Timestamp", "DeviceName", "FileName"]);
    let rows: Vec<ProcessRow> = results.rows().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        rows[1],
        ProcessRow {
            timestamp: "2026-11-30T09:01:44.000Z".into(),
            device_name: "dev-2".into(),
            file_name: "powershell.exe".into()
        }
    );
    // A row that does not fit says which column.
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        #[serde(rename = "ProcessId")]
        process_id: String,
    }
    let error = results.rows::<Wrong>().err().map(|e| e.to_string()).unwrap_or_default();
    assert!(error.contains("ProcessId"), "{error}");
    // `timespan` was left out, not sent as null.
    let sent = server.received_requests().await.unwrap_or_default();
    let hunting = sent
        .iter()
        .find(|r| r.url.path().ends_with("runHuntingQuery"))
        .unwrap_or_else(|| panic!("no request"));
    let body: Value = serde_json::from_slice(&hunting.body).unwrap_or_default();
    assert!(body.get("timespan").is_none(), "{body}");
}

/// Services write `@odata.type` first, and the SDK then decodes evidence in one pass; evidence
/// that names its type after other members (or in a body built by another tool) is dispatched
/// all the same, with every member kept.
#[test]
fn evidence_that_names_its_type_late_is_dispatched_all_the_same() {
    let text = r##"{
        "id": "a1",
        "evidence": [
            {"verdict": "malicious", "processId": 4780, "@odata.type": "#microsoft.graph.security.processEvidence", "extra": 1},
            {"verdict": "unknown", "deviceDnsName": "host1"},
            {"@odata.type": "#microsoft.graph.security.processEvidence", "processId": 1, "verdict": "suspicious"}
        ]
    }"##;
    let alert: defender_sdk::graph::Alert = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    let evidence = alert.evidence.as_deref().unwrap_or_default();
    match &evidence[0] {
        AnyAlertEvidence::ProcessEvidence(process) => {
            assert_eq!(process.process_id, Some(4780));
            assert_eq!(process.additional_properties.get("extra").map(|raw| raw.get()), Some("1"));
            assert_eq!(
                process.annotations.get("@odata.type"),
                Some(&json!("#microsoft.graph.security.processEvidence"))
            );
        }
        other => panic!("late type not dispatched: {other:?}"),
    }
    // No type at all: the base type, the derived type's member kept.
    assert!(matches!(&evidence[1], AnyAlertEvidence::AlertEvidence(base)
        if base.additional_properties.get("deviceDnsName").is_some()));
    assert!(matches!(&evidence[2], AnyAlertEvidence::ProcessEvidence(p) if p.process_id == Some(1)));
    let written = serde_json::to_value(&alert).unwrap_or_else(|e| panic!("{e}"));
    let original: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
    defender_e2e::assert_lossless(&original, &written);
    // Not an object: a clear error, not a panic.
    let error = serde_json::from_str::<defender_sdk::graph::Alert>(r#"{"id": "a", "evidence": [7]}"#)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(error.contains("alertEvidence"), "{error}");
}
