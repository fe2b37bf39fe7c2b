//! `cargo xtask`: the project's automation commands.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::codegen;

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Automation for the Defender SDK workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Generate Rust from the CSDL specs (all of them, or one spec into a standalone crate).
    Codegen {
        /// Do not write: fail, naming the stale files, if the checked-in output is not current.
        #[arg(long)]
        check: bool,
        /// Generate a standalone crate from this CSDL file (needs --out).
        #[arg(long, requires = "out")]
        spec: Option<PathBuf>,
        /// Where the standalone crate goes.
        #[arg(long, requires = "spec")]
        out: Option<PathBuf>,
        /// Generate only what these paths reach (see `metadata subset`), such as
        /// `security/incidents/**`.
        #[arg(long, value_name = "PATH", requires = "spec")]
        include: Vec<String>,
    },
    /// Keep `specs/` in step with the service's `$metadata`.
    Metadata {
        #[command(subcommand)]
        command: MetadataCommand,
    },
    /// Measure the SDK against hand-written baselines; prints `name: value` lines.
    Bench {
        /// Fewer iterations, for a smoke run.
        #[arg(long)]
        quick: bool,
    },
    /// The generator's own figures (run in release by `bench`).
    #[command(hide = true)]
    BenchCodegen {
        #[arg(long)]
        quick: bool,
    },
    /// Only `small_program_build_ratio` (part of `bench`): clean builds of a small program with
    /// the SDK and by hand.
    #[command(hide = true)]
    BenchBuild {
        /// Rounds, each building both programs, alternating which goes first.
        #[arg(long, default_value_t = 2)]
        rounds: usize,
    },
    /// Generate a crate from every CSDL document in a corpus and check that it compiles
    /// without warnings.
    Conformance {
        /// The directory of `.xml` documents (default: ../shared/csdl-corpus).
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum MetadataCommand {
    /// Download a tenant's live `$metadata`, normalized, with the credentials in AZURE_TENANT_ID,
    /// AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or AZURE_CLIENT_CERTIFICATE_PATH).
    Fetch {
        /// Where to write it.
        #[arg(long, default_value = "specs/live/defender-endpoint.xml")]
        out: PathBuf,
        /// The cloud: commercial, gcc, gcc-high or dod.
        #[arg(long, default_value = "commercial")]
        cloud: String,
        /// Another API base URL (an emulator, a proxy).
        #[arg(long)]
        base_url: Option<String>,
    },
    /// List what changed between two CSDL documents (paths, or git:REV:PATH), whether each
    /// change is breaking or additive for the generated crate, and the semver bump it needs.
    Diff {
        /// The old document.
        old: String,
        /// The new document.
        new: String,
        /// Print JSON instead of text.
        #[arg(long, conflicts_with = "changelog")]
        json: bool,
        /// Print Keep a Changelog sections instead of text.
        #[arg(long)]
        changelog: bool,
    },
    /// Write the part of a document that URL paths reach as a valid document of its own.
    ///
    /// A path is an entity set, singleton or import, then navigation properties or bound
    /// operations, with `*` for one segment and `**` for any depth:
    /// `--include 'security/incidents/**' --include security/runHuntingQuery`.
    Subset {
        /// The document.
        file: PathBuf,
        /// The paths to keep.
        #[arg(long, value_name = "PATH", required = true)]
        include: Vec<String>,
        /// Leave out annotations of this term (`Org.OData.Core.V1.Description`, or by alias).
        #[arg(long, value_name = "TERM")]
        drop_term: Vec<String>,
        /// Tag the entity container with this Boolean term, set to true
        /// (`Org.OData.Capabilities.V1.KeyAsSegmentSupported`): a convention the service follows
        /// that its metadata does not declare.
        #[arg(long, value_name = "TERM")]
        tag_container: Vec<String>,
        /// Where to write it (standard output by default).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Write a CSDL document in canonical form (stable order and formatting).
    Normalize {
        /// The document.
        file: PathBuf,
        /// Write the result back instead of printing it.
        #[arg(long)]
        in_place: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Codegen { check, spec: Some(spec), out: Some(out), include } => {
            if check {
                Err("--check applies to the workspace's own specs, not to --spec".to_owned())
            } else {
                codegen::standalone(&spec, &out, &include).map(|()| println!("generated {}", out.display()))
            }
        }
        Command::Codegen { check, .. } => run_codegen(check),
        Command::Conformance { corpus } => run_conformance(corpus),
        Command::Bench { quick } => run_bench(quick),
        Command::BenchCodegen { quick } => xtask::bench::run(quick),
        Command::BenchBuild { rounds } => xtask::bench::small_program_build(rounds).map(|(ratio, pairs)| {
            for (sdk, hand) in &pairs {
                println!("round: sdk {sdk:.1} s, by hand {hand:.1} s, ratio {:.3}", sdk / hand);
            }
            println!("small_program_build_ratio: {ratio:.3}");
        }),
        Command::Metadata { command } => run_metadata(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run_codegen(check: bool) -> Result<(), String> {
    let root = codegen::workspace_root();
    let mut stale = Vec::new();
    for target in codegen::TARGETS {
        let generated = codegen::generate_target(&root, target)?;
        if check {
            stale.extend(codegen::stale_target(&root, target, &generated)?);
        } else {
            let changed = codegen::write_target(&root, target, &generated)?;
            println!(
                "{} → {}: {} file(s), {} feature(s), {changed} changed",
                target.spec,
                target.out,
                generated.files.len(),
                generated.features.len()
            );
        }
    }
    if stale.is_empty() {
        if check {
            println!("generated code is up to date");
        }
        return Ok(());
    }
    let list: Vec<String> =
        stale.iter().map(|p| format!("  {}", p.strip_prefix(&root).unwrap_or(p).display())).collect();
    Err(format!("generated code is stale; run `cargo xtask codegen`:\n{}", list.join("\n")))
}

fn run_conformance(corpus: Option<PathBuf>) -> Result<(), String> {
    let corpus = corpus.unwrap_or_else(xtask::conformance::default_corpus);
    let outcomes = xtask::conformance::run(&corpus)?;
    let mut failed = 0;
    for outcome in &outcomes {
        match &outcome.failure {
            None => println!("ok      {}: {}", outcome.name, outcome.summary),
            Some(why) => {
                failed += 1;
                println!("FAILED  {}: {why}", outcome.name);
            }
        }
    }
    println!("{} passed, {failed} failed", outcomes.len() - failed);
    if failed == 0 { Ok(()) } else { Err(format!("{failed} corpus document(s) failed")) }
}

fn run_bench(quick: bool) -> Result<(), String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    // The SDK against its baseline in the workspace's `perf` profile (release with one codegen
    // unit and fat LTO, see Cargo.toml), then the generator itself in a release build.
    for args in [
        &["run", "--quiet", "--profile", "perf", "--package", "defender-bench", "--"][..],
        &["run", "--quiet", "--release", "--package", "xtask", "--", "bench-codegen"][..],
    ] {
        let mut command = std::process::Command::new(&cargo);
        command.args(args);
        if quick {
            command.arg("--quick");
        }
        let status = command
            .current_dir(codegen::workspace_root())
            .status()
            .map_err(|e| format!("cannot run the benchmark: {e}"))?;
        if !status.success() {
            return Err(format!("the benchmark failed: {status}"));
        }
    }
    Ok(())
}

fn run_metadata(command: MetadataCommand) -> Result<(), String> {
    use xtask::metadata::{diff, fetch, normalize, read_document};
    match command {
        MetadataCommand::Diff { old, new, json, changelog } => {
            let parse = |spec: &str| {
                let text = read_document(spec)?;
                xtask::csdl::parse(&text).map_err(|e| format!("{spec}:{e}"))
            };
            let report = diff::diff(&parse(&old)?, &parse(&new)?);
            let text = if json {
                report.to_json()
            } else if changelog {
                report.to_changelog()
            } else {
                report.to_string()
            };
            emit(&text);
            Ok(())
        }
        MetadataCommand::Subset { file, include, drop_term, tag_container, out } => {
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let subset = xtask::metadata::subset::subset_with(&text, &include, &drop_term, &tag_container)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            match out {
                Some(out) => std::fs::write(&out, subset).map_err(|e| format!("{}: {e}", out.display())),
                None => {
                    emit(&subset);
                    Ok(())
                }
            }
        }
        MetadataCommand::Normalize { file, in_place } => {
            let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let normalized = normalize::normalize(&text).map_err(|e| e.in_file(&file).to_string())?;
            if in_place {
                std::fs::write(&file, normalized).map_err(|e| format!("{}: {e}", file.display()))
            } else {
                emit(&normalized);
                Ok(())
            }
        }
        MetadataCommand::Fetch { out, cloud, base_url } => {
            let cloud = match cloud.as_str() {
                "commercial" => defender_runtime::Cloud::Commercial,
                "gcc" => defender_runtime::Cloud::UsGovGcc,
                "gcc-high" => defender_runtime::Cloud::UsGovGccHigh,
                "dod" => defender_runtime::Cloud::UsGovDod,
                other => return Err(format!("unknown cloud {other:?}: commercial, gcc, gcc-high or dod")),
            };
            let credential =
                defender_runtime::EnvironmentCredential::from_env().map_err(|e| e.to_string())?;
            let mut builder = defender_runtime::ODataClient::builder().cloud(cloud).credential(credential);
            if let Some(base) = base_url {
                builder = builder.base_url(&base).map_err(|e| e.to_string())?;
            }
            let client = builder.build().map_err(|e| e.to_string())?;
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            let document = runtime.block_on(fetch::fetch(&client))?;
            let path = codegen::workspace_root().join(&out);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            }
            std::fs::write(&path, &document).map_err(|e| format!("{}: {e}", path.display()))?;
            println!("wrote {} ({} bytes)", out.display(), document.len());
            Ok(())
        }
    }
}

/// Writes a command's output; a reader that went away (`| head`) is not an error.
fn emit(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
