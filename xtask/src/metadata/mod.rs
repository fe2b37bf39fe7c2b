//! `cargo xtask metadata`: keeping `specs/` in step with the service's `$metadata`: fetching it
//! ([`fetch`]), writing it canonically ([`normalize`]), saying what changed and what that means
//! for the crate's version ([`diff`]), and cutting out the part a few paths reach ([`subset`]).

pub mod diff;
pub mod fetch;
pub mod normalize;
pub mod subset;

use std::path::Path;
use std::process::Command;

/// The text of a document given as a path, or as `git:REV:PATH` for a committed version.
pub fn read_document(spec: &str) -> Result<String, String> {
    if let Some(rest) = spec.strip_prefix("git:") {
        let (rev, path) =
            rest.split_once(':').ok_or_else(|| format!("expected git:REV:PATH, found {spec}"))?;
        let output = Command::new("git")
            .args(["show", &format!("{rev}:{path}")])
            .current_dir(crate::codegen::workspace_root())
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !output.status.success() {
            return Err(format!("git show {rev}:{path}: {}", String::from_utf8_lossy(&output.stderr).trim()));
        }
        return String::from_utf8(output.stdout).map_err(|e| format!("{spec} is not UTF-8: {e}"));
    }
    std::fs::read_to_string(Path::new(spec)).map_err(|e| format!("{spec}: {e}"))
}
