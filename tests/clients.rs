//! Real WS-Trust clients against a running `wstrust serve`: MSAL Python's
//! own mex discovery and WS-Trust code, and zeep (a WSDL-driven SOAP
//! client) for issue, validate, renew and cancel.
//!
//! The clients live in a Python virtual environment that `.ci/run` creates
//! at `target/pyenv` with the versions pinned in
//! `tests/clients/requirements.txt` (`WSTRUST_PYENV` points elsewhere).
//! Without it these tests skip with a printed reason, except under
//! `CI=true`, where they fail. Each driver prints one JSON object, asserted
//! on here.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

mod server_common;

use server_common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use wstrust::host::{KeyReference, KeyResolver};
use wstrust::keys::{AwsLcRsaKey, Certificate, PrivateKey};
use wstrust::token::{Decryption, Expect, TokenValidator, TrustedIssuer, ValidatedToken};

const DEMO_RP: &str = "https://localhost:9444/services/echo";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The virtual environment's python, if it has `module`; else skip (or,
/// under CI, fail) with the reason.
fn python(test: &str, module: &str) -> Option<PathBuf> {
    let env = std::env::var_os("WSTRUST_PYENV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pyenv"),
        PathBuf::from,
    );
    let py = env.join("bin/python");
    let reason = if py.exists() {
        match Command::new(&py)
            .args(["-c", &format!("import {module}")])
            .output()
        {
            Ok(o) if o.status.success() => return Some(py),
            Ok(o) => format!(
                "{} cannot import {module}: {}",
                py.display(),
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => format!("cannot run {}: {e}", py.display()),
        }
    } else {
        format!("no Python environment at {}", env.display())
    };
    assert!(!in_ci(), "CI=true but {reason} (.ci/run creates it)");
    eprintln!("SKIPPED {test}: {reason}; run `bash .ci/run` once, or set WSTRUST_PYENV");
    None
}

/// Run `tests/clients/<script>` with `args`; its JSON output.
fn drive(py: &Path, script: &str, args: &[&str]) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/clients")
        .join(script);
    let out = Command::new(py)
        .arg(&script)
        .args(args)
        // Verification uses the CA the driver is given, never the
        // environment's bundle.
        .env_remove("REQUESTS_CA_BUNDLE")
        .env_remove("CURL_CA_BUNDLE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{} failed: {}\n{stdout}\n{}",
        script.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{}: not JSON ({e}): {stdout}", script.display()))
}

/// The one key of a relying party, whatever an `EncryptedKey` names.
#[derive(Debug)]
struct OneKey(Arc<dyn PrivateKey>);

impl KeyResolver for OneKey {
    fn private_key(&self, _: &KeyReference) -> Option<Arc<dyn PrivateKey>> {
        Some(self.0.clone())
    }
}

/// Validate `token` as the demo relying party would: signed by the STS
/// certificate, for its audience, decrypted with its key when encrypted.
fn rp_accepts(data: &Path, token: &str) -> ValidatedToken {
    let sts = Certificate::from_pem(&std::fs::read(data.join("sts.crt")).unwrap()).unwrap();
    let rp_key = AwsLcRsaKey::from_pem(&std::fs::read(data.join("rp.key")).unwrap()).unwrap();
    let validator =
        TokenValidator::new(vec![TrustedIssuer::any_name(vec![sts])]).with_decryption(Decryption {
            keys: Arc::new(OneKey(Arc::new(rp_key))),
            options: Default::default(),
            random: Arc::new(wstrust::memory::OsRandom),
        });
    validator
        .validate_document(
            token,
            &Expect::at(time::OffsetDateTime::now_utc()).audience(DEMO_RP),
        )
        .unwrap_or_else(|e| panic!("the relying party refuses the token: {e}\n{token}"))
}

#[test]
fn msal_python_discovers_and_gets_tokens_over_13_and_2005() {
    let Some(py) = python("msal_python", "msal") else {
        return;
    };
    let s = Server::start(&[]);
    let ca = s.data().join("tls.crt");
    let out = drive(
        &py,
        "msal_client.py",
        &[
            "--mex",
            &s.url("/adfs/services/trust/mex"),
            "--ca",
            ca.to_str().unwrap(),
            "--user",
            "admin",
            "--password",
            PASSWORD,
            "--applies-to",
            DEMO_RP,
        ],
    );
    eprintln!("MSAL Python {}", out["msal_version"]);
    // Discovery: MSAL picks the 1.3 usernamemixed endpoint, at this server.
    let discovered = &out["discovered"];
    assert_eq!(
        discovered["address"].as_str(),
        Some(s.url("/adfs/services/trust/13/usernamemixed").as_str()),
        "{out}"
    );
    assert_eq!(
        discovered["action"].as_str(),
        Some("http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue")
    );
    let versions: Vec<&str> = out["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["address"].as_str().unwrap())
        .collect();
    assert_eq!(
        versions,
        [
            s.url("/adfs/services/trust/13/usernamemixed"),
            s.url("/adfs/services/trust/2005/usernamemixed")
        ],
        "{out}"
    );

    // What MSAL parsed from each answer: a SAML 2.0 token (MSAL sends no
    // TokenType; the STS's default), which the relying party accepts.
    let issued = out["issued"].as_array().unwrap();
    assert_eq!(issued.len(), 2, "{out}");
    for (i, version) in issued.iter().zip(["13", "2005"]) {
        assert_eq!(i["version"].as_str(), Some(version));
        assert_eq!(
            i["type"].as_str(),
            Some("http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV2.0"),
            "{version}"
        );
        let token = i["token"].as_str().unwrap();
        assert!(token.starts_with("<saml2:EncryptedAssertion"), "{token}");
        let t = rp_accepts(&s.data(), token);
        assert_eq!(t.subject.value, "admin");
        assert!(t.is_bearer());
        assert!(t.audiences().any(|a| a == DEMO_RP));
    }

    // The public API end to end (Azure AD stood in for by the driver):
    // realm discovery points at our metadata, and the SAML bearer grant MSAL
    // sends to the token endpoint carries a token the relying party accepts.
    let p = &out["public_api"];
    assert_eq!(p["error"], serde_json::Value::Null, "{p}");
    assert!(
        p["result_keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == "access_token"),
        "{p}"
    );
    assert_eq!(
        p["grant_type"].as_str(),
        Some("urn:ietf:params:oauth:grant-type:saml2-bearer"),
        "{p}"
    );
    let aad: Vec<&str> = p["aad_requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(aad.iter().any(|r| r.contains("/userrealm/")), "{aad:?}");
    assert!(
        aad.iter()
            .any(|r| r.starts_with("POST ") && r.ends_with("/token")),
        "{aad:?}"
    );
    let t = rp_accepts(&s.data(), p["assertion"].as_str().unwrap());
    assert_eq!(t.subject.value, "admin");

    // A wrong password: MSAL raises with the fault's reason and subcode.
    let wrong = out["wrong_password"].as_array().unwrap();
    assert_eq!(wrong.len(), 2, "{out}");
    for w in wrong {
        let err = w["error"]
            .as_str()
            .unwrap_or_else(|| panic!("no error: {w}"));
        assert!(err.contains("'code': 'wsse:FailedAuthentication'"), "{err}");
        assert!(err.contains("'reason': 'Authentication failed'"), "{err}");
    }
}

/// Validate a plain `token` as the relying party of [`config_dir`] would.
fn config_rp_accepts(dir: &Path, token: &str) -> ValidatedToken {
    let sts = Certificate::from_pem(&std::fs::read(dir.join("sts.crt")).unwrap()).unwrap();
    TokenValidator::new(vec![TrustedIssuer::any_name(vec![sts])])
        .validate_document(
            token,
            &Expect::at(time::OffsetDateTime::now_utc()).audience(DEMO_RP),
        )
        .unwrap_or_else(|e| panic!("the relying party refuses the token: {e}\n{token}"))
}

#[test]
fn zeep_issues_validates_renews_and_cancels_over_13_and_2005() {
    let Some(py) = python("zeep", "zeep") else {
        return;
    };
    // A configured STS whose relying party takes unencrypted tokens: the
    // client sends them back as Validate/Renew/Cancel targets.
    let (dir, cfg) = config_dir("");
    let s = Server::start_in(dir, &["--config", cfg.to_str().unwrap()]);
    let ca = s.dir.path().join("tls.crt");
    let out = drive(
        &py,
        "zeep_client.py",
        &[
            "--wsdl",
            &s.url("/adfs/services/trust/mex"),
            "--ca",
            ca.to_str().unwrap(),
            "--user",
            "carol",
            "--password",
            "carol-password",
            "--applies-to",
            DEMO_RP,
        ],
    );
    eprintln!("zeep {}", out["zeep_version"]);
    for (version, wst, saml, token_type) in [
        (
            "13",
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512",
            wstrust::wst::rstr::SamlVersion::V20,
            "urn:oasis:names:tc:SAML:2.0:assertion",
        ),
        (
            "2005",
            "http://schemas.xmlsoap.org/ws/2005/02/trust",
            wstrust::wst::rstr::SamlVersion::V11,
            "urn:oasis:names:tc:SAML:1.0:assertion",
        ),
    ] {
        let r = &out["versions"][version];
        // zeep called the endpoint the WSDL names for this version.
        assert_eq!(
            r["address"].as_str(),
            Some(
                s.url(&format!("/adfs/services/trust/{version}/usernamemixed"))
                    .as_str()
            ),
            "{r}"
        );
        assert_eq!(r["issued_token_type"].as_str(), Some(token_type), "{r}");
        let status = |k: &str| {
            r[k].as_str()
                .unwrap_or_else(|| panic!("{k}: {r}"))
                .to_owned()
        };
        let valid = format!("{wst}/status/valid");
        let invalid = format!("{wst}/status/invalid");
        // The tokens zeep extracted (and re-serialised) still verify.
        let first = config_rp_accepts(s.dir.path(), r["issued"].as_str().unwrap());
        let second = config_rp_accepts(s.dir.path(), r["renewed"].as_str().unwrap());
        for t in [&first, &second] {
            assert_eq!(t.subject.value, "carol");
            assert_eq!(t.version, saml);
        }
        assert_ne!(first.id, second.id);
        assert_eq!(status("validate_issued"), valid);
        assert_eq!(status("validate_old_after_renew"), invalid);
        assert_eq!(status("validate_renewed"), valid);
        assert_eq!(r["cancelled"].as_bool(), Some(true), "{r}");
        assert_eq!(status("validate_after_cancel"), invalid);
        let f = &r["wrong_password"];
        assert_eq!(f["code"].as_str(), Some("s:Sender"), "{r}");
        assert_eq!(f["message"].as_str(), Some("Authentication failed"));
        assert_eq!(
            f["subcodes"][0].as_str(),
            Some("{http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd}FailedAuthentication")
        );
    }
}
