//! Token issuance end to end through the sans-I/O entry point: SOAP request
//! bytes in, RSTR out, for token type (SAML 1.1, 2.0) x key type (bearer,
//! symmetric fresh and computed, public key by value and by reference,
//! sender-vouches) x WS-Trust version (2005/02, 1.3, 1.4); the issued
//! signatures verified and the encrypted tokens and holder-of-key keys
//! decrypted by xmlsec1 with the relying party's key; every assertion valid
//! against the OASIS schema (xmllint, `tests/vectors/schemas/`); the relying
//! party's HoK key equal to the client's proof key (in clear, computed, or
//! an EncryptedKey for `ProofEncryption`); and every bad input of the issue
//! with its fault.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use std::process::Command;
use std::sync::Arc;
use time::macros::datetime;
use time::OffsetDateTime;
use wstrust::audit::MemoryAudit;
use wstrust::config::StsConfig;
use wstrust::confirm::p_sha1;
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{FixedClock, MemoryKeyResolver, MemoryUserStore, OsRandom};
use wstrust::rp::{RelyingParties, RelyingParty};
use wstrust::service::TransportContext;
use wstrust::sts::Sts;
use wstrust::wst::{KeyType, Version};
use wstrust::xenc::{DataAlgorithm, KeyTransport};
use wstrust::xml::ns;
use wstrust::{xenc, xml, Limits};

const NOW: OffsetDateTime = datetime!(2027-01-15 12:00 UTC);
const WSSE: &str = ns::WSSE;
const WSU: &str = ns::WSU;
const PASSWORD_TEXT: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
const RP_ENC: &str = "https://rp.example/encrypted";
const RP_PLAIN: &str = "https://rp.example/plain";
const RP_NOCERT: &str = "https://rp.example/nocert";

fn path(p: &str) -> String {
    format!("{}/tests/data/{p}", env!("CARGO_MANIFEST_DIR"))
}
fn read(p: &str) -> Vec<u8> {
    std::fs::read(path(p)).unwrap()
}

fn sts_with(audit: Arc<MemoryAudit>, f: impl FnOnce(&mut RelyingParties)) -> Sts {
    let rp_cert = Certificate::from_pem(&read("xenc/rp.pem")).unwrap();
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(RP_ENC).certificate(rp_cert.clone()));
    rps.add(
        RelyingParty::new(RP_PLAIN)
            .certificate(rp_cert)
            .encrypt(false),
    );
    rps.add(RelyingParty::new(RP_NOCERT));
    f(&mut rps);
    let config = StsConfig::builder()
        .issuer("https://sts.example/")
        .signing_key(
            Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
            Certificate::from_pem(&read("signer.cert.pem")).unwrap(),
        )
        .users(Arc::new(MemoryUserStore::demo()))
        .relying_parties(rps)
        .clock(Arc::new(FixedClock::new(NOW)))
        .audit(audit)
        .trusted_intermediary("admin")
        .build()
        .unwrap();
    Sts::new(config)
}

/// An STS for `rps` under `policy` (the demo users, the test clock).
fn sts_with_policy(rps: RelyingParties, policy: wstrust::policy::StandardPolicy) -> Sts {
    let config = StsConfig::builder()
        .issuer("https://sts.example/")
        .signing_key(
            Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
            Certificate::from_pem(&read("signer.cert.pem")).unwrap(),
        )
        .users(Arc::new(MemoryUserStore::demo()))
        .relying_parties(rps)
        .policy(Arc::new(policy))
        .clock(Arc::new(FixedClock::new(NOW)))
        .build()
        .unwrap();
    Sts::new(config)
}

fn sts() -> Sts {
    sts_with(Arc::new(MemoryAudit::default()), |_| {})
}

fn tls() -> TransportContext {
    TransportContext {
        tls: true,
        ..TransportContext::default()
    }
}

fn security(user: &str, password: &str) -> String {
    format!(
        r#"<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsu:Timestamp wsu:Id="TS"><wsu:Created>2027-01-15T12:00:00Z</wsu:Created><wsu:Expires>2027-01-15T12:05:00Z</wsu:Expires></wsu:Timestamp><wsse:UsernameToken><wsse:Username>{user}</wsse:Username><wsse:Password Type="{PASSWORD_TEXT}">{password}</wsse:Password></wsse:UsernameToken></wsse:Security>"#
    )
}

/// A SOAP 1.2 (or 1.1) Issue request in `v` with `inner` RST children.
fn request(v: Version, soap11: bool, inner: &str) -> String {
    let soap = if soap11 { ns::SOAP11 } else { ns::SOAP12 };
    let extra14 = if v == Version::Trust14 {
        r#"<t14:KeyWrapAlgorithm xmlns:t14="http://docs.oasis-open.org/ws-sx/ws-trust/200802">http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p</t14:KeyWrapAlgorithm>"#
    } else {
        ""
    };
    format!(
        r#"<s:Envelope xmlns:s="{soap}"><s:Header>{}</s:Header><s:Body><t:RequestSecurityToken xmlns:t="{ns}"><t:RequestType>{ns}/Issue</t:RequestType>{inner}{extra14}</t:RequestSecurityToken></s:Body></s:Envelope>"#,
        security("alice", "alice-password"),
        ns = v.namespace()
    )
}

fn applies_to(addr: &str) -> String {
    format!(
        r#"<wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{addr}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>"#
    )
}

fn call(sts: &Sts, req: &str) -> (u16, String) {
    let r = sts.handle_soap(req.as_bytes(), &tls());
    (r.http_status, String::from_utf8(r.body).unwrap())
}

/// The exact bytes of the first element named `name` (any namespace).
fn element<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let doc = roxmltree::Document::parse(text).unwrap();
    let r = doc
        .descendants()
        .find(|n| n.tag_name().name() == name)?
        .range();
    Some(&text[r])
}

fn first_child<'a>(text: &'a str, name: &str) -> &'a str {
    let doc = roxmltree::Document::parse(text).unwrap();
    let n = doc
        .descendants()
        .find(|n| n.tag_name().name() == name)
        .unwrap()
        .first_element_child()
        .unwrap();
    let r = n.range();
    &text[r]
}

fn text_of(text: &str, name: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(text).unwrap();
    let n = doc.descendants().find(|n| n.tag_name().name() == name)?;
    Some(xml::whole_text(n).trim().to_owned())
}

fn fault_code(body: &str) -> String {
    let doc = roxmltree::Document::parse(body).unwrap();
    doc.descendants()
        .rfind(|n| matches!(n.tag_name().name(), "Value" | "faultcode"))
        .map(|n| xml::whole_text(n).trim().to_owned())
        .unwrap_or_default()
}

/// Text of the first `name` element inside the first `parent` element.
fn text_under(text: &str, parent: &str, name: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(text).unwrap();
    let p = doc.descendants().find(|n| n.tag_name().name() == parent)?;
    let n = p.descendants().find(|n| n.tag_name().name() == name)?;
    Some(xml::whole_text(n).trim().to_owned())
}

fn tmp(name: &str, content: &[u8]) -> tempfile::TempPath {
    let mut f = tempfile::Builder::new().prefix(name).tempfile().unwrap();
    std::io::Write::write_all(&mut f, content).unwrap();
    f.into_temp_path()
}

fn xmlsec_verify(assertion: &str, v11: bool) {
    let file = tmp("assertion", assertion.as_bytes());
    let id_attr = if v11 {
        [
            "--id-attr:AssertionID",
            "urn:oasis:names:tc:SAML:1.0:assertion:Assertion",
        ]
    } else {
        [
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        ]
    };
    let out = Command::new("xmlsec1")
        .args([
            "--verify",
            "--enabled-key-data",
            "x509",
            "--pubkey-cert-pem",
        ])
        .arg(path("signer.cert.pem"))
        .args(id_attr)
        .arg(&*file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xmlsec1 verify failed: {}\n{assertion}",
        String::from_utf8_lossy(&out.stderr)
    );
    // and a tampered copy fails
    let tampered = assertion.replacen("NotOnOrAfter=\"2027", "NotOnOrAfter=\"2028", 1);
    assert_ne!(tampered, assertion);
    let file = tmp("tampered", tampered.as_bytes());
    let out = Command::new("xmlsec1")
        .args([
            "--verify",
            "--enabled-key-data",
            "x509",
            "--pubkey-cert-pem",
        ])
        .arg(path("signer.cert.pem"))
        .args(id_attr)
        .arg(&*file)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

fn xmlsec_decrypt(encrypted: &str) -> String {
    let file = tmp("enc", encrypted.as_bytes());
    let out = Command::new("xmlsec1")
        .args(["--decrypt", "--privkey-pem"])
        .arg(path("xenc/rp.key"))
        .arg(&*file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "xmlsec1 decrypt failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Whether xmllint is there; outside CI its absence skips the schema
/// checks with a message, with `CI=true` it fails.
fn have_xmllint() -> bool {
    let ok = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").map_or(true, |v| v != "true"),
            "CI=true but xmllint (libxml2-utils) is missing"
        );
        eprintln!("xmllint not installed: schema checks skipped");
    }
    ok
}

/// The assertion is valid against the OASIS schema of its version (with
/// XML Signature and XML Encryption imported), checked by xmllint offline.
fn schema_valid(assertion: &str, v11: bool) {
    if !have_xmllint() {
        return;
    }
    let schema = format!(
        "{}/tests/vectors/schemas/{}",
        env!("CARGO_MANIFEST_DIR"),
        if v11 {
            "oasis-sstc-saml-schema-assertion-1.1.xsd"
        } else {
            "saml-schema-assertion-2.0.xsd"
        }
    );
    let file = tmp("schema", assertion.as_bytes());
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(&*file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "assertion not schema-valid: {}\n{assertion}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The check can fail: without its required ID attribute it is invalid.
    let id = if v11 { " AssertionID=\"" } else { " ID=\"" };
    assert!(assertion.contains(id));
    let broken = tmp("broken", assertion.replacen(id, " Other=\"", 1).as_bytes());
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(&schema)
        .arg(&*broken)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "xmllint accepted an invalid assertion"
    );
}

fn b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s.split_whitespace().collect::<String>())
        .unwrap()
}

/// The key the relying party recovers from the assertion's
/// SubjectConfirmation KeyInfo (xenc:EncryptedKey) with its private key.
fn rp_hok_key(assertion: &str) -> Vec<u8> {
    let mut keys = MemoryKeyResolver::new();
    keys.add(
        Certificate::from_pem(&read("xenc/rp.pem")).unwrap(),
        Arc::new(AwsLcRsaKey::from_pem(&read("xenc/rp.key")).unwrap()),
    )
    .unwrap();
    let doc = xml::parse(assertion, &Limits::default()).unwrap();
    let ek = doc
        .descendants()
        .find(|n| n.has_tag_name((ns::XENC, "EncryptedKey")))
        .unwrap();
    xenc::decrypt_key(ek, &keys, &Default::default())
        .unwrap()
        .as_bytes()
        .to_vec()
}

#[derive(Clone, Copy, Debug)]
enum Key {
    Bearer,
    SymFresh,
    SymComputed,
}

#[test]
fn issue_matrix_token_type_key_type_version() {
    let sts = sts();
    let versions = [Version::Trust2005, Version::Trust13, Version::Trust14];
    let tts = [
        ("urn:oasis:names:tc:SAML:2.0:assertion", false),
        (
            "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1",
            true,
        ),
    ];
    let client_entropy = [0x5au8; 32];
    for v in versions {
        for (tt, v11) in tts {
            for key in [Key::Bearer, Key::SymFresh, Key::SymComputed] {
                for rp in [RP_PLAIN, RP_ENC] {
                    let kt = match key {
                        Key::Bearer => v.key_type_uri(KeyType::Bearer),
                        _ => v.key_type_uri(KeyType::SymmetricKey),
                    };
                    let mut inner = format!(
                        "<t:TokenType>{tt}</t:TokenType>{}<t:KeyType>{kt}</t:KeyType>",
                        applies_to(rp)
                    );
                    if let Key::SymComputed = key {
                        inner += &format!(
                            r#"<t:Entropy><t:BinarySecret Type="{}/Nonce">{}</t:BinarySecret></t:Entropy><t:ComputedKeyAlgorithm>{}</t:ComputedKeyAlgorithm>"#,
                            v.namespace(),
                            base64::engine::general_purpose::STANDARD.encode(client_entropy),
                            v.psha1_uri()
                        );
                    }
                    let req = request(v, v == Version::Trust2005, &inner);
                    let (status, body) = call(&sts, &req);
                    let what = format!("{v:?} {tt} {key:?} {rp}");
                    assert_eq!(status, 200, "{what}: {body}");
                    // RSTR shape in the request's versions
                    let doc = roxmltree::Document::parse(&body).unwrap();
                    let soap = if v == Version::Trust2005 {
                        ns::SOAP11
                    } else {
                        ns::SOAP12
                    };
                    assert_eq!(doc.root_element().tag_name().namespace(), Some(soap));
                    let rstr = doc
                        .descendants()
                        .find(|n| n.has_tag_name((v.namespace(), "RequestSecurityTokenResponse")))
                        .unwrap_or_else(|| panic!("{what}: {body}"));
                    let _ = rstr;
                    assert_eq!(text_of(&body, "TokenType").as_deref(), Some(tt), "{what}");
                    assert!(element(&body, "RequestedAttachedReference").is_some());
                    assert!(element(&body, "RequestedUnattachedReference").is_some());
                    assert_eq!(
                        text_of(&body, "Created").as_deref(),
                        Some("2027-01-15T12:00:00.000Z")
                    );
                    assert_eq!(
                        text_of(&body, "Expires").as_deref(),
                        Some("2027-01-15T13:00:00.000Z")
                    );
                    assert_eq!(text_of(&body, "Address").as_deref(), Some(rp));

                    let token = first_child(&body, "RequestedSecurityToken");
                    let assertion = if rp == RP_ENC {
                        assert!(!token.contains("alice"), "{what}: token readable");
                        let plain = xmlsec_decrypt(token);
                        let a = element(&plain, "Assertion").unwrap().to_owned();
                        a
                    } else {
                        token.to_owned()
                    };
                    let adoc = roxmltree::Document::parse(&assertion).unwrap();
                    let saml_ns = if v11 { ns::SAML1 } else { ns::SAML2 };
                    assert!(adoc.root_element().has_tag_name((saml_ns, "Assertion")));
                    let id = adoc
                        .root_element()
                        .attribute(if v11 { "AssertionID" } else { "ID" })
                        .unwrap();
                    assert_eq!(text_of(&body, "KeyIdentifier").as_deref(), Some(id));
                    xmlsec_verify(&assertion, v11);
                    schema_valid(&assertion, v11);
                    assert_eq!(text_of(&assertion, "Audience").as_deref(), Some(rp));

                    match key {
                        Key::Bearer => {
                            assert!(assertion.contains(":cm:bearer"), "{what}");
                            assert!(element(&body, "RequestedProofToken").is_none());
                        }
                        Key::SymFresh => {
                            assert!(assertion.contains(":cm:holder-of-key"), "{what}");
                            let proof =
                                text_under(&body, "RequestedProofToken", "BinarySecret").unwrap();
                            let client_key = b64(&proof);
                            assert_eq!(client_key.len(), 32);
                            assert_eq!(rp_hok_key(&assertion), client_key, "{what}");
                            assert_eq!(text_of(&body, "KeySize").as_deref(), Some("256"));
                            xmlsec_unwraps_hok(&assertion, &client_key);
                        }
                        Key::SymComputed => {
                            let ck = text_of(&body, "ComputedKey").unwrap();
                            assert_eq!(ck, v.psha1_uri());
                            let server =
                                b64(&text_under(&body, "Entropy", "BinarySecret").unwrap());
                            let client_key = p_sha1(&client_entropy, &server, 32);
                            assert_eq!(rp_hok_key(&assertion), &client_key[..], "{what}");
                            xmlsec_unwraps_hok(&assertion, &client_key);
                        }
                    }
                }
            }
        }
    }
}

fn issue_fault(sts: &Sts, v: Version, inner: &str) -> String {
    let (status, body) = call(sts, &request(v, false, inner));
    assert_eq!(status, 500, "{body}");
    fault_code(&body)
}

#[test]
fn bad_inputs_get_the_right_fault() {
    let sts = sts();
    let v = Version::Trust13;
    let sym = v.key_type_uri(KeyType::SymmetricKey);
    let at = applies_to(RP_PLAIN);
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "unknown TokenType",
            format!("<t:TokenType>urn:unknown:token</t:TokenType>{at}"),
            "BadRequest",
        ),
        (
            "unknown KeyType",
            format!("<t:KeyType>urn:unknown:keytype</t:KeyType>{at}"),
            "BadRequest",
        ),
        (
            "KeySize out of range",
            format!("{at}<t:KeyType>{sym}</t:KeyType><t:KeySize>4096</t:KeySize>"),
            "InvalidRequest",
        ),
        (
            "entropy of the wrong size",
            format!(
                r#"{at}<t:KeyType>{sym}</t:KeyType><t:Entropy><t:BinarySecret>AAAA</t:BinarySecret></t:Entropy>"#
            ),
            "InvalidRequest",
        ),
        (
            "UseKey without proof",
            format!(
                r#"{at}<t:KeyType>{}</t:KeyType><t:UseKey><wsse:BinarySecurityToken xmlns:wsse="{WSSE}" ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3">{}</wsse:BinarySecurityToken></t:UseKey>"#,
                v.key_type_uri(KeyType::PublicKey),
                base64::engine::general_purpose::STANDARD.encode(
                    Certificate::from_pem(&read("auth/client.cert.pem"))
                        .unwrap()
                        .der()
                )
            ),
            "FailedAuthentication",
        ),
        (
            "OnBehalfOf from an untrusted intermediary",
            format!(
                r#"{at}<t:OnBehalfOf><wsse:UsernameToken xmlns:wsse="{WSSE}"><wsse:Username>admin</wsse:Username></wsse:UsernameToken></t:OnBehalfOf>"#
            ),
            "FailedAuthentication",
        ),
        (
            "AppliesTo of an unregistered party",
            applies_to("https://evil.example/"),
            "InvalidScope",
        ),
        (
            "lifetime beyond the maximum",
            format!(
                r#"{at}<t:Lifetime><wsu:Created xmlns:wsu="{WSU}">2027-01-15T12:00:00Z</wsu:Created><wsu:Expires xmlns:wsu="{WSU}">2027-01-16T12:00:00Z</wsu:Expires></t:Lifetime>"#
            ),
            "InvalidTimeRange",
        ),
        (
            "symmetric key for a party without certificate",
            format!("{}<t:KeyType>{sym}</t:KeyType>", applies_to(RP_NOCERT)),
            "RequestFailed",
        ),
        (
            "signature algorithm not allowed",
            format!("{at}<t:SignatureAlgorithm>http://www.w3.org/2000/09/xmldsig#rsa-sha1</t:SignatureAlgorithm>"),
            "UnsupportedAlgorithm",
        ),
        (
            "missing required claim",
            format!(
                r#"{at}<t:Claims Dialect="http://schemas.xmlsoap.org/ws/2005/05/identity"><i:ClaimType xmlns:i="http://schemas.xmlsoap.org/ws/2005/05/identity" Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/country"/></t:Claims>"#
            ),
            "RequestFailed",
        ),
    ];
    for (what, inner, code) in cases {
        let got = issue_fault(&sts, v, &inner);
        assert!(got.ends_with(code), "{what}: got {got}, want {code}");
    }
}

/// Item 4 of issue 17: a pattern party matched on the parsed URL, end to
/// end: look-alikes get `wst:InvalidScope`, the token's audience is the
/// requested address (never the pattern).
#[test]
fn applies_to_look_alikes_of_a_pattern_get_invalid_scope() {
    let sts = sts_with(Arc::new(MemoryAudit::default()), |rps| {
        rps.add(RelyingParty::pattern("https://*.partner.example/*"));
    });
    let v = Version::Trust13;
    for bad in [
        "https://evil.example/x.partner.example/y",
        "https://hr.partner.example@evil.example/",
        "https://evil.example@hr.partner.example/",
        "https://hr.partner.example:8443/",
        "https://hr.partner.example.evil.example/",
        "https://hr.partner.example/x?y",
        "https://hr.partner.example/x#y",
        "https://hr.partner.exampl%65/",
        "https://rp.example/encrypted%2F",
        "https://rp.example:443@evil.example/encrypted",
    ] {
        let got = issue_fault(&sts, v, &applies_to(bad));
        assert!(got.ends_with("InvalidScope"), "{bad}: {got}");
    }
    for good in [
        "https://hr.partner.example/portal",
        "https://HR.Partner.Example:443/portal",
        "https://hr.partner.example./",
    ] {
        let (status, body) = call(&sts, &request(v, false, &applies_to(good)));
        assert_eq!(status, 200, "{good}: {body}");
        assert_eq!(text_of(&body, "Audience").as_deref(), Some(good));
    }
    // and the exact party under its normalised forms
    let (status, body) = call(
        &sts,
        &request(v, false, &applies_to("https://RP.example:443/%70lain/")),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn bad_relying_party_patterns_fail_the_build() {
    let config = |rp: RelyingParty| {
        let mut rps = RelyingParties::new();
        rps.add(rp);
        StsConfig::builder()
            .issuer("https://sts.example/")
            .signing_key(
                Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
                Certificate::from_pem(&read("signer.cert.pem")).unwrap(),
            )
            .users(Arc::new(MemoryUserStore::demo()))
            .relying_parties(rps)
            .build()
    };
    for p in [
        "https://*partner.example/*",
        "https://hr.*.example/",
        "https://user@*.partner.example/",
    ] {
        let e = config(RelyingParty::pattern(p)).unwrap_err();
        assert!(e.to_string().contains("pattern"), "{p}: {e}");
    }
    assert!(config(RelyingParty::pattern("https://*.partner.example/*")).is_ok());
}

/// The `Algorithm` of each `xenc:EncryptionMethod` in `token`: the data
/// algorithm (of `EncryptedData`) and the key transport (of `EncryptedKey`).
fn encryption_methods(token: &str) -> (String, String) {
    let doc = roxmltree::Document::parse(token).unwrap();
    let method = |parent: &str| {
        doc.descendants()
            .find(|n| n.has_tag_name((ns::XENC, parent)))
            .and_then(|n| {
                n.children()
                    .find(|c| c.has_tag_name((ns::XENC, "EncryptionMethod")))
            })
            .and_then(|m| m.attribute("Algorithm"))
            .unwrap_or_else(|| panic!("no {parent} EncryptionMethod in {token}"))
            .to_owned()
    };
    (method("EncryptedData"), method("EncryptedKey"))
}

const CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
const GCM: &str = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
const OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
const OAEP_11: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
const RP_CBC: &str = "https://rp.example/dotnet";
const RP_BOTH: &str = "https://rp.example/both";

fn sts_with_algorithm_parties() -> Sts {
    let rp_cert = Certificate::from_pem(&read("xenc/rp.pem")).unwrap();
    sts_with(Arc::new(MemoryAudit::default()), |rps| {
        // As AD FS encrypts for a .NET relying party: AES-256-CBC, RSA-OAEP.
        rps.add(
            RelyingParty::new(RP_CBC)
                .certificate(rp_cert.clone())
                .data_algorithms([DataAlgorithm::Aes256Cbc]),
        );
        rps.add(
            RelyingParty::new(RP_BOTH)
                .certificate(rp_cert)
                .data_algorithms([DataAlgorithm::Aes256Gcm, DataAlgorithm::Aes256Cbc])
                .key_transports([KeyTransport::RsaOaepMgf1p, KeyTransport::RsaOaepSha256]),
        );
    })
}

/// Item 10 of issue 17: a party set to AES-256-CBC gets CBC tokens that a
/// real XML-Enc peer (xmlsec1, as .NET's EncryptedXml would) decrypts, and
/// whose signature it verifies; SAML 1.1 and 2.0 alike.
#[test]
fn cbc_party_tokens_decrypt_in_xmlsec1() {
    let sts = sts_with_algorithm_parties();
    for (tt, v11) in [
        ("urn:oasis:names:tc:SAML:2.0:assertion", false),
        ("urn:oasis:names:tc:SAML:1.0:assertion", true),
    ] {
        let inner = format!("<t:TokenType>{tt}</t:TokenType>{}", applies_to(RP_CBC));
        let (status, body) = call(&sts, &request(Version::Trust13, false, &inner));
        assert_eq!(status, 200, "{body}");
        let token = first_child(&body, "RequestedSecurityToken");
        assert!(!token.contains("alice"), "token readable");
        assert_eq!(
            encryption_methods(token),
            (CBC.to_owned(), OAEP_MGF1P.to_owned())
        );
        let plain = xmlsec_decrypt(token);
        let assertion = element(&plain, "Assertion").unwrap();
        xmlsec_verify(assertion, v11);
        assert!(assertion.contains("alice"));
    }
}

/// The .NET decryptor (`tests/clients/dotnet/decrypt.cs`) compiled with
/// Mono's `mcs`, in a folder kept alive with it; `None` (skipped, with a
/// reason) without Mono outside CI. `.ci/run` installs `mono-mcs`.
fn dotnet_decryptor() -> Option<(tempfile::TempDir, std::path::PathBuf)> {
    let have = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !have("mcs") || !have("mono") {
        assert!(std::env::var_os("CI").is_none(), "mono-mcs missing in CI");
        eprintln!(
            "skipping: no mcs/mono (apt-get install mono-mcs libmono-system-security4.0-cil)"
        );
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("decrypt.exe");
    let out = Command::new("mcs")
        .arg(format!("-out:{}", exe.display()))
        .args(["-r:System.Security.dll", "-r:System.Xml.dll"])
        .arg(format!(
            "{}/tests/clients/dotnet/decrypt.cs",
            env!("CARGO_MANIFEST_DIR")
        ))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    Some((dir, exe))
}

/// Issue 17 item 10: .NET's `EncryptedXml` (what WIF's
/// `EncryptedSecurityTokenHandler` decrypts with; it has AES-CBC, no GCM)
/// opens a CBC party's tokens with the party's key, and `SignedXml`
/// verifies the assertion inside against the STS certificate, SAML 2.0 and
/// 1.1 alike. Run on Mono.
#[test]
fn cbc_party_tokens_decrypt_in_dotnet() {
    let Some((dir, exe)) = dotnet_decryptor() else {
        return;
    };
    let pfx = dir.path().join("rp.pfx");
    // PKCS#12 with the classic 3DES/SHA-1 protection Mono reads.
    let out = Command::new("openssl")
        .args(["pkcs12", "-export", "-passout", "pass:pw"])
        .args([
            "-keypbe",
            "PBE-SHA1-3DES",
            "-certpbe",
            "PBE-SHA1-3DES",
            "-macalg",
            "sha1",
        ])
        .args(["-inkey", &path("xenc/rp.key"), "-in", &path("xenc/rp.pem")])
        .arg("-out")
        .arg(&pfx)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sts = sts_with_algorithm_parties();
    for tt in [
        "urn:oasis:names:tc:SAML:2.0:assertion",
        "urn:oasis:names:tc:SAML:1.0:assertion",
    ] {
        let inner = format!("<t:TokenType>{tt}</t:TokenType>{}", applies_to(RP_CBC));
        let (status, body) = call(&sts, &request(Version::Trust13, false, &inner));
        assert_eq!(status, 200, "{body}");
        let token = tmp(
            "dotnet-token",
            first_child(&body, "RequestedSecurityToken").as_bytes(),
        );
        let out = Command::new("mono")
            .arg(&exe)
            .arg(&*token)
            .arg(&pfx)
            .arg("pw")
            .arg(path("signer.cert.pem"))
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{tt}: {}{stdout}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("Assertion") && stdout.contains("alice"),
            "{stdout}"
        );
        // SignedXml really checks: another certificate does not verify it
        let wrong = Command::new("mono")
            .arg(&exe)
            .arg(&*token)
            .arg(&pfx)
            .arg("pw")
            .arg(path("other.cert.pem"))
            .output()
            .unwrap();
        assert_eq!(wrong.status.code(), Some(1), "{tt}");
    }
}

/// `EncryptionAlgorithm`, `EncryptWith` (a data algorithm),
/// `KeyWrapAlgorithm` and the same in `SecondaryParameters` choose among
/// the party's algorithms; one it does not allow is refused; the first is
/// the default; a party that lists none has the STS's (AES-256-GCM,
/// rsa-oaep-mgf1p) only; nothing is checked when nothing is encrypted.
#[test]
fn request_chooses_among_the_partys_encryption_algorithms() {
    let sts = sts_with_algorithm_parties();
    let v = Version::Trust13;
    let el = |name: &str, uri: &str| format!("<t:{name}>{uri}</t:{name}>");
    let secondary = |inner: &str| format!("<t:SecondaryParameters>{inner}</t:SecondaryParameters>");
    let issued = |rp: &str, extra: &str| {
        let (status, body) = call(
            &sts,
            &request(v, false, &format!("{}{extra}", applies_to(rp))),
        );
        assert_eq!(status, 200, "{rp} {extra}: {body}");
        let token = first_child(&body, "RequestedSecurityToken").to_owned();
        // whatever the algorithms, the party's key opens it (xmlsec1 1.2
        // has no xmlenc11#rsa-oaep: the library's decryption here)
        let mut keys = MemoryKeyResolver::new();
        keys.add(
            Certificate::from_pem(&read("xenc/rp.pem")).unwrap(),
            Arc::new(AwsLcRsaKey::from_pem(&read("xenc/rp.key")).unwrap()),
        )
        .unwrap();
        let mut opts = xenc::DecryptOptions::default();
        opts.allow_cbc = true;
        let plain =
            xenc::decrypt_document(&token, &keys, &opts, &OsRandom, &Limits::default()).unwrap();
        assert!(plain.contains("alice"));
        encryption_methods(&token)
    };
    let pair = |d: &str, k: &str| (d.to_owned(), k.to_owned());
    let cases = [
        (RP_BOTH, String::new(), pair(GCM, OAEP_MGF1P)),
        (
            RP_BOTH,
            el("EncryptionAlgorithm", CBC),
            pair(CBC, OAEP_MGF1P),
        ),
        (RP_BOTH, el("EncryptWith", CBC), pair(CBC, OAEP_MGF1P)),
        // an EncryptWith that is no data algorithm (a public proof key's
        // key wrap) says nothing about the token
        (
            RP_BOTH,
            el("EncryptWith", OAEP_MGF1P),
            pair(GCM, OAEP_MGF1P),
        ),
        (
            RP_BOTH,
            el("EncryptionAlgorithm", GCM) + &el("EncryptWith", CBC),
            pair(GCM, OAEP_MGF1P),
        ),
        (
            RP_BOTH,
            secondary(&el("EncryptionAlgorithm", CBC)),
            pair(CBC, OAEP_MGF1P),
        ),
        (
            RP_BOTH,
            el("EncryptionAlgorithm", GCM) + &secondary(&el("EncryptionAlgorithm", CBC)),
            pair(GCM, OAEP_MGF1P),
        ),
        (RP_BOTH, el("KeyWrapAlgorithm", OAEP_11), pair(GCM, OAEP_11)),
        (
            RP_BOTH,
            secondary(&el("KeyWrapAlgorithm", OAEP_11)),
            pair(GCM, OAEP_11),
        ),
        (RP_CBC, String::new(), pair(CBC, OAEP_MGF1P)),
        (RP_ENC, String::new(), pair(GCM, OAEP_MGF1P)),
        (
            RP_ENC,
            el("EncryptionAlgorithm", GCM),
            pair(GCM, OAEP_MGF1P),
        ),
    ];
    for (rp, extra, want) in cases {
        assert_eq!(issued(rp, &extra), want, "{rp} {extra}");
    }
    let refused = [
        (
            RP_BOTH,
            el(
                "EncryptionAlgorithm",
                "http://www.w3.org/2009/xmlenc11#aes128-gcm",
            ),
        ),
        (RP_BOTH, el("EncryptionAlgorithm", "urn:unknown")),
        (
            RP_BOTH,
            el("EncryptWith", "http://www.w3.org/2001/04/xmlenc#aes128-cbc"),
        ),
        (
            RP_BOTH,
            el(
                "KeyWrapAlgorithm",
                "http://www.w3.org/2001/04/xmlenc#rsa-1_5",
            ),
        ),
        (
            RP_BOTH,
            secondary(&el("EncryptionAlgorithm", "urn:unknown")),
        ),
        (RP_CBC, el("EncryptionAlgorithm", GCM)),
        (RP_ENC, el("EncryptionAlgorithm", CBC)),
        (RP_ENC, el("KeyWrapAlgorithm", OAEP_11)),
    ];
    for (rp, extra) in refused {
        let got = issue_fault(&sts, v, &format!("{}{extra}", applies_to(rp)));
        assert!(got.ends_with("UnsupportedAlgorithm"), "{rp} {extra}: {got}");
    }
    // Nothing is encrypted for a plain party: its choices are not checked.
    let inner = format!("{}{}", applies_to(RP_PLAIN), el("EncryptionAlgorithm", CBC));
    let (status, body) = call(&sts, &request(v, false, &inner));
    assert_eq!(status, 200, "{body}");

    // The proof key of a symmetric token goes to the party with the chosen
    // key wrap too (the token itself left in clear here).
    let sts = sts_with(Arc::new(MemoryAudit::default()), |rps| {
        rps.add(
            RelyingParty::new(RP_BOTH)
                .certificate(Certificate::from_pem(&read("xenc/rp.pem")).unwrap())
                .encrypt(false)
                .key_transports([KeyTransport::RsaOaepMgf1p, KeyTransport::RsaOaepSha256]),
        );
    });
    let sym = v.key_type_uri(KeyType::SymmetricKey);
    for (wrap, want) in [("", OAEP_MGF1P), (OAEP_11, OAEP_11)] {
        let extra = if wrap.is_empty() {
            String::new()
        } else {
            el("KeyWrapAlgorithm", wrap)
        };
        let inner = format!("{}<t:KeyType>{sym}</t:KeyType>{extra}", applies_to(RP_BOTH));
        let (status, body) = call(&sts, &request(v, false, &inner));
        assert_eq!(status, 200, "{body}");
        let assertion = first_child(&body, "RequestedSecurityToken");
        let doc = roxmltree::Document::parse(assertion).unwrap();
        let m = doc
            .descendants()
            .find(|n| n.has_tag_name((ns::XENC, "EncryptionMethod")))
            .unwrap();
        assert_eq!(m.attribute("Algorithm"), Some(want));
        let key = b64(&text_under(&body, "RequestedProofToken", "BinarySecret").unwrap());
        assert_eq!(rp_hok_key(assertion), key);
    }
    let inner = format!(
        "{}<t:KeyType>{sym}</t:KeyType>{}",
        applies_to(RP_BOTH),
        el(
            "KeyWrapAlgorithm",
            "http://www.w3.org/2001/04/xmlenc#rsa-1_5"
        )
    );
    assert!(issue_fault(&sts, v, &inner).ends_with("UnsupportedAlgorithm"));
}

/// Item 12 of issue 17: with no `wst:Claims`, a party's default claims are
/// issued; requested claims are still filtered by its allowed list.
#[test]
fn default_claims_are_issued_when_the_request_names_none() {
    const RP_DEFAULTS: &str = "https://rp.example/defaults";
    const ROLE: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/role";
    const MAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    const GIVEN: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname";
    let sts = sts_with(Arc::new(MemoryAudit::default()), |rps| {
        rps.add(
            RelyingParty::new(RP_DEFAULTS)
                .claims([ROLE, MAIL, GIVEN])
                .default_claims([ROLE, MAIL]),
        );
    });
    let v = Version::Trust13;
    let attributes = |body: &str| {
        let doc = roxmltree::Document::parse(body).unwrap();
        doc.descendants()
            .filter(|n| n.tag_name().name() == "Attribute")
            .map(|n| n.attribute("Name").unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let (status, body) = call(&sts, &request(v, false, &applies_to(RP_DEFAULTS)));
    assert_eq!(status, 200, "{body}");
    assert_eq!(attributes(&body), [ROLE, MAIL]);
    assert!(body.contains(">alice@example.com<"), "{body}");
    assert!(body.contains(">Internal/everyone<"), "{body}");
    // A request naming claims gets those, filtered by the allowed list.
    let claims = |uris: &[&str]| {
        let types: String = uris
            .iter()
            .map(|u| format!(r#"<i:ClaimType Uri="{u}" Optional="true"/>"#))
            .collect();
        format!(
            r#"{}<t:Claims Dialect="http://schemas.xmlsoap.org/ws/2005/05/identity" xmlns:i="http://schemas.xmlsoap.org/ws/2005/05/identity">{types}</t:Claims>"#,
            applies_to(RP_DEFAULTS)
        )
    };
    let (status, body) = call(
        &sts,
        &request(
            v,
            false,
            &claims(&[
                GIVEN,
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
            ]),
        ),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(attributes(&body), [GIVEN]);
    // A party without defaults or an allowed list: no AttributeStatement.
    let (status, body) = call(&sts, &request(v, false, &applies_to(RP_PLAIN)));
    assert_eq!(status, 200, "{body}");
    assert!(attributes(&body).is_empty());
}

#[test]
fn claims_lifetime_and_audit() {
    let audit = Arc::new(MemoryAudit::default());
    let sts = sts_with(audit.clone(), |_| {});
    let inner = format!(
        r#"{}<t:Lifetime><wsu:Created xmlns:wsu="{WSU}">2027-01-15T12:00:00Z</wsu:Created><wsu:Expires xmlns:wsu="{WSU}">2027-01-15T12:30:00Z</wsu:Expires></t:Lifetime><t:Claims Dialect="http://schemas.xmlsoap.org/ws/2005/05/identity"><i:ClaimType xmlns:i="http://schemas.xmlsoap.org/ws/2005/05/identity" Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"/><i:ClaimType xmlns:i="http://schemas.xmlsoap.org/ws/2005/05/identity" Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/country" Optional="true"/></t:Claims>"#,
        applies_to(RP_PLAIN)
    );
    let (status, body) = call(&sts, &request(Version::Trust13, false, &inner));
    assert_eq!(status, 200, "{body}");
    let assertion = first_child(&body, "RequestedSecurityToken");
    schema_valid(assertion, false);
    assert_eq!(
        text_of(assertion, "AttributeValue").as_deref(),
        Some("alice@example.com")
    );
    assert!(!assertion.contains("country"));
    assert_eq!(
        text_of(assertion, "AuthnContextClassRef").as_deref(),
        Some("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
    );
    assert_eq!(
        text_of(&body, "Expires").as_deref(),
        Some("2027-01-15T12:30:00.000Z")
    );
    // a failure is audited too, with the reason but never the password
    let (status, _) = call(
        &sts,
        &request(Version::Trust13, false, &applies_to("urn:nope")),
    );
    assert_eq!(status, 500);
    let events = audit.events();
    assert_eq!(events.len(), 2);
    assert!(events[0].outcome.is_ok());
    assert_eq!(events[0].subject.as_deref(), Some("alice"));
    assert_eq!(events[0].requester.as_deref(), Some("PRIMARY/alice"));
    assert_eq!(events[0].relying_party.as_deref(), Some(RP_PLAIN));
    assert!(events[0].token_id.as_deref().unwrap().starts_with('_'));
    assert!(events[1].outcome.is_err());
    for e in &events {
        let dump = format!("{e:?}");
        assert!(!dump.contains("alice-password"));
    }
}

#[test]
fn on_behalf_of_from_trusted_intermediary_is_sender_vouches() {
    let sts = sts();
    let mut req = request(
        Version::Trust13,
        false,
        &format!(
            r#"{}<t:OnBehalfOf><wsse:UsernameToken xmlns:wsse="{WSSE}"><wsse:Username>alice</wsse:Username></wsse:UsernameToken></t:OnBehalfOf>"#,
            applies_to(RP_PLAIN)
        ),
    );
    req = req.replace(
        &security("alice", "alice-password"),
        &security("admin", "admin-password"),
    );
    let (status, body) = call(&sts, &req);
    assert_eq!(status, 200, "{body}");
    let assertion = first_child(&body, "RequestedSecurityToken");
    assert!(assertion.contains("urn:oasis:names:tc:SAML:2.0:cm:sender-vouches"));
    assert_eq!(text_of(assertion, "NameID").as_deref(), Some("alice"));
}

#[test]
fn unauthenticated_request_fails() {
    let sts = sts();
    let req =
        request(Version::Trust13, false, &applies_to(RP_PLAIN)).replace("alice-password", "wrong");
    let (status, body) = call(&sts, &req);
    assert_eq!(status, 500);
    assert!(
        fault_code(&body).ends_with("FailedAuthentication"),
        "{body}"
    );
    let _ = OsRandom;
}

/// Holder-of-key with the requester's public key: the request is signed
/// (Body and Timestamp) by the client's certificate, whose key UseKey names;
/// the assertion's KeyInfo carries that certificate. The same UseKey in a
/// request signed by another key is refused.
#[test]
fn public_key_holder_of_key_with_proof_of_possession() {
    use wstrust::dsig::{self, KeyInfo, SignOptions, SigningKey};
    use wstrust::policy::StandardPolicy;
    use wstrust::wss::WssSettings;
    let ca = Certificate::from_pem(&read("auth/ca.cert.pem")).unwrap();
    let client = Certificate::from_pem(&read("auth/client.cert.pem")).unwrap();
    let client_key = AwsLcRsaKey::from_pem(&read("auth/client.key.pem")).unwrap();
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(RP_NOCERT));
    let config = StsConfig::builder()
        .issuer("https://sts.example/")
        .signing_key(
            Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
            Certificate::from_pem(&read("signer.cert.pem")).unwrap(),
        )
        .policy(Arc::new(StandardPolicy::non_repudiation()))
        .wss(WssSettings {
            trust_anchors: vec![ca],
            ..WssSettings::default()
        })
        .relying_parties(rps)
        .clock(Arc::new(FixedClock::new(NOW)))
        .build()
        .unwrap();
    let sts = Sts::new(config);
    let b64e = |d: &[u8]| base64::engine::general_purpose::STANDARD.encode(d);
    let v = Version::Trust13;
    let use_key = |c: &Certificate| {
        format!(
            r#"<t:UseKey><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></t:UseKey>"#,
            b64e(c.der())
        )
    };
    let signed = |use_key_cert: &Certificate| {
        let text = format!(
            r#"<s:Envelope xmlns:s="{}" xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><s:Header><wsse:Security><wsu:Timestamp wsu:Id="TS-1"><wsu:Created>2027-01-15T12:00:00Z</wsu:Created><wsu:Expires>2027-01-15T12:05:00Z</wsu:Expires></wsu:Timestamp><wsse:BinarySecurityToken wsu:Id="X509-1" ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3" EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">{}</wsse:BinarySecurityToken></wsse:Security></s:Header><s:Body wsu:Id="B-1"><t:RequestSecurityToken xmlns:t="{ns}"><t:RequestType>{ns}/Issue</t:RequestType>{}<t:KeyType>{}</t:KeyType>{}</t:RequestSecurityToken></s:Body></s:Envelope>"#,
            ns::SOAP12,
            b64e(client.der()),
            applies_to(RP_NOCERT),
            v.key_type_uri(KeyType::PublicKey),
            use_key(use_key_cert),
            ns = v.namespace(),
        );
        let limits = Limits::default();
        let doc = xml::parse(&text, &limits).unwrap();
        let str_ref = format!(
            r##"<wsse:SecurityTokenReference xmlns:wsse="{WSSE}"><wsse:Reference URI="#X509-1" ValueType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"/></wsse:SecurityTokenReference>"##
        );
        let opts = SignOptions {
            key_info: KeyInfo::Raw(str_ref.as_bytes()),
            ..SignOptions::default()
        };
        let sig = dsig::sign_detached(
            &doc,
            &["TS-1", "B-1"],
            SigningKey::Rsa(&client_key),
            &opts,
            &limits,
        )
        .unwrap();
        text.replacen(
            "</wsse:Security>",
            &format!("{}</wsse:Security>", String::from_utf8(sig).unwrap()),
            1,
        )
    };
    let (status, body) = call(&sts, &signed(&client));
    assert_eq!(status, 200, "{body}");
    let assertion = first_child(&body, "RequestedSecurityToken");
    assert!(assertion.contains("urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"));
    let in_token = text_under(assertion, "SubjectConfirmationData", "X509Certificate").unwrap();
    assert_eq!(b64(&in_token), client.der());
    assert_eq!(
        text_of(&body, "KeyType").as_deref(),
        Some(v.key_type_uri(KeyType::PublicKey))
    );
    assert!(element(&body, "RequestedProofToken").is_none());
    xmlsec_verify(assertion, false);

    // UseKey names a key the signer does not hold
    let other = Certificate::from_pem(&read("auth/rogue.cert.pem")).unwrap();
    let (status, body) = call(&sts, &signed(&other));
    assert_eq!(status, 500);
    assert!(
        fault_code(&body).ends_with("FailedAuthentication"),
        "{body}"
    );
}

/// With a token store, every issued token is recorded (subject, party,
/// expiry, Renewing flags) before the RSTR leaves; a store that refuses
/// (here: full) fails the request instead of issuing a token without state.
#[test]
fn issued_tokens_are_recorded_in_the_store() {
    use wstrust::host::{TokenState, TokenStore};
    use wstrust::memory::MemoryTokenStore;
    let make = |store: Arc<MemoryTokenStore>| {
        let mut rps = RelyingParties::new();
        rps.add(RelyingParty::new(RP_NOCERT));
        Sts::new(
            StsConfig::builder()
                .issuer("https://sts.example/")
                .signing_key(
                    Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
                    Certificate::from_pem(&read("signer.cert.pem")).unwrap(),
                )
                .users(Arc::new(MemoryUserStore::demo()))
                .relying_parties(rps)
                .clock(Arc::new(FixedClock::new(NOW)))
                .token_store(store)
                .build()
                .unwrap(),
        )
    };
    let store = Arc::new(MemoryTokenStore::new(10));
    let sts = make(store.clone());
    let inner = format!(
        r#"{}<t:Renewing Allow="true" OK="true"/>"#,
        applies_to(RP_NOCERT)
    );
    let (status, body) = call(&sts, &request(Version::Trust13, false, &inner));
    assert_eq!(status, 200, "{body}");
    let id = text_of(&body, "KeyIdentifier").unwrap();
    let rec = store.get(&id, NOW).unwrap().unwrap();
    assert_eq!(rec.subject, "alice");
    assert_eq!(rec.relying_party, RP_NOCERT);
    assert_eq!(rec.expires, NOW + time::Duration::hours(1));
    assert!(rec.renew_allowed && rec.renew_after_expiry);
    assert_eq!(rec.state, TokenState::Active);

    let full = Arc::new(MemoryTokenStore::new(0));
    let sts = make(full);
    let (status, body) = call(&sts, &request(Version::Trust13, false, &inner));
    assert_eq!(status, 500);
    assert!(fault_code(&body).ends_with("RequestFailed"), "{body}");
}

/// Issue, validate, renew, cancel through `handle_soap` with one store:
/// the renewed token replaces the old one, a cancelled token is invalid.
#[test]
fn validate_renew_cancel_lifecycle() {
    use wstrust::memory::MemoryTokenStore;
    let audit = Arc::new(MemoryAudit::default());
    let store = Arc::new(MemoryTokenStore::new(100));
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(RP_NOCERT));
    let sts = Sts::new(
        StsConfig::builder()
            .issuer("https://sts.example/")
            .signing_key(
                Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
                Certificate::from_pem(&read("signer.cert.pem")).unwrap(),
            )
            .users(Arc::new(MemoryUserStore::demo()))
            .relying_parties(rps)
            .clock(Arc::new(FixedClock::new(NOW)))
            .token_store(store)
            .audit(audit.clone())
            .build()
            .unwrap(),
    );
    let v = Version::Trust13;
    let op = |kind: &str, inner: &str| {
        format!(
            r#"<s:Envelope xmlns:s="{}"><s:Header>{}</s:Header><s:Body><t:RequestSecurityToken xmlns:t="{ns}"><t:RequestType>{ns}/{kind}</t:RequestType>{inner}</t:RequestSecurityToken></s:Body></s:Envelope>"#,
            ns::SOAP12,
            security("alice", "alice-password"),
            ns = v.namespace()
        )
    };
    let (status, body) = call(
        &sts,
        &request(
            v,
            false,
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}",
                applies_to(RP_NOCERT)
            ),
        ),
    );
    assert_eq!(status, 200, "{body}");
    let first = first_child(&body, "RequestedSecurityToken").to_owned();
    let status_of = |token: &str| {
        let (status, body) = call(
            &sts,
            &op(
                "Validate",
                &format!(
                    "<t:TokenType>{}/RSTR/Status</t:TokenType><t:ValidateTarget>{token}</t:ValidateTarget>",
                    v.namespace()
                ),
            ),
        );
        assert_eq!(status, 200, "{body}");
        text_of(&body, "Code").unwrap()
    };
    assert!(status_of(&first).ends_with("/status/valid"));

    let (status, body) = call(
        &sts,
        &op("Renew", &format!("<t:RenewTarget>{first}</t:RenewTarget>")),
    );
    assert_eq!(status, 200, "{body}");
    let second = first_child(&body, "RequestedSecurityToken").to_owned();
    assert_ne!(first, second);
    xmlsec_verify(&second, false);
    schema_valid(&second, false);
    assert_eq!(text_of(&second, "NameID").as_deref(), Some("alice"));
    assert_eq!(text_of(&second, "Audience").as_deref(), Some(RP_NOCERT));
    assert!(status_of(&first).ends_with("/status/invalid"));
    assert!(status_of(&second).ends_with("/status/valid"));
    // renewing the old token again is refused
    let (status, _) = call(
        &sts,
        &op("Renew", &format!("<t:RenewTarget>{first}</t:RenewTarget>")),
    );
    assert_eq!(status, 500);

    let (status, body) = call(
        &sts,
        &op(
            "Cancel",
            &format!("<t:CancelTarget>{second}</t:CancelTarget>"),
        ),
    );
    assert_eq!(status, 200, "{body}");
    assert!(element(&body, "RequestedTokenCancelled").is_some());
    assert!(status_of(&second).ends_with("/status/invalid"));

    let ops: Vec<_> = audit.events().iter().map(|e| e.operation).collect();
    use wstrust::audit::Operation::*;
    assert_eq!(
        ops,
        [Issue, Validate, Renew, Validate, Validate, Renew, Cancel, Validate]
    );
}

/// Validate with another TokenType: token exchange (SAML 2.0 in, SAML 1.1
/// out) for the validated subject, recorded in the store like any token.
#[test]
fn validate_with_token_type_exchanges_the_token() {
    use wstrust::memory::MemoryTokenStore;
    let store = Arc::new(MemoryTokenStore::new(100));
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(RP_NOCERT));
    let sts = Sts::new(
        StsConfig::builder()
            .issuer("https://sts.example/")
            .signing_key(
                Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
                Certificate::from_pem(&read("signer.cert.pem")).unwrap(),
            )
            .users(Arc::new(MemoryUserStore::demo()))
            .relying_parties(rps)
            .clock(Arc::new(FixedClock::new(NOW)))
            .token_store(store.clone())
            .build()
            .unwrap(),
    );
    let v = Version::Trust13;
    let (status, body) = call(
        &sts,
        &request(
            v,
            false,
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}",
                applies_to(RP_NOCERT)
            ),
        ),
    );
    assert_eq!(status, 200, "{body}");
    let first = first_child(&body, "RequestedSecurityToken").to_owned();
    let validate = format!(
        r#"<s:Envelope xmlns:s="{}"><s:Header>{}</s:Header><s:Body><t:RequestSecurityToken xmlns:t="{ns}"><t:RequestType>{ns}/Validate</t:RequestType><t:TokenType>urn:oasis:names:tc:SAML:1.0:assertion</t:TokenType>{}<t:ValidateTarget>{first}</t:ValidateTarget></t:RequestSecurityToken></s:Body></s:Envelope>"#,
        ns::SOAP12,
        security("alice", "alice-password"),
        applies_to(RP_NOCERT),
        ns = v.namespace()
    );
    let (status, body) = call(&sts, &validate);
    assert_eq!(status, 200, "{body}");
    assert!(text_of(&body, "Code").unwrap().ends_with("/status/valid"));
    let exchanged = first_child(&body, "RequestedSecurityToken").to_owned();
    assert!(
        exchanged.contains("urn:oasis:names:tc:SAML:1.0:assertion"),
        "{exchanged}"
    );
    xmlsec_verify(&exchanged, true);
    schema_valid(&exchanged, true);
    assert_eq!(
        text_of(&exchanged, "NameIdentifier").as_deref(),
        Some("alice")
    );
    assert_eq!(store.len(), 2, "the exchanged token is recorded");
}

/// A token for a party found by a pattern is recorded, renewed and
/// exchanged under the address it was issued for: the audience is never the
/// pattern, and the party is found again by its pattern.
#[test]
fn pattern_party_tokens_renew_and_exchange_under_the_requested_address() {
    use wstrust::memory::MemoryTokenStore;
    const HR: &str = "https://hr.partner.example/portal";
    const FIN: &str = "https://fin.partner.example/";
    let store = Arc::new(MemoryTokenStore::new(100));
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::pattern("https://*.partner.example/*"));
    let sts = Sts::new(
        StsConfig::builder()
            .issuer("https://sts.example/")
            .signing_key(
                Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
                Certificate::from_pem(&read("signer.cert.pem")).unwrap(),
            )
            .users(Arc::new(MemoryUserStore::demo()))
            .relying_parties(rps)
            .clock(Arc::new(FixedClock::new(NOW)))
            .token_store(store.clone())
            .build()
            .unwrap(),
    );
    let v = Version::Trust13;
    let op = |kind: &str, inner: &str| {
        format!(
            r#"<s:Envelope xmlns:s="{}"><s:Header>{}</s:Header><s:Body><t:RequestSecurityToken xmlns:t="{ns}"><t:RequestType>{ns}/{kind}</t:RequestType>{inner}</t:RequestSecurityToken></s:Body></s:Envelope>"#,
            ns::SOAP12,
            security("alice", "alice-password"),
            ns = v.namespace()
        )
    };
    let (status, body) = call(&sts, &request(v, false, &applies_to(HR)));
    assert_eq!(status, 200, "{body}");
    let first = first_child(&body, "RequestedSecurityToken").to_owned();
    assert_eq!(text_of(&first, "Audience").as_deref(), Some(HR));

    let (status, body) = call(
        &sts,
        &op("Renew", &format!("<t:RenewTarget>{first}</t:RenewTarget>")),
    );
    assert_eq!(status, 200, "{body}");
    let second = first_child(&body, "RequestedSecurityToken").to_owned();
    assert_eq!(text_of(&second, "Audience").as_deref(), Some(HR));

    let (status, body) = call(
        &sts,
        &op(
            "Validate",
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}<t:ValidateTarget>{second}</t:ValidateTarget>",
                applies_to(FIN)
            ),
        ),
    );
    assert_eq!(status, 200, "{body}");
    let exchanged = first_child(&body, "RequestedSecurityToken").to_owned();
    assert_eq!(text_of(&exchanged, "Audience").as_deref(), Some(FIN));
    // the exchanged token renews too: its record names FIN, not the pattern
    let (status, body) = call(
        &sts,
        &op(
            "Renew",
            &format!("<t:RenewTarget>{exchanged}</t:RenewTarget>"),
        ),
    );
    assert_eq!(status, 200, "{body}");
    let renewed = first_child(&body, "RequestedSecurityToken").to_owned();
    assert_eq!(text_of(&renewed, "Audience").as_deref(), Some(FIN));
}

/// A batch is one message: its requester is authenticated once, so the
/// second entry does not see the message's own nonce as a replay.
#[test]
fn batch_issue_authenticates_the_message_once() {
    let sts = sts();
    let ns13 = Version::Trust13.namespace();
    let sec = format!(
        r#"<wsse:Security xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsu:Timestamp wsu:Id="TS"><wsu:Created>2027-01-15T12:00:00Z</wsu:Created><wsu:Expires>2027-01-15T12:05:00Z</wsu:Expires></wsu:Timestamp><wsse:UsernameToken><wsse:Username>alice</wsse:Username><wsse:Password Type="{PASSWORD_TEXT}">alice-password</wsse:Password><wsse:Nonce>bm9uY2Utb25jZS1vbmx5</wsse:Nonce><wsu:Created>2027-01-15T12:00:00Z</wsu:Created></wsse:UsernameToken></wsse:Security>"#
    );
    let entry = |ctx: &str| {
        format!(
            r#"<t:RequestSecurityToken Context="{ctx}"><t:RequestType>{ns13}/BatchIssue</t:RequestType>{}</t:RequestSecurityToken>"#,
            applies_to(RP_PLAIN)
        )
    };
    let req = format!(
        r#"<s:Envelope xmlns:s="{}"><s:Header>{sec}</s:Header><s:Body><t:RequestSecurityTokenCollection xmlns:t="{ns13}">{}{}</t:RequestSecurityTokenCollection></s:Body></s:Envelope>"#,
        ns::SOAP12,
        entry("first"),
        entry("second")
    );
    let (status, body) = call(&sts, &req);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.matches("<saml:Assertion").count(), 2, "{body}");
    assert!(!body.contains("Fault"), "{body}");
    // The same message again is a replay, refused as a whole.
    let (status, body) = call(&sts, &req);
    assert!(
        status != 200 || body.matches("<saml:Assertion").count() == 0,
        "{body}"
    );
}

/// An `OnBehalfOf` UsernameToken with a password gets the same checks as
/// one in the Security header: wrong password refused, nonce replay refused.
#[test]
fn on_behalf_of_username_token_is_checked_like_a_header_token() {
    let sts = sts();
    let obo = |password: &str, nonce: &str| {
        let mut req = request(
            Version::Trust13,
            false,
            &format!(
                r#"{}<t:OnBehalfOf><wsse:UsernameToken xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><wsse:Username>alice</wsse:Username><wsse:Password Type="{PASSWORD_TEXT}">{password}</wsse:Password><wsse:Nonce>{nonce}</wsse:Nonce><wsu:Created>2027-01-15T12:00:00Z</wsu:Created></wsse:UsernameToken></t:OnBehalfOf>"#,
                applies_to(RP_PLAIN)
            ),
        );
        req = req.replace(
            &security("alice", "alice-password"),
            &security("admin", "admin-password"),
        );
        req
    };
    let (status, body) = call(&sts, &obo("wrong", "b2JvLW5vbmNlLTA="));
    assert_eq!(status, 500, "{body}");
    let (status, body) = call(&sts, &obo("alice-password", "b2JvLW5vbmNlLTE="));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        text_of(first_child(&body, "RequestedSecurityToken"), "NameID").as_deref(),
        Some("alice")
    );
    // The same delegated token again: its nonce was seen.
    let (status, body) = call(&sts, &obo("alice-password", "b2JvLW5vbmNlLTE="));
    assert_eq!(status, 500, "{body}");
}

const X509V3: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";
const BASE64: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
const THUMBPRINT: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1";
const SKI: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509SubjectKeyIdentifier";

fn b64e(d: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(d)
}

fn cert(p: &str) -> Certificate {
    Certificate::from_pem(&read(p)).unwrap()
}

/// An STS that authenticates X.509-signed requests (client CA as the trust
/// anchor) and issues to the encrypted and the plain relying party.
fn sts_x509() -> Sts {
    use wstrust::policy::StandardPolicy;
    use wstrust::wss::WssSettings;
    let rp_cert = cert("xenc/rp.pem");
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(RP_ENC).certificate(rp_cert.clone()));
    rps.add(
        RelyingParty::new(RP_PLAIN)
            .certificate(rp_cert)
            .encrypt(false),
    );
    let config = StsConfig::builder()
        .issuer("https://sts.example/")
        .signing_key(
            Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
            cert("signer.cert.pem"),
        )
        .policy(Arc::new(StandardPolicy::non_repudiation()))
        .wss(WssSettings {
            trust_anchors: vec![cert("auth/ca.cert.pem")],
            ..WssSettings::default()
        })
        .relying_parties(rps)
        .clock(Arc::new(FixedClock::new(NOW)))
        .build()
        .unwrap();
    Sts::new(config)
}

/// A request in `v` whose Timestamp and Body are signed by the client's key;
/// the signature's KeyInfo references the client's BinarySecurityToken
/// `X509-1`. `extra_header` goes into the Security header after it.
fn signed_request(v: Version, inner: &str, extra_header: &str) -> String {
    use wstrust::dsig::{self, KeyInfo, SignOptions, SigningKey};
    let soap = if v == Version::Trust2005 {
        ns::SOAP11
    } else {
        ns::SOAP12
    };
    let extra14 = if v == Version::Trust14 {
        r#"<t14:KeyWrapAlgorithm xmlns:t14="http://docs.oasis-open.org/ws-sx/ws-trust/200802">http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p</t14:KeyWrapAlgorithm>"#
    } else {
        ""
    };
    let client = cert("auth/client.cert.pem");
    let text = format!(
        r#"<s:Envelope xmlns:s="{soap}" xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><s:Header><wsse:Security><wsu:Timestamp wsu:Id="TS-1"><wsu:Created>2027-01-15T12:00:00Z</wsu:Created><wsu:Expires>2027-01-15T12:05:00Z</wsu:Expires></wsu:Timestamp><wsse:BinarySecurityToken wsu:Id="X509-1" ValueType="{X509V3}" EncodingType="{BASE64}">{}</wsse:BinarySecurityToken>{extra_header}</wsse:Security></s:Header><s:Body wsu:Id="B-1"><t:RequestSecurityToken xmlns:t="{ns}"><t:RequestType>{ns}/Issue</t:RequestType>{inner}{extra14}</t:RequestSecurityToken></s:Body></s:Envelope>"#,
        b64e(client.der()),
        ns = v.namespace(),
    );
    let limits = Limits::default();
    let doc = xml::parse(&text, &limits).unwrap();
    let str_ref = format!(
        r##"<wsse:SecurityTokenReference xmlns:wsse="{WSSE}"><wsse:Reference URI="#X509-1" ValueType="{X509V3}"/></wsse:SecurityTokenReference>"##
    );
    let opts = SignOptions {
        key_info: KeyInfo::Raw(str_ref.as_bytes()),
        ..SignOptions::default()
    };
    let client_key = AwsLcRsaKey::from_pem(&read("auth/client.key.pem")).unwrap();
    let sig = dsig::sign_detached(
        &doc,
        &["TS-1", "B-1"],
        SigningKey::Rsa(&client_key),
        &opts,
        &limits,
    )
    .unwrap();
    text.replacen(
        "</wsse:Security>",
        &format!("{}</wsse:Security>", String::from_utf8(sig).unwrap()),
        1,
    )
}

/// A `wsse:SecurityTokenReference` by `wsse:Reference` to `#id`.
fn str_reference(id: &str) -> String {
    format!(
        r##"<wsse:SecurityTokenReference xmlns:wsse="{WSSE}"><wsse:Reference URI="#{id}" ValueType="{X509V3}"/></wsse:SecurityTokenReference>"##
    )
}

/// A `wsse:SecurityTokenReference` by `KeyIdentifier` of `value_type`.
fn str_key_identifier(value_type: &str, value: &[u8]) -> String {
    format!(
        r#"<wsse:SecurityTokenReference xmlns:wsse="{WSSE}"><wsse:KeyIdentifier ValueType="{value_type}" EncodingType="{BASE64}">{}</wsse:KeyIdentifier></wsse:SecurityTokenReference>"#,
        b64e(value)
    )
}

fn bst(id: Option<&str>, c: &Certificate) -> String {
    let id = id.map(|i| format!(r#" wsu:Id="{i}""#)).unwrap_or_default();
    format!(
        r#"<wsse:BinarySecurityToken xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"{id} ValueType="{X509V3}" EncodingType="{BASE64}">{}</wsse:BinarySecurityToken>"#,
        b64e(c.der())
    )
}

const TOKEN_TYPES: [(&str, bool); 2] = [
    ("urn:oasis:names:tc:SAML:2.0:assertion", false),
    (
        "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1",
        true,
    ),
];
const VERSIONS: [Version; 3] = [Version::Trust2005, Version::Trust13, Version::Trust14];

/// The issued assertion of an RSTR (decrypted by xmlsec1 with the relying
/// party's key when encrypted), signature-checked by xmlsec1 and
/// schema-checked by xmllint.
fn issued_assertion(body: &str, rp: &str, v11: bool) -> String {
    let token = first_child(body, "RequestedSecurityToken");
    let assertion = if rp == RP_ENC {
        assert!(!token.contains("alice"), "token readable");
        let plain = xmlsec_decrypt(token);
        element(&plain, "Assertion").unwrap().to_owned()
    } else {
        token.to_owned()
    };
    let doc = roxmltree::Document::parse(&assertion).unwrap();
    let saml_ns = if v11 { ns::SAML1 } else { ns::SAML2 };
    assert!(doc.root_element().has_tag_name((saml_ns, "Assertion")));
    xmlsec_verify(&assertion, v11);
    schema_valid(&assertion, v11);
    assertion
}

/// The rest of the matrix: holder-of-key with the requestor's public key
/// (UseKey as the certificate itself, as a `wsse:Reference` to the
/// BinarySecurityToken that signed the request, and as a ThumbprintSHA1 or
/// X509SubjectKeyIdentifier `KeyIdentifier` of it) and sender-vouches
/// (OnBehalfOf from a trusted intermediary), for every token type and
/// WS-Trust version, plain and encrypted for the party.
#[test]
fn issue_matrix_public_key_and_sender_vouches() {
    let pk_sts = sts_x509();
    let sv_sts = sts();
    let client = cert("auth/client.cert.pem");
    let use_keys = [
        (
            "X509Data",
            format!(
                r#"<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"#,
                b64e(client.der())
            ),
        ),
        ("Reference", str_reference("X509-1")),
        (
            "ThumbprintSHA1",
            str_key_identifier(THUMBPRINT, &client.sha1_thumbprint()),
        ),
        (
            "X509SubjectKeyIdentifier",
            str_key_identifier(SKI, client.subject_key_id().unwrap()),
        ),
        (
            "KeyInfo/Reference",
            format!(
                r#"<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">{}</ds:KeyInfo>"#,
                str_reference("X509-1")
            ),
        ),
    ];
    for v in VERSIONS {
        for (tt, v11) in TOKEN_TYPES {
            for rp in [RP_PLAIN, RP_ENC] {
                for (form, uk) in &use_keys {
                    let what = format!("{v:?} {tt} public key {form} {rp}");
                    let inner = format!(
                        "<t:TokenType>{tt}</t:TokenType>{}<t:KeyType>{}</t:KeyType><t:UseKey>{uk}</t:UseKey>",
                        applies_to(rp),
                        v.key_type_uri(KeyType::PublicKey)
                    );
                    let (status, body) = call(&pk_sts, &signed_request(v, &inner, ""));
                    assert_eq!(status, 200, "{what}: {body}");
                    assert_eq!(text_of(&body, "TokenType").as_deref(), Some(tt), "{what}");
                    assert_eq!(
                        text_of(&body, "KeyType").as_deref(),
                        Some(v.key_type_uri(KeyType::PublicKey)),
                        "{what}"
                    );
                    assert!(element(&body, "RequestedProofToken").is_none(), "{what}");
                    let assertion = issued_assertion(&body, rp, v11);
                    assert!(assertion.contains(":cm:holder-of-key"), "{what}");
                    let in_token =
                        text_under(&assertion, "SubjectConfirmation", "X509Certificate").unwrap();
                    assert_eq!(b64(&in_token), client.der(), "{what}");
                }

                let what = format!("{v:?} {tt} sender-vouches {rp}");
                let inner = format!(
                    r#"<t:TokenType>{tt}</t:TokenType>{}<t:OnBehalfOf><wsse:UsernameToken xmlns:wsse="{WSSE}"><wsse:Username>alice</wsse:Username></wsse:UsernameToken></t:OnBehalfOf>"#,
                    applies_to(rp)
                );
                let req = request(v, v == Version::Trust2005, &inner).replace(
                    &security("alice", "alice-password"),
                    &security("admin", "admin-password"),
                );
                let (status, body) = call(&sv_sts, &req);
                assert_eq!(status, 200, "{what}: {body}");
                assert!(element(&body, "RequestedProofToken").is_none(), "{what}");
                let assertion = issued_assertion(&body, rp, v11);
                assert!(assertion.contains(":cm:sender-vouches"), "{what}");
                let name = if v11 { "NameIdentifier" } else { "NameID" };
                assert_eq!(
                    text_of(&assertion, name).as_deref(),
                    Some("alice"),
                    "{what}"
                );
            }
        }
    }
}

/// UseKey by reference is resolved in the request's own tree and accepted
/// only for the key that signed the request: a reference to another token
/// of the header (by ID or by thumbprint) is refused like any unproven key;
/// a reference that resolves to nothing is `SecurityTokenUnavailable`.
#[test]
fn use_key_reference_needs_the_signing_key() {
    let x509_sts = sts_x509();
    let v = Version::Trust13;
    let rogue = cert("auth/rogue.cert.pem");
    let other_bst = bst(Some("X509-2"), &rogue);
    let cases = [
        (
            "reference to another token",
            str_reference("X509-2"),
            "FailedAuthentication",
        ),
        (
            "thumbprint of another token",
            str_key_identifier(THUMBPRINT, &rogue.sha1_thumbprint()),
            "FailedAuthentication",
        ),
        (
            "dangling reference",
            str_reference("nowhere"),
            "SecurityTokenUnavailable",
        ),
        (
            "reference to a non-token element",
            str_reference("TS-1"),
            "SecurityTokenUnavailable",
        ),
        (
            "unknown thumbprint",
            str_key_identifier(THUMBPRINT, &[7u8; 20]),
            "SecurityTokenUnavailable",
        ),
    ];
    for (what, uk, code) in cases {
        let inner = format!(
            "{}<t:KeyType>{}</t:KeyType><t:UseKey>{uk}</t:UseKey>",
            applies_to(RP_PLAIN),
            v.key_type_uri(KeyType::PublicKey)
        );
        let (status, body) = call(&x509_sts, &signed_request(v, &inner, &other_bst));
        assert_eq!(status, 500, "{what}: {body}");
        assert!(fault_code(&body).ends_with(code), "{what}: {body}");
    }
    // The same reference without any signature: no proof of possession.
    let plain = sts();
    let inner = format!(
        "{}<t:KeyType>{}</t:KeyType><t:UseKey>{}</t:UseKey>",
        applies_to(RP_PLAIN),
        v.key_type_uri(KeyType::PublicKey),
        str_key_identifier(THUMBPRINT, &cert("auth/client.cert.pem").sha1_thumbprint())
    );
    let got = issue_fault(&plain, v, &inner);
    assert!(
        got.ends_with("SecurityTokenUnavailable") || got.ends_with("FailedAuthentication"),
        "{got}"
    );
}

/// xmlsec1 unwraps `ek` (a standalone xenc:EncryptedKey) with the private
/// key in `key_pem` to `key`: it decrypts an AES-256-CBC EncryptedData made
/// with `key` (by openssl) whose KeyInfo holds `ek`.
fn xmlsec_unwraps_to(ek: &str, key_pem: &str, key: &[u8]) {
    let (ok, err) = xmlsec_unwrap(ek, key_pem, key);
    assert!(ok, "xmlsec1 could not unwrap: {err}\n{ek}");
}

/// Whether xmlsec1 decrypts the probe (see [`xmlsec_unwraps_to`]), and its
/// error output.
fn xmlsec_unwrap(ek: &str, key_pem: &str, key: &[u8]) -> (bool, String) {
    assert_eq!(key.len(), 32);
    let plain = r#"<x:Probe xmlns:x="urn:probe">proof key recovered</x:Probe>"#;
    let iv = [0x42u8; 16];
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    let input = tmp("probe", plain.as_bytes());
    let out = Command::new("openssl")
        .args([
            "enc",
            "-aes-256-cbc",
            "-K",
            &hex(key),
            "-iv",
            &hex(&iv),
            "-in",
        ])
        .arg(&*input)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cipher = iv.to_vec();
    cipher.extend_from_slice(&out.stdout);
    let data = format!(
        r#"<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/><ds:KeyInfo>{ek}</ds:KeyInfo><xenc:CipherData><xenc:CipherValue>{}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>"#,
        b64e(&cipher)
    );
    let file = tmp("ekprobe", data.as_bytes());
    let out = Command::new("xmlsec1")
        .args(["--decrypt", "--privkey-pem"])
        .arg(path(key_pem))
        .arg(&*file)
        .output()
        .unwrap();
    let ok = out.status.success()
        && String::from_utf8_lossy(&out.stdout).contains("proof key recovered");
    (ok, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// xmlsec1 unwraps the assertion's confirmation EncryptedKey with the
/// relying party's key to `key`.
fn xmlsec_unwraps_hok(assertion: &str, key: &[u8]) {
    let ek = element(assertion, "EncryptedKey").unwrap();
    let ek = if ek.contains("xmlns:xenc") {
        ek.to_owned()
    } else {
        ek.replacen(
            "<xenc:EncryptedKey",
            r#"<xenc:EncryptedKey xmlns:xenc="http://www.w3.org/2001/04/xmlenc#""#,
            1,
        )
    };
    xmlsec_unwraps_to(&ek, "xenc/rp.key", key);
}

/// The client's key (from `auth/client.*`) unwrapping a proof token.
fn client_unwrap(ek: &str) -> Vec<u8> {
    let mut keys = MemoryKeyResolver::new();
    keys.add(
        cert("auth/client.cert.pem"),
        Arc::new(AwsLcRsaKey::from_pem(&read("auth/client.key.pem")).unwrap()),
    )
    .unwrap();
    let doc = xml::parse(ek, &Limits::default()).unwrap();
    xenc::decrypt_key(doc.root_element(), &keys, &Default::default())
        .unwrap()
        .as_bytes()
        .to_vec()
}

/// `ProofEncryption` with an X.509 token: the generated proof key comes
/// back as an xenc:EncryptedKey for that certificate, never in the clear;
/// the client's key unwraps the same key the relying party recovers from
/// the assertion, and xmlsec1 unwraps both. The token is given inline or
/// as a reference to the request's BinarySecurityToken; the element is read
/// in the RST's namespace and in the 1.4 one.
#[test]
fn proof_encryption_returns_an_encrypted_key() {
    let client = cert("auth/client.cert.pem");
    let sym = |v: Version| v.key_type_uri(KeyType::SymmetricKey);
    let username_sts = sts();
    let x509_sts = sts_x509();
    for v in VERSIONS {
        for (tt, v11) in TOKEN_TYPES {
            let forms: Vec<(&str, String, bool)> = vec![
                (
                    "inline",
                    format!(
                        "<t:ProofEncryption>{}</t:ProofEncryption>",
                        bst(None, &client)
                    ),
                    false,
                ),
                (
                    "reference",
                    format!(
                        "<t:ProofEncryption>{}</t:ProofEncryption>",
                        str_reference("X509-1")
                    ),
                    true,
                ),
                (
                    "1.4 namespace",
                    format!(
                        r#"<t14:ProofEncryption xmlns:t14="http://docs.oasis-open.org/ws-sx/ws-trust/200802">{}</t14:ProofEncryption>"#,
                        bst(None, &client)
                    ),
                    false,
                ),
            ];
            for (form, pe, signed) in forms {
                if form == "1.4 namespace" && v != Version::Trust14 {
                    continue;
                }
                let what = format!("{v:?} {tt} {form}");
                let inner = format!(
                    "<t:TokenType>{tt}</t:TokenType>{}<t:KeyType>{}</t:KeyType>{pe}",
                    applies_to(RP_ENC),
                    sym(v)
                );
                let (status, body) = if signed {
                    call(&x509_sts, &signed_request(v, &inner, ""))
                } else {
                    call(&username_sts, &request(v, v == Version::Trust2005, &inner))
                };
                assert_eq!(status, 200, "{what}: {body}");
                assert!(
                    text_under(&body, "RequestedProofToken", "BinarySecret").is_none(),
                    "{what}: key in the clear"
                );
                let ek = first_child(&body, "RequestedProofToken");
                assert!(ek.starts_with("<xenc:EncryptedKey"), "{what}: {ek}");
                assert!(ek.contains("rsa-oaep"), "{what}: {ek}");
                let client_key = client_unwrap(ek);
                assert_eq!(client_key.len(), 32, "{what}");
                assert_eq!(text_of(&body, "KeySize").as_deref(), Some("256"));
                let assertion = issued_assertion(&body, RP_ENC, v11);
                assert_eq!(rp_hok_key(&assertion), client_key, "{what}");
                if v == Version::Trust13 {
                    // xmlsec1 unwraps both to the same key.
                    xmlsec_unwraps_to(ek, "auth/client.key.pem", &client_key);
                    // The check can fail: another private key cannot unwrap it.
                    assert!(!xmlsec_unwrap(ek, "xenc/rp.key", &client_key).0);
                    xmlsec_unwraps_hok(&assertion, &client_key);
                }
            }
        }
    }
}

/// With a computed key the proof token stays `ComputedKey` (it carries no
/// secret; `ProofEncryption` is ignored), and with bearer tokens there is no
/// proof token at all.
#[test]
fn proof_encryption_is_ignored_without_a_generated_key() {
    let sts = sts();
    let client = cert("auth/client.cert.pem");
    let v = Version::Trust13;
    let pe = format!(
        "<t:ProofEncryption>{}</t:ProofEncryption>",
        bst(None, &client)
    );
    let inner = format!(
        r#"{}<t:KeyType>{}</t:KeyType><t:Entropy><t:BinarySecret Type="{ns}/Nonce">{}</t:BinarySecret></t:Entropy><t:ComputedKeyAlgorithm>{}</t:ComputedKeyAlgorithm>{pe}"#,
        applies_to(RP_PLAIN),
        v.key_type_uri(KeyType::SymmetricKey),
        b64e(&[0x5a; 32]),
        v.psha1_uri(),
        ns = v.namespace(),
    );
    let (status, body) = call(&sts, &request(v, false, &inner));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        text_of(&body, "ComputedKey").as_deref(),
        Some(&*v.psha1_uri())
    );
    assert!(!first_child(&body, "RequestedProofToken").contains("EncryptedKey"));
    let inner = format!(
        "{}<t:KeyType>{}</t:KeyType>{pe}",
        applies_to(RP_PLAIN),
        v.key_type_uri(KeyType::Bearer)
    );
    let (status, body) = call(&sts, &request(v, false, &inner));
    assert_eq!(status, 200, "{body}");
    assert!(element(&body, "RequestedProofToken").is_none());
}

/// ProofEncryption refusals: a weak (1024-bit RSA) certificate, a token that
/// is not X.509, a reference that resolves to nothing, two tokens.
#[test]
fn proof_encryption_bad_input() {
    let sts = sts();
    let v = Version::Trust13;
    let at = applies_to(RP_PLAIN);
    let sym = v.key_type_uri(KeyType::SymmetricKey);
    let weak = cert_der_of_pem("issue/weak1024.cert.pem");
    let cases = [
        (
            "weak key",
            format!(
                r#"<wsse:BinarySecurityToken xmlns:wsse="{WSSE}" ValueType="{X509V3}" EncodingType="{BASE64}">{}</wsse:BinarySecurityToken>"#,
                b64e(&weak)
            ),
            "InvalidSecurityToken",
        ),
        (
            "not an X.509 token",
            format!(
                r#"<wsse:UsernameToken xmlns:wsse="{WSSE}"><wsse:Username>alice</wsse:Username></wsse:UsernameToken>"#
            ),
            "UnsupportedSecurityToken",
        ),
        (
            "BinarySecurityToken of another type",
            format!(
                r#"<wsse:BinarySecurityToken xmlns:wsse="{WSSE}" ValueType="urn:other" EncodingType="{BASE64}">AAAA</wsse:BinarySecurityToken>"#
            ),
            "UnsupportedSecurityToken",
        ),
        (
            "dangling reference",
            str_reference("nowhere"),
            "SecurityTokenUnavailable",
        ),
        (
            "two tokens",
            format!(
                "{}{}",
                bst(None, &cert("auth/client.cert.pem")),
                bst(None, &cert("auth/client.cert.pem"))
            ),
            "InvalidRequest",
        ),
    ];
    for (what, token, code) in cases {
        let inner = format!(
            "{at}<t:KeyType>{sym}</t:KeyType><t:ProofEncryption>{token}</t:ProofEncryption>"
        );
        let got = issue_fault(&sts, v, &inner);
        assert!(got.ends_with(code), "{what}: got {got}, want {code}");
    }
}

fn cert_der_of_pem(p: &str) -> Vec<u8> {
    let pem = String::from_utf8(read(p)).unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    b64(&body)
}

/// What the RST asks for is honoured end to end: every TokenType form
/// (WSS SAML token profile URIs and the AD FS assertion-namespace forms) and
/// the relying party's default; SignatureAlgorithm and
/// CanonicalizationAlgorithm; KeySize; client entropy encrypted for the STS.
#[test]
fn request_options_are_honoured_end_to_end() {
    const RP_SAML11: &str = "https://rp.example/saml11";
    let sts = sts_with(Arc::new(MemoryAudit::default()), |rps| {
        rps.add(
            RelyingParty::new(RP_SAML11)
                .token_type(wstrust::wst::TokenType::Saml11)
                .encrypt(false),
        );
    });
    let v = Version::Trust13;
    let forms = [
        (
            "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0",
            false,
        ),
        (
            "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1",
            true,
        ),
        ("urn:oasis:names:tc:SAML:2.0:assertion", false),
        ("urn:oasis:names:tc:SAML:1.0:assertion", true),
    ];
    for (tt, v11) in forms {
        let inner = format!("<t:TokenType>{tt}</t:TokenType>{}", applies_to(RP_PLAIN));
        let (status, body) = call(&sts, &request(v, false, &inner));
        assert_eq!(status, 200, "{tt}: {body}");
        assert_eq!(text_of(&body, "TokenType").as_deref(), Some(tt));
        issued_assertion(&body, RP_PLAIN, v11);
    }
    // No TokenType: the party's default.
    let (status, body) = call(&sts, &request(v, false, &applies_to(RP_SAML11)));
    assert_eq!(status, 200, "{body}");
    assert!(text_of(&body, "TokenType").unwrap().contains("SAMLV1.1"));
    issued_assertion(&body, RP_SAML11, true);

    // SignatureAlgorithm (allowed) and exclusive C14N are honoured.
    let sha512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512";
    let inner = format!(
        "{}<t:SignatureAlgorithm>{sha512}</t:SignatureAlgorithm><t:CanonicalizationAlgorithm>http://www.w3.org/2001/10/xml-exc-c14n#</t:CanonicalizationAlgorithm>",
        applies_to(RP_PLAIN)
    );
    let (status, body) = call(&sts, &request(v, false, &inner));
    assert_eq!(status, 200, "{body}");
    let assertion = issued_assertion(&body, RP_PLAIN, false);
    let doc = roxmltree::Document::parse(&assertion).unwrap();
    let method = doc
        .descendants()
        .find(|n| n.has_tag_name((ns::DS, "SignatureMethod")))
        .unwrap();
    assert_eq!(method.attribute("Algorithm"), Some(sha512));
    // Another canonicalization is refused.
    let inner = format!(
        "{}<t:CanonicalizationAlgorithm>http://www.w3.org/TR/2001/REC-xml-c14n-20010315</t:CanonicalizationAlgorithm>",
        applies_to(RP_PLAIN)
    );
    assert!(issue_fault(&sts, v, &inner).ends_with("UnsupportedAlgorithm"));

    // KeySize: the proof key, the RSTR's KeySize and the party's key agree.
    for bits in [128usize, 512] {
        let inner = format!(
            "{}<t:KeyType>{}</t:KeyType><t:KeySize>{bits}</t:KeySize>",
            applies_to(RP_PLAIN),
            v.key_type_uri(KeyType::SymmetricKey)
        );
        let (status, body) = call(&sts, &request(v, false, &inner));
        assert_eq!(status, 200, "{body}");
        let key = b64(&text_under(&body, "RequestedProofToken", "BinarySecret").unwrap());
        assert_eq!(key.len(), bits / 8);
        assert_eq!(text_of(&body, "KeySize"), Some(bits.to_string()));
        let assertion = issued_assertion(&body, RP_PLAIN, false);
        assert_eq!(rp_hok_key(&assertion), key);
    }
}

/// Client entropy sent as an xenc:EncryptedKey for the STS's certificate is
/// decrypted with the STS's key and combined with P_SHA1.
#[test]
fn encrypted_client_entropy_gives_the_computed_key() {
    let signer_cert = cert("signer.cert.pem");
    let mut keys = MemoryKeyResolver::new();
    keys.add(
        signer_cert.clone(),
        Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
    )
    .unwrap();
    let mut rps = RelyingParties::new();
    rps.add(
        RelyingParty::new(RP_PLAIN)
            .certificate(cert("xenc/rp.pem"))
            .encrypt(false),
    );
    let config = StsConfig::builder()
        .issuer("https://sts.example/")
        .signing_key(
            Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
            signer_cert.clone(),
        )
        .users(Arc::new(MemoryUserStore::demo()))
        .relying_parties(rps)
        .clock(Arc::new(FixedClock::new(NOW)))
        .decryption_keys(Arc::new(keys))
        .build()
        .unwrap();
    let sts = Sts::new(config);
    let v = Version::Trust13;
    let client_entropy = [0x3cu8; 32];
    let ek = xenc::encrypt_key(
        &client_entropy,
        &signer_cert,
        &Default::default(),
        &OsRandom,
    )
    .unwrap();
    let inner = format!(
        "{}<t:KeyType>{}</t:KeyType><t:Entropy>{}</t:Entropy><t:ComputedKeyAlgorithm>{}</t:ComputedKeyAlgorithm>",
        applies_to(RP_PLAIN),
        v.key_type_uri(KeyType::SymmetricKey),
        String::from_utf8(ek).unwrap(),
        v.psha1_uri()
    );
    let (status, body) = call(&sts, &request(v, false, &inner));
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        text_of(&body, "ComputedKey").as_deref(),
        Some(&*v.psha1_uri())
    );
    let server = b64(&text_under(&body, "Entropy", "BinarySecret").unwrap());
    let key = p_sha1(&client_entropy, &server, 32);
    let assertion = issued_assertion(&body, RP_PLAIN, false);
    assert_eq!(rp_hok_key(&assertion), &key[..]);
    // Entropy encrypted for another key is a decryption failure.
    let other = xenc::encrypt_key(
        &client_entropy,
        &cert("xenc/other.pem"),
        &Default::default(),
        &OsRandom,
    )
    .unwrap();
    let inner = format!(
        "{}<t:KeyType>{}</t:KeyType><t:Entropy>{}</t:Entropy><t:ComputedKeyAlgorithm>{}</t:ComputedKeyAlgorithm>",
        applies_to(RP_PLAIN),
        v.key_type_uri(KeyType::SymmetricKey),
        String::from_utf8(other).unwrap(),
        v.psha1_uri()
    );
    assert!(issue_fault(&sts, v, &inner).ends_with("FailedCheck"));
}

/// Issue 17 item 8: an unauthenticated flood of unknown user names never
/// turns the bounded lockout table into a global lockout. From one address
/// the flood spends that address's budget; spread over many addresses it
/// fills the unknown-name table, which forgets its oldest names. Either
/// way a correct login gets a token, and an account locked before the
/// flood stays locked. (On the old main, a full table locked every name.)
#[test]
fn a_flood_of_unknown_names_locks_nobody_else_out() {
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};
    use wstrust::memory::{LockoutSettings, MemoryLockout};
    let lockout = Arc::new(MemoryLockout::new(LockoutSettings {
        capacity: 1_000,
        unknown_capacity: 1_000,
        client_capacity: 1_000,
        ..LockoutSettings::default()
    }));
    let rp_cert = Certificate::from_pem(&read("xenc/rp.pem")).unwrap();
    let mut rps = RelyingParties::new();
    rps.add(
        RelyingParty::new(RP_PLAIN)
            .certificate(rp_cert)
            .encrypt(false),
    );
    let config = StsConfig::builder()
        .issuer("https://sts.example/")
        .signing_key(
            Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
            Certificate::from_pem(&read("signer.cert.pem")).unwrap(),
        )
        .users(Arc::new(MemoryUserStore::demo()))
        .relying_parties(rps)
        .clock(Arc::new(FixedClock::new(NOW)))
        .lockout(lockout)
        .build()
        .unwrap();
    let sts = Sts::new(config);
    let from = |n: u32| TransportContext {
        tls: true,
        peer: Some(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n)),
            4000,
        )),
        ..TransportContext::default()
    };
    let login = |user: &str, password: &str, peer: &TransportContext| {
        let req = request(Version::Trust13, false, &applies_to(RP_PLAIN)).replace(
            &security("alice", "alice-password"),
            &security(user, password),
        );
        let r = sts.handle_soap(req.as_bytes(), peer);
        (r.http_status, String::from_utf8(r.body).unwrap())
    };
    // admin is locked before the flood (5 wrong passwords)
    for _ in 0..5 {
        let (status, _) = login("admin", "guess", &from(1));
        assert_eq!(status, 500);
    }
    // 1 500 new names from one address, then 1 500 from as many addresses
    for i in 0..1_500 {
        let (status, body) = login(&format!("nobody{i}"), "x", &from(2));
        assert!(
            fault_code(&body).ends_with("FailedAuthentication"),
            "{status} {body}"
        );
    }
    // that address spent its budget: refused even with the right password
    let (status, _) = login("alice", "alice-password", &from(2));
    assert_eq!(status, 500);
    for i in 0..1_500 {
        let (_, body) = login(&format!("spread{i}"), "x", &from(100 + i));
        assert!(
            fault_code(&body).ends_with("FailedAuthentication"),
            "{body}"
        );
    }
    // a correct login from a fresh address, and from a flooding one, gets a token
    for peer in [from(50_000), from(100)] {
        let (status, body) = login("alice", "alice-password", &peer);
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("Assertion"), "{body}");
    }
    // the account locked before the flood stays locked
    let (status, _) = login("admin", "admin-password", &from(50_001));
    assert_eq!(status, 500);
}

/// Finding 5: a party's default claims bypass the policy's claim rule for
/// that party. `Policy::check_request` sees only the claims the RST names
/// (`AccessRequest::from_rst`); the defaults are added afterwards by
/// `claims::resolve`. So where the operator's `StandardPolicy` says a
/// party may get only the e-mail claim (`RpRule::claims`), a request that
/// names no claims gets the role too, while a request naming the role is
/// refused (`Denial::Claim`). Hooks never see the defaults either.
#[test]
fn default_claims_obey_the_policy_claim_rule() {
    use wstrust::policy::{RpRule, StandardPolicy};
    const RP_DEFAULTS: &str = "https://rp.example/defaults";
    const ROLE: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/role";
    const MAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    let mut rps = RelyingParties::new();
    rps.add(
        RelyingParty::new(RP_DEFAULTS)
            .claims([ROLE, MAIL])
            .default_claims([ROLE, MAIL]),
    );
    let policy =
        StandardPolicy::username_token().relying_party(RP_DEFAULTS, RpRule::any().claims([MAIL]));
    let sts = sts_with_policy(rps, policy);
    let v = Version::Trust13;
    // Asked for by name, the role is refused by the policy...
    let named = format!(
        r#"{}<t:Claims Dialect="http://schemas.xmlsoap.org/ws/2005/05/identity" xmlns:i="http://schemas.xmlsoap.org/ws/2005/05/identity"><i:ClaimType Uri="{ROLE}"/></t:Claims>"#,
        applies_to(RP_DEFAULTS)
    );
    let (status, _) = call(&sts, &request(v, false, &named));
    assert_ne!(status, 200, "the policy allows only the e-mail claim");
    // ...so it must not arrive unasked either.
    let (status, body) = call(&sts, &request(v, false, &applies_to(RP_DEFAULTS)));
    let attributes: Vec<String> = if status == 200 {
        let doc = roxmltree::Document::parse(&body).unwrap();
        doc.descendants()
            .filter(|n| n.tag_name().name() == "Attribute")
            .map(|n| n.attribute("Name").unwrap().to_owned())
            .collect()
    } else {
        Vec::new()
    };
    assert!(
        !attributes.iter().any(|a| a == ROLE),
        "the role claim the policy refuses was issued by default: {attributes:?}"
    );
}

/// Finding 6: a `StandardPolicy` rule written for a pattern party never
/// applies. `StandardPolicy::relying_party` keys rules by
/// `normalize_address` and `check_request` looks the requested address up
/// exactly, so the rule for `https://*.partner.example/*` is stored under
/// a key no AppliesTo under that pattern has: requests fall through to the
/// default rule (`RpRule::any()` unless changed) and get what the rule
/// forbids, silently.
#[test]
fn a_policy_rule_for_a_pattern_party_applies_to_its_addresses() {
    use wstrust::policy::{RpRule, StandardPolicy};
    const PATTERN: &str = "https://*.partner.example/*";
    const ROLE: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/role";
    const MAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::pattern(PATTERN).claims([ROLE, MAIL]));
    let policy = StandardPolicy::username_token()
        .relying_party_pattern(PATTERN, RpRule::any().claims([MAIL]));
    let sts = sts_with_policy(rps, policy);
    let named = format!(
        r#"{}<t:Claims Dialect="http://schemas.xmlsoap.org/ws/2005/05/identity" xmlns:i="http://schemas.xmlsoap.org/ws/2005/05/identity"><i:ClaimType Uri="{ROLE}"/></t:Claims>"#,
        applies_to("https://a.partner.example/app")
    );
    let (status, _) = call(&sts, &request(Version::Trust13, false, &named));
    assert_ne!(
        status, 200,
        "the rule for {PATTERN} allows only the e-mail claim, yet the role was issued"
    );
}

/// Finding 5, same class (older than issue 17): the key type an RST leaves
/// out is chosen after `Policy::check_request`, which sees `None` and
/// checks nothing, so a party whose rule allows only holder-of-key tokens
/// gets a bearer token from a request without `wst:KeyType`, while one
/// naming Bearer is refused.
#[test]
fn the_default_key_type_obeys_the_policy_key_type_rule() {
    use wstrust::policy::{RpRule, StandardPolicy};
    const RP: &str = "https://rp.example/hok-only";
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(RP));
    let policy = StandardPolicy::username_token()
        .relying_party(RP, RpRule::any().key_types(&[KeyType::SymmetricKey]));
    let sts = sts_with_policy(rps, policy);
    let v = Version::Trust13;
    let bearer = format!(
        "{}<t:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</t:KeyType>",
        applies_to(RP)
    );
    let (status, _) = call(&sts, &request(v, false, &bearer));
    assert_ne!(status, 200, "the rule allows only symmetric-key tokens");
    let (status, body) = call(&sts, &request(v, false, &applies_to(RP)));
    assert!(
        status != 200 || !body.contains(":cm:bearer"),
        "a bearer token was issued for a party whose rule allows only symmetric keys"
    );
}

/// Finding 5, same class (older than issue 17): the party's default token
/// type is chosen before, but not passed to, `Policy::check_request`, so a
/// rule allowing only SAML 2.0 lets a SAML 1.1 party's default through.
#[test]
fn the_default_token_type_obeys_the_policy_token_type_rule() {
    use wstrust::policy::{RpRule, StandardPolicy};
    use wstrust::wst::TokenType;
    const RP: &str = "https://rp.example/saml2-only";
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(RP).token_type(TokenType::Saml11));
    let policy = StandardPolicy::username_token()
        .relying_party(RP, RpRule::any().token_types(&[TokenType::Saml20]));
    let sts = sts_with_policy(rps, policy);
    let (status, body) = call(&sts, &request(Version::Trust13, false, &applies_to(RP)));
    assert!(
        status != 200 || !body.contains("urn:oasis:names:tc:SAML:1.0:assertion"),
        "a SAML 1.1 token was issued for a party whose rule allows only SAML 2.0"
    );
}

/// Review 2, finding 1: token exchange checks the policy with the key type
/// the RST names when the carried confirmation is bearer
/// (`carried_confirmation` gives `None` for bearer, and `exchange` falls
/// back to `rst.key_type`). A Validate with a TokenType for a party whose
/// rule allows only symmetric keys, naming `wst:KeyType` SymmetricKey (or
/// no KeyType, which skips the key check) and carrying a bearer token, gets
/// a bearer token the rule refuses.
#[test]
fn exchange_of_a_bearer_token_obeys_the_policy_key_type_rule() {
    use wstrust::memory::MemoryTokenStore;
    use wstrust::policy::{RpRule, StandardPolicy};
    const HOK_ONLY: &str = "https://rp.example/hok-only";
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(RP_NOCERT));
    rps.add(RelyingParty::new(HOK_ONLY));
    let policy = StandardPolicy::username_token()
        .relying_party(HOK_ONLY, RpRule::any().key_types(&[KeyType::SymmetricKey]));
    let sts = Sts::new(
        StsConfig::builder()
            .issuer("https://sts.example/")
            .signing_key(
                Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
                Certificate::from_pem(&read("signer.cert.pem")).unwrap(),
            )
            .users(Arc::new(MemoryUserStore::demo()))
            .relying_parties(rps)
            .policy(Arc::new(policy))
            .clock(Arc::new(FixedClock::new(NOW)))
            .token_store(Arc::new(MemoryTokenStore::new(100)))
            .build()
            .unwrap(),
    );
    let v = Version::Trust13;
    // A bearer token for a party without a rule.
    let bearer = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer";
    let (status, body) = call(
        &sts,
        &request(
            v,
            false,
            &format!("{}<t:KeyType>{bearer}</t:KeyType>", applies_to(RP_NOCERT)),
        ),
    );
    assert_eq!(status, 200, "{body}");
    let first = first_child(&body, "RequestedSecurityToken").to_owned();
    assert!(first.contains(":cm:bearer"), "{first}");
    // Asked for directly, a bearer token for HOK_ONLY is refused.
    let (status, _) = call(
        &sts,
        &request(
            v,
            false,
            &format!("{}<t:KeyType>{bearer}</t:KeyType>", applies_to(HOK_ONLY)),
        ),
    );
    assert_ne!(status, 200, "the rule allows only symmetric-key tokens");
    let sym = "http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey";
    let mut bearer_issued = Vec::new();
    for key_type in [format!("<t:KeyType>{sym}</t:KeyType>"), String::new()] {
        let validate = format!(
            r#"<s:Envelope xmlns:s="{}"><s:Header>{}</s:Header><s:Body><t:RequestSecurityToken xmlns:t="{ns}"><t:RequestType>{ns}/Validate</t:RequestType><t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}{key_type}<t:ValidateTarget>{first}</t:ValidateTarget></t:RequestSecurityToken></s:Body></s:Envelope>"#,
            ns::SOAP12,
            security("alice", "alice-password"),
            applies_to(HOK_ONLY),
            ns = v.namespace()
        );
        let (status, body) = call(&sts, &validate);
        let exchanged = if status == 200 {
            element(&body, "RequestedSecurityToken")
                .map(|_| first_child(&body, "RequestedSecurityToken").to_owned())
        } else {
            None
        };
        if exchanged
            .as_deref()
            .is_some_and(|t| t.contains(":cm:bearer"))
        {
            bearer_issued.push(key_type);
        }
    }
    assert!(
        bearer_issued.is_empty(),
        "exchange issued a bearer token for a party whose rule allows only symmetric keys, with KeyType {bearer_issued:?}"
    );
}

/// Review 2, finding 3: `StandardPolicy::relying_party` makes any address
/// holding a `*` a pattern, but `*` is a legal path and query character and
/// the registry decides by constructor (`RelyingParty::new` is exact). A
/// rule written for the exact party `https://rp.example/a*` then also rules
/// `https://rp.example/admin`, which the policy (no default rule: unlisted
/// parties refused) should refuse.
#[test]
fn a_policy_rule_for_an_exact_address_with_a_star_rules_only_that_address() {
    use wstrust::error::Denial;
    use wstrust::host::Principal;
    use wstrust::policy::{AccessRequest, Policy, RpRule, StandardPolicy};
    const STAR: &str = "https://rp.example/a*";
    // The registry takes it as one exact party.
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(STAR));
    assert!(rps.find(STAR).is_ok());
    assert!(rps.find("https://rp.example/admin").is_err());
    let policy = StandardPolicy::username_token()
        .relying_party(STAR, RpRule::any())
        .default_rule(None);
    let alice = Principal {
        name: "alice".into(),
        domain: "PRIMARY".into(),
        roles: vec![],
    };
    let req = |a: &str| AccessRequest {
        applies_to: Some(a.into()),
        ..AccessRequest::default()
    };
    assert_eq!(policy.check_request(&alice, &req(STAR)), Ok(()));
    assert_eq!(
        policy.check_request(&alice, &req("https://rp.example/admin")),
        Err(Denial::RelyingParty),
        "the rule for the exact party {STAR} ruled another address"
    );
}
