//! `defender completions SHELL` and `defender man`: the shell's help for a command line with
//! over a hundred endpoints.

use clap::builder::PossibleValuesParser;
use clap::{Command, CommandFactory, ValueEnum};
use defender_runtime::catalog::EndpointKind;
use defender_sdk::catalog::CATALOG;

use crate::Cli;

/// The shells completions are written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

/// The command as clap describes it, with the catalog's names as the values of `call`'s
/// endpoint and of `list`'s and `get`'s entity set, so that the shell completes them. Parsing
/// keeps accepting any text there (and suggests near names), so only this copy lists them.
/// `mut_arg` moves an argument to the end, so the positionals' places are set again.
fn described() -> Command {
    let endpoints: Vec<&'static str> = CATALOG.endpoints.iter().map(|e| e.name).collect();
    let sets = |kind: EndpointKind| -> Vec<&'static str> {
        let mut sets: Vec<&'static str> =
            CATALOG.endpoints.iter().filter(|e| e.kind == kind).map(|e| e.root).collect();
        sets.dedup();
        sets
    };
    Cli::command()
        .mut_subcommand("call", |call| listing(call, "endpoint", endpoints, "arguments"))
        .mut_subcommand("list", |list| listing(list, "set", sets(EndpointKind::List), ""))
        .mut_subcommand("get", |get| listing(get, "set", sets(EndpointKind::Get), "key"))
}

/// `command` with `first`, its first positional, taking `values`, and `second` (if any) after it.
fn listing(command: Command, first: &str, values: Vec<&'static str>, second: &str) -> Command {
    let command = command
        .mut_arg(first, |arg| arg.value_parser(PossibleValuesParser::new(values)).required(true).index(1));
    if second.is_empty() { command } else { command.mut_arg(second, |arg| arg.index(2)) }
}

/// Writes the completion script for `shell` to `out`.
pub fn completions(shell: Shell, out: &mut dyn std::io::Write) {
    use clap_complete::Shell as Target;
    let target = match shell {
        Shell::Bash => Target::Bash,
        Shell::Zsh => Target::Zsh,
        Shell::Fish => Target::Fish,
        Shell::Powershell => Target::PowerShell,
        Shell::Elvish => Target::Elvish,
    };
    clap_complete::generate(target, &mut described(), "defender", out);
}

/// Writes the man page, `defender(1)`, as roff to `out`.
pub fn man(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}
