//! ING004 ingress-nginx-snippet-disabled: see `rules/ING004.md`.

use crate::diagnostic::Diagnostic;
use crate::model::Workspace;
use crate::parse::yaml::Node;
use crate::rules::support::diagnostic;
use crate::rules::Rule;

use super::{controller, controller_config, Controller, PREFIX};

pub struct IngressNginxSnippetDisabled;

impl Rule for IngressNginxSnippetDisabled {
    fn id(&self) -> &'static str {
        "ING004"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        let config = controller_config(ws);
        let allowed = config
            .and_then(|c| c.node().at(&["data", "allow-snippet-annotations"]))
            .and_then(Node::as_str)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if allowed {
            return;
        }
        for ingress in ws.of_kind("Ingress") {
            // GKE and F5 Ingresses: ING005 says the annotation is not read at all.
            if matches!(controller(ws, ingress), Controller::Gke | Controller::F5) {
                continue;
            }
            for entry in ingress.annotations() {
                let Some(key) = entry.key.as_str() else {
                    continue;
                };
                let Some(name) = key.strip_prefix(PREFIX) else {
                    continue;
                };
                if !name.ends_with("-snippet") {
                    continue;
                }
                let mut d = diagnostic(
                    self.id(),
                    ingress.location(entry.key.span),
                    format!(
                        "Ingress `{}` relies on `{key}`, but ingress-nginx disables snippet annotations by default",
                        ingress.name
                    ),
                )
                .with_label("ignored unless the controller allows snippets")
                .with_note("since controller v1.9 `allow-snippet-annotations` is `false` by default (snippets can inject arbitrary nginx config); an Ingress with a snippet is then rejected by the admission webhook or its snippet is dropped, so what it configures never happens")
                .with_help("use the dedicated annotations instead (e.g. `proxy-read-timeout`, `proxy-send-timeout`), or enable snippets on the controller knowingly (`allow-snippet-annotations: \"true\"` in its ConfigMap)")
                .with_identity(format!("{}/metadata/annotations/{key}", ingress.identity()));
                if let Some(c) = config {
                    let at = c
                        .node()
                        .at(&["data", "allow-snippet-annotations"])
                        .map_or(c.anchor(), |n| n.span);
                    d = d.with_related(
                        c.location(at),
                        format!("controller ConfigMap `{}` does not allow snippets", c.name),
                    );
                }
                out.push(d);
            }
        }
    }
}
