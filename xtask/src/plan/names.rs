//! Rust names for CSDL names: casing, keywords, and collisions resolved the same way every run.

use std::collections::BTreeSet;

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Words Rust reserves; a name equal to one is written as a raw identifier or suffixed.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false",
    "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv", "typeof", "unsized",
    "virtual", "yield", "try", "union",
];

/// Keywords that cannot be raw identifiers.
const NOT_RAW: &[&str] = &["crate", "self", "Self", "super", "_"];

/// `rbacGroupId` → `rbac_group_id`, escaped when it is a keyword or not an identifier.
pub fn snake(name: &str) -> String {
    let snake = identifier_chars(&name.to_snake_case());
    escape(&snake)
}

/// `exposureScore` → `ExposureScore`, escaped likewise.
pub fn camel(name: &str) -> String {
    let camel = identifier_chars(&name.to_upper_camel_case());
    escape(&camel)
}

/// `ExposureScore` → `EXPOSURE_SCORE`, for constants.
pub fn shouty(name: &str) -> String {
    identifier_chars(&heck::ToShoutySnakeCase::to_shouty_snake_case(name))
}

/// Keeps letters, digits and underscores (Unicode letters are valid in Rust identifiers);
/// everything else becomes `_`, and a leading digit gets a `_` in front.
fn identifier_chars(name: &str) -> String {
    let mut out: String =
        name.chars().map(|c| if c.is_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

fn escape(name: &str) -> String {
    if NOT_RAW.contains(&name) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name) {
        format!("r#{name}")
    } else {
        name.to_owned()
    }
}

/// A set of names already taken in one Rust scope (a module, a struct, an impl).
#[derive(Debug, Default, Clone)]
pub struct Scope {
    taken: BTreeSet<String>,
}

impl Scope {
    /// A scope where `reserved` are already taken.
    pub fn with_reserved(reserved: &[&str]) -> Self {
        Self { taken: reserved.iter().map(|s| (*s).to_owned()).collect() }
    }

    /// Claims `wanted`, or `wanted_2`, `wanted_3`, … if it is taken. Deterministic as long as
    /// names are claimed in the same order, which the emitters guarantee by walking the
    /// document in order.
    pub fn claim(&mut self, wanted: &str) -> String {
        if self.taken.insert(wanted.to_owned()) {
            return wanted.to_owned();
        }
        let base = wanted.trim_start_matches("r#");
        // `score_2` for snake case, `Branch2` for camel case, so the result keeps Rust's casing.
        let separator = if base.starts_with(|c: char| c.is_uppercase()) { "" } else { "_" };
        (2..)
            .map(|n| format!("{base}{separator}{n}"))
            .find(|candidate| self.taken.insert(candidate.clone()))
            .unwrap_or_else(|| wanted.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cased_and_escaped() {
        assert_eq!(snake("rbacGroupId"), "rbac_group_id");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("3dPrinter"), "_3d_printer");
        assert_eq!(camel("exposureScore"), "ExposureScore");
        assert_eq!(camel("Self"), "Self_");
        assert_eq!(camel("Café"), "Café");
        assert_eq!(snake("@odata.type"), "odata_type");
    }

    #[test]
    fn collisions_get_numbered_suffixes_in_claim_order() {
        let mut scope = Scope::with_reserved(&["annotations"]);
        assert_eq!(scope.claim("annotations"), "annotations_2");
        assert_eq!(scope.claim("score"), "score");
        assert_eq!(scope.claim("score"), "score_2");
        assert_eq!(scope.claim("r#type"), "r#type");
        assert_eq!(scope.claim("r#type"), "type_2");
        assert_eq!(scope.claim("Branch"), "Branch");
        assert_eq!(scope.claim("Branch"), "Branch2");
    }
}
