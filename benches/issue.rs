//! End-to-end issuance: a UsernameToken Issue request through
//! `Sts::handle_soap` to an RSTR carrying a signed, encrypted SAML 2.0
//! bearer token. The raw RSA-2048 PKCS#1 signature of the key backend is
//! measured alongside as the yardstick. Times are thread CPU time (the
//! shared machine's wall time mostly measures waiting for a core; the
//! numbers in docs/PERFORMANCE.md were taken in wall time, before this).
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use std::sync::Arc;
use time::macros::datetime;
use wstrust::config::StsConfig;
use wstrust::keys::{AwsLcRsaKey, Certificate, DigestAlg, PrivateKey};
use wstrust::memory::{FixedClock, MemoryUserStore};
use wstrust::rp::{RelyingParties, RelyingParty};
use wstrust::service::TransportContext;
use wstrust::sts::Sts;

mod common;
use common::cpu;

const REQUEST: &str = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing"><s:Header><a:Action s:mustUnderstand="1">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue</a:Action><a:MessageID>urn:uuid:0f6b2b1e-7d2c-4b8e-9a51-2c1d5e3f4a10</a:MessageID><o:Security s:mustUnderstand="1" xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><u:Timestamp u:Id="_0"><u:Created>2027-01-15T12:00:00Z</u:Created><u:Expires>2027-01-15T12:05:00Z</u:Expires></u:Timestamp><o:UsernameToken u:Id="uuid-1"><o:Username>alice</o:Username><o:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">alice-password</o:Password></o:UsernameToken></o:Security></s:Header><s:Body><trust:RequestSecurityToken xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>https://rp.example/app</wsa:Address></wsa:EndpointReference></wsp:AppliesTo><trust:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</trust:TokenType><trust:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</trust:KeyType><trust:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</trust:RequestType></trust:RequestSecurityToken></s:Body></s:Envelope>"#;

fn data(p: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{p}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn new_sts(key: &Arc<AwsLcRsaKey>, encrypt: bool) -> Sts {
    let mut rps = RelyingParties::new();
    rps.add(
        RelyingParty::new("https://rp.example/app")
            .certificate(Certificate::from_pem(&data("xenc/rp.pem")).unwrap())
            .encrypt(encrypt),
    );
    let config = StsConfig::builder()
        .issuer("https://sts.example/")
        .signing_key(
            key.clone(),
            Certificate::from_pem(&data("signer.cert.pem")).unwrap(),
        )
        .users(Arc::new(MemoryUserStore::demo()))
        .relying_parties(rps)
        .clock(Arc::new(FixedClock::new(datetime!(2027-01-15 12:00 UTC))))
        .build()
        .unwrap();
    Sts::new(config)
}

fn bench(c: &mut Criterion) {
    let key = Arc::new(AwsLcRsaKey::from_pem(&data("signer.key.pem")).unwrap());
    let sts = new_sts(&key, true);
    let plain_sts = new_sts(&key, false);
    let tls = TransportContext {
        tls: true,
        ..TransportContext::default()
    };
    let reply = sts.handle_soap(REQUEST.as_bytes(), &tls);
    assert_eq!(reply.http_status, 200);
    assert!(String::from_utf8(reply.body)
        .unwrap()
        .contains("EncryptedAssertion"));

    let mut g = c.benchmark_group("issue");
    g.bench_function("rsa2048-sign-sha256", |b| {
        cpu(b, || {
            key.sign_pkcs1(DigestAlg::Sha256, REQUEST.as_bytes())
                .unwrap()
        })
    });
    g.bench_function("saml20-bearer-encrypted-usernametoken", |b| {
        cpu(b, || {
            let r = sts.handle_soap(REQUEST.as_bytes(), &tls);
            assert_eq!(r.http_status, 200);
            r
        })
    });
    // The same without encryption for the relying party (no RSA-OAEP, no
    // AES-GCM): what signing and the request/response XML cost alone.
    g.bench_function("saml20-bearer-unencrypted-usernametoken", |b| {
        cpu(b, || {
            let r = plain_sts.handle_soap(REQUEST.as_bytes(), &tls);
            assert_eq!(r.http_status, 200);
            r
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
