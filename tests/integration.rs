//! Where users run it: pre-commit style explicit files with the whole project as context,
//! Helm-rendered streams on stdin mapped back to their templates, shell completions.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::*;

fn scenario_repo(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&shared().join("scenarios").join(name), tmp.path());
    std::fs::remove_file(tmp.path().join("expected.json")).unwrap();
    Command::new("git")
        .args(["init", "-q"])
        .current_dir(tmp.path())
        .status()
        .unwrap();
    tmp
}

/// Write `text` to `path` under `dir`, making its directories.
fn write_file(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn rules_in(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(String::from)
        .collect()
}

#[test]
fn a_service_changed_alone_is_still_linked_to_the_rest_of_the_project() {
    let repo = scenario_repo("seed-initial");
    let (code, stdout, stderr) = run_in(repo.path(), &["--format", "concise", "k8s/service.yaml"]);
    assert_eq!(code, 1, "{stderr}");
    // GKE001 needs the Ingress (GKE backend), the Deployment and the nginx ConfigMap (realtime).
    assert!(stdout.contains("k8s/service.yaml:4:9: GKE001"), "{stdout}");
    assert!(
        stdout.contains("3 replicas"),
        "the Deployment was linked: {stdout}"
    );
    for line in stdout
        .lines()
        .filter(|l| l.contains(": ") && !l.starts_with("Found"))
    {
        assert!(
            line.starts_with("k8s/service.yaml:"),
            "finding outside the given file: {line}"
        );
    }
}

#[test]
fn only_the_given_files_are_reported_from_a_subdirectory_too() {
    let repo = scenario_repo("seed-attached");
    let (_, stdout, _) = run_in(
        &repo.path().join("k8s"),
        &["--format", "concise", "backendconfig.yaml"],
    );
    let rules = rules_in(&stdout);
    for rule in ["GKE002", "GKE013", "GKE016", "GKE018"] {
        assert!(rules.iter().any(|r| r == rule), "{rule} missing: {stdout}");
    }
    assert!(
        !rules.iter().any(|r| r.starts_with("NGX")),
        "other files reported: {stdout}"
    );
    // Reported paths are relative to where the user is.
    assert!(
        stdout.lines().all(|l| !l.contains(": ")
            || l.starts_with("backendconfig.yaml:")
            || l.starts_with("Found")),
        "{stdout}"
    );
}

#[test]
fn no_context_lints_the_file_alone() {
    let repo = scenario_repo("seed-initial");
    let (code, stdout, _) = run_in(
        repo.path(),
        &["--format", "concise", "--no-context", "k8s/service.yaml"],
    );
    assert_eq!(
        code, 0,
        "without the Ingress and the pods nothing is known: {stdout}"
    );
}

#[test]
fn helm_rendered_stream_reports_template_paths() {
    let chart_parent = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures-helm");
    let rendered = std::fs::read(chart_parent.join("rendered.yaml")).unwrap();
    for (dir, prefix) in [
        (chart_parent.clone(), "chat/templates/"),
        (chart_parent.join("chat"), "templates/"),
    ] {
        let mut child = Command::new(bin())
            .args(["--format", "json", "-"])
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&rendered).unwrap();
        let out = child.wait_with_output().unwrap();
        let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        let gke002 = findings
            .iter()
            .find(|f| f["rule"] == "GKE002")
            .expect("GKE002");
        assert_eq!(gke002["file"], format!("{prefix}backendconfig.yaml"));
        // `spec:` is on line 5 of the template (line 21 of the stream): matched exactly.
        assert_eq!(
            (gke002["line"].as_u64(), gke002["column"].as_u64()),
            (Some(5), Some(1))
        );
        let gke016 = findings
            .iter()
            .find(|f| f["rule"] == "GKE016")
            .expect("GKE016");
        assert_eq!(gke016["file"], format!("{prefix}backendconfig.yaml"));
        assert!(gke016["notes"].to_string().contains("rendered"), "{gke016}");
    }
}

#[test]
fn kustomize_style_streams_are_linted_as_is() {
    // What `kustomize build` prints: documents separated by `---`, no `# Source:` comments.
    let k8s = shared().join("scenarios/seed-attached/k8s");
    let stream = [
        "backendconfig",
        "deployment",
        "ingress",
        "nginx-configmap",
        "service",
    ]
    .iter()
    .map(|f| std::fs::read_to_string(k8s.join(format!("{f}.yaml"))).unwrap())
    .collect::<Vec<_>>()
    .join("---\n");
    let mut child = Command::new(bin())
        .args(["--format", "concise", "--stdin-filename", "prod.yaml", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("prod.yaml:6:1: GKE002"), "{stdout}");
}

#[test]
fn completions_generate_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let (code, stdout, stderr) = run_in(Path::new("."), &["completions", shell]);
        assert_eq!(code, 0, "{shell}: {stderr}");
        assert!(stdout.contains("lint-manifests"), "{shell}");
        assert!(
            stdout.contains("unsafe-fixes"),
            "{shell}: flags are completed"
        );
    }
    let (code, man, _) = run_in(Path::new("."), &["man"]);
    assert_eq!(code, 0);
    assert!(man.contains(".TH lint-manifests"));
}

#[test]
fn version_names_the_git_revision() {
    let (_, stdout, _) = run_in(Path::new("."), &["--version"]);
    assert!(
        stdout.starts_with(&format!("lint-manifests {} (", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
}

#[test]
fn an_include_of_files_the_container_mounts_from_the_repo_says_so() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (_, stdout, _) = run_in(
        root,
        &[
            "--format",
            "concise",
            "tests/fixtures/LM003/fires-configmap-fragment",
        ],
    );
    let lm003: Vec<&str> = stdout.lines().filter(|l| l.contains(": LM003 [")).collect();
    assert_eq!(lm003.len(), 1, "{stdout}");
    assert!(
        lm003[0].contains(
            "`/etc/nginx/conf.d/*.conf` takes `/etc/nginx/conf.d/default.conf`, which this container mounts"
        ),
        "{stdout}"
    );
}

#[test]
fn a_backend_config_shared_by_services_in_two_files_points_at_the_right_annotation() {
    // One BackendConfig, two NEG Services in different files. `api` comes first and its pods
    // listen on the health check port; `chat`'s pods do not: GKE021 reports for `chat`, and
    // its "attached to Service `chat` here" points at `chat`'s annotation, in `chat`'s file.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let write = |path: &str, text: &str| write_file(dir, path, text);
    write(
        "config/backendconfig.yaml",
        "apiVersion: cloud.google.com/v1\nkind: BackendConfig\nmetadata:\n  name: shared\nspec:\n  healthCheck:\n    type: HTTP\n    requestPath: /healthz\n    port: 8080\n",
    );
    let service = |name: &str, padding: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  annotations:\n{padding}    cloud.google.com/neg: '{{\"ingress\": true}}'\n    cloud.google.com/backend-config: '{{\"default\": \"shared\"}}'\nspec:\n  selector:\n    app: {name}\n  ports:\n    - port: 80\n      targetPort: 8080\n"
        )
    };
    let deployment = |name: &str, port: u16| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n        - name: {name}\n          image: {name}:1\n          ports:\n            - containerPort: {port}\n"
        )
    };
    write("a/service.yaml", &service("api", ""));
    write("a/deployment.yaml", &deployment("api", 8080));
    // Three more annotation lines: the two annotations are on different lines.
    write(
        "b/service.yaml",
        &service("chat", "    team: chat\n    tier: web\n    owner: me\n"),
    );
    write("b/deployment.yaml", &deployment("chat", 3000));
    let (_, stdout, stderr) = run_in(dir, &["--format", "json", "--select", "GKE021", "."]);
    let findings: serde_json::Value = serde_json::from_str(&stdout).expect(&stderr);
    let findings = findings.as_array().unwrap();
    assert_eq!(findings.len(), 1, "{stdout}");
    assert!(findings[0]["message"].as_str().unwrap().contains("`chat`"));
    let attached = findings[0]["related"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["message"]
                .as_str()
                .unwrap()
                .starts_with("attached to Service")
        })
        .expect("a related location for the Service");
    assert_eq!(attached["file"], "b/service.yaml");
    // `cloud.google.com/backend-config: '{...}'` is line 10 of chat's file; its value starts
    // after the key.
    assert_eq!(attached["line"], 10, "{attached}");
    assert_eq!(attached["column"], 38, "{attached}");
}

#[test]
fn nginx_in_a_config_map_reaches_bare_hosts_in_its_own_namespace() {
    // A ConfigMap's nginx proxies to `chat`, a realtime Service (appProtocol
    // kubernetes.io/ws). Cluster DNS resolves a bare host in the pod's namespace, which is the
    // ConfigMap's: only a `chat` there makes the location realtime (NGX001: no Upgrade
    // headers); `chat.<namespace>` reaches any namespace.
    let config_map = |namespace: &str, host: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: edge\n  namespace: {namespace}\ndata:\n  nginx.conf: |\n    events {{}}\n    http {{\n      server {{\n        listen 8080;\n        location /chat/ {{\n          proxy_pass http://{host}:3000;\n        }}\n      }}\n    }}\n"
        )
    };
    let service = |namespace: &str| {
        format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: chat\n  namespace: {namespace}\nspec:\n  selector:\n    app: chat\n  ports:\n    - port: 3000\n      appProtocol: kubernetes.io/ws\n"
        )
    };
    for (host, service_namespace, realtime) in [
        ("chat", "team-b", false),
        ("chat", "team-a", true),
        ("chat.team-b", "team-b", true),
        ("chat.team-b.svc.cluster.local", "team-b", true),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("edge.yaml"), config_map("team-a", host)).unwrap();
        std::fs::write(tmp.path().join("chat.yaml"), service(service_namespace)).unwrap();
        let (_, stdout, _) = run_in(
            tmp.path(),
            &["--format", "concise", "--select", "NGX001", "."],
        );
        assert_eq!(
            stdout.contains("NGX001"),
            realtime,
            "proxy_pass to `{host}`, Service in {service_namespace}:\n{stdout}"
        );
    }
}

#[test]
fn unrelated_broken_files_do_not_change_which_files_are_one_app() {
    // `a/` holds 65 manifest files: too many for one app, so each is an app of its own. Its
    // Deployment `web` and the Service `web` of `c/` are two apps, whatever else the repository
    // holds. App numbers once collided: directories without resources (here two broken files)
    // shifted the directory numbers onto the first file numbers, making them one app.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let write = |path: &str, text: &str| write_file(dir, path, text);
    write(
        "a/000-web.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: demo\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n        - name: web\n          image: web:1\n          ports:\n            - containerPort: 8080\n",
    );
    for i in 1..65 {
        write(
            &format!("a/{i:03}-config.yaml"),
            &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-{i}\n  namespace: demo\ndata:\n  key: value\n"),
        );
    }
    write(
        "c/svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: demo\nspec:\n  selector:\n    app: web\n  ports:\n    - port: 80\n      targetPort: 9999\n",
    );
    let rules = |dir: &Path| {
        let (_, stdout, _) = run_in(dir, &["--format", "concise", "."]);
        let mut found: Vec<String> = stdout
            .lines()
            .filter(|l| l.starts_with("a/") || l.starts_with("c/"))
            .map(String::from)
            .collect();
        found.sort();
        found
    };
    let alone = rules(dir);
    write(
        "b1/bad.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: [\n",
    );
    write(
        "b2/bad.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: [\n",
    );
    assert_eq!(rules(dir), alone);
}
