//! The `wstrust` command-line tool. Each subcommand lives in its own file and
//! uses only the library's public API.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod c14n;
mod sign;
mod util;
mod verify;

/// WS-Trust STS toolkit.
#[derive(Parser)]
#[command(name = "wstrust", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the canonical form of a document or of one element subtree.
    C14n(c14n::Args),
    /// Sign one element (the root by default) with an enveloped signature.
    Sign(sign::Args),
    /// Verify every signature of a document against trusted certificates.
    Verify(verify::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::C14n(args) => c14n::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("wstrust: {msg}");
            ExitCode::from(1)
        }
    }
}
