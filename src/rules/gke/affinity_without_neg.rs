//! GKE014 affinity-without-neg: see `rules/GKE014.md`.

use crate::diagnostic::Diagnostic;
use crate::model::k8s;
use crate::model::Workspace;
use crate::parse::yaml::Node;
use crate::rules::support::{attachments, diagnostic, likely_gke_backends_of, users_of, uses_neg};
use crate::rules::Rule;

pub struct AffinityWithoutNeg;

impl Rule for AffinityWithoutNeg {
    fn id(&self) -> &'static str {
        "GKE014"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for a in attachments(ws) {
            let config = a.config;
            let Some(affinity) = config
                .node()
                .at(&["spec", "sessionAffinity", "affinityType"])
            else {
                continue;
            };
            let Some(kind) = affinity.as_str() else {
                continue;
            };
            // NONE asks for nothing; an invalid type is GKE015's.
            if kind == "NONE" || !super::invalid_session_affinity::TYPES.contains(&kind) {
                continue;
            }
            let mut seen = Vec::new();
            for (service, port) in users_of(ws, config) {
                if seen.contains(&service.id) {
                    continue;
                }
                seen.push(service.id);
                // ClusterIP without NEG cannot be a backend at all: GKE011 reports that.
                if uses_neg(ws, service) || k8s::service_type(service) == "ClusterIP" {
                    continue;
                }
                let Some(backend) = likely_gke_backends_of(ws, service).next() else {
                    continue;
                };
                let ingress = ws.resource(backend.ingress);
                let type_span = service
                    .node()
                    .at(&["spec", "type"])
                    .map_or(service.anchor(), |n: Node<'_>| n.span);
                out.push(
                    diagnostic(
                        self.id(),
                        config.location(affinity.span),
                        format!(
                            "session affinity `{kind}` in BackendConfig `{}` pins clients to a node, not a pod: Service `{}` does not use NEG",
                            config.name, service.name
                        ),
                    )
                    .with_label("affinity without container-native load balancing")
                    .with_related(
                        service.location(type_span),
                        format!(
                            "Service `{}` (port `{}`) reaches pods through node ports: no `cloud.google.com/neg` annotation",
                            service.name,
                            port.label()
                        ),
                    )
                    .with_related(
                        ingress.location(backend.backend.service.span),
                        format!("GKE Ingress `{}` routes here", ingress.name),
                    )
                    .with_note("without NEG the load balancer sends traffic to nodes and kube-proxy spreads it over any pod of the Service: consecutive Socket.IO polls can still reach different pods")
                    .with_help(r#"enable NEG on the Service: `cloud.google.com/neg: '{"ingress": true}'` (VPC-native clusters)"#)
                    .with_identity(format!(
                        "{}/spec/sessionAffinity/affinityType/{}",
                        config.identity(),
                        service.identity()
                    )),
                );
            }
        }
    }
}
