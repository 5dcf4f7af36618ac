//! GKE005 unknown-gke-annotation: see `rules/GKE005.md`.

use crate::diagnostic::{Applicability, Diagnostic, Fix, Level};
use crate::model::Workspace;
use crate::rules::edit::remove_entry;
use crate::rules::support::{at_level, diagnostic, nearest};
use crate::rules::Rule;

pub struct UnknownGkeAnnotation;

/// Prefixes whose keys GKE owns (RULES.md GKE005).
const GKE_PREFIXES: &[&str] = &[
    "cloud.google.com/",
    "networking.gke.io/",
    "ingress.gcp.kubernetes.io/",
    "kubernetes.io/ingress.",
];

/// The annotation that started it all: it exists nowhere in GKE (F-22).
const PHANTOM_WEBSOCKET_KEY: &str = "cloud.google.com/websocket-max-idle-timeout";

/// Keys GKE reads on an Ingress (F-10).
const INGRESS_KEYS: &[&str] = &[
    "kubernetes.io/ingress.allow-http",
    "kubernetes.io/ingress.global-static-ip-name",
    "kubernetes.io/ingress.regional-static-ip-name",
    "kubernetes.io/ingress.class",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "networking.gke.io/v1beta1.FrontendConfig",
    "networking.gke.io/suppress-firewall-xpn-error",
    "networking.gke.io/managed-certificates",
];

/// Keys GKE reads on a Service (F-13..F-17, and the L4 load balancer annotations).
const SERVICE_KEYS: &[&str] = &[
    "cloud.google.com/neg",
    "cloud.google.com/neg-status",
    "cloud.google.com/backend-config",
    "cloud.google.com/app-protocols",
    // Read by the GKE Gateway controller (GoogleCloudPlatform/gke-networking-recipes uses it).
    "networking.gke.io/app-protocols",
    "cloud.google.com/load-balancer-type",
    "cloud.google.com/l4-rbs",
    "cloud.google.com/network-tier",
    "networking.gke.io/load-balancer-type",
    "networking.gke.io/internal-load-balancer-allow-global-access",
    "networking.gke.io/internal-load-balancer-subnet",
    "networking.gke.io/load-balancer-ip-addresses",
    "networking.gke.io/weighted-load-balancing",
    "networking.gke.io/max-rate-per-endpoint",
];

impl Rule for UnknownGkeAnnotation {
    fn id(&self) -> &'static str {
        "GKE005"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for r in ws
            .resources
            .iter()
            .filter(|r| r.is("Ingress") || r.is("Service"))
        {
            let known = if r.is("Ingress") {
                INGRESS_KEYS
            } else {
                SERVICE_KEYS
            };
            for entry in r.annotations() {
                let Some(key) = entry.key.as_str() else {
                    continue;
                };
                if !GKE_PREFIXES.iter().any(|p| key.starts_with(p)) || known.contains(&key) {
                    continue;
                }
                // The backend-config annotation on an Ingress has its own rule (GKE006).
                if r.is("Ingress") && key == "cloud.google.com/backend-config" {
                    continue;
                }
                let file = ws.file(r.file);
                let phantom = key == PHANTOM_WEBSOCKET_KEY;
                let other_kind = if r.is("Ingress") {
                    SERVICE_KEYS
                } else {
                    INGRESS_KEYS
                };
                let mut d = diagnostic(
                    self.id(),
                    r.location(entry.key.span),
                    if phantom {
                        format!("`{key}` is not a GKE annotation: it does nothing, WebSockets still close after the backend timeout")
                    } else {
                        format!("GKE does not read `{key}` on a{} {}: it does nothing", if r.is("Ingress") { "n" } else { "" }, r.kind)
                    },
                )
                .with_label("unknown to GKE")
                .with_identity(format!("{}/metadata/annotations/{key}", r.identity()));
                if phantom {
                    d = d
                        .with_note("no GKE document, controller source or CRD defines this annotation; the WebSocket lifetime is the BackendConfig `timeoutSec` (default 30 s)")
                        .with_help("remove it and set `spec.timeoutSec` in the BackendConfig attached to the backend Service (see GKE002)");
                } else if other_kind.contains(&key) {
                    d = at_level(d, Level::Warning).with_help(format!(
                        "`{key}` is read on a {}, not here: move it there",
                        if r.is("Ingress") {
                            "Service"
                        } else {
                            "Ingress"
                        }
                    ));
                } else {
                    d = at_level(d, Level::Warning);
                    match nearest(key, known.iter().copied()) {
                        Some(near) => d = d.with_help(format!("did you mean `{near}`?")),
                        None => {
                            d = d.with_help(format!(
                                "remove it; the keys GKE reads on a{} {} are: {}",
                                if r.is("Ingress") { "n" } else { "" },
                                r.kind,
                                known.join(", ")
                            ))
                        }
                    }
                }
                if let Some(edit) = remove_entry(file, r.file, entry) {
                    d = d.with_fix(Fix::new(
                        format!("remove `{key}`"),
                        Applicability::Safe,
                        vec![edit],
                    ));
                }
                out.push(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_typos_only() {
        assert_eq!(
            nearest(
                "kubernetes.io/ingress.global-static-ip",
                INGRESS_KEYS.iter().copied()
            ),
            Some("kubernetes.io/ingress.global-static-ip-name")
        );
        assert_eq!(
            nearest(PHANTOM_WEBSOCKET_KEY, INGRESS_KEYS.iter().copied()),
            None
        );
    }
}
