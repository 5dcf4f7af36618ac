//! The rule registry: every rule's metadata and documentation page, in one table.
//!
//! Rule ids and names come from RULES.md and are stable; pages live in `rules/<ID>.md` at the
//! repository root and are compiled into the binary (printed by `lint-manifests rule ID`, used
//! for SARIF `help`, and for the README table).

use crate::diagnostic::Level;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Category {
    GkeIngress,
    GkeGateway,
    Nginx,
    IngressNginx,
    Kubernetes,
    Linter,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::GkeIngress => "gke-ingress",
            Category::GkeGateway => "gke-gateway",
            Category::Nginx => "nginx",
            Category::IngressNginx => "ingress-nginx",
            Category::Kubernetes => "kubernetes",
            Category::Linter => "linter",
        }
    }
}

#[derive(Debug)]
pub struct RuleMeta {
    pub id: &'static str,
    pub name: &'static str,
    pub level: Level,
    pub category: Category,
    /// The Markdown page from `rules/<ID>.md`.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The first paragraph of "What it does": SARIF `shortDescription`, the rules table.
    pub fn summary(&self) -> &'static str {
        doc_section(self.doc, "What it does")
            .and_then(|s| s.split("\n\n").next())
            .map(str::trim)
            .unwrap_or(self.name)
    }

    pub fn section(&self, heading: &str) -> Option<&'static str> {
        doc_section(self.doc, heading)
    }
}

/// The body of a `## heading` section of a rule page.
fn doc_section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    let marker = format!("## {heading}");
    let start = doc.find(&marker)? + marker.len();
    let rest = &doc[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim())
}

const fn meta(
    id: &'static str,
    name: &'static str,
    level: Level,
    category: Category,
    doc: &'static str,
) -> RuleMeta {
    RuleMeta {
        id,
        name,
        level,
        category,
        doc,
    }
}

/// Every rule, in id order within each family.
pub static RULES: &[RuleMeta] = &[
    meta("GKE001", "neg-service-missing-backend-config", Level::Error, Category::GkeIngress, include_str!("../rules/GKE001.md")),
    meta("GKE002", "websocket-timeout-missing", Level::Error, Category::GkeIngress, include_str!("../rules/GKE002.md")),
    meta("GKE003", "websocket-timeout-too-low", Level::Warning, Category::GkeIngress, include_str!("../rules/GKE003.md")),
    meta("GKE004", "websocket-timeout-above-a-day", Level::Note, Category::GkeIngress, include_str!("../rules/GKE004.md")),
    meta("GKE005", "unknown-gke-annotation", Level::Error, Category::GkeIngress, include_str!("../rules/GKE005.md")),
    meta("GKE006", "backend-config-on-ingress", Level::Error, Category::GkeIngress, include_str!("../rules/GKE006.md")),
    meta("GKE007", "backend-config-port-key-mismatch", Level::Error, Category::GkeIngress, include_str!("../rules/GKE007.md")),
    meta("GKE008", "backend-config-not-found", Level::Error, Category::GkeIngress, include_str!("../rules/GKE008.md")),
    meta("GKE009", "backend-config-annotation-invalid", Level::Error, Category::GkeIngress, include_str!("../rules/GKE009.md")),
    meta("GKE010", "ingress-class-name-ignored", Level::Error, Category::GkeIngress, include_str!("../rules/GKE010.md")),
    meta("GKE011", "clusterip-without-neg", Level::Error, Category::GkeIngress, include_str!("../rules/GKE011.md")),
    meta("GKE012", "realtime-path-not-prefix", Level::Error, Category::GkeIngress, include_str!("../rules/GKE012.md")),
    meta("GKE013", "session-affinity-missing", Level::Error, Category::GkeIngress, include_str!("../rules/GKE013.md")),
    meta("GKE014", "affinity-without-neg", Level::Warning, Category::GkeIngress, include_str!("../rules/GKE014.md")),
    meta("GKE015", "invalid-session-affinity", Level::Error, Category::GkeIngress, include_str!("../rules/GKE015.md")),
    meta("GKE016", "cdn-on-realtime-backend", Level::Warning, Category::GkeIngress, include_str!("../rules/GKE016.md")),
    meta("GKE017", "iap-with-cdn", Level::Error, Category::GkeIngress, include_str!("../rules/GKE017.md")),
    meta("GKE018", "health-check-404-risk", Level::Error, Category::GkeIngress, include_str!("../rules/GKE018.md")),
    meta("GKE019", "health-check-from-readiness-probe", Level::Note, Category::GkeIngress, include_str!("../rules/GKE019.md")),
    meta("GKE020", "health-check-type-unsupported", Level::Error, Category::GkeIngress, include_str!("../rules/GKE020.md")),
    meta("GKE021", "health-check-port-not-container-port", Level::Warning, Category::GkeIngress, include_str!("../rules/GKE021.md")),
    meta("GKE022", "app-protocols-key-not-port-name", Level::Error, Category::GkeIngress, include_str!("../rules/GKE022.md")),
    meta("GKE023", "http2-backend-for-websocket", Level::Warning, Category::GkeIngress, include_str!("../rules/GKE023.md")),
    meta("GKE024", "app-protocol-field-ignored", Level::Note, Category::GkeIngress, include_str!("../rules/GKE024.md")),
    meta("GKE025", "draining-exceeds-grace-period", Level::Warning, Category::GkeIngress, include_str!("../rules/GKE025.md")),
    meta("GKE026", "static-ip-conflict", Level::Error, Category::GkeIngress, include_str!("../rules/GKE026.md")),
    meta("GKE027", "unused-backend-config", Level::Warning, Category::GkeIngress, include_str!("../rules/GKE027.md")),
    meta("GKE101", "gateway-websocket-timeout-missing", Level::Error, Category::GkeGateway, include_str!("../rules/GKE101.md")),
    meta("GKE102", "gateway-policy-schema", Level::Error, Category::GkeGateway, include_str!("../rules/GKE102.md")),
    meta("GKE103", "health-check-policy-invalid", Level::Error, Category::GkeGateway, include_str!("../rules/GKE103.md")),
    meta("GKE104", "gateway-session-affinity-missing", Level::Error, Category::GkeGateway, include_str!("../rules/GKE104.md")),
    meta("GKE105", "backend-config-with-gateway", Level::Note, Category::GkeGateway, include_str!("../rules/GKE105.md")),
    meta("NGX001", "websocket-upgrade-headers-missing", Level::Error, Category::Nginx, include_str!("../rules/NGX001.md")),
    meta("NGX002", "proxy-set-header-inheritance-loss", Level::Error, Category::Nginx, include_str!("../rules/NGX002.md")),
    meta("NGX003", "proxy-http-version-1-0", Level::Error, Category::Nginx, include_str!("../rules/NGX003.md")),
    meta("NGX004", "read-timeout-below-heartbeat", Level::Error, Category::Nginx, include_str!("../rules/NGX004.md")),
    meta("NGX005", "ip-hash-behind-google-lb", Level::Warning, Category::Nginx, include_str!("../rules/NGX005.md")),
    meta("NGX006", "upstream-not-sticky", Level::Error, Category::Nginx, include_str!("../rules/NGX006.md")),
    meta("NGX007", "proxy-buffering-on", Level::Note, Category::Nginx, include_str!("../rules/NGX007.md")),
    meta("NGX008", "proxy-cache-on-realtime", Level::Warning, Category::Nginx, include_str!("../rules/NGX008.md")),
    meta("NGX009", "keepalive-below-google-lb", Level::Warning, Category::Nginx, include_str!("../rules/NGX009.md")),
    meta("NGX010", "connection-close-defeats-keepalive", Level::Note, Category::Nginx, include_str!("../rules/NGX010.md")),
    meta("ING001", "ingress-nginx-websocket-timeouts", Level::Warning, Category::IngressNginx, include_str!("../rules/ING001.md")),
    meta("ING002", "ingress-nginx-timeout-format", Level::Warning, Category::IngressNginx, include_str!("../rules/ING002.md")),
    meta("ING003", "ingress-nginx-sticky-missing", Level::Error, Category::IngressNginx, include_str!("../rules/ING003.md")),
    meta("ING004", "ingress-nginx-snippet-disabled", Level::Warning, Category::IngressNginx, include_str!("../rules/ING004.md")),
    meta("ING005", "wrong-controller-annotations", Level::Warning, Category::IngressNginx, include_str!("../rules/ING005.md")),
    meta("K8S001", "ingress-backend-not-found", Level::Error, Category::Kubernetes, include_str!("../rules/K8S001.md")),
    meta("K8S002", "target-port-mismatch", Level::Error, Category::Kubernetes, include_str!("../rules/K8S002.md")),
    meta("K8S003", "service-selects-nothing", Level::Warning, Category::Kubernetes, include_str!("../rules/K8S003.md")),
    meta("K8S004", "websocket-grace-period-default", Level::Note, Category::Kubernetes, include_str!("../rules/K8S004.md")),
    meta("LM001", "invalid-yaml", Level::Error, Category::Linter, include_str!("../rules/LM001.md")),
    meta("LM002", "invalid-nginx-config", Level::Error, Category::Linter, include_str!("../rules/LM002.md")),
    meta("LM003", "include-not-resolved", Level::Note, Category::Linter, include_str!("../rules/LM003.md")),
    meta("LM004", "template-not-rendered", Level::Note, Category::Linter, include_str!("../rules/LM004.md")),
    meta("LM005", "unused-suppression", Level::Warning, Category::Linter, include_str!("../rules/LM005.md")),
];

/// Find a rule by id (`GKE001`) or name (`neg-service-missing-backend-config`),
/// case-insensitively.
pub fn lookup(id_or_name: &str) -> Option<&'static RuleMeta> {
    RULES
        .iter()
        .find(|r| r.id.eq_ignore_ascii_case(id_or_name) || r.name.eq_ignore_ascii_case(id_or_name))
}

/// Metadata for an id that rules emit; ids are compile-time constants, so a miss is a bug.
pub fn meta_for(id: &str) -> &'static RuleMeta {
    lookup(id).unwrap_or_else(|| panic!("rule `{id}` is not in the registry"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for rule in RULES {
            assert!(seen.insert(rule.id), "duplicate id {}", rule.id);
            assert!(seen.insert(rule.name), "duplicate name {}", rule.name);
        }
    }

    #[test]
    fn every_page_starts_with_its_id_and_name() {
        for rule in RULES {
            let heading = format!("# {}: {}", rule.id, rule.name);
            assert!(rule.doc.starts_with(&heading), "rules/{}.md must start with `{heading}`", rule.id);
        }
    }
}
