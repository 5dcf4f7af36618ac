//! GKE001 neg-service-missing-backend-config: see `rules/GKE001.md`.

use std::collections::HashSet;

use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::model::k8s;
use crate::model::links::{
    backend_config_annotation, BackendConfigAnnotation, BackendLink, BACKEND_CONFIG_KEYS,
};
use crate::model::realtime::Evidence;
use crate::model::{Resource, Workspace};
use crate::rules::edit::{insert_entry, insert_nested, yaml_single_quoted};
use crate::rules::support::{diagnostic, with_evidence};
use crate::rules::Rule;

use super::{annotations_node, neg_annotation};

pub struct NegServiceMissingBackendConfig;

impl Rule for NegServiceMissingBackendConfig {
    fn id(&self) -> &'static str {
        "GKE001"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for service in ws.of_kind("Service") {
            let annotated = BACKEND_CONFIG_KEYS
                .iter()
                .any(|k| service.annotation(k).is_some());
            let neg = neg_annotation(service).unwrap_or(ws.settings.neg_by_default);
            if !neg {
                continue;
            }
            let Some(backend) = ws.links.gke_backends_of(ws, service.id).next() else {
                continue;
            };
            // The annotation was written on the Ingress instead: GKE006 reports that.
            if ws.links.gke_backends_of(ws, service.id).any(|b| {
                let ingress = ws.resource(b.ingress);
                BACKEND_CONFIG_KEYS
                    .iter()
                    .any(|k| ingress.annotation(k).is_some())
            }) {
                continue;
            }
            let realtime = ws.realtime.service_ports(service.id);
            let Some(&(_, evidence)) = realtime.first() else {
                continue;
            };
            let ingress = ws.resource(backend.ingress);
            if annotated {
                out.extend(self.uncovered_ports(ws, service, &realtime, ingress, backend));
                continue;
            }
            let socketio = realtime.iter().any(|(_, e)| e.iter().any(|x| x.socketio));
            let consequences = consequences(ws, service, socketio);
            let mut d = diagnostic(
                self.id(),
                service.location(service.anchor()),
                format!(
                    "NEG Service `{}` carries WebSocket traffic but has no BackendConfig: {}",
                    service.name,
                    consequences.join(", ")
                ),
            )
            .with_label("no `cloud.google.com/backend-config` annotation on this Service")
            .with_identity(format!("{}/metadata/annotations", service.identity()));
            d = with_evidence(d, evidence);
            d = d.with_related(
                ingress.location(backend.backend.service.span),
                format!("GKE Ingress `{}` sends traffic here", ingress.name),
            );
            d = d
                .with_note("without a BackendConfig the load balancer uses its defaults: the backend timeout of 30 s is the maximum lifetime of every WebSocket, idle or not; no session affinity; a health check on `/` or a copied readinessProbe")
                .with_help("attach a BackendConfig with `timeoutSec`, `sessionAffinity` and `healthCheck` through the `cloud.google.com/backend-config` annotation");
            let unattached = unattached_configs(ws, service);
            if let [config] = unattached.as_slice() {
                d = d.with_related(
                    config.location(config.anchor()),
                    format!(
                        "BackendConfig `{}` in this namespace is attached to nothing",
                        config.name
                    ),
                );
            }
            if let Some(fix) = fix(ws, service, &unattached) {
                d = d.with_fix(fix);
            }
            out.push(d);
        }
    }
}

impl NegServiceMissingBackendConfig {
    /// An annotation that names BackendConfigs only for other ports leaves the realtime ones on
    /// the load balancer's defaults, as no annotation would. Keys that match no port are
    /// GKE007's, an unreadable annotation is GKE009's.
    fn uncovered_ports(
        &self,
        ws: &Workspace,
        service: &Resource,
        realtime: &[(usize, &[Evidence])],
        ingress: &Resource,
        backend: &BackendLink,
    ) -> Option<Diagnostic> {
        let (key, entry, parsed) = backend_config_annotation(service)?;
        let parsed = parsed?;
        let ports = k8s::service_ports(service);
        let names_a_port = |k: &str| ports.iter().any(|p| p.is_keyed_by(k));
        if parsed.default.is_some() || !parsed.ports.iter().all(|(k, _)| names_a_port(k)) {
            return None;
        }
        let uncovered: Vec<(&k8s::ServicePort, &[Evidence])> = realtime
            .iter()
            .filter(|(index, _)| !ws.links.backend_configs.contains_key(&(service.id, *index)))
            .filter_map(|&(index, evidence)| Some((ports.get(index)?, evidence)))
            .collect();
        let &(port, evidence) = uncovered.first()?;
        let socketio = uncovered.iter().any(|(_, e)| e.iter().any(|x| x.socketio));
        let label = port.label();
        let mut d = diagnostic(
            self.id(),
            service.location(entry.value.span),
            format!(
                "NEG Service `{}` carries WebSocket traffic on port `{label}`, but its `{key}` annotation names BackendConfigs for other ports only: {}",
                service.name,
                consequences(ws, service, socketio).join(", ")
            ),
        )
        .with_label(format!("no `default` and no key for port `{label}`"))
        .with_identity(format!("{}/backend-config/{label}", service.identity()));
        d = with_evidence(d, evidence);
        d = d
            .with_related(
                ingress.location(backend.backend.service.span),
                format!("GKE Ingress `{}` sends traffic here", ingress.name),
            )
            .with_note("a port the annotation does not name gets no BackendConfig: the backend timeout of 30 s is the maximum lifetime of every WebSocket, idle or not; no session affinity; a health check on `/` or a copied readinessProbe")
            .with_help(format!("name a BackendConfig for port `{label}` in `ports` (`\"{label}\": \"<name>\"`), or add a `\"default\"`"));
        Some(d)
    }
}

/// What the load balancer's defaults do to a realtime backend.
fn consequences(ws: &Workspace, service: &Resource, socketio: bool) -> Vec<String> {
    let mut consequences = vec!["30 s WebSocket lifetime".to_string()];
    if socketio {
        match ws.links.max_replicas(ws, service.id) {
            Some((n, _)) if n > 1 => {
                consequences.push(format!("no session affinity for {n} replicas"))
            }
            _ => consequences.push("no session affinity".into()),
        }
    }
    consequences.push("default health check".into());
    consequences
}

/// BackendConfigs in the Service's namespace that no Service references.
fn unattached_configs<'a>(ws: &'a Workspace, service: &Resource) -> Vec<&'a Resource> {
    let referenced: HashSet<String> = ws
        .of_kind("Service")
        .flat_map(|s| {
            BACKEND_CONFIG_KEYS
                .iter()
                .filter_map(move |k| s.annotation_str(k))
        })
        .filter_map(|text| BackendConfigAnnotation::parse(text).ok())
        .flat_map(|a| {
            a.default
                .into_iter()
                .chain(a.ports.into_iter().map(|(_, v)| v))
        })
        .collect();
    ws.of_kind_in_namespace_of("BackendConfig", service)
        .into_iter()
        .filter(|c| !referenced.contains(c.name.as_str()))
        .collect()
}

/// Reference the namespace's only unattached BackendConfig; else add a new one to the
/// Service's file. Unsafe: attaching turns on every setting of the BackendConfig.
fn fix(ws: &Workspace, service: &Resource, unattached: &[&Resource]) -> Option<Fix> {
    let file = ws.file(service.file);
    let (name, new_config) = match unattached {
        [config] => (config.name.to_string(), None),
        _ => {
            let name = format!("{}-backend-config", service.name);
            let namespace = if service.namespace_explicit {
                format!("\n  namespace: {}", service.namespace)
            } else {
                String::new()
            };
            let doc = format!(
                "---\napiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata:\n  name: {name}{namespace}\nspec:\n  # WebSocket connections are closed when this expires, idle or not.\n  timeoutSec: 3600\n  sessionAffinity:\n    affinityType: GENERATED_COOKIE\n    affinityCookieTtlSec: 86400\n  healthCheck:\n    type: HTTP\n    requestPath: /\n"
            );
            (name, Some(doc))
        }
    };
    let value = yaml_single_quoted(&format!("{{\"default\": \"{name}\"}}"));
    let line = format!("cloud.google.com/backend-config: {value}");
    let mut edits = vec![match annotations_node(service) {
        Some(annotations) => insert_entry(file, service.file, annotations, &[line], false)?,
        None => insert_nested(
            file,
            service.file,
            service.metadata()?,
            "annotations",
            &[line],
        )?,
    }];
    if let Some(doc) = new_config {
        let end = crate::source::to_u32(file.text.len());
        let sep = if file.text.ends_with('\n') { "" } else { "\n" };
        edits.push(crate::diagnostic::Edit::insert(
            service.file,
            end,
            format!("{sep}{doc}"),
        ));
    }
    let title = match unattached {
        [_] => format!("attach BackendConfig `{name}` to this Service"),
        _ => format!("create BackendConfig `{name}` and attach it to this Service"),
    };
    Some(Fix::new(title, Applicability::Unsafe, edits))
}
