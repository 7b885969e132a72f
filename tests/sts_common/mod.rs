//! SOAP requests to an `Sts` through `handle_soap` and readers of its
//! answers, shared by the lifecycle tests (`tests/sts_lifecycle.rs`,
//! `tests/redis_outage.rs`).
#![allow(dead_code, unreachable_pub, missing_docs)]

use time::{Duration, OffsetDateTime};
use wstrust::service::TransportContext;
use wstrust::sts::Sts;
use wstrust::wst::Version;
use wstrust::xml::{self, ns};

pub const PASSWORD_TEXT: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
pub const STATUS: &str =
    "<t:TokenType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Status</t:TokenType>";

pub fn t(d: OffsetDateTime) -> String {
    d.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// A `wsu:Timestamp` valid for five minutes from `now`.
pub fn timestamp(now: OffsetDateTime) -> String {
    format!(
        r#"<wsu:Timestamp xmlns:wsu="{}"><wsu:Created>{}</wsu:Created><wsu:Expires>{}</wsu:Expires></wsu:Timestamp>"#,
        ns::WSU,
        t(now),
        t(now + Duration::minutes(5))
    )
}

/// A Security header with a Timestamp, `user`'s UsernameToken (password
/// `USER-password`) and `extra` (a token).
pub fn password_header(user: &str, now: OffsetDateTime, extra: &str) -> String {
    format!(
        r#"<wsse:Security xmlns:wsse="{}">{}<wsse:UsernameToken><wsse:Username>{user}</wsse:Username><wsse:Password Type="{PASSWORD_TEXT}">{user}-password</wsse:Password></wsse:UsernameToken>{extra}</wsse:Security>"#,
        ns::WSSE,
        timestamp(now)
    )
}

pub fn applies_to(addr: &str) -> String {
    format!(
        r#"<wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>{addr}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>"#
    )
}

/// A SOAP 1.2 WS-Trust 1.3 request of `kind` with `header` and RST `inner`.
pub fn op(header: &str, kind: &str, inner: &str) -> String {
    format!(
        r#"<s:Envelope xmlns:s="{}"><s:Header>{header}</s:Header><s:Body><t:RequestSecurityToken xmlns:t="{ns}"><t:RequestType>{ns}/{kind}</t:RequestType>{inner}</t:RequestSecurityToken></s:Body></s:Envelope>"#,
        ns::SOAP12,
        ns = Version::Trust13.namespace()
    )
}

/// `req` over TLS: HTTP status and body.
pub fn call(sts: &Sts, req: &str) -> (u16, String) {
    let r = sts.handle_soap(
        req.as_bytes(),
        &TransportContext {
            tls: true,
            ..TransportContext::default()
        },
    );
    (r.http_status, String::from_utf8(r.body).unwrap())
}

/// The whole text of the first element named `name` (any namespace).
pub fn text_of(text: &str, name: &str) -> Option<String> {
    let doc = roxmltree::Document::parse(text).unwrap();
    let n = doc.descendants().find(|n| n.tag_name().name() == name)?;
    Some(xml::whole_text(n).trim().to_owned())
}

/// The exact bytes of the first child element of the first `name`.
pub fn first_child(text: &str, name: &str) -> String {
    let doc = roxmltree::Document::parse(text).unwrap();
    let n = doc
        .descendants()
        .find(|n| n.tag_name().name() == name)
        .unwrap()
        .first_element_child()
        .unwrap();
    text[n.range()].to_owned()
}

/// The fault's code (SOAP 1.2 innermost `Value`, or SOAP 1.1 `faultcode`).
pub fn fault_code(body: &str) -> String {
    let doc = roxmltree::Document::parse(body).unwrap();
    doc.descendants()
        .rfind(|n| matches!(n.tag_name().name(), "Value" | "faultcode"))
        .map(|n| xml::whole_text(n).trim().to_owned())
        .unwrap_or_default()
}

/// The `wst:Status/wst:Code` of a Validate answer ("" without one).
pub fn status_code(body: &str) -> String {
    text_of(body, "Code").unwrap_or_default()
}
