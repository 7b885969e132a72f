//! `wst:RequestSecurityTokenResponse` (and the collection) builder.
//!
//! An [`Rstr`] is version-neutral; it is written in the request's WS-Trust
//! version: 1.3/1.4 always inside `RequestSecurityTokenResponseCollection`
//! (as .NET clients require), 2005/02 as a bare RSTR. The issued token is
//! embedded byte-for-byte as given ([`RawXml`]), so a client that cuts it out
//! of the response as text still gets the exact signed bytes.
//!
//! ```
//! use wstrust::wst::{Rstr, RawXml, Version};
//! let token = RawXml::new(br#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"/>"#.to_vec());
//! let rstr = Rstr { requested_token: Some(token), ..Rstr::default() };
//! let xml = String::from_utf8(rstr.to_xml(Version::Trust13)).unwrap();
//! assert!(xml.starts_with("<t:RequestSecurityTokenResponseCollection"));
//! assert!(xml.contains(r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a"/>"#));
//! ```

use super::rst::{AppliesTo, BinarySecret, Lifetime};
use super::version::{KeyType, RequestType, Version};
use crate::error::Fault;
use crate::soap::Out;
use crate::xml::ns;
use base64::Engine;
use std::fmt;
use time::OffsetDateTime;

/// XML bytes embedded verbatim (an issued token, an `EncryptedKey`).
///
/// # Contract
/// The bytes must be one well-formed element that declares every namespace
/// prefix it uses (as any signed, exclusively canonicalized token does); they
/// are not re-parsed or re-serialized.
#[derive(Clone, PartialEq, Eq)]
pub struct RawXml(Vec<u8>);

impl RawXml {
    /// Wrap serialized XML.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(bytes)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The XML as text, when it is UTF-8 (everything this crate writes is).
    ///
    /// ```
    /// let x = wstrust::wst::rstr::RawXml::new(b"<a/>".to_vec());
    /// assert_eq!(x.as_str(), Some("<a/>"));
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }
}

impl fmt::Debug for RawXml {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RawXml({} bytes)", self.0.len())
    }
}

/// SAML version of a token reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SamlVersion {
    /// SAML 1.1 (`KeyIdentifier` value type `SAMLAssertionID`).
    V11,
    /// SAML 2.0 (`KeyIdentifier` value type `SAMLID`).
    V20,
}

/// `ValueType` of a SAML 1.1 assertion key identifier.
pub const SAML11_KEY_IDENTIFIER: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.0#SAMLAssertionID";
/// `ValueType` of a SAML 2.0 assertion key identifier.
pub const SAML20_KEY_IDENTIFIER: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLID";

/// A `wsse:SecurityTokenReference` for `RequestedAttachedReference` /
/// `RequestedUnattachedReference`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenReference {
    /// `KeyIdentifier` naming a SAML assertion by its ID, with the WSS 1.1
    /// `TokenType` attribute on the reference.
    Saml {
        /// SAML 1.1 or 2.0.
        version: SamlVersion,
        /// `AssertionID` / `ID` of the assertion.
        id: String,
    },
    /// Any other reference, embedded verbatim.
    Raw(RawXml),
}

/// `wst:RequestedProofToken`.
#[derive(Debug, Clone)]
pub enum ProofToken {
    /// The proof key in clear (`BinarySecret`), protected by the message.
    BinarySecret(BinarySecret),
    /// The key is computed from both entropies with P_SHA1
    /// (`ComputedKey .../CK/PSHA1`).
    ComputedKeyPsha1,
    /// The proof key encrypted for the requestor (`xenc:EncryptedKey`).
    EncryptedKey(RawXml),
}

/// `wst:Status` of a Validate answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// `Code`: `.../status/valid` or `.../status/invalid`.
    pub valid: bool,
    /// `Reason`, generic text safe for the peer.
    pub reason: Option<String>,
}

/// A version-neutral `RequestSecurityTokenResponse`; every field is optional.
#[derive(Debug, Clone, Default)]
pub struct Rstr {
    /// `@Context`; when `None` the request's context is echoed.
    pub context: Option<String>,
    /// `TokenType` URI (echo the request's `token_type_uri` when clients
    /// compare it, as MSAL does).
    pub token_type: Option<String>,
    /// `RequestType`, echoed as WIF does.
    pub request_type: Option<RequestType>,
    /// `RequestedSecurityToken`: the issued token, verbatim.
    pub requested_token: Option<RawXml>,
    /// `RequestedAttachedReference`.
    pub attached_reference: Option<TokenReference>,
    /// `RequestedUnattachedReference`.
    pub unattached_reference: Option<TokenReference>,
    /// `RequestedProofToken`.
    pub proof_token: Option<ProofToken>,
    /// `Entropy` (the issuer's, for a computed key).
    pub entropy: Option<BinarySecret>,
    /// `Lifetime`.
    pub lifetime: Option<Lifetime>,
    /// `wsp:AppliesTo`.
    pub applies_to: Option<AppliesTo>,
    /// `KeySize` in bits.
    pub key_size: Option<u32>,
    /// `KeyType`.
    pub key_type: Option<KeyType>,
    /// `Status` (Validate).
    pub status: Option<Status>,
    /// `RequestedTokenCancelled` (Cancel).
    pub cancelled: bool,
}

fn write_time(out: &mut Out, name: &'static str, t: OffsetDateTime) {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    // Formatting a UTC date with this fixed description cannot fail for years
    // 0..=9999; outside that the element is written empty rather than panic.
    let s = crate::instant::utc(t)
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default();
    out.leaf(name, &[], &s);
}

fn write_reference(out: &mut Out, name: &'static str, r: &TokenReference) {
    out.open(name, &[]);
    match r {
        TokenReference::Saml { version, id } => {
            let (tt, vt) = match version {
                SamlVersion::V11 => (super::version::SAML11_PROFILE, SAML11_KEY_IDENTIFIER),
                SamlVersion::V20 => (super::version::SAML20_PROFILE, SAML20_KEY_IDENTIFIER),
            };
            out.open(
                "o:SecurityTokenReference",
                &[
                    ("xmlns:o", ns::WSSE),
                    ("xmlns:k", ns::WSSE11),
                    ("k:TokenType", tt),
                ],
            );
            out.leaf("o:KeyIdentifier", &[("ValueType", vt)], id);
            out.close("o:SecurityTokenReference");
        }
        TokenReference::Raw(raw) => out.raw(raw.as_bytes()),
    }
    out.close(name);
}

fn write_binary_secret(out: &mut Out, v: Version, s: &BinarySecret) {
    let ty = v.binary_secret_type_uri(s.kind);
    let b64 = zeroize::Zeroizing::new(
        base64::engine::general_purpose::STANDARD.encode(s.value.as_bytes()),
    );
    out.leaf("t:BinarySecret", &[("Type", &ty)], &b64);
}

/// Write one RSTR element (no namespace declaration for `t:` unless `root`).
fn write_rstr(out: &mut Out, v: Version, r: &Rstr, context: Option<&str>, root: bool) {
    let mut attrs: Vec<(&str, &str)> = Vec::new();
    if root {
        attrs.push(("xmlns:t", v.namespace()));
    }
    if let Some(c) = r.context.as_deref().or(context) {
        attrs.push(("Context", c));
    }
    out.open("t:RequestSecurityTokenResponse", &attrs);
    if let Some(tt) = &r.token_type {
        out.leaf("t:TokenType", &[], tt);
    }
    if let Some(rt) = r.request_type {
        out.leaf("t:RequestType", &[], &v.request_type_uri(rt));
    }
    if let Some(tok) = &r.requested_token {
        out.open("t:RequestedSecurityToken", &[]);
        out.raw(tok.as_bytes());
        out.close("t:RequestedSecurityToken");
    }
    if let Some(a) = &r.attached_reference {
        write_reference(out, "t:RequestedAttachedReference", a);
    }
    if let Some(u) = &r.unattached_reference {
        write_reference(out, "t:RequestedUnattachedReference", u);
    }
    if let Some(p) = &r.proof_token {
        out.open("t:RequestedProofToken", &[]);
        match p {
            ProofToken::BinarySecret(s) => write_binary_secret(out, v, s),
            ProofToken::ComputedKeyPsha1 => out.leaf("t:ComputedKey", &[], &v.psha1_uri()),
            ProofToken::EncryptedKey(raw) => out.raw(raw.as_bytes()),
        }
        out.close("t:RequestedProofToken");
    }
    if let Some(e) = &r.entropy {
        out.open("t:Entropy", &[]);
        write_binary_secret(out, v, e);
        out.close("t:Entropy");
    }
    if let Some(lt) = &r.lifetime {
        out.open("t:Lifetime", &[("xmlns:u", ns::WSU)]);
        if let Some(c) = lt.created {
            write_time(out, "u:Created", c);
        }
        if let Some(e) = lt.expires {
            write_time(out, "u:Expires", e);
        }
        out.close("t:Lifetime");
    }
    if let Some(a) = &r.applies_to {
        out.open(
            "wsp:AppliesTo",
            &[
                ("xmlns:wsp", a.policy.namespace()),
                ("xmlns:wsa", a.addressing.namespace()),
            ],
        );
        out.open("wsa:EndpointReference", &[]);
        out.leaf("wsa:Address", &[], &a.address);
        out.close("wsa:EndpointReference");
        out.close("wsp:AppliesTo");
    }
    if let Some(bits) = r.key_size {
        out.leaf("t:KeySize", &[], &bits.to_string());
    }
    if let Some(kt) = r.key_type {
        out.leaf("t:KeyType", &[], v.key_type_uri(kt));
    }
    if let Some(s) = &r.status {
        out.open("t:Status", &[]);
        out.leaf("t:Code", &[], &v.status_code_uri(s.valid));
        if let Some(reason) = &s.reason {
            out.leaf("t:Reason", &[], reason);
        }
        out.close("t:Status");
    }
    if r.cancelled {
        out.empty("t:RequestedTokenCancelled", &[]);
    }
    out.close("t:RequestSecurityTokenResponse");
}

/// One answer inside a (batch) response.
#[derive(Debug)]
pub(crate) struct Entry<'r> {
    pub(crate) result: Result<&'r Rstr, Fault>,
    pub(crate) context: Option<&'r str>,
}

/// Write the Body content for `entries` in version `v`: a bare RSTR for a
/// single 2005/02 answer, otherwise an RSTRC. A failed batch entry is an RSTR
/// with its `Context` and an invalid `Status` whose reason is the generic
/// fault text.
pub(crate) fn write_response(out: &mut Out, v: Version, entries: &[Entry<'_>], batch: bool) {
    let failed = |f: &Fault| Rstr {
        status: Some(Status {
            valid: false,
            reason: Some(f.to_string()),
        }),
        ..Rstr::default()
    };
    let wrap = batch || v.wraps_in_collection();
    if wrap {
        out.open(
            "t:RequestSecurityTokenResponseCollection",
            &[("xmlns:t", v.namespace())],
        );
    }
    for e in entries {
        match e.result {
            Ok(r) => write_rstr(out, v, r, e.context, !wrap),
            Err(f) => write_rstr(out, v, &failed(&f), e.context, !wrap),
        }
    }
    if wrap {
        out.close("t:RequestSecurityTokenResponseCollection");
    }
}

impl Rstr {
    /// Serialize as the Body content of a single answer in version `v`
    /// (RSTRC-wrapped for 1.3/1.4).
    pub fn to_xml(&self, v: Version) -> Vec<u8> {
        let mut out = Out::new();
        write_response(
            &mut out,
            v,
            &[Entry {
                result: Ok(self),
                context: None,
            }],
            false,
        );
        out.into_inner()
    }
}
