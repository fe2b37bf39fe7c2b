//! Writing a CSDL document in one canonical form, so that two fetches of the same metadata are
//! byte-identical and a change shows as a small diff.
//!
//! Schemas are ordered by namespace; a schema's declarations by kind, then name; a container's
//! members likewise. Everything whose order carries meaning (properties, members, parameters,
//! keys, annotation values) keeps its order. Attributes come name first, then alphabetically;
//! indentation is two spaces; comments and insignificant whitespace are dropped.

use crate::csdl::xml::Element;
use crate::csdl::{self, CsdlError};

/// The canonical form of `source`, after checking that it is a valid CSDL document.
pub fn normalize(source: &str) -> Result<String, CsdlError> {
    csdl::parse(source)?;
    let (root, _) = csdl::xml::parse(source)?;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    write(&mut out, &root, 0);
    Ok(out)
}

/// Where a declaration sorts among its siblings; `None` keeps document order.
fn rank(parent: &str, child: &Element) -> Option<usize> {
    let order: &[&str] = match parent {
        "Edmx" => &["Reference", "DataServices"],
        "DataServices" => &["Schema"],
        "Schema" => &[
            "Annotation",
            "EnumType",
            "TypeDefinition",
            "ComplexType",
            "EntityType",
            "Function",
            "Action",
            "Term",
            "EntityContainer",
            "Annotations",
        ],
        "EntityContainer" => &["Annotation", "EntitySet", "Singleton", "FunctionImport", "ActionImport"],
        _ => return None,
    };
    Some(order.iter().position(|kind| *kind == child.name).unwrap_or(order.len()))
}

fn sort_key(element: &Element) -> String {
    ["Namespace", "Name", "Target", "Term", "Uri"]
        .iter()
        .find_map(|attribute| element.attr(attribute))
        .unwrap_or_default()
        .to_owned()
}

/// Writes `element` and its children in the canonical form, at `depth` levels of indentation.
pub(crate) fn write(out: &mut String, element: &Element, depth: usize) {
    let indent = "  ".repeat(depth);
    out.push_str(&format!("{indent}<{}", element.qualified_name));
    let mut attributes: Vec<&(String, String)> = element.attributes.iter().collect();
    let first = ["Name", "Namespace", "Term", "Target", "Type", "Uri", "Version"];
    attributes
        .sort_by_key(|(name, _)| (first.iter().position(|f| f == name).unwrap_or(first.len()), name.clone()));
    for (name, value) in attributes {
        out.push_str(&format!(" {name}=\"{}\"", escape(value, true)));
    }
    let text = element.text.trim();
    if element.children.is_empty() && text.is_empty() {
        out.push_str("/>\n");
        return;
    }
    if element.children.is_empty() {
        out.push_str(&format!(">{}</{}>\n", escape(text, false), element.qualified_name));
        return;
    }
    out.push_str(">\n");
    let mut children: Vec<(usize, &Element)> = element.children.iter().enumerate().collect();
    if element.children.iter().all(|c| rank(&element.name, c).is_some()) {
        children.sort_by_key(|(index, child)| (rank(&element.name, child), sort_key(child), *index));
    }
    for (_, child) in children {
        write(out, child, depth + 1);
    }
    out.push_str(&format!("{indent}</{}>\n", element.qualified_name));
}

fn escape(text: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            _ => out.push(c),
        }
    }
    out
}
