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
use crate::parse::yaml::{Entry, Node};

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
pub fn annotations_node(r: &Resource) -> Option<Node<'_>> {
    r.node()
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
pub fn app_protocols(service: &Resource) -> Option<(Entry<'_>, AppProtocols)> {
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::lint::{lint, LintOptions};

    /// (rule, 1-based line) of every finding in a one-file manifest read from stdin.
    fn findings(yaml: &str) -> Vec<(&'static str, u32)> {
        let mut options = LintOptions::new(vec![PathBuf::from("-")], PathBuf::from("."));
        options.stdin = Some((PathBuf::from("m.yaml"), yaml.as_bytes().to_vec()));
        let result = lint(&options, &|_| true);
        result
            .diagnostics
            .iter()
            .map(|d| {
                let file = &result.files[d.primary.file.0 as usize];
                (d.rule, file.line_col(d.primary.span.start).line)
            })
            .collect()
    }

    fn fired(yaml: &str, rule: &str) -> Vec<u32> {
        findings(yaml)
            .into_iter()
            .filter(|(r, _)| *r == rule)
            .map(|(_, l)| l)
            .collect()
    }

    const SERVICE: &str = r#"apiVersion: v1
kind: Service
metadata:
  name: chat
  annotations:
    cloud.google.com/neg: '{"ingress": true}'
    cloud.google.com/backend-config: 'ANNOTATION'
spec:
  selector:
    app: chat
  ports:
    - name: http
      port: 80
      targetPort: 3000
---
apiVersion: cloud.google.com/v1
kind: BackendConfig
metadata:
  name: chat-backend-config
spec:
  timeoutSec: 3600
"#;

    fn service(annotation: &str) -> String {
        SERVICE.replace("ANNOTATION", annotation)
    }

    #[test]
    fn port_key_mismatch_needs_no_default() {
        assert_eq!(
            fired(
                &service(r#"{"ports": {"3000": "chat-backend-config"}}"#),
                "GKE007"
            ),
            vec![7]
        );
        let with_default = service(
            r#"{"default": "chat-backend-config", "ports": {"3000": "chat-backend-config"}}"#,
        );
        assert!(fired(&with_default, "GKE007").is_empty());
        assert!(fired(
            &service(r#"{"ports": {"80": "chat-backend-config"}}"#),
            "GKE007"
        )
        .is_empty());
    }

    #[test]
    fn not_found_and_invalid() {
        assert_eq!(
            fired(&service(r#"{"default": "chat-bc"}"#), "GKE008"),
            vec![7]
        );
        assert_eq!(fired(&service(r#"{default: "x"}"#), "GKE009"), vec![7]);
        assert_eq!(fired(&service(r#"{"ports": {}}"#), "GKE009"), vec![7]);
        // The typo'd and the unreadable reference both explain the "unused" BackendConfig.
        assert!(fired(&service(r#"{"default": "chat-backendconfig"}"#), "GKE027").is_empty());
        assert!(fired(&service(r#"{default: "chat-backend-config"}"#), "GKE027").is_empty());
    }

    #[test]
    fn beta_and_ga_disagree() {
        let yaml = service(r#"{"default": "chat-backend-config"}"#);
        let both = yaml.replace(
            "    cloud.google.com/backend-config:",
            "    beta.cloud.google.com/backend-config: '{\"default\": \"other\"}'\n    cloud.google.com/backend-config:",
        );
        assert_eq!(fired(&both, "GKE009"), vec![7]);
    }

    const INGRESS: &str = r#"apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: chat
  annotations:
    kubernetes.io/ingress.class: gce
spec:
  rules:
    - http:
        paths:
          - path: PATH
            pathType: ImplementationSpecific
            backend:
              service:
                name: chat
                port:
                  number: 80
"#;

    #[test]
    fn exact_paths() {
        assert_eq!(
            fired(&INGRESS.replace("PATH", "/socket.io"), "GKE012"),
            vec![12]
        );
        assert!(fired(&INGRESS.replace("PATH", "/socket.io/*"), "GKE012").is_empty());
        assert!(fired(&INGRESS.replace("PATH", "/api"), "GKE012").is_empty());
        assert!(fired(&INGRESS.replace("PATH", "/"), "GKE012").is_empty());
    }

    #[test]
    fn static_ips() {
        let global = INGRESS.replace(
            "    kubernetes.io/ingress.class: gce\n",
            "    kubernetes.io/ingress.class: gce\n    kubernetes.io/ingress.global-static-ip-name: ip\n",
        );
        assert!(fired(&global, "GKE026").is_empty());
        let internal = global.replace("class: gce\n", "class: gce-internal\n");
        assert_eq!(fired(&internal, "GKE026"), vec![7]);
    }
}
