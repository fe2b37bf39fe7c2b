//! The emulator with the SDK as its client: sign-in, OData queries and paging, actions,
//! updates, and every fault mode.

use std::collections::HashSet;
use std::time::{Duration, SystemTime};

use defender_emulator::{Config, Emulator, FaultConfig};
use defender_sdk::{
    AlertInput, AlertStatus, ClientSecretCredential, DefenderClient, ErrorKind, IsolationType, Machine,
    MachineActionType, RetryPolicy, StaticTokenCredential,
};
use futures_util::TryStreamExt;

async fn start(config: Config) -> Emulator {
    Emulator::start(config).await.unwrap_or_else(|e| panic!("{e}"))
}

fn small() -> Config {
    Config { machines: 2_500, max_page: 1_000, ..Config::default() }
}

fn client(emulator: &Emulator, retry: RetryPolicy) -> DefenderClient {
    let config = emulator.config();
    let authority = url::Url::parse(&emulator.authority()).unwrap_or_else(|e| panic!("{e}"));
    let credential = ClientSecretCredential::new(&config.tenant_id, &config.client_id, &config.client_secret)
        .with_authority_host(authority);
    DefenderClient::builder()
        .base_url(&emulator.base_url())
        .map(|b| b.credential(credential).retry_policy(retry))
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn quick() -> RetryPolicy {
    RetryPolicy::default()
        .max_attempts(4)
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(20))
}

#[tokio::test]
async fn scores_come_from_the_documented_examples() {
    let emulator = start(small()).await;
    let client = client(&emulator, quick());
    let exposure = client.exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(exposure.score, Some(33.491554051195706));
    let secure = client.configuration_score().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(secure.time.map(|t| t.to_string()).as_deref(), Some("2019-12-03T09:15:58.1665846Z"));
    let groups =
        client.exposure_score().by_machine_groups().collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<_> = groups.iter().filter_map(|g| g.rbac_group_name.clone()).collect();
    assert_eq!(names, ["GroupOne", "GroupTwo", "Workstations", "Servers"]);
}

#[tokio::test]
async fn every_machine_is_paged_through_exactly_once() {
    let emulator = start(small()).await;
    let client = client(&emulator, quick());
    let machines: Vec<Machine> =
        client.machines().list().items().try_collect().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(machines.len(), 2_500);
    let ids: HashSet<&str> = machines.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids.len(), 2_500, "no machine twice");
    // The same seed gives the same tenant.
    let again = Emulator::start(small()).await.unwrap_or_else(|e| panic!("{e}"));
    let first = client_first_id(&again).await;
    assert_eq!(first, machines[0].id);
}

async fn client_first_id(emulator: &Emulator) -> String {
    let page = client(emulator, quick())
        .machines()
        .list()
        .top(1)
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    page.items.first().map(|m| m.id.clone()).unwrap_or_default()
}

#[tokio::test]
async fn filters_select_top_and_count_answer_like_the_service() {
    let emulator = start(small()).await;
    let client = client(&emulator, quick());
    let all: Vec<Machine> = client.machines().list().collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    let expected = all
        .iter()
        .filter(|m| {
            m.health_status.as_ref().map(|h| h.as_str()) == Some("Active") && m.rbac_group_id == Some(10)
        })
        .count();

    let page = client
        .machines()
        .list()
        .filter("healthStatus eq 'Active' and rbacGroupId eq 10")
        .select(["id", "healthStatus"])
        .count()
        .top(5)
        .first_page()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(page.count, Some(expected as i64));
    assert_eq!(page.items.len(), 5.min(expected));
    assert!(page.items.iter().all(|m| m.computer_dns_name.is_none() && m.health_status.is_some()), "$select");

    let tagged = client
        .machines()
        .list()
        .filter("machineTags/any(tag: tag eq 'vip') and startswith(computerDnsName, 'device-0')")
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let local = all
        .iter()
        .filter(|m| {
            m.machine_tags.as_ref().is_some_and(|t| t.iter().any(|t| t == "vip"))
                && m.computer_dns_name.as_deref().is_some_and(|n| n.starts_with("device-0"))
        })
        .count();
    assert_eq!(tagged.len(), local);

    let error = client
        .machines()
        .list()
        .filter("healthStatus eq")
        .first_page()
        .await
        .err()
        .unwrap_or_else(|| panic!("accepted"));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(error.odata_code(), Some("InvalidRequestBody"));
}

#[tokio::test]
async fn a_token_it_did_not_issue_or_that_expired_is_refused_in_the_api_shape() {
    let emulator = start(small()).await;
    let forged = DefenderClient::builder()
        .base_url(&emulator.base_url())
        .map(|b| {
            b.credential(StaticTokenCredential::new("a.b.c", SystemTime::now() + Duration::from_secs(3_600)))
        })
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));
    let error = forged.exposure_score().await.err().unwrap_or_else(|| panic!("forged token accepted"));
    assert!(
        matches!(error.kind(), ErrorKind::Auth(auth) if auth.code.as_deref() == Some("Unauthorized")),
        "{error:?}"
    );

    let expiring = start(Config { token_lifetime_secs: 0, ..small() }).await;
    let error = client(&expiring, quick())
        .exposure_score()
        .await
        .err()
        .unwrap_or_else(|| panic!("expired token accepted"));
    assert!(matches!(error.kind(), ErrorKind::Auth(_)), "{error:?}");

    let wrong_secret = ClientSecretCredential::new("t", "emulator-client", "wrong")
        .with_authority_host(url::Url::parse(&emulator.authority()).unwrap_or_else(|e| panic!("{e}")));
    let client = DefenderClient::builder()
        .base_url(&emulator.base_url())
        .map(|b| b.credential(wrong_secret))
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));
    let error = client.exposure_score().await.err().unwrap_or_else(|| panic!("wrong secret accepted"));
    assert_eq!(error.odata_code(), Some("invalid_client"));
}

#[tokio::test]
async fn actions_and_updates_change_the_tenant() {
    let emulator = start(small()).await;
    let client = client(&emulator, quick());
    let machine =
        client.machines().list().top(1).first_page().await.unwrap_or_else(|e| panic!("{e}")).items.remove(0);

    let before = client.machineactions().list().collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    let action = client
        .machines()
        .get(&machine.id)
        .isolate("Investigate a ransomware alert", Some(IsolationType::Full))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(action.r#type, Some(MachineActionType::Isolate));
    assert_eq!(action.machine_id.as_deref(), Some(machine.id.as_str()));
    assert_eq!(action.requestor_comment.as_deref(), Some("Investigate a ransomware alert"));
    let after = client.machineactions().list().collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(after.len(), before.len() + 1);
    let read = client.machineactions().get(&action.id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.status, action.status);

    let alert =
        client.alerts().list().top(1).first_page().await.unwrap_or_else(|e| panic!("{e}")).items.remove(0);
    let changes = AlertInput { status: AlertStatus::Resolved.into(), ..Default::default() };
    let updated = client.alerts().get(&alert.id).update(&changes).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(updated.and_then(|a| a.status), Some(AlertStatus::Resolved));
    let read = client.alerts().get(&alert.id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read.status, Some(AlertStatus::Resolved));
}

#[tokio::test]
async fn throttling_errors_and_dropped_connections_are_ridden_out_by_retries() {
    let faults = FaultConfig {
        throttle_every: Some(3),
        error_every: Some(5),
        drop_every: Some(7),
        ..FaultConfig::default()
    };
    let emulator = start(Config { faults, ..small() }).await;
    let client = client(&emulator, quick());
    for _ in 0..20 {
        client.exposure_score().await.unwrap_or_else(|e| panic!("{e}"));
    }
    let machines: Vec<Machine> =
        client.machines().list().items().try_collect().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(machines.len(), 2_500, "faults between pages lose nothing");
}

#[tokio::test]
async fn the_documented_limits_are_enforced_when_asked() {
    let faults = FaultConfig { enforce_limits: true, retry_after_secs: 7, ..FaultConfig::default() };
    let emulator = start(Config { faults, ..small() }).await;
    let client = client(&emulator, RetryPolicy::none());
    let mut throttled = 0;
    for _ in 0..105 {
        if let Err(error) = client.exposure_score().await {
            match error.kind() {
                ErrorKind::Throttled { retry_after, .. } => {
                    assert_eq!(*retry_after, Some(Duration::from_secs(7)));
                    throttled += 1;
                }
                other => panic!("{other:?}"),
            }
        }
    }
    assert_eq!(throttled, 5, "calls 101 to 105 within the minute are throttled");
    // Another API has its own budget.
    client.configuration_score().await.unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test]
async fn typed_filters_select_and_orderby_render_and_answer_like_their_text() {
    use defender_sdk::{MachineHealthStatus, MachineRiskScore};

    let filter = Machine::HEALTH_STATUS.eq(MachineHealthStatus::Active).and(
        Machine::RISK_SCORE.ne(MachineRiskScore::High).or(Machine::MACHINE_TAGS.any(|tag| tag.eq("vip"))),
    );
    assert_eq!(
        filter.to_string(),
        "healthStatus eq 'Active' and (riskScore ne 'High' or machineTags/any(t0: t0 eq 'vip'))"
    );

    let emulator = start(small()).await;
    let client = client(&emulator, quick());
    let typed = client
        .machines()
        .list()
        .filter(filter.clone())
        .select([Machine::ID.name(), Machine::RISK_SCORE.name()])
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let text = client
        .machines()
        .list()
        .filter(filter.to_string())
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!typed.is_empty());
    assert_eq!(typed.len(), text.len());
    assert!(typed.iter().all(|m| m.computer_dns_name.is_none()), "$select from typed names");
    assert_eq!(Machine::LAST_SEEN.desc(), "lastSeen desc");
}

#[tokio::test]
async fn machines_have_the_shape_real_tenants_send_and_every_member_is_typed() {
    let emulator = start(small()).await;
    let client = client(&emulator, quick());
    let machines: Vec<Machine> =
        client.machines().list().top(200).collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(machines.len(), 200);
    for machine in &machines {
        let adapters = machine.ip_addresses.as_deref().unwrap_or_default();
        assert!(adapters.len() >= 2, "{machine:?}");
        assert_eq!(adapters[0].ip_address, machine.last_ip_address);
        assert!(
            adapters
                .iter()
                .any(|a| a.r#type.as_deref() == Some("SoftwareLoopback") && a.mac_address.is_none())
        );
        assert!(machine.agent_version.is_some() && machine.managed_by.is_some());
        assert_eq!(machine.is_excluded, Some(false));
        assert!(machine.additional_properties.is_empty(), "untyped: {:?}", machine.additional_properties);
    }
    let in_the_cloud = machines.iter().filter_map(|m| m.vm_metadata.as_ref()).count();
    assert!(in_the_cloud > 0 && in_the_cloud < machines.len(), "{in_the_cloud}");
}

#[tokio::test]
async fn graph_serves_incidents_alerts_scores_and_hunting_with_its_own_audience() {
    use defender_sdk::graph::{AlertStatus as GraphAlertStatus, AnyAlertEvidence};
    // 1,000 machines make about 100 alerts and 34 incidents: two pages of incidents.
    let emulator = start(Config { machines: 1_000, ..Config::default() }).await;
    let client = client(&emulator, quick());
    let graph = client.graph();

    // Every incident once, through `$skiptoken` pages of the default size.
    let incidents = graph.security().incidents().list().collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    let alerts = graph
        .security()
        .alerts_v2()
        .list()
        .page_size(7)
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(incidents.len(), alerts.len().div_ceil(3));
    assert!(incidents.len() > 20, "more than one page: {}", incidents.len());
    let ids: HashSet<&str> = incidents.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), incidents.len());
    let alert_ids: HashSet<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(alert_ids.len(), alerts.len());

    // An incident's alerts, their evidence dispatched, an unknown evidence type kept.
    let first = &incidents[0].id;
    let own = graph
        .security()
        .incidents()
        .get(first)
        .alerts()
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!own.is_empty() && own.iter().all(|a| a.incident_id.as_deref() == Some(first.as_str())));
    // The same alerts expanded inside the incident, typed; another name is refused as Graph does.
    let expanded = graph
        .security()
        .incidents()
        .get(first)
        .get()
        .expand(["alerts"])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(expanded.alerts.as_ref(), Some(&own));
    let refused = graph.security().incidents().get(first).get().expand(["comments"]).send().await;
    assert_eq!(refused.err().and_then(|e| e.status()).map(|s| s.as_u16()), Some(400));
    let evidence: Vec<&AnyAlertEvidence> = alerts.iter().flat_map(|a| a.evidence.iter().flatten()).collect();
    assert!(evidence.iter().any(|e| matches!(e, AnyAlertEvidence::DeviceEvidence(_))));
    assert!(evidence.iter().any(|e| matches!(e, AnyAlertEvidence::AlertEvidence(base) if base.additional_properties.get("qubits").is_some())));
    // The SDK asks for evolvable enums' newer members by name and keeps them.
    assert!(alerts.iter().any(|a| a.status == Some(GraphAlertStatus::Unrecognized("triaged".to_owned()))));

    // Without the `Prefer` header, the newer member arrives as the sentinel.
    let raw = client.runtime().graph().url("security/alerts_v2?$top=50").unwrap_or_else(|e| panic!("{e}"));
    let token = defender_runtime_token(&emulator, "https://graph.microsoft.com/.default").await;
    let page: serde_json::Value = reqwest_get(raw.as_str(), &token).await;
    let statuses: Vec<&str> =
        page["value"].as_array().into_iter().flatten().filter_map(|a| a["status"].as_str()).collect();
    assert!(statuses.contains(&"unknownFutureValue") && !statuses.contains(&"triaged"), "{statuses:?}");

    // Secure Score, newest first, and hunting rows with `take`.
    let scores =
        graph.security().secure_scores().list().top(2).collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scores.len(), 2);
    let results = graph
        .security()
        .run_hunting_query(Some("DeviceProcessEvents | take 3"), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(results.results.as_ref().map(Vec::len), Some(3));

    // Each root takes only its own audience's token.
    let defender_token =
        defender_runtime_token(&emulator, "https://api.securitycenter.microsoft.com/.default").await;
    let at_graph =
        reqwest_status(&format!("{}/v1.0/security/incidents", emulator.base_url()), &defender_token).await;
    assert_eq!(at_graph, 401);
    let at_defender = reqwest_status(&format!("{}/api/exposureScore", emulator.base_url()), &token).await;
    assert_eq!(at_defender, 401);
}

/// A token for `scope` from the emulator's token endpoint.
async fn defender_runtime_token(emulator: &Emulator, scope: &str) -> String {
    let config = emulator.config();
    let credential = ClientSecretCredential::new(&config.tenant_id, &config.client_id, &config.client_secret)
        .with_authority_host(url::Url::parse(&emulator.authority()).unwrap_or_else(|e| panic!("{e}")));
    use defender_sdk::TokenCredential;
    credential.get_token(scope).await.unwrap_or_else(|e| panic!("{e}")).secret().to_owned()
}

async fn reqwest_status(url: &str, token: &str) -> u16 {
    let client = DefenderClient::builder()
        .base_url(url)
        .and_then(|b| {
            b.credential(StaticTokenCredential::new(token, SystemTime::now() + Duration::from_secs(600)))
                .retry_policy(RetryPolicy::none())
                .build()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let url = url::Url::parse(url).unwrap_or_else(|e| panic!("{e}"));
    match client.runtime().send(defender_runtime::Method::GET, url, None).await {
        Ok(response) => response.status.as_u16(),
        Err(error) => error.status().map_or(0, |s| s.as_u16()),
    }
}

async fn reqwest_get(url: &str, token: &str) -> serde_json::Value {
    let client = DefenderClient::builder()
        .base_url(url)
        .and_then(|b| {
            b.credential(StaticTokenCredential::new(token, SystemTime::now() + Duration::from_secs(600)))
                .build()
        })
        .unwrap_or_else(|e| panic!("{e}"));
    let url = url::Url::parse(url).unwrap_or_else(|e| panic!("{e}"));
    client.runtime().get(url).await.unwrap_or_else(|e| panic!("{e}"))
}
