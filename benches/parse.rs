//! Parsing a WS-Trust request (micro bench): bytes -> bounded tree -> SOAP
//! `Message` -> typed `Rst`, and the whole `handle_soap` round trip with a
//! service that answers immediately. Budget: >= 50k parses/s on one core for
//! a typical 3 KB RST.
#![allow(clippy::unwrap_used, missing_docs)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use wstrust::service::{handle_soap, read_request, RequestContext, TokenService, TransportContext};
use wstrust::soap::Message;
use wstrust::wst::{RawXml, Request, Rst, Rstr};
use wstrust::{xml, Error, Limits};

/// A WCF/WIF-style 1.3 symmetric-key request (UsernameToken, Timestamp,
/// AppliesTo, Claims, Entropy) grown to ~3 KB with a few more claim types.
fn typical_rst() -> String {
    let base = include_str!("../tests/vectors/wst/wif_13_symmetric.xml");
    let extra: String = (0..5)
        .map(|i| {
            format!(r#"<i:ClaimType Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/extra{i}" Optional="true"/>"#)
        })
        .collect();
    base.replace("</trust:Claims>", &format!("{extra}</trust:Claims>"))
}

struct Answer;
impl TokenService for Answer {
    fn issue(&self, rst: &Rst<'_, '_>, _: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        Ok(Rstr {
            token_type: rst.token_type_uri.clone(),
            applies_to: rst.applies_to.clone(),
            requested_token: Some(RawXml::new(b"<t:Token xmlns:t=\"urn:t\"/>".to_vec())),
            ..Rstr::default()
        })
    }
}

fn parse_once(bytes: &[u8], limits: &Limits) -> usize {
    let text = xml::parse_bytes(bytes, limits).unwrap();
    let doc = xml::parse(text, limits).unwrap();
    let msg = Message::parse(&doc).unwrap();
    match read_request(&msg).unwrap() {
        Request::Single(r) => r.extensions.len() + usize::from(r.claims.is_some()),
        Request::Batch(v) => v.len(),
    }
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    let cases = [
        ("wif13-3k", typical_rst()),
        (
            "cxf13-soap11",
            include_str!("../tests/vectors/wst/cxf_13_soap11_publickey.xml").to_owned(),
        ),
        (
            "adfs2005-usernamemixed",
            include_str!("../tests/vectors/wst/adfs_2005_usernamemixed.xml").to_owned(),
        ),
    ];
    // The bounded XML parse alone, to show what the wire layer adds on top.
    let mut g = c.benchmark_group("xml_parse_only");
    for (name, text) in &cases {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(*name, |b| {
            b.iter(|| xml::parse(text, &limits).unwrap().descendants().count())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("rst_parse");
    for (name, text) in &cases {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(*name, |b| b.iter(|| parse_once(text.as_bytes(), &limits)));
    }
    g.finish();

    let mut g = c.benchmark_group("handle_soap");
    let transport = TransportContext::default();
    for (name, text) in &cases {
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(*name, |b| {
            b.iter(|| {
                handle_soap(&Answer, text.as_bytes(), &transport, &limits)
                    .body
                    .len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
