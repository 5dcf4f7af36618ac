//! ING001 ingress-nginx-websocket-timeouts: see `rules/ING001.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::Workspace;
use crate::parse::yaml::Node;
use crate::rules::support::{diagnostic, with_evidence};
use crate::rules::Rule;

use super::{
    add_annotations, annotation, controller, controller_config, path_text, realtime_paths,
    timeout_seconds, Controller, PREFIX,
};

pub struct IngressNginxWebsocketTimeouts;

/// What ingress-nginx advises for WebSocket backends (F-60).
const ADVISED: f64 = 3600.0;

impl Rule for IngressNginxWebsocketTimeouts {
    fn id(&self) -> &'static str {
        "ING001"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        let global = controller_config(ws);
        for ingress in ws.of_kind("Ingress") {
            if controller(ws, ingress) != Controller::IngressNginx {
                continue;
            }
            let paths = realtime_paths(ws, ingress);
            let Some(first) = paths.first() else {
                continue;
            };
            // (annotation, what is wrong, value node when set)
            let mut short: Vec<(&str, String, Option<Node<'_>>)> = Vec::new();
            for name in ["proxy-read-timeout", "proxy-send-timeout"] {
                match annotation(ingress, name) {
                    Some(entry) => {
                        let text = entry.value.as_str().unwrap_or("");
                        let secs = entry
                            .value
                            .as_i64()
                            .map(|n| n as f64)
                            .or_else(|| timeout_seconds(text));
                        // Unreadable values are ING002's.
                        if secs.is_none_or(|s| s >= ADVISED) {
                            continue;
                        }
                        short.push((name, format!("`{name}: \"{text}\"`"), Some(entry.value)));
                    }
                    None => {
                        let global_secs = global
                            .and_then(|c| c.node().at(&["data", name]))
                            .and_then(Node::as_str)
                            .and_then(timeout_seconds);
                        if global_secs.is_some_and(|s| s >= ADVISED) {
                            continue;
                        }
                        short.push((
                            name,
                            format!(
                                "no `{name}` ({} s)",
                                global_secs.map_or("60".to_string(), |s| s.to_string())
                            ),
                            None,
                        ));
                    }
                }
            }
            if short.is_empty() {
                continue;
            }
            let primary = short
                .iter()
                .find_map(|(_, _, n)| n.map(|n| ingress.location(n.span)))
                .unwrap_or_else(|| ingress.location(ingress.anchor()));
            let what: Vec<String> = short.iter().map(|(_, w, _)| w.clone()).collect();
            let mut d = diagnostic(
                self.id(),
                primary,
                format!(
                    "ingress-nginx Ingress `{}` routes realtime path {} with {}: WebSockets silent for that long are closed",
                    ingress.name,
                    path_text(first.link.backend.path.as_ref()),
                    what.join(" and ")
                ),
            )
            .with_label(if short.iter().any(|(_, _, n)| n.is_some()) {
                "below the 3600 s advised for WebSockets"
            } else {
                "no WebSocket timeouts on this Ingress"
            })
            .with_identity(format!("{}/metadata/annotations/proxy-timeouts", ingress.identity()));
            d = with_evidence(d, &first.evidence)
                .with_note("ingress-nginx closes a proxied connection, WebSockets included, after `proxy-read-timeout` (or `proxy-send-timeout`) seconds without data in that direction; the default is 60")
                .with_help("set `nginx.ingress.kubernetes.io/proxy-read-timeout: \"3600\"` and `proxy-send-timeout: \"3600\"` (or move the realtime paths to an Ingress of their own)");
            let mut edits = Vec::new();
            let mut missing = Vec::new();
            for (name, _, node) in &short {
                match node {
                    Some(n) => edits.push(Edit::replace(ingress.file, n.span, "\"3600\"")),
                    None => missing.push(format!("{PREFIX}{name}: \"3600\"")),
                }
            }
            let mut complete = true;
            if !missing.is_empty() {
                match add_annotations(ws, ingress, &missing) {
                    Some(e) => edits.push(e),
                    None => complete = false,
                }
            }
            if complete {
                d = d.with_fix(Fix::new(
                    "set both timeouts to 3600 s",
                    Applicability::Unsafe,
                    edits,
                ));
            }
            out.push(d);
        }
    }
}
