//! Methods that call functions and actions, with their parameters written where the service
//! expects them: OData literals in parentheses, JSON parameter aliases, plain query options,
//! or a JSON body.

use crate::csdl::vocab::Term;
use std::collections::HashSet;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::Layout;
use super::docs::Doc;
use super::names;
use super::types::{Decode, RustType, rust_type};
use crate::csdl::Model;
use crate::csdl::model::{EntityContainer, Expr, Operation, OperationKind, Parameter, Schema};
use crate::csdl::resolve::Resolved;

/// The module endpoints are generated into.
pub const MODULE: &str = "client";

/// How the service departs from the OData URL conventions, read from the annotations.
pub struct Conventions {
    /// The service root's path as documentation shows URLs (`/api`).
    pub root: String,
    /// Keys are path segments.
    pub key_as_segment: bool,
    /// Namespaces whose operations are called unqualified.
    pub unqualified: HashSet<String>,
    /// Functions without parameters are called without `()`.
    pub omit_empty_parentheses: bool,
}

impl Conventions {
    /// The conventions of `container` and the schemas of `model`.
    pub fn of(model: &Model, schema: &Schema, container: &EntityContainer, root: &str) -> Self {
        let target = format!("{}.{}", schema.namespace, container.name);
        let tag = |term| is_tag(model.annotation(&container.annotations, &target, term));
        Self {
            root: root.trim_end_matches('/').to_owned(),
            key_as_segment: tag(Term::KeyAsSegmentSupported),
            omit_empty_parentheses: tag(Term::EmptyParameterListOmitted),
            unqualified: model
                .document
                .schemas
                .iter()
                .filter(|s| {
                    is_tag(model.annotation(&s.annotations, &s.namespace, Term::CoreDefaultNamespace))
                })
                .map(|s| s.namespace.clone())
                .collect(),
        }
    }
}

/// Whether an annotation value is a tag that is set.
pub fn is_tag(value: Option<&Expr>) -> bool {
    matches!(value, Some(Expr::Bool(true)))
}

/// What the generator needs to write any endpoint.
pub struct Context<'a> {
    /// The checked model.
    pub model: &'a Model,
    /// Type names and modules.
    pub layout: &'a Layout,
    /// URL conventions.
    pub conventions: Conventions,
}

/// One operation to generate a method for.
pub struct Call<'a> {
    /// The method's name.
    pub method: Ident,
    /// The overload.
    pub operation: &'a Operation,
    /// The operation's qualified name, the target of its annotations.
    pub target: String,
    /// Whether it extends a builder's path (bound) or starts at the service root.
    pub bound: bool,
    /// The URL segment(s) after the base.
    pub segment: String,
    /// The expression of the runtime client.
    pub client: TokenStream,
    /// The documented URLs of the base, for rustdoc.
    pub documented_bases: &'a [String],
}

struct Arg<'a> {
    name: Ident,
    ty: TokenStream,
    parameter: &'a Parameter,
    optional: bool,
    by_alias: bool,
    is_str: bool,
}

/// Actions with more parameters than this take them as one body struct, not as arguments.
const MAX_ACTION_ARGUMENTS: usize = 4;

/// A generated method, and any items it needs beside the `impl` (a body struct).
pub struct Method {
    /// The method, to place in an `impl` block.
    pub method: TokenStream,
    /// Items for the module.
    pub items: TokenStream,
    /// How the method is called, for the catalog: `isolate(comment, isolation_type)`.
    pub call: String,
}

/// The arguments of `call`'s method, and whether a function takes them as query options.
fn arguments<'a>(context: &Context<'_>, call: &Call<'a>) -> (Vec<Arg<'a>>, bool) {
    let model = context.model;
    let operation = call.operation;
    let query_options =
        is_tag(model.annotation(&operation.annotations, &call.target, Term::ParametersAsQueryOptions));
    let mut arg_scope = names::Scope::with_reserved(&["self", "body", "url", "path", "query", "envelope"]);
    let args = operation
        .parameters
        .iter()
        .skip(usize::from(call.bound))
        .map(|parameter| {
            let target = format!("{}/{}", call.target, parameter.name);
            let optional = parameter.nullable
                || model.annotation(&parameter.annotations, &target, Term::CoreOptionalParameter).is_some();
            let is_str = parameter.ty.name == "Edm.String" && !parameter.ty.collection;
            let ty =
                if is_str { quote!(&str) } else { parameter_type(context, &parameter.ty, operation.kind) };
            let ty = if optional { quote!(Option<#ty>) } else { ty };
            let by_alias =
                operation.kind == OperationKind::Function && !query_options && by_alias(model, parameter);
            Arg {
                name: ident(&arg_scope.claim(&names::snake(&parameter.name))),
                ty,
                parameter,
                optional,
                by_alias,
                is_str,
            }
        })
        .collect();
    (args, query_options)
}

/// How the catalog describes a call: the URL segment(s) after the base, with `{name}`
/// placeholders for parameters written inside the path, and each parameter with where it goes.
pub fn catalog_call(context: &Context<'_>, call: &Call<'_>) -> (String, Vec<super::catalog::Param>) {
    let (args, query_options) = arguments(context, call);
    let model = context.model;
    let params = args
        .iter()
        .map(|a| super::catalog::Param {
            name: a.parameter.name.clone(),
            ty: model.qualify(&a.parameter.ty.name),
            collection: a.parameter.ty.collection,
            optional: a.optional,
            location: match call.operation.kind {
                OperationKind::Action => "Body",
                OperationKind::Function if query_options => "Query",
                OperationKind::Function if a.by_alias => "Alias",
                OperationKind::Function => "Literal",
            },
        })
        .collect();
    let segment = match call.operation.kind {
        OperationKind::Function if !query_options => {
            let list = parameter_list(&context.conventions, &args, |name| format!("{{{name}}}"));
            format!("{}{list}", call.segment)
        }
        _ => call.segment.clone(),
    };
    (segment, params)
}

/// A method calling `call.operation`: `GET` for a function, `POST` for an action.
pub fn operation_method(context: &Context<'_>, call: &Call<'_>, body_scope: &mut names::Scope) -> Method {
    let Context { model, layout, conventions } = context;
    let operation = call.operation;
    let (args, query_options) = arguments(context, call);
    let body_struct = (operation.kind == OperationKind::Action && args.len() > MAX_ACTION_ARGUMENTS)
        .then(|| ident(&body_scope.claim(&format!("{}Body", names::camel(&operation.name)))));
    let params: Vec<TokenStream> = match &body_struct {
        Some(name) => vec![quote!(body: &#name)],
        None => args
            .iter()
            .map(|a| {
                let (name, ty) = (&a.name, &a.ty);
                quote!(#name: #ty)
            })
            .collect(),
    };
    let doc = operation_doc(context, call, &args, query_options, body_struct.as_ref());
    let items =
        body_struct.as_ref().map(|name| body_struct_items(context, call, name, &args)).unwrap_or_default();
    let client = &call.client;
    let segment = call.segment.replace('{', "{{").replace('}', "}}");
    let prefix = if call.bound { "{}/" } else { "" };
    let base = call.bound.then(|| quote!(self.path));
    let method = &call.method;
    let returns = operation.return_type.as_ref().map(|r| (&r.ty, rust_type(model, layout, &r.ty, MODULE)));

    let method = match operation.kind {
        OperationKind::Function => {
            let (path, setup) =
                function_path(conventions, &args, &segment, prefix, base.as_ref(), query_options);
            match returns {
                Some((ty, rust)) if rust.structured.is_some() && ty.collection => {
                    let element = &rust.element;
                    quote! {
                        #doc
                        pub fn #method(&self, #(#params),*) -> CollectionRequest<#element> {
                            #setup
                            CollectionRequest::new(#client.clone(), #path)
                        }
                    }
                }
                Some((_, rust)) if rust.structured.is_some() => {
                    let element = &rust.element;
                    quote! {
                        #doc
                        pub fn #method(&self, #(#params),*) -> EntityRequest<#element> {
                            #setup
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
                            #setup
                            let envelope: ValueEnvelope<#wire> = EntityRequest::new(#client.clone(), #path).await?;
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
            let body = args.iter().map(|a| {
                let (wire, name) = (&a.parameter.name, &a.name);
                if a.optional {
                    quote!(.param_opt(#wire, #name.as_ref())?)
                } else {
                    quote!(.param(#wire, &#name)?)
                }
            });
            let send = if body_struct.is_some() {
                quote!(let url = #client.url(#url_path)?;)
            } else {
                quote! {
                    let url = #client.url(#url_path)?;
                    let body = ActionBody::new()#(#body)*;
                }
            };
            match returns {
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
    };
    let call_text = match &body_struct {
        Some(body) => format!("{}(&{body} {{ .. }})", call.method),
        None => {
            let names: Vec<String> = args.iter().map(|a| a.name.to_string()).collect();
            format!("{}({})", call.method, names.join(", "))
        }
    };
    Method { method, items, call: call_text }
}

/// The body struct of an action with many parameters: required ones are plain fields, optional
/// ones `Option`s left out of the JSON when `None`.
fn body_struct_items(context: &Context<'_>, call: &Call<'_>, name: &Ident, args: &[Arg<'_>]) -> TokenStream {
    let model = context.model;
    let fields = args.iter().map(|a| {
        let (field, wire) = (&a.name, &a.parameter.name);
        let value = parameter_type(context, &a.parameter.ty, OperationKind::Action);
        let target = format!("{}/{}", call.target, wire);
        let text = model
            .annotation(&a.parameter.annotations, &target, Term::CoreDescription)
            .and_then(Expr::as_str)
            .unwrap_or("");
        let doc = format!(" `{wire}`: {text}");
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
    let doc = format!(" The JSON body of `{}`.", call.operation.name);
    let derive_default = if args.iter().all(|a| a.optional) { quote!(Default,) } else { quote!() };
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, PartialEq, #derive_default serde::Serialize)]
        pub struct #name {
            #(#fields)*
        }
    }
}

/// A function's parameters in URL-convention form, `(a=…,b=@b)`: `inline` writes the value
/// of a parameter placed in the path, and one passed by alias is named. Empty when the
/// conventions drop the parentheses of a call without parameters. The catalog's templates and
/// the generated methods' format strings both come from here, so they cannot disagree.
fn parameter_list(conventions: &Conventions, args: &[Arg<'_>], inline: impl Fn(&str) -> String) -> String {
    if args.is_empty() && conventions.omit_empty_parentheses {
        return String::new();
    }
    let list: Vec<String> = args
        .iter()
        .map(|a| {
            let name = &a.parameter.name;
            if a.by_alias { format!("{name}=@{name}") } else { format!("{name}={}", inline(name)) }
        })
        .collect();
    format!("({})", list.join(","))
}

/// The expression of a function's path, and any statements that build it.
fn function_path(
    conventions: &Conventions,
    args: &[Arg<'_>],
    segment: &str,
    prefix: &str,
    base: Option<&TokenStream>,
    query_options: bool,
) -> (TokenStream, TokenStream) {
    if query_options {
        let pushes = args.iter().map(|a| {
            let (wire, name) = (&a.parameter.name, &a.name);
            let value = if a.parameter.ty.collection {
                quote!(&#name.iter().map(ToString::to_string).collect::<Vec<_>>().join(","))
            } else if a.is_str {
                quote!(#name)
            } else {
                quote!(&#name)
            };
            match (a.optional, a.parameter.ty.collection, a.is_str) {
                (false, ..) => quote!(query.push(#wire, #value);),
                (true, true, _) => quote! {
                    if let Some(#name) = &#name {
                        query.push(#wire, &#name.iter().map(ToString::to_string).collect::<Vec<_>>().join(","));
                    }
                },
                (true, false, true) => quote!(query.push_opt(#wire, #name);),
                (true, false, false) => quote!(query.push_opt(#wire, #name.as_ref());),
            }
        });
        let format = format!("{prefix}{segment}{{}}");
        let values = base.into_iter().cloned().chain(std::iter::once(quote!(query)));
        let setup = if args.is_empty() {
            quote!(let query = QueryString::default();)
        } else {
            quote!(let mut query = QueryString::default(); #(#pushes)*)
        };
        return (quote!(format!(#format, #(#values),*)), setup);
    }
    let mut call = parameter_list(conventions, args, |_| "{}".to_owned());
    let aliases: Vec<String> =
        args.iter().filter(|a| a.by_alias).map(|a| format!("@{}={{}}", a.parameter.name)).collect();
    if !aliases.is_empty() {
        call = format!("{call}?{}", aliases.join("&"));
    }
    let format = format!("{prefix}{segment}{call}");
    let literals = args.iter().filter(|a| !a.by_alias).map(|a| {
        let name = &a.name;
        quote!(#name.to_literal())
    });
    let aliased = args.iter().filter(|a| a.by_alias).map(|a| {
        let name = &a.name;
        quote!(json_alias_value(&#name))
    });
    let values: Vec<TokenStream> = base.into_iter().cloned().chain(literals).chain(aliased).collect();
    let path =
        if values.is_empty() { quote!(#format.to_owned()) } else { quote!(format!(#format, #(#values),*)) };
    (path, quote!())
}

fn operation_doc(
    context: &Context<'_>,
    call: &Call<'_>,
    args: &[Arg<'_>],
    query_options: bool,
    body_struct: Option<&Ident>,
) -> TokenStream {
    let model = context.model;
    let operation = call.operation;
    let mut doc =
        Doc::described(model, &operation.annotations, &call.target, &format!("Calls `{}`.", operation.name));
    let verb = match operation.kind {
        OperationKind::Function => "GET",
        OperationKind::Action => "POST",
    };
    let shown_call = match operation.kind {
        OperationKind::Function if query_options && !args.is_empty() => {
            let list: Vec<String> = args.iter().map(|a| format!("{0}={{{0}}}", a.parameter.name)).collect();
            format!("?{}", list.join("&"))
        }
        OperationKind::Function if !args.is_empty() => {
            let list: Vec<String> = args.iter().map(|a| format!("{0}={{{0}}}", a.parameter.name)).collect();
            format!("({})", list.join(","))
        }
        OperationKind::Function if !context.conventions.omit_empty_parentheses && !query_options => {
            "()".to_owned()
        }
        _ => String::new(),
    };
    let shown: Vec<String> = if call.bound {
        call.documented_bases
            .iter()
            .map(|base| format!("`{verb} {base}/{}{shown_call}`", call.segment))
            .collect()
    } else {
        vec![format!("`{verb} {}/{}{shown_call}`", context.conventions.root, call.segment)]
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
    doc.permissions(model, &operation.annotations, &call.target, Term::OperationRestrictions);
    if !args.is_empty() {
        let place = match operation.kind {
            OperationKind::Action => "JSON body",
            OperationKind::Function if query_options => "query",
            OperationKind::Function => "URL",
        };
        doc.paragraph(&format!("# Parameters ({place})"));
        if let Some(body) = body_struct {
            doc.paragraph(&format!("Passed as one [`{body}`]."));
        }
        doc.line("");
        for arg in args {
            let target = format!("{}/{}", call.target, arg.parameter.name);
            let description = model
                .annotation(&arg.parameter.annotations, &target, Term::CoreDescription)
                .and_then(Expr::as_str)
                .unwrap_or("");
            let optional = if arg.optional { ", optional: `None` leaves it out" } else { "" };
            doc.line(format!("- `{}` (`{}`{optional}): {description}", arg.name, arg.parameter.name));
        }
    }
    doc.tokens()
}

/// The Rust type of a parameter. An action that takes entities takes their create/update body
/// type where there is one, so that a request never carries an empty key the caller had to
/// invent.
fn parameter_type(
    context: &Context<'_>,
    ty: &crate::csdl::model::TypeRef,
    kind: OperationKind,
) -> TokenStream {
    let input = match (kind, context.model.resolve(&ty.name)) {
        (OperationKind::Action, Some(Resolved::Structured(schema, structured))) => {
            context.layout.input_path(&schema.namespace, &structured.name, MODULE)
        }
        _ => None,
    };
    match input {
        Some(input) if ty.collection => quote!(Vec<#input>),
        Some(input) => input,
        None => rust_type(context.model, context.layout, ty, MODULE).value(),
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
fn envelope(rust: &RustType) -> (TokenStream, TokenStream) {
    let value = rust.value();
    match rust.decode {
        Decode::Wire => (quote!(Wire<#value>), quote!(envelope.value.into_inner())),
        Decode::Own => (value, quote!(envelope.value)),
    }
}

/// An identifier from a name `names` produced (`r#type` becomes a raw identifier).
pub fn ident(name: &str) -> Ident {
    match name.strip_prefix("r#") {
        Some(raw) => Ident::new_raw(raw, Span::call_site()),
        None => Ident::new(name, Span::call_site()),
    }
}
