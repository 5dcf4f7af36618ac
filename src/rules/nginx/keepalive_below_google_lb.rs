//! NGX009 keepalive-below-google-lb: see `rules/NGX009.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::{ConfId, DirId, Workspace};
use crate::rules::edit::insert_nginx_directives;
use crate::rules::support::{
    behind_google_lb, diagnostic, location_header, nginx_identity, nginx_seconds,
};
use crate::rules::Rule;

pub struct KeepaliveBelowGoogleLb;

/// What the fix sets: above Google's, as Google's own echo server does.
const RECOMMENDED: &str = "620s";
/// Google's load balancer keeps idle backend connections 600 s (F-25); nginx must keep
/// them longer: below this it is reported (RULES.md NGX009: under 620 s).
const MIN_SEC: f64 = 620.0;

impl Rule for KeepaliveBelowGoogleLb {
    fn id(&self) -> &'static str {
        "NGX009"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for conf in &ws.nginx.confs {
            let Some((service, lb_at)) = behind_google_lb(ws, conf) else {
                continue;
            };
            let http = conf.http();
            // The effective value of each server (its own, else the `http` one); the first
            // below the threshold is reported, a missing one (the default) included.
            let servers = conf.servers();
            let effective: Vec<Option<DirId>> = if servers.is_empty() {
                vec![conf.child_named(http, "keepalive_timeout").last().copied()]
            } else {
                servers
                    .iter()
                    .map(|&s| conf.effective_one(s, "keepalive_timeout"))
                    .collect()
            };
            let Some(explicit) = effective.into_iter().find(|k| {
                k.is_none_or(|k| {
                    conf.dir(k)
                        .arg(0)
                        .and_then(nginx_seconds)
                        .is_some_and(|secs| secs < MIN_SEC)
                })
            }) else {
                continue;
            };
            let (primary, seconds, edit, default) = match explicit {
                Some(k) => {
                    let d = conf.dir(k);
                    let Some(secs) = d.arg(0).and_then(nginx_seconds) else {
                        continue;
                    };
                    (
                        d.location(),
                        secs,
                        Some(Edit::replace(d.file, d.args[0].span, RECOMMENDED)),
                        false,
                    )
                }
                None => {
                    // A conf.d fragment runs inside the image's nginx.conf (65 s), or inside
                    // the main nginx.conf the same container mounts from the repository,
                    // whose `http` level decides (and is checked as a config of its own); a
                    // full config without the directive gets nginx's 75 s default.
                    let (anchor, secs) = match http {
                        Some(h) => (h, 75.0),
                        None if mounted_under_a_main_config(ws, conf.id) => continue,
                        None => match conf.servers().first() {
                            Some(&s) => (s, 65.0),
                            None => continue,
                        },
                    };
                    let edit = insert_nginx_directives(
                        &ws.files,
                        conf,
                        anchor,
                        &[format!("keepalive_timeout {RECOMMENDED};")],
                    );
                    (location_header(conf, anchor), secs, edit, true)
                }
            };
            if seconds >= MIN_SEC {
                continue;
            }
            let mut d = diagnostic(
                self.id(),
                primary,
                format!(
                    "nginx closes idle keep-alive connections after {seconds} s{}, while Google's load balancer reuses them for up to 600 s: requests race into closing connections and get 502",
                    if default { " (default)" } else { "" }
                ),
            )
            .with_label(if default { "no `keepalive_timeout` here: the default applies" } else { "below 620 s: too close to the load balancer's 600 s" })
            .with_related(lb_at, format!("Service `{}` is a GKE load balancer backend", service.name))
            .with_note("the load balancer reuses backend connections for up to 600 s; the backend must keep them open longer so that it never closes one the balancer is about to use")
            .with_help(format!("set `keepalive_timeout {RECOMMENDED};` in the `http` block"))
            .with_identity(format!("{} > keepalive_timeout", nginx_identity(ws, conf, http.unwrap_or(conf.top[0]))));
            if let Some(edit) = edit {
                let applicability = if conf.editable() {
                    Applicability::Safe
                } else {
                    Applicability::DisplayOnly
                };
                d = d.with_fix(Fix::new(
                    format!("set `keepalive_timeout {RECOMMENDED}`"),
                    applicability,
                    vec![edit],
                ));
            }
            out.push(d);
        }
    }
}

/// Whether a container that mounts `fragment` also mounts a main nginx.conf of the repository.
fn mounted_under_a_main_config(ws: &Workspace, fragment: ConfId) -> bool {
    ws.links.mounts_of_conf(fragment).any(|m| {
        ws.links
            .mounts_of(m.workload)
            .any(|other| other.main && other.container == m.container && other.conf != fragment)
    })
}
