//! Key transport: RSA-OAEP wrap and unwrap of keys in `xenc:EncryptedKey`, the
//! recipient's `KeyInfo`, and which `EncryptedKey` holds the key of an `EncryptedData`.

use super::algorithms::{digest_uri, key_transport, uri};
use super::{b64, child, cipher_data, cipher_value, is, DecryptOptions, EncryptOptions, XmlOut};
use super::{
    MAX_ENCRYPTED_DATA, MAX_ENCRYPTED_KEYS, MAX_KEY_CIPHER_VALUE_CHARS, MAX_KEY_REFERENCES,
};
use crate::error::{Error, KeyError, XencError, XmlError};
use crate::host::{KeyReference, KeyResolver, Random};
use crate::keys::{Certificate, DigestAlg, PrivateKey};
use crate::xml::{self, ns};
use base64::Engine as _;
use roxmltree::Node;
use std::fmt;
use std::sync::Arc;
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

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

/// A standalone `xenc:EncryptedKey` wrapping `key_bytes` for `recipient`:
/// a holder-of-key key for a `ds:KeyInfo` in a subject confirmation, or a
/// WS-Trust `RequestedProofToken`. Namespaces are declared on the element.
///
/// ```
/// use std::sync::Arc;
/// use wstrust::{keys::{AwsLcRsaKey, Certificate}, memory::{MemoryKeyResolver, OsRandom}};
/// use wstrust::{xenc, xml, Limits};
/// # fn main() -> Result<(), wstrust::Error> {
/// let cert = Certificate::from_pem(include_bytes!("../../tests/data/xenc/rp.pem"))?;
/// let proof_key = [7u8; 32];
/// let ek = xenc::encrypt_key(&proof_key, &cert, &Default::default(), &OsRandom)?;
///
/// let mut keys = MemoryKeyResolver::new();
/// keys.add(cert, Arc::new(AwsLcRsaKey::from_pem(include_bytes!("../../tests/data/xenc/rp.key"))?))?;
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

pub(super) fn write_encrypted_key(
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
pub(super) fn key_candidates<'a, 'input>(
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
pub(super) fn check_reference_list(ek: Node<'_, '_>, data: Node<'_, '_>) -> Result<(), Error> {
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
pub(super) fn check_encrypted_key_shape(ek: Node<'_, '_>) -> Result<(), Error> {
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
pub(super) fn resolve(
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

/// RSA-unwrap the key in `ek`. With `expected_len`, a failed unwrap (or a
/// key of the wrong length) silently becomes a random key of that length, so
/// the failure surfaces only when the data does not decrypt.
pub(super) fn unwrap_key(
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

/// [`Random`] as the `rand_core` RNG the `rsa` crate wants.
pub(super) struct HostRng<'a>(pub(super) &'a dyn Random);

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
