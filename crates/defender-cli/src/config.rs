//! Connection settings from a TOML file, merged under the flags and environment variables.
//!
//! ```toml
//! # ~/.config/defender/config.toml (the platform's configuration directory)
//! tenant_id = "00000000-0000-0000-0000-000000000000"
//! client_id = "11111111-1111-1111-1111-111111111111"
//! client_secret = "…"          # or leave it to AZURE_CLIENT_SECRET
//! cloud = "commercial"          # commercial, gcc, gcc-high, dod
//! region = "eu"                 # us, eu, uk, au, swa
//!
//! [profiles.gov]
//! tenant_id = "22222222-2222-2222-2222-222222222222"
//! cloud = "gcc-high"
//! ```
//!
//! A value given by flag or environment variable wins over the chosen profile, which wins over
//! the file's top level. Unknown keys are errors, so a typo does not silently fall back to a
//! default.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A client secret: kept out of `Debug` output and error messages.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }

    /// The secret itself, to hand to the credential.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Connection settings; each may be missing.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// The Entra ID tenant.
    pub tenant_id: Option<String>,
    /// The application's client id.
    pub client_id: Option<String>,
    /// The application's client secret.
    pub client_secret: Option<Secret>,
    /// The cloud: `commercial`, `gcc`, `gcc-high` or `dod`.
    pub cloud: Option<String>,
    /// A regional API host: `us`, `eu`, `uk`, `au` or `swa`.
    pub region: Option<String>,
    /// The API's base URL, instead of the cloud's.
    pub base_url: Option<String>,
    /// The Entra ID authority host, instead of the cloud's.
    pub authority_host: Option<String>,
}

impl Settings {
    /// `self`, with anything it lacks taken from `under`.
    pub fn over(self, under: Settings) -> Settings {
        Settings {
            tenant_id: self.tenant_id.or(under.tenant_id),
            client_id: self.client_id.or(under.client_id),
            client_secret: self.client_secret.or(under.client_secret),
            cloud: self.cloud.or(under.cloud),
            region: self.region.or(under.region),
            base_url: self.base_url.or(under.base_url),
            authority_host: self.authority_host.or(under.authority_host),
        }
    }
}

/// A configuration file: top-level settings and named profiles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// The top-level settings.
    pub defaults: Settings,
    /// Named profiles (`[profiles.NAME]`).
    pub profiles: BTreeMap<String, Settings>,
}

impl ConfigFile {
    /// Parses a file's text; errors name the file, and the line and column TOML reports.
    pub fn parse(path: &Path, text: &str) -> Result<Self, String> {
        let fail = |e: &dyn std::fmt::Display| format!("{}: {}", path.display(), e.to_string().trim_end());
        let mut table: toml::Table = toml::from_str(text).map_err(|e| fail(&e))?;
        let profiles = match table.remove("profiles") {
            None => BTreeMap::new(),
            Some(value) => BTreeMap::<String, Settings>::deserialize(value)
                .map_err(|e| fail(&format!("[profiles]: {e}")))?,
        };
        let defaults = Settings::deserialize(toml::Value::Table(table)).map_err(|e| fail(&e))?;
        Ok(Self { path: path.to_owned(), defaults, profiles })
    }

    /// Reads `path`; a file that does not exist is `None` unless `required`.
    pub fn read(path: &Path, required: bool) -> Result<Option<Self>, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(path, &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// The settings of `profile` over the top-level ones, or the top-level ones alone.
    pub fn settings(&self, profile: Option<&str>) -> Result<Settings, String> {
        match profile {
            None => Ok(self.defaults.clone()),
            Some(name) => match self.profiles.get(name) {
                Some(settings) => Ok(settings.clone().over(self.defaults.clone())),
                None => {
                    let known: Vec<&str> = self.profiles.keys().map(String::as_str).collect();
                    let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
                    Err(format!("{}: no profile `{name}` (profiles: {known})", self.path.display()))
                }
            },
        }
    }

    /// A warning when the file holds a secret that other users can read.
    pub fn exposure_warning(&self) -> Option<String> {
        let has_secret = self.defaults.client_secret.is_some()
            || self.profiles.values().any(|p| p.client_secret.is_some());
        if !has_secret || !readable_by_others(&self.path) {
            return None;
        }
        Some(format!(
            "{0} holds a client secret and other users can read it; restrict it (chmod 600 {0})",
            self.path.display()
        ))
    }
}

#[cfg(unix)]
fn readable_by_others(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}

#[cfg(not(unix))]
fn readable_by_others(_path: &Path) -> bool {
    false
}

/// Where the configuration file is when `--config` and `DEFENDER_CONFIG` do not say:
/// `defender/config.toml` in the platform's configuration directory.
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|dir| dir.join("defender").join("config.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
tenant_id = "top-tenant"
client_id = "top-client"
client_secret = "top-secret"
region = "eu"

[profiles.gov]
tenant_id = "gov-tenant"
cloud = "gcc-high"
"#;

    fn parsed(text: &str) -> Result<ConfigFile, String> {
        ConfigFile::parse(Path::new("config.toml"), text)
    }

    #[test]
    fn a_profile_overrides_the_top_level_and_flags_override_both() {
        let file = parsed(FILE).unwrap_or_else(|e| panic!("{e}"));
        let gov = file.settings(Some("gov")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(gov.tenant_id.as_deref(), Some("gov-tenant"));
        assert_eq!(gov.client_id.as_deref(), Some("top-client"));
        assert_eq!(gov.cloud.as_deref(), Some("gcc-high"));
        assert_eq!(gov.region.as_deref(), Some("eu"));
        let flags = Settings { client_id: Some("flag-client".into()), ..Settings::default() };
        let merged = flags.over(gov);
        assert_eq!(merged.client_id.as_deref(), Some("flag-client"));
        assert_eq!(merged.client_secret.as_ref().map(Secret::expose), Some("top-secret"));
    }

    #[test]
    fn mistakes_are_errors_that_name_the_file_and_place() {
        let unknown = parsed("tenant = \"x\"\n").err().unwrap_or_default();
        assert!(unknown.contains("config.toml") && unknown.contains("tenant"), "{unknown}");
        let broken = parsed("tenant_id = \n").err().unwrap_or_default();
        assert!(broken.contains("line 1"), "{broken}");
        let profile = parsed(FILE).and_then(|f| f.settings(Some("prod"))).err().unwrap_or_default();
        assert!(profile.contains("no profile `prod`") && profile.contains("gov"), "{profile}");
        let typo = parsed("[profiles.a]\nclient_secrt = \"x\"\n").err().unwrap_or_default();
        assert!(typo.contains("client_secrt"), "{typo}");
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let file = parsed(FILE).unwrap_or_else(|e| panic!("{e}"));
        let shown = format!("{file:?}");
        assert!(!shown.contains("top-secret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[cfg(unix)]
    #[test]
    fn a_secret_readable_by_others_is_warned_about() {
        use std::os::unix::fs::PermissionsExt;
        let path = std::env::temp_dir().join(format!("defender-config-{}.toml", std::process::id()));
        std::fs::write(&path, FILE).unwrap_or_else(|e| panic!("{e}"));
        let set_mode = |mode| std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode));
        set_mode(0o644).unwrap_or_else(|e| panic!("{e}"));
        let file = ConfigFile::read(&path, true).ok().flatten().unwrap_or_default();
        assert!(file.exposure_warning().is_some_and(|w| w.contains("chmod 600")));
        set_mode(0o600).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(file.exposure_warning(), None);
        let _ = std::fs::remove_file(&path);
        assert_eq!(ConfigFile::read(&path, false), Ok(None));
        assert!(ConfigFile::read(&path, true).is_err());
    }
}
