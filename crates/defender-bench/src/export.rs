//! The export figures: 1,000,000 software-vulnerability rows in four gzip files of JSON lines
//! (members in PascalCase, as the service's files spell them), served on loopback with an
//! export endpoint that lists them.
//!
//! - `export_1m_ratio`: the SDK's `software_vulnerabilities_export_rows` streaming every row
//!   into `AssetVulnerability`, against a hand-written reqwest + flate2 + serde_json loop that
//!   downloads each file and decodes each line into a plain struct;
//! - `export_1m_vs_gunzip`: the SDK's time against decompressing the same files alone (from
//!   memory, one after another);
//! - `export_1m_peak_mib`: the most memory the SDK held while streaming.

use std::io::{BufRead, Read};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use defender_sdk::DefenderClient;
use futures_util::TryStreamExt;
use serde::Deserialize;

use crate::alloc::{Counting, Peak};

/// Rows in the export.
pub const ROWS: usize = 1_000_000;
/// Files they are split into.
const FILES: usize = 4;

/// The four files, gzip-compressed.
pub struct Files {
    files: Vec<bytes::Bytes>,
}

/// A cheap deterministic scramble of `n`, so that rows differ as real rows do (real export
/// files compress about tenfold, not a hundredfold as repeated text would).
fn mix(n: u64) -> u64 {
    let mut x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03;
    x ^= x >> 31;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 29)
}

const VENDORS: &[&str] =
    &["microsoft", "google", "mozilla", "adobe", "oracle", "zoom", "vmware", "7-zip", "notepad++", "python"];
const PRODUCTS: &[&str] =
    &["edge", "chrome", "firefox", "acrobat_reader", "jre", "zoom", "tools", "7-zip", "notepad++", "python"];
const LEVELS: &[&str] = &["Low", "Medium", "High", "Critical"];
const EXPLOITS: &[&str] = &["NoExploit", "ExploitIsPublic", "ExploitIsVerified", "ExploitIsInKit"];

/// One row as the service's files spell it.
fn row(n: usize) -> serde_json::Value {
    let device = mix(n as u64 / 50);
    let r = mix(n as u64);
    let product = (r % 10) as usize;
    let version = format!("{}.{}.{}.{}", r % 130, (r >> 8) % 10, (r >> 16) % 9_000, (r >> 32) % 200);
    let cve = format!("CVE-20{}-{:05}", 15 + (r >> 40) % 10, (r >> 20) % 99_999);
    serde_json::json!({
        "Id": format!("{device:016x}{:024x}_{}_{}_{version}_{cve}", device >> 3, VENDORS[product], PRODUCTS[product]),
        "DeviceId": format!("{device:016x}{:024x}", device >> 3),
        "DeviceName": format!("ws-{:08x}.corp.contoso.com", device as u32),
        "OSPlatform": if device.is_multiple_of(3) { "Windows11" } else { "Windows10" },
        "OSVersion": format!("10.0.{}", 19_041 + device % 3_600),
        "OSArchitecture": "x64",
        "RbacGroupName": format!("Group {}", device % 40),
        "RbacGroupId": device % 40,
        "SoftwareVendor": VENDORS[product],
        "SoftwareName": PRODUCTS[product],
        "SoftwareVersion": version,
        "CveId": cve,
        "CvssScore": (r % 100) as f64 / 10.0,
        "VulnerabilitySeverityLevel": LEVELS[(r >> 3) as usize % 4],
        "ExploitabilityLevel": EXPLOITS[(r >> 5) as usize % 4],
        "RecommendedSecurityUpdate": format!("Update {} {}", VENDORS[product], PRODUCTS[product]),
        "RecommendedSecurityUpdateId": format!("KB{}", 5_000_000 + r % 99_999),
        "RecommendedSecurityUpdateUrl": null,
        "DiskPaths": [format!("C:\\Program Files\\{}\\{}\\{:x}.exe", VENDORS[product], PRODUCTS[product], r % 4_096)],
        "RegistryPaths": [],
        "FirstSeenTimestamp": format!("2024-0{}-{:02} {:02}:{:02}:{:02}", 1 + r % 9, 1 + (r >> 7) % 28, (r >> 9) % 24, (r >> 11) % 60, (r >> 13) % 60),
        "LastSeenTimestamp": format!("2024-10-{:02} {:02}:{:02}:{:02}", 1 + (r >> 15) % 28, (r >> 17) % 24, (r >> 19) % 60, (r >> 21) % 60),
        "RecommendationReference": format!("va-_-{}-_-{}", VENDORS[product], PRODUCTS[product]),
        "SecurityUpdateAvailable": r.is_multiple_of(2),
    })
}

impl Files {
    /// Writes and compresses the rows.
    pub fn make() -> Self {
        use std::io::Write;
        let per_file = ROWS / FILES;
        let files = (0..FILES)
            .map(|file| {
                // Rows are written a megabyte at a time: the compressor is slow with small writes.
                let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
                let mut writer = std::io::BufWriter::with_capacity(1 << 20, encoder);
                for n in file * per_file..(file + 1) * per_file {
                    let _ = serde_json::to_writer(&mut writer, &row(n));
                    let _ = writer.write_all(b"\n");
                }
                let encoder = writer.into_inner().ok();
                bytes::Bytes::from(encoder.and_then(|e| e.finish().ok()).unwrap_or_default())
            })
            .collect();
        Self { files }
    }

    /// Compressed bytes in all.
    pub fn compressed_bytes(&self) -> usize {
        self.files.iter().map(bytes::Bytes::len).sum()
    }

    /// Decompresses every file, one after another, discarding the output.
    pub fn gunzip(&self) -> Duration {
        let started = Instant::now();
        let mut buffer = vec![0u8; 256 * 1024];
        for file in &self.files {
            let mut decoder = flate2::read::MultiGzDecoder::new(&file[..]);
            while decoder.read(&mut buffer).is_ok_and(|n| n > 0) {}
        }
        started.elapsed()
    }
}

/// Serves the files under `/storage/…` and the export endpoint under `/api/…`; returns the base.
pub async fn serve(files: &Files) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let links: Vec<String> = (0..files.files.len())
        .map(|n| format!("{base}/storage/part-{n}.json.gz?sv=2020&sig=bench"))
        .collect();
    let listing = serde_json::to_vec(
        &serde_json::json!({"exportFiles": links, "generatedTime": "2024-02-01T00:00:00Z"}),
    )
    .unwrap_or_default();
    let state = Arc::new((files.files.clone(), listing));
    let app = Router::new()
        .route(
            "/api/machines/SoftwareVulnerabilitiesExport",
            get(|State(s): State<Arc<(Vec<bytes::Bytes>, Vec<u8>)>>| async move {
                ([("content-type", "application/json")], s.1.clone())
            }),
        )
        .route(
            "/storage/{name}",
            get(|State(s): State<Arc<(Vec<bytes::Bytes>, Vec<u8>)>>, Path(name): Path<String>| async move {
                let index = name
                    .strip_prefix("part-")
                    .and_then(|rest| rest.strip_suffix(".json.gz"))
                    .and_then(|n| n.parse::<usize>().ok())
                    .unwrap_or(0);
                s.0.get(index).cloned().unwrap_or_default()
            }),
        )
        .with_state(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(base)
}

/// The plain struct a hand-written loop decodes each line into.
#[derive(Deserialize)]
#[allow(dead_code)] // Fields are decoded for the cost of decoding them.
#[serde(rename_all = "PascalCase")]
struct PlainRow {
    id: Option<String>,
    device_id: Option<String>,
    device_name: Option<String>,
    #[serde(rename = "OSPlatform")]
    os_platform: Option<String>,
    #[serde(rename = "OSVersion")]
    os_version: Option<String>,
    #[serde(rename = "OSArchitecture")]
    os_architecture: Option<String>,
    rbac_group_name: Option<String>,
    rbac_group_id: Option<i64>,
    software_vendor: Option<String>,
    software_name: Option<String>,
    software_version: Option<String>,
    cve_id: Option<String>,
    cvss_score: Option<f64>,
    vulnerability_severity_level: Option<String>,
    exploitability_level: Option<String>,
    recommended_security_update: Option<String>,
    recommended_security_update_id: Option<String>,
    recommended_security_update_url: Option<String>,
    disk_paths: Option<Vec<String>>,
    registry_paths: Option<Vec<String>>,
    first_seen_timestamp: Option<String>,
    last_seen_timestamp: Option<String>,
    recommendation_reference: Option<String>,
    security_update_available: Option<bool>,
}

/// The SDK streams every row; returns the rows and the peak memory held.
pub async fn sdk(
    client: &DefenderClient,
    allocator: &Counting,
) -> Result<(usize, usize), defender_sdk::Error> {
    let peak = Peak::start(allocator);
    let mut rows = 0usize;
    let mut stream = std::pin::pin!(client.machines().software_vulnerabilities_export_rows(None).stream());
    while let Some(row) = stream.try_next().await? {
        debug_assert!(row.additional_properties.is_empty());
        std::hint::black_box(&row);
        rows += 1;
    }
    Ok((rows, peak.bytes()))
}

/// The hand-written loop: list, then each file downloaded, decompressed and decoded line by line.
pub async fn baseline(http: &reqwest::Client, base: &str) -> Result<usize, Box<dyn std::error::Error>> {
    #[derive(Deserialize)]
    struct Listing {
        #[serde(rename = "exportFiles")]
        export_files: Vec<String>,
    }
    let listing: Listing = serde_json::from_slice(
        &http.get(format!("{base}/api/machines/SoftwareVulnerabilitiesExport")).send().await?.bytes().await?,
    )?;
    let mut rows = 0usize;
    for link in listing.export_files {
        let body = http.get(link).send().await?.error_for_status()?.bytes().await?;
        let mut lines = std::io::BufReader::new(flate2::read::MultiGzDecoder::new(&body[..]));
        let mut line = Vec::new();
        loop {
            line.clear();
            if lines.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            let row: PlainRow = serde_json::from_slice(line.trim_ascii())?;
            std::hint::black_box(&row);
            rows += 1;
        }
    }
    Ok(rows)
}

/// The same fields as [`PlainRow`], borrowed from the line: decoding without allocating.
#[derive(Deserialize)]
#[allow(dead_code)] // Fields are decoded for the cost of decoding them.
#[serde(rename_all = "PascalCase")]
struct BorrowedRow<'a> {
    id: Option<&'a str>,
    device_id: Option<&'a str>,
    device_name: Option<&'a str>,
    #[serde(rename = "OSPlatform")]
    os_platform: Option<&'a str>,
    #[serde(rename = "OSVersion")]
    os_version: Option<&'a str>,
    #[serde(rename = "OSArchitecture")]
    os_architecture: Option<&'a str>,
    rbac_group_name: Option<&'a str>,
    rbac_group_id: Option<i64>,
    software_vendor: Option<&'a str>,
    software_name: Option<&'a str>,
    software_version: Option<&'a str>,
    cve_id: Option<&'a str>,
    cvss_score: Option<f64>,
    vulnerability_severity_level: Option<&'a str>,
    exploitability_level: Option<&'a str>,
    recommended_security_update: Option<&'a str>,
    recommended_security_update_id: Option<&'a str>,
    recommended_security_update_url: Option<&'a str>,
    // The paths hold escaped backslashes, which a borrowed `&str` cannot take.
    disk_paths: serde::de::IgnoredAny,
    registry_paths: serde::de::IgnoredAny,
    first_seen_timestamp: Option<&'a str>,
    last_seen_timestamp: Option<&'a str>,
    recommendation_reference: Option<&'a str>,
    security_update_available: Option<bool>,
}

/// Seconds of each stage of an export on its own, from memory (`--only export-floor`): what
/// any decoder of these files must spend, to read `export_1m_vs_gunzip` against. Printed as
/// comments: they are context, not figures.
pub fn floor(files: &Files) -> Result<(), Box<dyn std::error::Error>> {
    use defender_sdk::AssetVulnerability;
    let seconds = |started: Instant| started.elapsed().as_secs_f64();
    println!("# gunzip alone: {:.3} s", files.gunzip().as_secs_f64());
    let mut text = Vec::new();
    for file in &files.files {
        flate2::read::MultiGzDecoder::new(&file[..]).read_to_end(&mut text)?;
    }
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').filter(|line| !line.is_empty()).collect();
    println!("# {} MiB of JSON lines, {} rows", text.len() >> 20, lines.len());
    let started = Instant::now();
    for line in &lines {
        std::hint::black_box(serde_json::from_slice::<serde::de::IgnoredAny>(line)?);
    }
    println!("# one thread, scanning the JSON only: {:.3} s", seconds(started));
    let started = Instant::now();
    for line in &lines {
        std::hint::black_box(serde_json::from_slice::<BorrowedRow<'_>>(line)?);
    }
    println!("# one thread, into borrowed fields (no allocation): {:.3} s", seconds(started));
    let started = Instant::now();
    for line in &lines {
        std::hint::black_box(serde_json::from_slice::<PlainRow>(line)?);
    }
    println!("# one thread, into a plain serde struct of owned strings: {:.3} s", seconds(started));
    let started = Instant::now();
    for line in &lines {
        std::hint::black_box(serde_json::from_slice::<AssetVulnerability>(line)?);
    }
    println!("# one thread, into AssetVulnerability: {:.3} s", seconds(started));
    // Two decoding threads, each dropping its own rows, and then with every row dropped on a
    // third thread, as a stream's consumer does: with the system allocator, freeing memory
    // that another thread allocated is what costs.
    let (first, second) = lines.split_at(lines.len() / 2);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for half in [first, second] {
            scope.spawn(move || {
                for line in half {
                    std::hint::black_box(serde_json::from_slice::<AssetVulnerability>(line).ok());
                }
            });
        }
    });
    println!("# two threads, into AssetVulnerability, dropped where decoded: {:.3} s", seconds(started));
    let started = Instant::now();
    let (batches, received) = std::sync::mpsc::sync_channel::<Vec<AssetVulnerability>>(4);
    let consumer = std::thread::spawn(move || received.into_iter().map(|batch| batch.len()).sum::<usize>());
    std::thread::scope(|scope| {
        for half in [first, second] {
            let batches = batches.clone();
            scope.spawn(move || {
                for chunk in half.chunks(1_024) {
                    let rows = chunk.iter().filter_map(|line| serde_json::from_slice(line).ok()).collect();
                    if batches.send(rows).is_err() {
                        return;
                    }
                }
            });
        }
    });
    drop(batches);
    let rows = consumer.join().map_err(|_| "the consuming thread panicked")?;
    assert_eq!(rows, lines.len());
    println!("# two threads, into AssetVulnerability, dropped on a third: {:.3} s", seconds(started));
    Ok(())
}
