//! Unit tests of encryption, decryption and key transport.

#![allow(clippy::unwrap_used)]

use super::decrypt::{cbc_pad_valid, decrypt_data};
use super::encrypt::encrypt_data;
use super::key::{write_encrypted_key, HostRng};
use super::*;
use crate::host::{KeyReference, KeyResolver};
use crate::keys::{AwsLcRsaKey, Certificate, PrivateKey};
use crate::limits::Limits;
use crate::memory::{MemoryKeyResolver, OsRandom};
use std::sync::Arc;

const RP_CERT: &[u8] = include_bytes!("../../tests/data/xenc/rp.pem");
const RP_KEY: &[u8] = include_bytes!("../../tests/data/xenc/rp.key");
const OTHER_CERT: &[u8] = include_bytes!("../../tests/data/xenc/other.pem");
const OTHER_KEY: &[u8] = include_bytes!("../../tests/data/xenc/other.key");

const SAML2: &str = r#"<r xmlns:x="urn:x"><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0"><saml2:Issuer>sts &amp; co</saml2:Issuer><x:y/></saml2:Assertion></r>"#;
const SAML2_PLAIN: &str = r#"<r xmlns:x="urn:x"><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0"><saml2:Issuer>sts &amp; co</saml2:Issuer><x:y xmlns:x="urn:x"></x:y></saml2:Assertion></r>"#;

fn rp() -> Certificate {
    Certificate::from_pem(RP_CERT).unwrap()
}

fn keys() -> MemoryKeyResolver {
    let mut k = MemoryKeyResolver::new();
    k.add(rp(), Arc::new(AwsLcRsaKey::from_pem(RP_KEY).unwrap()))
        .unwrap();
    k
}

/// A resolver that hands out one key whatever is asked.
#[derive(Debug)]
struct AnyKey(Arc<dyn PrivateKey>);
impl KeyResolver for AnyKey {
    fn private_key(&self, _: &KeyReference) -> Option<Arc<dyn PrivateKey>> {
        Some(self.0.clone())
    }
}

fn cbc_ok() -> DecryptOptions {
    DecryptOptions {
        allow_cbc: true,
        ..Default::default()
    }
}

fn dec(xml: &str, opts: &DecryptOptions) -> Result<String, Error> {
    decrypt_document(xml, &keys(), opts, &OsRandom, &Limits::default())
}

fn enc(xml: &str, id: Option<&str>, opts: &EncryptOptions) -> String {
    encrypt_element(xml, id, &rp(), opts, &OsRandom, &Limits::default()).unwrap()
}

/// An `EncryptedData` nested deeper inside an `EncryptedAssertion` (its
/// range inside the assertion's) is refused, not replaced twice (which
/// sliced overlapping ranges and panicked), whichever comes first.
#[test]
fn encrypted_data_inside_an_encrypted_assertion_is_refused() {
    let sealed = enc(SAML2, Some("_a"), &Default::default());
    let start = sealed.find("<xenc:EncryptedData").unwrap();
    let end = sealed.find("</xenc:EncryptedData>").unwrap() + "</xenc:EncryptedData>".len();
    let data = &sealed[start..end];
    let close = sealed.find("</saml2:EncryptedAssertion>").unwrap();
    let after = format!("{}<x>{data}</x>{}", &sealed[..close], &sealed[close..]);
    let before = format!("{}<x>{data}</x>{}", &sealed[..start], &sealed[start..]);
    for doc in [after, before] {
        assert!(matches!(
            dec(&doc, &Default::default()),
            Err(Error::Xenc(XencError::Malformed(_)))
        ));
    }
}

/// The decrypted document is held to the limits without a second parse:
/// it must be accepted exactly when parsing the plaintext document under
/// the same limits succeeds (depth counted from where the data sat, nodes
/// of the whole result).
#[test]
fn decrypted_document_meets_limits_exactly_like_its_plaintext() {
    let mut checked = 0;
    for depth in 1..10 {
        for siblings in [0, 30] {
            let inner = "<x>".repeat(depth - 1) + &"</x>".repeat(depth - 1);
            let padding = "<s/>".repeat(siblings);
            // More nodes encrypted than the EncryptedData has.
            let many = "<y/>".repeat(25);
            let plain = format!(
                r#"<a><b>{padding}<c><p Id="t" xmlns:q="urn:q"><q:i/>{many}{inner}</p></c></b></a>"#
            );
            let sealed = enc(&plain, Some("t"), &Default::default());
            let expected = decrypt_document(
                &sealed,
                &keys(),
                &Default::default(),
                &OsRandom,
                &Limits::default(),
            )
            .unwrap();
            for max_depth in 8..16 {
                for max_nodes in [40, 50, 60, 70, 80, 100_000] {
                    let limits = Limits {
                        max_depth,
                        max_nodes,
                        ..Limits::default()
                    };
                    if xml::parse(&sealed, &limits).is_err() {
                        continue;
                    }
                    let got =
                        decrypt_document(&sealed, &keys(), &Default::default(), &OsRandom, &limits);
                    let want = xml::parse(&expected, &limits);
                    assert_eq!(
                        got.is_ok(),
                        want.is_ok(),
                        "depth {depth}, siblings {siblings}, max_depth {max_depth}, max_nodes {max_nodes}: {got:?}"
                    );
                    if let Ok(out) = got {
                        assert_eq!(out, expected);
                    } else {
                        assert!(matches!(got, Err(Error::Xenc(XencError::DecryptionFailed))));
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100, "{checked}");
}

fn failed(r: Result<String, Error>) {
    match r {
        Err(Error::Xenc(XencError::DecryptionFailed)) => {}
        other => panic!("expected DecryptionFailed, got {other:?}"),
    }
}

#[test]
fn every_algorithm_pair_round_trips() {
    for data in DataAlgorithm::ALL {
        for kt in [KeyTransport::RsaOaepMgf1p, KeyTransport::RsaOaepSha256] {
            let opts = EncryptOptions {
                data,
                key_transport: kt,
                ..Default::default()
            };
            let sealed = enc(SAML2, Some("_a"), &opts);
            assert!(sealed.contains(data.uri()), "{sealed}");
            assert!(sealed.contains(kt.uri()));
            assert!(!sealed.contains("sts &amp; co"));
            assert_eq!(
                dec(&sealed, &cbc_ok()).unwrap(),
                SAML2_PLAIN,
                "{data:?}/{kt:?}"
            );
        }
    }
}

#[test]
fn mixed_oaep_digests_are_written_but_refused_by_the_default_backend() {
    let opts = EncryptOptions {
        key_transport: KeyTransport::RsaOaepSha256Mgf1Sha1,
        ..Default::default()
    };
    let sealed = enc(SAML2, Some("_a"), &opts);
    assert!(sealed.contains(uri::MGF1_SHA1));
    assert!(matches!(
        dec(&sealed, &Default::default()),
        Err(Error::Xenc(XencError::UnsupportedByBackend(_)))
    ));
}

#[test]
fn every_key_info_form_resolves() {
    for ki in [
        RecipientKeyInfo::X509Certificate,
        RecipientKeyInfo::X509IssuerSerial,
        RecipientKeyInfo::X509Ski,
        RecipientKeyInfo::ThumbprintSha1,
        RecipientKeyInfo::KeyIdentifierSki,
        RecipientKeyInfo::None,
    ] {
        let opts = EncryptOptions {
            key_info: ki,
            ..Default::default()
        };
        let sealed = enc(SAML2, Some("_a"), &opts);
        assert_eq!(
            dec(&sealed, &Default::default()).unwrap(),
            SAML2_PLAIN,
            "{ki:?}"
        );
    }
    let sealed = enc(
        SAML2,
        Some("_a"),
        &EncryptOptions {
            key_info: RecipientKeyInfo::X509IssuerSerial,
            ..Default::default()
        },
    );
    assert!(
        sealed.contains("<ds:X509IssuerName>CN=rp.example,O=wstrust test,C=US</ds:X509IssuerName>"),
        "{sealed}"
    );
}

#[test]
fn saml11_assertion_is_bare_encrypted_data_and_content_mode_works() {
    let saml1 = r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="_b" MajorVersion="1" MinorVersion="1"><saml:Conditions/></saml:Assertion>"#;
    let sealed = enc(saml1, None, &Default::default());
    assert!(sealed.starts_with("<xenc:EncryptedData"), "{sealed}");
    assert!(sealed.contains(uri::TYPE_ELEMENT));
    assert_eq!(
        dec(&sealed, &Default::default()).unwrap(),
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="_b" MajorVersion="1" MinorVersion="1"><saml:Conditions></saml:Conditions></saml:Assertion>"#
    );

    let doc = r#"<p:r xmlns:p="urn:p"><p:s Id="s">a &lt; b<p:t/>c</p:s></p:r>"#;
    let sealed = encrypt_content(
        doc,
        Some("s"),
        &rp(),
        &Default::default(),
        &OsRandom,
        &Limits::default(),
    )
    .unwrap();
    assert!(sealed.starts_with(r#"<p:r xmlns:p="urn:p"><p:s Id="s"><xenc:EncryptedData"#));
    assert!(sealed.contains(uri::TYPE_CONTENT));
    assert_eq!(
        dec(&sealed, &Default::default()).unwrap(),
        r#"<p:r xmlns:p="urn:p"><p:s Id="s">a &lt; b<p:t xmlns:p="urn:p"></p:t>c</p:s></p:r>"#
    );
}

#[test]
fn saml2_without_wrap_and_sibling_encrypted_key() {
    let opts = EncryptOptions {
        wrap_saml2: false,
        ..Default::default()
    };
    let sealed = enc(SAML2, Some("_a"), &opts);
    assert!(!sealed.contains("EncryptedAssertion"));
    assert_eq!(dec(&sealed, &Default::default()).unwrap(), SAML2_PLAIN);

    // EncryptedKey as a sibling inside EncryptedAssertion (Shibboleth
    // style), found without a KeyInfo reference.
    let sealed = enc(SAML2, Some("_a"), &Default::default());
    let start = sealed.find("<xenc:EncryptedKey>").unwrap();
    let end = sealed.find("</xenc:EncryptedKey>").unwrap() + "</xenc:EncryptedKey>".len();
    let ek = sealed[start..end].replace(
        "<xenc:EncryptedKey>",
        r#"<xenc:EncryptedKey xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">"#,
    );
    let mut moved = format!("{}{}", &sealed[..start], &sealed[end..]);
    moved = moved.replace("<ds:KeyInfo></ds:KeyInfo>", "");
    let at = moved.find("</saml2:EncryptedAssertion>").unwrap();
    moved.insert_str(at, &ek);
    assert_eq!(dec(&moved, &Default::default()).unwrap(), SAML2_PLAIN);
}

#[test]
fn proof_key_round_trip() {
    let key = [9u8; 32];
    let ek = encrypt_key(&key, &rp(), &Default::default(), &OsRandom).unwrap();
    let text = String::from_utf8(ek).unwrap();
    let doc = xml::parse(&text, &Limits::default()).unwrap();
    let got = decrypt_key(doc.root_element(), &keys(), &Default::default()).unwrap();
    assert!(got.ct_eq(&key));
    assert!(!format!("{got:?}").contains('9'));
    // Altered: one uniform failure.
    let bad = text.replacen("<xenc:CipherValue>", "<xenc:CipherValue>AAAA", 1);
    let doc = xml::parse(&bad, &Limits::default()).unwrap();
    assert!(matches!(
        decrypt_key(doc.root_element(), &keys(), &Default::default()),
        Err(Error::Xenc(XencError::DecryptionFailed))
    ));
}

/// The base64 CipherValue of the EncryptedData (the last one).
fn data_cipher(sealed: &str) -> (usize, usize) {
    let start = sealed.rfind("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
    let end = sealed.rfind("</xenc:CipherValue>").unwrap();
    (start, end)
}

fn with_data_bytes(sealed: &str, f: impl FnOnce(&mut Vec<u8>)) -> String {
    let (s, e) = data_cipher(sealed);
    let b64e = base64::engine::general_purpose::STANDARD;
    let mut bytes = b64e.decode(&sealed[s..e]).unwrap();
    f(&mut bytes);
    format!("{}{}{}", &sealed[..s], b64e.encode(bytes), &sealed[e..])
}

#[test]
fn altered_truncated_and_tag_mismatch_fail_alike() {
    for data in DataAlgorithm::ALL {
        let opts = EncryptOptions {
            data,
            ..Default::default()
        };
        let sealed = enc(SAML2, Some("_a"), &opts);
        failed(
            // Byte 20 lies in the first block: for CBC the flip garbles
            // the element name, never well-formed.
            dec(&with_data_bytes(&sealed, |b| b[20] ^= 1), &cbc_ok()),
        );
        failed(dec(
            &with_data_bytes(&sealed, |b| b.truncate(b.len() - 1)),
            &cbc_ok(),
        ));
        failed(dec(
            &with_data_bytes(&sealed, |b| b.truncate(10)),
            &cbc_ok(),
        ));
        failed(dec(&with_data_bytes(&sealed, |b| b.clear()), &cbc_ok()));
        if !data.is_cbc() {
            // GCM tag mismatch.
            failed(dec(
                &with_data_bytes(&sealed, |b| *b.last_mut().unwrap() ^= 0x80),
                &cbc_ok(),
            ));
        }
    }
}

#[test]
fn wrong_key_and_bad_oaep_fail_like_bad_data() {
    let sealed = enc(SAML2, Some("_a"), &Default::default());
    let other = AnyKey(Arc::new(AwsLcRsaKey::from_pem(OTHER_KEY).unwrap()));
    let r = decrypt_document(
        &sealed,
        &other,
        &Default::default(),
        &OsRandom,
        &Limits::default(),
    );
    assert!(
        matches!(r, Err(Error::Xenc(XencError::DecryptionFailed))),
        "{r:?}"
    );
    // Corrupt the RSA ciphertext (the first CipherValue).
    let s = sealed.find("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
    let mut bad = sealed.clone();
    bad.replace_range(s..s + 4, "AAAA");
    failed(dec(&bad, &Default::default()));
    // A wrapped key of the wrong length (16 bytes for AES-256) fails the
    // same way.
    let short = encrypt_key(&[1u8; 16], &rp(), &Default::default(), &OsRandom).unwrap();
    let short = String::from_utf8(short).unwrap();
    let ek_start = sealed.find("<xenc:EncryptedKey>").unwrap();
    let ek_end = sealed.find("</xenc:EncryptedKey>").unwrap() + "</xenc:EncryptedKey>".len();
    let swapped = format!("{}{}{}", &sealed[..ek_start], short, &sealed[ek_end..]);
    failed(dec(&swapped, &Default::default()));
}

#[test]
fn other_recipient_is_no_matching_key() {
    let other = Certificate::from_pem(OTHER_CERT).unwrap();
    for ki in [
        RecipientKeyInfo::X509Certificate,
        RecipientKeyInfo::ThumbprintSha1,
        RecipientKeyInfo::X509IssuerSerial,
    ] {
        let opts = EncryptOptions {
            key_info: ki,
            ..Default::default()
        };
        let sealed = encrypt_element(
            SAML2,
            Some("_a"),
            &other,
            &opts,
            &OsRandom,
            &Limits::default(),
        )
        .unwrap();
        assert!(matches!(
            dec(&sealed, &Default::default()),
            Err(Error::Xenc(XencError::NoMatchingKey))
        ));
    }
}

/// An EncryptedData around raw `plaintext` with a key wrapped by hand.
fn raw_sealed(alg: DataAlgorithm, ciphertext: &[u8], key: &[u8]) -> String {
    let mut w = XmlOut::new();
    w.start(
        "xenc:EncryptedData",
        &[
            ("xmlns:xenc", ns::XENC),
            ("xmlns:ds", ns::DS),
            ("Type", uri::TYPE_ELEMENT),
        ],
    );
    w.empty("xenc:EncryptionMethod", &[("Algorithm", alg.uri())]);
    w.start("ds:KeyInfo", &[]);
    write_encrypted_key(&mut w, key, &rp(), &Default::default(), &OsRandom, false).unwrap();
    w.end("ds:KeyInfo");
    cipher_data(&mut w, ciphertext);
    w.end("xenc:EncryptedData");
    String::from_utf8(w.finish()).unwrap()
}

fn raw_cbc(plain_padded: &[u8], key: &[u8; 32]) -> Vec<u8> {
    use cbc::cipher::{block_padding::NoPadding, BlockEncryptMut, KeyIvInit};
    let iv = [3u8; 16];
    let mut buf = plain_padded.to_vec();
    let len = buf.len();
    cbc::Encryptor::<aes::Aes256>::new_from_slices(key, &iv)
        .unwrap()
        .encrypt_padded_mut::<NoPadding>(&mut buf, len)
        .unwrap();
    let mut out = iv.to_vec();
    out.extend_from_slice(&buf);
    out
}

#[test]
fn cbc_padding_is_checked_by_its_last_byte_only() {
    let key = [5u8; 32];
    let body = b"<a>0123456789</a>"; // 17 bytes
    let mut padded = body.to_vec();
    padded.extend_from_slice(&[0xEE; 14]);
    padded.push(15);
    let ok = raw_sealed(DataAlgorithm::Aes256Cbc, &raw_cbc(&padded, &key), &key);
    assert_eq!(dec(&ok, &cbc_ok()).unwrap(), "<a>0123456789</a>");
    // Off by default.
    assert!(matches!(
        dec(&ok, &Default::default()),
        Err(Error::Xenc(XencError::AlgorithmNotAllowed(_)))
    ));
    for last in [0u8, 17, 255] {
        *padded.last_mut().unwrap() = last;
        let bad = raw_sealed(DataAlgorithm::Aes256Cbc, &raw_cbc(&padded, &key), &key);
        failed(dec(&bad, &cbc_ok()));
    }
    // Padding that leaves malformed XML fails the same way (no parsing
    // oracle).
    *padded.last_mut().unwrap() = 16;
    let bad = raw_sealed(DataAlgorithm::Aes256Cbc, &raw_cbc(&padded, &key), &key);
    failed(dec(&bad, &cbc_ok()));
}

#[test]
fn cbc_pad_check_accepts_exactly_one_to_sixteen() {
    for pad in 0..=255u8 {
        assert_eq!(
            bool::from(cbc_pad_valid(pad)),
            (1..=16).contains(&pad),
            "{pad}"
        );
    }
    // A bad pad still yields a plaintext (one block stripped) and a
    // false choice, never an early error.
    let key = [4u8; 32];
    let mut padded = b"<a>0123456789</a>".to_vec();
    padded.extend_from_slice(&[0u8; 15]);
    let (plain, ok) =
        decrypt_data(DataAlgorithm::Aes256Cbc, &key, &raw_cbc(&padded, &key)).unwrap();
    assert!(!bool::from(ok));
    assert_eq!(plain.len(), 16);
}

#[test]
fn plaintext_must_have_the_promised_shape() {
    let key = [6u8; 32];
    let seal = |plain: &[u8]| {
        let ct = encrypt_data(DataAlgorithm::Aes256Gcm, &key, plain, &OsRandom).unwrap();
        raw_sealed(DataAlgorithm::Aes256Gcm, &ct, &key)
    };
    assert_eq!(dec(&seal(b"<a/>"), &Default::default()).unwrap(), "<a/>");
    failed(dec(&seal(b"<a>"), &Default::default()));
    failed(dec(&seal(b"<a/><b/>"), &Default::default()));
    failed(dec(&seal(b"text"), &Default::default()));
    failed(dec(&seal(b"<a/>\xff"), &Default::default()));
    failed(dec(&seal(b"<!DOCTYPE a><a/>"), &Default::default()));
    failed(dec(&seal(b"<u:a/>"), &Default::default()));
}

#[test]
fn disallowed_and_unknown_algorithms_are_typed() {
    let sealed = enc(SAML2, Some("_a"), &Default::default());
    for (from, to) in [
        (
            uri::AES256_GCM,
            "http://www.w3.org/2001/04/xmlenc#tripledes-cbc",
        ),
        (
            uri::AES256_GCM,
            "http://www.w3.org/2009/xmlenc11#aes192-gcm",
        ),
        (uri::RSA_OAEP_MGF1P, uri::RSA_1_5),
        (
            uri::RSA_OAEP_MGF1P,
            "http://www.w3.org/2001/04/xmlenc#kw-aes256",
        ),
        (uri::SHA1, "http://www.w3.org/2001/04/xmldsig-more#md5"),
    ] {
        let bad = sealed.replacen(from, to, 1);
        match dec(&bad, &Default::default()) {
            Err(Error::Xenc(XencError::AlgorithmNotAllowed(u))) => assert_eq!(u, to),
            other => panic!("{to}: {other:?}"),
        }
    }
    let bad = sealed.replacen(
        "</xenc:EncryptionMethod>",
        "<xenc:OAEPparams>AAAA</xenc:OAEPparams></xenc:EncryptionMethod>",
        1,
    );
    assert!(matches!(
        dec(&bad, &Default::default()),
        Err(Error::Xenc(XencError::Malformed(_)))
    ));
}

#[test]
fn rsa_pkcs1v15_only_when_dangerously_enabled() {
    let key = [8u8; 32];
    let ct = encrypt_data(DataAlgorithm::Aes256Gcm, &key, b"<ok/>", &OsRandom).unwrap();
    let sealed = raw_sealed(DataAlgorithm::Aes256Gcm, &ct, &key);
    let wrapped = rp()
        .public_key()
        .rsa()
        .encrypt(&mut HostRng(&OsRandom), rsa::Pkcs1v15Encrypt, &key)
        .unwrap();
    let s = sealed.find("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
    let e = sealed.find("</xenc:CipherValue>").unwrap();
    let mut v15 = sealed.clone();
    v15.replace_range(
        s..e,
        &base64::engine::general_purpose::STANDARD.encode(wrapped),
    );
    let v15 = v15.replacen(uri::RSA_OAEP_MGF1P, uri::RSA_1_5, 1).replacen(
        r#"<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>"#,
        "",
        1,
    );
    assert!(matches!(
        dec(&v15, &Default::default()),
        Err(Error::Xenc(XencError::AlgorithmNotAllowed(_)))
    ));
    let dangerous = DecryptOptions {
        dangerous_allow_rsa_pkcs1v15: true,
        ..Default::default()
    };
    assert_eq!(dec(&v15, &dangerous).unwrap(), "<ok/>");
    // The same valid v1.5 EncryptedKey on its own (a proof key): refused
    // even with the option, since a standalone key has no length to fall
    // back to and a failed unwrap would show (Bleichenbacher oracle).
    let start = v15.find("<xenc:EncryptedKey").unwrap();
    let end = v15.find("</xenc:EncryptedKey>").unwrap() + "</xenc:EncryptedKey>".len();
    let ek = v15[start..end].replacen(
        "<xenc:EncryptedKey",
        r#"<xenc:EncryptedKey xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#""#,
        1,
    );
    let doc = xml::parse(&ek, &Limits::default()).unwrap();
    for opts in [&dangerous, &Default::default()] {
        match decrypt_key(doc.root_element(), &keys(), opts) {
            Err(Error::Xenc(XencError::AlgorithmNotAllowed(u))) => assert_eq!(u, uri::RSA_1_5),
            other => panic!("{other:?}"),
        }
    }
    // The same EncryptedKey with OAEP does unwrap: the refusal is the
    // algorithm's, not the fixture's.
    let oaep = encrypt_key(&key, &rp(), &Default::default(), &OsRandom).unwrap();
    let oaep = String::from_utf8(oaep).unwrap();
    let doc = xml::parse(&oaep, &Limits::default()).unwrap();
    assert!(decrypt_key(doc.root_element(), &keys(), &dangerous)
        .unwrap()
        .ct_eq(&key));
}

#[test]
fn nested_encrypted_keys_are_refused() {
    let sealed = enc(SAML2, Some("_a"), &Default::default());
    let inner =
        String::from_utf8(encrypt_key(&[1u8; 32], &rp(), &Default::default(), &OsRandom).unwrap())
            .unwrap();
    // An EncryptedKey inside the EncryptedKey's KeyInfo.
    let nested = sealed.replacen("<ds:X509Data>", &format!("{inner}<ds:X509Data>"), 1);
    assert!(matches!(
        dec(&nested, &Default::default()),
        Err(Error::Xenc(XencError::NestedEncryptedKey))
    ));
    // A RetrievalMethod pointing at itself.
    let selfref = sealed
        .replacen("<xenc:EncryptedKey>", r#"<xenc:EncryptedKey Id="k">"#, 1)
        .replacen(
            "<ds:X509Data>",
            r##"<ds:RetrievalMethod Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey" URI="#k"/><ds:X509Data>"##,
            1,
        );
    assert!(matches!(
        dec(&selfref, &Default::default()),
        Err(Error::Xenc(XencError::NestedEncryptedKey))
    ));
    // EncryptedData inside another's KeyInfo.
    let data = enc("<z/>", None, &Default::default());
    let mut nested = sealed.clone();
    nested.insert_str(sealed.rfind("</ds:KeyInfo>").unwrap(), &data);
    assert!(
        matches!(
            dec(&nested, &Default::default()),
            Err(Error::Xenc(XencError::NestedEncryptedKey))
        ),
        "{nested}"
    );
}

#[test]
fn sizes_and_counts_are_bounded() {
    let sealed = enc(SAML2, Some("_a"), &Default::default());
    let (s, _) = data_cipher(&sealed);
    let mut big = sealed.clone();
    big.insert_str(s, &"A".repeat(MAX_CIPHER_VALUE_CHARS + 4));
    assert!(matches!(
        dec(&big, &Default::default()),
        Err(Error::Xenc(XencError::TooLarge(_)))
    ));
    let s = sealed.find("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
    let mut big = sealed.clone();
    big.insert_str(s, &"A".repeat(MAX_KEY_CIPHER_VALUE_CHARS));
    assert!(matches!(
        dec(&big, &Default::default()),
        Err(Error::Xenc(XencError::TooLarge(_)))
    ));
    let one = enc("<z/>", None, &Default::default());
    let many = format!("<r>{}</r>", one.repeat(MAX_ENCRYPTED_DATA + 1));
    assert!(matches!(
        dec(&many, &Default::default()),
        Err(Error::Xenc(XencError::TooLarge(_)))
    ));
    let fine = format!("<r>{}</r>", one.repeat(3));
    assert_eq!(
        dec(&fine, &Default::default()).unwrap(),
        "<r><z></z><z></z><z></z></r>"
    );
    assert!(matches!(
        dec("<r/>", &Default::default()),
        Err(Error::Xenc(XencError::Missing))
    ));
}

#[test]
fn all_decryption_failures_print_the_same() {
    let a = Error::from(XencError::DecryptionFailed).to_string();
    assert_eq!(a, "encryption: decryption failed");
}
