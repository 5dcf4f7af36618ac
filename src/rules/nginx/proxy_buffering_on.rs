//! NGX007 proxy-buffering-on: see `rules/NGX007.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Level};
use crate::model::nginx::Conf;
use crate::model::{DirId, Workspace};
use crate::rules::support::{at_level, diagnostic, location_header, nginx_identity, with_evidence};
use crate::rules::Rule;

pub struct ProxyBufferingOn;

/// Server-Sent Events: the location says `text/event-stream`, or its path names SSE.
fn is_sse(ws: &Workspace, conf: &Conf, loc: DirId) -> bool {
    let d = conf.dir(loc);
    let path_says = d.location_match().is_some_and(|(_, p)| {
        p.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .any(|seg| {
                matches!(
                    seg.to_ascii_lowercase().as_str(),
                    "sse" | "eventsource" | "event-stream"
                )
            })
    });
    path_says || ws.text(d.location()).contains("text/event-stream")
}

impl Rule for ProxyBufferingOn {
    fn id(&self) -> &'static str {
        "NGX007"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for conf in &ws.nginx.confs {
            for loc in conf.locations() {
                if conf.child_named(Some(loc), "proxy_pass").is_empty() {
                    continue;
                }
                let realtime = ws.realtime.location(conf.id, loc);
                let sse = is_sse(ws, conf, loc);
                if realtime.is_none() && !sse {
                    continue;
                }
                let explicit = conf.effective_one(loc, "proxy_buffering");
                let path = conf
                    .dir(loc)
                    .location_match()
                    .map_or("", |(_, p)| p)
                    .to_string();
                let d = match explicit {
                    Some(b) if conf.dir(b).arg(0) == Some("on") => {
                        let dir = conf.dir(b);
                        let mut d = diagnostic(
                            self.id(),
                            dir.location(),
                            format!("`proxy_buffering on` in {} location `{path}`", if sse { "streaming" } else { "realtime" }),
                        )
                        .with_label("buffering turned on here")
                        .with_fix(Fix::new("turn proxy buffering off", Applicability::Unsafe, vec![Edit::replace(dir.file, dir.args[0].span, "off")]));
                        if !sse {
                            d = d.with_note("upgraded WebSocket connections are tunnelled and never buffered, so this does not break WebSockets; it delays Socket.IO long-polling and streamed responses");
                        }
                        d
                    }
                    Some(_) => continue,
                    None if sse => diagnostic(self.id(), location_header(conf, loc), format!("streaming location `{path}` is buffered by default: events arrive in bursts"))
                        .with_label("`proxy_buffering` is on by default"),
                    None => continue,
                };
                let mut d = d
                    .with_identity(format!(
                        "{} > proxy_buffering",
                        nginx_identity(ws, conf, loc)
                    ))
                    .with_help("set `proxy_buffering off;` in the location");
                if let Some(e) = realtime {
                    d = with_evidence(d, e);
                }
                if sse {
                    d = at_level(d, Level::Warning).with_note("Server-Sent Events need every event flushed as it is written; buffering holds them back");
                }
                out.push(d);
            }
        }
    }
}
