//! Prints the `client` module from the [`ApiPlan`]: the client type's methods, the request
//! builders they return, and the methods that call functions and actions with their parameters
//! written where the plan says the service expects them (OData literals in parentheses, JSON
//! parameter aliases, plain query options, or a JSON body). Nothing is decided here.
//!
//! Every method is `#[inline]`. The methods are not generic, so without it the SDK crate would
//! compile each one and, through it, the runtime's generic sending and decoding for every entity
//! type of every enabled feature. Inline, they are compiled in the program that calls them, for
//! the types it uses; the SDK itself then compiles in a fraction of the time.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::types::{Decode, RustType, rust_type};
use crate::csdl::Model;
use crate::csdl::model::{OperationKind, TypeRef};
use crate::csdl::resolve::Resolved;
use crate::plan::{
    ApiPlan, Argument, BuilderPlan, CLIENT_MODULE, ClientMethod, Features, KeyForm, KeyLookup, Layout,
    OperationPlan, ParamLocation,
};

/// What rendering reads: the model and layout to write types, the features to gate items.
pub struct Printer<'a> {
    /// The checked model, to resolve type references.
    pub model: &'a Model,
    /// Type names and modules.
    pub layout: &'a Layout,
    /// Features, for `#[cfg]`.
    pub features: &'a Features,
}

/// The start of the `client` module: its import and the endpoint methods on `client` (a path
/// such as `crate::DefenderClient`).
pub fn client_head(printer: &Printer<'_>, plan: &ApiPlan, client: &TokenStream) -> TokenStream {
    let methods = plan.methods.iter().map(|method| match method {
        ClientMethod::Root { method, doc, features, builder, path } => {
            let (method, builder, doc) = (ident(method), ident(builder), doc.tokens());
            let cfg = printer.features.cfg(features);
            quote! {
                #doc
                #cfg
                #[inline]
                pub fn #method(&self) -> #builder {
                    #builder::new(self.runtime().clone(), #path.to_owned())
                }
            }
        }
        ClientMethod::Operation { features, operation } => {
            let cfg = printer.features.cfg(features);
            let method = operation_method(printer, operation);
            quote!(#cfg #method)
        }
    });
    let uses = super::prelude();
    quote! {
        #uses
        impl #client {
            #(#methods)*
        }
    }
}

/// The request builders of `builders`, a run of the plan's: the client module's middle,
/// rendered in runs so that a service with hundreds of builders is shared over the cores.
pub fn builders(printer: &Printer<'_>, builders: &[BuilderPlan]) -> TokenStream {
    builders.iter().map(|builder| builder_items(printer, builder)).collect()
}

/// The end of the `client` module: the body structs of operation imports.
pub fn import_bodies(printer: &Printer<'_>, plan: &ApiPlan) -> TokenStream {
    plan.methods
        .iter()
        .filter_map(|method| match method {
            ClientMethod::Operation { features, operation } => {
                let cfg = printer.features.cfg(features);
                body_struct(printer, operation).map(|body| quote!(#cfg #body))
            }
            ClientMethod::Root { .. } => None,
        })
        .collect()
}

fn builder_items(printer: &Printer<'_>, builder: &BuilderPlan) -> TokenStream {
    let Printer { model, layout, features } = printer;
    let namespace = builder.namespace.as_str();
    let entity = layout.path(namespace, &builder.entity_name, CLIENT_MODULE);
    let (single, set) = (ident(&builder.single), ident(&builder.set));
    let mut single_ops = Vec::new();
    let mut set_ops = Vec::new();
    let mut bodies = Vec::new();
    for bound in &builder.operations {
        let method = operation_method(printer, &bound.operation);
        if bound.on_collection {
            set_ops.push(method)
        } else {
            single_ops.push(method)
        }
        bodies.extend(body_struct(printer, &bound.operation));
    }
    for navigation in &builder.navigations {
        let method = ident(&navigation.method);
        let element = rust_type(model, layout, &navigation.ty, CLIENT_MODULE).element;
        let doc = navigation.doc.tokens();
        let format = format!("{{}}/{}", navigation.segment);
        single_ops.push(if let Some(builder) = &navigation.builder {
            let builder = ident(builder);
            quote! {
                #doc
                #[inline]
                pub fn #method(&self) -> #builder {
                    #builder::new(self.client.clone(), format!(#format, self.path))
                }
            }
        } else if navigation.ty.collection {
            quote! {
                #doc
                #[inline]
                pub fn #method(&self) -> CollectionRequest<#element> {
                    CollectionRequest::new(self.client.clone(), format!(#format, self.path))
                }
            }
        } else {
            quote! {
                #doc
                #[inline]
                pub fn #method(&self) -> EntityRequest<#element> {
                    EntityRequest::new(self.client.clone(), format!(#format, self.path))
                }
            }
        });
    }
    let input = layout.input_path(namespace, &builder.entity_name, CLIENT_MODULE);
    if let (Some(doc), Some(input)) = (&builder.update, &input) {
        let doc = doc.tokens();
        single_ops.push(quote! {
            #doc
            #[inline]
            pub async fn update(&self, changes: &#input) -> Result<Option<#entity>> {
                let url = self.client.url(&self.path)?;
                self.client.send_json(defender_runtime::Method::PATCH, url, changes).await
            }
        });
    }
    if let Some(doc) = &builder.delete {
        let doc = doc.tokens();
        single_ops.push(quote! {
            #doc
            #[inline]
            pub async fn delete(&self) -> Result<()> {
                let url = self.client.url(&self.path)?;
                self.client.delete(url).await
            }
        });
    }
    if let (Some(doc), Some(input)) = (&builder.create, &input) {
        let doc = doc.tokens();
        set_ops.push(quote! {
            #doc
            #[inline]
            pub async fn create(&self, input: &#input) -> Result<Option<#entity>> {
                let url = self.client.url(&self.path)?;
                self.client.send_json(defender_runtime::Method::POST, url, input).await
            }
        });
    }

    let key = builder.key.as_ref().map(|key| key_method(printer, &single, key));
    let link = format!("[`{}`]({})", builder.entity_name, builder.link);
    let single_doc = format!(" A request for one {link}. Await it to read the entity.");
    let set_doc = format!(" A request for a collection of {link}.");
    let cfg = features.cfg(&builder.features);
    let single_items = quote! {
        #[doc = #single_doc]
        #cfg
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is awaited"]
        pub struct #single {
            client: ODataClient,
            path: String,
        }

        #cfg
        impl #single {
            #[inline]
            fn new(client: ODataClient, path: String) -> Self {
                Self { client, path }
            }

            /// The path of the entity, relative to the service root.
            #[inline]
            pub fn path(&self) -> &str {
                &self.path
            }

            /// A request for the entity itself, to refine with `$select` or `$expand` before
            /// awaiting it.
            #[inline]
            pub fn get(&self) -> EntityRequest<#entity> {
                EntityRequest::new(self.client.clone(), self.path.clone())
            }

            #(#single_ops)*
        }

        #cfg
        impl IntoFuture for #single {
            type Output = Result<#entity>;
            type IntoFuture = <EntityRequest<#entity> as IntoFuture>::IntoFuture;

            #[inline]
            fn into_future(self) -> Self::IntoFuture {
                self.get().into_future()
            }
        }
    };
    let list = builder.readable.then(|| {
        quote! {
            /// Lists the collection, page by page, with query options.
            #[inline]
            pub fn list(&self) -> CollectionRequest<#entity> {
                CollectionRequest::new(self.client.clone(), self.path.clone())
            }
        }
    });
    let set_items = builder.listed.then(|| {
        quote! {
            #[doc = #set_doc]
            #cfg
            #[derive(Debug, Clone)]
            #[must_use = "a request does nothing until it is sent"]
            pub struct #set {
                client: ODataClient,
                path: String,
            }

            #cfg
            impl #set {
                #[inline]
                fn new(client: ODataClient, path: String) -> Self {
                    Self { client, path }
                }

                /// The path of the collection, relative to the service root.
                #[inline]
                pub fn path(&self) -> &str {
                    &self.path
                }

                #list

                #key

                #(#set_ops)*
            }
        }
    });
    let bodies = bodies.into_iter().map(|items| quote!(#cfg #items));
    quote! {
        #single_items
        #set_items
        #(#bodies)*
    }
}

/// `get(key)` on a collection builder.
fn key_method(printer: &Printer<'_>, single: &Ident, key: &KeyLookup) -> TokenStream {
    let args: Vec<(Ident, TokenStream, bool)> = key
        .parts
        .iter()
        .map(|part| {
            let ty = if part.is_string() {
                quote!(&str)
            } else {
                rust_type(printer.model, printer.layout, &part.ty, CLIENT_MODULE).value()
            };
            (ident(&part.argument), ty, part.is_string())
        })
        .collect();
    let params = args.iter().map(|(name, ty, _)| quote!(#name: #ty));
    let path = match key.form {
        KeyForm::Segment => {
            let (name, _, is_string) = &args[0];
            let text = if *is_string { quote!(#name) } else { quote!(&#name.to_string()) };
            quote!(format!("{}/{}", self.path, key_segment(#text)))
        }
        KeyForm::Parenthesized => {
            let (name, ..) = &args[0];
            quote!(format!("{}({})", self.path, #name.to_literal()))
        }
        KeyForm::Named => {
            let parts: Vec<String> = key.parts.iter().map(|p| format!("{}={{}}", p.wire)).collect();
            let format = format!("{{}}({})", parts.join(","));
            let values = args.iter().map(|(name, ..)| quote!(#name.to_literal()));
            quote!(format!(#format, self.path, #(#values),*))
        }
    };
    let doc = key.doc.tokens();
    quote! {
        #doc
        #[inline]
        pub fn get(&self, #(#params),*) -> #single {
            #single::new(self.client.clone(), #path)
        }
    }
}

/// A method calling the planned operation: `GET` for a function, `POST` for an action.
fn operation_method(printer: &Printer<'_>, plan: &OperationPlan) -> TokenStream {
    let Printer { model, layout, .. } = printer;
    let params: Vec<TokenStream> = match &plan.body {
        Some(body) => {
            let name = ident(&body.name);
            vec![quote!(body: &#name)]
        }
        None => plan
            .arguments
            .iter()
            .map(|a| {
                let (name, ty) = (ident(&a.name), argument_type(printer, plan, a));
                quote!(#name: #ty)
            })
            .collect(),
    };
    let doc = plan.doc.tokens();
    let client = if plan.bound { quote!(self.client) } else { quote!(self.runtime()) };
    let segment = plan.segment.replace('{', "{{").replace('}', "}}");
    let prefix = if plan.bound { "{}/" } else { "" };
    let base = plan.bound.then(|| quote!(self.path));
    let method = ident(&plan.method);
    let returns = plan.returns.as_ref().map(|ty| (ty, rust_type(model, layout, ty, CLIENT_MODULE)));

    match plan.kind {
        OperationKind::Function => {
            let (path, setup) = function_path(plan, &segment, prefix, base.as_ref());
            match returns {
                Some((ty, rust)) if rust.structured.is_some() && ty.collection => {
                    let element = &rust.element;
                    quote! {
                        #doc
                        #[inline]
                        pub fn #method(&self, #(#params),*) -> CollectionRequest<#element> {
                            #setup
                            CollectionRequest::new(#client.clone(), #path)
                        }
                    }
                }
                Some((_, rust)) if rust.structured.is_some() => {
                    let element = &rust.element;
                    let rows = plan
                        .export_rows
                        .as_ref()
                        .map(|rows| export_rows_method(printer, plan, rows, &params, &client, &path, &setup));
                    quote! {
                        #doc
                        #[inline]
                        pub fn #method(&self, #(#params),*) -> EntityRequest<#element> {
                            #setup
                            EntityRequest::new(#client.clone(), #path)
                        }

                        #rows
                    }
                }
                Some((_, rust)) => {
                    let value = rust.value();
                    let (wire, unwrap) = envelope(&rust);
                    quote! {
                        #doc
                        #[inline]
                        pub async fn #method(&self, #(#params),*) -> Result<#value> {
                            #setup
                            let value_envelope: ValueEnvelope<#wire> = EntityRequest::new(#client.clone(), #path).await?;
                            Ok(#unwrap)
                        }
                    }
                }
                None => quote!(),
            }
        }
        OperationKind::Action => {
            let format = format!("{prefix}{segment}");
            let url_path = match &base {
                Some(base) => quote!(&format!(#format, #base)),
                None => quote!(#format),
            };
            let body = plan.arguments.iter().map(|a| {
                let (wire, name) = (&a.wire, ident(&a.name));
                if a.optional {
                    quote!(.param_opt(#wire, #name.as_ref())?)
                } else {
                    quote!(.param(#wire, &#name)?)
                }
            });
            let send = if plan.body.is_some() {
                quote!(let request_url = #client.url(#url_path)?;)
            } else {
                quote! {
                    let request_url = #client.url(#url_path)?;
                    let request_body = ActionBody::new()#(#body)*;
                }
            };
            // The body struct the caller passed, or the one built from the arguments.
            let body = if plan.body.is_some() { quote!(body) } else { quote!(request_body) };
            match returns {
                Some((ty, rust)) if rust.structured.is_some() && !ty.collection => {
                    let element = &rust.element;
                    quote! {
                        #doc
                        #[inline]
                        pub async fn #method(&self, #(#params),*) -> Result<#element> {
                            #send
                            #client.send_json(defender_runtime::Method::POST, request_url, &#body).await
                        }
                    }
                }
                Some((_, rust)) => {
                    let value = rust.value();
                    let (wire, unwrap) = envelope(&rust);
                    quote! {
                        #doc
                        #[inline]
                        pub async fn #method(&self, #(#params),*) -> Result<#value> {
                            #send
                            let value_envelope: ValueEnvelope<#wire> = #client.send_json(defender_runtime::Method::POST, request_url, &#body).await?;
                            Ok(#unwrap)
                        }
                    }
                }
                None => quote! {
                    #doc
                    #[inline]
                    pub async fn #method(&self, #(#params),*) -> Result<()> {
                        #send
                        let _: serde::de::IgnoredAny = #client.send_json(defender_runtime::Method::POST, request_url, &#body).await?;
                        Ok(())
                    }
                },
            }
        }
    }
}

/// The method streaming the rows of an export "via files", beside the one that returns its
/// file links: the same parameters and path, behind the crate's `exports` feature (which adds
/// the decompressor).
fn export_rows_method(
    printer: &Printer<'_>,
    plan: &OperationPlan,
    rows: &crate::plan::ExportRowsPlan,
    params: &[TokenStream],
    client: &TokenStream,
    path: &TokenStream,
    setup: &TokenStream,
) -> TokenStream {
    // File rows name no type: the row type itself, never its polymorphic `Any…` enum.
    let row = printer.layout.exact_path(&rows.row_type, CLIENT_MODULE);
    let method = ident(&rows.method);
    let row_name = rows.row_type.rsplit('.').next().unwrap_or(&rows.row_type);
    let doc = format!(
        " Every row of [`{0}`](Self::{0})'s files, downloaded, decompressed and decoded into `{row_name}`: \
         each row once, a few files at a time, in bounded memory (see \
         [`ExportRows`](defender_runtime::export::ExportRows)). The storage links get no token.",
        plan.method,
    );
    let feature = crate::plan::EXPORTS_FEATURE;
    let needs = format!(" Needs the `{feature}` feature.");
    quote! {
        #[doc = #doc]
        #[doc = ""]
        #[doc = #needs]
        #[cfg(feature = #feature)]
        #[inline]
        pub fn #method(&self, #(#params),*) -> defender_runtime::export::ExportRows<#row> {
            #setup
            defender_runtime::export::ExportRows::new(#client.clone(), #path)
        }
    }
}

/// The body struct of an action with many parameters, when the plan gives it one: required
/// parameters are plain fields, optional ones `Option`s left out of the JSON when `None`.
fn body_struct(printer: &Printer<'_>, plan: &OperationPlan) -> Option<TokenStream> {
    let body = plan.body.as_ref()?;
    let name = ident(&body.name);
    let fields = plan.arguments.iter().map(|a| {
        let (field, wire) = (ident(&a.name), &a.wire);
        let value = parameter_type(printer, &a.ty, OperationKind::Action);
        let doc = format!(" `{wire}`: {}", a.description);
        if a.optional {
            quote! {
                #[doc = #doc]
                #[serde(rename = #wire, skip_serializing_if = "Option::is_none")]
                pub #field: Option<#value>,
            }
        } else {
            quote! {
                #[doc = #doc]
                #[serde(rename = #wire)]
                pub #field: #value,
            }
        }
    });
    let doc = format!(" The JSON body of `{}`.", plan.name);
    let derive_default = if plan.arguments.iter().all(|a| a.optional) { quote!(Default,) } else { quote!() };
    Some(quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, #derive_default serde::Serialize)]
        pub struct #name {
            #(#fields)*
        }
    })
}

/// The Rust type of an argument: `&str` for a string, `Option` when it may be left out.
fn argument_type(printer: &Printer<'_>, plan: &OperationPlan, argument: &Argument) -> TokenStream {
    let ty = if argument.is_str() { quote!(&str) } else { parameter_type(printer, &argument.ty, plan.kind) };
    if argument.optional { quote!(Option<#ty>) } else { ty }
}

/// The expression of a function's path, and any statements that build it.
fn function_path(
    plan: &OperationPlan,
    segment: &str,
    prefix: &str,
    base: Option<&TokenStream>,
) -> (TokenStream, TokenStream) {
    let arguments = &plan.arguments;
    if plan.query_options {
        let pushes = arguments.iter().map(|a| {
            let (wire, name) = (&a.wire, ident(&a.name));
            let value = if a.ty.collection {
                quote!(&#name.iter().map(ToString::to_string).collect::<Vec<_>>().join(","))
            } else if a.is_str() {
                quote!(#name)
            } else {
                quote!(&#name)
            };
            match (a.optional, a.ty.collection, a.is_str()) {
                (false, ..) => quote!(query_options.push(#wire, #value);),
                (true, true, _) => quote! {
                    if let Some(#name) = &#name {
                        query_options.push(#wire, &#name.iter().map(ToString::to_string).collect::<Vec<_>>().join(","));
                    }
                },
                (true, false, true) => quote!(query_options.push_opt(#wire, #name);),
                (true, false, false) => quote!(query_options.push_opt(#wire, #name.as_ref());),
            }
        });
        let format = format!("{prefix}{segment}{{}}");
        let values = base.into_iter().cloned().chain(std::iter::once(quote!(query_options)));
        let setup = if arguments.is_empty() {
            quote!(let query_options = QueryString::default();)
        } else {
            quote!(let mut query_options = QueryString::default(); #(#pushes)*)
        };
        return (quote!(format!(#format, #(#values),*)), setup);
    }
    let by_alias = |a: &&Argument| a.location == ParamLocation::Alias;
    let mut call = plan.parameter_list(|_| "{}".to_owned());
    let aliases: Vec<String> =
        arguments.iter().filter(by_alias).map(|a| format!("@{}={{}}", a.wire)).collect();
    if !aliases.is_empty() {
        call = format!("{call}?{}", aliases.join("&"));
    }
    let format = format!("{prefix}{segment}{call}");
    let literals = arguments.iter().filter(|a| !by_alias(a)).map(|a| {
        let name = ident(&a.name);
        quote!(#name.to_literal())
    });
    let aliased = arguments.iter().filter(by_alias).map(|a| {
        let name = ident(&a.name);
        quote!(json_alias_value(&#name))
    });
    let values: Vec<TokenStream> = base.into_iter().cloned().chain(literals).chain(aliased).collect();
    let path =
        if values.is_empty() { quote!(#format.to_owned()) } else { quote!(format!(#format, #(#values),*)) };
    (path, quote!())
}

/// The Rust type of a parameter. An action that takes entities takes their create/update body
/// type where there is one, so that a request never carries an empty key the caller had to
/// invent.
fn parameter_type(printer: &Printer<'_>, ty: &TypeRef, kind: OperationKind) -> TokenStream {
    let input = match (kind, printer.model.resolve(&ty.name)) {
        (OperationKind::Action, Some(Resolved::Structured(schema, structured))) => {
            printer.layout.input_path(&schema.namespace, &structured.name, CLIENT_MODULE)
        }
        _ => None,
    };
    match input {
        Some(input) if ty.collection => quote!(Vec<#input>),
        Some(input) => input,
        None => rust_type(printer.model, printer.layout, ty, CLIENT_MODULE).value(),
    }
}

/// How a `{"value": …}` result is decoded and unwrapped: primitives leniently through `Wire`.
fn envelope(rust: &RustType) -> (TokenStream, TokenStream) {
    let value = rust.value();
    match rust.decode {
        Decode::Wire => (quote!(Wire<#value>), quote!(value_envelope.value.into_inner())),
        Decode::Own => (value, quote!(value_envelope.value)),
    }
}

/// An identifier from a name the plan claimed (`r#type` becomes a raw identifier).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}
