//! Canonicalization throughput (micro bench). Parsing is measured separately
//! so the c14n number is comparable to libxml2's c14n-only throughput.
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wstrust::xml::{self, c14n};

/// A ~4 KB SAML 2.0 assertion like the ones the STS issues.
fn saml_assertion() -> String {
    let mut attrs = String::new();
    for i in 0..24 {
        attrs.push_str(&format!(
            r#"<saml:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/claim{i}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"><saml:AttributeValue xsi:type="xs:string">value &amp; {i}</saml:AttributeValue></saml:Attribute>"#
        ));
    }
    format!(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6" IssueInstant="2026-11-22T20:00:00Z" Version="2.0"><saml:Issuer>https://sts.example/</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">admin</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"/></saml:Subject><saml:Conditions NotBefore="2026-11-22T20:00:00Z" NotOnOrAfter="2026-11-22T21:00:00Z"><saml:AudienceRestriction><saml:Audience>https://localhost:9444/services/echo</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="2026-11-22T20:00:00Z"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attrs}</saml:AttributeStatement></saml:Assertion>"#
    )
}

fn bench(c: &mut Criterion) {
    let small = saml_assertion();
    // A ~1 MB document: many assertions under one root.
    let big = format!("<root>{}</root>", small.repeat(256));
    for (name, text) in [("saml-4k", &small), ("doc-1m", &big)] {
        let limits = wstrust::Limits {
            max_bytes: usize::MAX,
            max_nodes: u32::MAX,
            ..Default::default()
        };
        let doc = xml::parse(text, &limits).unwrap();
        let mut g = c.benchmark_group(format!("c14n/{name}"));
        g.throughput(Throughput::Bytes(text.len() as u64));
        let mut out = Vec::with_capacity(text.len() * 2);
        g.bench_function("exclusive", |b| {
            b.iter(|| {
                out.clear();
                c14n::canonicalize(doc.root_element(), &c14n::Options::exclusive(), &mut out)
                    .unwrap();
            })
        });
        g.bench_function("inclusive", |b| {
            b.iter(|| {
                out.clear();
                c14n::canonicalize(
                    doc.root_element(),
                    &c14n::Options::new(c14n::Algorithm::Inclusive),
                    &mut out,
                )
                .unwrap();
            })
        });
        g.bench_function("parse", |b| b.iter(|| xml::parse(text, &limits).unwrap()));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
