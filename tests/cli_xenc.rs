//! `wstrust encrypt` / `wstrust decrypt` end to end, including the one-line
//! failures.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn wstrust(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(args)
        .output()
        .unwrap()
}

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/xenc")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

const DOC: &str = r#"<r><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="_s1" MajorVersion="1" MinorVersion="1"><saml:Conditions></saml:Conditions></saml:Assertion></r>"#;

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn one_line_failure(out: &Output, needle: &str) {
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains(needle), "{err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn encrypt_then_decrypt_every_algorithm() {
    let dir = tempfile::tempdir().unwrap();
    let doc = write(dir.path(), "doc.xml", DOC.as_bytes());
    let (key, cert) = (data("rp.key"), data("rp.pem"));
    for alg in ["aes256-gcm", "aes128-gcm", "aes256-cbc", "aes128-cbc"] {
        for kt in ["rsa-oaep-mgf1p", "rsa-oaep"] {
            let out = wstrust(&[
                "encrypt",
                "--cert",
                &data("rp.pem"),
                "--alg",
                alg,
                "--key-transport",
                kt,
                "--element-id",
                "_s1",
                doc.to_str().unwrap(),
            ]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let sealed = String::from_utf8(out.stdout).unwrap();
            assert!(sealed.starts_with("<r><xenc:EncryptedData"), "{sealed}");
            let file = write(dir.path(), "sealed.xml", sealed.as_bytes());
            let mut args = vec!["decrypt", "--key", &key, "--cert", &cert];
            if alg.ends_with("cbc") {
                // Refused without --allow-cbc.
                let mut refused = args.clone();
                refused.push(file.to_str().unwrap());
                one_line_failure(&wstrust(&refused), "algorithm not allowed");
                args.push("--allow-cbc");
            }
            args.push(file.to_str().unwrap());
            let out = wstrust(&args);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(String::from_utf8(out.stdout).unwrap(), DOC, "{alg} {kt}");
        }
    }
}

#[test]
fn decrypt_failures_are_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let doc = write(dir.path(), "doc.xml", DOC.as_bytes());
    let out = wstrust(&["encrypt", "--cert", &data("rp.pem"), doc.to_str().unwrap()]);
    assert!(out.status.success());
    let sealed = write(dir.path(), "sealed.xml", &out.stdout);
    let sealed = sealed.to_str().unwrap();

    // The other key, tried on everything: a decryption failure.
    let out = wstrust(&["decrypt", "--key", &data("other.key"), sealed]);
    one_line_failure(&out, "decryption failed");
    // The other key with its certificate: not for this recipient.
    let out = wstrust(&[
        "decrypt",
        "--key",
        &data("other.key"),
        "--cert",
        &data("other.pem"),
        sealed,
    ]);
    one_line_failure(&out, "no key for this recipient");
    // A key that does not match the certificate.
    let out = wstrust(&[
        "decrypt",
        "--key",
        &data("other.key"),
        "--cert",
        &data("rp.pem"),
        sealed,
    ]);
    one_line_failure(&out, "does not match");
    // Nothing encrypted.
    let out = wstrust(&["decrypt", "--key", &data("rp.key"), doc.to_str().unwrap()]);
    one_line_failure(&out, "no encrypted data");
    // Unknown element id on encrypt.
    let out = wstrust(&[
        "encrypt",
        "--cert",
        &data("rp.pem"),
        "--element-id",
        "nope",
        doc.to_str().unwrap(),
    ]);
    one_line_failure(&out, "nope");
}
