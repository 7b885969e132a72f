//! A custom `ClaimsProvider`: claim values from the host's own sources.
//!
//! `cargo run --example custom_claims`
//!
//! The provider answers two claims itself (a computed `upn` and a
//! department from an HR table) and defers to the shipped
//! `AttributeClaims` for the rest. It follows the trait's contract: only
//! values that belong to the principal, never a secret, `Err` only when a
//! source cannot answer.

use std::collections::HashMap;
use std::sync::Arc;
use wstrust::claims::{AttributeClaims, ClaimsProvider, DIALECT_IDENTITY, DIALECT_WSO2};
use wstrust::config::StsConfig;
use wstrust::host::{Attributes, Principal};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::MemoryUserStore;
use wstrust::rp::{RelyingParties, RelyingParty};
use wstrust::service::TransportContext;
use wstrust::sts::Sts;

const UPN: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";
const DEPARTMENT: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/department";

#[derive(Debug)]
struct HrClaims {
    departments: HashMap<String, String>,
    fallback: AttributeClaims,
}

impl ClaimsProvider for HrClaims {
    fn values(
        &self,
        principal: &Principal,
        attributes: &Attributes,
        dialect: &str,
        claim: &str,
        rp: &RelyingParty,
    ) -> Result<Vec<String>, wstrust::Error> {
        // Values derived from the name only for accounts of the local
        // directory: a partner's (or a certificate's) principal chose its
        // own name, and a partner's `alice` is not our alice.
        let local = principal.is_local();
        match claim {
            UPN | DEPARTMENT if !local => Ok(Vec::new()),
            UPN => Ok(vec![format!("{}@corp.example", principal.name)]),
            DEPARTMENT => Ok(self
                .departments
                .get(&principal.name)
                .cloned()
                .into_iter()
                .collect()),
            _ => self
                .fallback
                .values(principal, attributes, dialect, claim, rp),
        }
    }

    fn understands(&self, dialect: &str) -> bool {
        dialect == DIALECT_IDENTITY
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut departments = HashMap::new();
    departments.insert("alice".to_owned(), "Research".to_owned());
    let claims = HrClaims {
        departments,
        fallback: AttributeClaims::new(DIALECT_WSO2),
    };

    let mut rps = RelyingParties::new();
    rps.add(RelyingParty::new("https://app.example/"));
    let config = StsConfig::builder()
        .issuer("https://sts.example/")
        .signing_key(
            Arc::new(AwsLcRsaKey::from_pem(include_bytes!(
                "../tests/data/signer.key.pem"
            ))?),
            Certificate::from_pem(include_bytes!("../tests/data/signer.cert.pem"))?,
        )
        // alice / alice-password (development users with public passwords)
        .users(Arc::new(MemoryUserStore::demo()))
        .claims(Arc::new(claims))
        .relying_parties(rps)
        .build()?;
    let sts = Sts::new(config);

    let reply = sts.handle_soap(
        request().as_bytes(),
        &TransportContext {
            tls: true,
            ..TransportContext::default()
        },
    );
    let body = String::from_utf8(reply.body)?;
    println!("HTTP {}", reply.http_status);
    for needle in ["alice@corp.example", "Research", "alice@example.com"] {
        println!("  token carries {needle:<20} {}", body.contains(needle));
    }
    Ok(())
}

/// A WS-Trust 1.3 Issue request asking for three identity claims.
fn request() -> String {
    let created = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><s:Header><a:Action>http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue</a:Action><o:Security><u:Timestamp><u:Created>{created}</u:Created></u:Timestamp><o:UsernameToken><o:Username>alice</o:Username><o:Password>alice-password</o:Password></o:UsernameToken></o:Security></s:Header><s:Body><t:RequestSecurityToken xmlns:t="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><a:EndpointReference><a:Address>https://app.example/</a:Address></a:EndpointReference></wsp:AppliesTo><t:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</t:RequestType><t:Claims Dialect="http://schemas.xmlsoap.org/ws/2005/05/identity" xmlns:i="http://schemas.xmlsoap.org/ws/2005/05/identity"><i:ClaimType Uri="{UPN}"/><i:ClaimType Uri="{DEPARTMENT}"/><i:ClaimType Uri="http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"/></t:Claims></t:RequestSecurityToken></s:Body></s:Envelope>"#
    )
}
