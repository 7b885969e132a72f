//! SOAP 1.1 / 1.2 envelopes and WS-Addressing (2005/08 and the 2004/08
//! submission): reading a request envelope, writing replies and faults.
//!
//! A [`Message`] is a *view* over one tree parsed by [`crate::xml::parse`]:
//! the WS-Trust reader, the WS-Security header processing and signature
//! verification all look at the very same nodes, so what was verified is what
//! is read.
//!
//! ```
//! use wstrust::{soap::{Message, SoapVersion}, xml, Limits};
//! let text = r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"
//!     xmlns:a="http://www.w3.org/2005/08/addressing">
//!   <s:Header><a:Action>urn:x</a:Action><a:MessageID>urn:uuid:1</a:MessageID></s:Header>
//!   <s:Body><p xmlns="urn:p"/></s:Body></s:Envelope>"#;
//! let doc = xml::parse(text, &Limits::default()).unwrap();
//! let msg = Message::parse(&doc).unwrap();
//! assert_eq!(msg.version(), SoapVersion::Soap12);
//! assert_eq!(msg.addressing().action.as_deref(), Some("urn:x"));
//! assert_eq!(msg.payload().tag_name().name(), "p");
//! ```

use crate::error::{Error, Fault, FaultFamily, WireError};
use crate::xml::{ns, whole_text};
use roxmltree::{Document, Node};

/// The SOAP version of an envelope; replies and faults use the request's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SoapVersion {
    /// SOAP 1.1 (`http://schemas.xmlsoap.org/soap/envelope/`).
    Soap11,
    /// SOAP 1.2 (`http://www.w3.org/2003/05/soap-envelope`).
    Soap12,
}

impl SoapVersion {
    /// The envelope namespace URI.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::Soap11 => ns::SOAP11,
            Self::Soap12 => ns::SOAP12,
        }
    }

    /// The version whose envelope namespace is `uri`.
    pub fn from_namespace(uri: &str) -> Option<Self> {
        match uri {
            ns::SOAP11 => Some(Self::Soap11),
            ns::SOAP12 => Some(Self::Soap12),
            _ => None,
        }
    }

    /// The HTTP `Content-Type` of a message in this version.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Soap11 => "text/xml; charset=utf-8",
            Self::Soap12 => "application/soap+xml; charset=utf-8",
        }
    }
}

/// The WS-Addressing version used by a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AddressingVersion {
    /// WS-Addressing 1.0 (`http://www.w3.org/2005/08/addressing`).
    Wsa10,
    /// The 2004/08 member submission, still sent by some older clients.
    Wsa200408,
}

impl AddressingVersion {
    /// The namespace URI.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::Wsa10 => ns::WSA,
            Self::Wsa200408 => ns::WSA_2004,
        }
    }

    /// The version whose namespace is `uri`.
    pub fn from_namespace(uri: &str) -> Option<Self> {
        match uri {
            ns::WSA => Some(Self::Wsa10),
            ns::WSA_2004 => Some(Self::Wsa200408),
            _ => None,
        }
    }

    /// The anonymous (back-channel) address.
    pub fn anonymous(self) -> &'static str {
        match self {
            Self::Wsa10 => "http://www.w3.org/2005/08/addressing/anonymous",
            Self::Wsa200408 => "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous",
        }
    }

    /// The `wsa:Action` of a SOAP fault.
    pub fn fault_action(self) -> &'static str {
        match self {
            Self::Wsa10 => "http://www.w3.org/2005/08/addressing/soap/fault",
            Self::Wsa200408 => "http://schemas.xmlsoap.org/ws/2004/08/addressing/fault",
        }
    }
}

/// The WS-Addressing headers of a request. Values are whole-text reads
/// (comments cannot split them) and trimmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addressing {
    /// The version, if any addressing header was present.
    pub version: Option<AddressingVersion>,
    /// `wsa:Action`.
    pub action: Option<String>,
    /// `wsa:MessageID` (echoed as `wsa:RelatesTo` in the reply).
    pub message_id: Option<String>,
    /// `wsa:To`.
    pub to: Option<String>,
    /// `wsa:ReplyTo/wsa:Address` (always anonymous once parsed).
    pub reply_to: Option<String>,
}

/// A parsed SOAP request: a view over one [`Document`].
///
/// Invariants established by [`Message::parse`]: the document element is a
/// SOAP 1.1 or 1.2 `Envelope`; it has at most one `Header` (first) and exactly
/// one `Body`, both in the envelope's namespace, and nothing else; the `Body`
/// has exactly one element child (the payload) and no non-whitespace text;
/// WS-Addressing headers use one version only and appear at most once each;
/// reply addresses are anonymous; no unknown header is `mustUnderstand`.
#[derive(Debug, Clone)]
pub struct Message<'a, 'input> {
    doc: &'a Document<'input>,
    version: SoapVersion,
    envelope: Node<'a, 'input>,
    header: Option<Node<'a, 'input>>,
    body: Node<'a, 'input>,
    payload: Node<'a, 'input>,
    addressing: Addressing,
}

/// Whitespace-only text (between elements) is allowed; anything else is not.
fn is_blank(n: &Node<'_, '_>) -> bool {
    n.text().is_none_or(|t| t.trim().is_empty())
}

/// Element children of `node`, failing on non-whitespace text. Comments and
/// processing instructions are skipped.
fn element_children<'a, 'input>(
    node: Node<'a, 'input>,
    what: &'static str,
) -> Result<Vec<Node<'a, 'input>>, Error> {
    let mut out = Vec::new();
    for c in node.children() {
        if c.is_element() {
            out.push(c);
        } else if c.is_text() && !is_blank(&c) {
            return Err(WireError::Unexpected(what).into());
        }
    }
    Ok(out)
}

fn is_true(v: &str) -> bool {
    matches!(v.trim(), "1" | "true")
}

impl<'a, 'input> Message<'a, 'input> {
    /// Check the envelope shape and read the addressing headers.
    pub fn parse(doc: &'a Document<'input>) -> Result<Self, Error> {
        let envelope = doc.root_element();
        let version = match envelope.tag_name().namespace() {
            Some(uri) if envelope.tag_name().name() == "Envelope" => {
                SoapVersion::from_namespace(uri).ok_or(WireError::NotSoap)?
            }
            _ => return Err(WireError::NotSoap.into()),
        };
        let soap_ns = version.namespace();
        let mut header = None;
        let mut body = None;
        for child in element_children(envelope, "text in Envelope")? {
            let name = child.tag_name();
            let child_ns = name.namespace();
            if child_ns != Some(soap_ns) {
                if child_ns.and_then(SoapVersion::from_namespace).is_some() {
                    return Err(WireError::VersionMix.into());
                }
                return Err(WireError::Unexpected("element in Envelope").into());
            }
            match name.name() {
                "Header" if header.is_none() && body.is_none() => header = Some(child),
                "Header" => return Err(WireError::Unexpected("Header").into()),
                "Body" if body.is_none() => body = Some(child),
                "Body" => return Err(WireError::Unexpected("second Body").into()),
                _ => return Err(WireError::Unexpected("element in Envelope").into()),
            }
        }
        let body = body.ok_or(WireError::Missing("Body"))?;
        let mut payloads = element_children(body, "text in Body")?.into_iter();
        let payload = payloads.next().ok_or(WireError::Missing("Body payload"))?;
        if payloads.next().is_some() {
            return Err(WireError::MultiplePayloads.into());
        }
        let addressing = match header {
            Some(h) => read_headers(h, version)?,
            None => Addressing::default(),
        };
        Ok(Self {
            doc,
            version,
            envelope,
            header,
            body,
            payload,
            addressing,
        })
    }

    /// The whole parsed document (for ID lookups and canonicalization).
    pub fn document(&self) -> &'a Document<'input> {
        self.doc
    }

    /// The SOAP version of the request.
    pub fn version(&self) -> SoapVersion {
        self.version
    }

    /// The `Envelope` element.
    pub fn envelope(&self) -> Node<'a, 'input> {
        self.envelope
    }

    /// The `Header` element, if present.
    pub fn header(&self) -> Option<Node<'a, 'input>> {
        self.header
    }

    /// The header blocks targeted at this node (element children of
    /// `Header` that [`targets_this_node`]), in document order. Blocks for
    /// another SOAP node are not this STS's to process: they are never read
    /// as credentials or addressing, and their `mustUnderstand` is not ours.
    pub fn header_blocks(&self) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
        let soap = self.version;
        self.header
            .into_iter()
            .flat_map(|h| h.children().filter(Node::is_element))
            .filter(move |n| targets_this_node(n, soap))
    }

    /// The `wsse:Security` header blocks (WS-Security 1.0 secext namespace)
    /// targeted at this node, for the authentication layer to process on the
    /// same tree.
    pub fn security_headers(&self) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
        self.header_blocks().filter(|n| {
            n.tag_name().name() == "Security" && n.tag_name().namespace() == Some(ns::WSSE)
        })
    }

    /// The `Body` element.
    pub fn body(&self) -> Node<'a, 'input> {
        self.body
    }

    /// The single element child of `Body`.
    pub fn payload(&self) -> Node<'a, 'input> {
        self.payload
    }

    /// The WS-Addressing headers.
    pub fn addressing(&self) -> &Addressing {
        &self.addressing
    }
}

/// Whether two endpoint addresses are the same: compared as parsed URIs
/// by their parts, as relying-party addresses are ([`crate::rp::normalize_address`]:
/// scheme and host case-insensitive, a scheme's default port the same as
/// none, an empty path the same as `/`, percent-encoding normalised; an
/// address with userinfo is no address), or exactly after trimming when
/// either is no address.
pub fn same_address(a: &str, b: &str) -> bool {
    Destination::new(b).is(a)
}

/// An address parsed once, to compare with many ([`same_address`]).
struct Destination<'a> {
    text: &'a str,
    parsed: Option<crate::uri::Address>,
}

impl<'a> Destination<'a> {
    fn new(text: &'a str) -> Self {
        let text = text.trim();
        Self {
            text,
            parsed: crate::uri::Address::parse(text).ok(),
        }
    }

    /// [`same_address`]`(other, self)`.
    fn is(&self, other: &str) -> bool {
        let other = other.trim();
        match (&self.parsed, crate::uri::Address::parse(other)) {
            (Some(x), Ok(y)) => *x == y,
            _ => self.text == other,
        }
    }
}

/// WCF's address filter, for a request with `addressing` received by a
/// service known at `addresses` (its configured endpoints and those the
/// host received the request at): a `wsa:To` naming none of them is
/// refused ([`WireError::NotAddressedHere`], the `wsa:DestinationUnreachable`
/// fault). Without a `wsa:To`, with the anonymous one (which WS-Addressing
/// defines as the same as none), or when no address is known, anything
/// passes. A signed `wsa:To` thereby binds a signed request to this service.
pub fn check_destination<'s>(
    addressing: &Addressing,
    addresses: impl IntoIterator<Item = &'s str>,
) -> Result<(), Error> {
    let Some(to) = addressing.to.as_deref() else {
        return Ok(());
    };
    let anonymous = addressing.version.is_some_and(|v| to == v.anonymous());
    let mut known = addresses.into_iter().peekable();
    // `to` is parsed once, not once per known address.
    let to_parsed = Destination::new(to);
    if anonymous || known.peek().is_none() || known.any(|a| to_parsed.is(a)) {
        Ok(())
    } else {
        Err(WireError::NotAddressedHere(to.to_owned()).into())
    }
}

/// Best-effort read of the addressing headers of an envelope that
/// [`Message::parse`] refused, so that its fault can still carry
/// `wsa:RelatesTo`. Returns `None` when the headers themselves are unusable.
pub(crate) fn peek_addressing(doc: &Document<'_>) -> Option<Addressing> {
    let envelope = doc.root_element();
    let soap = SoapVersion::from_namespace(envelope.tag_name().namespace()?)?;
    let header = envelope
        .children()
        .find(|c| c.is_element())
        .filter(|h| h.has_tag_name((soap.namespace(), "Header")))?;
    read_headers(header, soap).ok()
}

/// SOAP 1.1 `actor` naming the next SOAP node (§4.2.2): every node,
/// this one included.
pub const SOAP11_ACTOR_NEXT: &str = "http://schemas.xmlsoap.org/soap/actor/next";
/// SOAP 1.2 role `next` (Part 1 §2.2): every node, this one included.
pub const SOAP12_ROLE_NEXT: &str = "http://www.w3.org/2003/05/soap-envelope/role/next";
/// SOAP 1.2 role `ultimateReceiver` (Part 1 §2.2): the STS, which is
/// always the ultimate receiver of a request.
pub const SOAP12_ROLE_ULTIMATE_RECEIVER: &str =
    "http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver";

/// Whether header block `n` of a `soap` envelope is targeted at this node:
/// it has no `actor` (SOAP 1.1) or `role` (SOAP 1.2) attribute in the
/// envelope's namespace (the ultimate receiver), or one naming
/// [`SOAP11_ACTOR_NEXT`], [`SOAP12_ROLE_NEXT`] or
/// [`SOAP12_ROLE_ULTIMATE_RECEIVER`] (compared exactly after trimming, as
/// `xs:anyURI`). Any other value, SOAP 1.2's `none` and an empty value
/// included, names another node: the block is ignored.
pub fn targets_this_node(n: &Node<'_, '_>, soap: SoapVersion) -> bool {
    match soap {
        SoapVersion::Soap11 => n
            .attribute((ns::SOAP11, "actor"))
            .is_none_or(|a| a.trim() == SOAP11_ACTOR_NEXT),
        SoapVersion::Soap12 => n
            .attribute((ns::SOAP12, "role"))
            .is_none_or(|r| matches!(r.trim(), SOAP12_ROLE_NEXT | SOAP12_ROLE_ULTIMATE_RECEIVER)),
    }
}

/// Headers this layer or the WS-Security layer processes; any other header
/// targeted at this node and marked `mustUnderstand` is refused.
fn understood(n: &Node<'_, '_>) -> bool {
    match n.tag_name().namespace() {
        Some(ns::WSA | ns::WSA_2004) => true,
        Some(ns::WSSE) => n.tag_name().name() == "Security",
        _ => false,
    }
}

fn read_headers(header: Node<'_, '_>, soap: SoapVersion) -> Result<Addressing, Error> {
    let mut a = Addressing::default();
    for h in element_children(header, "text in Header")? {
        if !targets_this_node(&h, soap) {
            continue;
        }
        if !understood(&h) {
            let mu = h
                .attribute((soap.namespace(), "mustUnderstand"))
                .is_some_and(is_true);
            if mu {
                return Err(WireError::MustUnderstand(h.tag_name().name().to_owned()).into());
            }
            continue;
        }
        let Some(v) = h
            .tag_name()
            .namespace()
            .and_then(AddressingVersion::from_namespace)
        else {
            continue;
        };
        match a.version {
            None => a.version = Some(v),
            Some(seen) if seen != v => return Err(WireError::VersionMix.into()),
            Some(_) => {}
        }
        let slot = match h.tag_name().name() {
            "Action" => &mut a.action,
            "MessageID" => &mut a.message_id,
            "To" => &mut a.to,
            "ReplyTo" | "FaultTo" => {
                let addr = h
                    .children()
                    .find(|c| c.has_tag_name((v.namespace(), "Address")))
                    .map(|c| whole_text(c).trim().to_owned())
                    .ok_or(WireError::Missing("ReplyTo Address"))?;
                if addr != v.anonymous() {
                    return Err(WireError::NonAnonymousReply.into());
                }
                if h.tag_name().name() == "FaultTo" {
                    continue;
                }
                if a.reply_to.replace(addr).is_some() {
                    return Err(WireError::Unexpected("second ReplyTo").into());
                }
                continue;
            }
            _ => continue,
        };
        if slot.replace(whole_text(h).trim().to_owned()).is_some() {
            return Err(WireError::Unexpected("repeated addressing header").into());
        }
    }
    Ok(a)
}

/// A tiny escaping XML writer over `Vec<u8>`: names are `&'static str`
/// (markup is fixed by this crate), text and attribute values are escaped by
/// construction, and raw bytes are only appended by [`Out::raw`].
pub(crate) struct Out {
    out: Vec<u8>,
    /// Write exclusive canonical XML (see [`Out::canonical`]).
    canonical: bool,
    /// A canonical writer was given a character XML cannot carry.
    ill_formed: bool,
}

impl Out {
    pub(crate) fn new() -> Self {
        Self::with_capacity(4096)
    }

    /// A writer whose buffer starts with room for `bytes`.
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        Self {
            out: Vec::with_capacity(bytes),
            canonical: false,
            ill_formed: false,
        }
    }

    /// A writer whose output is its own exclusive canonical form (C14N 1.0
    /// rules: start and end tags for empty elements, attributes sorted with
    /// namespace declarations first), for markup that is signed as written.
    /// Namespace declarations must be made only where exclusive C14N renders
    /// them (on the element that first uses the prefix), prefixed attributes
    /// other than `xmlns:*` are not allowed, and [`Out::raw`] bytes must be
    /// canonical themselves.
    pub(crate) fn canonical() -> Self {
        Self {
            canonical: true,
            ..Self::new()
        }
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.out.len()
    }

    /// The canonical output, or `None` if a value held a character XML
    /// cannot carry (a control character, U+FFFE, U+FFFF).
    pub(crate) fn into_canonical(self) -> Option<Vec<u8>> {
        (self.canonical && !self.ill_formed).then_some(self.out)
    }

    fn check_chars(&mut self, s: &str) {
        let control = s
            .bytes()
            .any(|b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r'));
        if control || s.contains(['\u{FFFE}', '\u{FFFF}']) {
            self.ill_formed = true;
        }
    }

    /// `<name attr="v" ...` (values escaped as C14N does, which keeps
    /// whitespace in attribute values through attribute normalisation).
    fn start_tag(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        if !self.canonical {
            crate::xml::c14n::start_tag(name, attrs, &mut self.out);
            return;
        }
        for (_, v) in attrs {
            self.check_chars(v);
        }
        // Namespace declarations first, by prefix; then attributes by name.
        fn key<'a>((k, _): &(&'a str, &str)) -> (bool, &'a str) {
            (!(*k == "xmlns" || k.starts_with("xmlns:")), k)
        }
        if attrs.is_sorted_by_key(key) {
            crate::xml::c14n::start_tag(name, attrs, &mut self.out);
        } else {
            let mut sorted = attrs.to_vec();
            sorted.sort_by_key(key);
            crate::xml::c14n::start_tag(name, &sorted, &mut self.out);
        }
    }

    /// `<name attr="v" ...>`
    pub(crate) fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push(b'>');
    }

    /// `<name attr="v" .../>` (`<name ...></name>` when canonical)
    pub(crate) fn empty(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        self.start_tag(name, attrs);
        if self.canonical {
            self.out.push(b'>');
            self.close(name);
        } else {
            self.out.extend_from_slice(b"/>");
        }
    }

    /// `</name>`
    pub(crate) fn close(&mut self, name: &'static str) {
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(b'>');
    }

    /// Escaped text.
    pub(crate) fn text(&mut self, t: &str) {
        if self.canonical {
            self.check_chars(t);
        }
        crate::xml::c14n::escape_text(t, &mut self.out);
    }

    /// `<name attrs>text</name>`
    pub(crate) fn leaf(&mut self, name: &'static str, attrs: &[(&str, &str)], t: &str) {
        self.open(name, attrs);
        self.text(t);
        self.close(name);
    }

    /// Bytes appended verbatim (an issued token, exactly as it was signed).
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    pub(crate) fn into_inner(self) -> Vec<u8> {
        self.out
    }
}

/// Addressing headers written on a reply.
#[derive(Debug, Clone, Default)]
pub(crate) struct ReplyHeaders<'r> {
    pub(crate) version: Option<AddressingVersion>,
    pub(crate) action: Option<&'r str>,
    pub(crate) relates_to: Option<&'r str>,
    pub(crate) message_id: Option<&'r str>,
}

/// Write `<s:Envelope><s:Header>..</s:Header><s:Body>` and run `body`, then
/// close the envelope.
pub(crate) fn write_envelope(
    out: &mut Out,
    soap: SoapVersion,
    headers: &ReplyHeaders<'_>,
    body: impl FnOnce(&mut Out),
) {
    let mut attrs: Vec<(&str, &str)> = vec![("xmlns:s", soap.namespace())];
    if let Some(v) = headers.version {
        attrs.push(("xmlns:a", v.namespace()));
    }
    out.open("s:Envelope", &attrs);
    if headers.version.is_some() {
        out.open("s:Header", &[]);
        if let Some(action) = headers.action {
            out.leaf("a:Action", &[("s:mustUnderstand", "1")], action);
        }
        if let Some(id) = headers.message_id {
            out.leaf("a:MessageID", &[], id);
        }
        if let Some(rel) = headers.relates_to {
            out.leaf("a:RelatesTo", &[], rel);
        }
        out.close("s:Header");
    }
    out.open("s:Body", &[]);
    body(out);
    out.close("s:Body");
    out.close("s:Envelope");
}

/// Serialize `fault` as a complete SOAP envelope in `soap`'s shape.
///
/// * SOAP 1.1: `faultcode` is the WS-Trust / WS-Security QName itself (as
///   WS-Trust §11 and WS-Security §12 specify for SOAP 1.1), `faultstring`
///   the generic reason.
/// * SOAP 1.2: `Code/Value` is `Sender` or `Receiver`, `Code/Subcode/Value`
///   the QName, `Reason/Text` the generic reason.
///
/// `trust_ns` is the WS-Trust namespace of the request (WS-Trust 1.3 when it
/// is not known). No detail element is written.
pub(crate) fn write_fault(
    out: &mut Out,
    soap: SoapVersion,
    trust_ns: &str,
    fault: &Fault,
    headers: &ReplyHeaders<'_>,
) {
    let (prefix, uri, qname) = match fault.code.family() {
        FaultFamily::Trust => ("xmlns:wst", trust_ns, "wst:"),
        FaultFamily::Security => ("xmlns:wsse", ns::WSSE, "wsse:"),
        FaultFamily::Addressing => (
            "xmlns:wsa",
            headers
                .version
                .unwrap_or(AddressingVersion::Wsa10)
                .namespace(),
            "wsa:",
        ),
    };
    let qname = format!("{qname}{}", fault.code.local_name());
    let reason = fault.reason();
    write_envelope(out, soap, headers, |out| {
        out.open("s:Fault", &[]);
        match soap {
            SoapVersion::Soap11 => {
                out.leaf("faultcode", &[(prefix, uri)], &qname);
                out.leaf("faultstring", &[("xml:lang", "en")], reason);
            }
            SoapVersion::Soap12 => {
                out.open("s:Code", &[]);
                let v = if fault.code.is_sender() {
                    "s:Sender"
                } else {
                    "s:Receiver"
                };
                out.leaf("s:Value", &[], v);
                out.open("s:Subcode", &[]);
                out.leaf("s:Value", &[(prefix, uri)], &qname);
                out.close("s:Subcode");
                out.close("s:Code");
                out.open("s:Reason", &[]);
                out.leaf("s:Text", &[("xml:lang", "en")], reason);
                out.close("s:Reason");
            }
        }
        out.close("s:Fault");
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FaultCode;
    use crate::Limits;

    fn env(soap: &str, header: &str, body: &str) -> String {
        format!(
            r#"<s:Envelope xmlns:s="{soap}" xmlns:a="{}" xmlns:b="{}"><s:Header>{header}</s:Header><s:Body>{body}</s:Body></s:Envelope>"#,
            ns::WSA,
            ns::WSA_2004
        )
    }

    fn parse(text: &str) -> Result<SoapVersion, Error> {
        let doc = crate::xml::parse(text, &Limits::default())?;
        Message::parse(&doc).map(|m| m.version())
    }

    #[test]
    fn reads_both_versions_and_addressing() {
        let t = env(
            ns::SOAP11,
            "<a:Action> urn:act </a:Action><a:MessageID>urn:uuid:1</a:MessageID><a:To>https://sts/</a:To>\
             <a:ReplyTo><a:Address>http://www.w3.org/2005/08/addressing/anonymous</a:Address></a:ReplyTo>",
            "<x/>",
        );
        let doc = crate::xml::parse(&t, &Limits::default()).unwrap();
        let m = Message::parse(&doc).unwrap();
        assert_eq!(m.version(), SoapVersion::Soap11);
        let a = m.addressing();
        assert_eq!(a.version, Some(AddressingVersion::Wsa10));
        assert_eq!(a.action.as_deref(), Some("urn:act"));
        assert_eq!(a.message_id.as_deref(), Some("urn:uuid:1"));
        assert_eq!(a.to.as_deref(), Some("https://sts/"));
        assert!(a.reply_to.is_some());
        assert_eq!(
            parse(&env(ns::SOAP12, "", "<x/>")).unwrap(),
            SoapVersion::Soap12
        );
    }

    #[test]
    fn rejects_bad_envelopes() {
        let bad = [
            ("<x/>".to_owned(), WireError::NotSoap),
            (
                format!(r#"<s:Envelope xmlns:s="{}"/>"#, ns::SOAP12),
                WireError::Missing("Body"),
            ),
            (
                format!(
                    r#"<s:Envelope xmlns:s="{}" xmlns:t="{}"><t:Body><x/></t:Body></s:Envelope>"#,
                    ns::SOAP12,
                    ns::SOAP11
                ),
                WireError::VersionMix,
            ),
            (
                format!(
                    r#"<s:Envelope xmlns:s="{}"><s:Body><x/></s:Body><s:Body><x/></s:Body></s:Envelope>"#,
                    ns::SOAP12
                ),
                WireError::Unexpected("second Body"),
            ),
            (env(ns::SOAP12, "", "<x/><y/>"), WireError::MultiplePayloads),
            (env(ns::SOAP12, "", ""), WireError::Missing("Body payload")),
            (
                env(ns::SOAP12, "", "junk<x/>"),
                WireError::Unexpected("text in Body"),
            ),
            (
                env(
                    ns::SOAP12,
                    "<a:Action>x</a:Action><b:MessageID>y</b:MessageID>",
                    "<x/>",
                ),
                WireError::VersionMix,
            ),
            (
                env(
                    ns::SOAP12,
                    "<a:Action>x</a:Action><a:Action>y</a:Action>",
                    "<x/>",
                ),
                WireError::Unexpected("repeated addressing header"),
            ),
            (
                env(
                    ns::SOAP12,
                    "<a:ReplyTo><a:Address>http://evil/</a:Address></a:ReplyTo>",
                    "<x/>",
                ),
                WireError::NonAnonymousReply,
            ),
            (
                env(
                    ns::SOAP12,
                    r#"<u xmlns="urn:u" s:mustUnderstand="true"/>"#,
                    "<x/>",
                ),
                WireError::MustUnderstand("u".into()),
            ),
        ];
        for (text, want) in bad {
            match parse(&text) {
                Err(Error::Wire(got)) => assert_eq!(got, want, "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
        // an unknown header without mustUnderstand is ignored
        assert!(parse(&env(ns::SOAP12, r#"<u xmlns="urn:u"/>"#, "<x/>")).is_ok());
    }

    /// Which actor/role values address this node, per SOAP version; blocks
    /// for other nodes are not header blocks of this message at all (no
    /// credentials, no addressing, no mustUnderstand).
    #[test]
    fn header_blocks_for_other_nodes_are_ignored() {
        let cases = [
            (ns::SOAP11, "", true),
            (
                ns::SOAP11,
                r#" s:actor="http://schemas.xmlsoap.org/soap/actor/next""#,
                true,
            ),
            (
                ns::SOAP11,
                r#" s:actor=" http://schemas.xmlsoap.org/soap/actor/next ""#,
                true,
            ),
            (ns::SOAP11, r#" s:actor="https://proxy.example/""#, false),
            (ns::SOAP11, r#" s:actor="""#, false),
            (
                ns::SOAP11,
                r#" s:actor="http://www.w3.org/2003/05/soap-envelope/role/next""#,
                false,
            ),
            // another version's attribute is no role in this envelope
            (
                ns::SOAP11,
                r#" xmlns:x="http://www.w3.org/2003/05/soap-envelope" x:role="urn:other""#,
                true,
            ),
            (ns::SOAP12, "", true),
            (
                ns::SOAP12,
                r#" s:role="http://www.w3.org/2003/05/soap-envelope/role/next""#,
                true,
            ),
            (
                ns::SOAP12,
                r#" s:role="http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver""#,
                true,
            ),
            (
                ns::SOAP12,
                r#" s:role="http://www.w3.org/2003/05/soap-envelope/role/none""#,
                false,
            ),
            (ns::SOAP12, r#" s:role="https://proxy.example/""#, false),
            (ns::SOAP12, r#" s:role="""#, false),
            (
                ns::SOAP12,
                r#" s:role="http://schemas.xmlsoap.org/soap/actor/next""#,
                false,
            ),
            (ns::SOAP12, r#" s:actor="https://proxy.example/""#, true),
        ];
        for (soap, attr, ours) in cases {
            let header = format!(
                r#"<a:To{attr}>https://sts/</a:To><u xmlns="urn:u" s:mustUnderstand="1"{attr}/>"#
            );
            let text = env(soap, &header, "<x/>");
            let doc = crate::xml::parse(&text, &Limits::default()).unwrap();
            match Message::parse(&doc) {
                Err(Error::Wire(WireError::MustUnderstand(_))) => assert!(ours, "{text}"),
                Ok(m) => {
                    assert!(!ours, "{text}");
                    assert_eq!(m.header_blocks().count(), 0, "{text}");
                    assert_eq!(m.addressing().to, None, "{text}");
                }
                other => panic!("{text}: {other:?}"),
            }
        }
    }

    #[test]
    fn fault_shapes() {
        let f = Fault {
            code: FaultCode::InvalidRequest,
        };
        let mut out = Out::new();
        write_fault(
            &mut out,
            SoapVersion::Soap11,
            ns::WST_13,
            &f,
            &ReplyHeaders::default(),
        );
        let s = String::from_utf8(out.into_inner()).unwrap();
        let doc = roxmltree::Document::parse(&s).unwrap();
        let code = doc
            .descendants()
            .find(|n| n.has_tag_name("faultcode"))
            .unwrap();
        assert_eq!(code.text(), Some("wst:InvalidRequest"));
        assert_eq!(code.lookup_namespace_uri(Some("wst")), Some(ns::WST_13));

        let f = Fault {
            code: FaultCode::SecurityTokenUnavailable,
        };
        let mut out = Out::new();
        let h = ReplyHeaders {
            version: Some(AddressingVersion::Wsa10),
            action: Some(AddressingVersion::Wsa10.fault_action()),
            relates_to: Some("urn:uuid:1"),
            message_id: None,
        };
        write_fault(&mut out, SoapVersion::Soap12, ns::WST_13, &f, &h);
        let s = String::from_utf8(out.into_inner()).unwrap();
        let doc = roxmltree::Document::parse(&s).unwrap();
        let values: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name((ns::SOAP12, "Value")))
            .map(|n| n.text().unwrap())
            .collect();
        assert_eq!(values, ["s:Receiver", "wsse:SecurityTokenUnavailable"]);
        assert!(s.contains("<a:RelatesTo>urn:uuid:1</a:RelatesTo>"));
    }
}
