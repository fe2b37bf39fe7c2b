//! What the reader accepts from real metadata although the CSDL specification does not allow
//! it: each departure is a warning at its `file:line:column`, counted in a closing summary, and
//! never silent.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::xml::Pos;

/// A way real metadata departs from the CSDL specification that the generator takes in its
/// stride. Published Microsoft metadata (Graph's v1.0 among it) does each of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Departure {
    /// The file starts with a UTF-8 byte order mark.
    ByteOrderMark,
    /// The file has no `<?xml …?>` declaration.
    NoXmlDeclaration,
    /// An operation has the name of a type (or term) of the same schema: types and operations
    /// share one namespace in CSDL.
    OperationNamedLikeType,
    /// A property, navigation property, parameter or return type is `Edm.EntityType` or
    /// `Edm.ComplexType`, which the specification reserves for vocabularies' terms.
    /// (`Edm.PrimitiveType` and `Edm.Untyped` are valid CSDL 4.01 property types.)
    AbstractType,
    /// An enumeration type declares no member.
    EnumWithoutMembers,
    /// A property name is not a CSDL simple identifier, or differs from another of the same
    /// type only in case.
    PropertyName,
    /// An `Annotations` block targets something the document does not declare.
    MissingAnnotationTarget,
    /// One element carries the same term (with the same qualifier) more than once.
    RepeatedAnnotation,
}

impl Departure {
    /// What the departure is, in a few words, for the summary.
    pub fn describe(self) -> &'static str {
        match self {
            Departure::ByteOrderMark => "byte order mark",
            Departure::NoXmlDeclaration => "no XML declaration",
            Departure::OperationNamedLikeType => "operation named like a type",
            Departure::AbstractType => "abstract structured Edm type where a concrete one belongs",
            Departure::EnumWithoutMembers => "enumeration without members",
            Departure::PropertyName => "property name that is not an identifier or clashes in case",
            Departure::MissingAnnotationTarget => "annotation target that does not exist",
            Departure::RepeatedAnnotation => "repeated annotation",
        }
    }
}

/// One departure, where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file, once known.
    pub file: Option<PathBuf>,
    /// Where in the file.
    pub pos: Pos,
    /// Which rule the document bends.
    pub departure: Departure,
    /// What was found, and what the generator does with it.
    pub message: String,
}

impl Warning {
    /// A warning at `pos`.
    pub fn at(pos: Pos, departure: Departure, message: impl Into<String>) -> Self {
        Self { file: None, pos, departure, message: message.into() }
    }

    /// The same warning, naming its file.
    pub fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}:", file.display())?;
        }
        write!(f, "{}: warning: {}", self.pos, self.message)
    }
}

/// The closing line: how many departures of each kind were accepted, or `None` for none.
pub fn summary(warnings: &[Warning]) -> Option<String> {
    if warnings.is_empty() {
        return None;
    }
    let mut counts: BTreeMap<Departure, usize> = BTreeMap::new();
    for warning in warnings {
        *counts.entry(warning.departure).or_default() += 1;
    }
    let kinds: Vec<String> =
        counts.iter().map(|(departure, count)| format!("{count} × {}", departure.describe())).collect();
    let total = warnings.len();
    let noun = if total == 1 { "departure" } else { "departures" };
    Some(format!("accepted {total} {noun} from CSDL: {}", kinds.join(", ")))
}

/// Whether `name` is a CSDL `SimpleIdentifier`: a letter or underscore, then letters, digits
/// and underscores, at most 128 characters.
pub fn is_simple_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    first_ok && name.chars().count() <= 128 && chars.all(|c| c.is_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_each_kind() {
        let at = |line, departure| Warning::at(Pos { line, column: 1 }, departure, "x");
        let warnings = [
            at(1, Departure::OperationNamedLikeType),
            at(2, Departure::OperationNamedLikeType),
            at(3, Departure::ByteOrderMark),
        ];
        assert_eq!(
            summary(&warnings).as_deref(),
            Some("accepted 3 departures from CSDL: 1 × byte order mark, 2 × operation named like a type")
        );
        assert_eq!(summary(&[]), None);
    }

    #[test]
    fn simple_identifiers() {
        for good in ["a", "_x", "camelCase", "x1", "été"] {
            assert!(is_simple_identifier(good), "{good}");
        }
        for bad in ["", "1x", "a-b", "a b", "a.b", &"x".repeat(129)] {
            assert!(!is_simple_identifier(bad), "{bad}");
        }
    }
}
