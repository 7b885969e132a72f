//! Golden vectors for the wire layer: `tests/vectors/wst/<case>.xml` with
//! `<case>.expected` beside it (one `key=value` line per parsed fact, then the
//! HTTP/SOAP shape of the answer from `handle_soap`).
//!
//! The `adfs_*`, `wif_*`, `cxf_*`, `rampart_*` and `wso2_*` requests are shaped
//! like what those clients send (written from the specs, the clients' public
//! source and documentation); the `bad_*` cases each name one refusal.
//! Set `WSTRUST_BLESS=1` to rewrite the `.expected` files (then review them).
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use wstrust::service::{handle_soap, RequestContext, TokenService, TransportContext};
use wstrust::soap::{AddressingVersion, Message, SoapVersion};
use wstrust::wst::{
    Entropy, Lifetime, RawXml, Request, RequestKind, Rst, Rstr, SamlVersion, Status,
    TokenReference, Version,
};
use wstrust::xml::ns;
use wstrust::{error::RequestError, Error, Fault, Limits};

/// Issues a fixed token echoing what clients compare; refuses one AppliesTo.
struct Harness;

const TOKEN: &[u8] = b"<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"  ID=\"_tok\" Version=\"2.0\"><!-- signed as is --><saml:Issuer>https://sts.example.com/</saml:Issuer></saml:Assertion>";

impl TokenService for Harness {
    fn issue(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        assert!(cx.message.is_some(), "SOAP requests carry their message");
        if rst
            .applies_to
            .as_ref()
            .is_some_and(|a| a.address == "urn:unknown-rp")
        {
            return Err(RequestError::InvalidScope.into());
        }
        Ok(Rstr {
            token_type: rst.token_type_uri.clone(),
            request_type: Some(rst.request_type),
            requested_token: Some(RawXml::new(TOKEN.to_vec())),
            attached_reference: Some(TokenReference::Saml {
                version: SamlVersion::V20,
                id: "_tok".into(),
            }),
            unattached_reference: Some(TokenReference::Saml {
                version: SamlVersion::V20,
                id: "_tok".into(),
            }),
            applies_to: rst.applies_to.clone(),
            key_type: rst.key_type,
            lifetime: Some(Lifetime {
                created: Some(time::macros::datetime!(2026-11-22 21:00 UTC)),
                expires: Some(time::macros::datetime!(2026-11-22 22:00 UTC)),
            }),
            ..Rstr::default()
        })
    }
    fn validate(&self, _: &Rst<'_, '_>, _: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        Ok(Rstr {
            token_type: Some(format!("{}/RSTR/Status", ns::WST_13)),
            status: Some(Status {
                valid: true,
                reason: None,
            }),
            ..Rstr::default()
        })
    }
    fn renew(&self, rst: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        self.issue(rst, cx)
    }
    fn cancel(&self, _: &Rst<'_, '_>, _: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
        Ok(Rstr {
            cancelled: true,
            ..Rstr::default()
        })
    }
    fn message_id(&self) -> Option<String> {
        Some("urn:uuid:00000000-0000-4000-8000-000000000000".into())
    }
}

fn name(n: Option<roxmltree::Node<'_, '_>>) -> String {
    n.map_or("-".into(), |n| n.tag_name().name().to_owned())
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map_or("-".into(), |v| v.to_string())
}

fn describe_rst(out: &mut String, i: usize, r: &Rst<'_, '_>) {
    let p = format!("rst[{i}].");
    let mut w = |k: &str, v: String| {
        let _ = writeln!(out, "{p}{k}={v}");
    };
    w("version", format!("{:?}", r.version));
    w("request_type", format!("{:?}", r.request_type));
    w("context", opt(&r.context));
    w(
        "token_type",
        format!("{:?} {}", r.token_type, opt(&r.token_type_uri)),
    );
    w(
        "applies_to",
        r.applies_to.as_ref().map_or("-".into(), |a| {
            format!("{} {:?} {:?}", a.address, a.policy, a.addressing)
        }),
    );
    w(
        "lifetime",
        r.lifetime.map_or("-".into(), |l| {
            format!("{} {}", opt(&l.created), opt(&l.expires))
        }),
    );
    w("key_type", format!("{:?}", r.key_type));
    w("key_size", opt(&r.key_size));
    w(
        "entropy",
        match &r.entropy {
            None => "-".into(),
            Some(Entropy::BinarySecret(b)) => {
                format!("{:?} {} bytes", b.kind, b.value.as_bytes().len())
            }
            Some(Entropy::EncryptedKey(n)) => format!("EncryptedKey {}", name(Some(*n))),
        },
    );
    w("computed_key_algorithm", opt(&r.computed_key_algorithm));
    w(
        "use_key",
        r.use_key.map_or("-".into(), |u| {
            format!("{} sig={}", name(Some(u.key)), u.sig.unwrap_or("-"))
        }),
    );
    w(
        "claims",
        r.claims.as_ref().map_or("-".into(), |c| {
            let types: Vec<String> = c
                .claim_types
                .iter()
                .map(|t| format!("{}{}", t.uri, if t.optional { "?" } else { "" }))
                .collect();
            format!("{} [{}]", opt(&c.dialect), types.join(" "))
        }),
    );
    w("on_behalf_of", name(r.on_behalf_of));
    w("act_as", name(r.act_as));
    w("renewing", format!("{:?}", r.renewing));
    w("allow_postdating", r.allow_postdating.to_string());
    w("validate_target", name(r.validate_target));
    w("renew_target", name(r.renew_target));
    w("cancel_target", name(r.cancel_target));
    w("secondary_parameters", name(r.secondary_parameters));
    w("sign_with", opt(&r.sign_with));
    w("encrypt_with", opt(&r.encrypt_with));
    w("signature_algorithm", opt(&r.signature_algorithm));
    w("encryption_algorithm", opt(&r.encryption_algorithm));
    w(
        "canonicalization_algorithm",
        opt(&r.canonicalization_algorithm),
    );
    w(
        "participants",
        r.participants.as_ref().map_or("-".into(), |p| {
            format!(
                "primary={} others={}",
                p.primary.is_some(),
                p.participants.len()
            )
        }),
    );
    let ext: Vec<&str> = r.extensions.iter().map(|n| n.tag_name().name()).collect();
    w("extensions", format!("[{}]", ext.join(" ")));
}

/// The parsed form (when the request parses) followed by the answer's shape.
fn describe(bytes: &[u8]) -> String {
    let limits = Limits::default();
    let mut out = String::new();
    if let Ok(text) = wstrust::xml::parse_bytes(bytes, &limits) {
        if let Ok(doc) = wstrust::xml::parse(text, &limits) {
            if let Ok(msg) = Message::parse(&doc) {
                let a = msg.addressing();
                let _ = writeln!(out, "soap={:?}", msg.version());
                let _ = writeln!(out, "wsa={:?}", a.version);
                let _ = writeln!(out, "action={}", opt(&a.action));
                let _ = writeln!(out, "message_id={}", opt(&a.message_id));
                let _ = writeln!(out, "to={}", opt(&a.to));
                let _ = writeln!(out, "security_headers={}", msg.security_headers().count());
                if let Ok(req) = Request::parse(msg.payload()) {
                    match &req {
                        Request::Single(r) => describe_rst(&mut out, 0, r),
                        Request::Batch(v) => {
                            for (i, r) in v.iter().enumerate() {
                                describe_rst(&mut out, i, r);
                            }
                        }
                    }
                }
            }
        }
    }
    let reply = handle_soap(&Harness, bytes, &TransportContext::default(), &limits);
    let _ = writeln!(out, "error={:?}", reply.error);
    out.push_str(&check_reply(bytes, &reply));
    out
}

/// Check the answer's structure against the request and summarize it.
fn check_reply(request: &[u8], reply: &wstrust::service::SoapResponse) -> String {
    let text = std::str::from_utf8(&reply.body).expect("reply is UTF-8");
    let doc = roxmltree::Document::parse(text).expect("reply parses");
    let env = doc.root_element();
    let soap = SoapVersion::from_namespace(env.tag_name().namespace().unwrap()).unwrap();
    assert_eq!(reply.content_type, soap.content_type());
    let soap_s = match soap {
        SoapVersion::Soap11 => "1.1",
        SoapVersion::Soap12 => "1.2",
    };
    let body = env
        .children()
        .find(|n| n.has_tag_name((soap.namespace(), "Body")))
        .expect("Body");
    let payload = body.first_element_child().expect("payload");
    if payload.has_tag_name((soap.namespace(), "Fault")) {
        assert_ne!(reply.http_status, 200);
        let code = match soap {
            SoapVersion::Soap11 => payload
                .children()
                .find(|n| n.has_tag_name("faultcode"))
                .expect("faultcode"),
            SoapVersion::Soap12 => payload
                .descendants()
                .filter(|n| n.has_tag_name((soap.namespace(), "Value")))
                .nth(1)
                .expect("Subcode/Value"),
        };
        let qname = code.text().unwrap();
        let (prefix, _) = qname.split_once(':').unwrap();
        let uri = code.lookup_namespace_uri(Some(prefix)).unwrap();
        assert!(
            [ns::WST_13, ns::WST_2005, ns::WSSE].contains(&uri),
            "fault code namespace {uri}"
        );
        // No detail and nothing of the request echoed: every text node of the
        // reply is the code, the generic reason, Sender/Receiver, the fault
        // action or the request's MessageID.
        let fault = Fault::from(reply.error.as_ref().expect("a fault has a cause"));
        let mut allowed = vec![
            qname.to_owned(),
            fault.reason().to_owned(),
            "s:Sender".to_owned(),
            "s:Receiver".to_owned(),
            AddressingVersion::Wsa10.fault_action().to_owned(),
            AddressingVersion::Wsa200408.fault_action().to_owned(),
        ];
        if let Ok(t) = std::str::from_utf8(request) {
            if let Ok(d) = roxmltree::Document::parse(t) {
                // the request's MessageID, echoed as RelatesTo
                allowed.extend(
                    d.descendants()
                        .filter(|n| n.tag_name().name() == "MessageID")
                        .filter_map(|n| n.text())
                        .map(|t| t.trim().to_owned()),
                );
            }
        }
        for t in doc.descendants().filter(|n| n.is_text()) {
            let t = t.text().unwrap_or("");
            assert!(
                allowed.iter().any(|a| a == t),
                "unexpected text {t:?} in fault"
            );
        }
        assert_eq!(qname.split_once(':').unwrap().1, fault.code.local_name());
        return format!("http={} soap={soap_s} fault={qname}\n", reply.http_status);
    }
    assert_eq!(reply.http_status, 200);
    // The issued token is embedded byte-for-byte.
    let token_in = text.as_bytes().windows(TOKEN.len()).any(|w| w == TOKEN);
    let root = payload.tag_name().name();
    let rstrs: Vec<_> = payload
        .descendants()
        .filter(|n| n.tag_name().name() == "RequestSecurityTokenResponse")
        .collect();
    let trust_ns = payload.tag_name().namespace().unwrap();
    let version = Version::from_namespace(trust_ns).unwrap();
    assert_eq!(
        root == "RequestSecurityTokenResponseCollection",
        version.wraps_in_collection() || rstrs.len() > 1
    );
    // Addressing: Action, RelatesTo = request MessageID, MessageID.
    let req_text = std::str::from_utf8(request).unwrap();
    let req_doc = roxmltree::Document::parse(req_text).unwrap();
    let req_msg = Message::parse(&req_doc).unwrap();
    let header = |local: &str| {
        env.children()
            .flat_map(|h| h.children())
            .find(|n| n.tag_name().name() == local)
            .and_then(|n| n.text())
            .map(str::to_owned)
    };
    if let Some(v) = req_msg.addressing().version {
        assert_eq!(
            env.lookup_namespace_uri(Some("a")),
            Some(match v {
                AddressingVersion::Wsa10 => ns::WSA,
                AddressingVersion::Wsa200408 => ns::WSA_2004,
            })
        );
        assert_eq!(header("RelatesTo"), req_msg.addressing().message_id);
    }
    let contexts: Vec<&str> = rstrs
        .iter()
        .map(|r| r.attribute("Context").unwrap_or("-"))
        .collect();
    let statuses: Vec<String> = rstrs
        .iter()
        .map(|r| {
            r.descendants()
                .find(|n| n.tag_name().name() == "Code")
                .and_then(|n| n.text())
                .map_or("-".into(), |c| {
                    c.rsplit('/').next().unwrap_or("").to_owned()
                })
        })
        .collect();
    format!(
        "http=200 soap={soap_s} action={} root={root} rstrs={} contexts=[{}] status=[{}] token_verbatim={token_in}\n",
        header("Action").unwrap_or_else(|| "-".into()),
        rstrs.len(),
        contexts.join(" "),
        statuses.join(" ")
    )
}

fn vectors() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/wst");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    v.sort();
    v
}

#[test]
fn golden_vectors() {
    let bless = std::env::var_os("WSTRUST_BLESS").is_some();
    let mut failures = Vec::new();
    let cases = vectors();
    assert!(cases.len() >= 30, "vectors missing");
    for case in cases {
        let bytes = std::fs::read(&case).unwrap();
        let got = describe(&bytes);
        let exp_path = case.with_extension("expected");
        if bless {
            std::fs::write(&exp_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&exp_path).unwrap_or_default();
        if got != want {
            failures.push(format!(
                "{}:\n--- want\n{want}--- got\n{got}",
                case.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_client_fixture_issues_in_its_own_versions() {
    for case in vectors() {
        let file = case.file_name().unwrap().to_str().unwrap();
        if file.starts_with("bad_") {
            continue;
        }
        let bytes = std::fs::read(&case).unwrap();
        let reply = handle_soap(
            &Harness,
            &bytes,
            &TransportContext::default(),
            &Limits::default(),
        );
        assert_eq!(
            reply.http_status,
            200,
            "{file}: {}",
            String::from_utf8_lossy(&reply.body)
        );
    }
}

#[test]
fn host_built_request_has_no_message() {
    struct NoMsg;
    impl TokenService for NoMsg {
        fn issue(&self, _: &Rst<'_, '_>, cx: &RequestContext<'_, '_, '_>) -> Result<Rstr, Error> {
            assert!(cx.message.is_none());
            Ok(Rstr::default())
        }
    }
    let rst = Rst::new(Version::Trust13, RequestKind::Issue);
    rst.check().unwrap();
    let limits = Limits::default();
    let transport = TransportContext::default();
    let cx = RequestContext::new(&transport, None, &limits);
    assert!(NoMsg.dispatch(&rst, &cx).is_ok());
    assert!(NoMsg
        .dispatch(&Rst::new(Version::Trust13, RequestKind::Renew), &cx)
        .is_err());
}
