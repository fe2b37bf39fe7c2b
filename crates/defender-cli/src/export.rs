//! `defender export NAME`: an export "via files" as rows on standard output (JSON lines or
//! CSV) or in a file, with a progress bar of rows and bytes on a terminal.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use defender_cli::output::{Format, cell};
use defender_runtime::catalog::{Catalog, Endpoint};
use defender_runtime::export::ExportRows;
use defender_sdk::{DefenderClient, Error};
use futures_util::TryStreamExt;
use serde_json::value::RawValue;

/// The catalog's exports "via files", each with its name on the command line.
pub fn exports() -> Vec<(String, &'static Endpoint)> {
    let catalog: &Catalog = &defender_sdk::catalog::CATALOG;
    let mut found: Vec<(String, &'static Endpoint)> =
        catalog.endpoints.iter().filter(|e| e.file_rows.is_some()).map(|e| (command_name(e), e)).collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

/// `machines.SoftwareVulnerabilitiesExport` → `software-vulnerabilities`: the function's name
/// without `Export`, in kebab case. The one function the service names in lowercase throughout
/// (`browserextensionsinventoryExport`) is spelled as its other endpoints spell it.
fn command_name(endpoint: &Endpoint) -> String {
    let function = endpoint.name.rsplit('.').next().unwrap_or(endpoint.name);
    let stem = function.strip_suffix("Export").unwrap_or(function);
    let stem = if stem.eq_ignore_ascii_case("browserextensionsinventory") {
        "BrowserExtensionsInventory"
    } else {
        stem
    };
    let mut name = String::new();
    let chars: Vec<char> = stem.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
        let previous_lower = i > 0 && chars[i - 1].is_ascii_lowercase();
        if c.is_ascii_uppercase() && i > 0 && (previous_lower || next_lower) {
            name.push('-');
        }
        name.push(c.to_ascii_lowercase());
    }
    name
}

/// The names, one per line, each with its row type.
pub fn list() -> String {
    exports()
        .into_iter()
        .map(|(name, endpoint)| {
            let row = endpoint.file_rows.and_then(|r| r.rsplit('.').next()).unwrap_or_default();
            format!("{name}\t{row}\n")
        })
        .collect()
}

/// Where the rows go.
pub enum Target {
    /// JSON lines or CSV, to a file or (when `None`) standard output.
    Rows(Format, Option<PathBuf>),
    /// A Parquet file.
    #[cfg(feature = "parquet")]
    Parquet(PathBuf),
}

/// Streams the export `name` to `target`; returns how many rows it wrote.
pub async fn run(
    client: &DefenderClient,
    name: &str,
    target: Target,
    concurrency: usize,
) -> Result<u64, Error> {
    let all = exports();
    let Some((_, endpoint)) = all.iter().find(|(known, _)| known == name) else {
        let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
        return Err(Error::config(format!(
            "no export named `{name}`; the exports are: {}",
            names.join(", ")
        )));
    };
    let row_type = endpoint.file_rows.unwrap_or_default();
    let catalog: &Catalog = &defender_sdk::catalog::CATALOG;
    let properties = catalog.type_info(row_type).map(|ty| catalog.properties(ty)).unwrap_or_default();
    let columns: Vec<String> = properties.iter().map(|p| p.name.to_owned()).collect();
    // Rows are read as JSON text and decoded into the row type by name (the registry), which
    // matches the files' PascalCase members to the typed fields and writes them back as the
    // API spells them.
    let rows =
        ExportRows::<Box<RawValue>>::new(client.runtime().clone(), endpoint.path).concurrency(concurrency);
    let progress = rows.progress();
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message("rows");
        bar
    });
    let (format, out) = match target {
        Target::Rows(format, out) => (format, out),
        #[cfg(feature = "parquet")]
        Target::Parquet(path) => {
            let mut sink = crate::parquet::ParquetSink::create(&path, &properties)?;
            let mut written = 0u64;
            let mut stream = std::pin::pin!(rows.stream());
            while let Some(raw) = stream.try_next().await? {
                sink.push(decode_row(row_type, &raw)?)?;
                written += 1;
                tick(bar.as_ref(), written, &progress);
            }
            sink.finish()?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            return Ok(written);
        }
    };
    let out = out.as_deref();
    // A reader that stops early (`| head`) ends the export quietly.
    let closed = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sink: Box<dyn Write + Send> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .map_err(|e| Error::config(format!("cannot create {}: {e}", path.display())))?,
        )),
        None => Box::new(std::io::BufWriter::new(ClosedQuietly {
            out: std::io::stdout(),
            closed: closed.clone(),
        })),
    };
    let write_error = |e: &dyn std::fmt::Display| Error::config(format!("cannot write the rows: {e}"));
    // CSV through its writer (a header, then one record a row); JSON lines straight to the sink.
    let (mut csv, mut json) = match format {
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(sink);
            writer.write_record(&columns).map_err(|e| write_error(&e))?;
            (Some(writer), None)
        }
        _ => (None, Some(sink)),
    };
    let mut written = 0u64;
    let mut stream = std::pin::pin!(rows.stream());
    while let Some(raw) = stream.try_next().await? {
        let row = decode_row(row_type, &raw)?;
        if let Some(writer) = csv.as_mut() {
            let record: Vec<String> = columns.iter().map(|c| cell(row.get(c))).collect();
            writer.write_record(&record).map_err(|e| write_error(&e))?;
        }
        if let Some(sink) = json.as_mut() {
            serde_json::to_writer(&mut *sink, &row).map_err(|e| write_error(&e))?;
            sink.write_all(b"\n").map_err(|e| write_error(&e))?;
        }
        written += 1;
        if closed.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        tick(bar.as_ref(), written, &progress);
    }
    if let Some(mut writer) = csv {
        writer.flush().map_err(|e| write_error(&e))?;
    }
    if let Some(mut sink) = json {
        sink.flush().map_err(|e| write_error(&e))?;
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(written)
}

/// A row decoded into the row type (by name, through the registry) and written back as JSON.
fn decode_row(row_type: &str, raw: &RawValue) -> Result<serde_json::Value, Error> {
    defender_sdk::registry::decode_as(row_type, false, raw.get().as_bytes())
        .unwrap_or_else(|| serde_json::from_str(raw.get()).map_err(|e| Error::config(e.to_string())))
}

/// Moves the progress bar on every thousandth row.
fn tick(bar: Option<&indicatif::ProgressBar>, written: u64, progress: &defender_runtime::export::Progress) {
    if let Some(bar) = bar
        && written.is_multiple_of(1_000)
    {
        bar.set_message(format!("rows, {} KiB of {} files", progress.bytes() / 1024, progress.files()));
        bar.set_position(written);
    }
}

/// Standard output that, once the reader has gone (a broken pipe), takes what is written and
/// says so, so that the export stops without an error.
struct ClosedQuietly<W> {
    out: W,
    closed: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl<W: Write> Write for ClosedQuietly<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed.load(std::sync::atomic::Ordering::Relaxed) {
            return Ok(buf.len());
        }
        match self.out.write(buf) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed.store(true, std::sync::atomic::Ordering::Relaxed);
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.out.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    }
}
