//! PLACEHOLDER (replaced by the real resolver on merge).
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IncludeError {
    OutsideRoot(PathBuf),
    NotFound(PathBuf),
}

pub fn resolve_include(
    root: &Path,
    including_file: &Path,
    pattern: &str,
) -> Result<Vec<PathBuf>, IncludeError> {
    let _ = root;
    let p = including_file
        .parent()
        .unwrap_or(Path::new("."))
        .join(pattern);
    if p.is_file() {
        Ok(vec![p])
    } else {
        Err(IncludeError::NotFound(p))
    }
}
