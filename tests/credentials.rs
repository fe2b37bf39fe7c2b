//! Certificate and environment credentials against a local Entra ID token endpoint.

use std::collections::HashMap;

use aws_lc_rs::signature::{self, KeyPair, RsaKeyPair, UnparsedPublicKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use defender_e2e::{CLIENT_ID, CLIENT_SECRET, TENANT, TOKEN, mount_token_endpoint};
use defender_sdk::{
    ClientCertificateCredential, DefenderClient, EnvironmentCredential, ErrorKind, TokenCredential,
};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn cert_file(name: &str) -> String {
    format!("{}/fixtures/certs/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(cert_file(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

async fn token_form(server: &MockServer) -> HashMap<String, String> {
    let requests = server.received_requests().await.unwrap_or_default();
    let request = requests
        .iter()
        .find(|r| r.url.path() == format!("/{TENANT}/oauth2/v2.0/token"))
        .unwrap_or_else(|| panic!("no token request"));
    url::form_urlencoded::parse(&request.body).into_owned().collect()
}

fn decode_part(part: &str) -> Value {
    let bytes = URL_SAFE_NO_PAD.decode(part).unwrap_or_else(|e| panic!("{e}"));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// Checks a client assertion: header, claims, and the RSA signature against the test key.
fn check_assertion(assertion: &str, audience: &str) {
    let parts: Vec<&str> = assertion.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts");
    let header = decode_part(parts[0]);
    assert_eq!(header["alg"], "RS256");
    let certificate =
        CertificateDer::from_pem_file(cert_file("test-cert.pem")).unwrap_or_else(|e| panic!("{e}"));
    let thumbprint = URL_SAFE_NO_PAD
        .encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, &certificate));
    assert_eq!(header["x5t"], Value::from(thumbprint));

    let claims = decode_part(parts[1]);
    assert_eq!(claims["aud"], audience);
    assert_eq!(claims["iss"], CLIENT_ID);
    assert_eq!(claims["sub"], CLIENT_ID);
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 32));
    let (nbf, exp) = (claims["nbf"].as_u64().unwrap_or(0), claims["exp"].as_u64().unwrap_or(0));
    assert!(nbf > 1_600_000_000 && exp > nbf && exp - nbf <= 3600, "nbf {nbf}, exp {exp}");

    let PrivateKeyDer::Pkcs8(key) =
        PrivateKeyDer::from_pem_file(cert_file("test-key.pem")).unwrap_or_else(|e| panic!("{e}"))
    else {
        panic!("the test key is PKCS#8")
    };
    let key = RsaKeyPair::from_pkcs8(key.secret_pkcs8_der()).unwrap_or_else(|e| panic!("{e}"));
    let public = UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, key.public_key().as_ref());
    let signed = format!("{}.{}", parts[0], parts[1]);
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap_or_else(|e| panic!("{e}"));
    public
        .verify(signed.as_bytes(), &signature)
        .unwrap_or_else(|_| panic!("the assertion's signature does not verify"));
}

#[tokio::test]
async fn a_certificate_signs_in_with_a_verifiable_client_assertion() {
    for pem in ["test-cert-and-key.pem", "pkcs1"] {
        let server = MockServer::start().await;
        mount_token_endpoint(&server).await;
        let bytes = if pem == "pkcs1" {
            [read("test-cert.pem"), read("test-key-pkcs1.pem")].concat()
        } else {
            read(pem)
        };
        let authority = url::Url::parse(&server.uri()).unwrap_or_else(|e| panic!("{e}"));
        let credential = ClientCertificateCredential::from_pem(TENANT, CLIENT_ID, &bytes)
            .unwrap_or_else(|e| panic!("{pem}: {e}"))
            .with_authority_host(authority);
        assert!(!format!("{credential:?}").contains("PRIVATE"), "{credential:?}");

        let token = credential.get_token("https://api.securitycenter.microsoft.com/.default").await;
        assert_eq!(token.unwrap_or_else(|e| panic!("{e}")).secret(), TOKEN);

        let form = token_form(&server).await;
        assert_eq!(form.get("grant_type").map(String::as_str), Some("client_credentials"));
        assert_eq!(form.get("client_id").map(String::as_str), Some(CLIENT_ID));
        assert_eq!(
            form.get("scope").map(String::as_str),
            Some("https://api.securitycenter.microsoft.com/.default")
        );
        assert_eq!(
            form.get("client_assertion_type").map(String::as_str),
            Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
        );
        assert!(!form.contains_key("client_secret"));
        let audience = format!("{}/{TENANT}/oauth2/v2.0/token", server.uri());
        check_assertion(form.get("client_assertion").map(String::as_str).unwrap_or_default(), &audience);
    }
}

#[test]
fn unusable_certificates_are_errors_not_panics() {
    for (pem, expected) in [
        (b"not a pem at all".as_slice(), "no CERTIFICATE"),
        (&read("test-cert.pem")[..], "no readable PRIVATE KEY"),
        (b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n".as_slice(), "malformed"),
    ] {
        let error = ClientCertificateCredential::from_pem(TENANT, CLIENT_ID, pem)
            .err()
            .unwrap_or_else(|| panic!("accepted {:?}", String::from_utf8_lossy(pem)));
        assert!(matches!(error.kind(), ErrorKind::Auth(_)), "{error:?}");
        assert!(error.to_string().contains(expected), "{error}");
    }
    let missing = ClientCertificateCredential::from_pem_file(TENANT, CLIENT_ID, "/nonexistent/cert.pem");
    assert!(missing.err().is_some_and(|e| e.to_string().contains("/nonexistent/cert.pem")));
}

#[tokio::test]
async fn the_environment_selects_a_secret_or_a_certificate() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let vars = |secret: bool| {
        let mut vars = HashMap::from([
            ("AZURE_TENANT_ID", TENANT.to_owned()),
            ("AZURE_CLIENT_ID", CLIENT_ID.to_owned()),
            ("AZURE_AUTHORITY_HOST", server.uri()),
            ("AZURE_CLIENT_CERTIFICATE_PATH", cert_file("test-cert-and-key.pem")),
        ]);
        if secret {
            vars.insert("AZURE_CLIENT_SECRET", CLIENT_SECRET.to_owned());
        }
        vars
    };

    let with_secret = vars(true);
    let credential = EnvironmentCredential::from_lookup(|name| with_secret.get(name).cloned())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!format!("{credential:?}").contains(CLIENT_SECRET));
    credential.get_token("scope/.default").await.unwrap_or_else(|e| panic!("{e}"));
    let form = token_form(&server).await;
    assert_eq!(form.get("client_secret").map(String::as_str), Some(CLIENT_SECRET), "a secret wins");

    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let mut with_certificate = vars(false);
    with_certificate.insert("AZURE_AUTHORITY_HOST", server.uri());
    let credential = EnvironmentCredential::from_lookup(|name| with_certificate.get(name).cloned())
        .unwrap_or_else(|e| panic!("{e}"));
    let client = DefenderClient::builder()
        .base_url(&server.uri())
        .map(|b| b.credential(credential))
        .and_then(|b| b.build())
        .unwrap_or_else(|e| panic!("{e}"));
    Mock::given(method("GET"))
        .and(path("/api/configurationScore"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(defender_e2e::fixture("get-device-secure-score.json"), "application/json"),
        )
        .mount(&server)
        .await;
    client.configuration_score().await.unwrap_or_else(|e| panic!("{e}"));
    let form = token_form(&server).await;
    assert!(form.contains_key("client_assertion"), "{form:?}");
}

#[test]
fn missing_environment_variables_are_named() {
    let error = EnvironmentCredential::from_lookup(|_| None).err().map(|e| e.to_string()).unwrap_or_default();
    assert_eq!(error, "invalid configuration: AZURE_TENANT_ID is not set");
    let only_ids = |name: &str| matches!(name, "AZURE_TENANT_ID" | "AZURE_CLIENT_ID").then(|| "x".to_owned());
    let error = EnvironmentCredential::from_lookup(only_ids).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(error.contains("AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH"), "{error}");
}
