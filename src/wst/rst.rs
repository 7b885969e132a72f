//! `wst:RequestSecurityToken` (and `RequestSecurityTokenCollection`) read
//! into one version-neutral model.
//!
//! Simple values are copied out (owned); elements that carry tokens or keys
//! (`OnBehalfOf`, `ActAs`, `*Target`, `UseKey`, `EncryptedKey` entropy,
//! unknown extensions) stay [`roxmltree::Node`]s of the *same* tree, so a
//! signature over them can be checked later without a second parse.

use super::version::{KeyType, RequestKind, RequestType, TokenType, Version};
use crate::error::{Error, RequestError};
use crate::soap::AddressingVersion;
use crate::xml::{ns, whole_text};
use roxmltree::Node;
use std::fmt;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// Most RSTs accepted in one `RequestSecurityTokenCollection`: batches are
/// rare in practice and each entry costs a signature.
pub const MAX_BATCH: usize = 16;

/// WS-Identity claims dialect (`wsid:ClaimType Uri= Optional=`).
pub const DIALECT_IDENTITY: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity";
/// WS-Federation authorization claims dialect (`auth:ClaimType`).
pub const DIALECT_AUTHCLAIMS: &str =
    "http://docs.oasis-open.org/wsfed/authorization/200706/authclaims";
/// Namespace of `auth:ClaimType`.
pub const NS_AUTH: &str = "http://docs.oasis-open.org/wsfed/authorization/200706";

/// Secret bytes (a `BinarySecret`): redacted `Debug`, zeroized on drop, no
/// `PartialEq`; compare with [`Secret::ct_eq`].
#[derive(Clone)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Wrap secret bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Constant-time comparison.
    pub fn ct_eq(&self, other: &Self) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_slice().ct_eq(other.0.as_slice()).into()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes, redacted)", self.0.len())
    }
}

/// `BinarySecret/@Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinarySecretType {
    /// A symmetric key (the default when `Type` is absent).
    SymmetricKey,
    /// An asymmetric private key.
    AsymmetricKey,
    /// A nonce (entropy combined with the other party's).
    Nonce,
}

/// `wst:BinarySecret`.
#[derive(Debug, Clone)]
pub struct BinarySecret {
    /// What the secret is.
    pub kind: BinarySecretType,
    /// The decoded bytes.
    pub value: Secret,
}

/// `wst:Entropy` from the requestor.
#[derive(Debug, Clone)]
pub enum Entropy<'a, 'input> {
    /// Plain `BinarySecret` (protected only by the message security).
    BinarySecret(BinarySecret),
    /// `xenc:EncryptedKey`, left for the XML-Enc layer to decrypt.
    EncryptedKey(Node<'a, 'input>),
}

/// The WS-Policy namespace an `AppliesTo` came in (echoed in the reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyVersion {
    /// WS-Policy 2004/09 (what WCF/WIF and AD FS clients send).
    Wsp200409,
    /// WS-Policy 1.5 (W3C).
    Wsp15,
}

impl PolicyVersion {
    /// The namespace URI.
    pub fn namespace(self) -> &'static str {
        match self {
            Self::Wsp200409 => ns::WSP_2004,
            Self::Wsp15 => ns::WSP_15,
        }
    }
}

/// `wsp:AppliesTo/wsa:EndpointReference/wsa:Address`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliesTo {
    /// The relying party address (trimmed).
    pub address: String,
    /// The policy namespace of the `AppliesTo` element.
    pub policy: PolicyVersion,
    /// The addressing namespace of the `EndpointReference`.
    pub addressing: AddressingVersion,
}

impl AppliesTo {
    /// An `AppliesTo` in the namespaces WCF/WIF clients use.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            policy: PolicyVersion::Wsp200409,
            addressing: AddressingVersion::Wsa10,
        }
    }
}

/// `wst:Lifetime` (`wsu:Created`, `wsu:Expires`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetime {
    /// Start of the requested or granted validity.
    pub created: Option<OffsetDateTime>,
    /// End of the requested or granted validity.
    pub expires: Option<OffsetDateTime>,
}

/// `wst:UseKey`: the key the requestor wants the token bound to.
#[derive(Debug, Clone, Copy)]
pub struct UseKey<'a, 'input> {
    /// The `UseKey` element itself.
    pub node: Node<'a, 'input>,
    /// The key or token (or `SecurityTokenReference`) inside it.
    pub key: Node<'a, 'input>,
    /// `@Sig`: ID of a signature proving possession of the key.
    pub sig: Option<&'a str>,
}

/// One requested claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimType {
    /// `@Uri`.
    pub uri: String,
    /// `@Optional` (default false).
    pub optional: bool,
}

/// `wst:Claims`.
#[derive(Debug, Clone)]
pub struct Claims<'a, 'input> {
    /// `@Dialect`.
    pub dialect: Option<String>,
    /// The claim types, for the identity and authorization dialects. Empty
    /// for unknown dialects, whose content is left in `node`.
    pub claim_types: Vec<ClaimType>,
    /// The `Claims` element (absent for requests built by the host).
    pub node: Option<Node<'a, 'input>>,
}

/// `wst:Renewing`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renewing {
    /// `@Allow` (default true): the token may be renewed.
    pub allow: bool,
    /// `@OK` (default false): renewal after expiry is acceptable.
    pub ok: bool,
}

/// `wst:Participants`.
#[derive(Debug, Clone, Default)]
pub struct Participants<'a, 'input> {
    /// `Primary`, the element (its child identifies the party).
    pub primary: Option<Node<'a, 'input>>,
    /// Each `Participant` element.
    pub participants: Vec<Node<'a, 'input>>,
}

/// A `wst:RequestSecurityToken` in any of the three versions.
///
/// Built by [`Request::parse`] from a tree, or by [`Rst::new`] for requests
/// that come from the host rather than the wire.
#[derive(Debug, Clone)]
pub struct Rst<'a, 'input> {
    /// The version it was sent in (replies use it).
    pub version: Version,
    /// The RST element (absent for requests built by the host).
    pub node: Option<Node<'a, 'input>>,
    /// `@Context`, echoed in the reply.
    pub context: Option<String>,
    /// `RequestType`.
    pub request_type: RequestType,
    /// `TokenType`, when it is one this crate knows (unknown ones are refused).
    pub token_type: Option<TokenType>,
    /// `TokenType` exactly as sent (clients compare the echoed value).
    pub token_type_uri: Option<String>,
    /// `wsp:AppliesTo`.
    pub applies_to: Option<AppliesTo>,
    /// `Lifetime`.
    pub lifetime: Option<Lifetime>,
    /// `KeyType`.
    pub key_type: Option<KeyType>,
    /// `KeySize` in bits.
    pub key_size: Option<u32>,
    /// `Entropy`.
    pub entropy: Option<Entropy<'a, 'input>>,
    /// `ComputedKeyAlgorithm` URI.
    pub computed_key_algorithm: Option<String>,
    /// `UseKey`.
    pub use_key: Option<UseKey<'a, 'input>>,
    /// The token inside `ProofEncryption` (WS-Trust 1.3 §4.4; in the RST's
    /// namespace or the 1.4 one): the X.509 token (a
    /// `wsse:BinarySecurityToken`, or a `wsse:SecurityTokenReference` to one)
    /// the requestor wants a generated proof key encrypted for.
    pub proof_encryption: Option<Node<'a, 'input>>,
    /// `Claims`.
    pub claims: Option<Claims<'a, 'input>>,
    /// The token inside `OnBehalfOf`.
    pub on_behalf_of: Option<Node<'a, 'input>>,
    /// The token inside `ActAs` (WS-Trust 1.4 namespace).
    pub act_as: Option<Node<'a, 'input>>,
    /// `Renewing`.
    pub renewing: Option<Renewing>,
    /// `AllowPostdating` present.
    pub allow_postdating: bool,
    /// The token or reference inside `ValidateTarget`.
    pub validate_target: Option<Node<'a, 'input>>,
    /// The token or reference inside `RenewTarget`.
    pub renew_target: Option<Node<'a, 'input>>,
    /// The token or reference inside `CancelTarget`.
    pub cancel_target: Option<Node<'a, 'input>>,
    /// `SecondaryParameters` (the element).
    pub secondary_parameters: Option<Node<'a, 'input>>,
    /// `SignWith` algorithm URI.
    pub sign_with: Option<String>,
    /// `EncryptWith` algorithm URI.
    pub encrypt_with: Option<String>,
    /// `SignatureAlgorithm` URI.
    pub signature_algorithm: Option<String>,
    /// `EncryptionAlgorithm` URI.
    pub encryption_algorithm: Option<String>,
    /// `KeyWrapAlgorithm` URI (WS-Trust 1.3 §9.2; read in the RST's
    /// namespace).
    pub key_wrap_algorithm: Option<String>,
    /// `CanonicalizationAlgorithm` URI.
    pub canonicalization_algorithm: Option<String>,
    /// `Participants`.
    pub participants: Option<Participants<'a, 'input>>,
    /// Child elements this crate does not interpret, kept as the spec
    /// requires (in document order).
    pub extensions: Vec<Node<'a, 'input>>,
}

/// What a SOAP Body asked for: one RST, or a batch of them.
#[derive(Debug, Clone)]
pub enum Request<'a, 'input> {
    /// A single `RequestSecurityToken`.
    Single(Box<Rst<'a, 'input>>),
    /// A `RequestSecurityTokenCollection` (`Batch*` request types); each
    /// entry succeeds or fails on its own.
    Batch(Vec<Rst<'a, 'input>>),
}

impl<'a, 'input> Request<'a, 'input> {
    /// Read the Body payload: an RST or an RSTC in any supported version.
    pub fn parse(payload: Node<'a, 'input>) -> Result<Self, Error> {
        let tag = payload.tag_name();
        let version = tag
            .namespace()
            .and_then(Version::from_namespace)
            .ok_or_else(|| not_trust(payload))?;
        match tag.name() {
            "RequestSecurityToken" => {
                let rst = Rst::parse(payload)?;
                if rst.request_type.batch {
                    return Err(
                        RequestError::InvalidBatch("batch type outside a collection").into(),
                    );
                }
                Ok(Self::Single(Box::new(rst)))
            }
            "RequestSecurityTokenCollection" => {
                let mut entries = Vec::new();
                for c in children(payload)? {
                    if !c.has_tag_name((version.namespace(), "RequestSecurityToken")) {
                        return Err(RequestError::InvalidBatch("not an RST").into());
                    }
                    if entries.len() == MAX_BATCH {
                        return Err(RequestError::InvalidBatch("too many entries").into());
                    }
                    let rst = Rst::parse(c)?;
                    entries.push(rst);
                }
                let first: &Rst<'_, '_> =
                    entries.first().ok_or(RequestError::InvalidBatch("empty"))?;
                let rt = first.request_type;
                if !rt.batch || entries.iter().any(|r| r.request_type != rt) {
                    return Err(
                        RequestError::InvalidBatch("mixed or non-batch request types").into(),
                    );
                }
                Ok(Self::Batch(entries))
            }
            _ => Err(not_trust(payload)),
        }
    }

    /// The WS-Trust version of the request (1.4 if any entry is 1.4).
    pub fn version(&self) -> Version {
        match self {
            Self::Single(r) => r.version,
            Self::Batch(v) => v
                .iter()
                .map(|r| r.version)
                .find(|v| *v == Version::Trust14)
                .or_else(|| v.first().map(|r| r.version))
                .unwrap_or(Version::Trust13),
        }
    }

    /// The request type (for a batch, the shared `Batch*` type).
    pub fn request_type(&self) -> RequestType {
        match self {
            Self::Single(r) => r.request_type,
            Self::Batch(v) => v.first().map_or(
                RequestType {
                    kind: RequestKind::Issue,
                    batch: true,
                },
                |r| r.request_type,
            ),
        }
    }
}

fn not_trust(n: Node<'_, '_>) -> Error {
    crate::error::WireError::UnsupportedPayload(n.tag_name().name().to_owned()).into()
}

/// Element children, refusing non-whitespace text.
fn children<'a, 'input>(n: Node<'a, 'input>) -> Result<Vec<Node<'a, 'input>>, Error> {
    let mut out = Vec::new();
    for c in n.children() {
        if c.is_element() {
            out.push(c);
        } else if c.is_text() && c.text().is_some_and(|t| !t.trim().is_empty()) {
            return Err(RequestError::InvalidValue("text between elements").into());
        }
    }
    Ok(out)
}

/// The one element inside `n` (a token, key or reference).
fn only_child<'a, 'input>(
    n: Node<'a, 'input>,
    what: &'static str,
) -> Result<Node<'a, 'input>, Error> {
    let mut c = children(n)?.into_iter();
    match (c.next(), c.next()) {
        (Some(one), None) => Ok(one),
        _ => Err(RequestError::InvalidValue(what).into()),
    }
}

/// Trimmed whole text of a leaf element; must be non-empty and contain no
/// child elements.
fn text_of(n: Node<'_, '_>, what: &'static str) -> Result<String, Error> {
    if n.children().any(|c| c.is_element()) {
        return Err(RequestError::InvalidValue(what).into());
    }
    let t = whole_text(n);
    let t = t.trim();
    if t.is_empty() {
        return Err(RequestError::InvalidValue(what).into());
    }
    Ok(t.to_owned())
}

fn put<T>(slot: &mut Option<T>, v: T, what: &'static str) -> Result<(), Error> {
    if slot.replace(v).is_some() {
        return Err(RequestError::Duplicate(what).into());
    }
    Ok(())
}

fn parse_bool(v: &str, what: &'static str) -> Result<bool, Error> {
    match v.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(RequestError::InvalidValue(what).into()),
    }
}

fn parse_time(n: Node<'_, '_>, what: &'static str) -> Result<OffsetDateTime, Error> {
    let t = text_of(n, what)?;
    crate::instant::parse_utc(&t).ok_or_else(|| RequestError::InvalidValue(what).into())
}

/// `BinarySecret` in `version`'s namespace.
pub(crate) fn parse_binary_secret(
    n: Node<'_, '_>,
    version: Version,
) -> Result<BinarySecret, Error> {
    use base64::Engine;
    let kind = match n.attribute("Type") {
        None => BinarySecretType::SymmetricKey,
        Some(t) => match t.trim().strip_prefix(version.namespace()) {
            Some("/SymmetricKey") => BinarySecretType::SymmetricKey,
            Some("/AsymmetricKey") => BinarySecretType::AsymmetricKey,
            Some("/Nonce") => BinarySecretType::Nonce,
            _ => return Err(RequestError::InvalidValue("BinarySecret Type").into()),
        },
    };
    let text = text_of(n, "BinarySecret")?;
    let compact: Zeroizing<Vec<u8>> =
        Zeroizing::new(text.bytes().filter(|b| !b.is_ascii_whitespace()).collect());
    let value = base64::engine::general_purpose::STANDARD
        .decode(compact.as_slice())
        .map_err(|_| RequestError::InvalidValue("BinarySecret"))?;
    if value.is_empty() {
        return Err(RequestError::InvalidValue("BinarySecret").into());
    }
    Ok(BinarySecret {
        kind,
        value: Secret::new(value),
    })
}

fn parse_applies_to(n: Node<'_, '_>, policy: PolicyVersion) -> Result<AppliesTo, Error> {
    let child = only_child(n, "AppliesTo")?;
    let addressing = child
        .tag_name()
        .namespace()
        .and_then(AddressingVersion::from_namespace)
        .ok_or(RequestError::InvalidValue("AppliesTo"))?;
    let address = match child.tag_name().name() {
        "EndpointReference" => {
            let mut addr = None;
            for c in children(child)? {
                if c.has_tag_name((addressing.namespace(), "Address")) {
                    put(&mut addr, c, "EndpointReference Address")?;
                }
            }
            addr.ok_or(RequestError::Missing("EndpointReference Address"))?
        }
        "Address" => child,
        _ => return Err(RequestError::InvalidValue("AppliesTo").into()),
    };
    Ok(AppliesTo {
        address: text_of(address, "AppliesTo Address")?,
        policy,
        addressing,
    })
}

fn parse_claims<'a, 'input>(n: Node<'a, 'input>) -> Result<Claims<'a, 'input>, Error> {
    let dialect = n.attribute("Dialect").map(|d| d.trim().to_owned());
    let mut claim_types = Vec::new();
    if matches!(
        dialect.as_deref(),
        Some(DIALECT_IDENTITY | DIALECT_AUTHCLAIMS)
    ) {
        for c in children(n)? {
            let known = c.has_tag_name((DIALECT_IDENTITY, "ClaimType"))
                || c.has_tag_name((NS_AUTH, "ClaimType"));
            if !known {
                continue;
            }
            let uri = c
                .attribute("Uri")
                .map(str::trim)
                .filter(|u| !u.is_empty())
                .ok_or(RequestError::InvalidValue("ClaimType Uri"))?;
            let optional = match c.attribute("Optional") {
                Some(v) => parse_bool(v, "ClaimType Optional")?,
                None => false,
            };
            claim_types.push(ClaimType {
                uri: uri.to_owned(),
                optional,
            });
        }
    }
    Ok(Claims {
        dialect,
        claim_types,
        node: Some(n),
    })
}

impl<'a, 'input> Rst<'a, 'input> {
    /// A request built by the host (no tree): everything but the version and
    /// request type empty.
    pub fn new(version: Version, kind: RequestKind) -> Self {
        Self {
            version,
            node: None,
            context: None,
            request_type: RequestType { kind, batch: false },
            token_type: None,
            token_type_uri: None,
            applies_to: None,
            lifetime: None,
            key_type: None,
            key_size: None,
            entropy: None,
            computed_key_algorithm: None,
            use_key: None,
            proof_encryption: None,
            claims: None,
            on_behalf_of: None,
            act_as: None,
            renewing: None,
            allow_postdating: false,
            validate_target: None,
            renew_target: None,
            cancel_target: None,
            secondary_parameters: None,
            sign_with: None,
            encrypt_with: None,
            signature_algorithm: None,
            encryption_algorithm: None,
            key_wrap_algorithm: None,
            canonicalization_algorithm: None,
            participants: None,
            extensions: Vec::new(),
        }
    }

    /// The URI text of the first `name` element (in the RST's namespace)
    /// inside `SecondaryParameters`, if any: parameters a client relays
    /// from the relying party's policy (WCF puts `EncryptionAlgorithm`,
    /// `KeyWrapAlgorithm` and `EncryptWith` there). `Err` for one that is
    /// not a plain URI.
    pub fn secondary(&self, name: &'static str) -> Result<Option<String>, Error> {
        let Some(sp) = self.secondary_parameters else {
            return Ok(None);
        };
        let ns = self.version.namespace();
        match sp.children().find(|c| c.has_tag_name((ns, name))) {
            Some(c) => text_of(c, name).map(Some),
            None => Ok(None),
        }
    }

    /// Read one `RequestSecurityToken` element.
    pub fn parse(node: Node<'a, 'input>) -> Result<Self, Error> {
        let mut version = node
            .tag_name()
            .namespace()
            .and_then(Version::from_namespace)
            .filter(|_| node.tag_name().name() == "RequestSecurityToken")
            .ok_or_else(|| not_trust(node))?;
        let wst = version.namespace();
        let mut rt_uri = None;
        let mut rst = Rst::new(version, RequestKind::Issue);
        rst.node = Some(node);
        rst.context = node.attribute("Context").map(str::to_owned);
        let mut postdating = None;
        for c in children(node)? {
            let name = c.tag_name().name();
            match c.tag_name().namespace() {
                Some(uri) if uri == wst => match name {
                    "RequestType" => put(&mut rt_uri, text_of(c, "RequestType")?, "RequestType")?,
                    "TokenType" => put(
                        &mut rst.token_type_uri,
                        text_of(c, "TokenType")?,
                        "TokenType",
                    )?,
                    "Lifetime" => {
                        let mut lt = Lifetime {
                            created: None,
                            expires: None,
                        };
                        for t in children(c)? {
                            if t.has_tag_name((ns::WSU, "Created")) {
                                put(&mut lt.created, parse_time(t, "Created")?, "Created")?;
                            } else if t.has_tag_name((ns::WSU, "Expires")) {
                                put(&mut lt.expires, parse_time(t, "Expires")?, "Expires")?;
                            } else {
                                return Err(RequestError::InvalidValue("Lifetime").into());
                            }
                        }
                        if let (Some(c), Some(e)) = (lt.created, lt.expires) {
                            if c > e {
                                return Err(RequestError::InvalidTimeRange.into());
                            }
                        }
                        if lt.created.is_none() && lt.expires.is_none() {
                            return Err(RequestError::InvalidValue("Lifetime").into());
                        }
                        put(&mut rst.lifetime, lt, "Lifetime")?;
                    }
                    "KeyType" => {
                        let uri = text_of(c, "KeyType")?;
                        let kt = version
                            .key_type(&uri)
                            .ok_or(RequestError::UnsupportedKeyType(uri))?;
                        put(&mut rst.key_type, kt, "KeyType")?;
                    }
                    "KeySize" => {
                        let bits: u32 = text_of(c, "KeySize")?
                            .parse()
                            .ok()
                            .filter(|b| *b > 0)
                            .ok_or(RequestError::InvalidValue("KeySize"))?;
                        put(&mut rst.key_size, bits, "KeySize")?;
                    }
                    "Entropy" => {
                        let inner = only_child(c, "Entropy")?;
                        let e = if inner.has_tag_name((wst, "BinarySecret")) {
                            Entropy::BinarySecret(parse_binary_secret(inner, version)?)
                        } else if inner.has_tag_name((ns::XENC, "EncryptedKey")) {
                            Entropy::EncryptedKey(inner)
                        } else {
                            return Err(RequestError::InvalidValue("Entropy").into());
                        };
                        put(&mut rst.entropy, e, "Entropy")?;
                    }
                    "ComputedKeyAlgorithm" => put(
                        &mut rst.computed_key_algorithm,
                        text_of(c, "ComputedKeyAlgorithm")?,
                        "ComputedKeyAlgorithm",
                    )?,
                    "UseKey" => {
                        let uk = UseKey {
                            node: c,
                            key: only_child(c, "UseKey")?,
                            sig: c.attribute("Sig"),
                        };
                        put(&mut rst.use_key, uk, "UseKey")?;
                    }
                    "ProofEncryption" => put(
                        &mut rst.proof_encryption,
                        only_child(c, "ProofEncryption")?,
                        "ProofEncryption",
                    )?,
                    "Claims" => put(&mut rst.claims, parse_claims(c)?, "Claims")?,
                    "OnBehalfOf" => put(
                        &mut rst.on_behalf_of,
                        only_child(c, "OnBehalfOf")?,
                        "OnBehalfOf",
                    )?,
                    "Renewing" => {
                        let r = Renewing {
                            allow: c
                                .attribute("Allow")
                                .map_or(Ok(true), |v| parse_bool(v, "Renewing Allow"))?,
                            ok: c
                                .attribute("OK")
                                .map_or(Ok(false), |v| parse_bool(v, "Renewing OK"))?,
                        };
                        put(&mut rst.renewing, r, "Renewing")?;
                    }
                    "AllowPostdating" => put(&mut postdating, (), "AllowPostdating")?,
                    "ValidateTarget" => put(
                        &mut rst.validate_target,
                        only_child(c, "ValidateTarget")?,
                        "ValidateTarget",
                    )?,
                    "RenewTarget" => put(
                        &mut rst.renew_target,
                        only_child(c, "RenewTarget")?,
                        "RenewTarget",
                    )?,
                    "CancelTarget" => put(
                        &mut rst.cancel_target,
                        only_child(c, "CancelTarget")?,
                        "CancelTarget",
                    )?,
                    "SecondaryParameters" => {
                        put(&mut rst.secondary_parameters, c, "SecondaryParameters")?
                    }
                    "SignWith" => put(&mut rst.sign_with, text_of(c, "SignWith")?, "SignWith")?,
                    "EncryptWith" => put(
                        &mut rst.encrypt_with,
                        text_of(c, "EncryptWith")?,
                        "EncryptWith",
                    )?,
                    "SignatureAlgorithm" => put(
                        &mut rst.signature_algorithm,
                        text_of(c, "SignatureAlgorithm")?,
                        "SignatureAlgorithm",
                    )?,
                    "EncryptionAlgorithm" => put(
                        &mut rst.encryption_algorithm,
                        text_of(c, "EncryptionAlgorithm")?,
                        "EncryptionAlgorithm",
                    )?,
                    "KeyWrapAlgorithm" => put(
                        &mut rst.key_wrap_algorithm,
                        text_of(c, "KeyWrapAlgorithm")?,
                        "KeyWrapAlgorithm",
                    )?,
                    "CanonicalizationAlgorithm" => put(
                        &mut rst.canonicalization_algorithm,
                        text_of(c, "CanonicalizationAlgorithm")?,
                        "CanonicalizationAlgorithm",
                    )?,
                    "Participants" => {
                        let mut p = Participants::default();
                        for e in children(c)? {
                            if e.has_tag_name((wst, "Primary")) {
                                put(&mut p.primary, e, "Primary")?;
                            } else if e.has_tag_name((wst, "Participant")) {
                                p.participants.push(e);
                            }
                        }
                        put(&mut rst.participants, p, "Participants")?;
                    }
                    // An RST nested in the RST, or an RSTR, is never an extension.
                    "RequestSecurityToken"
                    | "RequestSecurityTokenCollection"
                    | "RequestSecurityTokenResponse" => {
                        return Err(RequestError::Duplicate("RequestSecurityToken").into());
                    }
                    _ => rst.extensions.push(c),
                },
                Some(ns::WST_14) => {
                    if version == Version::Trust13 {
                        version = Version::Trust14;
                    }
                    match name {
                        "ActAs" => put(&mut rst.act_as, only_child(c, "ActAs")?, "ActAs")?,
                        "ProofEncryption" => put(
                            &mut rst.proof_encryption,
                            only_child(c, "ProofEncryption")?,
                            "ProofEncryption",
                        )?,
                        _ => rst.extensions.push(c),
                    }
                }
                Some(ns::WST_2005 | ns::WST_13) => return Err(RequestError::VersionMix.into()),
                Some(uri @ (ns::WSP_2004 | ns::WSP_15)) if name == "AppliesTo" => {
                    let policy = if uri == ns::WSP_2004 {
                        PolicyVersion::Wsp200409
                    } else {
                        PolicyVersion::Wsp15
                    };
                    put(
                        &mut rst.applies_to,
                        parse_applies_to(c, policy)?,
                        "AppliesTo",
                    )?;
                }
                _ => rst.extensions.push(c),
            }
        }
        rst.version = version;
        rst.allow_postdating = postdating.is_some();
        let rt_uri = rt_uri.ok_or(RequestError::MissingRequestType)?;
        rst.request_type = version
            .request_type(&rt_uri)
            .ok_or(RequestError::UnknownRequestType(rt_uri))?;
        if let Some(uri) = &rst.token_type_uri {
            rst.token_type = Some(
                TokenType::from_uri(uri, version)
                    .ok_or_else(|| RequestError::UnsupportedTokenType(uri.clone()))?,
            );
        }
        rst.check()?;
        Ok(rst)
    }

    /// Cross-element consistency, shared by parsed and host-built requests.
    pub fn check(&self) -> Result<(), Error> {
        let kind = self.request_type.kind;
        let conflict = |what| Err(RequestError::Conflicting(what).into());
        match self.key_type {
            Some(KeyType::Bearer)
                if self.entropy.is_some()
                    || self.use_key.is_some()
                    || self.computed_key_algorithm.is_some() =>
            {
                return conflict("Bearer KeyType with key material");
            }
            Some(KeyType::PublicKey)
                if self.entropy.is_some() || self.computed_key_algorithm.is_some() =>
            {
                return conflict("PublicKey KeyType with symmetric key material");
            }
            _ => {}
        }
        let targets = [
            (
                self.validate_target.is_some(),
                RequestKind::Validate,
                "ValidateTarget",
            ),
            (
                self.renew_target.is_some(),
                RequestKind::Renew,
                "RenewTarget",
            ),
            (
                self.cancel_target.is_some(),
                RequestKind::Cancel,
                "CancelTarget",
            ),
        ];
        for (present, k, what) in targets {
            if present && kind != k {
                return conflict(what);
            }
        }
        if self.token_type == Some(TokenType::Status) && kind != RequestKind::Validate {
            return conflict("Status TokenType outside Validate");
        }
        let has_tree = self.node.is_some();
        match kind {
            RequestKind::Renew if has_tree && self.renew_target.is_none() => {
                Err(RequestError::Missing("RenewTarget").into())
            }
            RequestKind::Cancel if has_tree && self.cancel_target.is_none() => {
                Err(RequestError::Missing("CancelTarget").into())
            }
            RequestKind::Validate
                if has_tree
                    && self.version != Version::Trust2005
                    && self.validate_target.is_none() =>
            {
                Err(RequestError::Missing("ValidateTarget").into())
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;

    const T13: &str = ns::WST_13;

    fn with_rst<R>(
        ns: &str,
        inner: &str,
        f: impl FnOnce(Result<Request<'_, '_>, Error>) -> R,
    ) -> R {
        let text = format!(
            r#"<t:RequestSecurityToken xmlns:t="{ns}" xmlns:t14="{}" xmlns:wsp="{}" xmlns:wsa="{}" xmlns:wsu="{}" xmlns:i="{DIALECT_IDENTITY}" Context="c-1">{inner}</t:RequestSecurityToken>"#,
            ns::WST_14,
            ns::WSP_2004,
            ns::WSA,
            ns::WSU
        );
        let doc = crate::xml::parse(&text, &Limits::default()).unwrap();
        f(Request::parse(doc.root_element()))
    }

    fn err(ns: &str, inner: &str) -> RequestError {
        with_rst(ns, inner, |r| match r {
            Err(Error::Request(e)) => e,
            other => panic!("{inner}: {other:?}"),
        })
    }

    fn issue(ns: &str) -> String {
        format!("<t:RequestType>{ns}/Issue</t:RequestType>")
    }

    #[test]
    fn every_element_is_read() {
        let inner = format!(
            r#"{}<t:TokenType>http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0</t:TokenType>
            <wsp:AppliesTo><wsa:EndpointReference><wsa:Address> https://rp.example/ </wsa:Address></wsa:EndpointReference></wsp:AppliesTo>
            <t:Lifetime><wsu:Created>2026-01-01T00:00:00Z</wsu:Created><wsu:Expires>2026-01-01T01:00:00.123Z</wsu:Expires></t:Lifetime>
            <t:KeyType>{T13}/SymmetricKey</t:KeyType><t:KeySize>256</t:KeySize>
            <t:Entropy><t:BinarySecret Type="{T13}/Nonce">AAEC<!-- -->Aw==</t:BinarySecret></t:Entropy>
            <t:ComputedKeyAlgorithm>{T13}/CK/PSHA1</t:ComputedKeyAlgorithm>
            <t:Claims Dialect="{DIALECT_IDENTITY}"><i:ClaimType Uri="urn:c:name"/><i:ClaimType Uri="urn:c:role" Optional="true"/></t:Claims>
            <t:OnBehalfOf><tok id="obo"/></t:OnBehalfOf><t14:ActAs><tok id="act"/></t14:ActAs>
            <t:ProofEncryption><tok id="pe"/></t:ProofEncryption>
            <t:Renewing Allow="false" OK="true"/><t:AllowPostdating/>
            <t:SecondaryParameters><t:KeySize>128</t:KeySize><t:EncryptionAlgorithm> urn:sea </t:EncryptionAlgorithm><t:KeyWrapAlgorithm><x/></t:KeyWrapAlgorithm></t:SecondaryParameters>
            <t:SignWith>urn:sw</t:SignWith><t:EncryptWith>urn:ew</t:EncryptWith>
            <t:SignatureAlgorithm>urn:sa</t:SignatureAlgorithm><t:EncryptionAlgorithm>urn:ea</t:EncryptionAlgorithm>
            <t:KeyWrapAlgorithm>urn:kw</t:KeyWrapAlgorithm><t:CanonicalizationAlgorithm>urn:ca</t:CanonicalizationAlgorithm>
            <t:Participants><t:Primary><p/></t:Primary><t:Participant><p/></t:Participant><t:Participant><p/></t:Participant></t:Participants>
            <x:Ext xmlns:x="urn:ext"/><t:FutureThing/>"#,
            issue(T13)
        );
        with_rst(T13, &inner, |r| {
            let Ok(Request::Single(r)) = r else {
                panic!("{r:?}")
            };
            assert_eq!(r.version, Version::Trust14);
            assert_eq!(r.context.as_deref(), Some("c-1"));
            assert_eq!(
                r.request_type,
                RequestType {
                    kind: RequestKind::Issue,
                    batch: false
                }
            );
            assert_eq!(r.token_type, Some(TokenType::Saml20));
            let a = r.applies_to.as_ref().unwrap();
            assert_eq!(a.address, "https://rp.example/");
            assert_eq!(a.policy, PolicyVersion::Wsp200409);
            let lt = r.lifetime.unwrap();
            assert_eq!(
                lt.created,
                Some(time::macros::datetime!(2026-01-01 00:00 UTC))
            );
            assert_eq!(
                lt.expires,
                Some(time::macros::datetime!(2026-01-01 01:00:00.123 UTC))
            );
            assert_eq!(r.key_type, Some(KeyType::SymmetricKey));
            assert_eq!(r.key_size, Some(256));
            let Some(Entropy::BinarySecret(bs)) = &r.entropy else {
                panic!()
            };
            assert_eq!(bs.kind, BinarySecretType::Nonce);
            assert_eq!(bs.value.as_bytes(), [0, 1, 2, 3]);
            assert!(!format!("{bs:?}").contains("[0, 1"));
            assert_eq!(
                r.computed_key_algorithm.as_deref(),
                Some(&*format!("{T13}/CK/PSHA1"))
            );
            let c = r.claims.as_ref().unwrap();
            assert_eq!(c.claim_types.len(), 2);
            assert!(c.claim_types[1].optional && !c.claim_types[0].optional);
            assert_eq!(r.on_behalf_of.unwrap().attribute("id"), Some("obo"));
            assert_eq!(r.act_as.unwrap().attribute("id"), Some("act"));
            assert_eq!(r.proof_encryption.unwrap().attribute("id"), Some("pe"));
            assert_eq!(
                r.renewing,
                Some(Renewing {
                    allow: false,
                    ok: true
                })
            );
            assert!(r.allow_postdating);
            assert!(r.secondary_parameters.is_some());
            assert_eq!(r.sign_with.as_deref(), Some("urn:sw"));
            assert_eq!(r.encrypt_with.as_deref(), Some("urn:ew"));
            assert_eq!(r.signature_algorithm.as_deref(), Some("urn:sa"));
            assert_eq!(r.encryption_algorithm.as_deref(), Some("urn:ea"));
            assert_eq!(r.key_wrap_algorithm.as_deref(), Some("urn:kw"));
            assert_eq!(
                r.secondary("EncryptionAlgorithm").unwrap().as_deref(),
                Some("urn:sea")
            );
            assert!(r.secondary("KeyWrapAlgorithm").is_err());
            assert_eq!(r.secondary("EncryptWith").unwrap(), None);
            assert_eq!(r.canonicalization_algorithm.as_deref(), Some("urn:ca"));
            let p = r.participants.as_ref().unwrap();
            assert!(p.primary.is_some());
            assert_eq!(p.participants.len(), 2);
            let ext: Vec<_> = r.extensions.iter().map(|n| n.tag_name().name()).collect();
            assert_eq!(ext, ["Ext", "FutureThing"]);
        });
    }

    #[test]
    fn bad_requests() {
        let t5 = ns::WST_2005;
        let cases: Vec<(&str, String, RequestError)> = vec![
            (T13, String::new(), RequestError::MissingRequestType),
            (
                T13,
                format!("<t:RequestType>{T13}/Steal</t:RequestType>"),
                RequestError::UnknownRequestType(format!("{T13}/Steal")),
            ),
            (
                T13,
                format!("<t:RequestType>{t5}/Issue</t:RequestType>"),
                RequestError::UnknownRequestType(format!("{t5}/Issue")),
            ),
            (
                T13,
                format!("{}<t:TokenType>urn:x</t:TokenType>", issue(T13)),
                RequestError::UnsupportedTokenType("urn:x".into()),
            ),
            (
                T13,
                format!("{}<t:KeyType>{t5}/PublicKey</t:KeyType>", issue(T13)),
                RequestError::UnsupportedKeyType(format!("{t5}/PublicKey")),
            ),
            (T13, format!("{0}{0}", issue(T13)), RequestError::Duplicate("RequestType")),
            (
                T13,
                format!(
                    "{}<t:KeyType>{T13}/Bearer</t:KeyType><t:Entropy><t:BinarySecret>AAAA</t:BinarySecret></t:Entropy>",
                    issue(T13)
                ),
                RequestError::Conflicting("Bearer KeyType with key material"),
            ),
            (
                T13,
                format!("{}<t:CancelTarget><x/></t:CancelTarget>", issue(T13)),
                RequestError::Conflicting("CancelTarget"),
            ),
            (
                T13,
                format!("<t:RequestType>{T13}/Cancel</t:RequestType>"),
                RequestError::Missing("CancelTarget"),
            ),
            (
                T13,
                format!(r#"{}<t5:KeySize xmlns:t5="{t5}">1</t5:KeySize>"#, issue(T13)),
                RequestError::VersionMix,
            ),
            (
                T13,
                format!(
                    "{}<t:Lifetime><wsu:Created>2026-01-02T00:00:00Z</wsu:Created><wsu:Expires>2026-01-01T00:00:00Z</wsu:Expires></t:Lifetime>",
                    issue(T13)
                ),
                RequestError::InvalidTimeRange,
            ),
            (
                T13,
                format!("{}<t:KeySize>-1</t:KeySize>", issue(T13)),
                RequestError::InvalidValue("KeySize"),
            ),
            (
                T13,
                format!("{}<t:Entropy><t:BinarySecret>!!</t:BinarySecret></t:Entropy>", issue(T13)),
                RequestError::InvalidValue("BinarySecret"),
            ),
            (
                T13,
                format!("{}<t:OnBehalfOf><a/><b/></t:OnBehalfOf>", issue(T13)),
                RequestError::InvalidValue("OnBehalfOf"),
            ),
            (
                T13,
                format!(
                    "{}<t:ProofEncryption><a/></t:ProofEncryption><t14:ProofEncryption><a/></t14:ProofEncryption>",
                    issue(T13)
                ),
                RequestError::Duplicate("ProofEncryption"),
            ),
            (
                T13,
                format!("{}<t:ProofEncryption><a/><b/></t:ProofEncryption>", issue(T13)),
                RequestError::InvalidValue("ProofEncryption"),
            ),
            (
                T13,
                format!("{}<t:RequestSecurityToken/>", issue(T13)),
                RequestError::Duplicate("RequestSecurityToken"),
            ),
            (
                T13,
                format!("<t:RequestType>{T13}/BatchIssue</t:RequestType>"),
                RequestError::InvalidBatch("batch type outside a collection"),
            ),
        ];
        for (ns, inner, want) in cases {
            assert_eq!(err(ns, &inner), want, "{inner}");
        }
    }

    #[test]
    fn trust_2005_bearer_and_validate_without_target() {
        let t5 = ns::WST_2005;
        let inner = format!(
            "<t:RequestType>{t5}/Issue</t:RequestType><t:KeyType>{}</t:KeyType>",
            super::super::version::NO_PROOF_KEY
        );
        with_rst(t5, &inner, |r| {
            let Ok(Request::Single(r)) = r else { panic!() };
            assert_eq!(r.version, Version::Trust2005);
            assert_eq!(r.key_type, Some(KeyType::Bearer));
        });
        let inner = format!("<t:RequestType>{t5}/Validate</t:RequestType>");
        with_rst(t5, &inner, |r| assert!(r.is_ok()));
        let inner = format!("<t:RequestType>{T13}/Validate</t:RequestType>");
        assert_eq!(err(T13, &inner), RequestError::Missing("ValidateTarget"));
    }

    #[test]
    fn batches() {
        let one = |rt: &str, ctx: &str| {
            format!(
                r#"<t:RequestSecurityToken Context="{ctx}"><t:RequestType>{T13}/{rt}</t:RequestType></t:RequestSecurityToken>"#
            )
        };
        let parse = |inner: String| {
            let text = format!(
                r#"<t:RequestSecurityTokenCollection xmlns:t="{T13}">{inner}</t:RequestSecurityTokenCollection>"#
            );
            let doc = crate::xml::parse(&text, &Limits::default()).unwrap();
            Request::parse(doc.root_element()).map(|r| match r {
                Request::Batch(v) => v
                    .iter()
                    .map(|r| r.context.clone().unwrap_or_default())
                    .collect::<Vec<_>>(),
                Request::Single(_) => panic!("single"),
            })
        };
        assert_eq!(
            parse(one("BatchIssue", "a") + &one("BatchIssue", "b")).unwrap(),
            ["a", "b"]
        );
        assert!(parse(one("BatchIssue", "a") + &one("Issue", "b")).is_err());
        assert!(parse(one("BatchIssue", "a") + &one("BatchValidate", "b")).is_err());
        assert!(parse(String::new()).is_err());
        assert!(parse(one("BatchIssue", "a").repeat(MAX_BATCH + 1)).is_err());
    }
}
