//! The closed algorithm lists: XML-Enc URIs, the data and key transport
//! algorithms, and the checks that hold an element's `EncryptionMethod` to them.

use super::{child, DecryptOptions};
use crate::error::{Error, XencError, XmlError};
use crate::keys::{DigestAlg, RsaDecryptPadding};
use crate::xml::{self, ns};
use roxmltree::Node;

/// XML-Enc and related URIs.
pub mod uri {
    /// AES-128-GCM.
    pub const AES128_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes128-gcm";
    /// AES-256-GCM.
    pub const AES256_GCM: &str = "http://www.w3.org/2009/xmlenc11#aes256-gcm";
    /// AES-128-CBC.
    pub const AES128_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes128-cbc";
    /// AES-256-CBC.
    pub const AES256_CBC: &str = "http://www.w3.org/2001/04/xmlenc#aes256-cbc";
    /// RSA-OAEP with MGF1-SHA-1 (XML-Enc 1.0).
    pub const RSA_OAEP_MGF1P: &str = "http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p";
    /// RSA-OAEP with a chosen digest and MGF (XML-Enc 1.1).
    pub const RSA_OAEP: &str = "http://www.w3.org/2009/xmlenc11#rsa-oaep";
    /// RSA PKCS#1 v1.5 key transport (legacy; never produced).
    pub const RSA_1_5: &str = "http://www.w3.org/2001/04/xmlenc#rsa-1_5";
    /// MGF1 with SHA-1.
    pub const MGF1_SHA1: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha1";
    /// MGF1 with SHA-256.
    pub const MGF1_SHA256: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha256";
    /// MGF1 with SHA-384.
    pub const MGF1_SHA384: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha384";
    /// MGF1 with SHA-512.
    pub const MGF1_SHA512: &str = "http://www.w3.org/2009/xmlenc11#mgf1sha512";
    /// SHA-1 digest.
    pub const SHA1: &str = "http://www.w3.org/2000/09/xmldsig#sha1";
    /// SHA-256 digest.
    pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
    /// SHA-384 digest.
    pub const SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
    /// SHA-512 digest.
    pub const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
    /// `Type` of an encrypted element.
    pub const TYPE_ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";
    /// `Type` of encrypted element content.
    pub const TYPE_CONTENT: &str = "http://www.w3.org/2001/04/xmlenc#Content";
    /// `ds:RetrievalMethod` `Type` pointing at an `EncryptedKey`.
    pub const TYPE_ENCRYPTED_KEY: &str = "http://www.w3.org/2001/04/xmlenc#EncryptedKey";
    /// WS-Security 1.1 `ThumbprintSHA1` KeyIdentifier value type.
    pub const THUMBPRINT_SHA1: &str =
        "http://docs.oasis-open.org/wss/oasis-wss-soap-message-security-1.1#ThumbprintSHA1";
    /// WS-Security X.509 token profile `X509SubjectKeyIdentifier` value type.
    pub const X509_SKI: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509SubjectKeyIdentifier";
    /// WS-Security `Base64Binary` encoding type.
    pub const BASE64_BINARY: &str = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary";
}

/// A data encryption algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum DataAlgorithm {
    /// AES-256-GCM (default): 12-byte IV prepended, 16-byte tag appended.
    #[default]
    Aes256Gcm,
    /// AES-128-GCM.
    Aes128Gcm,
    /// AES-256-CBC with XML-Enc padding (legacy peers; no integrity).
    Aes256Cbc,
    /// AES-128-CBC with XML-Enc padding (legacy peers; no integrity).
    Aes128Cbc,
}

impl DataAlgorithm {
    /// Every supported data algorithm.
    pub const ALL: [Self; 4] = [
        Self::Aes256Gcm,
        Self::Aes128Gcm,
        Self::Aes256Cbc,
        Self::Aes128Cbc,
    ];

    /// The algorithm URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Aes256Gcm => uri::AES256_GCM,
            Self::Aes128Gcm => uri::AES128_GCM,
            Self::Aes256Cbc => uri::AES256_CBC,
            Self::Aes128Cbc => uri::AES128_CBC,
        }
    }

    /// The algorithm a URI names, if it is on the list.
    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.uri() == uri)
    }

    /// Key length in bytes.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes256Gcm | Self::Aes256Cbc => 32,
            Self::Aes128Gcm | Self::Aes128Cbc => 16,
        }
    }

    /// Whether this is a CBC (unauthenticated) mode.
    pub fn is_cbc(self) -> bool {
        matches!(self, Self::Aes256Cbc | Self::Aes128Cbc)
    }
}

/// An RSA key transport algorithm used when encrypting. RSA PKCS#1 v1.5 is
/// deliberately absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum KeyTransport {
    /// `xmlenc#rsa-oaep-mgf1p`: RSA-OAEP, SHA-1 digest, MGF1-SHA-1 (default:
    /// what every WS-Trust and SAML peer understands).
    #[default]
    RsaOaepMgf1p,
    /// `xmlenc11#rsa-oaep` with SHA-256 digest and MGF1-SHA-256.
    RsaOaepSha256,
    /// `xmlenc11#rsa-oaep` with SHA-256 digest and MGF1-SHA-1 (the XML-Enc
    /// 1.1 default MGF). Peers can read it; this crate's default key backend
    /// cannot decrypt it (see the module docs).
    RsaOaepSha256Mgf1Sha1,
}

impl KeyTransport {
    /// The `EncryptionMethod` algorithm URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::RsaOaepMgf1p => uri::RSA_OAEP_MGF1P,
            Self::RsaOaepSha256 | Self::RsaOaepSha256Mgf1Sha1 => uri::RSA_OAEP,
        }
    }

    pub(super) fn digests(self) -> (DigestAlg, DigestAlg) {
        match self {
            Self::RsaOaepMgf1p => (DigestAlg::Sha1, DigestAlg::Sha1),
            Self::RsaOaepSha256 => (DigestAlg::Sha256, DigestAlg::Sha256),
            Self::RsaOaepSha256Mgf1Sha1 => (DigestAlg::Sha256, DigestAlg::Sha1),
        }
    }
}

pub(super) fn digest_uri(d: DigestAlg) -> &'static str {
    match d {
        DigestAlg::Sha1 => uri::SHA1,
        DigestAlg::Sha384 => uri::SHA384,
        DigestAlg::Sha512 => uri::SHA512,
        _ => uri::SHA256,
    }
}

pub(super) fn data_algorithm(
    data: Node<'_, '_>,
    opts: &DecryptOptions,
) -> Result<DataAlgorithm, Error> {
    let uri = algorithm(encryption_method(data)?)?;
    let alg = DataAlgorithm::from_uri(uri)
        .ok_or_else(|| XencError::AlgorithmNotAllowed(uri.to_owned()))?;
    if alg.is_cbc() && !opts.allow_cbc {
        return Err(XencError::AlgorithmNotAllowed(uri.to_owned()).into());
    }
    Ok(alg)
}

/// The only `xenc:EncryptionMethod` of an `EncryptedData` or `EncryptedKey`.
fn encryption_method<'a, 'input>(parent: Node<'a, 'input>) -> Result<Node<'a, 'input>, Error> {
    child(parent, ns::XENC, "EncryptionMethod")?
        .ok_or_else(|| XmlError::MissingElement("xenc:EncryptionMethod").into())
}

/// The `Algorithm` URI of an `EncryptionMethod`, `DigestMethod` or `MGF`.
fn algorithm<'a>(method: Node<'a, '_>) -> Result<&'a str, Error> {
    method
        .attribute("Algorithm")
        .ok_or_else(|| XmlError::MissingAttribute("Algorithm").into())
}

/// The key transport padding an `EncryptedKey` asks for, from the closed list.
pub(super) fn key_transport(
    ek: Node<'_, '_>,
    opts: &DecryptOptions,
) -> Result<RsaDecryptPadding, Error> {
    let method = encryption_method(ek)?;
    let alg = algorithm(method)?;
    let not_allowed = |u: &str| Error::from(XencError::AlgorithmNotAllowed(u.to_owned()));
    if child(method, ns::XENC, "OAEPparams")?.is_some_and(|p| !xml::whole_text(p).trim().is_empty())
    {
        return Err(XencError::Malformed("OAEPparams").into());
    }
    let digest = match child(method, ns::DS, "DigestMethod")? {
        None => DigestAlg::Sha1,
        Some(d) => {
            let u = algorithm(d)?;
            match u {
                uri::SHA1 => DigestAlg::Sha1,
                uri::SHA256 => DigestAlg::Sha256,
                uri::SHA384 => DigestAlg::Sha384,
                uri::SHA512 => DigestAlg::Sha512,
                other => return Err(not_allowed(other)),
            }
        }
    };
    match alg {
        uri::RSA_OAEP_MGF1P => {
            if child(method, ns::XENC11, "MGF")?.is_some() {
                return Err(XencError::Malformed("MGF with rsa-oaep-mgf1p").into());
            }
            Ok(RsaDecryptPadding::Oaep {
                digest,
                mgf1: DigestAlg::Sha1,
            })
        }
        uri::RSA_OAEP => {
            let mgf1 = match child(method, ns::XENC11, "MGF")? {
                None => DigestAlg::Sha1,
                Some(m) => {
                    let u = algorithm(m)?;
                    match u {
                        uri::MGF1_SHA1 => DigestAlg::Sha1,
                        uri::MGF1_SHA256 => DigestAlg::Sha256,
                        uri::MGF1_SHA384 => DigestAlg::Sha384,
                        uri::MGF1_SHA512 => DigestAlg::Sha512,
                        other => return Err(not_allowed(other)),
                    }
                }
            };
            Ok(RsaDecryptPadding::Oaep { digest, mgf1 })
        }
        uri::RSA_1_5 if opts.dangerous_allow_rsa_pkcs1v15 => Ok(RsaDecryptPadding::Pkcs1v15),
        other => Err(not_allowed(other)),
    }
}
