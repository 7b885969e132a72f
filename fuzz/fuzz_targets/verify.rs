//! Verify every signature in arbitrary bytes against a fixed trusted
//! certificate and HMAC key: must never panic, and whatever verifies must hand
//! back elements of the same tree. Seed the corpus with
//! `tests/vectors/dsig/*.xml` so that mutations start from valid signatures:
//! ```text
//! cd fuzz && mkdir -p corpus/verify && cp ../tests/vectors/dsig/*.xml corpus/verify/
//! cargo +nightly fuzz run verify corpus/verify -- -max_total_time=180 -max_len=16384
//! ```
//! (On stable, build with the sanitizer-coverage flags shown in `rst.rs`.)
//! Runs so far: 282k + 842k executions (170 s + 150 s), no crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wstrust::dsig::{self, Trust};
use wstrust::keys::Certificate;
use wstrust::xml;

fuzz_target!(|data: &[u8]| {
    let limits = wstrust::Limits::default();
    let Ok(text) = xml::parse_bytes(data, &limits) else { return };
    let Ok(doc) = xml::parse(text, &limits) else { return };
    let cert = Certificate::from_pem(include_bytes!("../../tests/data/signer.cert.pem"))
        .expect("test certificate");
    let certs = [cert];
    let hmac_key = [0x3cu8; 32];
    // SHA-1 is off by default; fuzz the legacy paths too.
    for trust in [
        Trust::certificates(&certs),
        Trust::certificates(&certs).allow_sha1(),
        Trust::hmac(&hmac_key).allow_sha1(),
    ] {
        for sig in dsig::signatures(&doc).take(usize::from(limits.max_signatures)) {
            if let Ok(v) = dsig::verify(&doc, sig, &trust, &limits) {
                assert!(!v.references().is_empty());
                for r in v.references() {
                    assert!(r.is_element());
                    assert!(std::ptr::eq(r.document(), &doc));
                }
            }
            if let Some(parent) = sig.parent_element() {
                if let Ok(v) = dsig::verify_enveloped(&doc, parent, &trust, &limits) {
                    assert_eq!(v.element(), parent);
                    assert_eq!(v.references().len(), 1);
                }
            }
        }
    }
});
