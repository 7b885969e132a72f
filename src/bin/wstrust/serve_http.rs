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
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
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
        advertised: Some(Version::Trust13),
        kind: EndpointKind::Certificate,
    },
    StsPath {
        path: "/adfs/services/trust/2005/certificatemixed",
        advertised: Some(Version::Trust2005),
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
    /// A connection with no request open for this long is closed: idle
    /// HTTP/1.1 keep-alive, and HTTP/2 even while it answers PINGs. A new
    /// connection (after TLS) must send its first request head within
    /// `header_timeout`.
    pub(crate) idle_timeout: Duration,
    /// A response the client has not taken this long after it was ready
    /// (an HTTP/2 zero window) closes the connection.
    pub(crate) send_timeout: Duration,
    /// Open connections at most; further ones are closed at once.
    pub(crate) max_connections: usize,
    /// Open connections from one peer IP address at most (`None`: 128, or
    /// `max_connections` behind a TLS proxy, whose address all share).
    pub(crate) max_connections_per_ip: Option<usize>,
    /// Bytes of request bodies and responses held in memory at once, over
    /// all connections; requests past it get 503.
    pub(crate) max_buffered_bytes: usize,
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
            idle_timeout: Duration::from_secs(30),
            send_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_connections_per_ip: None,
            max_buffered_bytes: DEFAULT_MAX_BUFFERED_BYTES,
            max_in_flight: cores * 4,
            shutdown_grace: Duration::from_secs(10),
            public_url: None,
            endpoints: Vec::new(),
            behind_tls_proxy: false,
        }
    }
}

/// Default of [`Transport::max_buffered_bytes`]: 64 full-size (1 MiB)
/// requests and their answers, while 1,024 HTTP/2 connections could
/// otherwise hold 64 streams of 1 MiB each.
pub(crate) const DEFAULT_MAX_BUFFERED_BYTES: usize = 64 << 20;
/// Default of [`Transport::max_connections_per_ip`] without a TLS proxy.
const DEFAULT_MAX_CONNECTIONS_PER_IP: usize = 128;
/// HTTP/2 flow-control windows: what a connection (and each of its streams)
/// may send before the server has read it. Requests are small; the defaults
/// (1 MiB each) let every connection park a megabyte in the server.
const H2_CONNECTION_WINDOW: u32 = 256 * 1024;
const H2_STREAM_WINDOW: u32 = 64 * 1024;

impl Transport {
    /// The per-IP connection cap in force.
    fn per_ip_cap(&self) -> usize {
        self.max_connections_per_ip
            .unwrap_or(if self.behind_tls_proxy {
                self.max_connections
            } else {
                DEFAULT_MAX_CONNECTIONS_PER_IP
            })
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
    /// [`Transport::max_buffered_bytes`] as permits of one byte each: taken
    /// as a body is buffered, and for a response, and given back when the
    /// response is written or dropped.
    pub(crate) buffered: Arc<Semaphore>,
}

impl App {
    /// The byte budget for `transport`.
    pub(crate) fn budget(transport: &Transport) -> Arc<Semaphore> {
        Arc::new(Semaphore::new(
            transport.max_buffered_bytes.min(Semaphore::MAX_PERMITS),
        ))
    }
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
fn too_large(app: &App, soap: SoapVersion, peer: SocketAddr) -> Response {
    let probe = soap.namespace().as_bytes();
    let limits = Limits {
        max_bytes: 0,
        ..app.limits.clone()
    };
    // The real peer: the service logs and audits the refusal.
    let transport = TransportContext {
        peer: Some(peer),
        ..TransportContext::default()
    };
    let reply = handle_soap(app.service.as_ref(), probe, &transport, &limits);
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
    /// The byte budget ([`Transport::max_buffered_bytes`]) is spent.
    Busy,
}

/// Bytes of the budget held by a request or response; given back on drop.
/// Put into a response's extensions, it stays held until that response is
/// written (see [`Tracked`]).
#[derive(Clone)]
struct Held(Arc<std::sync::Mutex<Option<OwnedSemaphorePermit>>>);

impl Held {
    fn new(p: Option<OwnedSemaphorePermit>) -> Self {
        Self(Arc::new(std::sync::Mutex::new(p)))
    }
    fn take(&self) -> Option<OwnedSemaphorePermit> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).take()
    }
}

/// Take `n` more bytes of the budget into `held`, leaving at least `floor`
/// bytes of it free.
fn reserve(
    budget: &Arc<Semaphore>,
    held: &mut Option<OwnedSemaphorePermit>,
    n: usize,
    floor: usize,
) -> bool {
    if n == 0 {
        return true;
    }
    if budget.available_permits() < n.saturating_add(floor) {
        return false;
    }
    let Ok(n) = u32::try_from(n) else {
        return false;
    };
    match Arc::clone(budget).try_acquire_many_owned(n) {
        Ok(p) => {
            match held {
                Some(h) => h.merge(p),
                None => *held = Some(p),
            }
            true
        }
        Err(_) => false,
    }
}

async fn read_body(app: &App, headers: &HeaderMap, body: Body) -> Result<(Bytes, Held), ReadError> {
    read_body_max(app, headers, body, app.transport.max_body).await
}

/// [`read_body`] with at most `max` bytes. The buffer's capacity is taken
/// from the byte budget before it grows: past the budget, `Busy`.
async fn read_body_max(
    app: &App,
    headers: &HeaderMap,
    body: Body,
    max: usize,
) -> Result<(Bytes, Held), ReadError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(ReadError::TooLarge);
    }
    let budget = &app.buffered;
    // Bodies may fill three quarters of the budget: the rest stays for
    // answers (to requests already read, and to bodiless ones).
    let floor = app.transport.max_buffered_bytes / 4;
    let read = async {
        let mut held = None;
        let mut buf = Vec::new();
        if let Some(n) = declared.and_then(|n| usize::try_from(n).ok()) {
            if !reserve(budget, &mut held, n, floor) {
                return Err(ReadError::Busy);
            }
            buf.reserve_exact(n);
        }
        let mut body = Limited::new(body, max);
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| {
                if e.is::<http_body_util::LengthLimitError>() {
                    ReadError::TooLarge
                } else {
                    ReadError::Broken
                }
            })?;
            let Ok(data) = frame.into_data() else {
                continue;
            };
            if buf.capacity() - buf.len() < data.len() {
                let before = buf.capacity();
                buf.reserve(data.len());
                if !reserve(budget, &mut held, buf.capacity() - before, floor) {
                    return Err(ReadError::Busy);
                }
            }
            buf.extend_from_slice(&data);
        }
        Ok((Bytes::from(buf), Held::new(held)))
    };
    match tokio::time::timeout(app.transport.body_timeout, read).await {
        Err(_) => Err(ReadError::Timeout),
        Ok(r) => r,
    }
}

/// 503 for a request past the byte budget; the body stays unread, so the
/// connection closes (HTTP/1.1) or the stream is reset (HTTP/2).
fn busy(conn: &Conn, path: &str) -> Response {
    info!(peer = %conn.peer, %path, status = 503, cause = "buffered-bytes budget spent", "request refused");
    let mut r = (StatusCode::SERVICE_UNAVAILABLE, "server busy, try again\n").into_response();
    r.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    close(&mut r);
    r
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
    let (bytes, held) = match read_body(&app, &headers, body).await {
        Ok(b) => b,
        Err(ReadError::Busy) => return busy(&conn, &path),
        Err(ReadError::TooLarge) => {
            info!(peer = %conn.peer, %path, status = 413, "request too large");
            return too_large(&app, soap, conn.peer);
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
        // Behind a proxy every peer is the proxy: passing it would give all
        // clients one lockout budget (host::Attempt::client).
        peer: (!app.transport.behind_tls_proxy).then_some(conn.peer),
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
    let mut r = soap_reply(status, reply.content_type, reply.body);
    // The request's bytes stay counted until the answer is written.
    r.extensions_mut().insert(held);
    r
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
        Ok((b, _)) => b,
        Err(ReadError::Busy) => return busy(&conn, MEX_PATH),
        Err(ReadError::TooLarge) => return too_large(&app, soap, conn.peer),
        Err(_) => return (StatusCode::BAD_REQUEST, "incomplete request body\n").into_response(),
    };
    let endpoints = endpoints(&app, &conn, &uri, &headers);
    let parsed = std::str::from_utf8(&bytes)
        .map_err(|e| e.to_string())
        .and_then(|text| wstrust::xml::parse(text, &app.limits).map_err(|e| e.to_string()));
    let doc = match parsed {
        Ok(doc) => doc,
        Err(cause) => {
            info!(peer = %conn.peer, path = MEX_PATH, status = 400, ?cause, "metadata request refused");
            return (StatusCode::BAD_REQUEST, "not an XML document\n").into_response();
        }
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
        info!(peer = %conn.peer, path = MEX_PATH, status = 400, cause = "not a SOAP envelope", "metadata request refused");
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
        return advertised_under(app, u.trim_end_matches('/'));
    }
    if let Some(configured) = configured_endpoints(app, &app.transport.endpoints) {
        return configured;
    }
    let https = conn.tls || app.transport.behind_tls_proxy;
    let host = own_authority(conn, https, uri, headers).unwrap_or_else(|| conn.local.to_string());
    advertised_under(
        app,
        &format!("{}://{host}", if https { "https" } else { "http" }),
    )
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

/// The metadata for `e` at `address`, if it is advertised (and served:
/// certificatemixed only with a certificate service).
fn advertised(app: &App, e: &StsPath, address: String) -> Option<mex::Endpoint> {
    let v = e.advertised?;
    Some(match e.kind {
        EndpointKind::Main => mex::Endpoint::username_mixed(address, v),
        EndpointKind::Certificate if app.certificate_service.is_some() => {
            mex::Endpoint::certificate_mixed(address, v)
        }
        EndpointKind::Certificate => return None,
    })
}

/// Every advertised path under `base`.
fn advertised_under(app: &App, base: &str) -> Vec<mex::Endpoint> {
    STS_PATHS
        .iter()
        .filter_map(|e| advertised(app, e, format!("{base}{}", e.path)))
        .collect()
}

/// The configured endpoints at advertised paths, as written; else every
/// advertised path under the first configured endpoint's scheme and
/// authority; `None` without a usable http(s) endpoint.
fn configured_endpoints(app: &App, configured: &[String]) -> Option<Vec<mex::Endpoint>> {
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
            let (url, _) = parsed.iter().find(|(_, u)| u.path() == e.path)?;
            advertised(app, e, (*url).to_owned())
        })
        .collect();
    if !exact.is_empty() {
        return Some(exact);
    }
    let (_, first) = parsed.first()?;
    let base = format!("{}://{}", first.scheme_str()?, first.authority()?);
    Some(advertised_under(app, &base))
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

/// What one connection is doing, for its watchdog ([`watchdog`]).
struct Activity {
    state: std::sync::Mutex<ActivityState>,
    changed: Notify,
}

struct ActivityState {
    /// Requests begun whose response is not yet written (or dropped).
    open: usize,
    /// Whether any request has begun.
    served: bool,
    /// Since when `open` is 0 (the connection's start at first).
    idle_since: Instant,
    /// When each open request's response was ready to send, by request
    /// number (on HTTP/2 a later request's response may be ready first: the
    /// send deadline is the earliest of these, not the first's).
    sending: BTreeMap<u64, Instant>,
    next: u64,
    /// Set when a request's body timed out: the connection closes then
    /// (after its 408 had a moment to go out). Without this an HTTP/2
    /// client that always keeps one bodiless request open is never idle,
    /// and holds its slot for ever, one body timeout after another (review
    /// finding 4); HTTP/1.1 closes on a 408 anyway.
    close_at: Option<Instant>,
}

impl Activity {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            state: std::sync::Mutex::new(ActivityState {
                open: 0,
                served: false,
                idle_since: Instant::now(),
                sending: BTreeMap::new(),
                next: 0,
                close_at: None,
            }),
            changed: Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ActivityState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A request has begun (its head is read): the connection is not idle
    /// until the returned guard is dropped.
    fn begin(self: &Arc<Self>) -> RequestGuard {
        let id = {
            let mut st = self.lock();
            st.open += 1;
            st.served = true;
            st.next += 1;
            st.next
        };
        self.changed.notify_one();
        RequestGuard {
            activity: Arc::clone(self),
            id,
        }
    }
}

/// One open request of a connection; see [`Activity::begin`].
struct RequestGuard {
    activity: Arc<Activity>,
    id: u64,
}

impl RequestGuard {
    /// Its body timed out: close the connection in a moment.
    fn close_soon(&self) {
        let at = Instant::now() + Duration::from_secs(1);
        let mut st = self.activity.lock();
        st.close_at = Some(st.close_at.map_or(at, |t| t.min(at)));
        drop(st);
        self.activity.changed.notify_one();
    }

    /// Its response is ready: from now the send timeout runs.
    fn sending(&self) {
        self.activity.lock().sending.insert(self.id, Instant::now());
        self.activity.changed.notify_one();
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        {
            let mut st = self.activity.lock();
            st.open = st.open.saturating_sub(1);
            st.sending.remove(&self.id);
            if st.open == 0 {
                st.idle_since = Instant::now();
            }
        }
        self.activity.changed.notify_one();
    }
}

/// Resolves (with the reason) when the connection must close: no request
/// begun within `first` of its start, none open for `idle`, a response
/// not taken within `send` of being ready, or a request body that timed out.
async fn watchdog(
    a: Arc<Activity>,
    first: Duration,
    idle: Duration,
    send: Duration,
) -> &'static str {
    loop {
        // Registered before the state is read: a change in between still
        // wakes us (notify_one keeps a permit).
        let changed = a.changed.notified();
        let (deadline, reason) = {
            let st = a.lock();
            let idle_at = (st.open == 0).then(|| {
                if st.served {
                    (st.idle_since + idle, "idle")
                } else {
                    (st.idle_since + first, "no request")
                }
            });
            let send_at = st
                .sending
                .values()
                .min()
                .map(|t| (*t + send, "response not read"));
            let close_at = st.close_at.map(|t| (t, "request body timed out"));
            [idle_at, send_at, close_at]
                .into_iter()
                .flatten()
                .min_by_key(|(d, _)| *d)
                .map_or((None, ""), |(d, r)| (Some(d), r))
        };
        match deadline {
            Some(d) if d <= Instant::now() => return reason,
            Some(d) => {
                tokio::select! {
                    () = tokio::time::sleep_until(d.into()) => {}
                    () = changed => {}
                }
            }
            None => changed.await,
        }
    }
}

/// Most bytes of a response handed to hyper at once. hyper takes a whole
/// data frame from the body as soon as an HTTP/2 stream has one byte of
/// window, and h2 queues all of it: a body yielding its response in one
/// piece would be dropped (its budget bytes and send timeout with it) while
/// the response still sat unsent behind a 1-byte window (review finding 1).
/// In pieces this size, at most one piece per stream escapes the budget.
const SEND_CHUNK: usize = 4 * 1024;

/// A response body that holds its request's [`RequestGuard`] and its bytes
/// of the budget until it is written or dropped, handing its data to hyper
/// [`SEND_CHUNK`] bytes at a time.
struct Tracked {
    inner: Body,
    /// The rest of a data frame not yet handed on.
    rest: Bytes,
    _guard: RequestGuard,
    _held: Vec<OwnedSemaphorePermit>,
}

impl axum::body::HttpBody for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<Bytes>, axum::Error>>> {
        use std::task::Poll;
        let this = &mut *self;
        if this.rest.is_empty() {
            match std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                    Ok(data) => this.rest = data,
                    Err(frame) => return Poll::Ready(Some(Ok(frame))),
                },
                other => return other,
            }
        }
        let n = this.rest.len().min(SEND_CHUNK);
        Poll::Ready(Some(Ok(hyper::body::Frame::data(this.rest.split_to(n)))))
    }

    fn is_end_stream(&self) -> bool {
        self.rest.is_empty() && self.inner.is_end_stream()
    }

    fn size_hint(&self) -> hyper::body::SizeHint {
        let inner = self.inner.size_hint();
        let rest = self.rest.len() as u64;
        let mut hint = hyper::body::SizeHint::new();
        hint.set_lower(inner.lower().saturating_add(rest));
        if let Some(upper) = inner.upper() {
            hint.set_upper(upper.saturating_add(rest));
        }
        hint
    }
}

/// `resp` as sent: its size taken from the byte budget (503 when spent),
/// with the request's held bytes and `guard` kept until it is written.
fn tracked(
    mut resp: Response,
    guard: RequestGuard,
    budget: &Arc<Semaphore>,
    peer: SocketAddr,
) -> Response {
    let mut held: Vec<OwnedSemaphorePermit> = resp
        .extensions_mut()
        .remove::<Held>()
        .and_then(|h| h.take())
        .into_iter()
        .collect();
    let hint = axum::body::HttpBody::size_hint(resp.body());
    let size = usize::try_from(hint.upper().unwrap_or(hint.lower())).unwrap_or(usize::MAX);
    let mut permit = None;
    if !reserve(budget, &mut permit, size, 0) {
        info!(%peer, status = 503, cause = "buffered-bytes budget spent", bytes = size, "response refused");
        let mut r = (StatusCode::SERVICE_UNAVAILABLE, "server busy, try again\n").into_response();
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        resp = r;
    }
    held.extend(permit);
    if resp.status() == StatusCode::REQUEST_TIMEOUT {
        guard.close_soon();
    }
    guard.sending();
    resp.map(|inner| {
        Body::new(Tracked {
            inner,
            rest: Bytes::new(),
            _guard: guard,
            _held: held,
        })
    })
}

/// Open connections per peer address (an IPv6 /64 counts as one:
/// [`wstrust::host::client_network`]).
struct PerIp {
    counts: std::sync::Mutex<HashMap<IpAddr, usize>>,
    max: usize,
}

/// One connection counted in [`PerIp`]; uncounted on drop.
struct IpSlot {
    table: Arc<PerIp>,
    ip: IpAddr,
}

impl PerIp {
    fn try_take(self: &Arc<Self>, ip: IpAddr) -> Option<IpSlot> {
        let ip = wstrust::host::client_network(ip);
        let mut c = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let n = c.entry(ip).or_insert(0);
        if *n >= self.max {
            return None;
        }
        *n += 1;
        Some(IpSlot {
            table: Arc::clone(self),
            ip,
        })
    }
}

impl Drop for IpSlot {
    fn drop(&mut self) {
        let mut c = self.table.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = c.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                c.remove(&self.ip);
            }
        }
    }
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
        .initial_connection_window_size(H2_CONNECTION_WINDOW)
        .initial_stream_window_size(H2_STREAM_WINDOW)
        .keep_alive_interval(Some(Duration::from_secs(30)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let connections = Arc::new(Semaphore::new(t.max_connections));
    let per_ip = Arc::new(PerIp {
        counts: std::sync::Mutex::new(HashMap::new()),
        max: t.per_ip_cap(),
    });
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
        let Some(slot) = per_ip.try_take(peer.ip()) else {
            warn!(%peer, max = per_ip.max, "per-address connection limit reached; closing");
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
        let budget = Arc::clone(&app.buffered);
        let t = t.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let _slot = slot;
            let conn = Conn {
                peer,
                local,
                tls: tls.is_some(),
            };
            let activity = Activity::new();
            let svc = {
                let activity = Arc::clone(&activity);
                hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                    req.extensions_mut().insert(conn.clone());
                    let mut router = router.clone();
                    let guard = activity.begin();
                    let budget = Arc::clone(&budget);
                    async move {
                        let resp = tower_service::Service::call(&mut router, req).await?;
                        Ok::<_, std::convert::Infallible>(tracked(resp, guard, &budget, peer))
                    }
                })
            };
            let dog =
                |a: Arc<Activity>| watchdog(a, t.header_timeout, t.idle_timeout, t.send_timeout);
            let result = match tls {
                Some(acceptor) => {
                    match tokio::time::timeout(t.handshake_timeout, acceptor.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            // The first-request clock starts after the handshake.
                            activity.lock().idle_since = Instant::now();
                            let served = watcher.watch(
                                builder
                                    .serve_connection(TokioIo::new(stream), svc)
                                    .into_owned(),
                            );
                            tokio::select! {
                                r = served => r,
                                reason = dog(activity) => {
                                    debug!(%peer, reason, "closing connection");
                                    return;
                                }
                            }
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
                    let served = watcher.watch(
                        builder
                            .serve_connection(TokioIo::new(tcp), svc)
                            .into_owned(),
                    );
                    tokio::select! {
                        r = served => r,
                        reason = dog(activity) => {
                            debug!(%peer, reason, "closing connection");
                            return;
                        }
                    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Review finding 2: the per-address connection cap counted each IPv6
    /// address on its own, while the lockout (and docs/security.md) treat an
    /// IPv6 /64, one host's usual share, as one client: a client with a /64
    /// opened `max_connections` connections from as many of its addresses.
    #[test]
    fn one_ipv6_64_is_one_peer_for_the_connection_cap() {
        let per_ip = Arc::new(PerIp {
            counts: std::sync::Mutex::new(HashMap::new()),
            max: 2,
        });
        let v6 = |i: u16| IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, i));
        let held: Vec<IpSlot> = (1..=3u16).filter_map(|i| per_ip.try_take(v6(i))).collect();
        assert_eq!(held.len(), 2, "three addresses of one /64 all admitted");
        // another /64, and an IPv4 client, have their own
        let other = IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 2, 0, 0, 0, 1));
        assert!(per_ip.try_take(other).is_some());
        assert!(per_ip.try_take("192.0.2.1".parse().unwrap()).is_some());
        drop(held);
        assert!(per_ip.try_take(v6(9)).is_some(), "slots come back on drop");
    }
}
