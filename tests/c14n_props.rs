//! Property tests for canonicalization invariants:
//! * lexical variants of one infoset (attribute order, quotes, empty-element
//!   form, whitespace inside tags, superfluous namespace declarations) have
//!   the same exclusive canonical form;
//! * canonical form is a fixed point: canonicalizing it again changes nothing.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use wstrust::xml::{self, c14n};

const PREFIXES: [&str; 3] = ["a", "b", "c"];
const URIS: [&str; 3] = ["urn:x", "urn:y", "http://example.org/z"];

#[derive(Debug, Clone)]
enum Child {
    Elem(Elem),
    Text(String),
    Comment(String),
}

#[derive(Debug, Clone)]
struct Elem {
    prefix: Option<usize>,
    local: String,
    attrs: Vec<(Option<usize>, String, String)>,
    children: Vec<Child>,
}

fn text() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-z &<>\"'\t\r\n\u{e9}]{0,8}").unwrap()
}

fn elem() -> impl Strategy<Value = Elem> {
    let leaf = (
        proptest::option::of(0..3usize),
        "[a-z]{1,3}",
        proptest::collection::vec(
            (proptest::option::of(0..3usize), "[a-z]{1,2}", text()),
            0..4,
        ),
    )
        .prop_map(|(prefix, local, attrs)| Elem {
            prefix,
            local,
            attrs,
            children: vec![],
        });
    leaf.prop_recursive(4, 24, 4, |inner| {
        (
            proptest::option::of(0..3usize),
            "[a-z]{1,3}",
            proptest::collection::vec(
                (proptest::option::of(0..3usize), "[a-z]{1,2}", text()),
                0..3,
            ),
            proptest::collection::vec(
                prop_oneof![
                    inner.prop_map(Child::Elem),
                    text().prop_map(Child::Text),
                    "[a-z ]{0,5}".prop_map(Child::Comment),
                ],
                0..4,
            ),
        )
            .prop_map(|(prefix, local, attrs, children)| Elem {
                prefix,
                local,
                attrs,
                children,
            })
    })
}

fn esc(s: &str, attr: bool) -> String {
    let mut o = String::new();
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '"' if attr => o.push_str("&quot;"),
            '\'' if attr => o.push_str("&apos;"),
            '\t' if attr => o.push_str("&#9;"),
            '\n' if attr => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            c => o.push(c),
        }
    }
    o
}

/// Serialize with one of two lexical styles. Every prefix is declared on the
/// root (style 0) or redundantly on every element too (style 1).
fn write(e: &Elem, style: u8, root: bool, out: &mut String) {
    let name = match e.prefix {
        Some(p) => format!("{}:{}", PREFIXES[p], e.local),
        None => e.local.clone(),
    };
    out.push('<');
    out.push_str(&name);
    if root || style == 1 {
        for (p, u) in PREFIXES.iter().zip(URIS) {
            out.push_str(&format!(" xmlns:{p}=\"{u}\""));
        }
    }
    // Deduplicate attribute names (namespace-aware, as the parser requires).
    let mut seen = std::collections::HashSet::new();
    let mut attrs: Vec<_> = e
        .attrs
        .iter()
        .filter(|(p, l, _)| seen.insert((p.map(|i| URIS[i]), l.clone())))
        .collect();
    if style == 1 {
        attrs.reverse();
    }
    for (p, l, v) in attrs {
        let an = match p {
            Some(i) => format!("{}:{l}", PREFIXES[*i]),
            None => l.clone(),
        };
        if style == 0 {
            out.push_str(&format!(" {an}=\"{}\"", esc(v, true)));
        } else {
            out.push_str(&format!("\n\t{an} = '{}'", esc(v, true)));
        }
    }
    if e.children.is_empty() && style == 1 {
        out.push_str(" />");
        return;
    }
    out.push('>');
    for c in &e.children {
        match c {
            Child::Elem(c) => write(c, style, false, out),
            Child::Text(t) => out.push_str(&esc(t, false)),
            Child::Comment(t) => out.push_str(&format!("<!--{t}-->")),
        }
    }
    out.push_str(&format!("</{name}>"));
}

fn canon(text: &str, alg: c14n::Algorithm) -> Vec<u8> {
    let doc = xml::parse(text, &Default::default()).unwrap();
    c14n::to_vec(doc.root(), &c14n::Options::new(alg)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn lexical_variants_share_one_exclusive_form(e in elem()) {
        let (mut a, mut b) = (String::new(), String::new());
        write(&e, 0, true, &mut a);
        write(&e, 1, true, &mut b);
        for alg in [c14n::Algorithm::Exclusive, c14n::Algorithm::ExclusiveWithComments] {
            prop_assert_eq!(canon(&a, alg), canon(&b, alg));
        }
    }

    #[test]
    fn canonical_form_is_a_fixed_point(e in elem()) {
        let mut a = String::new();
        write(&e, 1, true, &mut a);
        for alg in [
            c14n::Algorithm::Exclusive,
            c14n::Algorithm::ExclusiveWithComments,
            c14n::Algorithm::Inclusive,
            c14n::Algorithm::InclusiveWithComments,
        ] {
            let once = canon(&a, alg);
            let twice = canon(std::str::from_utf8(&once).unwrap(), alg);
            prop_assert_eq!(once, twice);
        }
    }

    #[test]
    fn subtree_form_does_not_depend_on_context(e in elem()) {
        // Exclusive c14n of every element equals the exclusive c14n of that
        // element's canonical form parsed on its own.
        let mut a = String::new();
        write(&e, 1, true, &mut a);
        let doc = xml::parse(&a, &Default::default()).unwrap();
        for n in doc.descendants().filter(|n| n.is_element()) {
            let out = c14n::to_vec(n, &c14n::Options::exclusive()).unwrap();
            let alone = canon(std::str::from_utf8(&out).unwrap(), c14n::Algorithm::Exclusive);
            prop_assert_eq!(out, alone);
        }
    }
}
