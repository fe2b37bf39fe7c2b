//! Building the [`ApiPlan`]: a client method per singleton, entity set and operation import,
//! request builders for the entity types they expose, the operations, navigation properties
//! and writes of each, and the catalog's record of every endpoint, with every Rust name claimed
//! here, once.
//!
//! URLs follow the OData URL conventions unless the document says the service departs from
//! them ([`Conventions`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::docs::Doc;
use super::features::Features;
use super::layout::{CLIENT_MODULE, Layout};
use super::names;
use super::{
    ApiPlan, Argument, BodyStruct, BoundOperation, BuilderPlan, ClientMethod, Endpoint, EndpointKind,
    ExportRowsPlan, KeyForm, KeyLookup, KeyPart, Navigation, OperationPlan, Param, ParamLocation, Verb,
};
use crate::csdl::Model;
use crate::csdl::model::{Operation, OperationKind, Parameter, Schema, StructuredType};
use crate::csdl::resolve::Resolved;
use crate::csdl::semantics::{Capabilities, Conventions, Permission};

/// Actions with more parameters than this take them as one body struct, not as arguments.
const MAX_ACTION_ARGUMENTS: usize = 4;

/// What planning reads everywhere.
struct Context<'a> {
    model: &'a Model,
    layout: &'a Layout,
    conventions: Conventions,
    /// The service root's path as documentation shows URLs (`/api`).
    root: String,
}

/// Where endpoints start: an entity set or singleton path, with the key parts that address
/// one entity of it and the SDK call that reaches it.
#[derive(Debug, Clone)]
struct Base {
    /// The set or singleton's name.
    root: String,
    /// How catalog names of endpoints below it start: the root's name, then the segments of
    /// contained collections (`security.incidents`).
    name: String,
    /// Path template relative to the service root (`machines/{id}`, `exposureScore`).
    path: String,
    /// Key parts in the path.
    keys: Vec<Param>,
    /// The SDK call that reaches it (`machines().get(id)`).
    sdk: String,
    /// Features that compile it.
    features: BTreeSet<String>,
}

/// An entity set of a builder's type: what it allows, and the catalog bases of the set and of
/// one entity of it.
struct SetOfType {
    capabilities: Capabilities,
    set: Base,
    entity: Option<Base>,
}

/// What is gathered about a builder's type from the roots that expose it.
struct Gathered<'a> {
    schema: &'a Schema,
    ty: &'a StructuredType,
    single: String,
    set: String,
    /// URLs of single entities of this type, for documentation (`/api/machines/{key}`).
    single_paths: Vec<String>,
    /// URLs of collections of this type, for documentation (`/api/machines`).
    set_paths: Vec<String>,
    listed: bool,
    readable: bool,
    features: BTreeSet<String>,
    sets: Vec<SetOfType>,
    single_bases: Vec<Base>,
    set_bases: Vec<Base>,
    /// The names of the builders' methods, claimed when the type is first reached.
    members: MemberNames,
}

/// The method names of a pair of builders: one per bound operation (in
/// [`Model::bound_operations`] order) and one per navigation property, each claimed in the
/// scope of the builder it is on.
struct MemberNames {
    operations: Vec<OperationNames>,
    navigations: Vec<String>,
}

/// The methods of one bound operation: the call, and for an export "via files" the method
/// that streams its rows.
struct OperationNames {
    method: String,
    rows: Option<String>,
}

impl MemberNames {
    fn claim(model: &Model, qualified: &str, ty: &StructuredType) -> Self {
        let mut single_scope =
            names::Scope::with_reserved(&["new", "get", "path", "into_future", "update", "delete"]);
        let mut set_scope = names::Scope::with_reserved(&["new", "get", "list", "path", "create"]);
        let operations = model
            .bound_operations(qualified)
            .into_iter()
            .map(|(schema, operation)| {
                let on_collection = operation.parameters.first().is_some_and(|b| b.ty.collection);
                let scope = if on_collection { &mut set_scope } else { &mut single_scope };
                let method = scope.claim(&names::snake(&operation.name));
                let target = format!("{}.{}", schema.namespace, operation.name);
                let rows = model
                    .export_file_rows(operation, &target)
                    .map(|_| scope.claim(&format!("{method}_rows")));
                OperationNames { method, rows }
            })
            .collect();
        let navigations =
            ty.navigation_properties.iter().map(|n| single_scope.claim(&names::snake(&n.name))).collect();
        Self { operations, navigations }
    }
}

impl<'a> Gathered<'a> {
    /// A type reached for the first time: its builders' names and their methods' names.
    fn new(model: &Model, type_scope: &mut names::Scope, schema: &'a Schema, ty: &'a StructuredType) -> Self {
        let qualified = format!("{}.{}", schema.namespace, ty.name);
        Gathered {
            schema,
            ty,
            single: type_scope.claim(&format!("{}Request", names::camel(&ty.name))),
            set: type_scope.claim(&format!("{}SetRequest", names::camel(&ty.name))),
            single_paths: Vec::new(),
            set_paths: Vec::new(),
            listed: false,
            readable: false,
            features: BTreeSet::new(),
            sets: Vec::new(),
            single_bases: Vec::new(),
            set_bases: Vec::new(),
            members: MemberNames::claim(model, &qualified, ty),
        }
    }
}

/// Builders for the entity types reached through containment navigation (Graph's
/// `security/incidents`): a contained collection is addressed like an entity set below its
/// container, so it gets a collection builder with `list()` and `get(key)`, and its entities
/// get builders with their bound operations and navigation, recursively. A type gets its
/// builders where it is first reached (singletons and sets first, then containment in
/// breadth-first order); its documented paths and catalog endpoints are those of that route,
/// which keeps a type contained in itself (a folder's folders) finite.
fn contained_builders<'a>(
    context: &Context<'a>,
    gathered: &mut BTreeMap<String, Gathered<'a>>,
    reached: &mut Vec<String>,
    type_scope: &mut names::Scope,
    endpoints: &mut Vec<Endpoint>,
) {
    let model = context.model;
    let mut next = 0;
    while let Some(parent) = reached.get(next).cloned() {
        next += 1;
        let Some(container) = gathered.get(&parent) else { continue };
        let contained: Vec<_> = container
            .ty
            .navigation_properties
            .iter()
            .zip(&container.members.navigations)
            .filter(|(navigation, _)| navigation.contains_target)
            .filter_map(|(navigation, method)| match model.resolve(&navigation.ty.name) {
                Some(Resolved::Structured(schema, ty))
                    if ty.kind == crate::csdl::model::StructuredKind::Entity =>
                {
                    Some((navigation, method.clone(), schema, ty))
                }
                _ => None,
            })
            .collect();
        for (navigation, method, schema, ty) in contained {
            let qualified = format!("{}.{}", schema.namespace, ty.name);
            if let Some(known) = gathered.get_mut(&qualified) {
                // Reached before; a contained collection of it still needs its collection builder.
                if navigation.ty.collection && !known.listed {
                    known.listed = true;
                    known.readable = true;
                }
                continue;
            }
            let container = &gathered[&parent];
            let segment = &navigation.name;
            let mut child = Gathered::new(model, type_scope, schema, ty);
            child.features = container.features.clone();
            let bases: Vec<Base> = container
                .single_bases
                .iter()
                .map(|base| Base {
                    root: base.root.clone(),
                    name: format!("{}.{segment}", base.name),
                    path: format!("{}/{segment}", base.path),
                    keys: base.keys.clone(),
                    sdk: format!("{}.{method}()", base.sdk),
                    features: base.features.clone(),
                })
                .collect();
            let paths: Vec<String> =
                container.single_paths.iter().map(|p| format!("{p}/{segment}")).collect();
            if navigation.ty.collection {
                let key = if context.conventions.key_as_segment { "/{key}" } else { "({key})" };
                child.single_paths = paths.iter().map(|p| format!("{p}{key}")).collect();
                child.set_paths = paths;
                child.listed = true;
                child.readable = true;
                for set_base in bases {
                    if let Some(entity_base) = key_base(context, &child, &set_base) {
                        endpoints.push(get_endpoint(&entity_base, &qualified, Vec::new(), String::new()));
                        child.single_bases.push(entity_base);
                    }
                    child.set_bases.push(set_base);
                }
            } else {
                child.single_paths = paths;
                child.single_bases = bases;
            }
            gathered.insert(qualified.clone(), child);
            reached.push(qualified);
        }
    }
}

pub(super) fn plan(model: &Model, layout: &Layout, features: &Features, root: &str) -> Option<ApiPlan> {
    let (schema, container) = model.container()?;
    let context = Context {
        model,
        layout,
        conventions: model.conventions(),
        root: root.trim_end_matches('/').to_owned(),
    };
    let container_target = |name: &str| format!("{}.{}/{name}", schema.namespace, container.name);
    let feature_set =
        |name: &str| features.of_root(name).map(|f| BTreeSet::from([f.to_owned()])).unwrap_or_default();

    // Builder names for every entity type the container exposes, claimed in document order.
    let mut type_scope = names::Scope::default();
    let mut gathered: BTreeMap<String, Gathered<'_>> = BTreeMap::new();
    // The builders' types in the order they were reached, for the walk down containment.
    let mut reached: Vec<String> = Vec::new();
    let roots = container
        .singletons
        .iter()
        .map(|s| (&s.ty, &s.name))
        .chain(container.entity_sets.iter().map(|s| (&s.entity_type, &s.name)));
    for (type_name, root_name) in roots {
        let qualified = model.qualify(type_name);
        if !gathered.contains_key(&qualified)
            && let Some(Resolved::Structured(schema, ty)) = model.resolve(type_name)
        {
            gathered.insert(qualified.clone(), Gathered::new(model, &mut type_scope, schema, ty));
            reached.push(qualified.clone());
        }
        if let Some(builder) = gathered.get_mut(&qualified) {
            builder.features.extend(feature_set(root_name));
        }
    }

    let mut methods = Vec::new();
    let mut endpoints = Vec::new();
    let mut method_scope = names::Scope::with_reserved(&["runtime", "builder", "new"]);
    for singleton in &container.singletons {
        let Some(builder) = gathered.get_mut(&model.qualify(&singleton.ty)) else { continue };
        let method = method_scope.claim(&names::snake(&singleton.name));
        let target = container_target(&singleton.name);
        let capabilities = model.capabilities(&singleton.annotations, &target);
        let documentation = model.documentation(&singleton.annotations, &target);
        builder.single_paths.push(format!("{}/{}", context.root, singleton.name));
        let base = Base {
            root: singleton.name.clone(),
            name: singleton.name.clone(),
            path: singleton.name.clone(),
            keys: Vec::new(),
            sdk: format!("{method}()"),
            features: feature_set(&singleton.name),
        };
        endpoints.push(Endpoint {
            name: format!("{}.get", singleton.name),
            root: singleton.name.clone(),
            kind: EndpointKind::Singleton,
            verb: Verb::Get,
            path: base.path.clone(),
            parameters: Vec::new(),
            returns: Some((model.qualify(&singleton.ty), false)),
            file_rows: None,
            permissions: permission_pairs(capabilities.read_permissions()),
            summary: documentation.summary().to_owned(),
            sdk: base.sdk.clone(),
            features: base.features.clone(),
        });
        builder.single_bases.push(base);
        let mut doc = Doc::described(&documentation, &format!("The `{}` singleton.", singleton.name));
        doc.paragraph(&format!(
            "`GET {}/{}`: await the returned request for the [`{}`]({}), or use it to call the operations bound to it.",
            context.root,
            singleton.name,
            builder.ty.name,
            link(layout, builder)
        ));
        doc.permissions(capabilities.read_permissions());
        methods.push(ClientMethod::Root {
            method,
            doc,
            features: feature_set(&singleton.name),
            builder: builder.single.clone(),
            path: singleton.name.clone(),
        });
    }
    for set in &container.entity_sets {
        let Some(builder) = gathered.get_mut(&model.qualify(&set.entity_type)) else { continue };
        let method = method_scope.claim(&names::snake(&set.name));
        let target = container_target(&set.name);
        let capabilities = model.capabilities(&set.annotations, &target);
        let documentation = model.documentation(&set.annotations, &target);
        let key = if context.conventions.key_as_segment { "/{key}" } else { "({key})" };
        builder.single_paths.push(format!("{}/{}{key}", context.root, set.name));
        builder.set_paths.push(format!("{}/{}", context.root, set.name));
        builder.listed = true;
        builder.readable |= capabilities.readable();
        let set_base = Base {
            root: set.name.clone(),
            name: set.name.clone(),
            path: set.name.clone(),
            keys: Vec::new(),
            sdk: format!("{method}()"),
            features: feature_set(&set.name),
        };
        let entity_base = key_base(&context, builder, &set_base);
        let permissions = permission_pairs(capabilities.read_permissions());
        let summary = documentation.summary().to_owned();
        let qualified = model.qualify(&set.entity_type);
        if capabilities.readable() {
            endpoints.push(Endpoint {
                name: format!("{}.list", set.name),
                root: set.name.clone(),
                kind: EndpointKind::List,
                verb: Verb::Get,
                path: set_base.path.clone(),
                parameters: Vec::new(),
                returns: Some((qualified.clone(), true)),
                file_rows: None,
                permissions: permissions.clone(),
                summary: summary.clone(),
                sdk: format!("{}.list()", set_base.sdk),
                features: set_base.features.clone(),
            });
        }
        if let Some(entity_base) = &entity_base {
            endpoints.push(get_endpoint(entity_base, &qualified, permissions, summary));
            builder.single_bases.push(entity_base.clone());
        }
        builder.set_bases.push(set_base.clone());
        let mut doc = Doc::described(&documentation, &format!("The `{}` entity set.", set.name));
        doc.paragraph(&if capabilities.readable() {
            format!("`GET {}/{}` lists it; `get` addresses one entity by key.", context.root, set.name)
        } else {
            format!(
                "`get` addresses one entity of `{}/{}` by key; the metadata says the set cannot be listed.",
                context.root, set.name
            )
        });
        doc.permissions(capabilities.read_permissions());
        builder.sets.push(SetOfType { capabilities, set: set_base, entity: entity_base });
        methods.push(ClientMethod::Root {
            method,
            doc,
            features: feature_set(&set.name),
            builder: builder.set.clone(),
            path: set.name.clone(),
        });
    }
    contained_builders(&context, &mut gathered, &mut reached, &mut type_scope, &mut endpoints);
    for import in &container.imports {
        let segment = model.import_path(schema, container, import);
        let features = feature_set(&import.name);
        for (op_schema, operation) in
            model.operations(&import.operation).into_iter().filter(|(_, op)| !op.is_bound)
        {
            let call = Call {
                method: method_scope.claim(&names::snake(&import.name)),
                rows_method: None,
                operation,
                target: format!("{}.{}", op_schema.namespace, operation.name),
                bound: false,
                segment: segment.clone(),
                documented_bases: &[],
            };
            let planned = plan_operation(&context, &call, &mut type_scope);
            let name = segment.split('/').filter(|s| !s.is_empty()).collect::<Vec<_>>().join(".");
            let root = segment.split('/').next().unwrap_or(&import.name).to_owned();
            let base = Base {
                name: root.clone(),
                root,
                path: String::new(),
                keys: Vec::new(),
                sdk: String::new(),
                features: features.clone(),
            };
            endpoints.push(operation_endpoint(&context, &call, &planned, base, name));
            methods.push(ClientMethod::Operation { features: features.clone(), operation: planned });
        }
    }

    let builder_names: HashMap<String, (String, String)> =
        gathered.iter().map(|(q, b)| (q.clone(), (b.single.clone(), b.set.clone()))).collect();
    let builders: Vec<BuilderPlan> = gathered
        .values()
        .map(|builder| plan_builder(&context, builder, &builder_names, &mut type_scope, &mut endpoints))
        .collect();
    // Grouped by where they start, in the container's order.
    let order: Vec<&str> = container
        .singletons
        .iter()
        .map(|s| s.name.as_str())
        .chain(container.entity_sets.iter().map(|s| s.name.as_str()))
        .collect();
    endpoints.sort_by_key(|e| order.iter().position(|root| *root == e.root).unwrap_or(order.len()));
    unique_endpoint_names(&mut endpoints);
    Some(ApiPlan {
        root: context.root,
        methods,
        builders,
        endpoints,
        features: features.names().map(str::to_owned).collect(),
    })
}

/// The catalog's record of reading one entity of type `qualified` by key at `entity` (its
/// name is the collection's, with `.get`).
fn get_endpoint(
    entity: &Base,
    qualified: &str,
    permissions: Vec<(String, String)>,
    summary: String,
) -> Endpoint {
    Endpoint {
        name: format!("{}.get", entity.name),
        root: entity.root.clone(),
        kind: EndpointKind::Get,
        verb: Verb::Get,
        path: entity.path.clone(),
        parameters: entity.keys.clone(),
        returns: Some((qualified.to_owned(), false)),
        file_rows: None,
        permissions,
        summary,
        sdk: entity.sdk.clone(),
        features: entity.features.clone(),
    }
}

/// Makes endpoint names unique ignoring case, so that a tool can look one up as a user types it:
/// a later duplicate gets `_2`, `_3`, ….
fn unique_endpoint_names(endpoints: &mut [Endpoint]) {
    let mut taken = HashSet::new();
    for endpoint in endpoints {
        let mut name = endpoint.name.clone();
        let mut n = 2;
        while !taken.insert(name.to_ascii_lowercase()) {
            name = format!("{}_{n}", endpoint.name);
            n += 1;
        }
        endpoint.name = name;
    }
}

/// Permissions as the catalog lists them: one (permission type, scope) pair per scope.
fn permission_pairs(permissions: &[Permission]) -> Vec<(String, String)> {
    permissions
        .iter()
        .flat_map(|p| {
            let scheme = p.scheme.clone().unwrap_or_default();
            p.scopes.iter().map(move |scope| (scheme.clone(), scope.clone()))
        })
        .collect()
}

/// A rustdoc link to a builder's entity type from the client module.
fn link(layout: &Layout, builder: &Gathered<'_>) -> String {
    layout.path(&builder.schema.namespace, &builder.ty.name, CLIENT_MODULE).to_string().replace(' ', "")
}

/// The key properties of a builder's type, in key order.
fn key_properties<'a>(model: &'a Model, builder: &Gathered<'a>) -> Vec<&'a crate::csdl::model::Property> {
    let properties = model.all_properties(builder.schema, builder.ty);
    model
        .key(builder.ty)
        .into_iter()
        .filter_map(|k| properties.iter().find(|p| p.name == k).copied())
        .collect()
}

/// The base for one entity of a set: its key in the path, and `get(key)` in the SDK.
fn key_base(context: &Context<'_>, builder: &Gathered<'_>, set: &Base) -> Option<Base> {
    let model = context.model;
    let key = key_properties(model, builder);
    if key.is_empty() {
        return None;
    }
    let segment = context.conventions.key_as_segment && key.len() == 1;
    // A placeholder the path already has (a contained `items/{id}` below `folders/{id}`) is
    // named after the collection it keys, so that every parameter of the endpoint is distinct.
    let collection = set.path.rsplit('/').next().unwrap_or(&set.path);
    let placeholder = |property: &str| {
        if set.keys.iter().any(|k| k.name == property) {
            format!("{collection}_{property}")
        } else {
            property.to_owned()
        }
    };
    let keys: Vec<Param> = key
        .iter()
        .map(|p| Param {
            name: placeholder(&p.name),
            ty: model.qualify(&p.ty.name),
            collection: false,
            optional: false,
            location: if segment { ParamLocation::Segment } else { ParamLocation::Literal },
        })
        .collect();
    let path = match keys.as_slice() {
        [only] if segment => format!("{}/{{{}}}", set.path, only.name),
        [only] => format!("{}({{{}}})", set.path, only.name),
        _ => {
            let parts: Vec<String> = key
                .iter()
                .zip(&keys)
                .map(|(property, param)| format!("{}={{{}}}", property.name, param.name))
                .collect();
            format!("{}({})", set.path, parts.join(","))
        }
    };
    let args: Vec<String> = keys.iter().map(|k| names::snake(&k.name)).collect();
    let keys: Vec<Param> = set.keys.iter().cloned().chain(keys).collect();
    Some(Base {
        root: set.root.clone(),
        name: set.name.clone(),
        path,
        keys,
        sdk: format!("{}.get({})", set.sdk, args.join(", ")),
        features: set.features.clone(),
    })
}

/// `get(key)` on a collection builder, when the entity type has a key.
fn key_lookup(context: &Context<'_>, builder: &Gathered<'_>) -> Option<KeyLookup> {
    let key = key_properties(context.model, builder);
    if key.is_empty() {
        return None;
    }
    let form = match key.len() {
        1 if context.conventions.key_as_segment => KeyForm::Segment,
        1 => KeyForm::Parenthesized,
        _ => KeyForm::Named,
    };
    let names: Vec<_> = key.iter().map(|p| format!("`{}`", p.name)).collect();
    let mut doc = Doc::default();
    doc.line(format!("The entity with this key ({}).", names.join(", ")));
    Some(KeyLookup {
        parts: key
            .iter()
            .map(|p| KeyPart { argument: names::snake(&p.name), wire: p.name.clone(), ty: p.ty.clone() })
            .collect(),
        form,
        doc,
    })
}

fn plan_builder(
    context: &Context<'_>,
    builder: &Gathered<'_>,
    builder_names: &HashMap<String, (String, String)>,
    type_scope: &mut names::Scope,
    endpoints: &mut Vec<Endpoint>,
) -> BuilderPlan {
    let Context { model, layout, .. } = context;
    let qualified = format!("{}.{}", builder.schema.namespace, builder.ty.name);
    let mut operations = Vec::new();
    for ((schema, operation), names) in
        model.bound_operations(&qualified).into_iter().zip(&builder.members.operations)
    {
        let method = &names.method;
        let Some(binding) = operation.parameters.first() else { continue };
        let on_collection = binding.ty.collection;
        let (bases, catalog_bases) = if on_collection {
            (&builder.set_paths, &builder.set_bases)
        } else {
            (&builder.single_paths, &builder.single_bases)
        };
        let call = Call {
            method: method.clone(),
            rows_method: names.rows.clone(),
            operation,
            target: format!("{}.{}", schema.namespace, operation.name),
            bound: true,
            segment: context.conventions.bound_segment(&schema.namespace, &operation.name),
            documented_bases: bases,
        };
        let planned = plan_operation(context, &call, type_scope);
        for base in catalog_bases {
            let name = format!("{}.{}", base.name, operation.name);
            endpoints.push(operation_endpoint(context, &call, &planned, base.clone(), name));
        }
        operations.push(BoundOperation { on_collection, operation: planned });
    }
    // Navigation properties: the related entity, or collection of them, below this entity.
    let mut navigations = Vec::new();
    for (navigation, method) in builder.ty.navigation_properties.iter().zip(&builder.members.navigations) {
        let method = method.clone();
        let segment = &navigation.name;
        let target = format!("{qualified}/{segment}");
        let documentation = model.documentation(&navigation.annotations, &target);
        let mut doc = Doc::described(&documentation, &format!("The `{segment}` navigation property."));
        let paths: Vec<String> =
            builder.single_paths.iter().map(|p| format!("`GET {p}/{segment}`")).collect();
        doc.paragraph(&paths.join("  \n"));
        for base in &builder.single_bases {
            endpoints.push(Endpoint {
                name: format!("{}.{segment}", base.name),
                root: base.root.clone(),
                kind: EndpointKind::Navigation,
                verb: Verb::Get,
                path: format!("{}/{segment}", base.path),
                parameters: base.keys.clone(),
                returns: Some((model.qualify(&navigation.ty.name), navigation.ty.collection)),
                file_rows: None,
                permissions: Vec::new(),
                summary: documentation.summary().to_owned(),
                sdk: format!("{}.{method}()", base.sdk),
                features: base.features.clone(),
            });
        }
        // A contained collection or entity is addressed through its own builders.
        let builder = navigation
            .contains_target
            .then(|| builder_names.get(&model.qualify(&navigation.ty.name)))
            .flatten()
            .map(|(single, set)| if navigation.ty.collection { set.clone() } else { single.clone() });
        navigations.push(Navigation {
            method,
            segment: segment.clone(),
            ty: navigation.ty.clone(),
            builder,
            doc,
        });
    }

    let name = &builder.ty.name;
    let has_input = layout.input_ident(&builder.schema.namespace, name).is_some();
    let write_endpoint =
        |kind: EndpointKind, verb: Verb, base: &Base, permissions: &[Permission], call: &str| {
            let mut parameters = base.keys.clone();
            if matches!(kind, EndpointKind::Create | EndpointKind::Update) {
                parameters.push(Param {
                    name: "entity".to_owned(),
                    ty: qualified.clone(),
                    collection: false,
                    optional: false,
                    location: ParamLocation::Entity,
                });
            }
            Endpoint {
                name: format!("{}.{}", base.name, format!("{kind:?}").to_ascii_lowercase()),
                root: base.root.clone(),
                kind,
                verb,
                path: base.path.clone(),
                parameters,
                returns: (kind != EndpointKind::Delete).then(|| (qualified.clone(), false)),
                file_rows: None,
                permissions: permission_pairs(permissions),
                summary: String::new(),
                sdk: format!("{}.{call}", base.sdk),
                features: base.features.clone(),
            }
        };
    let write_doc =
        |first: &str, verb: &str, paths: &[String], last: Option<&str>, permissions: &[Permission]| {
            let mut doc = Doc::default();
            doc.paragraph(first);
            doc.paragraph(&paths.iter().map(|p| format!("`{verb} {p}`")).collect::<Vec<_>>().join("  \n"));
            if let Some(last) = last {
                doc.paragraph(last);
            }
            doc.permissions(permissions);
            doc
        };
    let permissions_of = |restriction: &Option<crate::csdl::semantics::Restriction>| {
        restriction.as_ref().map(|r| r.permissions.clone()).unwrap_or_default()
    };

    let updatable: Vec<&SetOfType> = builder.sets.iter().filter(|s| s.capabilities.updatable()).collect();
    if has_input {
        for set in &updatable {
            if let Some(entity) = &set.entity {
                let permissions = permissions_of(&set.capabilities.update);
                endpoints.push(write_endpoint(
                    EndpointKind::Update,
                    Verb::Patch,
                    entity,
                    &permissions,
                    "update(&changes)",
                ));
            }
        }
    }
    let update = match updatable.first() {
        Some(set) if has_input => Some(write_doc(
            &format!("Updates the `{name}`: only the fields set in `changes` are sent (`PATCH`)."),
            "PATCH",
            &builder.single_paths,
            Some("Returns the updated entity when the service sends it back."),
            &permissions_of(&set.capabilities.update),
        )),
        _ => None,
    };
    let deletable: Vec<&SetOfType> = builder.sets.iter().filter(|s| s.capabilities.deletable()).collect();
    for set in &deletable {
        if let Some(entity) = &set.entity {
            let permissions = permissions_of(&set.capabilities.delete);
            endpoints.push(write_endpoint(
                EndpointKind::Delete,
                Verb::Delete,
                entity,
                &permissions,
                "delete()",
            ));
        }
    }
    let delete = deletable.first().map(|set| {
        write_doc(
            &format!("Deletes the `{name}`."),
            "DELETE",
            &builder.single_paths,
            None,
            &permissions_of(&set.capabilities.delete),
        )
    });
    let insertable: Vec<&SetOfType> = builder.sets.iter().filter(|s| s.capabilities.insertable()).collect();
    if has_input {
        for set in &insertable {
            let permissions = permissions_of(&set.capabilities.insert);
            endpoints.push(write_endpoint(
                EndpointKind::Create,
                Verb::Post,
                &set.set,
                &permissions,
                "create(&input)",
            ));
        }
    }
    let create = match insertable.first() {
        Some(set) if has_input => Some(write_doc(
            &format!("Creates a `{name}` from the fields set in `input` (`POST`)."),
            "POST",
            &builder.set_paths,
            Some("Returns the created entity when the service sends it back."),
            &permissions_of(&set.capabilities.insert),
        )),
        _ => None,
    };

    BuilderPlan {
        entity: qualified.clone(),
        namespace: builder.schema.namespace.clone(),
        entity_name: name.clone(),
        link: link(layout, builder),
        single: builder.single.clone(),
        set: builder.set.clone(),
        listed: builder.listed,
        readable: builder.readable,
        features: builder.features.clone(),
        key: key_lookup(context, builder),
        operations,
        navigations,
        update,
        delete,
        create,
    }
}

/// One operation to plan a method for.
struct Call<'a> {
    /// The method's name, claimed by the caller.
    method: String,
    /// The name of the method streaming an export's rows, claimed by the caller.
    rows_method: Option<String>,
    /// The overload.
    operation: &'a Operation,
    /// The operation's qualified name, the target of its annotations.
    target: String,
    /// Whether it extends a builder's path (bound) or starts at the service root.
    bound: bool,
    /// The URL segment(s) after the base.
    segment: String,
    /// The documented URLs of the base, for rustdoc.
    documented_bases: &'a [String],
}

/// The method calling `call.operation`: its arguments with where each goes, its body struct
/// when it has many, and its rustdoc.
fn plan_operation(context: &Context<'_>, call: &Call<'_>, type_scope: &mut names::Scope) -> OperationPlan {
    let model = context.model;
    let operation = call.operation;
    let query_options = operation.kind == OperationKind::Function
        && model.parameters_as_query_options(operation, &call.target);
    // The generated method's own locals, which an argument may not shadow; named so that a
    // parameter called `query` or `url` keeps its name.
    let mut argument_scope = names::Scope::with_reserved(&[
        "self",
        "request_url",
        "request_body",
        "query_options",
        "value_envelope",
    ]);
    let arguments: Vec<Argument> = operation
        .parameters
        .iter()
        .skip(usize::from(call.bound))
        .map(|parameter| {
            let target = format!("{}/{}", call.target, parameter.name);
            let location = match operation.kind {
                OperationKind::Action => ParamLocation::Body,
                OperationKind::Function if query_options => ParamLocation::Query,
                OperationKind::Function if by_alias(model, parameter) => ParamLocation::Alias,
                OperationKind::Function => ParamLocation::Literal,
            };
            Argument {
                name: argument_scope.claim(&names::snake(&parameter.name)),
                wire: parameter.name.clone(),
                ty: parameter.ty.clone(),
                optional: model.optional_parameter(parameter, &call.target),
                location,
                description: model
                    .documentation(&parameter.annotations, &target)
                    .description
                    .unwrap_or_default(),
            }
        })
        .collect();
    let body = (operation.kind == OperationKind::Action && arguments.len() > MAX_ACTION_ARGUMENTS)
        .then(|| BodyStruct { name: type_scope.claim(&format!("{}Body", names::camel(&operation.name))) });
    let mut planned = OperationPlan {
        method: call.method.clone(),
        name: operation.name.clone(),
        qualified_name: call.target.clone(),
        kind: operation.kind,
        bound: call.bound,
        segment: call.segment.clone(),
        arguments,
        query_options,
        omit_empty_parentheses: context.conventions.omit_empty_parentheses,
        body,
        returns: operation.return_type.as_ref().map(|r| r.ty.clone()),
        export_rows: call.rows_method.as_ref().and_then(|method| {
            let row_type = model.export_file_rows(operation, &call.target)?;
            Some(ExportRowsPlan { method: method.clone(), row_type })
        }),
        doc: Doc::default(),
    };
    planned.doc = operation_doc(context, call, &planned);
    planned
}

fn operation_doc(context: &Context<'_>, call: &Call<'_>, planned: &OperationPlan) -> Doc {
    let model = context.model;
    let operation = call.operation;
    let documentation = model.documentation(&operation.annotations, &call.target);
    let mut doc = Doc::described(&documentation, &format!("Calls `{}`.", operation.name));
    let verb = match operation.kind {
        OperationKind::Function => "GET",
        OperationKind::Action => "POST",
    };
    let arguments = &planned.arguments;
    let shown_call = match operation.kind {
        OperationKind::Function if planned.query_options && !arguments.is_empty() => {
            let list: Vec<String> = arguments.iter().map(|a| format!("{0}={{{0}}}", a.wire)).collect();
            format!("?{}", list.join("&"))
        }
        OperationKind::Function if !arguments.is_empty() => {
            let list: Vec<String> = arguments.iter().map(|a| format!("{0}={{{0}}}", a.wire)).collect();
            format!("({})", list.join(","))
        }
        OperationKind::Function if !planned.omit_empty_parentheses && !planned.query_options => {
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
        vec![format!("`{verb} {}/{}{shown_call}`", context.root, call.segment)]
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
    doc.permissions(&model.operation_permissions(operation, &call.target));
    if !arguments.is_empty() {
        let place = match operation.kind {
            OperationKind::Action => "JSON body",
            OperationKind::Function if planned.query_options => "query",
            OperationKind::Function => "URL",
        };
        doc.paragraph(&format!("# Parameters ({place})"));
        if let Some(body) = &planned.body {
            doc.paragraph(&format!("Passed as one [`{}`].", body.name));
        }
        doc.line("");
        for argument in arguments {
            let optional = if argument.optional { ", optional: `None` leaves it out" } else { "" };
            doc.line(format!(
                "- `{}` (`{}`{optional}): {}",
                argument.name, argument.wire, argument.description
            ));
        }
    }
    doc
}

/// The catalog's record of an operation called from `base` (nothing before it for an import).
fn operation_endpoint(
    context: &Context<'_>,
    call: &Call<'_>,
    planned: &OperationPlan,
    base: Base,
    name: String,
) -> Endpoint {
    let model = context.model;
    let operation = call.operation;
    let (kind, verb) = match operation.kind {
        OperationKind::Function => (EndpointKind::Function, Verb::Get),
        OperationKind::Action => (EndpointKind::Action, Verb::Post),
    };
    let suffix = match operation.kind {
        OperationKind::Function if !planned.query_options => {
            format!("{}{}", call.segment, planned.parameter_list(|name| format!("{{{name}}}")))
        }
        _ => call.segment.clone(),
    };
    let parameters = planned.arguments.iter().map(|a| Param {
        name: a.wire.clone(),
        ty: model.qualify(&a.ty.name),
        collection: a.ty.collection,
        optional: a.optional,
        location: a.location,
    });
    let path = if base.path.is_empty() { suffix } else { format!("{}/{suffix}", base.path) };
    let sdk = if base.sdk.is_empty() { planned.call() } else { format!("{}.{}", base.sdk, planned.call()) };
    Endpoint {
        name,
        root: base.root,
        kind,
        verb,
        path,
        parameters: base.keys.into_iter().chain(parameters).collect(),
        returns: operation.return_type.as_ref().map(|r| (model.qualify(&r.ty.name), r.ty.collection)),
        file_rows: planned.export_rows.as_ref().map(|rows| rows.row_type.clone()),
        permissions: permission_pairs(&model.operation_permissions(operation, &call.target)),
        summary: model.documentation(&operation.annotations, &call.target).summary().to_owned(),
        sdk,
        features: base.features,
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
