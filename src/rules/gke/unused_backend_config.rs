//! GKE027 unused-backend-config: see `rules/GKE027.md`.

use foldhash::{HashSet, HashSetExt};

use crate::diagnostic::Diagnostic;
use crate::model::links::{BackendConfigAnnotation, BACKEND_CONFIG_KEYS};
use crate::model::Workspace;
use crate::rules::support::{diagnostic, near_backend_config};
use crate::rules::Rule;

pub struct UnusedBackendConfig;

impl Rule for UnusedBackendConfig {
    fn id(&self) -> &'static str {
        "GKE027"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        // (namespace, name) of every BackendConfig some Service names, on any port. Services
        // without a namespace may reference any namespace (they are applied with `-n`).
        let mut referenced: HashSet<(Option<&str>, String)> = HashSet::new();
        // BackendConfigs another rule already explains: named by a typo (GKE008), by an
        // annotation that is not valid JSON (GKE009), or from an Ingress (GKE006).
        let mut explained: HashSet<crate::model::ResId> = HashSet::new();
        for s in ws
            .resources
            .iter()
            .filter(|r| r.is("Service") || r.is("MultiClusterService") || r.is("Ingress"))
        {
            for key in BACKEND_CONFIG_KEYS {
                let Some(text) = s.annotation_str(key) else {
                    continue;
                };
                let ns = s.namespace_explicit.then_some(s.namespace.as_str());
                let Ok(parsed) = BackendConfigAnnotation::parse(text) else {
                    explained.extend(
                        ws.of_kind_in_namespace_of("BackendConfig", s)
                            .into_iter()
                            .filter(|c| text.contains(c.name.as_str()))
                            .map(|c| c.id),
                    );
                    continue;
                };
                for name in parsed
                    .default
                    .into_iter()
                    .chain(parsed.ports.into_iter().map(|(_, v)| v))
                {
                    if ws.find("BackendConfig", &name, s).is_none() {
                        if let Some(near) = near_backend_config(ws, s, &name) {
                            explained.insert(near.id);
                        }
                    }
                    referenced.insert((ns, name));
                }
            }
        }
        // Computed once (not per BackendConfig): names referenced from any namespace, the
        // (namespace, explicit) pairs that have Services, and those with an Ingress routing to
        // a Service that is not here.
        let referenced_names: HashSet<&str> = referenced.iter().map(|(_, n)| n.as_str()).collect();
        let namespaces_with_services: HashSet<(&str, bool)> = ws
            .resources
            .iter()
            .filter(|r| r.is("Service") || r.is("MultiClusterService"))
            .map(|r| (r.namespace.as_str(), r.namespace_explicit))
            .collect();
        let namespaces_with_missing_backend: HashSet<(&str, bool)> = ws
            .links
            .backends
            .iter()
            .filter_map(|b| {
                let ingress = ws.resource(b.ingress);
                let strict_match = b.service.is_some_and(|s| {
                    let s = ws.resource(s);
                    s.namespace == ingress.namespace
                        && s.namespace_explicit == ingress.namespace_explicit
                });
                (!strict_match).then_some((ingress.namespace.as_str(), ingress.namespace_explicit))
            })
            .collect();
        for config in ws.of_kind("BackendConfig") {
            let used = referenced.contains(&(None, config.name.to_string()))
                || referenced.contains(&(Some(config.namespace.as_str()), config.name.to_string()))
                || (!config.namespace_explicit && referenced_names.contains(config.name.as_str()));
            if used || explained.contains(&config.id) {
                continue;
            }
            let here = (config.namespace.as_str(), config.namespace_explicit);
            // Only when the Services of its namespace are in the linted set: otherwise the
            // Service that references it is likely elsewhere (a partial repository).
            let services_here = namespaces_with_services.contains(&here);
            // An Ingress of the namespace routing to a Service that is not here: that Service may
            // be the one referencing this BackendConfig.
            let backend_missing = namespaces_with_missing_backend.contains(&here);
            if !services_here || backend_missing || ws.settings.partial_repo {
                continue;
            }
            out.push(
                diagnostic(
                    self.id(),
                    config.location(config.anchor()),
                    format!("BackendConfig `{}` is not referenced by any Service: its settings do nothing", config.name),
                )
                .with_label("no Service has a `cloud.google.com/backend-config` annotation naming this")
                .with_note("GKE applies a BackendConfig only to the Service ports whose `cloud.google.com/backend-config` annotation names it")
                .with_help(format!(
                    "reference it from the Service that needs it: `cloud.google.com/backend-config: '{{\"default\": \"{}\"}}'`",
                    config.name
                ))
                .with_identity(config.identity()),
            );
        }
    }
}
