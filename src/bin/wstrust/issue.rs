//! `wstrust issue`: run one Issue request offline through the same sans-I/O
//! entry point a server uses, with the STS configured from a TOML file
//! (format: docs/configuration.md). The response envelope (RSTR or fault)
//! goes to stdout; the exit status is 0 for an RSTR, 2 for a fault.

use crate::util;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use wstrust::audit::{AuditEvent, AuditObserver};
use wstrust::config::StsConfig;
use wstrust::dsig::SignatureAlgorithm;
use wstrust::host::{Attributes, Secret};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{FixedClock, MemoryUserStore, SystemClock, PRIMARY_DOMAIN};
use wstrust::policy::StandardPolicy;
use wstrust::rp::{MemoryCertificateStore, RelyingParties, RelyingParty, Unregistered};
use wstrust::service::TransportContext;
use wstrust::sts::Sts;
use wstrust::wss::WssSettings;
use wstrust::wst::{KeyType, TokenType};
use wstrust::xenc::{uri, DataAlgorithm, KeyTransport};

/// Arguments of `wstrust issue`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The STS configuration (TOML; see docs/configuration.md).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Issue at this time (RFC 3339) instead of now.
    #[arg(long, value_name = "RFC3339")]
    now: Option<String>,
    /// Print one audit line per request to stderr.
    #[arg(long)]
    audit: bool,
    /// The SOAP request envelope.
    request: PathBuf,
}

/// The TOML file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    issuer: String,
    signing_key: PathBuf,
    signing_certificate: PathBuf,
    lifetime_secs: Option<u64>,
    max_lifetime_secs: Option<u64>,
    clock_skew_secs: Option<u64>,
    signature_algorithms: Option<Vec<String>>,
    token_type: Option<String>,
    key_type: Option<String>,
    key_size: Option<u32>,
    name_id_format: Option<String>,
    local_claim_dialect: Option<String>,
    #[serde(default)]
    trusted_intermediaries: Vec<String>,
    #[serde(default)]
    trust_anchors: Vec<PathBuf>,
    #[serde(default)]
    pinned_certificates: Vec<PathBuf>,
    #[serde(default)]
    intermediate_certificates: Vec<PathBuf>,
    #[serde(default)]
    known_certificates: Vec<PathBuf>,
    account_anchors: Option<Vec<PathBuf>>,
    #[serde(default)]
    trusted_issuers: Vec<TrustedIssuerFile>,
    #[serde(default)]
    local_account_issuers: Vec<String>,
    #[serde(default)]
    endpoints: Vec<String>,
    unregistered: Option<String>,
    #[serde(default)]
    policy: PolicyFile,
    #[serde(default)]
    transport: TransportFile,
    #[serde(default)]
    users: Vec<UserFile>,
    #[serde(default)]
    keystore: BTreeMap<String, PathBuf>,
    #[serde(default)]
    relying_parties: Vec<RpFile>,
    /// `[server]`: read by `wstrust serve` (transport settings), ignored here.
    #[serde(default)]
    #[allow(dead_code)]
    server: Option<toml::Table>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    kind: Option<String>,
    password_requires_tls: Option<bool>,
    require_timestamp: Option<bool>,
    /// SHA-1 request and certificate signatures (legacy Basic256 clients).
    #[serde(default)]
    allow_sha1: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TransportFile {
    #[serde(default)]
    tls: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserFile {
    name: String,
    password: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    attributes: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustedIssuerFile {
    name: String,
    cert: PathBuf,
    #[serde(default)]
    accept_claims: Vec<String>,
    /// Accept this issuer's SHA-1 signatures.
    #[serde(default)]
    allow_sha1: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RpFile {
    address: String,
    #[serde(default)]
    pattern: bool,
    certificate: Option<PathBuf>,
    certificate_alias: Option<String>,
    token_type: Option<String>,
    lifetime_secs: Option<u64>,
    encrypt: Option<bool>,
    encryption_algorithms: Option<Vec<String>>,
    key_wrap_algorithms: Option<Vec<String>>,
    claims: Option<Vec<String>>,
    default_claims: Option<Vec<String>>,
}

/// Data encryption algorithms by URI (the first is the party's default).
fn data_algorithms(list: &[String]) -> Result<Vec<DataAlgorithm>, String> {
    if list.is_empty() {
        return Err("encryption_algorithms must name at least one algorithm".into());
    }
    list.iter()
        .map(|u| {
            DataAlgorithm::from_uri(u).ok_or_else(|| {
                format!(
                    "unknown encryption algorithm {u:?} ({})",
                    DataAlgorithm::ALL.map(DataAlgorithm::uri).join(", ")
                )
            })
        })
        .collect()
}

/// Key transport algorithms by URI (`xmlenc11#rsa-oaep` is SHA-256 with
/// MGF1-SHA-256).
fn key_transports(list: &[String]) -> Result<Vec<KeyTransport>, String> {
    if list.is_empty() {
        return Err("key_wrap_algorithms must name at least one algorithm".into());
    }
    list.iter()
        .map(|u| match u.as_str() {
            uri::RSA_OAEP_MGF1P => Ok(KeyTransport::RsaOaepMgf1p),
            uri::RSA_OAEP => Ok(KeyTransport::RsaOaepSha256),
            _ => Err(format!(
                "unknown key wrap algorithm {u:?} ({}, {})",
                uri::RSA_OAEP_MGF1P,
                uri::RSA_OAEP
            )),
        })
        .collect()
}

fn token_type(s: &str) -> Result<TokenType, String> {
    match s {
        "saml20" | "saml2" => Ok(TokenType::Saml20),
        "saml11" | "saml1" => Ok(TokenType::Saml11),
        _ => Err(format!("unknown token_type {s:?} (saml20, saml11)")),
    }
}

fn key_type(s: &str) -> Result<KeyType, String> {
    match s {
        "bearer" => Ok(KeyType::Bearer),
        "symmetric" => Ok(KeyType::SymmetricKey),
        "public" => Ok(KeyType::PublicKey),
        _ => Err(format!(
            "unknown key_type {s:?} (bearer, symmetric, public)"
        )),
    }
}

/// Stderr audit lines (never secrets: the events carry none).
#[derive(Debug)]
struct StderrAudit;

impl AuditObserver for StderrAudit {
    fn event(&self, e: &AuditEvent) {
        eprintln!(
            "audit: {:?} {} requester={} subject={} rp={} token={}",
            e.operation,
            match &e.outcome {
                Ok(()) => "ok".to_owned(),
                Err(r) => format!("failed ({r})"),
            },
            e.requester.as_deref().unwrap_or("-"),
            e.subject.as_deref().unwrap_or("-"),
            e.relying_party.as_deref().unwrap_or("-"),
            e.token_id.as_deref().unwrap_or("-"),
        );
    }
}

fn cert(base: &Path, p: &Path) -> Result<Certificate, String> {
    let path = base.join(p);
    Certificate::from_pem(&util::read(&path)?).map_err(|e| format!("{}: {e}", path.display()))
}

/// Build the STS from the configuration file.
fn load(path: &Path, now: Option<OffsetDateTime>, audit: bool) -> Result<(Sts, bool), String> {
    let text = String::from_utf8(util::read(path)?)
        .map_err(|_| format!("{}: not UTF-8", path.display()))?;
    from_toml(&text, path, now, audit)
}

/// Build the STS from the configuration text read from `path` (which names
/// it in errors and anchors relative paths); `wstrust serve --config` uses
/// the same format.
pub(crate) fn from_toml(
    text: &str,
    path: &Path,
    now: Option<OffsetDateTime>,
    audit: bool,
) -> Result<(Sts, bool), String> {
    let (b, tls) = builder_from_toml(text, path, now, audit)?;
    let config = b.build().map_err(|e| e.to_string())?;
    Ok((Sts::new(config), tls))
}

/// The configuration builder before `build`, for hosts that add to it
/// (`wstrust serve` adds its token store and audit log).
pub(crate) fn builder_from_toml(
    text: &str,
    path: &Path,
    now: Option<OffsetDateTime>,
    audit: bool,
) -> Result<(wstrust::config::StsConfigBuilder, bool), String> {
    let f: File = toml::from_str(text).map_err(|e| format!("{}: {e}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));

    let key_path = base.join(&f.signing_key);
    let key = AwsLcRsaKey::from_pem(&util::read(&key_path)?)
        .map_err(|e| format!("{}: {e}", key_path.display()))?;
    let mut b = StsConfig::builder()
        .issuer(f.issuer)
        .signing_key(Arc::new(key), cert(base, &f.signing_certificate)?);
    if let Some(s) = f.lifetime_secs {
        b = b.lifetime(Duration::from_secs(s));
    }
    if let Some(s) = f.max_lifetime_secs {
        b = b.max_lifetime(Duration::from_secs(s));
    }
    if let Some(s) = f.clock_skew_secs {
        b = b.clock_skew(Duration::from_secs(s));
    }
    if let Some(list) = &f.signature_algorithms {
        let algs = list
            .iter()
            .map(|u| {
                SignatureAlgorithm::from_uri(u).ok_or_else(|| format!("unknown algorithm {u:?}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        b = b.signature_algorithms(&algs);
    }
    if let Some(t) = &f.token_type {
        b = b.token_type(token_type(t)?);
    }
    if let Some(k) = &f.key_type {
        b = b.key_type(key_type(k)?);
    }
    if let Some(k) = f.key_size {
        b = b.key_size(k);
    }
    if let Some(n) = f.name_id_format {
        b = b.name_id_format(n);
    }
    if let Some(d) = f.local_claim_dialect {
        b = b.claims(Arc::new(wstrust::claims::AttributeClaims::new(d)));
    }
    for t in f.trusted_intermediaries {
        b = b.trusted_intermediary(t);
    }
    for t in &f.trusted_issuers {
        b = b.trusted_issuer(t.name.clone(), cert(base, &t.cert)?);
        if !t.accept_claims.is_empty() {
            b = b.accept_claims(t.name.clone(), t.accept_claims.iter().cloned());
        }
        if t.allow_sha1 {
            b = b.trusted_issuer_sha1(t.name.clone());
        }
    }
    for n in f.local_account_issuers {
        b = b.local_account_issuer(n);
    }
    for e in f.endpoints {
        b = b.endpoint(e);
    }
    let mut wss = WssSettings::default();
    for a in &f.trust_anchors {
        wss.trust_anchors.push(cert(base, a)?);
    }
    for a in &f.pinned_certificates {
        wss.pinned_certificates.push(cert(base, a)?);
    }
    for a in &f.intermediate_certificates {
        wss.intermediates.push(cert(base, a)?);
    }
    for a in &f.known_certificates {
        wss.known_certificates.push(cert(base, a)?);
    }
    wss.allow_sha1 = f.policy.allow_sha1;
    if let Some(list) = &f.account_anchors {
        let mut anchors = Vec::with_capacity(list.len());
        for a in list {
            let c = cert(base, a)?;
            if !wss.is_anchor(&c) {
                return Err(format!(
                    "account_anchors: {} is not one of trust_anchors or pinned_certificates",
                    a.display()
                ));
            }
            anchors.push(c);
        }
        wss.account_anchors = Some(anchors);
    }
    b = b.wss(wss);

    let mut policy = match f.policy.kind.as_deref() {
        None | Some("username_token") => StandardPolicy::username_token(),
        Some("non_repudiation") => StandardPolicy::non_repudiation(),
        Some(k) => return Err(format!("unknown policy kind {k:?}")),
    };
    if let Some(v) = f.policy.password_requires_tls {
        policy = policy.password_requires_tls(v);
    }
    if let Some(v) = f.policy.require_timestamp {
        policy = policy.require_timestamp(v);
    }
    b = b.policy(Arc::new(policy));

    let users = MemoryUserStore::new(PRIMARY_DOMAIN);
    for u in f.users {
        let roles: Vec<&str> = u.roles.iter().map(String::as_str).collect();
        let attrs: Attributes = u.attributes.into_iter().collect();
        users.add_user(&u.name, Secret::new(u.password), &roles, attrs);
    }
    b = b.users(Arc::new(users));

    let mut store = MemoryCertificateStore::new();
    for (alias, p) in &f.keystore {
        store.insert(alias.clone(), cert(base, p)?);
    }
    let mut rps = RelyingParties::new();
    for r in f.relying_parties {
        let mut rp = if r.pattern {
            RelyingParty::pattern(r.address)
        } else {
            RelyingParty::new(r.address)
        };
        if let Some(t) = &r.token_type {
            rp = rp.token_type(token_type(t)?);
        }
        if let Some(s) = r.lifetime_secs {
            rp = rp.lifetime(Duration::from_secs(s));
        }
        if let Some(p) = &r.certificate {
            rp = rp.certificate(cert(base, p)?);
        }
        if let Some(alias) = &r.certificate_alias {
            rp = rp
                .certificate_alias(&store, alias)
                .map_err(|e| e.to_string())?;
        }
        if let Some(e) = r.encrypt {
            rp = rp.encrypt(e);
        }
        if let Some(list) = &r.encryption_algorithms {
            rp = rp.data_algorithms(data_algorithms(list)?);
        }
        if let Some(list) = &r.key_wrap_algorithms {
            rp = rp.key_transports(key_transports(list)?);
        }
        if let Some(c) = r.claims {
            rp = rp.claims(c);
        }
        if let Some(c) = r.default_claims {
            rp = rp.default_claims(c);
        }
        // A bad pattern or a default claim outside `claims` fails the load.
        rps.try_add(rp).map_err(|e| e.to_string())?;
    }
    match f.unregistered.as_deref() {
        None | Some("refuse") => {}
        Some("allow") => rps.unregistered(Unregistered::Allow(Box::new(RelyingParty::new("")))),
        Some(u) => return Err(format!("unknown unregistered {u:?} (refuse, allow)")),
    }
    b = b.relying_parties(rps);
    b = match now {
        Some(t) => b.clock(Arc::new(FixedClock::new(t))),
        None => b.clock(Arc::new(SystemClock)),
    };
    if audit {
        b = b.audit(Arc::new(StderrAudit));
    }
    Ok((b, f.transport.tls))
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let now = match &args.now {
        Some(s) => {
            Some(OffsetDateTime::parse(s, &Rfc3339).map_err(|e| format!("--now {s:?}: {e}"))?)
        }
        None => None,
    };
    let (sts, tls) = load(&args.config, now, args.audit)?;
    let request = util::read(&args.request)?;
    let transport = TransportContext {
        tls,
        ..TransportContext::default()
    };
    let reply = sts.handle_soap(&request, &transport);
    util::write_stdout(&reply.body)?;
    Ok(if reply.http_status == 200 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}
