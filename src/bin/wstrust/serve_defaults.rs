//! The embedded development defaults of `wstrust serve`: on first start,
//! create keys, certificates and a demo password in the data folder; on every
//! start, load them and write a sample request to try.

use crate::keygen;
use crate::serve::{tls_config, Fail, Setup, DEFAULT_LISTEN};
use crate::serve_http::Transport;
use crate::util;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wstrust::config::StsConfig;
use wstrust::host::{Attributes, Random, Secret};
use wstrust::keys::{AwsLcRsaKey, Certificate};
use wstrust::memory::{
    MemoryLockout, MemoryReplayCache, MemoryTokenStore, MemoryUserStore, PRIMARY_DOMAIN,
};
use wstrust::policy::StandardPolicy;
use wstrust::rp::{RelyingParties, RelyingParty};
use wstrust::service::TokenService;
use wstrust::sts::Sts;
use wstrust::wss::WssSettings;
use wstrust::xenc::{DataAlgorithm, KeyTransport};
use wstrust::Limits;

/// The demo relying party's address (what the seed product's docs use).
pub(crate) const DEMO_RP: &str = "https://localhost:9444/services/echo";
/// The issuer name of the development STS.
pub(crate) const DEMO_ISSUER: &str = "https://localhost/wstrust/dev";
/// Tokens the demo STS remembers at most (the oldest go first).
const DEMO_TOKEN_CAPACITY: usize = 100_000;
/// The demo user's name.
pub(crate) const DEMO_USER: &str = "admin";
/// The environment variable that sets the demo user's password.
pub(crate) const PASSWORD_ENV: &str = "WSTRUST_DEMO_PASSWORD";

/// Key and certificate files, created when missing.
fn ensure_identity(
    dir: &Path,
    name: &str,
    cn: &str,
    sans: &[&str],
    created: &mut Vec<String>,
) -> Result<(), Fail> {
    let key = dir.join(format!("{name}.key"));
    let cert = dir.join(format!("{name}.crt"));
    match (key.exists(), cert.exists()) {
        (true, true) => return Ok(()),
        (false, false) => {}
        (true, false) | (false, true) => {
            return Err(Fail::config(format!(
                "{} and {} must both exist or both be absent (delete the other to regenerate)",
                key.display(),
                cert.display()
            )))
        }
    }
    let sans: Vec<String> = sans.iter().map(|s| (*s).to_owned()).collect();
    let id = keygen::generate(cn, &sans, 2048, 365).map_err(Fail::config)?;
    keygen::write(&id, &key, &cert).map_err(Fail::config)?;
    created.push(format!("{}, {}", key.display(), cert.display()));
    Ok(())
}

/// The demo password: from the environment, else the saved one, else a new
/// one (saved, mode 0600, so restarts keep it).
fn demo_password(dir: &Path, created: &mut Vec<String>) -> Result<(String, &'static str), Fail> {
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        if p.is_empty() {
            return Err(Fail::config(format!("{PASSWORD_ENV} is set but empty")));
        }
        return Ok((p, "from WSTRUST_DEMO_PASSWORD"));
    }
    let file = dir.join("admin.password");
    if file.exists() {
        let bytes = util::read(&file).map_err(Fail::config)?;
        let p = String::from_utf8(bytes)
            .map_err(|_| Fail::config(format!("{} is not UTF-8", file.display())))?
            .trim()
            .to_owned();
        if p.is_empty() {
            return Err(Fail::config(format!("{} is empty", file.display())));
        }
        return Ok((p, "saved in admin.password"));
    }
    use base64::Engine;
    let mut raw = [0u8; 15];
    wstrust::memory::OsRandom.fill(&mut raw);
    let p = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    util::write_private(&file, p.as_bytes()).map_err(Fail::config)?;
    created.push(file.display().to_string());
    Ok((p, "generated, saved in admin.password"))
}

/// Stands for the current time in the sample request file.
pub(crate) const CREATED_PLACEHOLDER: &str = "CREATED_NOW";

/// A WS-Trust 1.3 Issue request for the demo user and relying party.
/// `created` is the Timestamp's `Created` (the policy wants a fresh one):
/// the sample file carries [`CREATED_PLACEHOLDER`] for `sed` to replace.
pub(crate) fn sample_request(endpoint: &str, user: &str, password: &str, created: &str) -> String {
    use quick_xml::escape::escape;
    format!(
        r#"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://www.w3.org/2005/08/addressing" xmlns:o="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
  <s:Header>
    <a:Action s:mustUnderstand="1">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue</a:Action>
    <a:MessageID>urn:uuid:00000000-0000-4000-8000-000000000001</a:MessageID>
    <a:To s:mustUnderstand="1">{endpoint}</a:To>
    <o:Security s:mustUnderstand="1" xmlns:u="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
      <u:Timestamp u:Id="_0"><u:Created>{created}</u:Created></u:Timestamp>
      <o:UsernameToken>
        <o:Username>{user}</o:Username>
        <o:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText">{password}</o:Password>
      </o:UsernameToken>
    </o:Security>
  </s:Header>
  <s:Body>
    <trust:RequestSecurityToken xmlns:trust="http://docs.oasis-open.org/ws-sx/ws-trust/200512">
      <wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy">
        <a:EndpointReference><a:Address>{rp}</a:Address></a:EndpointReference>
      </wsp:AppliesTo>
      <trust:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</trust:KeyType>
      <trust:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</trust:RequestType>
      <trust:TokenType>urn:oasis:names:tc:SAML:2.0:assertion</trust:TokenType>
    </trust:RequestSecurityToken>
  </s:Body>
</s:Envelope>
"#,
        endpoint = escape(endpoint),
        user = escape(user),
        password = escape(password),
        rp = escape(DEMO_RP),
        created = escape(created),
    )
}

/// What the banner tells about the demo set-up.
pub(crate) struct Demo {
    dir: PathBuf,
    password: zeroize::Zeroizing<String>,
    source: &'static str,
    created: Vec<String>,
    tls: bool,
}

impl Demo {
    /// Write the sample request for the server at `base` and return the
    /// lines that tell how to call it.
    pub(crate) fn banner(&self, base: &str) -> Vec<String> {
        let endpoint = format!("{base}/adfs/services/trust/13/usernamemixed");
        let sample = self.dir.join("sample-rst.xml");
        let body = sample_request(&endpoint, DEMO_USER, &self.password, CREATED_PLACEHOLDER);
        let mut lines = Vec::new();
        if let Err(e) = util::write_private(&sample, body.as_bytes()) {
            lines.push(format!("  (sample request not written: {e})"));
        }
        if !self.created.is_empty() {
            lines.push(format!("  created:   {}", self.created.join("; ")));
        }
        lines.push(format!(
            "  demo user: {DEMO_USER} (role Admin), password {} ({})",
            self.password.as_str(),
            self.source
        ));
        lines.push(format!(
            "  demo relying party: {DEMO_RP} (certificate {})",
            self.dir.join("rp.crt").display()
        ));
        lines.push(format!(
            "  demo client certificate (certificatemixed): {}",
            self.dir.join("client.crt").display()
        ));
        let ca = if self.tls {
            format!(" --cacert {}", self.dir.join("tls.crt").display())
        } else {
            String::new()
        };
        lines.push("Try it (the request needs a fresh Timestamp, hence the sed):".to_owned());
        lines.push(format!(
            "  sed \"s/{CREATED_PLACEHOLDER}/$(date -u +%Y-%m-%dT%H:%M:%SZ)/\" {} | curl -s{ca} -H 'Content-Type: application/soap+xml' --data-binary @- {endpoint}",
            sample.display()
        ));
        if !self.tls {
            lines.push("  (plain HTTP: the policy refuses passwords without TLS unless --behind-tls-proxy says a proxy terminated it)".to_owned());
        }
        lines
    }
}

/// The claims the demo party gets when a request names none: the user's
/// name and roles.
pub(crate) const DEMO_CLAIMS: [&str; 2] = [
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
    "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/role",
];

/// The demo relying party: tokens encrypted for `rp.crt` with AES-256-GCM
/// by default, AES-256-CBC when the request asks (`wst:EncryptionAlgorithm`:
/// .NET's `EncryptedXml`, as WIF uses it, has no GCM), key transport
/// RSA-OAEP (`rsa-oaep-mgf1p`, or `xmlenc11#rsa-oaep` when asked); the
/// user's name and roles when the request names no claims.
fn demo_party(rp_cert: Certificate) -> RelyingParty {
    RelyingParty::new(DEMO_RP)
        .certificate(rp_cert)
        .data_algorithms([DataAlgorithm::Aes256Gcm, DataAlgorithm::Aes256Cbc])
        .key_transports([KeyTransport::RsaOaepMgf1p, KeyTransport::RsaOaepSha256])
        .default_claims(DEMO_CLAIMS)
}

/// The `usernamemixed` and `certificatemixed` services.
type DemoServices = (Arc<dyn TokenService>, Arc<dyn TokenService>);

/// The two demo services: one for `usernamemixed` (a UsernameToken over
/// TLS) and one for `certificatemixed` (an X.509 signature over Body and
/// Timestamp by the demo client certificate). Both are the library's `Sts`
/// with one demo user and one demo relying party whose tokens are encrypted
/// for `rp.crt`, and share their users, token store, replay cache and
/// lockout: a token issued at one endpoint can be validated at the other.
fn demo_sts(
    key: AwsLcRsaKey,
    cert: Certificate,
    rp_cert: Certificate,
    client_cert: Certificate,
    password: &str,
) -> Result<DemoServices, Fail> {
    let users = MemoryUserStore::new(PRIMARY_DOMAIN);
    let mut attributes = Attributes::new();
    attributes.insert(
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname".into(),
        vec!["Admin".into()],
    );
    attributes.insert(
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress".into(),
        vec!["admin@localhost".into()],
    );
    attributes.insert(DEMO_CLAIMS[0].into(), vec![DEMO_USER.into()]);
    users.add_user(
        DEMO_USER,
        Secret::new(password.as_bytes().to_vec()),
        &["Admin", "Internal/everyone"],
        attributes,
    );
    let users = Arc::new(users);
    let mut rps = RelyingParties::new();
    rps.try_add(demo_party(rp_cert))
        .map_err(|e| Fail::config(format!("demo relying party: {e}")))?;
    let key: Arc<dyn wstrust::keys::PrivateKey> = Arc::new(key);
    // Issued tokens are remembered (bounded) for validate, renew, cancel.
    let store = Arc::new(MemoryTokenStore::new(DEMO_TOKEN_CAPACITY));
    let replay = Arc::new(MemoryReplayCache::default());
    let lockout = Arc::new(MemoryLockout::default());
    let build = |policy: StandardPolicy, wss: WssSettings| {
        let config = StsConfig::builder()
            .issuer(DEMO_ISSUER)
            .signing_key(Arc::clone(&key), cert.clone())
            .users(users.clone())
            .relying_parties(rps.clone())
            .audit(Arc::new(crate::serve::TracingAudit))
            .token_store(store.clone())
            .replay(replay.clone())
            .lockout(lockout.clone())
            .policy(Arc::new(policy))
            .wss(wss)
            .build()
            .map_err(|e| Fail::config(format!("STS configuration: {e}")))?;
        Ok::<Arc<dyn TokenService>, Fail>(Arc::new(Sts::new(config)))
    };
    let username = build(StandardPolicy::username_token(), WssSettings::default())?;
    let mut wss = WssSettings::default();
    // Pinned: the demo client authenticates itself and never issues.
    wss.pinned_certificates.push(client_cert);
    let certificate = build(StandardPolicy::non_repudiation(), wss)?;
    Ok((username, certificate))
}

/// Create what is missing in `dir`, load it, and describe how to call.
pub(crate) fn setup(dir: &Path, tls: bool) -> Result<Setup, Fail> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Fail::config(format!("cannot create {}: {e}", dir.display())))?;
    let mut created = Vec::new();
    ensure_identity(
        dir,
        "sts",
        "wstrust development STS",
        &["localhost"],
        &mut created,
    )?;
    ensure_identity(dir, "rp", "localhost", &["localhost"], &mut created)?;
    // The demo client of the certificatemixed endpoints.
    ensure_identity(
        dir,
        "client",
        "wstrust demo client",
        &["localhost"],
        &mut created,
    )?;
    if tls {
        ensure_identity(
            dir,
            "tls",
            "localhost",
            &["localhost", "127.0.0.1", "::1"],
            &mut created,
        )?;
    }
    let (password, source) = demo_password(dir, &mut created)?;

    // Load through the library, as a configured server would.
    let load_key = |name: &str| {
        let p = dir.join(name);
        let bytes = util::read(&p).map_err(Fail::config)?;
        AwsLcRsaKey::from_pem(&bytes).map_err(|e| Fail::config(format!("{}: {e}", p.display())))
    };
    let load_cert = |name: &str| {
        let p = dir.join(name);
        let bytes = util::read(&p).map_err(Fail::config)?;
        Certificate::from_pem(&bytes).map_err(|e| Fail::config(format!("{}: {e}", p.display())))
    };
    let sts_key = load_key("sts.key")?;
    let sts_cert = load_cert("sts.crt")?;
    let rp_cert = load_cert("rp.crt")?;
    let client_cert = load_cert("client.crt")?;
    let (service, certificate_service) =
        demo_sts(sts_key, sts_cert, rp_cert, client_cert, &password)?;
    let tls_config = if tls {
        Some(tls_config(&dir.join("tls.crt"), &dir.join("tls.key"))?)
    } else {
        None
    };

    let demo = Demo {
        dir: dir.to_owned(),
        password: zeroize::Zeroizing::new(password),
        source,
        created,
        tls,
    };
    Ok(Setup {
        listen: DEFAULT_LISTEN
            .parse()
            .map_err(|_| Fail::config("bad default address"))?,
        tls: tls_config,
        plain_http: !tls,
        service,
        certificate_service: Some(certificate_service),
        transport: Transport::default(),
        limits: Limits::default(),
        demo: Some(demo),
    })
}
