//! What rules produce: findings with exact locations, evidence, and fixes.
//!
//! The shape follows rustc and ruff: a message (what is wrong), a primary location with an
//! optional label, related locations with labels (the evidence, possibly in other files), notes
//! (why it matters), a help line (what to do), and an optional [`Fix`] made of text edits with an
//! [`Applicability`].

use crate::source::{FileId, Span};

/// Severity, in SARIF's vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    Note,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text {
            "note" | "info" => Some(Level::Note),
            "warning" | "warn" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => None,
        }
    }
}

/// A place in a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pub file: FileId,
    pub span: Span,
}

impl Location {
    pub const fn new(file: FileId, span: Span) -> Location {
        Location { file, span }
    }
}

/// A secondary location with what it shows ("realtime because of this path").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub location: Location,
    pub message: String,
}

/// How safe a fix is to apply without a person looking, as in ruff.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applicability {
    /// Shown, never applied (the edit needs a decision only a person can make).
    DisplayOnly,
    /// Applied with `--unsafe-fixes`: correct in the usual case, but may change behaviour the
    /// author relied on.
    Unsafe,
    /// Applied with `--fix`: keeps meaning apart from the problem it repairs.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::DisplayOnly => "display-only",
            Applicability::Unsafe => "unsafe",
            Applicability::Safe => "safe",
        }
    }
}

/// Replace `span` of `file` with `replacement` (an insertion when the span is empty).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edit {
    pub file: FileId,
    pub span: Span,
    pub replacement: String,
}

impl Edit {
    pub fn insert(file: FileId, offset: u32, text: impl Into<String>) -> Edit {
        Edit {
            file,
            span: Span::empty(offset),
            replacement: text.into(),
        }
    }

    pub fn replace(file: FileId, span: Span, text: impl Into<String>) -> Edit {
        Edit {
            file,
            span,
            replacement: text.into(),
        }
    }

    pub fn delete(file: FileId, span: Span) -> Edit {
        Edit::replace(file, span, String::new())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// Imperative, e.g. "add `timeoutSec: 3600`".
    pub title: String,
    pub applicability: Applicability,
    /// Non-overlapping edits, sorted by file and offset.
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn new(
        title: impl Into<String>,
        applicability: Applicability,
        mut edits: Vec<Edit>,
    ) -> Fix {
        edits.sort();
        Fix {
            title: title.into(),
            applicability,
            edits,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    /// Rule id, e.g. `GKE001`.
    pub rule: &'static str,
    pub level: Level,
    /// What is wrong: lowercase, values in backticks, no trailing period.
    pub message: String,
    pub primary: Location,
    /// Text under the primary span.
    pub label: Option<String>,
    /// Evidence, possibly in other files.
    pub related: Vec<Label>,
    /// Why it matters.
    pub notes: Vec<String>,
    /// What to do.
    pub help: Option<String>,
    pub fix: Option<Fix>,
    /// Stable identity of the finding, independent of line numbers: the resource identity and
    /// field path (or nginx context path). Feeds SARIF `partialFingerprints` and baselines.
    pub identity: String,
    /// Set when a suppression comment or annotation matched: its justification. Suppressed
    /// findings are only shown with `--show-suppressed`.
    pub suppressed: Option<String>,
}

impl Diagnostic {
    /// Renumber every file the finding points into: the findings of one batch of a run, whose
    /// files take their places among all the run's files ([`crate::batch`]). `new_id` must keep
    /// the order of ids (fix edits stay sorted).
    pub fn renumber_files(&mut self, new_id: impl Fn(FileId) -> FileId) {
        self.primary.file = new_id(self.primary.file);
        for label in &mut self.related {
            label.location.file = new_id(label.location.file);
        }
        for edit in self.fix.iter_mut().flat_map(|fix| &mut fix.edits) {
            edit.file = new_id(edit.file);
        }
    }

    pub fn new(
        rule: &'static str,
        level: Level,
        primary: Location,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            rule,
            level,
            message: message.into(),
            primary,
            label: None,
            related: Vec::new(),
            notes: Vec::new(),
            help: None,
            fix: None,
            identity: String::new(),
            suppressed: None,
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn with_related(mut self, location: Location, message: impl Into<String>) -> Diagnostic {
        self.related.push(Label {
            location,
            message: message.into(),
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Diagnostic {
        self.fix = Some(fix);
        self
    }

    pub fn with_identity(mut self, identity: impl Into<String>) -> Diagnostic {
        self.identity = identity.into();
        self
    }
}
