//! SAML assertions the STS issues: one version-neutral [`Assertion`] written
//! as SAML 2.0 ([`v20`]) or SAML 1.1 ([`v11`]).
//!
//! Assertions are written with an escaping writer (untrusted values such as
//! user names and claim values can never become markup), and declare every
//! namespace they use on the `Assertion` element itself, so the signed
//! assertion verifies wherever it is cut out and pasted.
//!
//! ```
//! use wstrust::saml::{Assertion, Attribute, AuthnContext, Subject};
//! use wstrust::confirm::Confirmation;
//! use wstrust::wst::SamlVersion;
//! use time::macros::datetime;
//! let now = datetime!(2026-01-01 12:00 UTC);
//! let a = Assertion {
//!     id: "_a1b2".into(),
//!     issuer: "https://sts.example/".into(),
//!     issue_instant: now,
//!     subject: Subject::new("alice <admin>"),
//!     confirmation: Confirmation::Bearer,
//!     not_before: now,
//!     not_on_or_after: now + time::Duration::hours(1),
//!     audiences: vec!["https://rp.example/".into()],
//!     authn: Some((now, AuthnContext::PasswordProtectedTransport)),
//!     attributes: vec![Attribute::new(
//!         "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
//!         ["alice@example.org"],
//!     )],
//! };
//! let xml = String::from_utf8(a.to_xml(SamlVersion::V20)).unwrap();
//! assert!(xml.starts_with(r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion""#));
//! assert!(xml.contains("alice &lt;admin&gt;"));
//! ```

pub mod v11;
pub mod v20;

use crate::confirm::Confirmation;
use crate::host::Random;
use crate::wst::{SamlVersion, TokenType};
use time::OffsetDateTime;

/// The unspecified NameID format (SAML 1.1 namespace, valid in both
/// versions).
pub const NAMEID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";
/// The e-mail NameID format.
pub const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
/// SAML 2.0 attribute `NameFormat` for URI-named attributes (claims).
pub const ATTRNAME_URI: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";
/// `xsi` namespace (for `xsi:type` on `SubjectConfirmationData`).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Bytes of randomness in an assertion ID: 128 bits, unguessable.
pub const ID_BYTES: usize = 16;

/// A fresh, unpredictable assertion ID: `_` followed by 32 hex digits from
/// the host's [`Random`] (an `xs:ID` must start with a letter or `_`).
pub fn new_id(rng: &dyn Random) -> String {
    let mut b = [0u8; ID_BYTES];
    rng.fill(&mut b);
    let mut s = String::with_capacity(1 + 2 * ID_BYTES);
    s.push('_');
    for x in b {
        s.push(char::from(HEX[usize::from(x >> 4)]));
        s.push(char::from(HEX[usize::from(x & 15)]));
    }
    s
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The SAML version a token type is written in.
pub fn version_of(t: TokenType) -> Option<SamlVersion> {
    match t {
        TokenType::Saml11 => Some(SamlVersion::V11),
        TokenType::Saml20 => Some(SamlVersion::V20),
        TokenType::Status => None,
    }
}

/// The subject of an assertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The `NameID` / `NameIdentifier` value.
    pub name_id: String,
    /// Its `Format` URI ([`NAMEID_UNSPECIFIED`] by default).
    pub format: String,
    /// Its `NameQualifier`: the domain the name belongs to. The STS writes
    /// one for a subject that is not an account of its user store (a trusted
    /// partner's subject: the partner's issuer name), and never maps a
    /// qualified name onto a local account.
    pub name_qualifier: Option<String>,
}

impl Subject {
    /// A subject with the unspecified NameID format.
    pub fn new(name_id: impl Into<String>) -> Self {
        Self {
            name_id: name_id.into(),
            format: NAMEID_UNSPECIFIED.to_owned(),
            name_qualifier: None,
        }
    }

    /// The `NameID` / `NameIdentifier` attributes, in canonical order.
    pub(crate) fn name_attributes(&self) -> ([(&str, &str); 2], usize) {
        match &self.name_qualifier {
            Some(q) => ([("Format", &self.format), ("NameQualifier", q)], 2),
            None => ([("Format", &self.format), ("", "")], 1),
        }
    }
}

/// One attribute (claim): a URI name and its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The claim type URI (SAML 2.0 `Name`; split into `AttributeNamespace`
    /// and `AttributeName` at the last `/` for SAML 1.1).
    pub name: String,
    /// The values, in order.
    pub values: Vec<String>,
}

impl Attribute {
    /// An attribute with the given values.
    pub fn new<I, S>(name: impl Into<String>, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            name: name.into(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }
}

/// How the requestor authenticated, for the authentication statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthnContext {
    /// A password over a protected (TLS) transport.
    PasswordProtectedTransport,
    /// A password without transport protection.
    Password,
    /// An X.509 signature.
    X509,
    /// A TLS client certificate.
    TlsClient,
    /// A previously issued token (a SAML assertion).
    PreviousSession,
    /// Anything else.
    Unspecified,
}

impl AuthnContext {
    /// SAML 2.0 `AuthnContextClassRef`.
    pub fn v20_uri(self) -> &'static str {
        match self {
            Self::PasswordProtectedTransport => {
                "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
            }
            Self::Password => "urn:oasis:names:tc:SAML:2.0:ac:classes:Password",
            Self::X509 => "urn:oasis:names:tc:SAML:2.0:ac:classes:X509",
            Self::TlsClient => "urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient",
            Self::PreviousSession => "urn:oasis:names:tc:SAML:2.0:ac:classes:PreviousSession",
            Self::Unspecified => "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified",
        }
    }

    /// SAML 1.1 `AuthenticationMethod`.
    pub fn v11_uri(self) -> &'static str {
        match self {
            Self::PasswordProtectedTransport | Self::Password => {
                "urn:oasis:names:tc:SAML:1.0:am:password"
            }
            Self::X509 => "urn:oasis:names:tc:SAML:1.0:am:X509-PKI",
            Self::TlsClient => "urn:ietf:rfc:2246",
            Self::PreviousSession | Self::Unspecified => {
                "urn:oasis:names:tc:SAML:1.0:am:unspecified"
            }
        }
    }
}

/// A version-neutral assertion, ready to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assertion {
    /// `ID` / `AssertionID` (see [`new_id`]).
    pub id: String,
    /// The issuer name.
    pub issuer: String,
    /// `IssueInstant`.
    pub issue_instant: OffsetDateTime,
    /// The subject.
    pub subject: Subject,
    /// How the subject is confirmed.
    pub confirmation: Confirmation,
    /// `Conditions/@NotBefore`.
    pub not_before: OffsetDateTime,
    /// `Conditions/@NotOnOrAfter`.
    pub not_on_or_after: OffsetDateTime,
    /// `AudienceRestriction` audiences (none: no restriction is written).
    pub audiences: Vec<String>,
    /// The authentication statement: when and how.
    pub authn: Option<(OffsetDateTime, AuthnContext)>,
    /// The attribute statement (none: no statement is written).
    pub attributes: Vec<Attribute>,
}

impl Assertion {
    /// Serialize as `version` (unsigned; the signature is added by
    /// [`crate::dsig`]).
    pub fn to_xml(&self, version: SamlVersion) -> Vec<u8> {
        match version {
            SamlVersion::V20 => v20::write(self),
            SamlVersion::V11 => v11::write(self),
        }
    }

    /// The assertion written in its own exclusive canonical form, and the
    /// offset where its enveloped `ds:Signature` goes, so that it can be
    /// signed as written ([`crate::dsig`] digests the bytes, no parse and no
    /// C14N pass). `None` for holder-of-key (its `ds:KeyInfo` comes from
    /// elsewhere, not in canonical form) and for values XML cannot carry;
    /// [`Assertion::to_xml`] and a parse serve those.
    pub(crate) fn to_canonical_xml(&self, version: SamlVersion) -> Option<(String, usize)> {
        if matches!(self.confirmation, Confirmation::HolderOfKey { .. }) {
            return None;
        }
        let mut out = crate::soap::Out::canonical();
        let at = match version {
            SamlVersion::V20 => v20::write_into(self, &mut out),
            SamlVersion::V11 => v11::write_into(self, &mut out),
        };
        let text = String::from_utf8(out.into_canonical()?).ok()?;
        Some((text, at))
    }
}

/// `xs:dateTime` in UTC with milliseconds (`2026-01-01T12:00:00.000Z`).
pub(crate) fn datetime(t: OffsetDateTime) -> String {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    crate::instant::utc(t)
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use time::macros::datetime;

    #[derive(Debug)]
    struct Seq(std::sync::atomic::AtomicU8);
    impl Random for Seq {
        fn fill(&self, buf: &mut [u8]) {
            for b in buf {
                *b = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }

    pub(crate) fn sample(confirmation: Confirmation) -> Assertion {
        let now = datetime!(2026-01-01 12:00 UTC);
        Assertion {
            id: "_0123".into(),
            issuer: "https://sts.example/".into(),
            issue_instant: now,
            subject: Subject::new("alice&\"bob\"<x/>"),
            confirmation,
            not_before: now,
            not_on_or_after: now + time::Duration::hours(1),
            audiences: vec!["https://rp.example/app?a=1&b=2".into()],
            authn: Some((now, AuthnContext::PasswordProtectedTransport)),
            attributes: vec![
                Attribute::new(
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
                    ["alice@example.org"],
                ),
                Attribute::new(
                    "http://wso2.org/claims/role",
                    ["admin", "</saml:Assertion>"],
                ),
            ],
        }
    }

    #[test]
    fn ids_are_fresh_and_xml_ids() {
        let rng = Seq(Default::default());
        let a = new_id(&rng);
        let b = new_id(&rng);
        assert_ne!(a, b);
        assert_eq!(a.len(), 33);
        assert!(a.starts_with('_'));
        assert_eq!(a, "_000102030405060708090a0b0c0d0e0f");
        let os = new_id(&crate::memory::OsRandom);
        assert_ne!(os, new_id(&crate::memory::OsRandom));
    }

    fn canonical_of(xml: &str) -> String {
        let doc = crate::xml::parse(xml, &crate::Limits::default()).unwrap();
        let c =
            crate::xml::c14n::to_vec(doc.root_element(), &crate::xml::c14n::Options::exclusive())
                .unwrap();
        String::from_utf8(c).unwrap()
    }

    /// With `value` as subject, issuer, audience and attribute name and value.
    fn with_value(confirmation: Confirmation, value: &str) -> Assertion {
        let mut a = sample(confirmation);
        a.subject = Subject::new(value);
        a.issuer = format!("https://sts.example/{value}");
        a.audiences.push(value.to_owned());
        a.attributes.push(Attribute::new(
            format!("urn:x/{value}").as_str(),
            [value, ""],
        ));
        a
    }

    proptest::proptest! {
        /// The canonical writer's output is its own exclusive canonical form
        /// (so signing its bytes is signing what a verifier canonicalizes),
        /// carries every value exactly, and puts the signature where
        /// `dsig::sign_enveloped` would.
        #[test]
        fn canonical_writer_output_is_canonical(
            value in "[a-zA-Z0-9 <>&\"'\t\n\r=/:;#é€😀\u{7f}-]{0,24}",
            v11 in proptest::bool::ANY,
            vouches in proptest::bool::ANY,
            qualified in proptest::bool::ANY,
        ) {
            let confirmation = if vouches { Confirmation::SenderVouches } else { Confirmation::Bearer };
            let version = if v11 { SamlVersion::V11 } else { SamlVersion::V20 };
            let mut a = with_value(confirmation, &value);
            let qualifier = qualified.then(|| format!("urn:q/{value}"));
            a.subject.name_qualifier = qualifier.clone();
            let (text, at) = a.to_canonical_xml(version).unwrap();
            proptest::prop_assert_eq!(&canonical_of(&text), &text);
            // It carries the values exactly (whitespace in attributes too).
            let doc = crate::xml::parse(&text, &crate::Limits::default()).unwrap();
            let texts = |name: &str| -> Vec<String> {
                doc.descendants()
                    .filter(|n| n.tag_name().name() == name)
                    .map(|n| crate::xml::whole_text(n).into_owned())
                    .collect()
            };
            let name_id = if v11 { "NameIdentifier" } else { "NameID" };
            proptest::prop_assert!(texts(name_id).iter().all(|t| *t == value));
            // Every NameID (SAML 1.1: one per statement) has the qualifier.
            let qualifiers: Vec<Option<&str>> = doc
                .descendants()
                .filter(|n| n.tag_name().name() == name_id)
                .map(|n| n.attribute("NameQualifier"))
                .collect();
            proptest::prop_assert_eq!(qualifiers.len(), if v11 { 2 } else { 1 });
            proptest::prop_assert!(qualifiers.iter().all(|q| *q == qualifier.as_deref()));
            let audiences = texts("Audience");
            proptest::prop_assert_eq!(audiences.last(), Some(&value));
            if !v11 {
                let names: Vec<&str> = doc
                    .descendants()
                    .filter_map(|n| n.attribute("Name"))
                    .collect();
                let expected = format!("urn:x/{value}");
                proptest::prop_assert_eq!(names.last(), Some(&expected.as_str()));
            }
            let (before, after) = text.split_at(at);
            match version {
                SamlVersion::V20 => proptest::prop_assert!(before.ends_with("</saml:Issuer>")),
                SamlVersion::V11 => proptest::prop_assert_eq!(after, "</saml:Assertion>"),
            }
        }
    }

    #[test]
    fn canonical_writer_declines_what_xml_cannot_carry_and_holder_of_key() {
        for bad in ["a\u{1}b", "\u{0}", "x\u{FFFE}", "\u{FFFF}", "\u{1b}[31m"] {
            for v in [SamlVersion::V11, SamlVersion::V20] {
                assert!(with_value(Confirmation::Bearer, bad)
                    .to_canonical_xml(v)
                    .is_none());
            }
        }
        let hok = Confirmation::HolderOfKey {
            key_info: b"<ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>".to_vec(),
        };
        assert!(sample(hok).to_canonical_xml(SamlVersion::V20).is_none());
        assert!(sample(Confirmation::Bearer)
            .to_canonical_xml(SamlVersion::V20)
            .is_some());
    }

    #[test]
    fn datetime_format() {
        assert_eq!(
            datetime(datetime!(2026-01-01 12:00:01.5 +02:00)),
            "2026-01-01T10:00:01.500Z"
        );
    }
}
