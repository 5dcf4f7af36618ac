//! GKE013 session-affinity-missing: see `rules/GKE013.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::Workspace;
use crate::parse::yaml::Node;
use crate::rules::edit::insert_entry;
use crate::rules::support::{
    attached_label, diagnostic, every_realtime_attachment, spec_anchor, with_evidence,
};
use crate::rules::Rule;

pub struct SessionAffinityMissing;

impl Rule for SessionAffinityMissing {
    fn id(&self) -> &'static str {
        "GKE013"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        let mut reported = foldhash::HashSet::default();
        for a in every_realtime_attachment(ws) {
            if reported.contains(&a.config.id) {
                continue;
            }
            let socketio: Vec<_> = a.evidence.iter().filter(|e| e.socketio).cloned().collect();
            if socketio.is_empty() {
                continue;
            }
            let Some((replicas, workload)) = ws.links.max_replicas(ws, a.service.id) else {
                continue;
            };
            if replicas < 2 {
                continue;
            }
            reported.insert(a.config.id);
            let config = a.config;
            let affinity = config
                .node()
                .at(&["spec", "sessionAffinity", "affinityType"]);
            let affinity_value = affinity.and_then(Node::as_str);
            if affinity_value.is_some_and(|v| v != "NONE") {
                continue;
            }
            let file = ws.file(config.file);
            let (primary, label, fix_edit) = match affinity {
                Some(node) if affinity_value == Some("NONE") => (
                    config.location(node.span),
                    "affinity turned off here",
                    Some(Edit::replace(config.file, node.span, "GENERATED_COOKIE")),
                ),
                _ => (
                    spec_anchor(config),
                    "no `sessionAffinity` in this spec",
                    config.spec().and_then(|spec| {
                        insert_entry(
                            file,
                            config.file,
                            spec,
                            &[
                                "sessionAffinity:".into(),
                                "  affinityType: GENERATED_COOKIE".into(),
                                "  affinityCookieTtlSec: 86400".into(),
                            ],
                            true,
                        )
                    }),
                ),
            };
            let w = ws.resource(workload);
            let (attached_at, attached_text) = attached_label(&a);
            let mut d = diagnostic(
                self.id(),
                primary,
                format!(
                    "Socket.IO backend `{}` runs {replicas} replicas but BackendConfig `{}` has no session affinity: polling requests land on other pods and fail with HTTP 400 \"Session ID unknown\"",
                    a.service.name, config.name
                ),
            )
            .with_label(label)
            .with_related(attached_at, attached_text);
            d = with_evidence(d, &socketio).with_related(
                w.location(crate::model::k8s::declared_replicas(w).map_or(w.anchor(), |r| r.span)),
                format!("{} `{}` runs up to {replicas} pods", w.kind, w.name),
            );
            d = d
                .with_note("Socket.IO starts every session with HTTP long-polling; each poll must reach the pod that holds the session")
                .with_help("add `sessionAffinity: {affinityType: GENERATED_COOKIE, affinityCookieTtlSec: 86400}` (or `CLIENT_IP`)")
                .with_identity(format!("{}/spec/sessionAffinity", config.identity()));
            if let Some(edit) = fix_edit {
                d = d.with_fix(Fix::new(
                    "add cookie-based session affinity",
                    Applicability::Unsafe,
                    vec![edit],
                ));
            }
            out.push(d);
        }
    }
}
