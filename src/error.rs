//! One error type for the whole crate, one sub-enum per layer, and the total
//! mapping from an [`Error`] to the SOAP [`Fault`] a peer is allowed to see.
//!
//! The precise cause stays in the `Error` (for the operator's log); the fault
//! text sent to the peer is generic. All decryption failures look the same.

use std::fmt;

/// Every way a `wstrust` operation can fail.
///
/// Each layer has its own sub-enum so that callers can match on the layer and
/// the fault mapping ([`From<&Error> for Fault`](Fault)) stays total.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input is not acceptable XML (malformed, DTD, bad encoding).
    #[error("xml: {0}")]
    Xml(#[from] XmlError),
    /// A configured limit was exceeded.
    #[error("limit exceeded: {0}")]
    Limit(#[from] Limit),
    /// Canonicalization could not be performed.
    #[error("canonicalization: {0}")]
    C14n(#[from] C14nError),
    /// An XML signature is missing, malformed, untrusted or does not verify.
    #[error("signature: {0}")]
    Dsig(#[from] DsigError),
    /// A key or certificate is unusable.
    #[error("key: {0}")]
    Key(#[from] KeyError),
    /// The SOAP envelope or its WS-Addressing headers are unacceptable.
    #[error("soap: {0}")]
    Wire(#[from] WireError),
    /// The WS-Trust request itself is malformed, unsupported or refused.
    #[error("request: {0}")]
    Request(#[from] RequestError),
    /// The token-state store failed (see [`crate::host::TokenStore`]).
    #[error("token store: {0}")]
    Store(#[from] StoreError),
    /// A presented security token is not acceptable (validate, renew, cancel).
    #[error("token: {0}")]
    Token(#[from] TokenError),
    /// The requester could not be authenticated, its WS-Security header is
    /// unacceptable, or the security policy refused it.
    #[error("authentication: {0}")]
    Auth(#[from] AuthError),
    /// XML Encryption failed (see [`XencError`]; every decryption failure is
    /// the one [`XencError::DecryptionFailed`]).
    #[error("encryption: {0}")]
    Xenc(#[from] XencError),
    /// Token issuance refused a well-formed request (key material, relying
    /// party, claims, lifetime) or is misconfigured.
    #[error("issue: {0}")]
    Issue(#[from] IssueError),
    /// The WS-Trust client could not build a request or read a response
    /// (feature `client`; a fault from the STS is
    /// [`ClientError::Fault`](crate::client::ClientError::Fault)).
    #[cfg(feature = "client")]
    #[error("client: {0}")]
    Client(#[from] crate::client::ClientError),
}

/// Why token issuance refused a (well-formed) request. The peer sees a
/// generic WS-Trust fault; the variant is for the operator's log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// `KeySize` outside what this STS issues for the key type.
    #[error("key size {0} bits not supported")]
    KeySize(u32),
    /// The requestor's `Entropy` is too short or too long.
    #[error("requestor entropy of {0} bytes refused")]
    EntropySize(usize),
    /// A `ComputedKeyAlgorithm` other than P_SHA1, or one without entropy.
    #[error("unsupported computed key algorithm {0:?}")]
    ComputedKeyAlgorithm(String),
    /// A public-key token was asked for without a key, or the `UseKey` key
    /// cannot be read.
    #[error("UseKey: {0}")]
    UseKey(&'static str),
    /// `UseKey` names a key the requestor did not prove it holds (no
    /// verified signature by that key over the request).
    #[error("UseKey without proof of possession")]
    UseKeyWithoutProof,
    /// `ProofEncryption` holds something other than an X.509
    /// `wsse:BinarySecurityToken` or a `wsse:SecurityTokenReference` to one.
    #[error("ProofEncryption: {0}")]
    ProofEncryption(&'static str),
    /// `OnBehalfOf`/`ActAs` from a requestor that is not a trusted
    /// intermediary, or a delegated identity that cannot be read.
    #[error("delegation refused: {0}")]
    Delegation(&'static str),
    /// `AppliesTo` names no registered relying party (and unregistered
    /// parties are refused), or no `AppliesTo` where one is required.
    #[error("relying party not registered")]
    UnknownRelyingParty,
    /// `AppliesTo` is no address a party can be registered at: not a
    /// strict absolute URI, or one with userinfo (`https://a@b/`). Which
    /// rule it broke (never the address).
    #[error("AppliesTo address refused: {0}")]
    InvalidAddress(String),
    /// The requested lifetime exceeds the maximum.
    #[error("requested lifetime beyond the maximum")]
    LifetimeTooLong,
    /// A required claim has no value for this principal, or is not allowed
    /// for this relying party.
    #[error("required claim {0:?} unavailable")]
    MissingClaim(String),
    /// A claims dialect this STS does not understand.
    #[error("unsupported claims dialect {0:?}")]
    UnsupportedDialect(String),
    /// A requested signature or canonicalization algorithm not allowed.
    #[error("algorithm not allowed: {0:?}")]
    AlgorithmNotAllowed(String),
    /// The STS configuration is incomplete or inconsistent.
    #[error("configuration: {0}")]
    Config(String),
    /// The subject's name would not read back from the token as written
    /// (it is empty, or starts or ends with whitespace, which readers trim):
    /// signing it would vouch for another name.
    #[error("subject name {0:?} cannot be written as a NameID")]
    UnwritableSubject(String),
}

/// Problems with the SOAP envelope and WS-Addressing headers (the layer
/// around the WS-Trust payload).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The document element is not a SOAP 1.1 or 1.2 `Envelope`.
    #[error("not a SOAP envelope")]
    NotSoap,
    /// `Header` or `Body` is in another SOAP version's namespace than the
    /// `Envelope`, or WS-Addressing 2004/08 and 2005/08 headers are mixed.
    #[error("SOAP or WS-Addressing version mix")]
    VersionMix,
    /// An envelope part or addressing header appears twice, out of order, or
    /// where it is not allowed.
    #[error("unexpected {0} in envelope")]
    Unexpected(&'static str),
    /// The envelope has no `Body`, or the `Body` has no payload element.
    #[error("missing {0}")]
    Missing(&'static str),
    /// The `Body` carries more than one element (e.g. two RSTs).
    #[error("more than one element in the SOAP Body")]
    MultiplePayloads,
    /// The `Body` payload is not a WS-Trust request this service answers.
    #[error("unsupported payload {0:?}")]
    UnsupportedPayload(String),
    /// A header marked `mustUnderstand` that this service does not process.
    #[error("header {0:?} must be understood")]
    MustUnderstand(String),
    /// `wsa:ReplyTo`/`FaultTo` asks for a reply elsewhere than the back
    /// channel; this sans-I/O service only answers on the same exchange.
    #[error("only anonymous reply addresses are supported")]
    NonAnonymousReply,
    /// `wsa:Action` does not match the WS-Trust version and request type.
    #[error("action {0:?} does not match the request")]
    ActionMismatch(String),
    /// `wsa:To` names none of this service's addresses (its endpoints and
    /// those the host received the request at): the request was meant for
    /// another service.
    #[error("wsa:To {0:?} is not an address of this service")]
    NotAddressedHere(String),
}

/// Problems with the WS-Trust request (RST / RSTC) and refusals a
/// [`TokenService`](crate::service::TokenService) reports about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The RST has no `RequestType`.
    #[error("missing RequestType")]
    MissingRequestType,
    /// The `RequestType` URI is not one of the version's request types.
    #[error("unknown RequestType {0:?}")]
    UnknownRequestType(String),
    /// The `TokenType` URI is not a token type this crate knows.
    #[error("unsupported TokenType {0:?}")]
    UnsupportedTokenType(String),
    /// The `KeyType` URI is not a key type this crate knows.
    #[error("unsupported KeyType {0:?}")]
    UnsupportedKeyType(String),
    /// A required element is missing.
    #[error("missing element {0}")]
    Missing(&'static str),
    /// An element appears more than once where at most one is allowed.
    #[error("duplicate element {0}")]
    Duplicate(&'static str),
    /// Elements that cannot be combined (e.g. a Bearer KeyType with Entropy).
    #[error("conflicting elements: {0}")]
    Conflicting(&'static str),
    /// An element of another WS-Trust version inside the request.
    #[error("WS-Trust version mix")]
    VersionMix,
    /// A value is syntactically invalid.
    #[error("invalid value for {0}")]
    InvalidValue(&'static str),
    /// `Lifetime` has `Created` after `Expires`, or the range is refused.
    #[error("invalid time range")]
    InvalidTimeRange,
    /// A batch (`RequestSecurityTokenCollection`) is empty, mixes request
    /// types, or is larger than allowed.
    #[error("invalid batch: {0}")]
    InvalidBatch(&'static str),
    /// The service does not implement this request type (e.g. Renew).
    #[error("request type not supported by this service")]
    NotSupported,
    /// `AppliesTo` names no relying party this service knows.
    #[error("unknown scope")]
    InvalidScope,
    /// The service could not complete a well-formed request.
    #[error("request failed")]
    Failed,
}

/// Problems with the XML itself.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XmlError {
    /// The input is not UTF-8.
    #[error("input is not UTF-8")]
    NotUtf8,
    /// A document type declaration was present; DTDs are always refused.
    #[error("DTDs are not allowed")]
    Dtd,
    /// The XML parser rejected the input.
    #[error("malformed XML: {0}")]
    Malformed(String),
    /// Two elements carry the same ID value.
    #[error("duplicate ID {0:?}")]
    DuplicateId(String),
    /// No element carries the requested ID.
    #[error("no element with ID {0:?}")]
    UnknownId(String),
    /// A required element is missing.
    #[error("missing element {0}")]
    MissingElement(&'static str),
    /// An element appeared where it is not allowed, or more than once.
    #[error("unexpected element {0}")]
    UnexpectedElement(String),
    /// A required attribute is missing.
    #[error("missing attribute {0}")]
    MissingAttribute(&'static str),
    /// Base64 content could not be decoded.
    #[error("invalid base64 in {0}")]
    Base64(&'static str),
    /// A value is syntactically invalid.
    #[error("invalid value for {0}")]
    InvalidValue(&'static str),
}

/// The limit that was hit. See [`crate::Limits`] for the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Limit {
    /// Input larger than `Limits::max_bytes`.
    #[error("input too large")]
    Size,
    /// Nesting deeper than `Limits::max_depth`.
    #[error("nesting too deep")]
    Depth,
    /// More nodes than `Limits::max_nodes`.
    #[error("too many nodes")]
    Nodes,
    /// More attributes on one element than `Limits::max_attributes`.
    #[error("too many attributes")]
    Attributes,
    /// More signature references than `Limits::max_references`.
    #[error("too many references")]
    References,
    /// More transforms on one reference than `Limits::max_transforms`.
    #[error("too many transforms")]
    Transforms,
    /// More signatures in one document than `Limits::max_signatures`.
    #[error("too many signatures")]
    Signatures,
}

/// Canonicalization failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum C14nError {
    /// The canonicalization algorithm URI is not supported.
    #[error("unsupported canonicalization algorithm {0:?}")]
    UnsupportedAlgorithm(String),
    /// The node to canonicalize is not an element or document.
    #[error("node is not an element")]
    NotAnElement,
}

/// XML-DSig failures. The variants name the check that failed for the log;
/// the peer only ever sees `wsse:FailedCheck` or `wsse:InvalidSecurity`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DsigError {
    /// The document has no signature where one is required.
    #[error("no signature")]
    Missing,
    /// The signature element is structurally invalid.
    #[error("malformed signature: {0}")]
    Malformed(&'static str),
    /// An algorithm URI that is unknown or not on the allowlist.
    #[error("algorithm not allowed: {0:?}")]
    AlgorithmNotAllowed(String),
    /// A transform that is unknown, not allowed, or in a disallowed order.
    #[error("transform not allowed: {0:?}")]
    TransformNotAllowed(String),
    /// A reference URI that is not a same-document `#id` reference.
    #[error("unsupported reference URI {0:?}")]
    UnsupportedReference(String),
    /// A reference digest does not match the referenced content.
    #[error("digest mismatch for reference {0:?}")]
    DigestMismatch(String),
    /// The signature value does not verify over SignedInfo.
    #[error("signature value does not verify")]
    BadSignature,
    /// The signing key is not one the caller trusts.
    #[error("signing key is not trusted")]
    UntrustedKey,
    /// The signed element is not where the profile requires it to be
    /// (signature wrapping).
    #[error("signed element is not the signature's parent")]
    WrongSignedElement,
    /// An HMAC output length was truncated or otherwise invalid.
    #[error("invalid HMAC output length")]
    HmacOutputLength,
    /// The key does not suit the algorithm or the KeyInfo (an RSA key with an
    /// HMAC algorithm, a certificate for another key).
    #[error("key mismatch: {0}")]
    KeyMismatch(&'static str),
}

/// Key and certificate failures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// PEM/DER could not be parsed.
    #[error("cannot parse {0}")]
    Parse(&'static str),
    /// Not an RSA key, or an RSA key shorter than the minimum size.
    #[error("weak or unsupported key: {0}")]
    Weak(&'static str),
    /// The key backend cannot perform this algorithm.
    #[error("algorithm not supported by this key backend: {0}")]
    UnsupportedAlgorithm(&'static str),
    /// The private-key operation failed.
    #[error("private-key operation failed")]
    Operation,
    /// The certificate is outside its validity period.
    #[error("certificate not valid at this time")]
    Expired,
}

/// Token-state store failures. None of them may end in a token being issued
/// or accepted without its state: a store that cannot answer fails the request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backend could not be reached or did not answer (I/O error, timeout,
    /// connection refused). The text is for the operator's log.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The store is at its memory bound and every entry in it is still live;
    /// nothing is evicted early, because forgetting a cancelled token would
    /// make it valid again.
    #[error("store full")]
    Full,
    /// A token with this ID is already recorded.
    #[error("token ID already recorded")]
    Duplicate,
    /// A stored record could not be read back (foreign or damaged data).
    #[error("stored record is corrupt: {0}")]
    Corrupt(&'static str),
    /// The host requires token state but configured no store.
    #[error("token state required but no store configured")]
    Required,
    /// A record to store is already past its `keep_until` at `now` (a caller
    /// bug or a clock problem): it would be forgotten as soon as written.
    #[error("record is already past its keep_until")]
    KeepUntilPassed,
}

/// Why a presented token (validate, renew, cancel, OnBehalfOf) was refused.
/// The peer sees a generic status or fault; the variant is for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// Not a SAML 1.1 or 2.0 assertion, or a required part is missing or
    /// appears twice.
    #[error("malformed token: {0}")]
    Malformed(&'static str),
    /// The issuer (or the key that signed) is not one the STS trusts.
    #[error("untrusted issuer")]
    UntrustedIssuer,
    /// Signature wrapping: the assertion read is not the one the signature
    /// covers, or extra assertions surround it.
    #[error("signature wrapping: {0}")]
    Wrapping(&'static str),
    /// `NotBefore` is in the future (beyond the clock skew).
    #[error("token not yet valid")]
    NotYetValid,
    /// `NotOnOrAfter` has passed (beyond the clock skew).
    #[error("token expired")]
    Expired,
    /// The token is not addressed to this audience.
    #[error("wrong audience")]
    WrongAudience,
    /// A SAML 2.0 bearer confirmation's `Recipient` is not where the token
    /// was delivered (the request's `wsa:To` or the STS's endpoint).
    #[error("wrong recipient")]
    WrongRecipient,
    /// The token was cancelled.
    #[error("token cancelled")]
    Cancelled,
    /// The token was already renewed; only its successor counts.
    #[error("token already renewed")]
    Renewed,
    /// The token claims to be ours but the store has no record of it.
    #[error("token unknown to the store")]
    Unknown,
    /// Renewal refused: not issued by this STS, or renewal not allowed.
    #[error("token not renewable: {0}")]
    NotRenewable(&'static str),
    /// The maximum number of renewals was reached.
    #[error("renewal limit reached")]
    RenewalLimit,
    /// The token expired longer ago than the renewal window allows.
    #[error("renewal window passed")]
    RenewalWindow,
    /// The requester may not perform this operation on this token (cancel
    /// by someone other than the subject or an administrator).
    #[error("not authorized for this token")]
    NotAuthorized,
    /// A valid token of a trusted foreign issuer where only this STS's own
    /// tokens are accepted (cancel; renew reports
    /// [`NotRenewable`](Self::NotRenewable)).
    #[error("token issued by another STS")]
    Foreign,
    /// Token exchange (Validate with a SAML TokenType) refused for this
    /// token: a sender-vouches token, or a symmetric proof key the STS cannot
    /// carry over (encrypted for another party, or a new party without a
    /// certificate).
    #[error("token not exchangeable: {0}")]
    NotExchangeable(&'static str),
}

/// WS-Security header processing and authentication failures. The variant
/// names the precise cause for the operator's log; the peer only sees the
/// generic fault of [`From<&Error> for Fault`](Fault). In particular an unknown
/// user, a wrong password and a locked-out name all become
/// `wsse:FailedAuthentication`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Unknown user or wrong password (deliberately one variant: the user
    /// store cannot and must not tell them apart).
    #[error("unknown user or wrong password")]
    BadCredentials,
    /// The name is locked out after too many failed attempts (whether or not
    /// such a user exists).
    #[error("locked out after repeated failures")]
    LockedOut,
    /// The signing (or TLS client) certificate does not chain to a
    /// configured trust anchor; the [`CertificateError`] says why.
    #[error("certificate is not trusted: {0}")]
    UntrustedCertificate(CertificateError),
    /// The signing certificate is outside its validity period.
    #[error("certificate is outside its validity period")]
    CertificateExpired,
    /// A SAML assertion used as credential comes from an issuer the host does
    /// not trust, or did not validate.
    #[error("SAML credential not accepted: {0}")]
    UntrustedAssertion(&'static str),
    /// `wsu:Timestamp` or `wsse:Created` is stale or expired.
    #[error("message expired: {0}")]
    Expired(&'static str),
    /// `wsu:Timestamp` or `wsse:Created` lies in the future (beyond the skew),
    /// or Expires precedes Created.
    #[error("invalid time: {0}")]
    InvalidTime(&'static str),
    /// A nonce (or signature) was seen before within its freshness window.
    #[error("replayed {0}")]
    Replay(&'static str),
    /// A security element that must appear at most once appeared twice (two
    /// Security headers, two UsernameTokens, ...).
    #[error("duplicate {0}")]
    Duplicate(&'static str),
    /// A required security element is missing.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A security element is malformed.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A token or token type this STS does not process.
    #[error("unsupported security token: {0}")]
    UnsupportedToken(&'static str),
    /// A `wsse:SecurityTokenReference` names no token we have.
    #[error("security token reference cannot be resolved")]
    UnresolvedReference,
    /// The security policy refused the request.
    #[error("policy: {0}")]
    Denied(#[from] Denial),
    /// Authenticating this message already failed, with this fault, for an
    /// earlier entry of the same batch: it is not tried again (a wrong
    /// password counts once towards lockout, and the work is done once).
    #[error("failed for an earlier entry of the batch ({0:?})")]
    EarlierEntry(FaultCode),
}

/// Why a certificate does not chain to a trust anchor
/// ([`crate::chain`]): the precise cause for the operator's log. Every one
/// is `wsse:FailedAuthentication` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertificateError {
    /// No trust anchor, pinned certificate or configured intermediate is
    /// the certificate itself or is named as its issuer.
    #[error("no trust anchor or intermediate issued it")]
    UnknownIssuer,
    /// The certificate named as its issuer may not issue certificates.
    #[error("its issuer may not issue certificates: {0}")]
    IssuerNotCa(NotCa),
    /// Its issuer is a pinned certificate: a pinned certificate
    /// authenticates itself and never issues, whatever it says.
    #[error("its issuer is a pinned certificate, which never issues")]
    PinnedIssuer,
    /// A CA's `pathLenConstraint` allows fewer intermediate CAs below it
    /// than the path has.
    #[error("path length constraint exceeded")]
    PathLength,
    /// A CA on the path carries name constraints, which this STS does not
    /// process: refused rather than ignored.
    #[error("a CA on the path has name constraints (not supported)")]
    NameConstraints,
    /// An issuer on the path is outside its validity period.
    #[error("an issuer on the path is outside its validity period")]
    IssuerExpired,
    /// A certificate on the path is signed with SHA-1, and SHA-1 is not
    /// allowed here ([`crate::wss::WssSettings::allow_sha1`]).
    #[error("signed with SHA-1, which is not allowed")]
    Sha1Signature,
    /// A certificate on the path is signed with an algorithm outside the
    /// allowlist (RSA PKCS#1 v1.5 with SHA-256/384/512).
    #[error("signature algorithm not supported")]
    UnsupportedAlgorithm,
    /// The issuer's key does not verify the certificate's signature.
    #[error("signature does not verify with its issuer's key")]
    BadSignature,
    /// The path needs more intermediates, or more signature checks, than
    /// [`crate::chain::MAX_INTERMEDIATES`] and
    /// [`crate::chain::MAX_SIGNATURE_CHECKS`] allow.
    #[error("certificate path too long")]
    PathTooLong,
    /// A certificate on the path has a critical extension this crate does
    /// not process (RFC 5280 asks to refuse it).
    #[error("a certificate on the path has an unknown critical extension")]
    UnknownCriticalExtension,
    /// A certificate on the path could not be read as X.509.
    #[error("certificate cannot be parsed")]
    Unparsable,
}

/// Why a certificate may not issue others: a certificate issues only if it
/// is an X.509 v3 CA certificate (basicConstraints with `cA` TRUE, and
/// keyCertSign when it has a keyUsage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NotCa {
    /// An X.509 v1 or v2 certificate (no extensions: never a CA).
    #[error("X.509 v1/v2 certificate")]
    NotV3,
    /// No basicConstraints extension (a leaf, e.g. a client certificate).
    #[error("no basicConstraints")]
    NoBasicConstraints,
    /// basicConstraints with `cA` FALSE.
    #[error("basicConstraints cA=FALSE")]
    CaFalse,
    /// A keyUsage without keyCertSign.
    #[error("keyUsage without keyCertSign")]
    NoKeyCertSign,
}

/// Why the security policy refused a request (see `crate::policy`). The
/// first group is about the evidence the request carries (`wsse:InvalidSecurity`),
/// the second about who the requester is (`wsse:FailedAuthentication`, the
/// same fault as a wrong password, so that a guessed password is not
/// confirmed by a different fault), the third about what it asks for
/// (`wst:RequestFailed`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Denial {
    /// The request carries no credential the policy accepts.
    #[error("no acceptable credential")]
    NoCredential,
    /// The credential kind is not allowed by the policy.
    #[error("authentication method {0} not allowed")]
    MethodNotAllowed(&'static str),
    /// A password credential over a transport without TLS.
    #[error("TLS required")]
    TlsRequired,
    /// The policy requires a `wsu:Timestamp`.
    #[error("timestamp required")]
    TimestampRequired,
    /// The policy requires this part to be signed, and it is not.
    #[error("{0} not signed")]
    NotSigned(&'static str),
    /// The principal has none of the roles allowed to use the STS.
    #[error("role not allowed")]
    Role,
    /// The principal's user-store domain may not use the STS.
    #[error("user-store domain not allowed")]
    Domain,
    /// The relying party is not open to this requester.
    #[error("relying party not allowed")]
    RelyingParty,
    /// The requested token type is not allowed for this relying party.
    #[error("token type not allowed: {0}")]
    TokenType(String),
    /// The requested key type is not allowed for this relying party.
    #[error("key type not allowed: {0}")]
    KeyType(String),
    /// A requested claim is not allowed for this relying party.
    #[error("claim not allowed: {0}")]
    Claim(String),
    /// A host hook refused the request (its reason, for the log).
    #[error("refused by host policy: {0}")]
    Hook(String),
}

impl Denial {
    /// The fault a peer sees for this denial.
    pub fn fault_code(&self) -> FaultCode {
        match self {
            Self::NoCredential
            | Self::MethodNotAllowed(_)
            | Self::TlsRequired
            | Self::TimestampRequired
            | Self::NotSigned(_) => FaultCode::InvalidSecurity,
            Self::Role | Self::Domain => FaultCode::FailedAuthentication,
            Self::RelyingParty
            | Self::TokenType(_)
            | Self::KeyType(_)
            | Self::Claim(_)
            | Self::Hook(_) => FaultCode::RequestFailed,
        }
    }
}

/// XML Encryption failures.
///
/// Everything that depends on secret data (wrong key, bad OAEP or PKCS#1
/// padding, GCM tag mismatch, bad CBC padding, truncated or altered
/// ciphertext, plaintext that is not well-formed XML) is the one
/// [`DecryptionFailed`](XencError::DecryptionFailed), so the error cannot be
/// used as a padding or parsing oracle. The other variants depend only on
/// public structure (algorithm URIs, key names, sizes) and are typed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum XencError {
    /// Decryption failed. Deliberately says nothing about which check failed.
    #[error("decryption failed")]
    DecryptionFailed,
    /// An algorithm URI that is unknown, not on the allowlist, or disabled
    /// (CBC and RSA PKCS#1 v1.5 are off unless enabled in `DecryptOptions`).
    #[error("algorithm not allowed: {0:?}")]
    AlgorithmNotAllowed(String),
    /// The key backend cannot perform this (allowed) key transport, e.g.
    /// RSA-OAEP with SHA-256 and MGF1-SHA-1 on the aws-lc-rs default key.
    #[error("key transport not supported by the key backend: {0}")]
    UnsupportedByBackend(&'static str),
    /// No `EncryptedKey` names a certificate the key resolver knows (the data
    /// is encrypted for another recipient).
    #[error("no key for this recipient")]
    NoMatchingKey,
    /// An `EncryptedKey` whose `KeyInfo` holds (or points to) another
    /// encrypted key or encrypted data: recursion is refused.
    #[error("nested encrypted key")]
    NestedEncryptedKey,
    /// The encrypted structure is malformed or uses an unsupported feature
    /// (`CipherReference`, an unknown `Type`, `OAEPparams`).
    #[error("malformed encrypted data: {0}")]
    Malformed(&'static str),
    /// A `CipherValue`, or the number of encrypted elements or keys, exceeds
    /// its bound (`xenc::MAX_*`).
    #[error("too large: {0}")]
    TooLarge(&'static str),
    /// Nothing to decrypt: the document holds no `EncryptedData`.
    #[error("no encrypted data")]
    Missing,
    /// The recipient certificate lacks what the chosen `KeyInfo` form needs
    /// (a subject key identifier).
    #[error("recipient certificate has no {0}")]
    Recipient(&'static str),
}

/// The family a fault code belongs to, which fixes its XML namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultFamily {
    /// A WS-Trust fault (`wst:` namespace of the request's version).
    Trust,
    /// A WS-Security fault (`wsse:` 2004/01 secext namespace).
    Security,
    /// A WS-Addressing fault (`wsa:` namespace of the request's addressing
    /// version; WS-Addressing 1.0 when it has none).
    Addressing,
}

/// Fault codes defined by WS-Trust and WS-Security.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultCode {
    /// `wst:InvalidRequest`
    InvalidRequest,
    /// `wst:FailedAuthentication`
    TrustFailedAuthentication,
    /// `wst:RequestFailed`
    RequestFailed,
    /// `wst:InvalidSecurityToken`
    TrustInvalidSecurityToken,
    /// `wst:AuthenticationBadElements`
    AuthenticationBadElements,
    /// `wst:BadRequest`
    BadRequest,
    /// `wst:ExpiredData`
    ExpiredData,
    /// `wst:InvalidTimeRange`
    InvalidTimeRange,
    /// `wst:InvalidScope`
    InvalidScope,
    /// `wst:RenewNeeded`
    RenewNeeded,
    /// `wst:UnableToRenew`
    UnableToRenew,
    /// `wsse:UnsupportedSecurityToken`
    UnsupportedSecurityToken,
    /// `wsse:UnsupportedAlgorithm`
    UnsupportedAlgorithm,
    /// `wsse:InvalidSecurity`
    InvalidSecurity,
    /// `wsse:InvalidSecurityToken`
    InvalidSecurityToken,
    /// `wsse:FailedAuthentication`
    FailedAuthentication,
    /// `wsse:FailedCheck`
    FailedCheck,
    /// `wsse:SecurityTokenUnavailable`
    SecurityTokenUnavailable,
    /// `wsse:MessageExpired`
    MessageExpired,
    /// `wsa:DestinationUnreachable` (WS-Addressing 1.0 SOAP Binding §6.4.2;
    /// what WCF sends on an address filter mismatch)
    DestinationUnreachable,
}

impl FaultCode {
    /// The local name of the fault code's QName.
    pub fn local_name(self) -> &'static str {
        match self {
            Self::InvalidRequest => "InvalidRequest",
            Self::TrustFailedAuthentication | Self::FailedAuthentication => "FailedAuthentication",
            Self::RequestFailed => "RequestFailed",
            Self::TrustInvalidSecurityToken | Self::InvalidSecurityToken => "InvalidSecurityToken",
            Self::AuthenticationBadElements => "AuthenticationBadElements",
            Self::BadRequest => "BadRequest",
            Self::ExpiredData => "ExpiredData",
            Self::InvalidTimeRange => "InvalidTimeRange",
            Self::InvalidScope => "InvalidScope",
            Self::RenewNeeded => "RenewNeeded",
            Self::UnableToRenew => "UnableToRenew",
            Self::UnsupportedSecurityToken => "UnsupportedSecurityToken",
            Self::UnsupportedAlgorithm => "UnsupportedAlgorithm",
            Self::InvalidSecurity => "InvalidSecurity",
            Self::FailedCheck => "FailedCheck",
            Self::SecurityTokenUnavailable => "SecurityTokenUnavailable",
            Self::MessageExpired => "MessageExpired",
            Self::DestinationUnreachable => "DestinationUnreachable",
        }
    }

    /// Whether the code lives in the WS-Trust or the WS-Security namespace.
    pub fn family(self) -> FaultFamily {
        match self {
            Self::InvalidRequest
            | Self::TrustFailedAuthentication
            | Self::RequestFailed
            | Self::TrustInvalidSecurityToken
            | Self::AuthenticationBadElements
            | Self::BadRequest
            | Self::ExpiredData
            | Self::InvalidTimeRange
            | Self::InvalidScope
            | Self::RenewNeeded
            | Self::UnableToRenew => FaultFamily::Trust,
            Self::DestinationUnreachable => FaultFamily::Addressing,
            _ => FaultFamily::Security,
        }
    }

    /// The generic, peer-safe reason text for this code (WS-Trust 1.3 §11 and
    /// WS-Security 1.1 §12 wording).
    pub fn reason(self) -> &'static str {
        match self {
            Self::InvalidRequest => "The request was invalid or malformed",
            Self::TrustFailedAuthentication | Self::FailedAuthentication => "Authentication failed",
            Self::RequestFailed => "The specified request failed",
            Self::TrustInvalidSecurityToken => "Security token has been revoked",
            Self::AuthenticationBadElements => "Insufficient Digest Elements",
            Self::BadRequest => "The specified RequestSecurityToken is not understood",
            Self::ExpiredData => "The request data is out-of-date",
            Self::InvalidTimeRange => "The requested time range is invalid or unsupported",
            Self::InvalidScope => "The request scope is invalid or unsupported",
            Self::RenewNeeded => "A renewable security token has expired",
            Self::UnableToRenew => "The requested renewal failed",
            Self::UnsupportedSecurityToken => "An unsupported token was provided",
            Self::UnsupportedAlgorithm => {
                "An unsupported signature or encryption algorithm was used"
            }
            Self::InvalidSecurity => {
                "An error was discovered processing the <wsse:Security> header"
            }
            Self::InvalidSecurityToken => "An invalid security token was provided",
            Self::FailedCheck => "The signature or decryption was invalid",
            Self::SecurityTokenUnavailable => "Referenced security token could not be retrieved",
            Self::MessageExpired => "The message has expired",
            Self::DestinationUnreachable => "No route can be determined to reach [destination]",
        }
    }

    /// `true` when the fault is the sender's fault (SOAP 1.1 `Client`,
    /// SOAP 1.2 `Sender`), `false` for the receiver's (`Server`/`Receiver`).
    pub fn is_sender(self) -> bool {
        !matches!(self, Self::RequestFailed | Self::SecurityTokenUnavailable)
    }
}

/// What the peer is told about a failure: a code and generic text, nothing
/// that identifies which internal check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// The WS-Trust or WS-Security fault code.
    pub code: FaultCode,
}

impl Fault {
    /// The generic reason text sent to the peer.
    pub fn reason(&self) -> &'static str {
        self.code.reason()
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.local_name(), self.reason())
    }
}

impl From<&Error> for Fault {
    fn from(e: &Error) -> Self {
        let code = match e {
            Error::Xml(_) => FaultCode::InvalidRequest,
            Error::Limit(_) => FaultCode::InvalidRequest,
            Error::C14n(_) => FaultCode::InvalidSecurity,
            Error::Dsig(d) => match d {
                DsigError::AlgorithmNotAllowed(_) | DsigError::TransformNotAllowed(_) => {
                    FaultCode::UnsupportedAlgorithm
                }
                DsigError::Missing
                | DsigError::Malformed(_)
                | DsigError::UnsupportedReference(_) => FaultCode::InvalidSecurity,
                _ => FaultCode::FailedCheck,
            },
            Error::Key(k) => match k {
                KeyError::Expired => FaultCode::InvalidSecurityToken,
                KeyError::Operation => FaultCode::RequestFailed,
                _ => FaultCode::InvalidSecurityToken,
            },
            Error::Wire(WireError::NotAddressedHere(_)) => FaultCode::DestinationUnreachable,
            Error::Wire(_) => FaultCode::InvalidRequest,
            Error::Request(r) => match r {
                RequestError::UnknownRequestType(_)
                | RequestError::UnsupportedTokenType(_)
                | RequestError::UnsupportedKeyType(_)
                | RequestError::NotSupported => FaultCode::BadRequest,
                RequestError::InvalidTimeRange => FaultCode::InvalidTimeRange,
                RequestError::InvalidScope => FaultCode::InvalidScope,
                RequestError::Failed => FaultCode::RequestFailed,
                RequestError::MissingRequestType
                | RequestError::Missing(_)
                | RequestError::Duplicate(_)
                | RequestError::Conflicting(_)
                | RequestError::VersionMix
                | RequestError::InvalidValue(_)
                | RequestError::InvalidBatch(_) => FaultCode::InvalidRequest,
            },
            Error::Store(_) => FaultCode::RequestFailed,
            Error::Token(t) => match t {
                TokenError::Cancelled | TokenError::Renewed | TokenError::Unknown => {
                    FaultCode::TrustInvalidSecurityToken
                }
                TokenError::NotRenewable(_)
                | TokenError::RenewalLimit
                | TokenError::RenewalWindow => FaultCode::UnableToRenew,
                TokenError::NotAuthorized => FaultCode::TrustFailedAuthentication,
                TokenError::Foreign | TokenError::NotExchangeable(_) => FaultCode::InvalidRequest,
                TokenError::Wrapping(_) => FaultCode::FailedCheck,
                TokenError::Malformed(_)
                | TokenError::UntrustedIssuer
                | TokenError::NotYetValid
                | TokenError::Expired
                | TokenError::WrongAudience
                | TokenError::WrongRecipient => FaultCode::InvalidSecurityToken,
            },
            Error::Auth(a) => match a {
                AuthError::BadCredentials
                | AuthError::LockedOut
                | AuthError::UntrustedCertificate(_)
                | AuthError::UntrustedAssertion(_) => FaultCode::FailedAuthentication,
                AuthError::CertificateExpired => FaultCode::InvalidSecurityToken,
                AuthError::Expired(_) => FaultCode::MessageExpired,
                AuthError::InvalidTime(_)
                | AuthError::Replay(_)
                | AuthError::Duplicate(_)
                | AuthError::Missing(_)
                | AuthError::Malformed(_) => FaultCode::InvalidSecurity,
                AuthError::UnsupportedToken(_) => FaultCode::UnsupportedSecurityToken,
                AuthError::UnresolvedReference => FaultCode::SecurityTokenUnavailable,
                AuthError::Denied(d) => d.fault_code(),
                AuthError::EarlierEntry(code) => *code,
            },
            Error::Xenc(x) => match x {
                XencError::DecryptionFailed | XencError::NoMatchingKey => FaultCode::FailedCheck,
                XencError::AlgorithmNotAllowed(_) | XencError::UnsupportedByBackend(_) => {
                    FaultCode::UnsupportedAlgorithm
                }
                XencError::NestedEncryptedKey | XencError::Malformed(_) | XencError::Missing => {
                    FaultCode::InvalidSecurity
                }
                XencError::TooLarge(_) => FaultCode::InvalidRequest,
                XencError::Recipient(_) => FaultCode::RequestFailed,
            },
            Error::Issue(i) => match i {
                IssueError::KeySize(_) | IssueError::EntropySize(_) | IssueError::UseKey(_) => {
                    FaultCode::InvalidRequest
                }
                IssueError::ProofEncryption(_) => FaultCode::UnsupportedSecurityToken,
                IssueError::ComputedKeyAlgorithm(_) | IssueError::UnsupportedDialect(_) => {
                    FaultCode::BadRequest
                }
                IssueError::UseKeyWithoutProof | IssueError::Delegation(_) => {
                    FaultCode::TrustFailedAuthentication
                }
                IssueError::UnknownRelyingParty | IssueError::InvalidAddress(_) => {
                    FaultCode::InvalidScope
                }
                IssueError::LifetimeTooLong => FaultCode::InvalidTimeRange,
                IssueError::MissingClaim(_)
                | IssueError::Config(_)
                | IssueError::UnwritableSubject(_) => FaultCode::RequestFailed,
                IssueError::AlgorithmNotAllowed(_) => FaultCode::UnsupportedAlgorithm,
            },
            // An upstream STS failed us: the request could not be completed.
            #[cfg(feature = "client")]
            Error::Client(_) => FaultCode::RequestFailed,
        };
        Fault { code }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decryption_failures_map_to_one_generic_fault() {
        let e = Error::Xenc(XencError::DecryptionFailed);
        let f = Fault::from(&e);
        assert_eq!(f.code, FaultCode::FailedCheck);
        assert_eq!(f.code.family(), FaultFamily::Security);
        assert_eq!(
            Fault::from(&Error::Xenc(XencError::NoMatchingKey)),
            f,
            "wrong recipient looks like any other decryption failure"
        );
        let e = Error::Xenc(XencError::AlgorithmNotAllowed("rsa-1_5".into()));
        assert_eq!(Fault::from(&e).code, FaultCode::UnsupportedAlgorithm);
        let e = Error::Xenc(XencError::NestedEncryptedKey);
        assert_eq!(Fault::from(&e).code, FaultCode::InvalidSecurity);
        let e = Error::Xenc(XencError::TooLarge("CipherValue"));
        assert_eq!(Fault::from(&e).code, FaultCode::InvalidRequest);
        assert!(!Fault::from(&e).to_string().contains("CipherValue"));
    }

    #[test]
    fn signature_failures_map_to_failed_check() {
        let e = Error::Dsig(DsigError::DigestMismatch("#a".into()));
        assert_eq!(Fault::from(&e).code, FaultCode::FailedCheck);
        let e = Error::Dsig(DsigError::AlgorithmNotAllowed("md5".into()));
        assert_eq!(Fault::from(&e).code, FaultCode::UnsupportedAlgorithm);
    }

    #[test]
    fn store_and_token_errors_map_to_generic_faults() {
        let e = Error::Store(StoreError::Unavailable(
            "connection refused 10.0.0.1".into(),
        ));
        let f = Fault::from(&e);
        assert_eq!(f.code, FaultCode::RequestFailed);
        assert!(!f.code.is_sender());
        assert!(!f.reason().contains("10.0.0.1"));
        assert_eq!(
            Fault::from(&Error::Store(StoreError::Full)).code,
            FaultCode::RequestFailed
        );
        assert_eq!(
            Fault::from(&Error::Store(StoreError::KeepUntilPassed)).code,
            FaultCode::RequestFailed
        );
        assert_eq!(
            Fault::from(&Error::Token(TokenError::Cancelled)).code,
            FaultCode::TrustInvalidSecurityToken
        );
        assert_eq!(
            Fault::from(&Error::Token(TokenError::RenewalWindow)).code,
            FaultCode::UnableToRenew
        );
        assert_eq!(
            Fault::from(&Error::Token(TokenError::NotAuthorized)).code,
            FaultCode::TrustFailedAuthentication
        );
        assert_eq!(
            Fault::from(&Error::Token(TokenError::Wrapping("moved"))).code,
            FaultCode::FailedCheck
        );
        assert_eq!(
            Fault::from(&Error::Token(TokenError::Expired)).code,
            FaultCode::InvalidSecurityToken
        );
        assert_eq!(
            Fault::from(&Error::Token(TokenError::WrongRecipient)).code,
            FaultCode::InvalidSecurityToken
        );
        assert_eq!(
            Fault::from(&Error::Token(TokenError::Foreign)).code,
            FaultCode::InvalidRequest
        );
        assert_eq!(
            Fault::from(&Error::Token(TokenError::NotExchangeable("sealed"))).code,
            FaultCode::InvalidRequest
        );
        assert_eq!(
            Fault::from(&Error::Token(TokenError::NotRenewable(
                "issued by another STS"
            )))
            .code,
            FaultCode::UnableToRenew
        );
    }

    #[test]
    fn issue_errors_map_to_trust_faults() {
        let cases = [
            (IssueError::KeySize(1), FaultCode::InvalidRequest),
            (IssueError::EntropySize(2), FaultCode::InvalidRequest),
            (
                IssueError::ComputedKeyAlgorithm("x".into()),
                FaultCode::BadRequest,
            ),
            (IssueError::UseKey("x"), FaultCode::InvalidRequest),
            (
                IssueError::ProofEncryption("x"),
                FaultCode::UnsupportedSecurityToken,
            ),
            (
                IssueError::UseKeyWithoutProof,
                FaultCode::TrustFailedAuthentication,
            ),
            (
                IssueError::Delegation("x"),
                FaultCode::TrustFailedAuthentication,
            ),
            (IssueError::UnknownRelyingParty, FaultCode::InvalidScope),
            (
                IssueError::InvalidAddress("userinfo".into()),
                FaultCode::InvalidScope,
            ),
            (IssueError::LifetimeTooLong, FaultCode::InvalidTimeRange),
            (
                IssueError::MissingClaim("urn:secret-claim".into()),
                FaultCode::RequestFailed,
            ),
            (
                IssueError::UnsupportedDialect("x".into()),
                FaultCode::BadRequest,
            ),
            (
                IssueError::AlgorithmNotAllowed("x".into()),
                FaultCode::UnsupportedAlgorithm,
            ),
            (IssueError::Config("x".into()), FaultCode::RequestFailed),
        ];
        for (i, code) in cases {
            let e = Error::Issue(i);
            let f = Fault::from(&e);
            assert_eq!(f.code, code, "{e}");
            assert!(!f.to_string().contains("secret-claim"));
        }
    }

    #[test]
    fn limits_map_to_invalid_request() {
        let e = Error::Limit(Limit::Depth);
        let f = Fault::from(&e);
        assert_eq!(f.code, FaultCode::InvalidRequest);
        assert_eq!(f.code.family(), FaultFamily::Trust);
        assert!(!f.reason().contains("depth"));
    }

    #[test]
    fn wrong_destination_is_the_addressing_fault() {
        let e = Error::Wire(WireError::NotAddressedHere("https://elsewhere/".into()));
        let f = Fault::from(&e);
        assert_eq!(f.code, FaultCode::DestinationUnreachable);
        assert_eq!(f.code.family(), FaultFamily::Addressing);
        assert!(f.code.is_sender());
        assert!(!f.reason().contains("elsewhere"));
    }

    #[test]
    fn wire_and_request_errors_map_to_trust_faults() {
        let cases = [
            (Error::Wire(WireError::NotSoap), FaultCode::InvalidRequest),
            (
                Error::Wire(WireError::VersionMix),
                FaultCode::InvalidRequest,
            ),
            (
                Error::Wire(WireError::MultiplePayloads),
                FaultCode::InvalidRequest,
            ),
            (
                Error::Request(RequestError::UnknownRequestType("x".into())),
                FaultCode::BadRequest,
            ),
            (
                Error::Request(RequestError::UnsupportedKeyType("x".into())),
                FaultCode::BadRequest,
            ),
            (
                Error::Request(RequestError::MissingRequestType),
                FaultCode::InvalidRequest,
            ),
            (
                Error::Request(RequestError::Conflicting("KeyType")),
                FaultCode::InvalidRequest,
            ),
            (
                Error::Request(RequestError::InvalidTimeRange),
                FaultCode::InvalidTimeRange,
            ),
            (
                Error::Request(RequestError::InvalidScope),
                FaultCode::InvalidScope,
            ),
            (
                Error::Request(RequestError::Failed),
                FaultCode::RequestFailed,
            ),
        ];
        for (e, code) in cases {
            let f = Fault::from(&e);
            assert_eq!(f.code, code, "{e}");
            assert_eq!(f.code.family(), FaultFamily::Trust);
            // no internal detail in what the peer sees
            assert!(!f.to_string().contains('"'), "{f}");
        }
    }

    #[test]
    fn auth_failures_map_without_revealing_the_user() {
        // unknown user, wrong password, lockout and a forbidden role: one fault
        for e in [
            AuthError::BadCredentials,
            AuthError::LockedOut,
            AuthError::Denied(Denial::Role),
            AuthError::Denied(Denial::Domain),
        ] {
            let f = Fault::from(&Error::Auth(e));
            assert_eq!(f.code, FaultCode::FailedAuthentication);
            assert_eq!(f.code.family(), FaultFamily::Security);
            assert_eq!(f.reason(), "Authentication failed");
        }
        let cases = [
            (AuthError::Expired("timestamp"), FaultCode::MessageExpired),
            (
                AuthError::InvalidTime("created"),
                FaultCode::InvalidSecurity,
            ),
            (AuthError::Replay("nonce"), FaultCode::InvalidSecurity),
            (
                AuthError::Duplicate("Security header"),
                FaultCode::InvalidSecurity,
            ),
            (
                AuthError::UntrustedCertificate(CertificateError::PinnedIssuer),
                FaultCode::FailedAuthentication,
            ),
            (
                AuthError::CertificateExpired,
                FaultCode::InvalidSecurityToken,
            ),
            (
                AuthError::UnsupportedToken("x"),
                FaultCode::UnsupportedSecurityToken,
            ),
            (
                AuthError::UnresolvedReference,
                FaultCode::SecurityTokenUnavailable,
            ),
            (
                AuthError::Denied(Denial::TlsRequired),
                FaultCode::InvalidSecurity,
            ),
            (
                AuthError::Denied(Denial::NotSigned("Body")),
                FaultCode::InvalidSecurity,
            ),
            (
                AuthError::Denied(Denial::TokenType("x".into())),
                FaultCode::RequestFailed,
            ),
            (
                AuthError::Denied(Denial::Claim("x".into())),
                FaultCode::RequestFailed,
            ),
        ];
        for (e, code) in cases {
            let text = e.to_string();
            let f = Fault::from(&Error::Auth(e));
            assert_eq!(f.code, code, "{text}");
            assert!(!f.reason().contains(&text));
        }
    }
}
