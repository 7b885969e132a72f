//! Validate, renew and cancel through the STS (`handle_soap`).
//!
//! Trusted foreign issuers: Validate accepts
//! a trusted issuer's token only when its issuer name and signing
//! certificate are a configured pair, exchanges a foreign SAML 1.1 token for
//! a SAML 2.0 token of this STS, Renew and Cancel refuse foreign tokens, and
//! the default assertion verifier accepts the same tokens in the
//! `wsse:Security` header (audience: this STS) and in `OnBehalfOf`, mapping
//! subjects onto local accounts only for local-account issuers.
//!
//! Targets by reference: a `wsse:SecurityTokenReference` in `ValidateTarget`
//! (and Renew/Cancel) resolves to the assertion of the message's own
//! Security header; duplicate IDs and references elsewhere are refused.
#![allow(clippy::unwrap_used)]

mod sts_common;
use sts_common::*;

use std::sync::Arc;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use wstrust::config::{StsConfig, StsConfigBuilder};
use wstrust::dsig::{self, KeyInfo, SignOptions, SigningKey};
use wstrust::host::{TokenState, TokenStore};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{FixedClock, MemoryTokenStore, MemoryUserStore};
use wstrust::policy::{Method, StandardPolicy};
use wstrust::rp::{RelyingParties, RelyingParty};
use wstrust::sts::Sts;
use wstrust::token::{Expect, TokenValidator, TrustedIssuer};
use wstrust::xml::ns;
use wstrust::Limits;

const NOW: OffsetDateTime = datetime!(2027-01-15 12:00 UTC);
const STS: &str = "https://sts.example/";
const PARTNER: &str = "https://partner.example/";
const RP: &str = "https://rp.example/nocert";
/// The partner's SAML 1.1 UPN attribute, as namespace/name.
const UPN: &str = "http://schemas.xmlsoap.org/claims/upn";
const ROLE: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/role";
const MAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
const GIVEN_NAME: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname";
fn read(p: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/{p}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

struct Party {
    key: AwsLcRsaKey,
    cert: Certificate,
}

fn party(key: &str, cert: &str) -> Party {
    Party {
        key: AwsLcRsaKey::from_pem(&read(key)).unwrap(),
        cert: Certificate::from_pem(&read(cert)).unwrap(),
    }
}
fn sts_party() -> Party {
    party("data/signer.key.pem", "data/signer.cert.pem")
}
fn partner() -> Party {
    party(
        "vectors/validate/partner.key.pem",
        "vectors/validate/partner.cert.pem",
    )
}
fn rogue() -> Party {
    party(
        "vectors/validate/rogue.key.pem",
        "vectors/validate/rogue.cert.pem",
    )
}

fn sign(xml: &str, p: &Party) -> String {
    dsig::sign_enveloped(
        xml,
        None,
        SigningKey::Rsa(&p.key),
        &SignOptions {
            key_info: KeyInfo::X509Certificate(&p.cert),
            ..Default::default()
        },
        &Limits::default(),
    )
    .unwrap()
}

/// A SAML 1.1 bearer assertion of `issuer` for `subject`, audience `aud`.
fn saml11(id: &str, issuer: &str, subject: &str, aud: &str) -> String {
    let subj = format!(
        r#"<saml:Subject><saml:NameIdentifier>{subject}</saml:NameIdentifier><saml:SubjectConfirmation><saml:ConfirmationMethod>urn:oasis:names:tc:SAML:1.0:cm:bearer</saml:ConfirmationMethod></saml:SubjectConfirmation></saml:Subject>"#
    );
    format!(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" MajorVersion="1" MinorVersion="1" AssertionID="{id}" Issuer="{issuer}" IssueInstant="{nb}"><saml:Conditions NotBefore="{nb}" NotOnOrAfter="{noa}"><saml:AudienceRestrictionCondition><saml:Audience>{aud}</saml:Audience></saml:AudienceRestrictionCondition></saml:Conditions><saml:AttributeStatement>{subj}<saml:Attribute AttributeName="upn" AttributeNamespace="http://schemas.xmlsoap.org/claims"><saml:AttributeValue>{subject}@partner.example</saml:AttributeValue></saml:Attribute></saml:AttributeStatement><saml:AuthenticationStatement AuthenticationMethod="urn:oasis:names:tc:SAML:1.0:am:password" AuthenticationInstant="{nb}">{subj}</saml:AuthenticationStatement></saml:Assertion>"#,
        nb = t(NOW - Duration::minutes(1)),
        noa = t(NOW + Duration::hours(1)),
    )
}

/// A SAML 2.0 bearer assertion of `issuer` for `subject`, audience `aud`,
/// delivered to this STS's `ENDPOINT` (its bearer `Recipient`).
fn saml2(id: &str, issuer: &str, subject: &str, aud: &str) -> String {
    format!(
        r#"<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" IssueInstant="{nb}" Version="2.0"><saml2:Issuer>{issuer}</saml2:Issuer><saml2:Subject><saml2:NameID>{subject}</saml2:NameID><saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml2:SubjectConfirmationData Recipient="{ENDPOINT}"/></saml2:SubjectConfirmation></saml2:Subject><saml2:Conditions NotBefore="{nb}" NotOnOrAfter="{noa}"><saml2:AudienceRestriction><saml2:Audience>{aud}</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions><saml2:AttributeStatement><saml2:Attribute Name="partner-role"><saml2:AttributeValue>auditor</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion>"#,
        nb = t(NOW - Duration::minutes(1)),
        noa = t(NOW + Duration::hours(1)),
    )
}

/// The STS of these tests, at `ENDPOINT`.
fn builder(store: Arc<MemoryTokenStore>) -> StsConfigBuilder {
    builder_without_endpoints(store).endpoint(ENDPOINT)
}

fn builder_without_endpoints(store: Arc<MemoryTokenStore>) -> StsConfigBuilder {
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(RP));
    let me = sts_party();
    StsConfig::builder()
        .issuer(STS)
        .signing_key(Arc::new(me.key), me.cert)
        .users(Arc::new(MemoryUserStore::demo()))
        .relying_parties(rps)
        .clock(Arc::new(FixedClock::new(NOW)))
        .token_store(store)
        .trusted_issuer(PARTNER, partner().cert)
        .trusted_intermediary("admin")
        .policy(Arc::new(
            StandardPolicy::username_token()
                .methods(&[Method::PasswordText, Method::SamlAssertion]),
        ))
}

fn sts_with(f: impl FnOnce(StsConfigBuilder) -> StsConfigBuilder) -> (Sts, Arc<MemoryTokenStore>) {
    let store = Arc::new(MemoryTokenStore::new(100));
    let b = f(builder(store.clone()));
    (Sts::new(b.build().unwrap()), store)
}

fn password(user: &str) -> String {
    password_header(user, NOW, "")
}

fn saml_header(assertion: &str) -> String {
    format!(
        r#"<wsse:Security xmlns:wsse="{}">{}{assertion}</wsse:Security>"#,
        ns::WSSE,
        timestamp(NOW)
    )
}

/// Asks for the e-mail claim (optional): local accounts have one, the
/// partner's principals do not.
const EMAIL: &str = r#"<t:Claims Dialect="http://schemas.xmlsoap.org/ws/2005/05/identity"><i:ClaimType xmlns:i="http://schemas.xmlsoap.org/ws/2005/05/identity" Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" Optional="true"/></t:Claims>"#;

fn status_of(sts: &Sts, token: &str) -> String {
    let (status, body) = call(
        sts,
        &op(
            &password("alice"),
            "Validate",
            &format!("{STATUS}<t:ValidateTarget>{token}</t:ValidateTarget>"),
        ),
    );
    assert_eq!(status, 200, "{body}");
    text_of(&body, "Code").unwrap()
}

fn valid(code: &str) -> bool {
    code.ends_with("/status/valid")
}

/// The issuer name and the signing certificate must be one configured pair.
#[test]
fn validate_accepts_only_configured_issuer_and_certificate_pairs() {
    let (sts, _) = sts_with(|b| b);
    let p = partner();
    let ok = sign(&saml11("_p1", PARTNER, "bob", RP), &p);
    assert!(valid(&status_of(&sts, &ok)));
    let ok2 = sign(&saml2("_p2", PARTNER, "bob", RP), &p);
    assert!(valid(&status_of(&sts, &ok2)));

    // The partner's key under another issuer name (unknown, or this STS's).
    for issuer in ["https://elsewhere.example/", STS] {
        let x = sign(&saml11("_p3", issuer, "bob", RP), &p);
        assert!(
            status_of(&sts, &x).ends_with("/status/invalid"),
            "partner key as {issuer}"
        );
    }
    // The partner's name with another key (a rogue's, or this STS's own).
    for signer in [rogue(), sts_party()] {
        let x = sign(&saml11("_p4", PARTNER, "bob", RP), &signer);
        assert!(status_of(&sts, &x).ends_with("/status/invalid"));
    }
    // Tampered after signing.
    let x = ok.replace(">bob<", ">eve<");
    assert!(status_of(&sts, &x).ends_with("/status/invalid"));

    // Without the trusted issuer, the partner's token is invalid.
    let store = Arc::new(MemoryTokenStore::new(10));
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(RP));
    let me = sts_party();
    let plain = Sts::new(
        StsConfig::builder()
            .issuer(STS)
            .signing_key(Arc::new(me.key), me.cert)
            .users(Arc::new(MemoryUserStore::demo()))
            .relying_parties(rps)
            .clock(Arc::new(FixedClock::new(NOW)))
            .token_store(store)
            .build()
            .unwrap(),
    );
    assert!(status_of(&plain, &ok).ends_with("/status/invalid"));
}

/// Issue 17 item 3: a partner's SHA-1 signature (RSA-SHA1, SHA-1 digest)
/// is refused unless that very trusted issuer allows SHA-1; allowing it for
/// another issuer does not let this one's through.
#[test]
fn partner_sha1_signatures_only_where_allowed() {
    let key = wstrust::keys::HazmatRsaCrateKey::from_pem(&read("vectors/validate/partner.key.pem"))
        .unwrap();
    let cert = partner().cert;
    let sha1 = |id: &str| {
        dsig::sign_enveloped(
            &saml2(id, PARTNER, "bob", RP),
            None,
            SigningKey::Rsa(&key),
            &SignOptions {
                key_info: KeyInfo::X509Certificate(&cert),
                algorithm: dsig::SignatureAlgorithm::RsaSha1,
                digest: dsig::DigestAlgorithm::Sha1,
                ..Default::default()
            },
            &Limits::default(),
        )
        .unwrap()
    };
    let (sts, _) = sts_with(|b| b);
    assert!(status_of(&sts, &sha1("_s1")).ends_with("/status/invalid"));
    let (sts, _) = sts_with(|b| {
        b.trusted_issuer("https://legacy.example/", rogue().cert)
            .trusted_issuer_sha1("https://legacy.example/")
    });
    assert!(status_of(&sts, &sha1("_s2")).ends_with("/status/invalid"));
    let (sts, _) = sts_with(|b| b.trusted_issuer_sha1(PARTNER));
    assert!(valid(&status_of(&sts, &sha1("_s3"))));
    // SHA-256 still passes there.
    assert!(valid(&status_of(
        &sts,
        &sign(&saml2("_s4", PARTNER, "bob", RP), &partner())
    )));
    // Only for a trusted issuer.
    let e = builder(Arc::new(MemoryTokenStore::new(1)))
        .trusted_issuer_sha1("https://unknown.example/")
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("not a trusted issuer"), "{e}");
}

/// Issue 17 item 15: a trusted key under another issuer name. Validate can
/// judge such a token, so it answers a status (`status/invalid`); as a
/// credential (a header assertion or
/// `OnBehalfOf`), it is a request the STS cannot process:
/// `wsse:InvalidSecurityToken`.
#[test]
fn trusted_key_under_another_issuer_name() {
    let audit = Arc::new(wstrust::audit::MemoryAudit::default());
    let a2 = audit.clone();
    let (sts, _) = sts_with(move |b| b.audit(a2));
    let x = sign(
        &saml2("_n1", "https://elsewhere.example/", "bob", STS),
        &partner(),
    );
    assert!(status_of(&sts, &x).ends_with("/status/invalid"));
    let (status, body) = issue_with(&sts, &saml_header(&x), RP);
    assert_eq!(status, 500, "{body}");
    assert!(
        fault_code(&body).ends_with("InvalidSecurityToken"),
        "{}",
        fault_code(&body)
    );
    // The Issue's audit event names the cause.
    let events = audit.events();
    assert_eq!(events.len(), 2);
    let out = events[1].outcome.clone().unwrap_err();
    assert!(out.contains("issuer"), "{out}");
}

/// Issue 17 item 1 for trusted issuers: their certificates are keys, not
/// issuers. With the client CA configured as a trusted issuer's
/// certificate, an assertion signed by a certificate that CA issued (and
/// carrying it in its `KeyInfo`) is not that issuer's: Validate says
/// invalid, and as a header credential it gets no token.
#[test]
fn trusted_issuer_certificates_are_keys_not_issuers() {
    const CA_PARTNER: &str = "https://ca-partner.example/";
    let (sts, _) = sts_with(|b| {
        b.trusted_issuer(CA_PARTNER, auth_cert("ca"))
            .local_account_issuer(CA_PARTNER)
    });
    let client = party("data/auth/client.key.pem", "data/auth/client.cert.pem");
    let by_leaf = sign(&saml2("_k1", CA_PARTNER, "admin", STS), &client);
    assert!(by_leaf.contains("<ds:X509Certificate>"));
    assert!(status_of(&sts, &by_leaf).ends_with("/status/invalid"));
    let (status, body) = issue_with(&sts, &saml_header(&by_leaf), RP);
    assert_eq!(status, 500, "{body}");
    // The CA's own key signs for it.
    let ca = party("data/auth/ca.key.pem", "data/auth/ca.cert.pem");
    assert!(valid(&status_of(
        &sts,
        &sign(&saml2("_k2", CA_PARTNER, "admin", STS), &ca)
    )));
}

#[test]
fn configuration_checks() {
    let store = Arc::new(MemoryTokenStore::new(1));
    let e = builder(store.clone())
        .trusted_issuer(STS, partner().cert)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("own issuer name"), "{e}");
    let e = builder(store.clone())
        .trusted_issuer(" ", partner().cert)
        .build()
        .unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
    // A partner named like a certificate principal's qualifier.
    let hex = "0123456789abcdef".repeat(4);
    for name in [format!("pinned:{hex}"), format!("O=x, CN=CA#{hex}")] {
        let e = builder(store.clone())
            .trusted_issuer(name.as_str(), partner().cert)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("certificate qualifier"), "{e}");
    }
    // Two certificates under one name (rollover): one entry, both keys.
    let c = builder(store)
        .trusted_issuer(PARTNER, rogue().cert)
        .build()
        .unwrap();
    assert_eq!(c.trusted_issuers.len(), 1);
    assert_eq!(c.trusted_issuers[0].certificates.len(), 2);
    assert_eq!(c.auth.local_account_issuers, [STS]);
}

/// Validate of a foreign SAML 1.1 token asking for SAML 2.0: a bearer SAML
/// 2.0 token of this STS for the same subject, recorded, renewable.
#[test]
fn foreign_saml11_exchanged_for_own_saml20() {
    let (sts, store) = sts_with(|b| b.accept_claims(PARTNER, [UPN]));
    // Issued by the partner for this STS: to be exchanged here.
    let foreign = sign(&saml11("_x1", PARTNER, "bob", STS), &partner());
    let (status, body) = exchange(&sts, &foreign, RP);
    assert_eq!(status, 200, "{body}");
    assert!(valid(&text_of(&body, "Code").unwrap()));
    let mine = first_child(&body, "RequestedSecurityToken");
    // Signed by this STS alone, as this STS, bearer, for the party.
    let own_only = TokenValidator::new(vec![TrustedIssuer::named(STS, vec![sts_party().cert])]);
    let tok = own_only
        .validate_document(&mine, &Expect::at(NOW).audience(RP))
        .unwrap();
    assert_eq!(tok.issuer, STS);
    assert_eq!(tok.subject.value, "bob");
    assert!(tok.is_bearer());
    assert!(tok
        .attributes
        .iter()
        .any(|a| a.name == UPN && a.values == ["bob@partner.example"]));
    assert_eq!(tok.version, wstrust::wst::SamlVersion::V20);
    // Still the partner's bob, not a local account named bob.
    assert_eq!(tok.subject.name_qualifier.as_deref(), Some(PARTNER));
    let rec = store.get(&tok.id, NOW).unwrap().unwrap();
    assert_eq!(rec.subject, "bob");
    assert_eq!(rec.state, TokenState::Active);
    // The exchanged token is this STS's: it validates, and renews for its
    // subject (the partner's bob, by the partner's token), not for alice.
    assert!(valid(&status_of(&sts, &mine)));
    let (status, body) = renew(&sts, &mine);
    assert_eq!(status, 500, "{body}");
    let (status, body) = call(
        &sts,
        &op(
            &saml_header(&foreign),
            "Renew",
            &format!("<t:RenewTarget>{mine}</t:RenewTarget>"),
        ),
    );
    assert_eq!(status, 200, "{body}");
}

/// Token exchange of a token restricted to another audience: refused (a
/// relying party holding a user's bearer token must not turn it into tokens
/// for other parties), unless the requester is a trusted intermediary, or
/// the token is this STS's own and the requester its subject.
#[test]
fn exchange_needs_a_token_addressed_to_the_sts() {
    let (sts, store) = sts_with(|b| b.endpoint(ENDPOINT));
    let for_rp = sign(&saml11("_x2", PARTNER, "bob", RP), &partner());
    let (status, body) = exchange(&sts, &for_rp, RP);
    assert_eq!(status, 500, "{body}");
    assert!(fault_code(&body).ends_with("InvalidRequest"), "{body}");
    // The endpoint is this STS too.
    let for_endpoint = sign(&saml11("_x3", PARTNER, "bob", ENDPOINT), &partner());
    assert_eq!(exchange(&sts, &for_endpoint, RP).0, 200);
    // A trusted intermediary may.
    let (status, body) = exchange_as(&sts, "admin", &for_rp, RP);
    assert_eq!(status, 200, "{body}");
    // Our own token for RP: its subject may, someone else may not.
    let alices = issue_as_alice(&sts, RP);
    assert_eq!(exchange(&sts, &alices, RP).0, 200);
    let (sts2, _) = sts_with(|b| {
        let u = MemoryUserStore::demo();
        u.add_user(
            "mallory",
            wstrust::host::Secret::new("mallory-password"),
            &[],
            Default::default(),
        );
        b.users(Arc::new(u))
    });
    let alices = issue_as_alice(&sts2, RP);
    let (status, body) = exchange_as(&sts2, "mallory", &alices, RP);
    assert_eq!(status, 500, "{body}");
    assert!(fault_code(&body).ends_with("InvalidRequest"), "{body}");
    assert_eq!(store.len(), 4, "one issue and three exchanges recorded");
}

/// Renew and Cancel accept only this STS's own tokens.
#[test]
fn foreign_tokens_cannot_be_renewed_or_cancelled() {
    let (sts, store) = sts_with(|b| b);
    let foreign = sign(&saml2("_r1", PARTNER, "alice", RP), &partner());
    assert!(valid(&status_of(&sts, &foreign)));
    let (status, body) = renew(&sts, &foreign);
    assert_eq!(status, 500, "{body}");
    assert!(fault_code(&body).ends_with("UnableToRenew"), "{body}");
    // alice is the subject, and still may not cancel a partner's token.
    let (status, body) = cancel(&sts, &foreign);
    assert_eq!(status, 500, "{body}");
    assert!(fault_code(&body).ends_with("InvalidRequest"), "{body}");
    assert_eq!(store.len(), 0, "nothing recorded");
    assert!(valid(&status_of(&sts, &foreign)));
}

/// Renew `token` as alice.
fn renew(sts: &Sts, token: &str) -> (u16, String) {
    call(
        sts,
        &op(
            &password("alice"),
            "Renew",
            &format!("<t:RenewTarget>{token}</t:RenewTarget>"),
        ),
    )
}

/// Cancel `token` as alice.
fn cancel(sts: &Sts, token: &str) -> (u16, String) {
    call(
        sts,
        &op(
            &password("alice"),
            "Cancel",
            &format!("<t:CancelTarget>{token}</t:CancelTarget>"),
        ),
    )
}

fn issue_as_alice(sts: &Sts, aud: &str) -> String {
    let (status, body) = call(
        sts,
        &op(
            &password("alice"),
            "Issue",
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}",
                applies_to(aud)
            ),
        ),
    );
    assert_eq!(status, 200, "{body}");
    first_child(&body, "RequestedSecurityToken")
}

/// The default assertion verifier: header credentials from this STS or a
/// trusted issuer, audience this STS, subjects local only for local-account
/// issuers, cancelled tokens refused.
#[test]
fn header_saml_credentials_use_the_same_trust() {
    let (sts, _) = sts_with(|b| {
        b.endpoint("https://sts.example/trust").relying_parties({
            let mut rps = RelyingParties::new();
            rps.add(RelyingParty::new(RP));
            rps.add(RelyingParty::new(STS));
            rps.add(RelyingParty::new("https://sts.example/trust"));
            rps
        })
    });
    let issue_with = |header: String| {
        call(
            &sts,
            &op(
                &header,
                "Issue",
                &format!(
                    "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}{EMAIL}",
                    applies_to(RP)
                ),
            ),
        )
    };
    // A partner token naming "admin", for this STS (issuer name or endpoint).
    for aud in [STS, "https://sts.example/trust"] {
        let a = sign(&saml2("_h1", PARTNER, "admin", aud), &partner());
        let (status, body) = issue_with(saml_header(&a));
        assert_eq!(status, 200, "{aud}: {body}");
        let tok = first_child(&body, "RequestedSecurityToken");
        assert_eq!(text_of(&tok, "NameID").as_deref(), Some("admin"));
        // Not the local admin: none of admin's attributes.
        assert!(!tok.contains("admin@example.com"), "{tok}");
    }
    // For another audience: refused.
    let a = sign(&saml2("_h2", PARTNER, "admin", RP), &partner());
    let (status, body) = issue_with(saml_header(&a));
    assert_eq!(status, 500);
    assert!(
        fault_code(&body).ends_with("InvalidSecurityToken"),
        "{body}"
    );
    // The partner key under another name: refused.
    let a = sign(&saml2("_h3", "https://x.example/", "bob", STS), &partner());
    let (status, _) = issue_with(saml_header(&a));
    assert_eq!(status, 500);

    // This STS's own token for itself authenticates alice as the local user.
    let own = issue_as_alice(&sts, STS);
    let (status, body) = issue_with(saml_header(&own));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("alice@example.com"), "local attributes");
    // Once cancelled, it is no credential.
    let (status, body) = cancel(&sts, &own);
    assert_eq!(status, 200, "{body}");
    let (status, body) = issue_with(saml_header(&own));
    assert_eq!(status, 500, "{body}");

    // A partner configured as a local-account issuer speaks for "admin".
    let (sts, _) = sts_with(|b| b.local_account_issuer(PARTNER));
    let a = sign(&saml2("_h4", PARTNER, "admin", STS), &partner());
    let (status, body) = call(
        &sts,
        &op(
            &saml_header(&a),
            "Issue",
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}{EMAIL}",
                applies_to(RP)
            ),
        ),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("admin@example.com"), "local attributes");
}

/// OnBehalfOf with a trusted issuer's token: accepted for any audience (it
/// was issued to the intermediary), mapped to a local account only for a
/// local-account issuer; this STS's own token names the local account until
/// it is cancelled.
#[test]
fn on_behalf_of_foreign_token() {
    let (sts, _) = sts_with(|b| b);
    let obo = |a: &str| {
        call(
            &sts,
            &op(
                &password("admin"),
                "Issue",
                &format!(
                    "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}{EMAIL}<t:OnBehalfOf>{a}</t:OnBehalfOf>",
                    applies_to(RP)
                ),
            ),
        )
    };
    let a = sign(
        &saml2("_o1", PARTNER, "alice", "https://service.example/"),
        &partner(),
    );
    let (status, body) = obo(&a);
    assert_eq!(status, 200, "{body}");
    let tok = first_child(&body, "RequestedSecurityToken");
    assert_eq!(text_of(&tok, "NameID").as_deref(), Some("alice"));
    assert!(!tok.contains("alice@example.com"), "not the local alice");
    let a = sign(&saml2("_o2", "https://x.example/", "alice", RP), &partner());
    let (status, body) = obo(&a);
    assert_eq!(status, 500, "{body}");
    assert!(
        fault_code(&body).ends_with("InvalidSecurityToken"),
        "{body}"
    );
    // This STS's own token names the local alice, until it is cancelled.
    let own = issue_as_alice(&sts, RP);
    let (status, body) = obo(&own);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("alice@example.com"), "the local alice");
    assert_eq!(cancel(&sts, &own).0, 200);
    let (status, body) = obo(&own);
    assert_eq!(status, 500, "a cancelled token is no delegation: {body}");
    assert!(
        fault_code(&body).ends_with("InvalidSecurityToken"),
        "{body}"
    );
}

/// `RP` and the STS itself as relying parties (a token for the STS can be
/// issued, to be a credential later).
fn parties_with_self() -> RelyingParties {
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(RP));
    rps.add(RelyingParty::new(STS));
    rps
}

/// An STS whose relying-party table has entries for itself (so a token
/// for the STS can be issued), with the endpoint and a user `mallory`.
fn sts_for_round_trips() -> (Sts, Arc<MemoryTokenStore>) {
    sts_with(|b| {
        let u = MemoryUserStore::demo();
        u.add_user(
            "mallory",
            wstrust::host::Secret::new("mallory-password"),
            &[],
            Default::default(),
        );
        b.users(Arc::new(u))
            .endpoint("https://sts.example/trust")
            .relying_parties(parties_with_self())
    })
}

/// Issue a SAML 2.0 token for `aud` (asking for the e-mail claim) with
/// `header` as the credential.
fn issue_with(sts: &Sts, header: &str, aud: &str) -> (u16, String) {
    call(
        sts,
        &op(
            header,
            "Issue",
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}{EMAIL}",
                applies_to(aud)
            ),
        ),
    )
}

/// The token of a successful response, asserting the subject stayed the
/// partner's `admin`: qualified by the partner, none of the local admin's
/// attributes.
#[track_caller]
fn partner_admin_token(status: u16, body: &str) -> String {
    assert_eq!(status, 200, "{body}");
    let tok = first_child(body, "RequestedSecurityToken");
    assert_eq!(text_of(&tok, "NameID").as_deref(), Some("admin"));
    assert!(
        tok.contains(&format!(r#"NameQualifier="{PARTNER}""#)),
        "the partner's subject is qualified by the partner: {tok}"
    );
    assert!(
        !tok.contains("admin@example.com"),
        "not the local admin: {tok}"
    );
    tok
}

/// A trusted partner (not a local-account issuer) names its user `admin`.
/// This STS's own tokens for that principal carry the partner's name as the
/// NameID's `NameQualifier`, and a qualified NameID never names a local
/// account: neither as the `wsse:Security` credential, nor in `OnBehalfOf`,
/// nor after token exchange, however many times it goes round.
#[test]
fn partner_subject_not_laundered_through_the_sts() {
    let (sts, _) = sts_for_round_trips();
    let partners = sign(&saml2("_l1", PARTNER, "admin", STS), &partner());

    // Issue: a token of this STS for itself, then used as the credential.
    let (status, body) = issue_with(&sts, &saml_header(&partners), STS);
    let own = partner_admin_token(status, &body);
    let (status, body) = issue_with(&sts, &saml_header(&own), STS);
    let again = partner_admin_token(status, &body);
    let (status, body) = issue_with(&sts, &saml_header(&again), RP);
    partner_admin_token(status, &body);

    // OnBehalfOf: the partner's subject's token for RP, presented by the
    // trusted intermediary (the local admin, by password).
    let (status, body) = issue_with(&sts, &saml_header(&partners), RP);
    let for_rp = partner_admin_token(status, &body);
    let (status, body) = call(
        &sts,
        &op(
            &password("admin"),
            "Issue",
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}{EMAIL}<t:OnBehalfOf>{for_rp}</t:OnBehalfOf>",
                applies_to(RP)
            ),
        ),
    );
    partner_admin_token(status, &body);

    // Token exchange (Validate asking for SAML 2.0) of the partner's token,
    // SAML 1.1 and 2.0, then the result as the credential.
    for foreign in [
        partners.clone(),
        sign(&saml11("_l2", PARTNER, "admin", STS), &partner()),
    ] {
        let (status, body) = exchange(&sts, &foreign, STS);
        let exchanged = partner_admin_token(status, &body);
        let (status, body) = issue_with(&sts, &saml_header(&exchanged), RP);
        partner_admin_token(status, &body);
        // Exchanging this STS's own qualified token keeps the qualifier.
        let (status, body) = exchange(&sts, &exchanged, STS);
        partner_admin_token(status, &body);
    }

    // Renewal (by the partner's admin itself) keeps the qualifier too.
    let (status, body) = call(
        &sts,
        &op(
            &saml_header(&own),
            "Renew",
            &format!(
                "<t:RenewTarget>{}</t:RenewTarget>",
                key_identifier(SAMLID, &id_of(&own))
            ),
        ),
    );
    partner_admin_token(status, &body);

    // The local admin's own token, for contrast, names the local admin.
    let (status, body) = issue_with(&sts, &password("admin"), STS);
    assert_eq!(status, 200, "{body}");
    let local = first_child(&body, "RequestedSecurityToken");
    assert!(!local.contains("NameQualifier"), "{local}");
    let (status, body) = issue_with(&sts, &saml_header(&local), RP);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("admin@example.com"), "the local admin");
}

/// A partner's principal with a local user's name is not that user: it
/// cannot cancel or renew her token, and the record stays active.
#[test]
fn foreign_principal_cannot_cancel_local_token() {
    let (sts, store) = sts_for_round_trips();
    let alices = issue_as_alice(&sts, RP);
    let id = id_of(&alices);
    let partner_alice = sign(&saml2("_m1", PARTNER, "alice", STS), &partner());
    for (kind, target) in [("Cancel", "CancelTarget"), ("Renew", "RenewTarget")] {
        let (status, body) = call(
            &sts,
            &op(
                &saml_header(&partner_alice),
                kind,
                &format!("<t:{target}>{alices}</t:{target}>"),
            ),
        );
        assert_eq!(status, 500, "{kind}: {body}");
        assert!(
            fault_code(&body).ends_with("FailedAuthentication"),
            "{kind}: {body}"
        );
    }
    // Nor through a token of this STS issued to the partner's alice.
    let (status, body) = issue_with(&sts, &saml_header(&partner_alice), STS);
    assert_eq!(status, 200, "{body}");
    let laundered = first_child(&body, "RequestedSecurityToken");
    let (status, body) = call(
        &sts,
        &op(
            &saml_header(&laundered),
            "Cancel",
            &format!("<t:CancelTarget>{alices}</t:CancelTarget>"),
        ),
    );
    assert_eq!(status, 500, "{body}");
    let rec = store.get(&id, NOW).unwrap().unwrap();
    assert_eq!((rec.state, rec.renewals), (TokenState::Active, 0));
    // alice herself still can.
    assert_eq!(cancel(&sts, &alices).0, 200);
    assert_eq!(
        store.get(&id, NOW).unwrap().unwrap().state,
        TokenState::Cancelled
    );
}

/// Renew is bound to the requester: another local user holding a copy of
/// alice's token cannot extend its life; alice and the trusted intermediary
/// can.
#[test]
fn renew_by_other_principal_refused() {
    let (sts, store) = sts_for_round_trips();
    let alices = issue_as_alice(&sts, RP);
    let id = id_of(&alices);
    let renew_as = |user: &str, token: &str| {
        call(
            &sts,
            &op(
                &password(user),
                "Renew",
                &format!("<t:RenewTarget>{token}</t:RenewTarget>"),
            ),
        )
    };
    let (status, body) = renew_as("mallory", &alices);
    assert_eq!(status, 500, "{body}");
    assert!(
        fault_code(&body).ends_with("FailedAuthentication"),
        "{body}"
    );
    let rec = store.get(&id, NOW).unwrap().unwrap();
    assert_eq!((rec.state, rec.renewals), (TokenState::Active, 0));
    let (status, body) = renew_as("alice", &alices);
    assert_eq!(status, 200, "{body}");
    let renewed = first_child(&body, "RequestedSecurityToken");
    // "admin" is the trusted intermediary.
    let (status, body) = renew_as("admin", &renewed);
    assert_eq!(status, 200, "{body}");
}

/// A partner assertion for `subject` carrying what the local admin has (her
/// e-mail address, the admin role) and a given name.
fn saml2_with_claims(id: &str, issuer: &str, subject: &str, aud: &str) -> String {
    let attr = |name: &str, value: &str| {
        format!(
            r#"<saml2:Attribute Name="{name}"><saml2:AttributeValue>{value}</saml2:AttributeValue></saml2:Attribute>"#
        )
    };
    saml2(id, issuer, subject, aud).replace(
        "<saml2:AttributeStatement>",
        &format!(
            "<saml2:AttributeStatement>{}{}{}",
            attr(MAIL, "admin@example.com"),
            attr(ROLE, "admin"),
            attr(GIVEN_NAME, "Mallory")
        ),
    )
}

/// A trusted partner's attributes pass into this STS's tokens only as its
/// acceptance rule says (none by default): the STS must not sign a partner's
/// say-so that its user has the admin role or the local admin's e-mail
/// address, by Issue or by token exchange; and an exchanged token carries
/// only what the party may receive.
#[test]
fn partner_claims_pass_only_by_acceptance_rule() {
    const NARROW: &str = "https://narrow.example/";
    let parties = || {
        let mut rps = RelyingParties::new();
        rps.add(RelyingParty::new(RP));
        rps.add(RelyingParty::new(NARROW).claims([GIVEN_NAME, MAIL]));
        rps
    };
    let claims = format!(
        r#"<t:Claims Dialect="http://schemas.xmlsoap.org/ws/2005/05/identity"><i:ClaimType xmlns:i="http://schemas.xmlsoap.org/ws/2005/05/identity" Uri="{MAIL}" Optional="true"/><i:ClaimType xmlns:i="http://schemas.xmlsoap.org/ws/2005/05/identity" Uri="{ROLE}" Optional="true"/><i:ClaimType xmlns:i="http://schemas.xmlsoap.org/ws/2005/05/identity" Uri="{GIVEN_NAME}" Optional="true"/></t:Claims>"#
    );
    let issue = |sts: &Sts, credential: &str| {
        let (status, body) = call(
            sts,
            &op(
                &saml_header(credential),
                "Issue",
                &format!(
                    "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}{claims}",
                    applies_to(RP)
                ),
            ),
        );
        assert_eq!(status, 200, "{body}");
        first_child(&body, "RequestedSecurityToken")
    };
    let partners = sign(
        &saml2_with_claims("_c1", PARTNER, "whoever", STS),
        &partner(),
    );

    // By default: none of the partner's attributes.
    let (sts, _) = sts_with(|b| b.relying_parties(parties()));
    let tok = issue(&sts, &partners);
    for v in ["admin@example.com", ">admin<", "Mallory", "partner-role"] {
        assert!(!tok.contains(v), "{v}: {tok}");
    }
    let (status, body) = exchange(&sts, &partners, RP);
    assert_eq!(status, 200, "{body}");
    let tok = first_child(&body, "RequestedSecurityToken");
    assert!(!tok.contains("AttributeStatement"), "{tok}");

    // Accepting the given name and the e-mail address: those, never the role.
    let (sts, _) = sts_with(|b| {
        b.relying_parties(parties())
            .accept_claims(PARTNER, [GIVEN_NAME, MAIL])
    });
    let tok = issue(&sts, &partners);
    assert!(
        tok.contains("Mallory") && tok.contains("admin@example.com"),
        "{tok}"
    );
    assert!(!tok.contains(">admin<"), "{tok}");
    // Exchange for a party allowed only the given name: the e-mail address
    // is dropped too.
    let (sts, _) = sts_with(|b| {
        let mut rps = RelyingParties::new();
        rps.add(RelyingParty::new(NARROW).claims([GIVEN_NAME]));
        b.relying_parties(rps)
            .accept_claims(PARTNER, [GIVEN_NAME, MAIL, ROLE])
    });
    let (status, body) = exchange(&sts, &partners, NARROW);
    assert_eq!(status, 200, "{body}");
    let tok = first_child(&body, "RequestedSecurityToken");
    assert!(tok.contains("Mallory"), "{tok}");
    assert!(!tok.contains(MAIL) && !tok.contains(ROLE), "{tok}");

    // Claims accepted from an issuer that is not trusted: a configuration
    // error.
    let store = Arc::new(MemoryTokenStore::new(10));
    let err = builder(store)
        .accept_claims("https://elsewhere.example/", [MAIL])
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("not a trusted issuer"), "{err}");
}

/// An own token for a partner's subject passes on, as a credential, only
/// what the partner's acceptance rule allows today: an attribute the
/// operator stopped accepting does not live on through a chain of own
/// tokens (each a credential for the next, every one a fresh chain for
/// `max_renewals`).
#[test]
fn own_token_credential_follows_the_partners_current_acceptance_rule() {
    // Two nodes sharing one token store, before and after the change.
    let store = Arc::new(MemoryTokenStore::new(100));
    let round_trips = |accept: bool| {
        let b = builder(store.clone())
            .endpoint("https://sts.example/trust")
            .relying_parties(parties_with_self());
        let b = if accept {
            b.accept_claims(PARTNER, [GIVEN_NAME, MAIL])
        } else {
            b
        };
        Sts::new(b.build().unwrap())
    };
    let accepting = round_trips(true);
    let narrowed = round_trips(false);
    let partners = sign(
        &saml2_with_claims("_n1", PARTNER, "whoever", STS),
        &partner(),
    );
    // While the rule accepts the e-mail address, the own token carries it,
    // and so does a token issued with that own token as the credential.
    let (status, body) = issue_with(&accepting, &saml_header(&partners), STS);
    assert_eq!(status, 200, "{body}");
    let own = first_child(&body, "RequestedSecurityToken");
    assert!(own.contains("admin@example.com"), "{own}");
    assert!(
        own.contains(&format!(r#"NameQualifier="{PARTNER}""#)),
        "{own}"
    );
    let (status, body) = issue_with(&accepting, &saml_header(&own), RP);
    assert_eq!(status, 200, "{body}");
    let tok = first_child(&body, "RequestedSecurityToken");
    assert!(tok.contains("admin@example.com"), "{tok}");
    // Once the operator stops accepting it, the same own token passes it on
    // no more: the subject stays the partner's, without the address.
    let (status, body) = issue_with(&narrowed, &saml_header(&own), RP);
    assert_eq!(status, 200, "{body}");
    let tok = first_child(&body, "RequestedSecurityToken");
    assert_eq!(text_of(&tok, "NameID").as_deref(), Some("whoever"));
    assert!(
        tok.contains(&format!(r#"NameQualifier="{PARTNER}""#)),
        "{tok}"
    );
    assert!(!tok.contains("admin@example.com"), "{tok}");
    // Nor does exchanging the own token (Validate with a TokenType), or
    // renewing it: each would start a fresh token carrying it.
    let (status, body) = exchange(&narrowed, &own, STS);
    assert_eq!(status, 200, "{body}");
    let exchanged = first_child(&body, "RequestedSecurityToken");
    assert!(
        exchanged.contains(&format!(r#"NameQualifier="{PARTNER}""#)),
        "{exchanged}"
    );
    assert!(!exchanged.contains("admin@example.com"), "{exchanged}");
    // (While the rule accepts it, exchange keeps it.)
    let (status, body) = exchange(&accepting, &own, STS);
    assert_eq!(status, 200, "{body}");
    assert!(first_child(&body, "RequestedSecurityToken").contains("admin@example.com"));
    // (Renewed by its subject, with the partner's token as credential.)
    let (status, body) = call(
        &narrowed,
        &op(
            &saml_header(&partners),
            "Renew",
            &format!("<t:RenewTarget>{own}</t:RenewTarget>"),
        ),
    );
    assert_eq!(status, 200, "{body}");
    let renewed = first_child(&body, "RequestedSecurityToken");
    assert_eq!(text_of(&renewed, "NameID").as_deref(), Some("whoever"));
    assert!(!renewed.contains("admin@example.com"), "{renewed}");
}

/// A principal a partner vouches for is never a trusted intermediary, by
/// bare name or as `SAML/name`: otherwise any trusted issuer naming its user
/// `frontend` could ask `OnBehalfOf` a password-less UsernameToken and get
/// any local account's token.
#[test]
fn partner_principal_is_never_an_intermediary() {
    for entry in ["frontend", "SAML/frontend"] {
        let (sts, _) = sts_with(|b| b.trusted_intermediary(entry));
        let frontend = sign(&saml2("_i1", PARTNER, "frontend", STS), &partner());
        let obo = format!(
            r#"<t:OnBehalfOf><wsse:UsernameToken xmlns:wsse="{}"><wsse:Username>admin</wsse:Username></wsse:UsernameToken></t:OnBehalfOf>"#,
            ns::WSSE
        );
        let (status, body) = call(
            &sts,
            &op(
                &saml_header(&frontend),
                "Issue",
                &format!(
                    "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}{EMAIL}{obo}",
                    applies_to(RP)
                ),
            ),
        );
        assert_eq!(status, 500, "{entry}: {body}");
        assert!(!body.contains("admin@example.com"), "{entry}: {body}");
    }
}

/// Issue for `RP` to `who`, a principal the host authenticated itself (it
/// fills in `RequestContext::authenticated`).
fn issue_as_host(
    sts: &Sts,
    who: wstrust::auth::Authenticated,
) -> Result<wstrust::wst::Rstr, wstrust::error::Error> {
    use wstrust::service::{RequestContext, TokenService, TransportContext};
    use wstrust::wst::Request;
    let text = op("", "Issue", &applies_to(RP));
    let doc = wstrust::xml::parse(&text, &Limits::default()).unwrap();
    let message = wstrust::soap::Message::parse(&doc).unwrap();
    let request = Request::parse(message.payload()).unwrap();
    let Request::Single(rst) = &request else {
        unreachable!()
    };
    let transport = TransportContext::default();
    let limits = Limits::default();
    let cx = RequestContext::new(&transport, Some(&message), &limits);
    cx.authenticated.set(who).unwrap();
    sts.issue(rst, &cx)
}

/// [`issue_as_host`] for `name` in `domain`, by `method`, vouched for by
/// `issuer` with `qualifier`.
fn issue_to_host_principal(
    sts: &Sts,
    (name, domain, method): (&str, &str, Method),
    issuer: Option<&str>,
    qualifier: Option<&str>,
) -> Result<wstrust::wst::Rstr, wstrust::error::Error> {
    use wstrust::auth::Authenticated;
    use wstrust::host::Principal;
    use wstrust::policy::SignedParts;
    issue_as_host(
        sts,
        Authenticated {
            principal: Principal {
                name: name.into(),
                domain: domain.into(),
                roles: vec![],
            },
            attributes: Default::default(),
            method,
            signed: SignedParts::NONE,
            signing_certificate: None,
            assertion_issuer: issuer.map(Into::into),
            name_qualifier: qualifier.map(Into::into),
            instant: NOW,
        },
    )
}

/// `Authenticated::local`: a user-store account the host authenticated by
/// its own means gets a token in its own name, with the user's attributes
/// and an unspecified authentication context (no password was seen).
#[test]
fn host_authenticated_local_account_gets_a_token() {
    use wstrust::auth::Authenticated;
    use wstrust::host::UserStore;
    let (sts, _) = sts_with(|b| b);
    let alice = wstrust::memory::MemoryUserStore::demo()
        .lookup("alice")
        .unwrap()
        .unwrap();
    let rstr = issue_as_host(&sts, Authenticated::local(alice, NOW)).unwrap();
    let token = rstr.requested_token.unwrap();
    let token = token.as_str().unwrap();
    assert!(token.contains(">alice</"), "{token}");
    assert!(!token.contains("NameQualifier"), "{token}");
    assert_eq!(
        text_of(token, "AuthnContextClassRef").as_deref(),
        Some("urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified"),
        "{token}"
    );
}

/// A host that fills in `RequestContext::authenticated` itself with a SAML
/// principal but no qualifier gets an error, not a token with a bare NameID
/// (which would name the local account of that name).
#[test]
fn host_built_partner_principal_without_qualifier_is_refused() {
    let (sts, _) = sts_with(|b| b);
    for qualifier in [None, Some(PARTNER)] {
        let who = ("admin", wstrust::auth::SAML_DOMAIN, Method::SamlAssertion);
        let r = issue_to_host_principal(&sts, who, Some(PARTNER), qualifier);
        assert_eq!(r.is_ok(), qualifier.is_some(), "{qualifier:?}: {r:?}");
    }
}

/// The STS signs no name that would read back as another: a host-built
/// principal whose name ends (or starts) with whitespace, which every
/// NameID reader trims, gets no token.
#[test]
fn name_that_would_read_back_as_another_is_not_signed() {
    use wstrust::error::{Error, IssueError};
    let (sts, store) = sts_with(|b| b);
    for (name, ok) in [
        ("CORP/bob", true),
        ("CORP/bob\u{a0}", false),
        ("\u{3000}CORP/bob", false),
        ("CORP/bob\n", false),
    ] {
        match issue_to_host_principal(&sts, (name, "CORP", Method::PasswordText), None, None) {
            Ok(r) => {
                assert!(ok, "{name:?}");
                let tok =
                    String::from_utf8(r.requested_token.unwrap().as_bytes().to_vec()).unwrap();
                assert_eq!(text_of(&tok, "NameID").as_deref(), Some(name));
            }
            Err(e) => {
                assert!(!ok, "{name:?}: {e}");
                assert!(
                    matches!(&e, Error::Issue(IssueError::UnwritableSubject(n)) if n == name),
                    "{e:?}"
                );
            }
        }
    }
    // Nothing recorded for the refused names.
    assert_eq!(store.len(), 1);
}

/// `[[trusted_issuers]]` in the TOML file (`wstrust issue` runs any request
/// through `handle_soap`): the partner's token validates only with it, and
/// a partner entry under the STS's own name is a configuration error.
#[cfg(feature = "cli")]
#[test]
fn toml_trusted_issuers() {
    let dir = tempfile::tempdir().unwrap();
    let abs = |p: &str| format!("{}/tests/{p}", env!("CARGO_MANIFEST_DIR"));
    let config = |extra: &str| {
        format!(
            "issuer = \"{STS}\"\nsigning_key = \"{}\"\nsigning_certificate = \"{}\"\nunregistered = \"allow\"\nendpoints = [\"{ENDPOINT}\"]\n[transport]\ntls = true\n[[users]]\nname = \"alice\"\npassword = \"alice-password\"\n{extra}",
            abs("data/signer.key.pem"),
            abs("data/signer.cert.pem"),
        )
    };
    let foreign = sign(&saml11("_c1", PARTNER, "bob", RP), &partner());
    let req = dir.path().join("validate.xml");
    std::fs::write(
        &req,
        op(
            &password("alice"),
            "Validate",
            &format!("{STATUS}<t:ValidateTarget>{foreign}</t:ValidateTarget>"),
        ),
    )
    .unwrap();
    let run = |toml: String| {
        let cfg = dir.path().join("sts.toml");
        std::fs::write(&cfg, toml).unwrap();
        std::process::Command::new(env!("CARGO_BIN_EXE_wstrust"))
            .args(["issue", "--config"])
            .arg(&cfg)
            .args(["--now", &t(NOW)])
            .arg(&req)
            .output()
            .unwrap()
    };
    let partner_entry = |name: &str| {
        format!(
            "[[trusted_issuers]]\nname = \"{name}\"\ncert = \"{}\"\n",
            abs("vectors/validate/partner.cert.pem")
        )
    };
    let out = run(config(&partner_entry(PARTNER)));
    let body = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{body}");
    assert!(valid(&text_of(&body, "Code").unwrap()), "{body}");
    let out = run(config(""));
    let body = String::from_utf8(out.stdout).unwrap();
    assert!(text_of(&body, "Code").unwrap().ends_with("/status/invalid"));
    let out = run(config(&partner_entry(STS)));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("own issuer name"));
    // An acceptance rule on the entry is read (and checked against it).
    let out = run(config(&format!(
        "{}accept_claims = [\"{UPN}\"]\n",
        partner_entry(PARTNER)
    )));
    assert!(out.status.success(), "{:?}", out);
    // Account anchors must be trust anchors.
    let top = |keys: &str| config("").replacen("[transport]", &format!("{keys}[transport]"), 1);
    let out = run(top(&format!(
        "trust_anchors = [\"{}\"]\naccount_anchors = [\"{}\"]\n",
        abs("data/auth/ca.cert.pem"),
        abs("data/auth/forged.cert.pem")
    )));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("not one of trust_anchors"));
    let out = run(top(&format!(
        "trust_anchors = [\"{0}\"]\naccount_anchors = [\"{0}\"]\n",
        abs("data/auth/ca.cert.pem")
    )));
    assert!(out.status.success(), "{:?}", out);
}

fn password_and(user: &str, token: &str) -> String {
    password_header(user, NOW, token)
}

const SAMLID: &str = "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID";
const SAMLASSERTIONID: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.0#SAMLAssertionID";

fn key_identifier(value_type: &str, id: &str) -> String {
    format!(
        r#"<wsse:SecurityTokenReference xmlns:wsse="{}"><wsse:KeyIdentifier ValueType="{value_type}">{id}</wsse:KeyIdentifier></wsse:SecurityTokenReference>"#,
        ns::WSSE
    )
}

fn reference(id: &str) -> String {
    format!(
        r##"<wsse:SecurityTokenReference xmlns:wsse="{}"><wsse:Reference URI="#{id}"/></wsse:SecurityTokenReference>"##,
        ns::WSSE
    )
}

fn id_of(token: &str) -> String {
    let doc = roxmltree::Document::parse(token).unwrap();
    let r = doc.root_element();
    r.attribute("ID")
        .or(r.attribute("AssertionID"))
        .unwrap()
        .to_owned()
}

/// Validate (and Renew, Cancel) with the target given by reference to the
/// header's token.
#[test]
fn targets_by_reference_to_the_security_header() {
    let (sts, _) = sts_with(|b| b);
    let own = issue_as_alice(&sts, RP);
    let id = id_of(&own);
    let run = |header: String, kind: &str, target: &str| {
        let inner = match kind {
            "Validate" => format!("{STATUS}<t:ValidateTarget>{target}</t:ValidateTarget>"),
            "Renew" => format!("<t:RenewTarget>{target}</t:RenewTarget>"),
            _ => format!("<t:CancelTarget>{target}</t:CancelTarget>"),
        };
        call(&sts, &op(&header, kind, &inner))
    };
    let validate = |header: String, target: &str| {
        let (status, body) = run(header, "Validate", target);
        assert_eq!(status, 200, "{body}");
        text_of(&body, "Code").unwrap()
    };
    let fault = |header: String, target: &str| {
        let (status, body) = run(header, "Validate", target);
        assert_eq!(status, 500, "{body}");
        fault_code(&body)
    };
    // SAML 2.0 by KeyIdentifier and by Reference.
    assert!(valid(&validate(
        password_and("alice", &own),
        &key_identifier(SAMLID, &id)
    )));
    assert!(valid(&validate(
        password_and("alice", &own),
        &reference(&id)
    )));
    // SAML 1.1 (a partner's) by SAMLAssertionID; not by the 2.0 value type.
    let p11 = sign(&saml11("_ref11", PARTNER, "bob", RP), &partner());
    assert!(valid(&validate(
        password_and("alice", &p11),
        &key_identifier(SAMLASSERTIONID, "_ref11")
    )));
    assert!(fault(
        password_and("alice", &p11),
        &key_identifier(SAMLID, "_ref11")
    )
    .ends_with("SecurityTokenUnavailable"));
    // Nothing in the header, an unknown ID, or another element's ID.
    assert!(fault(password("alice"), &key_identifier(SAMLID, &id))
        .ends_with("SecurityTokenUnavailable"));
    assert!(fault(password_and("alice", &own), &reference("_nope"))
        .ends_with("SecurityTokenUnavailable"));
    let ts_id =
        password_and("alice", &own).replace("<wsu:Timestamp ", r#"<wsu:Timestamp wsu:Id="TS" "#);
    assert!(fault(ts_id, &reference("TS")).ends_with("SecurityTokenUnavailable"));
    // Unsupported reference forms.
    assert!(fault(
        password_and("alice", &own),
        &key_identifier("urn:other", &id)
    )
    .ends_with("UnsupportedSecurityToken"));
    // A tampered header token is invalid (status), not resolved elsewhere.
    let tampered = own.replace(">alice<", ">admin<");
    assert!(
        validate(password_and("alice", &tampered), &reference(&id)).ends_with("/status/invalid")
    );

    // Renew by reference, then the old token is invalid by reference too.
    let (status, body) = run(password_and("alice", &own), "Renew", &reference(&id));
    assert_eq!(status, 200, "{body}");
    let renewed = first_child(&body, "RequestedSecurityToken");
    assert!(validate(password_and("alice", &own), &reference(&id)).ends_with("/status/invalid"));
    // Cancel by reference.
    let rid = id_of(&renewed);
    let (status, body) = run(
        password_and("alice", &renewed),
        "Cancel",
        &key_identifier(SAMLID, &rid),
    );
    assert_eq!(status, 200, "{body}");
    assert!(
        validate(password_and("alice", &renewed), &reference(&rid)).ends_with("/status/invalid")
    );
}

/// A second element with the token's ID anywhere in the message: refused
/// as signature wrapping, whichever the reference would pick.
#[test]
fn target_reference_with_duplicate_ids_is_refused() {
    let (sts, _) = sts_with(|b| b);
    let own = issue_as_alice(&sts, RP);
    let id = id_of(&own);
    let decoy = format!(r#"<x:Decoy xmlns:x="urn:decoy" ID="{id}"/>"#);
    let req = op(
        &format!("{}{decoy}", password_and("alice", &own)),
        "Validate",
        &format!(
            "{STATUS}<t:ValidateTarget>{}</t:ValidateTarget>",
            reference(&id)
        ),
    );
    let (status, body) = call(&sts, &req);
    assert_eq!(status, 500, "{body}");
    assert!(fault_code(&body).ends_with("FailedCheck"), "{body}");
    // The same decoy inside the RST body.
    let req = op(
        &password_and("alice", &own),
        "Validate",
        &format!(
            "{STATUS}<t:ValidateTarget>{}</t:ValidateTarget>{decoy}",
            key_identifier(SAMLID, &id)
        ),
    );
    let (status, body) = call(&sts, &req);
    assert_eq!(status, 500, "{body}");
    assert!(fault_code(&body).ends_with("FailedCheck"), "{body}");
}

const RP_SELF: &str = "https://sts.example/self";
const RP_PLAIN: &str = "https://rp.example/plain";

fn keys_for(key: &str, cert: &str) -> Arc<wstrust::memory::MemoryKeyResolver> {
    let mut keys = wstrust::memory::MemoryKeyResolver::new();
    keys.add(
        Certificate::from_pem(&read(cert)).unwrap(),
        Arc::new(AwsLcRsaKey::from_pem(&read(key)).unwrap()),
    )
    .unwrap();
    Arc::new(keys)
}

/// The STS holds its own key for decryption; one party's certificate is the
/// STS's (tokens addressed to the STS), one is another party's.
fn sts_hok() -> (Sts, Arc<MemoryTokenStore>) {
    sts_with(|b| {
        let mut rps = RelyingParties::new();
        rps.add(RelyingParty::new(RP));
        rps.add(
            RelyingParty::new(RP_SELF)
                .certificate(sts_party().cert)
                .encrypt(false),
        );
        rps.add(
            RelyingParty::new(RP_PLAIN)
                .certificate(Certificate::from_pem(&read("data/xenc/rp.pem")).unwrap())
                .encrypt(false),
        );
        b.relying_parties(rps)
            .decryption_keys(keys_for("data/signer.key.pem", "data/signer.cert.pem"))
    })
}

fn b64d(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(s.split_whitespace().collect::<String>())
        .unwrap()
}

/// Issue a fresh symmetric holder-of-key token for `aud`: (token, proof key).
fn issue_symmetric(sts: &Sts, aud: &str) -> (String, Vec<u8>) {
    let (status, body) = call(
        sts,
        &op(
            &password("alice"),
            "Issue",
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType><t:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey</t:KeyType>{}",
                applies_to(aud)
            ),
        ),
    );
    assert_eq!(status, 200, "{body}");
    (
        first_child(&body, "RequestedSecurityToken"),
        b64d(&text_of(&body, "BinarySecret").unwrap()),
    )
}

/// The proof key `validator` finds in `token`.
fn proof_key_of(validator: &TokenValidator, token: &str) -> Option<Vec<u8>> {
    let t = validator
        .validate_document(token, &Expect::at(NOW))
        .unwrap();
    assert!(
        t.confirmation_key.is_none(),
        "no public key for a symmetric token"
    );
    match t.symmetric_key {
        Some(wstrust::token::SymmetricKey::Decrypted(k)) => Some(k.as_bytes().to_vec()),
        Some(wstrust::token::SymmetricKey::Sealed) => None,
        None => panic!("not a symmetric holder-of-key token"),
    }
}

fn exchange(sts: &Sts, token: &str, aud: &str) -> (u16, String) {
    exchange_as(sts, "alice", token, aud)
}

fn exchange_as(sts: &Sts, user: &str, token: &str, aud: &str) -> (u16, String) {
    call(
        sts,
        &op(
            &password(user),
            "Validate",
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}<t:ValidateTarget>{token}</t:ValidateTarget>",
                applies_to(aud)
            ),
        ),
    )
}

/// Symmetric holder-of-key tokens: the proof key is decrypted when the token
/// is addressed to the STS; token exchange and renewal carry the same key
/// over, encrypted again for the new party's certificate.
#[test]
fn symmetric_holder_of_key_addressed_to_the_sts() {
    let (sts, _) = sts_hok();
    let (token, key) = issue_symmetric(&sts, RP_SELF);
    assert!(valid(&status_of(&sts, &token)));
    assert_eq!(
        proof_key_of(&sts.config().validator, &token),
        Some(key.clone())
    );

    // Exchange for a party with a certificate: the same key, for it.
    let (status, body) = exchange(&sts, &token, RP_PLAIN);
    assert_eq!(status, 200, "{body}");
    assert!(text_of(&body, "KeyType")
        .unwrap()
        .ends_with("/SymmetricKey"));
    assert!(text_of(&body, "BinarySecret").is_none(), "no key sent back");
    let exchanged = first_child(&body, "RequestedSecurityToken");
    let rp_validator = TokenValidator::new(vec![TrustedIssuer::named(STS, vec![sts_party().cert])])
        .with_decryption(wstrust::token::Decryption {
            keys: keys_for("data/xenc/rp.key", "data/xenc/rp.pem"),
            options: Default::default(),
            random: Arc::new(wstrust::memory::OsRandom),
        });
    assert_eq!(proof_key_of(&rp_validator, &exchanged), Some(key.clone()));
    // The STS cannot read it any more: the key is the new party's.
    assert_eq!(proof_key_of(&sts.config().validator, &exchanged), None);

    // A party without a certificate cannot receive the key: refused.
    let (status, body) = exchange(&sts, &token, RP);
    assert_eq!(status, 500, "{body}");
    assert!(fault_code(&body).ends_with("InvalidRequest"), "{body}");

    // Renewal re-wraps for the token's own party (here the STS).
    let (status, body) = renew(&sts, &token);
    assert_eq!(status, 200, "{body}");
    let renewed = first_child(&body, "RequestedSecurityToken");
    assert_eq!(proof_key_of(&sts.config().validator, &renewed), Some(key));
}

/// A symmetric token for another party: valid, its key sealed; it is never
/// taken for a public-key token bound to the party's certificate, and it
/// can be neither exchanged nor renewed.
#[test]
fn symmetric_holder_of_key_for_another_party() {
    let (sts, store) = sts_hok();
    let (token, _) = issue_symmetric(&sts, RP_PLAIN);
    assert!(valid(&status_of(&sts, &token)));
    assert_eq!(proof_key_of(&sts.config().validator, &token), None);
    let (status, body) = exchange(&sts, &token, RP_SELF);
    assert_eq!(status, 500, "{body}");
    assert!(fault_code(&body).ends_with("InvalidRequest"), "{body}");
    let (status, body) = renew(&sts, &token);
    assert_eq!(status, 500, "{body}");
    assert!(fault_code(&body).ends_with("UnableToRenew"), "{body}");
    let id = id_of(&token);
    assert_eq!(
        store.get(&id, NOW).unwrap().unwrap().state,
        TokenState::Active
    );
}

/// A partner's SAML 2.0 bearer assertion for this STS with one bearer
/// confirmation per entry of `recipients` (`None`: no Recipient).
fn saml2_recipients(id: &str, recipients: &[Option<&str>]) -> String {
    let confirmations: String = recipients
        .iter()
        .map(|r| match r {
            Some(r) => format!(
                r#"<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml2:SubjectConfirmationData Recipient="{r}" NotOnOrAfter="{}"/></saml2:SubjectConfirmation>"#,
                t(NOW + Duration::minutes(5))
            ),
            None => r#"<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"/>"#
                .to_owned(),
        })
        .collect();
    let x = saml2(id, PARTNER, "bob", STS).replace(
        &format!(r#"<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml2:SubjectConfirmationData Recipient="{ENDPOINT}"/></saml2:SubjectConfirmation>"#),
        &confirmations,
    );
    sign(&x, &partner())
}

const ENDPOINT: &str = "https://sts.example/trust";

/// SAML 2.0 bearer `Recipient` of a header credential from a trusted
/// issuer: required, one of the configured endpoints (compared as URLs) and
/// the request's wsa:To when it has one; without endpoints nothing can be
/// checked and the credential is refused; not for OnBehalfOf tokens.
#[test]
fn bearer_recipient_is_where_the_token_was_delivered() {
    const WRONG: &str = "InvalidSecurityToken";
    const ELSEWHERE: &str = "DestinationUnreachable";
    let run = |sts: &Sts, to: Option<&str>, a: &str| {
        let header = match to {
            Some(to) => format!(
                r#"<wsa:To xmlns:wsa="http://www.w3.org/2005/08/addressing">{to}</wsa:To>{}"#,
                saml_header(a)
            ),
            None => saml_header(a),
        };
        let (status, body) = call(
            sts,
            &op(
                &header,
                "Issue",
                &format!(
                    "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}",
                    applies_to(RP)
                ),
            ),
        );
        match status {
            200 => "ok".to_owned(),
            _ => fault_code(&body).rsplit(':').next().unwrap().to_owned(),
        }
    };
    let evil = "https://evil.example/acs";
    let (with_endpoint, _) = sts_with(|b| b);
    let store = Arc::new(MemoryTokenStore::new(100));
    let without = Sts::new(
        builder_without_endpoints(store)
            .relying_parties(parties_with_self())
            .build()
            .unwrap(),
    );
    let good = saml2_recipients("_rc1", &[Some(ENDPOINT)]);
    let bad = saml2_recipients("_rc2", &[Some(evil)]);
    let either = saml2_recipients("_rc3", &[Some(evil), Some(ENDPOINT)]);
    let none = saml2_recipients("_rc4", &[None]);
    let none_and_bad = saml2_recipients("_rc5", &[None, Some(evil)]);
    let spelled = saml2_recipients("_rc6", &[Some("HTTPS://STS.Example:443/trust")]);

    assert_eq!(run(&with_endpoint, None, &good), "ok");
    assert_eq!(run(&with_endpoint, Some(ENDPOINT), &good), "ok");
    assert_eq!(run(&with_endpoint, None, &spelled), "ok", "same URL");
    assert_eq!(run(&with_endpoint, None, &bad), WRONG);
    assert_eq!(
        run(&with_endpoint, Some(evil), &bad),
        ELSEWHERE,
        "wsa:To alone cannot override the endpoint"
    );
    assert_eq!(run(&with_endpoint, Some(evil), &good), ELSEWHERE);
    assert_eq!(run(&with_endpoint, None, &either), "ok");
    assert_eq!(
        run(&with_endpoint, None, &none),
        WRONG,
        "Recipient required"
    );
    assert_eq!(run(&with_endpoint, None, &none_and_bad), WRONG);

    // Several endpoints: any of them, but wsa:To still pins the one used.
    let (two, _) = sts_with(|b| b.endpoint("https://sts.example/other"));
    assert_eq!(run(&two, None, &good), "ok");
    assert_eq!(run(&two, Some(ENDPOINT), &good), "ok");
    assert_eq!(run(&two, Some("https://sts.example/other"), &good), WRONG);
    assert_eq!(run(&two, None, &bad), WRONG);

    // No endpoints: no Recipient can be checked, whatever wsa:To says.
    for a in [&good, &bad, &none] {
        assert_eq!(run(&without, Some(ENDPOINT), a), WRONG);
        assert_eq!(run(&without, None, a), WRONG);
    }
    // This STS's own bearer tokens carry no Recipient: their audience
    // binds them (and the store tracks them).
    let own = issue_as_alice(&without, STS);
    assert_eq!(run(&without, None, &own), "ok");

    // OnBehalfOf: delivered to the intermediary; its Recipient is not ours.
    let (status, body) = call(
        &with_endpoint,
        &op(
            &password("admin"),
            "Issue",
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}<t:OnBehalfOf>{bad}</t:OnBehalfOf>",
                applies_to(RP)
            ),
        ),
    );
    assert_eq!(status, 200, "{body}");
}

/// Writes the seed corpus of the `lifecycle` fuzz target
/// (`tests/vectors/lifecycle/`): `cargo test --test sts_lifecycle --
/// --ignored regenerate_lifecycle_corpus`.
#[test]
#[ignore]
fn regenerate_lifecycle_corpus() {
    let dir = format!("{}/tests/vectors/lifecycle", env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let (sts, _) = sts_with(|b| b);
    let own = issue_as_alice(&sts, RP);
    let id = id_of(&own);
    let p11 = sign(&saml11("_seed11", PARTNER, "bob", STS), &partner());
    let decoy = format!(r#"<x:Decoy xmlns:x="urn:decoy" ID="{id}"/>"#);
    let cases = [
        (
            "validate-inline",
            op(
                &password("alice"),
                "Validate",
                &format!("{STATUS}<t:ValidateTarget>{own}</t:ValidateTarget>"),
            ),
        ),
        (
            "validate-keyidentifier",
            op(
                &password_and("alice", &own),
                "Validate",
                &format!(
                    "{STATUS}<t:ValidateTarget>{}</t:ValidateTarget>",
                    key_identifier(SAMLID, &id)
                ),
            ),
        ),
        (
            "validate-reference-duplicate-id",
            op(
                &format!("{}{decoy}", password_and("alice", &own)),
                "Validate",
                &format!("{STATUS}<t:ValidateTarget>{}</t:ValidateTarget>", reference(&id)),
            ),
        ),
        (
            "exchange-saml11-foreign",
            op(
                &password("alice"),
                "Validate",
                &format!(
                    "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}<t:ValidateTarget>{p11}</t:ValidateTarget>",
                    applies_to(RP)
                ),
            ),
        ),
        (
            "renew-reference",
            op(
                &password_and("alice", &own),
                "Renew",
                &format!("<t:RenewTarget>{}</t:RenewTarget>", reference(&id)),
            ),
        ),
        (
            "cancel-inline",
            op(
                &password("alice"),
                "Cancel",
                &format!("<t:CancelTarget>{own}</t:CancelTarget>"),
            ),
        ),
        (
            "header-saml-credential",
            op(
                &saml_header(&saml2_recipients("_seedh", &[Some(ENDPOINT)])),
                "Issue",
                &applies_to(RP),
            ),
        ),
    ];
    for (name, req) in cases {
        std::fs::write(format!("{dir}/{name}.xml"), &req).unwrap();
        let outcome = vector_outcome(&fresh_sts(), &req);
        std::fs::write(format!("{dir}/{name}.expected"), outcome + "\n").unwrap();
    }
}

/// The STS the vectors (and the `lifecycle` fuzz target) run against: an
/// empty store, so this STS's own tokens in them are unknown.
fn fresh_sts() -> Sts {
    sts_with(|b| b.endpoint(ENDPOINT)).0
}

/// `200 <status code>` or `<http status> <fault code>`.
fn vector_outcome(sts: &Sts, req: &str) -> String {
    let (status, body) = call(sts, req);
    let what = if status == 200 {
        text_of(&body, "Code").unwrap_or_else(|| "token".into())
    } else {
        fault_code(&body)
    };
    format!("{status} {}", what.rsplit(['/', ':']).next().unwrap_or(""))
}

/// Each request of `tests/vectors/lifecycle/` gives its `.expected` outcome.
#[test]
fn lifecycle_vectors() {
    let dir = format!("{}/tests/vectors/lifecycle", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "xml") {
            let req = std::fs::read_to_string(&path).unwrap();
            let expected = std::fs::read_to_string(path.with_extension("expected")).unwrap();
            assert_eq!(
                vector_outcome(&fresh_sts(), &req),
                expected.trim(),
                "{}",
                path.display()
            );
            n += 1;
        }
    }
    assert!(n >= 7, "{n} vectors");
}

// ---- X.509 principals: qualified by their trust anchor (review finding R2-3)

fn auth_cert(name: &str) -> Certificate {
    Certificate::from_pem(&read(&format!("data/auth/{name}.cert.pem"))).unwrap()
}

/// An STS trusting the client CA and, pinned next to it, `forged`: a
/// partner's certificate that claims the CA-issued client's subject DN and
/// the CA's DN as its issuer.
fn sts_with_pinned_forgery(
    f: impl FnOnce(StsConfigBuilder) -> StsConfigBuilder,
) -> (Sts, Arc<MemoryTokenStore>) {
    sts_with(|b| {
        f(b.wss(wstrust::wss::WssSettings {
            trust_anchors: vec![auth_cert("ca"), auth_cert("forged")],
            ..Default::default()
        })
        .policy(Arc::new(
            StandardPolicy::username_token()
                .methods(&[Method::PasswordText, Method::TlsClientCertificate]),
        )))
    })
}

fn call_with_cert(sts: &Sts, req: &str, cert: &str) -> (u16, String) {
    let r = sts.handle_soap(
        req.as_bytes(),
        &wstrust::service::TransportContext {
            tls: true,
            client_certificate: Some(auth_cert(cert).der().to_vec()),
            ..Default::default()
        },
    );
    (r.http_status, String::from_utf8(r.body).unwrap())
}

fn issue_over_mtls(sts: &Sts, cert: &str, extra: &str) -> String {
    let (status, body) = call_with_cert(
        sts,
        &op(
            &saml_header(""),
            "Issue",
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}{extra}",
                applies_to(RP)
            ),
        ),
        cert,
    );
    assert_eq!(status, 200, "{cert}: {body}");
    first_child(&body, "RequestedSecurityToken")
}

fn name_qualifier(token: &str) -> String {
    let doc = roxmltree::Document::parse(token).unwrap();
    let ids: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name((ns::SAML2, "NameID")))
        .map(|n| n.attribute("NameQualifier").unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 1, "{token}");
    ids[0].clone()
}

/// A pinned certificate claiming the subject and issuer DNs of a CA-issued
/// client is not that client: its tokens carry another qualifier, and it can
/// neither cancel nor renew the client's token; the client still can.
#[test]
fn pinned_certificate_is_not_the_ca_issued_client() {
    let (sts, store) = sts_with_pinned_forgery(|b| b);
    let (client, forged) = (auth_cert("client"), auth_cert("forged"));
    assert_eq!(
        (client.subject(), client.issuer()),
        (forged.subject(), forged.issuer())
    );
    let clients = issue_over_mtls(&sts, "client", "");
    let id = id_of(&clients);
    let by_ca = name_qualifier(&clients);
    assert!(
        by_ca.starts_with("O=wstrust tests, CN=Test Client CA#"),
        "{by_ca}"
    );
    let forgeds = issue_over_mtls(&sts, "forged", "");
    let pinned = name_qualifier(&forgeds);
    assert!(pinned.starts_with("pinned:"), "{pinned}");
    assert_ne!(by_ca, pinned);

    for (kind, target) in [("Cancel", "CancelTarget"), ("Renew", "RenewTarget")] {
        let (status, body) = call_with_cert(
            &sts,
            &op(
                &saml_header(""),
                kind,
                &format!("<t:{target}>{clients}</t:{target}>"),
            ),
            "forged",
        );
        assert_eq!(status, 500, "{kind}: {body}");
        assert!(
            fault_code(&body).ends_with("FailedAuthentication"),
            "{kind}: {body}"
        );
    }
    let rec = store.get(&id, NOW).unwrap().unwrap();
    assert_eq!((rec.state, rec.renewals), (TokenState::Active, 0));
    // The forged certificate's own token is its own.
    let (status, body) = call_with_cert(
        &sts,
        &op(
            &saml_header(""),
            "Cancel",
            &format!("<t:CancelTarget>{forgeds}</t:CancelTarget>"),
        ),
        "forged",
    );
    assert_eq!(status, 200, "{body}");
    // The client can still cancel its own.
    let (status, body) = call_with_cert(
        &sts,
        &op(
            &saml_header(""),
            "Cancel",
            &format!("<t:CancelTarget>{clients}</t:CancelTarget>"),
        ),
        "client",
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        store.get(&id, NOW).unwrap().unwrap().state,
        TokenState::Cancelled
    );
}

/// An X.509 service as a trusted intermediary, listed by its subject DN
/// (bare or `X509/`): it gets tokens `OnBehalfOf` a local user, and the
/// tokens it gets for itself carry its CA's qualifier. (Intermediaries are
/// matched by subject DN alone, so a pinned certificate claiming that DN
/// would match as well: see docs/threat-model.md on pinning.)
#[test]
fn x509_trusted_intermediary() {
    for entry in [
        "O=wstrust tests, CN=client.example",
        "X509/O=wstrust tests, CN=client.example",
    ] {
        let (sts, _) = sts_with_pinned_forgery(|b| b.trusted_intermediary(entry));
        let obo = format!(
            r#"<t:OnBehalfOf><wsse:UsernameToken xmlns:wsse="{}"><wsse:Username>admin</wsse:Username></wsse:UsernameToken></t:OnBehalfOf>"#,
            ns::WSSE
        );
        let tok = issue_over_mtls(&sts, "client", &format!("{EMAIL}{obo}"));
        assert!(tok.contains("admin@example.com"), "{entry}: {tok}");
        let own = issue_over_mtls(&sts, "client", "");
        assert!(name_qualifier(&own).contains("CN=Test Client CA#"));
        assert_ne!(
            name_qualifier(&own),
            name_qualifier(&issue_over_mtls(&sts, "forged", ""))
        );
    }
}

/// Issue 17 item 1, the account takeover: a certificate "issued" by a
/// pinned client certificate (no basicConstraints) whose subject DN names
/// the local account `CN=admin` gets no token; the fault is
/// `wsse:FailedAuthentication` and the audit event says why. The pinned
/// certificate itself still authenticates as itself.
#[test]
fn certificate_minted_by_a_pinned_certificate_is_refused_and_audited() {
    use wstrust::host::{Attributes, Secret};
    let audit = Arc::new(wstrust::audit::MemoryAudit::default());
    let a2 = audit.clone();
    let users = MemoryUserStore::demo();
    users.add_user(
        "CN=admin",
        Secret::new("unused-password"),
        &["admin"],
        Attributes::new(),
    );
    let (sts, _) = sts_with(move |b| {
        b.audit(a2)
            .users(Arc::new(users))
            .wss(wstrust::wss::WssSettings {
                trust_anchors: vec![auth_cert("pinned")],
                ..Default::default()
            })
            .policy(Arc::new(
                StandardPolicy::username_token().methods(&[Method::TlsClientCertificate]),
            ))
    });
    let request = op(
        &saml_header(""),
        "Issue",
        &format!(
            "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}",
            applies_to(RP)
        ),
    );
    let (status, body) = call_with_cert(&sts, &request, "minted");
    assert_eq!(status, 500, "{body}");
    assert!(
        fault_code(&body).ends_with("FailedAuthentication"),
        "{body}"
    );
    let events = audit.events();
    let out = events.last().unwrap().outcome.clone().unwrap_err();
    assert!(
        out.contains("certificate is not trusted: its issuer may not issue certificates: no basicConstraints"),
        "{out}"
    );
    // The pinned certificate speaks for itself only.
    let (status, body) = call_with_cert(&sts, &request, "pinned");
    assert_eq!(status, 200, "{body}");
    assert!(name_qualifier(&first_child(&body, "RequestedSecurityToken")).starts_with("pinned:"));
}

/// No audit field can forge a log line: error texts carrying request text
/// (an RST `SignatureAlgorithm`, an unauthenticated header assertion's
/// `SignatureMethod Algorithm`) are escaped.
#[test]
fn audit_fields_cannot_forge_log_lines() {
    let audit = Arc::new(wstrust::audit::MemoryAudit::default());
    let a2 = audit.clone();
    let (sts, _) = sts_with(move |b| b.audit(a2));
    let forged_line = "x&#10;audit: Issue ok requester=PRIMARY/admin subject=admin";
    let (status, _) = call(
        &sts,
        &op(
            &password("alice"),
            "Issue",
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}<t:SignatureAlgorithm>{forged_line}</t:SignatureAlgorithm>",
                applies_to(RP)
            ),
        ),
    );
    assert_eq!(status, 500);
    // Before any signature check: the partner's name, any key.
    let good = sign(&saml2("_u1", PARTNER, "x", STS), &partner());
    let attr = "SignatureMethod Algorithm=\"";
    let start = good.find(attr).unwrap() + attr.len();
    let end = start + good[start..].find('"').unwrap();
    let bad = format!("{}{forged_line}{}", &good[..start], &good[end..]);
    let (status, _) = issue_with(&sts, &saml_header(&bad), RP);
    assert_eq!(status, 500);
    let events = audit.events();
    assert_eq!(events.len(), 2);
    for e in &events {
        let out = e.outcome.clone().unwrap_err();
        assert!(out.contains("audit: Issue ok"), "{out:?}");
        assert!(!out.chars().any(char::is_control), "{out:?}");
    }
}

/// One batch message with a wrong password counts one failure towards
/// lockout, not one per entry (and authenticates once).
#[test]
fn batch_authentication_failure_counts_once() {
    let (sts, _) = sts_with(|b| b);
    let ns13 = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
    let sec = password_header("alice", NOW, "").replace("alice-password", "wrong");
    let entry = format!(
        r#"<t:RequestSecurityToken><t:RequestType>{ns13}/BatchIssue</t:RequestType>{}</t:RequestSecurityToken>"#,
        applies_to(RP)
    );
    let req = format!(
        r#"<s:Envelope xmlns:s="{}"><s:Header>{sec}</s:Header><s:Body><t:RequestSecurityTokenCollection xmlns:t="{ns13}">{}</t:RequestSecurityTokenCollection></s:Body></s:Envelope>"#,
        ns::SOAP12,
        entry.repeat(10)
    );
    let (status, body) = call(&sts, &req);
    // Every entry fails with the same fault as the first.
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.matches("FailedAuthentication").count(), 10, "{body}");
    // Not locked out: the right password works at once.
    let (status, body) = issue_with(&sts, &password("alice"), RP);
    assert_eq!(status, 200, "{body}");
}

/// A host that fills in `RequestContext::authenticated` with a SAML
/// principal but no qualifier is refused on every operation, not only Issue:
/// on Cancel it would otherwise be the local account of that name.
#[test]
fn host_built_unqualified_principal_cannot_cancel_local_token() {
    use wstrust::auth::{Authenticated, SAML_DOMAIN};
    use wstrust::host::Principal;
    use wstrust::policy::SignedParts;
    use wstrust::service::{RequestContext, TokenService, TransportContext};
    use wstrust::wst::Request;
    let (sts, store) = sts_with(|b| b);
    let alices = issue_as_alice(&sts, RP);
    let id = id_of(&alices);
    let text = op(
        "",
        "Cancel",
        &format!("<t:CancelTarget>{alices}</t:CancelTarget>"),
    );
    let doc = wstrust::xml::parse(&text, &Limits::default()).unwrap();
    let message = wstrust::soap::Message::parse(&doc).unwrap();
    let request = Request::parse(message.payload()).unwrap();
    let Request::Single(rst) = &request else {
        unreachable!()
    };
    let transport = TransportContext::default();
    let limits = Limits::default();
    let cx = RequestContext::new(&transport, Some(&message), &limits);
    cx.authenticated
        .set(Authenticated {
            principal: Principal {
                name: "alice".into(),
                domain: SAML_DOMAIN.into(),
                roles: vec![],
            },
            attributes: Default::default(),
            method: Method::SamlAssertion,
            signed: SignedParts::NONE,
            signing_certificate: None,
            assertion_issuer: Some(PARTNER.into()),
            name_qualifier: None,
            instant: NOW,
        })
        .unwrap();
    assert!(sts.cancel(rst, &cx).is_err());
    assert_eq!(
        store.get(&id, NOW).unwrap().unwrap().state,
        TokenState::Active
    );
}

/// A local-account issuer speaks for local accounts only: a NameID it
/// qualifies with another partner's name is its own subject (qualified by
/// itself), not that partner's, so it cannot cancel that partner's user's
/// token. A name it gives that the store does not know stays qualified by
/// it, whether used as a credential or exchanged.
#[test]
fn local_account_issuer_speaks_only_for_local_accounts() {
    const P2: &str = "https://p2.example/";
    let (sts, store) = sts_with(|b| {
        b.local_account_issuer(PARTNER)
            .trusted_issuer(P2, rogue().cert)
            .relying_parties(parties_with_self())
    });
    let p2s = sign(&saml2("_q1", P2, "carol", STS), &rogue());
    let (status, body) = issue_with(&sts, &saml_header(&p2s), RP);
    assert_eq!(status, 200, "{body}");
    let carols = first_child(&body, "RequestedSecurityToken");
    assert_eq!(name_qualifier(&carols), P2);
    let forged = sign(
        &saml2("_q2", PARTNER, "carol", STS).replace(
            "<saml2:NameID>",
            &format!(r#"<saml2:NameID NameQualifier="{P2}">"#),
        ),
        &partner(),
    );
    let (status, body) = issue_with(&sts, &saml_header(&forged), RP);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        name_qualifier(&first_child(&body, "RequestedSecurityToken")),
        PARTNER
    );
    let (status, body) = call(
        &sts,
        &op(
            &saml_header(&forged),
            "Cancel",
            &format!("<t:CancelTarget>{carols}</t:CancelTarget>"),
        ),
    );
    assert_eq!(status, 500, "{body}");
    assert_eq!(
        store.get(&id_of(&carols), NOW).unwrap().unwrap().state,
        TokenState::Active
    );

    // "ghost" is unknown to the store: qualified by the issuer both ways.
    let ghost = sign(&saml2("_g1", PARTNER, "ghost", STS), &partner());
    let (status, body) = issue_with(&sts, &saml_header(&ghost), RP);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        name_qualifier(&first_child(&body, "RequestedSecurityToken")),
        PARTNER
    );
    let (status, body) = exchange(&sts, &ghost, RP);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        name_qualifier(&first_child(&body, "RequestedSecurityToken")),
        PARTNER
    );
}

/// `WssSettings::account_anchors`: without it every trust anchor names
/// accounts, so the pinned `forged` certificate claiming the client's DN is
/// the intermediary listed by that DN (the documented residual of plain
/// chain trust). With the CA as the only account anchor, the CA-issued
/// client is the user-store account named by its DN (and through it the
/// intermediary), and `forged` authenticates only as itself.
#[test]
fn account_anchors_decide_which_certificates_name_accounts() {
    const DN: &str = "O=wstrust tests, CN=client.example";
    let obo = format!(
        r#"{EMAIL}<t:OnBehalfOf><wsse:UsernameToken xmlns:wsse="{}"><wsse:Username>admin</wsse:Username></wsse:UsernameToken></t:OnBehalfOf>"#,
        ns::WSSE
    );
    let ask = |sts: &Sts, cert: &str, extra: &str| {
        call_with_cert(
            sts,
            &op(
                &saml_header(""),
                "Issue",
                &format!(
                    "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}{extra}",
                    applies_to(RP)
                ),
            ),
            cert,
        )
    };
    let users = || {
        let u = MemoryUserStore::demo();
        let mut attrs = wstrust::host::Attributes::new();
        attrs.insert(
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress".into(),
            vec!["frontend@example.com".into()],
        );
        u.add_user(
            DN,
            wstrust::host::Secret::new("unused-password"),
            &[],
            attrs,
        );
        Arc::new(u)
    };

    // Plain chain trust: `forged` is the intermediary too.
    let (sts, _) = sts_with_pinned_forgery(|b| b.trusted_intermediary(DN));
    let (status, body) = ask(&sts, "forged", &obo);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("admin@example.com"), "{body}");

    // The CA alone names accounts.
    let (sts, _) = sts_with(|b| {
        b.users(users())
            .trusted_intermediary(DN)
            .wss(wstrust::wss::WssSettings {
                trust_anchors: vec![auth_cert("ca"), auth_cert("forged")],
                account_anchors: Some(vec![auth_cert("ca")]),
                ..Default::default()
            })
            .policy(Arc::new(
                StandardPolicy::username_token()
                    .methods(&[Method::PasswordText, Method::TlsClientCertificate]),
            ))
    });
    // The client is the account (its attributes) and the intermediary.
    let (status, body) = ask(&sts, "client", EMAIL);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("frontend@example.com"), "{body}");
    let (status, body) = ask(&sts, "client", &obo);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("admin@example.com"), "{body}");
    // `forged` is only itself: no account, no intermediary.
    let (status, body) = ask(&sts, "forged", EMAIL);
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("frontend@example.com"), "{body}");
    assert!(name_qualifier(&first_child(&body, "RequestedSecurityToken")).starts_with("pinned:"));
    let (status, body) = ask(&sts, "forged", &obo);
    assert_eq!(status, 500, "{body}");
    assert!(!body.contains("admin@example.com"), "{body}");
}

/// Issue, Renew or Cancel (the target token in `inner`) for a principal the
/// host authenticated itself (`RequestContext::authenticated`); the token
/// returned, if any.
fn host_op(
    sts: &Sts,
    kind: &str,
    inner: &str,
    who: wstrust::auth::Authenticated,
) -> Result<String, wstrust::Error> {
    use wstrust::service::{RequestContext, TokenService, TransportContext};
    use wstrust::wst::Request;
    let text = op("", kind, inner);
    let doc = wstrust::xml::parse(&text, &Limits::default()).unwrap();
    let message = wstrust::soap::Message::parse(&doc).unwrap();
    let request = Request::parse(message.payload()).unwrap();
    let Request::Single(rst) = &request else {
        unreachable!()
    };
    let transport = TransportContext::default();
    let limits = Limits::default();
    let cx = RequestContext::new(&transport, Some(&message), &limits);
    cx.authenticated.set(who).unwrap();
    let r = match kind {
        "Issue" => sts.issue(rst, &cx),
        "Renew" => sts.renew(rst, &cx),
        _ => sts.cancel(rst, &cx),
    }?;
    Ok(r.requested_token
        .map(|t| String::from_utf8(t.as_bytes().to_vec()).unwrap())
        .unwrap_or_default())
}

/// A principal the host authenticated (its own directory, `CORP/bob`, not
/// in the user store) keeps its bare NameID through renewals, and can renew
/// and cancel its tokens again and again.
#[test]
fn renewal_keeps_a_host_principals_subject() {
    use wstrust::auth::Authenticated;
    use wstrust::host::Principal;
    use wstrust::policy::SignedParts;
    let bob = || Authenticated {
        principal: Principal {
            name: "bob".into(),
            domain: "CORP".into(),
            roles: vec![],
        },
        attributes: Default::default(),
        method: Method::PasswordText,
        signed: SignedParts::NONE,
        signing_certificate: None,
        assertion_issuer: None,
        name_qualifier: None,
        instant: NOW,
    };
    let (sts, store) = sts_with(|b| b);
    let issue = format!(
        "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}",
        applies_to(RP)
    );
    let mut token = host_op(&sts, "Issue", &issue, bob()).unwrap();
    for _ in 0..2 {
        token = host_op(
            &sts,
            "Renew",
            &format!("<t:RenewTarget>{token}</t:RenewTarget>"),
            bob(),
        )
        .unwrap();
        assert!(!token.contains("NameQualifier"), "{token}");
    }
    host_op(
        &sts,
        "Cancel",
        &format!("<t:CancelTarget>{token}</t:CancelTarget>"),
        bob(),
    )
    .unwrap();
    assert_eq!(
        store.get(&id_of(&token), NOW).unwrap().unwrap().state,
        TokenState::Cancelled
    );
}

/// A host authenticating with an `AuthConfig` that does not name this STS
/// (`issuer: None`) qualifies a partner subject's own token by this STS's
/// name; the token the STS then issues for that principal carries that
/// qualifier and still names no local account.
#[test]
fn own_issuer_qualifier_is_never_a_local_account() {
    use wstrust::service::{RequestContext, TokenService, TransportContext};
    use wstrust::wst::Request;
    let (sts, _) = sts_for_round_trips();
    let partners = sign(&saml2("_l1", PARTNER, "admin", STS), &partner());
    let (status, body) = issue_with(&sts, &saml_header(&partners), STS);
    let own = partner_admin_token(status, &body);

    let mut cfg = sts.config().auth.clone();
    cfg.issuer = None;
    let text = op(
        &saml_header(&own),
        "Issue",
        &format!(
            "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}",
            applies_to(STS)
        ),
    );
    let doc = wstrust::xml::parse(&text, &Limits::default()).unwrap();
    let message = wstrust::soap::Message::parse(&doc).unwrap();
    let transport = TransportContext {
        tls: true,
        ..Default::default()
    };
    let who = wstrust::auth::authenticate(&message, &transport, NOW, &cfg).unwrap();
    assert_eq!(who.name_qualifier.as_deref(), Some(STS));
    let request = Request::parse(message.payload()).unwrap();
    let Request::Single(rst) = &request else {
        unreachable!()
    };
    let limits = Limits::default();
    let cx = RequestContext::new(&transport, Some(&message), &limits);
    cx.authenticated.set(who).unwrap();
    let r = sts.issue(rst, &cx).unwrap();
    let tok = String::from_utf8(r.requested_token.unwrap().as_bytes().to_vec()).unwrap();
    assert_eq!(name_qualifier(&tok), STS);
    let (status, body) = issue_with(&sts, &saml_header(&tok), RP);
    assert_eq!(status, 200, "{body}");
    let again = first_child(&body, "RequestedSecurityToken");
    assert_eq!(name_qualifier(&again), STS);
    assert!(!again.contains("admin@example.com"), "{again}");
}

/// A certificate whose one `O` value reads `wstrust tests, CN=client.example`
/// is not the client `O=wstrust tests, CN=client.example`: DN values are
/// escaped (RFC 4514), so it neither matches the intermediary listed by the
/// client's DN nor can cancel the client's token.
#[test]
fn comma_in_a_dn_value_names_no_other_certificate() {
    const DN: &str = "O=wstrust tests, CN=client.example";
    let ambiguous = auth_cert("ambiguous");
    assert_eq!(auth_cert("client").subject(), DN);
    assert_eq!(ambiguous.subject(), r"O=wstrust tests\, CN=client.example");
    let obo = format!(
        r#"{EMAIL}<t:OnBehalfOf><wsse:UsernameToken xmlns:wsse="{}"><wsse:Username>admin</wsse:Username></wsse:UsernameToken></t:OnBehalfOf>"#,
        ns::WSSE
    );
    let (sts, store) = sts_with_pinned_forgery(|b| b.trusted_intermediary(DN));
    let ask = |cert: &str, kind: &str, inner: &str| {
        call_with_cert(&sts, &op(&saml_header(""), kind, inner), cert)
    };
    let issue = |extra: &str| {
        format!(
            "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}{extra}",
            applies_to(RP)
        )
    };
    let (status, body) = ask("ambiguous", "Issue", &issue(&obo));
    assert_eq!(status, 500, "{body}");
    assert!(!body.contains("admin@example.com"), "{body}");
    let clients = issue_over_mtls(&sts, "client", "");
    let (status, body) = ask(
        "ambiguous",
        "Cancel",
        &format!("<t:CancelTarget>{clients}</t:CancelTarget>"),
    );
    assert_eq!(status, 500, "{body}");
    assert_eq!(
        store.get(&id_of(&clients), NOW).unwrap().unwrap().state,
        TokenState::Active
    );
    // The client itself still is the intermediary.
    let (status, body) = ask("client", "Issue", &issue(&obo));
    assert_eq!(status, 200, "{body}");
}

/// `account_anchors` names an authority by name and key, as the qualifier
/// does: with the CA re-issued under the same key, its clients name their
/// accounts whichever of the two CA certificates is listed and found first.
#[test]
fn account_anchor_survives_a_same_key_ca_renewal() {
    let users = || {
        let u = MemoryUserStore::demo();
        u.add_user(
            "O=wstrust tests, CN=client.example",
            wstrust::host::Secret::new("unused-password"),
            &[],
            Default::default(),
        );
        Arc::new(u)
    };
    for anchors in [
        vec![auth_cert("ca"), auth_cert("ca-renewed")],
        vec![auth_cert("ca-renewed"), auth_cert("ca")],
    ] {
        for listed in ["ca", "ca-renewed"] {
            let anchors = anchors.clone();
            let (sts, _) = sts_with(|b| {
                b.users(users())
                    .wss(wstrust::wss::WssSettings {
                        trust_anchors: anchors,
                        account_anchors: Some(vec![auth_cert(listed)]),
                        ..Default::default()
                    })
                    .policy(Arc::new(
                        StandardPolicy::username_token()
                            .methods(&[Method::PasswordText, Method::TlsClientCertificate]),
                    ))
            });
            let tok = issue_over_mtls(&sts, "client", "");
            assert!(!tok.contains("NameQualifier"), "{listed}: {tok}");
        }
    }
}

/// A CA-issued certificate whose last DN value ends with a no-break space
/// (U+00A0) is not the client whose DN it otherwise repeats: its DN prints
/// the space escaped, so the NameID of its token does not read back (trimmed,
/// as NameIDs are read) as the client's. Before, it did: that token then
/// cancelled the client's token and got relying-party tokens in its name.
#[test]
fn trailing_unicode_space_in_a_dn_names_no_other_certificate() {
    let (sts, store) = sts_with(|b| {
        b.wss(wstrust::wss::WssSettings {
            trust_anchors: vec![auth_cert("ca")],
            ..Default::default()
        })
        .relying_parties(parties_with_self())
        .policy(Arc::new(StandardPolicy::username_token().methods(&[
            Method::PasswordText,
            Method::TlsClientCertificate,
            Method::SamlAssertion,
        ])))
    });
    let nbsp = auth_cert("r6nbsp");
    let client = auth_cert("client");
    assert_eq!(client.subject(), "O=wstrust tests, CN=client.example");
    assert_eq!(nbsp.subject(), r"O=wstrust tests, CN=client.example\C2\A0");
    // The victim: the CA-issued client, no user-store account.
    let clients = issue_over_mtls(&sts, "client", "");
    // The other certificate: a token addressed to the STS itself, over mTLS.
    let (status, body) = call_with_cert(
        &sts,
        &op(
            &saml_header(""),
            "Issue",
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}",
                applies_to(STS)
            ),
        ),
        "r6nbsp",
    );
    assert_eq!(status, 200, "{body}");
    let own = first_child(&body, "RequestedSecurityToken");
    assert_eq!(
        text_of(&own, "NameID").as_deref(),
        Some(nbsp.subject()),
        "{own}"
    );
    // Same CA, so the same qualifier: only the name tells them apart.
    assert_eq!(name_qualifier(&own), name_qualifier(&clients));
    // As a credential, it cannot cancel the client's token...
    let (status, body) = call(
        &sts,
        &op(
            &saml_header(&own),
            "Cancel",
            &format!("<t:CancelTarget>{clients}</t:CancelTarget>"),
        ),
    );
    assert_eq!(status, 500, "{body}");
    assert!(
        fault_code(&body).ends_with("FailedAuthentication"),
        "{body}"
    );
    assert_eq!(
        store.get(&id_of(&clients), NOW).unwrap().unwrap().state,
        TokenState::Active
    );
    // ...and its tokens name it, not the client.
    let (status, body) = issue_with(&sts, &saml_header(&own), RP);
    assert_eq!(status, 200, "{body}");
    let tok = first_child(&body, "RequestedSecurityToken");
    assert_eq!(text_of(&tok, "NameID").as_deref(), Some(nbsp.subject()));
    assert_ne!(text_of(&tok, "NameID"), text_of(&clients, "NameID"));
}

/// Review 2, finding 2: a principal the host sets in
/// `RequestContext::authenticated` (`Authenticated::local`, `Method::Host`)
/// never meets `Policy::check_principal`: `Sts::authenticated` returns it
/// as is, so a `StandardPolicy` whose role allowlist (or method list, which
/// for `username_token()` does not name `Method::Host`) refuses alice still
/// lets the host issue her a token.
#[test]
fn host_authenticated_principal_meets_the_policy_principal_rules() {
    use wstrust::auth::Authenticated;
    use wstrust::host::UserStore;
    use wstrust::policy::{Allow, StandardPolicy};
    let policy = StandardPolicy::username_token().roles(Allow::only(["no-such-role"]));
    let (sts, _) = sts_with(|b| b.policy(Arc::new(policy)));
    let alice = wstrust::memory::MemoryUserStore::demo()
        .lookup("alice")
        .unwrap()
        .unwrap();
    assert!(!alice.principal.roles.iter().any(|r| r == "no-such-role"));
    let r = issue_as_host(&sts, Authenticated::local(alice, NOW));
    assert!(
        r.is_err(),
        "the policy's role allowlist refuses alice, yet the host got her a token"
    );
}

/// Review 2, finding 4: Renew never asks `Policy::check_request` (Issue and
/// exchange do): a token renews for a party whose rule, or a host hook,
/// refuses the requester now. Here alice's bearer token for `RP` renews
/// after the operator allows only symmetric keys for `RP` and a hook
/// revokes alice's access to it (same token store).
#[test]
fn renewal_obeys_the_policy_request_rules() {
    use wstrust::policy::RpRule;
    use wstrust::wst::KeyType;
    let store = Arc::new(MemoryTokenStore::new(100));
    let before = Sts::new(builder(store.clone()).build().unwrap());
    let token = issue_as_alice(&before, RP);
    assert!(token.contains(":cm:bearer"), "{token}");
    let (status, body) = renew(&before, &token);
    assert_eq!(status, 200, "renews while the policy allows it: {body}");
    let token = first_child(&body, "RequestedSecurityToken");
    let policy = StandardPolicy::username_token()
        .methods(&[Method::PasswordText, Method::SamlAssertion])
        .relying_party(RP, RpRule::any().key_types(&[KeyType::SymmetricKey]))
        .hook(Arc::new(|p, r| {
            if p.name == "alice" && r.applies_to.as_deref() == Some(RP) {
                Err("alice's access to RP was revoked".into())
            } else {
                Ok(())
            }
        }));
    let after = Sts::new(builder(store).policy(Arc::new(policy)).build().unwrap());
    let (status, body) = call(
        &after,
        &op(
            &password("alice"),
            "Issue",
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}",
                applies_to(RP)
            ),
        ),
    );
    assert_ne!(status, 200, "Issue is refused now: {body}");
    let (status, body) = renew(&after, &token);
    assert_ne!(
        status,
        200,
        "the policy refuses alice a bearer token for RP, yet it renewed ({} bytes)",
        body.len()
    );
}
