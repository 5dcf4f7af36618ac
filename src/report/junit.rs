//! JUnit XML, as CI systems read it: a `<testsuite>` per linted file, a failing `<testcase>`
//! per finding, and one passing test case for a file without findings (so clean files show up
//! as passed rather than missing).
//!
//! Everything is escaped; characters XML 1.0 cannot carry at all (most C0 controls) are
//! removed together with terminal escape sequences.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{sanitize, ReportContext};
use crate::diagnostic::Diagnostic;
use crate::source::{to_u32, FileId};

pub(super) fn emit(
    diagnostics: &[Diagnostic],
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let visible: Vec<&Diagnostic> = ctx.visible(diagnostics).collect();
    // Files in `ctx.files` order, then any a diagnostic names that `files` lacks.
    let mut by_file: BTreeMap<FileId, Vec<&Diagnostic>> = BTreeMap::new();
    for diagnostic in &visible {
        by_file
            .entry(diagnostic.primary.file)
            .or_default()
            .push(diagnostic);
    }
    let mut file_ids: Vec<FileId> = (0..ctx.files.len()).map(|i| FileId(to_u32(i))).collect();
    file_ids.extend(by_file.keys().filter(|id| id.0 as usize >= ctx.files.len()));
    let total = visible.len()
        + file_ids
            .iter()
            .filter(|id| !by_file.contains_key(id))
            .count();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    let failed =
        |findings: &[&Diagnostic]| findings.iter().filter(|d| d.suppressed.is_none()).count();
    writeln!(
        out,
        r#"<testsuites name="lint-manifests" tests="{total}" failures="{}" errors="0">"#,
        failed(&visible)
    )?;
    for file_id in file_ids {
        let findings: Vec<&Diagnostic> = visible
            .iter()
            .copied()
            .filter(|d| d.primary.file == file_id)
            .collect();
        let path = escape(&ctx.display_path(crate::diagnostic::Location::new(
            file_id,
            Default::default(),
        )));
        writeln!(
            out,
            r#"  <testsuite name="{path}" tests="{}" failures="{}" errors="0" skipped="{}">"#,
            findings.len().max(1),
            failed(&findings),
            findings.len() - failed(&findings)
        )?;
        if findings.is_empty() {
            writeln!(
                out,
                r#"    <testcase name="lint-manifests" classname="{path}"/>"#
            )?;
        }
        for diagnostic in findings {
            let (start, _) = ctx.range(diagnostic.primary);
            let mut body = format!(
                "{}:{}:{}: {}",
                ctx.display_path(diagnostic.primary),
                start.line,
                start.column,
                diagnostic.message
            );
            if let Some(label) = &diagnostic.label {
                body.push_str(&format!("\n  {label}"));
            }
            body.push_str(&super::plain_details(diagnostic, ctx));
            writeln!(
                out,
                r#"    <testcase name="{} at {}:{}" classname="{path}">"#,
                escape(diagnostic.rule),
                start.line,
                start.column
            )?;
            match &diagnostic.suppressed {
                Some(justification) => writeln!(
                    out,
                    r#"      <skipped message="{}"/>"#,
                    escape(justification)
                )?,
                None => writeln!(
                    out,
                    r#"      <failure message="{}" type="{}">{}</failure>"#,
                    escape(&diagnostic.message),
                    diagnostic.level.as_str(),
                    escape(&body)
                )?,
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// Escape for XML text and attribute values alike; newlines and tabs as character references
/// so attribute values keep them.
pub(crate) fn escape(text: &str) -> String {
    let text = sanitize(text, true);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            '\u{fffe}' | '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}
