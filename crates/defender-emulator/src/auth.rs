//! The emulator's Entra ID: a token endpoint in the v2.0 shape, and bearer tokens it signs
//! (HS256) and checks (signature, audience, expiry) on every API request.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// The resource the Defender API's tokens are for, as the real API's.
pub const AUDIENCE: &str = "https://api.securitycenter.microsoft.com";
/// The resource Microsoft Graph's tokens are for.
pub const GRAPH_AUDIENCE: &str = "https://graph.microsoft.com";

/// Signs and checks tokens with a key made at start.
pub struct Issuer {
    key: hmac::Key,
    tenant: String,
    lifetime_secs: u64,
}

impl Issuer {
    /// An issuer for `tenant` whose tokens live `lifetime_secs`.
    pub fn new(tenant: &str, lifetime_secs: u64) -> Self {
        let secret: Vec<u8> = (0..32).map(|_| fastrand::u8(..)).collect();
        Self { key: hmac::Key::new(hmac::HMAC_SHA256, &secret), tenant: tenant.to_owned(), lifetime_secs }
    }

    /// A signed token for `client_id`, for the resource `audience`, and the `expires_in` to
    /// report.
    pub fn issue(&self, client_id: &str, audience: &str) -> (String, u64) {
        let now = now();
        let header = json!({"alg": "HS256", "typ": "JWT"});
        let claims = json!({
            "aud": audience,
            "iss": format!("https://sts.windows.net/{}/", self.tenant),
            "appid": client_id,
            "tid": self.tenant,
            "roles": ["Machine.Read.All", "Alert.ReadWrite.All", "Score.Read.All"],
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime_secs,
        });
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = hmac::sign(&self.key, input.as_bytes());
        (format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref())), self.lifetime_secs)
    }

    /// Why an `Authorization` header is refused for an API whose resource is `audience`, or
    /// `None` when the token is good.
    pub fn refuse(&self, authorization: Option<&str>, audience: &str) -> Option<&'static str> {
        let Some(token) = authorization.and_then(|h| h.strip_prefix("Bearer ")) else {
            return Some("no bearer token");
        };
        let mut parts = token.split('.');
        let (Some(header), Some(claims), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Some("not a JWT");
        };
        let Ok(signature) = URL_SAFE_NO_PAD.decode(signature) else { return Some("not a JWT") };
        if hmac::verify(&self.key, format!("{header}.{claims}").as_bytes(), &signature).is_err() {
            return Some("bad signature");
        }
        let Some(claims) =
            URL_SAFE_NO_PAD.decode(claims).ok().and_then(|c| serde_json::from_slice::<Value>(&c).ok())
        else {
            return Some("unreadable claims");
        };
        if claims.get("aud").and_then(Value::as_str) != Some(audience) {
            return Some("wrong audience");
        }
        if claims.get("exp").and_then(Value::as_u64).is_none_or(|exp| exp <= now()) {
            return Some("expired");
        }
        None
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
}
