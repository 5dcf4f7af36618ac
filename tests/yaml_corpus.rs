//! The YAML loader over a corpus of real manifests: every file that parses must have spans
//! that agree with the source text. The corpus lives outside the repository
//! (`LINT_MANIFESTS_CORPUS`, default `/work/shared/corpus`); the test passes vacuously without it.

use std::path::{Path, PathBuf};

use lint_manifests::parse::yaml::{parse, Node, ScalarStyle, YamlLimits};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(path);
        }
    }
}

/// Problems with one node's span, if any.
fn check(text: &str, node: Node<'_>, problems: &mut Vec<String>) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        let r = node.span.range();
        if r.end > text.len() || !text.is_char_boundary(r.start) || !text.is_char_boundary(r.end) {
            problems.push(format!("span {r:?} out of the text"));
            continue;
        }
        let src = &text[r];
        if let Some(s) = node.scalar() {
            {
                let ok = match s.style {
                    ScalarStyle::Plain if node.is_null() && src.is_empty() => true,
                    ScalarStyle::Plain if !src.contains('\n') => src == s.text,
                    ScalarStyle::Plain => !src.ends_with(char::is_whitespace),
                    ScalarStyle::SingleQuoted => {
                        src.len() >= 2 && src.starts_with('\'') && src.ends_with('\'')
                    }
                    ScalarStyle::DoubleQuoted => {
                        src.len() >= 2 && src.starts_with('"') && src.ends_with('"')
                    }
                    ScalarStyle::Literal | ScalarStyle::Folded => {
                        (src.starts_with('|') || src.starts_with('>'))
                            && !src.ends_with('\n')
                            && !src.ends_with('\r')
                            && s.text.split_whitespace().all(|word| src.contains(word))
                    }
                };
                if !ok {
                    problems.push(format!("{:?} scalar {:?} spans {src:?}", s.style, s.text));
                }
            }
        } else if node.is_sequence() {
            let flow = src.starts_with('[') && src.ends_with(']');
            if !flow && !src.starts_with('-') {
                problems.push(format!("sequence spans {src:?}"));
            }
            stack.extend(node.items());
        } else {
            let flow = src.starts_with('{') && src.ends_with('}');
            if let Some(first) = node.entries().next() {
                if !flow && !node.span.contains(first.key.span) {
                    problems.push(format!("mapping {src:?} does not cover its first key"));
                }
            }
            for e in node.entries() {
                stack.push(e.key);
                stack.push(e.value);
            }
        }
    }
}

#[test]
fn corpus_spans_agree_with_the_source() {
    let dir = std::env::var("LINT_MANIFESTS_CORPUS").unwrap_or("/work/shared/corpus".into());
    let mut paths = Vec::new();
    files(Path::new(&dir), &mut paths);
    paths.sort();
    let (mut parsed, mut failed, mut problems) = (0, Vec::new(), Vec::new());
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        match parse(&text, &YamlLimits::default()) {
            Ok(stream) => {
                parsed += 1;
                let mut mine = Vec::new();
                for doc in &stream.documents {
                    check(&text, doc.root(), &mut mine);
                }
                for c in &stream.comments {
                    if !text[c.span.range()].starts_with('#') {
                        mine.push(format!("comment {:?}", &text[c.span.range()]));
                    }
                }
                problems.extend(mine.into_iter().map(|p| format!("{}: {p}", path.display())));
            }
            Err(e) => failed.push(format!("{}: {} at {:?}", path.display(), e.message, e.span)),
        }
    }
    eprintln!("{parsed} parsed, {} failed", failed.len());
    for f in &failed {
        eprintln!("  {f}");
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Helm templates are not YAML until rendered; everything else must load.
    let unexpected: Vec<&String> = failed
        .iter()
        .filter(|f| !f.contains("helm-templates"))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
}
