//! Shared reading of the model for rules: the joins several rules need, written once.

use crate::diagnostic::{Diagnostic, Level, Location};
use crate::model::k8s::{self, ServicePort};
use crate::model::links::BackendConfigRef;
use crate::model::nginx::Conf;
use crate::model::{DirId, Evidence, Resource, Workspace};
use crate::parse::yaml::Node;
use crate::registry;
use crate::settings::NginxVersion;
use crate::source::{to_u32, Span};

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
    pub port: &'a ServicePort,
    pub reference: &'a BackendConfigRef,
    pub config: &'a Resource,
    pub evidence: &'a [Evidence],
}

/// Every (realtime Service port, attached BackendConfig) pair, in resource and port order.
pub fn every_realtime_attachment(ws: &Workspace) -> Vec<Attachment<'_>> {
    let mut out = Vec::new();
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

/// The first realtime attachment of each BackendConfig: rules about a BackendConfig's own
/// settings report it once, whatever the number of ports using it.
pub fn realtime_attachments(ws: &Workspace) -> Vec<Attachment<'_>> {
    let mut seen = foldhash::HashSet::default();
    every_realtime_attachment(ws)
        .into_iter()
        .filter(|a| seen.insert(a.config.id))
        .collect()
}

/// Every attached BackendConfig (referenced by a Service port that resolves to it), once, with
/// one attachment: a realtime port's when it has one (then `evidence` is not empty).
pub fn attachments(ws: &Workspace) -> Vec<Attachment<'_>> {
    let mut out: Vec<Attachment<'_>> = Vec::new();
    let mut slot_of_config = foldhash::HashMap::default();
    for service in ws.of_kind("Service") {
        for port in k8s::service_ports(service) {
            let Some(reference) = ws.links.backend_configs.get(&(service.id, port.index)) else {
                continue;
            };
            let Some(config) = reference.config.map(|c| ws.resource(c)) else {
                continue;
            };
            let evidence = ws.realtime.port(service.id, port.index).unwrap_or(&[]);
            let attachment = Attachment {
                service,
                port,
                reference,
                config,
                evidence,
            };
            match slot_of_config.entry(config.id) {
                std::collections::hash_map::Entry::Occupied(slot) => {
                    let kept: &mut Attachment<'_> = &mut out[*slot.get()];
                    if kept.evidence.is_empty() && !evidence.is_empty() {
                        *kept = attachment;
                    }
                }
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(out.len());
                    out.push(attachment);
                }
            }
        }
    }
    out
}

/// Every (Service, port) a BackendConfig is attached to, in Service and port order.
pub fn users_of<'a>(ws: &'a Workspace, config: &Resource) -> Vec<(&'a Resource, &'a ServicePort)> {
    let mut out = Vec::new();
    for &s in ws
        .links
        .backend_config_users
        .get(&config.id)
        .map_or(&[][..], Vec::as_slice)
    {
        let service = ws.resource(s);
        for port in k8s::service_ports(service) {
            if ws
                .links
                .backend_configs
                .get(&(s, port.index))
                .is_some_and(|r| r.config == Some(config.id))
            {
                out.push((service, port));
            }
        }
    }
    out
}

/// The span of the JSON string `"text"` inside a YAML scalar holding JSON (an annotation
/// value), when it occurs there exactly once; else the whole value.
pub fn json_string_span(ws: &Workspace, r: &Resource, value: Node<'_>, text: &str) -> Span {
    let raw = ws.file(r.file).slice(value.span);
    let needle = format!("\"{text}\"");
    let mut found = raw.match_indices(&needle);
    match (found.next(), found.next()) {
        (Some((at, _)), None) => {
            let start = value.span.start + to_u32(at);
            Span::new(start, start + to_u32(needle.len()))
        }
        _ => value.span,
    }
}

pub(crate) use crate::names::levenshtein;

/// The candidate closest to `text` by edit distance, when close enough to be a typo.
pub(crate) fn nearest<'a>(
    text: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let text_chars = text.chars().count();
    candidates
        .into_iter()
        .filter_map(|k| {
            let k_chars = k.chars().count();
            let allowed = (k_chars / 5).max(2);
            // The distance is at least the difference in length: most candidates stop here.
            if text_chars.abs_diff(k_chars) > allowed {
                return None;
            }
            let d = levenshtein(text, k);
            (d > 0 && d <= allowed).then_some((d, k))
        })
        .min()
        .map(|(_, k)| k)
}

/// A BackendConfig in the Service's namespace whose name is a near miss of `name` (a typo in
/// a reference that resolves to nothing).
pub fn near_backend_config<'a>(
    ws: &'a Workspace,
    service: &Resource,
    name: &str,
) -> Option<&'a Resource> {
    let configs = ws.of_kind_in_namespace_of("BackendConfig", service);
    let near = nearest(name, configs.iter().map(|c| c.name.as_str()))?;
    configs.into_iter().find(|c| c.name == near)
}

/// Whether a Service's pods reach the load balancer through NEG: the annotation says
/// `"ingress": true`, or the configuration assumes NEG by default (F-13, F-19).
pub fn uses_neg(ws: &Workspace, service: &Resource) -> bool {
    crate::rules::gke::neg_annotation(service).unwrap_or(ws.settings.neg_by_default)
}

/// Annotation prefixes of other Ingress controllers: a classless Ingress carrying them was
/// written for that controller, not for GKE.
const FOREIGN_INGRESS_PREFIXES: &[&str] = &[
    "nginx.ingress.kubernetes.io/",
    "nginx.org/",
    "traefik.ingress.kubernetes.io/",
    "projectcontour.io/",
    "contour.heptio.com/",
    "alb.ingress.kubernetes.io/",
    "appgw.ingress.kubernetes.io/",
    "haproxy.org/",
    "haproxy.router.openshift.io/",
    "konghq.com/",
    "getambassador.io/",
    "zalando.org/",
];

/// Whether an Ingress is a GKE Ingress with some evidence beyond "no class at all": a GKE class
/// annotation, or no class, no other controller's annotations, and a GKE signal (a GKE
/// annotation on it or a backend Service, or GKE resources in the same file). Rules whose only
/// premise is "this is a GKE backend" use it, so that manifests written for other controllers'
/// default class stay quiet.
pub fn likely_gke(ws: &Workspace, ingress: &Resource) -> bool {
    let class = k8s::ingress_class(ingress);
    if let Some(a) = &class.annotation {
        return k8s::GKE_CLASSES.contains(&a.value.as_str());
    }
    if class.class_name.is_some() {
        return false;
    }
    let keys: Vec<&str> = ingress
        .annotations()
        .filter_map(|e| e.key.as_str())
        .collect();
    if keys
        .iter()
        .any(|k| FOREIGN_INGRESS_PREFIXES.iter().any(|p| k.starts_with(p)))
    {
        return false;
    }
    let gke_key = |k: &str| {
        k.starts_with("kubernetes.io/ingress.")
            || k.starts_with("networking.gke.io/")
            || k.starts_with("ingress.gcp.kubernetes.io/")
            || k.starts_with("cloud.google.com/")
    };
    keys.iter().any(|k| gke_key(k))
        // GKE resources written next to it (same file): a strong sign; anywhere in the linted
        // set is not (a monorepo or a corpus mixes controllers).
        || ["BackendConfig", "FrontendConfig", "ManagedCertificate"]
            .iter()
            .any(|kind| ws.of_kind(kind).any(|r| r.file == ingress.file))
        || ws
            .links
            .backends
            .iter()
            .filter(|b| b.ingress == ingress.id)
            .filter_map(|b| b.service.map(|s| ws.resource(s)))
            .any(|s| {
                s.annotations()
                    .filter_map(|e| e.key.as_str())
                    .any(gke_key)
            })
}

/// Backends of likely GKE Ingresses (see [`likely_gke`]) that resolve to this Service.
pub fn likely_gke_backends_of<'a>(
    ws: &'a Workspace,
    service: &'a Resource,
) -> impl Iterator<Item = &'a crate::model::links::BackendLink> + 'a {
    ws.links
        .gke_backends_of(ws, service.id)
        .filter(move |b| likely_gke(ws, ws.resource(b.ingress)))
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
    r.location(r.node().entry("spec").map_or(r.anchor(), |e| e.key.span))
}

/// The nginx version a config runs on: the image tag of a container that mounts it, else the
/// configured assumption.
pub fn nginx_version(ws: &Workspace, conf: &Conf) -> Option<(NginxVersion, Option<Location>)> {
    for mount in ws.links.mounts_of_conf(conf.id) {
        let workload = ws.resource(mount.workload);
        if k8s::pod_spec(workload).is_none() {
            continue;
        }
        let containers = k8s::containers(workload);
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
                d.name.to_string()
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

/// The candidate that `name` is plausibly a typo of: one edit away (two for long names), not
/// merely a different number (`backend-1` / `backend-2` are distinct on purpose), or the same
/// name with a `-svc`/`-service` suffix added or dropped (`chat` / `chat-svc`).
pub fn near_name<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    const SUFFIXES: [&str; 4] = ["-svc", "-service", "svc", "service"];
    fn stem(s: &str) -> &str {
        SUFFIXES
            .iter()
            .find_map(|x| s.strip_suffix(x).filter(|r| r.len() >= 3))
            .unwrap_or(s)
    }
    let digits_only = |a: &str, b: &str| {
        let strip = |s: &str| {
            s.chars()
                .filter(|c| !c.is_ascii_digit())
                .collect::<String>()
        };
        strip(a) == strip(b)
    };
    candidates
        .into_iter()
        .filter(|c| *c != name && !c.is_empty())
        .filter_map(|c| {
            let allowed = match name.len().min(c.len()) {
                0..=4 => 0,
                5..=9 => 1,
                _ => 2,
            };
            let suffix = stem(name) == stem(c) && (stem(name) != name || stem(c) != c);
            // The edit distance is at least the length difference: skip the work when even
            // that is too far.
            if !suffix && name.len().abs_diff(c.len()) > allowed {
                return None;
            }
            let distance = levenshtein(name, c);
            let typo = distance <= allowed && !digits_only(name, c);
            (typo || suffix).then_some((distance, c))
        })
        .min()
        .map(|(_, c)| c)
}

/// Where a workload's pod count comes from, as a related location: the HPA's `maxReplicas`
/// when one scales it, else its `replicas` (or the workload itself).
pub fn replicas_evidence(ws: &Workspace, workload: &Resource, replicas: i64) -> (Location, String) {
    if ws.links.hpa_max.contains_key(&workload.id) {
        let hpa = ws
            .of_kind_in_namespace_of("HorizontalPodAutoscaler", workload)
            .into_iter()
            .find(|h| {
                h.node()
                    .at(&["spec", "scaleTargetRef", "name"])
                    .and_then(crate::parse::yaml::Node::as_str)
                    == Some(workload.name.as_str())
            });
        if let Some(h) = hpa {
            let at = h
                .node()
                .at(&["spec", "maxReplicas"])
                .map_or(h.anchor(), |n| n.span);
            return (
                h.location(at),
                format!(
                    "HorizontalPodAutoscaler `{}` scales {} `{}` up to {replicas} pods",
                    h.name, workload.kind, workload.name
                ),
            );
        }
    }
    let at = k8s::declared_replicas(workload).map_or(workload.anchor(), |r| r.span);
    (
        workload.location(at),
        format!(
            "{} `{}` runs up to {replicas} pods",
            workload.kind, workload.name
        ),
    )
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
    fn near_names() {
        assert_eq!(levenshtein("chat-backendconfig", "chat-backend-config"), 1);
        assert_eq!(
            nearest("chat-backendconfig", ["chat-backend-config", "api-config"]),
            Some("chat-backend-config")
        );
        assert_eq!(nearest("chat", ["chat"]), None);
        assert_eq!(nearest("frontend", ["chat-backend-config"]), None);
        assert_eq!(near_name("chat-svc", ["chat", "billing"]), Some("chat"));
        assert_eq!(near_name("chta", ["chat"]), None);
        assert_eq!(near_name("billing-api", ["biling-api"]), Some("biling-api"));
        // Numbered siblings are distinct on purpose.
        assert_eq!(near_name("backend-1", ["backend-2"]), None);
        assert_eq!(near_name("web-service", ["websocket-service"]), None);
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
