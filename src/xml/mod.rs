//! XML plumbing: bounded parsing ([`read`]), namespace constants ([`ns`]),
//! canonicalization ([`c14n`]).
//!
//! Everything in the crate reads XML through [`parse`], which refuses DTDs and
//! enforces [`Limits`](crate::Limits) before any other code sees the tree.

pub mod c14n;
pub mod ns;
pub mod read;

pub use read::{find_by_id, id_of, ids_of, parse, parse_bytes, whole_text};
