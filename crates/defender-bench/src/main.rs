//! `cargo xtask bench`: the SDK against a hand-written reqwest + serde_json baseline that
//! fetches the same data from the same loopback server, in one process, interleaved.
//!
//! Every figure is a ratio (SDK / baseline) of medians, or a peak measured by a counting
//! allocator, so that it means the same on a fast or a slow machine. Lines are `name: value`.

mod alloc;
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

const PAGE_ITEMS: usize = 10_000;
const PAGES: usize = 10;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ratio(sdk: Duration, baseline: Duration) -> f64 {
    sdk.as_secs_f64() / baseline.as_secs_f64()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quick = std::env::args().any(|a| a == "--quick");
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

    // Warm both paths (connections, token, page cache on the server).
    sdk.exposure_score().await?;
    baseline_get(format!("{base}/api/exposureScore")).await?;

    // single_entity_wall_ratio: alternate calls so that drift affects both sides alike.
    let calls = if quick { 200 } else { 2_000 };
    let (mut sdk_times, mut baseline_times) = (Vec::with_capacity(calls), Vec::with_capacity(calls));
    for _ in 0..calls {
        let started = Instant::now();
        let score = sdk.exposure_score().await?;
        sdk_times.push(started.elapsed());
        std::hint::black_box(score);
        let started = Instant::now();
        let body = baseline_get(format!("{base}/api/exposureScore")).await?;
        let score: BaselineScore = serde_json::from_slice(&body)?;
        baseline_times.push(started.elapsed());
        std::hint::black_box(score);
    }
    println!("single_entity_wall_ratio: {:.3}", ratio(median(sdk_times), median(baseline_times)));

    // collection_100k: the SDK streams; the baseline collects every page, as hand-written
    // paging code usually does.
    let rounds = if quick { 2 } else { 5 };
    let (mut sdk_times, mut baseline_times) = (Vec::new(), Vec::new());
    let (mut sdk_peak, mut baseline_peak) = (0usize, 0usize);
    for _ in 0..rounds {
        let peak = Peak::start(&ALLOCATOR);
        let started = Instant::now();
        let mut count = 0usize;
        let mut items = sdk.exposure_score().by_machine_groups().items();
        while let Some(item) = items.try_next().await? {
            std::hint::black_box(&item);
            count += 1;
        }
        sdk_times.push(started.elapsed());
        sdk_peak = sdk_peak.max(peak.bytes());
        assert_eq!(count, PAGE_ITEMS * PAGES);

        let peak = Peak::start(&ALLOCATOR);
        let started = Instant::now();
        let mut all = Vec::new();
        let mut next = Some(format!("{base}/api/exposureScore/ByMachineGroups"));
        while let Some(url) = next {
            let body = baseline_get(url).await?;
            let page: BaselinePage = serde_json::from_slice(&body)?;
            all.extend(page.value);
            next = page.next_link;
        }
        baseline_times.push(started.elapsed());
        baseline_peak = baseline_peak.max(peak.bytes());
        assert_eq!(all.len(), PAGE_ITEMS * PAGES);
        drop(all);
    }
    println!("collection_100k_wall_ratio: {:.3}", ratio(median(sdk_times), median(baseline_times)));
    println!("collection_100k_peak_mib_sdk: {:.1}", sdk_peak as f64 / (1024.0 * 1024.0));
    println!("collection_100k_peak_mib_baseline: {:.1}", baseline_peak as f64 / (1024.0 * 1024.0));

    // decode_10k_ratio: one page, bytes already in memory.
    let page = server::page_body(&base, PAGE_ITEMS, 1, PAGES);
    let iterations = if quick { 10 } else { 60 };
    let (mut sdk_times, mut baseline_times) = (Vec::new(), Vec::new());
    for _ in 0..iterations {
        let started = Instant::now();
        let decoded: Page<ExposureScore> = serde_json::from_slice(&page)?;
        sdk_times.push(started.elapsed());
        std::hint::black_box(decoded);
        let started = Instant::now();
        let decoded: BaselinePage = serde_json::from_slice(&page)?;
        baseline_times.push(started.elapsed());
        std::hint::black_box(decoded.value.len());
    }
    println!("decode_10k_ratio: {:.3}", ratio(median(sdk_times), median(baseline_times)));
    Ok(())
}
