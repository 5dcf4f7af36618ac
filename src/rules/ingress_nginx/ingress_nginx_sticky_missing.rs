//! ING003 ingress-nginx-sticky-missing: see `rules/ING003.md`.

use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::model::Workspace;
use crate::rules::support::{diagnostic, replicas_evidence, with_evidence};
use crate::rules::Rule;

use super::{
    add_annotations, annotation, controller, path_text, realtime_paths, Controller, PREFIX,
};

pub struct IngressNginxStickyMissing;

impl Rule for IngressNginxStickyMissing {
    fn id(&self) -> &'static str {
        "ING003"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for ingress in ws.of_kind("Ingress") {
            if controller(ws, ingress) != Controller::IngressNginx {
                continue;
            }
            let affinity = annotation(ingress, "affinity");
            if affinity.is_some_and(|e| e.value.as_str() == Some("cookie"))
                || annotation(ingress, "upstream-hash-by").is_some()
            {
                continue;
            }
            // The first Socket.IO path whose backend runs several pods.
            let found = realtime_paths(ws, ingress).into_iter().find_map(|p| {
                if !p.socketio() {
                    return None;
                }
                let service = p.link.service?;
                let (replicas, workload) = ws.links.max_replicas(ws, service)?;
                (replicas >= 2).then_some((p, service, replicas, workload))
            });
            let Some((path, service, replicas, workload)) = found else {
                continue;
            };
            let service = ws.resource(service);
            let w = ws.resource(workload);
            let primary = match affinity {
                Some(e) => ingress.location(e.value.span),
                None => ingress.location(ingress.anchor()),
            };
            let mut d = diagnostic(
                self.id(),
                primary,
                format!(
                    "ingress-nginx Ingress `{}` spreads Socket.IO path {} over {replicas} pods of Service `{}` without sticky sessions: polls land on other pods and fail with HTTP 400 \"Session ID unknown\"",
                    ingress.name,
                    path_text(path.link.backend.path.as_ref()),
                    service.name
                ),
            )
            .with_label(if affinity.is_some() {
                "not `cookie`: no affinity"
            } else {
                "no `affinity: cookie` or `upstream-hash-by` on this Ingress"
            })
            .with_identity(format!("{}/metadata/annotations/affinity", ingress.identity()));
            d = with_evidence(d, &path.evidence);
            let (replicas_at, replicas_label) = replicas_evidence(ws, w, replicas);
            d = d
                .with_related(replicas_at, replicas_label)
                .with_note("Socket.IO starts every session with HTTP long-polling; ingress-nginx sends requests straight to the pods, so each poll must be pinned to the pod that holds the session (a Service `sessionAffinity` does not apply)")
                .with_help("add `nginx.ingress.kubernetes.io/affinity: cookie` (or `upstream-hash-by`)");
            let line = format!("{PREFIX}affinity: cookie");
            let edit = match affinity {
                Some(e) => Some(crate::diagnostic::Edit::replace(
                    ingress.file,
                    e.value.span,
                    "cookie",
                )),
                None => add_annotations(ws, ingress, &[line]),
            };
            if let Some(edit) = edit {
                d = d.with_fix(Fix::new(
                    "add cookie affinity",
                    Applicability::Unsafe,
                    vec![edit],
                ));
            }
            out.push(d);
        }
    }
}
