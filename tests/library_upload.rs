//! The live response library upload: a multipart/form-data request written by hand in the
//! SDK's front door, since CSDL cannot describe it.

use defender_e2e::{TOKEN, defender_client, mount_token_endpoint};
use defender_sdk::LibraryUpload;
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn a_library_upload_sends_the_documented_form_fields() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    // The library entry as `list-library-files.md` shows one.
    let created = json!({
        "fileName": "collect.ps1",
        "sha256": "6e212a0db618507c44e4ec8ee7499dfef7e5767e5f8d31144df3b96fd1145caf",
        "description": "test description",
        "creationTime": "2019-10-24T10:54:23.2009016Z",
        "lastUpdatedTime": "2019-10-24T10:54:23.2009016Z",
        "createdBy": "admin",
        "hasParameters": true,
        "parametersDescription": "test"
    });
    Mock::given(method("POST"))
        .and(path("/api/libraryfiles"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(created.clone()))
        .expect(1)
        .mount(&server)
        .await;

    let upload = LibraryUpload::new("collect.ps1", b"Get-EventLog -LogName System".to_vec())
        .description("test description")
        .parameters_description("test")
        .has_parameters(true)
        .override_if_exists(true);
    let file = defender_client(&server).upload_library_file(upload).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.file_name, "collect.ps1");
    assert_eq!(file.has_parameters, Some(true));

    let requests = server.received_requests().await.unwrap_or_default();
    let upload =
        requests.iter().find(|r| r.url.path() == "/api/libraryfiles").unwrap_or_else(|| panic!("no upload"));
    let content_type = upload.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("{content_type}"));
    let body = String::from_utf8_lossy(&upload.body);
    let parts: Vec<&str> =
        body.split(&format!("--{boundary}")).filter(|p| !p.trim().is_empty() && p.trim() != "--").collect();
    let field = |name: &str| {
        parts
            .iter()
            .find(|p| p.contains(&format!("name=\"{name}\"")))
            .and_then(|p| p.split("\r\n\r\n").nth(1))
            .map(|v| v.trim_end_matches("\r\n").to_owned())
    };
    assert_eq!(field("file").as_deref(), Some("Get-EventLog -LogName System"));
    assert!(body.contains("filename=\"collect.ps1\""), "{body}");
    assert_eq!(field("Description").as_deref(), Some("test description"));
    assert_eq!(field("ParametersDescription").as_deref(), Some("test"));
    assert_eq!(field("HasParameters").as_deref(), Some("true"));
    assert_eq!(field("OverrideIfExists").as_deref(), Some("true"));
    assert_eq!(parts.len(), 5, "exactly the five documented fields");
}
