//! The YAML fast path against the saphyr path: whenever the fast path returns a tree, it is
//! the tree saphyr's events give (spans, tags, text, styles, document spans, comments). Run on
//! every YAML file we have (the corpus of ../shared when present, fixtures, examples, a
//! generated monorepo) and on generated manifest-like text with random mutations.

mod common;

use std::path::{Path, PathBuf};

use lint_manifests::parse::yaml::{parse_fast, parse_with_saphyr, Node, YamlLimits, YamlStream};
use proptest::prelude::*;

/// Why the two paths disagree on `text`, if they do. Agreement includes "fast path declined".
fn disagreement(text: &str, limits: &YamlLimits) -> Option<String> {
    let fast = parse_fast(text, limits)?;
    let slow = match parse_with_saphyr(text, limits) {
        Ok(slow) => slow,
        Err(e) => return Some(format!("fast path accepted, saphyr failed: {e:?}")),
    };
    compare(&fast, &slow)
}

fn compare(fast: &YamlStream, slow: &YamlStream) -> Option<String> {
    if fast.documents.len() != slow.documents.len() {
        return Some(format!(
            "{} documents, saphyr {}",
            fast.documents.len(),
            slow.documents.len()
        ));
    }
    for (i, (f, s)) in fast.documents.iter().zip(&slow.documents).enumerate() {
        if f.root() != s.root() {
            return Some(format!(
                "document {i}: {}",
                first_difference(f.root(), s.root(), "")
            ));
        }
        if f.tree != s.tree {
            return Some(format!("document {i}: equal nodes, different trees"));
        }
        if f.span != s.span {
            return Some(format!(
                "document {i} span {:?}, saphyr {:?}",
                f.span, s.span
            ));
        }
    }
    if fast.comments != slow.comments {
        return Some(format!(
            "comments:\nfast   {:?}\nsaphyr {:?}",
            fast.comments, slow.comments
        ));
    }
    None
}

/// The first node where two different trees differ, briefly.
fn first_difference(fast: Node<'_>, slow: Node<'_>, path: &str) -> String {
    let brief = |n: Node<'_>| {
        if let Some(s) = n.scalar() {
            format!("{:?} {:?} {:?} {:?}", n.span, n.tag(), s.style, s.text)
        } else if n.is_mapping() {
            let len = n.entries().len();
            format!("{:?} {:?} mapping of {len}", n.span, n.tag())
        } else {
            format!("{:?} {:?} sequence of {}", n.span, n.tag(), n.items().len())
        }
    };
    let here = format!(
        "at {path:?}:\nfast   {}\nsaphyr {}",
        brief(fast),
        brief(slow)
    );
    if fast.is_mapping() && slow.is_mapping() && fast.entries().len() == slow.entries().len() {
        for (x, y) in fast.entries().zip(slow.entries()) {
            let key = format!("{path}/{}", y.key.as_str().unwrap_or("?"));
            if x.key != y.key {
                return first_difference(x.key, y.key, &format!("{key} (key)"));
            }
            if x.value != y.value {
                return first_difference(x.value, y.value, &key);
            }
        }
    } else if fast.is_sequence() && slow.is_sequence() && fast.items().len() == slow.items().len() {
        for (i, (x, y)) in fast.items().zip(slow.items()).enumerate() {
            if x != y {
                return first_difference(x, y, &format!("{path}/{i}"));
            }
        }
    }
    here
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml" | "yml" | "json")
        ) {
            out.push(path);
        }
    }
}

/// Check every file under `dirs`; (files read, files the fast path accepted).
fn check_files(dirs: &[PathBuf]) -> (usize, usize) {
    let mut paths = Vec::new();
    for dir in dirs {
        yaml_files(dir, &mut paths);
    }
    paths.sort();
    let limits = YamlLimits::default();
    let (mut read, mut accepted, mut problems) = (0, 0, Vec::new());
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        read += 1;
        if parse_fast(&text, &limits).is_some() {
            accepted += 1;
        }
        if let Some(why) = disagreement(&text, &limits) {
            problems.push(format!("{}: {why}", path.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
    (read, accepted)
}

fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")
}

#[test]
fn fast_path_agrees_on_the_corpus() {
    let corpus = shared().join("corpus");
    let k8s = corpus.join("k8s");
    if !k8s.is_dir() {
        eprintln!("no corpus at {}: skipped", corpus.display());
        return;
    }
    let (read, accepted) = check_files(&[k8s]);
    eprintln!("k8s corpus: fast path accepted {accepted} of {read} files");
    assert!(accepted * 100 >= read * 80, "{accepted} of {read}");
    let (read, accepted) =
        check_files(&[corpus.join("helm-templates"), shared().join("scenarios")]);
    eprintln!("helm templates and scenarios: fast path accepted {accepted} of {read} files");
}

#[test]
fn fast_path_agrees_on_fixtures_and_examples() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (read, accepted) = check_files(&[root.join("tests"), root.join("examples")]);
    eprintln!("fixtures and examples: fast path accepted {accepted} of {read} files");
    assert!(read > 0);
}

#[test]
fn fast_path_reads_every_generated_monorepo_file() {
    let Some(dir) = common::generated_monorepo(100) else {
        return;
    };
    let mut paths = Vec::new();
    yaml_files(dir.path(), &mut paths);
    let limits = YamlLimits::default();
    let mut declined = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        if let Some(why) = disagreement(&text, &limits) {
            panic!("{}: {why}", path.display());
        }
        // Some files hold a syntax error on purpose: saphyr reports it.
        if parse_fast(&text, &limits).is_none() && parse_with_saphyr(&text, &limits).is_ok() {
            declined.push(path.display().to_string());
        }
    }
    assert!(paths.len() >= 500, "{}", paths.len());
    assert!(declined.is_empty(), "declined: {declined:#?}");
}

#[test]
fn fast_path_respects_the_depth_limit() {
    let limits = YamlLimits {
        max_depth: 3,
        ..YamlLimits::default()
    };
    assert!(parse_fast("a:\n  b:\n    c: 1\n", &limits).is_some());
    assert!(parse_fast("a:\n  b:\n    c:\n      d: 1\n", &limits).is_none());
    assert!(parse_fast("a:\n  b: [[1]]\n", &limits).is_none());
    assert!(parse_with_saphyr("a:\n  b:\n    c:\n      d: 1\n", &limits).is_err());
}

// ---------------------------------------------------------------------------------------------
// Generated manifest-like YAML.

/// 256 cases, or `PROPTEST_CASES` for longer runs.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => "[a-z][a-zA-Z0-9.-]{0,10}",
        2 => "[a-z]{1,4} [a-z]{1,4}",
        2 => "(true|no|null|~|0x1F|-1|1.5|:x|-x|a:b|a#b|http://x/y)",
        2 => "[a-zé☕日]{1,5}",
        1 => "[-a-z:#, \\[\\]{}]{1,8}",
    ]
}

/// A scalar as written in block context (several styles).
fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => word(),
        1 => "[a-z \"'#\\\\é]{0,8}".prop_map(|s| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))),
        1 => "(\\\\n|\\\\t|\\\\u00e9|\\\\x41|\\\\\"|\\\\/|\\\\ |\\\\U0001F600|\\\\0|\\\\_|\\\\N|a){1,4}(\\\\q|\\\\u12|)".prop_map(|s| format!("\"{s}\"")),
        1 => "[a-z '#\"é]{0,8}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        1 => "\\[( ?[a-z0-9\"]{1,3} ?,?){0,3}\\]",
        1 => "\\[( ?([a-z0-9]{1,3}|\"[a-z ]{0,3}\"|\\[\\]|\\{\\}) ?,){0,3} ?[a-z0-9]{1,3} ?\\]",
        1 => "\\{( ?[a-z]{1,3}: [a-z0-9]{1,3},?){0,3}\\}",
        1 => Just(String::new()),
    ]
}

/// Lines of a block scalar body (relative indentation, text), with empty and blank lines.
fn block_body() -> impl Strategy<Value = Vec<(usize, String)>> {
    prop::collection::vec(
        (
            prop_oneof![4 => Just(0usize), 1 => 1usize..3],
            prop_oneof![
                4 => "[a-z#:{} ]{0,10}",
                1 => Just(String::new()),
                1 => Just("  ".to_string()),
                1 => Just("\tx".to_string()),
                1 => Just("x  ".to_string()),
            ],
        ),
        0..6,
    )
}

#[derive(Clone, Debug)]
enum Tree {
    Scalar(String),
    Block(String, Vec<(usize, String)>),
    Map(Vec<(String, Tree)>),
    Seq(Vec<Tree>),
}

fn tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        6 => scalar().prop_map(Tree::Scalar),
        1 => ("(\\||>)(-|\\+)?", block_body()).prop_map(|(h, body)| Tree::Block(h, body)),
    ];
    leaf.prop_recursive(5, 40, 5, |inner| {
        prop_oneof![
            3 => prop::collection::vec((word(), inner.clone()), 1..5).prop_map(Tree::Map),
            2 => prop::collection::vec(inner, 1..4).prop_map(Tree::Seq),
        ]
    })
}

/// Decorations written around lines: trailing comments, blank lines.
#[derive(Clone, Debug)]
struct Style {
    indent_step: usize,
    indentless: bool,
    comments: bool,
    blank_lines: bool,
}

fn render(tree: &Tree, indent: usize, style: &Style, out: &mut String, counter: &mut usize) {
    *counter += 1;
    let pad = " ".repeat(indent);
    let extra = |out: &mut String, counter: usize| {
        if style.comments && counter.is_multiple_of(3) {
            out.push_str(" # note");
        }
        out.push('\n');
        if style.blank_lines && counter.is_multiple_of(4) {
            out.push_str(if counter.is_multiple_of(8) {
                "\n"
            } else {
                "  # own line\n"
            });
        }
    };
    match tree {
        Tree::Map(entries) => {
            for (i, (key, value)) in entries.iter().enumerate() {
                // The first key of a compact mapping sits on the line of its `- `.
                if i > 0 || !out.ends_with("- ") {
                    out.push_str(&pad);
                }
                out.push_str(key);
                out.push(':');
                write_value(value, indent, style, out, counter, &extra);
            }
        }
        Tree::Seq(items) => {
            for item in items {
                out.push_str(&pad);
                out.push_str("- ");
                match item {
                    Tree::Map(_) => render(item, indent + 2, style, out, counter),
                    Tree::Seq(_) => {
                        out.pop();
                        extra(out, *counter);
                        render(item, indent + style.indent_step, style, out, counter);
                    }
                    Tree::Scalar(s) => {
                        out.push_str(s);
                        extra(out, *counter);
                    }
                    Tree::Block(h, body) => write_block(h, body, indent, out),
                }
            }
        }
        Tree::Scalar(s) => {
            out.push_str(&pad);
            out.push_str(s);
            out.push('\n');
        }
        Tree::Block(h, body) => write_block(h, body, indent, out),
    }
}

fn write_value(
    value: &Tree,
    indent: usize,
    style: &Style,
    out: &mut String,
    counter: &mut usize,
    extra: &dyn Fn(&mut String, usize),
) {
    match value {
        Tree::Scalar(s) => {
            if !s.is_empty() {
                out.push(' ');
            }
            out.push_str(s);
            extra(out, *counter);
        }
        Tree::Block(h, body) => {
            out.push(' ');
            write_block(h, body, indent, out);
        }
        Tree::Map(_) => {
            extra(out, *counter);
            render(value, indent + style.indent_step, style, out, counter);
        }
        Tree::Seq(_) => {
            extra(out, *counter);
            let nested = if style.indentless {
                indent
            } else {
                indent + style.indent_step
            };
            render(value, nested, style, out, counter);
        }
    }
}

fn write_block(header: &str, body: &[(usize, String)], indent: usize, out: &mut String) {
    out.push_str(header);
    out.push('\n');
    for (more, line) in body {
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent + 2 + more));
        }
        out.push_str(line);
        out.push('\n');
    }
}

fn document() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(tree(), 1..3),
        1usize..5,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(roots, indent_step, indentless, comments, blank_lines, explicit)| {
                let style = Style {
                    indent_step,
                    indentless,
                    comments,
                    blank_lines,
                };
                let mut out = String::new();
                let mut counter = 0;
                for (i, root) in roots.iter().enumerate() {
                    if explicit || i > 0 {
                        out.push_str(if comments { "--- # doc\n" } else { "---\n" });
                    }
                    let root = match root {
                        Tree::Map(_) | Tree::Seq(_) => root.clone(),
                        other => Tree::Map(vec![("k".into(), other.clone())]),
                    };
                    render(&root, 0, &style, &mut out, &mut counter);
                }
                out
            },
        )
}

/// A valid-looking document with one byte replaced, inserted or removed.
fn mutated() -> impl Strategy<Value = String> {
    (
        document(),
        any::<prop::sample::Index>(),
        0u8..3,
        prop::sample::select(vec![
            " ", "\n", "\t", "-", ":", "#", "'", "\"", "|", ">", "[", "]", "{", "}", ",", "&", "*",
            "!", "?", "\\", "é", "x", "  ", "- ", ": ",
        ]),
    )
        .prop_map(|(text, at, op, piece)| {
            let mut at = at.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mut out = text.clone();
            match op {
                0 => out.insert_str(at, piece),
                1 if at < text.len() => {
                    let len = text[at..].chars().next().map_or(0, char::len_utf8);
                    out.replace_range(at..at + len, piece);
                }
                _ if at < text.len() => {
                    let len = text[at..].chars().next().map_or(0, char::len_utf8);
                    out.replace_range(at..at + len, "");
                }
                _ => {}
            }
            out
        })
}

fn check(text: &str) -> Result<(), TestCaseError> {
    if let Some(why) = disagreement(text, &YamlLimits::default()) {
        return Err(TestCaseError::fail(format!("{text:?}\n{why}")));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_documents_agree(text in document()) {
        check(&text)?;
    }

    #[test]
    fn mutated_documents_agree(text in mutated()) {
        check(&text)?;
    }

    #[test]
    fn yaml_like_strings_agree(text in "([-:?|>'\"\\[\\]{}#,~0-9a-cé \n\t]|- |: |\n  |\n- ){0,60}") {
        check(&text)?;
    }
}
