//! OData system query options over a collection: `$filter`, `$orderby`, `$select`, `$top`,
//! `$skip`, `$count`, and server-driven paging with `@odata.nextLink`.

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

    let order = params.get("$orderby").map(|o| order_by(o)).transpose()?;
    let mut matching: Vec<&Value> =
        items.iter().filter(|item| filter.as_ref().is_none_or(|f| filter::matches(f, item))).collect();
    if let Some(order) = &order {
        // A stable sort keeps the set's own order between equal keys, so paging stays consistent.
        matching.sort_by(|a, b| {
            order
                .iter()
                .map(|(property, descending)| {
                    let ordering = compare(a.get(property.as_str()), b.get(property.as_str()));
                    if *descending { ordering.reverse() } else { ordering }
                })
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
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

/// `$orderby`: properties, each `asc` (the default) or `desc`.
fn order_by(text: &str) -> Result<Vec<(String, bool)>, String> {
    text.split(',')
        .map(|part| {
            let mut words = part.split_whitespace();
            let property = words.next().ok_or_else(|| format!("Invalid $orderby: {text:?}"))?;
            let descending = match words.next().map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(other) => return Err(format!("Invalid $orderby direction {other:?}")),
            };
            if words.next().is_some() {
                return Err(format!("Invalid $orderby: {text:?}"));
            }
            Ok((property.to_owned(), descending))
        })
        .collect()
}

/// Orders JSON values as OData does for sorting: null first, then numbers, strings (ISO
/// timestamps sort as text) and booleans by value.
fn compare(a: Option<&Value>, b: Option<&Value>) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a.unwrap_or(&Value::Null), b.unwrap_or(&Value::Null)) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .unwrap_or_default()
            .partial_cmp(&y.as_f64().unwrap_or_default())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ => Ordering::Equal,
    }
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

/// The columns of the emulated `DeviceProcessEvents` table, with their Kusto types: what both
/// hunting APIs answer with, each in its own casing.
pub const HUNTING_COLUMNS: &[(&str, &str)] = &[
    ("Timestamp", "DateTime"),
    ("DeviceId", "String"),
    ("DeviceName", "String"),
    ("FileName", "String"),
    ("ProcessCommandLine", "String"),
    ("InitiatingProcessAccountName", "String"),
];

/// A `DeviceProcessEvents` row for each of the first `limit` machines.
pub fn hunting_rows(machines: &[Value], limit: usize) -> Vec<Value> {
    machines
        .iter()
        .take(limit)
        .map(|machine| {
            serde_json::json!({
                "Timestamp": machine["lastSeen"],
                "DeviceId": machine["id"],
                "DeviceName": machine["computerDnsName"],
                "FileName": "powershell.exe",
                "ProcessCommandLine": "powershell.exe -NoProfile -ExecutionPolicy Bypass",
                "InitiatingProcessAccountName": "system",
            })
        })
        .collect()
}

/// The row limit of a hunting query: its final `| take N` or `| limit N`, as both hunting APIs
/// honour it.
pub fn hunting_take(query: &str) -> Option<usize> {
    query
        .split('|')
        .filter_map(|part| part.trim().strip_prefix("take ").or_else(|| part.trim().strip_prefix("limit ")))
        .filter_map(|n| n.trim().parse::<usize>().ok())
        .next_back()
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

    #[test]
    fn orderby_sorts_by_each_key_in_turn_and_rejects_bad_directions() {
        let items = vec![
            json!({"n": 1, "name": "b"}),
            json!({"n": 2, "name": "a"}),
            json!({"n": 3, "name": "b"}),
            json!({"n": 4, "name": null}),
        ];
        let body = page(&items, &params(&[("$orderby", "name desc, n asc"), ("$select", "n")]), "c", "x", 10)
            .unwrap_or_default();
        assert_eq!(body["value"], json!([{"n": 1}, {"n": 3}, {"n": 2}, {"n": 4}]));
        let body =
            page(&items, &params(&[("$orderby", "n desc"), ("$top", "2")]), "c", "x", 10).unwrap_or_default();
        assert_eq!(body["value"][0]["n"], 4);
        assert!(page(&items, &params(&[("$orderby", "n sideways")]), "c", "x", 10).is_err());
    }
}
