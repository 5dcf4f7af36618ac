//! crossplane 0.5.8's `_parse` (with `check_ctx=False, check_args=False`), iterative: an
//! explicit stack instead of recursion, capped at [`MAX_DEPTH`] open blocks.
//!
//! crossplane's quirks are kept so the trees agree, and each is also reported in
//! [`Config::warnings`] because nginx itself rejects them:
//! - a directive ended by `}` (`a b }`) takes the `}` as its terminator, so that `}` does not
//!   close the enclosing block;
//! - a `}` at the top level stops parsing (the rest of the file is not read);
//! - blocks left open at the end of the file (possible only after the first quirk) are
//!   closed there.

use compact_str::CompactString;

use super::lexer::{self, Kind, Lexer, Token};
use super::{Arg, Block, Config, Directive, NginxError};
use crate::source::Span;

/// Most blocks open at once.
pub const MAX_DEPTH: usize = 256;

/// An open block: its directive, and where its children start in the shared stack.
struct Frame {
    owner: Directive,
    first_child: usize,
}

/// Parse a whole file: crossplane's tree, or crossplane's error.
pub fn parse(text: &str) -> Result<Config, NginxError> {
    match parse_partial(text) {
        (config, None) => Ok(config),
        (_, Some(error)) => Err(error),
    }
}

/// Like [`parse`], but on an error also returns what was read before it: every directive
/// completed so far, open blocks closed at the error. crossplane follows the includes of a
/// file that fails later on, and so does the loader, with this.
pub fn parse_partial(text: &str) -> (Config, Option<NginxError>) {
    let mut state = State {
        lexer: Lexer::new(text),
        warnings: Vec::new(),
        flat: Vec::new(),
        frames: Vec::new(),
    };
    let error = run(text, &mut state).err();
    let State {
        mut lexer,
        mut warnings,
        mut flat,
        mut frames,
    } = state;
    // Blocks still open: crossplane's nested loops just end.
    let end = Span::empty(crate::source::to_u32(text.len()));
    while let Some(frame) = frames.last() {
        if error.is_none() {
            let owner = &frame.owner;
            warnings.push(NginxError {
                span: owner.block.as_ref().map_or(owner.name_span, |b| b.open),
                line: owner.line,
                message: format!(
                    "{} (block \"{}\" is never closed)",
                    lexer::EOF_BRACE,
                    owner.name
                ),
            });
        }
        close_frame(&mut frames, &mut flat, end);
    }
    let config = Config {
        directives: flat,
        comments: std::mem::take(&mut lexer.comments),
        warnings,
    };
    (config, error)
}

struct State<'a> {
    lexer: Lexer<'a>,
    warnings: Vec<NginxError>,
    /// Directives of all open blocks, innermost last (one buffer: no per-block growth).
    flat: Vec<Directive>,
    frames: Vec<Frame>,
}

fn run(text: &str, state: &mut State<'_>) -> Result<(), NginxError> {
    let State {
        lexer,
        warnings,
        flat,
        frames,
    } = state;
    let mut args: Vec<Arg> = Vec::new();

    while let Some(tok) = lexer.next_token()? {
        if tok.kind == Kind::Close {
            if frames.is_empty() {
                warnings.push(NginxError {
                    span: tok.span(),
                    line: tok.line,
                    message: format!(
                        "{} (crossplane stops reading the file here)",
                        lexer::UNEXPECTED_CLOSE
                    ),
                });
                break;
            }
            close_frame(frames, flat, tok.span());
            continue;
        }

        let name = lexer::value(text, &tok);
        let mut lua: Option<Token> = None;
        let term = loop {
            let Some(t) = lexer.next_token()? else {
                let end = text.trim_end_matches(lexer::py_space).len();
                return Err(NginxError {
                    span: Span::empty(crate::source::to_u32(end)),
                    line: line_at(text, end),
                    message: lexer::EOF_SEMI.into(),
                });
            };
            if t.is_terminator() {
                break t;
            }
            if t.kind == Kind::LuaBody {
                lua = Some(t);
            } else {
                args.push(Arg {
                    value: CompactString::from(lexer::value(text, &t)),
                    span: t.span(),
                    quoted: t.kind == Kind::Quoted,
                });
            }
        };
        // Exact size, as the model keeps these arguments as they are; the scratch vector keeps
        // its capacity for the next directive.
        let mut exact_args = Vec::with_capacity(args.len());
        exact_args.append(&mut args);
        let mut directive = Directive {
            name: name.into(),
            name_span: tok.span(),
            args: exact_args,
            block: None,
            span: Span::new(tok.start, term.end),
            line: tok.line,
        };
        match term.kind {
            Kind::Open => {
                if frames.len() >= MAX_DEPTH {
                    return Err(NginxError {
                        span: term.span(),
                        line: term.line,
                        message: format!("too many nested blocks (more than {MAX_DEPTH})"),
                    });
                }
                directive.block = Some(Block {
                    open: term.span(),
                    close: Span::empty(term.end),
                    directives: Vec::new(),
                    raw: None,
                });
                frames.push(Frame {
                    owner: directive,
                    first_child: flat.len(),
                });
            }
            Kind::LuaEnd => {
                if let Some(body) = lua {
                    directive.block = Some(Block {
                        open: Span::new(body.aux, body.aux + 1),
                        close: term.span(),
                        directives: Vec::new(),
                        raw: Some(body.span()),
                    });
                }
                flat.push(directive);
            }
            Kind::Close => {
                warnings.push(NginxError {
                    span: term.span(),
                    line: term.line,
                    message: format!(
                        "directive \"{}\" is not terminated by \";\"",
                        directive.name
                    ),
                });
                flat.push(directive);
            }
            _ => flat.push(directive),
        }
    }

    Ok(())
}

/// 1-based line of a byte offset, counting `\n`, `\r\n` and `\r` as line ends.
fn line_at(text: &str, offset: usize) -> u32 {
    let bytes = &text.as_bytes()[..offset.min(text.len())];
    let mut line = 1u32;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\n' || (b == b'\r' && text.as_bytes().get(i + 1) != Some(&b'\n')) {
            line += 1;
        }
    }
    line
}

fn close_frame(frames: &mut Vec<Frame>, flat: &mut Vec<Directive>, close: Span) {
    let Some(mut frame) = frames.pop() else {
        return;
    };
    let children: Vec<Directive> = flat.drain(frame.first_child..).collect();
    if let Some(block) = frame.owner.block.as_mut() {
        block.close = close;
        block.directives = children;
    }
    frame.owner.span.end = close.end;
    flat.push(frame.owner);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Config {
        parse(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
    }

    fn err(text: &str) -> NginxError {
        match parse(text) {
            Ok(c) => panic!("{text:?} parsed: {c:?}"),
            Err(e) => e,
        }
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.range()]
    }

    /// (name, args) of the top-level directives.
    fn shape(c: &Config) -> Vec<(String, Vec<String>)> {
        c.directives
            .iter()
            .map(|d| {
                (
                    d.name.to_string(),
                    d.args.iter().map(|a| a.value.to_string()).collect(),
                )
            })
            .collect()
    }

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn simple_directive_spans() {
        let text = "worker_processes  4;\n";
        let c = ok(text);
        let d = &c.directives[0];
        assert_eq!(d.name, "worker_processes");
        assert_eq!(slice(text, d.name_span), "worker_processes");
        assert_eq!(slice(text, d.span), "worker_processes  4;");
        assert_eq!(slice(text, d.args[0].span), "4");
        assert_eq!(d.line, 1);
        assert!(d.block.is_none());
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn token_kinds_and_specials() {
        // `;`, `{`, `}` are tokens of their own even without spaces
        let text = "a b;c{d e;}f;";
        let c = ok(text);
        assert_eq!(
            shape(&c),
            vec![
                ("a".into(), strs(&["b"])),
                ("c".into(), vec![]),
                ("f".into(), vec![])
            ]
        );
        let blk = c.directives[1].block.as_ref().unwrap();
        assert_eq!(slice(text, blk.open), "{");
        assert_eq!(slice(text, blk.close), "}");
        assert_eq!(slice(text, c.directives[1].span), "c{d e;}");
        assert_eq!(slice(text, blk.directives[0].span), "d e;");
    }

    #[test]
    fn quotes_and_escapes() {
        let text = r#"a "b c" 'd e' "q\"r" 's\'t' "u\'v" 'w\"x' y\;z "" x"y";"#;
        let c = ok(text);
        let d = &c.directives[0];
        let values: Vec<&str> = d.args.iter().map(|a| a.value.as_str()).collect();
        assert_eq!(
            values,
            vec!["b c", "d e", "q\"r", "s't", "u\\'v", "w\\\"x", "y\\;z", "", "x\"y\""]
        );
        assert_eq!(slice(text, d.args[0].span), "\"b c\"");
        assert!(d.args[0].quoted);
        assert_eq!(slice(text, d.args[2].span), r#""q\"r""#);
        assert!(!d.args[6].quoted);
        assert_eq!(slice(text, d.args[8].span), "x\"y\"");
        // a quote ends the token: "b"c is two args
        assert_eq!(shape(&ok("a \"b\"c;"))[0].1, strs(&["b", "c"]));
        // quoted directive names
        let c = ok("\"a b\" c;");
        assert_eq!(c.directives[0].name, "a b");
        assert_eq!(slice("\"a b\" c;", c.directives[0].name_span), "\"a b\"");
    }

    #[test]
    fn multiline_quotes_count_lines() {
        let text = "a \"x\ny\" z;\nb;";
        let c = ok(text);
        assert_eq!(c.directives[0].args[0].value, "x\ny");
        assert_eq!(c.directives[1].line, 3);
    }

    #[test]
    fn crlf_and_cr_are_newlines() {
        let text = "a;\r\nb \"x\r\ny\";\rc;";
        let c = ok(text);
        let lines: Vec<u32> = c.directives.iter().map(|d| d.line).collect();
        assert_eq!(lines, vec![1, 2, 4]);
        assert_eq!(c.directives[1].args[0].value, "x\ny");
    }

    #[test]
    fn parameter_expansion() {
        let c = ok("set $a ${b}c;");
        assert_eq!(c.directives[0].args[1].value, "${b}c");
        // crossplane keeps the whitespace after `${...}` in the token
        assert_eq!(ok("a ${x} b;").directives[0].args[0].value, "${x} b");
        // ... also a CRLF, read as one newline
        assert_eq!(ok("a ${x}\r\nb;").directives[0].args[0].value, "${x}\nb");
        // braces without `$` are block tokens
        assert!(ok("a x{}").directives[0].children().is_empty());
        // `${` with a space inside: the `}` becomes a token of its own
        assert_eq!(err("a ${x y} z;").message, "unexpected \"}\"");
    }

    #[test]
    fn comments() {
        let text = "# full line\na b; # trailing\nc d#e \"#f\";\n#last";
        let c = ok(text);
        assert_eq!(
            shape(&c),
            vec![
                ("a".into(), strs(&["b"])),
                ("c".into(), strs(&["d#e", "#f"]))
            ]
        );
        let comments: Vec<(&str, u32)> = c
            .comments
            .iter()
            .map(|c| (c.text.as_str(), c.line))
            .collect();
        assert_eq!(
            comments,
            vec![(" full line", 1), (" trailing", 2), ("last", 4)]
        );
        assert_eq!(slice(text, c.comments[1].span), "# trailing");
        // a comment between arguments does not end the directive
        let c = ok("a #x\n b;");
        assert_eq!(shape(&c), vec![("a".into(), strs(&["b"]))]);
        assert_eq!(c.comments[0].text, "x");
        // CRLF: the comment excludes the \r
        assert_eq!(ok("#x\r\na;").comments[0].text, "x");
    }

    #[test]
    fn lua_blocks() {
        let text = "content_by_lua_block {\n  ngx.say(\"}\") -- }\n  local t = {}\n}\nb;";
        let c = ok(text);
        let d = &c.directives[0];
        assert!(d.args.is_empty());
        let blk = d.block.as_ref().unwrap();
        assert_eq!(
            slice(text, blk.raw.unwrap()),
            "\n  ngx.say(\"}\") -- }\n  local t = {}\n"
        );
        assert!(blk.directives.is_empty());
        assert_eq!(slice(text, blk.open), "{");
        assert_eq!(slice(text, blk.close), "}");
        assert_eq!(slice(text, d.span), &text[..text.len() - 3]);
        assert_eq!(c.directives[1].name, "b");
        assert_eq!(c.directives[1].line, 5);

        let text = "set_by_lua_block $res { return 1 }";
        let d = &ok(text).directives[0];
        assert_eq!(d.args[0].value, "$res");
        assert_eq!(
            slice(text, d.block.as_ref().unwrap().raw.unwrap()),
            " return 1 "
        );

        // only in directive position
        let c = ok("a content_by_lua_block { b; }");
        assert_eq!(c.directives[0].children()[0].name, "b");
        // `content_by_lua_block{` (no space) is an ordinary block, like crossplane
        let c = ok("content_by_lua_block{ b; }");
        assert!(c.directives[0].block.as_ref().unwrap().raw.is_none());

        assert_eq!(
            err("content_by_lua_block x;").message,
            "expected { to start Lua block"
        );
    }

    #[test]
    fn nested_blocks() {
        let text =
            "http {\n  server {\n    location / {\n      proxy_pass http://x;\n    }\n  }\n}\n";
        let c = ok(text);
        let http = &c.directives[0];
        let server = &http.children()[0];
        let location = &server.children()[0];
        assert_eq!(location.arg(0), Some("/"));
        assert_eq!(location.children()[0].line, 4);
        assert_eq!(
            slice(text, location.children()[0].span),
            "proxy_pass http://x;"
        );
        assert!(
            slice(text, http.span).starts_with("http {") && slice(text, http.span).ends_with('}')
        );
        assert_eq!(slice(text, server.block.as_ref().unwrap().close), "}");
    }

    #[test]
    fn errors_and_positions() {
        let e = err("a;\n}\n");
        assert_eq!((e.message.as_str(), e.line), ("unexpected \"}\"", 2));
        assert_eq!(e.span, Span::new(3, 4));

        let e = err("http {\n  a;\n");
        assert_eq!(
            (e.message.as_str(), e.line),
            ("unexpected end of file, expecting \"}\"", 2)
        );

        let e = err("a b");
        assert_eq!(
            e.message,
            "unexpected end of file, expecting \";\" or \"}\""
        );
        assert_eq!(
            err("a;;").message,
            "unexpected end of file, expecting \";\" or \"}\""
        );
        assert_eq!(
            err("a \"unterminated;").message,
            "unexpected end of file, expecting \";\" or \"}\""
        );
        // points at the end of the text (crossplane has no line for this one)
        let e = err("a;\nb c\n\n");
        assert_eq!((e.span, e.line), (Span::empty(6), 2));
    }

    #[test]
    fn partial_result_on_error() {
        let (config, error) = parse_partial("a;\nhttp {\n  include x.conf;\n  b c\n");
        assert!(error.is_some());
        assert_eq!(config.directives.len(), 2);
        assert_eq!(config.directives[1].children()[0].name, "include");
        let (config, error) = parse_partial("a;");
        assert!(error.is_none());
        assert_eq!(config.directives.len(), 1);
    }

    #[test]
    fn empty_input_and_whitespace() {
        assert!(ok("").directives.is_empty());
        assert!(ok("  \n\t# only a comment").directives.is_empty());
    }

    #[test]
    fn missing_semicolon_before_brace_is_crossplanes_tree_plus_a_warning() {
        // crossplane: `}` ends `a b`, so `c` lands inside http
        let c = ok("http { a b } c;");
        let http = &c.directives[0];
        assert_eq!(http.children().len(), 2);
        assert_eq!(http.children()[1].name, "c");
        let messages: Vec<&str> = c.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(messages[0], "directive \"a\" is not terminated by \";\"");
        assert!(messages[1].starts_with("unexpected end of file, expecting \"}\""));
    }

    #[test]
    fn top_level_close_stops_like_crossplane() {
        let c = ok("{ a; } b; }");
        assert_eq!(shape(&c), vec![("{".into(), strs(&["a"]))]);
        assert_eq!(c.warnings.len(), 1);
    }

    #[test]
    fn if_args_are_kept_raw() {
        let d = &ok("if ($a = b) { }").directives[0];
        let values: Vec<&str> = d.args.iter().map(|a| a.value.as_str()).collect();
        assert_eq!(values, vec!["($a", "=", "b)"]);
    }

    #[test]
    fn spans_with_non_ascii_before() {
        let text = "# é ü 日本\nserver_name  ünï.example 日本;\n";
        let c = ok(text);
        let d = &c.directives[0];
        assert_eq!(slice(text, d.name_span), "server_name");
        assert_eq!(slice(text, d.args[0].span), "ünï.example");
        assert_eq!(slice(text, d.args[1].span), "日本");
        assert_eq!(slice(text, d.span), "server_name  ünï.example 日本;");
        // non-ASCII whitespace separates tokens, like Python's isspace
        let c = ok("a\u{a0}b\u{2028}c;");
        assert_eq!(shape(&c)[0].1, strs(&["b", "c"]));
    }

    #[test]
    fn nesting_is_capped() {
        let deep = "a {".repeat(MAX_DEPTH) + &"}".repeat(MAX_DEPTH);
        assert!(parse(&deep).is_ok());
        let deeper = "a {".repeat(MAX_DEPTH + 1) + &"}".repeat(MAX_DEPTH + 1);
        assert!(err(&deeper).message.contains("nested"));
        // far deeper input: an error, no stack overflow
        let huge = "a {".repeat(200_000);
        assert!(parse(&huge).is_err());
        let huge = "}".repeat(200_000);
        assert!(parse(&huge).is_err());
    }

    #[test]
    fn trailing_backslash_and_odd_input_do_not_panic() {
        for text in [
            "\\",
            "a \\",
            "a \"\\",
            "${",
            "a ${",
            "#",
            "'",
            "\"",
            "é\\é",
            "a\r",
            "set_by_lua_block",
            "set_by_lua_block x",
            "content_by_lua_block {--",
        ] {
            let _ = parse(text);
        }
    }
}

#[cfg(test)]
mod bench {
    //! `cargo test --release --lib nginx::parser::bench -- --ignored --nocapture`
    //! (`NGINX_BENCH_RUNS` sets the repetitions, e.g. 2 under callgrind).

    fn text() -> String {
        let server = "server {\n    listen 443 ssl;  # comment\n    server_name a.example \"b c\";\n    location /socket.io/ {\n        proxy_set_header Upgrade $http_upgrade;\n        proxy_read_timeout 3600s;\n    }\n}\n";
        let mut text = String::from("http {\n");
        while text.len() < 1 << 20 {
            text.push_str(server);
        }
        text.push_str("}\n");
        text
    }

    fn runs() -> usize {
        std::env::var("NGINX_BENCH_RUNS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(100)
    }

    #[test]
    #[ignore = "benchmark; run in release"]
    fn lexer_throughput() {
        let text = text();
        let runs = runs();
        let start = std::time::Instant::now();
        for _ in 0..runs {
            let mut lx = super::Lexer::new(&text);
            while let Ok(Some(_)) = lx.next_token() {}
        }
        let secs = start.elapsed().as_secs_f64() / runs as f64;
        println!("nginx lexer: {:.0} MB/s", text.len() as f64 / secs / 1e6);
    }

    #[test]
    #[ignore = "benchmark; run in release"]
    fn parser_throughput() {
        let text = text();
        let runs = runs();
        let start = std::time::Instant::now();
        for _ in 0..runs {
            let _ = super::parse(&text);
        }
        let secs = start.elapsed().as_secs_f64() / runs as f64;
        println!(
            "nginx parse (tree + drop): {:.0} MB/s",
            text.len() as f64 / secs / 1e6
        );
    }
}
