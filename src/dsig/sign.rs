//! Signing: SignedInfo is written directly in its exclusive-canonical form and
//! the `ds:Signature` is spliced into the original text at a node boundary, so
//! nothing is re-parsed and the rest of the document stays byte-identical.

use super::{DigestAlgorithm, SignatureAlgorithm, ENVELOPED_SIGNATURE};
use super::{MIN_HMAC_KEY_LEN, SIG_NS};
use crate::error::{DsigError, Error, KeyError, Limit, XmlError};
use crate::keys::{Certificate, PrivateKey};
use crate::xml::{self, c14n, ns};
use crate::Limits;
use base64::Engine as _;
use roxmltree::{Document, Node};
use std::fmt;

/// The key that signs.
#[derive(Clone, Copy)]
pub enum SigningKey<'a> {
    /// An RSA private key (aws-lc-rs by default, or an HSM/KMS behind the
    /// [`PrivateKey`] trait) for the RSA algorithms.
    Rsa(&'a dyn PrivateKey),
    /// A symmetric key (at least [`MIN_HMAC_KEY_LEN`](super::MIN_HMAC_KEY_LEN)
    /// bytes) for the HMAC algorithms.
    Hmac(&'a [u8]),
}

impl fmt::Debug for SigningKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa(k) => f.debug_tuple("Rsa").field(k).finish(),
            Self::Hmac(_) => f.write_str("Hmac(<redacted>)"),
        }
    }
}

/// What goes into `ds:KeyInfo`.
#[derive(Debug, Clone, Copy, Default)]
pub enum KeyInfo<'a> {
    /// `ds:X509Data/ds:X509Certificate` with this certificate, which must
    /// carry the signing key's public key.
    X509Certificate(&'a Certificate),
    /// `ds:KeyValue/ds:RSAKeyValue` with the signing key's public key.
    RsaKeyValue,
    /// No `ds:KeyInfo` at all (the verifier knows the key).
    #[default]
    None,
    /// Caller-supplied markup placed inside `ds:KeyInfo`, for example a
    /// `wsse:SecurityTokenReference`. It must be one well-formed UTF-8 element
    /// that declares every namespace prefix it uses; use prefixed names (an
    /// unprefixed element would inherit the document's default namespace at
    /// the insertion point). It is checked for well-formedness, not trusted.
    Raw(&'a [u8]),
}

/// How to sign.
///
/// # Defaults
/// | field | default |
/// |---|---|
/// | `algorithm` | [`SignatureAlgorithm::RsaSha256`] |
/// | `digest` | [`DigestAlgorithm::Sha256`] |
/// | `key_info` | [`KeyInfo::None`] |
/// | `inclusive_prefixes` | none |
/// | `signature_id` | none |
#[derive(Debug, Clone, Copy, Default)]
pub struct SignOptions<'a> {
    /// The signature algorithm; must suit the [`SigningKey`].
    pub algorithm: SignatureAlgorithm,
    /// The reference digest algorithm.
    pub digest: DigestAlgorithm,
    /// What to put in `ds:KeyInfo`.
    pub key_info: KeyInfo<'a>,
    /// `InclusiveNamespaces PrefixList` of each reference's exclusive C14N
    /// transform (for example `["xs"]` when attribute values use QNames).
    pub inclusive_prefixes: &'a [&'a str],
    /// An `Id` attribute for the `ds:Signature` element.
    pub signature_id: Option<&'a str>,
}

/// Sign the element whose ID is `element_id` (the root element if `None`)
/// with an enveloped signature and return the signed document.
///
/// The reference is `#ID` with the enveloped-signature and exclusive C14N
/// transforms; SignedInfo is canonicalized with exclusive C14N. The
/// `ds:Signature` is placed where the element's schema wants it:
///
/// | element | position |
/// |---|---|
/// | SAML 2.0 `Assertion`, SAML 2.0 protocol messages | right after `saml:Issuer` (first child if there is none) |
/// | SAML 1.x protocol messages | first child |
/// | SAML 1.1 `Assertion` and anything else | last child |
///
/// Every byte outside the inserted element stays as it was (a self-closing
/// element is opened to hold the signature). The element must carry an ID
/// attribute ([`xml::id_of`]) and must not already have a `ds:Signature` child.
///
/// See the [module example](super).
pub fn sign_enveloped(
    xml: &str,
    element_id: Option<&str>,
    key: SigningKey<'_>,
    opts: &SignOptions<'_>,
    limits: &Limits,
) -> Result<String, Error> {
    let doc = xml::parse(xml, limits)?;
    // Reference the element by the ID the caller named (an element may carry
    // several ID-like attributes), or the root by its own ID.
    let (element, id) = match element_id {
        Some(id) => (xml::find_by_id(&doc, id)?, id),
        None => {
            let root = doc.root_element();
            (
                root,
                xml::id_of(root).ok_or(XmlError::MissingAttribute("ID"))?,
            )
        }
    };
    if element
        .children()
        .any(|c| c.has_tag_name((SIG_NS, "Signature")))
    {
        return Err(DsigError::Malformed("element already has a ds:Signature child").into());
    }
    check_key(key, opts)?;

    // The enveloped-signature transform removes exactly what we insert, so the
    // digest is over the element as it is now.
    let digest = digest_of(element, opts, None)?;
    let refs = [RefSpec {
        id,
        enveloped: true,
        digest: opts.digest.digest(&digest),
    }];
    let signature = build_signature(&refs, key, opts)?;
    let signature = std::str::from_utf8(&signature).map_err(|_| XmlError::NotUtf8)?;
    Ok(splice(xml, element, signature))
}

/// [`sign_enveloped`] for an element this crate wrote itself in exclusive
/// canonical form (see `soap::Out::canonical`), with no `ds:Signature` yet
/// and no inclusive prefixes: its bytes are digested as they are, without a
/// parse and a C14N pass, and the signature goes in at byte `insert_at`.
/// Debug builds check the form against a parse and C14N.
pub(crate) fn sign_canonical(
    canonical: &str,
    id: &str,
    insert_at: usize,
    key: SigningKey<'_>,
    opts: &SignOptions<'_>,
) -> Result<String, Error> {
    if !opts.inclusive_prefixes.is_empty() || !canonical.is_char_boundary(insert_at) {
        return Err(DsigError::Malformed("not a canonical element to sign").into());
    }
    #[cfg(debug_assertions)]
    {
        let doc = xml::parse(canonical, &Limits::default())?;
        let c = c14n::to_vec(doc.root_element(), &reference_c14n(opts, None))?;
        debug_assert_eq!(
            std::str::from_utf8(&c).ok(),
            Some(canonical),
            "not in exclusive canonical form"
        );
        debug_assert_eq!(xml::id_of(doc.root_element()), Some(id));
    }
    check_key(key, opts)?;
    let refs = [RefSpec {
        id,
        enveloped: true,
        digest: opts.digest.digest(canonical.as_bytes()),
    }];
    let signature = build_signature(&refs, key, opts)?;
    let signature = std::str::from_utf8(&signature).map_err(|_| XmlError::NotUtf8)?;
    let mut out = String::with_capacity(canonical.len() + signature.len());
    out.push_str(&canonical[..insert_at]);
    out.push_str(signature);
    out.push_str(&canonical[insert_at..]);
    Ok(out)
}

/// Build a standalone `ds:Signature` over the elements of `doc` with the
/// given IDs (exclusive C14N transform, no enveloped-signature transform),
/// for the caller to place in a `wsse:Security` header.
///
/// SignedInfo uses exclusive C14N, so the signature verifies wherever it is
/// placed, provided it is not placed inside one of the signed elements.
///
/// ```
/// use wstrust::dsig::{self, SignOptions, SigningKey, SignatureAlgorithm, Trust};
/// use wstrust::{xml, Limits};
/// # fn main() -> Result<(), wstrust::Error> {
/// let proof_key = [7u8; 32];
/// let env = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><s:Header><u:Timestamp u:Id="_0"><u:Created>2026-01-01T00:00:00Z</u:Created></u:Timestamp></s:Header><s:Body u:Id="_1"><x/></s:Body></s:Envelope>"#;
/// let limits = Limits::default();
/// let doc = xml::parse(env, &limits)?;
/// let opts = SignOptions { algorithm: SignatureAlgorithm::HmacSha256, ..Default::default() };
/// let sig = dsig::sign_detached(&doc, &["_0", "_1"], SigningKey::Hmac(&proof_key), &opts, &limits)?;
/// let sig = String::from_utf8(sig).unwrap();
/// assert!(sig.starts_with("<ds:Signature"));
///
/// // The host places it in the header; here we just append it to the Header.
/// let placed = env.replace("</s:Header>", &format!("{sig}</s:Header>"));
/// let doc = xml::parse(&placed, &limits)?;
/// let node = dsig::signatures(&doc).next().unwrap();
/// let verified = dsig::verify(&doc, node, &Trust::hmac(&proof_key), &limits)?;
/// assert_eq!(verified.references().len(), 2);
/// # Ok(()) }
/// ```
pub fn sign_detached(
    doc: &Document<'_>,
    ids: &[&str],
    key: SigningKey<'_>,
    opts: &SignOptions<'_>,
    limits: &Limits,
) -> Result<Vec<u8>, Error> {
    if ids.is_empty() {
        return Err(DsigError::Malformed("no references to sign").into());
    }
    if ids.len() > usize::from(limits.max_references) {
        return Err(Limit::References.into());
    }
    check_key(key, opts)?;
    let mut refs = Vec::with_capacity(ids.len());
    let mut buf = Vec::new();
    for (i, &id) in ids.iter().enumerate() {
        if ids[..i].contains(&id) {
            return Err(DsigError::Malformed("duplicate reference").into());
        }
        let node = xml::find_by_id(doc, id)?;
        buf.clear();
        c14n::canonicalize(node, &reference_c14n(opts, None), &mut buf)?;
        refs.push(RefSpec {
            id,
            enveloped: false,
            digest: opts.digest.digest(&buf),
        });
    }
    build_signature(&refs, key, opts)
}

/// The exclusive C14N options of a reference.
fn reference_c14n<'a>(
    opts: &'a SignOptions<'a>,
    exclude: Option<roxmltree::NodeId>,
) -> c14n::Options<'a> {
    c14n::Options {
        algorithm: c14n::Algorithm::Exclusive,
        inclusive_prefixes: opts.inclusive_prefixes,
        exclude,
    }
}

fn digest_of(
    element: Node<'_, '_>,
    opts: &SignOptions<'_>,
    exclude: Option<roxmltree::NodeId>,
) -> Result<Vec<u8>, Error> {
    let mut buf = Vec::with_capacity(element.range().len() + 256);
    c14n::canonicalize(element, &reference_c14n(opts, exclude), &mut buf)?;
    Ok(buf)
}

/// Refuse a key that does not fit the algorithm or the KeyInfo.
fn check_key(key: SigningKey<'_>, opts: &SignOptions<'_>) -> Result<(), Error> {
    match key {
        SigningKey::Rsa(k) => {
            if opts.algorithm.is_hmac() {
                return Err(DsigError::KeyMismatch("an HMAC algorithm with an RSA key").into());
            }
            if let KeyInfo::X509Certificate(cert) = opts.key_info {
                if cert.public_key() != k.public_key() {
                    return Err(DsigError::KeyMismatch(
                        "the certificate does not carry the signing key",
                    )
                    .into());
                }
            }
        }
        SigningKey::Hmac(k) => {
            if !opts.algorithm.is_hmac() {
                return Err(DsigError::KeyMismatch("an RSA algorithm with an HMAC key").into());
            }
            if k.len() < MIN_HMAC_KEY_LEN {
                return Err(KeyError::Weak("HMAC key shorter than 16 bytes").into());
            }
            if matches!(
                opts.key_info,
                KeyInfo::X509Certificate(_) | KeyInfo::RsaKeyValue
            ) {
                return Err(DsigError::KeyMismatch("an RSA KeyInfo with an HMAC key").into());
            }
        }
    }
    for p in opts.inclusive_prefixes {
        let ok = *p == "#default"
            || (!p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
                && !p.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.'));
        if !ok {
            return Err(XmlError::InvalidValue("InclusiveNamespaces prefix").into());
        }
    }
    Ok(())
}

/// One reference to write.
struct RefSpec<'s> {
    id: &'s str,
    enveloped: bool,
    digest: Vec<u8>,
}

/// A writer of canonical markup: element names are `'static` (ours), every
/// value is escaped on the way out, attributes are given in canonical order.
struct W<'o> {
    out: &'o mut Vec<u8>,
}

impl W<'_> {
    fn open(&mut self, name: &'static str, attrs: &[(&'static str, &str)]) {
        c14n::start_tag(name, attrs, self.out);
        self.out.push(b'>');
    }

    fn close(&mut self, name: &'static str) {
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'>');
    }

    fn leaf(&mut self, name: &'static str, attrs: &[(&'static str, &str)]) {
        self.open(name, attrs);
        self.close(name);
    }

    /// An element holding base64 text (nothing in its alphabet is escaped).
    fn base64_elem(&mut self, name: &'static str, text: &str) {
        self.open(name, &[]);
        self.out.extend_from_slice(text.as_bytes());
        self.close(name);
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The children of SignedInfo, in canonical form.
fn signed_info_body(refs: &[RefSpec<'_>], opts: &SignOptions<'_>, out: &mut Vec<u8>) {
    let mut w = W { out };
    w.leaf(
        "ds:CanonicalizationMethod",
        &[("Algorithm", c14n::Algorithm::Exclusive.uri())],
    );
    w.leaf("ds:SignatureMethod", &[("Algorithm", opts.algorithm.uri())]);
    let prefixes = opts.inclusive_prefixes.join(" ");
    for r in refs {
        let mut uri = String::with_capacity(r.id.len() + 1);
        uri.push('#');
        uri.push_str(r.id);
        w.open("ds:Reference", &[("URI", &uri)]);
        w.open("ds:Transforms", &[]);
        if r.enveloped {
            w.leaf("ds:Transform", &[("Algorithm", ENVELOPED_SIGNATURE)]);
        }
        w.open(
            "ds:Transform",
            &[("Algorithm", c14n::Algorithm::Exclusive.uri())],
        );
        if !prefixes.is_empty() {
            w.leaf(
                "ec:InclusiveNamespaces",
                &[("xmlns:ec", ns::EXC_C14N), ("PrefixList", &prefixes)],
            );
        }
        w.close("ds:Transform");
        w.close("ds:Transforms");
        w.leaf("ds:DigestMethod", &[("Algorithm", opts.digest.uri())]);
        w.base64_elem("ds:DigestValue", &b64(&r.digest));
        w.close("ds:Reference");
    }
}

/// Write the whole `ds:Signature` element.
fn build_signature(
    refs: &[RefSpec<'_>],
    key: SigningKey<'_>,
    opts: &SignOptions<'_>,
) -> Result<Vec<u8>, Error> {
    let mut body = Vec::with_capacity(1024);
    signed_info_body(refs, opts, &mut body);

    // The canonical SignedInfo: exclusive C14N renders xmlns:ds on the apex
    // only; everything below is already canonical.
    let mut canonical = Vec::with_capacity(body.len() + 96);
    canonical.extend_from_slice(b"<ds:SignedInfo xmlns:ds=\"");
    canonical.extend_from_slice(SIG_NS.as_bytes());
    canonical.extend_from_slice(b"\">");
    canonical.extend_from_slice(&body);
    canonical.extend_from_slice(b"</ds:SignedInfo>");

    let value = match key {
        SigningKey::Rsa(k) => k.sign_pkcs1(opts.algorithm.hash().alg(), &canonical)?,
        SigningKey::Hmac(k) => hmac(opts.algorithm, k, &canonical)?,
    };

    let mut out = Vec::with_capacity(canonical.len() + 2048);
    let mut w = W { out: &mut out };
    match opts.signature_id {
        Some(id) => w.open("ds:Signature", &[("xmlns:ds", SIG_NS), ("Id", id)]),
        None => w.open("ds:Signature", &[("xmlns:ds", SIG_NS)]),
    }
    w.open("ds:SignedInfo", &[]);
    w.out.extend_from_slice(&body);
    w.close("ds:SignedInfo");
    w.base64_elem("ds:SignatureValue", &b64(&value));
    match (opts.key_info, key) {
        (KeyInfo::None, _) => {}
        (KeyInfo::X509Certificate(cert), _) => {
            w.open("ds:KeyInfo", &[]);
            w.open("ds:X509Data", &[]);
            w.base64_elem("ds:X509Certificate", cert.der_base64());
            w.close("ds:X509Data");
            w.close("ds:KeyInfo");
        }
        (KeyInfo::RsaKeyValue, SigningKey::Rsa(k)) => {
            let public = k.public_key();
            w.open("ds:KeyInfo", &[]);
            w.open("ds:KeyValue", &[]);
            w.open("ds:RSAKeyValue", &[]);
            w.base64_elem("ds:Modulus", &b64(&public.modulus()));
            w.base64_elem("ds:Exponent", &b64(&public.exponent()));
            w.close("ds:RSAKeyValue");
            w.close("ds:KeyValue");
            w.close("ds:KeyInfo");
        }
        (KeyInfo::RsaKeyValue, SigningKey::Hmac(_)) => {
            return Err(DsigError::KeyMismatch("an RSA KeyInfo with an HMAC key").into())
        }
        (KeyInfo::Raw(raw), _) => {
            let text = std::str::from_utf8(raw).map_err(|_| XmlError::NotUtf8)?;
            // Well-formed, self-contained, one element: checked, not trusted.
            xml::parse(text, &Limits::default())?;
            w.open("ds:KeyInfo", &[]);
            w.out.extend_from_slice(text.trim().as_bytes());
            w.close("ds:KeyInfo");
        }
    }
    w.close("ds:Signature");
    Ok(out)
}

/// HMAC of `data` (full output length, never truncated).
pub(super) fn hmac(alg: SignatureAlgorithm, key: &[u8], data: &[u8]) -> Result<Vec<u8>, Error> {
    use hmac::{Mac, SimpleHmac};
    Ok(match alg {
        SignatureAlgorithm::HmacSha1 => {
            let mut m = SimpleHmac::<sha1::Sha1>::new_from_slice(key)
                .map_err(|_| KeyError::Weak("HMAC key"))?;
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        SignatureAlgorithm::HmacSha256 => {
            let mut m = SimpleHmac::<sha2::Sha256>::new_from_slice(key)
                .map_err(|_| KeyError::Weak("HMAC key"))?;
            m.update(data);
            m.finalize().into_bytes().to_vec()
        }
        _ => return Err(DsigError::KeyMismatch("not an HMAC algorithm").into()),
    })
}

/// Where in the element the signature goes.
enum Place {
    /// Right after the start tag.
    First,
    /// Right after this child.
    After(usize),
    /// Right before the end tag.
    Last,
}

fn placement(element: Node<'_, '_>) -> Place {
    const SAML2P: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
    const SAML1P: &str = "urn:oasis:names:tc:SAML:1.0:protocol";
    let ns = element.tag_name().namespace().unwrap_or("");
    let local = element.tag_name().name();
    if (ns == ns::SAML2 && local == "Assertion") || ns == SAML2P {
        match element.first_element_child() {
            Some(first) if first.has_tag_name((ns::SAML2, "Issuer")) => {
                Place::After(first.range().end)
            }
            _ => Place::First,
        }
    } else if ns == SAML1P {
        Place::First
    } else {
        Place::Last
    }
}

/// The byte offset of the `>` closing the start tag of `element`.
fn start_tag_end(text: &str, element: Node<'_, '_>) -> usize {
    let start = element.range().start;
    let mut quote = None;
    for (i, b) in text.as_bytes()[start..].iter().enumerate() {
        match (quote, *b) {
            (None, b'"' | b'\'') => quote = Some(*b),
            (Some(q), b) if b == q => quote = None,
            (None, b'>') => return start + i,
            _ => {}
        }
    }
    // The parser accepted the document, so the start tag is closed.
    element.range().end - 1
}

/// Insert `signature` into `xml` inside `element`, at its schema position.
fn splice(xml: &str, element: Node<'_, '_>, signature: &str) -> String {
    let mut out = String::with_capacity(xml.len() + signature.len() + 64);
    let gt = start_tag_end(xml, element);
    let self_closing = xml.as_bytes()[..gt].last() == Some(&b'/');
    if self_closing {
        let start = element.range().start + 1;
        let qname_len = xml[start..]
            .bytes()
            .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'))
            .unwrap_or(0);
        let qname = &xml[start..start + qname_len];
        out.push_str(&xml[..gt - 1]);
        out.push('>');
        out.push_str(signature);
        out.push_str("</");
        out.push_str(qname);
        out.push('>');
        out.push_str(&xml[gt + 1..]);
        return out;
    }
    let at = match placement(element) {
        Place::First => gt + 1,
        Place::After(pos) => pos,
        Place::Last => {
            let range = element.range();
            xml[range.clone()]
                .rfind("</")
                .map_or(range.end, |i| range.start + i)
        }
    };
    out.push_str(&xml[..at]);
    out.push_str(signature);
    out.push_str(&xml[at..]);
    out
}
