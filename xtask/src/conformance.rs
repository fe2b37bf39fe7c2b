//! `cargo xtask conformance`: the generator on public CSDL documents no one here wrote.
//!
//! Each document in the corpus directory (by default `../shared/csdl-corpus`, read in place) is
//! generated into a standalone crate under `target/conformance/`, and `cargo check`ed with
//! warnings denied for that crate only. The run fails if any document fails to parse, to
//! generate, to compile, or compiles with a warning.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::codegen;
use crate::csdl;

/// The outcome for one document.
#[derive(Debug)]
pub struct Outcome {
    /// The document's file name.
    pub name: String,
    /// Declared types and operations, for the report.
    pub summary: String,
    /// Why it failed, if it did.
    pub failure: Option<String>,
}

/// The default corpus: beside the repository, as CI lays it out.
pub fn default_corpus() -> PathBuf {
    codegen::workspace_root().join("../shared/csdl-corpus")
}

/// Where the summary of each corpus document is kept (`<stem>.summary`).
pub fn summaries_dir() -> PathBuf {
    codegen::workspace_root().join("xtask/conformance")
}

/// Compares a document's summary with the kept one, or writes it when `bless` is set.
fn check_summary(stem: &str, summary: &str, bless: bool) -> Result<(), String> {
    let path = summaries_dir().join(format!("{stem}.summary"));
    if bless {
        std::fs::create_dir_all(summaries_dir()).map_err(|e| e.to_string())?;
        return std::fs::write(&path, summary).map_err(|e| format!("{}: {e}", path.display()));
    }
    match std::fs::read_to_string(&path) {
        Ok(kept) if kept == summary => Ok(()),
        Ok(kept) => {
            let first = kept
                .lines()
                .zip(summary.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(kept.lines().count().min(summary.lines().count()));
            Err(format!(
                "the summary changed from {} at line {} (kept: {:?}, now: {:?}); review, then run `cargo xtask conformance --bless`",
                path.display(),
                first + 1,
                kept.lines().nth(first).unwrap_or(""),
                summary.lines().nth(first).unwrap_or("")
            ))
        }
        Err(_) => Err(format!("no summary at {}; run `cargo xtask conformance --bless`", path.display())),
    }
}

/// Generates and checks every `.xml` document in `corpus`, and compares its summary with the
/// kept one (writing it instead when `bless` is set).
pub fn run_with(corpus: &Path, bless: bool) -> Result<Vec<Outcome>, String> {
    run_inner(corpus, bless)
}

/// Generates and checks every `.xml` document in `corpus`.
pub fn run(corpus: &Path) -> Result<Vec<Outcome>, String> {
    run_inner(corpus, false)
}

fn run_inner(corpus: &Path, bless: bool) -> Result<Vec<Outcome>, String> {
    let mut documents: Vec<PathBuf> = std::fs::read_dir(corpus)
        .map_err(|e| format!("cannot read the corpus {}: {e}", corpus.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "xml"))
        .collect();
    documents.sort();
    if documents.is_empty() {
        return Err(format!("no .xml documents in {}", corpus.display()));
    }
    let root = codegen::workspace_root();
    let target_dir = root.join("target");
    let mut outcomes = Vec::new();
    for document in documents {
        let name = document.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let stem = document.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let (summary, names) = match csdl::load(&document) {
            Ok(model) => (summarize(&model), crate::emit::summary(&model)),
            Err(e) => {
                outcomes.push(Outcome { name, summary: String::new(), failure: Some(e.to_string()) });
                continue;
            }
        };
        let out = target_dir.join("conformance").join(&stem);
        let failure = codegen::standalone(&document, &out)
            .err()
            .or_else(|| check(&out, &target_dir).err())
            .or_else(|| check_summary(&stem, &names, bless).err());
        outcomes.push(Outcome { name, summary, failure });
    }
    Ok(outcomes)
}

/// Counts of what a document declares.
pub fn summarize(model: &csdl::Model) -> String {
    let schemas = &model.document.schemas;
    let count = |f: &dyn Fn(&csdl::model::Schema) -> usize| schemas.iter().map(f).sum::<usize>();
    let structured = count(&|s| s.structured_types.len());
    let enums = count(&|s| s.enum_types.len());
    let operations = count(&|s| s.operations.len());
    let container = model.container().map(|(_, c)| c);
    format!(
        "{} schema(s), {structured} structured type(s), {enums} enum(s), {operations} operation(s), {} entity set(s), {} singleton(s)",
        schemas.len(),
        container.map_or(0, |c| c.entity_sets.len()),
        container.map_or(0, |c| c.singletons.len()),
    )
}

fn check(crate_dir: &Path, target_dir: &Path) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["rustc", "--quiet", "--lib", "--profile", "check", "--", "-D", "warnings"])
        .current_dir(crate_dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).take(30).collect();
        Err(format!("cargo check failed:\n{}", first.join("\n")))
    }
}
