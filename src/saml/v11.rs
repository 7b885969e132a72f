//! SAML 1.1 `saml:Assertion` writer (schema order: Conditions,
//! AuthenticationStatement, AttributeStatement, optional Signature).

use super::{datetime, Assertion};
use crate::confirm::Confirmation;
use crate::soap::Out;
use crate::xml::ns;

/// `ConfirmationMethod` for bearer tokens.
pub const CM_BEARER: &str = "urn:oasis:names:tc:SAML:1.0:cm:bearer";
/// `ConfirmationMethod` for holder-of-key tokens.
pub const CM_HOLDER_OF_KEY: &str = "urn:oasis:names:tc:SAML:1.0:cm:holder-of-key";
/// `ConfirmationMethod` for sender-vouches tokens.
pub const CM_SENDER_VOUCHES: &str = "urn:oasis:names:tc:SAML:1.0:cm:sender-vouches";

/// Split a claim URI into SAML 1.1 `AttributeNamespace` and `AttributeName`
/// at the last `/` (WIF's convention); a name without `/` gets the
/// namespace `urn:wstrust:attribute`.
pub fn split_name(uri: &str) -> (&str, &str) {
    match uri.rfind('/') {
        Some(i) if i > 0 && i + 1 < uri.len() => (&uri[..i], &uri[i + 1..]),
        _ => ("urn:wstrust:attribute", uri),
    }
}

fn subject(out: &mut Out, a: &Assertion) {
    out.open("saml:Subject", &[]);
    let (attrs, n) = a.subject.name_attributes();
    out.leaf("saml:NameIdentifier", &attrs[..n], &a.subject.name_id);
    out.open("saml:SubjectConfirmation", &[]);
    match &a.confirmation {
        Confirmation::Bearer => out.leaf("saml:ConfirmationMethod", &[], CM_BEARER),
        Confirmation::SenderVouches => out.leaf("saml:ConfirmationMethod", &[], CM_SENDER_VOUCHES),
        Confirmation::HolderOfKey { key_info } => {
            out.leaf("saml:ConfirmationMethod", &[], CM_HOLDER_OF_KEY);
            out.raw(key_info);
        }
    }
    out.close("saml:SubjectConfirmation");
    out.close("saml:Subject");
}

/// Write `a` as a SAML 1.1 assertion (unsigned).
pub fn write(a: &Assertion) -> Vec<u8> {
    let mut out = Out::new();
    write_into(a, &mut out);
    out.into_inner()
}

/// Write `a` into `out`; returns the offset where an enveloped signature
/// goes (last child, before `</saml:Assertion>`).
pub(crate) fn write_into(a: &Assertion, out: &mut Out) -> usize {
    let issue_instant = datetime(a.issue_instant);
    out.open(
        "saml:Assertion",
        &[
            ("xmlns:saml", ns::SAML1),
            ("MajorVersion", "1"),
            ("MinorVersion", "1"),
            ("AssertionID", &a.id),
            ("Issuer", &a.issuer),
            ("IssueInstant", &issue_instant),
        ],
    );
    let nb = datetime(a.not_before);
    let noa = datetime(a.not_on_or_after);
    if a.audiences.is_empty() {
        out.empty(
            "saml:Conditions",
            &[("NotBefore", &nb), ("NotOnOrAfter", &noa)],
        );
    } else {
        out.open(
            "saml:Conditions",
            &[("NotBefore", &nb), ("NotOnOrAfter", &noa)],
        );
        out.open("saml:AudienceRestrictionCondition", &[]);
        for aud in &a.audiences {
            out.leaf("saml:Audience", &[], aud);
        }
        out.close("saml:AudienceRestrictionCondition");
        out.close("saml:Conditions");
    }
    let attrs: Vec<_> = a
        .attributes
        .iter()
        .filter(|x| !x.values.is_empty())
        .collect();
    // SAML 1.1 needs at least one statement; an assertion without an
    // authentication statement or attributes gets an empty-method one.
    let authn = a.authn.or_else(|| {
        attrs
            .is_empty()
            .then_some((a.issue_instant, super::AuthnContext::Unspecified))
    });
    if let Some((instant, ctx)) = authn {
        let instant = datetime(instant);
        out.open(
            "saml:AuthenticationStatement",
            &[
                ("AuthenticationMethod", ctx.v11_uri()),
                ("AuthenticationInstant", &instant),
            ],
        );
        subject(out, a);
        out.close("saml:AuthenticationStatement");
    }
    if !attrs.is_empty() {
        out.open("saml:AttributeStatement", &[]);
        subject(out, a);
        for attr in attrs {
            let (namespace, name) = split_name(&attr.name);
            out.open(
                "saml:Attribute",
                &[("AttributeName", name), ("AttributeNamespace", namespace)],
            );
            for v in &attr.values {
                out.leaf("saml:AttributeValue", &[], v);
            }
            out.close("saml:Attribute");
        }
        out.close("saml:AttributeStatement");
    }
    let signature_at = out.len();
    out.close("saml:Assertion");
    signature_at
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;

    #[test]
    fn structure_and_attribute_names() {
        let xml = String::from_utf8(write(&sample(Confirmation::Bearer))).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert!(root.has_tag_name((ns::SAML1, "Assertion")));
        assert_eq!(root.attribute("AssertionID"), Some("_0123"));
        assert_eq!(root.attribute("MajorVersion"), Some("1"));
        assert_eq!(root.attribute("MinorVersion"), Some("1"));
        assert_eq!(root.attribute("Issuer"), Some("https://sts.example/"));
        let order: Vec<&str> = root
            .children()
            .filter(|n| n.is_element())
            .map(|n| n.tag_name().name())
            .collect();
        assert_eq!(
            order,
            [
                "Conditions",
                "AuthenticationStatement",
                "AttributeStatement"
            ]
        );
        let attr: Vec<(&str, &str)> = doc
            .descendants()
            .filter(|n| n.has_tag_name((ns::SAML1, "Attribute")))
            .map(|n| {
                (
                    n.attribute("AttributeNamespace").unwrap(),
                    n.attribute("AttributeName").unwrap(),
                )
            })
            .collect();
        assert_eq!(
            attr,
            [
                (
                    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims",
                    "emailaddress"
                ),
                ("http://wso2.org/claims", "role")
            ]
        );
        // both statements carry the subject
        let names: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name((ns::SAML1, "NameIdentifier")))
            .map(|n| n.text().unwrap())
            .collect();
        assert_eq!(names, ["alice&\"bob\"<x/>", "alice&\"bob\"<x/>"]);
        assert!(xml.contains(CM_BEARER));
        assert!(xml.contains("AudienceRestrictionCondition"));
    }

    #[test]
    fn holder_of_key_key_info_follows_method() {
        let ki = br#"<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:KeyName>k</ds:KeyName></ds:KeyInfo>"#;
        let xml = String::from_utf8(write(&sample(Confirmation::HolderOfKey {
            key_info: ki.to_vec(),
        })))
        .unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let sc = doc
            .descendants()
            .find(|n| n.has_tag_name((ns::SAML1, "SubjectConfirmation")))
            .unwrap();
        let kids: Vec<_> = sc.children().filter(|n| n.is_element()).collect();
        assert_eq!(kids.len(), 2);
        assert_eq!(crate::xml::whole_text(kids[0]), CM_HOLDER_OF_KEY);
        assert!(kids[1].has_tag_name((ns::DS, "KeyInfo")));
    }

    #[test]
    fn always_one_statement() {
        let mut a = sample(Confirmation::SenderVouches);
        a.attributes.clear();
        a.authn = None;
        let xml = String::from_utf8(write(&a)).unwrap();
        assert!(xml.contains("AuthenticationStatement"));
        assert!(xml.contains(CM_SENDER_VOUCHES));
    }

    #[test]
    fn split() {
        assert_eq!(split_name("a/b/c"), ("a/b", "c"));
        assert_eq!(split_name("name"), ("urn:wstrust:attribute", "name"));
        assert_eq!(split_name("a/"), ("urn:wstrust:attribute", "a/"));
    }
}
