//! The tree of one YAML document, as the rest of the linter reads it: one flat array of 8-byte
//! slots, a side table for the nodes that need more, the file's text, and one string for the
//! scalar texts that differ from their source.
//!
//! A whole repository's trees are in memory at once (rules link resources across files), and
//! they were the largest part of a run's memory: a boxed tree spent 40 bytes on a node and 80
//! on a mapping entry, plus a copy of every long scalar, and its allocations were spread over
//! the heap. Here the children of a collection are consecutive slots (a mapping's as key,
//! value, key, value, ...), so a lookup scans a few cache lines, and a key's length, kept in
//! its slot, rules out almost every entry before its text is read. A scalar whose text is
//! its source (plain scalars on one line, quoted ones without escapes: nearly all of them)
//! points into the file's text, shared with the [`crate::source::SourceFile`]; only decoded
//! texts (escapes, block scalars, folded lines) are stored. [`Node`] is a copyable handle, a
//! slot of a tree, with the questions a YAML node answers (`get`, `at`, `as_str`, ...).
//!
//! A scalar that points into the source needs only its start, style and length: where its
//! text starts and where its span ends follow from those. That is most nodes, so a node is
//! stored in 8 bytes ([`Packed`]); collections and decoded scalars (about a fifth of the nodes
//! of a Kubernetes manifest) keep their end, text start or first child, and length in a side
//! table ([`Wide`]). The builder works on full 16-byte [`Slot`]s and packs them when a tree is
//! copied out; readers unpack a slot when they look at it. Half the bytes per node means half
//! the cache lines a key lookup reads, and trees are the largest part of a run's memory.
//!
//! Slots are laid out children first: a collection's children are placed, consecutively,
//! when it ends, and the root comes last. The fast path builds trees that way as it reads
//! ([`TreeBuilder`]); the saphyr path builds a boxed draft ([`super::draft`]) and
//! [`Tree::freeze`]s it with the same builder, so both give equal trees for equal input.

use std::cell::Cell;
use std::fmt;
use std::sync::Arc;

use super::draft;
use super::ScalarStyle;
use crate::source::{to_u32, SharedText, Span};

/// One document's nodes. Immutable once built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tree {
    slots: Box<[Packed]>,
    /// The rest of each slot marked [`WIDE`], in slot order.
    wide: Box<[Wide]>,
    root: u32,
    /// The file's text: most scalars point into it.
    source: SharedText,
    /// The texts of the scalars that differ from their source, one after another.
    decoded: Box<str>,
    /// Explicit tags (`!!str`, `!Custom`), rare: by slot index, sorted.
    tags: Box<[(u32, Box<str>)]>,
}

/// A node: its source span, and either its text (offset and length in the source or in
/// `decoded`) or its children (first slot and count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Slot {
    start: u32,
    end: u32,
    /// Scalars: where the text starts; collections: the first child's slot.
    data: u32,
    /// Bits 0-2: the kind (a scalar style, mapping or sequence); bit 3: has a tag; bit 4: the
    /// text is in the source; bits 5-31: the text's length in bytes, or the number of items
    /// or entries.
    meta: u32,
}

/// A stored slot: the start of its span, and [`Slot::meta`]'s low bits (kind, tag, in source)
/// with bit 5 ([`WIDE`]) and bits 6-31: for a scalar whose text is its source, the text's
/// length (its text starts after the opening quote, if any, and its span ends after the
/// closing one); for any other node, its index in [`Tree::wide`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Packed {
    start: u32,
    meta: u32,
}

/// What a slot that does not pack into 8 bytes also needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Wide {
    end: u32,
    data: u32,
    len: u32,
}

const KIND_BITS: u32 = 0b111;
const TAGGED: u32 = 1 << 3;
const IN_SOURCE: u32 = 1 << 4;
const LEN_SHIFT: u32 = 5;
/// The low bits a packed slot shares with a full one.
const FLAG_BITS: u32 = KIND_BITS | TAGGED | IN_SOURCE;
const WIDE: u32 = 1 << 5;
const PACKED_SHIFT: u32 = 6;
/// The largest length or side-table index a packed slot holds (64 Mi).
const MAX_PACKED: u32 = u32::MAX >> PACKED_SHIFT;
/// The largest text length or child count a slot holds (128 Mi): far above the 10 MiB
/// default file-size limit.
pub const MAX_LEN: usize = (u32::MAX >> LEN_SHIFT) as usize;

const MAPPING: u32 = 5;
const SEQUENCE: u32 = 6;

fn style_code(style: ScalarStyle) -> u32 {
    match style {
        ScalarStyle::Plain => 0,
        ScalarStyle::SingleQuoted => 1,
        ScalarStyle::DoubleQuoted => 2,
        ScalarStyle::Literal => 3,
        ScalarStyle::Folded => 4,
    }
}

fn code_style(code: u32) -> ScalarStyle {
    match code {
        1 => ScalarStyle::SingleQuoted,
        2 => ScalarStyle::DoubleQuoted,
        3 => ScalarStyle::Literal,
        4 => ScalarStyle::Folded,
        _ => ScalarStyle::Plain,
    }
}

impl Slot {
    fn kind(self) -> u32 {
        self.meta & KIND_BITS
    }

    fn len(self) -> usize {
        (self.meta >> LEN_SHIFT) as usize
    }

    pub(super) fn is_scalar(self) -> bool {
        self.kind() < MAPPING
    }

    pub(super) fn span(self) -> Span {
        Span::new(self.start, self.end)
    }

    /// How much the text starts after the span (an opening quote), for a scalar that packs.
    fn quote_width(kind: u32) -> u32 {
        u32::from(kind != style_code(ScalarStyle::Plain))
    }

    /// This slot in 8 bytes, if it is a scalar whose text is its source exactly as
    /// [`Tree::unpack`] rebuilds it.
    fn packed(self) -> Option<Packed> {
        let quote = Slot::quote_width(self.kind());
        let len = self.meta >> LEN_SHIFT;
        (self.meta & IN_SOURCE != 0
            && len <= MAX_PACKED
            && self.data == self.start + quote
            && u64::from(self.end) == u64::from(self.start) + u64::from(len) + 2 * u64::from(quote))
        .then_some(Packed {
            start: self.start,
            meta: (self.meta & FLAG_BITS) | (len << PACKED_SHIFT),
        })
    }
}

/// A text or collection too large for a slot (see [`MAX_LEN`]).
#[derive(Debug)]
pub struct TooLarge {
    pub span: Span,
}

/// Builds the trees of one file's documents, children first (see the module docs).
pub(super) struct TreeBuilder<'s> {
    source: &'s SharedText,
    scratch: Scratch,
}

/// A builder's growing buffers. Each thread keeps one set for every file it reads: a tree is
/// copied out at its exact size, so no tree keeps the slack of a grown vector (an allocator
/// may keep a shrunk block at its old size).
#[derive(Default)]
struct Scratch {
    slots: Vec<Slot>,
    /// Nodes made so far that will not pack into 8 bytes (see [`MAX_PACKED`]).
    wide: u32,
    decoded: String,
    /// Complete nodes waiting for the end of their collection.
    pending: Vec<Slot>,
    /// Tags of pending nodes, by position in `pending` (ascending).
    pending_tags: Vec<(usize, Box<str>)>,
    tags: Vec<(u32, Box<str>)>,
}

impl Scratch {
    fn clear(&mut self) {
        self.slots.clear();
        self.wide = 0;
        self.decoded.clear();
        self.pending.clear();
        self.pending_tags.clear();
        self.tags.clear();
    }
}

thread_local! {
    static SCRATCH: Cell<Scratch> = Cell::new(Scratch::default());
}

impl Drop for TreeBuilder<'_> {
    fn drop(&mut self) {
        let mut scratch = std::mem::take(&mut self.scratch);
        scratch.clear();
        // A file parsed while the thread is being torn down keeps nothing.
        let _ = SCRATCH.try_with(|cell| cell.set(scratch));
    }
}

impl<'s> TreeBuilder<'s> {
    pub(super) fn new(source: &'s SharedText) -> TreeBuilder<'s> {
        TreeBuilder {
            source,
            scratch: SCRATCH.try_with(Cell::take).unwrap_or_default(),
        }
    }

    /// A scalar node. Its text points into the source when the source says exactly that
    /// (between the quotes of a quoted scalar), else it is stored.
    pub(super) fn scalar(
        &mut self,
        span: Span,
        text: &str,
        style: ScalarStyle,
    ) -> Result<Slot, TooLarge> {
        if text.len() > MAX_LEN {
            return Err(TooLarge { span });
        }
        let (start, end) = (span.start as usize, span.end as usize);
        let written = match style {
            ScalarStyle::Plain => Some(start..end),
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted if end >= start + 2 => {
                Some(start + 1..end - 1)
            }
            _ => None,
        };
        let source = self.source.as_bytes();
        // The fast path hands over slices of the source itself: equal without a comparison.
        let in_source = written.filter(|range| {
            source.get(range.clone()).is_some_and(|written| {
                (std::ptr::eq(written.as_ptr(), text.as_ptr()) && written.len() == text.len())
                    || written == text.as_bytes()
            })
        });
        let mut meta = style_code(style) | (to_u32(text.len()) << LEN_SHIFT);
        let data = match in_source {
            Some(range) => {
                meta |= IN_SOURCE;
                range.start
            }
            None => {
                let at = self.scratch.decoded.len();
                self.scratch.decoded.push_str(text);
                at
            }
        };
        if data > u32::MAX as usize {
            return Err(TooLarge { span });
        }
        let slot = Slot {
            start: span.start,
            end: span.end,
            data: to_u32(data),
            meta,
        };
        if slot.packed().is_none() {
            self.count_wide(span)?;
        }
        Ok(slot)
    }

    /// One more node for the side table, which a packed slot indexes with 26 bits.
    fn count_wide(&mut self, span: Span) -> Result<(), TooLarge> {
        if self.scratch.wide >= MAX_PACKED {
            return Err(TooLarge { span });
        }
        self.scratch.wide += 1;
        Ok(())
    }

    /// Where the next collection's children start on the pending stack.
    pub(super) fn mark(&self) -> usize {
        self.scratch.pending.len()
    }

    /// A complete node, child of the collection being read.
    pub(super) fn push(&mut self, slot: Slot) {
        self.scratch.pending.push(slot);
    }

    fn push_tagged(&mut self, slot: Slot, tag: Option<Box<str>>) {
        if let Some(tag) = tag {
            self.scratch
                .pending_tags
                .push((self.scratch.pending.len(), tag));
        }
        self.scratch.pending.push(slot);
    }

    /// The collection whose children are the nodes pushed since `mark`, which are placed.
    pub(super) fn collection(
        &mut self,
        span: Span,
        mapping: bool,
        mark: usize,
    ) -> Result<Slot, TooLarge> {
        let first = self.scratch.slots.len();
        let count = self.scratch.pending.len() - mark;
        let len = if mapping { count / 2 } else { count };
        if len > MAX_LEN || first + count > u32::MAX as usize {
            return Err(TooLarge { span });
        }
        self.count_wide(span)?;
        let tagged_from = self
            .scratch
            .pending_tags
            .partition_point(|(at, _)| *at < mark);
        for (at, tag) in self.scratch.pending_tags.drain(tagged_from..) {
            self.scratch.tags.push((to_u32(first + at - mark), tag));
        }
        self.scratch
            .slots
            .extend(self.scratch.pending.drain(mark..));
        let kind = if mapping { MAPPING } else { SEQUENCE };
        Ok(Slot {
            start: span.start,
            end: span.end,
            data: to_u32(first),
            meta: kind | (to_u32(len) << LEN_SHIFT),
        })
    }

    /// The tree whose root is `root` (the document's last node); the builder starts over for
    /// the next document.
    pub(super) fn finish(&mut self, root: Slot, tag: Option<Box<str>>) -> Tree {
        let root_index = to_u32(self.scratch.slots.len());
        let mut root = root;
        if let Some(tag) = tag {
            root.meta |= TAGGED;
            self.scratch.tags.push((root_index, tag));
        }
        self.scratch.slots.push(root);
        let scratch = &mut self.scratch;
        scratch.tags.sort_by_key(|(at, _)| *at);
        let mut wide = Vec::with_capacity(scratch.wide as usize);
        let slots = scratch
            .slots
            .iter()
            .map(|slot| {
                slot.packed().unwrap_or_else(|| {
                    let index = to_u32(wide.len());
                    wide.push(Wide {
                        end: slot.end,
                        data: slot.data,
                        len: slot.len() as u32,
                    });
                    Packed {
                        start: slot.start,
                        meta: (slot.meta & FLAG_BITS) | WIDE | (index << PACKED_SHIFT),
                    }
                })
            })
            .collect();
        debug_assert_eq!(wide.len(), scratch.wide as usize);
        let tree = Tree {
            slots,
            wide: wide.into_boxed_slice(),
            root: root_index,
            source: Arc::clone(self.source),
            decoded: Box::from(scratch.decoded.as_str()),
            tags: scratch.tags.drain(..).collect(),
        };
        // Every test, proptest and fuzz target that builds a tree checks the packing.
        debug_assert!(scratch
            .slots
            .iter()
            .enumerate()
            .all(|(i, slot)| tree.slot(to_u32(i)) == *slot));
        scratch.clear();
        tree
    }
}

impl Tree {
    /// The tree of a draft document from the saphyr path, laid out as the fast path lays out
    /// the trees it builds.
    pub(super) fn freeze(
        builder: &mut TreeBuilder<'_>,
        root: &draft::Node,
        tag_texts: &[Box<str>],
    ) -> Result<Tree, TooLarge> {
        let tag_of = |node: &draft::Node| node.tag.map(|id| tag_texts[id.index()].clone());
        let slot = emit(builder, root, &tag_of)?;
        Ok(builder.finish(slot, tag_of(root)))
    }

    /// The document's root node.
    pub fn root(&self) -> Node<'_> {
        self.node(self.root)
    }

    /// The node of slot `index` (as [`Node::index`] gave it).
    pub fn node(&self, index: u32) -> Node<'_> {
        Node {
            tree: self,
            index,
            span: self.slot(index).span(),
        }
    }

    /// Slot `index` as it was built.
    #[inline]
    fn slot(&self, index: u32) -> Slot {
        let packed = self.slots[index as usize];
        let flags = packed.meta & FLAG_BITS;
        let payload = packed.meta >> PACKED_SHIFT;
        if packed.meta & WIDE == 0 {
            let quote = Slot::quote_width(packed.meta & KIND_BITS);
            Slot {
                start: packed.start,
                end: packed.start + payload + 2 * quote,
                data: packed.start + quote,
                meta: flags | (payload << LEN_SHIFT),
            }
        } else {
            let wide = self.wide[payload as usize];
            Slot {
                start: packed.start,
                end: wide.end,
                data: wide.data,
                meta: flags | (wide.len << LEN_SHIFT),
            }
        }
    }
}

/// A draft node's slot, its descendants placed (depth is capped by the parser's limit).
fn emit(
    builder: &mut TreeBuilder<'_>,
    node: &draft::Node,
    tag_of: &impl Fn(&draft::Node) -> Option<Box<str>>,
) -> Result<Slot, TooLarge> {
    let mut slot = match &node.value {
        draft::Value::Scalar(text) => builder.scalar(node.span, text, node.style)?,
        draft::Value::Mapping(entries) => {
            let mark = builder.mark();
            for entry in entries.iter() {
                let key = emit(builder, &entry.key, tag_of)?;
                builder.push_tagged(key, tag_of(&entry.key));
                let value = emit(builder, &entry.value, tag_of)?;
                builder.push_tagged(value, tag_of(&entry.value));
            }
            builder.collection(node.span, true, mark)?
        }
        draft::Value::Sequence(items) => {
            let mark = builder.mark();
            for item in items.iter() {
                let slot = emit(builder, item, tag_of)?;
                builder.push_tagged(slot, tag_of(item));
            }
            builder.collection(node.span, false, mark)?
        }
    };
    if node.tag.is_some() {
        slot.meta |= TAGGED;
    }
    Ok(slot)
}

/// A node of a [`Tree`]: a copyable handle that answers what a YAML node is.
#[derive(Clone, Copy)]
pub struct Node<'t> {
    tree: &'t Tree,
    index: u32,
    /// The node's whole source text: quotes included for quoted scalars, the `|`/`>` header
    /// through the last content line for block scalars, `{`..`}` / `[`..`]` for flow
    /// collections, first key to last value for block mappings, first `-` to last item for
    /// block sequences. Properties (`&anchor`, `!tag`) are not included. A missing value
    /// (`key:`, `- `) is an empty span right after its `:` or `-`. An alias expands to a copy
    /// of the anchored node, spans included.
    pub span: Span,
}

/// A mapping entry.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'t> {
    pub key: Node<'t>,
    pub value: Node<'t>,
}

/// A scalar node's text and style, as [`Node::scalar`] gives them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScalarRef<'t> {
    pub text: &'t str,
    pub style: ScalarStyle,
}

impl<'t> Node<'t> {
    fn slot(self) -> Slot {
        self.tree.slot(self.index)
    }

    /// The tree this node belongs to.
    pub fn tree(self) -> &'t Tree {
        self.tree
    }

    /// The node's slot in its tree ([`Tree::node`] gives the node back).
    pub fn index(self) -> u32 {
        self.index
    }

    /// The text and style of a scalar; `None` for collections.
    pub fn scalar(self) -> Option<ScalarRef<'t>> {
        let slot = self.slot();
        slot.is_scalar().then(|| ScalarRef {
            text: self.text_of(slot),
            style: code_style(slot.kind()),
        })
    }

    /// A scalar slot's text as bytes (no character-boundary checks: for comparisons).
    #[inline]
    fn bytes_of(self, slot: Slot) -> &'t [u8] {
        let texts = if slot.meta & IN_SOURCE != 0 {
            self.tree.source.as_bytes()
        } else {
            self.tree.decoded.as_bytes()
        };
        let start = slot.data as usize;
        &texts[start..start + slot.len()]
    }

    fn text_of(self, slot: Slot) -> &'t str {
        let start = slot.data as usize;
        let texts: &'t str = if slot.meta & IN_SOURCE != 0 {
            &self.tree.source
        } else {
            &self.tree.decoded
        };
        &texts[start..start + slot.len()]
    }

    /// The explicit tag (`!!str` is `tag:yaml.org,2002:str`), if any.
    pub fn tag(self) -> Option<&'t str> {
        if self.slot().meta & TAGGED == 0 {
            return None;
        }
        let tags = &self.tree.tags;
        let at = tags.binary_search_by_key(&self.index, |(i, _)| *i).ok()?;
        Some(&tags[at].1)
    }

    /// A mapping's entries, in order; none for anything else.
    pub fn entries(self) -> Entries<'t> {
        let slot = self.slot();
        let (first, len) = if slot.kind() == MAPPING {
            (slot.data, slot.len())
        } else {
            (0, 0)
        };
        Entries {
            tree: self.tree,
            front: first,
            back: first + 2 * to_u32(len),
        }
    }

    /// A sequence's items, in order; none for anything else.
    pub fn items(self) -> Items<'t> {
        let slot = self.slot();
        let (first, len) = if slot.kind() == SEQUENCE {
            (slot.data, slot.len())
        } else {
            (0, 0)
        };
        Items {
            tree: self.tree,
            front: first,
            back: first + to_u32(len),
        }
    }

    pub fn is_mapping(self) -> bool {
        self.slot().kind() == MAPPING
    }

    pub fn is_sequence(self) -> bool {
        self.slot().kind() == SEQUENCE
    }

    pub fn is_scalar(self) -> bool {
        self.slot().is_scalar()
    }

    /// The entry whose key is the scalar `key` (the last one wins, as in Kubernetes).
    pub fn entry(self, key: &str) -> Option<Entry<'t>> {
        let at = self.key_slot(key)?;
        Some(Entry {
            key: self.tree.node(at),
            value: self.tree.node(at + 1),
        })
    }

    /// The value under `key`, if this is a mapping that has it.
    pub fn get(self, key: &str) -> Option<Node<'t>> {
        Some(self.tree.node(self.key_slot(key)? + 1))
    }

    /// The slot of the last key equal to `key`, if this is a mapping that has it.
    #[inline]
    fn key_slot(self, key: &str) -> Option<u32> {
        // Rules ask this millions of times on a large repository: scan the key slots directly.
        // The length in a key's slot rules out almost every entry without reading its text.
        // A plain, untagged `null`-like key is a null, not that string.
        let slot = self.slot();
        if slot.kind() != MAPPING {
            return None;
        }
        let slots = &self.tree.slots;
        let first = slot.data as usize;
        let mut at = first + 2 * slot.len();
        while at > first {
            at -= 2;
            // Nearly every key packs, and its length is in its packed slot: compared before
            // the slot is unpacked.
            let packed = slots[at];
            if packed.meta & WIDE == 0 && (packed.meta >> PACKED_SHIFT) as usize != key.len() {
                continue;
            }
            let k = self.tree.slot(to_u32(at));
            if k.len() == key.len()
                && k.is_scalar()
                && crate::names::same_name(self.bytes_of(k), key.as_bytes())
                && !(k.kind() == style_code(ScalarStyle::Plain)
                    && k.meta & TAGGED == 0
                    && matches!(key, "" | "~" | "null" | "Null" | "NULL"))
            {
                return Some(to_u32(at));
            }
        }
        None
    }

    /// Follow a path of mapping keys.
    pub fn at(self, path: &[&str]) -> Option<Node<'t>> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// The scalar's text, whatever its style. `None` for collections and nulls.
    pub fn as_str(self) -> Option<&'t str> {
        let slot = self.slot();
        (slot.is_scalar() && !self.is_null()).then(|| self.text_of(slot))
    }

    /// A plain scalar that YAML reads as null: empty, `~`, `null`, `Null`, `NULL`.
    pub fn is_null(self) -> bool {
        let slot = self.slot();
        slot.kind() == style_code(ScalarStyle::Plain)
            && slot.meta & TAGGED == 0
            && slot.len() <= 4
            && matches!(
                self.bytes_of(slot),
                b"" | b"~" | b"null" | b"Null" | b"NULL"
            )
    }

    pub fn is_quoted(self) -> bool {
        matches!(
            self.scalar().map(|s| s.style),
            Some(ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
        )
    }

    /// A boolean as Kubernetes reads it: YAML 1.1 (`yes`, `on`, `y`, ...) from plain scalars
    /// only; quoted `"true"` is a string.
    pub fn as_bool(self) -> Option<bool> {
        let s = self.scalar()?;
        if s.style != ScalarStyle::Plain {
            return None;
        }
        match s.text {
            "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
                Some(true)
            }
            "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off"
            | "OFF" => Some(false),
            _ => None,
        }
    }

    /// An integer from a plain scalar (decimal, `0x` hex, `0o` octal, `_` separators
    /// accepted as YAML 1.1 does). Quoted numbers are strings, as in Kubernetes.
    pub fn as_i64(self) -> Option<i64> {
        let s = self.scalar()?;
        if s.style != ScalarStyle::Plain {
            return None;
        }
        super::parse_yaml_int(s.text)
    }
}

impl fmt::Debug for Node<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}..{} ", self.span.start, self.span.end)?;
        if let Some(tag) = self.tag() {
            write!(f, "!<{tag}> ")?;
        }
        if let Some(s) = self.scalar() {
            write!(f, "{:?} {:?}", s.style, s.text)
        } else if self.is_mapping() {
            f.debug_map()
                .entries(self.entries().map(|e| (e.key, e.value)))
                .finish()
        } else {
            f.debug_list().entries(self.items()).finish()
        }
    }
}

/// Two nodes are equal when they hold the same: spans, styles, tags, texts and children,
/// whichever trees they are in.
impl PartialEq for Node<'_> {
    fn eq(&self, other: &Node<'_>) -> bool {
        let mut pending = vec![(*self, *other)];
        while let Some((a, b)) = pending.pop() {
            let (sa, sb) = (a.slot(), b.slot());
            if (sa.start, sa.end, sa.kind(), sa.len()) != (sb.start, sb.end, sb.kind(), sb.len())
                || a.tag() != b.tag()
            {
                return false;
            }
            if sa.is_scalar() {
                if a.text_of(sa) != b.text_of(sb) {
                    return false;
                }
            } else if sa.kind() == MAPPING {
                for (x, y) in a.entries().zip(b.entries()) {
                    pending.push((x.key, y.key));
                    pending.push((x.value, y.value));
                }
            } else {
                pending.extend(a.items().zip(b.items()));
            }
        }
        true
    }
}

/// The entries of a mapping ([`Node::entries`]).
#[derive(Clone)]
pub struct Entries<'t> {
    tree: &'t Tree,
    front: u32,
    back: u32,
}

impl<'t> Entries<'t> {
    fn entry_at(&self, at: u32) -> Entry<'t> {
        Entry {
            key: self.tree.node(at),
            value: self.tree.node(at + 1),
        }
    }
}

impl<'t> Iterator for Entries<'t> {
    type Item = Entry<'t>;

    fn next(&mut self) -> Option<Entry<'t>> {
        (self.front < self.back).then(|| {
            let entry = self.entry_at(self.front);
            self.front += 2;
            entry
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = ((self.back - self.front) / 2) as usize;
        (len, Some(len))
    }
}

impl DoubleEndedIterator for Entries<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        (self.front < self.back).then(|| {
            self.back -= 2;
            self.entry_at(self.back)
        })
    }
}

impl ExactSizeIterator for Entries<'_> {}

/// The items of a sequence ([`Node::items`]).
#[derive(Clone)]
pub struct Items<'t> {
    tree: &'t Tree,
    front: u32,
    back: u32,
}

impl<'t> Iterator for Items<'t> {
    type Item = Node<'t>;

    fn next(&mut self) -> Option<Node<'t>> {
        (self.front < self.back).then(|| {
            let node = self.tree.node(self.front);
            self.front += 1;
            node
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = (self.back - self.front) as usize;
        (len, Some(len))
    }
}

impl DoubleEndedIterator for Items<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        (self.front < self.back).then(|| {
            self.back -= 1;
            self.tree.node(self.back)
        })
    }
}

impl ExactSizeIterator for Items<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_8_bytes_and_wide_ones_12_more() {
        assert_eq!(std::mem::size_of::<Packed>(), 8);
        assert_eq!(std::mem::size_of::<Wide>(), 12);
    }
}
