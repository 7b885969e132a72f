//! A custom `UserStore`: the host's own user directory behind the STS.
//!
//! `cargo run --example custom_user_store`
//!
//! The store below keeps users in a map, as a directory client or database
//! would answer. It follows the trait's security contract: an unknown user
//! and a wrong password look the same (`Ok(None)`) and cost the same (a
//! dummy password is checked), comparisons are constant time
//! (`Credential::matches`), attributes carry no secrets.

use std::collections::HashMap;
use std::sync::Arc;
use wstrust::config::StsConfig;
use wstrust::host::{Attributes, Credential, Principal, Secret, User, UserStore};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::rp::{RelyingParties, RelyingParty};
use wstrust::service::TransportContext;
use wstrust::sts::Sts;

/// One directory entry.
#[derive(Debug)]
struct Entry {
    password: Secret,
    department: String,
    roles: Vec<String>,
}

/// The host's directory.
#[derive(Debug)]
struct Directory {
    users: HashMap<String, Entry>,
    dummy: Secret,
}

impl Directory {
    fn user(&self, name: &str, e: &Entry) -> User {
        let mut attributes = Attributes::new();
        attributes.insert(
            "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/department".into(),
            vec![e.department.clone()],
        );
        User {
            principal: Principal {
                name: name.to_owned(),
                domain: "CORP".to_owned(),
                roles: e.roles.clone(),
            },
            attributes,
        }
    }
}

impl UserStore for Directory {
    fn authenticate(
        &self,
        username: &str,
        credential: &Credential<'_>,
    ) -> Result<Option<User>, wstrust::Error> {
        // "CORP/name" or "name"; another domain is not ours.
        let name = match username.split_once('/') {
            Some((d, n)) if d.eq_ignore_ascii_case("CORP") => n,
            Some(_) => return Ok(None),
            None => username,
        };
        match self.users.get(name) {
            Some(e) if credential.matches(&e.password) => Ok(Some(self.user(name, e))),
            Some(_) => Ok(None),
            None => {
                // Same work for an unknown name: no user-name oracle.
                let _ = credential.matches(&self.dummy);
                Ok(None)
            }
        }
    }

    fn lookup(&self, name: &str) -> Result<Option<User>, wstrust::Error> {
        Ok(self.users.get(name).map(|e| self.user(name, e)))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut users = HashMap::new();
    users.insert(
        "dana".to_owned(),
        Entry {
            password: Secret::new("dana-password"),
            department: "Research".into(),
            roles: vec!["Internal/everyone".into()],
        },
    );
    let directory = Directory {
        users,
        dummy: Secret::new("\0not a password\0"),
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
        .users(Arc::new(directory))
        .relying_parties(rps)
        .build()?;
    let sts = Sts::new(config);

    let tls = TransportContext {
        tls: true,
        ..TransportContext::default()
    };
    for (user, password) in [
        ("dana", "dana-password"),
        ("CORP/dana", "dana-password"),
        ("dana", "guess"),
        ("nobody", "x"),
    ] {
        let reply = sts.handle_soap(request(user, password).as_bytes(), &tls);
        let body = String::from_utf8_lossy(&reply.body);
        println!(
            "{user:>10} / {password:<14} -> HTTP {} {}",
            reply.http_status,
            if body.contains("RequestedSecurityToken") {
                "token issued"
            } else {
                "fault"
            }
        );
    }
    Ok(())
}

/// A WS-Trust 1.3 usernamemixed Issue request with a fresh Timestamp.
fn request(user: &str, password: &str) -> String {
    let created = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><s:Header><a:Action>http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue</a:Action><o:Security><u:Timestamp><u:Created>{created}</u:Created></u:Timestamp><o:UsernameToken><o:Username>{user}</o:Username><o:Password>{password}</o:Password></o:UsernameToken></o:Security></s:Header><s:Body><t:RequestSecurityToken xmlns:t="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><a:EndpointReference><a:Address>https://app.example/</a:Address></a:EndpointReference></wsp:AppliesTo><t:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</t:RequestType></t:RequestSecurityToken></s:Body></s:Envelope>"#
    )
}
