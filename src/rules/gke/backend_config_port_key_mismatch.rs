//! GKE007 backend-config-port-key-mismatch: see `rules/GKE007.md`.

use crate::diagnostic::Diagnostic;
use crate::model::k8s::{self, PortRef};
use crate::model::links::backend_config_annotation;
use crate::model::Workspace;
use crate::rules::support::{diagnostic, json_string_span};
use crate::rules::Rule;

pub struct BackendConfigPortKeyMismatch;

impl Rule for BackendConfigPortKeyMismatch {
    fn id(&self) -> &'static str {
        "GKE007"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for service in ws.of_kind("Service") {
            // GKE reads the GA key when present, else `beta.` (F-14).
            let Some((key, entry, Some(parsed))) = backend_config_annotation(service) else {
                continue;
            };
            if parsed.default.is_some() {
                continue;
            }
            let ports = k8s::service_ports(service);
            for (port_key, config_name) in &parsed.ports {
                if ports.iter().any(|p| p.is_keyed_by(port_key)) {
                    continue;
                }
                let valid: Vec<String> = ports
                    .iter()
                    .flat_map(|p| {
                        p.name
                            .iter()
                            .map(|n| format!("`{}`", n.value))
                            .chain(p.port.iter().map(|n| format!("`{}`", n.value)))
                    })
                    .collect();
                let by_target = ports.iter().find(|p| {
                    p.target_port.as_ref().is_some_and(|t| match &t.value {
                        PortRef::Number(n) => n.to_string() == *port_key,
                        PortRef::Name(s) => s == port_key,
                    })
                });
                let span = json_string_span(ws, service, entry.value, port_key);
                let mut d = diagnostic(
                    self.id(),
                    service.location(span),
                    format!(
                        "`ports` key `{port_key}` in `{key}` matches no port of Service `{}`: BackendConfig `{config_name}` applies to nothing",
                        service.name
                    ),
                )
                .with_label("no Service port has this name or number")
                .with_note("GKE picks a port's BackendConfig by port name, then `port` number, then `default`; a key that matches none is ignored silently and the port runs on the load balancer defaults (30 s WebSocket lifetime, no session affinity, default health check)")
                .with_identity(format!(
                    "{}/metadata/annotations/{key}/ports/{port_key}",
                    service.identity()
                ));
                if let Some(p) = by_target {
                    let target = p.target_port.as_ref().expect("matched above");
                    d = d
                        .with_related(
                            service.location(target.span),
                            format!(
                                "`{port_key}` is the targetPort of Service port `{}`",
                                p.label()
                            ),
                        )
                        .with_help(format!(
                            "key by the Service port, not the targetPort: use `{}`",
                            p.label()
                        ));
                } else if valid.is_empty() {
                    d = d.with_help("use the Service port name or number, or `default`");
                } else {
                    d = d.with_help(format!(
                        "use the Service port name or number: one of {}",
                        valid.join(", ")
                    ));
                }
                out.push(d);
            }
        }
    }
}
