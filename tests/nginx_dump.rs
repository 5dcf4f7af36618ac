//! Dumps our crossplane-compatible payloads for a corpus, for `scripts/compare-crossplane.py`:
//!
//! ```sh
//! NGINX_DUMP_IN=../shared/corpus/nginx NGINX_DUMP_OUT=/tmp/ours \
//!     cargo test --release --test nginx_dump -- --ignored
//! ```
//!
//! Writes one JSON file per input file (`--single` mode unless `NGINX_DUMP_FOLLOW` is set) to `NGINX_DUMP_OUT`, named by the
//! input's path relative to `NGINX_DUMP_IN` with `/` replaced by `__`, plus `index.json`.

use std::path::{Path, PathBuf};

use lint_manifests::parse::nginx::crossplane::parse_nginx_payload;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_dir() {
            walk(&p, out);
        } else if ft.is_file() {
            out.push(p);
        }
    }
}

#[test]
#[ignore = "writes payloads for the crossplane comparison script"]
fn dump_corpus_payloads() {
    let input = PathBuf::from(
        std::env::var("NGINX_DUMP_IN").unwrap_or_else(|_| "../shared/corpus/nginx".into()),
    );
    let output =
        PathBuf::from(std::env::var("NGINX_DUMP_OUT").unwrap_or_else(|_| "/tmp/nginx-dump".into()));
    std::fs::create_dir_all(&output).unwrap();
    let mut files = Vec::new();
    walk(&input, &mut files);
    files.sort();
    // NGINX_DUMP_FOLLOW=1: follow includes (inside NGINX_DUMP_IN) instead of `--single`.
    let follow = std::env::var_os("NGINX_DUMP_FOLLOW").is_some();
    let mut index = serde_json::Map::new();
    for f in &files {
        let rel = f
            .strip_prefix(&input)
            .unwrap()
            .to_string_lossy()
            .replace('/', "__");
        let payload = parse_nginx_payload(std::slice::from_ref(f), &input, follow);
        let name = format!("{rel}.json");
        std::fs::write(output.join(&name), serde_json::to_string(&payload).unwrap()).unwrap();
        index.insert(
            f.to_string_lossy().into_owned(),
            serde_json::Value::String(name),
        );
    }
    std::fs::write(
        output.join("index.json"),
        serde_json::to_string_pretty(&index).unwrap(),
    )
    .unwrap();
}
