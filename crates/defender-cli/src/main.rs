//! `defender`: Microsoft Defender for Endpoint from the terminal.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use defender_cli::decode::{self, Failure};

#[derive(Parser)]
#[command(name = "defender", version, about = "Microsoft Defender for Endpoint from the terminal")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
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

/// Exit codes: 0 success, 1 the body failed the check, 2 the command could not run.
fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Decode { type_name, list_types, file } => run_decode(type_name.as_deref(), list_types, file),
    }
}

fn run_decode(type_name: Option<&str>, list_types: bool, file: Option<PathBuf>) -> ExitCode {
    if list_types {
        for (name, kind) in defender_sdk::registry::TYPES {
            println!("{name} ({kind})");
        }
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
        eprintln!("defender decode: cannot read {message}");
        return ExitCode::from(2);
    }
    match decode::decode(&body, type_name) {
        Ok(decoded) => {
            match serde_json::to_string_pretty(&decoded.output) {
                Ok(text) => println!("{text}"),
                Err(e) => {
                    eprintln!("defender decode: {e}");
                    return ExitCode::from(2);
                }
            }
            let shape = if decoded.collection { "a collection of " } else { "" };
            eprintln!("decoded as {shape}{}; nothing lost", decoded.type_name);
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("defender decode: {failure}");
            match failure {
                Failure::UnknownType(_) => ExitCode::from(2),
                _ => ExitCode::from(1),
            }
        }
    }
}
