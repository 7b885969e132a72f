//! Decryption: `xenc:EncryptedData` back to plaintext, checked in its context.

use super::algorithms::{data_algorithm, uri, DataAlgorithm};
use super::key::{
    check_encrypted_key_shape, check_reference_list, key_candidates, resolve, unwrap_key,
};
use super::{cipher_value, is, splice, DecryptOptions, MAX_CIPHER_VALUE_CHARS, MAX_ENCRYPTED_DATA};
use crate::error::{Error, XencError, XmlError};
use crate::host::{KeyResolver, Random};
use crate::limits::Limits;
use crate::xml::{self, c14n, ns};
use roxmltree::{Node, NodeType};
use std::ops::Range;
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

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

/// Decrypt `data` (IV || ciphertext [|| tag]). Errors only on what is public
/// (lengths) or on a GCM tag mismatch; a CBC plaintext comes back with a
/// [`subtle::Choice`] saying whether its padding was valid, for the caller to
/// combine with its other checks.
pub(super) fn decrypt_data(
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
pub(super) fn cbc_pad_valid(pad: u8) -> subtle::Choice {
    // pad - 1 in 0..=15 (pad 0 wraps to 255).
    (pad.wrapping_sub(1) >> 4).ct_eq(&0)
}

/// Parse `text` where `node` stands (in an element declaring the namespaces
/// in scope there, with the depth left at that place) and check it has the
/// promised shape. Returns the number of nodes it adds to the document. Any
/// problem is `DecryptionFailed`: with CBC, a distinguishable parse error
/// would be an oracle.
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
