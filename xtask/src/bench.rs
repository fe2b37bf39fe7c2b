//! The generator's figures for `cargo xtask bench`: how long generation takes on the specs, on
//! the largest public corpus document and on a synthetic 3 MB document, and how long a clean
//! `cargo check` of the SDK takes with all and with the fewest features, and how a clean build of
//! a small program with the SDK compares with the same program written by hand.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::codegen;
use crate::csdl;
use crate::emit::{self, Options};

/// The median time of `runs` generations of `source`, and its number of declared types.
pub fn codegen_time(source: &str, runs: usize) -> Result<(Duration, usize), String> {
    let options = Options {
        source_label: "bench".into(),
        client_type: "crate::Client".into(),
        root_path: "/api".into(),
        features: true,
        tools_feature: true,
    };
    let mut times = Vec::with_capacity(runs);
    let mut types = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let model = csdl::parse(source).map_err(|e| e.to_string())?;
        let generated = emit::generate(&model, &options)?;
        times.push(started.elapsed());
        types = model.types().count();
        std::hint::black_box(generated);
    }
    times.sort();
    Ok((times[times.len() / 2], types))
}

/// A document of at least `bytes` bytes: the Defender spec's schema repeated under new
/// namespaces, without its descriptions so that the bytes are mostly declarations (one
/// container, in the first copy).
pub fn synthetic(spec: &str, bytes: usize) -> Result<String, String> {
    const NAMESPACE: &str = "microsoft.windowsDefenderATP.api";
    let start =
        spec.find("<Schema Namespace=\"microsoft.windowsDefenderATP.api\"").ok_or("no Defender schema")?;
    let end =
        spec[start..].find("</Schema>").map(|e| start + e + "</Schema>".len()).ok_or("unclosed schema")?;
    let schema = &spec[start..end];
    let container_start = schema.find("<EntityContainer").ok_or("no container")?;
    let container_end = schema
        .find("</EntityContainer>")
        .map(|e| e + "</EntityContainer>".len())
        .ok_or("unclosed container")?;
    let without_container: String = format!("{}{}", &schema[..container_start], &schema[container_end..])
        .lines()
        .filter(|line| !line.trim_start().starts_with("<Annotation Term=\"Core."))
        .map(|line| format!("{line}\n"))
        .collect();
    let mut copies = String::new();
    let mut n = 1;
    while spec.len() + copies.len() < bytes {
        copies.push_str(&without_container.replace(NAMESPACE, &format!("synthetic{n}.api")));
        copies.push('\n');
        n += 1;
    }
    Ok(format!("{}{}\n{copies}{}", &spec[..end], "", &spec[end..]))
}

/// Seconds for `cargo check -p defender-sdk` after `cargo clean -p defender-sdk`, with `args`.
pub fn sdk_check_seconds(args: &[&str]) -> Result<f64, String> {
    let root = codegen::workspace_root();
    let target = root.join("target/bench-check");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let run = |extra: &[&str]| {
        Command::new(&cargo)
            .args(extra)
            .current_dir(&root)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))
            .and_then(|s| if s.success() { Ok(()) } else { Err(format!("cargo {extra:?} failed: {s}")) })
    };
    // Dependencies are built once, outside the measured run.
    run(&[&["check", "--quiet", "-p", "defender-sdk"][..], args].concat())?;
    run(&["clean", "--quiet", "-p", "defender-sdk"])?;
    let started = Instant::now();
    run(&[&["check", "--quiet", "-p", "defender-sdk"][..], args].concat())?;
    Ok(started.elapsed().as_secs_f64())
}

/// The small program a user writes first: the three score endpoints, printed.
const SCORES_WITH_SDK: &str = r#"use defender_sdk::{DefenderClient, EnvironmentCredential};

#[tokio::main]
async fn main() -> defender_sdk::Result<()> {
    let client = DefenderClient::builder().credential(EnvironmentCredential::from_env()?).build()?;
    let exposure = client.exposure_score().await?;
    let secure = client.configuration_score().await?;
    let groups = client.exposure_score().by_machine_groups().collect_all().await?;
    println!("{:?} {:?} {}", exposure.score, secure.score, groups.len());
    Ok(())
}
"#;

/// The same program with reqwest, serde and tokio alone: a client-credentials token, then the
/// three endpoints into plain structs.
const SCORES_BY_HAND: &str = r#"use serde::Deserialize;

#[derive(Deserialize)]
struct Token { access_token: String }
#[derive(Deserialize)]
struct Score { score: Option<f64>, time: Option<String>, #[serde(rename = "rbacGroupName")] group: Option<String> }
#[derive(Deserialize)]
struct Page { value: Vec<Score>, #[serde(rename = "@odata.nextLink")] next: Option<String> }

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = |name: &str| std::env::var(name).unwrap_or_default();
    let http = reqwest::Client::new();
    let token: Token = http
        .post(format!("https://login.microsoftonline.com/{}/oauth2/v2.0/token", env("AZURE_TENANT_ID")))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &env("AZURE_CLIENT_ID")),
            ("client_secret", &env("AZURE_CLIENT_SECRET")),
            ("scope", "https://api.securitycenter.microsoft.com/.default"),
        ])
        .send().await?.error_for_status()?.json().await?;
    let get = |path: String| http.get(path).bearer_auth(&token.access_token).send();
    let root = "https://api.security.microsoft.com/api";
    let exposure: Score = get(format!("{root}/exposureScore")).await?.error_for_status()?.json().await?;
    let secure: Score = get(format!("{root}/configurationScore")).await?.error_for_status()?.json().await?;
    let mut groups = Vec::new();
    let mut next = Some(format!("{root}/exposureScore/ByMachineGroups"));
    while let Some(url) = next {
        let page: Page = get(url).await?.error_for_status()?.json().await?;
        groups.extend(page.value);
        next = page.next;
    }
    println!("{:?} {:?} {:?} {}", exposure.score, exposure.time, secure.score, groups.iter().filter_map(|g| g.group.as_ref()).count());
    Ok(())
}
"#;

/// Seconds for a clean `cargo build` (dev profile) of a one-file program with `dependencies`,
/// in a crate and target directory of its own under `target/bench-small/NAME`. The workspace's
/// lockfile is copied in so that both programs build the same versions of what they share.
fn clean_build_seconds(name: &str, dependencies: &str, main: &str) -> Result<f64, String> {
    let root = codegen::workspace_root();
    let dir = root.join("target/bench-small").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).map_err(|e| e.to_string())?;
    let manifest = format!(
        "[package]\nname = \"bench-small-{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\n{dependencies}\n[workspace]\n"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("src/main.rs"), main).map_err(|e| e.to_string())?;
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).map_err(|e| e.to_string())?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    // Resolved and fetched first, so that only compiling is timed.
    let fetched = Command::new(&cargo).args(["fetch", "--quiet"]).current_dir(&dir).status();
    if !fetched.is_ok_and(|s| s.success()) {
        return Err(format!("cargo fetch failed in {}", dir.display()));
    }
    let started = Instant::now();
    let built = Command::new(&cargo)
        .args(["build", "--quiet"])
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", dir.join("target"))
        // As a dependency from crates.io builds: without incremental compilation, which cargo
        // would otherwise use for a path dependency.
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !built.success() {
        return Err(format!("cargo build failed in {}: {built}", dir.display()));
    }
    Ok(started.elapsed().as_secs_f64())
}

/// `small_program_build_ratio`: a clean build of the score program with the SDK's default
/// features against the same program by hand, in two rounds with the order swapped; the mean
/// of the rounds' ratios, with each side's seconds.
pub fn small_program_build(rounds: usize) -> Result<(f64, Vec<(f64, f64)>), String> {
    let root = codegen::workspace_root();
    let sdk_dependency = format!(
        "defender-sdk = {{ path = {:?} }}\ntokio = {{ version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }}\n",
        root.join("crates/defender-sdk")
    );
    let by_hand = "reqwest = { version = \"0.13\", default-features = false, features = [\"rustls\", \"json\", \"form\"] }\n\
                   serde = { version = \"1\", features = [\"derive\"] }\n\
                   tokio = { version = \"1\", features = [\"macros\", \"rt-multi-thread\"] }\n";
    let mut pairs = Vec::new();
    for round in 0..rounds.max(1) {
        let (sdk, baseline) = if round % 2 == 0 {
            let sdk = clean_build_seconds("sdk", &sdk_dependency, SCORES_WITH_SDK)?;
            (sdk, clean_build_seconds("baseline", by_hand, SCORES_BY_HAND)?)
        } else {
            let baseline = clean_build_seconds("baseline", by_hand, SCORES_BY_HAND)?;
            (clean_build_seconds("sdk", &sdk_dependency, SCORES_WITH_SDK)?, baseline)
        };
        pairs.push((sdk, baseline));
    }
    let ratio = pairs.iter().map(|(sdk, baseline)| sdk / baseline).sum::<f64>() / pairs.len() as f64;
    Ok((ratio, pairs))
}

/// The figures of Microsoft Graph's metadata: generating the whole document and its Defender
/// subset, the generated bytes per input byte, and (unless `quick`) a `cargo check` of each
/// generated crate with its dependencies built.
fn graph_figures(graph: &str, path: &Path, runs: usize, quick: bool) -> Result<(), String> {
    let (time, types) = codegen_time(graph, runs.min(5))?;
    println!("codegen_ms_graph_v1: {:.1} ({types} types, {} KB)", ms(time), graph.len() / 1024);
    let paths: Vec<String> =
        crate::metadata::subset::GRAPH_DEFENDER_PATHS.iter().map(|p| (*p).to_owned()).collect();
    let mut cut_times = Vec::new();
    let mut subset = String::new();
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        subset = crate::metadata::subset::subset(graph, &paths, &[])?;
        cut_times.push(started.elapsed());
    }
    cut_times.sort();
    println!(
        "subset_ms_graph_defender: {:.1} (cutting the five paths out of the whole document)",
        ms(cut_times[cut_times.len() / 2])
    );
    let (time, types) = codegen_time(&subset, runs)?;
    println!("codegen_ms_graph_defender: {:.1} ({types} types, {} KB)", ms(time), subset.len() / 1024);
    let root = codegen::workspace_root();
    let whole = root.join("target/bench-graph/whole");
    let defender = root.join("target/bench-graph/defender");
    codegen::standalone(path, &whole, &[])?;
    codegen::standalone(path, &defender, &paths)?;
    let bytes = |dir: &Path| -> u64 {
        std::fs::read_dir(dir.join("src/generated"))
            .map(|entries| entries.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
            .unwrap_or(0)
    };
    println!(
        "generated_bytes_per_input_byte_graph_v1: {:.1} ({} MB of Rust from {} MB)",
        bytes(&whole) as f64 / graph.len() as f64,
        bytes(&whole) / 1_000_000,
        graph.len() / 1_000_000
    );
    println!(
        "generated_bytes_per_input_byte_graph_defender: {:.1} ({} KB of Rust from a {} KB subset)",
        bytes(&defender) as f64 / subset.len() as f64,
        bytes(&defender) / 1024,
        subset.len() / 1024
    );
    if !quick {
        println!("graph_check_s: {:.1}", crate_check_seconds(&whole)?);
        println!("graph_defender_check_s: {:.1}", crate_check_seconds(&defender)?);
    }
    Ok(())
}

/// Seconds for `cargo check` of a generated standalone crate, its dependencies built first.
fn crate_check_seconds(dir: &Path) -> Result<f64, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let target = codegen::workspace_root().join("target/bench-graph/target");
    let run = |args: &[&str]| {
        Command::new(&cargo)
            .args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))
            .and_then(|s| {
                if s.success() {
                    Ok(())
                } else {
                    Err(format!("cargo {args:?} failed in {}: {s}", dir.display()))
                }
            })
    };
    run(&["check", "--quiet"])?;
    let name = std::fs::read_to_string(dir.join("Cargo.toml"))
        .ok()
        .and_then(|m| {
            m.lines().find_map(|l| l.strip_prefix("name = \"").map(|n| n.trim_end_matches('"').to_owned()))
        })
        .ok_or("no package name")?;
    run(&["clean", "--quiet", "-p", &name])?;
    let started = Instant::now();
    run(&["check", "--quiet"])?;
    Ok(started.elapsed().as_secs_f64())
}

/// Runs every figure and prints `name: value` lines.
pub fn run(quick: bool) -> Result<(), String> {
    let root = codegen::workspace_root();
    let runs = if quick { 3 } else { 11 };
    let spec =
        std::fs::read_to_string(root.join("specs/defender-endpoint.xml")).map_err(|e| e.to_string())?;
    let (time, types) = codegen_time(&spec, runs)?;
    println!("codegen_ms_defender_endpoint: {:.1} ({types} types, {} KB)", ms(time), spec.len() / 1024);
    let corpus = crate::conformance::default_corpus();
    if let Some((name, text)) = largest(&corpus) {
        let (time, types) = codegen_time(&text, runs)?;
        println!("codegen_ms_{name}: {:.1} ({types} types, {} KB)", ms(time), text.len() / 1024);
    }
    let big = synthetic(&spec, 3 * 1024 * 1024)?;
    let (time, types) = codegen_time(&big, runs.min(5))?;
    println!("codegen_ms_synthetic_3mb: {:.1} ({types} types, {} KB)", ms(time), big.len() / 1024);
    let graph_path = root.join("../shared/metadata/microsoft-graph-v1.0-2025-08.xml");
    let graph = std::fs::read_to_string(&graph_path).ok();
    if let Some(graph) = &graph {
        graph_figures(graph, &graph_path, runs, quick)?;
    } else {
        println!("codegen_ms_graph_v1: skipped ({} is not beside the repository)", graph_path.display());
    }
    if !quick {
        println!("sdk_check_s_all_features: {:.1}", sdk_check_seconds(&[])?);
        let scores = ["--no-default-features", "--features", "exposure-score,configuration-score"];
        println!("sdk_check_s_scores_only: {:.1}", sdk_check_seconds(&scores)?);
        let (ratio, pairs) = small_program_build(2)?;
        let seconds: Vec<String> =
            pairs.iter().map(|(sdk, hand)| format!("{sdk:.1} s / {hand:.1} s")).collect();
        println!("small_program_build_ratio: {ratio:.3} ({})", seconds.join(", "));
    }
    Ok(())
}

fn ms(time: Duration) -> f64 {
    time.as_secs_f64() * 1000.0
}

fn largest(corpus: &Path) -> Option<(String, String)> {
    let entries = std::fs::read_dir(corpus).ok()?;
    let mut documents: Vec<(u64, std::path::PathBuf)> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "xml"))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.len(), p)))
        .collect();
    documents.sort();
    let (_, path) = documents.pop()?;
    let name = path.file_stem()?.to_string_lossy().replace('-', "_");
    Some((name, std::fs::read_to_string(path).ok()?))
}
