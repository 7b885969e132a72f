//! Exit codes and one-line errors of `wstrust serve` and `wstrust keygen`.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

mod server_common;

use server_common::BIN;
use std::process::{Command, Output};

fn run(args: &[&str], dir: &std::path::Path) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("WSTRUST_DEMO_PASSWORD", "pw")
        .env("RUST_LOG", "off")
        .output()
        .unwrap()
}

fn one_line_error(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    assert!(err.starts_with("wstrust: "), "{err}");
    err
}

#[test]
fn port_in_use_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = run(&["serve", "--http", "--listen", &addr], dir.path());
    assert_eq!(out.status.code(), Some(3));
    let err = one_line_error(&out);
    assert!(err.contains("already in use"), "{err}");
    assert!(err.contains(&addr), "{err}");
}

#[test]
fn malformed_config_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("sts.toml");
    std::fs::write(&cfg, "[server]\nlisten = \"not an address\"\n").unwrap();
    let out = run(&["serve", "--config", cfg.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = one_line_error(&out);
    assert!(err.contains("sts.toml"), "{err}");

    std::fs::write(&cfg, "[server\n").unwrap();
    let out = run(&["serve", "--config", cfg.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(2));
    one_line_error(&out);

    std::fs::write(&cfg, "[server]\nunknown_knob = 1\n").unwrap();
    let out = run(&["serve", "--config", cfg.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = one_line_error(&out);
    assert!(err.contains("unknown_knob"), "{err}");

    let out = run(&["serve", "--config", "missing.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = one_line_error(&out);
    assert!(err.contains("missing.toml"), "{err}");
}

/// A bad relying-party pattern or default claim in `serve --config` stops
/// the start (exit 2, one line) instead of a party that matches nothing.
#[test]
fn bad_relying_party_settings_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let data = |p: &str| format!("{}/tests/data/{p}", env!("CARGO_MANIFEST_DIR"));
    let cfg = dir.path().join("sts.toml");
    for (party, says) in [
        (
            "address = \"https://hr.*.example/\"\npattern = true",
            "wildcard",
        ),
        (
            "address = \"urn:rp\"\nclaims = [\"urn:a\"]\ndefault_claims = [\"urn:b\"]",
            "default claim",
        ),
    ] {
        std::fs::write(
            &cfg,
            format!(
                "issuer = \"https://sts.example/\"\nsigning_key = \"{}\"\nsigning_certificate = \"{}\"\n[[relying_parties]]\n{party}\n[server]\nlisten = \"127.0.0.1:0\"\n",
                data("signer.key.pem"),
                data("signer.cert.pem")
            ),
        )
        .unwrap();
        let out = run(
            &["serve", "--http", "--config", cfg.to_str().unwrap()],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{party}");
        let err = one_line_error(&out);
        assert!(err.contains(says), "{party}: {err}");
    }
}

#[test]
fn missing_tls_files_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("sts.toml");
    std::fs::write(
        &cfg,
        "[server]\nlisten = \"127.0.0.1:0\"\ntls_cert = \"nope.crt\"\ntls_key = \"nope.key\"\n",
    )
    .unwrap();
    let out = run(&["serve", "--config", cfg.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = one_line_error(&out);
    assert!(err.contains("nope.crt"), "{err}");
}

#[test]
fn half_a_key_pair_in_the_data_dir_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::write(data.join("sts.key"), "-----BEGIN PRIVATE KEY-----\n").unwrap();
    let out = run(
        &[
            "serve",
            "--http",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            "data",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = one_line_error(&out);
    assert!(err.contains("sts.crt"), "{err}");

    // A corrupt key with its certificate present.
    std::fs::write(data.join("sts.crt"), "junk").unwrap();
    let out = run(
        &[
            "serve",
            "--http",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            "data",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = one_line_error(&out);
    assert!(err.contains("sts.key"), "{err}");
}

#[test]
fn keygen_writes_a_key_and_matching_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        &[
            "keygen", "--key", "k.pem", "--cert", "c.pem", "--cn", "test STS", "--bits", "3072",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{out:?}");
    let key =
        wstrust::keys::AwsLcRsaKey::from_pem(&std::fs::read(dir.path().join("k.pem")).unwrap())
            .unwrap();
    let cert =
        wstrust::keys::Certificate::from_pem(&std::fs::read(dir.path().join("c.pem")).unwrap())
            .unwrap();
    use wstrust::keys::PrivateKey;
    assert_eq!(key.public_key().modulus(), cert.public_key().modulus());
    assert_eq!(cert.public_key().bits(), 3072);
    assert!(cert.subject().contains("test STS"), "{}", cert.subject());
    // Refuses to overwrite without --force, refuses weak keys.
    let out = run(&["keygen", "--key", "k.pem", "--cert", "c.pem"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(one_line_error(&out).contains("exists"));
    let out = run(
        &[
            "keygen", "--key", "k2.pem", "--cert", "c2.pem", "--bits", "1024",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    one_line_error(&out);
}

/// Issue 17 item 15: `signature_algorithms` naming RSA-SHA1, which the
/// server's key cannot sign with, is a configuration error at load (exit 2,
/// one line), not a server whose every Issue fails.
#[test]
fn unsignable_signature_algorithm_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let data = |p: &str| format!("{}/tests/data/{p}", env!("CARGO_MANIFEST_DIR"));
    let cfg = dir.path().join("sts.toml");
    std::fs::write(
        &cfg,
        format!(
            "issuer = \"https://sts.example/\"\nsigning_key = \"{}\"\nsigning_certificate = \"{}\"\nsignature_algorithms = [\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\", \"http://www.w3.org/2000/09/xmldsig#rsa-sha1\"]\n[server]\nlisten = \"127.0.0.1:0\"\n",
            data("signer.key.pem"),
            data("signer.cert.pem")
        ),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--http", "--config", cfg.to_str().unwrap()])
        .current_dir(dir.path())
        .env("RUST_LOG", "off")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A server that starts is the bug: stop it rather than hang.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    assert_eq!(status.and_then(|s| s.code()), Some(2), "server started");
    let err = one_line_error(&out);
    assert!(err.contains("rsa-sha1"), "{err}");
}

#[test]
fn config_without_tls_refuses_plain_http_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let (cdir, cfg) = server_common::config_dir("");
    // The same STS settings without the TLS files.
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("tls_cert = \"tls.crt\"\n", "")
        .replace("tls_key = \"tls.key\"\n", "")
        .replace("127.0.0.1:9", "127.0.0.1:0");
    std::fs::write(&cfg, &text).unwrap();
    let out = run(&["serve", "--config", cfg.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = one_line_error(&out);
    assert!(
        err.contains("plain HTTP") && err.contains("--http"),
        "{err}"
    );
    assert!(err.contains("sts.toml"), "{err}");
    // `http = true` asks for it; with TLS files as well it contradicts them.
    std::fs::write(&cfg, text.replace("[server]\n", "[server]\nhttp = true\n")).unwrap();
    let s = server_common::Server::start_in(cdir, &["--config", cfg.to_str().unwrap()]);
    assert!(s.base.starts_with("http://"), "{}", s.base);
    drop(s);
    let (_cdir, cfg) = server_common::config_dir("http = true");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(&cfg, text.replace("127.0.0.1:9", "127.0.0.1:0")).unwrap();
    let out = run(&["serve", "--config", cfg.to_str().unwrap()], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(one_line_error(&out).contains("contradicts"));
}

#[test]
fn argument_errors_are_one_line_and_help_is_not() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["serve", "--bogus"][..],
        &["serve", "--listen", "not-an-address"],
        &["serve", "--max-body"],
        &["frobnicate"],
        &["keygen", "--bits", "many"],
    ] {
        let out = run(args, dir.path());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = one_line_error(&out);
        assert!(err.ends_with("(see --help)"), "{err}");
        assert!(!err.contains("error:") && !err.contains("Usage"), "{err}");
    }
    let err = one_line_error(&run(&["serve", "--bogus"], dir.path()));
    assert!(err.contains("--bogus"), "{err}");
    // Help stays clap's, on stdout, exit 0.
    let out = run(&["serve", "--help"], dir.path());
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.lines().count() > 10, "{help}");
    assert!(help.contains("Usage"), "{help}");
}

#[test]
fn serve_help_says_where_metadata_addresses_come_from() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["serve", "--help"], dir.path());
    let help = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(!help.contains("taken from each request"), "{help}");
    assert!(
        help.contains(
            "default: the configured `endpoints`, else the address each connection was accepted on"
        ),
        "{help}"
    );
}
