//! The generator's figures for `cargo xtask bench`: how long generation takes on the specs, on
//! the largest public corpus document and on a synthetic 3 MB document, and how long a clean
//! `cargo check` of the SDK takes with all and with the fewest features.

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
    if !quick {
        println!("sdk_check_s_all_features: {:.1}", sdk_check_seconds(&[])?);
        let scores = ["--no-default-features", "--features", "exposure-score,configuration-score"];
        println!("sdk_check_s_scores_only: {:.1}", sdk_check_seconds(&scores)?);
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
