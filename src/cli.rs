//! The command line. Everything here is the edge: parse flags, call the library, print, pick
//! the exit code (0 clean, 1 findings at or above the fail level, 2 usage or I/O error).

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::baseline::Baseline;
use crate::config::{self, Discovery, Overrides, Resolved, Resolver};
use crate::diagnostic::{Applicability, Level};
use crate::fix;
use crate::lint::{lint, LintOptions};
use crate::registry::{self, RULES};
use crate::report::{self, Format, ReportContext};

#[derive(Parser, Debug)]
#[command(
    name = "lint-manifests",
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("LINT_MANIFESTS_GIT_REVISION"), ")"),
    about = "Lint the Kubernetes manifests and nginx configs that put WebSocket and Socket.IO apps behind Google Cloud load balancers",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print a rule's documentation page.
    Rule {
        /// Rule id (`GKE002`) or name (`websocket-timeout-missing`).
        rule: String,
    },
    /// List every rule: id, name, level, fixable.
    Rules {
        #[arg(long, value_enum, default_value = "table")]
        format: RulesFormat,
    },
    /// Configuration files.
    Config {
        #[command(subcommand)]
        action: ConfigCommand,
    },
    /// Print an nginx config as crossplane-compatible JSON (plus a `column` per directive).
    ParseNginx {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Do not follow `include` directives.
        #[arg(long)]
        single: bool,
        /// Never read includes outside this directory (default: the current directory).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Print a shell completion script (e.g. `lint-manifests completions bash > /etc/bash_completion.d/lint-manifests`).
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the man page (roff) to stdout.
    Man,
}

/// Shells `completions` can write a script for.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Write a commented starting `.lint-manifests.toml`.
    Init {
        /// Where to write it (default: `.lint-manifests.toml` in the current directory).
        path: Option<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RulesFormat {
    Table,
    Json,
    /// The README's rule table.
    Markdown,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Note,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Files or directories to lint (`-` reads stdin). Default: the current directory.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Write the report to this file instead of stdout.
    #[arg(long, short)]
    output: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Apply safe fixes in place.
    #[arg(long)]
    fix: bool,
    /// Also apply unsafe fixes (with `--fix` or `--diff`).
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print the diff the fixes would make, change nothing (exit 1 if there is one).
    #[arg(long)]
    diff: bool,
    /// Show each fix's diff under its finding (human format).
    #[arg(long)]
    show_fixes: bool,
    /// Lowest level that makes the exit code 1 [default: warning, or `fail-on` in the config].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    exit_zero: bool,
    /// Only these rules (ids, names or prefixes, comma-separated); replaces the config's `select`.
    #[arg(long, value_delimiter = ',')]
    select: Option<Vec<String>>,
    /// Also these rules.
    #[arg(long, value_delimiter = ',')]
    extend_select: Vec<String>,
    /// Not these rules.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// The linted root: nothing outside it is read (default: the current directory).
    #[arg(long)]
    root: Option<PathBuf>,
    /// With explicit files, lint only them, without loading the rest of the project for links.
    #[arg(long)]
    no_context: bool,
    /// The name to report stdin under (`-`).
    #[arg(long)]
    stdin_filename: Option<PathBuf>,
    /// Show suppressed findings too.
    #[arg(long)]
    show_suppressed: bool,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Use this configuration file for every linted file (no discovery).
    #[arg(long, value_name = "FILE", conflicts_with = "isolated")]
    config: Option<PathBuf>,
    /// Ignore every configuration file: defaults and flags only.
    #[arg(long)]
    isolated: bool,
    /// Print the settings in force for the first path (or the current directory), then exit.
    #[arg(long)]
    show_settings: bool,
    /// Record the current findings in FILE (by fingerprint) and exit 0.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Hide the findings recorded in FILE; report only new ones.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    baseline: Option<PathBuf>,
}

/// Run the CLI; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lint-manifests: error: {e:#}");
            2
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Some(Command::Rule { rule }) => print_rule(&rule),
        Some(Command::Rules { format }) => print_rules(format),
        Some(Command::Config {
            action: ConfigCommand::Init { path, force },
        }) => config_init(path, force),
        Some(Command::ParseNginx {
            files,
            single,
            root,
        }) => {
            let root = root.unwrap_or_else(|| PathBuf::from("."));
            let payload =
                crate::parse::nginx::crossplane::parse_nginx_payload(&files, &root, !single);
            let ok = payload.get("status").and_then(|s| s.as_str()) == Some("ok");
            let mut out = std::io::stdout().lock();
            serde_json::to_writer(&mut out, &payload)?;
            writeln!(out)?;
            Ok(if ok { 0 } else { 1 })
        }
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            use clap_complete::Shell;
            let shell = match shell {
                CompletionShell::Bash => Shell::Bash,
                CompletionShell::Zsh => Shell::Zsh,
                CompletionShell::Fish => Shell::Fish,
                CompletionShell::Powershell => Shell::PowerShell,
                CompletionShell::Elvish => Shell::Elvish,
            };
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "lint-manifests",
                &mut std::io::stdout(),
            );
            Ok(0)
        }
        Some(Command::Man) => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(0)
        }
        None => check(cli.check),
    }
}

fn print_rule(id: &str) -> anyhow::Result<i32> {
    match registry::lookup(id) {
        Some(rule) => {
            print!("{}", rule.doc);
            Ok(0)
        }
        None => {
            let near: Vec<&str> = RULES
                .iter()
                .filter(|r| r.id.starts_with(&id.to_ascii_uppercase()) || r.name.contains(id))
                .map(|r| r.id)
                .take(5)
                .collect();
            eprintln!(
                "lint-manifests: error: no rule `{id}`{}",
                if near.is_empty() {
                    String::new()
                } else {
                    format!("; did you mean {}?", near.join(", "))
                }
            );
            eprintln!("  list all rules with `lint-manifests rules`");
            Ok(2)
        }
    }
}

fn print_rules(format: RulesFormat) -> anyhow::Result<i32> {
    let mut out = std::io::stdout().lock();
    match format {
        RulesFormat::Json => {
            let rules: Vec<_> = RULES
                .iter()
                .map(|r| serde_json::json!({"id": r.id, "name": r.name, "level": r.level.as_str(), "category": r.category.as_str(), "fix": registry_fix(r), "summary": r.summary()}))
                .collect();
            serde_json::to_writer_pretty(&mut out, &rules)?;
            writeln!(out)?;
        }
        RulesFormat::Markdown => write!(out, "{}", rules_markdown())?,
        RulesFormat::Table => {
            writeln!(out, "{:<7} {:<38} {:<8} fix", "id", "name", "level")?;
            for r in RULES {
                writeln!(
                    out,
                    "{:<7} {:<38} {:<8} {}",
                    r.id,
                    r.name,
                    r.level.as_str(),
                    registry_fix(r)
                )?;
            }
        }
    }
    Ok(0)
}

fn registry_fix(rule: &registry::RuleMeta) -> &'static str {
    rule.fix_availability()
}

fn check(args: CheckArgs) -> anyhow::Result<i32> {
    let cwd = std::env::current_dir()?;
    let mut paths = args.paths.clone();
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    // Explicit files only (as pre-commit passes them): load the whole project for links,
    // report the given files.
    let all_files = !paths.is_empty() && paths.iter().all(|p| p.as_os_str() != "-" && p.is_file());
    let context_root = (all_files && !args.no_context).then(|| {
        args.root
            .clone()
            .or_else(|| {
                crate::lint::project_root(&paths[0]).map(|r| crate::lint::relative_to_cwd(&r))
            })
            .unwrap_or_else(|| PathBuf::from("."))
    });
    let root = args
        .root
        .clone()
        .or_else(|| context_root.clone())
        .unwrap_or_else(|| PathBuf::from("."));
    let mut options = match &context_root {
        Some(project) => {
            // The given files too: they are linted even when ignored.
            let mut all = vec![project.clone()];
            all.extend(paths.iter().cloned());
            let mut o = LintOptions::new(all, root);
            o.report_only = Some(paths.clone());
            o
        }
        None => LintOptions::new(paths.clone(), root),
    };
    options.threads = args.threads;
    if args.threads > 0 {
        // The rayon pool is global; set it once, before any parallel work.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(args.threads)
            .build_global();
    }
    if paths.iter().any(|p| p.as_os_str() == "-") {
        let mut content = Vec::new();
        std::io::stdin().read_to_end(&mut content)?;
        let name = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("<stdin>.yaml"));
        options.stdin = Some((name, content));
    }
    for p in args.paths.iter().filter(|p| p.as_os_str() != "-") {
        if !p.exists() {
            anyhow::bail!("`{}` does not exist", p.display());
        }
    }
    for s in args
        .select
        .iter()
        .flatten()
        .chain(&args.extend_select)
        .chain(&args.ignore)
    {
        if crate::selection::unknown_selector(s) {
            eprintln!(
                "lint-manifests: error: `--select`/`--ignore`: `{s}` names no rule\n  help: {}",
                config::selector_help(s)
            );
            return Ok(2);
        }
    }
    let discovery = if args.isolated {
        Discovery::Isolated
    } else if let Some(path) = &args.config {
        Discovery::Fixed(path.clone())
    } else {
        Discovery::Closest
    };
    let overrides = Overrides {
        select: args.select.clone(),
        extend_select: args.extend_select.clone(),
        ignore: args.ignore.clone(),
        fail_on: args.fail_on.map(|f| match f {
            FailOn::Error => Level::Error,
            FailOn::Warning => Level::Warning,
            FailOn::Note => Level::Note,
        }),
    };
    let resolver = match Resolver::new(discovery, overrides) {
        Ok(r) => r,
        Err(e) => return Ok(config_error(&e)),
    };
    let project_path = match paths.iter().find(|p| p.as_os_str() != "-") {
        Some(p) => p.clone(),
        None => args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from(".")),
    };
    let project = match resolver.for_path(&project_path) {
        Ok(r) => r,
        Err(e) => return Ok(config_error(&e)),
    };
    if args.show_settings {
        print_settings(&project_path, &project)?;
        return Ok(0);
    }
    options.settings = project.settings.clone();
    if let Some(n) = project.max_file_size {
        options.limits.max_file_size = n;
    }
    if let Some(n) = project.max_files {
        options.limits.max_files = n;
    }
    options.config = Some(Arc::new(resolver));
    // Selection is per file, through the resolver.
    let enabled = |_: &str| true;

    let minimum = if args.unsafe_fixes {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    let (result, fix_summary) = if args.fix || args.diff {
        let outcome = fix::fix_in_memory(&options, &enabled, minimum);
        if !outcome.result.config_errors.is_empty() {
            // Never touch files under a configuration that could not be read.
            for e in &outcome.result.config_errors {
                eprintln!("lint-manifests: error: {e}");
            }
            return Ok(2);
        }
        if args.diff {
            let mut out = std::io::stdout().lock();
            for (path, (original, fixed)) in &outcome.changed {
                write!(out, "{}", fix::unified_diff(path, original, fixed))?;
            }
            let code = if outcome.changed.is_empty() { 0 } else { 1 };
            eprintln!(
                "{} fix(es) would change {} file(s)",
                outcome.applied,
                outcome.changed.len()
            );
            return Ok(code);
        }
        let mut written = 0;
        let mut failed = false;
        for (path, (_, fixed)) in &outcome.changed {
            match fix::write_atomically(path, fixed) {
                Ok(()) => written += 1,
                Err(e) => {
                    failed = true;
                    eprintln!(
                        "lint-manifests: error: cannot fix `{}`: {e}",
                        path.display()
                    );
                }
            }
        }
        if failed {
            // Some files could not be written: report what is on disk now, exit 2.
            let result = lint(&options, &enabled);
            let ctx = ReportContext::new(&result.files, &cwd);
            report::emit(
                args.format,
                &result.diagnostics,
                &ctx,
                &mut std::io::stdout().lock(),
            )?;
            return Ok(2);
        } else {
            (outcome.result, Some((outcome.applied, written)))
        }
    } else {
        options.free_model = crate::lint::FreeModel::Never;
        (lint(&options, &enabled), None)
    };

    let mut result = result;
    if !result.config_errors.is_empty() {
        for e in &result.config_errors {
            eprintln!("lint-manifests: error: {e}");
        }
        return Ok(2);
    }
    for s in &result.skipped {
        eprintln!(
            "lint-manifests: warning: skipped `{}`: {}",
            s.path.display(),
            s.reason
        );
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let ctx = ReportContext {
        files: &result.files,
        base_dir: &cwd,
        color,
        show_fixes: args.show_fixes,
        show_suppressed: args.show_suppressed,
    };
    if let Some(path) = &args.write_baseline {
        let baseline = Baseline::from_diagnostics(&result.diagnostics, &ctx);
        if let Err(e) = baseline.write(path) {
            eprintln!("lint-manifests: error: {e}");
            return Ok(2);
        }
        eprintln!(
            "Wrote {} finding(s) to baseline `{}`.",
            baseline.findings.len(),
            path.display()
        );
        return Ok(0);
    }
    let mut diagnostics = std::mem::take(&mut result.diagnostics);
    if let Some(path) = &args.baseline {
        let baseline = match Baseline::read(path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("lint-manifests: error: {e}");
                return Ok(2);
            }
        };
        let outcome = baseline.apply(&mut diagnostics, &ctx);
        eprintln!(
            "Baseline `{}`: {} finding(s) hidden, {} stale entr{} (fixed since; rewrite with `--write-baseline`).",
            path.display(),
            outcome.hidden,
            outcome.stale,
            if outcome.stale == 1 { "y" } else { "ies" }
        );
    }
    match &args.output {
        Some(path) => {
            let mut buf = Vec::new();
            report::emit(args.format, &diagnostics, &ctx, &mut buf)?;
            std::fs::write(path, buf)
                .map_err(|e| anyhow::anyhow!("cannot write `{}`: {e}", path.display()))?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            report::emit(args.format, &diagnostics, &ctx, &mut out)?;
            out.flush()?;
        }
    }
    if let Some((applied, written)) = fix_summary {
        eprintln!("Fixed {applied} finding(s) in {written} file(s).");
    }
    let code = if args.exit_zero {
        0
    } else {
        let threshold = project.fail_on;
        let failing = diagnostics
            .iter()
            .any(|d| d.suppressed.is_none() && d.level >= threshold);
        i32::from(failing)
    };
    // The process exits next: freeing every file's text and finding one by one (~10 ms on a
    // large repository) would only delay that.
    std::mem::forget(diagnostics);
    std::mem::forget(result);
    Ok(code)
}

fn config_error(e: &config::ConfigError) -> i32 {
    eprintln!("lint-manifests: error: {e}");
    2
}

fn config_init(path: Option<PathBuf>, force: bool) -> anyhow::Result<i32> {
    let path = path.unwrap_or_else(|| PathBuf::from(config::CONFIG_FILE_NAME));
    let path = if path.is_dir() {
        path.join(config::CONFIG_FILE_NAME)
    } else {
        path
    };
    if path.exists() && !force {
        eprintln!(
            "lint-manifests: error: `{}` already exists; not overwritten\n  help: pass `--force` to replace it",
            path.display()
        );
        return Ok(2);
    }
    std::fs::write(&path, config::STARTER)
        .map_err(|e| anyhow::anyhow!("cannot write `{}`: {e}", path.display()))?;
    eprintln!("Wrote `{}`.", path.display());
    Ok(0)
}

fn print_settings(path: &Path, r: &Resolved) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let quote = |v: &[String]| -> String {
        let items: Vec<String> = v.iter().map(|s| format!("{s:?}")).collect();
        format!("[{}]", items.join(", "))
    };
    writeln!(out, "# Settings for `{}`", path.display())?;
    match &r.source {
        Some(source) => writeln!(
            out,
            "# from `{}`, then command-line flags",
            source.display()
        )?,
        None => writeln!(
            out,
            "# no configuration file: defaults, then command-line flags"
        )?,
    }
    let enabled: Vec<String> = r.enabled_ids().iter().map(|s| s.to_string()).collect();
    let disabled: Vec<String> = RULES
        .iter()
        .filter(|m| !r.is_enabled(m.id))
        .map(|m| m.id.to_string())
        .collect();
    writeln!(out, "enabled = {}", quote(&enabled))?;
    writeln!(out, "disabled = {}", quote(&disabled))?;
    writeln!(out, "fail-on = {:?}", r.fail_on.as_str())?;
    writeln!(out, "exclude = {}", quote(&r.exclude))?;
    writeln!(out, "\n[levels]")?;
    for m in RULES {
        if let Some(level) = r.level(m.id) {
            if level != m.level {
                writeln!(
                    out,
                    "{} = {:?}  # default {}",
                    m.id,
                    level.as_str(),
                    m.level.as_str()
                )?;
            }
        }
    }
    writeln!(out, "\n[per-file-ignores]")?;
    for p in &r.per_file_ignores {
        writeln!(out, "{:?} = {}", p.pattern, quote(&p.selectors))?;
    }
    let s = &r.settings;
    writeln!(out, "\n[realtime]")?;
    writeln!(out, "paths = {}", quote(&s.realtime_segments))?;
    writeln!(out, "\n[assumptions]")?;
    writeln!(out, "neg-by-default = {}", s.neg_by_default)?;
    match s.nginx_version {
        Some(v) => writeln!(out, "nginx-version = \"{v}\"")?,
        None => writeln!(out, "# nginx-version: from the image tag")?,
    }
    writeln!(out, "complete-repo = {}", !s.partial_repo)?;
    writeln!(out, "\n[thresholds]")?;
    writeln!(
        out,
        "gke003-min-timeout-sec = {}",
        s.min_websocket_timeout_sec
    )?;
    writeln!(out, "ngx004-heartbeat-sec = {}", s.heartbeat_sec)?;
    Ok(())
}

/// The README's rule table: id, name, level, fix, summary, from the registry and rule pages.
pub fn rules_markdown() -> String {
    let mut out =
        String::from("| id | name | level | fix | what it does |\n|---|---|---|---|---|\n");
    for r in RULES {
        let summary = r.summary().replace('\n', " ").replace('|', "\\|");
        out.push_str(&format!(
            "| [{id}](rules/{id}.md) | {} | {} | {} | {summary} |\n",
            r.name,
            r.level.as_str(),
            r.fix_availability(),
            id = r.id
        ));
    }
    out
}
