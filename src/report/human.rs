//! rustc-style output through annotate-snippets:
//!
//! ```text
//! error[GKE002]: backend `socket` serves WebSockets but has no `timeoutSec`
//!   --> deploy/backendconfig.yaml:6:3
//!    |
//!  6 |   connectionDraining:
//!    |   ^^^^^^^^^^^^^^^^^^ the BackendConfig
//!    |
//!   ::: deploy/ingress.yaml:12:19
//!    |
//! 12 |             path: /socket.io
//!    |                   ---------- realtime because of this path
//!    |
//!    = note: the load balancer closes WebSockets after 30 seconds
//!    = help: set `timeoutSec` to at least 3600
//! ```
//!
//! Every piece of text from a linted file goes through [`sanitize`] first. Snippets are cut to
//! the lines the annotations touch and sanitized with an offset map, so underlines stay on the
//! right characters: control characters in snippets become U+FFFD one for one, so the column
//! annotate-snippets prints in the `-->` line is the one [`SourceFile::line_col`] computes.

use std::collections::BTreeMap;
use std::io::{self, Write};

use annotate_snippets::{
    Annotation, AnnotationKind, Element, Group, Level as SnippetLevel, Origin, Renderer, Snippet,
};

use super::{sanitize, sanitize_with_map, ReportContext, Summary};
use crate::diagnostic::{Diagnostic, Fix, Level};
use crate::source::{FileId, SourceFile, Span};

const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

pub(super) fn emit(
    diagnostics: &[Diagnostic],
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    super::write_rendered(ctx.visible(diagnostics), out, |d, text| draw(d, ctx, text))?;
    let summary = Summary::of(ctx.visible(diagnostics)).line();
    if ctx.color {
        writeln!(out, "{BOLD}{summary}{RESET}")
    } else {
        writeln!(out, "{summary}")
    }
}

/// One diagnostic as the human format shows it, blank line after.
fn draw(diagnostic: &Diagnostic, ctx: &ReportContext, text: &mut Vec<u8>) -> io::Result<()> {
    let renderer = if ctx.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    writeln!(text, "{}", renderer.render(&[group(diagnostic, ctx)]))?;
    if ctx.show_fixes {
        if let Some(fix) = &diagnostic.fix {
            write_fix_preview(fix, ctx, text)?;
        }
    }
    writeln!(text)
}

fn snippet_level(level: Level) -> SnippetLevel<'static> {
    match level {
        Level::Error => SnippetLevel::ERROR,
        Level::Warning => SnippetLevel::WARNING,
        Level::Note => SnippetLevel::NOTE,
    }
}

/// One annotation to draw: where, how, and its label.
struct Mark {
    span: Span,
    kind: AnnotationKind,
    label: Option<String>,
}

fn group<'a>(diagnostic: &Diagnostic, ctx: &ReportContext) -> Group<'a> {
    let title = snippet_level(diagnostic.level)
        .primary_title(sanitize(&diagnostic.message, false).into_owned())
        .id(diagnostic.rule);
    let mut group = Group::with_title(title);

    // Annotations by file, the primary file first, the others in order of appearance.
    let mut order: Vec<FileId> = vec![diagnostic.primary.file];
    let mut marks: BTreeMap<FileId, Vec<Mark>> = BTreeMap::new();
    marks
        .entry(diagnostic.primary.file)
        .or_default()
        .push(Mark {
            span: diagnostic.primary.span,
            kind: AnnotationKind::Primary,
            label: diagnostic.label.clone(),
        });
    let mut unplaced = Vec::new();
    for related in &diagnostic.related {
        if ctx.file(related.location).is_none() {
            unplaced.push(&related.message);
            continue;
        }
        if !order.contains(&related.location.file) {
            order.push(related.location.file);
        }
        marks.entry(related.location.file).or_default().push(Mark {
            span: related.location.span,
            kind: AnnotationKind::Context,
            label: Some(related.message.clone()),
        });
    }

    for file_id in &order {
        let Some(file) = ctx.files.get(file_id.0 as usize) else {
            // The primary file is unknown: say which, without a snippet.
            group = group.element(Origin::path(ctx.display_path(diagnostic.primary)));
            continue;
        };
        let marks = &marks[file_id];
        let path = sanitize(&super::relative_path(&file.path, ctx.base_dir), false).into_owned();
        group = group.element(snippet(file, path, marks));
    }

    for message in unplaced {
        group = group.element(SnippetLevel::NOTE.message(sanitize(message, false).into_owned()));
    }
    for note in &diagnostic.notes {
        group = group.element(SnippetLevel::NOTE.message(sanitize(note, true).into_owned()));
    }
    if let Some(help) = &diagnostic.help {
        group = group.element(SnippetLevel::HELP.message(sanitize(help, true).into_owned()));
    }
    if let Some(fix) = &diagnostic.fix {
        if !ctx.show_fixes {
            group = group.element(
                SnippetLevel::HELP
                    .with_name(fix_heading(fix))
                    .message(sanitize(&fix.title, false).into_owned()),
            );
        }
    }
    if let Some(justification) = &diagnostic.suppressed {
        group = group.element(
            SnippetLevel::NOTE
                .with_name("suppressed")
                .message(sanitize(justification, false).into_owned()),
        );
    }
    group
}

fn fix_heading(fix: &Fix) -> String {
    format!("fix ({})", fix.applicability.as_str())
}

/// The lines of `file` that `marks` touch, sanitized, with the marks carried over.
fn snippet<'a>(file: &SourceFile, path: String, marks: &[Mark]) -> Element<'a> {
    let last_line_of = |span: Span| {
        // A span that ends right after a newline ends on the line before.
        let end = if span.end > span.start && file.line_col(span.end).column == 1 {
            span.end - 1
        } else {
            span.end
        };
        file.line_col(end.max(span.start)).line
    };
    let first_line = marks
        .iter()
        .map(|m| file.line_col(m.span.start).line)
        .min()
        .unwrap_or(1);
    let last_line = marks
        .iter()
        .map(|m| last_line_of(m.span))
        .max()
        .unwrap_or(first_line);
    let window_start = file.line_start(first_line) as usize;
    let window_end = file.line_start(last_line) as usize + file.line_text(last_line).len();
    let window = file.text.get(window_start..window_end).unwrap_or("");
    let (text, map) = sanitize_with_map(window);
    let carry = |offset: u32| {
        let relative = (offset as usize).clamp(window_start, window_end) - window_start;
        map.get(relative).copied().unwrap_or(text.len())
    };
    let annotations: Vec<Annotation<'a>> = marks
        .iter()
        .map(|mark| {
            let annotation = mark.kind.span(carry(mark.span.start)..carry(mark.span.end));
            match &mark.label {
                Some(label) => annotation.label(sanitize(label, false).into_owned()),
                None => annotation,
            }
        })
        .collect();
    Snippet::source(text)
        .path(path)
        .line_start(first_line as usize)
        .annotations(annotations)
        .into()
}

/// "fix (safe): title" and a unified diff of the lines the fix edits, per file.
fn write_fix_preview(fix: &Fix, ctx: &ReportContext, out: &mut dyn Write) -> io::Result<()> {
    let (bold, red, green, cyan, reset) = if ctx.color {
        (BOLD, RED, GREEN, CYAN, RESET)
    } else {
        ("", "", "", "", "")
    };
    writeln!(
        out,
        "{bold}{}: {}{reset}",
        fix_heading(fix),
        sanitize(&fix.title, false)
    )?;

    let mut files: Vec<FileId> = fix.edits.iter().map(|e| e.file).collect();
    files.sort();
    files.dedup();
    for file_id in files {
        let Some(file) = ctx.files.get(file_id.0 as usize) else {
            continue;
        };
        let mut edits: Vec<_> = fix.edits.iter().filter(|e| e.file == file_id).collect();
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        let (Some(first), Some(last)) = (edits.first(), edits.last()) else {
            continue;
        };
        // Whole lines from the first edit to the last one, and one line around for context.
        let first_line = file
            .line_col(first.span.start)
            .line
            .saturating_sub(1)
            .max(1);
        let last_line = file.line_col(last.span.end).line + 1;
        let window_start = file.line_start(first_line) as usize;
        let window_end = file.line_start(last_line + 1) as usize;
        let mut old = file
            .text
            .get(window_start..window_end)
            .unwrap_or("")
            .to_owned();
        let mut new = String::with_capacity(old.len());
        let mut cursor = window_start;
        for edit in &edits {
            let range = edit.span.range();
            if range.start < cursor || range.end > file.text.len() {
                continue; // overlapping or out of range: the fixer rejects these too
            }
            new.push_str(file.text.get(cursor..range.start).unwrap_or(""));
            new.push_str(&edit.replacement);
            cursor = range.end;
        }
        new.push_str(file.text.get(cursor..window_end).unwrap_or(""));
        if !old.ends_with('\n') {
            old.push('\n');
        }
        if !new.ends_with('\n') {
            new.push('\n');
        }

        let path = sanitize(&super::relative_path(&file.path, ctx.base_dir), false).into_owned();
        writeln!(out, "{bold}--- {path}{reset}")?;
        writeln!(out, "{bold}+++ {path}{reset}")?;
        // Sanitized before diffing: a lone `\r` would otherwise split a line.
        let (old, new) = (sanitize(&old, true), sanitize(&new, true));
        let diff = similar::TextDiff::from_lines(old.as_ref(), new.as_ref());
        for ops in diff.grouped_ops(1) {
            let (Some(first_op), Some(last_op)) = (ops.first(), ops.last()) else {
                continue;
            };
            let old_start = first_op.old_range().start;
            let old_len = last_op.old_range().end - old_start;
            let new_start = first_op.new_range().start;
            let new_len = last_op.new_range().end - new_start;
            let offset = first_line as usize;
            writeln!(
                out,
                "{cyan}@@ -{} +{} @@{reset}",
                hunk_range(old_start + offset, old_len),
                hunk_range(new_start + offset, new_len)
            )?;
            for op in &ops {
                for change in diff.iter_changes(op) {
                    let (sign, color) = match change.tag() {
                        similar::ChangeTag::Delete => ('-', red),
                        similar::ChangeTag::Insert => ('+', green),
                        similar::ChangeTag::Equal => (' ', ""),
                    };
                    let line = change.value().trim_end_matches('\n');
                    if color.is_empty() {
                        writeln!(out, "{sign}{line}")?;
                    } else {
                        writeln!(out, "{color}{sign}{line}{reset}")?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// `start,len` as in unified diff hunk headers (an empty range names the line before it).
fn hunk_range(start: usize, len: usize) -> String {
    match len {
        0 => format!("{},0", start - 1),
        1 => format!("{start}"),
        _ => format!("{start},{len}"),
    }
}
