//! Proxies and TLS: resolved once here for every language.
//!
//! * **Proxy.** An explicit proxy URL wins (`"none"` or an empty string turns proxies off);
//!   otherwise, when the environment is read, `HTTPS_PROXY` (for `https` URLs), `HTTP_PROXY`
//!   (for `http` URLs) and `ALL_PROXY` apply (upper or lower case), minus the hosts of
//!   `NO_PROXY`. Credentials in the proxy URL (`http://user:pass@proxy:3128`) are sent as
//!   `Proxy-Authorization` and never logged or shown in `Debug`.
//! * **TLS.** The system's roots are trusted, plus the PEM certificates of the `ca_cert` file
//!   (or, when the environment is read, of `SSL_CERT_FILE`). A client certificate for mutual TLS
//!   comes from a PEM file holding the certificate chain and, unless given separately, its key.
//!   Unreadable or malformed files fail when the client is built ([`Error::Config`] naming the
//!   file and the problem); certificate failures during a handshake are [`Error::Tls`] with
//!   a [`TlsReason`].

use std::fmt;
use std::path::{Path, PathBuf};

use super::{Error, Result};

/// Why a TLS handshake failed (the `code` of [`Error::Tls`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsReason {
    /// The server's certificate is not signed by a trusted CA.
    UnknownIssuer,
    /// The server's certificate has expired (or is not yet valid).
    Expired,
    /// The server's certificate is not valid for the host name of the URL.
    HostnameMismatch,
    /// The server requires a client certificate and none was configured.
    ClientCertificateRequired,
    /// The server rejected the client certificate.
    ClientCertificateRejected,
    /// Any other certificate or handshake failure.
    Handshake,
}

impl TlsReason {
    /// The stable snake_case code, e.g. `tls_unknown_issuer`.
    pub fn code(self) -> &'static str {
        match self {
            TlsReason::UnknownIssuer => "tls_unknown_issuer",
            TlsReason::Expired => "tls_certificate_expired",
            TlsReason::HostnameMismatch => "tls_hostname_mismatch",
            TlsReason::ClientCertificateRequired => "tls_client_certificate_required",
            TlsReason::ClientCertificateRejected => "tls_client_certificate_rejected",
            TlsReason::Handshake => "tls_handshake_failed",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            TlsReason::UnknownIssuer => {
                "the server's certificate is not signed by a trusted CA (set the ca_cert option or SSL_CERT_FILE to your CA bundle)"
            }
            TlsReason::Expired => "the server's certificate has expired or is not yet valid",
            TlsReason::HostnameMismatch => {
                "the server's certificate is not valid for this host name"
            }
            TlsReason::ClientCertificateRequired => {
                "the server requires a client certificate (set the client_cert option)"
            }
            TlsReason::ClientCertificateRejected => "the server rejected the client certificate",
            TlsReason::Handshake => "the TLS handshake failed",
        }
    }
}

/// Classifies a transport error chain as a TLS failure, if it is one.
pub(crate) fn tls_reason(err: &(dyn std::error::Error + 'static)) -> Option<TlsReason> {
    use rustls::{AlertDescription as A, CertificateError as C};
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        let found = rustls_error(e);
        if let Some(r) = found {
            return Some(match r {
                rustls::Error::InvalidCertificate(c) => match c {
                    C::UnknownIssuer | C::BadSignature | C::UnhandledCriticalExtension => {
                        TlsReason::UnknownIssuer
                    }
                    C::Expired
                    | C::ExpiredContext { .. }
                    | C::NotValidYet
                    | C::NotValidYetContext { .. } => TlsReason::Expired,
                    C::NotValidForName | C::NotValidForNameContext { .. } => {
                        TlsReason::HostnameMismatch
                    }
                    C::Other(o) => classify_other(&o.to_string()),
                    _ => TlsReason::Handshake,
                },
                rustls::Error::AlertReceived(A::CertificateRequired)
                | rustls::Error::AlertReceived(A::HandshakeFailure) => {
                    TlsReason::ClientCertificateRequired
                }
                rustls::Error::AlertReceived(
                    A::BadCertificate | A::UnknownCA | A::CertificateUnknown | A::AccessDenied,
                ) => TlsReason::ClientCertificateRejected,
                rustls::Error::AlertReceived(A::CertificateExpired) => {
                    TlsReason::ClientCertificateRejected
                }
                _ => TlsReason::Handshake,
            });
        }
        cur = e.source();
    }
    None
}

/// The rustls error in `e`, looking through nested `io::Error` wrappers (whose `source()`
/// skips the wrapped error).
fn rustls_error<'a>(mut e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    loop {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => e = inner,
            None => return None,
        }
    }
}

/// The platform verifier reports some failures as `Other` with a message.
fn classify_other(text: &str) -> TlsReason {
    let t = text.to_ascii_lowercase();
    if t.contains("issuer") || t.contains("self-signed") || t.contains("untrusted") {
        TlsReason::UnknownIssuer
    } else if t.contains("expired") {
        TlsReason::Expired
    } else if t.contains("name") {
        TlsReason::HostnameMismatch
    } else {
        TlsReason::Handshake
    }
}

impl Error {
    /// A TLS failure with its reason; `detail` is the underlying error text.
    pub(crate) fn tls(reason: TlsReason, detail: &str) -> Self {
        Error::Tls {
            reason,
            message: format!("{}: {detail}", reason.hint()),
        }
    }
}

/// The proxy setting of a client.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) enum ProxySetting {
    /// Not set: the environment decides (when read).
    #[default]
    Unset,
    /// Proxies are off.
    Off,
    /// Every request goes through this proxy.
    Url(String),
}

impl fmt::Debug for ProxySetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProxySetting::Unset => f.write_str("Unset"),
            ProxySetting::Off => f.write_str("Off"),
            ProxySetting::Url(u) => write!(f, "Url({})", redact_proxy(u)),
        }
    }
}

impl ProxySetting {
    /// `"none"` / `""` turn proxies off; anything else is a proxy URL.
    pub(crate) fn parse(value: &str) -> Self {
        let v = value.trim();
        if v.is_empty() || v.eq_ignore_ascii_case("none") {
            ProxySetting::Off
        } else {
            ProxySetting::Url(v.to_string())
        }
    }
}

/// A proxy URL with any password replaced by `****` (for logs and `Debug`).
pub fn redact_proxy(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            if u.password().is_some() {
                let _ = u.set_password(Some("****"));
            }
            u.to_string()
        }
        Err(_) => "<invalid proxy URL>".to_string(),
    }
}

/// Network settings resolved from the builder and the environment.
#[derive(Debug, Default, Clone)]
pub(crate) struct NetSettings {
    pub proxy: ProxySetting,
    pub ca_cert: Option<PathBuf>,
    pub client_cert: Option<PathBuf>,
    pub client_key: Option<PathBuf>,
}

/// An environment lookup.
pub(crate) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

fn first(env: Env<'_>, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| env(n))
}

fn proxy_of(url: &str, what: &str) -> Result<reqwest::Proxy> {
    let parsed = url::Url::parse(url).map_err(|e| {
        Error::config(format!(
            "invalid proxy URL {} ({what}): {e} (expected e.g. http://proxy.example:3128)",
            redact_proxy(url)
        ))
    })?;
    if !matches!(parsed.scheme(), "http" | "https" | "socks5" | "socks5h")
        || parsed.host_str().is_none()
    {
        return Err(Error::config(format!(
            "invalid proxy URL {} ({what}): expected http://host:port or https://host:port",
            redact_proxy(url)
        )));
    }
    reqwest::Proxy::all(parsed.as_str()).map_err(|e| {
        Error::config(format!(
            "invalid proxy URL {} ({what}): {e}",
            redact_proxy(url)
        ))
    })
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| Error::config(format!("cannot read the {what} {}: {e}", path.display())))
}

/// Applies the proxy and TLS settings to a `reqwest` builder. `env` is the environment lookup
/// (`None` when the environment is not read).
pub(crate) fn apply(
    mut b: reqwest::ClientBuilder,
    s: &NetSettings,
    env: Option<Env<'_>>,
) -> Result<reqwest::ClientBuilder> {
    // The core resolves proxies itself (the same in every language), never reqwest's own lookup.
    b = b.no_proxy();
    match &s.proxy {
        ProxySetting::Off => {}
        ProxySetting::Url(u) => b = b.proxy(proxy_of(u, "proxy option")?),
        ProxySetting::Unset => {
            if let Some(env) = env {
                let no_proxy = first(env, &["NO_PROXY", "no_proxy"])
                    .and_then(|v| reqwest::NoProxy::from_string(&v));
                let https = first(env, &["HTTPS_PROXY", "https_proxy"]);
                let http = first(env, &["HTTP_PROXY", "http_proxy"]);
                let all = first(env, &["ALL_PROXY", "all_proxy"]);
                if let Some(u) = https.as_deref().or(all.as_deref()) {
                    proxy_of(u, "HTTPS_PROXY")?;
                    let p = reqwest::Proxy::https(u).map_err(|e| {
                        Error::config(format!("invalid HTTPS_PROXY {}: {e}", redact_proxy(u)))
                    })?;
                    b = b.proxy(p.no_proxy(no_proxy.clone()));
                }
                if let Some(u) = http.as_deref().or(all.as_deref()) {
                    proxy_of(u, "HTTP_PROXY")?;
                    let p = reqwest::Proxy::http(u).map_err(|e| {
                        Error::config(format!("invalid HTTP_PROXY {}: {e}", redact_proxy(u)))
                    })?;
                    b = b.proxy(p.no_proxy(no_proxy.clone()));
                }
            }
        }
    }
    let ca = s
        .ca_cert
        .clone()
        .map(|p| (p, "CA bundle (ca_cert)"))
        .or_else(|| {
            env.and_then(|e| e("SSL_CERT_FILE"))
                .map(|p| (PathBuf::from(p), "CA bundle (SSL_CERT_FILE)"))
        });
    if let Some((path, what)) = ca {
        let pem = read(&path, what)?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
            Error::config(format!(
                "the {what} {} is not valid PEM: {e}",
                path.display()
            ))
        })?;
        if certs.is_empty() {
            return Err(Error::config(format!(
                "the {what} {} holds no PEM certificate",
                path.display()
            )));
        }
        b = b.tls_certs_merge(certs);
    }
    if let Some(cert) = &s.client_cert {
        let mut pem = read(cert, "client certificate (client_cert)")?;
        if let Some(key) = &s.client_key {
            pem.push(b'\n');
            pem.extend(read(key, "client key (client_key)")?);
        }
        let text = String::from_utf8_lossy(&pem);
        if !text.contains("-----BEGIN CERTIFICATE-----") {
            return Err(Error::config(format!(
                "the client certificate {} holds no PEM certificate",
                cert.display()
            )));
        }
        if !text.contains("PRIVATE KEY-----") {
            return Err(Error::config(format!(
                "no private key for the client certificate {} (put it in the same file or set client_key)",
                cert.display()
            )));
        }
        let id = reqwest::Identity::from_pem(&pem).map_err(|e| {
            Error::config(format!(
                "the client certificate {} or its key is not usable: {e}",
                cert.display()
            ))
        })?;
        b = b.identity(id);
    } else if s.client_key.is_some() {
        return Err(Error::config("client_key was set without client_cert"));
    }
    Ok(b)
}
