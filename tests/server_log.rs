//! `wstrust serve` logs why it refused a request, on one line, and writes an
//! audit event for it, also when the refusal comes before the token service
//! (not XML, not SOAP, a limit, an encrypted or empty Body, a bad RST); the
//! client sees only the generic fault.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

mod server_common;

use server_common::*;

const S12: &str = "http://www.w3.org/2003/05/soap-envelope";
const WST: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";

fn envelope(body: &str) -> String {
    format!(r#"<s:Envelope xmlns:s="{S12}"><s:Header/><s:Body>{body}</s:Body></s:Envelope>"#)
}

/// A POST that declares `len` body bytes and sends none: the server refuses
/// the declared length at once. (Sending the body races the server's close:
/// the client may see a broken pipe or a reset instead of the 413.)
fn declare_only(url: &str, len: usize) -> (u16, String) {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut c = std::net::TcpStream::connect(host).unwrap();
    write!(
        c,
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: {SOAP12}\r\nContent-Length: {len}\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    c.read_to_string(&mut reply).unwrap();
    let status = reply
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = reply
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (status, body)
}

#[test]
fn every_refusal_before_the_token_service_logs_its_cause_and_is_audited() {
    let s = Server::start(&["--http", "--behind-tls-proxy"]);
    let a = s.agent();
    let to = s.url("/adfs/services/trust/13/usernamemixed");
    let deep = format!("{}{}", "<a>".repeat(300), "</a>".repeat(300));
    let big = envelope(&"x".repeat(2 << 20));
    // (class, request, what the logged cause must name)
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "malformed XML",
            "<s:Envelope><unclosed>password=hunter2".to_owned(),
            "malformed XML",
        ),
        (
            "not SOAP",
            "<notsoap xmlns=\"urn:x\"/>".to_owned(),
            "not a SOAP envelope",
        ),
        (
            "encrypted Body",
            envelope(
                r#"<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"><xenc:CipherData><xenc:CipherValue>AAAA</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>"#,
            ),
            "EncryptedData",
        ),
        (
            "empty RST",
            envelope(&format!(r#"<t:RequestSecurityToken xmlns:t="{WST}"/>"#)),
            "missing RequestType",
        ),
        ("empty Body", envelope(""), "missing Body payload"),
        ("depth limit", envelope(&deep), "nesting too deep"),
        ("size limit", big, "limit exceeded"),
    ];
    let mut seen = Vec::new();
    for (name, body, want) in &cases {
        let before = s.log.lock().unwrap().len();
        let (status, text) = if *name == "size limit" {
            declare_only(&to, body.len())
        } else {
            let (status, _, text) = post(&a, &to, SOAP12, body.as_bytes());
            (status, text)
        };
        assert!([400, 413, 500].contains(&status), "{name}: {status} {text}");
        // The log grows by one refusal line naming the cause, and one audit
        // event, for this request.
        let mut new = String::new();
        for _ in 0..100 {
            new = s.log.lock().unwrap()[before..].to_owned();
            if new.contains("request refused") && new.contains("audit failed") {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let refused: Vec<&str> = new
            .lines()
            .filter(|l| l.contains("request refused"))
            .collect();
        assert_eq!(refused.len(), 1, "{name}: {new}");
        let audit: Vec<&str> = new.lines().filter(|l| l.contains("audit failed")).collect();
        assert_eq!(audit.len(), 1, "{name}: {new}");
        assert!(
            audit[0].contains("operation=Unknown"),
            "{name}: {}",
            audit[0]
        );
        assert!(audit[0].contains(want), "{name}: {}", audit[0]);
        let cause = refused[0]
            .split_once("cause=")
            .unwrap_or_else(|| panic!("{name}: no cause in {}", refused[0]))
            .1
            .trim()
            .trim_matches('"');
        assert!(cause.contains(want), "{name}: {cause}");
        // No secrets in the log; the fault text stays generic.
        assert!(!new.contains("hunter2"), "{name}: {new}");
        assert!(!text.contains(cause), "{name}: the fault says {cause}");
        seen.push(format!("{name}: {cause}"));
    }
    println!("{}", seen.join("\n"));
    // Each class has its own cause.
    let mut causes: Vec<&str> = seen.iter().map(|l| l.split_once(": ").unwrap().1).collect();
    causes.sort();
    causes.dedup();
    assert_eq!(causes.len(), cases.len(), "{seen:#?}");
}
