//! # wstrust: an embeddable WS-Trust Security Token Service
//!
//! **No I/O.** This crate never opens a socket or a file, never starts a
//! thread and never reads the clock or the system RNG on its own behalf in the
//! request path: every entry point takes bytes or values and returns bytes or
//! values. Time, randomness, keys, users, claims and token state come in
//! through small traits the host implements (in-memory defaults are shipped).
//! The optional `cli` feature adds a command-line tool around this core.
//!
//! ## A tour
//! * [`xml`]: bounded, DTD-free parsing (`roxmltree`), [`xml::c14n`] exclusive
//!   and inclusive canonicalization, ID lookup that refuses duplicates.
//! * [`keys`]: X.509 certificates, RSA public keys (`rsa` crate) and the
//!   [`keys::PrivateKey`] trait with a constant-time aws-lc-rs default.
//! * [`dsig`]: XML-DSig signing (enveloped, detached) and verification
//!   against trusted keys, returning the verified nodes ([`dsig::Verified`]).
//! * [`error`]: one [`Error`] with a sub-enum per layer and a total mapping to
//!   the SOAP [`error::Fault`] a peer may see.
//! * [`limits`]: [`Limits`] with documented defaults and a per-request budget.
//! * [`soap`]: SOAP 1.1/1.2 envelopes, WS-Addressing, fault serialization.
//! * [`wst`]: WS-Trust 2005/02, 1.3 and 1.4 requests ([`wst::Rst`]) and
//!   responses ([`wst::Rstr`]).
//! * [`saml`]: SAML 1.1 and 2.0 assertions the STS issues; [`confirm`]:
//!   subject confirmation and proof keys (P_SHA1 computed keys).
//! * [`mex`]: the WSDL (WS-MetadataExchange) that lets WCF and MSAL discover
//!   the `usernamemixed` endpoints.
//! * [`auth`]: who is asking: [`auth::authenticate`] processes the
//!   `wsse:Security` header ([`wss`]: Timestamp, UsernameToken, X.509
//!   signatures, SAML credentials) against the host's users, replay cache and
//!   lockout, and the [`policy`] ([`policy::StandardPolicy`]: required
//!   evidence, roles, domains, per relying party token/key types and claims).
//! * [`service`]: the [`service::TokenService`] trait and the sans-I/O entry
//!   point [`service::handle_soap`].
//! * `client` (feature `client`): the other side, a sans-I/O WS-Trust client
//!   (request builders, RSTR and fault parsing, MEX endpoint choice).
//!
//! ## Security posture
//! DTDs are always refused; every input is bounded; algorithms come from
//! closed allowlists; keys shorter than 2048 bits are refused; private-key
//! operations go through [`keys::PrivateKey`] (constant time by default).
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod audit;
pub mod auth;
pub mod chain;
pub mod claims;
#[cfg(feature = "client")]
#[cfg_attr(docsrs, doc(cfg(feature = "client")))]
pub mod client;
pub mod config;
pub mod confirm;
mod dn;
pub mod dsig;
pub mod error;
pub mod host;
mod instant;
pub mod keys;
pub mod lifecycle;
pub mod limits;
pub mod memory;
pub mod mex;
pub mod policy;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis;
pub mod rp;
pub mod saml;
pub mod service;
pub mod soap;
pub mod sts;
pub mod token;
mod uri;
pub mod wss;
pub mod wst;
pub mod xenc;
pub mod xml;

pub use error::{Error, Fault};
pub use limits::Limits;
/// The `time` crate this API uses (`OffsetDateTime`, `Duration`), so hosts
/// need not depend on a matching version themselves.
pub use time;
