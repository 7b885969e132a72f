//! WS-Trust messages: [`Version`]s (2005/02, 1.3, 1.4), the request model
//! ([`Rst`], [`Request`]) and the response builder ([`Rstr`]).

pub mod rst;
pub mod rstr;
pub mod version;

pub use rst::{
    AppliesTo, BinarySecret, BinarySecretType, ClaimType, Claims, Entropy, Lifetime, Participants,
    PolicyVersion, Renewing, Request, Rst, Secret, UseKey,
};
pub use rstr::{ProofToken, RawXml, Rstr, SamlVersion, Status, TokenReference};
pub use version::{KeyType, RequestKind, RequestType, TokenType, Version};
