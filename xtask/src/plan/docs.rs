//! Rustdoc text as plain data: lines built from what the semantic layer says about an element
//! (its description, the permissions a call needs), turned into `#[doc]` attributes only when
//! rendered.

use proc_macro2::TokenStream;
use quote::quote;

use crate::csdl::semantics::{Documentation, Permission};

/// Lines of documentation, turned into `///` comments.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Doc {
    lines: Vec<String>,
}

impl Doc {
    /// Starts with an element's description and long description, or `fallback` when it has
    /// none.
    pub fn described(documentation: &Documentation, fallback: &str) -> Self {
        let mut doc = Doc::default();
        doc.paragraph(documentation.description.as_deref().unwrap_or(fallback));
        if let Some(long) = &documentation.long_description {
            doc.paragraph(long);
        }
        doc
    }

    /// Adds a paragraph, separated from the previous one by a blank line.
    pub fn paragraph(&mut self, text: &str) {
        if !self.lines.is_empty() {
            self.lines.push(String::new());
        }
        self.lines.extend(text.trim().lines().map(|l| l.trim_end().to_owned()));
    }

    /// Adds a line to the current paragraph.
    pub fn line(&mut self, text: impl Into<String>) {
        self.lines.push(text.into());
    }

    /// Adds a `# Permissions` section listing `permissions`, when there are any.
    pub fn permissions(&mut self, permissions: &[Permission]) {
        if permissions.is_empty() {
            return;
        }
        self.paragraph("# Permissions");
        self.paragraph("One of these is required:");
        self.line("");
        self.line("| Permission type | Permission |");
        self.line("|---|---|");
        for permission in permissions {
            let scopes: Vec<String> = permission.scopes.iter().map(|scope| format!("`{scope}`")).collect();
            let scheme = permission.scheme.as_deref().unwrap_or("?");
            self.line(format!("| {scheme} | {} |", scopes.join(", ")));
        }
    }

    /// The documentation as `///` lines at `indent`, as prettyplease prints the attributes.
    pub fn text(&self, indent: &str) -> String {
        let mut out = String::new();
        for line in &self.lines {
            out.push_str(indent);
            out.push_str("///");
            if !line.is_empty() {
                out.push(' ');
                out.push_str(line);
            }
            out.push('\n');
        }
        out
    }

    /// The `#[doc]` attributes.
    pub fn tokens(&self) -> TokenStream {
        let lines = self.lines.iter().map(|line| {
            let line = if line.is_empty() { String::new() } else { format!(" {line}") };
            quote!(#[doc = #line])
        });
        quote!(#(#lines)*)
    }
}
