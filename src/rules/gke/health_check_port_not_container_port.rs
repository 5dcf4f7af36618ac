//! GKE021 health-check-port-not-container-port: see `rules/GKE021.md`.

use crate::diagnostic::Diagnostic;
use crate::model::k8s;
use crate::model::Workspace;
use crate::rules::support::{attachments, diagnostic, users_of, uses_neg};
use crate::rules::Rule;

pub struct HealthCheckPortNotContainerPort;

impl Rule for HealthCheckPortNotContainerPort {
    fn id(&self) -> &'static str {
        "GKE021"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for a in attachments(ws) {
            let config = a.config;
            let Some(node) = config.node().at(&["spec", "healthCheck", "port"]) else {
                continue;
            };
            let Some(hc_port) = node.as_i64() else {
                continue;
            };
            for (service, port) in users_of(ws, config) {
                if !uses_neg(ws, service) {
                    continue;
                }
                let mut ports: Vec<i64> = Vec::new();
                let mut first_workload = None;
                let mut first_port = None;
                for &w in ws.links.workloads_of(service.id) {
                    let workload = ws.resource(w);
                    if k8s::pod_spec(workload).is_none() {
                        continue;
                    }
                    first_workload.get_or_insert(workload);
                    for c in k8s::containers(workload) {
                        ports.extend(c.ports.iter().map(|p| p.number));
                        if first_port.is_none() {
                            first_port = c.ports.first().map(|p| workload.location(p.span));
                        }
                    }
                }
                // Nothing to compare with: no selected pods, or pods that declare no ports.
                let Some(workload) = first_workload else {
                    continue;
                };
                if ports.is_empty() || ports.contains(&hc_port) {
                    continue;
                }
                ports.sort_unstable();
                ports.dedup();
                let listed: Vec<String> = ports.iter().map(|p| format!("`{p}`")).collect();
                let is_service_port = port.port.as_ref().is_some_and(|p| p.value == hc_port);
                let mut d = diagnostic(
                    self.id(),
                    config.location(node.span),
                    format!(
                        "health check port `{hc_port}` in BackendConfig `{}` is no container port of the pods behind NEG Service `{}`: every check fails",
                        config.name, service.name
                    ),
                )
                .with_label(if is_service_port {
                    "this is the Service port; NEG health checks go to the pod"
                } else {
                    "nothing in the pods listens here"
                })
                .with_related(
                    first_port.unwrap_or_else(|| workload.location(workload.anchor())),
                    format!(
                        "{} `{}` exposes container port{} {}",
                        workload.kind,
                        workload.name,
                        if ports.len() == 1 { "" } else { "s" },
                        listed.join(", ")
                    ),
                )
                .with_related(
                    // This Service's own annotation: the attachment is another Service's when
                    // several share the BackendConfig.
                    service.location(
                        ws.links
                            .backend_configs
                            .get(&(service.id, port.index))
                            .unwrap_or(a.reference)
                            .annotation_value,
                    ),
                    format!("attached to Service `{}` here", service.name),
                )
                .with_note("with container-native load balancing the health check goes straight to the pod IP on `healthCheck.port`: if nothing listens there every pod is unhealthy and users get 502s")
                .with_identity(format!("{}/spec/healthCheck/port", config.identity()));
                d = match port.effective_target() {
                    Some(k8s::PortRef::Number(n)) if ports.contains(&n) => d.with_help(format!(
                        "use the container port the Service targets: `port: {n}`"
                    )),
                    _ => d.with_help(format!(
                        "use a container port: one of {}",
                        listed.join(", ")
                    )),
                };
                out.push(d);
                break;
            }
        }
    }
}
