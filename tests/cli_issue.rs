//! `wstrust issue` end to end: TOML config + request file in, RSTR or fault
//! out, exit status 0 or 2.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

fn data(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/issue")
        .join(p)
        .to_str()
        .unwrap()
        .to_owned()
}

fn issue(request: &str, now: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args([
            "issue",
            "--config",
            &data("sts.toml"),
            "--now",
            now,
            "--audit",
            request,
        ])
        .output()
        .unwrap()
}

#[test]
fn issues_an_rstr_from_the_example_config() {
    let out = issue(&data("rst.xml"), "2027-01-15T12:00:30Z");
    let body = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{body}");
    assert!(body.contains("RequestSecurityTokenResponseCollection"));
    // the relying party's default token type and lifetime, the claim it allows
    assert!(body.contains(r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion""#));
    assert!(body.contains("<u:Expires>2027-01-15T12:10:30.000Z</u:Expires>"));
    assert!(body.contains("<saml:AttributeValue>alice@example.com</saml:AttributeValue>"));
    assert!(!body.contains("Alice<"));
    let audit = String::from_utf8(out.stderr).unwrap();
    assert!(
        audit.contains("audit: Issue ok requester=PRIMARY/alice"),
        "{audit}"
    );
    assert!(!audit.contains("alice-password"));
}

#[test]
fn a_fault_exits_non_zero() {
    // the Timestamp is stale an hour later
    let out = issue(&data("rst.xml"), "2027-01-15T13:00:00Z");
    assert_eq!(out.status.code(), Some(2));
    let body = String::from_utf8(out.stdout).unwrap();
    assert!(body.contains("MessageExpired"), "{body}");
    // an unreadable config is an error (exit 1), not a fault
    let out = Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(["issue", "--config", &data("rst.xml"), &data("rst.xml")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
