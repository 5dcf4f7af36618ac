//! GitLab Code Quality (a subset of the Code Climate issue format):
//! <https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format>.
//!
//! GitLab keys findings by `fingerprint` and drops repeats, so a second finding with the same
//! fingerprint in one report gets one derived from it and its ordinal.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{fingerprint, Fnv128, ReportContext};
use crate::diagnostic::{Diagnostic, Level};

#[derive(Serialize)]
struct Issue {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: IssueLocation,
}

#[derive(Serialize)]
struct IssueLocation {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

fn severity(level: Level) -> &'static str {
    match level {
        Level::Error => "major",
        Level::Warning => "minor",
        Level::Note => "info",
    }
}

pub(super) fn emit(
    diagnostics: &[Diagnostic],
    ctx: &ReportContext,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut seen: HashMap<String, u32> = HashMap::new();
    let issues: Vec<Issue> = ctx
        .visible(diagnostics)
        .map(|diagnostic| {
            let (start, end) = ctx.range(diagnostic.primary);
            let mut print = fingerprint(diagnostic, ctx);
            let count = seen.entry(print.clone()).or_insert(0);
            *count += 1;
            if *count > 1 {
                let mut hash = Fnv128::new();
                hash.write(print.as_bytes());
                hash.write(format!("#{count}").as_bytes());
                print = format!("{:032x}", hash.finish());
            }
            Issue {
                kind: "issue",
                description: format!("{}: {}", diagnostic.rule, diagnostic.message),
                check_name: diagnostic.rule,
                fingerprint: print,
                severity: severity(diagnostic.level),
                location: IssueLocation {
                    path: ctx.display_path(diagnostic.primary),
                    lines: Lines {
                        begin: start.line,
                        end: end.line,
                    },
                },
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    writeln!(out)
}
