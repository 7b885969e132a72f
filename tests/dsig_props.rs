//! Property tests: whatever the content, what we sign verifies, and changing
//! signed text breaks it.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use wstrust::dsig::{self, DigestAlgorithm, SignOptions, SignatureAlgorithm, SigningKey, Trust};
use wstrust::keys::{AwsLcRsaKey, PrivateKey};
use wstrust::{xml, Limits};

/// Escape for XML text and attribute values (test-side helper).
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn doc(kind: u8, text: &str, attr: &str, id: &str) -> String {
    let (text, attr) = (esc(text), esc(attr));
    match kind % 3 {
        0 => format!(
            r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0"><saml:Issuer>i</saml:Issuer><saml:Subject><saml:NameID a="{attr}">{text}</saml:NameID></saml:Subject></saml:Assertion>"#
        ),
        1 => format!(
            r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="{id}"><saml:Conditions a="{attr}"/><v>{text}</v></saml:Assertion>"#
        ),
        _ => format!(
            r#"<r xmlns="urn:d" xmlns:p="urn:p"><p:e p:Id="ignored" Id="{id}" b="{attr}">{text}<p:x/></p:e></r>"#
        ),
    }
}

fn rsa() -> &'static AwsLcRsaKey {
    static K: std::sync::OnceLock<AwsLcRsaKey> = std::sync::OnceLock::new();
    K.get_or_init(|| AwsLcRsaKey::from_pem(include_bytes!("../tests/data/signer.key.pem")).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sign_verify_roundtrip(
        kind in 0u8..3,
        text in "[ -~\u{a0}-\u{2ff}\t\r\n]{0,40}",
        attr in "[ -~\u{a0}-\u{2ff}\t\n]{0,20}",
        id in "_[a-zA-Z0-9_.-]{1,20}",
        hmac in any::<bool>(),
        digest in 0usize..DigestAlgorithm::ALL.len(),
    ) {
        let text_doc = doc(kind, &text, &attr, &id);
        let limits = Limits::default();
        let hkey = [0x11u8; 32];
        let (key, algorithm) = if hmac {
            (SigningKey::Hmac(&hkey), SignatureAlgorithm::HmacSha256)
        } else {
            (SigningKey::Rsa(rsa()), SignatureAlgorithm::RsaSha256)
        };
        let opts = SignOptions {
            algorithm,
            digest: DigestAlgorithm::ALL[digest],
            ..Default::default()
        };
        let signed = dsig::sign_enveloped(&text_doc, Some(&id), key, &opts, &limits).unwrap();
        let keys = [rsa().public_key().clone()];
        // SHA-1 digests are opt-in (issue 17): allowed here, refused below.
        let trust = if hmac { Trust::hmac(&hkey) } else { Trust::public_keys(&keys) }.allow_sha1();
        let parsed = xml::parse(&signed, &limits).unwrap();
        let element = xml::find_by_id(&parsed, &id).unwrap();
        let v = dsig::verify_enveloped(&parsed, element, &trust, &limits).unwrap();
        prop_assert_eq!(v.element(), element);
        prop_assert_eq!(v.ids().collect::<Vec<_>>(), vec![id.as_str()]);
        let strict = if hmac { Trust::hmac(&hkey) } else { Trust::public_keys(&keys) };
        let r = dsig::verify_enveloped(&parsed, element, &strict, &limits);
        prop_assert_eq!(r.is_ok(), DigestAlgorithm::ALL[digest] != DigestAlgorithm::Sha1);

        // Removing the signature gives back the input byte for byte (a
        // self-closing element aside, which is opened to hold it).
        let a = signed.find("<ds:Signature").unwrap();
        let b = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
        prop_assert_eq!(format!("{}{}", &signed[..a], &signed[b..]), text_doc.clone());

        // Appending a character to the signed text breaks the digest (with
        // empty text, `><` may match outside the signed element).
        let tampered = signed.replacen(&format!(">{}<", esc(&text)), &format!(">{}Z<", esc(&text)), 1);
        if !text.is_empty() && tampered != signed {
            let parsed = xml::parse(&tampered, &limits).unwrap();
            let element = xml::find_by_id(&parsed, &id).unwrap();
            prop_assert!(dsig::verify_enveloped(&parsed, element, &trust, &limits).is_err());
        }
    }
}
