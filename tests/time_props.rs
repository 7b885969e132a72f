//! Times from input at the edges of what a date can hold, through the whole
//! `handle_soap` path: `wsu:Timestamp` Created/Expires, UsernameToken
//! Created, RST `Lifetime` (Issue and Renew, with and without
//! `AllowPostdating`), SAML conditions, `SubjectConfirmationData` windows,
//! `IssueInstant` and `AuthnInstant` of header credentials and Validate
//! targets. Every request gets a SOAP fault or a token, never a panic
//! (a clock skew or lifetime added to year 9999 used to overflow).
#![allow(clippy::unwrap_used)]

mod sts_common;
use sts_common::*;

use proptest::prelude::*;
use std::sync::{Arc, OnceLock};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use wstrust::config::StsConfig;
use wstrust::dsig::{self, KeyInfo, SignOptions, SigningKey};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{FixedClock, MemoryTokenStore, MemoryUserStore};
use wstrust::policy::{Method, StandardPolicy};
use wstrust::rp::{RelyingParties, RelyingParty};
use wstrust::sts::Sts;
use wstrust::xml::ns;
use wstrust::Limits;

const NOW: OffsetDateTime = datetime!(2027-01-15 12:00 UTC);
const STS: &str = "https://sts.example/";
const ENDPOINT: &str = "https://sts.example/trust";
const PARTNER: &str = "https://partner.example/";
const RP: &str = "https://rp.example/nocert";
const SAML2: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

fn read(p: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/{p}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn partner_key() -> &'static (AwsLcRsaKey, Certificate) {
    static K: OnceLock<(AwsLcRsaKey, Certificate)> = OnceLock::new();
    K.get_or_init(|| {
        (
            AwsLcRsaKey::from_pem(&read("vectors/validate/partner.key.pem")).unwrap(),
            Certificate::from_pem(&read("vectors/validate/partner.cert.pem")).unwrap(),
        )
    })
}

fn sts() -> &'static Sts {
    static S: OnceLock<Sts> = OnceLock::new();
    S.get_or_init(|| {
        let mut rps = RelyingParties::new();
        rps.add(RelyingParty::new(RP));
        Sts::new(
            StsConfig::builder()
                .issuer(STS)
                .signing_key(
                    Arc::new(AwsLcRsaKey::from_pem(&read("data/signer.key.pem")).unwrap()),
                    Certificate::from_pem(&read("data/signer.cert.pem")).unwrap(),
                )
                .users(Arc::new(MemoryUserStore::demo()))
                .relying_parties(rps)
                .clock(Arc::new(FixedClock::new(NOW)))
                .token_store(Arc::new(MemoryTokenStore::new(100_000)))
                .trusted_issuer(PARTNER, partner_key().1.clone())
                .endpoint(ENDPOINT)
                .policy(Arc::new(
                    StandardPolicy::username_token()
                        .methods(&[Method::PasswordText, Method::SamlAssertion]),
                ))
                .build()
                .unwrap(),
        )
    })
}

fn sign(xml: &str) -> String {
    let (key, cert) = partner_key();
    dsig::sign_enveloped(
        xml,
        None,
        SigningKey::Rsa(key),
        &SignOptions {
            key_info: KeyInfo::X509Certificate(cert),
            ..Default::default()
        },
        &Limits::default(),
    )
    .unwrap()
}

/// An `xsd:dateTime`-shaped text: near the STS clock, or assembled from
/// extreme parts (years 0000/0001/9999, 20-digit and signed years, bad
/// months and days, leap seconds, 24:00, long fractions, offsets +14:00,
/// -12:00 and out-of-range ones, none at all), or empty.
fn time_text() -> impl Strategy<Value = String> {
    let near = (-100_000i64..100_000).prop_map(|s| t(NOW + Duration::seconds(s)));
    let year = prop_oneof![
        Just("0000".to_owned()),
        Just("0001".to_owned()),
        Just("1970".to_owned()),
        Just("2027".to_owned()),
        Just("9999".to_owned()),
        Just("10000".to_owned()),
        Just("99999999999999999999".to_owned()),
        Just("-0001".to_owned()),
        Just("-9999".to_owned()),
        Just("+2027".to_owned()),
        Just(String::new()),
        (0u32..10_000).prop_map(|y| format!("{y:04}")),
    ];
    let date = prop_oneof![
        Just("01-01"),
        Just("01-15"),
        Just("12-31"),
        Just("02-29"),
        Just("06-30"),
        Just("13-01"),
        Just("00-00"),
    ];
    let clock = prop_oneof![
        Just("00:00:00"),
        Just("12:00:00"),
        Just("23:59:59"),
        Just("23:59:60"),
        Just("24:00:00"),
        Just("12:00"),
    ];
    let fraction = prop_oneof![
        Just(String::new()),
        Just(".".to_owned()),
        "[0-9]{1,40}".prop_map(|d| format!(".{d}")),
    ];
    let offset = prop_oneof![
        Just("Z"),
        Just("z"),
        Just("+00:00"),
        Just("-00:00"),
        Just("+14:00"),
        Just("-12:00"),
        Just("+23:59"),
        Just("-23:59"),
        Just("+24:00"),
        Just("+0100"),
        Just(""),
    ];
    let built = (year, date, clock, fraction, offset)
        .prop_map(|(y, d, c, f, o)| format!("{y}-{d}T{c}{f}{o}"));
    prop_oneof![
        2 => near,
        6 => built,
        1 => Just(String::new()),
        1 => Just("  9999-12-31T23:59:59Z ".to_owned()),
    ]
}

fn wsu_timestamp(created: &str, expires: Option<&str>) -> String {
    let expires = expires
        .map(|e| format!("<wsu:Expires>{e}</wsu:Expires>"))
        .unwrap_or_default();
    format!(
        r#"<wsu:Timestamp xmlns:wsu="{}"><wsu:Created>{created}</wsu:Created>{expires}</wsu:Timestamp>"#,
        ns::WSU
    )
}

/// A Security header: a Timestamp and alice's UsernameToken, with a
/// `wsu:Created` of its own when `ut_created` is given.
fn header(ts_created: &str, ts_expires: Option<&str>, ut_created: Option<&str>) -> String {
    let created = ut_created
        .map(|c| format!(r#"<wsu:Created xmlns:wsu="{}">{c}</wsu:Created>"#, ns::WSU))
        .unwrap_or_default();
    format!(
        r#"<wsse:Security xmlns:wsse="{}">{}<wsse:UsernameToken><wsse:Username>alice</wsse:Username><wsse:Password Type="{PASSWORD_TEXT}">alice-password</wsse:Password>{created}</wsse:UsernameToken></wsse:Security>"#,
        ns::WSSE,
        wsu_timestamp(ts_created, ts_expires)
    )
}

fn now_header() -> String {
    header(&t(NOW), Some(&t(NOW + Duration::minutes(5))), None)
}

/// An RST `Lifetime` (either end optional) and `AllowPostdating`.
fn lifetime(created: Option<&str>, expires: Option<&str>, postdating: bool) -> String {
    let c = created
        .map(|c| format!("<wsu:Created>{c}</wsu:Created>"))
        .unwrap_or_default();
    let e = expires
        .map(|e| format!("<wsu:Expires>{e}</wsu:Expires>"))
        .unwrap_or_default();
    let p = if postdating {
        "<t:AllowPostdating/>"
    } else {
        ""
    };
    format!(
        r#"<t:Lifetime xmlns:wsu="{}">{c}{e}</t:Lifetime>{p}"#,
        ns::WSU
    )
}

fn issue(header: &str, extra: &str) -> String {
    op(
        header,
        "Issue",
        &format!(
            "<t:TokenType>{SAML2}</t:TokenType>{}{extra}",
            applies_to(RP)
        ),
    )
}

/// The partner's signed SAML 2.0 bearer assertion for `audience` with the
/// five times given (IssueInstant, Conditions NotBefore/NotOnOrAfter,
/// SubjectConfirmationData NotBefore/NotOnOrAfter, AuthnInstant).
fn partner_assertion(id: &str, audience: &str, times: &[String; 6]) -> String {
    let [ii, nb, noa, scd_nb, scd_noa, authn] = times;
    sign(&format!(
        r#"<saml2:Assertion xmlns:saml2="{SAML2}" ID="{id}" IssueInstant="{ii}" Version="2.0"><saml2:Issuer>{PARTNER}</saml2:Issuer><saml2:Subject><saml2:NameID>bob</saml2:NameID><saml2:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml2:SubjectConfirmationData Recipient="{ENDPOINT}" NotBefore="{scd_nb}" NotOnOrAfter="{scd_noa}"/></saml2:SubjectConfirmation></saml2:Subject><saml2:Conditions NotBefore="{nb}" NotOnOrAfter="{noa}"><saml2:AudienceRestriction><saml2:Audience>{audience}</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions><saml2:AuthnStatement AuthnInstant="{authn}"><saml2:AuthnContext><saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:Password</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement></saml2:Assertion>"#
    ))
}

fn to_endpoint() -> String {
    format!(r#"<wsa:To xmlns:wsa="{}">{ENDPOINT}</wsa:To>"#, ns::WSA)
}

/// The answer is a well-formed SOAP envelope: a token (200) or a fault
/// (500 with a fault code; 400 only for what is not a SOAP request).
fn answered(status: u16, body: &str) -> Result<(), TestCaseError> {
    prop_assert!(roxmltree::Document::parse(body).is_ok(), "{}", body);
    match status {
        200 => prop_assert!(body.contains("RequestSecurityTokenResponse"), "{}", body),
        500 => prop_assert!(!fault_code(body).is_empty(), "{}", body),
        other => prop_assert!(false, "HTTP {other}: {body}"),
    }
    Ok(())
}

fn issued_token() -> String {
    let (status, body) = call(sts(), &issue(&now_header(), ""));
    assert_eq!(status, 200, "{body}");
    first_child(&body, "RequestedSecurityToken")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn security_header_times_never_panic(
        created in time_text(),
        expires in proptest::option::of(time_text()),
        ut_created in proptest::option::of(time_text()),
    ) {
        let (status, body) = call(sts(), &issue(&header(&created, expires.as_deref(), ut_created.as_deref()), ""));
        answered(status, &body)?;
    }

    #[test]
    fn issue_lifetime_times_never_panic(
        created in proptest::option::of(time_text()),
        expires in proptest::option::of(time_text()),
        postdating in any::<bool>(),
    ) {
        let lt = lifetime(created.as_deref(), expires.as_deref(), postdating);
        let (status, body) = call(sts(), &issue(&now_header(), &lt));
        answered(status, &body)?;
    }

    #[test]
    fn renew_lifetime_times_never_panic(
        created in proptest::option::of(time_text()),
        expires in proptest::option::of(time_text()),
        postdating in any::<bool>(),
    ) {
        let token = issued_token();
        let lt = lifetime(created.as_deref(), expires.as_deref(), postdating);
        let req = op(&now_header(), "Renew", &format!("<t:RenewTarget>{token}</t:RenewTarget>{lt}"));
        let (status, body) = call(sts(), &req);
        answered(status, &body)?;
    }

    #[test]
    fn saml_times_never_panic(
        times in proptest::array::uniform6(time_text()),
        id in 0u64..u64::MAX,
        validate in any::<bool>(),
    ) {
        let id = format!("_p{id}");
        let req = if validate {
            let a = partner_assertion(&id, STS, &times);
            op(&now_header(), "Validate", &format!("{STATUS}<t:ValidateTarget>{a}</t:ValidateTarget>"))
        } else {
            let a = partner_assertion(&id, STS, &times);
            let h = format!(
                r#"{}<wsse:Security xmlns:wsse="{}">{}{a}</wsse:Security>"#,
                to_endpoint(),
                ns::WSSE,
                timestamp(NOW)
            );
            issue(&h, "")
        };
        let (status, body) = call(sts(), &req);
        answered(status, &body)?;
    }
}

/// The issue's request: an Expires at the end of year 9999 used to overflow
/// when the clock skew was added. It is a valid (if long) Timestamp.
#[test]
fn timestamp_expiring_in_year_9999_gets_a_token() {
    let h = header(&t(NOW), Some("9999-12-31T23:59:59Z"), None);
    let (status, body) = call(sts(), &issue(&h, ""));
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("RequestedSecurityToken"), "{body}");
}

/// An instant whose UTC form is year 10000 is refused when parsed, as
/// malformed, wherever it stands.
#[test]
fn times_beyond_year_9999_in_utc_are_malformed() {
    let late = "9999-12-31T23:59:59-12:00";
    let (status, body) = call(sts(), &issue(&header(&t(NOW), Some(late), None), ""));
    assert_eq!(status, 500, "{body}");
    assert!(fault_code(&body).ends_with("InvalidSecurity"), "{body}");
    let (status, body) = call(sts(), &issue(&header(&t(NOW), None, Some(late)), ""));
    assert_eq!(status, 500, "{body}");
    assert!(fault_code(&body).ends_with("InvalidSecurity"), "{body}");
    let (status, body) = call(
        sts(),
        &issue(&now_header(), &lifetime(None, Some(late), false)),
    );
    assert_eq!(status, 500, "{body}");
    assert!(fault_code(&body).ends_with("InvalidRequest"), "{body}");
}

/// A UsernameToken created at the end of time is in the future, not a
/// panic; so is a Timestamp created then.
#[test]
fn created_in_year_9999_is_in_the_future() {
    let end = "9999-12-31T23:59:59.999999999Z";
    for h in [header(&t(NOW), None, Some(end)), header(end, None, None)] {
        let (status, body) = call(sts(), &issue(&h, ""));
        assert_eq!(status, 500, "{body}");
        assert!(!fault_code(&body).is_empty(), "{body}");
    }
}

/// A postdated lifetime starting just before the end of time: its default
/// length used to overflow (Issue and Renew alike).
#[test]
fn postdated_lifetime_at_the_end_of_time() {
    let start = "9999-12-31T23:30:00Z";
    let lt = lifetime(Some(start), None, true);
    let (status, body) = call(sts(), &issue(&now_header(), &lt));
    assert_eq!(status, 200, "{body}");
    let token = issued_token();
    let req = op(
        &now_header(),
        "Renew",
        &format!("<t:RenewTarget>{token}</t:RenewTarget>{lt}"),
    );
    let (status, body) = call(sts(), &req);
    assert_eq!(status, 200, "{body}");
}

/// SAML conditions at the very end of time, in a Validate target and in a
/// header credential.
#[test]
fn saml_conditions_at_the_end_of_time() {
    let end = "9999-12-31T23:59:59.999Z".to_owned();
    let nb = t(NOW - Duration::minutes(1));
    let times = [nb.clone(), nb.clone(), end.clone(), nb.clone(), end, nb];
    let a = partner_assertion("_end1", STS, &times);
    let req = op(
        &now_header(),
        "Validate",
        &format!("{STATUS}<t:ValidateTarget>{a}</t:ValidateTarget>"),
    );
    let (status, body) = call(sts(), &req);
    assert_eq!(status, 200, "{body}");
    assert!(status_code(&body).ends_with("/valid"), "{body}");
}
