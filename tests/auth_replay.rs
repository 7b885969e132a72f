//! Concurrency of the in-memory replay cache and lockout: many threads, one
//! cache, no lost and no double-accepted nonce.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use time::macros::datetime;
use wstrust::host::{Attempt, Lockout, NameKind, ReplayCache};
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

fn settings(max_failures: u32, capacity: usize) -> LockoutSettings {
    LockoutSettings {
        max_failures,
        window: Duration::from_secs(60),
        cooloff: Duration::from_secs(600),
        capacity,
        unknown_capacity: capacity,
        max_failures_per_client: None,
        client_capacity: capacity,
    }
}

fn fail(l: &MemoryLockout, name: &str, kind: NameKind, now: time::OffsetDateTime) {
    l.record_failure(Attempt::new(name, None), kind, now)
        .unwrap();
}

fn locked(l: &MemoryLockout, name: &str, now: time::OffsetDateTime) -> bool {
    l.is_locked(Attempt::new(name, None), now).unwrap()
}

#[test]
fn lockout_window_cooloff_and_unknown_names() {
    use NameKind::{Account, Unknown};
    let now = datetime!(2026-03-01 12:00 UTC);
    let l = MemoryLockout::new(settings(3, 10));
    // failures spread beyond the window do not lock
    fail(&l, "alice", Account, now);
    fail(&l, "alice", Account, now + time::Duration::seconds(30));
    let t = now + time::Duration::seconds(61);
    fail(&l, "alice", Account, t);
    assert!(!locked(&l, "alice", t));
    fail(&l, "alice", Account, t);
    fail(&l, "ALICE", Account, t);
    assert!(locked(&l, "alice", t));
    assert!(locked(&l, "alice", t + time::Duration::seconds(599)));
    assert!(!locked(&l, "alice", t + time::Duration::seconds(600)));
    // a name nobody has is locked the same way
    for _ in 0..3 {
        fail(&l, "no-such-user", Unknown, now);
    }
    assert!(locked(&l, "no-such-user", now));
    // a domain prefix does not buy more guesses
    for name in ["dave", "PRIMARY/dave", "ldap/Dave"] {
        fail(&l, name, Account, now);
    }
    assert!(locked(&l, "dave", now));
    // success clears
    fail(&l, "bob", Account, now);
    l.record_success(Attempt::new("bob", None), now).unwrap();
    fail(&l, "bob", Account, now);
    fail(&l, "bob", Account, now);
    assert!(!locked(&l, "bob", now));
}

/// Issue 17 item 8: a full table never locks everyone. A flood of unknown
/// names forgets other unknown names first; accounts keep their counts and
/// locks; names that never failed are never locked.
#[test]
fn lockout_flood_of_unknown_names_is_no_global_lockout() {
    use NameKind::{Account, Unknown};
    let now = datetime!(2026-03-01 12:00 UTC);
    let l = MemoryLockout::new(settings(2, 100));
    fail(&l, "alice", Account, now);
    fail(&l, "alice", Account, now);
    fail(&l, "bob", Account, now); // one failure short of a lock
    assert!(locked(&l, "alice", now));
    for i in 0..10_000 {
        fail(&l, &format!("flood-{i}"), Unknown, now);
        fail(&l, &format!("flood-{i}"), Unknown, now);
    }
    // nobody else is locked: the old main locked every name here
    assert!(!locked(&l, "carol", now));
    assert!(!locked(&l, "admin", now));
    // the account's lock and count survive the flood
    assert!(locked(&l, "alice", now));
    assert!(!locked(&l, "bob", now));
    fail(&l, "bob", Account, now);
    assert!(locked(&l, "bob", now));
    // the newest flooded names are still locked, the oldest forgotten
    assert!(locked(&l, "flood-9999", now));
    assert!(!locked(&l, "flood-0", now));
}

#[test]
fn lockout_accounts_table_full_keeps_locks_and_locks_nobody_else() {
    use NameKind::Account;
    let now = datetime!(2026-03-01 12:00 UTC);
    let l = MemoryLockout::new(settings(1, 2));
    fail(&l, "a", Account, now);
    fail(&l, "b", Account, now);
    assert!(locked(&l, "a", now));
    // no room: "c" goes uncounted by name, "a" and "b" stay locked,
    // and no other name is locked
    fail(&l, "c", Account, now);
    assert!(locked(&l, "a", now) && locked(&l, "b", now));
    assert!(!locked(&l, "c", now));
    assert!(!locked(&l, "zzz", now));
    // once the cooloff passes, the room comes back
    let later = now + time::Duration::seconds(601);
    fail(&l, "c", Account, later);
    assert!(locked(&l, "c", later));
}

#[test]
fn lockout_per_client_budget() {
    use std::net::IpAddr;
    let now = datetime!(2026-03-01 12:00 UTC);
    let l = MemoryLockout::new(LockoutSettings {
        max_failures_per_client: Some(3),
        ..settings(5, 100)
    });
    let sprayer: IpAddr = "192.0.2.7".parse().unwrap();
    let other: IpAddr = "198.51.100.1".parse().unwrap();
    for name in ["u1", "u2", "u3"] {
        let a = Attempt::new(name, Some(sprayer));
        l.record_failure(a, NameKind::Account, now).unwrap();
    }
    // the sprayer is refused for every name, others are not
    assert!(l.is_locked(Attempt::new("u4", Some(sprayer)), now).unwrap());
    assert!(!l.is_locked(Attempt::new("u4", Some(other)), now).unwrap());
    assert!(!l.is_locked(Attempt::new("u1", Some(other)), now).unwrap());
    // a success does not reset the client's budget
    l.record_success(Attempt::new("u5", Some(sprayer)), now)
        .unwrap();
    assert!(l.is_locked(Attempt::new("u5", Some(sprayer)), now).unwrap());
    // one IPv6 /64 is one client; an IPv4-mapped address is the IPv4 one
    let v6 = |s: &str| -> IpAddr { s.parse().unwrap() };
    for host in ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:ffff::3"] {
        let a = Attempt::new("x", Some(v6(host)));
        l.record_failure(a, NameKind::Unknown, now).unwrap();
    }
    assert!(l
        .is_locked(Attempt::new("y", Some(v6("2001:db8:1:2::9"))), now)
        .unwrap());
    assert!(!l
        .is_locked(Attempt::new("y", Some(v6("2001:db8:1:3::9"))), now)
        .unwrap());
    assert!(l
        .is_locked(Attempt::new("y", Some(v6("::ffff:192.0.2.7"))), now)
        .unwrap());
    // off when the host cannot tell clients apart
    let off = MemoryLockout::new(settings(5, 100));
    for name in ["u1", "u2", "u3", "u4"] {
        off.record_failure(Attempt::new(name, Some(sprayer)), NameKind::Account, now)
            .unwrap();
    }
    assert!(!off
        .is_locked(Attempt::new("u9", Some(sprayer)), now)
        .unwrap());
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
                    let a = Attempt::new("carol", None);
                    l.record_failure(a, NameKind::Account, now).unwrap();
                }
            })
        })
        .collect();
    for h in hs {
        h.join().unwrap();
    }
    assert!(l.is_locked(Attempt::new("carol", None), now).unwrap());
}
