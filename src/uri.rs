//! Endpoint addresses and patterns (relying parties, `wsa:To`, SAML
//! `Recipient`), parsed strictly (RFC 3986) and compared by their parts:
//! scheme, host, port, path, query and fragment.
//!
//! An address is an absolute URI of ASCII characters RFC 3986 allows.
//! With an authority (`scheme://host[:port]...`):
//! * userinfo (`user@`) is refused: `https://good.example@evil.example/`
//!   names `evil.example`, which a reader of the text may not see;
//! * the host is a DNS name of labels `[A-Za-z0-9_-]`, an IPv4 dotted quad
//!   or an `[IPv6]` literal; percent-encoding, non-ASCII (IDNA is not
//!   applied: an IDN must be written in its `xn--` form, which is compared
//!   as ASCII) and a numeric last label that is no IPv4 address (`127.1`,
//!   `0x7f.0.0.1`) are refused; DNS names are lowercased and one trailing dot
//!   is dropped (`rp.example.` is the same DNS name as `rp.example`);
//! * the scheme's default port (`http` and `ws` 80, `https` and `wss` 443)
//!   is no port, and so is an empty one;
//! * path, query and fragment have their percent-encoding normalised (an
//!   encoded unreserved character is decoded, hex digits are uppercased; an
//!   encoded reserved character such as `%2F` stays encoded, distinct from
//!   `/`) and dot segments removed; an empty path is `/`, and one trailing
//!   `/` of a longer path is not significant.
//!
//! Without an authority (`urn:...`) the text after the scheme is compared
//! exactly, after percent-encoding normalisation.
//!
//! A pattern is written like an address. A `*` in its host stands for one or
//! more whole DNS labels and only as the leftmost label (`*.partner.example`)
//! or the whole host (`*`, any host); a `*` in its path, query, fragment or
//! opaque part stands for any run of characters within that part only. A
//! pattern without a query or fragment matches addresses without one.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Why an address or pattern was refused (no input is echoed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct AddressError(pub(crate) &'static str);

impl fmt::Display for AddressError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

type Result<T> = std::result::Result<T, AddressError>;

/// Longest address or pattern read, in bytes.
const MAX_ADDRESS: usize = 4096;

/// A host as compared.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    /// A DNS name, lowercased, without a trailing dot.
    Domain(String),
    /// An IPv4 address.
    V4(Ipv4Addr),
    /// An IPv6 address.
    V6(Ipv6Addr),
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Domain(d) => f.write_str(d),
            Self::V4(a) => write!(f, "{a}"),
            Self::V6(a) => write!(f, "[{a}]"),
        }
    }
}

/// The host part of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    /// Exactly this host.
    Exact(Host),
    /// `*`: any host.
    Any,
    /// `*.suffix`: any DNS name with one or more labels before `suffix`.
    Under(String),
}

/// The parts of an address, or of a pattern (where `H` is a
/// [`HostPattern`] and `*` in the text parts is a wildcard).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Parts<H> {
    /// `scheme://authority path ?query #fragment`.
    Authority {
        scheme: String,
        host: H,
        port: Option<u16>,
        /// Normalised, starting with `/`, trailing `/` kept.
        path: String,
        query: Option<String>,
        fragment: Option<String>,
    },
    /// `scheme:rest` (URNs and other URIs without an authority).
    Opaque { scheme: String, rest: String },
}

/// A parsed, normalised address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Address(Parts<Host>);

/// A parsed relying-party pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pattern(Parts<HostPattern>);

/// One trailing `/` of a path longer than `/` is not significant.
fn trim_slash(path: &str) -> &str {
    match path.strip_suffix('/') {
        Some(p) if !p.is_empty() => p,
        _ => path,
    }
}

impl fmt::Display for Address {
    /// The canonical form: equal for addresses that compare equal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Parts::Authority {
                scheme,
                host,
                port,
                path,
                query,
                fragment,
            } => {
                write!(f, "{scheme}://{host}")?;
                if let Some(p) = port {
                    write!(f, ":{p}")?;
                }
                f.write_str(trim_slash(path))?;
                if let Some(q) = query {
                    write!(f, "?{q}")?;
                }
                if let Some(x) = fragment {
                    write!(f, "#{x}")?;
                }
                Ok(())
            }
            Parts::Opaque { scheme, rest } => write!(f, "{scheme}:{rest}"),
        }
    }
}

impl Address {
    /// Parse `text` (surrounding whitespace ignored) strictly.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        let parts = parse(text, false)?;
        Ok(Self(match parts {
            Parts::Authority {
                scheme,
                host,
                port,
                path,
                query,
                fragment,
            } => Parts::Authority {
                scheme,
                host: match host {
                    HostPattern::Exact(h) => h,
                    // Without wildcards the parser yields only exact hosts.
                    HostPattern::Any | HostPattern::Under(_) => {
                        return Err(AddressError("wildcard in an address"))
                    }
                },
                port,
                path,
                query,
                fragment,
            },
            Parts::Opaque { scheme, rest } => Parts::Opaque { scheme, rest },
        }))
    }
}

impl Pattern {
    /// Parse the pattern `text` (surrounding whitespace ignored) strictly.
    pub(crate) fn parse(text: &str) -> Result<Self> {
        parse(text, true).map(Self)
    }

    /// Whether `a` matches: every part on its own.
    pub(crate) fn matches(&self, a: &Address) -> bool {
        match (&self.0, &a.0) {
            (
                Parts::Authority {
                    scheme: ps,
                    host: ph,
                    port: pp,
                    path: ppath,
                    query: pq,
                    fragment: pf,
                },
                Parts::Authority {
                    scheme,
                    host,
                    port,
                    path,
                    query,
                    fragment,
                },
            ) => {
                ps == scheme
                    && host_matches(ph, host)
                    && pp == port
                    && (glob(trim_slash(ppath), path) || glob(trim_slash(ppath), trim_slash(path)))
                    && optional_matches(pq, query)
                    && optional_matches(pf, fragment)
            }
            (
                Parts::Opaque {
                    scheme: ps,
                    rest: pr,
                },
                Parts::Opaque { scheme, rest },
            ) => ps == scheme && glob(pr, rest),
            _ => false,
        }
    }
}

fn host_matches(p: &HostPattern, h: &Host) -> bool {
    match (p, h) {
        (HostPattern::Any, _) => true,
        (HostPattern::Exact(e), h) => e == h,
        (HostPattern::Under(suffix), Host::Domain(d)) => d
            .strip_suffix(suffix.as_str())
            .and_then(|head| head.strip_suffix('.'))
            .is_some_and(|head| !head.is_empty()),
        (HostPattern::Under(_), _) => false,
    }
}

fn optional_matches(p: &Option<String>, v: &Option<String>) -> bool {
    match (p, v) {
        (None, None) => true,
        (Some(p), Some(v)) => glob(p, v),
        _ => false,
    }
}

/// Whether `text` matches `pattern` (`*` = any run, possibly empty).
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = match parts.split_first() {
        Some(x) => x,
        None => return text.is_empty(),
    };
    let Some(mut t) = text.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return t.is_empty();
    };
    for m in middle {
        match t.find(m) {
            Some(i) => t = &t[i + m.len()..],
            None => return false,
        }
    }
    t.len() >= last.len() && t.ends_with(last)
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 characters allowed in path, query and fragment (besides `%`
/// escapes): unreserved, sub-delims, `:` and `@`, plus `/` and `?`.
fn is_text(b: u8) -> bool {
    is_unreserved(b)
        || matches!(
            b,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'/'
                | b'?'
        )
}

/// `s` with its percent-encoding normalised; `Err` on a character RFC 3986
/// does not allow in this part or on a broken escape.
fn normalise_text(s: &str) -> Result<String> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            let hex = |x: Option<&u8>| x.and_then(|x| (*x as char).to_digit(16));
            let (Some(hi), Some(lo)) = (hex(b.get(i + 1)), hex(b.get(i + 2))) else {
                return Err(AddressError("broken percent-encoding"));
            };
            // Both digits are below 16: the byte fits.
            let byte = (hi * 16 + lo) as u8;
            if is_unreserved(byte) {
                out.push(byte as char);
            } else {
                out.push('%');
                out.push(HEX[hi as usize] as char);
                out.push(HEX[lo as usize] as char);
            }
            i += 3;
        } else if is_text(c) {
            out.push(c as char);
            i += 1;
        } else {
            return Err(AddressError("character not allowed in a URI"));
        }
    }
    Ok(out)
}

/// RFC 3986 §5.2.4 on an absolute path.
fn remove_dot_segments(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "." | ".." => {
                if *seg == ".." {
                    out.pop();
                }
                // A dot segment at the end leaves a directory: `/a/.` is `/a/`.
                if i == last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    let mut s = String::with_capacity(path.len());
    for seg in &out {
        s.push('/');
        s.push_str(seg);
    }
    if s.is_empty() {
        s.push('/');
    }
    s
}

fn parse_scheme(text: &str) -> Result<(String, &str)> {
    let (scheme, rest) = text
        .split_once(':')
        .ok_or(AddressError("not an absolute URI"))?;
    let mut chars = scheme.bytes();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')) {
        return Err(AddressError("not an absolute URI"));
    }
    Ok((scheme.to_ascii_lowercase(), rest))
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    }
}

/// A DNS name (already known to be ASCII): lowercased, one trailing dot
/// dropped; `wildcard` allows `*` as the whole leftmost label.
fn parse_domain(host: &str, wildcard: bool) -> Result<HostPattern> {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.is_empty() || host.len() > 253 {
        return Err(AddressError("bad host"));
    }
    let lower = host.to_ascii_lowercase();
    if wildcard && lower == "*" {
        return Ok(HostPattern::Any);
    }
    let (star, name) = match lower.strip_prefix("*.") {
        Some(rest) if wildcard => (true, rest),
        _ => (false, lower.as_str()),
    };
    let labels: Vec<&str> = name.split('.').collect();
    for l in &labels {
        if l.is_empty()
            || l.len() > 63
            || !l
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_'))
        {
            return Err(AddressError(if l.contains('*') {
                "a host wildcard must be the whole leftmost label"
            } else {
                "bad host"
            }));
        }
    }
    let numeric = |l: &str| l.bytes().all(|c| c.is_ascii_digit());
    if labels.last().is_some_and(|l| numeric(l)) {
        // Only a dotted quad ends in a number: `127.1` or `1.2.3.04` would
        // be an IPv4 address to some readers and a name to others.
        return match (star, name.parse::<Ipv4Addr>()) {
            (false, Ok(a)) => Ok(HostPattern::Exact(Host::V4(a))),
            _ => Err(AddressError("bad IPv4 address")),
        };
    }
    Ok(if star {
        HostPattern::Under(name.to_owned())
    } else {
        HostPattern::Exact(Host::Domain(name.to_owned()))
    })
}

fn parse_authority(authority: &str, wildcard: bool) -> Result<(HostPattern, Option<&str>)> {
    if authority.contains('@') {
        return Err(AddressError("userinfo in an address"));
    }
    if let Some(rest) = authority.strip_prefix('[') {
        let (ip, after) = rest
            .split_once(']')
            .ok_or(AddressError("bad IPv6 literal"))?;
        let ip: Ipv6Addr = ip.parse().map_err(|_| AddressError("bad IPv6 literal"))?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(AddressError("bad port"))?),
        };
        return Ok((HostPattern::Exact(Host::V6(ip)), port));
    }
    let (host, port) = match authority.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (authority, None),
    };
    Ok((parse_domain(host, wildcard)?, port))
}

fn parse_port(port: Option<&str>, scheme: &str) -> Result<Option<u16>> {
    let Some(p) = port.filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    if !p.bytes().all(|c| c.is_ascii_digit()) {
        return Err(AddressError("bad port"));
    }
    let digits = p.trim_start_matches('0');
    let n: u16 = if digits.is_empty() {
        0
    } else {
        digits.parse().map_err(|_| AddressError("bad port"))?
    };
    Ok(if default_port(scheme) == Some(n) {
        None
    } else {
        Some(n)
    })
}

fn parse(text: &str, wildcard: bool) -> Result<Parts<HostPattern>> {
    let text = text.trim();
    if text.len() > MAX_ADDRESS {
        return Err(AddressError("address too long"));
    }
    if !text.is_ascii() {
        return Err(AddressError("non-ASCII address (write an IDN as xn--)"));
    }
    if !text
        .bytes()
        .all(|b| is_text(b) || matches!(b, b'%' | b'#' | b'[' | b']'))
    {
        return Err(AddressError("character not allowed in a URI"));
    }
    let (scheme, rest) = parse_scheme(text)?;
    let (rest, fragment) = match rest.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (rest, None),
    };
    let fragment = fragment
        .filter(|f| !f.is_empty())
        .map(normalise_text)
        .transpose()?;
    let Some(hier) = rest.strip_prefix("//") else {
        if fragment.is_some() || rest.is_empty() || default_port(&scheme).is_some() {
            return Err(AddressError("bad opaque URI"));
        }
        let rest = normalise_text(rest)?;
        let rest = trim_slash(&rest).to_owned();
        return Ok(Parts::Opaque { scheme, rest });
    };
    let end = hier.find(['/', '?']).unwrap_or(hier.len());
    let (authority, rest) = hier.split_at(end);
    let (host, port) = parse_authority(authority, wildcard)?;
    let port = parse_port(port, &scheme)?;
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    let path = normalise_text(path)?;
    let path = if path.is_empty() {
        "/".to_owned()
    } else {
        remove_dot_segments(&path)
    };
    let query = query
        .filter(|q| !q.is_empty())
        .map(normalise_text)
        .transpose()?;
    Ok(Parts::Authority {
        scheme,
        host,
        port,
        path,
        query,
        fragment,
    })
}

/// The canonical form of `address` (see the module docs), or, for text that
/// is no address, that text trimmed: equal for addresses that compare equal.
pub fn normalize_address(address: &str) -> String {
    match Address::parse(address) {
        Ok(a) => a.to_string(),
        Err(_) => address.trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(s: &str) -> String {
        Address::parse(s).unwrap().to_string()
    }

    fn refused(s: &str) -> &'static str {
        Address::parse(s).unwrap_err().0
    }

    fn m(p: &str, a: &str) -> bool {
        Pattern::parse(p)
            .unwrap()
            .matches(&Address::parse(a).unwrap())
    }

    #[test]
    fn canonical_forms() {
        for (a, b) in [
            (" HTTPS://RP.Example/App/ ", "https://rp.example/App"),
            ("https://rp.example:443/x", "https://rp.example/x"),
            ("http://rp.example:80/x", "http://rp.example/x"),
            ("https://rp.example:/x", "https://rp.example/x"),
            ("https://rp.example:0444/x", "https://rp.example:444/x"),
            ("https://rp.example:80/x", "https://rp.example:80/x"),
            ("wss://rp.example:443", "wss://rp.example/"),
            ("https://rp.example", "https://rp.example/"),
            ("https://rp.example./x", "https://rp.example/x"),
            (
                "https://rp.example/%7euser/%41",
                "https://rp.example/~user/A",
            ),
            ("https://rp.example/a%2fb", "https://rp.example/a%2Fb"),
            ("https://rp.example/a/./b/../c", "https://rp.example/a/c"),
            ("https://rp.example/a/%2E%2E/c", "https://rp.example/c"),
            ("https://rp.example/../../x", "https://rp.example/x"),
            ("https://rp.example/x?", "https://rp.example/x"),
            ("https://rp.example/x?a=%62", "https://rp.example/x?a=b"),
            ("https://rp.example/x#F", "https://rp.example/x#F"),
            (
                "https://XN--Bcher-KVA.example/",
                "https://xn--bcher-kva.example/",
            ),
            ("https://10.0.0.1:8443/", "https://10.0.0.1:8443/"),
            ("https://[::0001]/", "https://[::1]/"),
            ("URN:Example:RP/", "urn:Example:RP"),
            ("urn:federation:%4dicrosoft", "urn:federation:Microsoft"),
        ] {
            assert_eq!(canon(a), b, "{a}");
        }
    }

    #[test]
    fn refusals() {
        for (a, why) in [
            (
                "https://good.example@evil.example/",
                "userinfo in an address",
            ),
            ("https://user:pw@rp.example/", "userinfo in an address"),
            ("https://@rp.example/", "userinfo in an address"),
            (
                "https://rp.example\\@evil/",
                "character not allowed in a URI",
            ),
            ("https://r%70.example/", "bad host"),
            ("https://rp .example/", "character not allowed in a URI"),
            ("https:rp.example", "bad opaque URI"),
            ("https://1.2.3.04/", "bad IPv4 address"),
            ("https://rp..example/", "bad host"),
            ("https:///x", "bad host"),
            (
                "https://b\u{fc}cher.example/",
                "non-ASCII address (write an IDN as xn--)",
            ),
            ("https://127.1/", "bad IPv4 address"),
            ("https://0x7f.0.0.1/", "bad IPv4 address"),
            ("https://rp.example:99999/", "bad port"),
            ("https://rp.example:8a/", "bad port"),
            ("https://[::1/", "bad IPv6 literal"),
            ("https://[::1]x/", "bad port"),
            ("https://rp.example/a b", "character not allowed in a URI"),
            ("https://rp.example/%zz", "broken percent-encoding"),
            ("https://rp.example/%4", "broken percent-encoding"),
            ("https://rp.example/x#a#b", "character not allowed in a URI"),
            ("https://rp.example/[x]", "character not allowed in a URI"),
            (
                "https://*.example/",
                "a host wildcard must be the whole leftmost label",
            ),
            ("rp.example/x", "not an absolute URI"),
            ("//rp.example/x", "not an absolute URI"),
            ("", "not an absolute URI"),
        ] {
            assert_eq!(refused(a), why, "{a}");
        }
    }

    #[test]
    fn patterns_refused_at_parse() {
        for p in [
            "https://a*.example/",
            "https://a.*.example/",
            "https://*example/",
            "https://**.example/",
            "https://*.*.example/",
            "https://rp.example:*/",
            "https://*@rp.example/",
            "http*://rp.example/",
            "https://*.1/",
        ] {
            assert!(Pattern::parse(p).is_err(), "{p}");
        }
    }

    #[test]
    fn look_alikes_do_not_match() {
        let p = "https://*.partner.example/*";
        for a in [
            "https://hr.partner.example/portal",
            "https://HR.Partner.Example/portal",
            "https://hr.partner.example./portal",
            "https://a.b.partner.example/",
            "https://hr.partner.example:443/x",
            "https://hr.partner.example",
        ] {
            assert!(m(p, a), "{a}");
        }
        for a in [
            // the reported bypass: the suffix in the path
            "https://evil.example/x.partner.example/y",
            // the suffix as a label prefix, in the query, the fragment
            "https://evil.partner.example.evil.example/",
            "https://evilpartner.example/",
            "https://partner.example/",
            "https://evil.example/?.partner.example/",
            "https://evil.example/#.partner.example/",
            "https://hr.partner.example/x?q",
            "https://hr.partner.example/x#f",
            // port and scheme
            "https://hr.partner.example:8443/x",
            "http://hr.partner.example/x",
            // punycode look-alike of partner: compared as ASCII
            "https://hr.xn--prtner-2ya.example/",
        ] {
            assert!(!m(p, a), "{a}");
        }
        assert!(Address::parse("https://partner.example@evil.example/").is_err());
        assert!(Address::parse("https://hr.partner.example:443@evil.example/").is_err());
    }

    #[test]
    fn path_stars_stay_in_the_path() {
        assert!(m("https://rp.example/app/*", "https://rp.example/app/a/b"));
        assert!(!m("https://rp.example/app/*", "https://rp.example/other"));
        assert!(!m(
            "https://rp.example/app/*",
            "https://rp.example/app/../admin"
        ));
        // an encoded slash is no slash
        assert!(!m("https://rp.example/a/b", "https://rp.example/a%2Fb"));
        assert!(m("https://rp.example/a%2fb", "https://rp.example/a%2Fb"));
        assert!(m("https://rp.example/%7Eu/*", "https://rp.example/~u/x"));
        // query: only with a query pattern, and the star stays in it
        assert!(m("https://rp.example/x?a=*", "https://rp.example/x?a=1"));
        assert!(!m("https://rp.example/x?a=*", "https://rp.example/x"));
        assert!(!m("https://rp.example/x*", "https://rp.example/x?a=1"));
        // trailing slash
        assert!(m("https://rp.example/app/", "https://rp.example/app"));
        assert!(m("https://rp.example/app", "https://rp.example/app/"));
        // opaque URIs
        assert!(m("urn:partner:*", "urn:partner:a:b"));
        assert!(!m("urn:partner:*", "urn:other:partner:a"));
        assert!(!m("urn:partner:*", "https://partner/"));
        // any host, ports distinct
        assert!(m("https://*/", "https://10.0.0.1/"));
        assert!(!m("https://*/", "https://10.0.0.1:444/"));
        assert!(!m("https://*.example/", "https://10.0.0.1/"));
    }

    #[test]
    fn glob_cases() {
        assert!(glob("a*c", "abc"));
        assert!(glob("a*c", "ac"));
        assert!(!glob("a*c", "abd"));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "a_b_b_c"));
        assert!(!glob("a*b*c", "acb"));
        assert!(glob("abc", "abc"));
        assert!(!glob("abc", "abcd"));
        assert!(!glob("ab*ba", "aba"));
    }

    mod props {
        use super::super::*;
        use crate::rp::{RelyingParties, RelyingParty};
        use proptest::prelude::*;

        /// Host-ish text: labels of letters, digits, `-`, with the
        /// pattern's own labels likely, in any case, maybe a trailing dot.
        fn host() -> impl Strategy<Value = String> {
            let label = prop_oneof![
                "[a-zA-Z0-9-]{1,8}",
                Just("partner".to_owned()),
                Just("PARTNER".to_owned()),
                Just("example".to_owned()),
                Just("xn--prtner-2ya".to_owned()),
            ];
            (prop::collection::vec(label, 1..5), any::<bool>()).prop_map(|(l, dot)| {
                let mut h = l.join(".");
                if dot {
                    h.push('.');
                }
                h
            })
        }

        /// What follows the host: a delimiter, then anything, with the
        /// pattern's domain and URL delimiters likely.
        fn rest() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                Just(".partner.example".to_owned()),
                Just("hr.partner.example".to_owned()),
                "[/@:?#.%*a-z0-9]{1,4}",
                Just("%2F".to_owned()),
                Just("%2e".to_owned()),
                Just("443".to_owned()),
            ];
            (
                prop::sample::select(vec!["/", "?", "#", ":", "@", ":443/", ":8443/"]),
                prop::collection::vec(piece, 0..6),
            )
                .prop_map(|(d, p)| format!("{d}{}", p.concat()))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(4000))]

            #[test]
            fn a_pattern_never_matches_a_host_outside_its_domain(
                h in host(),
                r in rest(),
                path in prop::sample::select(vec!["/*", "/", "/x/*", "/*?*", "/*#*"]),
            ) {
                let lower = h.to_ascii_lowercase();
                let name = lower.strip_suffix('.').unwrap_or(&lower);
                prop_assume!(!name.ends_with(".partner.example"));
                let p = Pattern::parse(&format!("https://*.partner.example{path}")).unwrap();
                let url = format!("https://{h}{r}");
                if let Ok(a) = Address::parse(&url) {
                    prop_assert!(!p.matches(&a), "{url} matched");
                }
                // whatever the registry makes of it
                let mut rps = RelyingParties::new();
                rps.add(RelyingParty::pattern(format!("https://*.partner.example{path}")));
                prop_assert!(rps.find(&url).is_err(), "{url} found");
            }

            #[test]
            fn a_pattern_matches_its_subdomains(
                h in host(),
                path in "(/([a-z0-9~._-]|%[0-9a-fA-F]{2}){0,5}){0,3}",
                port in prop::sample::select(vec!["", ":443", ":"]),
            ) {
                let p = Pattern::parse("https://*.partner.example/*").unwrap();
                let url = format!("https://{}.partner.example.{port}{path}", h.trim_end_matches('.'));
                let a = Address::parse(&url).unwrap();
                prop_assert!(p.matches(&a), "{url}");
            }
        }
    }
}
