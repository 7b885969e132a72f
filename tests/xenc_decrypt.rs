//! XML-Enc decryption: where the `EncryptedKey` is (inline, a peer reached by
//! `ds:RetrievalMethod`, a `wsse:SecurityTokenReference`, a `ds:KeyName` /
//! `xenc:CarriedKeyName` pair, a WS-Security `xenc:ReferenceList`), how the
//! recipient key is named (`ds:KeyName` through the key resolver), and that
//! every way of getting it wrong is refused with the right error.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use wstrust::error::{Error, Fault, XencError, XmlError};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{MemoryKeyResolver, OsRandom};
use wstrust::xenc::{self, DecryptOptions, EncryptOptions, RecipientKeyInfo};
use wstrust::Limits;

const RP_CERT: &[u8] = include_bytes!("data/xenc/rp.pem");
const RP_KEY: &[u8] = include_bytes!("data/xenc/rp.key");

const DOC: &str = r#"<r><a ID="x"><b>secret</b></a></r>"#;
const PLAIN: &str = r#"<a ID="x"><b>secret</b></a>"#;
const XENC_NS: &str = r#"xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#""#;
const RM: &str =
    r##"<ds:RetrievalMethod Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey" URI="#ek1"/>"##;

fn rp() -> Certificate {
    Certificate::from_pem(RP_CERT).unwrap()
}

fn keys() -> MemoryKeyResolver {
    let mut k = MemoryKeyResolver::new();
    k.add_named(
        "rp-2026",
        rp(),
        Arc::new(AwsLcRsaKey::from_pem(RP_KEY).unwrap()),
    )
    .unwrap();
    k
}

fn seal(key_info: RecipientKeyInfo) -> String {
    let mut opts = EncryptOptions::default();
    opts.key_info = key_info;
    xenc::encrypt_element(DOC, Some("x"), &rp(), &opts, &OsRandom, &Limits::default()).unwrap()
}

fn dec(doc: &str) -> Result<String, Error> {
    xenc::decrypt_document(
        doc,
        &keys(),
        &DecryptOptions::default(),
        &OsRandom,
        &Limits::default(),
    )
}

/// `sealed` split into (EncryptedData without its inline EncryptedKey, that
/// EncryptedKey with namespaces declared and `Id="ek1"`). `key_info` replaces
/// the EncryptedKey inside the data's KeyInfo.
fn split(sealed: &str, key_info: &str, extra_in_key: &str) -> (String, String) {
    let s = sealed.find("<xenc:EncryptedKey>").unwrap();
    let e = sealed.find("</xenc:EncryptedKey>").unwrap();
    let inner = &sealed[s + "<xenc:EncryptedKey>".len()..e];
    let ek = format!(
        r#"<xenc:EncryptedKey {XENC_NS} Id="ek1">{inner}{extra_in_key}</xenc:EncryptedKey>"#
    );
    let mut data = format!(
        "{}{}{}",
        &sealed[..s],
        key_info,
        &sealed[e + "</xenc:EncryptedKey>".len()..]
    );
    data = data.replacen(
        "<xenc:EncryptedData ",
        r#"<xenc:EncryptedData Id="ed1" "#,
        1,
    );
    (data, ek)
}

/// The xmlsec1 / SAML layout: the EncryptedData points at a peer
/// EncryptedKey after it.
fn peer(key_info: &str, extra_in_key: &str) -> String {
    let (data, ek) = split(&seal(Default::default()), key_info, extra_in_key);
    data.replacen("</r>", &format!("{ek}</r>"), 1)
}

fn data_ref(id: &str) -> String {
    format!(r##"<xenc:ReferenceList><xenc:DataReference URI="#{id}"/></xenc:ReferenceList>"##)
}

#[track_caller]
fn opened(r: Result<String, Error>) -> String {
    let out = r.unwrap();
    assert!(out.contains(PLAIN), "{out}");
    assert!(!out.contains("EncryptedData"), "{out}");
    out
}

#[track_caller]
fn refused(r: Result<String, Error>, want: XencError) {
    match r {
        Err(Error::Xenc(got)) if got == want => {}
        other => panic!("expected {want:?}, got {other:?}"),
    }
}

#[test]
fn retrieval_method_to_a_peer_encrypted_key() {
    let out = opened(dec(&peer(RM, "")));
    // The peer EncryptedKey stays where it was (as xmlsec1 leaves it).
    assert!(
        out.starts_with(&format!("<r>{PLAIN}<xenc:EncryptedKey ")),
        "{out}"
    );
    // With a ReferenceList that names this EncryptedData, too.
    opened(dec(&peer(RM, &data_ref("ed1"))));
    // Before the EncryptedData rather than after it.
    let (data, ek) = split(&seal(Default::default()), RM, "");
    opened(dec(&data.replacen("<r>", &format!("<r>{ek}"), 1)));
}

#[test]
fn a_data_reference_must_name_the_encrypted_data() {
    refused(
        dec(&peer(RM, &data_ref("other"))),
        XencError::Malformed("DataReference does not name this EncryptedData"),
    );
    // An EncryptedData without an Id cannot be named by the list.
    let doc = peer(RM, &data_ref("ed1")).replacen(r#" Id="ed1""#, "", 1);
    refused(
        dec(&doc),
        XencError::Malformed("DataReference does not name this EncryptedData"),
    );
    // A KeyReference means the key encrypts other keys: a chain.
    refused(
        dec(&peer(
            RM,
            r##"<xenc:ReferenceList><xenc:KeyReference URI="#k2"/></xenc:ReferenceList>"##,
        )),
        XencError::NestedEncryptedKey,
    );
    refused(
        dec(&peer(
            RM,
            "<xenc:ReferenceList><xenc:DataReference/></xenc:ReferenceList>",
        )),
        XencError::Malformed("DataReference URI"),
    );
}

#[test]
fn retrieval_method_targets_are_checked() {
    // Missing and duplicate IDs, found with xml::find_by_id in the one tree.
    let missing = peer(RM, "").replacen(r#"Id="ek1""#, r#"Id="ek2""#, 1);
    assert!(matches!(
        dec(&missing),
        Err(Error::Xml(XmlError::UnknownId(_)))
    ));
    let dup = peer(RM, "").replacen("</r>", r#"<z Id="ek1"/></r>"#, 1);
    assert!(matches!(
        dec(&dup),
        Err(Error::Xml(XmlError::DuplicateId(_)))
    ));
    // Pointing at something that is not an EncryptedKey.
    let other = peer(RM, "")
        .replacen(r#"Id="ek1""#, r#"Id="ek2""#, 1)
        .replacen("</r>", r#"<z Id="ek1"/></r>"#, 1);
    refused(dec(&other), XencError::Malformed("RetrievalMethod URI"));
    // Another Type, an external URI, transforms.
    refused(
        dec(&peer(
            &RM.replace("xmlenc#EncryptedKey", "xmldsig#X509Data"),
            "",
        )),
        XencError::Malformed("RetrievalMethod Type"),
    );
    refused(
        dec(&peer(&RM.replace("#ek1", "http://evil/ek"), "")),
        XencError::Malformed("RetrievalMethod URI"),
    );
    let with_transforms = RM.replace(
        "/>",
        "><ds:Transforms><ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"/></ds:Transforms></ds:RetrievalMethod>",
    );
    refused(
        dec(&peer(&with_transforms, "")),
        XencError::Malformed("RetrievalMethod Transforms"),
    );
}

#[test]
fn chains_of_encrypted_keys_are_refused() {
    // The peer EncryptedKey's own key named by a RetrievalMethod (itself, or
    // another EncryptedKey): bounded at one level.
    let selfref = peer(RM, "").replacen("<ds:X509Data>", &format!("{}<ds:X509Data>", RM), 1);
    refused(dec(&selfref), XencError::NestedEncryptedKey);
    // An EncryptedKey whose KeyInfo holds an EncryptedKey.
    let inner = String::from_utf8(
        xenc::encrypt_key(&[1u8; 32], &rp(), &Default::default(), &OsRandom).unwrap(),
    )
    .unwrap();
    let nested = peer(RM, "").replacen("<ds:X509Data>", &format!("{inner}<ds:X509Data>"), 1);
    refused(dec(&nested), XencError::NestedEncryptedKey);
}

#[test]
fn security_token_reference_and_reference_list_layouts() {
    // WS-Security 1.1: the EncryptedData's KeyInfo references the
    // EncryptedKey token by ID.
    let str_ref = r##"<wsse:SecurityTokenReference xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><wsse:Reference URI="#ek1"/></wsse:SecurityTokenReference>"##;
    opened(dec(&peer(str_ref, &data_ref("ed1"))));
    // WS-Security 1.0 header layout: no KeyInfo on the data; the
    // EncryptedKey's ReferenceList names it.
    let sealed = seal(Default::default());
    let (data, ek) = split(&sealed, "", &data_ref("ed1"));
    let data = data.replacen("<ds:KeyInfo></ds:KeyInfo>", "", 1);
    assert!(!data.contains("KeyInfo"), "{data}");
    let doc = data.replacen("<r>", &format!("<r>{ek}"), 1);
    opened(dec(&doc));
    // Without the list nothing names the key.
    let (_, bare_ek) = split(&sealed, "", "");
    refused(
        dec(&data.replacen("<r>", &format!("<r>{bare_ek}"), 1)),
        XencError::NoMatchingKey,
    );
}

#[test]
fn key_name_in_encrypted_data_matches_carried_key_name() {
    let carried = "<xenc:CarriedKeyName>session 1</xenc:CarriedKeyName>";
    opened(dec(&peer("<ds:KeyName> session 1 </ds:KeyName>", carried)));
    opened(dec(&peer(
        "<ds:KeyName>session 1</ds:KeyName>",
        &format!("{}{carried}", data_ref("ed1")),
    )));
    refused(
        dec(&peer("<ds:KeyName>session 2</ds:KeyName>", carried)),
        XencError::NoMatchingKey,
    );
}

#[test]
fn key_name_in_encrypted_key_resolves_through_the_key_resolver() {
    let sealed = seal(RecipientKeyInfo::None);
    let named = |name: &str| {
        sealed.replacen(
            "</xenc:EncryptionMethod><xenc:CipherData>",
            &format!("</xenc:EncryptionMethod><ds:KeyInfo><ds:KeyName>{name}</ds:KeyName></ds:KeyInfo><xenc:CipherData>"),
            1,
        )
    };
    let doc = named("rp-2026");
    assert!(doc.contains("<ds:KeyName>rp-2026</ds:KeyName>"), "{doc}");
    opened(dec(&doc));
    // An unknown name fails with the same fault as any decryption failure.
    let e = dec(&named("rp-2025")).unwrap_err();
    assert!(matches!(e, Error::Xenc(XencError::NoMatchingKey)), "{e:?}");
    assert_uniform(&e);
}

/// The fault a peer sees: identical to a decryption failure's.
#[track_caller]
fn assert_uniform(e: &Error) {
    let uniform = Fault::from(&Error::Xenc(XencError::DecryptionFailed));
    let f = Fault::from(e);
    assert_eq!(f, uniform, "{e:?}");
    assert_eq!(f.to_string(), uniform.to_string());
}

#[test]
fn saml_encrypted_assertion_with_a_peer_key() {
    // OpenSAML / xmlsec1 style: EncryptedData and EncryptedKey are siblings
    // in EncryptedAssertion, linked by RetrievalMethod.
    let assertion = r#"<p><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_s" Version="2.0"/></p>"#;
    let sealed = xenc::encrypt_element(
        assertion,
        Some("_s"),
        &rp(),
        &Default::default(),
        &OsRandom,
        &Limits::default(),
    )
    .unwrap();
    let (data, ek) = split(&sealed, RM, &data_ref("ed1"));
    let doc = data.replacen(
        "</saml2:EncryptedAssertion>",
        &format!("{ek}</saml2:EncryptedAssertion>"),
        1,
    );
    let out = dec(&doc).unwrap();
    assert_eq!(
        out,
        r#"<p><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_s" Version="2.0"></saml2:Assertion></p>"#
    );
}

#[test]
fn key_info_entries_are_bounded() {
    // Many KeyNames would each scan the document for a CarriedKeyName.
    let names = "<ds:KeyName>n</ds:KeyName>".repeat(xenc::MAX_KEY_REFERENCES + 1);
    refused(
        dec(&peer(&names, "")),
        XencError::TooLarge("key references"),
    );
    let names = "<ds:KeyName>n</ds:KeyName>".repeat(xenc::MAX_KEY_REFERENCES - 1);
    opened(dec(&peer(&format!("{names}{RM}"), "")));
}
