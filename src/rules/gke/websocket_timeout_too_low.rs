//! GKE003 websocket-timeout-too-low: see `rules/GKE003.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::Workspace;
use crate::rules::support::{attached_label, diagnostic, realtime_attachments, with_evidence};
use crate::rules::Rule;

pub struct WebsocketTimeoutTooLow;

impl Rule for WebsocketTimeoutTooLow {
    fn id(&self) -> &'static str {
        "GKE003"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        let min = ws.settings.min_websocket_timeout_sec;
        for a in realtime_attachments(ws) {
            let config = a.config;
            let Some(node) = config.node().at(&["spec", "timeoutSec"]) else {
                continue;
            };
            let Some(seconds) = node.as_i64() else {
                continue;
            };
            if seconds >= min {
                continue;
            }
            let raised = min.max(3600);
            let (attached_at, attached_text) = attached_label(&a);
            let d = diagnostic(
                self.id(),
                config.location(node.span),
                format!(
                    "`timeoutSec: {seconds}` in BackendConfig `{}` closes every WebSocket after {seconds} s, idle or not",
                    config.name
                ),
            )
            .with_label(format!("below the minimum of {min} s for WebSocket backends"))
            .with_related(attached_at, attached_text);
            let d = with_evidence(d, a.evidence)
                .with_note("for WebSocket traffic the backend service timeout is the maximum lifetime of a connection, idle or not: clients are cut off and reconnect in waves")
                .with_help("raise `timeoutSec` to how long a WebSocket may live (3600 is common; at most 86400), or suppress with a reason if the short lifetime is intended")
                .with_identity(format!("{}/spec/timeoutSec", config.identity()))
                .with_fix(Fix::new(
                    format!("raise `timeoutSec` to {raised}"),
                    Applicability::Unsafe,
                    vec![Edit::replace(config.file, node.span, raised.to_string())],
                ));
            out.push(d);
        }
    }
}
