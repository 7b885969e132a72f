//! XML-Enc interop with xmlsec1 (installed by `.ci/run`) and, for the
//! XML-Enc 1.1 `rsa-oaep` key transport that xmlsec1 1.2 lacks, with the
//! `openssl` command line.
//!
//! * xmlsec1 decrypts everything we encrypt: each data algorithm with
//!   `rsa-oaep-mgf1p`, each recipient `KeyInfo` form, Element and Content.
//! * We decrypt what xmlsec1 encrypts from templates: each data algorithm,
//!   Element and Content.
//! * `xmlenc11#rsa-oaep` (SHA-256 / MGF1-SHA-256 and MGF1-SHA-1): openssl
//!   unwraps our EncryptedKeys, and we unwrap openssl's.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{MemoryKeyResolver, OsRandom};
use wstrust::xenc::{
    self, DataAlgorithm, DecryptOptions, EncryptOptions, KeyTransport, RecipientKeyInfo,
};
use wstrust::xml::{self, c14n};
use wstrust::Limits;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/xenc")
        .join(name)
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

const DOC: &str = r#"<?xml version="1.0"?>
<env:Body xmlns:env="urn:env" xmlns:unused="urn:unused"><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" ID="_a1" IssueInstant="2026-11-22T20:00:00Z" Version="2.0"><saml2:Issuer>https://sts.example/</saml2:Issuer><saml2:AttributeStatement><saml2:Attribute Name="role"><saml2:AttributeValue>a &amp; b &lt; c</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement><env:Inner Id="in">text<env:x/></env:Inner></saml2:Assertion></env:Body>"#;

/// Exclusive c14n of the element with `local` name (first found) in `text`.
fn c14n_of(text: &str, local: &str) -> Vec<u8> {
    let text = text.trim_start_matches('\u{feff}');
    let doc = xml::parse(text, &Limits::default()).unwrap();
    let node = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == local)
        .unwrap_or_else(|| panic!("no {local} in {text}"));
    c14n::to_vec(node, &c14n::Options::exclusive()).unwrap()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .expect("xmlsec1/openssl must be installed (.ci/run)");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn xmlsec_decrypt(dir: &Path, sealed: &str) -> String {
    let file = dir.join("sealed.xml");
    std::fs::write(&file, sealed).unwrap();
    run(Command::new("xmlsec1")
        .arg("decrypt")
        .arg("--privkey-pem")
        .arg(data("rp.key"))
        .arg(&file))
}

#[test]
fn xmlsec1_decrypts_everything_we_encrypt() {
    let dir = tempfile::tempdir().unwrap();
    let expected = c14n_of(DOC, "Assertion");
    let limits = Limits::default();
    for alg in DataAlgorithm::ALL {
        for key_info in [
            RecipientKeyInfo::X509Certificate,
            RecipientKeyInfo::X509IssuerSerial,
            RecipientKeyInfo::X509Ski,
            RecipientKeyInfo::ThumbprintSha1,
            RecipientKeyInfo::KeyIdentifierSki,
        ] {
            let mut opts = EncryptOptions::default();
            opts.data = alg;
            opts.key_transport = KeyTransport::RsaOaepMgf1p;
            opts.key_info = key_info;
            let sealed =
                xenc::encrypt_element(DOC, Some("_a1"), &rp(), &opts, &OsRandom, &limits).unwrap();
            assert!(!sealed.contains("sts.example"));
            let plain = xmlsec_decrypt(dir.path(), &sealed);
            assert_eq!(
                c14n_of(&plain, "Assertion"),
                expected,
                "{alg:?} {key_info:?}"
            );
        }
        // Content of an element, and a bare (SAML 1.1 style) EncryptedData.
        let mut opts = EncryptOptions::default();
        opts.data = alg;
        let sealed =
            xenc::encrypt_content(DOC, Some("in"), &rp(), &opts, &OsRandom, &limits).unwrap();
        let plain = xmlsec_decrypt(dir.path(), &sealed);
        assert_eq!(c14n_of(&plain, "Inner"), c14n_of(DOC, "Inner"), "{alg:?}");
        opts.wrap_saml2 = false;
        let sealed = xenc::encrypt_element(DOC, None, &rp(), &opts, &OsRandom, &limits).unwrap();
        let plain = xmlsec_decrypt(dir.path(), &sealed);
        assert_eq!(c14n_of(&plain, "Body"), c14n_of(DOC, "Body"), "{alg:?}");
    }
}

/// An xmlsec1 encryption template; `x509_data` is what xmlsec1 fills in to
/// name the recipient's certificate (`X509Certificate`, `X509IssuerSerial`).
fn template(alg: DataAlgorithm, type_uri: &str, x509_data: &str) -> String {
    format!(
        r#"<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Type="{type_uri}"><xenc:EncryptionMethod Algorithm="{}"/><ds:KeyInfo><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"/><ds:KeyInfo><ds:X509Data><ds:{x509_data}/></ds:X509Data></ds:KeyInfo><xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>"#,
        alg.uri()
    )
}

fn xmlsec_encrypt(
    dir: &Path,
    alg: DataAlgorithm,
    type_uri: &str,
    node_id: &str,
    x509_data: &str,
) -> String {
    let tmpl = dir.join("tmpl.xml");
    let doc = dir.join("doc.xml");
    std::fs::write(&tmpl, template(alg, type_uri, x509_data)).unwrap();
    std::fs::write(&doc, DOC).unwrap();
    let session = match alg.key_len() {
        16 => "aes-128",
        _ => "aes-256",
    };
    run(Command::new("xmlsec1")
        .arg("encrypt")
        .arg("--pubkey-cert-pem")
        .arg(data("rp.pem"))
        .args(["--session-key", session])
        .arg("--xml-data")
        .arg(&doc)
        .args(["--id-attr:ID", "Assertion", "--id-attr:Id", "Inner"])
        .args(["--node-id", node_id])
        .arg(&tmpl))
}

#[test]
fn we_decrypt_what_xmlsec1_encrypts() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits::default();
    let mut opts = DecryptOptions::default();
    opts.allow_cbc = true;
    for alg in DataAlgorithm::ALL {
        let sealed = xmlsec_encrypt(
            dir.path(),
            alg,
            "http://www.w3.org/2001/04/xmlenc#Element",
            "_a1",
            "X509Certificate",
        );
        assert!(sealed.contains(alg.uri()) && !sealed.contains("sts.example"));
        let plain = xenc::decrypt_document(&sealed, &keys(), &opts, &OsRandom, &limits).unwrap();
        assert_eq!(c14n_of(&plain, "Body"), c14n_of(DOC, "Body"), "{alg:?}");

        let sealed = xmlsec_encrypt(
            dir.path(),
            alg,
            "http://www.w3.org/2001/04/xmlenc#Content",
            "in",
            "X509Certificate",
        );
        let plain = xenc::decrypt_document(&sealed, &keys(), &opts, &OsRandom, &limits).unwrap();
        assert_eq!(c14n_of(&plain, "Body"), c14n_of(DOC, "Body"), "{alg:?}");

        // The recipient named by issuer and serial number, the issuer
        // written as xmlsec1 (OpenSSL) writes it: `CN=rp.example,O=...,C=US`,
        // last RDN first, no spaces.
        let sealed = xmlsec_encrypt(
            dir.path(),
            alg,
            "http://www.w3.org/2001/04/xmlenc#Element",
            "_a1",
            "X509IssuerSerial",
        );
        assert!(sealed.contains("X509IssuerName>CN=rp.example,"), "{sealed}");
        assert!(!sealed.contains("X509Certificate>"), "{sealed}");
        let plain = xenc::decrypt_document(&sealed, &keys(), &opts, &OsRandom, &limits).unwrap();
        assert_eq!(c14n_of(&plain, "Body"), c14n_of(DOC, "Body"), "{alg:?}");

        if alg.is_cbc() {
            // CBC from a peer is still refused unless allowed.
            let r = xenc::decrypt_document(
                &sealed,
                &keys(),
                &DecryptOptions::default(),
                &OsRandom,
                &limits,
            );
            assert!(r.is_err());
        }
    }
}

/// The (first) EncryptedKey's CipherValue bytes.
fn wrapped_key(ek: &str) -> Vec<u8> {
    let s = ek.find("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
    let e = ek.find("</xenc:CipherValue>").unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(&ek[s..e])
        .unwrap()
}

fn openssl_oaep(dir: &Path, op: &str, key_arg: &[&str], mgf1: &str, input: &[u8]) -> Vec<u8> {
    let inp = dir.join("in.bin");
    std::fs::write(&inp, input).unwrap();
    let out = Command::new("openssl")
        .args(["pkeyutl", op])
        .args(key_arg)
        .arg("-in")
        .arg(&inp)
        .args([
            "-pkeyopt",
            "rsa_padding_mode:oaep",
            "-pkeyopt",
            "rsa_oaep_md:sha256",
            "-pkeyopt",
            &format!("rsa_mgf1_md:{mgf1}"),
        ])
        .output()
        .expect("openssl must be installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn xmlenc11_rsa_oaep_interops_with_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let key_path = data("rp.key");
    let cert_path = data("rp.pem");
    let proof = [0x5au8; 32];
    for (kt, mgf1) in [
        (KeyTransport::RsaOaepSha256, "sha256"),
        (KeyTransport::RsaOaepSha256Mgf1Sha1, "sha1"),
    ] {
        let mut opts = EncryptOptions::default();
        opts.key_transport = kt;
        let ek =
            String::from_utf8(xenc::encrypt_key(&proof, &rp(), &opts, &OsRandom).unwrap()).unwrap();
        assert!(ek.contains("http://www.w3.org/2009/xmlenc11#rsa-oaep"));
        assert!(ek.contains(&format!("xmlenc11#mgf1{mgf1}")));
        let got = openssl_oaep(
            dir.path(),
            "-decrypt",
            &["-inkey", key_path.to_str().unwrap()],
            mgf1,
            &wrapped_key(&ek),
        );
        assert_eq!(got, proof, "{kt:?}");
    }
    // openssl wraps with SHA-256/MGF1-SHA-256; we unwrap through the
    // aws-lc-rs key.
    let mut opts = EncryptOptions::default();
    opts.key_transport = KeyTransport::RsaOaepSha256;
    let ek =
        String::from_utf8(xenc::encrypt_key(&[0u8; 32], &rp(), &opts, &OsRandom).unwrap()).unwrap();
    let theirs = openssl_oaep(
        dir.path(),
        "-encrypt",
        &["-certin", "-inkey", cert_path.to_str().unwrap()],
        "sha256",
        &proof,
    );
    let s = ek.find("<xenc:CipherValue>").unwrap() + "<xenc:CipherValue>".len();
    let e = ek.find("</xenc:CipherValue>").unwrap();
    let mut ek2 = ek.clone();
    ek2.replace_range(
        s..e,
        &base64::engine::general_purpose::STANDARD.encode(theirs),
    );
    let doc = xml::parse(&ek2, &Limits::default()).unwrap();
    let got = xenc::decrypt_key(doc.root_element(), &keys(), &DecryptOptions::default()).unwrap();
    assert!(got.ct_eq(&proof));
}
