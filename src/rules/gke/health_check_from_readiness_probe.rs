//! GKE019 health-check-from-readiness-probe: see `rules/GKE019.md`.

use foldhash::{HashSet, HashSetExt};

use crate::diagnostic::{Diagnostic, Location};
use crate::model::k8s::{self, PortRef, ServicePort};
use crate::model::links::BACKEND_CONFIG_KEYS;
use crate::model::{Resource, Workspace};
use crate::parse::yaml::Node;
use crate::rules::support::{diagnostic, likely_gke, spec_anchor, uses_neg};
use crate::rules::Rule;

use super::app_protocols;

pub struct HealthCheckFromReadinessProbe;

impl Rule for HealthCheckFromReadinessProbe {
    fn id(&self) -> &'static str {
        "GKE019"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        let mut seen = HashSet::new();
        let mut gke = foldhash::HashMap::default();
        for link in &ws.links.backends {
            let (Some(service_id), Some(port_index)) = (link.service, link.port) else {
                continue;
            };
            if !*gke
                .entry(link.ingress)
                .or_insert_with(|| likely_gke(ws, ws.resource(link.ingress)))
                || !seen.insert((service_id, port_index))
            {
                continue;
            }
            let service = ws.resource(service_id);
            let Some(port) = k8s::service_ports(service).get(port_index) else {
                continue;
            };
            // A ClusterIP Service without NEG never becomes a backend: GKE011.
            if k8s::service_type(service) == "ClusterIP" && !uses_neg(ws, service) {
                continue;
            }
            let reference = ws.links.backend_configs.get(&(service_id, port_index));
            let annotated = BACKEND_CONFIG_KEYS
                .iter()
                .any(|k| service.annotation(k).is_some());
            let config = match reference {
                // A missing BackendConfig (GKE008) is the finding there.
                Some(r) => match r.config {
                    Some(c) => Some(ws.resource(c)),
                    None => continue,
                },
                // An annotation that gives this port nothing: GKE007/GKE009 speak.
                None if annotated => continue,
                // GKE001 reports realtime NEG backends without any BackendConfig.
                None if uses_neg(ws, service)
                    && ws.realtime.port(service_id, port_index).is_some() =>
                {
                    continue
                }
                None => None,
            };
            if config.is_some_and(|c| c.node().at(&["spec", "healthCheck"]).is_some()) {
                continue;
            }
            let probe = adoptable_probe(ws, service, port);
            let where_no_check = match config {
                Some(c) => (
                    spec_anchor(c),
                    format!("BackendConfig `{}` has no `healthCheck`", c.name),
                ),
                None => (
                    service.location(port.span),
                    "no BackendConfig attached to this port".to_string(),
                ),
            };
            let d = match probe {
                Some((location, path)) => diagnostic(
                    self.id(),
                    location,
                    format!(
                        "the load balancer health check for port `{}` of Service `{}` is copied from this readinessProbe (`GET {path}`) once, when it is created, and never updated",
                        port.label(),
                        service.name
                    ),
                )
                .with_label("GKE copies this probe into the health check")
                .with_related(where_no_check.0, where_no_check.1),
                None => diagnostic(
                    self.id(),
                    where_no_check.0,
                    format!(
                        "the load balancer health check for port `{}` of Service `{}` is GKE's default `GET /`: no BackendConfig `healthCheck` and no readinessProbe GKE can copy",
                        port.label(),
                        service.name
                    ),
                )
                .with_label(where_no_check.1),
            };
            out.push(
                d.with_note("without a BackendConfig health check GKE checks `GET /` for 200, or copies an `httpGet` readinessProbe (no host, no headers but Host, matching scheme, on the Service's targetPort) from a pod existing at creation; the copy is never updated")
                    .with_help("set an explicit `healthCheck` (`type`, `requestPath`, `port`) in the BackendConfig attached to this Service")
                    .with_identity(format!("{}/health-check/{}", service.identity(), port.label())),
            );
        }
    }
}

/// The readinessProbe GKE would copy (F-30..F-34): its `path` location and value.
fn adoptable_probe(
    ws: &Workspace,
    service: &Resource,
    port: &ServicePort,
) -> Option<(Location, String)> {
    let protocol = match (app_protocols(service), &port.name) {
        (Some((_, Ok(pairs))), Some(name)) => pairs
            .into_iter()
            .find(|(k, _)| k == &name.value)
            .map_or("HTTP".to_string(), |(_, v)| v),
        _ => "HTTP".to_string(),
    };
    let scheme_wanted = if protocol == "HTTP" { "HTTP" } else { "HTTPS" };
    for &w in ws.links.workloads_of(service.id) {
        let workload = ws.resource(w);
        if k8s::pod_spec(workload).is_none() {
            continue;
        }
        for c in k8s::containers(workload) {
            let target = match port.effective_target()? {
                PortRef::Number(n) => n,
                PortRef::Name(name) => {
                    match c.ports.iter().find(|p| p.name.as_deref() == Some(&name)) {
                        Some(p) => p.number,
                        None => continue,
                    }
                }
            };
            let Some(get) = c.readiness_probe.and_then(|p| p.get("httpGet")) else {
                continue;
            };
            let probe_port = match get.get("port").and_then(PortRef::from_node) {
                Some(PortRef::Number(n)) => n,
                Some(PortRef::Name(name)) => {
                    match c.ports.iter().find(|p| p.name.as_deref() == Some(&name)) {
                        Some(p) => p.number,
                        None => continue,
                    }
                }
                None => continue,
            };
            let scheme = get.get("scheme").and_then(Node::as_str).unwrap_or("HTTP");
            let headers_ok = get
                .get("httpHeaders")
                .into_iter()
                .flat_map(Node::items)
                .all(|h| {
                    h.get("name")
                        .and_then(Node::as_str)
                        .is_some_and(|n| n.eq_ignore_ascii_case("host"))
                });
            if probe_port != target
                || get.get("host").is_some()
                || !headers_ok
                || scheme != scheme_wanted
            {
                continue;
            }
            let path_node = get.get("path");
            let path = path_node.and_then(Node::as_str).unwrap_or("/").to_string();
            let span = path_node.map_or(get.span, |n| n.span);
            return Some((workload.location(span), path));
        }
    }
    None
}
