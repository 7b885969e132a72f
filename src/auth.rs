//! Who is asking: one call that authenticates a parsed SOAP request and
//! checks it against the security policy.
//!
//! [`authenticate`] runs, on the very tree the wire layer parsed:
//! 1. the one `wsse:Security` header ([`wss::SecurityHeader`]; two headers,
//!    two UsernameTokens, unknown or encrypted parts: refused);
//! 2. the `wsu:Timestamp` window;
//! 3. the `ds:Signature`, if any: its certificate resolved through the
//!    SecurityTokenReference, checked against the trust anchors and its
//!    validity, the signature verified by [`dsig::verify`], and only the nodes
//!    it returns used to decide which parts are signed; a signed element that
//!    is not where it belongs (a Body moved into a header: signature wrapping)
//!    is refused; a signature value is accepted once per freshness window;
//! 4. the policy's evidence check ([`Policy::check_evidence`]): method, TLS,
//!    Timestamp, signed parts;
//! 5. the credential: a UsernameToken (`Created` freshness first, then
//!    lockout, so a locked name never reaches the user store, then the user
//!    store, then the nonce: only a verified password spends a replay-cache
//!    entry), a SAML assertion from a trusted issuer,
//!    the X.509 signature, or a TLS client certificate;
//! 6. the policy's principal check (roles, domains).
//!
//! What the requester may *get* is checked afterwards by [`authorize`] with
//! the RST's facts.
//!
//! The core verifies whatever the request carries whatever the policy says;
//! the policy can only add requirements.

use crate::dsig::{self, Trust};
use crate::error::{AuthError, Denial, DsigError, Error};
use crate::host::{
    Attempt, Attributes, Lockout, NameKind, Principal, ReplayCache, User, UserStore,
};
use crate::keys::{Certificate, PublicKey};
use crate::policy::{AccessRequest, Evidence, Method, Policy, SignedParts};
use crate::soap::Message;
use crate::wss::{self, SecurityHeader, WssSettings};
use crate::xml::{self, ns};
use crate::Limits;
use base64::Engine as _;
use roxmltree::{Document, Node};
use sha2::Digest as _;
use std::collections::BTreeMap;
use std::fmt::{Debug, Write as _};
use std::sync::Arc;
use time::OffsetDateTime;

pub use crate::service::TransportContext;

/// The user-store domain given to principals authenticated by a certificate
/// that the user store does not know.
pub const X509_DOMAIN: &str = "X509";
/// The user-store domain given to principals vouched for by a SAML assertion
/// whose subject the user store does not know.
pub const SAML_DOMAIN: &str = "SAML";

/// How a SAML assertion used as a credential confirms its subject.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Confirmation {
    /// Bearer: whoever presents it.
    Bearer,
    /// Sender-vouches: the sender (which must sign the message, covering the
    /// assertion and the Body) vouches for the subject.
    SenderVouches,
    /// Holder-of-key with this key (the message must be signed by it).
    HolderOfKey(PublicKey),
}

/// A SAML assertion that verified against a trusted issuer. Built with
/// [`VerifiedAssertion::new`], which takes every field: a host verifier must
/// say what the NameID's qualifier is (dropping it would turn a partner's
/// subject in this STS's own token back into a local account name).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct VerifiedAssertion {
    /// The issuer.
    pub issuer: String,
    /// The subject's NameID (whole text).
    pub subject: String,
    /// The NameID's `NameQualifier`, if it has one (see
    /// [`AuthConfig::local_account_issuers`]).
    pub name_qualifier: Option<String>,
    /// How the subject is confirmed.
    pub confirmation: Confirmation,
    /// Attributes from the attribute statement, by name (SAML 2.0 `Name`;
    /// SAML 1.1 `AttributeNamespace/AttributeName`).
    pub attributes: Attributes,
}

impl VerifiedAssertion {
    /// A verified assertion of `issuer` whose NameID is `subject` with
    /// `name_qualifier` (its `NameQualifier` attribute, as written).
    pub fn new(
        issuer: String,
        subject: String,
        name_qualifier: Option<String>,
        confirmation: Confirmation,
        attributes: Attributes,
    ) -> Self {
        Self {
            issuer,
            subject,
            name_qualifier,
            confirmation,
            attributes,
        }
    }
}

/// Verifies a SAML assertion found in a `wsse:Security` header: signature by
/// a trusted issuer, conditions at `now`. Implemented over the crate's token
/// validator; hosts may supply their own.
///
/// # Security contract
/// Read everything from the verified element only; an assertion from an
/// issuer the host does not trust is an error, never a principal.
pub trait AssertionVerifier: Debug + Send + Sync {
    /// Verify `assertion` (a node of `doc`) at `now`.
    fn verify(
        &self,
        doc: &Document<'_>,
        assertion: Node<'_, '_>,
        now: OffsetDateTime,
    ) -> Result<VerifiedAssertion, Error>;
}

/// Everything authentication needs from the host.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// Timestamp windows and trust anchors.
    pub wss: WssSettings,
    /// Parse and signature limits.
    pub limits: Limits,
    /// The security policy.
    pub policy: Arc<dyn Policy>,
    /// The users.
    pub users: Arc<dyn UserStore>,
    /// Nonces and signature values seen.
    pub replay: Arc<dyn ReplayCache>,
    /// Failed-password accounting.
    pub lockout: Arc<dyn Lockout>,
    /// SAML assertions as credentials: `None` refuses them.
    pub assertions: Option<Arc<dyn AssertionVerifier>>,
    /// Issuers whose assertion subjects name accounts of [`Self::users`]
    /// (typically this STS itself, or an IdP sharing its directory). An
    /// assertion from any other trusted issuer authenticates a principal in
    /// the [`SAML_DOMAIN`] with the assertion's own attributes and no roles:
    /// trusting an issuer's signature is not trusting it to speak for local
    /// accounts (a partner naming `admin` must not become the local admin).
    ///
    /// A qualified NameID never names a local account: this STS writes a
    /// `NameQualifier` (the partner's issuer name, say) into the tokens it
    /// issues for a principal that is no account (see
    /// [`Authenticated::name_qualifier`]), so that a partner's subject
    /// cannot become a local account by a round trip through this STS. Only
    /// for another local-account issuer, a `NameQualifier` equal to its own
    /// name (as identity providers write for their own users) qualifies
    /// nothing, and one naming another domain makes the subject that
    /// issuer's, not the other domain's.
    pub local_account_issuers: Vec<String>,
    /// Acceptance rules for the trusted issuers that are not
    /// [`Self::local_account_issuers`]: by issuer name, the attribute names
    /// (SAML 2.0 `Name`; SAML 1.1 `AttributeNamespace/AttributeName`) of its
    /// assertions that pass on to the principal's attributes, and from
    /// there into the tokens this STS signs for it. An issuer not listed
    /// passes none: this STS must not sign a partner's say-so that its user
    /// has `role=admin` or the local admin's e-mail address. The rule as it
    /// reads now applies to this STS's own tokens for the partner's
    /// subjects too (as credentials, exchanged or renewed), so narrowing it
    /// takes effect at once.
    pub partner_claims: BTreeMap<String, Vec<String>>,
    /// This STS's own issuer name (the `Sts` sets it): the only issuer
    /// whose NameID qualified by another domain is taken as that domain's
    /// subject (its tokens for partner subjects). Any other issuer's subject
    /// qualified by another domain, a local-account issuer's included, is
    /// qualified by that issuer: no issuer but this STS speaks for another
    /// domain's subjects. `None` outside an STS: then none does.
    ///
    /// A host that authenticates requests for an [`crate::sts::Sts`] itself
    /// must set it to the STS's issuer name whenever that name is among
    /// [`Self::local_account_issuers`] (clone the STS's own
    /// [`StsConfig::auth`](crate::config::StsConfig::auth), which has it): without it, the STS's token for a
    /// partner's `admin`, qualified by the STS's own name, reads as the
    /// local `admin` under the identity-provider convention above.
    pub issuer: Option<String>,
}

/// Who the requester is and how that was established.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The principal.
    pub principal: Principal,
    /// Its attributes, for claims.
    pub attributes: Attributes,
    /// How it authenticated.
    pub method: Method,
    /// The parts a verified signature covered.
    pub signed: SignedParts,
    /// The certificate whose key signed the request (proof of possession for
    /// a public-key holder-of-key request), if any.
    pub signing_certificate: Option<Certificate>,
    /// For a SAML credential: the issuer that vouched.
    pub assertion_issuer: Option<String>,
    /// The domain that qualifies the principal's name when it is not an
    /// account of the user store, `None` for a local account. For a SAML
    /// principal: the issuer that vouched for it, or the `NameQualifier` of
    /// an assertion by one of the [`AuthConfig::local_account_issuers`]
    /// (this STS's own tokens for partner subjects carry one); for a
    /// certificate the user store does not know, the trust anchor that
    /// vouched for it, never the issuer DN it claims: `pinned:<sha256>` for
    /// a certificate that is itself an anchor or pinned, `<CA subject DN>#<sha256>` for
    /// one an anchor CA issued (directly or through intermediates: the CA at
    /// the root of its path) (`<sha256>`: lowercase hex SHA-256 of the
    /// pinned certificate's DER, or of the CA's public key (its
    /// SubjectPublicKeyInfo), so two anchors never share a qualifier and a
    /// CA certificate renewed with the same key keeps its clients' identity). The STS writes
    /// it as the `NameQualifier` of the tokens it issues for this principal,
    /// and the subject of a token is this principal only if both name and
    /// qualifier match.
    pub name_qualifier: Option<String>,
    /// When authentication happened (the `now` given).
    pub instant: OffsetDateTime,
}

impl Authenticated {
    /// A user-store account the host application authenticated itself (its
    /// own login, a session), for calls into the [`crate::sts::Sts`] without
    /// a WS-Security header: [`Method::Host`], nothing signed, no
    /// qualifier (a local account).
    ///
    /// ```
    /// use wstrust::auth::Authenticated;
    /// use wstrust::host::UserStore;
    /// let users = wstrust::memory::MemoryUserStore::demo();
    /// let alice = users.lookup("alice")?.expect("a demo user");
    /// let now = time::macros::datetime!(2027-01-15 12:00 UTC);
    /// let who = Authenticated::local(alice, now);
    /// assert!(who.principal.is_local());
    /// assert_eq!(who.method.as_str(), "host");
    /// # Ok::<(), wstrust::Error>(())
    /// ```
    pub fn local(user: User, now: OffsetDateTime) -> Self {
        Self {
            principal: user.principal,
            attributes: user.attributes,
            method: Method::Host,
            signed: SignedParts::NONE,
            signing_certificate: None,
            assertion_issuer: None,
            name_qualifier: None,
            instant: now,
        }
    }
}

/// Authenticate `message` and check it against `config.policy`'s evidence
/// and principal rules. See the [module docs](self) for the order of checks.
pub fn authenticate(
    message: &Message<'_, '_>,
    transport: &TransportContext,
    now: OffsetDateTime,
    config: &AuthConfig,
) -> Result<Authenticated, Error> {
    let doc = message.document();
    let header = match SecurityHeader::find(message.header_blocks())? {
        Some(node) => Some(SecurityHeader::parse(node)?),
        None => None,
    };

    // Timestamp.
    if let Some(ts) = header.as_ref().and_then(|h| h.timestamp.as_ref()) {
        ts.check(now, &config.wss)?;
    }

    // Signature.
    let mut signed = SignedParts::NONE;
    let mut signing_certificate = None;
    let mut signed_assertion = false;
    if let Some(h) = &header {
        if let Some(sig) = h.signature {
            let (cert, parts, covers_assertion) = verify_signature(message, h, sig, now, config)?;
            signing_certificate = Some(cert);
            signed = parts;
            signed_assertion = covers_assertion;
        }
    }

    // Which credential.
    let ut = header.as_ref().and_then(|h| h.username_token.as_ref());
    let assertion = header.as_ref().and_then(|h| h.assertion);
    let method = if let Some(ut) = ut {
        match &ut.password {
            Some(wss::Password::Text(_)) => Method::PasswordText,
            Some(wss::Password::Digest(_)) => Method::PasswordDigest,
            None => return Err(AuthError::Missing("UsernameToken Password").into()),
        }
    } else if assertion.is_some() {
        Method::SamlAssertion
    } else if signing_certificate.is_some() {
        Method::X509Signature
    } else if transport.client_certificate.is_some() {
        Method::TlsClientCertificate
    } else {
        return Err(AuthError::Denied(Denial::NoCredential).into());
    };

    let evidence = Evidence {
        method,
        tls: transport.tls,
        timestamp: header.as_ref().is_some_and(|h| h.timestamp.is_some()),
        signed,
    };
    config
        .policy
        .check_evidence(&evidence)
        .map_err(AuthError::Denied)?;

    let mut assertion_issuer = None;
    let (principal, attributes, name_qualifier) = match method {
        Method::PasswordText | Method::PasswordDigest => {
            let ut = ut.ok_or(AuthError::Missing("UsernameToken"))?;
            let user = verify_username_token(ut, transport.peer.map(|p| p.ip()), now, config)?;
            (user.principal, user.attributes, None)
        }
        Method::SamlAssertion => {
            let node = assertion.ok_or(AuthError::Missing("Assertion"))?;
            let verifier = config
                .assertions
                .as_ref()
                .ok_or(AuthError::UnsupportedToken("SAML assertion credential"))?;
            let a = verifier.verify(doc, node, now)?;
            match &a.confirmation {
                Confirmation::Bearer => {}
                Confirmation::SenderVouches => {
                    // The sender vouches by signing the assertion and the Body.
                    if signing_certificate.is_none() || !signed_assertion || !signed.body {
                        return Err(AuthError::UntrustedAssertion(
                            "sender-vouches assertion not signed with the Body by the sender",
                        )
                        .into());
                    }
                }
                Confirmation::HolderOfKey(key) => {
                    let proven = signing_certificate
                        .as_ref()
                        .is_some_and(|c| c.public_key() == key);
                    if !proven || !signed.body {
                        return Err(AuthError::UntrustedAssertion(
                            "holder-of-key assertion without proof of possession",
                        )
                        .into());
                    }
                }
            }
            assertion_issuer = Some(a.issuer.clone());
            assertion_principal(a, config)?
        }
        Method::X509Signature => {
            let cert = signing_certificate
                .as_ref()
                .ok_or(AuthError::Missing("signature"))?;
            certificate_principal(cert, now, config)?
        }
        Method::TlsClientCertificate => {
            let der = transport
                .client_certificate
                .as_deref()
                .ok_or(AuthError::Missing("client certificate"))?;
            let cert = Certificate::from_der(der)?;
            let p = certificate_principal(&cert, now, config)?;
            signing_certificate.get_or_insert(cert);
            p
        }
        // Never chosen from a message: only a host says it authenticated.
        Method::Host => return Err(AuthError::Denied(Denial::NoCredential).into()),
    };

    config
        .policy
        .check_principal(&principal, method)
        .map_err(AuthError::Denied)?;
    Ok(Authenticated {
        principal,
        attributes,
        method,
        signed,
        signing_certificate,
        assertion_issuer,
        name_qualifier,
        instant: now,
    })
}

/// Check what an authenticated requester asks for against the policy (per
/// relying party: token types, key types, claims; then host hooks).
pub fn authorize(
    who: &Authenticated,
    request: &AccessRequest,
    config: &AuthConfig,
) -> Result<(), Error> {
    config
        .policy
        .check_request(&who.principal, request)
        .map_err(|d| AuthError::Denied(d).into())
}

/// Verify a UsernameToken with a password, wherever it was found (the
/// Security header, or an `OnBehalfOf`/`ActAs` element): `Created` freshness,
/// then lockout (a locked name never reaches the store), then the user store,
/// then the nonce. Failures are counted whether or not the user exists, and an
/// unknown user, a wrong password and a locked-out name are all
/// `wsse:FailedAuthentication`.
///
/// The nonce is spent in the replay cache only once the password verified,
/// so requests without the password cannot fill the cache (and lock everyone
/// out with `StoreError::Full`). A replayed valid token still fails
/// (`AuthError::Replay`: of two concurrent copies one wins the atomic
/// insert), and touches neither the failure count (its password is right)
/// nor the success reset (a captured message cannot clear a lockout count).
///
/// `client` is the requester's address ([`TransportContext::peer`]), for the
/// lockout's per-client budget. A failure is recorded as an account's
/// ([`NameKind::Account`], never forgotten to make room) when the user store
/// knows the name, else as an unknown name's.
pub fn verify_username_token(
    ut: &wss::UsernameToken<'_, '_>,
    client: Option<std::net::IpAddr>,
    now: OffsetDateTime,
    config: &AuthConfig,
) -> Result<User, Error> {
    let credential = ut
        .credential()
        .ok_or(AuthError::Missing("UsernameToken Password"))?;
    ut.check_created(now, &config.wss)?;
    let attempt = Attempt::new(&ut.username, client);
    if config.lockout.is_locked(attempt, now)? {
        return Err(AuthError::LockedOut.into());
    }
    match config.users.authenticate(&ut.username, &credential)? {
        Some(user) => {
            ut.spend_nonce(now, &config.wss, config.replay.as_ref())?;
            config.lockout.record_success(attempt, now)?;
            Ok(user)
        }
        None => {
            let kind = match config.users.lookup(&ut.username)? {
                Some(_) => NameKind::Account,
                None => NameKind::Unknown,
            };
            config.lockout.record_failure(attempt, kind, now)?;
            Err(AuthError::BadCredentials.into())
        }
    }
}

/// The principal for a certificate (an X.509 signature's or a TLS client
/// certificate), checked here against the trust anchors at `now`
/// ([`wss::trusted_anchor`]): the user-store user named by its subject DN if
/// there is one, else the subject DN in [`X509_DOMAIN`] with no roles,
/// qualified by the anchor that trusts it ([`certificate_qualifier`]), never
/// by the issuer DN the certificate claims.
fn certificate_principal(
    cert: &Certificate,
    now: OffsetDateTime,
    config: &AuthConfig,
) -> Result<(Principal, Attributes, Option<String>), Error> {
    let trusted = wss::trusted_anchor(cert, now, &config.wss)?;
    let names_accounts = config
        .wss
        .account_anchors
        .as_ref()
        .is_none_or(|list| list.iter().any(|a| same_authority(a, trusted.anchor())));
    let user = if names_accounts {
        config.users.lookup(cert.subject())?
    } else {
        None
    };
    Ok(match user {
        Some(u) => (u.principal, u.attributes, None),
        None => (
            Principal {
                name: cert.subject().to_owned(),
                domain: X509_DOMAIN.to_owned(),
                roles: Vec::new(),
            },
            Attributes::new(),
            Some(certificate_qualifier(trusted)),
        ),
    })
}

/// The qualifier of a certificate principal that is no user-store account
/// (see [`Authenticated::name_qualifier`]): `pinned:` and the lowercase hex
/// SHA-256 of the certificate's DER for a pinned certificate (one of the
/// anchors itself, whose names nobody vouched for: it speaks only for
/// itself); else the issuing CA's subject DN, `#` and the lowercase hex
/// SHA-256 of the CA's SubjectPublicKeyInfo (DER). The fingerprint names the anchor, so
/// two anchors never give the same qualifier, and only the CA form has a `#`.
fn certificate_qualifier(trusted: wss::TrustedBy<'_>) -> String {
    let anchor = trusted.anchor();
    let hex = |bytes: &[u8]| {
        let mut fingerprint = String::with_capacity(64);
        for b in sha2::Sha256::digest(bytes) {
            // Writing to a String cannot fail.
            let _ = write!(fingerprint, "{b:02x}");
        }
        fingerprint
    };
    match trusted {
        wss::TrustedBy::Pinned(_) => format!("pinned:{}", hex(anchor.der())),
        // The CA's key, not its certificate: a CA certificate renewed with
        // the same key (both configured during the changeover) is the same
        // authority, and its clients keep their identity.
        wss::TrustedBy::Issuer(ca) => {
            let spki = x509_parser::parse_x509_certificate(ca.der())
                .map(|(_, c)| hex(c.tbs_certificate.subject_pki.raw))
                .unwrap_or_else(|_| hex(ca.der()));
            format!("{}#{spki}", ca.subject())
        }
    }
}

/// Whether two anchors are the same authority: the same certificate, or a
/// CA re-issued with the same name and key (as the qualifier sees it).
fn same_authority(a: &Certificate, b: &Certificate) -> bool {
    a == b || (a.subject() == b.subject() && a.public_key() == b.public_key())
}

/// The qualifier of the subject of a token by `issuer` whose NameID carries
/// `name_qualifier`, `None` for a local account name:
/// * this STS's own token ([`AuthConfig::issuer`]): its qualifier as
///   written (it writes one for every subject that is no local account);
/// * one of the `local_account_issuers`: `None` for a name it leaves
///   unqualified or qualifies with its own name, else its own name (it
///   speaks for local accounts, not for another domain's subjects);
/// * any other issuer: its own name, whatever it wrote.
fn subject_qualifier(
    issuer: &str,
    name_qualifier: Option<&str>,
    config: &AuthConfig,
) -> Option<String> {
    if config.issuer.as_deref() == Some(issuer) {
        // This STS's own token: its qualifier as written, even one equal to
        // its own name (which it writes for a subject that is no account).
        return name_qualifier.map(str::to_owned);
    }
    let local = config.local_account_issuers.iter().any(|i| i == issuer);
    match name_qualifier.filter(|q| *q != issuer) {
        None if local => None,
        _ => Some(issuer.to_owned()),
    }
}

/// The subject of a verified token of `issuer` whose NameID is `subject`
/// with `name_qualifier`: the local account when it names one the user
/// store knows, else the qualifier its principal (and every token this STS
/// issues for it) carries. A local-account issuer's name the store does not
/// know is no local account either: qualified by that issuer.
pub(crate) fn subject_of(
    issuer: &str,
    subject: &str,
    name_qualifier: Option<&str>,
    config: &AuthConfig,
) -> Result<Result<User, String>, Error> {
    if subject_qualifier(issuer, name_qualifier, config).is_none() {
        if let Some(u) = config.users.lookup(subject)? {
            return Ok(Ok(u));
        }
    }
    Ok(Err(
        subject_qualifier(issuer, name_qualifier, config).unwrap_or_else(|| issuer.to_owned())
    ))
}

/// Which attributes of a token pass on: all, or those an acceptance rule
/// lists.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Acceptance<'a> {
    /// Every attribute.
    All,
    /// Those named here (none for a partner without a rule).
    Only(&'a [String]),
}

impl Acceptance<'_> {
    /// Whether the attribute `name` passes.
    pub(crate) fn allows(self, name: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(names) => names.iter().any(|n| n == name),
        }
    }
}

/// Which attributes of a verified token by `issuer`, whose subject's
/// `NameQualifier` reads `qualifier`, may pass on (to the principal it
/// authenticates, or into a token exchanged or renewed from it). The
/// authority over them is the subject's domain:
/// * a local-account issuer vouches for all of its own (this STS too);
/// * any other issuer is a partner: its [`AuthConfig::partner_claims`]
///   rule, as it reads now;
/// * this STS's own token: for a local account (no qualifier), a
///   local-account issuer's subject or a certificate a current trust
///   anchor vouches for, all: this STS vouched for them. For any other
///   qualifier, the rule of the partner it names as it reads now, so an
///   attribute the operator stopped accepting does not live on through own
///   tokens; none for a partner, or trust anchor, no longer trusted, and
///   none for a qualifier a host chose for a principal it authenticated
///   itself (a fresh Issue derives its claims anew).
pub(crate) fn acceptance<'a>(
    issuer: &'a str,
    qualifier: Option<&'a str>,
    config: &'a AuthConfig,
) -> Acceptance<'a> {
    let own = config.issuer.as_deref() == Some(issuer);
    let authority = match qualifier {
        Some(q) if own && !is_anchor_qualifier(q, &config.wss) => q,
        _ if own => return Acceptance::All,
        _ => issuer,
    };
    if config.local_account_issuers.iter().any(|i| i == authority) {
        return Acceptance::All;
    }
    Acceptance::Only(
        config
            .partner_claims
            .get(authority)
            .map_or(&[][..], Vec::as_slice),
    )
}

/// Whether `q` is the qualifier one of the current trust anchors gives the
/// certificates it vouches for ([`certificate_qualifier`]): pinned, or as
/// the CA. One of a removed anchor is not, and a pinned certificate's is
/// only its own (it never issues).
fn is_anchor_qualifier(q: &str, wss: &WssSettings) -> bool {
    let pinned = |a: &Certificate| q == certificate_qualifier(wss::TrustedBy::Pinned(a));
    is_certificate_qualifier(q)
        && (wss.pinned_certificates.iter().any(pinned)
            || wss
                .trust_anchors
                .iter()
                .any(|a| pinned(a) || q == certificate_qualifier(wss::TrustedBy::Issuer(a))))
}

/// Whether `q` has the form of an X.509 principal's qualifier
/// ([`certificate_qualifier`]): `pinned:` or `#`, then 64 lowercase hex
/// digits. No trusted issuer may be named so (the configuration refuses
/// it), so this never mistakes a partner for a certificate.
pub(crate) fn is_certificate_qualifier(q: &str) -> bool {
    let hex = |h: &str| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    q.strip_prefix("pinned:").is_some_and(hex) || q.rsplit_once('#').is_some_and(|(_, h)| hex(h))
}

/// The principal a verified assertion names, as a header credential or in
/// `OnBehalfOf`/`ActAs`: the local account for an unqualified NameID of one
/// of the [`AuthConfig::local_account_issuers`] that the user store knows;
/// otherwise the NameID in [`SAML_DOMAIN`] with the assertion's accepted
/// attributes ([`AuthConfig::partner_claims`]), no roles, and a qualifier (see [`Authenticated::name_qualifier`]).
pub(crate) fn assertion_principal(
    a: VerifiedAssertion,
    config: &AuthConfig,
) -> Result<(Principal, Attributes, Option<String>), Error> {
    let qualifier = match subject_of(&a.issuer, &a.subject, a.name_qualifier.as_deref(), config)? {
        Ok(u) => return Ok((u.principal, u.attributes, None)),
        Err(q) => q,
    };
    let accepted = acceptance(&a.issuer, Some(&qualifier), config);
    let mut attributes = a.attributes;
    attributes.retain(|name, _| accepted.allows(name));
    Ok((
        Principal {
            name: a.subject,
            domain: SAML_DOMAIN.to_owned(),
            roles: Vec::new(),
        },
        attributes,
        Some(qualifier),
    ))
}

fn is_addressing(n: Node<'_, '_>) -> bool {
    matches!(n.tag_name().namespace(), Some(ns::WSA | ns::WSA_2004))
}

/// Verify the header's signature; the signing certificate, the parts it
/// covers, and whether it covers the header's assertion.
fn verify_signature(
    message: &Message<'_, '_>,
    header: &SecurityHeader<'_, '_>,
    sig: Node<'_, '_>,
    now: OffsetDateTime,
    config: &AuthConfig,
) -> Result<(Certificate, SignedParts, bool), Error> {
    let doc = message.document();
    let cert = wss::resolve_signing_certificate(doc, header, sig, &config.wss)?;
    wss::check_certificate(&cert, now, &config.wss)?;
    let trusted = [cert.clone()];
    let mut trust = Trust::certificates(&trusted);
    if config.wss.allow_sha1 {
        trust = trust.allow_sha1();
    }
    let verified = dsig::verify(doc, sig, &trust, &config.limits)?;

    // Signature wrapping: every signed element that is a Body, Timestamp,
    // addressing header or assertion must be the one this message uses.
    let body = message.body();
    let header_node = message.header();
    for r in verified.references() {
        let name = r.tag_name();
        let misplaced = match (name.namespace(), name.name()) {
            (Some(ns::SOAP11 | ns::SOAP12), "Body") => r.id() != body.id(),
            (Some(ns::WSU), "Timestamp") => {
                header.timestamp.as_ref().map(|t| t.node.id()) != Some(r.id())
            }
            (Some(ns::SAML1 | ns::SAML2), "Assertion") => {
                header.assertion.map(|a| a.id()) != Some(r.id())
                    && !r.ancestors().any(|a| a.id() == body.id())
            }
            _ if is_addressing(*r) => r.parent().map(|p| p.id()) != header_node.map(|h| h.id()),
            _ => false,
        };
        if misplaced {
            return Err(DsigError::WrongSignedElement.into());
        }
    }
    let covers = |n: Node<'_, '_>| verified.references().iter().any(|r| r.id() == n.id());
    let addressing: Vec<_> = message
        .header_blocks()
        .filter(|n| is_addressing(*n))
        .collect();
    let parts = SignedParts {
        body: covers(body),
        timestamp: header.timestamp.as_ref().is_some_and(|t| covers(t.node)),
        addressing: addressing.iter().all(|n| covers(*n)),
    };
    let covers_assertion = header.assertion.is_some_and(covers);

    // A signed message is accepted once per freshness window.
    let value = sig
        .children()
        .find(|c| c.has_tag_name((ns::DS, "SignatureValue")))
        .ok_or(DsigError::Malformed("no SignatureValue"))?;
    let clean: String = xml::whole_text(value)
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(clean)
        .map_err(|_| DsigError::Malformed("SignatureValue"))?;
    let digest = sha2::Sha256::digest(&bytes);
    let key = format!(
        "wss:sig:{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    );
    if !config
        .replay
        .insert_if_absent(&key, config.wss.nonce_ttl(), now)?
    {
        return Err(AuthError::Replay("signature").into());
    }
    Ok((cert, parts, covers_assertion))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn cert(name: &str) -> Certificate {
        let pem = match name {
            "ca" => &include_bytes!("../tests/data/auth/ca.cert.pem")[..],
            "client" => include_bytes!("../tests/data/auth/client.cert.pem"),
            _ => include_bytes!("../tests/data/auth/forged.cert.pem"),
        };
        Certificate::from_pem(pem).unwrap()
    }

    /// Fingerprints computed independently:
    /// `openssl x509 -in tests/data/auth/NAME.cert.pem -outform der | sha256sum`.
    const CA_SHA256: &str = "8324bae303716f2c44815a8c1175dbfc41935641d38ebe3b8847e54863b792a6";
    /// `openssl x509 -in tests/data/auth/ca.cert.pem -pubkey -noout |
    /// openssl pkey -pubin -outform der | sha256sum`: the CA's
    /// SubjectPublicKeyInfo.
    const CA_KEY_SHA256: &str = "22f88ae29327a925a1616c702d629ab69be707270cf95fc2fb5c6c280c0f94e0";
    const FORGED_SHA256: &str = "b598147d3a1d23e8295da0cce8e190c1ab5e04acc35ce84743404054dc35d666";

    /// R2-3: `forged` claims the client's subject and the CA's DN as its
    /// issuer; pinned next to the CA, it is trusted, but its qualifier names
    /// itself, not the CA whose name it claims.
    #[test]
    fn certificate_qualifier_names_the_anchor_not_the_claimed_issuer() {
        let (ca, client, forged) = (cert("ca"), cert("client"), cert("forged"));
        assert_eq!(client.subject(), forged.subject());
        assert_eq!(client.issuer(), forged.issuer());
        let wss = WssSettings {
            trust_anchors: vec![ca.clone(), forged.clone()],
            ..WssSettings::default()
        };
        let now = datetime!(2027-01-15 12:00 UTC);

        let by_ca = wss::trusted_anchor(&client, now, &wss).unwrap();
        assert_eq!(by_ca, wss::TrustedBy::Issuer(&wss.trust_anchors[0]));
        assert_eq!(
            certificate_qualifier(by_ca),
            format!("O=wstrust tests, CN=Test Client CA#{CA_KEY_SHA256}")
        );
        let pinned = wss::trusted_anchor(&forged, now, &wss).unwrap();
        assert_eq!(pinned, wss::TrustedBy::Pinned(&wss.trust_anchors[1]));
        assert_eq!(
            certificate_qualifier(pinned),
            format!("pinned:{FORGED_SHA256}")
        );
        // The CA pinned as itself is another anchor role, another qualifier.
        let ca_pinned = certificate_qualifier(wss::TrustedBy::Pinned(&ca));
        assert_eq!(ca_pinned, format!("pinned:{CA_SHA256}"));
        assert_ne!(ca_pinned, certificate_qualifier(by_ca));

        // Without the pin, `forged` is no one (its signature is not the CA's).
        let ca_only = WssSettings {
            trust_anchors: vec![ca],
            ..WssSettings::default()
        };
        assert!(matches!(
            wss::trusted_anchor(&forged, now, &ca_only),
            Err(Error::Auth(AuthError::UntrustedCertificate(
                crate::error::CertificateError::BadSignature
            )))
        ));
        // Both forms are recognised as a certificate's.
        assert!(is_certificate_qualifier(&certificate_qualifier(by_ca)));
        assert!(is_certificate_qualifier(&ca_pinned));
    }

    /// Whose rule decides which attributes of a token pass on.
    #[test]
    fn acceptance_follows_the_subjects_domain() {
        use crate::memory::{MemoryLockout, MemoryReplayCache, MemoryUserStore};
        const OWN: &str = "https://sts.example/";
        const IDP: &str = "https://idp.example/";
        const PARTNER: &str = "https://partner.example/";
        let (ca, forged) = (cert("ca"), cert("forged"));
        let config = AuthConfig {
            wss: WssSettings {
                trust_anchors: vec![ca.clone(), forged.clone()],
                ..WssSettings::default()
            },
            limits: Limits::default(),
            policy: Arc::new(crate::policy::StandardPolicy::username_token()),
            users: Arc::new(MemoryUserStore::demo()),
            replay: Arc::new(MemoryReplayCache::default()),
            lockout: Arc::new(MemoryLockout::default()),
            assertions: None,
            local_account_issuers: vec![OWN.into(), IDP.into()],
            partner_claims: [(PARTNER.to_owned(), vec!["mail".to_owned()])].into(),
            issuer: Some(OWN.into()),
        };
        let hex = "0123456789abcdef".repeat(4);
        let pinned = certificate_qualifier(wss::TrustedBy::Pinned(&forged));
        let by_ca = certificate_qualifier(wss::TrustedBy::Issuer(&ca));
        let passes = |issuer: &str, qualifier: Option<&str>| {
            let a = acceptance(issuer, qualifier, &config);
            (a.allows("mail"), a.allows("role"))
        };
        // Own tokens: a local account's, a certificate's (by a current
        // anchor), a local-account issuer's subject's: all.
        for q in [None, Some(pinned.as_str()), Some(by_ca.as_str()), Some(IDP)] {
            assert_eq!(passes(OWN, q), (true, true), "{q:?}");
        }
        // Own tokens for a partner's subject: the partner's rule; for an
        // issuer or anchor no longer trusted, or a domain a host chose
        // (a Kerberos realm, say): none.
        assert_eq!(passes(OWN, Some(PARTNER)), (true, false));
        for gone in [
            "https://gone.example/".to_owned(),
            format!("pinned:{hex}"),
            format!("O=x, CN=CA#{hex}"),
            "KERBEROS.EXAMPLE".to_owned(),
        ] {
            assert_eq!(passes(OWN, Some(&gone)), (false, false), "{gone}");
        }
        // Another issuer's token: its own rule, whatever it qualifies.
        assert_eq!(passes(IDP, None), (true, true));
        assert_eq!(passes(PARTNER, None), (true, false));
        assert_eq!(passes(PARTNER, Some(IDP)), (true, false));
        assert_eq!(passes(PARTNER, Some(&pinned)), (true, false));
        assert_eq!(passes("https://other.example/", None), (false, false));
        // Only the exact forms are a certificate's.
        for q in [
            format!("pinned:{}", &hex[1..]),
            format!("pinned:{}", hex.to_uppercase()),
            format!("CA#{hex}0"),
            hex.clone(),
            PARTNER.to_owned(),
        ] {
            assert!(!is_certificate_qualifier(&q), "{q}");
        }
    }
}
