//! crossplane 0.5.8's `_parse` (with `check_ctx=False, check_args=False`), iterative: an
//! explicit stack instead of recursion, capped at [`MAX_DEPTH`] open blocks.
//!
//! crossplane's quirks are kept so the trees agree, and each is also reported in
//! [`Config::warnings`] because nginx itself rejects them:
//! - a directive ended by `}` (`a b }`) takes the `}` as its terminator, so that `}` does not
//!   close the enclosing block;
//! - a `}` at the top level stops parsing (the rest of the file is not read);
//! - blocks left open at the end of the file (possible only after the first quirk) are
//!   closed there.

use super::lexer::{self, Kind, Lexer, Token};
use super::{Arg, Block, Config, Directive, NginxError};
use crate::source::Span;

/// Most blocks open at once.
pub const MAX_DEPTH: usize = 256;

struct Frame {
    /// The directive whose block this is (none for the top level).
    owner: Option<Directive>,
    directives: Vec<Directive>,
}

pub fn parse(text: &str) -> Result<Config, NginxError> {
    let mut lexer = Lexer::new(text);
    let mut warnings = Vec::new();
    let mut stack: Vec<Frame> = vec![Frame {
        owner: None,
        directives: Vec::new(),
    }];

    while let Some(tok) = lexer.next_token()? {
        if tok.kind == Kind::Close {
            if stack.len() == 1 {
                warnings.push(NginxError {
                    span: tok.span(),
                    line: tok.line,
                    message: format!(
                        "{} (crossplane stops reading the file here)",
                        lexer::UNEXPECTED_CLOSE
                    ),
                });
                break;
            }
            close_frame(&mut stack, tok.span());
            continue;
        }

        let name = lexer::value(text, &tok);
        let mut directive = Directive {
            name,
            name_span: tok.span(),
            args: Vec::new(),
            block: None,
            span: tok.span(),
            line: tok.line,
        };
        let mut lua: Option<Token> = None;
        let term = loop {
            let Some(t) = lexer.next_token()? else {
                return Err(NginxError {
                    span: Span::empty(lexer.last_end()),
                    line: lexer.last_line(),
                    message: lexer::EOF_SEMI.into(),
                });
            };
            if t.is_terminator() {
                break t;
            }
            if t.kind == Kind::LuaBody {
                lua = Some(t);
            } else {
                directive.args.push(Arg {
                    value: lexer::value(text, &t),
                    span: t.span(),
                    quoted: t.kind == Kind::Quoted,
                });
            }
        };
        directive.span = Span::new(tok.start, term.end);
        match term.kind {
            Kind::Open => {
                if stack.len() > MAX_DEPTH {
                    return Err(NginxError {
                        span: term.span(),
                        line: term.line,
                        message: format!("too many nested blocks (more than {MAX_DEPTH})"),
                    });
                }
                directive.block = Some(Block {
                    open: term.span(),
                    close: Span::empty(term.end),
                    directives: Vec::new(),
                    raw: None,
                });
                stack.push(Frame {
                    owner: Some(directive),
                    directives: Vec::new(),
                });
            }
            Kind::LuaEnd => {
                if let Some(body) = lua {
                    directive.block = Some(Block {
                        open: Span::new(body.aux, body.aux + 1),
                        close: term.span(),
                        directives: Vec::new(),
                        raw: Some(body.span()),
                    });
                }
                push(&mut stack, directive);
            }
            Kind::Close => {
                warnings.push(NginxError {
                    span: term.span(),
                    line: term.line,
                    message: format!(
                        "directive \"{}\" is not terminated by \";\"",
                        directive.name
                    ),
                });
                push(&mut stack, directive);
            }
            _ => push(&mut stack, directive),
        }
    }

    // Blocks still open: crossplane's nested loops just end.
    let end = Span::empty(crate::source::to_u32(text.len()));
    while stack.len() > 1 {
        if let Some(Frame {
            owner: Some(owner), ..
        }) = stack.last()
        {
            warnings.push(NginxError {
                span: owner.block.as_ref().map_or(owner.name_span, |b| b.open),
                line: owner.line,
                message: format!(
                    "{} (block \"{}\" is never closed)",
                    lexer::EOF_BRACE,
                    owner.name
                ),
            });
        }
        close_frame(&mut stack, end);
    }
    let top = stack.pop().map(|f| f.directives).unwrap_or_default();
    Ok(Config {
        directives: top,
        comments: std::mem::take(&mut lexer.comments),
        warnings,
    })
}

fn push(stack: &mut [Frame], directive: Directive) {
    if let Some(frame) = stack.last_mut() {
        frame.directives.push(directive);
    }
}

fn close_frame(stack: &mut Vec<Frame>, close: Span) {
    let Some(frame) = stack.pop() else { return };
    if let Some(mut owner) = frame.owner {
        if let Some(block) = owner.block.as_mut() {
            block.close = close;
            block.directives = frame.directives;
        }
        owner.span.end = close.end;
        push(stack, owner);
    }
}
