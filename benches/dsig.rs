//! Sign and verify of a ~4.4 KB SAML 2.0 assertion, against the raw RSA-2048
//! operations of the backends (the budget: sign within 10% of the raw RSA
//! sign, verify under 50 µs).
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion};
use wstrust::dsig::{self, KeyInfo, SignOptions, SigningKey, Trust};
use wstrust::keys::{AwsLcRsaKey, Certificate, DigestAlg, PrivateKey};
use wstrust::{xml, Limits};

mod common;
use common::cpu;

/// A ~4.4 KB SAML 2.0 assertion like the ones the STS issues (before the
/// signature and certificate are added).
fn saml_assertion() -> String {
    let mut attrs = String::new();
    for i in 0..14 {
        attrs.push_str(&format!(
            r#"<saml:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/claim{i}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue xsi:type="xs:string">value &amp; {i}</saml:AttributeValue></saml:Attribute>"#
        ));
    }
    format!(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6" IssueInstant="2026-11-22T20:00:00Z" Version="2.0"><saml:Issuer>https://sts.example/</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">admin</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"/></saml:Subject><saml:Conditions NotBefore="2026-11-22T20:00:00Z" NotOnOrAfter="2026-11-22T21:00:00Z"><saml:AudienceRestriction><saml:Audience>https://localhost:9444/services/echo</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="2026-11-22T20:00:00Z"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attrs}</saml:AttributeStatement></saml:Assertion>"#
    )
}

fn bench(c: &mut Criterion) {
    let key = AwsLcRsaKey::from_pem(include_bytes!("../tests/data/signer.key.pem")).unwrap();
    let cert = Certificate::from_pem(include_bytes!("../tests/data/signer.cert.pem")).unwrap();
    let limits = Limits::default();
    let text = saml_assertion();
    let opts = SignOptions {
        key_info: KeyInfo::X509Certificate(&cert),
        ..Default::default()
    };
    let signed = dsig::sign_enveloped(&text, None, SigningKey::Rsa(&key), &opts, &limits).unwrap();
    let certs = [cert.clone()];
    let trust = Trust::certificates(&certs);
    eprintln!(
        "assertion: {} bytes unsigned, {} bytes signed",
        text.len(),
        signed.len()
    );

    let mut g = c.benchmark_group("dsig/saml2-4k");
    g.bench_function("sign_enveloped", |b| {
        cpu(b, || {
            dsig::sign_enveloped(&text, None, SigningKey::Rsa(&key), &opts, &limits).unwrap()
        })
    });
    g.bench_function("parse+verify_enveloped", |b| {
        cpu(b, || {
            let doc = xml::parse(&signed, &limits).unwrap();
            dsig::verify_enveloped(&doc, doc.root_element(), &trust, &limits)
                .unwrap()
                .references()
                .len()
        })
    });
    // The parts of sign_enveloped: parse, then c14n + digest + SignedInfo +
    // RSA (sign_detached over the parsed tree does exactly that).
    g.bench_function("parts/parse", |b| {
        cpu(b, || xml::parse(&text, &limits).unwrap())
    });
    let unsigned = xml::parse(&text, &limits).unwrap();
    let id = xml::id_of(unsigned.root_element()).unwrap();
    g.bench_function("parts/c14n+sha256", |b| {
        let mut buf = Vec::with_capacity(8192);
        cpu(b, || {
            buf.clear();
            xml::c14n::canonicalize(
                unsigned.root_element(),
                &xml::c14n::Options::exclusive(),
                &mut buf,
            )
            .unwrap();
            dsig::DigestAlgorithm::Sha256.digest(&buf)
        })
    });
    g.bench_function("parts/sign_detached (pre-parsed)", |b| {
        cpu(b, || {
            dsig::sign_detached(&unsigned, &[id], SigningKey::Rsa(&key), &opts, &limits).unwrap()
        })
    });
    let doc = xml::parse(&signed, &limits).unwrap();
    g.bench_function("verify_enveloped", |b| {
        cpu(b, || {
            dsig::verify_enveloped(&doc, doc.root_element(), &trust, &limits)
                .unwrap()
                .references()
                .len()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("rsa2048");
    let msg = [0x5au8; 600];
    let sig = key.sign_pkcs1(DigestAlg::Sha256, &msg).unwrap();
    g.bench_function("sign (aws-lc-rs)", |b| {
        cpu(b, || key.sign_pkcs1(DigestAlg::Sha256, &msg).unwrap())
    });
    g.bench_function("verify (keys::PublicKey)", |b| {
        cpu(b, || {
            key.public_key()
                .verify_pkcs1(DigestAlg::Sha256, &msg, &sig)
                .unwrap()
        })
    });
    let spki = {
        let pk = key.public_key();
        aws_lc_rs::rsa::PublicKeyComponents {
            n: pk.modulus(),
            e: pk.exponent(),
        }
    };
    g.bench_function("verify (aws-lc-rs)", |b| {
        cpu(b, || {
            spki.verify(
                &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
                &msg,
                &sig,
            )
            .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
