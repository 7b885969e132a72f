//! `wstrust c14n` end to end: the binary's output equals libxml2's.
#![cfg(feature = "cli")]
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

fn wstrust(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wstrust"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn subtree_with_prefix_list_matches_libxml2() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/c14n");
    let file = dir.join("prefix-list.xml");
    let out = wstrust(&[
        "c14n",
        "--element-id",
        "i1",
        "--inclusive-namespaces",
        "#default q",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert_eq!(
        out.stdout,
        std::fs::read(dir.join("prefix-list.exc0.i1.default-q.expected")).unwrap()
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn inclusive_with_comments_whole_document() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/c14n");
    let file = dir.join("pi-comments.xml");
    let out = wstrust(&[
        "c14n",
        "--inclusive",
        "--with-comments",
        file.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert_eq!(
        out.stdout,
        std::fs::read(dir.join("pi-comments.inc1.expected")).unwrap()
    );
}

#[test]
fn unknown_id_fails_with_one_line() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/c14n");
    let out = wstrust(&[
        "c14n",
        "--element-id",
        "nope",
        dir.join("saml2.xml").to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert_eq!(String::from_utf8(out.stderr).unwrap().lines().count(), 1);
}
