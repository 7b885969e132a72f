//! `wstrust serve --config FILE`: one TOML file. Its top level configures
//! the STS in the format `wstrust issue --config` reads (issuer, keys,
//! lifetimes, policy, users, relying parties: docs/configuration.md); its
//! `[server]` table the transport (listen address, TLS, limits, timeouts).

use crate::serve::{tls_config, Fail, Setup, DEFAULT_LISTEN};
use crate::serve_http::Transport;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use wstrust::memory::MemoryTokenStore;
use wstrust::sts::Sts;
use wstrust::Limits;

/// Default capacity of the in-memory token store.
const DEFAULT_TOKEN_CAPACITY: usize = 100_000;

/// The `[server]` table. Every field is optional; defaults are listed.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServerSection {
    /// `ADDR:PORT` to listen on (default `127.0.0.1:9443`).
    listen: Option<SocketAddr>,
    /// Base URL written into metadata (default: the configured `endpoints`,
    /// else the address each connection was accepted on).
    public_url: Option<String>,
    /// PEM certificate chain for HTTPS (relative paths: to the config file).
    tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS.
    tls_key: Option<PathBuf>,
    /// Largest request body in bytes (default 1 MiB).
    max_body_bytes: Option<usize>,
    /// Seconds allowed for a request's headers (default 10).
    header_timeout_secs: Option<u64>,
    /// Seconds allowed for a request's body (default 30).
    body_timeout_secs: Option<u64>,
    /// Seconds allowed for a TLS handshake (default 10).
    handshake_timeout_secs: Option<u64>,
    /// Seconds a connection may stay without an open request (default 30).
    idle_timeout_secs: Option<u64>,
    /// Seconds a ready response may wait for the client to read it (default 30).
    send_timeout_secs: Option<u64>,
    /// Open connections at most (default 1024).
    max_connections: Option<usize>,
    /// Open connections from one IP address at most (default 128, or
    /// `max_connections` with `behind_tls_proxy`).
    max_connections_per_ip: Option<usize>,
    /// Bytes of request bodies and responses held at once (default 64 MiB).
    max_buffered_bytes: Option<usize>,
    /// Seconds shutdown waits for open requests (default 10).
    shutdown_grace_secs: Option<u64>,
    /// Where issued tokens are remembered for validate, renew and cancel:
    /// `memory` (default), `none`, or a `redis://` URL (feature `redis`).
    token_store: Option<String>,
    /// Tokens the memory store keeps at most (default 100 000).
    token_capacity: Option<usize>,
    /// Plain HTTP behind a proxy that terminated TLS (default false).
    #[serde(default)]
    behind_tls_proxy: bool,
    /// Serve plain HTTP, as `--http` does (default false: without
    /// `tls_cert`/`tls_key` the server refuses to start).
    #[serde(default)]
    http: bool,
}

/// The `[server]` table and the STS's own addresses (advertised in the
/// metadata when `public_url` is not set); the rest is the STS's.
#[derive(Debug, Default, Deserialize)]
struct File {
    #[serde(default)]
    server: ServerSection,
    #[serde(default)]
    endpoints: Vec<String>,
}

/// Many-line parser messages as one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Read and check `path`; one-line errors name the file and the problem.
pub(crate) fn load(path: &Path) -> Result<Setup, Fail> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Fail::config(format!("cannot read config {}: {e}", path.display())))?;
    let file: File = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let msg = e.message().replace('\n', " ");
        Fail::config(match line {
            Some(l) => format!("invalid config {}: line {l}: {msg}", path.display()),
            None => format!("invalid config {}: {msg}", path.display()),
        })
    })?;
    let base = path.parent().unwrap_or_else(|| Path::new("."));
    let s = file.server;
    let endpoints = file.endpoints;
    if s.http && (s.tls_cert.is_some() || s.tls_key.is_some()) {
        return Err(Fail::config(format!(
            "invalid config {}: [server] http = true (plain HTTP) contradicts tls_cert/tls_key",
            path.display()
        )));
    }
    let tls = match (&s.tls_cert, &s.tls_key) {
        (Some(c), Some(k)) => Some(tls_config(&base.join(c), &base.join(k))?),
        (None, None) => None,
        _ => {
            return Err(Fail::config(format!(
                "invalid config {}: [server] needs both tls_cert and tls_key, or neither",
                path.display()
            )))
        }
    };
    let invalid = |e: String| Fail::config(format!("invalid config {}", one_line(&e)));
    let (mut builder, _) =
        crate::issue::builder_from_toml(&text, path, None, false).map_err(invalid)?;
    builder = builder.audit(Arc::new(crate::serve::TracingAudit));
    match s.token_store.as_deref() {
        None | Some("memory") => {
            builder = builder.token_store(Arc::new(MemoryTokenStore::new(
                s.token_capacity.unwrap_or(DEFAULT_TOKEN_CAPACITY),
            )));
        }
        Some("none") => {}
        #[cfg(feature = "redis")]
        Some(url) if url.starts_with("redis://") || url.starts_with("rediss://") => {
            let store = wstrust::redis::RedisTokenStore::open(url, "wstrust")
                .map_err(|e| Fail::config(format!("token store {url}: {e}")))?;
            builder = builder.token_store(Arc::new(store));
        }
        Some(other) => {
            return Err(Fail::config(format!(
                "invalid config {}: [server] token_store {other:?} (memory, none{})",
                path.display(),
                if cfg!(feature = "redis") {
                    ", redis://..."
                } else {
                    ""
                }
            )))
        }
    }
    let sts: Arc<dyn wstrust::service::TokenService> = Arc::new(Sts::new(
        builder.build().map_err(|e| invalid(e.to_string()))?,
    ));
    let mut t = Transport::default();
    if let Some(n) = s.max_body_bytes {
        t.max_body = n;
    }
    if let Some(n) = s.header_timeout_secs {
        t.header_timeout = Duration::from_secs(n);
    }
    if let Some(n) = s.body_timeout_secs {
        t.body_timeout = Duration::from_secs(n);
    }
    if let Some(n) = s.handshake_timeout_secs {
        t.handshake_timeout = Duration::from_secs(n);
    }
    if let Some(n) = s.idle_timeout_secs {
        t.idle_timeout = Duration::from_secs(n);
    }
    if let Some(n) = s.send_timeout_secs {
        t.send_timeout = Duration::from_secs(n);
    }
    if let Some(n) = s.max_connections {
        t.max_connections = n;
    }
    t.max_connections_per_ip = s.max_connections_per_ip;
    if let Some(n) = s.max_buffered_bytes {
        t.max_buffered_bytes = n;
    }
    if let Some(n) = s.shutdown_grace_secs {
        t.shutdown_grace = Duration::from_secs(n);
    }
    t.public_url = s.public_url;
    t.endpoints = endpoints;
    t.behind_tls_proxy = s.behind_tls_proxy;
    Ok(Setup {
        listen: match s.listen {
            Some(l) => l,
            None => DEFAULT_LISTEN
                .parse()
                .map_err(|_| Fail::config("bad default address"))?,
        },
        tls,
        plain_http: s.http,
        // One policy for every endpoint: certificatemixed works when it
        // allows X.509 signatures (`[policy] kind = "non_repudiation"` and
        // `trust_anchors`).
        certificate_service: Some(Arc::clone(&sts)),
        service: sts,
        transport: t,
        limits: Limits::default(),
        demo: None,
    })
}
