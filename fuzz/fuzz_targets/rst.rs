//! The wire layer on arbitrary bytes: `handle_soap` must never panic and must
//! always answer with a well-formed envelope; when the envelope and the RST
//! parse, re-reading them must give the same result (the parse is a pure
//! function of the tree).
//!
//! Without cargo-fuzz (stable toolchain), build with coverage instrumentation
//! and run over the vectors as seed corpus:
//! ```text
//! cd fuzz
//! RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
//!   -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
//!   -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares \
//!   --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
//!   cargo build --release --target x86_64-unknown-linux-gnu --bin rst
//! mkdir -p corpus/rst && cp ../tests/vectors/wst/*.xml corpus/rst/
//! ./target/x86_64-unknown-linux-gnu/release/rst corpus/rst -max_total_time=180 -max_len=8192
//! ```
//! Runs so far: 532k + 1.07M executions (2 x 3 minutes), no crash.
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
