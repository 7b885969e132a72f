//! WS-Security 1.0/1.1 header processing on the request's parsed tree:
//! `wsu:Timestamp`, `wsse:UsernameToken` (PasswordText and PasswordDigest),
//! `wsse:BinarySecurityToken` (X509v3) with a `ds:Signature` resolved through
//! `wsse:SecurityTokenReference`.
//!
//! [`SecurityHeader::parse`] reads the one `wsse:Security` header into typed
//! parts (each at most once), refusing duplicates and anything it does not
//! understand; the checks ([`Timestamp::check`], [`UsernameToken::check_fresh`],
//! [`resolve_signing_certificate`], [`check_certificate`], [`trusted_anchor`])
//! take the host's `now`, [`WssSettings`] and host traits.
//! [`crate::auth::authenticate`] ties them together with the user store,
//! lockout and policy.
//!
//! ```
//! use wstrust::wss::password_digest;
//! use base64::Engine as _;
//! // Vector computed independently (Python hashlib):
//! let nonce = base64::engine::general_purpose::STANDARD.decode("LKqI6G/AikKCQrN0zqZFlg==").unwrap();
//! let d = password_digest(&nonce, "2010-09-16T07:50:45.000Z", b"verySecret");
//! assert_eq!(base64::engine::general_purpose::STANDARD.encode(d), "2MlzPNX2mB/Tk790Im9o1Pi9X2Q=");
//! ```

pub use crate::chain::TrustedBy;
use crate::error::{AuthError, Error};
use crate::host::{Credential, ReplayCache, Secret};
use crate::instant::later;
use crate::keys::Certificate;
use crate::xml::{self, ns};
use base64::Engine as _;
use roxmltree::{Document, Node};
use sha1::Digest as _;
use std::time::Duration;
use time::OffsetDateTime;

/// `wsse:Password/@Type` for a cleartext password.
pub const PASSWORD_TEXT: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText";
/// `wsse:Password/@Type` for a digest.
pub const PASSWORD_DIGEST: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest";
/// `EncodingType` Base64Binary.
pub const BASE64_BINARY: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
/// `ValueType` of an X.509 v3 BinarySecurityToken.
pub const X509V3: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3";
/// `ValueType` of a subject-key-identifier KeyIdentifier.
pub const X509_SKI: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509SubjectKeyIdentifier";
/// `ValueType` of a SHA-1 thumbprint KeyIdentifier (WS-Security 1.1).
pub const THUMBPRINT_SHA1: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1";

/// Default maximum age of a Timestamp's or UsernameToken's `Created`: five
/// minutes, as WSS4J.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(5 * 60);
/// Longest nonce accepted, in bytes after base64 decoding (WS-Security
/// clients send 16).
pub const MAX_NONCE_LEN: usize = 128;
/// Most BinarySecurityTokens in one Security header.
pub const MAX_BINARY_TOKENS: usize = 4;

/// Settings of WS-Security header processing.
///
/// # Defaults
/// | field | default |
/// |---|---|
/// | `clock_skew` | [`crate::limits::DEFAULT_CLOCK_SKEW`] (5 minutes) |
/// | `max_age` | [`DEFAULT_MAX_AGE`] (5 minutes) |
/// | `trust_anchors` | none (every X.509 signature fails) |
/// | `pinned_certificates` | none |
/// | `intermediates` | none |
/// | `known_certificates` | none |
/// | `account_anchors` | `None`: every trust anchor names accounts |
/// | `allow_sha1` | `false`: SHA-256/384/512 signatures and digests only |
#[derive(Debug, Clone)]
pub struct WssSettings {
    /// Clock skew tolerated each side of a validity window.
    pub clock_skew: Duration,
    /// Oldest `Created` accepted (plus the skew).
    pub max_age: Duration,
    /// Trust anchors. An anchor that is an X.509 v3 CA certificate
    /// (basicConstraints `cA` TRUE, keyCertSign if it has a keyUsage)
    /// issues: it vouches for the certificates it signs, directly or
    /// through [`Self::intermediates`] ([`TrustedBy::Issuer`]). Any other
    /// anchor (a client's own certificate) is pinned: it authenticates
    /// itself and never issues. Every anchor authenticates itself when
    /// presented, whatever subject and issuer DNs it claims
    /// ([`TrustedBy::Pinned`]). See [`crate::chain`].
    pub trust_anchors: Vec<Certificate>,
    /// Pinned certificates: each authenticates itself, and never issues
    /// even if it says it is a CA (as `openssl req -x509` certificates do by
    /// default). Pin a client's self-signed certificate here rather than
    /// in [`Self::trust_anchors`].
    pub pinned_certificates: Vec<Certificate>,
    /// Intermediate CA certificates a path from a client certificate to a
    /// CA anchor may pass through (at most
    /// [`crate::chain::MAX_INTERMEDIATES`]). Only these: intermediates in
    /// the message are not used. They are trusted only through a path to
    /// an anchor.
    pub intermediates: Vec<Certificate>,
    /// Client certificates a `KeyIdentifier` or `X509IssuerSerial` may name
    /// without the message carrying them (still checked against the
    /// anchors). The anchors and pinned certificates are looked up too.
    pub known_certificates: Vec<Certificate>,
    /// The trust anchors whose certificates name accounts. A certificate
    /// maps onto the user-store account named by its subject DN, and
    /// matches a trusted intermediary listed by DN, only when one of these
    /// anchors (compared with [`TrustedBy::anchor`]) trusts it; any other
    /// anchor's certificate authenticates only as itself: an X.509
    /// principal qualified by its anchor, without roles, never an
    /// intermediary (list a certificate intermediary as a user-store
    /// account named by its DN). `None`: every trust anchor names accounts,
    /// each vouching for every subject DN it issues (or, pinned, claims),
    /// as in plain chain trust. Set it when an anchor (a partner's CA, a
    /// pinned partner certificate) must not name your accounts.
    pub account_anchors: Option<Vec<Certificate>>,
    /// Accept SHA-1: RSA-SHA1 request signatures, SHA-1 reference digests
    /// and SHA-1 signatures on client and intermediate certificates (not
    /// HMAC-SHA1). Only for legacy clients that cannot do better (the
    /// WS-SecurityPolicy Basic256 suite of older WCF and WSS4J clients):
    /// SHA-1 collisions are practical, so a signer may get a second
    /// message, or a CA a second certificate, to match its signature. Set it
    /// on the one endpoint (the one [`crate::sts::Sts`]) that serves such
    /// clients.
    pub allow_sha1: bool,
}

impl Default for WssSettings {
    fn default() -> Self {
        Self {
            clock_skew: crate::limits::DEFAULT_CLOCK_SKEW,
            max_age: DEFAULT_MAX_AGE,
            trust_anchors: Vec::new(),
            pinned_certificates: Vec::new(),
            intermediates: Vec::new(),
            known_certificates: Vec::new(),
            account_anchors: None,
            allow_sha1: false,
        }
    }
}

impl WssSettings {
    /// The certificate-path inputs of these settings ([`crate::chain`]).
    pub fn anchors(&self) -> crate::chain::Anchors<'_> {
        crate::chain::Anchors {
            anchors: &self.trust_anchors,
            pinned: &self.pinned_certificates,
            intermediates: &self.intermediates,
            allow_sha1: self.allow_sha1,
            clock_skew: self.clock_skew,
        }
    }

    /// Whether `cert` is one of the trust anchors or pinned certificates.
    pub fn is_anchor(&self, cert: &Certificate) -> bool {
        self.trust_anchors.contains(cert) || self.pinned_certificates.contains(cert)
    }

    /// How long a nonce must be remembered: a `Created` is accepted from
    /// `now - max_age - skew` to `now + skew`, so a replay can come up to
    /// `max_age + 2 * skew` later.
    pub fn nonce_ttl(&self) -> Duration {
        self.max_age
            .saturating_add(self.clock_skew)
            .saturating_add(self.clock_skew)
    }
}

/// `Base64(SHA-1(nonce + created + password))` as raw bytes: the
/// UsernameToken Profile's password digest.
pub fn password_digest(nonce: &[u8], created: &str, password: &[u8]) -> [u8; 20] {
    let mut h = sha1::Sha1::new();
    h.update(nonce);
    h.update(created.as_bytes());
    h.update(password);
    h.finalize().into()
}

/// Parse an `xsd:dateTime` as WS-Security uses it (RFC 3339 with an offset,
/// normally `Z`).
pub fn parse_time(text: &str, what: &'static str) -> Result<OffsetDateTime, Error> {
    crate::instant::parse_utc(text).ok_or_else(|| AuthError::Malformed(what).into())
}

fn is(node: Node<'_, '_>, namespace: &str, name: &str) -> bool {
    node.is_element() && node.has_tag_name((namespace, name))
}

/// The one element child named `(namespace, name)`, if any; two is an error.
fn only_child<'a, 'input>(
    node: Node<'a, 'input>,
    namespace: &str,
    name: &str,
    what: &'static str,
) -> Result<Option<Node<'a, 'input>>, Error> {
    let mut found = None;
    for c in node.children().filter(|c| is(*c, namespace, name)) {
        if found.replace(c).is_some() {
            return Err(AuthError::Duplicate(what).into());
        }
    }
    Ok(found)
}

fn decode_b64(text: &str, what: &'static str) -> Result<Vec<u8>, Error> {
    let clean: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(clean)
        .map_err(|_| AuthError::Malformed(what).into())
}

fn check_encoding(node: Node<'_, '_>, what: &'static str) -> Result<(), Error> {
    match node.attribute("EncodingType") {
        None | Some(BASE64_BINARY) => Ok(()),
        Some(_) => Err(AuthError::UnsupportedToken(what).into()),
    }
}

/// A `wsu:Timestamp`.
#[derive(Debug, Clone)]
pub struct Timestamp<'a, 'input> {
    /// The element.
    pub node: Node<'a, 'input>,
    /// `wsu:Created`.
    pub created: OffsetDateTime,
    /// `wsu:Expires`, if present.
    pub expires: Option<OffsetDateTime>,
}

impl<'a, 'input> Timestamp<'a, 'input> {
    /// Read a `wsu:Timestamp` element (Created required, at most one each).
    pub fn parse(node: Node<'a, 'input>) -> Result<Self, Error> {
        for c in node.children().filter(Node::is_element) {
            if !(is(c, ns::WSU, "Created") || is(c, ns::WSU, "Expires")) {
                return Err(AuthError::Malformed("Timestamp").into());
            }
        }
        let created = only_child(node, ns::WSU, "Created", "Timestamp/Created")?
            .ok_or(AuthError::Missing("Timestamp/Created"))?;
        let created = parse_time(&xml::whole_text(created), "Timestamp/Created")?;
        let expires = only_child(node, ns::WSU, "Expires", "Timestamp/Expires")?
            .map(|e| parse_time(&xml::whole_text(e), "Timestamp/Expires"))
            .transpose()?;
        Ok(Self {
            node,
            created,
            expires,
        })
    }

    /// Check the window against `now`: not created in the future (beyond the
    /// skew), not older than `max_age` (plus skew), not expired (minus skew),
    /// and Expires after Created.
    pub fn check(&self, now: OffsetDateTime, settings: &WssSettings) -> Result<(), Error> {
        if let Some(expires) = self.expires {
            if expires <= self.created {
                return Err(AuthError::InvalidTime("Timestamp Expires before Created").into());
            }
            if later(expires, settings.clock_skew) <= now {
                return Err(AuthError::Expired("Timestamp expired").into());
            }
        }
        check_created(self.created, now, settings, "Timestamp")
    }
}

fn check_created(
    created: OffsetDateTime,
    now: OffsetDateTime,
    settings: &WssSettings,
    what: &'static str,
) -> Result<(), Error> {
    let skew = settings.clock_skew;
    if created > later(now, skew) {
        return Err(AuthError::InvalidTime(what).into());
    }
    if later(created, skew.saturating_add(settings.max_age)) < now {
        return Err(AuthError::Expired(what).into());
    }
    Ok(())
}

/// The password of a UsernameToken.
#[derive(Debug)]
#[non_exhaustive]
pub enum Password {
    /// `PasswordText`.
    Text(Secret),
    /// `PasswordDigest` (decoded).
    Digest(Vec<u8>),
}

/// A `wsse:UsernameToken`.
#[derive(Debug)]
pub struct UsernameToken<'a, 'input> {
    /// The element.
    pub node: Node<'a, 'input>,
    /// `wsse:Username` (whole text, trimmed).
    pub username: String,
    /// `wsse:Password`, if any.
    pub password: Option<Password>,
    /// `wsse:Nonce` (decoded), if any.
    pub nonce: Option<Vec<u8>>,
    /// `wsu:Created`: the text as sent (it is hashed) and its value.
    pub created: Option<(String, OffsetDateTime)>,
}

impl<'a, 'input> UsernameToken<'a, 'input> {
    /// Read a `wsse:UsernameToken` (each child at most once; a digest needs
    /// Nonce and Created).
    pub fn parse(node: Node<'a, 'input>) -> Result<Self, Error> {
        for c in node.children().filter(Node::is_element) {
            let known = is(c, ns::WSSE, "Username")
                || is(c, ns::WSSE, "Password")
                || is(c, ns::WSSE, "Nonce")
                || is(c, ns::WSU, "Created");
            if !known {
                return Err(AuthError::UnsupportedToken("UsernameToken element").into());
            }
        }
        let username = only_child(node, ns::WSSE, "Username", "Username")?
            .ok_or(AuthError::Missing("Username"))?;
        let username = xml::whole_text(username).trim().to_owned();
        if username.is_empty() {
            return Err(AuthError::Missing("Username").into());
        }
        let nonce = match only_child(node, ns::WSSE, "Nonce", "Nonce")? {
            Some(n) => {
                check_encoding(n, "Nonce EncodingType")?;
                let bytes = decode_b64(&xml::whole_text(n), "Nonce")?;
                if bytes.is_empty() || bytes.len() > MAX_NONCE_LEN {
                    return Err(AuthError::Malformed("Nonce length").into());
                }
                Some(bytes)
            }
            None => None,
        };
        let created = match only_child(node, ns::WSU, "Created", "UsernameToken/Created")? {
            Some(c) => {
                let text = xml::whole_text(c).into_owned();
                let t = parse_time(&text, "UsernameToken/Created")?;
                Some((text, t))
            }
            None => None,
        };
        let password = match only_child(node, ns::WSSE, "Password", "Password")? {
            None => None,
            Some(p) => {
                let text = xml::whole_text(p);
                match p.attribute("Type").map(str::trim) {
                    None | Some(PASSWORD_TEXT) => {
                        Some(Password::Text(Secret::new(text.as_bytes().to_vec())))
                    }
                    Some(PASSWORD_DIGEST) => {
                        if nonce.is_none() {
                            return Err(AuthError::Missing("Nonce (required with a digest)").into());
                        }
                        if created.is_none() {
                            return Err(
                                AuthError::Missing("Created (required with a digest)").into()
                            );
                        }
                        Some(Password::Digest(decode_b64(&text, "PasswordDigest")?))
                    }
                    Some(_) => return Err(AuthError::UnsupportedToken("Password Type").into()),
                }
            }
        };
        Ok(Self {
            node,
            username,
            password,
            nonce,
            created,
        })
    }

    /// Freshness: [`check_created`](Self::check_created), then
    /// [`spend_nonce`](Self::spend_nonce). [`crate::auth`] runs the two
    /// apart, the nonce only once the password is verified, so unauthenticated
    /// requests cannot fill the replay cache.
    pub fn check_fresh(
        &self,
        now: OffsetDateTime,
        settings: &WssSettings,
        replay: &dyn ReplayCache,
    ) -> Result<(), Error> {
        self.check_created(now, settings)?;
        self.spend_nonce(now, settings, replay)
    }

    /// `Created` (if present) inside the window.
    pub fn check_created(&self, now: OffsetDateTime, settings: &WssSettings) -> Result<(), Error> {
        if let Some((_, created)) = &self.created {
            check_created(*created, now, settings, "UsernameToken Created")?;
        }
        Ok(())
    }

    /// The nonce (if present) never seen before within its TTL, and now
    /// recorded in `replay` (atomically: of two concurrent uses one fails).
    pub fn spend_nonce(
        &self,
        now: OffsetDateTime,
        settings: &WssSettings,
        replay: &dyn ReplayCache,
    ) -> Result<(), Error> {
        if let Some(nonce) = &self.nonce {
            let key = format!(
                "wss:nonce:{}",
                base64::engine::general_purpose::STANDARD.encode(nonce)
            );
            if !replay.insert_if_absent(&key, settings.nonce_ttl(), now)? {
                return Err(AuthError::Replay("UsernameToken nonce").into());
            }
        }
        Ok(())
    }

    /// The credential to hand to the user store, if a password is present.
    pub fn credential(&self) -> Option<Credential<'_>> {
        match &self.password {
            None => None,
            Some(Password::Text(s)) => Some(Credential::Password(s)),
            Some(Password::Digest(d)) => match (&self.nonce, &self.created) {
                (Some(nonce), Some((created, _))) => Some(Credential::PasswordDigest {
                    digest: d,
                    nonce,
                    created,
                }),
                _ => None,
            },
        }
    }
}

/// A `wsse:BinarySecurityToken` carrying an X.509 v3 certificate.
#[derive(Debug, Clone)]
pub struct BinarySecurityToken<'a, 'input> {
    /// The element.
    pub node: Node<'a, 'input>,
    /// Its `wsu:Id`, if any.
    pub id: Option<&'a str>,
    /// The certificate.
    pub certificate: Certificate,
}

impl<'a, 'input> BinarySecurityToken<'a, 'input> {
    /// Read an X509v3 BinarySecurityToken.
    pub fn parse(node: Node<'a, 'input>) -> Result<Self, Error> {
        if node.attribute("ValueType").map(str::trim) != Some(X509V3) {
            return Err(AuthError::UnsupportedToken("BinarySecurityToken ValueType").into());
        }
        check_encoding(node, "BinarySecurityToken EncodingType")?;
        let der = decode_b64(&xml::whole_text(node), "BinarySecurityToken")?;
        let certificate =
            Certificate::from_der(&der).map_err(|_| AuthError::Malformed("X.509 certificate"))?;
        Ok(Self {
            node,
            id: xml::id_of(node),
            certificate,
        })
    }
}

/// The one `wsse:Security` header of a request, read into its parts.
#[derive(Debug)]
pub struct SecurityHeader<'a, 'input> {
    /// The `wsse:Security` element.
    pub node: Node<'a, 'input>,
    /// `wsu:Timestamp`.
    pub timestamp: Option<Timestamp<'a, 'input>>,
    /// `wsse:UsernameToken`.
    pub username_token: Option<UsernameToken<'a, 'input>>,
    /// X509v3 `wsse:BinarySecurityToken`s (at most [`MAX_BINARY_TOKENS`]).
    pub binary_tokens: Vec<BinarySecurityToken<'a, 'input>>,
    /// `ds:Signature`.
    pub signature: Option<Node<'a, 'input>>,
    /// A SAML 1.1 or 2.0 `Assertion`.
    pub assertion: Option<Node<'a, 'input>>,
}

impl<'a, 'input> SecurityHeader<'a, 'input> {
    /// The one `wsse:Security` header among `headers` (the SOAP header
    /// blocks targeted at this node, [`crate::soap::Message::header_blocks`]:
    /// a Security header for another actor or role is not this STS's):
    /// `Ok(None)` if there is none, an error if there are two.
    pub fn find(
        headers: impl IntoIterator<Item = Node<'a, 'input>>,
    ) -> Result<Option<Node<'a, 'input>>, Error> {
        let mut found = None;
        for h in headers {
            let is_security = h.tag_name().name() == "Security"
                && matches!(h.tag_name().namespace(), Some(ns::WSSE | ns::WSSE11));
            if is_security && found.replace(h).is_some() {
                return Err(AuthError::Duplicate("Security header").into());
            }
        }
        Ok(found)
    }

    /// Read the children of a `wsse:Security` element. Each kind of token
    /// appears at most once (BinarySecurityTokens up to
    /// [`MAX_BINARY_TOKENS`]); encrypted parts and unknown elements are
    /// refused rather than skipped.
    pub fn parse(node: Node<'a, 'input>) -> Result<Self, Error> {
        if node.tag_name().namespace() != Some(ns::WSSE) {
            return Err(AuthError::UnsupportedToken("Security header namespace").into());
        }
        let mut out = Self {
            node,
            timestamp: None,
            username_token: None,
            binary_tokens: Vec::new(),
            signature: None,
            assertion: None,
        };
        for c in node.children() {
            if c.is_text() && c.text().is_some_and(|t| !t.trim().is_empty()) {
                return Err(AuthError::Malformed("text in Security header").into());
            }
            if !c.is_element() {
                continue;
            }
            let name = c.tag_name();
            match (name.namespace(), name.name()) {
                (Some(ns::WSU), "Timestamp") => {
                    if out.timestamp.is_some() {
                        return Err(AuthError::Duplicate("Timestamp").into());
                    }
                    out.timestamp = Some(Timestamp::parse(c)?);
                }
                (Some(ns::WSSE), "UsernameToken") => {
                    if out.username_token.is_some() {
                        return Err(AuthError::Duplicate("UsernameToken").into());
                    }
                    out.username_token = Some(UsernameToken::parse(c)?);
                }
                (Some(ns::WSSE), "BinarySecurityToken") => {
                    if out.binary_tokens.len() >= MAX_BINARY_TOKENS {
                        return Err(AuthError::Duplicate("BinarySecurityToken").into());
                    }
                    out.binary_tokens.push(BinarySecurityToken::parse(c)?);
                }
                (Some(ns::DS), "Signature") => {
                    if out.signature.replace(c).is_some() {
                        return Err(AuthError::Duplicate("Signature").into());
                    }
                }
                (Some(ns::SAML1 | ns::SAML2), "Assertion") => {
                    if out.assertion.replace(c).is_some() {
                        return Err(AuthError::Duplicate("Assertion").into());
                    }
                }
                (Some(ns::XENC | ns::XENC11), _) | (Some(ns::WSSE11), "EncryptedHeader") => {
                    return Err(
                        AuthError::UnsupportedToken("encrypted Security header part").into(),
                    )
                }
                _ => return Err(AuthError::UnsupportedToken("Security header element").into()),
            }
        }
        Ok(out)
    }
}

/// Whether `cert` is trusted at `now` ([`trusted_anchor`]).
pub fn check_certificate(
    cert: &Certificate,
    now: OffsetDateTime,
    settings: &WssSettings,
) -> Result<(), Error> {
    trusted_anchor(cert, now, settings).map(|_| ())
}

/// The trust anchor that vouches for `cert` at `now`, by
/// [`crate::chain::verify`] over the settings' trust anchors, pinned
/// certificates and intermediates: pinned if it is one of the anchors or
/// pinned certificates itself, else the CA anchor at the root of a valid
/// path (only v3 CA certificates issue; pinned certificates never do).
pub fn trusted_anchor<'s>(
    cert: &Certificate,
    now: OffsetDateTime,
    settings: &'s WssSettings,
) -> Result<TrustedBy<'s>, Error> {
    crate::chain::verify(cert, now, &settings.anchors())
}

/// Resolve the certificate a `ds:Signature`'s `ds:KeyInfo` names through a
/// `wsse:SecurityTokenReference`: a `wsse:Reference` to a
/// BinarySecurityToken of this header, a `KeyIdentifier` (X509v3,
/// X509SubjectKeyIdentifier, ThumbprintSHA1) or `ds:X509IssuerSerial`, as
/// [`resolve_token_reference`] does.
pub fn resolve_signing_certificate(
    doc: &Document<'_>,
    header: &SecurityHeader<'_, '_>,
    signature: Node<'_, '_>,
    settings: &WssSettings,
) -> Result<Certificate, Error> {
    let key_info = only_child(signature, ns::DS, "KeyInfo", "KeyInfo")?
        .ok_or(AuthError::Missing("Signature KeyInfo"))?;
    let mut children = key_info.children().filter(Node::is_element);
    let str_node = match (children.next(), children.next()) {
        (Some(s), None) if is(s, ns::WSSE, "SecurityTokenReference") => s,
        _ => {
            return Err(AuthError::UnsupportedToken(
                "KeyInfo other than one SecurityTokenReference",
            )
            .into())
        }
    };
    resolve_token_reference(doc, header, str_node, settings)
}

/// Resolve a `wsse:SecurityTokenReference` (`str_node`, anywhere in `doc`,
/// the request's one parsed tree) to an X.509 certificate: a
/// `wsse:Reference` to a BinarySecurityToken of `header`; a `KeyIdentifier`
/// carrying the certificate itself (`X509v3`, as WSS4J sends it); or a
/// `KeyIdentifier` (X509SubjectKeyIdentifier, ThumbprintSHA1) or
/// `ds:X509IssuerSerial` (WSS4J's default) matched against the header's
/// tokens, then the settings' known certificates, trust anchors and pinned
/// certificates.
///
/// Resolution names a certificate; it proves nothing about who holds its
/// key (see [`resolve_signing_certificate`] for the signature's own).
pub fn resolve_token_reference(
    doc: &Document<'_>,
    header: &SecurityHeader<'_, '_>,
    str_node: Node<'_, '_>,
    settings: &WssSettings,
) -> Result<Certificate, Error> {
    if !is(str_node, ns::WSSE, "SecurityTokenReference") {
        return Err(AuthError::UnsupportedToken("not a SecurityTokenReference").into());
    }
    let mut refs = str_node.children().filter(Node::is_element);
    let r = match (refs.next(), refs.next()) {
        (Some(r), None) => r,
        _ => return Err(AuthError::Malformed("SecurityTokenReference").into()),
    };
    // The message's certificates first, then those the host configured:
    // whichever is named must still chain to an anchor (or be one).
    let candidates = || {
        header
            .binary_tokens
            .iter()
            .map(|b| &b.certificate)
            .chain(settings.known_certificates.iter())
            .chain(settings.trust_anchors.iter())
            .chain(settings.pinned_certificates.iter())
    };
    if is(r, ns::WSSE, "Reference") {
        let uri = r
            .attribute("URI")
            .ok_or(AuthError::Malformed("Reference URI"))?;
        if let Some(vt) = r.attribute("ValueType") {
            if vt.trim() != X509V3 {
                return Err(AuthError::UnsupportedToken("Reference ValueType").into());
            }
        }
        let id = uri
            .strip_prefix('#')
            .ok_or(AuthError::UnresolvedReference)?;
        let target = xml::find_by_id(doc, id).map_err(|e| match e {
            Error::Xml(crate::error::XmlError::UnknownId(_)) => {
                AuthError::UnresolvedReference.into()
            }
            other => other,
        })?;
        // Only a token of this very header: not one hidden elsewhere.
        return header
            .binary_tokens
            .iter()
            .find(|b| b.node.id() == target.id())
            .map(|b| b.certificate.clone())
            .ok_or_else(|| AuthError::UnresolvedReference.into());
    }
    if is(r, ns::WSSE, "KeyIdentifier") {
        check_encoding(r, "KeyIdentifier EncodingType")?;
        let value = decode_b64(&xml::whole_text(r), "KeyIdentifier")?;
        let found = match r.attribute("ValueType").map(str::trim) {
            Some(X509_SKI) => candidates()
                .find(|c| c.subject_key_id() == Some(value.as_slice()))
                .cloned(),
            Some(THUMBPRINT_SHA1) => candidates()
                .find(|c| c.sha1_thumbprint().as_slice() == value.as_slice())
                .cloned(),
            // The whole certificate (WSS4J's `X509KeyIdentifier`), as a
            // BinarySecurityToken would carry it.
            Some(X509V3) => Some(
                Certificate::from_der(&value)
                    .map_err(|_| AuthError::Malformed("X.509 certificate"))?,
            ),
            _ => return Err(AuthError::UnsupportedToken("KeyIdentifier ValueType").into()),
        };
        return found.ok_or_else(|| AuthError::UnresolvedReference.into());
    }
    if is(r, ns::DS, "X509Data") {
        let is_node = only_child(r, ns::DS, "X509IssuerSerial", "X509IssuerSerial")?.ok_or(
            AuthError::UnsupportedToken("X509Data without X509IssuerSerial"),
        )?;
        let name = only_child(is_node, ns::DS, "X509IssuerName", "X509IssuerName")?
            .ok_or(AuthError::Malformed("X509IssuerName"))?;
        let serial = only_child(is_node, ns::DS, "X509SerialNumber", "X509SerialNumber")?
            .ok_or(AuthError::Malformed("X509SerialNumber"))?;
        let name = xml::whole_text(name);
        let serial = xml::whole_text(serial).trim().to_owned();
        return candidates()
            .find(|c| crate::dn::same_name(c.issuer(), &name) && c.serial_decimal() == serial)
            .cloned()
            .ok_or_else(|| AuthError::UnresolvedReference.into());
    }
    Err(AuthError::UnsupportedToken("SecurityTokenReference form").into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryReplayCache;
    use crate::Limits;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);

    fn sec(inner: &str) -> String {
        format!(
            r#"<wsse:Security xmlns:wsse="{}" xmlns:wsu="{}">{inner}</wsse:Security>"#,
            ns::WSSE,
            ns::WSU
        )
    }

    fn ts(created: &str, expires: &str) -> String {
        format!("<wsu:Timestamp><wsu:Created>{created}</wsu:Created><wsu:Expires>{expires}</wsu:Expires></wsu:Timestamp>")
    }

    fn with_header<T>(
        inner: &str,
        f: impl FnOnce(Result<SecurityHeader<'_, '_>, Error>) -> T,
    ) -> T {
        let text = sec(inner);
        let doc = xml::parse(&text, &Limits::default()).unwrap();
        f(SecurityHeader::parse(doc.root_element()))
    }

    #[test]
    fn timestamp_window() {
        let s = WssSettings::default();
        let check = |c: &str, e: &str| {
            with_header(&ts(c, e), |h| h.unwrap().timestamp.unwrap().check(NOW, &s))
        };
        assert!(check("2026-03-01T11:59:00Z", "2026-03-01T12:04:00Z").is_ok());
        // fractional seconds and offsets
        assert!(check("2026-03-01T11:59:00.123Z", "2026-03-01T13:04:00+01:00").is_ok());
        // expired (beyond skew)
        assert!(matches!(
            check("2026-03-01T11:40:00Z", "2026-03-01T11:54:59Z"),
            Err(Error::Auth(AuthError::Expired(_)))
        ));
        // expired but within skew
        assert!(check("2026-03-01T11:58:00Z", "2026-03-01T11:59:00Z").is_ok());
        // created in the future beyond skew
        assert!(matches!(
            check("2026-03-01T12:06:00Z", "2026-03-01T12:10:00Z"),
            Err(Error::Auth(AuthError::InvalidTime(_)))
        ));
        // too old even though Expires is far away
        assert!(matches!(
            check("2026-03-01T11:49:00Z", "2026-03-02T00:00:00Z"),
            Err(Error::Auth(AuthError::Expired(_)))
        ));
        // inverted
        assert!(matches!(
            check("2026-03-01T12:00:00Z", "2026-03-01T11:59:00Z"),
            Err(Error::Auth(AuthError::InvalidTime(_)))
        ));
        // garbage, missing Created, duplicates, comment-split text
        assert!(with_header(
            &ts("yesterday", "2026-03-01T12:04:00Z"),
            |h| matches!(h, Err(Error::Auth(AuthError::Malformed(_))))
        ));
        assert!(with_header(
            "<wsu:Timestamp><wsu:Expires>2026-03-01T12:04:00Z</wsu:Expires></wsu:Timestamp>",
            |h| h.is_err()
        ));
        assert!(with_header(
            &(ts("2026-03-01T11:59:00Z", "2026-03-01T12:04:00Z")
                + &ts("2026-03-01T11:59:00Z", "2026-03-01T12:04:00Z")),
            |h| matches!(h, Err(Error::Auth(AuthError::Duplicate("Timestamp"))))
        ));
        let c = with_header(
            "<wsu:Timestamp><wsu:Created>2026-03-01T11:<!---->59:00Z</wsu:Created></wsu:Timestamp>",
            |h| h.unwrap().timestamp.unwrap().created,
        );
        assert_eq!(c, datetime!(2026-03-01 11:59 UTC));
    }

    fn ut(user: &str, pw: &str, ty: &str, nonce: Option<&[u8]>, created: Option<&str>) -> String {
        let mut s = format!("<wsse:UsernameToken><wsse:Username>{user}</wsse:Username><wsse:Password Type=\"{ty}\">{pw}</wsse:Password>");
        if let Some(n) = nonce {
            s += &format!(
                "<wsse:Nonce>{}</wsse:Nonce>",
                base64::engine::general_purpose::STANDARD.encode(n)
            );
        }
        if let Some(c) = created {
            s += &format!("<wsu:Created>{c}</wsu:Created>");
        }
        s + "</wsse:UsernameToken>"
    }

    #[test]
    fn username_token_digest_and_replay() {
        let created = "2026-03-01T11:59:30Z";
        let nonce = b"0123456789abcdef";
        let d = base64::engine::general_purpose::STANDARD
            .encode(password_digest(nonce, created, b"pw"));
        let text = ut("alice", &d, PASSWORD_DIGEST, Some(nonce), Some(created));
        let cache = MemoryReplayCache::new(10);
        let s = WssSettings::default();
        with_header(&text, |h| {
            let h = h.unwrap();
            let t = h.username_token.unwrap();
            assert_eq!(t.username, "alice");
            assert!(t.credential().unwrap().matches(&Secret::new("pw")));
            assert!(!t.credential().unwrap().matches(&Secret::new("pw2")));
            t.check_fresh(NOW, &s, &cache).unwrap();
            assert!(matches!(
                t.check_fresh(NOW, &s, &cache),
                Err(Error::Auth(AuthError::Replay(_)))
            ));
            // stale Created
            let late = NOW + time::Duration::minutes(11);
            assert!(matches!(
                t.check_fresh(late, &s, &cache),
                Err(Error::Auth(AuthError::Expired(_)))
            ));
            // future Created
            let early = NOW - time::Duration::minutes(6);
            assert!(matches!(
                t.check_fresh(early, &s, &cache),
                Err(Error::Auth(AuthError::InvalidTime(_)))
            ));
        });
        // digest without nonce or created
        let text = ut("alice", &d, PASSWORD_DIGEST, None, Some(created));
        assert!(with_header(&text, |h| matches!(
            h,
            Err(Error::Auth(AuthError::Missing(_)))
        )));
        let text = ut("alice", &d, PASSWORD_DIGEST, Some(nonce), None);
        assert!(with_header(&text, |h| matches!(
            h,
            Err(Error::Auth(AuthError::Missing(_)))
        )));
        // unknown password type
        let text = ut("alice", "x", "urn:other", None, None);
        assert!(with_header(&text, |h| matches!(
            h,
            Err(Error::Auth(AuthError::UnsupportedToken(_)))
        )));
        // two usernames in one token; two tokens
        let text = "<wsse:UsernameToken><wsse:Username>a</wsse:Username><wsse:Username>b</wsse:Username></wsse:UsernameToken>";
        assert!(with_header(text, |h| h.is_err()));
        let one = ut("alice", "pw", PASSWORD_TEXT, None, None);
        assert!(with_header(&(one.clone() + &one), |h| matches!(
            h,
            Err(Error::Auth(AuthError::Duplicate("UsernameToken")))
        )));
    }

    #[test]
    fn password_text_default_type_and_comment() {
        let text = "<wsse:UsernameToken><wsse:Username>al<!---->ice</wsse:Username><wsse:Password>p<!--x-->w</wsse:Password></wsse:UsernameToken>";
        with_header(text, |h| {
            let t = h.unwrap().username_token.unwrap();
            assert_eq!(t.username, "alice");
            assert!(t.credential().unwrap().matches(&Secret::new("pw")));
        });
    }

    #[test]
    fn unknown_and_encrypted_elements_refused() {
        let x = format!(r#"<x:EncryptedKey xmlns:x="{}"/>"#, ns::XENC);
        assert!(with_header(&x, |h| matches!(
            h,
            Err(Error::Auth(AuthError::UnsupportedToken(_)))
        )));
        assert!(with_header("<wsse:Other/>", |h| h.is_err()));
    }

    #[test]
    fn two_security_headers() {
        let text = format!(
            r#"<h xmlns:wsse="{}"><wsse:Security/><wsse:Security/></h>"#,
            ns::WSSE
        );
        let doc = xml::parse(&text, &Limits::default()).unwrap();
        let blocks = doc.root_element().children().filter(Node::is_element);
        assert!(matches!(
            SecurityHeader::find(blocks),
            Err(Error::Auth(AuthError::Duplicate(_)))
        ));
    }
}
