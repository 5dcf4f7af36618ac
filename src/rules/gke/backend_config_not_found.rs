//! GKE008 backend-config-not-found: see `rules/GKE008.md`.

use crate::diagnostic::{Diagnostic, Level};
use crate::model::links::backend_config_annotation;
use crate::model::Workspace;
use crate::rules::support::{at_level, diagnostic, json_string_span, near_backend_config};
use crate::rules::Rule;

pub struct BackendConfigNotFound;

impl Rule for BackendConfigNotFound {
    fn id(&self) -> &'static str {
        "GKE008"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for service in ws.of_kind("Service") {
            // The GA key wins when both are present (F-14); GKE009 reports a differing `beta.`.
            let Some((key, entry, Some(parsed))) = backend_config_annotation(service) else {
                continue;
            };
            let mut names: Vec<String> = Vec::new();
            for name in parsed
                .default
                .into_iter()
                .chain(parsed.ports.into_iter().map(|(_, v)| v))
            {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            for name in names {
                if ws.find("BackendConfig", &name, service).is_some() {
                    continue;
                }
                let span = json_string_span(ws, service, entry.value, &name);
                let mut d = diagnostic(
                    self.id(),
                    service.location(span),
                    format!(
                        "BackendConfig `{name}` named by Service `{}` does not exist in namespace `{}`",
                        service.name, service.namespace
                    ),
                )
                .with_label("no BackendConfig with this name")
                .with_note("a BackendConfig is looked up in the Service's own namespace only; when it is missing the Ingress reports a sync error for this backend and none of the intended settings (timeout, affinity, health check) apply")
                .with_identity(format!(
                    "{}/metadata/annotations/{key}/{name}",
                    service.identity()
                ));
                if let Some(near) = near_backend_config(ws, service, &name) {
                    d = d
                        .with_related(
                            near.location(near.anchor()),
                            format!("BackendConfig `{}` exists here", near.name),
                        )
                        .with_help(format!("did you mean `{}`?", near.name));
                } else if let Some(other) = ws
                    .named("BackendConfig", &name)
                    .find(|c| !c.same_namespace(service))
                {
                    d = d
                        .with_related(
                            other.location(other.anchor()),
                            format!("`{name}` exists in namespace `{}`", other.namespace),
                        )
                        .with_help(format!(
                            "create the BackendConfig in namespace `{}`: it is not looked up elsewhere",
                            service.namespace
                        ));
                } else {
                    d = d.with_help(format!(
                        "create BackendConfig `{name}` in namespace `{}`, or fix the name; if it is managed outside these files, suppress with a reason",
                        service.namespace
                    ));
                }
                if ws.settings.partial_repo {
                    d = at_level(d, Level::Warning);
                }
                out.push(d);
            }
        }
    }
}
