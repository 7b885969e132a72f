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
//! [`PrivateKey::decrypt`]. The default
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
//! let cert = Certificate::from_pem(include_bytes!("../tests/data/xenc/rp.pem"))?;
//! let key = AwsLcRsaKey::from_pem(include_bytes!("../tests/data/xenc/rp.key"))?;
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

use crate::error::{Error, KeyError, XencError, XmlError};
use crate::host::{KeyReference, KeyResolver, Random};
use crate::keys::{Certificate, DigestAlg, PrivateKey, RsaDecryptPadding};
use crate::limits::Limits;
use crate::xml::{self, c14n, ns};
use base64::Engine as _;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use roxmltree::{Node, NodeType};
use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

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

/// XML-Enc and related URIs.
pub mod uri {
    /// AES-128-GCM.
    pub const AES128_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
    /// AES-256-GCM.
    pub const AES256_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
    /// AES-128-CBC.
    pub const AES128_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
    /// AES-256-CBC.
    pub const AES256_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
    /// RSA-OAEP with MGF1-SHA-1 (XML-Enc 1.0).
    pub const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
    /// RSA-OAEP with a chosen digest and MGF (XML-Enc 1.1).
    pub const RSA_OAEP: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
    /// RSA PKCS#1 v1.5 key transport (legacy; never produced).
    pub const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
    /// MGF1 with SHA-1.
    pub const MGF1_SHA1: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha1";
    /// MGF1 with SHA-256.
    pub const MGF1_SHA256: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha256";
    /// MGF1 with SHA-384.
    pub const MGF1_SHA384: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha384";
    /// MGF1 with SHA-512.
    pub const MGF1_SHA512: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha512";
    /// SHA-1 digest.
    pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
    /// SHA-256 digest.
    pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
    /// SHA-384 digest.
    pub const SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
    /// SHA-512 digest.
    pub const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
    /// `Type` of an encrypted element.
    pub const TYPE_ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";
    /// `Type` of encrypted element content.
    pub const TYPE_CONTENT: &str = "http://www.w3.org/2001/04/xmlenc#Content";
    /// `ds:RetrievalMethod` `Type` pointing at an `EncryptedKey`.
    pub const TYPE_ENCRYPTED_KEY: &str = "http://www.w3.org/2001/04/xmlenc#EncryptedKey";
    /// WS-Security 1.1 `ThumbprintSHA1` KeyIdentifier value type.
    pub const THUMBPRINT_SHA1: &str =
        "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1";
    /// WS-Security X.509 token profile `X509SubjectKeyIdentifier` value type.
    pub const X509_SKI: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509SubjectKeyIdentifier";
    /// WS-Security `Base64Binary` encoding type.
    pub const BASE64_BINARY: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
}

/// A data encryption algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum DataAlgorithm {
    /// AES-256-GCM (default): 12-byte IV prepended, 16-byte tag appended.
    #[default]
    Aes256Gcm,
    /// AES-128-GCM.
    Aes128Gcm,
    /// AES-256-CBC with XML-Enc padding (legacy peers; no integrity).
    Aes256Cbc,
    /// AES-128-CBC with XML-Enc padding (legacy peers; no integrity).
    Aes128Cbc,
}

impl DataAlgorithm {
    /// Every supported data algorithm.
    pub const ALL: [Self; 4] = [
        Self::Aes256Gcm,
        Self::Aes128Gcm,
        Self::Aes256Cbc,
        Self::Aes128Cbc,
    ];

    /// The algorithm URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Aes256Gcm => uri::AES256_GCM,
            Self::Aes128Gcm => uri::AES128_GCM,
            Self::Aes256Cbc => uri::AES256_CBC,
            Self::Aes128Cbc => uri::AES128_CBC,
        }
    }

    /// The algorithm a URI names, if it is on the list.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.uri() == uri)
    }

    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes256Gcm | Self::Aes256Cbc => 32,
            Self::Aes128Gcm | Self::Aes128Cbc => 16,
        }
    }

    /// Whether this is a CBC (unauthenticated) mode.
    pub fn is_cbc(self) -> bool {
        matches!(self, Self::Aes256Cbc | Self::Aes128Cbc)
    }
}

/// An RSA key transport algorithm used when encrypting. RSA PKCS#1 v1.5 is
/// deliberately absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum KeyTransport {
    /// `xmlenc#rsa-oaep-mgf1p`: RSA-OAEP, SHA-1 digest, MGF1-SHA-1 (default:
    /// what every WS-Trust and SAML peer understands).
    #[default]
    RsaOaepMgf1p,
    /// `xmlenc11#rsa-oaep` with SHA-256 digest and MGF1-SHA-256.
    RsaOaepSha256,
    /// `xmlenc11#rsa-oaep` with SHA-256 digest and MGF1-SHA-1 (the XML-Enc
    /// 1.1 default MGF). Peers can read it; this crate's default key backend
    /// cannot decrypt it (see the module docs).
    RsaOaepSha256Mgf1Sha1,
}

impl KeyTransport {
    /// The `EncryptionMethod` algorithm URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaOaepMgf1p => uri::RSA_OAEP_MGF1P,
            Self::RsaOaepSha256 | Self::RsaOaepSha256Mgf1Sha1 => uri::RSA_OAEP,
        }
    }

    fn digests(self) -> (DigestAlg, DigestAlg) {
        match self {
            Self::RsaOaepMgf1p => (DigestAlg::Sha1, DigestAlg::Sha1),
            Self::RsaOaepSha256 => (DigestAlg::Sha256, DigestAlg::Sha256),
            Self::RsaOaepSha256Mgf1Sha1 => (DigestAlg::Sha256, DigestAlg::Sha1),
        }
    }
}

/// How the `EncryptedKey` names the recipient certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RecipientKeyInfo {
    /// `ds:X509Data/ds:X509Certificate`: the whole certificate (default; any
    /// recipient can match it).
    #[default]
    X509Certificate,
    /// `ds:X509Data/ds:X509IssuerSerial`.
    X509IssuerSerial,
    /// `ds:X509Data/ds:X509SKI` (the certificate must have an SKI).
    X509Ski,
    /// `wsse:SecurityTokenReference/wsse:KeyIdentifier` `ThumbprintSHA1`.
    ThumbprintSha1,
    /// `wsse:SecurityTokenReference/wsse:KeyIdentifier`
    /// `X509SubjectKeyIdentifier` (the certificate must have an SKI).
    KeyIdentifierSki,
    /// No `ds:KeyInfo` in the `EncryptedKey`.
    None,
}

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

/// A symmetric key (a proof key or a content-encryption key): zeroized on
/// drop, redacted in `Debug`, compared in constant time.
pub struct SecretKey(Zeroizing<Vec<u8>>);

impl SecretKey {
    /// Wrap key bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The key bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the key is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Constant-time equality (lengths are not secret).
    pub fn ct_eq(&self, other: &[u8]) -> bool {
        self.0.len() == other.len() && bool::from(self.0.as_slice().ct_eq(other))
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({} bytes, redacted)", self.0.len())
    }
}

// ---------------------------------------------------------------------------
// Encryption
// ---------------------------------------------------------------------------

/// Replace the element whose ID is `element_id` (the document element if
/// `None`) by its encryption for `recipient`, and return the new document.
///
/// The element becomes an `xenc:EncryptedData` of Type `Element`; a SAML 2.0
/// assertion becomes a `saml2:EncryptedAssertion` (unless
/// [`EncryptOptions::wrap_saml2`] is off). The rest of the document is kept
/// byte for byte.
pub fn encrypt_element(
    xml: &str,
    element_id: Option<&str>,
    recipient: &Certificate,
    opts: &EncryptOptions,
    rng: &dyn Random,
    limits: &Limits,
) -> Result<String, Error> {
    let doc = xml::parse(xml, limits)?;
    let node = match element_id {
        Some(id) => xml::find_by_id(&doc, id)?,
        None => doc.root_element(),
    };
    let sealed = encrypt_node(node, recipient, opts, rng)?;
    // Our own writer's output: always UTF-8.
    Ok(splice(
        xml,
        &[(node.range(), String::from_utf8_lossy(&sealed))],
    ))
}

/// Replace the *content* of the element whose ID is `element_id` (the
/// document element if `None`) by an `xenc:EncryptedData` of Type `Content`.
pub fn encrypt_content(
    xml: &str,
    element_id: Option<&str>,
    recipient: &Certificate,
    opts: &EncryptOptions,
    rng: &dyn Random,
    limits: &Limits,
) -> Result<String, Error> {
    let doc = xml::parse(xml, limits)?;
    let node = match element_id {
        Some(id) => xml::find_by_id(&doc, id)?,
        None => doc.root_element(),
    };
    let Some(first) = node.first_child() else {
        return Err(XmlError::MissingElement("content to encrypt").into());
    };
    let last = node.last_child().unwrap_or(first);
    let plaintext = Zeroizing::new(content_c14n(node)?);
    let sealed = encrypt_bytes(&plaintext, uri::TYPE_CONTENT, recipient, opts, rng)?;
    let range = first.range().start..last.range().end;
    Ok(splice(xml, &[(range, String::from_utf8_lossy(&sealed))]))
}

/// The encryption of one element of a parsed document: the bytes of the
/// `xenc:EncryptedData` (Type `Element`) that replaces it, or of a
/// `saml2:EncryptedAssertion` for a SAML 2.0 assertion. The plaintext is the
/// element's exclusive canonical form.
///
/// This is the call for token issuance: build and sign the assertion, parse
/// it, encrypt the assertion node, embed the returned bytes.
pub fn encrypt_node(
    node: Node<'_, '_>,
    recipient: &Certificate,
    opts: &EncryptOptions,
    rng: &dyn Random,
) -> Result<Vec<u8>, Error> {
    if !node.is_element() {
        return Err(XmlError::MissingElement("element to encrypt").into());
    }
    let plaintext = Zeroizing::new(c14n::to_vec(node, &c14n::Options::exclusive())?);
    let wrap = opts.wrap_saml2 && is(node, ns::SAML2, "Assertion");
    sealed_element(&plaintext, wrap, recipient, opts, rng)
}

/// [`encrypt_node`] for an element this crate serialized itself and that
/// declares every namespace it uses (the assertions `saml` builds): its
/// bytes are the plaintext as they are, without a parse and a C14N pass.
/// `saml2_assertion` says whether it is a SAML 2.0 assertion, to be wrapped
/// in `saml2:EncryptedAssertion` (when [`EncryptOptions::wrap_saml2`]).
pub(crate) fn encrypt_own_element(
    element: &[u8],
    saml2_assertion: bool,
    recipient: &Certificate,
    opts: &EncryptOptions,
    rng: &dyn Random,
) -> Result<Vec<u8>, Error> {
    let wrap = opts.wrap_saml2 && saml2_assertion;
    sealed_element(element, wrap, recipient, opts, rng)
}

/// `xenc:EncryptedData` of Type `Element` for `plaintext`, in a
/// `saml2:EncryptedAssertion` when `wrap`.
fn sealed_element(
    plaintext: &[u8],
    wrap: bool,
    recipient: &Certificate,
    opts: &EncryptOptions,
    rng: &dyn Random,
) -> Result<Vec<u8>, Error> {
    let mut w = XmlOut::for_ciphertext(plaintext.len());
    if wrap {
        w.start("saml2:EncryptedAssertion", &[("xmlns:saml2", ns::SAML2)]);
    }
    write_encrypted_data(&mut w, plaintext, uri::TYPE_ELEMENT, recipient, opts, rng)?;
    if wrap {
        w.end("saml2:EncryptedAssertion");
    }
    Ok(w.finish())
}

/// Encrypt `plaintext` (serialized XML) as an `xenc:EncryptedData` with the
/// given `Type` URI ([`uri::TYPE_ELEMENT`] or [`uri::TYPE_CONTENT`]), a fresh
/// data key, and that key wrapped for `recipient` in an `xenc:EncryptedKey`
/// inside its `ds:KeyInfo`. Returns the element's bytes (namespaces declared
/// on it).
pub fn encrypt_bytes(
    plaintext: &[u8],
    type_uri: &str,
    recipient: &Certificate,
    opts: &EncryptOptions,
    rng: &dyn Random,
) -> Result<Vec<u8>, Error> {
    let mut w = XmlOut::for_ciphertext(plaintext.len());
    write_encrypted_data(&mut w, plaintext, type_uri, recipient, opts, rng)?;
    Ok(w.finish())
}

fn write_encrypted_data(
    w: &mut XmlOut,
    plaintext: &[u8],
    type_uri: &str,
    recipient: &Certificate,
    opts: &EncryptOptions,
    rng: &dyn Random,
) -> Result<(), Error> {
    let mut key = Zeroizing::new(vec![0u8; opts.data.key_len()]);
    rng.fill(&mut key);
    let ciphertext = encrypt_data(opts.data, &key, plaintext, rng)?;

    w.start(
        "xenc:EncryptedData",
        &[
            ("xmlns:xenc", ns::XENC),
            ("xmlns:ds", ns::DS),
            ("Type", type_uri),
        ],
    );
    w.empty("xenc:EncryptionMethod", &[("Algorithm", opts.data.uri())]);
    w.start("ds:KeyInfo", &[]);
    write_encrypted_key(w, &key, recipient, opts, rng, false)?;
    w.end("ds:KeyInfo");
    cipher_data(w, &ciphertext);
    w.end("xenc:EncryptedData");
    Ok(())
}

/// A standalone `xenc:EncryptedKey` wrapping `key_bytes` for `recipient`:
/// a holder-of-key key for a `ds:KeyInfo` in a subject confirmation, or a
/// WS-Trust `RequestedProofToken`. Namespaces are declared on the element.
///
/// ```
/// use std::sync::Arc;
/// use wstrust::{keys::{AwsLcRsaKey, Certificate}, memory::{MemoryKeyResolver, OsRandom}};
/// use wstrust::{xenc, xml, Limits};
/// # fn main() -> Result<(), wstrust::Error> {
/// let cert = Certificate::from_pem(include_bytes!("../tests/data/xenc/rp.pem"))?;
/// let proof_key = [7u8; 32];
/// let ek = xenc::encrypt_key(&proof_key, &cert, &Default::default(), &OsRandom)?;
///
/// let mut keys = MemoryKeyResolver::new();
/// keys.add(cert, Arc::new(AwsLcRsaKey::from_pem(include_bytes!("../tests/data/xenc/rp.key"))?))?;
/// let text = std::str::from_utf8(&ek).unwrap();
/// let doc = xml::parse(text, &Limits::default())?;
/// let key = xenc::decrypt_key(doc.root_element(), &keys, &Default::default())?;
/// assert!(key.ct_eq(&proof_key));
/// # Ok(()) }
/// ```
pub fn encrypt_key(
    key_bytes: &[u8],
    recipient: &Certificate,
    opts: &EncryptOptions,
    rng: &dyn Random,
) -> Result<Vec<u8>, Error> {
    let mut w = XmlOut::new();
    write_encrypted_key(&mut w, key_bytes, recipient, opts, rng, true)?;
    Ok(w.finish())
}

fn write_encrypted_key(
    w: &mut XmlOut,
    key: &[u8],
    recipient: &Certificate,
    opts: &EncryptOptions,
    rng: &dyn Random,
    standalone: bool,
) -> Result<(), Error> {
    let (digest, mgf1) = opts.key_transport.digests();
    let wrapped = recipient
        .public_key()
        .encrypt_oaep(digest, mgf1, key, &mut HostRng(rng))?;

    if standalone {
        w.start(
            "xenc:EncryptedKey",
            &[("xmlns:xenc", ns::XENC), ("xmlns:ds", ns::DS)],
        );
    } else {
        w.start("xenc:EncryptedKey", &[]);
    }
    w.start(
        "xenc:EncryptionMethod",
        &[("Algorithm", opts.key_transport.uri())],
    );
    w.empty("ds:DigestMethod", &[("Algorithm", digest_uri(digest))]);
    if opts.key_transport.uri() == uri::RSA_OAEP {
        let mgf = if mgf1 == DigestAlg::Sha1 {
            uri::MGF1_SHA1
        } else {
            uri::MGF1_SHA256
        };
        w.empty(
            "xenc11:MGF",
            &[("xmlns:xenc11", ns::XENC11), ("Algorithm", mgf)],
        );
    }
    w.end("xenc:EncryptionMethod");
    recipient_key_info(w, recipient, opts.key_info)?;
    cipher_data(w, &wrapped);
    w.end("xenc:EncryptedKey");
    Ok(())
}

fn recipient_key_info(
    w: &mut XmlOut,
    cert: &Certificate,
    how: RecipientKeyInfo,
) -> Result<(), Error> {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let ski = || {
        cert.subject_key_id()
            .ok_or(XencError::Recipient("subject key identifier"))
    };
    match how {
        RecipientKeyInfo::None => return Ok(()),
        RecipientKeyInfo::X509Certificate => {
            w.start("ds:KeyInfo", &[]);
            w.start("ds:X509Data", &[]);
            w.start("ds:X509Certificate", &[]);
            w.0.get_mut()
                .extend_from_slice(cert.der_base64().as_bytes());
            w.end("ds:X509Certificate");
            w.end("ds:X509Data");
        }
        RecipientKeyInfo::X509IssuerSerial => {
            w.start("ds:KeyInfo", &[]);
            w.start("ds:X509Data", &[]);
            w.start("ds:X509IssuerSerial", &[]);
            w.text_element("ds:X509IssuerName", &rfc4514_issuer(cert));
            w.text_element("ds:X509SerialNumber", &cert.serial_decimal());
            w.end("ds:X509IssuerSerial");
            w.end("ds:X509Data");
        }
        RecipientKeyInfo::X509Ski => {
            let ski = ski()?;
            w.start("ds:KeyInfo", &[]);
            w.start("ds:X509Data", &[]);
            w.base64_element("ds:X509SKI", ski);
            w.end("ds:X509Data");
        }
        RecipientKeyInfo::ThumbprintSha1 | RecipientKeyInfo::KeyIdentifierSki => {
            let (value_type, value) = if how == RecipientKeyInfo::ThumbprintSha1 {
                (uri::THUMBPRINT_SHA1, b64(&cert.sha1_thumbprint()))
            } else {
                (uri::X509_SKI, b64(ski()?))
            };
            w.start("ds:KeyInfo", &[]);
            w.start("wsse:SecurityTokenReference", &[("xmlns:wsse", ns::WSSE)]);
            w.start(
                "wsse:KeyIdentifier",
                &[
                    ("ValueType", value_type),
                    ("EncodingType", uri::BASE64_BINARY),
                ],
            );
            w.text(&value);
            w.end("wsse:KeyIdentifier");
            w.end("wsse:SecurityTokenReference");
        }
    }
    w.end("ds:KeyInfo");
    Ok(())
}

/// The issuer name in RFC 4514 order (most specific RDN first), as OpenSSL
/// and .NET write `X509IssuerName`.
fn rfc4514_issuer(cert: &Certificate) -> String {
    use x509_parser::prelude::FromDer;
    let Ok((_, parsed)) = x509_parser::certificate::X509Certificate::from_der(cert.der()) else {
        return cert.issuer().to_owned();
    };
    let registry = x509_parser::objects::oid_registry();
    let mut rdns = Vec::new();
    let all: Vec<_> = parsed.issuer().iter().collect();
    for rdn in all.into_iter().rev() {
        let mut parts = Vec::new();
        for atv in rdn.iter() {
            let key = x509_parser::objects::oid2abbrev(atv.attr_type(), registry)
                .map(str::to_owned)
                .unwrap_or_else(|_| atv.attr_type().to_id_string());
            let Ok(value) = atv.as_str() else {
                return cert.issuer().to_owned();
            };
            parts.push(format!("{key}={}", escape_dn_value(value)));
        }
        rdns.push(parts.join("+"));
    }
    rdns.join(",")
}

fn escape_dn_value(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for (i, c) in v.chars().enumerate() {
        let lead = i == 0 && (c == ' ' || c == '#');
        let trail = i + 1 == v.chars().count() && c == ' ';
        if lead || trail || matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn cipher_data(w: &mut XmlOut, bytes: &[u8]) {
    w.start("xenc:CipherData", &[]);
    w.base64_element("xenc:CipherValue", bytes);
    w.end("xenc:CipherData");
}

fn digest_uri(d: DigestAlg) -> &'static str {
    match d {
        DigestAlg::Sha1 => uri::SHA1,
        DigestAlg::Sha384 => uri::SHA384,
        DigestAlg::Sha512 => uri::SHA512,
        _ => uri::SHA256,
    }
}

/// IV || ciphertext || tag (GCM) or IV || ciphertext (CBC).
fn encrypt_data(
    alg: DataAlgorithm,
    key: &[u8],
    plaintext: &[u8],
    rng: &dyn Random,
) -> Result<Vec<u8>, Error> {
    use aes_gcm::aead::{AeadInPlace, KeyInit};
    match alg {
        DataAlgorithm::Aes256Gcm | DataAlgorithm::Aes128Gcm => {
            let mut out = Vec::with_capacity(12 + plaintext.len() + 16);
            let mut iv = [0u8; 12];
            rng.fill(&mut iv);
            out.extend_from_slice(&iv);
            out.extend_from_slice(plaintext);
            let nonce = aes_gcm::Nonce::from_slice(&iv);
            let tag = if alg == DataAlgorithm::Aes256Gcm {
                aes_gcm::Aes256Gcm::new_from_slice(key)
                    .map_err(|_| KeyError::Operation)?
                    .encrypt_in_place_detached(nonce, b"", &mut out[12..])
            } else {
                aes_gcm::Aes128Gcm::new_from_slice(key)
                    .map_err(|_| KeyError::Operation)?
                    .encrypt_in_place_detached(nonce, b"", &mut out[12..])
            }
            .map_err(|_| KeyError::Operation)?;
            out.extend_from_slice(&tag);
            Ok(out)
        }
        DataAlgorithm::Aes256Cbc | DataAlgorithm::Aes128Cbc => {
            use cbc::cipher::{block_padding::NoPadding, BlockEncryptMut, KeyIvInit};
            let mut iv = [0u8; 16];
            rng.fill(&mut iv);
            // XML-Enc padding: arbitrary bytes, the last one the pad length.
            let pad = 16 - plaintext.len() % 16;
            let mut out = Vec::with_capacity(16 + plaintext.len() + pad);
            out.extend_from_slice(&iv);
            out.extend_from_slice(plaintext);
            let mut padding = [0u8; 16];
            rng.fill(&mut padding[..pad - 1]);
            padding[pad - 1] = pad as u8;
            out.extend_from_slice(&padding[..pad]);
            let body = &mut out[16..];
            let len = body.len();
            let res = if alg == DataAlgorithm::Aes256Cbc {
                cbc::Encryptor::<aes::Aes256>::new_from_slices(key, &iv)
                    .map_err(|_| KeyError::Operation)?
                    .encrypt_padded_mut::<NoPadding>(body, len)
                    .map(|_| ())
            } else {
                cbc::Encryptor::<aes::Aes128>::new_from_slices(key, &iv)
                    .map_err(|_| KeyError::Operation)?
                    .encrypt_padded_mut::<NoPadding>(body, len)
                    .map(|_| ())
            };
            res.map_err(|_| KeyError::Operation)?;
            Ok(out)
        }
    }
}

/// Content of `node` as serialized XML: each child element in exclusive
/// canonical form (so each declares the namespaces it uses), text escaped as
/// c14n does, comments dropped, processing instructions kept.
fn content_c14n(node: Node<'_, '_>) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(node.range().len());
    for child in node.children() {
        match child.node_type() {
            NodeType::Element => c14n::canonicalize(child, &c14n::Options::exclusive(), &mut out)?,
            NodeType::Text => {
                for c in child.text().unwrap_or("").chars() {
                    match c {
                        '&' => out.extend_from_slice(b"&amp;"),
                        '<' => out.extend_from_slice(b"&lt;"),
                        '>' => out.extend_from_slice(b"&gt;"),
                        '\r' => out.extend_from_slice(b"&#xD;"),
                        c => {
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                    }
                }
            }
            NodeType::PI => {
                if let Some(pi) = child.pi() {
                    out.extend_from_slice(b"<?");
                    out.extend_from_slice(pi.target.as_bytes());
                    if let Some(v) = pi.value {
                        out.push(b' ');
                        out.extend_from_slice(v.as_bytes());
                    }
                    out.extend_from_slice(b"?>");
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Decryption
// ---------------------------------------------------------------------------

/// One decrypted element: the byte range of the input it replaces and the
/// plaintext XML to put there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decrypted {
    /// Range of the original text replaced: the `xenc:EncryptedData`, or the
    /// whole `saml2:EncryptedAssertion`.
    pub range: Range<usize>,
    /// The plaintext (an element for Type `Element`, element content for
    /// `Content`). It is well-formed in the context of `range`; plaintext
    /// produced by this crate also declares every namespace it uses.
    pub xml: String,
    /// Whether the plaintext is a single element (Type `Element`).
    pub is_element: bool,
}

/// Decrypt every `xenc:EncryptedData` (and `saml2:EncryptedAssertion`) of
/// `xml` and return the document with each replaced by its plaintext.
///
/// All or nothing: if any element cannot be decrypted the whole call fails
/// and no plaintext is returned. Decryption is one pass: encrypted data that
/// appears inside a plaintext is left encrypted. `rng` supplies the random
/// stand-in key used when key transport fails.
pub fn decrypt_document(
    xml: &str,
    resolver: &dyn KeyResolver,
    opts: &DecryptOptions,
    rng: &dyn Random,
    limits: &Limits,
) -> Result<String, Error> {
    let doc = xml::parse(xml, limits)?;
    let mut targets = Vec::new();
    for node in doc
        .descendants()
        .filter(|n| is(*n, ns::XENC, "EncryptedData"))
    {
        if targets.len() == MAX_ENCRYPTED_DATA {
            return Err(XencError::TooLarge("EncryptedData count").into());
        }
        targets.push(node);
    }
    if targets.is_empty() {
        return Err(XencError::Missing.into());
    }
    // The result is checked against `limits` without parsing it again: each
    // plaintext was parsed in its context with the depth left at its place
    // (so its elements nest within the document's depth limit), and the node
    // count is the document's with each replaced subtree swapped for its
    // plaintext's.
    let mut nodes = doc.descendants().count();
    let mut replacements = Vec::with_capacity(targets.len());
    let mut done = 0;
    for node in targets {
        let target = match node.parent_element() {
            Some(p) if is(p, ns::SAML2, "EncryptedAssertion") => p,
            _ => node,
        };
        let (d, plaintext_nodes) = decrypt_counted(target, resolver, opts, rng, limits)?;
        // Replaced ranges must not overlap: an EncryptedData deeper inside
        // an EncryptedAssertion would be replaced twice. (One inside an
        // EncryptedData or EncryptedKey is NestedEncryptedKey, above.)
        if target.range().start < done {
            return Err(
                XencError::Malformed("EncryptedData inside another encrypted element").into(),
            );
        }
        done = target.range().end;
        nodes = nodes.saturating_sub(target.descendants().count()) + plaintext_nodes;
        replacements.push((d.range, d.xml));
    }
    let out = match replacements.pop() {
        // The whole document was the one encrypted element.
        Some((range, text)) if replacements.is_empty() && range == (0..xml.len()) => text,
        Some(last) => {
            replacements.push(last);
            splice(xml, &replacements)
        }
        None => splice(xml, &replacements),
    };
    if out.len() > limits.max_bytes || nodes > limits.max_nodes as usize {
        return Err(XencError::DecryptionFailed.into());
    }
    Ok(out)
}

/// Decrypt one `xenc:EncryptedData` or `saml2:EncryptedAssertion` element of a
/// parsed document. The key comes from an `EncryptedKey` of the same parsed
/// document, unwrapped with the private key `resolver` returns for the
/// certificate (or `ds:KeyName`) it names. The `EncryptedKey` is the one in
/// the data's `ds:KeyInfo`, or a peer it points at (`ds:RetrievalMethod` of
/// Type [`uri::TYPE_ENCRYPTED_KEY`], `wsse:SecurityTokenReference/
/// wsse:Reference`, or a `ds:KeyName` equal to the peer's
/// `xenc:CarriedKeyName`); without a `KeyInfo`, a sibling in a
/// `saml2:EncryptedAssertion` or one whose `xenc:ReferenceList` names the
/// data. References are resolved with [`xml::find_by_id`] (duplicate IDs
/// fail). An `EncryptedKey` with a `ReferenceList` that does not name this
/// `EncryptedData` is refused, and chains (an `EncryptedKey` whose key is
/// itself encrypted) are [`XencError::NestedEncryptedKey`].
pub fn decrypt_element(
    node: Node<'_, '_>,
    resolver: &dyn KeyResolver,
    opts: &DecryptOptions,
    rng: &dyn Random,
    limits: &Limits,
) -> Result<Decrypted, Error> {
    decrypt_counted(node, resolver, opts, rng, limits).map(|(d, _)| d)
}

/// [`decrypt_element`], and how many nodes the plaintext adds in its place.
fn decrypt_counted(
    node: Node<'_, '_>,
    resolver: &dyn KeyResolver,
    opts: &DecryptOptions,
    rng: &dyn Random,
    limits: &Limits,
) -> Result<(Decrypted, usize), Error> {
    let (data_node, assertion) = if is(node, ns::SAML2, "EncryptedAssertion") {
        let mut datas = node
            .children()
            .filter(|c| is(*c, ns::XENC, "EncryptedData"));
        let d = datas
            .next()
            .ok_or(XmlError::MissingElement("xenc:EncryptedData"))?;
        if datas.next().is_some() {
            return Err(XencError::Malformed("two EncryptedData in EncryptedAssertion").into());
        }
        (d, true)
    } else if is(node, ns::XENC, "EncryptedData") {
        (node, false)
    } else {
        return Err(XmlError::UnexpectedElement(node.tag_name().name().to_owned()).into());
    };
    if node
        .ancestors()
        .skip(1)
        .any(|a| is(a, ns::XENC, "EncryptedData") || is(a, ns::XENC, "EncryptedKey"))
    {
        return Err(XencError::NestedEncryptedKey.into());
    }
    let is_element = match data_node.attribute("Type") {
        Some(uri::TYPE_ELEMENT) => true,
        Some(uri::TYPE_CONTENT) | None => false,
        Some(_) => return Err(XencError::Malformed("unsupported EncryptedData Type").into()),
    };
    if assertion && !is_element {
        return Err(XencError::Malformed("EncryptedAssertion content is not an element").into());
    }
    let alg = data_algorithm(data_node, opts)?;
    let candidates = key_candidates(data_node, node, assertion)?;
    let ciphertext = cipher_value(data_node, MAX_CIPHER_VALUE_CHARS)?;
    let mut chosen = None;
    for ek in candidates {
        check_encrypted_key_shape(ek)?;
        check_reference_list(ek, data_node)?;
        if chosen.is_none() {
            if let Some(key) = resolve(ek, resolver)? {
                chosen = Some((ek, key));
            }
        }
    }
    let (ek, private_key) = chosen.ok_or(XencError::NoMatchingKey)?;
    // Public-structure checks are done; from here on every failure is the
    // one DecryptionFailed, decided once at the end.
    let key = unwrap_key(ek, private_key.as_ref(), opts, Some(alg.key_len()), rng)?;
    let (mut plaintext, padding_ok) = decrypt_data(alg, key.as_bytes(), &ciphertext)?;
    // Parse whatever came out even when the padding was bad, so that a bad
    // pad and plaintext that is not well-formed take the same path and give
    // the same error (Jager and Somorovsky's XML-Enc attack uses either).
    let (checked, utf8_ok) = match std::str::from_utf8(&plaintext) {
        Ok(text) => (
            check_in_context(node, text, is_element, assertion, limits),
            1,
        ),
        Err(_) => {
            let text = String::from_utf8_lossy(&plaintext);
            (
                check_in_context(node, &text, is_element, assertion, limits),
                0,
            )
        }
    };
    let shape_ok = subtle::Choice::from(u8::from(checked.is_ok()));
    if !bool::from(padding_ok & subtle::Choice::from(utf8_ok) & shape_ok) {
        return Err(XencError::DecryptionFailed.into());
    }
    // Valid UTF-8 (checked above): the bytes become the text without a copy.
    let xml = String::from_utf8(std::mem::take(&mut *plaintext))
        .map_err(|_| XencError::DecryptionFailed)?;
    let decrypted = Decrypted {
        range: node.range(),
        xml,
        is_element,
    };
    Ok((decrypted, checked.unwrap_or(0)))
}

/// Unwrap a standalone `xenc:EncryptedKey` (a proof token, or a holder-of-key
/// key in a `ds:KeyInfo`). The key is whatever length was wrapped; failures
/// are [`XencError::DecryptionFailed`].
///
/// RSA PKCS#1 v1.5 key transport is refused here with
/// [`XencError::AlgorithmNotAllowed`] even when
/// [`DecryptOptions::dangerous_allow_rsa_pkcs1v15`] is set: a standalone key
/// has no known length, so a failed unwrap cannot be hidden behind a random
/// key of that length (implicit rejection) and would show at once, which is a
/// Bleichenbacher oracle. The algorithm is checked before any key is looked
/// up or used.
pub fn decrypt_key(
    node: Node<'_, '_>,
    resolver: &dyn KeyResolver,
    opts: &DecryptOptions,
) -> Result<SecretKey, Error> {
    if !is(node, ns::XENC, "EncryptedKey") {
        return Err(XmlError::MissingElement("xenc:EncryptedKey").into());
    }
    check_encrypted_key_shape(node)?;
    let opts = DecryptOptions {
        dangerous_allow_rsa_pkcs1v15: false,
        ..opts.clone()
    };
    key_transport(node, &opts)?;
    let key = resolve(node, resolver)?.ok_or(XencError::NoMatchingKey)?;
    unwrap_key(node, key.as_ref(), &opts, None, &NoRandom)
}

/// Never called: `unwrap_key` draws randomness only when a length is expected.
#[derive(Debug)]
struct NoRandom;
impl Random for NoRandom {
    fn fill(&self, buf: &mut [u8]) {
        buf.fill(0);
    }
}

fn data_algorithm(data: Node<'_, '_>, opts: &DecryptOptions) -> Result<DataAlgorithm, Error> {
    let method = child(data, ns::XENC, "EncryptionMethod")?
        .ok_or(XmlError::MissingElement("xenc:EncryptionMethod"))?;
    let uri = method
        .attribute("Algorithm")
        .ok_or(XmlError::MissingAttribute("Algorithm"))?;
    let alg = DataAlgorithm::from_uri(uri)
        .ok_or_else(|| XencError::AlgorithmNotAllowed(uri.to_owned()))?;
    if alg.is_cbc() && !opts.allow_cbc {
        return Err(XencError::AlgorithmNotAllowed(uri.to_owned()).into());
    }
    Ok(alg)
}

/// The `EncryptedKey`s that may hold the data key, in document order. Each
/// is found in the one parsed tree (never by a second parse):
/// * in the `EncryptedData`'s `ds:KeyInfo`: inline, through a
///   `ds:RetrievalMethod` of Type `xmlenc#EncryptedKey` or a
///   `wsse:SecurityTokenReference/wsse:Reference` to a peer `EncryptedKey`
///   by ID ([`xml::find_by_id`]: duplicate IDs are refused), or by a
///   `ds:KeyName` matching a peer's `xenc:CarriedKeyName`;
/// * without any of these: a sibling `EncryptedKey` in a
///   `saml2:EncryptedAssertion`, else the `EncryptedKey`s whose
///   `xenc:ReferenceList` names this `EncryptedData` (the WS-Security
///   header layout).
fn key_candidates<'a, 'input>(
    data: Node<'a, 'input>,
    outer: Node<'a, 'input>,
    assertion: bool,
) -> Result<Vec<Node<'a, 'input>>, Error> {
    let mut out = Vec::new();
    let push = |out: &mut Vec<Node<'a, 'input>>, n| {
        if out.len() == MAX_ENCRYPTED_KEYS {
            return Err(Error::from(XencError::TooLarge("EncryptedKey count")));
        }
        out.push(n);
        Ok(())
    };
    let doc = data.document();
    let peer = |id: Option<&str>, what: &'static str| -> Result<Node<'a, 'input>, Error> {
        let target = id
            .and_then(|u| u.strip_prefix('#'))
            .filter(|t| !t.is_empty())
            .ok_or(XencError::Malformed(what))?;
        let ek = xml::find_by_id(doc, target)?;
        if !is(ek, ns::XENC, "EncryptedKey") {
            return Err(XencError::Malformed(what).into());
        }
        Ok(ek)
    };
    if let Some(ki) = child(data, ns::DS, "KeyInfo")? {
        // Each entry may scan the document: bound them.
        if ki.children().filter(Node::is_element).count() > MAX_KEY_REFERENCES {
            return Err(XencError::TooLarge("key references").into());
        }
        for c in ki.children().filter(Node::is_element) {
            if is(c, ns::XENC, "EncryptedKey") {
                push(&mut out, c)?;
            } else if is(c, ns::DS, "RetrievalMethod") {
                if c.attribute("Type") != Some(uri::TYPE_ENCRYPTED_KEY) {
                    return Err(XencError::Malformed("RetrievalMethod Type").into());
                }
                if c.children().any(|t| t.is_element()) {
                    return Err(XencError::Malformed("RetrievalMethod Transforms").into());
                }
                push(&mut out, peer(c.attribute("URI"), "RetrievalMethod URI")?)?;
            } else if is(c, ns::WSSE, "SecurityTokenReference") {
                for r in c.children().filter(|r| is(*r, ns::WSSE, "Reference")) {
                    push(&mut out, peer(r.attribute("URI"), "Reference URI")?)?;
                }
            } else if is(c, ns::DS, "KeyName") {
                let name = xml::whole_text(c);
                let name = name.trim();
                for ek in doc
                    .descendants()
                    .filter(|n| is(*n, ns::XENC, "EncryptedKey"))
                {
                    let carried = child(ek, ns::XENC, "CarriedKeyName")?;
                    if carried.is_some_and(|k| xml::whole_text(k).trim() == name) {
                        push(&mut out, ek)?;
                    }
                }
            }
        }
    }
    if out.is_empty() && assertion {
        for c in outer
            .children()
            .filter(|c| is(*c, ns::XENC, "EncryptedKey"))
        {
            push(&mut out, c)?;
        }
    }
    if out.is_empty() {
        if let Some(id) = data_id(data) {
            for ek in doc
                .descendants()
                .filter(|n| is(*n, ns::XENC, "EncryptedKey"))
            {
                if reference_list(ek)?.contains(&id) {
                    push(&mut out, ek)?;
                }
            }
        }
    }
    if out.is_empty() {
        return Err(XencError::NoMatchingKey.into());
    }
    Ok(out)
}

/// The `Id` of an `EncryptedData` (its schema attribute; `wsu:Id` as
/// WS-Security writes it also counts).
fn data_id<'a>(data: Node<'a, '_>) -> Option<&'a str> {
    data.attribute("Id")
        .or_else(|| data.attribute((ns::WSU, "Id")))
}

/// The IDs an `EncryptedKey`'s `xenc:ReferenceList` names with
/// `xenc:DataReference` (empty without a list). A `xenc:KeyReference` (this
/// key encrypts other keys) is a chain and is refused.
fn reference_list<'a>(ek: Node<'a, '_>) -> Result<Vec<&'a str>, Error> {
    let Some(list) = child(ek, ns::XENC, "ReferenceList")? else {
        return Ok(Vec::new());
    };
    let mut ids = Vec::new();
    for r in list.children().filter(Node::is_element) {
        if is(r, ns::XENC, "KeyReference") {
            return Err(XencError::NestedEncryptedKey.into());
        }
        if !is(r, ns::XENC, "DataReference") {
            return Err(XencError::Malformed("ReferenceList entry").into());
        }
        if ids.len() == MAX_ENCRYPTED_DATA {
            return Err(XencError::TooLarge("DataReference count").into());
        }
        let id = r
            .attribute("URI")
            .and_then(|u| u.strip_prefix('#'))
            .filter(|t| !t.is_empty())
            .ok_or(XencError::Malformed("DataReference URI"))?;
        ids.push(id);
    }
    Ok(ids)
}

/// An `EncryptedKey` that lists what it encrypts must list `data`: a key
/// meant for one element is not used for another. The ID must name `data`
/// alone in the document ([`xml::find_by_id`]: a duplicate fails).
fn check_reference_list(ek: Node<'_, '_>, data: Node<'_, '_>) -> Result<(), Error> {
    let ids = reference_list(ek)?;
    if ids.is_empty() {
        return Ok(());
    }
    match data_id(data) {
        Some(id) if ids.contains(&id) && xml::find_by_id(data.document(), id)? == data => Ok(()),
        _ => Err(XencError::Malformed("DataReference does not name this EncryptedData").into()),
    }
}

/// Refuse recursion: an `EncryptedKey` may not hold encrypted keys or data,
/// nor point at them, nor sit inside another `EncryptedKey`.
fn check_encrypted_key_shape(ek: Node<'_, '_>) -> Result<(), Error> {
    for d in ek.descendants().skip(1) {
        if is(d, ns::XENC, "EncryptedKey")
            || is(d, ns::XENC, "EncryptedData")
            || is(d, ns::DS, "RetrievalMethod")
        {
            return Err(XencError::NestedEncryptedKey.into());
        }
    }
    if ek
        .ancestors()
        .skip(1)
        .any(|a| is(a, ns::XENC, "EncryptedKey"))
    {
        return Err(XencError::NestedEncryptedKey.into());
    }
    Ok(())
}

/// The private key for the first reference in the `EncryptedKey`'s
/// `ds:KeyInfo` that the resolver knows.
fn resolve(
    ek: Node<'_, '_>,
    resolver: &dyn KeyResolver,
) -> Result<Option<Arc<dyn PrivateKey>>, Error> {
    for r in key_references(ek)? {
        if let Some(k) = resolver.private_key(&r) {
            return Ok(Some(k));
        }
    }
    Ok(None)
}

/// The key references an `EncryptedKey`'s `ds:KeyInfo` names.
pub fn key_references(encrypted_key: Node<'_, '_>) -> Result<Vec<KeyReference>, Error> {
    let Some(ki) = child(encrypted_key, ns::DS, "KeyInfo")? else {
        return Ok(vec![KeyReference::Unnamed]);
    };
    let mut out = Vec::new();
    let mut push = |r| {
        if out.len() == MAX_KEY_REFERENCES {
            return Err(Error::from(XencError::TooLarge("key references")));
        }
        out.push(r);
        Ok(())
    };
    for c in ki.children().filter(Node::is_element) {
        if is(c, ns::DS, "X509Data") {
            x509_data_refs(c, &mut push)?;
        } else if is(c, ns::WSSE, "SecurityTokenReference") {
            for s in c.children().filter(Node::is_element) {
                if is(s, ns::WSSE, "KeyIdentifier") {
                    let value = b64(s, "wsse:KeyIdentifier", 256)?;
                    match s.attribute("ValueType") {
                        Some(uri::THUMBPRINT_SHA1) => {
                            let t: [u8; 20] = value
                                .as_slice()
                                .try_into()
                                .map_err(|_| XmlError::InvalidValue("ThumbprintSHA1"))?;
                            push(KeyReference::ThumbprintSha1(t))?;
                        }
                        Some(uri::X509_SKI) => push(KeyReference::SubjectKeyId(value))?,
                        _ => {}
                    }
                } else if is(s, ns::DS, "X509Data") {
                    x509_data_refs(s, &mut push)?;
                }
            }
        } else if is(c, ns::DS, "KeyName") {
            push(KeyReference::KeyName(xml::whole_text(c).trim().to_owned()))?;
        }
    }
    Ok(out)
}

fn x509_data_refs(
    data: Node<'_, '_>,
    push: &mut dyn FnMut(KeyReference) -> Result<(), Error>,
) -> Result<(), Error> {
    for c in data.children().filter(Node::is_element) {
        if is(c, ns::DS, "X509Certificate") {
            push(KeyReference::Certificate(b64(
                c,
                "ds:X509Certificate",
                64 * 1024,
            )?))?;
        } else if is(c, ns::DS, "X509SKI") {
            push(KeyReference::SubjectKeyId(b64(c, "ds:X509SKI", 256)?))?;
        } else if is(c, ns::DS, "X509IssuerSerial") {
            let name = child(c, ns::DS, "X509IssuerName")?
                .ok_or(XmlError::MissingElement("ds:X509IssuerName"))?;
            let serial = child(c, ns::DS, "X509SerialNumber")?
                .ok_or(XmlError::MissingElement("ds:X509SerialNumber"))?;
            push(KeyReference::IssuerSerial {
                issuer: xml::whole_text(name).trim().to_owned(),
                serial: xml::whole_text(serial).trim().to_owned(),
            })?;
        }
    }
    Ok(())
}

/// The key transport padding an `EncryptedKey` asks for, from the closed list.
fn key_transport(ek: Node<'_, '_>, opts: &DecryptOptions) -> Result<RsaDecryptPadding, Error> {
    let method = child(ek, ns::XENC, "EncryptionMethod")?
        .ok_or(XmlError::MissingElement("xenc:EncryptionMethod"))?;
    let alg = method
        .attribute("Algorithm")
        .ok_or(XmlError::MissingAttribute("Algorithm"))?;
    let not_allowed = |u: &str| Error::from(XencError::AlgorithmNotAllowed(u.to_owned()));
    if child(method, ns::XENC, "OAEPparams")?.is_some_and(|p| !xml::whole_text(p).trim().is_empty())
    {
        return Err(XencError::Malformed("OAEPparams").into());
    }
    let digest = match child(method, ns::DS, "DigestMethod")? {
        None => DigestAlg::Sha1,
        Some(d) => {
            let u = d
                .attribute("Algorithm")
                .ok_or(XmlError::MissingAttribute("Algorithm"))?;
            match u {
                uri::SHA1 => DigestAlg::Sha1,
                uri::SHA256 => DigestAlg::Sha256,
                uri::SHA384 => DigestAlg::Sha384,
                uri::SHA512 => DigestAlg::Sha512,
                other => return Err(not_allowed(other)),
            }
        }
    };
    match alg {
        uri::RSA_OAEP_MGF1P => {
            if child(method, ns::XENC11, "MGF")?.is_some() {
                return Err(XencError::Malformed("MGF with rsa-oaep-mgf1p").into());
            }
            Ok(RsaDecryptPadding::Oaep {
                digest,
                mgf1: DigestAlg::Sha1,
            })
        }
        uri::RSA_OAEP => {
            let mgf1 = match child(method, ns::XENC11, "MGF")? {
                None => DigestAlg::Sha1,
                Some(m) => {
                    let u = m
                        .attribute("Algorithm")
                        .ok_or(XmlError::MissingAttribute("Algorithm"))?;
                    match u {
                        uri::MGF1_SHA1 => DigestAlg::Sha1,
                        uri::MGF1_SHA256 => DigestAlg::Sha256,
                        uri::MGF1_SHA384 => DigestAlg::Sha384,
                        uri::MGF1_SHA512 => DigestAlg::Sha512,
                        other => return Err(not_allowed(other)),
                    }
                }
            };
            Ok(RsaDecryptPadding::Oaep { digest, mgf1 })
        }
        uri::RSA_1_5 if opts.dangerous_allow_rsa_pkcs1v15 => Ok(RsaDecryptPadding::Pkcs1v15),
        other => Err(not_allowed(other)),
    }
}

/// RSA-unwrap the key in `ek`. With `expected_len`, a failed unwrap (or a
/// key of the wrong length) silently becomes a random key of that length, so
/// the failure surfaces only when the data does not decrypt.
fn unwrap_key(
    ek: Node<'_, '_>,
    key: &dyn PrivateKey,
    opts: &DecryptOptions,
    expected_len: Option<usize>,
    rng: &dyn Random,
) -> Result<SecretKey, Error> {
    let padding = key_transport(ek, opts)?;
    let wrapped = cipher_value(ek, MAX_KEY_CIPHER_VALUE_CHARS)?;
    let mut fallback = Zeroizing::new(vec![0u8; expected_len.unwrap_or(0)]);
    if expected_len.is_some() {
        rng.fill(&mut fallback);
    }
    let unwrapped = match key.decrypt(padding, &wrapped) {
        Ok(k) => Some(k),
        // Decided by the algorithm, not by the ciphertext: no oracle.
        Err(KeyError::UnsupportedAlgorithm(what)) => {
            return Err(XencError::UnsupportedByBackend(what).into())
        }
        Err(_) => None,
    };
    let Some(len) = expected_len else {
        return unwrapped
            .map(|k| SecretKey::new(k.to_vec()))
            .ok_or_else(|| XencError::DecryptionFailed.into());
    };
    let ok = subtle::Choice::from(u8::from(unwrapped.is_some()))
        & unwrapped.as_ref().map_or(0usize, |k| k.len()).ct_eq(&len);
    let got = unwrapped.unwrap_or_else(|| Zeroizing::new(Vec::new()));
    let mut out = Zeroizing::new(vec![0u8; len]);
    for (i, o) in out.iter_mut().enumerate() {
        let g = got.get(i).copied().unwrap_or(0);
        *o = u8::conditional_select(&fallback[i], &g, ok);
    }
    Ok(SecretKey(out))
}

/// Decrypt `data` (IV || ciphertext [|| tag]). Errors only on what is public
/// (lengths) or on a GCM tag mismatch; a CBC plaintext comes back with a
/// [`subtle::Choice`] saying whether its padding was valid, for the caller to
/// combine with its other checks.
fn decrypt_data(
    alg: DataAlgorithm,
    key: &[u8],
    data: &[u8],
) -> Result<(Zeroizing<Vec<u8>>, subtle::Choice), Error> {
    use aes_gcm::aead::{AeadInPlace, KeyInit};
    let fail = || Error::from(XencError::DecryptionFailed);
    match alg {
        DataAlgorithm::Aes256Gcm | DataAlgorithm::Aes128Gcm => {
            if data.len() < 12 + 16 {
                return Err(fail());
            }
            let (iv, rest) = data.split_at(12);
            let (body, tag) = rest.split_at(rest.len() - 16);
            let mut buf = Zeroizing::new(body.to_vec());
            let nonce = aes_gcm::Nonce::from_slice(iv);
            let tag = aes_gcm::Tag::from_slice(tag);
            let res = if alg == DataAlgorithm::Aes256Gcm {
                aes_gcm::Aes256Gcm::new_from_slice(key)
                    .map_err(|_| fail())?
                    .decrypt_in_place_detached(nonce, b"", &mut buf, tag)
            } else {
                aes_gcm::Aes128Gcm::new_from_slice(key)
                    .map_err(|_| fail())?
                    .decrypt_in_place_detached(nonce, b"", &mut buf, tag)
            };
            res.map_err(|_| fail())?;
            Ok((buf, subtle::Choice::from(1)))
        }
        DataAlgorithm::Aes256Cbc | DataAlgorithm::Aes128Cbc => {
            use cbc::cipher::{block_padding::NoPadding, BlockDecryptMut, KeyIvInit};
            if data.len() < 32 || data.len() % 16 != 0 {
                return Err(fail());
            }
            let (iv, body) = data.split_at(16);
            let mut buf = Zeroizing::new(body.to_vec());
            let res = if alg == DataAlgorithm::Aes256Cbc {
                cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
                    .map_err(|_| fail())?
                    .decrypt_padded_mut::<NoPadding>(&mut buf)
                    .map(|_| ())
            } else {
                cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
                    .map_err(|_| fail())?
                    .decrypt_padded_mut::<NoPadding>(&mut buf)
                    .map(|_| ())
            };
            res.map_err(|_| fail())?;
            // XML-Enc padding: any bytes, the last one the length (1..=16).
            // Checked without a branch on the pad byte: a bad pad strips one
            // block and is reported with the parse result, by the caller.
            let pad = buf.last().copied().unwrap_or(0);
            let valid = cbc_pad_valid(pad);
            let strip = u8::conditional_select(&16, &pad, valid);
            let len = buf.len() - usize::from(strip);
            buf.truncate(len);
            Ok((buf, valid))
        }
    }
}

/// Whether `pad`, the last byte of a CBC plaintext, is a valid XML-Enc pad
/// length (1..=16), computed without branching on it.
fn cbc_pad_valid(pad: u8) -> subtle::Choice {
    // pad - 1 in 0..=15 (pad 0 wraps to 255).
    (pad.wrapping_sub(1) >> 4).ct_eq(&0)
}

/// Parse `text` where `node` is (under its parent, with the parent's
/// namespaces in scope) and check it has the promised shape. Any problem is
/// `DecryptionFailed`: with CBC, a distinguishable parse error would be an
/// oracle.
/// Parse `text` where `node` stands (in an element declaring the namespaces
/// in scope there, with the depth left at that place) and check its shape.
/// Returns the number of nodes it adds to the document.
fn check_in_context(
    node: Node<'_, '_>,
    text: &str,
    is_element: bool,
    assertion: bool,
    limits: &Limits,
) -> Result<usize, Error> {
    let fail = || Error::from(XencError::DecryptionFailed);
    // `node` sits at depth `above + 1`; the wrapper puts the plaintext at 2.
    let above = node.ancestors().skip(1).filter(Node::is_element).count();
    let limits = Limits {
        max_depth: (usize::from(limits.max_depth) + 1)
            .saturating_sub(above)
            .try_into()
            .unwrap_or(u16::MAX),
        ..limits.clone()
    };
    // `<w` + the namespaces in scope at `node` + `>` + text + `</w>`.
    let mut wrapped = Vec::with_capacity(text.len() + 512);
    wrapped.extend_from_slice(b"<w");
    for n in node.parent_element().iter().flat_map(|p| p.namespaces()) {
        match n.name() {
            Some("xml") => continue,
            Some(prefix) => {
                wrapped.extend_from_slice(b" xmlns:");
                wrapped.extend_from_slice(prefix.as_bytes());
            }
            None => wrapped.extend_from_slice(b" xmlns"),
        }
        wrapped.extend_from_slice(b"=\"");
        c14n::escape_attr(n.uri(), &mut wrapped);
        wrapped.push(b'"');
    }
    wrapped.push(b'>');
    wrapped.extend_from_slice(text.as_bytes());
    wrapped.extend_from_slice(b"</w>");
    let wrapped = String::from_utf8(wrapped).map_err(|_| fail())?;
    let doc = xml::parse(&wrapped, &limits).map_err(|_| fail())?;
    let root = doc.root_element();
    if is_element {
        let mut elements = 0;
        for c in root.children() {
            match c.node_type() {
                NodeType::Element => elements += 1,
                NodeType::Text if c.text().unwrap_or("").trim().is_empty() => {}
                _ => return Err(fail()),
            }
        }
        if elements != 1 {
            return Err(fail());
        }
        if assertion {
            let el = root.first_element_child().ok_or_else(fail)?;
            if !is(el, ns::SAML2, "Assertion") {
                return Err(fail());
            }
        }
    }
    // The document node and the wrapper are not part of the plaintext.
    Ok(doc.descendants().count().saturating_sub(2))
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

/// [`Random`] as the `rand_core` RNG the `rsa` crate wants.
struct HostRng<'a>(&'a dyn Random);

impl rand::RngCore for HostRng<'_> {
    fn next_u32(&mut self) -> u32 {
        let mut b = [0u8; 4];
        self.0.fill(&mut b);
        u32::from_le_bytes(b)
    }
    fn next_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.0.fill(&mut b);
        u64::from_le_bytes(b)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        self.0.fill(dest);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
        self.0.fill(dest);
        Ok(())
    }
}

impl rand::CryptoRng for HostRng<'_> {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::keys::AwsLcRsaKey;
    use crate::memory::{MemoryKeyResolver, OsRandom};

    const RP_CERT: &[u8] = include_bytes!("../tests/data/xenc/rp.pem");
    const RP_KEY: &[u8] = include_bytes!("../tests/data/xenc/rp.key");
    const OTHER_CERT: &[u8] = include_bytes!("../tests/data/xenc/other.pem");
    const OTHER_KEY: &[u8] = include_bytes!("../tests/data/xenc/other.key");

    const SAML2: &str = r#"<r xmlns:x="urn:x"><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0"><saml2:Issuer>sts &amp; co</saml2:Issuer><x:y/></saml2:Assertion></r>"#;
    const SAML2_PLAIN: &str = r#"<r xmlns:x="urn:x"><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a" Version="2.0"><saml2:Issuer>sts &amp; co</saml2:Issuer><x:y xmlns:x="urn:x"></x:y></saml2:Assertion></r>"#;

    fn rp() -> Certificate {
        Certificate::from_pem(RP_CERT).unwrap()
    }

    fn keys() -> MemoryKeyResolver {
        let mut k = MemoryKeyResolver::new();
        k.add(rp(), Arc::new(AwsLcRsaKey::from_pem(RP_KEY).unwrap()))
            .unwrap();
        k
    }

    /// A resolver that hands out one key whatever is asked.
    #[derive(Debug)]
    struct AnyKey(Arc<dyn PrivateKey>);
    impl KeyResolver for AnyKey {
        fn private_key(&self, _: &KeyReference) -> Option<Arc<dyn PrivateKey>> {
            Some(self.0.clone())
        }
    }

    fn cbc_ok() -> DecryptOptions {
        DecryptOptions {
            allow_cbc: true,
            ..Default::default()
        }
    }

    fn dec(xml: &str, opts: &DecryptOptions) -> Result<String, Error> {
        decrypt_document(xml, &keys(), opts, &OsRandom, &Limits::default())
    }

    fn enc(xml: &str, id: Option<&str>, opts: &EncryptOptions) -> String {
        encrypt_element(xml, id, &rp(), opts, &OsRandom, &Limits::default()).unwrap()
    }

    /// An `EncryptedData` nested deeper inside an `EncryptedAssertion` (its
    /// range inside the assertion's) is refused, not replaced twice (which
    /// sliced overlapping ranges and panicked), whichever comes first.
    #[test]
    fn encrypted_data_inside_an_encrypted_assertion_is_refused() {
        let sealed = enc(SAML2, Some("_a"), &Default::default());
        let start = sealed.find("<xenc:EncryptedData").unwrap();
        let end = sealed.find("</xenc:EncryptedData>").unwrap() + "</xenc:EncryptedData>".len();
        let data = &sealed[start..end];
        let close = sealed.find("</saml2:EncryptedAssertion>").unwrap();
        let after = format!("{}<x>{data}</x>{}", &sealed[..close], &sealed[close..]);
        let before = format!("{}<x>{data}</x>{}", &sealed[..start], &sealed[start..]);
        for doc in [after, before] {
            assert!(matches!(
                dec(&doc, &Default::default()),
                Err(Error::Xenc(XencError::Malformed(_)))
            ));
        }
    }

    /// The decrypted document is held to the limits without a second parse:
    /// it must be accepted exactly when parsing the plaintext document under
    /// the same limits succeeds (depth counted from where the data sat, nodes
    /// of the whole result).
    #[test]
    fn decrypted_document_meets_limits_exactly_like_its_plaintext() {
        let mut checked = 0;
        for depth in 1..10 {
            for siblings in [0, 30] {
                let inner = "<x>".repeat(depth - 1) + &"</x>".repeat(depth - 1);
                let padding = "<s/>".repeat(siblings);
                // More nodes encrypted than the EncryptedData has.
                let many = "<y/>".repeat(25);
                let plain = format!(
                    r#"<a><b>{padding}<c><p Id="t" xmlns:q="urn:q"><q:i/>{many}{inner}</p></c></b></a>"#
                );
                let sealed = enc(&plain, Some("t"), &Default::default());
                let expected = decrypt_document(
                    &sealed,
                    &keys(),
                    &Default::default(),
                    &OsRandom,
                    &Limits::default(),
                )
                .unwrap();
                for max_depth in 8..16 {
                    for max_nodes in [40, 50, 60, 70, 80, 100_000] {
                        let limits = Limits {
                            max_depth,
                            max_nodes,
                            ..Limits::default()
                        };
                        if xml::parse(&sealed, &limits).is_err() {
                            continue;
                        }
                        let got = decrypt_document(
                            &sealed,
                            &keys(),
                            &Default::default(),
                            &OsRandom,
                            &limits,
                        );
                        let want = xml::parse(&expected, &limits);
                        assert_eq!(
                            got.is_ok(),
                            want.is_ok(),
                            "depth {depth}, siblings {siblings}, max_depth {max_depth}, max_nodes {max_nodes}: {got:?}"
                        );
                        if let Ok(out) = got {
                            assert_eq!(out, expected);
                        } else {
                            assert!(matches!(got, Err(Error::Xenc(XencError::DecryptionFailed))));
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 100, "{checked}");
    }

    fn failed(r: Result<String, Error>) {
        match r {
            Err(Error::Xenc(XencError::DecryptionFailed)) => {}
            other => panic!("expected DecryptionFailed, got {other:?}"),
        }
    }

    #[test]
    fn every_algorithm_pair_round_trips() {
        for data in DataAlgorithm::ALL {
            for kt in [KeyTransport::RsaOaepMgf1p, KeyTransport::RsaOaepSha256] {
                let opts = EncryptOptions {
                    data,
                    key_transport: kt,
                    ..Default::default()
                };
                let sealed = enc(SAML2, Some("_a"), &opts);
                assert!(sealed.contains(data.uri()), "{sealed}");
                assert!(sealed.contains(kt.uri()));
                assert!(!sealed.contains("sts &amp; co"));
                assert_eq!(
                    dec(&sealed, &cbc_ok()).unwrap(),
                    SAML2_PLAIN,
                    "{data:?}/{kt:?}"
                );
            }
        }
    }

    #[test]
    fn mixed_oaep_digests_are_written_but_refused_by_the_default_backend() {
        let opts = EncryptOptions {
            key_transport: KeyTransport::RsaOaepSha256Mgf1Sha1,
            ..Default::default()
        };
        let sealed = enc(SAML2, Some("_a"), &opts);
        assert!(sealed.contains(uri::MGF1_SHA1));
        assert!(matches!(
            dec(&sealed, &Default::default()),
            Err(Error::Xenc(XencError::UnsupportedByBackend(_)))
        ));
    }

    #[test]
    fn every_key_info_form_resolves() {
        for ki in [
            RecipientKeyInfo::X509Certificate,
            RecipientKeyInfo::X509IssuerSerial,
            RecipientKeyInfo::X509Ski,
            RecipientKeyInfo::ThumbprintSha1,
            RecipientKeyInfo::KeyIdentifierSki,
            RecipientKeyInfo::None,
        ] {
            let opts = EncryptOptions {
                key_info: ki,
                ..Default::default()
            };
            let sealed = enc(SAML2, Some("_a"), &opts);
            assert_eq!(
                dec(&sealed, &Default::default()).unwrap(),
                SAML2_PLAIN,
                "{ki:?}"
            );
        }
        let sealed = enc(
            SAML2,
            Some("_a"),
            &EncryptOptions {
                key_info: RecipientKeyInfo::X509IssuerSerial,
                ..Default::default()
            },
        );
        assert!(
            sealed.contains(
                "<ds:X509IssuerName>CN=rp.example,O=wstrust test,C=US</ds:X509IssuerName>"
            ),
            "{sealed}"
        );
    }

    #[test]
    fn saml11_assertion_is_bare_encrypted_data_and_content_mode_works() {
        let saml1 = r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="_b" MajorVersion="1" MinorVersion="1"><saml:Conditions/></saml:Assertion>"#;
        let sealed = enc(saml1, None, &Default::default());
        assert!(sealed.starts_with("<xenc:EncryptedData"), "{sealed}");
        assert!(sealed.contains(uri::TYPE_ELEMENT));
        assert_eq!(
            dec(&sealed, &Default::default()).unwrap(),
            r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="_b" MajorVersion="1" MinorVersion="1"><saml:Conditions></saml:Conditions></saml:Assertion>"#
        );

        let doc = r#"<p:r xmlns:p="urn:p"><p:s Id="s">a &lt; b<p:t/>c</p:s></p:r>"#;
        let sealed = encrypt_content(
            doc,
            Some("s"),
            &rp(),
            &Default::default(),
            &OsRandom,
            &Limits::default(),
        )
        .unwrap();
        assert!(sealed.starts_with(r#"<p:r xmlns:p="urn:p"><p:s Id="s"><xenc:EncryptedData"#));
        assert!(sealed.contains(uri::TYPE_CONTENT));
        assert_eq!(
            dec(&sealed, &Default::default()).unwrap(),
            r#"<p:r xmlns:p="urn:p"><p:s Id="s">a &lt; b<p:t xmlns:p="urn:p"></p:t>c</p:s></p:r>"#
        );
    }

    #[test]
    fn saml2_without_wrap_and_sibling_encrypted_key() {
        let opts = EncryptOptions {
            wrap_saml2: false,
            ..Default::default()
        };
        let sealed = enc(SAML2, Some("_a"), &opts);
        assert!(!sealed.contains("EncryptedAssertion"));
        assert_eq!(dec(&sealed, &Default::default()).unwrap(), SAML2_PLAIN);

        // EncryptedKey as a sibling inside EncryptedAssertion (Shibboleth
        // style), found without a KeyInfo reference.
        let sealed = enc(SAML2, Some("_a"), &Default::default());
        let start = sealed.find("<xenc:EncryptedKey>").unwrap();
        let end = sealed.find("</xenc:EncryptedKey>").unwrap() + "</xenc:EncryptedKey>".len();
        let ek = sealed[start..end].replace(
            "<xenc:EncryptedKey>",
            r#"<xenc:EncryptedKey xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">"#,
        );
        let mut moved = format!("{}{}", &sealed[..start], &sealed[end..]);
        moved = moved.replace("<ds:KeyInfo></ds:KeyInfo>", "");
        let at = moved.find("</saml2:EncryptedAssertion>").unwrap();
        moved.insert_str(at, &ek);
        assert_eq!(dec(&moved, &Default::default()).unwrap(), SAML2_PLAIN);
    }

    #[test]
    fn proof_key_round_trip() {
        let key = [9u8; 32];
        let ek = encrypt_key(&key, &rp(), &Default::default(), &OsRandom).unwrap();
        let text = String::from_utf8(ek).unwrap();
        let doc = xml::parse(&text, &Limits::default()).unwrap();
        let got = decrypt_key(doc.root_element(), &keys(), &Default::default()).unwrap();
        assert!(got.ct_eq(&key));
        assert!(!format!("{got:?}").contains('9'));
        // Altered: one uniform failure.
        let bad = text.replacen("<xenc:CipherValue>", "<xenc:CipherValue>AAAA", 1);
        let doc = xml::parse(&bad, &Limits::default()).unwrap();
        assert!(matches!(
            decrypt_key(doc.root_element(), &keys(), &Default::default()),
            Err(Error::Xenc(XencError::DecryptionFailed))
        ));
    }

    /// The base64 CipherValue of the EncryptedData (the last one).
    fn data_cipher(sealed: &str) -> (usize, usize) {
        let start = sealed.rfind("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
        let end = sealed.rfind("</xenc:CipherValue>").unwrap();
        (start, end)
    }

    fn with_data_bytes(sealed: &str, f: impl FnOnce(&mut Vec<u8>)) -> String {
        let (s, e) = data_cipher(sealed);
        let b64e = base64::engine::general_purpose::STANDARD;
        let mut bytes = b64e.decode(&sealed[s..e]).unwrap();
        f(&mut bytes);
        format!("{}{}{}", &sealed[..s], b64e.encode(bytes), &sealed[e..])
    }

    #[test]
    fn altered_truncated_and_tag_mismatch_fail_alike() {
        for data in DataAlgorithm::ALL {
            let opts = EncryptOptions {
                data,
                ..Default::default()
            };
            let sealed = enc(SAML2, Some("_a"), &opts);
            failed(
                // Byte 20 lies in the first block: for CBC the flip garbles
                // the element name, never well-formed.
                dec(&with_data_bytes(&sealed, |b| b[20] ^= 1), &cbc_ok()),
            );
            failed(dec(
                &with_data_bytes(&sealed, |b| b.truncate(b.len() - 1)),
                &cbc_ok(),
            ));
            failed(dec(
                &with_data_bytes(&sealed, |b| b.truncate(10)),
                &cbc_ok(),
            ));
            failed(dec(&with_data_bytes(&sealed, |b| b.clear()), &cbc_ok()));
            if !data.is_cbc() {
                // GCM tag mismatch.
                failed(dec(
                    &with_data_bytes(&sealed, |b| *b.last_mut().unwrap() ^= 0x80),
                    &cbc_ok(),
                ));
            }
        }
    }

    #[test]
    fn wrong_key_and_bad_oaep_fail_like_bad_data() {
        let sealed = enc(SAML2, Some("_a"), &Default::default());
        let other = AnyKey(Arc::new(AwsLcRsaKey::from_pem(OTHER_KEY).unwrap()));
        let r = decrypt_document(
            &sealed,
            &other,
            &Default::default(),
            &OsRandom,
            &Limits::default(),
        );
        assert!(
            matches!(r, Err(Error::Xenc(XencError::DecryptionFailed))),
            "{r:?}"
        );
        // Corrupt the RSA ciphertext (the first CipherValue).
        let s = sealed.find("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
        let mut bad = sealed.clone();
        bad.replace_range(s..s + 4, "AAAA");
        failed(dec(&bad, &Default::default()));
        // A wrapped key of the wrong length (16 bytes for AES-256) fails the
        // same way.
        let short = encrypt_key(&[1u8; 16], &rp(), &Default::default(), &OsRandom).unwrap();
        let short = String::from_utf8(short).unwrap();
        let ek_start = sealed.find("<xenc:EncryptedKey>").unwrap();
        let ek_end = sealed.find("</xenc:EncryptedKey>").unwrap() + "</xenc:EncryptedKey>".len();
        let swapped = format!("{}{}{}", &sealed[..ek_start], short, &sealed[ek_end..]);
        failed(dec(&swapped, &Default::default()));
    }

    #[test]
    fn other_recipient_is_no_matching_key() {
        let other = Certificate::from_pem(OTHER_CERT).unwrap();
        for ki in [
            RecipientKeyInfo::X509Certificate,
            RecipientKeyInfo::ThumbprintSha1,
            RecipientKeyInfo::X509IssuerSerial,
        ] {
            let opts = EncryptOptions {
                key_info: ki,
                ..Default::default()
            };
            let sealed = encrypt_element(
                SAML2,
                Some("_a"),
                &other,
                &opts,
                &OsRandom,
                &Limits::default(),
            )
            .unwrap();
            assert!(matches!(
                dec(&sealed, &Default::default()),
                Err(Error::Xenc(XencError::NoMatchingKey))
            ));
        }
    }

    /// An EncryptedData around raw `plaintext` with a key wrapped by hand.
    fn raw_sealed(alg: DataAlgorithm, ciphertext: &[u8], key: &[u8]) -> String {
        let mut w = XmlOut::new();
        w.start(
            "xenc:EncryptedData",
            &[
                ("xmlns:xenc", ns::XENC),
                ("xmlns:ds", ns::DS),
                ("Type", uri::TYPE_ELEMENT),
            ],
        );
        w.empty("xenc:EncryptionMethod", &[("Algorithm", alg.uri())]);
        w.start("ds:KeyInfo", &[]);
        write_encrypted_key(&mut w, key, &rp(), &Default::default(), &OsRandom, false).unwrap();
        w.end("ds:KeyInfo");
        cipher_data(&mut w, ciphertext);
        w.end("xenc:EncryptedData");
        String::from_utf8(w.finish()).unwrap()
    }

    fn raw_cbc(plain_padded: &[u8], key: &[u8; 32]) -> Vec<u8> {
        use cbc::cipher::{block_padding::NoPadding, BlockEncryptMut, KeyIvInit};
        let iv = [3u8; 16];
        let mut buf = plain_padded.to_vec();
        let len = buf.len();
        cbc::Encryptor::<aes::Aes256>::new_from_slices(key, &iv)
            .unwrap()
            .encrypt_padded_mut::<NoPadding>(&mut buf, len)
            .unwrap();
        let mut out = iv.to_vec();
        out.extend_from_slice(&buf);
        out
    }

    #[test]
    fn cbc_padding_is_checked_by_its_last_byte_only() {
        let key = [5u8; 32];
        let body = b"<a>0123456789</a>"; // 17 bytes
        let mut padded = body.to_vec();
        padded.extend_from_slice(&[0xEE; 14]);
        padded.push(15);
        let ok = raw_sealed(DataAlgorithm::Aes256Cbc, &raw_cbc(&padded, &key), &key);
        assert_eq!(dec(&ok, &cbc_ok()).unwrap(), "<a>0123456789</a>");
        // Off by default.
        assert!(matches!(
            dec(&ok, &Default::default()),
            Err(Error::Xenc(XencError::AlgorithmNotAllowed(_)))
        ));
        for last in [0u8, 17, 255] {
            *padded.last_mut().unwrap() = last;
            let bad = raw_sealed(DataAlgorithm::Aes256Cbc, &raw_cbc(&padded, &key), &key);
            failed(dec(&bad, &cbc_ok()));
        }
        // Padding that leaves malformed XML fails the same way (no parsing
        // oracle).
        *padded.last_mut().unwrap() = 16;
        let bad = raw_sealed(DataAlgorithm::Aes256Cbc, &raw_cbc(&padded, &key), &key);
        failed(dec(&bad, &cbc_ok()));
    }

    #[test]
    fn cbc_pad_check_accepts_exactly_one_to_sixteen() {
        for pad in 0..=255u8 {
            assert_eq!(
                bool::from(cbc_pad_valid(pad)),
                (1..=16).contains(&pad),
                "{pad}"
            );
        }
        // A bad pad still yields a plaintext (one block stripped) and a
        // false choice, never an early error.
        let key = [4u8; 32];
        let mut padded = b"<a>0123456789</a>".to_vec();
        padded.extend_from_slice(&[0u8; 15]);
        let (plain, ok) =
            decrypt_data(DataAlgorithm::Aes256Cbc, &key, &raw_cbc(&padded, &key)).unwrap();
        assert!(!bool::from(ok));
        assert_eq!(plain.len(), 16);
    }

    #[test]
    fn plaintext_must_have_the_promised_shape() {
        let key = [6u8; 32];
        let seal = |plain: &[u8]| {
            let ct = encrypt_data(DataAlgorithm::Aes256Gcm, &key, plain, &OsRandom).unwrap();
            raw_sealed(DataAlgorithm::Aes256Gcm, &ct, &key)
        };
        assert_eq!(dec(&seal(b"<a/>"), &Default::default()).unwrap(), "<a/>");
        failed(dec(&seal(b"<a>"), &Default::default()));
        failed(dec(&seal(b"<a/><b/>"), &Default::default()));
        failed(dec(&seal(b"text"), &Default::default()));
        failed(dec(&seal(b"<a/>\xff"), &Default::default()));
        failed(dec(&seal(b"<!DOCTYPE a><a/>"), &Default::default()));
        failed(dec(&seal(b"<u:a/>"), &Default::default()));
    }

    #[test]
    fn disallowed_and_unknown_algorithms_are_typed() {
        let sealed = enc(SAML2, Some("_a"), &Default::default());
        for (from, to) in [
            (
                uri::AES256_GCM,
                "http://www.w3.org/2001/04/xmlenc#tripledes-cbc",
            ),
            (
                uri::AES256_GCM,
                "http://www.w3.org/2009/xmlenc11#aes192-gcm",
            ),
            (uri::RSA_OAEP_MGF1P, uri::RSA_1_5),
            (
                uri::RSA_OAEP_MGF1P,
                "http://www.w3.org/2001/04/xmlenc#kw-aes256",
            ),
            (uri::SHA1, "http://www.w3.org/2001/04/xmldsig-more#md5"),
        ] {
            let bad = sealed.replacen(from, to, 1);
            match dec(&bad, &Default::default()) {
                Err(Error::Xenc(XencError::AlgorithmNotAllowed(u))) => assert_eq!(u, to),
                other => panic!("{to}: {other:?}"),
            }
        }
        let bad = sealed.replacen(
            "</xenc:EncryptionMethod>",
            "<xenc:OAEPparams>AAAA</xenc:OAEPparams></xenc:EncryptionMethod>",
            1,
        );
        assert!(matches!(
            dec(&bad, &Default::default()),
            Err(Error::Xenc(XencError::Malformed(_)))
        ));
    }

    #[test]
    fn rsa_pkcs1v15_only_when_dangerously_enabled() {
        let key = [8u8; 32];
        let ct = encrypt_data(DataAlgorithm::Aes256Gcm, &key, b"<ok/>", &OsRandom).unwrap();
        let sealed = raw_sealed(DataAlgorithm::Aes256Gcm, &ct, &key);
        let wrapped = rp()
            .public_key()
            .rsa()
            .encrypt(&mut HostRng(&OsRandom), rsa::Pkcs1v15Encrypt, &key)
            .unwrap();
        let s = sealed.find("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
        let e = sealed.find("</xenc:CipherValue>").unwrap();
        let mut v15 = sealed.clone();
        v15.replace_range(
            s..e,
            &base64::engine::general_purpose::STANDARD.encode(wrapped),
        );
        let v15 = v15.replacen(uri::RSA_OAEP_MGF1P, uri::RSA_1_5, 1).replacen(
            r#"<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>"#,
            "",
            1,
        );
        assert!(matches!(
            dec(&v15, &Default::default()),
            Err(Error::Xenc(XencError::AlgorithmNotAllowed(_)))
        ));
        let dangerous = DecryptOptions {
            dangerous_allow_rsa_pkcs1v15: true,
            ..Default::default()
        };
        assert_eq!(dec(&v15, &dangerous).unwrap(), "<ok/>");
        // The same valid v1.5 EncryptedKey on its own (a proof key): refused
        // even with the option, since a standalone key has no length to fall
        // back to and a failed unwrap would show (Bleichenbacher oracle).
        let start = v15.find("<xenc:EncryptedKey").unwrap();
        let end = v15.find("</xenc:EncryptedKey>").unwrap() + "</xenc:EncryptedKey>".len();
        let ek = v15[start..end].replacen(
            "<xenc:EncryptedKey",
            r#"<xenc:EncryptedKey xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#""#,
            1,
        );
        let doc = xml::parse(&ek, &Limits::default()).unwrap();
        for opts in [&dangerous, &Default::default()] {
            match decrypt_key(doc.root_element(), &keys(), opts) {
                Err(Error::Xenc(XencError::AlgorithmNotAllowed(u))) => assert_eq!(u, uri::RSA_1_5),
                other => panic!("{other:?}"),
            }
        }
        // The same EncryptedKey with OAEP does unwrap: the refusal is the
        // algorithm's, not the fixture's.
        let oaep = encrypt_key(&key, &rp(), &Default::default(), &OsRandom).unwrap();
        let oaep = String::from_utf8(oaep).unwrap();
        let doc = xml::parse(&oaep, &Limits::default()).unwrap();
        assert!(decrypt_key(doc.root_element(), &keys(), &dangerous)
            .unwrap()
            .ct_eq(&key));
    }

    #[test]
    fn nested_encrypted_keys_are_refused() {
        let sealed = enc(SAML2, Some("_a"), &Default::default());
        let inner = String::from_utf8(
            encrypt_key(&[1u8; 32], &rp(), &Default::default(), &OsRandom).unwrap(),
        )
        .unwrap();
        // An EncryptedKey inside the EncryptedKey's KeyInfo.
        let nested = sealed.replacen("<ds:X509Data>", &format!("{inner}<ds:X509Data>"), 1);
        assert!(matches!(
            dec(&nested, &Default::default()),
            Err(Error::Xenc(XencError::NestedEncryptedKey))
        ));
        // A RetrievalMethod pointing at itself.
        let selfref = sealed
            .replacen("<xenc:EncryptedKey>", r#"<xenc:EncryptedKey Id="k">"#, 1)
            .replacen(
                "<ds:X509Data>",
                r##"<ds:RetrievalMethod Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey" URI="#k"/><ds:X509Data>"##,
                1,
            );
        assert!(matches!(
            dec(&selfref, &Default::default()),
            Err(Error::Xenc(XencError::NestedEncryptedKey))
        ));
        // EncryptedData inside another's KeyInfo.
        let data = enc("<z/>", None, &Default::default());
        let mut nested = sealed.clone();
        nested.insert_str(sealed.rfind("</ds:KeyInfo>").unwrap(), &data);
        assert!(
            matches!(
                dec(&nested, &Default::default()),
                Err(Error::Xenc(XencError::NestedEncryptedKey))
            ),
            "{nested}"
        );
    }

    #[test]
    fn sizes_and_counts_are_bounded() {
        let sealed = enc(SAML2, Some("_a"), &Default::default());
        let (s, _) = data_cipher(&sealed);
        let mut big = sealed.clone();
        big.insert_str(s, &"A".repeat(MAX_CIPHER_VALUE_CHARS + 4));
        assert!(matches!(
            dec(&big, &Default::default()),
            Err(Error::Xenc(XencError::TooLarge(_)))
        ));
        let s = sealed.find("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
        let mut big = sealed.clone();
        big.insert_str(s, &"A".repeat(MAX_KEY_CIPHER_VALUE_CHARS));
        assert!(matches!(
            dec(&big, &Default::default()),
            Err(Error::Xenc(XencError::TooLarge(_)))
        ));
        let one = enc("<z/>", None, &Default::default());
        let many = format!("<r>{}</r>", one.repeat(MAX_ENCRYPTED_DATA + 1));
        assert!(matches!(
            dec(&many, &Default::default()),
            Err(Error::Xenc(XencError::TooLarge(_)))
        ));
        let fine = format!("<r>{}</r>", one.repeat(3));
        assert_eq!(
            dec(&fine, &Default::default()).unwrap(),
            "<r><z></z><z></z><z></z></r>"
        );
        assert!(matches!(
            dec("<r/>", &Default::default()),
            Err(Error::Xenc(XencError::Missing))
        ));
    }

    #[test]
    fn all_decryption_failures_print_the_same() {
        let a = Error::from(XencError::DecryptionFailed).to_string();
        assert_eq!(a, "encryption: decryption failed");
    }
}
