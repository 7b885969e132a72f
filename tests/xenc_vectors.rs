//! Bad XML-Enc inputs as named files in `tests/vectors/xenc/bad/`, each
//! decrypted with the `rp` key (`tests/data/xenc/`) and checked against the
//! table below: the error it must fail with and the fault a peer sees.
//! Every failure that depends on a secret is the one
//! `XencError::DecryptionFailed`; an `EncryptedKey` for a key we do not hold
//! is `NoMatchingKey`, which faults identically (`wsse:FailedCheck`). Only
//! public structure (algorithm URIs, references, sizes) gets a typed error.
//!
//! The files are written by the ignored `regenerate_bad_vectors` test
//! (`cargo test --test xenc_vectors -- --ignored`), deterministically: the
//! RSA-OAEP padding, keys and IVs come from an RNG seeded with the file name.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use rand::{RngCore, SeedableRng};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use wstrust::error::{Error, Fault, FaultCode};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{MemoryKeyResolver, OsRandom};
use wstrust::xenc::{self, DecryptOptions};
use wstrust::Limits;

const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
const AES256_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
const AES256_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
const OAEP: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
const RSA15: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
const ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";
const PLAIN: &[u8] = br#"<a ID="x"><b>secret</b></a>"#;

/// Which options a vector is decrypted with.
#[derive(Clone, Copy)]
enum Opts {
    Default,
    AllowCbc,
}

/// (file stem, options, `Debug` of the expected error, expected fault).
const TABLE: &[(&str, Opts, &str, FaultCode)] = {
    use FaultCode::*;
    use Opts::*;
    const FAILED: &str = "Xenc(DecryptionFailed)";
    &[
        // Secret-dependent: all the one DecryptionFailed.
        ("wrong-key", Default, FAILED, FailedCheck),
        ("wrong-data-key", Default, FAILED, FailedCheck),
        ("wrong-key-length", Default, FAILED, FailedCheck),
        ("altered-wrapped-key", Default, FAILED, FailedCheck),
        ("truncated-ciphertext", Default, FAILED, FailedCheck),
        ("altered-ciphertext", Default, FAILED, FailedCheck),
        ("empty-cipher-value", Default, FAILED, FailedCheck),
        ("gcm-tag-mismatch", Default, FAILED, FailedCheck),
        ("cbc-bad-padding-zero", AllowCbc, FAILED, FailedCheck),
        ("cbc-bad-padding-too-large", AllowCbc, FAILED, FailedCheck),
        ("cbc-not-well-formed", AllowCbc, FAILED, FailedCheck),
        ("cbc-truncated-block", AllowCbc, FAILED, FailedCheck),
        ("plaintext-two-elements", Default, FAILED, FailedCheck),
        ("plaintext-dtd", Default, FAILED, FailedCheck),
        (
            "encrypted-assertion-not-an-assertion",
            Default,
            FAILED,
            FailedCheck,
        ),
        // Public: the key is not ours (same fault as above).
        (
            "other-recipient",
            Default,
            "Xenc(NoMatchingKey)",
            FailedCheck,
        ),
        (
            "unknown-key-name",
            Default,
            "Xenc(NoMatchingKey)",
            FailedCheck,
        ),
        // Public: algorithms.
        (
            "cbc-disallowed",
            Default,
            "Xenc(AlgorithmNotAllowed(\"http://www.w3.org/2001/04/xmlenc#aes256-cbc\"))",
            UnsupportedAlgorithm,
        ),
        (
            "unknown-data-algorithm",
            Default,
            "Xenc(AlgorithmNotAllowed(\"http://www.w3.org/2001/04/xmlenc#tripledes-cbc\"))",
            UnsupportedAlgorithm,
        ),
        (
            "unknown-key-transport",
            Default,
            "Xenc(AlgorithmNotAllowed(\"http://www.w3.org/2001/04/xmlenc#kw-aes256\"))",
            UnsupportedAlgorithm,
        ),
        (
            "rsa-pkcs1v15-key-transport",
            Default,
            "Xenc(AlgorithmNotAllowed(\"http://www.w3.org/2001/04/xmlenc#rsa-1_5\"))",
            UnsupportedAlgorithm,
        ),
        (
            "oaep-md5-digest",
            Default,
            "Xenc(AlgorithmNotAllowed(\"http://www.w3.org/2001/04/xmldsig-more#md5\"))",
            UnsupportedAlgorithm,
        ),
        // Public: structure.
        (
            "nested-encrypted-key",
            Default,
            "Xenc(NestedEncryptedKey)",
            InvalidSecurity,
        ),
        (
            "self-retrieval-method",
            Default,
            "Xenc(NestedEncryptedKey)",
            InvalidSecurity,
        ),
        (
            "key-reference-chain",
            Default,
            "Xenc(NestedEncryptedKey)",
            InvalidSecurity,
        ),
        (
            "oversize-key-cipher-value",
            Default,
            "Xenc(TooLarge(\"xenc:CipherValue\"))",
            InvalidRequest,
        ),
        (
            "retrieval-method-missing-id",
            Default,
            "Xml(UnknownId(\"ek1\"))",
            InvalidRequest,
        ),
        (
            "retrieval-method-duplicate-id",
            Default,
            "Xml(DuplicateId(\"ek1\"))",
            InvalidRequest,
        ),
        (
            "retrieval-method-wrong-type",
            Default,
            "Xenc(Malformed(\"RetrievalMethod Type\"))",
            InvalidSecurity,
        ),
        (
            "retrieval-method-not-a-key",
            Default,
            "Xenc(Malformed(\"RetrievalMethod URI\"))",
            InvalidSecurity,
        ),
        (
            "data-reference-elsewhere",
            Default,
            "Xenc(Malformed(\"DataReference does not name this EncryptedData\"))",
            InvalidSecurity,
        ),
        (
            "data-reference-duplicate-id",
            Default,
            "Xml(DuplicateId(\"ed1\"))",
            InvalidRequest,
        ),
        (
            "cipher-reference",
            Default,
            "Xenc(Malformed(\"CipherReference is not supported\"))",
            InvalidSecurity,
        ),
        (
            "oaep-params",
            Default,
            "Xenc(Malformed(\"OAEPparams\"))",
            InvalidSecurity,
        ),
    ]
};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/xenc/bad")
}

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/xenc")
            .join(name),
    )
    .unwrap()
}

fn rp() -> Certificate {
    Certificate::from_pem(&data("rp.pem")).unwrap()
}

fn keys() -> MemoryKeyResolver {
    let mut k = MemoryKeyResolver::new();
    let key = AwsLcRsaKey::from_pem(&data("rp.key")).unwrap();
    k.add_named("rp", rp(), Arc::new(key)).unwrap();
    k
}

#[test]
fn bad_vectors_fail_as_expected() {
    let mut files = BTreeSet::new();
    for entry in std::fs::read_dir(dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let stem = name
            .strip_suffix(".xml")
            .unwrap_or_else(|| panic!("{name}: only .xml files belong here"));
        files.insert(stem.to_owned());
    }
    let listed: BTreeSet<String> = TABLE.iter().map(|t| t.0.to_owned()).collect();
    assert_eq!(files, listed, "files and table differ");
    let uniform = Fault::from(&Error::Xenc(wstrust::error::XencError::DecryptionFailed));
    for (stem, opts, want, fault) in TABLE {
        let text = std::fs::read_to_string(dir().join(format!("{stem}.xml"))).unwrap();
        let mut o = DecryptOptions::default();
        o.allow_cbc = matches!(opts, Opts::AllowCbc);
        let r = xenc::decrypt_document(&text, &keys(), &o, &OsRandom, &Limits::default());
        let e = match r {
            Ok(out) => panic!("{stem}: decrypted to {out}"),
            Err(e) => e,
        };
        assert_eq!(format!("{e:?}"), *want, "{stem}");
        let f = Fault::from(&e);
        assert_eq!(f.code, *fault, "{stem}");
        if *fault == FaultCode::FailedCheck {
            assert_eq!(f, uniform, "{stem}");
            assert_eq!(f.to_string(), uniform.to_string(), "{stem}");
        }
    }
}

/// The controls: the generator's good documents decrypt, so each bad file
/// fails for its one defect.
#[test]
fn generator_controls_decrypt() {
    let mut o = DecryptOptions::default();
    o.allow_cbc = true;
    for (name, doc) in [
        ("gcm", Gen::new("ok-gcm").gcm_doc(None)),
        ("cbc", Gen::new("ok-cbc").cbc_doc(PLAIN, 16)),
        ("peer", Gen::new("ok-peer").peer_doc("", "")),
        ("named", Gen::new("ok-named").named_doc("rp")),
        ("v15", Gen::new("ok-v15").v15_doc()),
        (
            "assertion",
            Gen::new("ok-assertion").assertion_doc(ASSERTION),
        ),
    ] {
        let mut o = o.clone();
        o.dangerous_allow_rsa_pkcs1v15 = name == "v15";
        let out = xenc::decrypt_document(&doc, &keys(), &o, &OsRandom, &Limits::default())
            .unwrap_or_else(|e| panic!("{name}: {e:?}\n{doc}"));
        assert!(out.starts_with("<r>"), "{name}: {out}");
        assert!(!out.contains("EncryptedData"), "{name}: {out}");
    }
}

#[test]
#[ignore = "writes tests/vectors/xenc/bad/; run by hand after changing the generator"]
fn regenerate_bad_vectors() {
    let d = dir();
    std::fs::create_dir_all(&d).unwrap();
    for entry in std::fs::read_dir(&d).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    for (stem, ..) in TABLE {
        let doc = bad(stem);
        std::fs::write(d.join(format!("{stem}.xml")), doc + "\n").unwrap();
    }
}

const ASSERTION: &[u8] = br#"<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_s" Version="2.0"></saml2:Assertion>"#;

fn bad(stem: &str) -> String {
    let mut g = Gen::new(stem);
    match stem {
        "wrong-key" => {
            // Wrapped for the other certificate's key, labelled as ours.
            let other = Certificate::from_pem(&data("other.pem")).unwrap();
            let key = g.key(32);
            let ct = g.gcm(&key, PLAIN);
            let wrapped = g.oaep_for(&other, &key);
            g.doc(AES256_GCM, &g.ek(OAEP, &g.x509(&rp()), &wrapped, ""), &ct)
        }
        "wrong-data-key" => {
            let key = g.key(32);
            let ct = g.gcm(&key, PLAIN);
            let other = g.key(32);
            let wrapped = g.oaep(&other);
            g.doc(AES256_GCM, &g.ek(OAEP, &g.x509(&rp()), &wrapped, ""), &ct)
        }
        "wrong-key-length" => {
            let key = g.key(32);
            let ct = g.gcm(&key, PLAIN);
            let wrapped = g.oaep(&key[..16]);
            g.doc(AES256_GCM, &g.ek(OAEP, &g.x509(&rp()), &wrapped, ""), &ct)
        }
        "altered-wrapped-key" => g.gcm_doc_with(|_, wrapped| wrapped[100] ^= 0x01),
        "truncated-ciphertext" => g.gcm_doc_with(|ct, _| ct.truncate(ct.len() - 1)),
        "altered-ciphertext" => g.gcm_doc_with(|ct, _| ct[14] ^= 0x20),
        "empty-cipher-value" => g.gcm_doc_with(|ct, _| ct.clear()),
        "gcm-tag-mismatch" => g.gcm_doc_with(|ct, _| *ct.last_mut().unwrap() ^= 0x80),
        "cbc-bad-padding-zero" => g.cbc_doc(PLAIN, 0),
        "cbc-bad-padding-too-large" => g.cbc_doc(PLAIN, 17),
        "cbc-not-well-formed" => g.cbc_doc(br#"<a ID="x"><b>secret</b>"#, 16),
        "cbc-truncated-block" => {
            let key = g.key(32);
            let mut ct = g.cbc(&key, PLAIN, 16);
            ct.truncate(ct.len() - 16);
            let wrapped = g.oaep(&key);
            g.doc(AES256_CBC, &g.ek(OAEP, &g.x509(&rp()), &wrapped, ""), &ct)
        }
        "plaintext-two-elements" => g.gcm_doc(Some(b"<a/><b/>")),
        "plaintext-dtd" => g.gcm_doc(Some(b"<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>")),
        "encrypted-assertion-not-an-assertion" => g.assertion_doc(PLAIN),
        "other-recipient" => {
            let other = Certificate::from_pem(&data("other.pem")).unwrap();
            let key = g.key(32);
            let ct = g.gcm(&key, PLAIN);
            let wrapped = g.oaep_for(&other, &key);
            g.doc(AES256_GCM, &g.ek(OAEP, &g.x509(&other), &wrapped, ""), &ct)
        }
        "unknown-key-name" => g.named_doc("nobody"),
        "cbc-disallowed" => g.cbc_doc(PLAIN, 16),
        "unknown-data-algorithm" => g
            .gcm_doc(None)
            .replacen(AES256_GCM, "http://www.w3.org/2001/04/xmlenc#tripledes-cbc", 1),
        "unknown-key-transport" => g
            .gcm_doc(None)
            .replacen(OAEP, "http://www.w3.org/2001/04/xmlenc#kw-aes256", 1),
        "rsa-pkcs1v15-key-transport" => g.v15_doc(),
        "oaep-md5-digest" => g
            .gcm_doc(None)
            .replacen(SHA1, "http://www.w3.org/2001/04/xmldsig-more#md5", 1),
        "nested-encrypted-key" => {
            let key = g.key(32);
            let inner_wrapped = g.oaep(&key);
            let inner = g.ek(OAEP, &g.x509(&rp()), &inner_wrapped, "");
            let ct = g.gcm(&key, PLAIN);
            let wrapped = g.oaep(&key);
            let ki = format!("<ds:KeyInfo>{inner}</ds:KeyInfo>");
            g.doc(AES256_GCM, &g.ek(OAEP, &ki, &wrapped, ""), &ct)
        }
        "self-retrieval-method" => {
            let rm = rm("ek1");
            g.peer_doc(&format!("<ds:KeyInfo>{rm}</ds:KeyInfo>"), "")
        }
        "key-reference-chain" => g.peer_doc(
            "",
            r##"<xenc:ReferenceList><xenc:KeyReference URI="#ek2"/></xenc:ReferenceList>"##,
        ),
        "oversize-key-cipher-value" => g.gcm_doc_with(|_, wrapped| wrapped.resize(1600, 0x41)),
        "retrieval-method-missing-id" => g.peer_doc("", "").replacen(r#" Id="ek1""#, "", 1),
        "retrieval-method-duplicate-id" => {
            g.peer_doc("", "").replacen("</r>", r#"<z Id="ek1"/></r>"#, 1)
        }
        "retrieval-method-wrong-type" => {
            g.peer_doc("", "").replacen("xmlenc#EncryptedKey", "xmldsig#X509Data", 1)
        }
        "retrieval-method-not-a-key" => g
            .peer_doc("", "")
            .replacen(r#" Id="ek1""#, r#" Id="ek2""#, 1)
            .replacen("</r>", r#"<z Id="ek1"/></r>"#, 1),
        "data-reference-elsewhere" => g.peer_doc(
            "",
            r##"<xenc:ReferenceList><xenc:DataReference URI="#ed2"/></xenc:ReferenceList>"##,
        ),
        "data-reference-duplicate-id" => g
            .peer_doc(
                "",
                r##"<xenc:ReferenceList><xenc:DataReference URI="#ed1"/></xenc:ReferenceList>"##,
            )
            .replacen("</r>", r#"<z Id="ed1"/></r>"#, 1),
        "cipher-reference" => g.gcm_doc(None).replacen(
            "<xenc:CipherData><xenc:CipherValue>",
            r#"<xenc:CipherData><xenc:CipherReference URI="http://evil.example/ct"/><xenc:CipherValue>"#,
            2,
        ),
        "oaep-params" => g.gcm_doc(None).replacen(
            "</xenc:EncryptionMethod>",
            "<xenc:OAEPparams>AAAA</xenc:OAEPparams></xenc:EncryptionMethod>",
            1,
        ),
        other => panic!("no generator for {other}"),
    }
}

fn rm(id: &str) -> String {
    format!(r##"<ds:RetrievalMethod Type="{XENC}EncryptedKey" URI="#{id}"/>"##)
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// Deterministic builder of encrypted documents (test-side: `format!` over
/// our own constants and base64 only).
struct Gen(rand::rngs::StdRng);

impl Gen {
    fn new(seed: &str) -> Self {
        let mut s = [0u8; 32];
        for (i, b) in seed.bytes().enumerate() {
            s[i % 32] = s[i % 32].wrapping_mul(31).wrapping_add(b);
        }
        Self(rand::rngs::StdRng::from_seed(s))
    }

    fn key(&mut self, len: usize) -> Vec<u8> {
        let mut k = vec![0u8; len];
        self.0.fill_bytes(&mut k);
        k
    }

    fn gcm(&mut self, key: &[u8], plain: &[u8]) -> Vec<u8> {
        use aes_gcm::aead::{Aead, KeyInit};
        let iv = self.key(12);
        let c = aes_gcm::Aes256Gcm::new_from_slice(key).unwrap();
        let mut out = iv.clone();
        out.extend(c.encrypt(aes_gcm::Nonce::from_slice(&iv), plain).unwrap());
        out
    }

    /// AES-256-CBC with XML-Enc padding whose last byte is `pad_byte` (16
    /// is a valid full pad for a length that is a multiple of 16).
    fn cbc(&mut self, key: &[u8], plain: &[u8], pad_byte: u8) -> Vec<u8> {
        use cbc::cipher::{block_padding::NoPadding, BlockEncryptMut, KeyIvInit};
        let iv = self.key(16);
        let mut buf = plain.to_vec();
        let pad = 16 - plain.len() % 16;
        buf.extend(self.key(pad - 1));
        buf.push(if pad_byte == 16 { pad as u8 } else { pad_byte });
        let len = buf.len();
        cbc::Encryptor::<aes::Aes256>::new_from_slices(key, &iv)
            .unwrap()
            .encrypt_padded_mut::<NoPadding>(&mut buf, len)
            .unwrap();
        let mut out = iv;
        out.extend(buf);
        out
    }

    fn oaep_for(&mut self, cert: &Certificate, key: &[u8]) -> Vec<u8> {
        cert.public_key()
            .rsa()
            .encrypt(&mut self.0, rsa::Oaep::new::<sha1::Sha1>(), key)
            .unwrap()
    }

    fn oaep(&mut self, key: &[u8]) -> Vec<u8> {
        self.oaep_for(&rp(), key)
    }

    fn x509(&self, cert: &Certificate) -> String {
        format!(
            "<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>",
            b64(cert.der())
        )
    }

    fn ek(&self, alg: &str, key_info: &str, wrapped: &[u8], tail: &str) -> String {
        let digest = if alg == OAEP {
            format!(r#"<ds:DigestMethod Algorithm="{SHA1}"/>"#)
        } else {
            String::new()
        };
        format!(
            r#"<xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="{alg}">{digest}</xenc:EncryptionMethod>{key_info}<xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData>{tail}</xenc:EncryptedKey>"#,
            b64(wrapped)
        )
    }

    /// `<r>` holding one EncryptedData (Id `ed1`) with `key_info_content`
    /// inside its `ds:KeyInfo`.
    fn doc(&self, alg: &str, key_info_content: &str, ct: &[u8]) -> String {
        format!(
            r#"<r><xenc:EncryptedData xmlns:xenc="{XENC}" xmlns:ds="{DS}" Id="ed1" Type="{ELEMENT}"><xenc:EncryptionMethod Algorithm="{alg}"/><ds:KeyInfo>{key_info_content}</ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></r>"#,
            b64(ct)
        )
    }

    fn gcm_doc(&mut self, plain: Option<&[u8]>) -> String {
        let key = self.key(32);
        let ct = self.gcm(&key, plain.unwrap_or(PLAIN));
        let wrapped = self.oaep(&key);
        self.doc(
            AES256_GCM,
            &self.ek(OAEP, &self.x509(&rp()), &wrapped, ""),
            &ct,
        )
    }

    fn gcm_doc_with(&mut self, f: impl FnOnce(&mut Vec<u8>, &mut Vec<u8>)) -> String {
        let key = self.key(32);
        let mut ct = self.gcm(&key, PLAIN);
        let mut wrapped = self.oaep(&key);
        f(&mut ct, &mut wrapped);
        self.doc(
            AES256_GCM,
            &self.ek(OAEP, &self.x509(&rp()), &wrapped, ""),
            &ct,
        )
    }

    fn cbc_doc(&mut self, plain: &[u8], pad_byte: u8) -> String {
        let key = self.key(32);
        let ct = self.cbc(&key, plain, pad_byte);
        let wrapped = self.oaep(&key);
        self.doc(
            AES256_CBC,
            &self.ek(OAEP, &self.x509(&rp()), &wrapped, ""),
            &ct,
        )
    }

    /// The EncryptedKey (Id `ek1`, its `KeyInfo` replaced when `key_info` is
    /// not empty, `tail` after its CipherData) as a peer after the
    /// EncryptedData, which reaches it by RetrievalMethod.
    fn peer_doc(&mut self, key_info: &str, tail: &str) -> String {
        let key = self.key(32);
        let ct = self.gcm(&key, PLAIN);
        let wrapped = self.oaep(&key);
        let ki = if key_info.is_empty() {
            self.x509(&rp())
        } else {
            key_info.to_owned()
        };
        let ek = self.ek(OAEP, &ki, &wrapped, tail).replacen(
            "<xenc:EncryptedKey>",
            &format!(r#"<xenc:EncryptedKey xmlns:xenc="{XENC}" xmlns:ds="{DS}" Id="ek1">"#),
            1,
        );
        self.doc(AES256_GCM, &rm("ek1"), &ct)
            .replacen("</r>", &format!("{ek}</r>"), 1)
    }

    fn named_doc(&mut self, name: &str) -> String {
        let key = self.key(32);
        let ct = self.gcm(&key, PLAIN);
        let wrapped = self.oaep(&key);
        let ki = format!("<ds:KeyInfo><ds:KeyName>{name}</ds:KeyName></ds:KeyInfo>");
        self.doc(AES256_GCM, &self.ek(OAEP, &ki, &wrapped, ""), &ct)
    }

    fn v15_doc(&mut self) -> String {
        let key = self.key(32);
        let ct = self.gcm(&key, PLAIN);
        let wrapped = rp()
            .public_key()
            .rsa()
            .encrypt(&mut self.0, rsa::Pkcs1v15Encrypt, &key)
            .unwrap();
        self.doc(
            AES256_GCM,
            &self.ek(RSA15, &self.x509(&rp()), &wrapped, ""),
            &ct,
        )
    }

    /// A `saml2:EncryptedAssertion` whose plaintext is `plain`.
    fn assertion_doc(&mut self, plain: &[u8]) -> String {
        let key = self.key(32);
        let ct = self.gcm(&key, plain);
        let wrapped = self.oaep(&key);
        let ed = self.doc(
            AES256_GCM,
            &self.ek(OAEP, &self.x509(&rp()), &wrapped, ""),
            &ct,
        );
        let ed = &ed["<r>".len()..ed.len() - "</r>".len()];
        format!(
            r#"<r><saml2:EncryptedAssertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">{ed}</saml2:EncryptedAssertion></r>"#
        )
    }
}
