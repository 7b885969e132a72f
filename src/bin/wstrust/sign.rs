//! `wstrust sign`: enveloped signature over one element.

use crate::util;
use std::path::PathBuf;
use std::process::ExitCode;
use wstrust::dsig::{self, DigestAlgorithm, KeyInfo, SignOptions, SignatureAlgorithm, SigningKey};
use wstrust::keys::{AwsLcRsaKey, Certificate, HazmatRsaCrateKey, PrivateKey};
use wstrust::{xml, Limits};

/// Signature algorithm choices.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Alg {
    /// RSA-SHA256 (default).
    RsaSha256,
    /// RSA-SHA1 with SHA-1 digests, for legacy relying parties. Signs with the
    /// pure-Rust `rsa` crate, which is not constant time (RUSTSEC-2023-0071).
    RsaSha1,
    /// RSA-SHA512.
    RsaSha512,
}

/// Digest algorithm choices.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Digest {
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512.
    Sha512,
}

/// Arguments of `wstrust sign`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The RSA private key (PEM: PKCS#8 or PKCS#1).
    #[arg(long, value_name = "KEY.pem")]
    key: PathBuf,
    /// The signer's certificate (PEM or DER), embedded in ds:KeyInfo.
    #[arg(long, value_name = "CERT.pem")]
    cert: PathBuf,
    /// The signature algorithm.
    #[arg(long, value_enum, default_value = "rsa-sha256")]
    alg: Alg,
    /// The reference digest (default: SHA-1 for rsa-sha1, else SHA-256).
    #[arg(long, value_enum)]
    digest: Option<Digest>,
    /// Sign the element whose ID, AssertionID, Id or wsu:Id is ID (default: the root).
    #[arg(long, value_name = "ID")]
    element_id: Option<String>,
    /// The XML file.
    file: PathBuf,
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let key_pem = util::read(&args.key)?;
    let cert = Certificate::from_pem(&util::read(&args.cert)?).map_err(|e| e.to_string())?;
    let bytes = util::read(&args.file)?;
    let limits = Limits::default();
    let text = xml::parse_bytes(&bytes, &limits).map_err(|e| e.to_string())?;

    let (algorithm, default_digest) = match args.alg {
        Alg::RsaSha256 => (SignatureAlgorithm::RsaSha256, DigestAlgorithm::Sha256),
        Alg::RsaSha1 => (SignatureAlgorithm::RsaSha1, DigestAlgorithm::Sha1),
        Alg::RsaSha512 => (SignatureAlgorithm::RsaSha512, DigestAlgorithm::Sha256),
    };
    let digest = match args.digest {
        None => default_digest,
        Some(Digest::Sha1) => DigestAlgorithm::Sha1,
        Some(Digest::Sha256) => DigestAlgorithm::Sha256,
        Some(Digest::Sha512) => DigestAlgorithm::Sha512,
    };
    // aws-lc-rs (constant time) for everything it can sign; the rsa crate
    // only for RSA-SHA1, which aws-lc-rs cannot produce.
    let key: Box<dyn PrivateKey> = match args.alg {
        Alg::RsaSha1 => Box::new(HazmatRsaCrateKey::from_pem(&key_pem).map_err(|e| e.to_string())?),
        _ => Box::new(AwsLcRsaKey::from_pem(&key_pem).map_err(|e| e.to_string())?),
    };
    let opts = SignOptions {
        algorithm,
        digest,
        key_info: KeyInfo::X509Certificate(&cert),
        ..SignOptions::default()
    };
    let signed = dsig::sign_enveloped(
        text,
        args.element_id.as_deref(),
        SigningKey::Rsa(key.as_ref()),
        &opts,
        &limits,
    )
    .map_err(|e| e.to_string())?;
    util::write_stdout(signed.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
