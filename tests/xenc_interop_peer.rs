//! XML-Enc interop with xmlsec1 for the "peer EncryptedKey" layouts: the
//! `EncryptedKey` is not inside the `EncryptedData`'s `KeyInfo` but elsewhere
//! in the document, reached by `ds:RetrievalMethod` (what xmlsec1 resolves,
//! and what OpenSAML/WSS4J write for `saml2:EncryptedAssertion`) or by
//! `ds:KeyName` = `xenc:CarriedKeyName`.
//!
//! xmlsec1 cannot write a `RetrievalMethod`, so the vectors are made by
//! xmlsec1 encrypting with a named session key (`--aeskey:session`) and a
//! template whose `KeyInfo` holds that name and an `EncryptedKey` (with
//! `ReferenceList` and `CarriedKeyName`) that xmlsec1 fills in with the same
//! key wrapped for `rp`; the test then moves xmlsec1's `EncryptedKey`, bytes
//! unchanged, out to be a peer. xmlsec1 decrypts the `RetrievalMethod` form,
//! which shows the layout is the one it reads.
//!
//! `tests/vectors/xenc/xmlsec1-peer-retrieval-method.xml` is one such
//! document, committed so the layout is tested without xmlsec1; rewrite it
//! with `cargo test --test xenc_interop_peer -- --ignored`.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use wstrust::host::Random;
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{MemoryKeyResolver, OsRandom};
use wstrust::xenc::{self, DataAlgorithm, DecryptOptions};
use wstrust::xml::{self, c14n};
use wstrust::Limits;

const DOC: &str = r#"<r xmlns:p="urn:p"><p:a ID="x"><p:b>secret &amp; co</p:b></p:a></r>"#;
const RM: &str =
    r##"<ds:RetrievalMethod Type="http://www.w3.org/2001/04/xmlenc#EncryptedKey" URI="#ek1"/>"##;
const NS: &str = r#"xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#""#;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/xenc")
        .join(name)
}

fn vector() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/xenc/xmlsec1-peer-retrieval-method.xml")
}

fn rp() -> Certificate {
    Certificate::from_pem(&std::fs::read(data("rp.pem")).unwrap()).unwrap()
}

fn keys() -> MemoryKeyResolver {
    let mut k = MemoryKeyResolver::new();
    let key = AwsLcRsaKey::from_pem(&std::fs::read(data("rp.key")).unwrap()).unwrap();
    k.add(rp(), Arc::new(key)).unwrap();
    k
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("xmlsec1 must be installed (.ci/run)");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `DOC` with element `x` encrypted by xmlsec1 under a fresh named session
/// key, the EncryptedKey (Id `ek1`) still inside the data's KeyInfo.
fn xmlsec1_encrypt(dir: &Path, alg: DataAlgorithm) -> String {
    let mut key = vec![0u8; alg.key_len()];
    OsRandom.fill(&mut key);
    std::fs::write(dir.join("session.bin"), &key).unwrap();
    std::fs::write(dir.join("doc.xml"), DOC).unwrap();
    let tmpl = format!(
        r##"<xenc:EncryptedData {NS} Id="ed1" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="{}"/><ds:KeyInfo><ds:KeyName>session</ds:KeyName><xenc:EncryptedKey Id="ek1"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/><ds:KeyInfo><ds:X509Data><ds:X509Certificate/></ds:X509Data></ds:KeyInfo><xenc:CipherData><xenc:CipherValue/></xenc:CipherData><xenc:ReferenceList><xenc:DataReference URI="#ed1"/></xenc:ReferenceList><xenc:CarriedKeyName>session</xenc:CarriedKeyName></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>"##,
        alg.uri()
    );
    std::fs::write(dir.join("tmpl.xml"), tmpl).unwrap();
    let out = run(Command::new("xmlsec1")
        .arg("encrypt")
        .arg("--aeskey:session")
        .arg(dir.join("session.bin"))
        .arg("--pubkey-cert-pem")
        .arg(data("rp.pem"))
        .arg("--xml-data")
        .arg(dir.join("doc.xml"))
        .args(["--id-attr:ID", "urn:p:a", "--node-id", "x"])
        .arg(dir.join("tmpl.xml")));
    out[out.find("<r").unwrap()..].to_owned()
}

/// Move the inline EncryptedKey out of the data's KeyInfo to the end of the
/// document, leaving `key_info` (RetrievalMethod or KeyName) in the KeyInfo.
fn to_peer(doc: &str, retrieval_method: bool) -> String {
    let open = r#"<xenc:EncryptedKey Id="ek1">"#;
    let s = doc.find(open).unwrap();
    let e = doc.find("</xenc:EncryptedKey>").unwrap() + "</xenc:EncryptedKey>".len();
    let ek = doc[s..e].replacen(open, &format!(r#"<xenc:EncryptedKey {NS} Id="ek1">"#), 1);
    let mut rest = format!("{}{}", &doc[..s], &doc[e..]);
    if retrieval_method {
        rest = rest.replacen("<ds:KeyName>session</ds:KeyName>", RM, 1);
    }
    let end = rest.rfind("</r>").unwrap();
    rest.insert_str(end, &ek);
    rest
}

fn c14n_of(text: &str, local: &str) -> Vec<u8> {
    let doc = xml::parse(text, &Limits::default()).unwrap();
    let node = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == local)
        .unwrap_or_else(|| panic!("no {local} in {text}"));
    c14n::to_vec(node, &c14n::Options::exclusive()).unwrap()
}

fn ours(doc: &str) -> String {
    let mut o = DecryptOptions::default();
    o.allow_cbc = true;
    xenc::decrypt_document(doc, &keys(), &o, &OsRandom, &Limits::default()).unwrap()
}

fn xmlsec1_decrypt(dir: &Path, doc: &str) -> String {
    let f = dir.join("peer.xml");
    std::fs::write(&f, doc).unwrap();
    run(Command::new("xmlsec1")
        .arg("decrypt")
        .arg("--privkey-pem")
        .arg(data("rp.key"))
        .args([
            "--id-attr:Id",
            "http://www.w3.org/2001/04/xmlenc#:EncryptedKey",
        ])
        .arg(&f))
}

#[test]
fn xmlsec1_peer_encrypted_keys_decrypt_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let want = c14n_of(DOC, "a");
    for alg in DataAlgorithm::ALL {
        let inline = xmlsec1_encrypt(dir.path(), alg);
        assert!(!inline.contains("secret"), "{inline}");
        for retrieval_method in [true, false] {
            let doc = to_peer(&inline, retrieval_method);
            assert_eq!(doc.contains("RetrievalMethod"), retrieval_method);
            let plain = ours(&doc);
            assert_eq!(c14n_of(&plain, "a"), want, "{alg:?} {retrieval_method}");
            // The peer EncryptedKey is left in place, as xmlsec1 leaves it.
            assert!(plain.contains("<xenc:EncryptedKey "), "{plain}");
            if retrieval_method {
                // xmlsec1 follows the RetrievalMethod of the same document
                // (it reads no CarriedKeyName, so only this form).
                let theirs = xmlsec1_decrypt(dir.path(), &doc);
                assert_eq!(c14n_of(&theirs, "a"), want, "{alg:?}");
            }
        }
        // A ReferenceList that names another EncryptedData is refused.
        let doc = to_peer(&inline, true).replacen(r##"URI="#ed1""##, r##"URI="#ed2""##, 1);
        let mut o = DecryptOptions::default();
        o.allow_cbc = true;
        assert!(xenc::decrypt_document(&doc, &keys(), &o, &OsRandom, &Limits::default()).is_err());
    }
}

/// What we encrypt, moved into the RetrievalMethod layout the same way, is
/// read by xmlsec1 too.
#[test]
fn xmlsec1_decrypts_our_encryption_in_the_peer_layout() {
    let dir = tempfile::tempdir().unwrap();
    let sealed = xenc::encrypt_element(
        DOC,
        Some("x"),
        &rp(),
        &Default::default(),
        &OsRandom,
        &Limits::default(),
    )
    .unwrap();
    let named = sealed
        .replacen("<xenc:EncryptedKey>", r#"<xenc:EncryptedKey Id="ek1">"#, 1)
        .replacen(
            "<xenc:EncryptedData ",
            r#"<xenc:EncryptedData Id="ed1" "#,
            1,
        )
        .replacen(
            "<ds:KeyInfo>",
            "<ds:KeyInfo><ds:KeyName>session</ds:KeyName>",
            1,
        );
    let doc = to_peer(&named, true);
    assert!(doc.contains(RM) && doc.contains(r#"Id="ek1""#), "{doc}");
    let want = c14n_of(DOC, "a");
    assert_eq!(c14n_of(&xmlsec1_decrypt(dir.path(), &doc), "a"), want);
    assert_eq!(c14n_of(&ours(&doc), "a"), want);
}

/// The committed xmlsec1 vector decrypts without xmlsec1 installed.
#[test]
fn committed_xmlsec1_peer_vector_decrypts() {
    let doc = std::fs::read_to_string(vector()).unwrap();
    assert!(doc.contains(RM));
    assert_eq!(c14n_of(&ours(&doc), "a"), c14n_of(DOC, "a"));
}

#[test]
#[ignore = "rewrites tests/vectors/xenc/xmlsec1-peer-retrieval-method.xml with xmlsec1"]
fn regenerate_xmlsec1_peer_vector() {
    let dir = tempfile::tempdir().unwrap();
    let doc = to_peer(&xmlsec1_encrypt(dir.path(), DataAlgorithm::Aes256Gcm), true);
    std::fs::write(vector(), doc).unwrap();
}
