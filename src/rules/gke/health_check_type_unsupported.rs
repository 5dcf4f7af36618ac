//! GKE020 health-check-type-unsupported: see `rules/GKE020.md`.

use crate::diagnostic::Diagnostic;
use crate::model::Workspace;
use crate::rules::support::{attached_label, attachments, diagnostic};
use crate::rules::Rule;

pub struct HealthCheckTypeUnsupported;

/// Health check protocols a BackendConfig accepts for Ingress backends (F-28).
const TYPES: &[&str] = &["HTTP", "HTTPS", "HTTP2"];

impl Rule for HealthCheckTypeUnsupported {
    fn id(&self) -> &'static str {
        "GKE020"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for a in attachments(ws) {
            let config = a.config;
            let Some(node) = config.node().at(&["spec", "healthCheck", "type"]) else {
                continue;
            };
            let Some(value) = node.as_str() else {
                continue;
            };
            if TYPES.contains(&value) {
                continue;
            }
            let (attached_at, attached_text) = attached_label(&a);
            let hint = if TYPES.contains(&value.to_ascii_uppercase().as_str()) {
                format!(" (write it in capitals: `{}`)", value.to_ascii_uppercase())
            } else {
                String::new()
            };
            out.push(
                diagnostic(
                    self.id(),
                    config.location(node.span),
                    format!(
                        "health check type `{value}` in BackendConfig `{}` is not supported: only `HTTP`, `HTTPS` and `HTTP2`",
                        config.name
                    ),
                )
                .with_label("unsupported health check type")
                .with_related(attached_at, attached_text)
                .with_note("a BackendConfig health check for an Ingress backend supports only the HTTP family; other values are not accepted, the Ingress reports an error and the backend keeps a health check that may not match the pods")
                .with_help(format!("use `HTTP`, `HTTPS` or `HTTP2` with a `requestPath` the application answers with 200{hint}"))
                .with_identity(format!("{}/spec/healthCheck/type", config.identity())),
            );
        }
    }
}
