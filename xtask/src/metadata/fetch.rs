//! Downloading a tenant's live `$metadata`, in canonical form.

use defender_runtime::ODataClient;

use super::normalize::normalize;

/// The service's `$metadata`, checked and normalized.
pub async fn fetch(client: &ODataClient) -> Result<String, String> {
    let url = client.url("$metadata").map_err(|e| e.to_string())?;
    let response = client.get_document(url, "application/xml").await.map_err(|e| e.to_string())?;
    let text =
        String::from_utf8(response.body.to_vec()).map_err(|e| format!("$metadata is not UTF-8: {e}"))?;
    normalize(&text).map_err(|e| format!("$metadata is not a valid CSDL document: {e}"))
}
