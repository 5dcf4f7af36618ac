//! Kubernetes link rules: Ingress and HTTPRoute backends, Service ports and selectors,
//! workload settings for realtime traffic.

pub mod ingress_backend_not_found;
pub mod target_port_mismatch;
