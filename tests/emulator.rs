//! The emulator answers every endpoint of the catalog with something the SDK decodes without
//! loss, and the typed SDK works against it across the API's areas.

use defender_e2e::{assert_lossless, sample_argument};
use defender_emulator::{Config, Emulator};
use defender_runtime::catalog::{Endpoint, EndpointKind, ParameterLocation, Shape, Verb};
use defender_sdk::catalog::CATALOG;
use defender_sdk::{
    ClientSecretCredential, DefenderClient, IndicatorInput, LibraryUpload, RetryPolicy, registry,
};
use futures_util::StreamExt;
use serde_json::Value;

async fn start() -> Emulator {
    let config = Config { machines: 300, ..Config::default() };
    Emulator::start(config).await.unwrap_or_else(|e| panic!("emulator: {e}"))
}

fn client(emulator: &Emulator) -> DefenderClient {
    let config = emulator.config();
    let authority = url::Url::parse(&emulator.authority()).unwrap_or_else(|e| panic!("{e}"));
    let credential = ClientSecretCredential::new(&config.tenant_id, &config.client_id, &config.client_secret)
        .with_authority_host(authority);
    DefenderClient::builder()
        .base_url(&emulator.base_url())
        .and_then(|b| b.credential(credential).retry_policy(RetryPolicy::none()).build())
        .unwrap_or_else(|e| panic!("client: {e}"))
}

/// Sends `verb path` with an optional JSON body and returns the status and body.
async fn send(client: &DefenderClient, verb: Verb, path: &str, body: Option<&Value>) -> (u16, Vec<u8>) {
    let runtime = client.runtime();
    let url = runtime.url(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let bytes = body.map(|b| serde_json::to_vec(b).unwrap_or_default());
    match runtime.send(verb.method(), url, bytes).await {
        Ok(response) => (response.status.as_u16(), response.body.to_vec()),
        Err(error) => (error.status().map_or(0, |s| s.as_u16()), error.to_string().into_bytes()),
    }
}

/// A key of an entity the set an endpoint starts from has, read from the emulated tenant: not
/// every set can be listed through the API. An action's results exist only for an action of
/// its kind that succeeded, so those endpoints take such an action.
fn existing_key(emulator: &Emulator, endpoint: &Endpoint, name: &str) -> String {
    let wanted = match endpoint.name {
        "machineactions.getPackageUri" => Some("CollectInvestigationPackage"),
        "machineactions.GetLiveResponseResultDownloadLink" => Some("LiveResponse"),
        _ => None,
    };
    let entities: Vec<Value> = emulator
        .entities(endpoint.root)
        .into_iter()
        .filter(|entity| {
            wanted.is_none_or(|kind| {
                entity["type"] == kind
                    && entity["status"] == "Succeeded"
                    && (kind != "LiveResponse"
                        || entity["commands"].as_array().is_some_and(|c| !c.is_empty()))
            })
        })
        .collect();
    match entities.first().map(|entity| &entity[name]) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Number(number)) => number.to_string(),
        other => panic!("{}: no key {name} in {}: {other:?}", endpoint.name, endpoint.root),
    }
}

/// The key properties of the entity set an endpoint starts from.
fn key_of_root(endpoint: &Endpoint) -> &'static [&'static str] {
    CATALOG
        .endpoints
        .iter()
        .find(|e| e.kind == EndpointKind::Get && e.root == endpoint.root)
        .and_then(|list| list.returns)
        .and_then(|returns| CATALOG.type_info(returns.name))
        .map_or(&[], |ty| CATALOG.key(ty))
}

#[tokio::test]
async fn every_endpoint_of_the_catalog_answers_with_what_the_sdk_decodes() {
    let emulator = start().await;
    let client = client(&emulator);
    // A live response session that ran to its end, whose result link the catalog asks for.
    let machine = emulator.entities("machines")[0]["id"].as_str().unwrap_or_default().to_owned();
    let command =
        defender_sdk::live_response_command("RunScript collect.ps1").unwrap_or_else(|e| panic!("{e}"));
    let session = client.machines().get(&machine).runliveresponse(None, vec![command]).await;
    let session = session.unwrap_or_else(|e| panic!("{e}"));
    let quickly = defender_sdk::ActionWait::default()
        .poll_interval(std::time::Duration::from_millis(5), std::time::Duration::from_millis(5));
    client.wait_for_machine_action(&session.id, &quickly).await.unwrap_or_else(|e| panic!("{e}"));
    let mut answered = 0;
    for endpoint in CATALOG.endpoints {
        let mut arguments = Vec::new();
        for parameter in endpoint.parameters {
            let in_path =
                matches!(parameter.location, ParameterLocation::Segment | ParameterLocation::Literal);
            let value = if in_path && key_of_root(endpoint).contains(&parameter.name) {
                existing_key(&emulator, endpoint, parameter.name)
            } else if endpoint.name == "machineactions.GetLiveResponseResultDownloadLink"
                && parameter.name == "index"
            {
                // The session's first command: results exist only for commands it ran.
                "0".to_owned()
            } else if endpoint.name == "advancedqueries.run" && parameter.name == "Query" {
                // Hunting runs the query: a sample string is not one (it names no table).
                "DeviceProcessEvents | take 2".to_owned()
            } else {
                sample_argument(&CATALOG, parameter.ty)
            };
            arguments.push((parameter.name, value));
        }
        let borrowed: Vec<(&str, &str)> = arguments.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let request =
            CATALOG.prepare(endpoint, &borrowed).unwrap_or_else(|e| panic!("{}: {e}", endpoint.name));
        let (status, body) = send(&client, request.verb, &request.path, request.body.as_ref()).await;
        assert!(
            (200..300).contains(&status),
            "{} {} answered {status}: {}",
            endpoint.name,
            request.path,
            String::from_utf8_lossy(&body)
        );
        answered += 1;
        let Some(returns) = endpoint.returns else { continue };
        if endpoint.verb == Verb::Delete || body.is_empty() {
            panic!("{}: no body, though it returns {returns}", endpoint.name);
        }
        let original: Value =
            serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{}: {e}", endpoint.name));
        match CATALOG.type_info(returns.name).map(|t| t.shape) {
            Some(Shape::Entity(_) | Shape::Complex(_)) => {
                let written = registry::decode_as(returns.name, returns.collection, &body)
                    .unwrap_or_else(|| panic!("{}: the registry has no {}", endpoint.name, returns.name))
                    .unwrap_or_else(|e| panic!("{} {}: {e}", endpoint.name, request.path));
                assert_lossless(&original, &written);
                if returns.collection {
                    assert!(original["value"].is_array(), "{}: {original}", endpoint.name);
                }
            }
            _ => assert!(original.get("value").is_some(), "{}: {original}", endpoint.name),
        }
    }
    assert_eq!(answered, CATALOG.endpoints.len());
}

#[tokio::test]
async fn the_typed_sdk_works_against_it_across_the_areas() {
    let emulator = start().await;
    let client = client(&emulator);
    let check = |what: &str, result: Result<usize, defender_sdk::Error>| match result {
        Ok(n) => n,
        Err(e) => panic!("{what}: {e}"),
    };

    // Vulnerability management: a set, an entity's related collections, and a paged export.
    let software = client.software().list().top(5).first_page().await.map(|p| p.items);
    let software = software.unwrap_or_else(|e| panic!("software: {e}"));
    assert_eq!(software.len(), 5);
    let versions =
        client.software().get(&software[0].id).distributions().collect_all().await.map(|v| v.len());
    check("distributions", versions);
    let pages: Vec<_> =
        client.machines().software_inventory_by_machine(Some(40)).pages().collect::<Vec<_>>().await;
    assert!(pages.len() >= 3, "120 rows in pages of 40 came in {} pages", pages.len());
    assert!(pages.iter().all(|p| p.as_ref().is_ok_and(|p| p.items.len() <= 40)));

    // Files, IPs and domains: statistics with a query-option parameter.
    // The file set cannot be listed (the spec says `Readable=false`); an alert names its files.
    let alerts = client.alerts().list().top(20).collect_all().await.unwrap_or_else(|e| panic!("alerts: {e}"));
    let mut file = None;
    for alert in &alerts {
        let files = client.alerts().get(&alert.id).files().collect_all().await;
        if let Some(first) = files.unwrap_or_else(|e| panic!("alert files: {e}")).into_iter().next() {
            file = Some(first);
            break;
        }
    }
    let file = file.unwrap_or_else(|| panic!("none of {} alerts names a file", alerts.len()));
    let stats = client.files().get(&file.sha1).stats(Some(48)).await.unwrap_or_else(|e| panic!("stats: {e}"));
    assert!(
        stats.additional_properties.is_empty(),
        "only declared members: {:?}",
        stats.additional_properties
    );

    // Indicators: create, read back, delete, and the read is then a 404.
    let input = IndicatorInput {
        indicator_value: "evil.example".to_owned().into(),
        title: "Known bad domain".to_owned().into(),
        ..Default::default()
    };
    let created = client.indicators().create(&input).await.unwrap_or_else(|e| panic!("create: {e}"));
    let created = created.unwrap_or_else(|| panic!("the created indicator was not returned"));
    assert_eq!(created.indicator_value.as_deref(), Some("evil.example"));
    let id = created.id.clone();
    let read = client.indicators().get(&id).await.unwrap_or_else(|e| panic!("read: {e}"));
    assert_eq!(read.title.as_deref(), Some("Known bad domain"));
    client.indicators().get(&id).delete().await.unwrap_or_else(|e| panic!("delete: {e}"));
    let gone =
        client.indicators().get(&id).await.err().unwrap_or_else(|| panic!("deleted indicator still read"));
    assert_eq!(gone.status().map(|s| s.as_u16()), Some(404));

    // Tags change the machine; finding by tag finds it.
    let machine =
        client.machines().list().top(1).first_page().await.unwrap_or_else(|e| panic!("{e}")).items.remove(0);
    let tagged = client
        .machines()
        .get(&machine.id)
        .tags("emulator-demo", defender_sdk::MachineTagAction::Add)
        .await
        .unwrap_or_else(|e| panic!("tags: {e}"));
    assert!(tagged.machine_tags.unwrap_or_default().contains(&"emulator-demo".to_owned()));
    let found = client.machines().findbytag("emulator-demo", None).collect_all().await;
    let found = found.unwrap_or_else(|e| panic!("findbytag: {e}"));
    assert_eq!(found.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), [machine.id.as_str()]);

    // Advanced hunting and the live response library.
    let hunting = client.run("DeviceInfo | take 10").await.unwrap_or_else(|e| panic!("run: {e}"));
    assert!(hunting.additional_properties.is_empty(), "{:?}", hunting.additional_properties);
    let upload = LibraryUpload::new("collect.ps1", b"Get-Process".to_vec()).description("Collects processes");
    let uploaded = client.upload_library_file(upload).await.unwrap_or_else(|e| panic!("upload: {e}"));
    assert_eq!(uploaded.file_name, "collect.ps1");
    let library = client.libraryfiles().list().collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(library.iter().any(|f| f.file_name == "collect.ps1"));
}

#[tokio::test]
async fn requests_the_catalog_does_not_know_are_odata_errors() {
    let emulator = start().await;
    let client = client(&emulator);
    let (status, body) = send(&client, Verb::Get, "nothing/here", None).await;
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
    let (status, body) = send(&client, Verb::Delete, "machines", None).await;
    assert_eq!(status, 405, "{}", String::from_utf8_lossy(&body));
    let isolate = format!("machines/{}/isolate", "no-such-machine");
    let (status, _) = send(&client, Verb::Post, &isolate, Some(&serde_json::json!({"Comment": "x"}))).await;
    assert_eq!(status, 404);
    let first = existing_key(
        &emulator,
        CATALOG.endpoint("machines.get").unwrap_or_else(|| panic!("machines.get")),
        "id",
    );
    let (status, body) =
        send(&client, Verb::Post, &format!("machines/{first}/isolate"), Some(&serde_json::json!({}))).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("Comment"), "{}", String::from_utf8_lossy(&body));
    let (status, body) = send(
        &client,
        Verb::Post,
        &format!("machines/{first}/isolate"),
        Some(&serde_json::json!({"Comment": "x", "IsolationType": "Partial"})),
    )
    .await;
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
}

#[tokio::test]
async fn every_graph_endpoint_of_the_catalog_answers_with_what_the_sdk_decodes() {
    use defender_sdk::graph::catalog::CATALOG as GRAPH;
    let emulator = start().await;
    let client = client(&emulator);
    let graph = client.runtime().graph();
    let mut answered = 0;
    for endpoint in GRAPH.endpoints {
        let mut arguments = Vec::new();
        for parameter in endpoint.parameters {
            let value = if parameter.location == ParameterLocation::Segment {
                // A key of the collection the path reads it from: its first item's.
                let collection = endpoint.path.split("/{").next().unwrap_or_default();
                let url = graph.url(&format!("{collection}?$top=1")).unwrap_or_else(|e| panic!("{e}"));
                let page: Value = graph.get(url).await.unwrap_or_else(|e| panic!("{}: {e}", endpoint.name));
                page["value"][0][parameter.name].as_str().unwrap_or_default().to_owned()
            } else if parameter.name == "query" {
                "DeviceProcessEvents | take 3".to_owned()
            } else {
                sample_argument(&GRAPH, parameter.ty)
            };
            arguments.push((parameter.name, value));
        }
        let borrowed: Vec<(&str, &str)> = arguments.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let request = GRAPH.prepare(endpoint, &borrowed).unwrap_or_else(|e| panic!("{}: {e}", endpoint.name));
        let url = graph.url(&request.path).unwrap_or_else(|e| panic!("{e}"));
        let body = request.body.as_ref().map(|b| serde_json::to_vec(b).unwrap_or_default());
        let response = graph
            .send(request.verb.method(), url, body)
            .await
            .unwrap_or_else(|e| panic!("{} {}: {e}", endpoint.name, request.path));
        answered += 1;
        let Some(returns) = endpoint.returns else { continue };
        let original: Value =
            serde_json::from_slice(&response.body).unwrap_or_else(|e| panic!("{}: {e}", endpoint.name));
        let written =
            defender_sdk::graph::registry::decode_as(returns.name, returns.collection, &response.body)
                .unwrap_or_else(|| panic!("{}: the registry has no {}", endpoint.name, returns.name))
                .unwrap_or_else(|e| panic!("{} {}: {e}", endpoint.name, request.path));
        assert_lossless(&original, &written);
    }
    assert_eq!(answered, GRAPH.endpoints.len());
    assert!(answered >= 11, "{answered}");
}
