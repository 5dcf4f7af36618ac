//! NGX010 connection-close-defeats-keepalive: see `rules/NGX010.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::Workspace;
use crate::rules::support::{diagnostic, nginx_identity};
use crate::rules::Rule;

use super::{fix_applicability, location_path};

pub struct ConnectionCloseDefeatsKeepalive;

impl Rule for ConnectionCloseDefeatsKeepalive {
    fn id(&self) -> &'static str {
        "NGX010"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for conf in &ws.nginx.confs {
            for map in conf.all("map") {
                let m = conf.dir(map);
                let Some(var) = m.arg(1).map(|v| v.trim_start_matches('$').to_string()) else {
                    continue;
                };
                if m.arg(0) != Some("$http_upgrade") {
                    continue;
                }
                // The `'' close;` entry.
                let Some(close) = conf.children(Some(map)).iter().copied().find(|&e| {
                    let d = conf.dir(e);
                    d.name.is_empty() && d.arg(0).is_some_and(|a| a.eq_ignore_ascii_case("close"))
                }) else {
                    continue;
                };
                // A location that sends `Connection $var` to an upstream with `keepalive`.
                let reference = format!("${var}");
                let mut found = None;
                'locations: for loc in conf.locations() {
                    let Some((_, headers)) = conf.effective(loc, "proxy_set_header") else {
                        continue;
                    };
                    let feeds = headers.iter().any(|&h| {
                        let d = conf.dir(h);
                        d.arg(0)
                            .is_some_and(|n| n.eq_ignore_ascii_case("connection"))
                            && d.arg(1) == Some(reference.as_str())
                    });
                    if !feeds {
                        continue;
                    }
                    for pass in conf.child_named(Some(loc), "proxy_pass") {
                        let url = conf.dir(pass).arg(0).unwrap_or("");
                        let rest = url.split_once("://").map_or(url, |(_, r)| r);
                        let host = rest.split(['/', ':']).next().unwrap_or("");
                        for upstream in conf.all("upstream") {
                            if conf.dir(upstream).arg(0) != Some(host) {
                                continue;
                            }
                            if let Some(&k) = conf.child_named(Some(upstream), "keepalive").first()
                            {
                                found = Some((loc, upstream, k));
                                break 'locations;
                            }
                        }
                    }
                }
                let Some((loc, upstream, keepalive)) = found else {
                    continue;
                };
                let close_dir = conf.dir(close);
                let up = conf.dir(upstream);
                let path = location_path(conf, loc);
                let mut d = diagnostic(
                    self.id(),
                    close_dir.location(),
                    format!(
                        "`map` sends `Connection: close` for every non-WebSocket request, defeating `keepalive` of upstream `{}`",
                        up.arg(0).unwrap_or("")
                    ),
                )
                .with_label("ordinary requests get `Connection: close`")
                .with_related(
                    conf.dir(keepalive).location(),
                    "upstream keep-alive connections wanted here",
                )
                .with_related(
                    crate::rules::support::location_header(conf, loc),
                    format!("location `{path}` sends `Connection ${var}` to that upstream"),
                )
                .with_note("with `Connection: close` nginx closes the upstream connection after each request, so the `keepalive` pool stays empty and every request pays a new connection")
                .with_help("map `''` to `''` instead of `close`")
                .with_identity(format!("{} > ''", nginx_identity(ws, conf, map)));
                if let Some(arg) = close_dir.args.first() {
                    let applicability = fix_applicability(conf, Applicability::Unsafe);
                    d = d.with_fix(Fix::new(
                        "map `''` to `''`",
                        applicability,
                        vec![Edit::replace(close_dir.file, arg.span, "''")],
                    ));
                }
                out.push(d);
            }
        }
    }
}
