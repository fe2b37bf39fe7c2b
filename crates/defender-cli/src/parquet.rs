//! `defender export NAME --parquet FILE` (feature `parquet`): the rows of an export in a Parquet
//! file whose Arrow schema comes from the row type's declared properties, so that data teams
//! query exports where they already do (DuckDB, Spark, Sentinel).

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int32Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use defender_runtime::catalog::{Property, TypeRef};
use defender_runtime::edm::{DateTimeOffset, Primitive};
use defender_sdk::Error;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use serde_json::Value;

/// Rows per record batch (and so per row group's pages).
const BATCH_ROWS: usize = 8_192;

/// How a declared property is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Text,
    Int32,
    Int64,
    Float,
    Boolean,
    /// `Edm.DateTimeOffset`, as microseconds since the epoch in UTC.
    Timestamp,
    /// A collection of strings (or enumeration members).
    TextList,
    /// Anything else (complex values, collections of them): its JSON text.
    Json,
}

impl Column {
    fn of(ty: &TypeRef) -> Self {
        let primitive = ty.primitive();
        if ty.collection {
            return match primitive {
                Some(Primitive::String) | None if !is_structured(ty) => Self::TextList,
                _ => Self::Json,
            };
        }
        match primitive {
            Some(
                Primitive::String
                | Primitive::Guid
                | Primitive::Date
                | Primitive::TimeOfDay
                | Primitive::Duration,
            ) => Self::Text,
            Some(Primitive::Byte | Primitive::SByte | Primitive::Int16 | Primitive::Int32) => Self::Int32,
            Some(Primitive::Int64) => Self::Int64,
            Some(Primitive::Single | Primitive::Double | Primitive::Decimal) => Self::Float,
            Some(Primitive::Boolean) => Self::Boolean,
            Some(Primitive::DateTimeOffset) => Self::Timestamp,
            Some(_) => Self::Json,
            // An enumeration or type definition is text; a structured value is JSON.
            None if is_structured(ty) => Self::Json,
            None => Self::Text,
        }
    }

    fn data_type(self) -> DataType {
        match self {
            Self::Text | Self::Json => DataType::Utf8,
            Self::Int32 => DataType::Int32,
            Self::Int64 => DataType::Int64,
            Self::Float => DataType::Float64,
            Self::Boolean => DataType::Boolean,
            Self::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            Self::TextList => DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
        }
    }
}

fn is_structured(ty: &TypeRef) -> bool {
    use defender_runtime::catalog::Shape;
    matches!(
        defender_sdk::catalog::CATALOG.type_info(ty.name).map(|t| t.shape),
        Some(Shape::Entity(_) | Shape::Complex(_))
    )
}

/// The Arrow schema of a row type: a nullable column per declared property, in order.
fn schema(properties: &[&Property]) -> (SchemaRef, Vec<Column>) {
    let columns: Vec<Column> = properties.iter().map(|p| Column::of(&p.ty)).collect();
    let fields: Vec<Field> =
        properties.iter().zip(&columns).map(|(p, c)| Field::new(p.name, c.data_type(), true)).collect();
    (Arc::new(Schema::new(fields)), columns)
}

/// A Parquet file being written, a batch of rows at a time.
pub struct ParquetSink {
    writer: ArrowWriter<File>,
    schema: SchemaRef,
    names: Vec<&'static str>,
    columns: Vec<Column>,
    rows: Vec<Value>,
}

impl ParquetSink {
    /// A file at `path` for rows of the declared properties.
    pub fn create(path: &Path, properties: &[&'static Property]) -> Result<Self, Error> {
        let (schema, columns) = schema(properties);
        let names = properties.iter().map(|p| p.name).collect();
        let file = File::create(path)
            .map_err(|e| Error::config(format!("cannot create {}: {e}", path.display())))?;
        let settings = WriterProperties::builder().set_compression(Compression::SNAPPY).build();
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(settings)).map_err(parquet_error)?;
        Ok(Self { writer, schema, names, columns, rows: Vec::with_capacity(BATCH_ROWS) })
    }

    /// Adds a row (the row type's JSON, as the registry writes it).
    pub fn push(&mut self, row: Value) -> Result<(), Error> {
        self.rows.push(row);
        if self.rows.len() == BATCH_ROWS { self.flush() } else { Ok(()) }
    }

    /// Writes what is buffered and closes the file.
    pub fn finish(mut self) -> Result<(), Error> {
        self.flush()?;
        self.writer.close().map(|_| ()).map_err(parquet_error)
    }

    fn flush(&mut self) -> Result<(), Error> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self
            .names
            .iter()
            .zip(&self.columns)
            .map(|(name, column)| array(&self.rows, name, *column))
            .collect();
        let batch =
            RecordBatch::try_new(self.schema.clone(), arrays).map_err(|e| Error::config(e.to_string()))?;
        self.writer.write(&batch).map_err(parquet_error)?;
        self.rows.clear();
        Ok(())
    }
}

fn parquet_error(error: parquet::errors::ParquetError) -> Error {
    Error::config(format!("cannot write the Parquet file: {error}"))
}

/// One column of a batch of rows.
fn array(rows: &[Value], name: &str, column: Column) -> ArrayRef {
    let values = rows.iter().map(|row| row.get(name).filter(|v| !v.is_null()));
    match column {
        Column::Text => {
            let mut builder = StringBuilder::new();
            for value in values {
                builder.append_option(value.map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned)));
            }
            Arc::new(builder.finish())
        }
        Column::Json => {
            let mut builder = StringBuilder::new();
            for value in values {
                builder.append_option(value.map(Value::to_string));
            }
            Arc::new(builder.finish())
        }
        Column::Int32 => {
            let mut builder = Int32Builder::new();
            for value in values {
                builder.append_option(value.and_then(number).and_then(|n| i32::try_from(n as i64).ok()));
            }
            Arc::new(builder.finish())
        }
        Column::Int64 => {
            let mut builder = Int64Builder::new();
            for value in values {
                builder.append_option(value.and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok())));
            }
            Arc::new(builder.finish())
        }
        Column::Float => {
            let mut builder = Float64Builder::new();
            for value in values {
                builder.append_option(value.and_then(number));
            }
            Arc::new(builder.finish())
        }
        Column::Boolean => {
            let mut builder = BooleanBuilder::new();
            for value in values {
                builder.append_option(value.and_then(Value::as_bool));
            }
            Arc::new(builder.finish())
        }
        Column::Timestamp => {
            let mut builder = TimestampMicrosecondBuilder::new().with_timezone("UTC");
            for value in values {
                let micros = value
                    .and_then(Value::as_str)
                    .and_then(|text| DateTimeOffset::parse(text).ok())
                    .map(|t| {
                        let at = t.as_offset_date_time();
                        at.unix_timestamp() * 1_000_000 + i64::from(at.microsecond())
                    });
                builder.append_option(micros);
            }
            Arc::new(builder.finish())
        }
        Column::TextList => {
            let mut builder = ListBuilder::new(StringBuilder::new());
            for value in values {
                match value.and_then(Value::as_array) {
                    Some(items) => {
                        for item in items {
                            builder.values().append_option(
                                item.as_str()
                                    .map(str::to_owned)
                                    .or_else(|| (!item.is_null()).then(|| item.to_string())),
                            );
                        }
                        builder.append(true);
                    }
                    None => builder.append(false),
                }
            }
            Arc::new(builder.finish())
        }
    }
}

/// A JSON number, or a number written as a string (the SDK writes some that way).
fn number(value: &Value) -> Option<f64> {
    value.as_f64().or_else(|| value.as_str()?.parse().ok())
}

#[cfg(test)]
mod tests {
    use arrow_array::Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::TimestampMicrosecondType;
    use serde_json::json;

    use super::*;

    #[test]
    fn edm_types_become_arrow_types_and_values_fill_them() {
        let ty = |name: &'static str, collection: bool| TypeRef { name, collection };
        assert_eq!(Column::of(&ty("Edm.DateTimeOffset", false)), Column::Timestamp);
        assert_eq!(Column::of(&ty("Edm.Int64", false)), Column::Int64);
        assert_eq!(Column::of(&ty("Edm.String", true)), Column::TextList);
        assert_eq!(
            Column::of(&ty("microsoft.windowsDefenderATP.api.MachineHealthStatus", false)),
            Column::Text
        );
        assert_eq!(Column::of(&ty("microsoft.windowsDefenderATP.api.VmMetadata", false)), Column::Json);

        let rows = [json!({"at": "2024-02-01T10:00:00.1234567Z", "n": "42"}), json!({"at": null, "n": 7})];
        let at = array(&rows, "at", Column::Timestamp);
        let at = at.as_primitive::<TimestampMicrosecondType>();
        assert_eq!(at.value(0), 1_706_781_600_123_456);
        assert!(at.is_null(1));
        let n = array(&rows, "n", Column::Int64);
        assert_eq!(n.as_primitive::<arrow_array::types::Int64Type>().values().to_vec(), [42, 7]);
    }
}
