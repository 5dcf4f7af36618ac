//! GKE015 invalid-session-affinity: see `rules/GKE015.md`.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::model::Workspace;
use crate::rules::support::{attached_label, attachments, diagnostic, levenshtein};
use crate::rules::Rule;

pub struct InvalidSessionAffinity;

/// BackendConfig `sessionAffinity.affinityType` values (F-28).
pub const TYPES: &[&str] = &["NONE", "CLIENT_IP", "GENERATED_COOKIE"];
const MAX_TTL: i64 = 86_400;

const NOTE: &str = "ingress-gce validates the BackendConfig before applying it: an invalid value is rejected, the Ingress reports an error, and none of its settings apply, the WebSocket timeout included";

impl Rule for InvalidSessionAffinity {
    fn id(&self) -> &'static str {
        "GKE015"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for a in attachments(ws) {
            let config = a.config;
            let Some(affinity) = config.node().at(&["spec", "sessionAffinity"]) else {
                continue;
            };
            let (attached_at, attached_text) = attached_label(&a);
            if let Some((node, value)) = affinity
                .get("affinityType")
                .and_then(|n| Some((n, n.as_str()?)))
            {
                if !TYPES.contains(&value) {
                    let upper = value.to_ascii_uppercase();
                    let nearest = TYPES
                        .iter()
                        .min_by_key(|t| levenshtein(&upper, t))
                        .copied()
                        .unwrap_or("GENERATED_COOKIE");
                    let mut d = diagnostic(
                        self.id(),
                        config.location(node.span),
                        format!(
                            "`affinityType: {value}` in BackendConfig `{}` is not a valid session affinity",
                            config.name
                        ),
                    )
                    .with_label("not NONE, CLIENT_IP or GENERATED_COOKIE")
                    .with_related(attached_at, attached_text.clone())
                    .with_note(NOTE)
                    .with_help(format!(
                        "use `{nearest}` (valid: NONE, CLIENT_IP, GENERATED_COOKIE{})",
                        if value == "HTTP_COOKIE" {
                            "; `HTTP_COOKIE` exists only in Gateway API policies"
                        } else {
                            ""
                        }
                    ))
                    .with_identity(format!(
                        "{}/spec/sessionAffinity/affinityType",
                        config.identity()
                    ));
                    d = d.with_fix(Fix::new(
                        format!("use `{nearest}`"),
                        Applicability::Unsafe,
                        vec![Edit::replace(config.file, node.span, nearest)],
                    ));
                    out.push(d);
                }
            }
            if let Some(node) = affinity.get("affinityCookieTtlSec") {
                let Some(ttl) = node.as_i64() else {
                    continue;
                };
                if (0..=MAX_TTL).contains(&ttl) {
                    continue;
                }
                let clamped = ttl.clamp(0, MAX_TTL);
                out.push(
                    diagnostic(
                        self.id(),
                        config.location(node.span),
                        format!(
                            "`affinityCookieTtlSec: {ttl}` in BackendConfig `{}` is outside 0..86400",
                            config.name
                        ),
                    )
                    .with_label("out of range")
                    .with_related(attached_at, attached_text)
                    .with_note(NOTE)
                    .with_help(format!("use a TTL between 0 and 86400 seconds, such as {clamped}"))
                    .with_identity(format!(
                        "{}/spec/sessionAffinity/affinityCookieTtlSec",
                        config.identity()
                    ))
                    .with_fix(Fix::new(
                        format!("set `affinityCookieTtlSec` to {clamped}"),
                        Applicability::Unsafe,
                        vec![Edit::replace(config.file, node.span, clamped.to_string())],
                    )),
                );
            }
        }
    }
}
