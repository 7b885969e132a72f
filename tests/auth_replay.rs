//! Concurrency of the in-memory replay cache and lockout: many threads, one
//! cache, no lost and no double-accepted nonce.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use time::macros::datetime;
use wstrust::host::{Lockout, ReplayCache};
use wstrust::memory::{LockoutSettings, MemoryLockout, MemoryReplayCache};

#[test]
fn many_threads_one_replay_cache() {
    const THREADS: usize = 8;
    const NONCES: usize = 2_000;
    let now = datetime!(2026-03-01 12:00 UTC);
    let cache: Arc<dyn ReplayCache> = Arc::new(MemoryReplayCache::new(THREADS * NONCES));
    let accepted = Arc::new(AtomicUsize::new(0));
    let per_nonce: Arc<Vec<AtomicUsize>> =
        Arc::new((0..NONCES).map(|_| AtomicUsize::new(0)).collect());
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let cache = Arc::clone(&cache);
            let accepted = Arc::clone(&accepted);
            let per_nonce = Arc::clone(&per_nonce);
            std::thread::spawn(move || {
                // every thread tries every nonce, in a different order
                for i in 0..NONCES {
                    let n = (i * (t + 1) * 7919) % NONCES;
                    let key = format!("wss:nonce:{n}");
                    if cache
                        .insert_if_absent(&key, Duration::from_secs(600), now)
                        .unwrap()
                    {
                        accepted.fetch_add(1, Ordering::SeqCst);
                        per_nonce[n].fetch_add(1, Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    // each nonce accepted exactly once: none lost, none twice
    assert_eq!(accepted.load(Ordering::SeqCst), NONCES);
    assert!(per_nonce.iter().all(|c| c.load(Ordering::SeqCst) == 1));
}

#[test]
fn replay_cache_is_bounded_and_fails_closed() {
    let now = datetime!(2026-03-01 12:00 UTC);
    let cache = MemoryReplayCache::new(2);
    let ttl = Duration::from_secs(60);
    assert!(cache.insert_if_absent("a", ttl, now).unwrap());
    assert!(cache.insert_if_absent("b", ttl, now).unwrap());
    // full of live keys: refuse, never forget "a"
    assert!(cache.insert_if_absent("c", ttl, now).is_err());
    assert!(!cache.insert_if_absent("a", ttl, now).unwrap());
    // after the TTL the room comes back
    let later = now + time::Duration::seconds(61);
    assert!(cache.insert_if_absent("c", ttl, later).unwrap());
    assert_eq!(cache.len(later), 1);
}

#[test]
fn lockout_window_cooloff_and_unknown_names() {
    let now = datetime!(2026-03-01 12:00 UTC);
    let l = MemoryLockout::new(LockoutSettings {
        max_failures: 3,
        window: Duration::from_secs(60),
        cooloff: Duration::from_secs(600),
        capacity: 10,
    });
    // failures spread beyond the window do not lock
    l.record_failure("alice", now).unwrap();
    l.record_failure("alice", now + time::Duration::seconds(30))
        .unwrap();
    let t = now + time::Duration::seconds(61);
    l.record_failure("alice", t).unwrap();
    assert!(!l.is_locked("alice", t).unwrap());
    l.record_failure("alice", t).unwrap();
    l.record_failure("ALICE", t).unwrap();
    assert!(l.is_locked("alice", t).unwrap());
    assert!(l
        .is_locked("alice", t + time::Duration::seconds(599))
        .unwrap());
    assert!(!l
        .is_locked("alice", t + time::Duration::seconds(600))
        .unwrap());
    // a name nobody has is locked the same way
    for _ in 0..3 {
        l.record_failure("no-such-user", now).unwrap();
    }
    assert!(l.is_locked("no-such-user", now).unwrap());
    // a domain prefix does not buy more guesses
    for name in ["dave", "PRIMARY/dave", "ldap/Dave"] {
        l.record_failure(name, now).unwrap();
    }
    assert!(l.is_locked("dave", now).unwrap());
    // success clears
    l.record_failure("bob", now).unwrap();
    l.record_success("bob", now).unwrap();
    l.record_failure("bob", now).unwrap();
    l.record_failure("bob", now).unwrap();
    assert!(!l.is_locked("bob", now).unwrap());
}

#[test]
fn lockout_table_full_fails_closed() {
    let now = datetime!(2026-03-01 12:00 UTC);
    let l = MemoryLockout::new(LockoutSettings {
        max_failures: 1,
        window: Duration::from_secs(60),
        cooloff: Duration::from_secs(600),
        capacity: 2,
    });
    l.record_failure("a", now).unwrap();
    l.record_failure("b", now).unwrap();
    assert!(l.is_locked("a", now).unwrap());
    // a flood of new names cannot evict the locked ones; it locks everyone
    l.record_failure("c", now).unwrap();
    assert!(l.is_locked("a", now).unwrap());
    assert!(l.is_locked("zzz", now).unwrap());
}

#[test]
fn lockout_concurrent_failures_all_counted() {
    let now = datetime!(2026-03-01 12:00 UTC);
    let l = Arc::new(MemoryLockout::new(LockoutSettings {
        max_failures: 400,
        ..LockoutSettings::default()
    }));
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let l = Arc::clone(&l);
            std::thread::spawn(move || {
                for _ in 0..100 {
                    l.record_failure("carol", now).unwrap();
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert!(l.is_locked("carol", now).unwrap());
}
