//! The small traits through which the host supplies everything the core does
//! not do itself: time, randomness (and, in later modules, users, claims,
//! token state and keys). In-memory defaults live in [`crate::memory`].
//!
//! Every trait is object safe and `Send + Sync`, held as `Arc<dyn _>`, and
//! states its security contract.

use std::fmt::Debug;
use time::OffsetDateTime;

/// The current time.
///
/// # Security contract
/// Must be monotonic enough that validity windows mean something: a clock
/// that can be moved backwards by a peer lets expired tokens and replayed
/// nonces back in.
pub trait Clock: Debug + Send + Sync {
    /// The current UTC time.
    fn now(&self) -> OffsetDateTime;
}

/// Cryptographically secure randomness.
///
/// # Security contract
/// Output must be unpredictable (a CSPRNG seeded from the OS or an HSM);
/// token IDs, symmetric proof keys and nonces are drawn from it.
pub trait Random: Debug + Send + Sync {
    /// Fill `buf` with random bytes.
    fn fill(&self, buf: &mut [u8]);
}
