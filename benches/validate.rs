//! End-to-end validation of a signed ~4 KB SAML 2.0 token as the STS's
//! Validate does it: parse, find the token, anti-wrapping checks, verify the
//! enveloped RSA-SHA256 signature (2048-bit key), read the verified
//! assertion, check time and audience, and look the token up in the
//! in-memory store. Budget (issue 7): >= 15k validations/s on one core.
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use time::macros::datetime;
use wstrust::dsig::{self, KeyInfo, SignOptions, SigningKey};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::lifecycle::{self, LifecyclePolicy};
use wstrust::memory::MemoryTokenStore;
use wstrust::token::{self, Expect, TokenValidator, TrustedIssuer};
use wstrust::{xml, Limits};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/validate");
const STS: &str = "https://sts.example/";
const RP: &str = "https://localhost:9444/services/echo";

fn assertion(n_attrs: usize) -> String {
    let mut attrs = String::new();
    for i in 0..n_attrs {
        attrs.push_str(&format!(
            r#"<saml:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/claim{i}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue xsi:type="xs:string">value &amp; {i}</saml:AttributeValue></saml:Attribute>"#
        ));
    }
    format!(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6" IssueInstant="2026-11-22T20:00:00Z" Version="2.0"><saml:Issuer>{STS}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">admin</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"/></saml:Subject><saml:Conditions NotBefore="2026-11-22T20:00:00Z" NotOnOrAfter="2026-11-22T21:00:00Z"><saml:AudienceRestriction><saml:Audience>{RP}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="2026-11-22T20:00:00Z"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attrs}</saml:AttributeStatement></saml:Assertion>"#
    )
}

fn bench(c: &mut Criterion) {
    let key = AwsLcRsaKey::from_pem(&std::fs::read(format!("{DIR}/sts.key.pem")).unwrap()).unwrap();
    let cert =
        Certificate::from_pem(&std::fs::read(format!("{DIR}/sts.cert.pem")).unwrap()).unwrap();
    let limits = Limits::default();
    // As many attributes as make the signed token (with its certificate in
    // KeyInfo) about 4 KB.
    let sign = |n| {
        dsig::sign_enveloped(
            &assertion(n),
            None,
            SigningKey::Rsa(&key),
            &SignOptions {
                key_info: KeyInfo::X509Certificate(&cert),
                ..Default::default()
            },
            &limits,
        )
        .unwrap()
    };
    let mut n = 0;
    while sign(n + 1).len() <= 4096 {
        n += 1;
    }
    let signed = sign(n);
    let now = datetime!(2026-11-22 20:30 UTC);
    let validator = TokenValidator::new(vec![TrustedIssuer::named(STS, vec![cert])]);
    let policy = LifecyclePolicy::new(STS);
    let store = MemoryTokenStore::default();
    // a store with realistic occupancy
    for i in 0..10_000 {
        let r = policy.new_record(&format!("_other{i}"), "u", RP, now, None, limits.clock_skew);
        lifecycle::record_issued(Some(&store), &policy, &r, now).unwrap();
    }
    let r = policy.new_record(
        "_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6",
        "admin",
        RP,
        datetime!(2026-11-22 21:00 UTC),
        None,
        limits.clock_skew,
    );
    lifecycle::record_issued(Some(&store), &policy, &r, now).unwrap();

    let run = || {
        let doc = xml::parse(black_box(&signed), &limits).unwrap();
        let node = token::find_token(&doc).unwrap();
        let v = lifecycle::validate(
            &validator,
            Some(&store),
            &policy,
            &doc,
            node,
            &Expect::at(now).audience(RP),
        )
        .unwrap();
        assert!(v.status.valid);
        v
    };

    let mut g = c.benchmark_group("validate");
    g.throughput(Throughput::Elements(1));
    let name = format!("saml20_signed_{}B_memory_store", signed.len());
    g.bench_function(&name, |b| b.iter(run));
    // The same, timed by this thread's CPU time, which a busy shared
    // machine does not inflate the way it inflates wall time.
    g.bench_function(format!("{name}_cpu_time"), |b| {
        b.iter_custom(|iters| {
            let start = cpu_time::ThreadTime::now();
            for _ in 0..iters {
                black_box(run());
            }
            start.elapsed()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
