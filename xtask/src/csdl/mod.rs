//! Reading CSDL: XML text → element tree ([`xml`]) → typed model ([`model`], via [`read`]) →
//! a checked model whose names resolve ([`resolve`]).

pub mod model;
pub mod read;
pub mod resolve;
pub mod xml;

use std::fmt;
use std::path::{Path, PathBuf};

pub use resolve::Model;
pub use xml::Pos;

/// Why a CSDL document could not be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsdlError {
    /// The file, once known.
    pub file: Option<PathBuf>,
    /// Where in the file.
    pub pos: Pos,
    /// What was wrong, saying what was expected where that helps.
    pub message: String,
}

impl CsdlError {
    /// An error at `pos`.
    pub fn at(pos: Pos, message: impl Into<String>) -> Self {
        Self { file: None, pos, message: message.into() }
    }

    /// "expected X, found Y" at an element.
    pub fn expected(element: &xml::Element, expected: &str, found: &str) -> Self {
        Self::at(element.pos, format!("expected {expected}, found {found}"))
    }

    /// The same error, naming its file.
    pub fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }
}

impl fmt::Display for CsdlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}:", file.display())?;
        }
        write!(f, "{}: {}", self.pos, self.message)
    }
}

impl std::error::Error for CsdlError {}

/// Parses and checks a CSDL document held in memory.
pub fn parse(source: &str) -> Result<Model, CsdlError> {
    let root = xml::parse(source)?;
    let document = read::document(&root)?;
    Model::new(document)
}

/// Reads, parses and checks the CSDL file at `path`.
pub fn load(path: &Path) -> Result<Model, CsdlError> {
    let source = std::fs::read_to_string(path).map_err(|e| {
        CsdlError::at(Pos { line: 0, column: 0 }, format!("cannot read the file: {e}")).in_file(path)
    })?;
    parse(&source).map_err(|e| e.in_file(path))
}
