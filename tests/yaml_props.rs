//! Property tests for the YAML loader: no panics on any input, and generated documents come
//! back with the same values and spans that slice to each node's rendered text.

use lint_manifests::parse::yaml::{parse, Node, ScalarStyle, YamlLimits};
use proptest::prelude::*;

/// Every span of a parsed stream lies inside the text, on character boundaries.
fn check_spans(text: &str, node: Node<'_>) {
    let mut stack = vec![node];
    while let Some(node) = stack.pop() {
        let r = node.span.range();
        assert!(r.start <= r.end && r.end <= text.len(), "{r:?} in {text:?}");
        assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        stack.extend(node.items());
        for e in node.entries() {
            stack.push(e.key);
            stack.push(e.value);
        }
    }
}

fn check_any(text: &str) {
    if let Ok(stream) = parse(text, &YamlLimits::default()) {
        for doc in &stream.documents {
            check_spans(text, doc.root());
            assert!(doc.span.end as usize <= text.len());
        }
        for c in &stream.comments {
            assert!(text[c.span.range()].starts_with('#'));
        }
    }
}

/// 512 cases, or `PROPTEST_CASES` for longer runs.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        check_any(&text);
    }

    #[test]
    fn yaml_like_strings_never_panic(text in "[-:?|>'\"\\[\\]{}#&*!%.,~0-9a-cé \n\t\r\u{feff}\\\\]{0,80}") {
        check_any(&text);
    }
}

/// A generated tree.
#[derive(Clone, Debug)]
enum Gen {
    Scalar(String, ScalarStyle, Chomp),
    Map(Vec<(String, Gen)>, bool),
    Seq(Vec<Gen>, bool),
    /// Properties (`!tag`, `&anchor`) written before the node.
    Props(String, Box<Gen>),
}

/// The node under any properties.
fn bare(g: &Gen) -> &Gen {
    match g {
        Gen::Props(_, inner) => bare(inner),
        g => g,
    }
}

fn is_scalar(g: &Gen) -> bool {
    matches!(bare(g), Gen::Scalar(..))
}

#[derive(Clone, Copy, Debug)]
enum Chomp {
    Clip,
    Strip,
    Keep,
}

fn plain() -> impl Strategy<Value = String> {
    "[a-zA-Zé☕][a-zA-Z0-9._/é-]{0,6}( [a-zA-Z0-9._/☕]{1,4}){0,2}"
        .prop_filter("not a special plain scalar", |s| {
            !matches!(s.as_str(), "y" | "n" | "Y" | "N") && !s.starts_with("---")
        })
}

fn key() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,8}"
}

fn block_lines() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-z#:{}\\[\\]'\"é][a-z #:'\"é]{0,12}", 1..4)
}

fn scalar() -> impl Strategy<Value = Gen> {
    let chomp = prop_oneof![Just(Chomp::Clip), Just(Chomp::Strip), Just(Chomp::Keep)];
    prop_oneof![
        plain().prop_map(|s| Gen::Scalar(s, ScalarStyle::Plain, Chomp::Clip)),
        "[ -~é☕]{0,12}".prop_map(|s| Gen::Scalar(s, ScalarStyle::SingleQuoted, Chomp::Clip)),
        "[ -~é☕\n\t]{0,12}".prop_map(|s| Gen::Scalar(s, ScalarStyle::DoubleQuoted, Chomp::Clip)),
        (block_lines(), chomp.clone()).prop_map(|(l, c)| Gen::Scalar(
            l.join("\n"),
            ScalarStyle::Literal,
            c
        )),
        (block_lines(), chomp).prop_map(|(l, c)| Gen::Scalar(l.join("\n"), ScalarStyle::Folded, c)),
    ]
}

/// Sometimes wrap a node in properties.
fn with_props(g: impl Strategy<Value = Gen>) -> impl Strategy<Value = Gen> {
    (
        g,
        "((![a-z]{1,3})|(&[a-z]{1,3})|(![a-z]{1,2} &[a-z]{1,2})|(&[a-z]{1,2} ![a-z]{1,2}))?",
    )
        .prop_map(|(g, props)| {
            if props.is_empty() || matches!(g, Gen::Props(..)) {
                g
            } else {
                Gen::Props(props, Box::new(g))
            }
        })
}

fn tree() -> impl Strategy<Value = Gen> {
    with_props(scalar()).prop_recursive(5, 40, 5, |inner| {
        with_props(prop_oneof![
            (
                prop::collection::vec((key(), inner.clone()), 0..5),
                any::<bool>()
            )
                .prop_map(|(mut entries, flow)| {
                    // unique keys, so lookups are unambiguous
                    let mut seen = std::collections::HashSet::new();
                    entries.retain(|(k, _)| seen.insert(k.clone()));
                    Gen::Map(entries, flow)
                }),
            (prop::collection::vec(inner, 0..5), any::<bool>())
                .prop_map(|(items, flow)| Gen::Seq(items, flow)),
        ])
    })
}

fn is_block_scalar(g: &Gen) -> bool {
    let g = bare(g);
    matches!(
        g,
        Gen::Scalar(_, ScalarStyle::Literal | ScalarStyle::Folded, _)
    )
}

/// Flow rendering is only possible when the subtree holds no block scalars.
fn flow_ok(g: &Gen) -> bool {
    match g {
        Gen::Scalar(..) => !is_block_scalar(g),
        Gen::Map(e, _) => e.iter().all(|(_, v)| flow_ok(v)),
        Gen::Seq(i, _) => i.iter().all(flow_ok),
        Gen::Props(_, inner) => flow_ok(inner),
    }
}

fn renders_flow(g: &Gen) -> bool {
    match g {
        Gen::Map(e, flow) => e.is_empty() || (*flow && flow_ok(g)),
        Gen::Seq(i, flow) => i.is_empty() || (*flow && flow_ok(g)),
        Gen::Scalar(..) => false,
        Gen::Props(_, inner) => renders_flow(inner),
    }
}

/// The decoded value saphyr should produce for a generated scalar.
fn decoded(text: &str, style: ScalarStyle, chomp: Chomp) -> String {
    let body = match style {
        ScalarStyle::Folded => text.replace('\n', " "),
        _ => text.to_owned(),
    };
    match (style, chomp) {
        (ScalarStyle::Literal | ScalarStyle::Folded, Chomp::Strip) => body,
        (ScalarStyle::Literal | ScalarStyle::Folded, _) => body + "\n",
        _ => body,
    }
}

struct Renderer {
    out: String,
    /// Expected byte range of every node, in pre-order (keys before their values).
    spans: Vec<(usize, usize)>,
    /// Put a comment at every `comment_every`-th place that can take one (0: none).
    comment_every: usize,
    places: usize,
    /// Expected comments: span and text.
    comments: Vec<((usize, usize), String)>,
}

impl Renderer {
    fn wants_comment(&mut self) -> bool {
        self.places += 1;
        self.comment_every > 0 && self.places.is_multiple_of(self.comment_every)
    }

    /// `# cN` at the cursor (after blanks when `gap`), if one is due here.
    fn comment(&mut self, gap: bool) -> bool {
        if !self.wants_comment() {
            return false;
        }
        if gap {
            self.out.push_str("  ");
        }
        let start = self.out.len();
        let text = format!("c{} #é", self.places);
        self.out.push_str("# ");
        self.out.push_str(&text);
        self.comments.push(((start, self.out.len()), text));
        true
    }

    fn scalar_inline(&mut self, text: &str, style: ScalarStyle) {
        match style {
            ScalarStyle::Plain => self.out.push_str(text),
            ScalarStyle::SingleQuoted => {
                self.out.push('\'');
                self.out.push_str(&text.replace('\'', "''"));
                self.out.push('\'');
            }
            _ => {
                self.out.push('"');
                for c in text.chars() {
                    match c {
                        '"' => self.out.push_str("\\\""),
                        '\\' => self.out.push_str("\\\\"),
                        '\n' => self.out.push_str("\\n"),
                        '\t' => self.out.push_str("\\t"),
                        c => self.out.push(c),
                    }
                }
                self.out.push('"');
            }
        }
    }

    /// A block scalar: header at the cursor, content lines at `indent`.
    fn block_scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        chomp: Chomp,
        indent: usize,
    ) -> usize {
        let start = self.out.len();
        self.out.push(if style == ScalarStyle::Literal {
            '|'
        } else {
            '>'
        });
        match chomp {
            Chomp::Clip => {}
            Chomp::Strip => self.out.push('-'),
            Chomp::Keep => self.out.push('+'),
        }
        self.comment(true);
        for line in text.split('\n') {
            self.out.push('\n');
            self.out.push_str(&" ".repeat(indent));
            self.out.push_str(line);
        }
        let end = self.out.len();
        self.spans.push((start, end));
        self.out.push('\n');
        end
    }

    fn flow(&mut self, g: &Gen) {
        if let Gen::Props(props, inner) = g {
            self.out.push_str(props);
            self.out.push(' ');
            return self.flow(inner);
        }
        let start = self.out.len();
        let slot = self.spans.len();
        self.spans.push((start, start));
        match g {
            Gen::Scalar(text, style, _) => self.scalar_inline(text, *style),
            Gen::Props(..) => unreachable!(),
            Gen::Map(entries, _) => {
                self.out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    let ks = self.out.len();
                    self.out.push_str(k);
                    self.spans.push((ks, self.out.len()));
                    self.out.push_str(": ");
                    self.flow(v);
                }
                self.out.push('}');
            }
            Gen::Seq(items, _) => {
                self.out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(", ");
                    }
                    self.flow(v);
                }
                self.out.push(']');
            }
        }
        self.spans[slot].1 = self.out.len();
    }

    /// A node that follows `key:` or `- ` on the current line (`indent` for its children).
    /// Returns where the node's text ends.
    fn value(&mut self, g: &Gen, indent: usize) -> usize {
        if let Gen::Props(props, inner) = g {
            self.out.push_str(props);
            if is_scalar(inner) || renders_flow(inner) {
                self.out.push(' ');
            }
            return self.value(inner, indent);
        }
        match g {
            Gen::Scalar(text, style, chomp) if is_block_scalar(g) => {
                self.block_scalar(text, *style, *chomp, indent)
            }
            _ if !is_scalar(g) && !renders_flow(g) => {
                self.out.push('\n');
                self.out.push_str(&" ".repeat(indent));
                self.block(g, indent)
            }
            _ => {
                self.flow(g);
                let end = self.out.len();
                self.comment(true);
                self.out.push('\n');
                end
            }
        }
    }

    /// A block collection starting at the cursor, lines after the first at `indent`.
    fn block(&mut self, g: &Gen, indent: usize) -> usize {
        let slot = self.spans.len();
        let start = self.out.len();
        self.spans.push((start, start));
        let mut end = start;
        match g {
            Gen::Map(entries, _) => {
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(&" ".repeat(indent));
                        if self.comment(false) {
                            self.out.push('\n');
                            self.out.push_str(&" ".repeat(indent));
                        }
                    }
                    let ks = self.out.len();
                    self.out.push_str(k);
                    self.spans.push((ks, self.out.len()));
                    self.out.push(':');
                    // a space unless a block collection starts on the next line
                    if is_scalar(v) || renders_flow(v) || matches!(v, Gen::Props(..)) {
                        self.out.push(' ');
                    }
                    end = self.value(v, indent + 2);
                }
            }
            Gen::Seq(items, _) => {
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push_str(&" ".repeat(indent));
                    }
                    self.out.push_str("- ");
                    end = match v {
                        // compact: the nested collection starts on the dash line
                        Gen::Map(..) | Gen::Seq(..) if !renders_flow(v) => {
                            self.block(v, indent + 2)
                        }
                        _ => self.value(v, indent + 2),
                    };
                }
            }
            Gen::Scalar(..) | Gen::Props(..) => unreachable!(),
        }
        self.spans[slot].1 = end;
        end
    }
}

type Rendered = (String, Vec<(usize, usize)>, Vec<((usize, usize), String)>);

fn render(g: &Gen, comment_every: usize) -> Rendered {
    let mut r = Renderer {
        out: String::new(),
        spans: Vec::new(),
        comment_every,
        places: 0,
        comments: Vec::new(),
    };
    match g {
        Gen::Scalar(text, style, chomp) if is_block_scalar(g) => {
            r.out.push_str("--- ");
            r.block_scalar(text, *style, *chomp, 1);
        }
        Gen::Props(..) => {
            r.out.push_str("--- ");
            let end = r.value(g, 1);
            if r.out.len() == end {
                r.out.push('\n');
            }
        }
        _ if is_scalar(g) || renders_flow(g) => {
            r.flow(g);
            r.comment(true);
            r.out.push('\n');
        }
        _ => {
            r.block(g, 0);
        }
    }
    (r.out, r.spans, r.comments)
}

/// Compare parsed and generated trees; collect parsed spans in pre-order.
fn compare(parsed: Node<'_>, g: &Gen, spans: &mut Vec<(usize, usize)>, text: &str) {
    if let Gen::Props(props, inner) = g {
        let tag = props.split(' ').find(|p| p.starts_with('!'));
        assert_eq!(parsed.tag(), tag, "{text:?}");
        return compare(parsed, inner, spans, text);
    }
    spans.push((parsed.span.start as usize, parsed.span.end as usize));
    match g {
        Gen::Scalar(t, style, chomp) if parsed.is_scalar() => {
            let s = parsed.scalar().unwrap();
            assert_eq!(s.style, *style, "{text:?}");
            assert_eq!(s.text, decoded(t, *style, *chomp), "{text:?}");
        }
        Gen::Map(entries, _) if parsed.is_mapping() => {
            assert_eq!(entries.len(), parsed.entries().len(), "{text:?}");
            for ((k, v), e) in entries.iter().zip(parsed.entries()) {
                spans.push((e.key.span.start as usize, e.key.span.end as usize));
                assert_eq!(e.key.as_str(), Some(k.as_str()));
                compare(e.value, v, spans, text);
            }
        }
        Gen::Seq(items, _) if parsed.is_sequence() => {
            assert_eq!(items.len(), parsed.items().len(), "{text:?}");
            for (v, p) in items.iter().zip(parsed.items()) {
                compare(p, v, spans, text);
            }
        }
        _ => panic!("shape differs: {g:?} vs {parsed:?} in {text:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_trees_round_trip(
        g in tree(),
        crlf in any::<bool>(),
        prefix in "(# é ☕\n)?",
        comment_every in 0usize..4,
    ) {
        let (body, spans, comments) = render(&g, comment_every);
        let mut text = prefix.clone() + &body;
        let mut expected = spans;
        let mut expected_comments: Vec<((usize, usize), String)> = Vec::new();
        if !prefix.is_empty() {
            expected_comments.push(((0, prefix.len() - 1), "é ☕".into()));
        }
        expected_comments.extend(comments);
        for s in &mut expected {
            s.0 += prefix.len();
            s.1 += prefix.len();
        }
        for (s, _) in expected_comments.iter_mut().skip(usize::from(!prefix.is_empty())) {
            s.0 += prefix.len();
            s.1 += prefix.len();
        }
        if crlf {
            // CRLF shifts every offset by the number of newlines before it.
            let shift = |i: usize, t: &str| i + t[..i].matches('\n').count();
            for s in &mut expected {
                *s = (shift(s.0, &text), shift(s.1, &text));
            }
            for (s, _) in &mut expected_comments {
                *s = (shift(s.0, &text), shift(s.1, &text));
            }
            text = text.replace('\n', "\r\n");
        }
        let stream = parse(&text, &YamlLimits::default())
            .unwrap_or_else(|e| panic!("{e:?} in {text:?}"));
        prop_assert_eq!(stream.documents.len(), 1, "{:?}", text);
        let mut got = Vec::new();
        compare(stream.documents[0].root(), &g, &mut got, &text);
        let slices = |v: &[(usize, usize)]| -> Vec<String> {
            v.iter().map(|&(a, b)| text[a..b].to_owned()).collect()
        };
        prop_assert_eq!(slices(&got), slices(&expected), "{:?}", text);
        let got_comments: Vec<_> = stream
            .comments
            .iter()
            .map(|c| ((c.span.start as usize, c.span.end as usize), c.text.clone()))
            .collect();
        prop_assert_eq!(got_comments, expected_comments, "{:?}", text);
    }
}
