//! `cargo xtask bench`: the SDK against a hand-written reqwest + serde_json baseline that
//! fetches the same data from the same loopback server, in one process, interleaved.
//!
//! Every figure is a ratio (SDK / baseline) of medians, or a peak measured by a counting
//! allocator, so that it means the same on a fast or a slow machine. Lines are `name: value`.

mod alloc;
mod export;
mod graph;
mod server;

use std::time::{Duration, Instant};

use defender_sdk::{DefenderClient, ExposureScore, Page, StaticTokenCredential};
use futures_util::TryStreamExt;
use serde::Deserialize;

use crate::alloc::{Counting, Peak};

#[global_allocator]
static ALLOCATOR: Counting = Counting::new();

/// What a careful hand-written client would decode a score into.
#[derive(Deserialize)]
#[allow(dead_code)] // Fields are decoded for the cost of decoding them.
struct BaselineScore {
    #[serde(with = "time::serde::rfc3339")]
    time: time::OffsetDateTime,
    score: f64,
    #[serde(rename = "rbacGroupId")]
    rbac_group_id: Option<i64>,
    #[serde(rename = "rbacGroupName")]
    rbac_group_name: Option<String>,
}

#[derive(Deserialize)]
struct BaselinePage {
    value: Vec<BaselineScore>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

/// A hand-written `Machine` as a careful client would write it: the documented members typed
/// naturally, unknown members dropped (serde's default).
#[derive(Deserialize)]
#[allow(dead_code)] // Fields are decoded for the cost of decoding them.
#[serde(rename_all = "camelCase")]
struct BaselineMachine {
    id: String,
    computer_dns_name: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    first_seen: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    last_seen: Option<time::OffsetDateTime>,
    os_platform: Option<String>,
    version: Option<String>,
    os_processor: Option<String>,
    last_ip_address: Option<String>,
    last_external_ip_address: Option<String>,
    os_build: Option<i64>,
    health_status: Option<String>,
    rbac_group_id: Option<i64>,
    rbac_group_name: Option<String>,
    risk_score: Option<String>,
    exposure_level: Option<String>,
    is_aad_joined: Option<bool>,
    aad_device_id: Option<String>,
    machine_tags: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[allow(dead_code)] // Decoded for the cost of decoding it.
struct BaselineMachinePage {
    value: Vec<BaselineMachine>,
}

/// One page of machines shaped like the `get-machines.md` example, each with three members the
/// spec does not declare (made up, standing in for what a service adds after a release).
fn machines_page(items: usize) -> Vec<u8> {
    let value: Vec<serde_json::Value> = (0..items)
        .map(|n| {
            serde_json::json!({
                "id": format!("{n:040x}"),
                "computerDnsName": format!("machine{n}.contoso.com"),
                "firstSeen": "2018-08-02T14:55:03.7791856Z",
                "lastSeen": format!("2018-08-02T14:55:{:02}.{:07}Z", n % 60, n % 10_000_000),
                "osPlatform": "Windows10",
                "version": "1709",
                "osProcessor": "x64",
                "lastIpAddress": "172.17.230.209",
                "lastExternalIpAddress": "167.220.196.71",
                "osBuild": 18209,
                "healthStatus": "Active",
                "rbacGroupId": 140,
                "rbacGroupName": "The-A-Team",
                "riskScore": "Low",
                "exposureLevel": "Medium",
                "isAadJoined": true,
                "aadDeviceId": "80fe8ff8-2624-418e-9591-41f0491218f9",
                "machineTags": ["test tag 1", "test tag 2"],
                "sensorHealthState": "Active",
                "onboardingStatusReason": {"code": n % 7, "detail": "ok"},
                "firstSeenByCloud": null,
            })
        })
        .collect();
    serde_json::to_vec(
        &serde_json::json!({"@odata.context": "https://x/api/$metadata#Machines", "value": value}),
    )
    .unwrap_or_default()
}

const PAGE_ITEMS: usize = 10_000;
const PAGES: usize = 10;

/// Times of the SDK and the baseline doing the same work back to back, one pair per round.
#[derive(Default)]
struct Pairs(Vec<(Duration, Duration)>);

impl Pairs {
    fn push(&mut self, sdk: Duration, baseline: Duration) {
        self.0.push((sdk, baseline));
    }

    /// The median of the rounds' SDK / baseline ratios. A ratio taken within a round cancels
    /// the machine's drift (frequency, neighbours), which a ratio of two medians taken over
    /// the whole run would leave in; callers alternate which side runs first.
    fn median_ratio(&self) -> f64 {
        let mut ratios: Vec<f64> =
            self.0.iter().map(|(sdk, baseline)| sdk.as_secs_f64() / baseline.as_secs_f64()).collect();
        ratios.sort_by(f64::total_cmp);
        ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN)
    }
}

/// Runs `work` and returns its result with the time it took.
async fn timed<T, E>(work: impl IntoFuture<Output = Result<T, E>>) -> Result<(T, Duration), E> {
    let started = Instant::now();
    let value = work.await?;
    Ok((value, started.elapsed()))
}

/// Decodes `body` as `T`, and returns the time it took; the value is dropped after the clock stops.
fn time_decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> serde_json::Result<Duration> {
    let started = Instant::now();
    let decoded: T = serde_json::from_slice(body)?;
    let elapsed = started.elapsed();
    drop(std::hint::black_box(decoded));
    Ok(elapsed)
}

/// The decode ratio of `Sdk` against `Baseline` over one body, in alternating order.
fn decode_ratio<Sdk, Baseline>(body: &[u8], rounds: usize) -> serde_json::Result<f64>
where
    Sdk: serde::de::DeserializeOwned,
    Baseline: serde::de::DeserializeOwned,
{
    let mut pairs = Pairs::default();
    for round in 0..rounds {
        if round % 2 == 0 {
            let sdk = time_decode::<Sdk>(body)?;
            pairs.push(sdk, time_decode::<Baseline>(body)?);
        } else {
            let baseline = time_decode::<Baseline>(body)?;
            pairs.push(time_decode::<Sdk>(body)?, baseline);
        }
    }
    Ok(pairs.median_ratio())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let only = args.windows(2).find(|pair| pair[0] == "--only").map(|pair| pair[1].as_str());
    match only {
        Some("export") => return export_figures(quick, &reqwest::Client::new()).await,
        Some("export-floor") => return export::floor(&export::Files::make()),
        Some(other) => return Err(format!("--only takes export or export-floor, not {other}").into()),
        None => {}
    }
    let base = server::start(PAGE_ITEMS, PAGES).await?;
    let sdk = DefenderClient::builder()
        .base_url(&base)?
        .credential(StaticTokenCredential::new(
            "bench",
            std::time::SystemTime::now() + Duration::from_secs(86_400),
        ))
        .build()?;
    let http = reqwest::Client::new();
    let baseline_get = |url: String| {
        let http = http.clone();
        async move {
            let body = http.get(url).bearer_auth("bench").send().await?.error_for_status()?.bytes().await?;
            Ok::<_, Box<dyn std::error::Error>>(body)
        }
    };
    let baseline_score = async || {
        let body = baseline_get(format!("{base}/api/exposureScore")).await?;
        Ok::<_, Box<dyn std::error::Error>>(serde_json::from_slice::<BaselineScore>(&body)?)
    };

    // Warm both paths (connections, token, page cache on the server).
    sdk.exposure_score().await?;
    baseline_score().await?;

    // single_entity_wall_ratio: one call of each per round.
    let calls = if quick { 200 } else { 2_000 };
    let mut pairs = Pairs::default();
    for call in 0..calls {
        if call % 2 == 0 {
            let (score, sdk_time) = timed(sdk.exposure_score()).await?;
            std::hint::black_box(score);
            let (score, baseline_time) = timed(baseline_score()).await?;
            std::hint::black_box(score);
            pairs.push(sdk_time, baseline_time);
        } else {
            let (score, baseline_time) = timed(baseline_score()).await?;
            std::hint::black_box(score);
            let (score, sdk_time) = timed(sdk.exposure_score()).await?;
            std::hint::black_box(score);
            pairs.push(sdk_time, baseline_time);
        }
    }
    println!("single_entity_wall_ratio: {:.3}", pairs.median_ratio());

    // collection_100k: the SDK streams; the baseline collects every page, as hand-written
    // paging code usually does.
    let sdk_stream = async || {
        let peak = Peak::start(&ALLOCATOR);
        let mut count = 0usize;
        let mut items = sdk.exposure_score().by_machine_groups().items();
        while let Some(item) = items.try_next().await? {
            std::hint::black_box(&item);
            count += 1;
        }
        assert_eq!(count, PAGE_ITEMS * PAGES);
        Ok::<_, Box<dyn std::error::Error>>(peak.bytes())
    };
    let baseline_collect = async || {
        let peak = Peak::start(&ALLOCATOR);
        let mut all = Vec::new();
        let mut next = Some(format!("{base}/api/exposureScore/ByMachineGroups"));
        while let Some(url) = next {
            let body = baseline_get(url).await?;
            let page: BaselinePage = serde_json::from_slice(&body)?;
            all.extend(page.value);
            next = page.next_link;
        }
        assert_eq!(all.len(), PAGE_ITEMS * PAGES);
        Ok::<_, Box<dyn std::error::Error>>(peak.bytes())
    };
    let rounds = if quick { 2 } else { 9 };
    let mut pairs = Pairs::default();
    let (mut sdk_peak, mut baseline_peak) = (0usize, 0usize);
    for round in 0..rounds {
        let ((sdk_bytes, sdk_time), (baseline_bytes, baseline_time)) = if round % 2 == 0 {
            let sdk_run = timed(sdk_stream()).await?;
            (sdk_run, timed(baseline_collect()).await?)
        } else {
            let baseline_run = timed(baseline_collect()).await?;
            (timed(sdk_stream()).await?, baseline_run)
        };
        pairs.push(sdk_time, baseline_time);
        sdk_peak = sdk_peak.max(sdk_bytes);
        baseline_peak = baseline_peak.max(baseline_bytes);
    }
    println!("collection_100k_wall_ratio: {:.3}", pairs.median_ratio());
    println!("collection_100k_peak_mib_sdk: {:.1}", sdk_peak as f64 / (1024.0 * 1024.0));
    println!("collection_100k_peak_mib_baseline: {:.1}", baseline_peak as f64 / (1024.0 * 1024.0));

    // decode_10k_ratio: one page, bytes already in memory.
    let rounds = if quick { 10 } else { 101 };
    let page = server::page_body(&base, PAGE_ITEMS, 1, PAGES);
    println!("decode_10k_ratio: {:.3}", decode_ratio::<Page<ExposureScore>, BaselinePage>(&page, rounds)?);

    // decode_10k_lossless_ratio: machines with three undocumented members each, kept by the
    // SDK and dropped by the baseline.
    let machines = machines_page(PAGE_ITEMS);
    let sample: Page<defender_sdk::Machine> = serde_json::from_slice(&machines)?;
    assert_eq!(sample.items[0].additional_properties.len(), 3);
    drop(sample);
    let lossless = decode_ratio::<Page<defender_sdk::Machine>, BaselineMachinePage>(&machines, rounds)?;
    println!("decode_10k_lossless_ratio: {lossless:.3}");

    // graph_incidents_decode_ratio: incidents with alerts and evidence expanded, everything kept.
    let incidents = graph::incidents_page(graph::INCIDENTS);
    let sample: Page<defender_sdk::graph::Incident> = serde_json::from_slice(&incidents)?;
    let first = &sample.items[0];
    let evidence = first.alerts.as_ref().and_then(|alerts| alerts[0].evidence.as_ref());
    assert!(evidence.is_some(), "evidence is dispatched on its type");
    assert!(first.additional_properties.is_empty(), "every member lands in a typed field");
    drop(sample);
    let rounds = if quick { 10 } else { 51 };
    let incidents_ratio =
        decode_ratio::<Page<defender_sdk::graph::Incident>, graph::BaselinePage>(&incidents, rounds)?;
    println!("graph_incidents_decode_ratio: {incidents_ratio:.3}");

    export_figures(quick, &http).await
}

/// The export figures (see `export`); `--only export` runs these alone.
async fn export_figures(quick: bool, http: &reqwest::Client) -> Result<(), Box<dyn std::error::Error>> {
    // export_1m: four gzip files of a million rows, streamed into typed rows.
    let files = export::Files::make();
    let export_base = export::serve(&files).await?;
    let exporter = DefenderClient::builder()
        .base_url(&export_base)?
        .credential(StaticTokenCredential::new(
            "bench",
            std::time::SystemTime::now() + Duration::from_secs(86_400),
        ))
        .build()?;
    let sample = exporter.machines().software_vulnerabilities_export_rows(None);
    let first = std::pin::pin!(sample.stream()).try_next().await?;
    assert!(
        first.is_some_and(|row| row.additional_properties.is_empty() && row.cve_id.is_some()),
        "every member of a file row lands in a typed field"
    );
    let rounds = if quick { 1 } else { 3 };
    let (mut sdk_seconds, mut gunzip_seconds) = (Vec::new(), Vec::new());
    let (mut versus_baseline, mut versus_gunzip) = (Pairs::default(), Pairs::default());
    let mut export_peak = 0usize;
    for round in 0..rounds {
        let gunzip = files.gunzip();
        let (sdk_run, baseline_run) = if round % 2 == 0 {
            let sdk_run = timed(export::sdk(&exporter, &ALLOCATOR)).await?;
            (sdk_run, timed(export::baseline(http, &export_base)).await?)
        } else {
            let baseline_run = timed(export::baseline(http, &export_base)).await?;
            (timed(export::sdk(&exporter, &ALLOCATOR)).await?, baseline_run)
        };
        let ((sdk_rows, peak), sdk_time) = sdk_run;
        let (baseline_rows, baseline_time) = baseline_run;
        assert_eq!((sdk_rows, baseline_rows), (export::ROWS, export::ROWS));
        versus_baseline.push(sdk_time, baseline_time);
        versus_gunzip.push(sdk_time, gunzip);
        sdk_seconds.push(sdk_time.as_secs_f64());
        gunzip_seconds.push(gunzip.as_secs_f64());
        export_peak = export_peak.max(peak);
    }
    println!(
        "export_1m_ratio: {:.3} ({} MiB compressed in 4 files)",
        versus_baseline.median_ratio(),
        files.compressed_bytes() / (1024 * 1024)
    );
    println!("export_1m_vs_gunzip: {:.3}", versus_gunzip.median_ratio());
    // Seconds are context for the ratios, not figures: they differ from machine to machine.
    println!("# export_1m seconds: sdk {sdk_seconds:.2?}, gunzip {gunzip_seconds:.2?}");
    println!("export_1m_peak_mib: {:.1}", export_peak as f64 / (1024.0 * 1024.0));
    Ok(())
}
