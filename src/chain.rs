//! X.509 certificate paths: the one place that decides whether a
//! certificate (a request signer's, a TLS client's) is trusted.
//!
//! A certificate is trusted when it is itself one of the trust anchors or
//! pinned certificates ([`TrustedBy::Pinned`]: it authenticates itself), or
//! when a path of signatures leads from it to a trust anchor that is a CA
//! ([`TrustedBy::Issuer`]), through at most [`MAX_INTERMEDIATES`]
//! configured intermediate CAs. Every certificate that signs another on the
//! path must be an X.509 v3 CA certificate: basicConstraints with `cA`
//! TRUE, keyCertSign when it has a keyUsage, its `pathLenConstraint`
//! honoured, and no name constraints (which this crate does not process, so
//! it refuses them rather than ignore them). A trust anchor that is not such
//! a CA, and every pinned certificate whatever it says, never issues.
//! Signatures on the path are RSA PKCS#1 v1.5 with SHA-256/384/512; SHA-1
//! only where [`Anchors::allow_sha1`] says so. Names are matched by their
//! DER (as issued), each path is bounded by [`MAX_SIGNATURE_CHECKS`], and
//! no certificate appears twice in one path.
//!
//! Intermediates come only from the configuration
//! ([`crate::wss::WssSettings::intermediates`]), never from the message: a
//! message cannot make the STS try more paths than the operator listed.
//!
//! ```
//! use wstrust::chain::{self, Anchors, TrustedBy};
//! use wstrust::keys::Certificate;
//! # let ca = Certificate::from_pem(include_bytes!("../tests/data/auth/ca.cert.pem")).unwrap();
//! # let client = Certificate::from_pem(include_bytes!("../tests/data/auth/client.cert.pem")).unwrap();
//! let anchors = [ca];
//! let trust = Anchors::new(&anchors);
//! let now = time::macros::datetime!(2027-01-15 12:00 UTC);
//! assert_eq!(chain::verify(&client, now, &trust)?, TrustedBy::Issuer(&anchors[0]));
//! // A client certificate listed as an anchor is pinned: it speaks for
//! // itself only.
//! let pinned = [client.clone()];
//! assert_eq!(chain::verify(&client, now, &Anchors::new(&pinned))?, TrustedBy::Pinned(&pinned[0]));
//! # Ok::<(), wstrust::Error>(())
//! ```

use crate::error::{AuthError, CertificateError, Error, NotCa};
use crate::keys::Certificate;
use std::time::Duration;
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::ParsedExtension;
use x509_parser::oid_registry as oids;

/// Most intermediate CAs between a certificate and its anchor: deployed
/// client PKIs have one or two; more only costs signature checks.
pub const MAX_INTERMEDIATES: usize = 4;
/// Most certificate signatures checked for one certificate, over every
/// path tried (several configured certificates may share a name).
pub const MAX_SIGNATURE_CHECKS: usize = 16;

/// The certificates a path may use, and what it may be signed with.
///
/// # Defaults
/// No pinned certificates, no intermediates, SHA-1 refused, a clock skew of
/// [`crate::limits::DEFAULT_CLOCK_SKEW`].
#[derive(Debug, Clone, Copy)]
pub struct Anchors<'a> {
    /// Trust anchors: a CA certificate issues (and authenticates itself);
    /// any other authenticates only itself (pinned).
    pub anchors: &'a [Certificate],
    /// Pinned certificates: each authenticates itself and never issues,
    /// even one that says it is a CA.
    pub pinned: &'a [Certificate],
    /// Intermediate CAs a path may pass through (trusted only through a
    /// path to an anchor).
    pub intermediates: &'a [Certificate],
    /// Accept certificate signatures with SHA-1 (legacy PKIs only: SHA-1
    /// collisions are practical, and a chosen-prefix collision forges a CA
    /// signature).
    pub allow_sha1: bool,
    /// Clock skew tolerated each side of every validity period.
    pub clock_skew: Duration,
}

impl<'a> Anchors<'a> {
    /// These trust anchors, with the defaults for the rest.
    pub fn new(anchors: &'a [Certificate]) -> Self {
        Self {
            anchors,
            pinned: &[],
            intermediates: &[],
            allow_sha1: false,
            clock_skew: crate::limits::DEFAULT_CLOCK_SKEW,
        }
    }
}

/// The trust anchor that vouches for a certificate ([`verify`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrustedBy<'a> {
    /// The certificate is itself one of the anchors or pinned certificates.
    /// Nothing checked its names: its subject and issuer DNs are whatever it
    /// claims.
    Pinned(&'a Certificate),
    /// A path of signatures leads from the certificate to this anchor (a
    /// CA), which so vouches for its subject DN: the anchor is the
    /// certificate's issuer, or the issuer of the intermediates above it.
    Issuer(&'a Certificate),
}

impl<'a> TrustedBy<'a> {
    /// The anchor: the certificate itself when pinned, else the CA at the
    /// root of its path.
    pub fn anchor(&self) -> &'a Certificate {
        match *self {
            Self::Pinned(a) | Self::Issuer(a) => a,
        }
    }
}

/// Whether `cert` is trusted at `now`, and by which anchor: pinned if it is
/// one of the anchors or pinned certificates, else the anchor at the root of
/// the first valid path (see the [module docs](self)). Fails with
/// [`AuthError::UntrustedCertificate`] naming why no path was found (the
/// cause of the first path tried that came closest: a refused issuer is
/// reported rather than "unknown issuer"), or [`AuthError::CertificateExpired`]
/// for a trusted certificate outside its validity period.
pub fn verify<'a>(
    cert: &Certificate,
    now: OffsetDateTime,
    trust: &Anchors<'a>,
) -> Result<TrustedBy<'a>, Error> {
    let pinned = trust
        .pinned
        .iter()
        .chain(trust.anchors.iter())
        .find(|a| *a == cert);
    let trusted = match pinned {
        Some(a) => TrustedBy::Pinned(a),
        None => {
            let (_, leaf) = x509_parser::parse_x509_certificate(cert.der())
                .map_err(|_| AuthError::UntrustedCertificate(CertificateError::Unparsable))?;
            check_critical(&leaf).map_err(AuthError::UntrustedCertificate)?;
            let mut search = Search {
                trust,
                now,
                budget: MAX_SIGNATURE_CHECKS,
                path: vec![cert.der()],
            };
            TrustedBy::Issuer(
                search
                    .issuer_of(&leaf, 0)
                    .map_err(AuthError::UntrustedCertificate)?,
            )
        }
    };
    if !cert.is_valid_at(now, trust.clock_skew) {
        return Err(AuthError::CertificateExpired.into());
    }
    Ok(trusted)
}

/// Refuse a critical extension this crate does not process (RFC 5280
/// 4.2: a certificate-using system must reject such a certificate).
/// Processed here: basicConstraints and keyUsage; name constraints are
/// refused on their own ([`CertificateError::NameConstraints`]); the key
/// identifiers, subjectAltName and extendedKeyUsage restrict nothing this
/// crate relies on.
fn check_critical(c: &X509Certificate<'_>) -> Result<(), CertificateError> {
    let known = [
        oids::OID_X509_EXT_BASIC_CONSTRAINTS,
        oids::OID_X509_EXT_KEY_USAGE,
        oids::OID_X509_EXT_NAME_CONSTRAINTS,
        oids::OID_X509_EXT_SUBJECT_KEY_IDENTIFIER,
        oids::OID_X509_EXT_AUTHORITY_KEY_IDENTIFIER,
        oids::OID_X509_EXT_SUBJECT_ALT_NAME,
        oids::OID_X509_EXT_EXTENDED_KEY_USAGE,
    ];
    match c
        .extensions()
        .iter()
        .find(|e| e.critical && !known.contains(&e.oid))
    {
        Some(_) => Err(CertificateError::UnknownCriticalExtension),
        None => Ok(()),
    }
}

/// Whether `c` may issue certificates, and its `pathLenConstraint`.
fn ca_constraints(c: &X509Certificate<'_>) -> Result<Option<u32>, CertificateError> {
    if c.version() != x509_parser::x509::X509Version::V3 {
        return Err(CertificateError::IssuerNotCa(NotCa::NotV3));
    }
    check_critical(c)?;
    let mut basic = None;
    let mut key_cert_sign = None;
    for ext in c.extensions() {
        if ext.oid == oids::OID_X509_EXT_NAME_CONSTRAINTS {
            return Err(CertificateError::NameConstraints);
        }
        match ext.parsed_extension() {
            ParsedExtension::BasicConstraints(bc) => basic = Some(bc),
            ParsedExtension::KeyUsage(ku) => key_cert_sign = Some(ku.key_cert_sign()),
            _ => {}
        }
    }
    let basic = basic.ok_or(CertificateError::IssuerNotCa(NotCa::NoBasicConstraints))?;
    if !basic.ca {
        return Err(CertificateError::IssuerNotCa(NotCa::CaFalse));
    }
    if key_cert_sign == Some(false) {
        return Err(CertificateError::IssuerNotCa(NotCa::NoKeyCertSign));
    }
    Ok(basic.path_len_constraint)
}

/// What a configured certificate is to a path.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Anchor,
    Intermediate,
    Pinned,
}

struct Search<'t, 'a> {
    trust: &'t Anchors<'a>,
    now: OffsetDateTime,
    budget: usize,
    /// The certificates of the path so far (DER), leaf first.
    path: Vec<&'t [u8]>,
}

impl<'t, 'a> Search<'t, 'a> {
    /// The anchor at the root of a valid path above `child`, which has
    /// `below` intermediate CAs under it.
    fn issuer_of(
        &mut self,
        child: &X509Certificate<'_>,
        below: usize,
    ) -> Result<&'a Certificate, CertificateError> {
        let trust = self.trust;
        let candidates = trust
            .anchors
            .iter()
            .map(|c| (c, Role::Anchor))
            .chain(trust.intermediates.iter().map(|c| (c, Role::Intermediate)))
            .chain(trust.pinned.iter().map(|c| (c, Role::Pinned)));
        let mut first = None;
        for (candidate, role) in candidates {
            if self.path.contains(&candidate.der()) {
                continue;
            }
            // Pinned wins: a certificate both pinned and listed as an
            // anchor or intermediate never issues.
            let role = if role != Role::Pinned && trust.pinned.contains(candidate) {
                Role::Pinned
            } else {
                role
            };
            let Ok((_, ca)) = x509_parser::parse_x509_certificate(candidate.der()) else {
                first.get_or_insert(CertificateError::Unparsable);
                continue;
            };
            if ca.subject().as_raw() != child.issuer().as_raw() {
                continue;
            }
            match self.through(child, candidate, &ca, role, below) {
                Ok(anchor) => return Ok(anchor),
                Err(e) => {
                    first.get_or_insert(e);
                }
            }
        }
        Err(first.unwrap_or(CertificateError::UnknownIssuer))
    }

    /// A valid path from `child` through `candidate` (named as its issuer).
    fn through(
        &mut self,
        child: &X509Certificate<'_>,
        candidate: &'a Certificate,
        ca: &X509Certificate<'_>,
        role: Role,
        below: usize,
    ) -> Result<&'a Certificate, CertificateError> {
        if role == Role::Pinned {
            return Err(CertificateError::PinnedIssuer);
        }
        let path_len = ca_constraints(ca)?;
        if path_len.is_some_and(|n| usize::try_from(n).is_ok_and(|n| n < below)) {
            return Err(CertificateError::PathLength);
        }
        if !candidate.is_valid_at(self.now, self.trust.clock_skew) {
            return Err(CertificateError::IssuerExpired);
        }
        self.budget = self
            .budget
            .checked_sub(1)
            .ok_or(CertificateError::PathTooLong)?;
        check_signature(child, candidate, self.trust.allow_sha1)?;
        if role == Role::Anchor {
            return Ok(candidate);
        }
        if below >= MAX_INTERMEDIATES {
            return Err(CertificateError::PathTooLong);
        }
        self.path.push(candidate.der());
        let r = self.issuer_of(ca, below + 1);
        self.path.pop();
        r
    }
}

/// `child`'s signature verifies with `issuer`'s key, by an allowed
/// algorithm.
fn check_signature(
    child: &X509Certificate<'_>,
    issuer: &Certificate,
    allow_sha1: bool,
) -> Result<(), CertificateError> {
    // A public-key operation: aws-lc-rs (as `dsig` does) is about 20x faster
    // than the `rsa` crate, and constant time is not a concern here.
    use aws_lc_rs::signature as sig;
    let alg = &child.signature_algorithm.algorithm;
    let params = if *alg == oids::OID_PKCS1_SHA256WITHRSA {
        &sig::RSA_PKCS1_2048_8192_SHA256
    } else if *alg == oids::OID_PKCS1_SHA384WITHRSA {
        &sig::RSA_PKCS1_2048_8192_SHA384
    } else if *alg == oids::OID_PKCS1_SHA512WITHRSA {
        &sig::RSA_PKCS1_2048_8192_SHA512
    } else if *alg == oids::OID_PKCS1_SHA1WITHRSA {
        if !allow_sha1 {
            return Err(CertificateError::Sha1Signature);
        }
        &sig::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY
    } else {
        return Err(CertificateError::UnsupportedAlgorithm);
    };
    let key = issuer.public_key();
    aws_lc_rs::rsa::PublicKeyComponents {
        n: key.modulus(),
        e: key.exponent(),
    }
    .verify(
        params,
        child.tbs_certificate.as_ref(),
        &child.signature_value.data,
    )
    .map_err(|_| CertificateError::BadSignature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2027-01-15 12:00 UTC);

    fn cert(name: &str) -> Certificate {
        let path = format!(
            "{}/tests/data/auth/{name}.cert.pem",
            env!("CARGO_MANIFEST_DIR")
        );
        Certificate::from_pem(&std::fs::read(path).unwrap()).unwrap()
    }

    fn refused(leaf: &str, trust: &Anchors<'_>) -> CertificateError {
        match verify(&cert(leaf), NOW, trust) {
            Err(Error::Auth(AuthError::UntrustedCertificate(e))) => e,
            other => panic!("{leaf}: {other:?}"),
        }
    }

    /// Every way a certificate may fail to be a CA, each with its cause;
    /// and the same certificates authenticate themselves when pinned.
    #[test]
    fn only_v3_cas_issue() {
        let cases = [
            (
                "pinned",
                "minted",
                CertificateError::IssuerNotCa(NotCa::NoBasicConstraints),
            ),
            ("v1", "v1leaf", CertificateError::IssuerNotCa(NotCa::NotV3)),
            (
                "cafalse",
                "cafalseleaf",
                CertificateError::IssuerNotCa(NotCa::CaFalse),
            ),
            (
                "nokcs",
                "nokcsleaf",
                CertificateError::IssuerNotCa(NotCa::NoKeyCertSign),
            ),
            ("ca-nc", "client", CertificateError::NameConstraints),
            (
                "ca-crit",
                "client",
                CertificateError::UnknownCriticalExtension,
            ),
        ];
        for (issuer, leaf, want) in cases {
            let anchors = [cert(issuer)];
            let trust = Anchors::new(&anchors);
            assert_eq!(refused(leaf, &trust), want, "{issuer} -> {leaf}");
            // An anchor authenticates itself.
            assert_eq!(
                verify(&cert(issuer), NOW, &trust).unwrap(),
                TrustedBy::Pinned(&anchors[0])
            );
        }
        // The real CA issues.
        let anchors = [cert("ca")];
        let trust = Anchors::new(&anchors);
        assert_eq!(
            verify(&cert("client"), NOW, &trust).unwrap(),
            TrustedBy::Issuer(&anchors[0])
        );
        // but not a leaf with a critical extension nobody processes
        assert_eq!(
            refused("critleaf", &trust),
            CertificateError::UnknownCriticalExtension
        );
    }

    /// A pinned certificate never issues, even a CA's.
    #[test]
    fn pinned_certificates_never_issue() {
        let pinned = [cert("ca")];
        let trust = Anchors {
            pinned: &pinned,
            ..Anchors::new(&[])
        };
        assert_eq!(refused("client", &trust), CertificateError::PinnedIssuer);
        assert_eq!(
            verify(&cert("ca"), NOW, &trust).unwrap(),
            TrustedBy::Pinned(&pinned[0])
        );
        // Pinned and an anchor (or intermediate) too: pinned wins.
        let both = Anchors {
            pinned: &pinned,
            ..Anchors::new(&pinned)
        };
        assert_eq!(refused("client", &both), CertificateError::PinnedIssuer);
        let intermediates = [cert("int")];
        let anchors = [cert("ca")];
        let trust = Anchors {
            pinned: &intermediates,
            intermediates: &intermediates,
            ..Anchors::new(&anchors)
        };
        assert_eq!(refused("intleaf", &trust), CertificateError::PinnedIssuer);
    }

    #[test]
    fn intermediates_and_path_length() {
        let intermediates = [cert("int")];
        for (root, ok) in [("ca", true), ("ca-pl0", false)] {
            let anchors = [cert(root)];
            let trust = Anchors {
                intermediates: &intermediates,
                ..Anchors::new(&anchors)
            };
            let r = verify(&cert("intleaf"), NOW, &trust);
            if ok {
                assert_eq!(r.unwrap(), TrustedBy::Issuer(&anchors[0]));
            } else {
                assert_eq!(refused("intleaf", &trust), CertificateError::PathLength);
            }
            // pathlen:0 still lets the root issue leaves directly.
            assert!(verify(&cert("client"), NOW, &trust).is_ok(), "{root}");
        }
        // Without the intermediate configured there is no path.
        let anchors = [cert("ca")];
        assert_eq!(
            refused("intleaf", &Anchors::new(&anchors)),
            CertificateError::UnknownIssuer
        );
        // An intermediate is no anchor: it cannot authenticate itself alone,
        // nor root a path.
        let trust = Anchors {
            intermediates: &intermediates,
            ..Anchors::new(&[])
        };
        assert_eq!(refused("intleaf", &trust), CertificateError::UnknownIssuer);
    }

    #[test]
    fn sha1_certificate_signatures_only_when_allowed() {
        let anchors = [cert("ca")];
        let trust = Anchors::new(&anchors);
        assert_eq!(refused("sha1", &trust), CertificateError::Sha1Signature);
        let legacy = Anchors {
            allow_sha1: true,
            ..trust
        };
        assert!(verify(&cert("sha1"), NOW, &legacy).is_ok());
    }

    #[test]
    fn bad_signature_and_expired_issuer() {
        let anchors = [cert("ca")];
        let trust = Anchors::new(&anchors);
        // `forged` names the CA as its issuer but another key signed it.
        assert_eq!(refused("forged", &trust), CertificateError::BadSignature);
        // The renewed CA (valid from 2026-11-23) before its time.
        let anchors = [cert("ca-renewed")];
        let early = datetime!(2026-01-01 00:00 UTC);
        assert!(matches!(
            verify(&cert("client"), early, &Anchors::new(&anchors)),
            Err(Error::Auth(AuthError::UntrustedCertificate(
                CertificateError::IssuerExpired
            )))
        ));
    }
}
