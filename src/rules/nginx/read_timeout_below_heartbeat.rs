//! NGX004 read-timeout-below-heartbeat: see `rules/NGX004.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::Workspace;
use crate::rules::edit::insert_nginx_directives;
use crate::rules::support::{
    diagnostic, location_header, nginx_identity, nginx_seconds, with_evidence,
};
use crate::rules::Rule;

use super::{fix_applicability, location_path, realtime_proxied_locations};

pub struct ReadTimeoutBelowHeartbeat;

/// What the fix sets.
const RECOMMENDED: &str = "3600s";

impl Rule for ReadTimeoutBelowHeartbeat {
    fn id(&self) -> &'static str {
        "NGX004"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        let heartbeat = ws.settings.heartbeat_sec as f64;
        for (conf, loc, evidence) in realtime_proxied_locations(ws) {
            // Unset: nginx's 60 s default, above the heartbeat window (F-52).
            let Some(timeout) = conf.effective_one(loc, "proxy_read_timeout") else {
                continue;
            };
            let dir = conf.dir(timeout);
            let Some(value) = dir.args.first() else {
                continue;
            };
            let Some(seconds) = nginx_seconds(&value.value) else {
                continue;
            };
            if seconds > heartbeat {
                continue;
            }
            let path = location_path(conf, loc);
            let own = dir.parent == Some(loc);
            let primary = if own {
                dir.location()
            } else {
                location_header(conf, loc)
            };
            let mut d = diagnostic(
                self.id(),
                primary,
                format!(
                    "location `{path}` has `proxy_read_timeout {}`, not above Socket.IO's {heartbeat} s heartbeat window: nginx closes connections between pings",
                    value.value
                ),
            )
            .with_label(if own {
                "read timeout too short for the heartbeat"
            } else {
                "inherits a read timeout too short for the heartbeat"
            })
            .with_identity(format!(
                "{} > proxy_read_timeout",
                nginx_identity(ws, conf, loc)
            ));
            if !own {
                d = d.with_related(
                    dir.location(),
                    format!("`proxy_read_timeout {}` set here", value.value),
                );
            }
            d = with_evidence(d, evidence)
                .with_note(format!("`proxy_read_timeout` is how long nginx waits between two reads from the backend; a Socket.IO connection may be silent for `pingInterval + pingTimeout` ({heartbeat} s by default), so nginx cuts healthy connections"))
                .with_help(format!("set `proxy_read_timeout {RECOMMENDED};` in the location"));
            let edit = if own {
                Some(Edit::replace(dir.file, value.span, RECOMMENDED))
            } else {
                insert_nginx_directives(
                    &ws.files,
                    conf,
                    loc,
                    &[format!("proxy_read_timeout {RECOMMENDED};")],
                )
            };
            if let Some(edit) = edit {
                let applicability = fix_applicability(conf, Applicability::Safe);
                d = d.with_fix(Fix::new(
                    format!("set `proxy_read_timeout {RECOMMENDED}`"),
                    applicability,
                    vec![edit],
                ));
            }
            out.push(d);
        }
    }
}
