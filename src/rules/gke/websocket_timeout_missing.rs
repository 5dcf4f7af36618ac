//! GKE002 websocket-timeout-missing: see `rules/GKE002.md`.

use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::model::Workspace;
use crate::rules::edit::insert_entry;
use crate::rules::support::{
    attached_label, diagnostic, realtime_attachments, spec_anchor, with_evidence,
};
use crate::rules::Rule;

pub struct WebsocketTimeoutMissing;

impl Rule for WebsocketTimeoutMissing {
    fn id(&self) -> &'static str {
        "GKE002"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for a in realtime_attachments(ws) {
            let config = a.config;
            if config.node().at(&["spec", "timeoutSec"]).is_some() {
                continue;
            }
            let (attached_at, attached_text) = attached_label(&a);
            let mut d = diagnostic(
                self.id(),
                spec_anchor(config),
                format!("BackendConfig `{}` has no `timeoutSec`: every WebSocket through it is closed after 30 s", config.name),
            )
            .with_label("no `timeoutSec` in this spec")
            .with_related(attached_at, attached_text);
            d = with_evidence(d, a.evidence)
                .with_note("for WebSocket traffic the backend service timeout is the maximum lifetime of a connection, idle or not; the default is 30 s")
                .with_help("set `timeoutSec` to how long a WebSocket may live (3600 is common; at most 86400)")
                .with_identity(format!("{}/spec/timeoutSec", config.identity()));
            let file = ws.file(config.file);
            if let Some(edit) = config.spec().and_then(|spec| {
                insert_entry(file, config.file, spec, &["timeoutSec: 3600".into()], true)
            }) {
                d = d.with_fix(Fix::new(
                    "add `timeoutSec: 3600`",
                    Applicability::Safe,
                    vec![edit],
                ));
            }
            out.push(d);
        }
    }
}
