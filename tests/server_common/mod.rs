//! Starting the real `wstrust` binary on a loopback port for the server
//! tests, and a real HTTP client (ureq) to call it.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_wstrust");
pub const PASSWORD: &str = "correct horse battery staple";

/// A running `wstrust serve`, killed on drop.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub dir: tempfile::TempDir,
    pub banner: Vec<String>,
    /// The server's log (stderr), first MiB.
    pub log: Arc<std::sync::Mutex<String>>,
}

impl Server {
    /// `wstrust serve --listen 127.0.0.1:0 --data-dir <tmp>` plus `extra`.
    pub fn start(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, extra)
    }

    pub fn start_in(dir: tempfile::TempDir, extra: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .args(extra)
            .env("WSTRUST_DEMO_PASSWORD", PASSWORD)
            // The server's log level: `WSTRUST_TEST_LOG=debug` shows hyper's frames.
            .env(
                "RUST_LOG",
                std::env::var("WSTRUST_TEST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = Vec::new();
        let mut base = None;
        for line in lines.by_ref() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("wstrust STS listening on ") {
                base = Some(rest.trim().to_owned());
            }
            let done = line.starts_with("Press Ctrl-C");
            banner.push(line);
            if done {
                break;
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let base = base.unwrap_or_else(|| {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("server did not start: {banner:?} {err}")
        });
        // Drain the log too: a full pipe would stall the server.
        let stderr = child.stderr.take();
        let log = Arc::new(std::sync::Mutex::new(String::new()));
        if let Some(mut err) = stderr {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut l = log.lock().unwrap();
                    if l.len() < 1 << 20 {
                        l.push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                }
            });
        }
        Self {
            child,
            base,
            dir,
            banner,
            log,
        }
    }

    /// Wait (up to 5 s) until the log holds every one of `needles` (it is
    /// read by another thread, so a line can arrive after the reply); the
    /// log.
    pub fn wait_log(&self, needles: &[&str]) -> String {
        for _ in 0..100 {
            let log = self.log.lock().unwrap().clone();
            if needles.iter().all(|n| log.contains(n)) {
                return log;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = self.log.lock().unwrap().clone();
        panic!("log lacks {needles:?}: {log}");
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The `host:port` part.
    pub fn addr(&self) -> String {
        self.base.split("://").nth(1).unwrap().to_owned()
    }

    /// An agent that trusts the server's development TLS certificate.
    pub fn agent(&self) -> ureq::Agent {
        let ca = self.data().join("tls.crt");
        agent(self.base.starts_with("https://").then_some(ca.as_path()))
    }

    /// Send SIGTERM and wait for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(ok.success());
        for _ in 0..200 {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not stop within 10 s of SIGTERM");
    }

    /// The server's resident memory in KiB (Linux).
    pub fn rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A ureq agent that reports HTTP errors as responses, optionally trusting
/// one PEM certificate.
pub fn agent(ca: Option<&Path>) -> ureq::Agent {
    let mut cfg = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)));
    if let Some(ca) = ca {
        let pem = std::fs::read(ca).unwrap();
        let cert = ureq::tls::Certificate::from_pem(&pem).unwrap();
        cfg = cfg.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(Arc::new(vec![cert])))
                .unversioned_rustls_crypto_provider(Arc::new(
                    rustls::crypto::aws_lc_rs::default_provider(),
                ))
                .build(),
        );
    }
    cfg.build().into()
}

/// POST `body` with `content_type`; (status, content type, body).
pub fn post(
    agent: &ureq::Agent,
    url: &str,
    content_type: &str,
    body: &[u8],
) -> (u16, String, String) {
    let mut resp = agent
        .post(url)
        .header("Content-Type", content_type)
        .send(body)
        .unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = resp.body_mut().read_to_string().unwrap();
    (status, ct, text)
}

pub fn get(agent: &ureq::Agent, url: &str) -> (u16, String, String) {
    let mut resp = agent.get(url).call().unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let text = resp.body_mut().read_to_string().unwrap();
    (status, ct, text)
}

pub const SOAP12: &str = "application/soap+xml; charset=utf-8";
pub const SOAP11: &str = "text/xml; charset=utf-8";

/// An Issue request for `user`/`password` in WS-Trust 1.3 (SOAP 1.2) or
/// 2005/02 (SOAP 1.1 when `soap11`).
pub fn issue_request(trust13: bool, soap11: bool, to: &str, user: &str, password: &str) -> String {
    let soap = if soap11 {
        "http://schemas.xmlsoap.org/soap/envelope/"
    } else {
        "http://www.w3.org/2003/05/soap-envelope"
    };
    let (wst, key_type, token_type) = if trust13 {
        (
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512",
            "http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer",
            "urn:oasis:names:tc:SAML:2.0:assertion",
        )
    } else {
        (
            "http://schemas.xmlsoap.org/ws/2005/02/trust",
            "http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey",
            "urn:oasis:names:tc:SAML:1.0:assertion",
        )
    };
    let created = now();
    format!(
        r#"<s:Envelope xmlns:s="{soap}" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><s:Header><a:Action s:mustUnderstand="1">{wst}/RST/Issue</a:Action><a:MessageID>urn:uuid:6a4b6a44-1b0f-4c1e-9a1e-2f0b5c3d7e01</a:MessageID><a:To s:mustUnderstand="1">{to}</a:To><o:Security s:mustUnderstand="1" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><u:Timestamp u:Id="_0"><u:Created>{created}</u:Created></u:Timestamp><o:UsernameToken><o:Username>{user}</o:Username><o:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">{password}</o:Password></o:UsernameToken></o:Security></s:Header><s:Body><t:RequestSecurityToken xmlns:t="{wst}"><wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><a:EndpointReference><a:Address>https://localhost:9444/services/echo</a:Address></a:EndpointReference></wsp:AppliesTo><t:KeyType>{key_type}</t:KeyType><t:RequestType>{wst}/Issue</t:RequestType><t:TokenType>{token_type}</t:TokenType></t:RequestSecurityToken></s:Body></s:Envelope>"#
    )
}

/// The current time as a WS-Security `Created`.
pub fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// A folder with keys made by `wstrust keygen` and an `sts.toml` whose
/// `[server]` table has `server_extra` appended.
pub fn config_dir(server_extra: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    for (name, cn) in [("sts", "config STS"), ("tls", "localhost"), ("rp", "rp")] {
        let st = std::process::Command::new(BIN)
            .current_dir(p)
            .args([
                "keygen",
                "--key",
                &format!("{name}.key"),
                "--cert",
                &format!("{name}.crt"),
            ])
            .args(["--cn", cn, "--san", "localhost", "--san", "127.0.0.1"])
            .output()
            .unwrap();
        assert!(st.status.success(), "{st:?}");
    }
    std::fs::write(
        p.join("sts.toml"),
        format!(
            r#"issuer = "https://sts.config.test/"
signing_key = "sts.key"
signing_certificate = "sts.crt"
lifetime_secs = 600

[[users]]
name = "carol"
password = "carol-password"
roles = ["Internal/everyone"]

[[relying_parties]]
address = "https://localhost:9444/services/echo"
certificate = "rp.crt"
encrypt = false

[server]
listen = "127.0.0.1:9"
tls_cert = "tls.crt"
tls_key = "tls.key"
{server_extra}
"#
        ),
    )
    .unwrap();
    let cfg = p.join("sts.toml");
    (dir, cfg)
}

/// A Validate, Renew or Cancel request (`kind`) in WS-Trust 1.3 over
/// SOAP 1.2 for `user`/`password`, with `inner` in the RST after the
/// `RequestType`.
pub fn op_request(to: &str, user: &str, password: &str, kind: &str, inner: &str) -> String {
    let wst = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
    let req = issue_request(true, false, to, user, password);
    // Same envelope and credentials, another request type and target.
    let body_start = req.find("<t:RequestSecurityToken").unwrap();
    format!(
        "{}<t:RequestSecurityToken xmlns:t=\"{wst}\"><t:RequestType>{wst}/{kind}</t:RequestType>{inner}</t:RequestSecurityToken></s:Body></s:Envelope>",
        &req[..body_start]
    )
    .replace("/RST/Issue", &format!("/RST/{kind}"))
}

/// The WS-Trust 1.3 `Status/Code` of a Validate of `token` at `to`.
pub fn status_of(agent: &ureq::Agent, to: &str, user: &str, password: &str, token: &str) -> String {
    let wst = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";
    let req = op_request(
        to,
        user,
        password,
        "Validate",
        &format!("<t:TokenType>{wst}/RSTR/Status</t:TokenType><t:ValidateTarget>{token}</t:ValidateTarget>"),
    );
    let (status, _, text) = post(agent, to, SOAP12, req.as_bytes());
    assert_eq!(status, 200, "{text}");
    let d = roxmltree::Document::parse(&text).unwrap();
    d.descendants()
        .find(|n| n.has_tag_name((wst, "Code")))
        .and_then(|n| n.text())
        .unwrap_or_else(|| panic!("no status in {text}"))
        .to_owned()
}

/// The first SAML assertion in `text`, as it appears there.
pub fn assertion_in(text: &str) -> String {
    let d = roxmltree::Document::parse(text).unwrap();
    let a = d
        .descendants()
        .find(|n| n.tag_name().name() == "Assertion")
        .unwrap_or_else(|| panic!("no assertion in {text}"));
    text[a.range()].to_owned()
}
