//! Advanced hunting (`POST /api/advancedqueries/run`): rows decoded into the caller's own type,
//! and hunting's own failures told apart from a broken query.

use std::time::Duration;

use defender_runtime::codegen::ActionBody;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::{AdvancedQueryResponse, AdvancedQuerySchemaColumn, DefenderClient, Error, ErrorKind, Result};

/// The result of an advanced hunting query, each row decoded into `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct HuntingRows<T> {
    /// The columns, with their Kusto types, in the order the query returns them.
    pub schema: Vec<AdvancedQuerySchemaColumn>,
    /// The rows.
    pub rows: Vec<T>,
}

/// The body `advancedqueries/run` answers with, its rows decoded straight into `T`.
#[derive(Deserialize)]
struct Envelope<T> {
    #[serde(rename = "Schema", default)]
    schema: Vec<AdvancedQuerySchemaColumn>,
    #[serde(rename = "Results", default = "Vec::new")]
    results: Vec<T>,
}

impl DefenderClient {
    /// Runs an advanced hunting query and decodes each row into `T`, your own
    /// `serde::Deserialize` type: name its fields as the query's columns (or use
    /// `#[serde(rename = "…")]`); columns `T` does not name are ignored unless it says
    /// otherwise. A row that does not fit `T` is an [`ErrorKind::Decode`] naming the row and
    /// column (`Results[3].Timestamp`).
    ///
    /// The same request as [`run`](Self::run), which keeps every column of every row as sent.
    /// [`HuntingError::of`] tells hunting's own failures (quota, preemption, result size) apart
    /// from a broken query.
    ///
    /// ```no_run
    /// # async fn run(client: defender_sdk::DefenderClient) -> defender_sdk::Result<()> {
    /// #[derive(serde::Deserialize)]
    /// struct Process {
    ///     #[serde(rename = "DeviceName")]
    ///     device: String,
    ///     #[serde(rename = "ProcessCommandLine")]
    ///     command_line: Option<String>,
    /// }
    ///
    /// let found = client
    ///     .run_as::<Process>("DeviceProcessEvents | where FileName == 'powershell.exe' | take 100")
    ///     .await?;
    /// for process in &found.rows {
    ///     println!("{}: {}", process.device, process.command_line.as_deref().unwrap_or(""));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn run_as<T: DeserializeOwned>(&self, query: &str) -> Result<HuntingRows<T>> {
        let url = self.runtime().url("advancedqueries/run")?;
        let body = ActionBody::new().param("Query", &query)?;
        let envelope: Envelope<T> =
            self.runtime().send_json(defender_runtime::Method::POST, url, &body).await?;
        Ok(HuntingRows { schema: envelope.schema, rows: envelope.results })
    }
}

impl AdvancedQueryResponse {
    /// The rows of the response, each decoded into `T` (see
    /// [`DefenderClient::run_as`], which decodes them as they arrive).
    pub fn rows<T: DeserializeOwned>(&self) -> Result<Vec<T>> {
        crate::rows_as(self.results.iter().flatten())
    }
}

/// Advanced hunting's own failures, told apart from a query that is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HuntingError {
    /// 429: the tenant reached its quota of calls (45 a minute, 1,500 an hour) or of CPU time.
    /// Try again after `retry_after`, the delay the service asked for (its `Retry-After`, or
    /// the quota window its message names).
    Throttled {
        /// How long to wait, when the service said.
        retry_after: Option<Duration>,
    },
    /// 400 "…the query execution was preempted…": the query used too much CPU or memory and
    /// was stopped. Narrow it (fewer days, earlier filters), or try again later.
    Preempted,
    /// 400 "…exceeded the allowed result size…": the result passed 124 MB (or 100,000 rows).
    /// Return fewer rows or columns (`take`, `project`, `summarize`).
    ResultTooLarge,
    /// Another 400: the query itself is wrong (syntax, an unknown table or column).
    InvalidQuery,
}

impl HuntingError {
    /// What a failed hunting call's error means, when it is one of hunting's own failures.
    pub fn of(error: &Error) -> Option<Self> {
        let (status, message) = match error.kind() {
            ErrorKind::Throttled { retry_after, .. } => {
                return Some(Self::Throttled { retry_after: *retry_after });
            }
            ErrorKind::Http(http) => (http.status.as_u16(), http.message.as_deref().unwrap_or_default()),
            _ => return None,
        };
        let message = message.to_ascii_lowercase();
        if message.contains("preempted") {
            Some(Self::Preempted)
        } else if message.contains("result size") {
            Some(Self::ResultTooLarge)
        } else if status == 400 {
            Some(Self::InvalidQuery)
        } else {
            None
        }
    }
}

impl std::fmt::Display for HuntingError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Throttled { retry_after: Some(delay) } => {
                write!(f, "hunting quota reached; try again in {} s", delay.as_secs_f64().ceil())
            }
            Self::Throttled { retry_after: None } => f.write_str("hunting quota reached; try again later"),
            Self::Preempted => f.write_str("the query used too many resources and was stopped; narrow it"),
            Self::ResultTooLarge => {
                f.write_str("the result is larger than 124 MB or 100,000 rows; return less")
            }
            Self::InvalidQuery => f.write_str("the query is not valid"),
        }
    }
}
