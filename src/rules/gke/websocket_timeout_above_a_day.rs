//! GKE004 websocket-timeout-above-a-day: see `rules/GKE004.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::Workspace;
use crate::rules::support::{attached_label, attachments, diagnostic, with_evidence};
use crate::rules::Rule;

pub struct WebsocketTimeoutAboveADay;

/// Google restarts its front ends at least daily (F-24).
const DAY: i64 = 86_400;

impl Rule for WebsocketTimeoutAboveADay {
    fn id(&self) -> &'static str {
        "GKE004"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for a in attachments(ws) {
            let config = a.config;
            let Some(node) = config.node().at(&["spec", "timeoutSec"]) else {
                continue;
            };
            let Some(seconds) = node.as_i64() else {
                continue;
            };
            if seconds <= DAY {
                continue;
            }
            let (attached_at, attached_text) = attached_label(&a);
            let d = diagnostic(
                self.id(),
                config.location(node.span),
                format!(
                    "`timeoutSec: {seconds}` in BackendConfig `{}` is above a day: the load balancer closes connections sooner anyway",
                    config.name
                ),
            )
            .with_label("above 86400 s")
            .with_related(attached_at, attached_text);
            let d = with_evidence(d, a.evidence)
                .with_note("Google restarts its load balancer front ends at least daily, closing long-lived connections whatever the timeout says; clients must reconnect regardless")
                .with_help("set `timeoutSec` to at most 86400 and make sure clients reconnect (Socket.IO does by default)")
                .with_identity(format!("{}/spec/timeoutSec", config.identity()))
                .with_fix(Fix::new(
                    "lower `timeoutSec` to 86400",
                    Applicability::Unsafe,
                    vec![Edit::replace(config.file, node.span, DAY.to_string())],
                ));
            out.push(d);
        }
    }
}
