//! GKE006 backend-config-on-ingress: see `rules/GKE006.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::k8s;
use crate::model::links::{BackendConfigAnnotation, BACKEND_CONFIG_KEYS};
use crate::model::{Resource, Workspace};
use crate::rules::edit::{insert_entry, insert_nested, remove_entry};
use crate::rules::support::diagnostic;
use crate::rules::Rule;

use super::annotations_node;

pub struct BackendConfigOnIngress;

impl Rule for BackendConfigOnIngress {
    fn id(&self) -> &'static str {
        "GKE006"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for ingress in ws.of_kind("Ingress") {
            if !k8s::is_gke_ingress(ingress) && !k8s::mentions_gke_class(ingress) {
                continue;
            }
            for key in BACKEND_CONFIG_KEYS {
                let Some(entry) = ingress.annotation(key) else {
                    continue;
                };
                let targets = backend_services(ws, ingress);
                let bare: Vec<&Resource> = targets
                    .iter()
                    .copied()
                    .filter(|s| {
                        BACKEND_CONFIG_KEYS
                            .iter()
                            .all(|k| s.annotation(k).is_none())
                    })
                    .collect();
                let named = entry
                    .value
                    .as_str()
                    .and_then(|t| BackendConfigAnnotation::parse(t).ok())
                    .and_then(|a| {
                        a.default
                            .or_else(|| a.ports.first().map(|(_, v)| v.clone()))
                    });
                let what = named.map_or_else(
                    || "the BackendConfig it names".to_string(),
                    |n| format!("BackendConfig `{n}`"),
                );
                let mut d = diagnostic(
                    self.id(),
                    ingress.location(entry.key.span),
                    format!(
                        "GKE reads `{key}` only on Services, not on Ingress `{}`: {what} applies to none of its backends (30 s WebSocket lifetime, no session affinity, default health check)",
                        ingress.name
                    ),
                )
                .with_label("ignored on an Ingress")
                .with_identity(format!("{}/metadata/annotations/{key}", ingress.identity()));
                for s in &bare {
                    d = d.with_related(
                        s.location(s.anchor()),
                        format!(
                            "backend Service `{}` has no backend-config annotation",
                            s.name
                        ),
                    );
                }
                d = d
                    .with_note("the BackendConfig for a backend is chosen from the backend Service's annotation; on an Ingress the annotation is ignored without any warning")
                    .with_help("move the annotation to each backend Service of this Ingress");
                if let Some(fix) = fix(ws, ingress, entry, &bare) {
                    d = d.with_fix(fix);
                }
                out.push(d);
            }
        }
    }
}

/// The Services this Ingress routes to, once each, in order.
fn backend_services<'a>(ws: &'a Workspace, ingress: &Resource) -> Vec<&'a Resource> {
    let mut out: Vec<&Resource> = Vec::new();
    for link in ws.links.backends.iter().filter(|b| b.ingress == ingress.id) {
        if let Some(s) = link.service.map(|s| ws.resource(s)) {
            if !out.iter().any(|o| o.id == s.id) {
                out.push(s);
            }
        }
    }
    out
}

/// Move the annotation: remove it from the Ingress, add it to each backend Service lacking one.
fn fix(
    ws: &Workspace,
    ingress: &Resource,
    entry: crate::parse::yaml::Entry<'_>,
    services: &[&Resource],
) -> Option<Fix> {
    let file = ws.file(ingress.file);
    let raw_value = file.slice(entry.value.span);
    if raw_value.contains('\n') {
        return None;
    }
    let key = entry.key.as_str()?;
    let line = format!("{key}: {raw_value}");
    let mut edits: Vec<Edit> = vec![remove_entry(file, ingress.file, entry)?];
    for s in services {
        let sf = ws.file(s.file);
        edits.push(match annotations_node(s) {
            Some(a) => insert_entry(sf, s.file, a, std::slice::from_ref(&line), false)?,
            None => insert_nested(
                sf,
                s.file,
                s.metadata()?,
                "annotations",
                std::slice::from_ref(&line),
            )?,
        });
    }
    let title = if services.is_empty() {
        format!("remove `{key}` from the Ingress")
    } else {
        let names: Vec<String> = services.iter().map(|s| format!("`{}`", s.name)).collect();
        format!("move `{key}` to Service {}", names.join(", "))
    };
    Some(Fix::new(title, Applicability::Unsafe, edits))
}
