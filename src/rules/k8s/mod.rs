//! Kubernetes link rules: Ingress and HTTPRoute backends, Service ports and selectors,
//! workload settings for realtime traffic.

pub mod ingress_backend_not_found;
pub mod service_selects_nothing;
pub mod target_port_mismatch;
pub mod websocket_grace_period_default;
