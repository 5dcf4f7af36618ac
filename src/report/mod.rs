//! Report emitters: turn diagnostics into text for people (`human`, `concise`) and for tools
//! (`json`, `json-lines`, `sarif`, `github`, `junit`, `gitlab`).
//!
//! Every emitter reads the same [`ReportContext`] and the diagnostics in the order the rules
//! produced them (sorted by file, line, column, rule). Positions are derived here and nowhere
//! else: 1-based lines, 1-based columns counted in Unicode scalar values, an empty span ends
//! where it starts. Suppressed diagnostics are dropped by every emitter unless
//! [`ReportContext::show_suppressed`] is set.
//!
//! Text that comes from linted files (snippets, and messages that quote values) is untrusted:
//! the terminal formats strip control characters and escape sequences before printing
//! ([`sanitize`]), and each machine format escapes for its own syntax.

mod concise;
mod github;
mod gitlab;
mod human;
mod json;
mod junit;
mod sarif;

#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::{Component, Path};

use crate::diagnostic::{Applicability, Diagnostic, Level, Location};
use crate::source::{LineCol, SourceFile};

pub use json::{JsonDiagnostic, JsonEdit, JsonFix, JsonRelated, JsonSpan};

/// Output format, as selected by `--format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics with source snippets (the default).
    #[default]
    Human,
    /// One line per finding: `path:line:col: ID [level] message`.
    Concise,
    /// A JSON array of findings.
    Json,
    /// One JSON object per line.
    JsonLines,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands (annotations on pull requests).
    Github,
    /// JUnit XML: a test suite per file, a failing test case per finding.
    Junit,
    /// GitLab Code Quality report.
    Gitlab,
}

impl Format {
    /// Every format, in `--format` order (checked against clap's list by a test).
    pub const ALL: [Format; 8] = [
        Format::Human,
        Format::Concise,
        Format::Json,
        Format::JsonLines,
        Format::Sarif,
        Format::Github,
        Format::Junit,
        Format::Gitlab,
    ];
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Concise => "concise",
            Format::Json => "json",
            Format::JsonLines => "json-lines",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
            Format::Gitlab => "gitlab",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything an emitter needs besides the diagnostics.
#[derive(Clone, Copy, Debug)]
pub struct ReportContext<'a> {
    /// Indexed by `FileId.0`.
    pub files: &'a [SourceFile],
    /// Paths and URIs are made relative to this directory (the current directory).
    pub base_dir: &'a Path,
    /// Colour the human and concise output.
    pub color: bool,
    /// Human output: show a preview (diff) of each fix.
    pub show_fixes: bool,
    /// Include diagnostics whose `suppressed` is set; otherwise every emitter skips them.
    pub show_suppressed: bool,
}

impl<'a> ReportContext<'a> {
    pub fn new(files: &'a [SourceFile], base_dir: &'a Path) -> ReportContext<'a> {
        ReportContext {
            files,
            base_dir,
            color: false,
            show_fixes: false,
            show_suppressed: false,
        }
    }

    pub(crate) fn file(&self, location: Location) -> Option<&'a SourceFile> {
        self.files.get(location.file.0 as usize)
    }

    /// The path shown for a file: relative to `base_dir` when inside it, forward slashes.
    pub(crate) fn display_path(&self, location: Location) -> String {
        match self.file(location) {
            Some(file) => relative_path(&file.path, self.base_dir),
            None => format!("<file {}>", location.file.0),
        }
    }

    /// Start and end of a location (an empty span ends where it starts).
    pub(crate) fn range(&self, location: Location) -> (LineCol, LineCol) {
        match self.file(location) {
            Some(file) => {
                let start = file.line_col(location.span.start);
                let end = if location.span.is_empty() {
                    start
                } else {
                    file.line_col(location.span.end)
                };
                (start, end)
            }
            None => {
                let unknown = LineCol { line: 1, column: 1 };
                (unknown, unknown)
            }
        }
    }

    /// The diagnostics this report shows, in order.
    pub(crate) fn visible<'d>(
        &self,
        diagnostics: &'d [Diagnostic],
    ) -> impl Iterator<Item = &'d Diagnostic> {
        let show_suppressed = self.show_suppressed;
        diagnostics
            .iter()
            .filter(move |d| show_suppressed || d.suppressed.is_none())
    }
}

/// Write `diagnostics` to `out` in `format`.
pub fn emit(
    format: Format,
    diagnostics: &[Diagnostic],
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::emit(diagnostics, ctx, out),
        Format::Concise => concise::emit(diagnostics, ctx, out),
        Format::Json => json::emit(diagnostics, ctx, out),
        Format::JsonLines => json::emit_lines(diagnostics, ctx, out),
        Format::Sarif => sarif::emit(diagnostics, ctx, out),
        Format::Github => github::emit(diagnostics, ctx, out),
        Format::Junit => junit::emit(diagnostics, ctx, out),
        Format::Gitlab => gitlab::emit(diagnostics, ctx, out),
    }
}

/// Write each diagnostic as `draw` renders it, in order. Rendering (line and column lookups,
/// snippets) is most of the time a large report takes: diagnostics are rendered in parallel, a
/// batch at a time (the output streams, memory stays bounded), and written in order.
pub(super) fn write_rendered<'d>(
    visible: impl Iterator<Item = &'d Diagnostic>,
    out: &mut dyn Write,
    draw: impl Fn(&Diagnostic, &mut Vec<u8>) -> io::Result<()> + Sync,
) -> io::Result<()> {
    use rayon::prelude::*;
    let visible: Vec<&Diagnostic> = visible.collect();
    for batch in visible.chunks(2048) {
        let rendered: Vec<io::Result<Vec<u8>>> = batch
            .par_chunks(64)
            .map(|chunk| {
                let mut text = Vec::new();
                for d in chunk {
                    draw(d, &mut text)?;
                }
                Ok(text)
            })
            .collect();
        for text in rendered {
            out.write_all(&text?)?;
        }
    }
    Ok(())
}

/// A fingerprint that survives edits elsewhere in the file (lines inserted above, the resource
/// moved): 128-bit FNV-1a over the rule id, the file's relative path, and the finding's
/// `identity`, or, when a rule left that empty, the text under the primary span with
/// whitespace collapsed (the text of the line for an empty span). 32 lowercase hex digits.
pub fn fingerprint(diagnostic: &Diagnostic, ctx: &ReportContext) -> String {
    let mut hash = Fnv128::new();
    hash.write(b"lint-manifests/v1\0");
    hash.write(diagnostic.rule.as_bytes());
    hash.write(b"\0");
    hash.write(ctx.display_path(diagnostic.primary).as_bytes());
    hash.write(b"\0");
    if !diagnostic.identity.is_empty() {
        hash.write(b"identity\0");
        hash.write(diagnostic.identity.as_bytes());
    } else {
        hash.write(b"text\0");
        if let Some(file) = ctx.file(diagnostic.primary) {
            let span = diagnostic.primary.span;
            let text = if span.is_empty() {
                file.line_text(file.line_col(span.start).line)
            } else {
                file.slice(span)
            };
            let mut first = true;
            for word in text.split_whitespace() {
                if !first {
                    hash.write(b" ");
                }
                first = false;
                hash.write(word.as_bytes());
            }
        }
    }
    format!("{:032x}", hash.finish())
}

/// 128-bit FNV-1a (<http://www.isthe.com/chongo/tech/comp/fnv/>): tiny, and the same on every
/// platform and run, unlike `std`'s `DefaultHasher`.
pub(crate) struct Fnv128(u128);

impl Fnv128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;

    pub(crate) fn new() -> Fnv128 {
        Fnv128(Self::OFFSET)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 ^= u128::from(byte);
            self.0 = self.0.wrapping_mul(Self::PRIME);
        }
    }

    pub(crate) fn finish(&self) -> u128 {
        self.0
    }
}

/// `path` relative to `base` when it lies inside it, with forward slashes and without `./`.
pub(crate) fn relative_path(path: &Path, base: &Path) -> String {
    let mut relative = path;
    if path.is_absolute() {
        if let Ok(rest) = path.strip_prefix(base) {
            relative = rest;
        } else if let Ok(rest) = std::path::absolute(base)
            .as_deref()
            .map_err(|_| ())
            .and_then(|abs| path.strip_prefix(abs).map_err(|_| ()))
        {
            relative = rest;
        }
    }
    let mut out = String::new();
    for component in relative.components() {
        let part: Cow<str> = match component {
            Component::CurDir => continue,
            Component::RootDir => {
                out.push('/');
                continue;
            }
            Component::Prefix(prefix) => prefix.as_os_str().to_string_lossy(),
            Component::ParentDir => Cow::Borrowed(".."),
            Component::Normal(part) => part.to_string_lossy(),
        };
        if !out.is_empty() && !out.ends_with('/') {
            out.push('/');
        }
        if cfg!(windows) {
            out.push_str(&part.replace('\\', "/"));
        } else {
            out.push_str(&part);
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Remove what a terminal would interpret: ANSI escape sequences (CSI, OSC, DCS and friends,
/// also in their 8-bit C1 forms), C0 controls other than tab and newline, DEL, C1 controls,
/// and the Unicode bidirectional overrides that can make displayed text differ from the bytes
/// ("Trojan Source"). Without `keep_newlines`, a newline becomes a space.
pub fn sanitize(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_unsafe_char(c, keep_newlines)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    sanitize_into(text, keep_newlines, &mut out);
    Cow::Owned(out)
}

/// For snippets: every unsafe character (see [`sanitize`]) replaced by U+FFFD, one for one, so
/// columns stay where [`SourceFile::line_col`] puts them; the rest of an escape sequence is
/// inert once its ESC is gone. Also returns, for every byte offset of `text` and its end, the
/// corresponding offset in the output, so spans can be carried over.
pub(crate) fn sanitize_with_map(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() + 1);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        for _ in 0..c.len_utf8() {
            map.push(out.len());
        }
        if c == '\r' && chars.peek() == Some(&'\n') {
            continue; // CRLF line ends: the `\r` is no column of the line
        }
        out.push(if is_unsafe_char(c, true) {
            '\u{fffd}'
        } else {
            c
        });
    }
    map.push(out.len());
    (out, map)
}

fn is_unsafe_char(c: char, keep_newlines: bool) -> bool {
    match c {
        '\t' => false,
        '\n' => !keep_newlines,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

fn sanitize_into(text: &str, keep_newlines: bool, out: &mut String) {
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if !is_unsafe_char(c, keep_newlines) {
            out.push(c);
            continue;
        }
        if c == '\n' {
            out.push(' '); // one line wanted: a line break becomes a space
            continue;
        }
        // Skip the rest of an escape sequence introduced by `c`.
        let introducer = match c {
            '\u{1b}' => match chars.peek().map(|&(_, next)| next) {
                Some('[') => {
                    chars.next();
                    Some('[')
                }
                Some(next @ (']' | 'P' | 'X' | '^' | '_')) => {
                    chars.next();
                    Some(next)
                }
                Some(next) if ('\u{20}'..='\u{7e}').contains(&next) => {
                    // Two-character escape (`ESC 7`, `ESC c`, ...), possibly with intermediates.
                    while let Some(&(_, ' '..='/')) = chars.peek() {
                        chars.next();
                    }
                    chars.next();
                    None
                }
                _ => None,
            },
            '\u{9b}' => Some('['),
            '\u{9d}' => Some(']'),
            '\u{90}' => Some('P'),
            '\u{98}' => Some('X'),
            '\u{9e}' => Some('^'),
            '\u{9f}' => Some('_'),
            _ => None,
        };
        match introducer {
            Some('[') => {
                // CSI: parameter bytes, intermediate bytes, one final byte.
                while let Some(&(_, '0'..='?')) = chars.peek() {
                    chars.next();
                }
                while let Some(&(_, ' '..='/')) = chars.peek() {
                    chars.next();
                }
                if let Some(&(_, '@'..='~')) = chars.peek() {
                    chars.next();
                }
            }
            Some(_) => {
                // OSC, DCS, SOS, PM, APC: a string up to BEL or ST (`ESC \` or U+009C). An
                // unterminated one ends at the line: never swallow lines.
                while let Some(&(_, next)) = chars.peek() {
                    if next == '\n' && keep_newlines {
                        break;
                    }
                    chars.next();
                    if next == '\u{7}' || next == '\u{9c}' {
                        break;
                    }
                    if next == '\u{1b}' {
                        if let Some(&(_, '\\')) = chars.peek() {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            None => {}
        }
    }
}

/// Counts for the summary line.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub fixable: usize,
    pub unsafe_fixable: usize,
    pub suppressed: usize,
}

impl Summary {
    pub(crate) fn of<'d>(diagnostics: impl IntoIterator<Item = &'d Diagnostic>) -> Summary {
        let mut summary = Summary::default();
        for diagnostic in diagnostics {
            if diagnostic.suppressed.is_some() {
                summary.suppressed += 1;
                continue;
            }
            match diagnostic.level {
                Level::Error => summary.errors += 1,
                Level::Warning => summary.warnings += 1,
                Level::Note => summary.notes += 1,
            }
            match diagnostic.fix.as_ref().map(|fix| fix.applicability) {
                Some(Applicability::Safe) => summary.fixable += 1,
                Some(Applicability::Unsafe) => summary.unsafe_fixable += 1,
                Some(Applicability::DisplayOnly) | None => {}
            }
        }
        summary
    }

    /// "Found 2 errors, 1 warning, 0 notes (1 fixable with `--fix`)." or "No findings."
    pub(crate) fn line(&self) -> String {
        let total = self.errors + self.warnings + self.notes;
        let mut line = if total == 0 {
            "No findings".to_owned()
        } else {
            format!(
                "Found {}, {}, {}",
                plural(self.errors, "error"),
                plural(self.warnings, "warning"),
                plural(self.notes, "note")
            )
        };
        let mut extra = Vec::new();
        if self.fixable > 0 {
            extra.push(format!("{} fixable with `--fix`", self.fixable));
        }
        if self.unsafe_fixable > 0 {
            let word = if self.fixable > 0 { "more" } else { "fixable" };
            extra.push(format!(
                "{} {word} with `--unsafe-fixes`",
                self.unsafe_fixable
            ));
        }
        if self.suppressed > 0 {
            extra.push(format!("{} suppressed", self.suppressed));
        }
        if !extra.is_empty() {
            line.push_str(&format!(" ({})", extra.join(", ")));
        }
        line.push('.');
        line
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The registry name of a rule id, or the id itself for an id the registry does not know.
pub(crate) fn rule_name(rule: &str) -> &str {
    crate::registry::lookup(rule).map_or(rule, |meta| meta.name)
}

/// The parts of a finding after its message, as plain lines (`path:line:col: label` for related
/// locations, `note:`, `help:`, `fix (safe):`), for formats that carry one text block per
/// finding (`github`, `junit`).
pub(crate) fn plain_details(diagnostic: &Diagnostic, ctx: &ReportContext) -> String {
    let mut text = String::new();
    for related in &diagnostic.related {
        let (position, _) = ctx.range(related.location);
        text.push_str(&format!(
            "\n{}:{}:{}: {}",
            ctx.display_path(related.location),
            position.line,
            position.column,
            related.message
        ));
    }
    for note in &diagnostic.notes {
        text.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &diagnostic.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    if let Some(fix) = &diagnostic.fix {
        text.push_str(&format!(
            "\nfix ({}): {}",
            fix.applicability.as_str(),
            fix.title
        ));
    }
    text
}
