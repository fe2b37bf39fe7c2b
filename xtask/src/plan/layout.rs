//! The Rust names of the document's types, claimed once before anything is rendered: a module
//! per schema, a name per type, and the names of the enums and body types generation adds
//! (`AnyFoo`, `FooInput`, `FooSet`). Renderers ask it how to write a type from a module.

use std::collections::{BTreeMap, HashMap};

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use super::names;
use crate::csdl::Model;

/// The module endpoint methods are generated into.
pub const CLIENT_MODULE: &str = "client";
/// The module of the run-time catalog of endpoints and types.
pub const CATALOG_MODULE: &str = "catalog";
/// The module that decodes by type name.
pub const REGISTRY_MODULE: &str = "registry";

/// Module and type names for every declared type.
#[derive(Debug, Default)]
pub struct Layout {
    modules: BTreeMap<String, String>,
    idents: HashMap<String, String>,
    /// Create/update body types: entity types some set creates or updates, and every
    /// structured type their properties reach.
    inputs: HashMap<String, String>,
    /// Types with derived types: the enum that holds any of them (`AnyFoo`).
    any: HashMap<String, String>,
    /// The same for body types (`AnyFooInput`).
    any_inputs: HashMap<String, String>,
    /// Flags enumerations: the set type that holds a combination of members (`FooSet`).
    flag_sets: HashMap<String, String>,
    /// Row types of exports "via files", whose decoders also match members ignoring case.
    file_rows: std::collections::BTreeSet<String>,
}

impl Layout {
    /// Claims the names of every type of `model`.
    pub fn new(model: &Model) -> Self {
        let mut layout = Layout { file_rows: model.export_row_types(), ..Layout::default() };
        let input_types = input_closure(model);
        let mut module_scope =
            names::Scope::with_reserved(&[CLIENT_MODULE, REGISTRY_MODULE, CATALOG_MODULE, "mod", "prelude"]);
        for schema in &model.document.schemas {
            let has_types = !schema.structured_types.is_empty()
                || !schema.enum_types.is_empty()
                || !schema.type_definitions.is_empty();
            if !has_types {
                continue;
            }
            let last = schema.namespace.rsplit('.').next().unwrap_or(&schema.namespace);
            let wanted = names::snake(last).trim_start_matches("r#").to_owned();
            let module = module_scope.claim(&wanted);
            let mut type_scope = names::Scope::with_reserved(crate::emit::PRELUDE_NAMES);
            let declared = schema
                .structured_types
                .iter()
                .map(|t| &t.name)
                .chain(schema.enum_types.iter().map(|t| &t.name))
                .chain(schema.type_definitions.iter().map(|t| &t.name));
            for name in declared {
                let ident = type_scope.claim(&names::camel(name));
                layout.idents.insert(format!("{}.{name}", schema.namespace), ident);
            }
            for ty in schema.enum_types.iter().filter(|t| t.is_flags) {
                let ident = type_scope.claim(&format!("{}Set", names::camel(&ty.name)));
                layout.flag_sets.insert(format!("{}.{}", schema.namespace, ty.name), ident);
            }
            for ty in &schema.structured_types {
                let qualified = format!("{}.{}", schema.namespace, ty.name);
                let polymorphic = !model.derived(&qualified).is_empty();
                if polymorphic {
                    layout.any.insert(
                        qualified.clone(),
                        type_scope.claim(&format!("Any{}", names::camel(&ty.name))),
                    );
                }
                if input_types.contains(&qualified) {
                    layout.inputs.insert(
                        qualified.clone(),
                        type_scope.claim(&format!("{}Input", names::camel(&ty.name))),
                    );
                    if polymorphic {
                        let any = type_scope.claim(&format!("Any{}Input", names::camel(&ty.name)));
                        layout.any_inputs.insert(qualified, any);
                    }
                }
            }
            layout.modules.insert(schema.namespace.clone(), module);
        }
        layout
    }

    /// Whether the decoder of `qualified` also matches members ignoring ASCII case: the rows of
    /// export files spell members in PascalCase (`CveId`) where JSON responses use camelCase
    /// (`cveId`), and both decode into the same fields.
    pub fn folds_member_case(&self, qualified: &str) -> bool {
        self.file_rows.contains(qualified)
    }

    /// The module of a schema's types, when it declares any.
    pub fn module_of(&self, namespace: &str) -> Option<&str> {
        self.modules.get(namespace).map(String::as_str)
    }

    /// Whether no two schemas gave a type the same Rust name, so their modules can be
    /// glob re-exported side by side.
    pub fn type_names_unique(&self) -> bool {
        let mut seen = std::collections::HashSet::new();
        self.idents.values().all(|name| seen.insert(name.as_str()))
    }

    /// The name of the `Any…` enum of a type with derived types.
    pub fn any_name(&self, qualified: &str) -> Option<&str> {
        self.any.get(qualified).map(String::as_str)
    }

    /// The name of a type's create/update body type.
    pub fn input_name(&self, qualified: &str) -> Option<&str> {
        self.inputs.get(qualified).map(String::as_str)
    }

    fn qualified_path(&self, qualified: &str, ident: &str, from: &str) -> TokenStream {
        let ident = Ident::new(ident, Span::call_site());
        let namespace = qualified.rsplit_once('.').map_or("", |(ns, _)| ns);
        match self.modules.get(namespace) {
            Some(module) if module != from => {
                let module = Ident::new(module, Span::call_site());
                quote!(super::#module::#ident)
            }
            _ => quote!(#ident),
        }
    }

    /// The Rust type that holds a value of structured type `qualified`: the type itself, or
    /// the `Any…` enum when types derive from it.
    pub fn value_path(&self, qualified: &str, from: &str) -> TokenStream {
        match self.any.get(qualified).or_else(|| self.idents.get(qualified)) {
            Some(ident) => self.qualified_path(qualified, ident, from),
            None => quote!(Value),
        }
    }

    /// The body type that holds a value of structured type `qualified` in a request, when it
    /// has one.
    pub fn input_value_path(&self, qualified: &str, from: &str) -> Option<TokenStream> {
        let ident = self.any_inputs.get(qualified).or_else(|| self.inputs.get(qualified))?;
        Some(self.qualified_path(qualified, ident, from))
    }

    /// The type itself (never its `Any…` enum), as written in module `from`.
    pub fn exact_path(&self, qualified: &str, from: &str) -> TokenStream {
        match self.idents.get(qualified) {
            Some(ident) => self.qualified_path(qualified, ident, from),
            None => quote!(Value),
        }
    }

    /// The type's own body type (never its `Any…Input` enum), when it has one.
    pub fn input_value_path_exact(&self, qualified: &str, from: &str) -> Option<TokenStream> {
        let ident = self.inputs.get(qualified)?;
        Some(self.qualified_path(qualified, ident, from))
    }

    /// The set type of a flags enumeration, as written in module `from`.
    pub fn flag_set_path(&self, qualified: &str, from: &str) -> Option<TokenStream> {
        let ident = self.flag_sets.get(qualified)?;
        Some(self.qualified_path(qualified, ident, from))
    }

    /// The set type's name of a flags enumeration.
    pub fn flag_set_ident(&self, qualified: &str) -> Option<Ident> {
        self.flag_sets.get(qualified).map(|i| Ident::new(i, Span::call_site()))
    }

    /// The `Any…` enum of a type with derived types.
    pub fn any_ident(&self, qualified: &str) -> Option<Ident> {
        self.any.get(qualified).map(|i| Ident::new(i, Span::call_site()))
    }

    /// The `Any…Input` enum of a body type with derived types.
    pub fn any_input_ident(&self, qualified: &str) -> Option<Ident> {
        self.any_inputs.get(qualified).map(|i| Ident::new(i, Span::call_site()))
    }

    /// The Rust name of a declared type.
    pub fn ident(&self, namespace: &str, name: &str) -> Ident {
        let ident = self.idents.get(&format!("{namespace}.{name}")).map_or(name, String::as_str);
        Ident::new(ident, Span::call_site())
    }

    /// The name of the create/update body type of an entity type, when it has one.
    pub fn input_ident(&self, namespace: &str, name: &str) -> Option<Ident> {
        self.inputs.get(&format!("{namespace}.{name}")).map(|i| Ident::new(i, Span::call_site()))
    }

    /// The path of an entity type's create/update body type as written in module `from`.
    pub fn input_path(&self, namespace: &str, name: &str, from: &str) -> Option<TokenStream> {
        let ident = self.input_ident(namespace, name)?;
        Some(match self.modules.get(namespace) {
            Some(module) if module != from => {
                let module = Ident::new(module, Span::call_site());
                quote!(super::#module::#ident)
            }
            _ => quote!(#ident),
        })
    }

    /// The path of a declared type as written in module `from`.
    pub fn path(&self, namespace: &str, name: &str, from: &str) -> TokenStream {
        let ident = self.ident(namespace, name);
        match self.modules.get(namespace) {
            Some(module) if module != from => {
                let module = Ident::new(module, Span::call_site());
                quote!(super::#module::#ident)
            }
            _ => quote!(#ident),
        }
    }
}

/// Every structured type a create or update body can contain: the entity types that need one,
/// the types their properties reach, and the types derived from any of those.
fn input_closure(model: &Model) -> std::collections::HashSet<String> {
    let mut stack: Vec<String> = model
        .document
        .schemas
        .iter()
        .flat_map(|s| s.structured_types.iter().map(move |t| (s, t)))
        .filter(|(s, t)| needs_input(model, &s.namespace, &t.name))
        .map(|(s, t)| format!("{}.{}", s.namespace, t.name))
        .collect();
    let mut seen = std::collections::HashSet::new();
    while let Some(qualified) = stack.pop() {
        if !seen.insert(qualified.clone()) {
            continue;
        }
        stack.extend(model.derived(&qualified));
        if let Some(crate::csdl::resolve::Resolved::Structured(schema, ty)) = model.resolve(&qualified) {
            for property in model.all_properties(schema, ty) {
                if let Some(crate::csdl::resolve::Resolved::Structured(s, t)) =
                    model.resolve(&property.ty.name)
                {
                    stack.push(format!("{}.{}", s.namespace, t.name));
                }
            }
        }
    }
    seen
}

/// Whether some entity set of this entity type can be created or updated, so that the type needs
/// a request body type.
fn needs_input(model: &Model, namespace: &str, name: &str) -> bool {
    let Some((schema, container)) = model.container() else { return false };
    let qualified = format!("{namespace}.{name}");
    container.entity_sets.iter().filter(|set| model.qualify(&set.entity_type) == qualified).any(|set| {
        let target = format!("{}.{}/{}", schema.namespace, container.name, set.name);
        let capabilities = model.capabilities(&set.annotations, &target);
        capabilities.insertable() || capabilities.updatable()
    })
}
