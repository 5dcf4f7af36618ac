//! K8S001 ingress-backend-not-found: see `rules/K8S001.md`.

use foldhash::{HashMap, HashMapExt, HashSet};

use crate::diagnostic::{Diagnostic, Level, Location};
use crate::model::k8s::{self, PortRef};
use crate::model::{ResId, Resource, Workspace};
use crate::rules::support::{at_level, diagnostic, near_name};
use crate::rules::Rule;

pub struct IngressBackendNotFound;

const ID: &str = "K8S001";

/// What the whole check needs once: who is a neighbour, which Services some route uses.
struct Known {
    orphans: HashMap<(compact_str::CompactString, u32), Vec<ResId>>,
}

impl Rule for IngressBackendNotFound {
    fn id(&self) -> &'static str {
        ID
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        let used: HashSet<ResId> = ws
            .links
            .backends
            .iter()
            .filter_map(|b| b.service)
            .chain(ws.links.routes.iter().filter_map(|r| r.service))
            .collect();
        // Services no route uses, by namespace and app: the near-name candidates.
        let mut orphans: HashMap<(compact_str::CompactString, u32), Vec<ResId>> = HashMap::new();
        for s in ws.of_kind("Service").filter(|s| !used.contains(&s.id)) {
            orphans
                .entry((s.namespace.clone(), ws.app_group(s.file)))
                .or_default()
                .push(s.id);
        }
        let known = Known { orphans };
        for link in &ws.links.backends {
            let ingress = ws.resource(link.ingress);
            let b = &link.backend;
            // Nearly every backend resolves: the texts are made only for a finding.
            let route = || {
                b.path.as_ref().map_or_else(
                    || "its default backend".to_string(),
                    |p| format!("`{}`", p.value),
                )
            };
            let identity = || {
                format!(
                    "{}/backend/{}/{}",
                    ingress.identity(),
                    b.path.as_ref().map_or("default", |p| p.value.as_str()),
                    b.service.value
                )
            };
            match link.service {
                None => {
                    let siblings = ws.links.backends.iter().any(|o| {
                        o.ingress == link.ingress
                            && o.service
                                .is_some_and(|s| ws.resource(s).file == ingress.file)
                    });
                    if let Some(d) = missing_service(
                        ws,
                        &known,
                        ingress,
                        ingress.location(b.service.span),
                        &b.service.value,
                        &route(),
                        siblings,
                    ) {
                        out.push(d.with_identity(identity()));
                    }
                }
                Some(service) => {
                    let (Some(reference), None) = (&b.port, link.port) else {
                        continue;
                    };
                    let service = ws.resource(service);
                    if !unambiguous(ws, ingress, service) {
                        continue;
                    }
                    out.push(
                        missing_port(
                            ws,
                            ingress,
                            ingress.location(reference.span),
                            service,
                            &reference.value,
                            &route(),
                        )
                        .with_identity(format!("{}/port", identity())),
                    );
                }
            }
        }
        for link in &ws.links.routes {
            let route_res = ws.resource(link.route);
            // A backendRef into another namespace (allowed by a ReferenceGrant) is resolved
            // there, which the links do not follow: say nothing about it.
            if backend_ref_namespace(route_res, link.service_name.span)
                .is_some_and(|ns| ns != route_res.namespace)
            {
                continue;
            }
            let route = || {
                link.paths
                    .first()
                    .map_or_else(|| "a rule".to_string(), |p| format!("`{}`", p.value))
            };
            let identity = || {
                format!(
                    "{}/backendRef/{}/{}",
                    route_res.identity(),
                    link.paths.first().map_or("", |p| p.value.as_str()),
                    link.service_name.value
                )
            };
            let at = route_res.location(link.service_name.span);
            match link.service {
                None => {
                    let siblings = ws.links.routes.iter().any(|o| {
                        o.route == link.route
                            && o.service
                                .is_some_and(|s| ws.resource(s).file == route_res.file)
                    });
                    if let Some(d) = missing_service(
                        ws,
                        &known,
                        route_res,
                        at,
                        &link.service_name.value,
                        &route(),
                        siblings,
                    ) {
                        out.push(d.with_identity(identity()));
                    }
                }
                Some(service) => {
                    let (Some(port), None) = (link.port, link.port_index) else {
                        continue;
                    };
                    let service = ws.resource(service);
                    if !unambiguous(ws, route_res, service) {
                        continue;
                    }
                    out.push(
                        missing_port(ws, route_res, at, service, &PortRef::Number(port), &route())
                            .with_identity(format!("{}/port", identity())),
                    );
                }
            }
        }
    }
}

fn level(ws: &Workspace) -> Option<Level> {
    ws.settings.partial_repo.then_some(Level::Warning)
}

/// A backend Service that is not in the linted set. Reported only when the set evidently
/// holds this route's Services (another backend of the same route resolves to a Service in
/// the route's own file), or when an orphan Service (one no route uses) of the namespace has
/// a near name: otherwise the Service is deployed from elsewhere, which the user cannot fix
/// here.
fn missing_service(
    ws: &Workspace,
    known: &Known,
    from: &Resource,
    at: Location,
    name: &str,
    route: &str,
    sibling_in_file: bool,
) -> Option<Diagnostic> {
    let services: Vec<&Resource> = known
        .orphans
        .get(&(from.namespace.clone(), ws.app_group(from.file)))
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .map(|&id| ws.resource(id))
        .collect();
    let near = near_name(name, services.iter().map(|s| s.name.as_str()));
    if near.is_none() && !sibling_in_file {
        return None;
    }
    let mut d = diagnostic(
        ID,
        at,
        format!(
            "{} `{}` routes {route} to Service `{name}`, which is not in the linted files",
            from.kind, from.name
        ),
    )
    .with_label("no Service with this name in the namespace")
    .with_note("a backend naming a missing Service gets no traffic: the load balancer or controller answers 404, 502 or 503 for this path");
    if let Some(near) = near {
        let s = services
            .iter()
            .find(|s| s.name == near)
            .expect("near is one of them");
        d = d
            .with_related(
                s.location(s.anchor()),
                format!("Service `{near}` is defined here"),
            )
            .with_help(format!(
                "did you mean `{near}`? otherwise create the Service"
            ));
    } else {
        d = d.with_help("fix the Service name, or create the Service");
    }
    Some(match level(ws) {
        Some(l) => at_level(d, l),
        None => d,
    })
}

/// The Service the route resolved to is the only one of that name it can see, and it lives
/// in the route's file or directory: otherwise it may be another app's Service of the same
/// name (monorepos, collections of examples), and a port mismatch says nothing.
fn unambiguous(ws: &Workspace, from: &Resource, service: &Resource) -> bool {
    let visible = ws
        .named("Service", &service.name)
        .filter(|s| s.same_namespace(from))
        .count();
    visible == 1 && service.namespace == from.namespace && ws.same_app(service, from)
}

/// A backend port the Service does not have.
fn missing_port(
    ws: &Workspace,
    from: &Resource,
    at: Location,
    service: &Resource,
    reference: &PortRef,
    route: &str,
) -> Diagnostic {
    let ports = k8s::service_ports(service);
    let listed: Vec<String> = ports
        .iter()
        .map(|p| match (&p.name, &p.port) {
            (Some(n), Some(num)) => format!("`{}` ({})", n.value, num.value),
            (None, Some(num)) => format!("`{}`", num.value),
            (Some(n), None) => format!("`{}`", n.value),
            (None, None) => String::new(),
        })
        .filter(|s| !s.is_empty())
        .collect();
    let what = match reference {
        PortRef::Number(n) => format!("port `{n}`"),
        PortRef::Name(n) => format!("port named `{n}`"),
    };
    let mut d = diagnostic(
        ID,
        at,
        format!(
            "Service `{}` has no {what}: {} `{}` routes {route} to it",
            service.name, from.kind, from.name
        ),
    )
    .with_label("no such port on the Service")
    .with_related(
        service.location(
            service
                .node()
                .at(&["spec", "ports"])
                .map_or(service.anchor(), |n| n.span),
        ),
        format!("the ports of Service `{}`", service.name),
    )
    .with_note("a backend port is matched against the Service's `port` number or `name` (not the `targetPort`); with no match, the backend gets no traffic")
    .with_help(if listed.is_empty() {
        "give the Service the port the backend names".to_string()
    } else {
        format!("use one of the Service's ports: {}", listed.join(", "))
    });
    if let Some(l) = level(ws) {
        d = at_level(d, l);
    }
    d
}

/// The `namespace` of the backendRef whose `name` is at `name_span`.
fn backend_ref_namespace(route: &Resource, name_span: crate::source::Span) -> Option<String> {
    route
        .node()
        .at(&["spec", "rules"])?
        .items()
        .flat_map(|r| {
            r.get("backendRefs")
                .into_iter()
                .flat_map(crate::parse::yaml::Node::items)
        })
        .find(|b| b.get("name").is_some_and(|n| n.span == name_span))?
        .get("namespace")?
        .as_str()
        .map(String::from)
}
