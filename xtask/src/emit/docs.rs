//! Rustdoc from CSDL annotations: descriptions, permissions, and what the metadata promises.

use crate::csdl::vocab::Term;
use proc_macro2::TokenStream;
use quote::quote;

use crate::csdl::Model;
use crate::csdl::model::{Annotation, Expr};

/// Lines of documentation, turned into `///` comments.
#[derive(Debug, Default, Clone)]
pub struct Doc {
    lines: Vec<String>,
}

impl Doc {
    /// Starts with the `Core.Description` and `Core.LongDescription` of an element, or
    /// `fallback` when it has none.
    pub fn described(model: &Model, inline: &[Annotation], target: &str, fallback: &str) -> Self {
        let mut doc = Doc::default();
        match model.annotation(inline, target, Term::CoreDescription).and_then(Expr::as_str) {
            Some(description) => doc.paragraph(description),
            None => doc.paragraph(fallback),
        }
        if let Some(long) = model.annotation(inline, target, Term::CoreLongDescription).and_then(Expr::as_str)
        {
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

    /// Adds a `# Permissions` section from a restrictions annotation's `Permissions`.
    pub fn permissions(&mut self, model: &Model, inline: &[Annotation], target: &str, term: Term) {
        let Some(permissions) = model.annotation(inline, target, term).and_then(|r| r.field("Permissions"))
        else {
            return;
        };
        let rows: Vec<(String, String)> = permissions
            .items()
            .iter()
            .map(|permission| {
                let scheme = permission.field("SchemeName").and_then(Expr::as_str).unwrap_or("?").to_owned();
                let scopes: Vec<String> = permission
                    .field("Scopes")
                    .map(Expr::items)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|scope| scope.field("Scope").and_then(Expr::as_str))
                    .map(|scope| format!("`{scope}`"))
                    .collect();
                (scheme, scopes.join(", "))
            })
            .collect();
        if rows.is_empty() {
            return;
        }
        self.paragraph("# Permissions");
        self.paragraph("One of these is required:");
        self.line("");
        self.line("| Permission type | Permission |");
        self.line("|---|---|");
        for (scheme, scopes) in rows {
            self.line(format!("| {scheme} | {scopes} |"));
        }
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
