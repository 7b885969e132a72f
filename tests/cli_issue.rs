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

/// The TOML settings of issue 17 items 4, 10 and 12: a party's
/// `encryption_algorithms`, `key_wrap_algorithms` and `default_claims`
/// are honoured, and a bad pattern, default claim or algorithm fails the
/// load (exit 1, one line naming the problem).
#[test]
fn relying_party_algorithms_default_claims_and_bad_patterns_from_toml() {
    let dir = tempfile::tempdir().unwrap();
    let abs = |p: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(p)
            .to_str()
            .unwrap()
            .to_owned()
    };
    let config = |parties: &str| {
        let text = format!(
            r#"issuer = "https://sts.example/"
signing_key = "{}"
signing_certificate = "{}"
[transport]
tls = true
[[users]]
name = "alice"
password = "alice-password"
roles = ["Internal/everyone"]
[users.attributes]
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" = ["alice@example.com"]
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname" = ["Alice"]
{parties}"#,
            abs("signer.key.pem"),
            abs("signer.cert.pem")
        );
        let p = dir.path().join("sts.toml");
        std::fs::write(&p, text).unwrap();
        p
    };
    let request = dir.path().join("rst.xml");
    std::fs::write(
        &request,
        std::fs::read_to_string(data("rst.xml")).unwrap().replace(
            "https://rp.example/app",
            "https://hr.partner.example/dotnet",
        ),
    )
    .unwrap();
    let run = |cfg: &Path| {
        Command::new(env!("CARGO_BIN_EXE_wstrust"))
            .arg("issue")
            .arg("--config")
            .arg(cfg)
            .args(["--now", "2027-01-15T12:00:30Z"])
            .arg(&request)
            .output()
            .unwrap()
    };
    let good = config(&format!(
        r#"[[relying_parties]]
address = "https://*.partner.example/*"
pattern = true
certificate = "{}"
encryption_algorithms = ["http://www.w3.org/2001/04/xmlenc#aes256-cbc", "http://www.w3.org/2009/xmlenc11#aes256-gcm"]
key_wrap_algorithms = ["http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"]
claims = ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname"]
default_claims = ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"]
"#,
        abs("xenc/rp.pem")
    ));
    let out = run(&good);
    let body = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{body}");
    assert!(
        body.contains(r#"Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc""#),
        "{body}"
    );
    assert!(!body.contains("alice"), "token readable: {body}");
    // xmlsec1 opens it: the default claim is there, the other allowed one not
    let enc = dir.path().join("enc.xml");
    std::fs::write(&enc, &body).unwrap();
    let plain = Command::new("xmlsec1")
        .args(["--decrypt", "--privkey-pem", &abs("xenc/rp.key")])
        .arg(&enc)
        .output()
        .unwrap();
    let plain_text = String::from_utf8_lossy(&plain.stdout);
    assert!(
        plain.status.success(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    assert!(plain_text.contains(">alice@example.com<"), "{plain_text}");
    assert!(!plain_text.contains(">Alice<"), "{plain_text}");

    for (parties, says) in [
        (
            "[[relying_parties]]\naddress = \"https://*partner.example/*\"\npattern = true\n",
            "pattern",
        ),
        (
            "[[relying_parties]]\naddress = \"https://user@rp.example/\"\n",
            "userinfo",
        ),
        (
            "[[relying_parties]]\naddress = \"urn:rp\"\nclaims = [\"urn:a\"]\ndefault_claims = [\"urn:b\"]\n",
            r#"default claim "urn:b""#,
        ),
        (
            "[[relying_parties]]\naddress = \"urn:rp\"\nencryption_algorithms = [\"http://www.w3.org/2001/04/xmlenc#tripledes-cbc\"]\n",
            "unknown encryption algorithm",
        ),
        (
            "[[relying_parties]]\naddress = \"urn:rp\"\nkey_wrap_algorithms = []\n",
            "key_wrap_algorithms must name",
        ),
    ] {
        let out = run(&config(parties));
        assert_eq!(out.status.code(), Some(1), "{parties}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(says), "{parties}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
}
