//! Rules: each a type in its own file, reading the [`Workspace`] and pushing
//! [`Diagnostic`]s. No I/O, no printing, no knowledge of output formats.
//!
//! Families follow RULES.md: `gke` (Ingress, Service, BackendConfig), `nginx`, and `lint` (the
//! linter's own findings). A rule's metadata and documentation live in the registry
//! ([`crate::registry`]) and its `rules/<ID>.md` page.

pub mod edit;
mod gateway;
mod gke;
mod ingress_nginx;
mod k8s;
mod lint;
mod nginx;
pub mod support;

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rayon::prelude::*;

use crate::diagnostic::Diagnostic;
use crate::model::Workspace;

/// A check over the workspace.
pub trait Rule: Sync {
    /// The rule id, e.g. `GKE002`; its metadata is in the registry under that id.
    fn id(&self) -> &'static str;
    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>);
}

/// Every implemented rule.
pub fn all() -> &'static [&'static dyn Rule] {
    &[
        &gke::neg_service_missing_backend_config::NegServiceMissingBackendConfig,
        &gke::websocket_timeout_missing::WebsocketTimeoutMissing,
        &gke::unknown_gke_annotation::UnknownGkeAnnotation,
        &gke::session_affinity_missing::SessionAffinityMissing,
        &gke::cdn_on_realtime_backend::CdnOnRealtimeBackend,
        &gke::health_check_404_risk::HealthCheck404Risk,
        &gke::unused_backend_config::UnusedBackendConfig,
        &gke::websocket_timeout_too_low::WebsocketTimeoutTooLow,
        &gke::websocket_timeout_above_a_day::WebsocketTimeoutAboveADay,
        &gke::ingress_class_name_ignored::IngressClassNameIgnored,
        &gke::backend_config_on_ingress::BackendConfigOnIngress,
        &gke::backend_config_port_key_mismatch::BackendConfigPortKeyMismatch,
        &gke::backend_config_not_found::BackendConfigNotFound,
        &gke::backend_config_annotation_invalid::BackendConfigAnnotationInvalid,
        &gke::clusterip_without_neg::ClusteripWithoutNeg,
        &gke::realtime_path_not_prefix::RealtimePathNotPrefix,
        &gke::affinity_without_neg::AffinityWithoutNeg,
        &gke::invalid_session_affinity::InvalidSessionAffinity,
        &gke::iap_with_cdn::IapWithCdn,
        &gke::health_check_type_unsupported::HealthCheckTypeUnsupported,
        &gke::draining_exceeds_grace_period::DrainingExceedsGracePeriod,
        &gke::app_protocols_key_not_port_name::AppProtocolsKeyNotPortName,
        &gke::http2_backend_for_websocket::Http2BackendForWebsocket,
        &gke::app_protocol_field_ignored::AppProtocolFieldIgnored,
        &gke::health_check_port_not_container_port::HealthCheckPortNotContainerPort,
        &gke::static_ip_conflict::StaticIpConflict,
        &gke::health_check_from_readiness_probe::HealthCheckFromReadinessProbe,
        &gateway::gateway_websocket_timeout_missing::GatewayWebsocketTimeoutMissing,
        &gateway::gateway_session_affinity_missing::GatewaySessionAffinityMissing,
        &gateway::gateway_policy_schema::GatewayPolicySchema,
        &gateway::health_check_policy_invalid::HealthCheckPolicyInvalid,
        &gateway::backend_config_with_gateway::BackendConfigWithGateway,
        &nginx::websocket_upgrade_headers_missing::WebsocketUpgradeHeadersMissing,
        &nginx::proxy_set_header_inheritance_loss::ProxySetHeaderInheritanceLoss,
        &nginx::proxy_http_version_1_0::ProxyHttpVersion10,
        &nginx::upstream_not_sticky::UpstreamNotSticky,
        &nginx::proxy_buffering_on::ProxyBufferingOn,
        &nginx::keepalive_below_google_lb::KeepaliveBelowGoogleLb,
        &nginx::read_timeout_below_heartbeat::ReadTimeoutBelowHeartbeat,
        &nginx::ip_hash_behind_google_lb::IpHashBehindGoogleLb,
        &nginx::proxy_cache_on_realtime::ProxyCacheOnRealtime,
        &nginx::connection_close_defeats_keepalive::ConnectionCloseDefeatsKeepalive,
        &ingress_nginx::ingress_nginx_websocket_timeouts::IngressNginxWebsocketTimeouts,
        &ingress_nginx::ingress_nginx_timeout_format::IngressNginxTimeoutFormat,
        &ingress_nginx::ingress_nginx_sticky_missing::IngressNginxStickyMissing,
        &ingress_nginx::ingress_nginx_snippet_disabled::IngressNginxSnippetDisabled,
        &ingress_nginx::wrong_controller_annotations::WrongControllerAnnotations,
        &k8s::ingress_backend_not_found::IngressBackendNotFound,
        &k8s::target_port_mismatch::TargetPortMismatch,
        &k8s::service_selects_nothing::ServiceSelectsNothing,
        &k8s::websocket_grace_period_default::WebsocketGracePeriodDefault,
        &lint::include_not_resolved::IncludeNotResolved,
        &lint::model_findings::ModelFindings,
    ]
}

/// Run the enabled rules in parallel; the result is in no particular order (callers sort).
///
/// With `LINT_MANIFESTS_TIMINGS=rules` in the environment, each rule's own time is added up
/// (over the batches of a run) for [`print_timings`].
pub fn run(ws: &Workspace, enabled: &(dyn Fn(&str) -> bool + Sync)) -> Vec<Diagnostic> {
    let per_rule: Vec<(&'static str, Duration, Vec<Diagnostic>)> = all()
        .par_iter()
        .filter(|r| enabled(r.id()))
        .map(|rule| {
            let start = std::time::Instant::now();
            let mut out = Vec::new();
            rule.check(ws, &mut out);
            (rule.id(), start.elapsed(), out)
        })
        .collect();
    if timings_wanted() {
        let mut times = RULE_TIMES.lock().unwrap_or_else(PoisonError::into_inner);
        for (id, time, _) in &per_rule {
            match times.iter_mut().find(|(known, _)| known == id) {
                Some((_, total)) => *total += *time,
                None => times.push((id, *time)),
            }
        }
    }
    let mut all = Vec::with_capacity(per_rule.iter().map(|(_, _, out)| out.len()).sum());
    for (_, _, out) in per_rule {
        all.extend(out);
    }
    all
}

/// Each rule's time in this run so far, when `LINT_MANIFESTS_TIMINGS=rules` asks for it.
static RULE_TIMES: Mutex<Vec<(&'static str, Duration)>> = Mutex::new(Vec::new());

fn timings_wanted() -> bool {
    std::env::var_os("LINT_MANIFESTS_TIMINGS").is_some_and(|v| v == "rules")
}

/// With `LINT_MANIFESTS_TIMINGS=rules`: each rule's time in the run, slowest first, to stderr
/// (the profile of a slow repository without a profiler); the sums start over.
pub fn print_timings() {
    if !timings_wanted() {
        return;
    }
    let mut times = std::mem::take(&mut *RULE_TIMES.lock().unwrap_or_else(PoisonError::into_inner));
    times.sort_by_key(|&(_, time)| std::cmp::Reverse(time));
    for (id, time) in times {
        eprintln!(
            "lint-manifests: rule {id}: {:.2} ms",
            time.as_secs_f64() * 1e3
        );
    }
}
