//! Ready-made implementations of the [`crate::host`] traits for hosts that do
//! not need their own: the system clock and OS randomness (which the host opts
//! into; the core never calls them by itself), a fixed clock for tests, and
//! in-memory stores.

use crate::error::StoreError;
use crate::host::{
    Attempt, Attributes, Clock, Credential, Lockout, NameKind, Principal, Random, ReplayCache,
    Secret, TokenRecord, TokenState, TokenStore, Transition, User, UserStore,
};
use crate::instant::later as add;
use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use time::OffsetDateTime;

/// [`Clock`] backed by the operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// [`Clock`] that returns a time set by the test or tool (`--now`).
///
/// ```
/// use wstrust::{host::Clock, memory::FixedClock};
/// let t = time::macros::datetime!(2026-01-01 00:00 UTC);
/// let clock = FixedClock::new(t);
/// assert_eq!(clock.now(), t);
/// clock.set(t + time::Duration::minutes(5));
/// assert_eq!(clock.now(), t + time::Duration::minutes(5));
/// ```
#[derive(Debug)]
pub struct FixedClock(Mutex<OffsetDateTime>);

impl FixedClock {
    /// A clock stopped at `t`.
    pub fn new(t: OffsetDateTime) -> Self {
        Self(Mutex::new(t))
    }

    /// Move the clock to `t`.
    pub fn set(&self, t: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = t;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// [`Random`] backed by the operating system's CSPRNG.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Random for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        use rand::RngCore;
        rand::rngs::OsRng.fill_bytes(buf);
    }
}

/// Default bound on [`MemoryTokenStore`] entries: about 100 MB of records at
/// a few hundred bytes each.
pub const DEFAULT_TOKEN_STORE_CAPACITY: usize = 250_000;

/// In-memory [`TokenStore`] for a single STS process: one mutex around a map
/// plus an expiry index, so every operation is atomic and expired records
/// (past `keep_until`) are evicted in `O(log n)` as time passes.
///
/// Bounded by a capacity (entries); when full of live records it refuses new
/// ones (`StoreError::Full`) rather than forget a cancelled token.
///
/// ```
/// use wstrust::host::{TokenRecord, TokenState, TokenStore, Transition};
/// use wstrust::memory::MemoryTokenStore;
/// use time::macros::datetime;
/// let now = datetime!(2026-01-01 00:00 UTC);
/// let store = MemoryTokenStore::new(1000);
/// let rec = TokenRecord {
///     id: "_a1".into(), subject: "alice".into(), relying_party: "https://rp/".into(),
///     expires: now + time::Duration::hours(1), keep_until: now + time::Duration::hours(2),
///     renewals: 0, renew_allowed: true, renew_after_expiry: false,
///     state: TokenState::Active,
/// };
/// store.record(&rec, now)?;
/// assert_eq!(store.cancel("_a1", now)?, Transition::Done);
/// assert_eq!(store.cancel("_a1", now)?, Transition::Refused(TokenState::Cancelled));
/// // forgotten once past keep_until
/// assert!(store.get("_a1", now + time::Duration::hours(3))?.is_none());
/// # Ok::<(), wstrust::Error>(())
/// ```
#[derive(Debug)]
pub struct MemoryTokenStore {
    inner: Mutex<TokenMap>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct TokenMap {
    records: HashMap<String, TokenRecord>,
    /// (keep_until, id): the eviction order.
    expiry: BTreeSet<(OffsetDateTime, String)>,
}

impl TokenMap {
    fn evict(&mut self, now: OffsetDateTime) {
        while let Some(first) = self.expiry.first() {
            if first.0 > now {
                break;
            }
            if let Some((_, id)) = self.expiry.pop_first() {
                self.records.remove(&id);
            }
        }
    }

    fn insert(
        &mut self,
        record: &TokenRecord,
        capacity: usize,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        // Stored, it would be evicted at once while `record` said Ok.
        if record.keep_until <= now {
            return Err(StoreError::KeepUntilPassed);
        }
        if self.records.contains_key(&record.id) {
            return Err(StoreError::Duplicate);
        }
        if self.records.len() >= capacity {
            return Err(StoreError::Full);
        }
        self.expiry.insert((record.keep_until, record.id.clone()));
        self.records.insert(record.id.clone(), record.clone());
        Ok(())
    }
}

impl MemoryTokenStore {
    /// A store holding at most `capacity` records.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(TokenMap::default()),
            capacity,
        }
    }

    /// Records currently held (expired ones not yet evicted included).
    pub fn len(&self) -> usize {
        self.lock().records.len()
    }

    /// Whether the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TokenMap> {
        // Every mutation leaves the map consistent before anything can panic,
        // so a poisoned lock still guards a valid map.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for MemoryTokenStore {
    fn default() -> Self {
        Self::new(DEFAULT_TOKEN_STORE_CAPACITY)
    }
}

impl TokenStore for MemoryTokenStore {
    fn record(&self, record: &TokenRecord, now: OffsetDateTime) -> Result<(), crate::Error> {
        let mut map = self.lock();
        map.evict(now);
        Ok(map.insert(record, self.capacity, now)?)
    }

    fn get(&self, id: &str, now: OffsetDateTime) -> Result<Option<TokenRecord>, crate::Error> {
        let map = self.lock();
        Ok(map.records.get(id).filter(|r| r.keep_until > now).cloned())
    }

    fn cancel(&self, id: &str, now: OffsetDateTime) -> Result<Transition, crate::Error> {
        let mut map = self.lock();
        map.evict(now);
        let Some(rec) = map.records.get_mut(id) else {
            return Ok(Transition::NotFound);
        };
        if rec.state != TokenState::Active {
            return Ok(Transition::Refused(rec.state.clone()));
        }
        rec.state = TokenState::Cancelled;
        Ok(Transition::Done)
    }

    fn renew(
        &self,
        id: &str,
        successor: &TokenRecord,
        now: OffsetDateTime,
    ) -> Result<Transition, crate::Error> {
        let mut map = self.lock();
        map.evict(now);
        match map.records.get(id) {
            None => return Ok(Transition::NotFound),
            Some(rec) if rec.state != TokenState::Active => {
                return Ok(Transition::Refused(rec.state.clone()))
            }
            Some(_) => {}
        }
        // Insert the successor first: if that fails nothing has changed.
        map.insert(successor, self.capacity, now)?;
        if let Some(rec) = map.records.get_mut(id) {
            rec.state = TokenState::Renewed(successor.id.clone());
        }
        Ok(Transition::Done)
    }
}

/// Default bound on [`MemoryReplayCache`] entries (48 bytes each plus map
/// overhead: about 10 MB): at 1 000 nonces/s and a 10-minute window, 600 000.
pub const DEFAULT_REPLAY_CACHE_CAPACITY: usize = 1_000_000;

/// In-memory [`ReplayCache`] for a single STS process: one mutex around a
/// set of SHA-256 key hashes (fixed size, whatever the key) plus an expiry
/// index, evicted as time passes. When full of live keys it refuses
/// (`StoreError::Full`) rather than forget one.
///
/// ```
/// use wstrust::host::ReplayCache;
/// use wstrust::memory::MemoryReplayCache;
/// use std::time::Duration;
/// let now = time::macros::datetime!(2026-01-01 00:00 UTC);
/// let cache = MemoryReplayCache::new(100);
/// assert!(cache.insert_if_absent("nonce:abc", Duration::from_secs(300), now)?);
/// assert!(!cache.insert_if_absent("nonce:abc", Duration::from_secs(300), now)?);
/// // remembered for its TTL, then forgotten
/// let later = now + time::Duration::seconds(301);
/// assert!(cache.insert_if_absent("nonce:abc", Duration::from_secs(300), later)?);
/// # Ok::<(), wstrust::Error>(())
/// ```
#[derive(Debug)]
pub struct MemoryReplayCache {
    inner: Mutex<ReplaySet>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct ReplaySet {
    keys: HashMap<[u8; 32], OffsetDateTime>,
    expiry: BTreeSet<(OffsetDateTime, [u8; 32])>,
}

impl MemoryReplayCache {
    /// A cache holding at most `capacity` live keys.
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(ReplaySet::default()),
            capacity,
        }
    }

    /// Live keys currently remembered (after evicting those expired at `now`).
    pub fn len(&self, now: OffsetDateTime) -> usize {
        let mut set = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        set.evict(now);
        set.keys.len()
    }

    /// Whether no live key is remembered at `now`.
    pub fn is_empty(&self, now: OffsetDateTime) -> bool {
        self.len(now) == 0
    }
}

impl Default for MemoryReplayCache {
    fn default() -> Self {
        Self::new(DEFAULT_REPLAY_CACHE_CAPACITY)
    }
}

impl ReplaySet {
    fn evict(&mut self, now: OffsetDateTime) {
        while let Some(first) = self.expiry.first() {
            if first.0 > now {
                break;
            }
            if let Some((_, k)) = self.expiry.pop_first() {
                self.keys.remove(&k);
            }
        }
    }
}

impl ReplayCache for MemoryReplayCache {
    fn insert_if_absent(
        &self,
        key: &str,
        ttl: std::time::Duration,
        now: OffsetDateTime,
    ) -> Result<bool, crate::Error> {
        use sha2::Digest as _;
        let hash: [u8; 32] = sha2::Sha256::digest(key.as_bytes()).into();
        let until = crate::instant::later(now, ttl);
        let mut set = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        set.evict(now);
        if set.keys.contains_key(&hash) {
            return Ok(false);
        }
        if set.keys.len() >= self.capacity {
            return Err(StoreError::Full.into());
        }
        set.keys.insert(hash, until);
        set.expiry.insert((until, hash));
        Ok(true)
    }
}

/// Settings of [`MemoryLockout`].
///
/// # Defaults
/// | field | default | why |
/// |---|---|---|
/// | `max_failures` | 5 | the seed product's default |
/// | `window` | 5 minutes | failures older than this are forgotten |
/// | `cooloff` | 15 minutes | bounds online guessing to ~20 tries/hour/name |
/// | `capacity` | 100 000 accounts | memory bound (~100 bytes each); only user-store accounts enter |
/// | `unknown_capacity` | 100 000 names | memory bound for names nobody has; the oldest are forgotten first |
/// | `max_failures_per_client` | `Some(100)` | password spraying: one address may fail 100 times per window across all names |
/// | `client_capacity` | 100 000 addresses | memory bound; the oldest are forgotten first |
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockoutSettings {
    /// Failures of one name within `window` that lock it.
    pub max_failures: u32,
    /// The window failures are counted in.
    pub window: std::time::Duration,
    /// How long a locked name (or client) stays refused.
    pub cooloff: std::time::Duration,
    /// Most accounts tracked at once (names the user store knows).
    pub capacity: usize,
    /// Most unknown names tracked at once.
    pub unknown_capacity: usize,
    /// Failures from one client address (IPv6: one /64) within `window`
    /// that lock the address for every name; `None` turns this off (for a
    /// host that cannot tell its clients apart).
    pub max_failures_per_client: Option<u32>,
    /// Most client addresses tracked at once.
    pub client_capacity: usize,
}

impl Default for LockoutSettings {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window: std::time::Duration::from_secs(5 * 60),
            cooloff: std::time::Duration::from_secs(15 * 60),
            capacity: 100_000,
            unknown_capacity: 100_000,
            max_failures_per_client: Some(100),
            client_capacity: 100_000,
        }
    }
}

/// In-memory [`Lockout`] for a single STS process, keyed by the presented
/// name (lowercased and without a domain prefix, so variants share one
/// counter) whether or not the user exists, and by the client address.
///
/// Three bounded tables, so that no flood turns into a global lockout:
/// * **accounts** (names the user store knows): an entry is dropped only
///   once its window or cooloff has passed. Only real accounts enter, so an
///   unauthenticated flood cannot fill it; should more than `capacity`
///   accounts fail within one window, further failures of new accounts go
///   uncounted by name (the client budget still counts them).
/// * **unknown names**: when full, the oldest half is forgotten. A flood
///   of new names costs other unknown names their counts, nothing else.
/// * **clients**: failures per address (an IPv6 /64 counts as one); past
///   `max_failures_per_client` in a window the address is refused for every
///   name for the cooloff. When full, the oldest half is forgotten.
///
/// ```
/// use wstrust::host::{Attempt, Lockout, NameKind};
/// use wstrust::memory::{LockoutSettings, MemoryLockout};
/// let now = time::macros::datetime!(2026-01-01 00:00 UTC);
/// let lockout = MemoryLockout::new(LockoutSettings { max_failures: 2, ..Default::default() });
/// let nobody = Attempt::new("nobody", None);
/// lockout.record_failure(nobody, NameKind::Unknown, now)?;
/// assert!(!lockout.is_locked(nobody, now)?);
/// lockout.record_failure(Attempt::new("NoBody", None), NameKind::Unknown, now)?;
/// assert!(lockout.is_locked(nobody, now)?);
/// assert!(!lockout.is_locked(nobody, now + time::Duration::minutes(16))?);
/// # Ok::<(), wstrust::Error>(())
/// ```
#[derive(Debug)]
pub struct MemoryLockout {
    settings: LockoutSettings,
    inner: Mutex<LockoutTable>,
}

#[derive(Debug)]
struct LockoutTable {
    accounts: HashMap<String, Failures>,
    unknown: Recent<String>,
    clients: Recent<std::net::IpAddr>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    first: OffsetDateTime,
    locked_until: Option<OffsetDateTime>,
}

impl Failures {
    fn new(now: OffsetDateTime) -> Self {
        Self {
            count: 0,
            first: now,
            locked_until: None,
        }
    }

    fn locked(&self, now: OffsetDateTime) -> bool {
        self.locked_until.is_some_and(|t| t > now)
    }

    /// Whether the entry still matters at `now` (locked, or its window open).
    fn live(&self, now: OffsetDateTime, window: std::time::Duration) -> bool {
        match self.locked_until {
            Some(until) => until > now,
            None => add(self.first, window) > now,
        }
    }

    /// Count one failure at `now`: a passed window or cooloff starts anew;
    /// the `max`-th failure within the window locks for `cooloff`.
    fn fail(&mut self, now: OffsetDateTime, max: u32, s: &LockoutSettings) {
        if !self.live(now, s.window) {
            *self = Self::new(now);
        }
        self.count = self.count.saturating_add(1);
        if self.count >= max && self.locked_until.is_none() {
            self.locked_until = Some(add(now, s.cooloff));
        }
    }
}

/// A bounded map that forgets its oldest half when full: two generations,
/// looked up together; an entry touched in the old one moves to the new.
/// O(1) per operation, and at most `capacity` entries.
#[derive(Debug)]
struct Recent<K> {
    current: HashMap<K, Failures>,
    previous: HashMap<K, Failures>,
    half: usize,
}

impl<K: std::hash::Hash + Eq + Clone> Recent<K> {
    fn new(capacity: usize) -> Self {
        Self {
            current: HashMap::new(),
            previous: HashMap::new(),
            half: (capacity / 2).max(1),
        }
    }

    fn get(&self, k: &K) -> Option<&Failures> {
        self.current.get(k).or_else(|| self.previous.get(k))
    }

    fn entry(&mut self, k: K, now: OffsetDateTime) -> &mut Failures {
        if !self.current.contains_key(&k) {
            let old = self.previous.remove(&k);
            if self.current.len() >= self.half {
                self.previous = std::mem::take(&mut self.current);
            }
            self.current
                .insert(k.clone(), old.unwrap_or_else(|| Failures::new(now)));
        }
        self.current.entry(k).or_insert_with(|| Failures::new(now))
    }

    fn remove(&mut self, k: &K) {
        self.current.remove(k);
        self.previous.remove(k);
    }
}

impl MemoryLockout {
    /// A lockout table with `settings`.
    pub fn new(settings: LockoutSettings) -> Self {
        let inner = LockoutTable {
            accounts: HashMap::new(),
            unknown: Recent::new(settings.unknown_capacity),
            clients: Recent::new(settings.client_capacity),
        };
        Self {
            settings,
            inner: Mutex::new(inner),
        }
    }

    /// Lowercased, and without a `DOMAIN/` prefix: `alice`, `Alice` and
    /// `PRIMARY/alice` share one counter (at worst two users of different
    /// domains with one name lock together; never does a prefix buy more
    /// guesses).
    fn key(user: &str) -> String {
        let user = user.trim();
        let local = user.rsplit_once('/').map_or(user, |(_, name)| name);
        local.to_lowercase()
    }

    /// The client's budget key: an IPv4 address (also when IPv4-mapped), or
    /// an IPv6 address's /64 (one host's usual share of addresses).
    fn client_key(ip: std::net::IpAddr) -> std::net::IpAddr {
        crate::host::client_network(ip)
    }
}

impl Default for MemoryLockout {
    fn default() -> Self {
        Self::new(LockoutSettings::default())
    }
}

impl Lockout for MemoryLockout {
    fn is_locked(&self, attempt: Attempt<'_>, now: OffsetDateTime) -> Result<bool, crate::Error> {
        let table = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let key = Self::key(attempt.user);
        let by_name = table.accounts.get(&key).is_some_and(|f| f.locked(now))
            || table.unknown.get(&key).is_some_and(|f| f.locked(now));
        let by_client = self.settings.max_failures_per_client.is_some()
            && attempt.client.is_some_and(|ip| {
                table
                    .clients
                    .get(&Self::client_key(ip))
                    .is_some_and(|f| f.locked(now))
            });
        Ok(by_name || by_client)
    }

    fn record_failure(
        &self,
        attempt: Attempt<'_>,
        kind: NameKind,
        now: OffsetDateTime,
    ) -> Result<(), crate::Error> {
        let s = &self.settings;
        let key = Self::key(attempt.user);
        let mut table = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some(max), Some(ip)) = (s.max_failures_per_client, attempt.client) {
            table
                .clients
                .entry(Self::client_key(ip), now)
                .fail(now, max, s);
        }
        match kind {
            NameKind::Account => {
                let accounts = &mut table.accounts;
                if !accounts.contains_key(&key) && accounts.len() >= s.capacity {
                    accounts.retain(|_, f| f.live(now, s.window));
                    if accounts.len() >= s.capacity {
                        // Never unlock an account to make room, never lock
                        // everyone: this failure is counted by client only.
                        return Ok(());
                    }
                }
                accounts
                    .entry(key)
                    .or_insert_with(|| Failures::new(now))
                    .fail(now, s.max_failures, s);
            }
            NameKind::Unknown => table.unknown.entry(key, now).fail(now, s.max_failures, s),
        }
        Ok(())
    }

    fn record_success(
        &self,
        attempt: Attempt<'_>,
        _now: OffsetDateTime,
    ) -> Result<(), crate::Error> {
        let key = Self::key(attempt.user);
        let mut table = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        table.accounts.remove(&key);
        table.unknown.remove(&key);
        Ok(())
    }
}

/// The domain of [`MemoryUserStore::demo`] and the default for new stores,
/// as in the seed product.
pub const PRIMARY_DOMAIN: &str = "PRIMARY";

/// In-memory [`UserStore`]: users with cleartext passwords held as
/// [`Secret`]s (so both `PasswordText` and `PasswordDigest` can be checked),
/// roles and attributes. Meant for embedding, tests and demos; a production
/// host plugs in its directory.
///
/// Unknown users are checked against a dummy password so that they take as
/// long as wrong passwords. A `DOMAIN/name` user name is accepted when
/// `DOMAIN` is this store's domain (case-insensitive).
///
/// ```
/// use wstrust::host::{Credential, Secret, UserStore};
/// use wstrust::memory::MemoryUserStore;
/// let users = MemoryUserStore::demo();
/// let ok = users.authenticate("alice", &Credential::Password(&Secret::new("alice-password")))?;
/// assert_eq!(ok.unwrap().principal.roles, ["Internal/everyone"]);
/// let bad = users.authenticate("alice", &Credential::Password(&Secret::new("guess")))?;
/// assert!(bad.is_none());
/// # Ok::<(), wstrust::Error>(())
/// ```
#[derive(Debug)]
pub struct MemoryUserStore {
    domain: String,
    users: std::sync::RwLock<HashMap<String, StoredUser>>,
    dummy: Secret,
}

#[derive(Debug, Clone)]
struct StoredUser {
    password: Secret,
    roles: Vec<String>,
    attributes: Attributes,
}

impl MemoryUserStore {
    /// An empty store for `domain`.
    pub fn new(domain: &str) -> Self {
        Self {
            domain: domain.to_owned(),
            users: std::sync::RwLock::new(HashMap::new()),
            dummy: Secret::new(b"\0dummy password for unknown users\0".to_vec()),
        }
    }

    /// A `PRIMARY` store with two demo users (development only: the
    /// passwords are public):
    ///
    /// | user | password | roles |
    /// |---|---|---|
    /// | `admin` | `admin-password` | `admin`, `Internal/everyone` |
    /// | `alice` | `alice-password` | `Internal/everyone` |
    pub fn demo() -> Self {
        let store = Self::new(PRIMARY_DOMAIN);
        let attrs = |given: &str, mail: &str| -> Attributes {
            let mut a = Attributes::new();
            a.insert(
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname".into(),
                vec![given.into()],
            );
            a.insert(
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress".into(),
                vec![mail.into()],
            );
            a
        };
        store.add_user(
            "admin",
            Secret::new("admin-password"),
            &["admin", "Internal/everyone"],
            attrs("Admin", "admin@example.com"),
        );
        store.add_user(
            "alice",
            Secret::new("alice-password"),
            &["Internal/everyone"],
            attrs("Alice", "alice@example.com"),
        );
        store
    }

    /// Add or replace a user.
    pub fn add_user(&self, name: &str, password: Secret, roles: &[&str], attributes: Attributes) {
        let user = StoredUser {
            password,
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            attributes,
        };
        self.users
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(name.to_owned(), user);
    }

    /// Remove a user; whether it existed.
    pub fn remove_user(&self, name: &str) -> bool {
        self.users
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(name)
            .is_some()
    }

    /// `name` without this store's domain prefix, or `None` for another
    /// domain's name.
    fn local<'n>(&self, name: &'n str) -> Option<&'n str> {
        match name.split_once('/') {
            Some((domain, local)) if domain.eq_ignore_ascii_case(&self.domain) => Some(local),
            // Role-like names ("Internal/x") are not user names here.
            Some(_) => None,
            None => Some(name),
        }
    }

    fn to_user(&self, name: &str, u: &StoredUser) -> User {
        User {
            principal: Principal {
                name: name.to_owned(),
                domain: self.domain.clone(),
                roles: u.roles.clone(),
            },
            attributes: u.attributes.clone(),
        }
    }
}

impl UserStore for MemoryUserStore {
    fn authenticate(
        &self,
        username: &str,
        credential: &Credential<'_>,
    ) -> Result<Option<User>, crate::Error> {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        let found = self
            .local(username)
            .and_then(|n| users.get(n).map(|u| (n, u)));
        // Same work whether or not the user exists.
        let password = found.map_or(&self.dummy, |(_, u)| &u.password);
        let ok = credential.matches(password);
        Ok(match found {
            Some((name, u)) if ok => Some(self.to_user(name, u)),
            _ => None,
        })
    }

    fn lookup(&self, name: &str) -> Result<Option<User>, crate::Error> {
        let users = self.users.read().unwrap_or_else(|p| p.into_inner());
        Ok(self
            .local(name)
            .and_then(|n| users.get(n).map(|u| self.to_user(n, u))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use time::Duration;

    fn rec(id: &str, now: OffsetDateTime, keep: Duration) -> TokenRecord {
        TokenRecord {
            id: id.into(),
            subject: "alice".into(),
            relying_party: "https://rp.example/".into(),
            expires: now + Duration::hours(1),
            keep_until: now + keep,
            renewals: 0,
            renew_allowed: true,
            renew_after_expiry: false,
            state: TokenState::Active,
        }
    }

    #[test]
    fn record_get_duplicate() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let s = MemoryTokenStore::new(10);
        s.record(&rec("a", now, Duration::hours(2)), now).unwrap();
        assert!(matches!(
            s.record(&rec("a", now, Duration::hours(2)), now),
            Err(crate::Error::Store(StoreError::Duplicate))
        ));
        assert_eq!(s.get("a", now).unwrap().unwrap().subject, "alice");
        assert!(s.get("b", now).unwrap().is_none());
    }

    #[test]
    fn renew_and_cancel_are_exclusive() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let s = MemoryTokenStore::new(10);
        s.record(&rec("a", now, Duration::hours(2)), now).unwrap();
        assert_eq!(s.cancel("a", now).unwrap(), Transition::Done);
        assert_eq!(
            s.renew("a", &rec("b", now, Duration::hours(2)), now)
                .unwrap(),
            Transition::Refused(TokenState::Cancelled)
        );
        assert!(s.get("b", now).unwrap().is_none(), "no successor recorded");

        s.record(&rec("c", now, Duration::hours(2)), now).unwrap();
        assert_eq!(
            s.renew("c", &rec("d", now, Duration::hours(2)), now)
                .unwrap(),
            Transition::Done
        );
        assert_eq!(
            s.renew("c", &rec("e", now, Duration::hours(2)), now)
                .unwrap(),
            Transition::Refused(TokenState::Renewed("d".into()))
        );
        assert_eq!(
            s.cancel("c", now).unwrap(),
            Transition::Refused(TokenState::Renewed("d".into()))
        );
        assert_eq!(s.get("d", now).unwrap().unwrap().state, TokenState::Active);
        assert_eq!(s.cancel("zz", now).unwrap(), Transition::NotFound);
    }

    #[test]
    fn renew_into_existing_id_changes_nothing() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let s = MemoryTokenStore::new(10);
        s.record(&rec("a", now, Duration::hours(2)), now).unwrap();
        s.record(&rec("b", now, Duration::hours(2)), now).unwrap();
        assert!(s
            .renew("a", &rec("b", now, Duration::hours(2)), now)
            .is_err());
        assert_eq!(s.get("a", now).unwrap().unwrap().state, TokenState::Active);
    }

    #[test]
    fn bounded_and_evicts_only_expired() {
        let now = datetime!(2026-01-01 00:00 UTC);
        let s = MemoryTokenStore::new(2);
        s.record(&rec("a", now, Duration::minutes(1)), now).unwrap();
        s.record(&rec("b", now, Duration::hours(1)), now).unwrap();
        assert!(matches!(
            s.record(&rec("c", now, Duration::hours(1)), now),
            Err(crate::Error::Store(StoreError::Full))
        ));
        // live records are never dropped to make room
        assert!(s.get("a", now).unwrap().is_some());
        let later = now + Duration::minutes(2);
        s.record(&rec("c", later, Duration::hours(1)), later)
            .unwrap();
        assert!(s.get("a", later).unwrap().is_none());
        assert!(s.get("b", later).unwrap().is_some());
        assert_eq!(s.len(), 2);
    }
}

/// [`KeyResolver`](crate::host::KeyResolver) over a fixed list of
/// (certificate, private key) pairs.
///
/// A reference matches an entry by
/// [`KeyReference::matches`](crate::host::KeyReference::matches), or, for a
/// `ds:KeyName`, by one of the names given in [`add_named`](Self::add_named)
/// (compared exactly); an `EncryptedKey` that names no key
/// (`KeyReference::Unnamed`) gets the key only if exactly one is held.
///
/// ```
/// use std::sync::Arc;
/// use wstrust::{host::{KeyReference, KeyResolver}, keys::{AwsLcRsaKey, Certificate}};
/// use wstrust::memory::MemoryKeyResolver;
/// # fn main() -> Result<(), wstrust::Error> {
/// # let cert = Certificate::from_pem(include_bytes!("../tests/data/xenc/rp.pem"))?;
/// # let key = AwsLcRsaKey::from_pem(include_bytes!("../tests/data/xenc/rp.key"))?;
/// let mut keys = MemoryKeyResolver::new();
/// keys.add(cert.clone(), Arc::new(key))?;
/// let by_thumbprint = KeyReference::ThumbprintSha1(cert.sha1_thumbprint());
/// assert!(keys.private_key(&by_thumbprint).is_some());
/// assert!(keys.private_key(&KeyReference::ThumbprintSha1([0; 20])).is_none());
/// # let cert2 = cert.clone();
/// # let key2 = AwsLcRsaKey::from_pem(include_bytes!("../tests/data/xenc/rp.key"))?;
/// keys.add_named("rp-2026", cert2, Arc::new(key2))?;
/// assert!(keys.private_key(&KeyReference::KeyName("rp-2026".into())).is_some());
/// assert!(keys.private_key(&KeyReference::KeyName("rp".into())).is_none());
/// # Ok(()) }
/// ```
#[derive(Debug, Default, Clone)]
pub struct MemoryKeyResolver {
    entries: Vec<(
        crate::keys::Certificate,
        std::sync::Arc<dyn crate::keys::PrivateKey>,
    )>,
    /// `ds:KeyName`s, each naming an index into `entries`.
    names: Vec<(String, usize)>,
}

impl MemoryKeyResolver {
    /// An empty resolver.
    pub fn new() -> Self {
        Self::default()
    }

    /// Hold `key` for `cert`. Fails with `KeyError::Parse` if the key is not
    /// the certificate's.
    pub fn add(
        &mut self,
        cert: crate::keys::Certificate,
        key: std::sync::Arc<dyn crate::keys::PrivateKey>,
    ) -> Result<(), crate::Error> {
        if key.public_key() != cert.public_key() {
            return Err(
                crate::error::KeyError::Parse("private key does not match certificate").into(),
            );
        }
        self.entries.push((cert, key));
        Ok(())
    }

    /// Hold `key` for `cert`, also known by the `ds:KeyName` `name` (as
    /// [`add`](Self::add); a name given twice resolves to its first key).
    pub fn add_named(
        &mut self,
        name: impl Into<String>,
        cert: crate::keys::Certificate,
        key: std::sync::Arc<dyn crate::keys::PrivateKey>,
    ) -> Result<(), crate::Error> {
        self.add(cert, key)?;
        self.names.push((name.into(), self.entries.len() - 1));
        Ok(())
    }

    /// Number of keys held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl crate::host::KeyResolver for MemoryKeyResolver {
    fn private_key(
        &self,
        reference: &crate::host::KeyReference,
    ) -> Option<std::sync::Arc<dyn crate::keys::PrivateKey>> {
        if *reference == crate::host::KeyReference::Unnamed {
            return match self.entries.as_slice() {
                [(_, key)] => Some(key.clone()),
                _ => None,
            };
        }
        if let crate::host::KeyReference::KeyName(name) = reference {
            return self
                .names
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, i)| self.entries.get(*i))
                .map(|(_, key)| key.clone());
        }
        self.entries
            .iter()
            .find(|(cert, _)| reference.matches(cert))
            .map(|(_, key)| key.clone())
    }
}
