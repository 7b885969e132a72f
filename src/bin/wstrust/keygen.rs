//! `wstrust keygen`: a development RSA key and a self-signed certificate.
//!
//! The key comes from the library (`keys::AwsLcRsaKey::generate`), the
//! certificate from `rcgen` on the same aws-lc-rs backend. For development
//! and tests only: production keys belong in an HSM or a managed PKI.

use crate::util;
use clap::Args as ClapArgs;
use rustls::pki_types::PrivatePkcs8KeyDer;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wstrust::keys::AwsLcRsaKey;

/// Arguments of `wstrust keygen`.
#[derive(ClapArgs)]
pub(crate) struct Args {
    /// Where to write the PEM private key (PKCS#8); mode 0600 on Unix.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Where to write the PEM certificate.
    #[arg(long, value_name = "FILE")]
    cert: PathBuf,
    /// The certificate's subject common name.
    #[arg(long, default_value = "wstrust development")]
    cn: String,
    /// Subject alternative names (DNS names or IP addresses); repeatable.
    #[arg(long = "san", value_name = "NAME", default_values_t = vec!["localhost".to_owned()])]
    sans: Vec<String>,
    /// RSA key size in bits (2048, 3072, 4096).
    #[arg(long, default_value_t = 2048)]
    bits: usize,
    /// Validity in days from now.
    #[arg(long, default_value_t = 365)]
    days: u32,
    /// Overwrite existing files.
    #[arg(long)]
    force: bool,
}

/// A generated key and certificate, both PEM.
pub(crate) struct DevIdentity {
    /// PKCS#8 `PRIVATE KEY` PEM.
    pub(crate) key_pem: zeroize::Zeroizing<String>,
    /// `CERTIFICATE` PEM.
    pub(crate) cert_pem: String,
}

/// Generate an RSA key of `bits` and a self-signed certificate for it.
pub(crate) fn generate(
    cn: &str,
    sans: &[String],
    bits: usize,
    days: u32,
) -> Result<DevIdentity, String> {
    let key = AwsLcRsaKey::generate(bits).map_err(|e| format!("cannot generate key: {e}"))?;
    let der = key
        .to_pkcs8_der()
        .map_err(|e| format!("cannot encode key: {e}"))?;
    let pkcs8 = PrivatePkcs8KeyDer::from(der.as_slice());
    let pair = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(&pkcs8, &rcgen::PKCS_RSA_SHA256)
        .map_err(|e| format!("cannot load generated key: {e}"))?;
    let mut params = rcgen::CertificateParams::new(sans.to_vec())
        .map_err(|e| format!("invalid subject alternative name: {e}"))?;
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, cn);
    params.distinguished_name = dn;
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::minutes(5);
    params.not_after = now + time::Duration::days(i64::from(days.max(1)));
    let cert = params
        .self_signed(&pair)
        .map_err(|e| format!("cannot sign certificate: {e}"))?;
    Ok(DevIdentity {
        key_pem: zeroize::Zeroizing::new(pair.serialize_pem()),
        cert_pem: cert.pem(),
    })
}

/// Write `id` to `key` and `cert` (the key with mode 0600 on Unix).
pub(crate) fn write(id: &DevIdentity, key: &Path, cert: &Path) -> Result<(), String> {
    util::write_private(key, id.key_pem.as_bytes())?;
    std::fs::write(cert, id.cert_pem.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", cert.display()))
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    for p in [&args.key, &args.cert] {
        if p.exists() && !args.force {
            return Err(format!("{} exists (use --force to overwrite)", p.display()));
        }
    }
    let id = generate(&args.cn, &args.sans, args.bits, args.days)?;
    write(&id, &args.key, &args.cert)?;
    eprintln!(
        "wrote {} and {} (RSA-{}, CN={}, {} days)",
        args.key.display(),
        args.cert.display(),
        args.bits,
        args.cn,
        args.days
    );
    Ok(ExitCode::SUCCESS)
}
