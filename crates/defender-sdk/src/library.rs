//! Uploading to the live response library: a `multipart/form-data` request, which CSDL cannot
//! describe, so this one endpoint is written by hand on top of the runtime.

use defender_runtime::codegen::MultipartForm;

use crate::{DefenderClient, LibraryFile, Result};

/// A file to put in the live response library (`POST /api/libraryfiles`).
///
/// ```no_run
/// # async fn run(client: defender_sdk::DefenderClient) -> defender_sdk::Result<()> {
/// use defender_sdk::LibraryUpload;
///
/// let script = std::fs::read("collect.ps1").unwrap_or_default();
/// let uploaded = client
///     .upload_library_file(LibraryUpload::new("collect.ps1", script).description("Collects logs").override_if_exists(true))
///     .await?;
/// println!("{:?}", uploaded.file_name);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LibraryUpload {
    file_name: String,
    content: Vec<u8>,
    description: Option<String>,
    parameters_description: Option<String>,
    has_parameters: Option<bool>,
    override_if_exists: Option<bool>,
}

impl LibraryUpload {
    /// A file with its name and content; the other fields are left out unless set.
    pub fn new(file_name: impl Into<String>, content: Vec<u8>) -> Self {
        Self {
            file_name: file_name.into(),
            content,
            description: None,
            parameters_description: None,
            has_parameters: None,
            override_if_exists: None,
        }
    }

    /// `Description`: what the file is for.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// `ParametersDescription`: the parameters a script takes.
    pub fn parameters_description(mut self, description: impl Into<String>) -> Self {
        self.parameters_description = Some(description.into());
        self
    }

    /// `HasParameters`: whether a script takes parameters.
    pub fn has_parameters(mut self, has_parameters: bool) -> Self {
        self.has_parameters = Some(has_parameters);
        self
    }

    /// `OverrideIfExists`: replace a file of the same name.
    pub fn override_if_exists(mut self, override_if_exists: bool) -> Self {
        self.override_if_exists = Some(override_if_exists);
        self
    }

    fn into_form(self) -> MultipartForm {
        let mut form =
            MultipartForm::new().file("file", &self.file_name, "application/octet-stream", self.content);
        let texts = [
            ("Description", self.description),
            ("ParametersDescription", self.parameters_description),
            ("HasParameters", self.has_parameters.map(|b| b.to_string())),
            ("OverrideIfExists", self.override_if_exists.map(|b| b.to_string())),
        ];
        for (name, value) in texts {
            if let Some(value) = value {
                form = form.text(name, value);
            }
        }
        form
    }
}

impl DefenderClient {
    /// Uploads a file to the live response library.
    ///
    /// `POST /api/libraryfiles` with a `multipart/form-data` body: the file as `file`, and
    /// `Description`, `ParametersDescription`, `HasParameters`, `OverrideIfExists` when set.
    /// The service accepts files up to 20 MB. Returns the library entry it created.
    ///
    /// # Permissions
    ///
    /// | Permission type | Permission |
    /// |---|---|
    /// | Application | `Library.Manage` |
    /// | Delegated (work or school account) | `Library.Manage` |
    pub async fn upload_library_file(&self, upload: LibraryUpload) -> Result<LibraryFile> {
        let url = self.runtime().url("libraryfiles")?;
        self.runtime().send_multipart(url, upload.into_form()).await
    }
}
