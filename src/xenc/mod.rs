//! XML Encryption 1.1: `xenc:EncryptedData` (Type `Element` and `Content`)
//! and `xenc:EncryptedKey`, for issued tokens and proof keys.
//!
//! # What is supported
//! | | algorithms | default |
//! |---|---|---|
//! | data | AES-256-GCM, AES-128-GCM (`xmlenc11#aesNNN-gcm`); AES-256-CBC, AES-128-CBC (`xmlenc#aesNNN-cbc`, off on decrypt unless [`DecryptOptions::allow_cbc`]) | AES-256-GCM |
//! | key transport | RSA-OAEP `xmlenc#rsa-oaep-mgf1p` (SHA-1), `xmlenc11#rsa-oaep` (SHA-256 digest, MGF1-SHA-256 or MGF1-SHA-1); RSA PKCS#1 v1.5 only on decrypt of `EncryptedData` and only with [`DecryptOptions::dangerous_allow_rsa_pkcs1v15`] (never in [`decrypt_key`]) | `rsa-oaep-mgf1p` |
//! | recipient `KeyInfo` | `ds:X509Data` (`X509Certificate`, `X509IssuerSerial`, `X509SKI`), `wsse:SecurityTokenReference/KeyIdentifier` (`ThumbprintSHA1`, `X509SubjectKeyIdentifier`) | `X509Certificate` |
//!
//! Every algorithm comes from these closed lists; anything else is
//! [`XencError::AlgorithmNotAllowed`].
//!
//! # Shapes
//! * SAML 2.0: [`encrypt_node`] of a `saml2:Assertion` yields
//!   `saml2:EncryptedAssertion` holding `xenc:EncryptedData` with the
//!   `xenc:EncryptedKey` inside its `ds:KeyInfo`.
//! * SAML 1.1 (and anything else): a bare `xenc:EncryptedData` of Type
//!   `Element`, as WS-Trust STSs return it in `RequestedSecurityToken`.
//! * Proof keys: [`encrypt_key`] yields a standalone `xenc:EncryptedKey` for a
//!   holder-of-key `ds:KeyInfo` or a `wst:RequestedProofToken`;
//!   [`decrypt_key`] reads one.
//!
//! # Plaintext
//! The plaintext of an encrypted element is its exclusive canonical form
//! ([`crate::xml::c14n`]), so it declares every namespace it uses and can be
//! decrypted anywhere. On decryption the plaintext is parsed *in the context*
//! of the place it replaces (as XML-Enc requires, so that documents from
//! implementations that do not carry namespaces along decrypt too) and
//! spliced back into the original text by byte range.
//!
//! # Failure
//! All failures that depend on secrets are one [`XencError::DecryptionFailed`]:
//! when key transport fails, decryption goes on with a random key of the
//! right length so the failure shows only at the data step; the CBC pad byte
//! is checked without branching on it, the plaintext is parsed whatever the
//! pad, and a bad pad, invalid UTF-8 and plaintext that is not well-formed XML
//! of the promised shape are reported together, once (no padding or parsing
//! oracle in the error). Typed errors only describe public structure; a key
//! the resolver does not hold is [`XencError::NoMatchingKey`], which faults
//! exactly like `DecryptionFailed`. No partial plaintext is returned.
//!
//! RSA private-key operations happen only through
//! [`PrivateKey::decrypt`](crate::keys::PrivateKey::decrypt). The default
//! aws-lc-rs backend cannot do RSA-OAEP with a SHA-256 digest and MGF1-SHA-1
//! (the `xmlenc11#rsa-oaep` default MGF); such keys fail with the typed
//! [`XencError::UnsupportedByBackend`] (decided from the algorithm URIs, not
//! from the ciphertext, so it is no oracle). That is why encryption with
//! `xmlenc11#rsa-oaep` writes SHA-256 with MGF1-SHA-256 unless told otherwise.
//! An HSM backend that supports the mixed pair decrypts it.
//!
//! CBC has no integrity: with CBC an attacker who can submit altered
//! ciphertexts learns from timing and from whatever the host does with the
//! plaintext. It is off by default and should be enabled only for a peer
//! that signs what it encrypts and whose signature is checked first.
//!
//! ```
//! use std::sync::Arc;
//! use wstrust::{keys::{AwsLcRsaKey, Certificate}, memory::{MemoryKeyResolver, OsRandom}};
//! use wstrust::{xenc, Limits};
//! # fn main() -> Result<(), wstrust::Error> {
//! let cert = Certificate::from_pem(include_bytes!("../../tests/data/xenc/rp.pem"))?;
//! let key = AwsLcRsaKey::from_pem(include_bytes!("../../tests/data/xenc/rp.key"))?;
//! let doc = r#"<r><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0"/></r>"#;
//!
//! let limits = Limits::default();
//! let opts = xenc::EncryptOptions::default(); // AES-256-GCM, rsa-oaep-mgf1p
//! let sealed = xenc::encrypt_element(doc, Some("_a"), &cert, &opts, &OsRandom, &limits)?;
//! assert!(sealed.contains("<saml2:EncryptedAssertion"));
//! assert!(!sealed.contains("saml2:Assertion "));
//!
//! let mut keys = MemoryKeyResolver::new();
//! keys.add(cert, Arc::new(key))?;
//! let opened = xenc::decrypt_document(&sealed, &keys, &xenc::DecryptOptions::default(),
//!                                     &OsRandom, &limits)?;
//! assert_eq!(opened, r#"<r><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0"></saml2:Assertion></r>"#);
//! # Ok(()) }
//! ```

mod algorithms;
mod decrypt;
mod encrypt;
mod key;

pub use algorithms::{uri, DataAlgorithm, KeyTransport};
pub use decrypt::{decrypt_document, decrypt_element, Decrypted};
pub(crate) use encrypt::encrypt_own_element;
pub use encrypt::{encrypt_bytes, encrypt_content, encrypt_element, encrypt_node};
pub use key::{decrypt_key, encrypt_key, key_references, RecipientKeyInfo, SecretKey};

use crate::error::{Error, XencError, XmlError};
use crate::xml::{self, ns};
use base64::Engine as _;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use roxmltree::Node;
use std::ops::Range;

/// Largest `CipherValue` of an `EncryptedData`, in characters of base64 text:
/// an issued token is a few KiB; 768 KiB of base64 (576 KiB of ciphertext)
/// fits any token a 1 MiB request can carry.
pub const MAX_CIPHER_VALUE_CHARS: usize = 768 * 1024;
/// Largest `CipherValue` of an `EncryptedKey`, in characters: an 8192-bit RSA
/// ciphertext is 1024 bytes, 1368 base64 characters; the rest is line breaks.
pub const MAX_KEY_CIPHER_VALUE_CHARS: usize = 2048;
/// Most `EncryptedData` elements decrypted in one document: a WS-Trust
/// message carries one token and perhaps an encrypted header or two.
pub const MAX_ENCRYPTED_DATA: usize = 16;
/// Most candidate `EncryptedKey`s considered for one `EncryptedData` (one per
/// recipient; SAML 2.0 allows several).
pub const MAX_ENCRYPTED_KEYS: usize = 4;
/// Most key references read from one `KeyInfo`.
pub const MAX_KEY_REFERENCES: usize = 8;

/// Encryption choices.
///
/// # Defaults
/// | field | default |
/// |---|---|
/// | `data` | [`DataAlgorithm::Aes256Gcm`] |
/// | `key_transport` | [`KeyTransport::RsaOaepMgf1p`] |
/// | `key_info` | [`RecipientKeyInfo::X509Certificate`] |
/// | `wrap_saml2` | `true`: a `saml2:Assertion` becomes `saml2:EncryptedAssertion` |
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EncryptOptions {
    /// The data encryption algorithm.
    pub data: DataAlgorithm,
    /// The key transport algorithm.
    pub key_transport: KeyTransport,
    /// How the recipient certificate is named.
    pub key_info: RecipientKeyInfo,
    /// Wrap an encrypted SAML 2.0 assertion in `saml2:EncryptedAssertion`.
    pub wrap_saml2: bool,
}

impl Default for EncryptOptions {
    fn default() -> Self {
        Self {
            data: DataAlgorithm::default(),
            key_transport: KeyTransport::default(),
            key_info: RecipientKeyInfo::default(),
            wrap_saml2: true,
        }
    }
}

/// Decryption choices. The allowlists are closed; these switches only turn
/// on weaker members of them.
///
/// # Defaults
/// | field | default |
/// |---|---|
/// | `allow_cbc` | `false` |
/// | `dangerous_allow_rsa_pkcs1v15` | `false` |
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecryptOptions {
    /// Accept AES-CBC data (no integrity; see the module docs).
    pub allow_cbc: bool,
    /// Accept RSA PKCS#1 v1.5 key transport (Bleichenbacher-prone; only for
    /// a legacy peer, with a constant-time key backend) for the key of an
    /// `xenc:EncryptedData`, where a failed unwrap continues with a random
    /// key of the data algorithm's length. Ignored by [`decrypt_key`]: a
    /// standalone `xenc:EncryptedKey` has no known length to fall back to,
    /// so v1.5 is always refused there.
    pub dangerous_allow_rsa_pkcs1v15: bool,
}

fn cipher_data(w: &mut XmlOut, bytes: &[u8]) {
    w.start("xenc:CipherData", &[]);
    w.base64_element("xenc:CipherValue", bytes);
    w.end("xenc:CipherData");
}

fn cipher_value(parent: Node<'_, '_>, max_chars: usize) -> Result<Vec<u8>, Error> {
    let cd = child(parent, ns::XENC, "CipherData")?
        .ok_or(XmlError::MissingElement("xenc:CipherData"))?;
    if child(cd, ns::XENC, "CipherReference")?.is_some() {
        return Err(XencError::Malformed("CipherReference is not supported").into());
    }
    let cv =
        child(cd, ns::XENC, "CipherValue")?.ok_or(XmlError::MissingElement("xenc:CipherValue"))?;
    b64(cv, "xenc:CipherValue", max_chars)
}

/// Base64 content of `node`, bounded before decoding.
fn b64(node: Node<'_, '_>, what: &'static str, max_chars: usize) -> Result<Vec<u8>, Error> {
    let text = xml::whole_text(node);
    if text.len() > max_chars {
        return Err(XencError::TooLarge(what).into());
    }
    let engine = &base64::engine::general_purpose::STANDARD;
    // Most writers put no line breaks in; strip whitespace only when needed.
    engine
        .decode(text.as_bytes())
        .or_else(|_| {
            let compact: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
            engine.decode(compact)
        })
        .map_err(|_| XmlError::Base64(what).into())
}

/// The only child element `ns:name` of `parent`, if any; two is an error.
fn child<'a, 'input>(
    parent: Node<'a, 'input>,
    ns: &str,
    name: &'static str,
) -> Result<Option<Node<'a, 'input>>, Error> {
    let mut found = None;
    for c in parent.children().filter(|c| is(*c, ns, name)) {
        if found.is_some() {
            return Err(XmlError::UnexpectedElement(name.to_owned()).into());
        }
        found = Some(c);
    }
    Ok(found)
}

fn is(node: Node<'_, '_>, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == Some(ns)
}

/// `xml` with each range replaced by its bytes (ranges sorted, disjoint).
fn splice<T: AsRef<str>>(xml: &str, replacements: &[(Range<usize>, T)]) -> String {
    let extra: usize = replacements.iter().map(|(_, t)| t.as_ref().len()).sum();
    let mut out = String::with_capacity(xml.len() + extra);
    let mut at = 0;
    for (range, text) in replacements {
        out.push_str(&xml[at..range.start]);
        out.push_str(text.as_ref());
        at = range.end;
    }
    out.push_str(&xml[at..]);
    out
}

/// A `quick_xml` writer into memory (writing to a `Vec` cannot fail).
struct XmlOut(quick_xml::Writer<Vec<u8>>);

impl XmlOut {
    fn new() -> Self {
        Self::with_capacity(2048)
    }
    fn with_capacity(bytes: usize) -> Self {
        Self(quick_xml::Writer::new(Vec::with_capacity(bytes)))
    }
    /// Room for an `EncryptedData` of `plaintext_len` bytes: the base64 of
    /// the ciphertext plus the key and algorithm elements around it.
    fn for_ciphertext(plaintext_len: usize) -> Self {
        Self::with_capacity((plaintext_len + 32).div_ceil(3) * 4 + 3072)
    }
    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let el = BytesStart::new(name).with_attributes(attrs.iter().copied());
        let _ = self.0.write_event(Event::Start(el));
    }
    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let el = BytesStart::new(name).with_attributes(attrs.iter().copied());
        let _ = self.0.write_event(Event::Empty(el));
    }
    fn end(&mut self, name: &str) {
        let _ = self.0.write_event(Event::End(BytesEnd::new(name)));
    }
    fn text(&mut self, text: &str) {
        let _ = self.0.write_event(Event::Text(BytesText::new(text)));
    }
    fn text_element(&mut self, name: &str, text: &str) {
        self.start(name, &[]);
        self.text(text);
        self.end(name);
    }
    /// An element holding the base64 of `bytes`, encoded straight into the
    /// output (the alphabet needs no escaping).
    fn base64_element(&mut self, name: &str, bytes: &[u8]) {
        self.start(name, &[]);
        let out = self.0.get_mut();
        let at = out.len();
        out.resize(at + bytes.len().div_ceil(3) * 4, 0);
        let written = base64::engine::general_purpose::STANDARD
            .encode_slice(bytes, &mut out[at..])
            .unwrap_or(0);
        out.truncate(at + written);
        self.end(name);
    }
    fn finish(self) -> Vec<u8> {
        self.0.into_inner()
    }
}

#[cfg(test)]
mod tests;
