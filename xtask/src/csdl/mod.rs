//! Reading CSDL: XML text → element tree ([`xml`]) → typed model ([`model`], via [`read`]) →
//! a checked model whose names resolve ([`resolve`]).

pub mod diagnostics;
pub mod model;
pub mod read;
pub mod resolve;
pub mod semantics;
pub mod vocab;
pub mod xml;

use std::fmt;
use std::path::{Path, PathBuf};

pub use diagnostics::{Departure, Warning};
pub use resolve::Model;
pub use xml::Pos;

/// Why a CSDL document could not be read, and where: the first error in document order, and
/// every other one the checks found, so that one run reports them all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsdlError {
    /// The file, once known.
    pub file: Option<PathBuf>,
    /// Where in the file.
    pub pos: Pos,
    /// What was wrong, saying what was expected where that helps.
    pub message: String,
    /// The document's other errors, in document order.
    pub also: Vec<CsdlError>,
}

impl CsdlError {
    /// An error at `pos`.
    pub fn at(pos: Pos, message: impl Into<String>) -> Self {
        Self { file: None, pos, message: message.into(), also: Vec::new() }
    }

    /// One error for `errors`, the first (by position) leading; `None` for none.
    pub fn all(mut errors: Vec<CsdlError>) -> Option<Self> {
        errors.sort_by_key(|e| (e.pos.line, e.pos.column));
        let mut errors = errors.into_iter();
        let mut first = errors.next()?;
        first.also.extend(errors);
        Some(first)
    }

    /// How many errors this reports.
    pub fn count(&self) -> usize {
        1 + self.also.len()
    }

    /// "expected X, found Y" at an element.
    pub fn expected(element: &xml::Element, expected: &str, found: &str) -> Self {
        Self::at(element.pos, format!("expected {expected}, found {found}"))
    }

    /// The same error, naming its file.
    pub fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self.also = self.also.into_iter().map(|e| e.in_file(file)).collect();
        self
    }
}

impl fmt::Display for CsdlError {
    /// The first error on the first line; the others after it, one a line, and their count.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}:", file.display())?;
        }
        write!(f, "{}: {}", self.pos, self.message)?;
        for other in &self.also {
            write!(f, "\n{other}")?;
        }
        if !self.also.is_empty() {
            write!(f, "\n{} errors", self.count())?;
        }
        Ok(())
    }
}

impl std::error::Error for CsdlError {}

/// Parses and checks a CSDL document held in memory. Departures from the specification that
/// the generator accepts are in the model's `warnings`.
pub fn parse(source: &str) -> Result<Model, CsdlError> {
    let (root, warnings) = xml::parse(source)?;
    let document = read::document(&root)?;
    Model::new(document, warnings)
}

/// Reads, parses and checks the CSDL file at `path`.
pub fn load(path: &Path) -> Result<Model, CsdlError> {
    let source = std::fs::read_to_string(path).map_err(|e| {
        CsdlError::at(Pos { line: 0, column: 0 }, format!("cannot read the file: {e}")).in_file(path)
    })?;
    let mut model = parse(&source).map_err(|e| e.in_file(path))?;
    model.warnings = std::mem::take(&mut model.warnings).into_iter().map(|w| w.in_file(path)).collect();
    Ok(model)
}
