//! Text edits that keep the file as the user wrote it: insertions take the indentation of
//! their siblings, removals take whole lines, nothing is re-serialized.

use crate::diagnostic::Edit;
use crate::model::nginx::Conf;
use crate::model::DirId;
use crate::parse::yaml::{Entry, Node};
use crate::source::{to_u32, FileId, SourceFile};

/// Byte offset of the start of the line holding `offset`.
pub fn line_start(file: &SourceFile, offset: u32) -> u32 {
    file.line_start(file.line_col(offset).line)
}

/// Byte offset just after the line holding `offset` (after its `\n`, or the end of text).
pub fn line_end(file: &SourceFile, offset: u32) -> u32 {
    let line = file.line_col(offset).line;
    if line >= file.line_count() {
        to_u32(file.text.len())
    } else {
        file.line_start(line + 1)
    }
}

/// Whether only blanks (or `- ` of a sequence item) precede `offset` on its line.
fn starts_line(file: &SourceFile, offset: u32) -> bool {
    let start = line_start(file, offset) as usize;
    file.text[start..offset as usize].trim().is_empty()
}

/// The column (in bytes, as spaces) where the keys of a block mapping start.
fn key_indent(file: &SourceFile, mapping: Node<'_>) -> Option<usize> {
    let first = mapping.entries().next()?;
    Some((first.key.span.start - line_start(file, first.key.span.start)) as usize)
}

/// Whether a mapping is written in block style (editable line by line).
pub fn is_block_mapping(file: &SourceFile, mapping: Node<'_>) -> bool {
    mapping.is_mapping() && !file.slice(mapping.span).starts_with('{')
}

/// Insert `key: value` lines (`lines` already formatted relative to the key column, each line
/// without indentation; nested lines carry their own extra indentation) into a block mapping:
/// before the first entry when it starts its line, else after the last entry.
pub fn insert_entry(
    file: &SourceFile,
    id: FileId,
    mapping: Node<'_>,
    lines: &[String],
    first: bool,
) -> Option<Edit> {
    if !is_block_mapping(file, mapping) {
        return None;
    }
    let indent = " ".repeat(key_indent(file, mapping)?);
    let text: String = lines.iter().map(|l| format!("{indent}{l}\n")).collect();
    let entries = mapping.entries();
    let head = entries.clone().next()?;
    if first && starts_line(file, head.key.span.start) {
        return Some(Edit::insert(
            id,
            line_start(file, head.key.span.start),
            text,
        ));
    }
    let last = entries.clone().next_back()?;
    let end = last.value.span.end.max(last.key.span.end);
    Some(Edit::insert(
        id,
        line_end(file, end.saturating_sub(1).max(last.key.span.start)),
        text,
    ))
}

/// Insert a `key:` with nested lines under a parent mapping that lacks the key: e.g. add
/// `annotations:` under `metadata`. `nested` lines are indented two spaces deeper.
pub fn insert_nested(
    file: &SourceFile,
    id: FileId,
    parent: Node<'_>,
    key: &str,
    nested: &[String],
) -> Option<Edit> {
    let mut lines = vec![format!("{key}:")];
    lines.extend(nested.iter().map(|l| format!("  {l}")));
    insert_entry(file, id, parent, &lines, false)
}

/// Remove an entry of a block mapping: the lines from its key to the end of its value.
pub fn remove_entry(file: &SourceFile, id: FileId, entry: Entry<'_>) -> Option<Edit> {
    if !starts_line(file, entry.key.span.start) {
        return None;
    }
    let start = line_start(file, entry.key.span.start);
    let last = entry.value.span.end.max(entry.key.span.end);
    let end = line_end(file, last.saturating_sub(1).max(entry.key.span.start));
    Some(Edit::delete(id, crate::source::Span::new(start, end)))
}

/// Quote a string for YAML: single quotes, `'` doubled.
pub fn yaml_single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Insert directives as the first children of an nginx block, with the indentation of its
/// children. `None` when the block's layout does not allow a clean insertion (e.g. `{` not at
/// the end of its line).
pub fn insert_nginx_directives(
    files: &[SourceFile],
    conf: &Conf,
    block: DirId,
    directives: &[String],
) -> Option<Edit> {
    let at = conf.insertion_point(files, block)?;
    let indent = conf.child_indent(files, block);
    let text: String = directives
        .iter()
        .map(|d| format!("{indent}{d}\n"))
        .collect();
    Some(Edit::insert(conf.dir(block).file, at, text))
}

/// Insert directives right before `sibling`, on their own lines with its indentation. `None`
/// when `sibling` does not start its line.
pub fn insert_nginx_before(
    files: &[SourceFile],
    conf: &Conf,
    sibling: DirId,
    directives: &[String],
) -> Option<Edit> {
    let d = conf.dir(sibling);
    let file = &files[d.file.0 as usize];
    if !starts_line(file, d.span.start) {
        return None;
    }
    let indent = crate::model::nginx::indentation_at(file, d.span.start);
    let text: String = directives
        .iter()
        .map(|l| format!("{indent}{l}\n"))
        .collect();
    Some(Edit::insert(d.file, line_start(file, d.span.start), text))
}
