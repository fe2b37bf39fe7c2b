//! From flags, environment variables and the configuration file to a client (or to an emulator
//! started in this process).

use clap::ValueEnum;
use defender_cli::config::{ConfigFile, Secret, Settings, default_path};
use defender_sdk::{ApiHost, ClientSecretCredential, Cloud, DefenderClient, Error, Region};
use serde_json::{Value, json};

use crate::{CloudArg, Connection, RegionArg, exit};

/// The flags (with their environment variables already applied by clap) as settings. An empty
/// value counts as unset, as in azure-identity: `AZURE_CLIENT_SECRET=` is a missing secret, not
/// an empty one to send.
fn from_flags(connection: &Connection) -> Settings {
    let name = |value: Option<clap::builder::PossibleValue>| value.map(|v| v.get_name().to_owned());
    let set = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
    Settings {
        tenant_id: set(&connection.tenant_id),
        client_id: set(&connection.client_id),
        client_secret: set(&connection.client_secret).map(Secret::new),
        cloud: name(connection.cloud.and_then(|c| c.to_possible_value())),
        region: name(connection.region.and_then(|r| r.to_possible_value())),
        base_url: set(&connection.base_url),
        authority_host: set(&connection.authority_host),
    }
}

/// The configuration file `--config` names (which must exist), or the default one if it exists.
fn config_file(connection: &Connection) -> Result<Option<ConfigFile>, (u8, String)> {
    let (path, required) = match &connection.config {
        Some(path) => (Some(path.clone()), true),
        None => (default_path(), false),
    };
    let Some(path) = path else { return Ok(None) };
    let file = ConfigFile::read(&path, required).map_err(|e| (exit::USAGE, e))?;
    if let Some(warning) = file.as_ref().and_then(ConfigFile::exposure_warning) {
        eprintln!("defender: warning: {warning}");
    }
    if file.is_none() && connection.profile.is_some() {
        return Err((
            exit::USAGE,
            format!("--profile needs a configuration file, and {} does not exist", path.display()),
        ));
    }
    Ok(file)
}

/// The file's settings for the chosen profile.
fn file_settings(connection: &Connection, file: Option<&ConfigFile>) -> Result<Settings, (u8, String)> {
    match file {
        Some(file) => file.settings(connection.profile.as_deref()).map_err(|e| (exit::USAGE, e)),
        None => Ok(Settings::default()),
    }
}

/// Each setting in effect, its value (secrets hidden) and where it comes from, for
/// `defender config`.
pub fn describe(connection: &Connection) -> Result<Vec<Value>, (u8, String)> {
    let file = config_file(connection)?;
    let flags = from_flags(connection);
    let profile = match (&file, &connection.profile) {
        (Some(file), Some(name)) => file.profiles.get(name).cloned().unwrap_or_default(),
        _ => Settings::default(),
    };
    let top = file.as_ref().map(|f| f.defaults.clone()).unwrap_or_default();
    file_settings(connection, file.as_ref())?;
    let path = file.as_ref().map(|f| f.path.display().to_string());
    let from = |pick: &dyn Fn(&Settings) -> bool| -> &'static str {
        if pick(&flags) {
            "flag or environment"
        } else if pick(&profile) {
            "profile"
        } else if pick(&top) {
            "configuration file"
        } else {
            ""
        }
    };
    let merged = flags.clone().over(profile.clone().over(top.clone()));
    let mut rows = vec![
        json!({"setting": "tenant_id", "value": merged.tenant_id, "from": from(&|s| s.tenant_id.is_some())}),
        json!({"setting": "client_id", "value": merged.client_id, "from": from(&|s| s.client_id.is_some())}),
        json!({
            "setting": "client_secret",
            "value": merged.client_secret.as_ref().map(|_| "(set, not shown)"),
            "from": from(&|s| s.client_secret.is_some()),
        }),
        json!({"setting": "cloud", "value": merged.cloud.as_deref().unwrap_or("commercial"), "from": match from(&|s| s.cloud.is_some()) { "" => "default", f => f }}),
        json!({"setting": "region", "value": merged.region, "from": from(&|s| s.region.is_some())}),
        json!({"setting": "base_url", "value": merged.base_url, "from": from(&|s| s.base_url.is_some())}),
        json!({
            "setting": "authority_host",
            "value": merged.authority_host,
            "from": from(&|s| s.authority_host.is_some()),
        }),
    ];
    rows.push(json!({"setting": "config", "value": path.or_else(|| default_path().map(|p| format!("{} (absent)", p.display()))), "from": ""}));
    if let Some(profile) = &connection.profile {
        rows.push(json!({"setting": "profile", "value": profile, "from": ""}));
    }
    Ok(rows)
}

/// What keeps a started emulator alive while a command runs.
#[cfg(feature = "emulator")]
pub type Running = Option<defender_emulator::Emulator>;
/// What keeps a started emulator alive while a command runs: nothing, without the emulator.
#[cfg(not(feature = "emulator"))]
pub type Running = Option<()>;

/// A client for an emulator started in this process.
#[cfg(feature = "emulator")]
async fn emulated() -> Result<(DefenderClient, Running), (u8, String)> {
    let config_error = |e: Error| (exit::USAGE, e.to_string());
    let emulator = defender_emulator::Emulator::start(defender_emulator::Config::default())
        .await
        .map_err(|e| (exit::FAILED, format!("cannot start the emulator: {e}")))?;
    let config = emulator.config();
    let authority = url::Url::parse(&emulator.authority()).map_err(|e| (exit::FAILED, e.to_string()))?;
    let credential = ClientSecretCredential::new(&config.tenant_id, &config.client_id, &config.client_secret)
        .with_authority_host(authority);
    let client = DefenderClient::builder()
        .base_url(&emulator.base_url())
        .map_err(config_error)?
        .credential(credential)
        .build()
        .map_err(config_error)?;
    Ok((client, Some(emulator)))
}

#[cfg(not(feature = "emulator"))]
async fn emulated() -> Result<(DefenderClient, Running), (u8, String)> {
    Err((exit::USAGE, "this defender was built without the emulator (Cargo feature \"emulator\")".into()))
}

/// A client for the settings in effect, or for an emulator started here.
pub async fn connect(connection: &Connection) -> Result<(DefenderClient, Running), (u8, String)> {
    let config_error = |e: Error| (exit::USAGE, e.to_string());
    if connection.emulator {
        return emulated().await;
    }
    let file = config_file(connection)?;
    let settings = from_flags(connection).over(file_settings(connection, file.as_ref())?);
    let cloud = match settings.cloud.as_deref() {
        None => CloudArg::Commercial,
        Some(name) => CloudArg::from_str(name, true)
            .map_err(|_| (exit::USAGE, format!("unknown cloud `{name}` (commercial, gcc, gcc-high, dod)")))?,
    };
    let cloud = match cloud {
        CloudArg::Commercial => Cloud::Commercial,
        CloudArg::Gcc => Cloud::UsGovGcc,
        CloudArg::GccHigh => Cloud::UsGovGccHigh,
        CloudArg::Dod => Cloud::UsGovDod,
    };
    let (Some(tenant), Some(client_id), Some(secret)) =
        (&settings.tenant_id, &settings.client_id, &settings.client_secret)
    else {
        return Err((
            exit::USAGE,
            "no credentials: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or the flags, or a configuration file), or use --emulator".into(),
        ));
    };
    let mut credential = ClientSecretCredential::new(tenant, client_id, secret.expose()).with_cloud(&cloud);
    if let Some(authority) = &settings.authority_host {
        let authority = url::Url::parse(authority)
            .map_err(|e| (exit::USAGE, format!("invalid authority host `{authority}`: {e}")))?;
        credential = credential.with_authority_host(authority);
    }
    let mut builder = DefenderClient::builder().cloud(cloud).credential(credential);
    if let Some(name) = settings.region.as_deref() {
        let region = RegionArg::from_str(name, true)
            .map_err(|_| (exit::USAGE, format!("unknown region `{name}` (us, eu, uk, au, swa)")))?;
        let region = match region {
            RegionArg::Us => Region::Us,
            RegionArg::Eu => Region::Eu,
            RegionArg::Uk => Region::Uk,
            RegionArg::Au => Region::Au,
            RegionArg::Swa => Region::Swa,
        };
        builder = builder.api_host(ApiHost::SecurityRegional(region));
    }
    if let Some(base) = &settings.base_url {
        builder = builder.base_url(base).map_err(config_error)?;
    }
    Ok((builder.build().map_err(config_error)?, None))
}
