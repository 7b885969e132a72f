//! A thin blocking HTTPS layer over the sans-I/O client (feature
//! `client-http`): POST an [`Envelope`], GET a MEX document. It is an I/O
//! adapter, like the `redis` one: the rest of [`crate::client`] does no I/O.
//!
//! Built on `ureq` 3 with rustls and the aws-lc-rs provider. HTTPS only
//! (a `UsernameToken` carries the password in clear), no redirects, the
//! server authenticated against the trust anchors given (no system roots:
//! name the STS's CA), response bodies bounded by [`Limits::max_bytes`].

use super::{mex, ClientError, Envelope, MexEndpoint, Response};
use crate::error::{Error, Limit};
use crate::keys::Certificate;
use crate::soap::SoapVersion;
use crate::Limits;
use std::sync::Arc;
use std::time::Duration;

/// Default time for one exchange (connect, TLS, request, response): 30 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A blocking HTTPS client for WS-Trust endpoints.
///
/// # Defaults
/// | what | default |
/// |---|---|
/// | timeout | [`DEFAULT_TIMEOUT`] (30 s) per exchange |
/// | limits | [`Limits::default`] for responses |
/// | redirects | none followed |
#[derive(Debug, Clone)]
pub struct HttpClient {
    agent: ureq::Agent,
    limits: Limits,
}

impl HttpClient {
    /// A client that trusts exactly `roots` as TLS trust anchors.
    pub fn new(roots: &[Certificate]) -> Self {
        Self::with_timeout(roots, DEFAULT_TIMEOUT)
    }

    /// [`HttpClient::new`] with another timeout.
    pub fn with_timeout(roots: &[Certificate], timeout: Duration) -> Self {
        let roots = roots
            .iter()
            .map(|c| ureq::tls::Certificate::from_der(c.der()).to_owned())
            .collect();
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::Specific(Arc::new(roots)))
            .unversioned_rustls_crypto_provider(Arc::new(
                rustls::crypto::aws_lc_rs::default_provider(),
            ))
            .build();
        let agent = ureq::Agent::config_builder()
            .https_only(true)
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            .tls_config(tls)
            .build()
            .into();
        Self {
            agent,
            limits: Limits::default(),
        }
    }

    /// Bound responses by `limits` instead of the defaults.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// POST `envelope` to its endpoint and read the answer
    /// ([`Envelope::read_response`]): a token response, or
    /// [`ClientError::Fault`] for the STS's fault (HTTP 500), or a transport
    /// error ([`ClientError::Tls`], [`ClientError::Http`]).
    pub fn send(&self, envelope: &Envelope) -> Result<Response, Error> {
        let mut req = self
            .agent
            .post(&envelope.endpoint)
            .header("Content-Type", envelope.content_type);
        if envelope.content_type == SoapVersion::Soap11.content_type() {
            req = req.header("SOAPAction", &format!("\"{}\"", envelope.action));
        }
        let resp = req.send(&envelope.body[..]).map_err(transport)?;
        let body = self.read_body(resp)?;
        envelope.read_response(&body, &self.limits)
    }

    /// GET the MEX document at `url` and list its endpoints ([`mex::parse`]).
    pub fn mex(&self, url: &str) -> Result<Vec<MexEndpoint>, Error> {
        let resp = self.agent.get(url).call().map_err(transport)?;
        if resp.status().as_u16() != 200 {
            return Err(ClientError::Http(format!("MEX: HTTP {}", resp.status().as_u16())).into());
        }
        let body = self.read_body(resp)?;
        mex::parse(&body, &self.limits)
    }

    fn read_body(&self, mut resp: ureq::http::Response<ureq::Body>) -> Result<Vec<u8>, Error> {
        let max = u64::try_from(self.limits.max_bytes).unwrap_or(u64::MAX);
        resp.body_mut()
            .with_config()
            .limit(max)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => Error::Limit(Limit::Size),
                other => transport(other),
            })
    }
}

/// A transport failure as a typed error: TLS (the server's certificate is
/// not trusted, the handshake failed) or anything else HTTP.
fn transport(e: ureq::Error) -> Error {
    match e {
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => ClientError::Tls(e.to_string()).into(),
        ureq::Error::Io(io)
            if io
                .get_ref()
                .is_some_and(|inner| inner.downcast_ref::<rustls::Error>().is_some()) =>
        {
            ClientError::Tls(io.to_string()).into()
        }
        other => ClientError::Http(other.to_string()).into(),
    }
}
