//! GKE026 static-ip-conflict: see `rules/GKE026.md`.

use crate::diagnostic::Diagnostic;
use crate::model::k8s;
use crate::model::Workspace;
use crate::rules::support::diagnostic;
use crate::rules::Rule;

pub struct StaticIpConflict;

const GLOBAL: &str = "kubernetes.io/ingress.global-static-ip-name";
const REGIONAL: &str = "kubernetes.io/ingress.regional-static-ip-name";

/// Classes whose load balancer is regional and takes a regional address.
const REGIONAL_CLASSES: &[&str] = &["gce-internal", "gce-regional-external"];

impl Rule for StaticIpConflict {
    fn id(&self) -> &'static str {
        "GKE026"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for ingress in ws.of_kind("Ingress") {
            if !k8s::is_gke_ingress(ingress) && !k8s::mentions_gke_class(ingress) {
                continue;
            }
            let Some(global) = ingress.annotation(GLOBAL) else {
                continue;
            };
            let class = k8s::ingress_class(ingress);
            let class_value = class
                .annotation
                .as_ref()
                .or(class.class_name.as_ref())
                .map(|c| c.value.as_str())
                .unwrap_or("gce");
            let regional_lb = REGIONAL_CLASSES.contains(&class_value);
            let regional = ingress.annotation(REGIONAL);
            let identity = format!("{}/metadata/annotations/static-ip", ingress.identity());
            let d = match (regional, regional_lb) {
                (Some(r), false) => diagnostic(
                    self.id(),
                    ingress.location(r.key.span),
                    format!(
                        "Ingress `{}` names both a global and a regional static IP: its `{class_value}` load balancer takes only a global address",
                        ingress.name
                    ),
                )
                .with_label("a regional address on a global load balancer")
                .with_related(ingress.location(global.key.span), "the global address")
                .with_help(format!("keep one address: `{GLOBAL}` for an external Ingress")),
                (Some(r), true) => diagnostic(
                    self.id(),
                    ingress.location(global.key.span),
                    format!(
                        "Ingress `{}` names both a global and a regional static IP: its `{class_value}` load balancer takes only a regional address",
                        ingress.name
                    ),
                )
                .with_label("a global address on a regional load balancer")
                .with_related(ingress.location(r.key.span), "the regional address")
                .with_help(format!("keep one address: `{REGIONAL}` for a `{class_value}` Ingress")),
                (None, true) => diagnostic(
                    self.id(),
                    ingress.location(global.key.span),
                    format!(
                        "Ingress `{}` of class `{class_value}` names a global static IP: its regional load balancer cannot use it",
                        ingress.name
                    ),
                )
                .with_label("a global address on a regional load balancer")
                .with_help(format!("reserve a regional address and use `{REGIONAL}` instead")),
                (None, false) => continue,
            };
            out.push(
                d.with_note("an external Application Load Balancer uses a global address and an internal or regional one a regional address: the Ingress fails to get the intended IP and DNS records pointing at it lead nowhere")
                    .with_identity(identity),
            );
        }
    }
}
