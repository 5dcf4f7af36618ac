//! GKE105 backend-config-with-gateway: see `rules/GKE105.md`.

use crate::diagnostic::Diagnostic;
use crate::model::links::BACKEND_CONFIG_KEYS;
use crate::model::Workspace;
use crate::rules::support::diagnostic;
use crate::rules::Rule;

pub struct BackendConfigWithGateway;

impl Rule for BackendConfigWithGateway {
    fn id(&self) -> &'static str {
        "GKE105"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for service in ws.of_kind("Service") {
            let Some((key, entry)) = BACKEND_CONFIG_KEYS
                .iter()
                .find_map(|&k| service.annotation(k).map(|e| (k, e)))
            else {
                continue;
            };
            let Some(route) = ws
                .links
                .routes
                .iter()
                .find(|r| r.service == Some(service.id))
            else {
                continue;
            };
            if ws
                .links
                .backends
                .iter()
                .any(|b| b.service == Some(service.id))
            {
                continue;
            }
            let r = ws.resource(route.route);
            out.push(
                diagnostic(
                    self.id(),
                    service.location(entry.key.span),
                    format!(
                        "Service `{}` has a `{key}` annotation, but only Gateway API routes use it: Gateways ignore BackendConfig",
                        service.name
                    ),
                )
                .with_label("not read by GKE Gateway")
                .with_related(
                    r.location(route.service_name.span),
                    format!("HTTPRoute `{}` routes here", r.name),
                )
                .with_note("a GKE Gateway configures its backend services from GCPBackendPolicy and HealthCheckPolicy; the BackendConfig's timeout, affinity and health check do not apply")
                .with_help("move the settings to a GCPBackendPolicy (`timeoutSec`, `sessionAffinity`) and a HealthCheckPolicy targeting this Service")
                .with_identity(format!("{}/metadata/annotations/{key}", service.identity())),
            );
        }
    }
}
