//! Links between resources, resolved once when the workspace is built. Lookups go through
//! indexes (name, selector label) so that linking stays linear in the number of resources.

use foldhash::{HashMap, HashMapExt};

use rayon::prelude::*;

use crate::parse::yaml::{Entry, Node};
use crate::source::Span;

use super::k8s::{self, IngressBackend, PortRef, Spanned};
use super::nginx::ConfId;
use super::{ResId, Resource, Workspace};

/// An Ingress backend and what it resolves to.
#[derive(Clone, Debug)]
pub struct BackendLink {
    pub ingress: ResId,
    pub backend: IngressBackend,
    pub service: Option<ResId>,
    /// Index into the Service's `spec.ports`.
    pub port: Option<usize>,
}

/// An HTTPRoute backendRef and what it resolves to.
#[derive(Clone, Debug)]
pub struct RouteLink {
    pub route: ResId,
    /// `matches[].path.value` of the rule, if any.
    pub paths: Vec<Spanned<String>>,
    pub service_name: Spanned<String>,
    pub port: Option<i64>,
    pub service: Option<ResId>,
    pub port_index: Option<usize>,
    /// The Gateway's class when the parent Gateway is in the linted set.
    pub gateway_class: Option<String>,
}

/// Which BackendConfig a Service port uses (F-14/F-15).
#[derive(Clone, Debug)]
pub struct BackendConfigRef {
    /// The annotation entry (key span, value span) it came from.
    pub annotation_key: Span,
    pub annotation_value: Span,
    pub annotation_name: &'static str,
    /// `ports[http]`, `ports[80]` or `default`.
    pub via: String,
    pub name: String,
    pub config: Option<ResId>,
}

/// A parsed backend-config annotation.
#[derive(Clone, Debug, Default)]
pub struct BackendConfigAnnotation {
    pub default: Option<String>,
    pub ports: Vec<(String, String)>,
}

impl BackendConfigAnnotation {
    pub fn parse(text: &str) -> Result<BackendConfigAnnotation, String> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        let obj = value.as_object().ok_or("expected a JSON object")?;
        let mut out = BackendConfigAnnotation::default();
        if let Some(d) = obj.get("default") {
            out.default = Some(d.as_str().ok_or("`default` must be a string")?.to_string());
        }
        if let Some(p) = obj.get("ports") {
            let ports = p.as_object().ok_or("`ports` must be an object")?;
            for (k, v) in ports {
                out.ports.push((
                    k.clone(),
                    v.as_str()
                        .ok_or("`ports` values must be strings")?
                        .to_string(),
                ));
            }
        }
        Ok(out)
    }
}

/// An nginx config mounted into a workload's container.
#[derive(Clone, Debug)]
pub struct NginxMount {
    pub workload: ResId,
    pub container: usize,
    pub conf: ConfId,
    pub mount_path: String,
    pub mount_span: Span,
    /// Mounted as the main nginx.conf (else a conf.d-style fragment inside `http`).
    pub main: bool,
}

#[derive(Debug, Default)]
pub struct Links {
    pub backends: Vec<BackendLink>,
    pub routes: Vec<RouteLink>,
    /// Service -> the workloads its selector matches.
    pub service_workloads: HashMap<ResId, Vec<ResId>>,
    /// (Service, port index) -> its BackendConfig reference.
    pub backend_configs: HashMap<(ResId, usize), BackendConfigRef>,
    /// BackendConfig -> Services referencing it (any port).
    pub backend_config_users: HashMap<ResId, Vec<ResId>>,
    pub nginx_mounts: Vec<NginxMount>,
    /// HorizontalPodAutoscaler maxReplicas per workload.
    pub hpa_max: HashMap<ResId, i64>,
    /// Indexes over the lists above, so that per-resource lookups stay O(1) (no quadratic
    /// scans on large repositories): workload -> indexes into `nginx_mounts`,
    mounts_by_workload: HashMap<ResId, Vec<usize>>,
    /// conf -> indexes into `nginx_mounts`,
    mounts_by_conf: HashMap<ConfId, Vec<usize>>,
    /// Service -> indexes into `backends`,
    backends_by_service: HashMap<ResId, Vec<usize>>,
    /// workload -> the Services selecting it, in resource order.
    workload_services: HashMap<ResId, Vec<ResId>>,
}

pub const BACKEND_CONFIG_KEYS: [&str; 2] = [
    "cloud.google.com/backend-config",
    "beta.cloud.google.com/backend-config",
];

impl Links {
    pub fn build(ws: &Workspace) -> Links {
        let mut links = Links::default();
        let ingresses: Vec<&Resource> = ws.of_kind("Ingress").collect();
        let services: Vec<&Resource> = ws.of_kind("Service").collect();
        // Backends (one task per Ingress), routes, selected workloads, backend-config
        // references (one task per Service) and nginx mounts only read the workspace: built side
        // by side, so that the serial parts of one overlap the others. Each is merged in
        // resource order.
        let per_service_refs = || -> Vec<Vec<(usize, BackendConfigRef)>> {
            services
                .par_iter()
                .map(|service| {
                    k8s::service_ports(service)
                        .iter()
                        .filter_map(|port| {
                            Some((port.index, backend_config_for(ws, service, port)?))
                        })
                        .collect()
                })
                .collect()
        };
        let ((backends, routes), (selected, (refs, mounts))) = rayon::join(
            || {
                rayon::join(
                    || {
                        ingresses
                            .par_iter()
                            .flat_map_iter(|ingress| ingress_backend_links(ws, ingress))
                            .collect()
                    },
                    || route_links(ws),
                )
            },
            || {
                rayon::join(
                    || service_workloads(ws),
                    || rayon::join(per_service_refs, || nginx_mounts(ws)),
                )
            },
        );
        links.backends = backends;
        links.routes = routes;
        links.service_workloads = selected;
        links.nginx_mounts = mounts;
        for (service, refs) in services.iter().zip(refs) {
            for (port_index, r) in refs {
                if let Some(c) = r.config {
                    let users = links.backend_config_users.entry(c).or_default();
                    if !users.contains(&service.id) {
                        users.push(service.id);
                    }
                }
                links.backend_configs.insert((service.id, port_index), r);
            }
            // A reference that matches no port still uses the BackendConfig for GKE027's sake
            // only if some port resolves; otherwise GKE007/GKE008 speak.
        }
        links.index();
        for hpa in ws.of_kind("HorizontalPodAutoscaler") {
            let Some(spec) = hpa.spec() else { continue };
            let (Some(kind), Some(name)) = (
                spec.at(&["scaleTargetRef", "kind"]).and_then(Node::as_str),
                spec.at(&["scaleTargetRef", "name"]).and_then(Node::as_str),
            ) else {
                continue;
            };
            if let (Some(target), Some(max)) = (
                ws.find(kind, name, hpa),
                spec.get("maxReplicas").and_then(Node::as_i64),
            ) {
                links.hpa_max.insert(target.id, max);
            }
        }
        links
    }

    /// Build the lookup indexes (after `backends`, `service_workloads` and `nginx_mounts`).
    fn index(&mut self) {
        self.mounts_by_workload.clear();
        self.mounts_by_conf.clear();
        self.backends_by_service.clear();
        self.workload_services.clear();
        for (i, m) in self.nginx_mounts.iter().enumerate() {
            self.mounts_by_workload
                .entry(m.workload)
                .or_default()
                .push(i);
            self.mounts_by_conf.entry(m.conf).or_default().push(i);
        }
        for (i, b) in self.backends.iter().enumerate() {
            if let Some(s) = b.service {
                self.backends_by_service.entry(s).or_default().push(i);
            }
        }
        for (&service, workloads) in &self.service_workloads {
            for &w in workloads {
                self.workload_services.entry(w).or_default().push(service);
            }
        }
        for services in self.workload_services.values_mut() {
            services.sort_unstable();
            services.dedup();
        }
    }

    /// Backends (of any Ingress) that resolve to this Service, in Ingress order.
    pub fn backends_of(&self, service: ResId) -> impl Iterator<Item = &BackendLink> + '_ {
        self.backends_by_service
            .get(&service)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| &self.backends[i])
    }

    /// Backends of GKE Ingresses that resolve to this Service.
    pub fn gke_backends_of<'a>(
        &'a self,
        ws: &'a Workspace,
        service: ResId,
    ) -> impl Iterator<Item = &'a BackendLink> + 'a {
        self.backends_of(service)
            .filter(move |b| k8s::is_gke_ingress(ws.resource(b.ingress)))
    }

    /// The Services whose selector matches this workload, in resource order.
    pub fn services_of(&self, workload: ResId) -> &[ResId] {
        self.workload_services
            .get(&workload)
            .map_or(&[], Vec::as_slice)
    }

    /// Where this nginx config is mounted.
    pub fn mounts_of_conf(&self, conf: ConfId) -> impl Iterator<Item = &NginxMount> + '_ {
        self.mounts_by_conf
            .get(&conf)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| &self.nginx_mounts[i])
    }

    pub fn workloads_of(&self, service: ResId) -> &[ResId] {
        self.service_workloads
            .get(&service)
            .map_or(&[], Vec::as_slice)
    }

    pub fn mounts_of(&self, workload: ResId) -> impl Iterator<Item = &NginxMount> + '_ {
        self.mounts_by_workload
            .get(&workload)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .map(|&i| &self.nginx_mounts[i])
    }

    /// The most pods that may serve this Service at once, with where that number comes from.
    pub fn max_replicas(&self, ws: &Workspace, service: ResId) -> Option<(i64, ResId)> {
        self.workloads_of(service)
            .iter()
            .map(|&w| {
                let r = ws.resource(w);
                let n = self
                    .hpa_max
                    .get(&w)
                    .copied()
                    .unwrap_or_else(|| match r.kind.as_str() {
                        "Pod" => 1,
                        "DaemonSet" => 2,
                        _ => k8s::declared_replicas(r).map_or(1, |s| s.value),
                    });
                (n, w)
            })
            .max_by_key(|&(n, _)| n)
    }
}

/// The BackendConfig reference for one port: GA annotation over `beta.`, then by port name,
/// port number, `default` (F-14/F-15).
/// The backend-config annotation GKE reads on a resource (GA key over `beta.`, F-14): its key,
/// its entry, and its parsed value when the JSON is valid.
pub fn backend_config_annotation(
    r: &Resource,
) -> Option<(&'static str, Entry<'_>, Option<BackendConfigAnnotation>)> {
    let (key, entry) = BACKEND_CONFIG_KEYS
        .iter()
        .find_map(|&k| r.annotation(k).map(|e| (k, e)))?;
    let parsed = entry
        .value
        .as_str()
        .and_then(|t| BackendConfigAnnotation::parse(t).ok());
    Some((key, entry, parsed))
}

pub fn backend_config_for(
    ws: &Workspace,
    service: &Resource,
    port: &k8s::ServicePort,
) -> Option<BackendConfigRef> {
    let (annotation_name, entry, parsed) = backend_config_annotation(service)?;
    let parsed = parsed?;
    let by_name = port
        .name
        .as_ref()
        .and_then(|n| parsed.ports.iter().find(|(k, _)| k == &n.value))
        .map(|(k, v)| (format!("ports[{k}]"), v.clone()));
    let by_number = || {
        let number = port.port.as_ref()?.value.to_string();
        parsed
            .ports
            .iter()
            .find(|(k, _)| *k == number)
            .map(|(k, v)| (format!("ports[{k}]"), v.clone()))
    };
    let (via, name) = by_name
        .or_else(by_number)
        .or_else(|| parsed.default.clone().map(|d| ("default".to_string(), d)))?;
    let config = ws.find("BackendConfig", &name, service).map(|c| c.id);
    Some(BackendConfigRef {
        annotation_key: entry.key.span,
        annotation_value: entry.value.span,
        annotation_name,
        via,
        name,
        config,
    })
}

/// Selector -> workloads, through an index on the first selector label.
fn service_workloads(ws: &Workspace) -> HashMap<ResId, Vec<ResId>> {
    let workloads: Vec<&Resource> = k8s::WORKLOAD_KINDS
        .iter()
        .flat_map(|kind| ws.of_kind(kind))
        .collect();
    let labels: Vec<Vec<(&str, &str)>> = workloads.par_iter().map(|w| k8s::pod_labels(w)).collect();
    let mut by_label: HashMap<(&str, &str), Vec<&Resource>> = HashMap::new();
    for (w, labels) in workloads.iter().zip(labels) {
        for pair in labels {
            by_label.entry(pair).or_default().push(w);
        }
    }
    let services: Vec<&Resource> = ws.of_kind("Service").collect();
    services
        .par_iter()
        .filter_map(|service| {
            let selector = k8s::service_selector(service);
            selector.first()?;
            // Candidates from the selector's rarest label (`tier: web` may be on every pod of
            // a monorepo, `app: x` on a few); a label no pod has selects nothing.
            let candidates = selector
                .iter()
                .map(|pair| by_label.get(pair).map_or(&[][..], Vec::as_slice))
                .min_by_key(|pods| pods.len())
                .unwrap_or_default();
            let selected: Vec<ResId> = candidates
                .iter()
                .filter(|w| {
                    w.same_namespace(service) && k8s::selects(&selector, &k8s::pod_labels(w))
                })
                .map(|w| w.id)
                .collect();
            Some((service.id, selected))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .collect()
}

/// ConfigMap keys mounted into containers that hold nginx configs.
fn ingress_backend_links(ws: &Workspace, ingress: &Resource) -> Vec<BackendLink> {
    k8s::ingress_backends(ingress)
        .into_iter()
        .map(|backend| {
            let service = ws.find("Service", &backend.service.value, ingress);
            let port = service.and_then(|s| {
                let reference = backend.port.as_ref()?;
                k8s::service_ports(s)
                    .iter()
                    .find(|p| p.matches(&reference.value))
                    .map(|p| p.index)
            });
            BackendLink {
                ingress: ingress.id,
                backend,
                service: service.map(|s| s.id),
                port,
            }
        })
        .collect()
}

/// One task per workload, merged in workload order.
fn nginx_mounts(ws: &Workspace) -> Vec<NginxMount> {
    if ws.nginx.by_config_map.is_empty() {
        return Vec::new();
    }
    let workloads: Vec<&Resource> = k8s::WORKLOAD_KINDS
        .iter()
        .flat_map(|kind| ws.of_kind(kind))
        .collect();
    workloads
        .par_iter()
        .flat_map_iter(|w| workload_nginx_mounts(ws, w))
        .collect()
}

fn workload_nginx_mounts(ws: &Workspace, w: &Resource) -> Vec<NginxMount> {
    let mut out = Vec::new();
    let Some(pod) = k8s::pod_spec(w) else {
        return out;
    };
    let volumes = k8s::config_map_volumes(pod);
    for (ci, container) in k8s::containers(w).iter().enumerate() {
        for mount in container.mounts {
            let Some(volume) = volumes.iter().find(|v| v.volume == mount.volume) else {
                continue;
            };
            let Some(cm) = ws.find("ConfigMap", &volume.config_map, w) else {
                continue;
            };
            // (key, file name inside the mount)
            let files: Vec<(String, String)> = if volume.items.is_empty() {
                cm.node()
                    .get("data")
                    .into_iter()
                    .flat_map(Node::entries)
                    .filter_map(|e| e.key.as_str())
                    .map(|k| (k.to_string(), k.to_string()))
                    .collect()
            } else {
                volume.items.clone()
            };
            for (key, file_name) in files {
                if let Some(sub) = &mount.sub_path {
                    if sub != &file_name {
                        continue;
                    }
                }
                let Some(&conf) = ws.nginx.by_config_map.get(&(cm.id, key.clone())) else {
                    continue;
                };
                let full_path = match &mount.sub_path {
                    Some(_) => mount.mount_path.clone(),
                    None => {
                        format!("{}/{}", mount.mount_path.trim_end_matches('/'), file_name)
                    }
                };
                let main = full_path.ends_with("/nginx.conf") || !ws.nginx.conf(conf).is_fragment();
                out.push(NginxMount {
                    workload: w.id,
                    container: ci,
                    conf,
                    mount_path: full_path,
                    mount_span: mount.span,
                    main,
                });
            }
        }
    }
    out
}

fn route_links(ws: &Workspace) -> Vec<RouteLink> {
    let mut out = Vec::new();
    for route in ws.of_kind("HTTPRoute") {
        let Some(spec) = route.spec() else { continue };
        let gateway_class = spec
            .get("parentRefs")
            .into_iter()
            .flat_map(Node::items)
            .filter_map(|p| p.get("name").and_then(Node::as_str))
            .filter_map(|name| ws.find("Gateway", name, route))
            .find_map(|g| {
                g.node()
                    .at(&["spec", "gatewayClassName"])
                    .and_then(Node::as_str)
                    .map(String::from)
            });
        for rule in spec.get("rules").into_iter().flat_map(Node::items) {
            let paths: Vec<Spanned<String>> = rule
                .get("matches")
                .into_iter()
                .flat_map(Node::items)
                .filter_map(|m| m.at(&["path", "value"]))
                .filter_map(|n| Some(Spanned::new(n.as_str()?.to_string(), n.span)))
                .collect();
            for backend in rule.get("backendRefs").into_iter().flat_map(Node::items) {
                let kind = backend
                    .get("kind")
                    .and_then(Node::as_str)
                    .unwrap_or("Service");
                if kind != "Service" {
                    continue;
                }
                let Some(name_node) = backend.get("name") else {
                    continue;
                };
                let Some(name) = name_node.as_str() else {
                    continue;
                };
                let port = backend.get("port").and_then(Node::as_i64);
                let service = ws.find("Service", name, route);
                let port_index = service.and_then(|s| {
                    let p = port?;
                    k8s::service_ports(s)
                        .iter()
                        .find(|sp| sp.matches(&PortRef::Number(p)))
                        .map(|sp| sp.index)
                });
                out.push(RouteLink {
                    route: route.id,
                    paths: paths.clone(),
                    service_name: Spanned::new(name.to_string(), name_node.span),
                    port,
                    service: service.map(|s| s.id),
                    port_index,
                    gateway_class: gateway_class.clone(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::discover::FileKind;
    use crate::load::{load, Input, Limits};
    use crate::model::Workspace;
    use crate::settings::Settings;

    fn workspace(manifest: &str) -> Workspace {
        let input = Input {
            path: "all.yaml".into(),
            kind: FileKind::Manifest,
            explicit: true,
            content: Some(manifest.as_bytes().to_vec()),
        };
        let loaded = load(
            vec![input],
            std::path::Path::new("/nonexistent-lint-root"),
            &Limits::default(),
        );
        Workspace::build(loaded, Settings::default())
    }

    fn names_selected_by(ws: &Workspace, service: &str) -> Vec<String> {
        let service = ws.of_kind("Service").find(|s| s.name == service).unwrap();
        ws.links.service_workloads[&service.id]
            .iter()
            .map(|&w| ws.resource(w).name.to_string())
            .collect()
    }

    #[test]
    fn a_selector_selects_pods_with_all_its_labels_whatever_label_comes_first() {
        let deployment = |name: &str| {
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    metadata:\n      labels:\n        tier: web\n        app: {name}\n---\n"
            )
        };
        let service = |name: &str, selector: &str| {
            format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n{selector}---\n")
        };
        let text = [
            deployment("a"),
            deployment("b"),
            service("web-a", "    tier: web\n    app: a\n"),
            service("all-web", "    tier: web\n"),
            service("none", "    tier: web\n    app: c\n"),
        ]
        .concat();
        let ws = workspace(&text);
        assert_eq!(names_selected_by(&ws, "web-a"), ["a"]);
        assert_eq!(names_selected_by(&ws, "all-web"), ["a", "b"]);
        assert!(names_selected_by(&ws, "none").is_empty());
    }
}
