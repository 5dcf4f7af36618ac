//! Rendered streams on stdin (`helm template . | lint-manifests -`): Helm writes
//! `# Source: chart/templates/x.yaml` before each document. Findings in such a document are
//! reported in the template file, at the matching line when exactly one line of the template
//! reads like the rendered one, else at the top of the template, saying the position is in the
//! rendered output. Streams without `# Source:` comments (kustomize) are left as they are.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Location};
use crate::source::{to_u32, FileId, SourceFile, Span};

/// A document of the stream and the template it came from.
struct RenderedDocument {
    range: std::ops::Range<usize>,
    template: String,
}

fn documents(text: &str) -> Vec<RenderedDocument> {
    let mut out: Vec<RenderedDocument> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed == "---" || trimmed.starts_with("--- ") {
            if let Some(last) = out.last_mut() {
                if last.range.end == usize::MAX {
                    last.range.end = offset;
                }
            }
        } else if let Some(source) = trimmed.strip_prefix("# Source:") {
            if let Some(last) = out.last_mut() {
                if last.range.end == usize::MAX {
                    last.range.end = offset;
                }
            }
            out.push(RenderedDocument {
                range: offset..usize::MAX,
                template: source.trim().to_string(),
            });
        }
        offset += line.len();
    }
    if let Some(last) = out.last_mut() {
        if last.range.end == usize::MAX {
            last.range.end = text.len();
        }
    }
    out
}

/// The template file on disk: `chart/templates/x.yaml` relative to the root, or to the chart
/// directory itself (when `helm template .` runs inside the chart).
fn find_template(root: &Path, source: &str) -> Option<PathBuf> {
    let direct = root.join(source);
    if direct.is_file() {
        return Some(direct);
    }
    let mut parts = Path::new(source).components();
    parts.next();
    let inside = root.join(parts.as_path());
    inside.is_file().then_some(inside)
}

/// Where a location of the rendered stream lands in its template.
struct Mapped {
    location: Location,
    /// The template line matched exactly one rendered line.
    exact: bool,
    /// `<stdin>:line:col` in the rendered output.
    rendered: String,
}

/// Templates read so far, by `# Source:` path (`None`: not found under the root).
type Templates = Vec<(String, Option<FileId>)>;

fn map_location(
    files: &mut Vec<SourceFile>,
    templates: &mut Templates,
    docs: &[RenderedDocument],
    stream_id: FileId,
    root: &Path,
    location: Location,
) -> Result<Mapped, Option<String>> {
    if location.file != stream_id {
        return Err(None);
    }
    let at = location.span.start as usize;
    let doc = docs
        .iter()
        .find(|doc| doc.range.contains(&at))
        .ok_or(None)?;
    let template_id = match templates.iter().find(|(t, _)| *t == doc.template) {
        Some((_, id)) => *id,
        None => {
            let id = find_template(root, &doc.template)
                .and_then(|path| std::fs::read_to_string(&path).ok().map(|text| (path, text)))
                .map(|(path, text)| {
                    files.push(SourceFile::new(crate::lint::clean_path(&path), text));
                    FileId(to_u32(files.len() - 1))
                });
            templates.push((doc.template.clone(), id));
            id
        }
    };
    let template_id = template_id.ok_or_else(|| Some(doc.template.clone()))?;
    let stream = &files[stream_id.0 as usize];
    let rendered_at = stream.line_col(location.span.start);
    let rendered = format!(
        "{}:{}:{}",
        stream.path.display(),
        rendered_at.line,
        rendered_at.column
    );
    let template = &files[template_id.0 as usize];
    let line_text = stream.line_text(rendered_at.line);
    let column_bytes = location.span.start as usize - stream.line_start(rendered_at.line) as usize;
    let matches: Vec<u32> = (1..=template.line_count())
        .filter(|&l| {
            !line_text.trim().is_empty() && template.line_text(l).trim() == line_text.trim()
        })
        .collect();
    Ok(match matches.as_slice() {
        [line] => {
            // The same place in the line, shifted by the difference in indentation.
            let t_line = template.line_text(*line);
            let indent = |l: &str| (l.len() - l.trim_start().len()) as i64;
            let col = (column_bytes as i64 + indent(t_line) - indent(line_text))
                .clamp(0, t_line.len() as i64) as u32;
            let start = template.line_start(*line) + col;
            let len = location
                .span
                .len()
                .min(to_u32(t_line.len()).saturating_sub(col));
            Mapped {
                location: Location::new(template_id, Span::new(start, start + len)),
                exact: true,
                rendered,
            }
        }
        _ => Mapped {
            location: Location::new(template_id, Span::empty(0)),
            exact: false,
            rendered,
        },
    })
}

/// Move findings from the stdin stream named `stdin` into the templates that produced them.
pub fn map_rendered_sources(
    diagnostics: &mut [Diagnostic],
    files: &mut Vec<SourceFile>,
    stdin: &Path,
    root: &Path,
) {
    let Some(stream_id) = files
        .iter()
        .position(|f| f.path == stdin)
        .map(|i| FileId(to_u32(i)))
    else {
        return;
    };
    let docs = documents(&files[stream_id.0 as usize].text);
    if docs.is_empty() {
        return;
    }
    let mut templates: Templates = Vec::new();
    for d in diagnostics.iter_mut() {
        for related in &mut d.related {
            if let Ok(m) = map_location(
                files,
                &mut templates,
                &docs,
                stream_id,
                root,
                related.location,
            ) {
                if m.exact {
                    related.location = m.location;
                }
            }
        }
        match map_location(files, &mut templates, &docs, stream_id, root, d.primary) {
            Ok(m) => {
                d.notes.push(if m.exact {
                    format!("rendered by Helm: reported at the matching line of the template; in the rendered output it is {}", m.rendered)
                } else {
                    format!("rendered by Helm from this template; the exact place is {} in the rendered output", m.rendered)
                });
                d.primary = m.location;
                // Edits were computed on the rendered text; they do not apply to the template.
                d.fix = None;
            }
            Err(Some(template)) => d.notes.push(format!(
                "rendered from template `{template}`, which is not under the root; the position is in the rendered output"
            )),
            Err(None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_documents_by_source_comments() {
        let text = "---\n# Source: app/templates/svc.yaml\napiVersion: v1\n---\n# Source: app/templates/bc.yaml\nkind: X\n";
        let docs = documents(text);
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].template, "app/templates/svc.yaml");
        assert!(text[docs[0].range.clone()].contains("apiVersion"));
        assert!(text[docs[1].range.clone()].contains("kind: X"));
    }
}
