//! Operations whose effect a demo or a test looks for, answered by hand: device response
//! actions record machine actions, tags and device values change the machine, batch updates
//! and deletes change alerts and indicators, and machines are found by tag or address.

use serde_json::{Map, Value, json};

use crate::data::{Tenant, new_key};
use crate::engine::{Call, Context, Failure, Reply, member};

/// Device response actions: the URL segment, and the machine action type they record.
const RESPONSE_ACTIONS: &[(&str, &str)] = &[
    ("isolate", "Isolate"),
    ("unisolate", "Unisolate"),
    ("restrictcodeexecution", "RestrictCodeExecution"),
    ("unrestrictcodeexecution", "UnrestrictCodeExecution"),
    ("runantivirusscan", "RunAntiVirusScan"),
    ("collectinvestigationpackage", "CollectInvestigationPackage"),
    ("stopandquarantinefile", "StopAndQuarantineFile"),
    ("offboard", "Offboard"),
    ("runliveresponse", "LiveResponse"),
];

/// The answer of a hand-written operation, or `None` to answer it from its return type.
pub fn handle(context: &Context<'_>, tenant: &mut Tenant, call: &Call<'_>) -> Option<Result<Reply, Failure>> {
    if let Some(row) = call.endpoint.file_rows {
        return Some(export(context, tenant, call, row));
    }
    let name = call.endpoint.name.to_ascii_lowercase();
    let (root, operation) = name.split_once('.').unwrap_or((&name, ""));
    Some(match (root, operation) {
        ("advancedqueries", "run") => hunt(tenant, call),
        ("exposurescore", "bymachinegroups") => context.list(&tenant.scores_by_group, call.query, None),
        ("machines", "findbytag") => {
            let tag = query(call, "tag").unwrap_or_default();
            let starts = query(call, "useStartsWithFilter").is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let found = machines_where(tenant, |machine| {
                tags(machine)
                    .iter()
                    .any(|t| if starts { t.starts_with(&tag) } else { t.eq_ignore_ascii_case(&tag) })
            });
            context.list(&found, call.query, None)
        }
        ("machines", "findbyip") => {
            let ip = value(call, "ip").unwrap_or_default();
            let found =
                machines_where(tenant, |machine| machine["lastIpAddress"].as_str() == Some(ip.as_str()));
            context.list(&found, call.query, None)
        }
        ("machines", "tags") => {
            let machine = &mut tenant.set_mut("machines")[call.source?];
            change_tags(machine, call.body);
            Ok(Reply { status: 200, body: Some(context.entity("machines/$entity", machine.clone())) })
        }
        ("machines", "setdevicevalue") => {
            let machine = &mut tenant.set_mut("machines")[call.source?];
            if let (Value::Object(object), Some(value)) = (&mut *machine, member(call.body, "DeviceValue")) {
                object.insert("deviceValue".into(), value.clone());
            }
            Ok(Reply { status: 200, body: Some(context.entity("machines/$entity", machine.clone())) })
        }
        ("machines", "addorremovetagformultiplemachines") => {
            let ids = strings(call.body, "MachineIds");
            let mut changed = Vec::new();
            for machine in tenant.set_mut("machines") {
                if machine["id"]
                    .as_str()
                    .is_some_and(|id| ids.iter().any(|wanted| wanted.eq_ignore_ascii_case(id)))
                {
                    change_tags(machine, call.body);
                    changed.push(machine.clone());
                }
            }
            context.list(&changed, call.query, None)
        }
        ("machines", action) => {
            let (_, action_type) = RESPONSE_ACTIONS.iter().find(|(segment, _)| *segment == action)?;
            let machine = tenant.set("machines")[call.source?].clone();
            // The service names neither the running action nor its id in this refusal.
            if has_running_action(tenant, &machine["id"], action_type) {
                return Some(Err(Failure::new(
                    400,
                    "ActiveRequestAlreadyExists",
                    "Action is already in progress",
                )));
            }
            let mut synth = context.synth(tenant, call);
            let mut recorded = synth.structured(
                "MachineAction",
                tenant.set("machineactions").len(),
                &crate::data::anchor_of(&machine),
            );
            new_key(
                &mut synth,
                tenant,
                "machineactions",
                "microsoft.windowsDefenderATP.api.MachineAction",
                &mut recorded,
            );
            if let Value::Object(object) = &mut recorded {
                // A new action has not been cancelled, and only live response runs commands.
                for cancellation in
                    ["cancellationComment", "cancellationDateTimeUtc", "cancellationRequestor"]
                {
                    object.insert(cancellation.to_owned(), Value::Null);
                }
                // The action records each command as the service does: numbered, with a status.
                let commands: Vec<Value> = member(call.body, "Commands")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                    .map(|(index, command)| {
                        json!({"index": index, "startTime": null, "endTime": null, "commandStatus": "Created", "errors": [], "command": command})
                    })
                    .collect();
                object.insert(
                    "commands".to_owned(),
                    if action == "runliveresponse" { Value::Array(commands) } else { json!([]) },
                );
                let scope = ["IsolationType", "ScanType", "RestrictionType"]
                    .iter()
                    .find_map(|p| member(call.body, p));
                let now = synth.timestamp();
                object.extend(Map::from_iter([
                    ("type".to_owned(), Value::from(*action_type)),
                    ("scope".to_owned(), scope.cloned().unwrap_or(Value::Null)),
                    ("requestor".to_owned(), Value::from(context.shared.client_id.as_str())),
                    (
                        "requestorComment".to_owned(),
                        member(call.body, "Comment").cloned().unwrap_or(Value::Null),
                    ),
                    ("status".to_owned(), Value::from("Pending")),
                    ("troubleshootInfo".to_owned(), Value::Null),
                    ("errorHResult".to_owned(), Value::from(0)),
                    ("machineId".to_owned(), machine["id"].clone()),
                    ("computerDnsName".to_owned(), machine["computerDnsName"].clone()),
                    ("creationDateTimeUtc".to_owned(), Value::from(now.as_str())),
                    ("lastUpdateDateTimeUtc".to_owned(), Value::from(now)),
                ]));
            }
            let comment = member(call.body, "Comment").and_then(Value::as_str).unwrap_or_default();
            tenant.running_actions.insert(text(&recorded["id"]), planned_statuses(comment));
            tenant.set_mut("machineactions").push(recorded.clone());
            // The service documents 201 for the device actions, and 200 for live response.
            let status = if action == "runliveresponse" { 200 } else { 201 };
            Ok(Reply { status, body: Some(context.entity("MachineActions/$entity", recorded)) })
        }
        ("machineactions", "getliveresponseresultdownloadlink") => {
            let action = tenant.set("machineactions")[call.source?].clone();
            let index = value(call, "index").and_then(|i| i.parse::<usize>().ok()).unwrap_or(0);
            live_response_result(context, &action, index)
        }
        ("machineactions", "getpackageuri") => {
            let action = tenant.set("machineactions")[call.source?].clone();
            investigation_package(context, &action)
        }
        ("machineactions", "cancel") => {
            let index = call.source?;
            let id = text(&tenant.set("machineactions")[index]["id"]);
            tenant.running_actions.remove(&id);
            let action = &mut tenant.set_mut("machineactions")[index];
            if let Value::Object(object) = action {
                object.insert("status".into(), Value::from("Cancelled"));
                object.insert("cancellationRequestor".into(), Value::from(context.shared.client_id.as_str()));
                object.insert(
                    "cancellationComment".into(),
                    member(call.body, "Comment").cloned().unwrap_or_default(),
                );
            }
            Ok(Reply { status: 200, body: Some(context.entity("MachineActions/$entity", action.clone())) })
        }
        ("alerts", "batchupdate") => {
            let ids = strings(call.body, "alertIds");
            for alert in tenant.set_mut("alerts") {
                let wanted = alert["id"].as_str().is_some_and(|id| ids.iter().any(|w| w == id));
                if let (true, Value::Object(object)) = (wanted, alert) {
                    for field in ["status", "assignedTo", "classification", "determination"] {
                        if let Some(value) = member(call.body, field) {
                            object.insert(field.to_owned(), value.clone());
                        }
                    }
                }
            }
            Ok(Reply { status: 200, body: None })
        }
        ("indicators", "batchdelete") => {
            delete_where(tenant, "indicators", "id", &strings(call.body, "IndicatorIds"))
        }
        ("deviceauthenticatedscandefinitions", "batchdelete") => delete_where(
            tenant,
            "DeviceAuthenticatedScanDefinitions",
            "id",
            &strings(call.body, "ScanDefinitionIds"),
        ),
        ("indicators", "import") => {
            let submitted =
                member(call.body, "Indicators").and_then(Value::as_array).cloned().unwrap_or_default();
            let mut synth = context.synth(tenant, call);
            let mut results = Vec::new();
            for indicator in submitted {
                let Value::Object(fields) = indicator else { continue };
                let mut created =
                    synth.structured("Indicator", tenant.set("indicators").len(), &Default::default());
                new_key(
                    &mut synth,
                    tenant,
                    "indicators",
                    "microsoft.windowsDefenderATP.api.Indicator",
                    &mut created,
                );
                crate::engine::overlay(&mut created, &fields);
                results.push(json!({
                    "id": created["id"].clone(),
                    "indicator": created["indicatorValue"].clone(),
                    "isFailed": false,
                    "failureReason": null,
                }));
                tenant.set_mut("indicators").push(created);
            }
            context.list(&results, call.query, None)
        }
        _ => return None,
    })
}

/// An export "via files": rows of the export's row type (one device each, in turn), written as
/// gzip-compressed JSON lines with members in PascalCase as the service's files have them, split
/// into files on the storage listener; the answer lists their links.
fn export(context: &Context<'_>, tenant: &Tenant, call: &Call<'_>, row: &str) -> Result<Reply, Failure> {
    use std::io::Write;
    let shared = context.shared;
    let short = row.rsplit('.').next().unwrap_or(row);
    let machines = tenant.set("machines");
    let mut synth = context.synth(tenant, call);
    let export = shared.exports_made.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let per_file = shared.export_rows.div_ceil(shared.export_files).max(1);
    let mut links = Vec::new();
    for file in 0..shared.export_files {
        let rows = (file * per_file)..shared.export_rows.min((file + 1) * per_file);
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        for n in rows {
            let anchor =
                machines.get(n % machines.len().max(1)).map(crate::data::anchor_of).unwrap_or_default();
            let mut row = synth.exactly(short, n, &anchor);
            // Row ids join the device and what the row is about; the row's number stands in
            // for the latter, so that each row of an export is told apart.
            if let Value::Object(members) = &mut row
                && members.contains_key("id")
            {
                let device = members.get("deviceId").and_then(Value::as_str).unwrap_or("device").to_owned();
                members.insert("id".to_owned(), Value::from(format!("{device}_{n:07}")));
            }
            let line = pascal_case_members(row);
            let written =
                serde_json::to_writer(&mut encoder, &line).is_ok() && encoder.write_all(b"\n").is_ok();
            if !written {
                return Err(Failure::new(500, "InternalError", "The export could not be written."));
            }
        }
        let bytes = encoder
            .finish()
            .map_err(|_| Failure::new(500, "InternalError", "The export could not be written."))?;
        let path =
            format!("tvm-export/{}/{export}/part-{file:05}.json.gz", call.endpoint.name.replace('.', "/"));
        shared.storage.put(&path, bytes.into());
        links.push(format!(
            "{}/{path}?sv=2020-08-04&st=2026-01-01T00%3A00%3A00Z&se=2026-01-01T01%3A00%3A00Z&sr=b&sp=r&sig=emulator-{export}-{file}",
            shared.storage_base
        ));
    }
    Ok(Reply {
        status: 200,
        body: Some(json!({
            "@odata.context": format!("{}/api/$metadata#microsoft.windowsDefenderATP.api.ExportFilesResponse", shared.base),
            "exportFiles": links,
            "generatedTime": crate::synth::now_text(),
        })),
    })
}

/// A row's members as export files spell them: `deviceId` as `DeviceId`, and an `os` prefix
/// in capitals (`OSPlatform`), as recorded files of the service show.
fn pascal_case_members(row: Value) -> Value {
    let Value::Object(members) = row else { return row };
    let renamed = members.into_iter().map(|(name, value)| {
        let pascal = match name.strip_prefix("os") {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_uppercase()) => format!("OS{rest}"),
            _ => {
                let mut chars = name.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
        };
        (pascal, value)
    });
    Value::Object(renamed.collect())
}

/// Tables the emulator's hunting knows: a query must start with one, as a real one must name
/// a table the tenant has.
const HUNTING_TABLES: &[&str] =
    &["DeviceProcessEvents", "DeviceInfo", "DeviceNetworkEvents", "DeviceFileEvents", "DeviceEvents"];

/// `advancedqueries/run`: a row per device (its process events, in the emulator's world) with
/// the columns of `DeviceProcessEvents`, cut by a final `take N` or `limit N`. A query with
/// `[emulator:throttled]`, `[emulator:preempted]` or `[emulator:too-large]` in it fails as the
/// service does in those cases.
fn hunt(tenant: &Tenant, call: &Call<'_>) -> Result<Reply, Failure> {
    let query = member(call.body, "Query").and_then(Value::as_str).unwrap_or_default().trim();
    if query.contains("[emulator:throttled]") {
        return Err(Failure::new(
            429,
            "429",
            "API calls quota exceeded! Maximum allowed: 45 per 00:01:00. Please try again later.",
        ));
    }
    if query.contains("[emulator:preempted]") {
        return Err(Failure::new(
            400,
            "BadRequest",
            "Query execution has exceeded the allowed limits. The query execution was preempted. This could \
             possibly be due to high CPU and/or memory resource consumption. Optimize your query by following \
             best practices and try again.",
        ));
    }
    if query.contains("[emulator:too-large]") {
        return Err(Failure::new(
            400,
            "BadRequest",
            "Query execution has exceeded the allowed result size. Optimize your query by limiting the number \
             of results and try again.",
        ));
    }
    let table = query.split(|c: char| c.is_whitespace() || c == '|').next().unwrap_or_default();
    if !HUNTING_TABLES.contains(&table) {
        return Err(Failure::new(
            400,
            "BadRequest",
            format!("Failed to resolve table or column expression named '{table}'"),
        ));
    }
    let machines = tenant.set("machines");
    let rows =
        crate::query::hunting_rows(machines, crate::query::hunting_take(query).unwrap_or(machines.len()));
    let schema: Vec<Value> =
        crate::query::HUNTING_COLUMNS.iter().map(|(name, ty)| json!({"Name": name, "Type": ty})).collect();
    Ok(Reply { status: 200, body: Some(json!({"Schema": schema, "Results": rows})) })
}

/// A storage link to a file the emulator puts there now, as the service's links are made on
/// request (they expire after a while; the emulator's do not).
fn storage_link(context: &Context<'_>, path: &str, contents: Vec<u8>) -> String {
    context.shared.storage.put(path, contents.into());
    format!("{}/{path}?sv=2019-07-07&sr=b&sp=r&sig=emulator-link", context.shared.storage_base)
}

fn link_reply(context: &Context<'_>, link: String) -> Result<Reply, Failure> {
    Ok(Reply {
        status: 200,
        body: Some(json!({
            "@odata.context": format!("{}/api/$metadata#Edm.String", context.shared.base),
            "value": link,
        })),
    })
}

/// The result of command `index` of a finished live response action, as a file on the
/// storage listener: a `RunScript` transcript (the shape the get-live-response-result page
/// shows), or for `GetFile` the file's bytes.
fn live_response_result(context: &Context<'_>, action: &Value, index: usize) -> Result<Reply, Failure> {
    if action["type"] != "LiveResponse" {
        return Err(Failure::new(400, "BadRequest", "The machine action is not a live response action."));
    }
    if action["status"] != "Succeeded" {
        return Err(Failure::new(400, "BadRequest", "The live response action has not completed."));
    }
    let Some(command) = action["commands"].as_array().and_then(|c| c.get(index)).map(|c| &c["command"])
    else {
        return Err(Failure::new(404, "NotFound", format!("The action has no command at index {index}.")));
    };
    let param = |key: &str| {
        command["params"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["key"] == key)
            .and_then(|p| p["value"].as_str())
    };
    let contents = match command["type"].as_str() {
        Some("RunScript") => serde_json::to_vec(&json!({
            "script_name": param("ScriptName").unwrap_or_default(),
            "exit_code": 0,
            "script_output": format!("Ran {} {}\n", param("ScriptName").unwrap_or_default(), param("Args").unwrap_or_default()),
            "script_errors": "",
        }))
        .unwrap_or_default(),
        Some("GetFile") => format!("contents of {}\n", param("Path").unwrap_or_default()).into_bytes(),
        _ => b"{}".to_vec(),
    };
    let id = action["id"].as_str().unwrap_or_default();
    let link = storage_link(
        context,
        &format!("investigation-actions-data/{id}/CustomPlaybookCommandOutput/{index}"),
        contents,
    );
    link_reply(context, link)
}

/// The investigation package of a finished collection, as a file on the storage listener.
fn investigation_package(context: &Context<'_>, action: &Value) -> Result<Reply, Failure> {
    if action["type"] != "CollectInvestigationPackage" || action["status"] != "Succeeded" {
        return Err(Failure::new(
            404,
            "NotFound",
            "No investigation package: the action is not a completed package collection.",
        ));
    }
    let id = action["id"].as_str().unwrap_or_default();
    // A zip's local file header, then enough bytes to take several chunks to download.
    let mut contents = b"PK\x03\x04".to_vec();
    contents.extend((0..256 * 1024u32).map(|n| (n % 251) as u8));
    let link = storage_link(context, &format!("investigation-packages/{id}.zip"), contents);
    link_reply(context, link)
}

/// What a comment asks of a recorded action's outcome: `[emulator:fail]` makes it fail and
/// `[emulator:timeout]` time out; any other action succeeds. Each read after the one that
/// created it moves it on: `Pending`, `InProgress`, then the outcome.
fn planned_statuses(comment: &str) -> Vec<&'static str> {
    let outcome = if comment.contains("[emulator:fail]") {
        "Failed"
    } else if comment.contains("[emulator:timeout]") {
        "TimeOut"
    } else {
        "Succeeded"
    };
    vec!["Pending", "InProgress", outcome]
}

/// Moves the recorded action at `index` in `machineactions` to its next status, as a device
/// picking it up and carrying it out would, and records why a failed one failed.
pub fn advance_action(tenant: &mut Tenant, index: usize) {
    let id = text(&tenant.set("machineactions")[index]["id"]);
    let Some(statuses) = tenant.running_actions.get_mut(&id) else { return };
    if statuses.is_empty() {
        tenant.running_actions.remove(&id);
        return;
    }
    let status = statuses.remove(0);
    if statuses.is_empty() {
        tenant.running_actions.remove(&id);
    }
    if let Value::Object(object) = &mut tenant.set_mut("machineactions")[index] {
        object.insert("status".into(), Value::from(status));
        // The command statuses the metadata lists: created until they end.
        let command_status = match status {
            "Succeeded" => "Completed",
            "Pending" | "InProgress" => "Created",
            _ => "Failed",
        };
        if let Some(Value::Array(commands)) = object.get_mut("commands") {
            for command in commands {
                command["commandStatus"] = Value::from(command_status);
            }
        }
        object.insert("lastUpdateDateTimeUtc".into(), Value::from(crate::synth::now_text()));
        match status {
            "Failed" => {
                object.insert("errorHResult".into(), Value::from(-2_147_024_894_i64));
                object.insert(
                    "troubleshootInfo".into(),
                    Value::from("The device could not carry out the action."),
                );
            }
            "TimeOut" => {
                object.insert(
                    "troubleshootInfo".into(),
                    Value::from("The device did not pick the action up in time."),
                );
            }
            _ => {}
        }
    }
}

/// Whether an action of `action_type` this emulator recorded on the machine has not ended; for
/// live response, any live response session on it.
fn has_running_action(tenant: &Tenant, machine_id: &Value, action_type: &str) -> bool {
    tenant.set("machineactions").iter().any(|action| {
        action["machineId"] == *machine_id
            && action["type"] == action_type
            && matches!(action["status"].as_str(), Some("Pending" | "InProgress"))
            && tenant.running_actions.contains_key(&text(&action["id"]))
    })
}

fn text(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_owned)
}

fn query(call: &Call<'_>, name: &str) -> Option<String> {
    call.query.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

fn value(call: &Call<'_>, name: &str) -> Option<String> {
    call.values.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
}

fn strings(body: &Map<String, Value>, name: &str) -> Vec<String> {
    member(body, name)
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

fn tags(machine: &Value) -> Vec<String> {
    machine["machineTags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect()
}

fn machines_where(tenant: &Tenant, wanted: impl Fn(&Value) -> bool) -> Vec<Value> {
    tenant.set("machines").iter().filter(|m| wanted(m)).cloned().collect()
}

/// Adds or removes the tag in `Value`, as `Action` says.
fn change_tags(machine: &mut Value, body: &Map<String, Value>) {
    let Some(tag) = member(body, "Value").and_then(Value::as_str) else { return };
    let remove =
        member(body, "Action").and_then(Value::as_str).is_some_and(|a| a.eq_ignore_ascii_case("Remove"));
    let mut current = tags(machine);
    current.retain(|t| t != tag);
    if !remove {
        current.push(tag.to_owned());
    }
    if let Value::Object(object) = machine {
        object.insert("machineTags".into(), json!(current));
    }
}

fn delete_where(tenant: &mut Tenant, set: &str, key: &str, ids: &[String]) -> Result<Reply, Failure> {
    tenant.set_mut(set).retain(|item| !item[key].as_str().is_some_and(|id| ids.iter().any(|w| w == id)));
    Ok(Reply { status: 200, body: None })
}
