//! A sans-I/O WS-Trust client (feature `client`): build requests for any
//! WS-Trust 2005/02 or 1.3 STS (AD FS, WSO2, this crate's [`Sts`](crate::sts::Sts)),
//! read their answers, and choose an endpoint from their MEX document.
//!
//! No I/O here either: [`Request::build`] returns the bytes to POST (with
//! their `Content-Type` and action), [`Envelope::read_response`] takes the
//! bytes that came back. Time (`now`) and the `wsa:MessageID` come in as
//! arguments, and so does client entropy for a computed key.
//!
//! * [`request`]: [`Request`] (Issue, Validate, Renew, Cancel; AppliesTo,
//!   TokenType, KeyType, Lifetime, Claims) and [`Credential`]
//!   (`UsernameToken`, TLS only; X.509 signature).
//! * [`response`]: [`Response`] with the token's exact bytes, its references,
//!   lifetime and proof key ([`ProofKey`], P_SHA1 computed keys included);
//!   a SOAP fault is [`ClientError::Fault`] with its [`ServerFault::code`].
//! * [`mex`]: [`mex::parse`] and [`mex::choose`], as MSAL does.
//! * `http` (feature `client-http`): a thin blocking HTTPS layer on `ureq`
//!   that POSTs an [`Envelope`] and GETs a MEX document.
//!
//! ```
//! # fn main() -> Result<(), wstrust::Error> {
//! use std::sync::Arc;
//! use time::macros::datetime;
//! use wstrust::client::{Credential, KeyRequest, Request};
//! use wstrust::config::StsConfig;
//! use wstrust::keys::{AwsLcRsaKey, Certificate};
//! use wstrust::memory::{FixedClock, MemoryUserStore};
//! use wstrust::rp::{RelyingParties, RelyingParty};
//! use wstrust::service::TransportContext;
//! use wstrust::sts::Sts;
//! use wstrust::wst::{TokenType, Version};
//! use wstrust::Limits;
//!
//! let now = datetime!(2027-01-15 12:00 UTC);
//! // An STS to talk to (in process here; over HTTPS in real life).
//! let mut rps = RelyingParties::new();
//! rps.add(RelyingParty::new("https://rp.example/"));
//! let sts = Sts::new(
//!     StsConfig::builder()
//!         .issuer("https://sts.example/")
//!         .signing_key(
//!             Arc::new(AwsLcRsaKey::from_pem(include_bytes!("../../tests/data/signer.key.pem"))?),
//!             Certificate::from_pem(include_bytes!("../../tests/data/signer.cert.pem"))?,
//!         )
//!         .users(Arc::new(MemoryUserStore::demo()))
//!         .relying_parties(rps)
//!         .clock(Arc::new(FixedClock::new(now)))
//!         .build()?,
//! );
//!
//! // Build the request ...
//! let endpoint = "https://sts.example/adfs/services/trust/13/usernamemixed";
//! let request = Request::issue(Version::Trust13, endpoint)
//!     .applies_to("https://rp.example/")
//!     .token_type(TokenType::Saml20)
//!     .key_type(KeyRequest::Bearer);
//! let credential = Credential::username("alice", "alice-password");
//! let envelope = request.build(&credential, now, "urn:uuid:6a4b1c2d-0000-4000-8000-000000000001")?;
//!
//! // ... POST `envelope.body` with `envelope.content_type` to `envelope.endpoint` ...
//! let reply = sts.handle_soap(&envelope.body, &TransportContext { tls: true, ..Default::default() });
//!
//! // ... and read the answer.
//! let response = envelope.read_response(&reply.body, &Limits::default())?;
//! let token = response.token.expect("an Issue answer carries a token");
//! assert!(std::str::from_utf8(token.as_bytes()).unwrap().contains("alice"));
//! assert_eq!(response.lifetime.and_then(|l| l.created), Some(now));
//! assert!(response.proof_key.is_none()); // a bearer token
//! # Ok(()) }
//! ```

mod error;
#[cfg(feature = "client-http")]
#[cfg_attr(docsrs, doc(cfg(feature = "client-http")))]
pub mod http;
pub mod mex;
pub mod request;
pub mod response;

pub use error::{ClientError, ServerFault};
pub use mex::MexEndpoint;
pub use request::{Credential, CredentialKind, Envelope, KeyRequest, Request};
pub use response::{parse_response, KeyIdentifier, ProofKey, Reference, Response, ValidateStatus};
