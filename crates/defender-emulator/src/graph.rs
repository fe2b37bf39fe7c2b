//! Microsoft Graph's Defender part under `/v1.0/`: incidents (with their alerts), `alerts_v2`,
//! Secure Score and its control profiles, and advanced hunting, built from the same tenant as
//! the Defender API's data (each Defender alert is an `alerts_v2` alert; every three make an
//! incident).
//!
//! What a Graph client meets, emulated: `$top` as the page size with `$skiptoken` next links,
//! polymorphic evidence (and one evidence type newer than any SDK), and an alert status newer
//! than the metadata, sent by name to a client that sends `Prefer: include-unknown-enum-members`
//! and as `unknownFutureValue` to one that does not.

use std::collections::HashMap;

use serde_json::{Value, json};

use crate::engine::Failure;

/// Incidents and alerts per page when the client sends no `$top`, and the most it may ask for.
const DEFAULT_PAGE: usize = 20;
const MAX_PAGE: usize = 50;

/// A status Graph could add after `unknownFutureValue`, so after any generated SDK's enum.
const NEWER_STATUS: &str = "triaged";

/// What the Graph root serves.
#[derive(Debug, Clone)]
pub struct GraphData {
    incidents: Vec<Value>,
    alerts: Vec<Value>,
    secure_scores: Vec<Value>,
    control_profiles: Vec<Value>,
    /// Rows for hunting queries: a device and a process each.
    hunting_rows: Vec<Value>,
}

impl GraphData {
    /// Graph's view of a tenant whose Defender alerts and machines are these.
    pub fn from_tenant(alerts: &[Value], machines: &[Value]) -> Self {
        let machine_by_id: HashMap<&str, &Value> =
            machines.iter().filter_map(|m| Some((m.get("id")?.as_str()?, m))).collect();
        let mut graph_alerts = Vec::with_capacity(alerts.len());
        for (n, alert) in alerts.iter().enumerate() {
            let incident_id = (1000 + n / 3).to_string();
            let machine = alert.get("machineId").and_then(Value::as_str).and_then(|id| machine_by_id.get(id));
            let mut evidence = vec![json!({
                "@odata.type": "#microsoft.graph.security.deviceEvidence",
                "createdDateTime": alert["alertCreationTime"],
                "verdict": "suspicious",
                "remediationStatus": "none",
                "roles": [],
                "deviceDnsName": alert["computerDnsName"],
                "mdeDeviceId": alert["machineId"],
                "azureAdDeviceId": machine.map_or(Value::Null, |m| m["aadDeviceId"].clone()),
                "osPlatform": machine.map_or(Value::Null, |m| m["osPlatform"].clone()),
            })];
            evidence.push(json!({
                "@odata.type": "#microsoft.graph.security.userEvidence",
                "createdDateTime": alert["alertCreationTime"],
                "verdict": "unknown",
                "remediationStatus": "none",
                "roles": ["compromised"],
                "userAccount": {"accountName": format!("user{}", n % 17), "domainName": "contoso"},
            }));
            if n % 11 == 5 {
                // An evidence type newer than any generated SDK.
                evidence.push(json!({
                    "@odata.type": "#microsoft.graph.security.quantumStateEvidence",
                    "createdDateTime": alert["alertCreationTime"],
                    "verdict": "malicious",
                    "qubits": 12,
                }));
            }
            let status = if n % 7 == 3 {
                NEWER_STATUS.to_owned()
            } else {
                match alert["status"].as_str() {
                    Some("InProgress") => "inProgress".to_owned(),
                    Some("Resolved") => "resolved".to_owned(),
                    _ => "new".to_owned(),
                }
            };
            graph_alerts.push(json!({
                "id": alert["id"],
                "providerAlertId": alert["id"],
                "incidentId": incident_id,
                "title": alert["title"],
                "severity": alert["severity"].as_str().map(str::to_ascii_lowercase),
                "status": status,
                "category": alert["category"],
                "detectionSource": "microsoftDefenderForEndpoint",
                "serviceSource": "microsoftDefenderForEndpoint",
                "createdDateTime": alert["alertCreationTime"],
                "lastUpdateDateTime": alert["lastUpdateTime"],
                "mitreTechniques": alert["mitreTechniques"],
                "evidence": evidence,
            }));
        }
        let incidents = graph_alerts
            .chunks(3)
            .enumerate()
            .map(|(n, alerts)| {
                json!({
                    "id": (1000 + n).to_string(),
                    "displayName": format!("{} on multiple endpoints", alerts[0]["title"].as_str().unwrap_or("Activity")),
                    "status": if n % 4 == 0 { "resolved" } else { "active" },
                    "severity": alerts[0]["severity"],
                    "classification": "unknown",
                    "determination": "unknown",
                    "createdDateTime": alerts[0]["createdDateTime"],
                    "lastUpdateDateTime": alerts[0]["lastUpdateDateTime"],
                    "incidentWebUrl": format!("https://security.microsoft.com/incidents/{}", 1000 + n),
                    "customTags": [],
                    "systemTags": [],
                    "comments": [],
                })
            })
            .collect();
        // Six days of daily Secure Scores, newest first, as Graph lists them.
        let secure_scores = (0..6)
            .map(|day| {
                let current = 412.0 - f64::from(day) * 3.5;
                json!({
                    "id": format!("contoso_2026-12-{:02}", 6 - day),
                    "azureTenantId": "contoso",
                    "createdDateTime": format!("2026-12-{:02}T00:00:00Z", 6 - day),
                    "currentScore": current,
                    "maxScore": 697.0,
                    "activeUserCount": 120,
                    "licensedUserCount": 150,
                    "enabledServices": ["exchange", "sharePoint", "mdatp"],
                    "averageComparativeScores": [{"basis": "AllTenants", "averageScore": 251.3}],
                    "controlScores": [{"controlCategory": "Identity", "controlName": "MFARegistrationV2", "score": 9.0, "description": "Require MFA"}],
                    "vendorInformation": {"provider": "SecureScore", "vendor": "Microsoft"},
                })
            })
            .collect();
        let control_profiles = ["MFARegistrationV2", "AdminMFAV2", "BlockLegacyAuthentication"]
            .iter()
            .enumerate()
            .map(|(n, name)| {
                json!({
                    "id": name,
                    "title": format!("Control {name}"),
                    "controlCategory": "Identity",
                    "maxScore": 10.0 - n as f64,
                    "rank": n + 1,
                    "service": "AzureAD",
                    "tier": "Core",
                    "deprecated": false,
                    "vendorInformation": {"provider": "SecureScore", "vendor": "Microsoft"},
                })
            })
            .collect();
        let hunting_rows = crate::query::hunting_rows(machines, 50);
        Self { incidents, alerts: graph_alerts, secure_scores, control_profiles, hunting_rows }
    }
}

/// A Graph request.
pub struct GraphRequest<'a> {
    /// `GET` or `POST`.
    pub method: &'a axum::http::Method,
    /// The path below `/v1.0/`.
    pub path: &'a str,
    /// Query options, decoded.
    pub query: &'a HashMap<String, String>,
    /// The JSON body, for actions.
    pub body: &'a [u8],
    /// Whether the client asked for evolvable enums' newer members by name.
    pub unknown_enum_members: bool,
    /// The emulator's base URL, for `@odata.nextLink`.
    pub base: &'a str,
}

/// Answers a Graph request.
pub fn answer(data: &GraphData, request: &GraphRequest<'_>) -> Result<Value, Failure> {
    let segments: Vec<&str> = request.path.trim_matches('/').split('/').collect();
    let get = *request.method == axum::http::Method::GET;
    let not_found =
        || Failure::new(404, "NotFound", format!("Resource not found for the segment '{}'.", request.path));
    let alerts = |filter: Option<&str>| -> Vec<Value> {
        data.alerts
            .iter()
            .filter(|a| filter.is_none_or(|id| a["incidentId"] == id))
            .map(|a| with_enum_members(a.clone(), request.unknown_enum_members))
            .collect()
    };
    match segments.as_slice() {
        // The singleton has no properties of its own, only what it contains.
        ["security"] if get => {
            Ok(json!({"@odata.context": format!("{}/v1.0/$metadata#security/$entity", request.base)}))
        }
        ["security", "incidents"] if get => {
            let incidents: Vec<Value> = data
                .incidents
                .iter()
                .map(|incident| expand_incident(request, incident.clone(), &alerts))
                .collect::<Result<_, _>>()?;
            page(request, "security/incidents", &incidents)
        }
        ["security", "incidents", id] if get => {
            let incident = find(&data.incidents, id).ok_or_else(not_found)?;
            expand_incident(request, incident, &alerts)
        }
        ["security", "incidents", id, "alerts"] if get => {
            find(&data.incidents, id).ok_or_else(not_found)?;
            page(request, &format!("security/incidents/{id}/alerts"), &alerts(Some(id)))
        }
        ["security", "alerts_v2"] if get => page(request, "security/alerts_v2", &alerts(None)),
        ["security", "alerts_v2", id] if get => find(&alerts(None), id).ok_or_else(not_found),
        ["security", "secureScores"] if get => page(request, "security/secureScores", &data.secure_scores),
        ["security", "secureScores", id] if get => find(&data.secure_scores, id).ok_or_else(not_found),
        ["security", "secureScoreControlProfiles"] if get => {
            page(request, "security/secureScoreControlProfiles", &data.control_profiles)
        }
        ["security", "secureScoreControlProfiles", id] if get => {
            find(&data.control_profiles, id).ok_or_else(not_found)
        }
        ["security", "runHuntingQuery" | "microsoft.graph.security.runHuntingQuery"] if !get => {
            hunt(data, request.body)
        }
        _ => Err(not_found()),
    }
}

/// An incident with what `$expand` asks for: its `alerts`, the one navigation property an
/// incident has; Graph refuses any other name with a 400.
fn expand_incident(
    request: &GraphRequest<'_>,
    mut incident: Value,
    alerts: &dyn Fn(Option<&str>) -> Vec<Value>,
) -> Result<Value, Failure> {
    let Some(expand) = request.query.get("$expand") else {
        return Ok(incident);
    };
    for name in expand.split(',').map(str::trim).filter(|name| !name.is_empty()) {
        if name != "alerts" {
            return Err(Failure::new(
                400,
                "BadRequest",
                format!(
                    "Could not find a property named '{name}' on type 'microsoft.graph.security.incident'."
                ),
            ));
        }
        let id = incident["id"].as_str().unwrap_or_default().to_owned();
        incident["alerts"] = Value::Array(alerts(Some(&id)));
    }
    Ok(incident)
}

/// The newer status by name, or as `unknownFutureValue` to a client that did not ask for it.
fn with_enum_members(mut alert: Value, by_name: bool) -> Value {
    if !by_name && alert["status"] == NEWER_STATUS {
        alert["status"] = json!("unknownFutureValue");
    }
    alert
}

fn find(items: &[Value], id: &str) -> Option<Value> {
    items.iter().find(|item| item["id"] == id).cloned()
}

/// One page of `items`: `$top` is the page size (at most [`MAX_PAGE`]), and the next link
/// carries a `$skiptoken` as Graph's do.
fn page(request: &GraphRequest<'_>, path: &str, items: &[Value]) -> Result<Value, Failure> {
    let size = match request.query.get("$top") {
        Some(top) => top
            .parse::<usize>()
            .map_err(|_| Failure::new(400, "BadRequest", format!("Invalid $top value '{top}'.")))?
            .clamp(1, MAX_PAGE),
        None => DEFAULT_PAGE,
    };
    let start = match request.query.get("$skiptoken") {
        Some(token) => token
            .strip_prefix("emulator-")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| Failure::new(400, "BadRequest", "The $skiptoken is not valid."))?,
        None => 0,
    };
    let end = items.len().min(start + size);
    let mut body = json!({
        "@odata.context": format!("{}/v1.0/$metadata#{path}", request.base),
        "value": items.get(start..end).unwrap_or_default(),
    });
    if end < items.len() {
        body["@odata.nextLink"] =
            json!(format!("{}/v1.0/{path}?$top={size}&$skiptoken=emulator-{end}", request.base));
    }
    Ok(body)
}

/// `runHuntingQuery`: the rows of the device process table, `take N` respected.
fn hunt(data: &GraphData, body: &[u8]) -> Result<Value, Failure> {
    let body: Value = serde_json::from_slice(body).map_err(|_| Failure::bad_body("The body is not JSON."))?;
    let Some(query) = body.get("query").or_else(|| body.get("Query")).and_then(Value::as_str) else {
        return Err(Failure::new(400, "BadRequest", "The query parameter is required."));
    };
    let take = crate::query::hunting_take(query).unwrap_or(data.hunting_rows.len());
    Ok(json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults",
        "schema": crate::query::HUNTING_COLUMNS
            .iter()
            .map(|(name, ty)| json!({"name": name, "type": ty}))
            .collect::<Vec<_>>(),
        "results": data.hunting_rows.iter().take(take).collect::<Vec<_>>(),
    }))
}
