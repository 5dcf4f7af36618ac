//! Baselines: adopt the linter on a repository with known findings, and fail only on new ones.
//!
//! `--write-baseline FILE` records every current (unsuppressed) finding by its fingerprint
//! ([`crate::report::fingerprint`]: rule, file, and the finding's identity, not its line), so
//! edits elsewhere in a file do not make old findings look new. `--baseline FILE` hides the
//! findings recorded there and reports the rest; entries that matched nothing are *stale* (the
//! finding was fixed) and are counted, so the baseline can be rewritten to shrink.
//!
//! The file is JSON, sorted, one entry per finding (a fingerprint appears as many times as
//! there were findings with it), with the rule, file and message for people reading diffs.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostic::Diagnostic;
use crate::report::{fingerprint, ReportContext};

pub const VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub file: String,
    pub rule: String,
    pub fingerprint: String,
    #[serde(default)]
    pub message: String,
}

/// What applying a baseline did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Findings hidden because the baseline has them.
    pub hidden: usize,
    /// Baseline entries that matched no finding (fixed since).
    pub stale: usize,
}

impl Baseline {
    /// The current unsuppressed findings.
    pub fn from_diagnostics(diagnostics: &[Diagnostic], ctx: &ReportContext) -> Baseline {
        let mut findings: Vec<Entry> = diagnostics
            .iter()
            .filter(|d| d.suppressed.is_none())
            .map(|d| Entry {
                file: ctx.display_path(d.primary),
                rule: d.rule.to_string(),
                fingerprint: fingerprint(d, ctx),
                message: d.message.clone(),
            })
            .collect();
        findings.sort();
        Baseline {
            version: VERSION,
            findings,
        }
    }

    pub fn read(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read baseline `{}`: {e}", path.display()))?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}:{}:{}: not a lint-manifests baseline: {e}\n  help: write one with `lint-manifests --write-baseline {}`",
                path.display(),
                e.line(),
                e.column(),
                path.display()
            )
        })?;
        if baseline.version != VERSION {
            return Err(format!(
                "{}: baseline version {} is not supported (expected {VERSION})\n  help: rewrite it with `--write-baseline`",
                path.display(),
                baseline.version
            ));
        }
        Ok(baseline)
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        text.push('\n');
        std::fs::write(path, text)
            .map_err(|e| format!("cannot write baseline `{}`: {e}", path.display()))
    }

    /// Remove from `diagnostics` the findings this baseline records (each entry hides one).
    pub fn apply(&self, diagnostics: &mut Vec<Diagnostic>, ctx: &ReportContext) -> Outcome {
        let mut remaining: HashMap<&str, usize> = HashMap::new();
        for e in &self.findings {
            *remaining.entry(e.fingerprint.as_str()).or_default() += 1;
        }
        let mut hidden = 0;
        diagnostics.retain(|d| {
            if d.suppressed.is_some() {
                return true;
            }
            let fp = fingerprint(d, ctx);
            match remaining.get_mut(fp.as_str()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    hidden += 1;
                    false
                }
                _ => true,
            }
        });
        Outcome {
            hidden,
            stale: remaining.values().sum(),
        }
    }
}
