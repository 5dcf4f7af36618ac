//! GKE011 clusterip-without-neg: see `rules/GKE011.md`.

use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::model::k8s;
use crate::model::Workspace;
use crate::rules::edit::{insert_entry, insert_nested};
use crate::rules::support::{diagnostic, likely_gke_backends_of, uses_neg};
use crate::rules::Rule;

use super::annotations_node;

pub struct ClusteripWithoutNeg;

const NEG_LINE: &str = r#"cloud.google.com/neg: '{"ingress": true}'"#;

impl Rule for ClusteripWithoutNeg {
    fn id(&self) -> &'static str {
        "GKE011"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        // An error that rests on the link alone: only between manifests of one app, not
        // between same-named resources of a collection of unrelated examples.
        for service in ws.of_kind("Service") {
            if k8s::service_type(service) != "ClusterIP" || uses_neg(ws, service) {
                continue;
            }
            // `clusterIP: None` (headless) cannot be a backend either, but says so loudly.
            let Some(backend) = likely_gke_backends_of(ws, service)
                .find(|b| ws.same_app(ws.resource(b.ingress), service))
            else {
                continue;
            };
            let ingress = ws.resource(backend.ingress);
            let type_node = service.node().at(&["spec", "type"]);
            let primary = type_node.map_or(service.anchor(), |n| n.span);
            let mut d = diagnostic(
                self.id(),
                service.location(primary),
                format!(
                    "Service `{}` is a backend of GKE Ingress `{}` but is `ClusterIP` without NEG: the Ingress cannot sync",
                    service.name, ingress.name
                ),
            )
            .with_label(if type_node.is_some() {
                "no node port, and no `cloud.google.com/neg` annotation"
            } else {
                "`ClusterIP` by default, and no `cloud.google.com/neg` annotation"
            })
            .with_related(
                ingress.location(backend.backend.service.span),
                format!("GKE Ingress `{}` routes here", ingress.name),
            );
            if let Some(neg) = service.annotation("cloud.google.com/neg") {
                d = d.with_related(
                    service.location(neg.value.span),
                    "this NEG annotation does not enable NEG for Ingress",
                );
            }
            d = d
                .with_note("without container-native load balancing (NEG) the load balancer reaches pods through node ports, so an Ingress backend must be `NodePort` or `LoadBalancer`; the path routed here never gets a backend")
                .with_help(r#"add `cloud.google.com/neg: '{"ingress": true}'` (VPC-native clusters), or make the Service `type: NodePort`"#)
                .with_identity(format!("{}/spec/type", service.identity()));
            if service.annotation("cloud.google.com/neg").is_none() {
                let file = ws.file(service.file);
                let edit = match annotations_node(service) {
                    Some(a) => insert_entry(file, service.file, a, &[NEG_LINE.into()], false),
                    None => service.metadata().and_then(|m| {
                        insert_nested(file, service.file, m, "annotations", &[NEG_LINE.into()])
                    }),
                };
                if let Some(edit) = edit {
                    d = d.with_fix(Fix::new(
                        "enable container-native load balancing (NEG)",
                        Applicability::Unsafe,
                        vec![edit],
                    ));
                }
            }
            out.push(d);
        }
    }
}
