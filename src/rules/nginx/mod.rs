//! nginx rules: files, their includes, and nginx.conf inside ConfigMaps.

pub mod connection_close_defeats_keepalive;
pub mod ip_hash_behind_google_lb;
pub mod keepalive_below_google_lb;
pub mod proxy_buffering_on;
pub mod proxy_cache_on_realtime;
pub mod proxy_http_version_1_0;
pub mod proxy_set_header_inheritance_loss;
pub mod read_timeout_below_heartbeat;
pub mod upstream_not_sticky;
pub mod websocket_upgrade_headers_missing;

use crate::diagnostic::Applicability;
use crate::model::nginx::Conf;
use crate::model::{DirId, Evidence, Workspace};

/// Every realtime location that proxies (`proxy_pass`) and really carries the realtime
/// traffic (see [`carries_realtime`]), with its evidence.
pub fn realtime_proxied_locations(ws: &Workspace) -> Vec<(&Conf, DirId, &[Evidence])> {
    let mut out = Vec::new();
    for conf in &ws.nginx.confs {
        for loc in conf.locations() {
            let Some(evidence) = ws.realtime.location(conf.id, loc) else {
                continue;
            };
            if conf.child_named(Some(loc), "proxy_pass").is_empty()
                || !carries_realtime(ws, conf, loc, evidence)
            {
                continue;
            }
            out.push((conf, loc, evidence));
        }
    }
    out
}

/// The WebSocket headers among `proxy_set_header` directives.
#[derive(Clone, Copy, Debug, Default)]
pub struct UpgradeHeaders {
    pub upgrade: Option<DirId>,
    pub connection: Option<DirId>,
}

impl UpgradeHeaders {
    pub fn read(conf: &Conf, headers: &[DirId]) -> UpgradeHeaders {
        let mut found = UpgradeHeaders::default();
        for &h in headers {
            let d = conf.dir(h);
            let (Some(name), Some(value)) = (d.arg(0), d.arg(1)) else {
                continue;
            };
            if name.eq_ignore_ascii_case("upgrade") && value.eq_ignore_ascii_case("$http_upgrade") {
                found.upgrade = Some(h);
            }
            if name.eq_ignore_ascii_case("connection") && connection_value_upgrades(conf, value) {
                found.connection = Some(h);
            }
        }
        found
    }

    pub fn complete(&self) -> bool {
        self.upgrade.is_some() && self.connection.is_some()
    }
}

/// `Connection` must say `upgrade`, literally or through a `map` of `$http_upgrade`.
fn connection_value_upgrades(conf: &Conf, value: &str) -> bool {
    if value.eq_ignore_ascii_case("upgrade") {
        return true;
    }
    let Some(var) = value.strip_prefix('$') else {
        return false;
    };
    conf.all("map").into_iter().any(|m| {
        let d = conf.dir(m);
        d.arg(1).is_some_and(|v| v.trim_start_matches('$') == var)
            && conf.children(Some(m)).iter().any(|&e| {
                conf.dir(e)
                    .args
                    .iter()
                    .any(|a| a.value.eq_ignore_ascii_case("upgrade"))
            })
    })
}

pub const UPGRADE_LINE: &str = "proxy_set_header Upgrade $http_upgrade;";
pub const CONNECTION_LINE: &str = "proxy_set_header Connection \"upgrade\";";

/// The path of a `location` as written (`/socket.io/`, `\.php$`), for messages.
pub fn location_path(conf: &Conf, loc: DirId) -> String {
    conf.dir(loc)
        .location_match()
        .map_or("", |(_, p)| p)
        .to_string()
}

/// A fix's applicability in this config: as the rule wants where edits keep the text as
/// written, display-only inside ConfigMap scalars that would need re-quoting.
pub fn fix_applicability(conf: &Conf, wanted: Applicability) -> Applicability {
    if conf.editable() {
        wanted
    } else {
        Applicability::DisplayOnly
    }
}

/// Whether realtime traffic really goes through this location. A location whose only
/// evidence is that it proxies to a realtime Service does not carry it when another location
/// of the same server is realtime in its own right (a realtime path or an `Upgrade` header):
/// `/api/` next to `/socket.io/`, both proxying to the same app.
pub fn carries_realtime(ws: &Workspace, conf: &Conf, loc: DirId, evidence: &[Evidence]) -> bool {
    let by_proxy_only = |e: &[Evidence]| e.iter().all(|x| x.via_service);
    if !by_proxy_only(evidence) {
        return true;
    }
    let Some(server) = conf.ancestors(loc).find(|&a| conf.dir(a).name == "server") else {
        return true;
    };
    !conf.locations().into_iter().any(|other| {
        other != loc
            && conf.ancestors(other).any(|a| a == server)
            && ws
                .realtime
                .location(conf.id, other)
                .is_some_and(|e| !by_proxy_only(e))
    })
}
