//! ingress-nginx and F5 NGINX Ingress rules: Ingress annotations read by NGINX-based
//! controllers.

pub mod ingress_nginx_snippet_disabled;
pub mod ingress_nginx_sticky_missing;
pub mod ingress_nginx_timeout_format;
pub mod ingress_nginx_websocket_timeouts;
pub mod wrong_controller_annotations;

use crate::diagnostic::Edit;
use crate::model::k8s::{self, Spanned};
use crate::model::links::BackendLink;
use crate::model::realtime::{realtime_segment, ANNOTATION};
use crate::model::{Evidence, Resource, Workspace};
use crate::parse::yaml::Node;
use crate::rules::edit::{insert_entry, insert_nested};

/// ingress-nginx's annotation prefix.
pub const PREFIX: &str = "nginx.ingress.kubernetes.io/";
/// F5 NGINX Ingress Controller's annotation prefix.
pub const F5_PREFIX: &str = "nginx.org/";

/// The controller that acts on an Ingress, as far as the manifests tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Controller {
    IngressNginx,
    F5,
    Gke,
    /// Another controller, or no way to tell.
    Unknown,
}

/// Which controller reads this Ingress: the IngressClass's `spec.controller` when it is in
/// the linted set, else the class name (`nginx` is ingress-nginx; `nginx-plus` and F5 names
/// are F5's; `gce*` is GKE), else the annotations it uses.
pub fn controller(ws: &Workspace, ingress: &Resource) -> Controller {
    let class = k8s::ingress_class(ingress);
    let uses = |prefix: &str| {
        ingress
            .annotations()
            .any(|e| e.key.as_str().is_some_and(|k| k.starts_with(prefix)))
    };
    let (ours, f5) = (uses(PREFIX), uses(F5_PREFIX));
    let name = class
        .annotation
        .as_ref()
        .or(class.class_name.as_ref())
        .map(|c| c.value.as_str());
    let Some(name) = name else {
        // No class: the cluster's default IngressClass, if the linted set has it.
        let default = ws.of_kind("IngressClass").find(|c| {
            c.annotation_str("ingressclass.kubernetes.io/is-default-class") == Some("true")
        });
        if let Some(c) = default.and_then(by_ingress_class) {
            return c;
        }
        return match (ours, f5) {
            (true, false) => Controller::IngressNginx,
            (false, true) => Controller::F5,
            _ => Controller::Unknown,
        };
    };
    if let Some(c) = ws
        .of_kind("IngressClass")
        .find(|c| c.name == name)
        .and_then(by_ingress_class)
    {
        // An Ingress written entirely for the other NGINX controller contradicts the
        // IngressClass found (often another project's class of the same name): say nothing.
        return match (c, ours, f5) {
            (Controller::IngressNginx, false, true) | (Controller::F5, true, false) => {
                Controller::Unknown
            }
            _ => c,
        };
    }
    if k8s::GKE_CLASSES.contains(&name) && class.annotation.is_some() {
        return Controller::Gke;
    }
    let lower = name.to_ascii_lowercase();
    if lower.contains("nginx-plus") || lower.contains("f5") || lower.contains("nginx-org") {
        return Controller::F5;
    }
    if lower == "nginx" || lower.starts_with("nginx-") || lower.starts_with("ingress-nginx") {
        // F5's default class is also called `nginx`: its annotations tell.
        return match (ours, f5) {
            (false, true) => Controller::F5,
            (true, true) => Controller::Unknown,
            _ => Controller::IngressNginx,
        };
    }
    Controller::Unknown
}

fn by_ingress_class(class: &Resource) -> Option<Controller> {
    match class
        .node()
        .at(&["spec", "controller"])
        .and_then(Node::as_str)?
    {
        "k8s.io/ingress-nginx" => Some(Controller::IngressNginx),
        "nginx.org/ingress-controller" => Some(Controller::F5),
        "k8s.io/ingress-gce" => Some(Controller::Gke),
        _ => Some(Controller::Unknown),
    }
}

/// A realtime path of an Ingress with its evidence.
pub struct RealtimePath<'a> {
    pub link: &'a BackendLink,
    pub evidence: Vec<Evidence>,
}

impl RealtimePath<'_> {
    pub fn socketio(&self) -> bool {
        self.evidence.iter().any(|e| e.socketio)
    }
}

/// The backends of an Ingress that carry realtime traffic: a realtime segment in the path, or
/// a backend Service port inferred realtime.
pub fn realtime_paths<'a>(ws: &'a Workspace, ingress: &Resource) -> Vec<RealtimePath<'a>> {
    if ws.realtime.opted_out(ingress.id) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for link in ws.links.backends.iter().filter(|b| b.ingress == ingress.id) {
        // Evidence from the Service side (nginx in the pods, appProtocol, annotation); paths of
        // other Ingresses and routes to the same port speak for those, not for this path.
        let mut evidence: Vec<Evidence> = match (link.service, link.port) {
            (Some(s), Some(p)) => ws
                .realtime
                .port(s, p)
                .unwrap_or_default()
                .iter()
                .filter(|e| {
                    !(e.label.starts_with("realtime because: Ingress path")
                        || e.label.starts_with("realtime because: HTTPRoute path")
                        || e.label.starts_with("realtime because: the Ingress says"))
                })
                .cloned()
                .collect(),
            _ => Vec::new(),
        };
        if ingress.annotation(ANNOTATION).is_some_and(|e| {
            e.value
                .as_str()
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        }) {
            let entry = ingress.annotation(ANNOTATION).expect("checked");
            evidence.push(Evidence::ingress_says_so(ingress, entry.key.span));
        }
        if let Some(path) = &link.backend.path {
            if let Some(seg) = realtime_segment(&path.value, &ws.settings.realtime_segments) {
                let e = Evidence::ingress_path(ingress, path, seg);
                if !evidence.iter().any(|x| x.location == e.location) {
                    evidence.insert(0, e);
                }
            }
        }
        if !evidence.is_empty() {
            out.push(RealtimePath { link, evidence });
        }
    }
    out
}

/// The annotation `PREFIX + name` as a spanned string, if set.
pub fn annotation<'a>(ingress: &'a Resource, name: &str) -> Option<crate::parse::yaml::Entry<'a>> {
    ingress.annotation(&format!("{PREFIX}{name}"))
}

/// Add annotation lines to a resource: into `metadata.annotations`, or a new `annotations:`.
pub fn add_annotations(ws: &Workspace, r: &Resource, lines: &[String]) -> Option<Edit> {
    let file = ws.file(r.file);
    match r
        .node()
        .at(&["metadata", "annotations"])
        .filter(|n| n.is_mapping() && n.entries().len() > 0)
    {
        Some(annotations) => insert_entry(file, r.file, annotations, lines, false),
        None if r.node().at(&["metadata", "annotations"]).is_some() => None,
        None => insert_nested(file, r.file, r.metadata()?, "annotations", lines),
    }
}

/// A path as shown in messages.
pub fn path_text(path: Option<&Spanned<String>>) -> String {
    path.map_or_else(
        || "the default backend".to_string(),
        |p| format!("`{}`", p.value),
    )
}

/// The ingress-nginx controller's ConfigMap, when the linted set has it: its `data` holds the
/// global defaults (`proxy-read-timeout`, `allow-snippet-annotations`).
pub fn controller_config(ws: &Workspace) -> Option<&Resource> {
    ws.of_kind("ConfigMap")
        .find(|c| k8s::is_ingress_nginx_controller_config(&c.name))
}

/// Seconds of an ingress-nginx timeout value, reading a unit if one was (wrongly) written.
pub fn timeout_seconds(text: &str) -> Option<f64> {
    crate::rules::support::nginx_seconds(text.trim())
}
