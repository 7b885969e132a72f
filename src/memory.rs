//! Ready-made implementations of the [`crate::host`] traits for hosts that do
//! not need their own: the system clock and OS randomness (which the host opts
//! into; the core never calls them by itself), a fixed clock for tests, and
//! in-memory stores.

use crate::host::{Clock, Random};
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
