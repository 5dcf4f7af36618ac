//! GKE016 cdn-on-realtime-backend: see `rules/GKE016.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Level};
use crate::model::Workspace;
use crate::parse::yaml::Node;
use crate::rules::support::{
    at_level, attached_label, diagnostic, realtime_attachments, with_evidence,
};
use crate::rules::Rule;

pub struct CdnOnRealtimeBackend;

impl Rule for CdnOnRealtimeBackend {
    fn id(&self) -> &'static str {
        "GKE016"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for a in realtime_attachments(ws) {
            let config = a.config;
            let Some(enabled) = config.node().at(&["spec", "cdn", "enabled"]) else {
                continue;
            };
            if enabled.as_bool() != Some(true) {
                continue;
            }
            // With IAP on as well the BackendConfig is rejected: GKE017 reports that.
            if config
                .node()
                .at(&["spec", "iap", "enabled"])
                .and_then(Node::as_bool)
                == Some(true)
            {
                continue;
            }
            let force_all = config
                .node()
                .at(&["spec", "cdn", "cacheMode"])
                .and_then(Node::as_str)
                == Some("FORCE_CACHE_ALL");
            let (attached_at, attached_text) = attached_label(&a);
            let mut d = diagnostic(
                self.id(),
                config.location(enabled.span),
                format!(
                    "Cloud CDN is on for BackendConfig `{}`, which serves WebSocket/Socket.IO traffic{}",
                    config.name,
                    if force_all { " and caches every response (`FORCE_CACHE_ALL`)" } else { "" }
                ),
            )
            .with_label("CDN enabled here")
            .with_related(attached_at, attached_text);
            d = with_evidence(d, a.evidence)
                .with_note("long-polling responses belong to one session; a cache in front of them can serve one client's data to another or stall the session")
                .with_help("set `cdn.enabled: false`, or give static content its own BackendConfig with CDN")
                .with_identity(format!("{}/spec/cdn/enabled", config.identity()))
                .with_fix(Fix::new("turn Cloud CDN off", Applicability::Unsafe, vec![Edit::replace(config.file, enabled.span, "false")]));
            if force_all {
                d = at_level(d, Level::Error);
            }
            out.push(d);
        }
    }
}
