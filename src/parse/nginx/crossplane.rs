//! `lint-manifests parse-nginx`: crossplane-compatible JSON.
