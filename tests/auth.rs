//! End-to-end authentication of SOAP requests shaped like WSS4J/WCF traffic:
//! UsernameToken (text and digest), X.509-signed requests (every
//! SecurityTokenReference form), and every bad input of the issue, each with
//! the fault a peer sees.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use std::sync::Arc;
use time::macros::datetime;
use time::OffsetDateTime;
use wstrust::auth::{self, AuthConfig, Authenticated, TransportContext};
use wstrust::dsig::{self, KeyInfo, SignOptions, SigningKey};
use wstrust::error::{AuthError, CertificateError, Denial, DsigError, FaultCode, NotCa};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{LockoutSettings, MemoryLockout, MemoryReplayCache, MemoryUserStore};
use wstrust::policy::{AccessRequest, Allow, Method, RpRule, StandardPolicy};
use wstrust::soap::Message;
use wstrust::wss::{self, WssSettings};
use wstrust::{xml, Error, Fault, Limits};

const NOW: OffsetDateTime = datetime!(2027-01-15 12:00 UTC);
const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/auth/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}
fn cert(name: &str) -> Certificate {
    Certificate::from_pem(&data(&format!("{name}.cert.pem"))).unwrap()
}
fn key(name: &str) -> AwsLcRsaKey {
    AwsLcRsaKey::from_pem(&data(&format!("{name}.key.pem"))).unwrap()
}

fn config(policy: StandardPolicy) -> AuthConfig {
    AuthConfig {
        wss: WssSettings {
            trust_anchors: vec![cert("ca")],
            ..WssSettings::default()
        },
        limits: Limits::default(),
        policy: Arc::new(policy),
        users: Arc::new(MemoryUserStore::demo()),
        replay: Arc::new(MemoryReplayCache::new(10_000)),
        lockout: Arc::new(MemoryLockout::new(LockoutSettings::default())),
        assertions: None,
        local_account_issuers: Vec::new(),
        partner_claims: Default::default(),
        issuer: None,
    }
}

fn tls() -> TransportContext {
    TransportContext {
        tls: true,
        ..TransportContext::default()
    }
}

fn timestamp(created: OffsetDateTime) -> String {
    let f = |t: OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    format!(
        r#"<wsu:Timestamp wsu:Id="TS-1"><wsu:Created>{}</wsu:Created><wsu:Expires>{}</wsu:Expires></wsu:Timestamp>"#,
        f(created),
        f(created + time::Duration::minutes(5))
    )
}

/// A SOAP 1.2 WS-Trust 1.3 Issue request with `security` as the content of
/// the wsse:Security header (or `extra` raw header blocks).
fn envelope(security: &str, extra: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}"><s:Header><a:Action s:mustUnderstand="1" wsu:Id="A-1">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue</a:Action><a:MessageID wsu:Id="M-1">urn:uuid:7b3c</a:MessageID><a:To s:mustUnderstand="1" wsu:Id="T-1">https://sts.example/sts</a:To><wsse:Security s:mustUnderstand="1">{security}</wsse:Security>{extra}</s:Header><s:Body wsu:Id="B-1"><trust:RequestSecurityToken xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><trust:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</trust:RequestType></trust:RequestSecurityToken></s:Body></s:Envelope>"#
    )
}

fn username_token(user: &str, password: &str) -> String {
    format!(
        r#"<wsse:UsernameToken wsu:Id="UT-1"><wsse:Username>{user}</wsse:Username><wsse:Password Type="{}">{password}</wsse:Password></wsse:UsernameToken>"#,
        wss::PASSWORD_TEXT
    )
}

fn digest_token(user: &str, password: &str, nonce: &[u8], created: OffsetDateTime) -> String {
    let created = created
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let d = wss::password_digest(nonce, &created, password.as_bytes());
    format!(
        r#"<wsse:UsernameToken wsu:Id="UT-1"><wsse:Username>{user}</wsse:Username><wsse:Password Type="{}">{}</wsse:Password><wsse:Nonce EncodingType="{}">{}</wsse:Nonce><wsu:Created>{created}</wsu:Created></wsse:UsernameToken>"#,
        wss::PASSWORD_DIGEST,
        b64.encode(d),
        wss::BASE64_BINARY,
        b64.encode(nonce),
    )
}

fn run(text: &str, transport: &TransportContext, cfg: &AuthConfig) -> Result<Authenticated, Error> {
    run_at(text, transport, cfg, NOW)
}

fn run_at(
    text: &str,
    transport: &TransportContext,
    cfg: &AuthConfig,
    now: OffsetDateTime,
) -> Result<Authenticated, Error> {
    let doc = xml::parse(text, &Limits::default())?;
    let msg = Message::parse(&doc)?;
    auth::authenticate(&msg, transport, now, cfg)
}

fn fault(r: Result<Authenticated, Error>) -> FaultCode {
    Fault::from(&r.unwrap_err()).code
}

// ---------------------------------------------------------------- passwords

#[test]
fn password_text_over_tls_accepted() {
    let cfg = config(StandardPolicy::username_token());
    let sec = timestamp(NOW) + &username_token("alice", "alice-password");
    let who = run(&envelope(&sec, ""), &tls(), &cfg).unwrap();
    assert_eq!(who.principal.name, "alice");
    assert_eq!(who.principal.domain, "PRIMARY");
    assert_eq!(who.method, Method::PasswordText);
    assert!(who.signing_certificate.is_none());
    assert!(!who.attributes.is_empty());
}

#[test]
fn password_digest_accepted_and_nonce_replay_rejected() {
    let cfg = config(StandardPolicy::username_token());
    let sec = timestamp(NOW) + &digest_token("admin", "admin-password", b"nonce-0123456789", NOW);
    let text = envelope(&sec, "");
    let who = run(&text, &tls(), &cfg).unwrap();
    assert_eq!(who.principal.name, "admin");
    assert_eq!(who.method, Method::PasswordDigest);
    let again = run(&text, &tls(), &cfg);
    assert!(matches!(again, Err(Error::Auth(AuthError::Replay(_)))));
    assert_eq!(fault(again), FaultCode::InvalidSecurity);
}

/// Review 3 L3: only a verified password spends a nonce, so requests
/// without the password cannot fill the replay cache; a replayed valid
/// message is still refused, and neither counts as a failure nor clears the
/// failure count.
#[test]
fn only_a_verified_password_spends_its_nonce() {
    let cache = Arc::new(MemoryReplayCache::new(10_000));
    let mut cfg = config(StandardPolicy::username_token());
    cfg.replay = cache.clone();
    let msg = |user: &str, password: &str, nonce: &[u8]| {
        envelope(
            &(timestamp(NOW) + &digest_token(user, password, nonce, NOW)),
            "",
        )
    };
    for (user, password) in [("alice", "guess"), ("nobody", "guess"), ("alice", "guess")] {
        let r = run(&msg(user, password, b"nonce-l3"), &tls(), &cfg);
        assert!(
            matches!(r, Err(Error::Auth(AuthError::BadCredentials))),
            "{r:?}"
        );
    }
    // the same text password with a nonce, too
    let text = format!(
        r#"{}<wsse:UsernameToken><wsse:Username>alice</wsse:Username><wsse:Password Type="{}">guess</wsse:Password><wsse:Nonce EncodingType="{}">bm9uY2UtbDM=</wsse:Nonce></wsse:UsernameToken>"#,
        timestamp(NOW),
        wss::PASSWORD_TEXT,
        wss::BASE64_BINARY
    );
    let r = run(&envelope(&text, ""), &tls(), &cfg);
    assert!(
        matches!(r, Err(Error::Auth(AuthError::BadCredentials))),
        "{r:?}"
    );
    assert_eq!(cache.len(NOW), 0, "failed attempts spent no cache entry");

    // the nonce the failures carried is still good for the right password
    let good = msg("alice", "alice-password", b"nonce-l3");
    assert_eq!(run(&good, &tls(), &cfg).unwrap().principal.name, "alice");
    assert_eq!(cache.len(NOW), 1);

    // a replay is refused, and cannot reset the failure count: four
    // failures, a replay, a fifth failure lock alice out
    for i in 0..4u8 {
        let r = run(&msg("alice", "guess", &[b'f', i]), &tls(), &cfg);
        assert!(matches!(r, Err(Error::Auth(AuthError::BadCredentials))));
    }
    let again = run(&good, &tls(), &cfg);
    assert!(
        matches!(again, Err(Error::Auth(AuthError::Replay(_)))),
        "{again:?}"
    );
    let r = run(&msg("alice", "guess", b"f5"), &tls(), &cfg);
    assert!(matches!(r, Err(Error::Auth(AuthError::BadCredentials))));
    let r = run(&msg("alice", "alice-password", b"fresh"), &tls(), &cfg);
    assert!(matches!(r, Err(Error::Auth(AuthError::LockedOut))), "{r:?}");
    assert_eq!(cache.len(NOW), 1);
}

#[test]
fn digest_with_wrong_password_and_unknown_user_look_the_same() {
    let cfg = config(StandardPolicy::username_token());
    let wrong = timestamp(NOW) + &digest_token("alice", "guess", b"nonce-a", NOW);
    let unknown = timestamp(NOW) + &digest_token("nobody", "guess", b"nonce-b", NOW);
    let text_wrong = run(&envelope(&wrong, ""), &tls(), &cfg);
    let text_unknown = run(&envelope(&unknown, ""), &tls(), &cfg);
    assert!(matches!(
        text_wrong,
        Err(Error::Auth(AuthError::BadCredentials))
    ));
    assert!(matches!(
        text_unknown,
        Err(Error::Auth(AuthError::BadCredentials))
    ));
    let (a, b) = (
        Fault::from(&text_wrong.unwrap_err()),
        Fault::from(&text_unknown.unwrap_err()),
    );
    assert_eq!(a, b);
    assert_eq!(a.code, FaultCode::FailedAuthentication);
}

#[test]
fn stale_and_future_created_rejected() {
    let cfg = config(StandardPolicy::username_token());
    let stale = timestamp(NOW)
        + &digest_token(
            "alice",
            "alice-password",
            b"n1",
            NOW - time::Duration::minutes(11),
        );
    let r = run(&envelope(&stale, ""), &tls(), &cfg);
    assert!(matches!(r, Err(Error::Auth(AuthError::Expired(_)))));
    assert_eq!(fault(r), FaultCode::MessageExpired);
    let future = timestamp(NOW)
        + &digest_token(
            "alice",
            "alice-password",
            b"n2",
            NOW + time::Duration::minutes(6),
        );
    let r = run(&envelope(&future, ""), &tls(), &cfg);
    assert!(matches!(r, Err(Error::Auth(AuthError::InvalidTime(_)))));
    // stale and future Timestamps alike
    let sec =
        timestamp(NOW - time::Duration::minutes(20)) + &username_token("alice", "alice-password");
    let r = run(&envelope(&sec, ""), &tls(), &cfg);
    assert_eq!(fault(r), FaultCode::MessageExpired);
    let sec =
        timestamp(NOW + time::Duration::minutes(20)) + &username_token("alice", "alice-password");
    let r = run(&envelope(&sec, ""), &tls(), &cfg);
    assert!(matches!(r, Err(Error::Auth(AuthError::InvalidTime(_)))));
}

#[test]
fn missing_timestamp_when_required() {
    let cfg = config(StandardPolicy::username_token());
    let r = run(
        &envelope(&username_token("alice", "alice-password"), ""),
        &tls(),
        &cfg,
    );
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::Denied(Denial::TimestampRequired)))
    ));
    assert_eq!(fault(r), FaultCode::InvalidSecurity);
    let cfg = config(StandardPolicy::username_token().require_timestamp(false));
    assert!(run(
        &envelope(&username_token("alice", "alice-password"), ""),
        &tls(),
        &cfg
    )
    .is_ok());
}

#[test]
fn password_without_tls_refused_before_the_store_is_asked() {
    let cfg = config(StandardPolicy::username_token().roles(Allow::only(["admin"])));
    let sec = timestamp(NOW) + &username_token("alice", "wrong");
    let r = run(&envelope(&sec, ""), &TransportContext::default(), &cfg);
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::Denied(Denial::TlsRequired)))
    ));
}

#[test]
fn user_without_the_role_gets_the_wrong_password_fault() {
    let cfg = config(StandardPolicy::username_token().roles(Allow::only(["admin"])));
    let sec = timestamp(NOW) + &username_token("alice", "alice-password");
    let r = run(&envelope(&sec, ""), &tls(), &cfg);
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::Denied(Denial::Role)))
    ));
    assert_eq!(fault(r), FaultCode::FailedAuthentication);
    let sec = timestamp(NOW) + &username_token("admin", "admin-password");
    assert!(run(&envelope(&sec, ""), &tls(), &cfg).is_ok());
}

#[test]
fn lockout_of_real_and_unknown_users() {
    let cfg = config(StandardPolicy::username_token());
    for user in ["alice", "ghost"] {
        for _ in 0..5 {
            let sec = timestamp(NOW) + &username_token(user, "guess");
            let r = run(&envelope(&sec, ""), &tls(), &cfg);
            assert!(matches!(r, Err(Error::Auth(AuthError::BadCredentials))));
        }
        // now even the right password (for alice) is refused, with the same fault
        let sec = timestamp(NOW) + &username_token(user, "alice-password");
        let r = run(&envelope(&sec, ""), &tls(), &cfg);
        assert!(matches!(r, Err(Error::Auth(AuthError::LockedOut))));
        assert_eq!(fault(r), FaultCode::FailedAuthentication);
    }
    // after the cooling-off period alice gets in
    let later = NOW + time::Duration::minutes(16);
    let sec = timestamp(later) + &username_token("alice", "alice-password");
    assert!(run_at(&envelope(&sec, ""), &tls(), &cfg, later).is_ok());
}

#[test]
fn two_security_headers_and_two_username_tokens() {
    let cfg = config(StandardPolicy::username_token());
    let sec = timestamp(NOW) + &username_token("alice", "alice-password");
    let second = format!(
        r#"<wsse:Security s:actor="urn:other">{}</wsse:Security>"#,
        username_token("admin", "admin-password")
    );
    let r = run(&envelope(&sec, &second), &tls(), &cfg);
    assert!(matches!(r, Err(Error::Auth(AuthError::Duplicate(_)))));
    assert_eq!(fault(r), FaultCode::InvalidSecurity);
    let sec = timestamp(NOW)
        + &username_token("alice", "alice-password")
        + &username_token("admin", "admin-password");
    let r = run(&envelope(&sec, ""), &tls(), &cfg);
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::Duplicate("UsernameToken")))
    ));
}

#[test]
fn no_credential_at_all() {
    let cfg = config(StandardPolicy::username_token());
    let r = run(&envelope(&timestamp(NOW), ""), &tls(), &cfg);
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::Denied(Denial::NoCredential)))
    ));
    let text = envelope("", "").replace(
        r#"<wsse:Security s:mustUnderstand="1"></wsse:Security>"#,
        "",
    );
    assert!(matches!(
        run(&text, &tls(), &cfg),
        Err(Error::Auth(AuthError::Denied(Denial::NoCredential)))
    ));
}

#[test]
fn per_relying_party_authorization() {
    let cfg = config(
        StandardPolicy::username_token()
            .relying_party("https://rp.example/", RpRule::any().claims(["urn:email"]))
            .default_rule(None),
    );
    let sec = timestamp(NOW) + &username_token("alice", "alice-password");
    let who = run(&envelope(&sec, ""), &tls(), &cfg).unwrap();
    let mut req = AccessRequest {
        applies_to: Some("https://rp.example".into()),
        claims: vec!["urn:email".into()],
        ..AccessRequest::default()
    };
    assert!(auth::authorize(&who, &req, &cfg).is_ok());
    req.claims.push("urn:ssn".into());
    let e = auth::authorize(&who, &req, &cfg).unwrap_err();
    assert_eq!(Fault::from(&e).code, FaultCode::RequestFailed);
    req.applies_to = Some("https://elsewhere.example/".into());
    assert!(auth::authorize(&who, &req, &cfg).is_err());
}

// ---------------------------------------------------------------- X.509

fn bst(c: &Certificate) -> String {
    format!(
        r#"<wsse:BinarySecurityToken wsu:Id="X509-1" ValueType="{}" EncodingType="{}">{}</wsse:BinarySecurityToken>"#,
        wss::X509V3,
        wss::BASE64_BINARY,
        base64::engine::general_purpose::STANDARD.encode(c.der())
    )
}

fn str_reference() -> String {
    format!(
        r##"<wsse:SecurityTokenReference xmlns:wsse="{WSSE}"><wsse:Reference URI="#X509-1" ValueType="{}"/></wsse:SecurityTokenReference>"##,
        wss::X509V3
    )
}

/// Sign the elements `ids` of `text` with `signer`'s key (WSS4J shape: a
/// detached exclusive-C14N signature in the Security header, KeyInfo an STR)
/// and place the signature at the end of the Security header.
fn sign(text: &str, ids: &[&str], signer: &AwsLcRsaKey, key_info: &str) -> String {
    let limits = Limits::default();
    let doc = xml::parse(text, &limits).unwrap();
    let opts = SignOptions {
        key_info: KeyInfo::Raw(key_info.as_bytes()),
        ..SignOptions::default()
    };
    let sig = dsig::sign_detached(&doc, ids, SigningKey::Rsa(signer), &opts, &limits).unwrap();
    let sig = String::from_utf8(sig).unwrap();
    text.replacen("</wsse:Security>", &format!("{sig}</wsse:Security>"), 1)
}

fn signed_request(signer: &str, ids: &[&str]) -> String {
    let text = envelope(&(timestamp(NOW) + &bst(&cert(signer))), "");
    sign(&text, ids, &key(signer), &str_reference())
}

#[test]
fn x509_signed_request_accepted() {
    let cfg = config(StandardPolicy::non_repudiation());
    let text = signed_request("client", &["TS-1", "B-1"]);
    let who = run(&text, &TransportContext::default(), &cfg).unwrap();
    assert_eq!(who.method, Method::X509Signature);
    assert!(who.signed.body && who.signed.timestamp && !who.signed.addressing);
    assert_eq!(who.principal.domain, "X509");
    assert!(who.principal.name.contains("client.example"));
    assert_eq!(who.signing_certificate.unwrap(), cert("client"));
    // the same signed message again is a replay
    let r = run(&text, &TransportContext::default(), &cfg);
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::Replay("signature")))
    ));
}

#[test]
fn x509_addressing_headers_signed() {
    let cfg =
        config(StandardPolicy::non_repudiation().signed_parts(wstrust::policy::SignedParts::ALL));
    let text = signed_request("client", &["TS-1", "B-1"]);
    let r = run(&text, &TransportContext::default(), &cfg);
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::Denied(Denial::NotSigned(_))))
    ));
    let text = signed_request("client", &["TS-1", "B-1", "A-1", "M-1", "T-1"]);
    let who = run(&text, &TransportContext::default(), &cfg).unwrap();
    assert!(who.signed.addressing);
}

#[test]
fn every_security_token_reference_form() {
    let c = cert("client");
    let b64 = base64::engine::general_purpose::STANDARD;
    let forms = [
        format!(
            r#"<wsse:SecurityTokenReference xmlns:wsse="{WSSE}"><wsse:KeyIdentifier ValueType="{}" EncodingType="{}">{}</wsse:KeyIdentifier></wsse:SecurityTokenReference>"#,
            wss::X509_SKI,
            wss::BASE64_BINARY,
            b64.encode(c.subject_key_id().unwrap())
        ),
        format!(
            r#"<wsse:SecurityTokenReference xmlns:wsse="{WSSE}"><wsse:KeyIdentifier ValueType="{}" EncodingType="{}">{}</wsse:KeyIdentifier></wsse:SecurityTokenReference>"#,
            wss::THUMBPRINT_SHA1,
            wss::BASE64_BINARY,
            b64.encode(c.sha1_thumbprint())
        ),
        // Java's RFC 2253 order (last RDN first)
        format!(
            r#"<wsse:SecurityTokenReference xmlns:wsse="{WSSE}"><ds:X509Data xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509IssuerSerial><ds:X509IssuerName>CN=Test Client CA,O=wstrust tests</ds:X509IssuerName><ds:X509SerialNumber>{}</ds:X509SerialNumber></ds:X509IssuerSerial></ds:X509Data></wsse:SecurityTokenReference>"#,
            c.serial_decimal()
        ),
        // .NET's X500DistinguishedName.Name (WCF): `, ` and quoted values.
        format!(
            r#"<wsse:SecurityTokenReference xmlns:wsse="{WSSE}"><ds:X509Data xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509IssuerSerial><ds:X509IssuerName>CN=Test Client CA, O="wstrust tests"</ds:X509IssuerName><ds:X509SerialNumber>{}</ds:X509SerialNumber></ds:X509IssuerSerial></ds:X509Data></wsse:SecurityTokenReference>"#,
            c.serial_decimal()
        ),
    ];
    for (i, ki) in forms.iter().enumerate() {
        // certificate known to the host, not carried in the message
        let mut cfg = config(StandardPolicy::non_repudiation());
        cfg.wss.known_certificates = vec![c.clone()];
        let text = sign(
            &envelope(&timestamp(NOW), ""),
            &["TS-1", "B-1"],
            &key("client"),
            ki,
        );
        let who = run(&text, &TransportContext::default(), &cfg);
        assert!(who.is_ok(), "form {i}: {who:?}");
        // and unresolvable without it
        let cfg = config(StandardPolicy::non_repudiation());
        let r = run(&text, &TransportContext::default(), &cfg);
        assert!(
            matches!(r, Err(Error::Auth(AuthError::UnresolvedReference))),
            "form {i}"
        );
    }
}

#[test]
fn direct_anchor_accepted() {
    let mut cfg = config(StandardPolicy::non_repudiation());
    cfg.wss.trust_anchors = vec![cert("rogue")];
    let text = signed_request("rogue", &["TS-1", "B-1"]);
    assert!(run(&text, &TransportContext::default(), &cfg).is_ok());
}

#[test]
fn untrusted_certificate_rejected() {
    let cfg = config(StandardPolicy::non_repudiation());
    // same subject name as the trusted client, self-signed
    let text = signed_request("rogue", &["TS-1", "B-1"]);
    let r = run(&text, &TransportContext::default(), &cfg);
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::UntrustedCertificate(
            CertificateError::UnknownIssuer
        )))
    ));
    assert_eq!(fault(r), FaultCode::FailedAuthentication);
}

#[test]
fn certificate_naming_the_anchor_but_not_signed_by_it_rejected() {
    let cfg = config(StandardPolicy::non_repudiation());
    let text = signed_request("forged", &["TS-1", "B-1"]);
    let r = run(&text, &TransportContext::default(), &cfg);
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::UntrustedCertificate(
            CertificateError::BadSignature
        )))
    ));
}

#[test]
fn expired_certificate_rejected() {
    let cfg = config(StandardPolicy::non_repudiation());
    let text = signed_request("expired", &["TS-1", "B-1"]);
    let r = run(&text, &TransportContext::default(), &cfg);
    assert!(matches!(r, Err(Error::Auth(AuthError::CertificateExpired))));
    assert_eq!(fault(r), FaultCode::InvalidSecurityToken);
}

#[test]
fn signature_not_covering_the_body_rejected() {
    let cfg = config(StandardPolicy::non_repudiation());
    let text = signed_request("client", &["TS-1"]);
    let r = run(&text, &TransportContext::default(), &cfg);
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::Denied(Denial::NotSigned("Body"))))
    ));
    assert_eq!(fault(r), FaultCode::InvalidSecurity);
}

#[test]
fn tampered_body_fails_the_check() {
    let cfg = config(StandardPolicy::non_repudiation());
    let text = signed_request("client", &["TS-1", "B-1"])
        .replace("/Issue</trust:RequestType>", "/Cancel</trust:RequestType>");
    let r = run(&text, &TransportContext::default(), &cfg);
    assert!(matches!(r, Err(Error::Dsig(DsigError::DigestMismatch(_)))));
    assert_eq!(fault(r), FaultCode::FailedCheck);
}

#[test]
fn wrapping_that_moves_the_body_rejected() {
    let cfg = config(StandardPolicy::non_repudiation());
    let text = signed_request("client", &["TS-1", "B-1"]);
    // XSW: the signed Body goes into a header wrapper, an evil Body takes its place.
    let start = text.find("<s:Body").unwrap();
    let end = text.find("</s:Body>").unwrap() + "</s:Body>".len();
    let signed_body = &text[start..end];
    let evil_body = r#"<s:Body><trust:RequestSecurityToken xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><trust:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Cancel</trust:RequestType></trust:RequestSecurityToken></s:Body>"#;
    let moved = format!("{}{}{}", &text[..start], evil_body, &text[end..]).replace(
        "</s:Header>",
        &format!("<x:Wrapper xmlns:x=\"urn:x\">{signed_body}</x:Wrapper></s:Header>"),
    );
    let r = run(&moved, &TransportContext::default(), &cfg);
    assert!(
        matches!(r, Err(Error::Dsig(DsigError::WrongSignedElement))),
        "{r:?}"
    );
    assert_eq!(fault(r), FaultCode::FailedCheck);
    // the same with the evil Body carrying the signed Body's Id: duplicate ID
    let dup = moved.replacen("<s:Body>", r#"<s:Body wsu:Id="B-1">"#, 1);
    let r = run(&dup, &TransportContext::default(), &cfg);
    assert!(
        matches!(r, Err(Error::Xml(wstrust::error::XmlError::DuplicateId(ref id))) if id == "B-1"),
        "{r:?}"
    );
    assert_eq!(fault(r), FaultCode::InvalidRequest);
    // and under a policy that does not demand a signed Body, still refused
    let cfg =
        config(StandardPolicy::non_repudiation().signed_parts(wstrust::policy::SignedParts::NONE));
    let r = run(&moved, &TransportContext::default(), &cfg);
    assert!(
        matches!(r, Err(Error::Dsig(DsigError::WrongSignedElement))),
        "{r:?}"
    );
}

#[test]
fn reference_to_a_token_outside_the_header_rejected() {
    let cfg = config(StandardPolicy::non_repudiation());
    // the BST sits in another header block, not in wsse:Security
    let c = cert("client");
    let text = envelope(
        &timestamp(NOW),
        &format!("<x:Stash xmlns:x=\"urn:x\">{}</x:Stash>", bst(&c)),
    );
    let text = sign(&text, &["TS-1", "B-1"], &key("client"), &str_reference());
    let r = run(&text, &TransportContext::default(), &cfg);
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::UnresolvedReference))
    ));
}

#[test]
fn username_token_plus_signature() {
    // a UsernameToken in a signed message: the user is the principal, the
    // signature is recorded
    let cfg = config(StandardPolicy::username_token());
    let sec = timestamp(NOW) + &bst(&cert("client")) + &username_token("alice", "alice-password");
    let text = sign(
        &envelope(&sec, ""),
        &["TS-1", "B-1", "UT-1"],
        &key("client"),
        &str_reference(),
    );
    let who = run(&text, &tls(), &cfg).unwrap();
    assert_eq!(who.principal.name, "alice");
    assert!(who.signed.body);
    assert!(who.signing_certificate.is_some());
}

#[test]
fn tls_client_certificate() {
    let cfg = config(StandardPolicy::username_token().methods(&[Method::TlsClientCertificate]));
    let t = TransportContext {
        tls: true,
        client_certificate: Some(cert("client").der().to_vec()),
        ..TransportContext::default()
    };
    let who = run(&envelope(&timestamp(NOW), ""), &t, &cfg).unwrap();
    assert_eq!(who.method, Method::TlsClientCertificate);
    let t = TransportContext {
        client_certificate: Some(cert("rogue").der().to_vec()),
        ..t
    };
    assert!(run(&envelope(&timestamp(NOW), ""), &t, &cfg).is_err());
}

/// An X.509 principal the user store does not know is qualified by the
/// anchor that trusts its certificate, the same for an X.509 signature and
/// a TLS client certificate, never by the issuer DN the certificate claims:
/// `forged` (pinned) claims the client's subject and the CA's name as its
/// issuer, but is not the CA's client (review finding R2-3).
#[test]
fn x509_principal_qualified_by_its_trust_anchor() {
    // The CA's public key: `openssl x509 -in tests/data/auth/ca.cert.pem
    // -pubkey -noout | openssl pkey -pubin -outform der | sha256sum`.
    const CA: &str = "22f88ae29327a925a1616c702d629ab69be707270cf95fc2fb5c6c280c0f94e0";
    // `openssl x509 -in tests/data/auth/forged.cert.pem -outform der | sha256sum`
    const FORGED: &str = "b598147d3a1d23e8295da0cce8e190c1ab5e04acc35ce84743404054dc35d666";
    let mut cfg = config(
        StandardPolicy::username_token()
            .methods(&[Method::X509Signature, Method::TlsClientCertificate]),
    );
    cfg.wss.trust_anchors = vec![cert("ca"), cert("forged")];
    let by_ca = format!("O=wstrust tests, CN=Test Client CA#{CA}");
    let pinned = format!("pinned:{FORGED}");
    for (signer, qualifier) in [("client", &by_ca), ("forged", &pinned)] {
        let who = run(&signed_request(signer, &["TS-1", "B-1"]), &tls(), &cfg).unwrap();
        assert_eq!(who.method, Method::X509Signature);
        assert_eq!(who.principal.name, cert(signer).subject());
        assert_eq!(who.name_qualifier.as_ref(), Some(qualifier), "{signer}");
        let t = TransportContext {
            client_certificate: Some(cert(signer).der().to_vec()),
            ..tls()
        };
        let who = run(&envelope(&timestamp(NOW), ""), &t, &cfg).unwrap();
        assert_eq!(who.method, Method::TlsClientCertificate);
        assert_eq!(who.principal.name, cert(signer).subject());
        assert_eq!(who.name_qualifier.as_ref(), Some(qualifier), "{signer}");
    }
    assert_eq!(cert("client").subject(), cert("forged").subject());
    assert_eq!(cert("client").issuer(), cert("forged").issuer());
}

#[test]
fn saml_assertion_refused_without_a_verifier() {
    let cfg = config(StandardPolicy::username_token().methods(&[Method::SamlAssertion]));
    let a = r#"<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0" IssueInstant="2026-03-01T12:00:00Z"><saml2:Issuer>https://idp.example/</saml2:Issuer></saml2:Assertion>"#;
    let r = run(&envelope(&(timestamp(NOW) + a), ""), &tls(), &cfg);
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::UnsupportedToken(_)))
    ));
}

// ---------------------------------------------------------------- SAML

fn assertion(method: &str, signer: &str) -> String {
    assertion_of(method, signer, "<saml2:NameID>alice</saml2:NameID>", "")
}

/// An assertion of `https://idp.example/` with `name_id` and `statements`
/// after the conditions.
fn assertion_of(method: &str, signer: &str, name_id: &str, statements: &str) -> String {
    let a = format!(
        r#"<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0" IssueInstant="2027-01-15T11:59:00Z"><saml2:Issuer>https://idp.example/</saml2:Issuer><saml2:Subject>{name_id}<saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:{method}"/></saml2:Subject><saml2:Conditions NotBefore="2027-01-15T11:59:00Z" NotOnOrAfter="2027-01-15T12:59:00Z"/>{statements}</saml2:Assertion>"#
    );
    let c = cert(signer);
    let opts = SignOptions {
        key_info: KeyInfo::X509Certificate(&c),
        ..SignOptions::default()
    };
    dsig::sign_enveloped(
        &a,
        None,
        SigningKey::Rsa(&key(signer)),
        &opts,
        &Limits::default(),
    )
    .unwrap()
}

fn saml_config() -> AuthConfig {
    use wstrust::token::{TokenValidator, TrustedIssuer};
    let mut cfg = config(
        StandardPolicy::username_token()
            .methods(&[Method::SamlAssertion])
            .roles(Allow::only(["Internal/everyone"])),
    );
    // the IdP signs with the "client" test key
    cfg.assertions = Some(Arc::new(TokenValidator::new(vec![TrustedIssuer::named(
        "https://idp.example/",
        vec![cert("client")],
    )])));
    // The IdP shares the local directory: its subjects are local accounts.
    cfg.local_account_issuers = vec!["https://idp.example/".to_owned()];
    cfg
}

#[test]
fn saml_subject_maps_to_a_local_account_only_for_authoritative_issuers() {
    // Review finding: a merely trusted issuer naming a local user must not
    // get that user's account (roles, attributes).
    let mut cfg = saml_config();
    cfg.local_account_issuers.clear();
    cfg.policy = Arc::new(StandardPolicy::username_token().methods(&[Method::SamlAssertion]));
    let sec = timestamp(NOW) + &assertion("bearer", "client");
    let who = run(&envelope(&sec, ""), &tls(), &cfg).unwrap();
    assert_eq!(who.principal.name, "alice");
    assert_eq!(who.principal.domain, wstrust::auth::SAML_DOMAIN);
    assert!(who.principal.roles.is_empty());
    // With the role requirement of saml_config, that principal is refused.
    let mut cfg = saml_config();
    cfg.local_account_issuers.clear();
    assert!(run(&envelope(&sec, ""), &tls(), &cfg).is_err());
}

/// A partner's attributes become the principal's only as its acceptance
/// rule (`partner_claims`) allows: by default none, so a partner cannot have
/// this STS sign `role=admin` or the local admin's e-mail address.
#[test]
fn partner_attributes_pass_only_by_acceptance_rule() {
    const EMAIL: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress";
    const ROLE: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role";
    let statements = format!(
        r#"<saml2:AttributeStatement><saml2:Attribute Name="{EMAIL}"><saml2:AttributeValue>admin@example.com</saml2:AttributeValue></saml2:Attribute><saml2:Attribute Name="{ROLE}"><saml2:AttributeValue>admin</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement>"#
    );
    let sec = timestamp(NOW)
        + &assertion_of(
            "bearer",
            "client",
            "<saml2:NameID>mallory</saml2:NameID>",
            &statements,
        );
    let mut cfg = saml_config();
    cfg.local_account_issuers.clear();
    cfg.policy = Arc::new(StandardPolicy::username_token().methods(&[Method::SamlAssertion]));
    let who = run(&envelope(&sec, ""), &tls(), &cfg).unwrap();
    assert_eq!(who.principal.domain, wstrust::auth::SAML_DOMAIN);
    assert_eq!(who.name_qualifier.as_deref(), Some("https://idp.example/"));
    assert!(who.attributes.is_empty(), "{:?}", who.attributes);
    cfg.partner_claims
        .insert("https://idp.example/".into(), vec![EMAIL.into()]);
    let who = run(&envelope(&sec, ""), &tls(), &cfg).unwrap();
    assert_eq!(who.attributes.keys().collect::<Vec<_>>(), [EMAIL]);
    // A local-account issuer's attributes all pass.
    let mut cfg = saml_config();
    cfg.policy = Arc::new(StandardPolicy::username_token().methods(&[Method::SamlAssertion]));
    let who = run(&envelope(&sec, ""), &tls(), &cfg).unwrap();
    assert_eq!(who.attributes.len(), 2);
}

/// A local-account issuer's `NameQualifier` equal to its own name (as
/// identity providers write for their users) still names a local account;
/// one naming another domain does not: its principal is qualified by the
/// issuer, unless the issuer is this STS (`AuthConfig::issuer`), whose own
/// tokens carry partner subjects' qualifiers.
#[test]
fn local_account_issuer_name_qualifier() {
    let mut cfg = saml_config();
    cfg.policy = Arc::new(StandardPolicy::username_token().methods(&[Method::SamlAssertion]));
    let own = r#"<saml2:NameID NameQualifier="https://idp.example/">alice</saml2:NameID>"#;
    let sec = timestamp(NOW) + &assertion_of("bearer", "client", own, "");
    let who = run(&envelope(&sec, ""), &tls(), &cfg).unwrap();
    assert_eq!(
        (who.principal.domain.as_str(), who.name_qualifier),
        ("PRIMARY", None)
    );
    let other = r#"<saml2:NameID NameQualifier="https://partner.example/">alice</saml2:NameID>"#;
    let sec = timestamp(NOW) + &assertion_of("bearer", "client", other, "");
    let who = run(&envelope(&sec, ""), &tls(), &cfg).unwrap();
    assert_eq!(who.principal.domain, wstrust::auth::SAML_DOMAIN);
    // Only this STS's own tokens carry another domain's qualifier through:
    // any other issuer's subject is its own.
    assert_eq!(who.name_qualifier.as_deref(), Some("https://idp.example/"));
    cfg.issuer = Some("https://idp.example/".into());
    let who = run(&envelope(&sec, ""), &tls(), &cfg).unwrap();
    assert_eq!(
        who.name_qualifier.as_deref(),
        Some("https://partner.example/")
    );
    cfg.issuer = None;
    // An issuer that is no local-account issuer qualifies its subjects by
    // its own name, whatever it wrote.
    cfg.local_account_issuers.clear();
    let who = run(&envelope(&sec, ""), &tls(), &cfg).unwrap();
    assert_eq!(who.name_qualifier.as_deref(), Some("https://idp.example/"));
}

#[test]
fn saml_bearer_from_trusted_issuer_accepted() {
    let cfg = saml_config();
    let sec = timestamp(NOW) + &assertion("bearer", "client");
    let who = run(&envelope(&sec, ""), &tls(), &cfg).unwrap();
    assert_eq!(who.method, Method::SamlAssertion);
    assert_eq!(who.principal.name, "alice");
    assert_eq!(who.principal.domain, "PRIMARY");
    assert_eq!(
        who.assertion_issuer.as_deref(),
        Some("https://idp.example/")
    );
}

#[test]
fn saml_from_untrusted_issuer_rejected() {
    let cfg = saml_config();
    let sec = timestamp(NOW) + &assertion("bearer", "rogue");
    let r = run(&envelope(&sec, ""), &tls(), &cfg);
    assert!(r.is_err());
    assert_ne!(fault(r), FaultCode::RequestFailed);
    // tampered subject after signing
    let sec = timestamp(NOW) + &assertion("bearer", "client").replace(">alice<", ">admin<");
    assert!(run(&envelope(&sec, ""), &tls(), &cfg).is_err());
}

#[test]
fn saml_sender_vouches_needs_the_senders_signature() {
    let cfg = saml_config();
    let sec = timestamp(NOW) + &assertion("sender-vouches", "client");
    let r = run(&envelope(&sec, ""), &tls(), &cfg);
    assert!(matches!(
        r,
        Err(Error::Auth(AuthError::UntrustedAssertion(_)))
    ));
    assert_eq!(fault(r), FaultCode::FailedAuthentication);
    // the intermediary (client cert, trusted by the CA) signs Body, Timestamp
    // and the assertion
    let sec = timestamp(NOW) + &bst(&cert("client")) + &assertion("sender-vouches", "client");
    let text = sign(
        &envelope(&sec, ""),
        &["TS-1", "B-1", "_a1"],
        &key("client"),
        &str_reference(),
    );
    let who = run(&text, &tls(), &cfg).unwrap();
    assert_eq!(who.principal.name, "alice");
    assert!(who.signing_certificate.is_some());
    // signed, but not covering the assertion
    let cfg = saml_config();
    let text = sign(
        &envelope(&sec, ""),
        &["TS-1", "B-1"],
        &key("client"),
        &str_reference(),
    );
    assert!(matches!(
        run(&text, &tls(), &cfg),
        Err(Error::Auth(AuthError::UntrustedAssertion(_)))
    ));
}

// ---------------------------------------------------------------- concurrency

#[test]
fn many_threads_authenticating_against_one_replay_cache() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    const THREADS: usize = 4;
    const MESSAGES: usize = 40;
    let cfg = Arc::new(config(StandardPolicy::username_token()));
    let messages: Arc<Vec<String>> = Arc::new(
        (0..MESSAGES)
            .map(|i| {
                let nonce = format!("nonce-{i:04}");
                envelope(
                    &(timestamp(NOW)
                        + &digest_token("alice", "alice-password", nonce.as_bytes(), NOW)),
                    "",
                )
            })
            .collect(),
    );
    let accepted: Arc<Vec<AtomicUsize>> =
        Arc::new((0..MESSAGES).map(|_| AtomicUsize::new(0)).collect());
    let replays = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (cfg, messages, accepted, replays) = (
                Arc::clone(&cfg),
                Arc::clone(&messages),
                Arc::clone(&accepted),
                Arc::clone(&replays),
            );
            std::thread::spawn(move || {
                for k in 0..MESSAGES {
                    let i = (k + t * 11) % MESSAGES;
                    match run(&messages[i], &tls(), &cfg) {
                        Ok(who) => {
                            assert_eq!(who.principal.name, "alice");
                            accepted[i].fetch_add(1, Ordering::SeqCst);
                        }
                        Err(Error::Auth(AuthError::Replay(_))) => {
                            replays.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(e) => panic!("unexpected {e}"),
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    // every message accepted exactly once (none lost, none twice)
    assert!(accepted.iter().all(|a| a.load(Ordering::SeqCst) == 1));
    assert_eq!(replays.load(Ordering::SeqCst), (THREADS - 1) * MESSAGES);
}

#[test]
fn wrapping_that_moves_the_timestamp_rejected() {
    // XSW on the Timestamp: the old signed Timestamp is hidden in another
    // header, a fresh unsigned one sits in the Security header.
    let cfg = config(StandardPolicy::non_repudiation());
    let old = NOW - time::Duration::hours(3);
    let text = envelope(&(timestamp(old) + &bst(&cert("client"))), "");
    let signed = sign(&text, &["TS-1", "B-1"], &key("client"), &str_reference());
    let start = signed.find("<wsu:Timestamp").unwrap();
    let end = signed.find("</wsu:Timestamp>").unwrap() + "</wsu:Timestamp>".len();
    let old_ts = signed[start..end].to_owned();
    let fresh = timestamp(NOW).replace(r#" wsu:Id="TS-1""#, "");
    let moved = format!("{}{}{}", &signed[..start], fresh, &signed[end..]).replace(
        "</s:Header>",
        &format!("<x:Old xmlns:x=\"urn:x\">{old_ts}</x:Old></s:Header>"),
    );
    let r = run(&moved, &TransportContext::default(), &cfg);
    assert!(
        matches!(r, Err(Error::Dsig(DsigError::WrongSignedElement))),
        "{r:?}"
    );
}

#[test]
fn mutated_requests_never_panic() {
    // Byte-level mutations of a signed request and a digest request: any
    // result is fine, a panic is not.
    let cfg = config(StandardPolicy::non_repudiation());
    let signed = signed_request("client", &["TS-1", "B-1"]);
    let digest = envelope(
        &(timestamp(NOW) + &digest_token("alice", "alice-password", b"nonce-m", NOW)),
        "",
    );
    for text in [signed, digest] {
        let bytes = text.as_bytes();
        for i in (0..bytes.len()).step_by(7) {
            for replacement in [&b""[..], b"<", b"\"", b"x", b"&amp;"] {
                let mut m = bytes[..i].to_vec();
                m.extend_from_slice(replacement);
                m.extend_from_slice(&bytes[(i + 1).min(bytes.len())..]);
                if let Ok(s) = std::str::from_utf8(&m) {
                    let _ = run(s, &tls(), &cfg);
                }
            }
        }
    }
}

// ---------------------------------------------------------------- vectors

/// Named cases written to `tests/vectors/auth/` (regenerate with
/// `cargo test --test auth write_vectors -- --ignored`; RSA PKCS#1 v1.5
/// signatures are deterministic, so the files are stable).
fn vector_cases() -> Vec<(&'static str, String)> {
    let signed = signed_request("client", &["TS-1", "B-1"]);
    let cut = |text: &str, open: &str, close: &str| {
        let start = text.find(open).unwrap();
        let end = text.find(close).unwrap() + close.len();
        (start, end, text[start..end].to_owned())
    };
    let (s, e, body) = cut(&signed, "<s:Body", "</s:Body>");
    let evil = r#"<s:Body><trust:RequestSecurityToken xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><trust:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Cancel</trust:RequestType></trust:RequestSecurityToken></s:Body>"#;
    let xsw_body = format!("{}{evil}{}", &signed[..s], &signed[e..]).replace(
        "</s:Header>",
        &format!("<x:Wrapper xmlns:x=\"urn:x\">{body}</x:Wrapper></s:Header>"),
    );
    let ut = |sec: String| envelope(&sec, "");
    vec![
        ("x509-ok-bst-reference", signed.clone()),
        ("x509-xsw-body-moved-to-header", xsw_body),
        ("x509-body-not-signed", signed_request("client", &["TS-1"])),
        ("x509-untrusted-self-signed", signed_request("rogue", &["TS-1", "B-1"])),
        ("x509-expired-certificate", signed_request("expired", &["TS-1", "B-1"])),
        ("x509-forged-issuer-name", signed_request("forged", &["TS-1", "B-1"])),
        (
            "x509-tampered-body",
            signed.replace("/Issue</trust:RequestType>", "/Cancel</trust:RequestType>"),
        ),
        (
            "ut-ok-digest",
            ut(timestamp(NOW) + &digest_token("alice", "alice-password", b"vector-nonce-1", NOW)),
        ),
        (
            "ut-digest-wrong-password",
            ut(timestamp(NOW) + &digest_token("alice", "guess", b"vector-nonce-2", NOW)),
        ),
        (
            "ut-digest-unknown-user",
            ut(timestamp(NOW) + &digest_token("mallory", "guess", b"vector-nonce-3", NOW)),
        ),
        (
            "ut-digest-without-nonce",
            ut(timestamp(NOW)
                + &digest_token("alice", "alice-password", b"vector-nonce-4", NOW)
                    .replace(r#"<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary">dmVjdG9yLW5vbmNlLTQ=</wsse:Nonce>"#, "")),
        ),
        (
            "ut-stale-timestamp",
            ut(timestamp(NOW - time::Duration::minutes(30)) + &username_token("alice", "alice-password")),
        ),
        (
            "ut-future-timestamp",
            ut(timestamp(NOW + time::Duration::minutes(30)) + &username_token("alice", "alice-password")),
        ),
        ("ut-missing-timestamp", ut(username_token("alice", "alice-password"))),
        (
            "ut-two-username-tokens",
            ut(timestamp(NOW)
                + &username_token("alice", "alice-password")
                + &username_token("admin", "admin-password")),
        ),
        (
            "ut-two-security-headers",
            envelope(
                &(timestamp(NOW) + &username_token("alice", "alice-password")),
                "<wsse:Security/>",
            ),
        ),
    ]
}

fn outcome(r: &Result<Authenticated, Error>) -> String {
    match r {
        Ok(who) => format!("ok {}", who.method),
        Err(e) => format!("fault {}", Fault::from(e).code.local_name()),
    }
}

fn vector_config(case: &str) -> AuthConfig {
    if case.starts_with("x509-") {
        config(StandardPolicy::non_repudiation())
    } else {
        config(StandardPolicy::username_token())
    }
}

#[test]
#[ignore = "writes tests/vectors/auth/"]
fn write_vectors() {
    let dir = format!("{}/tests/vectors/auth", env!("CARGO_MANIFEST_DIR"));
    for (case, text) in vector_cases() {
        let r = run(&text, &tls(), &vector_config(case));
        std::fs::write(format!("{dir}/{case}.xml"), &text).unwrap();
        std::fs::write(format!("{dir}/{case}.expected"), outcome(&r) + "\n").unwrap();
    }
}

#[test]
fn named_vectors() {
    let dir = format!("{}/tests/vectors/auth", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(case) = path
            .file_name()
            .and_then(|f| f.to_str())
            .and_then(|f| f.strip_suffix(".expected"))
        else {
            continue;
        };
        let expected = std::fs::read_to_string(&path).unwrap();
        let text = std::fs::read_to_string(format!("{dir}/{case}.xml")).unwrap();
        let r = run(&text, &tls(), &vector_config(case));
        assert_eq!(outcome(&r), expected.trim(), "{case}: {r:?}");
        n += 1;
    }
    assert!(n >= 16, "only {n} vectors");
}

// ------------------------------------------------- certificate paths (issue 17)

/// Only an X.509 v3 CA issues (issue 17 item 1): a request signed by a
/// certificate that an anchor without the right to issue signed is refused,
/// as an X.509 signature and as a TLS client certificate, with
/// `wsse:FailedAuthentication` and the precise cause in the error. The
/// first case is the account takeover: a pinned client certificate
/// (no basicConstraints) "issued" `CN=admin`.
#[test]
fn only_v3_cas_issue_client_certificates() {
    let pinned_ca = WssSettings {
        pinned_certificates: vec![cert("ca")],
        ..WssSettings::default()
    };
    let path_len = WssSettings {
        trust_anchors: vec![cert("ca-pl0")],
        intermediates: vec![cert("int")],
        ..WssSettings::default()
    };
    let anchor = |name: &str| WssSettings {
        trust_anchors: vec![cert(name)],
        ..WssSettings::default()
    };
    let cases = [
        (
            anchor("pinned"),
            "minted",
            CertificateError::IssuerNotCa(NotCa::NoBasicConstraints),
            "its issuer may not issue certificates: no basicConstraints",
        ),
        (
            anchor("v1"),
            "v1leaf",
            CertificateError::IssuerNotCa(NotCa::NotV3),
            "X.509 v1/v2 certificate",
        ),
        (
            anchor("cafalse"),
            "cafalseleaf",
            CertificateError::IssuerNotCa(NotCa::CaFalse),
            "basicConstraints cA=FALSE",
        ),
        (
            anchor("nokcs"),
            "nokcsleaf",
            CertificateError::IssuerNotCa(NotCa::NoKeyCertSign),
            "keyUsage without keyCertSign",
        ),
        (
            path_len,
            "intleaf",
            CertificateError::PathLength,
            "path length constraint exceeded",
        ),
        (
            pinned_ca,
            "client",
            CertificateError::PinnedIssuer,
            "pinned certificate, which never issues",
        ),
        (
            anchor("ca-nc"),
            "client",
            CertificateError::NameConstraints,
            "name constraints",
        ),
    ];
    for (wss, leaf, cause, text) in cases {
        let mut cfg = config(
            StandardPolicy::non_repudiation()
                .methods(&[Method::X509Signature, Method::TlsClientCertificate]),
        );
        cfg.wss = wss;
        // The leaves hold the client's key.
        let request = sign(
            &envelope(&(timestamp(NOW) + &bst(&cert(leaf))), ""),
            &["TS-1", "B-1"],
            &key("client"),
            &str_reference(),
        );
        let by_tls = TransportContext {
            client_certificate: Some(cert(leaf).der().to_vec()),
            ..tls()
        };
        for (r, how) in [
            (
                run(&request, &TransportContext::default(), &cfg),
                "signature",
            ),
            (run(&envelope(&timestamp(NOW), ""), &by_tls, &cfg), "TLS"),
        ] {
            let e = r.unwrap_err();
            assert!(
                matches!(&e, Error::Auth(AuthError::UntrustedCertificate(c)) if *c == cause),
                "{leaf} by {how}: {e}"
            );
            assert!(e.to_string().contains(text), "{e}");
            assert_eq!(Fault::from(&e).code, FaultCode::FailedAuthentication);
        }
    }
}

/// A path through a configured intermediate to a CA anchor: accepted, and
/// the principal is qualified by the root anchor.
#[test]
fn intermediate_ca_path_accepted() {
    let mut cfg = config(StandardPolicy::non_repudiation());
    let request = sign(
        &envelope(&(timestamp(NOW) + &bst(&cert("intleaf"))), ""),
        &["TS-1", "B-1"],
        &key("client"),
        &str_reference(),
    );
    assert!(matches!(
        run(&request, &TransportContext::default(), &cfg),
        Err(Error::Auth(AuthError::UntrustedCertificate(
            CertificateError::UnknownIssuer
        )))
    ));
    cfg.wss.intermediates = vec![cert("int")];
    let who = run(&request, &TransportContext::default(), &cfg).unwrap();
    assert_eq!(who.principal.name, cert("intleaf").subject());
    assert!(who
        .name_qualifier
        .unwrap()
        .starts_with("O=wstrust tests, CN=Test Client CA#"));
}

/// Issue 17 item 3: a client certificate its CA signed with SHA-1 is
/// refused unless the endpoint's settings allow SHA-1.
#[test]
fn sha1_signed_client_certificate_only_where_allowed() {
    let mut cfg = config(StandardPolicy::non_repudiation());
    let request = sign(
        &envelope(&(timestamp(NOW) + &bst(&cert("sha1"))), ""),
        &["TS-1", "B-1"],
        &key("client"),
        &str_reference(),
    );
    let r = run(&request, &TransportContext::default(), &cfg);
    assert!(
        matches!(
            r,
            Err(Error::Auth(AuthError::UntrustedCertificate(
                CertificateError::Sha1Signature
            )))
        ),
        "{r:?}"
    );
    assert_eq!(fault(r), FaultCode::FailedAuthentication);
    cfg.wss.allow_sha1 = true;
    assert!(run(&request, &TransportContext::default(), &cfg).is_ok());
}

/// WSS4J 1.6's key references (issue 17 item 11), exactly as it sends them:
/// its default `ds:X509IssuerSerial` with no BinarySecurityToken in the
/// message (Java's RFC 2253 issuer name, decimal serial), and its
/// `X509KeyIdentifier` form (a `KeyIdentifier` of ValueType X509v3 holding
/// the whole DER certificate). The first resolves against the trust anchors
/// and pinned certificates as well as `known_certificates`; SKI and
/// thumbprint references too. What they resolve to must still be trusted
/// by item 1's rules.
#[test]
fn wss4j_key_references_resolve_against_configured_certificates() {
    let b64 = base64::engine::general_purpose::STANDARD;
    // Java's X500Principal.getName(): RFC 2253, last RDN first, no spaces.
    let java_name = |dn: &str| {
        dn.split(", ")
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join(",")
    };
    let issuer_serial = |c: &Certificate| {
        format!(
            r#"<wsse:SecurityTokenReference xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}" wsu:Id="STR-2"><ds:X509Data xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509IssuerSerial><ds:X509IssuerName>{}</ds:X509IssuerName><ds:X509SerialNumber>{}</ds:X509SerialNumber></ds:X509IssuerSerial></ds:X509Data></wsse:SecurityTokenReference>"#,
            java_name(c.issuer()),
            c.serial_decimal()
        )
    };
    let key_identifier = |value_type: &str, value: &[u8]| {
        format!(
            r#"<wsse:SecurityTokenReference xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}" wsu:Id="STR-2"><wsse:KeyIdentifier EncodingType="{}" ValueType="{value_type}">{}</wsse:KeyIdentifier></wsse:SecurityTokenReference>"#,
            wss::BASE64_BINARY,
            b64.encode(value)
        )
    };
    let x509v3 = |c: &Certificate| key_identifier(wss::X509V3, c.der());
    let signed = |signer: &str, key_info: &str| {
        sign(
            &envelope(&timestamp(NOW), ""),
            &["TS-1", "B-1"],
            &key(signer),
            key_info,
        )
    };
    let (rogue, pinned) = (cert("rogue"), cert("pinned"));
    let anchored = |which: &str| {
        let mut cfg = config(StandardPolicy::non_repudiation());
        match which {
            "anchor" => cfg.wss.trust_anchors.push(rogue.clone()),
            _ => cfg.wss.pinned_certificates.push(rogue.clone()),
        }
        cfg
    };
    // A pinned client certificate named by reference only, configured as an
    // anchor or as a pinned certificate.
    for which in ["anchor", "pinned"] {
        for ki in [
            issuer_serial(&rogue),
            key_identifier(wss::X509_SKI, rogue.subject_key_id().unwrap()),
            key_identifier(wss::THUMBPRINT_SHA1, &rogue.sha1_thumbprint()),
            x509v3(&rogue),
        ] {
            // A fresh replay cache: the signature value is the same.
            let cfg = anchored(which);
            let who = run(&signed("rogue", &ki), &TransportContext::default(), &cfg);
            assert_eq!(
                who.unwrap().signing_certificate.unwrap(),
                rogue,
                "{which}: {ki}"
            );
        }
    }
    // The CA's client in an X509v3 KeyIdentifier: trusted through the CA,
    // nothing configured for the client itself.
    let cfg = config(StandardPolicy::non_repudiation());
    let who = run(
        &signed("client", &x509v3(&cert("client"))),
        &TransportContext::default(),
        &cfg,
    );
    assert_eq!(who.unwrap().signing_certificate.unwrap(), cert("client"));
    // ... but an untrusted certificate carried so is still untrusted, and a
    // certificate a pinned one "issued" still refused (item 1).
    let r = run(
        &signed("rogue", &x509v3(&rogue)),
        &TransportContext::default(),
        &cfg,
    );
    assert!(
        matches!(
            r,
            Err(Error::Auth(AuthError::UntrustedCertificate(
                CertificateError::UnknownIssuer
            )))
        ),
        "{r:?}"
    );
    let mut cfg = config(StandardPolicy::non_repudiation());
    cfg.wss.trust_anchors = vec![pinned.clone()];
    for ki in [x509v3(&cert("minted")), issuer_serial(&cert("minted"))] {
        cfg.wss.known_certificates = vec![cert("minted")];
        let r = run(&signed("client", &ki), &TransportContext::default(), &cfg);
        assert!(
            matches!(
                r,
                Err(Error::Auth(AuthError::UntrustedCertificate(
                    CertificateError::IssuerNotCa(NotCa::NoBasicConstraints)
                )))
            ),
            "{r:?}"
        );
    }
    // A KeyIdentifier that is not a certificate.
    let r = run(
        &signed("client", &key_identifier(wss::X509V3, b"junk")),
        &TransportContext::default(),
        &cfg,
    );
    assert_eq!(fault(r), FaultCode::InvalidSecurity);
}

/// The TOML settings name the certificates of items 1, 3 and 11:
/// `pinned_certificates`, `known_certificates`, `intermediate_certificates`
/// and `[policy] allow_sha1`, read by `wstrust issue` (and `serve`).
#[cfg(feature = "cli")]
#[test]
fn toml_names_certificates_and_sha1() {
    let dir = tempfile::tempdir().unwrap();
    let abs = |p: &str| format!("{}/tests/{p}", env!("CARGO_MANIFEST_DIR"));
    let issue = |keys: &str, request: &str| {
        let cfg = dir.path().join("sts.toml");
        std::fs::write(
            &cfg,
            format!(
                "issuer = \"https://sts.example/\"\nsigning_key = \"{}\"\nsigning_certificate = \"{}\"\nunregistered = \"allow\"\n{keys}\n[transport]\ntls = true\n",
                abs("data/signer.key.pem"),
                abs("data/signer.cert.pem"),
            )
            .replace("[policy]", "[policy]\nkind = \"non_repudiation\""),
        )
        .unwrap();
        let req = dir.path().join("rst.xml");
        std::fs::write(&req, request).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_wstrust"))
            .args(["issue", "--config"])
            .arg(&cfg)
            .args(["--now", "2027-01-15T12:00:00Z"])
            .arg(&req)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let issuer_serial = |c: &Certificate| {
        let java: Vec<_> = c.issuer().split(", ").collect();
        format!(
            r#"<wsse:SecurityTokenReference xmlns:wsse="{WSSE}"><ds:X509Data xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509IssuerSerial><ds:X509IssuerName>{}</ds:X509IssuerName><ds:X509SerialNumber>{}</ds:X509SerialNumber></ds:X509IssuerSerial></ds:X509Data></wsse:SecurityTokenReference>"#,
            java.into_iter().rev().collect::<Vec<_>>().join(","),
            c.serial_decimal()
        )
    };
    let by_reference = |signer: &str, c: &Certificate| {
        sign(
            &envelope(&timestamp(NOW), ""),
            &["TS-1", "B-1"],
            &key(signer),
            &issuer_serial(c),
        )
    };
    let with_token = |leaf: &str| signed_request_by(leaf, "client");
    let ok = |(code, body): (Option<i32>, String)| {
        assert_eq!(code, Some(0), "{body}");
        assert!(body.contains("RequestSecurityTokenResponse"), "{body}");
    };
    let refused = |(code, body): (Option<i32>, String)| {
        assert_eq!(code, Some(2), "{body}");
        assert!(
            body.contains("FailedAuthentication") || body.contains("SecurityTokenUnavailable"),
            "{body}"
        );
    };
    let paths = |key: &str, files: &[&str]| {
        let list: Vec<_> = files
            .iter()
            .map(|f| format!("\"{}\"", abs(&format!("data/auth/{f}.cert.pem"))))
            .collect();
        format!("{key} = [{}]\n", list.join(", "))
    };
    let ca = paths("trust_anchors", &["ca"]);
    // WSS4J's IssuerSerial of a pinned certificate, and of a known one.
    let rogue = by_reference("rogue", &cert("rogue"));
    refused(issue("[policy]\n", &rogue));
    ok(issue(
        &(paths("pinned_certificates", &["rogue"]) + "[policy]\n"),
        &rogue,
    ));
    let client = by_reference("client", &cert("client"));
    refused(issue(&(ca.clone() + "[policy]\n"), &client));
    ok(issue(
        &(ca.clone() + &paths("known_certificates", &["client"]) + "[policy]\n"),
        &client,
    ));
    // A path through a configured intermediate.
    let intleaf = with_token("intleaf");
    refused(issue(&(ca.clone() + "[policy]\n"), &intleaf));
    ok(issue(
        &(ca.clone() + &paths("intermediate_certificates", &["int"]) + "[policy]\n"),
        &intleaf,
    ));
    // A SHA-1 client certificate only with allow_sha1.
    let sha1 = with_token("sha1");
    refused(issue(&(ca.clone() + "[policy]\n"), &sha1));
    ok(issue(
        &(ca.clone() + "[policy]\nallow_sha1 = true\n"),
        &sha1,
    ));
}

/// A request by `leaf` (its BinarySecurityToken), signed with `signer`'s key.
fn signed_request_by(leaf: &str, signer: &str) -> String {
    let text = envelope(&(timestamp(NOW) + &bst(&cert(leaf))), "");
    sign(&text, &["TS-1", "B-1"], &key(signer), &str_reference())
}

/// A directory that takes a while to check a password (as an LDAP bind
/// does), counting the checks it was asked for.
#[derive(Debug)]
struct SlowDirectory {
    inner: MemoryUserStore,
    checks: std::sync::atomic::AtomicUsize,
}

impl wstrust::host::UserStore for SlowDirectory {
    fn authenticate(
        &self,
        username: &str,
        credential: &wstrust::host::Credential<'_>,
    ) -> Result<Option<wstrust::host::User>, Error> {
        self.checks
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(200));
        self.inner.authenticate(username, credential)
    }

    fn lookup(&self, name: &str) -> Result<Option<wstrust::host::User>, Error> {
        self.inner.lookup(name)
    }
}

/// Finding 3: the lockout is checked (`Lockout::is_locked`) before the
/// password and counted (`record_failure`) after it, with nothing in
/// between: concurrent guesses (serve runs `max_in_flight` = 4 x cores at
/// once, on a connection's 64 HTTP/2 streams) all pass the check before the
/// first failure is counted, so one name gets as many password checks per
/// cooloff as the host runs in parallel, not `max_failures` (5).
#[test]
#[ignore = "known limit (docs/security.md, Lockout): concurrent guesses race past the lockout, bounded by the verification concurrency"]
fn concurrent_guesses_get_no_more_password_checks_than_the_lockout_allows() {
    let users = Arc::new(SlowDirectory {
        inner: MemoryUserStore::demo(),
        checks: Default::default(),
    });
    let cfg = Arc::new(AuthConfig {
        users: users.clone(),
        ..config(StandardPolicy::username_token())
    });
    let threads: Vec<_> = (0..16)
        .map(|i| {
            let cfg = Arc::clone(&cfg);
            std::thread::spawn(move || {
                let sec = timestamp(NOW) + &username_token("alice", &format!("guess-{i}"));
                run(&envelope(&sec, ""), &tls(), &cfg).unwrap_err()
            })
        })
        .collect();
    for t in threads {
        let e = t.join().unwrap();
        assert!(
            matches!(
                e,
                Error::Auth(AuthError::BadCredentials | AuthError::LockedOut)
            ),
            "{e:?}"
        );
    }
    let checks = users.checks.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        checks <= LockoutSettings::default().max_failures as usize,
        "{checks} password checks for one name within one window"
    );
}
