//! Loading: read the discovered files (in parallel), parse them, and turn everything that
//! cannot be read into a finding with a position. Nothing here panics on input, and one bad
//! file never stops the others.
//!
//! This stage also follows nginx `include`s, because that needs the file system: the result
//! records, for every `include` directive, which loaded files it names or why it names none.
//! The model stage after it is pure.

use foldhash::{HashMap, HashMapExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::diagnostic::{Diagnostic, Level, Location};
use crate::discover::{Candidate, FileKind};
use crate::parse::nginx::include::{resolve_in_dirs, IncludeError};
use crate::parse::{nginx, yaml};
use crate::source::{to_u32, FileId, SharedText, SourceFile, Span};

#[derive(Clone, Debug)]
pub struct Limits {
    /// Files larger than this are reported and skipped.
    pub max_file_size: u64,
    /// At most this many files are read.
    pub max_files: usize,
    pub yaml: yaml::YamlLimits,
    /// Nested `include` levels followed.
    pub max_include_depth: usize,
    /// Files read through `include` in one run.
    pub max_included_files: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_size: 10 * 1024 * 1024,
            max_files: 200_000,
            yaml: yaml::YamlLimits::default(),
            max_include_depth: 16,
            max_included_files: 1_000,
        }
    }
}

/// One input: a discovered file, or stdin with the name it should be shown under.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    pub kind: FileKind,
    pub explicit: bool,
    /// Content already in memory (stdin).
    pub content: Option<Vec<u8>>,
}

impl From<Candidate> for Input {
    fn from(c: Candidate) -> Input {
        Input {
            path: c.path,
            kind: c.kind,
            explicit: c.explicit,
            content: None,
        }
    }
}

/// What an `include` directive resolved to.
#[derive(Clone, Debug)]
pub enum IncludeTarget {
    Files(Vec<FileId>),
    /// Not read; the reason is said by LM003 (or nothing, for files every nginx image ships).
    Unresolved(String),
}

#[derive(Debug, Default)]
pub struct Loaded {
    pub files: Vec<SourceFile>,
    pub manifests: Vec<(FileId, yaml::YamlStream)>,
    pub nginx: Vec<(FileId, nginx::Config)>,
    /// Files named on the command line (or stdin), not found by walking a directory.
    pub explicit: Vec<FileId>,
    /// Files read only because an `include` named them (they are not linted on their own).
    pub included_only: Vec<FileId>,
    /// For each file read from an input, the input's position among those given to [`load`]
    /// (files that are not manifests or nginx configs are left out, so the two differ).
    pub input_of_file: Vec<u32>,
    /// `(file of the include directive, span of the directive)` to what it includes.
    pub includes: HashMap<(FileId, Span), IncludeTarget>,
    pub diagnostics: Vec<Diagnostic>,
}

enum Parsed {
    Manifest(yaml::YamlStream),
    Nginx(nginx::Config),
    /// Valid YAML/JSON without any Kubernetes resource: not ours.
    NotAManifest,
    Failed(Diagnostic),
}

/// Files every nginx image ships next to nginx.conf: an include of these is not a finding.
const STOCK_NGINX_FILES: &[&str] = &[
    "mime.types",
    "fastcgi_params",
    "fastcgi.conf",
    "scgi_params",
    "uwsgi_params",
    "proxy_params",
    "koi-utf",
    "koi-win",
    "win-utf",
];

/// Keep the first `limits.max_files` inputs, and say so when that leaves some out.
pub fn truncate_to_limit(inputs: &mut Vec<Input>, limits: &Limits) {
    if inputs.len() > limits.max_files {
        eprintln!(
            "lint-manifests: {} files found, linting the first {} (raise `limits.max-files`)",
            inputs.len(),
            limits.max_files
        );
        inputs.truncate(limits.max_files);
    }
}

pub fn load(mut inputs: Vec<Input>, root: &Path, limits: &Limits) -> Loaded {
    let mut loaded = Loaded::default();
    truncate_to_limit(&mut inputs, limits);
    let results: Vec<(bool, SourceFile, Parsed)> = inputs
        .into_par_iter()
        .map(|input| {
            let explicit = input.explicit;
            let (file, parsed) = read_and_parse(input, limits);
            (explicit, file, parsed)
        })
        .collect();
    loaded.files.reserve_exact(results.len());
    loaded.manifests.reserve_exact(results.len());
    loaded.input_of_file.reserve_exact(results.len());
    for (input, (explicit, file, parsed)) in results.into_iter().enumerate() {
        let id = FileId(to_u32(loaded.files.len()));
        match parsed {
            Parsed::NotAManifest => continue,
            Parsed::Manifest(stream) => loaded.manifests.push((id, stream)),
            Parsed::Nginx(config) => loaded.nginx.push((id, config)),
            Parsed::Failed(mut diagnostic) => {
                diagnostic.primary.file = id;
                loaded.diagnostics.push(diagnostic);
            }
        }
        if explicit {
            loaded.explicit.push(id);
        }
        loaded.files.push(file);
        loaded.input_of_file.push(to_u32(input));
    }
    follow_includes(&mut loaded, root, limits);
    loaded
}

fn read_and_parse(input: Input, limits: &Limits) -> (SourceFile, Parsed) {
    let Input {
        path,
        kind,
        explicit,
        content,
    } = input;
    let rule = match kind {
        FileKind::Manifest => "LM001",
        FileKind::Nginx => "LM002",
    };
    let failed = |text: String, offset: usize, message: String| {
        let file = SourceFile::new(path.clone(), text);
        let span = Span::empty(to_u32(offset));
        let diag = Diagnostic::new(rule, Level::Error, Location::new(FileId(0), span), message)
            .with_identity("file");
        (file, Parsed::Failed(diag))
    };
    let bytes = match content {
        Some(bytes) => bytes,
        None => match read_limited(&path, limits.max_file_size) {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(len)) => {
                return failed(
                    String::new(),
                    0,
                    format!(
                        "file is {} bytes, over the {}-byte limit; skipped (raise `limits.max-file-size`)",
                        len, limits.max_file_size
                    ),
                )
            }
            Err(e) => return failed(String::new(), 0, format!("cannot read file: {e}")),
        },
    };
    if bytes.len() as u64 > limits.max_file_size {
        return failed(
            String::new(),
            0,
            format!(
                "input is {} bytes, over the {}-byte limit; skipped",
                bytes.len(),
                limits.max_file_size
            ),
        );
    }
    if let Some(nul) = memchr::memchr(0, &bytes[..bytes.len().min(8192)]) {
        if !explicit && kind == FileKind::Nginx {
            // A binary file with a config-like name: not ours.
            return (
                SourceFile::new(path.clone(), String::new()),
                Parsed::NotAManifest,
            );
        }
        return failed(
            String::new(),
            0,
            format!("binary file (NUL byte at offset {nul}); skipped"),
        );
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.into_bytes();
            let prefix = String::from_utf8_lossy(&bytes[..valid]).into_owned();
            return failed(
                prefix,
                valid,
                format!(
                    "file is not valid UTF-8 (invalid byte 0x{:02x} here); skipped",
                    bytes[valid]
                ),
            );
        }
    };
    // Shared by the file and its YAML trees (the buffer moves, it is not copied).
    let text: SharedText = Arc::new(text);
    let parsed = match kind {
        FileKind::Manifest => parse_manifest(&path, &text, explicit, limits),
        FileKind::Nginx => match nginx::parse(&text) {
            Ok(config) => Parsed::Nginx(config),
            Err(e) => Parsed::Failed(
                Diagnostic::new(
                    "LM002",
                    Level::Error,
                    Location::new(FileId(0), e.span),
                    format!("invalid nginx config: {}", e.message),
                )
                .with_identity("file"),
            ),
        },
    };
    (SourceFile::shared(path, text), parsed)
}

/// Read an input's bytes into its `content`, for [`load`] to take from there. A file that
/// cannot be read, or is too large, is left to [`load`], which reads it again and says why.
pub(crate) fn prefetch(input: &mut Input, limits: &Limits) {
    if input.content.is_none() {
        if let Ok(Ok(bytes)) = read_limited(&input.path, limits.max_file_size) {
            input.content = Some(bytes);
        }
    }
}

/// Parse a manifest input the way [`load`] will, and hand its documents to `look` (for
/// [`crate::batch`], which places files before the run). The bytes read stay in
/// `input.content`, so the run reads each file once. `None` for anything [`load`] would not
/// parse as a manifest (nginx files, unreadable, binary, too large, not UTF-8, templates,
/// syntax errors, YAML without resources): [`load`] reports those as it always does.
pub(crate) fn peek_manifest<T>(
    input: &mut Input,
    limits: &Limits,
    look: impl FnOnce(yaml::YamlStream) -> T,
) -> Option<T> {
    if input.kind != FileKind::Manifest {
        return None;
    }
    prefetch(input, limits);
    let bytes = input.content.take()?;
    let binary = memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some();
    if bytes.len() as u64 > limits.max_file_size || binary {
        input.content = Some(bytes);
        return None;
    }
    let text: SharedText = match String::from_utf8(bytes) {
        Ok(text) => Arc::new(text),
        Err(e) => {
            input.content = Some(e.into_bytes());
            return None;
        }
    };
    let looked = match parse_manifest(&input.path, &text, input.explicit, limits) {
        Parsed::Manifest(stream) => Some(look(stream)),
        _ => None,
    };
    // The trees are gone: the text is the input's again (moved back, not copied).
    let text = Arc::try_unwrap(text).unwrap_or_else(|shared| shared.as_str().to_owned());
    input.content = Some(text.into_bytes());
    looked
}

/// Read a file whose size is at most `max` (`Err(size)` when larger) with the fewest system
/// calls. On 50,000 small files the calls, not the bytes, are what reading costs: a file is
/// read into a per-thread buffer first, without asking its size (a read short of the buffer
/// is the end of a regular file); one that fills the buffer is sized with `fstat` and read on.
fn read_limited(path: &Path, max: u64) -> std::io::Result<Result<Vec<u8>, u64>> {
    use std::io::Read;
    const FIRST_READ: usize = 64 * 1024;
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut file = std::fs::File::open(path)?;
    // The first read, and whether it filled the buffer (then the file goes on).
    let (mut bytes, full) = BUFFER.with(|buffer| -> std::io::Result<(Vec<u8>, bool)> {
        let mut buffer = buffer.borrow_mut();
        buffer.resize(FIRST_READ, 0);
        loop {
            match file.read(&mut buffer[..]) {
                Ok(n) => return Ok((buffer[..n].to_vec(), n == FIRST_READ)),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    })?;
    if !full {
        if bytes.len() as u64 > max {
            return Ok(Err(bytes.len() as u64));
        }
        return Ok(Ok(bytes));
    }
    let len = file.metadata()?.len();
    if len > max {
        return Ok(Err(len));
    }
    // The rest of a large file, sized by fstat; a read short of it is its end (no probe read).
    let len = len as usize;
    let mut filled = bytes.len();
    bytes.resize(len.max(filled) + 1, 0);
    loop {
        match file.read(&mut bytes[filled..]) {
            Ok(0) => break,
            Ok(n) => {
                filled += n;
                if filled == len {
                    break;
                }
                if filled == bytes.len() {
                    // The file grew since fstat: read the rest, still within the limit.
                    bytes.truncate(filled);
                    file.take(max.saturating_sub(filled as u64) + 1)
                        .read_to_end(&mut bytes)?;
                    filled = bytes.len();
                    break;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    bytes.truncate(filled);
    Ok(Ok(bytes))
}

fn parse_manifest(path: &Path, text: &SharedText, explicit: bool, limits: &Limits) -> Parsed {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if looks_like_template(path, text) {
        let offset = text.find("{{").unwrap_or(0);
        return Parsed::Failed(
            Diagnostic::new(
                "LM004",
                Level::Note,
                Location::new(FileId(0), Span::new(to_u32(offset), to_u32(offset + 2))),
                "Helm/Go template syntax: this file is linted after rendering",
            )
            .with_help("lint the rendered manifests: `helm template . | lint-manifests -`")
            .with_identity("file"),
        );
    }
    match yaml::parse_shared(text, &limits.yaml) {
        Ok(stream) => {
            if stream.documents.iter().any(|d| is_resource_like(d.root())) {
                Parsed::Manifest(stream)
            } else {
                Parsed::NotAManifest
            }
        }
        // JSON files that are not YAML-clean (comments, trailing commas) are someone else's
        // config unless they look like a manifest or were named explicitly.
        Err(_) if is_json && !explicit && !text.contains("\"apiVersion\"") => Parsed::NotAManifest,
        Err(e) if has_template_action(text) => Parsed::Failed(
            Diagnostic::new(
                "LM004",
                Level::Note,
                Location::new(FileId(0), e.span),
                format!("not valid YAML ({}), and it contains template syntax: this file is linted after rendering", e.message),
            )
            .with_help("lint the rendered manifests: `helm template . | lint-manifests -`")
            .with_identity("file"),
        ),
        Err(e) => Parsed::Failed(
            Diagnostic::new("LM001", Level::Error, Location::new(FileId(0), e.span), format!("invalid YAML: {}", e.message))
                .with_help("fix the syntax error; the rest of the repository is still linted")
                .with_identity("file"),
        ),
    }
}

/// `{{` that opens a Go template action; GitHub Actions expressions (`${{ }}`) are not.
fn has_template_action(text: &str) -> bool {
    text.match_indices("{{")
        .any(|(i, _)| i == 0 || text.as_bytes()[i - 1] != b'$')
}

/// A Helm chart template: under a `templates/` folder with `{{ ... }}` actions.
fn looks_like_template(path: &Path, text: &str) -> bool {
    text.contains("{{") && path.components().any(|c| c.as_os_str() == "templates")
}

/// A mapping with `apiVersion` and `kind` (a `List` counts: its items are resources).
fn is_resource_like(node: yaml::Node<'_>) -> bool {
    node.get("apiVersion").is_some() && node.get("kind").is_some()
}

/// Resolve every `include` of every loaded nginx file, reading included files that were not
/// discovered (inside the root only), breadth first, with depth and count caps.
fn follow_includes(loaded: &mut Loaded, root: &Path, limits: &Limits) {
    let root_canon = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut by_path: HashMap<PathBuf, FileId> = HashMap::new();
    for &(id, _) in &loaded.nginx {
        if let Ok(canon) = loaded.files[id.0 as usize].path.canonicalize() {
            by_path.insert(canon, id);
        }
    }
    let mut queue: Vec<(FileId, usize)> = loaded.nginx.iter().map(|&(id, _)| (id, 0)).collect();
    // FileId -> index in `loaded.nginx` (a scan per file was quadratic in nginx files).
    let mut position: HashMap<FileId, usize> = loaded
        .nginx
        .iter()
        .enumerate()
        .map(|(i, &(id, _))| (id, i))
        .collect();
    let mut read_count = 0usize;
    while let Some((file_id, depth)) = queue.pop() {
        let Some(&index) = position.get(&file_id) else {
            continue;
        };
        // Only the `include` directives (span, pattern) are needed, not a copy of the config.
        let directives: Vec<(Span, Option<String>)> =
            include_directives(&loaded.nginx[index].1.directives)
                .into_iter()
                .map(|d| (d.span, d.arg(0).map(String::from)))
                .collect();
        if directives.is_empty() {
            continue;
        }
        let including = loaded.files[file_id.0 as usize].path.clone();
        // Relative includes resolve against nginx's prefix, which is not written anywhere:
        // try the including file's directory and each parent up to the root.
        let canonical = including
            .canonicalize()
            .unwrap_or_else(|_| including.clone());
        for (directive_span, pattern) in directives {
            let key = (file_id, directive_span);
            let Some(pattern) = pattern.as_deref() else {
                continue;
            };
            let bases: Vec<&Path> = canonical
                .ancestors()
                .skip(1)
                .take_while(|dir| dir.starts_with(&root_canon))
                .collect();
            let bases = if bases.is_empty() {
                vec![root_canon.as_path()]
            } else {
                bases
            };
            let target = match resolve_in_dirs(&root_canon, &bases, pattern) {
                Err(IncludeError::OutsideRoot { path }) if is_stock(&path) => {
                    IncludeTarget::Unresolved(String::new())
                }
                Err(IncludeError::NotFound { pattern }) if is_stock(Path::new(&pattern)) => {
                    IncludeTarget::Unresolved(String::new())
                }
                Err(e) => IncludeTarget::Unresolved(e.to_string()),
                Ok(paths) if depth >= limits.max_include_depth => {
                    let _ = paths;
                    IncludeTarget::Unresolved(format!(
                        "include nesting deeper than {}; not followed",
                        limits.max_include_depth
                    ))
                }
                Ok(paths) => {
                    let mut ids = Vec::new();
                    for path in paths {
                        let canon = path.canonicalize().unwrap_or(path.clone());
                        if let Some(&id) = by_path.get(&canon) {
                            ids.push(id);
                            continue;
                        }
                        if read_count >= limits.max_included_files {
                            continue;
                        }
                        read_count += 1;
                        let (file, parsed) = read_and_parse(
                            Input {
                                path: display_path(&path),
                                kind: FileKind::Nginx,
                                explicit: true,
                                content: None,
                            },
                            limits,
                        );
                        let id = FileId(to_u32(loaded.files.len()));
                        loaded.files.push(file);
                        by_path.insert(canon, id);
                        loaded.included_only.push(id);
                        match parsed {
                            Parsed::Nginx(config) => {
                                position.insert(id, loaded.nginx.len());
                                loaded.nginx.push((id, config));
                                queue.push((id, depth + 1));
                                ids.push(id);
                            }
                            Parsed::Failed(mut d) => {
                                d.primary.file = id;
                                loaded.diagnostics.push(d);
                            }
                            _ => {}
                        }
                    }
                    IncludeTarget::Files(ids)
                }
            };
            loaded.includes.insert(key, target);
        }
    }
}

fn is_stock(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| STOCK_NGINX_FILES.contains(&n))
}

/// Paths shown to users are relative to the current directory when they can be.
fn display_path(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().ok();
    cwd.and_then(|cwd| {
        let canon_cwd = cwd.canonicalize().ok()?;
        path.strip_prefix(&canon_cwd).ok().map(Path::to_path_buf)
    })
    .unwrap_or_else(|| path.to_path_buf())
}

/// Every `include` directive, at any depth.
pub fn include_directives(directives: &[nginx::Directive]) -> Vec<&nginx::Directive> {
    let mut found = Vec::new();
    let mut stack: Vec<&nginx::Directive> = directives.iter().rev().collect();
    while let Some(d) = stack.pop() {
        if d.name == "include" {
            found.push(d);
        }
        stack.extend(d.children().iter().rev());
    }
    found
}

#[cfg(test)]
mod tests {
    use super::read_limited;

    #[test]
    fn reads_files_around_the_first_buffer_size_whole() {
        let dir = tempfile::tempdir().unwrap();
        for len in [0usize, 10, 65_535, 65_536, 65_537, 200_000] {
            let path = dir.path().join(format!("f{len}.yaml"));
            let text: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            std::fs::write(&path, &text).unwrap();
            assert_eq!(
                read_limited(&path, 10 << 20).unwrap(),
                Ok(text),
                "{len} bytes"
            );
            if len > 0 {
                let limit = len as u64 - 1;
                assert_eq!(
                    read_limited(&path, limit).unwrap(),
                    Err(len as u64),
                    "{len} bytes"
                );
            }
        }
    }
}
