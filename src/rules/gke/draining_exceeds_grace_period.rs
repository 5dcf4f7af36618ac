//! GKE025 draining-exceeds-grace-period: see `rules/GKE025.md`.

use crate::diagnostic::Diagnostic;
use crate::model::{k8s, Workspace};
use crate::rules::support::{attached_label, attachments, diagnostic, users_of};
use crate::rules::Rule;

pub struct DrainingExceedsGracePeriod;

/// `terminationGracePeriodSeconds` when unset (F-80).
const DEFAULT_GRACE: i64 = 30;

impl Rule for DrainingExceedsGracePeriod {
    fn id(&self) -> &'static str {
        "GKE025"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for a in attachments(ws) {
            let config = a.config;
            let Some(node) =
                config
                    .node()
                    .at(&["spec", "connectionDraining", "drainingTimeoutSec"])
            else {
                continue;
            };
            let Some(draining) = node.as_i64() else {
                continue;
            };
            // The shortest grace period among the pods behind any Service using this config.
            let mut shortest: Option<(i64, &crate::model::Resource, Option<k8s::Spanned<i64>>)> =
                None;
            for (service, _) in users_of(ws, config) {
                for &w in ws.links.workloads_of(service.id) {
                    let workload = ws.resource(w);
                    let Some(pod) = k8s::pod_spec(workload) else {
                        continue;
                    };
                    let grace = k8s::termination_grace_period(pod);
                    let seconds = grace.as_ref().map_or(DEFAULT_GRACE, |g| g.value);
                    if shortest.as_ref().is_none_or(|(s, _, _)| seconds < *s) {
                        shortest = Some((seconds, workload, grace));
                    }
                }
            }
            let Some((grace, workload, grace_node)) = shortest else {
                continue;
            };
            if draining <= grace {
                continue;
            }
            let (attached_at, attached_text) = attached_label(&a);
            let (grace_at, grace_text) = match &grace_node {
                Some(g) => (
                    workload.location(g.span),
                    format!("{} `{}` gives its pods {grace} s to stop", workload.kind, workload.name),
                ),
                None => (
                    workload.location(workload.anchor()),
                    format!(
                        "{} `{}` has no `terminationGracePeriodSeconds`: its pods get the default 30 s",
                        workload.kind, workload.name
                    ),
                ),
            };
            out.push(
                diagnostic(
                    self.id(),
                    config.location(node.span),
                    format!(
                        "`drainingTimeoutSec: {draining}` in BackendConfig `{}` is longer than the pods' {grace} s grace period: connections are cut when the pod is killed",
                        config.name
                    ),
                )
                .with_label(format!("longer than the {grace} s grace period"))
                .with_related(grace_at, grace_text)
                .with_related(attached_at, attached_text)
                .with_note("Kubernetes kills a terminating pod when its grace period ends, whatever the load balancer's draining intends: WebSockets on it are cut early during every rollout")
                .with_help(format!("raise `terminationGracePeriodSeconds` to at least {draining} and add a `preStop` sleep so the pod keeps serving while it drains, or shorten `drainingTimeoutSec`"))
                .with_identity(format!(
                    "{}/spec/connectionDraining/drainingTimeoutSec",
                    config.identity()
                )),
            );
        }
    }
}
