//! Property tests for XML-Enc decryption: random mutations of valid
//! `EncryptedData` / `EncryptedKey` never panic, never return partial
//! plaintext, and every mutated ciphertext fails with the one
//! `XencError::DecryptionFailed` (no padding, tag, key or parsing oracle).
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use proptest::prelude::*;
use std::sync::{Arc, OnceLock};
use wstrust::error::{Error, XencError};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{MemoryKeyResolver, OsRandom};
use wstrust::xenc::{self, DataAlgorithm, DecryptOptions, EncryptOptions};
use wstrust::{xml, Limits};

const DOC: &str = r#"<r><a ID="x"><b>secret &amp; more secret text</b><c/></a></r>"#;
const PLAIN: &str = r#"<a ID="x"><b>secret &amp; more secret text</b><c></c></a>"#;

fn rp() -> Certificate {
    Certificate::from_pem(include_bytes!("data/xenc/rp.pem")).unwrap()
}

fn keys() -> &'static MemoryKeyResolver {
    static K: OnceLock<MemoryKeyResolver> = OnceLock::new();
    K.get_or_init(|| {
        let mut k = MemoryKeyResolver::new();
        let key = AwsLcRsaKey::from_pem(include_bytes!("data/xenc/rp.key")).unwrap();
        k.add(rp(), Arc::new(key)).unwrap();
        k
    })
}

/// Valid documents: each data algorithm, with the EncryptedKey inline
/// (`peer == false`) or as a peer reached by RetrievalMethod.
fn sealed(alg: usize, peer: bool) -> &'static str {
    static S: OnceLock<Vec<String>> = OnceLock::new();
    let all = S.get_or_init(|| {
        let mut out = Vec::new();
        for data in DataAlgorithm::ALL {
            let mut opts = EncryptOptions::default();
            opts.data = data;
            let inline =
                xenc::encrypt_element(DOC, Some("x"), &rp(), &opts, &OsRandom, &Limits::default())
                    .unwrap();
            let s = inline.find("<xenc:EncryptedKey>").unwrap();
            let e = inline.find("</xenc:EncryptedKey>").unwrap() + "</xenc:EncryptedKey>".len();
            let ek = inline[s..e].replacen(
                "<xenc:EncryptedKey>",
                r#"<xenc:EncryptedKey xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="k">"#,
                1,
            ).replacen("</xenc:CipherData></xenc:EncryptedKey>", r##"</xenc:CipherData><xenc:ReferenceList><xenc:DataReference URI="#d"/></xenc:ReferenceList></xenc:EncryptedKey>"##, 1);
            let peer = format!(
                "{}{}{}",
                &inline[..s],
                r##"<ds:RetrievalMethod Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey" URI="#k"/>"##,
                &inline[e..]
            )
            .replacen("<xenc:EncryptedData ", r#"<xenc:EncryptedData Id="d" "#, 1)
            .replacen("</r>", &format!("{ek}</r>"), 1);
            out.push(inline);
            out.push(peer);
        }
        out
    });
    &all[alg * 2 + usize::from(peer)]
}

fn opts() -> DecryptOptions {
    let mut o = DecryptOptions::default();
    o.allow_cbc = true;
    o
}

fn dec(doc: &str) -> Result<String, Error> {
    xenc::decrypt_document(doc, keys(), &opts(), &OsRandom, &Limits::default())
}

/// Byte range of the base64 text of the `which`-th CipherValue of `doc`.
fn cipher_value(doc: &str, which: usize) -> std::ops::Range<usize> {
    let tag = "<xenc:CipherValue>";
    let s = doc.match_indices(tag).nth(which).unwrap().0 + tag.len();
    s..s + doc[s..].find("</xenc:CipherValue>").unwrap()
}

/// Index of the data's (or the key's) CipherValue: with the key inline it
/// comes first; as a peer it comes after the data.
fn which(peer: bool, data: bool) -> usize {
    usize::from(peer != data)
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, mask: u8 },
    Truncate(usize),
    Extend(Vec<u8>),
    Replace(Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, mask)| Mutation::Flip { at, mask }),
        any::<usize>().prop_map(Mutation::Truncate),
        proptest::collection::vec(any::<u8>(), 1..64).prop_map(Mutation::Extend),
        proptest::collection::vec(any::<u8>(), 0..300).prop_map(Mutation::Replace),
    ]
}

/// Apply `m` to the decoded bytes of the `which`-th CipherValue; `None` if it would leave
/// them unchanged.
fn mutate(doc: &str, which: usize, m: &Mutation) -> Option<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let range = cipher_value(doc, which);
    let mut bytes = b64.decode(&doc[range.clone()]).unwrap();
    let before = bytes.clone();
    match m {
        Mutation::Flip { at, mask } => {
            let n = bytes.len();
            bytes[at % n] ^= mask;
        }
        Mutation::Truncate(len) => bytes.truncate(len % bytes.len()),
        Mutation::Extend(more) => bytes.extend_from_slice(more),
        Mutation::Replace(all) => bytes = all.clone(),
    }
    if bytes == before {
        return None;
    }
    let mut out = doc.to_owned();
    out.replace_range(range, &b64.encode(bytes));
    Some(out)
}

#[track_caller]
fn assert_uniform(r: &Result<String, Error>, what: &str) {
    assert!(
        matches!(r, Err(Error::Xenc(XencError::DecryptionFailed))),
        "{what}: {r:?}"
    );
}

#[test]
fn fixtures_decrypt() {
    for alg in 0..4 {
        for peer in [false, true] {
            let out = dec(sealed(alg, peer)).unwrap();
            assert!(out.starts_with(&format!("<r>{PLAIN}")), "{out}");
            // The key's CipherValue is the 2048-bit RSA ciphertext.
            let doc = sealed(alg, peer);
            assert_eq!(cipher_value(doc, which(peer, false)).len(), 344);
            assert_ne!(cipher_value(doc, which(peer, true)).len(), 344);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Altered data ciphertext: GCM always fails as DecryptionFailed; CBC
    /// (malleable, no integrity) fails the same way or, for a same-length
    /// bit flip, decrypts to a whole well-formed document, never to part of
    /// one and never with another error.
    #[test]
    fn altered_data_fails_uniformly(alg in 0usize..4, peer: bool, m in mutation()) {
        let Some(doc) = mutate(sealed(alg, peer), which(peer, true), &m) else { return Ok(()) };
        let r = dec(&doc);
        let cbc = DataAlgorithm::ALL[alg].is_cbc();
        match &r {
            Ok(out) if cbc && matches!(m, Mutation::Flip { .. }) => {
                xml::parse(out, &Limits::default()).unwrap();
                prop_assert!(!out.contains("EncryptedData"));
            }
            _ => assert_uniform(&r, &format!("{:?} {m:?}", DataAlgorithm::ALL[alg])),
        }
    }

    /// Altered wrapped key: RSA-OAEP fails (or yields a key of the wrong
    /// length), decryption goes on with a random key, and the one error
    /// comes out at the data step.
    #[test]
    fn altered_wrapped_key_fails_uniformly(alg in 0usize..4, peer: bool, m in mutation()) {
        let Some(doc) = mutate(sealed(alg, peer), which(peer, false), &m) else { return Ok(()) };
        assert_uniform(&dec(&doc), &format!("{:?} {m:?}", DataAlgorithm::ALL[alg]));
    }

    /// A standalone EncryptedKey (a proof token) with altered ciphertext.
    #[test]
    fn altered_proof_key_fails_uniformly(m in mutation()) {
        static EK: OnceLock<String> = OnceLock::new();
        let ek = EK.get_or_init(|| {
            String::from_utf8(xenc::encrypt_key(&[7u8; 32], &rp(), &Default::default(), &OsRandom).unwrap()).unwrap()
        });
        let Some(text) = mutate(ek, 0, &m) else { return Ok(()) };
        let doc = xml::parse(&text, &Limits::default()).unwrap();
        let r = xenc::decrypt_key(doc.root_element(), keys(), &opts());
        prop_assert!(matches!(r, Err(Error::Xenc(XencError::DecryptionFailed))), "{:?}", r);
    }

    /// Any byte of the document changed, removed or inserted: no panic, and
    /// a success is the whole plaintext in a well-formed document.
    #[test]
    fn mutated_documents_never_panic_or_leak_part(
        alg in 0usize..4,
        peer: bool,
        at in any::<usize>(),
        op in 0u8..3,
        byte in any::<u8>(),
    ) {
        let mut bytes = sealed(alg, peer).as_bytes().to_vec();
        let at = at % bytes.len();
        match op {
            0 => bytes[at] = byte,
            1 => { bytes.remove(at); }
            _ => bytes.insert(at, byte),
        }
        let Ok(text) = std::str::from_utf8(&bytes) else { return Ok(()) };
        if let Ok(out) = dec(text) {
            xml::parse(&out, &Limits::default()).unwrap();
            prop_assert!(!out.contains("EncryptedData"));
            if !DataAlgorithm::ALL[alg].is_cbc() {
                prop_assert!(out.contains(PLAIN), "{}", out);
            }
        }
    }
}
