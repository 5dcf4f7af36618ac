//! GKE009 backend-config-annotation-invalid: see `rules/GKE009.md`.

use crate::diagnostic::{Diagnostic, Level};
use crate::model::links::{BackendConfigAnnotation, BACKEND_CONFIG_KEYS};
use crate::model::Workspace;
use crate::rules::support::{at_level, diagnostic};
use crate::rules::Rule;

pub struct BackendConfigAnnotationInvalid;

const NOTE: &str = "GKE cannot use an invalid or empty annotation: the Service gets no BackendConfig and its ports run on the defaults (30 s WebSocket lifetime, no session affinity, default health check)";

impl Rule for BackendConfigAnnotationInvalid {
    fn id(&self) -> &'static str {
        "GKE009"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for service in ws.of_kind("Service") {
            let [ga_key, beta_key] = BACKEND_CONFIG_KEYS;
            let ga = service.annotation(ga_key);
            let beta = service.annotation(beta_key);
            // The annotation GKE reads: GA, else `beta.` (F-14).
            let Some((key, entry)) = ga.map(|e| (ga_key, e)).or(beta.map(|e| (beta_key, e))) else {
                continue;
            };
            let parsed = match entry.value.as_str().map(BackendConfigAnnotation::parse) {
                Some(Ok(p)) => p,
                Some(Err(e)) => {
                    out.push(
                        diagnostic(
                            self.id(),
                            service.location(entry.value.span),
                            format!("`{key}` on Service `{}` is not a valid backend-config annotation: {e}", service.name),
                        )
                        .with_label("GKE cannot read this")
                        .with_note(NOTE)
                        .with_help(r#"write a JSON object with quoted keys: `'{"default": "NAME"}'` or `'{"ports": {"PORT_NAME": "NAME"}}'`"#)
                        .with_identity(format!("{}/metadata/annotations/{key}", service.identity())),
                    );
                    continue;
                }
                None => {
                    out.push(
                        diagnostic(
                            self.id(),
                            service.location(entry.value.span),
                            format!("`{key}` on Service `{}` is not a string: GKE expects a JSON document in a string", service.name),
                        )
                        .with_label("not a string")
                        .with_note(NOTE)
                        .with_help(r#"quote the JSON: `'{"default": "NAME"}'`"#)
                        .with_identity(format!("{}/metadata/annotations/{key}", service.identity())),
                    );
                    continue;
                }
            };
            let empty_default = parsed.default.as_deref().is_none_or(str::is_empty);
            if empty_default && parsed.ports.is_empty() {
                out.push(
                    diagnostic(
                        self.id(),
                        service.location(entry.value.span),
                        format!("`{key}` on Service `{}` names no BackendConfig: `default` and `ports` are both missing or empty", service.name),
                    )
                    .with_label("names no BackendConfig")
                    .with_note(NOTE)
                    .with_help(r#"name the BackendConfig: `'{"default": "NAME"}'`"#)
                    .with_identity(format!("{}/metadata/annotations/{key}", service.identity())),
                );
                continue;
            }
            // Both forms present: GA wins; a `beta.` that says something else misleads.
            let (Some(ga), Some(beta)) = (ga, beta) else {
                continue;
            };
            let beta_parsed = beta.value.as_str().map(BackendConfigAnnotation::parse);
            let same = match beta_parsed {
                Some(Ok(b)) => {
                    let mut bp = b.ports.clone();
                    let mut gp = parsed.ports.clone();
                    bp.sort();
                    gp.sort();
                    b.default == parsed.default && bp == gp
                }
                _ => false,
            };
            if same {
                continue;
            }
            out.push(at_level(
                diagnostic(
                    self.id(),
                    service.location(beta.key.span),
                    format!("`{beta_key}` on Service `{}` disagrees with `{ga_key}`: GKE uses `{ga_key}` and ignores this one", service.name),
                )
                .with_label("ignored: the GA annotation wins")
                .with_related(service.location(ga.value.span), "GKE uses this value")
                .with_note("when both annotation forms are present GKE reads only `cloud.google.com/backend-config`; a reader looking at the `beta.` one sees settings that are not applied")
                .with_help("remove the `beta.` annotation, or make both say the same")
                .with_identity(format!("{}/metadata/annotations/{beta_key}", service.identity())),
                Level::Warning,
            ));
        }
    }
}
