//! `defender`: Microsoft Defender for Endpoint from the terminal.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use defender_cli::decode::{self, Failure};
use defender_cli::output::{Format, write_rows};
use defender_sdk::{
    ApiHost, ClientSecretCredential, Cloud, CollectionRequest, DefenderClient, Error, ErrorKind,
    IsolationType, Region,
};
use futures_util::TryStreamExt;
use serde_json::Value;

/// Exit codes, as `--help` lists them.
mod exit {
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const AUTH: u8 = 3;
    pub const THROTTLED: u8 = 4;
    pub const DECLINED: u8 = 5;
}

#[derive(Parser)]
#[command(
    name = "defender",
    version,
    about = "Microsoft Defender for Endpoint from the terminal",
    after_help = "Exit codes: 0 success, 1 the service or network failed, 2 invalid usage or configuration, \
                  3 sign-in or permission refused, 4 throttled, 5 a confirmation was declined."
)]
struct Cli {
    #[command(flatten)]
    connection: Connection,
    /// How to write results.
    #[arg(long, short, global = true, value_enum, default_value = "table")]
    output: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Connection {
    /// Run against a local emulator started in this process: no tenant needed.
    #[arg(long, global = true)]
    emulator: bool,
    /// The API's base URL, instead of the cloud's (an emulator, a proxy).
    #[arg(long, global = true, env = "DEFENDER_BASE_URL")]
    base_url: Option<String>,
    /// The Microsoft cloud.
    #[arg(long, global = true, value_enum, default_value = "commercial", env = "DEFENDER_CLOUD")]
    cloud: CloudArg,
    /// A regional API host (commercial cloud).
    #[arg(long, global = true, value_enum, env = "DEFENDER_REGION")]
    region: Option<RegionArg>,
    /// The Entra ID tenant.
    #[arg(long, global = true, env = "AZURE_TENANT_ID")]
    tenant_id: Option<String>,
    /// The application's client id.
    #[arg(long, global = true, env = "AZURE_CLIENT_ID")]
    client_id: Option<String>,
    /// The application's client secret (prefer the environment variable; it is never printed).
    #[arg(long, global = true, env = "AZURE_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum CloudArg {
    Commercial,
    Gcc,
    GccHigh,
    Dod,
}

#[derive(Clone, Copy, ValueEnum)]
enum RegionArg {
    Us,
    Eu,
    Uk,
    Au,
    Swa,
}

#[derive(Subcommand)]
enum Command {
    /// The organization's exposure score, its device secure score, and exposure by device group.
    Scores,
    /// Devices.
    Machines {
        #[command(subcommand)]
        command: MachinesCommand,
    },
    /// Alerts.
    Alerts {
        #[command(subcommand)]
        command: AlertsCommand,
    },
    /// Check that the SDK decodes a saved response body without losing anything, and print the
    /// decoded value as JSON.
    Decode {
        /// The CSDL type (`Machine`, or `Collection(Machine)` for a collection page); by default
        /// the one the body's `@odata.context` names.
        #[arg(long = "type", value_name = "NAME")]
        type_name: Option<String>,
        /// List the types the SDK can decode, and exit.
        #[arg(long)]
        list_types: bool,
        /// The saved body; `-` or nothing reads standard input.
        file: Option<PathBuf>,
    },
}

#[derive(Args)]
struct ListArgs {
    /// An OData `$filter` expression, such as `healthStatus eq 'Active'`.
    #[arg(long)]
    filter: Option<String>,
    /// Properties to return and show, comma-separated.
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// At most this many items.
    #[arg(long)]
    top: Option<u64>,
}

#[derive(Subcommand)]
enum MachinesCommand {
    /// List devices, every page.
    List(ListArgs),
    /// One device by id.
    Get { id: String },
    /// Isolate a device from the network.
    Isolate {
        id: String,
        /// Why, for the action's record.
        #[arg(long)]
        comment: String,
        /// Full isolation, or selective (Outlook, Teams and Skype keep working).
        #[arg(long, value_enum, default_value = "full")]
        isolation: IsolationArg,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum IsolationArg {
    Full,
    Selective,
}

#[derive(Subcommand)]
enum AlertsCommand {
    /// List alerts, every page.
    List(ListArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Decode { type_name, list_types, file } = &cli.command {
        return run_decode(type_name.as_deref(), *list_types, file.clone());
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(exit::FAILED, &format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> ExitCode {
    // The emulator lives as long as the command runs.
    let (client, _emulator) = match connect(&cli.connection).await {
        Ok(connected) => connected,
        Err(code_and_message) => return fail(code_and_message.0, &code_and_message.1),
    };
    let result = match cli.command {
        Command::Scores => scores(&client).await,
        Command::Machines { command: MachinesCommand::List(args) } => {
            let columns = [
                "id",
                "computerDnsName",
                "osPlatform",
                "healthStatus",
                "riskScore",
                "exposureLevel",
                "lastSeen",
            ];
            list(client.machines().list(), &args, &columns, cli.output).await
        }
        Command::Machines { command: MachinesCommand::Get { id } } => {
            match client.machines().get(&id).await {
                Ok(machine) => print_value(&serde_json::to_value(machine).unwrap_or_default(), cli.output),
                Err(e) => Err(e),
            }
        }
        Command::Machines { command: MachinesCommand::Isolate { id, comment, isolation, yes } } => {
            if !yes && !confirm(&format!("Isolate device {id} from the network?")) {
                return fail(
                    exit::DECLINED,
                    "not confirmed; nothing was done (use --yes to skip the question)",
                );
            }
            let isolation = match isolation {
                IsolationArg::Full => IsolationType::Full,
                IsolationArg::Selective => IsolationType::Selective,
            };
            match client.machines().get(&id).isolate(&comment, Some(isolation)).await {
                Ok(action) => print_value(&serde_json::to_value(action).unwrap_or_default(), cli.output),
                Err(e) => Err(e),
            }
        }
        Command::Alerts { command: AlertsCommand::List(args) } => {
            let columns = ["id", "severity", "status", "title", "computerDnsName", "alertCreationTime"];
            list(client.alerts().list(), &args, &columns, cli.output).await
        }
        Command::Decode { .. } => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(code_of(&error), &error.to_string()),
    }
}

/// A client for the flags, the environment, or an emulator started here.
async fn connect(
    connection: &Connection,
) -> Result<(DefenderClient, Option<defender_emulator::Emulator>), (u8, String)> {
    let config_error = |e: Error| (exit::USAGE, e.to_string());
    if connection.emulator {
        let emulator = defender_emulator::Emulator::start(defender_emulator::Config::default())
            .await
            .map_err(|e| (exit::FAILED, format!("cannot start the emulator: {e}")))?;
        let config = emulator.config();
        let authority = url::Url::parse(&emulator.authority()).map_err(|e| (exit::FAILED, e.to_string()))?;
        let credential =
            ClientSecretCredential::new(&config.tenant_id, &config.client_id, &config.client_secret)
                .with_authority_host(authority);
        let client = DefenderClient::builder()
            .base_url(&emulator.base_url())
            .map_err(config_error)?
            .credential(credential)
            .build()
            .map_err(config_error)?;
        return Ok((client, Some(emulator)));
    }
    let cloud = match connection.cloud {
        CloudArg::Commercial => Cloud::Commercial,
        CloudArg::Gcc => Cloud::UsGovGcc,
        CloudArg::GccHigh => Cloud::UsGovGccHigh,
        CloudArg::Dod => Cloud::UsGovDod,
    };
    let (Some(tenant), Some(client_id), Some(secret)) =
        (&connection.tenant_id, &connection.client_id, &connection.client_secret)
    else {
        return Err((
            exit::USAGE,
            "no credentials: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or the flags), or use --emulator".into(),
        ));
    };
    let credential = ClientSecretCredential::new(tenant, client_id, secret.as_str()).with_cloud(&cloud);
    let mut builder = DefenderClient::builder().cloud(cloud).credential(credential);
    if let Some(region) = connection.region {
        let region = match region {
            RegionArg::Us => Region::Us,
            RegionArg::Eu => Region::Eu,
            RegionArg::Uk => Region::Uk,
            RegionArg::Au => Region::Au,
            RegionArg::Swa => Region::Swa,
        };
        builder = builder.api_host(ApiHost::SecurityRegional(region));
    }
    if let Some(base) = &connection.base_url {
        builder = builder.base_url(base).map_err(config_error)?;
    }
    Ok((builder.build().map_err(config_error)?, None))
}

async fn scores(client: &DefenderClient) -> Result<(), Error> {
    let (exposure, secure, groups) = tokio::try_join!(
        client.exposure_score().get().send(),
        client.configuration_score().get().send(),
        client.exposure_score().by_machine_groups().collect_all(),
    )?;
    emit(&defender_cli::scores::report(&exposure, &secure, &groups));
    Ok(())
}

/// Streams every page of a list, writing JSON lines as they come, or the table and CSV at the
/// end; a progress bar counts items when standard error is a terminal.
async fn list<T: serde::de::DeserializeOwned + serde::Serialize + Send + 'static>(
    request: CollectionRequest<T>,
    args: &ListArgs,
    default_columns: &[&str],
    format: Format,
) -> Result<(), Error> {
    let mut request = request;
    if let Some(filter) = &args.filter {
        request = request.filter(filter.clone());
    }
    if !args.select.is_empty() {
        request = request.select(args.select.clone());
    }
    if let Some(top) = args.top {
        request = request.top(top);
    }
    let columns: Vec<String> = if args.select.is_empty() {
        default_columns.iter().map(|c| (*c).to_owned()).collect()
    } else {
        args.select.clone()
    };
    let progress = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message("items");
        bar
    });
    let mut items = request.items();
    let mut rows = Vec::new();
    let stdout = std::io::stdout();
    while let Some(item) = items.try_next().await? {
        let mut row = serde_json::to_value(item).unwrap_or_default();
        // With `--select`, the JSON lines hold the selected properties only, not the nulls the
        // typed value has for the rest.
        if let (false, Value::Object(object)) = (args.select.is_empty(), &mut row) {
            object.retain(|key, _| args.select.iter().any(|s| s == key));
        }
        if let Some(bar) = &progress {
            bar.inc(1);
        }
        if format == Format::Json {
            let mut out = stdout.lock();
            let _ = write_rows(&mut out, Format::Json, &columns, std::slice::from_ref(&row));
        } else {
            rows.push(row);
        }
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if format != Format::Json {
        let mut out = stdout.lock();
        let _ = write_rows(&mut out, format, &columns, &rows);
    }
    Ok(())
}

fn print_value(value: &Value, format: Format) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    let written = match format {
        Format::Json => serde_json::to_writer_pretty(&mut out, value)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        _ => {
            let columns: Vec<String> = value
                .as_object()
                .map(|o| o.keys().filter(|k| !k.contains('@')).cloned().collect())
                .unwrap_or_default();
            write_rows(&mut out, format, &columns, std::slice::from_ref(value))
        }
    };
    written.map_err(|e| Error::config(format!("cannot write the output: {e}")))
}

/// Asks on the terminal; anything but yes, or no terminal to ask on, is no.
fn confirm(question: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes" | "Yes")
}

fn code_of(error: &Error) -> u8 {
    match error.kind() {
        ErrorKind::Auth(_) => exit::AUTH,
        ErrorKind::Throttled { .. } => exit::THROTTLED,
        ErrorKind::Config(_) => exit::USAGE,
        _ => exit::FAILED,
    }
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("defender: {message}");
    ExitCode::from(code)
}

fn run_decode(type_name: Option<&str>, list_types: bool, file: Option<PathBuf>) -> ExitCode {
    if list_types {
        let names: Vec<String> =
            defender_sdk::registry::TYPES.iter().map(|(name, kind)| format!("{name} ({kind})\n")).collect();
        emit(&names.concat());
        return ExitCode::SUCCESS;
    }
    let mut body = Vec::new();
    let read = match file.as_deref().filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            std::fs::read(path).map(|bytes| body = bytes).map_err(|e| format!("{}: {e}", path.display()))
        }
        None => {
            std::io::stdin().read_to_end(&mut body).map(|_| ()).map_err(|e| format!("standard input: {e}"))
        }
    };
    if let Err(message) = read {
        return fail(exit::USAGE, &format!("decode: cannot read {message}"));
    }
    match decode::decode(&body, type_name) {
        Ok(decoded) => {
            match serde_json::to_string_pretty(&decoded.output) {
                Ok(text) => emit(&format!("{text}\n")),
                Err(e) => return fail(exit::FAILED, &format!("decode: {e}")),
            }
            let shape = if decoded.collection { "a collection of " } else { "" };
            eprintln!("decoded as {shape}{}; nothing lost", decoded.type_name);
            ExitCode::SUCCESS
        }
        Err(failure) => {
            let code = match failure {
                Failure::UnknownType(_) => exit::USAGE,
                _ => exit::FAILED,
            };
            fail(code, &format!("decode: {failure}"))
        }
    }
}

/// Writes a command's output; a reader that went away (`| head`) is not an error.
fn emit(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
