//! The trees the parsers build: boxed nodes, one allocation per collection, easy to build
//! bottom-up from events or a single pass. They live only while one file is parsed: each
//! document is then frozen into a compact [`super::Tree`], the form the rest of the linter
//! reads. The fast path and the saphyr path must build equal drafts (`tests/yaml_fast.rs`).

use std::num::NonZeroU32;

use compact_str::CompactString;

use super::{Comment, ScalarStyle};
use crate::source::Span;

/// A parsed stream, before its documents are frozen.
#[derive(Debug, Default, PartialEq)]
pub struct Stream {
    pub documents: Vec<Document>,
    /// Every comment in the file, in order.
    pub comments: Vec<Comment>,
    /// The texts of the explicit tags, each once: [`TagId`] `n` is `tags[n - 1]`.
    pub tags: Vec<Box<str>>,
}

#[derive(Debug, PartialEq)]
pub struct Document {
    pub root: Node,
    /// From the document's first content byte (or `---`) to its last.
    pub span: Span,
}

/// One node of a draft: the same content as a [`super::Node`], boxed.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// As [`super::Node::span`] describes it.
    pub span: Span,
    pub value: Value,
    /// How a scalar is written; `Plain` for collections.
    pub(super) style: ScalarStyle,
    /// An explicit tag (`!!str`, `!Custom`), if any: its text is in [`Stream::tags`].
    pub(super) tag: Option<TagId>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// The decoded text (escapes processed, block scalars folded and chomped); the style is
    /// the node's. A string that derefs to `str`: up to 24 bytes are stored inline (most
    /// Kubernetes keys and values), so a scalar costs no allocation of its own.
    Scalar(CompactString),
    /// Exact-size boxes rather than vectors: no capacity word, no growth slack.
    Mapping(Box<[Entry]>),
    Sequence(Box<[Node]>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// An explicit tag: an index into the table of tag texts of the [`Stream`] that holds the
/// node. A stream keeps each text once, so within a stream equal ids mean equal tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TagId(pub(super) NonZeroU32);

impl TagId {
    /// The position of the tag's text in [`Stream::tags`].
    pub fn index(self) -> usize {
        self.0.get() as usize - 1
    }
}

impl Node {
    /// A scalar node: a scalar made of `text` written in `style`.
    pub(super) fn new_scalar(span: Span, text: CompactString, style: ScalarStyle) -> Node {
        Node {
            span,
            value: Value::Scalar(text),
            style,
            tag: None,
        }
    }

    /// A mapping or sequence node.
    pub(super) fn new_collection(span: Span, value: Value) -> Node {
        Node {
            span,
            value,
            style: ScalarStyle::Plain,
            tag: None,
        }
    }
}
