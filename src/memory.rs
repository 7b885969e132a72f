//! Ready-made implementations of the [`crate::host`] traits for hosts that do
//! not need their own: the system clock and OS randomness (which the host opts
//! into; the core never calls them by itself), a fixed clock for tests, and
//! in-memory stores.

use crate::error::StoreError;
use crate::host::{Clock, Random, TokenRecord, TokenState, TokenStore, Transition};
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

    fn insert(&mut self, record: &TokenRecord, capacity: usize) -> Result<(), StoreError> {
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
        Ok(map.insert(record, self.capacity)?)
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
        map.insert(successor, self.capacity)?;
        if let Some(rec) = map.records.get_mut(id) {
            rec.state = TokenState::Renewed(successor.id.clone());
        }
        Ok(Transition::Done)
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
