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
    /// with `StoreError::Duplicate` if the ID is already recorded, and with
    /// `StoreError::KeepUntilPassed` if its `keep_until` is not after `now`
    /// (it would be forgotten at once). Expiry is measured from `now`, the
    /// STS clock, never from the backend's own clock.
    fn record(&self, record: &TokenRecord, now: OffsetDateTime) -> Result<(), crate::Error>;

    /// The record for `id`, or `None` if there is none (or it is past its
    /// `keep_until` at `now`).
    fn get(&self, id: &str, now: OffsetDateTime) -> Result<Option<TokenRecord>, crate::Error>;

    /// Atomically: if `id` is `Active`, make it `Cancelled`.
    fn cancel(&self, id: &str, now: OffsetDateTime) -> Result<Transition, crate::Error>;

    /// Atomically: if `id` is `Active`, make it `Renewed(successor.id)` and
    /// record `successor` (which must not exist yet: `StoreError::Duplicate`;
    /// nor be past its `keep_until`, as for [`record`](Self::record)).
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

/// A secret (a password from a request or from the host's store): zeroized on
/// drop, redacted in `Debug`, no `PartialEq`; compare with
/// [`ct_eq`](Secret::ct_eq), which takes the same time whatever the contents
/// and lengths.
///
/// ```
/// use wstrust::host::Secret;
/// let s = Secret::new("hunter2");
/// assert_eq!(format!("{s:?}"), "Secret(..)");
/// assert!(s.ct_eq(b"hunter2"));
/// assert!(!s.ct_eq(b"hunter3"));
/// ```
pub struct Secret(zeroize::Zeroizing<Vec<u8>>);

impl Secret {
    /// Wrap secret bytes (a password as UTF-8).
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(zeroize::Zeroizing::new(bytes.into()))
    }

    /// The secret bytes, for the few places that must use them (digest
    /// computation).
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Constant-time equality with `other`. Both sides are hashed first
    /// (SHA-256), so neither the contents nor the length of either side
    /// changes the time taken.
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        use sha2::Digest as _;
        use subtle::ConstantTimeEq as _;
        let a = sha2::Sha256::digest(self.expose());
        let b = sha2::Sha256::digest(other);
        a.ct_eq(&b).into()
    }
}

impl Clone for Secret {
    fn clone(&self) -> Self {
        Self::new(self.expose().to_vec())
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// What a requester presented to prove it knows a user's password.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Credential<'a> {
    /// A cleartext password (`wsse:PasswordText`).
    Password(&'a Secret),
    /// A `wsse:PasswordDigest`: `Base64(SHA-1(nonce + created + password))`.
    /// A store can only check it if it knows the cleartext password.
    PasswordDigest {
        /// The decoded digest (20 bytes for a well-formed token).
        digest: &'a [u8],
        /// The decoded `wsse:Nonce`.
        nonce: &'a [u8],
        /// The `wsu:Created` text exactly as sent.
        created: &'a str,
    },
}

impl Credential<'_> {
    /// Whether this credential proves knowledge of `password`, compared in
    /// constant time. The helper for [`UserStore`] implementations that hold
    /// cleartext (or reversibly encrypted) passwords.
    ///
    /// ```
    /// use wstrust::host::{Credential, Secret};
    /// let pw = Secret::new("s3cret");
    /// assert!(Credential::Password(&Secret::new("s3cret")).matches(&pw));
    /// let digest = wstrust::wss::password_digest(b"nonce", "2026-01-01T00:00:00Z", pw.expose());
    /// let c = Credential::PasswordDigest { digest: &digest, nonce: b"nonce", created: "2026-01-01T00:00:00Z" };
    /// assert!(c.matches(&pw));
    /// assert!(!c.matches(&Secret::new("guess")));
    /// ```
    pub fn matches(&self, password: &Secret) -> bool {
        match *self {
            Credential::Password(given) => given.ct_eq(password.expose()),
            Credential::PasswordDigest {
                digest,
                nonce,
                created,
            } => {
                let expected = crate::wss::password_digest(nonce, created, password.expose());
                Secret::new(expected.to_vec()).ct_eq(digest)
            }
        }
    }
}

/// An authenticated identity: who the requester is, as the user store knows
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user name (without a domain prefix).
    pub name: String,
    /// The user-store domain (the seed product's `PRIMARY`, or a secondary
    /// store's name).
    pub domain: String,
    /// The roles the user holds.
    pub roles: Vec<String>,
}

impl Principal {
    /// Whether this is an account of a user store: not a certificate
    /// subject ([`crate::auth::X509_DOMAIN`]) or a partner's subject
    /// ([`crate::auth::SAML_DOMAIN`]) that no store knows. A claims provider
    /// derives values from the name only for local principals: a partner's
    /// `alice` chose its own name and is not this directory's alice.
    ///
    /// ```
    /// use wstrust::host::Principal;
    /// let alice = Principal { name: "alice".into(), domain: "PRIMARY".into(), roles: vec![] };
    /// assert!(alice.is_local());
    /// let partner = Principal { domain: wstrust::auth::SAML_DOMAIN.into(), ..alice };
    /// assert!(!partner.is_local());
    /// ```
    pub fn is_local(&self) -> bool {
        self.domain != crate::auth::SAML_DOMAIN && self.domain != crate::auth::X509_DOMAIN
    }
}

/// A user's attributes, by claim URI or local attribute name, for claims.
pub type Attributes = std::collections::BTreeMap<String, Vec<String>>;

/// A user as a [`UserStore`] returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The identity and roles.
    pub principal: Principal,
    /// Attributes for claims (never a password or other secret).
    pub attributes: Attributes,
}

/// The host's users: password checks and attribute lookups.
///
/// In-memory default: [`crate::memory::MemoryUserStore`].
///
/// # Security contract
/// * [`authenticate`](Self::authenticate) returns `Ok(None)` both for an
///   unknown user and for a wrong password, and takes the same time for both
///   (check a dummy password when the user is unknown); comparisons are
///   constant time ([`Credential::matches`]). Otherwise the STS becomes an
///   oracle for which user names exist.
/// * `Err` is only for a store that cannot answer (unreachable directory),
///   never for "no such user".
/// * `username` may carry a domain prefix (`DOMAIN/name`); a store that does
///   not own `DOMAIN` returns `Ok(None)`.
/// * Attributes never contain a password or other secret: they end up in
///   issued tokens.
pub trait UserStore: Debug + Send + Sync {
    /// Check `credential` for `username`; the user on success.
    fn authenticate(
        &self,
        username: &str,
        credential: &Credential<'_>,
    ) -> Result<Option<User>, crate::Error>;

    /// The user named `name` without a password check, for principals
    /// authenticated otherwise (an X.509 subject mapped to a user, the
    /// subject of a SAML assertion from a trusted issuer) and for claims.
    fn lookup(&self, name: &str) -> Result<Option<User>, crate::Error>;
}

/// One password attempt, as [`Lockout`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt<'a> {
    /// The user name as presented.
    pub user: &'a str,
    /// The client's address, when the host knows it
    /// ([`crate::service::TransportContext::peer`]). A host behind a proxy
    /// passes the real client's address or `None`, never the proxy's: every
    /// client would share one failure budget.
    pub client: Option<std::net::IpAddr>,
}

impl<'a> Attempt<'a> {
    /// An attempt for `user` from `client`.
    pub fn new(user: &'a str, client: Option<std::net::IpAddr>) -> Self {
        Self { user, client }
    }
}

/// The address a per-client budget counts a client by: an IPv4 address as
/// it is (also when written IPv4-mapped), an IPv6 address by its /64, the
/// share one host usually has (counting IPv6 addresses one by one would give
/// a host 2^64 budgets). Used by [`crate::memory::MemoryLockout`] and by
/// `wstrust serve`'s per-address connection cap.
///
/// ```
/// use std::net::IpAddr;
/// let ip = |s: &str| -> IpAddr { s.parse().unwrap() };
/// let net = wstrust::host::client_network;
/// assert_eq!(net(ip("2001:db8:1:2:aaaa::1")), net(ip("2001:db8:1:2:bbbb::2")));
/// assert_ne!(net(ip("2001:db8:1:2::1")), net(ip("2001:db8:1:3::1")));
/// assert_eq!(net(ip("::ffff:192.0.2.7")), ip("192.0.2.7"));
/// ```
pub fn client_network(ip: std::net::IpAddr) -> std::net::IpAddr {
    use std::net::{IpAddr, Ipv6Addr};
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Whether a name that failed to authenticate is an account of the user
/// store ([`UserStore::lookup`] found it) or a name nobody has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// A user-store account: its failures must be remembered under any flood.
    Account,
    /// No such user: its failures may be forgotten first when room runs out.
    Unknown,
}

/// Failed-password accounting: after too many failures for one name, or
/// from one client address, within a window, the name (or the address) is
/// refused for a cooling-off period.
///
/// In-memory default: [`crate::memory::MemoryLockout`].
///
/// # Security contract
/// * Keyed by the user name *as presented*, whether or not such a user
///   exists, so that a locked-out unknown name looks exactly like a locked-out
///   real one; and by the client address when there is one.
/// * Shared by every STS node (or the guess rate multiplies by the node
///   count).
/// * Bounded, and a full table never turns into a global lockout: an
///   unauthenticated flood of new names may cost the failure counts of other
///   *unknown* names, never an account's count or lock, and never locks a
///   name or client that did not fail.
pub trait Lockout: Debug + Send + Sync {
    /// Whether `attempt` is refused at `now` (its name or its client is
    /// locked).
    fn is_locked(&self, attempt: Attempt<'_>, now: OffsetDateTime) -> Result<bool, crate::Error>;
    /// Record a failed password attempt; `kind` says whether the name is an
    /// account.
    fn record_failure(
        &self,
        attempt: Attempt<'_>,
        kind: NameKind,
        now: OffsetDateTime,
    ) -> Result<(), crate::Error>;
    /// Record a successful authentication: clears the name's failures (not
    /// the client's: one valid account must not buy a sprayer more guesses).
    fn record_success(&self, attempt: Attempt<'_>, now: OffsetDateTime)
        -> Result<(), crate::Error>;
}

/// How an `xenc:EncryptedKey` (or a signature's `KeyInfo`) names the
/// certificate whose private key is needed. Read from `ds:X509Data`,
/// `wsse:SecurityTokenReference/wsse:KeyIdentifier` or `ds:KeyName`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyReference {
    /// `ds:X509Certificate`: the certificate itself (DER).
    Certificate(Vec<u8>),
    /// `ds:X509IssuerSerial`: issuer distinguished name (as written) and
    /// serial number (decimal, as written).
    IssuerSerial {
        /// `ds:X509IssuerName`.
        issuer: String,
        /// `ds:X509SerialNumber` (decimal).
        serial: String,
    },
    /// `ds:X509SKI` or a `X509SubjectKeyIdentifier` KeyIdentifier.
    SubjectKeyId(Vec<u8>),
    /// A `ThumbprintSHA1` KeyIdentifier: SHA-1 of the certificate's DER.
    ThumbprintSha1([u8; 20]),
    /// `ds:KeyName`.
    KeyName(String),
    /// The `EncryptedKey` names no key at all (no `KeyInfo`).
    Unnamed,
}

impl KeyReference {
    /// Whether this reference names `cert`.
    ///
    /// Issuer names are parsed as distinguished names in the forms RFC 4514,
    /// Java and .NET write (escapes, quoted values, `#` hex, type aliases)
    /// and match with their RDNs in the same or reversed order, types by
    /// meaning, string values ignoring case and runs of spaces; serial
    /// numbers as integers. `KeyName` and `Unnamed` never
    /// match a certificate.
    pub fn matches(&self, cert: &crate::keys::Certificate) -> bool {
        match self {
            Self::Certificate(der) => der.as_slice() == cert.der(),
            Self::IssuerSerial { issuer, serial } => {
                let Some(serial) = rsa::BigUint::parse_bytes(serial.trim().as_bytes(), 10) else {
                    return false;
                };
                serial == rsa::BigUint::from_bytes_be(cert.serial())
                    && crate::dn::same_name(issuer, cert.issuer())
            }
            Self::SubjectKeyId(ski) => cert.subject_key_id() == Some(ski.as_slice()),
            Self::ThumbprintSha1(t) => *t == cert.sha1_thumbprint(),
            Self::KeyName(_) | Self::Unnamed => false,
        }
    }
}

/// Finds the private key that unwraps an `xenc:EncryptedKey`.
///
/// # Security contract
/// Return a key only for a certificate the host issued to *this* service for
/// decryption; returning some other key (say, a signing key shared with
/// another service) lets a peer use this STS as a decryption oracle for it.
/// The returned [`PrivateKey`](crate::keys::PrivateKey) must honour its own
/// constant-time contract: the XML-Enc layer makes every unwrapping failure
/// look alike, but cannot hide timing inside the key backend.
pub trait KeyResolver: Debug + Send + Sync {
    /// The private key for the certificate `reference` names, if this host
    /// holds it.
    fn private_key(
        &self,
        reference: &KeyReference,
    ) -> Option<std::sync::Arc<dyn crate::keys::PrivateKey>>;
}
