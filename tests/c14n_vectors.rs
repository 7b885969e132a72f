//! The c14n corpus: every case in tests/vectors/c14n/cases.txt was produced by
//! libxml2's xmlC14NExecute (tests/vectors/c14n/tool); our output must match
//! byte for byte.

use std::path::Path;
use wstrust::xml::{self, c14n};

#[test]
fn corpus_matches_libxml2() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/c14n");
    let cases = std::fs::read_to_string(dir.join("cases.txt")).unwrap();
    let mut failures = Vec::new();
    let mut n = 0;
    for line in cases.lines().filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        let (expected, mode, comments, id, prefixes, file) = (f[0], f[1], f[2], f[3], f[4], f[5]);
        let algorithm = match (mode, comments) {
            ("exc", "0") => c14n::Algorithm::Exclusive,
            ("exc", _) => c14n::Algorithm::ExclusiveWithComments,
            ("inc", "0") => c14n::Algorithm::Inclusive,
            _ => c14n::Algorithm::InclusiveWithComments,
        };
        let prefixes: Vec<&str> = if prefixes == "-" {
            vec![]
        } else {
            prefixes.split(' ').collect()
        };
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let doc = xml::parse(&text, &Default::default()).unwrap();
        let node = if id == "-" {
            doc.root()
        } else {
            xml::find_by_id(&doc, id).unwrap()
        };
        let opts = c14n::Options {
            algorithm,
            inclusive_prefixes: &prefixes,
            exclude: None,
        };
        let got = c14n::to_vec(node, &opts).unwrap();
        let want = std::fs::read(dir.join(expected)).unwrap();
        n += 1;
        if got != want {
            failures.push(format!(
                "{expected}:\n--- want\n{}\n--- got\n{}",
                String::from_utf8_lossy(&want),
                String::from_utf8_lossy(&got)
            ));
        }
    }
    assert!(n >= 100, "corpus too small: {n}");
    assert!(
        failures.is_empty(),
        "{} of {n} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
