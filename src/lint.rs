//! The pipeline end to end: discover -> load -> model -> rules, for one set of paths.
//! The CLI, the fix loop, tests and benchmarks all call [`lint`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::discover::{self, DiscoverOptions, FileKind, Skipped};
use crate::load::{self, Input, Limits};
use crate::model::Workspace;
use crate::rules;
use crate::settings::Settings;
use crate::source::SourceFile;

/// What to lint and how.
#[derive(Clone, Debug)]
pub struct LintOptions {
    /// Files and directories; `-` is stdin.
    pub paths: Vec<PathBuf>,
    /// The linted root: nothing outside it is read through symlinks or includes.
    pub root: PathBuf,
    /// Content of stdin when `-` is among the paths, and the name to show it under.
    pub stdin: Option<(PathBuf, Vec<u8>)>,
    pub settings: Settings,
    pub limits: Limits,
    /// Glob patterns of paths never linted.
    pub exclude: Vec<String>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Content to use instead of what is on disk (the fix loop's working copy).
    pub overlay: HashMap<PathBuf, String>,
}

impl LintOptions {
    pub fn new(paths: Vec<PathBuf>, root: PathBuf) -> LintOptions {
        LintOptions {
            paths,
            root,
            stdin: None,
            settings: Settings::default(),
            limits: Limits::default(),
            exclude: Vec::new(),
            threads: 0,
            overlay: HashMap::new(),
        }
    }
}

/// The findings, with the files they point into.
#[derive(Debug)]
pub struct LintResult {
    pub files: Vec<SourceFile>,
    /// Sorted by file, line, column, rule.
    pub diagnostics: Vec<Diagnostic>,
    /// Files discovery could not take (symlinks out of the root, unreadable directories).
    pub skipped: Vec<Skipped>,
}

impl LintResult {
    /// Files that failed to parse: never edited by fixes.
    pub fn broken_files(&self) -> std::collections::HashSet<crate::source::FileId> {
        self.diagnostics
            .iter()
            .filter(|d| matches!(d.rule, "LM001" | "LM002" | "LM004"))
            .map(|d| d.primary.file)
            .collect()
    }
}

pub fn lint(options: &LintOptions, enabled: &(dyn Fn(&str) -> bool + Sync)) -> LintResult {
    let mut timer = PhaseTimer::from_env();
    let file_paths: Vec<PathBuf> = options
        .paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let discovered = discover::discover(
        &file_paths,
        &DiscoverOptions {
            root: options.root.clone(),
            exclude: options.exclude.clone(),
            threads: options.threads,
        },
    );
    timer.phase("discover");
    let mut inputs: Vec<Input> = discovered
        .files
        .into_iter()
        .map(|c| {
            let mut input = Input::from(c);
            input.path = clean_path(&input.path);
            input
        })
        .collect();
    if let Some((name, content)) = &options.stdin {
        let kind = discover::classify_by_name(name).unwrap_or(FileKind::Manifest);
        inputs.push(Input {
            path: name.clone(),
            kind,
            explicit: true,
            content: Some(content.clone()),
        });
    }
    for input in &mut inputs {
        if let Some(text) = options.overlay.get(&input.path) {
            input.content = Some(text.clone().into_bytes());
        }
    }
    let mut loaded = load::load(inputs, &options.root, &options.limits);
    timer.phase("load");
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    let ws = Workspace::build(loaded, options.settings.clone());
    timer.phase("model");
    diagnostics.extend(rules::run(&ws, enabled));
    timer.phase("rules");
    diagnostics.retain(|d| enabled(d.rule));
    let mut ws = ws;
    let files = std::mem::take(&mut ws.files);
    drop_in_background(ws);
    sort(&mut diagnostics, &files);
    timer.phase("sort");
    LintResult {
        files,
        diagnostics,
        skipped: discovered.skipped,
    }
}

/// `LINT_MANIFESTS_TIMINGS=1`: the wall time of each phase on stderr (for profiling).
struct PhaseTimer(Option<std::time::Instant>);

impl PhaseTimer {
    fn from_env() -> PhaseTimer {
        PhaseTimer(std::env::var_os("LINT_MANIFESTS_TIMINGS").map(|_| std::time::Instant::now()))
    }

    fn phase(&mut self, name: &str) {
        if let Some(start) = &mut self.0 {
            eprintln!(
                "lint-manifests: {name}: {:.1} ms",
                start.elapsed().as_secs_f64() * 1e3
            );
            *start = std::time::Instant::now();
        }
    }
}

/// Freeing the model (millions of small allocations on a large repository) takes as long as a
/// tenth of the run: do it on another thread, off the path to the report. When the process
/// exits first, the memory goes back to the system with it.
fn drop_in_background(ws: Workspace) {
    let spawned = std::thread::Builder::new()
        .name("lint-manifests-drop".into())
        .spawn(move || drop(ws));
    // Without a thread (resource limits), `ws` was dropped by the failed spawn already.
    let _ = spawned;
}

/// Deterministic order: file path, position, rule, message.
pub fn sort(diagnostics: &mut [Diagnostic], files: &[SourceFile]) {
    diagnostics.sort_by(|a, b| {
        let fa = &files[a.primary.file.0 as usize].path;
        let fb = &files[b.primary.file.0 as usize].path;
        fa.cmp(fb)
            .then(a.primary.span.start.cmp(&b.primary.span.start))
            .then(a.rule.cmp(b.rule))
            .then(a.message.cmp(&b.message))
    });
}

/// `./k8s/a.yaml` -> `k8s/a.yaml`.
pub fn clean_path(path: &Path) -> PathBuf {
    let mut p = path;
    while let Ok(rest) = p.strip_prefix(".") {
        if rest.as_os_str().is_empty() {
            break;
        }
        p = rest;
    }
    p.to_path_buf()
}
