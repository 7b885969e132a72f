//! Decrypt arbitrary documents with a known recipient key: must never panic,
//! and a success must be a complete, well-formed document (no partial
//! plaintext). Seed with `xenc` output (see fuzz/README or the xenc tests).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{MemoryKeyResolver, OsRandom};
use wstrust::{xenc, xml, Limits};

fn keys() -> &'static MemoryKeyResolver {
    static KEYS: OnceLock<MemoryKeyResolver> = OnceLock::new();
    KEYS.get_or_init(|| {
        let cert = Certificate::from_pem(include_bytes!("../../tests/data/xenc/rp.pem")).unwrap();
        let key = AwsLcRsaKey::from_pem(include_bytes!("../../tests/data/xenc/rp.key")).unwrap();
        let mut k = MemoryKeyResolver::new();
        k.add(cert, Arc::new(key)).unwrap();
        k
    })
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(text) = xml::parse_bytes(data, &limits) else { return };
    let mut opts = xenc::DecryptOptions::default();
    opts.allow_cbc = data.first().is_some_and(|b| b & 1 == 1);
    if let Ok(out) = xenc::decrypt_document(text, keys(), &opts, &OsRandom, &limits) {
        xml::parse(&out, &limits).expect("decrypted document parses");
    }
    // Every EncryptedKey on its own, as a proof token.
    if let Ok(doc) = xml::parse(text, &limits) {
        for ek in doc
            .descendants()
            .filter(|n| n.tag_name().name() == "EncryptedKey")
            .take(4)
        {
            let _ = xenc::decrypt_key(ek, keys(), &opts);
        }
    }
});
