//! Naming rules: by id (`GKE001`), name (`neg-service-missing-backend-config`) or prefix
//! (`GKE`, `NGX00`), as in ruff. Used by configuration (`select`, `ignore`, `[levels]`,
//! `[per-file-ignores]`), flags and suppressions; which selector wins is decided in `config`.

use crate::registry::{RuleMeta, RULES};

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
    }
}
