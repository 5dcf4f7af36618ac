//! GKE018 health-check-404-risk: see `rules/GKE018.md`.

use crate::diagnostic::{Applicability, Diagnostic, Fix, Level, Location};
use crate::model::k8s::{self, PortRef};
use crate::model::nginx::Conf;
use crate::model::{DirId, Resource, Workspace};
use crate::parse::yaml::Node;
use crate::rules::edit::{insert_nginx_before, insert_nginx_directives};
use crate::rules::support::{at_level, diagnostic, location_header};
use crate::rules::Rule;

pub struct HealthCheck404Risk;

/// Where the load balancer's health check goes, and where that was decided.
struct HealthCheck {
    path: String,
    /// The `requestPath` or probe `path` value; `None` for the default `/`.
    source: Option<Location>,
    what: &'static str,
    port: Option<i64>,
}

/// What nginx does with the health check request.
enum Answer {
    NoLocation,
    Status(i64),
    Static,
    Proxied,
}

impl Rule for HealthCheck404Risk {
    fn id(&self) -> &'static str {
        "GKE018"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        let mut seen = foldhash::HashSet::default();
        for link in &ws.links.backends {
            let (Some(service_id), Some(port_index)) = (link.service, link.port) else {
                continue;
            };
            if !k8s::is_gke_ingress(ws.resource(link.ingress))
                || !seen.insert((service_id, port_index))
            {
                continue;
            }
            let service = ws.resource(service_id);
            let Some(port) = k8s::service_ports(service).get(port_index) else {
                continue;
            };
            for &w in ws.links.workloads_of(service_id) {
                let workload = ws.resource(w);
                if k8s::pod_spec(workload).is_none() {
                    continue;
                }
                let containers = k8s::containers(workload);
                let target = match port.effective_target() {
                    Some(PortRef::Number(n)) => Some(n),
                    Some(PortRef::Name(name)) => containers
                        .iter()
                        .flat_map(|c| c.ports)
                        .find(|p| p.name.as_deref() == Some(&name))
                        .map(|p| p.number),
                    None => None,
                };
                let check = health_check(ws, service, workload, port_index, &containers, target);
                let Some(hc_port) = check.port.or(target) else {
                    continue;
                };
                for mount in ws.links.mounts_of(w) {
                    let container = &containers[mount.container];
                    let serves_port = container.ports.iter().any(|p| p.number == hc_port)
                        || (container.ports.is_empty() && hc_port == 80);
                    if !serves_port {
                        continue;
                    }
                    let conf = ws.nginx.conf(mount.conf);
                    let Some(&server) = conf.servers_on_port(hc_port).first() else {
                        continue;
                    };
                    let location = conf.select_location(server, &check.path);
                    let answer = location.map_or(Answer::NoLocation, |l| answer(conf, l));
                    let (level, why) = match answer {
                        Answer::Proxied => continue,
                        Answer::Status(code) if (200..300).contains(&code) => continue,
                        Answer::Static if check.path == "/" => continue,
                        Answer::NoLocation => (Level::Error, format!("no nginx `location` matches `{}`: nginx answers 404", check.path)),
                        Answer::Status(code) => (Level::Error, format!("nginx answers `{}` with {code}", check.path)),
                        Answer::Static => (
                            Level::Warning,
                            format!("nginx serves `{}` from static files: it answers 200 only if that file exists", check.path),
                        ),
                    };
                    let primary = check.source.unwrap_or_else(|| service.location(port.span));
                    let mut d = at_level(
                        diagnostic(
                            self.id(),
                            primary,
                            format!("the load balancer health check `GET {}` on port {hc_port} is likely not answered 200: {why}", check.path),
                        ),
                        level,
                    )
                    .with_label(format!("health check path ({})", check.what))
                    .with_identity(format!("{}/health-check/{}", service.identity(), port.label()));
                    if let Some(l) = location {
                        d = d.with_related(
                            location_header(conf, l),
                            "this location takes the health check request",
                        );
                    } else {
                        d = d.with_related(
                            location_header(conf, server),
                            format!("the server on port {hc_port}"),
                        );
                    }
                    d = d
                        .with_note("an unhealthy backend gets no traffic: the load balancer answers 502 for every request")
                        .with_help(format!("answer the health check explicitly: `location = {} {{ return 200; }}`, or point the health check at a path the app serves", check.path));
                    let files = &ws.files;
                    let new_location = [format!(
                        "location = {} {{ access_log off; return 200 \"ok\\n\"; }}",
                        check.path
                    )];
                    // Before the first location, else as the server's first directive.
                    let edit = match conf.child_named(Some(server), "location").first() {
                        Some(&first) => insert_nginx_before(files, conf, first, &new_location),
                        None => insert_nginx_directives(files, conf, server, &new_location),
                    };
                    if let Some(edit) = edit {
                        d = d.with_fix(Fix::new(
                            format!("answer `{}` with 200 in nginx", check.path),
                            if conf.editable() {
                                Applicability::Unsafe
                            } else {
                                Applicability::DisplayOnly
                            },
                            vec![edit],
                        ));
                    }
                    out.push(d);
                }
            }
        }
    }
}

/// The health check GKE configures (F-30..F-34): BackendConfig `healthCheck`, else an
/// adoptable readinessProbe, else `GET /` on the serving port.
fn health_check(
    ws: &Workspace,
    service: &Resource,
    workload: &Resource,
    port_index: usize,
    containers: &[k8s::Container<'_>],
    target: Option<i64>,
) -> HealthCheck {
    let config = ws
        .links
        .backend_configs
        .get(&(service.id, port_index))
        .and_then(|r| r.config)
        .map(|c| ws.resource(c));
    let hc_port = config
        .and_then(|c| c.node().at(&["spec", "healthCheck", "port"]))
        .and_then(Node::as_i64);
    if let Some((config, path)) =
        config.and_then(|c| Some((c, c.node().at(&["spec", "healthCheck", "requestPath"])?)))
    {
        if let Some(p) = path.as_str() {
            return HealthCheck {
                path: p.to_string(),
                source: Some(config.location(path.span)),
                what: "BackendConfig `healthCheck.requestPath`",
                port: hc_port,
            };
        }
    }
    for c in containers {
        let Some(get) = c.readiness_probe.and_then(|p| p.get("httpGet")) else {
            continue;
        };
        let probe_port = get
            .get("port")
            .and_then(PortRef::from_node)
            .and_then(|p| match p {
                PortRef::Number(n) => Some(n),
                PortRef::Name(name) => c
                    .ports
                    .iter()
                    .find(|cp| cp.name.as_deref() == Some(&name))
                    .map(|cp| cp.number),
            });
        if probe_port.is_some() && probe_port == target {
            if let Some(path) = get.get("path") {
                if let Some(p) = path.as_str() {
                    return HealthCheck {
                        path: p.to_string(),
                        source: Some(workload.location(path.span)),
                        what: "copied from the readinessProbe",
                        port: hc_port,
                    };
                }
            }
        }
    }
    HealthCheck {
        path: "/".into(),
        source: None,
        what: "GKE's default `/`",
        port: hc_port,
    }
}

/// How nginx answers a request that `location` takes.
fn answer(conf: &Conf, location: DirId) -> Answer {
    for &c in conf.children(Some(location)) {
        let child = conf.dir(c);
        match child.name.as_str() {
            "return" => {
                return match child.arg(0).and_then(|a| a.parse::<i64>().ok()) {
                    Some(code) => Answer::Status(code),
                    // `return URL` is a 302.
                    None => Answer::Status(302),
                };
            }
            "proxy_pass" | "fastcgi_pass" | "uwsgi_pass" | "scgi_pass" | "grpc_pass"
            | "memcached_pass" => return Answer::Proxied,
            "deny" if child.arg(0) == Some("all") => return Answer::Status(403),
            // Handlers that answer 200 themselves.
            "stub_status" | "empty_gif" => return Answer::Status(200),
            _ => {}
        }
    }
    if let Some(try_files) = conf.child_named(Some(location), "try_files").last() {
        let last = conf
            .dir(*try_files)
            .args
            .last()
            .map(|a| a.value.as_str())
            .unwrap_or("");
        if last.starts_with('@') {
            return Answer::Proxied;
        }
    }
    Answer::Static
}
