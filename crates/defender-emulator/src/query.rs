//! OData system query options over a collection: `$filter`, `$select`, `$top`, `$skip`,
//! `$count`, and server-driven paging with `@odata.nextLink`.

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::filter;

/// The most items one page holds, as the service's list endpoints do.
pub const MAX_PAGE: usize = 10_000;

/// A collection answer, or the OData error message for a bad query option.
pub fn page(
    items: &[Value],
    params: &HashMap<String, String>,
    context: &str,
    next_base: &str,
    max_page: usize,
) -> Result<Value, String> {
    let filter = params
        .get("$filter")
        .map(|f| filter::parse(f))
        .transpose()
        .map_err(|e| format!("Invalid $filter: {e}"))?;
    let number = |name: &str| {
        params
            .get(name)
            .map(|v| {
                v.trim()
                    .parse::<usize>()
                    .map_err(|_| format!("{name} must be a non-negative integer, not {v:?}"))
            })
            .transpose()
    };
    let (top, skip) = (number("$top")?, number("$skip")?.unwrap_or(0));
    let count = match params.get("$count").map(|c| c.trim()) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(format!("$count must be true or false, not {other:?}")),
    };
    let select: Option<Vec<&str>> =
        params.get("$select").map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).collect());

    let matching: Vec<&Value> =
        items.iter().filter(|item| filter.as_ref().is_none_or(|f| filter::matches(f, item))).collect();
    let wanted = top.unwrap_or(usize::MAX);
    let take = wanted.min(max_page);
    let slice: Vec<Value> = matching
        .iter()
        .skip(skip)
        .take(take)
        .map(|item| match &select {
            Some(fields) => project(item, fields),
            None => (*item).clone(),
        })
        .collect();
    let mut body = Map::new();
    body.insert("@odata.context".into(), Value::from(context));
    if count {
        body.insert("@odata.count".into(), Value::from(matching.len()));
    }
    let delivered = skip + slice.len();
    if slice.len() == take && wanted > take && delivered < matching.len() {
        let mut next: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| *k != "$skip" && *k != "$top")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        next.sort();
        next.push(("$skip".into(), delivered.to_string()));
        if let Some(top) = top {
            next.push(("$top".into(), (top - take).to_string()));
        }
        let query: Vec<String> = next.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
        body.insert("@odata.nextLink".into(), Value::from(format!("{next_base}?{}", query.join("&"))));
    }
    body.insert("value".into(), Value::Array(slice));
    Ok(Value::Object(body))
}

fn project(item: &Value, fields: &[&str]) -> Value {
    let mut out = Map::new();
    for field in fields {
        if let Some(value) = item.get(*field) {
            out.insert((*field).to_owned(), value.clone());
        }
    }
    Value::Object(out)
}

fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn pages_are_cut_at_the_maximum_and_linked() {
        let items: Vec<Value> = (0..25).map(|n| json!({"n": n})).collect();
        let first = page(&items, &params(&[]), "ctx", "http://h/api/x", 10).unwrap_or_default();
        assert_eq!(first["value"].as_array().map(Vec::len), Some(10));
        assert_eq!(first["@odata.nextLink"], "http://h/api/x?$skip=10");
        let last = page(&items, &params(&[("$skip", "20")]), "ctx", "http://h/api/x", 10).unwrap_or_default();
        assert_eq!(last["value"].as_array().map(Vec::len), Some(5));
        assert!(last.get("@odata.nextLink").is_none());
        let past = page(&items, &params(&[("$skip", "30")]), "ctx", "x", 10).unwrap_or_default();
        assert_eq!(past["value"], json!([]));
    }

    #[test]
    fn top_select_count_and_filter_combine() {
        let items: Vec<Value> =
            (0..25).map(|n| json!({"n": n, "even": n % 2 == 0, "name": format!("m{n}")})).collect();
        let body = page(
            &items,
            &params(&[("$filter", "even eq true"), ("$top", "3"), ("$select", "n"), ("$count", "true")]),
            "c",
            "x",
            10,
        )
        .unwrap_or_default();
        assert_eq!(body["value"], json!([{"n": 0}, {"n": 2}, {"n": 4}]));
        assert_eq!(body["@odata.count"], 13);
        assert!(body.get("@odata.nextLink").is_none(), "$top satisfied in one page");
        assert!(page(&items, &params(&[("$top", "-1")]), "c", "x", 10).is_err());
        assert!(page(&items, &params(&[("$filter", "n eq")]), "c", "x", 10).is_err());
    }
}
