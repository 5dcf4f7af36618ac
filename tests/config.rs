//! Configuration end to end: `.lint-manifests.toml` discovery, `--config`, `--isolated`,
//! selection by id, name and prefix (file and flags), `[levels]` and the exit code,
//! `[per-file-ignores]`, excludes, precise errors, `config init` and `--show-settings`.

mod cfg_common;

use cfg_common::*;

const CONFIG: &str = ".lint-manifests.toml";

#[test]
fn closest_config_applies_to_each_file_across_nested_folders() {
    let tmp = seed();
    let root = tmp.path();
    write(root, CONFIG, "ignore = [\"GKE016\"]\n");
    write(
        root,
        "nginx/.lint-manifests.toml",
        "select = [\"NGX002\"]\n",
    );
    // A deeper folder without its own config inherits the nginx/ one.
    std::fs::create_dir_all(root.join("nginx/conf.d/extra")).unwrap();
    std::fs::copy(
        root.join("nginx/websocket-gateway.conf"),
        root.join("nginx/conf.d/extra/copy.conf"),
    )
    .unwrap();

    let (_, found, stderr) = lint(root, &["."]);
    let in_file = |file: &str| -> Vec<String> {
        let mut v: Vec<String> = found
            .iter()
            .filter(|f| f.file == file)
            .map(|f| f.rule.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(
        in_file("k8s/backendconfig.yaml"),
        ids(&["GKE002", "GKE013", "GKE018"]),
        "{stderr}"
    );
    assert_eq!(
        in_file("k8s/nginx-configmap.yaml"),
        ids(&["NGX001", "NGX003", "NGX007", "NGX009"])
    );
    assert_eq!(in_file("nginx/websocket-gateway.conf"), ids(&["NGX002"]));
    assert_eq!(in_file("nginx/conf.d/extra/copy.conf"), ids(&["NGX002"]));

    // From inside a subfolder, the config above is found.
    let (_, found, _) = lint(&root.join("k8s"), &["."]);
    assert!(!rules(&found).contains(&"GKE016".to_string()));
    assert!(rules(&found).contains(&"GKE002".to_string()));

    // `--isolated` ignores every file; `--config` forces one for everything.
    let (_, found, _) = lint(root, &["--isolated", "."]);
    assert_eq!(rules(&found), ids(SEED_RULES));
    write(root, "other.toml", "select = [\"GKE016\", \"NGX006\"]\n");
    let (_, found, _) = lint(root, &["--config", "other.toml", "."]);
    assert_eq!(rules(&found), ids(&["GKE016", "NGX006"]));
}

#[test]
fn select_and_ignore_by_id_name_and_prefix() {
    let tmp = seed();
    let root = tmp.path();
    let (_, found, _) = lint(root, &["--select", "NGX", "."]);
    assert_eq!(
        rules(&found),
        ids(&["NGX001", "NGX002", "NGX003", "NGX006", "NGX007", "NGX009"])
    );
    let (_, found, _) = lint(root, &["--select", "GKE016,upstream-not-sticky", "."]);
    assert_eq!(rules(&found), ids(&["GKE016", "NGX006"]));
    let (_, found, _) = lint(
        root,
        &[
            "--ignore",
            "cdn-on-realtime-backend,NGX00",
            "--extend-select",
            "NGX002",
            ".",
        ],
    );
    // The more specific `NGX002` (an id) beats the prefix `NGX00`.
    assert_eq!(
        rules(&found),
        ids(&["GKE002", "GKE013", "GKE018", "K8S004", "NGX002"])
    );

    // The same in the file.
    write(
        root,
        CONFIG,
        "select = [\"NGX00\", \"GKE\"]\nignore = [\"GKE0\", \"proxy-buffering-on\"]\nextend-select = [\"session-affinity-missing\"]\n",
    );
    // `GKE0` beats `GKE`; the name `session-affinity-missing` beats `GKE0`.
    let (_, found, _) = lint(root, &["."]);
    assert_eq!(
        rules(&found),
        ids(&["GKE013", "NGX001", "NGX002", "NGX003", "NGX006", "NGX009"])
    );

    // Flags win over the file: `--select` replaces its selection.
    let (_, found, _) = lint(root, &["--select", "GKE016", "."]);
    assert_eq!(rules(&found), ids(&["GKE016"]));

    // An unknown selector is a usage error naming the nearest rule.
    let (code, _, stderr) = lint(root, &["--select", "GKE0166", "."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`GKE0166` names no rule"), "{stderr}");
}

#[test]
fn level_overrides_change_the_exit_code() {
    let tmp = seed();
    let root = tmp.path();
    // NGX007 is a note: alone, it does not fail the run.
    let (code, found, _) = lint(root, &["--select", "NGX007", "."]);
    assert_eq!((code, found.len()), (0, 1));
    assert_eq!(found[0].level, "note");
    write(root, CONFIG, "[levels]\nproxy-buffering-on = \"error\"\n");
    let (code, found, _) = lint(root, &["--select", "NGX007", "."]);
    assert_eq!(code, 1);
    assert_eq!(found[0].level, "error");

    // Everything down to notes: exit 0; `fail-on = "note"` in the file makes it 1 again, and
    // `--fail-on error` on the command line wins over the file.
    write(root, CONFIG, "[levels]\nGKE = \"note\"\nNGX = \"note\"\n");
    let (code, found, _) = lint(root, &["."]);
    assert_eq!(code, 0);
    assert!(found.iter().all(|f| f.level == "note"));
    write(
        root,
        CONFIG,
        "fail-on = \"note\"\n[levels]\nGKE = \"note\"\nNGX = \"note\"\n",
    );
    assert_eq!(lint(root, &["."]).0, 1);
    assert_eq!(lint(root, &["--fail-on", "error", "."]).0, 0);

    // The most specific key wins; `off` turns a rule off.
    write(
        root,
        CONFIG,
        "[levels]\nNGX = \"note\"\nNGX006 = \"warning\"\nGKE = \"off\"\nK8S = \"off\"\n",
    );
    let (_, found, _) = lint(root, &["."]);
    assert!(found.iter().all(|f| f.rule.starts_with("NGX")));
    let ngx006 = found.iter().find(|f| f.rule == "NGX006").unwrap();
    assert_eq!(ngx006.level, "warning");
    let ngx001 = found.iter().find(|f| f.rule == "NGX001").unwrap();
    assert_eq!(ngx001.level, "note");
}

#[test]
fn per_file_ignores_and_excludes() {
    let tmp = seed();
    let root = tmp.path();
    write(
        root,
        CONFIG,
        "[per-file-ignores]\n\"*.conf\" = [\"NGX006\"]\n\"k8s/backend*.yaml\" = [\"GKE\"]\n",
    );
    let (_, found, _) = lint(root, &["."]);
    assert_eq!(
        rules(&found),
        ids(&["K8S004", "NGX001", "NGX002", "NGX003", "NGX007", "NGX009"])
    );

    write(root, CONFIG, "extend-exclude = [\"nginx/\"]\n");
    let (_, found, _) = lint(root, &["."]);
    assert!(found.iter().all(|f| !f.file.starts_with("nginx/")));
    assert!(rules(&found).contains(&"GKE016".to_string()));
    // A file named on the command line is linted even when excluded.
    let (_, found, _) = lint(root, &["nginx/websocket-gateway.conf"]);
    assert!(rules(&found).contains(&"NGX006".to_string()));
}

#[test]
fn unknown_key_gives_file_line_column_and_the_nearest_key() {
    let tmp = seed();
    let root = tmp.path();
    write(
        root,
        CONFIG,
        "# my config\nignore = [\"GKE016\"]\nselct = [\"NGX\"]\n",
    );
    let (code, stdout, stderr) = run_in(root, &["."]);
    assert_eq!(code, 2, "{stdout}");
    assert!(
        stderr.contains(".lint-manifests.toml:3:1: unknown key `selct` at the top level"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `select`?"), "{stderr}");

    write(root, CONFIG, "[assumptions]\nneg_by_default = true\n");
    let (code, _, stderr) = run_in(root, &["."]);
    assert_eq!(code, 2);
    assert!(stderr.contains(".lint-manifests.toml:2:1:"), "{stderr}");
    assert!(
        stderr.contains("did you mean `neg-by-default`?"),
        "{stderr}"
    );

    // Bad values point at the value.
    write(root, CONFIG, "fail-on = \"loud\"\n");
    let (code, _, stderr) = run_in(root, &["."]);
    assert_eq!(code, 2);
    assert!(stderr.contains(".lint-manifests.toml:1:11:"), "{stderr}");
    write(root, CONFIG, "[levels]\nGKE016 = \"eror\"\n");
    let (_, _, stderr) = run_in(root, &["."]);
    assert!(stderr.contains(":2:10: `eror` is not a level"), "{stderr}");
    assert!(stderr.contains("did you mean `error`?"), "{stderr}");
    write(
        root,
        CONFIG,
        "[thresholds]\ngke003-min-timeout-sec = \"300\"\n",
    );
    let (_, _, stderr) = run_in(root, &["."]);
    assert!(stderr.contains("must be a whole number"), "{stderr}");

    // A config in a subfolder is reported with its own path, and only files under it fail.
    write(root, CONFIG, "");
    write(
        root,
        "nginx/.lint-manifests.toml",
        "[realtime]\npath = []\n",
    );
    let (code, _, stderr) = run_in(root, &["."]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("nginx/.lint-manifests.toml:2:1: unknown key `path` in `[realtime]`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `paths`?"), "{stderr}");
    let (code, _, _) = run_in(root, &["k8s"]);
    assert_eq!(code, 1);
}

#[test]
fn settings_reach_the_model() {
    let tmp = seed();
    let root = tmp.path();
    // Without `socket.io` among the realtime segments, the realtime findings go away.
    write(root, CONFIG, "[realtime]\npaths = [\"nothing\"]\n");
    let (_, found, _) = lint(root, &["."]);
    assert!(!rules(&found).contains(&"GKE016".to_string()));
    write(
        root,
        CONFIG,
        "[realtime]\npaths = [\"nothing\"]\nextend-paths = [\"socket.io\"]\n",
    );
    let (_, found, _) = lint(root, &["."]);
    assert!(rules(&found).contains(&"GKE016".to_string()));
}

#[test]
fn config_init_and_show_settings() {
    let tmp = seed();
    let root = tmp.path();
    let (code, _, stderr) = run_in(root, &["config", "init"]);
    assert_eq!(code, 0, "{stderr}");
    let written = read(root, CONFIG);
    assert!(written.contains("[assumptions]") && written.contains("# "));
    // Refuses to overwrite.
    let (code, _, stderr) = run_in(root, &["config", "init"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--force"), "{stderr}");
    // The starting config changes nothing.
    let (code, found, stderr) = lint(root, &["."]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(rules(&found), ids(SEED_RULES));

    edit(
        root,
        CONFIG,
        "neg-by-default = false",
        "neg-by-default = true",
    );
    edit(
        root,
        CONFIG,
        "[levels]\n",
        "[levels]\nNGX007 = \"warning\"\n",
    );
    let (code, stdout, _) = run_in(root, &["--show-settings", "--ignore", "GKE016", "k8s"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("from `.lint-manifests.toml`"), "{stdout}");
    assert!(stdout.contains("neg-by-default = true"), "{stdout}");
    assert!(
        stdout.contains("NGX007 = \"warning\"  # default note"),
        "{stdout}"
    );
    assert!(stdout.contains("gke003-min-timeout-sec = 300"), "{stdout}");
    let disabled = stdout
        .lines()
        .find(|l| l.starts_with("disabled = "))
        .unwrap();
    assert_eq!(disabled, "disabled = [\"GKE016\"]");
}

#[test]
fn fix_never_runs_under_a_broken_config() {
    let tmp = seed();
    let root = tmp.path();
    write(root, "nginx/.lint-manifests.toml", "ignroe = []\n");
    let before = read(root, "nginx/websocket-gateway.conf");
    let (code, _, stderr) = run_in(root, &["--fix", "--unsafe-fixes", "."]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("did you mean `ignore`?"), "{stderr}");
    assert_eq!(read(root, "nginx/websocket-gateway.conf"), before);
}
