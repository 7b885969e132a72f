//! Match arbitrary text, as a `ds:X509IssuerName` from the wire, against a
//! certificate's issuer: must never panic; the certificate's own issuer
//! name, and that name with its RDNs reversed, must match.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wstrust::host::KeyReference;
use wstrust::keys::Certificate;

static CERT: std::sync::OnceLock<Certificate> = std::sync::OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let cert = CERT.get_or_init(|| {
        Certificate::from_pem(include_bytes!("../../tests/data/auth/client.cert.pem"))
            .expect("cert")
    });
    let serial = cert.serial_decimal();
    let name = |issuer: &str| KeyReference::IssuerSerial {
        issuer: issuer.to_owned(),
        serial: serial.clone(),
    };
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = name(text).matches(cert);
    }
    assert!(name(cert.issuer()).matches(cert));
    let reversed: Vec<&str> = cert.issuer().rsplit(", ").collect();
    assert!(name(&reversed.join(",")).matches(cert));
});
