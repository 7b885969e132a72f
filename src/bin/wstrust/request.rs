//! `wstrust request`: get a token from a WS-Trust STS over HTTPS (found
//! through its MEX document or named directly) and write it out, decrypted
//! for the relying party when its key is given.

use crate::util;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use time::OffsetDateTime;
use wstrust::client::http::HttpClient;
use wstrust::client::{mex, ClientError, Credential, KeyRequest, Request};
use wstrust::host::Random;
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::OsRandom;
use wstrust::wst::{TokenType, Version};
use wstrust::xml::ns;
use wstrust::{xenc, Error, Limits};

/// Arguments of `wstrust request`.
#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("sts").required(true).args(["mex", "endpoint"])))]
#[command(group(clap::ArgGroup::new("credential").required(true).args(["user", "cert"])))]
pub(crate) struct Args {
    /// The STS's MEX document (`https://.../adfs/services/trust/mex`): the
    /// endpoint is chosen from it for the credential, WS-Trust 1.3 first.
    #[arg(long, value_name = "URL")]
    mex: Option<String>,
    /// The STS endpoint to call (`https://.../trust/13/usernamemixed`).
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// The WS-Trust version of --endpoint.
    #[arg(long, value_name = "13|2005", default_value = "13", requires = "endpoint", value_parser = ["13", "2005"])]
    trust: String,
    /// User name (with --password-file).
    #[arg(long, value_name = "USER", requires = "password_file")]
    user: Option<String>,
    /// A file holding the password (one trailing newline is dropped), or `-`
    /// for standard input. Never on the command line.
    #[arg(long, value_name = "FILE", requires = "user")]
    password_file: Option<PathBuf>,
    /// Client certificate (PEM) to sign the request with (with --key).
    #[arg(
        long,
        value_name = "CERT.pem",
        requires = "key",
        conflicts_with = "user"
    )]
    cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, value_name = "KEY.pem", requires = "cert")]
    key: Option<PathBuf>,
    /// The relying party the token is for (wsp:AppliesTo).
    #[arg(long, value_name = "URI")]
    applies_to: String,
    /// `saml20`, `saml11` or a token type URI (the STS's default if absent).
    #[arg(long, value_name = "TYPE")]
    token_type: Option<String>,
    /// `bearer`, `symmetric` or `public` (bound to --cert); the STS's
    /// default if absent.
    #[arg(long, value_name = "TYPE", value_parser = ["bearer", "symmetric", "public"])]
    key_type: Option<String>,
    /// The CA certificate (PEM) the STS's TLS certificate must chain to
    /// (repeatable). No system roots are used.
    #[arg(long, value_name = "CA.pem")]
    ca: Vec<PathBuf>,
    /// The relying party's private key (PEM): decrypt the token with it.
    #[arg(long, value_name = "KEY.pem")]
    rp_key: Option<PathBuf>,
    /// Write the token here (owner-readable only) instead of stdout.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

/// The password from `path`, or standard input for `-`, less one trailing
/// newline.
fn password(path: &Path) -> Result<String, String> {
    let bytes = if path == Path::new("-") {
        let mut b = Vec::new();
        std::io::stdin()
            .read_to_end(&mut b)
            .map_err(|e| format!("cannot read the password from stdin: {e}"))?;
        b
    } else {
        util::read(path)?
    };
    let mut s = String::from_utf8(bytes)
        .map_err(|_| format!("{}: the password is not UTF-8", path.display()))?;
    if s.ends_with('\n') {
        s.pop();
        if s.ends_with('\r') {
            s.pop();
        }
    }
    if s.is_empty() {
        return Err(format!("{}: empty password", path.display()));
    }
    Ok(s)
}

fn certificates(path: &Path) -> Result<Vec<Certificate>, String> {
    let found = Certificate::all_from_pem(&util::read(path)?)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if found.is_empty() {
        return Err(format!("{}: no certificate", path.display()));
    }
    Ok(found)
}

/// A fresh `urn:uuid:` (version 4) for `wsa:MessageID`.
fn message_id() -> String {
    let mut b = [0u8; 16];
    OsRandom.fill(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// An error as one line; a fault as `fault PREFIX:Code: reason`.
fn describe(e: &Error) -> String {
    match e {
        Error::Client(ClientError::Fault(f)) => {
            let prefix = match f.namespace.as_deref() {
                Some(ns::WSSE) => Some("wsse"),
                Some(ns::WST_2005 | ns::WST_13 | ns::WST_14) => Some("wst"),
                Some(ns::WSA | ns::WSA_2004) => Some("wsa"),
                _ => None,
            };
            let code = match prefix {
                Some(p) => format!("{p}:{}", f.local_name),
                None => f.code_name(),
            };
            format!("fault {code}: {}", f.reason)
        }
        other => other.to_string(),
    }
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let mut roots = Vec::new();
    for path in &args.ca {
        roots.extend(certificates(path)?);
    }
    let credential = match (&args.user, &args.password_file, &args.cert, &args.key) {
        (Some(user), Some(file), _, _) => Credential::username(user.clone(), &password(file)?),
        (_, _, Some(cert), Some(key)) => {
            let c = Certificate::from_pem(&util::read(cert)?)
                .map_err(|e| format!("{}: {e}", cert.display()))?;
            let k = AwsLcRsaKey::from_pem(&util::read(key)?)
                .map_err(|e| format!("{}: {e}", key.display()))?;
            Credential::x509(c, Arc::new(k))
        }
        _ => return Err("give --user and --password-file, or --cert and --key".into()),
    };
    // Read the RP key before anything is sent: a bad path fails early.
    let rp_key = args
        .rp_key
        .as_deref()
        .map(crate::decryptor::resolver)
        .transpose()?;
    let http = HttpClient::new(&roots);
    let mut request = if let Some(url) = &args.mex {
        let found = http
            .mex(url)
            .map_err(|e| format!("MEX {url}: {}", describe(&e)))?;
        let kind = credential.kind();
        let ep = mex::choose(&found, kind).map_err(|e| format!("MEX {url}: {e}"))?;
        ep.issue()
    } else {
        let endpoint = args.endpoint.clone().unwrap_or_default();
        let version = if args.trust == "2005" {
            Version::Trust2005
        } else {
            Version::Trust13
        };
        Request::issue(version, endpoint)
    };
    request = request.applies_to(args.applies_to.clone());
    if let Some(t) = &args.token_type {
        request = match t.to_ascii_lowercase().as_str() {
            "saml20" | "saml2" | "saml2.0" => request.token_type(TokenType::Saml20),
            "saml11" | "saml1" | "saml1.1" => request.token_type(TokenType::Saml11),
            _ if t.contains(':') => request.token_type_uri(t.clone()),
            _ => return Err(format!("--token-type {t:?}: saml20, saml11 or a URI")),
        };
    }
    if let Some(k) = &args.key_type {
        let key = match k.as_str() {
            "bearer" => KeyRequest::Bearer,
            "symmetric" => KeyRequest::Symmetric {
                entropy: None,
                key_size: None,
            },
            _ => {
                let Some(cert) = &args.cert else {
                    return Err("--key-type public needs --cert and --key".into());
                };
                let c = Certificate::from_pem(&util::read(cert)?)
                    .map_err(|e| format!("{}: {e}", cert.display()))?;
                KeyRequest::public_key(c)
            }
        };
        request = request.key_type(key);
    }
    let envelope = request
        .build(&credential, OffsetDateTime::now_utc(), &message_id())
        .map_err(|e| describe(&e))?;
    let response = http.send(&envelope).map_err(|e| match e {
        Error::Client(ClientError::Tls(_)) if roots.is_empty() => {
            format!(
                "{}; no --ca given, and no system roots are used",
                describe(&e)
            )
        }
        e => describe(&e),
    })?;
    let token = response
        .token
        .ok_or_else(|| describe(&ClientError::Missing("token").into()))?;
    let mut out = token.as_bytes().to_vec();
    if let Some(keys) = &rp_key {
        let limits = Limits::default();
        let text = std::str::from_utf8(&out).map_err(|_| "token is not UTF-8".to_owned())?;
        let plain = xenc::decrypt_document(
            text,
            keys,
            &xenc::DecryptOptions::default(),
            &OsRandom,
            &limits,
        )
        .map_err(|e| format!("cannot decrypt the token with --rp-key: {e}"))?;
        out = plain.into_bytes();
    }
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    match &args.out {
        Some(path) => util::write_private(path, &out)?,
        None => util::write_stdout(&out)?,
    }
    Ok(ExitCode::SUCCESS)
}
