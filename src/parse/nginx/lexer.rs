//! Tokens in crossplane 0.5.8's model (`crossplane/lexer.py` + `ext/lua.py`), pulled one at a
//! time so errors surface at the same point of the stream as in crossplane (its lexer is a
//! lazy generator: a stray `}` after the parser stopped is never seen).
//!
//! crossplane reads files with universal newlines and walks "units": one character, or a
//! backslash with the character after it. We do the same over bytes: `\r\n` and a lone `\r`
//! count as one newline, an escape unit is never whitespace nor a special character.
//!
//! Every token is a contiguous source range, so values are slices (plus a small fix-up for
//! quoted `\"` and `\r`).

use std::borrow::Cow;
use std::collections::VecDeque;

use super::{Comment, NginxError};
use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An unquoted token.
    Word,
    /// A quoted token; `start..end` includes the quotes.
    Quoted,
    /// `{`
    Open,
    /// `}`
    Close,
    /// `;`
    Semi,
    /// The raw body of a `*_by_lua_block` (between the braces); `aux` is the `{` offset.
    LuaBody,
    /// The `}` closing a Lua block: ends the directive like crossplane's synthetic `;`.
    LuaEnd,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Token {
    pub kind: Kind,
    pub start: u32,
    pub end: u32,
    pub line: u32,
    pub aux: u32,
}

impl Token {
    pub fn span(&self) -> Span {
        Span::new(self.start, self.end)
    }

    /// True for the tokens crossplane compares against `{`, `;`, `}` (unquoted).
    pub fn is_terminator(&self) -> bool {
        matches!(
            self.kind,
            Kind::Open | Kind::Semi | Kind::Close | Kind::LuaEnd
        )
    }
}

/// The directives crossplane's Lua extension lexes as raw blocks.
pub(crate) const LUA_BLOCKS: &[&str] = &[
    "access_by_lua_block",
    "balancer_by_lua_block",
    "body_filter_by_lua_block",
    "content_by_lua_block",
    "header_filter_by_lua_block",
    "init_by_lua_block",
    "init_worker_by_lua_block",
    "log_by_lua_block",
    "rewrite_by_lua_block",
    "set_by_lua_block",
    "ssl_certificate_by_lua_block",
    "ssl_session_fetch_by_lua_block",
    "ssl_session_store_by_lua_block",
];

/// Bytes that only extend an unquoted token: printable ASCII but `{`, `}`, `;`, `\\`.
static WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = b'!';
    while b < 0x7f {
        t[b as usize] = !matches!(b, b'{' | b'}' | b';' | b'\\');
        b += 1;
    }
    t
};

/// Bytes that only extend a comment: all but `\n`, `\r`, `\\`.
static COMMENT: [bool; 256] = {
    let mut t = [true; 256];
    t[b'\n' as usize] = false;
    t[b'\r' as usize] = false;
    t[b'\\' as usize] = false;
    t
};

/// One unit of crossplane's character stream.
#[derive(Clone, Copy, Debug)]
struct Unit {
    start: u32,
    end: u32,
    /// The character (for an escape unit: the escaped character); `\r` reads as `\n`.
    ch: char,
    esc: bool,
}

impl Unit {
    #[inline]
    fn is(&self, c: char) -> bool {
        !self.esc && self.ch == c
    }

    #[inline]
    fn is_space(&self) -> bool {
        !self.esc && py_space(self.ch)
    }

    #[inline]
    fn ends_nl(&self) -> bool {
        self.ch == '\n'
    }
}

/// Python's `str.isspace` for one character.
#[inline]
pub(crate) fn py_space(c: char) -> bool {
    if c.is_ascii() {
        matches!(
            c,
            ' ' | '\t' | '\n' | '\r' | '\x0b' | '\x0c' | '\x1c'..='\x1f'
        )
    } else {
        c.is_whitespace()
    }
}

pub(crate) const EOF_SEMI: &str = "unexpected end of file, expecting \";\" or \"}\"";
pub(crate) const EOF_BRACE: &str = "unexpected end of file, expecting \"}\"";
pub(crate) const UNEXPECTED_CLOSE: &str = "unexpected \"}\"";

pub(crate) struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u32,
    /// The put-back slot of crossplane's Lua `EmplaceIter`.
    put_back: Option<(Unit, u32)>,
    queue: VecDeque<Token>,
    done: bool,
    pending_error: Option<NginxError>,
    next_is_directive: bool,
    /// Brace balance, checked as tokens are handed out (`_balance_braces`).
    depth: i64,
    last_line: u32,
    last_end: u32,
    pub comments: Vec<Comment>,
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str) -> Lexer<'a> {
        Lexer {
            text,
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
            put_back: None,
            queue: VecDeque::with_capacity(4),
            done: false,
            pending_error: None,
            next_is_directive: true,
            depth: 0,
            last_line: 1,
            last_end: 0,
            comments: Vec::new(),
        }
    }

    /// The next token, `Ok(None)` at the end of the stream.
    pub fn next_token(&mut self) -> Result<Option<Token>, NginxError> {
        loop {
            if let Some(tok) = self.queue.pop_front() {
                match tok.kind {
                    Kind::Close => {
                        self.depth -= 1;
                        if self.depth < 0 {
                            return Err(NginxError {
                                span: tok.span(),
                                line: tok.line,
                                message: UNEXPECTED_CLOSE.into(),
                            });
                        }
                    }
                    Kind::Open => self.depth += 1,
                    _ => {}
                }
                self.last_line = tok.line;
                self.last_end = tok.end;
                return Ok(Some(tok));
            }
            if let Some(err) = self.pending_error.take() {
                self.done = true;
                return Err(err);
            }
            if self.done {
                if self.depth > 0 {
                    self.depth = 0;
                    return Err(NginxError {
                        span: Span::empty(self.last_end),
                        line: self.last_line,
                        message: EOF_BRACE.into(),
                    });
                }
                return Ok(None);
            }
            if let Err(e) = self.fill() {
                self.pending_error = Some(e);
            }
        }
    }

    /// The next unit and the line it carries (a newline carries the next line, like
    /// crossplane's `_iterlinecount`). `None` ends the stream.
    #[inline(always)]
    fn unit(&mut self) -> Option<(Unit, u32)> {
        if let Some(u) = self.put_back.take() {
            return Some(u);
        }
        let bytes = self.bytes;
        let start = self.pos;
        let b = *bytes.get(start)?;
        let (ch, len) = if b == b'\\' {
            // An escape unit; a backslash at EOF ends the stream (StopIteration).
            let (c, l) = self.char_at(start + 1)?;
            self.pos = start + 1 + l;
            let u = Unit {
                start: start as u32,
                end: self.pos as u32,
                ch: c,
                esc: true,
            };
            if u.ends_nl() {
                self.line += 1;
            }
            return Some((u, self.line));
        } else {
            self.char_at(start)?
        };
        self.pos = start + len;
        if ch == '\n' {
            self.line += 1;
        }
        Some((
            Unit {
                start: start as u32,
                end: self.pos as u32,
                ch,
                esc: false,
            },
            self.line,
        ))
    }

    /// The character at `i` (with `\r\n` and `\r` read as `\n`) and its byte length.
    #[inline]
    fn char_at(&self, i: usize) -> Option<(char, usize)> {
        let b = *self.bytes.get(i)?;
        if b < 0x80 {
            if b == b'\r' {
                if self.bytes.get(i + 1) == Some(&b'\n') {
                    return Some(('\n', 2));
                }
                return Some(('\n', 1));
            }
            return Some((b as char, 1));
        }
        let c = self.text.get(i..)?.chars().next()?;
        Some((c, c.len_utf8()))
    }

    /// Advance over bytes for which `keep` holds (never stopping inside a character: `keep`
    /// must hold for all bytes >= 0x80 or for none).
    #[inline(always)]
    fn scan(&mut self, keep: impl Fn(u8) -> bool) {
        let bytes = self.bytes;
        let mut pos = self.pos;
        while pos < bytes.len() && keep(bytes[pos]) {
            pos += 1;
        }
        self.pos = pos;
    }

    /// Skip ASCII whitespace, counting lines like [`Lexer::unit`].
    #[inline(always)]
    fn skip_ascii_space(&mut self) {
        if self.put_back.is_some() {
            return;
        }
        let bytes = self.bytes;
        let mut pos = self.pos;
        while let Some(&b) = bytes.get(pos) {
            match b {
                b' ' | b'\t' | 0x0b | 0x0c => pos += 1,
                b'\n' => {
                    pos += 1;
                    self.line += 1;
                }
                b'\r' => {
                    pos += 1;
                    if bytes.get(pos) == Some(&b'\n') {
                        pos += 1;
                    }
                    self.line += 1;
                }
                _ => break,
            }
        }
        self.pos = pos;
    }

    fn push(&mut self, kind: Kind, start: u32, end: u32, line: u32) {
        self.queue.push_back(Token {
            kind,
            start,
            end,
            line,
            aux: 0,
        });
    }

    /// One iteration of crossplane's `_lex_file_object` loop (may push no token, e.g. a
    /// comment), or the end of the stream.
    fn fill(&mut self) -> Result<(), NginxError> {
        // The token buffer: Some((start, end, line, last char)).
        let mut token: Option<(u32, u32, u32, char)> = None;
        loop {
            if let Some((s, e, l, _)) = token {
                // Fast path: plain ASCII characters extend a token and nothing else.
                if e > s && self.put_back.is_none() {
                    let from = self.pos;
                    self.scan(|b| WORD[b as usize]);
                    if self.pos > from {
                        token = Some((s, self.pos as u32, l, self.bytes[self.pos - 1] as char));
                    }
                }
            }
            let Some((mut ch, mut line)) = self.unit() else {
                self.done = true;
                return Ok(());
            };

            if ch.is_space() {
                if let Some((s, e, l, _)) = token.take() {
                    self.push(Kind::Word, s, e, l);
                    if self.next_is_directive && is_lua(&self.text[s as usize..e as usize]) {
                        self.lua(s, e)?;
                        self.next_is_directive = true;
                    } else {
                        self.next_is_directive = false;
                    }
                }
                loop {
                    if !ch.is_space() {
                        break;
                    }
                    self.skip_ascii_space();
                    match self.unit() {
                        Some((c, l)) => {
                            ch = c;
                            line = l;
                        }
                        None => {
                            self.done = true;
                            return Ok(());
                        }
                    }
                }
            }

            if token.is_none() && ch.is('#') {
                let start = ch.start;
                let comment_line = line;
                while !ch.ends_nl() {
                    if self.put_back.is_none() {
                        self.scan(|b| COMMENT[b as usize]);
                    }
                    match self.unit() {
                        Some((c, _)) => ch = c,
                        None => {
                            // crossplane drops a comment cut by EOF; keep it for suppressions.
                            self.comment(start, self.bytes.len() as u32, comment_line);
                            self.done = true;
                            return Ok(());
                        }
                    }
                }
                self.comment(start, ch.start, comment_line);
                if !self.queue.is_empty() {
                    return Ok(());
                }
                continue;
            }

            if token.is_none() {
                token = Some((ch.start, ch.start, line, '\0'));
            }

            // parameter expansion: "${var}"
            if let Some((s, e, l, last)) = token {
                if e > s && last == '$' && ch.is('{') {
                    self.next_is_directive = false;
                    let (mut e, mut last) = (e, last);
                    while last != '}' && !ch.is_space() {
                        e = ch.end;
                        last = ch.ch;
                        match self.unit() {
                            Some((c, _)) => ch = c,
                            None => {
                                self.done = true;
                                return Ok(());
                            }
                        }
                    }
                    token = Some((s, e, l, last));
                }
            }

            if ch.is('"') || ch.is('\'') {
                if let Some((s, e, l, _)) = token {
                    if e > s {
                        token = Some((s, ch.end, l, ch.ch));
                        continue;
                    }
                }
                let tok_line = token.map_or(line, |t| t.2);
                let quote = ch.ch;
                let start = ch.start;
                let q = quote as u8;
                loop {
                    if self.put_back.is_none() {
                        self.scan(|b| b != q && !matches!(b, b'\n' | b'\r' | b'\\'));
                    }
                    match self.unit() {
                        Some((c, _)) => {
                            if c.is(quote) {
                                ch = c;
                                break;
                            }
                        }
                        None => {
                            self.done = true;
                            return Ok(());
                        }
                    }
                }
                self.push(Kind::Quoted, start, ch.end, tok_line);
                let inner = &self.text[start as usize + 1..ch.start as usize];
                if self.next_is_directive && is_lua(inner) {
                    self.lua(start + 1, ch.start)?;
                    self.next_is_directive = true;
                } else {
                    self.next_is_directive = false;
                }
                return Ok(());
            }

            if ch.is('{') || ch.is('}') || ch.is(';') {
                if let Some((s, e, l, _)) = token {
                    if e > s {
                        self.push(Kind::Word, s, e, l);
                    }
                }
                let kind = match ch.ch {
                    '{' => Kind::Open,
                    '}' => Kind::Close,
                    _ => Kind::Semi,
                };
                self.push(kind, ch.start, ch.end, line);
                self.next_is_directive = true;
                return Ok(());
            }

            // append to the token buffer
            if let Some((s, _, l, _)) = token {
                token = Some((s, ch.end, l, ch.ch));
            }
        }
    }

    fn comment(&mut self, start: u32, end: u32, line: u32) {
        let text = self.text[start as usize + 1..end as usize].to_string();
        self.comments.push(Comment {
            span: Span::new(start, end),
            text,
            line,
        });
    }

    /// crossplane's `LuaBlockPlugin.lex`: the directive token has been pushed.
    fn lua(&mut self, name_start: u32, name_end: u32) -> Result<(), NginxError> {
        let name = &self.text[name_start as usize..name_end as usize];
        if name == "set_by_lua_block" {
            let mut arg: Option<(u32, u32, u32)> = None;
            loop {
                let Some((mut ch, mut line)) = self.unit() else {
                    self.done = true;
                    return Ok(());
                };
                if ch.is_space() {
                    if let Some((s, e, _)) = arg {
                        self.push(Kind::Word, s, e, line);
                        break;
                    }
                    while ch.is_space() {
                        match self.unit() {
                            Some((c, l)) => {
                                ch = c;
                                line = l;
                            }
                            None => {
                                self.done = true;
                                return Ok(());
                            }
                        }
                    }
                }
                arg = Some(match arg {
                    Some((s, _, l)) => (s, ch.end, l),
                    None => (ch.start, ch.end, line),
                });
            }
        }

        let (open, open_line) = loop {
            let Some((ch, line)) = self.unit() else {
                self.done = true;
                return Ok(());
            };
            if !ch.is_space() {
                break (ch, line);
            }
        };
        if !open.is('{') {
            return Err(NginxError {
                span: Span::new(open.start, open.end),
                line: open_line,
                message: "expected { to start Lua block".into(),
            });
        }
        let mut depth = 1u32;
        let body_start = open.end;
        loop {
            let Some((mut ch, mut line)) = self.unit() else {
                self.done = true;
                return Ok(());
            };
            if ch.is('-') {
                let prev = (ch, line);
                let Some((next, next_line)) = self.unit() else {
                    self.done = true;
                    return Ok(());
                };
                if next.is('-') {
                    ch = next;
                    while !ch.is('\n') {
                        match self.unit() {
                            Some((c, l)) => {
                                ch = c;
                                line = l;
                            }
                            None => {
                                self.done = true;
                                return Ok(());
                            }
                        }
                    }
                } else {
                    self.put_back = Some((next, next_line));
                    (ch, line) = prev;
                }
            } else if ch.is('{') {
                depth += 1;
            } else if ch.is('}') {
                depth -= 1;
            } else if ch.is('"') || ch.is('\'') {
                let quote = ch.ch;
                loop {
                    match self.unit() {
                        Some((c, l)) => {
                            ch = c;
                            line = l;
                            if ch.is(quote) {
                                break;
                            }
                        }
                        None => {
                            self.done = true;
                            return Ok(());
                        }
                    }
                }
            }
            if depth == 0 {
                self.queue.push_back(Token {
                    kind: Kind::LuaBody,
                    start: body_start,
                    end: ch.start,
                    line,
                    aux: open.start,
                });
                self.push(Kind::LuaEnd, ch.start, ch.end, line);
                return Ok(());
            }
        }
    }
}

#[inline]
fn is_lua(name: &str) -> bool {
    name.ends_with("_by_lua_block") && LUA_BLOCKS.contains(&name)
}

/// A token's value as crossplane gives it: borrowed from `text` unless it had to change.
pub(crate) fn value<'t>(text: &'t str, tok: &Token) -> Cow<'t, str> {
    match tok.kind {
        Kind::Quoted => {
            let inner = &text[tok.start as usize + 1..tok.end as usize - 1];
            let quote = text.as_bytes()[tok.start as usize];
            if !inner.bytes().any(|b| b == b'\\' || b == b'\r') {
                return Cow::Borrowed(inner);
            }
            let inner = normalize_newlines(inner);
            let mut out = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    match chars.next() {
                        Some(n) if n as u32 == quote as u32 => out.push(n),
                        Some(n) => {
                            out.push('\\');
                            out.push(n);
                        }
                        None => out.push('\\'),
                    }
                } else {
                    out.push(c);
                }
            }
            Cow::Owned(out)
        }
        // `\r` gets into an unquoted token escaped, or as the whitespace crossplane appends
        // after `${...}`.
        _ => normalize_newlines(&text[tok.start as usize..tok.end as usize]),
    }
}

fn normalize_newlines(s: &str) -> Cow<'_, str> {
    if s.as_bytes().contains(&b'\r') {
        Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(s)
    }
}
