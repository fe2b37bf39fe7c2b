//! The emulator's tenant: scores from the documentation's examples, and machines, alerts and
//! machine actions generated from a seed, so that the same seed always gives the same tenant.

use serde_json::{Value, json};

/// Device groups: the ids and names the score examples use.
const GROUPS: &[(i64, &str)] = &[(5, "Servers"), (9, "Workstations"), (10, "GroupOne"), (11, "GroupTwo")];
const PLATFORMS: &[(&str, &str)] = &[
    ("Windows10", "22H2"),
    ("Windows11", "23H2"),
    ("WindowsServer2019", "1809"),
    ("Linux", "Ubuntu 22.04"),
    ("macOS", "14.4"),
];
const HEALTH: &[&str] = &["Active", "Active", "Active", "Inactive", "ImpairedCommunication", "NoSensorData"];
const RISK: &[&str] = &["None", "Informational", "Low", "Medium", "High"];
const EXPOSURE: &[&str] = &["None", "Low", "Medium", "High"];
const TAGS: &[&str] = &["finance", "prod", "dev", "vip", "kiosk", "lab"];
const SEVERITY: &[&str] = &["Informational", "Low", "Medium", "High"];
const ALERT_STATUS: &[&str] = &["New", "InProgress", "Resolved"];
const TITLES: &[&str] = &[
    "Suspicious PowerShell command line",
    "Possible credential theft",
    "Ransomware behavior detected",
    "Unusual sign-in activity",
    "Malicious file blocked",
];

/// Everything the emulator serves.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// `GET /api/exposureScore`.
    pub exposure_score: Value,
    /// `GET /api/configurationScore`.
    pub configuration_score: Value,
    /// `GET /api/exposureScore/ByMachineGroups`.
    pub scores_by_group: Vec<Value>,
    /// `/api/machines`.
    pub machines: Vec<Value>,
    /// `/api/alerts`.
    pub alerts: Vec<Value>,
    /// `/api/machineactions`, filled by the device actions clients take.
    pub machine_actions: Vec<Value>,
}

impl Tenant {
    /// A tenant with `machines` machines (and about a tenth as many alerts), from `seed`.
    pub fn generate(seed: u64, machines: usize) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        let machines: Vec<Value> = (0..machines).map(|n| machine(&mut rng, n)).collect();
        let alerts = (0..machines.len().div_ceil(10).max(1))
            .map(|n| {
                let on = rng.usize(..machines.len().max(1));
                alert(&mut rng, n, machines.get(on))
            })
            .collect();
        Self {
            // The numbers of the documentation's examples (get-exposure-score.md,
            // get-device-secure-score.md, get-machine-group-exposure-score.md).
            exposure_score: json!({"time": "2019-12-03T07:23:53.280499Z", "score": 33.491554051195706}),
            configuration_score: json!({"time": "2019-12-03T09:15:58.1665846Z", "score": 340}),
            scores_by_group: vec![
                json!({"time": "2019-12-03T09:51:28.214338Z", "score": 41.38041766305988, "rbacGroupId": 10, "rbacGroupName": "GroupOne"}),
                json!({"time": "2019-12-03T09:51:28.2143399Z", "score": 37.403726933165366, "rbacGroupId": 11, "rbacGroupName": "GroupTwo"}),
                json!({"time": "2019-12-03T09:51:28.2143407Z", "score": 26.390921344426033, "rbacGroupId": 9, "rbacGroupName": "Workstations"}),
                json!({"time": "2019-12-03T09:51:28.2143414Z", "score": 23.58823563070858, "rbacGroupId": 5, "rbacGroupName": "Servers"}),
            ],
            machines,
            alerts,
            machine_actions: Vec::new(),
        }
    }
}

fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

fn hex(rng: &mut fastrand::Rng, digits: usize) -> String {
    (0..digits).map(|_| char::from_digit(rng.u32(..16), 16).unwrap_or('0')).collect()
}

fn timestamp(rng: &mut fastrand::Rng, year: u32) -> String {
    format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        rng.u32(1..=12),
        rng.u32(1..=28),
        rng.u32(0..24),
        rng.u32(0..60),
        rng.u32(0..60),
        rng.u32(..10_000_000)
    )
}

fn machine(rng: &mut fastrand::Rng, n: usize) -> Value {
    let (group_id, group_name) = *pick(rng, GROUPS);
    let (platform, version) = *pick(rng, PLATFORMS);
    let tags: Vec<&str> = TAGS.iter().copied().filter(|_| rng.u8(..10) < 2).collect();
    let joined = rng.bool();
    json!({
        "id": hex(rng, 40),
        "computerDnsName": format!("device-{n:05}.contoso.com"),
        "firstSeen": timestamp(rng, 2023),
        "lastSeen": timestamp(rng, 2025),
        "osPlatform": platform,
        "version": version,
        "osProcessor": "x64",
        "lastIpAddress": format!("10.{}.{}.{}", rng.u8(..255), rng.u8(..255), rng.u8(1..255)),
        "lastExternalIpAddress": format!("203.0.113.{}", rng.u8(1..255)),
        "osBuild": rng.i64(17_000..23_000),
        "healthStatus": pick(rng, HEALTH),
        "onboardingStatus": "Onboarded",
        "rbacGroupId": group_id,
        "rbacGroupName": group_name,
        "riskScore": pick(rng, RISK),
        "exposureLevel": pick(rng, EXPOSURE),
        "isAadJoined": joined,
        "aadDeviceId": if joined { Value::from(format!("{}-{}-4{}-a{}-{}", hex(rng, 8), hex(rng, 4), hex(rng, 3), hex(rng, 3), hex(rng, 12))) } else { Value::Null },
        "machineTags": tags,
        "deviceValue": "Normal",
    })
}

fn alert(rng: &mut fastrand::Rng, n: usize, machine: Option<&Value>) -> Value {
    let created = timestamp(rng, 2025);
    json!({
        "id": format!("da{:018}_{}", 637_308_392_288_907_382u64 + n as u64, rng.i32(-999_999_999..0)),
        "incidentId": 1000 + n as i64 / 3,
        "severity": pick(rng, SEVERITY),
        "status": pick(rng, ALERT_STATUS),
        "title": pick(rng, TITLES),
        "category": "Execution",
        "detectionSource": "WindowsDefenderAtp",
        "machineId": machine.and_then(|m| m.get("id")).cloned().unwrap_or(Value::Null),
        "computerDnsName": machine.and_then(|m| m.get("computerDnsName")).cloned().unwrap_or(Value::Null),
        "rbacGroupName": machine.and_then(|m| m.get("rbacGroupName")).cloned().unwrap_or(Value::Null),
        "alertCreationTime": created,
        "firstEventTime": created,
        "lastUpdateTime": created,
        "mitreTechniques": ["T1059.001"],
        "comments": [],
        "evidence": [],
    })
}
