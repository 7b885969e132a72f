//! `wstrust validate` end to end over the golden tokens in
//! tests/vectors/validate/ (`<case>.xml` + `<case>.expected`: stdout for a
//! valid token, the one stderr line for an invalid one).
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/validate")
}

fn validate(file: &str, now: &str, extra: &[&str]) -> std::process::Output {
    let d = dir();
    Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .arg("validate")
        .arg("--trust-cert")
        .arg(d.join("sts.cert.pem"))
        .arg("--trust-cert")
        .arg(d.join("partner.cert.pem"))
        .args(["--now", now])
        .args(extra)
        .arg(d.join(file))
        .output()
        .unwrap()
}

const IN_WINDOW: &str = "2026-03-01T12:30:00Z";
const RP: &str = "https://rp.example/app";

#[test]
fn valid_tokens_print_the_verified_assertion() {
    for case in ["saml20", "saml11", "rstr", "comment-nameid"] {
        let out = validate(&format!("{case}.xml"), IN_WINDOW, &["--audience", RP]);
        assert!(
            out.status.success(),
            "{case}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let expected = std::fs::read(dir().join(format!("{case}.expected"))).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&expected),
            "{case}"
        );
    }
}

#[test]
fn invalid_tokens_fail_with_one_line() {
    for case in [
        "tampered",
        "rogue-key",
        "xsw-inside",
        "xsw-beside",
        "xsw-duplicate-id",
    ] {
        let out = validate(&format!("{case}.xml"), IN_WINDOW, &["--audience", RP]);
        assert!(!out.status.success(), "{case} accepted");
        assert!(out.stdout.is_empty(), "{case}: printed token data");
        let expected = std::fs::read(dir().join(format!("{case}.expected"))).unwrap();
        assert_eq!(out.stderr, expected, "{case}");
        assert_eq!(out.stderr.iter().filter(|b| **b == b'\n').count(), 1);
    }
}

#[test]
fn time_and_audience() {
    let out = validate("saml20.xml", "2026-03-01T14:00:00Z", &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("expired"));
    let out = validate("saml20.xml", "2026-03-01T11:00:00Z", &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not yet valid"));
    let out = validate(
        "saml20.xml",
        IN_WINDOW,
        &["--audience", "https://other.example/"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong audience"));
    assert!(validate("saml20.xml", IN_WINDOW, &[]).status.success());
}

#[test]
fn untrusted_when_cert_not_given() {
    let d = dir();
    let out = Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(["validate", "--now", IN_WINDOW, "--trust-cert"])
        .arg(d.join("partner.cert.pem"))
        .arg(d.join("saml20.xml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("untrusted issuer"));
}

/// The signed vector is a standard enveloped signature: xmlsec1 agrees.
#[test]
fn xmlsec1_verifies_the_signed_vector() {
    if Command::new("xmlsec1").arg("--version").output().is_err() {
        assert!(std::env::var("CI").is_err(), "xmlsec1 missing in CI");
        eprintln!("SKIPPED: xmlsec1 not installed");
        return;
    }
    let d = dir();
    let out = Command::new("xmlsec1")
        .args(["--verify", "--pubkey-cert-pem"])
        .arg(d.join("sts.cert.pem"))
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        ])
        .arg(d.join("saml20.xml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn encrypted_token_with_key() {
    let d = dir();
    let out = validate(
        "encrypted.xml",
        IN_WINDOW,
        &[
            "--audience",
            RP,
            "--key",
            d.join("sts.key.pem").to_str().unwrap(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // the same assertion as saml20.xml, once decrypted
    assert_eq!(
        out.stdout,
        std::fs::read(d.join("saml20.expected")).unwrap()
    );
    let out = validate("encrypted.xml", IN_WINDOW, &[]);
    assert!(!out.status.success());
    let out = validate(
        "encrypted.xml",
        IN_WINDOW,
        &["--key", d.join("partner.key.pem").to_str().unwrap()],
    );
    assert!(!out.status.success(), "decrypted with the wrong key");
}

/// `--trust-issuer NAME=CERT.pem` pairs a name with its keys, as the STS's
/// `[[trusted_issuers]]` do: the right pair validates; the same key under
/// another name, or the name with another key, does not.
#[test]
fn trust_issuer_pairs_name_and_key() {
    let d = dir();
    let run = |pairs: &[String]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_wstrust"));
        c.args(["validate", "--now", IN_WINDOW]);
        for p in pairs {
            c.args(["--trust-issuer", p]);
        }
        c.arg(d.join("saml20.xml")).output().unwrap()
    };
    let sts_cert = d.join("sts.cert.pem").display().to_string();
    let partner_cert = d.join("partner.cert.pem").display().to_string();
    let out = run(&[format!("https://sts.example/={sts_cert}")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("issuer: https://sts.example/"));
    for pairs in [
        vec![format!("https://partner.example/={sts_cert}")],
        vec![
            format!("https://sts.example/={partner_cert}"),
            format!("https://partner.example/={sts_cert}"),
        ],
    ] {
        let out = run(&pairs);
        assert!(!out.status.success(), "{pairs:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("untrusted issuer"));
    }
    let out = run(&["no-equals-sign".to_owned()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NAME=CERT.pem"));
}

/// saml20.xml without its signature, edited by `edit`, signed again by the
/// STS key with `wstrust sign`, and written to a scratch file.
fn resigned(name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let d = dir();
    let signed = std::fs::read_to_string(d.join("saml20.xml")).unwrap();
    let start = signed.find("<ds:Signature").unwrap();
    let end = signed.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let bare = format!("{}{}", &signed[..start], &signed[end..]);
    let edited = edit(&bare);
    assert_ne!(edited, bare, "{name}: edit applied");
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let unsigned = tmp.join(format!("cli-validate-{name}.unsigned.xml"));
    std::fs::write(&unsigned, edited).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .arg("sign")
        .arg("--key")
        .arg(d.join("sts.key.pem"))
        .arg("--cert")
        .arg(d.join("sts.cert.pem"))
        .arg(&unsigned)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = tmp.join(format!("cli-validate-{name}.xml"));
    std::fs::write(&path, out.stdout).unwrap();
    path
}

/// Characters that must never reach the terminal raw: line breaks, C1
/// controls, bidirectional overrides and isolates, zero-width characters.
const UNSAFE: [char; 8] = [
    '\r', '\n', '\u{85}', '\u{202e}', '\u{2066}', '\u{200b}', '\u{feff}', '\u{2028}',
];

/// Review 3 L1: an attacker's algorithm URI (read before any signature
/// check) cannot forge output lines: the one stderr line carries it escaped.
#[test]
fn forged_algorithm_uri_cannot_forge_lines() {
    let d = dir();
    let good = std::fs::read_to_string(d.join("saml20.xml")).unwrap();
    let uri = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
    assert!(good.contains(uri));
    let forged = good.replacen(
        uri,
        "x&#13;valid: SAML 2.0 assertion _forged&#10;issuer: https://sts.example/&#10;subject: admin&#x85;&#x202E;&#x2066;&#x200B;&#xFEFF;&#x2028;",
        1,
    );
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-validate-forged-alg.xml");
    std::fs::write(&path, forged).unwrap();
    let out = validate(path.to_str().unwrap(), IN_WINDOW, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    let line = err.strip_suffix('\n').unwrap();
    for c in UNSAFE {
        assert!(!line.contains(c), "raw {c:?} in {line:?}");
    }
    assert!(
        line.starts_with("wstrust: invalid token: signature: algorithm not allowed: \"x\\rvalid: SAML 2.0 assertion _forged\\nissuer:"),
        "{line}"
    );
    assert!(
        line.contains("\\u{202e}") && line.contains("\\u{85}"),
        "{line}"
    );
}

/// Review 3 L2: verified but hostile text prints escaped (bidi overrides,
/// zero-width characters), and each attribute value is on its own line,
/// quoted, so one value `guest, admin` never reads as two.
#[test]
fn hostile_values_print_escaped_and_unambiguous() {
    let path = resigned("hostile", |x| {
        x.replacen(">alice</saml:NameID>", ">al&#x200B;ice&#x2066;</saml:NameID>", 1)
            .replacen(
                "<saml:AttributeValue>alice@example.org</saml:AttributeValue>",
                "<saml:AttributeValue>alice@&#x202E;gro.elpmaxe&#x202C;.evil.test</saml:AttributeValue>",
                1,
            )
            .replacen(
                "<saml:AttributeValue>admin</saml:AttributeValue>",
                r#"<saml:AttributeValue>guest, admin</saml:AttributeValue><saml:AttributeValue>say "hi" \o/&#xFEFF;&#x2028;</saml:AttributeValue>"#,
                1,
            )
    });
    let out = validate(path.to_str().unwrap(), IN_WINDOW, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for c in UNSAFE.into_iter().filter(|c| *c != '\n') {
        assert!(!text.contains(c), "raw {c:?} in {text}");
    }
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines.contains(&r"subject: al\u{200b}ice\u{2066} (format urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified)"),
        "{text}"
    );
    let attributes: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("attribute: "))
        .collect();
    assert_eq!(
        attributes,
        [
            r#"attribute: http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress = "alice@\u{202e}gro.elpmaxe\u{202c}.evil.test""#,
            r#"attribute: role = "guest, admin""#,
            r#"attribute: role = "say \"hi\" \\o/\u{feff}\u{2028}""#,
            r#"attribute: role = "user""#,
        ],
        "{text}"
    );
}
