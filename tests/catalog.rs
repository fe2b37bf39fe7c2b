//! The generated catalog (`defender_sdk::catalog`) against the SDK it describes: every endpoint
//! can be prepared from text and resolved back, and the requests the typed SDK sends resolve to
//! the endpoints the catalog names for them.

use defender_e2e::{defender_client, mount_token_endpoint, sample_argument};
use defender_runtime::catalog::{Endpoint, ParameterLocation, Verb};
use defender_runtime::{ErrorKind, Method, Patch};
use defender_sdk::catalog::CATALOG;
use defender_sdk::{IndicatorInput, IsolationType, edm};
use futures_util::StreamExt;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn arguments(endpoint: &Endpoint) -> Vec<(&'static str, String)> {
    endpoint.parameters.iter().map(|p| (p.name, sample_argument(&CATALOG, p.ty))).collect()
}

#[test]
fn every_endpoint_prepares_and_resolves_back_to_itself() {
    assert!(CATALOG.endpoints.len() >= 115, "{} endpoints", CATALOG.endpoints.len());
    for endpoint in CATALOG.endpoints {
        let arguments = arguments(endpoint);
        let borrowed: Vec<(&str, &str)> = arguments.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let request = CATALOG
            .prepare(endpoint, &borrowed)
            .unwrap_or_else(|e| panic!("{}: cannot prepare: {e}", endpoint.name));
        assert_eq!(request.verb, endpoint.verb);
        let path = request.path.split('?').next().unwrap_or_default();
        let found = CATALOG
            .resolve(endpoint.verb, path)
            .unwrap_or_else(|| panic!("{}: {} resolves to nothing", endpoint.name, request.path));
        assert_eq!(found.endpoint.name, endpoint.name, "{} resolved {}", endpoint.name, request.path);
        let in_path: Vec<(&str, String)> = endpoint
            .parameters
            .iter()
            .filter(|p| matches!(p.location, ParameterLocation::Segment | ParameterLocation::Literal))
            .map(|p| {
                (
                    p.name,
                    arguments.iter().find(|(n, _)| *n == p.name).map(|(_, v)| v.clone()).unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(found.values, in_path, "{}: values read back from {}", endpoint.name, request.path);
        let expects_body = matches!(endpoint.verb, Verb::Post | Verb::Patch);
        assert_eq!(request.body.is_some(), expects_body, "{}", endpoint.name);
    }
}

#[test]
fn path_placeholders_are_exactly_the_parameters_written_in_the_path() {
    for endpoint in CATALOG.endpoints {
        let mut placeholders: Vec<&str> =
            endpoint.path.split('{').skip(1).filter_map(|rest| rest.split('}').next()).collect();
        let mut in_path: Vec<&str> = endpoint
            .parameters
            .iter()
            .filter(|p| matches!(p.location, ParameterLocation::Segment | ParameterLocation::Literal))
            .map(|p| p.name)
            .collect();
        placeholders.sort_unstable();
        in_path.sort_unstable();
        assert_eq!(placeholders, in_path, "{}", endpoint.name);
    }
}

#[test]
fn endpoints_are_shown_as_the_reference_writes_them() {
    let shown = |name: &str| CATALOG.endpoint(name).map(|e| e.display(CATALOG.root));
    assert_eq!(shown("machines.isolate").as_deref(), Some("POST /api/machines/{id}/isolate"));
    assert_eq!(
        shown("machines.findbytag").as_deref(),
        Some("GET /api/machines/findbytag?tag={tag}&useStartsWithFilter={useStartsWithFilter}")
    );
    assert_eq!(
        shown("machines.findbyip").as_deref(),
        Some("GET /api/machines/findbyip(ip={ip},timestamp={timestamp})")
    );
    assert_eq!(
        shown("exposureScore.ByMachineGroups").as_deref(),
        Some("GET /api/exposureScore/ByMachineGroups")
    );
    let isolate = CATALOG.endpoint("MACHINES.ISOLATE").map(|e| (e.sdk, e.permissions.len()));
    assert_eq!(isolate.map(|(sdk, _)| sdk), Some("machines().get(id).isolate(comment, isolation_type)"));
    assert!(isolate.is_some_and(|(_, permissions)| permissions > 0));
}

#[test]
fn arguments_are_checked_against_the_parameter_types() {
    let message = |name: &str, arguments: &[(&str, &str)]| {
        let endpoint = CATALOG.endpoint(name).unwrap_or_else(|| panic!("no {name}"));
        match CATALOG.prepare(endpoint, arguments).map_err(|e| e.into_kind()) {
            Err(ErrorKind::Config(message)) => message,
            other => panic!("{name}: expected a usage error, got {other:?}"),
        }
    };
    let unknown = message("machines.get", &[("id", "1"), ("ip", "x")]);
    assert!(unknown.contains("no parameter `ip`") && unknown.contains("id"), "{unknown}");
    let missing = message("machines.isolate", &[("id", "1")]);
    assert!(missing.contains("needs parameter `Comment`"), "{missing}");
    let bad_number = message("files.stats", &[("sha1", "a"), ("lookBackHours", "two days")]);
    assert!(bad_number.contains("lookBackHours") && bad_number.contains("not an integer"), "{bad_number}");
    let bad_member =
        message("machines.isolate", &[("id", "1"), ("Comment", "c"), ("IsolationType", "Partial")]);
    assert!(bad_member.contains("`Partial` is not one of Full, Selective"), "{bad_member}");
    let twice = message("machines.get", &[("id", "1"), ("ID", "2")]);
    assert!(twice.contains("given twice"), "{twice}");
}

#[test]
fn members_and_enums_are_written_as_the_service_expects() {
    let isolate = CATALOG.endpoint("machines.isolate").unwrap_or_else(|| panic!("no isolate"));
    let request = CATALOG
        .prepare(isolate, &[("id", "ab/c"), ("Comment", "why"), ("IsolationType", "selective")])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(request.path, "machines/ab%2Fc/isolate");
    assert_eq!(request.body, Some(serde_json::json!({"Comment": "why", "IsolationType": "Selective"})));
    let find = CATALOG.endpoint("machines.findbyip").unwrap_or_else(|| panic!("no findbyip"));
    let request = CATALOG
        .prepare(find, &[("ip", "10.1.1.1"), ("timestamp", "2024-01-01T00:00:00+01:00")])
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(request.path, "machines/findbyip(ip='10.1.1.1',timestamp=2024-01-01T00:00:00%2B01:00)");
    let batch = CATALOG.endpoint("indicators.BatchDelete").unwrap_or_else(|| panic!("no BatchDelete"));
    let request = CATALOG.prepare(batch, &[("IndicatorIds", "1, 2")]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(request.body, Some(serde_json::json!({"IndicatorIds": ["1", "2"]})));
}

/// Sends typed SDK calls to a server that answers anything, then reads back which catalog
/// endpoint each request it received resolves to.
#[tokio::test]
async fn requests_the_typed_sdk_sends_resolve_to_the_endpoints_the_catalog_names() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_raw(r#"{"value": []}"#, "application/json"))
        .mount(&server)
        .await;
    let client = defender_client(&server);
    let timestamp: edm::DateTimeOffset = "2024-01-01T00:00:00Z".parse().unwrap_or_else(|e| panic!("{e:?}"));
    // Responses are not what each call expects; only the requests matter here.
    let _ = client.exposure_score().await;
    let _ = client.machines().get("m1").await;
    let _ = client.machines().get("m1").isolate("why", Some(IsolationType::Full)).await;
    let _ = client.machines().findbyip("10.0.0.1", timestamp).pages().next().await;
    let _ = client.machines().findbytag("vip", Some(true)).pages().next().await;
    let _ = client.files().get("abc").stats(Some(48)).await;
    let _ = client.alerts().get("a1").machine().await;
    let _ = client.machineactions().get("ma1").get_live_response_result_download_link(0).await;
    let indicator =
        IndicatorInput { indicator_value: Patch::Value("evil.example".to_owned()), ..Default::default() };
    let _ = client.indicators().create(&indicator).await;
    let _ = client.indicators().get("1").delete().await;
    let _ = client.run("DeviceInfo | take 1").await;
    let expected = [
        "exposureScore.get",
        "machines.get",
        "machines.isolate",
        "machines.findbyip",
        "machines.findbytag",
        "files.stats",
        "alerts.machine",
        "machineactions.GetLiveResponseResultDownloadLink",
        "indicators.create",
        "indicators.delete",
        "advancedqueries.run",
    ];
    let received = server.received_requests().await.unwrap_or_default();
    let resolved: Vec<&str> = received
        .iter()
        .filter(|request| request.url.path().starts_with("/api/"))
        .map(|request| {
            let verb = Verb::from_method(
                &Method::from_bytes(request.method.as_str().as_bytes()).unwrap_or(Method::GET),
            )
            .unwrap_or_else(|| panic!("unexpected method {}", request.method));
            let path = request.url.path().trim_start_matches("/api/");
            CATALOG
                .resolve(verb, path)
                .map(|found| found.endpoint.name)
                .unwrap_or_else(|| panic!("{} {} is in no catalog endpoint", request.method, request.url))
        })
        .collect();
    assert_eq!(resolved, expected);
}

#[test]
fn types_describe_inherited_properties_keys_and_derived_types() {
    let machine = CATALOG.type_info("Machine").unwrap_or_else(|| panic!("no Machine"));
    assert_eq!(machine.name, "microsoft.windowsDefenderATP.api.Machine");
    assert_eq!(CATALOG.key(machine), ["id"]);
    let names: Vec<&str> = CATALOG.properties(machine).iter().map(|p| p.name).collect();
    assert!(names.contains(&"computerDnsName") && names.contains(&"healthStatus"), "{names:?}");

    // Vulnerability assessments come as derived types of a base type.
    let fixture = CATALOG;
    let derived: Vec<&str> = fixture
        .types
        .iter()
        .filter_map(|t| t.structure().and_then(|s| s.base).map(|base| (t, base)))
        .map(|(t, base)| {
            let own = t.structure().map_or(0, |s| s.properties.len());
            let base_info = fixture.type_info(base).unwrap_or_else(|| panic!("no base {base}"));
            assert_eq!(fixture.properties(t).len(), own + fixture.properties(base_info).len(), "{}", t.name);
            assert!(fixture.derived(base).iter().any(|d| d.name == t.name), "{} under {base}", t.name);
            t.name
        })
        .collect();
    assert!(derived.contains(&"microsoft.windowsDefenderATP.api.DeltaAssetVulnerability"), "{derived:?}");
}
