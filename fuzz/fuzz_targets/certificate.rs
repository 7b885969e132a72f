//! Parse arbitrary DER as an X.509 certificate (as a `BinarySecurityToken`
//! or `X509Certificate` from the wire is): must never panic, and the names
//! it prints must read back as written: no control character, no
//! whitespace but the space, no leading or trailing whitespace (a NameID
//! reader trims them, and would find another certificate's name).
//!
//! Seed it with real certificates, or it rarely gets past the parser:
//! `mkdir -p corpus/certificate && for f in ../tests/data/auth/*.cert.pem;
//! do openssl x509 -in $f -outform DER -out corpus/certificate/$(basename $f).der; done`.
//! Each certificate also goes through `chain::verify` (anchors: the test
//! client CA and a pinned leaf; intermediate: `int.cert.pem`).
//! That names print injectively is a property test
//! (`dn::tests::printed_names_parse_back_to_their_der`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use wstrust::keys::Certificate;

fuzz_target!(|data: &[u8]| {
    let Ok(cert) = Certificate::from_der(data) else { return };
    for name in [cert.subject(), cert.issuer()] {
        assert_eq!(name.trim(), name, "{name:?}");
        assert!(
            !name.chars().any(|c| c.is_control() || (c.is_whitespace() && c != ' ')),
            "{name:?}"
        );
    }
    let _ = cert.serial_decimal();
    // Path building over it (issue 17 item 1): never a panic, and only a
    // certificate that is an anchor itself is trusted as pinned.
    let anchors = [
        Certificate::from_pem(include_bytes!("../../tests/data/auth/ca.cert.pem")).expect("ca"),
        Certificate::from_pem(include_bytes!("../../tests/data/auth/pinned.cert.pem"))
            .expect("pinned"),
    ];
    let intermediates =
        [Certificate::from_pem(include_bytes!("../../tests/data/auth/int.cert.pem")).expect("int")];
    let trust = wstrust::chain::Anchors {
        intermediates: &intermediates,
        ..wstrust::chain::Anchors::new(&anchors)
    };
    let now = time::macros::datetime!(2027-01-15 12:00 UTC);
    if let Ok(wstrust::chain::TrustedBy::Pinned(a)) = wstrust::chain::verify(&cert, now, &trust) {
        assert_eq!(*a, cert);
    }
});
