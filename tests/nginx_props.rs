//! Property tests for the nginx parser: no input panics, and rendered trees parse back.

use lint_manifests::parse::nginx::{parse, Directive};
use proptest::prelude::*;

/// A generated directive: name, args (value, rendered source), children (None: `;`).
#[derive(Clone, Debug)]
struct Gen {
    name: String,
    args: Vec<(String, String)>,
    children: Option<Vec<Gen>>,
    /// A `content_by_lua_block` body instead of args and children.
    lua: Option<String>,
}

fn arg() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        // unquoted: no whitespace, quotes, braces, `;`, `#` at the start, or backslash
        "[a-zA-Z0-9/_.:$=^~*()-][a-zA-Z0-9/_.:$=^~*()#-]{0,10}".prop_map(|s| (s.clone(), s)),
        // double-quoted, with escaped quotes and specials inside
        proptest::collection::vec(
            prop_oneof![
                "[a-z ;{}#'é日]".prop_map(|c| (c.clone(), c)),
                Just(("\"".to_string(), "\\\"".to_string())),
                Just(("\\n".to_string(), "\\n".to_string())),
            ],
            0..6
        )
        .prop_map(|parts| {
            let value: String = parts.iter().map(|p| p.0.as_str()).collect();
            let src: String = parts.iter().map(|p| p.1.as_str()).collect();
            (value, format!("\"{src}\""))
        }),
        // single-quoted
        "[a-z \"{};]{0,6}".prop_map(|s| (s.clone(), format!("'{s}'"))),
    ]
}

fn leaf() -> impl Strategy<Value = Gen> {
    prop_oneof![
        4 => ("[a-z_][a-z_0-9]{0,8}", proptest::collection::vec(arg(), 0..4)).prop_map(|(name, args)| Gen {
            name,
            args,
            children: None,
            lua: None,
        }),
        1 => "[a-z =()\n.;]{0,12}".prop_map(|body| Gen {
            name: "content_by_lua_block".into(),
            args: vec![],
            children: None,
            lua: Some(body),
        }),
    ]
}

fn tree() -> impl Strategy<Value = Vec<Gen>> {
    let node = leaf().prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            2 => leaf(),
            1 => ("[a-z_][a-z_0-9]{0,8}", proptest::collection::vec(arg(), 0..3), proptest::collection::vec(inner, 0..5))
                .prop_map(|(name, args, children)| Gen { name, args, children: Some(children), lua: None }),
        ]
    });
    proptest::collection::vec(node, 0..6)
}

/// Render; returns the expected (start, end) source range of each directive, preorder.
fn render(
    gens: &[Gen],
    ws: &[&str],
    out: &mut String,
    ranges: &mut Vec<(usize, usize)>,
    k: &mut usize,
) {
    for g in gens {
        let w = |k: &mut usize| {
            *k += 1;
            ws[*k % ws.len()]
        };
        out.push_str(w(k));
        if (*k).is_multiple_of(7) {
            out.push_str("# a comment; with { braces }\n");
        }
        let start = out.len();
        let slot = ranges.len();
        ranges.push((start, 0));
        out.push_str(&g.name);
        for (_, src) in &g.args {
            out.push_str(w(k));
            out.push_str(src);
        }
        if let Some(body) = &g.lua {
            out.push_str(" {");
            out.push_str(body);
            out.push('}');
        } else if let Some(children) = &g.children {
            out.push_str(w(k));
            out.push('{');
            render(children, ws, out, ranges, k);
            out.push_str(ws[*k % ws.len()]);
            out.push('}');
        } else {
            out.push(';');
        }
        ranges[slot].1 = out.len();
    }
}

fn check(gens: &[Gen], ds: &[Directive], text: &str, ranges: &[(usize, usize)], i: &mut usize) {
    assert_eq!(gens.len(), ds.len());
    for (g, d) in gens.iter().zip(ds) {
        assert_eq!(d.name, g.name);
        assert_eq!(&text[d.name_span.range()], g.name);
        let (start, end) = ranges[*i];
        *i += 1;
        assert_eq!(d.span.range(), start..end, "span of {}", g.name);
        let values: Vec<&str> = d.args.iter().map(|a| a.value.as_str()).collect();
        let expected: Vec<&str> = g.args.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(values, expected);
        for (a, (_, src)) in d.args.iter().zip(&g.args) {
            assert_eq!(&text[a.span.range()], src);
        }
        match (&g.lua, &g.children, &d.block) {
            (Some(body), _, Some(b)) => assert_eq!(&text[b.raw.unwrap().range()], body),
            (None, Some(children), Some(b)) => {
                assert!(b.raw.is_none());
                assert_eq!(&text[b.open.range()], "{");
                assert_eq!(&text[b.close.range()], "}");
                check(children, &b.directives, text, ranges, i);
            }
            (None, None, None) => {}
            other => panic!("block mismatch: {other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>()) {
        let _ = parse(&s);
    }

    #[test]
    fn nginx_like_strings_never_panic(s in "[ab \n\r\t{};\"'\\\\$#()é-]{0,64}|(content_by_lua_block|set_by_lua_block|[{}\"'#\\\\; -]){0,16}") {
        if let Ok(config) = parse(&s) {
            // every span slices the text on character boundaries
            let mut stack: Vec<&Directive> = config.directives.iter().collect();
            while let Some(d) = stack.pop() {
                prop_assert!(s.get(d.span.range()).is_some());
                prop_assert!(s.get(d.name_span.range()).is_some());
                for a in &d.args {
                    prop_assert!(s.get(a.span.range()).is_some());
                }
                stack.extend(d.children());
            }
        }
    }

    #[test]
    fn rendered_trees_parse_back(gens in tree(), style in 0usize..3) {
        let ws: &[&str] = match style {
            0 => &[" "],
            1 => &["\n", "  ", "\t"],
            _ => &["\r\n", " \u{a0}", "\n\n   "],
        };
        let mut text = String::new();
        let mut ranges = Vec::new();
        let mut k = 0;
        render(&gens, ws, &mut text, &mut ranges, &mut k);
        let config = parse(&text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"));
        prop_assert!(config.warnings.is_empty());
        let mut i = 0;
        check(&gens, &config.directives, &text, &ranges, &mut i);
    }
}
