//! Parse arbitrary DER as an X.509 certificate (as a `BinarySecurityToken`
//! or `X509Certificate` from the wire is): must never panic, and the names
//! it prints must read back as written: no control character, no
//! whitespace but the space, no leading or trailing whitespace (a NameID
//! reader trims them, and would find another certificate's name).
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
});
