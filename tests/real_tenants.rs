//! Bodies shaped like those real tenants send, beyond the reference pages' examples: every
//! member lands in a typed field, and one odd value does not cost the entity.
//!
//! The members and their JSON types come from responses recorded in public integrations (named
//! per member in `specs/defender-endpoint.xml`); the values here are made up.

use defender_sdk::{InOrgFileStats, InOrgIpStats, Indicator, Machine, MachineAction, Page};
use serde_json::{Value, json};

fn decode<T: serde::de::DeserializeOwned>(body: &Value) -> T {
    serde_json::from_value(body.clone()).unwrap_or_else(|e| panic!("{e}"))
}

fn machine_body() -> Value {
    json!({
        "@odata.context": "https://api.security.microsoft.com/api/$metadata#Machines/$entity",
        "id": "1e5bc9d7e413ddd7902c2932e418702b84d0cc07",
        "computerDnsName": "mymachine1.contoso.com",
        "firstSeen": "2023-03-01T08:10:34.2838521Z",
        "lastSeen": "2023-05-10T07:12:55.0293341Z",
        "osPlatform": "Windows10",
        "osVersion": null,
        "osProcessor": "x64",
        "version": "22H2",
        "lastIpAddress": "172.17.230.209",
        "lastExternalIpAddress": "167.220.196.71",
        "agentVersion": "10.8470.19041.2788",
        "osBuild": 19045,
        "healthStatus": "Active",
        "deviceValue": "Normal",
        "rbacGroupId": 0,
        "rbacGroupName": null,
        "riskScore": "Low",
        "exposureLevel": "Medium",
        "isAadJoined": true,
        "aadDeviceId": "not-a-guid-from-a-half-finished-join",
        "machineTags": [],
        "defenderAvStatus": "Updated",
        "onboardingStatus": "Onboarded",
        "osArchitecture": "64-bit",
        "managedBy": "Intune",
        "managedByStatus": "Success",
        "mergedIntoMachineId": null,
        "isPotentialDuplication": false,
        "isExcluded": false,
        "exclusionReason": null,
        "vmMetadata": null,
        "ipAddresses": [
            {"ipAddress": "172.17.230.209", "macAddress": "00155D0A5E54", "type": "Ethernet", "operationalStatus": "Up"},
            {"ipAddress": "", "macAddress": null, "type": "SoftwareLoopback", "operationalStatus": "Up"}
        ]
    })
}

#[test]
fn a_machine_with_every_recorded_member_keeps_nothing_untyped() {
    let body = machine_body();
    let machine: Machine = decode(&body);
    assert!(machine.additional_properties.is_empty(), "{:?}", machine.additional_properties);
    assert_eq!(machine.agent_version.as_deref(), Some("10.8470.19041.2788"));
    assert_eq!(machine.managed_by.as_deref(), Some("Intune"));
    assert_eq!(machine.is_potential_duplication, Some(false));
    let adapters = machine.ip_addresses.as_deref().unwrap_or_default();
    assert_eq!(adapters[1].r#type.as_deref(), Some("SoftwareLoopback"));
    assert_eq!(adapters[1].mac_address, None);

    // The odd GUID is kept and said to be odd; the rest of the entity is there.
    let aad = machine.aad_device_id.as_ref().unwrap_or_else(|| panic!("aadDeviceId dropped"));
    assert!(!aad.is_valid());
    assert_eq!(aad.unparsed(), Some("not-a-guid-from-a-half-finished-join"));
    assert_eq!(serde_json::to_value(&machine).unwrap_or_default(), body, "written back as sent");
}

#[test]
fn a_cloud_machine_carries_its_vm_metadata() {
    let mut body = machine_body();
    body["vmMetadata"] = json!({
        "vmId": "8b3a8cde-0d52-4e2c-a3a0-5e0f6f1d9a11",
        "cloudProvider": "Azure",
        "resourceId": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1",
        "subscriptionId": "0000"
    });
    let machine: Machine = decode(&body);
    let vm = machine.vm_metadata.unwrap_or_else(|| panic!("no vmMetadata"));
    assert_eq!(vm.cloud_provider.as_deref(), Some("Azure"));
    assert!(vm.additional_properties.is_empty());
}

#[test]
fn a_machine_action_with_troubleshoot_info_and_a_negative_hresult() {
    let action: MachineAction = decode(&json!({
        "id": "b89eb834-4578-496c-8be0-03f004061435",
        "type": "RunAntiVirusScan",
        "title": null,
        "requestor": "secops@contoso.com",
        "requestorComment": "scan",
        "status": "Failed",
        "machineId": "1e5bc9d7e413ddd7902c2932e418702b84d0cc07",
        "computerDnsName": "mymachine1.contoso.com",
        "creationDateTimeUtc": "2024-05-01T10:00:00.1234567Z",
        "lastUpdateDateTimeUtc": "2024-05-01T10:05:00.1234567Z",
        "cancellationRequestor": null,
        "cancellationComment": null,
        "cancellationDateTimeUtc": null,
        "errorHResult": -2145844840,
        "scope": "Quick",
        "externalId": null,
        "requestSource": "PublicApi",
        "relatedFileInfo": null,
        "commands": [],
        "troubleshootInfo": null
    }));
    assert_eq!(action.error_h_result, Some(-2_145_844_840));
    assert!(action.additional_properties.is_empty(), "{:?}", action.additional_properties);
}

#[test]
fn an_indicator_list_as_tenants_send_it_is_fully_typed() {
    let page: Page<Indicator> = decode(&json!({
        "@odata.context": "https://api.security.microsoft.com/api/$metadata#Indicators",
        "value": [{
            "id": "7",
            "indicatorValue": "contoso.example",
            "indicatorType": "DomainName",
            "action": "Warn",
            "createdBy": "secops@contoso.com",
            "severity": "Informational",
            "category": 1,
            "application": null,
            "educateUrl": null,
            "bypassDurationHours": null,
            "title": "A risky domain",
            "description": "Seen in phishing",
            "recommendedActions": null,
            "creationTimeDateTimeUtc": "2023-05-01T10:00:00.123Z",
            "expirationTime": null,
            "lastUpdateTime": "2023-05-01T10:00:00.123Z",
            "lastUpdatedBy": null,
            "rbacGroupNames": [],
            "rbacGroupIds": [],
            "notificationId": null,
            "notificationBody": null,
            "version": null,
            "mitreTechniques": [],
            "historicalDetection": false,
            "lookBackPeriod": null,
            "generateAlert": true,
            "additionalInfo": null,
            "createdByDisplayName": "secops@contoso.com",
            "externalId": null,
            "createdBySource": "PublicApi",
            "certificateInfo": null
        }]
    }));
    let indicator = &page.items[0];
    assert_eq!(indicator.category, Some(1));
    assert_eq!(indicator.historical_detection, Some(false));
    assert!(indicator.additional_properties.is_empty(), "{:?}", indicator.additional_properties);
}

#[test]
fn statistics_carry_each_prevalence_as_text_and_as_a_number() {
    let file: InOrgFileStats = decode(&json!({
        "@odata.context": "https://api.security.microsoft.com/api/$metadata#microsoft.windowsDefenderATP.api.InOrgFileStats",
        "sha1": "0991a395da64e1c5fbe8732ed11e6be064081d9f",
        "orgPrevalence": "14850",
        "organizationPrevalence": 14850,
        "orgFirstSeen": null,
        "orgLastSeen": null,
        "globalPrevalence": "705012",
        "globallyPrevalence": 705012,
        "globalFirstObserved": "2015-03-19T12:20:07.3432441Z",
        "globalLastObserved": "2020-01-06T13:39:36Z",
        "topFileNames": ["MREC.exe"]
    }));
    assert_eq!((file.org_prevalence.as_deref(), file.organization_prevalence), (Some("14850"), Some(14850)));
    assert!(file.additional_properties.is_empty(), "{:?}", file.additional_properties);
    let ip: InOrgIpStats = decode(&json!({
        "ipAddress": "10.209.67.177",
        "orgPrevalence": "0",
        "organizationPrevalence": 0,
        "orgFirstSeen": null,
        "orgLastSeen": null
    }));
    assert_eq!(ip.org_prevalence.as_deref(), Some("0"));
    assert!(ip.additional_properties.is_empty(), "{:?}", ip.additional_properties);
}
