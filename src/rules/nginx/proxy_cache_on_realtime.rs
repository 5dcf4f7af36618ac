//! NGX008 proxy-cache-on-realtime: see `rules/NGX008.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::Workspace;
use crate::rules::edit::insert_nginx_directives;
use crate::rules::support::{diagnostic, location_header, nginx_identity, with_evidence};
use crate::rules::Rule;

use super::{fix_applicability, location_path, realtime_proxied_locations};

pub struct ProxyCacheOnRealtime;

impl Rule for ProxyCacheOnRealtime {
    fn id(&self) -> &'static str {
        "NGX008"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for (conf, loc, evidence) in realtime_proxied_locations(ws) {
            // Off by default (F-59).
            let Some(cache) = conf.effective_one(loc, "proxy_cache") else {
                continue;
            };
            let dir = conf.dir(cache);
            let Some(zone) = dir.args.first() else {
                continue;
            };
            if zone.value == "off" {
                continue;
            }
            let path = location_path(conf, loc);
            let own = dir.parent == Some(loc);
            let mut d = diagnostic(
                self.id(),
                if own { dir.location() } else { location_header(conf, loc) },
                format!(
                    "realtime location `{path}` caches responses in `{}`: Socket.IO polls and event streams are per session",
                    zone.value
                ),
            )
            .with_label(if own {
                "`proxy_cache` on in a realtime location"
            } else {
                "inherits `proxy_cache`"
            })
            .with_identity(format!("{} > proxy_cache", nginx_identity(ws, conf, loc)));
            if !own {
                d = d.with_related(
                    dir.location(),
                    format!("`proxy_cache {}` set here", zone.value),
                );
            }
            d = with_evidence(d, evidence)
                .with_note("a cached polling response or event stream is served to other clients or replayed: sessions see each other's messages or stale data, and handshakes fail")
                .with_help("add `proxy_cache off;` to the location");
            let edit = if own {
                Some(Edit::replace(dir.file, zone.span, "off"))
            } else {
                insert_nginx_directives(&ws.files, conf, loc, &["proxy_cache off;".into()])
            };
            if let Some(edit) = edit {
                let applicability = fix_applicability(conf, Applicability::Unsafe);
                d = d.with_fix(Fix::new(
                    "turn the cache off here",
                    applicability,
                    vec![edit],
                ));
            }
            out.push(d);
        }
    }
}
