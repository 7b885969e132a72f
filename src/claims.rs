//! Claims: the attribute values an issued token carries.
//!
//! The host implements [`ClaimsProvider`] (principal, requested claims,
//! relying party -> values); the shipped [`AttributeClaims`] reads the
//! attributes the user store returned. [`resolve`] applies the rules around
//! it: only the identity dialect ([`DIALECT_IDENTITY`]) and the host's local
//! dialect are understood; a claim the relying party may not receive is
//! dropped if optional and refused if required; a required claim without a
//! value is refused (`MissingClaim`), an optional one skipped.
//!
//! ```
//! use wstrust::claims::{resolve, AttributeClaims, Requested};
//! use wstrust::host::{Attributes, Principal};
//! use wstrust::rp::RelyingParty;
//! let p = Principal { name: "alice".into(), domain: "PRIMARY".into(), roles: vec![] };
//! let mut attrs = Attributes::new();
//! attrs.insert("http://wso2.org/claims/emailaddress".into(), vec!["alice@example.org".into()]);
//! let provider = AttributeClaims::new("http://wso2.org/claims");
//! let req = Requested::identity(["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"], false);
//! let out = resolve(&provider, &p, &attrs, Some(&req), &RelyingParty::new("urn:rp")).unwrap();
//! assert_eq!(out[0].values, ["alice@example.org"]);
//! ```

use crate::error::{Error, IssueError};
use crate::host::{Attributes, Principal};
use crate::rp::RelyingParty;
use crate::saml::Attribute;
use crate::wst::ClaimType;
use std::fmt::Debug;

/// The WS-Identity claims dialect.
pub const DIALECT_IDENTITY: &str = crate::wst::rst::DIALECT_IDENTITY;
/// The namespace of WS-Identity claim type URIs
/// (`.../identity/claims/emailaddress`).
pub const IDENTITY_CLAIMS: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims";
/// The seed product's local dialect, a sensible default for hosts.
pub const DIALECT_WSO2: &str = "http://wso2.org/claims";

/// The claims a request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    /// The dialect URI.
    pub dialect: String,
    /// The claim types with their `Optional` flags.
    pub claims: Vec<ClaimType>,
}

impl Requested {
    /// Claims in the identity dialect, all with the same `optional` flag.
    pub fn identity<I, S>(uris: I, optional: bool) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            dialect: DIALECT_IDENTITY.to_owned(),
            claims: uris
                .into_iter()
                .map(|u| ClaimType {
                    uri: u.into(),
                    optional,
                })
                .collect(),
        }
    }

    /// From the RST's `wst:Claims` (its dialect; identity when absent).
    pub fn from_rst(c: &crate::wst::Claims<'_, '_>) -> Self {
        Self {
            dialect: c
                .dialect
                .clone()
                .unwrap_or_else(|| DIALECT_IDENTITY.to_owned()),
            claims: c.claim_types.clone(),
        }
    }
}

/// Supplies claim values.
///
/// # Security contract
/// Return only values that belong to `principal`; never a password, key or
/// other secret (values end up in tokens the relying party reads). A
/// principal in [`crate::auth::SAML_DOMAIN`] or [`crate::auth::X509_DOMAIN`]
/// is no account of the user store: its name was chosen by a partner or a
/// certificate, so never derive local values (a UPN, a department) from it;
/// `attributes` then holds only what the partner's acceptance rule let
/// through. An `Err`
/// is for a source that cannot answer, never for "no value" (return no
/// values instead): the caller decides whether a missing claim is fatal.
pub trait ClaimsProvider: Debug + Send + Sync {
    /// The values of `claim` (a claim type URI in `dialect`) for `principal`
    /// whose user-store attributes are `attributes`, issued to `rp`. An
    /// empty vector when there is none.
    fn values(
        &self,
        principal: &Principal,
        attributes: &Attributes,
        dialect: &str,
        claim: &str,
        rp: &RelyingParty,
    ) -> Result<Vec<String>, Error>;

    /// Whether `dialect` is understood (default: the identity dialect).
    fn understands(&self, dialect: &str) -> bool {
        dialect == DIALECT_IDENTITY
    }
}

/// The default [`ClaimsProvider`]: claim values straight from the user
/// store's attributes.
///
/// An attribute is looked up by the full claim URI first, then (for an
/// identity claim `.../identity/claims/NAME` or a local-dialect claim
/// `LOCAL/NAME`) by the same name in the other dialect. Roles are also
/// available as `.../identity/claims/role` and `LOCAL/role`.
#[derive(Debug, Clone)]
pub struct AttributeClaims {
    local_dialect: String,
}

impl AttributeClaims {
    /// A provider whose host-defined dialect is `local_dialect` (for example
    /// [`DIALECT_WSO2`]).
    pub fn new(local_dialect: impl Into<String>) -> Self {
        let mut d: String = local_dialect.into();
        while d.ends_with('/') {
            d.pop();
        }
        Self { local_dialect: d }
    }
}

impl ClaimsProvider for AttributeClaims {
    fn values(
        &self,
        principal: &Principal,
        attributes: &Attributes,
        _dialect: &str,
        claim: &str,
        _rp: &RelyingParty,
    ) -> Result<Vec<String>, Error> {
        if let Some(v) = attributes.get(claim) {
            return Ok(v.clone());
        }
        let local = claim
            .strip_prefix(IDENTITY_CLAIMS)
            .or_else(|| claim.strip_prefix(self.local_dialect.as_str()))
            .and_then(|rest| rest.strip_prefix('/'))
            .filter(|n| !n.is_empty() && !n.contains('/'));
        let Some(name) = local else {
            return Ok(Vec::new());
        };
        for candidate in [
            format!("{IDENTITY_CLAIMS}/{name}"),
            format!("{}/{name}", self.local_dialect),
            name.to_owned(),
        ] {
            if let Some(v) = attributes.get(&candidate) {
                return Ok(v.clone());
            }
        }
        if name == "role" {
            return Ok(principal.roles.clone());
        }
        Ok(Vec::new())
    }

    fn understands(&self, dialect: &str) -> bool {
        dialect == DIALECT_IDENTITY || dialect.trim_end_matches('/') == self.local_dialect
    }
}

/// The attributes to put into a token for `principal` and `rp`.
///
/// `requested` is the RST's claims. When it is absent, or names no claim
/// types in a dialect the provider understands, the party's default claims
/// ([`RelyingParty::defaults`]: its `default_claims`, else its allowed list
/// when it has one, else none) are issued as optional identity claims.
/// Requested claims are filtered by the party's allowed list either way.
pub fn resolve(
    provider: &dyn ClaimsProvider,
    principal: &Principal,
    attributes: &Attributes,
    requested: Option<&Requested>,
    rp: &RelyingParty,
) -> Result<Vec<Attribute>, Error> {
    let defaults;
    let requested = match requested {
        Some(r) if !r.claims.is_empty() || !provider.understands(&r.dialect) => r,
        _ => {
            if rp.defaults().is_empty() {
                return Ok(Vec::new());
            }
            defaults = Requested::identity(rp.defaults().iter().cloned(), true);
            &defaults
        }
    };
    if !provider.understands(&requested.dialect) {
        return Err(IssueError::UnsupportedDialect(requested.dialect.clone()).into());
    }
    let mut out: Vec<Attribute> = Vec::new();
    for c in &requested.claims {
        if out.iter().any(|a| a.name == c.uri) {
            continue;
        }
        let values = if rp.claims.allows(&c.uri) {
            provider.values(principal, attributes, &requested.dialect, &c.uri, rp)?
        } else {
            Vec::new()
        };
        if values.is_empty() {
            if c.optional {
                continue;
            }
            return Err(IssueError::MissingClaim(c.uri.clone()).into());
        }
        out.push(Attribute {
            name: c.uri.clone(),
            values,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alice() -> (Principal, Attributes) {
        let p = Principal {
            name: "alice".into(),
            domain: "PRIMARY".into(),
            roles: vec!["admin".into(), "staff".into()],
        };
        let mut a = Attributes::new();
        a.insert(format!("{DIALECT_WSO2}/givenname"), vec!["Alice".into()]);
        a.insert("mail".into(), vec!["alice@example.org".into()]);
        (p, a)
    }

    fn id(name: &str) -> String {
        format!("{IDENTITY_CLAIMS}/{name}")
    }

    #[test]
    fn identity_claims_from_local_attributes() {
        let (p, a) = alice();
        let prov = AttributeClaims::new("http://wso2.org/claims/");
        let req = Requested::identity([id("givenname"), id("mail"), id("role")], false);
        let out = resolve(&prov, &p, &a, Some(&req), &RelyingParty::new("urn:rp")).unwrap();
        let got: Vec<_> = out
            .iter()
            .map(|x| (x.name.as_str(), x.values.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (id("givenname").as_str(), vec!["Alice".to_owned()]),
                (id("mail").as_str(), vec!["alice@example.org".to_owned()]),
                (
                    id("role").as_str(),
                    vec!["admin".to_owned(), "staff".to_owned()]
                ),
            ]
        );
        // local dialect understood too
        let req = Requested {
            dialect: DIALECT_WSO2.into(),
            claims: vec![ClaimType {
                uri: format!("{DIALECT_WSO2}/givenname"),
                optional: false,
            }],
        };
        assert_eq!(
            resolve(&prov, &p, &a, Some(&req), &RelyingParty::new("urn:rp")).unwrap()[0].values,
            ["Alice"]
        );
    }

    #[test]
    fn missing_required_claim_is_refused_optional_skipped() {
        let (p, a) = alice();
        let prov = AttributeClaims::new(DIALECT_WSO2);
        let rp = RelyingParty::new("urn:rp");
        let req = Requested::identity([id("country")], true);
        assert!(resolve(&prov, &p, &a, Some(&req), &rp).unwrap().is_empty());
        let req = Requested::identity([id("country")], false);
        let e = resolve(&prov, &p, &a, Some(&req), &rp).unwrap_err();
        assert!(matches!(e, Error::Issue(IssueError::MissingClaim(u)) if u == id("country")));
    }

    #[test]
    fn unknown_dialect_refused() {
        let (p, a) = alice();
        let prov = AttributeClaims::new(DIALECT_WSO2);
        let req = Requested {
            dialect: "urn:other".into(),
            claims: vec![],
        };
        assert!(matches!(
            resolve(&prov, &p, &a, Some(&req), &RelyingParty::new("urn:rp")),
            Err(Error::Issue(IssueError::UnsupportedDialect(_)))
        ));
    }

    #[test]
    fn relying_party_allowlist() {
        let (p, a) = alice();
        let prov = AttributeClaims::new(DIALECT_WSO2);
        let rp = RelyingParty::new("urn:rp").claims([id("givenname")]);
        // not allowed + required: refused; optional: dropped
        let req = Requested::identity([id("mail")], false);
        assert!(resolve(&prov, &p, &a, Some(&req), &rp).is_err());
        let req = Requested::identity([id("mail"), id("givenname")], true);
        let out = resolve(&prov, &p, &a, Some(&req), &rp).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].name, id("givenname"));
        // no request: the party's list, optional
        let out = resolve(&prov, &p, &a, None, &rp).unwrap();
        assert_eq!(out.len(), 1);
        assert!(resolve(&prov, &p, &a, None, &RelyingParty::new("urn:x"))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn default_claims_when_the_request_names_none() {
        let (p, a) = alice();
        let prov = AttributeClaims::new(DIALECT_WSO2);
        let names = |out: Vec<Attribute>| out.into_iter().map(|x| x.name).collect::<Vec<_>>();
        // Any claim allowed, two by default (one without a value: left out).
        let rp =
            RelyingParty::new("urn:rp").default_claims([id("role"), id("country"), id("mail")]);
        assert_eq!(
            names(resolve(&prov, &p, &a, None, &rp).unwrap()),
            [id("role"), id("mail")]
        );
        let out = resolve(&prov, &p, &a, None, &rp).unwrap();
        assert_eq!(out[0].values, ["admin", "staff"]);
        // An empty wst:Claims in the identity dialect names none either.
        let empty = Requested::identity(Vec::<String>::new(), false);
        assert_eq!(
            names(resolve(&prov, &p, &a, Some(&empty), &rp).unwrap()),
            [id("role"), id("mail")]
        );
        // A request naming claims gets those, not the defaults.
        let req = Requested::identity([id("givenname")], false);
        assert_eq!(
            names(resolve(&prov, &p, &a, Some(&req), &rp).unwrap()),
            [id("givenname")]
        );
        // Defaults narrower than the allowed list; requests still filtered.
        let rp = RelyingParty::new("urn:rp")
            .claims([id("givenname"), id("role")])
            .default_claims([id("role")]);
        assert_eq!(
            names(resolve(&prov, &p, &a, None, &rp).unwrap()),
            [id("role")]
        );
        let req = Requested::identity([id("givenname"), id("mail")], true);
        assert_eq!(
            names(resolve(&prov, &p, &a, Some(&req), &rp).unwrap()),
            [id("givenname")]
        );
        // Explicitly none.
        let rp = RelyingParty::new("urn:rp")
            .claims([id("role")])
            .default_claims(Vec::<String>::new());
        assert!(resolve(&prov, &p, &a, None, &rp).unwrap().is_empty());
        // Unknown dialect with no claim types is still refused.
        let odd = Requested {
            dialect: "urn:odd".into(),
            claims: vec![],
        };
        assert!(resolve(&prov, &p, &a, Some(&odd), &rp).is_err());
    }
}
