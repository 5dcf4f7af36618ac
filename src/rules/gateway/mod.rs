//! GKE Gateway API rules: HTTPRoutes on GKE Gateway classes, GCPBackendPolicy and
//! HealthCheckPolicy.

pub mod backend_config_with_gateway;
pub mod gateway_policy_schema;
pub mod gateway_session_affinity_missing;
pub mod gateway_websocket_timeout_missing;
pub mod health_check_policy_invalid;

use crate::model::k8s::{self, policy_target};
use crate::model::links::RouteLink;
use crate::model::{Evidence, ResId, Resource, Workspace};

/// A realtime Service behind HTTPRoutes on GKE Gateway classes.
pub struct GatewayBackend<'a> {
    pub service: &'a Resource,
    /// The route links that reach it (at least one).
    pub links: Vec<&'a RouteLink>,
    pub evidence: Vec<Evidence>,
    /// The GCPBackendPolicy targeting the Service, if any.
    pub policy: Option<&'a Resource>,
}

/// Every realtime Service that an HTTPRoute on a GKE Gateway class routes to, in Service
/// order, with its GCPBackendPolicy.
pub fn realtime_gateway_backends(ws: &Workspace) -> Vec<GatewayBackend<'_>> {
    let mut out: Vec<GatewayBackend<'_>> = Vec::new();
    for link in &ws.links.routes {
        if !link
            .gateway_class
            .as_deref()
            .is_some_and(k8s::is_gke_gateway_class)
        {
            continue;
        }
        let Some(service) = link.service else {
            continue;
        };
        let evidence: Vec<Evidence> = match link.port_index {
            Some(p) => ws.realtime.port(service, p).unwrap_or_default().to_vec(),
            None => ws
                .realtime
                .service_ports(service)
                .into_iter()
                .flat_map(|(_, e)| e.iter().cloned())
                .collect(),
        };
        if evidence.is_empty() {
            continue;
        }
        match out.iter_mut().find(|b| b.service.id == service) {
            Some(b) => {
                b.links.push(link);
                for e in evidence {
                    if !b.evidence.contains(&e) {
                        b.evidence.push(e);
                    }
                }
            }
            None => {
                let s = ws.resource(service);
                out.push(GatewayBackend {
                    service: s,
                    links: vec![link],
                    evidence,
                    policy: policies_for(ws, "GCPBackendPolicy", service)
                        .into_iter()
                        .next(),
                });
            }
        }
    }
    out
}

/// Policies of `kind` whose `targetRef` names this Service, in its namespace.
pub fn policies_for<'a>(ws: &'a Workspace, kind: &str, service: ResId) -> Vec<&'a Resource> {
    let s = ws.resource(service);
    ws.of_kind_in_namespace_of(kind, s)
        .into_iter()
        .filter(|p| policy_target(p).is_some_and(|t| t.kind == "Service" && t.name.value == s.name))
        .collect()
}

/// A GCPBackendPolicy for a Service, as YAML text: what the display-only fixes show.
pub fn policy_document(service: &Resource, affinity: bool) -> String {
    let namespace = if service.namespace_explicit {
        format!("\n  namespace: {}", service.namespace)
    } else {
        String::new()
    };
    let affinity = if affinity {
        "\n    sessionAffinity:\n      type: GENERATED_COOKIE\n      cookieTtlSec: 86400"
    } else {
        ""
    };
    format!(
        "---\napiVersion: networking.gke.io/v1\nkind: GCPBackendPolicy\nmetadata:\n  name: {name}{namespace}\nspec:\n  default:\n    # WebSocket connections are closed when this expires, idle or not.\n    timeoutSec: 3600{affinity}\n  targetRef:\n    group: \"\"\n    kind: Service\n    name: {name}\n",
        name = service.name
    )
}
