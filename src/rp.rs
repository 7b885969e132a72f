//! The relying-party registry (the seed product's "trusted services"):
//! which `AppliesTo` addresses the STS issues tokens for, with each party's
//! certificate (tokens are encrypted for it), default token type, lifetime
//! and allowed claims.
//!
//! Addresses are matched after normalisation ([`normalize_address`]: scheme
//! and host lowercased, one trailing `/` dropped), first exactly, then by the
//! registered patterns (`*` matches any run of characters) in the order they
//! were added. An unregistered address is refused unless the registry is
//! configured otherwise ([`Unregistered`]).
//!
//! ```
//! use wstrust::rp::{RelyingParty, RelyingParties};
//! use wstrust::wst::TokenType;
//! let mut rps = RelyingParties::new();
//! rps.add(RelyingParty::new("https://App.Example/").token_type(TokenType::Saml11));
//! rps.add(RelyingParty::pattern("https://*.partner.example/*"));
//! assert_eq!(rps.find("https://app.example").unwrap().token_type, TokenType::Saml11);
//! assert!(rps.find("https://hr.partner.example/portal").is_ok());
//! assert!(rps.find("https://evil.example/").is_err());
//! ```

use crate::error::{Error, IssueError};
use crate::keys::Certificate;
use crate::wst::TokenType;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Duration;

pub use crate::policy::normalize_address;

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
    /// names no claims, these are the claims issued.
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
/// | `claims` | [`AllowedClaims::Any`] |
#[derive(Debug, Clone)]
pub struct RelyingParty {
    /// The endpoint address as registered (normalised when matched), or a
    /// pattern with `*`.
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
    /// Claims the party may receive.
    pub claims: AllowedClaims,
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
            claims: AllowedClaims::Any,
        }
    }

    /// A party matching every address `pattern` matches (`*` = any run of
    /// characters; matched against normalised addresses).
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

    /// Restrict the claims.
    pub fn claims<I, S>(mut self, uris: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.claims = AllowedClaims::Only(uris.into_iter().map(Into::into).collect());
        self
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
    patterns: Vec<RelyingParty>,
    unregistered: Unregistered,
}

/// Whether `text` matches `pattern` (`*` = any run, possibly empty).
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = match parts.split_first() {
        Some(x) => x,
        None => return text.is_empty(),
    };
    let Some(mut t) = text.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return t.is_empty();
    };
    for m in middle {
        match t.find(m) {
            Some(i) => t = &t[i + m.len()..],
            None => return false,
        }
    }
    t.len() >= last.len() && t.ends_with(last)
}

impl RelyingParties {
    /// An empty registry that refuses unregistered parties.
    pub fn new() -> Self {
        Self::default()
    }

    /// Register `rp` (replacing an exact party with the same normalised
    /// address).
    pub fn add(&mut self, rp: RelyingParty) {
        if rp.is_pattern {
            self.patterns.push(rp);
        } else {
            self.exact.insert(normalize_address(&rp.address), rp);
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
        self.patterns.retain(|p| p.address != address);
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

    /// The party for `applies_to`: exact match after normalisation, then the
    /// first matching pattern, then the unregistered policy (a party made
    /// from its template, hence the `Cow`).
    pub fn find(&self, applies_to: &str) -> Result<Cow<'_, RelyingParty>, Error> {
        let n = normalize_address(applies_to);
        if let Some(rp) = self.exact.get(&n) {
            return Ok(Cow::Borrowed(rp));
        }
        if let Some(rp) = self
            .patterns
            .iter()
            .find(|p| glob(&normalize_address(&p.address), &n))
        {
            return Ok(Cow::Borrowed(rp));
        }
        match &self.unregistered {
            Unregistered::Refuse => Err(IssueError::UnknownRelyingParty.into()),
            Unregistered::Allow(t) => Ok(Cow::Owned(RelyingParty {
                address: applies_to.trim().to_owned(),
                is_pattern: false,
                ..(**t).clone()
            })),
        }
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
    fn glob_cases() {
        assert!(glob("a*c", "abc"));
        assert!(glob("a*c", "ac"));
        assert!(!glob("a*c", "abd"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "a_b_b_c"));
        assert!(!glob("a*b*c", "acb"));
        assert!(glob("abc", "abc"));
        assert!(!glob("abc", "abcd"));
        assert!(!glob("ab*ba", "aba"));
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
