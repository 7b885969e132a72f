//! The [`TokenService`] trait and the one sans-I/O entry point
//! [`handle_soap`]: request bytes and a [`TransportContext`] in, a
//! [`SoapResponse`] (bytes, content type, HTTP status) out.
//!
//! ```
//! use wstrust::service::{handle_soap, RequestContext, TokenService, TransportContext};
//! use wstrust::wst::{Rst, Rstr};
//! use wstrust::{Error, Limits};
//!
//! struct Echo;
//! impl TokenService for Echo {
//!     fn issue(&self, rst: &Rst<'_, '_>, _cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
//!         Ok(Rstr { token_type: rst.token_type_uri.clone(), ..Rstr::default() })
//!     }
//! }
//!
//! let request = br#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>
//!   <t:RequestSecurityToken xmlns:t="http://docs.oasis-open.org/ws-sx/ws-trust/200512">
//!     <t:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</t:RequestType>
//!   </t:RequestSecurityToken></s:Body></s:Envelope>"#;
//! let reply = handle_soap(&Echo, request, &TransportContext::default(), &Limits::default());
//! assert_eq!(reply.http_status, 200);
//! assert_eq!(reply.content_type, "application/soap+xml; charset=utf-8");
//! ```

use crate::error::{Error, Fault, Limit, RequestError, WireError};
use crate::limits::Limits;
use crate::soap::{write_envelope, write_fault, Message, Out, ReplyHeaders, SoapVersion};
use crate::wst::rstr::{write_response, Entry};
use crate::wst::{Request, RequestKind, Rst, Rstr, Version};
use crate::xml::{self, ns};
use core::net::SocketAddr;

/// What the transport knows about the request; the host fills it in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransportContext {
    /// The request arrived over TLS (HTTPS).
    pub tls: bool,
    /// The TLS client certificate (DER), when the host verified one was
    /// presented and the handshake proved possession of its key.
    pub client_certificate: Option<Vec<u8>>,
    /// The peer's address, for logging and lockout.
    pub peer: Option<SocketAddr>,
    /// The addresses the host received this request at, besides the
    /// service's own ([`TokenService::addresses`]): e.g. the public URL of
    /// the endpoint, or the listener's address, each with the request's
    /// path. A `wsa:To` naming none of the known addresses is refused
    /// ([`crate::soap::check_destination`]); empty (the default) adds none.
    pub addresses: Vec<String>,
}

/// Everything a [`TokenService`] may consult besides the RST.
///
/// One context per message: it remembers who the message authenticated as
/// (or that authenticating it failed), and a clone carries that over, so
/// never reuse or clone a context for another message.
#[derive(Debug, Clone)]
pub struct RequestContext<'r, 'a, 'input> {
    /// The transport facts.
    pub transport: &'r TransportContext,
    /// The SOAP message the RST came in (`None` for calls made by the host
    /// directly): its header blocks (`wsse:Security`) are nodes of the same
    /// tree as the RST, so authentication and signature checks see exactly
    /// what was parsed.
    pub message: Option<&'r Message<'a, 'input>>,
    /// The limits in force for this request.
    pub limits: &'r Limits,
    /// Who the message authenticated as, once a [`TokenService`] has
    /// established it. A message is authenticated once even when it carries a
    /// batch of requests: a second pass would see the message's own nonce and
    /// signature value as replays (and count lockout failures twice).
    pub authenticated: std::sync::OnceLock<crate::auth::Authenticated>,
    /// The fault authenticating the message gave, once a [`TokenService`]
    /// has tried and failed: the other entries of a batch fail the same way
    /// without a second attempt, which would count a wrong password once
    /// per entry towards lockout and repeat the signature work.
    pub authentication_failed: std::sync::OnceLock<crate::error::FaultCode>,
}

impl<'r, 'a, 'input> RequestContext<'r, 'a, 'input> {
    /// A context for one message (`None` for requests the host builds itself),
    /// not yet authenticated.
    pub fn new(
        transport: &'r TransportContext,
        message: Option<&'r Message<'a, 'input>>,
        limits: &'r Limits,
    ) -> Self {
        Self {
            transport,
            message,
            limits,
            authenticated: std::sync::OnceLock::new(),
            authentication_failed: std::sync::OnceLock::new(),
        }
    }
}

/// A WS-Trust Security Token Service on the typed model. The crate's `Sts`
/// implements it; hosts may wrap or replace it.
///
/// Implementations authenticate the requestor themselves (from
/// `cx.message` and `cx.transport`): [`handle_soap`] only parses, dispatches
/// and serializes. Returning `Err` yields a SOAP fault whose text is generic
/// (see [`Fault`]); the error itself is for the host's log.
pub trait TokenService: Send + Sync {
    /// Answer an Issue request.
    fn issue(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error>;

    /// Answer a Validate request (default: not supported, `wst:BadRequest`).
    fn validate(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        let _ = (rst, cx);
        Err(RequestError::NotSupported.into())
    }

    /// Answer a Renew request (default: not supported).
    fn renew(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        let _ = (rst, cx);
        Err(RequestError::NotSupported.into())
    }

    /// Answer a Cancel request (default: not supported).
    fn cancel(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        let _ = (rst, cx);
        Err(RequestError::NotSupported.into())
    }

    /// A fresh `wsa:MessageID` for a reply (e.g. `urn:uuid:` from the host's
    /// `Random`); `None` (the default) writes no MessageID.
    fn message_id(&self) -> Option<String> {
        None
    }

    /// Called by [`handle_soap`] when it refuses a request before any
    /// operation ran: not XML, not a SOAP envelope, a limit, an encrypted or
    /// empty Body, a malformed RST, a `wsa:Action` that does not match. The
    /// host's hook to log and audit the cause (the peer sees only the generic
    /// fault); the crate's `Sts` sends an audit event with
    /// [`crate::audit::Operation::Unknown`]. Must not fail or block for long.
    /// Default: nothing.
    fn refused(&self, error: &Error, transport: &TransportContext) {
        let _ = (error, transport);
    }

    /// This service's own endpoint addresses: [`handle_soap`] refuses a
    /// request whose `wsa:To` names none of these nor of
    /// [`TransportContext::addresses`] (when any address is known). The
    /// crate's `Sts` answers its configured `endpoints`; the default is none.
    fn addresses(&self) -> &[String] {
        &[]
    }

    /// Dispatch on the request type.
    fn dispatch(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        match rst.request_type.kind {
            RequestKind::Issue => self.issue(rst, cx),
            RequestKind::Validate => self.validate(rst, cx),
            RequestKind::Renew => self.renew(rst, cx),
            RequestKind::Cancel => self.cancel(rst, cx),
        }
    }
}

/// The reply to hand back to the HTTP layer.
#[derive(Debug)]
pub struct SoapResponse {
    /// The complete SOAP envelope.
    pub body: Vec<u8>,
    /// `Content-Type` for the request's SOAP version.
    pub content_type: &'static str,
    /// 200 for answers; 500 for SOAP faults; 400 when the request is not XML
    /// or not a SOAP envelope; 413 when it exceeds `Limits::max_bytes`.
    pub http_status: u16,
    /// Why the request (or, in a batch, the first failing entry) failed: for
    /// the host's log only, never for the peer (the body carries only the
    /// generic fault).
    pub error: Option<Error>,
}

/// What is known about the request when it fails, to shape the fault.
#[derive(Default)]
struct Known<'r> {
    soap: Option<SoapVersion>,
    trust: Option<Version>,
    headers: ReplyHeaders<'r>,
}

/// The SOAP version to fault in when the envelope could not be read: the
/// document element's namespace if the bytes parse, else a byte sniff, else
/// SOAP 1.2 (what AD FS endpoints speak).
fn guess_soap(bytes: &[u8]) -> SoapVersion {
    let has = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    if has(ns::SOAP11) && !has(ns::SOAP12) {
        SoapVersion::Soap11
    } else {
        SoapVersion::Soap12
    }
}

fn http_status(e: &Error) -> u16 {
    match e {
        Error::Limit(Limit::Size) => 413,
        Error::Xml(_) | Error::Limit(_) | Error::Wire(WireError::NotSoap) => 400,
        _ => 500,
    }
}

fn fault_response(e: Error, known: &Known<'_>, bytes: &[u8]) -> SoapResponse {
    let soap = known.soap.unwrap_or_else(|| guess_soap(bytes));
    let trust_ns = known.trust.unwrap_or(Version::Trust13).namespace();
    let headers = ReplyHeaders {
        action: known.headers.version.map(|v| v.fault_action()),
        message_id: None,
        ..known.headers.clone()
    };
    let mut out = Out::new();
    write_fault(&mut out, soap, trust_ns, &Fault::from(&e), &headers);
    SoapResponse {
        body: out.into_inner(),
        content_type: soap.content_type(),
        http_status: http_status(&e),
        error: Some(e),
    }
}

/// The sans-I/O entry point: parse `bytes` as a SOAP request carrying an RST
/// or RSTC, dispatch to `service`, and serialize the answer or a fault in the
/// request's SOAP and WS-Trust versions.
///
/// * 1.3/1.4 answers are wrapped in `RequestSecurityTokenResponseCollection`,
///   2005/02 answers are a bare RSTR; `wsa:Action` is the version's final
///   reply action, `wsa:RelatesTo` the request's `MessageID`, `wsa:MessageID`
///   from [`TokenService::message_id`]; the RST's `Context` is echoed unless
///   the [`Rstr`] sets its own.
/// * A single request that fails is a SOAP fault (HTTP 500; 400 when the
///   bytes are not XML or not a SOAP envelope; 413 when too large). In a
///   batch (`RequestSecurityTokenCollection`) each entry succeeds or fails on
///   its own: a failed entry is an RSTR with its `Context` and a `Status`
///   whose code is `invalid` and whose reason is the generic fault text.
///
/// Never panics on input; every failure is a SOAP fault with generic text,
/// and the precise cause is in [`SoapResponse::error`] for the host's log.
pub fn handle_soap(
    service: &dyn TokenService,
    bytes: &[u8],
    transport: &TransportContext,
    limits: &Limits,
) -> SoapResponse {
    let mut known = Known::default();
    match handle_inner(service, bytes, transport, limits, &mut known) {
        Ok(r) => r,
        Err(e) => {
            service.refused(&e, transport);
            fault_response(e, &known, bytes)
        }
    }
}

fn handle_inner(
    service: &dyn TokenService,
    bytes: &[u8],
    transport: &TransportContext,
    limits: &Limits,
    known: &mut Known<'_>,
) -> Result<SoapResponse, Error> {
    let text = xml::parse_bytes(bytes, limits)?;
    let doc = xml::parse(text, limits)?;
    if let Some(v) = doc
        .root_element()
        .tag_name()
        .namespace()
        .and_then(SoapVersion::from_namespace)
    {
        known.soap = Some(v);
    }
    let msg = match Message::parse(&doc) {
        Ok(msg) => msg,
        Err(e) => {
            service.refused(&e, transport);
            let a = crate::soap::peek_addressing(&doc).unwrap_or_default();
            known.headers.version = a.version;
            // Fault in the WS-Trust version of the first Body child, if any.
            known.trust = doc
                .root_element()
                .children()
                .filter(|c| c.tag_name().name() == "Body")
                .flat_map(|b| b.children().filter(|c| c.is_element()))
                .find_map(|p| p.tag_name().namespace().and_then(Version::from_namespace));
            return Ok(fault_with_relates(e, known, a.message_id.as_deref(), bytes));
        }
    };
    let addressing = msg.addressing();
    known.trust = msg
        .payload()
        .tag_name()
        .namespace()
        .and_then(Version::from_namespace);
    // Owned copies for the fault path (the tree dies with this frame).
    let relates_to = addressing.message_id.clone();
    known.headers.version = addressing.version;
    let own = service.addresses().iter().chain(&transport.addresses);
    if let Err(e) = crate::soap::check_destination(addressing, own.map(String::as_str)) {
        service.refused(&e, transport);
        return Ok(fault_with_relates(e, known, relates_to.as_deref(), bytes));
    }
    match respond(service, &msg, transport, limits, relates_to.as_deref()) {
        Ok(r) => Ok(r),
        // keep RelatesTo on faults too
        Err(e) => Ok(fault_with_relates(e, known, relates_to.as_deref(), bytes)),
    }
}

fn fault_with_relates(
    e: Error,
    known: &Known<'_>,
    relates_to: Option<&str>,
    bytes: &[u8],
) -> SoapResponse {
    let k = Known {
        soap: known.soap,
        trust: known.trust,
        headers: ReplyHeaders {
            version: known.headers.version,
            relates_to,
            ..ReplyHeaders::default()
        },
    };
    fault_response(e, &k, bytes)
}

/// Read the WS-Trust request in `msg`'s Body and check that `wsa:Action`
/// (when present) is the one for its version and request type. This is the
/// parsing half of [`handle_soap`], for hosts that drive the steps themselves.
pub fn read_request<'a, 'input>(msg: &Message<'a, 'input>) -> Result<Request<'a, 'input>, Error> {
    let request = Request::parse(msg.payload())?;
    if let Some(action) = &msg.addressing().action {
        if *action != request.version().request_action(request.request_type()) {
            return Err(WireError::ActionMismatch(action.clone()).into());
        }
    }
    Ok(request)
}

fn respond(
    service: &dyn TokenService,
    msg: &Message<'_, '_>,
    transport: &TransportContext,
    limits: &Limits,
    relates_to: Option<&str>,
) -> Result<SoapResponse, Error> {
    let request = read_request(msg).inspect_err(|e| service.refused(e, transport))?;
    let version = request.version();
    let rt = request.request_type();
    let cx = RequestContext::new(transport, Some(msg), limits);
    let mut first_error = None;
    let (results, rsts): (Vec<Result<Rstr, Fault>>, Vec<&Rst<'_, '_>>) = match &request {
        Request::Single(rst) => {
            // A single request that fails is a SOAP fault, not an RSTR.
            let r = service.dispatch(rst, &cx)?;
            (vec![Ok(r)], vec![&**rst])
        }
        Request::Batch(rsts) => (
            rsts.iter()
                .map(|r| {
                    service.dispatch(r, &cx).map_err(|e| {
                        let f = Fault::from(&e);
                        first_error.get_or_insert(e);
                        f
                    })
                })
                .collect(),
            rsts.iter().collect(),
        ),
    };
    let entries: Vec<Entry<'_>> = results
        .iter()
        .zip(&rsts)
        .map(|(res, rst)| Entry {
            result: res.as_ref().map_err(|f| *f),
            context: rst.context.as_deref(),
        })
        .collect();
    let message_id = service.message_id();
    let action = version.response_action(rt);
    let headers = ReplyHeaders {
        version: msg.addressing().version,
        action: Some(&action),
        relates_to,
        message_id: message_id.as_deref(),
    };
    // Room for the tokens and the markup around them, in one allocation.
    let tokens: usize = results
        .iter()
        .flatten()
        .filter_map(|r| r.requested_token.as_ref())
        .map(|t| t.as_bytes().len())
        .sum();
    let mut out = Out::with_capacity(tokens + 4096);
    write_envelope(&mut out, msg.version(), &headers, |out| {
        write_response(out, version, &entries, rt.batch);
    });
    Ok(SoapResponse {
        body: out.into_inner(),
        content_type: msg.version().content_type(),
        http_status: 200,
        error: first_error,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wst::{KeyType, RawXml};

    /// A tiny service: issues a fixed token, refuses AppliesTo "urn:bad",
    /// validates everything as valid, cancels everything.
    struct Fixed;

    impl TokenService for Fixed {
        fn issue(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
            assert!(cx.message.is_some());
            if rst
                .applies_to
                .as_ref()
                .is_some_and(|a| a.address == "urn:bad")
            {
                return Err(RequestError::InvalidScope.into());
            }
            Ok(Rstr {
                token_type: rst.token_type_uri.clone(),
                requested_token: Some(RawXml::new(b"<tok xmlns=\"urn:tok\"   a='1'/>".to_vec())),
                key_type: rst.key_type,
                ..Rstr::default()
            })
        }
        fn validate(&self, _: &Rst<'_, '_>, _: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
            Ok(Rstr {
                status: Some(crate::wst::Status {
                    valid: true,
                    reason: None,
                }),
                ..Rstr::default()
            })
        }
        fn message_id(&self) -> Option<String> {
            Some("urn:uuid:reply".into())
        }
    }

    /// Records what [`TokenService::refused`] is told.
    #[derive(Default)]
    struct Recorder(std::sync::Mutex<Vec<String>>);

    impl TokenService for Recorder {
        fn issue(&self, _: &Rst<'_, '_>, _: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
            Err(RequestError::InvalidScope.into())
        }
        fn refused(&self, error: &Error, _: &TransportContext) {
            self.0.lock().unwrap().push(error.to_string());
        }
    }

    #[test]
    fn refusals_before_dispatch_reach_the_refused_hook_once() {
        let soap = |body: &str| {
            format!(
                r#"<s:Envelope xmlns:s="{}"><s:Body>{body}</s:Body></s:Envelope>"#,
                ns::SOAP12
            )
        };
        let wrong_action =
            rst13("Issue", "").replace("/RST/Issue</a:Action>", "/RST/Renew</a:Action>");
        let cases = [
            b"<a><b></a>".to_vec(),
            b"<notsoap/>".to_vec(),
            soap("").into_bytes(),
            soap(&format!(
                "<t:RequestSecurityToken xmlns:t=\"{}\"/>",
                ns::WST_13
            ))
            .into_bytes(),
            wrong_action.into_bytes(),
            vec![b'<'; 10],
        ];
        for (i, bytes) in cases.iter().enumerate() {
            let r = Recorder::default();
            let reply = handle_soap(&r, bytes, &TransportContext::default(), &Limits::default());
            let seen = r.0.lock().unwrap().clone();
            assert_eq!(seen.len(), 1, "case {i}: {seen:?}");
            assert_eq!(
                Some(&seen[0]),
                reply.error.map(|e| e.to_string()).as_ref(),
                "case {i}"
            );
        }
        // A request addressed to another service is refused before dispatch.
        let elsewhere = rst13("Issue", "").replace(
            "<a:MessageID>",
            "<a:To>https://elsewhere.example/sts</a:To><a:MessageID>",
        );
        let r = Recorder::default();
        let here = TransportContext {
            addresses: vec!["https://sts.example/sts".into()],
            ..TransportContext::default()
        };
        let reply = handle_soap(&r, elsewhere.as_bytes(), &here, &Limits::default());
        let seen = r.0.lock().unwrap().clone();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(Some(&seen[0]), reply.error.map(|e| e.to_string()).as_ref());
        // A refusal by the service itself is its own to report.
        let r = Recorder::default();
        let reply = handle_soap(
            &r,
            rst13("Issue", "").as_bytes(),
            &TransportContext::default(),
            &Limits::default(),
        );
        assert!(reply.error.is_some());
        assert!(r.0.lock().unwrap().is_empty());
    }

    fn rst13(rt: &str, extra: &str) -> String {
        format!(
            r#"<s:Envelope xmlns:s="{}" xmlns:a="{}"><s:Header><a:Action>{}/RST/{rt}</a:Action><a:MessageID>urn:uuid:req</a:MessageID></s:Header><s:Body><t:RequestSecurityToken xmlns:t="{}" Context="ctx"><t:RequestType>{}/{rt}</t:RequestType>{extra}</t:RequestSecurityToken></s:Body></s:Envelope>"#,
            ns::SOAP12,
            ns::WSA,
            ns::WST_13,
            ns::WST_13,
            ns::WST_13
        )
    }

    fn call(req: &str) -> (SoapResponse, String) {
        let r = handle_soap(
            &Fixed,
            req.as_bytes(),
            &TransportContext::default(),
            &Limits::default(),
        );
        let s = String::from_utf8(r.body.clone()).unwrap();
        (r, s)
    }

    #[test]
    fn issue_round_trip() {
        let (r, s) = call(&rst13(
            "Issue",
            "<t:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</t:TokenType><t:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</t:KeyType>",
        ));
        assert_eq!(r.http_status, 200, "{s}");
        let doc = roxmltree::Document::parse(&s).unwrap();
        let text = |name: &str| {
            doc.descendants()
                .find(|n| n.tag_name().name() == name)
                .and_then(|n| n.text())
                .map(str::to_owned)
        };
        assert_eq!(
            text("Action").as_deref(),
            Some("http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal")
        );
        assert_eq!(text("RelatesTo").as_deref(), Some("urn:uuid:req"));
        assert_eq!(text("MessageID").as_deref(), Some("urn:uuid:reply"));
        assert_eq!(
            text("TokenType").as_deref(),
            Some("urn:oasis:names:tc:SAML:2.0:assertion")
        );
        assert_eq!(
            text("KeyType").as_deref(),
            Some(Version::Trust13.key_type_uri(KeyType::Bearer))
        );
        assert!(s.contains(
            "<t:RequestedSecurityToken><tok xmlns=\"urn:tok\"   a='1'/></t:RequestedSecurityToken>"
        ));
        let rstr = doc
            .descendants()
            .find(|n| n.tag_name().name() == "RequestSecurityTokenResponse")
            .unwrap();
        assert_eq!(rstr.attribute("Context"), Some("ctx"));
        assert_eq!(
            rstr.parent_element().unwrap().tag_name().name(),
            "RequestSecurityTokenResponseCollection"
        );
    }

    #[test]
    fn service_errors_become_faults_with_relates_to() {
        let (r, s) = call(&rst13(
            "Issue",
            r#"<wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><a:EndpointReference><a:Address>urn:bad</a:Address></a:EndpointReference></wsp:AppliesTo>"#,
        ));
        assert_eq!(r.http_status, 500);
        assert!(s.contains("wst:InvalidScope"), "{s}");
        assert!(s.contains("<a:RelatesTo>urn:uuid:req</a:RelatesTo>"), "{s}");
        assert!(
            s.contains("http://www.w3.org/2005/08/addressing/soap/fault"),
            "{s}"
        );
        // renew is not implemented by Fixed: BadRequest
        let (r, s) = call(&rst13("Renew", "<t:RenewTarget><x/></t:RenewTarget>"));
        assert_eq!(r.http_status, 500);
        assert!(s.contains("wst:BadRequest"), "{s}");
    }

    #[test]
    fn validate_dispatches() {
        let (r, s) = call(&rst13(
            "Validate",
            "<t:TokenType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTR/Status</t:TokenType><t:ValidateTarget><x/></t:ValidateTarget>",
        ));
        assert_eq!(r.http_status, 200, "{s}");
        assert!(s.contains("http://docs.oasis-open.org/ws-sx/ws-trust/200512/status/valid"));
        assert!(s.contains("RSTR/ValidateFinal"));
    }

    #[test]
    fn action_mismatch_and_garbage() {
        let req = rst13("Issue", "").replace("RST/Issue", "RST/Cancel");
        let (r, s) = call(&req);
        assert_eq!(r.http_status, 500);
        assert!(s.contains("wst:InvalidRequest"));
        let (r, _) = call("not xml at all");
        assert_eq!(r.http_status, 400);
        assert_eq!(r.content_type, SoapVersion::Soap12.content_type());
        let (r, _) = call("<a/>");
        assert_eq!(r.http_status, 400);
    }
}
