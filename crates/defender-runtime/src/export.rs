//! Exports "via files": an export endpoint answers with links to gzip-compressed files of JSON
//! lines (`exportFiles`); [`ExportRows`] downloads them a few at a time, decompresses while
//! downloading, and decodes each line into a row type.
//!
//! Each file is downloaded by an async task (see [`storage`](crate::storage) for the link's
//! rules: no token, resumed from the byte a break stopped at) and decompressed and decoded on a
//! blocking thread, so that on two cores the decoding of one file overlaps the decompression
//! of another. Channels between them are bounded: memory holds a few chunks and a few batches
//! of rows per file, whatever the export's size. Rows of different files interleave; rows of
//! one file keep their order.

use std::io::{BufRead, Read};
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

use crate::client::ODataClient;
use crate::error::{Error, ErrorKind, Result};

/// Rows handed over at once from a decoding thread.
const BATCH_ROWS: usize = 1_024;
/// Downloaded chunks waiting for a file's decoder.
const CHUNKS_IN_FLIGHT: usize = 8;
/// Files downloaded at once, by default: one per core of the machines this runs on.
pub const DEFAULT_CONCURRENCY: usize = 2;

/// How far an export has come: files, compressed bytes and rows, shared with the stream.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    counters: Arc<Counters>,
}

#[derive(Debug, Default)]
struct Counters {
    files: AtomicU64,
    files_done: AtomicU64,
    bytes: AtomicU64,
    rows: AtomicU64,
}

impl Progress {
    /// The number of files the export lists (0 until the list has arrived).
    pub fn files(&self) -> u64 {
        self.counters.files.load(Ordering::Relaxed)
    }

    /// Files read to their end.
    pub fn files_done(&self) -> u64 {
        self.counters.files_done.load(Ordering::Relaxed)
    }

    /// Compressed bytes downloaded.
    pub fn bytes(&self) -> u64 {
        self.counters.bytes.load(Ordering::Relaxed)
    }

    /// Rows decoded.
    pub fn rows(&self) -> u64 {
        self.counters.rows.load(Ordering::Relaxed)
    }
}

/// The answer of an export endpoint: the files' links.
#[derive(Deserialize)]
struct FileList {
    #[serde(rename = "exportFiles", default)]
    export_files: Vec<String>,
}

/// The rows of an export "via files", decoded into `T` (see the module docs).
///
/// Built by the SDK's generated `…_export_rows` methods; `stream` yields every row of every
/// file once, and ends at the first error (a refused link, a row that does not decode).
pub struct ExportRows<T> {
    client: ODataClient,
    path: String,
    concurrency: usize,
    progress: Progress,
    _row: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for ExportRows<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportRows")
            .field("path", &self.path)
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

impl<T: DeserializeOwned + Send + 'static> ExportRows<T> {
    /// The rows of the export endpoint at `path` (relative to the service root, with its query).
    pub fn new(client: ODataClient, path: impl Into<String>) -> Self {
        Self {
            client,
            path: path.into(),
            concurrency: DEFAULT_CONCURRENCY,
            progress: Progress::default(),
            _row: PhantomData,
        }
    }

    /// How many files are downloaded and decoded at once ([`DEFAULT_CONCURRENCY`] unless set).
    pub fn concurrency(mut self, files: usize) -> Self {
        self.concurrency = files.max(1);
        self
    }

    /// Counters of files, bytes and rows, updated while the stream runs.
    pub fn progress(&self) -> Progress {
        self.progress.clone()
    }

    /// Asks the export endpoint for its files' links (each call asks anew: links expire).
    pub async fn files(&self) -> Result<Vec<String>> {
        let url = self.client.url(&self.path)?;
        let list: FileList = self.client.get(url).await?;
        Ok(list.export_files)
    }

    /// Every row of every file, once. Needs a Tokio runtime (it spawns the downloads).
    pub fn stream(self) -> impl Stream<Item = Result<T>> + Send + 'static {
        let (rows_tx, rows_rx) = mpsc::channel::<Result<Vec<T>>>(2 * self.concurrency);
        let progress = self.progress.clone();
        tokio::spawn(async move {
            let files = match self.files().await {
                Ok(files) => files,
                Err(error) => {
                    let _ = rows_tx.send(Err(error)).await;
                    return;
                }
            };
            progress.counters.files.store(files.len() as u64, Ordering::Relaxed);
            let client = self.client.clone();
            let mut downloads = futures_util::stream::iter(files)
                .map(|link| read_file::<T>(client.clone(), link, rows_tx.clone(), progress.clone()))
                .buffer_unordered(self.concurrency);
            while let Some(outcome) = downloads.next().await {
                if let Err(error) = outcome {
                    let _ = rows_tx.send(Err(error)).await;
                    return;
                }
            }
        });
        futures_util::stream::unfold(
            (rows_rx, Vec::new().into_iter(), false),
            |(mut rx, mut batch, failed)| async move {
                if failed {
                    return None;
                }
                loop {
                    if let Some(row) = batch.next() {
                        return Some((Ok(row), (rx, batch, false)));
                    }
                    match rx.recv().await? {
                        Ok(rows) => batch = rows.into_iter(),
                        Err(error) => return Some((Err(error), (rx, batch, true))),
                    }
                }
            },
        )
    }

    /// Every row, in memory: for small exports; prefer [`stream`](Self::stream).
    pub async fn collect_all(self) -> Result<Vec<T>> {
        let mut rows = Vec::new();
        let mut stream = std::pin::pin!(self.stream());
        while let Some(row) = stream.next().await {
            rows.push(row?);
        }
        Ok(rows)
    }
}

/// Downloads one file and feeds it to a decoding thread, which sends its rows on.
async fn read_file<T: DeserializeOwned + Send + 'static>(
    client: ODataClient,
    link: String,
    rows: mpsc::Sender<Result<Vec<T>>>,
    progress: Progress,
) -> Result<()> {
    let mut download = client.download(&link)?;
    let name = download.display_url();
    let (chunks_tx, chunks_rx) = mpsc::channel::<Bytes>(CHUNKS_IN_FLIGHT);
    let decoding = {
        let progress = progress.clone();
        tokio::task::spawn_blocking(move || decode_file::<T>(chunks_rx, &rows, &progress, &name))
    };
    let downloaded = async {
        while let Some(chunk) = download.chunk().await? {
            progress.counters.bytes.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            if chunks_tx.send(chunk).await.is_err() {
                break; // The decoder stopped: it reports why.
            }
        }
        Ok::<(), Error>(())
    }
    .await;
    drop(chunks_tx);
    // A broken download is the first thing to report; the decoder then sees a cut-off file.
    downloaded?;
    decoding.await.map_err(|e| Error::config(format!("the decoding thread failed: {e}")))??;
    progress.counters.files_done.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

/// Decompresses a file's chunks and decodes each line, sending rows in batches.
fn decode_file<T: DeserializeOwned>(
    chunks: mpsc::Receiver<Bytes>,
    rows: &mpsc::Sender<Result<Vec<T>>>,
    progress: &Progress,
    name: &str,
) -> Result<()> {
    let reader = ChunkReader { chunks, current: Bytes::new() };
    let mut lines = std::io::BufReader::with_capacity(256 * 1024, flate2::read::MultiGzDecoder::new(reader));
    let mut line = Vec::with_capacity(4 * 1024);
    let mut batch = Vec::with_capacity(BATCH_ROWS);
    let mut number = 0u64;
    loop {
        line.clear();
        let read = lines.read_until(b'\n', &mut line).map_err(|e| {
            Error::new(ErrorKind::Transport(crate::error::TransportError {
                context: format!("decompressing {name} after {number} lines"),
                timed_out: false,
                source: Some(Box::new(e)),
            }))
        })?;
        if read == 0 {
            break;
        }
        number += 1;
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let row = match serde_json::from_slice::<T>(text) {
            Ok(row) => row,
            // Decoded again for the message: the path of the member that did not fit.
            Err(_) => match crate::client::decode_body::<T>(text, None) {
                Err(error) => return Err(in_file(error, name, number)),
                Ok(row) => row,
            },
        };
        batch.push(row);
        if batch.len() == BATCH_ROWS {
            progress.counters.rows.fetch_add(BATCH_ROWS as u64, Ordering::Relaxed);
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH_ROWS));
            if rows.blocking_send(Ok(full)).is_err() {
                return Ok(()); // The caller stopped reading.
            }
        }
    }
    if !batch.is_empty() {
        progress.counters.rows.fetch_add(batch.len() as u64, Ordering::Relaxed);
        let _ = rows.blocking_send(Ok(batch));
    }
    Ok(())
}

/// A decode error, saying which file and line.
fn in_file(error: Error, name: &str, line: u64) -> Error {
    match error.into_kind() {
        ErrorKind::Decode(mut decode) => {
            decode.path = format!("{name} line {line}: {}", decode.path);
            Error::new(ErrorKind::Decode(decode))
        }
        other => Error::new(other),
    }
}

/// The downloaded chunks of a file as a `Read`, for the decompressor on its blocking thread.
struct ChunkReader {
    chunks: mpsc::Receiver<Bytes>,
    current: Bytes,
}

impl Read for ChunkReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.current.is_empty() {
            match self.chunks.blocking_recv() {
                Some(chunk) => self.current = chunk,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current[..n]);
        self.current = self.current.slice(n..);
        Ok(n)
    }
}
