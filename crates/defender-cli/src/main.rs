//! `defender`: Microsoft Defender for Endpoint from the terminal.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use defender_cli::decode::{self, Failure};
use defender_cli::endpoints;
use defender_cli::output::{Format, write_record, write_rows};
use defender_runtime::catalog::EndpointKind;
use defender_runtime::request::Keyed;
use defender_sdk::{CollectionRequest, DefenderClient, Error, ErrorKind};
use futures_util::TryStreamExt;
use serde_json::Value;

mod actions;
mod connect;
mod export;
mod generic;
#[cfg(feature = "parquet")]
mod parquet;
mod shell;

/// Exit codes, as `--help` lists them.
mod exit {
    pub const FAILED: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const AUTH: u8 = 3;
    pub const THROTTLED: u8 = 4;
    pub const DECLINED: u8 = 5;
    pub const ACTION_FAILED: u8 = 6;
    pub const STILL_RUNNING: u8 = 7;
}

#[derive(Parser)]
#[command(
    name = "defender",
    version,
    about = "Microsoft Defender for Endpoint from the terminal",
    after_help = "Exit codes: 0 success, 1 the service or network failed, 2 invalid usage or configuration, \
                  3 sign-in or permission refused, 4 throttled, 5 a confirmation was declined, \
                  6 an awaited device action failed, timed out or was cancelled, 7 it was still running at --timeout."
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
    /// The Microsoft cloud [default: commercial].
    #[arg(long, global = true, value_enum, env = "DEFENDER_CLOUD")]
    cloud: Option<CloudArg>,
    /// A regional API host (commercial cloud).
    #[arg(long, global = true, value_enum, env = "DEFENDER_REGION")]
    region: Option<RegionArg>,
    /// The Entra ID tenant.
    #[arg(long, global = true, env = "AZURE_TENANT_ID")]
    tenant_id: Option<String>,
    /// The application's client id.
    #[arg(long, global = true, env = "AZURE_CLIENT_ID")]
    client_id: Option<String>,
    /// The Entra ID authority host, instead of the cloud's (a local token endpoint).
    #[arg(long, global = true, env = "AZURE_AUTHORITY_HOST", value_name = "URL")]
    authority_host: Option<String>,
    /// The application's client secret (prefer the environment variable or the configuration
    /// file; it is never printed).
    #[arg(long, global = true, env = "AZURE_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    /// The configuration file [default: defender/config.toml in the platform's configuration
    /// directory, if it exists].
    #[arg(long, global = true, env = "DEFENDER_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
    /// The configuration file's profile to use (`[profiles.NAME]`).
    #[arg(long, global = true, env = "DEFENDER_PROFILE", value_name = "NAME")]
    profile: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
enum CloudArg {
    Commercial,
    Gcc,
    GccHigh,
    Dod,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
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
    /// Defender XDR incidents, from Microsoft Graph (`/security/incidents`).
    Incidents {
        #[command(subcommand)]
        command: IncidentsCommand,
    },
    /// Stream an export "via files" (software vulnerabilities, inventory, configurations, …):
    /// download, decompress and decode its files, and write each row once, as JSON lines
    /// (`-o json`, and the default) or CSV (`-o csv`).
    Export {
        /// The export, in kebab case (`software-vulnerabilities`); `--list` lists them.
        #[arg(required_unless_present = "list")]
        name: Option<String>,
        /// List the exports and their row types.
        #[arg(long)]
        list: bool,
        /// Write the rows to this file instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// How many files to download and decode at once.
        #[arg(long, default_value_t = 2)]
        concurrency: usize,
        /// Write the rows to this Parquet file, with a column per property of the row type.
        #[cfg(feature = "parquet")]
        #[arg(long, value_name = "FILE", conflicts_with = "out")]
        parquet: Option<PathBuf>,
    },
    /// Run an advanced hunting query and print its rows (Defender for Endpoint's
    /// `advancedqueries/run`, or Microsoft Graph's `runHuntingQuery` with `--graph`).
    Hunt {
        /// The query, in Kusto Query Language.
        query: String,
        /// Ask Microsoft Graph (`/security/runHuntingQuery`), which covers every Defender XDR
        /// table, instead of the Defender for Endpoint API.
        #[arg(long)]
        graph: bool,
    },
    /// List the API's endpoints: name, request, application permissions and SDK call.
    Api {
        /// Only endpoints whose name, request or SDK call contains this text.
        search: Option<String>,
    },
    /// Call any endpoint by name (see `defender api`), with its parameters as NAME=VALUE.
    ///
    /// Anything but a read asks for confirmation first.
    Call {
        /// The endpoint, such as `machines.findbyip` or `indicators.create`.
        endpoint: String,
        /// Parameters as NAME=VALUE (keys, function and action parameters, `entity` for a
        /// create or update body as JSON).
        #[arg(value_name = "NAME=VALUE")]
        arguments: Vec<String>,
        #[command(flatten)]
        query: ListArgs,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
    /// List any entity set, every page (`defender list vulnerabilities --top 10`).
    List {
        /// The entity set, such as `machines`, `vulnerabilities` or `Software`.
        set: String,
        #[command(flatten)]
        query: ListArgs,
    },
    /// Read one entity of any set by key (`defender get files <sha1>`).
    Get {
        /// The entity set.
        set: String,
        /// The key.
        key: String,
    },
    /// Show the settings in effect and where each comes from.
    Config,
    /// Print a completion script for a shell: subcommands, flags, entity sets and endpoint
    /// names (`defender completions bash > /etc/bash_completion.d/defender`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: shell::Shell,
    },
    /// Print the manual page, `defender(1)`, as roff (`defender man > defender.1`).
    Man,
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
        /// Fail (exit 1) when any member is kept without a typed field.
        #[arg(long)]
        strict: bool,
        /// The saved body; `-` or nothing reads standard input.
        file: Option<PathBuf>,
    },
}

#[derive(Args, Default, Clone)]
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
    /// Sort order, such as `lastSeen desc`.
    #[arg(long)]
    orderby: Option<String>,
}

impl ListArgs {
    /// Whether any query option is given.
    fn is_empty(&self) -> bool {
        self.filter.is_none() && self.select.is_empty() && self.top.is_none() && self.orderby.is_none()
    }
}

#[derive(Subcommand)]
enum MachinesCommand {
    /// List devices, every page.
    List(ListArgs),
    /// One device by id.
    Get { id: String },
    #[command(flatten)]
    Action(actions::DeviceAction),
}

#[derive(Subcommand)]
enum AlertsCommand {
    /// List alerts, every page.
    List {
        #[command(flatten)]
        query: ListArgs,
        /// Defender XDR's alerts from Microsoft Graph (`/security/alerts_v2`), instead of the
        /// Defender for Endpoint API's.
        #[arg(long)]
        graph: bool,
    },
}

#[derive(Subcommand)]
enum IncidentsCommand {
    /// List incidents, every page.
    List(ListArgs),
    /// One incident by id, with its alerts.
    Get { id: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::Decode { type_name, list_types, strict, file } => {
            return run_decode(type_name.as_deref(), *list_types, *strict, file.clone());
        }
        Command::Completions { shell } => {
            shell::completions(*shell, &mut std::io::stdout().lock());
            return ExitCode::SUCCESS;
        }
        Command::Man => return finish(shell::man(&mut std::io::stdout().lock())),
        Command::Config => {
            return match connect::describe(&cli.connection) {
                Ok(rows) => finish(write_rows(
                    &mut std::io::stdout().lock(),
                    cli.output,
                    &["setting".to_owned(), "value".to_owned(), "from".to_owned()],
                    &rows,
                )),
                Err((code, message)) => fail(code, &message),
            };
        }
        Command::Export { list: true, .. } => {
            let mut out = std::io::stdout().lock();
            return finish(out.write_all(export::list().as_bytes()));
        }
        Command::Api { search } => {
            let found = endpoints::search(search.as_deref());
            let columns = ["name", "request", "permissions", "sdk"].map(str::to_owned);
            return finish(write_rows(
                &mut std::io::stdout().lock(),
                cli.output,
                &columns,
                &endpoints::rows(&found),
            ));
        }
        _ => {}
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(exit::FAILED, &format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(run(cli))
}

/// A call of a catalog endpoint, checked before anything connects.
struct Planned {
    endpoint: &'static defender_runtime::catalog::Endpoint,
    arguments: Vec<(String, String)>,
    query: ListArgs,
}

/// The endpoint and arguments of `call`, `list` and `get`, checked against the catalog (so a
/// usage mistake needs no credentials and reaches no network), and confirmed when the call
/// changes something.
fn plan(command: &Command) -> Result<Option<Planned>, (u8, String)> {
    let usage = |message: String| (exit::USAGE, message);
    let (endpoint, arguments, query, yes) = match command {
        Command::Call { endpoint, arguments, query, yes } => (
            endpoints::find(endpoint).map_err(usage)?,
            endpoints::parse_arguments(arguments).map_err(usage)?,
            query.clone(),
            *yes,
        ),
        Command::List { set, query } => {
            (endpoints::of_set(set, EndpointKind::List).map_err(usage)?, Vec::new(), query.clone(), true)
        }
        Command::Get { set, key } => {
            let endpoint = endpoints::of_set(set, EndpointKind::Get).map_err(usage)?;
            let name = endpoint.parameters.first().map_or("id", |p| p.name);
            (endpoint, vec![(name.to_owned(), key.clone())], ListArgs::default(), true)
        }
        _ => return Ok(None),
    };
    let borrowed: Vec<(&str, &str)> = arguments.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    endpoints::Service::of(endpoint).catalog().prepare(endpoint, &borrowed).map_err(|e| {
        usage(match e.kind() {
            ErrorKind::Config(message) => message.clone(),
            _ => e.to_string(),
        })
    })?;
    if endpoint.verb.changes_state() && !yes {
        let mut question = endpoints::display(endpoint);
        for (name, value) in &arguments {
            question.push_str(&format!(" {name}={value}"));
        }
        if !confirm(&format!("{question}?")) {
            return Err((
                exit::DECLINED,
                "not confirmed; nothing was done (use --yes to skip the question)".into(),
            ));
        }
    }
    Ok(Some(Planned { endpoint, arguments, query }))
}

async fn run(cli: Cli) -> ExitCode {
    let planned = match plan(&cli.command) {
        Ok(planned) => planned,
        Err((code, message)) => return fail(code, &message),
    };
    // The emulator lives as long as the command runs.
    let (client, _emulator) = match connect::connect(&cli.connection).await {
        Ok(connected) => connected,
        Err(code_and_message) => return fail(code_and_message.0, &code_and_message.1),
    };
    let result = match cli.command {
        Command::Scores => scores(&client, cli.output).await,
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
        Command::Machines { command: MachinesCommand::Action(action) } => {
            return actions::run(&client, action, cli.output).await;
        }
        Command::Alerts { command: AlertsCommand::List { query, graph: false } } => {
            let columns = ["id", "severity", "status", "title", "computerDnsName", "alertCreationTime"];
            list(client.alerts().list(), &query, &columns, cli.output).await
        }
        Command::Alerts { command: AlertsCommand::List { query, graph: true } } => {
            let columns = ["id", "severity", "status", "title", "incidentId", "createdDateTime"];
            list(client.graph().security().alerts_v2().list(), &query, &columns, cli.output).await
        }
        Command::Incidents { command: IncidentsCommand::List(args) } => {
            let columns = ["id", "severity", "status", "displayName", "assignedTo", "createdDateTime"];
            list(client.graph().security().incidents().list(), &args, &columns, cli.output).await
        }
        Command::Incidents { command: IncidentsCommand::Get { id } } => {
            incident(&client, &id, cli.output).await
        }
        Command::Hunt { query, graph } => {
            let result = hunt(&client, &query, graph, cli.output).await;
            // Hunting's own failures say what to do about them before what the service said.
            if let Err(error) = &result
                && let Some(hunting) = defender_sdk::HuntingError::of(error)
            {
                return fail(code_of(error), &format!("{hunting}: {error}"));
            }
            result
        }
        Command::Call { .. } | Command::List { .. } | Command::Get { .. } => match planned {
            Some(planned) => {
                generic::call(&client, planned.endpoint, &planned.arguments, &planned.query, cli.output).await
            }
            None => Ok(()),
        },
        Command::Export {
            name,
            out,
            concurrency,
            #[cfg(feature = "parquet")]
                parquet: parquet_file,
            ..
        } => {
            // Rows are JSON lines unless CSV is asked for: a table of a million rows helps no one.
            let format = if cli.output == Format::Csv { Format::Csv } else { Format::Json };
            let name = name.unwrap_or_default();
            #[cfg(feature = "parquet")]
            let target = match parquet_file {
                Some(path) => export::Target::Parquet(path),
                None => export::Target::Rows(format, out),
            };
            #[cfg(not(feature = "parquet"))]
            let target = export::Target::Rows(format, out);
            export::run(&client, &name, target, concurrency).await.map(|_| ())
        }
        Command::Decode { .. }
        | Command::Config
        | Command::Api { .. }
        | Command::Completions { .. }
        | Command::Man => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(code_of(&error), &error.to_string()),
    }
}

/// The main job: the three score endpoints at once, and Microsoft Secure Score from Microsoft
/// Graph, as a report, one JSON object, or CSV rows. The Defender scores are the job; Secure
/// Score is shown when Graph answers (an application without a Graph permission still gets the
/// rest, and a note on standard error).
async fn scores(client: &DefenderClient, format: Format) -> Result<(), Error> {
    use defender_cli::scores;
    let defender = async {
        tokio::try_join!(
            client.exposure_score().get().send(),
            client.configuration_score().get().send(),
            client.exposure_score().by_machine_groups().collect_all(),
        )
    };
    let graph = client.graph();
    let microsoft = graph.security().secure_scores().list().top(2).collect_all();
    let (defender, microsoft) = tokio::join!(defender, microsoft);
    let (exposure, secure, groups) = defender?;
    let microsoft = match microsoft {
        Ok(entries) => scores::MicrosoftSecureScore::from_entries(&entries),
        Err(error) => {
            eprintln!("defender: Microsoft Secure Score is not shown: {error}");
            None
        }
    };
    let microsoft = microsoft.as_ref();
    match format {
        Format::Table => emit(&scores::report(&exposure, &secure, &groups, microsoft)),
        Format::Json => emit(&format!("{}\n", scores::json(&exposure, &secure, &groups, microsoft))),
        Format::Csv => {
            let columns = scores::COLUMNS.map(str::to_owned);
            let rows = scores::rows(&exposure, &secure, &groups, microsoft);
            let _ = write_rows(&mut std::io::stdout().lock(), format, &columns, &rows);
        }
    }
    Ok(())
}

/// One incident and its alerts, in one request (`$expand=alerts`): as JSON, the incident with
/// its `alerts` array; as a table or CSV, the incident's properties, then a row per alert.
async fn incident(client: &DefenderClient, id: &str, format: Format) -> Result<(), Error> {
    let mut incident = client.graph().security().incidents().get(id).get().expand(["alerts"]).send().await?;
    if format == Format::Json {
        return print_value(&serde_json::to_value(incident).unwrap_or_default(), format);
    }
    let alerts: Vec<Value> = incident
        .alerts
        .take()
        .unwrap_or_default()
        .into_iter()
        .map(|alert| serde_json::to_value(alert).unwrap_or_default())
        .collect();
    print_value(&serde_json::to_value(incident).unwrap_or_default(), format)?;
    let columns = ["id", "severity", "status", "title", "createdDateTime"].map(str::to_owned);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out);
    let _ = write_rows(&mut out, format, &columns, &alerts);
    Ok(())
}

/// Runs a hunting query and writes its rows, with the columns its schema names.
async fn hunt(client: &DefenderClient, query: &str, graph: bool, format: Format) -> Result<(), Error> {
    let (columns, rows): (Vec<String>, Vec<Value>) = if graph {
        let results = client.graph().security().run_hunting_query(Some(query), None).await?;
        let columns = results.schema.iter().flatten().filter_map(|c| c.name.clone()).collect();
        (columns, results.rows()?)
    } else {
        let found = client.run_as::<Value>(query).await?;
        let columns = found.schema.iter().filter_map(|c| c.name.clone()).collect();
        (columns, found.rows)
    };
    match write_rows(&mut std::io::stdout().lock(), format, &columns, &rows) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::config(format!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}

/// Streams every page of a list, writing JSON lines as they come, or the table and CSV at the
/// end; a progress bar counts items when standard error is a terminal.
async fn list<T: serde::de::DeserializeOwned + serde::Serialize + Keyed + Send + 'static>(
    request: CollectionRequest<T>,
    args: &ListArgs,
    default_columns: &[&str],
    format: Format,
) -> Result<(), Error> {
    list_checked(request, args, default_columns, format, |_| Ok(())).await
}

/// [`list`], with `check` run on each item before it is written.
async fn list_checked<T: serde::de::DeserializeOwned + serde::Serialize + Keyed + Send + 'static>(
    request: CollectionRequest<T>,
    args: &ListArgs,
    default_columns: &[&str],
    format: Format,
    check: impl Fn(&Value) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut request = request;
    if let Some(orderby) = &args.orderby {
        request = request.orderby(orderby.clone());
    }
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
        check(&row)?;
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

/// Writes one value: pretty JSON, or a property/value table, or a one-row CSV.
fn print_value(value: &Value, format: Format) -> Result<(), Error> {
    match write_record(&mut std::io::stdout().lock(), format, value) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Error::config(format!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}

/// The exit code of a command that only writes output; a reader that went away is success.
fn finish(written: std::io::Result<()>) -> ExitCode {
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(exit::FAILED, &format!("cannot write the output: {e}")),
    }
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

fn run_decode(type_name: Option<&str>, list_types: bool, strict: bool, file: Option<PathBuf>) -> ExitCode {
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
            // Where the spec lags behind the service: said on stderr, so stdout stays JSON.
            for kept in &decoded.kept {
                let times = if kept.count > 1 { format!(" ({} times)", kept.count) } else { String::new() };
                eprintln!("kept {}: {}{times}", kept.path, kept.why);
            }
            if strict && !decoded.kept.is_empty() {
                return fail(
                    exit::FAILED,
                    &format!("decode: {} member(s) have no typed field (--strict)", decoded.kept.len()),
                );
            }
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
