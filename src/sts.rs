//! [`Sts`]: the crate's [`TokenService`] that issues SAML tokens.
//!
//! For each Issue request, on the tree the wire layer parsed:
//! 1. authenticate the requester ([`auth::authenticate`]: WS-Security
//!    header, signature, password, policy evidence and principal checks);
//! 2. find the relying party for `AppliesTo` ([`crate::rp`]), refusing an
//!    unregistered one unless configured otherwise;
//! 3. authorize what is asked for ([`auth::authorize`]);
//! 4. the subject: the requester, or for `OnBehalfOf`/`ActAs` from a
//!    trusted intermediary the delegated identity (sender-vouches);
//! 5. the key ([`crate::confirm`]): bearer, a symmetric proof key (fresh or
//!    P_SHA1 computed) encrypted for the party inside the assertion, or the
//!    requester's proven public key;
//! 6. lifetime (capped), claims ([`crate::claims`]);
//! 7. build the assertion ([`crate::saml`]), sign it enveloped
//!    ([`dsig::sign_enveloped`], exclusive C14N, RSA-SHA256 by default),
//!    encrypt it for the party (`xenc`, the signed bytes as they are) when required;
//! 8. answer with an RSTR (references, lifetime, key size, proof token) in
//!    the request's WS-Trust and SOAP versions; a generated proof key is
//!    encrypted for the certificate `ProofEncryption` names, if any.
//!
//! `UseKey` and `ProofEncryption` may reference a token of the request's
//! `wsse:Security` header; references are resolved in the one parsed tree of
//! the request, and a `UseKey` key is accepted only if the request's
//! verified signature was made with it.
//!
//! A `ValidateTarget`, `RenewTarget` or `CancelTarget` may hold the token or
//! a `wsse:SecurityTokenReference` to the assertion of the request's
//! `wsse:Security` header, resolved the same way.
//!
//! Validate, Renew and Cancel use [`crate::lifecycle`] with the configured
//! [`StsConfig::validator`]: this STS's certificate for its own issuer name
//! and each trusted issuer's certificates for exactly its name. Validate
//! answers a `Status` (or exchanges a valid token, own or foreign, for a new
//! token of this STS when another TokenType is asked for); Renew
//! re-issues a token for the same subject, attributes and audience and
//! records it with one atomic compare-and-set before it leaves; Cancel is
//! for the token's subject. Renew and Cancel refuse a trusted foreign
//! issuer's token. Renewal and exchange keep the confirmation: bearer stays
//! bearer, a public key stays bound, and a symmetric proof key encrypted to
//! this STS is encrypted again for the new party's certificate; a symmetric
//! key encrypted for another party cannot be carried over and is refused
//! (`wst:UnableToRenew`, `wst:InvalidRequest`).
//!
//! One [`AuditEvent`] is sent per request, success or failure.

use crate::audit::{AuditEvent, Operation};
use crate::auth::{self, Authenticated};
use crate::claims::{self, Requested};
use crate::config::StsConfig;
use crate::confirm::{self, Confirmation, KeyPlan, SymmetricSource};
use crate::dsig::{self, SignOptions, SignatureAlgorithm, SigningKey};
use crate::error::{AuthError, Error, Fault, IssueError, RequestError, StoreError, TokenError};
use crate::host::TokenStore;
use crate::host::{Attributes, Principal};
use crate::keys::Certificate;
use crate::lifecycle::{self, Requester};
use crate::policy::{AccessRequest, Method};
use crate::rp::RelyingParty;
use crate::saml::{self, Assertion, AuthnContext, Subject};
use crate::service::{handle_soap, RequestContext, SoapResponse, TokenService, TransportContext};
use crate::token::{Expect, SymmetricKey, ValidatedToken};
use crate::wss::{self, SecurityHeader};
use crate::wst::{
    Entropy, KeyType, Lifetime, ProofToken, RawXml, Rst, Rstr, SamlVersion, Secret, TokenReference,
    TokenType,
};
use crate::xenc;
use crate::xml::{self, ns};
use base64::Engine as _;
use roxmltree::Node;
use std::sync::Arc;
use time::OffsetDateTime;

/// The exclusive C14N URI: the only canonicalization issued tokens use.
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

/// The default issuing STS.
///
/// ```no_run
/// # use std::sync::Arc;
/// # use wstrust::{config::StsConfig, sts::Sts, service::TransportContext};
/// # fn f(config: Arc<StsConfig>, request: &[u8]) {
/// let sts = Sts::new(config);
/// let reply = sts.handle_soap(request, &TransportContext { tls: true, ..Default::default() });
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Sts {
    config: Arc<StsConfig>,
}

/// One operation's body (`issue_inner`, ...).
type Inner = fn(
    &Sts,
    &Rst<'_, '_>,
    &RequestContext<'_, '_, '_>,
    OffsetDateTime,
    &mut Facts,
) -> Result<Rstr, Error>;

/// What is known about a request, for the audit event.
#[derive(Default)]
struct Facts {
    requester: Option<String>,
    subject: Option<String>,
    relying_party: Option<String>,
    token_id: Option<String>,
}

/// What a re-issued token (renewal, token exchange) is made of.
struct Reissue<'a> {
    old: &'a ValidatedToken,
    confirmation: Confirmation,
    audiences: Vec<String>,
    version: SamlVersion,
    rp: &'a RelyingParty,
    lifetime: (OffsetDateTime, OffsetDateTime),
}

/// The attributes of `old` a re-issued token carries on, by claim type: a
/// partner's as its acceptance rule allows now (also in this STS's own
/// tokens for its subjects), and only those the party may receive.
fn carried_attributes<'t>(
    old: &'t ValidatedToken,
    rp: &'t RelyingParty,
    auth: &'t crate::auth::AuthConfig,
) -> impl Iterator<Item = (std::borrow::Cow<'t, str>, &'t crate::token::Attribute)> + 't {
    let accepted = auth::acceptance(&old.issuer, old.subject.name_qualifier.as_deref(), auth);
    old.attributes
        .iter()
        .map(|a| (a.claim_type(old.version), a))
        .filter(move |(name, _)| accepted.allows(name) && rp.claims.allows(name))
}

/// The RSTR of a re-issued token: its type (as asked, or the version's URI),
/// the token, references and lifetime.
fn reissued_rstr(
    rst: &Rst<'_, '_>,
    version: SamlVersion,
    id: String,
    token: Vec<u8>,
    (created, expires): (OffsetDateTime, OffsetDateTime),
) -> Rstr {
    let token_type = match version {
        SamlVersion::V11 => TokenType::Saml11,
        SamlVersion::V20 => TokenType::Saml20,
    };
    let reference = TokenReference::Saml { version, id };
    Rstr {
        token_type: Some(
            rst.token_type_uri
                .clone()
                .unwrap_or_else(|| token_type.uri(rst.version).to_owned()),
        ),
        requested_token: Some(RawXml::new(token)),
        attached_reference: Some(reference.clone()),
        unattached_reference: Some(reference),
        lifetime: Some(Lifetime {
            created: Some(created),
            expires: Some(expires),
        }),
        ..Rstr::default()
    }
}

/// Who the token is about and how the subject is confirmed by default.
struct SubjectOf {
    principal: Principal,
    attributes: Attributes,
    /// The `NameQualifier` of a subject that is no local account.
    qualifier: Option<String>,
    delegated: bool,
}

impl Sts {
    /// An STS with `config`.
    pub fn new(config: Arc<StsConfig>) -> Self {
        Self { config }
    }

    /// The configuration.
    pub fn config(&self) -> &StsConfig {
        &self.config
    }

    /// The sans-I/O entry point with this STS's limits: SOAP request bytes
    /// in, SOAP response out.
    pub fn handle_soap(&self, bytes: &[u8], transport: &TransportContext) -> SoapResponse {
        handle_soap(self, bytes, transport, &self.config.limits)
    }

    /// Run one operation at the clock's `now` and send its audit event.
    fn run(
        &self,
        op: Operation,
        rst: &Rst<'_, '_>,
        cx: &RequestContext<'_, '_, '_>,
        inner: Inner,
    ) -> Result<Rstr, Error> {
        let now = self.config.clock.now();
        let mut facts = Facts::default();
        let r = inner(self, rst, cx, now, &mut facts);
        self.audit(op, now, facts, r.as_ref().map(|_| ()));
        r
    }

    fn audit(&self, op: Operation, now: OffsetDateTime, facts: Facts, outcome: Result<(), &Error>) {
        if let Some(a) = &self.config.audit {
            let mut e = AuditEvent::new(op, now);
            // Names, addresses and error texts can come from the request:
            // no field may forge a log line.
            let esc = |v: Option<String>| v.map(|v| crate::audit::escape(&v).into_owned());
            e.outcome = outcome.map_err(|e| crate::audit::escape(&e.to_string()).into_owned());
            e.requester = esc(facts.requester);
            e.subject = esc(facts.subject);
            e.relying_party = esc(facts.relying_party);
            e.token_id = esc(facts.token_id);
            a.event(&e);
        }
    }

    fn issue_inner(
        &self,
        rst: &Rst<'_, '_>,
        cx: &RequestContext<'_, '_, '_>,
        now: OffsetDateTime,
        facts: &mut Facts,
    ) -> Result<Rstr, Error> {
        let c = &*self.config;
        let who = self.authenticated(cx, now, facts)?;

        let rp = match &rst.applies_to {
            Some(a) => {
                facts.relying_party = Some(a.address.clone());
                c.relying_parties.find(&a.address)?
            }
            None => c.relying_parties.without_applies_to()?,
        };
        let token_type = match rst.token_type {
            Some(TokenType::Status) => {
                return Err(RequestError::UnsupportedTokenType(
                    rst.token_type_uri.clone().unwrap_or_default(),
                )
                .into())
            }
            Some(t) => t,
            None => rp.token_type,
        };
        let version = saml::version_of(token_type).unwrap_or(SamlVersion::V20);
        // The key type a request leaves out (a delegated subject's token is
        // sender-vouches bearer; see `subject`).
        let delegating = rst.on_behalf_of.is_some() || rst.act_as.is_some();
        let key_type = rst.key_type.unwrap_or(if delegating {
            KeyType::Bearer
        } else {
            c.key_type
        });
        // The policy judges what will be issued, defaults included: the
        // party's token type, the STS's key type and the party's default
        // claims when the request leaves them out (review finding 5).
        let mut access = AccessRequest::from_rst(rst);
        access.token_type = Some(token_type);
        access.key_type = Some(key_type);
        if access.claims.is_empty() && !access.opaque_claims {
            access.claims = rp.defaults().to_vec();
        }
        auth::authorize(&who, &access, &c.auth)?;

        let algorithm = self.signature_algorithm(rst)?;
        if let Some(c14n) = &rst.canonicalization_algorithm {
            if c14n != EXC_C14N {
                return Err(IssueError::AlgorithmNotAllowed(c14n.clone()).into());
            }
        }

        let client = cx.transport.peer.map(|p| p.ip());
        let subject = self.subject(rst, &who, client, now)?;
        facts.subject = Some(audit_name(
            &subject.principal.name,
            subject.qualifier.as_deref(),
        ));

        // Key and confirmation.
        debug_assert_eq!(subject.delegated, delegating);
        let plan = self.key_plan(rst, key_type, &who, cx)?;
        let confirmation = match &plan {
            KeyPlan::Bearer if subject.delegated && rst.key_type.is_none() => {
                Confirmation::SenderVouches
            }
            KeyPlan::Bearer => Confirmation::Bearer,
            KeyPlan::Symmetric { key, .. } => {
                let cert = rp.certificate.as_ref().ok_or_else(|| {
                    IssueError::Config(
                        "a symmetric proof key needs the relying party's certificate".into(),
                    )
                })?;
                let enc = self.party_encryption(Some(rst), &rp)?;
                let ek = xenc::encrypt_key(key.as_bytes(), cert, &enc, &*c.random)?;
                Confirmation::HolderOfKey {
                    key_info: confirm::key_info_encrypted(&ek),
                }
            }
            KeyPlan::PublicKey { key_info } => Confirmation::HolderOfKey {
                key_info: key_info.clone(),
            },
        };
        // Resolved and encrypted before anything is issued or recorded.
        let encrypted_proof = self.encrypted_proof(rst, &plan, cx)?;

        let (not_before, not_on_or_after) = self.lifetime(rst, &rp, now)?;
        let requested = rst.claims.as_ref().map(Requested::from_rst);
        let attributes = claims::resolve(
            &*c.claims,
            &subject.principal,
            &subject.attributes,
            requested.as_ref(),
            &rp,
        )?;

        let id = saml::new_id(&*c.random);
        facts.token_id = Some(id.clone());
        let assertion = Assertion {
            id: id.clone(),
            issuer: c.issuer.clone(),
            issue_instant: now,
            subject: Subject {
                name_id: subject.principal.name.clone(),
                format: c.name_id_format.clone(),
                name_qualifier: subject.qualifier.clone(),
            },
            confirmation,
            not_before,
            not_on_or_after,
            audiences: rst
                .applies_to
                .as_ref()
                .map(|a| vec![a.address.clone()])
                .unwrap_or_default(),
            authn: Some((who.instant, authn_context(&who, cx.transport.tls))),
            attributes,
        };
        let record = c.lifecycle.new_record(
            &id,
            &subject.principal.name,
            &rp.address,
            not_on_or_after,
            rst.renewing.as_ref(),
            c.clock_skew,
        );
        let token = self.seal(&assertion, version, &rp, Some(rst), algorithm)?;
        // Recorded before it leaves the STS: no token without state.
        crate::lifecycle::record_issued(c.token_store.as_deref(), &c.lifecycle, &record, now)?;
        let (mut proof_token, entropy) = plan.proof();
        if let Some(ek) = encrypted_proof {
            proof_token = Some(ProofToken::EncryptedKey(RawXml::new(ek)));
        }
        let reference = TokenReference::Saml { version, id };
        Ok(Rstr {
            token_type: Some(
                rst.token_type_uri
                    .clone()
                    .unwrap_or_else(|| token_type.uri(rst.version).to_owned()),
            ),
            requested_token: Some(RawXml::new(token)),
            attached_reference: Some(reference.clone()),
            unattached_reference: Some(reference),
            proof_token,
            entropy,
            lifetime: Some(Lifetime {
                created: Some(not_before),
                expires: Some(not_on_or_after),
            }),
            applies_to: rst.applies_to.clone(),
            key_size: match &plan {
                KeyPlan::Symmetric { bits, .. } => Some(*bits),
                _ => None,
            },
            key_type: match confirmation_key_type(&plan, subject.delegated, rst) {
                Some(k) => Some(k),
                None => rst.key_type,
            },
            ..Rstr::default()
        })
    }

    /// How to encrypt for `rp`: the party's allowed data and key-transport
    /// algorithms (the STS's `encryption` when it lists none), the first of
    /// each by default. The request may choose among them: the data
    /// algorithm by `EncryptionAlgorithm`, else by an `EncryptWith` that
    /// names a data algorithm (another `EncryptWith`, such as a key wrap
    /// for a public proof key, says nothing about the token), else by the
    /// same in `SecondaryParameters`; the key transport by
    /// `KeyWrapAlgorithm`, else by the one in `SecondaryParameters`. A choice
    /// the party does not allow is refused, as a `SignatureAlgorithm` is
    /// (`wsse:UnsupportedAlgorithm`). Called only when something is
    /// encrypted for the party.
    fn party_encryption(
        &self,
        rst: Option<&Rst<'_, '_>>,
        rp: &RelyingParty,
    ) -> Result<xenc::EncryptOptions, Error> {
        let base = &self.config.encryption;
        let data = match rp.data_algorithms.as_slice() {
            [] => std::slice::from_ref(&base.data),
            list => list,
        };
        let wraps = match rp.key_transports.as_slice() {
            [] => std::slice::from_ref(&base.key_transport),
            list => list,
        };
        let mut opts = base.clone();
        opts.data = data.first().copied().unwrap_or(base.data);
        opts.key_transport = wraps.first().copied().unwrap_or(base.key_transport);
        let Some(rst) = rst else {
            return Ok(opts);
        };
        let is_data = |u: &String| xenc::DataAlgorithm::from_uri(u).is_some();
        let asked_data = match (&rst.encryption_algorithm, &rst.encrypt_with) {
            (Some(u), _) => Some(u.clone()),
            (None, Some(u)) if is_data(u) => Some(u.clone()),
            _ => match rst.secondary("EncryptionAlgorithm")? {
                Some(u) => Some(u),
                None => rst.secondary("EncryptWith")?.filter(is_data),
            },
        };
        if let Some(u) = asked_data {
            opts.data = data
                .iter()
                .copied()
                .find(|a| a.uri() == u)
                .ok_or(IssueError::AlgorithmNotAllowed(u))?;
        }
        let asked_wrap = match &rst.key_wrap_algorithm {
            Some(u) => Some(u.clone()),
            None => rst.secondary("KeyWrapAlgorithm")?,
        };
        if let Some(u) = asked_wrap {
            opts.key_transport = wraps
                .iter()
                .copied()
                .find(|k| k.uri() == u)
                .ok_or(IssueError::AlgorithmNotAllowed(u))?;
        }
        Ok(opts)
    }

    /// Sign `assertion` (enveloped, exclusive C14N, the STS certificate in
    /// KeyInfo) and encrypt it for `rp` when the party requires it, with
    /// the algorithms [`Self::party_encryption`] chooses for `rst`.
    fn seal(
        &self,
        assertion: &Assertion,
        version: SamlVersion,
        rp: &RelyingParty,
        rst: Option<&Rst<'_, '_>>,
        algorithm: SignatureAlgorithm,
    ) -> Result<Vec<u8>, Error> {
        let c = &*self.config;
        // The name signed is the name every reader gets back (NameIDs are
        // read trimmed): never sign one that reads as another.
        let name = &assertion.subject.name_id;
        if name.is_empty() || name.trim() != name {
            return Err(IssueError::UnwritableSubject(name.clone()).into());
        }
        let opts = SignOptions {
            algorithm,
            digest: c.digest,
            key_info: dsig::KeyInfo::X509Certificate(&c.certificate),
            ..SignOptions::default()
        };
        let key = SigningKey::Rsa(&*c.signing_key);
        let signed = match assertion.to_canonical_xml(version) {
            // Written in canonical form: signed as written.
            Some((canonical, at)) => {
                dsig::sign_canonical(&canonical, &assertion.id, at, key, &opts)?
            }
            None => {
                let unsigned = String::from_utf8(assertion.to_xml(version))
                    .map_err(|_| crate::error::XmlError::NotUtf8)?;
                dsig::sign_enveloped(&unsigned, Some(&assertion.id), key, &opts, &c.limits)?
            }
        };
        if !rp.encrypt {
            return Ok(signed.into_bytes());
        }
        let cert = rp
            .certificate
            .as_ref()
            .ok_or_else(|| IssueError::Config("encryption required but no certificate".into()))?;
        // The assertion declares every namespace it uses (saml's writers
        // guarantee it), so its signed bytes are the plaintext as they are.
        let enc = self.party_encryption(rst, rp)?;
        xenc::encrypt_own_element(
            signed.as_bytes(),
            version == SamlVersion::V20,
            cert,
            &enc,
            &*c.random,
        )
    }

    fn store(&self) -> Result<&dyn TokenStore, Error> {
        self.config
            .token_store
            .as_deref()
            .ok_or_else(|| StoreError::Required.into())
    }

    fn authenticated(
        &self,
        cx: &RequestContext<'_, '_, '_>,
        now: OffsetDateTime,
        facts: &mut Facts,
    ) -> Result<Authenticated, Error> {
        if let Some(who) = cx.authenticated.get() {
            // Another entry of the same batch message already authenticated
            // it, or the host did.
            facts.requester = Some(requester_name(who));
            qualified(who)?;
            // A principal the host put there meets the policy's principal
            // rules (roles, domains) as one `authenticate` found does; for
            // an earlier batch entry this repeats a check that passed.
            self.config
                .auth
                .policy
                .check_principal(&who.principal, who.method)
                .map_err(AuthError::Denied)?;
            return Ok(who.clone());
        }
        if let Some(code) = cx.authentication_failed.get() {
            return Err(AuthError::EarlierEntry(*code).into());
        }
        let message = cx
            .message
            .ok_or(AuthError::Missing("SOAP message for authentication"))?;
        let who = match auth::authenticate(message, cx.transport, now, &self.config.auth) {
            Ok(who) => who,
            Err(e) => {
                // Ignored if already set: entries are handled one after
                // another.
                let _ = cx.authentication_failed.set(Fault::from(&e).code);
                return Err(e);
            }
        };
        facts.requester = Some(requester_name(&who));
        let _ = cx.authenticated.set(who.clone());
        Ok(who)
    }

    fn validate_inner(
        &self,
        rst: &Rst<'_, '_>,
        cx: &RequestContext<'_, '_, '_>,
        now: OffsetDateTime,
        facts: &mut Facts,
    ) -> Result<Rstr, Error> {
        let who = self.authenticated(cx, now, facts)?;
        let token = target_token(rst.validate_target, "ValidateTarget", cx)?;
        let v = lifecycle::validate(
            &self.config.validator,
            self.config.token_store.as_deref(),
            &self.config.lifecycle,
            token.document(),
            token,
            &Expect::at(now),
        )?;
        if let Some(t) = &v.token {
            facts.subject = Some(subject_name(t));
            facts.token_id = Some(t.id.clone());
        }
        // Token exchange: a valid token and another TokenType asked for.
        if let (Some(t), Some(want @ (TokenType::Saml11 | TokenType::Saml20))) =
            (&v.token, rst.token_type)
        {
            return self.exchange(rst, &who, t, want, v.status, now, facts);
        }
        Ok(Rstr {
            token_type: Some(TokenType::Status.uri(rst.version).to_owned()),
            status: Some(v.status),
            ..Rstr::default()
        })
    }

    /// A new token of type `want` for the subject and attributes of the
    /// validated token `t` (this STS's or a trusted issuer's), for the
    /// relying party of the RST's AppliesTo, recorded like any issued token.
    /// The confirmation carries over ([`Self::carried_confirmation`]): a
    /// bearer token gives a bearer token, a holder-of-key token one bound to
    /// the same key.
    #[allow(clippy::too_many_arguments)]
    fn exchange(
        &self,
        rst: &Rst<'_, '_>,
        who: &Authenticated,
        t: &ValidatedToken,
        want: TokenType,
        status: crate::wst::rstr::Status,
        now: OffsetDateTime,
        facts: &mut Facts,
    ) -> Result<Rstr, Error> {
        let c = &*self.config;
        let rp = match &rst.applies_to {
            Some(a) => c.relying_parties.find(&a.address)?,
            None => c.relying_parties.without_applies_to()?,
        };
        facts.relying_party = Some(rp.address.clone());
        self.may_exchange(who, t)?;
        let version = match want {
            TokenType::Saml11 => SamlVersion::V11,
            _ => SamlVersion::V20,
        };
        let (confirmation, key_type) =
            self.carried_confirmation(t, &rp, TokenError::NotExchangeable)?;
        // What the requester may get is checked as for Issue, and as it
        // will be issued: the token type, the carried confirmation's key
        // type and the claims the new token carries on.
        let mut access = AccessRequest::from_rst(rst);
        access.token_type = Some(want);
        // A carried bearer (or sender-vouches) confirmation has no key type:
        // it is issued as Bearer, whatever the request names.
        access.key_type = Some(key_type.unwrap_or(KeyType::Bearer));
        access.claims = carried_attributes(t, &rp, &c.auth)
            .map(|(name, _)| name.into_owned())
            .collect();
        auth::authorize(who, &access, &c.auth)?;
        let not_before = now;
        let not_on_or_after =
            crate::instant::later(now, rp.lifetime.unwrap_or(c.lifetime).min(c.max_lifetime));
        let (id, token) = self.reissue(
            rst,
            &Reissue {
                old: t,
                confirmation,
                audiences: if rp.address.is_empty() {
                    Vec::new()
                } else {
                    vec![rp.address.clone()]
                },
                version,
                rp: &rp,
                lifetime: (not_before, not_on_or_after),
            },
            now,
            facts,
        )?;
        let record = c.lifecycle.new_record(
            &id,
            &t.subject.value,
            &rp.address,
            not_on_or_after,
            rst.renewing.as_ref(),
            c.clock_skew,
        );
        lifecycle::record_issued(c.token_store.as_deref(), &c.lifecycle, &record, now)?;
        Ok(Rstr {
            status: Some(status),
            key_type,
            ..reissued_rstr(rst, version, id, token, (not_before, not_on_or_after))
        })
    }

    /// Whether `who` may exchange `t`. A token restricted to another audience
    /// must not become a token for any party the requester names (a relying
    /// party holding a user's bearer token could otherwise turn it into a
    /// token for every other party), so one of:
    /// * the token is addressed to this STS: it has an `AudienceRestriction`
    ///   and each names the issuer name or an endpoint;
    /// * the requester is a trusted intermediary (it may already act
    ///   `OnBehalfOf` a token's subject);
    /// * the token is this STS's own and the requester is its subject, as a
    ///   local account (nothing is gained that a new Issue would not give).
    fn may_exchange(&self, who: &Authenticated, t: &ValidatedToken) -> Result<(), Error> {
        let c = &*self.config;
        let ours = |a: &String| *a == c.issuer || c.endpoints.contains(a);
        let addressed = !t.audience_restrictions.is_empty()
            && t.audience_restrictions.iter().all(|r| r.iter().any(ours));
        let own_subject = lifecycle::is_own(t, &c.lifecycle) && Requester::of(who).is_subject(t);
        if addressed || self.is_intermediary(who) || own_subject {
            Ok(())
        } else {
            Err(TokenError::NotExchangeable("token not addressed to this STS").into())
        }
    }

    /// The confirmation a re-issued token (renewal, token exchange) carries
    /// over from `old`, for the party `rp`; `refuse` names why it cannot.
    ///
    /// * holder-of-key with a public key: the same key;
    /// * holder-of-key with a symmetric key encrypted for this STS (the token
    ///   was addressed to it): the same proof key, encrypted again for
    ///   `rp`'s certificate (a party without one is refused). The client
    ///   keeps using the key it has; whoever holds only the token gains
    ///   nothing, since the new token is bound to the same key;
    /// * holder-of-key with a symmetric key encrypted for another party: the
    ///   key is not the STS's to carry over: refused;
    /// * bearer: bearer. Sender-vouches: refused (the sender is gone).
    ///
    /// A token offering several methods is held to holder-of-key.
    fn carried_confirmation(
        &self,
        old: &ValidatedToken,
        rp: &RelyingParty,
        refuse: fn(&'static str) -> TokenError,
    ) -> Result<(Confirmation, Option<KeyType>), Error> {
        let c = &*self.config;
        let hok = old
            .confirmation_methods
            .iter()
            .any(|m| m == crate::token::CM_HOK_2 || m == crate::token::CM_HOK_1);
        if !hok {
            return if old.is_bearer() {
                Ok((Confirmation::Bearer, None))
            } else {
                Err(refuse("no bearer or holder-of-key confirmation").into())
            };
        }
        if let Some(key) = &old.confirmation_key {
            let key_info = confirm::key_info_for(&confirm::UseKeyValue::Rsa(key.clone()));
            return Ok((
                Confirmation::HolderOfKey { key_info },
                Some(KeyType::PublicKey),
            ));
        }
        match &old.symmetric_key {
            Some(SymmetricKey::Decrypted(key)) => {
                let cert = rp
                    .certificate
                    .as_ref()
                    .ok_or(refuse("the party has no certificate for the proof key"))?;
                let enc = self.party_encryption(None, rp)?;
                let ek = xenc::encrypt_key(key.as_bytes(), cert, &enc, &*c.random)?;
                Ok((
                    Confirmation::HolderOfKey {
                        key_info: confirm::key_info_encrypted(&ek),
                    },
                    Some(KeyType::SymmetricKey),
                ))
            }
            Some(SymmetricKey::Sealed) => {
                Err(refuse("symmetric proof key encrypted for another party").into())
            }
            None => Err(refuse("holder-of-key without a key").into()),
        }
    }

    /// Build, sign and (for `rp`) encrypt a new assertion of this STS for
    /// the subject, attributes and authentication instant of `r.old`.
    fn reissue(
        &self,
        rst: &Rst<'_, '_>,
        r: &Reissue<'_>,
        now: OffsetDateTime,
        facts: &mut Facts,
    ) -> Result<(String, Vec<u8>), Error> {
        let c = &*self.config;
        let old = r.old;
        let id = saml::new_id(&*c.random);
        facts.token_id = Some(id.clone());
        let attributes = carried_attributes(old, r.rp, &c.auth)
            .map(|(name, a)| saml::Attribute {
                name: name.into_owned(),
                values: a.values.clone(),
            })
            .collect();
        let assertion = Assertion {
            id: id.clone(),
            issuer: c.issuer.clone(),
            issue_instant: now,
            subject: Subject {
                name_id: old.subject.value.clone(),
                format: old
                    .subject
                    .format
                    .clone()
                    .unwrap_or_else(|| c.name_id_format.clone()),
                // A partner's subject stays the partner's: never a local
                // account name once this STS has signed it. This STS's own
                // token keeps its qualifier (a renewal changes no subject).
                name_qualifier: if old.issuer == c.issuer {
                    old.subject.name_qualifier.clone()
                } else {
                    auth::subject_of(
                        &old.issuer,
                        &old.subject.value,
                        old.subject.name_qualifier.as_deref(),
                        &c.auth,
                    )?
                    .err()
                },
            },
            confirmation: r.confirmation.clone(),
            not_before: r.lifetime.0,
            not_on_or_after: r.lifetime.1,
            audiences: r.audiences.clone(),
            authn: Some((
                old.authn
                    .as_ref()
                    .and_then(|a| a.instant)
                    .unwrap_or(old.issue_instant),
                AuthnContext::PreviousSession,
            )),
            attributes,
        };
        let algorithm = self.signature_algorithm(rst)?;
        let token = self.seal(&assertion, r.version, r.rp, Some(rst), algorithm)?;
        Ok((id, token))
    }

    fn cancel_inner(
        &self,
        rst: &Rst<'_, '_>,
        cx: &RequestContext<'_, '_, '_>,
        now: OffsetDateTime,
        facts: &mut Facts,
    ) -> Result<Rstr, Error> {
        let who = self.authenticated(cx, now, facts)?;
        let token = target_token(rst.cancel_target, "CancelTarget", cx)?;
        let t = lifecycle::cancel(
            &self.config.validator,
            self.store()?,
            &self.config.lifecycle,
            token.document(),
            token,
            &Requester::of(&who),
            now,
        )?;
        facts.subject = Some(subject_name(&t));
        facts.token_id = Some(t.id.clone());
        Ok(Rstr {
            cancelled: true,
            ..Rstr::default()
        })
    }

    fn renew_inner(
        &self,
        rst: &Rst<'_, '_>,
        cx: &RequestContext<'_, '_, '_>,
        now: OffsetDateTime,
        facts: &mut Facts,
    ) -> Result<Rstr, Error> {
        let c = &*self.config;
        let who = self.authenticated(cx, now, facts)?;
        let target = target_token(rst.renew_target, "RenewTarget", cx)?;
        let store = self.store()?;
        let plan = lifecycle::prepare_renewal(
            &self.config.validator,
            store,
            &c.lifecycle,
            target.document(),
            target,
            &Requester {
                intermediary: self.is_intermediary(&who),
                ..Requester::of(&who)
            },
            now,
        )?;
        let old = &plan.token;
        facts.subject = Some(subject_name(old));
        facts.relying_party = Some(plan.record.relying_party.clone());
        let rp = if plan.record.relying_party.is_empty() {
            c.relying_parties.without_applies_to()?
        } else {
            c.relying_parties.find(&plan.record.relying_party)?
        };
        let (confirmation, key_type) =
            self.carried_confirmation(old, &rp, TokenError::NotRenewable)?;
        // The policy judges a renewal as it judges Issue and exchange: the
        // party's rule and the host's hooks as they read now, for what the
        // new token will be (its type, key type and carried claims).
        let access = AccessRequest {
            applies_to: (!plan.record.relying_party.is_empty())
                .then(|| plan.record.relying_party.clone()),
            token_type: Some(match old.version {
                SamlVersion::V11 => TokenType::Saml11,
                _ => TokenType::Saml20,
            }),
            key_type: Some(key_type.unwrap_or(KeyType::Bearer)),
            claims: carried_attributes(old, &rp, &c.auth)
                .map(|(name, _)| name.into_owned())
                .collect(),
            opaque_claims: false,
        };
        auth::authorize(&who, &access, &c.auth)?;
        let lifetime = lifecycle::renewal_lifetime(
            rst.lifetime.as_ref(),
            rst.allow_postdating,
            now,
            rp.lifetime.unwrap_or(c.lifetime).min(c.max_lifetime),
            c.max_lifetime,
            c.clock_skew,
        )?;
        let (id, token) = self.reissue(
            rst,
            &Reissue {
                old,
                confirmation,
                audiences: old.audiences().map(str::to_owned).collect(),
                version: old.version,
                rp: &rp,
                lifetime,
            },
            now,
            facts,
        )?;
        let successor = plan.successor(
            &c.lifecycle,
            &id,
            lifetime.1,
            rst.renewing.as_ref(),
            c.clock_skew,
        );
        // Only after the atomic compare-and-set may the new token leave.
        lifecycle::commit_renewal(store, &plan, &successor, now)?;
        Ok(reissued_rstr(rst, old.version, id, token, lifetime))
    }

    /// Whether `who` is one of the configured trusted intermediaries, by
    /// name or `DOMAIN/name`. A principal vouched for by a SAML assertion
    /// that is no local account never is: its issuer decides its NameID, so
    /// a partner naming its user `frontend` must not become the local
    /// intermediary `frontend` (and from there, by a password-less
    /// `UsernameToken` in `OnBehalfOf`, any local account).
    fn is_intermediary(&self, who: &Authenticated) -> bool {
        let p = &who.principal;
        if p.domain == auth::SAML_DOMAIN
            || (p.domain == auth::X509_DOMAIN && self.config.auth.wss.account_anchors.is_some())
        {
            return false;
        }
        let qualified = format!("{}/{}", p.domain, p.name);
        self.config
            .trusted_intermediaries
            .iter()
            .any(|i| *i == p.name || *i == qualified)
    }

    fn signature_algorithm(&self, rst: &Rst<'_, '_>) -> Result<SignatureAlgorithm, Error> {
        let allowed = &self.config.signature_algorithms;
        match &rst.signature_algorithm {
            None => Ok(allowed[0]),
            Some(uri) => SignatureAlgorithm::from_uri(uri)
                .filter(|a| allowed.contains(a))
                .ok_or_else(|| IssueError::AlgorithmNotAllowed(uri.clone()).into()),
        }
    }

    fn subject(
        &self,
        rst: &Rst<'_, '_>,
        who: &Authenticated,
        client: Option<std::net::IpAddr>,
        now: OffsetDateTime,
    ) -> Result<SubjectOf, Error> {
        let c = &*self.config;
        let delegated = match (rst.on_behalf_of, rst.act_as) {
            (None, None) => {
                return Ok(SubjectOf {
                    principal: who.principal.clone(),
                    attributes: who.attributes.clone(),
                    qualifier: who.name_qualifier.clone(),
                    delegated: false,
                });
            }
            (Some(_), Some(_)) => {
                return Err(IssueError::Delegation("both OnBehalfOf and ActAs").into())
            }
            (Some(t), None) | (None, Some(t)) => t,
        };
        if !self.is_intermediary(who) {
            return Err(IssueError::Delegation("requester is not a trusted intermediary").into());
        }
        let users = &c.auth.users;
        if delegated.has_tag_name((ns::WSSE, "UsernameToken")) {
            let ut = crate::wss::UsernameToken::parse(delegated)?;
            // With a password: the same freshness, replay and lockout checks
            // as a UsernameToken in the Security header. Without one: the
            // trusted intermediary vouches for the name.
            let user = match ut.credential() {
                Some(_) => auth::verify_username_token(&ut, client, now, &c.auth)?,
                None => users
                    .lookup(&ut.username)?
                    .ok_or(IssueError::Delegation("delegated user unknown"))?,
            };
            return Ok(SubjectOf {
                principal: user.principal,
                attributes: user.attributes,
                qualifier: None,
                delegated: true,
            });
        }
        if delegated.has_tag_name((ns::SAML2, "Assertion"))
            || delegated.has_tag_name((ns::SAML1, "Assertion"))
        {
            let message = delegated.document();
            let a = c.delegated_assertions.verify(message, delegated, now)?;
            // As for a header credential: only issuers authoritative for
            // local accounts may name one, and never with a qualified name.
            let (principal, attributes, qualifier) = auth::assertion_principal(a, &c.auth)?;
            return Ok(SubjectOf {
                principal,
                attributes,
                qualifier,
                delegated: true,
            });
        }
        Err(IssueError::Delegation("unsupported delegated token").into())
    }

    /// `ProofEncryption`: a generated symmetric proof key goes back as an
    /// `xenc:EncryptedKey` for the requestor's certificate instead of a
    /// `BinarySecret`. A computed (P_SHA1) key's proof token is
    /// `ComputedKey`, which carries no secret, and bearer and public-key
    /// tokens have no proof key: for those `ProofEncryption` is ignored.
    fn encrypted_proof(
        &self,
        rst: &Rst<'_, '_>,
        plan: &KeyPlan,
        cx: &RequestContext<'_, '_, '_>,
    ) -> Result<Option<Vec<u8>>, Error> {
        let (Some(node), KeyPlan::Symmetric { key, source, .. }) = (rst.proof_encryption, plan)
        else {
            return Ok(None);
        };
        if !matches!(source, SymmetricSource::Issuer) {
            return Ok(None);
        }
        let cert = match self.referenced_certificate(node, cx)? {
            Some(c) => c,
            None if node.has_tag_name((ns::WSSE, "BinarySecurityToken")) => x509_token(node)?,
            None => return Err(IssueError::ProofEncryption("unsupported token").into()),
        };
        let c = &*self.config;
        Ok(Some(xenc::encrypt_key(
            key.as_bytes(),
            &cert,
            &c.encryption,
            &*c.random,
        )?))
    }

    /// The certificate a `wsse:SecurityTokenReference` (`node` itself, or
    /// the only child of `node` as a `ds:KeyInfo`) names, resolved in the
    /// request's one parsed tree against its `wsse:Security` header
    /// ([`wss::resolve_token_reference`]); `None` if `node` is no reference.
    fn referenced_certificate(
        &self,
        node: Node<'_, '_>,
        cx: &RequestContext<'_, '_, '_>,
    ) -> Result<Option<Certificate>, Error> {
        let str_node = if node.has_tag_name((ns::WSSE, "SecurityTokenReference")) {
            node
        } else if node.has_tag_name((ns::DS, "KeyInfo")) {
            let mut kids = node.children().filter(Node::is_element);
            match (kids.next(), kids.next()) {
                (Some(s), None) if s.has_tag_name((ns::WSSE, "SecurityTokenReference")) => s,
                _ => return Ok(None),
            }
        } else {
            return Ok(None);
        };
        let message = cx.message.ok_or(AuthError::UnresolvedReference)?;
        let header =
            SecurityHeader::find(message.header_blocks())?.ok_or(AuthError::UnresolvedReference)?;
        let header = SecurityHeader::parse(header)?;
        wss::resolve_token_reference(message.document(), &header, str_node, &self.config.auth.wss)
            .map(Some)
    }

    fn key_plan(
        &self,
        rst: &Rst<'_, '_>,
        key_type: KeyType,
        who: &Authenticated,
        cx: &RequestContext<'_, '_, '_>,
    ) -> Result<KeyPlan, Error> {
        let c = &*self.config;
        match key_type {
            KeyType::Bearer => Ok(KeyPlan::Bearer),
            KeyType::SymmetricKey => {
                let decrypted = match &rst.entropy {
                    Some(Entropy::EncryptedKey(node)) => {
                        let resolver = c.decryption_keys.as_ref().ok_or_else(|| {
                            IssueError::ComputedKeyAlgorithm("encrypted entropy".into())
                        })?;
                        let k = xenc::decrypt_key(*node, &**resolver, &Default::default())?;
                        Some(Secret::new(k.as_bytes().to_vec()))
                    }
                    _ => None,
                };
                confirm::symmetric(rst, c.key_size, decrypted.as_ref(), &*c.random)
            }
            KeyType::PublicKey => {
                let uk = rst
                    .use_key
                    .as_ref()
                    .ok_or(IssueError::UseKey("PublicKey KeyType without UseKey"))?;
                // A reference to a token of the request's Security header
                // (typically the BinarySecurityToken that signed it), or
                // the key itself.
                let key = match self.referenced_certificate(uk.key, cx)? {
                    Some(cert) => confirm::UseKeyValue::Certificate(cert),
                    None => confirm::read_use_key(uk.key)?,
                };
                let proven: Vec<_> = who
                    .signing_certificate
                    .iter()
                    .map(|c| c.public_key().clone())
                    .collect();
                confirm::public_key(&key, &proven)
            }
        }
    }

    fn lifetime(
        &self,
        rst: &Rst<'_, '_>,
        rp: &RelyingParty,
        now: OffsetDateTime,
    ) -> Result<(OffsetDateTime, OffsetDateTime), Error> {
        use crate::instant::{earlier, later, span};
        let c = &*self.config;
        let skew = c.clock_skew;
        let default = rp.lifetime.unwrap_or(c.lifetime).min(c.max_lifetime);
        let Some(lt) = rst.lifetime else {
            return Ok((now, later(now, default)));
        };
        let created = lt.created.unwrap_or(now);
        if created > later(now, skew) && !rst.allow_postdating {
            return Err(RequestError::InvalidTimeRange.into());
        }
        let start = if created < earlier(now, skew) {
            now
        } else {
            created
        };
        let end = lt.expires.unwrap_or_else(|| later(start, default));
        if end <= start || end <= now {
            return Err(RequestError::InvalidTimeRange.into());
        }
        if end - start > span(c.max_lifetime) {
            return Err(IssueError::LifetimeTooLong.into());
        }
        Ok((start, end))
    }
}

/// The token a `ValidateTarget`, `RenewTarget` or `CancelTarget` holds: the
/// token element itself, or a `wsse:SecurityTokenReference`
/// ([`crate::token::saml_reference`]) to the SAML assertion of the request's
/// own `wsse:Security` header. The reference is resolved in the one parsed
/// tree of the request (the node handed to the validator is the header's
/// node itself, never a second parse or a later lookup); an ID that occurs
/// twice anywhere in the message is refused as signature wrapping, and an ID
/// naming anything but the header's assertion does not resolve. `name` is
/// the container's, for the error when the request has none.
fn target_token<'a, 'input>(
    target: Option<Node<'a, 'input>>,
    name: &'static str,
    cx: &RequestContext<'_, '_, '_>,
) -> Result<Node<'a, 'input>, Error> {
    let target = target.ok_or(RequestError::Missing(name))?;
    if !target.has_tag_name((ns::WSSE, "SecurityTokenReference")) {
        return Ok(target);
    }
    let r = crate::token::saml_reference(target)?;
    let doc = target.document();
    let message = cx.message.ok_or(AuthError::UnresolvedReference)?;
    if !std::ptr::eq(
        (message.document() as *const roxmltree::Document<'_>).cast::<()>(),
        (doc as *const roxmltree::Document<'_>).cast::<()>(),
    ) {
        return Err(AuthError::UnresolvedReference.into());
    }
    let header =
        SecurityHeader::find(message.header_blocks())?.ok_or(AuthError::UnresolvedReference)?;
    let header = SecurityHeader::parse(header)?;
    let assertion = header.assertion.ok_or(AuthError::UnresolvedReference)?;
    let found = match xml::find_by_id(doc, &r.id) {
        Ok(n) => n,
        Err(Error::Xml(crate::error::XmlError::UnknownId(_))) => {
            return Err(AuthError::UnresolvedReference.into())
        }
        Err(Error::Xml(crate::error::XmlError::DuplicateId(_))) => {
            return Err(crate::error::TokenError::Wrapping("duplicate ID").into())
        }
        Err(e) => return Err(e),
    };
    // Only the assertion of this very header: not one hidden elsewhere.
    if found.id() != assertion.id() {
        return Err(AuthError::UnresolvedReference.into());
    }
    let version = if found.has_tag_name((ns::SAML2, "Assertion")) {
        SamlVersion::V20
    } else {
        SamlVersion::V11
    };
    if r.version.is_some_and(|v| v != version) {
        return Err(AuthError::UnresolvedReference.into());
    }
    Ok(found)
}

/// The certificate of an X.509v3 `wsse:BinarySecurityToken`; a weak or
/// non-RSA key fails as the [`crate::error::KeyError`] it is.
fn x509_token(node: Node<'_, '_>) -> Result<Certificate, Error> {
    if node.attribute("ValueType").map(str::trim) != Some(wss::X509V3) {
        return Err(IssueError::ProofEncryption("token type").into());
    }
    let text: String = xml::whole_text(node)
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|_| AuthError::Malformed("BinarySecurityToken"))?;
    Ok(Certificate::from_der(&der)?)
}

fn confirmation_key_type(plan: &KeyPlan, delegated: bool, rst: &Rst<'_, '_>) -> Option<KeyType> {
    match plan {
        KeyPlan::Bearer if delegated && rst.key_type.is_none() => None,
        p => Some(p.key_type()),
    }
}

/// Fail closed on a host-built principal (`RequestContext::authenticated`):
/// one of these domains without a qualifier would be taken for the local
/// account of its name (issued a bare NameID, or the subject of that
/// account's tokens on renew, cancel and exchange).
fn qualified(who: &Authenticated) -> Result<(), Error> {
    if who.name_qualifier.is_none()
        && (who.principal.domain == auth::SAML_DOMAIN || who.principal.domain == auth::X509_DOMAIN)
    {
        return Err(IssueError::Config(
            "a SAML or X.509 principal without a name qualifier".into(),
        )
        .into());
    }
    Ok(())
}

/// A name for the audit log, with its qualifier when it has one (a
/// partner's `admin` must not read as the local admin).
fn audit_name(name: &str, qualifier: Option<&str>) -> String {
    match qualifier {
        Some(q) => format!("{name} [{q}]"),
        None => name.to_owned(),
    }
}

/// The requester for the audit log: `DOMAIN/name`, with its qualifier.
fn requester_name(who: &Authenticated) -> String {
    audit_name(
        &format!("{}/{}", who.principal.domain, who.principal.name),
        who.name_qualifier.as_deref(),
    )
}

/// A token's subject for the audit log, with its qualifier.
fn subject_name(t: &ValidatedToken) -> String {
    audit_name(&t.subject.value, t.subject.name_qualifier.as_deref())
}

fn authn_context(who: &Authenticated, tls: bool) -> AuthnContext {
    match who.method {
        Method::PasswordText | Method::PasswordDigest if tls => {
            AuthnContext::PasswordProtectedTransport
        }
        Method::PasswordText | Method::PasswordDigest => AuthnContext::Password,
        Method::X509Signature => AuthnContext::X509,
        Method::TlsClientCertificate => AuthnContext::TlsClient,
        Method::SamlAssertion => AuthnContext::PreviousSession,
        Method::Host => AuthnContext::Unspecified,
    }
}

impl TokenService for Sts {
    fn addresses(&self) -> &[String] {
        &self.config.endpoints
    }

    fn issue(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        self.run(Operation::Issue, rst, cx, Self::issue_inner)
    }

    fn validate(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        self.run(Operation::Validate, rst, cx, Self::validate_inner)
    }

    fn renew(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        self.run(Operation::Renew, rst, cx, Self::renew_inner)
    }

    fn cancel(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        self.run(Operation::Cancel, rst, cx, Self::cancel_inner)
    }

    /// Audits the refusal ([`Operation::Unknown`], the cause as the reason).
    fn refused(&self, error: &Error, _transport: &TransportContext) {
        let now = self.config.clock.now();
        self.audit(Operation::Unknown, now, Facts::default(), Err(error));
    }

    fn message_id(&self) -> Option<String> {
        let mut b = [0u8; 16];
        self.config.random.fill(&mut b);
        Some(uuid_urn(b))
    }
}

/// `urn:uuid:` and a version 4 UUID made of `b`.
fn uuid_urn(mut b: [u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut id = String::with_capacity(45);
    id.push_str("urn:uuid:");
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            id.push('-');
        }
        id.push(char::from(HEX[usize::from(x >> 4)]));
        id.push(char::from(HEX[usize::from(x & 0xf)]));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::uuid_urn;

    #[test]
    fn message_ids_are_version_4_uuids() {
        let b: [u8; 16] = std::array::from_fn(|i| (i as u8) * 16 + 1);
        assert_eq!(uuid_urn(b), "urn:uuid:01112131-4151-4171-8191-a1b1c1d1e1f1");
        assert_eq!(
            uuid_urn([0xff; 16]),
            "urn:uuid:ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
    }
}
