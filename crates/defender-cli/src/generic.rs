//! `defender call`, `list` and `get`: any endpoint of the catalog, its answer checked against
//! the SDK's type for it before it is written.

use defender_runtime::catalog::{Endpoint, Shape, TypeRef, Verb};
use defender_sdk::{CollectionRequest, DefenderClient, Error};
use serde_json::Value;

use defender_cli::endpoints::Service;
use defender_cli::output::{Format, write_rows};

use crate::{ListArgs, list_checked, print_value};

/// Whether values of `ty` are entities or complex values (that the registry decodes).
fn structured(service: Service, ty: TypeRef) -> bool {
    matches!(
        service.catalog().type_info(ty.name).map(|t| t.shape),
        Some(Shape::Entity(_) | Shape::Complex(_))
    )
}

/// Decodes `value` as the SDK's type `ty` (a collection page when `collection`), so that an
/// answer that does not fit the metadata is an error rather than output.
fn check(service: Service, ty: TypeRef, collection: bool, value: &Value) -> Result<(), Error> {
    let bytes = serde_json::to_vec(value).map_err(|e| Error::config(e.to_string()))?;
    match service.decode_as(ty.name, collection, &bytes) {
        Some(result) => result.map(|_| ()),
        // A type whose feature is off is not checked.
        None => Ok(()),
    }
}

/// Calls `endpoint` with `arguments` and writes its answer.
pub async fn call(
    client: &DefenderClient,
    endpoint: &'static Endpoint,
    arguments: &[(String, String)],
    query: &ListArgs,
    format: Format,
) -> Result<(), Error> {
    let service = Service::of(endpoint);
    let catalog = service.catalog();
    // Each service's endpoints go to its own root, with a token for its own audience.
    let runtime = match service {
        Service::Defender => client.runtime(),
        Service::Graph => client.runtime().graph(),
    };
    let borrowed: Vec<(&str, &str)> = arguments.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let prepared = catalog.prepare(endpoint, &borrowed)?;
    let returns = endpoint.returns;
    if let Some(ty) =
        returns.filter(|r| r.collection && structured(service, *r) && prepared.verb == Verb::Get)
    {
        let mut request = CollectionRequest::<Value>::new(runtime.clone(), prepared.path);
        // A selected entity still carries its key, which the SDK's type requires.
        if !query.select.is_empty()
            && let Some(info) = catalog.type_info(ty.name)
        {
            request = request.select(catalog.key(info).iter().copied());
        }
        let columns = defender_cli::endpoints::default_columns(ty.name);
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        return list_checked(request, query, &columns, format, |item| check(service, ty, false, item)).await;
    }
    if !query.is_empty() {
        return Err(Error::config(format!(
            "--filter, --select, --top and --orderby apply to endpoints that list a collection; {} does not",
            endpoint.name
        )));
    }
    let url = runtime.url(&prepared.path)?;
    let body = prepared
        .body
        .as_ref()
        .map(serde_json::to_vec)
        .transpose()
        .map_err(|e| Error::config(e.to_string()))?;
    let response = runtime.send(prepared.verb.method(), url, body).await?;
    if response.body.iter().all(u8::is_ascii_whitespace) {
        eprintln!("{}: done ({})", endpoint.name, response.status);
        return Ok(());
    }
    let value: Value = defender_runtime::odata::decode(&response)?;
    match returns {
        Some(ty) if structured(service, ty) && ty.collection => {
            check(service, ty, true, &value)?;
            let rows = value.get("value").and_then(Value::as_array).cloned().unwrap_or_default();
            let columns = defender_cli::endpoints::default_columns(ty.name);
            match write_rows(&mut std::io::stdout().lock(), format, &columns, &rows) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(Error::config(format!("cannot write the output: {e}")))
                }
                _ => Ok(()),
            }
        }
        Some(ty) if structured(service, ty) => {
            check(service, ty, false, &value)?;
            print_value(&value, format)
        }
        // A primitive answer comes as `{"value": …}`.
        _ => print_value(value.get("value").unwrap_or(&value), format),
    }
}
