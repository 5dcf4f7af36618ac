//! What a pre-commit run needs of the project. Only findings in the given files are reported
//! there, and nginx inside ConfigMaps is most of the model's work: only the ConfigMaps whose
//! nginx can change a finding in those files are parsed.
//!
//! A finding outside nginx depends on nginx through the Services it concerns: a Service port
//! is realtime because of the nginx of the pods behind it, and rules read the nginx those pods
//! run (health check paths, buffering, timeouts). A finding in nginx depends on the Services
//! its `proxy_pass` names. So, from the resources of the given files:
//!
//! 1. the Services and workloads they name, anywhere in their text (Ingress and HTTPRoute
//!    backends, policy targets, `proxy_pass` hosts, HPA targets, the resources themselves),
//!    and the Services naming a BackendConfig among them;
//! 2. the Services selecting any of those workloads, and every workload those Services select;
//! 3. the ConfigMaps those workloads mount, and those of the given files.
//!
//! Names are matched as whole words in the text, which can only take in more than needed:
//! `tests/precommit_agrees.rs` checks, file by file, that a pre-commit run reports what a full
//! run reports.

use foldhash::{HashSet, HashSetExt};

use super::{k8s, ResId, Resource, Workspace};
use crate::source::FileId;

/// The ConfigMaps whose embedded nginx can change a finding in `reported` files.
pub fn config_maps_for(ws: &Workspace, reported: &HashSet<FileId>) -> HashSet<ResId> {
    let given: Vec<&Resource> = ws
        .resources
        .iter()
        .filter(|r| reported.contains(&r.file))
        .collect();
    let mut words: HashSet<&str> = HashSet::new();
    let mut texts: Vec<&str> = Vec::new();
    for r in &given {
        let text = ws.file(r.file).slice(r.node().span);
        words.extend(
            text.split(|c: char| !is_name_char(c))
                .filter(|w| !w.is_empty()),
        );
        texts.push(text);
    }
    // A name is mentioned when it is one of the words; a name with other characters (dots are
    // allowed in some names) is looked for in the texts themselves.
    let mentioned = |name: &str| {
        if name.chars().all(is_name_char) {
            words.contains(name)
        } else {
            texts.iter().any(|t| t.contains(name))
        }
    };
    let mut services: HashSet<ResId> = HashSet::new();
    let mut workloads: HashSet<ResId> = HashSet::new();
    let mut config_maps: HashSet<ResId> = HashSet::new();
    for s in ws.of_kind("Service") {
        if mentioned(&s.name) {
            services.insert(s.id);
        }
    }
    for kind in k8s::WORKLOAD_KINDS {
        for w in ws.of_kind(kind) {
            if reported.contains(&w.file) || mentioned(&w.name) {
                workloads.insert(w.id);
            }
        }
    }
    for r in &given {
        if r.is("BackendConfig") {
            // Named from Service annotations.
            for s in ws.of_kind("Service") {
                let names_it = s
                    .annotations()
                    .filter_map(|e| e.value.as_str())
                    .any(|v| v.contains(r.name.as_str()));
                if names_it {
                    services.insert(s.id);
                }
            }
        }
        if r.is("ConfigMap") {
            config_maps.insert(r.id);
        }
    }
    // Services selecting the named workloads, then every workload of every such Service.
    for s in ws.of_kind("Service") {
        let selector = k8s::service_selector(s);
        let selects_one = workloads.iter().any(|&w| {
            let w = ws.resource(w);
            w.same_namespace(s) && k8s::selects(&selector, &k8s::pod_labels(w))
        });
        if selects_one {
            services.insert(s.id);
        }
    }
    let selectors: Vec<(&Resource, Vec<(&str, &str)>)> = services
        .iter()
        .map(|&s| ws.resource(s))
        .map(|s| (s, k8s::service_selector(s)))
        .collect();
    for kind in k8s::WORKLOAD_KINDS {
        for w in ws.of_kind(kind) {
            let labels = k8s::pod_labels(w);
            if selectors
                .iter()
                .any(|(s, selector)| w.same_namespace(s) && k8s::selects(selector, &labels))
            {
                workloads.insert(w.id);
            }
        }
    }
    for &w in &workloads {
        let w = ws.resource(w);
        let Some(pod) = k8s::pod_spec(w) else {
            continue;
        };
        for volume in k8s::config_map_volumes(pod) {
            if let Some(cm) = ws.find("ConfigMap", &volume.config_map, w) {
                config_maps.insert(cm.id);
            }
        }
    }
    config_maps
}

/// Characters of a Kubernetes name other than `.`: a dot ends a name in a host name
/// (`chat.team.svc.cluster.local`).
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

#[cfg(test)]
mod tests {
    use super::is_name_char;

    #[test]
    fn dots_and_punctuation_end_names() {
        let words: Vec<&str> = "proxy_pass http://chat.team.svc:3000; name: chat-api"
            .split(|c: char| !is_name_char(c))
            .filter(|w| !w.is_empty())
            .collect();
        assert!(words.contains(&"chat"));
        assert!(words.contains(&"chat-api"));
        assert!(!words.contains(&"api"));
    }
}
