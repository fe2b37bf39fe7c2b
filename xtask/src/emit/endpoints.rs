//! The `client` module: a method per singleton, entity set and operation import on the client
//! type, and request builders that carry reads, creates, updates, deletes and the operations
//! bound to each entity type.
//!
//! URLs follow the OData URL conventions unless the document says the service departs from
//! them (see [`super::calls::Conventions`]): keys as path segments
//! (`Capabilities.KeyAsSegmentSupported`), unqualified operation names (`Core.DefaultNamespace`),
//! and this project's `RustSdk.UrlConventions.V1` terms.

use crate::csdl::vocab::Term;
use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::calls::{Call, Context, Conventions, MODULE, catalog_call, ident, operation_method};
use super::catalog::{Base, Entry, Param};
use super::docs::Doc;
use super::features::Features;
use super::{Layout, names};
use crate::csdl::Model;
use crate::csdl::model::{Annotation, Expr, Schema, StructuredType};
use crate::csdl::resolve::Resolved;

/// Request builders for one entity type: a single entity, and a collection of them.
struct Builder<'a> {
    schema: &'a Schema,
    ty: &'a StructuredType,
    single: Ident,
    set: Ident,
    /// URLs of single entities of this type, for documentation (`/api/machines/{key}`).
    single_paths: Vec<String>,
    /// URLs of collections of this type, for documentation (`/api/machines`).
    set_paths: Vec<String>,
    /// Whether some entity set lists this type (so the collection builder is needed).
    listed: bool,
    /// The features of the roots that reach this builder.
    features: BTreeSet<String>,
    /// Capability annotations of the entity sets of this type, with their targets and the
    /// catalog bases (the set, and one entity of it).
    writes: Vec<(String, &'a [Annotation], Base, Option<Base>)>,
    /// Where single entities of this type are reached, for the catalog.
    single_bases: Vec<Base>,
    /// Where collections of this type are reached, for the catalog.
    set_bases: Vec<Base>,
}

/// Whether a restrictions annotation allows the operation with a JSON body: present, its flag
/// not false, and no required `Content-Type` header asking for another media type (a
/// `multipart/form-data` upload is left to hand-written code, since CSDL cannot describe it).
pub(crate) fn allows(
    model: &Model,
    annotations: &[Annotation],
    target: &str,
    term: Term,
    flag: &str,
) -> bool {
    match model.annotation(annotations, target, term) {
        Some(record) => !matches!(record.field(flag), Some(Expr::Bool(false))) && sends_json(record),
        None => false,
    }
}

fn sends_json(record: &Expr) -> bool {
    let headers = record.field("CustomHeaders").map(Expr::items).unwrap_or_default();
    !headers.iter().any(|header| {
        let is_content_type = header
            .field("Name")
            .and_then(Expr::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case("content-type"));
        let examples = header.field("ExampleValues").map(Expr::items).unwrap_or_default();
        is_content_type
            && examples
                .iter()
                .filter_map(|e| e.field("Value").and_then(Expr::as_str))
                .any(|v| !v.contains("json"))
    })
}

/// The `client` module, with endpoint methods on `client` (a path such as
/// `crate::DefenderClient`), and the catalog's record of every endpoint it can call.
pub fn client_module(
    model: &Model,
    layout: &Layout,
    features: &Features,
    client: &TokenStream,
    root: &str,
) -> Option<(TokenStream, Vec<Entry>)> {
    let (schema, container) = model.container()?;
    let context = Context { model, layout, conventions: Conventions::of(model, schema, container, root) };
    let conventions = &context.conventions;
    let container_target = |name: &str| format!("{}.{}/{name}", schema.namespace, container.name);
    let feature_set =
        |name: &str| features.of_root(name).map(|f| BTreeSet::from([f.to_owned()])).unwrap_or_default();

    // Builders for every entity type the container exposes, in document order.
    let mut scope = names::Scope::default();
    let mut builders: BTreeMap<String, Builder<'_>> = BTreeMap::new();
    let roots = container
        .singletons
        .iter()
        .map(|s| (&s.ty, &s.name))
        .chain(container.entity_sets.iter().map(|s| (&s.entity_type, &s.name)));
    for (type_name, root_name) in roots {
        let qualified = model.qualify(type_name);
        if !builders.contains_key(&qualified)
            && let Some(Resolved::Structured(schema, ty)) = model.resolve(type_name)
        {
            let single = ident(&scope.claim(&format!("{}Request", names::camel(&ty.name))));
            let set = ident(&scope.claim(&format!("{}SetRequest", names::camel(&ty.name))));
            let builder = Builder {
                schema,
                ty,
                single,
                set,
                single_paths: Vec::new(),
                set_paths: Vec::new(),
                listed: false,
                features: BTreeSet::new(),
                writes: Vec::new(),
                single_bases: Vec::new(),
                set_bases: Vec::new(),
            };
            builders.insert(qualified.clone(), builder);
        }
        if let Some(builder) = builders.get_mut(&qualified) {
            builder.features.extend(feature_set(root_name));
        }
    }
    let mut methods = Vec::new();
    let mut entries = Vec::new();
    let mut extra_items = Vec::new();
    let mut method_scope = names::Scope::with_reserved(&["runtime", "builder", "new"]);
    for singleton in &container.singletons {
        let Some(builder) = builders.get_mut(&model.qualify(&singleton.ty)) else { continue };
        let method = ident(&method_scope.claim(&names::snake(&singleton.name)));
        let target = container_target(&singleton.name);
        builder.single_paths.push(format!("{}/{}", conventions.root, singleton.name));
        let base = Base {
            root: singleton.name.clone(),
            path: singleton.name.clone(),
            keys: Vec::new(),
            sdk: format!("{method}()"),
            features: feature_set(&singleton.name),
        };
        entries.push(Entry {
            name: format!("{}.get", singleton.name),
            root: singleton.name.clone(),
            kind: "Singleton",
            verb: "Get",
            path: base.path.clone(),
            parameters: Vec::new(),
            returns: Some((model.qualify(&singleton.ty), false)),
            permissions: super::catalog::permissions(
                model,
                &singleton.annotations,
                &target,
                Term::ReadRestrictions,
            ),
            summary: super::catalog::summary(model, &singleton.annotations, &target),
            sdk: base.sdk.clone(),
            features: base.features.clone(),
        });
        builder.single_bases.push(base);
        let builder = &*builder;
        let mut doc = Doc::described(
            model,
            &singleton.annotations,
            &target,
            &format!("The `{}` singleton.", singleton.name),
        );
        doc.paragraph(&format!(
            "`GET {}/{}`: await the returned request for the [`{}`]({}), or use it to call the operations bound to it.",
            conventions.root,
            singleton.name,
            builder.ty.name,
            link(layout, builder)
        ));
        doc.permissions(model, &singleton.annotations, &target, Term::ReadRestrictions);
        let (doc, single, path) = (doc.tokens(), &builder.single, &singleton.name);
        let cfg = features.cfg(&feature_set(&singleton.name));
        methods.push(quote! {
            #doc
            #cfg
            pub fn #method(&self) -> #single {
                #single::new(self.runtime().clone(), #path.to_owned())
            }
        });
    }
    for set in &container.entity_sets {
        let Some(builder) = builders.get_mut(&model.qualify(&set.entity_type)) else { continue };
        let method = ident(&method_scope.claim(&names::snake(&set.name)));
        let target = container_target(&set.name);
        let key = if conventions.key_as_segment { "/{key}" } else { "({key})" };
        builder.single_paths.push(format!("{}/{}{key}", conventions.root, set.name));
        builder.set_paths.push(format!("{}/{}", conventions.root, set.name));
        builder.listed = true;
        let set_base = Base {
            root: set.name.clone(),
            path: set.name.clone(),
            keys: Vec::new(),
            sdk: format!("{method}()"),
            features: feature_set(&set.name),
        };
        let entity_base = key_base(&context, builder, &set_base);
        let permissions =
            super::catalog::permissions(model, &set.annotations, &target, Term::ReadRestrictions);
        let summary = super::catalog::summary(model, &set.annotations, &target);
        let qualified = model.qualify(&set.entity_type);
        entries.push(Entry {
            name: format!("{}.list", set.name),
            root: set.name.clone(),
            kind: "List",
            verb: "Get",
            path: set_base.path.clone(),
            parameters: Vec::new(),
            returns: Some((qualified.clone(), true)),
            permissions: permissions.clone(),
            summary: summary.clone(),
            sdk: format!("{}.list()", set_base.sdk),
            features: set_base.features.clone(),
        });
        if let Some(entity_base) = &entity_base {
            entries.push(Entry {
                name: format!("{}.get", set.name),
                root: set.name.clone(),
                kind: "Get",
                verb: "Get",
                path: entity_base.path.clone(),
                parameters: entity_base.keys.clone(),
                returns: Some((qualified, false)),
                permissions,
                summary,
                sdk: entity_base.sdk.clone(),
                features: entity_base.features.clone(),
            });
            builder.single_bases.push(entity_base.clone());
        }
        builder.set_bases.push(set_base.clone());
        builder.writes.push((target.clone(), &set.annotations, set_base, entity_base));
        let builder = &*builder;
        let mut doc =
            Doc::described(model, &set.annotations, &target, &format!("The `{}` entity set.", set.name));
        doc.paragraph(&format!(
            "`GET {}/{}` lists it; `get` addresses one entity by key.",
            conventions.root, set.name
        ));
        doc.permissions(model, &set.annotations, &target, Term::ReadRestrictions);
        let (doc, set_builder, path) = (doc.tokens(), &builder.set, &set.name);
        let cfg = features.cfg(&feature_set(&set.name));
        methods.push(quote! {
            #doc
            #cfg
            pub fn #method(&self) -> #set_builder {
                #set_builder::new(self.runtime().clone(), #path.to_owned())
            }
        });
    }
    for import in &container.imports {
        let import_target = container_target(&import.name);
        let segment = model
            .annotation(&import.annotations, &import_target, Term::UrlPath)
            .and_then(Expr::as_str)
            .unwrap_or(&import.name)
            .trim_matches('/')
            .to_owned();
        let cfg = features.cfg(&feature_set(&import.name));
        for (op_schema, operation) in
            model.operations(&import.operation).into_iter().filter(|(_, op)| !op.is_bound)
        {
            let call = Call {
                method: ident(&method_scope.claim(&names::snake(&import.name))),
                operation,
                target: format!("{}.{}", op_schema.namespace, operation.name),
                bound: false,
                segment: segment.clone(),
                client: quote!(self.runtime()),
                documented_bases: &[],
            };
            let generated = operation_method(&context, &call, &mut scope);
            let (suffix, parameters) = catalog_call(&context, &call);
            let name = segment.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>().join(".");
            entries.push(operation_entry(
                model,
                &call,
                Base {
                    root: segment.split('/').next().unwrap_or(&import.name).to_owned(),
                    path: String::new(),
                    keys: Vec::new(),
                    sdk: String::new(),
                    features: feature_set(&import.name),
                },
                name,
                suffix,
                parameters,
                generated.call.clone(),
            ));
            let (method, items) = (generated.method, generated.items);
            methods.push(quote!(#cfg #method));
            if !items.is_empty() {
                extra_items.push(quote!(#cfg #items));
            }
        }
    }

    let builder_items: Vec<TokenStream> = builders
        .values()
        .map(|builder| builder_items(&context, features, builder, &mut scope, &mut entries))
        .collect();
    let body = quote! {
        impl #client {
            #(#methods)*
        }

        #(#builder_items)*
        #(#extra_items)*
    };
    let uses = super::prelude();
    // Grouped by where they start, in the container's order.
    let order: Vec<String> = container
        .singletons
        .iter()
        .map(|s| s.name.clone())
        .chain(container.entity_sets.iter().map(|s| s.name.clone()))
        .collect();
    entries.sort_by_key(|entry| order.iter().position(|root| *root == entry.root).unwrap_or(order.len()));
    Some((
        quote! {
            #uses
            #body
        },
        entries,
    ))
}

/// The catalog entry of an operation called from `base` (nothing before it for an import).
#[allow(clippy::too_many_arguments)]
fn operation_entry(
    model: &Model,
    call: &Call<'_>,
    base: Base,
    name: String,
    suffix: String,
    parameters: Vec<Param>,
    method_call: String,
) -> Entry {
    let operation = call.operation;
    let (kind, verb) = match operation.kind {
        crate::csdl::model::OperationKind::Function => ("Function", "Get"),
        crate::csdl::model::OperationKind::Action => ("Action", "Post"),
    };
    let path = if base.path.is_empty() { suffix } else { format!("{}/{suffix}", base.path) };
    let sdk = if base.sdk.is_empty() { method_call } else { format!("{}.{method_call}", base.sdk) };
    Entry {
        name,
        root: base.root,
        kind,
        verb,
        path,
        parameters: base.keys.into_iter().chain(parameters).collect(),
        returns: operation.return_type.as_ref().map(|r| (model.qualify(&r.ty.name), r.ty.collection)),
        permissions: super::catalog::permissions(
            model,
            &operation.annotations,
            &call.target,
            Term::OperationRestrictions,
        ),
        summary: super::catalog::summary(model, &operation.annotations, &call.target),
        sdk,
        features: base.features,
    }
}

/// The base for one entity of a set: its key in the path, and `get(key)` in the SDK.
fn key_base(context: &Context<'_>, builder: &Builder<'_>, set: &Base) -> Option<Base> {
    let model = context.model;
    let properties = model.all_properties(builder.schema, builder.ty);
    let key: Vec<_> =
        model.key(builder.ty).into_iter().filter_map(|k| properties.iter().find(|p| p.name == k)).collect();
    if key.is_empty() {
        return None;
    }
    let segment = context.conventions.key_as_segment && key.len() == 1;
    let keys: Vec<Param> = key
        .iter()
        .map(|p| Param {
            name: p.name.clone(),
            ty: model.qualify(&p.ty.name),
            collection: false,
            optional: false,
            location: if segment { "Segment" } else { "Literal" },
        })
        .collect();
    let path = match keys.as_slice() {
        [only] if segment => format!("{}/{{{}}}", set.path, only.name),
        [only] => format!("{}({{{}}})", set.path, only.name),
        _ => {
            let parts: Vec<String> = keys.iter().map(|k| format!("{0}={{{0}}}", k.name)).collect();
            format!("{}({})", set.path, parts.join(","))
        }
    };
    let args: Vec<String> = key.iter().map(|p| names::snake(&p.name)).collect();
    Some(Base {
        root: set.root.clone(),
        path,
        keys,
        sdk: format!("{}.get({})", set.sdk, args.join(", ")),
        features: set.features.clone(),
    })
}

/// A rustdoc link to a builder's entity type from the client module.
fn link(layout: &Layout, builder: &Builder<'_>) -> String {
    layout.path(&builder.schema.namespace, &builder.ty.name, MODULE).to_string().replace(' ', "")
}

fn builder_items(
    context: &Context<'_>,
    features: &Features,
    builder: &Builder<'_>,
    type_scope: &mut names::Scope,
    entries: &mut Vec<Entry>,
) -> TokenStream {
    let Context { model, layout, .. } = context;
    let qualified = format!("{}.{}", builder.schema.namespace, builder.ty.name);
    let entity = layout.path(&builder.schema.namespace, &builder.ty.name, MODULE);
    let (single, set) = (&builder.single, &builder.set);
    let mut single_ops = Vec::new();
    let mut set_ops = Vec::new();
    let mut body_items = Vec::new();
    let mut single_scope =
        names::Scope::with_reserved(&["new", "get", "path", "into_future", "update", "delete"]);
    let mut set_scope = names::Scope::with_reserved(&["new", "get", "list", "path", "create"]);
    for schema in &model.document.schemas {
        for operation in schema.operations.iter().filter(|op| op.is_bound) {
            let Some(binding) = operation.parameters.first() else { continue };
            if model.qualify(&binding.ty.name) != qualified {
                continue;
            }
            let (scope, ops, bases, catalog_bases) = if binding.ty.collection {
                (&mut set_scope, &mut set_ops, &builder.set_paths, &builder.set_bases)
            } else {
                (&mut single_scope, &mut single_ops, &builder.single_paths, &builder.single_bases)
            };
            let segment = if context.conventions.unqualified.contains(&schema.namespace) {
                operation.name.clone()
            } else {
                format!("{}.{}", schema.namespace, operation.name)
            };
            let call = Call {
                method: ident(&scope.claim(&names::snake(&operation.name))),
                operation,
                target: format!("{}.{}", schema.namespace, operation.name),
                bound: true,
                segment,
                client: quote!(self.client),
                documented_bases: bases,
            };
            let generated = operation_method(context, &call, type_scope);
            let (suffix, parameters) = catalog_call(context, &call);
            for base in catalog_bases {
                let name = format!("{}.{}", base.root, operation.name);
                let entry = operation_entry(
                    model,
                    &call,
                    base.clone(),
                    name,
                    suffix.clone(),
                    parameters.clone(),
                    generated.call.clone(),
                );
                entries.push(entry);
            }
            ops.push(generated.method);
            body_items.push(generated.items);
        }
    }
    // Navigation properties: the related entity, or collection of them, below this entity.
    for navigation in &builder.ty.navigation_properties {
        let method = ident(&single_scope.claim(&names::snake(&navigation.name)));
        let rust = super::types::rust_type(model, layout, &navigation.ty, MODULE);
        let element = &rust.element;
        let segment = &navigation.name;
        let target = format!("{qualified}/{segment}");
        let mut doc = Doc::described(
            model,
            &navigation.annotations,
            &target,
            &format!("The `{segment}` navigation property."),
        );
        let paths: Vec<String> =
            builder.single_paths.iter().map(|p| format!("`GET {p}/{segment}`")).collect();
        doc.paragraph(&paths.join("  \n"));
        let doc = doc.tokens();
        for base in &builder.single_bases {
            entries.push(Entry {
                name: format!("{}.{segment}", base.root),
                root: base.root.clone(),
                kind: "Navigation",
                verb: "Get",
                path: format!("{}/{segment}", base.path),
                parameters: base.keys.clone(),
                returns: Some((model.qualify(&navigation.ty.name), navigation.ty.collection)),
                permissions: Vec::new(),
                summary: super::catalog::summary(model, &navigation.annotations, &target),
                sdk: format!("{}.{method}()", base.sdk),
                features: base.features.clone(),
            });
        }
        let format = format!("{{}}/{segment}");
        single_ops.push(if navigation.ty.collection {
            quote! {
                #doc
                pub fn #method(&self) -> CollectionRequest<#element> {
                    CollectionRequest::new(self.client.clone(), format!(#format, self.path))
                }
            }
        } else {
            quote! {
                #doc
                pub fn #method(&self) -> EntityRequest<#element> {
                    EntityRequest::new(self.client.clone(), format!(#format, self.path))
                }
            }
        });
    }
    let writes = |term: Term, flag: &str| {
        builder
            .writes
            .iter()
            .filter(|(target, annotations, ..)| allows(model, annotations, target, term, flag))
            .collect::<Vec<_>>()
    };
    let qualified_entity = (qualified.clone(), false);
    let write_entry = |kind: &'static str,
                       verb: &'static str,
                       base: &Base,
                       entity: bool,
                       term: Term,
                       annotations: &[Annotation],
                       target: &str,
                       call: &str| {
        let mut parameters = base.keys.clone();
        if entity {
            parameters.push(Param {
                name: "entity".to_owned(),
                ty: qualified.clone(),
                collection: false,
                optional: false,
                location: "Entity",
            });
        }
        Entry {
            name: format!("{}.{}", base.root, kind.to_ascii_lowercase()),
            root: base.root.clone(),
            kind,
            verb,
            path: base.path.clone(),
            parameters,
            returns: (kind != "Delete").then(|| qualified_entity.clone()),
            permissions: super::catalog::permissions(model, annotations, target, term),
            summary: String::new(),
            sdk: format!("{}.{call}", base.sdk),
            features: base.features.clone(),
        }
    };
    let input = layout.input_path(&builder.schema.namespace, &builder.ty.name, MODULE);
    let name = &builder.ty.name;
    let updatable = writes(Term::UpdateRestrictions, "Updatable");
    if input.is_some() {
        for (target, annotations, _, entity) in &updatable {
            if let Some(entity) = entity {
                entries.push(write_entry(
                    "Update",
                    "Patch",
                    entity,
                    true,
                    Term::UpdateRestrictions,
                    annotations,
                    target,
                    "update(&changes)",
                ));
            }
        }
    }
    if let (Some(input), [(target, annotations, ..), ..]) = (&input, updatable.as_slice()) {
        let mut doc = Doc::default();
        doc.paragraph(&format!("Updates the `{name}`: only the fields set in `changes` are sent (`PATCH`)."));
        doc.paragraph(
            &builder.single_paths.iter().map(|p| format!("`PATCH {p}`")).collect::<Vec<_>>().join("  \n"),
        );
        doc.paragraph("Returns the updated entity when the service sends it back.");
        doc.permissions(model, annotations, target, Term::UpdateRestrictions);
        let doc = doc.tokens();
        single_ops.push(quote! {
            #doc
            pub async fn update(&self, changes: &#input) -> Result<Option<#entity>> {
                let url = self.client.url(&self.path)?;
                self.client.send_json(defender_runtime::Method::PATCH, url, changes).await
            }
        });
    }
    let deletable = writes(Term::DeleteRestrictions, "Deletable");
    for (target, annotations, _, entity) in &deletable {
        if let Some(entity) = entity {
            entries.push(write_entry(
                "Delete",
                "Delete",
                entity,
                false,
                Term::DeleteRestrictions,
                annotations,
                target,
                "delete()",
            ));
        }
    }
    if let [(target, annotations, ..), ..] = deletable.as_slice() {
        let mut doc = Doc::default();
        doc.paragraph(&format!("Deletes the `{name}`."));
        doc.paragraph(
            &builder.single_paths.iter().map(|p| format!("`DELETE {p}`")).collect::<Vec<_>>().join("  \n"),
        );
        doc.permissions(model, annotations, target, Term::DeleteRestrictions);
        let doc = doc.tokens();
        single_ops.push(quote! {
            #doc
            pub async fn delete(&self) -> Result<()> {
                let url = self.client.url(&self.path)?;
                self.client.delete(url).await
            }
        });
    }
    let insertable = writes(Term::InsertRestrictions, "Insertable");
    if input.is_some() {
        for (target, annotations, set, _) in &insertable {
            entries.push(write_entry(
                "Create",
                "Post",
                set,
                true,
                Term::InsertRestrictions,
                annotations,
                target,
                "create(&input)",
            ));
        }
    }
    if let (Some(input), [(target, annotations, ..), ..]) = (&input, insertable.as_slice()) {
        let mut doc = Doc::default();
        doc.paragraph(&format!("Creates a `{name}` from the fields set in `input` (`POST`)."));
        doc.paragraph(
            &builder.set_paths.iter().map(|p| format!("`POST {p}`")).collect::<Vec<_>>().join("  \n"),
        );
        doc.paragraph("Returns the created entity when the service sends it back.");
        doc.permissions(model, annotations, target, Term::InsertRestrictions);
        let doc = doc.tokens();
        set_ops.push(quote! {
            #doc
            pub async fn create(&self, input: &#input) -> Result<Option<#entity>> {
                let url = self.client.url(&self.path)?;
                self.client.send_json(defender_runtime::Method::POST, url, input).await
            }
        });
    }

    let key = key_method(context, builder);
    let link = format!("[`{}`]({})", builder.ty.name, link(layout, builder));
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

        #cfg
        impl IntoFuture for #single {
            type Output = Result<#entity>;
            type IntoFuture = <EntityRequest<#entity> as IntoFuture>::IntoFuture;

            fn into_future(self) -> Self::IntoFuture {
                self.get().into_future()
            }
        }
    };
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
    let body_items =
        body_items.into_iter().filter(|items| !items.is_empty()).map(|items| quote!(#cfg #items));
    quote! {
        #single_items
        #set_items
        #(#body_items)*
    }
}

/// `get(key)` on a collection builder, when the entity type has a key.
fn key_method(context: &Context<'_>, builder: &Builder<'_>) -> TokenStream {
    let Context { model, layout, conventions } = context;
    let properties = model.all_properties(builder.schema, builder.ty);
    let key: Vec<_> =
        model.key(builder.ty).into_iter().filter_map(|k| properties.iter().find(|p| p.name == k)).collect();
    if key.is_empty() {
        return quote!();
    }
    let single = &builder.single;
    let args: Vec<(Ident, TokenStream, bool)> = key
        .iter()
        .map(|p| {
            let is_string = p.ty.name == "Edm.String";
            let ty = if is_string {
                quote!(&str)
            } else {
                super::types::rust_type(model, layout, &p.ty, MODULE).value()
            };
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
    let doc = format!(" The entity with this key ({}).", names.join(", "));
    quote! {
        #[doc = #doc]
        pub fn get(&self, #(#params),*) -> #single {
            #single::new(self.client.clone(), #path)
        }
    }
}
