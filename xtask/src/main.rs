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
    },
    /// Measure the SDK against hand-written baselines; prints `name: value` lines.
    Bench {
        /// Fewer iterations, for a smoke run.
        #[arg(long)]
        quick: bool,
    },
    /// Generate a crate from every CSDL document in a corpus and check that it compiles
    /// without warnings.
    Conformance {
        /// The directory of `.xml` documents (default: ../shared/csdl-corpus).
        #[arg(long)]
        corpus: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Codegen { check, spec: Some(spec), out: Some(out) } => {
            if check {
                Err("--check applies to the workspace's own specs, not to --spec".to_owned())
            } else {
                codegen::standalone(&spec, &out).map(|()| println!("generated {}", out.display()))
            }
        }
        Command::Codegen { check, .. } => run_codegen(check),
        Command::Conformance { corpus } => run_conformance(corpus),
        Command::Bench { quick } => run_bench(quick),
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
    let mut command = std::process::Command::new(cargo);
    command.args(["run", "--quiet", "--release", "--package", "defender-bench", "--"]);
    if quick {
        command.arg("--quick");
    }
    let status = command
        .current_dir(codegen::workspace_root())
        .status()
        .map_err(|e| format!("cannot run the benchmark: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("the benchmark failed: {status}")) }
}
