//! `wstrust serve`: a real HTTP(S) STS around the library's sans-I/O entry
//! point. With no arguments it runs on embedded development defaults kept in
//! a data folder; with `--config FILE` it runs from a TOML file.
//!
//! Exit codes: 0 after a clean shutdown, 2 for configuration errors
//! (malformed config, missing or invalid key files), 3 when the address
//! cannot be bound (port in use, permission), 1 for anything else.

use crate::serve_config;
use crate::serve_defaults;
use crate::serve_http::{self, App, EndpointKind, Transport, HEALTH_PATH, MEX_PATH, STS_PATHS};
use clap::Args as ClapArgs;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use tokio::sync::Semaphore;
use tracing::{info, warn};
use wstrust::service::{RequestContext, TokenService, TransportContext};
use wstrust::wst::{Rst, Rstr};
use wstrust::{Error, Limits};

/// The default listening address: loopback only.
pub(crate) const DEFAULT_LISTEN: &str = "127.0.0.1:9443";
/// The default data folder, relative to the working directory.
pub(crate) const DEFAULT_DATA_DIR: &str = "wstrust-data";

/// Arguments of `wstrust serve`.
#[derive(ClapArgs, Debug)]
pub(crate) struct Args {
    /// Address and port to listen on (port 0 picks a free one).
    #[arg(long, value_name = "ADDR:PORT")]
    listen: Option<SocketAddr>,
    /// Folder for the development keys, certificates and demo password
    /// (created on first start).
    #[arg(long, value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
    /// Run from a TOML configuration file instead of the embedded defaults.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Serve plain HTTP instead of HTTPS (for a TLS-terminating proxy in
    /// front, or local experiments).
    #[arg(long)]
    http: bool,
    /// The public base URL (`https://sts.example.com`) written into metadata;
    /// default: the configured `endpoints`, else the address each connection
    /// was accepted on (never the request's Host header).
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// With --http behind a proxy that terminated TLS: treat requests as
    /// having arrived over TLS (the policy accepts passwords only then).
    #[arg(long)]
    behind_tls_proxy: bool,
    /// Largest request body in bytes (413 above).
    #[arg(long, value_name = "BYTES")]
    max_body: Option<usize>,
    /// Seconds allowed for a request head, and for a new connection's first
    /// request (default 10).
    #[arg(long, value_name = "SECS")]
    header_timeout: Option<u64>,
    /// Seconds a connection may stay with no request open before it is
    /// closed (HTTP/1.1 keep-alive, HTTP/2 even if it answers PINGs;
    /// default 30).
    #[arg(long, value_name = "SECS")]
    idle_timeout: Option<u64>,
    /// Seconds a ready response may wait for the client to read it before
    /// the connection is closed (default 30).
    #[arg(long, value_name = "SECS")]
    send_timeout: Option<u64>,
    /// Open connections at most (default 1024).
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Open connections from one IP address at most (default 128, or
    /// --max-connections with --behind-tls-proxy).
    #[arg(long, value_name = "N")]
    max_connections_per_ip: Option<usize>,
    /// Bytes of request bodies and responses held in memory at once, over
    /// all connections; requests past it get 503 (default 64 MiB).
    #[arg(long, value_name = "BYTES")]
    max_buffered_bytes: Option<usize>,
}

/// A startup failure: a one-line message and the exit code.
pub(crate) struct Fail {
    pub(crate) code: u8,
    pub(crate) msg: String,
}

impl Fail {
    pub(crate) fn config(msg: impl Into<String>) -> Self {
        Self {
            code: 2,
            msg: msg.into(),
        }
    }
}

/// Everything `serve` needs, from defaults or a config file.
pub(crate) struct Setup {
    pub(crate) listen: SocketAddr,
    pub(crate) tls: Option<Arc<rustls::ServerConfig>>,
    /// Plain HTTP was asked for (`--http`, `[server] http = true`): without
    /// it and without TLS the server refuses to start.
    pub(crate) plain_http: bool,
    pub(crate) service: Arc<dyn TokenService>,
    /// The service of the `certificatemixed` endpoints (X.509-signed
    /// messages); `None`: those paths answer 404.
    pub(crate) certificate_service: Option<Arc<dyn TokenService>>,
    pub(crate) transport: Transport,
    pub(crate) limits: Limits,
    /// The embedded defaults in use, if so (credentials, a request to try).
    pub(crate) demo: Option<crate::serve_defaults::Demo>,
}

pub(crate) fn run(args: Args) -> Result<ExitCode, String> {
    init_logging();
    match start(args) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(f) => {
            eprintln!("wstrust: {}", f.msg);
            Ok(ExitCode::from(f.code))
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

fn start(args: Args) -> Result<(), Fail> {
    let mut setup = match &args.config {
        Some(path) => serve_config::load(path)?,
        None => serve_defaults::setup(&args.data_dir, !args.http)?,
    };
    if let Some(l) = args.listen {
        setup.listen = l;
    }
    if args.http {
        setup.tls = None;
        setup.plain_http = true;
    }
    if setup.tls.is_none() && !setup.plain_http {
        // Passwords and tokens in clear text only when asked for.
        return Err(Fail::config(format!(
            "{}: no tls_cert/tls_key in [server]; refusing to serve plain HTTP unless asked for (--http, or http = true in [server])",
            args.config
                .as_deref()
                .map_or_else(|| "configuration".to_owned(), |p| p.display().to_string())
        )));
    }
    if let Some(u) = args.public_url {
        setup.transport.public_url = Some(u);
    }
    if args.behind_tls_proxy {
        setup.transport.behind_tls_proxy = true;
    }
    if let Some(n) = args.max_body {
        setup.transport.max_body = n;
    }
    let t = &mut setup.transport;
    if let Some(n) = args.header_timeout {
        t.header_timeout = std::time::Duration::from_secs(n);
    }
    if let Some(n) = args.idle_timeout {
        t.idle_timeout = std::time::Duration::from_secs(n);
    }
    if let Some(n) = args.send_timeout {
        t.send_timeout = std::time::Duration::from_secs(n);
    }
    if let Some(n) = args.max_connections {
        t.max_connections = n;
    }
    if let Some(n) = args.max_connections_per_ip {
        t.max_connections_per_ip = Some(n);
    }
    if let Some(n) = args.max_buffered_bytes {
        t.max_buffered_bytes = n;
    }
    setup.limits.max_bytes = setup.transport.max_body;
    if setup.transport.max_buffered_bytes / 4 * 3 < setup.transport.max_body {
        // Bodies may take three quarters of the budget.
        warn!(
            max_buffered_bytes = setup.transport.max_buffered_bytes,
            max_body = setup.transport.max_body,
            "max_buffered_bytes is below 4/3 of max_body: the largest requests will get 503"
        );
    }
    if setup.transport.public_url.is_none()
        && setup.transport.endpoints.is_empty()
        && (setup.listen.ip().is_unspecified() || setup.transport.behind_tls_proxy)
    {
        // The metadata never takes its addresses from an arbitrary Host
        // header: without a configured address, clients are pointed at the
        // address a connection was accepted on.
        warn!("no --public-url: metadata names the address each connection was accepted on");
    }

    let std_listener = std::net::TcpListener::bind(setup.listen).map_err(|e| Fail {
        code: 3,
        msg: match e.kind() {
            std::io::ErrorKind::AddrInUse => format!(
                "cannot listen on {}: address already in use (another server running? choose one with --listen)",
                setup.listen
            ),
            _ => format!("cannot listen on {}: {e}", setup.listen),
        },
    })?;
    std_listener
        .set_nonblocking(true)
        .map_err(|e| Fail::config(format!("cannot configure socket: {e}")))?;
    let local = std_listener
        .local_addr()
        .map_err(|e| Fail::config(format!("cannot read local address: {e}")))?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("wstrust")
        .build()
        .map_err(|e| Fail {
            code: 1,
            msg: format!("cannot start runtime: {e}"),
        })?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(std_listener).map_err(|e| Fail {
            code: 1,
            msg: format!("cannot register listener: {e}"),
        })?;
        let shutdown = shutdown_signal();
        let scheme = if setup.tls.is_some() { "https" } else { "http" };
        let base = format!("{scheme}://{local}");
        print_banner(&base, &setup);
        info!(address = %local, tls = setup.tls.is_some(), "listening");
        let tls = setup.tls.map(tokio_rustls::TlsAcceptor::from);
        let app = Arc::new(App {
            service: Arc::new(Logged(setup.service)),
            certificate_service: setup
                .certificate_service
                .map(|s| Arc::new(Logged(s)) as Arc<dyn TokenService>),
            limits: setup.limits,
            in_flight: Semaphore::new(setup.transport.max_in_flight),
            buffered: App::budget(&setup.transport),
            transport: setup.transport,
        });
        serve_http::run(listener, tls, app, shutdown).await;
        Ok::<(), Fail>(())
    })?;
    info!("stopped");
    Ok(())
}

fn print_banner(base: &str, setup: &Setup) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "wstrust STS listening on {base}");
    let _ = writeln!(out, "  endpoints:");
    for e in STS_PATHS {
        if e.kind == EndpointKind::Certificate && setup.certificate_service.is_none() {
            continue;
        }
        let _ = writeln!(out, "    {base}{}", e.path);
    }
    let _ = writeln!(out, "  metadata:  {base}{MEX_PATH}");
    let _ = writeln!(out, "  health:    {base}{HEALTH_PATH}");
    for line in setup.demo.iter().flat_map(|d| d.banner(base)) {
        let _ = writeln!(out, "{line}");
    }
    let _ = writeln!(out, "Press Ctrl-C to stop.");
    let _ = out.flush();
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is
/// called (inside the runtime, before the banner announces the server), not
/// when first polled: a signal right after the banner must not kill the
/// process with the default action.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, Signal, SignalKind};
        let int = signal(SignalKind::interrupt()).ok();
        let term = signal(SignalKind::terminate()).ok();
        let wait = |s: Option<Signal>| async move {
            match s {
                Some(mut s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        async move {
            tokio::select! {
                () = wait(int) => info!("Ctrl-C received"),
                () = wait(term) => info!("SIGTERM received"),
            }
        }
    }
    #[cfg(not(unix))]
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        info!("Ctrl-C received");
    }
}

/// Logs the cause of every failed request (the peer only sees a generic
/// fault), then passes the call on.
struct Logged(Arc<dyn TokenService>);

impl Logged {
    fn log(
        op: &str,
        cx: &RequestContext<'_, '_, '_>,
        r: Result<Rstr, Error>,
    ) -> Result<Rstr, Error> {
        if let Err(e) = &r {
            let peer = cx.transport.peer.map(|p| p.to_string()).unwrap_or_default();
            // Debug-quoted: error texts can carry request text.
            warn!(op, %peer, cause = ?e.to_string(), "request refused");
        }
        r
    }
}

impl TokenService for Logged {
    fn issue(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        Self::log("issue", cx, self.0.issue(rst, cx))
    }
    fn validate(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        Self::log("validate", cx, self.0.validate(rst, cx))
    }
    fn renew(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        Self::log("renew", cx, self.0.renew(rst, cx))
    }
    fn cancel(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        Self::log("cancel", cx, self.0.cancel(rst, cx))
    }
    fn message_id(&self) -> Option<String> {
        self.0.message_id()
    }
    /// Refused before any operation ran (malformed XML, not SOAP, a limit,
    /// an encrypted or empty Body, a malformed RST): the cause, on one line.
    fn refused(&self, error: &Error, transport: &TransportContext) {
        let peer = transport.peer.map(|p| p.to_string()).unwrap_or_default();
        warn!(op = "none", %peer, cause = ?error.to_string(), "request refused");
        self.0.refused(error, transport);
    }
}

/// Audit events as structured log lines (target `audit`); events never
/// carry secrets.
#[derive(Debug)]
pub(crate) struct TracingAudit;

impl wstrust::audit::AuditObserver for TracingAudit {
    fn event(&self, e: &wstrust::audit::AuditEvent) {
        // Debug-formatted: each value quoted (and escaped), so request text
        // with spaces and `key=` cannot pose as another field of the line.
        let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".to_owned());
        match &e.outcome {
            Ok(()) => info!(
                target: "audit",
                operation = ?e.operation,
                requester = ?dash(&e.requester),
                subject = ?dash(&e.subject),
                relying_party = ?dash(&e.relying_party),
                token = ?dash(&e.token_id),
                "audit ok"
            ),
            Err(reason) => warn!(
                target: "audit",
                operation = ?e.operation,
                requester = ?dash(&e.requester),
                relying_party = ?dash(&e.relying_party),
                ?reason,
                "audit failed"
            ),
        }
    }
}

/// A rustls server configuration from PEM files.
pub(crate) fn tls_config(
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<Arc<rustls::ServerConfig>, Fail> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            Fail::config(format!(
                "cannot read TLS certificate {}: {e}",
                cert.display()
            ))
        })?;
    if certs.is_empty() {
        return Err(Fail::config(format!(
            "no certificate in {}",
            cert.display()
        )));
    }
    let key = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| Fail::config(format!("cannot read TLS key {}: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Fail::config(format!("TLS: {e}")))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| Fail::config(format!("TLS certificate and key do not fit: {e}")))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
