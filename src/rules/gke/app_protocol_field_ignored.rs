//! GKE024 app-protocol-field-ignored: see `rules/GKE024.md`.

use crate::diagnostic::Diagnostic;
use crate::model::k8s;
use crate::model::Workspace;
use crate::rules::support::{diagnostic, likely_gke_backends_of};
use crate::rules::Rule;

use super::app_protocols;

pub struct AppProtocolFieldIgnored;

/// `appProtocol` values that ask for what GKE does anyway (plain HTTP/1.1, WebSocket over it).
const HARMLESS: &[&str] = &["http", "kubernetes.io/ws", "tcp"];

impl Rule for AppProtocolFieldIgnored {
    fn id(&self) -> &'static str {
        "GKE024"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for service in ws.of_kind("Service") {
            let annotated: Vec<String> = match app_protocols(service) {
                Some((_, Ok(pairs))) => pairs.into_iter().map(|(k, _)| k).collect(),
                _ => Vec::new(),
            };
            for port in k8s::service_ports(service) {
                let Some(protocol) = &port.app_protocol else {
                    continue;
                };
                if HARMLESS.contains(&protocol.value.to_ascii_lowercase().as_str()) {
                    continue;
                }
                if port
                    .name
                    .as_ref()
                    .is_some_and(|n| annotated.contains(&n.value))
                {
                    continue;
                }
                let Some(backend) =
                    likely_gke_backends_of(ws, service).find(|b| b.port == Some(port.index))
                else {
                    continue;
                };
                let ingress = ws.resource(backend.ingress);
                let wanted = match protocol.value.to_ascii_lowercase().as_str() {
                    "https" | "kubernetes.io/wss" => "HTTPS",
                    "http2" | "h2c" | "kubernetes.io/h2c" | "grpc" => "HTTP2",
                    _ => "HTTPS",
                };
                let help = match &port.name {
                    Some(n) => format!(
                        "say it with the annotation: `cloud.google.com/app-protocols: '{{\"{}\": \"{wanted}\"}}'` (check what the pod serves first)",
                        n.value
                    ),
                    None => "name the port and use the `cloud.google.com/app-protocols` annotation, keyed by that name".into(),
                };
                out.push(
                    diagnostic(
                        self.id(),
                        service.location(protocol.span),
                        format!(
                            "GKE Ingress ignores `appProtocol: {}` on port `{}` of Service `{}`: the load balancer speaks plain HTTP to it",
                            protocol.value,
                            port.label(),
                            service.name
                        ),
                    )
                    .with_label("ignored by the GKE Ingress controller")
                    .with_related(
                        ingress.location(backend.backend.service.span),
                        format!("GKE Ingress `{}` routes here", ingress.name),
                    )
                    .with_note("the GKE Ingress controller picks the backend protocol from the `cloud.google.com/app-protocols` annotation, not from `spec.ports[].appProtocol`")
                    .with_help(help)
                    .with_identity(format!(
                        "{}/spec/ports/{}/appProtocol",
                        service.identity(),
                        port.label()
                    )),
                );
            }
        }
    }
}
