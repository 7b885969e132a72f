//! The `--key` option of `validate` and `inspect`, `--rp-key` of `request`:
//! decrypt tokens with one private key.

use std::path::Path;
use std::sync::Arc;
use wstrust::host::{KeyReference, KeyResolver};
use wstrust::keys::{AwsLcRsaKey, PrivateKey};
use wstrust::memory::OsRandom;
use wstrust::token::Decryption;
use wstrust::xenc::DecryptOptions;

/// The one key of the command line, whatever the EncryptedKey names.
#[derive(Debug)]
struct OneKey(Arc<dyn PrivateKey>);

impl KeyResolver for OneKey {
    fn private_key(&self, _: &KeyReference) -> Option<Arc<dyn PrivateKey>> {
        Some(self.0.clone())
    }
}

/// A resolver that offers the private key (PEM) at `path` for every
/// EncryptedKey.
pub(crate) fn resolver(path: &Path) -> Result<impl KeyResolver, String> {
    let key = AwsLcRsaKey::from_pem(&crate::util::read(path)?)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(OneKey(Arc::new(key)))
}

/// Load the STS private key (PEM) for decrypting tokens.
pub(crate) fn load(path: &Path) -> Result<Decryption, String> {
    Ok(Decryption {
        keys: Arc::new(resolver(path)?),
        options: DecryptOptions::default(),
        random: Arc::new(OsRandom),
    })
}
