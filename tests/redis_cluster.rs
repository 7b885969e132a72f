//! The Redis key layout on a real Redis Cluster: the test starts three
//! private cluster-enabled `redis-server`s on spare loopback ports and joins
//! them (`redis-cli --cluster create`). Every key of one prefix hashes to one
//! slot (the prefix is a hash tag), so the store's two-key renewal script
//! runs on the node owning that slot, where a script over two keys of
//! different slots fails with `CROSSSLOT`; the other nodes redirect
//! (`MOVED`), which the store reports as unavailable.
//!
//! The store talks to one node (no cluster client): the test finds the node
//! that owns the prefix's slot. Without `redis-server`/`redis-cli` the test
//! is skipped with a printed reason, except with `CI=true`, where it fails.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used)]

mod redis_common;

use redis_common::Server;
use std::process::Command;
use std::time::Duration as StdDuration;
use time::{Duration, OffsetDateTime};
use wstrust::error::StoreError;
use wstrust::host::{ReplayCache, TokenRecord, TokenState, TokenStore, Transition};
use wstrust::redis::{RedisReplayCache, RedisTokenStore};
use wstrust::Error;

fn rec(id: &str, now: OffsetDateTime) -> TokenRecord {
    TokenRecord {
        id: id.into(),
        subject: "alice".into(),
        relying_party: "https://rp.example/app".into(),
        expires: now + Duration::hours(1),
        keep_until: now + Duration::hours(2),
        renewals: 0,
        renew_allowed: true,
        renew_after_expiry: false,
        state: TokenState::Active,
    }
}

#[test]
fn key_layout_works_on_a_redis_cluster() {
    if !redis_common::available("key_layout_works_on_a_redis_cluster") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let nodes: Vec<Server> = (0..3)
        .map(|i| {
            let d = dir.path().join(format!("n{i}"));
            std::fs::create_dir_all(&d).unwrap();
            Server::start(
                redis_common::spare_port(true),
                &d,
                &["--cluster-enabled", "yes", "--appendonly", "no"],
            )
        })
        .collect();
    let addrs: Vec<String> = nodes
        .iter()
        .map(|n| format!("127.0.0.1:{}", n.port))
        .collect();
    let created = Command::new("redis-cli")
        .args(["--cluster", "create"])
        .args(&addrs)
        .args(["--cluster-replicas", "0", "--cluster-yes"])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stdout)
    );
    let ok = (0..200).any(|_| {
        let up = nodes.iter().all(|n| {
            n.cli(&["CLUSTER", "INFO"])
                .is_some_and(|i| i.contains("cluster_state:ok"))
        });
        if !up {
            std::thread::sleep(StdDuration::from_millis(50));
        }
        up
    });
    assert!(ok, "cluster did not reach cluster_state:ok");

    let prefix = "wstrust-cluster";
    let now = OffsetDateTime::now_utc();
    // The keys of two tokens and a nonce: one slot.
    let slot = |key: &str| nodes[0].cli(&["CLUSTER", "KEYSLOT", key]).unwrap();
    let s1 = slot(&format!("{{{prefix}}}:t:_old"));
    assert_eq!(s1, slot(&format!("{{{prefix}}}:t:_new")));
    assert_eq!(s1, slot(&format!("{{{prefix}}}:r:nonce")));
    // Without the tag they would not be (why renew needs it).
    assert_ne!(slot("wstrust:t:_old"), slot("wstrust:t:_new"));

    // The node that owns the prefix's slot takes the records; the others
    // redirect, which the store reports as unavailable.
    let mut owner = None;
    for n in &nodes {
        let store =
            RedisTokenStore::with_options(&n.url(), prefix, 1, StdDuration::from_secs(2)).unwrap();
        match store.record(&rec("_old", now), now) {
            Ok(()) => owner = Some(store),
            Err(Error::Store(StoreError::Unavailable(m))) => {
                assert!(m.to_lowercase().contains("moved"), "{m}")
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    let store = owner.expect("one node owns the slot");

    // The two-key renewal script, then cancel: no CROSSSLOT.
    let new = TokenRecord {
        renewals: 1,
        ..rec("_new", now)
    };
    assert_eq!(store.renew("_old", &new, now).unwrap(), Transition::Done);
    assert_eq!(
        store.get("_old", now).unwrap().unwrap().state,
        TokenState::Renewed("_new".into())
    );
    assert_eq!(store.cancel("_new", now).unwrap(), Transition::Done);
    assert_eq!(
        store.renew("_new", &rec("_newer", now), now).unwrap(),
        Transition::Refused(TokenState::Cancelled)
    );

    // The replay cache lives in the same slot, on the same node.
    let owner_url = nodes
        .iter()
        .find(|n| {
            RedisTokenStore::with_options(&n.url(), prefix, 1, StdDuration::from_secs(2))
                .unwrap()
                .get("_old", now)
                .is_ok()
        })
        .unwrap()
        .url();
    let cache = RedisReplayCache::open(&owner_url, prefix).unwrap();
    let ttl = std::time::Duration::from_secs(60);
    assert!(cache.insert_if_absent("nonce", ttl, now).unwrap());
    assert!(!cache.insert_if_absent("nonce", ttl, now).unwrap());
}
