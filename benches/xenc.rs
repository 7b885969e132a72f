//! XML-Enc end to end: encrypt and decrypt a ~4 KB SAML 2.0 assertion,
//! against the raw cost of the same RSA-OAEP wrap/unwrap plus AES-256-GCM
//! with the same backends. Times are thread CPU time, so other processes on
//! the shared machine do not count.
#![allow(clippy::unwrap_used, missing_docs)]

use aes_gcm::aead::{AeadInPlace, KeyInit};
use criterion::{criterion_group, criterion_main, Criterion};
use std::sync::Arc;
use wstrust::keys::{AwsLcRsaKey, Certificate, DigestAlg, PrivateKey, RsaDecryptPadding};
use wstrust::memory::{MemoryKeyResolver, OsRandom};
use wstrust::{xenc, xml, Limits};

mod common;
use common::cpu;

fn saml_assertion() -> String {
    let mut attrs = String::new();
    for i in 0..14 {
        attrs.push_str(&format!(
            r#"<saml:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/claim{i}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue xsi:type="xs:string">value &amp; {i}</saml:AttributeValue></saml:Attribute>"#
        ));
    }
    format!(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6" IssueInstant="2026-11-22T20:00:00Z" Version="2.0"><saml:Issuer>https://sts.example/</saml:Issuer><saml:Subject><saml:NameID>admin</saml:NameID></saml:Subject><saml:AttributeStatement>{attrs}</saml:AttributeStatement></saml:Assertion>"#
    )
}

fn bench(c: &mut Criterion) {
    let cert = Certificate::from_pem(include_bytes!("../tests/data/xenc/rp.pem")).unwrap();
    let key = AwsLcRsaKey::from_pem(include_bytes!("../tests/data/xenc/rp.key")).unwrap();
    let key = Arc::new(key);
    let mut keys = MemoryKeyResolver::new();
    keys.add(cert.clone(), key.clone()).unwrap();
    let doc = saml_assertion();
    let limits = Limits::default();
    let opts = xenc::EncryptOptions::default();
    let sealed = xenc::encrypt_element(&doc, None, &cert, &opts, &OsRandom, &limits).unwrap();

    let mut g = c.benchmark_group(format!("xenc/saml-{}b", doc.len()));
    g.bench_function("encrypt_element", |b| {
        cpu(b, || {
            xenc::encrypt_element(&doc, None, &cert, &opts, &OsRandom, &limits).unwrap()
        })
    });
    let parsed = xml::parse(&doc, &limits).unwrap();
    g.bench_function("encrypt_node (parsed tree)", |b| {
        cpu(b, || {
            xenc::encrypt_node(parsed.root_element(), &cert, &opts, &OsRandom).unwrap()
        })
    });
    let dopts = xenc::DecryptOptions::default();
    g.bench_function("decrypt_document", |b| {
        cpu(b, || {
            xenc::decrypt_document(&sealed, &keys, &dopts, &OsRandom, &limits).unwrap()
        })
    });

    // Raw: the same primitives without XML.
    let aes_key = [7u8; 32];
    let nonce = [1u8; 12];
    let plain = doc.as_bytes().to_vec();
    let wrapped = cert
        .public_key()
        .encrypt_oaep(
            DigestAlg::Sha1,
            DigestAlg::Sha1,
            &aes_key,
            &mut rand::rngs::OsRng,
        )
        .unwrap();
    let aes_encrypt = |buf: &mut Vec<u8>| {
        aes_gcm::Aes256Gcm::new_from_slice(&aes_key)
            .unwrap()
            .encrypt_in_place_detached((&nonce).into(), b"", buf)
            .unwrap()
    };
    g.bench_function("raw_oaep_wrap+aes256gcm_encrypt", |b| {
        cpu(b, || {
            let w = cert
                .public_key()
                .encrypt_oaep(
                    DigestAlg::Sha1,
                    DigestAlg::Sha1,
                    &aes_key,
                    &mut rand::rngs::OsRng,
                )
                .unwrap();
            let mut buf = plain.clone();
            let tag = aes_encrypt(&mut buf);
            (w, buf, tag)
        })
    });
    // The same wrap with the pure-Rust `rsa` crate (the first backend), for
    // comparison with earlier numbers.
    g.bench_function("raw_oaep_wrap(rsa crate)+aes256gcm_encrypt", |b| {
        cpu(b, || {
            let w = cert
                .public_key()
                .rsa()
                .encrypt(
                    &mut rand::rngs::OsRng,
                    rsa::Oaep::new::<sha1::Sha1>(),
                    &aes_key,
                )
                .unwrap();
            let mut buf = plain.clone();
            let tag = aes_encrypt(&mut buf);
            (w, buf, tag)
        })
    });
    let mut ct = plain.clone();
    let tag = aes_gcm::Aes256Gcm::new_from_slice(&aes_key)
        .unwrap()
        .encrypt_in_place_detached((&nonce).into(), b"", &mut ct)
        .unwrap();
    g.bench_function("raw_oaep_unwrap+aes256gcm_decrypt", |b| {
        cpu(b, || {
            let k = key
                .decrypt(
                    RsaDecryptPadding::Oaep {
                        digest: DigestAlg::Sha1,
                        mgf1: DigestAlg::Sha1,
                    },
                    &wrapped,
                )
                .unwrap();
            let mut buf = ct.clone();
            aes_gcm::Aes256Gcm::new_from_slice(&k)
                .unwrap()
                .decrypt_in_place_detached((&nonce).into(), b"", &mut buf, &tag)
                .unwrap();
            buf
        })
    });
    g.bench_function("parse_only", |b| {
        cpu(b, || xml::parse(&sealed, &limits).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
