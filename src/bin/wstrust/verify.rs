//! `wstrust verify`: every signature in a document must verify against one
//! of the given certificates.

use crate::util;
use std::path::PathBuf;
use std::process::ExitCode;
use wstrust::dsig::{self, Trust};
use wstrust::error::Limit;
use wstrust::keys::Certificate;
use wstrust::{xml, Limits};

/// Arguments of `wstrust verify`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// A trusted certificate (PEM or DER); repeat for several.
    #[arg(long, value_name = "CERT.pem", required = true)]
    cert: Vec<PathBuf>,
    /// Also accept SHA-1 (RSA-SHA1, HMAC-SHA1, SHA-1 digests): legacy
    /// signers only.
    #[arg(long)]
    allow_sha1: bool,
    /// The XML file.
    file: PathBuf,
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let mut certs = Vec::new();
    for path in &args.cert {
        let all = Certificate::all_from_pem(&util::read(path)?)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if all.is_empty() {
            return Err(format!("{}: no certificate", path.display()));
        }
        certs.extend(all);
    }
    let bytes = util::read(&args.file)?;
    let limits = Limits::default();
    let text = xml::parse_bytes(&bytes, &limits).map_err(|e| e.to_string())?;
    let doc = xml::parse(text, &limits).map_err(|e| e.to_string())?;
    let signatures: Vec<_> = dsig::signatures(&doc).collect();
    if signatures.is_empty() {
        return Err("no signature in the document".into());
    }
    if signatures.len() > usize::from(limits.max_signatures) {
        return Err(wstrust::Error::from(Limit::Signatures).to_string());
    }
    let mut trust = Trust::certificates(&certs);
    if args.allow_sha1 {
        trust = trust.allow_sha1();
    }
    let mut out = String::new();
    for sig in signatures {
        let verified = dsig::verify(&doc, sig, &trust, &limits).map_err(|e| e.to_string())?;
        for id in verified.ids() {
            out.push_str(id);
            out.push('\n');
        }
    }
    util::write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
