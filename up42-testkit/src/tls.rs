//! HTTPS for the sandbox: a self-signed certificate made at start, and the
//! TLS acceptor its connections go through.

use std::sync::Arc;

use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// The names the certificate is valid for: the loopback names, and any host
/// under `sandbox.test` (a reserved top-level name that never resolves), so
/// that a test can reach the sandbox through a proxy under a name that is not
/// a loopback name.
pub(crate) const NAMES: [&str; 4] = ["localhost", "127.0.0.1", "sandbox.test", "*.sandbox.test"];

/// A certificate and the acceptor that serves it.
pub(crate) struct Tls {
    pub(crate) acceptor: TlsAcceptor,
    /// The certificate in PEM, for clients to trust.
    pub(crate) certificate_pem: String,
}

impl Tls {
    /// Makes a certificate for [`NAMES`].
    ///
    /// # Panics
    /// If the certificate cannot be made: a broken crypto backend.
    pub(crate) fn new() -> Tls {
        let names: Vec<String> = NAMES.iter().map(|n| n.to_string()).collect();
        let certified =
            rcgen::generate_simple_self_signed(names).expect("a self-signed certificate can be made");
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
        let chain: Vec<CertificateDer<'static>> = vec![certified.cert.der().clone()];
        let config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("the default TLS versions are supported")
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .expect("the certificate matches its key");
        Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            certificate_pem: certified.cert.pem(),
        }
    }
}
