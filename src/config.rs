//! [`StsConfig`]: everything the issuing STS ([`crate::sts::Sts`]) needs, in
//! one builder.
//!
//! ```
//! use std::sync::Arc;
//! use wstrust::config::StsConfig;
//! use wstrust::keys::{AwsLcRsaKey, Certificate};
//! # fn main() -> Result<(), wstrust::Error> {
//! let key = Arc::new(AwsLcRsaKey::from_pem(include_bytes!("../tests/data/signer.key.pem"))?);
//! let cert = Certificate::from_pem(include_bytes!("../tests/data/signer.cert.pem"))?;
//! let config = StsConfig::builder()
//!     .issuer("https://sts.example/")
//!     .signing_key(key, cert)
//!     .build()?;
//! assert_eq!(config.lifetime, wstrust::config::DEFAULT_LIFETIME);
//! # Ok(()) }
//! ```

use crate::audit::AuditObserver;
use crate::auth::{AssertionVerifier, AuthConfig};
use crate::claims::{AttributeClaims, ClaimsProvider, DIALECT_WSO2};
use crate::dsig::{DigestAlgorithm, SignatureAlgorithm};
use crate::error::{Error, IssueError};
use crate::host::{Clock, KeyResolver, Lockout, ReplayCache, TokenStore, UserStore};
use crate::keys::{Certificate, PrivateKey};
use crate::lifecycle::{LifecyclePolicy, StoreCheckedVerifier};
use crate::memory::{
    MemoryLockout, MemoryReplayCache, MemoryUserStore, OsRandom, SystemClock, PRIMARY_DOMAIN,
};
use crate::policy::{Policy, StandardPolicy};
use crate::rp::RelyingParties;
use crate::token::{Decryption, TokenValidator, TrustedIssuer};
use crate::wss::WssSettings;
use crate::wst::{KeyType, TokenType};
use crate::xenc::EncryptOptions;
use crate::{host::Random, Limits};
use std::sync::Arc;
use std::time::Duration;

/// Default token lifetime: one hour (what AD FS and WIF issue).
pub const DEFAULT_LIFETIME: Duration = Duration::from_secs(60 * 60);
/// Default maximum lifetime a request may ask for: eight hours (a work day).
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);

/// The STS configuration. Built by [`StsConfig::builder`]; fields are public
/// for reading.
///
/// # Defaults
/// | field | default |
/// |---|---|
/// | `lifetime` | [`DEFAULT_LIFETIME`] (1 hour) |
/// | `max_lifetime` | [`DEFAULT_MAX_LIFETIME`] (8 hours) |
/// | `clock_skew` | [`crate::limits::DEFAULT_CLOCK_SKEW`] (5 minutes) |
/// | `signature_algorithms` | `[RsaSha256, RsaSha512]` (first is the default) |
/// | `digest` | SHA-256 |
/// | `token_type` | SAML 2.0 (when neither the request nor the party names one) |
/// | `key_type` | Bearer (when the request names none) |
/// | `key_size` | [`crate::confirm::DEFAULT_KEY_SIZE`] (256 bits) |
/// | `name_id_format` | [`crate::saml::NAMEID_UNSPECIFIED`] |
/// | users | an empty [`MemoryUserStore`] |
/// | policy | [`StandardPolicy::username_token`] |
/// | claims | [`AttributeClaims`] with the `http://wso2.org/claims` local dialect |
/// | relying parties | none; unregistered parties refused |
/// | clock, random | [`SystemClock`], [`OsRandom`] |
/// | audit | none |
/// | trusted intermediaries | none (OnBehalfOf/ActAs refused) |
/// | encryption | [`EncryptOptions::default`] (AES-256-GCM, RSA-OAEP) |
/// | token store | none (issued tokens are not recorded) |
/// | lifecycle | [`LifecyclePolicy::new`] for the issuer; `require_state` on exactly when a token store is set |
/// | trusted issuers | none: Validate accepts only this STS's own tokens |
/// | SHA-1 from trusted issuers | refused ([`StsConfigBuilder::trusted_issuer_sha1`] turns it on for one) |
/// | local account issuers | this STS only |
/// | endpoints | none: any `wsa:To` passes, and trusted issuers' SAML 2.0 bearer header credentials are refused |
/// | assertion verifier | [`StoreCheckedVerifier`] over [`Self::validator`]; in the `wsse:Security` header the assertion's audience must be the issuer name or an endpoint, and a trusted issuer's SAML 2.0 bearer token must name a `Recipient` that is an endpoint and the request's `wsa:To` (where given) |
#[derive(Debug)]
pub struct StsConfig {
    /// The issuer name (the seed's "Home Realm Identifier").
    pub issuer: String,
    /// The key that signs issued tokens.
    pub signing_key: Arc<dyn PrivateKey>,
    /// Its certificate (sent in the signature's KeyInfo).
    pub certificate: Certificate,
    /// Token lifetime when neither the request nor the party sets one.
    pub lifetime: Duration,
    /// Longest lifetime a request may ask for.
    pub max_lifetime: Duration,
    /// Clock skew tolerated for requested start times.
    pub clock_skew: Duration,
    /// Signature algorithms a request may ask for; the first is the default.
    pub signature_algorithms: Vec<SignatureAlgorithm>,
    /// Reference digest.
    pub digest: DigestAlgorithm,
    /// Token type when neither the request nor the party names one.
    pub token_type: TokenType,
    /// Key type when the request names none.
    pub key_type: KeyType,
    /// Symmetric proof-key size when the request names none.
    pub key_size: u32,
    /// NameID format of issued subjects.
    pub name_id_format: String,
    /// Authentication: users, policy, replay cache, lockout, trust anchors.
    pub auth: AuthConfig,
    /// Claim values.
    pub claims: Arc<dyn ClaimsProvider>,
    /// The relying parties.
    pub relying_parties: RelyingParties,
    /// Time.
    pub clock: Arc<dyn Clock>,
    /// Randomness (IDs, keys, IVs).
    pub random: Arc<dyn Random>,
    /// Audit events.
    pub audit: Option<Arc<dyn AuditObserver>>,
    /// Principals (`name` as authenticated, or `DOMAIN/name`) allowed to ask
    /// on behalf of others (`OnBehalfOf`, `ActAs`) and to renew tokens. A
    /// principal vouched for by a trusted issuer's assertion (not a local
    /// account) never is one.
    pub trusted_intermediaries: Vec<String>,
    /// How tokens and proof keys are encrypted for relying parties, and to
    /// the `ProofEncryption` certificate. A party's own
    /// [`crate::rp::RelyingParty::data_algorithms`] and `key_transports`,
    /// when it lists them, replace `data` and `key_transport` for it.
    pub encryption: EncryptOptions,
    /// The STS's own decryption keys (for `EncryptedKey` entropy).
    pub decryption_keys: Option<Arc<dyn KeyResolver>>,
    /// Limits for parsing and signing.
    pub limits: Limits,
    /// Where issued tokens are recorded (for validate, renew, cancel).
    pub token_store: Option<Arc<dyn TokenStore>>,
    /// Renewal and state rules.
    pub lifecycle: LifecyclePolicy,
    /// Foreign issuers whose tokens Validate (and the default assertion
    /// verifier) accept: each name with exactly its own certificates.
    pub trusted_issuers: Vec<TrustedIssuer>,
    /// This STS's own endpoint addresses: accepted audiences of header
    /// credentials and of tokens to exchange, the accepted `Recipient`s of
    /// SAML 2.0 bearer header credentials, and accepted `wsa:To`s
    /// ([`crate::service::TokenService::addresses`]).
    pub endpoints: Vec<String>,
    /// The token validator of Validate, Renew and Cancel: this STS's
    /// certificate for its issuer name, each trusted issuer's certificates
    /// for its name, the STS's decryption keys.
    pub validator: Arc<TokenValidator>,
    /// The verifier of SAML tokens in `OnBehalfOf`/`ActAs` (no audience
    /// required: such a token was issued to the intermediary). The one set
    /// with [`StsConfigBuilder::assertions`] if any, else a
    /// [`StoreCheckedVerifier`] over [`Self::validator`].
    pub delegated_assertions: Arc<dyn AssertionVerifier>,
}

impl StsConfig {
    /// Start a builder.
    pub fn builder() -> StsConfigBuilder {
        StsConfigBuilder::default()
    }
}

/// Builder for [`StsConfig`]; `issuer` and `signing_key` are required.
#[derive(Debug, Default)]
pub struct StsConfigBuilder {
    issuer: Option<String>,
    key: Option<(Arc<dyn PrivateKey>, Certificate)>,
    lifetime: Option<Duration>,
    max_lifetime: Option<Duration>,
    clock_skew: Option<Duration>,
    algorithms: Option<Vec<SignatureAlgorithm>>,
    digest: Option<DigestAlgorithm>,
    token_type: Option<TokenType>,
    key_type: Option<KeyType>,
    key_size: Option<u32>,
    name_id_format: Option<String>,
    users: Option<Arc<dyn UserStore>>,
    policy: Option<Arc<dyn Policy>>,
    replay: Option<Arc<dyn ReplayCache>>,
    lockout: Option<Arc<dyn Lockout>>,
    wss: Option<WssSettings>,
    assertions: Option<Arc<dyn AssertionVerifier>>,
    claims: Option<Arc<dyn ClaimsProvider>>,
    relying_parties: Option<RelyingParties>,
    clock: Option<Arc<dyn Clock>>,
    random: Option<Arc<dyn Random>>,
    audit: Option<Arc<dyn AuditObserver>>,
    intermediaries: Vec<String>,
    encryption: Option<EncryptOptions>,
    decryption_keys: Option<Arc<dyn KeyResolver>>,
    limits: Option<Limits>,
    token_store: Option<Arc<dyn TokenStore>>,
    lifecycle: Option<LifecyclePolicy>,
    trusted_issuers: Vec<(String, Certificate)>,
    sha1_issuers: Vec<String>,
    local_account_issuers: Vec<String>,
    partner_claims: std::collections::BTreeMap<String, Vec<String>>,
    endpoints: Vec<String>,
}

macro_rules! setter {
    ($(#[$m:meta])* $name:ident: $t:ty) => {
        $(#[$m])*
        pub fn $name(mut self, v: $t) -> Self {
            self.$name = Some(v);
            self
        }
    };
}

impl StsConfigBuilder {
    /// The issuer name written into every token (required).
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The signing key and its certificate (required; must match).
    pub fn signing_key(mut self, key: Arc<dyn PrivateKey>, certificate: Certificate) -> Self {
        self.key = Some((key, certificate));
        self
    }

    setter!(
        /// Default token lifetime.
        lifetime: Duration
    );
    setter!(
        /// Maximum token lifetime.
        max_lifetime: Duration
    );
    setter!(
        /// Clock skew.
        clock_skew: Duration
    );
    setter!(
        /// Default token type.
        token_type: TokenType
    );
    setter!(
        /// Default key type.
        key_type: KeyType
    );
    setter!(
        /// Default symmetric key size in bits.
        key_size: u32
    );
    setter!(
        /// Reference digest algorithm.
        digest: DigestAlgorithm
    );
    setter!(
        /// The user store.
        users: Arc<dyn UserStore>
    );
    setter!(
        /// The security policy.
        policy: Arc<dyn Policy>
    );
    setter!(
        /// The replay cache (nonces, signature values).
        replay: Arc<dyn ReplayCache>
    );
    setter!(
        /// Failed-password lockout.
        lockout: Arc<dyn Lockout>
    );
    setter!(
        /// WS-Security settings (trust anchors, timestamp windows).
        wss: WssSettings
    );
    setter!(
        /// Verifier for SAML assertions used as credentials or in
        /// `OnBehalfOf`/`ActAs`, replacing the default
        /// [`StoreCheckedVerifier`] for both.
        assertions: Arc<dyn AssertionVerifier>
    );
    setter!(
        /// The claims provider.
        claims: Arc<dyn ClaimsProvider>
    );
    setter!(
        /// The relying parties.
        relying_parties: RelyingParties
    );
    setter!(
        /// The clock.
        clock: Arc<dyn Clock>
    );
    setter!(
        /// The random source.
        random: Arc<dyn Random>
    );
    setter!(
        /// The audit observer.
        audit: Arc<dyn AuditObserver>
    );
    setter!(
        /// Encryption options for relying parties (each party's own
        /// algorithm lists take precedence).
        encryption: EncryptOptions
    );
    setter!(
        /// The STS's decryption keys.
        decryption_keys: Arc<dyn KeyResolver>
    );
    setter!(
        /// Limits.
        limits: Limits
    );
    setter!(
        /// The token store: every issued token is recorded before it leaves
        /// the STS, and issuance fails if it cannot be.
        token_store: Arc<dyn TokenStore>
    );
    setter!(
        /// Renewal and state rules (its `issuer` is replaced by the STS's).
        lifecycle: LifecyclePolicy
    );

    /// The signature algorithms requests may choose from (first = default).
    /// Only RSA algorithms the signing key can produce make sense here.
    pub fn signature_algorithms(mut self, algs: &[SignatureAlgorithm]) -> Self {
        self.algorithms = Some(algs.to_vec());
        self
    }

    /// The NameID format.
    pub fn name_id_format(mut self, f: impl Into<String>) -> Self {
        self.name_id_format = Some(f.into());
        self
    }

    /// Allow `principal` (name as authenticated, or `DOMAIN/name`) to request
    /// tokens on behalf of others and to renew their tokens. A principal
    /// vouched for by a trusted issuer's assertion (not a local account)
    /// never is one: its issuer chooses its name.
    pub fn trusted_intermediary(mut self, principal: impl Into<String>) -> Self {
        self.intermediaries.push(principal.into());
        self
    }

    /// Trust tokens signed with `certificate` whose issuer is exactly `name`
    /// (call again with the same name for a second key during a rollover).
    /// Validate accepts them and exchanges them for tokens of this STS; the
    /// default assertion verifier accepts them in the `wsse:Security` header
    /// and in `OnBehalfOf`/`ActAs`. Renew and Cancel still accept only this
    /// STS's own tokens, and their subjects name local accounts only if
    /// `name` is also a [`local_account_issuer`](Self::local_account_issuer).
    /// The name may not be this STS's own issuer name.
    pub fn trusted_issuer(mut self, name: impl Into<String>, certificate: Certificate) -> Self {
        self.trusted_issuers.push((name.into(), certificate));
        self
    }

    /// Accept SHA-1 signatures (RSA-SHA1, SHA-1 reference digests) on the
    /// assertions of the trusted issuer `name`, a legacy partner that
    /// cannot sign with SHA-256 ([`TrustedIssuer::allowing_sha1`]). Every
    /// other issuer's SHA-1 signatures stay refused. `name` must be a
    /// [`trusted_issuer`](Self::trusted_issuer).
    pub fn trusted_issuer_sha1(mut self, name: impl Into<String>) -> Self {
        self.sha1_issuers.push(name.into());
        self
    }

    /// Let assertions of issuer `name` (a trusted issuer sharing this STS's
    /// user directory) authenticate as the local account their subject
    /// names. This STS's own issuer always may; others authenticate a
    /// principal in [`crate::auth::SAML_DOMAIN`] without roles.
    pub fn local_account_issuer(mut self, name: impl Into<String>) -> Self {
        self.local_account_issuers.push(name.into());
        self
    }

    /// Acceptance rule for the trusted issuer `name` (one that is not a
    /// [`local_account_issuer`](Self::local_account_issuer)): the attribute
    /// names of its assertions (SAML 2.0 `Name`; SAML 1.1
    /// `AttributeNamespace/AttributeName`) that pass on to its subjects'
    /// principals and so into the tokens this STS issues for them, as a
    /// header credential, in `OnBehalfOf`/`ActAs` or by token exchange. By
    /// default none does: this STS would otherwise sign whatever a partner
    /// says, a `role` of `admin` or the local admin's e-mail address
    /// included. Call again to add more. `name` must be a
    /// [`trusted_issuer`](Self::trusted_issuer).
    ///
    /// ```
    /// # use wstrust::config::StsConfig;
    /// # use wstrust::keys::Certificate;
    /// # let partner = Certificate::from_pem(include_bytes!("../tests/vectors/validate/partner.cert.pem")).unwrap();
    /// let builder = StsConfig::builder()
    ///     .trusted_issuer("https://partner.example/", partner)
    ///     .accept_claims(
    ///         "https://partner.example/",
    ///         ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"],
    ///     );
    /// ```
    pub fn accept_claims<I, S>(mut self, name: impl Into<String>, claims: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.partner_claims
            .entry(name.into())
            .or_default()
            .extend(claims.into_iter().map(Into::into));
        self
    }

    /// An endpoint address of this STS (`https://sts.example/trust/13/usernamemixed`;
    /// call again for each endpoint): accepted as the audience of header
    /// credentials and of tokens to exchange besides the issuer name, as
    /// the `Recipient` a trusted issuer's SAML 2.0 bearer header credential
    /// must name (which must also be the request's `wsa:To` when it has
    /// one), and as a `wsa:To`: once any endpoint is set, a request
    /// addressed to none of them (nor to [`TransportContext::addresses`])
    /// is refused with `wsa:DestinationUnreachable`.
    ///
    /// [`TransportContext::addresses`]: crate::service::TransportContext::addresses
    pub fn endpoint(mut self, address: impl Into<String>) -> Self {
        self.endpoints.push(address.into());
        self
    }

    /// Check and freeze the configuration.
    pub fn build(self) -> Result<Arc<StsConfig>, Error> {
        let cfg = |m: &str| Error::from(IssueError::Config(m.to_owned()));
        let issuer = self.issuer.ok_or_else(|| cfg("issuer is required"))?;
        if issuer.trim().is_empty() {
            return Err(cfg("issuer is empty"));
        }
        let (signing_key, certificate) = self.key.ok_or_else(|| cfg("signing key is required"))?;
        if signing_key.public_key() != certificate.public_key() {
            return Err(cfg("signing key does not match its certificate"));
        }
        let lifetime = self.lifetime.unwrap_or(DEFAULT_LIFETIME);
        let max_lifetime = self.max_lifetime.unwrap_or(DEFAULT_MAX_LIFETIME);
        if lifetime.is_zero() || lifetime > max_lifetime {
            return Err(cfg("lifetime must be positive and at most max_lifetime"));
        }
        let signature_algorithms = self
            .algorithms
            .unwrap_or_else(|| vec![SignatureAlgorithm::RsaSha256, SignatureAlgorithm::RsaSha512]);
        if signature_algorithms.is_empty() || signature_algorithms.iter().any(|a| a.is_hmac()) {
            return Err(cfg(
                "signature algorithms must be a non-empty list of RSA algorithms",
            ));
        }
        // Every algorithm a request may choose must be one the key can sign
        // with (the default aws-lc-rs key has no RSA-SHA1): refused here
        // rather than by every Issue that asks for it.
        for a in &signature_algorithms {
            if let Err(e) = signing_key.sign_pkcs1(a.hash().alg(), b"wstrust signing probe") {
                return Err(cfg(&format!(
                    "signing key cannot sign with {}: {e}",
                    a.uri()
                )));
            }
        }
        if let Some(rps) = &self.relying_parties {
            // A bad pattern, address or default claim is a configuration
            // error, not a party that silently matches nothing.
            rps.check()?;
        }
        let key_size = self.key_size.unwrap_or(crate::confirm::DEFAULT_KEY_SIZE);
        if !(crate::confirm::MIN_KEY_SIZE..=crate::confirm::MAX_KEY_SIZE).contains(&key_size)
            || key_size % 8 != 0
        {
            return Err(cfg("key_size out of range"));
        }
        let limits = self.limits.unwrap_or_default();
        let mut trusted_issuers: Vec<TrustedIssuer> = Vec::new();
        for (name, cert) in self.trusted_issuers {
            if name.trim().is_empty() {
                return Err(cfg("trusted issuer name is empty"));
            }
            if name == issuer {
                return Err(cfg(
                    "a trusted issuer may not use this STS's own issuer name",
                ));
            }
            // Own tokens qualified so are a certificate's, whose attributes
            // this STS vouched for itself: a partner of that name would
            // have its attributes pass without its acceptance rule.
            if crate::auth::is_certificate_qualifier(&name) {
                return Err(cfg(
                    "a trusted issuer may not be named like a certificate qualifier (pinned:<sha256> or <DN>#<sha256>)",
                ));
            }
            match trusted_issuers
                .iter_mut()
                .find(|t| t.name == crate::token::IssuerName::Exactly(name.clone()))
            {
                Some(t) => t.certificates.push(cert),
                None => trusted_issuers.push(TrustedIssuer::named(name, vec![cert])),
            }
        }
        for name in &self.sha1_issuers {
            let t = trusted_issuers
                .iter_mut()
                .find(|t| t.name == crate::token::IssuerName::Exactly(name.clone()))
                .ok_or_else(|| cfg("SHA-1 allowed for an issuer that is not a trusted issuer"))?;
            t.allow_sha1 = true;
        }
        let random = self.random.unwrap_or_else(|| Arc::new(OsRandom));
        let mut validator = TokenValidator::new(
            std::iter::once(TrustedIssuer::named(
                issuer.clone(),
                vec![certificate.clone()],
            ))
            .chain(trusted_issuers.iter().cloned())
            .collect(),
        )
        .with_limits(limits.clone());
        if let Some(keys) = &self.decryption_keys {
            validator = validator.with_decryption(Decryption {
                keys: keys.clone(),
                options: Default::default(),
                random: random.clone(),
            });
        }
        let validator = Arc::new(validator);
        let mut lifecycle = self.lifecycle.unwrap_or_else(|| {
            let mut l = LifecyclePolicy::new(issuer.clone());
            l.require_state = self.token_store.is_some();
            l
        });
        lifecycle.issuer = issuer.clone();
        let (assertions, delegated_assertions): (Arc<dyn AssertionVerifier>, _) =
            match self.assertions {
                Some(a) => (a.clone(), a),
                None => {
                    let mut header = (*validator).clone().with_audience(issuer.clone());
                    for e in &self.endpoints {
                        header = header.with_audience(e.clone());
                    }
                    let checked = |v: Arc<TokenValidator>| {
                        StoreCheckedVerifier::new(v, self.token_store.clone(), lifecycle.clone())
                    };
                    (
                        Arc::new(
                            checked(Arc::new(header)).with_recipient_check(self.endpoints.clone()),
                        ),
                        Arc::new(checked(validator.clone())),
                    )
                }
            };
        let mut local_account_issuers = vec![issuer.clone()];
        local_account_issuers.extend(self.local_account_issuers);
        for name in self.partner_claims.keys() {
            if !trusted_issuers
                .iter()
                .any(|t| t.name == crate::token::IssuerName::Exactly(name.clone()))
            {
                return Err(cfg(
                    "claims accepted from an issuer that is not a trusted issuer",
                ));
            }
        }
        let mut wss = self.wss.unwrap_or_default();
        let clock_skew = self.clock_skew.unwrap_or(wss.clock_skew);
        wss.clock_skew = clock_skew;
        let auth = AuthConfig {
            wss,
            limits: limits.clone(),
            policy: self
                .policy
                .unwrap_or_else(|| Arc::new(StandardPolicy::username_token())),
            users: self
                .users
                .unwrap_or_else(|| Arc::new(MemoryUserStore::new(PRIMARY_DOMAIN))),
            replay: self
                .replay
                .unwrap_or_else(|| Arc::new(MemoryReplayCache::default())),
            lockout: self
                .lockout
                .unwrap_or_else(|| Arc::new(MemoryLockout::default())),
            assertions: Some(assertions),
            // This STS's own tokens name its own users; others only if
            // configured.
            local_account_issuers,
            partner_claims: self.partner_claims,
            issuer: Some(issuer.clone()),
        };
        Ok(Arc::new(StsConfig {
            trusted_issuers,
            endpoints: self.endpoints,
            validator,
            delegated_assertions,
            token_store: self.token_store,
            lifecycle,
            issuer,
            signing_key,
            certificate,
            lifetime,
            max_lifetime,
            clock_skew,
            signature_algorithms,
            digest: self.digest.unwrap_or(DigestAlgorithm::Sha256),
            token_type: self.token_type.unwrap_or(TokenType::Saml20),
            key_type: self.key_type.unwrap_or(KeyType::Bearer),
            key_size,
            name_id_format: self
                .name_id_format
                .unwrap_or_else(|| crate::saml::NAMEID_UNSPECIFIED.to_owned()),
            auth,
            claims: self
                .claims
                .unwrap_or_else(|| Arc::new(AttributeClaims::new(DIALECT_WSO2))),
            relying_parties: self.relying_parties.unwrap_or_default(),
            clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
            random,
            audit: self.audit,
            trusted_intermediaries: self.intermediaries,
            encryption: self.encryption.unwrap_or_default(),
            decryption_keys: self.decryption_keys,
            limits,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::AwsLcRsaKey;

    fn key() -> (Arc<dyn PrivateKey>, Certificate) {
        (
            Arc::new(
                AwsLcRsaKey::from_pem(include_bytes!("../tests/data/signer.key.pem")).unwrap(),
            ),
            Certificate::from_pem(include_bytes!("../tests/data/signer.cert.pem")).unwrap(),
        )
    }

    #[test]
    fn required_steps_and_consistency() {
        assert!(StsConfig::builder().build().is_err());
        let (k, c) = key();
        assert!(StsConfig::builder()
            .signing_key(k.clone(), c.clone())
            .build()
            .is_err());
        let other = Certificate::from_pem(include_bytes!("../tests/data/other.cert.pem")).unwrap();
        let e = StsConfig::builder()
            .issuer("urn:sts")
            .signing_key(k.clone(), other)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("does not match"));
        let e = StsConfig::builder()
            .issuer("urn:sts")
            .signing_key(k.clone(), c.clone())
            .lifetime(Duration::from_secs(10 * 3600))
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("lifetime"));
        let e = StsConfig::builder()
            .issuer("urn:sts")
            .signing_key(k.clone(), c.clone())
            .signature_algorithms(&[SignatureAlgorithm::HmacSha256])
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("RSA"));
        // An algorithm the key cannot sign with is refused at build, not by
        // every Issue (the aws-lc-rs key has no RSA-SHA1).
        let e = StsConfig::builder()
            .issuer("urn:sts")
            .signing_key(k.clone(), c.clone())
            .signature_algorithms(&[SignatureAlgorithm::RsaSha256, SignatureAlgorithm::RsaSha1])
            .build()
            .unwrap_err();
        assert!(matches!(e, Error::Issue(IssueError::Config(_))), "{e}");
        assert!(e.to_string().contains("xmldsig#rsa-sha1"), "{e}");
        let ok = StsConfig::builder()
            .issuer("urn:sts")
            .signing_key(k, c)
            .clock_skew(Duration::from_secs(30))
            .build()
            .unwrap();
        assert_eq!(ok.auth.wss.clock_skew, Duration::from_secs(30));
        assert_eq!(ok.max_lifetime, DEFAULT_MAX_LIFETIME);
        assert_eq!(ok.signature_algorithms[0], SignatureAlgorithm::RsaSha256);
    }
}
