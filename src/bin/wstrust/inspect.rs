//! `wstrust inspect`: show what a SAML token says, and whether its
//! signature verifies against the STS's certificate (`valid`, `invalid`, or
//! a loud `not verified` when no certificate is given).

use crate::util::{self, clean, quoted};
use base64::Engine as _;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use time::format_description::well_known::Rfc3339;
use time::macros::datetime;
use time::OffsetDateTime;
use wstrust::error::TokenError;
use wstrust::keys::Certificate;
use wstrust::memory::OsRandom;
use wstrust::token::{
    check_conditions, Expect, SymmetricKey, TokenValidator, TrustedIssuer, ValidatedToken,
};
use wstrust::xml::ns;
use wstrust::{xenc, xml, Error, Limits};

/// Exit code for an invalid signature or a token out of its validity window.
const EXIT_INVALID: u8 = 1;
/// Exit code when the token cannot be read or checked (also: not verified).
const EXIT_CANNOT: u8 = 2;

/// Arguments of `wstrust inspect`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The STS's signing certificate(s) (PEM): the signature is checked
    /// against these. Without it the signature is NOT verified.
    #[arg(long, value_name = "STS.crt")]
    cert: Option<PathBuf>,
    /// The relying party's private key (PEM) to decrypt an encrypted token
    /// (and a symmetric proof key).
    #[arg(long, value_name = "RP.key")]
    key: Option<PathBuf>,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    /// Check the validity window at this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// The token: a bare or encrypted assertion, or an RSTR holding one.
    token: PathBuf,
}

/// What the signature check said.
enum Signature {
    Valid,
    Invalid(String),
    NotVerified,
}

impl Signature {
    fn word(&self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid(_) => "invalid",
            Self::NotVerified => "not verified",
        }
    }
}

/// An error that means "the signature does not hold", not "cannot run".
fn is_signature_failure(e: &Error) -> bool {
    matches!(
        e,
        Error::Dsig(_)
            | Error::C14n(_)
            | Error::Token(TokenError::UntrustedIssuer | TokenError::Wrapping(_))
    )
}

/// The certificate carried in the token's own signature (`ds:KeyInfo/
/// ds:X509Data/ds:X509Certificate`), if any: trusted only to read the
/// token, never to call it valid.
fn embedded_certificate(text: &str, limits: &Limits) -> Option<Certificate> {
    let doc = xml::parse(text, limits).ok()?;
    let node = doc.descendants().find(|n| {
        n.has_tag_name((ns::DS, "X509Certificate"))
            && n.ancestors().any(|a| a.has_tag_name((ns::DS, "Signature")))
    })?;
    let b64: String = node
        .text()?
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    Certificate::from_der(&der).ok()
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    match inspect(&args) {
        Ok(code) => Ok(code),
        Err(msg) => {
            eprintln!("wstrust: {}", clean(&msg));
            Ok(ExitCode::from(EXIT_CANNOT))
        }
    }
}

fn inspect(args: &Args) -> Result<ExitCode, String> {
    let now = match &args.now {
        Some(s) => OffsetDateTime::parse(s, &Rfc3339).map_err(|e| format!("--now {s:?}: {e}"))?,
        None => OffsetDateTime::now_utc(),
    };
    let trusted = match &args.cert {
        Some(path) => {
            let certs = Certificate::all_from_pem(&util::read(path)?)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            if certs.is_empty() {
                return Err(format!("{}: no certificate", path.display()));
            }
            Some(certs)
        }
        None => None,
    };
    let limits = Limits::default();
    let bytes = util::read(&args.token)?;
    let text = xml::parse_bytes(&bytes, &limits).map_err(|e| format!("invalid token: {e}"))?;
    // The plaintext, for finding the signature's own certificate.
    let plain = match &args.key {
        Some(path) => xenc::decrypt_document(
            text,
            &crate::decryptor::resolver(path)?,
            &xenc::DecryptOptions::default(),
            &OsRandom,
            &limits,
        )
        .map_err(|e| format!("cannot decrypt the token with --key: {e}"))?,
        None => text.to_owned(),
    };
    let validator = |certs: Vec<Certificate>| -> Result<TokenValidator, String> {
        let mut v = TokenValidator::new(vec![TrustedIssuer::any_name(certs)]);
        if let Some(path) = &args.key {
            v = v.with_decryption(crate::decryptor::load(path)?);
        }
        Ok(v)
    };
    // The signature is judged here; the validity window below, at `now`
    // (a date no token reaches passes NotBefore, and expiry is skipped).
    let read_all = Expect {
        now: datetime!(9000-01-01 0:00 UTC),
        audience: None,
        allow_expired: true,
    };
    // Read by the token's own certificate: Err when that cannot even be
    // tried, Ok(Err) when the token does not verify against it.
    let embedded = || -> Result<Result<ValidatedToken, Error>, String> {
        let cert = embedded_certificate(&plain, &limits).ok_or_else(|| {
            if plain.contains("EncryptedData") {
                "encrypted token: give --key to read it".to_owned()
            } else {
                "the token carries no certificate to read it by: give --cert".to_owned()
            }
        })?;
        Ok(validator(vec![cert])?.validate_document(&plain, &read_all))
    };
    let (signature, token) = match trusted {
        Some(certs) => match validator(certs)?.validate_document(text, &read_all) {
            Ok(t) => (Signature::Valid, Some(t)),
            Err(e) if is_signature_failure(&e) => (
                Signature::Invalid(e.to_string()),
                embedded().ok().and_then(Result::ok),
            ),
            Err(Error::Token(TokenError::Malformed(m))) if m.contains("no decryption key") => {
                return Err("encrypted token: give --key to read it".into())
            }
            Err(e) => return Err(format!("invalid token: {e}")),
        },
        None => match embedded()? {
            Ok(t) => (Signature::NotVerified, Some(t)),
            // It does not even verify against its own key.
            Err(e) if is_signature_failure(&e) => (Signature::Invalid(e.to_string()), None),
            Err(e) => return Err(format!("invalid token: {e}")),
        },
    };
    let window =
        token.as_ref().map(
            |t| match check_conditions(t, &Expect::at(now), limits.clock_skew) {
                Ok(()) => "valid",
                Err(Error::Token(TokenError::NotYetValid)) => "not yet valid",
                Err(_) => "expired",
            },
        );
    let out = if args.json {
        json(&signature, window, token.as_ref())?
    } else {
        text_report(&signature, window, token.as_ref())
    };
    util::write_stdout(out.as_bytes())?;
    if let Signature::NotVerified = signature {
        eprintln!("wstrust: WARNING: signature NOT VERIFIED (no --cert): anyone could have written this token");
    }
    Ok(match (&signature, window) {
        (Signature::Invalid(_), _) => ExitCode::from(EXIT_INVALID),
        (_, Some(w)) if w != "valid" => ExitCode::from(EXIT_INVALID),
        (Signature::Valid, _) => ExitCode::SUCCESS,
        (Signature::NotVerified, _) => ExitCode::from(EXIT_CANNOT),
    })
}

fn ts(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn proof_key(t: &ValidatedToken) -> &'static str {
    if t.confirmation_key.is_some() {
        "RSA public key"
    } else {
        match &t.symmetric_key {
            Some(SymmetricKey::Decrypted(_)) => "symmetric, decrypted with --key",
            Some(SymmetricKey::Sealed) => "symmetric, encrypted for another party",
            None => "none",
        }
    }
}

fn text_report(sig: &Signature, window: Option<&str>, t: Option<&ValidatedToken>) -> String {
    let mut o = String::new();
    match sig {
        Signature::Valid => {
            let signer = t.map(|t| clean(t.signer.subject())).unwrap_or_default();
            let _ = writeln!(o, "signature: valid (signer {signer})");
        }
        Signature::Invalid(why) => {
            let _ = writeln!(o, "signature: invalid ({})", clean(why));
        }
        Signature::NotVerified => {
            let _ = writeln!(
                o,
                "signature: NOT VERIFIED (no --cert given: anyone could have written this token)"
            );
        }
    }
    let Some(t) = t else { return o };
    if let Some(w) = window {
        let _ = writeln!(o, "validity: {w}");
    }
    let _ = writeln!(o, "issuer: {}", clean(&t.issuer));
    let _ = writeln!(o, "subject: {}", clean(&t.subject.value));
    for m in &t.confirmation_methods {
        let _ = writeln!(o, "confirmation: {}", clean(m));
    }
    if let Some(nb) = t.not_before {
        let _ = writeln!(o, "not-before: {}", ts(nb));
    }
    let _ = writeln!(o, "not-on-or-after: {}", ts(t.not_on_or_after));
    for a in t.audiences() {
        let _ = writeln!(o, "audience: {}", clean(a));
    }
    for a in &t.attributes {
        for v in &a.values {
            let _ = writeln!(o, "attribute: {} = {}", clean(&a.name), quoted(v));
        }
    }
    let _ = writeln!(o, "proof-key: {}", proof_key(t));
    o
}

/// The report as one JSON object; untrusted text escaped as `\uXXXX` where
/// it holds characters that could reorder or split what a terminal shows.
fn json(
    sig: &Signature,
    window: Option<&str>,
    t: Option<&ValidatedToken>,
) -> Result<String, String> {
    use serde_json::{json, Value};
    let mut v = json!({
        "signature": sig.word(),
        "validity": window,
        "issuer": t.map(|t| t.issuer.clone()),
        "subject": t.map(|t| t.subject.value.clone()),
        "confirmation": t.map(|t| t.confirmation_methods.clone()).unwrap_or_default(),
        "not_before": t.and_then(|t| t.not_before).map(ts),
        "not_on_or_after": t.map(|t| ts(t.not_on_or_after)),
        "audiences": t.map(|t| t.audiences().map(str::to_owned).collect::<Vec<_>>()).unwrap_or_default(),
        "attributes": t.map(|t| t.attributes.iter().map(|a| json!({
            "name": a.name,
            "values": a.values,
        })).collect::<Vec<_>>()).unwrap_or_default(),
        "proof_key": t.map(proof_key),
        "signer": t.filter(|_| matches!(sig, Signature::Valid)).map(|t| t.signer.subject().to_owned()),
    });
    if let (Signature::Invalid(why), Value::Object(m)) = (sig, &mut v) {
        m.insert("error".into(), Value::String(why.clone()));
    }
    let s = serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?;
    let mut o = String::with_capacity(s.len() + 1);
    for c in s.chars() {
        if c != '\n' && wstrust::audit::is_unsafe_char(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(o, "\\u{u:04x}");
            }
        } else {
            o.push(c);
        }
    }
    o.push('\n');
    Ok(o)
}
