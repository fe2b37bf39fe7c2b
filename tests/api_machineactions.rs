//! Endpoints of the `machineactions` area against a loopback server, with the reference pages' examples.

use defender_e2e::{TOKEN, assert_lossless, defender_client, mount_token_endpoint};
use defender_sdk::{
    AntiVirusScanType, FileIdentifierType, IsolationType, LiveResponseCommand, LiveResponseCommandParameter,
    LiveResponseCommandStatus, LiveResponseCommandType, LiveResponseScriptResult, MachineAction,
    MachineActionScope, MachineActionStatus, MachineActionType,
};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

/// The device every device-action example of the reference pages acts on.
const MACHINE: &str = "1e5bc9d7e413ddd7902c2932e418702b84d0cc07";
/// The machine action of the cancel and live response result examples.
const LIVE_RESPONSE_ACTION: &str = "988cc94e-7a8f-4b28-ab65-54970c5d5018";

fn fixture_text(name: &str) -> String {
    let path = format!("{}/{name}", concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/api/machineactions"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

fn fixture_json(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn written(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| panic!("serialize: {e}"))
}

fn text<T: ToString>(value: Option<T>) -> Option<String> {
    value.map(|v| v.to_string())
}

/// A request to the API with the bearer token the local token endpoint issued.
fn api(http_method: &str, api_path: &str) -> MockBuilder {
    Mock::given(method(http_method))
        .and(path(api_path))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("accept", "application/json"))
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    server
}

/// Serves `body` as JSON with `status` for `GET api_path`, once.
async fn serve_get(server: &MockServer, api_path: &str, status: u16, body: String) {
    api("GET", api_path)
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(server)
        .await;
}

/// Serves `response` with `status` for `POST api_path` whose JSON body is exactly `request`, once.
async fn serve_post(server: &MockServer, api_path: &str, request: Value, status: u16, response: &Value) {
    api("POST", api_path)
        .and(header("content-type", "application/json"))
        .and(body_json(request))
        .respond_with(ResponseTemplate::new(status).set_body_raw(response.to_string(), "application/json"))
        .expect(1)
        .mount(server)
        .await;
}

/// The device actions' pages show no response body, only that it is a machine action. The
/// resource page's example (`machineaction.example.json`) is served instead, with the members
/// the call decides set to what this call would produce.
fn action_response(changes: Value) -> Value {
    let mut body = fixture_json("machineaction.example.json");
    let (Value::Object(body_members), Value::Object(changes)) = (&mut body, changes) else {
        panic!("machineaction.example.json and the changes must be objects");
    };
    body_members.extend(changes);
    body
}

/// Serves a device action (`POST /api/machines/{MACHINE}/{segment}`) that expects the page's
/// request fixture and answers with a new `Pending` machine action of type `action_type`.
async fn serve_device_action(
    segment: &str,
    request_fixture: &str,
    status: u16,
    action_type: &str,
    more: Value,
) -> (MockServer, Value) {
    let server = server().await;
    let request = fixture_json(request_fixture);
    let mut changes = json!({
        "type": action_type,
        "scope": null,
        "status": "Pending",
        "machineId": MACHINE,
        "requestorComment": request["Comment"],
    });
    if let (Value::Object(changes), Value::Object(more)) = (&mut changes, more) {
        changes.extend(more);
    }
    let response = action_response(changes);
    serve_post(&server, &format!("/api/machines/{MACHINE}/{segment}"), request, status, &response).await;
    (server, response)
}

/// What every answered device action must show: the type, the pending status, the device and
/// the comment the request carried, and nothing the service sent lost.
fn assert_new_action(action: &MachineAction, served: &Value, action_type: MachineActionType, comment: &str) {
    assert_eq!(action.id, "5382f7ea-7557-4ab7-9782-d50480024a4e");
    assert_eq!(action.r#type, Some(action_type));
    assert_eq!(action.status, Some(MachineActionStatus::Pending));
    assert_eq!(action.machine_id.as_deref(), Some(MACHINE));
    assert_eq!(action.requestor_comment.as_deref(), Some(comment));
    assert_eq!(action.requestor.as_deref(), Some("Analyst@TestPrd.onmicrosoft.com"));
    assert_eq!(text(action.creation_date_time_utc).as_deref(), Some("2019-01-02T14:39:38.2262283Z"));
    assert_lossless(served, &written(action));
}

// ---------------------------------------------------------------------------------------------
// Machine actions: list, get, cancel, package and live response result links
// ---------------------------------------------------------------------------------------------

#[test]
fn machineaction_resource_example_decodes_without_loss() {
    let original = fixture_json("machineaction.example.json");
    let action: MachineAction = serde_json::from_value(original.clone()).unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(action.id, "5382f7ea-7557-4ab7-9782-d50480024a4e");
    assert_eq!(action.r#type, Some(MachineActionType::Isolate));
    assert_eq!(action.scope, Some(MachineActionScope::Selective));
    assert_eq!(action.status, Some(MachineActionStatus::Succeeded));
    assert_eq!(action.related_file_info, None);
    assert!(action.additional_properties.is_empty(), "{:?}", action.additional_properties);
    assert_lossless(&original, &written(&action));
}

#[tokio::test]
async fn list_machine_actions_decodes_the_three_actions_of_example_1() {
    let server = server().await;
    let body = fixture_text("get-machineactions-collection.response-1.json");
    api("GET", "/api/machineactions")
        .and(query_param_is_missing("$filter"))
        .and(query_param_is_missing("$top"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    let page =
        defender_client(&server).machineactions().list().first_page().await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(
        page.context.as_deref(),
        Some("https://api.securitycenter.microsoft.com/api/$metadata#MachineActions")
    );
    assert!(page.next_link.is_none());
    let ids: Vec<_> = page.items.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "69dc3630-1ccc-4342-acf3-35286eec741d",
            "2e9da30d-27f6-4208-81f2-9cd3d67893ba",
            "44cffc15-0e3d-4cbf-96aa-bf76f9b27f5e"
        ]
    );
    let types: Vec<_> = page.items.iter().map(|a| a.r#type.clone()).collect();
    assert_eq!(
        types,
        [
            Some(MachineActionType::CollectInvestigationPackage),
            Some(MachineActionType::RunAntiVirusScan),
            Some(MachineActionType::StopAndQuarantineFile)
        ]
    );
    let scopes: Vec<_> = page.items.iter().map(|a| a.scope.clone()).collect();
    assert_eq!(scopes, [None, Some(MachineActionScope::Full), None]);
    assert!(page.items.iter().all(|a| a.status == Some(MachineActionStatus::Succeeded)));
    // The list examples spell the update time `lastUpdateTimeUtc`, not `lastUpdateDateTimeUtc`.
    let first = &page.items[0];
    assert_eq!(text(first.last_update_time_utc).as_deref(), Some("2018-12-04T12:45:25.4049122Z"));
    assert_eq!(first.last_update_date_time_utc, None);
    assert_eq!(text(first.creation_date_time_utc).as_deref(), Some("2018-12-04T12:43:57.2011911Z"));
    assert_eq!(first.computer_dns_name.as_deref(), Some("desktop-39g9tgl"));
    let quarantine = page.items[2].related_file_info.as_ref().unwrap_or_else(|| panic!("no relatedFileInfo"));
    assert_eq!(quarantine.file_identifier.as_deref(), Some("a0c659857ccbe457fdaf5fe21d54efdcbf6f6508"));
    assert_eq!(quarantine.file_identifier_type, Some(FileIdentifierType::Sha1));
    assert!(page.items.iter().all(|a| a.additional_properties.is_empty()));

    let original = fixture_json("get-machineactions-collection.response-1.json");
    assert_lossless(&original, &written(&page));
}

#[tokio::test]
async fn list_machine_actions_of_one_device_sends_filter_and_top_of_example_2() {
    let server = server().await;
    let body = fixture_text("get-machineactions-collection.response-2.json");
    api("GET", "/api/machineactions")
        .and(query_param("$filter", "machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f'"))
        .and(query_param("$top", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    let actions = defender_client(&server)
        .machineactions()
        .list()
        .filter("machineId eq 'f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f'")
        .top(2)
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(actions.len(), 2);
    assert!(
        actions.iter().all(|a| a.machine_id.as_deref() == Some("f46b9bb259ed4a7fb9981b73510e3cc7aa81ec1f"))
    );
    assert_eq!(actions[1].requestor_comment.as_deref(), Some("Check machine for viruses due to alert 3212"));
    assert_eq!(text(actions[1].last_update_time_utc).as_deref(), Some("2018-12-04T12:18:57.5511934Z"));

    let original = fixture_json("get-machineactions-collection.response-2.json");
    for (index, action) in actions.iter().enumerate() {
        assert_lossless(&original["value"][index], &written(action));
    }
}

#[tokio::test]
async fn get_machine_action_by_id_decodes_the_isolation_of_the_example() {
    let server = server().await;
    let body = fixture_text("get-machineaction-object.response.json");
    serve_get(&server, "/api/machineactions/2e9da30d-27f6-4208-81f2-9cd3d67893ba", 200, body).await;

    let action = defender_client(&server)
        .machineactions()
        .get("2e9da30d-27f6-4208-81f2-9cd3d67893ba")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    // The page asks for one id and answers with another; the SDK returns what was sent.
    assert_eq!(action.id, "5382f7ea-7557-4ab7-9782-d50480024a4e");
    assert_eq!(action.r#type, Some(MachineActionType::Isolate));
    assert_eq!(action.scope, Some(MachineActionScope::Selective));
    assert_eq!(action.status, Some(MachineActionStatus::Succeeded));
    assert_eq!(action.requestor.as_deref(), Some("Analyst@TestPrd.onmicrosoft.com"));
    assert_eq!(action.requestor_comment.as_deref(), Some("test for docs"));
    assert_eq!(action.machine_id.as_deref(), Some("7b1f4967d9728e5aa3c06a9e617a22a4a5a17378"));
    assert_eq!(action.computer_dns_name.as_deref(), Some("desktop-test"));
    assert_eq!(text(action.creation_date_time_utc).as_deref(), Some("2019-01-02T14:39:38.2262283Z"));
    assert_eq!(text(action.last_update_date_time_utc).as_deref(), Some("2019-01-02T14:40:44.6596267Z"));
    assert_eq!(action.related_file_info, None);
    assert_eq!(
        action.annotations.get("@odata.context"),
        Some(&Value::from("https://api.securitycenter.microsoft.com/api/$metadata#MachineActions/$entity"))
    );

    let original = fixture_json("get-machineaction-object.response.json");
    assert_lossless(&original, &written(&action));
}

#[tokio::test]
async fn get_machine_action_that_does_not_exist_is_a_404_error() {
    let server = server().await;
    let body = json!({"error": {"code": "ResourceNotFound", "message": "Machine action was not found"}});
    serve_get(&server, "/api/machineactions/00000000-0000-0000-0000-000000000000", 404, body.to_string())
        .await;

    let result = defender_client(&server).machineactions().get("00000000-0000-0000-0000-000000000000").await;

    let error = result.err().unwrap_or_else(|| panic!("a 404 was decoded as an action"));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error:?}");
    let defender_sdk::ErrorKind::Http(http) = error.kind() else { panic!("not an HTTP error: {error:?}") };
    assert_eq!(http.code.as_deref(), Some("ResourceNotFound"));
}

#[tokio::test]
async fn cancel_posts_the_comment_of_the_example_and_decodes_the_cancelled_action() {
    let server = server().await;
    let comment = "Machine action was canceled by automation";
    let response = action_response(json!({
        "id": LIVE_RESPONSE_ACTION,
        "type": "LiveResponse",
        "scope": null,
        "status": "Cancelled",
        "cancellationRequestor": "Analyst@TestPrd.onmicrosoft.com",
        "cancellationComment": comment,
        "cancellationDateTimeUtc": "2019-01-02T14:41:02.1234567Z",
    }));
    let request = fixture_json("cancel-machine-action.request.json");
    serve_post(
        &server,
        &format!("/api/machineactions/{LIVE_RESPONSE_ACTION}/cancel"),
        request,
        200,
        &response,
    )
    .await;

    let action = defender_client(&server)
        .machineactions()
        .get(LIVE_RESPONSE_ACTION)
        .cancel(Some(comment))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(action.id, LIVE_RESPONSE_ACTION);
    assert_eq!(action.r#type, Some(MachineActionType::LiveResponse));
    assert_eq!(action.status, Some(MachineActionStatus::Cancelled));
    assert_eq!(action.cancellation_comment.as_deref(), Some(comment));
    assert_eq!(action.cancellation_requestor.as_deref(), Some("Analyst@TestPrd.onmicrosoft.com"));
    assert_eq!(text(action.cancellation_date_time_utc).as_deref(), Some("2019-01-02T14:41:02.1234567Z"));
    assert_lossless(&response, &written(&action));
}

#[tokio::test]
async fn cancel_without_a_comment_leaves_the_comment_out() {
    let server = server().await;
    let response = action_response(json!({"status": "Cancelled"}));
    serve_post(
        &server,
        "/api/machineactions/5382f7ea-7557-4ab7-9782-d50480024a4e/cancel",
        json!({}),
        200,
        &response,
    )
    .await;

    let action = defender_client(&server)
        .machineactions()
        .get("5382f7ea-7557-4ab7-9782-d50480024a4e")
        .cancel(None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(action.status, Some(MachineActionStatus::Cancelled));
}

#[tokio::test]
async fn get_package_uri_returns_the_link_exactly_as_sent() {
    let server = server().await;
    let body = fixture_text("get-package-sas-uri.response.json");
    serve_get(
        &server,
        "/api/machineactions/7327b54fd718525cbca07dacde913b5ac3c85673/getPackageUri",
        200,
        body,
    )
    .await;

    let link = defender_client(&server)
        .machineactions()
        .get("7327b54fd718525cbca07dacde913b5ac3c85673")
        .get_package_uri()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let expected = fixture_json("get-package-sas-uri.response.json");
    assert_eq!(Some(link.as_str()), expected["value"].as_str());
    // The reference example wraps the link in double quotes; they are kept.
    assert!(
        link.starts_with("\"https://userrequests-us.securitycenter.windows.com:443/safedownload/"),
        "{link}"
    );
    assert!(link.contains("WDATP_Investigation_Package.zip?token="), "{link}");
    assert!(link.ends_with("%3d%3d\""), "{link}");
}

#[tokio::test]
async fn live_response_result_download_link_is_read_for_command_index_0() {
    let server = server().await;
    let body = fixture_text("get-live-response-result.response.json");
    let api_path =
        format!("/api/machineactions/{LIVE_RESPONSE_ACTION}/GetLiveResponseResultDownloadLink(index=0)");
    serve_get(&server, &api_path, 200, body).await;

    let link = defender_client(&server)
        .machineactions()
        .get(LIVE_RESPONSE_ACTION)
        .get_live_response_result_download_link(0)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(
        link,
        "https://core.windows.net/investigation-actions-data/ID/CustomPlaybookCommandOutput/\
         4ed5e7807ad1fe59b00b664fe06a0f07?se=2021-02-04T16%3A13%3A50Z&sp=r&sv=2019-07-07&sr=b\
         &sig=1dYGe9rPvUlXBPvYSmr6/OLXPY98m8qWqfIQCBbyZTY%3D"
    );
}

#[test]
fn live_response_script_result_file_decodes_without_loss() {
    let original = fixture_json("get-live-response-result.result-file.json");
    let result: LiveResponseScriptResult =
        serde_json::from_value(original.clone()).unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(result.script_name.as_deref(), Some("minidump.ps1"));
    assert_eq!(result.exit_code, Some(0));
    assert_eq!(result.script_errors.as_deref(), Some(""));
    let output = result.script_output.as_deref().unwrap_or_else(|| panic!("no script_output"));
    assert!(output.starts_with("Transcript started, output file is C:\\ProgramData\\"), "{output}");
    assert!(output.contains("\nC:\\windows\\TEMP\\OfficeClickToRun.dmp.zip\n51 MB\n"), "{output}");
    assert!(output.ends_with("\u{0}\u{0}\u{0}"), "{output:?}");
    assert!(result.additional_properties.is_empty());
    assert_lossless(&original, &written(&result));
}

// ---------------------------------------------------------------------------------------------
// Device actions: POST /api/machines/{id}/…
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn isolate_posts_the_example_body_and_decodes_the_new_action() {
    let (server, served) = serve_device_action(
        "isolate",
        "isolate-machine.request.json",
        201,
        "Isolate",
        json!({"scope": "Full"}),
    )
    .await;

    let action = defender_client(&server)
        .machines()
        .get(MACHINE)
        .isolate("Isolate machine due to alert 1234", Some(IsolationType::Full))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_new_action(&action, &served, MachineActionType::Isolate, "Isolate machine due to alert 1234");
    assert_eq!(action.scope, Some(MachineActionScope::Full));
}

#[tokio::test]
async fn isolate_without_an_isolation_type_leaves_it_out() {
    let server = server().await;
    let request = json!({"Comment": "Isolate machine due to alert 1234"});
    let response = action_response(json!({"status": "Pending", "machineId": MACHINE}));
    serve_post(&server, &format!("/api/machines/{MACHINE}/isolate"), request, 201, &response).await;

    let action = defender_client(&server)
        .machines()
        .get(MACHINE)
        .isolate("Isolate machine due to alert 1234", None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(action.r#type, Some(MachineActionType::Isolate));
    assert_eq!(action.status, Some(MachineActionStatus::Pending));
}

#[tokio::test]
async fn unisolate_posts_the_example_body_and_decodes_the_new_action() {
    let comment = "Unisolate machine since it was clean and validated";
    let (server, served) =
        serve_device_action("unisolate", "unisolate-machine.request.json", 201, "Unisolate", json!({})).await;

    let action = defender_client(&server)
        .machines()
        .get(MACHINE)
        .unisolate(comment)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_new_action(&action, &served, MachineActionType::Unisolate, comment);
    assert_eq!(action.scope, None);
}

#[tokio::test]
async fn restrict_code_execution_posts_the_example_body_and_decodes_the_new_action() {
    let comment = "Restrict code execution due to alert 1234";
    let (server, served) = serve_device_action(
        "restrictCodeExecution",
        "restrict-code-execution.request.json",
        201,
        "RestrictCodeExecution",
        json!({}),
    )
    .await;

    let action = defender_client(&server)
        .machines()
        .get(MACHINE)
        .restrict_code_execution(comment)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_new_action(&action, &served, MachineActionType::RestrictCodeExecution, comment);
}

#[tokio::test]
async fn unrestrict_code_execution_posts_the_example_body_and_decodes_the_new_action() {
    let comment = "Unrestrict code execution since machine was cleaned and validated";
    let (server, served) = serve_device_action(
        "unrestrictCodeExecution",
        "unrestrict-code-execution.request.json",
        201,
        "UnrestrictCodeExecution",
        json!({}),
    )
    .await;

    let action = defender_client(&server)
        .machines()
        .get(MACHINE)
        .unrestrict_code_execution(comment)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_new_action(&action, &served, MachineActionType::UnrestrictCodeExecution, comment);
}

#[tokio::test]
async fn run_antivirus_scan_posts_the_example_body_and_decodes_the_new_action() {
    let comment = "Check machine for viruses due to alert 3212";
    let (server, served) = serve_device_action(
        "runAntiVirusScan",
        "run-av-scan.request.json",
        201,
        "RunAntiVirusScan",
        json!({"scope": "Full"}),
    )
    .await;

    let action = defender_client(&server)
        .machines()
        .get(MACHINE)
        .run_anti_virus_scan(comment, AntiVirusScanType::Full)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_new_action(&action, &served, MachineActionType::RunAntiVirusScan, comment);
    assert_eq!(action.scope, Some(MachineActionScope::Full));
}

#[tokio::test]
async fn collect_investigation_package_posts_the_example_body_to_the_example_device() {
    // This page's example uses a 32-digit device id of its own.
    let machine = "fb9ab6be3965095a09c057be7c90f0a2";
    let comment = "Collect forensics due to alert 1234";
    let server = server().await;
    let request = fixture_json("collect-investigation-package.request.json");
    let response = action_response(json!({
        "type": "CollectInvestigationPackage",
        "scope": null,
        "status": "Pending",
        "machineId": machine,
        "requestorComment": comment,
    }));
    serve_post(
        &server,
        &format!("/api/machines/{machine}/collectInvestigationPackage"),
        request,
        201,
        &response,
    )
    .await;

    let action = defender_client(&server)
        .machines()
        .get(machine)
        .collect_investigation_package(comment)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(action.r#type, Some(MachineActionType::CollectInvestigationPackage));
    assert_eq!(action.status, Some(MachineActionStatus::Pending));
    assert_eq!(action.machine_id.as_deref(), Some(machine));
    assert_eq!(action.requestor_comment.as_deref(), Some(comment));
    assert_lossless(&response, &written(&action));
}

#[tokio::test]
async fn stop_and_quarantine_file_posts_the_example_body_and_decodes_the_file() {
    let comment = "Stop and quarantine file on machine due to alert 441688558380765161_2136280442";
    let sha1 = "87662bc3d60e4200ceaf7aae249d1c343f4b83c9";
    let (server, served) = serve_device_action(
        "StopAndQuarantineFile",
        "stop-and-quarantine-file.request.json",
        201,
        "StopAndQuarantineFile",
        json!({"relatedFileInfo": {"fileIdentifier": sha1, "fileIdentifierType": "Sha1"}}),
    )
    .await;

    let action = defender_client(&server)
        .machines()
        .get(MACHINE)
        .stop_and_quarantine_file(comment, sha1)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_new_action(&action, &served, MachineActionType::StopAndQuarantineFile, comment);
    let file = action.related_file_info.as_ref().unwrap_or_else(|| panic!("no relatedFileInfo"));
    assert_eq!(file.file_identifier.as_deref(), Some(sha1));
    assert_eq!(file.file_identifier_type, Some(FileIdentifierType::Sha1));
}

#[tokio::test]
async fn offboard_posts_the_example_body_and_decodes_the_200_answer() {
    let comment = "Offboard machine by automation";
    // The page states `200 - Created response`.
    let (server, served) =
        serve_device_action("offboard", "offboard-machine-api.request.json", 200, "Offboard", json!({}))
            .await;

    let action = defender_client(&server)
        .machines()
        .get(MACHINE)
        .offboard(comment)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_new_action(&action, &served, MachineActionType::Offboard, comment);
}

fn parameter(key: &str, value: &str) -> LiveResponseCommandParameter {
    LiveResponseCommandParameter { key: Some(key.into()), value: Some(value.into()), ..Default::default() }
}

fn command(kind: LiveResponseCommandType, params: Vec<LiveResponseCommandParameter>) -> LiveResponseCommand {
    LiveResponseCommand { r#type: Some(kind), params: Some(params), ..Default::default() }
}

#[tokio::test]
async fn run_live_response_posts_the_example_commands_and_decodes_the_example_answer() {
    // The page says 201 Created; its example answers `HTTP/1.1 200 Ok`. Both carry the action.
    for status in [200, 201] {
        let server = server().await;
        let request = fixture_json("run-live-response.request.json");
        let response = fixture_json("run-live-response.response.json");
        serve_post(&server, &format!("/api/machines/{MACHINE}/runliveresponse"), request, status, &response)
            .await;

        let commands = vec![
            command(
                LiveResponseCommandType::RunScript,
                vec![parameter("ScriptName", "minidump.ps1"), parameter("Args", "OfficeClickToRun")],
            ),
            command(
                LiveResponseCommandType::GetFile,
                vec![parameter("Path", "C:\\windows\\TEMP\\OfficeClickToRun.dmp.zip")],
            ),
        ];
        let action = defender_client(&server)
            .machines()
            .get(MACHINE)
            .runliveresponse(Some("Testing Live Response API"), commands.clone())
            .await
            .unwrap_or_else(|e| panic!("{status}: {e}"));

        assert_eq!(action.id, "{machine_action_id}");
        assert_eq!(action.r#type, Some(MachineActionType::LiveResponse));
        assert_eq!(action.status, Some(MachineActionStatus::Pending));
        assert_eq!(action.requestor.as_deref(), Some("analyst@microsoft.com"));
        assert_eq!(action.requestor_comment.as_deref(), Some("Testing Live Response API"));
        assert_eq!(action.machine_id.as_deref(), Some("{machine_id}"));
        assert_eq!(action.error_h_result, Some(0));
        assert_eq!(text(action.last_update_date_time_utc).as_deref(), Some("2021-02-04T15:36:52.7788848Z"));
        let sent = action.commands.as_deref().unwrap_or_else(|| panic!("no commands"));
        assert_eq!(sent.len(), 2);
        for (index, (echoed, asked)) in sent.iter().zip(&commands).enumerate() {
            assert_eq!(echoed.index, i32::try_from(index).ok());
            assert_eq!(echoed.command_status, Some(LiveResponseCommandStatus::Created));
            assert_eq!(echoed.start_time, None);
            assert_eq!(echoed.end_time, None);
            assert_eq!(echoed.errors.as_deref(), Some(&[][..]));
            // The service echoes each command exactly as it was asked for.
            assert_eq!(echoed.command.as_ref(), Some(asked));
        }
        assert!(action.additional_properties.is_empty(), "{:?}", action.additional_properties);
        assert_lossless(&response, &written(&action));
    }
}

// ---------------------------------------------------------------------------------------------
// Live response library
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn list_library_files_decodes_the_three_files_of_the_example() {
    let server = server().await;
    serve_get(&server, "/api/libraryfiles", 200, fixture_text("list-library-files.response.json")).await;

    let page =
        defender_client(&server).libraryfiles().list().first_page().await.unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(
        page.context.as_deref(),
        Some("https://api.security.microsoft.com/api/$metadata#LibraryFiles")
    );
    let names: Vec<_> = page.items.iter().map(|f| f.file_name.as_str()).collect();
    assert_eq!(names, ["script1.ps1", "script.sh", "memdump.exe"]);
    let has_parameters: Vec<_> = page.items.iter().map(|f| f.has_parameters).collect();
    assert_eq!(has_parameters, [Some(true), Some(false), Some(false)]);
    let descriptions: Vec<_> = page.items.iter().map(|f| f.parameters_description.as_deref()).collect();
    assert_eq!(descriptions, [Some("test"), None, None]);
    assert_eq!(page.items[2].description.as_deref(), Some("Process memory dump"));
    assert_eq!(page.items[0].description, None);
    assert_eq!(page.items[1].created_by.as_deref(), Some("username"));
    assert_eq!(
        page.items[0].sha256.as_deref(),
        Some("6e212a0db618507c44e4ec8ee7499dfef7e5767e5f8d31144df3b96fd1145caf")
    );
    assert_eq!(text(page.items[1].creation_time).as_deref(), Some("2018-10-24T11:15:35.3688259Z"));
    assert_eq!(text(page.items[0].last_updated_time).as_deref(), Some("2019-10-24T10:54:23.2009016Z"));
    assert!(page.items.iter().all(|f| f.additional_properties.is_empty()));

    let original = fixture_json("list-library-files.response.json");
    assert_lossless(&original, &written(&page));
}

#[tokio::test]
async fn delete_library_file_sends_delete_by_file_name_and_accepts_204() {
    let server = server().await;
    api("DELETE", "/api/libraryfiles/script1.ps1")
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let deleted = defender_client(&server).libraryfiles().get("script1.ps1").delete().await;

    assert!(deleted.is_ok(), "{deleted:?}");
}

#[tokio::test]
async fn delete_library_file_that_does_not_exist_is_a_404_error() {
    let server = server().await;
    api("DELETE", "/api/libraryfiles/missing.ps1")
        .respond_with(ResponseTemplate::new(404))
        .expect(1)
        .mount(&server)
        .await;

    let deleted = defender_client(&server).libraryfiles().get("missing.ps1").delete().await;

    let error = deleted.err().unwrap_or_else(|| panic!("a 404 was taken for a deletion"));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404), "{error:?}");
}
