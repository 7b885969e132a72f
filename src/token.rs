//! Validation of presented SAML 1.1 and 2.0 tokens, shared by Validate,
//! Renew, Cancel, OnBehalfOf/ActAs and SAML tokens in a `wsse:Security`
//! header.
//!
//! [`TokenValidator::validate`] takes a parsed tree and the token's node (an
//! `Assertion`, or an `EncryptedAssertion` / `xenc:EncryptedData` that it
//! decrypts with the STS key), verifies the enveloped signature with
//! [`dsig::verify_enveloped`] against the keys of trusted issuers, and then
//! reads **only from the verified element**: issuer, subject NameID (its whole
//! text, so a comment cannot split it), audiences, validity window,
//! confirmation methods and key, authentication statement, attributes, ID.
//! The result is an owned [`ValidatedToken`].
//!
//! # Signature wrapping
//! Refused before or after the cryptography, each with its own
//! [`TokenError::Wrapping`] reason (tests in `tests/validate.rs`):
//! * the node handed in is not an assertion, or contains or sits inside
//!   another assertion (a second unsigned assertion around the signed one);
//! * the signature is not the assertion's own direct child, or references
//!   anything but the assertion itself ([`dsig::verify_enveloped`]);
//! * the assertion's ID occurs twice in the document ([`xml::find_by_id`]);
//! * a second assertion beside the signed one in the same token container
//!   (checked by [`find_token`] and by callers that take a container).

use crate::auth::{AssertionVerifier, Confirmation, VerifiedAssertion};
use crate::dsig::{self, Trust};
use crate::error::{DsigError, Error, TokenError};
use crate::host::{KeyResolver, Random};
use crate::keys::{Certificate, PublicKey};
use crate::wst::rstr::SamlVersion;
use crate::wst::Secret;
use crate::xenc::{self, DecryptOptions};
use crate::xml::{self, ns};
use crate::Limits;
use base64::Engine as _;
use roxmltree::{Document, Node};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// A SAML 2.0 NameID or SAML 1.1 NameIdentifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameId {
    /// The whole text content.
    pub value: String,
    /// `Format`, if given.
    pub format: Option<String>,
    /// `NameQualifier`, if given.
    pub name_qualifier: Option<String>,
}

/// One attribute of an attribute statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// SAML 2.0 `Name`; SAML 1.1 `AttributeName`.
    pub name: String,
    /// SAML 2.0 `NameFormat`; SAML 1.1 `AttributeNamespace`.
    pub namespace: Option<String>,
    /// The whole text of each `AttributeValue`.
    pub values: Vec<String>,
}

impl Attribute {
    /// The claim type the attribute stands for: SAML 2.0 `Name`; SAML 1.1
    /// `AttributeNamespace/AttributeName` (the inverse of
    /// [`crate::saml::v11::split_name`]), or `AttributeName` alone without
    /// a namespace.
    pub fn claim_type(&self, version: SamlVersion) -> std::borrow::Cow<'_, str> {
        match (version, &self.namespace) {
            (SamlVersion::V11, Some(ns)) => format!("{ns}/{}", self.name).into(),
            _ => self.name.as_str().into(),
        }
    }
}

/// The authentication statement, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authn {
    /// SAML 2.0 `AuthnContextClassRef`; SAML 1.1 `AuthenticationMethod`.
    pub method: Option<String>,
    /// `AuthnInstant` / `AuthenticationInstant`.
    pub instant: Option<OffsetDateTime>,
}

/// A token whose signature verified against a trusted issuer and whose
/// conditions held at the time given: everything in it was read from the
/// signed element.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ValidatedToken {
    /// SAML 1.1 or 2.0.
    pub version: SamlVersion,
    /// `ID` / `AssertionID`.
    pub id: String,
    /// The issuer name.
    pub issuer: String,
    /// `IssueInstant`.
    pub issue_instant: OffsetDateTime,
    /// The subject.
    pub subject: NameId,
    /// The audiences of each `AudienceRestriction` (each restriction must be
    /// met; within one, any audience).
    pub audience_restrictions: Vec<Vec<String>>,
    /// `Conditions/@NotBefore`.
    pub not_before: Option<OffsetDateTime>,
    /// The end of validity: `Conditions/@NotOnOrAfter` (required), or an
    /// earlier `SubjectConfirmationData/@NotOnOrAfter`.
    pub not_on_or_after: OffsetDateTime,
    /// Subject confirmation method URIs.
    pub confirmation_methods: Vec<String>,
    /// One entry per SAML 2.0 bearer `SubjectConfirmation`: its
    /// `SubjectConfirmationData/@Recipient`, if given. Checked by
    /// [`check_recipient`] where the token is delivered to the STS.
    pub bearer_recipients: Vec<Option<String>>,
    /// The holder-of-key public key from the confirmation's `ds:KeyInfo`
    /// (`X509Data/X509Certificate` or `KeyValue/RSAKeyValue`), if any.
    pub confirmation_key: Option<PublicKey>,
    /// A symmetric holder-of-key key (`ds:KeyInfo/xenc:EncryptedKey`):
    /// decrypted when it is encrypted for one of the validator's decryption
    /// keys (a token addressed to the STS), else only known to be there.
    pub symmetric_key: Option<SymmetricKey>,
    /// The authentication statement.
    pub authn: Option<Authn>,
    /// Attributes in document order.
    pub attributes: Vec<Attribute>,
    /// The trusted certificate whose key verified the signature.
    pub signer: Certificate,
}

/// The symmetric proof key of a holder-of-key token.
#[derive(Debug, Clone)]
pub enum SymmetricKey {
    /// Encrypted for this validator's decryption keys: the proof key.
    Decrypted(Secret),
    /// Encrypted for a key this validator does not hold (another relying
    /// party's): the token is valid, its key unknown here.
    Sealed,
}

impl ValidatedToken {
    /// Every audience named in any restriction.
    pub fn audiences(&self) -> impl Iterator<Item = &str> {
        self.audience_restrictions
            .iter()
            .flatten()
            .map(String::as_str)
    }

    /// Whether the token is a bearer token (SAML 1.1 or 2.0 bearer method).
    pub fn is_bearer(&self) -> bool {
        self.confirmation_methods
            .iter()
            .any(|m| m == CM_BEARER_2 || m == CM_BEARER_1)
    }
}

/// SAML 2.0 bearer confirmation method.
pub const CM_BEARER_2: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// SAML 1.1 bearer confirmation method.
pub const CM_BEARER_1: &str = "urn:oasis:names:tc:SAML:1.0:cm:bearer";

/// Which issuer names a trusted key may sign for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssuerName {
    /// Only assertions whose issuer is exactly this name.
    Exactly(String),
    /// Any issuer name (the key alone is the trust anchor): for tools such as
    /// `wstrust validate --trust-cert`. An STS should name its issuers, so
    /// that one trusted partner cannot speak for another.
    Any,
}

/// One issuer the validator trusts, with its signing certificates.
#[derive(Debug, Clone)]
pub struct TrustedIssuer {
    /// The issuer name its assertions carry.
    pub name: IssuerName,
    /// The certificates whose keys may sign for it (each pinned: it signs
    /// itself, never vouches for another certificate).
    pub certificates: Vec<Certificate>,
    /// Accept this issuer's SHA-1 signatures (RSA-SHA1, SHA-1 digests): for
    /// a legacy partner only (default `false`; see
    /// [`TrustedIssuer::allowing_sha1`]).
    pub allow_sha1: bool,
}

impl TrustedIssuer {
    /// An issuer trusted under `name` with these certificates.
    pub fn named(name: impl Into<String>, certificates: Vec<Certificate>) -> Self {
        Self {
            name: IssuerName::Exactly(name.into()),
            certificates,
            allow_sha1: false,
        }
    }

    /// Keys trusted for any issuer name (see [`IssuerName::Any`]).
    pub fn any_name(certificates: Vec<Certificate>) -> Self {
        Self {
            name: IssuerName::Any,
            certificates,
            allow_sha1: false,
        }
    }

    /// Also accept this issuer's SHA-1 signatures (RSA-SHA1, SHA-1
    /// reference digests). SHA-1 collisions are practical: enable it only
    /// for a partner that cannot sign with SHA-256, and only for it.
    pub fn allowing_sha1(self) -> Self {
        Self {
            allow_sha1: true,
            ..self
        }
    }

    fn accepts(&self, issuer: &str) -> bool {
        match &self.name {
            IssuerName::Exactly(n) => n == issuer,
            IssuerName::Any => true,
        }
    }
}

/// How encrypted tokens addressed to the STS are decrypted: the host's
/// [`KeyResolver`] (the STS key, or an HSM behind it), the XML-Enc options and
/// the randomness XML-Enc needs to make every failure look alike.
#[derive(Debug, Clone)]
pub struct Decryption {
    /// The STS's private keys.
    pub keys: Arc<dyn KeyResolver>,
    /// XML-Enc choices (defaults: AES-GCM and RSA-OAEP only).
    pub options: DecryptOptions,
    /// Randomness for the stand-in key of a failed key transport.
    pub random: Arc<dyn Random>,
}

/// What the caller expects of a token besides a valid signature.
#[derive(Debug, Clone, Copy)]
pub struct Expect<'a> {
    /// The time to check `NotBefore`/`NotOnOrAfter` against.
    pub now: OffsetDateTime,
    /// The audience the token must be restricted to (`None`: not checked;
    /// `Some`: every `AudienceRestriction` must name it, and there must be
    /// at least one).
    pub audience: Option<&'a str>,
    /// Skip the `NotOnOrAfter` check (renewal, which applies its own window).
    /// `NotBefore` is always checked.
    pub allow_expired: bool,
}

impl<'a> Expect<'a> {
    /// Check times at `now`, no audience, expiry enforced.
    pub fn at(now: OffsetDateTime) -> Self {
        Self {
            now,
            audience: None,
            allow_expired: false,
        }
    }

    /// Also require `audience`.
    pub fn audience(self, audience: &'a str) -> Self {
        Self {
            audience: Some(audience),
            ..self
        }
    }
}

/// Validates SAML tokens against a fixed set of trusted issuers.
///
/// # Defaults
/// Clock skew and parse limits from [`Limits::default`]; no decryption (an
/// encrypted token is refused); no audience required of header credentials;
/// SHA-256/384/512 signatures only, SHA-1 for an issuer only with
/// [`TrustedIssuer::allowing_sha1`].
#[derive(Debug, Clone)]
pub struct TokenValidator {
    trusted: Vec<TrustedIssuer>,
    decryption: Option<Decryption>,
    limits: Limits,
    audiences: Vec<String>,
}

impl TokenValidator {
    /// A validator trusting exactly these issuers.
    pub fn new(trusted: Vec<TrustedIssuer>) -> Self {
        Self {
            trusted,
            decryption: None,
            limits: Limits::default(),
            audiences: Vec::new(),
        }
    }

    /// Decrypt encrypted tokens (otherwise they are refused).
    pub fn with_decryption(mut self, decryption: Decryption) -> Self {
        self.decryption = Some(decryption);
        self
    }

    /// An audience accepted when this validator serves as the
    /// [`AssertionVerifier`] of SAML credentials in a `wsse:Security` header
    /// (normally the STS's own endpoint or issuer name); call it again to
    /// accept several names of the same STS. With at least one, such an
    /// assertion needs an `AudienceRestriction` and each of its restrictions
    /// must name one of them. Without any, assertions are accepted for any
    /// audience.
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audiences.push(audience.into());
        self
    }

    /// The trusted issuers.
    pub fn trusted(&self) -> &[TrustedIssuer] {
        &self.trusted
    }

    /// Use these limits (clock skew, parse bounds for decrypted tokens).
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Validate the token at `node` of `doc` (an assertion, an
    /// `EncryptedAssertion`, or an `xenc:EncryptedData`).
    pub fn validate(
        &self,
        doc: &Document<'_>,
        node: Node<'_, '_>,
        expect: &Expect<'_>,
    ) -> Result<ValidatedToken, Error> {
        if encrypted_data(node)?.is_some() {
            let Some(dec) = &self.decryption else {
                return Err(TokenError::Malformed("encrypted token and no decryption key").into());
            };
            let plain = xenc::decrypt_element(
                node,
                dec.keys.as_ref(),
                &dec.options,
                dec.random.as_ref(),
                &self.limits,
            )?;
            if !plain.is_element {
                return Err(TokenError::Malformed("encrypted content is not an element").into());
            }
            let inner = xml::parse(&plain.xml, &self.limits)?;
            let root = inner.root_element();
            if encrypted_data(root)?.is_some() {
                return Err(TokenError::Malformed("nested encryption").into());
            }
            return self.validate_assertion(&inner, root, expect);
        }
        self.validate_assertion(doc, node, expect)
    }

    /// Parse `text` and validate the one token in it ([`find_token`]): a bare
    /// or encrypted assertion, or the token inside an RSTR.
    pub fn validate_document(
        &self,
        text: &str,
        expect: &Expect<'_>,
    ) -> Result<ValidatedToken, Error> {
        let doc = xml::parse(text, &self.limits)?;
        let node = find_token(&doc)?;
        self.validate(&doc, node, expect)
    }

    fn validate_assertion(
        &self,
        doc: &Document<'_>,
        node: Node<'_, '_>,
        expect: &Expect<'_>,
    ) -> Result<ValidatedToken, Error> {
        let version =
            assertion_version(node).ok_or(TokenError::Wrapping("token is not an assertion"))?;
        if node.descendants().skip(1).any(is_assertion) {
            return Err(TokenError::Wrapping("assertion inside the assertion").into());
        }
        if node.ancestors().skip(1).any(is_assertion) {
            return Err(TokenError::Wrapping("assertion inside another assertion").into());
        }
        let id = xml::id_of(node).ok_or(TokenError::Malformed("assertion ID"))?;
        match xml::find_by_id(doc, id) {
            Ok(n) if n == node => {}
            Ok(_) => return Err(TokenError::Wrapping("ID names another element").into()),
            Err(Error::Xml(crate::error::XmlError::DuplicateId(_))) => {
                return Err(TokenError::Wrapping("duplicate ID").into())
            }
            Err(e) => return Err(e),
        }
        let sig_children = node
            .children()
            .filter(|c| c.has_tag_name((ns::DS, "Signature")))
            .count();
        let all_sigs = node
            .descendants()
            .filter(|c| c.has_tag_name((ns::DS, "Signature")))
            .count();
        if sig_children == 0 {
            return Err(DsigError::Missing.into());
        }
        if all_sigs != 1 {
            return Err(TokenError::Wrapping("more than one signature in the assertion").into());
        }

        // The claimed issuer only selects which keys to try; it is read again
        // from the verified element below.
        let claimed = issuer_of(node, version)?;
        let keys = |legacy: bool| -> Vec<Certificate> {
            self.trusted
                .iter()
                .filter(|t| t.accepts(&claimed) && (t.allow_sha1 || !legacy))
                .flat_map(|t| t.certificates.iter().cloned())
                .collect()
        };
        let certs = keys(false);
        if certs.is_empty() {
            return Err(TokenError::UntrustedIssuer.into());
        }
        // SHA-1 only for the keys of an issuer that allows it.
        let legacy = keys(true);
        let verified =
            match dsig::verify_enveloped(doc, node, &Trust::certificates(&certs), &self.limits) {
                Err(Error::Dsig(DsigError::AlgorithmNotAllowed(_))) if !legacy.is_empty() => {
                    dsig::verify_enveloped(
                        doc,
                        node,
                        &Trust::certificates(&legacy).allow_sha1(),
                        &self.limits,
                    )
                }
                r => r,
            };
        let verified = match verified {
            Ok(v) => v,
            Err(Error::Dsig(DsigError::UntrustedKey)) => {
                return Err(TokenError::UntrustedIssuer.into())
            }
            Err(Error::Dsig(DsigError::WrongSignedElement)) => {
                return Err(TokenError::Wrapping("signature covers another element").into())
            }
            Err(e) => return Err(e),
        };
        let element = verified.element();
        if element != node {
            return Err(TokenError::Wrapping("verified element is not the token").into());
        }
        let signer = match verified.key() {
            dsig::TrustedKey::Certificate(c) => c.clone(),
            _ => return Err(TokenError::UntrustedIssuer.into()),
        };
        let (mut token, encrypted_key) = read_assertion(element, version, signer)?;
        if token.issuer != claimed {
            return Err(TokenError::Wrapping("issuer changed").into());
        }
        check_conditions(&token, expect, self.limits.clock_skew)?;
        if let Some(ek) = encrypted_key {
            token.symmetric_key = Some(self.proof_key(ek)?);
        }
        Ok(token)
    }

    /// The symmetric proof key of a verified holder-of-key confirmation:
    /// decrypted if it is encrypted for one of our keys (RSA-OAEP only, as
    /// for encrypted tokens), `Sealed` if no key of ours matches. Only ever
    /// called on a node the signature covered.
    fn proof_key(&self, encrypted_key: Node<'_, '_>) -> Result<SymmetricKey, Error> {
        let Some(dec) = &self.decryption else {
            return Ok(SymmetricKey::Sealed);
        };
        match xenc::decrypt_key(encrypted_key, dec.keys.as_ref(), &dec.options) {
            Ok(k) => Ok(SymmetricKey::Decrypted(Secret::new(k.as_bytes().to_vec()))),
            Err(Error::Xenc(crate::error::XencError::NoMatchingKey)) => Ok(SymmetricKey::Sealed),
            Err(e) => Err(e),
        }
    }
}

/// SAML 2.0 holder-of-key confirmation method.
pub const CM_HOK_2: &str = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key";
/// SAML 1.1 holder-of-key confirmation method.
pub const CM_HOK_1: &str = "urn:oasis:names:tc:SAML:1.0:cm:holder-of-key";
/// SAML 2.0 sender-vouches confirmation method.
pub const CM_SV_2: &str = "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches";
/// SAML 1.1 sender-vouches confirmation method.
pub const CM_SV_1: &str = "urn:oasis:names:tc:SAML:1.0:cm:sender-vouches";

/// SAML credentials in a `wsse:Security` header: validated exactly as
/// Validate does (signature, wrapping, time with skew, audience when
/// [`with_audience`](TokenValidator::with_audience) is set). The
/// confirmation reported is the strongest the assertion allows:
/// holder-of-key (with its key) over sender-vouches over bearer, so that a
/// token offering several methods is held to the one that needs proof.
impl AssertionVerifier for TokenValidator {
    fn verify(
        &self,
        doc: &Document<'_>,
        assertion: Node<'_, '_>,
        now: OffsetDateTime,
    ) -> Result<VerifiedAssertion, Error> {
        verified_assertion(self.validate_credential(doc, assertion, now)?)
    }
}

impl TokenValidator {
    /// Validate a SAML credential (header or `OnBehalfOf`/`ActAs`) at `now`,
    /// with the audiences of [`with_audience`](Self::with_audience).
    pub(crate) fn validate_credential(
        &self,
        doc: &Document<'_>,
        assertion: Node<'_, '_>,
        now: OffsetDateTime,
    ) -> Result<ValidatedToken, Error> {
        let t = self.validate(doc, assertion, &Expect::at(now))?;
        if !self.audiences.is_empty()
            && (t.audience_restrictions.is_empty()
                || !t
                    .audience_restrictions
                    .iter()
                    .all(|r| r.iter().any(|a| self.audiences.contains(a))))
        {
            return Err(TokenError::WrongAudience.into());
        }
        Ok(t)
    }
}

/// The credential view of a validated token. The confirmation reported is
/// the strongest the assertion allows: holder-of-key (with its key) over
/// sender-vouches over bearer, so that a token offering several methods is
/// held to the one that needs proof.
pub(crate) fn verified_assertion(t: ValidatedToken) -> Result<VerifiedAssertion, Error> {
    let has = |a: &str, b: &str| t.confirmation_methods.iter().any(|m| m == a || m == b);
    let confirmation = if has(CM_HOK_2, CM_HOK_1) {
        // A symmetric key would need an HMAC proof of possession, which
        // request signatures (X.509 only) cannot give.
        Confirmation::HolderOfKey(t.confirmation_key.clone().ok_or(TokenError::Malformed(
            "holder-of-key credential without a public key",
        ))?)
    } else if has(CM_SV_2, CM_SV_1) {
        Confirmation::SenderVouches
    } else if t.is_bearer() {
        Confirmation::Bearer
    } else {
        return Err(TokenError::Malformed("no supported confirmation method").into());
    };
    let mut attributes = crate::host::Attributes::new();
    for a in &t.attributes {
        attributes
            .entry(a.claim_type(t.version).into_owned())
            .or_default()
            .extend(a.values.iter().cloned());
    }
    Ok(VerifiedAssertion::new(
        t.issuer,
        t.subject.value,
        t.subject.name_qualifier,
        confirmation,
        attributes,
    ))
}

/// The SAML 2.0 `Recipient` check for a bearer token delivered to the STS
/// itself (a credential in the `wsse:Security` header): at least one bearer
/// confirmation must carry a `Recipient` (SAML 2.0 Profiles §4.1.4.2 requires
/// one on bearer confirmations) that is one of `endpoints` and, when the
/// request has a `wsa:To`, that address too; compared as URLs
/// ([`crate::soap::same_address`]). A confirmation without `Recipient`
/// satisfies nothing, and without `endpoints` no `Recipient` can be checked,
/// so such a token is refused. A token without SAML 2.0 bearer
/// confirmations (SAML 1.1, holder-of-key) passes.
pub fn check_recipient(
    token: &ValidatedToken,
    endpoints: &[String],
    to: Option<&str>,
) -> Result<(), Error> {
    use crate::soap::same_address;
    let satisfied = token.bearer_recipients.is_empty()
        || token.bearer_recipients.iter().flatten().any(|r| {
            endpoints.iter().any(|e| same_address(e, r)) && to.is_none_or(|to| same_address(to, r))
        });
    if satisfied {
        Ok(())
    } else {
        Err(TokenError::WrongRecipient.into())
    }
}

/// Check the validity window (with `skew`) and the audience.
pub fn check_conditions(
    token: &ValidatedToken,
    expect: &Expect<'_>,
    skew: Duration,
) -> Result<(), Error> {
    if let Some(nb) = token.not_before {
        if crate::instant::later(expect.now, skew) < nb {
            return Err(TokenError::NotYetValid.into());
        }
    }
    if !expect.allow_expired && crate::instant::earlier(expect.now, skew) >= token.not_on_or_after {
        return Err(TokenError::Expired.into());
    }
    if let Some(aud) = expect.audience {
        if token.audience_restrictions.is_empty()
            || !token
                .audience_restrictions
                .iter()
                .all(|r| r.iter().any(|a| a == aud))
        {
            return Err(TokenError::WrongAudience.into());
        }
    }
    Ok(())
}

/// What a `wsse:SecurityTokenReference` to a SAML assertion names (WSS SAML
/// Token Profile 1.1 §3.4): the assertion's ID and, for a `KeyIdentifier`,
/// the SAML version its `ValueType` implies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlReference {
    /// The `AssertionID` (SAML 1.1) or `ID` (SAML 2.0) referred to.
    pub id: String,
    /// `SAMLAssertionID` key identifiers name SAML 1.1, `SAMLID` ones and
    /// `Reference`s with that `ValueType` SAML 2.0; a plain `Reference`
    /// names either.
    pub version: Option<SamlVersion>,
}

/// Read a `wsse:SecurityTokenReference` naming a SAML assertion: one
/// `wsse:KeyIdentifier` with `ValueType` `SAMLAssertionID` (1.1) or `SAMLID`
/// (2.0), or one `wsse:Reference` with a same-document `URI="#id"`. Anything
/// else is refused; resolving the ID is the caller's (in the message's own
/// tree, refusing duplicates).
pub fn saml_reference(str_node: Node<'_, '_>) -> Result<SamlReference, Error> {
    use crate::error::AuthError;
    use crate::wst::rstr::{SAML11_KEY_IDENTIFIER, SAML20_KEY_IDENTIFIER};
    if !str_node.has_tag_name((ns::WSSE, "SecurityTokenReference")) {
        return Err(AuthError::UnsupportedToken("not a SecurityTokenReference").into());
    }
    let mut kids = str_node.children().filter(Node::is_element);
    let r = match (kids.next(), kids.next()) {
        (Some(r), None) => r,
        _ => return Err(AuthError::Malformed("SecurityTokenReference").into()),
    };
    let value_type = r.attribute("ValueType").map(str::trim);
    let (id, version) = if r.has_tag_name((ns::WSSE, "KeyIdentifier")) {
        if let Some(enc) = r.attribute("EncodingType") {
            // An ID is plain text; a Base64 encoding makes no sense for it.
            if !enc.trim().is_empty() {
                return Err(AuthError::UnsupportedToken("KeyIdentifier EncodingType").into());
            }
        }
        let version = match value_type {
            Some(SAML11_KEY_IDENTIFIER) => SamlVersion::V11,
            Some(SAML20_KEY_IDENTIFIER) => SamlVersion::V20,
            _ => return Err(AuthError::UnsupportedToken("KeyIdentifier ValueType").into()),
        };
        (xml::whole_text(r).trim().to_owned(), Some(version))
    } else if r.has_tag_name((ns::WSSE, "Reference")) {
        let version = match value_type {
            None => None,
            Some(SAML20_KEY_IDENTIFIER) => Some(SamlVersion::V20),
            Some(SAML11_KEY_IDENTIFIER) => Some(SamlVersion::V11),
            Some(_) => return Err(AuthError::UnsupportedToken("Reference ValueType").into()),
        };
        let uri = r
            .attribute("URI")
            .ok_or(AuthError::Malformed("Reference URI"))?;
        let id = uri
            .trim()
            .strip_prefix('#')
            .ok_or(AuthError::UnresolvedReference)?;
        (id.to_owned(), version)
    } else {
        return Err(AuthError::UnsupportedToken("SecurityTokenReference form").into());
    };
    if id.is_empty() {
        return Err(AuthError::Malformed("SecurityTokenReference ID").into());
    }
    Ok(SamlReference { id, version })
}

/// The one token in a document: the root element if it is an assertion,
/// `EncryptedAssertion` or `EncryptedData`; otherwise the single element
/// inside the single `RequestedSecurityToken` (any WS-Trust version), or the
/// single assertion anywhere. More than one candidate is refused (a second
/// assertion beside the signed one).
pub fn find_token<'a, 'input>(doc: &'a Document<'input>) -> Result<Node<'a, 'input>, Error> {
    let root = doc.root_element();
    if is_token_element(root) {
        return Ok(root);
    }
    let mut rsts = doc.descendants().filter(|n| {
        n.tag_name().name() == "RequestedSecurityToken"
            && matches!(
                n.tag_name().namespace(),
                Some(ns::WST_2005 | ns::WST_13 | ns::WST_14)
            )
    });
    if let Some(rst) = rsts.next() {
        if rsts.next().is_some() {
            return Err(TokenError::Malformed("more than one RequestedSecurityToken").into());
        }
        return single_token_child(rst);
    }
    let mut tokens = doc.descendants().filter(|n| is_token_element(*n));
    let first = tokens.next().ok_or(TokenError::Malformed("no assertion"))?;
    if tokens.any(|n| !first.descendants().any(|d| d == n)) {
        return Err(TokenError::Wrapping("more than one assertion").into());
    }
    Ok(first)
}

/// The single element child of a token container (`ValidateTarget`,
/// `RenewTarget`, `CancelTarget`, `RequestedSecurityToken`, `OnBehalfOf`),
/// which must be a token element; anything beside it is refused.
pub fn single_token_child<'a, 'input>(
    container: Node<'a, 'input>,
) -> Result<Node<'a, 'input>, Error> {
    let mut kids = container.children().filter(Node::is_element);
    let token = kids
        .next()
        .ok_or(TokenError::Malformed("empty token container"))?;
    if kids.next().is_some() {
        return Err(TokenError::Wrapping("more than one element in the token container").into());
    }
    if !is_token_element(token) {
        return Err(TokenError::Malformed("not a SAML token").into());
    }
    Ok(token)
}

fn is_token_element(n: Node<'_, '_>) -> bool {
    is_assertion(n)
        || n.has_tag_name((ns::SAML2, "EncryptedAssertion"))
        || n.has_tag_name((ns::XENC, "EncryptedData"))
}

fn is_assertion(n: Node<'_, '_>) -> bool {
    assertion_version(n).is_some()
}

fn assertion_version(n: Node<'_, '_>) -> Option<SamlVersion> {
    if n.has_tag_name((ns::SAML2, "Assertion")) {
        Some(SamlVersion::V20)
    } else if n.has_tag_name((ns::SAML1, "Assertion")) {
        Some(SamlVersion::V11)
    } else {
        None
    }
}

/// The `xenc:EncryptedData` to decrypt, if `node` is an encrypted token.
fn encrypted_data<'a, 'input>(node: Node<'a, 'input>) -> Result<Option<Node<'a, 'input>>, Error> {
    if node.has_tag_name((ns::XENC, "EncryptedData")) {
        return Ok(Some(node));
    }
    if node.has_tag_name((ns::SAML2, "EncryptedAssertion")) {
        let mut data = node
            .children()
            .filter(|c| c.has_tag_name((ns::XENC, "EncryptedData")));
        let first = data.next().ok_or(TokenError::Malformed(
            "EncryptedAssertion without EncryptedData",
        ))?;
        if data.next().is_some() {
            return Err(TokenError::Malformed("two EncryptedData").into());
        }
        return Ok(Some(first));
    }
    Ok(None)
}

fn child<'a, 'input>(n: Node<'a, 'input>, ns_: &str, name: &str) -> Option<Node<'a, 'input>> {
    n.children().find(|c| c.has_tag_name((ns_, name)))
}

/// The only child `name`, refusing a second one.
fn one_child<'a, 'input>(
    n: Node<'a, 'input>,
    ns_: &str,
    name: &'static str,
) -> Result<Option<Node<'a, 'input>>, Error> {
    let mut it = n.children().filter(|c| c.has_tag_name((ns_, name)));
    let first = it.next();
    if it.next().is_some() {
        return Err(TokenError::Malformed(name).into());
    }
    Ok(first)
}

fn time_attr(n: Node<'_, '_>, name: &'static str) -> Result<Option<OffsetDateTime>, Error> {
    n.attribute(name)
        .map(|v| crate::instant::parse_utc(v).ok_or_else(|| TokenError::Malformed(name).into()))
        .transpose()
}

fn issuer_of(a: Node<'_, '_>, v: SamlVersion) -> Result<String, Error> {
    let issuer = match v {
        SamlVersion::V20 => {
            one_child(a, ns::SAML2, "Issuer")?.map(|i| xml::whole_text(i).trim().to_owned())
        }
        SamlVersion::V11 => a.attribute("Issuer").map(|s| s.trim().to_owned()),
    };
    issuer
        .filter(|s| !s.is_empty())
        .ok_or_else(|| TokenError::Malformed("Issuer").into())
}

fn name_id(n: Node<'_, '_>) -> Result<NameId, Error> {
    let value = xml::whole_text(n).trim().to_owned();
    if value.is_empty() {
        return Err(TokenError::Malformed("empty NameID").into());
    }
    Ok(NameId {
        value,
        format: n.attribute("Format").map(str::to_owned),
        name_qualifier: n.attribute("NameQualifier").map(str::to_owned),
    })
}

fn key_from_key_info(ki: Node<'_, '_>) -> Result<Option<PublicKey>, Error> {
    let b64 = |n: Node<'_, '_>| -> Result<Vec<u8>, Error> {
        let s: String = xml::whole_text(n)
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(|_| TokenError::Malformed("KeyInfo base64").into())
    };
    // Only the KeyInfo's own X509Data / KeyValue: a certificate inside an
    // `xenc:EncryptedKey` names the party the symmetric key is encrypted
    // for, not the proof key.
    let grandchild = |outer: &str, inner: &str| {
        ki.children()
            .filter(|c| c.has_tag_name((ns::DS, outer)))
            .flat_map(|c| c.children())
            .find(|n| n.has_tag_name((ns::DS, inner)))
    };
    if let Some(cert) = grandchild("X509Data", "X509Certificate") {
        let c = Certificate::from_der(&b64(cert)?)?;
        return Ok(Some(c.public_key().clone()));
    }
    if let Some(rsa) = grandchild("KeyValue", "RSAKeyValue") {
        let m = child(rsa, ns::DS, "Modulus").ok_or(TokenError::Malformed("Modulus"))?;
        let e = child(rsa, ns::DS, "Exponent").ok_or(TokenError::Malformed("Exponent"))?;
        return Ok(Some(PublicKey::from_components(&b64(m)?, &b64(e)?)?));
    }
    Ok(None)
}

/// Read an assertion element that has already been verified (never call it
/// on anything else); also the `xenc:EncryptedKey` of a symmetric
/// holder-of-key confirmation, if any.
fn read_assertion<'a, 'input>(
    a: Node<'a, 'input>,
    version: SamlVersion,
    signer: Certificate,
) -> Result<(ValidatedToken, Option<Node<'a, 'input>>), Error> {
    let id = xml::id_of(a)
        .ok_or(TokenError::Malformed("assertion ID"))?
        .to_owned();
    let issuer = issuer_of(a, version)?;
    let issue_instant =
        time_attr(a, "IssueInstant")?.ok_or(TokenError::Malformed("IssueInstant"))?;
    match version {
        SamlVersion::V20 if a.attribute("Version") != Some("2.0") => {
            return Err(TokenError::Malformed("Version").into())
        }
        SamlVersion::V11
            if a.attribute("MajorVersion") != Some("1")
                || a.attribute("MinorVersion") != Some("1") =>
        {
            return Err(TokenError::Malformed("MajorVersion/MinorVersion").into())
        }
        _ => {}
    }
    let saml = match version {
        SamlVersion::V20 => ns::SAML2,
        SamlVersion::V11 => ns::SAML1,
    };

    // Conditions
    let conditions =
        one_child(a, saml, "Conditions")?.ok_or(TokenError::Malformed("Conditions"))?;
    let mut not_before = time_attr(conditions, "NotBefore")?;
    let mut not_on_or_after =
        time_attr(conditions, "NotOnOrAfter")?.ok_or(TokenError::Malformed("NotOnOrAfter"))?;
    let restriction = match version {
        SamlVersion::V20 => "AudienceRestriction",
        SamlVersion::V11 => "AudienceRestrictionCondition",
    };
    let mut audience_restrictions = Vec::new();
    for c in conditions.children().filter(Node::is_element) {
        if c.has_tag_name((saml, restriction)) {
            let auds: Vec<String> = c
                .children()
                .filter(|n| n.has_tag_name((saml, "Audience")))
                .map(|n| xml::whole_text(n).trim().to_owned())
                .collect();
            if auds.is_empty() {
                return Err(TokenError::Malformed("empty audience restriction").into());
            }
            audience_restrictions.push(auds);
        } else if c.has_tag_name((saml, "OneTimeUse"))
            || c.has_tag_name((saml, "ProxyRestriction"))
            || c.has_tag_name((saml, "DoNotCacheCondition"))
        {
            // Understood and not restrictive for validation by the issuer.
        } else {
            // An unknown condition makes the assertion indeterminate.
            return Err(TokenError::Malformed("unknown condition").into());
        }
    }

    // Subject(s) and confirmation
    let mut subject: Option<NameId> = None;
    let mut confirmation_methods = Vec::new();
    let mut confirmation_key = None;
    let mut encrypted_key = None;
    let mut bearer_recipients = Vec::new();
    let mut subjects = Vec::new();
    match version {
        SamlVersion::V20 => {
            if let Some(s) = one_child(a, saml, "Subject")? {
                subjects.push(s);
            }
        }
        SamlVersion::V11 => {
            for st in a.children().filter(Node::is_element) {
                if st.tag_name().namespace() == Some(ns::SAML1) {
                    if let Some(s) = one_child(st, saml, "Subject")? {
                        subjects.push(s);
                    }
                }
            }
        }
    }
    for s in subjects {
        let nid_name = match version {
            SamlVersion::V20 => "NameID",
            SamlVersion::V11 => "NameIdentifier",
        };
        if child(s, saml, "EncryptedID").is_some() || child(s, saml, "BaseID").is_some() {
            return Err(TokenError::Malformed("unsupported subject identifier").into());
        }
        let nid = one_child(s, saml, nid_name)?.ok_or(TokenError::Malformed("NameID"))?;
        let nid = name_id(nid)?;
        match &subject {
            None => subject = Some(nid),
            Some(prev) if *prev == nid => {}
            Some(_) => {
                return Err(TokenError::Malformed("statements name different subjects").into())
            }
        }
        for sc in s
            .children()
            .filter(|n| n.has_tag_name((saml, "SubjectConfirmation")))
        {
            let (methods, key_holder): (Vec<String>, Option<Node<'a, 'input>>) = match version {
                SamlVersion::V20 => {
                    let m = sc
                        .attribute("Method")
                        .ok_or(TokenError::Malformed("SubjectConfirmation Method"))?;
                    let data = child(sc, saml, "SubjectConfirmationData");
                    if let Some(d) = data {
                        // Confirmation data carries its own window (SAML 2.0
                        // profiles): the shorter window wins.
                        if let Some(t) = time_attr(d, "NotOnOrAfter")? {
                            not_on_or_after = not_on_or_after.min(t);
                        }
                        if let Some(t) = time_attr(d, "NotBefore")? {
                            not_before = Some(not_before.map_or(t, |nb| nb.max(t)));
                        }
                    }
                    if m == CM_BEARER_2 {
                        bearer_recipients.push(
                            data.and_then(|d| d.attribute("Recipient"))
                                .map(|r| r.trim().to_owned()),
                        );
                    }
                    (vec![m.to_owned()], data)
                }
                SamlVersion::V11 => (
                    sc.children()
                        .filter(|n| n.has_tag_name((saml, "ConfirmationMethod")))
                        .map(|n| xml::whole_text(n).trim().to_owned())
                        .collect(),
                    Some(sc),
                ),
            };
            // Only a holder-of-key confirmation names the proof key; a key
            // under another method must not be taken for it.
            let holder_of_key = methods.iter().any(|m| m == CM_HOK_2 || m == CM_HOK_1);
            for m in methods {
                if !confirmation_methods.contains(&m) {
                    confirmation_methods.push(m);
                }
            }
            if let Some(h) = key_holder.filter(|_| holder_of_key) {
                if let Some(ki) = child(h, ns::DS, "KeyInfo") {
                    if confirmation_key.is_none() && encrypted_key.is_none() {
                        encrypted_key = one_child(ki, ns::XENC, "EncryptedKey")?;
                        if encrypted_key.is_none() {
                            confirmation_key = key_from_key_info(ki)?;
                        }
                    }
                }
            }
        }
    }
    let subject = subject.ok_or(TokenError::Malformed("Subject"))?;

    // Statements
    let mut authn = None;
    let mut attributes = Vec::new();
    let (authn_name, attr_name_attr, attr_ns_attr) = match version {
        SamlVersion::V20 => ("AuthnStatement", "Name", "NameFormat"),
        SamlVersion::V11 => (
            "AuthenticationStatement",
            "AttributeName",
            "AttributeNamespace",
        ),
    };
    for st in a.children().filter(Node::is_element) {
        if st.has_tag_name((saml, authn_name)) {
            if authn.is_some() {
                return Err(TokenError::Malformed("two authentication statements").into());
            }
            authn = Some(match version {
                SamlVersion::V20 => Authn {
                    method: st
                        .descendants()
                        .find(|n| n.has_tag_name((saml, "AuthnContextClassRef")))
                        .map(|n| xml::whole_text(n).trim().to_owned()),
                    instant: time_attr(st, "AuthnInstant")?,
                },
                SamlVersion::V11 => Authn {
                    method: st.attribute("AuthenticationMethod").map(str::to_owned),
                    instant: time_attr(st, "AuthenticationInstant")?,
                },
            });
        } else if st.has_tag_name((saml, "AttributeStatement")) {
            for at in st.children().filter(Node::is_element) {
                if at.has_tag_name((saml, "Attribute")) {
                    let name = at
                        .attribute(attr_name_attr)
                        .ok_or(TokenError::Malformed("Attribute name"))?;
                    attributes.push(Attribute {
                        name: name.to_owned(),
                        namespace: at.attribute(attr_ns_attr).map(str::to_owned),
                        values: at
                            .children()
                            .filter(|n| n.has_tag_name((saml, "AttributeValue")))
                            .map(|n| xml::whole_text(n).into_owned())
                            .collect(),
                    });
                } else if at.has_tag_name((saml, "EncryptedAttribute")) {
                    return Err(TokenError::Malformed("encrypted attribute").into());
                }
            }
        }
    }

    Ok((
        ValidatedToken {
            version,
            id,
            issuer,
            issue_instant,
            subject,
            audience_restrictions,
            not_before,
            not_on_or_after,
            confirmation_methods,
            bearer_recipients,
            confirmation_key,
            symmetric_key: None,
            authn,
            attributes,
            signer,
        },
        encrypted_key,
    ))
}
