//! Which rules run: `select`, `ignore` and `extend-select` by id (`GKE001`), name
//! (`neg-service-missing-backend-config`) or prefix (`GKE`, `NGX00`), as in ruff.

use crate::registry::{RuleMeta, RULES};

#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Empty means every rule.
    pub select: Vec<String>,
    pub extend_select: Vec<String>,
    pub ignore: Vec<String>,
}

/// Whether `selector` names `rule`: its id, its name, or a prefix of its id ("ALL" names all).
pub fn matches(selector: &str, rule: &RuleMeta) -> bool {
    let s = selector.trim();
    s.eq_ignore_ascii_case("ALL")
        || rule.name.eq_ignore_ascii_case(s)
        || (!s.is_empty() && rule.id.len() >= s.len() && rule.id[..s.len()].eq_ignore_ascii_case(s))
}

/// A selector that names no rule, for error messages.
pub fn unknown_selector(selector: &str) -> bool {
    !RULES.iter().any(|r| matches(selector, r))
}

impl Selection {
    pub fn enabled(&self, rule: &RuleMeta) -> bool {
        let selected = if self.select.is_empty() {
            true
        } else {
            self.select.iter().any(|s| matches(s, rule))
        };
        let extended = self.extend_select.iter().any(|s| matches(s, rule));
        (selected || extended) && !self.ignore.iter().any(|s| matches(s, rule))
    }

    /// The enabled ids, for the rule runner.
    pub fn enabled_ids(&self) -> Vec<&'static str> {
        RULES
            .iter()
            .filter(|r| self.enabled(r))
            .map(|r| r.id)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::lookup;

    #[test]
    fn by_id_name_and_prefix() {
        let gke001 = lookup("GKE001").unwrap();
        assert!(matches("GKE001", gke001));
        assert!(matches("gke", gke001));
        assert!(matches("neg-service-missing-backend-config", gke001));
        assert!(!matches("NGX", gke001));
        let s = Selection {
            select: vec!["NGX".into()],
            extend_select: vec![],
            ignore: vec!["NGX007".into()],
        };
        assert!(!s.enabled(gke001));
        assert!(s.enabled(lookup("NGX001").unwrap()));
        assert!(!s.enabled(lookup("proxy-buffering-on").unwrap()));
    }
}
