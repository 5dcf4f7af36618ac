//! Source files and positions.
//!
//! Every position inside lint-manifests is a byte [`Span`] into a [`SourceFile`]. Lines and
//! columns are derived only when a diagnostic is printed: 1-based lines, 1-based columns counted
//! in Unicode scalar values (SARIF `columnKind: unicodeCodePoints`).

use std::path::PathBuf;
use std::sync::Arc;

/// A half-open byte range `start..end` into a source file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    pub fn from_range(range: std::ops::Range<usize>) -> Span {
        Span::new(to_u32(range.start), to_u32(range.end))
    }

    /// An empty span at `offset`: where an insertion happens.
    pub const fn empty(offset: u32) -> Span {
        Span::new(offset, offset)
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn contains(self, other: Span) -> bool {
        self.start <= other.start && other.end <= self.end
    }
}

/// Files are capped well below 4 GiB (see `Limits`), so offsets fit in `u32`; saturate rather
/// than wrap if a caller ever passes something larger.
pub fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Index of a file in the run's list of files (`LintResult::files`, `Workspace::files`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A position a person reads: 1-based line and column (column in characters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// A file's text, shared by its [`SourceFile`] and its YAML trees. An `Arc` of the `String`
/// read from disk rather than an `Arc<str>`: sharing it moves the buffer instead of copying it.
pub type SharedText = Arc<String>;

/// One file as read from disk (or stdin), with its line index.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as shown to users: relative to the current directory when possible.
    pub path: PathBuf,
    /// Shared with the file's YAML trees, whose scalars point into it.
    pub text: SharedText,
    /// Built on first use: only files with findings (or suppression comments) need one.
    line_starts: std::sync::OnceLock<Vec<u32>>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: impl Into<String>) -> SourceFile {
        SourceFile::shared(path, Arc::new(text.into()))
    }

    /// A file whose text is already shared (with its YAML trees).
    pub fn shared(path: PathBuf, text: SharedText) -> SourceFile {
        SourceFile {
            path,
            text,
            line_starts: std::sync::OnceLock::new(),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| to_u32(i + 1)));
            starts
        })
    }

    /// 1-based line and character column of a byte offset (clamped to the text, and moved
    /// back to a character boundary if it falls inside one).
    pub fn line_col(&self, offset: u32) -> LineCol {
        let mut offset = (offset as usize).min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_starts = self.line_starts();
        let line_index = match line_starts.binary_search(&to_u32(offset)) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = line_starts[line_index] as usize;
        let column = self.text[line_start..offset].chars().count() + 1;
        LineCol {
            line: to_u32(line_index + 1),
            column: to_u32(column),
        }
    }

    /// Byte offset of the start of a 1-based line.
    pub fn line_start(&self, line: u32) -> u32 {
        let index = (line.max(1) - 1) as usize;
        self.line_starts()
            .get(index)
            .copied()
            .unwrap_or(to_u32(self.text.len()))
    }

    /// The text of a 1-based line, without its line terminator.
    pub fn line_text(&self, line: u32) -> &str {
        let start = self.line_start(line) as usize;
        let end = self
            .line_starts()
            .get(line as usize)
            .map(|&next| next as usize)
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    pub fn line_count(&self) -> u32 {
        to_u32(self.line_starts().len())
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let file = SourceFile::new("a".into(), "ab\nçd: e\n");
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(3), LineCol { line: 2, column: 1 });
        // 'd' is after the two-byte 'ç'
        assert_eq!(file.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(file.line_text(2), "çd: e");
        // inside the two-byte character: moved back to its start
        assert_eq!(file.line_col(4), LineCol { line: 2, column: 1 });
    }
}
