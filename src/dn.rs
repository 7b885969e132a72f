//! Distinguished names written as text, for matching a name another
//! implementation wrote (`ds:X509IssuerName` in a key reference) against a
//! certificate's.
//!
//! Writers differ: RFC 4514 (`CN=Test CA,O=Example`, escapes `\,` and
//! `\C3\A9`), Java (`getName()`, the same without spaces), .NET
//! (`CN=Test CA, O="Example, Inc."`, values quoted), and this crate
//! ([`crate::keys::Certificate::issuer`], certificate order). So a name is
//! parsed (escapes, quotes, `#` hex values, `OID.` prefixes and the usual
//! type aliases), and two names match when their RDNs are equal in the
//! same or in reversed order (RFC 4514 strings list RDNs last first),
//! attribute types by meaning and string values case-insensitively with
//! runs of spaces collapsed, roughly RFC 5280's caseIgnoreMatch.
//!
//! A match only selects a candidate certificate or key: whatever it
//! selects must still be trusted and verify the signature (or unwrap the
//! key), so a loose match can make a lookup fail but gives no identity.

/// One attribute: its type (lowercase keyword or dotted OID) and its value.
type Attribute = (String, Value);

/// An attribute value as compared.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    /// A string, normalised ([`normalise`]).
    Text(String),
    /// A `#` value: the lowercase hex of a BER encoding.
    Ber(String),
}

/// A parsed name: RDNs in written order, each a sorted set of attributes.
type Name = Vec<Vec<Attribute>>;

/// Whether two names written as text name the same entity (see the module
/// docs). A name that does not parse matches nothing.
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    let (Some(a), Some(mut b)) = (parse(a), parse(b)) else {
        return false;
    };
    if a.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    b.reverse();
    a == b
}

/// Parse a name's text; `None` if it is malformed.
fn parse(text: &str) -> Option<Name> {
    let mut p = Parser {
        chars: text.chars().collect(),
        at: 0,
    };
    let mut name = Name::new();
    p.skip_spaces();
    if p.at == p.chars.len() {
        return Some(name);
    }
    let mut rdn = Vec::new();
    loop {
        rdn.push(p.attribute()?);
        p.skip_spaces();
        match p.next() {
            None => {
                rdn.sort();
                name.push(rdn);
                return Some(name);
            }
            Some('+') => {}
            Some(',' | ';') => {
                rdn.sort();
                name.push(std::mem::take(&mut rdn));
            }
            Some(_) => return None,
        }
        p.skip_spaces();
    }
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn skip_spaces(&mut self) {
        while self.peek() == Some(' ') {
            self.at += 1;
        }
    }

    /// `type = value`.
    fn attribute(&mut self) -> Option<Attribute> {
        let start = self.at;
        while self.peek().is_some_and(|c| c != '=') {
            self.at += 1;
        }
        let kind: String = self.chars[start..self.at].iter().collect();
        self.next()?; // '='
        let kind = attribute_type(kind.trim())?;
        self.skip_spaces();
        let value = match self.peek() {
            Some('"') => self.quoted()?,
            Some('#') => self.hex()?,
            _ => self.plain()?,
        };
        Some((kind, value))
    }

    /// A `"..."` value (RFC 1779, as .NET writes): `\` escapes inside.
    fn quoted(&mut self) -> Option<Value> {
        self.next();
        let mut bytes = Vec::new();
        loop {
            match self.next()? {
                '"' => break,
                '\\' => self.escape(&mut bytes)?,
                c => push_char(&mut bytes, c),
            }
        }
        Some(Value::Text(normalise(&String::from_utf8(bytes).ok()?)))
    }

    /// A `#` value: the hex of a BER encoding, compared as written.
    fn hex(&mut self) -> Option<Value> {
        self.next();
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
            self.at += 1;
        }
        let hex: String = self.chars[start..self.at].iter().collect();
        if hex.is_empty() || hex.len() % 2 != 0 {
            return None;
        }
        Some(Value::Ber(hex.to_ascii_lowercase()))
    }

    /// An unquoted value up to the next unescaped `,` `;` or `+`.
    fn plain(&mut self) -> Option<Value> {
        let mut bytes = Vec::new();
        while let Some(c) = self.peek() {
            match c {
                ',' | ';' | '+' => break,
                '\\' => {
                    self.next();
                    self.escape(&mut bytes)?;
                }
                '"' => return None,
                c => {
                    self.next();
                    push_char(&mut bytes, c);
                }
            }
        }
        Some(Value::Text(normalise(&String::from_utf8(bytes).ok()?)))
    }

    /// After a `\`: a special character, or two hex digits (one byte of
    /// UTF-8).
    fn escape(&mut self, bytes: &mut Vec<u8>) -> Option<()> {
        let c = self.next()?;
        match (c.to_digit(16), self.peek().and_then(|d| d.to_digit(16))) {
            (Some(hi), Some(lo)) => {
                self.next();
                // Two hex digits are one byte.
                bytes.push(u8::try_from(hi * 16 + lo).ok()?);
            }
            _ if " \"#+,;<=>\\".contains(c) => push_char(bytes, c),
            _ => return None,
        }
        Some(())
    }
}

fn push_char(bytes: &mut Vec<u8>, c: char) {
    let mut buf = [0u8; 4];
    bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// A string value as compared: lowercase, whitespace runs as one space, no
/// whitespace at either end.
fn normalise(v: &str) -> String {
    v.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// An attribute type as compared: the usual keyword for a type with one
/// (whatever alias or OID the writer used), else the dotted OID; `None` for
/// anything else.
fn attribute_type(kind: &str) -> Option<String> {
    let lower = kind.to_ascii_lowercase();
    let lower = lower.strip_prefix("oid.").unwrap_or(&lower);
    let keyword = match lower {
        "cn" | "commonname" | "2.5.4.3" => "cn",
        "sn" | "surname" | "2.5.4.4" => "sn",
        "serialnumber" | "2.5.4.5" => "serialnumber",
        "c" | "countryname" | "2.5.4.6" => "c",
        "l" | "localityname" | "2.5.4.7" => "l",
        "st" | "s" | "stateorprovincename" | "2.5.4.8" => "st",
        "street" | "streetaddress" | "2.5.4.9" => "street",
        "o" | "organizationname" | "2.5.4.10" => "o",
        "ou" | "organizationalunit" | "organizationalunitname" | "2.5.4.11" => "ou",
        "t" | "title" | "2.5.4.12" => "title",
        "g" | "gn" | "givenname" | "2.5.4.42" => "givenname",
        "i" | "initials" | "2.5.4.43" => "initials",
        "generationqualifier" | "2.5.4.44" => "generationqualifier",
        "dnqualifier" | "2.5.4.46" => "dnqualifier",
        "uid" | "userid" | "0.9.2342.19200300.100.1.1" => "uid",
        "dc" | "domaincomponent" | "0.9.2342.19200300.100.1.25" => "dc",
        "e" | "email" | "emailaddress" | "1.2.840.113549.1.9.1" => "emailaddress",
        other => {
            let is_oid = !other.is_empty()
                && other.split('.').count() > 1
                && other
                    .split('.')
                    .all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()));
            return is_oid.then(|| other.to_owned());
        }
    };
    Some(keyword.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Certificate;

    #[test]
    fn writers_forms_of_one_name_match() {
        let ca = Certificate::from_pem(include_bytes!("../tests/data/auth/ca.cert.pem")).unwrap();
        let ours = ca.subject();
        assert_eq!(ours, "O=wstrust tests, CN=Test Client CA");
        for theirs in [
            "CN=Test Client CA,O=wstrust tests",
            "CN=Test Client CA, O=wstrust tests",
            "cn=test client ca , o = WSTRUST  tests",
            "CN=Test Client CA, O=\"wstrust tests\"",
            "OID.2.5.4.3=Test Client CA; OID.2.5.4.10=wstrust tests",
            "2.5.4.10=wstrust\\20tests,2.5.4.3=Test Client CA",
            "O=wstrust tests, CN=Test Client CA",
        ] {
            assert!(same_name(ours, theirs), "{theirs}");
            assert!(same_name(theirs, ours), "{theirs}");
        }
        for other in [
            "CN=Test Client CA",
            "CN=Test Client CA, O=wstrust tests, C=DE",
            "CN=Test Client CA + O=wstrust tests",
            "O=Test Client CA, CN=wstrust tests",
            "CN=Test Client CA, O=wstrust test",
            "CN=Test Client CA, X=wstrust tests",
            "CN=Test Client CA, O=\"wstrust tests",
            "",
        ] {
            assert!(!same_name(ours, other), "{other}");
        }
    }

    /// Escapes, quotes and hex: a comma inside one value is not two RDNs,
    /// whichever way it is written.
    #[test]
    fn special_characters_in_values() {
        let amb =
            Certificate::from_pem(include_bytes!("../tests/data/auth/ambiguous.cert.pem")).unwrap();
        let ours = amb.subject();
        assert_eq!(ours, r"O=wstrust tests\, CN=client.example");
        assert!(same_name(ours, r#"O="wstrust tests, CN=client.example""#));
        assert!(same_name(ours, r"O=wstrust tests\2C CN\3Dclient.example"));
        assert!(!same_name(ours, "O=wstrust tests, CN=client.example"));
        assert!(!same_name(ours, "CN=client.example, O=wstrust tests"));
        // Multi-valued RDNs compare as sets.
        assert!(same_name("CN=a + UID=b, O=x", "O=x,UID=b+CN=a"));
        assert!(!same_name("CN=a + UID=b, O=x", "CN=a, UID=b, O=x"));
        // A `#` value is an encoding, not text.
        assert!(same_name("CN=#0C0161", "cn=#0c0161"));
        assert!(!same_name("CN=#0C0161", r"CN=\#0C0161"));
        // UTF-8 hex escapes and raw characters are the same text.
        assert!(same_name(r"CN=Jos\C3\A9", "CN=José"));
        for malformed in [r"CN=a\", r"CN=a\q", "CN=#0", "CN=#", "=a", "CN", "CN=a\"b"] {
            assert!(parse(malformed).is_none(), "{malformed}");
        }
    }

    /// DER of one TLV (short or long form length).
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        match content.len() {
            n if n < 0x80 => out.push(n as u8),
            n if n <= 0xff => out.extend([0x81, n as u8]),
            n => out.extend([0x82, (n >> 8) as u8, n as u8]),
        }
        out.extend_from_slice(content);
        out
    }

    /// Attribute types: DER of the OID, and the type [`attribute_type`]
    /// gives for it.
    const TYPES: [(&[u8], &str); 10] = [
        (&[0x55, 0x04, 0x03], "cn"),
        (&[0x55, 0x04, 0x05], "serialnumber"),
        (&[0x55, 0x04, 0x06], "c"),
        (&[0x55, 0x04, 0x0a], "o"),
        (&[0x55, 0x04, 0x0b], "ou"),
        (
            &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19],
            "dc",
        ),
        (
            &[0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01],
            "uid",
        ),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01],
            "emailaddress",
        ),
        (&[0x2a, 0x03, 0x04], "1.2.3.4"),
        (
            &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05],
            "1.2.840.113549.1.1.5",
        ),
    ];

    proptest::proptest! {
        /// A certificate name, as DER, prints (`keys::dn_string`) as text
        /// that parses back to the same RDNs, types and values: different
        /// names never print alike (but for case and runs of spaces, which
        /// printing keeps and this comparison folds).
        #[test]
        fn printed_names_parse_back_to_their_der(
            rdns in proptest::collection::vec(
                proptest::collection::vec(
                    (0..TYPES.len(), 0u8..6, proptest::prelude::any::<String>()),
                    1..3,
                ),
                0..4,
            ),
        ) {
            use x509_parser::prelude::FromDer as _;
            let mut body = Vec::new();
            let mut want: Name = Vec::new();
            for rdn in &rdns {
                let mut set = Vec::new();
                let mut attributes = Vec::new();
                for (t, kind, text) in rdn {
                    let (oid, name) = TYPES[*t];
                    let printable: String = text
                        .chars()
                        .filter(|c| c.is_ascii_alphanumeric() || " '()+,-./:=?*@&_".contains(*c))
                        .collect();
                    let latin1: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
                    let (value, expected_text) = match kind {
                        0 => (tlv(0x0c, text.as_bytes()), Some(text.clone())),
                        // PrintableString, with the characters CAs put in
                        // anyway (a wildcard `*`, `@`, `&`, `_`).
                        1 => (tlv(0x13, printable.as_bytes()), Some(printable)),
                        2 => (
                            tlv(0x1e, &text.encode_utf16().flat_map(u16::to_be_bytes).collect::<Vec<_>>()),
                            Some(text.clone()),
                        ),
                        // IA5String.
                        3 => {
                            let ascii: String = text.chars().filter(char::is_ascii).collect();
                            (tlv(0x16, ascii.as_bytes()), Some(ascii))
                        }
                        // T61String of bytes that may not be UTF-8.
                        4 => (
                            tlv(0x14, &latin1),
                            String::from_utf8(latin1.clone()).ok(),
                        ),
                        // OCTET STRING: no string.
                        _ => (tlv(0x04, text.as_bytes()), None),
                    };
                    let expected = match expected_text {
                        Some(t) => Value::Text(normalise(&t)),
                        None => Value::Ber(value.iter().map(|b| format!("{b:02x}")).collect()),
                    };
                    let mut atv = tlv(0x06, oid);
                    atv.extend(value);
                    set.extend(tlv(0x30, &atv));
                    attributes.push((name.to_owned(), expected));
                }
                body.extend(tlv(0x31, &set));
                attributes.sort();
                want.push(attributes);
            }
            let der = tlv(0x30, &body);
            let (rest, name) = x509_parser::x509::X509Name::from_der(&der)
                .map_err(|e| proptest::test_runner::TestCaseError::fail(format!("{e:?}")))?;
            proptest::prop_assert!(rest.is_empty());
            proptest::prop_assert!(crate::keys::name_is_whole(&name));
            let printed = crate::keys::dn_string(&name);
            proptest::prop_assert_eq!(parse(&printed), Some(want), "{:?}", printed);
        }

        /// Any value this crate prints parses back as that value, in a
        /// multi-valued RDN too; and no text makes the parser panic.
        #[test]
        fn printed_values_parse_back(
            values in proptest::collection::vec(proptest::prelude::any::<String>(), 1..4),
            noise in proptest::prelude::any::<String>(),
        ) {
            let _ = parse(&noise);
            let mut text = String::new();
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    text.push_str(if i % 2 == 0 { ", " } else { " + " });
                }
                text.push_str("CN=");
                crate::keys::escape_dn_value(v, &mut text);
            }
            let parsed = parse(&text);
            proptest::prop_assert!(parsed.is_some(), "{text:?}");
            let mut got: Vec<Value> = parsed
                .unwrap_or_default()
                .into_iter()
                .flatten()
                .map(|(_, v)| v)
                .collect();
            let mut want: Vec<Value> = values.iter().map(|v| Value::Text(normalise(v))).collect();
            got.sort();
            want.sort();
            proptest::prop_assert_eq!(got, want, "{:?}", text);
        }
    }
}
