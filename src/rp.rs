//! The relying-party registry (the seed product's "trusted services"):
//! which `AppliesTo` addresses the STS issues tokens for, with each party's
//! certificate (tokens are encrypted for it), encryption algorithms, default
//! token type, lifetime, allowed and default claims.
//!
//! Addresses are parsed strictly and compared by their parts (scheme, host,
//! port, path, query, fragment; see [`normalize_address`] and the rules
//! below), first exactly, then by the registered patterns in the order they
//! were added. An unregistered address is refused unless the registry is
//! configured otherwise ([`Unregistered`]); an address that is no valid
//! absolute URI, or that has userinfo (`https://good.example@evil.example/`),
//! is refused whatever the registry holds ([`IssueError::InvalidAddress`]).
//!
//! # Addresses and patterns
//! * Scheme and DNS host are case-insensitive; one trailing dot of a host is
//!   dropped (`rp.example.` is the DNS name `rp.example`); hosts are ASCII
//!   (an IDN is written and compared in its `xn--` form; non-ASCII is
//!   refused, not IDNA-mapped); IP literals are compared as addresses.
//! * A default port (`:443` for `https`) is no port.
//! * Path, query and fragment: percent-encoding normalised (unreserved
//!   characters decoded, hex uppercased; `%2F` stays distinct from `/`), dot
//!   segments removed, one trailing `/` of the path not significant.
//! * In a pattern, `*` in the host is the whole leftmost label and stands for
//!   one or more whole labels (`*.partner.example`), or is the whole host
//!   (any host); it never matches `/`, `@`, `:`, `?` or `#`. A `*` in the
//!   path (or query, fragment, URN text) matches within that part only. A
//!   pattern without a query or fragment matches only addresses without one.
//!   Patterns are checked when added; [`RelyingParties::check`] (run by
//!   [`crate::config::StsConfigBuilder::build`]) reports a bad one.
//!
//! ```
//! use wstrust::rp::{RelyingParty, RelyingParties};
//! use wstrust::wst::TokenType;
//! let mut rps = RelyingParties::new();
//! rps.add(RelyingParty::new("https://App.Example/").token_type(TokenType::Saml11));
//! rps.add(RelyingParty::pattern("https://*.partner.example/*"));
//! assert_eq!(rps.find("https://app.example:443").unwrap().token_type, TokenType::Saml11);
//! assert!(rps.find("https://hr.partner.example/portal").is_ok());
//! assert!(rps.find("https://evil.example/x.partner.example/y").is_err());
//! assert!(rps.find("https://hr.partner.example@evil.example/").is_err());
//! assert!(rps.check().is_ok());
//! ```

use crate::error::{Error, IssueError};
use crate::keys::Certificate;
use crate::wst::TokenType;
use crate::xenc::{DataAlgorithm, KeyTransport};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

pub use crate::uri::normalize_address;
use crate::uri::{self as address, Address, Pattern};

/// Certificates by alias: the host's key store (the seed product's
/// keystore aliases).
///
/// # Security contract
/// A certificate returned for an alias is the relying party's encryption
/// certificate: tokens for that party are readable by whoever holds its key.
pub trait CertificateStore: Debug + Send + Sync {
    /// The certificate stored under `alias`.
    fn certificate(&self, alias: &str) -> Option<Certificate>;
}

/// An in-memory [`CertificateStore`].
#[derive(Debug, Default, Clone)]
pub struct MemoryCertificateStore(BTreeMap<String, Certificate>);

impl MemoryCertificateStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Store `cert` under `alias` (replacing any previous one).
    pub fn insert(&mut self, alias: impl Into<String>, cert: Certificate) {
        self.0.insert(alias.into(), cert);
    }
}

impl CertificateStore for MemoryCertificateStore {
    fn certificate(&self, alias: &str) -> Option<Certificate> {
        self.0.get(alias).cloned()
    }
}

/// Claim types a relying party may receive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedClaims {
    /// Any claim the requester asks for.
    Any,
    /// Only these claim URIs (an empty list allows none). When the request
    /// names no claims, these are the claims issued unless the party sets
    /// [`RelyingParty::default_claims`].
    Only(Vec<String>),
}

impl AllowedClaims {
    /// Whether `uri` may be issued.
    pub fn allows(&self, uri: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Only(v) => v.iter().any(|c| c == uri),
        }
    }
}

/// One relying party.
///
/// # Defaults
/// | field | default |
/// |---|---|
/// | `token_type` | SAML 2.0 |
/// | `lifetime` | `None` (the STS default) |
/// | `certificate` | `None` |
/// | `encrypt` | `true` once a certificate is set, else `false` |
/// | `data_algorithms` | empty: only the STS's [`crate::config::StsConfig::encryption`] data algorithm (AES-256-GCM) |
/// | `key_transports` | empty: only the STS's key transport (`rsa-oaep-mgf1p`) |
/// | `claims` | [`AllowedClaims::Any`] |
/// | `default_claims` | `None`: the allowed list when it is [`AllowedClaims::Only`], else none |
#[derive(Debug, Clone)]
pub struct RelyingParty {
    /// The endpoint address as registered (normalised when matched), or a
    /// pattern with `*`. A party found by a pattern (or by the unregistered
    /// template) carries the requested address instead.
    pub address: String,
    /// Whether `address` is a pattern.
    pub is_pattern: bool,
    /// The token type issued when the request names none.
    pub token_type: TokenType,
    /// Token lifetime for this party (capped by the STS maximum).
    pub lifetime: Option<Duration>,
    /// The party's certificate (encryption of tokens and proof keys).
    pub certificate: Option<Certificate>,
    /// Encrypt issued tokens for the party (requires `certificate`).
    pub encrypt: bool,
    /// Data encryption algorithms the party can decrypt, the first the
    /// default; a request's `wst:EncryptionAlgorithm` (or `wst:EncryptWith`)
    /// may pick another of them. Empty: the STS's default only. .NET's
    /// `EncryptedXml` (WIF, AD FS relying parties) needs
    /// [`DataAlgorithm::Aes256Cbc`]; see docs/interop.md.
    pub data_algorithms: Vec<DataAlgorithm>,
    /// Key transport algorithms the party can unwrap, the first the default;
    /// a request's `wst:KeyWrapAlgorithm` may pick another of them. Empty:
    /// the STS's default only.
    pub key_transports: Vec<KeyTransport>,
    /// Claims the party may receive.
    pub claims: AllowedClaims,
    /// Claims issued when the request names none (as optional claims: one
    /// without a value is left out). `None`: the allowed list when it is
    /// [`AllowedClaims::Only`], else none. Must be allowed by `claims`
    /// ([`Self::check`]).
    pub default_claims: Option<Vec<String>>,
}

impl RelyingParty {
    /// A party at exactly `address` (after normalisation).
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            is_pattern: false,
            token_type: TokenType::Saml20,
            lifetime: None,
            certificate: None,
            encrypt: false,
            data_algorithms: Vec::new(),
            key_transports: Vec::new(),
            claims: AllowedClaims::Any,
            default_claims: None,
        }
    }

    /// A party matching every address `pattern` matches (see the module
    /// docs for what `*` matches).
    pub fn pattern(pattern: impl Into<String>) -> Self {
        Self {
            is_pattern: true,
            ..Self::new(pattern)
        }
    }

    /// Set the default token type.
    pub fn token_type(mut self, t: TokenType) -> Self {
        self.token_type = t;
        self
    }

    /// Set the lifetime.
    pub fn lifetime(mut self, d: Duration) -> Self {
        self.lifetime = Some(d);
        self
    }

    /// Set the certificate; tokens are then encrypted for it.
    pub fn certificate(mut self, cert: Certificate) -> Self {
        self.certificate = Some(cert);
        self.encrypt = true;
        self
    }

    /// Take the certificate from `store` by `alias`.
    pub fn certificate_alias(
        self,
        store: &dyn CertificateStore,
        alias: &str,
    ) -> Result<Self, Error> {
        let cert = store
            .certificate(alias)
            .ok_or_else(|| IssueError::Config(format!("no certificate with alias {alias:?}")))?;
        Ok(self.certificate(cert))
    }

    /// Whether tokens are encrypted (only meaningful with a certificate).
    pub fn encrypt(mut self, yes: bool) -> Self {
        self.encrypt = yes;
        self
    }

    /// The data encryption algorithms the party accepts, the first the
    /// default (duplicates are dropped).
    pub fn data_algorithms(mut self, algs: impl IntoIterator<Item = DataAlgorithm>) -> Self {
        self.data_algorithms.clear();
        for a in algs {
            if !self.data_algorithms.contains(&a) {
                self.data_algorithms.push(a);
            }
        }
        self
    }

    /// The key transport algorithms the party accepts, the first the
    /// default (duplicates are dropped).
    pub fn key_transports(mut self, algs: impl IntoIterator<Item = KeyTransport>) -> Self {
        self.key_transports.clear();
        for a in algs {
            if !self.key_transports.contains(&a) {
                self.key_transports.push(a);
            }
        }
        self
    }

    /// Restrict the claims.
    pub fn claims<I, S>(mut self, uris: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.claims = AllowedClaims::Only(uris.into_iter().map(Into::into).collect());
        self
    }

    /// The claims issued when a request names none (each must be allowed
    /// by [`Self::claims`]; an empty list issues none).
    pub fn default_claims<I, S>(mut self, uris: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.default_claims = Some(uris.into_iter().map(Into::into).collect());
        self
    }

    /// The claims issued when a request names none.
    pub fn defaults(&self) -> &[String] {
        match (&self.default_claims, &self.claims) {
            (Some(d), _) => d,
            (None, AllowedClaims::Only(list)) => list,
            (None, AllowedClaims::Any) => &[],
        }
    }

    /// Whether the party is consistent: its address (or pattern) parses and
    /// its default claims are allowed.
    /// [`RelyingParties::add`] runs this and
    /// [`crate::config::StsConfigBuilder::build`] reports the first problem.
    pub fn check(&self) -> Result<(), Error> {
        let bad = |what: String| Error::from(IssueError::Config(what));
        if self.is_pattern {
            Pattern::parse(&self.address)
                .map_err(|e| bad(format!("relying party pattern {:?}: {e}", self.address)))?;
        } else {
            Address::parse(&self.address)
                .map_err(|e| bad(format!("relying party address {:?}: {e}", self.address)))?;
        }
        self.check_settings()
    }

    /// The checks of [`Self::check`] that do not concern the address (the
    /// unregistered template has none).
    fn check_settings(&self) -> Result<(), Error> {
        let bad = |what: String| Error::from(IssueError::Config(what));
        if let Some(c) = self.defaults().iter().find(|c| !self.claims.allows(c)) {
            return Err(bad(format!(
                "relying party {:?}: default claim {c:?} is not among its allowed claims",
                self.address
            )));
        }
        Ok(())
    }
}

/// What happens to an `AppliesTo` no registered party matches.
#[derive(Debug, Clone, Default)]
pub enum Unregistered {
    /// Refuse with `wst:InvalidScope` (the default).
    #[default]
    Refuse,
    /// Issue with these settings (address replaced by the requested one);
    /// tokens are not encrypted unless the template has a certificate.
    Allow(Box<RelyingParty>),
}

/// The registry.
#[derive(Debug, Clone, Default)]
pub struct RelyingParties {
    exact: BTreeMap<String, RelyingParty>,
    patterns: Vec<(Pattern, RelyingParty)>,
    /// Parties [`Self::add`] could not register, with why.
    invalid: Vec<String>,
    unregistered: Unregistered,
}

impl RelyingParties {
    /// An empty registry that refuses unregistered parties.
    pub fn new() -> Self {
        Self::default()
    }

    /// Register `rp` (replacing an exact party with the same normalised
    /// address). A party that fails [`RelyingParty::check`] is not
    /// registered (it matches nothing) and [`Self::check`] reports it; use
    /// [`Self::try_add`] to learn at once.
    pub fn add(&mut self, rp: RelyingParty) {
        if let Err(e) = self.try_add(rp) {
            self.invalid.push(e.to_string());
        }
    }

    /// Register `rp` as [`Self::add`] does, or say why it cannot be.
    pub fn try_add(&mut self, rp: RelyingParty) -> Result<(), Error> {
        rp.check()?;
        let bad = |e: address::AddressError| IssueError::Config(e.to_string());
        if rp.is_pattern {
            let p = Pattern::parse(&rp.address).map_err(bad)?;
            self.patterns.push((p, rp));
        } else {
            let a = Address::parse(&rp.address).map_err(bad)?;
            self.exact.insert(a.to_string(), rp);
        }
        Ok(())
    }

    /// The first party [`Self::add`] refused, or a bad unregistered
    /// template, as a configuration error.
    pub fn check(&self) -> Result<(), Error> {
        if let Some(e) = self.invalid.first() {
            return Err(IssueError::Config(e.clone()).into());
        }
        match &self.unregistered {
            Unregistered::Refuse => Ok(()),
            Unregistered::Allow(t) => t.check_settings(),
        }
    }

    /// Remove the party registered at `address` (exact or pattern, as
    /// registered); whether one was removed.
    pub fn remove(&mut self, address: &str) -> bool {
        let n = normalize_address(address);
        if self.exact.remove(&n).is_some() {
            return true;
        }
        let before = self.patterns.len();
        self.patterns.retain(|(_, p)| p.address != address);
        before != self.patterns.len()
    }

    /// Set the behaviour for unregistered addresses.
    pub fn unregistered(&mut self, u: Unregistered) {
        self.unregistered = u;
    }

    /// Number of registered parties.
    pub fn len(&self) -> usize {
        self.exact.len() + self.patterns.len()
    }

    /// Whether none is registered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The party for a request without `AppliesTo`: only the unregistered
    /// template (with no address) if unregistered parties are allowed.
    pub fn without_applies_to(&self) -> Result<Cow<'_, RelyingParty>, Error> {
        match &self.unregistered {
            Unregistered::Refuse => Err(IssueError::UnknownRelyingParty.into()),
            Unregistered::Allow(t) => Ok(Cow::Owned(RelyingParty {
                address: String::new(),
                is_pattern: false,
                ..(**t).clone()
            })),
        }
    }

    /// The party for `applies_to`: refused if it is no valid address (or
    /// has userinfo), else the exact match after normalisation, then the
    /// first matching pattern, then the unregistered policy. A party found
    /// by a pattern or made from the template carries `applies_to` as its
    /// address (hence the `Cow`).
    pub fn find(&self, applies_to: &str) -> Result<Cow<'_, RelyingParty>, Error> {
        let a =
            Address::parse(applies_to).map_err(|e| IssueError::InvalidAddress(e.0.to_owned()))?;
        if let Some(rp) = self.exact.get(&a.to_string()) {
            return Ok(Cow::Borrowed(rp));
        }
        let found = match self.patterns.iter().find(|(p, _)| p.matches(&a)) {
            Some((_, rp)) => rp,
            None => match &self.unregistered {
                Unregistered::Refuse => return Err(IssueError::UnknownRelyingParty.into()),
                Unregistered::Allow(t) => t,
            },
        };
        Ok(Cow::Owned(RelyingParty {
            address: applies_to.trim().to_owned(),
            is_pattern: false,
            ..found.clone()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_after_normalisation() {
        let mut r = RelyingParties::new();
        r.add(RelyingParty::new("HTTPS://RP.Example/App/").lifetime(Duration::from_secs(60)));
        let rp = r.find(" https://rp.example/App ").unwrap();
        assert_eq!(rp.lifetime, Some(Duration::from_secs(60)));
        // path stays case-sensitive
        assert!(r.find("https://rp.example/app").is_err());
        assert!(matches!(
            r.find("https://rp.example/App/x"),
            Err(Error::Issue(IssueError::UnknownRelyingParty))
        ));
    }

    #[test]
    fn patterns_in_order() {
        let mut r = RelyingParties::new();
        r.add(RelyingParty::pattern("https://*.example.org/*").token_type(TokenType::Saml11));
        r.add(RelyingParty::pattern("https://*"));
        assert_eq!(
            r.find("https://a.example.org/x").unwrap().token_type,
            TokenType::Saml11
        );
        assert_eq!(
            r.find("https://other/").unwrap().token_type,
            TokenType::Saml20
        );
        assert!(r.find("http://a.example.org/x").is_err());
        assert!(r.remove("https://*"));
        assert!(r.find("https://other/").is_err());
        assert!(!r.remove("https://*"));
    }

    #[test]
    fn look_alikes_of_a_pattern_are_refused() {
        let mut r = RelyingParties::new();
        r.add(RelyingParty::pattern("https://*.partner.example/*").token_type(TokenType::Saml11));
        r.add(RelyingParty::new("https://rp.example/app"));
        assert!(r.check().is_ok());
        for ok in [
            "https://hr.partner.example/portal",
            "https://HR.PARTNER.example:443/portal",
            "https://hr.partner.example./portal",
            "https://a.b.partner.example/",
        ] {
            let rp = r.find(ok).unwrap();
            assert_eq!(rp.token_type, TokenType::Saml11, "{ok}");
            // the party found carries the requested address, never the pattern
            assert_eq!(rp.address, ok);
        }
        for (bad, unknown) in [
            ("https://evil.example/x.partner.example/y", true),
            ("https://evil.example/?x.partner.example/", true),
            ("https://evil.example/#x.partner.example/", true),
            ("https://hr.partner.example.evil.example/", true),
            ("https://hr.partner.example:8443/portal", true),
            ("https://hr.partner.example/portal?x", true),
            ("https://xn--hr-partner-example.evil/", true),
            ("https://rp.example/app%2Fx", true),
            ("https://rp.example/app/x", true),
            ("https://hr.partner.example@evil.example/", false),
            ("https://evil.example@hr.partner.example/", false),
            ("https://hr.partner.example\\@evil.example/", false),
            ("https://hr.partner.exam\u{440}le/", false),
            ("https://rp.example:443@evil.example/app", false),
        ] {
            let e = r.find(bad).unwrap_err();
            if unknown {
                assert!(
                    matches!(e, Error::Issue(IssueError::UnknownRelyingParty)),
                    "{bad}: {e}"
                );
            } else {
                assert!(
                    matches!(e, Error::Issue(IssueError::InvalidAddress(_))),
                    "{bad}: {e}"
                );
            }
        }
        // the exact party under its look-alikes
        for same in [
            "HTTPS://RP.EXAMPLE/app/",
            "https://rp.example:443/app",
            "https://rp.example./app",
            "https://rp.example/%61pp",
            "https://rp.example/x/../app",
        ] {
            assert_eq!(
                r.find(same).unwrap().address,
                "https://rp.example/app",
                "{same}"
            );
        }
        // userinfo is refused even where anything is allowed
        r.unregistered(Unregistered::Allow(Box::new(RelyingParty::new(""))));
        assert!(r.find("https://elsewhere.example/").is_ok());
        assert!(r.find("https://a@elsewhere.example/").is_err());
    }

    #[test]
    fn bad_patterns_and_default_claims_are_configuration_errors() {
        for p in [
            "https://*partner.example/*",
            "https://hr.*.example/",
            "https://*.partner.example:*/",
            "https://u@*.partner.example/",
            "not a pattern",
        ] {
            let mut r = RelyingParties::new();
            r.add(RelyingParty::pattern(p));
            assert!(
                matches!(r.check(), Err(Error::Issue(IssueError::Config(_)))),
                "{p}"
            );
            assert!(r.is_empty(), "{p}");
            assert!(RelyingParties::new()
                .try_add(RelyingParty::pattern(p))
                .is_err());
        }
        let mut r = RelyingParties::new();
        r.add(RelyingParty::new("https://u:p@rp.example/"));
        assert!(r.check().is_err());

        let mut r = RelyingParties::new();
        r.add(
            RelyingParty::new("urn:rp")
                .claims(["urn:a"])
                .default_claims(["urn:a", "urn:b"]),
        );
        let e = r.check().unwrap_err().to_string();
        assert!(e.contains("urn:b"), "{e}");
        let mut r = RelyingParties::new();
        r.unregistered(Unregistered::Allow(Box::new(
            RelyingParty::new("")
                .claims(["urn:a"])
                .default_claims(["urn:c"]),
        )));
        assert!(r.check().is_err());
        let ok = RelyingParty::new("urn:rp")
            .claims(["urn:a", "urn:b"])
            .default_claims(["urn:b"]);
        assert!(ok.check().is_ok());
        assert_eq!(ok.defaults(), ["urn:b"]);
        assert_eq!(
            RelyingParty::new("urn:rp").claims(["urn:a"]).defaults(),
            ["urn:a"]
        );
        assert!(RelyingParty::new("urn:rp").defaults().is_empty());
    }

    #[test]
    fn unregistered_policy() {
        let mut r = RelyingParties::new();
        assert!(r.find("urn:x").is_err());
        r.unregistered(Unregistered::Allow(Box::new(
            RelyingParty::new("").token_type(TokenType::Saml11),
        )));
        let rp = r.find("urn:x").unwrap();
        assert_eq!(rp.address, "urn:x");
        assert_eq!(rp.token_type, TokenType::Saml11);
        assert!(!rp.encrypt);
    }

    #[test]
    fn alias_from_store() {
        let store = MemoryCertificateStore::new();
        let e = RelyingParty::new("urn:a").certificate_alias(&store, "missing");
        assert!(matches!(e, Err(Error::Issue(IssueError::Config(_)))));
        let r = RelyingParty::new("urn:a").claims(["urn:c1"]);
        assert!(r.claims.allows("urn:c1"));
        assert!(!r.claims.allows("urn:c2"));
    }
}
