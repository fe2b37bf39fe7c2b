//! Where the API and its token authority live, per Microsoft cloud.
//!
//! The Defender for Endpoint documentation names several API hosts. They all serve the same API
//! for a commercial tenant; older pages use the `securitycenter` names, newer ones
//! `api.security.microsoft.com` and its regional `*.api.security.microsoft.com` hosts. US Government
//! tenants (GCC, GCC High, DoD) must use their own hosts and, for GCC High and DoD, their own
//! sign-in authority.

use url::Url;

/// A Microsoft cloud: its sign-in authority, its default API host and the token scope.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Cloud {
    /// The commercial cloud (Azure public). Also used by GCC customers still on commercial.
    Commercial,
    /// US Government Community Cloud.
    UsGovGcc,
    /// US Government Community Cloud High.
    UsGovGccHigh,
    /// US Department of Defense.
    UsGovDod,
    /// Any other deployment, typically a local emulator or test server.
    Custom {
        /// The authority host that serves `/{tenant}/oauth2/v2.0/token`.
        authority_host: Url,
        /// The API host (scheme and authority; the SDK adds `/api/`).
        api_host: Url,
        /// The OAuth2 scope to request, usually `<resource>/.default`.
        scope: String,
    },
}

const COMMERCIAL_AUTHORITY: &str = "https://login.microsoftonline.com";
const US_GOV_AUTHORITY: &str = "https://login.microsoftonline.us";
/// The application ID URI of the Defender for Endpoint API in the commercial cloud. Tokens for
/// it are accepted by every commercial API host, whichever name the request uses.
const COMMERCIAL_RESOURCE: &str = "https://api.securitycenter.microsoft.com";
const GCC_API: &str = "https://api-gcc.securitycenter.microsoft.us";
const GOV_API: &str = "https://api-gov.securitycenter.microsoft.us";
/// Microsoft Graph's hosts: the global service (which GCC tenants use too), US Government L4
/// (GCC High) and US Government L5 (DoD), from Graph's national cloud deployments page.
const GRAPH_GLOBAL: &str = "https://graph.microsoft.com";
const GRAPH_US_GOV_L4: &str = "https://graph.microsoft.us";
const GRAPH_US_GOV_L5: &str = "https://dod-graph.microsoft.us";

/// Where Microsoft Graph's v1.0 API lives for a cloud, and the scope of its tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphEndpoint {
    /// The v1.0 service root, ending in `/v1.0/`.
    pub service_root: Url,
    /// The OAuth2 scope to request (`https://graph.microsoft.com/.default`).
    pub scope: String,
}

impl GraphEndpoint {
    /// Graph at `host` (scheme and authority; `/v1.0/` is added unless the URL ends in it),
    /// with tokens for `scope`.
    pub fn new(host: &Url, scope: impl Into<String>) -> Self {
        let mut service_root = host.clone();
        let path = service_root.path().trim_end_matches('/').to_owned();
        if path.ends_with("/v1.0") {
            service_root.set_path(&format!("{path}/"));
        } else {
            service_root.set_path(&format!("{path}/v1.0/"));
        }
        Self { service_root, scope: scope.into() }
    }
}

impl Cloud {
    /// Microsoft Graph for this cloud: `graph.microsoft.com` for commercial and GCC tenants,
    /// `graph.microsoft.us` for GCC High, `dod-graph.microsoft.us` for DoD. A custom deployment
    /// (an emulator) serves Graph under `/v1.0/` on its API host and checks for the global
    /// Graph audience.
    pub fn graph(&self) -> GraphEndpoint {
        let (host, resource) = match self {
            Cloud::Commercial | Cloud::UsGovGcc => (parse_static(GRAPH_GLOBAL), GRAPH_GLOBAL),
            Cloud::UsGovGccHigh => (parse_static(GRAPH_US_GOV_L4), GRAPH_US_GOV_L4),
            Cloud::UsGovDod => (parse_static(GRAPH_US_GOV_L5), GRAPH_US_GOV_L5),
            Cloud::Custom { api_host, .. } => (api_host.clone(), GRAPH_GLOBAL),
        };
        GraphEndpoint::new(&host, format!("{resource}/.default"))
    }

    /// The Entra ID authority host that issues tokens for this cloud.
    pub fn authority_host(&self) -> Url {
        match self {
            Cloud::Commercial | Cloud::UsGovGcc => parse_static(COMMERCIAL_AUTHORITY),
            Cloud::UsGovGccHigh | Cloud::UsGovDod => parse_static(US_GOV_AUTHORITY),
            Cloud::Custom { authority_host, .. } => authority_host.clone(),
        }
    }

    /// The API host used when no [`ApiHost`] is chosen explicitly.
    pub fn default_api_host(&self) -> ApiHost {
        match self {
            Cloud::Commercial => ApiHost::Security,
            Cloud::UsGovGcc => ApiHost::UsGovGcc,
            Cloud::UsGovGccHigh | Cloud::UsGovDod => ApiHost::UsGovHigh,
            Cloud::Custom { api_host, .. } => ApiHost::Custom(api_host.clone()),
        }
    }

    /// The OAuth2 scope to request for the API (`<resource>/.default`).
    pub fn scope(&self) -> String {
        match self {
            Cloud::Commercial => format!("{COMMERCIAL_RESOURCE}/.default"),
            Cloud::UsGovGcc => format!("{GCC_API}/.default"),
            Cloud::UsGovGccHigh | Cloud::UsGovDod => format!("{GOV_API}/.default"),
            Cloud::Custom { scope, .. } => scope.clone(),
        }
    }
}

/// A geography whose regional host serves the API closer to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Region {
    /// United States.
    Us,
    /// European Union.
    Eu,
    /// United Kingdom.
    Uk,
    /// Australia.
    Au,
    /// Switzerland.
    Swa,
}

impl Region {
    fn label(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
            Region::Uk => "uk",
            Region::Au => "au",
            Region::Swa => "swa",
        }
    }
}

/// One of the documented API hosts, or a custom URL.
///
/// | variant | host | where the docs use it |
/// |---|---|---|
/// | [`Security`](Self::Security) | `api.security.microsoft.com` | current API reference (default) |
/// | [`SecurityRegional`](Self::SecurityRegional) | `{us,eu,uk,au,swa}.api.security.microsoft.com` | "improve request performance" tip |
/// | [`SecurityCenter`](Self::SecurityCenter) | `api.securitycenter.microsoft.com` | most examples, and the token resource |
/// | [`SecurityCenterRegional`](Self::SecurityCenterRegional) | `api-{us,eu,uk}.securitycenter.microsoft.com` | older regional guidance |
/// | [`SecurityCenterWindows`](Self::SecurityCenterWindows) | `api.securitycenter.windows.com` | older examples (device secure score, scores by group) |
/// | [`SecurityCenterWindowsUs`](Self::SecurityCenterWindowsUs) | `api-us.securitycenter.windows.com` | `@odata.context` of older examples |
/// | [`UsGovGcc`](Self::UsGovGcc) | `api-gcc.securitycenter.microsoft.us` | US Government GCC |
/// | [`UsGovHigh`](Self::UsGovHigh) | `api-gov.securitycenter.microsoft.us` | US Government GCC High and DoD |
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiHost {
    /// `https://api.security.microsoft.com`, the host the current documentation names.
    Security,
    /// `https://{region}.api.security.microsoft.com`.
    SecurityRegional(Region),
    /// `https://api.securitycenter.microsoft.com`.
    SecurityCenter,
    /// `https://api-{us,eu,uk}.securitycenter.microsoft.com`. Only US, EU and UK exist.
    SecurityCenterRegional(Region),
    /// `https://api.securitycenter.windows.com`, the pre-2021 name.
    SecurityCenterWindows,
    /// `https://api-us.securitycenter.windows.com`, the pre-2021 US regional name.
    SecurityCenterWindowsUs,
    /// `https://api-gcc.securitycenter.microsoft.us`.
    UsGovGcc,
    /// `https://api-gov.securitycenter.microsoft.us`.
    UsGovHigh,
    /// Any URL: an emulator, a proxy, a test server. Only `https`, or `http` to loopback.
    Custom(Url),
}

impl ApiHost {
    /// The host's base URL, without the `/api/` service root.
    pub fn url(&self) -> Url {
        match self {
            ApiHost::Security => parse_static("https://api.security.microsoft.com"),
            ApiHost::SecurityRegional(region) => {
                parse_static(&format!("https://{}.api.security.microsoft.com", region.label()))
            }
            ApiHost::SecurityCenter => parse_static(COMMERCIAL_RESOURCE),
            ApiHost::SecurityCenterRegional(region) => {
                parse_static(&format!("https://api-{}.securitycenter.microsoft.com", region.label()))
            }
            ApiHost::SecurityCenterWindows => parse_static("https://api.securitycenter.windows.com"),
            ApiHost::SecurityCenterWindowsUs => parse_static("https://api-us.securitycenter.windows.com"),
            ApiHost::UsGovGcc => parse_static(GCC_API),
            ApiHost::UsGovHigh => parse_static(GOV_API),
            ApiHost::Custom(url) => url.clone(),
        }
    }

    /// The OData service root: the host URL followed by `/api/`.
    ///
    /// A custom URL that already ends in `/api` or `/api/` is kept as it is.
    pub fn service_root(&self) -> Url {
        let mut url = self.url();
        let path = url.path().trim_end_matches('/').to_owned();
        if path.ends_with("/api") {
            url.set_path(&format!("{path}/"));
        } else {
            url.set_path(&format!("{path}/api/"));
        }
        url
    }
}

// Every URL built here is a constant or a constant with a fixed label inserted; a test parses
// each variant, so the `expect` documents an invariant rather than a possible failure.
fn parse_static(url: &str) -> Url {
    Url::parse(url).expect("documented API and authority hosts are valid URLs")
}

/// Whether a URL is allowed to carry credentials: `https` anywhere, `http` only to loopback.
pub fn is_allowed_url(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
            None => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_host_has_the_api_service_root() {
        let hosts = [
            (ApiHost::Security, "https://api.security.microsoft.com/api/"),
            (ApiHost::SecurityRegional(Region::Eu), "https://eu.api.security.microsoft.com/api/"),
            (ApiHost::SecurityCenter, "https://api.securitycenter.microsoft.com/api/"),
            (ApiHost::SecurityCenterRegional(Region::Uk), "https://api-uk.securitycenter.microsoft.com/api/"),
            (ApiHost::SecurityCenterWindows, "https://api.securitycenter.windows.com/api/"),
            (ApiHost::SecurityCenterWindowsUs, "https://api-us.securitycenter.windows.com/api/"),
            (ApiHost::UsGovGcc, "https://api-gcc.securitycenter.microsoft.us/api/"),
            (ApiHost::UsGovHigh, "https://api-gov.securitycenter.microsoft.us/api/"),
        ];
        for (host, expected) in hosts {
            assert_eq!(host.service_root().as_str(), expected, "{host:?}");
        }
    }

    #[test]
    fn custom_urls_keep_an_existing_api_segment() {
        let url = Url::parse("http://127.0.0.1:8080/api").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ApiHost::Custom(url).service_root().as_str(), "http://127.0.0.1:8080/api/");
        let url = Url::parse("http://127.0.0.1:8080/prefix/").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(ApiHost::Custom(url).service_root().as_str(), "http://127.0.0.1:8080/prefix/api/");
    }

    #[test]
    fn clouds_pair_authority_host_and_scope() {
        assert_eq!(Cloud::Commercial.authority_host().as_str(), "https://login.microsoftonline.com/");
        assert_eq!(Cloud::Commercial.scope(), "https://api.securitycenter.microsoft.com/.default");
        assert_eq!(Cloud::UsGovGcc.authority_host().as_str(), "https://login.microsoftonline.com/");
        assert_eq!(Cloud::UsGovDod.authority_host().as_str(), "https://login.microsoftonline.us/");
        assert_eq!(Cloud::UsGovGccHigh.default_api_host(), ApiHost::UsGovHigh);
        assert_eq!(Cloud::UsGovGccHigh.scope(), "https://api-gov.securitycenter.microsoft.us/.default");
    }

    #[test]
    fn plain_http_is_only_allowed_to_loopback() {
        let allowed = ["https://example.com/", "http://127.0.0.1:1/", "http://[::1]:1/", "http://localhost/"];
        let refused = ["http://example.com/", "http://10.0.0.1/", "ftp://127.0.0.1/"];
        for url in allowed {
            assert!(is_allowed_url(&Url::parse(url).unwrap_or_else(|e| panic!("{e}"))), "{url}");
        }
        for url in refused {
            assert!(!is_allowed_url(&Url::parse(url).unwrap_or_else(|e| panic!("{e}"))), "{url}");
        }
    }
}
