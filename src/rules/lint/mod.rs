//! The linter's own findings about its input.

pub mod include_not_resolved;
pub mod model_findings;
