//! Property tests for the fix pipeline: generated apps (Service, BackendConfig, Ingress,
//! Deployment, a ConfigMap with nginx in any scalar style, and an nginx.conf file), every fix
//! applied, unsafe ones too. The fixed files parse, the loop converges, a second run changes
//! nothing, and every finding of the result stays inside its file.

mod gen;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use gen::*;
use lint_manifests::diagnostic::Applicability;
use lint_manifests::fix::fix_in_memory;
use lint_manifests::lint::{lint, LintOptions};
use lint_manifests::parse::{nginx, yaml};
use proptest::prelude::*;

/// One generated app: the manifests (one stream) and a standalone nginx config.
#[derive(Clone, Debug)]
struct App {
    manifests: String,
    nginx: String,
}

/// A bare `\n` (not after `\r`) somewhere in `text`.
fn has_bare_lf(text: &str) -> bool {
    text.match_indices('\n')
        .any(|(i, _)| i == 0 || text.as_bytes()[i - 1] != b'\r')
}

fn service() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop_oneof![
            Just(None),
            Just(Some(r#"'{"default": "chat-config"}'"#)),
            Just(Some(r#"'{"ports": {"http": "chat-config"}}'"#)),
            Just(Some(r#"'{"default": "missing"}'"#)),
            Just(Some(r#"'{default: chat-config}'"#)),
            Just(Some("''")),
        ],
        prop_oneof![Just("ClusterIP"), Just("NodePort")],
        proptest::option::of(prop_oneof![Just("ClientIP"), Just("None")]),
        proptest::option::of(prop_oneof![Just("HTTP2"), Just("kubernetes.io/h2c"), Just("HTTP")]),
    )
        .prop_map(|(neg, backend_config, kind, affinity, app_protocol)| {
            let mut s = "apiVersion: v1\nkind: Service\nmetadata:\n  name: chat\n  annotations:\n    lint-manifests.io/owner: fuzz\n".to_string();
            if neg {
                s.push_str("    cloud.google.com/neg: '{\"ingress\": true}'\n");
            }
            if let Some(b) = backend_config {
                s.push_str(&format!("    cloud.google.com/backend-config: {b}\n"));
            }
            s.push_str(&format!("spec:\n  type: {kind}\n  selector:\n    app: chat\n"));
            if let Some(a) = affinity {
                s.push_str(&format!("  sessionAffinity: {a}\n"));
            }
            s.push_str("  ports:\n    - name: http\n      port: 80\n      targetPort: 3000\n");
            if let Some(p) = app_protocol {
                s.push_str(&format!("      appProtocol: {p}\n"));
            }
            s
        })
}

fn backend_config() -> impl Strategy<Value = String> {
    (
        proptest::option::of(prop_oneof![Just("30"), Just("3600"), Just("86400"), Just("999999"), Just("\"3600\"")]),
        proptest::option::of(prop_oneof![Just("CLIENT_IP"), Just("GENERATED_COOKIE"), Just("NONE"), Just("BOGUS")]),
        proptest::option::of(prop_oneof![Just("HTTP"), Just("TCP"), Just("GRPC")]),
        any::<bool>(),
        proptest::option::of(prop_oneof![Just("0"), Just("60"), Just("600")]),
    )
        .prop_map(|(timeout, affinity, hc, cdn, draining)| {
            let mut s = "apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata:\n  name: chat-config\nspec:\n".to_string();
            let mut empty = true;
            if let Some(t) = timeout {
                s.push_str(&format!("  timeoutSec: {t}\n"));
                empty = false;
            }
            if let Some(a) = affinity {
                s.push_str(&format!("  sessionAffinity:\n    affinityType: {a}\n"));
                empty = false;
            }
            if let Some(h) = hc {
                s.push_str(&format!("  healthCheck:\n    type: {h}\n    requestPath: /healthz\n    port: 3000\n"));
                empty = false;
            }
            if cdn {
                s.push_str("  cdn:\n    enabled: true\n");
                empty = false;
            }
            if let Some(d) = draining {
                s.push_str(&format!("  connectionDraining:\n    drainingTimeoutSec: {d}\n"));
                empty = false;
            }
            if empty {
                s.push_str("  {}\n");
                s = s.replace("spec:\n  {}\n", "spec: {}\n");
            }
            s
        })
}

fn ingress() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(
            (
                prop_oneof![Just("/"), Just("/socket.io"), Just("/socket.io/*"), Just("/ws"), Just("/api")],
                prop_oneof![Just("Prefix"), Just("Exact"), Just("ImplementationSpecific")],
            ),
            1..4,
        ),
        proptest::option::of(prop_oneof![Just("gce"), Just("gce-internal")]),
        any::<bool>(),
    )
        .prop_map(|(paths, class, class_name)| {
            let mut s = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: chat\n".to_string();
            if let Some(c) = class {
                s.push_str(&format!("  annotations:\n    kubernetes.io/ingress.class: {c}\n"));
            }
            s.push_str("spec:\n");
            if class_name {
                s.push_str("  ingressClassName: gce\n");
            }
            s.push_str("  rules:\n    - http:\n        paths:\n");
            for (p, t) in paths {
                s.push_str(&format!(
                    "          - path: {p}\n            pathType: {t}\n            backend:\n              service:\n                name: chat\n                port:\n                  number: 80\n"
                ));
            }
            s
        })
}

fn deployment() -> impl Strategy<Value = String> {
    (
        proptest::option::of(prop_oneof![Just("/healthz"), Just("/"), Just("/socket.io/")]),
        proptest::option::of(prop_oneof![Just("30"), Just("5")]),
        prop_oneof![Just("nginx:1.27"), Just("nginx:1.24-alpine"), Just("node:20")],
    )
        .prop_map(|(probe, grace, image)| {
            let mut s = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: chat\nspec:\n  selector:\n    matchLabels:\n      app: chat\n  template:\n    metadata:\n      labels:\n        app: chat\n    spec:\n".to_string();
            if let Some(g) = grace {
                s.push_str(&format!("      terminationGracePeriodSeconds: {g}\n"));
            }
            s.push_str(&format!("      containers:\n        - name: app\n          image: {image}\n          ports:\n            - name: http\n              containerPort: 3000\n"));
            if let Some(p) = probe {
                s.push_str(&format!("          readinessProbe:\n            httpGet:\n              path: {p}\n              port: 3000\n"));
            }
            s
        })
}

fn app() -> impl Strategy<Value = App> {
    (
        proptest::option::of(service()),
        proptest::option::of(backend_config()),
        proptest::option::of(ingress()),
        proptest::option::of(deployment()),
        proptest::option::of((nginx_conf(), style())),
        nginx_conf(),
        // Comments between documents and `---` variants.
        prop_oneof![Just("---\n"), Just("--- # next\n"), Just("\n---\n")],
        // Files with Windows line endings.
        any::<bool>(),
    )
        .prop_map(|(svc, bc, ing, dep, cm, nginx, sep, crlf)| {
            let docs: Vec<String> = [svc, bc, ing, dep, cm.map(|(c, s)| configmap(&c, s))]
                .into_iter()
                .flatten()
                .collect();
            let manifests = docs.join(sep);
            if crlf {
                App {
                    manifests: manifests.replace('\n', "\r\n"),
                    nginx: nginx.replace('\n', "\r\n"),
                }
            } else {
                App { manifests, nginx }
            }
        })
}

fn parses(path: &Path, text: &str) -> bool {
    if path.extension().is_some_and(|e| e == "conf") {
        nginx::parse(text).is_ok()
    } else {
        yaml::parse(text, &yaml::YamlLimits::default()).is_ok()
    }
}

fn check_fixes(app: &App, dir: &Path) {
    let yaml_path = dir.join("app.yaml");
    let conf_path = dir.join("nginx.conf");
    std::fs::write(&yaml_path, "").unwrap();
    std::fs::write(&conf_path, "").unwrap();
    let mut o = LintOptions::new(vec![dir.to_path_buf()], dir.to_path_buf());
    o.threads = 1;
    o.overlay = HashMap::from([
        (yaml_path.clone(), app.manifests.clone()),
        (conf_path.clone(), app.nginx.clone()),
    ]);
    let before = lint(&o, &|_| true);
    check_result(&before);
    assert!(
        !before
            .diagnostics
            .iter()
            .any(|d| d.rule.starts_with("LM00")),
        "generated app does not parse:\n{}\n{:?}",
        app.manifests,
        before
            .diagnostics
            .iter()
            .map(|d| &d.message)
            .collect::<Vec<_>>()
    );
    let outcome = fix_in_memory(&o, &|_| true, Applicability::Unsafe);
    check_result(&outcome.result);
    for (path, (original, fixed)) in &outcome.changed {
        assert!(
            parses(path, fixed),
            "{} no longer parses:\n{fixed}",
            path.display()
        );
        assert!(
            has_bare_lf(original) || !has_bare_lf(fixed),
            "fixes brought LF line endings into CRLF file {}:\n{fixed:?}",
            path.display()
        );
    }
    assert!(outcome.converged, "no convergence:\n{:#?}", outcome.changed);
    let mut again = o.clone();
    for (path, (_, fixed)) in &outcome.changed {
        again.overlay.insert(path.clone(), fixed.clone());
    }
    let second = fix_in_memory(&again, &|_| true, Applicability::Unsafe);
    assert!(
        second.changed.is_empty(),
        "a second run still changes:\n{:#?}\nafter the first:\n{:#?}",
        second.changed,
        outcome.changed
    );
    // What is left is the same findings a plain lint of the fixed files gives.
    let relint = lint(&again, &|_| true);
    let ids = |r: &lint_manifests::lint::LintResult| -> Vec<(PathBuf, &'static str, u32)> {
        r.diagnostics
            .iter()
            .map(|d| {
                (
                    r.files[d.primary.file.0 as usize].path.clone(),
                    d.rule,
                    d.primary.span.start,
                )
            })
            .collect()
    };
    assert_eq!(ids(&relint), ids(&outcome.result));
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(96),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn fixing_generated_apps_converges_and_keeps_them_parseable(app in app()) {
        let dir = tempfile::tempdir().unwrap();
        check_fixes(&app, dir.path());
    }
}
