//! `lint-manifests parse-nginx`: crossplane-compatible JSON.
//!
//! The payload of `crossplane parse` (`status`, `errors`, `config[]` with `file`, `status`,
//! `errors`, `parsed`), each directive as `{directive, line, args, block?, includes?}` plus
//! `column` (1-based, in characters; crossplane has none). `*_by_lua_block` bodies are the
//! last argument, `if` arguments lose their parentheses, as in crossplane.

use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use super::include::{load_many, IncludeError, IncludeLimits, NginxTree};
use super::{Comment, Config, Directive, NginxError};
use crate::source::Span;

/// crossplane's `_prepare_if_args`: strip the parentheses around an `if` condition.
pub fn prepare_if_args(args: &mut Vec<String>) {
    let (Some(first), Some(last)) = (args.first(), args.last()) else {
        return;
    };
    if !(first.starts_with('(') && last.ends_with(')')) {
        return;
    }
    let first = args[0][1..]
        .trim_start_matches(super::lexer::py_space)
        .to_string();
    args[0] = first;
    let n = args.len();
    let last = &args[n - 1];
    let last = last[..last.len() - 1]
        .trim_end_matches(super::lexer::py_space)
        .to_string();
    args[n - 1] = last;
    let start = usize::from(args[0].is_empty());
    let end = n - usize::from(args[n - 1].is_empty());
    if start >= end {
        args.clear();
    } else {
        args.truncate(end);
        args.drain(..start);
    }
}

/// The JSON arguments of a directive, as crossplane gives them.
pub fn json_args(text: &str, d: &Directive) -> Vec<String> {
    let mut args: Vec<String> = d.args.iter().map(|a| a.value.to_string()).collect();
    if let Some(raw) = d.block.as_ref().and_then(|b| b.raw) {
        let body = text.get(raw.range()).unwrap_or("");
        args.push(if body.contains('\r') {
            body.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            body.to_string()
        });
    }
    if d.name == "if" {
        prepare_if_args(&mut args);
    }
    args
}

/// 1-based character column of a byte offset (lines end at `\n` or `\r`).
fn column(text: &str, offset: u32) -> usize {
    let offset = (offset as usize).min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line_start = before.rfind(['\n', '\r']).map_or(0, |i| i + 1);
    before[line_start..].chars().count() + 1
}

/// `parsed` for a list of directives. `includes(span)` gives the `includes` indices of an
/// include directive (None: no `includes` key, crossplane's `single` mode).
pub fn directives_json(
    text: &str,
    config: &Config,
    includes: &dyn Fn(Span) -> Option<Vec<usize>>,
) -> Vec<Value> {
    let directives = &config.directives;
    let comments = &config.comments;
    // Iterative, so deep nesting cannot overflow the stack.
    enum Step<'a> {
        Enter(&'a Directive),
        Leave(&'a Directive),
    }
    let mut out_stack: Vec<(Map<String, Value>, Vec<Value>)> = vec![(Map::new(), Vec::new())];
    let mut work: Vec<Step> = directives.iter().rev().map(Step::Enter).collect();
    while let Some(step) = work.pop() {
        match step {
            Step::Enter(d) => {
                let mut obj = Map::new();
                obj.insert("directive".into(), json!(d.name.as_str()));
                obj.insert("line".into(), json!(d.line));
                obj.insert("column".into(), json!(column(text, d.name_span.start)));
                obj.insert("args".into(), json!(json_args(text, d)));
                if d.name == "include" {
                    if let Some(inc) = includes(d.span) {
                        obj.insert("includes".into(), json!(inc));
                    }
                }
                match &d.block {
                    Some(b) if b.raw.is_none() => {
                        out_stack.push((obj, Vec::new()));
                        work.push(Step::Leave(d));
                        work.extend(b.directives.iter().rev().map(Step::Enter));
                    }
                    _ => {
                        if let Some(top) = out_stack.last_mut() {
                            top.1.push(Value::Object(obj));
                            push_arg_comments(text, comments, d, &mut top.1);
                        }
                    }
                }
            }
            Step::Leave(d) => {
                if let Some((mut obj, children)) = out_stack.pop() {
                    obj.insert("block".into(), Value::Array(children));
                    if let Some(top) = out_stack.last_mut() {
                        top.1.push(Value::Object(obj));
                        push_arg_comments(text, comments, d, &mut top.1);
                    }
                }
            }
        }
    }
    out_stack.pop().map(|(_, v)| v).unwrap_or_default()
}

/// crossplane (even without `comments=True`) emits the comments found among a directive's
/// arguments as `#` directives right after it.
fn push_arg_comments(text: &str, comments: &[Comment], d: &Directive, out: &mut Vec<Value>) {
    let from = d.name_span.end;
    let to = match &d.block {
        Some(b) => b.open.start,
        None => d.span.end,
    };
    let first = comments.partition_point(|c| c.span.start < from);
    for c in comments[first..].iter().take_while(|c| c.span.start < to) {
        out.push(json!({
            "directive": "#",
            "line": d.line,
            "column": column(text, c.span.start),
            "args": [],
            "comment": c.text,
        }));
    }
}

fn error_string(message: &str, file: &str, line: Option<u32>) -> String {
    match line {
        Some(line) => format!("{message} in {file}:{line}"),
        None => format!("{message} in {file}"),
    }
}

/// The `config[]` entry of one parsed text (no includes).
pub fn config_json(file: &str, text: &str, result: &Result<Config, NginxError>) -> Value {
    match result {
        Ok(config) => json!({
            "file": file,
            "status": "ok",
            "errors": [],
            "parsed": directives_json(text, config, &|_| None),
        }),
        Err(e) => json!({
            "file": file,
            "status": "failed",
            "errors": [{"line": e.line, "error": error_string(&e.message, file, Some(e.line))}],
            "parsed": [],
        }),
    }
}

/// The whole payload for a loaded tree.
pub fn tree_payload(tree: &NginxTree, follow_includes: bool) -> Value {
    let mut all_errors = Vec::new();
    let mut configs = Vec::new();
    for (i, f) in tree.files.iter().enumerate() {
        let file = f.path.to_string_lossy().into_owned();
        // Include errors come first: crossplane records them while parsing, before a fatal
        // syntax error ends the file.
        let mut errors = Vec::new();
        for u in tree.unresolved.iter().filter(|u| u.from == i) {
            if matches!(u.error, IncludeError::Loop { .. }) {
                continue; // crossplane follows loops silently (each file once)
            }
            errors.push((
                Some(u.line),
                format!("include \"{}\" not resolved: {}", u.pattern, u.error),
            ));
        }
        let parsed = match &f.config {
            Ok(config) => {
                let includes = |span: Span| -> Option<Vec<usize>> {
                    follow_includes.then(|| tree.included_indices(i, span))
                };
                directives_json(&f.text, config, &includes)
            }
            Err(e) => {
                errors.push((Some(e.line), e.message.clone()));
                Vec::new()
            }
        };
        let errors: Vec<Value> = errors
            .into_iter()
            .map(|(line, msg)| {
                let error = error_string(&msg, &file, line);
                all_errors.push(json!({"file": file, "line": line, "error": error}));
                json!({"line": line, "error": error})
            })
            .collect();
        configs.push(json!({
            "file": file,
            "status": if errors.is_empty() { "ok" } else { "failed" },
            "errors": errors,
            "parsed": parsed,
        }));
    }
    json!({
        "status": if all_errors.is_empty() { "ok" } else { "failed" },
        "errors": all_errors,
        "config": configs,
    })
}

/// `lint-manifests parse-nginx FILE...`: crossplane's `parse` payload for the given files.
/// With `follow_includes`, includes are resolved (inside `root` only) and parsed too, and
/// include directives get `includes` indices; without, each file stands alone (crossplane's
/// `--single`).
pub fn parse_nginx_payload(paths: &[PathBuf], root: &Path, follow_includes: bool) -> Value {
    let tree = load_many(root, paths, IncludeLimits::default(), follow_includes);
    tree_payload(&tree, follow_includes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::nginx::parse;

    fn parsed(text: &str) -> Value {
        let config = parse(text).unwrap();
        Value::Array(directives_json(text, &config, &|_| None))
    }

    #[test]
    fn directive_shape() {
        let v = parsed("events {\n  worker_connections 1024;\n}\n");
        assert_eq!(
            v,
            json!([{"directive": "events", "line": 1, "column": 1, "args": [], "block": [
                {"directive": "worker_connections", "line": 2, "column": 3, "args": ["1024"]}
            ]}])
        );
    }

    #[test]
    fn column_counts_characters() {
        let v = parsed("a \"é\"; b;");
        assert_eq!(v[1]["column"], 8);
    }

    #[test]
    fn lua_body_is_the_last_arg() {
        let v = parsed("set_by_lua_block $x { return 1 }\ncontent_by_lua_block {\r\n a()\r\n}");
        assert_eq!(v[0]["args"], json!(["$x", " return 1 "]));
        assert!(v[0].get("block").is_none());
        assert_eq!(v[1]["args"], json!(["\n a()\n"]));
    }

    #[test]
    fn if_parentheses_removed() {
        let v = parsed("if ($a = b) {}\nif ( $c ) {}\nif () {}\nif (x {}");
        assert_eq!(v[0]["args"], json!(["$a", "=", "b"]));
        assert_eq!(v[1]["args"], json!(["$c"]));
        assert_eq!(v[2]["args"], json!([]));
        assert_eq!(v[3]["args"], json!(["(x"]));
    }

    #[test]
    fn comments_among_args_follow_the_directive() {
        let v = parsed("http { #c1\n  log_format #c2\n    a #c3\n ;\n}");
        assert_eq!(
            v[0]["block"],
            json!([
                {"directive": "log_format", "line": 2, "column": 3, "args": ["a"]},
                {"directive": "#", "line": 2, "column": 14, "args": [], "comment": "c2"},
                {"directive": "#", "line": 2, "column": 7, "args": [], "comment": "c3"},
            ])
        );
    }

    #[test]
    fn failed_config_entry() {
        let text = "http {";
        let v = config_json("x.conf", text, &parse(text));
        assert_eq!(v["status"], "failed");
        assert_eq!(v["parsed"], json!([]));
        assert_eq!(
            v["errors"],
            json!([{"line": 1, "error": "unexpected end of file, expecting \"}\" in x.conf:1"}])
        );
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let depth = crate::parse::nginx::MAX_DEPTH;
        let text = "a {".repeat(depth) + &"}".repeat(depth);
        let v = parsed(&text);
        let mut cur = &v[0];
        for _ in 1..depth {
            cur = &cur["block"][0];
        }
        assert_eq!(cur["block"], json!([]));
    }
}
