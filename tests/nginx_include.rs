//! Include resolution and the multi-file loader, on temporary directories.

use std::fs;
use std::path::Path;

use lint_manifests::parse::nginx::crossplane::parse_nginx_payload;
use lint_manifests::parse::nginx::include::{
    load_with_includes, resolve_include, IncludeError, IncludeLimits,
};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn names(paths: &[std::path::PathBuf]) -> Vec<String> {
    paths
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn glob_include_sorted_and_hidden_files_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "nginx.conf", "http { include conf.d/*.conf; }\n");
    write(root, "conf.d/b.conf", "server { listen 81; }\n");
    write(root, "conf.d/a.conf", "server { listen 80; }\n");
    write(root, "conf.d/.hidden.conf", "x;\n");
    write(root, "conf.d/c.txt", "y;\n");
    let found = resolve_include(root, &root.join("nginx.conf"), "conf.d/*.conf").unwrap();
    assert_eq!(names(&found), vec!["a.conf", "b.conf"]);
    let found = resolve_include(root, &root.join("nginx.conf"), "conf.d/[ab].con?").unwrap();
    assert_eq!(names(&found), vec!["a.conf", "b.conf"]);
    // a glob matching nothing is not an error (nginx accepts it)
    assert_eq!(
        resolve_include(root, &root.join("nginx.conf"), "none/*.conf")
            .unwrap()
            .len(),
        0
    );

    let tree = load_with_includes(root, &root.join("nginx.conf"), IncludeLimits::default());
    assert_eq!(tree.files.len(), 3);
    assert!(tree.unresolved.is_empty(), "{:?}", tree.unresolved);
    assert_eq!(tree.edges.len(), 1);
    assert_eq!(tree.edges[0].to, vec![1, 2]);
    assert_eq!(tree.edges[0].line, 1);
    let text = &tree.files[0].text;
    assert_eq!(
        &text[tree.edges[0].directive.range()],
        "include conf.d/*.conf;"
    );
    assert_eq!(&text[tree.edges[0].arg.range()], "conf.d/*.conf");
}

#[test]
fn relative_to_including_file_then_main_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "nginx.conf", "include sites/site.conf;\n");
    // relative to the including file (sites/)
    write(
        root,
        "sites/site.conf",
        "include snippet.conf;\ninclude mime.types;\n",
    );
    write(root, "sites/snippet.conf", "a;\n");
    // not in sites/: falls back to the main config's directory (crossplane's rule)
    write(root, "mime.types", "types { text/html html; }\n");
    let tree = load_with_includes(root, &root.join("nginx.conf"), IncludeLimits::default());
    assert!(tree.unresolved.is_empty(), "{:?}", tree.unresolved);
    assert_eq!(tree.files.len(), 4);
    let files: Vec<String> = tree
        .files
        .iter()
        .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        files,
        vec!["nginx.conf", "site.conf", "snippet.conf", "mime.types"]
    );
}

#[test]
fn include_loop_is_recorded_not_followed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "a.conf", "include b.conf;\n");
    write(root, "b.conf", "include a.conf;\n");
    write(root, "self.conf", "include self.conf;\n");
    let tree = load_with_includes(root, &root.join("a.conf"), IncludeLimits::default());
    assert_eq!(tree.files.len(), 2);
    assert_eq!(tree.unresolved.len(), 1);
    assert_eq!(tree.unresolved[0].from, 1);
    assert!(matches!(
        tree.unresolved[0].error,
        IncludeError::Loop { .. }
    ));
    // loop edges are not in `edges`
    assert_eq!(tree.edges.iter().map(|e| e.to.len()).sum::<usize>(), 1);

    let tree = load_with_includes(root, &root.join("self.conf"), IncludeLimits::default());
    assert_eq!(tree.files.len(), 1);
    assert!(matches!(
        tree.unresolved[0].error,
        IncludeError::Loop { .. }
    ));
}

#[test]
fn diamond_is_not_a_loop_and_each_file_is_parsed_once() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "main.conf", "include x.conf;\ninclude y.conf;\n");
    write(root, "x.conf", "include z.conf;\n");
    write(root, "y.conf", "include z.conf;\n");
    write(root, "z.conf", "z;\n");
    let tree = load_with_includes(root, &root.join("main.conf"), IncludeLimits::default());
    assert_eq!(tree.files.len(), 4);
    assert!(tree.unresolved.is_empty());
}

#[test]
fn absolute_paths_outside_root_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "nginx.conf",
        "include /etc/passwd;\ninclude ../../../../../../etc/passwd;\n",
    );
    let err = resolve_include(root, &root.join("nginx.conf"), "/etc/passwd").unwrap_err();
    assert!(matches!(err, IncludeError::OutsideRoot { .. }), "{err:?}");
    let err = resolve_include(
        root,
        &root.join("nginx.conf"),
        "../../../../../../etc/passwd",
    )
    .unwrap_err();
    assert!(matches!(err, IncludeError::OutsideRoot { .. }), "{err:?}");
    let err = resolve_include(root, &root.join("nginx.conf"), "/etc/*").unwrap_err();
    assert!(matches!(err, IncludeError::OutsideRoot { .. }), "{err:?}");
    let tree = load_with_includes(root, &root.join("nginx.conf"), IncludeLimits::default());
    assert_eq!(tree.files.len(), 1);
    assert_eq!(tree.unresolved.len(), 2);
    // an absolute path inside the root is fine
    write(root, "in.conf", "a;\n");
    let inside = root.canonicalize().unwrap().join("in.conf");
    assert_eq!(
        resolve_include(root, &root.join("nginx.conf"), inside.to_str().unwrap())
            .unwrap()
            .len(),
        1
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_root_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "secret.conf", "secret;\n");
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "nginx.conf",
        "include link.conf;\ninclude dir/*.conf;\n",
    );
    std::os::unix::fs::symlink(outside.path().join("secret.conf"), root.join("link.conf")).unwrap();
    std::os::unix::fs::symlink(outside.path(), root.join("dir")).unwrap();
    let err = resolve_include(root, &root.join("nginx.conf"), "link.conf").unwrap_err();
    assert!(matches!(err, IncludeError::OutsideRoot { .. }), "{err:?}");
    let err = resolve_include(root, &root.join("nginx.conf"), "dir/*.conf").unwrap_err();
    assert!(matches!(err, IncludeError::OutsideRoot { .. }), "{err:?}");
    let tree = load_with_includes(root, &root.join("nginx.conf"), IncludeLimits::default());
    assert_eq!(tree.files.len(), 1);
    assert_eq!(tree.unresolved.len(), 2);
    assert!(tree.files.iter().all(|f| !f.text.contains("secret")));
}

#[test]
fn missing_include_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "nginx.conf", "http {\n    include missing.conf;\n}\n");
    let err = resolve_include(root, &root.join("nginx.conf"), "missing.conf").unwrap_err();
    assert_eq!(
        err,
        IncludeError::NotFound {
            pattern: "missing.conf".into()
        }
    );
    let tree = load_with_includes(root, &root.join("nginx.conf"), IncludeLimits::default());
    assert_eq!(tree.unresolved.len(), 1);
    let u = &tree.unresolved[0];
    assert_eq!(u.line, 2);
    assert_eq!(u.pattern, "missing.conf");
    assert_eq!(&tree.files[0].text[u.arg.range()], "missing.conf");

    let payload = parse_nginx_payload(&[root.join("nginx.conf")], root, true);
    assert_eq!(payload["status"], "failed");
    assert_eq!(payload["errors"][0]["line"], 2);
    assert_eq!(
        payload["config"][0]["parsed"][0]["block"][0]["includes"],
        serde_json::json!([])
    );
}

#[test]
fn depth_and_file_caps() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for i in 0..30 {
        write(
            root,
            &format!("f{i}.conf"),
            &format!("include f{}.conf;\n", i + 1),
        );
    }
    write(root, "f30.conf", "end;\n");
    let limits = IncludeLimits {
        max_depth: 5,
        ..IncludeLimits::default()
    };
    let tree = load_with_includes(root, &root.join("f0.conf"), limits);
    assert_eq!(tree.files.len(), 6);
    assert!(matches!(
        tree.unresolved[0].error,
        IncludeError::TooDeep { limit: 5 }
    ));

    let limits = IncludeLimits {
        max_files: 3,
        ..IncludeLimits::default()
    };
    let tree = load_with_includes(root, &root.join("f0.conf"), limits);
    assert_eq!(tree.files.len(), 3);
    assert!(matches!(
        tree.unresolved[0].error,
        IncludeError::TooManyFiles { limit: 3 }
    ));
}

#[test]
fn payload_includes_indices_like_crossplane() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        root,
        "nginx.conf",
        "events {}\nhttp {\n  include conf.d/*.conf;\n}\n",
    );
    write(root, "conf.d/a.conf", "server { listen 80; }\n");
    write(root, "conf.d/b.conf", "server { listen 81; }\n");
    let payload = parse_nginx_payload(&[root.join("nginx.conf")], root, true);
    assert_eq!(payload["status"], "ok");
    assert_eq!(payload["config"].as_array().unwrap().len(), 3);
    let inc = &payload["config"][0]["parsed"][1]["block"][0];
    assert_eq!(inc["directive"], "include");
    assert_eq!(inc["includes"], serde_json::json!([1, 2]));
    assert_eq!(inc["column"], 3);
    assert_eq!(
        payload["config"][2]["parsed"][0]["block"][0]["args"],
        serde_json::json!(["81"])
    );

    // single mode: no includes key, one config per file
    let payload = parse_nginx_payload(&[root.join("nginx.conf")], root, false);
    assert_eq!(payload["config"].as_array().unwrap().len(), 1);
    assert!(payload["config"][0]["parsed"][1]["block"][0]
        .get("includes")
        .is_none());
}

#[test]
fn unreadable_main_file_is_a_failed_config() {
    let tmp = tempfile::tempdir().unwrap();
    let payload = parse_nginx_payload(&[tmp.path().join("nope.conf")], tmp.path(), false);
    assert_eq!(payload["status"], "failed");
    assert_eq!(payload["config"][0]["status"], "failed");
    assert!(payload["errors"][0]["error"]
        .as_str()
        .unwrap()
        .starts_with("cannot read file"));
}

#[test]
fn include_error_messages_say_what_and_why() {
    let e = IncludeError::OutsideRoot {
        path: "/etc/passwd".into(),
    };
    assert_eq!(
        e.to_string(),
        "\"/etc/passwd\" is outside the linted root; includes are only followed inside it"
    );
    let e = IncludeError::NotFound {
        pattern: "x.conf".into(),
    };
    assert_eq!(e.to_string(), "no file matches \"x.conf\"");
}

#[test]
fn includes_before_a_syntax_error_are_followed_like_crossplane() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "broken.conf", "include ok.conf;\nhttp {\n");
    write(root, "ok.conf", "a;\n");
    let tree = load_with_includes(root, &root.join("broken.conf"), IncludeLimits::default());
    assert!(tree.files[0].config.is_err());
    assert_eq!(tree.files.len(), 2);
    assert!(tree.files[1].config.is_ok());
}
