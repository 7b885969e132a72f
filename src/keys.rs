//! Keys and certificates.
//!
//! * [`Certificate`]: a parsed X.509 certificate (PEM or DER) with the fields
//!   the STS needs to name it (thumbprint, SKI, issuer/serial) and its RSA
//!   [`PublicKey`].
//! * [`PublicKey`]: an RSA public key (parsed with the pure-Rust `rsa` crate;
//!   keys under [`MIN_RSA_BITS`] are refused) and the public-key operations:
//!   RSA-OAEP encryption to a relying party goes through aws-lc-rs (about 8x
//!   faster than the `rsa` crate), except for the SHA-256/MGF1-SHA-1 mix it
//!   does not offer.
//! * [`PrivateKey`]: the trait behind which every private-key operation
//!   (signing, key unwrapping) happens, so a host can keep its key in an HSM or
//!   KMS. The shipped [`AwsLcRsaKey`] is constant time (aws-lc-rs); the `rsa`
//!   crate is deliberately *not* used for private keys by default because it is
//!   not (RUSTSEC-2023-0071).

use crate::error::{DsigError, KeyError};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::traits::PublicKeyParts;
use sha1::Digest as _;
use std::fmt;
use std::sync::{Arc, OnceLock};
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// Smallest RSA modulus accepted anywhere, in bits.
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted, in bits (bounds verification cost).
pub const MAX_RSA_BITS: usize = 8192;

/// A digest algorithm used with RSA or HMAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestAlg {
    /// SHA-1 (legacy peers only).
    Sha1,
    /// SHA-256 (default).
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl DigestAlg {
    /// Hash `data` with this algorithm.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Self::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Self::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Self::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    /// Output length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }
}

/// Padding for an RSA private-key decryption (key transport).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RsaDecryptPadding {
    /// RSA-OAEP with the given digest and MGF1 digest, empty label.
    Oaep {
        /// The OAEP digest.
        digest: DigestAlg,
        /// The MGF1 digest.
        mgf1: DigestAlg,
    },
    /// RSA PKCS#1 v1.5 (legacy, refused unless explicitly enabled by the caller).
    Pkcs1v15,
}

/// An RSA public key of at least [`MIN_RSA_BITS`] bits.
#[derive(Clone)]
pub struct PublicKey {
    key: rsa::RsaPublicKey,
    /// The same key in aws-lc-rs form, for RSA-OAEP: built on first use and
    /// shared by clones, so a relying party's certificate is converted once.
    encrypting: Arc<OnceLock<Option<aws_lc_rs::rsa::PublicEncryptingKey>>>,
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for PublicKey {}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("bits", &self.bits())
            .finish()
    }
}

impl PublicKey {
    /// Wrap an `rsa` public key, refusing weak or oversized moduli.
    pub fn from_rsa(key: rsa::RsaPublicKey) -> Result<Self, KeyError> {
        let bits = key.n().bits();
        if bits < MIN_RSA_BITS {
            return Err(KeyError::Weak("RSA modulus shorter than 2048 bits"));
        }
        if bits > MAX_RSA_BITS {
            return Err(KeyError::Weak("RSA modulus longer than 8192 bits"));
        }
        Ok(Self {
            key,
            encrypting: Arc::default(),
        })
    }

    /// From a PKCS#1 `RSAPublicKey` DER.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, KeyError> {
        let key = rsa::RsaPublicKey::from_pkcs1_der(der)
            .map_err(|_| KeyError::Parse("RSA public key"))?;
        Self::from_rsa(key)
    }

    /// From big-endian modulus and exponent bytes (as in `ds:RSAKeyValue`).
    pub fn from_components(modulus: &[u8], exponent: &[u8]) -> Result<Self, KeyError> {
        let n = rsa::BigUint::from_bytes_be(modulus);
        let e = rsa::BigUint::from_bytes_be(exponent);
        let key = rsa::RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS)
            .map_err(|_| KeyError::Weak("invalid RSA public key"))?;
        Self::from_rsa(key)
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        self.key.n().bits()
    }

    /// Big-endian modulus bytes.
    pub fn modulus(&self) -> Vec<u8> {
        self.key.n().to_bytes_be()
    }

    /// Big-endian public exponent bytes.
    pub fn exponent(&self) -> Vec<u8> {
        self.key.e().to_bytes_be()
    }

    /// The underlying `rsa` key, for public-key operations in other modules.
    pub fn rsa(&self) -> &rsa::RsaPublicKey {
        &self.key
    }

    /// RSA-OAEP encryption of `message` (a key to transport) with the given
    /// OAEP digest and MGF1 digest.
    ///
    /// Equal digests go through aws-lc-rs, whose own CSPRNG (the one behind
    /// its private-key blinding) draws the OAEP seed; the SHA-256 digest with
    /// MGF1-SHA-1 that XML-Enc 1.1 allows, and aws-lc-rs does not offer, goes
    /// through the `rsa` crate with a seed from `rng`. Both are public-key
    /// operations: nothing secret is processed but `message`, which OAEP
    /// randomises, so the `rsa` crate's timing (RUSTSEC-2023-0071) does not
    /// apply.
    ///
    /// ```
    /// use wstrust::keys::{AwsLcRsaKey, DigestAlg, PrivateKey, RsaDecryptPadding};
    /// let key = AwsLcRsaKey::from_pem(include_bytes!("../tests/data/xenc/rp.key")).unwrap();
    /// let wrapped = key
    ///     .public_key()
    ///     .encrypt_oaep(DigestAlg::Sha1, DigestAlg::Sha1, b"key", &mut rand::rngs::OsRng)
    ///     .unwrap();
    /// let padding = RsaDecryptPadding::Oaep { digest: DigestAlg::Sha1, mgf1: DigestAlg::Sha1 };
    /// assert_eq!(&key.decrypt(padding, &wrapped).unwrap()[..], b"key");
    /// ```
    pub fn encrypt_oaep<R: rand::CryptoRng + rand::RngCore>(
        &self,
        digest: DigestAlg,
        mgf1: DigestAlg,
        message: &[u8],
        rng: &mut R,
    ) -> Result<Vec<u8>, KeyError> {
        use aws_lc_rs::rsa as lc;
        let lc_alg = match (digest, mgf1) {
            (DigestAlg::Sha1, DigestAlg::Sha1) => &lc::OAEP_SHA1_MGF1SHA1,
            (DigestAlg::Sha256, DigestAlg::Sha256) => &lc::OAEP_SHA256_MGF1SHA256,
            (DigestAlg::Sha384, DigestAlg::Sha384) => &lc::OAEP_SHA384_MGF1SHA384,
            (DigestAlg::Sha512, DigestAlg::Sha512) => &lc::OAEP_SHA512_MGF1SHA512,
            (DigestAlg::Sha256, DigestAlg::Sha1) => {
                let padding = rsa::Oaep::new_with_mgf_hash::<sha2::Sha256, sha1::Sha1>();
                return self
                    .key
                    .encrypt(rng, padding, message)
                    .map_err(|_| KeyError::Operation);
            }
            _ => return Err(KeyError::UnsupportedAlgorithm("RSA-OAEP digest pair")),
        };
        let key = self
            .encrypting
            .get_or_init(|| {
                use rsa::pkcs8::EncodePublicKey;
                let spki = self.key.to_public_key_der().ok()?;
                lc::PublicEncryptingKey::from_der(spki.as_bytes()).ok()
            })
            .clone()
            .ok_or(KeyError::Parse("RSA public key (aws-lc-rs)"))?;
        let key = lc::OaepPublicEncryptingKey::new(key).map_err(|_| KeyError::Operation)?;
        let mut out = vec![0u8; key.ciphertext_size()];
        let len = key
            .encrypt(lc_alg, message, &mut out, None)
            .map_err(|_| KeyError::Operation)?
            .len();
        out.truncate(len);
        Ok(out)
    }

    /// Verify an RSASSA-PKCS1-v1_5 signature over `message`.
    pub fn verify_pkcs1(
        &self,
        digest: DigestAlg,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), DsigError> {
        let hashed = digest.digest(message);
        let scheme = match digest {
            DigestAlg::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
            DigestAlg::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            DigestAlg::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
            DigestAlg::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
        };
        self.key
            .verify(scheme, &hashed, signature)
            .map_err(|_| DsigError::BadSignature)
    }
}

/// A parsed X.509 certificate with an RSA key.
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    public_key: PublicKey,
    subject: String,
    issuer: String,
    serial: Vec<u8>,
    ski: Option<Vec<u8>>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    sha1: [u8; 20],
    /// Base64 of `der`, made on first use and shared by clones (it goes into
    /// every signature's and every encryption's `ds:KeyInfo`).
    base64: Arc<OnceLock<String>>,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("issuer", &self.issuer)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}
impl Eq for Certificate {}

impl Certificate {
    /// Parse one certificate from DER.
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let (rest, cert) = x509_parser::parse_x509_certificate(der)
            .map_err(|_| KeyError::Parse("X.509 certificate"))?;
        if !rest.is_empty() {
            return Err(KeyError::Parse("X.509 certificate (trailing data)"));
        }
        let spki = cert.public_key();
        if spki.algorithm.algorithm != x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION {
            return Err(KeyError::Weak("certificate key is not RSA"));
        }
        let public_key = PublicKey::from_pkcs1_der(&spki.subject_public_key.data)?;
        let ski = cert
            .extensions()
            .iter()
            .find_map(|ext| match ext.parsed_extension() {
                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) => {
                    Some(k.0.to_vec())
                }
                _ => None,
            });
        if !name_is_whole(cert.subject()) || !name_is_whole(cert.issuer()) {
            return Err(KeyError::Parse(
                "X.509 certificate (name with an empty RDN)",
            ));
        }
        let mut sha1 = [0u8; 20];
        sha1.copy_from_slice(&sha1::Sha1::digest(der));
        Ok(Self {
            der: der.to_vec(),
            public_key,
            subject: dn_string(cert.subject()),
            issuer: dn_string(cert.issuer()),
            serial: cert.raw_serial().to_vec(),
            ski,
            not_before: cert.validity().not_before.to_datetime(),
            not_after: cert.validity().not_after.to_datetime(),
            sha1,
            base64: Arc::default(),
        })
    }

    /// Parse the first `CERTIFICATE` block of a PEM file (or DER if the input
    /// is not PEM).
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let mut all = Self::all_from_pem(pem)?;
        if all.is_empty() {
            return Err(KeyError::Parse("no CERTIFICATE in PEM"));
        }
        Ok(all.swap_remove(0))
    }

    /// Parse every `CERTIFICATE` block of a PEM file.
    pub fn all_from_pem(pem: &[u8]) -> Result<Vec<Self>, KeyError> {
        if !pem.starts_with(b"-----") && !pem.iter().take(64).any(|b| *b == b'-') {
            return Self::from_der(pem).map(|c| vec![c]);
        }
        let mut out = Vec::new();
        for block in x509_parser::pem::Pem::iter_from_buffer(pem) {
            let block = block.map_err(|_| KeyError::Parse("PEM"))?;
            if block.label == "CERTIFICATE" {
                out.push(Self::from_der(&block.contents)?);
            }
        }
        Ok(out)
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The DER encoding in base64 (as in `ds:X509Certificate`), computed once.
    pub fn der_base64(&self) -> &str {
        use base64::Engine as _;
        self.base64
            .get_or_init(|| base64::engine::general_purpose::STANDARD.encode(&self.der))
    }

    /// The RSA public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    /// Subject distinguished name (RFC 4514 string).
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Issuer distinguished name (RFC 4514 string).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// Serial number, big-endian bytes as encoded.
    pub fn serial(&self) -> &[u8] {
        &self.serial
    }

    /// Serial number as a decimal string (as in `ds:X509SerialNumber`).
    pub fn serial_decimal(&self) -> String {
        rsa::BigUint::from_bytes_be(&self.serial).to_string()
    }

    /// Subject key identifier extension, if present.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.ski.as_deref()
    }

    /// SHA-1 thumbprint of the DER (WS-Security `ThumbprintSHA1`).
    pub fn sha1_thumbprint(&self) -> [u8; 20] {
        self.sha1
    }

    /// Start of the validity period.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// End of the validity period.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// Whether `now` lies in the validity period, widened by `skew` each side.
    pub fn is_valid_at(&self, now: OffsetDateTime, skew: std::time::Duration) -> bool {
        crate::instant::later(now, skew) >= self.not_before
            && crate::instant::earlier(now, skew) <= self.not_after
    }
}

/// A private key: signing and key unwrapping, and nothing else.
///
/// # Security contract
/// Implementations must be constant time with respect to the key and, for
/// [`decrypt`](PrivateKey::decrypt), with respect to padding validity: the
/// caller turns every failure into one uniform error, but the time taken must
/// not tell valid from invalid padding either. HSM/KMS implementations satisfy
/// this by construction.
pub trait PrivateKey: fmt::Debug + Send + Sync {
    /// The matching public key.
    fn public_key(&self) -> &PublicKey;

    /// RSASSA-PKCS1-v1_5 signature of `message` (hashed by the implementation
    /// with `digest`).
    fn sign_pkcs1(&self, digest: DigestAlg, message: &[u8]) -> Result<Vec<u8>, KeyError>;

    /// RSA decryption of a wrapped key.
    fn decrypt(
        &self,
        padding: RsaDecryptPadding,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KeyError>;
}

/// Decode a PEM private key (`PRIVATE KEY` PKCS#8 or `RSA PRIVATE KEY` PKCS#1)
/// or DER PKCS#8 into PKCS#8 DER.
fn private_key_pkcs8(pem_or_der: &[u8]) -> Result<Zeroizing<Vec<u8>>, KeyError> {
    if !pem_or_der.starts_with(b"-----") && !pem_or_der.iter().take(64).any(|b| *b == b'-') {
        return Ok(Zeroizing::new(pem_or_der.to_vec()));
    }
    for block in x509_parser::pem::Pem::iter_from_buffer(pem_or_der) {
        let block = block.map_err(|_| KeyError::Parse("PEM"))?;
        match block.label.as_str() {
            "PRIVATE KEY" => return Ok(Zeroizing::new(block.contents)),
            "RSA PRIVATE KEY" => return Ok(pkcs1_to_pkcs8(&Zeroizing::new(block.contents))),
            "ENCRYPTED PRIVATE KEY" => {
                return Err(KeyError::Parse("encrypted private keys are not supported"))
            }
            _ => continue,
        }
    }
    Err(KeyError::Parse("no PRIVATE KEY in PEM"))
}

/// Wrap a PKCS#1 `RSAPrivateKey` into a PKCS#8 `PrivateKeyInfo`.
fn pkcs1_to_pkcs8(pkcs1: &[u8]) -> Zeroizing<Vec<u8>> {
    // AlgorithmIdentifier { rsaEncryption, NULL }
    const ALG: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    fn der_len(len: usize, out: &mut Vec<u8>) {
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let bytes = len.to_be_bytes();
            let skip = bytes.iter().take_while(|b| **b == 0).count();
            out.push(0x80 | (bytes.len() - skip) as u8);
            out.extend_from_slice(&bytes[skip..]);
        }
    }
    let mut octet = Zeroizing::new(Vec::with_capacity(pkcs1.len() + 4));
    octet.push(0x04);
    der_len(pkcs1.len(), &mut octet);
    octet.extend_from_slice(pkcs1);
    let body_len = 3 + ALG.len() + octet.len();
    let mut out = Zeroizing::new(Vec::with_capacity(body_len + 4));
    out.push(0x30);
    der_len(body_len, &mut out);
    out.extend_from_slice(&[0x02, 0x01, 0x00]);
    out.extend_from_slice(ALG);
    out.extend_from_slice(&octet);
    out
}

/// The default, constant-time RSA private key, backed by aws-lc-rs.
///
/// Signs RSA-SHA256/384/512 and unwraps RSA-OAEP (SHA-1/MGF1-SHA-1 and
/// SHA-2/MGF1 of the same SHA-2) and, when a caller enables it, PKCS#1 v1.5.
/// RSA-SHA1 signing is not available in aws-lc-rs and fails with
/// [`KeyError::UnsupportedAlgorithm`].
///
/// ```
/// # fn main() -> Result<(), wstrust::error::KeyError> {
/// use wstrust::keys::{AwsLcRsaKey, DigestAlg, PrivateKey};
/// let key = AwsLcRsaKey::generate(2048)?;
/// let sig = key.sign_pkcs1(DigestAlg::Sha256, b"hello")?;
/// key.public_key().verify_pkcs1(DigestAlg::Sha256, b"hello", &sig).unwrap();
/// # Ok(()) }
/// ```
pub struct AwsLcRsaKey {
    signing: aws_lc_rs::rsa::KeyPair,
    decrypting: aws_lc_rs::rsa::PrivateDecryptingKey,
    public: PublicKey,
}

impl fmt::Debug for AwsLcRsaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AwsLcRsaKey")
            .field("bits", &self.public.bits())
            .finish_non_exhaustive()
    }
}

impl AwsLcRsaKey {
    /// Load a PEM (`PRIVATE KEY` or `RSA PRIVATE KEY`) or DER PKCS#8 key.
    pub fn from_pem(pem_or_der: &[u8]) -> Result<Self, KeyError> {
        let pkcs8 = private_key_pkcs8(pem_or_der)?;
        Self::from_pkcs8_der(&pkcs8)
    }

    /// Load a DER PKCS#8 `PrivateKeyInfo`.
    pub fn from_pkcs8_der(pkcs8: &[u8]) -> Result<Self, KeyError> {
        let signing = aws_lc_rs::rsa::KeyPair::from_pkcs8(pkcs8)
            .map_err(|_| KeyError::Parse("RSA private key"))?;
        let decrypting = aws_lc_rs::rsa::PrivateDecryptingKey::from_pkcs8(pkcs8)
            .map_err(|_| KeyError::Parse("RSA private key"))?;
        let public = PublicKey::from_pkcs1_der(
            aws_lc_rs::signature::KeyPair::public_key(&signing).as_ref(),
        )?;
        Ok(Self {
            signing,
            decrypting,
            public,
        })
    }

    /// Generate a fresh key of `bits` (2048, 3072, 4096 or 8192).
    pub fn generate(bits: usize) -> Result<Self, KeyError> {
        use aws_lc_rs::encoding::AsDer;
        let size = match bits {
            2048 => aws_lc_rs::rsa::KeySize::Rsa2048,
            3072 => aws_lc_rs::rsa::KeySize::Rsa3072,
            4096 => aws_lc_rs::rsa::KeySize::Rsa4096,
            8192 => aws_lc_rs::rsa::KeySize::Rsa8192,
            _ => {
                return Err(KeyError::Weak(
                    "RSA key size must be 2048, 3072, 4096 or 8192",
                ))
            }
        };
        let kp = aws_lc_rs::rsa::KeyPair::generate(size).map_err(|_| KeyError::Operation)?;
        let der = kp.as_der().map_err(|_| KeyError::Operation)?;
        Self::from_pkcs8_der(der.as_ref())
    }

    /// The key as PKCS#8 DER (for writing a development key to disk).
    pub fn to_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        use aws_lc_rs::encoding::AsDer;
        let der = self.signing.as_der().map_err(|_| KeyError::Operation)?;
        Ok(Zeroizing::new(der.as_ref().to_vec()))
    }
}

impl PrivateKey for AwsLcRsaKey {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign_pkcs1(&self, digest: DigestAlg, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let enc = match digest {
            DigestAlg::Sha256 => &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            DigestAlg::Sha384 => &aws_lc_rs::signature::RSA_PKCS1_SHA384,
            DigestAlg::Sha512 => &aws_lc_rs::signature::RSA_PKCS1_SHA512,
            DigestAlg::Sha1 => {
                return Err(KeyError::UnsupportedAlgorithm(
                    "RSA-SHA1 signing (aws-lc-rs offers no constant-time RSA-SHA1 signer)",
                ))
            }
        };
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let mut sig = vec![0u8; self.signing.public_modulus_len()];
        self.signing
            .sign(enc, &rng, message, &mut sig)
            .map_err(|_| KeyError::Operation)?;
        Ok(sig)
    }

    fn decrypt(
        &self,
        padding: RsaDecryptPadding,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        use aws_lc_rs::rsa::{
            OaepPrivateDecryptingKey, Pkcs1PrivateDecryptingKey, OAEP_SHA1_MGF1SHA1,
            OAEP_SHA256_MGF1SHA256, OAEP_SHA384_MGF1SHA384, OAEP_SHA512_MGF1SHA512,
        };
        let mut out = Zeroizing::new(vec![0u8; self.decrypting.key_size_bytes()]);
        let len = match padding {
            RsaDecryptPadding::Oaep { digest, mgf1 } => {
                let alg = match (digest, mgf1) {
                    (DigestAlg::Sha1, DigestAlg::Sha1) => &OAEP_SHA1_MGF1SHA1,
                    (DigestAlg::Sha256, DigestAlg::Sha256) => &OAEP_SHA256_MGF1SHA256,
                    (DigestAlg::Sha384, DigestAlg::Sha384) => &OAEP_SHA384_MGF1SHA384,
                    (DigestAlg::Sha512, DigestAlg::Sha512) => &OAEP_SHA512_MGF1SHA512,
                    _ => {
                        return Err(KeyError::UnsupportedAlgorithm(
                            "RSA-OAEP with different digest and MGF1 digest",
                        ))
                    }
                };
                let key = OaepPrivateDecryptingKey::new(self.decrypting.clone())
                    .map_err(|_| KeyError::Operation)?;
                key.decrypt(alg, ciphertext, &mut out, None)
                    .map_err(|_| KeyError::Operation)?
                    .len()
            }
            RsaDecryptPadding::Pkcs1v15 => {
                let key = Pkcs1PrivateDecryptingKey::new(self.decrypting.clone())
                    .map_err(|_| KeyError::Operation)?;
                key.decrypt(ciphertext, &mut out)
                    .map_err(|_| KeyError::Operation)?
                    .len()
            }
        };
        out.truncate(len);
        Ok(out)
    }
}

/// An RSA private key backed by the pure-Rust `rsa` crate, for RSA-SHA1
/// signing (which [`AwsLcRsaKey`] cannot do) in offline tools.
///
/// # Security
/// **Not constant time.** The `rsa` crate's private-key operations leak
/// timing (RUSTSEC-2023-0071, "Marvin Attack"; no fixed release). Never use
/// this for a key that signs on behalf of a network peer: a server key belongs
/// in [`AwsLcRsaKey`] or an HSM. This type exists behind the non-default
/// feature `hazmat-rsa-private-key` only so that the `wstrust` command-line
/// tool can produce RSA-SHA1 signatures for legacy relying parties.
/// [`decrypt`](PrivateKey::decrypt) is refused outright.
#[cfg(feature = "hazmat-rsa-private-key")]
pub struct HazmatRsaCrateKey {
    key: rsa::RsaPrivateKey,
    public: PublicKey,
}

#[cfg(feature = "hazmat-rsa-private-key")]
impl fmt::Debug for HazmatRsaCrateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HazmatRsaCrateKey")
            .field("bits", &self.public.bits())
            .finish_non_exhaustive()
    }
}

#[cfg(feature = "hazmat-rsa-private-key")]
impl HazmatRsaCrateKey {
    /// Load a PEM (`PRIVATE KEY` or `RSA PRIVATE KEY`) or DER PKCS#8 key.
    pub fn from_pem(pem_or_der: &[u8]) -> Result<Self, KeyError> {
        use rsa::pkcs8::DecodePrivateKey;
        let pkcs8 = private_key_pkcs8(pem_or_der)?;
        let key = rsa::RsaPrivateKey::from_pkcs8_der(&pkcs8)
            .map_err(|_| KeyError::Parse("RSA private key"))?;
        key.validate()
            .map_err(|_| KeyError::Parse("RSA private key"))?;
        let public = PublicKey::from_rsa(key.to_public_key())?;
        Ok(Self { key, public })
    }
}

#[cfg(feature = "hazmat-rsa-private-key")]
impl PrivateKey for HazmatRsaCrateKey {
    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign_pkcs1(&self, digest: DigestAlg, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let hashed = digest.digest(message);
        let scheme = match digest {
            DigestAlg::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
            DigestAlg::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
            DigestAlg::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
            DigestAlg::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
        };
        self.key
            .sign(scheme, &hashed)
            .map_err(|_| KeyError::Operation)
    }

    fn decrypt(
        &self,
        _padding: RsaDecryptPadding,
        _ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KeyError> {
        Err(KeyError::UnsupportedAlgorithm(
            "decryption with the non-constant-time rsa-crate key",
        ))
    }
}

/// A distinguished name as text: the attributes in certificate order, `, `
/// between RDNs and ` + ` inside a multi-valued one, as `x509-parser`
/// prints names, but injective: two different names never print the same,
/// so one certificate cannot take another's name (the user-store account,
/// trusted intermediary or token subject it names).
/// * Types by their short names (`CN`, `O`) only for the well-known
///   [`NAME_TYPES`]; any other by its dotted OID (the registry gives one
///   short name to several OIDs).
/// * Every value escaped as RFC 4514 asks ([`escape_dn_value`]): one `O`
///   value reading `x, CN=client.example` is not the two attributes `O=x`
///   and `CN=client.example`.
/// * A value that is no string, or a string that does not decode, as `#`
///   and the hex of its whole DER encoding (tag included: an OCTET STRING
///   is not an invalid UTF8String of the same bytes).
pub(crate) fn dn_string(name: &x509_parser::x509::X509Name<'_>) -> String {
    use std::fmt::Write as _;
    use x509_parser::asn1_rs::ToDer as _;
    let registry = x509_parser::objects::oid_registry();
    let mut out = String::new();
    for (i, rdn) in name.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        for (j, attr) in rdn.iter().enumerate() {
            if j > 0 {
                out.push_str(" + ");
            }
            let oid = attr.attr_type().to_id_string();
            match x509_parser::objects::oid2abbrev(attr.attr_type(), registry) {
                Ok(abbrev) if NAME_TYPES.contains(&oid.as_str()) => out.push_str(abbrev),
                _ => out.push_str(&oid),
            }
            out.push('=');
            let value = attr.attr_value();
            let text = match value.tag().0 {
                // UTF8, Numeric, Printable, T61, Videotex, IA5, Graphic,
                // Visible, General String; ObjectDescriptor.
                7 | 12 | 18..=22 | 25..=27 => {
                    std::str::from_utf8(value.data).ok().map(str::to_owned)
                }
                // BMPString: UTF-16BE.
                30 if value.data.len() % 2 == 0 => {
                    let units = value
                        .data
                        .chunks_exact(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]));
                    char::decode_utf16(units)
                        .collect::<Result<String, _>>()
                        .ok()
                }
                _ => None,
            };
            match text {
                Some(t) => escape_dn_value(&t, &mut out),
                None => {
                    out.push('#');
                    // A value parsed from DER encodes again; should it
                    // not, its content after a `?` (never hex) still
                    // differs from every encoding.
                    match value.to_der_vec() {
                        Ok(der) => {
                            for b in der {
                                // Writing to a String cannot fail.
                                let _ = write!(out, "{b:02X}");
                            }
                        }
                        Err(_) => {
                            out.push('?');
                            for b in attr.as_slice() {
                                let _ = write!(out, "{b:02X}");
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

/// Whether `x509-parser` read all of a name. It reads leniently, and
/// silently drops what it does not expect: the RDNs after an empty one
/// (RFC 5280 wants at least one attribute in each), and anything after the
/// type and value of an attribute. A CA that copies a requested subject
/// verbatim could then sign `{O=x},{CN=client},{},{CN=me}`, or a CN
/// attribute with a third element, which would print as, and be, the
/// client `O=x, CN=client`. So the name's DER is walked, by its TLV headers
/// only (value contents are `x509-parser`'s to judge, such as the `*` of a
/// wildcard PrintableString): a SEQUENCE of non-empty SETs of SEQUENCEs of
/// exactly an OID and one value, each RDN and attribute one that
/// `x509-parser` read, nothing left over.
pub(crate) fn name_is_whole(name: &x509_parser::x509::X509Name<'_>) -> bool {
    use x509_parser::asn1_rs::{FromDer as _, Header, Tag};
    /// One definite-length TLV: the rest, its tag, its content.
    fn tlv(input: &[u8]) -> Option<(&[u8], Tag, &[u8])> {
        let (rest, header) = Header::from_der(input).ok()?;
        let len = header.length().definite().ok()?;
        let content = rest.get(..len)?;
        Some((&rest[len..], header.tag(), content))
    }
    let Some((&[], Tag::Sequence, mut rdns)) = tlv(name.as_raw()) else {
        return false;
    };
    let mut read = name.iter();
    while !rdns.is_empty() {
        let (Some((rest, Tag::Set, mut attributes)), Some(rdn)) = (tlv(rdns), read.next()) else {
            return false;
        };
        rdns = rest;
        let mut count = 0;
        while !attributes.is_empty() {
            let Some((rest, Tag::Sequence, attribute)) = tlv(attributes) else {
                return false;
            };
            attributes = rest;
            count += 1;
            let Some((value, Tag::Oid, _)) = tlv(attribute) else {
                return false;
            };
            if !matches!(tlv(value), Some((&[], _, _))) {
                return false;
            }
        }
        if count == 0 || count != rdn.iter().count() {
            return false;
        }
    }
    read.next().is_none()
}

/// The attribute types [`dn_string`] names by their short names (as the
/// `x509-parser` registry spells them), by dotted OID: common name,
/// surname, serial number, country, locality, state, street, organization,
/// organizational unit, title, given name, initials, generation qualifier,
/// DN qualifier, user id, domain component, e-mail address. Their
/// short names are distinct (a unit test checks it).
const NAME_TYPES: [&str; 17] = [
    "2.5.4.3",
    "2.5.4.4",
    "2.5.4.5",
    "2.5.4.6",
    "2.5.4.7",
    "2.5.4.8",
    "2.5.4.9",
    "2.5.4.10",
    "2.5.4.11",
    "2.5.4.12",
    "2.5.4.42",
    "2.5.4.43",
    "2.5.4.44",
    "2.5.4.46",
    "0.9.2342.19200300.100.1.1",
    "0.9.2342.19200300.100.1.25",
    "1.2.840.113549.1.9.1",
];

/// Append `v` escaped as an RFC 4514 attribute value: a `\` before
/// `, + " \ < > ;` and before a leading `#` or space; a trailing space as
/// `\20` (as `\ ` it would end the whole name in a space); control
/// characters, and every whitespace character but the space (U+00A0,
/// U+3000, ...), as `\XX` per UTF-8 byte. Whitespace must not be
/// raw: readers trim it from a value's ends (a NameID, an RP's user name),
/// and `CN=client.example` followed by U+00A0 would then read as
/// `CN=client.example`. `=` stays raw, as Java's and .NET's names write
/// it: a type never holds one, so the first `=` of an attribute is its.
pub(crate) fn escape_dn_value(v: &str, out: &mut String) {
    use std::fmt::Write as _;
    let last = v.chars().count().saturating_sub(1);
    for (i, c) in v.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => {
                out.push('\\');
                out.push(c);
            }
            '#' | ' ' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            ' ' if i == last => out.push_str("\\20"),
            c if c.is_control() || (c.is_whitespace() && c != ' ') => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    // Writing to a String cannot fail.
                    let _ = write!(out, "\\{b:02X}");
                }
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names print as `x509-parser` prints them, except that values are
    /// escaped (RFC 4514): plain names are unchanged, and a value holding
    /// `, CN=...` cannot pass for a second attribute.
    #[test]
    fn distinguished_names_are_escaped() {
        for pem in [
            &include_bytes!("../tests/data/auth/ca.cert.pem")[..],
            include_bytes!("../tests/data/auth/client.cert.pem"),
            include_bytes!("../tests/data/auth/forged.cert.pem"),
            include_bytes!("../tests/data/signer.cert.pem"),
            include_bytes!("../tests/data/xenc/rp.pem"),
        ] {
            let c = Certificate::from_pem(pem).unwrap();
            let (_, x) = x509_parser::parse_x509_certificate(c.der()).unwrap();
            assert_eq!(c.subject(), x.subject().to_string());
            assert_eq!(c.issuer(), x.issuer().to_string());
        }
        let amb = include_bytes!("../tests/data/auth/ambiguous.cert.pem");
        let amb = Certificate::from_pem(amb).unwrap();
        assert_eq!(amb.subject(), r"O=wstrust tests\, CN=client.example");
        let mut v = String::new();
        escape_dn_value(" #a+b;c<d>\"e\\f\u{1}g=h ", &mut v);
        assert_eq!(v, r#"\ #a\+b\;c\<d\>\"e\\f\01g=h\20"#);
        let mut v = String::new();
        escape_dn_value("#x", &mut v);
        assert_eq!(v, r"\#x");
        // Whitespace other than the space never stays raw: a reader that
        // trims the name (as NameIDs are read) must not find another name.
        for (raw, escaped) in [
            ("client.example\u{a0}", r"client.example\C2\A0"),
            ("\u{3000}x\u{2028}y", r"\E3\80\80x\E2\80\A8y"),
            ("a\tb\nc", r"a\09b\0Ac"),
            ("trailing ", r"trailing\20"),
        ] {
            let mut v = String::new();
            escape_dn_value(raw, &mut v);
            assert_eq!(v, escaped);
            assert_eq!(v.trim(), v);
        }
    }

    /// Names `x509-parser` reads only in part are refused (an attribute with
    /// a third element, an empty RDN); names it reads whole are not, though
    /// a strict DER decoder would refuse some of them (a wildcard
    /// PrintableString, a Latin-1 T61String, an unsorted multi-valued RDN).
    #[test]
    fn names_read_in_part_are_refused_and_only_those() {
        use x509_parser::prelude::FromDer as _;
        fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
            assert!(content.len() < 0x80);
            let mut v = vec![tag, content.len() as u8];
            v.extend_from_slice(content);
            v
        }
        let atv = |oid: &[u8], value: &[u8], extra: &[u8]| {
            let mut c = tlv(0x06, oid);
            c.extend_from_slice(value);
            c.extend_from_slice(extra);
            tlv(0x30, &c)
        };
        let rdn = |atvs: &[Vec<u8>]| tlv(0x31, &atvs.concat());
        let name = |rdns: &[Vec<u8>]| tlv(0x30, &rdns.concat());
        let read = |der: &[u8]| -> (bool, String) {
            let (rest, n) = x509_parser::x509::X509Name::from_der(der).unwrap();
            assert!(rest.is_empty());
            (name_is_whole(&n), dn_string(&n))
        };
        const CN: [u8; 3] = [0x55, 0x04, 0x03];
        const O: [u8; 3] = [0x55, 0x04, 0x0a];
        let client = name(&[
            rdn(&[atv(&O, &tlv(0x0c, b"wstrust tests"), &[])]),
            rdn(&[atv(&CN, &tlv(0x0c, b"client.example"), &[])]),
        ]);
        let whole = "O=wstrust tests, CN=client.example";
        assert_eq!(read(&client), (true, whole.into()));
        // x509-parser reads these as the client's name: refused.
        let extra = name(&[
            rdn(&[atv(&O, &tlv(0x0c, b"wstrust tests"), &[])]),
            rdn(&[atv(
                &CN,
                &tlv(0x0c, b"client.example"),
                &tlv(0x0c, b"attacker.example"),
            )]),
        ]);
        let empty_rdn = name(&[
            rdn(&[atv(&O, &tlv(0x0c, b"wstrust tests"), &[])]),
            rdn(&[atv(&CN, &tlv(0x0c, b"client.example"), &[])]),
            tlv(0x31, &[]),
            rdn(&[atv(&CN, &tlv(0x0c, b"attacker.example"), &[])]),
        ]);
        for der in [&extra, &empty_rdn] {
            assert_eq!(read(der), (false, whole.into()));
        }
        // Read whole: accepted.
        let wildcard = name(&[rdn(&[atv(&CN, &tlv(0x13, b"*.example.com"), &[])])]);
        let t61 = name(&[rdn(&[atv(&CN, &tlv(0x14, b"Jos\xe9"), &[])])]);
        let unsorted = name(&[rdn(&[
            atv(&O, &tlv(0x0c, b"b"), &[]),
            atv(&CN, &tlv(0x0c, b"a"), &[]),
        ])]);
        assert_eq!(read(&wildcard), (true, "CN=*.example.com".into()));
        assert_eq!(read(&t61), (true, "CN=#14044A6F73E9".into()));
        assert_eq!(read(&unsorted), (true, "O=b + CN=a".into()));
        assert_eq!(read(&name(&[])), (true, String::new()));
        // And certificates with such names do not load.
        for pem in [
            &include_bytes!("../tests/data/auth/r7empty.cert.pem")[..],
            include_bytes!("../tests/data/auth/r8extra.cert.pem"),
        ] {
            assert!(matches!(
                Certificate::from_pem(pem),
                Err(KeyError::Parse(_))
            ));
        }
    }

    /// A value that is no string prints as the hex of its whole encoding,
    /// tag included; a type outside the well-known ones by its OID.
    #[test]
    fn undecodable_values_and_unusual_types() {
        use x509_parser::prelude::FromDer as _;
        let name = |atv: &[u8]| {
            let mut set = vec![0x31, atv.len() as u8];
            set.extend_from_slice(atv);
            let mut seq = vec![0x30, set.len() as u8];
            seq.extend_from_slice(&set);
            let (_, n) = x509_parser::x509::X509Name::from_der(&seq).unwrap();
            dn_string(&n)
        };
        const CN: [u8; 5] = [0x06, 0x03, 0x55, 0x04, 0x03];
        let with = |oid: &[u8], value: &[u8]| {
            let mut atv = vec![0x30, (oid.len() + value.len()) as u8];
            atv.extend_from_slice(oid);
            atv.extend_from_slice(value);
            name(&atv)
        };
        // Bytes that are no UTF-8, as a UTF8String and as an OCTET STRING.
        assert_eq!(with(&CN, &[0x0C, 0x02, 0xFF, 0xFE]), "CN=#0C02FFFE");
        assert_eq!(with(&CN, &[0x04, 0x02, 0xFF, 0xFE]), "CN=#0402FFFE");
        // A registry short name two OIDs share (sha1WithRSAEncryption).
        let sha1_rsa = [
            0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05,
        ];
        assert_eq!(
            with(&sha1_rsa, &[0x0C, 0x01, b'a']),
            "1.2.840.113549.1.1.5=a"
        );
        assert_eq!(with(&CN, &[0x0C, 0x01, b'a']), "CN=a");
    }

    /// Each short name stands for one attribute type.
    #[test]
    fn name_type_short_names_are_distinct() {
        let registry = x509_parser::objects::oid_registry();
        let mut seen = std::collections::BTreeSet::new();
        for oid in NAME_TYPES {
            let parsed: x509_parser::der_parser::oid::Oid<'_> = oid.parse().unwrap();
            let abbrev = x509_parser::objects::oid2abbrev(&parsed, registry)
                .unwrap()
                .to_owned();
            assert!(seen.insert(abbrev.clone()), "{oid}: {abbrev}");
            assert!(!abbrev.contains(['=', ',', '+', '#', ' ', '.']), "{abbrev}");
        }
    }

    #[test]
    fn pkcs1_pem_and_pkcs8_pem_load_the_same_key() {
        let key = AwsLcRsaKey::generate(2048).unwrap();
        let pkcs8 = key.to_pkcs8_der().unwrap();
        let again = AwsLcRsaKey::from_pkcs8_der(&pkcs8).unwrap();
        assert_eq!(key.public_key(), again.public_key());
        // Extract the PKCS#1 body from the PKCS#8 and re-wrap it.
        let (_, info) = x509_parser::der_parser::der::parse_der(&pkcs8).unwrap();
        let seq = info.as_sequence().unwrap();
        let pkcs1 = seq[2].as_slice().unwrap();
        let rewrapped = pkcs1_to_pkcs8(pkcs1);
        let third = AwsLcRsaKey::from_pkcs8_der(&rewrapped).unwrap();
        assert_eq!(key.public_key(), third.public_key());
    }

    #[test]
    fn sign_verify_and_tamper() {
        let key = AwsLcRsaKey::generate(2048).unwrap();
        for d in [DigestAlg::Sha256, DigestAlg::Sha512] {
            let sig = key.sign_pkcs1(d, b"msg").unwrap();
            key.public_key().verify_pkcs1(d, b"msg", &sig).unwrap();
            assert!(key.public_key().verify_pkcs1(d, b"msh", &sig).is_err());
        }
        assert!(matches!(
            key.sign_pkcs1(DigestAlg::Sha1, b"m"),
            Err(KeyError::UnsupportedAlgorithm(_))
        ));
    }

    #[cfg(feature = "hazmat-rsa-private-key")]
    #[test]
    fn hazmat_key_signs_rsa_sha1_like_aws_lc_signs_sha256() {
        let pem = include_bytes!("../tests/data/signer.key.pem");
        let hazmat = HazmatRsaCrateKey::from_pem(pem).unwrap();
        let aws = AwsLcRsaKey::from_pem(pem).unwrap();
        assert_eq!(hazmat.public_key(), aws.public_key());
        let sig = hazmat.sign_pkcs1(DigestAlg::Sha1, b"m").unwrap();
        aws.public_key()
            .verify_pkcs1(DigestAlg::Sha1, b"m", &sig)
            .unwrap();
        // PKCS#1 v1.5 is deterministic: both backends agree byte for byte.
        assert_eq!(
            hazmat.sign_pkcs1(DigestAlg::Sha256, b"m").unwrap(),
            aws.sign_pkcs1(DigestAlg::Sha256, b"m").unwrap()
        );
        let pkcs1 = include_bytes!("../tests/data/signer.pkcs1.pem");
        assert_eq!(
            HazmatRsaCrateKey::from_pem(pkcs1).unwrap().public_key(),
            aws.public_key()
        );
        assert!(hazmat
            .decrypt(RsaDecryptPadding::Pkcs1v15, &[0; 256])
            .is_err());
    }

    #[test]
    fn weak_keys_refused() {
        let n = [0xffu8; 128]; // 1024 bits
        assert!(matches!(
            PublicKey::from_components(&n, &[1, 0, 1]),
            Err(KeyError::Weak(_))
        ));
    }
}
