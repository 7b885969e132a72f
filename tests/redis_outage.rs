//! A Redis outage in the middle of a run, through the STS: the test starts
//! its own `redis-server` (append-only file, fsync always) on a spare
//! loopback port, issues and validates tokens, kills the server, checks that
//! issue, validate, renew and cancel fail with the store-unavailable error
//! (`wst:RequestFailed`, and no token leaves without its record), restarts
//! the server on the same port and data directory, and checks that the same
//! handles recover: the earlier token is still known, new tokens are issued
//! and recorded, cancellation works again; a restart between two requests
//! (every pooled connection stale) costs no failed request.
//!
//! Without `redis-server` on the PATH the test is skipped with a printed
//! reason, except with `CI=true`, where it fails.
#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used)]

mod redis_common;
mod sts_common;
use redis_common::Server;
use sts_common::*;

use std::sync::Arc;
use std::time::Duration as StdDuration;
use time::{Duration, OffsetDateTime};
use wstrust::audit::MemoryAudit;
use wstrust::config::StsConfig;
use wstrust::error::StoreError;
use wstrust::host::{TokenRecord, TokenState, TokenStore};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{FixedClock, MemoryUserStore};
use wstrust::redis::RedisTokenStore;
use wstrust::rp::{RelyingParties, RelyingParty};
use wstrust::sts::Sts;
use wstrust::Error;

const RP: &str = "https://rp.example/app";

fn read(p: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{p}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

struct Client {
    sts: Sts,
    now: OffsetDateTime,
}

impl Client {
    fn op(&self, kind: &str, inner: &str) -> (u16, String) {
        call(
            &self.sts,
            &op(&password_header("alice", self.now, ""), kind, inner),
        )
    }

    fn issue(&self) -> (u16, String) {
        self.op(
            "Issue",
            &format!(
                "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType>{}",
                applies_to(RP)
            ),
        )
    }

    fn validate(&self, token: &str) -> (u16, String) {
        self.op(
            "Validate",
            &format!("{STATUS}<t:ValidateTarget>{token}</t:ValidateTarget>"),
        )
    }
}

fn token_of(body: &str) -> String {
    first_child(body, "RequestedSecurityToken")
}

fn code(body: &str) -> String {
    status_code(body)
}

#[test]
fn outage_mid_run_fails_closed_and_recovers() {
    if !redis_common::available("outage_mid_run_fails_closed_and_recovers") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(
        redis_common::spare_port(false),
        dir.path(),
        &["--appendonly", "yes", "--appendfsync", "always"],
    );

    let store = Arc::new(
        RedisTokenStore::with_options(&server.url(), "outage", 2, StdDuration::from_millis(500))
            .unwrap(),
    );
    let audit = Arc::new(MemoryAudit::default());
    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new(RP));
    // A real "now": the server expires keys by its own clock.
    let now =
        OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp()).unwrap();
    let client = Client {
        sts: Sts::new(
            StsConfig::builder()
                .issuer("https://sts.example/")
                .signing_key(
                    Arc::new(AwsLcRsaKey::from_pem(&read("signer.key.pem")).unwrap()),
                    Certificate::from_pem(&read("signer.cert.pem")).unwrap(),
                )
                .users(Arc::new(MemoryUserStore::demo()))
                .relying_parties(rps)
                .clock(Arc::new(FixedClock::new(now)))
                .token_store(store.clone())
                .audit(audit.clone())
                .build()
                .unwrap(),
        ),
        now,
    };

    let (status, body) = client.issue();
    assert_eq!(status, 200, "{body}");
    let first = token_of(&body);
    let (status, body) = client.validate(&first);
    assert_eq!(status, 200, "{body}");
    assert!(code(&body).ends_with("/status/valid"));

    server.kill();
    let events_before = audit.events().len();
    let (status, body) = client.issue();
    assert_eq!(status, 500, "no token without state: {body}");
    assert!(fault_code(&body).ends_with("RequestFailed"), "{body}");
    assert!(!body.contains("Assertion"), "{body}");
    let (status, body) = client.validate(&first);
    assert_eq!(
        status, 500,
        "a store failure is a fault, not a status: {body}"
    );
    assert!(fault_code(&body).ends_with("RequestFailed"), "{body}");
    let (status, _) = client.op("Renew", &format!("<t:RenewTarget>{first}</t:RenewTarget>"));
    assert_eq!(status, 500);
    let (status, _) = client.op(
        "Cancel",
        &format!("<t:CancelTarget>{first}</t:CancelTarget>"),
    );
    assert_eq!(status, 500);
    // The cause, for the operator: the store is unavailable.
    let events = audit.events();
    assert_eq!(events.len(), events_before + 4);
    for e in &events[events_before..] {
        let reason = e.outcome.as_ref().unwrap_err();
        assert!(reason.contains("store unavailable"), "{reason}");
    }
    let direct = store.record(
        &TokenRecord {
            id: "_direct".into(),
            subject: "alice".into(),
            relying_party: RP.into(),
            expires: now + Duration::hours(1),
            keep_until: now + Duration::hours(2),
            renewals: 0,
            renew_allowed: true,
            renew_after_expiry: false,
            state: TokenState::Active,
        },
        now,
    );
    assert!(
        matches!(direct, Err(Error::Store(StoreError::Unavailable(_)))),
        "{direct:?}"
    );

    server.restart();
    // The same handles recover, on every pooled connection.
    for _ in 0..4 {
        let (status, body) = client.validate(&first);
        assert_eq!(status, 200, "{body}");
        assert!(code(&body).ends_with("/status/valid"), "state survived");
    }
    let (status, body) = client.issue();
    assert_eq!(status, 200, "{body}");
    let second = token_of(&body);
    let (status, body) = client.validate(&second);
    assert!(code(&body).ends_with("/status/valid"), "{status} {body}");
    let (status, body) = client.op(
        "Cancel",
        &format!("<t:CancelTarget>{first}</t:CancelTarget>"),
    );
    assert_eq!(status, 200, "{body}");
    let (_, body) = client.validate(&first);
    assert!(code(&body).ends_with("/status/invalid"));

    // A restart between two requests: every pooled connection is stale, and
    // the next operations still succeed (one retry on a fresh connection).
    server.restart();
    for _ in 0..4 {
        let (status, body) = client.validate(&second);
        assert_eq!(status, 200, "{body}");
        assert!(code(&body).ends_with("/status/valid"), "{body}");
    }
    let (_, body) = client.validate(&first);
    assert!(
        code(&body).ends_with("/status/invalid"),
        "cancellation survived"
    );
}
