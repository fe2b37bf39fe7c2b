//! The catalogs from the command line: finding endpoints by name (the Defender for Endpoint
//! API's and Microsoft Graph's), reading `NAME=VALUE` arguments, and choosing the columns a
//! table shows.

use defender_runtime::catalog::{Catalog, Endpoint, EndpointKind, Shape};
use defender_sdk::catalog::CATALOG;
use serde_json::{Value, json};

/// Which API an endpoint belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// The Defender for Endpoint API (`specs/defender-endpoint.xml`).
    Defender,
    /// Defender in Microsoft Graph (`specs/graph-security.xml`).
    Graph,
}

impl Service {
    /// Both, Defender's first: a name both had would resolve to Defender's.
    pub const ALL: [Service; 2] = [Service::Defender, Service::Graph];

    /// The service's catalog.
    pub fn catalog(self) -> &'static Catalog {
        match self {
            Service::Defender => &CATALOG,
            Service::Graph => &defender_sdk::graph::catalog::CATALOG,
        }
    }

    /// The service whose catalog holds `endpoint`.
    pub fn of(endpoint: &'static Endpoint) -> Service {
        let graph = Service::Graph.catalog();
        if graph.endpoints.iter().any(|e| std::ptr::eq(e, endpoint)) {
            Service::Graph
        } else {
            Service::Defender
        }
    }

    /// Decodes `body` as the service's type `name` and writes it back (see the registries).
    pub fn decode_as(self, name: &str, collection: bool, body: &[u8]) -> Option<defender_sdk::Result<Value>> {
        match self {
            Service::Defender => defender_sdk::registry::decode_as(name, collection, body),
            Service::Graph => defender_sdk::graph::registry::decode_as(name, collection, body),
        }
    }
}

/// Every endpoint of both services.
fn all_endpoints() -> impl Iterator<Item = &'static Endpoint> {
    Service::ALL.into_iter().flat_map(|service| service.catalog().endpoints.iter())
}

/// The endpoint called `name` (ASCII case-insensitive) in either service, or an error that
/// suggests near names.
pub fn find(name: &str) -> Result<&'static Endpoint, String> {
    if let Some(endpoint) = Service::ALL.into_iter().find_map(|service| service.catalog().endpoint(name)) {
        return Ok(endpoint);
    }
    // The closest names by edit distance; clap suggests subcommands with the same measure.
    let wanted = name.to_ascii_lowercase();
    let mut scored: Vec<(f64, &str)> = all_endpoints()
        .map(|e| (strsim::normalized_damerau_levenshtein(&e.name.to_ascii_lowercase(), &wanted), e.name))
        .filter(|(score, _)| *score > 0.6)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    let near: Vec<&str> = scored.into_iter().take(5).map(|(_, name)| name).collect();
    let hint = if near.is_empty() {
        "run `defender api` to list them".to_owned()
    } else {
        format!("did you mean {}?", near.join(", "))
    };
    Err(format!("no endpoint `{name}`; {hint}"))
}

/// The endpoint of `kind` on the entity set called `set` (`list`, `get`).
pub fn of_set(set: &str, kind: EndpointKind) -> Result<&'static Endpoint, String> {
    CATALOG.endpoints.iter().find(|e| e.kind == kind && e.root.eq_ignore_ascii_case(set)).ok_or_else(|| {
        let sets: Vec<&str> =
            CATALOG.endpoints.iter().filter(|e| e.kind == EndpointKind::List).map(|e| e.root).collect();
        format!("no entity set `{set}` (sets: {})", sets.join(", "))
    })
}

/// Endpoints of both services whose name, request or SDK call contains `text` (all of them
/// without a text).
pub fn search(text: Option<&str>) -> Vec<&'static Endpoint> {
    let text = text.map(str::to_ascii_lowercase);
    all_endpoints()
        .filter(|e| {
            text.as_deref().is_none_or(|t| {
                [e.name.to_owned(), display(e), e.sdk.to_owned()]
                    .iter()
                    .any(|field| field.to_ascii_lowercase().contains(t))
            })
        })
        .collect()
}

/// The request an endpoint sends, under its own service's root (`GET /v1.0/security/incidents`).
pub fn display(endpoint: &'static Endpoint) -> String {
    endpoint.display(Service::of(endpoint).catalog().root)
}

/// One row per endpoint for `defender api`: name, request, application permissions, SDK call.
pub fn rows(endpoints: &[&'static Endpoint]) -> Vec<Value> {
    endpoints
        .iter()
        .map(|e| {
            let application: Vec<&str> =
                e.permissions.iter().filter(|p| p.kind == "Application").map(|p| p.name).collect();
            json!({
                "name": e.name,
                "request": display(e),
                "permissions": application,
                "sdk": match Service::of(e) {
                    Service::Defender => format!("client.{}", e.sdk),
                    Service::Graph => format!("client.graph().{}", e.sdk),
                },
                "summary": e.summary,
            })
        })
        .collect()
}

/// `NAME=VALUE` arguments, split at the first `=`.
pub fn parse_arguments(arguments: &[String]) -> Result<Vec<(String, String)>, String> {
    arguments
        .iter()
        .map(|argument| match argument.split_once('=') {
            Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
            _ => Err(format!("expected NAME=VALUE, not `{argument}`")),
        })
        .collect()
}

/// The columns a table of `type_name` shows: its key, then its first plain properties, up to
/// seven in all.
pub fn default_columns(type_name: &str) -> Vec<String> {
    let Some((catalog, ty)) = Service::ALL
        .into_iter()
        .find_map(|service| service.catalog().type_info(type_name).map(|ty| (service.catalog(), ty)))
    else {
        return Vec::new();
    };
    let mut columns: Vec<String> = catalog.key(ty).iter().map(|k| (*k).to_owned()).collect();
    for property in catalog.properties(ty) {
        if columns.len() >= 7 {
            break;
        }
        let plain = !property.ty.collection
            && !matches!(
                catalog.type_info(property.ty.name).map(|t| t.shape),
                Some(Shape::Entity(_) | Shape::Complex(_))
            );
        if plain && !columns.iter().any(|c| c == property.name) {
            columns.push(property.name.to_owned());
        }
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_found_by_name_with_suggestions_for_near_misses() {
        assert_eq!(find("MACHINES.ISOLATE").map(|e| e.name), Ok("machines.isolate"));
        let miss = find("machines.isolat").err().unwrap_or_default();
        assert!(miss.contains("machines.isolate"), "{miss}");
        assert!(find("zzz").err().unwrap_or_default().contains("defender api"));
        assert_eq!(of_set("software", EndpointKind::Get).map(|e| e.name), Ok("Software.get"));
        assert!(of_set("nothing", EndpointKind::List).err().unwrap_or_default().contains("machines"));
    }

    #[test]
    fn search_matches_names_requests_and_sdk_calls() {
        let found: Vec<&str> = search(Some("findbyip")).iter().map(|e| e.name).collect();
        assert_eq!(found, ["machines.findbyip"]);
        assert!(search(Some("/api/alerts/{id}")).iter().any(|e| e.name == "alerts.update"));
        assert!(search(Some("set_device_value")).iter().any(|e| e.name == "machines.setDeviceValue"));
        assert_eq!(search(None).len(), CATALOG.endpoints.len() + Service::Graph.catalog().endpoints.len());
        let incidents = &rows(&search(Some("security.incidents.get")))[0];
        assert_eq!(incidents["request"], "GET /v1.0/security/incidents/{id}");
        assert_eq!(incidents["sdk"], "client.graph().security().incidents().get(id)");
        let row = &rows(&search(Some("machines.isolate")))[0];
        assert_eq!(row["request"], "POST /api/machines/{id}/isolate");
        assert!(row["permissions"].as_array().is_some_and(|p| p.iter().any(|p| p == "Machine.Isolate")));
    }

    #[test]
    fn arguments_are_name_value_pairs() {
        let parsed = parse_arguments(&["ip=10.0.0.1".into(), "q=a=b".into(), "empty=".into()]);
        assert_eq!(
            parsed,
            Ok(vec![
                ("ip".into(), "10.0.0.1".into()),
                ("q".into(), "a=b".into()),
                ("empty".into(), String::new())
            ])
        );
        assert!(parse_arguments(&["=x".into()]).is_err());
        assert!(parse_arguments(&["novalue".into()]).is_err());
    }

    #[test]
    fn tables_show_the_key_and_plain_properties() {
        let columns = default_columns("microsoft.windowsDefenderATP.api.Machine");
        assert_eq!(columns.first().map(String::as_str), Some("id"));
        assert!(columns.len() <= 7 && columns.len() > 3, "{columns:?}");
        assert!(!columns.iter().any(|c| c == "ipAddresses"), "{columns:?}");
    }
}
