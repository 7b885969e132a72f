//! Parse arbitrary bytes with the crate's bounded parser and canonicalize every
//! element with every algorithm: must never panic, and exclusive c14n of the
//! output must be a fixed point (canonical form re-canonicalizes to itself).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wstrust::xml::{self, c14n};

fuzz_target!(|data: &[u8]| {
    let limits = wstrust::Limits::default();
    let Ok(text) = xml::parse_bytes(data, &limits) else { return };
    let Ok(doc) = xml::parse(text, &limits) else { return };
    for alg in [
        c14n::Algorithm::Exclusive,
        c14n::Algorithm::ExclusiveWithComments,
        c14n::Algorithm::Inclusive,
        c14n::Algorithm::InclusiveWithComments,
    ] {
        let opts = c14n::Options { algorithm: alg, inclusive_prefixes: &["#default", "a"], exclude: None };
        for node in doc.descendants().filter(|n| n.is_element()).take(16) {
            let Ok(out) = c14n::to_vec(node, &opts) else { continue };
            let again_text = std::str::from_utf8(&out).expect("c14n output is UTF-8");
            let again = xml::parse(again_text, &limits).expect("c14n output parses");
            let twice = c14n::to_vec(again.root_element(), &opts).expect("c14n of c14n");
            if alg.is_exclusive() {
                assert_eq!(out, twice, "exclusive c14n is not idempotent");
            }
        }
        let _ = c14n::to_vec(doc.root(), &opts);
    }
});
