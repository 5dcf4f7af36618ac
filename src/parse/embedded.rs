//! Text embedded in YAML scalars (an nginx.conf in a ConfigMap's `data`), mapped back to the
//! YAML file byte by byte.
//!
//! The embedded parser sees the *decoded* scalar value; findings must point into the YAML file.
//! [`OffsetMap`] records, for every byte of the decoded value, the byte of the source that
//! produced it: block scalars strip indentation, quoted scalars process escapes and fold lines.
//! The map is built by re-reading the scalar's source text in its style and aligning it with the
//! decoded value the YAML loader produced; where the two ever disagree the map degrades to the
//! nearest known position instead of pointing somewhere wrong.

use super::yaml::ScalarStyle;
use crate::source::{to_u32, Span};

/// Decoded-offset to source-offset map for one scalar.
#[derive(Clone, Debug)]
pub struct OffsetMap {
    /// `positions[i]` is the source byte offset of decoded byte `i`; one extra entry maps the
    /// end of the decoded text. Empty for block scalars, which use `runs`.
    positions: Vec<u32>,
    /// For quoted scalars, `ends[i]` is the source offset just after what decoded byte `i` was
    /// written as (after the whole escape for `\"` or `\u00e9`, after `''`); empty when every
    /// decoded byte is one source byte at its position.
    ends: Vec<u32>,
    /// Block scalars (an nginx.conf in a ConfigMap, the usual case): the map in runs, a few per
    /// line instead of four bytes per byte of the config.
    runs: Vec<Run>,
    /// The decoded length (the last offset `runs` maps).
    decoded_len: u32,
    /// The run the last lookup landed in: spans are mapped in source order, so the next lookup
    /// is almost always in it or the next one (no binary search).
    last_run: std::cell::Cell<usize>,
}

/// From decoded offset `at` on (to the next run): either source bytes one for one from
/// `source` (`linear`), or all mapped to `source` (line breaks and folding between lines).
#[derive(Clone, Copy, Debug)]
struct Run {
    at: u32,
    source: u32,
    linear: bool,
}

impl OffsetMap {
    /// Map a decoded byte offset to a source byte offset.
    pub fn offset(&self, decoded: u32) -> u32 {
        if self.runs.is_empty() {
            let index = (decoded as usize).min(self.positions.len() - 1);
            return self.positions[index];
        }
        let decoded = decoded.min(self.decoded_len);
        let covers = |i: usize| {
            self.runs[i].at <= decoded && self.runs.get(i + 1).is_none_or(|next| next.at > decoded)
        };
        let hint = self.last_run.get();
        let index = if covers(hint) {
            hint
        } else if hint + 1 < self.runs.len() && covers(hint + 1) {
            hint + 1
        } else {
            self.runs.partition_point(|r| r.at <= decoded) - 1
        };
        self.last_run.set(index);
        let run = self.runs[index];
        if run.linear {
            run.source + (decoded - run.at)
        } else {
            run.source
        }
    }

    /// Map a decoded span. An end offset maps to just after the source of the last byte, so a
    /// span never swallows the indentation or escapes that follow it.
    pub fn span(&self, span: Span) -> Span {
        let start = self.offset(span.start);
        let end = if span.end > span.start {
            let last = span.end - 1;
            match self.ends.get(last as usize) {
                Some(&end) => end,
                None => self.offset(last) + 1,
            }
        } else {
            start
        };
        Span::new(start, end.max(start))
    }

    /// Build the map for a scalar whose whole source representation (quotes or block header
    /// included) is `source[node_span]` and whose decoded value is `decoded`.
    pub fn build(source: &str, node_span: Span, style: ScalarStyle, decoded: &str) -> OffsetMap {
        let raw = source.get(node_span.range()).unwrap_or("");
        let base = node_span.start;
        let (mut positions, mut ends, mut runs) = match style {
            ScalarStyle::Literal | ScalarStyle::Folded => {
                (Vec::new(), Vec::new(), align_block(raw, decoded))
            }
            ScalarStyle::DoubleQuoted => {
                let (positions, ends) = align_quoted(raw, decoded, true);
                (positions, ends, Vec::new())
            }
            ScalarStyle::SingleQuoted => {
                let (positions, ends) = align_quoted(raw, decoded, false);
                (positions, ends, Vec::new())
            }
            ScalarStyle::Plain => (align_plain(raw, decoded), Vec::new(), Vec::new()),
        };
        for p in positions.iter_mut().chain(ends.iter_mut()) {
            *p += base;
        }
        for run in &mut runs {
            run.source += base;
        }
        OffsetMap {
            positions,
            ends,
            runs,
            decoded_len: to_u32(decoded.len()),
            last_run: std::cell::Cell::new(0),
        }
    }
}

/// Block scalars: every content line is the decoded line behind the indentation. Align each
/// source line (indentation removed) with the decoded text at the cursor; the characters
/// between (line breaks, folding spaces) map to the line break they come from.
fn align_block(raw: &str, decoded: &str) -> Vec<Run> {
    let constant = |at: usize, source: u32| Run {
        at: to_u32(at),
        source,
        linear: false,
    };
    // Skip the header line (`|`, `|-`, `>2` ...).
    let Some(header_end) = raw.find('\n') else {
        return vec![constant(0, 0)];
    };
    let mut runs = Vec::new();
    let body = &raw[header_end + 1..];
    let indent = block_indent(body);
    let mut cursor = 0usize; // in decoded
    let mut line_start = header_end + 1; // in raw
    let mut last_mapped = to_u32(header_end);
    for line in body.split_inclusive('\n') {
        let content_start = line_start + indent.min(leading_spaces(line));
        let content = raw[content_start..line_start + line.len()].trim_end_matches(['\n', '\r']);
        if !content.is_empty() {
            if let Some(found) = find_near(&decoded[cursor..], content) {
                // Bytes skipped in decoded (line breaks, folding) map to the previous line end.
                if found > 0 {
                    runs.push(constant(cursor, last_mapped));
                }
                cursor += found;
                runs.push(Run {
                    at: to_u32(cursor),
                    source: to_u32(content_start),
                    linear: true,
                });
                cursor += content.len();
                last_mapped = to_u32(content_start + content.len());
            }
        } else {
            last_mapped = to_u32(content_start);
        }
        line_start += line.len();
    }
    // The rest, and the end of the decoded text.
    runs.push(constant(cursor, last_mapped));
    runs
}

/// `haystack.find(needle)`, fast when the match is right after a few line breaks or spaces
/// (the usual case when aligning consecutive lines): a substring searcher costs more to set
/// up than the whole comparison.
fn find_near(haystack: &str, needle: &str) -> Option<usize> {
    let bytes = haystack.as_bytes();
    let mut j = 0;
    loop {
        if bytes[j..].starts_with(needle.as_bytes()) {
            return Some(j);
        }
        match bytes.get(j) {
            Some(b'\n' | b' ' | b'\r') => j += 1,
            _ => break,
        }
    }
    haystack.find(needle)
}

/// The indentation of a block scalar: the first non-empty line's. (An explicit indentation
/// indicator is relative to the parent's indentation, unknown here; the alignment in
/// `align_block` tolerates a first line indented deeper than the block.)
fn block_indent(body: &str) -> usize {
    body.lines()
        .find(|l| !l.trim().is_empty())
        .map(leading_spaces)
        .unwrap_or(0)
}

fn leading_spaces(line: &str) -> usize {
    line.bytes().take_while(|&b| b == b' ').count()
}

/// Quoted scalars: walk the source between the quotes, decoding as YAML does, and record the
/// source position of each decoded byte.
/// The start and end (see [`OffsetMap::ends`]) in `raw` of each decoded byte.
fn align_quoted(raw: &str, decoded: &str, double: bool) -> (Vec<u32>, Vec<u32>) {
    let mut positions = Vec::with_capacity(decoded.len() + 1);
    let mut ends = Vec::with_capacity(decoded.len());
    let inner_start = 1;
    let inner_end = raw.len().saturating_sub(1).max(inner_start);
    let inner = &raw[inner_start..inner_end];
    let bytes = inner.as_bytes();
    let mut out = String::with_capacity(decoded.len());
    let mut i = 0;
    while i < bytes.len() {
        let here = to_u32(inner_start + i);
        let c = bytes[i];
        if double && c == b'\\' && i + 1 < bytes.len() {
            let (text, consumed) = decode_escape(&inner[i..]);
            push_mapped(&mut out, &mut positions, &text, here);
            ends.resize(positions.len(), here + to_u32(consumed));
            i += consumed;
        } else if !double && c == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
            push_mapped(&mut out, &mut positions, "'", here);
            ends.push(here + 2);
            i += 2;
        } else if c == b'\n'
            || c == b'\r'
            || ((c == b' ' || c == b'\t') && rest_is_blank_line(&bytes[i..]))
        {
            // Line folding: trailing blanks, the break, and the next line's indentation fold
            // into one space, or into n-1 newlines for n breaks.
            let mut breaks = 0;
            let mut j = i;
            while j < bytes.len() && matches!(bytes[j], b' ' | b'\t' | b'\n' | b'\r') {
                if bytes[j] == b'\n' {
                    breaks += 1;
                }
                j += 1;
            }
            let folded = if breaks <= 1 {
                " ".to_string()
            } else {
                "\n".repeat(breaks - 1)
            };
            push_mapped(&mut out, &mut positions, &folded, here);
            // A span ending on a folded break stops before the next line's indentation.
            ends.resize(positions.len(), here + 1);
            i = j;
        } else {
            let ch_len = utf8_len(c);
            let ch = &inner[i..(i + ch_len).min(inner.len())];
            for k in 0..ch.len() {
                positions.push(here + to_u32(k));
                ends.push(here + to_u32(k) + 1);
            }
            out.push_str(ch);
            i += ch_len;
        }
    }
    positions.push(to_u32(inner_end));
    if out != decoded {
        return (fallback(raw, decoded), Vec::new());
    }
    (positions, ends)
}

fn rest_is_blank_line(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .take_while(|&&b| b != b'\n')
        .all(|&b| b == b' ' || b == b'\t' || b == b'\r')
        && bytes.contains(&b'\n')
}

fn push_mapped(out: &mut String, positions: &mut Vec<u32>, text: &str, at: u32) {
    positions.extend(std::iter::repeat_n(at, text.len()));
    out.push_str(text);
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// One double-quoted escape at the start of `s`: its decoded text and source length.
fn decode_escape(s: &str) -> (String, usize) {
    let mut chars = s.chars();
    chars.next(); // the backslash
    let Some(e) = chars.next() else {
        return ("\\".into(), 1);
    };
    let simple = |c: char| (c.to_string(), 1 + e.len_utf8());
    match e {
        'n' => simple('\n'),
        't' | '\t' => simple('\t'),
        'r' => simple('\r'),
        '0' => simple('\0'),
        'a' => simple('\x07'),
        'b' => simple('\x08'),
        'e' => simple('\x1b'),
        'f' => simple('\x0c'),
        'v' => simple('\x0b'),
        'N' => simple('\u{85}'),
        '_' => simple('\u{a0}'),
        'L' => simple('\u{2028}'),
        'P' => simple('\u{2029}'),
        'x' | 'u' | 'U' => {
            let width = match e {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let hex = s.get(2..2 + width).unwrap_or("");
            match u32::from_str_radix(hex, 16).ok().and_then(char::from_u32) {
                Some(c) => (c.to_string(), 2 + width),
                None => (e.to_string(), 2),
            }
        }
        '\n' | '\r' => {
            // Escaped line break: joins lines, the next line's leading blanks are dropped.
            let rest = &s[2..];
            let skipped = rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len();
            (String::new(), 2 + skipped)
        }
        other => simple(other),
    }
}

/// Plain multi-line scalars fold like quoted ones, without escapes.
fn align_plain(raw: &str, decoded: &str) -> Vec<u32> {
    if raw == decoded {
        let mut positions: Vec<u32> = (0..to_u32(raw.len())).collect();
        positions.push(to_u32(raw.len()));
        return positions;
    }
    fallback(raw, decoded)
}

/// When alignment fails, map by searching each decoded line in the source; anything not found
/// maps to the start of the scalar.
fn fallback(raw: &str, decoded: &str) -> Vec<u32> {
    let mut positions = Vec::with_capacity(decoded.len() + 1);
    let mut search_from = 0;
    for line in decoded.split_inclusive('\n') {
        let content = line.trim_end_matches('\n');
        let found = (!content.is_empty())
            .then(|| raw[search_from..].find(content.trim_start()))
            .flatten();
        match found {
            Some(at) => {
                let lead = content.len() - content.trim_start().len();
                let src = search_from + at;
                for i in 0..line.len() {
                    positions.push(to_u32((src + i).saturating_sub(lead)));
                }
                search_from = src + content.trim_start().len();
            }
            None => positions.extend(std::iter::repeat_n(to_u32(search_from), line.len())),
        }
    }
    positions.push(to_u32(raw.len()));
    positions
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Check that every non-whitespace decoded byte maps to the same byte in the source.
    fn assert_faithful(source: &str, span: Span, style: ScalarStyle, decoded: &str) {
        let map = OffsetMap::build(source, span, style, decoded);
        for (i, b) in decoded.bytes().enumerate() {
            if b.is_ascii_whitespace() || b == b'"' || b == b'\'' || b == b'\\' {
                continue;
            }
            let src = map.offset(i as u32) as usize;
            assert_eq!(
                source.as_bytes()[src] as char,
                b as char,
                "decoded byte {i} ({:?}) maps to source byte {src}",
                b as char
            );
        }
    }

    /// The byte-per-byte alignment that runs replaced, as the oracle for them.
    fn block_positions_oracle(raw: &str, decoded: &str) -> Vec<u32> {
        let mut positions = Vec::with_capacity(decoded.len() + 1);
        let Some(header_end) = raw.find('\n') else {
            positions.resize(decoded.len() + 1, 0);
            return positions;
        };
        let body = &raw[header_end + 1..];
        let indent = block_indent(body);
        let mut cursor = 0usize;
        let mut line_start = header_end + 1;
        let mut last_mapped = to_u32(header_end);
        for line in body.split_inclusive('\n') {
            let content_start = line_start + indent.min(leading_spaces(line));
            let content =
                raw[content_start..line_start + line.len()].trim_end_matches(['\n', '\r']);
            if !content.is_empty() {
                if let Some(found) = find_near(&decoded[cursor..], content) {
                    positions.resize(cursor + found, last_mapped);
                    cursor += found;
                    positions.extend((0..content.len()).map(|i| to_u32(content_start + i)));
                    cursor += content.len();
                    last_mapped = to_u32(content_start + content.len());
                }
            } else {
                last_mapped = to_u32(content_start);
            }
            line_start += line.len();
        }
        positions.resize(decoded.len(), last_mapped);
        positions.push(last_mapped);
        positions
    }

    proptest::proptest! {
        #[test]
        fn block_runs_map_every_offset_as_bytes_did(
            lines in proptest::collection::vec(("[ ]{0,3}", "[a-z{};# ]{0,12}"), 0..12),
            header in "[|>][-+]?",
            data_indent in 1usize..4,
        ) {
            let pad = " ".repeat(data_indent);
            let mut source = format!("data:\n{pad}k: {header}\n");
            for (extra, text) in &lines {
                source.push_str(&format!("{pad}  {extra}{text}\n"));
            }
            let Ok(stream) = crate::parse::yaml::parse(&source, &Default::default()) else {
                return Ok(());
            };
            let Some(value) = stream.documents.first().and_then(|d| d.root().at(&["data", "k"]))
            else {
                return Ok(());
            };
            let Some(scalar) = value.scalar() else {
                return Ok(());
            };
            let raw = &source[value.span.range()];
            let oracle = block_positions_oracle(raw, scalar.text);
            let map = OffsetMap::build(&source, value.span, scalar.style, scalar.text);
            // In order (the usual lookups), then backwards (every lookup off the last run).
            for (i, expected) in oracle.iter().enumerate().chain(oracle.iter().enumerate().rev()) {
                proptest::prop_assert_eq!(map.offset(to_u32(i)), expected + value.span.start);
            }
            proptest::prop_assert_eq!(
                map.offset(to_u32(oracle.len() + 5)),
                oracle[oracle.len() - 1] + value.span.start
            );
        }
    }

    #[test]
    fn literal_block_maps_each_line() {
        let source =
            "data:\n  nginx.conf: |\n    events {}\n    http {\n        server {}\n    }\n";
        let start = source.find('|').unwrap();
        let span = Span::from_range(start..source.len() - 1);
        let decoded = "events {}\nhttp {\n    server {}\n}\n";
        assert_faithful(source, span, ScalarStyle::Literal, decoded);
        let map = OffsetMap::build(source, span, ScalarStyle::Literal, decoded);
        let server = decoded.find("server").unwrap() as u32;
        assert_eq!(map.offset(server) as usize, source.find("server").unwrap());
    }

    #[test]
    fn double_quoted_with_escapes() {
        let source = "k: \"events {}\\nhttp {\\n  server {}\\n}\\n\"\n";
        let span = Span::from_range(3..source.len() - 1);
        let decoded = "events {}\nhttp {\n  server {}\n}\n";
        assert_faithful(source, span, ScalarStyle::DoubleQuoted, decoded);
    }

    #[test]
    fn single_quoted_folds_lines() {
        let source = "k: 'a ''b''\n  c'\n";
        let span = Span::from_range(3..source.len() - 1);
        let decoded = "a 'b' c";
        assert_faithful(source, span, ScalarStyle::SingleQuoted, decoded);
    }

    #[test]
    fn folded_block() {
        let source = "k: >\n  server {\n  listen 80; }\n";
        let span = Span::from_range(3..source.len() - 1);
        let decoded = "server { listen 80; }\n";
        assert_faithful(source, span, ScalarStyle::Folded, decoded);
    }
    #[test]
    fn a_span_ending_on_an_escape_ends_after_it() {
        // `add_header X "a";` written in a double-quoted YAML scalar: the argument's closing
        // quote is the escape `\"`, and a span ending there ends after the whole escape.
        let source = r#"k: "add_header X \"a\"; # \u00e9""#;
        let start = source.find('"').unwrap();
        let span = Span::from_range(start..source.len());
        let decoded = "add_header X \"a\"; # \u{e9}";
        let map = OffsetMap::build(source, span, ScalarStyle::DoubleQuoted, decoded);
        let arg = decoded.find("\"a\"").unwrap();
        let mapped = map.span(Span::from_range(arg..arg + 3));
        assert_eq!(&source[mapped.range()], r#"\"a\""#);
        let e_acute = decoded.find('\u{e9}').unwrap();
        let mapped = map.span(Span::from_range(e_acute..e_acute + 2));
        assert_eq!(&source[mapped.range()], r"\u00e9");
        // Single quotes: `''` is one decoded quote.
        let source = "k: 'it''s'";
        let span = Span::from_range(3..source.len());
        let map = OffsetMap::build(source, span, ScalarStyle::SingleQuoted, "it's");
        assert_eq!(&source[map.span(Span::from_range(0..3)).range()], "it''");
    }
}
