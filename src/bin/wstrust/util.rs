//! Small helpers shared by the subcommands.

use std::path::Path;
use wstrust::audit::is_unsafe_char as unsafe_char;

/// Read a file, turning the error into one line naming the file.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Untrusted text for a terminal: every [`unsafe_char`] escaped (`\r`,
/// `\u{202e}`), so the text can neither start a new line nor display
/// otherwise than it reads.
pub(crate) fn clean(s: &str) -> String {
    wstrust::audit::escape(s).into_owned()
}

/// Untrusted text as one quoted string: [`clean`], with `"` and `\` escaped
/// too, so where the value ends is unambiguous (`"guest, admin"` is one
/// value, never two).
pub(crate) fn quoted(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        if unsafe_char(c) || c == '"' || c == '\\' {
            o.extend(c.escape_default());
        } else {
            o.push(c);
        }
    }
    o.push('"');
    o
}

/// Write bytes to stdout.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|e| format!("cannot write output: {e}"))
}

/// Write a secret (a private key, a password) readable by the owner only.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
