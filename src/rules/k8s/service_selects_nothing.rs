//! K8S003 service-selects-nothing: see `rules/K8S003.md`.

use crate::diagnostic::Diagnostic;
use crate::model::k8s;
use foldhash::{HashMap, HashMapExt, HashSet};

use crate::model::{ResId, Resource, Workspace};
use crate::rules::support::{diagnostic, near_name};
use crate::rules::Rule;

pub struct ServiceSelectsNothing;

impl Rule for ServiceSelectsNothing {
    fn id(&self) -> &'static str {
        "K8S003"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        let selected: HashSet<ResId> = ws
            .links
            .service_workloads
            .values()
            .flatten()
            .copied()
            .collect();
        // Workloads by namespace and app, indexed once.
        let mut workloads: HashMap<(compact_str::CompactString, u32), Vec<ResId>> = HashMap::new();
        for kind in k8s::WORKLOAD_KINDS {
            for w in ws.of_kind(kind) {
                workloads
                    .entry((w.namespace.clone(), ws.app_group(w.file)))
                    .or_default()
                    .push(w.id);
            }
        }
        for service in ws.of_kind("Service") {
            if k8s::service_type(service) == "ExternalName" {
                continue;
            }
            let selector = k8s::service_selector(service);
            if selector.is_empty() || !ws.links.workloads_of(service.id).is_empty() {
                continue;
            }
            // Pods deployed from elsewhere (a chart, an operator) are none of the linter's
            // business: report only when a workload next to the Service nearly matches, which
            // is the mistake this rule is for.
            let Some((workload, why)) = near_miss(ws, &selected, &workloads, service, &selector)
            else {
                continue;
            };
            let selector_node = service
                .node()
                .at(&["spec", "selector"])
                .expect("non-empty selector");
            let shown: Vec<String> = selector.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            let labels_at = workload
                .node()
                .at(&["spec", "template", "metadata", "labels"])
                .or_else(|| workload.node().at(&["metadata", "labels"]))
                .map_or(workload.anchor(), |n| n.span);
            let d = diagnostic(
                self.id(),
                service.location(selector_node.span),
                format!(
                    "Service `{}` selects no pods: no workload carries `{}`",
                    service.name,
                    shown.join(", ")
                ),
            )
            .with_label("matches no pod template in the linted files")
            .with_related(
                workload.location(labels_at),
                format!("{} `{}` {why}", workload.kind, workload.name),
            )
            .with_note("a Service whose selector matches no pods has no endpoints: every request through it fails (503 at ingress-nginx, 502 at a Google load balancer)")
            .with_help("make the selector and the pod template labels agree")
            .with_identity(format!("{}/spec/selector", service.identity()));
            out.push(d);
        }
    }
}

/// A workload in the Service's namespace and directory that is evidently meant: its pod
/// labels have every selector key with values one typo away, or it bears the Service's name
/// and no Service selects it.
fn near_miss<'a>(
    ws: &'a Workspace,
    selected: &HashSet<ResId>,
    workloads: &HashMap<(compact_str::CompactString, u32), Vec<ResId>>,
    service: &Resource,
    selector: &[(&str, &str)],
) -> Option<(&'a Resource, String)> {
    let neighbours = workloads
        .get(&(service.namespace.clone(), ws.app_group(service.file)))
        .map_or(&[][..], Vec::as_slice);
    for w in neighbours.iter().map(|&id| ws.resource(id)) {
        let labels = k8s::pod_labels(w);
        let shown = || -> String {
            labels
                .iter()
                .map(|(k, v)| format!("`{k}: {v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let typo = selector.iter().all(|(key, value)| {
            labels
                .iter()
                .any(|(k, v)| k == key && (v == value || near_name(value, [*v]).is_some()))
        });
        if typo {
            return Some((w, format!("labels its pods {}", shown())));
        }
        let named = w.name == service.name || near_name(&service.name, [w.name.as_str()]).is_some();
        if named && !selected.contains(&w.id) && !labels.is_empty() {
            return Some((
                w,
                format!("is selected by no Service and labels its pods {}", shown()),
            ));
        }
    }
    None
}
