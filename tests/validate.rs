//! SAML token validation (src/token.rs) and the validate / renew / cancel
//! decisions (src/lifecycle.rs): every bad input of issue 7, each signature
//! wrapping form by name, and a concurrency run against one store.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use wstrust::dsig::{self, KeyInfo, SignOptions, SigningKey};
use wstrust::error::{DsigError, StoreError, TokenError};
use wstrust::host::{TokenRecord, TokenState, TokenStore, Transition};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::lifecycle::{self, LifecyclePolicy, Requester};
use wstrust::memory::MemoryTokenStore;
use wstrust::token::{self, Expect, TokenValidator, TrustedIssuer};
use wstrust::wst::rst::Renewing;
use wstrust::wst::rstr::SamlVersion;
use wstrust::{xml, Error, Limits};

const STS: &str = "https://sts.example/";
const PARTNER: &str = "https://partner.example/";
const RP: &str = "https://rp.example/app";
const NOW: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/vectors/validate/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

struct Party {
    key: AwsLcRsaKey,
    cert: Certificate,
}

fn party(name: &str) -> Party {
    Party {
        key: AwsLcRsaKey::from_pem(&vector(&format!("{name}.key.pem"))).unwrap(),
        cert: Certificate::from_pem(&vector(&format!("{name}.cert.pem"))).unwrap(),
    }
}

fn t(d: OffsetDateTime) -> String {
    d.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// A hand-written SAML 2.0 assertion (until the issuance builders land).
fn saml2(id: &str, issuer: &str, subject: &str, nb: OffsetDateTime, noa: OffsetDateTime) -> String {
    format!(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" IssueInstant="{nb}" Version="2.0"><saml:Issuer>{issuer}</saml:Issuer><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">{subject}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"/></saml:Subject><saml:Conditions NotBefore="{nb}" NotOnOrAfter="{noa}"><saml:AudienceRestriction><saml:Audience>{RP}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="{nb}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement><saml:Attribute Name="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"><saml:AttributeValue>alice@example.org</saml:AttributeValue></saml:Attribute><saml:Attribute Name="role"><saml:AttributeValue>admin</saml:AttributeValue><saml:AttributeValue>user</saml:AttributeValue></saml:Attribute></saml:AttributeStatement></saml:Assertion>"#,
        nb = t(nb),
        noa = t(noa)
    )
}

/// A hand-written SAML 1.1 assertion.
fn saml11(
    id: &str,
    issuer: &str,
    subject: &str,
    nb: OffsetDateTime,
    noa: OffsetDateTime,
) -> String {
    let subj = format!(
        r#"<saml:Subject><saml:NameIdentifier Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{subject}</saml:NameIdentifier><saml:SubjectConfirmation><saml:ConfirmationMethod>urn:oasis:names:tc:SAML:1.0:cm:bearer</saml:ConfirmationMethod></saml:SubjectConfirmation></saml:Subject>"#
    );
    format!(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" MajorVersion="1" MinorVersion="1" AssertionID="{id}" Issuer="{issuer}" IssueInstant="{nb}"><saml:Conditions NotBefore="{nb}" NotOnOrAfter="{noa}"><saml:AudienceRestrictionCondition><saml:Audience>{RP}</saml:Audience></saml:AudienceRestrictionCondition></saml:Conditions><saml:AttributeStatement>{subj}<saml:Attribute AttributeName="upn" AttributeNamespace="http://schemas.xmlsoap.org/claims"><saml:AttributeValue>alice@example.org</saml:AttributeValue></saml:Attribute></saml:AttributeStatement><saml:AuthenticationStatement AuthenticationMethod="urn:oasis:names:tc:SAML:1.0:am:password" AuthenticationInstant="{nb}">{subj}</saml:AuthenticationStatement></saml:Assertion>"#,
        nb = t(nb),
        noa = t(noa)
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

fn validator() -> TokenValidator {
    TokenValidator::new(vec![
        TrustedIssuer::named(STS, vec![party("sts").cert]),
        TrustedIssuer::named(PARTNER, vec![party("partner").cert]),
    ])
}

fn good2(id: &str, subject: &str) -> String {
    sign(
        &saml2(
            id,
            STS,
            subject,
            NOW - Duration::minutes(1),
            NOW + Duration::hours(1),
        ),
        &party("sts"),
    )
}

fn check(text: &str, expect: &Expect<'_>) -> Result<token::ValidatedToken, Error> {
    validator().validate_document(text, expect)
}

fn token_err(r: Result<token::ValidatedToken, Error>) -> TokenError {
    match r {
        Err(Error::Token(e)) => e,
        other => panic!("expected a token error, got {other:?}"),
    }
}

// ---- valid tokens -------------------------------------------------------

#[test]
fn saml20_valid_and_read_from_verified_node() {
    let tok = check(&good2("_a1", "alice"), &Expect::at(NOW).audience(RP)).unwrap();
    assert_eq!(tok.version, SamlVersion::V20);
    assert_eq!(tok.id, "_a1");
    assert_eq!(tok.issuer, STS);
    assert_eq!(tok.subject.value, "alice");
    assert_eq!(
        tok.subject.format.as_deref(),
        Some("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
    );
    assert_eq!(tok.audiences().collect::<Vec<_>>(), [RP]);
    assert_eq!(tok.not_before, Some(NOW - Duration::minutes(1)));
    assert_eq!(tok.not_on_or_after, NOW + Duration::hours(1));
    assert!(tok.is_bearer());
    assert_eq!(tok.attributes.len(), 2);
    assert_eq!(tok.attributes[1].values, ["admin", "user"]);
    assert_eq!(
        tok.authn.unwrap().method.as_deref(),
        Some("urn:oasis:names:tc:SAML:2.0:ac:classes:Password")
    );
    assert_eq!(tok.signer, party("sts").cert);
}

#[test]
fn saml11_valid() {
    let x = sign(
        &saml11(
            "_b1",
            PARTNER,
            "alice@example.org",
            NOW,
            NOW + Duration::hours(1),
        ),
        &party("partner"),
    );
    let tok = check(&x, &Expect::at(NOW).audience(RP)).unwrap();
    assert_eq!(tok.version, SamlVersion::V11);
    assert_eq!(tok.issuer, PARTNER);
    assert_eq!(tok.subject.value, "alice@example.org");
    assert_eq!(
        tok.confirmation_methods,
        ["urn:oasis:names:tc:SAML:1.0:cm:bearer"]
    );
    assert_eq!(tok.attributes[0].name, "upn");
    assert_eq!(
        tok.attributes[0].namespace.as_deref(),
        Some("http://schemas.xmlsoap.org/claims")
    );
    assert_eq!(
        tok.authn.unwrap().method.as_deref(),
        Some("urn:oasis:names:tc:SAML:1.0:am:password")
    );
}

#[test]
fn token_inside_rstr_is_found() {
    let x = format!(
        r#"<t:RequestSecurityTokenResponse xmlns:t="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><t:RequestedSecurityToken>{}</t:RequestedSecurityToken></t:RequestSecurityTokenResponse>"#,
        good2("_r1", "alice")
    );
    assert_eq!(check(&x, &Expect::at(NOW)).unwrap().id, "_r1");
}

// ---- bad input ------------------------------------------------------------

#[test]
fn tampered() {
    let x = good2("_t1", "alice").replace(">alice<", ">mallory<");
    assert!(matches!(
        check(&x, &Expect::at(NOW)),
        Err(Error::Dsig(DsigError::DigestMismatch(_)))
    ));
    let x = good2("_t2", "alice").replace(RP, "https://evil.example/");
    assert!(matches!(
        check(&x, &Expect::at(NOW)),
        Err(Error::Dsig(DsigError::DigestMismatch(_)))
    ));
}

#[test]
fn unsigned() {
    let x = saml2("_u1", STS, "alice", NOW, NOW + Duration::hours(1));
    assert!(matches!(
        check(&x, &Expect::at(NOW)),
        Err(Error::Dsig(DsigError::Missing))
    ));
}

#[test]
fn expired_and_not_yet_valid_with_skew() {
    let x = good2("_e1", "alice");
    let skew = Limits::default().clock_skew;
    let skew = Duration::try_from(skew).unwrap();
    let end = NOW + Duration::hours(1);
    assert!(check(&x, &Expect::at(end + skew - Duration::seconds(1))).is_ok());
    assert_eq!(
        token_err(check(&x, &Expect::at(end + skew))),
        TokenError::Expired
    );
    let start = NOW - Duration::minutes(1);
    assert!(check(&x, &Expect::at(start - skew)).is_ok());
    assert_eq!(
        token_err(check(&x, &Expect::at(start - skew - Duration::seconds(1)))),
        TokenError::NotYetValid
    );
}

#[test]
fn foreign_issuer() {
    // a key nobody trusts, claiming to be the STS
    let x = sign(
        &saml2("_f1", STS, "alice", NOW, NOW + Duration::hours(1)),
        &party("rogue"),
    );
    assert_eq!(
        token_err(check(&x, &Expect::at(NOW))),
        TokenError::UntrustedIssuer
    );
    // an issuer name nobody trusts
    let x = sign(
        &saml2(
            "_f2",
            "https://rogue.example/",
            "alice",
            NOW,
            NOW + Duration::hours(1),
        ),
        &party("sts"),
    );
    assert_eq!(
        token_err(check(&x, &Expect::at(NOW))),
        TokenError::UntrustedIssuer
    );
    // a trusted partner speaking for the STS
    let x = sign(
        &saml2("_f3", STS, "alice", NOW, NOW + Duration::hours(1)),
        &party("partner"),
    );
    assert_eq!(
        token_err(check(&x, &Expect::at(NOW))),
        TokenError::UntrustedIssuer
    );
}

#[test]
fn wrong_audience() {
    let x = good2("_w1", "alice");
    assert_eq!(
        token_err(check(
            &x,
            &Expect::at(NOW).audience("https://other.example/")
        )),
        TokenError::WrongAudience
    );
    // no AudienceRestriction at all while one is expected
    let bare = saml2("_w2", STS, "alice", NOW, NOW + Duration::hours(1)).replace(
        &format!("<saml:AudienceRestriction><saml:Audience>{RP}</saml:Audience></saml:AudienceRestriction>"),
        "",
    );
    let x = sign(&bare, &party("sts"));
    assert!(check(&x, &Expect::at(NOW)).is_ok());
    assert_eq!(
        token_err(check(&x, &Expect::at(NOW).audience(RP))),
        TokenError::WrongAudience
    );
}

#[test]
fn comment_splitting_name_id_reads_whole_text() {
    // Signed for "admin.evil"; a comment inserted after signing does not
    // change the exclusive-C14N digest, and must not truncate the subject.
    let x = good2("_c1", "admin.evil").replace(">admin.evil<", ">admin<!---->.evil<");
    let tok = check(&x, &Expect::at(NOW)).unwrap();
    assert_eq!(tok.subject.value, "admin.evil");
}

fn wrap_err(x: &str) -> &'static str {
    match check(x, &Expect::at(NOW)) {
        Err(Error::Token(TokenError::Wrapping(why))) => why,
        other => panic!("expected a wrapping refusal, got {other:?}"),
    }
}

/// XSW: the signed assertion moved inside an unsigned one (in Advice).
#[test]
fn xsw_signed_assertion_inside_unsigned_one() {
    let signed = good2("_x1", "alice");
    let evil = saml2("_evil", STS, "admin", NOW, NOW + Duration::hours(1)).replace(
        "</saml:Conditions>",
        &format!("</saml:Conditions><saml:Advice>{signed}</saml:Advice>"),
    );
    assert_eq!(wrap_err(&evil), "assertion inside the assertion");
    // and handed the inner one directly
    let doc = xml::parse(&evil, &Limits::default()).unwrap();
    let inner = doc
        .descendants()
        .find(|n| n.attribute("ID") == Some("_x1"))
        .unwrap();
    assert!(matches!(
        validator().validate(&doc, inner, &Expect::at(NOW)),
        Err(Error::Token(TokenError::Wrapping(
            "assertion inside another assertion"
        )))
    ));
}

/// XSW: the signed assertion moved into another element, an unsigned
/// assertion beside it.
#[test]
fn xsw_second_assertion_beside() {
    let signed = good2("_x2", "alice");
    let evil = saml2("_evil2", STS, "admin", NOW, NOW + Duration::hours(1));
    let x = format!(r#"<Response><Extensions>{signed}</Extensions>{evil}</Response>"#);
    assert_eq!(wrap_err(&x), "more than one assertion");
    let x = format!(
        r#"<t:RequestSecurityTokenResponse xmlns:t="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><t:RequestedSecurityToken>{evil}{signed}</t:RequestedSecurityToken></t:RequestSecurityTokenResponse>"#
    );
    assert_eq!(wrap_err(&x), "more than one element in the token container");
}

/// XSW: an unsigned assertion carrying the genuine signature, whose
/// reference points at the genuine assertion hidden elsewhere.
#[test]
fn xsw_signature_references_another_element() {
    let signed = good2("_x3", "alice");
    let doc = xml::parse(&signed, &Limits::default()).unwrap();
    let sig = doc
        .descendants()
        .find(|n| n.has_tag_name((xml::ns::DS, "Signature")))
        .unwrap();
    let sig_text = &signed[sig.range()];
    let evil = saml2("_evil3", STS, "admin", NOW, NOW + Duration::hours(1))
        .replace("</saml:Issuer>", &format!("</saml:Issuer>{sig_text}"));
    let x = format!(r#"<Wrapper><Hidden>{signed}</Hidden>{evil}</Wrapper>"#);
    // as a document: two assertions
    assert_eq!(wrap_err(&x), "more than one assertion");
    // handed the evil one directly: its signature covers another element
    let doc = xml::parse(&x, &Limits::default()).unwrap();
    let node = doc
        .descendants()
        .find(|n| n.attribute("ID") == Some("_evil3"))
        .unwrap();
    assert!(matches!(
        validator().validate(&doc, node, &Expect::at(NOW)),
        Err(Error::Token(TokenError::Wrapping(
            "signature covers another element"
        )))
    ));
}

/// XSW: duplicate IDs (the evil assertion takes the signed one's ID).
#[test]
fn xsw_duplicate_ids() {
    let signed = good2("_x4", "alice");
    let evil = saml2("_x4", STS, "admin", NOW, NOW + Duration::hours(1));
    let x = format!(
        r#"<t:RequestSecurityTokenResponse xmlns:t="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><t:RequestedSecurityToken>{signed}</t:RequestedSecurityToken><Other>{evil}</Other></t:RequestSecurityTokenResponse>"#
    );
    assert_eq!(wrap_err(&x), "duplicate ID");
    // an ID-carrying element that is not an assertion
    let x = format!(
        r#"<t:RequestSecurityTokenResponse xmlns:t="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><t:RequestedSecurityToken>{signed}</t:RequestedSecurityToken><Other ID="_x4"/></t:RequestSecurityTokenResponse>"#
    );
    assert_eq!(wrap_err(&x), "duplicate ID");
}

/// A second signature inside the assertion (e.g. one carried in an
/// attribute value) is refused.
#[test]
fn xsw_extra_signature_inside() {
    let signed = good2("_x5", "alice");
    let doc = xml::parse(&signed, &Limits::default()).unwrap();
    let sig = doc
        .descendants()
        .find(|n| n.has_tag_name((xml::ns::DS, "Signature")))
        .unwrap();
    let sig_text = signed[sig.range()].to_owned();
    let x = signed.replace(
        "<saml:AttributeValue>user</saml:AttributeValue>",
        &format!("<saml:AttributeValue>{sig_text}</saml:AttributeValue>"),
    );
    assert_eq!(wrap_err(&x), "more than one signature in the assertion");
}

#[test]
fn not_a_token() {
    assert!(check("<a/>", &Expect::at(NOW)).is_err());
    assert!(check(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"/>"#,
        &Expect::at(NOW)
    )
    .is_err());
}

fn encrypt(x: &str, to: &Party) -> String {
    wstrust::xenc::encrypt_element(
        x,
        None,
        &to.cert,
        &wstrust::xenc::EncryptOptions::default(),
        &wstrust::memory::OsRandom,
        &Limits::default(),
    )
    .unwrap()
}

fn decrypting_validator() -> TokenValidator {
    let sts = party("sts");
    let mut keys = wstrust::memory::MemoryKeyResolver::new();
    keys.add(sts.cert.clone(), Arc::new(sts.key)).unwrap();
    validator().with_decryption(token::Decryption {
        keys: Arc::new(keys),
        options: Default::default(),
        random: Arc::new(wstrust::memory::OsRandom),
    })
}

#[test]
fn encrypted_to_the_sts() {
    let x = encrypt(&good2("_enc1", "alice"), &party("sts"));
    assert!(x.contains("EncryptedAssertion"));
    assert!(!x.contains("alice"));
    let tok = decrypting_validator()
        .validate_document(&x, &Expect::at(NOW).audience(RP))
        .unwrap();
    assert_eq!(tok.subject.value, "alice");
    // inside an RSTR too
    let r = format!(
        r#"<t:RequestSecurityTokenResponse xmlns:t="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><t:RequestedSecurityToken>{x}</t:RequestedSecurityToken></t:RequestSecurityTokenResponse>"#
    );
    assert!(decrypting_validator()
        .validate_document(&r, &Expect::at(NOW))
        .is_ok());
    // encrypted for someone else: refused
    let y = encrypt(&good2("_enc2", "alice"), &party("partner"));
    let e = decrypting_validator()
        .validate_document(&y, &Expect::at(NOW))
        .unwrap_err();
    assert!(matches!(e, Error::Xenc(_)), "{e:?}");
    // encrypted but unsigned inside: refused after decryption
    let z = encrypt(
        &saml2("_enc3", STS, "alice", NOW, NOW + Duration::hours(1)),
        &party("sts"),
    );
    assert!(matches!(
        decrypting_validator().validate_document(&z, &Expect::at(NOW)),
        Err(Error::Dsig(DsigError::Missing))
    ));
}

/// The validator as the authentication layer's `AssertionVerifier`.
#[test]
fn assertion_verifier_for_header_credentials() {
    use wstrust::auth::{AssertionVerifier, Confirmation};
    let v = validator().with_audience(RP);
    let x = good2("_av1", "alice");
    let doc = xml::parse(&x, &Limits::default()).unwrap();
    let a = v.verify(&doc, doc.root_element(), NOW).unwrap();
    assert_eq!(a.subject, "alice");
    assert_eq!(a.issuer, STS);
    assert_eq!(a.confirmation, Confirmation::Bearer);
    assert_eq!(a.attributes["role"], ["admin", "user"]);
    let other = validator().with_audience("https://sts.example/endpoint");
    assert!(other.verify(&doc, doc.root_element(), NOW).is_err());
    assert!(v
        .verify(&doc, doc.root_element(), NOW + Duration::hours(2))
        .is_err());
}

#[test]
fn encrypted_without_key_is_refused() {
    let x = r#"<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedAssertion>"#;
    assert!(matches!(
        check(x, &Expect::at(NOW)),
        Err(Error::Token(TokenError::Malformed(_)))
    ));
}

// ---- lifecycle --------------------------------------------------------------

fn policy() -> LifecyclePolicy {
    LifecyclePolicy {
        admin_role: Some("sts-admin".into()),
        ..LifecyclePolicy::new(STS)
    }
}

fn issue(store: &dyn TokenStore, id: &str, subject: &str, renewing: Option<Renewing>) -> String {
    let x = good2(id, subject);
    let rec = policy().new_record(
        id,
        subject,
        RP,
        NOW + Duration::hours(1),
        renewing.as_ref(),
        Limits::default().clock_skew,
    );
    lifecycle::record_issued(Some(store), &policy(), &rec, NOW).unwrap();
    x
}

fn run_validate(
    store: Option<&dyn TokenStore>,
    x: &str,
    now: OffsetDateTime,
) -> Result<lifecycle::Validation, Error> {
    let doc = xml::parse(x, &Limits::default()).unwrap();
    let node = token::find_token(&doc).unwrap();
    lifecycle::validate(&validator(), store, &policy(), &doc, node, &Expect::at(now))
}

fn run_renew(
    store: &dyn TokenStore,
    x: &str,
    now: OffsetDateTime,
    new_id: &str,
) -> Result<TokenRecord, Error> {
    run_renew_as(store, x, now, new_id, &requester("alice", None, &[]))
}

fn requester<'a>(name: &'a str, qualifier: Option<&'a str>, roles: &'a [String]) -> Requester<'a> {
    Requester {
        name,
        name_qualifier: qualifier,
        roles,
        intermediary: false,
    }
}

fn run_renew_as(
    store: &dyn TokenStore,
    x: &str,
    now: OffsetDateTime,
    new_id: &str,
    who: &Requester<'_>,
) -> Result<TokenRecord, Error> {
    let doc = xml::parse(x, &Limits::default()).unwrap();
    let node = token::find_token(&doc).unwrap();
    let plan = lifecycle::prepare_renewal(&validator(), store, &policy(), &doc, node, who, now)?;
    let succ = plan.successor(
        &policy(),
        new_id,
        now + Duration::hours(1),
        None,
        Limits::default().clock_skew,
    );
    lifecycle::commit_renewal(store, &plan, &succ, now)?;
    Ok(succ)
}

fn run_cancel(store: &dyn TokenStore, x: &str, who: &str, roles: &[String]) -> Result<(), Error> {
    run_cancel_at(store, x, who, roles, NOW)
}

fn run_cancel_at(
    store: &dyn TokenStore,
    x: &str,
    who: &str,
    roles: &[String],
    now: OffsetDateTime,
) -> Result<(), Error> {
    run_cancel_as(store, x, &requester(who, None, roles), now)
}

fn run_cancel_as(
    store: &dyn TokenStore,
    x: &str,
    who: &Requester<'_>,
    now: OffsetDateTime,
) -> Result<(), Error> {
    let doc = xml::parse(x, &Limits::default()).unwrap();
    let node = token::find_token(&doc).unwrap();
    lifecycle::cancel(&validator(), store, &policy(), &doc, node, who, now).map(|_| ())
}

/// Issue a token valid from `now` for an hour and record it.
fn issue_at(store: &dyn TokenStore, id: &str, now: OffsetDateTime) -> String {
    let x = sign(
        &saml2(
            id,
            STS,
            "alice",
            now - Duration::minutes(1),
            now + Duration::hours(1),
        ),
        &party("sts"),
    );
    let rec = policy().new_record(
        id,
        "alice",
        RP,
        now + Duration::hours(1),
        None,
        Limits::default().clock_skew,
    );
    lifecycle::record_issued(Some(store), &policy(), &rec, now).unwrap();
    x
}

#[test]
fn validate_status_and_revocation() {
    let store = MemoryTokenStore::default();
    let x = issue(&store, "_v1", "alice", None);
    let v = run_validate(Some(&store), &x, NOW).unwrap();
    assert!(v.status.valid);
    assert_eq!(v.token.unwrap().subject.value, "alice");

    run_cancel(&store, &x, "alice", &[]).unwrap();
    let v = run_validate(Some(&store), &x, NOW).unwrap();
    assert!(!v.status.valid, "cancelled token accepted");
    assert_eq!(v.status.reason.as_deref(), Some(lifecycle::reason::REVOKED));
    assert!(matches!(v.error, Some(Error::Token(TokenError::Cancelled))));

    // ours but unknown to the store, state required
    let y = good2("_v2", "alice");
    let v = run_validate(Some(&store), &y, NOW).unwrap();
    assert!(!v.status.valid);
    // no store at all while state is required: an error, not an answer
    assert!(matches!(
        run_validate(None, &y, NOW),
        Err(Error::Store(StoreError::Required))
    ));
    // expired: invalid with its reason
    let v = run_validate(Some(&store), &x, NOW + Duration::hours(3)).unwrap();
    assert!(!v.status.valid);
    // a partner's token is not looked up in our store
    let p = sign(
        &saml2("_v3", PARTNER, "bob", NOW, NOW + Duration::hours(1)),
        &party("partner"),
    );
    assert!(run_validate(Some(&store), &p, NOW).unwrap().status.valid);
}

/// A store whose backend is down.
#[derive(Debug)]
struct DownStore;
impl TokenStore for DownStore {
    fn record(&self, _: &TokenRecord, _: OffsetDateTime) -> Result<(), Error> {
        Err(StoreError::Unavailable("connection refused".into()).into())
    }
    fn get(&self, _: &str, _: OffsetDateTime) -> Result<Option<TokenRecord>, Error> {
        Err(StoreError::Unavailable("connection refused".into()).into())
    }
    fn cancel(&self, _: &str, _: OffsetDateTime) -> Result<Transition, Error> {
        Err(StoreError::Unavailable("connection refused".into()).into())
    }
    fn renew(&self, _: &str, _: &TokenRecord, _: OffsetDateTime) -> Result<Transition, Error> {
        Err(StoreError::Unavailable("connection refused".into()).into())
    }
}

#[test]
fn unreachable_store_is_a_clear_error_and_nothing_is_issued() {
    let rec = policy().new_record("_d1", "alice", RP, NOW, None, Limits::default().clock_skew);
    let e = lifecycle::record_issued(Some(&DownStore), &policy(), &rec, NOW).unwrap_err();
    assert!(matches!(e, Error::Store(StoreError::Unavailable(_))));
    assert_eq!(
        wstrust::Fault::from(&e).code,
        wstrust::error::FaultCode::RequestFailed
    );
    assert!(matches!(
        lifecycle::record_issued(None, &policy(), &rec, NOW),
        Err(Error::Store(StoreError::Required))
    ));
    let relaxed = LifecyclePolicy {
        require_state: false,
        ..policy()
    };
    assert!(lifecycle::record_issued(None, &relaxed, &rec, NOW).is_ok());
    let x = good2("_d1", "alice");
    assert!(matches!(
        run_validate(Some(&DownStore), &x, NOW),
        Err(Error::Store(_))
    ));
    assert!(matches!(
        run_renew(&DownStore, &x, NOW, "_d2"),
        Err(Error::Store(_))
    ));
    assert!(matches!(
        run_cancel(&DownStore, &x, "alice", &[]),
        Err(Error::Store(_))
    ));
}

#[test]
fn renew_rules() {
    let store = MemoryTokenStore::default();
    let x = issue(&store, "_n1", "alice", None);
    let succ = run_renew(&store, &x, NOW, "_n1r").unwrap();
    assert_eq!(succ.renewals, 1);
    assert_eq!(succ.subject, "alice");
    assert_eq!(
        store.get("_n1", NOW).unwrap().unwrap().state,
        TokenState::Renewed("_n1r".into())
    );
    // already renewed
    assert_eq!(
        run_renew(&store, &x, NOW, "_n1s").unwrap_err().to_string(),
        Error::Token(TokenError::Renewed).to_string()
    );
    assert!(!run_validate(Some(&store), &x, NOW).unwrap().status.valid);

    // cancelled, then renew refused
    let y = issue(&store, "_n2", "alice", None);
    run_cancel(&store, &y, "alice", &[]).unwrap();
    assert!(matches!(
        run_renew(&store, &y, NOW, "_n2r"),
        Err(Error::Token(TokenError::Cancelled))
    ));
    assert!(store.get("_n2r", NOW).unwrap().is_none());

    // foreign issuer
    let p = sign(
        &saml2("_n3", PARTNER, "bob", NOW, NOW + Duration::hours(1)),
        &party("partner"),
    );
    assert!(matches!(
        run_renew(&store, &p, NOW, "_n3r"),
        Err(Error::Token(TokenError::NotRenewable(_)))
    ));

    // Renewing Allow=false
    let z = issue(
        &store,
        "_n4",
        "alice",
        Some(Renewing {
            allow: false,
            ok: false,
        }),
    );
    assert!(matches!(
        run_renew(&store, &z, NOW, "_n4r"),
        Err(Error::Token(TokenError::NotRenewable(_)))
    ));

    // expired: refused without OK; with OK, inside the window only
    let end = NOW + Duration::hours(1) + Duration::try_from(Limits::default().clock_skew).unwrap();
    let e1 = issue(&store, "_n5", "alice", None);
    assert!(matches!(
        run_renew(&store, &e1, end + Duration::minutes(1), "_n5r"),
        Err(Error::Token(TokenError::Expired))
    ));
    let e2 = issue(
        &store,
        "_n6",
        "alice",
        Some(Renewing {
            allow: true,
            ok: true,
        }),
    );
    assert!(matches!(
        run_renew(&store, &e2, end + Duration::minutes(61), "_n6r"),
        Err(Error::Token(TokenError::RenewalWindow))
    ));
    assert!(run_renew(&store, &e2, end + Duration::minutes(30), "_n6r").is_ok());

    // the limit on renewals
    let lim = issue(&store, "_n7", "alice", None);
    let mut rec = store.get("_n7", NOW).unwrap().unwrap();
    rec.id = "_n8".into();
    rec.renewals = policy().max_renewals;
    store.record(&rec, NOW).unwrap();
    let at_limit = good2("_n8", "alice");
    assert!(matches!(
        run_renew(&store, &at_limit, NOW, "_n8r"),
        Err(Error::Token(TokenError::RenewalLimit))
    ));
    assert!(run_renew(&store, &lim, NOW, "_n7r").is_ok());
}

#[test]
fn renewal_lifetime_and_postdating() {
    use wstrust::wst::rst::Lifetime;
    let h = std::time::Duration::from_secs(3600);
    let skew = Limits::default().clock_skew;
    let (c, e) = lifecycle::renewal_lifetime(None, false, NOW, h, 8 * h, skew).unwrap();
    assert_eq!((c, e), (NOW, NOW + Duration::hours(1)));
    let later = Lifetime {
        created: Some(NOW + Duration::hours(2)),
        expires: Some(NOW + Duration::hours(3)),
    };
    assert!(lifecycle::renewal_lifetime(Some(&later), false, NOW, h, 8 * h, skew).is_err());
    assert!(lifecycle::renewal_lifetime(Some(&later), true, NOW, h, 8 * h, skew).is_ok());
    let long = Lifetime {
        created: None,
        expires: Some(NOW + Duration::hours(10)),
    };
    assert!(lifecycle::renewal_lifetime(Some(&long), false, NOW, h, 8 * h, skew).is_err());
}

#[test]
fn cancel_rules() {
    let store = MemoryTokenStore::default();
    let x = issue(&store, "_k1", "alice", None);
    assert!(matches!(
        run_cancel(&store, &x, "mallory", &[]),
        Err(Error::Token(TokenError::NotAuthorized))
    ));
    assert!(matches!(
        run_cancel(&store, &x, "mallory", &["user".into()]),
        Err(Error::Token(TokenError::NotAuthorized))
    ));
    run_cancel(&store, &x, "root", &["sts-admin".into()]).unwrap();
    assert!(matches!(
        run_cancel(&store, &x, "alice", &[]),
        Err(Error::Token(TokenError::Cancelled))
    ));
    // "alice" with a comment inside the requester name comparison is the whole text
    let y = issue(&store, "_k2", "alice", None);
    run_cancel(&store, &y, "alice", &[]).unwrap();
}

/// A partner's `alice` (a qualified requester) is not the local `alice`:
/// it can neither cancel nor renew her token, and the record stays active.
#[test]
fn qualified_requester_is_not_the_local_subject() {
    let store = MemoryTokenStore::default();
    let x = issue(&store, "_q1", "alice", None);
    let partner = requester("alice", Some("urn:partner"), &[]);
    assert!(matches!(
        run_cancel_as(&store, &x, &partner, NOW),
        Err(Error::Token(TokenError::NotAuthorized))
    ));
    assert!(matches!(
        run_renew_as(&store, &x, NOW, "_q1r", &partner),
        Err(Error::Token(TokenError::NotAuthorized))
    ));
    assert_eq!(
        store.get("_q1", NOW).unwrap().unwrap().state,
        TokenState::Active
    );
    // The local alice still can.
    run_renew(&store, &x, NOW, "_q1r").unwrap();
}

/// A token whose subject carries a `NameQualifier` belongs to the requester
/// with that very qualifier, not to the local account of the same name.
#[test]
fn qualified_subject_belongs_to_the_qualified_requester() {
    let store = MemoryTokenStore::default();
    let signed = sign(
        &saml2(
            "_q2",
            STS,
            "alice",
            NOW - Duration::minutes(1),
            NOW + Duration::hours(1),
        )
        .replace(
            "<saml:NameID ",
            r#"<saml:NameID NameQualifier="urn:partner" "#,
        ),
        &party("sts"),
    );
    store
        .record(
            &policy().new_record(
                "_q2",
                "alice",
                RP,
                NOW + Duration::hours(1),
                None,
                Limits::default().clock_skew,
            ),
            NOW,
        )
        .unwrap();
    for local in [
        requester("alice", None, &[]),
        requester("alice", Some("urn:other"), &[]),
    ] {
        assert!(matches!(
            run_cancel_as(&store, &signed, &local, NOW),
            Err(Error::Token(TokenError::NotAuthorized))
        ));
    }
    run_cancel_as(
        &store,
        &signed,
        &requester("alice", Some("urn:partner"), &[]),
        NOW,
    )
    .unwrap();
    assert_eq!(
        store.get("_q2", NOW).unwrap().unwrap().state,
        TokenState::Cancelled
    );
}

/// Renew is bound to the requester: somebody else holding a copy of the
/// token (the relying party it went to) cannot extend its life; an
/// administrator and a trusted intermediary can.
#[test]
fn renew_by_other_principal_refused() {
    let store = MemoryTokenStore::default();
    let x = issue(&store, "_r1", "alice", None);
    assert!(matches!(
        run_renew_as(&store, &x, NOW, "_r1a", &requester("mallory", None, &[])),
        Err(Error::Token(TokenError::NotAuthorized))
    ));
    let record = store.get("_r1", NOW).unwrap().unwrap();
    assert_eq!((record.state, record.renewals), (TokenState::Active, 0));
    assert!(store.get("_r1a", NOW).unwrap().is_none());
    let admin = ["sts-admin".to_owned()];
    run_renew_as(&store, &x, NOW, "_r1b", &requester("root", None, &admin)).unwrap();
    let y = issue(&store, "_r2", "alice", None);
    let frontend = Requester {
        intermediary: true,
        ..requester("frontend", None, &[])
    };
    run_renew_as(&store, &y, NOW, "_r2a", &frontend).unwrap();
}

/// Many threads validating, renewing and cancelling signed tokens through
/// two store handles (two STS nodes): exactly one of renew/cancel wins per
/// token, nothing is lost, and a cancelled token never validates afterwards.
fn concurrent_lifecycle(
    a: Arc<dyn TokenStore>,
    b: Arc<dyn TokenStore>,
    tag: &str,
    now: OffsetDateTime,
) {
    const TOKENS: usize = 24;
    const THREADS: usize = 6;
    let tokens: Arc<Vec<String>> = Arc::new(
        (0..TOKENS)
            .map(|i| issue_at(&*a, &format!("_{tag}{i}"), now))
            .collect(),
    );
    let wins: Arc<Vec<AtomicUsize>> = Arc::new((0..TOKENS).map(|_| AtomicUsize::new(0)).collect());
    let hs: Vec<_> = (0..THREADS)
        .map(|t| {
            let store = if t % 2 == 0 { a.clone() } else { b.clone() };
            let (tokens, wins, tag) = (tokens.clone(), wins.clone(), tag.to_owned());
            std::thread::spawn(move || {
                for k in 0..TOKENS {
                    let i = (k + t * 5) % TOKENS;
                    let x = &tokens[i];
                    let _ = run_validate(Some(&*store), x, now).unwrap();
                    let won = if (t + k) % 2 == 0 {
                        run_cancel_at(&*store, x, "alice", &[], now).is_ok()
                    } else {
                        run_renew(&*store, x, now, &format!("_{tag}{i}-r{t}")).is_ok()
                    };
                    if won {
                        wins[i].fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    for (i, x) in tokens.iter().enumerate() {
        assert_eq!(wins[i].load(Ordering::SeqCst), 1, "token {i}");
        let rec = b.get(&format!("_{tag}{i}"), now).unwrap().unwrap();
        assert_ne!(rec.state, TokenState::Active);
        assert!(!run_validate(Some(&*a), x, now).unwrap().status.valid);
        assert!(!run_validate(Some(&*b), x, now).unwrap().status.valid);
        let successors = (0..THREADS)
            .filter(|t| a.get(&format!("_{tag}{i}-r{t}"), now).unwrap().is_some())
            .count();
        match rec.state {
            TokenState::Cancelled => assert_eq!(successors, 0, "cancelled token {i} renewed"),
            _ => assert_eq!(successors, 1, "token {i}"),
        }
    }
}

#[test]
fn concurrent_lifecycle_on_one_store() {
    let s: Arc<dyn TokenStore> = Arc::new(MemoryTokenStore::default());
    concurrent_lifecycle(s.clone(), s, "cc", NOW);
}

/// Two STS nodes sharing one Redis (`WSTRUST_REDIS_URL`, see tests/store.rs).
#[cfg(feature = "redis")]
#[test]
fn concurrent_lifecycle_two_nodes_one_redis() {
    use wstrust::redis::RedisTokenStore;
    let url =
        std::env::var("WSTRUST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    let prefix = format!(
        "wstrust-test:{}:{}:lifecycle:",
        std::process::id(),
        OffsetDateTime::now_utc().unix_timestamp_nanos()
    );
    let a = match RedisTokenStore::open(&url, &prefix) {
        Ok(a) => a,
        Err(e) => {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "CI=true but no Redis at {url}: {e}"
            );
            eprintln!("SKIPPED: no Redis server reachable at {url} ({e})");
            return;
        }
    };
    let b = RedisTokenStore::open(&url, &prefix).unwrap();
    // Redis expires keys by its own clock: tokens valid now.
    let now = OffsetDateTime::now_utc();
    concurrent_lifecycle(Arc::new(a), Arc::new(b), "rc", now);
}

/// Writes the golden token files of tests/vectors/validate/ (used by
/// tests/cli_validate.rs). Run with `WSTRUST_REGEN=1 cargo test --test
/// validate regenerate -- --ignored`; signatures are deterministic
/// (RSA PKCS#1 v1.5), so a rerun reproduces the same files.
#[test]
#[ignore]
fn regenerate_vectors() {
    if std::env::var("WSTRUST_REGEN").is_err() {
        return;
    }
    let dir = format!("{}/tests/vectors/validate", env!("CARGO_MANIFEST_DIR"));
    let w = |name: &str, text: &str| std::fs::write(format!("{dir}/{name}"), text).unwrap();
    let g = good2("_g20", "alice");
    w("saml20.xml", &g);
    w(
        "saml11.xml",
        &sign(
            &saml11(
                "_g11",
                PARTNER,
                "alice@example.org",
                NOW,
                NOW + Duration::hours(1),
            ),
            &party("partner"),
        ),
    );
    w("tampered.xml", &g.replace(">alice<", ">admin<"));
    w(
        "comment-nameid.xml",
        &good2("_gc", "admin.evil").replace(">admin.evil<", ">admin<!---->.evil<"),
    );
    w(
        "rogue-key.xml",
        &sign(
            &saml2("_gr", STS, "alice", NOW, NOW + Duration::hours(1)),
            &party("rogue"),
        ),
    );
    let evil = saml2("_evil", STS, "admin", NOW, NOW + Duration::hours(1));
    w(
        "xsw-inside.xml",
        &evil.replace(
            "</saml:Conditions>",
            &format!("</saml:Conditions><saml:Advice>{g}</saml:Advice>"),
        ),
    );
    w(
        "xsw-beside.xml",
        &format!("<Response><Extensions>{g}</Extensions>{evil}</Response>"),
    );
    w(
        "xsw-duplicate-id.xml",
        &format!(
            r#"<t:RequestSecurityTokenResponse xmlns:t="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><t:RequestedSecurityToken>{g}</t:RequestedSecurityToken><Other>{}</Other></t:RequestSecurityTokenResponse>"#,
            saml2("_g20", STS, "admin", NOW, NOW + Duration::hours(1))
        ),
    );
    w("encrypted.xml", &encrypt(&g, &party("sts")));
    w(
        "rstr.xml",
        &format!(
            r#"<t:RequestSecurityTokenResponse xmlns:t="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><t:RequestedSecurityToken>{g}</t:RequestedSecurityToken></t:RequestSecurityTokenResponse>"#
        ),
    );
}

// ---- review findings ------------------------------------------------------

/// A SAML 2.0 assertion whose Subject carries the given confirmations.
fn saml2_with_confirmations(id: &str, confirmations: &str) -> String {
    let x = saml2(
        id,
        STS,
        "alice",
        NOW - Duration::minutes(1),
        NOW + Duration::hours(1),
    );
    let bearer = r#"<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"/>"#;
    assert!(x.contains(bearer));
    sign(&x.replace(bearer, confirmations), &party("sts"))
}

fn key_info(p: &Party) -> String {
    use base64::Engine as _;
    let der = base64::engine::general_purpose::STANDARD.encode(p.cert.der());
    format!(
        r#"<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>{der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"#
    )
}

#[test]
fn proof_key_comes_only_from_the_holder_of_key_confirmation() {
    // Review finding: a key under a sender-vouches confirmation listed first
    // must not be taken for the holder-of-key proof key.
    let sv = format!(
        r#"<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:sender-vouches"><saml:SubjectConfirmationData>{}</saml:SubjectConfirmationData></saml:SubjectConfirmation>"#,
        key_info(&party("partner"))
    );
    let hok = format!(
        r#"<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"><saml:SubjectConfirmationData>{}</saml:SubjectConfirmationData></saml:SubjectConfirmation>"#,
        key_info(&party("sts"))
    );
    let x = saml2_with_confirmations("_hk1", &format!("{sv}{hok}"));
    let tok = check(&x, &Expect::at(NOW)).unwrap();
    assert_eq!(
        tok.confirmation_key.as_ref(),
        Some(party("sts").cert.public_key())
    );
    // With only the sender-vouches key, there is no proof key at all.
    let x = saml2_with_confirmations("_hk2", &sv);
    let tok = check(&x, &Expect::at(NOW)).unwrap();
    assert!(tok.confirmation_key.is_none());
}

#[test]
fn subject_confirmation_data_not_before_is_applied() {
    // Review finding: SubjectConfirmationData/@NotBefore narrows the window.
    let later = NOW + Duration::minutes(30);
    let c = format!(
        r#"<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotBefore="{}"/></saml:SubjectConfirmation>"#,
        t(later)
    );
    let x = saml2_with_confirmations("_nb1", &c);
    assert_eq!(
        token_err(check(&x, &Expect::at(NOW))),
        TokenError::NotYetValid
    );
    assert!(check(&x, &Expect::at(later)).is_ok());
}
