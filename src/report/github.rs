//! GitHub Actions workflow commands: an annotation per finding on the pull request.
//!
//! `::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=ID::message`. Escaping follows
//! the runner (`toolkit/packages/core/src/command.ts`): in the message `%`, `\r`, `\n` become
//! `%25`, `%0D`, `%0A`; property values additionally escape `:` and `,`. So a message can never
//! end the command early or start a second one, whatever a linted file puts in it. Terminal
//! control characters are removed first: the job log is rendered as a terminal.

use std::io::{self, Write};

use super::{sanitize, ReportContext};
use crate::diagnostic::{Diagnostic, Level};

pub(super) fn emit(
    diagnostics: &[Diagnostic],
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    for diagnostic in ctx.visible(diagnostics) {
        let command = match diagnostic.level {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Note => "notice",
        };
        let (start, end) = ctx.range(diagnostic.primary);
        let path = ctx.display_path(diagnostic.primary);
        let mut message = diagnostic.message.clone();
        if let Some(label) = &diagnostic.label {
            message.push_str(&format!(" ({label})"));
        }
        message.push_str(&super::plain_details(diagnostic, ctx));
        if let Some(justification) = &diagnostic.suppressed {
            message.push_str(&format!("\nsuppressed: {justification}"));
        }
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(&path),
            start.line,
            start.column,
            end.line,
            end.column,
            escape_property(diagnostic.rule),
            escape_data(&message)
        )?;
    }
    Ok(())
}

/// Escape a command's message.
pub(crate) fn escape_data(text: &str) -> String {
    escape(text, false)
}

/// Escape a property value (`file=`, `title=`): also `:` and `,`, which end properties.
pub(crate) fn escape_property(text: &str) -> String {
    escape(text, true)
}

fn escape(text: &str, property: bool) -> String {
    let text = sanitize(text, true);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' if property => out.push_str("%3A"),
            ',' if property => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}
