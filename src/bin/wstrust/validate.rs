//! `wstrust validate`: validate one SAML token file exactly as the STS would
//! and print what the verified assertion says.

use crate::util::{self, clean, quoted};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use wstrust::keys::Certificate;
use wstrust::token::{Expect, SymmetricKey, TokenValidator, TrustedIssuer, ValidatedToken};
use wstrust::{xml, Limits};

/// Arguments of `wstrust validate`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// A PEM file of trusted issuer certificates (repeatable); an assertion
    /// signed by any of their keys is trusted, whatever its issuer name.
    #[arg(
        long = "trust-cert",
        value_name = "CERT.pem",
        required_unless_present = "trust_issuer"
    )]
    trust_cert: Vec<PathBuf>,
    /// An issuer name and the PEM file of its certificates (repeatable): an
    /// assertion is trusted only if its issuer is NAME and one of these keys
    /// signed it, as the STS's `[[trusted_issuers]]` does.
    #[arg(long = "trust-issuer", value_name = "NAME=CERT.pem")]
    trust_issuer: Vec<String>,
    /// Also accept SHA-1 signatures (RSA-SHA1, SHA-1 digests) by these
    /// issuers: legacy partners only.
    #[arg(long)]
    allow_sha1: bool,
    /// The STS private key (PEM) to decrypt an encrypted token.
    #[arg(long, value_name = "KEY.pem")]
    key: Option<PathBuf>,
    /// Require this audience.
    #[arg(long, value_name = "URI")]
    audience: Option<String>,
    /// Check validity at this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// The token: a bare or encrypted assertion, or an RSTR holding one.
    token: PathBuf,
}

/// Every certificate in the PEM file at `path` (at least one).
fn certificates(path: &Path) -> Result<Vec<Certificate>, String> {
    let pem = util::read(path)?;
    let found = Certificate::all_from_pem(&pem).map_err(|e| format!("{}: {e}", path.display()))?;
    if found.is_empty() {
        return Err(format!("{}: no certificate", path.display()));
    }
    Ok(found)
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let mut trusted = Vec::new();
    let mut certs = Vec::new();
    for path in &args.trust_cert {
        certs.extend(certificates(path)?);
    }
    if !certs.is_empty() {
        trusted.push(TrustedIssuer::any_name(certs));
    }
    for pair in &args.trust_issuer {
        let (name, path) = pair
            .rsplit_once('=')
            .filter(|(n, p)| !n.is_empty() && !p.is_empty())
            .ok_or_else(|| format!("--trust-issuer {pair:?}: expected NAME=CERT.pem"))?;
        trusted.push(TrustedIssuer::named(name, certificates(Path::new(path))?));
    }
    if args.allow_sha1 {
        trusted = trusted
            .into_iter()
            .map(TrustedIssuer::allowing_sha1)
            .collect();
    }
    let now = match &args.now {
        Some(s) => OffsetDateTime::parse(s, &Rfc3339).map_err(|e| format!("--now {s:?}: {e}"))?,
        None => OffsetDateTime::now_utc(),
    };
    let limits = Limits::default();
    let mut validator = TokenValidator::new(trusted);
    if let Some(path) = &args.key {
        validator = validator.with_decryption(crate::decryptor::load(path)?);
    }
    let bytes = util::read(&args.token)?;
    let text = xml::parse_bytes(&bytes, &limits).map_err(|e| format!("invalid token: {e}"))?;
    let mut expect = Expect::at(now);
    if let Some(a) = &args.audience {
        expect = expect.audience(a);
    }
    let token = validator
        .validate_document(text, &expect)
        .map_err(|e| format!("invalid token: {e}"))?;
    util::write_stdout(describe(&token).as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn describe(t: &ValidatedToken) -> String {
    let mut o = String::new();
    let version = match t.version {
        wstrust::wst::rstr::SamlVersion::V11 => "SAML 1.1",
        wstrust::wst::rstr::SamlVersion::V20 => "SAML 2.0",
    };
    let _ = writeln!(o, "valid: {version} assertion {}", clean(&t.id));
    let _ = writeln!(o, "issuer: {}", clean(&t.issuer));
    let _ = write!(o, "subject: {}", clean(&t.subject.value));
    if let Some(f) = &t.subject.format {
        let _ = write!(o, " (format {})", clean(f));
    }
    if let Some(q) = &t.subject.name_qualifier {
        let _ = write!(o, " (qualifier {})", clean(q));
    }
    o.push('\n');
    for a in t.audiences() {
        let _ = writeln!(o, "audience: {}", clean(a));
    }
    if let Some(nb) = t.not_before {
        let _ = writeln!(o, "not-before: {}", ts(nb));
    }
    let _ = writeln!(o, "not-on-or-after: {}", ts(t.not_on_or_after));
    for m in &t.confirmation_methods {
        let _ = writeln!(o, "confirmation: {}", clean(m));
    }
    if t.confirmation_key.is_some() {
        let _ = writeln!(o, "confirmation-key: RSA public key");
    }
    match &t.symmetric_key {
        Some(SymmetricKey::Decrypted(k)) => {
            let _ = writeln!(
                o,
                "confirmation-key: symmetric, {} bits, encrypted for the --key",
                k.as_bytes().len() * 8
            );
        }
        Some(SymmetricKey::Sealed) => {
            let _ = writeln!(
                o,
                "confirmation-key: symmetric, encrypted for another party"
            );
        }
        None => {}
    }
    if let Some(a) = &t.authn {
        if let Some(m) = &a.method {
            let _ = writeln!(o, "authentication: {}", clean(m));
        }
    }
    // One line per value, each quoted: `role = "guest, admin"` is one value.
    for a in &t.attributes {
        for v in &a.values {
            let _ = writeln!(o, "attribute: {} = {}", clean(&a.name), quoted(v));
        }
    }
    let _ = writeln!(o, "signer: {}", clean(t.signer.subject()));
    o
}
