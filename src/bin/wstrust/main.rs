//! The `wstrust` command-line tool.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// WS-Trust STS toolkit: canonicalize, sign, verify.
#[derive(Parser)]
#[command(name = "wstrust", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {}
}
