//! Resolved settings the model and rules read. Configuration files and flags are turned into
//! this by the `config` module; rules never see where a value came from.

/// An nginx version, compared numerically (`1.29.7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NginxVersion(pub u32, pub u32, pub u32);

impl NginxVersion {
    /// nginx defaults `proxy_http_version` to 1.1 from this release on (1.0 before).
    pub const HTTP11_DEFAULT: NginxVersion = NginxVersion(1, 29, 7);

    /// `1.27`, `1.25.3`, `1.27-alpine`, `1.27.0-bookworm-perl`, `stable`... Only numeric
    /// versions parse; the channel names say nothing certain.
    pub fn parse(text: &str) -> Option<NginxVersion> {
        let numeric: &str = text
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .next()
            .unwrap_or("");
        let mut parts = numeric.split('.').filter(|p| !p.is_empty());
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        Some(NginxVersion(major, minor, patch))
    }
}

impl std::fmt::Display for NginxVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.2 == 0 {
            write!(f, "{}.{}", self.0, self.1)
        } else {
            write!(f, "{}.{}.{}", self.0, self.1, self.2)
        }
    }
}

#[derive(Clone, Debug)]
pub struct Settings {
    /// Path segments that make a route realtime (RULES.md "Realtime backends").
    pub realtime_segments: Vec<String>,
    /// Treat GKE Ingress backends as NEG-backed even without the `cloud.google.com/neg`
    /// annotation (true only where the cluster defaults to NEG, F-19).
    pub neg_by_default: bool,
    /// The nginx version when the image tag does not say.
    pub nginx_version: Option<NginxVersion>,
    /// The linted set is only part of the deployment: "not found" findings become warnings.
    pub partial_repo: bool,
    /// GKE003: minimum `timeoutSec` for realtime backends.
    pub min_websocket_timeout_sec: i64,
    /// NGX004: Socket.IO pingInterval + pingTimeout, in seconds.
    pub heartbeat_sec: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            realtime_segments: [
                "socket.io",
                "engine.io",
                "ws",
                "wss",
                "websocket",
                "websockets",
                "sockjs",
                "cable",
            ]
            .map(String::from)
            .to_vec(),
            neg_by_default: false,
            nginx_version: None,
            partial_repo: false,
            min_websocket_timeout_sec: 300,
            heartbeat_sec: 45,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_image_tags() {
        assert_eq!(NginxVersion::parse("1.27"), Some(NginxVersion(1, 27, 0)));
        assert_eq!(
            NginxVersion::parse("1.29.7-alpine"),
            Some(NginxVersion(1, 29, 7))
        );
        assert_eq!(NginxVersion::parse("stable-alpine"), None);
        assert!(NginxVersion(1, 27, 0) < NginxVersion::HTTP11_DEFAULT);
    }
}
