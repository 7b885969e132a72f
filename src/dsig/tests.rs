#![allow(clippy::unwrap_used)]

use super::*;
use crate::error::{DsigError, Error, Fault, FaultCode, Limit, XmlError};
use crate::keys::{AwsLcRsaKey, Certificate, PrivateKey};
use crate::xml;
use crate::Limits;
use std::sync::OnceLock;

fn signer() -> &'static AwsLcRsaKey {
    static K: OnceLock<AwsLcRsaKey> = OnceLock::new();
    K.get_or_init(|| {
        AwsLcRsaKey::from_pem(include_bytes!("../../tests/data/signer.key.pem")).unwrap()
    })
}
fn other() -> &'static AwsLcRsaKey {
    static K: OnceLock<AwsLcRsaKey> = OnceLock::new();
    K.get_or_init(|| {
        AwsLcRsaKey::from_pem(include_bytes!("../../tests/data/other.key.pem")).unwrap()
    })
}
fn signer_cert() -> Certificate {
    Certificate::from_pem(include_bytes!("../../tests/data/signer.cert.pem")).unwrap()
}
fn other_cert() -> Certificate {
    Certificate::from_pem(include_bytes!("../../tests/data/other.cert.pem")).unwrap()
}

const SAML2: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="_a1" IssueInstant="2026-01-01T00:00:00Z" Version="2.0">
  <saml:Issuer>https://sts.example/</saml:Issuer>
  <saml:Subject><saml:NameID>alice</saml:NameID></saml:Subject>
  <saml:AttributeStatement><saml:Attribute Name="role"><saml:AttributeValue>user</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>
</saml:Assertion>
"#;

fn sign_saml2(opts: &SignOptions<'_>) -> String {
    sign_enveloped(
        SAML2,
        None,
        SigningKey::Rsa(signer()),
        opts,
        &Limits::default(),
    )
    .unwrap()
}

fn verify_root(text: &str, trust: &Trust<'_>) -> Result<Vec<String>, Error> {
    let limits = Limits::default();
    let doc = xml::parse(text, &limits)?;
    let v = verify_enveloped(&doc, doc.root_element(), trust, &limits)?;
    Ok(v.ids().map(str::to_owned).collect())
}

fn pk_trust() -> Vec<crate::keys::PublicKey> {
    vec![signer().public_key().clone()]
}

#[test]
fn saml2_signature_after_issuer_and_rest_untouched() {
    let signed = sign_saml2(&SignOptions::default());
    let start = signed.find("<ds:Signature").unwrap();
    let end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    assert!(signed[..start].ends_with("</saml:Issuer>"));
    let mut unsigned = signed[..start].to_owned();
    unsigned.push_str(&signed[end..]);
    assert_eq!(unsigned, SAML2);
    let keys = pk_trust();
    assert_eq!(
        verify_root(&signed, &Trust::public_keys(&keys)).unwrap(),
        ["_a1"]
    );
}

#[test]
fn saml11_last_child_self_closing_and_protocol_first_child() {
    let saml11 = r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="_b1" MajorVersion="1" MinorVersion="1"><saml:Conditions/><saml:AuthenticationStatement/></saml:Assertion>"#;
    let opts = SignOptions::default();
    let limits = Limits::default();
    let s = sign_enveloped(saml11, None, SigningKey::Rsa(signer()), &opts, &limits).unwrap();
    assert!(s.contains("<saml:AuthenticationStatement/><ds:Signature"));
    assert!(s.ends_with("</ds:Signature></saml:Assertion>"));
    let keys = pk_trust();
    assert_eq!(
        verify_root(&s, &Trust::public_keys(&keys)).unwrap(),
        ["_b1"]
    );

    let empty = r#"<r><e Id="x" a="1"/></r>"#;
    let s = sign_enveloped(empty, Some("x"), SigningKey::Rsa(signer()), &opts, &limits).unwrap();
    assert!(s.starts_with(r#"<r><e Id="x" a="1"><ds:Signature"#), "{s}");
    assert!(s.ends_with("</ds:Signature></e></r>"));
    let doc = xml::parse(&s, &limits).unwrap();
    let e = xml::find_by_id(&doc, "x").unwrap();
    verify_enveloped(&doc, e, &Trust::public_keys(&keys), &limits).unwrap();

    let samlp = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="r1"><samlp:Status/></samlp:Response>"#;
    let s = sign_enveloped(samlp, None, SigningKey::Rsa(signer()), &opts, &limits).unwrap();
    assert!(s.contains(r#"ID="r1"><ds:Signature"#));
    assert_eq!(verify_root(&s, &Trust::public_keys(&keys)).unwrap(), ["r1"]);
}

#[test]
fn signed_info_is_written_canonically() {
    // Re-canonicalizing the SignedInfo we wrote yields the bytes we signed,
    // and the RSA-SHA256 value over those bytes verifies.
    let signed = sign_saml2(&SignOptions {
        inclusive_prefixes: &["xs"],
        ..Default::default()
    });
    let doc = xml::parse(&signed, &Limits::default()).unwrap();
    let si = doc
        .descendants()
        .find(|n| n.has_tag_name((SIG_NS, "SignedInfo")))
        .unwrap();
    let canon = xml::c14n::to_vec(si, &xml::c14n::Options::exclusive()).unwrap();
    let value = doc
        .descendants()
        .find(|n| n.has_tag_name((SIG_NS, "SignatureValue")))
        .unwrap();
    let value = base64::Engine::decode(
        &base64::engine::general_purpose::STANDARD,
        xml::whole_text(value).as_bytes(),
    )
    .unwrap();
    signer()
        .public_key()
        .verify_pkcs1(crate::keys::DigestAlg::Sha256, &canon, &value)
        .unwrap();
    assert!(signed.contains(r#"<ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="xs"></ec:InclusiveNamespaces>"#));
}

#[test]
fn all_algorithms_roundtrip() {
    let limits = Limits::default();
    let keys = pk_trust();
    for alg in [
        SignatureAlgorithm::RsaSha256,
        SignatureAlgorithm::RsaSha384,
        SignatureAlgorithm::RsaSha512,
    ] {
        for digest in DigestAlgorithm::ALL {
            let opts = SignOptions {
                algorithm: alg,
                digest: *digest,
                ..Default::default()
            };
            let s = sign_saml2(&opts);
            assert!(s.contains(alg.uri()) && s.contains(digest.uri()));
            verify_root(&s, &Trust::public_keys(&keys).allow_sha1()).unwrap();
            // A SHA-1 digest only when allowed: not by default.
            let r = verify_root(&s, &Trust::public_keys(&keys));
            if *digest == DigestAlgorithm::Sha1 {
                assert!(
                    matches!(r, Err(Error::Dsig(DsigError::AlgorithmNotAllowed(ref u))) if u == digest.uri()),
                    "{r:?}"
                );
            } else {
                r.unwrap();
            }
        }
    }
    let hkey = [42u8; 32];
    for alg in [SignatureAlgorithm::HmacSha1, SignatureAlgorithm::HmacSha256] {
        let opts = SignOptions {
            algorithm: alg,
            ..Default::default()
        };
        let s = sign_enveloped(SAML2, None, SigningKey::Hmac(&hkey), &opts, &limits).unwrap();
        verify_root(&s, &Trust::hmac(&hkey).allow_sha1()).unwrap();
        // HMAC-SHA1 only when allowed.
        let r = verify_root(&s, &Trust::hmac(&hkey));
        if alg == SignatureAlgorithm::HmacSha1 {
            assert!(
                matches!(r, Err(Error::Dsig(DsigError::AlgorithmNotAllowed(_)))),
                "{r:?}"
            );
        } else {
            r.unwrap();
        }
        // Wrong HMAC key; RSA trust for an HMAC signature (key confusion).
        let err = verify_root(&s, &Trust::hmac(&[43u8; 32]).allow_sha1()).unwrap_err();
        assert!(matches!(err, Error::Dsig(DsigError::BadSignature)), "{err}");
        let err = verify_root(&s, &Trust::public_keys(&keys).allow_sha1()).unwrap_err();
        assert!(matches!(err, Error::Dsig(DsigError::UntrustedKey)), "{err}");
    }
    // An RSA signature checked with only an HMAC key trusted.
    let s = sign_saml2(&SignOptions::default());
    let err = verify_root(&s, &Trust::hmac(&hkey)).unwrap_err();
    assert!(matches!(err, Error::Dsig(DsigError::UntrustedKey)), "{err}");
}

#[test]
fn key_mismatches_refused_when_signing() {
    let limits = Limits::default();
    let cert = other_cert();
    let opts = SignOptions {
        key_info: KeyInfo::X509Certificate(&cert),
        ..Default::default()
    };
    let err = sign_enveloped(SAML2, None, SigningKey::Rsa(signer()), &opts, &limits).unwrap_err();
    assert!(matches!(err, Error::Dsig(DsigError::KeyMismatch(_))));
    assert_eq!(Fault::from(&err).code, FaultCode::FailedCheck);
    let opts = SignOptions {
        algorithm: SignatureAlgorithm::HmacSha256,
        ..Default::default()
    };
    assert!(sign_enveloped(SAML2, None, SigningKey::Rsa(signer()), &opts, &limits).is_err());
    assert!(sign_enveloped(SAML2, None, SigningKey::Hmac(&[1; 8]), &opts, &limits).is_err());
    let rsa_opts = SignOptions::default();
    assert!(sign_enveloped(SAML2, None, SigningKey::Hmac(&[1; 32]), &rsa_opts, &limits).is_err());
    // aws-lc-rs cannot sign RSA-SHA1: a typed error, not a panic.
    let sha1 = SignOptions {
        algorithm: SignatureAlgorithm::RsaSha1,
        ..Default::default()
    };
    assert!(matches!(
        sign_enveloped(SAML2, None, SigningKey::Rsa(signer()), &sha1, &limits),
        Err(Error::Key(_))
    ));
    // Not a prefix.
    let bad = SignOptions {
        inclusive_prefixes: &["a\"b"],
        ..Default::default()
    };
    assert!(sign_enveloped(SAML2, None, SigningKey::Rsa(signer()), &bad, &limits).is_err());
    // Already signed.
    let s = sign_saml2(&SignOptions::default());
    assert!(sign_enveloped(&s, None, SigningKey::Rsa(signer()), &rsa_opts, &limits).is_err());
    // No ID.
    assert!(matches!(
        sign_enveloped("<a/>", None, SigningKey::Rsa(signer()), &rsa_opts, &limits),
        Err(Error::Xml(XmlError::MissingAttribute(_)))
    ));
}

#[cfg(feature = "hazmat-rsa-private-key")]
#[test]
fn rsa_sha1_with_the_hazmat_key() {
    let key =
        crate::keys::HazmatRsaCrateKey::from_pem(include_bytes!("../../tests/data/signer.key.pem"))
            .unwrap();
    let opts = SignOptions {
        algorithm: SignatureAlgorithm::RsaSha1,
        digest: DigestAlgorithm::Sha1,
        ..Default::default()
    };
    let s = sign_enveloped(
        SAML2,
        None,
        SigningKey::Rsa(&key),
        &opts,
        &Limits::default(),
    )
    .unwrap();
    let keys = pk_trust();
    verify_root(&s, &Trust::public_keys(&keys).allow_sha1()).unwrap();
    // Refused by default: SHA-1 only when the verifier allows it.
    let err = verify_root(&s, &Trust::public_keys(&keys)).unwrap_err();
    assert!(
        matches!(err, Error::Dsig(DsigError::AlgorithmNotAllowed(ref u)) if u == SignatureAlgorithm::RsaSha1.uri()),
        "{err}"
    );
    // A verifier that narrowed its allowlist refuses it.
    let err = verify_root(
        &s,
        &Trust::public_keys(&keys).algorithms(&[SignatureAlgorithm::RsaSha256]),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        Error::Dsig(DsigError::AlgorithmNotAllowed(_))
    ));
    let err = verify_root(
        &s,
        &Trust::public_keys(&keys)
            .algorithms(SignatureAlgorithm::ALL)
            .digests(&[DigestAlgorithm::Sha256]),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        Error::Dsig(DsigError::AlgorithmNotAllowed(_))
    ));
}

#[test]
fn embedded_keys_only_pick_trusted_ones() {
    let sc = signer_cert();
    let oc = other_cert();
    let trusted = [sc.clone()];
    // Our cert embedded: verifies, names the trusted certificate.
    let s = sign_saml2(&SignOptions {
        key_info: KeyInfo::X509Certificate(&sc),
        ..Default::default()
    });
    let doc = xml::parse(&s, &Limits::default()).unwrap();
    let v = verify_enveloped(
        &doc,
        doc.root_element(),
        &Trust::certificates(&trusted),
        &Limits::default(),
    )
    .unwrap();
    assert!(matches!(v.key(), TrustedKey::Certificate(c) if *c == sc));
    assert_eq!(v.algorithm(), SignatureAlgorithm::RsaSha256);

    // Signed by an untrusted key that embeds its own certificate.
    let evil = sign_enveloped(
        SAML2,
        None,
        SigningKey::Rsa(other()),
        &SignOptions {
            key_info: KeyInfo::X509Certificate(&oc),
            ..Default::default()
        },
        &Limits::default(),
    )
    .unwrap();
    let err = verify_root(&evil, &Trust::certificates(&trusted)).unwrap_err();
    assert!(matches!(err, Error::Dsig(DsigError::UntrustedKey)), "{err}");
    // ... or its RSAKeyValue.
    let evil_kv = sign_enveloped(
        SAML2,
        None,
        SigningKey::Rsa(other()),
        &SignOptions {
            key_info: KeyInfo::RsaKeyValue,
            ..Default::default()
        },
        &Limits::default(),
    )
    .unwrap();
    let err = verify_root(&evil_kv, &Trust::certificates(&trusted)).unwrap_err();
    assert!(matches!(err, Error::Dsig(DsigError::UntrustedKey)), "{err}");
    // ... or no KeyInfo at all: wrong key.
    let evil_none = sign_enveloped(
        SAML2,
        None,
        SigningKey::Rsa(other()),
        &SignOptions::default(),
        &Limits::default(),
    )
    .unwrap();
    let err = verify_root(&evil_none, &Trust::certificates(&trusted)).unwrap_err();
    assert!(matches!(err, Error::Dsig(DsigError::BadSignature)), "{err}");
    // The attacker copies the trusted certificate into KeyInfo.
    let b64 = |c: &Certificate| {
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, c.der())
    };
    let swapped = evil.replace(&b64(&oc), &b64(&sc));
    assert_ne!(swapped, evil);
    let err = verify_root(&swapped, &Trust::certificates(&trusted)).unwrap_err();
    assert!(matches!(err, Error::Dsig(DsigError::BadSignature)), "{err}");
    // RSAKeyValue of the trusted key works, trusted as a bare public key.
    let kv = sign_saml2(&SignOptions {
        key_info: KeyInfo::RsaKeyValue,
        ..Default::default()
    });
    let keys = pk_trust();
    verify_root(&kv, &Trust::public_keys(&keys)).unwrap();
    verify_root(&kv, &Trust::certificates(&trusted)).unwrap();
    // Raw KeyInfo content (a SecurityTokenReference) is placed as given.
    let str_ = br##"<wsse:SecurityTokenReference xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:Reference URI="#tok"/></wsse:SecurityTokenReference>"##;
    let raw = sign_saml2(&SignOptions {
        key_info: KeyInfo::Raw(str_),
        ..Default::default()
    });
    assert!(raw.contains(r#"<ds:KeyInfo><wsse:SecurityTokenReference"#));
    verify_root(&raw, &Trust::public_keys(&keys)).unwrap();
}

fn err_of(text: &str) -> Error {
    let keys = pk_trust();
    verify_root(text, &Trust::public_keys(&keys)).unwrap_err()
}

#[test]
fn tampering_is_detected() {
    let s = sign_saml2(&SignOptions::default());
    // Tampered signed content.
    let e = err_of(&s.replace("alice", "admin"));
    assert!(
        matches!(e, Error::Dsig(DsigError::DigestMismatch(_))),
        "{e}"
    );
    // Tampered SignedInfo (the digest value) is caught by the signature value.
    let dv_start = s.find("<ds:DigestValue>").unwrap() + "<ds:DigestValue>".len();
    let mut t = s.clone();
    let c = if &s[dv_start..=dv_start] == "A" {
        "B"
    } else {
        "A"
    };
    t.replace_range(dv_start..=dv_start, c);
    let e = err_of(&t);
    assert!(matches!(e, Error::Dsig(DsigError::BadSignature)), "{e}");
    // Tampered signature value.
    let sv = s.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    let mut t = s.clone();
    let c = if &s[sv..=sv] == "A" { "B" } else { "A" };
    t.replace_range(sv..=sv, c);
    assert!(matches!(err_of(&t), Error::Dsig(DsigError::BadSignature)));
    // Garbage base64.
    let t = s.replacen("<ds:SignatureValue>", "<ds:SignatureValue>!!", 1);
    assert!(matches!(err_of(&t), Error::Xml(XmlError::Base64(_))));
    // Whitespace inside base64 is fine (line-wrapped values).
    let t = s.replacen("<ds:SignatureValue>", "<ds:SignatureValue>\n ", 1);
    let keys = pk_trust();
    verify_root(&t, &Trust::public_keys(&keys)).unwrap();
}

#[test]
fn comment_in_signed_text_still_verifies_and_whole_text_reads_all() {
    let s = sign_saml2(&SignOptions::default());
    let t = s.replace("<saml:NameID>alice", "<saml:NameID>ali<!-- x -->ce");
    let limits = Limits::default();
    let doc = xml::parse(&t, &limits).unwrap();
    let keys = pk_trust();
    let v = verify_enveloped(
        &doc,
        doc.root_element(),
        &Trust::public_keys(&keys),
        &limits,
    )
    .unwrap();
    let name = v
        .element()
        .descendants()
        .find(|n| n.has_tag_name("NameID"))
        .unwrap();
    assert_eq!(xml::whole_text(name), "alice");
    assert_eq!(name.text(), Some("ali"));
}

fn replace_once(s: &str, from: &str, to: &str) -> String {
    assert!(s.contains(from), "{from} not in input");
    s.replacen(from, to, 1)
}

#[test]
fn disallowed_algorithms_and_transforms() {
    let s = sign_saml2(&SignOptions::default());
    let cases: &[(&str, &str)] = &[
        (
            SignatureAlgorithm::RsaSha256.uri(),
            "http://www.w3.org/2001/04/xmldsig-more#rsa-md5",
        ),
        (
            DigestAlgorithm::Sha256.uri(),
            "http://www.w3.org/2001/04/xmldsig-more#md5",
        ),
        (
            r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">"#,
            r#"<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2006/12/xml-c14n11">"#,
        ),
    ];
    for (from, to) in cases {
        let e = err_of(&replace_once(&s, from, to));
        assert!(
            matches!(e, Error::Dsig(DsigError::AlgorithmNotAllowed(_))),
            "{to}: {e}"
        );
        assert_eq!(Fault::from(&e).code, FaultCode::UnsupportedAlgorithm);
    }
    let env = format!(r#"<ds:Transform Algorithm="{ENVELOPED_SIGNATURE}"></ds:Transform>"#);
    let exc =
        r#"<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"></ds:Transform>"#;
    let transforms: &[String] = &[
        // XPath, XSLT, C14N 1.1, base64: not on the list.
        r#"<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>1</ds:XPath></ds:Transform>"#.into(),
        r#"<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"></ds:Transform>"#.into(),
        r#"<ds:Transform Algorithm="http://www.w3.org/2006/12/xml-c14n11"></ds:Transform>"#.into(),
        r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#base64"></ds:Transform>"#.into(),
        // Order and repetition.
        format!("{exc}{env}"),
        format!("{env}{env}{exc}"),
        format!("{env}{exc}{exc}"),
    ];
    for t in transforms {
        let x = replace_once(&s, &format!("{env}{exc}"), t);
        let e = err_of(&x);
        assert!(
            matches!(e, Error::Dsig(DsigError::TransformNotAllowed(_))),
            "{t}: {e}"
        );
    }
    // HMACOutputLength: never truncated.
    let hkey = [9u8; 32];
    let h = sign_enveloped(
        SAML2,
        None,
        SigningKey::Hmac(&hkey),
        &SignOptions {
            algorithm: SignatureAlgorithm::HmacSha256,
            ..Default::default()
        },
        &Limits::default(),
    )
    .unwrap();
    let uri = SignatureAlgorithm::HmacSha256.uri();
    let t = replace_once(
        &h,
        &format!(r#"Algorithm="{uri}"></ds:SignatureMethod>"#),
        &format!(
            r#"Algorithm="{uri}"><ds:HMACOutputLength>128</ds:HMACOutputLength></ds:SignatureMethod>"#
        ),
    );
    let e = verify_root(&t, &Trust::hmac(&hkey)).unwrap_err();
    assert!(matches!(e, Error::Dsig(DsigError::HmacOutputLength)), "{e}");
    // A truncated value without the element: a plain bad signature.
    let sv = h.find("<ds:SignatureValue>").unwrap() + "<ds:SignatureValue>".len();
    let sv_end = h.find("</ds:SignatureValue>").unwrap();
    let mut t = h.clone();
    t.replace_range(sv..sv_end, "AAAAAAAAAAAAAAAAAAAAAA==");
    let e = verify_root(&t, &Trust::hmac(&hkey)).unwrap_err();
    assert!(matches!(e, Error::Dsig(DsigError::BadSignature)), "{e}");
}

#[test]
fn references_by_id_only_and_bounded() {
    let s = sign_saml2(&SignOptions::default());
    for uri in [
        "",
        "#xpointer(/)",
        "#xpointer(id('_a1'))",
        "http://evil/x",
        "_a1",
    ] {
        let t = replace_once(&s, r##"URI="#_a1""##, &format!(r#"URI="{uri}""#));
        let limits = Limits::default();
        let doc = xml::parse(&t, &limits).unwrap();
        let sig = signatures(&doc).next().unwrap();
        let keys = pk_trust();
        let e = verify(&doc, sig, &Trust::public_keys(&keys), &limits).unwrap_err();
        assert!(
            matches!(e, Error::Dsig(DsigError::UnsupportedReference(_))),
            "{uri}: {e}"
        );
    }
    // Too many transforms.
    let limits = Limits {
        max_transforms: 1,
        ..Limits::default()
    };
    let doc = xml::parse(&s, &limits).unwrap();
    let keys = pk_trust();
    let e = verify_enveloped(
        &doc,
        doc.root_element(),
        &Trust::public_keys(&keys),
        &limits,
    )
    .unwrap_err();
    assert!(matches!(e, Error::Limit(Limit::Transforms)), "{e}");
    // ds:Object refused.
    let t = replace_once(&s, "</ds:Signature>", "<ds:Object/></ds:Signature>");
    assert!(matches!(err_of(&t), Error::Dsig(DsigError::Malformed(_))));
    // Two references to one element.
    let r0 = s.find("<ds:Reference ").unwrap();
    let r1 = s.find("</ds:Reference>").unwrap() + "</ds:Reference>".len();
    let t = format!("{}{}{}", &s[..r1], &s[r0..r1], &s[r1..]);
    let doc = xml::parse(&t, &Limits::default()).unwrap();
    let sig = signatures(&doc).next().unwrap();
    let e = verify(&doc, sig, &Trust::public_keys(&keys), &Limits::default()).unwrap_err();
    assert!(matches!(e, Error::Dsig(DsigError::Malformed(_))), "{e}");
}

const ENVELOPE: &str = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><s:Header><a:Action u:Id="_2">urn:x</a:Action><a:To u:Id="_3">https://sts.example/</a:To><o:Security xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><u:Timestamp u:Id="_0"><u:Created>2026-01-01T00:00:00Z</u:Created></u:Timestamp></o:Security></s:Header><s:Body u:Id="_1"><t:RequestSecurityToken xmlns:t="http://docs.oasis-open.org/ws-sx/ws-trust/200512"/></s:Body></s:Envelope>"#;

fn place_in_security(env: &str, sig: &[u8]) -> String {
    let sig = std::str::from_utf8(sig).unwrap();
    env.replace("</o:Security>", &format!("{sig}</o:Security>"))
}

#[test]
fn detached_signature_over_several_references() {
    let limits = Limits::default();
    let doc = xml::parse(ENVELOPE, &limits).unwrap();
    let ids = ["_0", "_1", "_2", "_3"];
    let cert = signer_cert();
    let sig = sign_detached(
        &doc,
        &ids,
        SigningKey::Rsa(signer()),
        &SignOptions {
            key_info: KeyInfo::X509Certificate(&cert),
            ..Default::default()
        },
        &limits,
    )
    .unwrap();
    let placed = place_in_security(ENVELOPE, &sig);
    let doc = xml::parse(&placed, &limits).unwrap();
    let node = signatures(&doc).next().unwrap();
    let trusted = [cert];
    let v = verify(&doc, node, &Trust::certificates(&trusted), &limits).unwrap();
    assert_eq!(v.ids().collect::<Vec<_>>(), ids);
    let body = doc
        .descendants()
        .find(|n| n.has_tag_name(("http://www.w3.org/2003/05/soap-envelope", "Body")))
        .unwrap();
    assert!(v.covers(body));
    assert!(v.covers_subtree(body.first_element_child().unwrap()));
    assert!(!v.covers(doc.root_element()));
    // Tamper with one referenced header.
    let t = placed.replace("urn:x", "urn:y");
    let doc = xml::parse(&t, &limits).unwrap();
    let node = signatures(&doc).next().unwrap();
    let e = verify(&doc, node, &Trust::certificates(&trusted), &limits).unwrap_err();
    assert!(
        matches!(e, Error::Dsig(DsigError::DigestMismatch(ref id)) if id == "_2"),
        "{e}"
    );
    // Too many references, when signing and when verifying.
    let small = Limits {
        max_references: 3,
        ..Limits::default()
    };
    assert!(matches!(
        sign_detached(
            &doc,
            &ids,
            SigningKey::Rsa(signer()),
            &SignOptions::default(),
            &small
        ),
        Err(Error::Limit(Limit::References))
    ));
    let doc = xml::parse(&placed, &limits).unwrap();
    let node = signatures(&doc).next().unwrap();
    let e = verify(&doc, node, &Trust::certificates(&trusted), &small).unwrap_err();
    assert!(matches!(e, Error::Limit(Limit::References)), "{e}");
}

#[test]
fn duplicate_ids_rejected() {
    let s = sign_saml2(&SignOptions::default());
    // A second element with the signed ID, anywhere.
    let t = replace_once(&s, "<saml:Subject>", r#"<saml:Subject><x ID="_a1"/>"#);
    let e = err_of(&t);
    // The digest of the real element is fine, but the lookup sees two.
    assert!(matches!(e, Error::Xml(XmlError::DuplicateId(_))), "{e}");
    assert_eq!(Fault::from(&e).code, FaultCode::InvalidRequest);
}

// --- Signature wrapping (XSW). Each variant is listed in
// docs/signature-wrapping.md with the name of its test.

/// A SAML 2.0 Response with a signed assertion inside.
fn signed_assertion() -> String {
    let s = sign_saml2(&SignOptions::default());
    s.trim_start_matches(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
        .trim()
        .to_owned()
}

fn evil_assertion() -> String {
    signed_assertion()
        .split("<ds:Signature")
        .next()
        .unwrap()
        .replace("_a1", "_evil")
        .replace("alice", "admin")
        + "\n  <saml:Subject/></saml:Assertion>"
}

fn response(inner: &str) -> String {
    format!(
        r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r">{inner}</samlp:Response>"#
    )
}

/// What a SAML consumer does: pick the assertion child of the response and
/// verify it with `verify_enveloped`; return the NameID it would read.
fn consume(text: &str) -> Result<String, Error> {
    let limits = Limits::default();
    let doc = xml::parse(text, &limits)?;
    let assertion = doc
        .root_element()
        .children()
        .find(|n| n.has_tag_name((crate::xml::ns::SAML2, "Assertion")))
        .ok_or(DsigError::Missing)?;
    let keys = pk_trust();
    let v = verify_enveloped(&doc, assertion, &Trust::public_keys(&keys), &limits)?;
    let name = v
        .element()
        .descendants()
        .find(|n| n.has_tag_name("NameID"))
        .ok_or(DsigError::Missing)?;
    Ok(xml::whole_text(name).into_owned())
}

#[test]
fn xsw_baseline_signed_assertion_in_response() {
    assert_eq!(consume(&response(&signed_assertion())).unwrap(), "alice");
}

#[test]
fn xsw_unsigned_assertion_before_signed_one() {
    // XSW #1 style: an unsigned evil assertion first, the signed one after.
    let t = response(&(evil_assertion() + &signed_assertion()));
    let e = consume(&t).unwrap_err();
    assert!(matches!(e, Error::Dsig(DsigError::Missing)), "{e}");
}

#[test]
fn xsw_signed_assertion_wrapped_in_evil_assertion() {
    // The evil assertion contains the signed one (in its Subject, in an
    // extension); the evil one has no signature of its own.
    let evil = evil_assertion().replace(
        "<saml:Subject/>",
        &format!("<saml:Subject>{}</saml:Subject>", signed_assertion()),
    );
    let e = consume(&response(&evil)).unwrap_err();
    assert!(matches!(e, Error::Dsig(DsigError::Missing)), "{e}");
}

#[test]
fn xsw_signature_moved_to_evil_assertion() {
    // The signed assertion's ds:Signature is moved into the evil assertion
    // (which keeps the original ID elsewhere): the reference names another
    // element, so it is not the enveloping element.
    let signed = signed_assertion();
    let start = signed.find("<ds:Signature").unwrap();
    let end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let sig = &signed[start..end];
    let evil = evil_assertion().replace("</saml:Issuer>", &format!("</saml:Issuer>{sig}"));
    let hidden = format!("<x>{signed}</x>");
    let t = response(&(evil + &hidden.replace(sig, "")));
    let e = consume(&t).unwrap_err();
    assert!(
        matches!(e, Error::Dsig(DsigError::WrongSignedElement)),
        "{e}"
    );
}

#[test]
fn xsw_same_id_on_evil_assertion() {
    // The evil assertion takes the signed ID and the signature; the original
    // is hidden elsewhere in the document: two elements with one ID.
    let signed = signed_assertion();
    let start = signed.find("<ds:Signature").unwrap();
    let end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let sig = &signed[start..end];
    let evil = evil_assertion()
        .replace("_evil", "_a1")
        .replace("</saml:Issuer>", &format!("</saml:Issuer>{sig}"));
    let original = signed.replace(sig, "");
    let t = response(&(evil + "<x>" + &original + "</x>"));
    let e = consume(&t).unwrap_err();
    assert!(matches!(e, Error::Xml(XmlError::DuplicateId(_))), "{e}");
}

#[test]
fn xsw_original_in_signature_object() {
    // The original assertion hidden in ds:Object of the moved signature.
    let signed = signed_assertion();
    let start = signed.find("<ds:Signature").unwrap();
    let end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let sig = &signed[start..end];
    let original = signed.replace(sig, "");
    let sig_with_object = sig.replace(
        "</ds:Signature>",
        &format!("<ds:Object>{original}</ds:Object></ds:Signature>"),
    );
    let evil = evil_assertion().replace(
        "</saml:Issuer>",
        &format!("</saml:Issuer>{sig_with_object}"),
    );
    let e = consume(&response(&evil)).unwrap_err();
    assert!(
        matches!(e, Error::Dsig(DsigError::WrongSignedElement)),
        "{e}"
    );
    // Even through plain `verify`, ds:Object is refused.
    let limits = Limits::default();
    let t = response(&evil);
    let doc = xml::parse(&t, &limits).unwrap();
    let node = signatures(&doc).next().unwrap();
    let keys = pk_trust();
    let e = verify(&doc, node, &Trust::public_keys(&keys), &limits).unwrap_err();
    assert!(matches!(e, Error::Dsig(DsigError::Malformed(_))), "{e}");
}

#[test]
fn xsw_reference_to_another_element() {
    // A signature inside the assertion that validly signs something else
    // (here: the Issuer) does not make the assertion signed.
    let text = SAML2.replace("<saml:Issuer>", r#"<saml:Issuer ID="_i">"#);
    let limits = Limits::default();
    let doc = xml::parse(&text, &limits).unwrap();
    let sig = sign_detached(
        &doc,
        &["_i"],
        SigningKey::Rsa(signer()),
        &SignOptions::default(),
        &limits,
    )
    .unwrap();
    let t = text.replace(
        "</saml:Issuer>",
        &format!("</saml:Issuer>{}", std::str::from_utf8(&sig).unwrap()),
    );
    // The signature itself is valid...
    let doc = xml::parse(&t, &limits).unwrap();
    let keys = pk_trust();
    verify(
        &doc,
        signatures(&doc).next().unwrap(),
        &Trust::public_keys(&keys),
        &limits,
    )
    .unwrap();
    // ...but it does not envelop-sign the assertion.
    let e = verify_root(&t, &Trust::public_keys(&keys)).unwrap_err();
    assert!(
        matches!(e, Error::Dsig(DsigError::WrongSignedElement)),
        "{e}"
    );
}

#[test]
fn xsw_extra_reference_in_enveloped_signature() {
    // An enveloped signature with a second reference is not "exactly the
    // element".
    let text = SAML2.replace("<saml:Issuer>", r#"<saml:Issuer ID="_i">"#);
    let limits = Limits::default();
    let doc = xml::parse(&text, &limits).unwrap();
    let sig = sign_detached(
        &doc,
        &["_a1", "_i"],
        SigningKey::Rsa(signer()),
        &SignOptions::default(),
        &limits,
    )
    .unwrap();
    // Not enveloped-transformed, so it cannot verify anyway; the structural
    // check refuses it before any cryptography.
    let t = text.replace(
        "</saml:Issuer>",
        &format!("</saml:Issuer>{}", std::str::from_utf8(&sig).unwrap()),
    );
    let keys = pk_trust();
    let e = verify_root(&t, &Trust::public_keys(&keys)).unwrap_err();
    assert!(
        matches!(e, Error::Dsig(DsigError::WrongSignedElement)),
        "{e}"
    );
}

#[test]
fn two_signatures_in_one_element_refused() {
    let s = sign_saml2(&SignOptions::default());
    let start = s.find("<ds:Signature").unwrap();
    let end = s.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let sig = s[start..end].to_owned();
    let t = s.replace("</saml:Assertion>", &format!("{sig}</saml:Assertion>"));
    assert!(matches!(err_of(&t), Error::Dsig(DsigError::Malformed(_))));
}

#[test]
fn signature_node_from_another_document_refused() {
    let s = sign_saml2(&SignOptions::default());
    let limits = Limits::default();
    let a = xml::parse(&s, &limits).unwrap();
    let b = xml::parse(&s, &limits).unwrap();
    let keys = pk_trust();
    let sig_b = signatures(&b).next().unwrap();
    let e = verify(&a, sig_b, &Trust::public_keys(&keys), &limits).unwrap_err();
    assert!(matches!(e, Error::Dsig(DsigError::Malformed(_))), "{e}");
}

#[test]
fn debug_redacts_hmac_keys() {
    let k = [0x41u8; 32];
    assert!(!format!("{:?}", SigningKey::Hmac(&k)).contains("65"));
    assert!(!format!("{:?}", Trust::hmac(&k)).contains("65"));
}

#[test]
fn ids_report_the_id_the_reference_named() {
    // An element with two ID-like attributes, signed through the second:
    // `Verified::ids` must report the one the signature covered.
    let doc_text = r#"<r xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><x ID="a" wsu:Id="b">v</x></r>"#;
    let limits = Limits::default();
    let signed = sign_enveloped(
        doc_text,
        Some("b"),
        SigningKey::Rsa(signer()),
        &SignOptions::default(),
        &limits,
    )
    .unwrap();
    let doc = xml::parse(&signed, &limits).unwrap();
    let node = signatures(&doc).next().unwrap();
    let keys = pk_trust();
    let v = verify(&doc, node, &Trust::public_keys(&keys), &limits).unwrap();
    assert_eq!(v.ids().collect::<Vec<_>>(), ["b"]);
}
