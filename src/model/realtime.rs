//! Realtime inference (RULES.md "Realtime backends"): which Service ports and nginx locations
//! carry WebSocket or Socket.IO traffic, each with the evidence a finding shows as a related
//! location ("realtime because: Ingress path `/socket.io`").

use std::collections::BTreeMap;

use foldhash::{HashMap, HashSet};

use rayon::prelude::*;

use crate::diagnostic::Location;
use crate::source::Span;

use super::k8s::{self, PortRef, Spanned};
use super::nginx::{Conf, ConfId, DirId, Origin};
use super::{ResId, Resource, Workspace};

pub const ANNOTATION: &str = "lint-manifests.io/realtime";

/// Why something is realtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    pub location: Location,
    /// "Ingress path `/socket.io` routes here".
    pub label: String,
    /// Socket.IO / Engine.IO / SockJS in particular: long-polling, so sticky sessions matter.
    pub socketio: bool,
    /// Only because an nginx location proxies to a realtime Service (weaker than a path or an
    /// `Upgrade` header of the location itself).
    pub via_service: bool,
}

impl Evidence {
    /// An Ingress path whose segment (`socket.io`, `ws`, ...) says realtime routes here.
    pub fn ingress_path(ingress: &Resource, path: &Spanned<String>, segment: &str) -> Evidence {
        Evidence {
            location: ingress.location(path.span),
            label: format!(
                "realtime because: Ingress path `{}` routes here",
                path.value
            ),
            socketio: is_socketio_segment(segment),
            via_service: false,
        }
    }

    /// The Ingress's own realtime annotation, set to `true` (at its key).
    pub fn ingress_says_so(ingress: &Resource, key: Span) -> Evidence {
        Evidence {
            location: ingress.location(key),
            label: "realtime because: the Ingress says so".into(),
            socketio: false,
            via_service: false,
        }
    }
}

#[derive(Debug, Default)]
pub struct Realtime {
    /// Ordered, so that one Service's ports are a range (`service_ports`).
    ports: BTreeMap<(ResId, usize), Vec<Evidence>>,
    locations: HashMap<(ConfId, DirId), Vec<Evidence>>,
    /// Services and Ingresses that said `lint-manifests.io/realtime: "false"`.
    opted_out: HashSet<ResId>,
}

/// The realtime segment in a URL path or location pattern, if any: `/app/socket.io/` has
/// `socket.io`; regex locations are read with their escapes removed (`socket\.io`).
pub fn realtime_segment<'a>(path: &str, segments: &'a [String]) -> Option<&'a str> {
    let cleaned: String = path.chars().filter(|&c| c != '\\').collect();
    cleaned
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_'))
        .filter(|s| !s.is_empty())
        .find_map(|seg| {
            segments
                .iter()
                .find(|p| p.eq_ignore_ascii_case(seg))
                .map(String::as_str)
        })
}

pub fn is_socketio_segment(segment: &str) -> bool {
    matches!(segment, "socket.io" | "engine.io" | "sockjs")
}

impl Realtime {
    pub fn build(ws: &Workspace) -> Realtime {
        let segments = &ws.settings.realtime_segments;
        let mut rt = Realtime::default();
        let add = |rt: &mut Realtime, key: (ResId, usize), e: Evidence| {
            let list = rt.ports.entry(key).or_default();
            if !list.contains(&e) {
                list.push(e);
            }
        };
        // Steps 1, 3 and 4 read each resource on its own: in parallel, merged in order.
        rt.opted_out = ws
            .resources
            .par_iter()
            .filter(|r| r.is("Service") || r.is("Ingress") || r.is("HTTPRoute"))
            .filter(|r| {
                r.annotation_str(ANNOTATION)
                    .is_some_and(|s| s.eq_ignore_ascii_case("false"))
            })
            .map(|r| r.id)
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        // 1. Ingress and HTTPRoute paths.
        let opted_out = &rt.opted_out;
        let from_ingresses: Vec<Vec<((ResId, usize), Evidence)>> = ws
            .links
            .backends
            .par_iter()
            .map(|link| {
                let (Some(service), Some(port)) = (link.service, link.port) else {
                    return Vec::new();
                };
                let ingress = ws.resource(link.ingress);
                if opted_out.contains(&ingress.id) {
                    return Vec::new();
                }
                let mut found = Vec::new();
                if let Some(path) = &link.backend.path {
                    if let Some(seg) = realtime_segment(&path.value, segments) {
                        found.push(((service, port), Evidence::ingress_path(ingress, path, seg)));
                    }
                }
                if let Some(entry) = ingress.annotation(ANNOTATION).filter(|e| {
                    e.value
                        .as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case("true"))
                }) {
                    found.push((
                        (service, port),
                        Evidence::ingress_says_so(ingress, entry.key.span),
                    ));
                }
                found
            })
            .collect();
        for (key, e) in from_ingresses.into_iter().flatten() {
            add(&mut rt, key, e);
        }
        for link in &ws.links.routes {
            let (Some(service), Some(port)) = (link.service, link.port_index) else {
                continue;
            };
            let route = ws.resource(link.route);
            for path in &link.paths {
                if let Some(seg) = realtime_segment(&path.value, segments) {
                    add(
                        &mut rt,
                        (service, port),
                        Evidence {
                            location: route.location(path.span),
                            label: format!(
                                "realtime because: HTTPRoute path `{}` routes here",
                                path.value
                            ),
                            socketio: is_socketio_segment(seg),
                            via_service: false,
                        },
                    );
                }
            }
        }
        // 3. appProtocol, 4. explicit annotation.
        let services: Vec<&Resource> = ws.of_kind("Service").collect();
        let from_services: Vec<Vec<((ResId, usize), Evidence)>> = services
            .par_iter()
            .map(|service| {
                let mut found = Vec::new();
                let says_so = service.annotation(ANNOTATION).filter(|e| {
                    e.value
                        .as_str()
                        .is_some_and(|s| s.eq_ignore_ascii_case("true"))
                });
                for port in k8s::service_ports(service) {
                    if let Some(ap) = &port.app_protocol {
                        if matches!(ap.value.as_str(), "kubernetes.io/ws" | "kubernetes.io/wss") {
                            found.push((
                                (service.id, port.index),
                                Evidence {
                                    location: service.location(ap.span),
                                    label: format!("realtime because: `appProtocol: {}`", ap.value),
                                    socketio: false,
                                    via_service: false,
                                },
                            ));
                        }
                    }
                    if let Some(entry) = says_so {
                        found.push((
                            (service.id, port.index),
                            Evidence {
                                location: service.location(entry.key.span),
                                label: "realtime because: the Service says so".into(),
                                socketio: false,
                                via_service: false,
                            },
                        ));
                    }
                }
                found
            })
            .collect();
        for (key, e) in from_services.into_iter().flatten() {
            add(&mut rt, key, e);
        }
        // nginx locations (needs the Service evidence so far for `proxy_pass` to a Service).
        // One task per config (they only read `rt`), merged in config order.
        let found: Vec<Vec<(DirId, Vec<Evidence>)>> = ws
            .nginx
            .confs
            .par_iter()
            .map(|conf| {
                conf.locations()
                    .into_iter()
                    .map(|loc| (loc, location_evidence(ws, &rt, conf, loc)))
                    .filter(|(_, evidence)| !evidence.is_empty())
                    .collect()
            })
            .collect();
        for (conf, evidence) in ws.nginx.confs.iter().zip(found) {
            for (loc, evidence) in evidence {
                rt.locations.insert((conf.id, loc), evidence);
            }
        }
        // 2. A pod behind the Service runs nginx with a realtime location on the target port.
        // One task per Service (they only read `rt`), merged in Service order.
        let services: Vec<&Resource> = ws.of_kind("Service").collect();
        let found: Vec<Vec<((ResId, usize), Evidence)>> = services
            .par_iter()
            .map(|service| pod_nginx_evidence(ws, &rt, service))
            .collect();
        for (key, ev) in found.into_iter().flatten() {
            let list = rt.ports.entry(key).or_default();
            if !list.iter().any(|x| x.location == ev.location) {
                list.push(ev);
            }
        }
        let opted_out = &rt.opted_out;
        rt.ports
            .retain(|(s, _), v| !v.is_empty() && !opted_out.contains(s));
        rt
    }

    /// Evidence that a Service port is realtime; `None` when it is not.
    pub fn port(&self, service: ResId, port: usize) -> Option<&[Evidence]> {
        self.ports.get(&(service, port)).map(Vec::as_slice)
    }

    /// The realtime ports of a Service with their evidence, in port order.
    pub fn service_ports(&self, service: ResId) -> Vec<(usize, &[Evidence])> {
        self.ports
            .range((service, 0)..=(service, usize::MAX))
            .map(|((_, p), e)| (*p, e.as_slice()))
            .collect()
    }

    pub fn location(&self, conf: ConfId, location: DirId) -> Option<&[Evidence]> {
        self.locations.get(&(conf, location)).map(Vec::as_slice)
    }

    pub fn opted_out(&self, resource: ResId) -> bool {
        self.opted_out.contains(&resource)
    }
}

/// Why an nginx location is realtime: its path, its own `proxy_set_header Upgrade`, or a
/// Evidence that ports of `service` are realtime because a pod behind it runs nginx with a
/// realtime location on the port's target port (step 2 of [`Realtime::build`]).
fn pod_nginx_evidence(
    ws: &Workspace,
    rt: &Realtime,
    service: &Resource,
) -> Vec<((ResId, usize), Evidence)> {
    let mut out = Vec::new();
    let ports = k8s::service_ports(service);
    for &w in ws.links.workloads_of(service.id) {
        let workload = ws.resource(w);
        if k8s::pod_spec(workload).is_none() {
            continue;
        }
        let containers = k8s::containers(workload);
        for mount in ws.links.mounts_of(w) {
            let conf = ws.nginx.conf(mount.conf);
            let container = &containers[mount.container];
            for port in ports {
                let target = port.effective_target().and_then(|t| match t {
                    PortRef::Number(n) => Some(n),
                    PortRef::Name(name) => container
                        .ports
                        .iter()
                        .find(|p| p.name.as_deref() == Some(&name))
                        .map(|p| p.number),
                });
                // Locations of the servers on the target port; all of them when the config
                // does not say which port it listens on.
                let servers = target.map(|t| conf.servers_on_port(t)).unwrap_or_default();
                for loc in conf.locations() {
                    let under_server =
                        servers.is_empty() || conf.ancestors(loc).any(|a| servers.contains(&a));
                    if !under_server {
                        continue;
                    }
                    let evidence = rt
                        .locations
                        .get(&(conf.id, loc))
                        .map_or(&[][..], Vec::as_slice);
                    for e in evidence.iter().filter(|e| !e.via_service) {
                        let d = conf.dir(loc);
                        let path = d.location_match().map_or("", |(_, p)| p);
                        out.push((
                            (service.id, port.index),
                            Evidence {
                                location: Location::new(
                                    d.file,
                                    d.name_span
                                        .cover(d.args.last().map_or(d.name_span, |a| a.span)),
                                ),
                                label: format!(
                                    "realtime because: the pod's nginx location `{path}` {}",
                                    if e.socketio {
                                        "serves Socket.IO"
                                    } else {
                                        "proxies WebSockets"
                                    }
                                ),
                                socketio: e.socketio,
                                via_service: false,
                            },
                        ));
                    }
                }
            }
        }
    }
    out
}

/// `proxy_pass` to a realtime Service.
fn location_evidence(ws: &Workspace, rt: &Realtime, conf: &Conf, loc: DirId) -> Vec<Evidence> {
    let mut out = Vec::new();
    let d = conf.dir(loc);
    let header = Location::new(
        d.file,
        d.name_span
            .cover(d.args.last().map_or(d.name_span, |a| a.span)),
    );
    if let Some((_, path)) = d.location_match() {
        if let Some(seg) = realtime_segment(path, &ws.settings.realtime_segments) {
            out.push(Evidence {
                location: header,
                label: format!("realtime because: location path `{path}`"),
                socketio: is_socketio_segment(seg),
                via_service: false,
            });
        }
    }
    for &c in conf.children(Some(loc)) {
        let child = conf.dir(c);
        if child.name == "proxy_set_header"
            && child
                .arg(0)
                .is_some_and(|h| h.eq_ignore_ascii_case("upgrade"))
        {
            out.push(Evidence {
                location: child.location(),
                label: "realtime because: this location forwards the `Upgrade` header".into(),
                socketio: false,
                via_service: false,
            });
        }
    }
    // nginx inside a ConfigMap runs in pods of the ConfigMap's namespace, where cluster DNS
    // resolves a bare host; an nginx file could run anywhere.
    let config_map = match &conf.origin {
        Origin::ConfigMap { resource, .. } => Some(ws.resource(*resource)),
        Origin::File(_) => None,
    };
    if let Some(pass) = conf.child_named(Some(loc), "proxy_pass").first() {
        let target = conf.dir(*pass);
        for (host, port) in proxy_hosts(conf, target.arg(0).unwrap_or("")) {
            let Some((name, namespace)) = service_from_host(&host) else {
                continue;
            };
            for service in ws.named("Service", name) {
                let reachable = match (namespace, config_map) {
                    (Some(ns), _) => ns == service.namespace,
                    (None, Some(config_map)) => config_map.same_namespace(service),
                    (None, None) => true,
                };
                // `lint-manifests.io/realtime: "false"` on the Service: not realtime through
                // nginx either (its port evidence is only dropped once inference is done).
                if !reachable || rt.opted_out.contains(&service.id) {
                    continue;
                }
                for sp in k8s::service_ports(service) {
                    if port.is_some_and(|p| sp.port.as_ref().is_none_or(|x| x.value != p)) {
                        continue;
                    }
                    if let Some(ev) = rt.port(service.id, sp.index) {
                        out.push(Evidence {
                            location: target.location(),
                            label: format!(
                                "realtime because: proxies to Service `{}`, which is realtime",
                                service.name
                            ),
                            socketio: ev.iter().any(|e| e.socketio),
                            via_service: true,
                        });
                    }
                }
            }
        }
    }
    out
}

/// The hosts a `proxy_pass` URL reaches: the host itself, or the servers of the `upstream`
/// block it names.
pub fn proxy_hosts(conf: &Conf, url: &str) -> Vec<(String, Option<i64>)> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or("");
    let (host, port) = split_host_port(authority);
    for upstream in conf.all("upstream") {
        if conf.dir(upstream).arg(0) == Some(host.as_str()) {
            return conf
                .child_named(Some(upstream), "server")
                .into_iter()
                .filter_map(|s| conf.dir(s).arg(0).map(split_host_port))
                .collect();
        }
    }
    vec![(host, port)]
}

fn split_host_port(authority: &str) -> (String, Option<i64>) {
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
            (h.to_string(), p.parse().ok())
        }
        _ => (authority.to_string(), None),
    }
}

/// `name`, `name.ns`, `name.ns.svc`, `name.ns.svc.cluster.local` -> (name, namespace).
pub fn service_from_host(host: &str) -> Option<(&str, Option<&str>)> {
    if host.is_empty()
        || host.starts_with('$')
        || host.parse::<std::net::IpAddr>().is_ok()
        || host == "localhost"
    {
        return None;
    }
    let parts: Vec<&str> = host.split('.').collect();
    match parts.as_slice() {
        [name] => Some((name, None)),
        [name, ns] => Some((name, Some(ns))),
        [name, ns, "svc", ..] => Some((name, Some(ns))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments() {
        let s = crate::settings::Settings::default().realtime_segments;
        assert_eq!(realtime_segment("/theia/socket.io/", &s), Some("socket.io"));
        assert_eq!(realtime_segment("~ ^/socket\\.io/", &s), Some("socket.io"));
        assert_eq!(realtime_segment("/ws", &s), Some("ws"));
        assert_eq!(realtime_segment("/news", &s), None);
        assert_eq!(realtime_segment("/theia/", &s), None);
    }

    #[test]
    fn hosts() {
        assert_eq!(
            service_from_host("api.prod.svc.cluster.local"),
            Some(("api", Some("prod")))
        );
        assert_eq!(service_from_host("127.0.0.1"), None);
        assert_eq!(service_from_host("backend"), Some(("backend", None)));
    }
}
