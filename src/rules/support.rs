//! Shared reading of the model for rules: the joins several rules need, written once.

use crate::diagnostic::{Diagnostic, Level, Location};
use crate::model::k8s::{self, ServicePort};
use crate::model::links::BackendConfigRef;
use crate::model::nginx::Conf;
use crate::model::{DirId, Evidence, Resource, Workspace};
use crate::registry;
use crate::settings::NginxVersion;

/// A diagnostic at the rule's default level.
pub fn diagnostic(id: &'static str, location: Location, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(id, registry::meta_for(id).level, location, message)
}

/// Add up to three pieces of realtime evidence as related locations (evidence that is the
/// primary location itself says nothing new and is left out).
pub fn with_evidence(mut d: Diagnostic, evidence: &[Evidence]) -> Diagnostic {
    let primary = d.primary;
    for e in evidence
        .iter()
        .filter(|e| !(e.location.file == primary.file && primary.span.contains(e.location.span)))
        .take(3)
    {
        d = d.with_related(e.location, e.label.clone());
    }
    d
}

/// A BackendConfig attached to a realtime Service port.
pub struct Attachment<'a> {
    pub service: &'a Resource,
    pub port: ServicePort,
    pub reference: &'a BackendConfigRef,
    pub config: &'a Resource,
    pub evidence: &'a [Evidence],
}

/// Every (BackendConfig, realtime port) attachment, grouped by BackendConfig: the first
/// attachment of each config, plus whether any of its ports has Socket.IO evidence.
pub fn realtime_attachments(ws: &Workspace) -> Vec<Attachment<'_>> {
    let mut out: Vec<Attachment<'_>> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for service in ws.of_kind("Service") {
        for port in k8s::service_ports(service) {
            let Some(evidence) = ws.realtime.port(service.id, port.index) else {
                continue;
            };
            let Some(reference) = ws.links.backend_configs.get(&(service.id, port.index)) else {
                continue;
            };
            let Some(config) = reference.config.map(|c| ws.resource(c)) else {
                continue;
            };
            if !seen.insert(config.id) {
                continue;
            }
            out.push(Attachment {
                service,
                port,
                reference,
                config,
                evidence,
            });
        }
    }
    out
}

/// The related location "attached here" for an attachment.
pub fn attached_label(a: &Attachment<'_>) -> (Location, String) {
    (
        a.service.location(a.reference.annotation_value),
        format!(
            "attached to port `{}` of Service `{}` here ({})",
            a.port.label(),
            a.service.name,
            a.reference.via
        ),
    )
}

/// The `spec:` key of a resource, else its name: where "this spec lacks X" points.
pub fn spec_anchor(r: &Resource) -> Location {
    r.location(r.node.entry("spec").map_or(r.anchor(), |e| e.key.span))
}

/// The nginx version a config runs on: the image tag of a container that mounts it, else the
/// configured assumption.
pub fn nginx_version(ws: &Workspace, conf: &Conf) -> Option<(NginxVersion, Option<Location>)> {
    for mount in ws.links.mounts_of_conf(conf.id) {
        let workload = ws.resource(mount.workload);
        let Some(pod) = k8s::pod_spec(workload) else {
            continue;
        };
        let containers = k8s::containers(pod);
        let Some(image) = containers
            .get(mount.container)
            .and_then(|c| c.image.as_ref())
        else {
            continue;
        };
        let (repo, tag) = split_image(&image.value);
        if repo.rsplit('/').next().is_some_and(|n| n.contains("nginx")) {
            if let Some(v) = tag.and_then(NginxVersion::parse) {
                return Some((v, Some(workload.location(image.span))));
            }
        }
    }
    ws.settings.nginx_version.map(|v| (v, None))
}

/// `registry/repo:tag@digest` -> (repo, tag).
pub fn split_image(image: &str) -> (&str, Option<&str>) {
    let image = image.split('@').next().unwrap_or(image);
    match image.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo, Some(tag)),
        _ => (image, None),
    }
}

/// Whether this config runs in pods behind a GKE load balancer (a GKE Ingress backend
/// Service selects them), with the Service as evidence.
pub fn behind_google_lb<'a>(ws: &'a Workspace, conf: &Conf) -> Option<(&'a Resource, Location)> {
    for mount in ws.links.mounts_of_conf(conf.id) {
        for service in ws.links.services_of(mount.workload) {
            let service = ws.resource(*service);
            if let Some(b) = ws.links.gke_backends_of(ws, service.id).next() {
                let ingress = ws.resource(b.ingress);
                return Some((service, ingress.location(b.backend.service.span)));
            }
        }
    }
    None
}

/// Seconds of an nginx time value: `75`, `75s`, `1m`, `1h30m`, `500ms`.
pub fn nginx_seconds(text: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: f64 = number.parse().ok()?;
        number.clear();
        let unit = if c == 'm' && chars.peek() == Some(&'s') {
            chars.next();
            0.001
        } else {
            match c {
                's' => 1.0,
                'm' => 60.0,
                'h' => 3600.0,
                'd' => 86400.0,
                'w' => 604_800.0,
                'M' => 2_592_000.0,
                'y' => 31_536_000.0,
                _ => return None,
            }
        };
        total += n * unit;
        any = true;
    }
    if !number.is_empty() {
        total += number.parse::<f64>().ok()?;
        any = true;
    }
    any.then_some(total)
}

/// `location /path` header span (name through last argument): where location findings point.
pub fn location_header(conf: &Conf, loc: DirId) -> Location {
    let d = conf.dir(loc);
    Location::new(
        d.file,
        d.name_span
            .cover(d.args.last().map_or(d.name_span, |a| a.span)),
    )
}

/// Identity of an nginx directive for fingerprints: the config and the context path.
pub fn nginx_identity(ws: &Workspace, conf: &Conf, dir: DirId) -> String {
    let mut parts: Vec<String> = conf
        .ancestors(dir)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .chain(std::iter::once(dir))
        .map(|id| {
            let d = conf.dir(id);
            let args: Vec<&str> = d.args.iter().map(|a| a.value.as_str()).collect();
            if args.is_empty() {
                d.name.clone()
            } else {
                format!("{} {}", d.name, args.join(" "))
            }
        })
        .collect();
    let origin = match &conf.origin {
        crate::model::nginx::Origin::File(f) => ws.file(*f).path.display().to_string(),
        crate::model::nginx::Origin::ConfigMap { resource, key, .. } => {
            format!("{}/data/{key}", ws.resource(*resource).identity())
        }
    };
    parts.insert(0, origin);
    parts.join(" > ")
}

/// Level helper for rules whose level depends on the case.
pub fn at_level(mut d: Diagnostic, level: Level) -> Diagnostic {
    d.level = level;
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_values() {
        assert_eq!(nginx_seconds("75s"), Some(75.0));
        assert_eq!(nginx_seconds("620"), Some(620.0));
        assert_eq!(nginx_seconds("1h"), Some(3600.0));
        assert_eq!(nginx_seconds("1m30s"), Some(90.0));
        assert_eq!(nginx_seconds("500ms"), Some(0.5));
        assert_eq!(nginx_seconds("abc"), None);
    }

    #[test]
    fn images() {
        assert_eq!(split_image("nginx:1.27"), ("nginx", Some("1.27")));
        assert_eq!(
            split_image("localhost:5000/nginx"),
            ("localhost:5000/nginx", None)
        );
        assert_eq!(split_image("nginx@sha256:abc"), ("nginx", None));
    }
}
