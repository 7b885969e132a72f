//! `wstrust sign` and `wstrust verify` end to end.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn data(name: &str) -> PathBuf {
    root().join("tests/data").join(name)
}

fn wstrust(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(args)
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn sign_then_verify_each_algorithm() {
    let dir = tempfile::tempdir().unwrap();
    let input = root().join("tests/vectors/c14n/saml2.xml");
    let id = "_a75adf55-01d7-40cc-929f-dbd8372ebdfc";
    for alg in ["rsa-sha256", "rsa-sha1", "rsa-sha512"] {
        let out = wstrust(&[
            "sign",
            "--key",
            s(&data("signer.key.pem")),
            "--cert",
            s(&data("signer.cert.pem")),
            "--alg",
            alg,
            "--element-id",
            id,
            s(&input),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let signed = dir.path().join(format!("{alg}.xml"));
        std::fs::write(&signed, &out.stdout).unwrap();
        // Everything outside the signature is unchanged.
        let text = String::from_utf8(out.stdout).unwrap();
        let a = text.find("<ds:Signature").unwrap();
        let b = text.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
        let original = std::fs::read_to_string(&input).unwrap();
        assert_eq!(format!("{}{}", &text[..a], &text[b..]), original);

        let (other, signer) = (data("other.cert.pem"), data("signer.cert.pem"));
        let verify = |extra: &[&str]| {
            let mut a = vec!["verify", "--cert", s(&other), "--cert", s(&signer)];
            a.extend_from_slice(extra);
            a.push(s(&signed));
            wstrust(&a)
        };
        let mut out = verify(&[]);
        if alg == "rsa-sha1" {
            // SHA-1 only when asked for.
            assert!(!out.status.success());
            let err = String::from_utf8(out.stderr).unwrap();
            assert!(err.contains("algorithm not allowed"), "{err}");
            out = verify(&["--allow-sha1"]);
        }
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("{id}\n"));

        // Not trusted: non-zero exit, one line saying why, nothing on stdout.
        let sha1: &[&str] = if alg == "rsa-sha1" {
            &["--allow-sha1"]
        } else {
            &[]
        };
        let mut a = vec!["verify", "--cert", s(&other)];
        a.extend_from_slice(sha1);
        a.push(s(&signed));
        let out = wstrust(&a);
        assert!(!out.status.success());
        assert!(out.stdout.is_empty());
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("not trusted"), "{err}");
    }
}

#[test]
fn verify_reports_tampering_and_missing_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let cert = data("signer.cert.pem");
    let tampered = dir.path().join("t.xml");
    let signed =
        std::fs::read_to_string(root().join("tests/vectors/dsig/saml2-signed.xml")).unwrap();
    std::fs::write(&tampered, signed.replace("alice", "admin")).unwrap();
    let out = wstrust(&["verify", "--cert", s(&cert), s(&tampered)]);
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("digest mismatch"));

    let out = wstrust(&[
        "verify",
        "--cert",
        s(&cert),
        s(&root().join("tests/vectors/dsig/saml2-unsigned.xml")),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("no signature"));

    // Several signatures: all must verify; all IDs printed.
    let out = wstrust(&[
        "verify",
        "--cert",
        s(&cert),
        s(&root().join("tests/vectors/dsig/soap-four-references.xml")),
    ]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "_0\n_1\n_2\n_3\n");
}

#[test]
fn sign_refuses_a_certificate_for_another_key() {
    let out = wstrust(&[
        "sign",
        "--key",
        s(&data("signer.key.pem")),
        "--cert",
        s(&data("other.cert.pem")),
        s(&root().join("tests/vectors/dsig/saml2-unsigned.xml")),
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("key mismatch"));
}
