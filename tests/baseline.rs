//! Baselines end to end: `--write-baseline` records the current findings, `--baseline` hides
//! them (even after lines move) and reports only new ones, and fixed ones count as stale.

mod cfg_common;

use cfg_common::*;

#[test]
fn baseline_round_trip_reports_only_the_new_finding() {
    let tmp = seed();
    let root = tmp.path();
    let (_, before, _) = lint(root, &["."]);
    let n = before.len();
    assert!(n >= 10, "{before:#?}");
    let (code, _, stderr) = run_in(root, &["--write-baseline", "baseline.json", "."]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!("Wrote {n} finding(s)")),
        "{stderr}"
    );
    let written: serde_json::Value = serde_json::from_str(&read(root, "baseline.json")).unwrap();
    assert_eq!(written["version"], 1);
    assert_eq!(written["findings"].as_array().unwrap().len(), n);

    // Nothing new: nothing reported, exit 0.
    let (code, found, stderr) = lint(root, &["--baseline", "baseline.json", "."]);
    assert_eq!((code, found.len()), (0, 0), "{found:#?}");
    assert!(
        stderr.contains(&format!("{n} finding(s) hidden, 0 stale entries")),
        "{stderr}"
    );

    // Lines move (the old findings stay hidden), one finding is fixed (stale), one is new.
    let text = read(root, "k8s/backendconfig.yaml");
    write(
        root,
        "k8s/backendconfig.yaml",
        &format!("# moved\n\n{text}"),
    );
    edit(
        root,
        "k8s/nginx-configmap.yaml",
        "                proxy_buffering on;\n",
        "",
    );
    edit(
        root,
        "nginx/websocket-gateway.conf",
        "    location /healthz {",
        "    location /ws/ {\n        proxy_pass http://theia_backend;\n        proxy_set_header X-Client $remote_addr;\n    }\n\n    location /healthz {",
    );
    let (code, found, stderr) = lint(root, &["--baseline", "baseline.json", "."]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].rule.as_str(), found[0].file.as_str()),
        ("NGX002", "nginx/websocket-gateway.conf")
    );
    assert!(
        stderr.contains(&format!("{} finding(s) hidden, 1 stale entry", n - 1)),
        "{stderr}"
    );

    // Without the baseline everything shows.
    let (_, found, _) = lint(root, &["."]);
    assert_eq!(found.len(), n, "{found:#?}");
}

#[test]
fn a_bad_baseline_is_a_usage_error() {
    let tmp = seed();
    let root = tmp.path();
    write(
        root,
        "baseline.json",
        "{\"version\": 1, \"findings\": [\n  {\"file\": 3}\n]}\n",
    );
    let (code, _, stderr) = run_in(root, &["--baseline", "baseline.json", "."]);
    assert_eq!(code, 2);
    assert!(stderr.contains("baseline.json:2:"), "{stderr}");
    assert!(stderr.contains("--write-baseline"), "{stderr}");
    let (code, _, stderr) = run_in(root, &["--baseline", "missing.json", "."]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read baseline `missing.json`"),
        "{stderr}"
    );
}
