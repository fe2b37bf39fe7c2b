//! A small element tree with source positions, read with quick-xml.
//!
//! CSDL is a few hundred kilobytes at most, so reading it into a tree first keeps the model
//! builder simple, and every element keeps the line and column an error message needs.

use std::fmt;

use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::CsdlError;
use super::diagnostics::{Departure, Warning};

/// A line and column in the source, both counted from 1 (columns in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// The line, from 1.
    pub line: u32,
    /// The column, from 1.
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// An XML element: its local name, attributes, children and where it starts.
#[derive(Debug, Clone)]
pub struct Element {
    /// The name without its namespace prefix (`Edmx` for `edmx:Edmx`).
    pub name: String,
    /// The name as written, prefix included (`edmx:Edmx`).
    pub qualified_name: String,
    /// Attributes as written (qualified names kept, so `p5:Foo` never matches `Foo`).
    pub attributes: Vec<(String, String)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// The element's own text, concatenated (annotation expressions such as `<String>x</String>`).
    pub text: String,
    /// Where the start tag begins.
    pub pos: Pos,
}

impl Element {
    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Children with the given local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// Maps byte offsets to lines and columns.
struct LineIndex<'a> {
    source: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(source: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        Self { source, line_starts }
    }

    fn pos(&self, offset: u64) -> Pos {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX).min(self.source.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line.saturating_sub(1)];
        let column = self.source.get(start..offset).map_or(offset - start, |s| s.chars().count());
        Pos {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }
}

/// Parses `source` into its root element, with a warning for each departure the text itself
/// makes (a byte order mark, no XML declaration).
pub fn parse(source: &str) -> Result<(Element, Vec<Warning>), CsdlError> {
    let start = Pos { line: 1, column: 1 };
    let mut warnings = Vec::new();
    let source = match source.strip_prefix('\u{feff}') {
        Some(rest) => {
            warnings.push(Warning::at(
                start,
                Departure::ByteOrderMark,
                "the file starts with a UTF-8 byte order mark; it is skipped",
            ));
            rest
        }
        None => source,
    };
    if !source.trim_start().starts_with("<?xml") {
        warnings.push(Warning::at(
            start,
            Departure::NoXmlDeclaration,
            "the file has no `<?xml …?>` declaration; read as XML 1.0 in UTF-8",
        ));
    }
    let index = LineIndex::new(source);
    let mut reader = Reader::from_str(source);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let offset = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| CsdlError::at(index.pos(reader.error_position()), format!("malformed XML: {e}")))?;
        match event {
            Event::Start(start) => {
                stack.push(element(&start, index.pos(offset))?);
            }
            Event::Empty(start) => {
                let element = element(&start, index.pos(offset))?;
                attach(&mut stack, &mut root, element, &index, offset)?;
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err(CsdlError::at(index.pos(offset), "unexpected closing tag"));
                };
                attach(&mut stack, &mut root, element, &index, offset)?;
            }
            Event::Text(text) => {
                if let Some(parent) = stack.last_mut() {
                    // Entity references arrive as separate events, so text is already plain.
                    parent.text.push_str(&text.xml10_content());
                }
            }
            Event::CData(data) => {
                if let Some(parent) = stack.last_mut() {
                    parent.text.push_str(&data.xml10_content());
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(parent) = stack.last_mut() {
                    let text = format!("&{};", reference.xml10_content());
                    let unescaped = quick_xml::escape::unescape(&text).map_err(|e| {
                        CsdlError::at(index.pos(offset), format!("unknown entity reference: {e}"))
                    })?;
                    parent.text.push_str(&unescaped);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(CsdlError::at(
            index.pos(source.len() as u64),
            format!("the document ends before <{}> (opened at {}) is closed", open.name, open.pos),
        ));
    }
    let root = root.ok_or_else(|| CsdlError::at(start, "the document has no root element"))?;
    Ok((root, warnings))
}

fn attach(
    stack: &mut [Element],
    root: &mut Option<Element>,
    element: Element,
    index: &LineIndex<'_>,
    offset: u64,
) -> Result<(), CsdlError> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_none() => *root = Some(element),
        None => {
            return Err(CsdlError::at(index.pos(offset), "a second root element"));
        }
    }
    Ok(())
}

fn element(start: &BytesStart<'_>, pos: Pos) -> Result<Element, CsdlError> {
    let qualified = start.name();
    let name = qualified.local_name().as_ref().to_owned();
    let qualified_name = qualified.as_ref().to_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute =
            attribute.map_err(|e| CsdlError::at(pos, format!("malformed attribute on <{name}>: {e}")))?;
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| CsdlError::at(pos, format!("malformed attribute value on <{name}>: {e}")))?;
        attributes.push((attribute.key.as_ref().to_owned(), value.into_owned()));
    }
    Ok(Element { name, qualified_name, attributes, children: Vec::new(), text: String::new(), pos })
}
