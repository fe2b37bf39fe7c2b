//! The fixture service (`tests/fixtures/csdl/edm-types.xml`): every Edm type decoded and written
//! back without loss, and functions, actions and keys sent as the OData URL conventions say.

use std::time::{Duration, SystemTime};

use defender_e2e::FixtureClient;
use defender_e2e::generated::types::{Counter, Sample, Severity};
use defender_sdk::{ErrorKind, ODataClient, StaticTokenCredential, edm};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(server: &MockServer) -> FixtureClient {
    let runtime = ODataClient::builder()
        .base_url(&server.uri())
        .map(|b| {
            b.credential(StaticTokenCredential::new("t", SystemTime::now() + Duration::from_secs(3600)))
                .retry_policy(defender_e2e::quick_retries())
        })
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));
    FixtureClient::new(runtime)
}

fn every_type() -> Value {
    json!({
        "@odata.context": "https://example.test/api/$metadata#samples/$entity",
        "@odata.etag": "W/\"1\"",
        "id": "sample-1",
        "flag": true,
        "byte": 255,
        "sbyte": -128,
        "int16": -32768,
        "int32": 2147483647,
        "int64": "9007199254740993",
        "single": 1.5,
        "double": 33.491554051195706,
        "decimal": "12345678901234567890.123456789",
        "when": "2019-12-03T09:51:28.2143399Z",
        "date": "2024-02-29",
        "timeOfDay": "23:59:59.1234567",
        "duration": "P1DT2H3M4.5S",
        "guid": "43f4cb08-8fac-4b65-9db1-745c2ae65f3a",
        "binary": "AQID_w==",
        "tags": ["a", "b"],
        "severity": "High",
        "hash": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "folder": {"name": "root", "parent": {"name": "up", "parent": null}, "children": [{"name": "leaf"}]},
        "type": "keyword",
        "location": {"type": "Point", "coordinates": [4.9, 52.37]},
        "score@odata.type": "#Double",
        "undocumentedField": {"nested": [1, 2, 3]},
        "anotherNewField": null
    })
}

#[test]
fn every_edm_type_decodes_and_writes_back_without_loss() {
    let original = every_type();
    let sample: Sample = serde_json::from_value(original.clone()).unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(sample.id, "sample-1");
    assert_eq!(sample.int64, Some(9_007_199_254_740_993), "an Int64 string must not pass through f64");
    assert_eq!(sample.severity, Some(Severity::High));
    assert_eq!(sample.r#type.as_deref(), Some("keyword"));
    assert_eq!(sample.when.map(|w| w.as_offset_date_time().nanosecond()), Some(214_339_900));
    assert_eq!(sample.binary.as_ref().map(|b| b.as_bytes().to_vec()), Some(vec![1, 2, 3, 255]));
    let parent = sample.folder.as_ref().and_then(|f| f.parent.as_deref());
    assert_eq!(parent.and_then(|p| p.name.as_deref()), Some("up"));
    assert_eq!(
        sample.additional_properties.get_as::<Value>("undocumentedField").and_then(Result::ok),
        Some(json!({"nested": [1, 2, 3]}))
    );
    assert_eq!(sample.annotations.get("score@odata.type"), Some(&json!("#Double")));

    let written = serde_json::to_value(&sample).unwrap_or_else(|e| panic!("{e}"));
    defender_e2e::assert_lossless(&original, &written);
}

#[test]
fn expanded_navigation_properties_decode_into_typed_fields_and_unexpanded_ones_stay_out() {
    let original = json!({
        "id": "child",
        "parent": {"id": "root", "related": [{"id": "sibling", "int32": 7}]},
        "related": [{"id": "a", "parent": {"id": "child"}}, {"id": "b"}]
    });
    let sample: Sample = serde_json::from_value(original.clone()).unwrap_or_else(|e| panic!("{e}"));
    let parent = sample.parent.as_deref().unwrap_or_else(|| panic!("parent not typed: {sample:?}"));
    assert_eq!(parent.id, "root");
    assert_eq!(parent.related.as_ref().map(|r| r[0].int32), Some(Some(7)));
    let related = sample.related.as_deref().unwrap_or_default();
    assert_eq!(related.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(related[0].parent.as_ref().map(|p| p.id.as_str()), Some("child"));
    assert!(sample.additional_properties.is_empty(), "{:?}", sample.additional_properties);
    let written = serde_json::to_value(&sample).unwrap_or_else(|e| panic!("{e}"));
    defender_e2e::assert_lossless(&original, &written);
    // Not expanded: `None`, and not written as `null` (which would claim there is no parent).
    assert_eq!(related[1].parent, None);
    assert_eq!(written["related"][1].get("parent"), None, "{written}");
}

#[test]
fn numbers_where_strings_are_declared_and_unknown_members_are_kept() {
    let sample: Sample = serde_json::from_value(json!({
        "id": 12345,
        "int64": 42,
        "severity": "Critical",
        "hash": 7,
        "flag": null
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sample.id, "12345");
    assert_eq!(sample.int64, Some(42));
    assert_eq!(sample.severity, Some(Severity::Unrecognized("Critical".into())));
    assert_eq!(sample.hash.as_deref(), Some("7"));
    assert_eq!(sample.flag, None);
    let written = serde_json::to_value(&sample).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(written["severity"], json!("Critical"));
}

#[test]
fn a_string_key_may_be_left_out_but_a_numeric_key_may_not() {
    // A body selected by another tool (`$select=flag`) has no key: it decodes, and writes back
    // without one.
    let selected: Sample = serde_json::from_value(json!({"flag": true})).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(selected.id, "");
    assert_eq!(selected.flag, Some(true));
    let written = serde_json::to_value(&selected).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(written.get("id"), None, "{written}");
    assert_eq!(written["flag"], json!(true));

    // `0` is a real key value, so a numeric key stays required.
    let error = serde_json::from_value::<Counter>(json!({"label": "x"})).err().map(|e| e.to_string());
    assert_eq!(error.as_deref(), Some("missing field `number`"));

    let sample: Sample = serde_json::from_value(json!({"id": "x"})).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sample.double, None);
}

#[tokio::test]
async fn a_bound_function_writes_its_parameters_as_odata_literals() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"id": "a"}]})))
        .expect(1)
        .mount(&server)
        .await;
    let since = edm::DateTimeOffset::parse("2024-01-01T10:00:00+02:00").unwrap_or_else(|e| panic!("{e}"));

    let items = client(&server)
        .samples()
        .recent(since, "O'Neil/1", Severity::High)
        .top(5)
        .collect_all()
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    assert_eq!(items.len(), 1);
    let requests = server.received_requests().await.unwrap_or_default();
    let url = &requests[0].url;
    assert_eq!(
        url.path(),
        "/api/samples/Fixture.Types.recent(since=2024-01-01T10:00:00%2B02:00,name='O''Neil%2F1',severity=Fixture.Types.Severity'High')"
    );
    assert_eq!(url.query(), Some("$top=5"));
}

#[tokio::test]
async fn an_unbound_function_returns_its_primitive_value() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/countAbove(threshold=-3)"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"@odata.context": "x#Edm.Int64", "value": "42"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    // An Int64 result sent as a string (IEEE754Compatible) still decodes.
    let count = client(&server).count_above(-3).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(count, 42);
}

#[tokio::test]
async fn a_bound_action_posts_exactly_its_parameters() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/samples('it''s')/Fixture.Types.tag"))
        .and(body_json(json!({"Value": "ExampleTag", "Action": "Add"})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "it's", "tags": ["ExampleTag"]})))
        .expect(1)
        .mount(&server)
        .await;

    let sample = client(&server)
        .samples()
        .get("it's")
        .tag("ExampleTag", "Add")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sample.tags, Some(vec!["ExampleTag".to_owned()]));
}

#[tokio::test]
async fn an_action_is_not_repeated_after_the_server_may_have_acted() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/purge"))
        .and(body_json(json!({"olderThan": "P30D"})))
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;

    let older_than = edm::Duration::parse("P30D").unwrap_or_else(|e| panic!("{e}"));
    let error = client(&server).purge(older_than).await.err().unwrap_or_else(|| panic!("502 accepted"));
    assert!(matches!(error.kind(), ErrorKind::Http(http) if http.status.as_u16() == 502), "{error:?}");
}

#[test]
fn flags_decode_from_names_or_numbers_and_keep_unknown_members() {
    use defender_e2e::generated::types::{Access, AccessSet};

    let decode = |access: Value| {
        let sample: Sample =
            serde_json::from_value(json!({"id": "x", "access": access})).unwrap_or_else(|e| panic!("{e}"));
        sample.access.unwrap_or_else(|| panic!("no access"))
    };
    assert_eq!(decode(json!("Read, Write")), AccessSet::of([Access::Read, Access::Write]));
    assert_eq!(decode(json!(5)), AccessSet::of([Access::Read, Access::Admin]));
    assert_eq!(decode(json!(9)), AccessSet::of([Access::Read, Access::Unrecognized("8".into())]));
    let with_unknown = decode(json!("Read,Delete"));
    assert!(with_unknown.contains(&Access::Unrecognized("Delete".into())));

    let sample: Sample =
        serde_json::from_value(json!({"id": "x", "access": "Write,Read"})).unwrap_or_else(|e| panic!("{e}"));
    let written = serde_json::to_value(&sample).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(written["access"], json!("Read,Write"), "members in declaration order");
    assert_eq!(
        defender_runtime::filter::FilterValue::filter_literal(&AccessSet::of([Access::Admin])),
        "'Admin'"
    );
}

#[tokio::test]
async fn navigation_properties_are_paths_below_the_entity() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/samples('a')/related"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": [{"id": "b"}, {"id": "c"}]})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/samples('a')/parent"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "root"})))
        .expect(1)
        .mount(&server)
        .await;

    let samples = client(&server).samples();
    let related = samples.get("a").related().collect_all().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(related.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["b", "c"]);
    let parent = samples.get("a").parent().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(parent.id, "root");
}
