//! Interop with a real peer: xmlsec1 (libxmlsec1/libxml2) verifies what we
//! sign, and we verify what xmlsec1 signs. `.ci/run` installs xmlsec1; these
//! tests fail (not skip) without it.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use wstrust::dsig::{
    self, DigestAlgorithm, KeyInfo, SignOptions, SignatureAlgorithm, SigningKey, Trust,
};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::xml::{self, ns};
use wstrust::Limits;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn key() -> AwsLcRsaKey {
    AwsLcRsaKey::from_pem(&std::fs::read(data("signer.key.pem")).unwrap()).unwrap()
}

fn cert() -> Certificate {
    Certificate::from_pem(&std::fs::read(data("signer.cert.pem")).unwrap()).unwrap()
}

fn vector(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/vectors")
            .join(name),
    )
    .unwrap()
}

/// Run xmlsec1 with `args` and the file holding `doc` last; return
/// (success, stderr).
fn xmlsec1(args: &[&str], doc: &str) -> (bool, String, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.xml");
    std::fs::write(&file, doc).unwrap();
    let out = Command::new("xmlsec1")
        .args(args)
        .arg(&file)
        .output()
        .expect("xmlsec1 must be installed (see .ci/run)");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.stdout,
    )
}

fn xmlsec1_verify(doc: &str, id_attrs: &[&str]) {
    let cert = data("signer.cert.pem");
    let mut args = vec!["--verify", "--pubkey-cert-pem", cert.to_str().unwrap()];
    for a in id_attrs {
        args.push(a.split_once(' ').unwrap().0);
        args.push(a.split_once(' ').unwrap().1);
    }
    let (ok, err, _) = xmlsec1(&args, doc);
    assert!(ok, "xmlsec1 refused our signature:\n{err}\n{doc}");
    // And xmlsec1 does notice tampering (the check is real).
    let tampered = doc.replacen("https://sts.example/", "https://evil.example/", 1);
    assert_ne!(tampered, doc);
    let (ok, _, _) = xmlsec1(&args, &tampered);
    assert!(!ok, "xmlsec1 accepted a tampered document");
}

const SAML2_ID: &str = "--id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion";
const SAML1_ID: &str = "--id-attr:AssertionID urn:oasis:names:tc:SAML:1.0:assertion:Assertion";

#[test]
fn xmlsec1_verifies_our_saml2_assertions() {
    // The c14n corpus's RSTR: a SAML 2.0 assertion nested in WS-Trust markup,
    // with comments, xs: QNames in attribute values and inherited namespaces.
    let text = vector("c14n/saml2.xml");
    let id = "_a75adf55-01d7-40cc-929f-dbd8372ebdfc";
    let key = key();
    let cert = cert();
    for (algorithm, digest, prefixes) in [
        (
            SignatureAlgorithm::RsaSha256,
            DigestAlgorithm::Sha256,
            &[][..],
        ),
        (
            SignatureAlgorithm::RsaSha512,
            DigestAlgorithm::Sha512,
            &["xs"][..],
        ),
        (
            SignatureAlgorithm::RsaSha256,
            DigestAlgorithm::Sha1,
            &["xs", "#default"][..],
        ),
    ] {
        let opts = SignOptions {
            algorithm,
            digest,
            key_info: KeyInfo::X509Certificate(&cert),
            inclusive_prefixes: prefixes,
            ..Default::default()
        };
        let signed = dsig::sign_enveloped(
            &text,
            Some(id),
            SigningKey::Rsa(&key),
            &opts,
            &Limits::default(),
        )
        .unwrap();
        xmlsec1_verify(&signed, &[SAML2_ID]);
    }
}

#[cfg(feature = "hazmat-rsa-private-key")]
#[test]
fn xmlsec1_verifies_our_rsa_sha1() {
    let key =
        wstrust::keys::HazmatRsaCrateKey::from_pem(&std::fs::read(data("signer.key.pem")).unwrap())
            .unwrap();
    let text = vector("c14n/saml11.xml");
    let opts = SignOptions {
        algorithm: SignatureAlgorithm::RsaSha1,
        digest: DigestAlgorithm::Sha1,
        ..Default::default()
    };
    let signed = dsig::sign_enveloped(
        &text,
        Some("_b1"),
        SigningKey::Rsa(&key),
        &opts,
        &Limits::default(),
    )
    .unwrap();
    xmlsec1_verify(&signed, &[SAML1_ID]);
}

#[test]
fn xmlsec1_verifies_our_saml11_assertion() {
    let text = vector("c14n/saml11.xml");
    let key = key();
    let signed = dsig::sign_enveloped(
        &text,
        Some("_b1"),
        SigningKey::Rsa(&key),
        &SignOptions::default(),
        &Limits::default(),
    )
    .unwrap();
    // SAML 1.1: the signature is the assertion's last child.
    let doc = xml::parse(&signed, &Limits::default()).unwrap();
    let a = xml::find_by_id(&doc, "_b1").unwrap();
    let last = a.last_element_child().unwrap();
    assert!(last.has_tag_name((ns::DS, "Signature")));
    xmlsec1_verify(&signed, &[SAML1_ID]);
}

const ENVELOPE: &str = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
  <s:Header>
    <a:Action s:mustUnderstand="1" u:Id="_2">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue</a:Action>
    <a:To s:mustUnderstand="1" u:Id="_3">https://sts.example/</a:To>
    <o:Security xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" s:mustUnderstand="1">
      <u:Timestamp u:Id="_0"><u:Created>2026-11-22T20:00:00Z</u:Created><u:Expires>2026-11-22T20:05:00Z</u:Expires></u:Timestamp>
    </o:Security>
  </s:Header>
  <s:Body u:Id="_1"><trust:RequestSecurityToken xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><trust:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</trust:RequestType></trust:RequestSecurityToken></s:Body>
</s:Envelope>"#;

const SOAP_ID_ATTRS: &[&str] = &[
    "--id-attr:Id http://www.w3.org/2003/05/soap-envelope:Body",
    "--id-attr:Id http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd:Timestamp",
    "--id-attr:Id http://www.w3.org/2005/08/addressing:Action",
    "--id-attr:Id http://www.w3.org/2005/08/addressing:To",
];

#[test]
fn xmlsec1_verifies_our_soap_signature_with_several_references() {
    let limits = Limits::default();
    let doc = xml::parse(ENVELOPE, &limits).unwrap();
    let key = key();
    let cert = cert();
    let sig = dsig::sign_detached(
        &doc,
        &["_0", "_1", "_2", "_3"],
        SigningKey::Rsa(&key),
        &SignOptions {
            key_info: KeyInfo::X509Certificate(&cert),
            ..Default::default()
        },
        &limits,
    )
    .unwrap();
    let placed = ENVELOPE.replace(
        "</u:Timestamp>",
        &format!("</u:Timestamp>{}", std::str::from_utf8(&sig).unwrap()),
    );
    let (ok, err, _) = xmlsec1(
        &[
            "--verify",
            "--pubkey-cert-pem",
            data("signer.cert.pem").to_str().unwrap(),
            SOAP_ID_ATTRS[0].split_once(' ').unwrap().0,
            SOAP_ID_ATTRS[0].split_once(' ').unwrap().1,
            SOAP_ID_ATTRS[1].split_once(' ').unwrap().0,
            SOAP_ID_ATTRS[1].split_once(' ').unwrap().1,
            SOAP_ID_ATTRS[2].split_once(' ').unwrap().0,
            SOAP_ID_ATTRS[2].split_once(' ').unwrap().1,
            SOAP_ID_ATTRS[3].split_once(' ').unwrap().0,
            SOAP_ID_ATTRS[3].split_once(' ').unwrap().1,
        ],
        &placed,
    );
    assert!(ok, "xmlsec1 refused:\n{err}");
    assert!(err.contains("References (ok/all): 4/4"), "{err}");
    // Tampering with one header is noticed.
    let tampered = placed.replace("https://sts.example/", "https://evil.example/");
    let mut args = vec!["--verify", "--pubkey-cert-pem"];
    let c = data("signer.cert.pem");
    args.push(c.to_str().unwrap());
    for a in SOAP_ID_ATTRS {
        let (k, v) = a.split_once(' ').unwrap();
        args.push(k);
        args.push(v);
    }
    assert!(!xmlsec1(&args, &tampered).0);
}

#[test]
fn xmlsec1_verifies_our_hmac_signature() {
    let hkey = [0x3cu8; 32];
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("hmac.bin");
    std::fs::write(&key_file, hkey).unwrap();
    let text = vector("c14n/saml2.xml");
    let opts = SignOptions {
        algorithm: SignatureAlgorithm::HmacSha256,
        ..Default::default()
    };
    let signed = dsig::sign_enveloped(
        &text,
        Some("_a75adf55-01d7-40cc-929f-dbd8372ebdfc"),
        SigningKey::Hmac(&hkey),
        &opts,
        &Limits::default(),
    )
    .unwrap();
    let (k, v) = SAML2_ID.split_once(' ').unwrap();
    let (ok, err, _) = xmlsec1(
        &["--verify", "--hmackey", key_file.to_str().unwrap(), k, v],
        &signed,
    );
    assert!(ok, "{err}");
}

/// A SAML 2.0 assertion with a signature template for xmlsec1 to fill in.
fn saml2_template(c14n: &str, transform: &str) -> String {
    format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="_x1" IssueInstant="2026-11-22T20:00:00Z" Version="2.0">
  <saml:Issuer>https://sts.example/</saml:Issuer>
  <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">
    <ds:SignedInfo>
      <ds:CanonicalizationMethod Algorithm="{c14n}"/>
      <ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>
      <ds:Reference URI="#_x1">
        <ds:Transforms>
          <ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
          <ds:Transform Algorithm="{transform}"/>
        </ds:Transforms>
        <ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
        <ds:DigestValue/>
      </ds:Reference>
    </ds:SignedInfo>
    <ds:SignatureValue/>
    <ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo>
  </ds:Signature>
  <saml:Subject><saml:NameID>alice<!-- a comment -->@example</saml:NameID></saml:Subject>
  <saml:AttributeStatement><saml:Attribute Name="role"><saml:AttributeValue xsi:type="xs:string">a &amp; b</saml:AttributeValue></saml:Attribute></saml:AttributeStatement>
</saml:Assertion>
"##
    )
}

fn xmlsec1_sign(template: &str, id_attrs: &[&str]) -> String {
    let key = data("signer.key.pem");
    let cert = data("signer.cert.pem");
    let key_arg = format!("{},{}", key.display(), cert.display());
    let mut args = vec!["--sign", "--privkey-pem", key_arg.as_str()];
    for a in id_attrs {
        let (k, v) = a.split_once(' ').unwrap();
        args.push(k);
        args.push(v);
    }
    let (ok, err, out) = xmlsec1(&args, template);
    assert!(ok, "xmlsec1 --sign failed: {err}");
    String::from_utf8(out).unwrap()
}

#[test]
fn we_verify_what_xmlsec1_signs() {
    let exc = "http://www.w3.org/2001/10/xml-exc-c14n#";
    let exc_c = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
    let inc = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
    let trusted = [cert()];
    let trust = Trust::certificates(&trusted);
    let limits = Limits::default();
    for (c14n, transform) in [(exc, exc), (inc, inc), (exc, exc_c), (inc, exc)] {
        let signed = xmlsec1_sign(&saml2_template(c14n, transform), &[SAML2_ID]);
        let doc = xml::parse(&signed, &limits).unwrap();
        let v = dsig::verify_enveloped(&doc, doc.root_element(), &trust, &limits)
            .unwrap_or_else(|e| panic!("{c14n} / {transform}: {e}\n{signed}"));
        let name = v
            .element()
            .descendants()
            .find(|n| n.has_tag_name((ns::SAML2, "NameID")))
            .unwrap();
        assert_eq!(xml::whole_text(name), "alice@example");
        // Tampering is noticed.
        let t = signed.replace("a &amp; b", "a &amp; c");
        let doc = xml::parse(&t, &limits).unwrap();
        assert!(dsig::verify_enveloped(&doc, doc.root_element(), &trust, &limits).is_err());
    }
}

#[test]
fn we_verify_xmlsec1_soap_signature() {
    // The middle reference's digest: SHA-384 (on by default), or SHA-1
    // (only with `Trust::allow_sha1`).
    for middle in [
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
        "http://www.w3.org/2000/09/xmldsig#sha1",
    ] {
        let template = ENVELOPE.replace(
            "</u:Timestamp>",
            &r##"</u:Timestamp><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#_0"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference><ds:Reference URI="#_1"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="MIDDLE"/><ds:DigestValue/></ds:Reference><ds:Reference URI="#_2"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha512"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>"##
                .replace("MIDDLE", middle),
        );
        let signed = xmlsec1_sign(&template, SOAP_ID_ATTRS);
        let limits = Limits::default();
        let doc = xml::parse(&signed, &limits).unwrap();
        let keys = [key().public_key().clone()];
        use wstrust::keys::PrivateKey as _;
        let sig = dsig::signatures(&doc).next().unwrap();
        let strict = dsig::verify(&doc, sig, &Trust::public_keys(&keys), &limits);
        let sha1 = middle.ends_with("#sha1");
        assert_eq!(strict.is_ok(), !sha1, "{middle}");
        let v = dsig::verify(&doc, sig, &Trust::public_keys(&keys).allow_sha1(), &limits).unwrap();
        assert_eq!(v.ids().collect::<Vec<_>>(), ["_0", "_1", "_2"]);
    }
}

#[test]
fn committed_xmlsec1_vector_verifies() {
    // Signed once by xmlsec1 and committed, so this check needs no xmlsec1.
    let text = vector("dsig/xmlsec1-saml2.xml");
    let limits = Limits::default();
    let doc = xml::parse(&text, &limits).unwrap();
    let trusted = [cert()];
    let v = dsig::verify_enveloped(
        &doc,
        doc.root_element(),
        &Trust::certificates(&trusted),
        &limits,
    )
    .unwrap();
    assert_eq!(v.ids().collect::<Vec<_>>(), ["_x1"]);
}
