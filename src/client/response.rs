//! Response parser: an RSTR or RSTRC (WS-Trust 2005/02 and 1.3) into an
//! owned [`Response`], or a SOAP 1.1/1.2 fault into
//! [`ClientError::Fault`]. Bounded by [`Limits`] through [`xml::parse`].

use super::{ClientError, ServerFault};
use crate::confirm::{p_sha1, DEFAULT_KEY_SIZE, MAX_KEY_SIZE, MIN_ENTROPY, MIN_KEY_SIZE};
use crate::error::{Error, XmlError};
use crate::soap::{Message, SoapVersion};
use crate::wst::rst::parse_binary_secret;
use crate::wst::{KeyType, Lifetime, RawXml, RequestKind, Secret, Version};
use crate::xml::{self, ns, whole_text};
use crate::Limits;
use roxmltree::Node;
use time::OffsetDateTime;

/// What a response must be, known from its request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Expect {
    pub(crate) kind: Option<RequestKind>,
    pub(crate) version: Option<Version>,
    pub(crate) entropy: Option<Secret>,
    pub(crate) key_size: Option<u32>,
    pub(crate) message_id: Option<String>,
}

/// The proof key of an issued token, for the client to prove possession.
#[derive(Debug, Clone)]
pub enum ProofKey {
    /// The key as the STS sent it (`RequestedProofToken/BinarySecret`).
    Secret(Secret),
    /// The key computed with P_SHA1 from the client's and the STS's entropy
    /// (`RequestedProofToken/ComputedKey .../CK/PSHA1`), `KeySize` bits long.
    Computed(Secret),
    /// The key encrypted for the client (`xenc:EncryptedKey`), exact bytes.
    Encrypted(RawXml),
}

impl ProofKey {
    /// The key bytes, when the key is in clear or computed.
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Secret(s) | Self::Computed(s) => Some(s.as_bytes()),
            Self::Encrypted(_) => None,
        }
    }
}

/// A `wsse:KeyIdentifier` of a token reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyIdentifier {
    /// `@ValueType` (e.g. the SAML token profile's `#SAMLID`).
    pub value_type: Option<String>,
    /// The identifier (a SAML assertion ID), trimmed.
    pub value: String,
}

/// `RequestedAttachedReference` / `RequestedUnattachedReference`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The exact bytes of the `wsse:SecurityTokenReference` (to put in a
    /// message that uses the token).
    pub xml: RawXml,
    /// Its `wsse:KeyIdentifier`, if it has one.
    pub key_identifier: Option<KeyIdentifier>,
    /// Its `wsse:Reference/@URI`, if it has one.
    pub uri: Option<String>,
}

/// `wst:Status` of a Validate answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidateStatus {
    /// The code is the version's `.../status/valid`.
    pub valid: bool,
    /// The `Code` URI as sent.
    pub code: String,
    /// The `Reason`, if any.
    pub reason: Option<String>,
}

/// A WS-Trust answer, owned: the one RSTR of a response (bare, or the only
/// one inside an RSTRC).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Response {
    /// The SOAP version of the response envelope.
    pub soap: SoapVersion,
    /// The WS-Trust version (2005/02 or 1.3; 1.4 answers read as 1.3).
    pub version: Version,
    /// `wsa:Action`.
    pub action: Option<String>,
    /// `wsa:RelatesTo`.
    pub relates_to: Option<String>,
    /// `@Context`.
    pub context: Option<String>,
    /// `TokenType` URI as sent.
    pub token_type: Option<String>,
    /// `RequestType`, when echoed.
    pub request_type: Option<RequestKind>,
    /// The exact bytes of the `RequestedSecurityToken` child (an assertion,
    /// `saml:EncryptedAssertion`, `xenc:EncryptedData`, ...), as signed.
    pub token: Option<RawXml>,
    /// The ID of the token when it is a SAML assertion in clear
    /// (`AssertionID` / `ID`).
    pub token_id: Option<String>,
    /// `RequestedAttachedReference`.
    pub attached_reference: Option<Reference>,
    /// `RequestedUnattachedReference`.
    pub unattached_reference: Option<Reference>,
    /// The proof key, if the token has one.
    pub proof_key: Option<ProofKey>,
    /// The STS's `Entropy` (the other half of a computed key).
    pub server_entropy: Option<Secret>,
    /// `KeyType`.
    pub key_type: Option<KeyType>,
    /// `KeySize` in bits.
    pub key_size: Option<u32>,
    /// `Lifetime` (`wsu:Created`, `wsu:Expires`).
    pub lifetime: Option<Lifetime>,
    /// `wsp:AppliesTo` address.
    pub applies_to: Option<String>,
    /// `Status` (Validate).
    pub status: Option<ValidateStatus>,
    /// `RequestedTokenCancelled` present (Cancel).
    pub cancelled: bool,
}

/// Read a response without knowing its request: any version, any
/// operation. A `ComputedKey` proof token needs `client_entropy` (else
/// [`ClientError::ProofKey`]). Prefer
/// [`Envelope::read_response`](super::Envelope::read_response), which also
/// checks the version, `RelatesTo` and what the operation must return.
///
/// Errors: a SOAP fault is [`ClientError::Fault`]; bytes that are not a SOAP
/// envelope (HTML, text, malformed XML, a DTD) are [`ClientError::NotSoap`];
/// a Body that is not an RSTR/RSTRC is [`ClientError::UnexpectedPayload`];
/// limits hit are [`Error::Limit`].
pub fn parse_response(
    bytes: &[u8],
    limits: &Limits,
    client_entropy: Option<&Secret>,
) -> Result<Response, Error> {
    let expect = Expect {
        entropy: client_entropy.cloned(),
        ..Expect::default()
    };
    parse(bytes, limits, &expect)
}

fn not_soap(e: Error, text: Option<&str>) -> Error {
    match e {
        Error::Limit(l) => Error::Limit(l),
        Error::Xml(XmlError::NotUtf8) => ClientError::NotSoap("not UTF-8 text").into(),
        Error::Xml(XmlError::Dtd) => {
            ClientError::NotSoap("a document type declaration (an HTML page?)").into()
        }
        _ if text.is_some_and(looks_like_html) => ClientError::NotSoap("an HTML page").into(),
        _ => ClientError::NotSoap("not well-formed XML").into(),
    }
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text
        .trim_start()
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html") || head.starts_with("<html")
}

pub(crate) fn parse(bytes: &[u8], limits: &Limits, expect: &Expect) -> Result<Response, Error> {
    let text = xml::parse_bytes(bytes, limits).map_err(|e| not_soap(e, None))?;
    let doc = xml::parse(text, limits).map_err(|e| not_soap(e, Some(text)))?;
    let root = doc.root_element();
    let is_envelope = root.tag_name().name() == "Envelope"
        && root
            .tag_name()
            .namespace()
            .and_then(SoapVersion::from_namespace)
            .is_some();
    if !is_envelope {
        return Err(if root.tag_name().name().eq_ignore_ascii_case("html") {
            ClientError::NotSoap("an HTML page").into()
        } else {
            ClientError::NotSoap("the document element is not a SOAP Envelope").into()
        });
    }
    let msg = Message::parse(&doc)?;
    let soap = msg.version();
    let payload = msg.payload();
    if payload.has_tag_name((soap.namespace(), "Fault")) {
        return Err(ClientError::Fault(read_fault(payload, soap)?).into());
    }
    let relates_to = relates_to(&msg)?;
    if let (Some(want), Some(got)) = (&expect.message_id, &relates_to) {
        if want != got {
            return Err(ClientError::RelatesToMismatch.into());
        }
    }
    let name = payload.tag_name();
    let version = name
        .namespace()
        .and_then(Version::from_namespace)
        .ok_or_else(|| ClientError::UnexpectedPayload(name.name().to_owned()))?;
    if let Some(want) = expect.version {
        if want.namespace() != version.namespace() {
            return Err(ClientError::VersionMismatch.into());
        }
    }
    let wst = version.namespace();
    let rstr = match name.name() {
        "RequestSecurityTokenResponse" => payload,
        "RequestSecurityTokenResponseCollection" => {
            let mut rstrs = children(payload)?.into_iter();
            match (rstrs.next(), rstrs.next()) {
                (Some(one), None) if one.has_tag_name((wst, "RequestSecurityTokenResponse")) => one,
                _ => return Err(ClientError::Malformed("RSTRC without exactly one RSTR").into()),
            }
        }
        other => return Err(ClientError::UnexpectedPayload(other.to_owned()).into()),
    };
    let mut r = read_rstr(rstr, version, text, expect)?;
    r.soap = soap;
    r.action = msg.addressing().action.clone();
    r.relates_to = relates_to;
    check_kind(&r, expect.kind)?;
    Ok(r)
}

/// What the operation must have returned.
fn check_kind(r: &Response, kind: Option<RequestKind>) -> Result<(), ClientError> {
    match kind {
        Some(RequestKind::Issue | RequestKind::Renew) if r.token.is_none() => {
            Err(ClientError::Missing("RequestedSecurityToken"))
        }
        Some(RequestKind::Validate) if r.status.is_none() && r.token.is_none() => {
            Err(ClientError::Missing("Status"))
        }
        Some(RequestKind::Cancel) if !r.cancelled => {
            Err(ClientError::Missing("RequestedTokenCancelled"))
        }
        _ => Ok(()),
    }
}

/// `wsa:RelatesTo` (either addressing version), at most once.
fn relates_to(msg: &Message<'_, '_>) -> Result<Option<String>, ClientError> {
    let mut found = None;
    for h in msg.header_blocks() {
        let wsa = matches!(h.tag_name().namespace(), Some(ns::WSA | ns::WSA_2004));
        if wsa && h.tag_name().name() == "RelatesTo" {
            let v = whole_text(h).trim().to_owned();
            if found.replace(v).is_some() {
                return Err(ClientError::Malformed("two RelatesTo headers"));
            }
        }
    }
    Ok(found)
}

/// Element children; non-whitespace text between them is malformed.
fn children<'a, 'i>(n: Node<'a, 'i>) -> Result<Vec<Node<'a, 'i>>, ClientError> {
    let mut out = Vec::new();
    for c in n.children() {
        if c.is_element() {
            out.push(c);
        } else if c.is_text() && c.text().is_some_and(|t| !t.trim().is_empty()) {
            return Err(ClientError::Malformed("text between elements"));
        }
    }
    Ok(out)
}

fn only_child<'a, 'i>(n: Node<'a, 'i>, what: &'static str) -> Result<Node<'a, 'i>, ClientError> {
    let mut c = children(n)?.into_iter();
    match (c.next(), c.next()) {
        (Some(one), None) => Ok(one),
        _ => Err(ClientError::Malformed(what)),
    }
}

fn leaf(n: Node<'_, '_>, what: &'static str) -> Result<String, ClientError> {
    if n.children().any(|c| c.is_element()) {
        return Err(ClientError::Malformed(what));
    }
    let t = whole_text(n).trim().to_owned();
    if t.is_empty() {
        return Err(ClientError::Malformed(what));
    }
    Ok(t)
}

fn put<T>(slot: &mut Option<T>, v: T, what: &'static str) -> Result<(), ClientError> {
    if slot.replace(v).is_some() {
        return Err(ClientError::Malformed(what));
    }
    Ok(())
}

fn time(n: Node<'_, '_>, what: &'static str) -> Result<OffsetDateTime, ClientError> {
    OffsetDateTime::parse(
        &leaf(n, what)?,
        &time::format_description::well_known::Rfc3339,
    )
    .map_err(|_| ClientError::Malformed(what))
}

fn raw(n: Node<'_, '_>, text: &str) -> RawXml {
    RawXml::new(text[n.range()].as_bytes().to_vec())
}

/// Proof token as read, before the key is computed.
enum Proof {
    Secret(Secret),
    Computed(String),
    Encrypted(RawXml),
}

fn read_rstr(
    rstr: Node<'_, '_>,
    version: Version,
    text: &str,
    expect: &Expect,
) -> Result<Response, Error> {
    let wst = version.namespace();
    let mut r = Response {
        soap: SoapVersion::Soap12,
        version,
        action: None,
        relates_to: None,
        context: rstr.attribute("Context").map(str::to_owned),
        token_type: None,
        request_type: None,
        token: None,
        token_id: None,
        attached_reference: None,
        unattached_reference: None,
        proof_key: None,
        server_entropy: None,
        key_type: None,
        key_size: None,
        lifetime: None,
        applies_to: None,
        status: None,
        cancelled: false,
    };
    let mut proof = None;
    let mut cancelled = None;
    let bad_secret = |_| ClientError::Malformed("BinarySecret");
    for c in children(rstr)? {
        let tag = c.tag_name();
        match tag.namespace() {
            Some(u) if u == wst => match tag.name() {
                "TokenType" => put(&mut r.token_type, leaf(c, "TokenType")?, "TokenType")?,
                "RequestType" => {
                    let uri = leaf(c, "RequestType")?;
                    let rt = version
                        .request_type(&uri)
                        .ok_or(ClientError::Malformed("RequestType"))?;
                    put(&mut r.request_type, rt.kind, "RequestType")?;
                }
                "RequestedSecurityToken" => {
                    let token = only_child(c, "RequestedSecurityToken")?;
                    let saml = token.has_tag_name((ns::SAML1, "Assertion"))
                        || token.has_tag_name((ns::SAML2, "Assertion"));
                    if saml {
                        r.token_id = xml::id_of(token).map(str::to_owned);
                    }
                    put(&mut r.token, raw(token, text), "RequestedSecurityToken")?;
                }
                "RequestedAttachedReference" => put(
                    &mut r.attached_reference,
                    read_reference(c, text)?,
                    "RequestedAttachedReference",
                )?,
                "RequestedUnattachedReference" => put(
                    &mut r.unattached_reference,
                    read_reference(c, text)?,
                    "RequestedUnattachedReference",
                )?,
                "RequestedProofToken" => {
                    let p = only_child(c, "RequestedProofToken")?;
                    let value = if p.has_tag_name((wst, "BinarySecret")) {
                        Proof::Secret(parse_binary_secret(p, version).map_err(bad_secret)?.value)
                    } else if p.has_tag_name((wst, "ComputedKey")) {
                        Proof::Computed(leaf(p, "ComputedKey")?)
                    } else if p.has_tag_name((ns::XENC, "EncryptedKey")) {
                        Proof::Encrypted(raw(p, text))
                    } else {
                        return Err(ClientError::Malformed("RequestedProofToken").into());
                    };
                    put(&mut proof, value, "RequestedProofToken")?;
                }
                "Entropy" => {
                    let s = only_child(c, "Entropy")?;
                    if !s.has_tag_name((wst, "BinarySecret")) {
                        return Err(ClientError::Malformed("Entropy").into());
                    }
                    let s = parse_binary_secret(s, version).map_err(bad_secret)?;
                    put(&mut r.server_entropy, s.value, "Entropy")?;
                }
                "Lifetime" => {
                    let mut lt = Lifetime {
                        created: None,
                        expires: None,
                    };
                    for t in children(c)? {
                        if t.has_tag_name((ns::WSU, "Created")) {
                            put(&mut lt.created, time(t, "Created")?, "Created")?;
                        } else if t.has_tag_name((ns::WSU, "Expires")) {
                            put(&mut lt.expires, time(t, "Expires")?, "Expires")?;
                        }
                    }
                    put(&mut r.lifetime, lt, "Lifetime")?;
                }
                "KeySize" => {
                    let bits = leaf(c, "KeySize")?
                        .parse()
                        .map_err(|_| ClientError::Malformed("KeySize"))?;
                    put(&mut r.key_size, bits, "KeySize")?;
                }
                "KeyType" => {
                    let kt = version
                        .key_type(&leaf(c, "KeyType")?)
                        .ok_or(ClientError::Malformed("KeyType"))?;
                    put(&mut r.key_type, kt, "KeyType")?;
                }
                "Status" => {
                    let mut code = None;
                    let mut reason = None;
                    for s in children(c)? {
                        if s.has_tag_name((wst, "Code")) {
                            put(&mut code, leaf(s, "Status Code")?, "Status Code")?;
                        } else if s.has_tag_name((wst, "Reason")) {
                            put(&mut reason, leaf(s, "Status Reason")?, "Status Reason")?;
                        }
                    }
                    let code = code.ok_or(ClientError::Malformed("Status without Code"))?;
                    let valid = code == version.status_code_uri(true);
                    if !valid && code != version.status_code_uri(false) {
                        return Err(ClientError::Malformed("Status Code").into());
                    }
                    let status = ValidateStatus {
                        valid,
                        code,
                        reason,
                    };
                    put(&mut r.status, status, "Status")?;
                }
                "RequestedTokenCancelled" => {
                    put(&mut cancelled, (), "RequestedTokenCancelled")?;
                }
                _ => {}
            },
            Some(ns::WSP_2004 | ns::WSP_15) if tag.name() == "AppliesTo" => {
                let address = c
                    .descendants()
                    .find(|n| {
                        n.tag_name().name() == "Address"
                            && matches!(n.tag_name().namespace(), Some(ns::WSA | ns::WSA_2004))
                    })
                    .ok_or(ClientError::Malformed("AppliesTo"))?;
                put(&mut r.applies_to, leaf(address, "AppliesTo")?, "AppliesTo")?;
            }
            _ => {}
        }
    }
    r.cancelled = cancelled.is_some();
    r.proof_key = match proof {
        None => None,
        Some(Proof::Secret(s)) => Some(ProofKey::Secret(s)),
        Some(Proof::Encrypted(x)) => Some(ProofKey::Encrypted(x)),
        Some(Proof::Computed(alg)) => Some(computed_key(&r, version, &alg, expect)?),
    };
    Ok(r)
}

/// P_SHA1(client entropy, server entropy) of `KeySize` bits (the response's,
/// else the request's, else [`DEFAULT_KEY_SIZE`]).
fn computed_key(
    r: &Response,
    version: Version,
    algorithm: &str,
    expect: &Expect,
) -> Result<ProofKey, ClientError> {
    if algorithm != version.psha1_uri() {
        return Err(ClientError::ProofKey(
            "computed key algorithm is not P_SHA1",
        ));
    }
    let client = expect
        .entropy
        .as_ref()
        .ok_or(ClientError::ProofKey("computed key without client entropy"))?;
    let server = r
        .server_entropy
        .as_ref()
        .ok_or(ClientError::ProofKey("computed key without server entropy"))?;
    if server.as_bytes().len() < MIN_ENTROPY {
        return Err(ClientError::ProofKey("server entropy under 16 bytes"));
    }
    let bits = r.key_size.or(expect.key_size).unwrap_or(DEFAULT_KEY_SIZE);
    if !(MIN_KEY_SIZE..=MAX_KEY_SIZE).contains(&bits) || bits % 8 != 0 {
        return Err(ClientError::ProofKey("key size out of range"));
    }
    let key = p_sha1(client.as_bytes(), server.as_bytes(), (bits / 8) as usize);
    Ok(ProofKey::Computed(Secret::new(key.to_vec())))
}

fn read_reference(n: Node<'_, '_>, text: &str) -> Result<Reference, ClientError> {
    let str_ = only_child(n, "token reference")?;
    if !str_.has_tag_name((ns::WSSE, "SecurityTokenReference")) {
        return Err(ClientError::Malformed("token reference"));
    }
    let mut key_identifier = None;
    let mut uri = None;
    for c in children(str_)? {
        if c.has_tag_name((ns::WSSE, "KeyIdentifier")) {
            let ki = KeyIdentifier {
                value_type: c.attribute("ValueType").map(|v| v.trim().to_owned()),
                value: leaf(c, "KeyIdentifier")?,
            };
            put(&mut key_identifier, ki, "KeyIdentifier")?;
        } else if c.has_tag_name((ns::WSSE, "Reference")) {
            let u = c
                .attribute("URI")
                .ok_or(ClientError::Malformed("Reference URI"))?;
            put(&mut uri, u.trim().to_owned(), "Reference")?;
        }
    }
    Ok(Reference {
        xml: raw(str_, text),
        key_identifier,
        uri,
    })
}

/// A QName's (namespace, local name) as declared where it is written.
fn qname(n: Node<'_, '_>, what: &'static str) -> Result<(Option<String>, String), ClientError> {
    let q = leaf(n, what)?;
    Ok(match q.split_once(':') {
        Some((prefix, local)) => (
            n.lookup_namespace_uri(Some(prefix)).map(str::to_owned),
            local.to_owned(),
        ),
        None => (n.lookup_namespace_uri(None).map(str::to_owned), q),
    })
}

fn read_fault(fault: Node<'_, '_>, soap: SoapVersion) -> Result<ServerFault, ClientError> {
    let missing = ClientError::Malformed("Fault");
    match soap {
        SoapVersion::Soap11 => {
            let kids = children(fault)?;
            let find = |name: &str| {
                kids.iter()
                    .copied()
                    .find(|c| c.tag_name().name() == name && c.tag_name().namespace().is_none())
            };
            let code = find("faultcode").ok_or(missing)?;
            let (namespace, local_name) = qname(code, "faultcode")?;
            let reason = find("faultstring")
                .map(|s| whole_text(s).trim().to_owned())
                .unwrap_or_default();
            Ok(ServerFault {
                soap,
                namespace,
                local_name,
                soap_code: None,
                reason,
            })
        }
        SoapVersion::Soap12 => {
            let env = soap.namespace();
            let kids = children(fault)?;
            let code = kids
                .iter()
                .copied()
                .find(|c| c.has_tag_name((env, "Code")))
                .ok_or(ClientError::Malformed("Fault"))?;
            fn value_of<'a, 'i>(n: Node<'a, 'i>, env: &str) -> Result<Node<'a, 'i>, ClientError> {
                children(n)?
                    .into_iter()
                    .find(|c| c.has_tag_name((env, "Value")))
                    .ok_or(ClientError::Malformed("Fault Code Value"))
            }
            let (top_ns, top) = qname(value_of(code, env)?, "Fault Code Value")?;
            let mut most = (top_ns, top.clone());
            let mut at = code;
            while let Some(sub) = children(at)?
                .into_iter()
                .find(|c| c.has_tag_name((env, "Subcode")))
            {
                most = qname(value_of(sub, env)?, "Fault Subcode Value")?;
                at = sub;
            }
            let reason = kids
                .iter()
                .find(|c| c.has_tag_name((env, "Reason")))
                .and_then(|r| r.children().find(|t| t.has_tag_name((env, "Text"))))
                .map(|t| whole_text(t).trim().to_owned())
                .unwrap_or_default();
            Ok(ServerFault {
                soap,
                namespace: most.0,
                local_name: most.1,
                soap_code: Some(top),
                reason,
            })
        }
    }
}
