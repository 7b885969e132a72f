//! `wstrust request` and `wstrust inspect` end to end against a fresh
//! `wstrust serve`: tokens by --endpoint (WS-Trust 1.3 and 2005) and by
//! --mex, with a UsernameToken and with the demo client certificate,
//! decrypted with --rp-key; faults, TLS trust failures and non-token
//! answers as one `wstrust: ` line; inspect's valid / invalid / not
//! verified / expired verdicts, its exit codes and its --json object.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

mod server_common;
use server_common::*;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const RP: &str = "https://localhost:9444/services/echo";

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// The one `wstrust: ` line of a failed run.
fn one_line(o: &Output) -> String {
    assert!(!o.status.success(), "succeeded: {}", stdout(o));
    let e = stderr(o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.starts_with("wstrust: "), "{e}");
    e
}

struct Sts {
    s: Server,
    password: PathBuf,
}

impl Sts {
    fn start() -> Self {
        let s = Server::start(&[]);
        let password = s.dir.path().join("password.txt");
        std::fs::write(&password, format!("{PASSWORD}\n")).unwrap();
        Self { s, password }
    }

    fn file(&self, name: &str) -> String {
        self.s.data().join(name).display().to_string()
    }

    fn endpoint(&self, path: &str) -> String {
        self.s.url(&format!("/adfs/services/trust/{path}"))
    }

    /// `wstrust request` with the admin's password file and `extra`.
    fn request(&self, extra: &[&str]) -> Output {
        let pw = self.password.display().to_string();
        let mut args = vec!["request", "--user", "admin", "--password-file", &pw];
        args.extend(["--applies-to", RP]);
        args.extend(extra);
        run(&args, None)
    }

    fn out(&self, name: &str) -> PathBuf {
        self.s.dir.path().join(name)
    }
}

fn inspect(token: &Path, extra: &[&str]) -> Output {
    let t = token.display().to_string();
    let mut args = vec!["inspect", &t];
    args.extend(extra);
    run(&args, None)
}

fn assert_assertion(token: &str) {
    assert!(token.contains(":Assertion"), "{token}");
    assert!(!token.contains("EncryptedData"), "{token}");
    assert!(token.contains(">admin<"), "{token}");
}

#[test]
fn request_gets_tokens_by_endpoint_and_mex() {
    let sts = Sts::start();
    let ca = sts.file("tls.crt");
    let rp_key = sts.file("rp.key");

    // --endpoint, WS-Trust 1.3, to --out: the token as issued (encrypted
    // for the demo relying party), owner-readable only.
    let out = sts.out("t13.xml");
    let o = sts.request(&[
        "--endpoint",
        &sts.endpoint("13/usernamemixed"),
        "--ca",
        &ca,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let token = std::fs::read_to_string(&out).unwrap();
    assert!(token.starts_with("<saml2:EncryptedAssertion"), "{token}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "{mode:o}");
    }

    // --endpoint, WS-Trust 2005, password from stdin, decrypted with --rp-key
    let o = run(
        &[
            "request",
            "--endpoint",
            &sts.endpoint("2005/usernamemixed"),
            "--trust",
            "2005",
            "--user",
            "admin",
            "--password-file",
            "-",
            "--applies-to",
            RP,
            "--ca",
            &ca,
            "--rp-key",
            &rp_key,
        ],
        Some(format!("{PASSWORD}\n").as_bytes()),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_assertion(&stdout(&o));

    // --mex: the endpoint chosen from the STS's metadata
    let o = sts.request(&[
        "--mex",
        &sts.endpoint("mex"),
        "--ca",
        &ca,
        "--rp-key",
        &rp_key,
        "--token-type",
        "saml11",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = stdout(&o);
    assert_assertion(&t);
    assert!(t.contains("urn:oasis:names:tc:SAML:1.0:assertion"), "{t}");

    // the demo client certificate on certificatemixed, both versions
    for (path, trust) in [
        ("13/certificatemixed", "13"),
        ("2005/certificatemixed", "2005"),
    ] {
        let o = run(
            &[
                "request",
                "--endpoint",
                &sts.endpoint(path),
                "--trust",
                trust,
                "--cert",
                &sts.file("client.crt"),
                "--key",
                &sts.file("client.key"),
                "--applies-to",
                RP,
                "--ca",
                &ca,
                "--rp-key",
                &rp_key,
            ],
            None,
        );
        assert!(o.status.success(), "{path}: {}", stderr(&o));
        let t = stdout(&o);
        assert!(t.contains(":Assertion"), "{t}");
        assert!(!t.contains("EncryptedData"), "{t}");
    }

    // --mex with a certificate: the STS's metadata advertises its
    // certificatemixed endpoints (an endorsing sp:X509Token), as AD FS does
    let o = run(
        &[
            "request",
            "--mex",
            &sts.endpoint("mex"),
            "--cert",
            &sts.file("client.crt"),
            "--key",
            &sts.file("client.key"),
            "--applies-to",
            RP,
            "--ca",
            &ca,
            "--rp-key",
            &rp_key,
        ],
        None,
    );
    assert!(o.status.success(), "--mex --cert: {}", stderr(&o));
    assert!(stdout(&o).contains(":Assertion"));
}

#[test]
fn request_failures_are_one_line() {
    let sts = Sts::start();
    let ca = sts.file("tls.crt");
    let url = sts.endpoint("13/usernamemixed");

    // a wrong password: the fault's code and reason
    let bad = sts.out("bad.txt");
    std::fs::write(&bad, "wrong\n").unwrap();
    for (endpoint, trust) in [
        (url.clone(), "13"),
        (sts.endpoint("2005/usernamemixed"), "2005"),
    ] {
        let o = run(
            &[
                "request",
                "--endpoint",
                &endpoint,
                "--trust",
                trust,
                "--user",
                "admin",
                "--password-file",
                bad.to_str().unwrap(),
                "--applies-to",
                RP,
                "--ca",
                &ca,
            ],
            None,
        );
        let e = one_line(&o);
        assert!(
            e.starts_with("wstrust: fault wsse:FailedAuthentication: "),
            "{e}"
        );
        assert!(o.stdout.is_empty());
    }

    // TLS trust failure: no --ca, or a CA that did not issue the server's
    let o = sts.request(&["--endpoint", &url]);
    let e = one_line(&o);
    assert!(e.contains("TLS") && e.contains("--ca"), "{e}");
    let o = sts.request(&["--endpoint", &url, "--ca", &sts.file("rp.crt")]);
    let e = one_line(&o);
    assert!(e.contains("TLS"), "{e}");

    // a MEX URL that serves no MEX document
    let o = sts.request(&["--mex", &sts.s.url("/health"), "--ca", &ca]);
    let e = one_line(&o);
    assert!(e.contains("not a MEX"), "{e}");

    // an endpoint that answers with something other than a token
    let o = sts.request(&["--endpoint", &sts.s.url("/health"), "--ca", &ca]);
    let e = one_line(&o);
    assert!(e.contains("not a SOAP envelope"), "{e}");
    let o = sts.request(&["--endpoint", &sts.endpoint("mex"), "--ca", &ca]);
    let e = one_line(&o);
    assert!(e.contains("unexpected response payload"), "{e}");

    // a plain http:// URL is refused before anything is sent
    let plain = url.replacen("https://", "http://", 1);
    let e = one_line(&sts.request(&["--endpoint", &plain, "--ca", &ca]));
    assert!(e.contains("HTTP"), "{e}");

    // the password never comes from argv
    let o = run(
        &[
            "request",
            "--endpoint",
            &url,
            "--user",
            "admin",
            "--password",
            PASSWORD,
        ],
        None,
    );
    let e = one_line(&o);
    assert!(!e.contains(PASSWORD), "{e}");
}

#[test]
fn request_key_types_reach_the_token() {
    let sts = Sts::start();
    let ca = sts.file("tls.crt");
    let sts_crt = sts.file("sts.crt");
    let rp_key = sts.file("rp.key");
    let proof = |token: &Path| {
        let o = inspect(token, &["--cert", &sts_crt, "--key", &rp_key]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let out = stdout(&o);
        out.lines()
            .find_map(|l| l.strip_prefix("proof-key: "))
            .unwrap()
            .to_owned()
    };
    let bearer = sts.out("bearer.xml");
    let o = sts.request(&[
        "--endpoint",
        &sts.endpoint("13/usernamemixed"),
        "--ca",
        &ca,
        "--key-type",
        "bearer",
        "--out",
        bearer.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(proof(&bearer), "none");
    let sym = sts.out("sym.xml");
    let o = sts.request(&[
        "--endpoint",
        &sts.endpoint("13/usernamemixed"),
        "--ca",
        &ca,
        "--key-type",
        "symmetric",
        "--out",
        sym.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(proof(&sym), "symmetric, decrypted with --key");
    let public = sts.out("public.xml");
    let o = run(
        &[
            "request",
            "--endpoint",
            &sts.endpoint("13/certificatemixed"),
            "--cert",
            &sts.file("client.crt"),
            "--key",
            &sts.file("client.key"),
            "--applies-to",
            RP,
            "--ca",
            &ca,
            "--key-type",
            "public",
            "--out",
            public.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(proof(&public), "RSA public key");
    // a public key needs a certificate to bind
    let o = sts.request(&[
        "--endpoint",
        &sts.endpoint("13/usernamemixed"),
        "--ca",
        &ca,
        "--key-type",
        "public",
    ]);
    assert!(one_line(&o).contains("--cert"));
}

#[test]
fn inspect_judges_the_token_it_got() {
    let sts = Sts::start();
    let ca = sts.file("tls.crt");
    let sts_crt = sts.file("sts.crt");
    let rp_key = sts.file("rp.key");
    let plain = sts.out("plain.xml");
    let sealed = sts.out("sealed.xml");
    let o = sts.request(&[
        "--endpoint",
        &sts.endpoint("13/usernamemixed"),
        "--ca",
        &ca,
        "--rp-key",
        &rp_key,
        "--out",
        plain.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = sts.request(&[
        "--endpoint",
        &sts.endpoint("13/usernamemixed"),
        "--ca",
        &ca,
        "--out",
        sealed.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));

    // valid with the STS's certificate, in clear or decrypted with --key
    for (token, extra) in [(&plain, vec![]), (&sealed, vec!["--key", rp_key.as_str()])] {
        let mut args = vec!["--cert", sts_crt.as_str()];
        args.extend(extra);
        let o = inspect(token, &args);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let out = stdout(&o);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines[0].starts_with("signature: valid"), "{out}");
        for want in [
            "validity: valid",
            "issuer: https://localhost/wstrust/dev",
            "subject: admin",
            "confirmation: urn:oasis:names:tc:SAML:2.0:cm:bearer",
            &format!("audience: {RP}"),
            "attribute: http://schemas.xmlsoap.org/ws/2005/05/identity/claims/role = \"Admin\"",
            "proof-key: none",
        ] {
            assert!(lines.contains(&want), "{want}: {out}");
        }
        assert!(lines.iter().any(|l| l.starts_with("not-before: ")), "{out}");
        assert!(
            lines.iter().any(|l| l.starts_with("not-on-or-after: ")),
            "{out}"
        );
    }

    // not a token: cannot run, with or without --cert
    for (name, body) in [
        ("other.xml", "<a/>"),
        ("text.txt", "not xml"),
        ("unsigned.xml", ""),
    ] {
        let path = sts.out(name);
        let body = if body.is_empty() {
            // an assertion with its signature removed
            let t = std::fs::read_to_string(&plain).unwrap();
            let a = t.find("<ds:Signature").unwrap();
            let b = t.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
            format!("{}{}", &t[..a], &t[b..])
        } else {
            body.to_owned()
        };
        std::fs::write(&path, body).unwrap();
        let o = inspect(&path, &[]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        one_line(&o);
        let o = inspect(&path, &["--cert", &sts_crt]);
        let want = if name == "unsigned.xml" { 1 } else { 2 };
        assert_eq!(o.status.code(), Some(want), "{name}: {}", stderr(&o));
    }

    // an encrypted token without --key cannot be read
    let o = inspect(&sealed, &["--cert", &sts_crt]);
    assert_eq!(o.status.code(), Some(2));
    assert!(one_line(&o).contains("--key"));

    // without --cert: read, but loudly not verified, and not exit 0
    let o = inspect(&plain, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("signature: NOT VERIFIED"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("subject: admin"));
    assert!(stderr(&o).contains("NOT VERIFIED"), "{}", stderr(&o));

    // another certificate: invalid, exit 1
    let o = inspect(&plain, &["--cert", &sts.file("rp.crt")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("signature: invalid"),
        "{}",
        stdout(&o)
    );

    // a tampered token: invalid, with or without --cert
    let text = std::fs::read_to_string(&plain).unwrap();
    let tampered = sts.out("tampered.xml");
    assert!(text.contains(">Admin<"));
    std::fs::write(&tampered, text.replace(">Admin<", ">Root<")).unwrap();
    for extra in [vec!["--cert", sts_crt.as_str()], vec![]] {
        let o = inspect(&tampered, &extra);
        assert_eq!(o.status.code(), Some(1), "{extra:?}: {}", stderr(&o));
        assert!(
            stdout(&o).starts_with("signature: invalid"),
            "{}",
            stdout(&o)
        );
        assert!(!stdout(&o).contains("Root"), "{}", stdout(&o));
    }

    // expired: checked at a time after NotOnOrAfter
    let o = inspect(
        &plain,
        &["--cert", &sts_crt, "--now", "2999-01-01T00:00:00Z"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stdout(&o).contains("validity: expired"), "{}", stdout(&o));
    let o = inspect(
        &plain,
        &["--cert", &sts_crt, "--now", "2000-01-01T00:00:00Z"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("validity: not yet valid"),
        "{}",
        stdout(&o)
    );

    // untrusted text is escaped on output (bidi and control characters),
    // in text and in JSON, in a token the STS's key really signed
    let sig_start = text.find("<ds:Signature").unwrap();
    let sig_end = text.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let mut unsigned = format!("{}{}", &text[..sig_start], &text[sig_end..]);
    assert!(unsigned.contains(">admin<"));
    unsigned = unsigned.replace(">admin<", ">ad&#x202E;min&#x9;<");
    let unsigned_path = sts.out("unsigned.xml");
    std::fs::write(&unsigned_path, unsigned).unwrap();
    let o = run(
        &[
            "sign",
            "--key",
            &sts.file("sts.key"),
            "--cert",
            &sts_crt,
            unsigned_path.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let resigned = sts.out("resigned.xml");
    std::fs::write(&resigned, &o.stdout).unwrap();
    let o = inspect(&resigned, &["--cert", &sts_crt]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains('\u{202e}') && !out.contains('\t'), "{out:?}");
    assert!(out.contains("subject: ad\\u{202e}min\n"), "{out:?}");
    assert!(out.contains("/name = \"ad\\u{202e}min\\t\"\n"), "{out:?}");
    let o = inspect(&resigned, &["--cert", &sts_crt, "--json"]);
    let out = stdout(&o);
    assert!(!out.contains('\u{202e}') && !out.contains('\t'), "{out:?}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["subject"], "ad\u{202e}min");
    assert!(v["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["values"] == serde_json::json!(["ad\u{202e}min\t"])));

    // --json: one object with the documented fields
    let o = inspect(&plain, &["--cert", &sts_crt, "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["signature"], "valid");
    assert_eq!(v["issuer"], "https://localhost/wstrust/dev");
    assert_eq!(v["subject"], "admin");
    assert_eq!(v["audiences"], serde_json::json!([RP]));
    let nb = v["not_before"].as_str().unwrap();
    let noa = v["not_on_or_after"].as_str().unwrap();
    let parse = |s: &str| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
    };
    assert!(parse(nb) < parse(noa), "{nb} {noa}");
    let attrs = v["attributes"].as_array().unwrap();
    let role = attrs
        .iter()
        .find(|a| a["name"] == "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/role")
        .unwrap();
    assert!(role["values"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("Admin")));
    let rp_crt = sts.file("rp.crt");
    for (extra, word) in [
        (vec![], "not verified"),
        (vec!["--cert", &*rp_crt], "invalid"),
    ] {
        let mut args = vec!["--json"];
        args.extend(extra);
        let o = inspect(&plain, &args);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["signature"], word);
        assert_ne!(o.status.code(), Some(0));
    }
}
