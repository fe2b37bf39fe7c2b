//! `graph_incidents_decode_ratio`: one page of Microsoft Graph incidents with their alerts and
//! the alerts' evidence expanded (`$expand=alerts`), decoded into the SDK's generated types
//! (every member kept, evidence dispatched on `@odata.type`) against hand-written serde
//! structs of the same fields, as a careful client would write them.
//!
//! The bodies follow the shapes of Graph's "Get incident" (with `$expand=alerts`) and "alert"
//! resource reference pages; the values are made up.

use serde::Deserialize;
use serde_json::{Value, json};

/// Incidents on the page.
pub const INCIDENTS: usize = 1_000;
/// Alerts expanded in each incident.
const ALERTS_PER_INCIDENT: usize = 3;

/// One page of `incidents` incidents, each with its alerts expanded and each alert with a
/// device, a user and a process as evidence.
pub fn incidents_page(incidents: usize) -> Vec<u8> {
    let value: Vec<Value> = (0..incidents).map(incident).collect();
    serde_json::to_vec(&json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#security/incidents(alerts())",
        "value": value,
    }))
    .unwrap_or_default()
}

fn incident(n: usize) -> Value {
    let alerts: Vec<Value> = (0..ALERTS_PER_INCIDENT).map(|a| alert(n, a)).collect();
    json!({
        "@odata.type": "#microsoft.graph.security.incident",
        "id": (2_972_395 + n).to_string(),
        "incidentWebUrl": format!("https://security.microsoft.com/incidents/{}?tid=12f988bf", 2_972_395 + n),
        "redirectIncidentId": null,
        "displayName": format!("Multi-stage incident involving Initial access & Command and control on endpoint {n}"),
        "tenantId": "12f988bf-16f1-11af-11ab-1d7cd011db47",
        "createdDateTime": "2026-11-25T09:32:47.0833333Z",
        "lastUpdateDateTime": format!("2026-11-26T13:{:02}:{:02}.4433333Z", n % 60, (n / 60) % 60),
        "assignedTo": "KaiC@contoso.onmicrosoft.com",
        "classification": "truePositive",
        "determination": "multiStagedAttack",
        "status": "active",
        "severity": "medium",
        "customTags": ["Demo"],
        "systemTags": ["Defender Experts"],
        "description": "An incident correlating alerts on one device",
        "summary": null,
        "lastModifiedBy": "DefenderExperts",
        "resolvingComment": null,
        "comments": [{
            "comment": "Demo incident",
            "createdByDisplayName": "DavidS@contoso.onmicrosoft.com",
            "createdDateTime": "2026-11-26T01:00:37.8404534Z"
        }],
        "alerts": alerts,
    })
}

fn alert(incident: usize, n: usize) -> Value {
    let id = format!("da637578995287051192_{:09}", incident * ALERTS_PER_INCIDENT + n);
    json!({
        "@odata.type": "#microsoft.graph.security.alert",
        "id": id,
        "providerAlertId": id,
        "incidentId": (2_972_395 + incident).to_string(),
        "status": "new",
        "severity": "medium",
        "classification": "unknown",
        "determination": "unknown",
        "serviceSource": "microsoftDefenderForEndpoint",
        "detectionSource": "antivirus",
        "detectorId": "e0da400f-affd-43ef-b1d5-afc2eb6f2756",
        "tenantId": "b3c1b5fc-828c-45fa-a1e1-10d74f6d6e9c",
        "title": "Suspicious execution of hidden file",
        "description": "A hidden file has been launched.",
        "recommendedActions": "Collect artifacts and determine scope.",
        "category": "DefenseEvasion",
        "assignedTo": null,
        "alertWebUrl": format!("https://security.microsoft.com/alerts/{id}?tid=b3c1b5fc"),
        "incidentWebUrl": format!("https://security.microsoft.com/incidents/{}?tid=b3c1b5fc", 2_972_395 + incident),
        "actorDisplayName": null,
        "threatDisplayName": null,
        "threatFamilyName": null,
        "mitreTechniques": ["T1564.001"],
        "createdDateTime": "2026-11-25T09:32:47.0833333Z",
        "lastUpdateDateTime": "2026-11-26T13:38:21.4433333Z",
        "resolvedDateTime": null,
        "firstActivityDateTime": "2026-11-25T09:27:52.6548813Z",
        "lastActivityDateTime": "2026-11-25T09:28:05.0285716Z",
        "productName": "Microsoft Defender for Endpoint",
        "alertPolicyId": null,
        "systemTags": [],
        "comments": [],
        "evidence": [device_evidence(incident), user_evidence(), process_evidence(incident, n)],
    })
}

fn device_evidence(incident: usize) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.security.deviceEvidence",
        "createdDateTime": "2026-11-25T09:32:47.1Z",
        "verdict": "unknown",
        "remediationStatus": "none",
        "remediationStatusDetails": null,
        "roles": [],
        "detailedRoles": ["PrimaryDevice"],
        "tags": [],
        "firstSeenDateTime": "2026-11-20T08:21:33.4453344Z",
        "mdeDeviceId": format!("{incident:040x}"),
        "azureAdDeviceId": null,
        "deviceDnsName": format!("tempdevice{incident}.contoso.com"),
        "hostName": format!("tempdevice{incident}"),
        "ntDomain": null,
        "dnsDomain": "contoso.com",
        "osPlatform": "Windows10",
        "osBuild": 22_631,
        "version": "22H2",
        "healthStatus": "active",
        "riskScore": "medium",
        "rbacGroupId": 75,
        "rbacGroupName": "UnassignedGroup",
        "onboardingStatus": "onboarded",
        "defenderAvStatus": "unknown",
        "lastIpAddress": "10.0.0.4",
        "lastExternalIpAddress": "20.12.1.4",
        "ipInterfaces": ["10.0.0.4", "fe80::1"],
        "vmMetadata": null,
        "loggedOnUsers": [{"accountName": "tempuser", "domainName": "CONTOSO"}]
    })
}

fn user_evidence() -> Value {
    json!({
        "@odata.type": "#microsoft.graph.security.userEvidence",
        "createdDateTime": "2026-11-25T09:32:47.1Z",
        "verdict": "unknown",
        "remediationStatus": "none",
        "remediationStatusDetails": null,
        "roles": [],
        "detailedRoles": [],
        "tags": [],
        "stream": null,
        "userAccount": {
            "accountName": "tempuser",
            "domainName": "CONTOSO",
            "userSid": "S-1-5-21-1721254763-462695806-1538882281-4156657",
            "azureAdUserId": "fc8f7484-f813-4db2-afab-bc1507913fb6",
            "userPrincipalName": "tempuser@contoso.com",
            "displayName": "Temp User",
            "activeDirectoryObjectGuid": null,
            "resourceAccessEvents": []
        }
    })
}

fn process_evidence(incident: usize, n: usize) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.security.processEvidence",
        "createdDateTime": "2026-11-25T09:32:47.1Z",
        "verdict": "suspicious",
        "remediationStatus": "none",
        "remediationStatusDetails": null,
        "roles": [],
        "detailedRoles": [],
        "tags": [],
        "processId": 4780 + n,
        "parentProcessId": 668,
        "processCommandLine": "\"explorer.exe\" /hidden C:\\Users\\tempuser\\hidden.exe",
        "processCreationDateTime": "2026-11-25T09:27:52.6548813Z",
        "parentProcessCreationDateTime": "2026-11-25T09:20:11.0Z",
        "detectionStatus": "detected",
        "mdeDeviceId": format!("{incident:040x}"),
        "imageFile": {
            "sha1": "5f1f9a3b8e0c2a9d4c6a1b2e3f4a5b6c7d8e9f0a",
            "sha256": "ec16f2d3f1f1b1e0a5c5e0f3a5a8d8b8c8e8f8a8b8c8d8e8f8a8b8c8d8e8f8a8",
            "fileName": "hidden.exe",
            "filePath": "C:\\Users\\tempuser",
            "fileSize": 1_468_928,
            "filePublisher": null,
            "signer": null,
            "issuer": null
        },
        "parentProcessImageFile": {
            "sha1": null,
            "sha256": null,
            "fileName": "explorer.exe",
            "filePath": "C:\\Windows",
            "fileSize": 4_883_456,
            "filePublisher": "Microsoft Corporation",
            "signer": null,
            "issuer": null
        },
        "userAccount": {
            "accountName": "tempuser",
            "domainName": "CONTOSO",
            "userSid": "S-1-5-21-1721254763-462695806-1538882281-4156657",
            "azureAdUserId": null,
            "userPrincipalName": null,
            "displayName": null
        }
    })
}

/// Fields as a careful hand-written client would write them: the members typed naturally,
/// enumerations as strings, unknown members dropped (serde's default).
#[derive(Deserialize)]
#[allow(dead_code)] // Fields are decoded for the cost of decoding them.
pub struct BaselinePage {
    value: Vec<BaselineIncident>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

type Time = Option<time::OffsetDateTime>;

#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct BaselineIncident {
    id: String,
    incident_web_url: Option<String>,
    redirect_incident_id: Option<String>,
    display_name: Option<String>,
    tenant_id: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    created_date_time: Time,
    #[serde(with = "time::serde::rfc3339::option")]
    last_update_date_time: Time,
    assigned_to: Option<String>,
    classification: Option<String>,
    determination: Option<String>,
    status: Option<String>,
    severity: Option<String>,
    custom_tags: Option<Vec<String>>,
    system_tags: Option<Vec<String>>,
    description: Option<String>,
    summary: Option<String>,
    last_modified_by: Option<String>,
    resolving_comment: Option<String>,
    comments: Option<Vec<BaselineComment>>,
    alerts: Option<Vec<BaselineAlert>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct BaselineComment {
    comment: Option<String>,
    created_by_display_name: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    created_date_time: Time,
}

#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct BaselineAlert {
    id: String,
    provider_alert_id: Option<String>,
    incident_id: Option<String>,
    status: Option<String>,
    severity: Option<String>,
    classification: Option<String>,
    determination: Option<String>,
    service_source: Option<String>,
    detection_source: Option<String>,
    detector_id: Option<String>,
    tenant_id: Option<String>,
    title: Option<String>,
    description: Option<String>,
    recommended_actions: Option<String>,
    category: Option<String>,
    assigned_to: Option<String>,
    alert_web_url: Option<String>,
    incident_web_url: Option<String>,
    actor_display_name: Option<String>,
    threat_display_name: Option<String>,
    threat_family_name: Option<String>,
    mitre_techniques: Option<Vec<String>>,
    #[serde(with = "time::serde::rfc3339::option")]
    created_date_time: Time,
    #[serde(with = "time::serde::rfc3339::option")]
    last_update_date_time: Time,
    #[serde(with = "time::serde::rfc3339::option")]
    resolved_date_time: Time,
    #[serde(with = "time::serde::rfc3339::option")]
    first_activity_date_time: Time,
    #[serde(with = "time::serde::rfc3339::option")]
    last_activity_date_time: Time,
    product_name: Option<String>,
    alert_policy_id: Option<String>,
    system_tags: Option<Vec<String>>,
    comments: Option<Vec<BaselineComment>>,
    evidence: Option<Vec<BaselineEvidence>>,
}

/// Evidence told apart by `@odata.type`, as serde's internally tagged enums do it.
#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(tag = "@odata.type")]
#[allow(clippy::large_enum_variant)] // As the SDK's evidence enum holds its variants inline.
enum BaselineEvidence {
    #[serde(rename = "#microsoft.graph.security.deviceEvidence")]
    Device(BaselineDeviceEvidence),
    #[serde(rename = "#microsoft.graph.security.userEvidence")]
    User(BaselineUserEvidence),
    #[serde(rename = "#microsoft.graph.security.processEvidence")]
    Process(BaselineProcessEvidence),
    #[serde(other)]
    Other,
}

/// An evidence struct: the members every evidence type inherits, written out in each (serde's
/// `flatten` would make the baseline slower than a careful hand-written client), then its own.
macro_rules! evidence {
    ($name:ident { $($field:tt)* }) => {
        #[derive(Deserialize)]
        #[allow(dead_code)]
        #[serde(rename_all = "camelCase")]
        struct $name {
            #[serde(with = "time::serde::rfc3339::option", default)]
            created_date_time: Time,
            verdict: Option<String>,
            remediation_status: Option<String>,
            remediation_status_details: Option<String>,
            roles: Option<Vec<String>>,
            detailed_roles: Option<Vec<String>>,
            tags: Option<Vec<String>>,
            $($field)*
        }
    };
}

evidence!(BaselineDeviceEvidence {
    #[serde(with = "time::serde::rfc3339::option", default)]
    first_seen_date_time: Time,
    mde_device_id: Option<String>,
    azure_ad_device_id: Option<String>,
    device_dns_name: Option<String>,
    host_name: Option<String>,
    nt_domain: Option<String>,
    dns_domain: Option<String>,
    os_platform: Option<String>,
    os_build: Option<i64>,
    version: Option<String>,
    health_status: Option<String>,
    risk_score: Option<String>,
    rbac_group_id: Option<i32>,
    rbac_group_name: Option<String>,
    onboarding_status: Option<String>,
    defender_av_status: Option<String>,
    last_ip_address: Option<String>,
    last_external_ip_address: Option<String>,
    ip_interfaces: Option<Vec<String>>,
    vm_metadata: Option<Value>,
    logged_on_users: Option<Vec<BaselineLoggedOnUser>>,
});

#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct BaselineLoggedOnUser {
    account_name: Option<String>,
    domain_name: Option<String>,
}

evidence!(BaselineUserEvidence {
    stream: Option<Value>,
    user_account: Option<BaselineUserAccount>,
});

#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct BaselineUserAccount {
    account_name: Option<String>,
    domain_name: Option<String>,
    user_sid: Option<String>,
    azure_ad_user_id: Option<String>,
    user_principal_name: Option<String>,
    display_name: Option<String>,
    active_directory_object_guid: Option<String>,
    resource_access_events: Option<Vec<Value>>,
}

evidence!(BaselineProcessEvidence {
    process_id: Option<i64>,
    parent_process_id: Option<i64>,
    process_command_line: Option<String>,
    #[serde(with = "time::serde::rfc3339::option", default)]
    process_creation_date_time: Time,
    #[serde(with = "time::serde::rfc3339::option", default)]
    parent_process_creation_date_time: Time,
    detection_status: Option<String>,
    mde_device_id: Option<String>,
    image_file: Option<BaselineFile>,
    parent_process_image_file: Option<BaselineFile>,
    user_account: Option<BaselineUserAccount>,
});

#[derive(Deserialize)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct BaselineFile {
    sha1: Option<String>,
    sha256: Option<String>,
    file_name: Option<String>,
    file_path: Option<String>,
    file_size: Option<i64>,
    file_publisher: Option<String>,
    signer: Option<String>,
    issuer: Option<String>,
}
