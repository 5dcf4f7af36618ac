//! GKE012 realtime-path-not-prefix: see `rules/GKE012.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::k8s;
use crate::model::realtime::realtime_segment;
use crate::model::{Resource, Workspace};
use crate::parse::yaml::Node;
use crate::rules::edit::{insert_entry, is_block_mapping, line_end, line_start};
use crate::rules::support::{diagnostic, likely_gke, with_evidence};
use crate::rules::Rule;

pub struct RealtimePathNotPrefix;

impl Rule for RealtimePathNotPrefix {
    fn id(&self) -> &'static str {
        "GKE012"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        let mut gke = std::collections::HashMap::new();
        for link in &ws.links.backends {
            let ingress = ws.resource(link.ingress);
            let is_gke = *gke
                .entry(ingress.id)
                .or_insert_with(|| likely_gke(ws, ingress));
            if !is_gke || ws.realtime.opted_out(ingress.id) {
                continue;
            }
            let Some(path) = &link.backend.path else {
                continue;
            };
            let path_type = link.backend.path_type.as_ref();
            if path_type.is_some_and(|t| t.value != "ImplementationSpecific") {
                continue;
            }
            if path.value.ends_with("/*") || path.value.is_empty() || path.value == "/" {
                continue;
            }
            let own_segment = realtime_segment(&path.value, &ws.settings.realtime_segments);
            let port_evidence = match (link.service, link.port) {
                (Some(s), Some(p)) => ws.realtime.port(s, p),
                _ => None,
            };
            if own_segment.is_none() && port_evidence.is_none() {
                continue;
            }
            let primary = path_type.map_or(path.span, |t| t.span);
            let mut d = diagnostic(
                self.id(),
                ingress.location(primary),
                format!(
                    "realtime path `{}` in GKE Ingress `{}` matches only itself: requests such as `{}/?EIO=4&transport=polling` never reach it",
                    path.value,
                    ingress.name,
                    path.value.trim_end_matches('/')
                ),
            )
            .with_label(match path_type {
                Some(_) => "`ImplementationSpecific` is passed to the URL map verbatim",
                None => "no `pathType`: the path is passed to the URL map verbatim",
            });
            if path_type.is_some() {
                d = d.with_related(ingress.location(path.span), "this path has no `/*`");
            }
            if own_segment.is_none() {
                d = with_evidence(d, port_evidence.unwrap_or(&[]));
            }
            d = d
                .with_note("a URL map path without `*` matches only the exact path, while realtime clients request sub-paths (`/socket.io/?EIO=4...`); with `pathType: Prefix` GKE creates both `/x` and `/x/*`")
                .with_help("set `pathType: Prefix` (or write the path as `/x/*`)")
                .with_identity(format!(
                    "{}/spec/rules/paths/{}/pathType",
                    ingress.identity(),
                    path.value
                ));
            if let Some(edit) = fix(ws, ingress, link.backend.entry_span, path_type) {
                d = d.with_fix(Fix::new(
                    "set `pathType: Prefix`",
                    Applicability::Safe,
                    vec![edit],
                ));
            }
            out.push(d);
        }
    }
}

/// Replace the `pathType` value, or add `pathType: Prefix` to the path entry.
fn fix(
    ws: &Workspace,
    ingress: &Resource,
    entry_span: crate::source::Span,
    path_type: Option<&k8s::Spanned<String>>,
) -> Option<Edit> {
    if let Some(t) = path_type {
        return Some(Edit::replace(ingress.file, t.span, "Prefix"));
    }
    let entry = ingress
        .node()
        .at(&["spec", "rules"])?
        .items()
        .flat_map(|r| r.at(&["http", "paths"]).into_iter().flat_map(Node::items))
        .find(|p| p.span == entry_span)?;
    let file = ws.file(ingress.file);
    // Right after a one-line block `path:`, as people write it; else as the last entry.
    if let Some(path) = entry
        .entry("path")
        .filter(|_| is_block_mapping(file, entry))
    {
        let key_start = path.key.span.start;
        let indent = (key_start - line_start(file, key_start)) as usize;
        if !path.value.span.is_empty() && !file.slice(path.value.span).contains('\n') {
            return Some(Edit::insert(
                ingress.file,
                line_end(file, path.value.span.end.saturating_sub(1)),
                format!("{}pathType: Prefix\n", " ".repeat(indent)),
            ));
        }
    }
    insert_entry(
        file,
        ingress.file,
        entry,
        &["pathType: Prefix".into()],
        false,
    )
}
