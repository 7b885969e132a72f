//! Security policy: which evidence a request must carry, who may use the STS,
//! and what each requester may ask for. Evaluated before issuance, testable
//! on its own (it sees plain facts, not XML).
//!
//! The checks happen in three steps, each answered by the [`Policy`] trait:
//! 1. [`check_evidence`](Policy::check_evidence): the authentication method,
//!    the transport (TLS), the Timestamp and the signed parts, as established
//!    and verified by [`crate::wss`] (the core always verifies whatever a
//!    request carries; the policy only decides whether it is *enough*);
//! 2. [`check_principal`](Policy::check_principal): roles and user-store
//!    domains allowed to use the STS at all;
//! 3. [`check_request`](Policy::check_request): per relying party, the token
//!    types, key types and claims the requester may get.
//!
//! A [`Denial`] says why; it maps to `wsse:InvalidSecurity` (evidence),
//! `wsse:FailedAuthentication` (who: the same fault as a wrong password, so a
//! guessed password of a user without the role is not confirmed) or
//! `wst:RequestFailed` (what).
//!
//! [`StandardPolicy`] mirrors the seed product's security scenarios that apply
//! to an STS: [`username_token`](StandardPolicy::username_token) (scenario 1,
//! UsernameToken over HTTPS) and
//! [`non_repudiation`](StandardPolicy::non_repudiation) (scenario 2, an X.509
//! signature over Body and Timestamp). Host hooks run after the standard
//! checks and can only refuse: they never see a request the standard checks
//! refused.
//!
//! ```
//! use wstrust::policy::{Allow, Evidence, Method, Policy, SignedParts, StandardPolicy};
//! use wstrust::host::Principal;
//! use wstrust::error::Denial;
//! let policy = StandardPolicy::username_token().roles(Allow::only(["admin"]));
//! let mut ev = Evidence { method: Method::PasswordText, tls: true, timestamp: true,
//!                         signed: SignedParts::NONE };
//! assert!(policy.check_evidence(&ev).is_ok());
//! ev.tls = false;
//! assert_eq!(policy.check_evidence(&ev), Err(Denial::TlsRequired));
//! let alice = Principal { name: "alice".into(), domain: "PRIMARY".into(), roles: vec![] };
//! assert_eq!(policy.check_principal(&alice, Method::PasswordText), Err(Denial::Role));
//! ```

use crate::error::Denial;
use crate::host::Principal;
use crate::wst::{KeyType, Rst, TokenType};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::{self, Debug};
use std::sync::Arc;

/// How the requester authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Method {
    /// `wsse:UsernameToken` with `PasswordText`.
    PasswordText,
    /// `wsse:UsernameToken` with `PasswordDigest`.
    PasswordDigest,
    /// A `ds:Signature` in the Security header by a trusted X.509 certificate.
    X509Signature,
    /// A SAML assertion in the Security header from a trusted issuer.
    SamlAssertion,
    /// A TLS client certificate the host verified.
    TlsClientCertificate,
    /// The host application authenticated the user by its own means
    /// ([`crate::auth::Authenticated::local`]).
    Host,
}

impl Method {
    /// A short name for logs and the authentication statement.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PasswordText => "password",
            Self::PasswordDigest => "password-digest",
            Self::X509Signature => "x509",
            Self::SamlAssertion => "saml",
            Self::TlsClientCertificate => "tls-client-certificate",
            Self::Host => "host",
        }
    }

    /// Whether this is a password method.
    pub fn is_password(self) -> bool {
        matches!(self, Self::PasswordText | Self::PasswordDigest)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which parts of the message a verified signature covered (or, in a policy,
/// must cover).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SignedParts {
    /// The SOAP `Body`.
    pub body: bool,
    /// The `wsu:Timestamp`.
    pub timestamp: bool,
    /// Every WS-Addressing header present (`Action`, `To`, `MessageID`,
    /// `ReplyTo`).
    pub addressing: bool,
}

impl SignedParts {
    /// Nothing signed.
    pub const NONE: Self = Self {
        body: false,
        timestamp: false,
        addressing: false,
    };
    /// Body and Timestamp (the seed product's scenario 2).
    pub const BODY_AND_TIMESTAMP: Self = Self {
        body: true,
        timestamp: true,
        addressing: false,
    };
    /// Body, Timestamp and addressing headers.
    pub const ALL: Self = Self {
        body: true,
        timestamp: true,
        addressing: true,
    };

    /// The first part `required` demands that `self` lacks.
    pub fn missing_from(self, required: SignedParts) -> Option<&'static str> {
        if required.body && !self.body {
            Some("Body")
        } else if required.timestamp && !self.timestamp {
            Some("Timestamp")
        } else if required.addressing && !self.addressing {
            Some("addressing headers")
        } else {
            None
        }
    }
}

/// What the core established about a request's evidence, after verifying it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Evidence {
    /// The method that authenticated the requester.
    pub method: Method,
    /// The request arrived over TLS.
    pub tls: bool,
    /// A valid `wsu:Timestamp` was present.
    pub timestamp: bool,
    /// The parts a verified signature covered.
    pub signed: SignedParts,
}

/// An explicit allowlist: `Any`, or only the listed values. There is no
/// "empty means everything".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allow<T> {
    /// Every value is allowed.
    Any,
    /// Only these values (an empty list allows nothing).
    Only(Vec<T>),
}

impl Allow<String> {
    /// Only the given strings.
    pub fn only<I, S>(values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Allow::Only(values.into_iter().map(Into::into).collect())
    }
}

impl<T: PartialEq> Allow<T> {
    /// Whether `v` is allowed.
    pub fn allows(&self, v: &T) -> bool {
        match self {
            Allow::Any => true,
            Allow::Only(list) => list.contains(v),
        }
    }
}

/// The part of a request that authorization looks at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessRequest {
    /// The relying party (`wsp:AppliesTo` address), if any.
    pub applies_to: Option<String>,
    /// The token type. The `Sts` passes the one it will issue (the
    /// relying party's default when the RST names none); [`Self::from_rst`]
    /// only what the RST names.
    pub token_type: Option<TokenType>,
    /// The key type: as for `token_type`, the one the `Sts` will issue.
    pub key_type: Option<KeyType>,
    /// The claim type URIs: the `Sts` passes the party's default claims when
    /// the RST names none (and on token exchange the claims carried on).
    pub claims: Vec<String>,
    /// The request carried claims in a dialect whose claim types could not
    /// be read (refused when claims are restricted).
    pub opaque_claims: bool,
}

impl AccessRequest {
    /// The facts of a parsed RST.
    pub fn from_rst(rst: &Rst<'_, '_>) -> Self {
        let (claims, opaque_claims) = match &rst.claims {
            Some(c) => (
                c.claim_types.iter().map(|t| t.uri.clone()).collect(),
                c.claim_types.is_empty() && c.node.is_some(),
            ),
            None => (Vec::new(), false),
        };
        Self {
            applies_to: rst.applies_to.as_ref().map(|a| a.address.clone()),
            token_type: rst.token_type,
            key_type: rst.key_type,
            claims,
            opaque_claims,
        }
    }
}

/// What a relying party (or every party without its own rule) may be asked
/// for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpRule {
    /// Token types that may be requested.
    pub token_types: Allow<TokenType>,
    /// Key types that may be requested.
    pub key_types: Allow<KeyType>,
    /// Claim type URIs that may be requested.
    pub claims: Allow<String>,
}

impl RpRule {
    /// Everything allowed.
    pub fn any() -> Self {
        Self {
            token_types: Allow::Any,
            key_types: Allow::Any,
            claims: Allow::Any,
        }
    }

    /// Restrict token types.
    pub fn token_types(mut self, types: &[TokenType]) -> Self {
        self.token_types = Allow::Only(types.to_vec());
        self
    }

    /// Restrict key types.
    pub fn key_types(mut self, types: &[KeyType]) -> Self {
        self.key_types = Allow::Only(types.to_vec());
        self
    }

    /// Restrict claims.
    pub fn claims<I, S>(mut self, uris: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.claims = Allow::only(uris);
        self
    }
}

/// The security policy the STS applies to every request.
///
/// # Contract
/// The core verifies everything a request carries (signatures, timestamps,
/// passwords, nonces) whatever the policy says; a policy only decides
/// whether what was verified is enough and who may ask for what. It can
/// therefore only make the STS stricter.
pub trait Policy: Debug + Send + Sync {
    /// Whether the verified evidence satisfies the authentication
    /// requirements.
    fn check_evidence(&self, evidence: &Evidence) -> Result<(), Denial>;
    /// Whether this principal may use the STS at all.
    fn check_principal(&self, principal: &Principal, method: Method) -> Result<(), Denial>;
    /// Whether this principal may get what it asks for.
    fn check_request(&self, principal: &Principal, request: &AccessRequest) -> Result<(), Denial>;
}

/// A host callback run after [`StandardPolicy`]'s own checks passed. It can
/// only refuse (its `Err` text goes to the log as [`Denial::Hook`]).
pub type Hook = Arc<dyn Fn(&Principal, &AccessRequest) -> Result<(), String> + Send + Sync>;

/// The shipped [`Policy`]: fixed allowlists set at construction.
///
/// # Defaults (of both constructors)
/// | setting | `username_token()` | `non_repudiation()` |
/// |---|---|---|
/// | methods | PasswordText, PasswordDigest | X509Signature |
/// | passwords only over TLS | yes | yes |
/// | Timestamp required | yes | yes |
/// | signed parts (signature methods) | none | Body + Timestamp |
/// | roles, domains | any | any |
/// | relying parties without a rule | anything | anything |
#[derive(Clone)]
pub struct StandardPolicy {
    methods: BTreeSet<Method>,
    password_requires_tls: bool,
    require_timestamp: bool,
    signed_parts: SignedParts,
    roles: Allow<String>,
    domains: Allow<String>,
    relying_parties: BTreeMap<String, RpRule>,
    /// Rules for relying-party patterns, in the order added (`None`: a
    /// pattern that did not parse).
    rp_patterns: Vec<(Option<crate::uri::Pattern>, RpRule)>,
    default_rule: Option<RpRule>,
    hooks: Vec<Hook>,
}

impl Debug for StandardPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StandardPolicy")
            .field("methods", &self.methods)
            .field("password_requires_tls", &self.password_requires_tls)
            .field("require_timestamp", &self.require_timestamp)
            .field("signed_parts", &self.signed_parts)
            .field("roles", &self.roles)
            .field("domains", &self.domains)
            .field("relying_parties", &self.relying_parties)
            .field("rp_patterns", &self.rp_patterns)
            .field("default_rule", &self.default_rule)
            .field("hooks", &self.hooks.len())
            .finish()
    }
}

/// Relying-party addresses are looked up in their canonical form: the
/// registry's ([`crate::rp`]), so rules and parties agree on what is the
/// same address.
pub use crate::rp::normalize_address;

impl StandardPolicy {
    fn base(methods: &[Method], signed_parts: SignedParts) -> Self {
        Self {
            methods: methods.iter().copied().collect(),
            password_requires_tls: true,
            require_timestamp: true,
            signed_parts,
            roles: Allow::Any,
            domains: Allow::Any,
            relying_parties: BTreeMap::new(),
            rp_patterns: Vec::new(),
            default_rule: Some(RpRule::any()),
            hooks: Vec::new(),
        }
    }

    /// Scenario 1, "UsernameToken": a UsernameToken over HTTPS, with a
    /// Timestamp.
    pub fn username_token() -> Self {
        Self::base(
            &[Method::PasswordText, Method::PasswordDigest],
            SignedParts::NONE,
        )
    }

    /// Scenario 2, "Non-repudiation": an X.509 signature over Body and
    /// Timestamp.
    pub fn non_repudiation() -> Self {
        Self::base(&[Method::X509Signature], SignedParts::BODY_AND_TIMESTAMP)
    }

    /// Replace the allowed authentication methods.
    pub fn methods(mut self, methods: &[Method]) -> Self {
        self.methods = methods.iter().copied().collect();
        self
    }

    /// Whether passwords are accepted only over TLS (default yes). Turning
    /// this off sends reusable passwords in the clear unless the host
    /// terminates TLS elsewhere.
    pub fn password_requires_tls(mut self, yes: bool) -> Self {
        self.password_requires_tls = yes;
        self
    }

    /// Whether a `wsu:Timestamp` is required (default yes).
    pub fn require_timestamp(mut self, yes: bool) -> Self {
        self.require_timestamp = yes;
        self
    }

    /// The parts a signature must cover when the method is a signature
    /// ([`Method::X509Signature`]).
    pub fn signed_parts(mut self, parts: SignedParts) -> Self {
        self.signed_parts = parts;
        self
    }

    /// Roles allowed to use the STS (a principal needs one of them).
    pub fn roles(mut self, roles: Allow<String>) -> Self {
        self.roles = roles;
        self
    }

    /// User-store domains allowed to use the STS (case-insensitive).
    pub fn domains(mut self, domains: Allow<String>) -> Self {
        self.domains = match domains {
            Allow::Any => Allow::Any,
            Allow::Only(set) => Allow::Only(set.iter().map(|d| d.to_ascii_uppercase()).collect()),
        };
        self
    }

    /// The rule for one relying party, by its `AppliesTo` address
    /// (normalised with [`normalize_address`]; a `*` in it is a character
    /// of the address, as for [`crate::rp::RelyingParty::new`]). An exact
    /// address's rule wins over any pattern's.
    pub fn relying_party(mut self, address: &str, rule: RpRule) -> Self {
        self.relying_parties
            .insert(normalize_address(address), rule);
        self
    }

    /// The rule for every address `pattern` matches, written as for
    /// [`crate::rp::RelyingParty::pattern`] (`https://*.partner.example/*`).
    /// Among patterns the first added that matches rules. A pattern that
    /// does not parse makes [`Policy::check_request`] refuse every request
    /// (fail closed, [`Denial::RelyingParty`]), never silently fall back to
    /// the default rule.
    pub fn relying_party_pattern(mut self, pattern: &str, rule: RpRule) -> Self {
        self.rp_patterns
            .push((crate::uri::Pattern::parse(pattern).ok(), rule));
        self
    }

    /// The rule for relying parties (and requests without `AppliesTo`) that
    /// have no rule of their own; `None` refuses them.
    pub fn default_rule(mut self, rule: Option<RpRule>) -> Self {
        self.default_rule = rule;
        self
    }

    /// Add a host hook, run after every standard check passed.
    pub fn hook(mut self, hook: Hook) -> Self {
        self.hooks.push(hook);
        self
    }
}

impl Policy for StandardPolicy {
    fn check_evidence(&self, ev: &Evidence) -> Result<(), Denial> {
        if !self.methods.contains(&ev.method) {
            return Err(Denial::MethodNotAllowed(ev.method.as_str()));
        }
        if ev.method.is_password() && self.password_requires_tls && !ev.tls {
            return Err(Denial::TlsRequired);
        }
        if self.require_timestamp && !ev.timestamp {
            return Err(Denial::TimestampRequired);
        }
        if ev.method == Method::X509Signature {
            if let Some(part) = ev.signed.missing_from(self.signed_parts) {
                return Err(Denial::NotSigned(part));
            }
        }
        Ok(())
    }

    fn check_principal(&self, principal: &Principal, _method: Method) -> Result<(), Denial> {
        let domain = principal.domain.to_ascii_uppercase();
        if !self.domains.allows(&domain) {
            return Err(Denial::Domain);
        }
        match &self.roles {
            Allow::Any => Ok(()),
            Allow::Only(set) => {
                if principal.roles.iter().any(|r| set.contains(r)) {
                    Ok(())
                } else {
                    Err(Denial::Role)
                }
            }
        }
    }

    fn check_request(&self, principal: &Principal, req: &AccessRequest) -> Result<(), Denial> {
        if self.rp_patterns.iter().any(|(p, _)| p.is_none()) {
            return Err(Denial::RelyingParty);
        }
        let by_pattern = |a: &str| {
            let a = crate::uri::Address::parse(a).ok()?;
            self.rp_patterns
                .iter()
                .find_map(|(p, rule)| p.as_ref().filter(|p| p.matches(&a)).map(|_| rule))
        };
        let rule = req
            .applies_to
            .as_deref()
            .and_then(|a| {
                self.relying_parties
                    .get(&normalize_address(a))
                    .or_else(|| by_pattern(a))
            })
            .or(self.default_rule.as_ref())
            .ok_or(Denial::RelyingParty)?;
        if let Some(t) = req.token_type {
            if !rule.token_types.allows(&t) {
                return Err(Denial::TokenType(format!("{t:?}")));
            }
        }
        if let Some(k) = req.key_type {
            if !rule.key_types.allows(&k) {
                return Err(Denial::KeyType(format!("{k:?}")));
            }
        }
        if let Allow::Only(allowed) = &rule.claims {
            if req.opaque_claims {
                return Err(Denial::Claim("claims in an unreadable dialect".into()));
            }
            if let Some(c) = req.claims.iter().find(|c| !allowed.contains(*c)) {
                return Err(Denial::Claim(c.clone()));
            }
        }
        for hook in &self.hooks {
            hook(principal, req).map_err(Denial::Hook)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[&str], domain: &str) -> Principal {
        Principal {
            name: "u".into(),
            domain: domain.into(),
            roles: roles.iter().map(|r| (*r).into()).collect(),
        }
    }

    fn ev(method: Method) -> Evidence {
        Evidence {
            method,
            tls: true,
            timestamp: true,
            signed: SignedParts::NONE,
        }
    }

    /// Rules for pattern parties rule the addresses the pattern matches;
    /// an exact rule wins; a pattern that does not parse refuses everything.
    #[test]
    fn pattern_rules() {
        let req = |a: &str| AccessRequest {
            applies_to: Some(a.into()),
            token_type: None,
            key_type: Some(KeyType::Bearer),
            claims: vec![],
            opaque_claims: false,
        };
        let u = user(&[], "PRIMARY");
        let p = StandardPolicy::username_token()
            .relying_party("https://x.partner.example/app", RpRule::any())
            .relying_party_pattern(
                "https://*.partner.example/*",
                RpRule::any().key_types(&[KeyType::SymmetricKey]),
            )
            .default_rule(Some(RpRule::any()));
        assert!(matches!(
            p.check_request(&u, &req("https://a.partner.example/app")),
            Err(Denial::KeyType(_))
        ));
        assert!(p
            .check_request(&u, &req("https://x.partner.example/app"))
            .is_ok());
        assert!(p
            .check_request(&u, &req("https://evil.example/x.partner.example/"))
            .is_ok());
        let broken = StandardPolicy::username_token()
            .relying_party_pattern("https://*.partner.example:x/*", RpRule::any())
            .default_rule(Some(RpRule::any()));
        assert_eq!(
            broken.check_request(&u, &req("https://rp.example/")),
            Err(Denial::RelyingParty)
        );
    }

    #[test]
    fn username_token_scenario() {
        let p = StandardPolicy::username_token();
        assert!(p.check_evidence(&ev(Method::PasswordText)).is_ok());
        assert!(p.check_evidence(&ev(Method::PasswordDigest)).is_ok());
        assert_eq!(
            p.check_evidence(&ev(Method::X509Signature)),
            Err(Denial::MethodNotAllowed("x509"))
        );
        let mut e = ev(Method::PasswordDigest);
        e.tls = false;
        assert_eq!(p.check_evidence(&e), Err(Denial::TlsRequired));
        let p2 = p.clone().password_requires_tls(false);
        assert!(p2.check_evidence(&e).is_ok());
        let mut e = ev(Method::PasswordText);
        e.timestamp = false;
        assert_eq!(p.check_evidence(&e), Err(Denial::TimestampRequired));
        assert!(p.require_timestamp(false).check_evidence(&e).is_ok());
    }

    #[test]
    fn non_repudiation_requires_signed_body_and_timestamp() {
        let p = StandardPolicy::non_repudiation();
        let mut e = ev(Method::X509Signature);
        e.tls = false; // not needed for signatures
        assert_eq!(p.check_evidence(&e), Err(Denial::NotSigned("Body")));
        e.signed.body = true;
        assert_eq!(p.check_evidence(&e), Err(Denial::NotSigned("Timestamp")));
        e.signed.timestamp = true;
        assert!(p.check_evidence(&e).is_ok());
        let p = p.signed_parts(SignedParts::ALL);
        assert_eq!(
            p.check_evidence(&e),
            Err(Denial::NotSigned("addressing headers"))
        );
        assert_eq!(
            p.check_evidence(&ev(Method::PasswordText)),
            Err(Denial::MethodNotAllowed("password"))
        );
    }

    #[test]
    fn roles_and_domains() {
        let p = StandardPolicy::username_token()
            .roles(Allow::only(["admin"]))
            .domains(Allow::only(["primary"]));
        assert!(p
            .check_principal(&user(&["x", "admin"], "PRIMARY"), Method::PasswordText)
            .is_ok());
        assert_eq!(
            p.check_principal(&user(&["Admin"], "PRIMARY"), Method::PasswordText),
            Err(Denial::Role)
        );
        assert_eq!(
            p.check_principal(&user(&["admin"], "LDAP"), Method::PasswordText),
            Err(Denial::Domain)
        );
        let nobody = StandardPolicy::username_token().roles(Allow::Only(Vec::new()));
        assert_eq!(
            nobody.check_principal(&user(&["admin"], "PRIMARY"), Method::PasswordText),
            Err(Denial::Role)
        );
    }

    #[test]
    fn per_relying_party_rules() {
        let p = StandardPolicy::username_token()
            .relying_party(
                "HTTPS://RP.example/app/",
                RpRule::any()
                    .token_types(&[TokenType::Saml20])
                    .key_types(&[KeyType::Bearer])
                    .claims(["urn:email"]),
            )
            .default_rule(None);
        let u = user(&[], "PRIMARY");
        let mut req = AccessRequest {
            applies_to: Some("https://rp.example/app".into()),
            token_type: Some(TokenType::Saml20),
            key_type: Some(KeyType::Bearer),
            claims: vec!["urn:email".into()],
            opaque_claims: false,
        };
        assert!(p.check_request(&u, &req).is_ok());
        req.token_type = Some(TokenType::Saml11);
        assert!(matches!(
            p.check_request(&u, &req),
            Err(Denial::TokenType(_))
        ));
        req.token_type = None;
        req.key_type = Some(KeyType::SymmetricKey);
        assert!(matches!(p.check_request(&u, &req), Err(Denial::KeyType(_))));
        req.key_type = None;
        req.claims.push("urn:ssn".into());
        assert_eq!(
            p.check_request(&u, &req),
            Err(Denial::Claim("urn:ssn".into()))
        );
        req.claims.clear();
        req.opaque_claims = true;
        assert!(matches!(p.check_request(&u, &req), Err(Denial::Claim(_))));
        req.opaque_claims = false;
        assert!(p.check_request(&u, &req).is_ok());
        req.applies_to = Some("https://other.example/".into());
        assert_eq!(p.check_request(&u, &req), Err(Denial::RelyingParty));
        req.applies_to = None;
        assert_eq!(p.check_request(&u, &req), Err(Denial::RelyingParty));
    }

    #[test]
    fn hooks_only_tighten() {
        let p = StandardPolicy::username_token()
            .default_rule(Some(RpRule::any().key_types(&[KeyType::Bearer])))
            .hook(Arc::new(|p: &Principal, _: &AccessRequest| {
                if p.name == "mallory" {
                    Err("blocked".into())
                } else {
                    Ok(())
                }
            }))
            // a hook that "accepts" everything changes nothing
            .hook(Arc::new(|_: &Principal, _: &AccessRequest| Ok(())));
        let mut u = user(&[], "PRIMARY");
        let req = AccessRequest {
            key_type: Some(KeyType::SymmetricKey),
            ..AccessRequest::default()
        };
        assert!(matches!(p.check_request(&u, &req), Err(Denial::KeyType(_))));
        let ok = AccessRequest::default();
        assert!(p.check_request(&u, &ok).is_ok());
        u.name = "mallory".into();
        assert_eq!(
            p.check_request(&u, &ok),
            Err(Denial::Hook("blocked".into()))
        );
    }

    #[test]
    fn address_normalisation() {
        assert_eq!(
            normalize_address(" HTTPS://Rp.Example/App/ "),
            "https://rp.example/App"
        );
        assert_eq!(normalize_address("urn:x/"), "urn:x");
    }
}
