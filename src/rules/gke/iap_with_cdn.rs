//! GKE017 iap-with-cdn: see `rules/GKE017.md`.

use crate::diagnostic::Diagnostic;
use crate::model::Workspace;
use crate::rules::support::{attached_label, attachments, diagnostic, with_evidence};
use crate::rules::Rule;

pub struct IapWithCdn;

impl Rule for IapWithCdn {
    fn id(&self) -> &'static str {
        "GKE017"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for a in attachments(ws) {
            let config = a.config;
            let Some(iap) = config.node().at(&["spec", "iap", "enabled"]) else {
                continue;
            };
            let Some(cdn) = config.node().at(&["spec", "cdn", "enabled"]) else {
                continue;
            };
            if iap.as_bool() != Some(true) || cdn.as_bool() != Some(true) {
                continue;
            }
            let (attached_at, attached_text) = attached_label(&a);
            let d = diagnostic(
                    self.id(),
                    config.location(iap.span),
                    format!(
                        "BackendConfig `{}` enables both IAP and Cloud CDN: GKE rejects it and applies none of its settings",
                        config.name
                    ),
                )
                .with_label("IAP enabled here")
                .with_related(config.location(cdn.span), "Cloud CDN enabled here")
                .with_related(attached_at, attached_text);
            out.push(
                with_evidence(d, a.evidence)
                .with_note("IAP and Cloud CDN cannot share a backend service: cached content would bypass per-user authorization; the Ingress reports an error and the BackendConfig, WebSocket timeout included, is not applied")
                .with_help("turn one of them off; if both are needed, serve public static content from a separate Service with its own BackendConfig")
                .with_identity(format!("{}/spec/iap/enabled", config.identity())),
            );
        }
    }
}
