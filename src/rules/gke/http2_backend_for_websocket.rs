//! GKE023 http2-backend-for-websocket: see `rules/GKE023.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::k8s;
use crate::model::Workspace;
use crate::rules::support::{diagnostic, json_string_span, with_evidence};
use crate::rules::Rule;

use super::{app_protocols, APP_PROTOCOLS_KEY};

pub struct Http2BackendForWebsocket;

impl Rule for Http2BackendForWebsocket {
    fn id(&self) -> &'static str {
        "GKE023"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for service in ws.of_kind("Service") {
            let Some((entry, Ok(pairs))) = app_protocols(service) else {
                continue;
            };
            for port in k8s::service_ports(service) {
                let Some(name) = &port.name else {
                    continue;
                };
                if !pairs.iter().any(|(k, v)| k == &name.value && v == "HTTP2") {
                    continue;
                }
                let Some(evidence) = ws.realtime.port(service.id, port.index) else {
                    continue;
                };
                let span = json_string_span(ws, service, entry.value, "HTTP2");
                let mut d = diagnostic(
                    self.id(),
                    service.location(span),
                    format!(
                        "realtime port `{}` of Service `{}` uses HTTP/2 to the backend: WebSocket handshakes do not go through",
                        name.value, service.name
                    ),
                )
                .with_label("`HTTP2` backend protocol");
                d = with_evidence(d, evidence)
                    .with_note("a WebSocket opens with an HTTP/1.1 `Upgrade` request, and Google's Application Load Balancer proxies WebSocket only with backend protocol HTTP or HTTPS; Socket.IO clients stay on long-polling or fail")
                    .with_help("use `HTTP` (or `HTTPS` if the pod serves TLS); if the port also carries gRPC, give the realtime traffic its own port")
                    .with_identity(format!(
                        "{}/metadata/annotations/{APP_PROTOCOLS_KEY}/{}",
                        service.identity(),
                        name.value
                    ));
                if span != entry.value.span {
                    d = d.with_fix(Fix::new(
                        "use `HTTP` to the backend",
                        Applicability::Unsafe,
                        vec![Edit::replace(service.file, span, "\"HTTP\"")],
                    ));
                }
                out.push(d);
            }
        }
    }
}
