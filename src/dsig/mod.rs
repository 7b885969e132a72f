//! XML-DSig: enveloped and detached signatures, and verification that returns
//! the very nodes it verified.
//!
//! * [`sign_enveloped`] signs one element (a SAML assertion, a SAML protocol
//!   message, any element with an ID) and puts the `ds:Signature` where the
//!   element's schema wants it. The rest of the document stays byte-identical.
//! * [`sign_detached`] produces a standalone `ds:Signature` over several
//!   same-document references (WS-Security: Body, Timestamp, addressing
//!   headers) for the caller to place in a `wsse:Security` header.
//! * [`verify`] checks one `ds:Signature` against keys the caller [`Trust`]s;
//!   [`verify_enveloped`] additionally requires that the signature is a direct
//!   child of the element and covers exactly that element (the anti-wrapping
//!   rule for SAML). Both return [`Verified`], which holds the roxmltree nodes
//!   the digests covered: read data only from those, never by a fresh ID
//!   lookup.
//!
//! # What is accepted
//! A closed allowlist: [`SignatureAlgorithm`] (RSA-SHA256/384/512,
//! HMAC-SHA256; RSA-SHA1 and HMAC-SHA1 only after [`Trust::allow_sha1`]),
//! [`DigestAlgorithm`] (SHA-256/384/512; SHA-1 likewise), and the transforms
//! enveloped-signature, exclusive C14N 1.0 (with or without comments,
//! `InclusiveNamespaces PrefixList`) and inclusive C14N 1.0, at most one
//! enveloped-signature transform followed by at most one canonicalization.
//! References are same-document `#id` references only, resolved with
//! [`xml::find_by_id`](crate::xml::find_by_id) (two elements with the same
//! ID: rejected). `HMACOutputLength` is always rejected (no truncation).
//! `ds:Object` is rejected. Counts are bounded by
//! [`Limits::max_references`](crate::Limits) and `max_transforms`.
//!
//! # Example: sign a SAML 2.0 assertion, then verify it
//! ```
//! use wstrust::dsig::{self, KeyInfo, SignOptions, SigningKey, Trust};
//! use wstrust::keys::{AwsLcRsaKey, PrivateKey};
//! use wstrust::{xml, Limits};
//! # fn main() -> Result<(), wstrust::Error> {
//! let key = AwsLcRsaKey::generate(2048)?;
//! let assertion = r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z"><saml:Issuer>https://sts.example/</saml:Issuer><saml:Subject><saml:NameID>alice</saml:NameID></saml:Subject></saml:Assertion>"#;
//! let limits = Limits::default();
//! let signed = dsig::sign_enveloped(
//!     assertion,
//!     None, // the root element
//!     SigningKey::Rsa(&key),
//!     &SignOptions { key_info: KeyInfo::RsaKeyValue, ..Default::default() },
//!     &limits,
//! )?;
//! // The signature sits right after saml:Issuer, as the schema requires.
//! assert!(signed.contains("</saml:Issuer><ds:Signature"));
//!
//! let doc = xml::parse(&signed, &limits)?;
//! let trusted = [key.public_key().clone()];
//! let verified = dsig::verify_enveloped(&doc, doc.root_element(), &Trust::public_keys(&trusted), &limits)?;
//! // Read only from the verified node.
//! let name_id = verified.element().descendants().find(|n| n.has_tag_name("NameID")).unwrap();
//! assert_eq!(xml::whole_text(name_id), "alice");
//! # Ok(()) }
//! ```

mod sign;
mod verify;

pub(crate) use sign::sign_canonical;
pub use sign::{sign_detached, sign_enveloped, KeyInfo, SignOptions, SigningKey};
pub use verify::{signatures, verify, verify_enveloped, Trust, TrustedKey, Verified};

use crate::keys::DigestAlg;

/// The XML-DSig namespace.
const SIG_NS: &str = crate::xml::ns::DS;

/// URI of the enveloped-signature transform.
pub const ENVELOPED_SIGNATURE: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// A signature algorithm from the closed allowlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SignatureAlgorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-1 (legacy peers only).
    RsaSha1,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (the default).
    #[default]
    RsaSha256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RsaSha384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RsaSha512,
    /// HMAC-SHA1 (symmetric proof keys, legacy peers).
    HmacSha1,
    /// HMAC-SHA256 (symmetric proof keys).
    HmacSha256,
}

impl SignatureAlgorithm {
    /// Every allowlisted signature algorithm.
    pub const ALL: &'static [Self] = &[
        Self::RsaSha1,
        Self::RsaSha256,
        Self::RsaSha384,
        Self::RsaSha512,
        Self::HmacSha1,
        Self::HmacSha256,
    ];

    /// The algorithms a verifier accepts unless told otherwise: no SHA-1
    /// (see [`crate::dsig::Trust::allow_sha1`]).
    pub const DEFAULT: &'static [Self] = &[
        Self::RsaSha256,
        Self::RsaSha384,
        Self::RsaSha512,
        Self::HmacSha256,
    ];

    /// The algorithm's URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaSha1 => "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
            Self::RsaSha256 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            Self::RsaSha384 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
            Self::RsaSha512 => "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
            Self::HmacSha1 => "http://www.w3.org/2000/09/xmldsig#hmac-sha1",
            Self::HmacSha256 => "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256",
        }
    }

    /// The allowlisted algorithm named by `uri`, or `None`.
    ///
    /// ```
    /// use wstrust::dsig::SignatureAlgorithm;
    /// let a = SignatureAlgorithm::from_uri("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
    /// assert_eq!(a, Some(SignatureAlgorithm::RsaSha256));
    /// assert_eq!(SignatureAlgorithm::from_uri("http://www.w3.org/2001/04/xmldsig-more#rsa-md5"), None);
    /// ```
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.uri() == uri)
    }

    /// Whether this is an HMAC (symmetric) algorithm.
    pub fn is_hmac(self) -> bool {
        matches!(self, Self::HmacSha1 | Self::HmacSha256)
    }

    /// The hash the algorithm uses.
    pub fn hash(self) -> DigestAlgorithm {
        match self {
            Self::RsaSha1 | Self::HmacSha1 => DigestAlgorithm::Sha1,
            Self::RsaSha256 | Self::HmacSha256 => DigestAlgorithm::Sha256,
            Self::RsaSha384 => DigestAlgorithm::Sha384,
            Self::RsaSha512 => DigestAlgorithm::Sha512,
        }
    }
}

/// A reference digest algorithm from the closed allowlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DigestAlgorithm {
    /// SHA-1 (legacy peers only).
    Sha1,
    /// SHA-256 (the default).
    #[default]
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlgorithm {
    /// Every allowlisted digest algorithm.
    pub const ALL: &'static [Self] = &[Self::Sha1, Self::Sha256, Self::Sha384, Self::Sha512];

    /// The digests a verifier accepts unless told otherwise: no SHA-1 (see
    /// [`crate::dsig::Trust::allow_sha1`]).
    pub const DEFAULT: &'static [Self] = &[Self::Sha256, Self::Sha384, Self::Sha512];

    /// The algorithm's URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
            Self::Sha256 => "http://www.w3.org/2001/04/xmlenc#sha256",
            Self::Sha384 => "http://www.w3.org/2001/04/xmldsig-more#sha384",
            Self::Sha512 => "http://www.w3.org/2001/04/xmlenc#sha512",
        }
    }

    /// The allowlisted algorithm named by `uri`, or `None`.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|a| a.uri() == uri)
    }

    /// The matching [`DigestAlg`] of the key layer.
    pub fn alg(self) -> DigestAlg {
        match self {
            Self::Sha1 => DigestAlg::Sha1,
            Self::Sha256 => DigestAlg::Sha256,
            Self::Sha384 => DigestAlg::Sha384,
            Self::Sha512 => DigestAlg::Sha512,
        }
    }

    /// Hash `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        self.alg().digest(data)
    }
}

/// Minimum HMAC key length in bytes, for signing and verifying: shorter keys
/// are guessable and no WS-Trust proof key is shorter.
pub const MIN_HMAC_KEY_LEN: usize = 16;

#[cfg(test)]
mod tests;
