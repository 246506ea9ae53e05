//! Proxies and TLS against local servers: `tests/net/net_fixture.py` generates a CA, a server
//! certificate and client certificates with the `openssl` CLI at test time and serves HTTPS,
//! mutual-TLS HTTPS and an authenticating CONNECT proxy on 127.0.0.1.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use everruns_core::client::{Error, Everruns, EverrunsBuilder, Method, TlsReason};
use serde_json::Value;

struct Fixture {
    _child: Child,
    info: Value,
}

impl Fixture {
    fn port(&self, name: &str) -> u64 {
        self.info[name].as_u64().expect("port")
    }
    fn file(&self, name: &str) -> PathBuf {
        Path::new(self.info["dir"].as_str().expect("dir")).join(name)
    }
    fn url(&self, port: &str) -> String {
        format!("https://127.0.0.1:{}/api", self.port(port))
    }
    fn proxy_log(&self) -> String {
        std::fs::read_to_string(self.file("proxy.log")).unwrap_or_default()
    }
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let dir = std::env::temp_dir().join(format!("everruns-net-{}", std::process::id()));
        let mut child = Command::new("python3")
            .arg(root.join("tests/net/net_fixture.py"))
            .arg(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the network fixture");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .expect("fixture info");
        let info: Value = serde_json::from_str(&line).expect("fixture prints its ports as JSON");
        Fixture {
            _child: child,
            info,
        }
    })
}

fn builder(url: &str) -> EverrunsBuilder {
    Everruns::builder()
        .api_key("dev")
        .base_url(url)
        .max_retries(0)
}

async fn list(c: &Everruns) -> Result<Value, Error> {
    c.request_json(Method::GET, "models", &[], None, false)
        .await
}

fn tls_reason(e: &Error) -> TlsReason {
    match e {
        Error::Tls { reason, .. } => *reason,
        other => panic!("expected a TLS error, got {other:?}"),
    }
}

#[tokio::test]
async fn custom_ca_option_and_ssl_cert_file() {
    let f = fixture();
    let c = builder(&f.url("tls_port"))
        .ca_cert(f.file("ca.pem"))
        .build()
        .unwrap();
    assert_eq!(list(&c).await.unwrap()["total"], 0);

    let ca = f.file("ca.pem").to_string_lossy().to_string();
    let c = builder(&f.url("tls_port"))
        .with_env_from(move |k| (k == "SSL_CERT_FILE").then(|| ca.clone()))
        .build()
        .unwrap();
    assert_eq!(list(&c).await.unwrap()["total"], 0);
}

#[tokio::test]
async fn untrusted_server_certificate_is_a_typed_tls_error() {
    let f = fixture();
    let c = builder(&f.url("tls_port")).build().unwrap();
    let e = list(&c).await.unwrap_err();
    assert_eq!(tls_reason(&e), TlsReason::UnknownIssuer, "{e}");
    assert_eq!(e.code(), "tls_unknown_issuer");
    assert!(e.to_string().contains("ca_cert"), "{e}");
    assert!(!e.is_retryable());
}

#[tokio::test]
async fn certificate_for_another_host_is_a_hostname_mismatch() {
    let f = fixture();
    let url = format!("https://localhost:{}/api", f.port("tls_port"));
    let c = builder(&url).ca_cert(f.file("ca.pem")).build().unwrap();
    let e = list(&c).await.unwrap_err();
    assert_eq!(tls_reason(&e), TlsReason::HostnameMismatch, "{e}");
}

#[tokio::test]
async fn mutual_tls_with_client_certificates() {
    let f = fixture();
    let url = f.url("mtls_port");
    // Certificate and key in one file, and in two files.
    let c = builder(&url)
        .ca_cert(f.file("ca.pem"))
        .client_cert(f.file("client-bundle.pem"), None)
        .build()
        .unwrap();
    assert_eq!(list(&c).await.unwrap()["total"], 0);
    let c = builder(&url)
        .ca_cert(f.file("ca.pem"))
        .client_cert(f.file("client.pem"), Some(f.file("client.key")))
        .build()
        .unwrap();
    assert_eq!(list(&c).await.unwrap()["total"], 0);

    let none = builder(&url).ca_cert(f.file("ca.pem")).build().unwrap();
    let e = list(&none).await.unwrap_err();
    assert_eq!(tls_reason(&e), TlsReason::ClientCertificateRequired, "{e}");
    assert!(e.to_string().contains("client_cert"), "{e}");

    let rogue = builder(&url)
        .ca_cert(f.file("ca.pem"))
        .client_cert(f.file("rogue.pem"), Some(f.file("rogue.key")))
        .build()
        .unwrap();
    let e = list(&rogue).await.unwrap_err();
    assert_eq!(tls_reason(&e), TlsReason::ClientCertificateRejected, "{e}");
}

#[tokio::test]
async fn explicit_proxy_with_credentials_tunnels_with_connect() {
    let f = fixture();
    let proxy = format!("http://user:secret@127.0.0.1:{}", f.port("proxy_port"));
    let b = builder(&f.url("mtls_port"))
        .ca_cert(f.file("ca.pem"))
        .client_cert(f.file("client-bundle.pem"), None)
        .proxy(&proxy);
    assert!(!format!("{b:?}").contains("secret"), "{b:?}");
    let c = b.build().unwrap();
    assert!(!format!("{c:?}").contains("secret"));
    assert_eq!(list(&c).await.unwrap()["total"], 0);
    let line = format!("CONNECT 127.0.0.1:{} auth=ok", f.port("mtls_port"));
    assert!(f.proxy_log().contains(&line), "{}", f.proxy_log());

    // Wrong credentials: the proxy refuses the tunnel.
    let bad = format!("http://user:wrong@127.0.0.1:{}", f.port("proxy_port"));
    let c = builder(&f.url("tls_port"))
        .ca_cert(f.file("ca.pem"))
        .proxy(bad)
        .build()
        .unwrap();
    let e = list(&c).await.unwrap_err();
    assert!(matches!(e, Error::Network { .. }), "{e:?}");
    assert!(!e.to_string().contains("wrong"), "{e}");
}

#[tokio::test]
async fn https_proxy_from_the_environment_and_no_proxy() {
    let f = fixture();
    let port = f.port("tls_port");
    let proxy = format!("http://127.0.0.1:{}", f.port("open_proxy_port"));
    let env = move |no_proxy: Option<&'static str>| {
        let proxy = proxy.clone();
        move |k: &str| match k {
            "HTTPS_PROXY" => Some(proxy.clone()),
            "NO_PROXY" => no_proxy.map(str::to_string),
            _ => None,
        }
    };
    // Only this test tunnels through the open proxy (auth=none lines).
    let before = f
        .proxy_log()
        .matches(&format!("CONNECT 127.0.0.1:{port} auth=none"))
        .count();
    let c = builder(&f.url("tls_port"))
        .ca_cert(f.file("ca.pem"))
        .with_env_from(env(None))
        .build()
        .unwrap();
    list(&c).await.unwrap();
    let after = f
        .proxy_log()
        .matches(&format!("CONNECT 127.0.0.1:{port} auth=none"))
        .count();
    assert_eq!(after, before + 1, "{}", f.proxy_log());

    let c = builder(&f.url("tls_port"))
        .ca_cert(f.file("ca.pem"))
        .with_env_from(env(Some("localhost,127.0.0.1")))
        .build()
        .unwrap();
    list(&c).await.unwrap();
    let direct = f
        .proxy_log()
        .matches(&format!("CONNECT 127.0.0.1:{port} auth=none"))
        .count();
    assert_eq!(direct, after, "NO_PROXY must bypass the proxy");

    // An explicit "none" wins over the environment.
    let c = builder(&f.url("tls_port"))
        .ca_cert(f.file("ca.pem"))
        .proxy("none")
        .with_env_from(env(None))
        .build()
        .unwrap();
    list(&c).await.unwrap();
    let off = f
        .proxy_log()
        .matches(&format!("CONNECT 127.0.0.1:{port} auth=none"))
        .count();
    assert_eq!(off, after);
}

#[test]
fn bad_files_and_settings_are_configuration_errors() {
    let f = fixture();
    let url = f.url("tls_port");
    let cfg = |r: Result<Everruns, Error>| match r {
        Err(Error::Config { message }) => message,
        other => panic!("expected a configuration error, got {other:?}"),
    };
    let m = cfg(builder(&url).ca_cert("/nonexistent/ca.pem").build());
    assert!(
        m.contains("cannot read the CA bundle") && m.contains("/nonexistent/ca.pem"),
        "{m}"
    );
    let m = cfg(builder(&url).ca_cert(f.file("garbage.pem")).build());
    assert!(m.contains("holds no PEM certificate"), "{m}");
    let garbage = f.file("garbage.pem").to_string_lossy().to_string();
    let m = cfg(builder(&url)
        .with_env_from(move |k| (k == "SSL_CERT_FILE").then(|| garbage.clone()))
        .build());
    assert!(m.contains("SSL_CERT_FILE"), "{m}");
    let m = cfg(builder(&url)
        .client_cert(f.file("client.pem"), None)
        .build());
    assert!(m.contains("no private key"), "{m}");
    let m = cfg(builder(&url)
        .client_cert(f.file("garbage.pem"), None)
        .build());
    assert!(m.contains("holds no PEM certificate"), "{m}");
    let m = cfg(builder(&url).proxy("ftp://user:pw@proxy:21").build());
    assert!(m.contains("invalid proxy URL") && !m.contains("pw@"), "{m}");
    let m = cfg(builder(&url)
        .with_env_from(|k| (k == "HTTPS_PROXY").then(|| "::not a url".to_string()))
        .build());
    assert!(m.contains("HTTPS_PROXY"), "{m}");
}
