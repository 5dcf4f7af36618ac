//! Suppressions end to end: `ignore[...]` on the line or the line above and `ignore-file[...]`
//! in YAML, nginx files and nginx embedded in a ConfigMap; the `lint-manifests.io/ignore`
//! annotation; a missing reason (LM006); unused suppressions (LM005) and their fix; SARIF
//! `suppressions` only with `--show-suppressed`.

mod cfg_common;

use cfg_common::*;

const BC: &str = "k8s/backendconfig.yaml";
const CM: &str = "k8s/nginx-configmap.yaml";
const GW: &str = "nginx/websocket-gateway.conf";

fn find<'a>(found: &'a [F], rule: &str) -> Vec<&'a F> {
    found.iter().filter(|f| f.rule == rule).collect()
}

fn suppressed(found: &[F], rule: &str) -> Option<String> {
    let hits = find(found, rule);
    assert_eq!(hits.len(), 1, "one {rule} expected: {found:#?}");
    hits[0].suppressed.clone()
}

#[test]
fn yaml_comment_on_the_line_and_the_line_above() {
    let tmp = seed();
    let root = tmp.path();
    edit(
        root,
        BC,
        "  cdn:\n    enabled: true",
        "  cdn:\n    # lint-manifests: ignore[GKE016] static assets only\n    enabled: true",
    );
    edit(
        root,
        BC,
        "requestPath: /health",
        "requestPath: /health  # lint-manifests: ignore[health-check-404-risk] /health is a file in the image",
    );
    let (_, found, _) = lint(root, &["--show-suppressed", "."]);
    assert_eq!(
        suppressed(&found, "GKE016").as_deref(),
        Some("static assets only")
    );
    assert_eq!(
        suppressed(&found, "GKE018").as_deref(),
        Some("/health is a file in the image")
    );
    assert_eq!(suppressed(&found, "GKE002"), None);
    assert!(find(&found, "LM005").is_empty() && find(&found, "LM006").is_empty());
    // Hidden without `--show-suppressed`.
    let (_, found, _) = lint(root, &["."]);
    assert!(find(&found, "GKE016").is_empty() && find(&found, "GKE018").is_empty());
    assert_eq!(find(&found, "GKE002").len(), 1);
}

#[test]
fn nginx_file_comments_and_ignore_file() {
    let tmp = seed();
    let root = tmp.path();
    edit(
        root,
        GW,
        "upstream theia_backend {",
        "# lint-manifests: ignore-file[upstream-not-sticky] one replica behind this gateway\nupstream theia_backend {",
    );
    edit(
        root,
        GW,
        "    location /socket.io/ {",
        "    # lint-manifests: ignore[NGX002] Upgrade is set again by the sidecar\n    location /socket.io/ {",
    );
    let (code, found, _) = lint(root, &["--show-suppressed", GW]);
    assert_eq!(
        suppressed(&found, "NGX006").as_deref(),
        Some("one replica behind this gateway")
    );
    assert_eq!(
        suppressed(&found, "NGX002").as_deref(),
        Some("Upgrade is set again by the sidecar")
    );
    assert_eq!(code, 0, "{found:#?}");
}

#[test]
fn comments_inside_configmap_embedded_nginx() {
    let tmp = seed();
    let root = tmp.path();
    edit(
        root,
        CM,
        "            location /theia/socket.io/ {",
        "            # lint-manifests: ignore[NGX001,NGX003] the app only long-polls\n            location /theia/socket.io/ {",
    );
    edit(
        root,
        CM,
        "proxy_buffering on;",
        "proxy_buffering on;  # lint-manifests: ignore[NGX007] tiny responses",
    );
    edit(
        root,
        CM,
        "    events {",
        "    # lint-manifests: ignore-file[NGX009] the LB idle timeout is lowered in Terraform\n    events {",
    );
    let (_, found, _) = lint(root, &["--show-suppressed", "."]);
    for rule in ["NGX001", "NGX003"] {
        assert_eq!(
            suppressed(&found, rule).as_deref(),
            Some("the app only long-polls")
        );
    }
    assert_eq!(
        suppressed(&found, "NGX007").as_deref(),
        Some("tiny responses")
    );
    assert_eq!(
        suppressed(&found, "NGX009").as_deref(),
        Some("the LB idle timeout is lowered in Terraform")
    );
    assert!(find(&found, "LM005").is_empty(), "{found:#?}");
}

#[test]
fn resource_annotation() {
    let tmp = seed();
    let root = tmp.path();
    edit(
        root,
        BC,
        "  namespace: coditect-app\n",
        "  namespace: coditect-app\n  annotations:\n    lint-manifests.io/ignore: \"GKE002: timeout set by the GCPBackendPolicy; session-affinity-missing: one replica in prod\"\n",
    );
    let (_, found, _) = lint(root, &["--show-suppressed", "."]);
    assert_eq!(
        suppressed(&found, "GKE002").as_deref(),
        Some("timeout set by the GCPBackendPolicy")
    );
    assert_eq!(
        suppressed(&found, "GKE013").as_deref(),
        Some("one replica in prod")
    );
    // Only findings inside that resource.
    assert_eq!(suppressed(&found, "NGX001"), None);
    assert!(find(&found, "LM005").is_empty());
}

#[test]
fn a_suppression_without_a_reason_is_a_finding() {
    let tmp = seed();
    let root = tmp.path();
    edit(
        root,
        BC,
        "    enabled: true",
        "    enabled: true  # lint-manifests: ignore[GKE016]",
    );
    edit(
        root,
        GW,
        "    location /socket.io/ {",
        "    # lint-manifests: ignore[NGX002]\n    location /socket.io/ {",
    );
    let (_, found, _) = lint(root, &["--show-suppressed", "."]);
    let lm006 = find(&found, "LM006");
    assert_eq!(lm006.len(), 2, "{found:#?}");
    assert_eq!((lm006[0].file.as_str(), lm006[0].line), (BC, 8));
    assert_eq!((lm006[1].file.as_str(), lm006[1].line), (GW, 20));
    assert!(lm006.iter().all(|f| f.level == "warning"));
    // The finding itself is still suppressed: one finding, the missing reason.
    assert!(suppressed(&found, "GKE016").is_some());
    assert!(suppressed(&found, "NGX002").is_some());

    // A rule that does not exist, and a malformed comment.
    edit(
        root,
        BC,
        "# lint-manifests: ignore[GKE016]",
        "# lint-manifests: ignore[GKE0016] typo",
    );
    edit(root, GW, "ignore[NGX002]", "ignore NGX002 because");
    let (_, found, _) = lint(root, &["."]);
    let lm006 = find(&found, "LM006");
    assert_eq!(lm006.len(), 2, "{found:#?}");
    assert_eq!(find(&found, "GKE016").len(), 1);
}

#[test]
fn unused_suppressions_are_lm005_and_the_fix_removes_them() {
    let tmp = seed();
    let root = tmp.path();
    // Own line in YAML, naming a rule that does not fire there.
    edit(
        root,
        BC,
        "  healthCheck:",
        "  # lint-manifests: ignore[GKE016] left over from the CDN days\n  healthCheck:",
    );
    // Trailing, in embedded nginx.
    edit(
        root,
        CM,
        "worker_connections 1024;",
        "worker_connections 1024; # lint-manifests: ignore[NGX001] old",
    );
    // Two rules, one used: only the unused one goes.
    edit(
        root,
        GW,
        "    location /socket.io/ {",
        "    # lint-manifests: ignore[NGX002, NGX003] headers come from the sidecar\n    location /socket.io/ {",
    );
    // An annotation entry that suppresses nothing, and one that does.
    edit(
        root,
        BC,
        "  namespace: coditect-app\n",
        "  namespace: coditect-app\n  annotations:\n    lint-manifests.io/ignore: \"GKE002: policy sets it; NGX001: stale\"\n",
    );
    let (_, found, _) = lint(root, &["."]);
    let lm005: Vec<(&str, u64)> = find(&found, "LM005")
        .iter()
        .map(|f| (f.file.as_str(), f.line))
        .collect();
    assert_eq!(
        lm005,
        vec![(BC, 7), (BC, 11), (CM, 9), (GW, 20)],
        "{found:#?}"
    );
    // A suppression of a rule that did not run is not reported.
    let (_, found, _) = lint(root, &["--select", "GKE,LM", "."]);
    let lm005: Vec<(&str, u64)> = find(&found, "LM005")
        .iter()
        .map(|f| (f.file.as_str(), f.line))
        .collect();
    assert_eq!(lm005, vec![(BC, 11)], "{found:#?}");

    let (code, _, stderr) = run_in(root, &["--fix", "--select", "LM005,GKE,NGX", "."]);
    assert!(code == 0 || code == 1, "{stderr}");
    let bc = read(root, BC);
    assert!(!bc.contains("CDN days"), "{bc}");
    assert!(bc.contains("  healthCheck:\n"), "{bc}");
    assert!(
        bc.contains("lint-manifests.io/ignore: \"GKE002: policy sets it\"\n"),
        "{bc}"
    );
    let cm = read(root, CM);
    assert!(cm.contains("worker_connections 1024;\n"), "{cm}");
    let gw = read(root, GW);
    assert!(
        gw.contains("    # lint-manifests: ignore[NGX002] headers come from the sidecar\n    location /socket.io/ {"),
        "{gw}"
    );
    let (_, found, _) = lint(root, &["."]);
    assert!(find(&found, "LM005").is_empty(), "{found:#?}");

    // An annotation left with nothing used is removed whole.
    edit(root, BC, "GKE002: policy sets it", "NGX003: not here");
    let (_, _, stderr) = run_in(root, &["--fix", "--select", "LM005,GKE,NGX", "."]);
    let bc = read(root, BC);
    assert!(!bc.contains("lint-manifests.io/ignore"), "{bc}\n{stderr}");
    // It was the only annotation: `annotations:` went with it.
    assert!(
        bc.contains("  namespace: coditect-app\nspec:\n"),
        "{bc}\n{stderr}"
    );
}

#[test]
fn sarif_suppressions_only_with_show_suppressed() {
    let tmp = seed();
    let root = tmp.path();
    edit(
        root,
        BC,
        "  cdn:\n    enabled: true",
        "  cdn:\n    # lint-manifests: ignore[GKE016] static assets only\n    enabled: true",
    );
    let sarif = |args: &[&str]| -> serde_json::Value {
        let mut all = vec!["--format", "sarif"];
        all.extend_from_slice(args);
        all.push(".");
        let (_, stdout, _) = run_in(root, &all);
        serde_json::from_str(&stdout).unwrap()
    };
    let results = |v: &serde_json::Value| v["runs"][0]["results"].as_array().unwrap().clone();
    let hidden = sarif(&[]);
    assert!(results(&hidden).iter().all(|r| r["ruleId"] != "GKE016"));
    assert!(results(&hidden)
        .iter()
        .all(|r| r.get("suppressions").is_none()));
    let shown = sarif(&["--show-suppressed"]);
    let gke016 = results(&shown)
        .into_iter()
        .find(|r| r["ruleId"] == "GKE016")
        .expect("GKE016 shown");
    assert_eq!(
        gke016["suppressions"],
        serde_json::json!([{"kind": "inSource", "justification": "static assets only"}])
    );
}

#[test]
fn no_lm005_for_rules_a_per_file_ignore_turns_off() {
    let tmp = seed();
    let root = tmp.path();
    write(
        root,
        ".lint-manifests.toml",
        "[per-file-ignores]\n\"nginx/*.conf\" = [\"NGX006\"]\n",
    );
    edit(
        root,
        GW,
        "upstream theia_backend {",
        "# lint-manifests: ignore-file[NGX006] one replica\nupstream theia_backend {",
    );
    let (_, found, _) = lint(root, &["--show-suppressed", "."]);
    assert!(find(&found, "NGX006").is_empty(), "{found:#?}");
    assert!(find(&found, "LM005").is_empty(), "{found:#?}");
}
