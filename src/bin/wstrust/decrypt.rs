//! `wstrust decrypt`: replace every EncryptedData by its plaintext.

use crate::util;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use wstrust::host::{KeyReference, KeyResolver};
use wstrust::keys::{AwsLcRsaKey, Certificate, PrivateKey};
use wstrust::memory::{MemoryKeyResolver, OsRandom};
use wstrust::xenc::{self, DecryptOptions};
use wstrust::{xml, Limits};

/// Arguments of `wstrust decrypt`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The private key (PEM PKCS#8 or PKCS#1).
    #[arg(long, value_name = "KEY.pem")]
    key: PathBuf,
    /// The key's certificate: only EncryptedKeys naming it are unwrapped.
    /// Without it the key is tried on every EncryptedKey.
    #[arg(long, value_name = "CERT.pem")]
    cert: Option<PathBuf>,
    /// Accept AES-CBC encrypted data (unauthenticated; off by default).
    #[arg(long)]
    allow_cbc: bool,
    /// The XML file.
    file: PathBuf,
}

/// The one key of the command line, whatever the EncryptedKey names.
#[derive(Debug)]
struct OneKey(Arc<dyn PrivateKey>);

impl KeyResolver for OneKey {
    fn private_key(&self, _: &KeyReference) -> Option<Arc<dyn PrivateKey>> {
        Some(self.0.clone())
    }
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    let key: Arc<dyn PrivateKey> = Arc::new(
        AwsLcRsaKey::from_pem(&util::read(&args.key)?)
            .map_err(|e| format!("{}: {e}", args.key.display()))?,
    );
    let resolver: Box<dyn KeyResolver> = match &args.cert {
        Some(path) => {
            let cert = Certificate::from_pem(&util::read(path)?)
                .map_err(|e| format!("{}: {e}", path.display()))?;
            let mut r = MemoryKeyResolver::new();
            r.add(cert, key).map_err(|e| e.to_string())?;
            Box::new(r)
        }
        None => Box::new(OneKey(key)),
    };
    let bytes = util::read(&args.file)?;
    let limits = Limits::default();
    let text = xml::parse_bytes(&bytes, &limits).map_err(|e| e.to_string())?;
    let mut opts = DecryptOptions::default();
    opts.allow_cbc = args.allow_cbc;
    let out = xenc::decrypt_document(text, resolver.as_ref(), &opts, &OsRandom, &limits)
        .map_err(|e| e.to_string())?;
    util::write_stdout(out.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}
