//! GKE104 gateway-session-affinity-missing: see `rules/GKE104.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::Workspace;
use crate::parse::yaml::Node;
use crate::rules::edit::{insert_entry, insert_nested};
use crate::rules::support::{diagnostic, replicas_evidence, spec_anchor, with_evidence};
use crate::rules::Rule;

use super::realtime_gateway_backends;

pub struct GatewaySessionAffinityMissing;

impl Rule for GatewaySessionAffinityMissing {
    fn id(&self) -> &'static str {
        "GKE104"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for b in realtime_gateway_backends(ws) {
            // Without any policy, GKE101 reports the missing policy with both symptoms.
            let Some(policy) = b.policy else {
                continue;
            };
            let socketio: Vec<_> = b.evidence.iter().filter(|e| e.socketio).cloned().collect();
            if socketio.is_empty() {
                continue;
            }
            let Some((replicas, workload)) = ws.links.max_replicas(ws, b.service.id) else {
                continue;
            };
            if replicas < 2 {
                continue;
            }
            let affinity = policy.node().at(&["spec", "default", "sessionAffinity"]);
            let kind = affinity.and_then(|a| a.get("type"));
            let kind_value = kind.and_then(Node::as_str);
            if kind_value.is_some_and(|v| v != "NONE") {
                continue;
            }
            // BackendConfig spellings (`affinityType`) or settings outside `default`: GKE102.
            if affinity.is_some_and(|a| a.get("affinityType").is_some())
                || policy.node().at(&["spec", "sessionAffinity"]).is_some()
            {
                continue;
            }
            let file = ws.file(policy.file);
            let (primary, label, edit) = match kind {
                Some(node) => (
                    policy.location(node.span),
                    "affinity turned off here",
                    Some(Edit::replace(policy.file, node.span, "GENERATED_COOKIE")),
                ),
                None => {
                    let default = policy.node().at(&["spec", "default"]);
                    let lines = [
                        "type: GENERATED_COOKIE".to_string(),
                        "cookieTtlSec: 86400".to_string(),
                    ];
                    let edit = match (affinity, default) {
                        (Some(a), _) if a.is_mapping() => {
                            insert_entry(file, policy.file, a, &lines, true)
                        }
                        (Some(_), _) => None,
                        (None, Some(d)) if d.is_mapping() => {
                            insert_nested(file, policy.file, d, "sessionAffinity", &lines)
                        }
                        (None, Some(_)) => None,
                        (None, None) => policy.spec().and_then(|spec| {
                            insert_nested(
                                file,
                                policy.file,
                                spec,
                                "default",
                                &[
                                    "sessionAffinity:".into(),
                                    "  type: GENERATED_COOKIE".into(),
                                    "  cookieTtlSec: 86400".into(),
                                ],
                            )
                        }),
                    };
                    let at = policy
                        .node()
                        .at(&["spec"])
                        .and_then(|s| s.entry("default"))
                        .map_or_else(|| spec_anchor(policy), |e| policy.location(e.key.span));
                    (at, "no `sessionAffinity` here", edit)
                }
            };
            let w = ws.resource(workload);
            let link = b.links[0];
            let route = ws.resource(link.route);
            let mut d = diagnostic(
                self.id(),
                primary,
                format!(
                    "Socket.IO backend `{}` runs {replicas} replicas but GCPBackendPolicy `{}` sets no session affinity: polling requests land on other pods and fail with HTTP 400 \"Session ID unknown\"",
                    b.service.name, policy.name
                ),
            )
            .with_label(label)
            .with_related(
                route.location(link.service_name.span),
                format!("HTTPRoute `{}` routes to Service `{}`", route.name, b.service.name),
            );
            let (replicas_at, replicas_label) = replicas_evidence(ws, w, replicas);
            d = with_evidence(d, &socketio).with_related(replicas_at, replicas_label);
            d = d
                .with_note("Socket.IO starts every session with HTTP long-polling; each poll must reach the pod that holds the session")
                .with_help("set `default.sessionAffinity.type: GENERATED_COOKIE` with `cookieTtlSec: 86400` (or `CLIENT_IP`)")
                .with_identity(format!("{}/spec/default/sessionAffinity", policy.identity()));
            if let Some(edit) = edit {
                d = d.with_fix(Fix::new(
                    "add cookie-based session affinity",
                    Applicability::DisplayOnly,
                    vec![edit],
                ));
            }
            out.push(d);
        }
    }
}
