//! Live response and investigation packages, to their files: a finished live response action
//! has one result per command behind `GetLiveResponseResultDownloadLink`, and a finished
//! investigation package action one file behind `getPackageUri`; both links are storage links
//! (see [`defender_runtime::storage`]: no token is sent to them).

use std::path::Path;

use serde::Deserialize;

use crate::{
    DefenderClient, Error, LiveResponseCommand, LiveResponseCommandParameter, LiveResponseCommandType, Result,
};

/// The most of one command's result read into memory by [`DefenderClient::live_response_results`];
/// a larger one (a `GetFile` of a big file) is left for [`DefenderClient::download_live_response_result`].
pub const MAX_RESULT_BYTES: u64 = 64 * 1024 * 1024;

/// One command's result of a live response action.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveResponseResult {
    /// The command's index in the action.
    pub index: i32,
    /// The command as the action records it.
    pub command: Option<LiveResponseCommand>,
    /// The result file as downloaded: for `RunScript`, a JSON transcript (see [`Self::script`]);
    /// for `GetFile`, the file.
    pub content: Vec<u8>,
}

/// What a `RunScript` command's result holds, as the get-live-response-result page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ScriptTranscript {
    /// The script's name.
    pub script_name: Option<String>,
    /// Its exit code.
    pub exit_code: Option<i64>,
    /// What it wrote to standard output.
    pub script_output: Option<String>,
    /// What it wrote to standard error.
    pub script_errors: Option<String>,
}

impl LiveResponseResult {
    /// The transcript of a `RunScript` command; `None` for other commands or a result that is
    /// not one.
    pub fn script(&self) -> Option<ScriptTranscript> {
        serde_json::from_slice(&self.content).ok()
    }
}

/// A live response command written as on the live response console: `RunScript NAME [ARGS…]`,
/// `GetFile PATH` or `PutFile NAME`.
///
/// ```
/// use defender_sdk::{live_response_command, LiveResponseCommandType};
///
/// let command = live_response_command("RunScript collect.ps1 -Days 7").unwrap();
/// assert_eq!(command.r#type, Some(LiveResponseCommandType::RunScript));
/// assert!(live_response_command("Reboot now").is_err());
/// ```
pub fn live_response_command(line: &str) -> Result<LiveResponseCommand> {
    let line = line.trim();
    let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let param = |key: &str, value: &str| LiveResponseCommandParameter {
        key: Some(key.to_owned()),
        value: Some(value.to_owned()),
        ..Default::default()
    };
    let (kind, params) = match verb.to_ascii_lowercase().as_str() {
        "runscript" => {
            let (script, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            if script.is_empty() {
                return Err(Error::config("RunScript needs a script name: `RunScript NAME [ARGS]`"));
            }
            let mut params = vec![param("ScriptName", script)];
            if !args.trim().is_empty() {
                params.push(param("Args", args.trim()));
            }
            (LiveResponseCommandType::RunScript, params)
        }
        "getfile" if !rest.is_empty() => (LiveResponseCommandType::GetFile, vec![param("Path", rest)]),
        "putfile" if !rest.is_empty() => (LiveResponseCommandType::PutFile, vec![param("FileName", rest)]),
        _ => {
            return Err(Error::config(format!(
                "`{line}` is not a live response command: `RunScript NAME [ARGS]`, `GetFile PATH` or `PutFile NAME`"
            )));
        }
    };
    Ok(LiveResponseCommand { r#type: Some(kind), params: Some(params), ..Default::default() })
}

impl DefenderClient {
    /// Every command's result of the live response action `action_id` (finished; see
    /// [`wait_for_machine_action`](Self::wait_for_machine_action)): for each command, its
    /// result link, then the file behind it, read into memory up to [`MAX_RESULT_BYTES`].
    pub async fn live_response_results(&self, action_id: &str) -> Result<Vec<LiveResponseResult>> {
        let action = self.machineactions().get(action_id).await?;
        let commands = action.commands.unwrap_or_default();
        let mut results = Vec::with_capacity(commands.len());
        for (position, command) in commands.into_iter().enumerate() {
            let index = command.index.unwrap_or(position as i32);
            let mut download = self.download_live_response_result(action_id, index).await?;
            let mut content = Vec::new();
            while let Some(chunk) = download.chunk().await? {
                if content.len() as u64 + chunk.len() as u64 > MAX_RESULT_BYTES {
                    return Err(Error::config(format!(
                        "the result of command {index} is larger than {MAX_RESULT_BYTES} bytes; \
                         stream it with download_live_response_result"
                    )));
                }
                content.extend_from_slice(&chunk);
            }
            results.push(LiveResponseResult { index, command: command.command, content });
        }
        Ok(results)
    }

    /// A download of one command's result (asks for a fresh link: links last 30 minutes).
    pub async fn download_live_response_result(
        &self,
        action_id: &str,
        index: i32,
    ) -> Result<defender_runtime::storage::Download> {
        let link = self.machineactions().get(action_id).get_live_response_result_download_link(index).await?;
        self.runtime().download(&link)
    }

    /// Writes the investigation package of the finished action `action_id` to `path`,
    /// streamed from its link (a chunk at a time, never the whole package in memory); returns
    /// its size. A file that exists is replaced.
    pub async fn download_investigation_package(&self, action_id: &str, path: &Path) -> Result<u64> {
        let link = self.machineactions().get(action_id).get_package_uri().await?;
        let mut download = self.runtime().download(&link)?;
        let file = std::fs::File::create(path)
            .map_err(|e| Error::config(format!("cannot create {}: {e}", path.display())))?;
        let mut writer = std::io::BufWriter::new(file);
        download.write_to(&mut writer).await
    }
}
