//! The wire layer on arbitrary bytes: `handle_soap` must never panic and must
//! always answer with a well-formed envelope; when the envelope and the RST
//! parse, re-reading them must give the same result (the parse is a pure
//! function of the tree).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wstrust::service::{handle_soap, read_request, RequestContext, TokenService, TransportContext};
use wstrust::soap::Message;
use wstrust::wst::{RawXml, Rst, Rstr};
use wstrust::{xml, Error, Limits};

struct Echo;

impl TokenService for Echo {
    fn issue(&self, rst: &Rst<'_, '_>, _: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        Ok(Rstr {
            token_type: rst.token_type_uri.clone(),
            applies_to: rst.applies_to.clone(),
            lifetime: rst.lifetime,
            key_type: rst.key_type,
            key_size: rst.key_size,
            requested_token: Some(RawXml::new(b"<t/>".to_vec())),
            ..Rstr::default()
        })
    }
    fn validate(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        self.issue(rst, cx)
    }
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let reply = handle_soap(&Echo, data, &TransportContext::default(), &limits);
    let text = std::str::from_utf8(&reply.body).expect("reply is UTF-8");
    let big = Limits { max_bytes: usize::MAX, ..Limits::default() };
    let doc = xml::parse(text, &big).expect("reply is well-formed");
    assert_eq!(doc.root_element().tag_name().name(), "Envelope");

    let Ok(text) = xml::parse_bytes(data, &limits) else { return };
    let Ok(doc) = xml::parse(text, &limits) else { return };
    let Ok(msg) = Message::parse(&doc) else { return };
    let first = read_request(&msg).map(|r| format!("{r:?}")).map_err(|e| e.to_string());
    let again = read_request(&msg).map(|r| format!("{r:?}")).map_err(|e| e.to_string());
    assert_eq!(first, again);
    if first.is_err() {
        assert_ne!(reply.http_status, 200);
    }
});
