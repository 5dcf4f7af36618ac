//! Applying fixes: non-overlapping edits per file, re-lint, repeat until nothing changes
//! (bounded). Work happens on an in-memory copy; files are written only at the end, each
//! through a temporary file in the same directory and a rename, so an interrupted run leaves
//! every file either old or new.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Applicability, Edit};
use crate::discover::{classify_by_name, FileKind};
use crate::lint::{lint, LintOptions, LintResult};
use crate::parse::{nginx, yaml};

/// Passes before giving up on convergence.
const MAX_PASSES: usize = 10;

#[derive(Debug)]
pub struct FixOutcome {
    /// Fixes applied, over all passes.
    pub applied: usize,
    /// Files whose content changed: path -> (original, fixed).
    pub changed: BTreeMap<PathBuf, (String, String)>,
    /// Whether a further pass would still change something.
    pub converged: bool,
    /// The lint result on the fixed content.
    pub result: LintResult,
}

/// Run the fix loop in memory.
pub fn fix_in_memory(
    options: &LintOptions,
    enabled: &(dyn Fn(&str) -> bool + Sync),
    minimum: Applicability,
) -> FixOutcome {
    let mut options = options.clone();
    let mut originals: BTreeMap<PathBuf, String> = BTreeMap::new();
    let mut applied = 0;
    let mut converged = false;
    let mut result = lint(&options, enabled);
    for _ in 0..MAX_PASSES {
        let broken = result.broken_files();
        // Per file: accepted edits, in order.
        let mut per_file: BTreeMap<usize, Vec<Edit>> = BTreeMap::new();
        let mut fixes_this_pass = 0;
        let mut seen = HashSet::new();
        for d in &result.diagnostics {
            let Some(fix) = &d.fix else { continue };
            if fix.applicability < minimum
                || fix.applicability == Applicability::DisplayOnly
                || d.suppressed.is_some()
            {
                continue;
            }
            if fix.edits.iter().any(|e| broken.contains(&e.file)) {
                continue;
            }
            // Two rules proposing the very same edit (two findings, one cure) apply it once.
            let key: Vec<_> = fix
                .edits
                .iter()
                .map(|e| (e.file, e.span, e.replacement.clone()))
                .collect();
            if !seen.insert(key) {
                continue;
            }
            let overlaps = fix.edits.iter().any(|e| {
                per_file
                    .get(&(e.file.0 as usize))
                    .is_some_and(|accepted| accepted.iter().any(|a| overlap(a, e)))
            });
            if overlaps {
                continue;
            }
            for e in &fix.edits {
                per_file
                    .entry(e.file.0 as usize)
                    .or_default()
                    .push(e.clone());
            }
            fixes_this_pass += 1;
        }
        if per_file.is_empty() {
            converged = true;
            break;
        }
        let mut any = false;
        for (file_index, edits) in per_file {
            let file = &result.files[file_index];
            let new_text = apply(&file.text, &edits);
            if *new_text == *file.text || !still_parses(&file.path, &new_text) {
                continue;
            }
            originals
                .entry(file.path.clone())
                .or_insert_with(|| file.text.to_string());
            options.overlay.insert(file.path.clone(), new_text);
            any = true;
        }
        if !any {
            converged = true;
            break;
        }
        applied += fixes_this_pass;
        result = lint(&options, enabled);
    }
    let changed = originals
        .into_iter()
        .filter_map(|(path, original)| {
            let new = options.overlay.get(&path)?.clone();
            (new != original).then_some((path, (original, new)))
        })
        .collect();
    FixOutcome {
        applied,
        changed,
        converged,
        result,
    }
}

/// Insertions at the same offset do not overlap (they apply in order); anything else that
/// touches the same bytes does.
fn overlap(a: &Edit, b: &Edit) -> bool {
    if a.file != b.file {
        return false;
    }
    if a.span.is_empty() || b.span.is_empty() {
        return a.span.start > b.span.start && a.span.start < b.span.end
            || b.span.start > a.span.start && b.span.start < a.span.end;
    }
    a.span.start < b.span.end && b.span.start < a.span.end
}

/// Apply sorted, non-overlapping edits (stable for insertions at one offset). Line breaks in
/// a replacement follow the line the edit is on: `\r\n` in a CRLF file, `\n` otherwise.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut edits: Vec<&Edit> = edits.iter().collect();
    edits.sort_by_key(|e| (e.span.start, e.span.end));
    let mut out = String::with_capacity(text.len() + 256);
    let mut cursor = 0usize;
    for e in edits {
        let (start, end) = (e.span.start as usize, e.span.end as usize);
        if start < cursor || end > text.len() {
            continue;
        }
        out.push_str(&text[cursor..start]);
        if e.replacement.contains('\n') && crlf_at(text, start) {
            out.push_str(&e.replacement.replace("\r\n", "\n").replace('\n', "\r\n"));
        } else {
            out.push_str(&e.replacement);
        }
        cursor = end;
    }
    out.push_str(&text[cursor..]);
    out
}

/// Whether the line holding `offset` ends in `\r\n` (the last line, without a break of its
/// own, goes by the line before it).
fn crlf_at(text: &str, offset: usize) -> bool {
    let bytes = text.as_bytes();
    let newline = bytes[offset..]
        .iter()
        .position(|&b| b == b'\n')
        .map(|i| offset + i)
        .or_else(|| bytes[..offset].iter().rposition(|&b| b == b'\n'));
    newline.is_some_and(|i| i > 0 && bytes[i - 1] == b'\r')
}

/// A fix must never turn a file into one that does not parse.
fn still_parses(path: &Path, text: &str) -> bool {
    match classify_by_name(path) {
        Some(FileKind::Nginx) => nginx::parse(text).is_ok(),
        _ => yaml::parse(text, &yaml::YamlLimits::default()).is_ok(),
    }
}

/// Write a file atomically: a temporary file in the same directory, the original's
/// permissions, then a rename over it. A symlink is written through: its target gets the new
/// content and the link stays a link (discovery only lints links that resolve inside the root).
pub fn write_atomically(path: &Path, content: &str) -> std::io::Result<()> {
    let resolved;
    let path = if std::fs::symlink_metadata(path)?.file_type().is_symlink() {
        resolved = std::fs::canonicalize(path)?;
        resolved.as_path()
    } else {
        path
    };
    let meta = std::fs::metadata(path)?;
    if meta.permissions().readonly() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "file is read-only; not changed",
        ));
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".lint-manifests-")
        .tempfile_in(dir)?;
    tmp.write_all(content.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.as_file().set_permissions(meta.permissions())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A unified diff of one file, for `--diff`.
pub fn unified_diff(path: &Path, original: &str, fixed: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(original, fixed)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    #[test]
    fn applies_insertions_in_order() {
        let f = FileId(0);
        let edits = vec![
            Edit::insert(f, 2, "X"),
            Edit::insert(f, 2, "Y"),
            Edit::replace(f, Span::new(4, 5), "Z"),
        ];
        assert_eq!(apply("abcdef", &edits), "abXYcdZf");
    }

    #[test]
    fn replacements_follow_the_line_endings_of_the_file() {
        let f = FileId(0);
        let text = "a {\r\n  b;\r\n}\r\n";
        let edits = vec![Edit::insert(f, 5, "  c;\n  d;\r\n")];
        assert_eq!(apply(text, &edits), "a {\r\n  c;\r\n  d;\r\n  b;\r\n}\r\n");
        // The last line has no break of its own: the one before it decides.
        assert_eq!(apply("a\r\nb", &[Edit::insert(f, 3, "x\n")]), "a\r\nx\r\nb");
        // LF files and mixed files at LF lines keep `\n`.
        assert_eq!(apply("a\nb\n", &[Edit::insert(f, 2, "x\n")]), "a\nx\nb\n");
        assert_eq!(
            apply("a\r\nb\nc", &[Edit::insert(f, 3, "x\n")]),
            "a\r\nx\nb\nc"
        );
    }

    #[test]
    fn overlapping_edits_are_detected() {
        let f = FileId(0);
        assert!(overlap(
            &Edit::replace(f, Span::new(0, 4), ""),
            &Edit::replace(f, Span::new(3, 6), "")
        ));
        assert!(!overlap(&Edit::insert(f, 3, "a"), &Edit::insert(f, 3, "b")));
        assert!(overlap(
            &Edit::insert(f, 3, "a"),
            &Edit::replace(f, Span::new(1, 5), "")
        ));
    }
}
