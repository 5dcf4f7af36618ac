//! A run in batches (`lint_manifests::batch`) must report exactly what a run in one piece
//! reports: the same files, the same findings in the same order, down to related locations and
//! fixes. Checked on generated repositories whose namespaces reuse Service and BackendConfig
//! names, whose nginx proxies to Services of other namespaces by bare name, and which
//! sometimes hold what forbids a split (a resource without a namespace, an IngressClass, the
//! ingress-nginx controller's ConfigMap); then on the scenarios, the fixtures, the corpus and a
//! generated monorepo.

mod common;
mod gen;

use std::path::{Path, PathBuf};

use common::*;
use gen::*;
use lint_manifests::batch::{self, Batching};
use lint_manifests::discover::{self, DiscoverOptions};
use lint_manifests::lint::{lint, FreeModel, LintOptions};
use lint_manifests::load::{Input, Limits};
use proptest::prelude::*;

const NAMESPACES: [&str; 5] = ["team-a", "team-b", "team-c", "team-d", "team-e"];
const SERVICES: [&str; 6] = ["chat", "api", "web", "auth", "feed", "jobs"];
const BACKEND_CONFIGS: [&str; 3] = ["chat-config", "shared", "team.shared"];

/// One app directory: a Service, its BackendConfig, a Deployment, an Ingress and a ConfigMap
/// with nginx that proxies to some Service, by bare name or `name.namespace`.
#[derive(Clone, Debug)]
struct App {
    namespace: Option<&'static str>,
    service: &'static str,
    /// `None`: `<service>-config`.
    backend_config: Option<&'static str>,
    annotation_names: Option<&'static str>,
    /// `None`: its own Service.
    proxy_to: Option<&'static str>,
    proxy_namespace: Option<&'static str>,
    nginx: String,
    style: Style,
    realtime: bool,
}

impl App {
    /// An app that shares nothing: its own Service, BackendConfig `shared`, nginx proxying to
    /// its own Service by bare name.
    fn alone(namespace: Option<&'static str>, service: &'static str) -> App {
        App {
            namespace,
            service,
            backend_config: Some("shared"),
            annotation_names: None,
            proxy_to: None,
            proxy_namespace: None,
            nginx: String::new(),
            style: Style::Literal,
            realtime: false,
        }
    }
}

fn app() -> impl Strategy<Value = App> {
    (
        // Mostly explicit namespaces, so that most repositories can be split.
        prop_oneof![
            20 => proptest::sample::select(&NAMESPACES[..]).prop_map(Some),
            1 => Just(None),
        ],
        proptest::sample::select(&SERVICES[..]),
        proptest::option::weighted(0.2, proptest::sample::select(&BACKEND_CONFIGS[..])),
        proptest::option::weighted(0.2, proptest::sample::select(&BACKEND_CONFIGS[..])),
        proptest::option::weighted(0.3, proptest::sample::select(&SERVICES[..])),
        proptest::option::weighted(0.2, proptest::sample::select(&NAMESPACES[..])),
        nginx_conf(),
        style(),
        any::<bool>(),
    )
        .prop_map(
            |(
                namespace,
                service,
                backend_config,
                annotation_names,
                proxy_to,
                proxy_namespace,
                nginx,
                style,
                realtime,
            )| App {
                namespace,
                service,
                backend_config,
                annotation_names,
                proxy_to,
                proxy_namespace,
                nginx,
                style,
                realtime,
            },
        )
}

fn metadata(name: &str, namespace: Option<&str>) -> String {
    let mut s = format!("metadata:\n  name: {name}\n");
    if let Some(ns) = namespace {
        s.push_str(&format!("  namespace: {ns}\n"));
    }
    s
}

fn write_app(dir: &Path, app: &App) {
    std::fs::create_dir_all(dir).unwrap();
    let ns = app.namespace;
    let mut service = format!(
        "apiVersion: v1\nkind: Service\n{}  annotations:\n    cloud.google.com/neg: '{{\"ingress\": true}}'\n",
        metadata(app.service, ns)
    );
    if let Some(name) = app.annotation_names {
        service.push_str(&format!(
            "    cloud.google.com/backend-config: '{{\"default\": \"{name}\"}}'\n"
        ));
    }
    service.push_str(&format!(
        "spec:\n  selector:\n    app: {}\n  ports:\n    - name: http\n      port: 80\n      targetPort: 3000\n",
        app.service
    ));
    if app.realtime {
        service.push_str("      appProtocol: kubernetes.io/ws\n");
    }
    let own_config = format!("{}-config", app.service);
    let backend_config = format!(
        "apiVersion: cloud.google.com/v1\nkind: BackendConfig\n{}spec:\n  timeoutSec: 30\n",
        metadata(app.backend_config.unwrap_or(&own_config), ns)
    );
    let to = app.proxy_to.unwrap_or(app.service);
    let host = match app.proxy_namespace {
        Some(other) => format!("{to}.{other}"),
        None => to.to_string(),
    };
    let nginx = format!(
        "{}\nserver {{\n  listen 8080;\n  location /socket.io/ {{\n    proxy_pass http://{host}:80;\n  }}\n}}\n",
        app.nginx
    );
    let config_map = configmap(&nginx, app.style).replacen(
        "metadata:\n  name: nginx-conf\n",
        &metadata("nginx-conf", ns),
        1,
    );
    let deployment = format!(
        "apiVersion: apps/v1\nkind: Deployment\n{}spec:\n  selector:\n    matchLabels:\n      app: {svc}\n  template:\n    metadata:\n      labels:\n        app: {svc}\n    spec:\n      containers:\n        - name: app\n          image: app:1\n          ports:\n            - containerPort: 3000\n        - name: nginx\n          image: nginx:1.25\n          volumeMounts:\n            - name: conf\n              mountPath: /etc/nginx/nginx.conf\n              subPath: nginx.conf\n      volumes:\n        - name: conf\n          configMap:\n            name: nginx-conf\n",
        metadata(app.service, ns),
        svc = app.service
    );
    let ingress = format!(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\n{}spec:\n  rules:\n    - http:\n        paths:\n          - path: /socket.io\n            pathType: Prefix\n            backend:\n              service:\n                name: {}\n                port:\n                  number: 80\n",
        metadata(&format!("{}-ingress", app.service), ns),
        app.service
    );
    for (name, text) in [
        ("service.yaml", service),
        ("backendconfig.yaml", backend_config),
        ("configmap.yaml", config_map),
        ("deployment.yaml", deployment),
        ("ingress.yaml", ingress),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// What forbids a split, added to a repository now and then.
#[derive(Clone, Copy, Debug)]
enum Extra {
    Nothing,
    IngressClass,
    ControllerConfigMap,
    BrokenYaml,
}

fn extra() -> impl Strategy<Value = Extra> {
    prop_oneof![
        12 => Just(Extra::Nothing),
        1 => Just(Extra::IngressClass),
        1 => Just(Extra::ControllerConfigMap),
        3 => Just(Extra::BrokenYaml),
    ]
}

fn write_extra(root: &Path, extra: Extra) {
    let dir = root.join("cluster");
    std::fs::create_dir_all(&dir).unwrap();
    let text = match extra {
        Extra::Nothing => return,
        Extra::IngressClass => "apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata:\n  name: nginx\n  namespace: team-a\n  annotations:\n    ingressclass.kubernetes.io/is-default-class: \"true\"\nspec:\n  controller: k8s.io/ingress-nginx\n",
        Extra::ControllerConfigMap => "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\n  namespace: team-b\ndata:\n  allow-snippet-annotations: \"true\"\n  proxy-read-timeout: \"3600\"\n",
        Extra::BrokenYaml => "apiVersion: v1\nkind: Service\nmetadata:\n  name: [broken\n",
    };
    std::fs::write(dir.join("extra.yaml"), text).unwrap();
}

fn options(root: &Path, batching: Batching) -> LintOptions {
    let mut options = LintOptions::new(vec![root.to_path_buf()], root.to_path_buf());
    options.batching = batching;
    options.free_model = FreeModel::Now;
    options
}

/// Every finding with the paths of the files it points into, in the order reported.
fn report(root: &Path, batching: Batching) -> (Vec<PathBuf>, Vec<String>) {
    let result = lint(&options(root, batching), &|_| true);
    let paths: Vec<PathBuf> = result.files.iter().map(|f| f.path.clone()).collect();
    let findings = result
        .diagnostics
        .iter()
        .map(|d| {
            // File ids are positions in `paths`, compared above: the debug form says the rest.
            format!("{d:?}")
        })
        .collect();
    (paths, findings)
}

/// The inputs of a directory walk, as `lint` hands them to the planner.
fn inputs(root: &Path) -> Vec<Input> {
    let found = discover::discover(
        &[root.to_path_buf()],
        &DiscoverOptions {
            root: root.to_path_buf(),
            exclude: Vec::new(),
            threads: 1,
        },
    );
    let mut inputs: Vec<Input> = found.files.into_iter().map(Input::from).collect();
    inputs.sort_by_key(|i| discover::path_sort_key(&i.path));
    inputs
}

/// How many batches `root` is split into with one group per batch (`None`: in one piece).
fn batches(root: &Path) -> Option<usize> {
    batch::plan(
        inputs(root),
        &Limits::default(),
        Batching::Always { batch_bytes: 1 },
    )
    .ok()
    .map(|b| b.len())
}

fn assert_agree(root: &Path) {
    let whole = report(root, Batching::Never);
    let batched = report(root, Batching::Always { batch_bytes: 1 });
    assert_eq!(whole.0, batched.0, "files of {}", root.display());
    assert_eq!(whole.1, batched.1, "findings of {}", root.display());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(48)))]

    #[test]
    fn batched_runs_agree_with_runs_in_one_piece(
        apps in proptest::collection::vec(app(), 2..9),
        extra in extra(),
    ) {
        let tmp = tempfile::tempdir().unwrap();
        for (i, app) in apps.iter().enumerate() {
            write_app(&tmp.path().join(format!("apps/app-{i}")), app);
        }
        write_extra(tmp.path(), extra);
        assert_agree(tmp.path());
    }
}

#[test]
fn namespaces_split_and_cross_namespace_names_join() {
    let tmp = tempfile::tempdir().unwrap();
    let app = |namespace, service, proxy_to: &'static str| App {
        backend_config: Some("chat-config"),
        proxy_to: Some(proxy_to),
        realtime: true,
        ..App::alone(Some(namespace), service)
    };
    // Three namespaces, nothing shared: three groups.
    write_app(&tmp.path().join("a"), &app("team-a", "chat", "chat"));
    write_app(&tmp.path().join("b"), &app("team-b", "api", "api"));
    write_app(&tmp.path().join("c"), &app("team-c", "web", "web"));
    assert_eq!(batches(tmp.path()), Some(3));
    assert_agree(tmp.path());
    // nginx in team-c proxies to `chat` by bare name, which the model looks up in every
    // namespace: team-a and team-c are one group.
    write_app(&tmp.path().join("c"), &app("team-c", "web", "chat"));
    assert_eq!(batches(tmp.path()), Some(2));
    assert_agree(tmp.path());
    // A Service of team-b names a BackendConfig that exists only in team-a (GKE008 says where
    // it is): one group.
    let mut b = app("team-b", "api", "api");
    b.annotation_names = Some("chat-config");
    write_app(&tmp.path().join("b"), &b);
    assert_eq!(batches(tmp.path()), None);
    assert_agree(tmp.path());
}

#[test]
fn what_applies_to_every_namespace_keeps_a_run_whole() {
    for extra in [Extra::IngressClass, Extra::ControllerConfigMap] {
        let tmp = tempfile::tempdir().unwrap();
        for (i, ns) in NAMESPACES.iter().take(3).enumerate() {
            let app = App::alone(Some(ns), SERVICES[i]);
            write_app(&tmp.path().join(format!("app-{i}")), &app);
        }
        assert_eq!(batches(tmp.path()), Some(3), "{extra:?}");
        write_extra(tmp.path(), extra);
        assert_eq!(batches(tmp.path()), None, "{extra:?}");
    }
    // A resource without a namespace may be linked to any namespace.
    let tmp = tempfile::tempdir().unwrap();
    for (i, ns) in [Some("team-a"), None].into_iter().enumerate() {
        write_app(
            &tmp.path().join(format!("app-{i}")),
            &App::alone(ns, SERVICES[i]),
        );
    }
    assert_eq!(batches(tmp.path()), None);
}

#[test]
fn batched_runs_agree_on_the_scenarios_fixtures_and_corpus() {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for parent in [shared().join("scenarios"), fixtures()] {
        let Ok(entries) = std::fs::read_dir(&parent) else {
            eprintln!("{} missing: skipped", parent.display());
            continue;
        };
        for entry in entries {
            let dir = entry.unwrap().path();
            if dir.is_dir() {
                dirs.push(dir);
            }
        }
    }
    dirs.push(shared().join("corpus"));
    for dir in dirs.iter().filter(|d| d.is_dir()) {
        assert_agree(dir);
    }
}

#[test]
fn batched_runs_agree_on_a_generated_monorepo() {
    let Some(tmp) = generated_monorepo(60) else {
        return;
    };
    // 60 apps in 20 team namespaces, one directory per app: 20 groups.
    assert_eq!(batches(tmp.path()), Some(20));
    assert_agree(tmp.path());
}
