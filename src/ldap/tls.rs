//! rustls client configuration for `ldaps://` and StartTLS.
//!
//! Always built with the ring provider passed explicitly, so the result does
//! not depend on a process-wide default provider being installed.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use super::DirectoryError;

/// Where Linux distributions keep the system CA bundle (what
/// rustls-native-certs / openssl-probe look at), used when `ca_file` is empty.
const SYSTEM_CA_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt", // Debian, Ubuntu, Alpine, Arch
    "/etc/pki/tls/certs/ca-bundle.crt",   // RHEL, Fedora, CentOS
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", // RHEL 7+
    "/etc/ssl/ca-bundle.pem",             // openSUSE
    "/etc/ssl/cert.pem",                  // Alpine, macOS, BSD
];

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads every certificate of a PEM file. Errors name the file.
pub(crate) fn load_pem_certs(path: &Path) -> Result<Vec<CertificateDer<'static>>, DirectoryError> {
    let iter = CertificateDer::pem_file_iter(path)
        .map_err(|e| DirectoryError::Config(format!("cannot read CA file {}: {e}", path.display())))?;
    let certs = iter
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| DirectoryError::Config(format!("CA file {} is not valid PEM: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(DirectoryError::Config(format!(
            "CA file {} contains no PEM certificate (-----BEGIN CERTIFICATE-----)",
            path.display()
        )));
    }
    Ok(certs)
}

/// Trust anchors: `ca_file` if set, else the system bundle (`SSL_CERT_FILE`
/// or the first distribution bundle found).
fn roots(ca_file: &str) -> Result<RootCertStore, DirectoryError> {
    let mut store = RootCertStore::empty();
    if !ca_file.is_empty() {
        let path = Path::new(ca_file);
        for cert in load_pem_certs(path)? {
            store.add(cert).map_err(|e| {
                DirectoryError::Config(format!("CA file {}: unusable certificate: {e}", path.display()))
            })?;
        }
        return Ok(store);
    }
    let env = std::env::var("SSL_CERT_FILE").ok().filter(|s| !s.is_empty());
    let candidates = env
        .iter()
        .map(String::as_str)
        .chain(SYSTEM_CA_BUNDLES.iter().copied());
    for candidate in candidates {
        let path = Path::new(candidate);
        if !path.is_file() {
            continue;
        }
        let certs = load_pem_certs(path)?;
        // A system bundle may hold a few certificates webpki cannot parse; skip them.
        let (added, _ignored) = store.add_parsable_certificates(certs);
        if added > 0 {
            return Ok(store);
        }
    }
    Err(DirectoryError::Config(
        "TLS to the directory needs trusted CA certificates: set auth.ldap.ca_file \
         (no system CA bundle was found, e.g. /etc/ssl/certs/ca-certificates.crt)"
            .into(),
    ))
}

/// The client configuration for TLS connections to the directory.
pub(crate) fn client_config(
    ca_file: &str,
    insecure_skip_verify: bool,
) -> Result<Arc<ClientConfig>, DirectoryError> {
    let provider = provider();
    let algorithms = provider.signature_verification_algorithms;
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| DirectoryError::Config(format!("TLS setup: {e}")))?;
    let config = if insecure_skip_verify {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyServerCert { algorithms }))
            .with_no_client_auth()
    } else {
        builder
            .with_root_certificates(roots(ca_file)?)
            .with_no_client_auth()
    };
    Ok(Arc::new(config))
}

/// `insecure_skip_verify`: accepts any certificate and host name. Handshake
/// signatures are still checked (against the presented certificate) with
/// ring's algorithms, so the TLS session itself is sound; only the server's
/// identity is unverified.
#[derive(Debug)]
struct AcceptAnyServerCert {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyServerCert {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_ca_file_is_a_config_error() {
        let err = client_config("/nonexistent/ca.pem", false).unwrap_err();
        assert!(
            matches!(err, DirectoryError::Config(ref m) if m.contains("/nonexistent/ca.pem")),
            "{err}"
        );
    }

    #[test]
    fn ca_file_without_certificates_is_a_config_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.pem");
        std::fs::write(&path, "not a certificate\n").unwrap();
        let err = client_config(path.to_str().unwrap(), false).unwrap_err();
        assert!(
            matches!(err, DirectoryError::Config(ref m) if m.contains("no PEM certificate")),
            "{err}"
        );
    }

    #[test]
    fn insecure_needs_no_roots() {
        assert!(client_config("", true).is_ok());
    }
}
