//! Hostile input: every kind gives a clear finding or error, never a crash or a hang, and the
//! other files of the repository are still linted with their findings intact.

mod common;

use std::path::Path;

use common::*;

/// A repository with the seed-attached app plus `extra` hostile files.
fn repo_with(extra: &[(&str, Vec<u8>)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&shared().join("scenarios/seed-attached"), tmp.path());
    std::fs::remove_file(tmp.path().join("expected.json")).unwrap();
    for (name, content) in extra {
        let path = tmp.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    tmp
}

fn concise(dir: &Path) -> (i32, String, String) {
    run_in(dir, &["--format", "concise", "."])
}

/// The seed-attached findings are all still there.
fn assert_seed_findings_intact(stdout: &str) {
    for needle in [
        "k8s/backendconfig.yaml:6:1: GKE002",
        "k8s/backendconfig.yaml:8:14: GKE016",
        "k8s/nginx-configmap.yaml:22:13: NGX001",
        "nginx/websocket-gateway.conf:20:5: NGX002",
        "nginx/websocket-gateway.conf:2:1: NGX006",
    ] {
        assert!(stdout.contains(needle), "`{needle}` missing:\n{stdout}");
    }
}

fn billion_laughs() -> Vec<u8> {
    let mut s = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\ndata:\n  a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for i in 1..10 {
        let refs: Vec<String> = (0..9).map(|_| format!("*a{}", i - 1)).collect();
        s.push_str(&format!("  a{i}: &a{i} [{}]\n", refs.join(",")));
    }
    s.into_bytes()
}

#[test]
fn every_hostile_kind_at_once_leaves_other_findings_intact() {
    let deep_block = format!("{}1\n", "- ".repeat(100_000));
    let deep_flow = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata: {}\n",
        "[".repeat(100_000)
    );
    let mut big = b"apiVersion: v1\nkind: ConfigMap\ndata:\n".to_vec();
    while big.len() < 50 * 1024 * 1024 {
        big.extend_from_slice(
            b"  key: value value value value value value value value value value\n",
        );
    }
    let tmp = repo_with(&[
        ("k8s/lol.yaml", billion_laughs()),
        ("k8s/deep-block.yaml", deep_block.into_bytes()),
        ("k8s/deep-flow.yaml", deep_flow.into_bytes()),
        ("k8s/big.yaml", big),
        (
            "k8s/binary.yaml",
            vec![0x7f, b'E', b'L', b'F', 0, 0, 1, 2, 3],
        ),
        (
            "k8s/latin1.yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: caf\xe9\n".to_vec(),
        ),
        (
            "k8s/broken.yaml",
            b"apiVersion: v1\nkind: Service\nmetadata:\n  name: [x\n".to_vec(),
        ),
        (
            "chart/templates/svc.yaml",
            b"apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n".to_vec(),
        ),
        ("nginx/loop-a.conf", b"include loop-b.conf;\n".to_vec()),
        ("nginx/loop-b.conf", b"include loop-a.conf;\n".to_vec()),
        ("nginx/passwd.conf", b"include /etc/passwd;\n".to_vec()),
        ("nginx/deep.conf", "a {".repeat(10_000).into_bytes()),
        (
            "nginx/unknown-kind.yaml",
            b"apiVersion: example.com/v1\nkind: Whatever\nmetadata:\n  name: x\n".to_vec(),
        ),
    ]);
    let (code, stdout, stderr) = concise(tmp.path());
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_seed_findings_intact(&stdout);
    let expect = [
        ("k8s/lol.yaml", "LM001", "alias"),
        ("k8s/deep-block.yaml", "LM001", "nesting"),
        ("k8s/deep-flow.yaml", "LM001", ""),
        ("k8s/big.yaml", "LM001", "limit"),
        ("k8s/binary.yaml", "LM001", "binary"),
        ("k8s/latin1.yaml:4:", "LM001", "UTF-8"),
        ("k8s/broken.yaml:", "LM001", "invalid YAML"),
        ("chart/templates/svc.yaml:4:", "LM004", "template"),
        ("nginx/passwd.conf:1:1", "LM003", "outside"),
        ("nginx/deep.conf", "LM002", ""),
    ];
    for (file, rule, words) in expect {
        let line = stdout
            .lines()
            .find(|l| l.starts_with(file) && l.contains(rule));
        let line = line.unwrap_or_else(|| panic!("no {rule} for {file}:\n{stdout}"));
        assert!(
            line.to_lowercase().contains(&words.to_lowercase()),
            "{line}"
        );
    }
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("loop-") && l.contains("LM003") && l.contains("loop")),
        "include loop not reported:\n{stdout}"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: secret\n",
    )
    .unwrap();
    std::fs::write(
        outside.path().join("secret.conf"),
        "server { listen 80; }\n",
    )
    .unwrap();
    let tmp = repo_with(&[]);
    std::os::unix::fs::symlink(
        outside.path().join("secret.yaml"),
        tmp.path().join("k8s/link.yaml"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), tmp.path().join("nginx/linked-dir")).unwrap();
    std::fs::write(
        tmp.path().join("nginx/inc.conf"),
        "include linked-dir/secret.conf;\n",
    )
    .unwrap();
    let (_, stdout, stderr) = concise(tmp.path());
    assert!(
        stderr.contains("link.yaml") && stderr.contains("outside the linted root"),
        "{stderr}"
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("k8s/link.yaml")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("nginx/inc.conf:1:1") && l.contains("LM003")),
        "{stdout}"
    );
    assert_seed_findings_intact(&stdout);
}

#[test]
fn output_is_identical_with_one_and_eight_threads() {
    let corpus = shared().join("corpus");
    let one = run_in(&corpus, &["--format", "json", "--threads", "1", "."]);
    let eight = run_in(&corpus, &["--format", "json", "--threads", "8", "."]);
    assert_eq!(one.1, eight.1);
    assert!(one.0 == 0 || one.0 == 1);
}

#[test]
fn the_corpus_runs_without_a_panic_and_every_broken_file_is_a_finding() {
    let corpus = shared().join("corpus");
    let (code, stdout, stderr) = run_in(&corpus, &["--format", "json", "."]);
    assert!(code == 0 || code == 1, "exit {code}: {stderr}");
    assert!(!stderr.contains("panicked"));
    let findings: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
    for f in findings
        .iter()
        .filter(|f| matches!(f["rule"].as_str(), Some("LM001" | "LM002")))
    {
        assert!(
            f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1,
            "{f}"
        );
    }
}
