//! Parser throughput (release): `cargo test --release --test nginx_throughput -- --ignored --nocapture`.

use std::time::Instant;

use lint_manifests::parse::nginx::parse;

#[test]
#[ignore = "benchmark; run in release"]
fn nginx_parse_throughput() {
    let server = r#"
    server {
        listen 443 ssl http2;
        server_name app.example.com "quoted name";   # trailing comment
        ssl_certificate /etc/ssl/app.crt;
        location /socket.io/ {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_read_timeout 3600s;
            if ($request_uri ~* "^/(.*)$") { set $x ${y}z; }
        }
        content_by_lua_block { ngx.say("hello { }") -- comment }
        }
    }
"#;
    // A large config file (1 MiB), parsed repeatedly: what linting a repository does.
    let mut text = String::from("http {\n");
    while text.len() < 1 << 20 {
        text.push_str(server);
    }
    text.push_str("}\n");
    let _ = parse(&text).unwrap();
    let runs = 200;
    let start = Instant::now();
    for _ in 0..runs {
        let config = parse(&text).unwrap();
        assert_eq!(config.directives.len(), 1);
    }
    let secs = start.elapsed().as_secs_f64() / runs as f64;
    let mbs = text.len() as f64 / secs / 1e6;
    println!(
        "nginx parse: {:.1} MB in {:.3} s = {mbs:.0} MB/s",
        text.len() as f64 / 1e6,
        secs
    );
}

/// The shared corpus of real configs (if present), each file parsed in turn.
#[test]
#[ignore = "benchmark; run in release"]
fn nginx_parse_corpus_throughput() {
    let dir = std::env::var("NGINX_CORPUS").unwrap_or_else(|_| "../shared/corpus/nginx".into());
    let mut texts = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                texts.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    let total: usize = texts.iter().map(String::len).sum();
    if total == 0 {
        return;
    }
    let runs = 50;
    let start = Instant::now();
    for _ in 0..runs {
        for t in &texts {
            let _ = parse(t);
        }
    }
    let secs = start.elapsed().as_secs_f64() / runs as f64;
    println!(
        "nginx parse corpus: {} files, {:.1} MB: {:.0} MB/s",
        texts.len(),
        total as f64 / 1e6,
        total as f64 / secs / 1e6
    );
}
