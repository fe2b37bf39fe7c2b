//! Endpoints: one client method per singleton, entity set and operation import, and request
//! builders that carry the operations bound to each entity type.
//!
//! URLs follow the OData URL conventions unless the document says the service departs from
//! them, with standard annotations where one exists:
//!
//! - `Capabilities.KeyAsSegmentSupported` on the container: keys as path segments
//!   (`machines/{id}`) instead of `machines('{id}')`;
//! - `Core.DefaultNamespace` on a schema: its operations are called by their unqualified names;
//! - the one extension term `RustSdk.UrlConventions.V1.EmptyParameterListOmitted` on the
//!   container: functions without parameters are called without `()`.

use std::collections::{BTreeMap, HashSet};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::docs::{Doc, OPERATION_RESTRICTIONS, READ_RESTRICTIONS};
use super::types::rust_type;
use super::{Layout, names};
use crate::csdl::Model;
use crate::csdl::model::{EntityContainer, Operation, OperationKind, Parameter, Schema, StructuredType};
use crate::csdl::resolve::Resolved;

const KEY_AS_SEGMENT: &str = "Org.OData.Capabilities.V1.KeyAsSegmentSupported";
const DEFAULT_NAMESPACE: &str = "Org.OData.Core.V1.DefaultNamespace";
/// This project's one URL-convention extension; documented in `specs/README.md`.
pub const EMPTY_PARAMETER_LIST_OMITTED: &str = "RustSdk.UrlConventions.V1.EmptyParameterListOmitted";

/// The module the endpoints are generated into.
pub const MODULE: &str = "client";

struct Conventions {
    /// The service root's path as documentation shows it (`/api`).
    root: String,
    key_as_segment: bool,
    unqualified: HashSet<String>,
    omit_empty_parentheses: bool,
}

impl Conventions {
    fn of(model: &Model, schema: &Schema, container: &EntityContainer, root: &str) -> Self {
        let target = format!("{}.{}", schema.namespace, container.name);
        let tag = |term| {
            matches!(
                model.annotation(&container.annotations, &target, term),
                Some(crate::csdl::model::Expr::Bool(true))
            )
        };
        Self {
            root: root.trim_end_matches('/').to_owned(),
            key_as_segment: tag(KEY_AS_SEGMENT),
            omit_empty_parentheses: tag(EMPTY_PARAMETER_LIST_OMITTED),
            unqualified: model
                .document
                .schemas
                .iter()
                .filter(|s| {
                    matches!(
                        model.annotation(&s.annotations, &s.namespace, DEFAULT_NAMESPACE),
                        Some(crate::csdl::model::Expr::Bool(true))
                    )
                })
                .map(|s| s.namespace.clone())
                .collect(),
        }
    }
}

/// A request builder for one entity type: a single entity, or its collection.
struct Builder<'a> {
    schema: &'a Schema,
    ty: &'a StructuredType,
    single: Ident,
    set: Ident,
    /// The URLs of single entities of this type, for documentation (`/api/machines/{id}`).
    single_paths: Vec<String>,
    /// The URLs of collections of this type, for documentation (`/api/machines`).
    set_paths: Vec<String>,
}

/// The `client` module: endpoint methods on `client` (a path such as `crate::DefenderClient`).
pub fn client_module(
    model: &Model,
    layout: &Layout,
    client: &TokenStream,
    root: &str,
) -> Option<TokenStream> {
    let (schema, container) = model.container()?;
    let conventions = Conventions::of(model, schema, container, root);
    let mut scope = names::Scope::default();
    // Entity types reached from the container get builders, in document order.
    let mut builders: BTreeMap<String, Builder<'_>> = BTreeMap::new();
    let entity_types = container
        .singletons
        .iter()
        .map(|s| &s.ty)
        .chain(container.entity_sets.iter().map(|s| &s.entity_type));
    for type_name in entity_types {
        let qualified = model.qualify(type_name);
        if builders.contains_key(&qualified) {
            continue;
        }
        if let Some(Resolved::Structured(schema, ty)) = model.resolve(type_name) {
            let single = ident(&scope.claim(&format!("{}Request", names::camel(&ty.name))));
            let set = ident(&scope.claim(&format!("{}SetRequest", names::camel(&ty.name))));
            builders.insert(
                qualified,
                Builder { schema, ty, single, set, single_paths: Vec::new(), set_paths: Vec::new() },
            );
        }
    }
    for singleton in &container.singletons {
        if let Some(builder) = builders.get_mut(&model.qualify(&singleton.ty)) {
            builder.single_paths.push(format!("{}/{}", conventions.root, singleton.name));
        }
    }
    for set in &container.entity_sets {
        if let Some(builder) = builders.get_mut(&model.qualify(&set.entity_type)) {
            let key = if conventions.key_as_segment { "/{key}" } else { "({key})" };
            builder.single_paths.push(format!("{}/{}{key}", conventions.root, set.name));
            builder.set_paths.push(format!("{}/{}", conventions.root, set.name));
        }
    }

    let mut methods = Vec::new();
    let mut method_scope = names::Scope::with_reserved(&["runtime", "builder", "new"]);
    for singleton in &container.singletons {
        let Some(builder) = builders.get(&model.qualify(&singleton.ty)) else {
            continue;
        };
        let method = ident(&method_scope.claim(&names::snake(&singleton.name)));
        let target = format!("{}.{}/{}", schema.namespace, container.name, singleton.name);
        let mut doc = Doc::described(
            model,
            &singleton.annotations,
            &target,
            &format!("The `{}` singleton.", singleton.name),
        );
        let entity =
            layout.path(&builder.schema.namespace, &builder.ty.name, MODULE).to_string().replace(' ', "");
        doc.paragraph(&format!(
            "`GET {}/{}`: await the returned request for the [`{}`]({entity}), or use it to call the operations bound to it.",
            conventions.root, singleton.name, builder.ty.name
        ));
        doc.permissions(model, &singleton.annotations, &target, READ_RESTRICTIONS);
        let doc = doc.tokens();
        let single = &builder.single;
        let path = &singleton.name;
        methods.push(quote! {
            #doc
            pub fn #method(&self) -> #single {
                #single::new(self.runtime().clone(), #path.to_owned())
            }
        });
    }
    for set in &container.entity_sets {
        let Some(builder) = builders.get(&model.qualify(&set.entity_type)) else {
            continue;
        };
        let method = ident(&method_scope.claim(&names::snake(&set.name)));
        let target = format!("{}.{}/{}", schema.namespace, container.name, set.name);
        let mut doc =
            Doc::described(model, &set.annotations, &target, &format!("The `{}` entity set.", set.name));
        doc.paragraph(&format!(
            "`GET {}/{}` lists it; `get` reads one entity by key.",
            conventions.root, set.name
        ));
        doc.permissions(model, &set.annotations, &target, READ_RESTRICTIONS);
        let doc = doc.tokens();
        let set_builder = &builder.set;
        let path = &set.name;
        methods.push(quote! {
            #doc
            pub fn #method(&self) -> #set_builder {
                #set_builder::new(self.runtime().clone(), #path.to_owned())
            }
        });
    }
    for import in &container.imports {
        let overloads = model.operations(&import.operation);
        for (op_schema, operation) in overloads.iter().filter(|(_, op)| !op.is_bound) {
            let method = ident(&method_scope.claim(&names::snake(&import.name)));
            let target = format!("{}.{}", op_schema.namespace, operation.name);
            let call = operation_method(
                model,
                layout,
                &conventions,
                &method,
                operation,
                &target,
                None,
                &import.name,
                quote!(self.runtime()),
                &[],
            );
            methods.push(call);
        }
    }

    let needs_set: HashSet<String> =
        container.entity_sets.iter().map(|s| model.qualify(&s.entity_type)).collect();
    let builder_items: Vec<TokenStream> = builders
        .iter()
        .map(|(qualified, b)| builder_items(model, layout, &conventions, b, needs_set.contains(qualified)))
        .collect();
    let body = quote! {
        impl #client {
            #(#methods)*
        }

        #(#builder_items)*
    };
    let text = body.to_string();
    let mut uses = vec![quote!(
        use std::future::IntoFuture;
    )];
    if text.contains("edm ::") {
        uses.push(quote!(
            use defender_runtime::edm;
        ));
    }
    let mut literal = Vec::new();
    if text.contains("to_literal") {
        literal.push(quote!(ODataLiteral));
    }
    if text.contains("key_segment") {
        literal.push(quote!(key_segment));
    }
    if text.contains("json_alias_value") {
        literal.push(quote!(json_alias_value));
    }
    if !literal.is_empty() {
        uses.push(quote!(use defender_runtime::literal::{#(#literal),*};));
    }
    if text.contains("ValueEnvelope") {
        uses.push(quote!(
            use defender_runtime::odata::ValueEnvelope;
        ));
    }
    if text.contains("Wire <") {
        uses.push(quote!(
            use defender_runtime::wire::Wire;
        ));
    }
    if text.contains("ActionBody") {
        uses.push(quote!(
            use defender_runtime::request::ActionBody;
        ));
    }
    let runtime: Vec<TokenStream> = ["CollectionRequest", "EntityRequest", "ODataClient", "Result"]
        .iter()
        .filter(|name| text.contains(*name))
        .map(|name| {
            let name = ident(name);
            quote!(#name)
        })
        .collect();
    uses.push(quote!(use defender_runtime::{#(#runtime),*};));
    Some(quote! {
        #(#uses)*
        #body
    })
}

fn builder_items(
    model: &Model,
    layout: &Layout,
    conventions: &Conventions,
    builder: &Builder<'_>,
    with_set: bool,
) -> TokenStream {
    let qualified = format!("{}.{}", builder.schema.namespace, builder.ty.name);
    let entity = layout.path(&builder.schema.namespace, &builder.ty.name, MODULE);
    let single = &builder.single;
    let set = &builder.set;
    let mut single_ops = Vec::new();
    let mut set_ops = Vec::new();
    let mut single_scope = names::Scope::with_reserved(&["new", "get", "path", "into_future"]);
    let mut set_scope = names::Scope::with_reserved(&["new", "get", "list", "path"]);
    for schema in &model.document.schemas {
        for operation in schema.operations.iter().filter(|op| op.is_bound) {
            let Some(binding) = operation.parameters.first() else {
                continue;
            };
            if model.qualify(&binding.ty.name) != qualified {
                continue;
            }
            let (scope, ops) = if binding.ty.collection {
                (&mut set_scope, &mut set_ops)
            } else {
                (&mut single_scope, &mut single_ops)
            };
            let method = ident(&scope.claim(&names::snake(&operation.name)));
            let segment = if conventions.unqualified.contains(&schema.namespace) {
                operation.name.clone()
            } else {
                format!("{}.{}", schema.namespace, operation.name)
            };
            let target = format!("{}.{}", schema.namespace, operation.name);
            ops.push(operation_method(
                model,
                layout,
                conventions,
                &method,
                operation,
                &target,
                Some(binding),
                &segment,
                quote!(self.client),
                if binding.ty.collection { &builder.set_paths } else { &builder.single_paths },
            ));
        }
    }

    let key = key_method(model, layout, conventions, builder);
    let link = format!("[`{}`]({})", builder.ty.name, entity.to_string().replace(' ', ""));
    let single_doc = format!(" A request for one {link}. Await it to read the entity.");
    let set_doc = format!(" A request for a collection of {link}.");
    let single_items = quote! {
        #[doc = #single_doc]
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is awaited"]
        pub struct #single {
            client: ODataClient,
            path: String,
        }

        impl #single {
            fn new(client: ODataClient, path: String) -> Self {
                Self { client, path }
            }

            /// The path of the entity, relative to the service root.
            pub fn path(&self) -> &str {
                &self.path
            }

            /// A request for the entity itself, to refine with `$select` or `$expand` before
            /// awaiting it.
            pub fn get(&self) -> EntityRequest<#entity> {
                EntityRequest::new(self.client.clone(), self.path.clone())
            }

            #(#single_ops)*
        }

        impl IntoFuture for #single {
            type Output = Result<#entity>;
            type IntoFuture = <EntityRequest<#entity> as IntoFuture>::IntoFuture;

            fn into_future(self) -> Self::IntoFuture {
                self.get().into_future()
            }
        }

    };
    let set_items = with_set.then(|| {
        quote! {
            #[doc = #set_doc]
            #[derive(Debug, Clone)]
            #[must_use = "a request does nothing until it is sent"]
            pub struct #set {
                client: ODataClient,
                path: String,
            }

            impl #set {
                fn new(client: ODataClient, path: String) -> Self {
                    Self { client, path }
                }

                /// The path of the collection, relative to the service root.
                pub fn path(&self) -> &str {
                    &self.path
                }

                /// Lists the collection, page by page, with query options.
                pub fn list(&self) -> CollectionRequest<#entity> {
                    CollectionRequest::new(self.client.clone(), self.path.clone())
                }

                #key

                #(#set_ops)*
            }
        }
    });
    quote! {
        #single_items
        #set_items
    }
}

/// `get(key)` on a collection builder, when the entity type has a key.
fn key_method(
    model: &Model,
    layout: &Layout,
    conventions: &Conventions,
    builder: &Builder<'_>,
) -> TokenStream {
    let properties = model.all_properties(builder.schema, builder.ty);
    let key: Vec<_> =
        builder.ty.key.iter().filter_map(|k| properties.iter().find(|p| &p.name == k)).collect();
    if key.is_empty() {
        return quote!();
    }
    let single = &builder.single;
    let args: Vec<(Ident, TokenStream, bool)> = key
        .iter()
        .map(|p| {
            let is_string = p.ty.name == "Edm.String";
            let ty = if is_string { quote!(&str) } else { rust_type(model, layout, &p.ty, MODULE).value() };
            (ident(&names::snake(&p.name)), ty, is_string)
        })
        .collect();
    let params = args.iter().map(|(name, ty, _)| quote!(#name: #ty));
    let path = if conventions.key_as_segment && key.len() == 1 {
        let (name, _, is_string) = &args[0];
        let text = if *is_string { quote!(#name) } else { quote!(&#name.to_string()) };
        quote!(format!("{}/{}", self.path, key_segment(#text)))
    } else if key.len() == 1 {
        let (name, ..) = &args[0];
        quote!(format!("{}({})", self.path, #name.to_literal()))
    } else {
        let format =
            format!("{{}}({})", key.iter().map(|p| format!("{}={{}}", p.name)).collect::<Vec<_>>().join(","));
        let values = args.iter().map(|(name, ..)| quote!(#name.to_literal()));
        quote!(format!(#format, self.path, #(#values),*))
    };
    let names: Vec<_> = key.iter().map(|p| format!("`{}`", p.name)).collect();
    let doc = format!("The entity with this key ({}).", names.join(", "));
    quote! {
        #[doc = #doc]
        pub fn get(&self, #(#params),*) -> #single {
            #single::new(self.client.clone(), #path)
        }
    }
}

/// A method that calls an operation: a function (`GET`, parameters in the URL) or an action
/// (`POST`, parameters in a JSON body). `base` is the expression of the runtime client; the
/// URL is the builder's path (bound) or the service root (unbound) plus `segment`.
#[allow(clippy::too_many_arguments)]
fn operation_method(
    model: &Model,
    layout: &Layout,
    conventions: &Conventions,
    method: &Ident,
    operation: &Operation,
    target: &str,
    binding: Option<&Parameter>,
    segment: &str,
    client: TokenStream,
    documented_bases: &[String],
) -> TokenStream {
    let parameters: Vec<&Parameter> =
        operation.parameters.iter().skip(usize::from(binding.is_some())).collect();
    let mut arg_scope = names::Scope::with_reserved(&["self", "body", "url", "path"]);
    let args: Vec<(Ident, TokenStream, &Parameter)> = parameters
        .iter()
        .map(|p| {
            let name = ident(&arg_scope.claim(&names::snake(&p.name)));
            let rust = rust_type(model, layout, &p.ty, MODULE);
            let ty = if p.ty.name == "Edm.String" && !p.ty.collection { quote!(&str) } else { rust.value() };
            let ty = if p.nullable && !p.ty.collection && p.ty.name != "Edm.String" {
                quote!(Option<#ty>)
            } else {
                ty
            };
            (name, ty, *p)
        })
        .collect();
    let params = args.iter().map(|(name, ty, _)| quote!(#name: #ty));
    // Bound operations extend the builder's path; unbound ones start at the service root.
    let base = binding.is_some().then(|| quote!(self.path));
    let prefix = if binding.is_some() { "{}/" } else { "" };

    let mut doc =
        Doc::described(model, &operation.annotations, target, &format!("Calls `{}`.", operation.name));
    let verb = match operation.kind {
        OperationKind::Function => "GET",
        OperationKind::Action => "POST",
    };
    let shown_call = match operation.kind {
        OperationKind::Function if !args.is_empty() => {
            let list: Vec<String> =
                args.iter().map(|(_, _, p)| format!("{}={{{}}}", p.name, p.name)).collect();
            format!("({})", list.join(","))
        }
        OperationKind::Function if !conventions.omit_empty_parentheses => "()".to_owned(),
        _ => String::new(),
    };
    let shown: Vec<String> = if binding.is_some() {
        documented_bases.iter().map(|base| format!("`{verb} {base}/{segment}{shown_call}`")).collect()
    } else {
        vec![format!("`{verb} {}/{segment}{shown_call}`", conventions.root)]
    };
    doc.paragraph(&shown.join("  \n"));
    doc.paragraph(&match &operation.return_type {
        Some(returns) if returns.ty.collection => format!(
            "Returns a collection of `{}`, delivered page by page as the service pages it.",
            model.qualify(&returns.ty.name)
        ),
        Some(returns) => format!("Returns one `{}`.", model.qualify(&returns.ty.name)),
        None => "Returns nothing on success.".to_owned(),
    });
    doc.permissions(model, &operation.annotations, target, OPERATION_RESTRICTIONS);
    for (name, _, parameter) in &args {
        let description = model
            .annotation(
                &parameter.annotations,
                &format!("{target}/{}", parameter.name),
                super::docs::CORE_DESCRIPTION,
            )
            .and_then(crate::csdl::model::Expr::as_str)
            .unwrap_or("");
        doc.line(format!("- `{name}` (`{}`): {description}", parameter.name));
    }
    let doc = doc.tokens();

    match operation.kind {
        OperationKind::Function => {
            let call = if args.is_empty() && conventions.omit_empty_parentheses {
                String::new()
            } else {
                let list: Vec<String> = args
                    .iter()
                    .map(|(_, _, p)| {
                        if by_alias(model, p) {
                            format!("{0}=@{0}", p.name)
                        } else {
                            format!("{}={{}}", p.name)
                        }
                    })
                    .collect();
                let aliases: Vec<String> = args
                    .iter()
                    .filter(|(_, _, p)| by_alias(model, p))
                    .map(|(_, _, p)| format!("@{}={{}}", p.name))
                    .collect();
                if aliases.is_empty() {
                    format!("({})", list.join(","))
                } else {
                    format!("({})?{}", list.join(","), aliases.join("&"))
                }
            };
            let format = format!("{prefix}{}{call}", segment.replace('{', "{{").replace('}', "}}"));
            let literals = args
                .iter()
                .filter(|(_, _, p)| !by_alias(model, p))
                .map(|(name, ..)| quote!(#name.to_literal()));
            let aliased = args
                .iter()
                .filter(|(_, _, p)| by_alias(model, p))
                .map(|(name, ..)| quote!(json_alias_value(&#name)));
            let values = base.iter().cloned().chain(literals).chain(aliased);
            let path = if args.is_empty() && base.is_none() {
                quote!(#format.to_owned())
            } else {
                quote!(format!(#format, #(#values),*))
            };
            let returns = operation.return_type.as_ref().map(|r| &r.ty);
            match returns.map(|ty| (ty, rust_type(model, layout, ty, MODULE))) {
                Some((ty, rust)) if rust.structured.is_some() && ty.collection => {
                    let element = &rust.element;
                    quote! {
                        #doc
                        pub fn #method(&self, #(#params),*) -> CollectionRequest<#element> {
                            CollectionRequest::new(#client.clone(), #path)
                        }
                    }
                }
                Some((_, rust)) if rust.structured.is_some() => {
                    let element = &rust.element;
                    quote! {
                        #doc
                        pub fn #method(&self, #(#params),*) -> EntityRequest<#element> {
                            EntityRequest::new(#client.clone(), #path)
                        }
                    }
                }
                Some((_, rust)) => {
                    let value = rust.value();
                    let (wire, unwrap) = envelope(&rust);
                    quote! {
                        #doc
                        pub async fn #method(&self, #(#params),*) -> Result<#value> {
                            let envelope: ValueEnvelope<#wire> = EntityRequest::new(#client.clone(), #path).await?;
                            Ok(#unwrap)
                        }
                    }
                }
                None => quote!(),
            }
        }
        OperationKind::Action => {
            let format = format!("{prefix}{}", segment.replace('{', "{{").replace('}', "}}"));
            let url_path = match &base {
                Some(base) => quote!(&format!(#format, #base)),
                None => quote!(#format),
            };
            let body = args.iter().map(|(name, _, p)| {
                let wire = &p.name;
                quote!(.param(#wire, &#name)?)
            });
            let send = quote! {
                let url = #client.url(#url_path)?;
                let body = ActionBody::new()#(#body)*;
            };
            match operation.return_type.as_ref().map(|r| (&r.ty, rust_type(model, layout, &r.ty, MODULE))) {
                Some((ty, rust)) if rust.structured.is_some() && !ty.collection => {
                    let element = &rust.element;
                    quote! {
                        #doc
                        pub async fn #method(&self, #(#params),*) -> Result<#element> {
                            #send
                            #client.send_json(defender_runtime::Method::POST, url, &body).await
                        }
                    }
                }
                Some((_, rust)) => {
                    let value = rust.value();
                    let (wire, unwrap) = envelope(&rust);
                    quote! {
                        #doc
                        pub async fn #method(&self, #(#params),*) -> Result<#value> {
                            #send
                            let envelope: ValueEnvelope<#wire> = #client.send_json(defender_runtime::Method::POST, url, &body).await?;
                            Ok(#unwrap)
                        }
                    }
                }
                None => quote! {
                    #doc
                    pub async fn #method(&self, #(#params),*) -> Result<()> {
                        #send
                        let _: serde::de::IgnoredAny = #client.send_json(defender_runtime::Method::POST, url, &body).await?;
                        Ok(())
                    }
                },
            }
        }
    }
}

/// Whether a function parameter is passed as a JSON parameter alias rather than inline: the URL
/// conventions allow only primitive and enumeration literals inline.
fn by_alias(model: &Model, parameter: &Parameter) -> bool {
    parameter.ty.collection
        || !matches!(
            model.resolve(&parameter.ty.name),
            Some(Resolved::Edm(_) | Resolved::Enum(..) | Resolved::Definition(..))
        )
}

/// How a `{"value": …}` result is decoded and unwrapped: primitives leniently through `Wire`.
fn envelope(rust: &super::types::RustType) -> (TokenStream, TokenStream) {
    let value = rust.value();
    match rust.decode {
        super::types::Decode::Wire => (quote!(Wire<#value>), quote!(envelope.value.into_inner())),
        super::types::Decode::Own => (value, quote!(envelope.value)),
    }
}

fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}
