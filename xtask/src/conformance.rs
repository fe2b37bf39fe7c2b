//! `cargo xtask conformance`: the generator on public CSDL documents no one here wrote.
//!
//! Each document in the corpus directory (by default `../shared/csdl-corpus`, read in place) is
//! generated into a standalone crate under `target/conformance/`, and `cargo check`ed with
//! warnings denied for that crate only. The run fails if any document fails to parse, to
//! generate, to compile, or compiles with a warning. A document with known subsets
//! ([`SUBSETS`], such as Graph's Defender part) is also checked cut down to each of them.

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

/// Subsets checked beside a whole document, by the start of the document's file name: the
/// subset's name (the suffix of its snapshot) and its paths.
pub const SUBSETS: &[(&str, &str, &[&str])] =
    &[("microsoft-graph-", "defender", crate::metadata::subset::GRAPH_DEFENDER_PATHS)];

/// The default corpus: beside the repository, as CI lays it out.
pub fn default_corpus() -> PathBuf {
    codegen::workspace_root().join("../shared/csdl-corpus")
}

/// Where the insta snapshot of each corpus document's summary is kept (`<stem>.snap`).
pub fn summaries_dir() -> PathBuf {
    codegen::workspace_root().join("xtask/conformance")
}

/// Compares a document's summary with its insta snapshot.
///
/// insta's usual workflow applies: a changed summary is written beside the snapshot as
/// `<stem>.snap.new` (outside CI) for `cargo insta review`, and `INSTA_UPDATE=always` accepts
/// every change. insta reports a mismatch by panicking after printing the diff; the panic is
/// caught so that the other documents are still checked.
fn check_summary(name: &str, stem: &str, summary: &str) -> Result<(), String> {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(summaries_dir());
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_description(format!("Names chosen for {name} of the CSDL corpus"));
    let quiet = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = settings.bind(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| insta::assert_snapshot!(stem, summary)))
    });
    std::panic::set_hook(quiet);
    outcome.map_err(|_| {
        format!(
            "the summary differs from {}; review the diff above, then accept it with `cargo insta review` or `INSTA_UPDATE=always cargo xtask conformance`",
            summaries_dir().join(format!("{stem}.snap")).display()
        )
    })
}

/// Generates and checks every `.xml` document in `corpus`, and compares its summary with its
/// snapshot.
pub fn run(corpus: &Path) -> Result<Vec<Outcome>, String> {
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
        let failure = codegen::standalone(&document, &out, &[])
            .err()
            .or_else(|| check(&out, &target_dir).err())
            .or_else(|| check_summary(&name, &stem, &names).err());
        outcomes.push(Outcome { name: name.clone(), summary, failure });
        for (prefix, subset, paths) in SUBSETS {
            if name.starts_with(prefix) {
                outcomes.push(check_subset(&document, &name, &stem, subset, paths, &target_dir));
            }
        }
    }
    Ok(outcomes)
}

/// Generates and checks `document` cut down to `paths`, and compares its summary.
fn check_subset(
    document: &Path,
    name: &str,
    stem: &str,
    subset: &str,
    paths: &[&str],
    target_dir: &Path,
) -> Outcome {
    let label = format!("{name} ({subset} subset)");
    let paths: Vec<String> = paths.iter().map(|p| (*p).to_owned()).collect();
    let cut = std::fs::read_to_string(document)
        .map_err(|e| e.to_string())
        .and_then(|source| crate::metadata::subset::subset(&source, &paths, &[]))
        .and_then(|text| csdl::parse(&text).map_err(|e| e.to_string()));
    let model = match cut {
        Ok(model) => model,
        Err(e) => return Outcome { name: label, summary: String::new(), failure: Some(e) },
    };
    let snapshot = format!("{stem}-{subset}");
    let out = target_dir.join("conformance").join(&snapshot);
    let failure = codegen::standalone(document, &out, &paths)
        .err()
        .or_else(|| check(&out, target_dir).err())
        .or_else(|| check_summary(&label, &snapshot, &crate::emit::summary(&model)).err());
    Outcome { name: label, summary: summarize(&model), failure }
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
