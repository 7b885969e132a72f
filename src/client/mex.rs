//! MEX: read a WS-MetadataExchange document (a WSDL, or the WS-Transfer
//! `GetResponse` that wraps one, as AD FS and this crate's [`crate::mex`]
//! serve) and choose an endpoint the way MSAL does.
//!
//! An endpoint is usable when its `wsdl:binding` references (by
//! `wsp:PolicyReference`) a policy with an HTTPS `sp:TransportBinding` and
//! either a `UsernameToken` in `sp:SignedSupportingTokens` /
//! `sp:SignedEncryptedSupportingTokens` (`usernamemixed`) or an
//! `sp:X509Token` in `sp:EndorsingSupportingTokens` /
//! `sp:SignedEndorsingSupportingTokens` (`certificatemixed`), is a SOAP 1.2
//! HTTP binding whose Issue `soapAction` names WS-Trust 1.3 or 2005, and its
//! port has an address. [`choose`] then takes WS-Trust 1.3 over 2005, and an
//! `https://` address only.

use super::{ClientError, CredentialKind, Request};
use crate::error::Error;
use crate::mex::{SP_12, SP_2005, WSDL, WSDL_SOAP12};
use crate::soap::SoapVersion;
use crate::wst::{RequestKind, RequestType, Version};
use crate::xml::{self, ns, whole_text};
use crate::Limits;
use roxmltree::Node;
use std::collections::HashMap;

const SOAP_HTTP: &str = "http://schemas.xmlsoap.org/soap/http";

/// One endpoint a MEX document describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MexEndpoint {
    /// The address to POST to (`wsa:EndpointReference/wsa:Address` of the
    /// port, else its `soap12:address/@location`).
    pub address: String,
    /// The WS-Trust version of the binding.
    pub version: Version,
    /// The credential its policy asks for.
    pub credential: CredentialKind,
}

impl MexEndpoint {
    /// An Issue request to this endpoint, in its WS-Trust version over SOAP
    /// 1.2 (the binding's SOAP version, for 2005 endpoints too).
    pub fn issue(&self) -> Request {
        Request::issue(self.version, self.address.clone()).soap_version(SoapVersion::Soap12)
    }
}

fn is_policy_ns(n: Node<'_, '_>) -> bool {
    matches!(n.tag_name().namespace(), Some(ns::WSP_2004 | ns::WSP_15))
}

fn is_sp(n: Node<'_, '_>, names: &[&str]) -> bool {
    matches!(n.tag_name().namespace(), Some(SP_12 | SP_2005))
        && names.contains(&n.tag_name().name())
}

/// The credential a policy asks for, if it is a mixed-mode one we support.
fn policy_kind(policy: Node<'_, '_>) -> Option<CredentialKind> {
    let transport = policy.descendants().any(|n| {
        is_sp(n, &["TransportBinding"]) && n.descendants().any(|h| is_sp(h, &["HttpsToken"]))
    });
    if !transport {
        return None;
    }
    let has = |outer: &[&str], inner: &str| {
        policy
            .descendants()
            .any(|n| is_sp(n, outer) && n.descendants().any(|t| is_sp(t, &[inner])))
    };
    if has(
        &["SignedSupportingTokens", "SignedEncryptedSupportingTokens"],
        "UsernameToken",
    ) {
        Some(CredentialKind::UsernamePassword)
    } else if has(
        &[
            "EndorsingSupportingTokens",
            "SignedEndorsingSupportingTokens",
        ],
        "X509Token",
    ) {
        Some(CredentialKind::Certificate)
    } else {
        None
    }
}

fn issue_version(binding: Node<'_, '_>) -> Option<Version> {
    let issue = RequestType {
        kind: RequestKind::Issue,
        batch: false,
    };
    binding
        .children()
        .filter(|o| o.has_tag_name((WSDL, "operation")))
        .flat_map(|o| o.children())
        .filter(|s| s.has_tag_name((WSDL_SOAP12, "operation")))
        .filter_map(|s| s.attribute("soapAction"))
        .find_map(|a| {
            [Version::Trust13, Version::Trust2005]
                .into_iter()
                .find(|v| v.request_action(issue) == a.trim())
        })
}

fn local(qname: &str) -> &str {
    qname.rsplit(':').next().unwrap_or(qname)
}

/// Every usable endpoint of the MEX document, in document order.
///
/// Errors: [`ClientError::NotMex`] when the bytes are not XML holding a
/// `wsdl:definitions` (directly or in a `mex:MetadataSection`); limits hit
/// are [`Error::Limit`]. A WSDL without usable endpoints gives an empty list
/// (and [`choose`] a [`ClientError::NoUsableEndpoint`]).
pub fn parse(bytes: &[u8], limits: &Limits) -> Result<Vec<MexEndpoint>, Error> {
    let not_mex = |e: Error| match e {
        Error::Limit(l) => Error::Limit(l),
        _ => ClientError::NotMex("not well-formed XML").into(),
    };
    let text = xml::parse_bytes(bytes, limits).map_err(not_mex)?;
    let doc = xml::parse(text, limits).map_err(not_mex)?;
    let root = doc.root_element();
    let definitions: Vec<Node<'_, '_>> = if root.has_tag_name((WSDL, "definitions")) {
        vec![root]
    } else if root.tag_name().name() == "Envelope"
        && matches!(root.tag_name().namespace(), Some(ns::SOAP11 | ns::SOAP12))
    {
        root.descendants()
            .filter(|n| {
                n.has_tag_name((crate::mex::MEX, "MetadataSection"))
                    && n.attribute("Dialect").map(str::trim) == Some(WSDL)
            })
            .flat_map(|s| {
                s.children()
                    .filter(|d| d.has_tag_name((WSDL, "definitions")))
            })
            .collect()
    } else {
        Vec::new()
    };
    if definitions.is_empty() {
        return Err(ClientError::NotMex("no wsdl:definitions").into());
    }
    let mut policies: HashMap<&str, CredentialKind> = HashMap::new();
    for d in &definitions {
        for p in d
            .descendants()
            .filter(|n| is_policy_ns(*n) && n.tag_name().name() == "Policy")
        {
            if let (Some(id), Some(kind)) = (p.attribute((ns::WSU, "Id")), policy_kind(p)) {
                policies.insert(id, kind);
            }
        }
    }
    let mut bindings: HashMap<&str, (Version, CredentialKind)> = HashMap::new();
    for d in &definitions {
        for b in d.children().filter(|n| n.has_tag_name((WSDL, "binding"))) {
            let Some(name) = b.attribute("name") else {
                continue;
            };
            let kind = b
                .children()
                .filter(|r| is_policy_ns(*r) && r.tag_name().name() == "PolicyReference")
                .filter_map(|r| r.attribute("URI")?.trim().strip_prefix('#'))
                .find_map(|id| policies.get(id).copied());
            let soap12_http = b.children().any(|s| {
                s.has_tag_name((WSDL_SOAP12, "binding"))
                    && s.attribute("transport").map(str::trim) == Some(SOAP_HTTP)
            });
            if let (Some(kind), true, Some(version)) = (kind, soap12_http, issue_version(b)) {
                bindings.insert(name, (version, kind));
            }
        }
    }
    let mut out = Vec::new();
    for d in &definitions {
        for port in d
            .children()
            .filter(|s| s.has_tag_name((WSDL, "service")))
            .flat_map(|s| s.children())
            .filter(|p| p.has_tag_name((WSDL, "port")))
        {
            let Some(&(version, credential)) = port
                .attribute("binding")
                .and_then(|b| bindings.get(local(b.trim())))
            else {
                continue;
            };
            let epr = port
                .children()
                .filter(|e| {
                    e.tag_name().name() == "EndpointReference"
                        && matches!(e.tag_name().namespace(), Some(ns::WSA | ns::WSA_2004))
                })
                .flat_map(|e| e.children())
                .find(|a| a.tag_name().name() == "Address")
                .map(|a| whole_text(a).trim().to_owned());
            let soap12 = port
                .children()
                .find(|a| a.has_tag_name((WSDL_SOAP12, "address")))
                .and_then(|a| a.attribute("location"))
                .map(|l| l.trim().to_owned());
            if let Some(address) = epr.or(soap12).filter(|a| !a.is_empty()) {
                out.push(MexEndpoint {
                    address,
                    version,
                    credential,
                });
            }
        }
    }
    Ok(out)
}

/// The endpoint to use with a `credential`, as MSAL chooses: among the
/// endpoints for that credential with an `https://` address, the first
/// WS-Trust 1.3 one, else the first 2005 one.
pub fn choose(
    endpoints: &[MexEndpoint],
    credential: CredentialKind,
) -> Result<&MexEndpoint, Error> {
    let usable = |v: Version| {
        endpoints.iter().find(|e| {
            e.credential == credential
                && e.version == v
                && e.address
                    .get(..8)
                    .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
        })
    };
    usable(Version::Trust13)
        .or_else(|| usable(Version::Trust2005))
        .ok_or_else(|| ClientError::NoUsableEndpoint.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mex::{get_response, wsdl, Endpoint};

    #[test]
    fn reads_what_the_sts_serves() {
        let eps = [
            Endpoint::username_mixed("https://h/trust/2005/usernamemixed", Version::Trust2005),
            Endpoint::username_mixed("https://h/trust/13/usernamemixed", Version::Trust13),
        ];
        for bytes in [wsdl(&eps), get_response(SoapVersion::Soap12, None, &eps)] {
            let found = parse(&bytes, &Limits::default()).unwrap();
            assert_eq!(found.len(), 2);
            let e = choose(&found, CredentialKind::UsernamePassword).unwrap();
            assert_eq!(e.address, "https://h/trust/13/usernamemixed");
            assert_eq!(e.version, Version::Trust13);
            assert!(matches!(
                choose(&found, CredentialKind::Certificate),
                Err(Error::Client(ClientError::NoUsableEndpoint))
            ));
        }
    }
}
