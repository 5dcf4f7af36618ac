//! ING005 wrong-controller-annotations: see `rules/ING005.md`.

use crate::diagnostic::Diagnostic;
use crate::model::k8s;
use crate::model::Workspace;
use crate::rules::support::diagnostic;
use crate::rules::Rule;

use super::{controller, Controller, F5_PREFIX, PREFIX};

pub struct WrongControllerAnnotations;

impl Rule for WrongControllerAnnotations {
    fn id(&self) -> &'static str {
        "ING005"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for ingress in ws.of_kind("Ingress") {
            let (foreign, reader, own) = match controller(ws, ingress) {
                Controller::IngressNginx => (
                    F5_PREFIX,
                    "ingress-nginx",
                    "`nginx.ingress.kubernetes.io/*`",
                ),
                Controller::F5 => (PREFIX, "F5 NGINX Ingress Controller", "`nginx.org/*`"),
                // Only when the class annotation says GKE: a classless Ingress may be taken
                // by a default IngressClass outside the linted files.
                Controller::Gke if k8s::ingress_class(ingress).annotation.is_some() => (
                    PREFIX,
                    "the GKE Ingress controller",
                    "BackendConfig and FrontendConfig",
                ),
                _ => continue,
            };
            let keys: Vec<crate::parse::yaml::Entry<'_>> = ingress
                .annotations()
                .filter(|e| e.key.as_str().is_some_and(|k| k.starts_with(foreign)))
                .collect();
            let Some(first) = keys.first() else {
                continue;
            };
            let class = k8s::ingress_class(ingress);
            let class_at = class.annotation.as_ref().or(class.class_name.as_ref());
            let names: Vec<String> = keys
                .iter()
                .take(3)
                .filter_map(|e| e.key.as_str().map(|k| format!("`{k}`")))
                .collect();
            let more = if keys.len() > 3 {
                format!(" and {} more", keys.len() - 3)
            } else {
                String::new()
            };
            let mut d = diagnostic(
                self.id(),
                ingress.location(first.key.span),
                format!(
                    "Ingress `{}` is read by {reader}, which ignores {}{more}",
                    ingress.name,
                    names.join(", ")
                ),
            )
            .with_label(format!("`{}*` is another controller's annotation", foreign))
            .with_note("each controller reads only its own annotation prefix; the others are silently ignored, so the setting the author wanted never applies")
            .with_help(format!("use {own} for this controller (for WebSocket timeouts on GKE: `timeoutSec` in a BackendConfig)"))
            .with_identity(format!("{}/metadata/annotations/{foreign}", ingress.identity()));
            for e in keys.iter().skip(1).take(2) {
                d = d.with_related(ingress.location(e.key.span), "also ignored");
            }
            if let Some(c) = class_at {
                d = d.with_related(
                    ingress.location(c.span),
                    format!("class `{}` selects {reader}", c.value),
                );
            }
            out.push(d);
        }
    }
}
