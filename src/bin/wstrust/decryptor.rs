//! The `--key` option: a token decryptor over the library's XML-Enc layer.

use std::path::Path;
use std::sync::Arc;
use wstrust::token::TokenDecryptor;

/// Load the STS private key for decrypting tokens.
pub(crate) fn load(path: &Path) -> Result<Arc<dyn TokenDecryptor>, String> {
    let _ = crate::util::read(path)?;
    Err("decrypting tokens is not available in this build".into())
}
