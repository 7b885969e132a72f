//! The WS-Trust client (`wstrust::client`, feature `client`) end to end:
//! requests built by the client, answered by an in-process `Sts` through
//! `handle_soap`, and read back (Issue with a UsernameToken in 1.3 and
//! 2005/02, X.509-signed Issue, symmetric keys with the proof key checked
//! against the key the relying party finds in the token, Validate, Renew,
//! Cancel, faults); AD FS-shaped responses and MEX written by hand in
//! `tests/vectors/client/` (golden: `<case>.xml` -> `<case>.expected`, one
//! line each; `BLESS=1` rewrites them); and bad input, each a typed error.
#![cfg(feature = "client")]
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use time::macros::datetime;
use time::OffsetDateTime;
use wstrust::client::{
    mex, parse_response, ClientError, Credential, CredentialKind, KeyRequest, ProofKey, Request,
    Response,
};
use wstrust::config::StsConfig;
use wstrust::error::{FaultCode, Limit};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{FixedClock, MemoryKeyResolver, MemoryTokenStore, MemoryUserStore};
use wstrust::policy::StandardPolicy;
use wstrust::rp::{RelyingParties, RelyingParty};
use wstrust::service::TransportContext;
use wstrust::soap::SoapVersion;
use wstrust::sts::Sts;
use wstrust::wss::WssSettings;
use wstrust::wst::{KeyType, RequestKind, Secret, TokenType, Version};
use wstrust::xml::ns;
use wstrust::{xenc, xml, Error, Limits};

const NOW: OffsetDateTime = datetime!(2027-01-15 12:00 UTC);
const RP: &str = "https://rp.example/plain";
const RP_ENC: &str = "https://rp.example/encrypted";
const EP13: &str = "https://sts.example/adfs/services/trust/13/usernamemixed";
const EP2005: &str = "https://sts.example/adfs/services/trust/2005/usernamemixed";

fn read(p: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/{p}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}
fn cert(p: &str) -> Certificate {
    Certificate::from_pem(&read(p)).unwrap()
}
fn key(p: &str) -> Arc<AwsLcRsaKey> {
    Arc::new(AwsLcRsaKey::from_pem(&read(p)).unwrap())
}

/// An STS with RP (token in clear, HoK keys encrypted for `rp.pem`) and
/// RP_ENC (token encrypted too), demo users and a token store; `x509`
/// switches it to X.509-signed requests trusting the test client CA.
fn sts(x509: bool) -> Sts {
    let mut rps = RelyingParties::new();
    rps.add(
        RelyingParty::new(RP)
            .certificate(cert("data/xenc/rp.pem"))
            .encrypt(false),
    );
    rps.add(RelyingParty::new(RP_ENC).certificate(cert("data/xenc/rp.pem")));
    let mut b = StsConfig::builder()
        .issuer("https://sts.example/")
        .signing_key(key("data/signer.key.pem"), cert("data/signer.cert.pem"))
        .users(Arc::new(MemoryUserStore::demo()))
        .relying_parties(rps)
        .clock(Arc::new(FixedClock::new(NOW)))
        .token_store(Arc::new(MemoryTokenStore::new(100)));
    if x509 {
        b = b
            .policy(Arc::new(StandardPolicy::non_repudiation()))
            .wss(WssSettings {
                trust_anchors: vec![cert("data/auth/ca.cert.pem")],
                ..WssSettings::default()
            });
    }
    Sts::new(b.build().unwrap())
}

fn alice() -> Credential {
    Credential::username("alice", "alice-password")
}

fn client_cert() -> Credential {
    Credential::x509(
        cert("data/auth/client.cert.pem"),
        key("data/auth/client.key.pem"),
    )
}

/// Build `req`, send it to `sts` over TLS, read the answer.
fn call(sts: &Sts, req: &Request, cred: &Credential, id: &str) -> Result<Response, Error> {
    let env = req.build(cred, NOW, id)?;
    let tls = TransportContext {
        tls: true,
        ..TransportContext::default()
    };
    let reply = sts.handle_soap(&env.body, &tls);
    env.read_response(&reply.body, &Limits::default())
}

fn token_text(r: &Response) -> &str {
    std::str::from_utf8(r.token.as_ref().unwrap().as_bytes()).unwrap()
}

/// The key the relying party recovers from the assertion's HoK
/// `xenc:EncryptedKey` with its private key.
fn rp_hok_key(assertion: &str) -> Vec<u8> {
    let mut keys = MemoryKeyResolver::new();
    keys.add(cert("data/xenc/rp.pem"), key("data/xenc/rp.key"))
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

fn fault_of(r: Result<Response, Error>) -> wstrust::client::ServerFault {
    match r {
        Err(Error::Client(ClientError::Fault(f))) => f,
        other => panic!("not a fault: {other:?}"),
    }
}

// ------------------------------------------------------------ round trips

#[test]
fn issue_with_username_token_in_13_and_2005() {
    let sts = sts(false);
    for (v, ep, soap, tt, saml_ns) in [
        (
            Version::Trust13,
            EP13,
            SoapVersion::Soap12,
            TokenType::Saml20,
            ns::SAML2,
        ),
        (
            Version::Trust2005,
            EP2005,
            SoapVersion::Soap11,
            TokenType::Saml11,
            ns::SAML1,
        ),
    ] {
        let req = Request::issue(v, ep)
            .applies_to(RP)
            .token_type(tt)
            .key_type(KeyRequest::Bearer)
            .claim(
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                true,
            );
        let env = req.build(&alice(), NOW, "urn:uuid:1").unwrap();
        assert_eq!(env.content_type, soap.content_type());
        let reply = sts.handle_soap(
            &env.body,
            &TransportContext {
                tls: true,
                ..Default::default()
            },
        );
        assert_eq!(reply.http_status, 200, "{:?}", reply.error);
        let body = String::from_utf8(reply.body.clone()).unwrap();
        let r = env.read_response(&reply.body, &Limits::default()).unwrap();
        assert_eq!(r.soap, soap);
        assert_eq!(r.version, v);
        assert_eq!(r.relates_to.as_deref(), Some("urn:uuid:1"));
        // the token's exact bytes, as they are in the reply
        let token = token_text(&r);
        assert!(body.contains(token));
        let doc = roxmltree::Document::parse(token).unwrap();
        assert!(doc.root_element().has_tag_name((saml_ns, "Assertion")));
        assert!(token.contains("alice@example.com") || token.contains("alice"));
        let id = r.token_id.clone().unwrap();
        assert_eq!(xml::id_of(doc.root_element()), Some(id.as_str()));
        for reference in [&r.attached_reference, &r.unattached_reference] {
            assert_eq!(
                reference
                    .as_ref()
                    .unwrap()
                    .key_identifier
                    .as_ref()
                    .unwrap()
                    .value,
                id
            );
        }
        assert_eq!(r.token_type.as_deref(), Some(tt.uri(v)));
        assert_eq!(r.applies_to.as_deref(), Some(RP));
        let lt = r.lifetime.unwrap();
        assert_eq!(lt.created, Some(NOW));
        assert_eq!(lt.expires, Some(NOW + time::Duration::hours(1)));
        assert!(r.proof_key.is_none());
        assert!(!token.contains("holder-of-key"));
    }
}

#[test]
fn wrong_password_is_a_typed_failed_authentication() {
    let sts = sts(false);
    for (v, soap) in [
        (Version::Trust13, SoapVersion::Soap12),
        (Version::Trust2005, SoapVersion::Soap11),
    ] {
        let req = Request::issue(v, EP13).applies_to(RP);
        let r = call(
            &sts,
            &req,
            &Credential::username("alice", "wrong"),
            "urn:uuid:2",
        );
        let f = fault_of(r);
        assert_eq!(f.soap, soap);
        assert_eq!(f.code(), Some(FaultCode::FailedAuthentication), "{f:?}");
        assert_eq!(f.reason, "Authentication failed");
        if soap == SoapVersion::Soap12 {
            assert_eq!(f.soap_code.as_deref(), Some("Sender"));
        }
    }
    // an unknown relying party: wst:InvalidScope
    let f = fault_of(call(
        &sts,
        &Request::issue(Version::Trust13, EP13).applies_to("https://nobody.example/"),
        &alice(),
        "urn:uuid:3",
    ));
    assert_eq!(f.code(), Some(FaultCode::InvalidScope));
    assert_eq!(f.namespace.as_deref(), Some(ns::WST_13));
}

#[test]
fn x509_signed_issue_and_public_key() {
    let sts = sts(true);
    let r = call(
        &sts,
        &Request::issue(Version::Trust13, EP13).applies_to(RP),
        &client_cert(),
        "urn:uuid:4",
    )
    .unwrap();
    assert!(token_text(&r).contains("client.example"));
    // the same signed request bytes again are a replay, refused
    let env = Request::issue(Version::Trust2005, EP2005)
        .applies_to(RP)
        .build(&client_cert(), NOW, "urn:uuid:5")
        .unwrap();
    let tls = TransportContext {
        tls: true,
        ..Default::default()
    };
    let first = sts.handle_soap(&env.body, &tls);
    assert!(env.read_response(&first.body, &Limits::default()).is_ok());
    let again = sts.handle_soap(&env.body, &tls);
    let f = fault_of(env.read_response(&again.body, &Limits::default()));
    assert_eq!(f.code(), Some(FaultCode::InvalidSecurity));
    // a tampered Body breaks the signature
    let text = String::from_utf8(
        Request::issue(Version::Trust13, EP13)
            .applies_to(RP)
            .build(&client_cert(), NOW, "urn:uuid:6")
            .unwrap()
            .body,
    )
    .unwrap();
    let tampered = text.replace(RP, RP_ENC);
    let reply = sts.handle_soap(tampered.as_bytes(), &tls);
    let f = fault_of(parse_response(&reply.body, &Limits::default(), None));
    assert_eq!(f.code(), Some(FaultCode::FailedCheck));
    // a password is not accepted at this (certificate) STS
    let f = fault_of(call(
        &sts,
        &Request::issue(Version::Trust13, EP13).applies_to(RP),
        &alice(),
        "urn:uuid:7",
    ));
    assert_eq!(f.code(), Some(FaultCode::InvalidSecurity));

    // a public-key token bound to the signing certificate
    let r = call(
        &sts,
        &Request::issue(Version::Trust13, EP13)
            .applies_to(RP)
            .key_type(KeyRequest::public_key(cert("data/auth/client.cert.pem"))),
        &client_cert(),
        "urn:uuid:8",
    )
    .unwrap();
    let token = token_text(&r);
    assert!(token.contains("holder-of-key"));
    let der = cert("data/auth/client.cert.pem").der_base64().to_owned();
    assert!(token.contains(&der), "the token names the client's key");
    assert!(r.proof_key.is_none());
}

#[test]
fn symmetric_keys_equal_what_the_relying_party_gets() {
    let sts = sts(false);
    let entropy = Secret::new((0u8..32).map(|b| b ^ 0xa5).collect());
    for v in [Version::Trust13, Version::Trust2005] {
        for bits in [None, Some(128), Some(512)] {
            // computed from both entropies
            let req = Request::issue(v, EP13)
                .applies_to(RP)
                .key_type(KeyRequest::Symmetric {
                    entropy: Some(entropy.clone()),
                    key_size: bits,
                });
            let r = call(&sts, &req, &alice(), "urn:uuid:9").unwrap();
            let Some(ProofKey::Computed(k)) = &r.proof_key else {
                panic!("{:?}", r.proof_key)
            };
            let want_len = bits.unwrap_or(256) as usize / 8;
            assert_eq!(k.as_bytes().len(), want_len);
            assert_eq!(r.key_type, Some(KeyType::SymmetricKey));
            assert!(r.server_entropy.is_some());
            assert_eq!(rp_hok_key(token_text(&r)), k.as_bytes(), "{v:?} {bits:?}");
            // the same answer read without the client entropy cannot give the key
            let env = req.build(&alice(), NOW, "urn:uuid:10").unwrap();
            let reply = sts.handle_soap(
                &env.body,
                &TransportContext {
                    tls: true,
                    ..Default::default()
                },
            );
            assert!(matches!(
                parse_response(&reply.body, &Limits::default(), None),
                Err(Error::Client(ClientError::ProofKey(_)))
            ));
            let other = Secret::new(vec![7; 32]);
            let r2 = parse_response(&reply.body, &Limits::default(), Some(&other)).unwrap();
            let wrong = r2.proof_key.clone().unwrap();
            assert_ne!(wrong.bytes().unwrap(), rp_hok_key(token_text(&r2)));
        }
        // chosen by the STS, sent in clear
        let r = call(
            &sts,
            &Request::issue(v, EP13)
                .applies_to(RP)
                .key_type(KeyRequest::Symmetric {
                    entropy: None,
                    key_size: None,
                }),
            &alice(),
            "urn:uuid:11",
        )
        .unwrap();
        let Some(ProofKey::Secret(k)) = &r.proof_key else {
            panic!("{:?}", r.proof_key)
        };
        assert_eq!(rp_hok_key(token_text(&r)), k.as_bytes());
    }
    // an encrypted token comes back as its exact EncryptedAssertion bytes
    let r = call(
        &sts,
        &Request::issue(Version::Trust13, EP13).applies_to(RP_ENC),
        &alice(),
        "urn:uuid:12",
    )
    .unwrap();
    let doc = roxmltree::Document::parse(token_text(&r)).unwrap();
    assert_eq!(
        doc.root_element().tag_name().namespace(),
        Some(ns::SAML2),
        "a SAML 2.0 EncryptedAssertion"
    );
    assert_eq!(doc.root_element().tag_name().name(), "EncryptedAssertion");
    assert!(r.token_id.is_none());
}

#[test]
fn validate_renew_cancel_an_issued_token() {
    let sts = sts(false);
    for v in [Version::Trust13, Version::Trust2005] {
        let issued = call(
            &sts,
            &Request::issue(v, EP13).applies_to(RP),
            &alice(),
            "urn:uuid:20",
        )
        .unwrap();
        let first = issued.token.unwrap();
        let status = |token: &[u8]| {
            let r = call(
                &sts,
                &Request::validate(v, EP13, token),
                &alice(),
                "urn:uuid:21",
            )
            .unwrap();
            assert_eq!(r.token_type.as_deref(), Some(TokenType::Status.uri(v)));
            r.status.unwrap().valid
        };
        assert!(status(first.as_bytes()));
        let renewed = call(
            &sts,
            &Request::renew(v, EP13, first.as_bytes()),
            &alice(),
            "urn:uuid:22",
        )
        .unwrap();
        let second = renewed.token.unwrap();
        assert_ne!(first, second);
        assert!(!status(first.as_bytes()), "the renewed token is spent");
        assert!(status(second.as_bytes()));
        let cancelled = call(
            &sts,
            &Request::cancel(v, EP13, second.as_bytes()),
            &alice(),
            "urn:uuid:23",
        )
        .unwrap();
        assert!(cancelled.cancelled);
        assert!(!status(second.as_bytes()));
        // renewing the cancelled token is a typed fault
        let f = fault_of(call(
            &sts,
            &Request::renew(v, EP13, second.as_bytes()),
            &alice(),
            "urn:uuid:24",
        ));
        assert!(f.code().is_some(), "{f:?}");
    }
}

#[test]
fn answers_must_fit_their_request() {
    let sts = sts(false);
    let tls = TransportContext {
        tls: true,
        ..Default::default()
    };
    let issue = Request::issue(Version::Trust13, EP13)
        .applies_to(RP)
        .build(&alice(), NOW, "urn:uuid:30")
        .unwrap();
    let reply = sts.handle_soap(&issue.body, &tls).body;
    // another request's answer
    let other = Request::issue(Version::Trust13, EP13)
        .applies_to(RP)
        .build(&alice(), NOW, "urn:uuid:31")
        .unwrap();
    assert!(matches!(
        other.read_response(&reply, &Limits::default()),
        Err(Error::Client(ClientError::RelatesToMismatch))
    ));
    // a 1.3 answer to a 2005 request
    let old = Request::issue(Version::Trust2005, EP2005)
        .applies_to(RP)
        .build(&alice(), NOW, "urn:uuid:30")
        .unwrap();
    assert!(matches!(
        old.read_response(&reply, &Limits::default()),
        Err(Error::Client(ClientError::VersionMismatch))
    ));
    // an Issue answer without a token, and a Cancel answer that cancels nothing
    let text = read("vectors/client/rstr_without_token.xml");
    assert!(matches!(
        issue.read_response(&text, &Limits::default()),
        Err(Error::Client(ClientError::Missing(
            "RequestedSecurityToken"
        )))
    ));
    let cancel = Request::cancel(Version::Trust13, EP13, b"<a xmlns=\"urn:a\"/>")
        .build(&alice(), NOW, "urn:uuid:32")
        .unwrap();
    assert!(matches!(
        cancel.read_response(&reply, &Limits::default()),
        Err(Error::Client(ClientError::RelatesToMismatch))
    ));
    let validate = Request::validate(Version::Trust13, EP13, b"<a xmlns=\"urn:a\"/>")
        .build(&alice(), NOW, "urn:uuid:33")
        .unwrap();
    assert!(matches!(
        validate.read_response(&text, &Limits::default()),
        Err(Error::Client(ClientError::Missing("Status")))
    ));
    assert!(matches!(
        cancel.read_response(&text, &Limits::default()),
        Err(Error::Client(ClientError::Missing(
            "RequestedTokenCancelled"
        )))
    ));
}

// ------------------------------------------------------------ MEX

#[test]
fn mex_of_the_sts_and_of_adfs() {
    use wstrust::mex::{wsdl, Endpoint};
    let served = wsdl(&[
        Endpoint::username_mixed(EP2005, Version::Trust2005),
        Endpoint::username_mixed(EP13, Version::Trust13),
    ]);
    let found = mex::parse(&served, &Limits::default()).unwrap();
    let e = mex::choose(&found, CredentialKind::UsernamePassword).unwrap();
    assert_eq!((e.address.as_str(), e.version), (EP13, Version::Trust13));
    // and the chosen endpoint works
    let sts = sts(false);
    let r = call(&sts, &e.issue().applies_to(RP), &alice(), "urn:uuid:40").unwrap();
    assert_eq!(r.soap, SoapVersion::Soap12);

    let adfs = read("vectors/client/adfs_mex.xml");
    let found = mex::parse(&adfs, &Limits::default()).unwrap();
    let summary: Vec<String> = found
        .iter()
        .map(|e| format!("{:?} {:?} {}", e.version, e.credential, e.address))
        .collect();
    assert_eq!(
        summary,
        [
            "Trust2005 Certificate https://adfs.contoso.com/adfs/services/trust/2005/certificatemixed",
            "Trust2005 UsernamePassword https://adfs.contoso.com/adfs/services/trust/2005/usernamemixed",
            "Trust13 Certificate https://adfs.contoso.com/adfs/services/trust/13/certificatemixed",
            "Trust13 UsernamePassword https://adfs.contoso.com/adfs/services/trust/13/usernamemixed",
        ],
        "windowstransport is not offered"
    );
    let pick = |bytes: &[u8], kind| {
        mex::choose(&mex::parse(bytes, &Limits::default()).unwrap(), kind)
            .map(|e| e.address.rsplit("/trust/").next().unwrap().to_owned())
    };
    assert_eq!(
        pick(&adfs, CredentialKind::UsernamePassword).unwrap(),
        "13/usernamemixed"
    );
    assert_eq!(
        pick(&adfs, CredentialKind::Certificate).unwrap(),
        "13/certificatemixed"
    );
    // without the 1.3 endpoints, 2005; over plain HTTP, none
    let text = String::from_utf8(adfs.clone()).unwrap();
    let no13 = text.replace(
        "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue",
        "urn:other",
    );
    assert_eq!(
        pick(no13.as_bytes(), CredentialKind::UsernamePassword).unwrap(),
        "2005/usernamemixed"
    );
    let http = text.replace("https://adfs", "http://adfs");
    assert!(matches!(
        pick(http.as_bytes(), CredentialKind::UsernamePassword),
        Err(Error::Client(ClientError::NoUsableEndpoint))
    ));
}

#[test]
fn wrong_mex_documents_are_typed_errors() {
    let adfs = String::from_utf8(read("vectors/client/adfs_mex.xml")).unwrap();
    // only Windows transport (no mixed-mode policy): nothing usable
    let windows_only = adfs
        .replace("SignedEncryptedSupportingTokens", "Other")
        .replace("SignedSupportingTokens", "Other")
        .replace("EndorsingSupportingTokens", "Other");
    for kind in [
        CredentialKind::UsernamePassword,
        CredentialKind::Certificate,
    ] {
        let found = mex::parse(windows_only.as_bytes(), &Limits::default()).unwrap();
        assert!(found.is_empty());
        assert!(matches!(
            mex::choose(&found, kind),
            Err(Error::Client(ClientError::NoUsableEndpoint))
        ));
    }
    // SOAP 1.1 bindings only (MSAL takes SOAP 1.2 ones)
    let soap11 = adfs.replace("<soap12:binding transport", "<soap:binding transport");
    assert!(mex::parse(soap11.as_bytes(), &Limits::default())
        .unwrap()
        .is_empty());
    for (bad, what) in [
        (read("vectors/client/html_error_page.xml"), "html"),
        (b"not xml at all".to_vec(), "text"),
        (read("vectors/client/adfs13_rstrc_saml20.xml"), "an RSTRC"),
        (
            read("vectors/client/mex_get_response_payload.xml"),
            "empty Metadata",
        ),
    ] {
        assert!(
            matches!(
                mex::parse(&bad, &Limits::default()),
                Err(Error::Client(ClientError::NotMex(_)))
            ),
            "{what}"
        );
    }
    let tiny = Limits {
        max_bytes: 1000,
        ..Limits::default()
    };
    assert!(matches!(
        mex::parse(adfs.as_bytes(), &tiny),
        Err(Error::Limit(Limit::Size))
    ));
}

// ------------------------------------------------------------ vectors

/// One line for a parse result.
fn summary(r: &Result<Response, Error>, text: &str) -> String {
    match r {
        Ok(r) => {
            if let Some(t) = &r.token {
                let t = std::str::from_utf8(t.as_bytes()).unwrap();
                assert!(text.contains(t), "token bytes are not the input's");
            }
            let token = r.token.as_ref().map(|t| {
                let s = std::str::from_utf8(t.as_bytes()).unwrap();
                let doc = roxmltree::Document::parse(s).unwrap();
                let n = doc.root_element().tag_name();
                format!("{{{}}}{}", n.namespace().unwrap_or(""), n.name())
            });
            let reference = |x: &Option<wstrust::client::Reference>| {
                x.as_ref().map(|x| {
                    let ki = x.key_identifier.as_ref().unwrap();
                    let vt = ki.value_type.as_deref().unwrap_or("");
                    format!("{}:{}", vt.rsplit('#').next().unwrap(), ki.value)
                })
            };
            let proof = r.proof_key.as_ref().map(|p| match p {
                ProofKey::Secret(s) => format!("Secret({} bytes)", s.as_bytes().len()),
                ProofKey::Computed(s) => format!("Computed({} bytes)", s.as_bytes().len()),
                ProofKey::Encrypted(_) => "Encrypted".to_owned(),
            });
            let lt = r.lifetime.map(|l| {
                let f = |t: Option<OffsetDateTime>| {
                    t.map(|t| {
                        t.format(&time::format_description::well_known::Rfc3339)
                            .unwrap()
                    })
                };
                format!("{:?}..{:?}", f(l.created), f(l.expires))
            });
            format!(
                "ok soap={:?} version={:?} action={:?} relates_to={:?} context={:?} token_type={:?} request_type={:?} token={:?} token_id={:?} attached={:?} unattached={:?} proof={:?} key_type={:?} key_size={:?} lifetime={} applies_to={:?} status={:?} cancelled={}",
                r.soap,
                r.version,
                r.action,
                r.relates_to,
                r.context,
                r.token_type,
                r.request_type,
                token,
                r.token_id,
                reference(&r.attached_reference),
                reference(&r.unattached_reference),
                proof,
                r.key_type,
                r.key_size,
                lt.unwrap_or_else(|| "None".into()),
                r.applies_to,
                r.status.as_ref().map(|s| (s.valid, s.reason.clone())),
                r.cancelled,
            )
        }
        Err(Error::Client(ClientError::Fault(f))) => format!(
            "fault soap={:?} code={:?} namespace={:?} local={:?} soap_code={:?} reason={:?}",
            f.soap,
            f.code(),
            f.namespace,
            f.local_name,
            f.soap_code,
            f.reason
        ),
        Err(e) => format!("error {e:?}"),
    }
}

#[test]
fn response_vectors() {
    let dir = format!("{}/tests/vectors/client", env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("BLESS").is_some();
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .filter(|p| !p.file_name().unwrap().to_str().unwrap().contains("mex"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 14, "{cases:?}");
    for path in cases {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let r = parse_response(&bytes, &Limits::default(), None);
        let got = summary(&r, &text);
        let expected = path.with_extension("expected");
        if bless {
            std::fs::write(&expected, format!("{got}\n")).unwrap();
        }
        let want = std::fs::read_to_string(&expected)
            .unwrap_or_else(|_| panic!("{} missing", expected.display()));
        assert_eq!(got, want.trim_end(), "{}", path.display());
    }
}

#[test]
fn adfs_shapes_read_into_their_fields() {
    let r = parse_response(
        &read("vectors/client/adfs13_rstrc_saml20.xml"),
        &Limits::default(),
        None,
    )
    .unwrap();
    let id = "_d2a8c5e1-4f6b-4a0e-9c3d-7b1e2f3a4b5c";
    assert_eq!(r.token_id.as_deref(), Some(id));
    assert_eq!(r.request_type, Some(RequestKind::Issue));
    assert_eq!(r.key_type, Some(KeyType::Bearer));
    let a = r.attached_reference.unwrap();
    assert!(std::str::from_utf8(a.xml.as_bytes())
        .unwrap()
        .starts_with("<SecurityTokenReference d3p1:TokenType="));
    assert_eq!(a.key_identifier.unwrap().value, id);
    let r = parse_response(
        &read("vectors/client/adfs13_encrypted_symmetric.xml"),
        &Limits::default(),
        None,
    )
    .unwrap();
    let Some(ProofKey::Secret(k)) = r.proof_key else {
        panic!()
    };
    assert_eq!(k.as_bytes(), (0u8..32).collect::<Vec<_>>());
    let f = fault_of(parse_response(
        &read("vectors/client/adfs_soap12_fault.xml"),
        &Limits::default(),
        None,
    ));
    // `a:` is the addressing prefix in the header and WS-Trust 1.3 on the Value
    assert_eq!(f.code(), Some(FaultCode::TrustFailedAuthentication));
    assert!(f.reason.starts_with("ID3242"));
    let f = fault_of(parse_response(
        &read("vectors/client/soap11_fault.xml"),
        &Limits::default(),
        None,
    ));
    assert_eq!(f.code(), Some(FaultCode::InvalidSecurity));
    assert_eq!(f.soap, SoapVersion::Soap11);
}

// ------------------------------------------------------------ bad input

#[test]
fn bad_responses_are_typed_errors_never_panics() {
    let limits = Limits::default();
    let not_soap = |b: &[u8]| {
        matches!(
            parse_response(b, &limits, None),
            Err(Error::Client(ClientError::NotSoap(_)))
        )
    };
    for b in [
        &b""[..],
        b"\xff\xfe<a/>",
        b"<html><body>oops</body></html>",
        b"<!DOCTYPE html><html/>",
        b"<a/>",
        b"{\"error\":\"invalid_grant\"}",
        b"<s:Envelope xmlns:s=\"urn:not-soap\"><s:Body/></s:Envelope>",
    ] {
        assert!(not_soap(b), "{}", String::from_utf8_lossy(b));
    }
    // a SOAP envelope with some other payload
    let other = format!(
        r#"<s:Envelope xmlns:s="{}"><s:Body><x:Hello xmlns:x="urn:x"/></s:Body></s:Envelope>"#,
        ns::SOAP12
    );
    assert!(matches!(
        parse_response(other.as_bytes(), &limits, None),
        Err(Error::Client(ClientError::UnexpectedPayload(p))) if p == "Hello"
    ));
    // oversized and deep
    let big = read("vectors/client/adfs13_rstrc_saml20.xml");
    let tiny = Limits {
        max_bytes: big.len() - 1,
        ..Limits::default()
    };
    assert!(matches!(
        parse_response(&big, &tiny, None),
        Err(Error::Limit(Limit::Size))
    ));
    let deep = format!(
        r#"<s:Envelope xmlns:s="{}"><s:Body>{}{}</s:Body></s:Envelope>"#,
        ns::SOAP12,
        "<a>".repeat(5000),
        "</a>".repeat(5000)
    );
    assert!(matches!(
        parse_response(deep.as_bytes(), &limits, None),
        Err(Error::Limit(Limit::Depth))
    ));
    let nodes = format!(
        r#"<s:Envelope xmlns:s="{}"><s:Body><a>{}</a></s:Body></s:Envelope>"#,
        ns::SOAP12,
        "<b/>".repeat(200_000)
    );
    assert!(matches!(
        parse_response(nodes.as_bytes(), &limits, None),
        Err(Error::Limit(Limit::Nodes | Limit::Size))
    ));
    // every prefix of a real answer: an error or a response, never a panic
    let sts = sts(false);
    let env = Request::issue(Version::Trust13, EP13)
        .applies_to(RP)
        .key_type(KeyRequest::Symmetric {
            entropy: Some(Secret::new(vec![9; 32])),
            key_size: None,
        })
        .build(&alice(), NOW, "urn:uuid:50")
        .unwrap();
    let reply = sts
        .handle_soap(
            &env.body,
            &TransportContext {
                tls: true,
                ..Default::default()
            },
        )
        .body;
    for n in (0..reply.len()).step_by(7) {
        assert!(env.read_response(&reply[..n], &limits).is_err());
    }
    assert!(env.read_response(&reply, &limits).is_ok());
}

// ------------------------------------------------------------ properties

mod props {
    use super::*;
    use proptest::prelude::*;

    fn vectors() -> Vec<Vec<u8>> {
        [
            "adfs13_rstrc_saml20.xml",
            "adfs2005_rstr_saml11.xml",
            "adfs13_encrypted_symmetric.xml",
            "adfs_soap12_fault.xml",
            "soap11_fault.xml",
            "validate_status_invalid.xml",
            "adfs_mex.xml",
        ]
        .iter()
        .map(|n| read(&format!("vectors/client/{n}")))
        .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any splice of bytes into any vector: a result or a typed error,
        /// never a panic, from the response and MEX parsers alike.
        #[test]
        fn mutated_inputs_never_panic(
            which in 0usize..7,
            at in any::<prop::sample::Index>(),
            cut in 0usize..64,
            insert in prop::collection::vec(any::<u8>(), 0..16),
        ) {
            let v = &vectors()[which];
            let start = at.index(v.len());
            let end = (start + cut).min(v.len());
            let mut m = v[..start].to_vec();
            m.extend_from_slice(&insert);
            m.extend_from_slice(&v[end..]);
            let entropy = Secret::new(vec![1; 32]);
            let _ = parse_response(&m, &Limits::default(), Some(&entropy));
            let _ = mex::parse(&m, &Limits::default());
        }

        /// Whatever the values, a built request is well-formed SOAP that the
        /// STS's own reader reads back to the same values.
        #[test]
        fn built_requests_read_back(
            rp in "[ -~\u{a0}-\u{10ffff}]{1,40}",
            user in "[ -~\u{a0}-\u{2ff}]{1,20}",
            claim in "[!-~]{1,30}",
        ) {
            prop_assume!(!rp.trim().is_empty() && !user.trim().is_empty());
            prop_assume!(!rp.contains(['\u{fffe}', '\u{ffff}']));
            let env = Request::issue(Version::Trust13, EP13)
                .applies_to(rp.clone())
                .claim(claim.clone(), false)
                .build(&Credential::username(user.clone(), "p"), NOW, "urn:uuid:p")
                .unwrap();
            let text = std::str::from_utf8(&env.body).unwrap();
            let doc = xml::parse(text, &Limits::default()).unwrap();
            let msg = wstrust::soap::Message::parse(&doc).unwrap();
            let wstrust::wst::Request::Single(rst) =
                wstrust::wst::Request::parse(msg.payload()).unwrap()
            else {
                panic!("not a single RST")
            };
            prop_assert_eq!(rst.applies_to.unwrap().address, rp.trim());
            prop_assert_eq!(&rst.claims.unwrap().claim_types[0].uri, &claim);
            let name = doc
                .descendants()
                .find(|n| n.has_tag_name((ns::WSSE, "Username")))
                .unwrap();
            prop_assert_eq!(xml::whole_text(name), user.as_str());
        }
    }
}
