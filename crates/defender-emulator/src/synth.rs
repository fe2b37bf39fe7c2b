//! Plausible values of any type the catalog describes: timestamps, hashes, addresses, names
//! and counts chosen by the property's type and name, references to the tenant's machines,
//! enumeration members, nested complex values, and derived types tagged with `@odata.type`.
//!
//! Everything comes from a seeded generator, so the same seed gives the same tenant.

use defender_runtime::catalog::{Catalog, Shape, TypeRef};
use defender_runtime::edm::Primitive;
use serde_json::{Map, Value, json};

/// Complex values nest at most this deep; deeper ones are `null` or empty.
const MAX_DEPTH: usize = 3;

const USERS: &[&str] = &["alex", "casey", "jordan", "morgan", "riley", "sam", "taylor"];
const VENDORS: &[(&str, &str)] = &[
    ("microsoft", "edge"),
    ("google", "chrome"),
    ("mozilla", "firefox"),
    ("oracle", "jre"),
    ("adobe", "acrobat_reader"),
    ("7-zip", "7-zip"),
    ("openssl", "openssl"),
];
const FILES: &[&str] =
    &["powershell.exe", "cmd.exe", "rundll32.exe", "invoice.docm", "setup.msi", "svchost.exe"];
const PLATFORMS: &[&str] =
    &["Windows10", "Windows11", "WindowsServer2019", "WindowsServer2022", "Linux", "macOS"];
const SENTENCES: &[&str] = &[
    "Observed on several devices in the finance group.",
    "Apply the vendor update and restart the affected devices.",
    "Created by the security operations team during triage.",
    "Matches a known commodity malware family.",
    "No user impact expected.",
];

/// A reference to something the tenant already has, for properties that point at it.
#[derive(Debug, Clone, Default)]
pub struct Anchor {
    /// A machine: its id and DNS name, and its device group.
    pub machine: Option<(String, String, i64, String)>,
}

/// A seeded generator of values.
pub struct Synth<'a> {
    catalog: &'a Catalog,
    /// The random source; public so that callers draw from the same sequence.
    pub rng: fastrand::Rng,
}

impl<'a> Synth<'a> {
    /// A generator over `catalog`'s types, seeded with `seed`.
    pub fn new(catalog: &'a Catalog, seed: u64) -> Self {
        Self { catalog, rng: fastrand::Rng::with_seed(seed) }
    }

    /// An instance of the structured type `name` (or of a type derived from it), numbered `n`
    /// within its collection.
    pub fn structured(&mut self, name: &str, n: usize, anchor: &Anchor) -> Value {
        self.structured_at(name, n, anchor, 0)
    }

    /// An instance of exactly the structured type `name`, never a derived one: a row of an
    /// export file, which names no type.
    pub fn exactly(&mut self, name: &str, n: usize, anchor: &Anchor) -> Value {
        match self.catalog.type_info(name) {
            Some(declared) => self.members_of(declared, declared, n, anchor, 0),
            None => Value::Object(Map::new()),
        }
    }

    fn structured_at(&mut self, name: &str, n: usize, anchor: &Anchor, depth: usize) -> Value {
        let Some(declared) = self.catalog.type_info(name) else { return Value::Object(Map::new()) };
        // A value of a base type may be any concrete type derived from it.
        let mut candidates: Vec<_> = self.catalog.derived(declared.name);
        if declared.structure().is_some_and(|s| !s.is_abstract) {
            candidates.push(declared);
        }
        let chosen =
            if candidates.is_empty() { declared } else { candidates[self.rng.usize(..candidates.len())] };
        self.members_of(declared, chosen, n, anchor, depth)
    }

    /// The members of a value of `chosen`, declared as `declared`.
    fn members_of(
        &mut self,
        declared: &'static defender_runtime::catalog::TypeInfo,
        chosen: &'static defender_runtime::catalog::TypeInfo,
        n: usize,
        anchor: &Anchor,
        depth: usize,
    ) -> Value {
        let mut object = Map::new();
        if chosen.name != declared.name {
            object.insert("@odata.type".into(), Value::from(format!("#{}", chosen.name)));
        }
        for property in self.catalog.properties(chosen) {
            let value = if property.nullable && self.rng.u8(..100) < 4 {
                Value::Null
            } else {
                self.value_at(property.ty, property.name, n, anchor, depth + 1)
            };
            object.insert(property.name.to_owned(), value);
        }
        Value::Object(object)
    }

    /// A value of `ty` for a property (or parameter) called `name`.
    pub fn value(&mut self, ty: TypeRef, name: &str, n: usize, anchor: &Anchor) -> Value {
        self.value_at(ty, name, n, anchor, 0)
    }

    fn value_at(&mut self, ty: TypeRef, name: &str, n: usize, anchor: &Anchor, depth: usize) -> Value {
        if ty.collection {
            if depth > MAX_DEPTH {
                return json!([]);
            }
            let count = self.rng.usize(0..=3);
            let element = TypeRef::single(ty.name);
            return Value::Array(
                (0..count).map(|i| self.value_at(element, name, n + i, anchor, depth)).collect(),
            );
        }
        match self.catalog.type_info(ty.name).map(|t| t.shape) {
            Some(Shape::Entity(_) | Shape::Complex(_)) if depth > MAX_DEPTH => Value::Null,
            Some(Shape::Entity(_) | Shape::Complex(_)) => self.structured_at(ty.name, n, anchor, depth),
            Some(Shape::Enum(enumeration)) if !enumeration.members.is_empty() => {
                Value::from(enumeration.members[self.rng.usize(..enumeration.members.len())].0)
            }
            Some(Shape::Enum(_)) => Value::Null,
            Some(Shape::Definition { underlying }) => match Primitive::from_name(underlying) {
                Some(primitive) => self.primitive(primitive, name, n, anchor),
                None => Value::Null,
            },
            None => match ty.primitive() {
                Some(primitive) => self.primitive(primitive, name, n, anchor),
                // A type of a referenced vocabulary: some JSON, as for an untyped value.
                None => json!({"source": "emulator"}),
            },
        }
    }

    fn primitive(&mut self, primitive: Primitive, name: &str, n: usize, anchor: &Anchor) -> Value {
        let lower = name.to_ascii_lowercase();
        match primitive {
            Primitive::String => Value::from(self.string(&lower, n, anchor)),
            Primitive::Boolean => Value::from(self.rng.bool()),
            Primitive::Byte | Primitive::SByte | Primitive::Int16 | Primitive::Int32 | Primitive::Int64 => {
                Value::from(self.integer(&lower, anchor))
            }
            Primitive::Double | Primitive::Single | Primitive::Decimal => {
                let top = if lower.contains("cvss") || lower.contains("severity") {
                    10.0
                } else if lower.contains("epss") {
                    1.0
                } else {
                    100.0
                };
                Value::from((self.rng.f64() * top * 100.0).round() / 100.0)
            }
            Primitive::DateTimeOffset => Value::from(self.timestamp()),
            Primitive::Date => {
                Value::from(format!("2025-{:02}-{:02}", self.rng.u32(1..=12), self.rng.u32(1..=28)))
            }
            Primitive::TimeOfDay => {
                Value::from(format!("{:02}:{:02}:00", self.rng.u32(0..24), self.rng.u32(0..60)))
            }
            Primitive::Duration => Value::from(format!("PT{}M", self.rng.u32(1..600))),
            Primitive::Guid => Value::from(self.guid()),
            Primitive::Binary => Value::from("AAECAwQ="),
            // Untyped members carry whatever the service sends; an object is the usual shape.
            Primitive::Untyped
            | Primitive::PrimitiveType
            | Primitive::ComplexType
            | Primitive::EntityType => {
                json!({"source": "emulator"})
            }
            // Nothing in a Defender body has these types; they have no value to make up.
            Primitive::Stream
            | Primitive::AnnotationPath
            | Primitive::PropertyPath
            | Primitive::NavigationPropertyPath
            | Primitive::AnyPropertyPath
            | Primitive::ModelElementPath
            | Primitive::Geography
            | Primitive::GeographyPoint
            | Primitive::GeographyLineString
            | Primitive::GeographyPolygon
            | Primitive::GeographyMultiPoint
            | Primitive::GeographyMultiLineString
            | Primitive::GeographyMultiPolygon
            | Primitive::GeographyCollection
            | Primitive::Geometry
            | Primitive::GeometryPoint
            | Primitive::GeometryLineString
            | Primitive::GeometryPolygon
            | Primitive::GeometryMultiPoint
            | Primitive::GeometryMultiLineString
            | Primitive::GeometryMultiPolygon
            | Primitive::GeometryCollection => Value::Null,
        }
    }

    fn string(&mut self, name: &str, n: usize, anchor: &Anchor) -> String {
        let machine = anchor.machine.as_ref();
        let user = USERS[self.rng.usize(..USERS.len())];
        let (vendor, product) = VENDORS[self.rng.usize(..VENDORS.len())];
        match name {
            "sha1" | "signerhash" | "thumbprint" => self.hex(40),
            "sha256" => self.hex(64),
            "md5" => self.hex(32),
            "machineid" | "deviceid" | "mostprevalentmachineid" | "leastprevalentmachineid" => {
                machine.map_or_else(|| self.hex(40), |m| m.0.clone())
            }
            "computerdnsname" | "devicename" | "machinename" | "hostname" => {
                machine.map_or_else(|| format!("device-{n:05}.contoso.com"), |m| m.1.clone())
            }
            "rbacgroupname" => machine.map_or_else(|| "Servers".to_owned(), |m| m.3.clone()),
            "cvssvector" => format!(
                "CVSS:3.1/AV:{}/AC:L/PR:N/UI:{}/S:U/C:H/I:H/A:{}",
                ["N", "A", "L"][self.rng.usize(..3)],
                ["N", "R"][self.rng.usize(..2)],
                ["H", "L", "N"][self.rng.usize(..3)]
            ),
            "cveid" => format!("CVE-{}-{}", 2020 + self.rng.u32(0..6), 10_000 + self.rng.u32(0..40_000)),
            "osplatform" | "operatingsystem" => PLATFORMS[self.rng.usize(..PLATFORMS.len())].to_owned(),
            "osprocessor" | "osarchitecture" => "x64".to_owned(),
            "macaddress" => {
                format!("00-15-5D-{:02X}-{:02X}-{:02X}", self.rng.u8(..), self.rng.u8(..), self.rng.u8(..))
            }
            "accountsid" | "usersid" => {
                format!("S-1-5-21-{}-{}", self.rng.u32(..), 1000 + self.rng.u32(..9000))
            }
            "domain" | "accountdomain" | "domainname" => "contoso".to_owned(),
            "accountname" | "username" => user.to_owned(),
            "filename" | "topfilenames" | "parentprocessfilename" => {
                FILES[self.rng.usize(..FILES.len())].to_owned()
            }
            "filepath" | "path" | "parentprocessfilepath" => "C:\\Windows\\System32".to_owned(),
            "processcommandline" => "powershell.exe -ExecutionPolicy Bypass -File run.ps1".to_owned(),
            "vendor" | "softwarevendor" | "productvendor" | "filepublisher" | "manufacturer"
            | "recommendedvendor" => vendor.to_owned(),
            "softwarename" | "productname" | "fileproductname" | "componentname" => product.to_owned(),
            _ if name.contains("email") || name.contains("userprincipalname") || name.ends_with("by") => {
                format!("{user}@contoso.com")
            }
            "requestor" | "assignedto" => format!("{user}@contoso.com"),
            _ if name.contains("ipaddress") || name == "ip" => {
                format!("10.{}.{}.{}", self.rng.u8(..), self.rng.u8(..), self.rng.u8(1..255))
            }
            _ if name.contains("url") || name.contains("uri") => {
                format!("https://contoso.example/{name}/{}", self.hex(8))
            }
            _ if name.contains("version") => {
                format!(
                    "{}.{}.{}.{}",
                    self.rng.u8(1..20),
                    self.rng.u8(..10),
                    self.rng.u16(..30_000),
                    self.rng.u8(..100)
                )
            }
            _ if name.contains("description")
                || name.contains("comment")
                || name == "rationale"
                || name == "remediation" =>
            {
                SENTENCES[self.rng.usize(..SENTENCES.len())].to_owned()
            }
            _ if name.ends_with("id") || name.ends_with("ids") => self.guid(),
            _ if name == "title" || name.ends_with("name") => format!("{} {}", title_case(name), n + 1),
            _ => format!("{name}-{}", self.rng.u16(1..1000)),
        }
    }

    fn integer(&mut self, name: &str, anchor: &Anchor) -> i64 {
        if name == "rbacgroupid" {
            return anchor.machine.as_ref().map_or(5, |m| m.2);
        }
        if name.ends_with("id") {
            return self.rng.i64(1_000..100_000);
        }
        if ["count", "devices", "machines", "installations", "weaknesses", "prevalence", "vulnerabilities"]
            .iter()
            .any(|word| name.contains(word))
        {
            return self.rng.i64(0..5_000);
        }
        if name == "osbuild" {
            return self.rng.i64(17_000..26_000);
        }
        self.rng.i64(0..100)
    }

    /// A timestamp in 2024 or 2025, with seven fractional digits as the service writes them.
    pub fn timestamp(&mut self) -> String {
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
            self.rng.u32(2024..=2025),
            self.rng.u32(1..=12),
            self.rng.u32(1..=28),
            self.rng.u32(0..24),
            self.rng.u32(0..60),
            self.rng.u32(0..60),
            self.rng.u32(..10_000_000)
        )
    }

    /// `digits` lowercase hexadecimal digits.
    pub fn hex(&mut self, digits: usize) -> String {
        (0..digits).map(|_| char::from_digit(self.rng.u32(..16), 16).unwrap_or('0')).collect()
    }

    /// A random (version 4 shaped) GUID.
    pub fn guid(&mut self) -> String {
        format!("{}-{}-4{}-a{}-{}", self.hex(8), self.hex(4), self.hex(3), self.hex(3), self.hex(12))
    }
}

/// `rbacGroupName` → `Rbac group name`: a readable label from a property name.
fn title_case(lower_name: &str) -> String {
    let mut chars = lower_name.chars();
    chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
}

/// The current time as the service writes timestamps (UTC, seven fractional digits), for what
/// changes while the emulator runs, such as a machine action's last update.
pub fn now_text() -> String {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let seconds = since_epoch.as_secs();
    let (days, of_day) = ((seconds / 86_400) as i64, seconds % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:07}Z",
        of_day / 3_600,
        of_day % 3_600 / 60,
        of_day % 60,
        since_epoch.subsec_nanos() / 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_is_written_as_the_service_writes_timestamps() {
        let now = now_text();
        assert_eq!(now.len(), "2026-12-06T15:40:01.1234567Z".len(), "{now}");
        let parsed =
            defender_runtime::edm::DateTimeOffset::parse(&now).unwrap_or_else(|e| panic!("{now}: {e}"));
        let age = std::time::SystemTime::now()
            .duration_since(std::time::SystemTime::from(parsed.as_offset_date_time()))
            .unwrap_or_default();
        assert!(age.as_secs() < 60, "{now}");
    }
    use defender_sdk::catalog::CATALOG;

    #[test]
    fn the_same_seed_gives_the_same_values() {
        let anchor = Anchor::default();
        let first = Synth::new(&CATALOG, 7).structured("Vulnerability", 0, &anchor);
        let again = Synth::new(&CATALOG, 7).structured("Vulnerability", 0, &anchor);
        let other = Synth::new(&CATALOG, 8).structured("Vulnerability", 0, &anchor);
        assert_eq!(first, again);
        assert_ne!(first, other);
    }

    #[test]
    fn values_have_the_declared_types_and_members() {
        let anchor = Anchor {
            machine: Some(("m1".into(), "device-00001.contoso.com".into(), 9, "Workstations".into())),
        };
        let mut synth = Synth::new(&CATALOG, 1);
        let mut anchored = 0;
        for n in 0..50 {
            let alert = synth.structured("Alert", n, &anchor);
            // Nullable members are sometimes null, as real tenants send them.
            assert!(alert["machineId"].is_null() || alert["machineId"] == "m1", "{}", alert["machineId"]);
            anchored += usize::from(alert["machineId"] == "m1");
            assert!(alert["sha1"].is_null() || alert["sha1"].as_str().is_none_or(|s| s.len() == 40));
            let severity = alert["severity"].as_str();
            assert!(
                severity
                    .is_none_or(|s| ["UnSpecified", "Informational", "Low", "Medium", "High"].contains(&s)),
                "{severity:?}"
            );
            assert!(alert["alertCreationTime"].as_str().is_none_or(|t| t.ends_with('Z') && t.len() == 28));
        }
        assert!(anchored > 40, "{anchored} of 50 alerts refer to the anchor machine");
    }

    #[test]
    fn values_of_a_base_type_include_derived_types_tagged_with_their_name() {
        let mut synth = Synth::new(&CATALOG, 3);
        let tags: std::collections::BTreeSet<String> = (0..40)
            .map(|n| synth.structured("AssetVulnerability", n, &Anchor::default()))
            .filter_map(|v| v.get("@odata.type").and_then(Value::as_str).map(str::to_owned))
            .collect();
        assert!(tags.contains("#microsoft.windowsDefenderATP.api.DeltaAssetVulnerability"), "{tags:?}");
    }
}
