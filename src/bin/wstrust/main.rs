//! The `wstrust` command-line tool. Each subcommand lives in its own file and
//! uses only the library's public API.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod c14n;
mod decrypt;
mod decryptor;
mod encrypt;
mod inspect;
mod issue;
mod keygen;
mod request;
mod serve;
mod serve_config;
mod serve_defaults;
mod serve_http;
mod sign;
mod util;
mod validate;
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
    /// Replace an element (the root if none) by its XML encryption for a
    /// certificate (a SAML 2.0 assertion becomes an EncryptedAssertion).
    Encrypt(encrypt::Args),
    /// Replace every EncryptedData by its plaintext.
    Decrypt(decrypt::Args),
    /// Run one WS-Trust Issue request offline (STS from a TOML config) and
    /// print the response envelope; exit 0 for an RSTR, 2 for a fault.
    Issue(issue::Args),
    /// Validate a SAML token and print what its verified assertion says.
    Validate(validate::Args),
    /// Get a token from a WS-Trust STS over HTTPS (via its MEX document or
    /// an endpoint) and write it out; exit 0 for a token, 1 for a fault.
    Request(request::Args),
    /// Show what a SAML token says and whether its signature is valid,
    /// invalid or not verified; exit 0 valid, 1 invalid or expired, 2 else.
    Inspect(inspect::Args),
    /// Generate a development RSA key and a self-signed certificate (PEM).
    Keygen(keygen::Args),
    /// Run the STS over HTTP(S); with no arguments, on embedded development
    /// defaults kept in ./wstrust-data.
    Serve(serve::Args),
}

/// `--help` and `--version` as clap prints them; every argument error as
/// the one `wstrust: ` line that other errors are (exit code 2, clap's).
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    // clap's first line names the problem ("error: unexpected argument
    // '--x' found"); the rest is usage and tips.
    let text = e.to_string();
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    eprintln!("wstrust: {} (see --help)", util::clean(first));
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let result = match cli.command {
        Command::C14n(args) => c14n::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Encrypt(args) => encrypt::run(args),
        Command::Decrypt(args) => decrypt::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Issue(args) => issue::run(args),
        Command::Request(args) => request::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Keygen(args) => keygen::run(args),
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(code) => code,
        Err(msg) => {
            // One line, whatever untrusted text (an attacker's algorithm
            // URI, a file name) the message carries.
            eprintln!("wstrust: {}", util::clean(&msg));
            ExitCode::from(1)
        }
    }
}
