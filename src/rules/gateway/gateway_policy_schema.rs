//! GKE102 gateway-policy-schema: see `rules/GKE102.md`.

use crate::diagnostic::Diagnostic;
use crate::model::{Resource, Workspace};
use crate::parse::yaml::{Entry, Node};
use crate::rules::support::diagnostic;
use crate::rules::Rule;

pub struct GatewayPolicySchema;

/// `spec.default` settings of a GCPBackendPolicy (F-40).
const BACKEND_SETTINGS: &[&str] = &[
    "timeoutSec",
    "sessionAffinity",
    "connectionDraining",
    "logging",
    "securityPolicy",
    "iap",
    "maxRatePerEndpoint",
    "backendPreference",
];
/// `spec.default` settings of a HealthCheckPolicy (F-41).
const HEALTH_SETTINGS: &[&str] = &[
    "checkIntervalSec",
    "timeoutSec",
    "healthyThreshold",
    "unhealthyThreshold",
    "config",
    "logConfig",
];

impl Rule for GatewayPolicySchema {
    fn id(&self) -> &'static str {
        "GKE102"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for kind in ["GCPBackendPolicy", "HealthCheckPolicy"] {
            for policy in ws.of_kind(kind) {
                let mut found: Vec<(Entry<'_>, String, String)> = Vec::new();
                if policy.group() != "networking.gke.io" {
                    if let Some(e) = policy.node().entry("apiVersion") {
                        found.push((
                            e,
                            format!("{kind} `{}` has `apiVersion: {}`: the kind is `networking.gke.io/v1`", policy.name, policy.api_version),
                            "use `apiVersion: networking.gke.io/v1`".into(),
                        ));
                    }
                }
                let Some(spec) = policy.spec() else {
                    out.extend(found.into_iter().map(|f| finding(self.id(), policy, f)));
                    continue;
                };
                let settings = if kind == "GCPBackendPolicy" {
                    BACKEND_SETTINGS
                } else {
                    HEALTH_SETTINGS
                };
                for e in spec.entries() {
                    let Some(key) = e.key.as_str() else { continue };
                    if key == "healthCheck" {
                        found.push((
                            e,
                            format!("{kind} `{}` has `spec.healthCheck`: health checks are a HealthCheckPolicy's `spec.default.config`", policy.name),
                            "move the settings to a HealthCheckPolicy: `spec.default.checkIntervalSec`, `spec.default.config.type` and `spec.default.config.httpHealthCheck`".into(),
                        ));
                    } else if settings.contains(&key) || key == "connectionDrainTimeoutSec" {
                        found.push((
                            e,
                            format!(
                                "{kind} `{}` has `spec.{key}`: settings go under `spec.default`",
                                policy.name
                            ),
                            format!("move `{key}` under `spec.default`"),
                        ));
                    }
                }
                if let Some(default) = spec.get("default") {
                    check_default(kind, policy, default, &mut found);
                }
                out.extend(found.into_iter().map(|f| finding(self.id(), policy, f)));
            }
        }
    }
}

fn check_default<'a>(
    kind: &str,
    policy: &Resource,
    default: Node<'a>,
    found: &mut Vec<(Entry<'a>, String, String)>,
) {
    for e in default.entries() {
        let Some(key) = e.key.as_str() else { continue };
        let hint = match (kind, key) {
            (_, "connectionDrainTimeoutSec") => {
                Some("use `connectionDraining: {drainingTimeoutSec: N}`".to_string())
            }
            ("GCPBackendPolicy", "healthCheck") => {
                Some("health checks are set by a HealthCheckPolicy (`spec.default.config`)".into())
            }
            ("HealthCheckPolicy", "healthCheck") => Some("use `config`".into()),
            ("HealthCheckPolicy", "type") => Some("use `config.type`".into()),
            ("HealthCheckPolicy", "requestPath" | "port" | "host" | "portSpecification") => Some(
                format!("use `config.httpHealthCheck.{key}` (or the block for the type)"),
            ),
            _ => None,
        };
        if let Some(hint) = hint {
            found.push((
                e,
                format!(
                    "{kind} `{}` has `spec.default.{key}`, which is not a field there",
                    policy.name
                ),
                hint,
            ));
        }
    }
    if kind != "GCPBackendPolicy" {
        return;
    }
    if let Some(affinity) = default.get("sessionAffinity") {
        for e in affinity.entries() {
            let correct = match e.key.as_str() {
                Some("affinityType") => "type",
                Some("affinityCookieTtlSec") => "cookieTtlSec",
                _ => continue,
            };
            found.push((
                e,
                format!(
                    "GCPBackendPolicy `{}` spells `sessionAffinity.{}` as a BackendConfig does: the field is `{correct}`",
                    policy.name,
                    e.key.as_str().unwrap_or("")
                ),
                format!("rename it to `{correct}`"),
            ));
        }
    }
}

fn finding(
    id: &'static str,
    policy: &Resource,
    (entry, message, help): (Entry<'_>, String, String),
) -> Diagnostic {
    // The message names the field and its place: stable without line numbers.
    let identity = format!("{}/schema/{message}", policy.identity());
    let api_version = entry.key.as_str() == Some("apiVersion");
    let (at, label, note) = if api_version {
        (
            entry.value.span,
            "GKE's policies are not in this group",
            "GKE reads GCPBackendPolicy and HealthCheckPolicy only in `networking.gke.io`; in another group (`cloud.google.com` is BackendConfig's) the manifest fails to apply or is never seen, and the backend keeps its defaults (30 s WebSocket lifetime, no affinity)",
        )
    } else {
        (
            entry.key.span,
            "not read here: the setting does nothing",
            "GKE validates policies against their CRD schema: a field in the wrong place (or a BackendConfig spelling) is rejected or dropped, and the backend keeps its defaults (30 s WebSocket lifetime, no affinity)",
        )
    };
    diagnostic(id, policy.location(at), message)
        .with_label(label)
        .with_note(note)
        .with_help(help)
        .with_identity(identity)
}
