//! LM003 include-not-resolved: see `rules/LM003.md`.

use foldhash::{HashMap, HashMapExt};

use crate::diagnostic::Diagnostic;
use crate::model::nginx::Origin;
use crate::model::{ConfId, Workspace};
use crate::rules::support::diagnostic;
use crate::rules::Rule;

pub struct IncludeNotResolved;

impl Rule for IncludeNotResolved {
    fn id(&self) -> &'static str {
        "LM003"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        if ws.nginx.unresolved_includes.is_empty() {
            return;
        }
        let embedded_includes = embedded_includes(ws);
        for (location, reason) in &ws.nginx.unresolved_includes {
            let key = (location.file, location.span.start);
            let taken = embedded_includes
                .get(&key)
                .map(|&(conf, pattern)| (pattern, mounted_matches(ws, conf, pattern)));
            let message = match taken {
                Some((pattern, paths)) if !paths.is_empty() => {
                    let list = paths
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    let it = if paths.len() == 1 { "it" } else { "each" };
                    format!(
                        "include not followed: `{pattern}` takes {list}, which this container mounts from the linted files; {it} is linted as a config of its own, without the settings around this include"
                    )
                }
                _ => format!("include not followed: {reason}"),
            };
            out.push(
                diagnostic(self.id(), *location, message)
                    .with_note("lint-manifests never reads outside the linted root; rules see the config without this file")
                    .with_identity(format!("include {}", ws.text(*location))),
            );
        }
    }
}

/// The `include` directives of configs embedded in ConfigMaps, by where they are written, with
/// their config and pattern.
fn embedded_includes(ws: &Workspace) -> HashMap<(crate::source::FileId, u32), (ConfId, &str)> {
    let mut out = HashMap::new();
    for conf in &ws.nginx.confs {
        if !matches!(conf.origin, Origin::ConfigMap { .. }) {
            continue;
        }
        for id in conf.all("include") {
            let d = conf.dir(id);
            if let Some(pattern) = d.arg(0) {
                out.insert((d.file, d.span.start), (conf.id, pattern));
            }
        }
    }
    out
}

/// The paths, in the containers that mount `conf`, of other configs of the repository that
/// the include `pattern` takes (relative patterns are relative to `/etc/nginx/`, the prefix
/// of the official images).
fn mounted_matches(ws: &Workspace, conf: ConfId, pattern: &str) -> Vec<String> {
    let pattern = if pattern.starts_with('/') {
        pattern.to_string()
    } else {
        format!("/etc/nginx/{pattern}")
    };
    let Ok(glob) = globset::Glob::new(&pattern).map(|g| g.compile_matcher()) else {
        return Vec::new();
    };
    let mut paths: Vec<String> = ws
        .links
        .mounts_of_conf(conf)
        .flat_map(|m| {
            ws.links.mounts_of(m.workload).filter(move |other| {
                other.container == m.container && other.conf != conf && !other.main
            })
        })
        .filter(|other| glob.is_match(&other.mount_path))
        .map(|other| other.mount_path.clone())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}
