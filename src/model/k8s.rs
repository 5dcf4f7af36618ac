//! Typed views over Kubernetes resources: the fields the rules need, each with its span.
//!
//! Views borrow the YAML tree, so every value can point back at its exact source. Field names
//! follow the Kubernetes API; older API versions (`extensions/v1beta1` Ingress backends with
//! `serviceName`/`servicePort`) are read too.

use crate::parse::yaml::Node;
use crate::source::Span;

use super::Resource;

/// A value with the span of where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Spanned<T> {
        Spanned { value, span }
    }
}

fn spanned_str(node: Node<'_>) -> Option<Spanned<String>> {
    Some(Spanned::new(node.as_str()?.to_string(), node.span))
}

/// A Service port reference: by number or by name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortRef {
    Number(i64),
    Name(String),
}

impl PortRef {
    /// Kubernetes reads an int-or-string: a plain integer is a number, anything else a name.
    pub fn from_node(node: Node<'_>) -> Option<PortRef> {
        if let Some(n) = node.as_i64() {
            return Some(PortRef::Number(n));
        }
        let s = node.as_str()?;
        Some(match s.parse::<i64>() {
            // A quoted number is a string in the API, but every controller reads it as the
            // number: keep the user's intent.
            Ok(n) => PortRef::Number(n),
            Err(_) => PortRef::Name(s.to_string()),
        })
    }
}

impl std::fmt::Display for PortRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PortRef::Number(n) => write!(f, "{n}"),
            PortRef::Name(s) => write!(f, "{s}"),
        }
    }
}

/// One backend of an Ingress: a rule path or the default backend.
#[derive(Clone, Debug)]
pub struct IngressBackend {
    pub host: Option<String>,
    /// `None` for the default backend.
    pub path: Option<Spanned<String>>,
    pub path_type: Option<Spanned<String>>,
    /// The whole path entry (or `defaultBackend` value).
    pub entry_span: Span,
    pub service: Spanned<String>,
    pub port: Option<Spanned<PortRef>>,
}

/// Every backend of an Ingress (networking.k8s.io/v1, v1beta1 and extensions/v1beta1).
pub fn ingress_backends(ingress: &Resource) -> Vec<IngressBackend> {
    let mut out = Vec::new();
    let Some(spec) = ingress.spec() else {
        return out;
    };
    for key in ["defaultBackend", "backend"] {
        if let Some(backend) = spec.get(key) {
            if let Some(b) = read_backend(backend, None, None, None, backend.span) {
                out.push(b);
            }
        }
    }
    for rule in spec.get("rules").into_iter().flat_map(Node::items) {
        let host = rule.get("host").and_then(Node::as_str).map(String::from);
        for path in rule
            .at(&["http", "paths"])
            .into_iter()
            .flat_map(Node::items)
        {
            let Some(backend) = path.get("backend") else {
                continue;
            };
            let p = path.get("path").and_then(spanned_str);
            let pt = path.get("pathType").and_then(spanned_str);
            if let Some(b) = read_backend(backend, host.clone(), p, pt, path.span) {
                out.push(b);
            }
        }
    }
    out
}

fn read_backend(
    backend: Node<'_>,
    host: Option<String>,
    path: Option<Spanned<String>>,
    path_type: Option<Spanned<String>>,
    entry_span: Span,
) -> Option<IngressBackend> {
    // v1: backend.service.{name, port.{number|name}}
    if let Some(service) = backend.get("service") {
        let name = service.get("name").and_then(spanned_str)?;
        let port = service.get("port").and_then(|p| {
            p.get("number")
                .or_else(|| p.get("name"))
                .and_then(|n| Some(Spanned::new(PortRef::from_node(n)?, n.span)))
        });
        return Some(IngressBackend {
            host,
            path,
            path_type,
            entry_span,
            service: name,
            port,
        });
    }
    // v1beta1: backend.{serviceName, servicePort}
    let name = backend.get("serviceName").and_then(spanned_str)?;
    let port = backend
        .get("servicePort")
        .and_then(|n| Some(Spanned::new(PortRef::from_node(n)?, n.span)));
    Some(IngressBackend {
        host,
        path,
        path_type,
        entry_span,
        service: name,
        port,
    })
}

/// The ingress class: the annotation (what GKE reads), then `spec.ingressClassName`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngressClass {
    pub annotation: Option<Spanned<String>>,
    pub class_name: Option<Spanned<String>>,
}

/// The Ingress's class (read once per Ingress: most GKE rules ask whether GKE acts on it).
pub fn ingress_class(ingress: &Resource) -> &IngressClass {
    ingress.views.ingress_class.get_or_init(|| {
        Box::new(IngressClass {
            annotation: ingress
                .annotation("kubernetes.io/ingress.class")
                .and_then(|e| spanned_str(e.value)),
            class_name: ingress
                .node()
                .at(&["spec", "ingressClassName"])
                .and_then(spanned_str),
        })
    })
}

/// GKE classes read from the annotation (F-07).
pub const GKE_CLASSES: &[&str] = &[
    "gce",
    "gce-internal",
    "gce-regional-external",
    "gce-multi-cluster",
];

/// Whether the GKE Ingress controller acts on this Ingress (F-07/F-08): the annotation names a
/// GKE class, or there is no class at all (neither annotation nor `ingressClassName`).
pub fn is_gke_ingress(ingress: &Resource) -> bool {
    let class = ingress_class(ingress);
    match (&class.annotation, &class.class_name) {
        (Some(a), _) => GKE_CLASSES.contains(&a.value.as_str()),
        (None, Some(_)) => false,
        (None, None) => true,
    }
}

/// Whether the Ingress says it is for GKE, annotation or (ignored) class name: for rules that
/// tell users about the class itself.
pub fn mentions_gke_class(ingress: &Resource) -> bool {
    let class = ingress_class(ingress);
    [&class.annotation, &class.class_name]
        .into_iter()
        .flatten()
        .any(|c| GKE_CLASSES.contains(&c.value.as_str()))
}

/// A Service port.
#[derive(Clone, Debug)]
pub struct ServicePort {
    pub index: usize,
    pub name: Option<Spanned<String>>,
    pub port: Option<Spanned<i64>>,
    pub target_port: Option<Spanned<PortRef>>,
    pub app_protocol: Option<Spanned<String>>,
    pub span: Span,
}

impl ServicePort {
    /// The port as written in references: name if it has one, else number.
    pub fn label(&self) -> String {
        match (&self.name, &self.port) {
            (Some(n), _) => n.value.clone(),
            (None, Some(p)) => p.value.to_string(),
            _ => format!("#{}", self.index),
        }
    }

    /// Whether a `ports` key of the `cloud.google.com/backend-config` annotation names this
    /// port: its name, or its number written as a string.
    pub fn is_keyed_by(&self, key: &str) -> bool {
        self.name.as_ref().is_some_and(|n| n.value == key)
            || self
                .port
                .as_ref()
                .is_some_and(|n| n.value.to_string() == key)
    }

    pub fn matches(&self, reference: &PortRef) -> bool {
        match reference {
            PortRef::Number(n) => self.port.as_ref().is_some_and(|p| p.value == *n),
            PortRef::Name(s) => self.name.as_ref().is_some_and(|n| &n.value == s),
        }
    }

    /// `targetPort`, defaulting to `port` as Kubernetes does.
    pub fn effective_target(&self) -> Option<PortRef> {
        self.target_port
            .as_ref()
            .map(|t| t.value.clone())
            .or_else(|| self.port.as_ref().map(|p| PortRef::Number(p.value)))
    }
}

/// Views of a resource read once: every link and a dozen rules walk a Service's ports.
#[derive(Debug, Default)]
pub struct Views {
    service_ports: std::sync::OnceLock<Vec<ServicePort>>,
    pub(super) annotations: CachedPath,
    pod_spec: CachedPath,
    containers: std::sync::OnceLock<Box<[ContainerSpec]>>,
    init_containers: std::sync::OnceLock<Box<[ContainerSpec]>>,
    ingress_class: std::sync::OnceLock<Box<IngressClass>>,
}

/// A node found by a path of mapping keys, looked up once: its slot in the tree is kept (rules
/// ask for the same few paths of every resource many times).
#[derive(Debug, Default)]
pub struct CachedPath(std::sync::OnceLock<Option<u32>>);

impl CachedPath {
    /// The node at `path` under `root`; `root` and `path` must be the same on every call.
    pub fn get<'a>(&self, root: Node<'a>, path: &[&str]) -> Option<Node<'a>> {
        let index = (*self.0.get_or_init(|| Some(root.at(path)?.index())))?;
        Some(root.tree().node(index))
    }
}

/// Whether a ConfigMap of this name is the ingress-nginx controller's (its `data` holds the
/// defaults of every Ingress the controller serves, in any namespace).
pub fn is_ingress_nginx_controller_config(name: &str) -> bool {
    matches!(
        name,
        "ingress-nginx-controller" | "nginx-configuration" | "nginx-ingress-controller"
    ) || name.starts_with("ingress-nginx")
}

/// A Service's ports, in order (read once per Service).
pub fn service_ports(service: &Resource) -> &[ServicePort] {
    service
        .views
        .service_ports
        .get_or_init(|| read_service_ports(service))
}

fn read_service_ports(service: &Resource) -> Vec<ServicePort> {
    service
        .node()
        .at(&["spec", "ports"])
        .into_iter()
        .flat_map(Node::items)
        .enumerate()
        .map(|(index, p)| ServicePort {
            index,
            name: p.get("name").and_then(spanned_str),
            port: p
                .get("port")
                .and_then(|n| Some(Spanned::new(n.as_i64()?, n.span))),
            target_port: p
                .get("targetPort")
                .and_then(|n| Some(Spanned::new(PortRef::from_node(n)?, n.span))),
            app_protocol: p.get("appProtocol").and_then(spanned_str),
            span: p.span,
        })
        .collect()
}

pub fn service_type(service: &Resource) -> String {
    service
        .node()
        .at(&["spec", "type"])
        .and_then(Node::as_str)
        .unwrap_or("ClusterIP")
        .to_string()
}

/// `spec.selector` of a Service as label pairs.
pub fn service_selector(service: &Resource) -> Vec<(&str, &str)> {
    label_pairs(service.node().at(&["spec", "selector"]))
}

pub fn label_pairs(node: Option<Node<'_>>) -> Vec<(&str, &str)> {
    node.into_iter()
        .flat_map(Node::entries)
        .filter_map(|e| Some((e.key.as_str()?, e.value.as_str()?)))
        .collect()
}

/// Kinds that run pods from a template (or are a Pod).
pub const WORKLOAD_KINDS: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Pod",
    "Job",
    "ReplicationController",
];

/// The pod spec of a workload.
pub fn pod_spec(workload: &Resource) -> Option<Node<'_>> {
    let path: &[&str] = match workload.kind.as_str() {
        "Pod" => &["spec"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template", "spec"],
        _ => &["spec", "template", "spec"],
    };
    workload.views.pod_spec.get(workload.node(), path)
}

/// The labels its pods carry.
pub fn pod_labels(workload: &Resource) -> Vec<(&str, &str)> {
    match workload.kind.as_str() {
        "Pod" => label_pairs(workload.node().at(&["metadata", "labels"])),
        _ => label_pairs(
            workload
                .node()
                .at(&["spec", "template", "metadata", "labels"]),
        ),
    }
}

/// How many pods can serve at once: `replicas` (default 1), or 2+ for a DaemonSet.
pub fn declared_replicas(workload: &Resource) -> Option<Spanned<i64>> {
    let node = workload.node().at(&["spec", "replicas"])?;
    Some(Spanned::new(node.as_i64()?, node.span))
}

/// A container and the parts of it the rules read.
#[derive(Clone, Copy, Debug)]
pub struct Container<'a> {
    pub node: Node<'a>,
    pub name: &'a str,
    pub image: Option<&'a Spanned<String>>,
    pub ports: &'a [ContainerPort],
    pub readiness_probe: Option<Node<'a>>,
    pub mounts: &'a [VolumeMount],
}

/// What a [`Container`] shows, read once per workload (many rules ask for the containers of
/// the same pods); nodes are kept as slots of the workload's tree.
#[derive(Debug)]
struct ContainerSpec {
    node: u32,
    name: String,
    image: Option<Spanned<String>>,
    ports: Vec<ContainerPort>,
    readiness_probe: Option<u32>,
    mounts: Vec<VolumeMount>,
}

impl ContainerSpec {
    fn view<'a>(&'a self, workload: &'a Resource) -> Container<'a> {
        let tree = workload.node().tree();
        Container {
            node: tree.node(self.node),
            name: &self.name,
            image: self.image.as_ref(),
            ports: &self.ports,
            readiness_probe: self.readiness_probe.map(|i| tree.node(i)),
            mounts: &self.mounts,
        }
    }
}

#[derive(Clone, Debug)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub number: i64,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct VolumeMount {
    pub volume: String,
    pub mount_path: String,
    pub sub_path: Option<String>,
    pub span: Span,
}

/// The containers of a workload's pods.
pub fn containers(workload: &Resource) -> Vec<Container<'_>> {
    cached_containers(workload, &workload.views.containers, "containers")
}

/// The init containers of a workload's pods (native sidecars, `restartPolicy: Always`, serve
/// traffic too).
pub fn init_containers(workload: &Resource) -> Vec<Container<'_>> {
    cached_containers(workload, &workload.views.init_containers, "initContainers")
}

fn cached_containers<'a>(
    workload: &'a Resource,
    cache: &'a std::sync::OnceLock<Box<[ContainerSpec]>>,
    key: &str,
) -> Vec<Container<'a>> {
    cache
        .get_or_init(|| read_containers(workload, key))
        .iter()
        .map(|c| c.view(workload))
        .collect()
}

fn read_containers(workload: &Resource, key: &str) -> Box<[ContainerSpec]> {
    pod_spec(workload)
        .and_then(|pod| pod.get(key))
        .into_iter()
        .flat_map(Node::items)
        .map(|c| ContainerSpec {
            node: c.index(),
            name: c
                .get("name")
                .and_then(Node::as_str)
                .unwrap_or("")
                .to_string(),
            image: c.get("image").and_then(spanned_str),
            ports: c
                .get("ports")
                .into_iter()
                .flat_map(Node::items)
                .filter_map(|p| {
                    let n = p.get("containerPort")?;
                    Some(ContainerPort {
                        name: p.get("name").and_then(Node::as_str).map(String::from),
                        number: n.as_i64()?,
                        span: n.span,
                    })
                })
                .collect(),
            readiness_probe: c.get("readinessProbe").map(Node::index),
            mounts: c
                .get("volumeMounts")
                .into_iter()
                .flat_map(Node::items)
                .filter_map(|m| {
                    Some(VolumeMount {
                        volume: m.get("name")?.as_str()?.to_string(),
                        mount_path: m.get("mountPath")?.as_str()?.to_string(),
                        sub_path: m.get("subPath").and_then(Node::as_str).map(String::from),
                        span: m.span,
                    })
                })
                .collect(),
        })
        .collect()
}

/// A ConfigMap volume of a pod: which ConfigMap, and which keys as which file names.
#[derive(Clone, Debug)]
pub struct ConfigMapVolume {
    pub volume: String,
    pub config_map: String,
    /// `items` (key -> path); empty means every key under its own name.
    pub items: Vec<(String, String)>,
}

pub fn config_map_volumes(pod_spec: Node<'_>) -> Vec<ConfigMapVolume> {
    let mut out = Vec::new();
    for v in pod_spec.get("volumes").into_iter().flat_map(Node::items) {
        let Some(name) = v.get("name").and_then(Node::as_str) else {
            continue;
        };
        let mut push = |cm: Node<'_>| {
            let Some(cm_name) = cm.get("name").and_then(Node::as_str) else {
                return;
            };
            let items = cm
                .get("items")
                .into_iter()
                .flat_map(Node::items)
                .filter_map(|i| {
                    Some((
                        i.get("key")?.as_str()?.to_string(),
                        i.get("path")?.as_str()?.to_string(),
                    ))
                })
                .collect();
            out.push(ConfigMapVolume {
                volume: name.to_string(),
                config_map: cm_name.to_string(),
                items,
            });
        };
        if let Some(cm) = v.get("configMap") {
            push(cm);
        }
        for source in v
            .at(&["projected", "sources"])
            .into_iter()
            .flat_map(Node::items)
        {
            if let Some(cm) = source.get("configMap") {
                push(cm);
            }
        }
    }
    out
}

/// `terminationGracePeriodSeconds` (default 30, F-80).
pub fn termination_grace_period(pod_spec: Node<'_>) -> Option<Spanned<i64>> {
    let n = pod_spec.get("terminationGracePeriodSeconds")?;
    Some(Spanned::new(n.as_i64()?, n.span))
}

/// Whether `selector` (non-empty) selects pods carrying `labels`.
pub fn selects(selector: &[(&str, &str)], labels: &[(&str, &str)]) -> bool {
    !selector.is_empty() && selector.iter().all(|s| labels.contains(s))
}

/// `spec.targetRef` of a Gateway policy (GCPBackendPolicy, HealthCheckPolicy): kind and name.
#[derive(Clone, Debug)]
pub struct PolicyTarget {
    pub kind: String,
    pub name: Spanned<String>,
}

pub fn policy_target(policy: &Resource) -> Option<PolicyTarget> {
    let target = policy.node().at(&["spec", "targetRef"])?;
    Some(PolicyTarget {
        kind: target
            .get("kind")
            .and_then(Node::as_str)
            .unwrap_or("Service")
            .to_string(),
        name: target.get("name").and_then(spanned_str)?,
    })
}

/// GKE's Gateway classes (`gke-l7-global-external-managed`, `gke-l7-rilb`, `-mc` variants...).
pub fn is_gke_gateway_class(class: &str) -> bool {
    class.starts_with("gke-l7-")
}
