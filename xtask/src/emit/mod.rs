//! Rendering: from the checked model and its [plan](crate::plan) to formatted Rust files.
//!
//! Each schema that declares types becomes a module ([`types`]); the [`ApiPlan`] becomes the
//! `client` module of endpoint methods ([`client`]) and the `catalog` module ([`catalog`]).
//! Renderers print what the plan decided; they claim no names and read no annotations.
//! Everything is walked in document order and formatted with prettyplease, so the same document
//! always gives the same bytes.

pub mod catalog;
pub mod client;
pub mod registry;
pub mod types;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::csdl::Model;
use crate::plan::{ApiPlan, CATALOG_MODULE, CLIENT_MODULE, Features, Layout, REGISTRY_MODULE};

/// What to generate, and for which crate.
#[derive(Debug, Clone)]
pub struct Options {
    /// How the header names the source document (`specs/defender-endpoint.xml`).
    pub source_label: String,
    /// The type endpoint methods are implemented on, for example `crate::DefenderClient`.
    /// It must have a `fn runtime(&self) -> &defender_runtime::ODataClient`.
    pub client_type: String,
    /// The path of the service root on its host, as documentation shows URLs (`/api`).
    pub root_path: String,
    /// Whether endpoints and types are gated by one Cargo feature per endpoint root.
    pub features: bool,
    /// Whether the catalog and registry modules are declared behind [`TOOLS_FEATURE`] (the
    /// runtime's `catalog` module needs it).
    pub tools_feature: bool,
}

/// Everything one generation produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The source files.
    pub files: Vec<GeneratedFile>,
    /// The Cargo features the code is gated by, sorted; empty when features are off.
    pub features: Vec<String>,
    /// Whether the code has export rows methods, behind [`crate::plan::EXPORTS_FEATURE`].
    pub exports: bool,
}

/// One generated file, its path relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// For example `api.rs`.
    pub path: String,
    /// The formatted source.
    pub contents: String,
}

/// One piece of the output that can be built and rendered on its own.
enum Job<'a> {
    /// The client module's import and endpoint methods.
    ClientHead(&'a ApiPlan),
    /// A run of the client module's request builders.
    Builders(&'a ApiPlan, std::ops::Range<usize>),
    /// The client module's end: the body structs of operation imports.
    ClientTail(&'a ApiPlan),
    /// The catalog of what the client module calls.
    Catalog(&'a ApiPlan),
    /// The registry module.
    Registry,
    /// A run of one schema's types (structured, then enumerations, then definitions), so that
    /// a schema with thousands of types is still spread over the cores.
    Types { schema: &'a crate::csdl::model::Schema, module: &'a String, first: usize, count: usize },
}

/// Types per [`Job::Types`]: small enough to share a large schema out, large enough that a
/// job is worth starting.
const TYPES_PER_JOB: usize = 24;

/// A rendered run of a schema module's types, with the imports they need.
struct TypesPart {
    module: String,
    /// The module's rustdoc.
    doc: String,
    /// Whether the module's file starts with the prelude import (the client's head has it).
    prelude: bool,
    /// Whether `mod.rs` declares and glob re-exports the module with the schemas' (the client
    /// module is declared apart).
    declare: bool,
    code: String,
}

/// What a job made: files, and the module declarations `mod.rs` needs for them.
#[derive(Default)]
struct Made {
    files: Vec<GeneratedFile>,
    part: Option<TypesPart>,
    client: bool,
    extra_decls: Vec<String>,
}

/// Runs `work` on every job over the available cores and returns the results in job order.
///
/// Rendering (parsing the tokens back and pretty-printing them) is most of the generator's time
/// on large documents, and the modules are independent of each other. Workers take the next
/// job from a shared counter, so one large module next to many small ones still shares the
/// work. Token streams are not `Send`, so each worker renders its own from the shared plan.
fn run_jobs<J: Sync, O: Send>(jobs: &[J], work: impl Fn(&J) -> O + Sync) -> Vec<O> {
    let workers = std::thread::available_parallelism().map_or(1, usize::from).min(jobs.len());
    if workers <= 1 {
        return jobs.iter().map(&work).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, O)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (next, work) = (&next, &work);
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(job) = jobs.get(index) else { return mine };
                        mine.push((index, work(job)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    done.sort_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, output)| output).collect()
}

/// A type or path as formatted Rust text: `Option<Vec<super::graph::Foo>>`, as prettyplease
/// writes it, for the items written as text.
pub(crate) fn tokens_text(tokens: TokenStream) -> String {
    let mut out = String::new();
    let mut after_word = false;
    for token in tokens {
        match token {
            proc_macro2::TokenTree::Ident(ident) => {
                if after_word {
                    out.push(' ');
                }
                out.push_str(&ident.to_string());
                after_word = true;
            }
            proc_macro2::TokenTree::Punct(punct) => {
                out.push(punct.as_char());
                if punct.as_char() == ',' {
                    out.push(' ');
                }
                after_word = false;
            }
            proc_macro2::TokenTree::Literal(literal) => {
                out.push_str(&literal.to_string());
                after_word = true;
            }
            proc_macro2::TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                out.push_str(open);
                out.push_str(&tokens_text(group.stream()));
                out.push_str(close);
                after_word = false;
            }
        }
    }
    out
}

/// The client type the endpoint methods are generated on (`crate::DefenderClient`).
fn client_type(options: &Options) -> Result<TokenStream, String> {
    options.client_type.parse().map_err(|e| format!("invalid client type {:?}: {e}", options.client_type))
}

/// Builds and renders one job's files.
fn make(
    job: &Job<'_>,
    model: &Model,
    layout: &Layout,
    features: &Features,
    options: &Options,
) -> Result<Made, String> {
    match job {
        Job::Types { schema, module, first, count } => {
            // Indexes into the three lists, taken before generating so that only this run's
            // types are generated.
            let (first, end) = (*first, *first + *count);
            let (n_structured, n_enums) = (schema.structured_types.len(), schema.enum_types.len());
            let range = |start: usize, len: usize| {
                first.clamp(start, start + len) - start..end.clamp(start, start + len) - start
            };
            let structured = schema.structured_types[range(0, n_structured)]
                .iter()
                .flat_map(|ty| types::structured(model, layout, features, schema, ty, module));
            let enumerations = schema.enum_types[range(n_structured, n_enums)]
                .iter()
                .flat_map(|ty| types::enumeration(model, layout, features, schema, ty));
            let definitions = range(n_structured + n_enums, schema.type_definitions.len());
            let definitions = schema.type_definitions[definitions]
                .iter()
                .map(|ty| types::Chunk::Tokens(types::definition(model, layout, features, schema, ty)));
            // Runs of token items are formatted together, text items appended as they are;
            // spaced here, on the job's core, rather than once over the whole module.
            let mut code = String::new();
            let mut tokens = TokenStream::new();
            for chunk in structured.chain(enumerations).chain(definitions) {
                match chunk {
                    types::Chunk::Tokens(items) => tokens.extend(items),
                    types::Chunk::Text(text) => {
                        if !tokens.is_empty() {
                            join_spaced(&mut code, &space_items(&unparse(std::mem::take(&mut tokens))?));
                        }
                        join_spaced(&mut code, &text);
                    }
                }
            }
            if !tokens.is_empty() {
                join_spaced(&mut code, &space_items(&unparse(tokens)?));
            }
            Ok(Made {
                part: Some(TypesPart {
                    module: (*module).clone(),
                    doc: format!("Types of the `{}` schema.", schema.namespace),
                    prelude: true,
                    declare: true,
                    code,
                }),
                ..Made::default()
            })
        }
        Job::ClientHead(plan) => {
            let printer = client::Printer { model, layout, features };
            let tokens = client::client_head(&printer, plan, &client_type(options)?);
            let doc = "Endpoint methods and request builders.";
            Ok(Made {
                part: Some(client_part(space_items(&unparse(tokens)?))),
                client: true,
                extra_decls: vec![format!("#[doc = \" {doc}\"] pub mod {CLIENT_MODULE};")],
                ..Made::default()
            })
        }
        Job::Builders(plan, range) => {
            let printer = client::Printer { model, layout, features };
            let tokens = client::builders(&printer, &plan.builders[range.clone()]);
            Ok(Made { part: Some(client_part(space_items(&unparse(tokens)?))), ..Made::default() })
        }
        Job::ClientTail(plan) => {
            let printer = client::Printer { model, layout, features };
            let tokens = client::import_bodies(&printer, plan);
            Ok(Made { part: Some(client_part(space_items(&unparse(tokens)?))), ..Made::default() })
        }
        Job::Catalog(plan) => {
            let code = catalog::catalog_module(model, features, plan);
            let doc = "Every endpoint and type as data, for tools that call or answer endpoints by name.";
            let made = text_module(CATALOG_MODULE, &code, options, doc);
            Ok(for_tools(made, options))
        }
        Job::Registry => {
            let Some(code) = registry::registry_module(model, layout, features) else {
                return Ok(Made::default());
            };
            let doc = "Decoding by type name, for tools that check saved responses.";
            Ok(for_tools(text_module(REGISTRY_MODULE, &code, options, doc), options))
        }
    }
}

/// A run of the client module, joined to the runs before it.
fn client_part(code: String) -> TypesPart {
    TypesPart {
        module: CLIENT_MODULE.to_owned(),
        doc: "Endpoint methods and request builders.".to_owned(),
        prelude: false,
        declare: false,
        code,
    }
}

/// Builders per [`Job::Builders`], for the same reason as [`TYPES_PER_JOB`].
const BUILDERS_PER_JOB: usize = 16;

/// The name of the Cargo feature that compiles the catalog and the registry, when the target has
/// features: tools need them, an application calling the API does not.
pub const TOOLS_FEATURE: &str = "tools";

/// `made` with its module declaration behind [`TOOLS_FEATURE`], when the target has features.
fn for_tools(mut made: Made, options: &Options) -> Made {
    if options.tools_feature {
        for decl in &mut made.extra_decls {
            *decl = format!("#[cfg(feature = \"{TOOLS_FEATURE}\")] {decl}");
        }
    }
    made
}

/// A module written as text: its file, and its `pub mod` declaration with `doc`.
fn text_module(module: &str, code: &str, options: &Options, doc: &str) -> Made {
    Made {
        files: vec![GeneratedFile {
            path: format!("{module}.rs"),
            contents: with_header(code, options, doc),
        }],
        extra_decls: vec![format!("#[doc = \" {doc}\"] pub mod {module};")],
        ..Made::default()
    }
}

/// Generates every file for `model`.
pub fn generate(model: &Model, options: &Options) -> Result<Generated, String> {
    // Decide first: names, features and the API, once.
    let layout = Layout::new(model);
    let features = Features::new(model, options.features);
    let plan = ApiPlan::new(model, &layout, &features, &options.root_path);
    // Render second. The client, catalog and registry first: they are the largest modules of a
    // typical service.
    let mut jobs: Vec<Job<'_>> = Vec::new();
    if let Some(plan) = &plan {
        jobs.push(Job::ClientHead(plan));
        for first in (0..plan.builders.len()).step_by(BUILDERS_PER_JOB) {
            jobs.push(Job::Builders(plan, first..plan.builders.len().min(first + BUILDERS_PER_JOB)));
        }
        jobs.push(Job::ClientTail(plan));
        jobs.push(Job::Catalog(plan));
    }
    jobs.push(Job::Registry);
    let modules: Vec<(&crate::csdl::model::Schema, String)> = model
        .document
        .schemas
        .iter()
        .filter_map(|schema| Some((schema, layout.module_of(&schema.namespace)?.to_owned())))
        .collect();
    for (schema, module) in &modules {
        let total = schema.structured_types.len() + schema.enum_types.len() + schema.type_definitions.len();
        for first in (0..total).step_by(TYPES_PER_JOB) {
            jobs.push(Job::Types { schema, module, first, count: TYPES_PER_JOB.min(total - first) });
        }
    }
    let made = run_jobs(&jobs, |job| make(job, model, &layout, &features, options));
    let mut files = Vec::new();
    let mut module_decls = Vec::new();
    let mut extra_decls = Vec::new();
    let mut has_client = false;
    // Parts of one module arrive one after the other, in order.
    let mut current: Option<TypesPart> = None;
    let finish = |part: TypesPart, files: &mut Vec<GeneratedFile>, decls: &mut Vec<(String, String)>| {
        // The parts are spaced already (in their jobs); the prelude is spaced from them here.
        let mut code = if part.prelude { space_items(&unparse(prelude())?) } else { String::new() };
        join_spaced(&mut code, &part.code);
        files.push(GeneratedFile {
            path: format!("{}.rs", part.module),
            contents: header(options, &part.doc) + &code,
        });
        if part.declare {
            decls.push((part.module, part.doc));
        }
        Ok::<(), String>(())
    };
    for made in made {
        let made = made?;
        files.extend(made.files);
        if let Some(part) = made.part {
            match &mut current {
                Some(open) if open.module == part.module => {
                    join_spaced(&mut open.code, &part.code);
                }
                _ => {
                    if let Some(done) = current.replace(part) {
                        finish(done, &mut files, &mut module_decls)?;
                    }
                }
            }
        }
        has_client |= made.client;
        for decl in made.extra_decls {
            extra_decls.push(decl.parse::<TokenStream>().map_err(|e| format!("module declaration: {e}"))?);
        }
    }
    if let Some(done) = current {
        finish(done, &mut files, &mut module_decls)?;
    }
    let decls = module_decls.iter().map(|(module, doc)| {
        let module = Ident::new(module, Span::call_site());
        let doc = format!(" {doc}");
        quote!(#[doc = #doc] pub mod #module;)
    });
    // Glob re-exports are only unambiguous when no two schemas declare the same type name.
    let unique = layout.type_names_unique();
    let reexports = module_decls.iter().filter(|_| unique).map(|(module, _)| {
        let module = Ident::new(module, Span::call_site());
        quote!(pub use #module::*;)
    });
    let client_reexport = has_client.then(|| {
        let module = Ident::new(CLIENT_MODULE, Span::call_site());
        // With every endpoint feature off, the module has nothing to re-export.
        let allow = features.gates_anything().then(|| quote!(#[allow(unused_imports)]));
        quote!(#allow pub use #module::*;)
    });
    let mod_rs = quote! {
        #(#decls)*
        #(#extra_decls)*
        #(#reexports)*
        #client_reexport
    };
    files.push(GeneratedFile {
        path: "mod.rs".into(),
        contents: render(mod_rs, options, "Code generated from the service's CSDL metadata.")?,
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let exports = plan.as_ref().is_some_and(|plan| {
        plan.builders.iter().flat_map(|b| &b.operations).any(|op| op.operation.export_rows.is_some())
    });
    let features = match &plan {
        Some(plan) => plan.features.clone(),
        None => features.names().map(str::to_owned).collect(),
    };
    Ok(Generated { files, features, exports })
}

/// The names the runtime's `codegen::prelude` brings into every generated module. Generated
/// types may not take them, or they would shadow what generated code means by them; keep this
/// list and the prelude in step (`xtask/tests/prelude.rs` fails to compile when the prelude
/// lacks one).
pub const PRELUDE_NAMES: &[&str] = &[
    "fmt",
    "IntoFuture",
    "de",
    "DeserializeOwned",
    "MapAccess",
    "Visitor",
    "Deserialize",
    "Deserializer",
    "Serialize",
    "RawValue",
    "Map",
    "Value",
    "ActionBody",
    "DecodeMembers",
    "FieldKey",
    "MemberWriter",
    "ODataLiteral",
    "QueryString",
    "TypeFirst",
    "ValueEnvelope",
    "Wire",
    "decode_body",
    "is_annotation",
    "json_alias_value",
    "key_segment",
    "odata_type_name",
    "read_type_first",
    "serialize_typed",
    "CollectionRequest",
    "EntityRequest",
    "Annotations",
    "ODataClient",
    "Patch",
    "RawMembers",
    "Result",
    "edm",
];

/// The one import every generated module starts with. A module rarely needs every name, and
/// features may compile out the rest, so the glob is allowed to go partly unused.
pub fn prelude() -> TokenStream {
    quote! {
        #[allow(unused_imports)]
        use defender_runtime::codegen::prelude::*;
    }
}

fn render(tokens: TokenStream, options: &Options, doc: &str) -> Result<String, String> {
    Ok(with_header(&unparse(tokens)?, options, doc))
}

/// Items formatted by prettyplease. Items format alone, so runs of a module's items can be
/// formatted apart and joined.
fn unparse(tokens: TokenStream) -> Result<String, String> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

/// Formatted items as a file: blank lines between items, and the header naming the source.
fn with_header(code: &str, options: &Options, doc: &str) -> String {
    header(options, doc) + &space_items(code)
}

/// The header naming the file's source.
fn header(options: &Options, doc: &str) -> String {
    format!(
        "//! {doc}\n//!\n//! Generated by `cargo xtask codegen` from `{}`. Do not edit: change the\n//! spec or the generator and regenerate.\n\n",
        options.source_label
    )
}

/// Puts a blank line between items, as hand-written code has; prettyplease leaves none.
fn space_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 16);
    let mut previous: Option<&str> = None;
    for line in code.lines() {
        if previous.is_some_and(|previous| blank_between(previous, line)) {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(line);
    }
    out
}

/// Appends spaced `code` to spaced `out`, with the blank line [`space_items`] would have put
/// where they meet, so that runs of a module spaced apart join as if spaced together.
fn join_spaced(out: &mut String, code: &str) {
    let last = out.trim_end_matches('\n').rsplit('\n').next();
    let first = code.lines().next();
    if let (Some(last), Some(first)) = (last, first)
        && blank_between(last, first)
    {
        out.push('\n');
    }
    out.push_str(code);
}

/// Whether a blank line goes between two consecutive lines of formatted code: before an item
/// that follows a closed item at the same depth, and after the imports.
fn blank_between(previous: &str, line: &str) -> bool {
    const ITEM_STARTS: &[&str] =
        &["///", "#[", "pub ", "fn ", "impl", "struct ", "enum ", "type ", "const ", "mod ", "async "];
    let indent = |line: &str| line.len() - line.trim_start().len();
    let trimmed = line.trim_start();
    let starts_item = ITEM_STARTS.iter().any(|start| trimmed.starts_with(start));
    let after_item = matches!(previous.trim(), "}" | "};") && indent(previous) == indent(line);
    let after_uses = previous.starts_with("use ")
        && previous.ends_with(';')
        && !line.starts_with("use ")
        && !line.is_empty();
    (starts_item && after_item) || after_uses
}

/// A summary of what the generator makes of a document, one line per item: every type with the
/// Rust name chosen for it and its module, every operation with the methods that call it, and
/// every client method. Conformance runs keep it to show how a change to the generator changes
/// the names it picks; it is printed from the same [`Layout`] and [`ApiPlan`] the code is.
pub fn summary(model: &Model) -> String {
    let layout = Layout::new(model);
    let plan = ApiPlan::new(model, &layout, &Features::default(), "");
    // The methods that call each operation, by its name in the document.
    let mut callers: std::collections::HashMap<&str, Vec<String>> = std::collections::HashMap::new();
    if let Some(plan) = &plan {
        for builder in &plan.builders {
            for bound in &builder.operations {
                let on = if bound.on_collection { &builder.set } else { &builder.single };
                callers
                    .entry(&bound.operation.qualified_name)
                    .or_default()
                    .push(format!("{on}::{}", bound.operation.method));
            }
        }
    }
    let mut lines = Vec::new();
    for schema in &model.document.schemas {
        let module = layout.module_of(&schema.namespace).unwrap_or("-");
        lines.push(format!("schema {} -> mod {module}", schema.namespace));
        for ty in &schema.structured_types {
            let qualified = format!("{}.{}", schema.namespace, ty.name);
            let kind = match ty.kind {
                crate::csdl::model::StructuredKind::Entity => "entity",
                crate::csdl::model::StructuredKind::Complex => "complex",
            };
            let mut line = format!("  {kind} {} -> {}", ty.name, layout.ident(&schema.namespace, &ty.name));
            if let Some(any) = layout.any_name(&qualified) {
                line.push_str(&format!(" (values as {any})"));
            }
            if let Some(input) = layout.input_name(&qualified) {
                line.push_str(&format!(" (bodies as {input})"));
            }
            // The type's own properties and navigation properties, under the names the struct
            // gives them.
            let fields: Vec<String> = types::field_names(model, schema, ty)
                .into_iter()
                .filter(|(member, _)| member.declared_by(ty))
                .map(|(member, name)| format!("{}={name}", member.name()))
                .collect();
            if !fields.is_empty() {
                line.push_str(&format!(" [{}]", fields.join(" ")));
            }
            lines.push(line);
        }
        for ty in &schema.enum_types {
            let members: Vec<String> =
                ty.members.iter().map(|m| crate::plan::names::camel(&m.name)).collect();
            lines.push(format!(
                "  enum {} -> {} [{}]",
                ty.name,
                layout.ident(&schema.namespace, &ty.name),
                members.join(" ")
            ));
        }
        for ty in &schema.type_definitions {
            lines.push(format!("  typedef {} -> {}", ty.name, layout.ident(&schema.namespace, &ty.name)));
        }
        let mut shown = std::collections::HashSet::new();
        for op in schema.operations.iter().filter(|op| op.is_bound) {
            if !shown.insert(&op.name) {
                continue;
            }
            let kind = match op.kind {
                crate::csdl::model::OperationKind::Function => "function",
                crate::csdl::model::OperationKind::Action => "action",
            };
            let qualified = format!("{}.{}", schema.namespace, op.name);
            let methods =
                callers.get(qualified.as_str()).map_or_else(|| "(no method)".to_owned(), |m| m.join(" "));
            lines.push(format!("  bound {kind} {} -> {methods}", op.name));
        }
    }
    if let (Some((_, container)), Some(plan)) = (model.container(), &plan) {
        lines.push(format!("container {}", container.name));
        for method in &plan.methods {
            lines.push(match method {
                crate::plan::ClientMethod::Root { method, builder, path, .. } => {
                    format!("  {path} -> {method}() -> {builder}")
                }
                crate::plan::ClientMethod::Operation { operation, .. } => {
                    format!("  {} -> {}", operation.segment, operation.call())
                }
            });
        }
        lines.push(format!("endpoints {}", plan.endpoints.len()));
    }
    lines.push(String::new());
    lines.join("\n")
}
