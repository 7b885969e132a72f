//! What can go wrong on the client side: a fault from the STS (typed by its
//! code), a response that is not SOAP or carries no token, a MEX document
//! without a usable endpoint, or a request that cannot be written.

use crate::error::{FaultCode, FaultFamily};
use crate::soap::SoapVersion;
use crate::xml::ns;

/// Why the WS-Trust client failed (wrapped as [`Error::Client`](crate::Error::Client)).
///
/// Limit breaches while reading a response stay [`Error::Limit`](crate::Error::Limit).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The STS answered with a SOAP fault.
    #[error("STS fault {}: {}", .0.code_name(), .0.reason)]
    Fault(ServerFault),
    /// The response is not a SOAP envelope (an HTML error page, plain text,
    /// not XML, a DTD); the text says which.
    #[error("response is not a SOAP envelope: {0}")]
    NotSoap(&'static str),
    /// The SOAP Body holds something other than an RSTR, an RSTRC or a fault.
    #[error("unexpected response payload {0:?}")]
    UnexpectedPayload(String),
    /// The RSTR lacks what the request asked for (no token for an Issue or
    /// Renew, no status for a Validate, no cancellation for a Cancel).
    #[error("response carries no {0}")]
    Missing(&'static str),
    /// The RSTR is malformed (a duplicate element, a bad value, text between
    /// elements); the text names the part.
    #[error("malformed response: {0}")]
    Malformed(&'static str),
    /// The response is in another WS-Trust version than the request.
    #[error("response in another WS-Trust version than the request")]
    VersionMismatch,
    /// The response's `wsa:RelatesTo` names another request.
    #[error("response relates to another request")]
    RelatesToMismatch,
    /// The STS sent a computed key but no client entropy is known, or the
    /// proof key cannot be derived (no or short server entropy, a key size
    /// out of range, an algorithm other than P_SHA1).
    #[error("proof key: {0}")]
    ProofKey(&'static str),
    /// The request cannot be written as given (an empty address, a token that
    /// is not one well-formed element, a credential that cannot sign).
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
    /// The MEX document is not a WSDL (or WS-Transfer `GetResponse` holding
    /// one) this client reads.
    #[error("not a MEX/WSDL document: {0}")]
    NotMex(&'static str),
    /// The MEX document describes no endpoint the client can use with this
    /// credential (WS-Trust 1.3 or 2005, SOAP 1.2 over HTTPS, the matching
    /// `usernamemixed` or `certificatemixed` policy).
    #[error("no usable endpoint in the MEX document")]
    NoUsableEndpoint,
    /// TLS failed (feature `client-http`): the server's certificate does not
    /// chain to the trust anchors given, or the handshake failed.
    #[error("TLS: {0}")]
    Tls(String),
    /// The HTTP exchange failed (feature `client-http`): connection, timeout,
    /// a plain `http://` URL, an unexpected status for a MEX GET.
    #[error("HTTP: {0}")]
    Http(String),
}

/// A SOAP fault as the STS sent it (SOAP 1.1 `faultcode`/`faultstring`, SOAP
/// 1.2 `Code/Value`, innermost `Subcode/Value` and the first `Reason/Text`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerFault {
    /// The SOAP version of the fault envelope.
    pub soap: SoapVersion,
    /// The namespace the code's QName prefix resolves to (`None` for an
    /// unprefixed or unresolvable code).
    pub namespace: Option<String>,
    /// The local name of the most specific code (the innermost SOAP 1.2
    /// subcode, else the SOAP 1.1 `faultcode` or SOAP 1.2 `Code/Value`), e.g.
    /// `FailedAuthentication`.
    pub local_name: String,
    /// The SOAP 1.2 top-level `Code/Value` local name (`Sender`,
    /// `Receiver`); `None` for SOAP 1.1.
    pub soap_code: Option<String>,
    /// The reason text (trimmed).
    pub reason: String,
}

impl ServerFault {
    /// The WS-Trust, WS-Security or WS-Addressing code this fault names, when it is one of
    /// [`FaultCode`] (its namespace decides between `wst:` and `wsse:` codes
    /// of the same local name; any WS-Trust version's namespace counts).
    pub fn code(&self) -> Option<FaultCode> {
        let family = match self.namespace.as_deref()? {
            ns::WSSE => FaultFamily::Security,
            ns::WST_2005 | ns::WST_13 | ns::WST_14 => FaultFamily::Trust,
            ns::WSA | ns::WSA_2004 => FaultFamily::Addressing,
            _ => return None,
        };
        ALL_CODES
            .iter()
            .copied()
            .find(|c| c.family() == family && c.local_name() == self.local_name)
    }

    /// `{namespace}local` (or `local` without a namespace), for messages.
    pub fn code_name(&self) -> String {
        match &self.namespace {
            Some(n) => format!("{{{n}}}{}", self.local_name),
            None => self.local_name.clone(),
        }
    }
}

/// Every [`FaultCode`], for reading codes back.
const ALL_CODES: [FaultCode; 20] = [
    FaultCode::InvalidRequest,
    FaultCode::TrustFailedAuthentication,
    FaultCode::RequestFailed,
    FaultCode::TrustInvalidSecurityToken,
    FaultCode::AuthenticationBadElements,
    FaultCode::BadRequest,
    FaultCode::ExpiredData,
    FaultCode::InvalidTimeRange,
    FaultCode::InvalidScope,
    FaultCode::RenewNeeded,
    FaultCode::UnableToRenew,
    FaultCode::UnsupportedSecurityToken,
    FaultCode::UnsupportedAlgorithm,
    FaultCode::InvalidSecurity,
    FaultCode::InvalidSecurityToken,
    FaultCode::FailedAuthentication,
    FaultCode::FailedCheck,
    FaultCode::SecurityTokenUnavailable,
    FaultCode::MessageExpired,
    FaultCode::DestinationUnreachable,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_in_its_family() {
        for c in ALL_CODES {
            let namespace = match c.family() {
                FaultFamily::Security => ns::WSSE,
                FaultFamily::Trust => ns::WST_13,
                FaultFamily::Addressing => ns::WSA,
            };
            let f = ServerFault {
                soap: SoapVersion::Soap12,
                namespace: Some(namespace.to_owned()),
                local_name: c.local_name().to_owned(),
                soap_code: None,
                reason: String::new(),
            };
            assert_eq!(f.code(), Some(c));
        }
        let f = ServerFault {
            soap: SoapVersion::Soap11,
            namespace: Some("urn:other".into()),
            local_name: "FailedAuthentication".into(),
            soap_code: None,
            reason: String::new(),
        };
        assert_eq!(f.code(), None);
    }

    #[test]
    fn client_errors_map_to_request_failed() {
        // A host that calls an upstream STS while answering its own peer
        // reports the upstream's failure generically.
        let upstream = ServerFault {
            soap: SoapVersion::Soap12,
            namespace: Some(ns::WSSE.to_owned()),
            local_name: "FailedAuthentication".into(),
            soap_code: Some("Sender".into()),
            reason: "ID3242: upstream detail".into(),
        };
        for e in [
            ClientError::Fault(upstream),
            ClientError::NotSoap("an HTML page"),
            ClientError::NoUsableEndpoint,
        ] {
            let f = crate::Fault::from(&crate::Error::Client(e));
            assert_eq!(f.code, FaultCode::RequestFailed);
            assert!(!f.to_string().contains("ID3242"));
        }
    }
}
