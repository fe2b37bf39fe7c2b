//! Writing rows as a table, JSON lines or CSV.

use std::io::{self, Write};

use serde_json::Value;

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for people.
    Table,
    /// One JSON object per line, for `jq`.
    Json,
    /// Comma-separated values with a header row.
    Csv,
}

/// The longest a table cell gets before it is cut with `…`.
const MAX_CELL: usize = 48;

/// The text of a JSON value in a cell: strings bare, arrays joined, `null` empty.
pub fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(items)) => items.iter().map(|v| cell(Some(v))).collect::<Vec<_>>().join(", "),
        Some(other) => other.to_string(),
    }
}

/// Writes `rows` (JSON objects) in `format`, with `columns` for the table and CSV forms.
pub fn write_rows(
    out: &mut impl Write,
    format: Format,
    columns: &[String],
    rows: &[Value],
) -> io::Result<()> {
    match format {
        Format::Json => {
            for row in rows {
                serde_json::to_writer(&mut *out, row)?;
                writeln!(out)?;
            }
            Ok(())
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(&mut *out);
            writer.write_record(columns).map_err(io::Error::other)?;
            for row in rows {
                let record: Vec<String> = columns.iter().map(|c| cell(row.get(c))).collect();
                writer.write_record(&record).map_err(io::Error::other)?;
            }
            writer.flush()
        }
        Format::Table => {
            let cells: Vec<Vec<String>> =
                rows.iter().map(|row| columns.iter().map(|c| shorten(&cell(row.get(c)))).collect()).collect();
            let widths: Vec<usize> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    cells.iter().map(|r| r[i].chars().count()).max().unwrap_or(0).max(c.chars().count())
                })
                .collect();
            let line = |values: &[String]| {
                values
                    .iter()
                    .zip(&widths)
                    .map(|(v, w)| format!("{v:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_owned()
            };
            writeln!(out, "{}", line(columns))?;
            writeln!(out, "{}", line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>()))?;
            for row in &cells {
                writeln!(out, "{}", line(row))?;
            }
            Ok(())
        }
    }
}

/// Writes one value: pretty JSON; a table of its members (`property`, `value`), annotations
/// left out; or CSV with a header row and one row. A value that is not an object (a link, a
/// number) is written as itself.
pub fn write_record(out: &mut impl Write, format: Format, value: &Value) -> io::Result<()> {
    let Value::Object(members) = value else {
        return match (format, value) {
            (Format::Json, _) => writeln!(out, "{value}"),
            _ => writeln!(out, "{}", cell(Some(value))),
        };
    };
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, value)?;
            writeln!(out)
        }
        Format::Csv => {
            let columns: Vec<String> = members.keys().filter(|k| !k.contains('@')).cloned().collect();
            write_rows(out, format, &columns, std::slice::from_ref(value))
        }
        Format::Table => {
            let rows: Vec<Value> = members
                .iter()
                .filter(|(name, _)| !name.contains('@'))
                .map(|(name, value)| serde_json::json!({"property": name, "value": cell(Some(value))}))
                .collect();
            write_rows(out, format, &["property".to_owned(), "value".to_owned()], &rows)
        }
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_CELL {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(MAX_CELL - 1).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn render(format: Format) -> String {
        let rows = [json!({"id": "a", "tags": ["x", "y"], "n": 1}), json!({"id": "b,c", "n": null})];
        let columns = ["id".to_owned(), "tags".to_owned(), "n".to_owned()];
        let mut out = Vec::new();
        write_rows(&mut out, format, &columns, &rows).unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn one_value_renders_as_a_property_table_json_or_one_csv_row() {
        let value = json!({"@odata.context": "x", "id": "a", "tags": ["x", "y"]});
        let render = |format| {
            let mut out = Vec::new();
            write_record(&mut out, format, &value).unwrap_or_else(|e| panic!("{e}"));
            String::from_utf8(out).unwrap_or_default()
        };
        assert_eq!(render(Format::Table), "property  value\n--------  -----\nid        a\ntags      x, y\n");
        assert_eq!(render(Format::Csv), "id,tags\na,\"x, y\"\n");
        assert!(render(Format::Json).contains("\"@odata.context\": \"x\""));
        let mut out = Vec::new();
        write_record(&mut out, Format::Table, &json!("https://x.example/p"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(String::from_utf8(out).unwrap_or_default(), "https://x.example/p\n");
    }

    #[test]
    fn rows_render_in_every_format() {
        assert_eq!(render(Format::Table), "id   tags  n\n---  ----  -\na    x, y  1\nb,c\n");
        assert_eq!(render(Format::Csv), "id,tags,n\na,\"x, y\",1\n\"b,c\",,\n");
        assert_eq!(
            render(Format::Json),
            "{\"id\":\"a\",\"n\":1,\"tags\":[\"x\",\"y\"]}\n{\"id\":\"b,c\",\"n\":null}\n"
        );
    }
}
