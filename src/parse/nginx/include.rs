//! `include` resolution and the multi-file loader: the one place the nginx parser touches the
//! file system.
//!
//! Relative patterns resolve against the including file's directory, then the main config's
//! directory (crossplane's rule), then the root. Globs (`*`, `?`, `[...]`) are expanded by
//! listing directories, one path component at a time, results sorted; like glob(3) and
//! Python's `glob`, a wildcard does not match a leading `.`. Nothing outside `root` is ever
//! read or listed: every directory and match is canonicalized (symlinks resolved) and checked.

use foldhash::{HashMap, HashMapExt};
use std::fmt;
use std::path::{Component, Path, PathBuf};

use super::{parse_partial, Config, Directive, NginxError};
use crate::source::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IncludeError {
    /// The path (or a directory on the way to it) resolves outside the linted root.
    OutsideRoot { path: PathBuf },
    /// A non-glob pattern that names no file.
    NotFound { pattern: String },
    /// A glob pattern that does not compile.
    BadPattern { pattern: String, message: String },
    /// Reading a directory or file failed.
    Io { path: PathBuf, message: String },
    /// The file is already being included further up the chain (a include loop).
    Loop { path: PathBuf },
    /// Deeper than [`IncludeLimits::max_depth`].
    TooDeep { limit: usize },
    /// More files than [`IncludeLimits::max_files`].
    TooManyFiles { limit: usize },
    /// `include` without an argument.
    MissingArgument,
}

impl fmt::Display for IncludeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IncludeError::OutsideRoot { path } => write!(
                f,
                "\"{}\" is outside the linted root; includes are only followed inside it",
                path.display()
            ),
            IncludeError::NotFound { pattern } => write!(f, "no file matches \"{pattern}\""),
            IncludeError::BadPattern { pattern, message } => {
                write!(f, "invalid include pattern \"{pattern}\": {message}")
            }
            IncludeError::Io { path, message } => {
                write!(f, "cannot read \"{}\": {message}", path.display())
            }
            IncludeError::Loop { path } => {
                write!(f, "include loop: \"{}\" includes itself", path.display())
            }
            IncludeError::TooDeep { limit } => {
                write!(f, "includes nested deeper than {limit} levels")
            }
            IncludeError::TooManyFiles { limit } => {
                write!(f, "more than {limit} files included")
            }
            IncludeError::MissingArgument => write!(f, "include without a file argument"),
        }
    }
}

impl std::error::Error for IncludeError {}

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn canonical_root(root: &Path) -> Result<PathBuf, IncludeError> {
    root.canonicalize().map_err(|e| IncludeError::Io {
        path: root.to_path_buf(),
        message: e.to_string(),
    })
}

/// Resolve an `include` argument written in `including_file`: relative patterns against that
/// file's directory, falling back to `root`. Returned paths are as joined (not canonical), sorted,
/// each checked to resolve inside `root`.
pub fn resolve_include(
    root: &Path,
    including_file: &Path,
    pattern: &str,
) -> Result<Vec<PathBuf>, IncludeError> {
    let dir = including_file.parent().unwrap_or(Path::new(""));
    resolve_in_dirs(root, &[dir, root], pattern)
}

/// Like [`resolve_include`] with explicit base directories, tried in order for a relative
/// pattern until one yields a match.
pub fn resolve_in_dirs(
    root: &Path,
    dirs: &[&Path],
    pattern: &str,
) -> Result<Vec<PathBuf>, IncludeError> {
    let croot = canonical_root(root)?;
    let pat = Path::new(pattern);
    if pat.is_absolute() {
        return resolve_one(&croot, pat, pattern);
    }
    let mut first_err = None;
    let mut seen: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        match resolve_one(&croot, &dir.join(pat), pattern) {
            Ok(v) if !v.is_empty() => return Ok(v),
            Ok(v) => {
                first_err.get_or_insert(Ok(v));
            }
            Err(e) => {
                // Prefer the most telling error: outside-root over not-found.
                match &first_err {
                    None | Some(Ok(_)) => first_err = Some(Err(e)),
                    Some(Err(IncludeError::NotFound { .. })) => first_err = Some(Err(e)),
                    _ => {}
                }
            }
        }
    }
    first_err.unwrap_or_else(|| Ok(Vec::new()))
}

fn inside(croot: &Path, path: &Path) -> Result<PathBuf, IncludeError> {
    match path.canonicalize() {
        Ok(c) if c.starts_with(croot) => Ok(c),
        Ok(_) => Err(IncludeError::OutsideRoot {
            path: path.to_path_buf(),
        }),
        Err(e) => Err(IncludeError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }),
    }
}

fn resolve_one(croot: &Path, full: &Path, pattern: &str) -> Result<Vec<PathBuf>, IncludeError> {
    let text = full.to_string_lossy();
    if !has_magic(&text) {
        if !full.exists() {
            // Nothing there, or a dangling symlink (never read either way).
            return Err(IncludeError::NotFound {
                pattern: pattern.to_string(),
            });
        }
        let c = inside(croot, full)?;
        if c.is_dir() {
            return Err(IncludeError::NotFound {
                pattern: pattern.to_string(),
            });
        }
        return Ok(vec![full.to_path_buf()]);
    }

    // Expand component by component.
    let mut current: Vec<PathBuf> = vec![PathBuf::new()];
    let comps: Vec<Component> = full.components().collect();
    for (i, comp) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        let part = comp.as_os_str().to_string_lossy();
        let mut next = Vec::new();
        if !has_magic(&part) {
            for base in &current {
                let p = base.join(comp.as_os_str());
                if last || p.is_dir() || matches!(comp, Component::ParentDir) {
                    next.push(p);
                }
            }
        } else {
            let matcher = globset::GlobBuilder::new(&part)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|e| IncludeError::BadPattern {
                    pattern: pattern.to_string(),
                    message: e.to_string(),
                })?
                .compile_matcher();
            let hidden_ok = part.starts_with('.');
            for base in &current {
                let list_dir = if base.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    base.as_path()
                };
                if !list_dir.is_dir() {
                    continue;
                }
                // Never list a directory outside the root.
                inside(croot, list_dir)?;
                let entries = std::fs::read_dir(list_dir).map_err(|e| IncludeError::Io {
                    path: list_dir.to_path_buf(),
                    message: e.to_string(),
                })?;
                let mut names: Vec<_> = entries
                    .filter_map(|e| e.ok())
                    .map(|e| e.file_name())
                    .filter(|n| {
                        let s = n.to_string_lossy();
                        (hidden_ok || !s.starts_with('.')) && matcher.is_match(n)
                    })
                    .collect();
                names.sort();
                for n in names {
                    let p = base.join(n);
                    if last || p.is_dir() {
                        next.push(p);
                    }
                }
            }
        }
        current = next;
        if current.is_empty() {
            break;
        }
    }
    let mut out = Vec::new();
    for p in current {
        let c = inside(croot, &p)?;
        if !c.is_dir() {
            out.push(p);
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// Caps for [`load_with_includes`].
#[derive(Clone, Copy, Debug)]
pub struct IncludeLimits {
    pub max_depth: usize,
    pub max_files: usize,
    /// Files larger than this are not read.
    pub max_file_bytes: u64,
}

impl Default for IncludeLimits {
    fn default() -> Self {
        IncludeLimits {
            max_depth: 16,
            max_files: 1000,
            max_file_bytes: 64 << 20,
        }
    }
}

/// One file of an [`NginxTree`].
#[derive(Debug)]
pub struct NginxFile {
    /// As given (main files) or as joined from the include pattern.
    pub path: PathBuf,
    /// Canonical path: the cache key.
    pub canonical: PathBuf,
    /// The text (invalid UTF-8 replaced, like crossplane's `errors='replace'`); empty when
    /// unreadable.
    pub text: String,
    pub config: Result<Config, NginxError>,
    /// When `config` is an error: the directives read before it (see
    /// [`parse_partial`]); their includes are followed, like crossplane does.
    pub partial: Option<Config>,
    /// Include depth: 0 for main files.
    pub depth: usize,
}

/// An `include` directive that was followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncludeEdge {
    /// Index in [`NginxTree::files`] of the file holding the directive.
    pub from: usize,
    /// The whole directive.
    pub directive: Span,
    /// The pattern argument.
    pub arg: Span,
    pub line: u32,
    /// Included files, indices into [`NginxTree::files`], in glob order. Loop edges are left
    /// out (they are in [`NginxTree::unresolved`]), so walking edges always terminates.
    pub to: Vec<usize>,
}

/// An `include` that was not (fully) followed: finding LM003 "include-not-resolved".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnresolvedInclude {
    pub from: usize,
    pub directive: Span,
    pub arg: Span,
    pub line: u32,
    pub pattern: String,
    pub error: IncludeError,
}

#[derive(Debug, Default)]
pub struct NginxTree {
    pub files: Vec<NginxFile>,
    pub edges: Vec<IncludeEdge>,
    pub unresolved: Vec<UnresolvedInclude>,
}

impl NginxTree {
    /// The edge for the include directive at `directive` in file `from`.
    pub fn edge(&self, from: usize, directive: Span) -> Option<&IncludeEdge> {
        self.edges
            .iter()
            .find(|e| e.from == from && e.directive == directive)
    }

    /// Files included by the include directive at `directive` in file `from`, loops
    /// included (crossplane's `includes`).
    pub fn included_indices(&self, from: usize, directive: Span) -> Vec<usize> {
        let mut v: Vec<usize> = self
            .edge(from, directive)
            .map(|e| e.to.clone())
            .unwrap_or_default();
        for u in &self.unresolved {
            if u.from == from && u.directive == directive {
                if let IncludeError::Loop { path } = &u.error {
                    if let Some(i) = self.files.iter().position(|f| &f.canonical == path) {
                        v.push(i);
                    }
                }
            }
        }
        v
    }
}

fn read_text(path: &Path, limits: &IncludeLimits) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if meta.len() > limits.max_file_bytes {
        return Err(format!(
            "file is larger than {} bytes",
            limits.max_file_bytes
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

fn load_file(path: &Path, canonical: PathBuf, depth: usize, limits: &IncludeLimits) -> NginxFile {
    let (text, config, partial) = match read_text(path, limits) {
        Ok(text) => match parse_partial(&text) {
            (config, None) => (text, Ok(config), None),
            (partial, Some(e)) => (text, Err(e), Some(partial)),
        },
        Err(message) => (
            String::new(),
            Err(NginxError {
                span: Span::default(),
                line: 1,
                message: format!("cannot read file: {message}"),
            }),
            None,
        ),
    };
    NginxFile {
        path: path.to_path_buf(),
        canonical,
        text,
        config,
        partial,
        depth,
    }
}

/// Every `include` directive of a config, in source order (nested blocks included).
fn include_directives(config: &Config) -> Vec<&Directive> {
    let mut out = Vec::new();
    let mut stack: Vec<std::slice::Iter<'_, Directive>> = vec![config.directives.iter()];
    while let Some(it) = stack.last_mut() {
        match it.next() {
            Some(d) => {
                if d.name == "include" {
                    out.push(d);
                }
                if let Some(b) = &d.block {
                    stack.push(b.directives.iter());
                }
            }
            None => {
                stack.pop();
            }
        }
    }
    out
}

/// Parse `main` and everything it includes, breadth first like crossplane (file indices
/// match crossplane's `config` indices), each file once.
pub fn load_with_includes(root: &Path, main: &Path, limits: IncludeLimits) -> NginxTree {
    load_many(root, &[main.to_path_buf()], limits, true)
}

/// An include directive of the file being processed: directive span, argument span, line,
/// pattern, resolution.
type Found = (Span, Span, u32, String, Result<Vec<PathBuf>, IncludeError>);

/// Several main files (each at depth 0), optionally following includes.
pub fn load_many(
    root: &Path,
    mains: &[PathBuf],
    limits: IncludeLimits,
    follow_includes: bool,
) -> NginxTree {
    let mut tree = NginxTree::default();
    let mut by_canonical: HashMap<PathBuf, usize> = HashMap::new();
    // main directory of the traversal each file was found in
    let mut main_dir_of: Vec<PathBuf> = Vec::new();
    for main in mains {
        let canonical = main.canonicalize().unwrap_or_else(|_| main.to_path_buf());
        if follow_includes {
            if let Some(_i) = by_canonical.get(&canonical) {
                continue;
            }
            by_canonical.insert(canonical.clone(), tree.files.len());
        }
        tree.files.push(load_file(main, canonical, 0, &limits));
        main_dir_of.push(main.parent().map(Path::to_path_buf).unwrap_or_default());
    }
    if !follow_includes {
        return tree;
    }

    let mut i = 0;
    // parents[file] = files that include it (for loop detection)
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); tree.files.len()];
    while i < tree.files.len() {
        let mut found: Vec<Found> = Vec::new();
        let file = &tree.files[i];
        if let Some(config) = file.config.as_ref().ok().or(file.partial.as_ref()) {
            let including_dir = file.path.parent().unwrap_or(Path::new(""));
            let main_dir = main_dir_of[i].clone();
            for d in include_directives(config) {
                let Some(arg) = d.args.first() else {
                    found.push((
                        d.span,
                        d.name_span,
                        d.line,
                        String::new(),
                        Err(IncludeError::MissingArgument),
                    ));
                    continue;
                };
                let result = if file.depth >= limits.max_depth {
                    Err(IncludeError::TooDeep {
                        limit: limits.max_depth,
                    })
                } else {
                    resolve_in_dirs(root, &[including_dir, &main_dir, root], &arg.value)
                };
                found.push((d.span, arg.span, d.line, arg.value.to_string(), result));
            }
        }
        let depth = tree.files[i].depth;
        let main_dir = main_dir_of[i].clone();
        for (directive, arg, line, pattern, result) in found {
            let paths = match result {
                Ok(p) => p,
                Err(error) => {
                    tree.unresolved.push(UnresolvedInclude {
                        from: i,
                        directive,
                        arg,
                        line,
                        pattern,
                        error,
                    });
                    continue;
                }
            };
            let mut to = Vec::new();
            for path in paths {
                let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
                let index = match by_canonical.get(&canonical) {
                    Some(&j) => j,
                    None => {
                        if tree.files.len() >= limits.max_files {
                            tree.unresolved.push(UnresolvedInclude {
                                from: i,
                                directive,
                                arg,
                                line,
                                pattern: pattern.clone(),
                                error: IncludeError::TooManyFiles {
                                    limit: limits.max_files,
                                },
                            });
                            break;
                        }
                        let j = tree.files.len();
                        by_canonical.insert(canonical.clone(), j);
                        tree.files
                            .push(load_file(&path, canonical.clone(), depth + 1, &limits));
                        main_dir_of.push(main_dir.clone());
                        parents.push(Vec::new());
                        j
                    }
                };
                if j_reaches(&parents, i, index) {
                    tree.unresolved.push(UnresolvedInclude {
                        from: i,
                        directive,
                        arg,
                        line,
                        pattern: pattern.clone(),
                        error: IncludeError::Loop { path: canonical },
                    });
                    continue;
                }
                if !parents[index].contains(&i) {
                    parents[index].push(i);
                }
                to.push(index);
            }
            tree.edges.push(IncludeEdge {
                from: i,
                directive,
                arg,
                line,
                to,
            });
        }
        i += 1;
    }
    tree
}

/// Is `target` equal to `from` or one of its (transitive) includers? Then `from -> target`
/// closes a loop.
fn j_reaches(parents: &[Vec<usize>], from: usize, target: usize) -> bool {
    let mut seen = vec![false; parents.len()];
    let mut stack = vec![from];
    while let Some(n) = stack.pop() {
        if n == target {
            return true;
        }
        if std::mem::replace(&mut seen[n], true) {
            continue;
        }
        stack.extend(parents[n].iter().copied());
    }
    false
}
