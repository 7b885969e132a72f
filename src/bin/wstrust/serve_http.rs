//! The HTTP(S) adapter of `wstrust serve`: bytes from hyper/axum into
//! `wstrust::service::handle_soap`, bytes back. Everything WS-Trust happens
//! in the library; this file only does transport: routing, size and time
//! limits, TLS, connection accounting, logging and graceful shutdown.

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use http_body_util::{BodyExt, Limited};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tracing::{debug, info, warn};
use wstrust::mex;
use wstrust::service::{handle_soap, TokenService, TransportContext};
use wstrust::soap::SoapVersion;
use wstrust::wst::Version;
use wstrust::xml::ns;
use wstrust::Limits;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EndpointKind {
    /// The main service (`usernamemixed`, `/services/sts`).
    Main,
    /// The `certificatemixed` service: X.509-signed messages.
    Certificate,
}

/// One WS-Trust endpoint path.
pub(crate) struct StsPath {
    pub(crate) path: &'static str,
    /// The WS-Trust version it is described as in the metadata (`None`:
    /// served, not advertised).
    pub(crate) advertised: Option<Version>,
    pub(crate) kind: EndpointKind,
}

/// The WS-Trust endpoint paths.
pub(crate) const STS_PATHS: &[StsPath] = &[
    StsPath {
        path: "/adfs/services/trust/13/usernamemixed",
        advertised: Some(Version::Trust13),
        kind: EndpointKind::Main,
    },
    StsPath {
        path: "/adfs/services/trust/2005/usernamemixed",
        advertised: Some(Version::Trust2005),
        kind: EndpointKind::Main,
    },
    StsPath {
        path: "/services/sts",
        advertised: None,
        kind: EndpointKind::Main,
    },
    StsPath {
        path: "/adfs/services/trust/13/certificatemixed",
        advertised: None,
        kind: EndpointKind::Certificate,
    },
    StsPath {
        path: "/adfs/services/trust/2005/certificatemixed",
        advertised: None,
        kind: EndpointKind::Certificate,
    },
];
/// Windows-integrated endpoints clients may try: answered with a 404 that
/// says why (no Kerberos/NTLM here).
pub(crate) const WINDOWS_PATHS: &[&str] = &[
    "/adfs/services/trust/13/windowstransport",
    "/adfs/services/trust/2005/windowstransport",
];
/// The WS-MetadataExchange endpoint.
pub(crate) const MEX_PATH: &str = "/adfs/services/trust/mex";
/// The health endpoint.
pub(crate) const HEALTH_PATH: &str = "/health";

/// Transport settings, from the command line or the `[server]` table.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    /// Request bodies above this many bytes get 413 (the library's
    /// `Limits::max_bytes` is set to the same value).
    pub(crate) max_body: usize,
    /// Time allowed for a request's headers.
    pub(crate) header_timeout: Duration,
    /// Time allowed for a request's body.
    pub(crate) body_timeout: Duration,
    /// Time allowed for a TLS handshake.
    pub(crate) handshake_timeout: Duration,
    /// Open connections at most; further ones are closed at once.
    pub(crate) max_connections: usize,
    /// Requests processed at once (the rest wait): CPU-bound signing work.
    pub(crate) max_in_flight: usize,
    /// How long shutdown waits for open requests.
    pub(crate) shutdown_grace: Duration,
    /// `https://host:port` used in metadata; `None`: from `endpoints`, else
    /// the address the connection was accepted on (see `fn endpoints`).
    pub(crate) public_url: Option<String>,
    /// The STS's configured own addresses (the config file's `endpoints`):
    /// without `public_url`, the metadata advertises these.
    pub(crate) endpoints: Vec<String>,
    /// Plain HTTP from a proxy that terminated TLS: requests count as TLS.
    pub(crate) behind_tls_proxy: bool,
}

impl Default for Transport {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            max_body: wstrust::limits::DEFAULT_MAX_BYTES,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            handshake_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_in_flight: cores * 4,
            shutdown_grace: Duration::from_secs(10),
            public_url: None,
            endpoints: Vec::new(),
            behind_tls_proxy: false,
        }
    }
}

/// What every request handler shares.
pub(crate) struct App {
    pub(crate) service: Arc<dyn TokenService>,
    /// See [`crate::serve::Setup::certificate_service`].
    pub(crate) certificate_service: Option<Arc<dyn TokenService>>,
    pub(crate) limits: Limits,
    pub(crate) transport: Transport,
    pub(crate) in_flight: Semaphore,
}

/// Facts about the connection a request came in on.
#[derive(Debug, Clone)]
struct Conn {
    peer: SocketAddr,
    /// The address the connection was accepted on.
    local: SocketAddr,
    tls: bool,
}

/// The routes.
pub(crate) fn router(app: Arc<App>) -> Router {
    let mut r = Router::new()
        .route(HEALTH_PATH, get(health))
        .route(MEX_PATH, get(mex_get).post(mex_post));
    for e in STS_PATHS {
        if e.kind == EndpointKind::Certificate && app.certificate_service.is_none() {
            continue;
        }
        r = r.route(e.path, post(sts).get(sts_get));
    }
    for path in WINDOWS_PATHS {
        r = r.route(path, axum::routing::any(windows_transport));
    }
    r.fallback(not_found).with_state(app)
}

async fn health() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        "{\"status\":\"ok\"}\n",
    )
        .into_response()
}

/// `windowstransport` needs Windows-integrated (Negotiate) authentication,
/// which this server does not do: say so instead of a bare 404.
async fn windows_transport() -> Response {
    (
        StatusCode::NOT_FOUND,
        "windowstransport (Kerberos/NTLM) is not supported by this STS; use usernamemixed or certificatemixed\n",
    )
        .into_response()
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// The SOAP version a content type names, or `None` when it is neither.
fn soap_version(headers: &HeaderMap) -> Option<SoapVersion> {
    let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mime = ct.split(';').next()?.trim().to_ascii_lowercase();
    match mime.as_str() {
        "application/soap+xml" => Some(SoapVersion::Soap12),
        "text/xml" => Some(SoapVersion::Soap11),
        _ => None,
    }
}

/// A SOAP fault for a body over the limit, from the library (asked to
/// answer a one-byte request under a zero-byte limit: it answers with its
/// generic size fault in the SOAP version the probe names).
fn too_large(app: &App, soap: SoapVersion) -> Response {
    let probe = soap.namespace().as_bytes();
    let limits = Limits {
        max_bytes: 0,
        ..app.limits.clone()
    };
    let reply = handle_soap(
        app.service.as_ref(),
        probe,
        &TransportContext::default(),
        &limits,
    );
    let mut resp = soap_reply(
        StatusCode::PAYLOAD_TOO_LARGE,
        reply.content_type,
        reply.body,
    );
    // The rest of the body stays unread: close the connection, and say so,
    // so that clients do not reuse it for the next request.
    close(&mut resp);
    resp
}

/// Mark an HTTP/1.1 response as the connection's last (HTTP/2 drops the
/// header: streams end on their own there).
fn close(resp: &mut Response) {
    resp.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}

fn soap_reply(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Replies carry tokens: never cache them.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

enum ReadError {
    TooLarge,
    Timeout,
    Broken,
}

async fn read_body(app: &App, headers: &HeaderMap, body: Body) -> Result<Bytes, ReadError> {
    read_body_max(app, headers, body, app.transport.max_body).await
}

/// [`read_body`] with at most `max` bytes.
async fn read_body_max(
    app: &App,
    headers: &HeaderMap,
    body: Body,
    max: usize,
) -> Result<Bytes, ReadError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(ReadError::TooLarge);
    }
    let limited = Limited::new(body, max);
    match tokio::time::timeout(app.transport.body_timeout, limited.collect()).await {
        Err(_) => Err(ReadError::Timeout),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => Err(ReadError::TooLarge),
        Ok(Err(_)) => Err(ReadError::Broken),
    }
}

async fn sts(
    State(app): State<Arc<App>>,
    Extension(conn): Extension<Conn>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let path = uri.path().to_owned();
    let Some(soap) = soap_version(&headers) else {
        info!(peer = %conn.peer, %path, status = 415, "refused content type");
        // Read (and drop) a body within the limits first: answering before
        // the body is consumed resets HTTP/2 streams, which some clients
        // report as a transport error instead of the 415.
        let _ = read_body(&app, &headers, body).await;
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "use Content-Type: application/soap+xml (SOAP 1.2) or text/xml (SOAP 1.1)\n",
        )
            .into_response();
    };
    let bytes = match read_body(&app, &headers, body).await {
        Ok(b) => b,
        Err(ReadError::TooLarge) => {
            info!(peer = %conn.peer, %path, status = 413, "request too large");
            return too_large(&app, soap);
        }
        Err(ReadError::Timeout) => {
            info!(peer = %conn.peer, %path, status = 408, "request body timed out");
            let mut r = (StatusCode::REQUEST_TIMEOUT, "request body timed out\n").into_response();
            close(&mut r);
            return r;
        }
        Err(ReadError::Broken) => {
            debug!(peer = %conn.peer, %path, "client went away mid-request");
            return (StatusCode::BAD_REQUEST, "incomplete request body\n").into_response();
        }
    };
    let Ok(_permit) = app.in_flight.acquire().await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response();
    };
    let transport = TransportContext {
        tls: conn.tls || app.transport.behind_tls_proxy,
        client_certificate: None,
        peer: Some(conn.peer),
        addresses: received_at(&app, &conn, &path),
    };
    let service = match STS_PATHS.iter().find(|e| e.path == path).map(|e| e.kind) {
        Some(EndpointKind::Certificate) => app.certificate_service.clone(),
        _ => None,
    }
    .unwrap_or_else(|| Arc::clone(&app.service));
    let limits = app.limits.clone();
    let len = bytes.len();
    // Signing is CPU-bound: keep it off the I/O threads.
    let reply = tokio::task::spawn_blocking(move || {
        handle_soap(service.as_ref(), &bytes, &transport, &limits)
    })
    .await;
    let reply = match reply {
        Ok(r) => r,
        Err(e) => {
            warn!(peer = %conn.peer, %path, error = %e, "request handler failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response();
        }
    };
    let status =
        StatusCode::from_u16(reply.http_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    info!(
        peer = %conn.peer,
        %path,
        status = reply.http_status,
        bytes_in = len,
        bytes_out = reply.body.len(),
        micros = started.elapsed().as_micros() as u64,
        "soap"
    );
    soap_reply(status, reply.content_type, reply.body)
}

/// `GET` on an STS path: the WSDL for `?wsdl`, else 405.
async fn sts_get(
    State(app): State<Arc<App>>,
    Extension(conn): Extension<Conn>,
    Query(q): Query<HashMap<String, String>>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    if q.keys().any(|k| k.eq_ignore_ascii_case("wsdl")) {
        return wsdl_response(&app, &conn, &uri, &headers);
    }
    let mut r = (
        StatusCode::METHOD_NOT_ALLOWED,
        "POST a SOAP request here, or GET ?wsdl\n",
    )
        .into_response();
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static("POST, GET"));
    r
}

async fn mex_get(
    State(app): State<Arc<App>>,
    Extension(conn): Extension<Conn>,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    wsdl_response(&app, &conn, &uri, &headers)
}

/// The largest WS-Transfer `Get` body read (or `max_body` if smaller). A Get
/// is a few hundred bytes, and it is parsed on the async runtime outside
/// the `max_in_flight` permits: a full `max_body` there would let parallel
/// mex POSTs stall I/O for every client.
const MEX_MAX_BODY: usize = 64 * 1024;

/// A WS-Transfer `Get` POSTed to the mex endpoint.
async fn mex_post(
    State(app): State<Arc<App>>,
    Extension(conn): Extension<Conn>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let max = app.transport.max_body.min(MEX_MAX_BODY);
    let Some(soap) = soap_version(&headers) else {
        let _ = read_body_max(&app, &headers, body, max).await;
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected a SOAP request\n",
        )
            .into_response();
    };
    let bytes = match read_body_max(&app, &headers, body, max).await {
        Ok(b) => b,
        Err(ReadError::TooLarge) => return too_large(&app, soap),
        Err(_) => return (StatusCode::BAD_REQUEST, "incomplete request body\n").into_response(),
    };
    let endpoints = endpoints(&app, &conn, &uri, &headers);
    let parsed = std::str::from_utf8(&bytes)
        .ok()
        .and_then(|text| wstrust::xml::parse(text, &app.limits).ok());
    let Some(doc) = parsed else {
        return (StatusCode::BAD_REQUEST, "not an XML document\n").into_response();
    };
    // A WS-Transfer Get has an empty Body, which the WS-Trust reader
    // (`soap::Message`) refuses: read the two facts needed here directly.
    let root = doc.root_element();
    let Some(version) = root
        .tag_name()
        .namespace()
        .filter(|_| root.tag_name().name() == "Envelope")
        .and_then(SoapVersion::from_namespace)
    else {
        return (StatusCode::BAD_REQUEST, "not a SOAP envelope\n").into_response();
    };
    let message_id = root
        .children()
        .find(|n| n.is_element() && n.tag_name().name() == "Header")
        .and_then(|h| {
            h.children().find(|n| {
                n.is_element()
                    && n.tag_name().name() == "MessageID"
                    && matches!(n.tag_name().namespace(), Some(ns::WSA | ns::WSA_2004))
            })
        })
        .map(|n| wstrust::xml::whole_text(n).trim().to_owned());
    let body = mex::get_response(version, message_id.as_deref(), &endpoints);
    let mut r = soap_reply(StatusCode::OK, version.content_type(), body);
    metadata_headers(&mut r);
    r
}

fn wsdl_response(app: &App, conn: &Conn, uri: &axum::http::Uri, headers: &HeaderMap) -> Response {
    let body = mex::wsdl(&endpoints(app, conn, uri, headers));
    let mut r = (StatusCode::OK, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/xml; charset=utf-8"),
    );
    metadata_headers(&mut r);
    r
}

/// Metadata may name the address a request came in on: no shared cache may
/// keep it, nor serve one client's copy to a request for another host.
fn metadata_headers(r: &mut Response) {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::VARY, HeaderValue::from_static("Host"));
}

/// The advertised endpoints. The request never chooses where clients are
/// sent (host-header poisoning: a cache or a client could otherwise be
/// handed metadata pointing at another host, and send passwords there):
/// 1. `public_url`, when configured: the base of every advertised path;
/// 2. else the configured `endpoints`: those at an advertised path, as
///    written; if none is, the scheme and authority of the first one;
/// 3. else the request's `Host` (HTTP/1.1) or `:authority` (HTTP/2) only
///    when it names the address the connection was accepted on (that IP
///    literal, or `localhost` on a loopback address) with its port, under
///    the connection's scheme; anything else gets that local address.
fn endpoints(
    app: &App,
    conn: &Conn,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
) -> Vec<mex::Endpoint> {
    if let Some(u) = &app.transport.public_url {
        return advertised_under(u.trim_end_matches('/'));
    }
    if let Some(configured) = configured_endpoints(&app.transport.endpoints) {
        return configured;
    }
    let https = conn.tls || app.transport.behind_tls_proxy;
    let host = own_authority(conn, https, uri, headers).unwrap_or_else(|| conn.local.to_string());
    advertised_under(&format!(
        "{}://{host}",
        if https { "https" } else { "http" }
    ))
}

/// Where this request was received, for the library's `wsa:To` check
/// (`TransportContext::addresses`; the configured `endpoints` are the
/// service's own): its path under `public_url`, when configured; else,
/// without configured `endpoints` and not behind a TLS proxy, its path
/// under the address the connection was accepted on (and `localhost` on a
/// loopback one) with the connection's scheme, as the metadata advertises.
/// Never the `Host` header, which the client chooses.
fn received_at(app: &App, conn: &Conn, path: &str) -> Vec<String> {
    if let Some(u) = &app.transport.public_url {
        return vec![format!("{}{path}", u.trim_end_matches('/'))];
    }
    if !app.transport.endpoints.is_empty() || app.transport.behind_tls_proxy {
        return Vec::new();
    }
    let scheme = if conn.tls { "https" } else { "http" };
    let local = SocketAddr::new(conn.local.ip().to_canonical(), conn.local.port());
    let mut out = vec![format!("{scheme}://{local}{path}")];
    if local.ip().is_loopback() {
        out.push(format!("{scheme}://localhost:{}{path}", local.port()));
    }
    out
}

/// Every advertised path under `base`.
fn advertised_under(base: &str) -> Vec<mex::Endpoint> {
    STS_PATHS
        .iter()
        .filter_map(|e| {
            e.advertised
                .map(|v| mex::Endpoint::username_mixed(format!("{base}{}", e.path), v))
        })
        .collect()
}

/// The configured endpoints at advertised paths, as written; else every
/// advertised path under the first configured endpoint's scheme and
/// authority; `None` without a usable http(s) endpoint.
fn configured_endpoints(configured: &[String]) -> Option<Vec<mex::Endpoint>> {
    let parsed: Vec<(&str, axum::http::Uri)> = configured
        .iter()
        .filter_map(|e| Some((e.as_str(), e.parse::<axum::http::Uri>().ok()?)))
        .filter(|(_, u)| {
            matches!(u.scheme_str(), Some("http" | "https")) && u.authority().is_some()
        })
        .collect();
    let exact: Vec<mex::Endpoint> = STS_PATHS
        .iter()
        .filter_map(|e| {
            let v = e.advertised?;
            let (url, _) = parsed.iter().find(|(_, u)| u.path() == e.path)?;
            Some(mex::Endpoint::username_mixed((*url).to_owned(), v))
        })
        .collect();
    if !exact.is_empty() {
        return Some(exact);
    }
    let (_, first) = parsed.first()?;
    let base = format!("{}://{}", first.scheme_str()?, first.authority()?);
    Some(advertised_under(&base))
}

/// The request's `Host` (or HTTP/2 `:authority`) if it names the address
/// this connection was accepted on: the same IP literal, or `localhost` when
/// that address is a loopback one, and the same port (the scheme's default
/// when none is given). Rebuilt from the parsed parts, never echoed.
fn own_authority(
    conn: &Conn,
    https: bool,
    uri: &axum::http::Uri,
    headers: &HeaderMap,
) -> Option<String> {
    let raw = match headers.get(header::HOST) {
        Some(h) => h.to_str().ok()?,
        None => uri.authority()?.as_str(),
    };
    if raw.contains('@') {
        return None;
    }
    let auth: axum::http::uri::Authority = raw.parse().ok()?;
    let port = auth.port_u16();
    if port.unwrap_or(if https { 443 } else { 80 }) != conn.local.port() {
        return None;
    }
    let local = conn.local.ip().to_canonical();
    let host = auth.host();
    let name = if host.eq_ignore_ascii_case("localhost") {
        local.is_loopback().then(|| "localhost".to_owned())?
    } else {
        let literal = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        let ip: std::net::IpAddr = literal.parse().ok()?;
        if ip.to_canonical() != local {
            return None;
        }
        match ip {
            std::net::IpAddr::V4(v4) => v4.to_string(),
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
        }
    };
    Some(match port {
        Some(p) => format!("{name}:{p}"),
        None => name,
    })
}

/// Accept connections on `listener` until `shutdown` resolves, then wait up
/// to the grace period for open requests.
pub(crate) async fn run(
    listener: TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let t = app.transport.clone();
    let router = router(Arc::clone(&app));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(t.header_timeout)
        .max_buf_size(64 * 1024);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(64)
        .max_header_list_size(64 * 1024)
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let connections = Arc::new(Semaphore::new(t.max_connections));
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
            warn!(%peer, "connection limit reached; closing");
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let Ok(local) = tcp.local_addr() else {
            continue;
        };
        let router = router.clone();
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        let handshake_timeout = t.handshake_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            let conn = Conn {
                peer,
                local,
                tls: tls.is_some(),
            };
            let svc = hyper::service::service_fn(
                move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(conn.clone());
                    let mut router = router.clone();
                    tower_service::Service::call(&mut router, req)
                },
            );
            let result = match tls {
                Some(acceptor) => {
                    match tokio::time::timeout(handshake_timeout, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            watcher
                                .watch(
                                    builder
                                        .serve_connection(TokioIo::new(stream), svc)
                                        .into_owned(),
                                )
                                .await
                        }
                        Ok(Err(e)) => {
                            debug!(%peer, error = %e, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            debug!(%peer, "TLS handshake timed out");
                            return;
                        }
                    }
                }
                None => {
                    watcher
                        .watch(
                            builder
                                .serve_connection(TokioIo::new(tcp), svc)
                                .into_owned(),
                        )
                        .await
                }
            };
            if let Err(e) = result {
                debug!(%peer, error = %e, "connection closed with an error");
            }
        });
    }
    drop(listener);
    info!("shutting down: waiting for open requests");
    tokio::select! {
        () = graceful.shutdown() => info!("all connections closed"),
        () = tokio::time::sleep(t.shutdown_grace) => warn!("grace period over; closing open connections"),
    }
}
