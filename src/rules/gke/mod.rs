//! GKE Ingress, Service and BackendConfig rules.

pub mod affinity_without_neg;
pub mod app_protocol_field_ignored;
pub mod app_protocols_key_not_port_name;
pub mod backend_config_annotation_invalid;
pub mod backend_config_not_found;
pub mod backend_config_on_ingress;
pub mod backend_config_port_key_mismatch;
pub mod cdn_on_realtime_backend;
pub mod clusterip_without_neg;
pub mod draining_exceeds_grace_period;
pub mod health_check_404_risk;
pub mod health_check_from_readiness_probe;
pub mod health_check_port_not_container_port;
pub mod health_check_type_unsupported;
pub mod http2_backend_for_websocket;
pub mod iap_with_cdn;
pub mod ingress_class_name_ignored;
pub mod invalid_session_affinity;
pub mod neg_service_missing_backend_config;
pub mod realtime_path_not_prefix;
pub mod session_affinity_missing;
pub mod static_ip_conflict;
pub mod unknown_gke_annotation;
pub mod unused_backend_config;
pub mod websocket_timeout_above_a_day;
pub mod websocket_timeout_missing;
pub mod websocket_timeout_too_low;

use crate::model::Resource;
use crate::parse::yaml::Node;

/// NEG is on for Ingress: `cloud.google.com/neg: '{"ingress": true}'` (F-13).
pub fn neg_annotation(service: &Resource) -> Option<bool> {
    let text = service.annotation_str("cloud.google.com/neg")?;
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    Some(
        value
            .get("ingress")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
    )
}

/// `metadata.annotations`, `metadata`: for inserting annotations.
pub fn annotations_node(r: &Resource) -> Option<&Node> {
    r.node
        .at(&["metadata", "annotations"])
        .filter(|n| n.is_mapping())
}

pub const APP_PROTOCOLS_KEY: &str = "cloud.google.com/app-protocols";

/// Protocols GKE accepts in `cloud.google.com/app-protocols` (F-17).
pub const APP_PROTOCOLS: &[&str] = &["HTTP", "HTTPS", "HTTP2"];

/// `cloud.google.com/app-protocols` as (port key, protocol) pairs, or why it cannot be read.
pub type AppProtocols = Result<Vec<(String, String)>, String>;

/// The `cloud.google.com/app-protocols` annotation: its entry, and its (key, value) pairs or
/// why they cannot be read. Values that are not strings are kept as their JSON text.
pub fn app_protocols(service: &Resource) -> Option<(&crate::parse::yaml::Entry, AppProtocols)> {
    let entry = service.annotation(APP_PROTOCOLS_KEY)?;
    let Some(text) = entry.value.as_str() else {
        return Some((entry, Err("the value is not a string".into())));
    };
    let parsed = serde_json::from_str::<serde_json::Value>(text)
        .map_err(|e| e.to_string())
        .and_then(|v| match v {
            serde_json::Value::Object(map) => Ok(map
                .into_iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => (k, s),
                    other => (k, other.to_string()),
                })
                .collect()),
            _ => Err("expected a JSON object".into()),
        });
    Some((entry, parsed))
}
