//! `json` (an array) and `json-lines` (one object per line): the same [`JsonDiagnostic`]
//! objects, which also deserialize, so tools written in Rust can read them back.

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::{fingerprint, rule_name, ReportContext};
use crate::diagnostic::{Diagnostic, Location};

/// One finding. Lines and columns are 1-based, columns count Unicode scalar values, ends are
/// exclusive (an empty span ends where it starts); `span` is the byte range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonDiagnostic {
    /// Rule id, e.g. `GKE002`.
    pub rule: String,
    /// Rule name, e.g. `websocket-timeout-missing`.
    pub name: String,
    /// `error`, `warning` or `note`.
    pub level: String,
    pub message: String,
    /// Path relative to the base directory, forward slashes.
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub span: JsonSpan,
    /// The label under the primary span.
    #[serde(default)]
    pub label: Option<String>,
    pub related: Vec<JsonRelated>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub fix: Option<JsonFix>,
    pub fingerprint: String,
    /// The justification of the suppression that matched, or null.
    pub suppressed: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonSpan {
    pub start: u32,
    pub end: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonRelated {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonFix {
    pub title: String,
    /// `safe`, `unsafe` or `display-only`.
    pub applicability: String,
    pub edits: Vec<JsonEdit>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonEdit {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub replacement: String,
}

impl JsonDiagnostic {
    pub fn new(diagnostic: &Diagnostic, ctx: &ReportContext) -> JsonDiagnostic {
        let (start, end) = ctx.range(diagnostic.primary);
        JsonDiagnostic {
            rule: diagnostic.rule.to_owned(),
            name: rule_name(diagnostic.rule).to_owned(),
            level: diagnostic.level.as_str().to_owned(),
            message: diagnostic.message.clone(),
            file: ctx.display_path(diagnostic.primary),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            span: JsonSpan {
                start: diagnostic.primary.span.start,
                end: diagnostic.primary.span.end,
            },
            label: diagnostic.label.clone(),
            related: diagnostic
                .related
                .iter()
                .map(|related| {
                    let (start, end) = ctx.range(related.location);
                    JsonRelated {
                        file: ctx.display_path(related.location),
                        line: start.line,
                        column: start.column,
                        end_line: end.line,
                        end_column: end.column,
                        message: related.message.clone(),
                    }
                })
                .collect(),
            notes: diagnostic.notes.clone(),
            help: diagnostic.help.clone(),
            fix: diagnostic.fix.as_ref().map(|fix| JsonFix {
                title: fix.title.clone(),
                applicability: fix.applicability.as_str().to_owned(),
                edits: fix
                    .edits
                    .iter()
                    .map(|edit| {
                        let location = Location::new(edit.file, edit.span);
                        let (start, end) = ctx.range(location);
                        JsonEdit {
                            file: ctx.display_path(location),
                            line: start.line,
                            column: start.column,
                            end_line: end.line,
                            end_column: end.column,
                            replacement: edit.replacement.clone(),
                        }
                    })
                    .collect(),
            }),
            fingerprint: fingerprint(diagnostic, ctx),
            suppressed: diagnostic.suppressed.clone(),
        }
    }
}

pub(super) fn emit(
    diagnostics: &[Diagnostic],
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let objects: Vec<JsonDiagnostic> = ctx
        .visible(diagnostics)
        .map(|d| JsonDiagnostic::new(d, ctx))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &objects)?;
    writeln!(out)
}

pub(super) fn emit_lines(
    diagnostics: &[Diagnostic],
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    for diagnostic in ctx.visible(diagnostics) {
        serde_json::to_writer(&mut *out, &JsonDiagnostic::new(diagnostic, ctx))?;
        writeln!(out)?;
    }
    Ok(())
}
