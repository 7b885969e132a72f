//! SAML 2.0 `saml:Assertion` writer (schema order: Issuer, optional Signature,
//! Subject, Conditions, AuthnStatement, AttributeStatement).

use super::{datetime, Assertion, ATTRNAME_URI, XSI};
use crate::confirm::Confirmation;
use crate::soap::Out;
use crate::xml::ns;

/// `SubjectConfirmation/@Method` for bearer tokens.
pub const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
/// `SubjectConfirmation/@Method` for holder-of-key tokens.
pub const CM_HOLDER_OF_KEY: &str = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key";
/// `SubjectConfirmation/@Method` for sender-vouches tokens.
pub const CM_SENDER_VOUCHES: &str = "urn:oasis:names:tc:SAML:2.0:cm:sender-vouches";

/// Write `a` as a SAML 2.0 assertion (unsigned).
pub fn write(a: &Assertion) -> Vec<u8> {
    let mut out = Out::new();
    write_into(a, &mut out);
    out.into_inner()
}

/// Write `a` into `out`; returns the offset where an enveloped signature
/// goes (right after `saml:Issuer`).
pub(crate) fn write_into(a: &Assertion, out: &mut Out) -> usize {
    let issue_instant = datetime(a.issue_instant);
    out.open(
        "saml:Assertion",
        &[
            ("xmlns:saml", ns::SAML2),
            ("ID", &a.id),
            ("IssueInstant", &issue_instant),
            ("Version", "2.0"),
        ],
    );
    out.leaf("saml:Issuer", &[], &a.issuer);
    let signature_at = out.len();

    out.open("saml:Subject", &[]);
    let (attrs, n) = a.subject.name_attributes();
    out.leaf("saml:NameID", &attrs[..n], &a.subject.name_id);
    match &a.confirmation {
        Confirmation::Bearer => {
            out.empty("saml:SubjectConfirmation", &[("Method", CM_BEARER)]);
        }
        Confirmation::SenderVouches => {
            out.empty("saml:SubjectConfirmation", &[("Method", CM_SENDER_VOUCHES)]);
        }
        Confirmation::HolderOfKey { key_info } => {
            out.open("saml:SubjectConfirmation", &[("Method", CM_HOLDER_OF_KEY)]);
            out.open(
                "saml:SubjectConfirmationData",
                &[
                    ("xmlns:xsi", XSI),
                    ("xsi:type", "saml:KeyInfoConfirmationDataType"),
                ],
            );
            out.raw(key_info);
            out.close("saml:SubjectConfirmationData");
            out.close("saml:SubjectConfirmation");
        }
    }
    out.close("saml:Subject");

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
        out.open("saml:AudienceRestriction", &[]);
        for aud in &a.audiences {
            out.leaf("saml:Audience", &[], aud);
        }
        out.close("saml:AudienceRestriction");
        out.close("saml:Conditions");
    }

    if let Some((instant, ctx)) = a.authn {
        let instant = datetime(instant);
        out.open("saml:AuthnStatement", &[("AuthnInstant", &instant)]);
        out.open("saml:AuthnContext", &[]);
        out.leaf("saml:AuthnContextClassRef", &[], ctx.v20_uri());
        out.close("saml:AuthnContext");
        out.close("saml:AuthnStatement");
    }

    let attrs: Vec<_> = a
        .attributes
        .iter()
        .filter(|x| !x.values.is_empty())
        .collect();
    if !attrs.is_empty() {
        out.open("saml:AttributeStatement", &[]);
        for attr in attrs {
            out.open(
                "saml:Attribute",
                &[("Name", &attr.name), ("NameFormat", ATTRNAME_URI)],
            );
            for v in &attr.values {
                out.leaf("saml:AttributeValue", &[], v);
            }
            out.close("saml:Attribute");
        }
        out.close("saml:AttributeStatement");
    }
    out.close("saml:Assertion");
    signature_at
}

#[cfg(test)]
mod tests {
    use super::super::tests::sample;
    use super::*;
    use crate::xml::c14n;

    fn texts(doc: &roxmltree::Document<'_>, name: &str) -> Vec<String> {
        doc.descendants()
            .filter(|n| n.has_tag_name((ns::SAML2, name)))
            .map(|n| crate::xml::whole_text(n).into_owned())
            .collect()
    }

    #[test]
    fn bearer_assertion_structure_and_escaping() {
        let xml = String::from_utf8(write(&sample(Confirmation::Bearer))).unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let root = doc.root_element();
        assert!(root.has_tag_name((ns::SAML2, "Assertion")));
        assert_eq!(root.attribute("ID"), Some("_0123"));
        assert_eq!(root.attribute("Version"), Some("2.0"));
        assert_eq!(
            root.attribute("IssueInstant"),
            Some("2026-01-01T12:00:00.000Z")
        );
        let order: Vec<&str> = root
            .children()
            .filter(|n| n.is_element())
            .map(|n| n.tag_name().name())
            .collect();
        assert_eq!(
            order,
            [
                "Issuer",
                "Subject",
                "Conditions",
                "AuthnStatement",
                "AttributeStatement"
            ]
        );
        assert_eq!(texts(&doc, "NameID"), ["alice&\"bob\"<x/>"]);
        assert_eq!(texts(&doc, "Audience"), ["https://rp.example/app?a=1&b=2"]);
        assert_eq!(
            texts(&doc, "AttributeValue"),
            ["alice@example.org", "admin", "</saml:Assertion>"]
        );
        let sc = doc
            .descendants()
            .find(|n| n.has_tag_name((ns::SAML2, "SubjectConfirmation")))
            .unwrap();
        assert_eq!(sc.attribute("Method"), Some(CM_BEARER));
        let cond = doc
            .descendants()
            .find(|n| n.has_tag_name((ns::SAML2, "Conditions")))
            .unwrap();
        assert_eq!(
            cond.attribute("NotOnOrAfter"),
            Some("2026-01-01T13:00:00.000Z")
        );
    }

    #[test]
    fn holder_of_key_and_sender_vouches() {
        let ki = br#"<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:KeyName>k</ds:KeyName></ds:KeyInfo>"#;
        let xml = String::from_utf8(write(&sample(Confirmation::HolderOfKey {
            key_info: ki.to_vec(),
        })))
        .unwrap();
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let scd = doc
            .descendants()
            .find(|n| n.has_tag_name((ns::SAML2, "SubjectConfirmationData")))
            .unwrap();
        assert_eq!(
            scd.attribute((XSI, "type")),
            Some("saml:KeyInfoConfirmationDataType")
        );
        assert!(scd
            .first_element_child()
            .unwrap()
            .has_tag_name((ns::DS, "KeyInfo")));
        assert!(xml.contains(CM_HOLDER_OF_KEY));
        let xml = String::from_utf8(write(&sample(Confirmation::SenderVouches))).unwrap();
        assert!(xml.contains(CM_SENDER_VOUCHES));
    }

    /// The assertion's exclusive canonical form is the same alone and pasted
    /// into a foreign document: it declares every namespace it uses.
    #[test]
    fn self_contained_when_cut_and_pasted() {
        let ki = br#"<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:KeyName>k</ds:KeyName></ds:KeyInfo>"#;
        let a = String::from_utf8(write(&sample(Confirmation::HolderOfKey {
            key_info: ki.to_vec(),
        })))
        .unwrap();
        let alone = roxmltree::Document::parse(&a).unwrap();
        let c1 = c14n::to_vec(alone.root_element(), &c14n::Options::exclusive()).unwrap();
        let pasted = format!(
            r#"<x:Env xmlns:x="urn:x" xmlns:saml="urn:wrong" xmlns:ds="urn:wrong2" xmlns="urn:default"><x:B>{a}</x:B></x:Env>"#
        );
        let doc = roxmltree::Document::parse(&pasted).unwrap();
        let node = doc
            .descendants()
            .find(|n| n.has_tag_name((ns::SAML2, "Assertion")))
            .unwrap();
        let c2 = c14n::to_vec(node, &c14n::Options::exclusive()).unwrap();
        assert_eq!(c1, c2);
        // No unqualified element anywhere (a default namespace would leak in).
        assert!(alone
            .descendants()
            .filter(|n| n.is_element())
            .all(|n| n.tag_name().namespace().is_some()));
    }

    #[test]
    fn empty_attributes_and_audiences_are_omitted() {
        let mut a = sample(Confirmation::Bearer);
        a.attributes.clear();
        a.audiences.clear();
        a.authn = None;
        let xml = String::from_utf8(write(&a)).unwrap();
        assert!(!xml.contains("AttributeStatement"));
        assert!(!xml.contains("AudienceRestriction"));
        assert!(xml.contains("<saml:Conditions NotBefore"));
    }
}
