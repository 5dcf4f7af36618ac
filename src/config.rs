//! Configuration: `.lint-manifests.toml` files and the command-line flags that override them,
//! resolved into what the linter needs for each file.
//!
//! Precedence, in order (later wins):
//! 1. built-in defaults;
//! 2. the configuration file: the one given with `--config`, or else the closest
//!    `.lint-manifests.toml` up from each linted file (like ruff); `--isolated` skips files;
//! 3. command-line flags (`--select`, `--extend-select`, `--ignore`, `--fail-on`).
//!
//! Rule selection follows ruff: within one layer (the file, then the flags) the most specific
//! selector wins (an id or name beats a prefix, a longer prefix beats a shorter one, ties go to
//! `ignore`); a layer with `select` starts from nothing, a layer without keeps what the layer
//! before enabled.
//!
//! Model-wide settings (realtime paths, assumptions, thresholds, limits, `fail-on`) come from the
//! *project* configuration: the one that applies to the first linted path. Per-file settings
//! (selection, `[levels]`, `[per-file-ignores]`, `exclude`) come from each file's own.
//!
//! Every unknown key and bad value is an error that names the file, line and column, says why,
//! and suggests the nearest valid key or value.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobBuilder, GlobMatcher, GlobSet, GlobSetBuilder};
use toml_edit::{ImDocument, Item, TableLike};

use crate::diagnostic::Level;
use crate::registry::{RuleMeta, RULES};
use crate::selection;
use crate::settings::{NginxVersion, Settings};
use crate::source::SourceFile;

/// The name looked for in each directory.
pub const CONFIG_FILE_NAME: &str = ".lint-manifests.toml";

/// Directories and files never linted unless `exclude` says otherwise (gitignored files and
/// hidden directories are skipped by discovery anyway).
pub const DEFAULT_EXCLUDE: &[&str] = &["node_modules", ".terraform", ".git"];

/// "Not found" rules: with `assumptions.complete-repo = false` (or `partial-repo = true`) their
/// errors become warnings, since the missing piece may live outside the linted files.
pub const NOT_FOUND_RULES: &[&str] = &["GKE008", "K8S001", "K8S003"];

/// The level of a finding once `assumptions.complete-repo = false` is taken into account:
/// "not found" errors become warnings.
pub fn partial_repo_level(rule: &str, level: Level, partial_repo: bool) -> Level {
    if partial_repo && level == Level::Error && NOT_FOUND_RULES.contains(&rule) {
        Level::Warning
    } else {
        level
    }
}

/// A configuration error, for people: what, where, why, what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based; 0 when the problem has no position (the file cannot be read).
    pub line: u32,
    pub column: u32,
    pub message: String,
    pub help: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )?;
        } else {
            write!(f, "{}: {}", self.path.display(), self.message)?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// A `[levels]` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LevelSetting {
    Level(Level),
    Off,
}

impl LevelSetting {
    pub fn as_str(self) -> &'static str {
        match self {
            LevelSetting::Level(l) => l.as_str(),
            LevelSetting::Off => "off",
        }
    }
}

/// What one configuration file says (everything optional), after validation.
#[derive(Clone, Debug, Default)]
pub struct FileOptions {
    /// The file, as found.
    pub path: PathBuf,
    /// Its directory, absolute: globs are relative to it.
    pub dir: PathBuf,
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub levels: Vec<(String, LevelSetting)>,
    pub exclude: Option<Vec<String>>,
    pub extend_exclude: Vec<String>,
    pub per_file_ignores: Vec<(String, Vec<String>)>,
    pub fail_on: Option<Level>,
    pub realtime_paths: Option<Vec<String>>,
    pub extend_realtime_paths: Vec<String>,
    pub neg_by_default: Option<bool>,
    pub nginx_version: Option<NginxVersion>,
    pub complete_repo: Option<bool>,
    pub gke003_min_timeout_sec: Option<i64>,
    pub ngx004_heartbeat_sec: Option<i64>,
    pub max_file_size: Option<u64>,
    pub max_files: Option<usize>,
}

/// What the command line says.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub select: Option<Vec<String>>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
    pub fail_on: Option<Level>,
}

/// The settings in force for one file (or the project).
#[derive(Debug)]
pub struct Resolved {
    /// The configuration file, if any.
    pub source: Option<PathBuf>,
    /// Where globs are anchored.
    pub dir: PathBuf,
    /// Indexed like [`RULES`].
    enabled: Vec<bool>,
    /// Indexed like [`RULES`]: the level a `[levels]` entry sets.
    levels: Vec<Option<Level>>,
    pub per_file_ignores: Vec<PerFileIgnore>,
    pub exclude: Vec<String>,
    /// All of `exclude` as one matcher: asked for every file and each of its folders.
    exclude_set: GlobSet,
    pub fail_on: Level,
    pub settings: Settings,
    pub max_file_size: Option<u64>,
    pub max_files: Option<usize>,
    /// The raw options, for `--show-settings`.
    pub levels_raw: Vec<(String, LevelSetting)>,
}

#[derive(Debug)]
pub struct PerFileIgnore {
    pub pattern: String,
    matcher: GlobMatcher,
    pub selectors: Vec<String>,
}

impl Resolved {
    fn index(rule: &str) -> Option<usize> {
        RULES.iter().position(|r| r.id == rule)
    }

    /// Whether `rule` (an id) is enabled here.
    pub fn is_enabled(&self, rule: &str) -> bool {
        Self::index(rule).is_some_and(|i| self.enabled[i])
    }

    /// The level `[levels]` sets for `rule`, if any.
    pub fn level(&self, rule: &str) -> Option<Level> {
        Self::index(rule).and_then(|i| self.levels[i])
    }

    /// The ids of enabled rules.
    pub fn enabled_ids(&self) -> Vec<&'static str> {
        RULES
            .iter()
            .zip(&self.enabled)
            .filter(|(_, on)| **on)
            .map(|(r, _)| r.id)
            .collect()
    }

    /// `path` relative to this configuration's directory, with forward slashes.
    pub fn relative(&self, path: &Path) -> String {
        let absolute = absolute(path);
        let rel = absolute.strip_prefix(&self.dir).unwrap_or(path);
        let text = rel.to_string_lossy().replace('\\', "/");
        text.trim_start_matches("./").to_string()
    }

    /// Whether a `[per-file-ignores]` entry turns `rule` off for `path`.
    pub fn per_file_ignored(&self, path: &Path, rule: &RuleMeta) -> bool {
        if self.per_file_ignores.is_empty() {
            return false;
        }
        let rel = self.relative(path);
        self.per_file_ignores.iter().any(|p| {
            p.matcher.is_match(&rel) && p.selectors.iter().any(|s| selection::matches(s, rule))
        })
    }

    /// Whether `exclude`/`extend-exclude` leave `path` out (the path or any of its folders).
    pub fn is_excluded(&self, path: &Path) -> bool {
        !self.exclude_set.is_empty() && self.is_excluded_relative(&self.relative(path))
    }

    /// [`Resolved::is_excluded`] for a path already made relative ([`Resolved::relative`]).
    pub fn is_excluded_relative(&self, rel: &str) -> bool {
        if self.exclude_set.is_empty() {
            return false;
        }
        let mut candidate = rel;
        loop {
            if self.matches_exclude(candidate) {
                return true;
            }
            match candidate.rfind('/') {
                Some(i) => candidate = &candidate[..i],
                None => return false,
            }
        }
    }

    /// Whether an `exclude` pattern matches this relative path itself (not its folders).
    pub fn matches_exclude(&self, rel: &str) -> bool {
        self.exclude_set.is_match(rel)
    }
}

/// How configuration files are found.
#[derive(Clone, Debug)]
pub enum Discovery {
    /// The closest `.lint-manifests.toml` up from each file.
    Closest,
    /// This file for everything (`--config`).
    Fixed(PathBuf),
    /// No files at all (`--isolated`).
    Isolated,
}

/// Finds and caches the settings for each directory.
#[derive(Debug)]
pub struct Resolver {
    discovery: Discovery,
    overrides: Overrides,
    fixed: Option<Arc<Resolved>>,
    defaults: Arc<Resolved>,
    /// Directory -> its settings (or the error loading them).
    cache: Mutex<HashMap<PathBuf, Result<Arc<Resolved>, ConfigError>>>,
}

impl Resolver {
    pub fn new(discovery: Discovery, overrides: Overrides) -> Result<Resolver, ConfigError> {
        let defaults = Arc::new(resolve(None, &overrides)?);
        let fixed = match &discovery {
            Discovery::Fixed(path) => {
                let options = load_file(path)?;
                Some(Arc::new(resolve(Some(&options), &overrides)?))
            }
            _ => None,
        };
        Ok(Resolver {
            discovery,
            overrides,
            fixed,
            defaults,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// Settings for a file (or a directory: then for the files in it).
    pub fn for_path(&self, path: &Path) -> Result<Arc<Resolved>, ConfigError> {
        match &self.discovery {
            Discovery::Isolated => Ok(self.defaults.clone()),
            Discovery::Fixed(_) => Ok(self.fixed.clone().expect("loaded in new")),
            Discovery::Closest => {
                let abs = absolute(path);
                let dir = if abs.is_dir() {
                    abs
                } else {
                    abs.parent().map(Path::to_path_buf).unwrap_or(abs)
                };
                self.for_dir(&dir)
            }
        }
    }

    /// Settings for the files of a directory known to be one (where discovery found files, as
    /// written): no `stat` to ask whether it is a directory.
    pub fn for_files_in(&self, dir: &Path) -> Result<Arc<Resolved>, ConfigError> {
        match &self.discovery {
            Discovery::Closest => self.for_dir(&absolute(dir)),
            _ => self.for_path(dir),
        }
    }

    fn for_dir(&self, dir: &Path) -> Result<Arc<Resolved>, ConfigError> {
        if let Some(hit) = self.cache.lock().unwrap().get(dir) {
            return hit.clone();
        }
        let candidate = dir.join(CONFIG_FILE_NAME);
        let result = if candidate.is_file() {
            load_file(&candidate).and_then(|o| resolve(Some(&o), &self.overrides).map(Arc::new))
        } else {
            match dir.parent() {
                Some(parent) => self.for_dir(parent),
                None => Ok(self.defaults.clone()),
            }
        };
        self.cache
            .lock()
            .unwrap()
            .insert(dir.to_path_buf(), result.clone());
        result
    }
}

/// The closest `.lint-manifests.toml` at or above `dir`.
pub fn find_closest(dir: &Path) -> Option<PathBuf> {
    absolute(dir)
        .ancestors()
        .map(|d| d.join(CONFIG_FILE_NAME))
        .find(|p| p.is_file())
}

/// Absolute, lexically normalized (`.` and `..` removed), symlinks kept.
pub fn absolute(path: &Path) -> PathBuf {
    // The working directory is read once: this runs for every file, and `std::path::absolute`
    // asks the kernel each time (the process never changes directory).
    static CWD: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        match CWD.get_or_init(|| std::env::current_dir().ok()) {
            Some(cwd) => cwd.join(path),
            None => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
        }
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Combine defaults, one file's options and the command line.
pub fn resolve(file: Option<&FileOptions>, overrides: &Overrides) -> Result<Resolved, ConfigError> {
    let mut enabled = vec![true; RULES.len()];
    if let Some(f) = file {
        let mut ignore = f.ignore.clone();
        ignore.extend(
            f.levels
                .iter()
                .filter(|(_, l)| *l == LevelSetting::Off)
                .map(|(s, _)| s.clone()),
        );
        apply_layer(&mut enabled, f.select.as_deref(), &f.extend_select, &ignore);
    }
    apply_layer(
        &mut enabled,
        overrides.select.as_deref(),
        &overrides.extend_select,
        &overrides.ignore,
    );
    let mut levels = vec![None; RULES.len()];
    let mut settings = Settings::default();
    let mut per_file_ignores = Vec::new();
    let mut exclude: Vec<String> = DEFAULT_EXCLUDE.iter().map(|s| s.to_string()).collect();
    let mut fail_on = Level::Warning;
    let (mut max_file_size, mut max_files) = (None, None);
    let dir = file.map_or_else(|| absolute(Path::new(".")), |f| f.dir.clone());
    if let Some(f) = file {
        for (i, rule) in RULES.iter().enumerate() {
            let best = f
                .levels
                .iter()
                .filter_map(|(s, l)| specificity(s, rule).map(|sp| (sp, *l)))
                .max_by_key(|(sp, _)| *sp);
            if let Some((_, LevelSetting::Level(l))) = best {
                levels[i] = Some(l);
            }
        }
        for (pattern, selectors) in &f.per_file_ignores {
            per_file_ignores.push(PerFileIgnore {
                pattern: pattern.clone(),
                matcher: glob(pattern).map_err(|e| ConfigError {
                    path: f.path.clone(),
                    line: 0,
                    column: 0,
                    message: e,
                    help: None,
                })?,
                selectors: selectors.clone(),
            });
        }
        if let Some(e) = &f.exclude {
            exclude = e.clone();
        }
        exclude.extend(f.extend_exclude.iter().cloned());
        if let Some(paths) = &f.realtime_paths {
            settings.realtime_segments = paths.clone();
        }
        settings
            .realtime_segments
            .extend(f.extend_realtime_paths.iter().cloned());
        if let Some(v) = f.neg_by_default {
            settings.neg_by_default = v;
        }
        if f.nginx_version.is_some() {
            settings.nginx_version = f.nginx_version;
        }
        if let Some(c) = f.complete_repo {
            settings.partial_repo = !c;
        }
        if let Some(v) = f.gke003_min_timeout_sec {
            settings.min_websocket_timeout_sec = v;
        }
        if let Some(v) = f.ngx004_heartbeat_sec {
            settings.heartbeat_sec = v;
        }
        if let Some(level) = f.fail_on {
            fail_on = level;
        }
        max_file_size = f.max_file_size;
        max_files = f.max_files;
    }
    if let Some(level) = overrides.fail_on {
        fail_on = level;
    }
    let mut exclude_set = GlobSetBuilder::new();
    for pattern in &exclude {
        // Invalid patterns were reported when the file was read.
        if let Ok(g) = glob_pattern(pattern) {
            exclude_set.add(g);
        }
    }
    let exclude_set = exclude_set.build().unwrap_or_else(|_| GlobSet::empty());
    Ok(Resolved {
        source: file.map(|f| f.path.clone()),
        dir,
        enabled,
        levels,
        per_file_ignores,
        exclude,
        exclude_set,
        fail_on,
        settings,
        max_file_size,
        max_files,
        levels_raw: file.map(|f| f.levels.clone()).unwrap_or_default(),
    })
}

/// How specifically `selector` names `rule`: `None` when it does not; an id or a name is the
/// most specific, then longer prefixes, then `ALL`.
pub fn specificity(selector: &str, rule: &RuleMeta) -> Option<usize> {
    if !selection::matches(selector, rule) {
        return None;
    }
    let s = selector.trim();
    if s.eq_ignore_ascii_case(rule.id) || s.eq_ignore_ascii_case(rule.name) {
        Some(100)
    } else if s.eq_ignore_ascii_case("ALL") {
        Some(0)
    } else {
        Some(s.len())
    }
}

fn apply_layer(
    enabled: &mut [bool],
    select: Option<&[String]>,
    extend_select: &[String],
    ignore: &[String],
) {
    for (i, rule) in RULES.iter().enumerate() {
        // (specificity, enables): the most specific wins; on a tie, `ignore`.
        let mut best: Option<(usize, bool)> = None;
        let mut consider = |selectors: &[String], on: bool| {
            for s in selectors {
                if let Some(sp) = specificity(s, rule) {
                    let better = match best {
                        None => true,
                        Some((b, b_on)) => sp > b || (sp == b && b_on && !on),
                    };
                    if better {
                        best = Some((sp, on));
                    }
                }
            }
        };
        consider(select.unwrap_or(&[]), true);
        consider(extend_select, true);
        consider(ignore, false);
        match best {
            Some((_, on)) => enabled[i] = on,
            None if select.is_some() => enabled[i] = false,
            None => {}
        }
    }
}

/// A glob relative to the configuration's directory: `*` stays within a folder, a pattern
/// without `/` matches at any depth (`*.conf`, `vendor`), a trailing `/` matches a folder.
pub fn glob(pattern: &str) -> Result<GlobMatcher, String> {
    glob_pattern(pattern).map(|g| g.compile_matcher())
}

fn glob_pattern(pattern: &str) -> Result<Glob, String> {
    let mut p = pattern.trim().trim_start_matches("./").to_string();
    if let Some(stripped) = p.strip_suffix('/') {
        p = stripped.to_string();
    }
    if !p.contains('/') {
        p = format!("**/{p}");
    } else if let Some(rest) = p.strip_prefix('/') {
        p = rest.to_string();
    }
    GlobBuilder::new(&p)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("invalid glob `{pattern}`: {e}"))
}

// ---------------------------------------------------------------------------------------------
// Reading a file.

/// The keys a configuration file may hold: (table, key, what it takes).
const KEYS: &[(&str, &str, &str)] = &[
    ("", "select", "a list of rule ids, names or prefixes"),
    ("", "extend-select", "a list of rule ids, names or prefixes"),
    ("", "ignore", "a list of rule ids, names or prefixes"),
    ("", "exclude", "a list of globs"),
    ("", "extend-exclude", "a list of globs"),
    ("", "fail-on", "`error`, `warning` or `note`"),
    ("", "partial-repo", "`true` or `false`"),
    ("", "levels", "a table of rule = level"),
    ("", "per-file-ignores", "a table of glob = [rules]"),
    ("", "realtime", "a table"),
    ("", "assumptions", "a table"),
    ("", "thresholds", "a table"),
    ("", "limits", "a table"),
    ("", "gke", "a table"),
    ("", "nginx", "a table"),
    ("realtime", "paths", "a list of path segments"),
    ("realtime", "extend-paths", "a list of path segments"),
    ("assumptions", "neg-by-default", "`true` or `false`"),
    (
        "assumptions",
        "nginx-version",
        "a version such as `\"1.27.3\"`",
    ),
    ("assumptions", "complete-repo", "`true` or `false`"),
    ("assumptions", "partial-repo", "`true` or `false`"),
    ("gke", "neg-by-default", "`true` or `false`"),
    ("nginx", "version", "a version such as `\"1.27.3\"`"),
    (
        "thresholds",
        "gke003-min-timeout-sec",
        "a number of seconds",
    ),
    ("thresholds", "ngx004-heartbeat-sec", "a number of seconds"),
    ("limits", "max-file-size", "a number of bytes"),
    ("limits", "max-files", "a number of files"),
];

/// Every valid key, dotted (`assumptions.neg-by-default`), for documentation and errors.
pub fn valid_keys() -> Vec<String> {
    KEYS.iter()
        .map(|(t, k, _)| {
            if t.is_empty() {
                k.to_string()
            } else {
                format!("{t}.{k}")
            }
        })
        .collect()
}

pub fn load_file(path: &Path) -> Result<FileOptions, ConfigError> {
    let shown = shown_path(path);
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: shown.clone(),
        line: 0,
        column: 0,
        message: format!("cannot read configuration file: {e}"),
        help: None,
    })?;
    let mut options = parse(&shown, &text)?;
    options.dir = absolute(path)
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    Ok(options)
}

/// A path as people should see it: relative to the current directory when inside it.
fn shown_path(path: &Path) -> PathBuf {
    let abs = absolute(path);
    std::env::current_dir()
        .ok()
        .and_then(|cwd| abs.strip_prefix(absolute(&cwd)).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf())
}

struct Reader<'a> {
    path: &'a Path,
    source: SourceFile,
}

impl Reader<'_> {
    fn error(
        &self,
        span: Option<std::ops::Range<usize>>,
        message: String,
        help: Option<String>,
    ) -> ConfigError {
        let (line, column) = match span {
            Some(r) => {
                let lc = self.source.line_col(crate::source::to_u32(r.start));
                (lc.line, lc.column)
            }
            None => (1, 1),
        };
        ConfigError {
            path: self.path.to_path_buf(),
            line,
            column,
            message,
            help,
        }
    }

    fn key_span(table: &dyn TableLike, key: &str) -> Option<std::ops::Range<usize>> {
        table.get_key_value(key).and_then(|(k, _)| k.span())
    }

    fn value_span(item: &Item) -> Option<std::ops::Range<usize>> {
        item.span()
    }

    fn expect_bool(&self, item: &Item, what: &str) -> Result<bool, ConfigError> {
        item.as_bool().ok_or_else(|| {
            self.error(
                Self::value_span(item),
                format!("`{what}` must be `true` or `false`, not {}", describe(item)),
                None,
            )
        })
    }

    fn expect_int(&self, item: &Item, what: &str, min: i64) -> Result<i64, ConfigError> {
        match item.as_integer() {
            Some(n) if n >= min => Ok(n),
            Some(n) => Err(self.error(
                Self::value_span(item),
                format!("`{what}` must be at least {min}, not {n}"),
                None,
            )),
            None => Err(self.error(
                Self::value_span(item),
                format!("`{what}` must be a whole number, not {}", describe(item)),
                None,
            )),
        }
    }

    fn expect_strings(&self, item: &Item, what: &str) -> Result<Vec<String>, ConfigError> {
        let Some(array) = item.as_array() else {
            let hint = item
                .as_str()
                .map(|s| format!("write `[\"{s}\"]`"))
                .unwrap_or_else(|| "write a list such as `[\"GKE\", \"NGX001\"]`".into());
            return Err(self.error(
                Self::value_span(item),
                format!("`{what}` must be a list of strings, not {}", describe(item)),
                Some(hint),
            ));
        };
        let mut out = Vec::new();
        for value in array.iter() {
            match value.as_str() {
                Some(s) => out.push(s.to_string()),
                None => {
                    return Err(self.error(
                        value.span(),
                        format!(
                            "`{what}` must be a list of strings; this item is {}",
                            value.type_name()
                        ),
                        None,
                    ))
                }
            }
        }
        Ok(out)
    }

    /// A list of rule selectors: each must name at least one rule.
    fn expect_selectors(&self, item: &Item, what: &str) -> Result<Vec<String>, ConfigError> {
        let selectors = self.expect_strings(item, what)?;
        if let Some(array) = item.as_array() {
            for (value, s) in array.iter().zip(&selectors) {
                self.check_selector(s, value.span())?;
            }
        }
        Ok(selectors)
    }

    fn check_selector(
        &self,
        s: &str,
        span: Option<std::ops::Range<usize>>,
    ) -> Result<(), ConfigError> {
        if selection::unknown_selector(s) {
            return Err(self.error(span, format!("`{s}` names no rule"), Some(selector_help(s))));
        }
        Ok(())
    }

    fn check_keys(&self, table: &dyn TableLike, prefix: &str) -> Result<(), ConfigError> {
        for (key, _) in table.iter() {
            if !KEYS.iter().any(|(t, k, _)| *t == prefix && *k == key) {
                let valid: Vec<&str> = KEYS
                    .iter()
                    .filter(|(t, _, _)| *t == prefix)
                    .map(|(_, k, _)| *k)
                    .collect();
                let near = nearest(key, valid.iter().copied());
                let place = if prefix.is_empty() {
                    "at the top level".to_string()
                } else {
                    format!("in `[{prefix}]`")
                };
                let mut help = match near {
                    Some(n) => format!("did you mean `{n}`? "),
                    None => String::new(),
                };
                help.push_str(&format!("valid keys {place}: {}", valid.join(", ")));
                return Err(self.error(
                    Self::key_span(table, key),
                    format!("unknown key `{key}` {place}"),
                    Some(help),
                ));
            }
        }
        Ok(())
    }

    fn table<'t>(&self, item: &'t Item, what: &str) -> Result<&'t dyn TableLike, ConfigError> {
        item.as_table_like().ok_or_else(|| {
            self.error(
                Self::value_span(item),
                format!("`{what}` must be a table, not {}", describe(item)),
                Some(format!("write `[{what}]` on its own line, then its keys")),
            )
        })
    }

    fn version(&self, item: &Item, what: &str) -> Result<NginxVersion, ConfigError> {
        let text = item.as_str().ok_or_else(|| {
            self.error(
                Self::value_span(item),
                format!("`{what}` must be a string, not {}", describe(item)),
                Some("write it quoted, such as `\"1.27.3\"`".into()),
            )
        })?;
        NginxVersion::parse(text).ok_or_else(|| {
            self.error(
                Self::value_span(item),
                format!("`{text}` is not an nginx version"),
                Some("write major.minor[.patch], such as `\"1.27.3\"`".into()),
            )
        })
    }
}

fn describe(item: &Item) -> String {
    match item {
        Item::Value(v) => match v.as_str() {
            Some(s) => format!("the string `\"{s}\"`"),
            None => format!("{} `{}`", v.type_name(), v.to_string().trim()),
        },
        other => other.type_name().to_string(),
    }
}

/// "did you mean" text for a selector that names no rule.
pub fn selector_help(s: &str) -> String {
    let candidates = RULES.iter().flat_map(|r| [r.id, r.name]);
    match nearest(s, candidates) {
        Some(n) => format!(
            "did you mean `{n}`? Rules are named by id (`GKE016`), name (`cdn-on-realtime-backend`) or id prefix (`NGX`); `lint-manifests rules` lists them"
        ),
        None => "rules are named by id (`GKE016`), name (`cdn-on-realtime-backend`) or id prefix (`NGX`); `lint-manifests rules` lists them".into(),
    }
}

/// Parse and validate the text of a configuration file.
pub fn parse(path: &Path, text: &str) -> Result<FileOptions, ConfigError> {
    let reader = Reader {
        path,
        source: SourceFile::new(path.to_path_buf(), text.to_string()),
    };
    let doc = ImDocument::parse(text).map_err(|e| {
        let message = e.message().trim().replace('\n', " ");
        reader.error(
            e.span(),
            format!("invalid TOML: {message}"),
            Some("see https://toml.io for the syntax".into()),
        )
    })?;
    let root = doc.as_table();
    reader.check_keys(root, "")?;
    let abs = absolute(path);
    let mut o = FileOptions {
        path: path.to_path_buf(),
        dir: abs.parent().map(Path::to_path_buf).unwrap_or_default(),
        ..FileOptions::default()
    };
    let mut complete: Option<bool> = None;
    for (key, item) in root.iter() {
        match key {
            "select" => o.select = Some(reader.expect_selectors(item, key)?),
            "extend-select" => o.extend_select = reader.expect_selectors(item, key)?,
            "ignore" => o.ignore = reader.expect_selectors(item, key)?,
            "exclude" | "extend-exclude" => {
                let globs = reader.expect_strings(item, key)?;
                if let Some(array) = item.as_array() {
                    for (value, g) in array.iter().zip(&globs) {
                        glob(g).map_err(|e| reader.error(value.span(), e, None))?;
                    }
                }
                if key == "exclude" {
                    o.exclude = Some(globs);
                } else {
                    o.extend_exclude = globs;
                }
            }
            "fail-on" => {
                let level = item.as_str().and_then(Level::parse).ok_or_else(|| {
                    reader.error(
                        item.span(),
                        format!(
                            "`fail-on` must be `error`, `warning` or `note`, not {}",
                            describe(item)
                        ),
                        None,
                    )
                })?;
                o.fail_on = Some(level);
            }
            "partial-repo" => {
                let v = reader.expect_bool(item, key)?;
                complete = Some(!v);
            }
            "levels" => {
                let table = reader.table(item, key)?;
                for (rule, value) in table.iter() {
                    reader.check_selector(rule, Reader::key_span(table, rule))?;
                    let setting = match value.as_str() {
                        Some("off") => LevelSetting::Off,
                        Some(s) => match Level::parse(s) {
                            Some(l) => LevelSetting::Level(l),
                            None => {
                                return Err(reader.error(
                                    value.span(),
                                    format!("`{s}` is not a level"),
                                    Some(format!(
                                        "use `error`, `warning`, `note` or `off`{}",
                                        nearest(s, ["error", "warning", "note", "off"])
                                            .map(|n| format!(" (did you mean `{n}`?)"))
                                            .unwrap_or_default()
                                    )),
                                ))
                            }
                        },
                        None => {
                            return Err(reader.error(
                                value.span(),
                                format!(
                                    "the level of `{rule}` must be a string, not {}",
                                    describe(value)
                                ),
                                Some(
                                    "use `\"error\"`, `\"warning\"`, `\"note\"` or `\"off\"`"
                                        .into(),
                                ),
                            ))
                        }
                    };
                    o.levels.push((rule.to_string(), setting));
                }
            }
            "per-file-ignores" => {
                let table = reader.table(item, key)?;
                for (pattern, value) in table.iter() {
                    glob(pattern)
                        .map_err(|e| reader.error(Reader::key_span(table, pattern), e, None))?;
                    let selectors = reader
                        .expect_selectors(value, &format!("per-file-ignores.\"{pattern}\""))?;
                    o.per_file_ignores.push((pattern.to_string(), selectors));
                }
            }
            "realtime" => {
                let table = reader.table(item, key)?;
                reader.check_keys(table, key)?;
                for (k, v) in table.iter() {
                    let list = reader.expect_strings(v, &format!("realtime.{k}"))?;
                    if k == "paths" {
                        o.realtime_paths = Some(list);
                    } else {
                        o.extend_realtime_paths = list;
                    }
                }
            }
            "assumptions" | "gke" | "nginx" => {
                let table = reader.table(item, key)?;
                reader.check_keys(table, key)?;
                for (k, v) in table.iter() {
                    let what = format!("{key}.{k}");
                    match k {
                        "neg-by-default" => o.neg_by_default = Some(reader.expect_bool(v, &what)?),
                        "nginx-version" | "version" => {
                            o.nginx_version = Some(reader.version(v, &what)?)
                        }
                        "complete-repo" => complete = Some(reader.expect_bool(v, &what)?),
                        "partial-repo" => complete = Some(!reader.expect_bool(v, &what)?),
                        _ => unreachable!("checked by check_keys"),
                    }
                }
            }
            "thresholds" => {
                let table = reader.table(item, key)?;
                reader.check_keys(table, key)?;
                for (k, v) in table.iter() {
                    let n = reader.expect_int(v, &format!("thresholds.{k}"), 1)?;
                    if k == "gke003-min-timeout-sec" {
                        o.gke003_min_timeout_sec = Some(n);
                    } else {
                        o.ngx004_heartbeat_sec = Some(n);
                    }
                }
            }
            "limits" => {
                let table = reader.table(item, key)?;
                reader.check_keys(table, key)?;
                for (k, v) in table.iter() {
                    let n = reader.expect_int(v, &format!("limits.{k}"), 1)?;
                    if k == "max-file-size" {
                        o.max_file_size = Some(n as u64);
                    } else {
                        o.max_files = Some(n as usize);
                    }
                }
            }
            _ => unreachable!("checked by check_keys"),
        }
    }
    o.complete_repo = complete;
    Ok(o)
}

/// The candidate closest to `word` by edit distance (case-insensitive), if close enough to be
/// a plausible typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (crate::names::levenshtein(&w, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(w.len()) / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The commented starting configuration `lint-manifests config init` writes.
pub const STARTER: &str = r#"# lint-manifests configuration. The closest `.lint-manifests.toml` up from each linted file
# applies (like ruff); `--config FILE` forces one, `--isolated` ignores them all.
# Command-line flags (`--select`, `--extend-select`, `--ignore`, `--fail-on`) win over this file.
# Rules are named by id (`GKE016`), name (`cdn-on-realtime-backend`) or id prefix (`NGX`);
# `lint-manifests rules` lists them all.

# Only these rules (default: all).
# select = ["GKE", "NGX", "K8S", "ING", "LM"]
# Also these rules, on top of `select`.
# extend-select = []
# Not these rules.
# ignore = []

# Lowest level that makes the exit code 1: "error", "warning" or "note".
fail-on = "warning"

# Paths never linted (globs relative to this file; a pattern without `/` matches at any depth).
# `exclude` replaces the defaults (node_modules, .terraform, .git); `extend-exclude` adds to them.
# extend-exclude = ["charts/*/charts", "**/testdata/"]

# Change the level of a rule (or a family): "error", "warning", "note" or "off".
[levels]
# NGX007 = "warning"

# Rules that do not apply to some files.
[per-file-ignores]
# "k8s/static/*.yaml" = ["GKE016"]

# What makes a backend realtime (WebSocket / Socket.IO).
[realtime]
# Path segments; this list replaces the default, `extend-paths` adds to it.
# paths = ["socket.io", "engine.io", "ws", "wss", "websocket", "websockets", "sockjs", "cable"]
# extend-paths = ["live"]

# What the linter may assume about things it cannot see.
[assumptions]
# The cluster makes every Service a NEG backend without the `cloud.google.com/neg`
# annotation (GKE >= 1.17.6-gke.7, VPC-native, no Shared VPC, no GKE Network Policy).
neg-by-default = false
# The nginx version when the image tag does not say.
# nginx-version = "1.27.3"
# The linted files are everything that is deployed; `false` turns "not found" errors
# (GKE008, K8S001, K8S003) into warnings.
complete-repo = true

# Thresholds rules compare against.
[thresholds]
# GKE003: the lowest acceptable BackendConfig `timeoutSec` for realtime backends.
gke003-min-timeout-sec = 300
# NGX004: Socket.IO pingInterval + pingTimeout, in seconds.
ngx004-heartbeat-sec = 45

[limits]
# max-file-size = 10485760
# max-files = 200000
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> ConfigError {
        parse(Path::new("c.toml"), text).unwrap_err()
    }

    #[test]
    fn starter_config_parses() {
        parse(Path::new("c.toml"), STARTER).unwrap();
    }

    #[test]
    fn unknown_key_points_at_it_and_suggests() {
        let e = err("fail-on = \"error\"\nselct = [\"GKE\"]\n");
        assert_eq!((e.line, e.column), (2, 1));
        assert!(e.message.contains("`selct`"), "{e}");
        assert!(e.help.unwrap().contains("did you mean `select`"));
        let e = err("[assumptions]\nneg-by-defualt = true\n");
        assert_eq!(e.line, 2);
        assert!(e.help.unwrap().contains("`neg-by-default`"));
    }

    #[test]
    fn bad_values() {
        let e = err("fail-on = \"loud\"\n");
        assert_eq!((e.line, e.column), (1, 11));
        let e = err("select = [\"GKE999x\"]\n");
        assert!(e.message.contains("names no rule"), "{e}");
        let e = err("[levels]\nGKE016 = \"eror\"\n");
        assert!(e.help.unwrap().contains("`error`"));
        let e = err("select = \"GKE\"\n");
        assert!(e.help.unwrap().contains("[\"GKE\"]"));
        let e = err("select = [\n");
        assert!(e.message.starts_with("invalid TOML"), "{e}");
    }

    #[test]
    fn selection_specificity_and_layers() {
        let file = parse(
            Path::new("c.toml"),
            "select = [\"NGX\"]\nignore = [\"NGX00\"]\nextend-select = [\"NGX001\"]\n[levels]\nNGX010 = \"off\"\nNGX = \"warning\"\nNGX003 = \"note\"\n",
        )
        .unwrap();
        let r = resolve(Some(&file), &Overrides::default()).unwrap();
        assert!(r.is_enabled("NGX001"));
        assert!(!r.is_enabled("NGX002"));
        assert!(!r.is_enabled("NGX010"));
        assert!(!r.is_enabled("GKE001"));
        assert_eq!(r.level("NGX003"), Some(Level::Note));
        assert_eq!(r.level("NGX001"), Some(Level::Warning));
        let cli = Overrides {
            select: None,
            extend_select: vec!["GKE016".into()],
            ignore: vec!["upstream-not-sticky".into()],
            fail_on: None,
        };
        let r = resolve(Some(&file), &cli).unwrap();
        assert!(r.is_enabled("GKE016") && !r.is_enabled("GKE001"));
    }

    #[test]
    fn partial_repo_turns_not_found_errors_into_warnings() {
        let o = parse(Path::new("c.toml"), "partial-repo = true\n").unwrap();
        let r = resolve(Some(&o), &Overrides::default()).unwrap();
        assert!(r.settings.partial_repo);
        let o = parse(
            Path::new("c.toml"),
            "[assumptions]\ncomplete-repo = false\n",
        )
        .unwrap();
        let r = resolve(Some(&o), &Overrides::default()).unwrap();
        assert!(r.settings.partial_repo);
        assert_eq!(
            partial_repo_level("K8S001", Level::Error, true),
            Level::Warning
        );
        assert_eq!(
            partial_repo_level("K8S001", Level::Error, false),
            Level::Error
        );
        assert_eq!(
            partial_repo_level("GKE002", Level::Error, true),
            Level::Error
        );
    }

    #[test]
    fn aliases_from_the_issue() {
        let o = parse(
            Path::new("c.toml"),
            "[gke]\nneg-by-default = true\n[nginx]\nversion = \"1.25\"\n",
        )
        .unwrap();
        let r = resolve(Some(&o), &Overrides::default()).unwrap();
        assert!(r.settings.neg_by_default);
        assert_eq!(r.settings.nginx_version, Some(NginxVersion(1, 25, 0)));
    }

    #[test]
    fn globs() {
        let g = glob("*.conf").unwrap();
        assert!(g.is_match("nginx/a.conf") && g.is_match("a.conf"));
        let g = glob("k8s/*.yaml").unwrap();
        assert!(g.is_match("k8s/a.yaml") && !g.is_match("k8s/x/a.yaml"));
    }

    #[test]
    fn nearest_keys() {
        assert_eq!(nearest("selct", ["select", "ignore"]), Some("select"));
        assert_eq!(nearest("zzzzzz", ["select", "ignore"]), None);
    }
}
