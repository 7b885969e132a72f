//! Which header blocks and which addresses are this STS's, through
//! `handle_soap`:
//!
//! * SOAP roles: only a `wsse:Security` header targeted at this node (no
//!   `S11:actor`/`S12:role`, SOAP 1.1 actor `next`, SOAP 1.2 roles `next`
//!   and `ultimateReceiver`) is the requester's credential; one for another
//!   node is ignored (not a credential, not a second Security header, and
//!   its `mustUnderstand` is not ours).
//! * `wsa:To`: when the STS knows its addresses (its `endpoints`, or those
//!   the host received the request at), a request addressed elsewhere gets
//!   `wsa:DestinationUnreachable`, as WCF's address filter answers.
#![allow(clippy::unwrap_used)]

mod sts_common;
use sts_common::{applies_to, fault_code, timestamp, PASSWORD_TEXT};

use std::sync::Arc;
use time::macros::datetime;
use time::OffsetDateTime;
use wstrust::config::{StsConfig, StsConfigBuilder};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{FixedClock, MemoryUserStore};
use wstrust::rp::{RelyingParties, RelyingParty};
use wstrust::service::TransportContext;
use wstrust::sts::Sts;
use wstrust::xml::ns;

const NOW: OffsetDateTime = datetime!(2027-01-15 12:00 UTC);
const ENDPOINT: &str = "https://sts.example/trust";
const RP: &str = "https://rp.example/nocert";
const S11_NEXT: &str = "http://schemas.xmlsoap.org/soap/actor/next";
const S12_NEXT: &str = "http://www.w3.org/2003/05/soap-envelope/role/next";
const S12_ULTIMATE: &str = "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver";
const S12_NONE: &str = "http://www.w3.org/2003/05/soap-envelope/role/none";
const PROXY: &str = "https://proxy.example/";

fn read(p: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/{p}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn builder() -> StsConfigBuilder {
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(RP));
    StsConfig::builder()
        .issuer("https://sts.example/")
        .signing_key(
            Arc::new(AwsLcRsaKey::from_pem(&read("data/signer.key.pem")).unwrap()),
            Certificate::from_pem(&read("data/signer.cert.pem")).unwrap(),
        )
        .users(Arc::new(MemoryUserStore::demo()))
        .relying_parties(rps)
        .clock(Arc::new(FixedClock::new(NOW)))
}

fn sts() -> Sts {
    Sts::new(builder().endpoint(ENDPOINT).build().unwrap())
}

/// A `wsse:Security` header with `user`'s password and `attrs` on the
/// header element (the `s` prefix is the envelope's namespace).
fn security(user: &str, password: &str, attrs: &str) -> String {
    format!(
        r#"<wsse:Security xmlns:wsse="{}"{attrs}>{}<wsse:UsernameToken><wsse:Username>{user}</wsse:Username><wsse:Password Type="{PASSWORD_TEXT}">{password}</wsse:Password></wsse:UsernameToken></wsse:Security>"#,
        ns::WSSE,
        timestamp(NOW)
    )
}

fn alice(attrs: &str) -> String {
    security("alice", "alice-password", attrs)
}

/// Another node's Security header: someone else's credential, which this
/// STS must not take for the requester's (and must not fail on).
fn for_node(attr: &str) -> String {
    security(
        "admin",
        "not-the-password",
        &format!(r#" s:mustUnderstand="1" {attr}"#),
    )
}

/// A WS-Trust 1.3 Issue request for `RP` in SOAP 1.1 or 1.2 with `header`.
fn request(soap11: bool, header: &str) -> String {
    let soap = if soap11 { ns::SOAP11 } else { ns::SOAP12 };
    format!(
        r#"<s:Envelope xmlns:s="{soap}"><s:Header>{header}</s:Header><s:Body><t:RequestSecurityToken xmlns:t="{ns}"><t:RequestType>{ns}/Issue</t:RequestType><t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}</t:RequestSecurityToken></s:Body></s:Envelope>"#,
        applies_to(RP),
        ns = ns::WST_13
    )
}

fn call_with(sts: &Sts, req: &str, transport: &TransportContext) -> (u16, String) {
    let r = sts.handle_soap(req.as_bytes(), transport);
    (r.http_status, String::from_utf8(r.body).unwrap())
}

fn tls() -> TransportContext {
    TransportContext {
        tls: true,
        ..TransportContext::default()
    }
}

/// "ok" for a token, else the fault code's local name.
fn outcome(sts: &Sts, req: &str, transport: &TransportContext) -> String {
    let (status, body) = call_with(sts, req, transport);
    match status {
        200 => {
            assert!(body.contains("RequestedSecurityToken"), "{body}");
            "ok".to_owned()
        }
        _ => fault_code(&body).rsplit(':').next().unwrap().to_owned(),
    }
}

#[test]
fn security_header_for_another_node_is_ignored() {
    let sts = sts();
    for soap11 in [true, false] {
        let other = if soap11 {
            format!(r#"s:actor="{PROXY}""#)
        } else {
            format!(r#"s:role="{PROXY}""#)
        };
        let run = |header: &str| outcome(&sts, &request(soap11, header), &tls());
        // Ours beside another node's, in either order: not a duplicate.
        assert_eq!(run(&format!("{}{}", alice(""), for_node(&other))), "ok");
        assert_eq!(run(&format!("{}{}", for_node(&other), alice(""))), "ok");
        // Another node's only: the same as no Security header at all.
        let none = run("");
        assert_ne!(none, "ok");
        assert_eq!(run(&for_node(&other)), none, "soap11={soap11}");
        let valid_for_proxy = alice(&format!(" {other}"));
        assert_eq!(
            run(&valid_for_proxy),
            none,
            "a good credential, but not ours"
        );
        // Two headers for this node are still refused.
        assert_eq!(
            run(&format!("{}{}", alice(""), alice(""))),
            "InvalidSecurity"
        );
    }
}

#[test]
fn roles_this_node_plays_are_processed() {
    let sts = sts();
    let ours11 = [String::new(), format!(r#" s:actor="{S11_NEXT}""#)];
    let ours12 = [
        String::new(),
        format!(r#" s:role="{S12_NEXT}""#),
        format!(r#" s:role=" {S12_ULTIMATE} ""#),
    ];
    for a in &ours11 {
        assert_eq!(
            outcome(&sts, &request(true, &alice(a)), &tls()),
            "ok",
            "{a}"
        );
    }
    for a in &ours12 {
        assert_eq!(
            outcome(&sts, &request(false, &alice(a)), &tls()),
            "ok",
            "{a}"
        );
    }
    // Not ours: SOAP 1.2 `none`, an empty value, the other version's
    // `next`, another node; each with a good credential of its own.
    let none = outcome(&sts, &request(false, ""), &tls());
    for a in [
        format!(r#" s:role="{S12_NONE}""#),
        r#" s:role="""#.to_owned(),
        format!(r#" s:role="{S11_NEXT}""#),
        format!(r#" s:role="{ENDPOINT}""#),
    ] {
        assert_eq!(
            outcome(&sts, &request(false, &alice(&a)), &tls()),
            none,
            "{a}"
        );
    }
    let none = outcome(&sts, &request(true, ""), &tls());
    for a in [
        format!(r#" s:actor="{S12_NEXT}""#),
        r#" s:actor="""#.to_owned(),
    ] {
        assert_eq!(
            outcome(&sts, &request(true, &alice(&a)), &tls()),
            none,
            "{a}"
        );
    }
}

/// A `wsa:To` header (WS-Addressing 1.0 unless `wsa` says otherwise).
fn to(address: &str) -> String {
    to_in(ns::WSA, address)
}

fn to_in(wsa: &str, address: &str) -> String {
    format!(r#"<wsa:To xmlns:wsa="{wsa}" s:mustUnderstand="1">{address}</wsa:To>"#)
}

#[test]
fn request_for_another_service_is_refused() {
    let sts = sts();
    for soap11 in [true, false] {
        let run = |h: &str| outcome(&sts, &request(soap11, &format!("{h}{}", alice(""))), &tls());
        assert_eq!(run(""), "ok", "no wsa:To");
        for ours in [
            ENDPOINT,
            " https://sts.example/trust ",
            "HTTPS://STS.Example/trust",
            "https://sts.example:443/trust",
            "http://www.w3.org/2005/08/addressing/anonymous",
        ] {
            assert_eq!(run(&to(ours)), "ok", "{ours}");
        }
        for elsewhere in [
            "https://elsewhere/",
            "https://elsewhere/trust",
            "http://sts.example/trust",
            "https://sts.example:8443/trust",
            "https://sts.example/trust/",
            "https://sts.example/TRUST",
            "https://user@sts.example/trust",
            "https://sts.example/trust?x",
            "https://sts.example.evil.example/trust",
            "sts.example/trust",
            "",
        ] {
            assert_eq!(run(&to(elsewhere)), "DestinationUnreachable", "{elsewhere}");
        }
        // The WS-Addressing fault, in the request's addressing version.
        let (status, body) = call_with(
            &sts,
            &request(
                soap11,
                &format!("{}{}", to("https://elsewhere/"), alice("")),
            ),
            &tls(),
        );
        assert_eq!(status, 500);
        let doc = roxmltree::Document::parse(&body).unwrap();
        let code = doc
            .descendants()
            .rfind(|n| matches!(n.tag_name().name(), "Value" | "faultcode"))
            .unwrap();
        let (prefix, local) = code.text().unwrap().split_once(':').unwrap();
        assert_eq!(local, "DestinationUnreachable");
        assert_eq!(code.lookup_namespace_uri(Some(prefix)), Some(ns::WSA));
        if !soap11 {
            assert!(body.contains("<s:Value>s:Sender</s:Value>"), "{body}");
        }
        let h = format!("{}{}", to_in(ns::WSA_2004, "https://elsewhere/"), alice(""));
        let (_, body) = call_with(&sts, &request(soap11, &h), &tls());
        let doc = roxmltree::Document::parse(&body).unwrap();
        let code = doc
            .descendants()
            .rfind(|n| matches!(n.tag_name().name(), "Value" | "faultcode"))
            .unwrap();
        let (prefix, local) = code.text().unwrap().split_once(':').unwrap();
        assert_eq!(local, "DestinationUnreachable");
        assert_eq!(code.lookup_namespace_uri(Some(prefix)), Some(ns::WSA_2004));
        let anon = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous";
        let h = format!("{}{}", to_in(ns::WSA_2004, anon), alice(""));
        assert_eq!(outcome(&sts, &request(soap11, &h), &tls()), "ok");
    }
}

/// The host adds the addresses it received the request at (`wstrust serve`:
/// its public URL or listener); with none known at all, nothing is checked.
#[test]
fn addresses_the_host_received_the_request_at() {
    let public = "https://public.example/adfs/services/trust/13/usernamemixed";
    let bare = Sts::new(builder().build().unwrap());
    let req = |address: &str| request(false, &format!("{}{}", to(address), alice("")));
    assert_eq!(outcome(&bare, &req("https://elsewhere/"), &tls()), "ok");
    let at_public = TransportContext {
        addresses: vec![public.to_owned()],
        ..tls()
    };
    assert_eq!(outcome(&bare, &req(public), &at_public), "ok");
    assert_eq!(
        outcome(&bare, &req("https://elsewhere/"), &at_public),
        "DestinationUnreachable"
    );
    // Both lists count: the STS's endpoints and the host's addresses.
    let sts = sts();
    assert_eq!(outcome(&sts, &req(public), &at_public), "ok");
    assert_eq!(outcome(&sts, &req(ENDPOINT), &at_public), "ok");
    assert_eq!(
        outcome(&sts, &req(public), &tls()),
        "DestinationUnreachable"
    );
}

/// A header for another node that this STS does not understand, marked
/// `mustUnderstand`, is not this STS's to understand.
#[test]
fn must_understand_is_for_the_targeted_node() {
    let sts = sts();
    for (soap11, attr) in [(true, "s:actor"), (false, "s:role")] {
        let unknown = |a: &str| {
            format!(r#"<x:Routing xmlns:x="urn:x" s:mustUnderstand="1"{a}>r</x:Routing>"#)
        };
        let run = |h: &str| outcome(&sts, &request(soap11, &format!("{h}{}", alice(""))), &tls());
        assert_eq!(run(&unknown(&format!(r#" {attr}="{PROXY}""#))), "ok");
        assert_ne!(run(&unknown("")), "ok");
    }
}
