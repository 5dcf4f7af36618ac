//! A span-preserving YAML tree.
//!
//! Kubernetes tooling needs more than values: every key and value keeps the byte [`Span`] of its
//! source text, scalars keep their style, and the raw text decides YAML 1.1 booleans the way
//! Kubernetes (go-yaml v2 through sigs.k8s.io/yaml) reads them. Nesting is capped and alias
//! expansion is budgeted, so hostile input gives a [`YamlError`] instead of a stack overflow or
//! an out-of-memory kill.
//!
//! Two readers build the same [`Tree`]s (flat arrays of small nodes, `tree.rs`): a single-pass
//! reader of the block subset manifests are written in (`fast.rs`), and, for everything else
//! and every error, a builder over saphyr-parser's events (here), which builds a boxed draft
//! (`draft.rs`) without recursion and freezes it.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroU32;
use std::sync::Arc;

use compact_str::CompactString;
use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, ScanError, Tag as SaphyrTag};

use crate::source::{to_u32, SharedText, Span};

mod draft;
mod fast;
mod tree;

use draft::{
    Document as DraftDocument, Entry as DraftEntry, Node as DraftNode, Stream as DraftStream,
    TagId, Value as DraftValue,
};
pub use tree::{Entries, Entry, Items, Node, ScalarRef, Tree};

/// Limits that turn hostile input into errors.
#[derive(Clone, Copy, Debug)]
pub struct YamlLimits {
    /// Deepest nesting of mappings and sequences accepted.
    pub max_depth: usize,
    /// Total nodes that alias expansion may copy in one stream (billion laughs guard).
    pub max_alias_nodes: usize,
}

impl Default for YamlLimits {
    fn default() -> YamlLimits {
        YamlLimits {
            max_depth: 256,
            max_alias_nodes: 100_000,
        }
    }
}

/// A YAML stream: one file, possibly several documents.
#[derive(Debug, Default, PartialEq)]
pub struct YamlStream {
    pub documents: Vec<Document>,
    /// Every comment in the file, in order.
    pub comments: Vec<Comment>,
}

/// One document of a stream.
#[derive(Debug, PartialEq)]
pub struct Document {
    pub tree: Tree,
    /// From the document's first content byte (or `---`) to its last.
    pub span: Span,
}

impl Document {
    pub fn root(&self) -> Node<'_> {
        self.tree.root()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// From `#` to the end of the line (line terminator excluded).
    pub span: Span,
    /// The text after `#`, trimmed.
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// The stream could not be read. `span` points at the offending character (often empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YamlError {
    pub span: Span,
    pub message: String,
}

fn parse_yaml_int(text: &str) -> Option<i64> {
    let cleaned: std::borrow::Cow<'_, str> = if text.contains('_') {
        text.chars()
            .filter(|&c| c != '_')
            .collect::<String>()
            .into()
    } else {
        text.into()
    };
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
    };
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()?
    } else {
        return None;
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// Parse a YAML stream. See the module docs for what is kept.
///
/// Choices worth knowing:
/// - Documents without content (`---` followed by nothing but comments, or an empty file) are
///   skipped; `--- ~` and `--- null` are kept as documents with a null root.
/// - A node's span never includes its properties (`&anchor`, `!tag`); they sit before it.
/// - An alias expands to a copy of the anchored node (spans included). Copies are budgeted by
///   `limits.max_alias_nodes`: the nodes copied for every expansion, plus the nodes of anchored
///   nodes that some alias names (we keep a copy of those when they are complete).
/// - Merge keys (`<<: *base`) stay ordinary entries whose value is the expanded alias; callers
///   that care merge them.
/// - saphyr-parser itself caps flow nesting at 255 levels; block nesting is capped here.
/// - Flow collections indented less than saphyr wants are accepted, as go-yaml (kubectl)
///   accepts them: `args: [` ... `]` with the `]` back at the column of `args` inside a
///   `- name:` sequence entry is common in real manifests. See `parse_padded`.
pub fn parse(text: &str, limits: &YamlLimits) -> Result<YamlStream, YamlError> {
    parse_shared(&Arc::new(text.to_string()), limits)
}

/// [`parse`] for a text the trees may share (a loaded file's): most scalars point into it.
pub fn parse_shared(text: &SharedText, limits: &YamlLimits) -> Result<YamlStream, YamlError> {
    if let Some(stream) = fast::parse(text, limits) {
        return Ok(stream);
    }
    freeze(parse_draft_with_saphyr(text, limits)?, text)
}

/// [`parse`] without the fast path: saphyr-parser's events only. For tests and benchmarks
/// that compare the two.
#[doc(hidden)]
pub fn parse_with_saphyr(text: &str, limits: &YamlLimits) -> Result<YamlStream, YamlError> {
    let text = Arc::new(text.to_string());
    freeze(parse_draft_with_saphyr(&text, limits)?, &text)
}

/// The fast path alone: `Some` only for text in its subset, with the tree [`parse`] returns
/// (see `fast.rs`). For tests and benchmarks.
#[doc(hidden)]
pub fn parse_fast(text: &str, limits: &YamlLimits) -> Option<YamlStream> {
    fast::parse(&Arc::new(text.to_string()), limits)
}

fn parse_draft_with_saphyr(text: &str, limits: &YamlLimits) -> Result<DraftStream, YamlError> {
    match parse_once(text, limits) {
        Ok(stream) => Ok(stream),
        Err(failure) => parse_padded(text, limits, failure),
    }
}

/// Each document's draft, frozen into its [`Tree`] (one document's draft alive at a time).
fn freeze(draft: DraftStream, source: &SharedText) -> Result<YamlStream, YamlError> {
    let DraftStream {
        documents,
        comments,
        tags,
    } = draft;
    let mut builder = tree::TreeBuilder::new(source);
    let documents = documents
        .into_iter()
        .map(|document| {
            let tree = Tree::freeze(&mut builder, &document.root, &tags)
                .map_err(|too_large| too_large_error(too_large.span))?;
            Ok(Document {
                tree,
                span: document.span,
            })
        })
        .collect::<Result<_, YamlError>>()?;
    Ok(YamlStream {
        documents,
        comments,
    })
}

fn too_large_error(span: Span) -> YamlError {
    YamlError {
        span,
        message: format!(
            "a scalar or collection larger than {} bytes or items",
            tree::MAX_LEN
        ),
    }
}

/// How many blanks [`parse_padded`] may insert before giving up.
const MAX_PADDING: usize = 8;

/// saphyr rejects a line inside a flow collection that starts left of the indentation it
/// expects ("invalid indentation"), and its expectation is stricter inside compact `- key:`
/// entries than elsewhere. go-yaml accepts these lines. Re-parse with a blank inserted before
/// the offending token (at most [`MAX_PADDING`] times, only when the token starts its line
/// inside an open flow collection, so block structure never changes), then map every span
/// back to the original text. The original error is reported if that does not help.
fn parse_padded(text: &str, limits: &YamlLimits, first: Failure) -> Result<DraftStream, YamlError> {
    let mut padded: Option<String> = None;
    let mut inserted: Vec<usize> = Vec::new();
    let mut failure = first.clone();
    while inserted.len() < MAX_PADDING {
        let current = padded.as_deref().unwrap_or(text);
        let at = failure.error.span.start as usize;
        let Some(open) = failure.flow_open else {
            break;
        };
        if failure.error.message != "invalid indentation" || !inside_flow(current, open, at) {
            break;
        }
        let mut next = String::with_capacity(current.len() + 1);
        next.push_str(&current[..at]);
        next.push(' ');
        next.push_str(&current[at..]);
        inserted.push(at);
        match parse_once(&next, limits) {
            Ok(mut stream) => {
                unpad(&mut stream, &inserted);
                return Ok(stream);
            }
            Err(f) => failure = f,
        }
        padded = Some(next);
    }
    Err(first.error)
}

/// Whether `at` starts its line (after blanks) and lies inside the flow collection opened at
/// `open`: brackets between them, outside quoted scalars and comments, do not close it.
fn inside_flow(text: &str, open: usize, at: usize) -> bool {
    let b = text.as_bytes();
    if open >= at || at > b.len() || !matches!(b.get(open), Some(b'[' | b'{')) {
        return false;
    }
    let line_start = b[..at]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |i| i + 1);
    if !b[line_start..at].iter().all(|&c| is_blank(c)) {
        return false;
    }
    let mut depth = 0usize;
    let mut p = open;
    while p < at {
        let token_start = p == 0
            || matches!(
                b[p - 1],
                b' ' | b'\t' | b'\r' | b'\n' | b'[' | b'{' | b',' | b':'
            );
        match b[p] {
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return false;
                }
            }
            b'#' if p > 0 && is_ws(b[p - 1]) => {
                while p < at && b[p] != b'\n' {
                    p += 1;
                }
                continue;
            }
            b'\'' | b'"' if token_start => {
                p = closing_quote(b, p, at);
                continue;
            }
            _ => {}
        }
        p += 1;
    }
    depth > 0
}

/// Map spans from a padded text back to the original: `inserted` holds the increasing
/// positions of the inserted blanks, each in the final padded text.
fn unpad(stream: &mut DraftStream, inserted: &[usize]) {
    let map = |offset: u32| -> u32 {
        let before = inserted.partition_point(|&q| q < offset as usize);
        offset - before as u32
    };
    let map_span = |s: &mut Span| *s = Span::new(map(s.start), map(s.end));
    for comment in &mut stream.comments {
        map_span(&mut comment.span);
    }
    for doc in &mut stream.documents {
        map_span(&mut doc.span);
        let mut stack = vec![&mut doc.root];
        while let Some(node) = stack.pop() {
            map_span(&mut node.span);
            match &mut node.value {
                DraftValue::Scalar(_) => {}
                DraftValue::Sequence(items) => stack.extend(items.iter_mut()),
                DraftValue::Mapping(entries) => {
                    for entry in entries {
                        stack.push(&mut entry.key);
                        stack.push(&mut entry.value);
                    }
                }
            }
        }
    }
}

/// A failed parse, with the innermost flow collection open at that point (its `[`/`{`).
#[derive(Clone, Debug)]
struct Failure {
    error: YamlError,
    flow_open: Option<usize>,
}

fn parse_once(text: &str, limits: &YamlLimits) -> Result<DraftStream, Failure> {
    let mut builder = Builder::new(text, limits);
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let result = match next {
            Ok((event, span)) => {
                let start = builder.offsets.byte(span.start.index());
                let end = builder.offsets.byte(span.end.index()).max(start);
                builder.event(event, start, end)
            }
            Err(error) => Err(builder.scan_error(&error)),
        };
        match result {
            Ok(true) => break,
            Ok(false) => {}
            Err(error) => {
                let flow_open = builder.stack.iter().rev().find_map(|f| f.open);
                return Err(Failure { error, flow_open });
            }
        }
    }
    let comments = collect_comments(text, &builder.protected);
    Ok(DraftStream {
        documents: builder.documents,
        comments,
        tags: builder.tags.texts,
    })
}

/// Converts saphyr's character indices to byte offsets. Free for ASCII text; otherwise a cursor
/// that walks from the previous answer, which is cheap because events arrive in source order.
struct ByteOffsets<'t> {
    bytes: &'t [u8],
    ascii: bool,
    chars: usize,
    byte: usize,
}

impl<'t> ByteOffsets<'t> {
    fn new(text: &'t str) -> ByteOffsets<'t> {
        ByteOffsets {
            bytes: text.as_bytes(),
            ascii: text.is_ascii(),
            chars: 0,
            byte: 0,
        }
    }

    fn byte(&mut self, char_index: usize) -> usize {
        let len = self.bytes.len();
        if self.ascii {
            return char_index.min(len);
        }
        while self.chars < char_index && self.byte < len {
            self.byte += utf8_width(self.bytes[self.byte]);
            self.chars += 1;
        }
        while self.chars > char_index && self.byte > 0 {
            self.byte -= 1;
            while self.byte > 0 && (self.bytes[self.byte] & 0xC0) == 0x80 {
                self.byte -= 1;
            }
            self.chars -= 1;
        }
        self.byte.min(len)
    }
}

fn utf8_width(lead: u8) -> usize {
    match lead {
        0x00..=0x7F => 1,
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        _ => 2,
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_flow_indicator(b: u8) -> bool {
    matches!(b, b',' | b'[' | b']' | b'{' | b'}')
}

fn span(start: usize, end: usize) -> Span {
    Span::from_range(start..end.max(start))
}

/// A node kept for aliases: a copy, its node count and its nesting height.
struct Anchored {
    node: DraftNode,
    size: usize,
    height: usize,
}

enum FrameItems {
    Sequence(Vec<DraftNode>),
    /// Entries so far and a key waiting for its value.
    Mapping(Vec<DraftEntry>, Option<DraftNode>),
}

/// A collection being built.
struct Frame {
    items: FrameItems,
    tag: Option<TagId>,
    anchor: usize,
    /// Where the event started (properties included).
    raw_start: usize,
    /// The `[` or `{` of a flow collection.
    open: Option<usize>,
    /// Source extent of the first child and end of the last one (aliases: the `*name` token).
    first: Option<usize>,
    last_end: usize,
    /// Nodes below this one, and the deepest nesting below it.
    size: usize,
    height: usize,
}

struct Builder<'t> {
    text: &'t str,
    bytes: &'t [u8],
    limits: YamlLimits,
    offsets: ByteOffsets<'t>,
    stack: Vec<Frame>,
    documents: Vec<DraftDocument>,
    /// `---` of the current document, if explicit.
    doc_start: Option<usize>,
    root: Option<(DraftNode, Span)>,
    /// End of the last content seen: block scalar headers are searched from here.
    last_end: usize,
    /// Quoted scalars and block scalar bodies, in source order: `#` in them is not a comment.
    protected: Vec<(usize, usize)>,
    /// Names written after `*` somewhere in the text: only anchors with these names are kept.
    alias_names: HashSet<&'t str>,
    /// Anchored nodes of the current document that some alias may name, by saphyr anchor id.
    anchors: HashMap<usize, Anchored>,
    /// Highest anchor id seen, and the first id of the current document: saphyr keeps anchor
    /// names across documents, YAML does not.
    max_anchor: usize,
    doc_first_anchor: usize,
    copied: usize,
    tags: TagTable,
}

/// The texts of a stream's tags, each once, and their ids.
#[derive(Default)]
struct TagTable {
    texts: Vec<Box<str>>,
    ids: HashMap<Box<str>, TagId>,
}

impl TagTable {
    fn id(&mut self, tag: Option<std::borrow::Cow<'_, SaphyrTag>>) -> Option<TagId> {
        let tag = tag?;
        let mut text = String::with_capacity(tag.handle.len() + tag.suffix.len());
        text.push_str(&tag.handle);
        text.push_str(&tag.suffix);
        if let Some(&id) = self.ids.get(text.as_str()) {
            return Some(id);
        }
        let text: Box<str> = text.into();
        // A stream has fewer tags than bytes, and spans already cap a text at 4 GiB.
        let id = TagId(NonZeroU32::new(to_u32(self.texts.len() + 1)).unwrap_or(NonZeroU32::MAX));
        self.texts.push(text.clone());
        self.ids.insert(text, id);
        Some(id)
    }
}

impl<'t> Builder<'t> {
    fn new(text: &'t str, limits: &YamlLimits) -> Builder<'t> {
        Builder {
            text,
            bytes: text.as_bytes(),
            limits: *limits,
            offsets: ByteOffsets::new(text),
            stack: Vec::new(),
            documents: Vec::new(),
            doc_start: None,
            root: None,
            last_end: 0,
            protected: Vec::new(),
            alias_names: alias_names(text),
            anchors: HashMap::new(),
            max_anchor: 0,
            doc_first_anchor: 1,
            copied: 0,
            tags: TagTable::default(),
        }
    }

    fn scan_error(&mut self, error: &ScanError) -> YamlError {
        let at = self.offsets.byte(error.marker().index());
        YamlError {
            span: span(at, at),
            message: readable_message(error.info()),
        }
    }

    fn error(at: usize, message: String) -> YamlError {
        YamlError {
            span: span(at, at),
            message,
        }
    }

    /// Handle one event; `true` at the end of the stream.
    fn event(&mut self, event: Event<'t>, start: usize, end: usize) -> Result<bool, YamlError> {
        match event {
            Event::StreamEnd => return Ok(true),
            Event::StreamStart | Event::Nothing => {}
            Event::DocumentStart(explicit) => {
                self.anchors.clear();
                self.doc_first_anchor = self.max_anchor + 1;
                self.doc_start = explicit.then_some(start);
                if explicit {
                    self.last_end = self.last_end.max(end);
                }
            }
            Event::DocumentEnd => {
                let explicit = self
                    .bytes
                    .get(start..)
                    .is_some_and(|b| b.starts_with(b"..."));
                if explicit {
                    self.last_end = self.last_end.max(end);
                }
                self.finish_document(explicit.then_some(end));
            }
            Event::Scalar(value, style, anchor, tag) => {
                self.scalar(value, style, anchor, tag, start, end)?;
            }
            Event::Alias(id) => self.alias(id, start, end)?,
            Event::SequenceStart(anchor, tag) => self.open(false, anchor, tag, start, end)?,
            Event::MappingStart(anchor, tag) => self.open(true, anchor, tag, start, end)?,
            Event::SequenceEnd | Event::MappingEnd => self.close(start)?,
        }
        Ok(false)
    }

    fn finish_document(&mut self, explicit_end: Option<usize>) {
        let doc_start = self.doc_start.take();
        let Some((root, extent)) = self.root.take() else {
            return;
        };
        let empty = root.tag.is_none()
            && root.span.is_empty()
            && root.style == ScalarStyle::Plain
            && matches!(&root.value, DraftValue::Scalar(text) if text.is_empty());
        if empty {
            return;
        }
        let start = doc_start.unwrap_or(extent.start as usize);
        let end = explicit_end.unwrap_or(extent.end as usize);
        self.documents.push(DraftDocument {
            root,
            span: span(start, end),
        });
    }

    fn scalar(
        &mut self,
        value: std::borrow::Cow<'t, str>,
        style: SaphyrStyle,
        anchor: usize,
        tag: Option<std::borrow::Cow<'t, SaphyrTag>>,
        start: usize,
        end: usize,
    ) -> Result<(), YamlError> {
        self.max_anchor = self.max_anchor.max(anchor);
        let has_props = anchor > 0 || tag.is_some();
        let content_start = if has_props {
            self.skip_props(start, end)
        } else {
            start
        };
        let (node_span, style) = match style {
            SaphyrStyle::Plain if value.is_empty() => {
                let at = if has_props {
                    end
                } else {
                    self.empty_position(start)
                };
                (span(at, at), ScalarStyle::Plain)
            }
            SaphyrStyle::Plain => (span(content_start, end), ScalarStyle::Plain),
            SaphyrStyle::SingleQuoted | SaphyrStyle::DoubleQuoted => {
                // saphyr's end can run past the closing quote (blanks, even a comment).
                let e = closing_quote(self.bytes, content_start, end);
                self.protected.push((content_start, e));
                let style = if style == SaphyrStyle::SingleQuoted {
                    ScalarStyle::SingleQuoted
                } else {
                    ScalarStyle::DoubleQuoted
                };
                (span(content_start, e), style)
            }
            SaphyrStyle::Literal | SaphyrStyle::Folded => {
                let s = self.block_scalar_span(has_props, start, end);
                let style = if style == SaphyrStyle::Literal {
                    ScalarStyle::Literal
                } else {
                    ScalarStyle::Folded
                };
                (s, style)
            }
        };
        self.last_end = self.last_end.max(node_span.end as usize);
        // saphyr's scanner leaves spare capacity: keep only the text.
        let mut node = DraftNode::new_scalar(node_span, shrunk(value), style);
        node.tag = self.tags.id(tag);
        let extent = span(start.min(node_span.start as usize), node_span.end as usize);
        self.complete(node, extent, 1, 0, anchor, start)
    }

    /// Where an empty (null) scalar without properties sits: right after the `:` of a mapping
    /// value or the `-` of a sequence entry, after the key when the `:` is missing (`? k`,
    /// `{a, b}`), and where saphyr puts it otherwise.
    fn empty_position(&self, start: usize) -> usize {
        let b = self.bytes;
        let mut back = start.min(b.len());
        while back > 0 && is_blank(b[back - 1]) {
            back -= 1;
        }
        let before = back.checked_sub(1).map(|i| b[i]);
        match self.stack.last().map(|f| &f.items) {
            Some(FrameItems::Mapping(_, Some(key))) => {
                if b.get(start) == Some(&b':') {
                    start + 1
                } else if before == Some(b':') {
                    back
                } else {
                    key.span.end as usize
                }
            }
            Some(FrameItems::Sequence(_)) if before == Some(b'-') => back,
            _ => start,
        }
    }

    /// From the `|`/`>` indicator to the end of the last content line; also records the body as
    /// protected from comment detection.
    fn block_scalar_span(&mut self, has_props: bool, start: usize, end: usize) -> Span {
        let b = self.bytes;
        // Without properties saphyr's span starts at the first content line, after the header:
        // search forward from the end of the previous content instead.
        let from = if has_props {
            start
        } else {
            self.last_end.min(start)
        };
        let Some(header) = self.find_block_header(from, end) else {
            // Not seen in any test; keep saphyr's span rather than guess.
            return span(start, end);
        };
        let mut header_end = header + 1;
        while header_end < b.len() && matches!(b[header_end], b'0'..=b'9' | b'+' | b'-') {
            header_end += 1;
        }
        let body = match b[header_end..].iter().position(|&c| c == b'\n') {
            Some(i) => header_end + i + 1,
            None => b.len(),
        };
        let mut e = end.min(b.len());
        while e > body && is_ws(b[e - 1]) {
            e -= 1;
        }
        if e <= body {
            return span(header, header_end);
        }
        while e < b.len() && b[e] != b'\n' && b[e] != b'\r' {
            e += 1;
        }
        self.protected.push((body, e));
        span(header, e)
    }

    fn find_block_header(&self, mut p: usize, limit: usize) -> Option<usize> {
        let b = self.bytes;
        let limit = limit.min(b.len());
        while p < limit {
            match b[p] {
                b'|' | b'>' => return Some(p),
                b' ' | b'\t' | b'\r' | b'\n' => p += 1,
                b'#' => {
                    while p < limit && b[p] != b'\n' {
                        p += 1;
                    }
                }
                b'&' | b'!' => p = skip_property(b, p, limit),
                b'-' if b[p..].starts_with(b"---") => p += 3,
                b'-' | b'?' | b':' => p += 1,
                _ => return None,
            }
        }
        None
    }

    /// Skip `&anchor`, `!tag`, blanks and comments from `p`.
    fn skip_props(&self, mut p: usize, limit: usize) -> usize {
        let b = self.bytes;
        let limit = limit.min(b.len());
        while p < limit {
            match b[p] {
                b' ' | b'\t' | b'\r' | b'\n' => p += 1,
                b'#' => {
                    while p < limit && b[p] != b'\n' {
                        p += 1;
                    }
                }
                b'&' | b'!' => p = skip_property(b, p, limit),
                _ => break,
            }
        }
        p.min(limit)
    }

    fn dash_at_or_before(&self, p: usize) -> Option<usize> {
        let b = self.bytes;
        if b.get(p) == Some(&b'-') {
            return Some(p);
        }
        let mut back = p.min(b.len());
        while back > 0 && is_blank(b[back - 1]) {
            back -= 1;
        }
        (back > 0 && b[back - 1] == b'-').then(|| back - 1)
    }

    /// The name of the `&anchor` among the properties that start at `p`.
    fn anchor_name(&self, mut p: usize) -> Option<&'t str> {
        let b = self.bytes;
        for _ in 0..2 {
            while p < b.len() && is_ws(b[p]) {
                p += 1;
            }
            match b.get(p) {
                Some(b'&') => {
                    let end = skip_property(b, p, b.len());
                    return self.text.get(p + 1..end);
                }
                Some(b'!') => p = skip_property(b, p, b.len()),
                _ => return None,
            }
        }
        None
    }

    fn open(
        &mut self,
        mapping: bool,
        anchor: usize,
        tag: Option<std::borrow::Cow<'t, SaphyrTag>>,
        start: usize,
        end: usize,
    ) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(Self::error(start, self.depth_message()));
        }
        self.max_anchor = self.max_anchor.max(anchor);
        let has_props = anchor > 0 || tag.is_some();
        let p = if has_props {
            self.skip_props(start, end)
        } else {
            start
        };
        let bracket = if mapping { b'{' } else { b'[' };
        let open = (self.bytes.get(p) == Some(&bracket)).then_some(p);
        if let Some(p) = open {
            self.last_end = self.last_end.max(p + 1);
        }
        // A block sequence starts at its first `-` (saphyr puts indentless ones after it).
        let first = match open {
            None if !mapping => self.dash_at_or_before(p),
            _ => None,
        };
        self.stack.push(Frame {
            items: if mapping {
                FrameItems::Mapping(Vec::new(), None)
            } else {
                FrameItems::Sequence(Vec::new())
            },
            tag: self.tags.id(tag),
            anchor,
            raw_start: start,
            open,
            first,
            last_end: start,
            size: 0,
            height: 0,
        });
        Ok(())
    }

    fn close(&mut self, start: usize) -> Result<(), YamlError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let node_span = match frame.open {
            Some(open) => {
                let close = if matches!(self.bytes.get(start), Some(b']' | b'}')) {
                    start + 1
                } else {
                    frame.last_end.max(start)
                };
                self.last_end = self.last_end.max(close);
                span(open, close)
            }
            None => match frame.first {
                Some(first) => span(first, frame.last_end),
                None => span(frame.raw_start, frame.raw_start),
            },
        };
        let value = match frame.items {
            // Exact capacities: the trees of a whole repository stay in memory until the rules
            // are done, and growth slack is a quarter of it.
            FrameItems::Sequence(items) => DraftValue::Sequence(items.into_boxed_slice()),
            FrameItems::Mapping(entries, _) => DraftValue::Mapping(entries.into_boxed_slice()),
        };
        let mut node = DraftNode::new_collection(node_span, value);
        node.tag = frame.tag;
        let extent = span(
            frame.raw_start.min(node_span.start as usize),
            node_span.end as usize,
        );
        self.complete(
            node,
            extent,
            frame.size + 1,
            frame.height + 1,
            frame.anchor,
            frame.raw_start,
        )
    }

    fn alias(&mut self, id: usize, start: usize, end: usize) -> Result<(), YamlError> {
        let Some(anchored) = self.anchors.get(&id) else {
            let name = self.text.get(start..end).unwrap_or("*");
            let why = if id < self.doc_first_anchor {
                "refers to an anchor of an earlier document"
            } else {
                "refers to an anchor whose node is not complete (recursive alias)"
            };
            return Err(Self::error(start, format!("alias `{name}` {why}")));
        };
        if self.stack.len() + anchored.height > self.limits.max_depth {
            return Err(Self::error(start, self.depth_message()));
        }
        self.copied += anchored.size;
        if self.copied > self.limits.max_alias_nodes {
            return Err(Self::error(start, self.alias_message()));
        }
        let (node, size, height) = (anchored.node.clone(), anchored.size, anchored.height);
        self.last_end = self.last_end.max(end);
        self.attach(node, span(start, end), size, height);
        Ok(())
    }

    /// A node is complete: keep a copy if an alias may name its anchor, then attach it.
    fn complete(
        &mut self,
        node: DraftNode,
        extent: Span,
        size: usize,
        height: usize,
        anchor: usize,
        props_start: usize,
    ) -> Result<(), YamlError> {
        if anchor > 0
            && self
                .anchor_name(props_start)
                .is_some_and(|name| self.alias_names.contains(name))
        {
            self.copied += size;
            if self.copied > self.limits.max_alias_nodes {
                return Err(Self::error(props_start, self.alias_message()));
            }
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    size,
                    height,
                },
            );
        }
        self.attach(node, extent, size, height);
        Ok(())
    }

    fn attach(&mut self, node: DraftNode, extent: Span, size: usize, height: usize) {
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some((node, extent));
            return;
        };
        frame.size += size;
        frame.height = frame.height.max(height);
        frame.first.get_or_insert(extent.start as usize);
        frame.last_end = extent.end as usize;
        match &mut frame.items {
            FrameItems::Sequence(items) => items.push(node),
            FrameItems::Mapping(entries, pending) => match pending.take() {
                None => *pending = Some(node),
                Some(key) => entries.push(DraftEntry { key, value: node }),
            },
        }
    }

    fn depth_message(&self) -> String {
        format!("nesting deeper than {} levels", self.limits.max_depth)
    }

    fn alias_message(&self) -> String {
        format!(
            "alias expansion exceeds {} nodes (billion laughs?)",
            self.limits.max_alias_nodes
        )
    }
}

/// Short text goes inline (no allocation); longer text keeps only its length.
fn shrunk(s: std::borrow::Cow<'_, str>) -> CompactString {
    match s {
        std::borrow::Cow::Borrowed(b) => CompactString::new(b),
        std::borrow::Cow::Owned(o) if o.len() <= 24 => CompactString::new(&o),
        std::borrow::Cow::Owned(mut o) => {
            o.shrink_to_fit();
            CompactString::from(o)
        }
    }
}

/// The end of the quoted scalar whose opening quote is at `start` (`limit` if unterminated).
fn closing_quote(b: &[u8], start: usize, limit: usize) -> usize {
    let limit = limit.min(b.len());
    let Some(&quote) = b.get(start) else {
        return limit;
    };
    let mut p = start + 1;
    while p < limit {
        match b[p] {
            b'\\' if quote == b'"' => p += 2,
            b'\'' if quote == b'\'' => {
                if b.get(p + 1) == Some(&b'\'') {
                    p += 2;
                } else {
                    return p + 1;
                }
            }
            c if c == quote => return p + 1,
            _ => p += 1,
        }
    }
    limit
}

/// Skip one `&anchor` or `!tag` (verbatim `!<...>` included) starting at `p`.
fn skip_property(b: &[u8], mut p: usize, limit: usize) -> usize {
    if b[p] == b'!' && b.get(p + 1) == Some(&b'<') {
        while p < limit && b[p] != b'>' && !is_ws(b[p]) {
            p += 1;
        }
        return (p + 1).min(limit);
    }
    p += 1;
    while p < limit && !is_ws(b[p]) && !is_flow_indicator(b[p]) {
        p += 1;
    }
    p
}

/// Every name written after a `*` (a superset of the aliases: `/*` in paths lands here too).
fn alias_names(text: &str) -> HashSet<&str> {
    let b = text.as_bytes();
    let mut names = HashSet::new();
    let mut from = 0;
    while let Some(i) = text[from..].find('*') {
        let start = from + i + 1;
        let mut end = start;
        while end < b.len() && !is_ws(b[end]) && !is_flow_indicator(b[end]) {
            end += 1;
        }
        if let Some(name) = text.get(start..end) {
            if !name.is_empty() {
                names.insert(name);
            }
        }
        from = end.max(start);
    }
    names
}

/// saphyr's messages, reworded where they read like parser internals.
fn readable_message(info: &str) -> String {
    match info {
        "recursion limit exceeded" => "flow collections nested deeper than 255 levels".into(),
        "simple key expect ':'" => "could not find expected ':' after this key".into(),
        "did not find expected <document start>" | "did not find expected <document-start>" => {
            "unexpected content after the end of the document (missing `---`?)".into()
        }
        _ => info.to_owned(),
    }
}

/// Every `#` comment: a `#` at the start of a line or after a blank, outside quoted scalars and
/// block scalar bodies (`protected`, in source order). One pass over the text.
fn collect_comments(text: &str, protected: &[(usize, usize)]) -> Vec<Comment> {
    let b = text.as_bytes();
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut comments = Vec::new();
    let mut ranges = protected.iter().peekable();
    let mut from = 0;
    while let Some(i) = text[from..].find('#') {
        let at = from + i;
        from = at + 1;
        if at > bom && !is_ws(b[at - 1]) {
            continue;
        }
        while ranges.peek().is_some_and(|r| r.1 <= at) {
            ranges.next();
        }
        if let Some(&&(start, end)) = ranges.peek() {
            if start <= at {
                from = end;
                continue;
            }
        }
        let mut end = at;
        while end < b.len() && b[end] != b'\n' && b[end] != b'\r' {
            end += 1;
        }
        comments.push(Comment {
            span: span(at, end),
            text: text[at + 1..end].trim().to_owned(),
        });
        from = end;
    }
    comments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> YamlStream {
        parse(text, &YamlLimits::default()).unwrap_or_else(|e| panic!("{e:?} in {text:?}"))
    }

    fn root(text: &str) -> Tree {
        let mut stream = load(text);
        assert_eq!(stream.documents.len(), 1, "{text:?}");
        stream.documents.remove(0).tree
    }

    fn src(text: &str, node: Node<'_>) -> String {
        text[node.span.range()].to_owned()
    }

    /// The source text of the value at `path` (mapping keys).
    fn at(text: &str, path: &[&str]) -> String {
        let tree = root(text);
        let node = tree
            .root()
            .at(path)
            .unwrap_or_else(|| panic!("{path:?} not in {text:?}"));
        src(text, node)
    }

    #[test]
    fn plain_scalar_spans() {
        let text = "a: b\nlong: some words here   # c\nmulti: first\n  second\n";
        assert_eq!(at(text, &["a"]), "b");
        assert_eq!(at(text, &["long"]), "some words here");
        assert_eq!(at(text, &["multi"]), "first\n  second");
        assert_eq!(
            root(text).root().get("multi").unwrap().as_str(),
            Some("first second")
        );
    }

    #[test]
    fn quoted_scalar_spans() {
        let text = "s: 'it''s'  \nd: \"x\\ty \\u00e9\"   # c\nm: \"a\n  b\"  \nk: \"\"\n";
        let r_tree = root(text);
        let r = r_tree.root();
        assert_eq!(at(text, &["s"]), "'it''s'");
        assert_eq!(r.get("s").unwrap().as_str(), Some("it's"));
        assert_eq!(
            r.get("s").unwrap().scalar().unwrap().style,
            ScalarStyle::SingleQuoted
        );
        assert_eq!(at(text, &["d"]), "\"x\\ty \\u00e9\"");
        assert_eq!(r.get("d").unwrap().as_str(), Some("x\ty é"));
        assert_eq!(
            r.get("d").unwrap().scalar().unwrap().style,
            ScalarStyle::DoubleQuoted
        );
        assert_eq!(at(text, &["m"]), "\"a\n  b\"");
        assert_eq!(at(text, &["k"]), "\"\"");
        assert_eq!(r.get("k").unwrap().as_str(), Some(""));
    }

    #[test]
    fn block_scalar_spans() {
        let text = "lit: |\n  one\n  two\n\nstrip: |-\n  x # not a comment\nkeep: |+\n  y\n\n\nfold: >  # header comment\n  a\n  b\n\nlast: >2-\n   indented\n";
        let r_tree = root(text);
        let r = r_tree.root();
        assert_eq!(at(text, &["lit"]), "|\n  one\n  two");
        assert_eq!(r.get("lit").unwrap().as_str(), Some("one\ntwo\n"));
        assert_eq!(
            r.get("lit").unwrap().scalar().unwrap().style,
            ScalarStyle::Literal
        );
        assert_eq!(at(text, &["strip"]), "|-\n  x # not a comment");
        assert_eq!(r.get("strip").unwrap().as_str(), Some("x # not a comment"));
        assert_eq!(at(text, &["keep"]), "|+\n  y");
        assert_eq!(r.get("keep").unwrap().as_str(), Some("y\n\n\n"));
        assert_eq!(at(text, &["fold"]), ">  # header comment\n  a\n  b");
        assert_eq!(r.get("fold").unwrap().as_str(), Some("a b\n"));
        assert_eq!(
            r.get("fold").unwrap().scalar().unwrap().style,
            ScalarStyle::Folded
        );
        assert_eq!(at(text, &["last"]), ">2-\n   indented");
        assert_eq!(r.get("last").unwrap().as_str(), Some(" indented"));
        let comments = load(text).comments;
        assert_eq!(comments.len(), 1);
        assert_eq!(comments[0].text, "header comment");
    }

    #[test]
    fn block_scalar_in_nested_mapping_and_sequence() {
        let text = "a:\n  conf: |\n    server {\n      listen 80; # port\n    }\n  next: 1\nlist:\n- |\n  item\n- >-\n  other\n";
        assert_eq!(
            at(text, &["a", "conf"]),
            "|\n    server {\n      listen 80; # port\n    }"
        );
        let r_tree = root(text);
        let r = r_tree.root();
        let items: Vec<Node> = r.get("list").unwrap().items().collect();
        assert_eq!(src(text, items[0]), "|\n  item");
        assert_eq!(src(text, items[1]), ">-\n  other");
        assert!(load(text).comments.is_empty());
    }

    #[test]
    fn block_scalar_with_properties_and_empty_body() {
        let text = "a: &x !t |\n  body\nb: |\nc: >\n\nd: 1\n";
        assert_eq!(at(text, &["a"]), "|\n  body");
        assert_eq!(at(text, &["b"]), "|");
        assert_eq!(at(text, &["c"]), ">");
        let stream = load(text);
        let a = stream.documents[0].root().get("a").unwrap();
        assert_eq!(a.tag(), Some("!t"));
    }

    #[test]
    fn key_spans() {
        let text = "plain key: 1\n\"quoted key\": 2\n'single': 3\n? complex\n: 4\n";
        let r_tree = root(text);
        let r = r_tree.root();
        let keys: Vec<String> = r.entries().map(|e| src(text, e.key)).collect();
        assert_eq!(keys, ["plain key", "\"quoted key\"", "'single'", "complex"]);
    }

    #[test]
    fn nested_block_mapping_spans() {
        let text = "metadata:\n  name: web\n  labels:\n    app: web\n    tier: front\nspec: {}\n";
        let r_tree = root(text);
        let r = r_tree.root();
        assert_eq!(src(text, r), text.trim_end());
        assert_eq!(
            at(text, &["metadata"]),
            "name: web\n  labels:\n    app: web\n    tier: front"
        );
        assert_eq!(
            at(text, &["metadata", "labels"]),
            "app: web\n    tier: front"
        );
        assert_eq!(at(text, &["spec"]), "{}");
    }

    #[test]
    fn sequence_of_mappings_spans() {
        let text =
            "ports:\n- name: http\n  port: 80\n- name: ws\n  port: 8080\nother:\n  - a\n  - b\n";
        let r_tree = root(text);
        let r = r_tree.root();
        let ports = r.get("ports").unwrap();
        assert_eq!(
            src(text, ports),
            "- name: http\n  port: 80\n- name: ws\n  port: 8080"
        );
        assert_eq!(
            src(text, ports.items().next().unwrap()),
            "name: http\n  port: 80"
        );
        assert_eq!(
            src(text, ports.items().nth(1).unwrap()),
            "name: ws\n  port: 8080"
        );
        assert_eq!(
            src(text, ports.items().nth(1).unwrap().get("port").unwrap()),
            "8080"
        );
        assert_eq!(
            ports.items().nth(1).unwrap().get("port").unwrap().as_i64(),
            Some(8080)
        );
        assert_eq!(at(text, &["other"]), "- a\n  - b");
    }

    #[test]
    fn flow_collection_spans() {
        let text = "a: [1, {k: v} , [ ] ]\nb: { x: 1, y: [2] }\nc: [k: x, : y]\n";
        let r_tree = root(text);
        let r = r_tree.root();
        assert_eq!(at(text, &["a"]), "[1, {k: v} , [ ] ]");
        let a = r.get("a").unwrap();
        assert_eq!(src(text, a.items().nth(1).unwrap()), "{k: v}");
        assert_eq!(src(text, a.items().nth(2).unwrap()), "[ ]");
        assert_eq!(at(text, &["b"]), "{ x: 1, y: [2] }");
        assert_eq!(at(text, &["b", "y"]), "[2]");
        let c = r.get("c").unwrap();
        assert_eq!(src(text, c.items().next().unwrap()), "k: x");
        assert!(c
            .items()
            .nth(1)
            .unwrap()
            .entries()
            .next()
            .unwrap()
            .key
            .is_null());
    }

    #[test]
    fn empty_values_sit_after_the_indicator() {
        let text = "a:\nb:   \nc: !!null\nd: &x\nseq:\n-\n- \n- z\nf: {p, q: , r: s}\n";
        let r_tree = root(text);
        let r = r_tree.root();
        for key in ["a", "b"] {
            let v = r.get(key).unwrap();
            assert!(v.is_null());
            let colon = text.find(&format!("{key}:")).unwrap() + 2;
            assert_eq!(v.span, Span::empty(colon as u32), "{key}");
        }
        let c = r.get("c").unwrap();
        assert_eq!(
            c.span,
            Span::empty((text.find("!!null").unwrap() + 6) as u32)
        );
        assert!(!c.is_null()); // tagged
        let seq: Vec<Node> = r.get("seq").unwrap().items().collect();
        let dash1 = text.find("\n-\n").unwrap() + 2;
        assert_eq!(seq[0].span, Span::empty(dash1 as u32));
        let dash2 = text.find("\n- \n").unwrap() + 2;
        assert_eq!(seq[1].span, Span::empty(dash2 as u32));
        let f = r.get("f").unwrap();
        let p = text.find("{p").unwrap() + 2;
        assert_eq!(f.get("p").unwrap().span, Span::empty(p as u32));
        let q = text.find("q: ,").unwrap() + 2;
        assert_eq!(f.get("q").unwrap().span, Span::empty(q as u32));
        // `key:` at the very end of the input
        let text = "x: 1\ny:";
        assert_eq!(root(text).root().get("y").unwrap().span, Span::empty(7));
    }

    #[test]
    fn non_ascii_before_nodes() {
        let text = "\u{feff}# café ☕\nété: \"à ☕\"\nname: 名前 # コメント\nlist: [ü, \"😀\"]\nblock: |\n  日本\nz: end\n";
        let r_tree = root(text);
        let r = r_tree.root();
        assert_eq!(src(text, r.entries().next().unwrap().key), "été");
        assert_eq!(at(text, &["été"]), "\"à ☕\"");
        assert_eq!(at(text, &["name"]), "名前");
        assert_eq!(at(text, &["list"]), "[ü, \"😀\"]");
        assert_eq!(
            src(text, r.get("list").unwrap().items().nth(1).unwrap()),
            "\"😀\""
        );
        assert_eq!(at(text, &["block"]), "|\n  日本");
        assert_eq!(at(text, &["z"]), "end");
        let comments = load(text).comments;
        let texts: Vec<&str> = comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["café ☕", "コメント"]);
        assert_eq!(&text[comments[1].span.range()], "# コメント");
    }

    #[test]
    fn crlf_line_endings() {
        let text = "a: 1\r\nb:\r\n  c: \"x\"  \r\nlit: |\r\n  one\r\n  two\r\n\r\nd: [1,\r\n 2]  # c\r\ne:\r\n";
        let r_tree = root(text);
        let r = r_tree.root();
        assert_eq!(at(text, &["a"]), "1");
        assert_eq!(at(text, &["b"]), "c: \"x\"");
        assert_eq!(at(text, &["lit"]), "|\r\n  one\r\n  two");
        assert_eq!(r.get("lit").unwrap().as_str(), Some("one\ntwo\n"));
        assert_eq!(at(text, &["d"]), "[1,\r\n 2]");
        assert_eq!(
            r.get("e").unwrap().span,
            Span::empty((text.len() - 2) as u32)
        );
        let comments = load(text).comments;
        assert_eq!(comments.len(), 1);
        assert_eq!(&text[comments[0].span.range()], "# c");
    }

    #[test]
    fn kubernetes_booleans() {
        let tree = root("enabled: on\nquoted: \"on\"\nno: no\nyes: Yes\nnum: 0x1F\n");
        let r = tree.root();
        assert_eq!(r.get("enabled").unwrap().as_bool(), Some(true));
        assert_eq!(r.get("quoted").unwrap().as_bool(), None);
        assert_eq!(r.get("no").unwrap().as_bool(), Some(false));
        assert_eq!(r.get("yes").unwrap().as_bool(), Some(true));
        assert_eq!(r.get("num").unwrap().as_i64(), Some(31));
    }

    #[test]
    fn tags_and_anchors() {
        let text =
            "base: &b\n  x: 1\nuse: *b\nmerged:\n  <<: *b\n  y: !!str 2\ncustom: !Thing {a: 1}\n";
        let stream = load(text);
        let r = stream.documents[0].root();
        assert_eq!(at(text, &["base"]), "x: 1");
        let used = r.get("use").unwrap();
        assert_eq!(used, r.get("base").unwrap());
        assert_eq!(src(text, used), "x: 1"); // the anchored node's span
        assert_eq!(r.at(&["merged", "<<", "x"]).unwrap().as_i64(), Some(1));
        let y = r.at(&["merged", "y"]).unwrap();
        assert_eq!(y.tag(), Some("tag:yaml.org,2002:str"));
        assert_eq!(src(text, y), "2");
        let custom = r.get("custom").unwrap();
        assert_eq!(custom.tag(), Some("!Thing"));
        assert_eq!(src(text, custom), "{a: 1}");
        assert_eq!(r.tag(), None);
        // the mapping holding an alias ends at the alias, not at the anchored node
        assert_eq!(src(text, r), text.trim_end());
    }

    #[test]
    fn a_stream_keeps_each_tag_text_once() {
        let text = "a: !!str 1\nb: !x [2]\nc: &c !!str 3\nd: *c\n";
        let stream = load(text);
        let r = stream.documents[0].root();
        let tags: Vec<Option<&str>> = ["a", "b", "c", "d"]
            .iter()
            .map(|k| r.get(k).unwrap().tag())
            .collect();
        assert_eq!(tags[0], tags[2]);
        assert_eq!(tags[2], tags[3]);
        assert_ne!(tags[0], tags[1]);
        assert_eq!(r.get("b").unwrap().tag(), Some("!x"));
        assert_eq!(r.get("d").unwrap().tag(), Some("tag:yaml.org,2002:str"));
    }

    #[test]
    fn multi_document_streams() {
        let text =
            "---\n# only a comment\n---\napiVersion: v1\nkind: A\n...\n---\nkind: B\n---\n--- ~\n";
        let s = load(text);
        assert_eq!(s.documents.len(), 3);
        assert_eq!(
            s.documents[0].root().get("kind").unwrap().as_str(),
            Some("A")
        );
        assert_eq!(
            &text[s.documents[0].span.range()],
            "---\napiVersion: v1\nkind: A\n..."
        );
        assert_eq!(&text[s.documents[1].span.range()], "---\nkind: B");
        assert!(s.documents[2].root().is_null());
        assert_eq!(s.comments.len(), 1);
        assert!(load("").documents.is_empty());
        assert!(load("# nothing\n").documents.is_empty());
        assert_eq!(load("a: 1\n").documents[0].span, Span::new(0, 4));
    }

    #[test]
    fn json_input() {
        let text =
            "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[{\"a\":true},{\"b\":null}]}";
        let r_tree = root(text);
        let r = r_tree.root();
        assert_eq!(r.get("kind").unwrap().as_str(), Some("List"));
        assert_eq!(at(text, &["kind"]), "\"List\"");
        let items = r.get("items").unwrap();
        assert_eq!(src(text, items), "[{\"a\":true},{\"b\":null}]");
        assert_eq!(src(text, items.items().nth(1).unwrap()), "{\"b\":null}");
        assert!(items.items().nth(1).unwrap().get("b").unwrap().is_null());
        assert_eq!(src(text, r), text);
    }

    #[test]
    fn comments_are_found_outside_scalars() {
        let text = "# top\na: 'x # no' # yes\nb: \"#no\"\nc: x#no\nd: |\n  # no\n  x\n  # no\n# yes again\ne: [1, # in flow\n  2]\n";
        let c = load(text).comments;
        let texts: Vec<&str> = c.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["top", "yes", "yes again", "in flow"]);
        for comment in &c {
            assert!(text[comment.span.range()].starts_with('#'));
            assert!(!text[comment.span.range()].contains('\n'));
        }
        assert_eq!(at(text, &["d"]), "|\n  # no\n  x\n  # no");
    }

    #[test]
    fn errors_are_readable_with_byte_positions() {
        let e = parse("a: b: c", &YamlLimits::default()).unwrap_err();
        assert_eq!(e.message, "mapping values are not allowed in this context");
        assert_eq!(e.span, Span::empty(4));
        let e = parse("é: \"unterminated\n", &YamlLimits::default()).unwrap_err();
        assert!(e.message.contains("quoted scalar"), "{}", e.message);
        assert_eq!(e.span, Span::empty(4));
        let e = parse("a:\n\tb: 1\n", &YamlLimits::default()).unwrap_err();
        assert!(e.message.contains("tab"), "{}", e.message);
        let e = parse("a: *nope\n", &YamlLimits::default()).unwrap_err();
        assert!(e.message.contains("unknown anchor"), "{}", e.message);
        let e = parse("a: &x [*x]\n", &YamlLimits::default()).unwrap_err();
        assert!(e.message.contains("recursive"), "{}", e.message);
        let e = parse("a: &x 1\n---\nb: *x\n", &YamlLimits::default()).unwrap_err();
        assert_eq!(
            e.message,
            "alias `*x` refers to an anchor of an earlier document"
        );
        assert_eq!(e.span, Span::empty(15));
        // an anchor may be redefined; the alias takes the latest
        let tree = root("a: &x 1\nb: &x 2\nc: *x\n");
        let r = tree.root();
        assert_eq!(r.get("c").unwrap().as_i64(), Some(2));
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for i in 1..9 {
            let refs = vec![format!("*l{}", i - 1); 10].join(", ");
            text.push_str(&format!("l{i}: &l{i} [{refs}]\n"));
        }
        let start = std::time::Instant::now();
        let e = parse(&text, &YamlLimits::default()).unwrap_err();
        assert_eq!(
            e.message,
            "alias expansion exceeds 100000 nodes (billion laughs?)"
        );
        assert!(text[e.span.start as usize..].starts_with("*l"));
        assert!(start.elapsed().as_secs() < 2);
    }

    #[test]
    fn alias_nesting_counts_against_depth() {
        let limits = YamlLimits {
            max_depth: 3,
            ..YamlLimits::default()
        };
        assert!(parse("a: &x [[1]]\n", &limits).is_ok());
        let e = parse("a: &x [[1]]\nb: [*x]\n", &limits).unwrap_err();
        assert_eq!(e.message, "nesting deeper than 3 levels");
    }

    #[test]
    fn deep_nesting_is_refused_fast() {
        let limits = YamlLimits::default();
        let start = std::time::Instant::now();
        let flow = "[".repeat(100_000);
        let e = parse(&flow, &limits).unwrap_err();
        assert!(e.message.contains("nested deeper than"), "{}", e.message);
        let flow_closed = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(&flow_closed, &limits).is_err());
        let block = "- ".repeat(100_000);
        let e = parse(&block, &limits).unwrap_err();
        assert_eq!(e.message, "nesting deeper than 256 levels");
        assert_eq!(e.span, Span::empty(512));
        let mut indented = String::new();
        for i in 0..3000 {
            indented.push_str(&" ".repeat(i));
            indented.push_str("a:\n");
        }
        let e = parse(&indented, &limits).unwrap_err();
        assert_eq!(e.message, "nesting deeper than 256 levels");
        let mapping = "? ".repeat(100_000);
        assert!(parse(&mapping, &limits).is_err());
        assert!(start.elapsed().as_secs() < 5);
        // right at the cap is fine
        let ok = format!("{}x{}", "[".repeat(255), "]".repeat(255));
        assert!(parse(&ok, &limits).is_ok());
    }

    #[test]
    fn depth_cap_is_exact() {
        let limits = YamlLimits::default();
        let at_cap = format!("{}x\n", "- ".repeat(256));
        assert!(parse(&at_cap, &limits).is_ok());
        let over = format!("{}x\n", "- ".repeat(257));
        let e = parse(&over, &limits).unwrap_err();
        assert_eq!(e.span, Span::empty(512));
        let mut nested = String::new();
        for depth in 0..257 {
            nested.push_str(&" ".repeat(depth));
            nested.push_str("k:\n");
        }
        nested.push_str(&" ".repeat(257));
        nested.push_str("v\n");
        let e = parse(&nested, &limits).unwrap_err();
        assert_eq!(e.message, "nesting deeper than 256 levels");
    }

    #[test]
    fn trees_at_the_depth_cap_compare_and_drop_on_a_small_stack() {
        // A draft's Drop recurses, the depth cap keeps that shallow; Node's PartialEq does not.
        let text = format!("{}{{a: [x]}}\n", "- ".repeat(254));
        let worker = std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || {
                let stream = parse(&text, &YamlLimits::default()).unwrap();
                let again = parse(&text, &YamlLimits::default()).unwrap();
                assert_eq!(again.documents[0].root(), stream.documents[0].root());
                drop(stream);
            })
            .unwrap();
        worker.join().unwrap();
    }

    #[test]
    fn flow_collections_indented_like_go_yaml_accepts_them() {
        // saphyr wants the `]` right of `args` inside a compact `- name:` entry; kubectl does not
        let text = "spec:\n  containers:\n  - name: a\n    args: [\n      \"x\", # c\n    ]\n    image: b\n  - c: {\n    d: 1\n    }\n";
        let r_tree = root(text);
        let r = r_tree.root();
        let containers: Vec<Node> = r.at(&["spec", "containers"]).unwrap().items().collect();
        assert_eq!(
            src(text, containers[0].get("args").unwrap()),
            "[\n      \"x\", # c\n    ]"
        );
        assert_eq!(src(text, containers[0].get("image").unwrap()), "b");
        assert_eq!(
            src(text, containers[1].get("c").unwrap()),
            "{\n    d: 1\n    }"
        );
        assert_eq!(src(text, containers[1].at(&["c", "d"]).unwrap()), "1");
        let comments = load(text).comments;
        assert_eq!(&text[comments[0].span.range()], "# c");
        // block structure is never repaired
        let e = parse("a:\n  b: 1\n c: 2\n", &YamlLimits::default()).unwrap_err();
        assert_eq!(e.span, Span::empty(11));
        let e = parse("- a: [1]\n b: 2\n", &YamlLimits::default()).unwrap_err();
        assert_eq!(e.span.start, 10);
    }

    #[test]
    fn hostile_scraps_do_not_panic() {
        for text in [
            "'",
            "\"",
            "\"\\",
            "|",
            ">",
            "- |",
            "? ",
            ":",
            "[",
            "{",
            "]",
            "}",
            "&",
            "*",
            "!",
            "!<",
            "%YAML 1.2\n",
            "---\n...\n...",
            "\u{feff}",
            "\u{feff}\u{feff}a",
            "a: |\n\tx",
            "\t- a",
            "a:\n  - b\n - c",
            "{a: [}",
            "\"\\u12\"",
            "key: 'unterminated\n",
            "a: b\n\u{0}",
            "- - - - -",
            "*a",
            "&a",
            "!!binary",
            "...\nx",
            "a:\n\t\tb",
        ] {
            let _ = parse(text, &YamlLimits::default());
        }
    }

    /// A valid manifest-like stream of about `bytes` bytes.
    fn generate(bytes: usize) -> String {
        let mut text = String::with_capacity(bytes + 1024);
        let mut i = 0;
        while text.len() < bytes {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-{i} # service\n  labels: {{app: web, tier: \"front\"}}\n  annotations:\n    cloud.google.com/backend-config: '{{\"default\": \"bc-{i}\"}}'\nspec:\n  ports:\n  - name: http\n    port: 80\n    targetPort: 8080\n  selector:\n    app: web\ndata:\n  nginx.conf: |\n    server {{\n      listen 80;\n    }}\n"
            ));
            i += 1;
        }
        text
    }

    #[test]
    fn five_megabytes_parse() {
        let text = generate(5_000_000);
        let stream = load(&text);
        assert!(stream.documents.len() > 10_000);
        let last = stream.documents.last().unwrap();
        assert_eq!(last.root().at(&["spec", "ports"]).unwrap().items().len(), 1);
    }

    #[test]
    #[ignore = "50 MB takes ~20 s in a debug build (saphyr alone ~17 s); run with --release -- --ignored (~2.5 s)"]
    fn fifty_megabytes_parse() {
        let text = generate(50_000_000);
        for _ in 0..2 {
            let start = std::time::Instant::now();
            let mut events = Parser::new_from_str(&text);
            while let Some(Ok((event, _))) = events.next_event() {
                if event == Event::StreamEnd {
                    break;
                }
            }
            let raw = start.elapsed();
            let start = std::time::Instant::now();
            let stream = load(&text);
            let ours = start.elapsed();
            drop(stream);
            eprintln!("50 MB: saphyr events alone {raw:?}, tree {ours:?}");
        }
    }
}
