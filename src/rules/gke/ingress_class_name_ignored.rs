//! GKE010 ingress-class-name-ignored: see `rules/GKE010.md`.

use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::model::k8s::{self, GKE_CLASSES};
use crate::model::Workspace;
use crate::rules::edit::{insert_entry, insert_nested, remove_entry};
use crate::rules::support::diagnostic;
use crate::rules::Rule;

use super::annotations_node;

pub struct IngressClassNameIgnored;

impl Rule for IngressClassNameIgnored {
    fn id(&self) -> &'static str {
        "GKE010"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for ingress in ws.of_kind("Ingress") {
            let class = k8s::ingress_class(ingress);
            if class.annotation.is_some() {
                continue;
            }
            let Some(name) = &class.class_name else {
                continue;
            };
            if !GKE_CLASSES.contains(&name.value.as_str()) {
                continue;
            }
            let mut d = diagnostic(
                self.id(),
                ingress.location(name.span),
                format!(
                    "GKE ignores `spec.ingressClassName: {}` on Ingress `{}`: no controller builds a load balancer for it",
                    name.value, ingress.name
                ),
            )
            .with_label("GKE does not read this field")
            .with_note("the GKE Ingress controller selects Ingresses by the `kubernetes.io/ingress.class` annotation (or no class at all), never by `spec.ingressClassName`: no load balancer, no IP address, no error")
            .with_help(format!(
                "replace the field with the annotation `kubernetes.io/ingress.class: \"{}\"` (the API server rejects both together)",
                name.value
            ))
            .with_identity(format!("{}/spec/ingressClassName", ingress.identity()));
            if let Some(fix) = fix(ws, ingress, &name.value) {
                d = d.with_fix(fix);
            }
            out.push(d);
        }
    }
}

/// Add the annotation and remove the field: the API server refuses both set at once.
fn fix(ws: &Workspace, ingress: &crate::model::Resource, class: &str) -> Option<Fix> {
    let file = ws.file(ingress.file);
    let line = format!("kubernetes.io/ingress.class: \"{class}\"");
    let add = match annotations_node(ingress) {
        Some(annotations) => insert_entry(file, ingress.file, annotations, &[line], false)?,
        None => insert_nested(
            file,
            ingress.file,
            ingress.metadata()?,
            "annotations",
            &[line],
        )?,
    };
    let remove = remove_entry(
        file,
        ingress.file,
        ingress.spec()?.entry("ingressClassName")?,
    )?;
    Some(Fix::new(
        format!("use the annotation `kubernetes.io/ingress.class: \"{class}\"` instead"),
        Applicability::Safe,
        vec![add, remove],
    ))
}
