//! Property tests: whatever mix of documented, null, absent, mistyped and unknown members a
//! tenant sends for a `Machine`, it decodes without error and is written back without loss.

use defender_e2e::assert_lossless;
use defender_sdk::Machine;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// A member as a tenant may send it: left out, `null`, or one of the given values.
fn member(values: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Option<Value>> {
    prop_oneof![1 => Just(None), 1 => Just(Some(Value::Null)), 4 => values.prop_map(Some)].boxed()
}

/// Timestamps in every shape the service uses, with the text the SDK writes back: RFC 3339
/// with 0 to 7 fractional digits, `Z` or an offset, year 1, and the TVM form without `T` or
/// zone (read as UTC and written back in RFC 3339, the same instant).
fn timestamp() -> impl Strategy<Value = (Value, Value)> {
    let fraction = (0usize..=7, 0u32..10_000_000).prop_map(|(digits, n)| {
        if digits == 0 { String::new() } else { format!(".{:07}", n)[..=digits].to_owned() }
    });
    let zone = prop_oneof![Just("Z".to_owned()), Just("+02:00".to_owned()), Just("-05:30".to_owned())];
    let rfc3339 = (2000u32..2030, 1u32..=12, 1u32..=28, 0u32..24, 0u32..60, 0u32..60, fraction, zone)
        .prop_map(|(y, mo, d, h, mi, s, f, z)| {
            let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{f}{z}");
            (Value::from(text.clone()), Value::from(text))
        });
    let year_one = Just((json!("0001-01-01T00:00:00Z"), json!("0001-01-01T00:00:00Z")));
    let tvm = (2020u32..2026, 1u32..=12, 1u32..=28, 0u32..24).prop_map(|(y, mo, d, h)| {
        (
            Value::from(format!("{y:04}-{mo:02}-{d:02} {h:02}:52:23")),
            Value::from(format!("{y:04}-{mo:02}-{d:02}T{h:02}:52:23Z")),
        )
    });
    prop_oneof![4 => rfc3339, 1 => year_one, 1 => tvm]
}

/// An enumeration member: a documented one, or one the SDK has never heard of.
fn enum_member(documented: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => proptest::sample::select(documented).prop_map(Value::from),
        1 => prop_oneof![Just(String::new()), Just("Other".to_owned()), "[A-Z][a-zA-Z]{2,12}"].prop_map(Value::from),
    ]
}

/// Any JSON value, nested a little: what an undocumented member may hold.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1.0e9f64..1.0e9).prop_map(Value::from),
        "[ -~]{0,16}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map("[a-z]{1,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

prop_compose! {
    /// A `Machine` body and the body the SDK should write back for it.
    fn machine()(
        id in prop_oneof![3 => "[0-9a-f]{40}".prop_map(Value::from), 1 => (0u64..1_000_000).prop_map(Value::from)],
        dns in member("[a-z]{1,10}\\.contoso\\.com".prop_map(Value::from)),
        seen in prop_oneof![1 => Just(None), 1 => Just(Some((Value::Null, Value::Null))), 4 => timestamp().prop_map(Some)],
        health in member(enum_member(&["Active", "Inactive", "ImpairedCommunication", "NoSensorData", "NoSensorDataImpairedCommunication", "Unknown"])),
        risk in member(enum_member(&["None", "Informational", "Low", "Medium", "High"])),
        exposure in member(enum_member(&["None", "Low", "Medium", "High"])),
        group_id in member(prop_oneof![(0i64..i64::MAX).prop_map(Value::from), (0i64..i64::MAX).prop_map(|n| Value::from(n.to_string()))]),
        os_build in member((0i64..100_000).prop_map(Value::from)),
        joined in member(any::<bool>().prop_map(Value::from)),
        tags in member(proptest::collection::vec("[ -~]{0,12}".prop_map(Value::from), 0..4).prop_map(Value::from)),
        extra in proptest::collection::btree_map("x[A-Za-z]{1,12}", any_json(), 0..4),
    ) -> (Value, Value) {
        let mut sent = Map::new();
        let mut expected = Map::new();
        sent.insert("id".into(), id.clone());
        expected.insert("id".into(), id);
        for (name, value) in [
            ("computerDnsName", dns), ("healthStatus", health), ("riskScore", risk),
            ("exposureLevel", exposure), ("rbacGroupId", group_id), ("osBuild", os_build),
            ("isAadJoined", joined), ("machineTags", tags),
        ] {
            if let Some(value) = value {
                sent.insert(name.into(), value.clone());
                expected.insert(name.into(), value);
            }
        }
        if let Some((value, written)) = seen {
            sent.insert("lastSeen".into(), value);
            expected.insert("lastSeen".into(), written);
        }
        for (name, value) in extra {
            sent.insert(name.clone(), value.clone());
            expected.insert(name, value);
        }
        (Value::Object(sent), Value::Object(expected))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_machine_a_tenant_sends_decodes_and_writes_back_without_loss((sent, expected) in machine()) {
        let bytes = serde_json::to_vec(&sent).unwrap_or_default();
        let machine: Machine = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}\n{sent}"));
        let written = serde_json::to_value(&machine).unwrap_or_else(|e| panic!("{e}"));
        assert_lossless(&expected, &written);
    }

    #[test]
    fn arbitrary_bytes_are_an_error_or_a_value_never_a_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        // Whatever decodes must also write back; everything else must be an error value.
        if let Ok(machine) = serde_json::from_slice::<Machine>(&bytes) {
            prop_assert!(serde_json::to_value(&machine).is_ok());
        }
        if let Ok(page) = serde_json::from_slice::<defender_sdk::Page<Machine>>(&bytes) {
            prop_assert!(serde_json::to_value(&page).is_ok());
        }
    }
}
