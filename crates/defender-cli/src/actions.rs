//! Device response actions from the command line: each records a machine action, and with
//! `--wait` the command follows it to its end and exits by its outcome.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use defender_cli::output::Format;
use defender_sdk::{
    ActionOutcome, ActionRefusal, ActionWait, AntiVirusScanType, DefenderClient, Error, ErrorKind,
    IsolationType, MachineAction,
};

use crate::{code_of, confirm, exit, fail};

/// Device response actions (`defender machines ACTION ID …`).
#[derive(Subcommand)]
pub enum DeviceAction {
    /// Isolate a device from the network.
    Isolate {
        #[command(flatten)]
        action: ActionArgs,
        /// Full isolation, or selective (Outlook, Teams and Skype keep working).
        #[arg(long, value_enum, default_value = "full")]
        isolation: IsolationArg,
    },
    /// Release a device from isolation.
    Unisolate {
        #[command(flatten)]
        action: ActionArgs,
    },
    /// Let only Microsoft-signed applications run on a device.
    Restrict {
        #[command(flatten)]
        action: ActionArgs,
    },
    /// Lift an application execution restriction.
    Unrestrict {
        #[command(flatten)]
        action: ActionArgs,
    },
    /// Run a Microsoft Defender Antivirus scan on a device.
    Scan {
        #[command(flatten)]
        action: ActionArgs,
        /// A quick scan, or a full one.
        #[arg(long, value_enum, default_value = "quick")]
        scan: ScanArg,
    },
    /// Collect an investigation package from a device; with `--wait --out FILE`, download it.
    CollectPackage {
        #[command(flatten)]
        action: ActionArgs,
        /// With `--wait`, write the package to this file once collected (streamed, not held in
        /// memory).
        #[arg(long, value_name = "FILE", requires = "wait")]
        out: Option<std::path::PathBuf>,
    },
    /// Run live response commands on a device; with `--wait`, print each command's result.
    LiveResponse {
        #[command(flatten)]
        action: ActionArgs,
        /// A command as on the live response console: `RunScript NAME [ARGS]`, `GetFile PATH`
        /// or `PutFile NAME`; repeat for several, run in order.
        #[arg(long = "command", required = true, value_name = "COMMAND")]
        commands: Vec<String>,
    },
    /// Stop a file's processes on a device and quarantine it.
    StopAndQuarantine {
        #[command(flatten)]
        action: ActionArgs,
        /// The file's SHA-1.
        #[arg(long)]
        sha1: String,
    },
    /// Offboard a device from Defender for Endpoint.
    Offboard {
        #[command(flatten)]
        action: ActionArgs,
    },
    /// Wait for a machine action (by its id) to end, and exit by its outcome.
    Wait {
        /// The machine action's id.
        action_id: String,
        #[command(flatten)]
        waiting: Waiting,
    },
}

/// What every device action takes.
#[derive(Args)]
pub struct ActionArgs {
    /// The device's id.
    pub id: String,
    /// Why, for the action's record.
    #[arg(long, default_value = "")]
    pub comment: String,
    /// Follow the action until it ends: exit 0 only when it succeeded, 6 when it failed, timed
    /// out or was cancelled, 7 when `--timeout` passed first.
    #[arg(long)]
    pub wait: bool,
    #[command(flatten)]
    pub waiting: Waiting,
    /// Do not ask for confirmation.
    #[arg(long, short)]
    pub yes: bool,
}

/// How long to wait for an action, and how often to look.
#[derive(Args)]
pub struct Waiting {
    /// Give up waiting after this many seconds (the action goes on).
    #[arg(long, default_value_t = 1800, value_name = "SECONDS")]
    pub timeout: u64,
    /// Look at the action first after this many seconds, then twice as long each time, at
    /// most every 30 seconds.
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    pub poll_interval: f64,
}

impl Waiting {
    fn wait(&self) -> ActionWait {
        let first =
            Duration::try_from_secs_f64(self.poll_interval.max(0.001)).unwrap_or(Duration::from_secs(2));
        ActionWait::default()
            .deadline(Duration::from_secs(self.timeout))
            .poll_interval(first, Duration::from_secs(30).max(first))
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum IsolationArg {
    Full,
    Selective,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ScanArg {
    Quick,
    Full,
}

impl DeviceAction {
    /// The confirmation question, for the actions that cut a device off or remove it.
    pub fn question(&self) -> Option<String> {
        match self {
            Self::Isolate { action, .. } if !action.yes => {
                Some(format!("Isolate device {} from the network?", action.id))
            }
            Self::Offboard { action } if !action.yes => {
                Some(format!("Offboard device {} from Defender for Endpoint?", action.id))
            }
            _ => None,
        }
    }
}

/// Runs a device action, and with `--wait` follows it to its end.
pub async fn run(client: &DefenderClient, command: DeviceAction, format: Format) -> ExitCode {
    if let Some(question) = command.question()
        && !confirm(&question)
    {
        return fail(exit::DECLINED, "not confirmed; nothing was done (use --yes to skip the question)");
    }
    let mut package_out = None;
    let mut live_response = false;
    let (args, recorded) = match command {
        DeviceAction::Wait { action_id, waiting } => return wait(client, &action_id, &waiting, format).await,
        DeviceAction::Isolate { action, isolation } => {
            let isolation = match isolation {
                IsolationArg::Full => IsolationType::Full,
                IsolationArg::Selective => IsolationType::Selective,
            };
            let recorded = client.machines().get(&action.id).isolate(&action.comment, Some(isolation)).await;
            (action, recorded)
        }
        DeviceAction::Unisolate { action } => {
            let recorded = client.machines().get(&action.id).unisolate(&action.comment).await;
            (action, recorded)
        }
        DeviceAction::Restrict { action } => {
            let recorded = client.machines().get(&action.id).restrict_code_execution(&action.comment).await;
            (action, recorded)
        }
        DeviceAction::Unrestrict { action } => {
            let recorded = client.machines().get(&action.id).unrestrict_code_execution(&action.comment).await;
            (action, recorded)
        }
        DeviceAction::Scan { action, scan } => {
            let scan = match scan {
                ScanArg::Quick => AntiVirusScanType::Quick,
                ScanArg::Full => AntiVirusScanType::Full,
            };
            let recorded = client.machines().get(&action.id).run_anti_virus_scan(&action.comment, scan).await;
            (action, recorded)
        }
        DeviceAction::CollectPackage { action, out } => {
            package_out = out;
            let recorded =
                client.machines().get(&action.id).collect_investigation_package(&action.comment).await;
            (action, recorded)
        }
        DeviceAction::LiveResponse { action, commands } => {
            let parsed: Result<Vec<_>, _> =
                commands.iter().map(|c| defender_sdk::live_response_command(c)).collect();
            let parsed = match parsed {
                Ok(parsed) => parsed,
                Err(error) => return fail(exit::USAGE, &error.to_string()),
            };
            live_response = true;
            let comment = Some(action.comment.as_str()).filter(|c| !c.is_empty());
            let recorded = client.machines().get(&action.id).runliveresponse(comment, parsed).await;
            (action, recorded)
        }
        DeviceAction::StopAndQuarantine { action, sha1 } => {
            let recorded =
                client.machines().get(&action.id).stop_and_quarantine_file(&action.comment, &sha1).await;
            (action, recorded)
        }
        DeviceAction::Offboard { action } => {
            let recorded = client.machines().get(&action.id).offboard(&action.comment).await;
            (action, recorded)
        }
    };
    let action = match recorded {
        Ok(action) => action,
        Err(error) => return refused(client, &args.id, &error).await,
    };
    if !args.wait {
        return print(&action, format);
    }
    eprintln!("defender: {} action {} recorded; waiting for it to end", kind(&action), action.id);
    // A job that goes on after the action (results, a package) prints what it gets instead.
    let then = if live_response || package_out.is_some() { Then::GoOn } else { Then::Print };
    let code = wait_then(client, &action.id, &args.waiting, format, then).await;
    if code != ExitCode::SUCCESS {
        return code;
    }
    if live_response {
        return print_results(client, &action.id, format).await;
    }
    match package_out {
        Some(path) => match client.download_investigation_package(&action.id, &path).await {
            Ok(bytes) => {
                eprintln!("defender: wrote the investigation package to {} ({bytes} bytes)", path.display());
                ExitCode::SUCCESS
            }
            Err(error) => fail(code_of(&error), &error.to_string()),
        },
        None => code,
    }
}

/// Each live response command's result: a script's exit code and output, a file's size.
async fn print_results(client: &DefenderClient, action_id: &str, format: Format) -> ExitCode {
    let results = match client.live_response_results(action_id).await {
        Ok(results) => results,
        Err(error) => return fail(code_of(&error), &error.to_string()),
    };
    let mut out = std::io::stdout().lock();
    for result in &results {
        let kind = result
            .command
            .as_ref()
            .and_then(|c| c.r#type.as_ref())
            .map(ToString::to_string)
            .unwrap_or_default();
        let value = match result.script() {
            Some(script) => serde_json::json!({
                "index": result.index, "command": kind, "scriptName": script.script_name,
                "exitCode": script.exit_code, "output": script.script_output, "errors": script.script_errors,
            }),
            None => {
                serde_json::json!({"index": result.index, "command": kind, "bytes": result.content.len()})
            }
        };
        let written = match format {
            Format::Json => writeln!(out, "{value}"),
            _ => match result.script() {
                Some(script) => writeln!(
                    out,
                    "[{}] {kind} {}: exit code {}\n{}{}",
                    result.index,
                    script.script_name.unwrap_or_default(),
                    script.exit_code.map_or_else(|| "?".to_owned(), |c| c.to_string()),
                    script.script_output.unwrap_or_default(),
                    script
                        .script_errors
                        .filter(|e| !e.is_empty())
                        .map(|e| format!("errors:\n{e}\n"))
                        .unwrap_or_default(),
                ),
                None => writeln!(out, "[{}] {kind}: {} bytes", result.index, result.content.len()),
            },
        };
        if written.is_err() {
            break;
        }
    }
    ExitCode::SUCCESS
}

/// What to do with an action that succeeded.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Then {
    /// Print it.
    Print,
    /// Nothing: the command goes on with what the action produced.
    GoOn,
}

/// Follows an action to its end and exits by its outcome, printing the action as it ended.
async fn wait(client: &DefenderClient, action_id: &str, waiting: &Waiting, format: Format) -> ExitCode {
    wait_then(client, action_id, waiting, format, Then::Print).await
}

async fn wait_then(
    client: &DefenderClient,
    action_id: &str,
    waiting: &Waiting,
    format: Format,
    then: Then,
) -> ExitCode {
    let timeout = waiting.timeout;
    let finished = match client.wait_for_machine_action(action_id, &waiting.wait()).await {
        Ok(finished) => finished,
        Err(error) => return fail(code_of(&error), &error.to_string()),
    };
    let printed = match (finished.outcome, then) {
        (ActionOutcome::Succeeded, Then::GoOn) => ExitCode::SUCCESS,
        _ => print(&finished.action, format),
    };
    let reason = finished.reason().map(|reason| format!(": {reason}")).unwrap_or_default();
    let what = format!("{} action {}", kind(&finished.action), finished.action.id);
    match finished.outcome {
        ActionOutcome::Succeeded => printed,
        ActionOutcome::DeadlinePassed => fail(
            exit::STILL_RUNNING,
            &format!(
                "{what} is still {} after {timeout} s; it goes on (defender machines wait {})",
                status(&finished.action),
                finished.action.id
            ),
        ),
        ActionOutcome::Failed => fail(exit::ACTION_FAILED, &format!("{what} failed{reason}")),
        ActionOutcome::TimedOut => fail(
            exit::ACTION_FAILED,
            &format!("{what} timed out: the device did not carry it out in time{reason}"),
        ),
        ActionOutcome::Cancelled => fail(exit::ACTION_FAILED, &format!("{what} was cancelled{reason}")),
    }
}

/// An action the service refused: for `ActiveRequestAlreadyExists`, names the action it waits
/// behind, which the refusal itself does not.
async fn refused(client: &DefenderClient, machine_id: &str, error: &Error) -> ExitCode {
    let ErrorKind::ActionRefused { reason: ActionRefusal::ActiveRequestAlreadyExists, .. } = error.kind()
    else {
        return fail(code_of(error), &error.to_string());
    };
    let pending = client.pending_machine_actions(machine_id).await.unwrap_or_default();
    let named: Vec<String> =
        pending.iter().map(|action| format!("{} {} ({})", kind(action), action.id, status(action))).collect();
    let message = if named.is_empty() {
        format!("{error}")
    } else {
        format!(
            "{error}; pending on device {machine_id}: {} (follow one with `defender machines wait ID`)",
            named.join(", ")
        )
    };
    fail(exit::FAILED, &message)
}

fn kind(action: &MachineAction) -> String {
    action.r#type.as_ref().map_or_else(|| "machine".to_owned(), ToString::to_string)
}

fn status(action: &MachineAction) -> String {
    action.status.as_ref().map_or_else(|| "in an unknown state".to_owned(), ToString::to_string)
}

fn print(action: &MachineAction, format: Format) -> ExitCode {
    match crate::print_value(&serde_json::to_value(action).unwrap_or_default(), format) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(code_of(&error), &error.to_string()),
    }
}
