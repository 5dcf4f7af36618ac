//! K8S002 target-port-mismatch: see `rules/K8S002.md`.

use crate::diagnostic::Diagnostic;
use crate::model::k8s::{self, PortRef};
use crate::model::{Resource, Workspace};
use crate::rules::support::diagnostic;
use crate::rules::Rule;

pub struct TargetPortMismatch;

impl Rule for TargetPortMismatch {
    fn id(&self) -> &'static str {
        "K8S002"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for service in ws.of_kind("Service") {
            if k8s::service_type(service) == "ExternalName" {
                continue;
            }
            // Pods of another app that happen to carry the same labels say nothing: only the
            // workloads next to the Service count.
            let workloads: Vec<&Resource> = ws
                .links
                .workloads_of(service.id)
                .iter()
                .map(|&w| ws.resource(w))
                .filter(|w| ws.same_app(w, service))
                .collect();
            if workloads.is_empty() {
                continue;
            }
            let pods: Vec<(&Resource, Vec<k8s::Container<'_>>)> = workloads
                .iter()
                .filter_map(|w| {
                    k8s::pod_spec(w)?;
                    let mut all = k8s::containers(w);
                    // Native sidecars (init containers that keep running) serve ports too.
                    all.extend(k8s::init_containers(w).into_iter().filter(|c| {
                        c.node
                            .get("restartPolicy")
                            .and_then(crate::parse::yaml::Node::as_str)
                            == Some("Always")
                    }));
                    Some((*w, all))
                })
                .collect();
            if pods.iter().all(|(_, c)| c.is_empty()) {
                continue;
            }
            for port in k8s::service_ports(service) {
                let Some(target) = port.effective_target() else {
                    continue;
                };
                let declared = |pred: &dyn Fn(&k8s::ContainerPort) -> bool| {
                    pods.iter()
                        .flat_map(|(_, cs)| cs.iter())
                        .any(|c| c.ports.iter().any(pred))
                };
                let matched = match &target {
                    // Placeholders (`PORT`, `${GRPC_PORT}`) are not port names yet.
                    PortRef::Name(name) if !valid_port_name(name) => true,
                    PortRef::Name(name) => declared(&|p| p.name.as_deref() == Some(name)),
                    // Metrics endpoints are often served on ports nobody declares.
                    PortRef::Number(_) if is_metrics(service, port) => true,
                    PortRef::Number(n) => {
                        // A number reaches the port whether declared or not: only a mismatch
                        // with pods that declare every port they listen on is certain.
                        let all_declare = pods
                            .iter()
                            .flat_map(|(_, cs)| cs.iter())
                            .all(|c| !c.ports.is_empty());
                        !all_declare || declared(&|p| p.number == *n)
                    }
                };
                if matched {
                    continue;
                }
                let at = port
                    .target_port
                    .as_ref()
                    .map_or(port.port.as_ref().map_or(port.span, |p| p.span), |t| t.span);
                let (w, containers) = &pods[0];
                let available: Vec<String> = pods
                    .iter()
                    .flat_map(|(_, cs)| cs.iter())
                    .flat_map(|c| c.ports.iter())
                    .map(|p| match &p.name {
                        Some(n) => format!("`{n}` ({})", p.number),
                        None => format!("`{}`", p.number),
                    })
                    .collect();
                let what = match &target {
                    PortRef::Name(n) => format!("named port `{n}`"),
                    PortRef::Number(n) => format!("port `{n}`"),
                };
                let mut d = diagnostic(
                    self.id(),
                    service.location(at),
                    format!(
                        "Service `{}` sends port `{}` to {what}, which no container of {} `{}` declares",
                        service.name,
                        port.label(),
                        w.kind,
                        w.name
                    ),
                )
                .with_label(if port.target_port.is_some() {
                    "no container port matches this `targetPort`"
                } else {
                    "no `targetPort`: the Service port number is used, and no container declares it"
                })
                .with_identity(format!(
                    "{}/spec/ports/{}/targetPort",
                    service.identity(),
                    port.label()
                ));
                for c in containers.iter().filter(|c| !c.ports.is_empty()).take(2) {
                    let first = &c.ports[0];
                    d = d.with_related(
                        w.location(first.span),
                        format!("container `{}` declares its ports here", c.name),
                    );
                }
                d = d
                    .with_note(match &target {
                        PortRef::Name(_) => "a named `targetPort` resolves against the pods' named container ports; with no match the Service has no endpoints and every request through it fails",
                        PortRef::Number(_) => "the Service forwards to that port on the pods, where nothing is declared to listen: connections are refused and health checks fail",
                    })
                    .with_help(if available.is_empty() {
                        "declare the port the app listens on in `containerPort`".to_string()
                    } else {
                        format!("use one of the container ports: {}", available.join(", "))
                    });
                out.push(d);
            }
        }
    }
}

/// An IANA service name as Kubernetes requires for named ports: lowercase letters, digits
/// and `-`, at most 15 characters, at least one letter.
fn valid_port_name(name: &str) -> bool {
    name.len() <= 15
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.chars().any(|c| c.is_ascii_lowercase())
}

fn is_metrics(service: &Resource, port: &k8s::ServicePort) -> bool {
    let port_name = port.name.as_ref().map_or("", |n| n.value.as_str());
    ["metrics", "prometheus", "monitoring"]
        .iter()
        .any(|m| service.name.contains(m) || port_name.contains(m))
}
