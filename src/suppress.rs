//! Suppressions: comments and annotations that silence findings, each with a reason.
//!
//! Forms (the same in YAML, nginx files and nginx embedded in a ConfigMap):
//! - `# lint-manifests: ignore[GKE016] static assets only` at the end of the offending line, or
//!   on its own line above it (stacked comment lines are skipped: the suppression covers the
//!   first line below that is not a comment);
//! - `# lint-manifests: ignore-file[GKE016, NGX] reason` anywhere in a file: the whole file;
//! - the annotation `lint-manifests.io/ignore: "GKE016: reason"` on a resource: findings whose
//!   primary location lies inside that resource. Several entries are separated by `;` or line
//!   breaks: `"GKE016: static assets only; NGX007: tiny responses"`.
//!
//! Rules are named by id, name or prefix, comma-separated. A matching finding keeps its place in
//! the results with `suppressed` set to the reason (shown with `--show-suppressed`).
//!
//! This pass also produces the suppressions' own findings: LM005 (unused-suppression, with a
//! safe fix that removes it) and LM006 (invalid-suppression: no reason, a rule that does not
//! exist, or a malformed comment). A suppression without a reason still suppresses: the one
//! finding left is the missing reason.

use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Level, Location};
use crate::load::Loaded;
use crate::model::nginx::Origin;
use crate::model::{Resource, Workspace};
use crate::parse::embedded::OffsetMap;
use crate::parse::yaml::Entry;
use crate::registry::{self, RULES};
use crate::selection;
use crate::source::{to_u32, FileId, SourceFile, Span};

/// The annotation key.
pub const ANNOTATION: &str = "lint-manifests.io/ignore";
const MARKER: &str = "lint-manifests:";

/// A `#` comment that mentions the marker: file and span from `#` to the end of the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommentRef {
    pub file: FileId,
    pub span: Span,
}

/// Suppression comments in the loaded YAML and nginx files (comments inside ConfigMap-embedded
/// nginx are found later, by [`embedded_comments`]). Call before the model consumes `loaded`.
pub fn collect_comments(loaded: &Loaded) -> Vec<CommentRef> {
    let mut out = Vec::new();
    for (file, stream) in &loaded.manifests {
        for c in &stream.comments {
            if c.text.starts_with(MARKER) {
                out.push(CommentRef {
                    file: *file,
                    span: c.span,
                });
            }
        }
    }
    for (file, config) in &loaded.nginx {
        for c in &config.comments {
            if c.text.trim_start().starts_with(MARKER) {
                out.push(CommentRef {
                    file: *file,
                    span: c.span,
                });
            }
        }
    }
    out
}

/// Suppression comments inside nginx configs embedded in ConfigMaps, mapped into the YAML file.
pub fn embedded_comments(ws: &Workspace) -> Vec<CommentRef> {
    // Every embedded config's text is searched for the marker: in parallel, in config order.
    ws.nginx
        .confs
        .par_iter()
        .flat_map_iter(|conf| {
            let mut out = Vec::new();
            let Origin::ConfigMap { resource, key, .. } = &conf.origin else {
                return out;
            };
            let r = ws.resource(*resource);
            let Some(entry) = r.node().get("data").and_then(|d| d.entry(key)) else {
                return out;
            };
            let Some(scalar) = entry.value.scalar() else {
                return out;
            };
            if !scalar.text.contains(MARKER) {
                return out;
            }
            let Ok(config) = crate::parse::nginx::parse(scalar.text) else {
                return out;
            };
            let file = ws.file(r.file);
            let map = OffsetMap::build(&file.text, entry.value.span, scalar.style, scalar.text);
            for c in &config.comments {
                if c.text.trim_start().starts_with(MARKER) {
                    out.push(CommentRef {
                        file: r.file,
                        span: map.span(c.span),
                    });
                }
            }
            out
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Scope {
    /// Lines `from..=to` (1-based).
    Lines(u32, u32),
    File,
    /// Findings inside this span (a resource).
    Within(Span),
}

#[derive(Clone, Debug)]
struct Code {
    text: String,
    /// Where the code is written (for comments; the annotation value otherwise).
    span: Span,
    used: bool,
    /// Names a rule.
    known: bool,
}

#[derive(Clone, Debug)]
struct Suppression {
    file: FileId,
    scope: Scope,
    codes: Vec<Code>,
    reason: Option<String>,
    /// The comment, or the annotation value.
    span: Span,
    form: Form,
}

#[derive(Clone, Debug)]
enum Form {
    /// `ignore[...]` or `ignore-file[...]`: the brackets' inside, and what deleting the whole
    /// comment removes (the line, or the comment and the blanks before it).
    Comment { inside: Span, removal: Span },
    /// One `IDS: reason` entry of the annotation: the annotation's entries, this one's index, and
    /// what deleting the whole annotation removes (when it is safe to).
    Annotation {
        entries: Vec<String>,
        index: usize,
        removal: Option<Span>,
    },
}

/// Apply the suppressions to `diagnostics` (setting `suppressed`), then return the
/// suppressions' own findings (LM005, LM006). `ran(file, rule)` says whether a rule was enabled
/// for a file: a suppression of a rule that did not run is not reported as unused.
pub fn apply(
    ws: &Workspace,
    comments: &[CommentRef],
    diagnostics: &mut [Diagnostic],
    ran: &dyn Fn(FileId, &str) -> bool,
) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let mut suppressions = Vec::new();
    for c in comments {
        let file = ws.file(c.file);
        match parse_comment(file, c) {
            Ok(s) => suppressions.push(s),
            Err(d) => findings.push(*d),
        }
    }
    // Looked for on every resource (in parallel), read in resource order.
    let annotated: Vec<(&Resource, Entry<'_>)> = ws
        .resources
        .par_iter()
        .filter_map(|r| Some((r, r.annotation(ANNOTATION)?)))
        .collect();
    for (r, entry) in annotated {
        parse_annotation(
            ws,
            r.file,
            r.node().span,
            entry,
            &mut suppressions,
            &mut findings,
        );
    }
    // Unknown codes and missing reasons.
    for s in &suppressions {
        for code in s.codes.iter().filter(|c| !c.known) {
            findings.push(
                Diagnostic::new(
                    "LM006",
                    Level::Warning,
                    Location::new(s.file, code.span),
                    format!("suppression names `{}`, which is no rule", code.text),
                )
                .with_help(crate::config::selector_help(&code.text)),
            );
        }
        if s.reason.is_none() {
            let example = match &s.form {
                Form::Comment { .. } => "`# lint-manifests: ignore[GKE016] static assets only`",
                Form::Annotation { .. } => {
                    "`lint-manifests.io/ignore: \"GKE016: static assets only\"`"
                }
            };
            findings.push(
                Diagnostic::new(
                    "LM006",
                    Level::Warning,
                    Location::new(s.file, s.span),
                    "suppression without a reason",
                )
                .with_note("a reason tells the next reader why the finding does not apply here, and when the suppression can go")
                .with_help(format!("add the reason after the rules, as in {example}")),
            );
        }
    }
    // Match findings (suppressions indexed by file: most files have none).
    let mut by_file: HashMap<FileId, Vec<usize>> = HashMap::new();
    for (i, s) in suppressions.iter().enumerate() {
        by_file.entry(s.file).or_default().push(i);
    }
    for d in diagnostics.iter_mut() {
        let Some(indices) = by_file.get(&d.primary.file) else {
            continue;
        };
        let Some(meta) = registry::lookup(d.rule) else {
            continue;
        };
        let file = ws.file(d.primary.file);
        let line = file.line_col(d.primary.span.start).line;
        for &i in indices {
            let s = &mut suppressions[i];
            let in_scope = match s.scope {
                Scope::Lines(from, to) => (from..=to).contains(&line),
                Scope::File => true,
                Scope::Within(span) => span.contains(d.primary.span),
            };
            if !in_scope {
                continue;
            }
            for code in s.codes.iter_mut().filter(|c| c.known) {
                if selection::matches(&code.text, meta) {
                    code.used = true;
                    if d.suppressed.is_none() {
                        d.suppressed = Some(
                            s.reason
                                .clone()
                                .unwrap_or_else(|| "no reason given".to_string()),
                        );
                    }
                }
            }
        }
    }
    // Unused ones.
    for s in &suppressions {
        let unused: Vec<&Code> = s
            .codes
            .iter()
            .filter(|c| {
                c.known
                    && !c.used
                    && RULES
                        .iter()
                        .any(|r| selection::matches(&c.text, r) && ran(s.file, r.id))
            })
            .collect();
        if unused.is_empty() {
            continue;
        }
        findings.push(unused_finding(s, &unused));
    }
    findings
}

fn unused_finding(s: &Suppression, unused: &[&Code]) -> Diagnostic {
    let names: Vec<String> = unused.iter().map(|c| format!("`{}`", c.text)).collect();
    let all_unused = unused.len() == s.codes.len();
    let where_ = match s.scope {
        Scope::Lines(..) => "on this line or the next",
        Scope::File => "in this file",
        Scope::Within(_) => "in this resource",
    };
    let message = format!(
        "unused suppression: no {} finding {where_}",
        names.join(", ")
    );
    let location = if all_unused { s.span } else { unused[0].span };
    let mut d = Diagnostic::new(
        "LM005",
        Level::Warning,
        Location::new(s.file, location),
        message,
    )
    .with_note(
        "a suppression that matches nothing may hide a different problem that appears here later",
    );
    let remaining: Vec<&str> = s
        .codes
        .iter()
        .filter(|c| !unused.iter().any(|u| std::ptr::eq(*u, *c)))
        .map(|c| c.text.as_str())
        .collect();
    let fix = match &s.form {
        Form::Comment { inside, removal } => {
            if remaining.is_empty() {
                Some(Fix::new(
                    "remove the unused suppression",
                    Applicability::Safe,
                    vec![Edit::delete(s.file, *removal)],
                ))
            } else {
                Some(Fix::new(
                    format!("remove {} from the suppression", names.join(", ")),
                    Applicability::Safe,
                    vec![Edit::replace(s.file, *inside, remaining.join(", "))],
                ))
            }
        }
        Form::Annotation {
            entries,
            index,
            removal,
        } => {
            let mut kept = entries.clone();
            if remaining.is_empty() {
                kept.remove(*index);
            } else {
                let reason = entries[*index]
                    .split_once(':')
                    .map_or("", |(_, r)| r.trim());
                kept[*index] = format!("{}: {reason}", remaining.join(", "));
            }
            if kept.is_empty() {
                removal.map(|span| {
                    Fix::new(
                        format!("remove the unused `{ANNOTATION}` annotation"),
                        Applicability::Safe,
                        vec![Edit::delete(s.file, span)],
                    )
                })
            } else {
                let value = serde_json::to_string(&kept.join("; ")).unwrap_or_default();
                Some(Fix::new(
                    format!("remove {} from the annotation", names.join(", ")),
                    Applicability::Safe,
                    vec![Edit::replace(s.file, s.span, value)],
                ))
            }
        }
    };
    if let Some(fix) = fix {
        d = d.with_fix(fix);
    } else {
        d = d.with_help(format!("remove the `{ANNOTATION}` annotation"));
    }
    d
}

/// Parse one marker comment into a suppression, or an LM006 finding when it is malformed.
fn parse_comment(file: &SourceFile, c: &CommentRef) -> Result<Suppression, Box<Diagnostic>> {
    let text = file.slice(c.span);
    let base = c.span.start as usize;
    let malformed = |why: &str| {
        Box::new(Diagnostic::new(
            "LM006",
            Level::Warning,
            Location::new(c.file, c.span),
            format!("malformed suppression comment: {why}"),
        )
        .with_help("write `# lint-manifests: ignore[RULE] reason` (this line or the next) or `# lint-manifests: ignore-file[RULE] reason` (the whole file)"))
    };
    let Some(marker_at) = text.find(MARKER) else {
        return Err(malformed("no `lint-manifests:` marker"));
    };
    let after = marker_at + MARKER.len();
    let rest = &text[after..];
    let lead = rest.len() - rest.trim_start().len();
    let rest_start = after + lead;
    let rest = &text[rest_start..];
    let (file_wide, open) = if rest.starts_with("ignore-file[") {
        (true, rest_start + "ignore-file[".len())
    } else if rest.starts_with("ignore[") {
        (false, rest_start + "ignore[".len())
    } else {
        return Err(malformed("expected `ignore[RULE]` or `ignore-file[RULE]`"));
    };
    let Some(close_rel) = text[open..].find(']') else {
        return Err(malformed("missing `]`"));
    };
    let close = open + close_rel;
    let codes = codes_in(&text[open..close], base + open);
    if codes.is_empty() {
        return Err(malformed("no rule between the brackets"));
    }
    let reason = text[close + 1..].trim();
    let reason = (!reason.is_empty()).then(|| reason.to_string());
    let line = file.line_col(c.span.start).line;
    let line_start = file.line_start(line) as usize;
    let before = &file.text[line_start..base];
    let own_line = before.trim().is_empty();
    let scope = if file_wide {
        Scope::File
    } else if own_line {
        let mut target = line + 1;
        while target < file.line_count() && file.line_text(target).trim_start().starts_with('#') {
            target += 1;
        }
        Scope::Lines(line, target)
    } else {
        Scope::Lines(line, line)
    };
    let removal = if own_line {
        let next = file.line_start(line + 1) as usize;
        let end = if next > base { next } else { file.text.len() };
        Span::from_range(line_start..end)
    } else {
        let trimmed = before.trim_end().len();
        Span::from_range(line_start + trimmed..c.span.end as usize)
    };
    Ok(Suppression {
        file: c.file,
        scope,
        codes,
        reason,
        span: c.span,
        form: Form::Comment {
            inside: Span::from_range(base + open..base + close),
            removal,
        },
    })
}

/// Comma-separated rule selectors, with their spans (`offset` is where `text` starts).
fn codes_in(text: &str, offset: usize) -> Vec<Code> {
    let mut out = Vec::new();
    let mut at = 0;
    for part in text.split(',') {
        let lead = part.len() - part.trim_start().len();
        let code = part.trim();
        if !code.is_empty() {
            let start = offset + at + lead;
            out.push(Code {
                text: code.to_string(),
                span: Span::from_range(start..start + code.len()),
                used: false,
                known: !selection::unknown_selector(code),
            });
        }
        at += part.len() + 1;
    }
    out
}

fn parse_annotation(
    ws: &Workspace,
    file: FileId,
    resource: Span,
    entry: Entry<'_>,
    suppressions: &mut Vec<Suppression>,
    findings: &mut Vec<Diagnostic>,
) {
    let value_span = entry.value.span;
    let Some(text) = entry.value.as_str() else {
        findings.push(
            Diagnostic::new(
                "LM006",
                Level::Warning,
                Location::new(file, value_span),
                format!("`{ANNOTATION}` must be a string such as \"GKE016: reason\""),
            )
            .with_help("quote the value: `\"GKE016: static assets only\"`"),
        );
        return;
    };
    let entries: Vec<String> = text
        .split([';', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(String::from)
        .collect();
    // When it is the only annotation, `annotations:` goes too.
    let metadata = ws
        .resources
        .iter()
        .find(|r| r.file == file && r.node().span == resource)
        .and_then(|r| r.metadata());
    let whole = metadata.and_then(|m| m.entry("annotations")).filter(|a| {
        a.value.entries().len() == 1
            && !a.value.span.is_empty()
            && a.key.span.end <= entry.key.span.start
    });
    let removal = match whole {
        Some(annotations) => {
            annotation_removal(ws.file(file), annotations.key.span, entry.value.span)
        }
        None => annotation_removal(ws.file(file), entry.key.span, entry.value.span),
    };
    for (index, e) in entries.iter().enumerate() {
        let (ids, reason) = match e.split_once(':') {
            Some((ids, reason)) => (ids, reason.trim()),
            None => (e.as_str(), ""),
        };
        // Codes point at the annotation value: its text may be quoted or escaped.
        let mut codes = codes_in(ids, 0);
        for c in &mut codes {
            c.span = value_span;
        }
        if codes.is_empty() {
            findings.push(
                Diagnostic::new(
                    "LM006",
                    Level::Warning,
                    Location::new(file, value_span),
                    format!("`{ANNOTATION}` entry `{e}` names no rule"),
                )
                .with_help("write `\"GKE016: reason\"`; separate entries with `;`"),
            );
            continue;
        }
        suppressions.push(Suppression {
            file,
            scope: Scope::Within(resource),
            codes,
            reason: (!reason.is_empty()).then(|| reason.to_string()),
            span: value_span,
            form: Form::Annotation {
                entries: entries.clone(),
                index,
                removal,
            },
        });
    }
}

/// The lines of an annotation entry, when it sits alone on its line(s) in block style.
/// The lines from the one holding `key` to the one where `value` ends, when nothing else is on
/// them (block style): what deleting an annotation removes.
fn annotation_removal(file: &SourceFile, key: Span, value: Span) -> Option<Span> {
    let key_line = file.line_col(key.start).line;
    let line_start = file.line_start(key_line);
    if !file.text[line_start as usize..key.start as usize]
        .trim()
        .is_empty()
    {
        return None;
    }
    let end_line = file.line_col(value.end).line;
    let end_text = file.line_text(end_line);
    let value_end_col = file.line_col(value.end).column as usize;
    let after: String = end_text.chars().skip(value_end_col - 1).collect();
    let after = after.trim();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let end = file.line_start(end_line + 1);
    let end = if end <= value.end {
        to_u32(file.text.len())
    } else {
        end
    };
    Some(Span::new(line_start, end))
}
