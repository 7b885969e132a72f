//! Encryption: elements, element content and bytes become `xenc:EncryptedData`.

use super::algorithms::{uri, DataAlgorithm};
use super::key::write_encrypted_key;
use super::{cipher_data, is, splice, EncryptOptions, XmlOut};
use crate::error::{Error, KeyError, XmlError};
use crate::host::Random;
use crate::keys::Certificate;
use crate::limits::Limits;
use crate::xml::{self, c14n, ns};
use roxmltree::{Document, Node, NodeType};
use zeroize::Zeroizing;

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
    let node = target(&doc, element_id)?;
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
    let node = target(&doc, element_id)?;
    let Some(first) = node.first_child() else {
        return Err(XmlError::MissingElement("content to encrypt").into());
    };
    let last = node.last_child().unwrap_or(first);
    let plaintext = Zeroizing::new(content_c14n(node)?);
    let sealed = encrypt_bytes(&plaintext, uri::TYPE_CONTENT, recipient, opts, rng)?;
    let range = first.range().start..last.range().end;
    Ok(splice(xml, &[(range, String::from_utf8_lossy(&sealed))]))
}

/// The element whose ID is `element_id`, or the document element if `None`.
fn target<'a, 'input>(
    doc: &'a Document<'input>,
    element_id: Option<&str>,
) -> Result<Node<'a, 'input>, Error> {
    match element_id {
        Some(id) => xml::find_by_id(doc, id),
        None => Ok(doc.root_element()),
    }
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

/// IV || ciphertext || tag (GCM) or IV || ciphertext (CBC).
pub(super) fn encrypt_data(
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
