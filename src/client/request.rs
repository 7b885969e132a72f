//! Request builders: a WS-Trust 2005/02 or 1.3 Issue, Validate, Renew or
//! Cancel in a SOAP envelope with WS-Addressing headers and a WS-Security
//! header carrying the credential. Every value is escaped by construction
//! (the crate's writer); tokens placed in targets are checked to be one
//! well-formed element first.

use super::response::{self, Expect, Response};
use super::ClientError;
use crate::dsig::{self, KeyInfo, SignOptions, SigningKey};
use crate::keys::{Certificate, PrivateKey};
use crate::soap::{AddressingVersion, Out, SoapVersion};
use crate::wss;
use crate::wst::rst::DIALECT_IDENTITY;
use crate::wst::{RequestKind, RequestType, Secret, TokenType, Version};
use crate::xml::{self, ns};
use crate::{Error, Limits};
use base64::Engine as _;
use std::fmt;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// How long the `wsu:Timestamp` of a request is valid by default: five
/// minutes, the window WCF and the STS's own replay cache use.
pub const DEFAULT_TIMESTAMP_VALIDITY: Duration = Duration::minutes(5);

/// Element IDs used in the request (fixed: one message holds one of each).
const TIMESTAMP_ID: &str = "_0";
const BODY_ID: &str = "_1";
const TO_ID: &str = "_2";
const BST_ID: &str = "uuid-x509-1";
const UT_ID: &str = "uuid-ut-1";

/// Who the request says it comes from, proven in the `wsse:Security` header.
#[derive(Clone)]
pub enum Credential {
    /// A WS-Security `UsernameToken` with the password in clear
    /// (`PasswordText`) and a `wsu:Timestamp`.
    ///
    /// **Only over TLS** (`usernamemixed` endpoints): anyone who sees the
    /// message learns the password. The builder cannot check the transport;
    /// the caller must send it over HTTPS to an authenticated server.
    UsernameToken {
        /// The user name.
        username: String,
        /// The password (redacted in `Debug`).
        password: Secret,
    },
    /// An X.509-signed request (`certificatemixed` endpoints): the
    /// certificate as a `wsse:BinarySecurityToken`, and a detached RSA-SHA256
    /// signature by its key over the `wsu:Timestamp`, the `Body` and
    /// `wsa:To`, its `KeyInfo` a `SecurityTokenReference` to the token.
    X509 {
        /// The client certificate (it must carry `key`'s public key).
        certificate: Box<Certificate>,
        /// The matching private key.
        key: Arc<dyn PrivateKey>,
    },
}

impl Credential {
    /// A `UsernameToken` credential (send it over TLS only).
    pub fn username(username: impl Into<String>, password: &str) -> Self {
        Self::UsernameToken {
            username: username.into(),
            password: Secret::new(password.as_bytes().to_vec()),
        }
    }

    /// An X.509 signing credential.
    pub fn x509(certificate: Certificate, key: Arc<dyn PrivateKey>) -> Self {
        Self::X509 {
            certificate: Box::new(certificate),
            key,
        }
    }

    /// Which kind of endpoint this credential needs.
    pub fn kind(&self) -> CredentialKind {
        match self {
            Self::UsernameToken { .. } => CredentialKind::UsernamePassword,
            Self::X509 { .. } => CredentialKind::Certificate,
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UsernameToken { username, .. } => f
                .debug_struct("UsernameToken")
                .field("username", username)
                .field("password", &"<redacted>")
                .finish(),
            Self::X509 { certificate, .. } => f
                .debug_struct("X509")
                .field("subject", &certificate.subject())
                .finish_non_exhaustive(),
        }
    }
}

/// The kind of credential, which decides the endpoint (see
/// [`super::mex::choose`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// User name and password: a `usernamemixed` endpoint.
    UsernamePassword,
    /// Client certificate: a `certificatemixed` endpoint.
    Certificate,
}

/// The proof key asked for (`wst:KeyType` and what goes with it).
#[derive(Debug, Clone)]
pub enum KeyRequest {
    /// A bearer token: no proof key.
    Bearer,
    /// A symmetric proof key of `key_size` bits (the STS's default when
    /// `None`). With `entropy`, the client's entropy is sent as a `Nonce`
    /// with `ComputedKeyAlgorithm` P_SHA1, and the key is computed from both
    /// entropies when the response is read; without, the STS chooses the key.
    /// The entropy must come from a cryptographic RNG (the core has none).
    Symmetric {
        /// Client entropy (at least 16 bytes; 32 is usual).
        entropy: Option<Secret>,
        /// Requested key size in bits.
        key_size: Option<u32>,
    },
    /// A public-key token bound to this certificate's key, sent in
    /// `wst:UseKey`. The STS accepts it only if the request is signed by that
    /// key: use it with the matching [`Credential::X509`].
    PublicKey(Box<Certificate>),
}

impl KeyRequest {
    /// [`KeyRequest::PublicKey`] for `certificate`.
    pub fn public_key(certificate: Certificate) -> Self {
        Self::PublicKey(Box::new(certificate))
    }
}

/// A WS-Trust request to build: operation, version, endpoint and the
/// optional RST elements.
///
/// # Defaults
/// | what | default |
/// |---|---|
/// | SOAP version | 1.2 for WS-Trust 1.3 (AD FS `/trust/13/`), 1.1 for 2005/02 |
/// | WS-Addressing | 1.0 (2005/08), `ReplyTo` anonymous |
/// | `TokenType` | none for Issue/Renew/Cancel (the STS's default); `RSTR/Status` for Validate |
/// | `KeyType` | none (the STS's default) |
/// | `Timestamp` validity | [`DEFAULT_TIMESTAMP_VALIDITY`] (5 minutes) |
///
/// See the [module example](super) for a round trip.
#[derive(Debug, Clone)]
pub struct Request {
    kind: RequestKind,
    version: Version,
    soap: SoapVersion,
    endpoint: String,
    applies_to: Option<String>,
    token_type: Option<String>,
    key: Option<KeyRequest>,
    lifetime: Option<(OffsetDateTime, OffsetDateTime)>,
    claims: Vec<(String, bool)>,
    target: Option<Vec<u8>>,
    context: Option<String>,
    timestamp_validity: Duration,
}

impl Request {
    fn new(kind: RequestKind, version: Version, endpoint: impl Into<String>) -> Self {
        let soap = match version {
            Version::Trust2005 => SoapVersion::Soap11,
            _ => SoapVersion::Soap12,
        };
        let token_type =
            (kind == RequestKind::Validate).then(|| TokenType::Status.uri(version).to_owned());
        Self {
            kind,
            version,
            soap,
            endpoint: endpoint.into(),
            applies_to: None,
            token_type,
            key: None,
            lifetime: None,
            claims: Vec::new(),
            target: None,
            context: None,
            timestamp_validity: DEFAULT_TIMESTAMP_VALIDITY,
        }
    }

    /// An Issue request to `endpoint` (also the `wsa:To`).
    pub fn issue(version: Version, endpoint: impl Into<String>) -> Self {
        Self::new(RequestKind::Issue, version, endpoint)
    }

    /// A Validate request for `token` (its exact bytes: one element, such as
    /// [`Response::token`]), asking for a status.
    pub fn validate(version: Version, endpoint: impl Into<String>, token: &[u8]) -> Self {
        Self::new(RequestKind::Validate, version, endpoint).target(token)
    }

    /// A Renew request for `token`.
    pub fn renew(version: Version, endpoint: impl Into<String>, token: &[u8]) -> Self {
        Self::new(RequestKind::Renew, version, endpoint).target(token)
    }

    /// A Cancel request for `token`.
    pub fn cancel(version: Version, endpoint: impl Into<String>, token: &[u8]) -> Self {
        Self::new(RequestKind::Cancel, version, endpoint).target(token)
    }

    fn target(mut self, token: &[u8]) -> Self {
        self.target = Some(token.to_vec());
        self
    }

    /// Use this SOAP version instead of the version's default.
    pub fn soap_version(mut self, soap: SoapVersion) -> Self {
        self.soap = soap;
        self
    }

    /// `wsp:AppliesTo`: the relying party the token is for.
    pub fn applies_to(mut self, address: impl Into<String>) -> Self {
        self.applies_to = Some(address.into());
        self
    }

    /// `wst:TokenType` of a known type (its WSS SAML token profile URI).
    pub fn token_type(mut self, token_type: TokenType) -> Self {
        self.token_type = Some(token_type.uri(self.version).to_owned());
        self
    }

    /// `wst:TokenType` as a URI (e.g. `urn:oasis:names:tc:SAML:2.0:assertion`,
    /// as MSAL and AD FS clients send it).
    pub fn token_type_uri(mut self, uri: impl Into<String>) -> Self {
        self.token_type = Some(uri.into());
        self
    }

    /// `wst:KeyType` and the elements it needs.
    pub fn key_type(mut self, key: KeyRequest) -> Self {
        self.key = Some(key);
        self
    }

    /// `wst:Lifetime` asked for.
    pub fn lifetime(mut self, created: OffsetDateTime, expires: OffsetDateTime) -> Self {
        self.lifetime = Some((created, expires));
        self
    }

    /// Ask for a claim (`wst:Claims` in the WS-Identity dialect).
    pub fn claim(mut self, uri: impl Into<String>, optional: bool) -> Self {
        self.claims.push((uri.into(), optional));
        self
    }

    /// `@Context` of the RST (echoed by the STS).
    pub fn context(mut self, context: impl Into<String>) -> Self {
        self.context = Some(context.into());
        self
    }

    /// How long the `wsu:Timestamp` is valid.
    pub fn timestamp_validity(mut self, validity: Duration) -> Self {
        self.timestamp_validity = validity;
        self
    }

    /// The WS-Trust version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// The operation.
    pub fn kind(&self) -> RequestKind {
        self.kind
    }

    /// The `wsa:Action` (also the SOAP 1.1 `SOAPAction` HTTP header).
    pub fn action(&self) -> String {
        self.version.request_action(RequestType {
            kind: self.kind,
            batch: false,
        })
    }

    /// Write the SOAP envelope, with `credential` in the Security header, a
    /// Timestamp from `now` for [`Self::timestamp_validity`], and
    /// `message_id` as the `wsa:MessageID` (a unique `urn:uuid:` the caller
    /// makes: the core has no RNG).
    ///
    /// Fails with [`ClientError::InvalidRequest`] for an empty endpoint,
    /// address or message ID, a value with a character XML cannot carry, a
    /// target that is not one well-formed element, a lifetime that ends
    /// before it starts, or a public-key request without a signing credential
    /// for that key; signing errors are the signer's.
    pub fn build(
        &self,
        credential: &Credential,
        now: OffsetDateTime,
        message_id: &str,
    ) -> Result<Envelope, Error> {
        self.check(credential, message_id)?;
        let target = match &self.target {
            Some(t) => Some(check_token(t)?),
            None => None,
        };
        let action = self.action();
        let wsa = AddressingVersion::Wsa10;
        let soap = self.soap;
        let mut out = Out::new();
        out.open(
            "s:Envelope",
            &[
                ("xmlns:s", soap.namespace()),
                ("xmlns:a", wsa.namespace()),
                ("xmlns:u", ns::WSU),
            ],
        );
        out.open("s:Header", &[]);
        out.leaf("a:Action", &[("s:mustUnderstand", "1")], &action);
        out.leaf("a:MessageID", &[], message_id);
        out.open("a:ReplyTo", &[]);
        out.leaf("a:Address", &[], wsa.anonymous());
        out.close("a:ReplyTo");
        out.leaf(
            "a:To",
            &[("s:mustUnderstand", "1"), ("u:Id", TO_ID)],
            &self.endpoint,
        );
        out.open(
            "o:Security",
            &[("s:mustUnderstand", "1"), ("xmlns:o", ns::WSSE)],
        );
        out.open("u:Timestamp", &[("u:Id", TIMESTAMP_ID)]);
        out.leaf("u:Created", &[], &time_text(now)?);
        out.leaf(
            "u:Expires",
            &[],
            &time_text(now.saturating_add(self.timestamp_validity))?,
        );
        out.close("u:Timestamp");
        match credential {
            Credential::UsernameToken { username, password } => {
                let password = std::str::from_utf8(password.as_bytes())
                    .map_err(|_| ClientError::InvalidRequest("password is not UTF-8"))?;
                check_text(password, "password")?;
                out.open("o:UsernameToken", &[("u:Id", UT_ID)]);
                out.leaf("o:Username", &[], username);
                out.leaf("o:Password", &[("Type", wss::PASSWORD_TEXT)], password);
                out.close("o:UsernameToken");
            }
            Credential::X509 { certificate, .. } => {
                out.leaf(
                    "o:BinarySecurityToken",
                    &[
                        ("u:Id", BST_ID),
                        ("ValueType", wss::X509V3),
                        ("EncodingType", wss::BASE64_BINARY),
                    ],
                    certificate.der_base64(),
                );
            }
        }
        // The signature, if any, goes here, at the end of the Security header.
        let signature_at = out.len();
        out.close("o:Security");
        out.close("s:Header");
        out.open("s:Body", &[("u:Id", BODY_ID)]);
        self.write_rst(&mut out, target)?;
        out.close("s:Body");
        out.close("s:Envelope");
        let mut body = out.into_inner();
        if let Credential::X509 { certificate, key } = credential {
            let signature = sign(&body, certificate, key.as_ref())?;
            body.splice(signature_at..signature_at, signature);
        }
        let (entropy, key_size) = match &self.key {
            Some(KeyRequest::Symmetric { entropy, key_size }) => (entropy.clone(), *key_size),
            _ => (None, None),
        };
        Ok(Envelope {
            body,
            content_type: soap.content_type(),
            action,
            message_id: message_id.to_owned(),
            endpoint: self.endpoint.clone(),
            expect: Expect {
                kind: Some(self.kind),
                version: Some(self.version),
                entropy,
                key_size,
                message_id: Some(message_id.to_owned()),
            },
        })
    }

    fn check(&self, credential: &Credential, message_id: &str) -> Result<(), Error> {
        let nonempty = |s: &str, what| {
            if s.trim().is_empty() {
                Err(ClientError::InvalidRequest(what))
            } else {
                check_text(s, what)
            }
        };
        nonempty(&self.endpoint, "endpoint")?;
        nonempty(message_id, "message ID")?;
        if let Some(a) = &self.applies_to {
            nonempty(a, "AppliesTo address")?;
        }
        if let Some(t) = &self.token_type {
            nonempty(t, "TokenType")?;
        }
        if let Some(c) = &self.context {
            check_text(c, "Context")?;
        }
        for (uri, _) in &self.claims {
            nonempty(uri, "claim URI")?;
        }
        if let Credential::UsernameToken { username, .. } = credential {
            nonempty(username, "user name")?;
        }
        if let Some((created, expires)) = self.lifetime {
            if expires < created {
                return Err(ClientError::InvalidRequest("Lifetime ends before it starts").into());
            }
        }
        match &self.key {
            Some(KeyRequest::PublicKey(cert)) => match credential {
                Credential::X509 { key, .. } if key.public_key() == cert.public_key() => {}
                _ => {
                    return Err(ClientError::InvalidRequest(
                        "a PublicKey request needs an X509 credential with that key",
                    )
                    .into())
                }
            },
            Some(KeyRequest::Symmetric {
                entropy: Some(e), ..
            }) if e.as_bytes().len() < crate::confirm::MIN_ENTROPY => {
                return Err(ClientError::InvalidRequest("client entropy under 16 bytes").into())
            }
            _ => {}
        }
        if self.timestamp_validity <= Duration::ZERO {
            return Err(ClientError::InvalidRequest("timestamp validity not positive").into());
        }
        Ok(())
    }

    fn write_rst(&self, out: &mut Out, target: Option<&[u8]>) -> Result<(), Error> {
        let v = self.version;
        let wst = v.namespace();
        let mut attrs = vec![("xmlns:t", wst)];
        if let Some(c) = &self.context {
            attrs.push(("Context", c));
        }
        out.open("t:RequestSecurityToken", &attrs);
        if let Some(rp) = &self.applies_to {
            out.open(
                "wsp:AppliesTo",
                &[("xmlns:wsp", ns::WSP_2004), ("xmlns:wsa", ns::WSA)],
            );
            out.open("wsa:EndpointReference", &[]);
            out.leaf("wsa:Address", &[], rp);
            out.close("wsa:EndpointReference");
            out.close("wsp:AppliesTo");
        }
        if let Some(tt) = &self.token_type {
            out.leaf("t:TokenType", &[], tt);
        }
        let rt = RequestType {
            kind: self.kind,
            batch: false,
        };
        out.leaf("t:RequestType", &[], &v.request_type_uri(rt));
        if let Some((created, expires)) = self.lifetime {
            out.open("t:Lifetime", &[]);
            out.leaf("u:Created", &[], &time_text(created)?);
            out.leaf("u:Expires", &[], &time_text(expires)?);
            out.close("t:Lifetime");
        }
        match &self.key {
            None => {}
            Some(KeyRequest::Bearer) => {
                out.leaf(
                    "t:KeyType",
                    &[],
                    v.key_type_uri(crate::wst::KeyType::Bearer),
                );
            }
            Some(KeyRequest::Symmetric { entropy, key_size }) => {
                let kt = v.key_type_uri(crate::wst::KeyType::SymmetricKey);
                out.leaf("t:KeyType", &[], kt);
                if let Some(bits) = key_size {
                    out.leaf("t:KeySize", &[], &bits.to_string());
                }
                if let Some(e) = entropy {
                    let b64 = zeroize::Zeroizing::new(
                        base64::engine::general_purpose::STANDARD.encode(e.as_bytes()),
                    );
                    out.open("t:Entropy", &[]);
                    let ty = v.binary_secret_type_uri(crate::wst::BinarySecretType::Nonce);
                    out.leaf("t:BinarySecret", &[("Type", &ty)], &b64);
                    out.close("t:Entropy");
                    out.leaf("t:ComputedKeyAlgorithm", &[], &v.psha1_uri());
                }
            }
            Some(KeyRequest::PublicKey(cert)) => {
                out.leaf(
                    "t:KeyType",
                    &[],
                    v.key_type_uri(crate::wst::KeyType::PublicKey),
                );
                out.open("t:UseKey", &[]);
                out.leaf(
                    "o:BinarySecurityToken",
                    &[
                        ("xmlns:o", ns::WSSE),
                        ("ValueType", wss::X509V3),
                        ("EncodingType", wss::BASE64_BINARY),
                    ],
                    cert.der_base64(),
                );
                out.close("t:UseKey");
            }
        }
        if !self.claims.is_empty() {
            out.open(
                "t:Claims",
                &[("Dialect", DIALECT_IDENTITY), ("xmlns:i", DIALECT_IDENTITY)],
            );
            for (uri, optional) in &self.claims {
                let optional = if *optional { "true" } else { "false" };
                out.empty("i:ClaimType", &[("Uri", uri), ("Optional", optional)]);
            }
            out.close("t:Claims");
        }
        if let Some(token) = target {
            let name = match self.kind {
                RequestKind::Validate => "t:ValidateTarget",
                RequestKind::Renew => "t:RenewTarget",
                RequestKind::Cancel => "t:CancelTarget",
                RequestKind::Issue => {
                    return Err(ClientError::InvalidRequest("target on an Issue").into())
                }
            };
            out.open(name, &[]);
            out.raw(token);
            out.close(name);
        }
        out.close("t:RequestSecurityToken");
        Ok(())
    }
}

/// A written request: the bytes to POST and what its response must be.
#[derive(Clone)]
pub struct Envelope {
    /// The SOAP envelope (it holds the password of a `UsernameToken`).
    pub body: Vec<u8>,
    /// The HTTP `Content-Type` for its SOAP version.
    pub content_type: &'static str,
    /// The `wsa:Action` (for SOAP 1.1, send it as the `SOAPAction` header).
    pub action: String,
    /// The `wsa:MessageID`.
    pub message_id: String,
    /// Where to POST it (the `wsa:To`).
    pub endpoint: String,
    expect: Expect,
}

impl Envelope {
    /// Read the STS's answer to this request: its WS-Trust version must be
    /// the request's, a `wsa:RelatesTo` (when present) must name this
    /// message, the answer must carry what the operation returns (a token
    /// for Issue and Renew, a status for Validate, the cancellation for
    /// Cancel), and a computed proof key is derived with this request's
    /// entropy. See [`super::parse_response`] for the rest.
    pub fn read_response(&self, bytes: &[u8], limits: &Limits) -> Result<Response, Error> {
        response::parse(bytes, limits, &self.expect)
    }
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("action", &self.action)
            .field("message_id", &self.message_id)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// `2027-01-15T12:00:00.000Z`
fn time_text(t: OffsetDateTime) -> Result<String, Error> {
    let fmt = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.to_offset(time::UtcOffset::UTC)
        .format(&fmt)
        .map_err(|_| ClientError::InvalidRequest("time out of range").into())
}

/// Refuse characters XML 1.0 cannot carry (escaping cannot help them).
fn check_text(s: &str, what: &'static str) -> Result<(), ClientError> {
    let bad = s.chars().any(|c| {
        matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
    });
    if bad {
        return Err(ClientError::InvalidRequest(what));
    }
    Ok(())
}

/// The token bytes, trimmed, if they are exactly one well-formed element that
/// declares its namespaces (nothing before or after it, no declaration).
fn check_token(token: &[u8]) -> Result<&[u8], Error> {
    let bad = || ClientError::InvalidRequest("target is not one well-formed element");
    let text = std::str::from_utf8(token).map_err(|_| bad())?;
    let text = text.trim();
    let doc = xml::parse(text, &Limits::default()).map_err(|e| match e {
        Error::Limit(l) => Error::Limit(l),
        _ => bad().into(),
    })?;
    if doc.root_element().range() != (0..text.len()) {
        return Err(bad().into());
    }
    Ok(text.as_bytes())
}

/// The detached signature over Timestamp, Body and To of `envelope`.
fn sign(envelope: &[u8], cert: &Certificate, key: &dyn PrivateKey) -> Result<Vec<u8>, Error> {
    let text = std::str::from_utf8(envelope).map_err(|_| crate::error::XmlError::NotUtf8)?;
    let limits = Limits {
        max_bytes: envelope.len().max(crate::limits::DEFAULT_MAX_BYTES),
        ..Limits::default()
    };
    let doc = xml::parse(text, &limits)?;
    let mut reference = Out::new();
    reference.open("o:SecurityTokenReference", &[("xmlns:o", ns::WSSE)]);
    let uri = format!("#{BST_ID}");
    reference.empty("o:Reference", &[("URI", &uri), ("ValueType", wss::X509V3)]);
    reference.close("o:SecurityTokenReference");
    let reference = reference.into_inner();
    if cert.public_key() != key.public_key() {
        return Err(ClientError::InvalidRequest("the certificate does not carry the key").into());
    }
    let opts = SignOptions {
        key_info: KeyInfo::Raw(&reference),
        ..SignOptions::default()
    };
    dsig::sign_detached(
        &doc,
        &[TIMESTAMP_ID, BODY_ID, TO_ID],
        SigningKey::Rsa(key),
        &opts,
        &limits,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2027-01-15 12:00 UTC);

    fn build(r: &Request) -> String {
        let c = Credential::username("a<&\"'>", "p<&]]>");
        String::from_utf8(r.build(&c, NOW, "urn:uuid:1").unwrap().body).unwrap()
    }

    #[test]
    fn values_are_escaped_and_read_back() {
        let evil = "https://rp/?a=1&b=<x>\"'";
        let r = Request::issue(Version::Trust13, "https://sts/?x=<&>")
            .applies_to(evil)
            .claim("urn:c&\"", true)
            .context("c\"<");
        let text = build(&r);
        let doc = xml::parse(&text, &Limits::default()).unwrap();
        let msg = crate::soap::Message::parse(&doc).unwrap();
        assert_eq!(msg.addressing().to.as_deref(), Some("https://sts/?x=<&>"));
        let req = crate::wst::Request::parse(msg.payload()).unwrap();
        let crate::wst::Request::Single(rst) = req else {
            panic!()
        };
        assert_eq!(rst.applies_to.unwrap().address, evil);
        assert_eq!(rst.context.as_deref(), Some("c\"<"));
        assert_eq!(rst.claims.unwrap().claim_types[0].uri, "urn:c&\"");
        let name = doc
            .descendants()
            .find(|n| n.has_tag_name((ns::WSSE, "Username")))
            .unwrap();
        assert_eq!(xml::whole_text(name), "a<&\"'>");
    }

    #[test]
    fn bad_values_are_refused() {
        let c = Credential::username("u", "p");
        for r in [
            Request::issue(Version::Trust13, ""),
            Request::issue(Version::Trust13, "https://sts/").applies_to("a\u{1}b"),
            Request::issue(Version::Trust13, "https://sts/").lifetime(NOW, NOW - Duration::SECOND),
            Request::validate(Version::Trust13, "https://sts/", b"<a/><b/>"),
            Request::validate(Version::Trust13, "https://sts/", b"<p:a/>"),
            Request::validate(
                Version::Trust13,
                "https://sts/",
                b"<?xml version=\"1.0\"?><a/>",
            ),
            Request::renew(Version::Trust13, "https://sts/", b"text"),
            Request::issue(Version::Trust13, "https://sts/").key_type(KeyRequest::Symmetric {
                entropy: Some(Secret::new(vec![1; 8])),
                key_size: None,
            }),
        ] {
            let e = r.build(&c, NOW, "urn:uuid:1").unwrap_err();
            assert!(
                matches!(e, Error::Client(ClientError::InvalidRequest(_))),
                "{r:?}: {e}"
            );
        }
        let e = Request::issue(Version::Trust13, "https://sts/")
            .build(&c, NOW, " ")
            .unwrap_err();
        assert!(matches!(e, Error::Client(ClientError::InvalidRequest(_))));
    }

    #[test]
    fn versions_pick_their_soap_and_namespaces() {
        let text = build(&Request::issue(Version::Trust2005, "https://sts/"));
        assert!(text.starts_with(&format!("<s:Envelope xmlns:s=\"{}\"", ns::SOAP11)));
        assert!(text.contains(ns::WST_2005));
        assert!(!text.contains(ns::WST_13));
        let text = build(&Request::validate(
            Version::Trust13,
            "https://sts/",
            b" <a xmlns=\"urn:a\"/>\n",
        ));
        assert!(text.starts_with(&format!("<s:Envelope xmlns:s=\"{}\"", ns::SOAP12)));
        assert!(text.contains("/200512/RSTR/Status</t:TokenType>"));
        assert!(text.contains("<t:ValidateTarget><a xmlns=\"urn:a\"/></t:ValidateTarget>"));
    }

    #[test]
    fn debug_redacts_the_password() {
        let c = Credential::username("alice", "hunter2-secret");
        assert!(!format!("{c:?}").contains("hunter2"));
        let e = Request::issue(Version::Trust13, "https://sts/")
            .build(&c, NOW, "urn:uuid:1")
            .unwrap();
        assert!(!format!("{e:?}").contains("hunter2"));
    }
}
