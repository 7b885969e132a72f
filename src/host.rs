//! The small traits through which the host supplies everything the core does
//! not do itself: time, randomness (and, in later modules, users, claims,
//! token state and keys). In-memory defaults live in [`crate::memory`].
//!
//! Every trait is object safe and `Send + Sync`, held as `Arc<dyn _>`, and
//! states its security contract.

use std::fmt::Debug;
use time::OffsetDateTime;

/// The current time.
///
/// # Security contract
/// Must be monotonic enough that validity windows mean something: a clock
/// that can be moved backwards by a peer lets expired tokens and replayed
/// nonces back in.
pub trait Clock: Debug + Send + Sync {
    /// The current UTC time.
    fn now(&self) -> OffsetDateTime;
}

/// Cryptographically secure randomness.
///
/// # Security contract
/// Output must be unpredictable (a CSPRNG seeded from the OS or an HSM);
/// token IDs, symmetric proof keys and nonces are drawn from it.
pub trait Random: Debug + Send + Sync {
    /// Fill `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// What the STS remembers about one token it issued.
///
/// `keep_until` is how long the record must outlive the token: at least its
/// expiry plus the clock skew plus the renewal window, because a record that
/// disappears while its token could still be presented would turn a cancelled
/// token back into an unknown (and, without required state, valid) one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// The token's ID (SAML 2.0 `ID`, SAML 1.1 `AssertionID`).
    pub id: String,
    /// The subject (NameID / NameIdentifier text) the token was issued for.
    pub subject: String,
    /// The relying party (audience) it was issued for.
    pub relying_party: String,
    /// The token's `NotOnOrAfter`.
    pub expires: OffsetDateTime,
    /// When the store may forget the record (see above); `>= expires`.
    pub keep_until: OffsetDateTime,
    /// How many renewals led to this token (0 for a first issue).
    pub renewals: u32,
    /// Whether the token may be renewed at all (`wst:Renewing/@Allow` of
    /// the request that issued it; WS-Trust default `true`).
    pub renew_allowed: bool,
    /// Whether it may be renewed after it expired, within the configured
    /// window (`wst:Renewing/@OK`; WS-Trust default `false`).
    pub renew_after_expiry: bool,
    /// Active, renewed or cancelled.
    pub state: TokenState,
}

/// The life-cycle state of a recorded token. The only transitions are
/// `Active -> Renewed` and `Active -> Cancelled`; both are final.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenState {
    /// Issued and neither renewed nor cancelled.
    Active,
    /// Replaced by a renewal; the successor's ID.
    Renewed(String),
    /// Cancelled.
    Cancelled,
}

/// The outcome of a compare-and-set on a [`TokenStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// The token was `Active` and has now moved to the new state.
    Done,
    /// No record (never issued here, or forgotten after `keep_until`).
    NotFound,
    /// The token was not `Active`: nothing was changed. Its current state.
    Refused(TokenState),
}

/// Token state shared by every node of an STS: which tokens were issued, and
/// which were since renewed or cancelled.
///
/// In-memory default: [`crate::memory::MemoryTokenStore`]; for several STS
/// processes, `wstrust::redis::RedisTokenStore` (feature `redis`).
///
/// # Security contract
/// * [`cancel`](Self::cancel) and [`renew`](Self::renew) are **atomic
///   compare-and-set** operations on the token's state, visible to every node
///   at once: of a renew and a cancel racing on one token exactly one
///   succeeds, and of two renews exactly one; otherwise a cancelled token can
///   be renewed, or one token renewed twice.
/// * `renew` records the successor in the same atomic step, so there is never
///   a renewed token without its successor, or the reverse.
/// * A record is kept at least until its `keep_until`; it is never evicted
///   early to make room (fail with `StoreError::Full` instead), because a
///   forgotten cancelled token is no longer known to be cancelled.
/// * Every failure to reach the backing store is an error, never "not
///   found": the caller must not issue or accept a token it could not check.
pub trait TokenStore: Debug + Send + Sync {
    /// Record a newly issued token (its `state` is normally `Active`). Fails
    /// with `StoreError::Duplicate` if the ID is already recorded.
    fn record(&self, record: &TokenRecord, now: OffsetDateTime) -> Result<(), crate::Error>;

    /// The record for `id`, or `None` if there is none (or it is past its
    /// `keep_until` at `now`).
    fn get(&self, id: &str, now: OffsetDateTime) -> Result<Option<TokenRecord>, crate::Error>;

    /// Atomically: if `id` is `Active`, make it `Cancelled`.
    fn cancel(&self, id: &str, now: OffsetDateTime) -> Result<Transition, crate::Error>;

    /// Atomically: if `id` is `Active`, make it `Renewed(successor.id)` and
    /// record `successor` (which must not exist yet: `StoreError::Duplicate`).
    fn renew(
        &self,
        id: &str,
        successor: &TokenRecord,
        now: OffsetDateTime,
    ) -> Result<Transition, crate::Error>;
}

/// A set of recently seen keys (UsernameToken nonces, assertion IDs used as
/// credentials, message IDs), each remembered for a time-to-live.
///
/// # Security contract
/// [`insert_if_absent`](Self::insert_if_absent) is one atomic test-and-set,
/// shared by every node: of two concurrent inserts of one key exactly one
/// returns `true`. A key is kept at least for its `ttl`; a full cache refuses
/// (error) rather than forgetting live keys, or a nonce could be replayed.
pub trait ReplayCache: Debug + Send + Sync {
    /// Remember `key` for `ttl` from `now`. `Ok(true)` if it was not present
    /// (first use), `Ok(false)` if it was (a replay).
    fn insert_if_absent(
        &self,
        key: &str,
        ttl: std::time::Duration,
        now: OffsetDateTime,
    ) -> Result<bool, crate::Error>;
}
