//! WS-Security header processing on arbitrary bytes: `auth::authenticate`
//! must never panic, whatever the envelope and Security header contain.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use wstrust::auth::{self, AuthConfig, TransportContext};
use wstrust::memory::{MemoryLockout, MemoryReplayCache, MemoryUserStore};
use wstrust::policy::{Method, StandardPolicy};
use wstrust::soap::Message;
use wstrust::wss::WssSettings;
use wstrust::{xml, Limits};

fn config() -> &'static AuthConfig {
    static CONFIG: OnceLock<AuthConfig> = OnceLock::new();
    CONFIG.get_or_init(|| AuthConfig {
        wss: WssSettings::default(),
        limits: Limits::default(),
        policy: Arc::new(StandardPolicy::username_token().methods(&[
            Method::PasswordText,
            Method::PasswordDigest,
            Method::X509Signature,
        ])),
        users: Arc::new(MemoryUserStore::demo()),
        replay: Arc::new(MemoryReplayCache::new(100_000)),
        lockout: Arc::new(MemoryLockout::default()),
        assertions: None,
        local_account_issuers: Vec::new(),
        partner_claims: Default::default(),
        issuer: None,
    })
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(text) = xml::parse_bytes(data, &limits) else { return };
    let Ok(doc) = xml::parse(text, &limits) else { return };
    let Ok(msg) = Message::parse(&doc) else { return };
    let now = time::macros::datetime!(2027-01-15 12:00 UTC);
    let transport = TransportContext { tls: true, ..TransportContext::default() };
    let _ = auth::authenticate(&msg, &transport, now, config());
});
