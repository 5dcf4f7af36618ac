//! One line per finding, `path:line:col: ID [level] message`, then the summary line: for
//! editors' error matchers and `grep`.

use std::io::{self, Write};

use super::{sanitize, ReportContext, Summary};
use crate::diagnostic::Diagnostic;

pub(super) fn emit(
    diagnostics: &[Diagnostic],
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    super::write_rendered(ctx.visible(diagnostics), out, |diagnostic, out| {
        let (start, _) = ctx.range(diagnostic.primary);
        let path = ctx.display_path(diagnostic.primary);
        let level = match diagnostic.suppressed {
            Some(_) => format!("{}, suppressed", diagnostic.level.as_str()),
            None => diagnostic.level.as_str().to_owned(),
        };
        writeln!(
            out,
            "{}:{}:{}: {} [{}] {}",
            sanitize(&path, false),
            start.line,
            start.column,
            diagnostic.rule,
            level,
            sanitize(&diagnostic.message, false)
        )
    })?;
    writeln!(out, "{}", Summary::of(ctx.visible(diagnostics)).line())
}
