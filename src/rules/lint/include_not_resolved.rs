//! LM003 include-not-resolved: see `rules/LM003.md`.

use crate::diagnostic::Diagnostic;
use crate::model::Workspace;
use crate::rules::support::diagnostic;
use crate::rules::Rule;

pub struct IncludeNotResolved;

impl Rule for IncludeNotResolved {
    fn id(&self) -> &'static str {
        "LM003"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        for (location, reason) in &ws.nginx.unresolved_includes {
            out.push(
                diagnostic(self.id(), *location, format!("include not followed: {reason}"))
                    .with_note("lint-manifests never reads outside the linted root; rules see the config without this file")
                    .with_identity(format!("include {}", ws.text(*location))),
            );
        }
    }
}
