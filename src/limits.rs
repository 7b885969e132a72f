//! Bounds on everything a peer controls, with documented defaults, and the
//! per-request [`Budget`] spent against them.

use crate::error::Limit;
use std::time::Duration;

/// Largest request accepted: a WS-Trust request with a signed header and an
/// embedded token is a few tens of KiB; 1 MiB leaves room for batches.
pub const DEFAULT_MAX_BYTES: usize = 1024 * 1024;
/// Deepest element nesting: SOAP + WS-Trust + SAML nests under 30 levels.
pub const DEFAULT_MAX_DEPTH: u16 = 64;
/// Most XML nodes (elements, text, comments, PIs) in one document.
pub const DEFAULT_MAX_NODES: u32 = 100_000;
/// Most attributes (namespace declarations included) on one element.
pub const DEFAULT_MAX_ATTRIBUTES: u16 = 64;
/// Most `ds:Reference`s in one `ds:SignedInfo`: WS-Security signs the Body,
/// Timestamp and a handful of addressing headers.
pub const DEFAULT_MAX_REFERENCES: u8 = 16;
/// Most transforms on one reference: enveloped-signature + one c14n.
pub const DEFAULT_MAX_TRANSFORMS: u8 = 4;
/// Most `ds:Signature` elements in one document, counted by [`crate::xml::parse`]
/// wherever they are: a WS-Security request carries one or two (the
/// message's, an assertion's), an RSTR collection one per token.
pub const DEFAULT_MAX_SIGNATURES: u8 = 8;
/// Clock skew tolerated between the STS and its peers.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// Bounds applied to every input. `Limits::default()` is safe for a public
/// endpoint; DTDs are refused whatever the limits.
///
/// # Defaults
/// | field | default |
/// |---|---|
/// | `max_bytes` | [`DEFAULT_MAX_BYTES`] (1 MiB) |
/// | `max_depth` | [`DEFAULT_MAX_DEPTH`] (64) |
/// | `max_nodes` | [`DEFAULT_MAX_NODES`] (100 000) |
/// | `max_attributes` | [`DEFAULT_MAX_ATTRIBUTES`] (64) |
/// | `max_references` | [`DEFAULT_MAX_REFERENCES`] (16) |
/// | `max_transforms` | [`DEFAULT_MAX_TRANSFORMS`] (4) |
/// | `max_signatures` | [`DEFAULT_MAX_SIGNATURES`] (8) |
/// | `clock_skew` | [`DEFAULT_CLOCK_SKEW`] (5 minutes) |
///
/// ```
/// let limits = wstrust::Limits { max_depth: 32, ..Default::default() };
/// assert!(wstrust::xml::parse("<a><b/></a>", &limits).is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest input in bytes.
    pub max_bytes: usize,
    /// Deepest element nesting (the root element is depth 1).
    pub max_depth: u16,
    /// Most nodes in one document.
    pub max_nodes: u32,
    /// Most attributes and namespace declarations on one element.
    pub max_attributes: u16,
    /// Most references in one signature.
    pub max_references: u8,
    /// Most transforms on one reference.
    pub max_transforms: u8,
    /// Most `ds:Signature` elements in one document (refused at parse,
    /// `Limit::Signatures`).
    pub max_signatures: u8,
    /// Tolerated clock skew when checking validity windows.
    pub clock_skew: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            max_depth: DEFAULT_MAX_DEPTH,
            max_nodes: DEFAULT_MAX_NODES,
            max_attributes: DEFAULT_MAX_ATTRIBUTES,
            max_references: DEFAULT_MAX_REFERENCES,
            max_transforms: DEFAULT_MAX_TRANSFORMS,
            max_signatures: DEFAULT_MAX_SIGNATURES,
            clock_skew: DEFAULT_CLOCK_SKEW,
        }
    }
}

/// A per-request allowance spent with checked subtraction; running out is an
/// [`Error::Limit`](crate::Error::Limit).
///
/// ```
/// let mut b = wstrust::limits::Budget::new(2, wstrust::error::Limit::References);
/// assert!(b.spend(1).is_ok());
/// assert!(b.spend(1).is_ok());
/// assert!(b.spend(1).is_err());
/// ```
#[derive(Debug, Clone)]
pub struct Budget {
    left: u32,
    limit: Limit,
}

impl Budget {
    /// A budget of `n` units that fails with `limit` when exhausted.
    pub fn new(n: u32, limit: Limit) -> Self {
        Self { left: n, limit }
    }

    /// Spend `n` units.
    pub fn spend(&mut self, n: u32) -> Result<(), Limit> {
        self.left = self.left.checked_sub(n).ok_or(self.limit)?;
        Ok(())
    }

    /// Units left.
    pub fn left(&self) -> u32 {
        self.left
    }
}
