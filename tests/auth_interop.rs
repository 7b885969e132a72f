//! Requests signed by a real peer: xmlsec1 (libxmlsec1) signs a WSS4J-shaped
//! envelope (detached exclusive-C14N signature in the Security header,
//! KeyInfo a SecurityTokenReference to a BinarySecurityToken), and
//! `auth::authenticate` accepts it; tampering after signing is refused.
#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::sync::Arc;
use time::macros::datetime;
use time::OffsetDateTime;
use wstrust::auth::{self, AuthConfig, TransportContext};
use wstrust::error::AuthError;
use wstrust::keys::Certificate;
use wstrust::memory::{MemoryLockout, MemoryReplayCache, MemoryUserStore};
use wstrust::policy::{Method, SignedParts, StandardPolicy};
use wstrust::soap::Message;
use wstrust::wss::WssSettings;
use wstrust::{xml, Error, Limits};

const NOW: OffsetDateTime = datetime!(2027-01-15 12:00 UTC);

fn path(rel: &str) -> String {
    format!("{}/tests/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn config(policy: StandardPolicy) -> AuthConfig {
    let ca = Certificate::from_pem(&std::fs::read(path("data/auth/ca.cert.pem")).unwrap()).unwrap();
    AuthConfig {
        wss: WssSettings {
            trust_anchors: vec![ca],
            ..WssSettings::default()
        },
        limits: Limits::default(),
        policy: Arc::new(policy),
        users: Arc::new(MemoryUserStore::demo()),
        replay: Arc::new(MemoryReplayCache::new(1000)),
        lockout: Arc::new(MemoryLockout::default()),
        assertions: None,
        local_account_issuers: Vec::new(),
        partner_claims: Default::default(),
        issuer: None,
    }
}

fn authenticate(text: &str, cfg: &AuthConfig) -> Result<auth::Authenticated, Error> {
    let doc = xml::parse(text, &Limits::default())?;
    let msg = Message::parse(&doc)?;
    auth::authenticate(&msg, &TransportContext::default(), NOW, cfg)
}

#[test]
fn golden_xmlsec1_signed_request_accepted() {
    let text = std::fs::read_to_string(path("vectors/auth/xmlsec1-x509-rsa-sha256.xml")).unwrap();
    let cfg = config(StandardPolicy::non_repudiation());
    let who = authenticate(&text, &cfg).unwrap();
    assert_eq!(who.method, Method::X509Signature);
    assert!(who.signed.body && who.signed.timestamp);
    assert!(who.principal.name.contains("client.example"));
    // tampering with the signed Body after signing
    let cfg = config(StandardPolicy::non_repudiation());
    let bad = text.replace("/Issue</trust:RequestType>", "/Renew</trust:RequestType>");
    assert!(matches!(authenticate(&bad, &cfg), Err(Error::Dsig(_))));
    // the same message an hour later: stale
    let cfg = config(StandardPolicy::non_repudiation());
    let doc = xml::parse(&text, &Limits::default()).unwrap();
    let msg = Message::parse(&doc).unwrap();
    let late = NOW + time::Duration::hours(1);
    let r = auth::authenticate(&msg, &TransportContext::default(), late, &cfg);
    assert!(matches!(r, Err(Error::Auth(AuthError::Expired(_)))));
}

/// Sign the template with xmlsec1 live, with the given algorithms; `None` if
/// xmlsec1 is not installed (outside CI).
fn xmlsec1_sign(sig_alg: &str, digest_alg: &str, sign_action: bool) -> Option<String> {
    if Command::new("xmlsec1").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "xmlsec1 missing in CI");
        eprintln!("skipping: xmlsec1 not installed");
        return None;
    }
    let mut tmpl = std::fs::read_to_string(path("vectors/auth/xmlsec1-template.xml")).unwrap();
    tmpl = tmpl
        .replace("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", sig_alg)
        .replace("http://www.w3.org/2001/04/xmlenc#sha256", digest_alg);
    if sign_action {
        let r = format!(
            r##"<ds:Reference URI="#A-1"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="{digest_alg}"/><ds:DigestValue/></ds:Reference></ds:SignedInfo>"##
        );
        tmpl = tmpl.replace("</ds:SignedInfo>", &r);
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("t.xml");
    let output = dir.path().join("o.xml");
    std::fs::write(&input, tmpl).unwrap();
    let wsu = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
    let st = Command::new("xmlsec1")
        .arg("--sign")
        .arg("--privkey-pem")
        .arg(path("data/auth/client.key.pem"))
        .arg("--id-attr:Id")
        .arg(format!("{wsu}:Timestamp"))
        .arg("--id-attr:Id")
        .arg("http://www.w3.org/2003/05/soap-envelope:Body")
        .arg("--id-attr:Id")
        .arg("http://www.w3.org/2005/08/addressing:Action")
        .arg("--output")
        .arg(&output)
        .arg(&input)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    Some(std::fs::read_to_string(output).unwrap())
}

#[test]
fn live_xmlsec1_rsa_sha1_wss4j_defaults_only_where_allowed() {
    // WSS4J's historical defaults: RSA-SHA1 with SHA-1 digests. Refused by
    // default (issue 17 item 3), accepted where the setting turns SHA-1 on.
    let Some(text) = xmlsec1_sign(
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        "http://www.w3.org/2000/09/xmldsig#sha1",
        true,
    ) else {
        return;
    };
    let mut cfg = config(StandardPolicy::non_repudiation().signed_parts(SignedParts::ALL));
    let e = authenticate(&text, &cfg).unwrap_err();
    assert!(
        matches!(&e, Error::Dsig(wstrust::error::DsigError::AlgorithmNotAllowed(u)) if u.ends_with("#rsa-sha1")),
        "{e}"
    );
    assert_eq!(
        wstrust::Fault::from(&e).code,
        wstrust::error::FaultCode::UnsupportedAlgorithm
    );
    cfg.wss.allow_sha1 = true;
    let who = authenticate(&text, &cfg).unwrap();
    assert!(who.signed.addressing);
}

/// RSA-SHA384 with SHA-384 digests, on by default with SHA-256 and SHA-512.
#[test]
fn live_xmlsec1_rsa_sha384_accepted() {
    let Some(text) = xmlsec1_sign(
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
        false,
    ) else {
        return;
    };
    let cfg = config(StandardPolicy::non_repudiation());
    let who = authenticate(&text, &cfg).unwrap();
    assert!(who.signed.body && who.signed.timestamp);
}

#[test]
fn live_xmlsec1_rsa_sha512_accepted() {
    let Some(text) = xmlsec1_sign(
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
        "http://www.w3.org/2001/04/xmlenc#sha512",
        false,
    ) else {
        return;
    };
    let cfg = config(StandardPolicy::non_repudiation());
    assert!(authenticate(&text, &cfg).is_ok());
}
