//! `wstrust encrypt`: replace an element by its XML encryption for a
//! relying party's certificate.

use crate::util;
use std::path::PathBuf;
use std::process::ExitCode;
use wstrust::keys::Certificate;
use wstrust::memory::OsRandom;
use wstrust::xenc::{self, DataAlgorithm, EncryptOptions, KeyTransport, RecipientKeyInfo};
use wstrust::{xml, Limits};

/// Data encryption algorithm.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Alg {
    Aes256Gcm,
    Aes128Gcm,
    Aes256Cbc,
    Aes128Cbc,
}

/// Key transport algorithm.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum Transport {
    /// xmlenc#rsa-oaep-mgf1p (SHA-1).
    RsaOaepMgf1p,
    /// xmlenc11#rsa-oaep with SHA-256 and MGF1-SHA-256.
    RsaOaep,
}

/// How the EncryptedKey names the certificate.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum KeyInfo {
    Cert,
    IssuerSerial,
    Ski,
    Thumbprint,
    StrSki,
    None,
}

/// Arguments of `wstrust encrypt`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The recipient's certificate (PEM or DER).
    #[arg(long, value_name = "RP.pem")]
    cert: PathBuf,
    /// Data encryption algorithm.
    #[arg(long, value_enum, default_value = "aes256-gcm")]
    alg: Alg,
    /// Key transport algorithm.
    #[arg(long, value_enum, default_value = "rsa-oaep-mgf1p")]
    key_transport: Transport,
    /// How the EncryptedKey names the recipient certificate.
    #[arg(long, value_enum, default_value = "cert")]
    key_info: KeyInfo,
    /// Encrypt the element whose ID, AssertionID, Id or wsu:Id is ID (default:
    /// the document element).
    #[arg(long, value_name = "ID")]
    element_id: Option<String>,
    /// Encrypt the element's content (Type Content) instead of the element.
    #[arg(long)]
    content: bool,
    /// The XML file.
    file: PathBuf,
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let cert = Certificate::from_pem(&util::read(&args.cert)?)
        .map_err(|e| format!("{}: {e}", args.cert.display()))?;
    let bytes = util::read(&args.file)?;
    let limits = Limits::default();
    let text = xml::parse_bytes(&bytes, &limits).map_err(|e| e.to_string())?;
    let mut opts = EncryptOptions::default();
    opts.data = match args.alg {
        Alg::Aes256Gcm => DataAlgorithm::Aes256Gcm,
        Alg::Aes128Gcm => DataAlgorithm::Aes128Gcm,
        Alg::Aes256Cbc => DataAlgorithm::Aes256Cbc,
        Alg::Aes128Cbc => DataAlgorithm::Aes128Cbc,
    };
    opts.key_transport = match args.key_transport {
        Transport::RsaOaepMgf1p => KeyTransport::RsaOaepMgf1p,
        Transport::RsaOaep => KeyTransport::RsaOaepSha256,
    };
    opts.key_info = match args.key_info {
        KeyInfo::Cert => RecipientKeyInfo::X509Certificate,
        KeyInfo::IssuerSerial => RecipientKeyInfo::X509IssuerSerial,
        KeyInfo::Ski => RecipientKeyInfo::X509Ski,
        KeyInfo::Thumbprint => RecipientKeyInfo::ThumbprintSha1,
        KeyInfo::StrSki => RecipientKeyInfo::KeyIdentifierSki,
        KeyInfo::None => RecipientKeyInfo::None,
    };
    let id = args.element_id.as_deref();
    let out = if args.content {
        xenc::encrypt_content(text, id, &cert, &opts, &OsRandom, &limits)
    } else {
        xenc::encrypt_element(text, id, &cert, &opts, &OsRandom, &limits)
    }
    .map_err(|e| e.to_string())?;
    util::write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
