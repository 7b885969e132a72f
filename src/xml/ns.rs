//! Namespace URIs used across the crate.

/// XML-DSig 1.0.
pub const DS: &str = "http://www.w3.org/2000/09/xmldsig#";
/// XML-DSig 1.1 additions.
pub const DS11: &str = "http://www.w3.org/2009/xmldsig11#";
/// Additional XML-DSig algorithm URIs (RFC 6931).
pub const DSMORE: &str = "http://www.w3.org/2001/04/xmldsig-more#";
/// XML-Enc 1.0.
pub const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
/// XML-Enc 1.1.
pub const XENC11: &str = "http://www.w3.org/2009/xmlenc11#";
/// Exclusive XML canonicalization 1.0 (also the InclusiveNamespaces namespace).
pub const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// The `xml:` prefix namespace.
pub const XML: &str = "http://www.w3.org/XML/1998/namespace";
/// WS-Security 1.0 secext.
pub const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
/// WS-Security 1.1 secext.
pub const WSSE11: &str = "http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd";
/// WS-Security utility (wsu:Id, wsu:Timestamp).
pub const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
/// SAML 1.1 assertion.
pub const SAML1: &str = "urn:oasis:names:tc:SAML:1.0:assertion";
/// SAML 2.0 assertion.
pub const SAML2: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// SOAP 1.1 envelope.
pub const SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope.
pub const SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
/// WS-Addressing 1.0 (2005/08).
pub const WSA: &str = "http://www.w3.org/2005/08/addressing";
/// WS-Addressing 2004/08 submission.
pub const WSA_2004: &str = "http://schemas.xmlsoap.org/ws/2004/08/addressing";
/// WS-Trust 2005/02.
pub const WST_2005: &str = "http://schemas.xmlsoap.org/ws/2005/02/trust";
/// WS-Trust 1.3.
pub const WST_13: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
/// WS-Trust 1.4.
pub const WST_14: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200802";
/// WS-Policy 2004/09.
pub const WSP_2004: &str = "http://schemas.xmlsoap.org/ws/2004/09/policy";
/// WS-Policy 1.5.
pub const WSP_15: &str = "http://www.w3.org/ns/ws-policy";
