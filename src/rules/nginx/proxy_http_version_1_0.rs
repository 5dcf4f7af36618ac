//! NGX003 proxy-http-version-1-0: see `rules/NGX003.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::Workspace;
use crate::rules::edit::insert_nginx_directives;
use crate::rules::support::{
    diagnostic, location_header, nginx_identity, nginx_version, with_evidence,
};
use crate::rules::Rule;
use crate::settings::NginxVersion;

use super::realtime_proxied_locations;

pub struct ProxyHttpVersion10;

impl Rule for ProxyHttpVersion10 {
    fn id(&self) -> &'static str {
        "NGX003"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for (conf, loc, evidence) in realtime_proxied_locations(ws) {
            let path = conf
                .dir(loc)
                .location_match()
                .map_or("", |(_, p)| p)
                .to_string();
            let explicit = conf.effective_one(loc, "proxy_http_version");
            let (primary, message, fix_edit, version_at) = match explicit {
                Some(v) if conf.dir(v).arg(0) == Some("1.0") => {
                    let dir = conf.dir(v);
                    let arg = dir.args[0].span;
                    (
                        dir.location(),
                        format!("location `{path}` proxies with HTTP/1.0: WebSocket upgrades need HTTP/1.1"),
                        Some(Edit::replace(dir.file, arg, "1.1")),
                        None,
                    )
                }
                Some(_) => continue,
                None => {
                    let version = nginx_version(ws, conf);
                    if version
                        .as_ref()
                        .is_some_and(|(v, _)| *v >= NginxVersion::HTTP11_DEFAULT)
                    {
                        continue;
                    }
                    let why = match &version {
                        Some((v, _)) => format!("nginx {v} defaults to HTTP/1.0 for proxied requests"),
                        None => "nginx before 1.29.7 defaults to HTTP/1.0 for proxied requests, and the version here is unknown".into(),
                    };
                    (
                        location_header(conf, loc),
                        format!("location `{path}` proxies WebSockets without `proxy_http_version 1.1`: {why}"),
                        insert_nginx_directives(&ws.files, conf, loc, &["proxy_http_version 1.1;".into()]),
                        version.and_then(|(v, at)| at.map(|a| (v, a))),
                    )
                }
            };
            let mut d = diagnostic(self.id(), primary, message)
                .with_label("upstream requests use HTTP/1.0 here")
                .with_identity(format!(
                    "{} > proxy_http_version",
                    nginx_identity(ws, conf, loc)
                ));
            if let Some((v, at)) = version_at {
                d = d.with_related(at, format!("the container image runs nginx {v}"));
            }
            d = with_evidence(d, evidence)
                .with_note("the WebSocket handshake is an HTTP/1.1 `Upgrade`; over HTTP/1.0 the backend never sees it")
                .with_help("add `proxy_http_version 1.1;` to the location");
            if let Some(edit) = fix_edit {
                let applicability = if conf.editable() {
                    Applicability::Safe
                } else {
                    Applicability::DisplayOnly
                };
                d = d.with_fix(Fix::new(
                    "use HTTP/1.1 to the upstream",
                    applicability,
                    vec![edit],
                ));
            }
            out.push(d);
        }
    }
}
