//! The pipeline end to end: discover -> load -> model -> rules, for one set of paths.
//! The CLI, the fix loop, tests and benchmarks all call [`lint`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::batch::{self, Batching};
use crate::config::{partial_repo_level, ConfigError, Resolved, Resolver};
use crate::diagnostic::Diagnostic;
use crate::discover::{self, DiscoverOptions, FileKind, Skipped};
use crate::load::{self, Input, Limits};
use crate::model::Workspace;
use crate::rules;
use crate::settings::Settings;
use crate::source::{to_u32, FileId, SourceFile};
use crate::suppress;

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
    /// Per-file configuration (selection, levels, per-file ignores, excludes). `None`: every
    /// rule the `enabled` callback allows, at its default level.
    pub config: Option<Arc<Resolver>>,
    /// Report only findings located in these files (pre-commit style: the whole project is
    /// loaded for links, the given files are reported). `None` reports everything.
    pub report_only: Option<Vec<PathBuf>>,
    /// How the model is freed once the findings are out.
    pub free_model: FreeModel,
    /// Whether a large run is linted in batches of unrelated files ([`batch`]).
    pub batching: Batching,
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
            config: None,
            report_only: None,
            free_model: FreeModel::InBackground,
            batching: Batching::Auto,
        }
    }
}

/// Freeing the model (millions of small allocations on a large repository) takes as long as a
/// tenth of the run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FreeModel {
    /// On another thread, off the path to the report.
    #[default]
    InBackground,
    /// Before returning (leak checkers, tests that count allocations).
    Now,
    /// Not at all: the caller exits once the report is out (a one-shot CLI run), and the
    /// operating system takes the memory back at once (as clang's `-disable-free` does).
    Never,
}

/// The findings, with the files they point into.
#[derive(Debug)]
pub struct LintResult {
    pub files: Vec<SourceFile>,
    /// Sorted by file, line, column, rule.
    pub diagnostics: Vec<Diagnostic>,
    /// Files discovery could not take (symlinks out of the root, unreadable directories).
    pub skipped: Vec<Skipped>,
    /// Configuration files that could not be used (the CLI exits 2).
    pub config_errors: Vec<ConfigError>,
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
        .into_par_iter()
        .map(|c| {
            let mut input = Input::from(c);
            input.path = display_path(&input.path);
            input
        })
        .collect();
    // A file both named and found by a walk: once, as named.
    inputs.par_sort_by_cached_key(|input| {
        (
            discover::path_sort_key(&input.path),
            std::cmp::Reverse(input.explicit),
        )
    });
    inputs.dedup_by(|later, first| later.path == first.path);
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
    let mut config_errors: Vec<ConfigError> = Vec::new();
    let resolver = options.config.as_deref();
    // Settings, and whether `exclude` leaves the directory out, once per directory as written:
    // the files of a directory share both, and resolving them asks the file system whether the
    // directory (and its parents) holds a configuration file.
    let mut by_dir: foldhash::HashMap<std::ffi::OsString, DirSettings> = Default::default();
    if let Some(resolver) = resolver {
        // Resolving a directory asks the file system about it and each parent: on 20,000
        // directories that is a serial step of ~70 ms, so the directories of the walk are
        // resolved in parallel first (errors kept in the order of the directories).
        let mut dirs: Vec<&Path> = inputs.iter().map(|i| written_dir(&i.path)).collect();
        dirs.dedup();
        let resolved: Vec<(DirSettings, Option<ConfigError>)> = dirs
            .par_iter()
            .map(|dir| DirSettings::resolve(resolver, dir))
            .collect();
        for (dir, (settings, error)) in dirs.iter().zip(resolved) {
            if let Some(e) = error {
                if !config_errors.contains(&e) {
                    config_errors.push(e);
                }
            }
            by_dir.insert(dir.as_os_str().to_owned(), settings);
        }
        // `exclude` applies to what directory walks find, never to files named explicitly.
        let keep: Vec<bool> = inputs
            .par_iter()
            .map(|input| {
                input.explicit
                    || !by_dir
                        .get(written_dir(&input.path).as_os_str())
                        .is_some_and(|dir| dir.excludes(&input.path))
            })
            .collect();
        let mut keep = keep.into_iter();
        inputs.retain(|_| keep.next().unwrap_or(true));
    }
    let mut settings_of_dir = |path: &Path| -> DirSettings {
        let dir = written_dir(path);
        if let Some(known) = by_dir.get(dir.as_os_str()) {
            return known.clone();
        }
        let (settings, error) = match resolver {
            Some(resolver) => DirSettings::resolve(resolver, dir),
            None => (DirSettings::default(), None),
        };
        if let Some(e) = error {
            if !config_errors.contains(&e) {
                config_errors.push(e);
            }
        }
        by_dir.insert(dir.as_os_str().to_owned(), settings.clone());
        settings
    };
    timer.phase("settings");
    // Batches only where the whole repository is the context: a pre-commit run reports a few
    // files, and standard input may be a rendering of several sources.
    let planned = if options.stdin.is_none() && options.report_only.is_none() {
        batch::plan(inputs, &options.limits, options.batching)
    } else {
        Err(inputs)
    };
    let (files, mut diagnostics) = match planned {
        Err(inputs) => {
            let loaded = load::load(inputs, &options.root, &options.limits);
            timer.phase("load");
            let per_file = settings_per_file(&loaded.files, &mut settings_of_dir);
            let (files, diagnostics, ws) =
                lint_loaded(loaded, per_file, options, enabled, &mut timer);
            free(ws, options.free_model);
            (files, diagnostics)
        }
        Ok(batches) => {
            timer.phase("plan");
            let count = batches.len();
            let linted = lint_batches(batches, options, enabled, &mut settings_of_dir);
            timer.phase(&format!("{count} batches"));
            linted
        }
    };
    sort(&mut diagnostics, &files);
    timer.phase("sort");
    rules::print_timings();
    LintResult {
        files,
        diagnostics,
        skipped: discovered.skipped,
        config_errors,
    }
}

/// A run in batches ([`batch`]): each batch loaded, modeled and linted, its findings and files
/// merged into the run's order.
fn lint_batches(
    batches: Vec<batch::Batch>,
    options: &LintOptions,
    enabled: &(dyn Fn(&str) -> bool + Sync),
    settings_of_dir: &mut dyn FnMut(&Path) -> DirSettings,
) -> (Vec<SourceFile>, Vec<Diagnostic>) {
    // Every batch's files and findings, appended as the batches are done (file ids shifted
    // past the earlier batches'), then put in the run's order at the end.
    let mut merged = Merged::with_files(batches.iter().map(|b| b.inputs.len()).sum());
    let load_batch = |batch: batch::Batch| {
        let loaded = load::load(batch.inputs, &options.root, &options.limits);
        // Where each file stands among all the run's inputs, for the merge.
        let positions: Vec<u32> = loaded
            .input_of_file
            .iter()
            .map(|&i| batch.positions[i as usize])
            .collect();
        (loaded, positions)
    };
    let mut batches = batches.into_iter();
    let mut loaded = batches.next().map(load_batch);
    // The model of the batch before, freed beside this one.
    let mut previous: Option<Workspace> = None;
    while let Some((current, positions)) = loaded.take() {
        let per_file = settings_per_file(&current.files, settings_of_dir);
        let next = batches.next();
        let to_free = previous.take();
        // While a batch is linted, the model before it is freed and the next batch is parsed:
        // the serial steps between the parallel ones of a batch would leave a core idle. At
        // most three batches are in memory: that is the point.
        let ((files, found, ws), next) = rayon::join(
            || lint_loaded(current, per_file, options, enabled, &mut PhaseTimer(None)),
            || {
                drop(to_free);
                next.map(load_batch)
            },
        );
        match options.free_model {
            FreeModel::Now => drop(ws),
            FreeModel::InBackground | FreeModel::Never => previous = Some(ws),
        }
        loaded = next;
        merged.add(files, positions, found);
    }
    if let Some(ws) = previous {
        free(ws, options.free_model);
    }
    merged.in_run_order()
}

/// Free a model the way `how` says.
fn free(ws: Workspace, how: FreeModel) {
    match how {
        FreeModel::InBackground => drop_in_background(ws),
        FreeModel::Now => drop(ws),
        FreeModel::Never => std::mem::forget(ws),
    }
}

/// The files and findings of the batches done so far.
struct Merged {
    files: Vec<SourceFile>,
    /// Each file's position among the run's inputs.
    positions: Vec<u32>,
    findings: Vec<Diagnostic>,
}

impl Merged {
    fn with_files(capacity: usize) -> Merged {
        Merged {
            files: Vec::with_capacity(capacity),
            positions: Vec::with_capacity(capacity),
            findings: Vec::new(),
        }
    }

    /// A batch's files (`positions` among the run's inputs) and its findings, which point into
    /// them.
    fn add(&mut self, files: Vec<SourceFile>, positions: Vec<u32>, mut findings: Vec<Diagnostic>) {
        let offset = to_u32(self.files.len());
        findings
            .par_iter_mut()
            .for_each(|d| d.renumber_files(|f| FileId(f.0 + offset)));
        self.files.extend(files);
        self.positions.extend(positions);
        self.findings.extend(findings);
    }

    /// The files in the order a run in one piece has them (the order of the inputs, which were
    /// sorted by path), and the findings renumbered to point into them. In place: the end of a
    /// run is where its memory peaks.
    fn in_run_order(mut self) -> (Vec<SourceFile>, Vec<Diagnostic>) {
        let mut order: Vec<u32> = (0..to_u32(self.files.len())).collect();
        order.par_sort_unstable_by_key(|&i| self.positions[i as usize]);
        let mut new_id = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_id[old as usize] = to_u32(new);
        }
        self.findings
            .par_iter_mut()
            .for_each(|d| d.renumber_files(|f| FileId(new_id[f.0 as usize])));
        // Each file moves to its new place, one cycle of the permutation at a time.
        for start in 0..new_id.len() {
            while new_id[start] as usize != start {
                let target = new_id[start] as usize;
                self.files.swap(start, target);
                new_id.swap(start, target);
            }
        }
        (self.files, self.findings)
    }
}

/// The settings of each loaded file. Files come in path order: the files of a directory are
/// consecutive and share settings.
fn settings_per_file(
    files: &[SourceFile],
    settings_of_dir: &mut dyn FnMut(&Path) -> DirSettings,
) -> Vec<Option<Arc<Resolved>>> {
    let mut last: Option<(&Path, Option<Arc<Resolved>>)> = None;
    let mut per_file: Vec<Option<Arc<Resolved>>> = Vec::with_capacity(files.len());
    for file in files {
        let dir = written_dir(&file.path);
        let settings = match &last {
            Some((known, settings)) if known.as_os_str() == dir.as_os_str() => settings.clone(),
            _ => settings_of_dir(&file.path).settings,
        };
        last = Some((dir, settings.clone()));
        per_file.push(settings);
    }
    per_file
}

/// Everything after loading, for one loaded set of files (the whole run, or one batch): the
/// model, the rules, settings and suppressions. The findings point into the files returned;
/// the model, without its files, is returned for the caller to free as it sees fit.
fn lint_loaded(
    mut loaded: load::Loaded,
    per_file: Vec<Option<Arc<Resolved>>>,
    options: &LintOptions,
    enabled: &(dyn Fn(&str) -> bool + Sync),
    timer: &mut PhaseTimer,
) -> (Vec<SourceFile>, Vec<Diagnostic>, Workspace) {
    let resolver = options.config.as_deref();
    let mut diagnostics = std::mem::take(&mut loaded.diagnostics);
    let mut comments = suppress::collect_comments(&loaded);
    // A pre-commit run reports the files it was given: the model needs only what can change
    // findings there (the walk of the project found the rest, which is context).
    let reported: Option<foldhash::HashSet<FileId>> = options
        .report_only
        .as_ref()
        .map(|_| loaded.explicit.iter().copied().collect());
    let mut ws = Workspace::build_for(loaded, options.settings.clone(), reported.as_ref());
    timer.phase("model");
    // Whether `rule` applies to `file`: enabled there and not turned off by a per-file ignore.
    let ran = |file: FileId, rule: &str| -> bool {
        if !enabled(rule) {
            return false;
        }
        let Some(r) = per_file.get(file.0 as usize).and_then(Option::as_ref) else {
            return true;
        };
        r.is_enabled(rule)
            && crate::registry::lookup(rule)
                .is_none_or(|meta| !r.per_file_ignored(&ws.files[file.0 as usize].path, meta))
    };
    let run_rule = |rule: &str| -> bool {
        enabled(rule)
            && (resolver.is_none()
                || per_file.is_empty()
                || per_file
                    .iter()
                    .any(|r| r.as_ref().is_none_or(|r| r.is_enabled(rule))))
    };
    diagnostics.extend(rules::run(&ws, &run_rule));
    timer.phase("rules");
    let admit = |d: &mut Diagnostic| -> bool {
        if !ran(d.primary.file, d.rule) {
            return false;
        }
        d.level = partial_repo_level(d.rule, d.level, ws.settings.partial_repo);
        if let Some(r) = per_file
            .get(d.primary.file.0 as usize)
            .and_then(Option::as_ref)
        {
            if let Some(level) = r.level(d.rule) {
                d.level = level;
            }
        }
        true
    };
    // Rule settings and per-file ignores for every finding: in parallel (a large run has tens of
    // thousands), then the rejected ones dropped in order.
    let admitted: Vec<bool> = diagnostics.par_iter_mut().map(&admit).collect();
    let mut admitted = admitted.into_iter();
    diagnostics.retain(|_| admitted.next().unwrap_or(false));
    comments.extend(suppress::embedded_comments(&ws));
    let mut own = suppress::apply(&ws, &comments, &mut diagnostics, &ran);
    own.retain_mut(|d| admit(d));
    diagnostics.extend(own);
    if let Some(only) = &options.report_only {
        retain_in_files(&mut diagnostics, &ws.files, only);
    }
    if let Some((name, _)) = &options.stdin {
        crate::rendered::map_rendered_sources(&mut diagnostics, &mut ws.files, name, &options.root);
    }
    let files = std::mem::take(&mut ws.files);
    (files, diagnostics, ws)
}

/// Keep the findings whose primary location is in one of `only` (compared canonically, so
/// `./a.yaml`, `a.yaml` and an absolute path name the same file).
fn retain_in_files(diagnostics: &mut Vec<Diagnostic>, files: &[SourceFile], only: &[PathBuf]) {
    let wanted: foldhash::HashSet<PathBuf> = only
        .iter()
        .map(|p| p.canonicalize().unwrap_or_else(|_| clean_path(p)))
        .collect();
    // Only the files that have findings are resolved: the repository context of a pre-commit
    // run is hundreds of files, and a `canonicalize` is a system call per path component.
    let mut keep: HashMap<FileId, bool> = HashMap::new();
    diagnostics.retain(|d| {
        let file = d.primary.file;
        *keep.entry(file).or_insert_with(|| {
            files.get(file.0 as usize).is_some_and(|f| {
                wanted.contains(
                    &f.path
                        .canonicalize()
                        .unwrap_or_else(|_| clean_path(&f.path)),
                )
            })
        })
    });
}

/// The project root for a run on explicit files: the directory of the closest
/// `.lint-manifests.toml` up from `start`, else the git top level, else `None` (the caller
/// uses the current directory).
pub fn project_root(start: &Path) -> Option<PathBuf> {
    let start = start.canonicalize().ok()?;
    let dir = if start.is_dir() {
        start.as_path()
    } else {
        start.parent()?
    };
    if let Some(found) = dir
        .ancestors()
        .find(|d| d.join(".lint-manifests.toml").is_file())
    {
        return Some(found.to_path_buf());
    }
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Express `dir` relative to the current directory when it contains it or is one of its
/// parents, so that reported paths stay short.
pub fn relative_to_cwd(dir: &Path) -> PathBuf {
    let Ok(cwd) = std::env::current_dir().and_then(|c| c.canonicalize()) else {
        return dir.to_path_buf();
    };
    if let Ok(rest) = dir.strip_prefix(&cwd) {
        return if rest.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            rest.to_path_buf()
        };
    }
    if let Ok(up) = cwd.strip_prefix(dir) {
        let mut p = PathBuf::new();
        for _ in up.components() {
            p.push("..");
        }
        return p;
    }
    dir.to_path_buf()
}

/// What the files of one directory share: their settings (none without a resolver, or when
/// the configuration has an error), the directory relative to the configuration's, and
/// whether `exclude` leaves the directory out.
#[derive(Clone, Default)]
struct DirSettings {
    settings: Option<Arc<Resolved>>,
    relative_dir: Arc<str>,
    excluded: bool,
}

impl DirSettings {
    /// Whether `exclude` leaves out `path`, a file of this directory found by a walk.
    fn excludes(&self, path: &Path) -> bool {
        let Some(settings) = &self.settings else {
            return false;
        };
        if self.excluded {
            return true;
        }
        let mut relative = String::new();
        if !self.relative_dir.is_empty() {
            relative.push_str(&self.relative_dir);
            relative.push('/');
        }
        if let Some(name) = path.file_name() {
            relative.push_str(&name.to_string_lossy());
        }
        settings.matches_exclude(&relative)
    }

    fn resolve(resolver: &Resolver, dir: &Path) -> (DirSettings, Option<ConfigError>) {
        let (settings, error) = match resolver.for_files_in(dir) {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e)),
        };
        let relative_dir: Arc<str> = settings
            .as_ref()
            .map_or_else(String::new, |r| r.relative(dir))
            .into();
        let excluded = settings
            .as_ref()
            .is_some_and(|r| !relative_dir.is_empty() && r.is_excluded_relative(&relative_dir));
        let dir_settings = DirSettings {
            settings,
            relative_dir,
            excluded,
        };
        (dir_settings, error)
    }
}

/// The directory of a file as written (`` for a bare file name).
fn written_dir(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new(""))
}

/// `LINT_MANIFESTS_TIMINGS=1` (for profiling): wall time, CPU time (all threads: CPU over wall
/// is the parallelism a phase got) and resident memory at the end of each phase, on stderr.
struct PhaseTimer(Option<(std::time::Instant, Option<u64>)>);

impl PhaseTimer {
    fn from_env() -> PhaseTimer {
        PhaseTimer(
            std::env::var_os("LINT_MANIFESTS_TIMINGS")
                .map(|_| (std::time::Instant::now(), cpu_milliseconds())),
        )
    }

    fn phase(&mut self, name: &str) {
        if let Some((start, cpu_start)) = &mut self.0 {
            let cpu_now = cpu_milliseconds();
            let cpu = match (*cpu_start, cpu_now) {
                (Some(a), Some(b)) => format!("{} ms", b.saturating_sub(a)),
                _ => "?".to_string(),
            };
            eprintln!(
                "lint-manifests: {name}: {:.1} ms, cpu {cpu}, resident {} MB",
                start.elapsed().as_secs_f64() * 1e3,
                resident_megabytes().map_or_else(|| "?".to_string(), |mb| mb.to_string())
            );
            *start = std::time::Instant::now();
            *cpu_start = cpu_now;
        }
    }
}

/// User plus system time of the process so far (Linux; 10 ms resolution).
fn cpu_milliseconds() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start after the last `)`.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    // Clock ticks are 100 per second on every Linux this runs on (USER_HZ).
    Some((user + system) * 10)
}

/// Resident memory now (Linux), for the phase timings: where the peak comes from.
fn resident_megabytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096 / 1_000_000)
}

/// [`FreeModel::InBackground`]. When the process exits first, the memory goes back to the
/// system with it.
fn drop_in_background(ws: Workspace) {
    let spawned = std::thread::Builder::new()
        .name("lint-manifests-drop".into())
        .spawn(move || drop(ws));
    // Without a thread (resource limits), `ws` was dropped by the failed spawn already.
    let _ = spawned;
}

/// Deterministic order: file path, position, rule, message.
pub fn sort(diagnostics: &mut [Diagnostic], files: &[SourceFile]) {
    use rayon::prelude::*;
    // Paths compare component by component, which is slow: the files that have findings are
    // ranked by path once, and findings compare ranks.
    let mut with_findings: Vec<FileId> = diagnostics.iter().map(|d| d.primary.file).collect();
    with_findings.par_sort_unstable();
    with_findings.dedup();
    with_findings.par_sort_by(|a, b| files[a.0 as usize].path.cmp(&files[b.0 as usize].path));
    let mut rank = vec![0u32; files.len()];
    let mut next = 0;
    for (i, file) in with_findings.iter().enumerate() {
        // Two files can share a path (standard input named like a file): one rank.
        if i > 0 && files[with_findings[i - 1].0 as usize].path != files[file.0 as usize].path {
            next += 1;
        }
        rank[file.0 as usize] = next;
    }
    diagnostics.par_sort_by(|a, b| {
        rank[a.primary.file.0 as usize]
            .cmp(&rank[b.primary.file.0 as usize])
            .then(a.primary.span.start.cmp(&b.primary.span.start))
            .then(a.rule.cmp(b.rule))
            .then(a.message.cmp(&b.message))
    });
}

/// The path to show for a file found by a walk: `./k8s/a.yaml` -> `k8s/a.yaml`, and, when the
/// walk started in a parent directory (`..`, as for a project root above the current
/// directory), relative to the current directory again: `../k8s/a.yaml` from `k8s/` is
/// `a.yaml`.
pub fn display_path(path: &Path) -> PathBuf {
    let cleaned = clean_path(path);
    if !cleaned.starts_with("..") {
        return cleaned;
    }
    let Ok(cwd) = std::env::current_dir() else {
        return cleaned;
    };
    let mut absolute = cwd.clone();
    for component in cleaned.components() {
        match component {
            std::path::Component::ParentDir => {
                absolute.pop();
            }
            std::path::Component::CurDir => {}
            other => absolute.push(other.as_os_str()),
        }
    }
    match absolute.strip_prefix(&cwd) {
        Ok(rest) if !rest.as_os_str().is_empty() => rest.to_path_buf(),
        _ => cleaned,
    }
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

#[cfg(test)]
mod tests {
    use super::sort;
    use crate::diagnostic::{Diagnostic, Level, Location};
    use crate::source::{FileId, SourceFile, Span};

    #[test]
    fn findings_sort_by_path_then_position_whatever_the_file_ids() {
        // File ids out of path order, and two files sharing a path (standard input named like
        // a file): findings of one path interleave by position.
        let files: Vec<SourceFile> = ["b/x.yaml", "a-b/y.yaml", "a/z.yaml", "b/x.yaml"]
            .into_iter()
            .map(|p| SourceFile::new(p.into(), "0123456789"))
            .collect();
        let finding = |file: u32, start: u32, rule: &'static str| {
            Diagnostic::new(
                rule,
                Level::Warning,
                Location::new(FileId(file), Span::new(start, start + 1)),
                "m",
            )
        };
        let mut diagnostics = vec![
            finding(3, 5, "A"),
            finding(0, 7, "A"),
            finding(1, 1, "B"),
            finding(2, 9, "A"),
            finding(0, 2, "B"),
            finding(1, 1, "A"),
        ];
        sort(&mut diagnostics, &files);
        let order: Vec<(&str, u32, &str)> = diagnostics
            .iter()
            .map(|d| {
                let path = files[d.primary.file.0 as usize].path.to_str().unwrap();
                (path, d.primary.span.start, d.rule)
            })
            .collect();
        assert_eq!(
            order,
            [
                ("a/z.yaml", 9, "A"),
                ("a-b/y.yaml", 1, "A"),
                ("a-b/y.yaml", 1, "B"),
                ("b/x.yaml", 2, "B"),
                ("b/x.yaml", 5, "A"),
                ("b/x.yaml", 7, "A"),
            ]
        );
    }
}
