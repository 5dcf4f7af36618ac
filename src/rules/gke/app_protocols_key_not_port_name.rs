//! GKE022 app-protocols-key-not-port-name: see `rules/GKE022.md`.

use crate::diagnostic::Diagnostic;
use crate::model::k8s;
use crate::model::Workspace;
use crate::rules::support::{diagnostic, json_string_span};
use crate::rules::Rule;

use super::{app_protocols, APP_PROTOCOLS, APP_PROTOCOLS_KEY};

pub struct AppProtocolsKeyNotPortName;

const NOTE: &str = "GKE looks the protocol up by Service port name only, and accepts `HTTP`, `HTTPS` and `HTTP2`; anything else is ignored silently and the load balancer speaks plain HTTP to the port";

impl Rule for AppProtocolsKeyNotPortName {
    fn id(&self) -> &'static str {
        "GKE022"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for service in ws.of_kind("Service") {
            let Some((entry, parsed)) = app_protocols(service) else {
                continue;
            };
            let identity = format!(
                "{}/metadata/annotations/{APP_PROTOCOLS_KEY}",
                service.identity()
            );
            let pairs = match parsed {
                Ok(p) => p,
                Err(e) => {
                    out.push(
                        diagnostic(
                            self.id(),
                            service.location(entry.value.span),
                            format!(
                                "`{APP_PROTOCOLS_KEY}` on Service `{}` is not valid: {e}",
                                service.name
                            ),
                        )
                        .with_label("GKE cannot read this")
                        .with_note(NOTE)
                        .with_help(
                            r#"write a JSON object keyed by port name: `'{"https": "HTTPS"}'`"#,
                        )
                        .with_identity(identity),
                    );
                    continue;
                }
            };
            let ports = k8s::service_ports(service);
            let names: Vec<&str> = ports
                .iter()
                .filter_map(|p| p.name.as_ref().map(|n| n.value.as_str()))
                .collect();
            for (key, value) in pairs {
                if !names.contains(&key.as_str()) {
                    let by_number = ports
                        .iter()
                        .find(|p| p.port.as_ref().is_some_and(|n| n.value.to_string() == key));
                    let help = match by_number {
                        Some(p) => match &p.name {
                            Some(n) => {
                                format!("key by the port name: `\"{}\": \"{value}\"`", n.value)
                            }
                            None => format!(
                                "name Service port {key} and key the annotation by that name"
                            ),
                        },
                        None if names.is_empty() => {
                            "name the Service port and key the annotation by that name".into()
                        }
                        None => format!(
                            "key by a Service port name: {}",
                            names
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    };
                    out.push(
                        diagnostic(
                            self.id(),
                            service.location(json_string_span(ws, service, entry.value, &key)),
                            format!(
                                "`{APP_PROTOCOLS_KEY}` key `{key}` is not a port name of Service `{}`: GKE ignores it",
                                service.name
                            ),
                        )
                        .with_label(if by_number.is_some() {
                            "a port number: GKE looks up port names only"
                        } else {
                            "no Service port has this name"
                        })
                        .with_note(NOTE)
                        .with_help(help)
                        .with_identity(format!("{identity}/{key}")),
                    );
                    continue;
                }
                if APP_PROTOCOLS.contains(&value.as_str()) {
                    continue;
                }
                let upper = value.to_ascii_uppercase();
                out.push(
                    diagnostic(
                        self.id(),
                        service.location(json_string_span(ws, service, entry.value, &value)),
                        format!(
                            "`{APP_PROTOCOLS_KEY}` value `{value}` for port `{key}` of Service `{}` is not `HTTP`, `HTTPS` or `HTTP2`: GKE ignores it",
                            service.name
                        ),
                    )
                    .with_label("not a protocol GKE accepts here")
                    .with_note(NOTE)
                    .with_help(if APP_PROTOCOLS.contains(&upper.as_str()) {
                        format!("write it in capitals: `{upper}`")
                    } else {
                        "use `HTTP`, `HTTPS` or `HTTP2`".into()
                    })
                    .with_identity(format!("{identity}/{key}")),
                );
            }
        }
    }
}
