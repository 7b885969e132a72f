//! Bounded, DTD-free parsing into a `roxmltree` tree, plus the few readers the
//! security code relies on (whole text, ID lookup with uniqueness).

use crate::error::{Error, Limit, XmlError};
use crate::limits::Limits;
use crate::xml::ns;
use roxmltree::{Document, Node, NodeType, ParsingOptions};
use std::borrow::Cow;

/// Decode `bytes` as UTF-8 (a leading BOM is skipped) after checking the size
/// limit. The result can be handed to [`parse`].
pub fn parse_bytes<'a>(bytes: &'a [u8], limits: &Limits) -> Result<&'a str, Error> {
    if bytes.len() > limits.max_bytes {
        return Err(Limit::Size.into());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|_| XmlError::NotUtf8.into())
}

/// Parse `text` into a tree, refusing DTDs and enforcing every limit in
/// `limits` (size, node count, depth, attributes per element).
///
/// ```
/// use wstrust::{xml, Limits, Error, error::XmlError};
/// let bomb = r#"<!DOCTYPE a [<!ENTITY x "x">]><a>&x;</a>"#;
/// assert!(matches!(xml::parse(bomb, &Limits::default()), Err(Error::Xml(XmlError::Dtd))));
/// ```
pub fn parse<'input>(text: &'input str, limits: &Limits) -> Result<Document<'input>, Error> {
    if text.len() > limits.max_bytes {
        return Err(Limit::Size.into());
    }
    let opts = ParsingOptions {
        allow_dtd: false,
        nodes_limit: limits.max_nodes,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, opts).map_err(|e| -> Error {
        match e {
            roxmltree::Error::DtdDetected => XmlError::Dtd.into(),
            roxmltree::Error::NodesLimitReached => Limit::Nodes.into(),
            other => XmlError::Malformed(other.to_string()).into(),
        }
    })?;
    check_shape(&doc, limits)?;
    Ok(doc)
}

/// Depth, attribute-count and signature-count checks in one iterative pass
/// (no recursion, so a deep document cannot overflow the stack here either).
fn check_shape(doc: &Document<'_>, limits: &Limits) -> Result<(), Error> {
    let mut depth: u16 = 0;
    let mut signatures: u8 = 0;
    let mut node = doc.root();
    loop {
        if let Some(pi) = node.pi() {
            check_pi(doc, node, pi.target)?;
        }
        if node.is_element() {
            // Every `ds:Signature` counts, wherever it is: a verifier does
            // work per signature, and no real message carries many.
            if node.has_tag_name((crate::xml::ns::DS, "Signature")) {
                signatures = signatures
                    .checked_add(1)
                    .filter(|n| *n <= limits.max_signatures)
                    .ok_or(Limit::Signatures)?;
            }
            // Attributes on this element, and namespaces in scope here (a sane
            // document has far fewer than the limit of either).
            let max = usize::from(limits.max_attributes);
            if node.attributes().len() > max || node.namespaces().len() > max {
                return Err(Limit::Attributes.into());
            }
            // `xmlns:p=""` is not allowed in XML 1.0 namespaces (roxmltree
            // accepts it, and the prefix would then name "no namespace").
            if node
                .namespaces()
                .any(|ns| ns.name().is_some() && ns.uri().is_empty())
            {
                return Err(XmlError::Malformed("empty prefixed namespace".into()).into());
            }
        }
        if let Some(child) = node.first_child() {
            if child.is_element() {
                depth = depth.checked_add(1).ok_or(Limit::Depth)?;
                if depth > limits.max_depth {
                    return Err(Limit::Depth.into());
                }
            }
            node = child;
            continue;
        }
        loop {
            if let Some(next) = node.next_sibling() {
                if node.is_element() {
                    depth -= 1;
                }
                if next.is_element() {
                    depth += 1;
                }
                node = next;
                break;
            }
            match node.parent() {
                Some(parent) => {
                    if node.is_element() {
                        depth -= 1;
                    }
                    node = parent;
                }
                None => return Ok(()),
            }
        }
    }
}

/// Refuse processing instructions that roxmltree accepts but XML forbids: the
/// reserved target `xml` (any case) and a target not followed by whitespace
/// (`<?xml,x?>` would otherwise canonicalize into an XML declaration).
fn check_pi(doc: &Document<'_>, node: Node<'_, '_>, target: &str) -> Result<(), Error> {
    if target.eq_ignore_ascii_case("xml") {
        return Err(XmlError::Malformed("reserved processing instruction target".into()).into());
    }
    let after = node.range().start + 2 + target.len();
    match doc.input_text().as_bytes().get(after) {
        Some(b' ' | b'\t' | b'\r' | b'\n' | b'?') => Ok(()),
        _ => Err(XmlError::Malformed("malformed processing instruction".into()).into()),
    }
}

/// All the text inside `node` (every descendant text node, concatenated), so
/// that a comment inserted into signed text cannot truncate what is read.
///
/// ```
/// let doc = wstrust::xml::parse("<n>admin<!---->.evil</n>", &Default::default()).unwrap();
/// assert_eq!(wstrust::xml::whole_text(doc.root_element()), "admin.evil");
/// ```
pub fn whole_text<'a>(node: Node<'a, '_>) -> Cow<'a, str> {
    let mut texts = node
        .descendants()
        .filter(|n| n.node_type() == NodeType::Text);
    let Some(first) = texts.next() else {
        return Cow::Borrowed("");
    };
    let first = first.text().unwrap_or("");
    match texts.next() {
        None => Cow::Borrowed(first),
        Some(second) => {
            let mut s = String::from(first);
            s.push_str(second.text().unwrap_or(""));
            for t in texts {
                s.push_str(t.text().unwrap_or(""));
            }
            Cow::Owned(s)
        }
    }
}

/// Whether `attr` is ID-typed for this crate: `ID` (SAML 2.0), `AssertionID`
/// (SAML 1.1), `Id` (XML-DSig/XML-Enc) or `wsu:Id`.
fn is_id_attr(attr: &roxmltree::Attribute<'_, '_>) -> bool {
    match attr.namespace() {
        None => matches!(attr.name(), "ID" | "AssertionID" | "Id"),
        Some(ns) => ns == ns::WSU && attr.name() == "Id",
    }
}

/// The ID-typed attribute of an element, if any: `ID` (SAML 2.0),
/// `AssertionID` (SAML 1.1), `Id` (XML-DSig/XML-Enc) or `wsu:Id`. When an
/// element carries several, this is the first; see [`ids_of`].
pub fn id_of<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    ids_of(node).next()
}

/// Every ID-typed attribute value of an element (see [`id_of`]).
pub fn ids_of<'a>(node: Node<'a, '_>) -> impl Iterator<Item = &'a str> + 'a {
    let is_element = node.is_element();
    node.attributes()
        .filter(move |a| is_element && is_id_attr(a))
        .map(|a| a.value())
}

/// The one element whose ID ([`id_of`]) equals `id`. Fails if none does, and
/// also if two elements anywhere in the document carry that ID, because an
/// attacker who can add a second element with a signed ID can otherwise choose
/// which one a verifier and a reader each see.
pub fn find_by_id<'a, 'input>(
    doc: &'a Document<'input>,
    id: &str,
) -> Result<Node<'a, 'input>, Error> {
    let mut found = None;
    for node in doc.descendants().filter(Node::is_element) {
        for a in node.attributes() {
            if is_id_attr(&a) && a.value() == id {
                if found.is_some() {
                    return Err(XmlError::DuplicateId(id.to_owned()).into());
                }
                found = Some(node);
            }
        }
    }
    found.ok_or_else(|| XmlError::UnknownId(id.to_owned()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_dtd_and_entity_bomb() {
        let lol = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>"#;
        assert!(matches!(
            parse(lol, &Limits::default()),
            Err(Error::Xml(XmlError::Dtd))
        ));
    }

    #[test]
    fn depth_limit() {
        let limits = Limits {
            max_depth: 3,
            ..Limits::default()
        };
        assert!(parse("<a><b><c/></b></a>", &limits).is_ok());
        assert!(matches!(
            parse("<a><b><c><d/></c></b></a>", &limits),
            Err(Error::Limit(Limit::Depth))
        ));
        // siblings do not accumulate depth
        assert!(parse("<a><b/><b/><b><c/></b><b/></a>", &limits).is_ok());
    }

    #[test]
    fn very_deep_input_is_rejected_not_overflowed() {
        let n = 200_000;
        let s = "<a>".repeat(n) + &"</a>".repeat(n);
        let limits = Limits {
            max_bytes: usize::MAX,
            ..Limits::default()
        };
        assert!(parse(&s, &limits).is_err());
    }

    #[test]
    fn size_and_node_limits() {
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        assert!(matches!(
            parse("<a>0123456789</a>", &limits),
            Err(Error::Limit(Limit::Size))
        ));
        let limits = Limits {
            max_nodes: 3,
            ..Limits::default()
        };
        assert!(matches!(
            parse("<a><b/><b/><b/></a>", &limits),
            Err(Error::Limit(Limit::Nodes))
        ));
    }

    #[test]
    fn signature_limit() {
        let sig = r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>"#;
        let doc = |n: usize| format!("<r>{}<Signature/></r>", sig.repeat(n));
        let limits = Limits {
            max_signatures: 2,
            ..Limits::default()
        };
        // an unqualified `Signature` does not count; the third ds:Signature does
        assert!(parse(&doc(2), &limits).is_ok());
        assert!(matches!(
            parse(&doc(3), &limits),
            Err(Error::Limit(Limit::Signatures))
        ));
        let nested = format!(
            "<r>{}</r>",
            sig.replace("/>", &format!(">{sig}{sig}</ds:Signature>"))
        );
        assert!(matches!(
            parse(&nested, &limits),
            Err(Error::Limit(Limit::Signatures))
        ));
        assert!(parse(&doc(8), &Limits::default()).is_ok());
        assert!(parse(&doc(9), &Limits::default()).is_err());
    }

    #[test]
    fn attribute_limit() {
        let limits = Limits {
            max_attributes: 2,
            ..Limits::default()
        };
        assert!(parse(r#"<a x="1" y="2"/>"#, &limits).is_ok());
        assert!(matches!(
            parse(r#"<a x="1" y="2" z="3"/>"#, &limits),
            Err(Error::Limit(Limit::Attributes))
        ));
    }

    #[test]
    fn duplicate_ids_rejected() {
        let doc = parse(
            r#"<r><a ID="x"/><b AssertionID="x"/></r>"#,
            &Limits::default(),
        )
        .unwrap();
        assert!(matches!(
            find_by_id(&doc, "x"),
            Err(Error::Xml(XmlError::DuplicateId(_)))
        ));
        let text = format!(
            r#"<r xmlns:wsu="{}"><a wsu:Id="b"/><c Id="d"/></r>"#,
            ns::WSU
        );
        let doc = parse(&text, &Limits::default()).unwrap();
        assert_eq!(find_by_id(&doc, "b").unwrap().tag_name().name(), "a");
        assert_eq!(find_by_id(&doc, "d").unwrap().tag_name().name(), "c");
        assert!(matches!(
            find_by_id(&doc, "zz"),
            Err(Error::Xml(XmlError::UnknownId(_)))
        ));
    }

    #[test]
    fn whole_text_spans_comments() {
        let doc = parse("<n>a<!--x-->b<?pi?>c</n>", &Limits::default()).unwrap();
        assert_eq!(whole_text(doc.root_element()), "abc");
    }

    #[test]
    fn malformed_processing_instructions_rejected() {
        // Found by fuzz/c14n: roxmltree reads `<?xml,s a?>` as a PI with the
        // reserved target `xml`, whose canonical form is an XML declaration.
        for bad in ["<?xml,s a?><a/>", "<a><?XmL x?></a>", "<a><?foo,bar?></a>"] {
            assert!(
                matches!(
                    parse(bad, &Limits::default()),
                    Err(Error::Xml(XmlError::Malformed(_)))
                ),
                "{bad}"
            );
        }
        for good in [
            "<?xml version=\"1.0\"?><a><?xml-stylesheet x?><?p?><?q\ty?></a>",
            "<a/><?pi?>",
        ] {
            assert!(parse(good, &Limits::default()).is_ok(), "{good}");
        }
    }

    #[test]
    fn prefixed_namespace_undeclaration_rejected() {
        // Found by fuzz/c14n: `xmlns:z=""` made `z:a` an unqualified `a`.
        let bad = r#"<doc xmlns:z="" z:a="5"/>"#;
        assert!(matches!(
            parse(bad, &Limits::default()),
            Err(Error::Xml(XmlError::Malformed(_)))
        ));
        assert!(parse(
            r#"<doc xmlns="urn:d"><e xmlns=""/></doc>"#,
            &Limits::default()
        )
        .is_ok());
    }

    #[test]
    fn bom_and_utf8() {
        assert_eq!(
            parse_bytes(b"\xEF\xBB\xBF<a/>", &Limits::default()).unwrap(),
            "<a/>"
        );
        assert!(parse_bytes(b"<a>\xff</a>", &Limits::default()).is_err());
    }
}
