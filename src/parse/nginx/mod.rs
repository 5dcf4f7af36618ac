//! nginx configuration: a hand-written lexer and parser in crossplane's model (directive, args,
//! block, line) plus byte spans for everything, so findings point at the exact directive or
//! argument. Pure: text in, tree out; `include` is resolved by the loader ([`mod@include`]), the
//! only part that reads files.
//!
//! - [`parse`]: text to [`Config`]. Same trees and the same accept/reject decisions as
//!   crossplane 0.5.8 `parse(..., check_ctx=False, check_args=False, single=True)` (checked by
//!   `scripts/compare-crossplane.sh` on the shared corpus and on generated input). Iterative,
//!   at most [`MAX_DEPTH`] nested blocks, never panics.
//! - [`crossplane`]: crossplane's JSON payload (`lint-manifests parse-nginx`).
//! - [`mod@include`]: `include` resolution confined to the linted root, and the multi-file loader.
//!
//! Where crossplane accepts input that nginx rejects, the tree is crossplane's and
//! [`Config::warnings`] says what nginx would say (e.g. `directive "x" is not terminated by
//! ";"` for `x }`).
//!
//! Not like crossplane, on purpose: `if` arguments keep their parentheses here (spans stay on
//! the source); the JSON strips them like crossplane. Lua block bodies are [`Block::raw`]
//! here and the last argument in the JSON.

pub mod crossplane;
pub mod include;
mod lexer;
mod parser;

use compact_str::CompactString;

use crate::source::Span;

pub use parser::{parse, parse_partial, MAX_DEPTH};

/// A parsed nginx file (or embedded text).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub directives: Vec<Directive>,
    /// Every `#` comment, in order (they are not directives, unlike crossplane's
    /// `comments=True` mode).
    pub comments: Vec<Comment>,
    /// Input crossplane accepts (and we parse the same way) but nginx rejects: a directive
    /// ended by `}` instead of `;`, a `}` at the top level (crossplane stops there), a block
    /// still open at the end of the file.
    pub warnings: Vec<NginxError>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Directive {
    /// Directive names and most arguments fit in 24 bytes: stored inline, no allocation of
    /// their own (every embedded config of a repository stays in memory until the rules ran).
    pub name: CompactString,
    pub name_span: Span,
    pub args: Vec<Arg>,
    /// `Some` for block directives (`http { ... }`), including `*_by_lua_block`.
    pub block: Option<Block>,
    /// From the name to the terminating `;` or the closing `}`, inclusive.
    pub span: Span,
    /// 1-based line of the name, as crossplane reports it.
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    /// The value as crossplane gives it: quotes removed, `\"` and `\'` unescaped inside
    /// quotes, other escapes kept verbatim.
    pub value: CompactString,
    /// The argument's source text, quotes included.
    pub span: Span,
    pub quoted: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The `{`.
    pub open: Span,
    /// The `}`.
    pub close: Span,
    pub directives: Vec<Directive>,
    /// For `*_by_lua_block` directives: the raw body between the braces, not parsed as
    /// directives.
    pub raw: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// From `#` to the end of the line.
    pub span: Span,
    /// The text after `#` (crossplane's `comment` value: not trimmed).
    pub text: String,
    pub line: u32,
}

/// Why a file could not be parsed, in crossplane's words where it has some (`unexpected "}"`,
/// `unexpected end of file, expecting ";" or "}"`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NginxError {
    pub span: Span,
    pub line: u32,
    pub message: String,
}

impl Directive {
    pub fn arg(&self, index: usize) -> Option<&str> {
        self.args.get(index).map(|a| a.value.as_str())
    }

    pub fn children(&self) -> &[Directive] {
        self.block.as_ref().map_or(&[], |b| &b.directives)
    }

    pub fn is(&self, name: &str) -> bool {
        self.name == name
    }
}
