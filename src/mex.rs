//! WS-MetadataExchange: the WSDL that describes an STS's `usernamemixed`
//! and `certificatemixed` endpoints, in the shape WCF and MSAL's mex discovery read (AD FS style:
//! a `wsp:Policy` per endpoint with an HTTPS `sp:TransportBinding` and a
//! `sp:UsernameToken` supporting token, a SOAP 1.2 binding whose operation's
//! `soapAction` names the WS-Trust version, and a port whose
//! `wsa10:EndpointReference` carries the address). Each binding describes
//! Issue (first: MSAL reads the version from the first operation), Validate,
//! Renew and Cancel, and `wsdl:types` declares the WS-Trust request and
//! response elements as open content, so that WSDL-driven clients (zeep,
//! `svcutil`) can build the operations.
//!
//! Bytes out, no I/O: the host serves [`wsdl`] for `GET .../mex` and
//! `?wsdl`, and [`get_response`] for a WS-Transfer `Get` POSTed to the mex
//! endpoint.
//!
//! ```
//! use wstrust::mex::{wsdl, Endpoint};
//! use wstrust::wst::Version;
//! let doc = wsdl(&[Endpoint::username_mixed(
//!     "https://sts.example/adfs/services/trust/13/usernamemixed",
//!     Version::Trust13,
//! )]);
//! let text = String::from_utf8(doc).unwrap();
//! assert!(text.contains("sp:WssUsernameToken10"));
//! assert!(text.contains("https://sts.example/adfs/services/trust/13/usernamemixed"));
//! ```

use crate::soap::SoapVersion;
use crate::wst::{RequestKind, RequestType, Version};
use crate::xml::ns;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// `http://schemas.xmlsoap.org/wsdl/`
pub const WSDL: &str = "http://schemas.xmlsoap.org/wsdl/";
/// `http://schemas.xmlsoap.org/wsdl/soap12/`
pub const WSDL_SOAP12: &str = "http://schemas.xmlsoap.org/wsdl/soap12/";
/// WS-SecurityPolicy 1.2 (used with WS-Trust 1.3 endpoints).
pub const SP_12: &str = "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702";
/// WS-SecurityPolicy 2005/07 (used with WS-Trust 2005 endpoints).
pub const SP_2005: &str = "http://schemas.xmlsoap.org/ws/2005/07/securitypolicy";
/// WS-MetadataExchange 2004/09.
pub const MEX: &str = "http://schemas.xmlsoap.org/ws/2004/09/mex";
/// The WS-Transfer `Get` action a mex client sends.
pub const TRANSFER_GET: &str = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get";
/// The WS-Transfer `GetResponse` action.
pub const TRANSFER_GET_RESPONSE: &str =
    "http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse";
const WSAW: &str = "http://www.w3.org/2006/05/addressing/wsdl";
const SOAP_HTTP: &str = "http://schemas.xmlsoap.org/soap/http";
const TNS: &str = "http://schemas.microsoft.com/ws/2008/06/identity/securitytokenservice";

/// How requestors authenticate at an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Authentication {
    /// `usernamemixed`: a WS-Security `UsernameToken` in the message over an
    /// HTTPS transport.
    UsernameMixed,
    /// `certificatemixed`: an X.509 certificate (BinarySecurityToken) whose
    /// key signs the message's Timestamp (and Body and `wsa:To`), over an
    /// HTTPS transport; described as AD FS does, an endorsing supporting
    /// `sp:X509Token`.
    CertificateMixed,
}

/// One endpoint to describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The absolute address clients POST to (MSAL skips non-`https://` ones).
    pub address: String,
    /// The WS-Trust version spoken there (1.4 is described as 1.3).
    pub version: Version,
    /// How requestors authenticate.
    pub authentication: Authentication,
}

impl Endpoint {
    /// A `usernamemixed` endpoint at `address` speaking `version`.
    pub fn username_mixed(address: impl Into<String>, version: Version) -> Self {
        Self {
            address: address.into(),
            version,
            authentication: Authentication::UsernameMixed,
        }
    }

    /// A `certificatemixed` endpoint at `address` speaking `version`.
    pub fn certificate_mixed(address: impl Into<String>, version: Version) -> Self {
        Self {
            address: address.into(),
            version,
            authentication: Authentication::CertificateMixed,
        }
    }
}

struct W(quick_xml::Writer<Vec<u8>>);

impl W {
    fn new() -> Self {
        Self(quick_xml::Writer::new(Vec::with_capacity(8192)))
    }
    // Writing into a Vec<u8> cannot fail.
    fn ev(&mut self, e: Event<'_>) {
        let _ = self.0.write_event(e);
    }
    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut s = BytesStart::new(name);
        s.extend_attributes(attrs.iter().copied());
        self.ev(Event::Start(s));
    }
    fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut s = BytesStart::new(name);
        s.extend_attributes(attrs.iter().copied());
        self.ev(Event::Empty(s));
    }
    fn end(&mut self, name: &str) {
        self.ev(Event::End(BytesEnd::new(name)));
    }
    fn text(&mut self, t: &str) {
        self.ev(Event::Text(BytesText::new(t)));
    }
    /// `<name><wsp:Policy>inner</wsp:Policy></name>`
    fn nested(&mut self, name: &str, attrs: &[(&str, &str)], inner: impl FnOnce(&mut Self)) {
        self.start(name, attrs);
        self.start("wsp:Policy", &[]);
        inner(self);
        self.end("wsp:Policy");
        self.end(name);
    }
    fn into_inner(self) -> Vec<u8> {
        self.0.into_inner()
    }
}

/// Names derived for endpoint `i`.
struct Names {
    binding: String,
    policy: String,
    port_type: &'static str,
    /// Operation name prefix: `Trust13` or `TrustFeb2005`.
    prefix: &'static str,
}

fn is_2005(v: Version) -> bool {
    v == Version::Trust2005
}

fn names(i: usize, e: &Endpoint) -> Names {
    let (port_type, prefix) = if is_2005(e.version) {
        ("IWSTrustFeb2005Async", "TrustFeb2005")
    } else {
        ("IWSTrust13Async", "Trust13")
    };
    let binding = format!("UserNameWSTrustBinding_{port_type}{i}");
    Names {
        policy: format!("{binding}_policy"),
        binding,
        port_type,
        prefix,
    }
}

/// The operations described per endpoint, Issue first: MSAL reads the
/// WS-Trust version from the first operation's `soapAction`.
const OPERATIONS: [(RequestKind, &str); 4] = [
    (RequestKind::Issue, "Issue"),
    (RequestKind::Validate, "Validate"),
    (RequestKind::Renew, "Renew"),
    (RequestKind::Cancel, "Cancel"),
];

fn single(kind: RequestKind) -> RequestType {
    RequestType { kind, batch: false }
}

impl Names {
    fn operation(&self, word: &str) -> String {
        format!("{}{word}Async", self.prefix)
    }
    fn message(&self, word: &str, dir: &str) -> String {
        format!("{}_{}_{dir}Message", self.port_type, self.operation(word))
    }
}

/// `wsdl:types`: the request and response elements of a WS-Trust family,
/// as open content (what the WS-Trust schemas say of them: any elements and
/// attributes). WSDL-driven clients (zeep, `svcutil`) need the elements
/// declared to build the operations.
fn write_types(w: &mut W, families: &[Version]) {
    const XS: &str = "http://www.w3.org/2001/XMLSchema";
    w.start("wsdl:types", &[]);
    for v in families {
        let (ns, elements): (&str, &[&str]) = if is_2005(*v) {
            (
                ns::WST_2005,
                &["RequestSecurityToken", "RequestSecurityTokenResponse"],
            )
        } else {
            (
                ns::WST_13,
                &[
                    "RequestSecurityToken",
                    "RequestSecurityTokenResponse",
                    "RequestSecurityTokenResponseCollection",
                ],
            )
        };
        w.start(
            "xs:schema",
            &[
                ("xmlns:xs", XS),
                ("targetNamespace", ns),
                ("elementFormDefault", "qualified"),
            ],
        );
        for name in elements {
            w.start("xs:element", &[("name", name)]);
            w.start("xs:complexType", &[]);
            w.start("xs:sequence", &[]);
            w.empty(
                "xs:any",
                &[
                    ("namespace", "##any"),
                    ("processContents", "lax"),
                    ("minOccurs", "0"),
                    ("maxOccurs", "unbounded"),
                ],
            );
            w.end("xs:sequence");
            w.empty(
                "xs:anyAttribute",
                &[("namespace", "##any"), ("processContents", "lax")],
            );
            w.end("xs:complexType");
            w.end("xs:element");
        }
        w.end("xs:schema");
    }
    w.end("wsdl:types");
}

fn write_policy(w: &mut W, n: &Names, e: &Endpoint) {
    let (sp, include) = if is_2005(e.version) {
        (
            SP_2005,
            "http://schemas.xmlsoap.org/ws/2005/07/securitypolicy/IncludeToken/AlwaysToRecipient",
        )
    } else {
        (
            SP_12,
            "http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702/IncludeToken/AlwaysToRecipient",
        )
    };
    w.start("wsp:Policy", &[("wsu:Id", &n.policy)]);
    w.start("wsp:ExactlyOne", &[]);
    w.start("wsp:All", &[]);
    w.nested("sp:TransportBinding", &[("xmlns:sp", sp)], |w| {
        w.nested("sp:TransportToken", &[], |w| {
            w.empty("sp:HttpsToken", &[("RequireClientCertificate", "false")]);
        });
        w.nested("sp:AlgorithmSuite", &[], |w| w.empty("sp:Basic256", &[]));
        w.nested("sp:Layout", &[], |w| w.empty("sp:Strict", &[]));
        w.empty("sp:IncludeTimestamp", &[]);
    });
    match e.authentication {
        Authentication::UsernameMixed => {
            // MSAL looks for SignedEncryptedSupportingTokens under SP 1.2 and
            // SignedSupportingTokens under SP 2005/07 (what AD FS publishes).
            let supporting = if is_2005(e.version) {
                "sp:SignedSupportingTokens"
            } else {
                "sp:SignedEncryptedSupportingTokens"
            };
            w.nested(supporting, &[("xmlns:sp", sp)], |w| {
                w.nested("sp:UsernameToken", &[("sp:IncludeToken", include)], |w| {
                    w.empty("sp:WssUsernameToken10", &[]);
                });
            });
        }
        Authentication::CertificateMixed => {
            // AD FS's certificatemixed: the client's certificate endorses
            // the message (its key signs the Timestamp).
            w.nested("sp:EndorsingSupportingTokens", &[("xmlns:sp", sp)], |w| {
                w.nested("sp:X509Token", &[("sp:IncludeToken", include)], |w| {
                    w.empty("sp:WssX509V3Token10", &[]);
                });
            });
        }
    }
    w.empty("wsaw:UsingAddressing", &[]);
    w.end("wsp:All");
    w.end("wsp:ExactlyOne");
    w.end("wsp:Policy");
}

/// The WSDL 1.1 document (`wsdl:definitions`) describing `endpoints`.
///
/// Addresses are written as given (escaped by construction); the host
/// decides them, ideally from configuration rather than the request's
/// `Host` header.
pub fn wsdl(endpoints: &[Endpoint]) -> Vec<u8> {
    let mut w = W::new();
    w.ev(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    write_definitions(&mut w, endpoints);
    w.into_inner()
}

fn write_definitions(w: &mut W, endpoints: &[Endpoint]) {
    w.start(
        "wsdl:definitions",
        &[
            ("name", "SecurityTokenService"),
            ("targetNamespace", TNS),
            ("xmlns:wsdl", WSDL),
            ("xmlns:soap12", WSDL_SOAP12),
            ("xmlns:wsu", ns::WSU),
            ("xmlns:wsp", ns::WSP_2004),
            ("xmlns:wsa10", ns::WSA),
            ("xmlns:wsaw", WSAW),
            ("xmlns:tns", TNS),
            ("xmlns:trust13", ns::WST_13),
            ("xmlns:trust2005", ns::WST_2005),
        ],
    );
    let all: Vec<(Names, &Endpoint)> = endpoints
        .iter()
        .enumerate()
        .map(|(i, e)| (names(i, e), e))
        .collect();
    for (n, e) in &all {
        write_policy(w, n, e);
    }
    let families: Vec<Version> = [Version::Trust13, Version::Trust2005]
        .into_iter()
        .filter(|v| all.iter().any(|(_, e)| is_2005(e.version) == is_2005(*v)))
        .collect();
    if !families.is_empty() {
        write_types(w, &families);
    }
    // Messages and port types, once per WS-Trust family in use.
    for version in &families {
        let Some((n, _)) = all
            .iter()
            .find(|(_, e)| is_2005(e.version) == is_2005(*version))
        else {
            continue;
        };
        // 1.3 answers every request with a collection (`wst::rstr`).
        let (rst, rstr) = if is_2005(*version) {
            (
                "trust2005:RequestSecurityToken",
                "trust2005:RequestSecurityTokenResponse",
            )
        } else {
            (
                "trust13:RequestSecurityToken",
                "trust13:RequestSecurityTokenResponseCollection",
            )
        };
        for (_, word) in OPERATIONS {
            w.start("wsdl:message", &[("name", &n.message(word, "Input"))]);
            w.empty("wsdl:part", &[("name", "request"), ("element", rst)]);
            w.end("wsdl:message");
            w.start("wsdl:message", &[("name", &n.message(word, "Output"))]);
            w.empty("wsdl:part", &[("name", "response"), ("element", rstr)]);
            w.end("wsdl:message");
        }
        w.start("wsdl:portType", &[("name", n.port_type)]);
        for (kind, word) in OPERATIONS {
            w.start("wsdl:operation", &[("name", &n.operation(word))]);
            let input = format!("tns:{}", n.message(word, "Input"));
            let output = format!("tns:{}", n.message(word, "Output"));
            w.empty(
                "wsdl:input",
                &[
                    ("wsaw:Action", &version.request_action(single(kind))),
                    ("message", &input),
                ],
            );
            w.empty(
                "wsdl:output",
                &[
                    ("wsaw:Action", &version.response_action(single(kind))),
                    ("message", &output),
                ],
            );
            w.end("wsdl:operation");
        }
        w.end("wsdl:portType");
    }
    for (n, e) in &all {
        let version = if is_2005(e.version) {
            Version::Trust2005
        } else {
            Version::Trust13
        };
        let port_type = format!("tns:{}", n.port_type);
        w.start(
            "wsdl:binding",
            &[("name", &n.binding), ("type", &port_type)],
        );
        w.empty("wsp:PolicyReference", &[("URI", &format!("#{}", n.policy))]);
        w.empty("soap12:binding", &[("transport", SOAP_HTTP)]);
        for (kind, word) in OPERATIONS {
            w.start("wsdl:operation", &[("name", &n.operation(word))]);
            w.empty(
                "soap12:operation",
                &[
                    ("soapAction", &version.request_action(single(kind))),
                    ("style", "document"),
                ],
            );
            for dir in ["wsdl:input", "wsdl:output"] {
                w.start(dir, &[]);
                w.empty("soap12:body", &[("use", "literal")]);
                w.end(dir);
            }
            w.end("wsdl:operation");
        }
        w.end("wsdl:binding");
    }
    w.start("wsdl:service", &[("name", "SecurityTokenService")]);
    for (n, e) in &all {
        let binding = format!("tns:{}", n.binding);
        w.start("wsdl:port", &[("name", &n.binding), ("binding", &binding)]);
        w.empty("soap12:address", &[("location", &e.address)]);
        w.start("wsa10:EndpointReference", &[]);
        w.start("wsa10:Address", &[]);
        w.text(&e.address);
        w.end("wsa10:Address");
        w.end("wsa10:EndpointReference");
        w.end("wsdl:port");
    }
    w.end("wsdl:service");
    w.end("wsdl:definitions");
}

/// The SOAP reply to a WS-Transfer `Get` on the mex endpoint: a
/// `mex:Metadata` with one WSDL `MetadataSection` describing `endpoints`.
/// `relates_to` is the request's `wsa:MessageID`, if it had one.
pub fn get_response(
    soap: SoapVersion,
    relates_to: Option<&str>,
    endpoints: &[Endpoint],
) -> Vec<u8> {
    let mut w = W::new();
    w.start(
        "s:Envelope",
        &[("xmlns:s", soap.namespace()), ("xmlns:a", ns::WSA)],
    );
    w.start("s:Header", &[]);
    w.start("a:Action", &[("s:mustUnderstand", "1")]);
    w.text(TRANSFER_GET_RESPONSE);
    w.end("a:Action");
    if let Some(id) = relates_to {
        w.start("a:RelatesTo", &[]);
        w.text(id);
        w.end("a:RelatesTo");
    }
    w.end("s:Header");
    w.start("s:Body", &[]);
    w.start("Metadata", &[("xmlns", MEX)]);
    w.start("MetadataSection", &[("Dialect", WSDL), ("Identifier", TNS)]);
    write_definitions(&mut w, endpoints);
    w.end("MetadataSection");
    w.end("Metadata");
    w.end("s:Body");
    w.end("s:Envelope");
    w.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{xml, Limits};

    fn endpoints() -> Vec<Endpoint> {
        vec![
            Endpoint::username_mixed(
                "https://h/adfs/services/trust/13/usernamemixed",
                Version::Trust13,
            ),
            Endpoint::username_mixed(
                "https://h/adfs/services/trust/2005/usernamemixed",
                Version::Trust2005,
            ),
        ]
    }

    /// Walk the document the way MSAL's MexParser does and return the
    /// (address, version) pairs it would find.
    fn child<'a, 'i>(
        n: roxmltree::Node<'a, 'i>,
        nsu: &str,
        name: &str,
    ) -> Vec<roxmltree::Node<'a, 'i>> {
        n.children()
            .filter(|c| c.is_element() && c.has_tag_name((nsu, name)))
            .collect()
    }

    fn msal_view(doc: &roxmltree::Document<'_>) -> Vec<(String, Version)> {
        let root = doc.root_element();
        let mut policies = Vec::new();
        for p in child(root, ns::WSP_2004, "Policy") {
            for all in child(p, ns::WSP_2004, "ExactlyOne")
                .into_iter()
                .flat_map(|e| child(e, ns::WSP_2004, "All"))
            {
                let has_transport = !child(all, SP_12, "TransportBinding").is_empty()
                    || !child(all, SP_2005, "TransportBinding").is_empty();
                let ut = |sp: &str, name: &str| {
                    child(all, sp, name).into_iter().any(|s| {
                        child(s, ns::WSP_2004, "Policy").into_iter().any(|p| {
                            child(p, sp, "UsernameToken").into_iter().any(|u| {
                                child(u, ns::WSP_2004, "Policy")
                                    .into_iter()
                                    .any(|p| !child(p, sp, "WssUsernameToken10").is_empty())
                            })
                        })
                    })
                };
                if has_transport
                    && (ut(SP_12, "SignedEncryptedSupportingTokens")
                        || ut(SP_2005, "SignedSupportingTokens"))
                {
                    // MSAL reads the attribute by its qualified name "wsu:Id".
                    let id = p.attribute((ns::WSU, "Id")).unwrap();
                    assert!(p.attributes().any(|a| a.name() == "Id"));
                    policies.push(format!("#{id}"));
                }
            }
        }
        let mut found = Vec::new();
        for b in child(root, WSDL, "binding") {
            let Some(r) = child(b, ns::WSP_2004, "PolicyReference").first().copied() else {
                continue;
            };
            if !policies
                .iter()
                .any(|p| Some(p.as_str()) == r.attribute("URI"))
            {
                continue;
            }
            let transport = child(b, WSDL_SOAP12, "binding")[0].attribute("transport");
            assert_eq!(transport, Some(SOAP_HTTP));
            let action = child(child(b, WSDL, "operation")[0], WSDL_SOAP12, "operation")[0]
                .attribute("soapAction")
                .unwrap();
            let version = match action {
                "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue" => Version::Trust13,
                "http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue" => Version::Trust2005,
                other => panic!("{other}"),
            };
            let name = b.attribute("name").unwrap();
            for svc in child(root, WSDL, "service") {
                for port in child(svc, WSDL, "port") {
                    let pb = port.attribute("binding").unwrap();
                    if pb.rsplit(':').next() == Some(name) {
                        let epr = child(port, ns::WSA, "EndpointReference")[0];
                        let addr = xml::whole_text(child(epr, ns::WSA, "Address")[0]);
                        found.push((addr.to_string(), version));
                    }
                }
            }
        }
        found
    }

    /// certificatemixed endpoints are described with an endorsing X.509
    /// token (AD FS's shape), and MSAL's view still sees only usernamemixed.
    #[test]
    fn certificatemixed_endpoints_are_described_with_an_endorsing_x509_token() {
        let mut eps = endpoints();
        eps.push(Endpoint::certificate_mixed(
            "https://sts.example/adfs/services/trust/13/certificatemixed",
            Version::Trust13,
        ));
        let text = String::from_utf8(wsdl(&eps)).unwrap();
        let doc = roxmltree::Document::parse(&text).unwrap();
        let endorsing: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name((SP_12, "EndorsingSupportingTokens")))
            .collect();
        assert_eq!(endorsing.len(), 1);
        assert!(endorsing[0]
            .descendants()
            .any(|n| n.has_tag_name((SP_12, "WssX509V3Token10"))));
        assert_eq!(msal_view(&doc).len(), 2, "{text}");
    }

    #[test]
    fn msal_finds_both_usernamemixed_endpoints() {
        let bytes = wsdl(&endpoints());
        let text = std::str::from_utf8(&bytes).unwrap();
        let doc = xml::parse(text, &Limits::default()).unwrap();
        let found = msal_view(&doc);
        assert_eq!(
            found,
            vec![
                (
                    "https://h/adfs/services/trust/13/usernamemixed".to_owned(),
                    Version::Trust13
                ),
                (
                    "https://h/adfs/services/trust/2005/usernamemixed".to_owned(),
                    Version::Trust2005
                ),
            ]
        );
    }

    #[test]
    fn bindings_describe_four_operations_issue_first_with_declared_elements() {
        let bytes = wsdl(&endpoints());
        let text = std::str::from_utf8(&bytes).unwrap();
        let doc = xml::parse(text, &Limits::default()).unwrap();
        let root = doc.root_element();
        for (b, ns_) in child(root, WSDL, "binding")
            .into_iter()
            .zip([ns::WST_13, ns::WST_2005])
        {
            let actions: Vec<&str> = child(b, WSDL, "operation")
                .into_iter()
                .map(|o| {
                    child(o, WSDL_SOAP12, "operation")[0]
                        .attribute("soapAction")
                        .unwrap()
                })
                .collect();
            let want: Vec<String> = ["Issue", "Validate", "Renew", "Cancel"]
                .iter()
                .map(|w| format!("{ns_}/RST/{w}"))
                .collect();
            assert_eq!(actions, want);
        }
        // Every message part names an element some schema declares.
        let declared: Vec<(String, String)> = root
            .descendants()
            .filter(|n| n.has_tag_name(("http://www.w3.org/2001/XMLSchema", "element")))
            .map(|e| {
                let schema = e.parent().unwrap();
                (
                    schema.attribute("targetNamespace").unwrap().to_owned(),
                    e.attribute("name").unwrap().to_owned(),
                )
            })
            .collect();
        let parts: Vec<_> = root
            .descendants()
            .filter(|n| n.has_tag_name((WSDL, "part")))
            .collect();
        assert_eq!(parts.len(), 16);
        for p in parts {
            let (prefix, local) = p.attribute("element").unwrap().split_once(':').unwrap();
            let uri = p.lookup_namespace_uri(Some(prefix)).unwrap();
            assert!(
                declared.contains(&(uri.to_owned(), local.to_owned())),
                "{uri} {local}"
            );
        }
    }

    #[test]
    fn addresses_are_escaped() {
        let bytes = wsdl(&[Endpoint::username_mixed(
            "https://h/x?a=1&b=\"<",
            Version::Trust13,
        )]);
        let text = std::str::from_utf8(&bytes).unwrap();
        let doc = xml::parse(text, &Limits::default()).unwrap();
        assert_eq!(msal_view(&doc)[0].0, "https://h/x?a=1&b=\"<");
    }

    #[test]
    fn get_response_wraps_the_wsdl() {
        let bytes = get_response(SoapVersion::Soap12, Some("urn:uuid:1"), &endpoints());
        let text = std::str::from_utf8(&bytes).unwrap();
        let doc = xml::parse(text, &Limits::default()).unwrap();
        let msg = crate::soap::Message::parse(&doc).unwrap();
        assert_eq!(
            msg.addressing().action.as_deref(),
            Some(TRANSFER_GET_RESPONSE)
        );
        let section = msg.payload().first_element_child().unwrap();
        assert_eq!(section.attribute("Dialect"), Some(WSDL));
        assert!(section
            .first_element_child()
            .unwrap()
            .has_tag_name((WSDL, "definitions")));
    }
}
