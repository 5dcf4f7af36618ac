//! NGX002 proxy-set-header-inheritance-loss: see `rules/NGX002.md`.

use crate::diagnostic::{Applicability, Diagnostic, Fix};
use crate::model::Workspace;
use crate::rules::edit::insert_nginx_directives;
use crate::rules::support::{diagnostic, location_header, nginx_identity, with_evidence};
use crate::rules::Rule;

use super::{realtime_proxied_locations, UpgradeHeaders};

pub struct ProxySetHeaderInheritanceLoss;

impl Rule for ProxySetHeaderInheritanceLoss {
    fn id(&self) -> &'static str {
        "NGX002"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for (conf, loc, evidence) in realtime_proxied_locations(ws) {
            let own = conf.child_named(Some(loc), "proxy_set_header");
            if own.is_empty() || UpgradeHeaders::read(conf, &own).complete() {
                continue;
            }
            let Some(parent) = conf.dir(loc).parent else {
                continue;
            };
            let Some((_, above)) = conf.effective(parent, "proxy_set_header") else {
                continue;
            };
            let lost = UpgradeHeaders::read(conf, &above);
            let kept = UpgradeHeaders::read(conf, &own);
            let lost_dirs: Vec<_> = [
                (lost.upgrade, kept.upgrade),
                (lost.connection, kept.connection),
            ]
            .into_iter()
            .filter_map(|(l, k)| if k.is_none() { l } else { None })
            .collect();
            if lost_dirs.is_empty() {
                continue;
            }
            let path = conf
                .dir(loc)
                .location_match()
                .map_or("", |(_, p)| p)
                .to_string();
            let first_own = conf.dir(own[0]);
            let mut d = diagnostic(
                self.id(),
                location_header(conf, loc),
                format!("location `{path}` sets its own `proxy_set_header`, so the `Upgrade`/`Connection` headers set above are not inherited"),
            )
            .with_label("WebSocket location loses the upgrade headers")
            .with_related(first_own.location(), "this `proxy_set_header` stops inheritance of all headers from the enclosing block")
            .with_identity(nginx_identity(ws, conf, loc));
            for &l in &lost_dirs {
                d = d.with_related(
                    conf.dir(l).location(),
                    "set here, but not inherited by the location",
                );
            }
            d = with_evidence(d, evidence)
                .with_note("nginx inherits `proxy_set_header` from the enclosing level only when the level itself defines none")
                .with_help("repeat the `Upgrade` and `Connection` headers inside the location");
            let lines: Vec<String> = lost_dirs
                .iter()
                .map(|&l| ws.text(conf.dir(l).location()).to_string())
                .collect();
            if let Some(edit) = insert_nginx_directives(&ws.files, conf, loc, &lines) {
                let applicability = if conf.editable() {
                    Applicability::Safe
                } else {
                    Applicability::DisplayOnly
                };
                d = d.with_fix(Fix::new(
                    "repeat the upgrade headers in the location",
                    applicability,
                    vec![edit],
                ));
            }
            out.push(d);
        }
    }
}
