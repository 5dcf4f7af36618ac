//! The tree of one YAML document, as the rest of the linter reads it: one flat array of 16-byte
//! slots plus one string of scalar texts.
//!
//! A whole repository's trees are in memory at once (rules link resources across files), and
//! they were the largest part of a run's memory: a boxed tree spent 40 bytes on a node and 80
//! on a mapping entry, and its allocations were spread over the heap. Here the children of a
//! collection are consecutive slots (a mapping's as key, value, key, value, ...), so a lookup
//! scans a few cache lines, and a key's length, kept in its slot, rules out almost every
//! entry before its text is read. [`Node`] is a copyable handle, a slot of a tree, with the
//! same questions the boxed tree answered (`get`, `at`, `as_str`, `entries`, ...).
//!
//! Trees are frozen from the parsers' boxed drafts ([`super::draft`]), one document at a time.

use std::collections::VecDeque;
use std::fmt;

use super::draft;
use super::ScalarStyle;
use crate::source::{to_u32, Span};

/// One document's nodes. Immutable once built; the root is slot 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree {
    slots: Box<[Slot]>,
    /// The decoded texts of every scalar, one after another.
    texts: Box<str>,
    /// Explicit tags (`!!str`, `!Custom`), rare: by slot index, sorted.
    tags: Box<[(u32, Box<str>)]>,
}

/// A node: its source span, and either its text (offset and length in `texts`) or its
/// children (first slot and count).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    start: u32,
    end: u32,
    /// Scalars: where the text starts in `texts`; collections: the first child's slot.
    data: u32,
    /// Bits 0-2: [`Kind`]; bit 3: has a tag; bits 4-31: the text's length in bytes, or the
    /// number of items or entries.
    meta: u32,
}

const KIND_BITS: u32 = 0b111;
const TAGGED: u32 = 0b1000;
const LEN_SHIFT: u32 = 4;
/// The largest text length or child count a slot holds (256 Mi): far above the 10 MiB
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

    fn is_scalar(self) -> bool {
        self.kind() < MAPPING
    }
}

/// A text or collection too large for a slot (see [`MAX_LEN`]).
#[derive(Debug)]
pub struct TooLarge {
    pub span: Span,
}

impl Tree {
    /// The tree of a draft document. Slots are laid out breadth first, so that the children
    /// of every collection are consecutive.
    pub(super) fn freeze(root: &draft::Node, tag_texts: &[Box<str>]) -> Result<Tree, TooLarge> {
        let (nodes, text_bytes) = measure(root);
        let mut slots: Vec<Slot> = Vec::with_capacity(nodes);
        let mut texts = String::with_capacity(text_bytes);
        let mut tags = Vec::new();
        let mut queue: VecDeque<&draft::Node> = VecDeque::from([root]);
        // The next free slot: children are reserved as a block when their parent is placed.
        let mut next = 1usize;
        while let Some(node) = queue.pop_front() {
            let index = to_u32(slots.len());
            let (data, kind, len) = match &node.value {
                draft::Value::Scalar(text) => {
                    let at = texts.len();
                    texts.push_str(text);
                    (at, style_code(node.style), text.len())
                }
                draft::Value::Mapping(entries) => {
                    let first = next;
                    next += 2 * entries.len();
                    for entry in entries.iter() {
                        queue.push_back(&entry.key);
                        queue.push_back(&entry.value);
                    }
                    (first, MAPPING, entries.len())
                }
                draft::Value::Sequence(items) => {
                    let first = next;
                    next += items.len();
                    queue.extend(items.iter());
                    (first, SEQUENCE, items.len())
                }
            };
            if len > MAX_LEN || data > u32::MAX as usize {
                return Err(TooLarge { span: node.span });
            }
            let mut meta = kind | (to_u32(len) << LEN_SHIFT);
            if let Some(tag) = node.tag {
                meta |= TAGGED;
                tags.push((index, tag_texts[tag.index()].clone()));
            }
            slots.push(Slot {
                start: node.span.start,
                end: node.span.end,
                data: to_u32(data),
                meta,
            });
        }
        Ok(Tree {
            slots: slots.into_boxed_slice(),
            texts: texts.into_boxed_str(),
            tags: tags.into_boxed_slice(),
        })
    }

    /// The document's root node.
    pub fn root(&self) -> Node<'_> {
        self.node(0)
    }

    /// The node of slot `index` (as [`Node::index`] gave it).
    pub fn node(&self, index: u32) -> Node<'_> {
        let slot = self.slots[index as usize];
        Node {
            tree: self,
            index,
            span: Span::new(slot.start, slot.end),
        }
    }

    /// How many nodes the tree has.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Bytes held, for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        self.slots.len() * std::mem::size_of::<Slot>() + self.texts.len()
    }
}

/// How many nodes a draft has, and how many bytes of scalar text: the sizes to allocate.
fn measure(root: &draft::Node) -> (usize, usize) {
    let (mut nodes, mut text_bytes) = (0, 0);
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        nodes += 1;
        match &node.value {
            draft::Value::Scalar(text) => text_bytes += text.len(),
            draft::Value::Mapping(entries) => {
                for entry in entries.iter() {
                    stack.push(&entry.key);
                    stack.push(&entry.value);
                }
            }
            draft::Value::Sequence(items) => stack.extend(items.iter()),
        }
    }
    (nodes, text_bytes)
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
        self.tree.slots[self.index as usize]
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

    fn text_of(self, slot: Slot) -> &'t str {
        let start = slot.data as usize;
        &self.tree.texts[start..start + slot.len()]
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
        // Rules ask this millions of times on a large repository: scan the key slots directly.
        // The length in a key's slot rules out almost every entry without reading its text;
        // only an equal key pays for the null check `as_str` makes.
        let slot = self.slot();
        if slot.kind() != MAPPING {
            return None;
        }
        let first = slot.data as usize;
        let pairs = self.tree.slots.get(first..first + 2 * slot.len())?;
        let at = pairs.chunks_exact(2).rposition(|pair| {
            let k = pair[0];
            k.is_scalar()
                && k.len() == key.len()
                && self.tree.texts.as_bytes()[k.data as usize..][..key.len()] == *key.as_bytes()
                && !(k.kind() == style_code(ScalarStyle::Plain)
                    && k.meta & TAGGED == 0
                    && matches!(key, "" | "~" | "null" | "Null" | "NULL"))
        })?;
        let key_index = to_u32(first + 2 * at);
        Some(Entry {
            key: self.tree.node(key_index),
            value: self.tree.node(key_index + 1),
        })
    }

    /// The value under `key`, if this is a mapping that has it.
    pub fn get(self, key: &str) -> Option<Node<'t>> {
        self.entry(key).map(|e| e.value)
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
            && matches!(self.text_of(slot), "" | "~" | "null" | "Null" | "NULL")
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
    /// The entry at `position`, if there are that many.
    pub fn nth_entry(&self, position: usize) -> Option<Entry<'t>> {
        let at = self.front as usize + 2 * position;
        (at < self.back as usize).then(|| self.entry_at(to_u32(at)))
    }

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
    fn slots_are_16_bytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 16);
    }
}
