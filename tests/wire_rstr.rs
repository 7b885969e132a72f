//! Every RSTR element written in every version, read back.
#![allow(clippy::unwrap_used)]

use roxmltree::{Document, Node};
use wstrust::soap::AddressingVersion;
use wstrust::wst::{
    AppliesTo, BinarySecret, BinarySecretType, KeyType, Lifetime, PolicyVersion, ProofToken,
    RawXml, RequestKind, RequestType, Rstr, SamlVersion, Secret, Status, TokenReference, Version,
};
use wstrust::xml::ns;

const TOKEN: &str = "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:1.0:assertion\" MajorVersion=\"1\" MinorVersion=\"1\"\n  AssertionID=\"_a1\"><!--c--><saml:Conditions/></saml:Assertion>";
const ENC_KEY: &str = "<xenc:EncryptedKey xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" Id=\"ek\"><xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey>";

fn full(proof: ProofToken) -> Rstr {
    Rstr {
        context: Some("ctx <&> \"q\"".into()),
        token_type: Some("urn:oasis:names:tc:SAML:1.0:assertion".into()),
        request_type: Some(RequestType {
            kind: RequestKind::Issue,
            batch: false,
        }),
        requested_token: Some(RawXml::new(TOKEN.as_bytes().to_vec())),
        attached_reference: Some(TokenReference::Saml {
            version: SamlVersion::V11,
            id: "_a1".into(),
        }),
        unattached_reference: Some(TokenReference::Saml {
            version: SamlVersion::V20,
            id: "_b2".into(),
        }),
        proof_token: Some(proof),
        entropy: Some(BinarySecret {
            kind: BinarySecretType::Nonce,
            value: Secret::new(vec![9; 32]),
        }),
        lifetime: Some(Lifetime {
            created: Some(time::macros::datetime!(2026-11-22 21:00:00.5 UTC)),
            expires: Some(time::macros::datetime!(2026-11-22 23:00 +01:00)),
        }),
        applies_to: Some(AppliesTo {
            address: "https://rp.example/?a=1&b=2".into(),
            policy: PolicyVersion::Wsp15,
            addressing: AddressingVersion::Wsa200408,
        }),
        key_size: Some(256),
        key_type: Some(KeyType::SymmetricKey),
        status: Some(Status {
            valid: false,
            reason: Some("expired <token>".into()),
        }),
        cancelled: true,
    }
}

fn child<'a, 'i>(n: Node<'a, 'i>, ns: &str, name: &str) -> Node<'a, 'i> {
    n.children()
        .find(|c| c.has_tag_name((ns, name)))
        .unwrap_or_else(|| panic!("no {name} in {:?}", n.tag_name()))
}

fn text<'a>(n: Node<'a, '_>) -> &'a str {
    n.text().unwrap_or("")
}

#[test]
fn every_element_round_trips_in_every_version() {
    for v in [Version::Trust2005, Version::Trust13, Version::Trust14] {
        let t = v.namespace();
        let xml = String::from_utf8(full(ProofToken::ComputedKeyPsha1).to_xml(v)).unwrap();
        // the token is embedded byte-for-byte (whitespace, comment, attribute order)
        assert!(xml.contains(TOKEN), "{xml}");
        let doc = Document::parse(&xml).unwrap();
        let root = doc.root_element();
        let rstr = if v.wraps_in_collection() {
            assert!(root.has_tag_name((t, "RequestSecurityTokenResponseCollection")));
            let mut rs = root.children().filter(|n| n.is_element());
            let r = rs.next().unwrap();
            assert!(rs.next().is_none());
            r
        } else {
            root
        };
        assert!(rstr.has_tag_name((t, "RequestSecurityTokenResponse")));
        assert_eq!(rstr.attribute("Context"), Some("ctx <&> \"q\""));
        assert_eq!(
            text(child(rstr, t, "TokenType")),
            "urn:oasis:names:tc:SAML:1.0:assertion"
        );
        assert_eq!(text(child(rstr, t, "RequestType")), format!("{t}/Issue"));
        let tok = child(rstr, t, "RequestedSecurityToken")
            .first_element_child()
            .unwrap();
        assert_eq!(tok.attribute("AssertionID"), Some("_a1"));
        for (name, tt, vt, id) in [
            (
                "RequestedAttachedReference",
                "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1",
                "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.0#SAMLAssertionID",
                "_a1",
            ),
            (
                "RequestedUnattachedReference",
                "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0",
                "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID",
                "_b2",
            ),
        ] {
            let str_ = child(child(rstr, t, name), ns::WSSE, "SecurityTokenReference");
            assert_eq!(str_.attribute((ns::WSSE11, "TokenType")), Some(tt));
            let ki = child(str_, ns::WSSE, "KeyIdentifier");
            assert_eq!(ki.attribute("ValueType"), Some(vt));
            assert_eq!(text(ki), id);
        }
        let ck = child(child(rstr, t, "RequestedProofToken"), t, "ComputedKey");
        assert_eq!(text(ck), format!("{t}/CK/PSHA1"));
        let bs = child(child(rstr, t, "Entropy"), t, "BinarySecret");
        assert_eq!(bs.attribute("Type"), Some(&*format!("{t}/Nonce")));
        assert_eq!(text(bs), "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk=");
        let lt = child(rstr, t, "Lifetime");
        assert_eq!(
            text(child(lt, ns::WSU, "Created")),
            "2026-11-22T21:00:00.500Z"
        );
        assert_eq!(
            text(child(lt, ns::WSU, "Expires")),
            "2026-11-22T22:00:00.000Z"
        );
        let at = child(rstr, ns::WSP_15, "AppliesTo");
        let addr = child(
            child(at, ns::WSA_2004, "EndpointReference"),
            ns::WSA_2004,
            "Address",
        );
        assert_eq!(text(addr), "https://rp.example/?a=1&b=2");
        assert_eq!(text(child(rstr, t, "KeySize")), "256");
        assert_eq!(
            text(child(rstr, t, "KeyType")),
            v.key_type_uri(KeyType::SymmetricKey)
        );
        let st = child(rstr, t, "Status");
        assert_eq!(text(child(st, t, "Code")), format!("{t}/status/invalid"));
        assert_eq!(text(child(st, t, "Reason")), "expired <token>");
        child(rstr, t, "RequestedTokenCancelled");
    }
}

#[test]
fn proof_token_variants() {
    let v = Version::Trust13;
    let t = v.namespace();
    let secret = ProofToken::BinarySecret(BinarySecret {
        kind: BinarySecretType::SymmetricKey,
        value: Secret::new(vec![1, 2, 3]),
    });
    let xml = String::from_utf8(full(secret).to_xml(v)).unwrap();
    let doc = Document::parse(&xml).unwrap();
    let p = doc
        .descendants()
        .find(|n| n.has_tag_name((t, "RequestedProofToken")))
        .unwrap();
    let bs = child(p, t, "BinarySecret");
    assert_eq!(bs.attribute("Type"), Some(&*format!("{t}/SymmetricKey")));
    assert_eq!(text(bs), "AQID");

    let enc = ProofToken::EncryptedKey(RawXml::new(ENC_KEY.as_bytes().to_vec()));
    let xml = String::from_utf8(full(enc).to_xml(v)).unwrap();
    assert!(xml.contains(&format!(
        "<t:RequestedProofToken>{ENC_KEY}</t:RequestedProofToken>"
    )));
}

#[test]
fn empty_rstr_and_raw_reference() {
    let r = Rstr {
        attached_reference: Some(TokenReference::Raw(RawXml::new(
            br##"<o:SecurityTokenReference xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><o:Reference URI="#x"/></o:SecurityTokenReference>"##.to_vec(),
        ))),
        ..Rstr::default()
    };
    let xml = String::from_utf8(r.to_xml(Version::Trust2005)).unwrap();
    assert!(xml.starts_with(&format!(
        "<t:RequestSecurityTokenResponse xmlns:t=\"{}\"><t:RequestedAttachedReference><o:Secur",
        ns::WST_2005
    )));
    Document::parse(&xml).unwrap();
    let empty = String::from_utf8(Rstr::default().to_xml(Version::Trust13)).unwrap();
    assert_eq!(
        empty,
        format!(
            "<t:RequestSecurityTokenResponseCollection xmlns:t=\"{}\"><t:RequestSecurityTokenResponse></t:RequestSecurityTokenResponse></t:RequestSecurityTokenResponseCollection>",
            ns::WST_13
        )
    );
}

#[test]
fn secrets_do_not_leak_through_debug() {
    let s = BinarySecret {
        kind: BinarySecretType::SymmetricKey,
        value: Secret::new(b"hunter2hunter2".to_vec()),
    };
    let d = format!("{s:?}");
    assert!(!d.contains("104") && !d.contains("hunter"), "{d}");
    assert!(s.value.ct_eq(&Secret::new(b"hunter2hunter2".to_vec())));
    assert!(!s.value.ct_eq(&Secret::new(b"hunter3hunter2".to_vec())));
}

/// The exact bytes of a fault in each SOAP version (golden files in
/// `tests/vectors/wst/faults/`; `WSTRUST_BLESS=1` rewrites them).
#[test]
fn fault_golden_bytes() {
    use wstrust::service::{handle_soap, RequestContext, TokenService, TransportContext};
    struct Never;
    impl TokenService for Never {
        fn issue(
            &self,
            _: &wstrust::wst::Rst<'_, '_>,
            _: &RequestContext<'_, '_, '_>,
        ) -> Result<Rstr, wstrust::Error> {
            Err(wstrust::error::RequestError::Failed.into())
        }
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/wst");
    for (input, golden) in [
        ("bad_two_rsts.xml", "soap12_invalid_request.golden"),
        ("bad_unknown_token_type.xml", "soap11_bad_request.golden"),
        ("adfs_13_usernamemixed.xml", "soap12_request_failed.golden"),
        (
            "cxf_13_soap11_publickey.xml",
            "soap11_request_failed.golden",
        ),
    ] {
        let req = std::fs::read(dir.join(input)).unwrap();
        let reply = handle_soap(
            &Never,
            &req,
            &TransportContext::default(),
            &Default::default(),
        );
        let path = dir.join("faults").join(golden);
        if std::env::var_os("WSTRUST_BLESS").is_some() {
            std::fs::write(&path, &reply.body).unwrap();
            continue;
        }
        let want = std::fs::read(&path).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&reply.body),
            String::from_utf8_lossy(&want),
            "{golden}"
        );
    }
}
