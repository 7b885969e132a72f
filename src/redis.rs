//! Redis-backed [`TokenStore`] and [`ReplayCache`] (feature `redis`), so that
//! several STS processes behind a load balancer share one view of which
//! tokens were issued, renewed or cancelled and which nonces were seen.
//!
//! **This module does I/O**: it is an adapter the host opts into, outside the
//! sans-I/O core. It uses the synchronous client of the `redis` crate with
//! connect, read and write timeouts, a small pool of connections that are
//! re-established after an I/O error, and only atomic server-side operations:
//! `SET NX PX` for the replay cache, and Lua scripts (run atomically by the
//! server) for every compare-and-set on token state. No read-modify-write
//! happens on the client.
//!
//! # Deployment notes
//! * Keys expire by themselves, so the store stays bounded by the live
//!   tokens. Every expiry is relative (`PEXPIRE` with the record's
//!   `keep_until - now`, `PX` for nonces), computed from the STS clock (the
//!   `now` argument): the Redis server's clock does not matter, so a server
//!   running ahead of the STS cannot drop a record the moment it is written.
//!   A record already past its `keep_until` at `now` is refused
//!   (`StoreError::KeepUntilPassed`) rather than stored to vanish at once.
//! * Persistence matters: cancellations and seen nonces live only in Redis.
//!   A restart without persistence, or a failover to a replica that had not
//!   yet received the last writes (replication is asynchronous), forgets
//!   them. With `require_state` (the default) a forgotten token is then
//!   refused (fails closed); without it, a cancelled token becomes valid
//!   again and a nonce can be replayed. Run with `appendonly yes` (and
//!   `appendfsync always` or `everysec`, accepting up to a second of loss),
//!   and consider `WAIT` / `min-replicas-to-write` on replicated setups.
//! * Configure the server with `maxmemory-policy noeviction` (the default):
//!   an eviction policy that drops live keys would forget cancellations and
//!   nonces. A full server fails writes, reported as `StoreError::Full`.
//! * A connection that fails at the I/O level is dropped and opened again on
//!   next use. A pooled connection that turns out to be dead (the server
//!   restarted since it was last used) is retried once on a fresh
//!   connection: every operation is safe to run twice, because each fails
//!   closed when it finds its own first run's effect (`record` reports a
//!   duplicate, `cancel`/`renew` a token already cancelled/renewed, the replay
//!   cache a replay), so a retry can cost a spurious failure, never a token
//!   without state or a second use of a nonce.
//!
//! # Key layout (Redis Cluster)
//! Every key carries the prefix as a hash tag: `{PREFIX}:t:ID` for the record
//! of token `ID` (a hash), `{PREFIX}:r:KEY` for a replay-cache entry. Redis
//! Cluster places a key by its hash tag alone, so all keys of one prefix live
//! in one slot, and `renew` (a script over the old and the new token's keys)
//! is a legal single-slot operation. The price: one prefix is served by one
//! shard (with its replicas for failover); run several prefixes (e.g. one
//! per tenant) to spread load. An empty prefix means `wstrust` (an empty
//! `{}` would not be a hash tag). The store speaks to one node: on a
//! cluster, point it at the node owning the prefix's slot (`CLUSTER KEYSLOT
//! {PREFIX}`); others answer `MOVED`, reported as unavailable.
//! `tests/redis_cluster.rs` runs the store on a three-node cluster.
//!
//! ```no_run
//! use std::sync::Arc;
//! use wstrust::host::TokenStore;
//! let store: Arc<dyn TokenStore> =
//!     Arc::new(wstrust::redis::RedisTokenStore::open("redis://127.0.0.1:6379/", "sts")?);
//! # Ok::<(), wstrust::Error>(())
//! ```

use crate::error::{Error, StoreError};
use crate::host::{ReplayCache, TokenRecord, TokenState, TokenStore, Transition};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use time::OffsetDateTime;

/// Connect, read and write timeout: a store that does not answer within this
/// fails the request instead of stalling it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);
/// Connections per handle: enough for a few request threads to not queue.
pub const DEFAULT_POOL: usize = 4;

/// A small pool of synchronous connections to one server.
struct Pool {
    client: redis::Client,
    conns: Vec<Mutex<Option<redis::Connection>>>,
    next: AtomicUsize,
    timeout: Duration,
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The URL may hold a password: show only the address.
        f.debug_struct("Pool")
            .field(
                "addr",
                &self.client.get_connection_info().addr().to_string(),
            )
            .field("size", &self.conns.len())
            .finish()
    }
}

fn unavailable(e: &redis::RedisError) -> Error {
    StoreError::Unavailable(e.to_string()).into()
}

/// A failure to reach the server at all: retrying at once would not help.
fn is_refusal(e: &redis::RedisError) -> bool {
    e.is_connection_refusal() || e.is_timeout()
}

fn map_err(e: &redis::RedisError) -> Error {
    if e.code() == Some("OOM") {
        StoreError::Full.into()
    } else {
        unavailable(e)
    }
}

impl Pool {
    fn open(url: &str, size: usize, timeout: Duration) -> Result<Self, Error> {
        let client = redis::Client::open(url).map_err(|e| unavailable(&e))?;
        Ok(Self {
            client,
            conns: (0..size.max(1)).map(|_| Mutex::new(None)).collect(),
            next: AtomicUsize::new(0),
            timeout,
        })
    }

    fn slot(&self) -> MutexGuard<'_, Option<redis::Connection>> {
        let n = self.conns.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        // Prefer an idle connection; otherwise wait for ours.
        for i in 0..n {
            if let Ok(g) = self.conns[(start + i) % n].try_lock() {
                return g;
            }
        }
        self.conns[start % n]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Run `f` on a connection; on an I/O-level failure the connection is
    /// dropped (re-established on next use) and the error is reported. A
    /// pooled connection that fails that way is retried once on a fresh one
    /// (see the module docs for why every operation tolerates that).
    fn with<T>(
        &self,
        mut f: impl FnMut(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> Result<T, Error> {
        let mut slot = self.slot();
        let reused = slot.is_some();
        match self.run(&mut slot, &mut f) {
            Err(e) if reused && slot.is_none() && !is_refusal(&e) => {
                self.run(&mut slot, &mut f).map_err(|e| map_err(&e))
            }
            r => r.map_err(|e| map_err(&e)),
        }
    }

    /// One attempt: connect if needed, run `f`, drop the connection on an
    /// I/O-level failure.
    fn run<T>(
        &self,
        slot: &mut Option<redis::Connection>,
        f: &mut impl FnMut(&mut redis::Connection) -> redis::RedisResult<T>,
    ) -> redis::RedisResult<T> {
        let conn = match slot {
            Some(c) => c,
            None => slot.insert(self.connect()?),
        };
        let r = f(conn);
        if let Err(e) = &r {
            if e.is_io_error()
                || e.is_timeout()
                || e.is_connection_dropped()
                || e.is_connection_refusal()
                || e.is_unrecoverable_error()
            {
                *slot = None;
            }
        }
        r
    }

    fn connect(&self) -> redis::RedisResult<redis::Connection> {
        let conn = self.client.get_connection_with_timeout(self.timeout)?;
        conn.set_read_timeout(Some(self.timeout))?;
        conn.set_write_timeout(Some(self.timeout))?;
        Ok(conn)
    }

    fn ping(&self) -> Result<(), Error> {
        self.with(|c| redis::cmd("PING").query::<String>(c))
            .map(|_| ())
    }
}

/// A pool and the hash-tagged key prefix of one store or cache.
#[derive(Debug)]
struct Keyspace {
    pool: Pool,
    /// `{PREFIX}`, the hash tag every key starts with.
    tag: String,
}

impl Keyspace {
    /// Connect lazily to `url`, then check that the server answers.
    fn open(url: &str, prefix: &str, pool: usize, timeout: Duration) -> Result<Self, Error> {
        let ks = Self {
            pool: Pool::open(url, pool, timeout)?,
            tag: hash_tag(prefix),
        };
        ks.pool.ping()?;
        Ok(ks)
    }

    /// The key of `id` in the namespace `kind` (`t` tokens, `r` replay).
    fn key(&self, kind: &str, id: &str) -> String {
        key(&self.tag, kind, id)
    }
}

/// `{PREFIX}` ([`DEFAULT_PREFIX`] for an empty one).
fn hash_tag(prefix: &str) -> String {
    let prefix = if prefix.is_empty() {
        DEFAULT_PREFIX
    } else {
        prefix
    };
    format!("{{{prefix}}}")
}

fn key(tag: &str, kind: &str, id: &str) -> String {
    format!("{tag}:{kind}:{id}")
}

/// The prefix used when an empty one is given.
pub const DEFAULT_PREFIX: &str = "wstrust";

const RECORD: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'sub', ARGV[1], 'rp', ARGV[2], 'exp', ARGV[3], 'keep', ARGV[4], 'n', ARGV[5], 'st', ARGV[6], 'succ', ARGV[7], 'ren', ARGV[9])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
return 1
";

const CANCEL: &str = r"
local st = redis.call('HGET', KEYS[1], 'st')
if not st then return {'missing', ''} end
if st ~= 'a' then return {st, redis.call('HGET', KEYS[1], 'succ') or ''} end
redis.call('HSET', KEYS[1], 'st', 'c')
return {'ok', ''}
";

const RENEW: &str = r"
local st = redis.call('HGET', KEYS[1], 'st')
if not st then return {'missing', ''} end
if st ~= 'a' then return {st, redis.call('HGET', KEYS[1], 'succ') or ''} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'dup', ''} end
redis.call('HSET', KEYS[2], 'sub', ARGV[1], 'rp', ARGV[2], 'exp', ARGV[3], 'keep', ARGV[4], 'n', ARGV[5], 'st', ARGV[6], 'succ', ARGV[7], 'ren', ARGV[9])
redis.call('PEXPIRE', KEYS[2], ARGV[8])
redis.call('HSET', KEYS[1], 'st', 'r', 'succ', ARGV[10])
return {'ok', ''}
";

/// A [`TokenStore`] in Redis, shared by every STS process that opens it with
/// the same URL and prefix. Each record is a hash under `{PREFIX}:t:ID`
/// expiring `keep_until - now` after it is written (by the STS clock); `cancel` and `renew` are Lua scripts, so
/// each is one atomic compare-and-set on the server.
#[derive(Debug)]
pub struct RedisTokenStore {
    keys: Keyspace,
    record: redis::Script,
    cancel: redis::Script,
    renew: redis::Script,
}

fn state_code(s: &TokenState) -> (&'static str, &str) {
    match s {
        TokenState::Active => ("a", ""),
        TokenState::Cancelled => ("c", ""),
        TokenState::Renewed(succ) => ("r", succ.as_str()),
    }
}

fn state_from(code: &str, succ: &str) -> Result<TokenState, Error> {
    Ok(match code {
        "a" => TokenState::Active,
        "c" => TokenState::Cancelled,
        "r" => TokenState::Renewed(succ.to_owned()),
        _ => return Err(StoreError::Corrupt("state").into()),
    })
}

/// How long, in milliseconds rounded up, a record must live from `now` (by
/// the STS clock): `keep_until - now`. A record already past its
/// `keep_until` is a caller bug or a clock problem; storing it would let the
/// key expire at once while `record` reports success, so it is refused.
fn ttl_ms(keep_until: OffsetDateTime, now: OffsetDateTime) -> Result<i64, Error> {
    let ns = (keep_until - now).whole_nanoseconds();
    if ns <= 0 {
        return Err(StoreError::KeepUntilPassed.into());
    }
    let ms = ns.div_euclid(1_000_000) + i128::from(ns.rem_euclid(1_000_000) != 0);
    // Redis refuses an expiry it cannot represent: an error, not a key
    // without expiry.
    Ok(i64::try_from(ms).unwrap_or(i64::MAX))
}

fn from_unix_ns(s: &str) -> Result<OffsetDateTime, Error> {
    s.parse::<i128>()
        .ok()
        .and_then(|n| OffsetDateTime::from_unix_timestamp_nanos(n).ok())
        .ok_or_else(|| StoreError::Corrupt("time").into())
}

/// The ARGV of a record (`RECORD` and the first nine of `RENEW`): the
/// fields, times in Unix nanoseconds, the key's time to live from `now` in
/// milliseconds (rounded up, so the key never lives shorter than its
/// record), then the renewal flags.
fn record_args(r: &TokenRecord, now: OffsetDateTime) -> Result<[String; 9], Error> {
    let (st, succ) = state_code(&r.state);
    let ttl = ttl_ms(r.keep_until, now)?;
    Ok([
        r.subject.clone(),
        r.relying_party.clone(),
        r.expires.unix_timestamp_nanos().to_string(),
        r.keep_until.unix_timestamp_nanos().to_string(),
        r.renewals.to_string(),
        st.to_owned(),
        succ.to_owned(),
        ttl.to_string(),
        match (r.renew_allowed, r.renew_after_expiry) {
            (false, false) => "00",
            (false, true) => "01",
            (true, false) => "10",
            (true, true) => "11",
        }
        .to_owned(),
    ])
}

fn transition(reply: &[String]) -> Result<Transition, Error> {
    match reply {
        [st, _] if st == "ok" => Ok(Transition::Done),
        [st, _] if st == "missing" => Ok(Transition::NotFound),
        [st, _] if st == "dup" => Err(StoreError::Duplicate.into()),
        [st, succ] => Ok(Transition::Refused(state_from(st, succ)?)),
        _ => Err(StoreError::Corrupt("script reply").into()),
    }
}

impl RedisTokenStore {
    /// Connect lazily to the server at `url` (`redis://[:password@]host:port/db`
    /// or `rediss://` if the `redis` crate's TLS is enabled), keeping keys
    /// under `prefix`. Checks that the server answers.
    pub fn open(url: &str, prefix: &str) -> Result<Self, Error> {
        Self::with_options(url, prefix, DEFAULT_POOL, DEFAULT_TIMEOUT)
    }

    /// [`open`](Self::open) with an explicit pool size and timeout.
    pub fn with_options(
        url: &str,
        prefix: &str,
        pool: usize,
        timeout: Duration,
    ) -> Result<Self, Error> {
        Ok(Self {
            keys: Keyspace::open(url, prefix, pool, timeout)?,
            record: redis::Script::new(RECORD),
            cancel: redis::Script::new(CANCEL),
            renew: redis::Script::new(RENEW),
        })
    }

    fn key(&self, id: &str) -> String {
        self.keys.key("t", id)
    }
}

impl TokenStore for RedisTokenStore {
    fn record(&self, record: &TokenRecord, now: OffsetDateTime) -> Result<(), Error> {
        let key = self.key(&record.id);
        let args = record_args(record, now)?;
        let created: i64 = self
            .keys
            .pool
            .with(|c| self.record.key(&key).arg(&args[..]).invoke(c))?;
        if created == 1 {
            Ok(())
        } else {
            Err(StoreError::Duplicate.into())
        }
    }

    fn get(&self, id: &str, now: OffsetDateTime) -> Result<Option<TokenRecord>, Error> {
        let key = self.key(id);
        let mut h: HashMap<String, String> = self
            .keys
            .pool
            .with(|c| redis::cmd("HGETALL").arg(&key).query(c))?;
        if h.is_empty() {
            return Ok(None);
        }
        let mut take = |f: &'static str| h.remove(f).ok_or(StoreError::Corrupt(f));
        let subject = take("sub")?;
        let relying_party = take("rp")?;
        let expires = from_unix_ns(&take("exp")?)?;
        let keep_until = from_unix_ns(&take("keep")?)?;
        let renewals = take("n")?
            .parse()
            .map_err(|_| StoreError::Corrupt("renewals"))?;
        let st = take("st")?;
        let succ = take("succ")?;
        let (renew_allowed, renew_after_expiry) = match take("ren")?.as_str() {
            "00" => (false, false),
            "01" => (false, true),
            "10" => (true, false),
            "11" => (true, true),
            _ => return Err(StoreError::Corrupt("renewal flags").into()),
        };
        let state = state_from(&st, &succ)?;
        if keep_until <= now {
            return Ok(None);
        }
        Ok(Some(TokenRecord {
            id: id.to_owned(),
            subject,
            relying_party,
            expires,
            keep_until,
            renewals,
            renew_allowed,
            renew_after_expiry,
            state,
        }))
    }

    fn cancel(&self, id: &str, _now: OffsetDateTime) -> Result<Transition, Error> {
        let key = self.key(id);
        let reply: Vec<String> = self.keys.pool.with(|c| self.cancel.key(&key).invoke(c))?;
        transition(&reply)
    }

    fn renew(
        &self,
        id: &str,
        successor: &TokenRecord,
        now: OffsetDateTime,
    ) -> Result<Transition, Error> {
        let old = self.key(id);
        let new = self.key(&successor.id);
        let args = record_args(successor, now)?;
        let reply: Vec<String> = self.keys.pool.with(|c| {
            self.renew
                .key(&old)
                .key(&new)
                .arg(&args[..])
                .arg(&successor.id)
                .invoke(c)
        })?;
        transition(&reply)
    }
}

/// A [`ReplayCache`] in Redis: one `SET key 1 NX PX ttl` per check, which the
/// server performs atomically and expires by itself.
#[derive(Debug)]
pub struct RedisReplayCache {
    keys: Keyspace,
}

impl RedisReplayCache {
    /// Connect to `url`, keeping keys under `prefix`. Checks that the server
    /// answers.
    pub fn open(url: &str, prefix: &str) -> Result<Self, Error> {
        Self::with_options(url, prefix, DEFAULT_POOL, DEFAULT_TIMEOUT)
    }

    /// [`open`](Self::open) with an explicit pool size and timeout.
    pub fn with_options(
        url: &str,
        prefix: &str,
        pool: usize,
        timeout: Duration,
    ) -> Result<Self, Error> {
        Ok(Self {
            keys: Keyspace::open(url, prefix, pool, timeout)?,
        })
    }
}

impl ReplayCache for RedisReplayCache {
    fn insert_if_absent(
        &self,
        key: &str,
        ttl: Duration,
        _now: OffsetDateTime,
    ) -> Result<bool, Error> {
        let key = self.keys.key("r", key);
        // Rounded up, so a nonce is never forgotten before its TTL; PX 0 is
        // an error in Redis: keep every key at least 1 ms.
        let ms = u64::try_from(ttl.as_nanos().div_ceil(1_000_000))
            .unwrap_or(u64::MAX)
            .max(1);
        let reply: Option<String> = self.keys.pool.with(|c| {
            redis::cmd("SET")
                .arg(&key)
                .arg(1)
                .arg("NX")
                .arg("PX")
                .arg(ms)
                .query(c)
        })?;
        Ok(reply.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Redis Cluster hashes (the cluster specification's "hash tags"):
    /// the text between the first `{` and the first `}` after it, if not
    /// empty; else the whole key.
    fn cluster_hash_input(key: &str) -> &str {
        if let Some(open) = key.find('{') {
            if let Some(len) = key[open + 1..].find('}') {
                if len > 0 {
                    return &key[open + 1..open + 1 + len];
                }
            }
        }
        key
    }

    #[test]
    fn ttl_is_relative_to_now_and_rounded_up() {
        let now = time::macros::datetime!(2026-01-01 00:00 UTC);
        let ms = |d: time::Duration| ttl_ms(now + d, now).map_err(|e| e.to_string());
        assert_eq!(ms(time::Duration::hours(2)), Ok(7_200_000));
        assert_eq!(ms(time::Duration::nanoseconds(1)), Ok(1));
        assert_eq!(ms(time::Duration::nanoseconds(1_000_001)), Ok(2));
        for past in [time::Duration::ZERO, time::Duration::nanoseconds(-1)] {
            assert!(matches!(
                ttl_ms(now + past, now),
                Err(Error::Store(StoreError::KeepUntilPassed))
            ));
        }
    }

    #[test]
    fn every_key_of_a_prefix_hashes_to_one_slot() {
        for prefix in ["sts", "wstrust-test:1:2:x:", "a}b", "{x}", ""] {
            let tag = hash_tag(prefix);
            let old = key(&tag, "t", "_1f00");
            let new = key(&tag, "t", "_{evil}");
            let nonce = key(&tag, "r", "wss:nonce:abc}{");
            let h = cluster_hash_input(&old);
            assert!(
                !h.is_empty() && h != old,
                "{prefix:?}: {old} has a hash tag"
            );
            assert_eq!(h, cluster_hash_input(&new), "{prefix:?}");
            assert_eq!(h, cluster_hash_input(&nonce), "{prefix:?}");
        }
        assert_eq!(key(&hash_tag(""), "t", "x"), "{wstrust}:t:x");
        assert_eq!(key(&hash_tag("sts"), "r", "n"), "{sts}:r:n");
    }
}
