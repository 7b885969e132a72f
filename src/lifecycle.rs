//! Validate, renew and cancel: the decisions behind
//! [`TokenService::validate`](crate::service::TokenService::validate),
//! `renew` and `cancel`, as functions the STS (or a host without SOAP) calls.
//!
//! * [`validate`]: signature, time, audience (via [`TokenValidator`]) and,
//!   for tokens of this STS, revocation in the [`TokenStore`]; answers a
//!   WS-Trust `Status` (valid / invalid with a generic reason). When the RST
//!   asks for another TokenType, the caller issues a new token for
//!   [`Validation::token`] (token exchange).
//! * Renew in two steps: [`prepare_renewal`] checks that the token is this
//!   STS's, verifies, not cancelled or renewed, renewable (`Renewing Allow`,
//!   `OK` + window after expiry) and under the renewal limit; the caller
//!   builds the new token, then [`commit_renewal`] records it with one atomic
//!   compare-and-set, and only then may the token be returned.
//! * [`cancel`]: only the subject or a holder of the administrator role, one
//!   atomic compare-and-set; the caller answers `RequestedTokenCancelled`.
//! * [`record_issued`]: called by issuance before a token leaves the STS, so
//!   that no token is issued without state when the host requires state.
//!
//! A store that cannot be reached is always an error (a fault), never a
//! "valid" or "invalid" answer.

use crate::auth::{AssertionVerifier, Authenticated, VerifiedAssertion};
use crate::error::{Error, RequestError, StoreError, TokenError};
use crate::host::{TokenRecord, TokenState, TokenStore, Transition};
use crate::token::{Expect, TokenValidator, ValidatedToken};
use crate::wst::rst::{Lifetime, Renewing};
use crate::wst::rstr::Status;
use roxmltree::{Document, Node};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;

/// Default most renewals of one token chain.
pub const DEFAULT_MAX_RENEWALS: u32 = 10;
/// Default time after expiry during which a token issued with
/// `Renewing OK="true"` may still be renewed.
pub const DEFAULT_RENEWAL_WINDOW: Duration = Duration::from_secs(60 * 60);

/// What renew, cancel and validate enforce beyond the signature.
///
/// A token is this STS's own when its issuer is [`issuer`](Self::issuer);
/// the validator must trust only this STS's certificate for that name (the
/// STS's configuration refuses a trusted foreign issuer of the same name),
/// so that a trusted partner can never pass for this STS.
///
/// # Defaults
/// | field | default |
/// |---|---|
/// | `max_renewals` | [`DEFAULT_MAX_RENEWALS`] (10) |
/// | `renewal_window` | [`DEFAULT_RENEWAL_WINDOW`] (1 hour) |
/// | `require_state` | `true`: a token of this STS unknown to the store is invalid, and issuing fails if it cannot be recorded |
/// | `admin_role` | none: only the subject may cancel (and renew, besides trusted intermediaries) |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecyclePolicy {
    /// This STS's issuer name: only its tokens are renewed, cancelled and
    /// looked up in the store.
    pub issuer: String,
    /// Most renewals of one token chain.
    pub max_renewals: u32,
    /// How long after expiry a token issued with `Renewing OK` can be renewed.
    pub renewal_window: Duration,
    /// Whether token state is required (see the defaults).
    pub require_state: bool,
    /// The role whose holders may cancel and renew anybody's token.
    pub admin_role: Option<String>,
}

impl LifecyclePolicy {
    /// The defaults for an STS issuing as `issuer`.
    pub fn new(issuer: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            max_renewals: DEFAULT_MAX_RENEWALS,
            renewal_window: DEFAULT_RENEWAL_WINDOW,
            require_state: true,
            admin_role: None,
        }
    }

    /// How long the store must keep the record of a token expiring at
    /// `expires`: past its expiry, the clock skew and the renewal window.
    pub fn keep_until(&self, expires: OffsetDateTime, skew: Duration) -> OffsetDateTime {
        crate::instant::later(expires, skew.saturating_add(self.renewal_window))
    }

    /// The record for a token this STS is about to issue. `renewing` is the
    /// request's `wst:Renewing` (absent: renewable before expiry only).
    pub fn new_record(
        &self,
        id: &str,
        subject: &str,
        relying_party: &str,
        expires: OffsetDateTime,
        renewing: Option<&Renewing>,
        skew: Duration,
    ) -> TokenRecord {
        TokenRecord {
            id: id.to_owned(),
            subject: subject.to_owned(),
            relying_party: relying_party.to_owned(),
            expires,
            keep_until: self.keep_until(expires, skew),
            renewals: 0,
            renew_allowed: renewing.is_none_or(|r| r.allow),
            renew_after_expiry: renewing.is_some_and(|r| r.allow && r.ok),
            state: TokenState::Active,
        }
    }
}

/// Record a token before it is issued. With `require_state`, a missing
/// store or any store failure is an error, and the caller must not hand out
/// the token; without it, a missing store is fine but a failing one still
/// fails (a configured store is never silently skipped).
pub fn record_issued(
    store: Option<&dyn TokenStore>,
    policy: &LifecyclePolicy,
    record: &TokenRecord,
    now: OffsetDateTime,
) -> Result<(), Error> {
    match store {
        Some(s) => s.record(record, now),
        None if policy.require_state => Err(StoreError::Required.into()),
        None => Ok(()),
    }
}

/// The answer to a Validate request.
#[derive(Debug)]
pub struct Validation {
    /// `wst:Status`: valid, or invalid with a generic reason.
    pub status: Status,
    /// The validated token when valid: the subject and claims for token
    /// exchange (a new token of the requested TokenType).
    pub token: Option<ValidatedToken>,
    /// Why it is invalid, for the operator's log (never sent).
    pub error: Option<Error>,
}

/// Generic `Status/Reason` texts.
pub mod reason {
    /// The token is valid.
    pub const VALID: &str = "The token is valid";
    /// Any signature, structure or trust problem.
    pub const INVALID: &str = "The token is invalid";
    /// Past `NotOnOrAfter`.
    pub const EXPIRED: &str = "The token has expired";
    /// Before `NotBefore`.
    pub const NOT_YET_VALID: &str = "The token is not yet valid";
    /// Cancelled, renewed, or unknown to the store.
    pub const REVOKED: &str = "The token has been revoked";
    /// Not for this audience.
    pub const AUDIENCE: &str = "The token is not intended for this audience";
}

fn status_for(e: &Error) -> &'static str {
    match e {
        Error::Token(TokenError::Expired) => reason::EXPIRED,
        Error::Token(TokenError::NotYetValid) => reason::NOT_YET_VALID,
        Error::Token(TokenError::Cancelled | TokenError::Renewed | TokenError::Unknown) => {
            reason::REVOKED
        }
        Error::Token(TokenError::WrongAudience) => reason::AUDIENCE,
        _ => reason::INVALID,
    }
}

/// Whether `token` is one of this STS's own (see [`LifecyclePolicy`]).
pub fn is_own(token: &ValidatedToken, policy: &LifecyclePolicy) -> bool {
    token.issuer == policy.issuer
}

/// Check a token of this STS against the store.
fn check_state(
    token: &ValidatedToken,
    store: Option<&dyn TokenStore>,
    policy: &LifecyclePolicy,
    now: OffsetDateTime,
) -> Result<Option<TokenRecord>, Error> {
    if !is_own(token, policy) {
        return Ok(None);
    }
    let Some(store) = store else {
        return if policy.require_state {
            Err(StoreError::Required.into())
        } else {
            Ok(None)
        };
    };
    match store.get(&token.id, now)? {
        Some(r) => match r.state {
            TokenState::Active => Ok(Some(r)),
            TokenState::Cancelled => Err(TokenError::Cancelled.into()),
            TokenState::Renewed(_) => Err(TokenError::Renewed.into()),
        },
        None if policy.require_state => Err(TokenError::Unknown.into()),
        None => Ok(None),
    }
}

/// Validate the token at `token` (the element inside `ValidateTarget`; see
/// [`crate::token::single_token_child`]). Token problems give an invalid
/// [`Status`]; store problems are an `Err` (a fault).
pub fn validate(
    validator: &TokenValidator,
    store: Option<&dyn TokenStore>,
    policy: &LifecyclePolicy,
    doc: &Document<'_>,
    token: Node<'_, '_>,
    expect: &Expect<'_>,
) -> Result<Validation, Error> {
    let checked = validator
        .validate(doc, token, expect)
        .and_then(|t| check_state(&t, store, policy, expect.now).map(|_| t));
    match checked {
        Ok(t) => Ok(Validation {
            status: Status {
                valid: true,
                reason: Some(reason::VALID.to_owned()),
            },
            token: Some(t),
            error: None,
        }),
        Err(e @ Error::Store(_)) => Err(e),
        Err(e) => Ok(Validation {
            status: Status {
                valid: false,
                reason: Some(status_for(&e).to_owned()),
            },
            token: None,
            error: Some(e),
        }),
    }
}

/// Verify a token presented for renewal or cancellation (expiry is the
/// caller's to judge) and require it to be this STS's own; a trusted foreign
/// issuer's token fails as `foreign`.
fn verify_own(
    validator: &TokenValidator,
    policy: &LifecyclePolicy,
    doc: &Document<'_>,
    token: Node<'_, '_>,
    now: OffsetDateTime,
    foreign: TokenError,
) -> Result<ValidatedToken, Error> {
    let expect = Expect {
        allow_expired: true,
        ..Expect::at(now)
    };
    let token = validator.validate(doc, token, &expect)?;
    if !is_own(&token, policy) {
        return Err(foreign.into());
    }
    Ok(token)
}

/// A renewal that passed every check and awaits its new token.
#[derive(Debug, Clone)]
pub struct RenewalPlan {
    /// The token being renewed (subject, attributes, audience to carry over).
    pub token: ValidatedToken,
    /// Its record.
    pub record: TokenRecord,
}

impl RenewalPlan {
    /// The record of the new token, `renewals + 1`, with the old token's
    /// renewal flags unless the renew request sent its own `Renewing`.
    pub fn successor(
        &self,
        policy: &LifecyclePolicy,
        new_id: &str,
        expires: OffsetDateTime,
        renewing: Option<&Renewing>,
        skew: Duration,
    ) -> TokenRecord {
        let mut r = policy.new_record(
            new_id,
            &self.record.subject,
            &self.record.relying_party,
            expires,
            renewing,
            skew,
        );
        if renewing.is_none() {
            r.renew_allowed = self.record.renew_allowed;
            r.renew_after_expiry = self.record.renew_after_expiry;
        }
        r.renewals = self.record.renewals.saturating_add(1);
        r
    }
}

/// Every check before a renewal: the token (inside `RenewTarget`) verifies,
/// is this STS's, the requester is its subject, an administrator or a
/// trusted intermediary (whoever else holds a copy, such as the relying
/// party it was issued for, must not extend its life), and it is known,
/// active, renewable, under the limit, and not expired beyond what its
/// `Renewing OK` and the window allow.
pub fn prepare_renewal(
    validator: &TokenValidator,
    store: &dyn TokenStore,
    policy: &LifecyclePolicy,
    doc: &Document<'_>,
    token: Node<'_, '_>,
    requester: &Requester<'_>,
    now: OffsetDateTime,
) -> Result<RenewalPlan, Error> {
    let token = verify_own(
        validator,
        policy,
        doc,
        token,
        now,
        TokenError::NotRenewable("issued by another STS"),
    )?;
    if !requester.is_subject(&token) && !requester.is_admin(policy) && !requester.intermediary {
        return Err(TokenError::NotAuthorized.into());
    }
    let skewed = crate::instant::earlier(now, validator.limits().clock_skew);
    let expired = skewed >= token.not_on_or_after;
    // Past the window the record may already be gone: say why first.
    if expired && skewed >= crate::instant::later(token.not_on_or_after, policy.renewal_window) {
        return Err(TokenError::RenewalWindow.into());
    }
    let record = check_state(&token, Some(store), policy, now)?.ok_or(TokenError::Unknown)?;
    if !record.renew_allowed {
        return Err(TokenError::NotRenewable("Renewing Allow=false").into());
    }
    if expired && !record.renew_after_expiry {
        return Err(TokenError::Expired.into());
    }
    if record.renewals >= policy.max_renewals {
        return Err(TokenError::RenewalLimit.into());
    }
    Ok(RenewalPlan { token, record })
}

/// Record the renewal atomically: the old token becomes `Renewed` and the
/// successor is recorded, or nothing changes and the renewal fails (a
/// concurrent cancel or renew won). Only after `Ok` may the new token be
/// returned.
pub fn commit_renewal(
    store: &dyn TokenStore,
    plan: &RenewalPlan,
    successor: &TokenRecord,
    now: OffsetDateTime,
) -> Result<(), Error> {
    match store.renew(&plan.record.id, successor, now)? {
        Transition::Done => Ok(()),
        Transition::NotFound => Err(TokenError::Unknown.into()),
        Transition::Refused(TokenState::Cancelled) => Err(TokenError::Cancelled.into()),
        Transition::Refused(_) => Err(TokenError::Renewed.into()),
    }
}

/// The lifetime of a renewed token: the requested one (bounded by `max`), or
/// `default` from now. A `Created` in the future needs `AllowPostdating`.
pub fn renewal_lifetime(
    requested: Option<&Lifetime>,
    allow_postdating: bool,
    now: OffsetDateTime,
    default: Duration,
    max: Duration,
    skew: Duration,
) -> Result<(OffsetDateTime, OffsetDateTime), Error> {
    use crate::instant::{earlier, later, span};
    let created = requested.and_then(|l| l.created).unwrap_or(now);
    if created > later(now, skew) && !allow_postdating {
        return Err(RequestError::InvalidTimeRange.into());
    }
    let created = created.max(earlier(now, skew));
    let expires = requested
        .and_then(|l| l.expires)
        .unwrap_or_else(|| later(created, default));
    if expires <= created || expires - created > span(max) {
        return Err(RequestError::InvalidTimeRange.into());
    }
    Ok((created, expires))
}

/// Who asks to renew or cancel.
#[derive(Debug, Clone, Copy)]
pub struct Requester<'a> {
    /// The authenticated name, compared with the token's subject.
    pub name: &'a str,
    /// The domain that qualifies the name when the requester is no local
    /// account ([`Authenticated::name_qualifier`]), compared with the
    /// subject's `NameQualifier`: a partner's `alice` is not the local
    /// `alice`.
    pub name_qualifier: Option<&'a str>,
    /// The requester's roles.
    pub roles: &'a [String],
    /// Whether the requester is a trusted intermediary of the STS (one that
    /// may already ask for tokens `OnBehalfOf` any subject): it may renew
    /// tokens, but not cancel them.
    pub intermediary: bool,
}

impl<'a> Requester<'a> {
    /// The requester `who`, not an intermediary.
    pub fn of(who: &'a Authenticated) -> Self {
        Self {
            name: &who.principal.name,
            name_qualifier: who.name_qualifier.as_deref(),
            roles: &who.principal.roles,
            intermediary: false,
        }
    }

    /// Whether the requester is `token`'s subject: the same NameID and the
    /// same qualifier (none for a local account).
    pub fn is_subject(&self, token: &ValidatedToken) -> bool {
        self.name == token.subject.value
            && self.name_qualifier == token.subject.name_qualifier.as_deref()
    }

    fn is_admin(&self, policy: &LifecyclePolicy) -> bool {
        policy
            .admin_role
            .as_ref()
            .is_some_and(|role| self.roles.iter().any(|r| r == role))
    }
}

/// Cancel the token inside `CancelTarget`: it must verify (expiry is not
/// checked), be this STS's (a trusted foreign issuer's token is
/// [`TokenError::Foreign`]), and the requester must be its subject or hold
/// the administrator role. One atomic compare-and-set; a token already
/// cancelled or renewed is refused. Returns the cancelled token.
pub fn cancel(
    validator: &TokenValidator,
    store: &dyn TokenStore,
    policy: &LifecyclePolicy,
    doc: &Document<'_>,
    token: Node<'_, '_>,
    requester: &Requester<'_>,
    now: OffsetDateTime,
) -> Result<ValidatedToken, Error> {
    let token = verify_own(validator, policy, doc, token, now, TokenError::Foreign)?;
    if !requester.is_subject(&token) && !requester.is_admin(policy) {
        return Err(TokenError::NotAuthorized.into());
    }
    match store.cancel(&token.id, now)? {
        Transition::Done => Ok(token),
        Transition::NotFound => Err(TokenError::Unknown.into()),
        Transition::Refused(TokenState::Cancelled) => Err(TokenError::Cancelled.into()),
        Transition::Refused(_) => Err(TokenError::Renewed.into()),
    }
}

/// The [`AssertionVerifier`] an STS uses by default for SAML tokens in the
/// `wsse:Security` header and in `OnBehalfOf`/`ActAs`: the same
/// [`TokenValidator`] as Validate (this STS and its trusted issuers, each
/// name with its own certificates; audiences as the validator requires),
/// and for this STS's own tokens the [`TokenStore`]: a cancelled, renewed or
/// (with `require_state`) unknown token is no credential, on any node.
///
/// For tokens delivered to the STS itself (the header credential; see
/// [`with_recipient_check`](Self::with_recipient_check)), a trusted issuer's
/// SAML 2.0 bearer token must also name a `Recipient` that is one of the
/// configured endpoints and the request's `wsa:To` (read from the same
/// parsed message) when it has one ([`crate::token::check_recipient`]).
/// This STS's own tokens carry no confirmation data (WS-Trust issuance):
/// their audience binds them to this STS and the store tracks them.
#[derive(Debug, Clone)]
pub struct StoreCheckedVerifier {
    validator: Arc<TokenValidator>,
    store: Option<Arc<dyn TokenStore>>,
    policy: LifecyclePolicy,
    recipient: Option<Vec<String>>,
}

impl StoreCheckedVerifier {
    /// Verify with `validator`, then check this STS's own tokens (per
    /// `policy`) in `store`.
    pub fn new(
        validator: Arc<TokenValidator>,
        store: Option<Arc<dyn TokenStore>>,
        policy: LifecyclePolicy,
    ) -> Self {
        Self {
            validator,
            store,
            policy,
            recipient: None,
        }
    }

    /// Require a bearer `Recipient` among `endpoints` (and the message's
    /// `wsa:To`) of trusted issuers' SAML 2.0 bearer tokens: for tokens
    /// delivered to this STS, not for `OnBehalfOf`/`ActAs` tokens, which
    /// were delivered to the intermediary. Without `endpoints`, such tokens
    /// are refused.
    pub fn with_recipient_check(mut self, endpoints: Vec<String>) -> Self {
        self.recipient = Some(endpoints);
        self
    }

    /// The validator.
    pub fn validator(&self) -> &TokenValidator {
        &self.validator
    }
}

impl AssertionVerifier for StoreCheckedVerifier {
    fn verify(
        &self,
        doc: &Document<'_>,
        assertion: Node<'_, '_>,
        now: OffsetDateTime,
    ) -> Result<VerifiedAssertion, Error> {
        let t = self.validator.validate_credential(doc, assertion, now)?;
        check_state(&t, self.store.as_deref(), &self.policy, now)?;
        let a = crate::token::verified_assertion(t.clone())?;
        if let (Some(endpoints), crate::auth::Confirmation::Bearer, false) =
            (&self.recipient, &a.confirmation, is_own(&t, &self.policy))
        {
            // The same tree the SOAP layer parsed and accepted.
            let to = crate::soap::peek_addressing(doc).and_then(|a| a.to);
            crate::token::check_recipient(&t, endpoints, to.as_deref())?;
        }
        Ok(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// A token expiring at the end of time is kept to the end of time, not
    /// dropped at its expiry (the skew and renewal window saturate).
    #[test]
    fn keep_until_saturates_at_the_end_of_time() {
        let policy = LifecyclePolicy::new("https://sts.example/".to_owned());
        let skew = Duration::from_secs(300);
        let end = datetime!(9999-12-31 23:59:59.999_999_999 UTC);
        let late = datetime!(9999-12-31 23:30 UTC);
        assert_eq!(policy.keep_until(late, skew), end);
        assert_eq!(policy.keep_until(end, Duration::MAX), end);
        let now = datetime!(2027-01-15 12:00 UTC);
        assert_eq!(
            policy.keep_until(now, skew),
            datetime!(2027-01-15 13:05 UTC)
        );
    }

    /// Renewal lifetimes starting at the end of time saturate rather than
    /// overflow; the requested bounds still apply.
    #[test]
    fn renewal_lifetime_at_the_end_of_time() {
        let now = datetime!(2027-01-15 12:00 UTC);
        let hour = Duration::from_secs(3600);
        let skew = Duration::from_secs(300);
        let late = Lifetime {
            created: Some(datetime!(9999-12-31 23:30 UTC)),
            expires: None,
        };
        let (start, end) = renewal_lifetime(Some(&late), true, now, hour, hour * 8, skew).unwrap();
        assert_eq!(start, datetime!(9999-12-31 23:30 UTC));
        assert_eq!(end, datetime!(9999-12-31 23:59:59.999_999_999 UTC));
        assert!(renewal_lifetime(Some(&late), false, now, hour, hour * 8, skew).is_err());
        let (_, end) = renewal_lifetime(
            None,
            false,
            now,
            Duration::MAX,
            Duration::MAX,
            Duration::MAX,
        )
        .unwrap();
        assert_eq!(end, datetime!(9999-12-31 23:59:59.999_999_999 UTC));
    }
}
