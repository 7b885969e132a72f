//! Canonical XML 1.0 and Exclusive XML Canonicalization 1.0, with and without
//! comments, over a whole document or an element subtree of a parsed tree.
//!
//! Output is byte-identical to libxml2/xmlsec (checked against a committed
//! corpus produced by libxml2 in `tests/vectors/c14n/`). Canonicalization
//! writes straight into a caller-supplied buffer; it never re-parses.
//!
//! ```
//! use wstrust::xml::{self, c14n};
//! let doc = xml::parse(r#"<a:r xmlns:a="urn:a" xmlns:b="urn:b"><a:x z="1" y='2'/></a:r>"#,
//!                      &Default::default())?;
//! let x = doc.root_element().first_element_child().unwrap();
//! let mut out = Vec::new();
//! c14n::canonicalize(x, &c14n::Options::exclusive(), &mut out)?;
//! assert_eq!(out, br#"<a:x xmlns:a="urn:a" y="2" z="1"></a:x>"#);
//! # Ok::<(), wstrust::Error>(())
//! ```

use crate::error::{C14nError, Error};
use crate::xml::ns;
use roxmltree::{Node, NodeId, NodeType};

/// A canonicalization algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    /// Canonical XML 1.0, comments omitted.
    Inclusive,
    /// Canonical XML 1.0 with comments.
    InclusiveWithComments,
    /// Exclusive XML Canonicalization 1.0, comments omitted (the default for
    /// signatures in this crate).
    Exclusive,
    /// Exclusive XML Canonicalization 1.0 with comments.
    ExclusiveWithComments,
}

impl Algorithm {
    /// The algorithm's URI.
    pub fn uri(self) -> &'static str {
        match self {
            Self::Inclusive => "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
            Self::InclusiveWithComments => {
                "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments"
            }
            Self::Exclusive => "http://www.w3.org/2001/10/xml-exc-c14n#",
            Self::ExclusiveWithComments => "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
        }
    }

    /// The algorithm named by `uri`, if it is one of the four supported.
    pub fn from_uri(uri: &str) -> Option<Self> {
        [
            Self::Inclusive,
            Self::InclusiveWithComments,
            Self::Exclusive,
            Self::ExclusiveWithComments,
        ]
        .into_iter()
        .find(|a| a.uri() == uri)
    }

    /// Whether this is one of the exclusive variants.
    pub fn is_exclusive(self) -> bool {
        matches!(self, Self::Exclusive | Self::ExclusiveWithComments)
    }

    /// Whether comments are kept.
    pub fn with_comments(self) -> bool {
        matches!(
            self,
            Self::InclusiveWithComments | Self::ExclusiveWithComments
        )
    }
}

/// What to canonicalize and how.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Exclusive c14n `InclusiveNamespaces PrefixList` (`"#default"` names the
    /// default namespace). Ignored by inclusive c14n.
    pub inclusive_prefixes: &'a [&'a str],
    /// A subtree left out of the output (the enveloped-signature transform
    /// removes the `ds:Signature` element this way).
    pub exclude: Option<NodeId>,
}

impl Options<'static> {
    /// Exclusive c14n without comments, no prefix list, nothing excluded.
    pub fn exclusive() -> Self {
        Self::new(Algorithm::Exclusive)
    }

    /// `algorithm` with no prefix list and nothing excluded.
    pub fn new(algorithm: Algorithm) -> Self {
        Self {
            algorithm,
            inclusive_prefixes: &[],
            exclude: None,
        }
    }
}

/// Canonicalize `node` (an element, or the document root for the whole
/// document) into `out`.
pub fn canonicalize(
    node: Node<'_, '_>,
    opts: &Options<'_>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    match node.node_type() {
        NodeType::Root => {
            let mut seen_root = false;
            for child in node.children() {
                if Some(child.id()) == opts.exclude {
                    continue;
                }
                match child.node_type() {
                    NodeType::Element => {
                        Canonicalizer::new(opts).element_tree(child, out);
                        seen_root = true;
                    }
                    NodeType::Comment if !opts.algorithm.with_comments() => {}
                    NodeType::Comment | NodeType::PI => {
                        if seen_root {
                            out.push(b'\n');
                        }
                        write_misc(child, out);
                        if !seen_root {
                            out.push(b'\n');
                        }
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        NodeType::Element => {
            Canonicalizer::new(opts).element_tree(node, out);
            Ok(())
        }
        _ => Err(C14nError::NotAnElement.into()),
    }
}

/// Convenience: canonicalize into a fresh buffer.
pub fn to_vec(node: Node<'_, '_>, opts: &Options<'_>) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(node.range().len() + 64);
    canonicalize(node, opts, &mut out)?;
    Ok(out)
}

/// A comment or processing instruction.
fn write_misc(node: Node<'_, '_>, out: &mut Vec<u8>) {
    match node.node_type() {
        NodeType::Comment => {
            out.extend_from_slice(b"<!--");
            out.extend_from_slice(node.text().unwrap_or("").as_bytes());
            out.extend_from_slice(b"-->");
        }
        NodeType::PI => {
            if let Some(pi) = node.pi() {
                out.extend_from_slice(b"<?");
                out.extend_from_slice(pi.target.as_bytes());
                if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                    out.push(b' ');
                    out.extend_from_slice(value.as_bytes());
                }
                out.extend_from_slice(b"?>");
            }
        }
        _ => {}
    }
}

/// The prefix of an element's qualified name, read from the source text
/// (roxmltree resolves names to URIs; c14n must keep the prefix as written).
fn element_prefix<'i>(node: Node<'_, 'i>) -> &'i str {
    let text = node.document().input_text();
    let start = node.range().start + 1;
    let qname_len = text[start..]
        .bytes()
        .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>'))
        .unwrap_or(0);
    let qname = &text[start..start + qname_len];
    match qname.split_once(':') {
        Some((p, _)) => p,
        None => "",
    }
}

/// The prefix of an attribute's qualified name, read from the source text.
fn attr_prefix<'i>(node: Node<'_, 'i>, attr: &roxmltree::Attribute<'_, 'i>) -> &'i str {
    let qname = &node.document().input_text()[attr.range_qname()];
    match qname.split_once(':') {
        Some((p, _)) => p,
        None => "",
    }
}

struct Canonicalizer<'a> {
    opts: &'a Options<'a>,
    /// Namespace declarations rendered by output ancestors: (prefix, uri),
    /// innermost last. `""` is the default namespace.
    rendered: Vec<(&'a str, &'a str)>,
    /// Lengths of `rendered` to restore when each open element closes.
    marks: Vec<usize>,
    /// Scratch buffers reused across elements.
    decls: Vec<(&'a str, &'a str)>,
    attrs: Vec<OutAttr<'a>>,
}

/// An attribute ready for sorting and output.
struct OutAttr<'a> {
    ns: &'a str,
    local: &'a str,
    prefix: &'a str,
    value: &'a str,
}

impl<'a> Canonicalizer<'a> {
    fn new(opts: &'a Options<'a>) -> Self {
        Self {
            opts,
            rendered: Vec::with_capacity(16),
            marks: Vec::with_capacity(16),
            decls: Vec::with_capacity(8),
            attrs: Vec::with_capacity(8),
        }
    }

    fn is_rendered(&self, prefix: &str, uri: &str) -> bool {
        match self.rendered.iter().rev().find(|(p, _)| *p == prefix) {
            Some((_, u)) => *u == uri,
            // Nothing rendered for the default namespace means "no namespace".
            None => prefix.is_empty() && uri.is_empty(),
        }
    }

    /// Canonicalize the subtree rooted at `apex`, in document order, without
    /// recursion.
    fn element_tree<'i: 'a>(&mut self, apex: Node<'a, 'i>, out: &mut Vec<u8>) {
        let with_comments = self.opts.algorithm.with_comments();
        self.start_tag(apex, true, out);
        let mut parent = apex;
        let mut cur = apex.first_child();
        loop {
            match cur {
                Some(n) => {
                    if Some(n.id()) == self.opts.exclude {
                        cur = n.next_sibling();
                        continue;
                    }
                    match n.node_type() {
                        NodeType::Element => {
                            self.start_tag(n, false, out);
                            parent = n;
                            cur = n.first_child();
                            continue;
                        }
                        NodeType::Text => escape_text(n.text().unwrap_or(""), out),
                        NodeType::Comment if !with_comments => {}
                        NodeType::Comment | NodeType::PI => write_misc(n, out),
                        NodeType::Root => {}
                    }
                    cur = n.next_sibling();
                }
                None => {
                    self.end_tag(parent, out);
                    if parent == apex {
                        return;
                    }
                    cur = parent.next_sibling();
                    match parent.parent() {
                        Some(p) => parent = p,
                        None => return,
                    }
                }
            }
        }
    }

    fn start_tag<'i: 'a>(&mut self, n: Node<'a, 'i>, is_apex: bool, out: &mut Vec<u8>) {
        let prefix: &'a str = element_prefix(n);
        let local = n.tag_name().name();
        out.push(b'<');
        write_qname(prefix, local, out);

        // Namespace declarations to render on this element.
        self.marks.push(self.rendered.len());
        self.decls.clear();
        if self.opts.algorithm.is_exclusive() {
            let elem_ns = n.tag_name().namespace().unwrap_or("");
            self.consider(prefix, elem_ns);
            for a in n.attributes() {
                if let Some(uri) = a.namespace() {
                    let p = attr_prefix(n, &a);
                    if p != "xml" {
                        self.consider(p, uri);
                    }
                }
            }
            for &listed in self.opts.inclusive_prefixes {
                let p = if listed == "#default" { "" } else { listed };
                if p == "xml" {
                    continue;
                }
                let in_scope = n
                    .namespaces()
                    .find(|ns| ns.name().unwrap_or("") == p)
                    .map(|ns| ns.uri());
                match in_scope {
                    Some(uri) => self.consider(p, uri),
                    None if p.is_empty() => self.consider("", ""),
                    None => {}
                }
            }
        } else {
            for ns in n.namespaces() {
                let p = ns.name().unwrap_or("");
                if p != "xml" {
                    self.consider(p, ns.uri());
                }
            }
        }
        self.decls.sort_unstable_by(|a, b| a.0.cmp(b.0));
        for &(p, uri) in &self.decls {
            if p.is_empty() {
                out.extend_from_slice(b" xmlns=\"");
            } else {
                out.extend_from_slice(b" xmlns:");
                out.extend_from_slice(p.as_bytes());
                out.extend_from_slice(b"=\"");
            }
            escape_attr(uri, out);
            out.push(b'"');
        }
        self.rendered.extend_from_slice(&self.decls);

        // Attributes, sorted by (namespace URI, local name).
        self.attrs.clear();
        for a in n.attributes() {
            let ns = a.namespace().unwrap_or("");
            let prefix = if ns.is_empty() {
                ""
            } else {
                attr_prefix(n, &a)
            };
            self.attrs.push(OutAttr {
                ns,
                local: a.name(),
                prefix,
                value: a.value(),
            });
        }
        if is_apex && !self.opts.algorithm.is_exclusive() {
            // Canonical XML 1.0 carries xml:* attributes of omitted ancestors
            // onto the apex (nearest ancestor wins).
            for anc in n.ancestors().skip(1).filter(Node::is_element) {
                for a in anc.attributes() {
                    if a.namespace() == Some(ns::XML)
                        && !self
                            .attrs
                            .iter()
                            .any(|o| o.ns == ns::XML && o.local == a.name())
                    {
                        self.attrs.push(OutAttr {
                            ns: ns::XML,
                            local: a.name(),
                            prefix: "xml",
                            value: a.value(),
                        });
                    }
                }
            }
        }
        self.attrs
            .sort_unstable_by(|a, b| (a.ns, a.local).cmp(&(b.ns, b.local)));
        for a in &self.attrs {
            out.push(b' ');
            write_qname(a.prefix, a.local, out);
            out.extend_from_slice(b"=\"");
            escape_attr(a.value, out);
            out.push(b'"');
        }
        out.push(b'>');
    }

    /// Queue `xmlns:prefix="uri"` unless an output ancestor already rendered
    /// exactly that binding (or it is already queued).
    fn consider(&mut self, prefix: &'a str, uri: &'a str) {
        if self.decls.iter().any(|(p, _)| *p == prefix) || self.is_rendered(prefix, uri) {
            return;
        }
        self.decls.push((prefix, uri));
    }

    fn end_tag<'i: 'a>(&mut self, n: Node<'a, 'i>, out: &mut Vec<u8>) {
        out.extend_from_slice(b"</");
        write_qname(element_prefix(n), n.tag_name().name(), out);
        out.push(b'>');
        if let Some(mark) = self.marks.pop() {
            self.rendered.truncate(mark);
        }
    }
}

fn write_qname(prefix: &str, local: &str, out: &mut Vec<u8>) {
    if !prefix.is_empty() {
        out.extend_from_slice(prefix.as_bytes());
        out.push(b':');
    }
    out.extend_from_slice(local.as_bytes());
}

/// Text node escaping (C14N 1.0 §2.3). Also used by the signer, which writes
/// `SignedInfo` directly in canonical form.
pub(crate) fn escape_text(s: &str, out: &mut Vec<u8>) {
    escape(s, out, |b| match b {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'>' => Some(b"&gt;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    })
}

/// `<name k="v" ...` (no closing `>`), values escaped with [`escape_attr`]:
/// the start of a tag as this crate's writers emit it.
pub(crate) fn start_tag(name: &str, attrs: &[(&str, &str)], out: &mut Vec<u8>) {
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    for (k, v) in attrs {
        out.push(b' ');
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(b"=\"");
        escape_attr(v, out);
        out.push(b'"');
    }
}

/// Attribute value escaping (C14N 1.0 §2.3).
pub(crate) fn escape_attr(s: &str, out: &mut Vec<u8>) {
    escape(s, out, |b| match b {
        b'&' => Some(b"&amp;"),
        b'<' => Some(b"&lt;"),
        b'"' => Some(b"&quot;"),
        b'\t' => Some(b"&#x9;"),
        b'\n' => Some(b"&#xA;"),
        b'\r' => Some(b"&#xD;"),
        _ => None,
    })
}

/// Copy `s` to `out`, replacing bytes for which `rep` returns an entity.
/// Copies unescaped runs in one go (the common case is no escaping at all).
#[inline]
fn escape(s: &str, out: &mut Vec<u8>, rep: impl Fn(u8) -> Option<&'static [u8]>) {
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if let Some(r) = rep(b) {
            out.extend_from_slice(&bytes[start..i]);
            out.extend_from_slice(r);
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml;

    fn c14n(text: &str, alg: Algorithm) -> String {
        let doc = xml::parse(text, &Default::default()).unwrap();
        String::from_utf8(to_vec(doc.root_element(), &Options::new(alg)).unwrap()).unwrap()
    }

    #[test]
    fn exclude_removes_the_enveloped_signature() {
        let text = r#"<a ID="x"><b/><ds:Signature xmlns:ds="urn:ds"><ds:V>1</ds:V></ds:Signature><c/></a>"#;
        let doc = xml::parse(text, &Default::default()).unwrap();
        let sig = doc
            .descendants()
            .find(|n| n.has_tag_name(("urn:ds", "Signature")))
            .unwrap();
        let opts = Options {
            exclude: Some(sig.id()),
            ..Options::exclusive()
        };
        let out = to_vec(doc.root_element(), &opts).unwrap();
        assert_eq!(out, br#"<a ID="x"><b></b><c></c></a>"#);
    }

    #[test]
    fn comments_only_with_comments() {
        let t = "<a><!--x-->t<?p d?></a>";
        assert_eq!(c14n(t, Algorithm::Exclusive), "<a>t<?p d?></a>");
        assert_eq!(
            c14n(t, Algorithm::ExclusiveWithComments),
            "<a><!--x-->t<?p d?></a>"
        );
    }

    #[test]
    fn uri_roundtrip() {
        for a in [
            Algorithm::Inclusive,
            Algorithm::InclusiveWithComments,
            Algorithm::Exclusive,
            Algorithm::ExclusiveWithComments,
        ] {
            assert_eq!(Algorithm::from_uri(a.uri()), Some(a));
        }
        assert_eq!(
            Algorithm::from_uri("http://www.w3.org/2006/12/xml-c14n11"),
            None
        );
    }

    #[test]
    fn text_node_is_not_an_element() {
        let doc = xml::parse("<a>t</a>", &Default::default()).unwrap();
        let t = doc.root_element().first_child().unwrap();
        assert!(matches!(
            to_vec(t, &Options::exclusive()),
            Err(Error::C14n(C14nError::NotAnElement))
        ));
    }
}
