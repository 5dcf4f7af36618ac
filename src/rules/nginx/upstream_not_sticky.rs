//! NGX006 upstream-not-sticky: see `rules/NGX006.md`.

use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::model::realtime::proxy_hosts;
use crate::model::Workspace;
use crate::rules::edit::insert_nginx_directives;
use crate::rules::support::{diagnostic, location_header, nginx_identity, with_evidence};
use crate::rules::Rule;

pub struct UpstreamNotSticky;

const STICKY: &[&str] = &["ip_hash", "hash", "sticky"];

impl Rule for UpstreamNotSticky {
    fn id(&self) -> &'static str {
        "NGX006"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for conf in &ws.nginx.confs {
            for upstream in conf.all("upstream") {
                let up = conf.dir(upstream);
                let Some(name) = up.arg(0) else { continue };
                let servers = conf.child_named(Some(upstream), "server");
                if servers.len() < 2
                    || conf
                        .children(Some(upstream))
                        .iter()
                        .any(|&c| STICKY.contains(&conf.dir(c).name.as_str()))
                {
                    continue;
                }
                // A Socket.IO location proxying to it.
                let user = conf.locations().into_iter().find_map(|loc| {
                    let evidence = ws.realtime.location(conf.id, loc)?;
                    if !evidence.iter().any(|e| e.socketio) {
                        return None;
                    }
                    let pass = *conf.child_named(Some(loc), "proxy_pass").first()?;
                    let url = conf.dir(pass).arg(0)?;
                    let authority = url
                        .split_once("://")
                        .map_or(url, |(_, r)| r)
                        .split('/')
                        .next()?;
                    (authority == name
                        || proxy_hosts(conf, url).len() > 1
                            && authority.split(':').next() == Some(name))
                    .then_some((loc, evidence))
                });
                let Some((loc, evidence)) = user else {
                    continue;
                };
                let mut d = diagnostic(
                    self.id(),
                    location_header(conf, upstream),
                    format!("upstream `{name}` balances Socket.IO across {} servers without stickiness: polling requests of one session land on different servers", servers.len()),
                )
                .with_label("no `ip_hash`, `hash` or `sticky` in this upstream")
                .with_related(location_header(conf, loc), "Socket.IO traffic is proxied to it here")
                .with_identity(nginx_identity(ws, conf, upstream));
                d = with_evidence(d, evidence)
                    .with_note("Socket.IO keeps the session in the server that created it; a poll that reaches another server fails with HTTP 400 \"Session ID unknown\"")
                    .with_help("add `ip_hash;` (or `hash $remote_addr consistent;`) to the upstream");
                if let Some(edit) =
                    insert_nginx_directives(&ws.files, conf, upstream, &["ip_hash;".into()])
                {
                    d = d.with_fix(Fix::new(
                        "make the upstream sticky with `ip_hash`",
                        Applicability::Unsafe,
                        vec![edit],
                    ));
                }
                out.push(d);
            }
        }
    }
}
