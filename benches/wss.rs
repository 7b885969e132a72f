//! WS-Security header processing: `auth::authenticate` on a pre-parsed
//! request (UsernameToken digest, UsernameToken text, X.509-signed Body and
//! Timestamp), and the same including XML + SOAP parsing. The replay cache is
//! a stub that accepts every key (the same request is replayed each
//! iteration); the in-memory cache is measured on its own.
#![allow(clippy::unwrap_used, missing_docs)]

use base64::Engine as _;
use criterion::{criterion_group, criterion_main, Criterion};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use time::macros::datetime;
use time::OffsetDateTime;
use wstrust::auth::{self, AuthConfig, TransportContext};
use wstrust::dsig::{self, KeyInfo, SignOptions, SigningKey};
use wstrust::host::ReplayCache;
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{MemoryLockout, MemoryReplayCache, MemoryUserStore};
use wstrust::policy::StandardPolicy;
use wstrust::soap::Message;
use wstrust::wss::{self, WssSettings};
use wstrust::{xml, Limits};

const NOW: OffsetDateTime = datetime!(2027-01-15 12:00 UTC);
const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

#[derive(Debug)]
struct AcceptAll;
impl ReplayCache for AcceptAll {
    fn insert_if_absent(
        &self,
        _: &str,
        _: Duration,
        _: OffsetDateTime,
    ) -> Result<bool, wstrust::Error> {
        Ok(true)
    }
}

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/auth/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn config(policy: StandardPolicy) -> AuthConfig {
    AuthConfig {
        wss: WssSettings {
            trust_anchors: vec![Certificate::from_pem(&data("ca.cert.pem")).unwrap()],
            ..WssSettings::default()
        },
        limits: Limits::default(),
        policy: Arc::new(policy),
        users: Arc::new(MemoryUserStore::demo()),
        replay: Arc::new(AcceptAll),
        lockout: Arc::new(MemoryLockout::default()),
        assertions: None,
        local_account_issuers: Vec::new(),
        partner_claims: Default::default(),
        issuer: None,
    }
}

fn envelope(security: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><s:Header><a:Action s:mustUnderstand="1">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue</a:Action><a:MessageID>urn:uuid:7b3c</a:MessageID><a:To s:mustUnderstand="1">https://sts.example/sts</a:To><wsse:Security s:mustUnderstand="1"><wsu:Timestamp wsu:Id="TS-1"><wsu:Created>2027-01-15T11:59:30Z</wsu:Created><wsu:Expires>2027-01-15T12:04:30Z</wsu:Expires></wsu:Timestamp>{security}</wsse:Security></s:Header><s:Body wsu:Id="B-1"><trust:RequestSecurityToken xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><trust:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</trust:RequestType><trust:TokenType>http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0</trust:TokenType><trust:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</trust:KeyType></trust:RequestSecurityToken></s:Body></s:Envelope>"#
    )
}

fn requests() -> Vec<(&'static str, String, AuthConfig, TransportContext)> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let tls = TransportContext {
        tls: true,
        ..Default::default()
    };
    let created = "2027-01-15T11:59:30Z";
    let nonce = b"0123456789abcdef";
    let digest = wss::password_digest(nonce, created, b"alice-password");
    let ut_digest = format!(
        r#"<wsse:UsernameToken><wsse:Username>alice</wsse:Username><wsse:Password Type="{}">{}</wsse:Password><wsse:Nonce>{}</wsse:Nonce><wsu:Created>{created}</wsu:Created></wsse:UsernameToken>"#,
        wss::PASSWORD_DIGEST,
        b64.encode(digest),
        b64.encode(nonce)
    );
    let ut_text = format!(
        r#"<wsse:UsernameToken><wsse:Username>alice</wsse:Username><wsse:Password Type="{}">alice-password</wsse:Password></wsse:UsernameToken>"#,
        wss::PASSWORD_TEXT
    );
    let cert = Certificate::from_pem(&data("client.cert.pem")).unwrap();
    let key = AwsLcRsaKey::from_pem(&data("client.key.pem")).unwrap();
    let bst = format!(
        r#"<wsse:BinarySecurityToken wsu:Id="X509-1" ValueType="{}" EncodingType="{}">{}</wsse:BinarySecurityToken>"#,
        wss::X509V3,
        wss::BASE64_BINARY,
        b64.encode(cert.der())
    );
    let unsigned = envelope(&bst);
    let doc = xml::parse(&unsigned, &Limits::default()).unwrap();
    let str_ref = format!(
        r##"<wsse:SecurityTokenReference xmlns:wsse="{WSSE}"><wsse:Reference URI="#X509-1" ValueType="{}"/></wsse:SecurityTokenReference>"##,
        wss::X509V3
    );
    let opts = SignOptions {
        key_info: KeyInfo::Raw(str_ref.as_bytes()),
        ..Default::default()
    };
    let sig = dsig::sign_detached(
        &doc,
        &["TS-1", "B-1"],
        SigningKey::Rsa(&key),
        &opts,
        &Limits::default(),
    )
    .unwrap();
    let signed = unsigned.replacen(
        "</wsse:Security>",
        &format!("{}</wsse:Security>", String::from_utf8(sig).unwrap()),
        1,
    );
    vec![
        (
            "username-token-digest",
            envelope(&ut_digest),
            config(StandardPolicy::username_token()),
            tls.clone(),
        ),
        (
            "username-token-text",
            envelope(&ut_text),
            config(StandardPolicy::username_token()),
            tls.clone(),
        ),
        (
            "x509-signed",
            signed,
            config(StandardPolicy::non_repudiation()),
            TransportContext::default(),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    for (name, text, cfg, transport) in requests() {
        let doc = xml::parse(&text, &limits).unwrap();
        let msg = Message::parse(&doc).unwrap();
        auth::authenticate(&msg, &transport, NOW, &cfg).unwrap();
        c.bench_function(&format!("wss/authenticate/{name}"), |b| {
            b.iter(|| auth::authenticate(&msg, &transport, NOW, &cfg).unwrap())
        });
        c.bench_function(&format!("wss/parse+authenticate/{name}"), |b| {
            b.iter(|| {
                let doc = xml::parse(&text, &limits).unwrap();
                let msg = Message::parse(&doc).unwrap();
                auth::authenticate(&msg, &transport, NOW, &cfg).unwrap()
            })
        });
    }
    let cache = MemoryReplayCache::new(10_000_000);
    let n = AtomicU64::new(0);
    c.bench_function("wss/memory-replay-cache/insert", |b| {
        b.iter(|| {
            let i = n.fetch_add(1, Ordering::Relaxed);
            cache
                .insert_if_absent(&format!("wss:nonce:{i}"), Duration::from_secs(600), NOW)
                .unwrap()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
