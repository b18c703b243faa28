//! TLS for the toolkit's own HTTP clients, set up once per process and only
//! when a URL needs it.
//!
//! Left to itself, each `reqwest::Client` that is built reads and parses the
//! system's root certificates (rustls-platform-verifier loads them when it is
//! made). The toolkit builds two clients per `Up42Client` (token requests and
//! API calls), so a process paid for it twice per client, even against a
//! plain-http sandbox on loopback. Here one verifier is made on first use and
//! shared by every client of the process; clients whose URLs are all plain
//! http (loopback only: the builder refuses plain http elsewhere) get a
//! configuration that trusts nothing, so an unexpected https hop fails its
//! certificate check instead of costing every build the certificate store.

use std::sync::{Arc, OnceLock};

use crate::error::Error;

/// How a client's TLS is set up.
#[derive(Clone, Copy)]
pub(crate) enum Tls {
    /// At least one URL is https: the process's shared configuration with the
    /// platform's verifier (the system's roots), made on first use.
    Platform,
    /// Every URL is plain http on loopback: no roots are loaded.
    PlainHttpOnly,
}

/// The protocols offered by ALPN, as reqwest offers them for HTTP/2 and 1.1.
fn with_alpn(mut config: rustls::ClientConfig) -> rustls::ClientConfig {
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
}

/// The process's configuration with the platform verifier, made once.
fn platform() -> Result<rustls::ClientConfig, Error> {
    static PLATFORM: OnceLock<Result<rustls::ClientConfig, String>> = OnceLock::new();
    PLATFORM
        .get_or_init(|| {
            let provider = provider();
            let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
                .map_err(|e| format!("the system's root certificates cannot be used: {e}"))?;
            let config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("no TLS version to offer: {e}"))?
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(verifier))
                .with_no_client_auth();
            Ok(with_alpn(config))
        })
        .clone()
        .map_err(Error::config)
}

/// A configuration that trusts no certificate: for clients that only ever
/// speak plain http.
fn trusting_nothing() -> Result<rustls::ClientConfig, Error> {
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config_from("no TLS version to offer", e))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    Ok(with_alpn(config))
}

impl Tls {
    /// `builder` with this TLS set up.
    pub(crate) fn apply(self, builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
        let config = match self {
            Tls::Platform => platform()?,
            Tls::PlainHttpOnly => trusting_nothing()?,
        };
        Ok(builder.tls_backend_preconfigured(config))
    }
}
