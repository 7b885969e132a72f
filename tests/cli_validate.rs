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
