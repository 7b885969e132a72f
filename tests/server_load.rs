//! A bounded load test of `wstrust serve` on loopback (ignored by default):
//! `cargo test --release --features cli --test server_load -- --ignored --nocapture`
//!
//! Client threads issue WS-Trust 1.3 usernamemixed requests over HTTPS with
//! keep-alive until a request count or a time budget is spent, then print
//! tokens per second, latency percentiles and the server's resident memory.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

mod server_common;

use server_common::*;
use std::time::{Duration, Instant};

const CLIENTS: usize = 4;
const MAX_REQUESTS: usize = 20_000;
const MAX_TIME: Duration = Duration::from_secs(30);

#[test]
#[ignore = "load test: run explicitly with --release"]
fn load_usernamemixed_issue() {
    let s = Server::start(&[]);
    let to = s.url("/adfs/services/trust/13/usernamemixed");
    let rss_start = s.rss_kib();
    // Warm up (TLS session, first allocations).
    let a = s.agent();
    for _ in 0..20 {
        let req = issue_request(true, false, &to, "admin", PASSWORD);
        assert_eq!(post(&a, &to, SOAP12, req.as_bytes()).0, 200);
    }
    let started = Instant::now();
    let per_client = MAX_REQUESTS / CLIENTS;
    let handles: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let a = s.agent();
            let to = to.clone();
            std::thread::spawn(move || {
                let mut lat = Vec::with_capacity(per_client);
                let mut failed = 0usize;
                for _ in 0..per_client {
                    if started.elapsed() > MAX_TIME {
                        break;
                    }
                    let req = issue_request(true, false, &to, "admin", PASSWORD);
                    let t = Instant::now();
                    let (status, _, body) = post(&a, &to, SOAP12, req.as_bytes());
                    lat.push(t.elapsed());
                    if status != 200 || !body.contains("RequestedSecurityToken") {
                        failed += 1;
                    }
                }
                (lat, failed)
            })
        })
        .collect();
    let mut lat = Vec::new();
    let mut failed = 0;
    for h in handles {
        let (l, f) = h.join().unwrap();
        lat.extend(l);
        failed += f;
    }
    let elapsed = started.elapsed();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "requests {} ({} failed) in {:.1} s with {CLIENTS} clients: {:.0} tokens/s",
        lat.len(),
        failed,
        elapsed.as_secs_f64(),
        lat.len() as f64 / elapsed.as_secs_f64()
    );
    println!(
        "latency ms: p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}",
        ms(pct(0.50)),
        ms(pct(0.90)),
        ms(pct(0.99)),
        ms(*lat.last().unwrap())
    );
    println!(
        "server RSS KiB: start {:?}, end {:?}",
        rss_start,
        s.rss_kib()
    );
    assert_eq!(failed, 0);
}
