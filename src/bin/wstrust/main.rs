//! The `wstrust` command-line tool. Each subcommand lives in its own file and
//! uses only the library's public API.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

mod c14n;
mod decrypt;
mod decryptor;
mod encrypt;
mod issue;
mod keygen;
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
    /// Generate a development RSA key and a self-signed certificate (PEM).
    Keygen(keygen::Args),
    /// Run the STS over HTTP(S); with no arguments, on embedded development
    /// defaults kept in ./wstrust-data.
    Serve(serve::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::C14n(args) => c14n::run(args),
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Encrypt(args) => encrypt::run(args),
        Command::Decrypt(args) => decrypt::run(args),
        Command::Validate(args) => validate::run(args),
        Command::Issue(args) => issue::run(args),
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
