//! GKE101 gateway-websocket-timeout-missing: see `rules/GKE101.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::Workspace;
use crate::rules::edit::{insert_entry, insert_nested};
use crate::rules::support::{diagnostic, spec_anchor, with_evidence};
use crate::rules::Rule;

use super::{policy_document, realtime_gateway_backends};

pub struct GatewayWebsocketTimeoutMissing;

impl Rule for GatewayWebsocketTimeoutMissing {
    fn id(&self) -> &'static str {
        "GKE101"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for b in realtime_gateway_backends(ws) {
            let link = b.links[0];
            let route = ws.resource(link.route);
            let class = link.gateway_class.as_deref().unwrap_or("");
            let service = b.service;
            let socketio: Vec<_> = b.evidence.iter().filter(|e| e.socketio).cloned().collect();
            let replicas = ws
                .links
                .max_replicas(ws, service.id)
                .filter(|(n, _)| *n >= 2 && !socketio.is_empty());
            let Some(policy) = b.policy else {
                // One root cause: the missing policy also means no session affinity (GKE104
                // stays silent and this finding names both).
                let also = replicas.map_or(String::new(), |(n, _)| {
                    format!(", and Socket.IO polls spread over {n} pods without session affinity")
                });
                let mut d = diagnostic(
                    self.id(),
                    route.location(link.service_name.span),
                    format!(
                        "realtime Service `{}` behind HTTPRoute `{}` on GKE Gateway class `{class}` has no GCPBackendPolicy: every WebSocket is closed after 30 s{also}",
                        service.name, route.name
                    ),
                )
                .with_label("no GCPBackendPolicy targets this Service")
                .with_related(service.location(service.anchor()), format!("Service `{}`", service.name));
                d = with_evidence(d, &b.evidence)
                    .with_note("for WebSocket traffic the backend service timeout is the maximum lifetime of a connection, idle or not; without a GCPBackendPolicy it is 30 s (Gateway API ignores BackendConfig)")
                    .with_help(format!(
                        "add a GCPBackendPolicy targeting Service `{}` with `default.timeoutSec: 3600`{}",
                        service.name,
                        if replicas.is_some() { " and `default.sessionAffinity.type: GENERATED_COOKIE`" } else { "" }
                    ))
                    .with_identity(format!("{}/GCPBackendPolicy", service.identity()));
                let file = ws.file(service.file);
                let sep = if file.text.ends_with('\n') { "" } else { "\n" };
                d = d.with_fix(Fix::new(
                    format!("create GCPBackendPolicy `{}`", service.name),
                    Applicability::DisplayOnly,
                    vec![Edit::insert(
                        service.file,
                        crate::source::to_u32(file.text.len()),
                        format!("{sep}{}", policy_document(service, replicas.is_some())),
                    )],
                ));
                out.push(d);
                continue;
            };
            let default = policy.node().at(&["spec", "default"]);
            if default.and_then(|d| d.get("timeoutSec")).is_some() {
                continue;
            }
            // `timeoutSec` written directly under `spec` is misplaced: GKE102 says so.
            if policy.node().at(&["spec", "timeoutSec"]).is_some() {
                continue;
            }
            let primary = match policy.node().at(&["spec"]).and_then(|s| s.entry("default")) {
                Some(e) => policy.location(e.key.span),
                None => spec_anchor(policy),
            };
            let mut d = diagnostic(
                self.id(),
                primary,
                format!(
                    "GCPBackendPolicy `{}` for realtime Service `{}` sets no `default.timeoutSec`: every WebSocket is closed after 30 s",
                    policy.name, service.name
                ),
            )
            .with_label("no `timeoutSec` here")
            .with_related(
                route.location(link.service_name.span),
                format!("HTTPRoute `{}` routes to Service `{}` on GKE Gateway class `{class}`", route.name, service.name),
            );
            d = with_evidence(d, &b.evidence)
                .with_note("for WebSocket traffic the backend service timeout is the maximum lifetime of a connection, idle or not; the default is 30 s")
                .with_help("set `default.timeoutSec` to how long a WebSocket may live (3600 is common; at most 86400)")
                .with_identity(format!("{}/spec/default/timeoutSec", policy.identity()));
            let file = ws.file(policy.file);
            let edit = match default {
                Some(node) if node.is_mapping() => {
                    insert_entry(file, policy.file, node, &["timeoutSec: 3600".into()], true)
                }
                Some(_) => None,
                None => policy.spec().and_then(|spec| {
                    insert_nested(
                        file,
                        policy.file,
                        spec,
                        "default",
                        &["timeoutSec: 3600".into()],
                    )
                }),
            };
            if let Some(edit) = edit {
                d = d.with_fix(Fix::new(
                    "add `timeoutSec: 3600`",
                    Applicability::DisplayOnly,
                    vec![edit],
                ));
            }
            out.push(d);
        }
    }
}
