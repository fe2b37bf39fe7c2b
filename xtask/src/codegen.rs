//! `cargo xtask codegen`: which specs generate which directories, writing them, and checking
//! that the checked-in output is current.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::csdl;
use crate::emit::{self, GeneratedFile, Options};

/// A spec and the directory its code is generated into.
#[derive(Debug, Clone)]
pub struct Target {
    /// The CSDL document, relative to the workspace root.
    pub spec: &'static str,
    /// The output directory, relative to the workspace root.
    pub out: &'static str,
    /// The type endpoint methods are implemented on.
    pub client_type: &'static str,
}

/// Every spec the workspace generates code from.
pub const TARGETS: &[Target] = &[
    Target {
        spec: "specs/defender-endpoint.xml",
        out: "crates/defender-sdk/src/generated",
        client_type: "crate::DefenderClient",
    },
    Target {
        spec: "tests/fixtures/csdl/edm-types.xml",
        out: "tests/support/generated",
        client_type: "crate::FixtureClient",
    },
];

/// The workspace root: the parent of this crate's directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Generates the files of one target in memory.
pub fn generate_target(root: &Path, target: &Target) -> Result<Vec<GeneratedFile>, String> {
    let model = csdl::load(&root.join(target.spec)).map_err(|e| e.to_string())?;
    emit::generate(
        &model,
        &Options {
            source_label: target.spec.to_owned(),
            client_type: target.client_type.to_owned(),
            root_path: "/api".to_owned(),
        },
    )
}

/// Writes `files` into `dir`, removing generated `.rs` files that are no longer produced.
pub fn write(dir: &Path, files: &[GeneratedFile]) -> Result<usize, String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let wanted: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for stale in existing_rs_files(dir)?.iter().filter(|f| !wanted.contains(f.as_str())) {
        fs::remove_file(dir.join(stale)).map_err(|e| format!("cannot remove {stale}: {e}"))?;
    }
    let mut changed = 0;
    for file in files {
        let path = dir.join(&file.path);
        if fs::read_to_string(&path).ok().as_deref() != Some(file.contents.as_str()) {
            fs::write(&path, &file.contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// The files in `dir` that differ from `files`: changed, missing or no longer generated.
pub fn stale(dir: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>, String> {
    let wanted: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut stale: Vec<PathBuf> = files
        .iter()
        .filter(|f| fs::read_to_string(dir.join(&f.path)).ok().as_deref() != Some(f.contents.as_str()))
        .map(|f| dir.join(&f.path))
        .collect();
    if dir.exists() {
        stale.extend(
            existing_rs_files(dir)?.iter().filter(|f| !wanted.contains(f.as_str())).map(|f| dir.join(f)),
        );
    }
    Ok(stale)
}

fn existing_rs_files(dir: &Path) -> Result<Vec<String>, String> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(_) => return Ok(Vec::new()),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".rs") {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Generates a standalone crate from any CSDL file: `Cargo.toml`, `src/lib.rs` with a `Client`,
/// and `src/generated/`.
pub fn standalone(spec: &Path, out: &Path) -> Result<(), String> {
    let model = csdl::load(spec).map_err(|e| e.to_string())?;
    let files = emit::generate(
        &model,
        &Options {
            source_label: spec.display().to_string(),
            client_type: "crate::Client".into(),
            root_path: String::new(),
        },
    )?;
    let name = spec
        .file_stem()
        .map(|s| s.to_string_lossy().to_lowercase())
        .unwrap_or_else(|| "generated".into())
        .replace(|c: char| !c.is_ascii_alphanumeric(), "-");
    let runtime = workspace_root().join("crates/defender-runtime");
    let manifest = format!(
        "[package]\nname = \"odata-{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\ndefender-runtime = {{ path = {runtime:?} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n\n\
         [workspace]\n"
    );
    let lib = format!(
        "//! A client generated from `{}`.\n\n#![warn(missing_docs)]\n\npub mod generated;\n\npub use generated::*;\n\n\
         /// The service client: endpoint methods are generated on it.\n#[derive(Debug, Clone)]\npub struct Client {{\n    runtime: defender_runtime::ODataClient,\n}}\n\n\
         impl Client {{\n    /// Wraps a configured runtime client.\n    pub fn new(runtime: defender_runtime::ODataClient) -> Self {{\n        Self {{ runtime }}\n    }}\n\n\
         \x20   /// The runtime client the endpoints call through.\n    pub fn runtime(&self) -> &defender_runtime::ODataClient {{\n        &self.runtime\n    }}\n}}\n",
        spec.display()
    );
    fs::create_dir_all(out.join("src")).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    fs::write(out.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    fs::write(out.join("src/lib.rs"), lib).map_err(|e| e.to_string())?;
    write(&out.join("src/generated"), &files)?;
    Ok(())
}
