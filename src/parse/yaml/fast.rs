//! A fast path for the block YAML that Kubernetes manifests are written in.
//!
//! saphyr-parser is a complete YAML 1.2 parser and pays for it: tokens, events, character
//! indices converted back to bytes. Nearly every real manifest uses a small subset, which a
//! single pass over the bytes can read several times faster. This module reads that subset and
//! builds exactly the tree [`super::parse`] would build from saphyr's events, spans, styles,
//! comments and all.
//!
//! # The contract
//!
//! [`parse`] returns `Some(stream)` only when `stream` is identical to what the saphyr path
//! returns for the same text, and `None` for anything it does not handle, including every
//! error: the caller then runs the saphyr path, which produces every error message. When in
//! doubt, return `None`. `tests/yaml_fast.rs` checks the contract against the saphyr path on
//! the corpus and on generated input.
//!
//! # The subset
//!
//! - The text has no `\r`, BOM, NEL, C1 controls, LS/PS, DEL, other control characters than
//!   tab and line feed, nor the non-characters U+FFFE/U+FFFF.
//! - Documents: `---` lines at column 0 (nothing after them but blanks or a comment), blank and
//!   comment lines. The root is a block mapping or a block sequence at column 0. No `...`,
//!   no directives.
//! - Block mappings with single-line plain or quoted keys; block sequences, indentless
//!   sequences (`key:` then `- a` at the key's column), compact mappings in sequence entries
//!   (`- name: x`). A nested collection starts on the line after its `key:` or `-`.
//! - Values: single-line plain and quoted scalars; literal and folded block scalars without an
//!   indentation indicator; single-line flow collections of scalars and flow collections;
//!   empty values (null).
//! - No anchors, aliases, tags, `?` keys, tabs as indentation or separation (tabs are fine in
//!   block scalar bodies, quoted scalars and comments).

use crate::source::SharedText;
use std::borrow::Cow;

use super::tree::{Slot, TooLarge, TreeBuilder};
use super::{collect_comments, span, Document, ScalarStyle, YamlLimits, YamlStream};

/// The text is outside the subset (or is not valid YAML): let saphyr read it.
struct Reject;

type Fast<T> = Result<T, Reject>;

/// The trees the saphyr path would build for `text`, if `text` is in the subset.
pub(crate) fn parse(text: &SharedText, limits: &YamlLimits) -> Option<YamlStream> {
    if !only_plain_characters(text.as_bytes()) {
        return None;
    }
    let mut reader = Reader {
        text,
        b: text.as_bytes(),
        pos: 0,
        max_depth: limits.max_depth,
        protected: Vec::new(),
        tree: TreeBuilder::new(text),
    };
    let documents = reader.stream().ok()?;
    let comments = collect_comments(text, &reader.protected);
    Some(YamlStream {
        documents,
        comments,
    })
}

impl From<TooLarge> for Reject {
    fn from(_: TooLarge) -> Reject {
        Reject
    }
}

/// No byte that saphyr reads as a line break, BOM or non-printable character, other than `\n`.
fn only_plain_characters(b: &[u8]) -> bool {
    // Printable ASCII, tab and newline need no closer look: whole blocks of those are skipped
    // with a branch-free test the compiler vectorizes; only the bytes of a block holding
    // anything else are looked at one by one (a sequence may run into the next block, whose
    // continuation bytes then make it looked at too).
    const BLOCK: usize = 32;
    let mut block_start = 0;
    while block_start < b.len() {
        let block_end = (block_start + BLOCK).min(b.len());
        let needs_a_look = b[block_start..block_end].iter().fold(false, |acc, &c| {
            acc | ((c < 0x20) & (c != b'\n') & (c != b'\t')) | (c >= 0x7F)
        });
        if needs_a_look && (block_start..block_end).any(|i| is_unreadable_at(b, i)) {
            return false;
        }
        block_start = block_end;
    }
    true
}

/// Whether the character starting at byte `i` is one the fast path leaves to saphyr.
fn is_unreadable_at(b: &[u8], i: usize) -> bool {
    match b[i] {
        b'\t' | b'\n' => false,
        0..=0x1F | 0x7F => true,
        0x20..=0x7E => false,
        // NEL and the C1 controls
        0xC2 => matches!(b.get(i + 1), Some(0x80..=0x9F)),
        // LS, PS
        0xE2 => b.get(i + 1) == Some(&0x80) && matches!(b.get(i + 2), Some(0xA8 | 0xA9)),
        // BOM, U+FFFE, U+FFFF
        0xEF => matches!(
            (b.get(i + 1), b.get(i + 2)),
            (Some(0xBB), Some(0xBF)) | (Some(0xBF), Some(0xBE | 0xBF))
        ),
        _ => false,
    }
}

/// A line with content (not blank, not only a comment).
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    /// Leading spaces.
    indent: usize,
}

impl Line {
    fn first(self) -> usize {
        self.start + self.indent
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

struct Reader<'t> {
    text: &'t str,
    b: &'t [u8],
    /// Start of the next line not read yet.
    pos: usize,
    max_depth: usize,
    /// Quoted scalars and block scalar bodies, in source order (see `collect_comments`).
    protected: Vec<(usize, usize)>,
    /// The trees, built as they are read: each collection's children wait on its stack until
    /// it is complete.
    tree: TreeBuilder<'t>,
}

fn is_blank_or_break(b: Option<&u8>) -> bool {
    matches!(b, None | Some(b' ' | b'\n'))
}

/// Index of the `\n` ending the line that holds `p`, or the text length.
fn line_end(b: &[u8], p: usize) -> usize {
    b.get(p..)
        .and_then(|rest| rest.iter().position(|&c| c == b'\n'))
        .map_or(b.len(), |i| p + i)
}

/// Whether a plain scalar may start at `p` in block context.
fn plain_may_start(b: &[u8], p: usize) -> bool {
    match b.get(p) {
        Some(b'-' | b'?' | b':') => !matches!(b.get(p + 1), None | Some(b' ' | b'\n' | b'\t')),
        Some(
            b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
            | b'"' | b'%' | b'@' | b'`' | b' ' | b'\t' | b'\n',
        )
        | None => false,
        Some(_) => true,
    }
}

impl<'t> Reader<'t> {
    fn stream(&mut self) -> Fast<Vec<Document>> {
        let mut documents = Vec::new();
        let mut explicit_start = None;
        while let Some(line) = self.peek_line()? {
            if self.is_document_marker(line) {
                if self.b[line.start] != b'-' {
                    return Err(Reject);
                }
                // `---` without content before the next one: an empty document, skipped.
                explicit_start = Some(line.start);
                self.end_line(line.start + 3)?;
                continue;
            }
            if line.indent != 0 {
                return Err(Reject);
            }
            let root = self.block_node(line, 0)?;
            if let Some(next) = self.peek_line()? {
                if !self.is_document_marker(next) {
                    return Err(Reject);
                }
            }
            let start = explicit_start.take().unwrap_or(root.span().start as usize);
            documents.push(Document {
                span: span(start, root.span().end as usize),
                tree: self.tree.finish(root, None),
            });
        }
        Ok(documents)
    }

    /// Skip blank and comment lines; the next line with content, `self.pos` at its start.
    fn peek_line(&mut self) -> Fast<Option<Line>> {
        let b = self.b;
        let mut start = self.pos;
        loop {
            let mut p = start;
            while p < b.len() && b[p] == b' ' {
                p += 1;
            }
            match b.get(p) {
                None => {
                    self.pos = b.len();
                    return Ok(None);
                }
                Some(b'\n') => start = p + 1,
                Some(b'#') => start = line_end(b, p) + 1,
                Some(b'\t') => return Err(Reject),
                Some(_) => {
                    self.pos = start;
                    return Ok(Some(Line {
                        start,
                        indent: p - start,
                    }));
                }
            }
        }
    }

    /// `---` or `...` at column 0, followed by a blank or the end of the line.
    fn is_document_marker(&self, line: Line) -> bool {
        let b = self.b;
        line.indent == 0
            && (b[line.start..].starts_with(b"---") || b[line.start..].starts_with(b"..."))
            && matches!(b.get(line.start + 3), None | Some(b' ' | b'\t' | b'\n'))
    }

    /// After a node ends at `q`: blanks, maybe a comment, then the end of the line.
    fn end_line(&mut self, mut q: usize) -> Fast<()> {
        let b = self.b;
        let from = q;
        while q < b.len() && b[q] == b' ' {
            q += 1;
        }
        match b.get(q) {
            None => self.pos = q,
            Some(b'\n') => self.pos = q + 1,
            Some(b'#') if q > from || q == 0 || matches!(b[q - 1], b' ' | b'\n') => {
                self.pos = (line_end(b, q) + 1).min(b.len());
            }
            _ => return Err(Reject),
        }
        Ok(())
    }

    fn is_sequence_entry(&self, p: usize) -> bool {
        self.b.get(p) == Some(&b'-') && is_blank_or_break(self.b.get(p + 1))
    }

    /// A block collection starting on `line`, nested in `depth` collections.
    fn block_node(&mut self, line: Line, depth: usize) -> Fast<Slot> {
        let p = line.first();
        if self.is_sequence_entry(p) {
            return self.block_sequence(line.indent, depth, false);
        }
        let (key, colon) = self.key_or_scalar(p)?;
        let colon = colon.ok_or(Reject)?;
        self.block_mapping(line.indent, key, colon, depth)
    }

    /// A plain or quoted scalar at `p`, and the `:` after it if it is a mapping key.
    fn key_or_scalar(&mut self, p: usize) -> Fast<(Slot, Option<usize>)> {
        let b = self.b;
        match b.get(p) {
            Some(b'"' | b'\'') => {
                let (node, after) = self.quoted(p)?;
                let mut q = after;
                while q < b.len() && b[q] == b' ' {
                    q += 1;
                }
                let colon =
                    (b.get(q) == Some(&b':') && is_blank_or_break(b.get(q + 1))).then_some(q);
                if colon.is_none() {
                    self.end_line(after)?;
                }
                Ok((node, colon))
            }
            _ if plain_may_start(b, p) => {
                let (end, stop, colon) = self.plain(p)?;
                if !colon {
                    self.end_line(stop)?;
                }
                Ok((self.plain_node(p, end)?, colon.then_some(stop)))
            }
            _ => Err(Reject),
        }
    }

    /// A block mapping whose first key (already read) ends with the `:` at `colon`; its keys
    /// sit at column `indent`.
    fn block_mapping(
        &mut self,
        indent: usize,
        first_key: Slot,
        first_colon: usize,
        depth: usize,
    ) -> Fast<Slot> {
        if depth >= self.max_depth {
            return Err(Reject);
        }
        let start = first_key.span().start as usize;
        let base = self.tree.mark();
        let (mut key, mut colon) = (first_key, first_colon);
        let mut end;
        loop {
            // saphyr allows 1024 characters from a simple key to its `:`.
            if colon - key.span().start as usize > 1000 {
                return Err(Reject);
            }
            self.tree.push(key);
            let value = self.mapping_value(indent, colon, depth + 1)?;
            end = value.span().end as usize;
            self.tree.push(value);
            let Some(line) = self.peek_line()? else {
                break;
            };
            if self.is_document_marker(line) || line.indent < indent {
                break;
            }
            if line.indent > indent || self.is_sequence_entry(line.first()) {
                return Err(Reject);
            }
            let (next_key, next_colon) = self.key_or_scalar(line.first())?;
            key = next_key;
            colon = next_colon.ok_or(Reject)?;
        }
        Ok(self.tree.collection(span(start, end), true, base)?)
    }

    /// The value after the `:` at `colon` of a key at column `indent`.
    fn mapping_value(&mut self, indent: usize, colon: usize, depth: usize) -> Fast<Slot> {
        let b = self.b;
        let mut q = colon + 1;
        while q < b.len() && b[q] == b' ' {
            q += 1;
        }
        match b.get(q) {
            None | Some(b'\n' | b'#') => {
                self.end_line(q)?;
                self.nested_or_null(indent, colon + 1, depth, true)
            }
            Some(_) => self.inline_value(q, indent, depth),
        }
    }

    /// What follows a `key:` or `-` that ends its line: a more indented collection, an
    /// indentless sequence (`indentless`: after a key), or nothing (null at `null_at`).
    fn nested_or_null(
        &mut self,
        indent: usize,
        null_at: usize,
        depth: usize,
        indentless: bool,
    ) -> Fast<Slot> {
        match self.peek_line()? {
            Some(line) if line.indent > indent => self.block_node(line, depth),
            Some(line)
                if indentless && line.indent == indent && self.is_sequence_entry(line.first()) =>
            {
                self.block_sequence(indent, depth, true)
            }
            // saphyr puts a null followed by a comment after the comment: not worth matching.
            _ if self.b[null_at..line_end(self.b, null_at)].contains(&b'#') => Err(Reject),
            _ => Ok(self
                .tree
                .scalar(span(null_at, null_at), "", ScalarStyle::Plain)?),
        }
    }

    /// A value that starts at `q` on the line of its key or `-` (whose column is `indent`).
    fn inline_value(&mut self, q: usize, indent: usize, depth: usize) -> Fast<Slot> {
        match self.b[q] {
            b'|' | b'>' => self.block_scalar(q, indent),
            b'[' | b'{' => {
                let (node, after) = self.flow(q, depth)?;
                self.end_line(after)?;
                Ok(node)
            }
            b'"' | b'\'' => {
                let (node, after) = self.quoted(q)?;
                self.end_line(after)?;
                Ok(node)
            }
            _ if plain_may_start(self.b, q) => {
                let (end, stop, colon) = self.plain(q)?;
                if colon {
                    return Err(Reject);
                }
                self.end_line(stop)?;
                self.plain_node(q, end)
            }
            _ => Err(Reject),
        }
    }

    /// A block sequence whose `-` sit at column `indent`; `self.pos` is at the first one's line.
    /// `indentless`: the value of a key at the same column, so a key line ends it.
    fn block_sequence(&mut self, indent: usize, depth: usize, indentless: bool) -> Fast<Slot> {
        if depth >= self.max_depth {
            return Err(Reject);
        }
        let b = self.b;
        let mut start = self.pos + indent;
        if indentless {
            // saphyr starts an indentless sequence after its first `-`, and the Builder looks
            // back for the `-` only when the first item does not start with one itself (and
            // takes a `[` there for the sequence's own bracket).
            let first_item = self.skip_spaces(start + 1);
            match b.get(first_item) {
                None | Some(b'\n' | b'#' | b'[') => return Err(Reject),
                Some(b'-') => start = first_item,
                Some(_) => {}
            }
        }
        let base = self.tree.mark();
        let mut end;
        loop {
            let line_start = self.pos;
            let dash = line_start + indent;
            let after = dash + 1;
            let mut q = after;
            while q < b.len() && b[q] == b' ' {
                q += 1;
            }
            let item = match b.get(q) {
                None | Some(b'\n' | b'#') => {
                    self.end_line(q)?;
                    self.nested_or_null(indent, after, depth + 1, false)?
                }
                Some(b'\t') => return Err(Reject),
                Some(b'-') if self.is_sequence_entry(q) => return Err(Reject),
                Some(&c) if c == b'"' || c == b'\'' || plain_may_start(b, q) => {
                    // A scalar, or the first key of a compact mapping (`- name: x`).
                    let (node, colon) = self.key_or_scalar(q)?;
                    match colon {
                        Some(colon) => {
                            self.block_mapping(q - line_start, node, colon, depth + 1)?
                        }
                        None => node,
                    }
                }
                Some(_) => self.inline_value(q, indent, depth + 1)?,
            };
            end = item.span().end as usize;
            self.tree.push(item);
            let Some(line) = self.peek_line()? else {
                break;
            };
            if self.is_document_marker(line) || line.indent < indent {
                break;
            }
            if line.indent > indent {
                return Err(Reject);
            }
            if !self.is_sequence_entry(line.first()) {
                if indentless {
                    break;
                }
                return Err(Reject);
            }
        }
        Ok(self.tree.collection(span(start, end), false, base)?)
    }

    /// A single-line plain scalar in block context from `start`: the end of its text (trailing
    /// blanks trimmed), where reading stopped, and whether it stopped at a `:` that makes it a
    /// key.
    fn plain(&self, start: usize) -> Fast<(usize, usize, bool)> {
        let b = self.b;
        let mut p = start;
        let mut end = start;
        loop {
            match b.get(p) {
                None | Some(b'\n') => return Ok((end, p, false)),
                Some(b' ') => p += 1,
                Some(b'\t') => return Err(Reject),
                Some(b'#') if b[p - 1] == b' ' => return Ok((end, p, false)),
                Some(b':') if is_blank_or_break(b.get(p + 1)) => return Ok((end, p, true)),
                Some(b':') if b.get(p + 1) == Some(&b'\t') => return Err(Reject),
                Some(_) => {
                    p += 1;
                    end = p;
                }
            }
        }
    }

    fn plain_node(&mut self, start: usize, end: usize) -> Fast<Slot> {
        let text = self.text.get(start..end).ok_or(Reject)?;
        Ok(self
            .tree
            .scalar(span(start, end), text, ScalarStyle::Plain)?)
    }

    /// A single-line quoted scalar whose opening quote is at `start`, and the position after
    /// its closing quote.
    fn quoted(&mut self, start: usize) -> Fast<(Slot, usize)> {
        let b = self.b;
        let quote = b[start];
        let mut p = start + 1;
        let mut escaped = false;
        loop {
            match b.get(p) {
                None | Some(b'\n') => return Err(Reject),
                Some(b'\\') if quote == b'"' => {
                    if is_blank_or_break(b.get(p + 1)) && b.get(p + 1) != Some(&b' ') {
                        return Err(Reject);
                    }
                    escaped = true;
                    p += 2;
                }
                Some(&c) if c == quote => {
                    if quote == b'\'' && b.get(p + 1) == Some(&b'\'') {
                        escaped = true;
                        p += 2;
                    } else {
                        break;
                    }
                }
                Some(_) => p += 1,
            }
        }
        let end = p + 1;
        let inner = self.text.get(start + 1..p).ok_or(Reject)?;
        let (text, style) = if quote == b'\'' {
            let text = if escaped {
                Cow::Owned(inner.replace("''", "'"))
            } else {
                Cow::Borrowed(inner)
            };
            (text, ScalarStyle::SingleQuoted)
        } else {
            let text = if escaped {
                Cow::Owned(unescape_double_quoted(inner).ok_or(Reject)?)
            } else {
                Cow::Borrowed(inner)
            };
            (text, ScalarStyle::DoubleQuoted)
        };
        self.protected.push((start, end));
        Ok((self.tree.scalar(span(start, end), &text, style)?, end))
    }

    /// A literal or folded block scalar whose `|`/`>` is at `header`, in a collection at
    /// column `parent_indent`. Reads the body and leaves `self.pos` on the first line after it.
    fn block_scalar(&mut self, header: usize, parent_indent: usize) -> Fast<Slot> {
        let b = self.b;
        let literal = b[header] == b'|';
        let mut p = header + 1;
        let chomp = match b.get(p) {
            Some(b'-') => Chomp::Strip,
            Some(b'+') => Chomp::Keep,
            _ => Chomp::Clip,
        };
        if chomp != Chomp::Clip {
            p += 1;
        }
        let header_end = p;
        while p < b.len() && b[p] == b' ' {
            p += 1;
        }
        match b.get(p) {
            Some(b'\n') => {}
            Some(b'#') if p > header_end => p = line_end(b, p),
            _ => return Err(Reject),
        }
        if p >= b.len() {
            return Err(Reject);
        }
        let body = p + 1;

        let mut indent: Option<usize> = None;
        // Most spaces on the empty lines before the first content line.
        let mut leading_spaces = 0;
        let mut empty_lines = 0usize;
        let mut text = String::new();
        let mut seen_content = false;
        let mut previous_more_indented = false;
        // End of the last line with a non-blank character, for the span.
        let mut last_visible = None;
        let mut line = body;
        while line < b.len() {
            let mut s = line;
            while s < b.len() && b[s] == b' ' {
                s += 1;
            }
            let spaces = s - line;
            let eol = line_end(b, s);
            let content_indent = match (b.get(s), indent) {
                (None | Some(b'\n'), Some(n)) if spaces > n => n,
                (None | Some(b'\n'), None) => {
                    leading_spaces = leading_spaces.max(spaces);
                    if eol >= b.len() {
                        return Err(Reject);
                    }
                    empty_lines += 1;
                    line = eol + 1;
                    continue;
                }
                (None | Some(b'\n'), Some(_)) => {
                    if eol >= b.len() {
                        return Err(Reject);
                    }
                    empty_lines += 1;
                    line = eol + 1;
                    continue;
                }
                (Some(b'\t'), Some(n)) if spaces >= n && literal => n,
                (Some(b'\t'), _) => return Err(Reject),
                (Some(_), Some(n)) if spaces < n => break,
                (Some(_), Some(n)) => n,
                (Some(_), None) => {
                    if spaces <= parent_indent {
                        break;
                    }
                    if leading_spaces > spaces {
                        return Err(Reject);
                    }
                    indent = Some(spaces);
                    spaces
                }
            };
            if eol >= b.len() {
                return Err(Reject);
            }
            let content = self.text.get(line + content_indent..eol).ok_or(Reject)?;
            let more_indented = content.starts_with([' ', '\t']);
            if !seen_content {
                text.reserve(eol - line);
                push_newlines(&mut text, empty_lines);
            } else if literal || more_indented || previous_more_indented {
                push_newlines(&mut text, empty_lines + 1);
            } else if empty_lines == 0 {
                text.push(' ');
            } else {
                push_newlines(&mut text, empty_lines);
            }
            text.push_str(content);
            if content.bytes().any(|c| c != b' ' && c != b'\t') {
                last_visible = Some(eol);
            }
            seen_content = true;
            previous_more_indented = more_indented;
            empty_lines = 0;
            line = eol + 1;
        }
        self.pos = line.min(b.len());
        if !seen_content && chomp == Chomp::Keep {
            return Err(Reject);
        }
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip if seen_content => text.push('\n'),
            Chomp::Clip => {}
            Chomp::Keep => push_newlines(&mut text, empty_lines + 1),
        }
        let node_span = match last_visible {
            Some(end) => {
                self.protected.push((body, end));
                span(header, end)
            }
            None => span(header, header_end),
        };
        let style = if literal {
            ScalarStyle::Literal
        } else {
            ScalarStyle::Folded
        };
        Ok(self.tree.scalar(node_span, &text, style)?)
    }

    /// A single-line flow collection whose bracket is at `open`, and the position after it.
    fn flow(&mut self, open: usize, depth: usize) -> Fast<(Slot, usize)> {
        if depth >= self.max_depth {
            return Err(Reject);
        }
        let b = self.b;
        let mapping = b[open] == b'{';
        let close = if mapping { b'}' } else { b']' };
        let base = self.tree.mark();
        let mut q = open + 1;
        loop {
            q = self.skip_spaces(q);
            if b.get(q) == Some(&close) {
                break;
            }
            let (node, after) = self.flow_node(q, depth + 1)?;
            q = self.skip_spaces(after);
            if mapping {
                if !node.is_scalar() || b.get(q) != Some(&b':') || b.get(q + 1) != Some(&b' ') {
                    return Err(Reject);
                }
                q = self.skip_spaces(q + 1);
                if matches!(b.get(q), Some(b',' | b'}')) {
                    return Err(Reject);
                }
                self.tree.push(node);
                let (value, after) = self.flow_node(q, depth + 1)?;
                self.tree.push(value);
                q = self.skip_spaces(after);
            } else {
                if b.get(q) == Some(&b':') {
                    return Err(Reject);
                }
                self.tree.push(node);
            }
            match b.get(q) {
                // saphyr's span of `{a: b,}` stops short of the `}`: no trailing commas.
                Some(b',') if self.b.get(self.skip_spaces(q + 1)) != Some(&close) => q += 1,
                Some(&c) if c == close => break,
                _ => return Err(Reject),
            }
        }
        let end = q + 1;
        Ok((self.tree.collection(span(open, end), mapping, base)?, end))
    }

    fn skip_spaces(&self, mut q: usize) -> usize {
        while q < self.b.len() && self.b[q] == b' ' {
            q += 1;
        }
        q
    }

    /// A scalar or collection inside a flow collection, and the position after it.
    fn flow_node(&mut self, q: usize, depth: usize) -> Fast<(Slot, usize)> {
        let b = self.b;
        match b.get(q) {
            Some(b'[' | b'{') => self.flow(q, depth),
            Some(b'"' | b'\'') => self.quoted(q),
            Some(b'-' | b'?' | b':')
                if matches!(b.get(q + 1), Some(b',' | b'[' | b']' | b'{' | b'}')) =>
            {
                Err(Reject)
            }
            _ if plain_may_start(b, q) => {
                let mut p = q;
                let mut end = q;
                loop {
                    match b.get(p) {
                        Some(b',' | b']' | b'}' | b':') => break,
                        None | Some(b'\n' | b'\t' | b'[' | b'{') => return Err(Reject),
                        Some(b'#') if b[p - 1] == b' ' => return Err(Reject),
                        // saphyr refuses `a -]`; stay clear of indicators before flow ones.
                        Some(b'-' | b'?')
                            if matches!(b.get(p + 1), Some(b',' | b'[' | b']' | b'{' | b'}')) =>
                        {
                            return Err(Reject)
                        }
                        Some(b' ') => p += 1,
                        Some(_) => {
                            p += 1;
                            end = p;
                        }
                    }
                }
                Ok((self.plain_node(q, end)?, end))
            }
            _ => Err(Reject),
        }
    }
}

fn push_newlines(text: &mut String, count: usize) {
    for _ in 0..count {
        text.push('\n');
    }
}

/// The value of a double-quoted scalar's inner text (one line), `None` for an escape that is
/// not YAML's or that we do not handle.
fn unescape_double_quoted(inner: &str) -> Option<String> {
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let escape = after.as_bytes().first()?;
        let (decoded, used) = match escape {
            b'0' => ('\0', 1),
            b'a' => ('\u{7}', 1),
            b'b' => ('\u{8}', 1),
            b't' | b'\t' => ('\t', 1),
            b'n' => ('\n', 1),
            b'v' => ('\u{b}', 1),
            b'f' => ('\u{c}', 1),
            b'r' => ('\r', 1),
            b'e' => ('\u{1b}', 1),
            b' ' => (' ', 1),
            b'"' => ('"', 1),
            b'/' => ('/', 1),
            b'\\' => ('\\', 1),
            b'N' => ('\u{85}', 1),
            b'_' => ('\u{a0}', 1),
            b'L' => ('\u{2028}', 1),
            b'P' => ('\u{2029}', 1),
            b'x' | b'u' | b'U' => {
                let digits = match escape {
                    b'x' => 2,
                    b'u' => 4,
                    _ => 8,
                };
                let hex = after.get(1..1 + digits)?;
                if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                let code = u32::from_str_radix(hex, 16).ok()?;
                (char::from_u32(code)?, 1 + digits)
            }
            _ => return None,
        };
        out.push(decoded);
        rest = &after[used..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::{parse_fast, parse_with_saphyr, YamlLimits};
    use super::*;

    /// The fast path reads `text`, and reads it as saphyr does.
    fn same(text: &str) -> crate::parse::yaml::YamlStream {
        let limits = YamlLimits::default();
        let fast = parse_fast(text, &limits).unwrap_or_else(|| panic!("declined {text:?}"));
        let slow = parse_with_saphyr(text, &limits).unwrap();
        assert_eq!(fast.documents.len(), slow.documents.len(), "{text:?}");
        for (f, s) in fast.documents.iter().zip(&slow.documents) {
            assert_eq!(f.root(), s.root(), "{text:?}");
            assert_eq!(f.tree, s.tree, "{text:?}");
            assert_eq!(f.span, s.span, "{text:?}");
        }
        assert_eq!(fast.comments, slow.comments, "{text:?}");
        fast
    }

    fn declined(text: &str) {
        assert!(
            parse(
                &std::sync::Arc::new(text.to_string()),
                &YamlLimits::default()
            )
            .is_none(),
            "{text:?}"
        );
    }

    fn value<'s>(stream: &'s crate::parse::yaml::YamlStream, path: &[&str]) -> &'s str {
        stream.documents[0]
            .root()
            .at(path)
            .unwrap()
            .as_str()
            .unwrap()
    }

    #[test]
    fn folding_and_chomping() {
        let s = same("a: >\n  one\n  two\n\n  three\n    more\n  four\n\n\nb: 1\n");
        assert_eq!(value(&s, &["a"]), "one two\nthree\n  more\nfour\n");
        let s = same("a: >-\n  x\n  y\n\n");
        assert_eq!(value(&s, &["a"]), "x y");
        let s = same("a: |+\n  x\n\n\nb: |-\n  y\n\n  z\nc: |\n\n  w\n");
        assert_eq!(value(&s, &["a"]), "x\n\n\n");
        assert_eq!(value(&s, &["b"]), "y\n\nz");
        assert_eq!(value(&s, &["c"]), "\nw\n");
        same("a: |\n  x\n    \n  y  \n  \tz\nb: 2\n");
        same("a: |\n    deep\n  # a comment, not content\nb: |\nc: >\n\nd: 1\n");
        same("- |\n  item\n- >\n  folded\n  text\n");
    }

    #[test]
    fn empty_values_and_nesting() {
        let s = same("a:\nb:   \nc:\n  d:\ne:\n- x\n- \n-\n");
        assert!(s.documents[0].root().get("a").unwrap().is_null());
        same("spec:\n  containers:\n  - name: web\n    image: nginx\n    ports:\n    - containerPort: 80\n  - name: b\n");
        same("list:\n  - a\n  - b\nnext: 1\n");
        same("- name: x\n  env:\n    - name: A\n      value: \"1\"\n-\n  k: v\n");
        same("a:\n- --flag=1\n- -x\n");
    }

    #[test]
    fn keys_comments_and_flow() {
        same("# top\nplain key: 1 # after\n\"quoted key\": 'v' # c\n'it''s': \"a\\tb\\u00e9\"\n");
        same("a: [1, \"two\", {k: v}]\nb: {x: 1, y: [2]}\nc: []\nd: { }\n");
        same("--- # first\na: 1\n---\n\n---\n- x\n");
        same("url: http://x/y?z=1#frag\nweird: a:b\nspaces: a b  c   \n");
    }

    #[test]
    fn outside_the_subset() {
        for text in [
            "a: &x 1\n",
            "a: *x\n",
            "a: !!str 1\n",
            "? a\n: b\n",
            "a: b\n  c\n",
            "a: 1\r\n",
            "\u{feff}a: 1\n",
            "a: |2\n   x\n",
            "a: [1,\n  2]\n",
            "{\"a\": 1}\n",
            "- - x\n",
            "a:\tb\n",
            "--- a\n",
            "a: 1\n...\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: b: c\n",
            "scalar\n",
            "a: \"multi\n  line\"\n",
            "a: |\n  no final newline",
            "a: # null with a comment\n",
        ] {
            declined(text);
        }
    }
}
