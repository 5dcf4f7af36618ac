//! NGX001 websocket-upgrade-headers-missing: see `rules/NGX001.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::DirId;
use crate::model::Workspace;
use crate::rules::edit::insert_nginx_directives;
use crate::rules::support::{diagnostic, location_header, nginx_identity, with_evidence};
use crate::rules::Rule;

use super::{realtime_proxied_locations, UpgradeHeaders, CONNECTION_LINE, UPGRADE_LINE};

pub struct WebsocketUpgradeHeadersMissing;

impl Rule for WebsocketUpgradeHeadersMissing {
    fn id(&self) -> &'static str {
        "NGX001"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for (conf, loc, evidence) in realtime_proxied_locations(ws) {
            let own = conf.child_named(Some(loc), "proxy_set_header");
            let (level, effective) = conf
                .effective(loc, "proxy_set_header")
                .unwrap_or((None, Vec::new()));
            let found = UpgradeHeaders::read(conf, &effective);
            if found.complete() {
                continue;
            }
            // Headers set above but shadowed by this location's own: NGX002 says that.
            if !own.is_empty() && level == Some(loc) {
                let above = conf
                    .dir(loc)
                    .parent
                    .and_then(|p| conf.effective(p, "proxy_set_header"));
                if above.is_some_and(|(_, set)| {
                    let up = UpgradeHeaders::read(conf, &set);
                    up.upgrade.is_some() || up.connection.is_some()
                }) {
                    continue;
                }
            }
            let mut missing = Vec::new();
            if found.upgrade.is_none() {
                missing.push("`Upgrade $http_upgrade`");
            }
            if found.connection.is_none() {
                missing.push("`Connection \"upgrade\"`");
            }
            let path = conf
                .dir(loc)
                .location_match()
                .map_or("", |(_, p)| p)
                .to_string();
            let mut d = diagnostic(
                self.id(),
                location_header(conf, loc),
                format!("location `{path}` proxies WebSockets without {}: the upgrade never reaches the backend", missing.join(" and ")),
            )
            .with_label("WebSocket location without upgrade headers")
            .with_identity(nginx_identity(ws, conf, loc));
            d = with_evidence(d, evidence)
                .with_note("`Upgrade` and `Connection` are hop-by-hop headers: nginx does not pass them to the upstream unless told to, so the handshake becomes a plain HTTP request (Socket.IO falls back to polling, or the connection fails)")
                .with_help("add `proxy_set_header Upgrade $http_upgrade;` and `proxy_set_header Connection \"upgrade\";` to the location");
            // A header of the right name with a wrong value (`Connection "keep-alive"`) gets
            // its value replaced: a second header line would send both values.
            let named = |set: &[DirId], name: &str| {
                set.iter().copied().rev().find(|&h| {
                    let d = conf.dir(h);
                    d.args.len() >= 2 && d.arg(0).is_some_and(|n| n.eq_ignore_ascii_case(name))
                })
            };
            let wrong_upgrade = found
                .upgrade
                .is_none()
                .then(|| named(&effective, "upgrade"))
                .flatten();
            let wrong_connection = found
                .connection
                .is_none()
                .then(|| named(&effective, "connection"))
                .flatten();
            let mut edits = Vec::new();
            // The new lines stop inheritance of the headers set above: copy those too (the
            // wrong ones in their corrected form).
            let mut lines: Vec<String> = Vec::new();
            if own.is_empty() {
                lines.extend(
                    effective
                        .iter()
                        .filter(|&&h| Some(h) != wrong_upgrade && Some(h) != wrong_connection)
                        .map(|&h| ws.text(conf.dir(h).location()).to_string()),
                );
            }
            if found.upgrade.is_none() {
                match wrong_upgrade.filter(|_| !own.is_empty()) {
                    Some(h) => edits.push(Edit::replace(
                        conf.dir(h).file,
                        conf.dir(h).args[1].span,
                        "$http_upgrade",
                    )),
                    None => lines.push(UPGRADE_LINE.into()),
                }
            }
            if found.connection.is_none() {
                match wrong_connection.filter(|_| !own.is_empty()) {
                    Some(h) => edits.push(Edit::replace(
                        conf.dir(h).file,
                        conf.dir(h).args[1].span,
                        "\"upgrade\"",
                    )),
                    None => lines.push(CONNECTION_LINE.into()),
                }
            }
            if !lines.is_empty() {
                edits.extend(insert_nginx_directives(&ws.files, conf, loc, &lines));
            }
            if !edits.is_empty() {
                let applicability = if conf.editable() {
                    Applicability::Safe
                } else {
                    Applicability::DisplayOnly
                };
                d = d.with_fix(Fix::new(
                    "add the WebSocket upgrade headers",
                    applicability,
                    edits,
                ));
            }
            out.push(d);
        }
    }
}
