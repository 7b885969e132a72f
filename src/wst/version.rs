//! The three WS-Trust versions on the wire: namespaces, request types,
//! key and token type URIs, and SOAP actions.

use crate::xml::ns;

/// A WS-Trust version. Requests remember theirs; replies are written in it.
///
/// WS-Trust 1.4 keeps every 1.3 element in the 1.3 (`200512`) namespace and
/// adds new ones (e.g. `ActAs`) in the `200802` namespace, so a request is
/// 1.4 when its RST is in the 1.3 namespace and carries a 1.4 element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// WS-Trust February 2005 (`http://schemas.xmlsoap.org/ws/2005/02/trust`),
    /// spoken by AD FS `/trust/2005/*` endpoints and WCF/WIF clients.
    Trust2005,
    /// OASIS WS-Trust 1.3 (`http://docs.oasis-open.org/ws-sx/ws-trust/200512`).
    Trust13,
    /// OASIS WS-Trust 1.4 (1.3 namespace plus `.../200802` extensions).
    Trust14,
}

/// The four WS-Trust bindings an RST can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestKind {
    /// Issue a new token.
    Issue,
    /// Validate a token (`ValidateTarget`).
    Validate,
    /// Renew a token (`RenewTarget`).
    Renew,
    /// Cancel a token (`CancelTarget`).
    Cancel,
}

impl RequestKind {
    fn word(self) -> &'static str {
        match self {
            Self::Issue => "Issue",
            Self::Validate => "Validate",
            Self::Renew => "Renew",
            Self::Cancel => "Cancel",
        }
    }
}

/// `wst:RequestType`: a binding, possibly as part of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestType {
    /// What is asked for.
    pub kind: RequestKind,
    /// `true` for the `Batch*` request types used inside a
    /// `RequestSecurityTokenCollection`.
    pub batch: bool,
}

/// `wst:KeyType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyType {
    /// Holder-of-key with the requestor's public key.
    PublicKey,
    /// Holder-of-key with a symmetric proof key.
    SymmetricKey,
    /// No proof key (`.../200512/Bearer`, or `.../2005/05/identity/NoProofKey`
    /// in 2005/02).
    Bearer,
}

/// `wst:TokenType` values this crate knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenType {
    /// SAML 1.1 assertion.
    Saml11,
    /// SAML 2.0 assertion.
    Saml20,
    /// The `RSTR/Status` pseudo token type of a Validate request.
    Status,
}

/// SAML 1.1 token type URI of the WSS SAML token profile 1.1.
pub const SAML11_PROFILE: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1";
/// SAML 2.0 token type URI of the WSS SAML token profile 1.1.
pub const SAML20_PROFILE: &str =
    "http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0";
/// The 2005/02 Bearer key type (WS-Identity `NoProofKey`).
pub const NO_PROOF_KEY: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey";

impl TokenType {
    /// Recognize a token type URI (the profile URIs and the SAML namespace
    /// URIs AD FS clients send are both accepted).
    pub fn from_uri(uri: &str, version: Version) -> Option<Self> {
        match uri {
            SAML11_PROFILE | ns::SAML1 => Some(Self::Saml11),
            SAML20_PROFILE | ns::SAML2 => Some(Self::Saml20),
            _ if uri.strip_prefix(version.namespace()) == Some("/RSTR/Status") => {
                Some(Self::Status)
            }
            _ => None,
        }
    }

    /// The canonical URI (WSS SAML token profile 1.1; `RSTR/Status` in the
    /// given version's namespace).
    pub fn uri(self, version: Version) -> &'static str {
        match (self, version) {
            (Self::Saml11, _) => SAML11_PROFILE,
            (Self::Saml20, _) => SAML20_PROFILE,
            (Self::Status, Version::Trust2005) => {
                "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Status"
            }
            (Self::Status, _) => "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Status",
        }
    }
}

impl Version {
    /// The namespace of the RST/RSTR elements (1.4 uses the 1.3 one).
    pub fn namespace(self) -> &'static str {
        match self {
            Self::Trust2005 => ns::WST_2005,
            Self::Trust13 | Self::Trust14 => ns::WST_13,
        }
    }

    /// The version whose core namespace is `uri` (1.3 for `200512`; a request
    /// becomes 1.4 only when it carries a 1.4 element).
    pub fn from_namespace(uri: &str) -> Option<Self> {
        match uri {
            ns::WST_2005 => Some(Self::Trust2005),
            ns::WST_13 => Some(Self::Trust13),
            _ => None,
        }
    }

    /// Whether answers are always wrapped in
    /// `RequestSecurityTokenResponseCollection` (1.3 and 1.4, as .NET clients
    /// require) or a bare RSTR (2005/02).
    pub fn wraps_in_collection(self) -> bool {
        !matches!(self, Self::Trust2005)
    }

    /// The `RequestType` URI.
    pub fn request_type_uri(self, rt: RequestType) -> String {
        let batch = if rt.batch { "Batch" } else { "" };
        format!("{}/{batch}{}", self.namespace(), rt.kind.word())
    }

    /// Recognize a `RequestType` URI of this version.
    pub fn request_type(self, uri: &str) -> Option<RequestType> {
        let rest = uri.strip_prefix(self.namespace())?.strip_prefix('/')?;
        let (batch, word) = match rest.strip_prefix("Batch") {
            Some(w) => (true, w),
            None => (false, rest),
        };
        let kind = match word {
            "Issue" => RequestKind::Issue,
            "Validate" => RequestKind::Validate,
            "Renew" => RequestKind::Renew,
            "Cancel" => RequestKind::Cancel,
            _ => return None,
        };
        Some(RequestType { kind, batch })
    }

    /// The `wsa:Action` of a request of this type.
    pub fn request_action(self, rt: RequestType) -> String {
        let batch = if rt.batch { "Batch" } else { "" };
        format!("{}/RST/{batch}{}", self.namespace(), rt.kind.word())
    }

    /// The `wsa:Action` of the final reply: 2005/02 `RSTR/Issue`; 1.3/1.4
    /// `RSTRC/IssueFinal`, `RSTR/ValidateFinal`, `RSTR/RenewFinal`,
    /// `RSTR/CancelFinal`, and `RSTRC/Batch*Final` for batches.
    pub fn response_action(self, rt: RequestType) -> String {
        let ns = self.namespace();
        let word = rt.kind.word();
        match self {
            Self::Trust2005 if rt.batch => format!("{ns}/RSTRC/Batch{word}"),
            Self::Trust2005 => format!("{ns}/RSTR/{word}"),
            _ if rt.batch => format!("{ns}/RSTRC/Batch{word}Final"),
            _ if rt.kind == RequestKind::Issue => format!("{ns}/RSTRC/IssueFinal"),
            _ => format!("{ns}/RSTR/{word}Final"),
        }
    }

    /// The `KeyType` URI.
    pub fn key_type_uri(self, kt: KeyType) -> &'static str {
        match (self, kt) {
            (Self::Trust2005, KeyType::PublicKey) => {
                "http://schemas.xmlsoap.org/ws/2005/02/trust/PublicKey"
            }
            (Self::Trust2005, KeyType::SymmetricKey) => {
                "http://schemas.xmlsoap.org/ws/2005/02/trust/SymmetricKey"
            }
            (Self::Trust2005, KeyType::Bearer) => NO_PROOF_KEY,
            (_, KeyType::PublicKey) => "http://docs.oasis-open.org/ws-sx/ws-trust/200512/PublicKey",
            (_, KeyType::SymmetricKey) => {
                "http://docs.oasis-open.org/ws-sx/ws-trust/200512/SymmetricKey"
            }
            (_, KeyType::Bearer) => "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer",
        }
    }

    /// Recognize a `KeyType` URI. The version's own URIs are accepted, and
    /// for 2005/02 also the 1.3 `Bearer` URI some clients send there.
    pub fn key_type(self, uri: &str) -> Option<KeyType> {
        if uri == NO_PROOF_KEY {
            return Some(KeyType::Bearer);
        }
        let word = uri.strip_prefix(self.namespace())?.strip_prefix('/')?;
        match word {
            "PublicKey" => Some(KeyType::PublicKey),
            "SymmetricKey" => Some(KeyType::SymmetricKey),
            "Bearer" => Some(KeyType::Bearer),
            _ => None,
        }
        .or_else(|| {
            (self == Self::Trust2005
                && uri == "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer")
                .then_some(KeyType::Bearer)
        })
    }

    /// `ComputedKey` P_SHA1 algorithm URI (`.../CK/PSHA1`).
    pub fn psha1_uri(self) -> String {
        format!("{}/CK/PSHA1", self.namespace())
    }

    /// `BinarySecret/@Type` URI for a kind of secret.
    pub fn binary_secret_type_uri(self, t: super::rst::BinarySecretType) -> String {
        use super::rst::BinarySecretType as T;
        let w = match t {
            T::SymmetricKey => "SymmetricKey",
            T::AsymmetricKey => "AsymmetricKey",
            T::Nonce => "Nonce",
        };
        format!("{}/{w}", self.namespace())
    }

    /// `Status/Code` URI (`.../status/valid` or `.../status/invalid`).
    pub fn status_code_uri(self, valid: bool) -> String {
        let w = if valid { "valid" } else { "invalid" };
        format!("{}/status/{w}", self.namespace())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions() {
        let issue = RequestType {
            kind: RequestKind::Issue,
            batch: false,
        };
        let validate = RequestType {
            kind: RequestKind::Validate,
            batch: false,
        };
        assert_eq!(
            Version::Trust13.request_action(issue),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue"
        );
        assert_eq!(
            Version::Trust13.response_action(issue),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal"
        );
        assert_eq!(
            Version::Trust14.response_action(validate),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/ValidateFinal"
        );
        assert_eq!(
            Version::Trust2005.response_action(issue),
            "http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Issue"
        );
        let bi = RequestType {
            kind: RequestKind::Issue,
            batch: true,
        };
        assert_eq!(
            Version::Trust13.response_action(bi),
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/BatchIssueFinal"
        );
    }

    #[test]
    fn request_and_key_types_round_trip() {
        for v in [Version::Trust2005, Version::Trust13, Version::Trust14] {
            for kind in [
                RequestKind::Issue,
                RequestKind::Validate,
                RequestKind::Renew,
                RequestKind::Cancel,
            ] {
                for batch in [false, true] {
                    let rt = RequestType { kind, batch };
                    assert_eq!(v.request_type(&v.request_type_uri(rt)), Some(rt));
                }
            }
            for kt in [KeyType::PublicKey, KeyType::SymmetricKey, KeyType::Bearer] {
                assert_eq!(v.key_type(v.key_type_uri(kt)), Some(kt));
            }
            for tt in [TokenType::Saml11, TokenType::Saml20, TokenType::Status] {
                assert_eq!(TokenType::from_uri(tt.uri(v), v), Some(tt));
            }
        }
        assert_eq!(
            Version::Trust13
                .request_type("http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issuex"),
            None
        );
        assert_eq!(
            Version::Trust13.request_type("http://schemas.xmlsoap.org/ws/2005/02/trust/Issue"),
            None
        );
        assert_eq!(
            Version::Trust13.key_type("http://schemas.xmlsoap.org/ws/2005/02/trust/PublicKey"),
            None
        );
        assert_eq!(
            TokenType::from_uri("urn:oasis:names:tc:SAML:1.0:assertion", Version::Trust2005),
            Some(TokenType::Saml11)
        );
        assert_eq!(TokenType::from_uri("urn:x", Version::Trust13), None);
    }
}
