//! The blocking HTTPS layer of the client (`client-http`) against a fresh
//! `wstrust serve`: MEX discovery, Issue on every endpoint it supports
//! (usernamemixed and certificatemixed, WS-Trust 1.3 and 2005, SOAP 1.2 and
//! 1.1), Validate/Renew/Cancel, a typed fault, and TLS trust failure.
#![cfg(all(feature = "client-http", feature = "cli"))]
#![allow(clippy::unwrap_used)]

mod server_common;
use server_common::*;

use std::sync::Arc;
use time::OffsetDateTime;
use wstrust::client::http::HttpClient;
use wstrust::client::{mex, ClientError, Credential, CredentialKind, Request};
use wstrust::error::FaultCode;
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{MemoryKeyResolver, OsRandom};
use wstrust::soap::SoapVersion;
use wstrust::wst::Version;
use wstrust::{xenc, Error};

const RP: &str = "https://localhost:9444/services/echo";

fn pem(p: &std::path::Path) -> Certificate {
    Certificate::from_pem(&std::fs::read(p).unwrap()).unwrap()
}

fn id(n: u32) -> String {
    format!("urn:uuid:00000000-0000-4000-8000-{n:012}")
}

#[test]
fn client_gets_tokens_from_wstrust_serve() {
    let s = Server::start(&[]);
    assert!(s.base.starts_with("https://"), "{}", s.base);
    let http = HttpClient::new(&[pem(&s.data().join("tls.crt"))]);
    let admin = Credential::username("admin", PASSWORD);
    let client = Credential::x509(
        pem(&s.data().join("client.crt")),
        Arc::new(
            AwsLcRsaKey::from_pem(&std::fs::read(s.data().join("client.key")).unwrap()).unwrap(),
        ),
    );
    let now = OffsetDateTime::now_utc;

    // MEX discovery, as MSAL does
    let found = http.mex(&s.url("/adfs/services/trust/mex")).unwrap();
    let ep = mex::choose(&found, CredentialKind::UsernamePassword).unwrap();
    assert!(
        ep.address
            .ends_with("/adfs/services/trust/13/usernamemixed"),
        "{ep:?}"
    );
    assert_eq!(ep.version, Version::Trust13);
    let env = ep
        .issue()
        .applies_to(RP)
        .build(&admin, now(), &id(1))
        .unwrap();
    let r = http.send(&env).unwrap();
    let token = std::str::from_utf8(r.token.as_ref().unwrap().as_bytes()).unwrap();
    assert!(token.contains("EncryptedAssertion"), "{token}");

    // every endpoint, each version, SOAP 1.2 and (2005) 1.1
    let mut n = 10;
    for (path, cred) in [("usernamemixed", &admin), ("certificatemixed", &client)] {
        for (v, dir, soaps) in [
            (Version::Trust13, "13", vec![SoapVersion::Soap12]),
            (
                Version::Trust2005,
                "2005",
                vec![SoapVersion::Soap12, SoapVersion::Soap11],
            ),
        ] {
            for soap in soaps {
                n += 1;
                let url = s.url(&format!("/adfs/services/trust/{dir}/{path}"));
                let env = Request::issue(v, url)
                    .soap_version(soap)
                    .applies_to(RP)
                    .build(cred, now(), &id(n))
                    .unwrap();
                let r = http.send(&env);
                let r = r.unwrap_or_else(|e| panic!("{path} {dir} {soap:?}: {e}"));
                assert!(r.token.is_some());
                assert_eq!(r.soap, soap);
                assert_eq!(r.version, v);
            }
        }
    }

    // validate, renew, cancel the first token, as its relying party sees it
    // (decrypted with rp.key: the STS validates assertions, not ciphertext)
    let mut keys = MemoryKeyResolver::new();
    keys.add(
        pem(&s.data().join("rp.crt")),
        Arc::new(AwsLcRsaKey::from_pem(&std::fs::read(s.data().join("rp.key")).unwrap()).unwrap()),
    )
    .unwrap();
    let decrypt = |t: &wstrust::wst::RawXml| {
        let text = std::str::from_utf8(t.as_bytes()).unwrap();
        xenc::decrypt_document(
            text,
            &keys,
            &Default::default(),
            &OsRandom,
            &Default::default(),
        )
        .unwrap()
    };
    let url = s.url("/adfs/services/trust/13/usernamemixed");
    let first = decrypt(r.token.as_ref().unwrap());
    let status = |t: &[u8], n| {
        let env = Request::validate(Version::Trust13, url.clone(), t)
            .build(&admin, now(), &id(n))
            .unwrap();
        http.send(&env).unwrap().status.unwrap().valid
    };
    assert!(status(first.as_bytes(), 100));
    let env = Request::renew(Version::Trust13, url.clone(), first.as_bytes())
        .build(&admin, now(), &id(101))
        .unwrap();
    let second = decrypt(&http.send(&env).unwrap().token.unwrap());
    assert_ne!(first, second);
    assert!(!status(first.as_bytes(), 102));
    let env = Request::cancel(Version::Trust13, url.clone(), second.as_bytes())
        .build(&admin, now(), &id(103))
        .unwrap();
    assert!(http.send(&env).unwrap().cancelled);
    assert!(!status(second.as_bytes(), 104));

    // a wrong password: the STS's fault, typed
    let env = Request::issue(Version::Trust13, url.clone())
        .applies_to(RP)
        .build(&Credential::username("admin", "wrong"), now(), &id(105))
        .unwrap();
    match http.send(&env) {
        Err(Error::Client(ClientError::Fault(f))) => {
            assert_eq!(f.code(), Some(FaultCode::FailedAuthentication), "{f:?}")
        }
        other => panic!("{other:?}"),
    }

    // a server whose certificate does not chain to the anchors given
    let stranger = HttpClient::new(&[pem(&s.data().join("rp.crt"))]);
    let env = Request::issue(Version::Trust13, url.clone())
        .applies_to(RP)
        .build(&admin, now(), &id(106))
        .unwrap();
    match stranger.send(&env) {
        Err(Error::Client(ClientError::Tls(_))) => {}
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        stranger.mex(&s.url("/adfs/services/trust/mex")),
        Err(Error::Client(ClientError::Tls(_)))
    ));
    // and plain HTTP is refused before anything is sent
    let plain = url.replacen("https://", "http://", 1);
    let env = Request::issue(Version::Trust13, plain)
        .applies_to(RP)
        .build(&admin, now(), &id(107))
        .unwrap();
    assert!(matches!(
        http.send(&env),
        Err(Error::Client(ClientError::Http(_)))
    ));
}
