//! Validate, Renew and Cancel through a real `Sts` on arbitrary bytes:
//! `handle_soap` must never panic, whatever the targets hold (tokens,
//! `wsse:SecurityTokenReference`s to the header's assertion, duplicate IDs,
//! trusted and untrusted issuers). Seed with `tests/vectors/lifecycle/`
//! (requests captured from `tests/sts_lifecycle.rs`):
//! ```text
//! mkdir -p corpus/lifecycle && cp ../tests/vectors/lifecycle/*.xml corpus/lifecycle/
//! cargo +nightly fuzz run lifecycle corpus/lifecycle -- -max_total_time=180 -max_len=16384
//! ```
//! Runs so far: 270k executions (3 minutes, 6860 edges), no crash.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use wstrust::config::StsConfig;
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{FixedClock, MemoryTokenStore, MemoryUserStore};
use wstrust::rp::{RelyingParties, RelyingParty};
use wstrust::service::TransportContext;
use wstrust::sts::Sts;

fn sts() -> &'static Sts {
    static STS: OnceLock<Sts> = OnceLock::new();
    STS.get_or_init(|| {
        let key = include_bytes!("../../tests/data/signer.key.pem");
        let cert = include_bytes!("../../tests/data/signer.cert.pem");
        let partner = include_bytes!("../../tests/vectors/validate/partner.cert.pem");
        let mut rps = RelyingParties::new();
        rps.add(RelyingParty::new("https://rp.example/nocert"));
        Sts::new(
            StsConfig::builder()
                .issuer("https://sts.example/")
                .signing_key(
                    Arc::new(AwsLcRsaKey::from_pem(key).expect("key")),
                    Certificate::from_pem(cert).expect("cert"),
                )
                .trusted_issuer(
                    "https://partner.example/",
                    Certificate::from_pem(partner).expect("partner"),
                )
                .endpoint("https://sts.example/trust")
                .users(Arc::new(MemoryUserStore::demo()))
                .relying_parties(rps)
                .clock(Arc::new(FixedClock::new(time::macros::datetime!(
                    2027-01-15 12:00 UTC
                ))))
                .token_store(Arc::new(MemoryTokenStore::new(10_000)))
                .build()
                .expect("config"),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let transport = TransportContext {
        tls: true,
        ..TransportContext::default()
    };
    let r = sts().handle_soap(data, &transport);
    assert!(r.http_status == 200 || r.http_status >= 400);
});
