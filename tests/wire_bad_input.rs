//! Hostile and malformed input through the whole entry point: every case
//! yields a well-formed SOAP fault of the right shape, never a panic.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use wstrust::error::{Error, Limit};
use wstrust::service::{handle_soap, RequestContext, SoapResponse, TokenService, TransportContext};
use wstrust::wst::{Rst, Rstr};
use wstrust::Limits;

struct Ok200;
impl TokenService for Ok200 {
    fn issue(&self, _: &Rst<'_, '_>, _: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        Ok(Rstr::default())
    }
}

fn call(bytes: &[u8], limits: &Limits) -> SoapResponse {
    let r = handle_soap(&Ok200, bytes, &TransportContext::default(), limits);
    // Whatever happened, the body is a well-formed envelope.
    let text = std::str::from_utf8(&r.body).expect("UTF-8 reply");
    let doc = roxmltree::Document::parse(text).expect("well-formed reply");
    assert_eq!(doc.root_element().tag_name().name(), "Envelope");
    assert!([200, 400, 413, 500].contains(&r.http_status));
    assert_eq!(
        r.http_status == 200,
        r.error.is_none() || text.contains("Collection")
    );
    r
}

const ENV: &str = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>BODY</s:Body></s:Envelope>"#;

#[test]
fn deep_nesting_is_a_fault_not_a_stack_overflow() {
    let n = 50_000;
    let body = "<x>".repeat(n) + &"</x>".repeat(n);
    let req = ENV.replace("BODY", &body);
    let limits = Limits {
        max_bytes: usize::MAX,
        ..Limits::default()
    };
    let r = call(req.as_bytes(), &limits);
    assert_eq!(r.http_status, 400);
    assert!(matches!(
        r.error,
        Some(Error::Limit(Limit::Depth)) | Some(Error::Xml(_))
    ));
}

#[test]
fn huge_input_is_refused_before_parsing() {
    let body = "<x/>".repeat(400_000);
    let req = ENV.replace("BODY", &body);
    let r = call(req.as_bytes(), &Limits::default());
    assert_eq!(r.http_status, 413);
    assert!(matches!(r.error, Some(Error::Limit(Limit::Size))));
    assert!(String::from_utf8_lossy(&r.body).contains("InvalidRequest"));
}

#[test]
fn too_many_nodes_and_attributes() {
    let limits = Limits {
        max_nodes: 1_000,
        ..Limits::default()
    };
    let req = ENV.replace("BODY", &"<x/>".repeat(2_000));
    assert!(matches!(
        call(req.as_bytes(), &limits).error,
        Some(Error::Limit(Limit::Nodes))
    ));
    let attrs: String = (0..200).map(|i| format!(" a{i}=\"v\"")).collect();
    let req = ENV.replace("BODY", &format!("<x{attrs}/>"));
    assert!(matches!(
        call(req.as_bytes(), &Limits::default()).error,
        Some(Error::Limit(Limit::Attributes))
    ));
}

#[test]
fn empty_and_tiny_inputs() {
    for bytes in [
        &b""[..],
        b" ",
        b"<",
        b"<s:Envelope",
        b"\xEF\xBB\xBF",
        b"\0\0\0",
    ] {
        let r = call(bytes, &Limits::default());
        assert_eq!(r.http_status, 400, "{bytes:?}");
    }
}

#[test]
fn soap11_requests_fault_in_soap11_even_when_broken() {
    let req = br#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><x"#;
    let r = call(req, &Limits::default());
    assert_eq!(r.content_type, "text/xml; charset=utf-8");
    assert!(String::from_utf8_lossy(&r.body).contains("<faultcode"));
}

fn fixtures() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/wst");
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    v.sort();
    v.into_iter().map(|p| std::fs::read(p).unwrap()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Flip, insert and cut bytes of every fixture: never a panic, always a
    /// well-formed reply.
    #[test]
    fn mutated_fixtures_never_panic(
        which in 0usize..64,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..3), 1..8),
        cut in proptest::option::of(any::<usize>()),
    ) {
        let all = fixtures();
        let mut bytes = all[which % all.len()].clone();
        for (pos, b, op) in edits {
            if bytes.is_empty() { break; }
            let i = pos % bytes.len();
            match op {
                0 => bytes[i] = b,
                1 => bytes.insert(i, b),
                _ => { bytes.remove(i); }
            }
        }
        if let Some(c) = cut {
            let len = bytes.len();
            bytes.truncate(c % (len + 1));
        }
        call(&bytes, &Limits::default());
    }

    /// Swap markup-significant tokens to build structurally odd but
    /// well-formed documents.
    #[test]
    fn shuffled_elements_never_panic(which in 0usize..64, dup in any::<usize>()) {
        let all = fixtures();
        let text = String::from_utf8_lossy(&all[which % all.len()]).into_owned();
        // duplicate one child element of the RST (or of anything) in place
        let starts: Vec<usize> = text.match_indices("<wst:").chain(text.match_indices("<t:")).chain(text.match_indices("<trust:")).map(|(i, _)| i).collect();
        if starts.is_empty() { return Ok(()); }
        let s = starts[dup % starts.len()];
        let Some(end_rel) = text[s..].find('>') else { return Ok(()) };
        let tag = &text[s..s + end_rel + 1];
        let mutated = text.replacen(tag, &format!("{tag}{tag}"), 1);
        call(mutated.as_bytes(), &Limits::default());
    }
}
