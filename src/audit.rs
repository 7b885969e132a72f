//! Audit events: one per operation (issue, validate, renew, cancel), to an
//! observer the host implements.
//!
//! An event names the operation, the outcome (with the precise reason on
//! failure, for the operator), the requester, subject, relying party and
//! token ID. It never carries a password, a key or a token body.
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use wstrust::audit::{AuditEvent, AuditObserver, MemoryAudit, Operation};
//! let log = MemoryAudit::default();
//! log.event(&AuditEvent::new(Operation::Issue, time::OffsetDateTime::UNIX_EPOCH));
//! assert_eq!(log.events().len(), 1);
//! ```

use std::fmt::Debug;
use std::sync::Mutex;
use time::OffsetDateTime;

/// The WS-Trust operation an event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Issue.
    Issue,
    /// Validate.
    Validate,
    /// Renew.
    Renew,
    /// Cancel.
    Cancel,
    /// A request refused before its operation was read (not XML, not SOAP,
    /// a limit, an encrypted or empty Body, a malformed RST): see
    /// [`crate::service::TokenService::refused`].
    Unknown,
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditEvent {
    /// When (the STS clock).
    pub at: OffsetDateTime,
    /// The operation.
    pub operation: Operation,
    /// `Ok(())`, or the failure reason (the internal error's text, which
    /// never contains secrets).
    pub outcome: Result<(), String>,
    /// Who asked (the authenticated principal, `DOMAIN/name`), if known.
    pub requester: Option<String>,
    /// The token's subject, if known.
    pub subject: Option<String>,
    /// The relying party (`AppliesTo`), if any.
    pub relying_party: Option<String>,
    /// The token's ID, if one was issued or presented.
    pub token_id: Option<String>,
}

impl AuditEvent {
    /// A successful event with nothing else known yet.
    pub fn new(operation: Operation, at: OffsetDateTime) -> Self {
        Self {
            at,
            operation,
            outcome: Ok(()),
            requester: None,
            subject: None,
            relying_party: None,
            token_id: None,
        }
    }
}

/// Receives audit events.
///
/// # Security contract
/// Called on the request path: must not block for long and must not fail
/// the request (it returns nothing). Events are complete when delivered;
/// the observer may forward them anywhere, as they carry no secrets.
pub trait AuditObserver: Debug + Send + Sync {
    /// Record one event.
    fn event(&self, event: &AuditEvent);
}

/// An [`AuditObserver`] that keeps events in memory (tests, the CLI).
#[derive(Debug, Default)]
pub struct MemoryAudit(Mutex<Vec<AuditEvent>>);

impl MemoryAudit {
    /// The events so far.
    pub fn events(&self) -> Vec<AuditEvent> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl AuditObserver for MemoryAudit {
    fn event(&self, event: &AuditEvent) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(event.clone());
    }
}

/// Whether `c` must not reach a log or terminal as it is: a control
/// character (line breaks included), or an invisible or reordering one
/// (zero-width, bidi controls, line and paragraph separators).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
        )
}

/// Untrusted text for a log line or a terminal: every [`is_unsafe_char`]
/// escaped (`\n`, `\u{202e}`), so it can neither start a forged line nor
/// display otherwise than it reads. The [`crate::sts::Sts`] escapes every
/// [`AuditEvent`] field this way (names and error texts can come from the
/// request).
///
/// ```
/// assert_eq!(wstrust::audit::escape("a\nb\u{202e}"), "a\\nb\\u{202e}");
/// assert_eq!(wstrust::audit::escape("plain"), "plain");
/// ```
pub fn escape(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return s.into();
    }
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) {
            o.extend(c.escape_default());
        } else {
            o.push(c);
        }
    }
    o.into()
}
