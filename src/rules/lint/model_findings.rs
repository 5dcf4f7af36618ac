//! LM002 for nginx configs embedded in ConfigMaps: found while building the model.

use crate::diagnostic::Diagnostic;
use crate::model::Workspace;
use crate::rules::Rule;

pub struct ModelFindings;

impl Rule for ModelFindings {
    fn id(&self) -> &'static str {
        "LM002"
    }

    fn check(&self, ws: &Workspace, out: &mut Vec<Diagnostic>) {
        out.extend(ws.model_diagnostics.iter().cloned());
    }
}
