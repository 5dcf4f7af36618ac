//! Records the git revision for `lint-manifests --version` (`unknown` outside a checkout).

use std::path::PathBuf;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}

fn main() {
    let revision = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=LINT_MANIFESTS_GIT_REVISION={revision}");
    // Rebuild when HEAD moves. Only name files that exist (in a worktree `.git` is a file and
    // HEAD lives elsewhere): a missing path would make cargo rerun this script every build.
    println!("cargo:rerun-if-changed=build.rs");
    if let Some(git_dir) = git(&["rev-parse", "--git-dir"]).map(PathBuf::from) {
        for watched in [git_dir.join("HEAD"), git_dir.join("refs")] {
            if watched.exists() {
                println!("cargo:rerun-if-changed={}", watched.display());
            }
        }
        if let Some(common) = git(&["rev-parse", "--git-common-dir"]).map(PathBuf::from) {
            let refs = common.join("refs");
            if refs.exists() {
                println!("cargo:rerun-if-changed={}", refs.display());
            }
        }
    }
}
