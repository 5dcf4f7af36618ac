//! K8S004 websocket-grace-period-default: see `rules/K8S004.md`.

use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::model::{k8s, Workspace};
use crate::rules::edit::insert_entry;
use crate::rules::support::{diagnostic, with_evidence};
use crate::rules::Rule;

pub struct WebsocketGracePeriodDefault;

impl Rule for WebsocketGracePeriodDefault {
    fn id(&self) -> &'static str {
        "K8S004"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        // Each workload once, whatever the number of realtime Services selecting it.
        let mut seen = vec![false; ws.resources.len()];
        for service in ws.of_kind("Service") {
            let ports = ws.realtime.service_ports(service.id);
            let Some((_, evidence)) = ports.first() else {
                continue;
            };
            for &w in ws.links.workloads_of(service.id) {
                if std::mem::replace(&mut seen[w.0 as usize], true) {
                    continue;
                }
                let workload = ws.resource(w);
                if matches!(workload.kind.as_str(), "Job" | "Pod") {
                    continue;
                }
                let Some(pod) = k8s::pod_spec(workload) else {
                    continue;
                };
                if k8s::termination_grace_period(pod).is_some()
                    || pod.get("terminationGracePeriodSeconds").is_some()
                {
                    continue;
                }
                if k8s::containers(workload)
                    .iter()
                    .any(|c| c.node.at(&["lifecycle", "preStop"]).is_some())
                {
                    continue;
                }
                let anchor = workload
                    .node()
                    .at(&["spec", "template"])
                    .and_then(|t| t.entry("spec"))
                    .map_or(workload.anchor(), |e| e.key.span);
                let mut d = diagnostic(
                    self.id(),
                    workload.location(anchor),
                    format!(
                        "{} `{}` serves realtime traffic with the default 30 s grace period and no `preStop` hook: rollouts cut WebSockets abruptly",
                        workload.kind, workload.name
                    ),
                )
                .with_label("no `terminationGracePeriodSeconds` and no `preStop`")
                .with_related(
                    service.location(service.anchor()),
                    format!("Service `{}` sends realtime traffic to these pods", service.name),
                );
                d = with_evidence(d, evidence)
                    .with_note("on every rollout or node drain the pod gets SIGTERM while the load balancer may still send it new connections, and 30 s later SIGKILL ends every open WebSocket at once; clients then reconnect together")
                    .with_help("set `terminationGracePeriodSeconds` (e.g. 90) and add a `preStop` sleep so the pod leaves the load balancer before it stops, then let the app close its sockets gracefully")
                    .with_identity(format!("{}/spec/template/spec/terminationGracePeriodSeconds", workload.identity()));
                let file = ws.file(workload.file);
                if let Some(edit) = insert_entry(
                    file,
                    workload.file,
                    pod,
                    &["terminationGracePeriodSeconds: 90".into()],
                    true,
                ) {
                    d = d.with_fix(Fix::new(
                        "set `terminationGracePeriodSeconds: 90`",
                        Applicability::Unsafe,
                        vec![edit],
                    ));
                }
                out.push(d);
            }
        }
    }
}
